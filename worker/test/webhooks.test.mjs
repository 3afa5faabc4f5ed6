// POST /webhooks/meta: signatures, deduplication, and each event kind changing what the gate does.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SECRETS, digits, envelope, inbound, phone, startStack, templateSend, templateStatus, textSend, uid, unix } from "./harness.mjs";

let s;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s?.stop();
});

function preference(waId, value, at = Date.now()) {
  return envelope(
    { user_preferences: [{ wa_id: waId, detail: "User requested to stop marketing messages", category: "marketing_messages", value, timestamp: Number(unix(at)) }] },
    "user_preferences",
  );
}

describe("signature", () => {
  test("missing, malformed, wrong-secret and tampered signatures → 401, state unchanged", async () => {
    const to = phone();
    const body = JSON.stringify(inbound(digits(to), "hello"));
    const { createHmac } = await import("node:crypto");
    const good = `sha256=${createHmac("sha256", SECRETS.META_APP_SECRET).update(body).digest("hex")}`;
    const variants = [
      null,
      "",
      "sha256=",
      `sha1=${good.slice(7)}`,
      `sha256=${createHmac("sha256", "another-secret").update(body).digest("hex")}`,
      good.slice(0, -1) + (good.endsWith("0") ? "1" : "0"),
      `${good.toUpperCase().replace("SHA256=", "sha256=")}00`,
    ];
    for (const signature of variants) {
      const r = await s.webhook(body, { signature });
      assert.equal(r.status, 401, String(signature));
      assert.equal(r.json.error.code, "invalid_signature");
    }
    // Signed over the raw bytes: the same JSON re-serialised differently doesn't verify.
    const respaced = JSON.stringify(JSON.parse(body), null, 1);
    assert.equal((await s.webhook(respaced, { signature: good })).status, 401);
    assert.equal((await s.recipient(digits(to))).last_inbound_at, null);
    // Only the correct signature is processed.
    assert.equal((await s.webhook(body, { signature: good })).status, 200);
    assert.notEqual((await s.recipient(digits(to))).last_inbound_at, null);
  });

  test("oversized webhook body → 413", async () => {
    const r = await s.webhook("x".repeat(3 * 1024 * 1024 + 1));
    assert.equal(r.status, 413);
  });
});

describe("inbound messages and the window", () => {
  test("an inbound message opens the window for a text send", async () => {
    const ws = await s.fundedWorkspace();
    const to = phone();
    const before = await s.send(textSend({ to, workspace: ws }));
    assert.equal(before.status, 422);
    assert.ok(before.json.verdict.blockers.some((b) => b.reason === "OUTSIDE_CONVERSATION_WINDOW"));
    assert.equal((await s.webhook(inbound(digits(to), "Where is my order?"))).status, 200);
    const state = await s.recipient(digits(to));
    assert.ok(Date.now() - Date.parse(state.last_inbound_at) < 5000);
    // A malformed timestamp in the request is still reported, not papered over by the edge's.
    const bad = await s.send(textSend({ to, workspace: ws, last_inbound_at: "yesterday" }));
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.path, "contact.last_inbound_at");
    const r = await s.send(textSend({ to, workspace: ws }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.outcome, "accepted");
    // A service message is billed since 2026-10-01 (per-message pricing).
    assert.equal(r.json.cost, 1);
    assert.equal(s.sandbox.callsTo(to), 1);
    const call = s.sandbox.calls.find((c) => c.to === digits(to));
    assert.equal(call.body.type, "text");
    assert.equal(call.body.text.body, "Thanks for your message!");
  });

  test("the legacy Mexico wa_id (521…) opens the window of the E.164 contact (52…)", async () => {
    const ws = await s.fundedWorkspace();
    const to = "+52 33 1234 5678";
    assert.equal((await s.send(textSend({ to, workspace: ws }))).status, 422);
    assert.equal((await s.webhook(inbound("5213312345678", "hola"))).status, 200);
    const r = await s.send(textSend({ to, workspace: ws }));
    assert.equal(r.status, 200, r.text);
    assert.equal((await s.recipient("523312345678")).last_inbound_at, (await s.recipient("5213312345678")).last_inbound_at);
  });

  test("the legacy Brazil wa_id (no 9th digit) opens the window of the 13-digit contact", async () => {
    const ws = await s.fundedWorkspace();
    const to = "+55 21 99876 5432";
    assert.equal((await s.webhook(inbound("552198765432", "oi"))).status, 200);
    const r = await s.send(textSend({ to, workspace: ws }));
    assert.equal(r.status, 200, r.text);
  });

  test("a replayed webhook changes nothing", async () => {
    const to = phone();
    const payload = inbound(digits(to), "hi", { at: Date.now() - 3600_000 });
    assert.equal((await s.webhook(payload)).status, 200);
    const first = await s.recipient(digits(to));
    assert.equal((await s.webhook(payload)).status, 200);
    assert.equal((await s.webhook(payload)).status, 200);
    const again = await s.recipient(digits(to));
    assert.deepEqual(again, first);
  });

  test("an older message never moves the window back", async () => {
    const to = phone();
    await s.webhook(inbound(digits(to), "new", { at: Date.now() - 60_000 }));
    const state = await s.recipient(digits(to));
    await s.webhook(inbound(digits(to), "old", { at: Date.now() - 20 * 3600_000 }));
    assert.equal((await s.recipient(digits(to))).last_inbound_at, state.last_inbound_at);
  });

  test("a STOP reply blocks the next marketing send; a START reply lifts it", async () => {
    const ws = await s.fundedWorkspace();
    const to = phone("100");
    assert.equal((await s.send(templateSend({ to, workspace: ws }))).status, 200);
    assert.equal((await s.webhook(inbound(digits(to), "STOP", { at: Date.now() - 2000 }))).status, 200);
    assert.notEqual((await s.recipient(digits(to))).stop_reply_at, null);
    const blocked = await s.send(templateSend({ to, workspace: ws }));
    assert.equal(blocked.status, 422, blocked.text);
    assert.ok(blocked.json.verdict.blockers.some((b) => b.reason === "CUSTOMER_IS_NOT_OPTED_IN"));
    assert.equal(s.sandbox.callsTo(to), 1);
    assert.equal((await s.webhook(inbound(digits(to), "START"))).status, 200);
    assert.equal((await s.send(templateSend({ to, workspace: ws }))).status, 200);
  });
});

describe("marketing preferences and templates", () => {
  test("user_preferences stop blocks marketing (131050 before Meta); resume lifts it", async () => {
    const ws = await s.fundedWorkspace();
    const to = phone("100");
    assert.equal((await s.webhook(preference(digits(to), "stop", Date.now() - 5000))).status, 200);
    const blocked = await s.send(templateSend({ to, workspace: ws }));
    assert.equal(blocked.status, 422, blocked.text);
    assert.ok(blocked.json.verdict.blockers.some((b) => b.reason === "RECIPIENT_STOPPED_MARKETING"));
    // Utility templates still go through.
    assert.equal((await s.send(templateSend({ to, workspace: ws, category: "UTILITY" }))).status, 200);
    assert.equal((await s.webhook(preference(digits(to), "resume"))).status, 200);
    assert.equal((await s.send(templateSend({ to, workspace: ws }))).status, 200);
  });

  test("a PAUSED template webhook blocks the next send of that template, APPROVED lifts it", async () => {
    const ws = await s.fundedWorkspace();
    const name = `promo_${uid("t").replace(/\W/g, "_")}`;
    assert.equal((await s.send(templateSend({ to: phone("100"), workspace: ws, name }))).status, 200);
    assert.equal((await s.webhook(templateStatus(name, "en_US", "PAUSED", Date.now() - 1000))).status, 200);
    const to = phone("100");
    const blocked = await s.send(templateSend({ to, workspace: ws, name }));
    assert.equal(blocked.status, 422, blocked.text);
    assert.ok(blocked.json.verdict.blockers.some((b) => b.reason === "TEMPLATE_NOT_APPROVED"));
    assert.equal(s.sandbox.callsTo(to), 0);
    // Other languages and templates are unaffected.
    assert.equal((await s.send(templateSend({ to: phone("100"), workspace: ws, name, language: "es_MX" }))).status, 200);
    // A replayed older PAUSED after APPROVED doesn't re-pause it.
    assert.equal((await s.webhook(templateStatus(name, "en_US", "APPROVED"))).status, 200);
    assert.equal((await s.webhook(templateStatus(name, "en_US", "PAUSED", Date.now() - 1000))).status, 200);
    assert.equal((await s.send(templateSend({ to: phone("100"), workspace: ws, name }))).status, 200);
  });
});

describe("status webhooks from Meta", () => {
  test("failed 131026 (sandbox) → classified failure recorded, reservation released, next send blocked before Meta", async () => {
    const ws = await s.fundedWorkspace(3);
    const to = phone("101");
    const r = await s.send(templateSend({ to, workspace: ws }));
    assert.equal(r.status, 200);
    await s.until(async () => (await s.credits(ws)).reserved === 0);
    const c = await s.credits(ws);
    assert.deepEqual([c.balance, c.reserved, c.debited], [3, 0, 0]);
    const failures = (await s.request("GET", `/v1/failures?workspace_id=${ws}&reason=RECIPIENT_NOT_ON_WHATSAPP`)).json.failures;
    assert.equal(failures.length, 1);
    assert.equal(failures[0].source, "webhook");
    assert.equal(failures[0].meta_code, 131026);
    assert.equal(failures[0].wamid, r.json.wamid);
    assert.equal(failures[0].send_id, r.json.send_id);
    assert.notEqual((await s.recipient(digits(to))).undeliverable_at, null);
    const next = await s.send(templateSend({ to, workspace: ws }));
    assert.equal(next.status, 422);
    assert.ok(next.json.verdict.blockers.some((b) => b.reason === "RECIPIENT_NOT_ON_WHATSAPP"));
    assert.equal(s.sandbox.callsTo(to), 1);
  });

  test("failed 131049 → marketing blocked for that recipient", async () => {
    const ws = await s.fundedWorkspace(3);
    const to = phone("104");
    assert.equal((await s.send(templateSend({ to, workspace: ws }))).status, 200);
    await s.until(async () => (await s.recipient(digits(to))).marketing_limited_at !== null);
    const next = await s.send(templateSend({ to, workspace: ws }));
    assert.equal(next.status, 422);
    assert.ok(next.json.verdict.blockers.some((b) => b.reason === "MARKETING_LIMIT_REACHED"));
    assert.equal(s.sandbox.callsTo(to), 1);
  });

  test("failed 131050 → the opt-out is kept and marketing is blocked", async () => {
    const ws = await s.fundedWorkspace(3);
    const to = phone("105");
    assert.equal((await s.send(templateSend({ to, workspace: ws }))).status, 200);
    await s.until(async () => (await s.recipient(digits(to))).preference_stop_at !== null);
    const next = await s.send(templateSend({ to, workspace: ws }));
    assert.equal(next.status, 422);
    assert.ok(next.json.verdict.blockers.some((b) => b.reason === "RECIPIENT_STOPPED_MARKETING"));
  });

  test("a system-level errors webhook is recorded once", async () => {
    const payload = envelope({ errors: [{ code: 130429, title: "Rate limit hit", message: "Rate limit hit", error_data: { details: "Message failed to send because there were too many messages sent from this phone number in a short period of time" } }] });
    payload.entry[0].time = Number(unix());
    const before = (await s.request("GET", "/v1/failures?reason=RATE_LIMIT_EXCEEDED")).json.failures.length;
    assert.equal((await s.webhook(payload)).status, 200);
    assert.equal((await s.webhook(payload)).status, 200);
    const after = (await s.request("GET", "/v1/failures?reason=RATE_LIMIT_EXCEEDED")).json.failures;
    assert.equal(after.length, before + 1);
    assert.equal(after[0].meta_code, 130429);
  });

  test("a body that isn't Meta's shape is acknowledged and changes nothing", async () => {
    const r = await s.webhook({ object: "whatsapp_business_account", entry: [{ changes: [{ field: "messages", value: { statuses: [{ status: 5 }] } }] }] });
    assert.equal(r.status, 200);
    const junk = await s.webhook("not json at all");
    assert.equal(junk.status, 200);
  });
});
