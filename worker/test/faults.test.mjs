// Sandbox faults: every send ends with exactly one recorded, classified outcome; reservations are
// released; nothing is lost or sent twice.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startStack, templateSend, phone, uid } from "./harness.mjs";

let s;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s?.stop();
});

// [sandbox suffix, label, expected reason, expected meta_code, Meta calls allowed: [min, max]]
const FAULTS = [
  ["110", "HTTP 500 with Meta error 131000 (retried, then failed)", "TRANSIENT_ERROR", 131000, [2, 4]],
  ["107", "timeout (not retried: Meta may have taken it)", "TRANSIENT_ERROR", undefined, [1, 1]],
  ["111", "connection reset (retried, then failed)", "TRANSIENT_ERROR", undefined, [2, 4]],
  ["108", "HTML 502 from a proxy (retried, then failed)", "TRANSIENT_ERROR", undefined, [2, 4]],
  ["109", "200 with malformed JSON (not retried)", null, undefined, [1, 1]],
  ["112", "200 without a wamid (not retried)", null, undefined, [1, 1]],
  ["102", "130429 throughput (catalog retry backoff: retried, then failed)", "RATE_LIMIT_EXCEEDED", 130429, [2, 4]],
  ["103", "131056 pair rate limit (catalog retry after 6 s: not retried, Retry-After)", "RATE_LIMIT_EXCEEDED", 131056, [1, 1]],
  ["113", "132001 template does not exist (404)", "TEMPLATE_NOT_FOUND", 132001, [1, 1]],
  ["114", "190 access token expired (401, not retried)", null, 190, [1, 1]],
];

describe("sandbox faults → classified failure, reservation released, one outcome", () => {
  const ws = uid("ws");
  let sent = 0;
  before(async () => {
    await s.topUp(ws, 100);
  });

  for (const [suffix, label, reason, metaCode, [min, max]] of FAULTS) {
    test(label, async () => {
      const to = phone(suffix);
      const body = templateSend({ to, workspace: ws });
      const r = await s.send(body);
      sent++;
      assert.equal(r.status, 502, r.text);
      assert.equal(r.json.outcome, "failed");
      assert.equal(r.json.error.code, "meta_failed");
      const c = r.json.classification;
      assert.equal(typeof c.reason, "string");
      if (reason) assert.equal(c.reason, reason);
      else assert.notEqual(c.reason, "TRANSIENT_ERROR", "an answer that may be a success isn't called transient");
      if (metaCode !== undefined) assert.equal(c.meta_code, metaCode);
      const calls = s.sandbox.callsTo(to);
      assert.ok(calls >= min && calls <= max, `Meta calls ${calls}, expected ${min}..${max}`);
      assert.equal(r.json.attempts, calls);
      // The catalog's retry advice decides: `after` is the caller's wait (Retry-After, retry_at);
      // backoff was spent here and never is final, so neither carries a time.
      if (c.retry.kind === "after") {
        const wait = Number(r.headers.get("retry-after"));
        assert.ok(wait >= 1 && wait <= c.retry.after_seconds, `Retry-After ${r.headers.get("retry-after")}`);
        assert.ok(Math.abs(Date.parse(r.json.retry_at) - Date.now() - c.retry.after_seconds * 1000) < 5000, r.json.retry_at);
      } else {
        assert.equal(r.headers.get("retry-after"), null);
        assert.equal(r.json.retry_at, undefined);
      }
      // The reservation is back; nothing debited.
      const credits = await s.credits(ws);
      assert.equal(credits.reserved, 0);
      assert.equal(credits.debited, 0);
      assert.equal(credits.balance, 100);
      // Exactly one recorded outcome, and the failure in the log.
      const records = (await s.request("GET", `/v1/sends/${body.idempotency_key}?workspace_id=${ws}`)).json.records;
      assert.equal(records.length, 1);
      assert.equal(records[0].outcome, "failed");
      assert.equal(records[0].ledger, "released");
      const logged = (await s.request("GET", `/v1/failures?workspace_id=${ws}&limit=1`)).json.failures[0];
      assert.equal(logged.idempotency_key, body.idempotency_key);
      assert.equal(logged.source, "send");
      assert.equal(logged.reason, c.reason);
      // A replay returns the recorded outcome without calling Meta again.
      const replay = await s.send(body);
      assert.equal(replay.text, r.text);
      assert.equal(s.sandbox.callsTo(to), calls);
    });
  }

  test("transient then ok → accepted once, one wamid, one reservation", async () => {
    const to = phone("106");
    const body = templateSend({ to, workspace: ws });
    const r = await s.send(body);
    sent++;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.outcome, "accepted");
    assert.equal(r.json.attempts, 2);
    assert.equal(s.sandbox.callsTo(to), 2);
    const records = (await s.request("GET", `/v1/sends/${body.idempotency_key}?workspace_id=${ws}`)).json.records;
    assert.equal(records.length, 1);
    assert.equal(records[0].wamid, r.json.wamid);
    await s.until(async () => (await s.credits(ws)).debited === 1);
  });

  test("every request ended with exactly one terminal outcome", async () => {
    const stats = await s.stats(ws);
    assert.equal(stats.sends, sent);
    assert.deepEqual(stats.outcomes, { failed: FAULTS.length, accepted: 1 });
    const c = await s.credits(ws);
    assert.deepEqual([c.balance, c.reserved, c.debited], [99, 0, 1]);
  });

  test("accepted by Meta after the timeout → failed (ambiguous), then debited once when delivered", async () => {
    const ws3 = uid("ws");
    await s.topUp(ws3, 5);
    const to = phone("115");
    const body = templateSend({ to, workspace: ws3 });
    const r = await s.send(body);
    assert.equal(r.status, 502, r.text);
    assert.equal(r.json.ambiguous, true);
    assert.equal(s.sandbox.callsTo(to), 1);
    let c = await s.credits(ws3);
    assert.deepEqual([c.balance, c.reserved, c.debited], [5, 0, 0]);
    // The sandbox answers late, then reports sent and delivered.
    c = await s.until(async () => {
      const x = await s.credits(ws3);
      return x.debited === 1 && x;
    }, 10_000);
    assert.deepEqual([c.balance, c.reserved, c.debited], [4, 0, 1]);
    const [record] = (await s.request("GET", `/v1/sends/${body.idempotency_key}?workspace_id=${ws3}`)).json.records;
    assert.equal(record.outcome, "failed");
    assert.equal(record.delivery, "delivered");
    assert.equal(record.ledger, "debited");
  });

  test("concurrent faults and successes: outcomes = requests, no duplicate sends", async () => {
    const ws2 = uid("ws");
    await s.topUp(ws2, 100);
    const suffixes = ["000", "110", "111", "108", "109", "102", "100", "106"];
    const bodies = Array.from({ length: 24 }, (_, i) => templateSend({ to: phone(suffixes[i % suffixes.length]), workspace: ws2 }));
    const answers = await Promise.all(bodies.map((b) => s.send(b)));
    assert.ok(answers.every((a) => a.status === 200 || a.status === 502), answers.map((a) => a.status).join());
    const stats = await s.stats(ws2);
    assert.equal(stats.sends, 24);
    const accepted = answers.filter((a) => a.status === 200);
    assert.equal(stats.outcomes.accepted ?? 0, accepted.length);
    assert.equal(stats.outcomes.failed ?? 0, 24 - accepted.length);
    // At most one successful Meta call per accepted send (a retry only follows a failed attempt).
    assert.equal(new Set(accepted.map((a) => a.json.wamid)).size, accepted.length);
    await s.settle();
    const c = await s.credits(ws2);
    assert.equal(c.reserved + c.debited, accepted.length);
    assert.ok(c.balance >= 0 && c.available >= 0);
  });
});
