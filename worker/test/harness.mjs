// Starts the sandbox Meta (in this process) and `wrangler dev` (real workerd) on free loopback
// ports, with throwaway state; stops both even when a test fails.
import { execFileSync, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSandbox } from "../sandbox/server.mjs";

const WORKER_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const REPO = join(WORKER_DIR, "..");
// wrangler needs Node >= 22.12: the repo pins one (root devDependency `node`).
const WRANGLER = join(REPO, "node_modules/wrangler/bin/wrangler.js");
const NODE = existsSync(join(REPO, "node_modules/.bin/node")) ? join(REPO, "node_modules/.bin/node") : process.execPath;

export const SECRETS = {
  API_KEY: "test-api-key-7f3a9c",
  ADMIN_API_KEY: "test-admin-key-51d2e8",
  META_ACCESS_TOKEN: "test-meta-token-0b6c",
  META_APP_SECRET: "test-app-secret-92e4",
  META_VERIFY_TOKEN: "test-verify-token-3d7f",
};

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const children = new Set();
process.on("exit", () => {
  for (const child of children) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** Bundles the worker once into `state` and writes a config that runs that bundle. wrangler dev
 *  watches its inputs, so running the sources directly would reload (and fail) whenever someone
 *  rebuilds pkg/ during a run; the snapshot is immune. */
function snapshotConfig(state, assets) {
  const bundle = join(state, "bundle");
  execFileSync(NODE, [WRANGLER, "deploy", "--dry-run", "--outdir", bundle, "--assets", assets, "--config", join(WORKER_DIR, "wrangler.jsonc")], {
    cwd: WORKER_DIR,
    stdio: "pipe",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const jsonc = readFileSync(join(WORKER_DIR, "wrangler.jsonc"), "utf8");
  const base = JSON.parse(jsonc.split("\n").filter((l) => !l.trim().startsWith("//")).join("\n"));
  const config = {
    ...base,
    main: join(bundle, "index.js"),
    base_dir: bundle,
    find_additional_modules: true,
    rules: [{ type: "CompiledWasm", globs: ["**/*.wasm"] }],
    assets: { ...base.assets, directory: assets },
  };
  delete config.$schema;
  const file = join(state, "wrangler.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** `persistTo`: keep Durable Object storage in that directory across stacks (a restart over
 *  existing state) instead of a throwaway one. `assets`: the dashboard to serve (e.g. www/dist);
 *  default: an empty page with the real `_headers`.
 *  @returns {Promise<Stack>} */
export async function startStack({ vars = {}, sandbox: sandboxOptions = {}, persistTo = null, assets: dashboard = null } = {}) {
  const sandbox = await startSandbox({
    accessToken: SECRETS.META_ACCESS_TOKEN,
    appSecret: SECRETS.META_APP_SECRET,
    webhookDelayMs: 30,
    hangMs: 20_000,
    // Control actions (quality, health, inbound…) default to the number the worker sends from.
    phoneNumberId: vars.META_PHONE_NUMBER_ID ?? "100000001",
    ...sandboxOptions,
  });
  const [port, inspectorPort] = [await freePort(), await freePort()];
  // Throwaway state on tmpfs when there is one: Durable Object writes hold replies until they
  // are flushed, and a busy disk's fsyncs would dominate every test's timing.
  const scratch = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const state = mkdtempSync(join(scratch, "sendgate-worker-test-"));
  // An empty dashboard: the API under test doesn't depend on www/ being built. Its `_headers`
  // (the CSP) is the real one, from the source that vite copies into www/dist.
  const assets = dashboard ?? join(state, "assets");
  if (!dashboard) {
    mkdirSync(assets);
    writeFileSync(join(assets, "index.html"), "<!doctype html><title>sendgate test dashboard</title>");
    copyFileSync(join(REPO, "www/public/_headers"), join(assets, "_headers"));
  }
  const config = snapshotConfig(state, assets);
  const allVars = {
    ...SECRETS,
    META_API_BASE: sandbox.url,
    META_API_VERSION: "v24.0",
    META_PHONE_NUMBER_ID: "100000001",
    // Generous for a busy shared machine; the timeout test waits this long once.
    META_TIMEOUT_MS: "3000",
    SEND_BUDGET_MS: "8000",
    MAX_ATTEMPTS: "4",
    THROUGHPUT_MPS_BY_NUMBER: JSON.stringify({ "100000009": 5 }),
    CORS_ORIGINS: "http://dashboard.test",
    ...vars,
  };
  const args = [
    WRANGLER,
    "dev",
    "--config", config,
    "--no-bundle",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--persist-to", persistTo ?? join(state, "state"),
    "--show-interactive-dev-session=false",
    "--log-level", "warn",
    ...Object.entries(allVars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  const base = `http://127.0.0.1:${port}`;
  sandbox.options.webhookUrl = `${base}/webhooks/meta`;
  let child;
  let output = "";
  const spawnWorker = () => {
    child = spawn(NODE, args, {
      cwd: WORKER_DIR,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    });
    children.add(child);
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
  };
  const killWorker = async (signal) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, 3000);
      await exited;
      clearTimeout(t);
    }
    children.delete(child);
  };

  const stop = async () => {
    await sandbox.close();
    await killWorker("SIGTERM");
    rmSync(state, { recursive: true, force: true });
  };

  const waitUp = async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) {
        await stop();
        throw new Error(`wrangler dev exited early:\n${output}`);
      }
      try {
        const res = await fetch(`${base}/v1/credits`);
        await res.arrayBuffer();
        if (res.status === 401) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`wrangler dev did not start:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  };
  spawnWorker();
  await waitUp();
  /** Kills workerd at once (SIGKILL: a crash, nothing flushed but what storage already has) and
   *  starts it again on the same port over the same persisted state; the sandbox keeps running. */
  const restart = async () => {
    await killWorker("SIGKILL");
    spawnWorker();
    await waitUp();
  };

  const stack = new Stack(base, sandbox, stop, () => output, child.pid, inspectorPort);
  stack.restart = async () => {
    await restart();
    stack.pid = child.pid;
  };
  return stack;
}

export class Stack {
  constructor(base, sandbox, stop, output, pid, inspectorPort) {
    /** Process group of wrangler and its workerd. */
    this.pid = pid;
    /** DevTools protocol port of the worker (attach a profiler or debugger). */
    this.inspectorPort = inspectorPort;
    this.base = base;
    this.sandbox = sandbox;
    this.stop = stop;
    this.output = output;
  }

  async request(method, path, { body, key = SECRETS.API_KEY, headers = {}, raw } = {}) {
    const h = { ...headers };
    if (key) h.authorization = `Bearer ${key}`;
    let payload = raw;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      h["content-type"] ??= "application/json";
    }
    const res = await fetch(this.base + path, { method, headers: h, body: payload });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  }

  send(body, opts) {
    return this.request("POST", "/v1/send", { body, ...opts });
  }

  check(body, opts) {
    return this.request("POST", "/v1/check", { body, ...opts });
  }

  /** A new workspace with `amount` credits. */
  async fundedWorkspace(amount = 5) {
    const workspace = uid("ws");
    await this.topUp(workspace, amount);
    return workspace;
  }

  async topUp(workspace, amount) {
    const r = await this.request("POST", "/v1/admin/credits", { body: { workspace_id: workspace, amount }, key: SECRETS.ADMIN_API_KEY });
    if (r.status !== 200) throw new Error(`top-up failed: ${r.status} ${r.text}`);
    return r.json;
  }

  /** A new workspace key (the admin's POST …/keys answer: key, key_id, scopes, …). */
  async workspaceKey(workspace, scopes, label) {
    const r = await this.request("POST", `/v1/admin/workspaces/${workspace}/keys`, { body: { scopes, ...(label ? { label } : {}) }, key: SECRETS.ADMIN_API_KEY });
    if (r.status !== 201) throw new Error(`key creation failed: ${r.status} ${r.text}`);
    return r.json;
  }

  async credits(workspace) {
    return (await this.request("GET", `/v1/credits?workspace_id=${workspace}`)).json;
  }

  async stats(workspace) {
    return (await this.request("GET", `/v1/stats?workspace_id=${workspace}`)).json;
  }

  async recipient(waId) {
    return (await this.request("GET", `/v1/recipients/${waId}`)).json;
  }

  /** Posts a webhook body signed with the app secret (or with `signature` as given). */
  webhook(payload, { signature, secret = SECRETS.META_APP_SECRET } = {}) {
    const raw = typeof payload === "string" ? payload : JSON.stringify(payload);
    const sig = signature === undefined ? `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}` : signature;
    const headers = { "content-type": "application/json" };
    if (sig !== null) headers["x-hub-signature-256"] = sig;
    return this.request("POST", "/webhooks/meta", { raw, headers, key: null });
  }

  /** Waits until the sandbox has posted every scheduled webhook and the worker answered them. */
  async settle(ms = 5000) {
    const end = Date.now() + ms;
    await new Promise((r) => setTimeout(r, this.sandbox.options.webhookDelayMs * 4 + 20));
    while (this.sandbox.pendingWebhooks() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  }

  /** Polls `fn` until it returns a truthy value. */
  async until(fn, ms = 5000) {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error("condition not reached in time");
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

// ---- request builders ----------------------------------------------------------------------

let seq = 0;
/** A unique key per call (tests share one worker). */
export const uid = (prefix = "k") => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++seq}`;

/** A valid UK mobile whose last three digits choose the sandbox behaviour. */
export function phone(behaviour = "000", n = ++seq) {
  return `+447911${String(n % 1000).padStart(3, "0")}${behaviour}`;
}

export function templateSend({ to, workspace, key = uid(), status = "APPROVED", category = "MARKETING", name = "order_update", language = "en_US", marketing_state = "SUBSCRIBED", extra = {} }) {
  return {
    idempotency_key: key,
    workspace_id: workspace,
    contact: { phone: to, marketing_state },
    source: "campaign",
    message: { type: "template", template: { name, language, category, status, body: "Hi {{1}}, your order {{2}} is on its way" }, parameters: ["Ana", "A-1042"] },
    ...extra,
  };
}

export function textSend({ to, workspace, key = uid(), text = "Thanks for your message!", last_inbound_at, extra = {} }) {
  return {
    idempotency_key: key,
    workspace_id: workspace,
    contact: { phone: to, marketing_state: "SUBSCRIBED", ...(last_inbound_at ? { last_inbound_at } : {}) },
    source: "inbox",
    message: { type: "text", text },
    ...extra,
  };
}

export function envelope(value, field = "messages") {
  return {
    object: "whatsapp_business_account",
    entry: [{ id: "102290129340398", changes: [{ field, value: { messaging_product: "whatsapp", metadata: { display_phone_number: "15550783881", phone_number_id: "100000001" }, ...value } }] }],
  };
}

export const digits = (p) => p.replace(/\D/g, "");

export const unix = (ms = Date.now()) => String(Math.floor(ms / 1000));

/** An inbound text message from `from` (a wa_id). */
export function inbound(from, text, { id = `wamid.in.${uid()}`, at = Date.now() } = {}) {
  return envelope({
    contacts: [{ profile: { name: "Ana" }, wa_id: from }],
    messages: [{ from, id, timestamp: unix(at), type: "text", text: { body: text } }],
  });
}

/** A `message_template_status_update` for one template. */
export function templateStatus(name, language, event, at = Date.now()) {
  return {
    object: "whatsapp_business_account",
    entry: [{ id: "102290129340398", time: Number(unix(at)), changes: [{ field: "message_template_status_update", value: { event, message_template_id: 594425479261596, message_template_name: name, message_template_language: language, reason: event === "PAUSED" ? "Low quality" : "NONE" } }] }],
  };
}
