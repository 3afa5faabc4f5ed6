// Browsers through a bundler (Vite, esbuild, webpack 5): the bundler emits the .wasm as an asset
// from this URL; top-level await finishes instantiation before any function is called.
import init from "./sendgate.js";

await init({ module_or_path: new URL("./sendgate_bg.wasm", import.meta.url) });

export * from "./sendgate.js";
// Shadows the export of the same name above (an explicit export wins over `export *`).
export { normalizePhones } from "./batch.js";
