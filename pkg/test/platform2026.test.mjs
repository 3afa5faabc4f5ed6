// SPEC "The 2026 platform" through the built package, as Node >= 22 imports it: BSUID
// recipients, per-message billing on both sides of 2026-10-01, routing, metaRequest's bodies
// (compared whole with Meta's documented request shapes), account readiness, the portfolio
// messaging limit in checkSend and checkAudience, and template slots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkSend, metaRequest, pickTemplates, checkAudience, classifyFailure, catalog } from "../node.js";

const NOW = "2026-11-28T12:00:00Z";
const template = (over = {}) => ({
  name: "order_update",
  language: "en_US",
  category: "UTILITY",
  status: "APPROVED",
  header: "Order {{1}} is on its way",
  body: "Hi {{1}}, your order {{2}} has shipped. Track it: {{3}}",
  ...over,
});
const send = (over = {}) => ({
  contact: { phone: "+447911123456", marketing_state: "SUBSCRIBED" },
  source: "automation",
  message: { type: "template", template: template(), parameters: ["A-1042", "Jessica", "A-1042", "https://example.com/t/1"] },
  now: NOW,
  ...over,
});
const reasons = (findings) => findings.map((f) => f.reason);

test("a BSUID is the recipient when there is no usable phone; phone findings then only warn", () => {
  const v = checkSend(send({ contact: { phone: "5512345678", phone_country_code: "MX", user_id: "MX.13491208655302741918", marketing_state: "SUBSCRIBED" } }));
  assert.equal(v.eligible, true, JSON.stringify(v.blockers));
  assert.equal(v.to, null);
  assert.deepEqual(v.recipient, { kind: "user_id", id: "MX.13491208655302741918" });
  assert.ok(reasons(v.warnings).includes("CUSTOMER_IS_MISSING_CALLING_CODE"));
  // A usable phone wins over the BSUID.
  const both = checkSend(send({ contact: { phone: "+447911123456", user_id: "GB.1", marketing_state: "SUBSCRIBED" } }));
  assert.deepEqual(both.recipient, { kind: "phone", id: "+447911123456" });
  // Neither: missing phone, saying so.
  const neither = checkSend(send({ contact: { phone: null, marketing_state: "SUBSCRIBED" } }));
  assert.deepEqual(reasons(neither.blockers), ["CUSTOMER_IS_MISSING_PHONE"]);
  assert.equal(neither.recipient, null);
  // An authentication template needs a phone (131062).
  const auth = checkSend(send({
    contact: { phone: null, user_id: "US.99", marketing_state: "SUBSCRIBED" },
    message: { type: "template", template: template({ category: "AUTHENTICATION", header: undefined, body: "{{1}} is your code" }), parameters: ["123456"] },
  }));
  assert.deepEqual(reasons(auth.blockers), ["AUTHENTICATION_NEEDS_PHONE"]);
  assert.equal(auth.blockers[0].meta_code, 131062);
  assert.equal(classifyFailure(131062).reason, "AUTHENTICATION_NEEDS_PHONE");
});

test("billing: an inbox reply is free before 2026-10-01 and billed from then, at its category's price", () => {
  const reply = (now) =>
    checkSend({
      contact: { phone: "+447911123456", marketing_state: "NOT_SUBSCRIBED", last_inbound_at: new Date(Date.parse(now) - 3600_000).toISOString() },
      source: "inbox",
      message: { type: "text", text: "Your order shipped" },
      credits: { balance: 0.1, cost: 1, cost_by_category: { service: 0.25 } },
      now,
    });
  const before = reply("2026-09-30T12:00:00Z");
  assert.deepEqual(before.billing, { category: "service", billable: false, free_because: "service_window" });
  assert.equal(before.cost, 0);
  assert.equal(before.eligible, true);
  const after = reply("2026-10-01T12:00:00Z");
  assert.deepEqual(after.billing, { category: "service", billable: true });
  assert.equal(after.cost, 0.25);
  assert.deepEqual(reasons(after.blockers), ["INSUFFICIENT_CREDITS"]);
  // The free-entry-point window is free on both sides.
  for (const now of ["2026-09-30T12:00:00Z", NOW]) {
    const v = checkSend(send({ now, contact: { phone: "+447911123456", marketing_state: "SUBSCRIBED", free_entry_point_until: "2026-12-31T00:00:00Z" } }));
    assert.deepEqual(v.billing, { category: "utility", billable: false, free_because: "free_entry_point" });
    assert.equal(v.cost, 0);
  }
});

test("routing: marketing to marketing_messages, the rest to messages, not-onboarded accounts warned", () => {
  const marketing = send({ message: { ...send().message, template: template({ category: "MARKETING" }) } });
  assert.equal(checkSend(marketing).endpoint, "marketing_messages");
  assert.equal(checkSend(send()).endpoint, "messages");
  const notOnboarded = checkSend({ ...marketing, account: { marketing_messages_api: "not_onboarded" } });
  assert.equal(notOnboarded.endpoint, "messages");
  assert.deepEqual(reasons(notOnboarded.warnings), ["MARKETING_API_NOT_ONBOARDED"]);
  const blocked = checkSend({ ...marketing, contact: { ...marketing.contact, marketing_state: "UNSUBSCRIBED" } });
  assert.equal(blocked.endpoint, null);
  // An announced category change says what it changes.
  const changing = checkSend(send({
    credits: { balance: 10, cost_by_category: { utility: 0.5, marketing: 2 } },
    message: { ...send().message, template: template({ pending_category: { category: "MARKETING", at: "2026-12-01T00:00:00Z" } }) },
  }));
  const w = changing.warnings.find((f) => f.reason === "TEMPLATE_CATEGORY_CHANGING");
  assert.ok(w, JSON.stringify(changing.warnings));
  for (const part of ["MARKETING", "2026-12-01T00:00:00Z", "2 credits instead of 0.5", "/marketing_messages"]) assert.ok(w.message.includes(part), `${part}: ${w.message}`);
});

test("metaRequest: a template with header and body parameters, as Meta documents it", () => {
  const r = metaRequest(send({ biz_opaque_callback_data: "ws1:send-42" }));
  assert.deepEqual(r, {
    endpoint: "messages",
    body: {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "+447911123456",
      type: "template",
      template: {
        name: "order_update",
        language: { code: "en_US" },
        components: [
          { type: "header", parameters: [{ type: "text", text: "A-1042" }] },
          { type: "body", parameters: [{ type: "text", text: "Jessica" }, { type: "text", text: "A-1042" }, { type: "text", text: "https://example.com/t/1" }] },
        ],
      },
      biz_opaque_callback_data: "ws1:send-42",
    },
  });
});

test("metaRequest: text, BSUID recipient, marketing endpoint, and null when blocked", () => {
  const text = metaRequest({
    contact: { phone: "+16505551234", marketing_state: "UNKNOWN", last_inbound_at: "2026-11-28T11:00:00Z" },
    source: "inbox",
    message: { type: "text", text: "Hi! Here's the link: https://example.com" },
    now: NOW,
  });
  assert.deepEqual(text, {
    endpoint: "messages",
    body: {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "+16505551234",
      type: "text",
      text: { preview_url: true, body: "Hi! Here's the link: https://example.com" },
    },
  });
  const bsuid = metaRequest(send({ contact: { phone: null, user_id: "US.13491208655302741918", marketing_state: "SUBSCRIBED" } }));
  assert.equal(bsuid.body.recipient, "US.13491208655302741918");
  assert.equal("to" in bsuid.body, false);
  const marketing = metaRequest(send({ message: { ...send().message, template: template({ category: "MARKETING" }) } }));
  assert.equal(marketing.endpoint, "marketing_messages");
  assert.deepEqual(marketing.body, metaRequest(send()).body);
  assert.equal(metaRequest(send({ contact: { phone: "+447911123456", marketing_state: "REDACTED" } })), null);
  // The verdict and the request agree.
  for (const request of [send(), send({ contact: { phone: null, user_id: "GB.7", marketing_state: "SUBSCRIBED" } })]) {
    const v = checkSend(request);
    const m = metaRequest(request);
    assert.equal(m.endpoint, v.endpoint);
    assert.equal(m.body.to ?? m.body.recipient, v.recipient.id);
  }
});

test("account readiness: a blocked entity names Meta's error and fix; no payment method blocks billable sends from 2026-10-01", () => {
  const v = checkSend(send({
    account: {
      health: [{ entity_type: "WABA", id: "1029", can_send_message: "BLOCKED", errors: [{ error_code: 141006, error_description: "Payment method error.", possible_solution: "Add a payment method." }] }],
      phone_quality: "RED",
    },
  }));
  assert.deepEqual(reasons(v.blockers), ["ACCOUNT_RESTRICTED"]);
  assert.match(v.blockers[0].message, /WABA 1029.*141006/);
  assert.match(v.blockers[0].resolution[0], /Add a payment method/);
  assert.deepEqual(reasons(v.warnings), ["QUALITY_RESTRICTED"]);
  const noPayment = (now) => checkSend(send({ now, account: { payment_method: false } }));
  assert.deepEqual(reasons(noPayment("2026-09-30T12:00:00Z").blockers), []);
  assert.deepEqual(reasons(noPayment("2026-09-30T12:00:00Z").warnings), ["META_BILLING_ISSUE"]);
  assert.deepEqual(reasons(noPayment("2026-10-01T12:00:00Z").blockers), ["META_BILLING_ISSUE"]);
  const restricted = checkSend(send({ account: { restriction: { type: "RESTRICTED_BIZ_INITIATED_MESSAGING", until: "2026-12-01T00:00:00Z" } } }));
  assert.deepEqual(reasons(restricted.blockers), ["ACCOUNT_RESTRICTED"]);
});

test("the messaging limit blocks the (limit+1)-th new recipient, in checkSend and in checkAudience's file order", () => {
  const at = (used, signals) => checkSend(send({ account: { messaging_limit: { tier: "TIER_250", unique_recipients_24h: used } }, signals }));
  assert.equal(at(249).eligible, true);
  assert.deepEqual(reasons(at(250).blockers), ["MESSAGING_LIMIT_REACHED"]);
  assert.equal(at(250, { messaged_in_last_24h: true }).eligible, true);
  const csv = ["Phone,Accepts SMS Marketing", ...Array.from({ length: 5 }, (_, i) => `+44791112345${i},yes`)].join("\n");
  const r = checkAudience(csv, {
    source: "campaign",
    now: NOW,
    template: template({ header: undefined, body: "Hi" }),
    account: { messaging_limit: { tier: "TIER_250", unique_recipients_24h: 247 } },
  });
  assert.equal(r.eligible, 3);
  assert.deepEqual(r.blocked, [{ reason: "MESSAGING_LIMIT_REACHED", count: 2 }]);
  assert.deepEqual(r.messaging_limit, { tier: "TIER_250", limit: 250, unique_recipients_24h: 247, new_recipients: 3, over_limit: 2, first_line_over_limit: 5 });
});

test("pickTemplates gives each template's parameter slots, header first", () => {
  const [o] = pickTemplates({ contact: { phone: "+447911123456", marketing_state: "SUBSCRIBED" }, source: "campaign", now: NOW, templates: [template()] });
  assert.deepEqual(o.slots, [
    { part: "header", name: "1" },
    { part: "body", name: "1" },
    { part: "body", name: "2" },
    { part: "body", name: "3" },
  ]);
  assert.equal(o.parameter_count, 4);
});

test("the catalog knows the 2026 reasons", () => {
  const names = new Set(catalog().map((c) => c.reason));
  for (const r of ["AUTHENTICATION_NEEDS_PHONE", "MESSAGING_LIMIT_REACHED", "TEMPLATE_CATEGORY_CHANGING", "MARKETING_API_NOT_ONBOARDED", "CUSTOMER_PHONE_MANGLED"]) assert.ok(names.has(r), r);
  const rate = classifyFailure({ error: { message: "Calls to this api have exceeded the rate limit", code: 613 } });
  assert.deepEqual([rate.reason, rate.retry.kind], ["RATE_LIMIT_EXCEEDED", "after"]);
});
