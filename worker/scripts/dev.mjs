#!/usr/bin/env node
// `npm run dev` (and `make dev`): the sandbox Meta Graph API plus `wrangler dev` on
// 127.0.0.1:8787 with local Durable Objects and the dev secrets from dev.vars.example.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSandbox } from "../sandbox/server.mjs";

const WORKER_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const REPO = join(WORKER_DIR, "..");
const PORT = Number(process.env.PORT ?? 8787);
const DEV_VARS = join(WORKER_DIR, ".dev.vars");

if (!existsSync(DEV_VARS)) copyFileSync(join(WORKER_DIR, "dev.vars.example"), DEV_VARS);
const vars = Object.fromEntries(
  readFileSync(DEV_VARS, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && l.includes("="))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1).replace(/^"(.*)"$/, "$1")]),
);

// wrangler serves the dashboard from ../www/dist; `make dev` builds it first.
const dist = join(REPO, "www/dist");
if (!existsSync(dist)) {
  mkdirSync(dist, { recursive: true });
  console.warn("www/dist was missing (run `make dev` to build the dashboard); serving an empty directory");
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const base = `http://127.0.0.1:${PORT}`;
const sandbox = await startSandbox({
  port: Number(process.env.SANDBOX_PORT ?? 0),
  accessToken: vars.META_ACCESS_TOKEN,
  appSecret: vars.META_APP_SECRET,
  webhookUrl: `${base}/webhooks/meta`,
  webhookDelayMs: Number(process.env.SANDBOX_WEBHOOK_DELAY_MS ?? 500),
  log: true,
});

const node = existsSync(join(REPO, "node_modules/.bin/node")) ? join(REPO, "node_modules/.bin/node") : process.execPath;
const wrangler = spawn(
  node,
  [
    join(REPO, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    "--ip", "127.0.0.1",
    "--port", String(PORT),
    "--inspector-port", String(await freePort()),
    "--show-interactive-dev-session=false",
    "--var", `META_API_BASE:${sandbox.url}`,
    "--var", `META_PHONE_NUMBER_ID:${process.env.META_PHONE_NUMBER_ID ?? "100000001"}`,
    "--var", "CORS_ORIGINS:http://127.0.0.1:5173,http://localhost:5173",
  ],
  { cwd: WORKER_DIR, stdio: "inherit", detached: true, env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
);

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  try {
    process.kill(-wrangler.pid, "SIGTERM");
  } catch {
    // already gone
  }
  await sandbox.close();
  process.exit(code);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
wrangler.on("exit", (code) => stop(code ?? 1));

// Wait for the worker, give the dev workspace some credits (once), then say where things are.
for (;;) {
  try {
    const res = await fetch(`${base}/v1/credits`);
    await res.arrayBuffer();
    if (res.status === 401) break;
  } catch {
    // not up yet
  }
  await new Promise((r) => setTimeout(r, 250));
}
await fetch(`${base}/v1/admin/credits`, {
  method: "POST",
  headers: { authorization: `Bearer ${vars.ADMIN_API_KEY}`, "content-type": "application/json" },
  body: JSON.stringify({ workspace_id: "default", amount: 100, reference: "dev-initial-credits" }),
}).then((r) => r.arrayBuffer());

// A dashboard key for the dev workspace: the previous run's is revoked, a new one printed (keys
// are shown once, so a key cannot be printed again).
const admin = (method, path, body) =>
  fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${vars.ADMIN_API_KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then((r) => r.json());
await admin("PUT", "/v1/admin/workspaces/default", { name: "Dev workspace" });
for (const k of (await admin("GET", "/v1/admin/workspaces/default/keys")).keys ?? []) {
  if (k.label === "make dev dashboard" && !k.revoked_at) await admin("DELETE", `/v1/admin/workspaces/default/keys/${k.key_id}`);
}
const dashboardKey = (await admin("POST", "/v1/admin/workspaces/default/keys", { scopes: ["check", "read"], label: "make dev dashboard" })).key;

console.log(`
sendgate worker:  ${base}   (dashboard at /, API at /v1/*, Meta webhooks at /webhooks/meta)
sandbox Meta API: ${sandbox.url}   (behaviour by the last 3 digits of the number: worker/README.md)
API key: ${vars.API_KEY}   (the platform's: every workspace)
Dashboard sign-in (workspace "default", scopes check and read): ${dashboardKey}
Try:
  curl -s ${base}/v1/send -H 'authorization: Bearer ${vars.API_KEY}' -H 'content-type: application/json' \\
    -d '{"idempotency_key":"demo-1","contact":{"phone":"+447911123000","marketing_state":"SUBSCRIBED"},"source":"campaign","message":{"type":"template","template":{"name":"order_update","language":"en_US","category":"UTILITY","status":"APPROVED"}}}'
  curl -s ${sandbox.url}/_sandbox/inbound -d '{"from":"447911123000","text":"STOP"}'
A campaign (local Queues dispatch it at THROUGHPUT_MPS; watch it with GET /v1/campaigns/demo-c1):
  curl -s ${base}/v1/campaigns -H 'authorization: Bearer ${vars.API_KEY}' -H 'content-type: application/json' \
    -d '{"campaign_id":"demo-c1","template":{"name":"order_update","language":"en_US","category":"UTILITY","status":"APPROVED"},"contacts":[{"id":"1","phone":"+447911123000","marketing_state":"SUBSCRIBED"},{"id":"2","phone":"+447911123101","marketing_state":"SUBSCRIBED"}]}'
`);
