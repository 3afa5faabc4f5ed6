// Abusive callers: bad credentials, bad bodies, bad paths. Every case must answer with the right
// status and a `{error:{code,message}}` body, never call Meta, never record a send, never touch
// the ledger, and never echo a secret.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SECRETS, startStack, templateSend, phone, uid } from "./harness.mjs";

let s;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s?.stop();
});

const SECRET_VALUES = Object.values(SECRETS);

function assertErrorShape(r, status, code, label) {
  assert.equal(r.status, status, `${label}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.match(r.headers.get("content-type") ?? "", /^application\/json/, label);
  assert.ok(r.json && typeof r.json.error === "object", `${label}: JSON error body`);
  if (code) assert.equal(r.json.error.code, code, label);
  assert.equal(typeof r.json.error.code, "string", label);
  assert.ok(typeof r.json.error.message === "string" && r.json.error.message.length > 0, label);
  assertNoSecret(r, label);
}

function assertNoSecret(r, label) {
  const headers = [...r.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n");
  for (const secret of SECRET_VALUES) {
    assert.ok(!r.text.includes(secret), `${label}: body echoes a secret`);
    assert.ok(!headers.includes(secret), `${label}: headers echo a secret`);
  }
}

/** Runs `cases` and checks that none of them reached Meta, recorded a send or moved credits. */
async function unchanged(ws, fn) {
  const calls = s.sandbox.calls.length;
  const before = await s.stats(ws);
  await fn();
  assert.equal(s.sandbox.calls.length, calls, "Meta was called");
  const after = await s.stats(ws);
  assert.equal(after.sends, before.sends, "a send outcome was recorded");
  assert.deepEqual(after.credits, before.credits, "credits moved");
  for (const k of ["balance", "reserved", "available", "debited"]) assert.ok(after.credits[k] >= 0);
}

describe("credentials", () => {
  test("missing, wrong, malformed and misplaced API keys → 401 on /v1/send, nothing sent", async () => {
    const ws = await s.fundedWorkspace(5);
    const body = templateSend({ to: phone(), workspace: ws });
    const payload = JSON.stringify(body);
    const cases = [
      ["no header", {}],
      ["empty bearer", { authorization: "Bearer " }],
      ["wrong key", { authorization: "Bearer not-the-key" }],
      ["prefix of the key", { authorization: `Bearer ${SECRETS.API_KEY.slice(0, -1)}` }],
      ["key plus a byte", { authorization: `Bearer ${SECRETS.API_KEY}x` }],
      ["upper-cased key", { authorization: `Bearer ${SECRETS.API_KEY.toUpperCase()}` }],
      ["two tokens", { authorization: `Bearer ${SECRETS.API_KEY} ${SECRETS.API_KEY}` }],
      ["Basic scheme", { authorization: `Basic ${Buffer.from(`x:${SECRETS.API_KEY}`).toString("base64")}` }],
      ["raw key without scheme", { authorization: SECRETS.API_KEY }],
      ["key in another header", { "x-api-key": SECRETS.API_KEY }],
      ["Meta's access token", { authorization: `Bearer ${SECRETS.META_ACCESS_TOKEN}` }],
      ["the app secret", { authorization: `Bearer ${SECRETS.META_APP_SECRET}` }],
      ["the verify token", { authorization: `Bearer ${SECRETS.META_VERIFY_TOKEN}` }],
    ];
    await unchanged(ws, async () => {
      for (const [label, headers] of cases) {
        const r = await s.request("POST", "/v1/send", { raw: payload, key: null, headers: { "content-type": "application/json", ...headers } });
        assertErrorShape(r, 401, "unauthorized", label);
        assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer/, label);
      }
      // The key in the query string is not a credential either.
      const q = await s.request("POST", `/v1/send?api_key=${SECRETS.API_KEY}`, { body, key: null });
      assertErrorShape(q, 401, "unauthorized", "query string key");
    });
  });

  test("a case-insensitive scheme with the right key works (RFC 7235)", async () => {
    const r = await s.request("GET", "/v1/credits", { key: null, headers: { authorization: `bearer ${SECRETS.API_KEY}` } });
    assert.equal(r.status, 200);
  });

  test("the admin route: API key → 403, none/wrong → 401, credits unchanged", async () => {
    const ws = uid("ws");
    await unchanged(ws, async () => {
      const top = { workspace_id: ws, amount: 1000 };
      assertErrorShape(await s.request("POST", "/v1/admin/credits", { body: top }), 403, "forbidden", "API key");
      assertErrorShape(await s.request("POST", "/v1/admin/credits", { body: top, key: null }), 401, "unauthorized", "none");
      assertErrorShape(await s.request("POST", "/v1/admin/credits", { body: top, key: "admin" }), 401, "unauthorized", "wrong");
      assertErrorShape(await s.request("POST", "/v1/admin/credits", { body: { ...top, amount: -5 }, key: SECRETS.ADMIN_API_KEY }), 400, "invalid_request", "negative amount");
      assertErrorShape(await s.request("POST", "/v1/admin/credits", { body: { ...top, amount: 1.5 }, key: SECRETS.ADMIN_API_KEY }), 400, "invalid_request", "fractional amount");
    });
  });

  test("webhook verification handshake: wrong token → 403; the challenge is never served as HTML", async () => {
    const bad = await s.request("GET", "/webhooks/meta?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", { key: null });
    assertErrorShape(bad, 403, "forbidden", "wrong verify token");
    const xss = "<script>alert(1)</script>";
    const ok = await s.request("GET", `/webhooks/meta?hub.mode=subscribe&hub.verify_token=${SECRETS.META_VERIFY_TOKEN}&hub.challenge=${encodeURIComponent(xss)}`, { key: null });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-type"), /^text\/plain/);
    assert.equal(ok.headers.get("x-content-type-options"), "nosniff");
  });
});

describe("bodies", () => {
  test("wrong content types, invalid JSON, wrong shapes → 4xx, nothing sent or recorded", async () => {
    const ws = await s.fundedWorkspace(5);
    const good = JSON.stringify(templateSend({ to: phone(), workspace: ws }));
    const cases = [
      ["text/plain", { raw: good, headers: { "content-type": "text/plain" } }, 415, "unsupported_media_type"],
      ["no content-type", { raw: good, headers: {} }, 415, "unsupported_media_type"],
      ["form", { raw: "idempotency_key=x", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415, "unsupported_media_type"],
      ["application/jsonp", { raw: good, headers: { "content-type": "application/jsonp" } }, 415, "unsupported_media_type"],
      ["empty body", { raw: "", headers: { "content-type": "application/json" } }, 400, "invalid_json"],
      ["truncated JSON", { raw: good.slice(0, -7), headers: { "content-type": "application/json" } }, 400, "invalid_json"],
      ["invalid UTF-8", { raw: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), headers: { "content-type": "application/json" } }, 400, "invalid_json"],
      ["NaN literal", { raw: '{"idempotency_key": NaN}', headers: { "content-type": "application/json" } }, 400, "invalid_json"],
      ["trailing garbage", { raw: `${good}}`, headers: { "content-type": "application/json" } }, 400, "invalid_json"],
      ["null", { raw: "null", headers: { "content-type": "application/json" } }, 400, "invalid_request"],
      ["string", { raw: '"send"', headers: { "content-type": "application/json" } }, 400, "invalid_request"],
      ["deeply nested", { raw: `{"idempotency_key":"deep","contact":${"[".repeat(20000)}${"]".repeat(20000)}}`, headers: { "content-type": "application/json" } }, 400, "invalid_request"],
      ["idempotency_key too long", { body: { ...JSON.parse(good), idempotency_key: "k".repeat(256) } }, 400, "invalid_request"],
      ["idempotency_key a number", { body: { ...JSON.parse(good), idempotency_key: 42 } }, 400, "invalid_request"],
      ["workspace_id path traversal", { body: { ...JSON.parse(good), workspace_id: "../default" } }, 400, "invalid_request"],
      ["phone_number_id with a slash", { body: { ...JSON.parse(good), phone_number_id: "1/../../me" } }, 400, "invalid_request"],
      ["contact missing", { body: { idempotency_key: uid(), workspace_id: ws, message: { type: "text", text: "x" } } }, 400, "invalid_request"],
    ];
    await unchanged(ws, async () => {
      for (const [label, opts, status, code] of cases) {
        const r = await s.request("POST", "/v1/send", opts);
        assertErrorShape(r, status, code, label);
      }
    });
  });

  test("over the 64 KiB limit → 413 (also with a lying content-length-free stream), nothing sent", async () => {
    const ws = await s.fundedWorkspace(5);
    const body = templateSend({ to: phone(), workspace: ws, extra: { padding: "x".repeat(70 * 1024) } });
    await unchanged(ws, async () => {
      assertErrorShape(await s.send(body), 413, "payload_too_large", "declared length");
      // Chunked upload without a content-length.
      const payload = Buffer.from(JSON.stringify(body));
      const stream = new ReadableStream({
        start(c) {
          for (let i = 0; i < payload.length; i += 8192) c.enqueue(payload.subarray(i, i + 8192));
          c.close();
        },
      });
      const res = await fetch(`${s.base}/v1/send`, {
        method: "POST",
        headers: { authorization: `Bearer ${SECRETS.API_KEY}`, "content-type": "application/json" },
        body: stream,
        duplex: "half",
      });
      const text = await res.text();
      assertErrorShape({ status: res.status, headers: res.headers, text, json: JSON.parse(text) }, 413, "payload_too_large", "streamed");
    });
    // Just under the limit is read (and rejected for its content, not its size).
    const under = templateSend({ to: phone(), workspace: ws, extra: { padding: "x".repeat(60 * 1024) } });
    const r = await s.send(under);
    assert.notEqual(r.status, 413, r.text);
  });

  test("an oversized body from an unauthenticated caller is refused before it is read", async () => {
    // The 401 is decided before the body is parsed; an unread body up to 1 MiB is then discarded so
    // the answer arrives (a larger upload may be cut off: fetch "terminated"). Nothing is recorded.
    const ws = uid("ws");
    await unchanged(ws, async () => {
      for (let i = 0; i < 3; i++) {
        let r;
        try {
          r = await s.request("POST", "/v1/send", { key: null, raw: "x".repeat(200 * 1024), headers: { "content-type": "application/json" } });
        } catch (e) {
          assert.match(String(e?.message), /terminated|fetch failed|socket/i, "only a cut-off upload is acceptable");
          continue;
        }
        assertErrorShape(r, 401, "unauthorized", "unauthenticated big body");
      }
    });
  });
});

describe("paths and methods", () => {
  test("malformed percent-encoding in path parameters → 400, not 500", async () => {
    for (const path of ["/v1/sends/%E0%A4%A", "/v1/sends/%", "/v1/recipients/%ZZ"]) {
      const r = await s.request("GET", path);
      assertErrorShape(r, 400, "invalid_request", path);
    }
  });

  test("odd methods and paths → 404/405 JSON errors", async () => {
    const cases = [
      ["PUT", "/v1/send", 405],
      ["DELETE", "/v1/credits", 405],
      ["PATCH", "/webhooks/meta", 405],
      ["GET", "/v1/", 404],
      ["GET", "/v1/admin/../credits", 200],
      ["POST", "/v1/nope", 404],
    ];
    for (const [method, path, status] of cases) {
      const r = await s.request(method, path);
      if (status === 200) assert.equal(r.status, 200, `${method} ${path}`);
      else assertErrorShape(r, status, null, `${method} ${path}`);
    }
  });
});

describe("secrets are never echoed", () => {
  test("a Meta-side answer that echoes our request (access token included) is not passed on", async () => {
    const ws = await s.fundedWorkspace(1);
    const to = phone("120");
    const r = await s.send(templateSend({ to, workspace: ws }));
    assert.equal(r.status, 502, r.text);
    assert.equal(r.json.error.code, "meta_failed");
    assert.equal(r.json.ambiguous, true, "a 200 without a wamid is ambiguous");
    assert.equal(s.sandbox.callsTo(to), 1);
    assert.ok(!r.text.includes(SECRETS.META_ACCESS_TOKEN), "the answer carries the access token");
    const logged = await s.request("GET", `/v1/failures?workspace_id=${ws}`);
    assert.equal(logged.json.failures.length, 1);
    assert.ok(!logged.text.includes(SECRETS.META_ACCESS_TOKEN), "the failures log carries the access token");
    assert.equal((await s.credits(ws)).reserved, 0);
  });

  test("a redirect from Meta's side is not followed: the token stays with the configured base", async () => {
    const ws = await s.fundedWorkspace(1);
    const to = phone("121");
    const r = await s.send(templateSend({ to, workspace: ws }));
    assert.equal(r.status, 502, r.text);
    assert.equal(r.json.error.code, "meta_failed");
    assert.equal(s.sandbox.callsTo(to), 1, "one call, no retry");
    assert.equal(s.sandbox.redirected.length, 0, "the redirect was followed");
    assert.equal((await s.credits(ws)).reserved, 0);
    const logged = await s.request("GET", `/v1/failures?workspace_id=${ws}`);
    assert.equal(logged.json.failures.length, 1);
  });

  test("no error response, of any kind, contains a secret value", async () => {
    const ws = await s.fundedWorkspace(3);
    const responses = [];
    const push = async (label, p) => responses.push([label, await p]);
    // A caller who pastes secrets into every field they can.
    for (const secret of SECRET_VALUES) {
      await push(`key=${secret}`, s.request("GET", "/v1/credits", { key: `${secret}x` }));
      await push(`body ${secret}`, s.send({ idempotency_key: secret, workspace_id: secret, phone_number_id: secret, contact: { phone: secret } }));
      await push(`check ${secret}`, s.check({ contact: { phone: secret }, message: { type: "text", text: secret } }));
      await push(`path ${secret}`, s.request("GET", `/v1/recipients/${secret}`));
      await push(`query ${secret}`, s.request("GET", `/v1/failures?workspace_id=${ws}&reason=${secret}`));
      await push(`webhook sig ${secret}`, s.webhook("{}", { signature: `sha256=${secret}` }));
      await push(`verify ${secret}`, s.request("GET", `/webhooks/meta?hub.mode=subscribe&hub.verify_token=${secret}x&hub.challenge=1`, { key: null }));
    }
    // Meta-side failures, including Meta refusing our access token (190).
    for (const suffix of ["114", "110", "108", "109", "112", "111", "120"]) {
      await push(`meta ${suffix}`, s.send(templateSend({ to: phone(suffix), workspace: ws })));
    }
    let errors = 0;
    for (const [label, r] of responses) {
      assertNoSecret(r, label);
      if (r.status >= 400) errors++;
    }
    assert.ok(errors >= responses.length - 1, "these are error cases");
    // …and neither does anything the dashboard can read back afterwards.
    for (const path of [`/v1/failures?workspace_id=${ws}&limit=500`, `/v1/stats?workspace_id=${ws}`, `/v1/failures?limit=500`]) {
      assertNoSecret(await s.request("GET", path), path);
    }
    // Nor the worker's own log.
    for (const secret of SECRET_VALUES) assert.ok(!s.output().includes(secret), "workerd/wrangler output contains a secret");
  });
});

describe("webhook bodies", () => {
  test("signed but hostile bodies → acknowledged or refused with JSON, never a 500", async () => {
    const ws = uid("ws");
    const cases = [
      ["deeply nested", `{"object":"whatsapp_business_account","entry":${"[".repeat(20000)}${"]".repeat(20000)}}`],
      ["not JSON", "<xml/>"],
      ["empty", ""],
      ["array", "[]"],
      ["entry not a list", '{"object":"whatsapp_business_account","entry":{"changes":1}}'],
      ["statuses of the wrong type", JSON.stringify({ object: "whatsapp_business_account", entry: [{ changes: [{ field: "messages", value: { statuses: [{ id: 5, status: {}, timestamp: [] }] } }] }] })],
    ];
    await unchanged(ws, async () => {
      for (const [label, raw] of cases) {
        const r = await s.webhook(raw);
        assert.ok([200, 400].includes(r.status), `${label}: ${r.status} ${r.text.slice(0, 200)}`);
        assert.ok(r.json, `${label}: JSON answer`);
        if (r.status === 400) assertErrorShape(r, 400, null, label);
      }
    });
  });
});
