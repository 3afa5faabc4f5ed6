// The sandbox Meta Graph API itself, in plain Node (no workerd): every endpoint's request and
// response shapes, the webhook bodies it posts compared structurally with real ones from
// ../shared/realworld/ (skipped with a message where that folder is absent), signatures, and the
// campaign modes (pause after N sends, throughput limit, call log).
import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { maxInWindow } from "../sandbox/calls.mjs";
import { behaviourOf, startSandbox } from "../sandbox/server.mjs";

const REAL = join(dirname(fileURLToPath(import.meta.url)), "../../../shared/realworld");
const haveReal = existsSync(REAL);
/** A real body (a webhook by file name, or `errors/<file>`), null when the material is absent. */
const real = (file) => (haveReal ? JSON.parse(readFileSync(join(REAL, file.includes("/") ? file : `webhooks/${file}`), "utf8")) : null);

const TOKEN = "sandbox-test-token";
const SECRET = "sandbox-test-secret";
const AUTH = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

/** Every path of a JSON value with its type; array items share one path (`a[]`). */
function paths(value, prefix = "$", out = new Map()) {
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  out.set(prefix, type);
  if (type === "array") for (const item of value) paths(item, `${prefix}[]`, out);
  else if (type === "object") for (const [k, v] of Object.entries(value)) paths(v, `${prefix}.${k}`, out);
  return out;
}

const under = (path, roots) => roots.some((r) => path === r || path.startsWith(`${r}.`) || path.startsWith(`${r}[`));

/** `posted` has every path of `real` with the same JSON type (except under `missing`: what the
 *  real body has and Meta's current shape does not), and nothing more than the documented `extra`. */
function assertSameShape(posted, realBody, { extra = [], missing = [] } = {}) {
  if (realBody === null) return;
  const p = paths(posted);
  const r = paths(realBody);
  for (const [path, type] of r) if (!under(path, missing)) assert.equal(p.get(path), type, `${path}: the sandbox's is ${p.get(path) ?? "absent"}, the real body's ${type}`);
  for (const path of p.keys()) if (!r.has(path)) assert.ok(under(path, extra), `the sandbox adds ${path}, which the real body does not have`);
}

/** A webhook receiver standing in for the worker: records each POST with its raw bytes. */
async function startReceiver() {
  const received = [];
  let status = 200;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      received.push({ raw, signature: req.headers["x-hub-signature-256"], body: JSON.parse(raw.toString("utf8")) });
      res.writeHead(status).end();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}/webhooks/meta`,
    received,
    answer: (s) => {
      status = s;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

const verifies = ({ raw, signature }) => {
  const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`);
  return typeof signature === "string" && signature.length === expected.length && timingSafeEqual(Buffer.from(signature), expected);
};

async function until(fn, ms = 3000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("real-world bodies to compare the sandbox's with", { skip: haveReal ? false : `${REAL} is absent: the structural comparisons with real bodies are skipped` }, () => {
  assert.ok(existsSync(join(REAL, "webhooks")) && existsSync(join(REAL, "errors")));
});

let sandbox;
let receiver;
before(async () => {
  receiver = await startReceiver();
  sandbox = await startSandbox({ accessToken: TOKEN, appSecret: SECRET, webhookUrl: receiver.url, webhookDelayMs: 5 });
});
after(async () => {
  await sandbox.close();
  await receiver.close();
});
beforeEach(() => {
  sandbox.reset();
  receiver.answer(200);
});

async function call(method, path, body, headers = AUTH) {
  const res = await fetch(sandbox.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}
const control = (name, params = {}) => call("POST", `/_sandbox/${name}`, params);
const sendTo = (endpoint, body, phoneNumberId = "100000001") => call("POST", `/v24.0/${phoneNumberId}/${endpoint}`, { messaging_product: "whatsapp", ...body });
const template = (name, language = "en_US") => ({ type: "template", template: { name, language: { code: language } } });
const text = { type: "text", text: { body: "hello" } };

let n = 0;
/** A UK number, unique per test, ending in `behaviour`. */
const phone = (behaviour = "000") => `+447911${String(++n % 1000).padStart(3, "0")}${behaviour}`;
const bsuid = (behaviour = "000") => `US.1349120865530${String(++n % 10_000).padStart(4, "0")}${behaviour}`;

/** The status webhooks received for one wamid, in arrival order. */
const statusesOf = (wamid) => receiver.received.map((r) => r.body.entry[0].changes[0].value).filter((v) => v.statuses?.[0]?.id === wamid);
const receivedField = (field) => receiver.received.filter((r) => r.body.entry[0].changes[0].field === field);

describe("send endpoints", () => {
  test("a template the sandbox does not know is sent as before: accepted, with message_status", async () => {
    const r = await sendTo("messages", { to: "+52 55 1234 5678", ...template("order_update") });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.contacts, [{ input: "+52 55 1234 5678", wa_id: "5215512345678" }]);
    assert.equal(r.json.messages[0].message_status, "accepted");
    assert.match(r.json.messages[0].id, /^wamid\./);
  });

  test("behaviour by the last three digits stays for phone numbers", async () => {
    for (const [digits, status, code] of [["102", 400, 130429], ["103", 400, 131056], ["113", 404, 132001], ["114", 401, 190]]) {
      const r = await sendTo("messages", { to: phone(digits), ...text });
      assert.equal(r.status, status, digits);
      assert.equal(r.json.error.code, code, digits);
    }
  });

  test("/marketing_messages takes MARKETING templates and answers message_status", async () => {
    sandbox.setTemplates([{ name: "spring_sale", category: "MARKETING" }]);
    const to = phone();
    const r = await sendTo("marketing_messages", { to, ...template("spring_sale") });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.contacts, [{ input: to, wa_id: to.slice(1) }]);
    assert.equal(r.json.messages[0].message_status, "accepted");
    const wamid = r.json.messages[0].id;
    await until(() => statusesOf(wamid).length === 3);
    assert.equal(statusesOf(wamid)[0].statuses[0].pricing.category, "marketing");
    // A template the sandbox does not know is taken as marketing there too (non-strict).
    assert.equal((await sendTo("marketing_messages", { to: phone(), ...template("unregistered") })).status, 200);
  });

  test("/marketing_messages refuses other categories with 131055 and non-templates with 100", async () => {
    sandbox.setTemplates([{ name: "order_shipped", category: "UTILITY" }, { name: "login_code", category: "AUTHENTICATION" }]);
    const realError = real("errors/meta_docs__mm_api_100_must_be_template.json");
    for (const name of ["order_shipped", "login_code"]) {
      const r = await sendTo("marketing_messages", { to: phone(), ...template(name) });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.code, 131055);
      assert.equal(r.json.error.message, "(#131055) Method not allowed");
      assert.equal(r.json.error.error_data.details, "Only marketing template messages are supported");
      assertSameShape(r.json, realError);
    }
    const r = await sendTo("marketing_messages", { to: phone(), ...text });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.error_data.details, "Message must be a template message.");
    if (realError) assert.deepEqual({ ...r.json.error, fbtrace_id: null }, { ...realError.error, fbtrace_id: null });
    assert.equal(sandbox.calls.at(-1).endpoint, "marketing_messages");
  });

  test("marketing disabled on Cloud API: MARKETING on /messages answers 131063, other categories and /marketing_messages still send", async () => {
    sandbox.setTemplates([{ name: "spring_sale", category: "MARKETING" }, { name: "order_shipped", category: "UTILITY" }]);
    assert.equal((await sendTo("messages", { to: phone(), ...template("spring_sale") })).status, 200);
    const config = await control("config", { disable_marketing_messages_on_cloud_api: true });
    assert.equal(config.json.config.disableMarketingOnCloudApi, true);
    const r = await sendTo("messages", { to: phone(), ...template("spring_sale") });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 131063);
    assert.match(r.json.error.error_data.details, /disabled for your Cloud API configuration/);
    assert.equal((await sendTo("messages", { to: phone(), ...template("order_shipped") })).status, 200);
    assert.equal((await sendTo("marketing_messages", { to: phone(), ...template("spring_sale") })).status, 200);
    assert.equal((await call("GET", "/v24.0/102290129340398?fields=disable_marketing_messages_on_cloud_api")).json.disable_marketing_messages_on_cloud_api, true);
  });

  test("the registry decides: paused 132015, disabled 132016, not approved or another language 132001, strict mode", async () => {
    sandbox.setTemplates([
      { name: "paused_one", status: "PAUSED" },
      { name: "disabled_one", status: "DISABLED" },
      { name: "pending_one", status: "PENDING" },
      { name: "welcome", language: "en_US" },
    ]);
    const codes = {};
    for (const [name, lang] of [["paused_one", "en_US"], ["disabled_one", "en_US"], ["pending_one", "en_US"], ["welcome", "pt_BR"], ["welcome", "en_US"]]) {
      const r = await sendTo("messages", { to: phone(), ...template(name, lang) });
      codes[`${name}/${lang}`] = r.json.error?.code ?? r.status;
    }
    assert.deepEqual(codes, { "paused_one/en_US": 132015, "disabled_one/en_US": 132016, "pending_one/en_US": 132001, "welcome/pt_BR": 132001, "welcome/en_US": 200 });
    const missing = await sendTo("messages", { to: phone(), ...template("welcome", "pt_BR") });
    assert.equal(missing.json.error.error_data.details, "template name (welcome) does not exist in pt_BR");
    sandbox.configure({ strictTemplates: true });
    assert.equal((await sendTo("messages", { to: phone(), ...template("never_registered") })).json.error.code, 132001);
  });

  test("templates are managed over HTTP too, and bad input names the field", async () => {
    const r = await control("templates", { templates: [{ name: "a", category: "MARKETING" }, { name: "b", category: "PROMO" }] });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.path, "templates[1].category");
    assert.equal((await control("templates", { name: "c", status: "PAUSED", category: "UTILITY" })).status, 200);
    const list = (await call("GET", "/_sandbox/templates")).json.templates;
    const c = list.find((t) => t.name === "c");
    assert.deepEqual([c.language, c.category, c.status], ["en_US", "UTILITY", "PAUSED"]);
    assert.equal((await control("templates", { reset: true })).json.templates.length, 0);
    assert.equal((await call("POST", "/_sandbox/templates", undefined, { "content-type": "application/json" })).status, 200);
  });

  test("a send without the access token is 190 and still recorded", async () => {
    const r = await call("POST", "/v24.0/100000001/messages", { messaging_product: "whatsapp", to: phone(), ...text }, { "content-type": "application/json" });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 190);
    assert.equal(sandbox.calls.at(-1).behaviour, "unauthorized");
  });
});

describe("BSUID recipients", () => {
  test("a send to `recipient` answers contacts[].user_id without wa_id; its statuses carry recipient_user_id", async () => {
    const id = bsuid();
    const r = await sendTo("messages", { recipient: id, ...text });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.contacts, [{ input: id, user_id: id }]);
    const wamid = r.json.messages[0].id;
    await until(() => statusesOf(wamid).length === 3);
    for (const v of statusesOf(wamid)) {
      assert.deepEqual(v.contacts, [{ user_id: id }]);
      assert.equal(v.statuses[0].recipient_user_id, id);
      assert.equal("recipient_id" in v.statuses[0], false, "no phone number is known for this user");
    }
    assert.equal(sandbox.callsTo(id), 1);
    assert.equal(sandbox.calls.at(-1).to, null);
  });

  test("a BSUID chooses its behaviour by its last three digits; a failed status has no contacts", async () => {
    assert.equal(behaviourOf("US.13491208655302741101"), "undeliverable_131026");
    assert.equal(behaviourOf("US.ENT.ABC"), "ok");
    const limited = await sendTo("messages", { recipient: bsuid("102"), ...text });
    assert.equal(limited.json.error.code, 130429);
    const id = bsuid("101");
    const r = await sendTo("messages", { recipient: id, ...text });
    const wamid = r.json.messages[0].id;
    const [failed] = await until(() => statusesOf(wamid).length === 1 && statusesOf(wamid));
    assert.equal(failed.statuses[0].status, "failed");
    assert.equal(failed.statuses[0].errors[0].code, 131026);
    assert.equal(failed.statuses[0].recipient_user_id, id);
    assert.equal("contacts" in failed, false);
  });

  test("`to` wins over `recipient`; the statuses then carry both ids, as Meta's do", async () => {
    const to = phone();
    const id = bsuid();
    const r = await sendTo("messages", { to, recipient: id, ...template("order_update") });
    assert.deepEqual(r.json.contacts, [{ input: to, wa_id: to.slice(1) }]);
    const wamid = r.json.messages[0].id;
    await until(() => statusesOf(wamid).length === 3);
    const sent = receiver.received.find((x) => x.body.entry[0].changes[0].value.statuses?.[0]?.id === wamid).body;
    assert.deepEqual(sent.entry[0].changes[0].value.contacts, [{ wa_id: to.slice(1), user_id: id }]);
    assertSameShape(sent, real("otima_log__status_sent_utility_pmp_bsuid.json"), { missing: ["$._target_core", "$.entry[].changes[].value.statuses[].conversation"] });
  });

  test("an AUTHENTICATION template to a BSUID is 131062; to a phone number it sends", async () => {
    sandbox.setTemplates([{ name: "login_code", category: "AUTHENTICATION" }]);
    const r = await sendTo("messages", { recipient: bsuid(), ...template("login_code") });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 131062);
    assert.equal((await sendTo("messages", { to: phone(), ...template("login_code") })).status, 200);
  });

  test("a `recipient` that is not a BSUID, without `to`, is an invalid parameter", async () => {
    const r = await sendTo("messages", { recipient: "kfisher", ...text });
    assert.equal(r.json.error.code, 100);
  });

  test("a user linked by an inbound carrying both ids gets its wa_id in the statuses of BSUID sends", async () => {
    const id = bsuid();
    const to = phone();
    await control("inbound", { from: to, user_id: id, text: "hi" });
    const wamid = (await sendTo("messages", { recipient: id, ...text })).json.messages[0].id;
    const [sent] = await until(() => statusesOf(wamid).length === 3 && statusesOf(wamid));
    assert.deepEqual(sent.contacts, [{ wa_id: to.slice(1), user_id: id }]);
    assert.deepEqual([sent.statuses[0].recipient_id, sent.statuses[0].recipient_user_id], [to.slice(1), id]);
  });

  test("userIdsForPhones: a phone send's delivered status links the wa_id to a stable BSUID", async () => {
    sandbox.configure({ userIdsForPhones: true });
    const to = phone();
    const ids = [];
    for (let i = 0; i < 2; i++) {
      const wamid = (await sendTo("messages", { to, ...text })).json.messages[0].id;
      const [sent] = await until(() => statusesOf(wamid).length === 3 && statusesOf(wamid));
      assert.equal(sent.statuses[0].recipient_id, to.slice(1));
      ids.push(sent.statuses[0].recipient_user_id);
    }
    assert.match(ids[0], /^ZZ\.\d+$/);
    assert.equal(ids[1], ids[0]);
    const inbound = (await control("inbound", { from: to, text: "hi" })).json.posted.entry[0].changes[0].value;
    assert.deepEqual(inbound.contacts[0], { profile: { name: "Sandbox customer" }, wa_id: to.slice(1), user_id: ids[0] });
    assert.equal(inbound.messages[0].from_user_id, ids[0]);
  });
});

describe("health_status", () => {
  const health = (node = "100000001", headers = AUTH) => call("GET", `/v24.0/${node}?fields=health_status`, undefined, headers);

  test("a phone number node reports PHONE_NUMBER, WABA, BUSINESS and APP, all AVAILABLE by default", async () => {
    const r = await health();
    assert.equal(r.status, 200);
    assert.equal(r.json.id, "100000001");
    assert.equal(r.json.health_status.can_send_message, "AVAILABLE");
    assert.deepEqual(
      r.json.health_status.entities.map((e) => [e.entity_type, e.id, e.can_send_message]),
      [["PHONE_NUMBER", "100000001", "AVAILABLE"], ["WABA", "102290129340398", "AVAILABLE"], ["BUSINESS", "506914307656634", "AVAILABLE"], ["APP", "634974688087057", "AVAILABLE"]],
    );
  });

  test("entities set from a test: BLOCKED with errors wins overall, LIMITED carries additional_info, one number at a time", async () => {
    const errors = [{ error_code: 141006, error_description: "There is an error with the payment method.", possible_solution: "Add a payment method." }];
    const set = await control("health", {
      entities: [
        { entity_type: "PHONE_NUMBER", id: "100000002", can_send_message: "BLOCKED", errors },
        { entity_type: "WABA", can_send_message: "LIMITED", additional_info: ["Messaging limit reached for today."] },
      ],
    });
    assert.equal(set.status, 200);
    const blocked = (await health("100000002")).json.health_status;
    assert.equal(blocked.can_send_message, "BLOCKED");
    assert.deepEqual(blocked.entities[0], { entity_type: "PHONE_NUMBER", id: "100000002", can_send_message: "BLOCKED", can_receive_call_sip: "AVAILABLE", errors });
    assert.deepEqual(blocked.entities[1].additional_info, ["Messaging limit reached for today."]);
    const other = (await health("100000001")).json.health_status;
    assert.equal(other.can_send_message, "LIMITED", "another number is not blocked, the WABA still limits it");
    const waba = (await health("102290129340398")).json.health_status;
    assert.deepEqual(waba.entities.map((e) => e.entity_type), ["WABA", "BUSINESS", "APP"]);
    await control("health", { reset: true });
    assert.equal((await health("100000002")).json.health_status.can_send_message, "AVAILABLE");
  });

  test("a template node reports MESSAGE_TEMPLATE; bad input names the field", async () => {
    sandbox.setTemplates([{ name: "spring_sale", category: "MARKETING" }]);
    const id = sandbox.templates.get("spring_sale", "en_US").id;
    await control("health", { entity_type: "MESSAGE_TEMPLATE", name: "spring_sale", can_send_message: "BLOCKED" });
    const r = (await health(String(id))).json.health_status;
    assert.equal(r.entities[0].entity_type, "MESSAGE_TEMPLATE");
    assert.equal(r.entities[0].can_send_message, "BLOCKED");
    assert.equal(r.entities[0].errors.length, 1);
    assert.equal(r.can_send_message, "BLOCKED");
    const bad = await control("health", { entities: [{ entity_type: "WABA", can_send_message: "DOWN" }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.path, "entities[0].can_send_message");
  });

  test("the access token is checked like the send endpoint's, and every read is counted", async () => {
    const before = sandbox.healthCalls("100000001");
    const sends = sandbox.calls.length;
    const denied = await health("100000001", {});
    assert.equal(denied.status, 401);
    assert.equal(denied.json.error.code, 190);
    await health();
    assert.equal((await call("GET", `/v24.0/100000001?fields=health_status&access_token=${TOKEN}`, undefined, {})).status, 200, "the token as a query parameter");
    await health("100000009");
    assert.equal(sandbox.healthCalls("100000001"), before + 3);
    assert.equal(sandbox.calls.length, sends, "reads are not send calls");
    const log = (await call("GET", "/_sandbox/calls?graph")).json.graph;
    assert.ok(log.health_status >= 3);
    assert.deepEqual(Object.keys(log.calls.at(-1)).sort(), ["at", "fields", "node_id", "status"]);
  });

  test("a BLOCKED entity with send_error_code makes sends fail with that Graph error", async () => {
    await control("health", { entity_type: "PHONE_NUMBER", id: "100000003", can_send_message: "BLOCKED", send_error_code: 131031 });
    const r = await sendTo("messages", { to: phone(), ...text }, "100000003");
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 131031);
    assert.equal((await sendTo("messages", { to: phone(), ...text }, "100000001")).status, 200);
    assert.equal((await control("health", { entity_type: "WABA", can_send_message: "BLOCKED", send_error_code: 4242 })).json.error.path, "send_error_code");
  });

  test("no payment method: WABA BLOCKED 141006, templates fail 131042, service messages are never delivered", async () => {
    sandbox.configure({ paymentMethod: false });
    const waba = (await health()).json.health_status.entities.find((e) => e.entity_type === "WABA");
    assert.equal(waba.can_send_message, "BLOCKED");
    assert.equal(waba.errors[0].error_code, 141006);
    const t = (await sendTo("messages", { to: phone(), ...template("order_update") })).json.messages[0].id;
    const s = (await sendTo("messages", { to: phone(), ...text })).json.messages[0].id;
    const [failed] = await until(() => statusesOf(t).length === 1 && statusesOf(t));
    assert.equal(failed.statuses[0].errors[0].code, 131042);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(statusesOf(s).length, 0);
  });

  test("phone number fields: throughput, messaging limit; an unknown field is a Graph error", async () => {
    const r = await call("GET", "/v24.0/100000001?fields=throughput,whatsapp_business_manager_messaging_limit,quality_rating");
    assert.deepEqual(r.json, { id: "100000001", throughput: { level: "STANDARD" }, whatsapp_business_manager_messaging_limit: "TIER_UNLIMITED", quality_rating: "GREEN" });
    const bad = await call("GET", "/v24.0/100000001?fields=colour");
    assert.equal(bad.json.error.code, 100);
    assert.match(bad.json.error.message, /nonexisting field \(colour\)/);
  });
});

describe("webhooks the sandbox posts", () => {
  /** Posts a control action and returns the body the receiver got, checking it is the one the
   *  sandbox said it posted and that its signature verifies. */
  async function posted(name, params) {
    const count = receiver.received.length;
    const r = await control(name, params);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.delivered, true);
    // Status webhooks of earlier sends may arrive meanwhile: pick the one this action posted.
    const got = receiver.received.slice(count).filter((x) => JSON.stringify(x.body) === JSON.stringify(r.json.posted));
    assert.equal(got.length, 1);
    assert.ok(verifies(got[0]), "X-Hub-Signature-256 verifies with the app secret");
    assert.deepEqual(got[0].body, r.json.posted);
    return got[0].body;
  }
  const valueIn = (body) => body.entry[0].changes[0].value;

  test("account_update: restriction, violation, ban, MM API terms, pricing tier, offboarding, in Meta's shapes", async () => {
    const restriction = await posted("account-update", { event: "ACCOUNT_RESTRICTION", restriction_type: "RESTRICTED_BIZ_INITIATED_MESSAGING", expiration: 1_800_000_000 });
    assertSameShape(restriction, real("pywa__account_update__account_restriction.json"));
    assert.deepEqual(valueIn(restriction).restriction_info, [{ restriction_type: "RESTRICTED_BIZ_INITIATED_MESSAGING", expiration: 1_800_000_000 }]);
    const pairs = [
      [{ event: "ACCOUNT_VIOLATION", violation_type: "ADULT" }, "pywa__account_update__account_violation.json"],
      [{ event: "DISABLED_UPDATE", ban_state: "SCHEDULE_FOR_DISABLE" }, "bindambc__accountBanned.json"],
      [{ event: "DISABLED_UPDATE", ban_state: "REINSTATE" }, "pywa__account_update__account_disabled.json"],
      [{ event: "MM_LITE_TERMS_SIGNED" }, "pywa__account_update__mm_api_for_wa_terms_of_service.json"],
      [{ event: "VOLUME_BASED_PRICING_TIER_UPDATE" }, "pywa__account_update__pricing_tiering_update.json"],
      [{ event: "ACCOUNT_OFFBOARDED" }, "pywa__account_update__account_offboarded.json"],
      [{ event: "ACCOUNT_RECONNECTED" }, "pywa__account_update__account_reconnected.json"],
      [{ event: "ACCOUNT_DELETED" }, "pywa__account_update__account_deleted.json"],
      [{ event: "BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE", country: "IN" }, "pywa__account_update__primary_business_location_set.json"],
      [{ event: "PARTNER_REMOVED", value: { disconnection_info: { reason: "PRIMARY_INACTIVITY", initiated_by: "SYSTEM" } } }, "pywa__account_update__partner_removed_wa_app_disconnection.json"],
    ];
    for (const [params, file] of pairs) {
      const body = await posted("account-update", params);
      assertSameShape(body, real(file));
      assert.equal(valueIn(body).event, params.event, file);
    }
    assert.equal(valueIn(await posted("account-update", { event: "DISABLED_UPDATE" })).ban_info.waba_ban_state, "DISABLE");
  });

  test("phone_number_quality_update: tier in max_daily_conversations_per_business (+ legacy fields); it changes what the number reports", async () => {
    const upgrade = await posted("quality", { event: "THROUGHPUT_UPGRADE", phone_number_id: "100000001" });
    assertSameShape(upgrade, real("meta_docs__phone_number_quality_throughput_upgrade.json"), { extra: ["$.entry[].changes[].value.max_daily_conversations_per_business"] });
    assert.equal(valueIn(upgrade).max_daily_conversations_per_business, "TIER_UNLIMITED");
    const tier = await posted("quality", { event: "UPGRADE", limit: "TIER_10K", old_limit: "TIER_2K", phone_number_id: "100000004" });
    assertSameShape(tier, real("bindambc__qualityUpdate.json"), { extra: ["$.entry[].changes[].value.max_daily_conversations_per_business", "$.entry[].changes[].value.old_limit"] });
    assert.deepEqual(valueIn(tier), { display_phone_number: "15550783881", event: "UPGRADE", old_limit: "TIER_2K", current_limit: "TIER_10K", max_daily_conversations_per_business: "TIER_10K" });
    const modern = valueIn(await posted("quality", { limit: "TIER_100K", legacy: false, phone_number_id: "100000005" }));
    assert.deepEqual(Object.keys(modern), ["display_phone_number", "event", "max_daily_conversations_per_business"]);
    const fields = (node) => call("GET", `/v24.0/${node}?fields=throughput,whatsapp_business_manager_messaging_limit`).then((r) => r.json);
    assert.deepEqual(await fields("100000001"), { id: "100000001", throughput: { level: "HIGH" }, whatsapp_business_manager_messaging_limit: "TIER_UNLIMITED" });
    assert.equal((await fields("100000004")).whatsapp_business_manager_messaging_limit, "TIER_10K");
    assert.equal((await control("quality", { limit: "TIER_1K" })).json.error.path, "limit");
  });

  test("template_category_update: completed (previous → new) and impending (correct_category at a time)", async () => {
    sandbox.setTemplates([{ name: "order_shipped", category: "UTILITY" }]);
    const completed = await posted("template-category", { name: "order_shipped", new_category: "MARKETING" });
    assertSameShape(completed, real("pywa__template_category_update__marketing.json"), { extra: ["$.entry[].changes[].value.previous_category"] });
    assert.deepEqual(valueIn(completed), {
      message_template_id: sandbox.templates.get("order_shipped", "en_US").id,
      message_template_name: "order_shipped",
      message_template_language: "en_US",
      previous_category: "UTILITY",
      new_category: "MARKETING",
    });
    // Meta now treats it as marketing: /marketing_messages takes it, /messages refuses it when disabled.
    assert.equal((await sendTo("marketing_messages", { to: phone(), ...template("order_shipped") })).status, 200);
    sandbox.configure({ disableMarketingOnCloudApi: true });
    assert.equal((await sendTo("messages", { to: phone(), ...template("order_shipped") })).json.error.code, 131063);

    sandbox.setTemplates([{ name: "receipt", category: "UTILITY" }]);
    const impending = valueIn(await posted("template-category", { name: "receipt", phase: "impending", category_update_timestamp: 1_800_000_000 }));
    // Syntax of Meta's reference page: the impending variant.
    assert.deepEqual(Object.keys(impending).sort(), ["category_update_timestamp", "correct_category", "message_template_id", "message_template_language", "message_template_name", "new_category"]);
    assert.deepEqual([impending.new_category, impending.correct_category, impending.category_update_timestamp], ["UTILITY", "MARKETING", 1_800_000_000]);
    assert.equal(sandbox.templates.get("receipt", "en_US").category, "UTILITY", "an impending change is not applied yet");
  });

  test("message_template_quality_update and message_template_status_update in Meta's shapes", async () => {
    const quality = await posted("template-quality", { name: "welcome_template", previous_quality_score: "GREEN", new_quality_score: "YELLOW" });
    assertSameShape(quality, real("meta_docs__template_quality_green_to_yellow.json"));
    sandbox.setTemplates([{ name: "order_confirmation", category: "UTILITY" }]);
    const approved = await posted("template-status", { name: "order_confirmation", event: "APPROVED" });
    assertSameShape(approved, real("meta_docs__template_status_approved.json"));
    const paused = await posted("template-status", { name: "order_confirmation", event: "PAUSED" });
    assertSameShape(paused, real("meta_docs__template_status_approved.json"), { extra: ["$.entry[].changes[].value.other_info"] });
    assert.equal(valueIn(paused).other_info.title, "FIRST_PAUSE");
    assert.equal((await sendTo("messages", { to: phone(), ...template("order_confirmation") })).json.error.code, 132015);
    const unpaused = valueIn(await posted("template-status", { name: "order_confirmation", event: "APPROVED" }));
    assert.equal(unpaused.other_info.title, "UNPAUSE");
    assert.equal((await sendTo("messages", { to: phone(), ...template("order_confirmation") })).status, 200);
    // Today's defaults still work: PAUSED for a template named alone.
    assert.equal(valueIn(await posted("template-status", { name: "legacy" })).event, "PAUSED");
  });

  test("user_changed_user_id: the system message Meta sends when a BSUID changes", async () => {
    const body = await posted("user-id-change", { old_user_id: "US.1111", new_user_id: "US.2222", name: "Ana" });
    assertSameShape(body, real("pywa__system__phone_number_change.json"), {
      missing: ["$.entry[].changes[].value.messages[].from", "$.entry[].changes[].value.messages[].system.wa_id"],
      extra: ["$.entry[].changes[].value.messages[].from_user_id", "$.entry[].changes[].value.messages[].system.user_id"],
    });
    const [message] = valueIn(body).messages;
    assert.deepEqual(message.system, { body: "User Ana changed from US.1111 to US.2222", user_id: "US.2222", type: "user_changed_user_id" });
    assert.equal(message.from_user_id, "US.1111");
    assert.equal("contacts" in valueIn(body), false);
    assert.equal((await control("user-id-change", { old_user_id: "1111" })).json.error.path, "old_user_id");
  });

  test("inbound messages from a phone, a BSUID user with a phone, and a BSUID-only user", async () => {
    const before = await posted("inbound", { from: "447911123000", text: "STOP" });
    assertSameShape(before, real("courier__wac_hello.json"));
    const both = await posted("inbound", { from: "5678", user_id: "US.1234", username: "@kfisher", text: "Hello World" });
    assertSameShape(both, real("courier__wac_hello_user_id.json"));
    const only = await posted("inbound", { user_id: "US.1234", parent_user_id: "US.ENT.5678", username: "kfisher", text: "Hello World" });
    assertSameShape(only, real("courier__wac_hello_from_bsuid.json"));
    assert.equal("wa_id" in valueIn(only).contacts[0], false);
    assert.equal((await control("inbound", { text: "x" })).json.error.path, "from");
  });

  test("status webhooks of a phone send: sent/delivered/read with pricing, failed with errors[]", async () => {
    const wamid = (await sendTo("messages", { to: phone(), ...template("order_update"), biz_opaque_callback_data: "sg1:ws:1" })).json.messages[0].id;
    await until(() => statusesOf(wamid).length === 3);
    const bodies = receiver.received.filter((r) => r.body.entry[0].changes[0].value.statuses?.[0]?.id === wamid);
    assert.ok(bodies.every(verifies));
    assert.deepEqual(statusesOf(wamid).map((v) => v.statuses[0].status), ["sent", "delivered", "read"]);
    assertSameShape(bodies[0].body, real("meta_docs__status_sent_marketing.json"), {
      missing: ["$.entry[].changes[].value.statuses[].conversation"],
      extra: ["$.entry[].changes[].value.statuses[].biz_opaque_callback_data"],
    });
    const failedId = (await sendTo("messages", { to: phone("104"), ...template("order_update") })).json.messages[0].id;
    await until(() => statusesOf(failedId).length === 1);
    const failed = receiver.received.find((r) => r.body.entry[0].changes[0].value.statuses?.[0]?.id === failedId).body;
    assertSameShape(failed, real("meta_docs__status_failed_131049.json"));
  });

  test("a worker that never answers 2xx: the post is retried and reported undelivered", async () => {
    receiver.answer(500);
    const count = receiver.received.length;
    const r = await control("account-update", { event: "ACCOUNT_DELETED" });
    assert.equal(r.json.delivered, false);
    assert.equal(receiver.received.slice(count).filter((x) => x.body.entry[0].changes[0].field === "account_update").length, 3, "three tries");
    assert.equal(sandbox.webhooks.at(-1).delivered, false);
    assert.equal((await call("GET", "/_sandbox/webhooks?field=account_update")).json.webhooks.at(-1).delivered, false);
  });

  test("control bodies that are not JSON objects are refused", async () => {
    const res = await fetch(`${sandbox.url}/_sandbox/quality`, { method: "POST", body: "{" });
    assert.equal(res.status, 400);
    assert.equal((await control("account-update", { value: [1] })).json.error.path, "value");
  });
});

describe("campaign modes", () => {
  test("a template paused after N sends: 132015 from then on, one PAUSED webhook, sendable again once approved", async () => {
    sandbox.setTemplates([{ name: "flash_sale", category: "MARKETING", pause_after: 5 }]);
    const seen = receivedField("message_template_status_update").length;
    const codes = [];
    for (let i = 0; i < 8; i++) codes.push((await sendTo("marketing_messages", { to: phone(), ...template("flash_sale") })).json.error?.code ?? 200);
    assert.deepEqual(codes, [200, 200, 200, 200, 200, 132015, 132015, 132015]);
    const pauses = await until(() => receivedField("message_template_status_update").length === seen + 1 && receivedField("message_template_status_update").slice(seen));
    const value = pauses[0].body.entry[0].changes[0].value;
    assert.equal(value.event, "PAUSED");
    assert.equal(value.message_template_name, "flash_sale");
    assert.equal(value.message_template_category, "MARKETING");
    assert.ok(verifies(pauses[0]));
    assert.equal((await control("template-status", { name: "flash_sale", event: "APPROVED" })).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await sendTo("marketing_messages", { to: phone(), ...template("flash_sale") })).status, 200, "the rule fired once");
    assert.equal(sandbox.calls.filter((c) => c.template === "flash_sale" && c.code === 132015).length, 3);
  });

  test("template pacing: sends held for quality assessment, then released, or dropped with 132015 when the template pauses", async () => {
    sandbox.setTemplates([{ name: "new_promo", category: "MARKETING", pacing: true }, { name: "risky_promo", category: "MARKETING", pacing: true }]);
    const send = async (name) => (await sendTo("marketing_messages", { to: phone(), ...template(name) })).json.messages[0];
    const kept = [await send("new_promo"), await send("new_promo")];
    const dropped = [await send("risky_promo"), await send("risky_promo")];
    assert.deepEqual([...kept, ...dropped].map((m) => m.message_status), Array(4).fill("held_for_quality_assessment"));
    await new Promise((r) => setTimeout(r, 40));
    assert.equal([...kept, ...dropped].flatMap((m) => statusesOf(m.id)).length, 0, "held: no status yet");
    sandbox.setTemplates([{ name: "new_promo", pacing: false }]);
    for (const m of kept) await until(() => statusesOf(m.id).length === 3);
    await control("template-status", { name: "risky_promo", event: "PAUSED" });
    for (const m of dropped) {
      const [failed] = await until(() => statusesOf(m.id).length === 1 && statusesOf(m.id));
      assert.equal(failed.statuses[0].errors[0].code, 132015);
    }
    assert.equal(statusesOf(kept[0].id)[0].statuses[0].status, "sent");
  });

  test("above the configured messages per second of a number, 130429 (sliding 1 s window); other numbers unaffected", async () => {
    sandbox.configure({ throughputMps: { 100000006: 5 } });
    const burst = await Promise.all(Array.from({ length: 20 }, () => sendTo("messages", { to: phone(), ...text }, "100000006")));
    const accepted = burst.filter((r) => r.status === 200).length;
    assert.ok(accepted >= 5 && accepted < 20, `accepted ${accepted} of 20`);
    assert.ok(burst.filter((r) => r.json.error?.code === 130429).length > 0);
    assert.ok(sandbox.maxCallsPerSecond({ acceptedOnly: true })["100000006"] <= 5);
    assert.equal(sandbox.maxCallsPerSecond({ acceptedOnly: true })["100000006"], 5);
    assert.equal((await sendTo("messages", { to: phone(), ...text }, "100000007")).status, 200);
    await new Promise((r) => setTimeout(r, 1050));
    assert.equal((await sendTo("messages", { to: phone(), ...text }, "100000006")).status, 200, "the window has moved on");
    // A caller pacing itself under the limit is never refused.
    sandbox.reset({ calls: true });
    sandbox.configure({ throughputMps: 5 });
    for (let i = 0; i < 10; i++) {
      assert.equal((await sendTo("messages", { to: phone(), ...text }, "100000008")).status, 200, `paced send ${i}`);
      await new Promise((r) => setTimeout(r, 210));
    }
    assert.ok(sandbox.maxCallsPerSecond()["100000008"] <= 5);
  });

  test("the quality webhook's throughput_mps is what the sandbox then enforces for that number", async () => {
    await control("quality", { event: "THROUGHPUT_UPGRADE", phone_number_id: "100000010", throughput_mps: 2 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await sendTo("messages", { to: phone(), ...text }, "100000010")).status);
    assert.deepEqual(codes, [200, 200, 400]);
  });

  test("every call records time, phone_number_id, endpoint, recipient, template and its answer; /_sandbox/calls filters them", async () => {
    sandbox.reset({ calls: true });
    const t0 = Date.now();
    const to = phone();
    await sendTo("marketing_messages", { to, ...template("spring_sale") }, "100000011");
    await sendTo("messages", { recipient: "US.999000222", ...text }, "100000012");
    const [a, b] = sandbox.calls;
    assert.deepEqual(
      { ...a, at: a.at >= t0, body: undefined },
      { to: to.slice(1), recipient: to.slice(1), behaviour: "ok", at: true, phone_number_id: "100000011", endpoint: "marketing_messages", template: "spring_sale", language: "en_US", status: 200, code: null, body: undefined },
    );
    assert.deepEqual([b.to, b.recipient, b.endpoint, b.template], [null, "US.999000222", "messages", null]);
    const listed = (await call("GET", `/_sandbox/calls?to=${encodeURIComponent(to)}`)).json;
    assert.deepEqual([listed.total, listed.count, "body" in listed.calls[0], typeof listed.webhooks.pending], [2, 1, false, "number"]);
    assert.equal((await call("GET", "/_sandbox/calls?recipient=US.999000222&bodies")).json.calls[0].body.recipient, "US.999000222");
    assert.equal((await call("GET", "/_sandbox/calls?endpoint=marketing_messages")).json.count, 1);
    assert.deepEqual((await call("GET", "/_sandbox/throughput")).json, { window_ms: 1000, max: { 100000011: 1, 100000012: 1 } });
  });

  test("the max-in-window helper counts calls less than the window apart", () => {
    assert.equal(maxInWindow([0, 500, 999, 1000, 1500]), 3);
    assert.equal(maxInWindow([0, 1000, 2000]), 1);
    assert.equal(maxInWindow([]), 0);
    assert.equal(maxInWindow([5, 5, 5, 5], 1), 4);
  });

  test("latency and jitter delay every answer", async () => {
    // A latency far above a loaded machine's loopback round trip, so the two cases cannot overlap.
    sandbox.configure({ latencyMs: 300, latencyJitterMs: 40 });
    const times = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await sendTo("messages", { to: phone(), ...text });
      times.push(performance.now() - t);
    }
    assert.ok(Math.min(...times) >= 299, `fastest ${Math.min(...times)} ms`);
    sandbox.reset();
    const t = performance.now();
    await sendTo("messages", { to: phone(), ...text });
    const after = performance.now() - t;
    assert.ok(after < 300, `reset restores the start latency (${after} ms)`);
  });
});
