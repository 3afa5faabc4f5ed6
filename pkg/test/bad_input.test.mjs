// The bad-input suite (issue 7, item 2): every public function of the package, every field of
// its input, fed wrong types, null/undefined, numbers where strings go, 10 MB strings, deeply
// nested JSON, lone UTF-16 surrogates, control characters, RTL marks and full-width digits in
// phones, dates in wrong formats and unknown enum values, through the real Wasm build in Node.
//
// Each case must give either a correct result (checked for the function's invariants, and for
// cases with a known answer, that answer) or a thrown `SendgateInputError` whose `path` names
// the field. After EVERY case the module must still answer a normal `checkSend` correctly.
// Cases are generated from tables; the count per category is printed at the end.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as sg from "../node.js";

const NOW = "2026-11-28T12:00:00Z";
const PHONE = "+447911123456";
const MB10 = 10 * 1024 * 1024;
const REASONS = new Set(sg.catalog().map((c) => c.reason));
// The kinds of the `WebhookEvent` union that src/typescript.rs generates from the Rust enum.
const EVENT_KINDS = new Set(
  Array.from(
    readFileSync(new URL("../types.d.ts", import.meta.url), "utf8")
      .split("export type WebhookEvent =")[1]
      .split(";")[0]
      .matchAll(/"kind": "(\w+)"/g),
    (m) => m[1],
  ),
);
assert.ok(EVENT_KINDS.has("status") && EVENT_KINDS.has("invalid"), "the WebhookEvent kinds are read from pkg/types.d.ts");

// ---------------------------------------------------------------------------------------------
// Valid inputs, one per function

const template = () => ({
  name: "restock",
  language: "en",
  category: "MARKETING",
  status: "APPROVED",
  quality: "GREEN",
  body: "Hi {{1}}, it's back",
  header: "News",
  id: "1234567890",
  pending_category: { category: "MARKETING", at: "2026-12-01T00:00:00Z" },
});
const contact = () => ({
  id: "gid://shopify/Customer/1",
  phone: PHONE,
  phone_country_code: "GB",
  phone_calling_code: "44",
  marketing_state: "SUBSCRIBED",
  last_inbound_at: "2026-11-28T10:00:00Z",
  user_id: "GB.13491208655302741918",
  free_entry_point_until: "2026-11-20T00:00:00Z",
});
const signals = () => ({ marketing_opted_out_at: null, undeliverable_at: null, marketing_limited_at: null, messaged_in_last_24h: false });
const credits = () => ({ balance: 10, cost: 1, cost_by_category: { marketing: 1, utility: 0.5, authentication: 0.5, service: 0.25 } });
// Every readiness fact, none of them blocking, so each field's bad values are what is tested.
const account = () => ({
  health: [{ entity: "PHONE_NUMBER", id: "106540352242922", can_send_message: "AVAILABLE", errors: [{ error_code: 141000, error_description: "-", possible_solution: "-" }] }],
  restriction: { type: "RESTRICTED_ADD_PHONE_NUMBER_ACTION", until: null },
  restrictions: [{ type: "RESTRICTED_ADD_PHONE_NUMBER_ACTION", until: "2026-12-01T00:00:00Z" }],
  banned: false,
  payment_method: true,
  messaging_limit: { tier: "TIER_UNLIMITED", unique_recipients_24h: 10 },
  phone_quality: "GREEN",
  marketing_messages_api: "onboarded",
});
const sendRequest = () => ({
  contact: contact(),
  source: "campaign",
  message: { type: "template", template: template(), parameters: ["Ana"] },
  credits: credits(),
  now: NOW,
  policy: { consent: "strict" },
  signals: signals(),
  account: account(),
  biz_opaque_callback_data: "workspace-1:send-42",
});
const textRequest = () => ({ ...sendRequest(), source: "inbox", message: { type: "text", text: "Hello" } });
const pickRequest = () => ({
  contact: contact(),
  source: "campaign",
  templates: [template(), { ...template(), name: "paused", status: "PAUSED" }],
  credits: credits(),
  now: NOW,
  policy: { consent: "strict" },
  signals: signals(),
  account: account(),
});
const phoneInput = () => ({ phone: "5512345678", phone_country_code: "MX", phone_calling_code: "52" });
const CSV = "Phone,Accepts SMS Marketing,Default Address Country Code\n+447911123456,yes,GB\n5512345678,yes,MX\n";
const audienceOptions = () => ({
  source: "campaign",
  template: template(),
  now: NOW,
  policy: { consent: "strict" },
  credits: credits(),
  account: account(),
  parameters: ["Ana"],
});
const graphError = () => ({
  error: {
    message: "(#130429) Rate limit hit",
    type: "OAuthException",
    code: 130429,
    error_data: { messaging_product: "whatsapp", details: "Cloud API message throughput has been reached." },
    fbtrace_id: "Az8or2yhqkZfEZ-_4Qn_Bam",
  },
});
const webhook = () => ({
  object: "whatsapp_business_account",
  entry: [
    {
      id: "102290129340398",
      changes: [
        {
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "15550783881", phone_number_id: "106540352242922" },
            statuses: [
              {
                id: "wamid.HBgL",
                status: "failed",
                timestamp: "1751142888",
                recipient_id: "16505551234",
                errors: [{ code: 131049, title: "This message was not delivered to maintain healthy ecosystem engagement." }],
              },
            ],
          },
        },
      ],
    },
  ],
});

// ---------------------------------------------------------------------------------------------
// Checks of a correct result

function checkFindings(findings, where) {
  assert.ok(Array.isArray(findings), `${where} is an array`);
  for (const f of findings) {
    assert.ok(REASONS.has(f.reason), `${where}: reason ${f.reason} is in catalog()`);
    assert.equal(typeof f.title, "string");
    assert.ok(Array.isArray(f.resolution));
  }
}
function checkVerdict(v) {
  assert.equal(typeof v.eligible, "boolean");
  checkFindings(v.blockers, "blockers");
  checkFindings(v.warnings, "warnings");
  assert.equal(v.eligible, v.blockers.length === 0, "eligible exactly when there is no blocker");
  if (v.to !== null) assert.match(v.to, /^\+[1-9]\d{1,16}$/, "`to` is E.164");
  if (v.eligible) {
    // An eligible send goes somewhere: the E.164 `to`, or a business-scoped user ID.
    assert.ok(v.recipient, "an eligible send names its recipient");
    if (v.recipient.kind === "phone") assert.equal(v.recipient.id, v.to);
    else assert.match(v.recipient.id, /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/);
  }
  assert.equal(v.endpoint === null, !v.eligible, "an endpoint exactly for an eligible send");
  assert.ok(["marketing", "utility", "authentication", "service"].includes(v.billing.category));
  assert.equal(typeof v.billing.billable, "boolean");
  assert.equal(typeof v.window.open, "boolean");
  assert.ok(Number.isFinite(v.cost) && v.cost >= 0, "cost");
}
function checkMetaRequest(r) {
  if (r === null) return;
  assert.ok(["messages", "marketing_messages"].includes(r.endpoint), `endpoint ${r.endpoint}`);
  assert.equal(r.body.messaging_product, "whatsapp");
  assert.equal(r.body.recipient_type, "individual");
  assert.ok(typeof (r.body.to ?? r.body.recipient) === "string", "a recipient");
  assert.ok(["text", "template"].includes(r.body.type));
}
function checkOptions(options) {
  assert.ok(Array.isArray(options));
  let seenUnpickable = false;
  for (const o of options) {
    assert.equal(typeof o.pickable, "boolean");
    assert.ok(!(o.pickable && seenUnpickable), "pickable first");
    seenUnpickable ||= !o.pickable;
    checkFindings(o.findings, "findings");
    assert.ok(Number.isInteger(o.parameter_count));
  }
}
function checkPhone(r) {
  assert.ok(r.e164 === null || /^\+[1-9]\d{1,16}$/.test(r.e164), `e164 ${r.e164}`);
  assert.equal(typeof r.possible, "boolean");
  assert.equal(typeof r.valid, "boolean");
  assert.ok(Array.isArray(r.wa_id_variants));
  checkFindings(r.findings, "findings");
}
function checkClassification(c) {
  assert.ok(REASONS.has(c.reason), `reason ${c.reason} is in catalog()`);
  assert.equal(typeof c.title, "string");
  assert.ok(["backoff", "after", "never"].includes(c.retry.kind));
  if (c.raw !== undefined) assert.ok(c.raw.length <= 1024, "raw input echoed back is clipped");
}
function checkEvents(events) {
  assert.ok(Array.isArray(events));
  for (const e of events) {
    assert.ok(EVENT_KINDS.has(e.kind), `kind ${e.kind}`);
    if (e.classification) checkClassification(e.classification);
  }
}
function checkTriage(t) {
  assert.ok(Number.isInteger(t.total) && t.total >= 0);
  assert.ok(Array.isArray(t.groups));
  for (const g of t.groups) {
    assert.ok(REASONS.has(g.reason), `group reason ${g.reason}`);
    checkClassification(g.classification);
  }
}
function checkAudienceReport(r) {
  assert.ok(Number.isInteger(r.rows) && Number.isInteger(r.eligible) && r.eligible <= r.rows);
  for (const b of r.blocked) assert.ok(REASONS.has(b.reason), `blocked reason ${b.reason}`);
  assert.ok(Array.isArray(r.malformed) && Array.isArray(r.fixable));
}

// ---------------------------------------------------------------------------------------------
// The functions and their fields
//
// kind: str (required string), str? (optional string, null allowed), free (required string, any
// content has a meaning), enum / enum? (closed set), date? (optional RFC 3339), num / num?,
// obj / obj?, arr / arr?, any (the function takes unknown input and never rejects data).

function accountFields(base) {
  return [
    [base, "obj?"],
    [`${base}.health`, "arr?"],
    [`${base}.health[0]`, "obj"],
    [`${base}.health[0].entity`, "str"],
    [`${base}.health[0].id`, "str?"],
    [`${base}.health[0].can_send_message`, "enum", "AVAILABLE"],
    [`${base}.health[0].errors`, "arr?"],
    [`${base}.health[0].errors[0].error_code`, "count"],
    [`${base}.health[0].errors[0].error_description`, "str?"],
    [`${base}.health[0].errors[0].possible_solution`, "str?"],
    [`${base}.restriction`, "obj?"],
    [`${base}.restriction.type`, "str"],
    [`${base}.restriction.until`, "date?"],
    [`${base}.restrictions`, "arr?"],
    [`${base}.restrictions[0].type`, "str"],
    [`${base}.restrictions[0].until`, "date?"],
    [`${base}.banned`, "bool?"],
    [`${base}.payment_method`, "bool?"],
    [`${base}.messaging_limit`, "obj?"],
    [`${base}.messaging_limit.tier`, "enum", "TIER_UNLIMITED"],
    [`${base}.messaging_limit.unique_recipients_24h`, "count"],
    [`${base}.phone_quality`, "enum?", "GREEN"],
    [`${base}.marketing_messages_api`, "enum?", "onboarded"],
  ];
}

const sendFields = [
  ["", "obj"],
  ["contact", "obj"],
  ["contact.id", "str?"],
  ["contact.phone", "phone"],
  ["contact.phone_country_code", "str?"],
  ["contact.phone_calling_code", "str?"],
  ["contact.marketing_state", "enum", "SUBSCRIBED"],
  ["contact.last_inbound_at", "date?"],
  ["contact.user_id", "bsuid?"],
  ["contact.free_entry_point_until", "date?"],
  ["source", "enum", "campaign"],
  ["message", "obj"],
  ["message.type", "enum", "template"],
  ["message.template", "obj"],
  ["message.template.name", "str"],
  ["message.template.language", "str"],
  ["message.template.category", "enum", "MARKETING"],
  ["message.template.status", "free"],
  ["message.template.quality", "enum?", "GREEN"],
  ["message.template.body", "str?"],
  ["message.template.header", "str?"],
  ["message.template.id", "str?"],
  ["message.template.pending_category", "obj?"],
  ["message.template.pending_category.category", "enum", "MARKETING"],
  ["message.template.pending_category.at", "date"],
  ["message.parameters", "arr?"],
  ["message.parameters[0]", "str"],
  ["credits", "obj?"],
  ["credits.balance", "num"],
  ["credits.cost", "price?"],
  ["credits.cost_by_category", "obj?"],
  ["credits.cost_by_category.marketing", "price?"],
  ["credits.cost_by_category.utility", "price?"],
  ["credits.cost_by_category.authentication", "price?"],
  ["credits.cost_by_category.service", "price?"],
  ["now", "date?"],
  ["policy", "obj?"],
  ["policy.consent", "enum?", "strict"],
  ["signals", "obj?"],
  ["signals.marketing_opted_out_at", "date?"],
  ["signals.undeliverable_at", "date?"],
  ["signals.marketing_limited_at", "date?"],
  ["signals.messaged_in_last_24h", "bool?"],
  ...accountFields("account"),
  ["biz_opaque_callback_data", "callback?"],
];
const textFields = [["message.text", "str"]];
const pickFields = [
  ["", "obj"],
  ...sendFields.filter(([p]) => p.startsWith("contact") || ["source", "now"].includes(p) || /^(credits|policy|signals|account)/.test(p)),
  ["templates", "arr"],
  ["templates[0]", "obj"],
  ["templates[1].name", "str"],
  ["templates[0].language", "str"],
  ["templates[0].category", "enum", "MARKETING"],
  ["templates[0].status", "free"],
  ["templates[1].quality", "enum?", "GREEN"],
  ["templates[0].body", "str?"],
  ["templates[0].header", "str?"],
];
const phoneFields = [
  ["", "obj"],
  ["phone", "phone"],
  ["phone_country_code", "str?"],
  ["phone_calling_code", "str?"],
];
const audienceFields = [
  ["options", "obj"],
  ["options.source", "enum", "campaign"],
  ["options.template", "obj?"],
  ["options.template.name", "str"],
  ["options.template.category", "enum", "MARKETING"],
  ["options.template.status", "free"],
  ["options.template.quality", "enum?", "GREEN"],
  ["options.now", "date?"],
  ["options.policy", "obj?"],
  ["options.policy.consent", "enum?", "strict"],
  ["options.credits", "obj?"],
  ["options.credits.balance", "num"],
  ["options.credits.cost", "price?"],
  ["options.credits.cost_by_category.utility", "price?"],
  ["options.parameters", "arr?"],
  ["options.parameters[0]", "str"],
  ...accountFields("options.account").filter(([p]) => !p.includes("health[0].errors")),
];

/** Each target: how to call it with a value at `path`, and the checker of its result. */
const targets = {
  checkSend: { base: sendRequest, call: (x) => sg.checkSend(x), check: checkVerdict, fields: sendFields },
  "checkSend(text)": { base: textRequest, call: (x) => sg.checkSend(x), check: checkVerdict, fields: textFields },
  metaRequest: { base: sendRequest, call: (x) => sg.metaRequest(x), check: checkMetaRequest, fields: sendFields },
  pickTemplates: { base: pickRequest, call: (x) => sg.pickTemplates(x), check: checkOptions, fields: pickFields },
  normalizePhone: { base: phoneInput, call: (x) => sg.normalizePhone(x), check: checkPhone, fields: phoneFields },
  checkAudience: {
    base: () => ({ csv: CSV, options: audienceOptions() }),
    call: (x) => sg.checkAudience(x.csv, x.options),
    check: checkAudienceReport,
    fields: [["csv", "csvtext"], ...audienceFields],
  },
  classifyFailure: {
    base: graphError,
    call: (x) => sg.classifyFailure(x),
    check: checkClassification,
    neverThrows: true, // SPEC: "never throws on odd input: reason UNKNOWN"
    fields: [["", "any"], ["error", "any"], ["error.code", "any"], ["error.message", "any"], ["error.error_data.details", "any"]],
  },
  classifyWebhook: {
    base: webhook,
    call: (x) => sg.classifyWebhook(x),
    check: checkEvents,
    fields: [
      ["", "any"],
      ["entry", "any"],
      ["entry[0].changes[0].field", "any"],
      ["entry[0].changes[0].value.statuses[0].status", "any"],
      ["entry[0].changes[0].value.statuses[0].timestamp", "any"],
      ["entry[0].changes[0].value.statuses[0].recipient_id", "any"],
      ["entry[0].changes[0].value.statuses[0].errors[0].code", "any"],
      ["entry[0].changes[0].value.metadata.phone_number_id", "any"],
    ],
  },
  triage: {
    base: () => ["CUSTOMER_IS_NOT_OPTED_IN", 131049, graphError(), webhook()],
    call: (x) => sg.triage(x),
    check: checkTriage,
    fields: [["", "anyArray"], ["[0]", "any"], ["[2].error.code", "any"], ["[3].entry[0].changes[0].value.statuses[0].errors[0].code", "any"]],
  },
};

// ---------------------------------------------------------------------------------------------
// Setting a value at a path ("a.b[0].c"); `undefined` removes the key, as JSON.stringify would.

function parsePath(path) {
  const parts = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return parts;
}
function setAt(root, path, value) {
  const parts = parsePath(path);
  if (parts.length === 0) return value;
  let o = root;
  for (const p of parts.slice(0, -1)) {
    if (o[p] === null || typeof o[p] !== "object") o[p] = typeof p === "number" ? [] : {};
    o = o[p];
  }
  const last = parts.at(-1);
  if (value === undefined && !Array.isArray(o)) delete o[last];
  else o[last] = value;
  return root;
}

// ---------------------------------------------------------------------------------------------
// Values per category, and what each kind of field must do with them: "throw" (a
// SendgateInputError at the field), "ok" (a correct result), "either".

const nest = (depth, leaf = "x") => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? { k: v } : [v];
  return v;
};
const huge = (ch = "a") => ch.repeat(MB10);
const fn = () => 1;
const cyclic = () => {
  const o = { a: 1 };
  o.self = o;
  return o;
};

const WRONG_FORMAT_DATES = [
  "28/11/2026",
  "11/28/2026",
  "2026-11-28",
  "2026-11-28 12:00:00",
  "2026-11-28T12:00:00",
  "2026-11-28T12:00Z",
  "20261128T120000Z",
  "Sat, 28 Nov 2026 12:00:00 GMT",
  "Nov 28 2026",
  "28 November 2026",
  "1795867200",
  "1795867200000",
  "2026-13-01T00:00:00Z",
  "2026-02-30T00:00:00Z",
  "2026-11-31T00:00:00Z",
  "2026-11-28T24:00:01Z",
  "2026-11-28T12:60:00Z",
  "2026-11-28T12:00:00+25:00",
  "2026-11-28T12:00:00 +01:00",
  "yesterday",
  "now",
  "",
  " ",
  "T",
  "2026-11-28T12:00:00Z trailing",
  "+275760-09-13T00:00:00.000Z",
  "-000001-01-01T00:00:00Z",
  "２０２６-１１-２８T１２:００:００Z",
  "2026-11-28T12:00:00\u0000Z",
  "\u202B2026-11-28T12:00:00Z",
];
const WRONG_TYPE_DATES = [1795867200, 0, -1, 1.5, true, [], {}, [NOW], { iso: NOW }];
const ODD_BUT_VALID_DATES = ["2026-11-28T12:00:00+05:30", "2026-11-28T12:00:00.123456789Z", "2026-11-28T06:00:00-06:00"];

const CONTROL = ["\u0000", "\u0007\u001b[2J", "a\r\nb", "\t", "\u007f", "\u2028\u2029", "\u0000".repeat(1000), "\ufeff"];
const SURROGATES = ["\uD800", "\uDFFF", "abc\uDBFF", "\uDC00abc", "\uDBFF\uDBFF", "\uDE00\uD83D", "😀\uD800😀"];
const NUMBERS = [0, 42, -1, 1.5, 1e21, 447911123456, NaN, Infinity, -0];
const WRONG_TYPES_FOR_STRING = [true, false, [], ["a"], {}, { value: "a" }];
const WRONG_TYPES_FOR_NUMBER = ["1", "ten", "", true, [], [1], {}, { value: 1 }];
const WRONG_TYPES_FOR_OBJECT = ["x", "", 1, true, [], [{}]];
const WRONG_TYPES_FOR_ARRAY = ["x", 1, true, {}, { 0: "a" }];
const WRONG_TYPES_FOR_BOOL = ["true", "", 0, 1, [], [true], {}, { value: true }];
const NOT_JSON = [fn, Symbol("x"), 10n, undefined];

/** Variants of an enum's valid value that may be read leniently (then must mean that value). */
const enumLenient = (v) => [v.toLowerCase(), ` ${v} `, v[0] + v.slice(1).toLowerCase()];
const ENUM_UNKNOWN = ["", " ", "SMS", "unknown_value_x", "__proto__", "constructor", "DROP TABLE", "ＳＵＢＳＣＲＩＢＥＤ", "SUBSCRIBED\u0000", "\u202Ecampaign"];

/** The cases of one category for one field: [label, value, expect]. */
function casesFor(category, kind, valid) {
  const isStr = ["str", "str?", "free", "phone"].includes(kind);
  // Strings with a format: a bad one is an input error, whatever its content.
  const isFormatted = kind.startsWith("enum") || kind.startsWith("date") || kind === "bsuid?";
  const isNumber = kind.startsWith("num") || kind.startsWith("price") || kind.startsWith("count");
  const optional = kind.endsWith("?") || kind === "phone";
  const any = kind === "any" || kind === "anyArray";
  switch (category) {
    case "wrong types": {
      if (any) return [...WRONG_TYPES_FOR_OBJECT, ...NOT_JSON.slice(0, 3), cyclic()].map((v) => [v, "either"]);
      if (kind === "csvtext") return [1, true, {}, [], fn].map((v) => [v, "throw"]);
      if (isStr || isFormatted || kind === "callback?") return WRONG_TYPES_FOR_STRING.map((v) => [v, "throw"]);
      if (isNumber) return WRONG_TYPES_FOR_NUMBER.map((v) => [v, "throw"]);
      if (kind === "bool?") return WRONG_TYPES_FOR_BOOL.map((v) => [v, "throw"]);
      if (kind.startsWith("obj"))
        return [
          ...WRONG_TYPES_FOR_OBJECT.map((v) => [v, "throw"]),
          // JSON.stringify drops functions and symbols in an object: an optional field is then absent.
          ...NOT_JSON.slice(0, 3).map((v) => [v, optional && typeof v !== "bigint" ? "ok" : "throw"]),
        ];
      if (kind.startsWith("arr")) return WRONG_TYPES_FOR_ARRAY.map((v) => [v, "throw"]);
      return [];
    }
    case "null/undefined": {
      if (any) return [[null, "either"], [undefined, "either"]];
      if (kind === "csvtext") return [[null, "throw"], [undefined, "throw"]];
      if (kind === "phone") return [[null, "ok:missing-phone"], [undefined, "ok:missing-phone"]];
      return [
        [null, optional ? "ok" : "throw"],
        [undefined, optional ? "ok" : "throw"],
      ];
    }
    case "numbers where strings go": {
      if (any) return NUMBERS.map((v) => [v, "either"]);
      if (kind === "csvtext") return NUMBERS.slice(0, 3).map((v) => [v, "throw"]);
      if (kind === "phone") return NUMBERS.map((v) => [v, Number.isFinite(v) ? "either" : "ok:missing-phone"]);
      if (isStr || isFormatted || kind === "callback?" || kind === "bool?")
        // NaN and Infinity serialise as null.
        return NUMBERS.map((v) => [v, Number.isFinite(v) ? "throw" : optional ? "ok" : "throw"]);
      return [];
    }
    case "numbers out of range": {
      // NaN and Infinity serialise as null: absent where optional.
      const absent = [NaN, Infinity].map((v) => [v, optional ? "ok" : "throw"]);
      if (kind.startsWith("price")) return [[-1, "throw"], [-0.01, "throw"], [-1e21, "throw"], [0, "ok"], [2.5, "ok"], [1e9, "ok"], ...absent];
      if (kind.startsWith("count")) return [[-1, "throw"], [1.5, "throw"], [2 ** 64, "throw"], [0, "ok"], [7, "ok"], [2 ** 40, "ok"], ...absent];
      return [];
    }
    case "10 MB strings": {
      if (kind === "csvtext") return [[huge(), "ok"], [`Phone\n"${huge("x")}"\n`, "ok"], [huge("\n"), "ok"]];
      if (any) return [[huge(), kind === "anyArray" ? "either" : "ok"], [huge("9"), kind === "anyArray" ? "either" : "ok"]];
      if (kind === "str" || kind === "str?") return [[huge(), "either"]];
      if (kind === "free") return [[huge(), "ok:not-approved"]];
      if (kind === "phone") return [[huge("9"), "either"], [`+${huge("4")}`, "either"]];
      if (isFormatted) return [[huge("A"), "throw"]];
      if (kind === "bsuid?") return [[`US.${huge("1")}`, "throw"]];
      if (kind === "callback?") return [[huge(), "throw"]];
      if (isNumber || kind === "bool?" || kind.startsWith("obj") || kind.startsWith("arr")) return [[huge(), "throw"]];
      return [];
    }
    case "deeply nested JSON": {
      const deep = [nest(10_000), nest(1_000), nest(129)];
      if (any || kind === "csvtext") return deep.map((v) => [v, kind === "csvtext" ? "throw" : "either"]);
      // An object field may ignore the unknown keys of a nested object; anything else is refused.
      return deep.map((v) => [v, kind.startsWith("obj") && !Array.isArray(v) ? "either" : "throw"]);
    }
    case "invalid UTF-16 surrogates": {
      if (kind === "csvtext" || any) return SURROGATES.map((v) => [v, "either"]);
      if (isStr || kind === "callback?") return SURROGATES.map((v) => [v, "either"]);
      if (isFormatted) return SURROGATES.map((v) => [v, "throw"]);
      return [];
    }
    case "control characters": {
      if (kind === "csvtext" || any) return CONTROL.map((v) => [v, "either"]);
      if (isStr || kind === "callback?") return CONTROL.map((v) => [v, "either"]);
      if (isFormatted) return CONTROL.map((v) => [v, "throw"]);
      return [];
    }
    case "phones: RTL marks and full-width digits": {
      if (kind !== "phone") return [];
      return PHONE_VARIANTS.map(([v, expect]) => [v, expect]);
    }
    case "dates in wrong formats": {
      if (!kind.startsWith("date")) return [];
      return [
        ...WRONG_FORMAT_DATES.map((v) => [v, "throw"]),
        ...WRONG_TYPE_DATES.map((v) => [v, "throw"]),
        ...ODD_BUT_VALID_DATES.map((v) => [v, "ok"]),
        [new Date(NOW), "ok"],
        [new Date("not a date"), optional ? "ok" : "throw"], // serialises as null: absent
      ];
    }
    case "unknown enum values": {
      if (kind === "free") return ENUM_UNKNOWN.map((v) => [v, "ok:not-approved"]);
      if (!kind.startsWith("enum")) return [];
      return [...ENUM_UNKNOWN.map((v) => [v, "throw:allowed"]), ...enumLenient(valid).map((v) => [v, "lenient"])];
    }
    case "business-scoped user IDs": {
      if (kind !== "bsuid?") return [];
      return BSUIDS;
    }
    case "callback data length": {
      if (kind !== "callback?") return [];
      return [["x".repeat(512), "ok"], ["é".repeat(512), "ok"], ["😀".repeat(512), "ok"], ["x".repeat(513), "throw"], ["", "ok"]];
    }
  }
  return [];
}

// Meta's BSUID: `CC.` then 1–128 ASCII letters or digits; a parent BSUID is `CC.ENT.…`.
const BSUIDS = [
  ["US.13491208655302741918", "ok"],
  ["US.ENT.13491208655302741918", "ok"],
  ["BR.a", "ok"],
  [`MX.${"9".repeat(128)}`, "ok"],
  ["US 13491208655302741918", "throw"],
  ["US.1349 1208655302741918", "throw"],
  [" US.1349", "throw"],
  ["US.1349 ", "throw"],
  ["us.1349", "throw"],
  ["USA.1349", "throw"],
  ["U.1349", "throw"],
  ["US.", "throw"],
  ["US.ENT.", "throw"],
  ["US.12-34", "throw"],
  ["US.12_34", "throw"],
  ["US.１２３", "throw"],
  ["13491208655302741918", "throw"],
  ["+13491208655302741918", "throw"],
  [`MX.${"9".repeat(129)}`, "throw"],
  ["", "throw"],
];

// The same person's number written with bidi marks, full-width or Arabic-Indic digits: the
// phone's meaning does not change, so the result must be the plain number's.
const PHONE_VARIANTS = [
  ["\u200F+447911123456", "same-phone"],
  ["+447911123456\u200E", "same-phone"],
  ["\u202B+44 7911 123456\u202C", "same-phone"],
  ["\u2067+44 7911 123456\u2069", "same-phone"],
  ["\u061C+447911123456", "same-phone"],
  ["＋４４７９１１１２３４５６", "same-phone"],
  ["+４４ ７９１１ １２３４５６", "same-phone"],
  ["+٤٤٧٩١١١٢٣٤٥٦", "same-phone"],
  ["+۴۴۷۹۱۱۱۲۳۴۵۶", "same-phone"],
  ["\u00A0+44\u00A07911\u00A0123456\u00A0", "same-phone"],
  ["+44\u20117911\u2011123456", "same-phone"],
  ["+44 (0) 7911 123456", "either"],
  ["\u202E654321119744+", "either"],
  ["+44\u200B7911\u200B123456", "either"],
];

const CATEGORIES = [
  "wrong types",
  "null/undefined",
  "numbers where strings go",
  "10 MB strings",
  "deeply nested JSON",
  "invalid UTF-16 surrogates",
  "control characters",
  "phones: RTL marks and full-width digits",
  "dates in wrong formats",
  "unknown enum values",
  "numbers out of range",
  "business-scoped user IDs",
  "callback data length",
];

// ---------------------------------------------------------------------------------------------
// The runner

const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0]));
const outcomes = { result: 0, thrown: 0 };

/** The module still answers a normal call correctly (no trap, no poisoned state). */
function assertHealthy(after) {
  let v;
  try {
    v = sg.checkSend({
      contact: { phone: PHONE, marketing_state: "SUBSCRIBED" },
      source: "campaign",
      message: { type: "template", template: template(), parameters: ["Ana"] },
      now: NOW,
    });
  } catch (e) {
    throw new Error(`the module no longer answers after ${after}: ${e?.name}: ${e?.message}`);
  }
  assert.equal(v.eligible, true, `normal checkSend after ${after}`);
  assert.equal(v.to, PHONE, `normal checkSend after ${after}`);
}

// For the whole input (field ""), any path is specific enough (e.g. a missing `contact`).
const pathNames = (got, field) =>
  field === "" || got === field || got.startsWith(`${field}.`) || got.startsWith(`${field}[`);

function expectThrown(e, field, label) {
  assert.ok(e instanceof Error, `${label}: threw a non-Error ${String(e)}`);
  assert.equal(e.name, "SendgateInputError", `${label}: ${e.name}: ${e.message}`);
  assert.equal(typeof e.path, "string", `${label}: path`);
  assert.ok(pathNames(e.path, field), `${label}: path ${JSON.stringify(e.path)} does not name ${JSON.stringify(field)} (${e.message.slice(0, 160)})`);
  assert.ok(Array.isArray(e.allowed), `${label}: allowed`);
  assert.ok(e.message.length < 10_000, `${label}: a ${e.message.length}-char message echoes the input`);
}

function describe(v) {
  if (typeof v === "string") return v.length > 40 ? `string(${v.length})` : JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "symbol" || typeof v === "function") return typeof v;
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 40 ? `${Array.isArray(v) ? "array" : "object"}(${s.length} chars)` : s;
  } catch {
    return Array.isArray(v) ? "deep array" : "unserialisable object";
  }
}

/** Call a target with `value` at `field`; returns a violation message or null. */
function runCase(name, target, field, kind, value, expect, valid) {
  const input = setAt(target.base(), field, value);
  const label = `${name} ${field || "(input)"} = ${describe(value)}`;
  let result;
  let error;
  let threw = false;
  try {
    result = target.call(input);
  } catch (e) {
    threw = true;
    error = e;
  }
  try {
    const anyKind = kind === "any" || kind === "anyArray";
    if (threw) {
      outcomes.thrown++;
      if (target.neverThrows) assert.fail(`${label}: must not throw, threw ${error?.name} at ${JSON.stringify(error?.path)}: ${String(error?.message).slice(0, 160)}`);
      if (expect === "ok" || expect.startsWith("ok:") || expect === "same-phone")
        assert.fail(`${label}: expected a result, got ${error?.name} at ${JSON.stringify(error?.path)}: ${String(error?.message).slice(0, 160)}`);
      // Functions that take unknown data may reject the whole input (path "").
      expectThrown(error, anyKind && error?.path === "" ? "" : field, label);
      if (expect === "throw:allowed") assert.ok(error.allowed.length > 0 && error.allowed.includes(valid), `${label}: allowed lists ${valid}: ${error.allowed}`);
    } else {
      outcomes.result++;
      if (expect === "throw" || expect === "throw:allowed") assert.fail(`${label}: expected a SendgateInputError at ${field}, got a result`);
      target.check(result);
      const blockers = result?.blockers?.map((b) => b.reason) ?? result?.[0]?.findings?.map((f) => f.reason) ?? [];
      // With a BSUID the missing phone only warns (SPEC "Recipients").
      const warnings = result?.warnings?.map((w) => w.reason) ?? [];
      if (expect === "ok:missing-phone" && name.startsWith("checkSend")) assert.ok([...blockers, ...warnings].includes("CUSTOMER_IS_MISSING_PHONE"), `${label}: ${blockers} / ${warnings}`);
      if (expect === "ok:missing-phone" && name === "normalizePhone") assert.equal(result.e164, null, label);
      if (expect === "ok:not-approved" && name.startsWith("checkSend")) assert.ok(blockers.includes("TEMPLATE_NOT_APPROVED"), `${label}: ${blockers}`);
      if (expect === "ok:not-approved" && name === "pickTemplates") {
        const o = result.find((o) => o.template.name === input.templates[0].name && o.template.status === input.templates[0].status);
        assert.ok(o && !o.pickable && o.findings.some((f) => f.reason === "TEMPLATE_NOT_APPROVED"), label);
      }
      if (expect === "ok:not-approved" && name === "checkAudience") assert.equal(result.eligible, 0, label);
      if (expect === "same-phone" || expect === "lenient") {
        // Read leniently: then it must mean exactly what the plain value means.
        const plain = target.call(target.base());
        const comparable = (r) => JSON.stringify(r, (k, v) => (k === "message" || k === "template" ? undefined : v));
        if (name === "normalizePhone") assert.equal(result.e164, PHONE, label);
        else assert.equal(comparable(result), comparable(plain), `${label}: read differently from ${JSON.stringify(valid ?? PHONE)}`);
      }
    }
    return null;
  } catch (e) {
    return e.message;
  } finally {
    assertHealthy(label);
  }
}

// Per-target phone field for the phone categories: checkSend's contact.phone is +447911123456.
targets.normalizePhone.base = () => ({ phone: PHONE, phone_country_code: "GB", phone_calling_code: "44" });

for (const category of CATEGORIES) {
  test(`bad input: ${category}`, () => {
    const violations = [];
    for (const [name, target] of Object.entries(targets)) {
      for (const [field, kind, valid] of target.fields) {
        for (const [value, expect] of casesFor(category, kind, valid)) {
          counts[category]++;
          const v = runCase(name, target, field, kind, value, expect, valid);
          if (v) violations.push(v);
        }
      }
    }
    assert.ok(counts[category] > 0, "the category has cases");
    // BAD_INPUT_SHOW=all lists every violation (default: the first 40).
    const show = process.env.BAD_INPUT_SHOW === "all" ? Infinity : 40;
    if (violations.length)
      assert.fail(`${violations.length} of ${counts[category]} cases violated:\n  ${violations.slice(0, show).join("\n  ")}${violations.length > show ? `\n  … and ${violations.length - show} more` : ""}`);
  });
}

// Whole-argument junk for the functions that take one argument of any kind, and the catalog.
test("bad input: whole arguments that are not data", () => {
  const violations = [];
  for (const value of [...NOT_JSON, cyclic(), nest(10_000), null, 0, "", "{", "[]", "null"]) {
    for (const name of ["classifyFailure"]) {
      // SPEC: classifyFailure never throws on odd input; its answer is reason UNKNOWN.
      counts["wrong types"]++;
      try {
        const c = sg.classifyFailure(value);
        checkClassification(c);
      } catch (e) {
        violations.push(`${name}(${describe(value)}) threw ${e?.name} at ${JSON.stringify(e?.path)}: ${e?.message}`);
      }
      assertHealthy(`${name}(${describe(value)})`);
    }
  }
  assert.deepEqual(violations, []);
});

after(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log("bad-input cases per category:");
  for (const [c, n] of Object.entries(counts)) console.log(`  ${c.padEnd(42)} ${String(n).padStart(5)}`);
  console.log(`  ${"total".padEnd(42)} ${String(total).padStart(5)}  (${outcomes.result} results, ${outcomes.thrown} SendgateInputErrors; the module answered a normal checkSend after every case)`);
});
