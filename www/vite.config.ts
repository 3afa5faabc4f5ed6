import { defineConfig, type Plugin } from "vite";

// pkg/package.json declares `"sideEffects": false`, which lets the bundler skip pkg/browser.js
// (it only re-exports) and with it the top-level `await init(...)` that instantiates the Wasm.
// Mark the package entry as having side effects so the init stays in the page and the worker.
function keepSendgateInit(): Plugin {
  return {
    name: "sendgate-keep-init",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (source !== "sendgate") return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved && { ...resolved, moduleSideEffects: true };
    },
  };
}

// The sendgate package instantiates its .wasm with top-level await (pkg/browser.js), in the page
// and in the audience Web Worker: both bundles are ES modules targeting current browsers.
export default defineConfig({
  base: "./",
  plugins: [keepSendgateInit()],
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  worker: { format: "es", plugins: () => [keepSendgateInit()] },
  optimizeDeps: { exclude: ["sendgate"] },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
