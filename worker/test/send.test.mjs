// The send path: every blocker stops before Meta, Meta's exact body, idempotency under
// concurrency, the credit ledger under concurrency, pair and throughput limits.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { digits, envelope, phone, startStack, templateSend, textSend, uid } from "./harness.mjs";

let s;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s?.stop();
});

const hoursAgo = (h) => new Date(Date.now() - h * 3600_000).toISOString();

describe("blockers: 422 with the verdict, Meta never called, outcome recorded", () => {
  const cases = [
    ["CUSTOMER_IS_NOT_OPTED_IN", (to, ws) => templateSend({ to, workspace: ws, marketing_state: "NOT_SUBSCRIBED" })],
    ["CUSTOMER_IS_MISSING_CALLING_CODE", (_to, ws) => templateSend({ to: "07911 123456", workspace: ws }), "07911123456"],
    ["CUSTOMER_IS_MISSING_PHONE", (_to, ws) => templateSend({ to: null, workspace: ws }), null],
    ["CUSTOMER_PHONE_INVALID", (_to, ws) => templateSend({ to: "+44 12", workspace: ws }), "4412"],
    ["INSUFFICIENT_CREDITS", (to) => templateSend({ to, workspace: uid("empty") })],
    ["OUTSIDE_CONVERSATION_WINDOW", (to, ws) => textSend({ to, workspace: ws })],
    ["OUTSIDE_CONVERSATION_WINDOW (closed 25 h ago)", (to, ws) => textSend({ to, workspace: ws, last_inbound_at: hoursAgo(25) })],
    ["SESSION_MESSAGE_NOT_ALLOWED", (to, ws) => ({ ...textSend({ to, workspace: ws, last_inbound_at: hoursAgo(1) }), source: "campaign" })],
    ["TEMPLATE_NOT_APPROVED", (to, ws) => templateSend({ to, workspace: ws, status: "PAUSED" })],
    ["TEMPLATE_PARAMETER_MISMATCH", (to, ws) => ({ ...templateSend({ to, workspace: ws }), message: { ...templateSend({ to }).message, parameters: ["only one"] } })],
    ["MARKETING_LIMIT_REACHED", (to, ws) => templateSend({ to, workspace: ws, extra: { signals: { marketing_limited_at: hoursAgo(2) } } })],
    ["MARKETING_LIMIT_REACHED (US marketing)", (_to, ws) => templateSend({ to: "+1 212 736 0100", workspace: ws }), "12127360100"],
    ["RECIPIENT_STOPPED_MARKETING", (to, ws) => templateSend({ to, workspace: ws, extra: { signals: { marketing_opted_out_at: hoursAgo(48) } } })],
    ["RECIPIENT_NOT_ON_WHATSAPP", (to, ws) => templateSend({ to, workspace: ws, extra: { signals: { undeliverable_at: hoursAgo(1) } } })],
  ];
  for (const [label, build, sandboxTo] of cases) {
    test(label, async () => {
      const reason = label.split(" ")[0];
      const ws = await s.fundedWorkspace(5);
      const to = phone();
      const body = build(to, ws);
      const callsBefore = s.sandbox.calls.length;
      const r = await s.send(body);
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.outcome, "blocked");
      assert.equal(r.json.error.code, "blocked");
      assert.equal(r.json.verdict.eligible, false);
      assert.ok(r.json.verdict.blockers.some((b) => b.reason === reason), JSON.stringify(r.json.verdict.blockers));
      assert.equal(s.sandbox.calls.length, callsBefore, "Meta must not be called");
      if (sandboxTo !== null) assert.equal(s.sandbox.callsTo(sandboxTo ?? to), 0);
      const wsUsed = body.workspace_id;
      const credits = await s.credits(wsUsed);
      assert.equal(credits.reserved, 0);
      assert.equal(credits.debited, 0);
      const stats = await s.stats(wsUsed);
      assert.deepEqual(stats.outcomes, { blocked: 1 });
      const failures = (await s.request("GET", `/v1/failures?workspace_id=${wsUsed}`)).json.failures;
      assert.equal(failures.length, 1);
      assert.equal(failures[0].source, "gate");
      assert.equal(failures[0].idempotency_key, body.idempotency_key);
      // The same key answers the same, still without Meta.
      const again = await s.send(body);
      assert.equal(again.status, 422);
      assert.equal(again.text, r.text);
      assert.equal(s.sandbox.calls.length, callsBefore);
    });
  }
});

describe("forwarding", () => {
  test("an eligible template send: Meta's exact body, accepted with wamid and wa_id", async () => {
    const ws = await s.fundedWorkspace(2);
    const to = phone();
    const r = await s.send(templateSend({ to, workspace: ws }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.outcome, "accepted");
    assert.match(r.json.wamid, /^wamid\./);
    assert.equal(r.json.wa_id, digits(to));
    assert.equal(s.sandbox.callsTo(to), 1);
    const call = s.sandbox.calls.find((c) => c.to === digits(to));
    assert.deepEqual(call.body, {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to,
      type: "template",
      template: {
        name: "order_update",
        language: { code: "en_US" },
        components: [{ type: "body", parameters: [{ type: "text", text: "Ana" }, { type: "text", text: "A-1042" }] }],
      },
      biz_opaque_callback_data: `sg1:${ws}:${r.json.send_id}`,
    });
  });

  test("debit happens only after delivered", async () => {
    const ws = await s.fundedWorkspace(3);
    const r = await s.send(templateSend({ to: phone("000"), workspace: ws }));
    assert.equal(r.status, 200);
    // sent → delivered → read arrive from the sandbox; the debit is taken exactly once.
    const c = await s.until(async () => {
      const x = await s.credits(ws);
      return x.debited === 1 && x;
    });
    assert.deepEqual([c.balance, c.reserved, c.debited], [2, 0, 1]);
    await s.settle();
    const later = await s.credits(ws);
    assert.deepEqual([later.balance, later.reserved, later.debited], [2, 0, 1]);
    const stats = await s.stats(ws);
    assert.deepEqual(stats.delivery, { read: 1 });
  });

  test("Mexico and Brazil: the wa_id Meta returns is the legacy variant", async () => {
    const ws = await s.fundedWorkspace(2);
    const mx = await s.send(templateSend({ to: "+52 55 1234 5678", workspace: ws }));
    assert.equal(mx.status, 200, mx.text);
    assert.equal(mx.json.wa_id, "5215512345678");
    const br = await s.send(templateSend({ to: "+55 11 98765 4321", workspace: ws }));
    assert.equal(br.status, 200, br.text);
    assert.equal(br.json.wa_id, "551187654321");
    const records = (await s.request("GET", `/v1/sends/${mx.json.send_id}?workspace_id=${ws}`)).json.records;
    assert.equal(records[0].wa_id, "5215512345678");
  });
});

describe("idempotency", () => {
  test("50 concurrent sends with one key → exactly one Meta call, 50 identical answers", async () => {
    const ws = await s.fundedWorkspace(5);
    const to = phone("100");
    const body = templateSend({ to, workspace: ws });
    const answers = await Promise.all(Array.from({ length: 50 }, () => s.send(body)));
    assert.equal(s.sandbox.callsTo(to), 1);
    assert.ok(answers.every((a) => a.status === 200), answers.map((a) => a.status).join(","));
    assert.equal(new Set(answers.map((a) => a.text)).size, 1);
    const stats = await s.stats(ws);
    assert.equal(stats.sends, 1);
    assert.equal((await s.credits(ws)).reserved, 1);
    // Later replays: the stored answer, marked as a replay.
    const replay = await s.send(body);
    assert.equal(replay.text, answers[0].text);
    assert.equal(replay.headers.get("idempotent-replayed"), "true");
    // Key order in the body doesn't make it a different request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    assert.equal((await s.send(reordered)).text, answers[0].text);
    assert.equal(s.sandbox.callsTo(to), 1);
  });

  test("same key with a different body → 422, nothing sent", async () => {
    const ws = await s.fundedWorkspace(5);
    const to = phone("100");
    const body = templateSend({ to, workspace: ws });
    assert.equal((await s.send(body)).status, 200);
    const changed = { ...body, message: { ...body.message, parameters: ["Bea", "A-1043"] } };
    const r = await s.send(changed);
    assert.equal(r.status, 422);
    assert.equal(r.json.error.code, "idempotency_key_reused");
    assert.equal(r.json.error.path, "idempotency_key");
    assert.equal(s.sandbox.callsTo(to), 1);
  });

  test("concurrent same key with different bodies → one send, the others 422", async () => {
    const ws = await s.fundedWorkspace(5);
    const key = uid();
    const bodies = [phone("100"), phone("100"), phone("100")].map((to) => templateSend({ to, workspace: ws, key }));
    const answers = await Promise.all(bodies.map((b) => s.send(b)));
    assert.equal(answers.filter((a) => a.status === 200).length, 1);
    assert.equal(answers.filter((a) => a.status === 422 && a.json.error.code === "idempotency_key_reused").length, 2);
    assert.equal(bodies.reduce((n, b) => n + s.sandbox.callsTo(b.contact.phone), 0), 1);
  });
});

describe("credits under concurrency", () => {
  test("balance 10, 50 concurrent template sends → exactly 10 forwarded, never negative, debit only after delivered", async () => {
    const ws = await s.fundedWorkspace(10);
    const bodies = Array.from({ length: 50 }, () => templateSend({ to: phone("100"), workspace: ws }));
    const answers = await Promise.all(bodies.map((b) => s.send(b)));
    const accepted = answers.filter((a) => a.status === 200);
    const blocked = answers.filter((a) => a.status === 422);
    const summary = answers.map((a) => `${a.status}:${a.json?.classification?.details ?? a.json?.limit ?? ""}`).join(",");
    assert.equal(accepted.length, 10, summary);
    assert.equal(blocked.length, 40, summary);
    assert.ok(blocked.every((a) => a.json.verdict.blockers.some((b) => b.reason === "INSUFFICIENT_CREDITS")));
    assert.equal(bodies.reduce((n, b) => n + s.sandbox.callsTo(b.contact.phone), 0), 10);
    let c = await s.credits(ws);
    assert.deepEqual([c.balance, c.reserved, c.available, c.debited], [10, 10, 0, 0]);
    const stats = await s.stats(ws);
    assert.deepEqual(stats.outcomes, { accepted: 10, blocked: 40 });

    // Meta reports delivered for three (one of them twice, and once more as read).
    const status = (a, st, extra = {}) =>
      envelope({ statuses: [{ id: a.json.wamid, status: st, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: a.json.wa_id, biz_opaque_callback_data: `sg1:${ws}:${a.json.send_id}`, ...extra }] });
    for (const a of accepted.slice(0, 3)) assert.equal((await s.webhook(status(a, "delivered"))).status, 200);
    assert.equal((await s.webhook(status(accepted[0], "delivered"))).status, 200);
    assert.equal((await s.webhook(status(accepted[0], "read"))).status, 200);
    c = await s.credits(ws);
    assert.deepEqual([c.balance, c.reserved, c.available, c.debited], [7, 7, 0, 3]);

    // A failed delivery releases its reservation; a later delivered for it changes nothing.
    const failed = status(accepted[3], "failed", { errors: [{ code: 131026, title: "Message undeliverable", message: "Message undeliverable", error_data: { details: "Message Undeliverable." } }] });
    assert.equal((await s.webhook(failed)).status, 200);
    c = await s.credits(ws);
    assert.deepEqual([c.balance, c.reserved, c.available, c.debited], [7, 6, 1, 3]);
    await s.webhook(status(accepted[3], "delivered"));
    c = await s.credits(ws);
    assert.deepEqual([c.balance, c.reserved, c.available, c.debited], [7, 6, 1, 3]);
    assert.ok(c.balance >= 0 && c.available >= 0);
  });
});

describe("rate limits → 429 with Retry-After, not forwarded", () => {
  test("pair limit: a burst to one recipient, then 429", async () => {
    const ws = await s.fundedWorkspace(20);
    const to = phone("100");
    // Blocked sends don't use up the recipient's burst.
    for (let i = 0; i < 6; i++) {
      assert.equal((await s.send(templateSend({ to, workspace: ws, marketing_state: "UNSUBSCRIBED" }))).status, 422);
    }
    const bodies = Array.from({ length: 6 }, () => templateSend({ to, workspace: ws }));
    const answers = [];
    for (const b of bodies) answers.push(await s.send(b));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200, 429]);
    const limited = answers[5];
    assert.equal(limited.json.error.code, "rate_limited");
    assert.equal(limited.json.limit, "pair_rate");
    const retryAfter = Number(limited.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 6, String(retryAfter));
    assert.equal(s.sandbox.callsTo(to), 5);
    assert.equal((await s.credits(ws)).reserved, 5);
    // Another recipient is unaffected.
    assert.equal((await s.send(templateSend({ to: phone("100"), workspace: ws }))).status, 200);
    // A 429 isn't stored: the same key can be tried again (and is limited again, not replayed).
    const retry = await s.send(bodies[5]);
    assert.equal(retry.status, 429);
    assert.equal(retry.headers.get("idempotent-replayed"), null);
  });

  test("per-number throughput (5 mps on this number) → 429 past the bucket", async () => {
    const ws = await s.fundedWorkspace(50);
    const bodies = Array.from({ length: 20 }, () => templateSend({ to: phone("100"), workspace: ws, extra: { phone_number_id: "100000009" } }));
    const t0 = Date.now();
    const answers = await Promise.all(bodies.map((b) => s.send(b)));
    const elapsed = (Date.now() - t0) / 1000;
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    assert.equal(ok.length + limited.length, 20);
    // A full bucket of 5, plus what refills (5/s) while the burst is being served.
    assert.ok(ok.length >= 5 && ok.length <= 5 + Math.ceil(5 * elapsed), `accepted ${ok.length} in ${elapsed} s`);
    assert.ok(limited.length > 0);
    assert.ok(limited.every((a) => a.json.limit === "phone_number_throughput" && Number(a.headers.get("retry-after")) >= 1));
    assert.equal(bodies.reduce((n, b) => n + s.sandbox.callsTo(b.contact.phone), 0), ok.length);
    const stats = await s.stats(ws);
    assert.equal(stats.sends, 20);
    assert.equal((await s.credits(ws)).reserved, ok.length);
  });
});
