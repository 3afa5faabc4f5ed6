// The pure merge of a request with edge state (src/merge.ts), in plain Node: no workerd.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkSend } from "sendgate";
import { accountStateOf, callbackData, happenedAfter, later, mergeAccount, mergeEdge, parseCallbackData, templateRef, tierOf } from "../src/merge.ts";
import { readHealth, throughputOf } from "../src/number_facts.ts";

const NOW = "2026-11-28T12:00:00.000Z";
const hoursBefore = (h) => new Date(Date.parse(NOW) - h * 3600_000).toISOString();

/** Edge state of a recipient the edge knows nothing about, with `facts` on top. */
const edge = (facts = {}) => ({
  key: "447911123456",
  wa_ids: [],
  last_inbound_at: null,
  stop_reply_at: null,
  start_reply_at: null,
  preference_stop_at: null,
  preference_resume_at: null,
  undeliverable_at: null,
  marketing_limited_at: null,
  updated_at: null,
  ...facts,
});

const template = (status = "APPROVED") => ({
  contact: { phone: "+447911123456", marketing_state: "SUBSCRIBED" },
  source: "campaign",
  message: { type: "template", template: { name: "order_update", language: "en_US", category: "MARKETING", status, body: "Hi {{1}}" }, parameters: ["Ana"] },
});

const text = (contact = {}) => ({
  contact: { phone: "+447911123456", marketing_state: "SUBSCRIBED", ...contact },
  source: "inbox",
  message: { type: "text", text: "Thanks!" },
});

const paused = { name: "order_update", language: "en_US", status: "PAUSED", reason: "Low quality", updated_at: hoursBefore(1) };

describe("later: the newer timestamp wins", () => {
  test("either side can be newer; a missing side yields the other", () => {
    assert.equal(later(hoursBefore(1), hoursBefore(2)), hoursBefore(1));
    assert.equal(later(hoursBefore(2), hoursBefore(1)), hoursBefore(1));
    assert.equal(later(undefined, hoursBefore(1)), hoursBefore(1));
    assert.equal(later(null, hoursBefore(1)), hoursBefore(1));
    assert.equal(later(hoursBefore(1), null), hoursBefore(1));
    assert.equal(later(null, null), null);
  });

  test("a malformed request value is kept for checkSend to report", () => {
    assert.equal(later("yesterday", hoursBefore(1)), "yesterday");
    assert.equal(later(42, hoursBefore(1)), 42);
  });

  test("happenedAfter: a never-happened event is not after anything", () => {
    assert.equal(happenedAfter(hoursBefore(1), hoursBefore(2)), true);
    assert.equal(happenedAfter(hoursBefore(2), hoursBefore(1)), false);
    assert.equal(happenedAfter(hoursBefore(2), null), true);
    assert.equal(happenedAfter(null, hoursBefore(2)), false);
  });
});

describe("mergeEdge", () => {
  test("sets now, takes the balance from the ledger and the cost from the request (default 1)", () => {
    const m = mergeEdge(template(), null, null, { balance: 7 }, NOW);
    assert.equal(m.now, NOW);
    assert.deepEqual(m.credits, { balance: 7, cost: 1 });
    const priced = mergeEdge({ ...template(), credits: { balance: 1000, cost: 3 } }, null, null, { balance: 2 }, NOW);
    assert.deepEqual(priced.credits, { balance: 2, cost: 3 }, "the request's balance is never trusted");
    assert.equal(mergeEdge(template(), null, null, null, NOW).credits, undefined);
  });

  test("an inbound message the edge heard opens the window the request did not know about", () => {
    const req = text({ last_inbound_at: hoursBefore(30) });
    assert.equal(checkSend(mergeEdge(req, null, null, { balance: 5 }, NOW)).eligible, false);
    const m = mergeEdge(req, edge({ last_inbound_at: hoursBefore(1) }), null, { balance: 5 }, NOW);
    assert.equal(m.contact.last_inbound_at, hoursBefore(1));
    assert.equal(checkSend(m).eligible, true);
  });

  test("a STOP reply unsubscribes until a later START; REDACTED stays REDACTED", () => {
    const stopped = edge({ stop_reply_at: hoursBefore(2) });
    assert.equal(mergeEdge(template(), stopped, null, null, NOW).contact.marketing_state, "UNSUBSCRIBED");
    const restarted = edge({ stop_reply_at: hoursBefore(2), start_reply_at: hoursBefore(1) });
    assert.equal(mergeEdge(template(), restarted, null, null, NOW).contact.marketing_state, "SUBSCRIBED");
    const redacted = { ...template(), contact: { phone: "+447911123456", marketing_state: "REDACTED" } };
    assert.equal(mergeEdge(redacted, stopped, null, null, NOW).contact.marketing_state, "REDACTED");
    const verdict = checkSend(mergeEdge(template(), stopped, null, { balance: 5 }, NOW));
    assert.equal(verdict.eligible, false);
  });

  test("Meta's marketing preference: stop sets the opt-out, a later resume clears the platform's", () => {
    const stop = mergeEdge(template(), edge({ preference_stop_at: hoursBefore(3) }), null, null, NOW);
    assert.equal(stop.signals.marketing_opted_out_at, hoursBefore(3));
    const withOptOut = { ...template(), signals: { marketing_opted_out_at: hoursBefore(5) } };
    const resumed = mergeEdge(withOptOut, edge({ preference_stop_at: hoursBefore(6), preference_resume_at: hoursBefore(4) }), null, null, NOW);
    assert.equal(resumed.signals.marketing_opted_out_at, null);
    // A resume older than the platform's own opt-out does not clear it.
    const older = mergeEdge(withOptOut, edge({ preference_resume_at: hoursBefore(8) }), null, null, NOW);
    assert.equal(older.signals.marketing_opted_out_at, hoursBefore(5));
  });

  test("undeliverable and marketing-limit signals: the newer of request and edge", () => {
    const req = { ...template(), signals: { undeliverable_at: hoursBefore(10), marketing_limited_at: hoursBefore(1) } };
    const m = mergeEdge(req, edge({ undeliverable_at: hoursBefore(2), marketing_limited_at: hoursBefore(20) }), null, null, NOW);
    assert.equal(m.signals.undeliverable_at, hoursBefore(2));
    assert.equal(m.signals.marketing_limited_at, hoursBefore(1));
  });

  test("the edge can pause an approved template but never approve one", () => {
    assert.equal(mergeEdge(template("APPROVED"), null, paused, null, NOW).message.template.status, "PAUSED");
    const approved = { ...paused, status: "APPROVED" };
    assert.equal(mergeEdge(template("REJECTED"), null, approved, null, NOW).message.template.status, "REJECTED");
    assert.deepEqual(mergeEdge(text(), null, paused, null, NOW).message, text().message);
  });

  test("malformed parts are left for checkSend to report with their path; the input is not changed", () => {
    const bad = { ...template(), contact: "not an object" };
    assert.equal(mergeEdge(bad, edge({ stop_reply_at: hoursBefore(1) }), null, null, NOW).contact, "not an object");
    const req = template();
    const copy = structuredClone(req);
    mergeEdge(req, edge({ stop_reply_at: hoursBefore(1), last_inbound_at: hoursBefore(1) }), paused, { balance: 1 }, NOW);
    assert.deepEqual(req, copy);
  });
});

describe("references", () => {
  test("templateRef names a template only when name and language are strings", () => {
    assert.deepEqual(templateRef(template()), { name: "order_update", language: "en_US" });
    assert.equal(templateRef(text()), null);
    assert.equal(templateRef({ message: { type: "template", template: { name: 5, language: "en" } } }), null);
  });

  test("callback data round-trips; anything else is not ours", () => {
    const id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    assert.deepEqual(parseCallbackData(callbackData("ws-1", id)), { workspace: "ws-1", send_id: id });
    for (const other of [undefined, "", "sg1:ws:not-a-uuid", `sg2:ws:${id}`, `sg1:../x:${id}`, `sg1:${"w".repeat(65)}:${id}`]) {
      assert.equal(parseCallbackData(other), null, String(other));
    }
  });
});

const nothing = { number: null, account: null, template: null, unique_recipients_24h: 0, messaged_in_last_24h: false, default_tier: null };
const numberState = (facts = {}) => ({
  phone_number_id: "1",
  display_phone_number: null,
  waba_id: null,
  throughput_level: null,
  tier: null,
  tier_at: null,
  quality: null,
  health: null,
  payment_method: null,
  health_checked_at: null,
  updated_at: null,
  ...facts,
});
const accountFacts = (facts = {}) => ({
  restrictions: null,
  banned: null,
  ban: null,
  violation_type: null,
  marketing_messages_api: null,
  tier: null,
  tier_at: null,
  updated_at: null,
  ...facts,
});
const promo = (category = "UTILITY") => ({
  contact: { phone: "+447911123456", marketing_state: "SUBSCRIBED" },
  source: "campaign",
  now: NOW,
  message: { type: "template", template: { name: "promo", language: "en_US", category, status: "APPROVED" } },
});

describe("account state from the edge", () => {
  test("nothing known: no account is passed, the verdict is unchanged", () => {
    assert.equal(accountStateOf(undefined, nothing), null);
    assert.deepEqual(mergeAccount(promo(), nothing), promo());
  });

  test("the edge's facts win over the request's, the request's stay where the edge knows nothing", () => {
    const account = accountStateOf(
      { payment_method: true, marketing_messages_api: "not_onboarded" },
      { ...nothing, number: numberState({ payment_method: false, quality: "RED" }), account: accountFacts({ banned: true }) },
    );
    assert.deepEqual(account, { payment_method: false, marketing_messages_api: "not_onboarded", phone_quality: "RED", banned: true });
  });

  test("the newest tier wins (number or WABA); the default only when Meta told none", () => {
    const n = numberState({ tier: "TIER_UNLIMITED", tier_at: 1000 });
    const a = accountFacts({ tier: "TIER_250", tier_at: 2000 });
    assert.equal(tierOf({ number: n, account: a, default_tier: "TIER_2K" }), "TIER_250");
    assert.equal(tierOf({ number: { ...n, tier_at: 3000 }, account: a, default_tier: null }), "TIER_UNLIMITED");
    assert.equal(tierOf({ number: null, account: null, default_tier: "TIER_2K" }), "TIER_2K");
  });

  test("tier 250 with 250 counted: a new recipient is blocked, one already counted is not", () => {
    const edgeFull = { ...nothing, account: accountFacts({ tier: "TIER_250", tier_at: 1 }), unique_recipients_24h: 250 };
    const blocked = checkSend(mergeAccount(promo(), edgeFull));
    assert.ok(blocked.blockers.some((b) => b.reason === "MESSAGING_LIMIT_REACHED"));
    const counted = checkSend(mergeAccount(promo(), { ...edgeFull, messaged_in_last_24h: true }));
    assert.ok(!counted.blockers.some((b) => b.reason === "MESSAGING_LIMIT_REACHED"));
  });

  test("a completed category change overrides the request's; an impending one is pending_category", () => {
    const template = { status: null, category: "MARKETING", pending_category: { category: "UTILITY", at: "2026-12-10T00:00:00Z" }, quality: "YELLOW" };
    const merged = mergeAccount(promo("UTILITY"), { ...nothing, template });
    assert.deepEqual(merged.message.template, {
      ...promo().message.template,
      category: "MARKETING",
      pending_category: { category: "UTILITY", at: "2026-12-10T00:00:00Z" },
      quality: "YELLOW",
    });
    assert.equal(checkSend(merged).endpoint, "marketing_messages");
  });
});

describe("the number's facts", () => {
  test("throughput: Meta's level when a quality update gave it; a configured number keeps its rate at STANDARD", () => {
    assert.deepEqual(throughputOf(null, undefined, 80), { mps: 80, source: "config" });
    assert.deepEqual(throughputOf("HIGH", undefined, 80), { mps: 1000, source: "meta" });
    assert.deepEqual(throughputOf("STANDARD", undefined, 40), { mps: 80, source: "meta" });
    assert.deepEqual(throughputOf("STANDARD", 20, 80), { mps: 20, source: "config" });
    assert.deepEqual(throughputOf("HIGH", 20, 80), { mps: 1000, source: "meta" });
  });

  test("health_status: entities kept; a WABA blocked only for its payment method is payment_method false, not a block", () => {
    const read = readHealth({
      health_status: {
        can_send_message: "BLOCKED",
        entities: [
          { entity_type: "PHONE_NUMBER", id: "1", can_send_message: "LIMITED", additional_info: ["x"] },
          { entity_type: "WABA", id: "2", can_send_message: "BLOCKED", errors: [{ error_code: 141006, error_description: "payment", possible_solution: "add one" }] },
          { entity_type: "APP", id: "3", can_send_message: "nonsense" },
        ],
      },
    });
    assert.deepEqual(read, {
      health: [
        { entity: "PHONE_NUMBER", id: "1", can_send_message: "LIMITED" },
        { entity: "WABA", id: "2", can_send_message: "AVAILABLE" },
      ],
      payment_method: false,
      waba_id: "2",
    });
    assert.equal(readHealth({ id: "1" }), null);
    const blocked = readHealth({ health_status: { entities: [{ entity_type: "WABA", id: "2", can_send_message: "BLOCKED", errors: [{ error_code: 131031 }, { error_code: 141006 }] }] } });
    assert.deepEqual(blocked.health, [{ entity: "WABA", id: "2", can_send_message: "BLOCKED", errors: [{ error_code: 131031 }] }]);
    assert.equal(blocked.payment_method, false);
  });
});
