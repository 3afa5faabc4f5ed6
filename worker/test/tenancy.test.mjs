// Tenancy: workspace keys (minted by the admin, shown once, stored as SHA-256, revoked at once),
// every /v1 route's scope and workspace boundary, and the throttle on failed authentication.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, test } from "node:test";
import { SECRETS, digits, phone, startStack, templateSend, uid } from "./harness.mjs";

const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "sendgate-tenancy-test-"));
let s;
before(async () => {
  s = await startStack({ persistTo: dir });
});
after(async () => {
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every answer of this file, to check that no key is ever echoed but at its creation. */
const answers = [];
/** wrangler/workerd output of stacks stopped before the end. */
let earlierOutput = "";
let clients = 0;
/** A client address of its own per test (CF-Connecting-IP, which wrangler dev passes through when
 *  the request carries it), so one test's failed sign-ins never throttle another's. */
const newClient = () => `198.51.100.${++clients}`;

async function call(method, path, { key, body, client = "198.51.100.250" } = {}) {
  const r = await s.request(method, path, { key, body, headers: { "cf-connecting-ip": client } });
  answers.push({ label: `${method} ${path}`, text: `${[...r.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n")}\n${r.text}` });
  return r;
}

const admin = (method, path, body) => call(method, path, { key: SECRETS.ADMIN_API_KEY, body });

async function createKey(workspace, scopes, label) {
  const r = await admin("POST", `/v1/admin/workspaces/${workspace}/keys`, { scopes, ...(label ? { label } : {}) });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

const minted = [];
/** A key created by a test: its whole text and its secret part must never be echoed again. */
async function key(workspace, scopes, label) {
  const k = await createKey(workspace, scopes, label);
  minted.push(k.key);
  return k;
}

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const checkBody = (workspace, to = phone()) => {
  const { idempotency_key, ...rest } = templateSend({ to, workspace });
  return rest;
};

describe("workspace keys", () => {
  test("the admin mints a key: shown once, named sgk_, 256 random bits; listed without secrets", async () => {
    const ws = uid("ws");
    const k = await key(ws, ["read", "check"], "support dashboard");
    assert.match(k.key, new RegExp(`^sgk_[0-9a-f]{16}_[0-9a-f]{64}_${ws}$`));
    assert.equal(k.key.slice(4, 20), k.key_id);
    assert.deepEqual([k.workspace_id, k.label, k.scopes, k.last_used_at, k.revoked_at], [ws, "support dashboard", ["check", "read"], null, null]);
    assert.ok(Math.abs(Date.parse(k.created_at) - Date.now()) < 60_000);
    const other = await key(ws, ["send"]);
    assert.notEqual(other.key.split("_")[2], k.key.split("_")[2], "every key has its own secret");

    const listed = await admin("GET", `/v1/admin/workspaces/${ws}/keys`);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.json.keys.map((x) => x.key_id).sort(), [k.key_id, other.key_id].sort());
    for (const x of listed.json.keys) assert.deepEqual(Object.keys(x).sort(), ["created_at", "key_id", "label", "last_used_at", "revoked_at", "scopes"]);
    assert.ok(!listed.text.includes(k.key.split("_")[2]) && !listed.text.includes(sha256(k.key)), "the list shows a secret or a hash");

    // Used: last use is recorded (to the minute), never the key.
    assert.equal((await call("GET", "/v1/credits", { key: k.key })).status, 200);
    const used = (await admin("GET", `/v1/admin/workspaces/${ws}/keys`)).json.keys.find((x) => x.key_id === k.key_id);
    assert.ok(Math.abs(Date.parse(used.last_used_at) - Date.now()) < 60_000, JSON.stringify(used));
  });

  test("bad requests for a key → 400 naming the field; only the admin key may mint, list or revoke", async () => {
    const ws = uid("ws");
    for (const [body, path] of [
      [{}, "scopes"],
      [{ scopes: [] }, "scopes"],
      [{ scopes: "read" }, "scopes"],
      [{ scopes: ["read", "write"] }, "scopes[1]"],
      [{ scopes: ["read"], label: "" }, "label"],
      [{ scopes: ["read"], label: "x".repeat(101) }, "label"],
    ]) {
      const r = await admin("POST", `/v1/admin/workspaces/${ws}/keys`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.path, path, JSON.stringify(body));
    }
    assert.equal((await admin("POST", "/v1/admin/workspaces/bad%2Fid/keys", { scopes: ["read"] })).status, 400);
    const own = await key(ws, ["check", "send", "read"]);
    for (const [method, path, body] of [
      ["POST", `/v1/admin/workspaces/${ws}/keys`, { scopes: ["read"] }],
      ["GET", `/v1/admin/workspaces/${ws}/keys`],
      ["DELETE", `/v1/admin/workspaces/${ws}/keys/${own.key_id}`],
      ["PUT", `/v1/admin/workspaces/${ws}`, { name: "x" }],
      ["POST", "/v1/admin/credits", { workspace_id: ws, amount: 5 }],
    ]) {
      for (const [who, k] of [["workspace key", own.key], ["API key", SECRETS.API_KEY]]) {
        const r = await call(method, path, { key: k, body });
        assert.equal(r.status, 403, `${who} ${method} ${path}`);
        assert.equal(r.json.error.code, "forbidden");
      }
      assert.equal((await call(method, path, { key: null, body })).status, 401, `none ${method} ${path}`);
    }
    assert.equal((await admin("GET", `/v1/admin/workspaces/${ws}/keys`)).json.keys.length, 1, "nothing was minted by them");
    assert.equal((await call("GET", "/v1/credits", { key: own.key })).status, 200, "nor revoked");
  });

  test("the admin key acts on admin routes only", async () => {
    for (const [method, path, body] of [["GET", "/v1/credits"], ["POST", "/v1/check", checkBody(uid("ws"))], ["GET", "/v1/workspace"]]) {
      const r = await call(method, path, { key: SECRETS.ADMIN_API_KEY, body });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.json.error.code, "forbidden");
    }
  });
});

/** A recipient each workspace of the matrix sent to (recipients are not named by workspace_id:
 *  a key reads those of its own workspace only). */
const recipientOf = {};

// Each /v1 route: how to call it on workspace `ws`, the scope it needs, and the status that means
// "allowed" (a send of an unfunded workspace is blocked: 422, never reaching Meta).
const ROUTES = [
  ["GET /v1/recipients/{wa_id}", "read", 200, (k, ws) => call("GET", `/v1/recipients/${recipientOf[ws]}`, { key: k })],
  ["POST /v1/check", "check", 200, (k, ws) => call("POST", "/v1/check", { key: k, body: { ...checkBody(ws), workspace_id: ws } })],
  ["POST /v1/send", "send", 422, (k, ws) => call("POST", "/v1/send", { key: k, body: templateSend({ to: phone(), workspace: ws }) })],
  ["GET /v1/failures", "read", 200, (k, ws) => call("GET", `/v1/failures?workspace_id=${ws}`, { key: k })],
  ["GET /v1/sends/{key}", "read", 200, (k, ws) => call("GET", `/v1/sends/some-key?workspace_id=${ws}`, { key: k })],
  ["GET /v1/stats", "read", 200, (k, ws) => call("GET", `/v1/stats?workspace_id=${ws}`, { key: k })],
  ["GET /v1/credits", "read", 200, (k, ws) => call("GET", `/v1/credits?workspace_id=${ws}`, { key: k })],
  ["GET /v1/workspace", "any", 200, (k, ws) => call("GET", `/v1/workspace?workspace_id=${ws}`, { key: k })],
];
const SCOPE_SETS = [["check"], ["send"], ["read"], ["check", "send", "read"]];

describe("every route: a key of workspace A with each scope set, on A and on B", () => {
  const a = uid("wsA");
  const b = uid("wsB");
  const never = uid("wsNever");
  before(async () => {
    await s.topUp(b, 3);
    // B has data: a key of A must learn nothing of it, nor whether B exists.
    const toB = phone("100");
    assert.equal((await call("POST", "/v1/send", { key: SECRETS.API_KEY, body: templateSend({ to: toB, workspace: b }) })).status, 200);
    const toA = phone();
    assert.equal((await call("POST", "/v1/send", { key: SECRETS.API_KEY, body: templateSend({ to: toA, workspace: a }) })).status, 422);
    Object.assign(recipientOf, { [a]: digits(toA), [b]: digits(toB), [never]: digits(phone()) });
  });

  for (const scopes of SCOPE_SETS) {
    test(`scopes ${scopes.join("+")}: allowed on its own workspace with the scope, 403 elsewhere, 401 after revocation`, async () => {
      const k = await key(a, scopes);
      for (const [label, scope, allowed, run] of ROUTES) {
        const permitted = scope === "any" || scopes.includes(scope);
        const own = await run(k.key, a);
        if (permitted) {
          assert.equal(own.status, allowed, `${label} on A: ${own.text.slice(0, 200)}`);
          if (own.json.workspace_id !== undefined) assert.equal(own.json.workspace_id, a, label);
        } else {
          assert.equal(own.status, 403, `${label} on A without the scope`);
          assert.equal(own.json.error.code, "insufficient_scope", label);
          assert.match(own.json.error.message, new RegExp(`"${scope}"`));
        }
        const other = await run(k.key, b);
        const missing = await run(k.key, never);
        assert.equal(other.status, 403, `${label} on B: ${other.text.slice(0, 200)}`);
        assert.equal(other.text, missing.text, `${label}: B's answer differs from a workspace that does not exist`);
      }
      assert.equal((await admin("DELETE", `/v1/admin/workspaces/${a}/keys/${k.key_id}`)).status, 200);
      for (const [label, , , run] of ROUTES) {
        const r = await run(k.key, a);
        assert.equal(r.status, 401, `${label} after revocation`);
        assert.equal(r.json.error.code, "unauthorized");
      }
    });
  }

  test("a missing workspace_id means the key's own; the platform's API key still acts on any", async () => {
    const k = await key(a, ["read", "check"]);
    for (const path of ["/v1/credits", "/v1/stats", "/v1/failures", "/v1/workspace"]) {
      const r = await call("GET", path, { key: k.key });
      assert.equal(r.status, 200, path);
      assert.equal(r.json.workspace_id, a, path);
    }
    const check = await call("POST", "/v1/check", { key: k.key, body: checkBody(undefined) });
    assert.equal(check.status, 200);
    assert.ok(check.json.blockers.some((x) => x.reason === "INSUFFICIENT_CREDITS"), "A's ledger (empty), not the default's");
    for (const ws of [a, b]) {
      assert.equal((await call("GET", `/v1/credits?workspace_id=${ws}`, { key: SECRETS.API_KEY })).json.workspace_id, ws);
    }
    const me = await call("GET", "/v1/workspace", { key: SECRETS.API_KEY });
    assert.deepEqual([me.json.caller, me.json.key, me.json.workspace_id], ["platform", null, "default"]);
  });

  test("recipients: a workspace key reads only those its workspace sent to", async () => {
    const k = await key(b, ["read"]);
    // A send of B's (blocked, so Meta is not called) records the recipient in B.
    const sent = await call("POST", "/v1/send", { key: SECRETS.API_KEY, body: templateSend({ to: phone("100"), workspace: b, marketing_state: "UNSUBSCRIBED" }) });
    const to = digits(sent.json.verdict.to);
    assert.equal((await call("GET", `/v1/recipients/${to}`, { key: k.key })).status, 200);
    const stranger = await call("GET", `/v1/recipients/${digits(phone())}`, { key: k.key });
    assert.equal(stranger.status, 403);
    assert.equal(stranger.json.error.path, "wa_id");
    const ka = await key(a, ["read"]);
    assert.equal((await call("GET", `/v1/recipients/${to}`, { key: ka.key })).status, 403, "A's key reads B's recipient");
    assert.equal((await call("GET", `/v1/recipients/${to}`, { key: SECRETS.API_KEY })).status, 200, "the platform reads any");
  });

  test("a workspace key sends only through its workspace's numbers", async () => {
    const ws = uid("ws");
    await s.topUp(ws, 5);
    const k = await key(ws, ["send"]);
    const through = (pnid) => call("POST", "/v1/send", { key: k.key, body: templateSend({ to: phone("100"), workspace: ws, extra: pnid ? { phone_number_id: pnid } : {} }) });
    // No numbers assigned: the deployment's default only.
    assert.equal((await through(null)).status, 200);
    const refused = await through("100000009");
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.path, "phone_number_id");
    const profile = await admin("PUT", `/v1/admin/workspaces/${ws}`, { name: "Acme Store", phone_number_ids: ["100000009"] });
    assert.deepEqual([profile.status, profile.json.name, profile.json.phone_number_ids], [200, "Acme Store", ["100000009"]]);
    assert.equal((await through("100000009")).status, 200);
    assert.equal((await through(null)).status, 403, "the default is not this workspace's number any more");
    // The platform's key still sends through any number for this workspace.
    assert.equal((await call("POST", "/v1/send", { key: SECRETS.API_KEY, body: templateSend({ to: phone("100"), workspace: ws }) })).status, 200);
    const me = await call("GET", "/v1/workspace", { key: k.key });
    assert.deepEqual([me.json.workspace_id, me.json.name, me.json.caller, me.json.key], [ws, "Acme Store", "workspace", { key_id: k.key_id, label: null, scopes: ["send"] }]);
  });

  test("revocation is immediate, and only for that key; an unknown key id → 404", async () => {
    const one = await key(a, ["read"]);
    const two = await key(a, ["read"]);
    assert.equal((await call("GET", "/v1/credits", { key: one.key })).status, 200);
    const revoked = await admin("DELETE", `/v1/admin/workspaces/${a}/keys/${one.key_id}`);
    assert.equal(revoked.status, 200);
    assert.ok(Math.abs(Date.parse(revoked.json.revoked_at) - Date.now()) < 60_000);
    assert.equal((await call("GET", "/v1/credits", { key: one.key })).status, 401);
    assert.equal((await call("GET", "/v1/credits", { key: two.key })).status, 200);
    const again = await admin("DELETE", `/v1/admin/workspaces/${a}/keys/${one.key_id}`);
    assert.equal(again.json.revoked_at, revoked.json.revoked_at, "revoking twice keeps the first time");
    const listed = (await admin("GET", `/v1/admin/workspaces/${a}/keys`)).json.keys.find((x) => x.key_id === one.key_id);
    assert.equal(listed.revoked_at, revoked.json.revoked_at);
    assert.equal((await admin("DELETE", `/v1/admin/workspaces/${a}/keys/0123456789abcdef`)).status, 404);
    assert.equal((await admin("DELETE", `/v1/admin/workspaces/${b}/keys/${two.key_id}`)).status, 404, "a key id of another workspace");
    assert.equal((await call("GET", "/v1/credits", { key: two.key })).status, 200);
  });

  test("a key with a wrong secret, another workspace's name or a changed id → 401", async () => {
    const k = await key(a, ["read"]);
    const [, id, secret] = k.key.split("_");
    const flipped = secret.slice(0, -1) + (secret.endsWith("0") ? "1" : "0");
    for (const bad of [`sgk_${id}_${flipped}_${a}`, `sgk_${id}_${secret}_${b}`, `sgk_${"0".repeat(16)}_${secret}_${a}`, `sgk_${id}_${secret}_${a}x`, k.key.toUpperCase()]) {
      const r = await call("GET", "/v1/credits", { key: bad, client: newClient() });
      assert.equal(r.status, 401, bad);
      assert.equal(r.json.error.message, "invalid API key");
    }
  });
});

/** The persisted object files whose Durable Object name (miniflare keeps it) is `name`. */
function objectFilesNamed(name) {
  const hits = [];
  for (const f of readdirSync(dir, { recursive: true })) {
    if (!String(f).endsWith(".sqlite")) continue;
    const db = new DatabaseSync(join(dir, String(f)), { readOnly: true });
    try {
      if (db.prepare("SELECT 1 FROM __miniflare_do_name WHERE name = ?").get(name)) hits.push(f);
    } catch (e) {
      if (!/no such table|locked|busy/.test(e.message)) throw e;
    } finally {
      db.close();
    }
  }
  return hits;
}

describe("failed authentication is throttled per client address", () => {
  test("200 wrong keys from one client end in 429 with Retry-After, before any object is touched; another client still signs in", async () => {
    const ws = uid("ws");
    const good = await key(ws, ["read"]);
    const attacker = newClient();
    const [, id] = good.key.split("_");
    const statuses = [];
    for (let i = 0; i < 200; i++) {
      // Garbage, near misses of the real key, and well-formed keys of the real workspace.
      const guess = i % 2 ? `sgk_${id}_${sha256(String(i))}_${ws}` : `not-a-key-${i}`;
      statuses.push((await call("GET", "/v1/credits", { key: guess, client: attacker })).status);
    }
    const first = statuses.indexOf(429);
    assert.ok(first > 0, `no 429 in ${statuses.join(",")}`);
    assert.ok(statuses.slice(0, first).every((x) => x === 401), "401 before the limit");
    assert.ok(statuses.slice(first).every((x) => x === 429), "429 from the limit on");
    assert.ok(first <= 100, `the limit allowed ${first} failures`);
    const limited = await call("GET", "/v1/credits", { key: "wrong", client: attacker });
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error.code, "too_many_failed_authentications");
    const wait = Number(limited.headers.get("retry-after"));
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
    // Past the limit even the right key is refused from that address, and a key naming a
    // workspace never seen does not reach (create) its object.
    assert.equal((await call("GET", "/v1/credits", { key: good.key, client: attacker })).status, 429);
    const unseen = uid("wsUnseen");
    assert.equal((await call("GET", "/v1/credits", { key: `sgk_${id}_${sha256("x")}_${unseen}`, client: attacker })).status, 429);
    // Another client: the right key works, a wrong one or none is still 401 (not 429).
    const other = newClient();
    assert.equal((await call("GET", "/v1/credits", { key: good.key, client: other })).status, 200);
    const control = uid("wsControl");
    assert.equal((await call("GET", "/v1/credits", { key: `sgk_${id}_${sha256("x")}_${control}`, client: other })).status, 401);
    assert.equal((await call("GET", "/v1/credits", { key: null, client: other })).status, 401);
    assert.equal((await call("GET", "/v1/credits", { key: "wrong", client: other })).status, 401);
    earlierOutput += s.output();
    await s.stop();
    s = null;
    assert.equal(objectFilesNamed(control).length, 1, "the probe sees an object a wrong key of another client reached");
    assert.deepEqual(objectFilesNamed(unseen), [], "a throttled request reached a Durable Object");
    s = await startStack({ persistTo: dir });
  });
});

describe("keys are never echoed", () => {
  test("no answer but its creation, and no log line, carries a key, its secret or its hash", async () => {
    assert.ok(minted.length >= 10);
    for (const k of minted) {
      const secret = k.split("_")[2];
      const carrying = answers.filter((a) => a.text.includes(secret) || a.text.includes(sha256(k)));
      assert.equal(carrying.length, 1, `${carrying.map((a) => a.label).join(", ")}`);
      assert.match(carrying[0].label, /^POST \/v1\/admin\/workspaces\/[^/]+\/keys$/);
      assert.ok(!(earlierOutput + s.output()).includes(secret), "wrangler/workerd output contains a key");
    }
  });
});
