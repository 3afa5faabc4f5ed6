// HTTP surface: auth, body checks, every route's success and error codes, CORS, dashboard.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SECRETS, phone, startStack, templateSend, uid } from "./harness.mjs";

let s;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s?.stop();
});

const checkBody = (to = phone()) => {
  const { idempotency_key, ...rest } = templateSend({ to, workspace: uid("ws") });
  return rest;
};

describe("authentication", () => {
  test("missing bearer key → 401 with a challenge", async () => {
    const r = await s.request("POST", "/v1/check", { body: checkBody(), key: null });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, "unauthorized");
    assert.match(r.headers.get("www-authenticate"), /^Bearer/);
  });

  test("wrong key → 401, on every API route", async () => {
    for (const [method, path] of [
      ["POST", "/v1/check"],
      ["POST", "/v1/send"],
      ["GET", "/v1/failures"],
      ["GET", "/v1/credits"],
      ["GET", "/v1/recipients/447911123456"],
      ["POST", "/v1/admin/credits"],
    ]) {
      const r = await s.request(method, path, { key: "not-the-key", body: method === "POST" ? {} : undefined });
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.equal(r.json.error.code, "unauthorized");
    }
  });

  test("a key of another length or a Basic header → 401", async () => {
    assert.equal((await s.request("GET", "/v1/credits", { key: `${SECRETS.API_KEY}x` })).status, 401);
    const basic = await s.request("GET", "/v1/credits", { key: null, headers: { authorization: `Basic ${btoa("a:b")}` } });
    assert.equal(basic.status, 401);
  });

  test("the admin route refuses the API key (403) and takes the admin key", async () => {
    const ws = uid("ws");
    const r = await s.request("POST", "/v1/admin/credits", { body: { workspace_id: ws, amount: 5 } });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, "forbidden");
    assert.equal((await s.credits(ws)).balance, 0);
    const ok = await s.topUp(ws, 5);
    assert.equal(ok.balance, 5);
  });

  test("errors never echo a secret", async () => {
    const r = await s.request("GET", "/v1/credits", { key: "wrong" });
    for (const secret of Object.values(SECRETS)) assert.ok(!r.text.includes(secret));
  });
});

describe("request bodies", () => {
  test("wrong content-type → 415", async () => {
    const r = await s.request("POST", "/v1/check", { raw: JSON.stringify(checkBody()), headers: { "content-type": "text/plain" } });
    assert.equal(r.status, 415);
    assert.equal(r.json.error.code, "unsupported_media_type");
  });

  test("malformed JSON → 400 invalid_json", async () => {
    const r = await s.request("POST", "/v1/send", { raw: '{"contact":', headers: { "content-type": "application/json" } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, "invalid_json");
  });

  test("a JSON array or scalar → 400", async () => {
    for (const raw of ["[]", "42", "null"]) {
      const r = await s.request("POST", "/v1/check", { raw, headers: { "content-type": "application/json" } });
      assert.equal(r.status, 400, raw);
      assert.equal(r.json.error.code, "invalid_request");
    }
  });

  test("oversized body → 413, by declared length and by streamed length", async () => {
    const big = { ...checkBody(), padding: "x".repeat(70 * 1024) };
    const r = await s.request("POST", "/v1/check", { body: big });
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, "payload_too_large");
    // Chunked (no content-length): the limit still holds.
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(JSON.stringify(big)));
        c.close();
      },
    });
    const res = await fetch(`${s.base}/v1/send`, {
      method: "POST",
      headers: { authorization: `Bearer ${SECRETS.API_KEY}`, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    });
    assert.equal(res.status, 413);
  });

  test("wrongly typed fields → 400 with the field path", async () => {
    const cases = [
      [{ ...checkBody(), contact: { phone: "+447911123456", marketing_state: 5 } }, "contact.marketing_state"],
      [{ ...checkBody(), contact: { phone: "+447911123456", marketing_state: "MAYBE" } }, "contact.marketing_state"],
      [{ ...checkBody(), source: "email" }, "source"],
      [{ ...checkBody(), contact: { phone: "+447911123456", marketing_state: "SUBSCRIBED", last_inbound_at: "yesterday" } }, "contact.last_inbound_at"],
    ];
    for (const [body, path] of cases) {
      const r = await s.check(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.code, "invalid_request");
      assert.equal(r.json.error.path, path);
      const sent = await s.send({ ...body, idempotency_key: uid() });
      assert.equal(sent.status, 400);
      assert.equal(sent.json.error.path, path);
    }
  });

  test("send without idempotency_key → 400 naming it", async () => {
    const { idempotency_key, ...body } = templateSend({ to: phone(), workspace: uid("ws") });
    for (const key of [undefined, "", 7]) {
      const r = await s.send(key === undefined ? body : { ...body, idempotency_key: key });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.path, "idempotency_key");
    }
  });

  test("bad workspace_id and phone_number_id → 400", async () => {
    const r = await s.send(templateSend({ to: phone(), workspace: "no spaces/allowed" }));
    assert.equal(r.status, 400);
    assert.equal(r.json.error.path, "workspace_id");
    const p = await s.send(templateSend({ to: phone(), workspace: uid("ws"), extra: { phone_number_id: 12 } }));
    assert.equal(p.status, 400);
    assert.equal(p.json.error.path, "phone_number_id");
  });
});

describe("routes", () => {
  test("POST /v1/check → 200 verdict, Meta never called", async () => {
    const to = phone();
    const ws = await s.fundedWorkspace(3);
    const r = await s.check({ ...checkBody(to), workspace_id: ws });
    assert.equal(r.status, 200);
    assert.equal(r.json.eligible, true);
    assert.equal(r.json.to, to);
    assert.equal(r.json.cost, 1);
    assert.equal(s.sandbox.callsTo(to), 0);
    assert.equal((await s.credits(ws)).reserved, 0);
  });

  test("POST /v1/check sees the workspace ledger: no credits → INSUFFICIENT_CREDITS", async () => {
    const r = await s.check({ ...checkBody(), workspace_id: uid("ws") });
    assert.equal(r.status, 200);
    assert.equal(r.json.eligible, false);
    assert.ok(r.json.blockers.some((b) => b.reason === "INSUFFICIENT_CREDITS"));
  });

  test("unknown route → 404, wrong method → 405 with Allow", async () => {
    const r = await s.request("GET", "/v1/nope");
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, "not_found");
    const m = await s.request("GET", "/v1/send");
    assert.equal(m.status, 405);
    assert.equal(m.headers.get("allow"), "POST");
    const w = await s.request("PUT", "/webhooks/meta", { key: null });
    assert.equal(w.status, 405);
  });

  test("GET /v1/credits and the admin top-up (a repeated reference applies once)", async () => {
    const ws = uid("ws");
    assert.deepEqual(await s.credits(ws), { workspace_id: ws, balance: 0, reserved: 0, available: 0, debited: 0, topped_up: 0 });
    const body = { workspace_id: ws, amount: 7, reference: "invoice-1" };
    const a = await s.request("POST", "/v1/admin/credits", { body, key: SECRETS.ADMIN_API_KEY });
    const b = await s.request("POST", "/v1/admin/credits", { body, key: SECRETS.ADMIN_API_KEY });
    assert.equal(a.json.applied, true);
    assert.equal(b.json.applied, false);
    assert.equal((await s.credits(ws)).balance, 7);
    for (const amount of [0, -5, 1.5, "10"]) {
      const bad = await s.request("POST", "/v1/admin/credits", { body: { workspace_id: ws, amount }, key: SECRETS.ADMIN_API_KEY });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.path, "amount");
    }
  });

  test("GET /v1/recipients/{wa_id}: 200 state, 400 for a non-number", async () => {
    const r = await s.request("GET", "/v1/recipients/447911555000");
    assert.equal(r.status, 200);
    assert.equal(r.json.wa_id, "447911555000");
    assert.equal(r.json.last_inbound_at, null);
    assert.equal((await s.request("GET", "/v1/recipients/not-a-number")).status, 400);
  });

  test("GET /v1/failures: filters by reason and time, paginates, rejects bad parameters", async () => {
    const ws = uid("ws");
    // Three blocked sends (no credits) and two of another reason.
    for (let i = 0; i < 3; i++) await s.send(templateSend({ to: phone(), workspace: ws }));
    for (let i = 0; i < 2; i++) await s.send(templateSend({ to: phone(), workspace: ws, marketing_state: "NOT_SUBSCRIBED" }));
    const all = await s.request("GET", `/v1/failures?workspace_id=${ws}`);
    assert.equal(all.status, 200);
    assert.equal(all.json.failures.length, 5);
    assert.equal(all.json.next_cursor, null);
    const credits = await s.request("GET", `/v1/failures?workspace_id=${ws}&reason=INSUFFICIENT_CREDITS`);
    assert.equal(credits.json.failures.length, 3);
    assert.ok(credits.json.failures.every((f) => f.reason === "INSUFFICIENT_CREDITS" && f.source === "gate"));
    const p1 = await s.request("GET", `/v1/failures?workspace_id=${ws}&limit=2`);
    assert.equal(p1.json.failures.length, 2);
    const p2 = await s.request("GET", `/v1/failures?workspace_id=${ws}&limit=2&cursor=${p1.json.next_cursor}`);
    const p3 = await s.request("GET", `/v1/failures?workspace_id=${ws}&limit=2&cursor=${p2.json.next_cursor}`);
    assert.equal(p3.json.failures.length, 1);
    assert.equal(p3.json.next_cursor, null);
    const ids = [...p1.json.failures, ...p2.json.failures, ...p3.json.failures].map((f) => f.id);
    assert.equal(new Set(ids).size, 5);
    const future = await s.request("GET", `/v1/failures?workspace_id=${ws}&from=2999-01-01T00:00:00Z`);
    assert.equal(future.json.failures.length, 0);
    const past = await s.request("GET", `/v1/failures?workspace_id=${ws}&to=2000-01-01T00:00:00Z`);
    assert.equal(past.json.failures.length, 0);
    for (const q of ["limit=0", "limit=x", "from=yesterday", "cursor=abc", "reason=not%20a%20reason"]) {
      const bad = await s.request("GET", `/v1/failures?workspace_id=${ws}&${q}`);
      assert.equal(bad.status, 400, q);
    }
  });

  test("GET /webhooks/meta: the verification handshake", async () => {
    const ok = await s.request("GET", `/webhooks/meta?hub.mode=subscribe&hub.verify_token=${SECRETS.META_VERIFY_TOKEN}&hub.challenge=1158201444`, { key: null });
    assert.equal(ok.status, 200);
    assert.equal(ok.text, "1158201444");
    const bad = await s.request("GET", "/webhooks/meta?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", { key: null });
    assert.equal(bad.status, 403);
    assert.notEqual(bad.text, "1");
    const noMode = await s.request("GET", `/webhooks/meta?hub.verify_token=${SECRETS.META_VERIFY_TOKEN}&hub.challenge=1`, { key: null });
    assert.equal(noMode.status, 403);
  });

  test("GET / serves the dashboard assets", async () => {
    const r = await s.request("GET", "/", { key: null });
    assert.equal(r.status, 200);
    assert.match(r.text, /sendgate test dashboard/);
  });

  test("GET / carries the dashboard's CSP and security headers from www/public/_headers", async () => {
    const r = await s.request("GET", "/", { key: null });
    assert.equal(r.status, 200);
    const csp = r.headers.get("content-security-policy") ?? "";
    assert.match(csp, /(^|; )default-src 'none'(;|$)/);
    assert.match(csp, /(^|; )script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.match(csp, /(^|; )frame-ancestors 'none'(;|$)/);
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    assert.equal(r.headers.get("referrer-policy"), "no-referrer");
    assert.equal(r.headers.get("x-frame-options"), "DENY");
    // The file configures the assets; it is not served.
    assert.equal((await s.request("GET", "/_headers", { key: null })).text.includes("Content-Security-Policy"), false);
  });

  test("CORS: preflight and responses for an allowed origin only", async () => {
    const pre = await s.request("OPTIONS", "/v1/check", { key: null, headers: { origin: "http://dashboard.test", "access-control-request-method": "POST" } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "http://dashboard.test");
    assert.match(pre.headers.get("access-control-allow-headers"), /authorization/);
    const r = await s.request("GET", "/v1/credits", { headers: { origin: "http://dashboard.test" } });
    assert.equal(r.headers.get("access-control-allow-origin"), "http://dashboard.test");
    const other = await s.request("GET", "/v1/credits", { headers: { origin: "http://evil.test" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
  });
});
