// A tiny static server for www/dist on 127.0.0.1 and an ephemeral port (tests run in parallel
// with other engineers' servers). Correct MIME types, no caching, 404 for anything else, and the
// headers of dist/_headers (the CSP the worker serves), so every browser test runs under them.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const DIST = resolve(fileURLToPath(new URL("../dist/", import.meta.url)));

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Cloudflare's `_headers` format, the subset the file uses: a URL pattern line (`*` matches
 *  anything), then indented `Name: value` lines; `#` comments. */
export function parseHeaders(text) {
  const rules = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    if (!/^\s/.test(line)) {
      const re = new RegExp(`^${line.trim().split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
      rules.push({ pattern: line.trim(), re, headers: {} });
    } else {
      const at = line.indexOf(":");
      if (at < 0 || !rules.length) throw new Error(`_headers: cannot read ${JSON.stringify(line)}`);
      rules[rules.length - 1].headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
    }
  }
  return rules;
}

function headersFor(rules, pathname) {
  return Object.assign({}, ...rules.filter((r) => r.re.test(pathname)).map((r) => r.headers));
}

/** `api(req, res)`: answers a request itself when it returns true (a test's stand-in routes);
 *  everything else is the static build. */
export async function serve(root = DIST, api = null) {
  const rules = parseHeaders(await readFile(join(root, "_headers"), "utf8"));
  const server = createServer(async (req, res) => {
    try {
      if (api && (await api(req, res))) return;
      const url = new URL(req.url, "http://127.0.0.1");
      let path = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, "");
      if (path.endsWith("/")) path += "index.html";
      const file = join(root, path);
      if (!file.startsWith(root)) throw new Error("outside root");
      if (path === "/_headers") throw new Error("configuration, not served (as on Cloudflare)");
      const info = await stat(file);
      if (!info.isFile()) throw new Error("not a file");
      const body = await readFile(file);
      res.writeHead(200, {
        ...headersFor(rules, url.pathname),
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

// `node test/server.mjs`: serve the build for a look by hand.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const s = await serve();
  console.log(`serving ${DIST} at ${s.url}`);
}
