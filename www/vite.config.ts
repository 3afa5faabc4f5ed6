import { defineConfig } from "vite";

// The sendgate package instantiates its .wasm with top-level await (pkg/browser.js), in the page
// and in the audience Web Worker: both bundles are ES modules targeting current browsers.
export default defineConfig({
  base: "./",
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  worker: { format: "es" },
  optimizeDeps: { exclude: ["sendgate"] },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
