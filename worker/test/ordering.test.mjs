// Status webhooks as Meta really delivers them: twice, out of order, with steps missing, for
// messages nobody sent, replayed, forged. Invariants after every case: one Meta call per send,
// one recorded outcome per send request, each reservation debited or released at most once,
// credits never negative.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startStack, templateSend, phone, envelope, digits } from "./harness.mjs";

let s;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s?.stop();
});

const record = async (ws, key) => {
  const recs = (await s.request("GET", `/v1/sends/${encodeURIComponent(key)}?workspace_id=${ws}`)).json.records;
  assert.equal(recs.length, 1, `exactly one recorded outcome for ${key}`);
  return recs[0];
};

function statusPayload({ wamid, status, to, callback, ts = Math.floor(Date.now() / 1000), error }) {
  return envelope({
    statuses: [
      {
        id: wamid,
        status,
        timestamp: String(ts),
        recipient_id: digits(to),
        ...(callback ? { biz_opaque_callback_data: callback } : {}),
        ...(error ? { errors: [{ code: error, title: "Message undeliverable", message: "Message undeliverable", error_data: { details: "Message Undeliverable." } }] } : {}),
      },
    ],
  });
}

function assertSane(c) {
  for (const k of ["balance", "reserved", "available", "debited"]) assert.ok(c[k] >= 0, `${k} = ${c[k]} must not be negative`);
  assert.ok(c.reserved <= c.balance, "reserved never exceeds the balance");
  assert.equal(c.balance + c.debited, c.topped_up, "balance + debited = topped up");
}

describe("sandbox-driven delivery orders", () => {
  // [suffix, label, final delivery state]
  const CASES = [
    ["116", "read before sent, delivered missing → debited once, delivery stays read", "read"],
    ["117", "every status webhook delivered twice → debited once", "read"],
    ["118", "read alone (no sent, no delivered) → debited once", "read"],
  ];
  for (const [suffix, label, delivery] of CASES) {
    test(label, async () => {
      const ws = await s.fundedWorkspace(3);
      const to = phone(suffix);
      const body = templateSend({ to, workspace: ws });
      const r = await s.send(body);
      assert.equal(r.status, 200, r.text);
      await s.settle();
      await s.until(async () => (await record(ws, body.idempotency_key)).delivery === delivery);
      const rec = await record(ws, body.idempotency_key);
      assert.equal(rec.outcome, "accepted");
      assert.equal(rec.ledger, "debited");
      assert.equal(s.sandbox.callsTo(to), 1);
      const c = await s.credits(ws);
      assertSane(c);
      assert.deepEqual([c.balance, c.reserved, c.debited], [2, 0, 1]);
      const st = await s.stats(ws);
      assert.equal(st.sends, 1);
      assert.deepEqual(st.outcomes, { accepted: 1 });
    });
  }
});

describe("hand-made status webhooks against a recorded send", () => {
  /** One accepted send whose only webhook was `sent` (sandbox 100): the reservation is open. */
  async function openSend(ws) {
    const to = phone("100");
    const body = templateSend({ to, workspace: ws });
    const r = await s.send(body);
    assert.equal(r.status, 200, r.text);
    await s.settle();
    const rec = await record(ws, body.idempotency_key);
    assert.equal(rec.ledger, "reserved");
    return { to, key: body.idempotency_key, wamid: r.json.wamid, callback: `sg1:${ws}:${r.json.send_id}` };
  }

  test("read, then delivered, then sent (reverse order) → one debit, delivery read", async () => {
    const ws = await s.fundedWorkspace(2);
    const m = await openSend(ws);
    for (const status of ["read", "delivered", "sent"]) {
      const r = await s.webhook(statusPayload({ ...m, status }));
      assert.equal(r.status, 200, r.text);
    }
    const rec = await record(ws, m.key);
    assert.equal(rec.delivery, "read");
    assert.equal(rec.ledger, "debited");
    const c = await s.credits(ws);
    assertSane(c);
    assert.deepEqual([c.balance, c.reserved, c.debited], [1, 0, 1]);
  });

  test("the same delivered webhook 10 times at once → debited once", async () => {
    const ws = await s.fundedWorkspace(2);
    const m = await openSend(ws);
    const payload = JSON.stringify(statusPayload({ ...m, status: "delivered" }));
    const rs = await Promise.all(Array.from({ length: 10 }, () => s.webhook(payload)));
    assert.deepEqual(new Set(rs.map((r) => r.status)), new Set([200]));
    const c = await s.credits(ws);
    assertSane(c);
    assert.deepEqual([c.balance, c.reserved, c.debited], [1, 0, 1]);
  });

  test("delivered then failed (contradictory) → stays debited, never released as well", async () => {
    const ws = await s.fundedWorkspace(2);
    const m = await openSend(ws);
    assert.equal((await s.webhook(statusPayload({ ...m, status: "delivered" }))).status, 200);
    assert.equal((await s.webhook(statusPayload({ ...m, status: "failed", error: 131026 }))).status, 200);
    const c = await s.credits(ws);
    assertSane(c);
    assert.deepEqual([c.balance, c.reserved, c.debited], [1, 0, 1]);
    assert.equal((await record(ws, m.key)).ledger, "debited");
  });

  test("failed then delivered → released, never debited afterwards", async () => {
    const ws = await s.fundedWorkspace(2);
    const m = await openSend(ws);
    assert.equal((await s.webhook(statusPayload({ ...m, status: "failed", error: 131026 }))).status, 200);
    assert.equal((await s.webhook(statusPayload({ ...m, status: "delivered" }))).status, 200);
    const c = await s.credits(ws);
    assertSane(c);
    assert.deepEqual([c.balance, c.reserved, c.debited], [2, 0, 0]);
    assert.equal((await record(ws, m.key)).ledger, "released");
  });

  test("a status without biz_opaque_callback_data is matched by wamid (default workspace)", async () => {
    const ws = "default";
    const before = await s.credits(ws);
    await s.topUp(ws, 1);
    const m = await openSend(ws);
    assert.equal((await s.webhook(statusPayload({ ...m, callback: undefined, status: "read" }))).status, 200);
    assert.equal((await record(ws, m.key)).ledger, "debited");
    const c = await s.credits(ws);
    assertSane(c);
    assert.equal(c.debited, before.debited + 1);
  });

  test("statuses for unknown message ids → 200, nothing debited, released or counted", async () => {
    const ws = await s.fundedWorkspace(2);
    const m = await openSend(ws);
    const statsBefore = await s.stats(ws);
    const unknown = [
      // unknown wamid, no correlation
      { wamid: "wamid.unknown-1", to: m.to, status: "delivered" },
      // unknown wamid, correlation to a send id that doesn't exist in this workspace
      { wamid: "wamid.unknown-2", to: m.to, status: "read", callback: `sg1:${ws}:00000000-0000-4000-8000-000000000000` },
      // unknown wamid, failed: recorded for triage, but no ledger change
      { wamid: "wamid.unknown-3", to: m.to, status: "failed", callback: `sg1:${ws}:00000000-0000-4000-8000-000000000001`, error: 131026 },
      // malformed correlation data
      { wamid: "wamid.unknown-4", to: m.to, status: "delivered", callback: "sg1:../../etc:x" },
    ];
    for (const u of unknown) {
      const r = await s.webhook(statusPayload(u));
      assert.equal(r.status, 200, r.text);
    }
    const c = await s.credits(ws);
    assertSane(c);
    assert.deepEqual([c.balance, c.reserved, c.debited], [2, 1, 0], "the open reservation is untouched");
    const st = await s.stats(ws);
    assert.equal(st.sends, statsBefore.sends, "no send outcome invented");
    assert.deepEqual(st.outcomes, statsBefore.outcomes);
    assert.equal(st.failures, statsBefore.failures + 1, "the failed status is logged once");
    assert.equal((await record(ws, m.key)).ledger, "reserved");
  });

  test("a replayed signed status webhook (days of Meta retries) changes nothing", async () => {
    const ws = await s.fundedWorkspace(2);
    const m = await openSend(ws);
    const failed = JSON.stringify(statusPayload({ ...m, status: "failed", error: 131026 }));
    assert.equal((await s.webhook(failed)).status, 200);
    const once = await s.stats(ws);
    for (let i = 0; i < 5; i++) assert.equal((await s.webhook(failed)).status, 200);
    const st = await s.stats(ws);
    assert.equal(st.failures, once.failures, "failure logged once");
    assert.deepEqual(st.credits, once.credits);
    assertSane(st.credits);
  });

  test("a signed status replayed after the dedupe window (event 9 days old) changes nothing", async () => {
    const ws = await s.fundedWorkspace(2);
    const m = await openSend(ws);
    const before = await s.stats(ws);
    const ts = Math.floor(Date.now() / 1000) - 9 * 24 * 3600;
    for (const status of ["failed", "delivered"]) {
      const r = await s.webhook(statusPayload({ ...m, status, ts, error: status === "failed" ? 131026 : undefined }));
      assert.equal(r.status, 200, r.text);
    }
    const st = await s.stats(ws);
    assert.equal(st.failures, before.failures, "no failure logged");
    assert.deepEqual(st.credits, before.credits, "nothing released or debited");
    const rec = await record(ws, m.key);
    assert.equal(rec.ledger, "reserved");
    assert.equal(rec.delivery, "sent");
    // A fresh delivered still counts.
    assert.equal((await s.webhook(statusPayload({ ...m, status: "delivered" }))).status, 200);
    assert.equal((await s.credits(ws)).debited, 1);
  });

  test("forged status webhooks (would debit or release) → 401, ledger unchanged", async () => {
    const ws = await s.fundedWorkspace(2);
    const m = await openSend(ws);
    const before = await s.credits(ws);
    const delivered = JSON.stringify(statusPayload({ ...m, status: "delivered" }));
    const failed = JSON.stringify(statusPayload({ ...m, status: "failed", error: 131026 }));
    const { createHmac } = await import("node:crypto");
    const good = (b) => createHmac("sha256", "test-app-secret-92e4").update(b).digest("hex");
    const forgeries = [
      [delivered, null],
      [delivered, ""],
      [delivered, "sha256="],
      [delivered, `sha1=${createHmac("sha1", "test-app-secret-92e4").update(delivered).digest("hex")}`],
      [delivered, `sha256=${good(failed)}`], // a valid signature of another body
      [delivered, `sha256=${good(delivered).slice(0, 63)}`], // truncated
      [delivered, `sha256=${good(delivered)}00`], // extended
      [delivered, `sha256=${createHmac("sha256", "").update(delivered).digest("hex")}`], // empty key
      [failed, `sha256=${createHmac("sha256", "wrong").update(failed).digest("hex")}`],
      [`${delivered} `, `sha256=${good(delivered)}`], // body changed by one byte
    ];
    for (const [body, signature] of forgeries) {
      const r = await s.webhook(body, { signature });
      assert.equal(r.status, 401, `${signature}: ${r.text}`);
      assert.equal(r.json.error.code, "invalid_signature");
      assert.equal(typeof r.json.error.message, "string");
    }
    assert.deepEqual(await s.credits(ws), before);
    assert.equal((await record(ws, m.key)).ledger, "reserved");
    // Upper-case hex of the right MAC is still the right MAC.
    assert.equal((await s.webhook(delivered, { signature: `sha256=${good(delivered).toUpperCase()}` })).status, 200);
    assert.equal((await s.credits(ws)).debited, 1);
  });
});

describe("concurrent retries of one send against faults", () => {
  // [suffix, Meta calls allowed]: the retry chain of one attempt, never one chain per caller.
  const CASES = [
    ["110", [2, 4], 502],
    ["111", [2, 4], 502],
    ["119", [2, 4], 502],
    ["109", [1, 1], 502],
    ["112", [1, 1], 502],
    ["106", [2, 2], 200],
  ];
  for (const [suffix, [min, max], status] of CASES) {
    test(`20 callers retry the same key at once (sandbox ${suffix}) → one attempt, 20 identical answers`, async () => {
      const ws = await s.fundedWorkspace(5);
      const to = phone(suffix);
      const body = templateSend({ to, workspace: ws });
      const rs = await Promise.all(Array.from({ length: 20 }, () => s.send(body)));
      for (const r of rs) {
        assert.equal(r.status, status, r.text);
        if (status !== 200) {
          assert.equal(r.json.error.code, "meta_failed");
          assert.equal(typeof r.json.error.message, "string");
        }
      }
      assert.equal(new Set(rs.map((r) => r.json.send_id)).size, 1, "one send id for all callers");
      const calls = s.sandbox.callsTo(to);
      assert.ok(calls >= min && calls <= max, `Meta calls ${calls}, expected ${min}..${max}`);
      await record(ws, body.idempotency_key);
      // A later retry still doesn't call Meta.
      const late = await s.send(body);
      assert.equal(late.status, status);
      assert.equal(late.headers.get("idempotent-replayed"), "true");
      assert.equal(s.sandbox.callsTo(to), calls);
      await s.settle();
      const c = await s.credits(ws);
      assertSane(c);
      if (status === 200) await s.until(async () => (await s.credits(ws)).debited === 1);
      else assert.deepEqual([c.balance, c.reserved, c.debited], [5, 0, 0]);
      const st = await s.stats(ws);
      assert.equal(st.sends, 1);
    });
  }

  test("503 with a plain-text body → retried, classified transient, reservation released", async () => {
    const ws = await s.fundedWorkspace(1);
    const to = phone("119");
    const r = await s.send(templateSend({ to, workspace: ws }));
    assert.equal(r.status, 502, r.text);
    assert.equal(r.json.classification.reason, "TRANSIENT_ERROR");
    assert.equal(r.json.meta_http_status, 503);
    assert.equal(r.json.ambiguous, false);
    assert.ok(s.sandbox.callsTo(to) >= 2);
    assert.equal(r.json.attempts, s.sandbox.callsTo(to));
    const c = await s.credits(ws);
    assertSane(c);
    assert.equal(c.reserved, 0);
  });
});
