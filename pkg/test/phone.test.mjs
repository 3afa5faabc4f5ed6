// normalizePhone through the built package (real Wasm in Node): E.164, region, validity and
// wa_id variants against independently known numbering facts; cold behaviour (every calling
// code answered from a fresh instance); and the bounds (huge and odd input never traps).
import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizePhone, checkSend, version } from "../node.js";

const n = (phone, extra = {}) => normalizePhone({ phone, ...extra });

test("international numbers of many regions", () => {
  const cases = [
    ["+44 7400 123456", "+447400123456", "GB"],
    ["+52 222 123 4567", "+522221234567", "MX"],
    ["+55 11 96123-4567", "+5511961234567", "BR"],
    ["+54 9 11 2345-6789", "+5491123456789", "AR"],
    ["+91 81234 56789", "+918123456789", "IN"],
    ["+62 812-345-678", "+62812345678", "ID"],
    ["+49 1512 3456789", "+4915123456789", "DE"],
    ["+971 50 123 4567", "+971501234567", "AE"],
    ["+1 650-253-0000", "+16502530000", "US"],
    ["+1 416-979-1000", "+14169791000", "CA"],
    ["+7 771 000 9998", "+77710009998", "KZ"],
    ["+44 7781 123456", "+447781123456", "GG"],
  ];
  for (const [typed, e164, region] of cases) {
    const r = n(typed);
    assert.equal(r.e164, e164, typed);
    assert.equal(r.region, region, typed);
    assert.equal(r.valid, true, typed);
    assert.deepEqual(r.findings, [], typed);
  }
});

test("national input: trunk prefix, calling code with or without +, separators", () => {
  assert.equal(n("07400 123456", { phone_calling_code: "44" }).e164, "+447400123456");
  assert.equal(n("0151.2345.6789", { phone_calling_code: "+49" }).e164, "+4915123456789");
  assert.equal(n("(650) 253-0000", { phone_calling_code: "1", phone_country_code: "US" }).e164, "+16502530000");
  assert.equal(n("00971 50 123 4567").e164, "+971501234567");
  assert.equal(n("+1 650 253 0000 ext. 12").e164, "+16502530000");
  const it = n("02 1234 5678", { phone_calling_code: "39" });
  assert.equal(it.e164, "+390212345678");
  assert.equal(it.national_number, "0212345678");
});

test("wa_id variants: Mexico 52/521, Argentina 54/549, Brazil ninth digit", () => {
  assert.deepEqual(n("+52 55 1234 5678").wa_id_variants, ["525512345678", "5215512345678"]);
  const legacy = n("+52 1 55 1234 5678");
  assert.equal(legacy.e164, "+525512345678");
  assert.ok(legacy.wa_id_variants.includes("5215512345678"));
  const ar = n("011 15 2345-6789", { phone_calling_code: "54" });
  assert.equal(ar.e164, "+5491123456789");
  assert.deepEqual(ar.wa_id_variants, ["5491123456789", "541123456789"]);
  assert.deepEqual(n("+55 11 98765-4321").wa_id_variants, ["5511987654321", "551187654321"]);
});

test("missing calling code: blocker with a suggestion from the country", () => {
  const r = n("5512345678", { phone_country_code: "MX" });
  assert.equal(r.e164, null);
  assert.equal(r.suggested, "+525512345678");
  assert.equal(r.findings[0].reason, "CUSTOMER_IS_MISSING_CALLING_CODE");
  assert.equal(r.findings[0].suggested, "+525512345678");
});

test("impossible, unverified and missing numbers", () => {
  const short = n("+44 7400 12");
  assert.equal(short.possible, false);
  assert.equal(short.e164, null);
  assert.equal(short.findings[0].reason, "CUSTOMER_PHONE_INVALID");
  const odd = n("+1 099 555 0100");
  assert.equal(odd.possible, true);
  assert.equal(odd.valid, false);
  assert.match(odd.findings[0].message, new RegExp(version().phone_metadata.replace(/\./g, "\\.")));
  assert.equal(n("call me").findings[0].reason, "CUSTOMER_IS_MISSING_PHONE");
  assert.equal(n(null).findings[0].reason, "CUSTOMER_IS_MISSING_PHONE");
});

test("every calling code answers, and huge or odd input never traps", () => {
  // One number per calling code 1..999 (most unknown): the instance must survive all of them.
  for (let cc = 1; cc < 1000; cc++) {
    const r = n(`+${cc} 123 456 7890`);
    assert.ok(Array.isArray(r.findings));
  }
  for (const phone of ["9".repeat(1_000_000), `+${"1".repeat(5000)}`, "\u0000+44", "+۹۷۱۵۰۱۲۳۴۵۶۷", "+0", "00", "＋４４７４００１２３４５６"]) {
    n(phone, { phone_calling_code: "52", phone_country_code: "MX" });
  }
  // Still healthy afterwards.
  const v = checkSend({
    contact: { phone: "+447400123456", marketing_state: "SUBSCRIBED" },
    source: "campaign",
    now: "2026-11-28T00:00:00Z",
    message: { type: "template", template: { name: "t", language: "en", category: "UTILITY", status: "APPROVED" } },
  });
  assert.equal(v.to, "+447400123456");
});

test("issue 17: +7 numbers, the contact country's international prefix, text, letters", () => {
  assert.equal(n("+7 800 555 35 35").e164, "+78005553535");
  assert.equal(n("+7 800 555 35 35").valid, true);
  assert.equal(n("8 (800) 555 35 35", { phone_country_code: "RU" }).suggested, "+78005553535");
  for (const [phone, country, e164] of [
    ["0011 61 2 9876 5432", "AU", "+61298765432"],
    ["011 52 55 1234 5678", "US", "+525512345678"],
    ["8~10 44 7400 123456", "RU", "+447400123456"],
  ]) {
    const r = n(phone, { phone_country_code: country });
    assert.equal(r.e164, e164, phone);
    assert.equal(r.assumed, "international_prefix", phone);
    assert.deepEqual(r.findings, [], phone);
  }
  const text = n("Phone: +7 (800) 555-35-35.");
  assert.equal(text.e164, "+78005553535");
  assert.equal(text.findings.length, 1);
  assert.equal(text.findings[0].reason, "CUSTOMER_PHONE_TEXT_IGNORED");
  assert.match(text.findings[0].message, /`Phone:`/);
  const ext = n("88005553535 x123", { phone_country_code: "RU" });
  assert.equal(ext.suggested, "+78005553535");
  assert.ok(ext.findings.some((f) => f.reason === "CUSTOMER_PHONE_TEXT_IGNORED" && f.message.includes("x123")));
  const vanity = n("1-800-FLOWERS", { phone_calling_code: "1" });
  assert.equal(vanity.e164, "+18003569377");
  assert.equal(vanity.findings[0].reason, "CUSTOMER_PHONE_VANITY_LETTERS");
});

test("issue 17: a spreadsheet-mangled phone blocks checkSend with its own reason; warnings do not", () => {
  const send = (phone) =>
    checkSend({
      contact: { phone, phone_country_code: "US", marketing_state: "SUBSCRIBED" },
      source: "campaign",
      now: "2026-11-28T00:00:00Z",
      message: { type: "template", template: { name: "t", language: "en", category: "UTILITY", status: "APPROVED" } },
    });
  const mangled = send("9.19747E+11");
  assert.equal(mangled.eligible, false);
  assert.equal(mangled.to, null);
  assert.deepEqual(mangled.blockers.map((b) => b.reason), ["CUSTOMER_PHONE_MANGLED"]);
  assert.match(mangled.blockers[0].message, /lost/);
  assert.ok(mangled.blockers[0].resolution.some((s) => /Export/.test(s)));
  const noted = send("+1 650 253 0000 (mobile)");
  assert.equal(noted.eligible, true);
  assert.equal(noted.to, "+16502530000");
  assert.deepEqual(noted.warnings.map((w) => w.reason), ["CUSTOMER_PHONE_TEXT_IGNORED"]);
});
