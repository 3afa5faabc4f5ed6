// Node >= 22: load the module synchronously next to this file, so `import` is enough.
import { readFileSync } from "node:fs";
import { initSync } from "./sendgate.js";

initSync({ module: readFileSync(new URL("./sendgate_bg.wasm", import.meta.url)) });

export * from "./sendgate.js";
// Shadows the export of the same name above (an explicit export wins over `export *`).
export { normalizePhones } from "./batch.js";
