// Cloudflare Workers (wrangler): a `.wasm` import is a compiled WebAssembly.Module.
import wasm from "./sendgate_bg.wasm";
import { initSync } from "./sendgate.js";

initSync({ module: wasm });

export * from "./sendgate.js";
// Shadows the export of the same name above (an explicit export wins over `export *`).
export { normalizePhones } from "./batch.js";
