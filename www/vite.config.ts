import { defineConfig, type HtmlTagDescriptor, type Plugin } from "vite";

// The first verdict waits for the app chunk and sendgate's .wasm, which the page would only ask
// for once main.js has run and imported the app. These hints start both downloads while the
// HTML is still being parsed; the .wasm is then compiled as it streams in (instantiateStreaming
// on the preloaded response: same URL, cors mode, same-origin credentials as wasm-bindgen's fetch).
function preloadChecker(): Plugin {
  return {
    name: "sendgate-preload-checker",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(_html, ctx) {
        const tags: HtmlTagDescriptor[] = [];
        for (const [file, out] of Object.entries(ctx.bundle ?? {})) {
          const href = `./${file}`;
          if (out.type === "asset" && file.endsWith(".wasm")) {
            tags.push({ tag: "link", attrs: { rel: "preload", href, as: "fetch", type: "application/wasm", crossorigin: "" }, injectTo: "head" });
          } else if (out.type === "chunk" && out.isDynamicEntry && out.name === "app") {
            tags.push({ tag: "link", attrs: { rel: "modulepreload", href }, injectTo: "head" });
          }
        }
        return tags;
      },
    },
  };
}

// The sendgate package instantiates its .wasm with top-level await (pkg/browser.js), in the page
// and in the audience Web Worker: both bundles are ES modules targeting current browsers.
export default defineConfig({
  base: "./",
  plugins: [preloadChecker()],
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
