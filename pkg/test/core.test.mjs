// The package as Node >= 22 imports it: checkSend, pickTemplates, checkAudience, catalog,
// version and the thrown SendgateInputError, through the real Wasm build.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkSend,
  pickTemplates,
  checkAudience,
  catalog,
  version,
  normalizePhone,
} from "../node.js";

const NOW = "2026-11-28T12:00:00Z";
const template = (over = {}) => ({
  name: "restock",
  language: "en",
  category: "MARKETING",
  status: "APPROVED",
  body: "Hi {{1}}, it's back",
  ...over,
});
const campaign = (contact, over = {}) => ({
  contact: { phone: "+447911123456", marketing_state: "SUBSCRIBED", ...contact },
  source: "campaign",
  message: { type: "template", template: template(), parameters: ["Ana"] },
  now: NOW,
  ...over,
});

test("an eligible send names the number it would send to", () => {
  const v = checkSend(campaign({}));
  assert.equal(v.eligible, true);
  assert.equal(v.to, "+447911123456");
  assert.deepEqual(v.blockers, []);
  assert.equal(v.cost, 1);
});

test("every blocker is reported, most fundamental first", () => {
  const v = checkSend(
    campaign(
      { phone: "5512345678", phone_country_code: "MX", marketing_state: "UNSUBSCRIBED" },
      { credits: { balance: 0 } },
    ),
  );
  assert.equal(v.eligible, false);
  assert.deepEqual(
    v.blockers.map((b) => b.reason),
    ["CUSTOMER_IS_MISSING_CALLING_CODE", "CUSTOMER_IS_NOT_OPTED_IN", "INSUFFICIENT_CREDITS"],
  );
  assert.equal(v.blockers[0].suggested, "+525512345678");
  assert.equal(v.blockers[1].field, "contact.marketing_state");
  for (const b of v.blockers) {
    assert.ok(b.title && b.message && b.resolution.length > 0, JSON.stringify(b));
  }
});

test("a Date object for `now` is accepted (it serialises to RFC 3339)", () => {
  const v = checkSend({
    contact: { phone: "+971501234567", marketing_state: "SUBSCRIBED", last_inbound_at: "2026-11-28T00:00:00Z" },
    source: "inbox",
    message: { type: "text", text: "Hello" },
    now: new Date("2026-11-28T10:00:00Z"),
  });
  assert.equal(v.eligible, true);
  assert.deepEqual(v.window, { open: true, closes_at: "2026-11-29T00:00:00Z" });
});

test("malformed input throws SendgateInputError with path and allowed values", () => {
  const bad = [
    [{ ...campaign({}), source: "sms" }, "source"],
    [campaign({ marketing_state: "YES" }), "contact.marketing_state"],
    [campaign({ last_inbound_at: "28/11/2026" }), "contact.last_inbound_at"],
    [campaign({}, { credits: { balance: "ten" } }), "credits.balance"],
    [{ ...campaign({}), message: { type: "audio" } }, "message.type"],
  ];
  for (const [request, path] of bad) {
    assert.throws(
      () => checkSend(request),
      (e) => e.name === "SendgateInputError" && e.path === path && e instanceof Error,
      path,
    );
  }
  try {
    checkSend(campaign({ marketing_state: "nope" }));
    assert.fail("should throw");
  } catch (e) {
    assert.ok(e.allowed.includes("SUBSCRIBED") && e.allowed.includes("REDACTED"));
    assert.match(e.message, /contact\.marketing_state/);
  }
  for (const notData of [undefined, () => 1, Symbol("x"), 10n]) {
    assert.throws(() => checkSend(notData), { name: "SendgateInputError" });
  }
  const cyclic = campaign({});
  cyclic.self = cyclic;
  assert.throws(() => checkSend(cyclic), { name: "SendgateInputError" });
  // The instance still answers after every error.
  assert.equal(checkSend(campaign({})).eligible, true);
});

test("pickTemplates lists every template, pickable first, with reasons", () => {
  const options = pickTemplates({
    contact: { phone: "+447911123456", marketing_state: "SUBSCRIBED" },
    source: "campaign",
    now: NOW,
    templates: [
      template({ name: "paused", status: "PAUSED" }),
      template({ name: "pending", status: "PENDING_APPROVAL" }),
      template({ name: "ok", body: "Order {{1}} ships {{2}}" }),
    ],
  });
  assert.deepEqual(options.map((o) => [o.template.name, o.pickable]), [
    ["ok", true],
    ["paused", false],
    ["pending", false],
  ]);
  assert.equal(options[0].parameter_count, 2);
  assert.equal(options[1].findings[0].reason, "TEMPLATE_NOT_APPROVED");
});

test("checkAudience counts a Shopify export", () => {
  const csv = [
    "First Name,Email,Accepts SMS Marketing,Default Address Country Code,Phone",
    "Ana,ana@example.com,yes,MX,5512345678",
    "Bo,bo@example.com,yes,GB,+447911123456",
    "Cy,cy@example.com,no,GB,+447911123457",
  ].join("\n");
  const r = checkAudience(csv, { source: "campaign", now: NOW });
  assert.equal(r.rows, 3);
  assert.equal(r.eligible, 1);
  assert.deepEqual(r.fixable.map((f) => [f.line, f.suggested, f.email]), [[2, "+525512345678", "ana@example.com"]]);
  assert.throws(() => checkAudience(42, { source: "campaign" }), { name: "SendgateInputError", path: "csv" });
  assert.throws(() => checkAudience("Phone\n", { source: "fax" }), (e) => e.path.endsWith("source"));
});

test("normalizePhone returns E.164, region and wa_id variants", () => {
  const r = normalizePhone({ phone: "+52 55 1234 5678" });
  assert.equal(r.e164, "+525512345678");
  assert.equal(r.region, "MX");
  assert.ok(r.wa_id_variants.includes("5215512345678"));
});

test("catalog and version describe the library", () => {
  const entries = catalog();
  const reasons = new Set(entries.map((e) => e.reason));
  for (const r of [
    "CUSTOMER_IS_NOT_OPTED_IN",
    "CUSTOMER_IS_MISSING_CALLING_CODE",
    "INSUFFICIENT_CREDITS",
    "OUTSIDE_CONVERSATION_WINDOW",
    "TEMPLATE_NOT_APPROVED",
  ]) {
    assert.ok(reasons.has(r), r);
  }
  const optIn = entries.find((e) => e.reason === "CUSTOMER_IS_NOT_OPTED_IN" && e.meta_code === undefined);
  assert.equal(optIn.compliance, true);
  const v = version();
  assert.match(v.crate, /^\d+\.\d+\.\d+$/);
  assert.match(v.phone_metadata, /^\d+\.\d+\.\d+$/);
});
