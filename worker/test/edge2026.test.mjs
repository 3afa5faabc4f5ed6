// The 2026 platform at the edge: every signal Meta sends (account_update, phone number quality,
// template category, user id changes, health_status) becomes edge state, and the next /v1/check
// verdict changes. Webhooks are signed (the harness, or the sandbox's control endpoints, which
// post them signed); each test uses its own phone number and, where the state is the WABA's, its
// own WABA (WABA_BY_NUMBER), so tests do not see each other's account state.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { metaRequest } from "sendgate";
import { accountUpdateValue, qualityValue, wabaChange } from "../sandbox/webhooks.mjs";
import { SECRETS, inbound, phone, startStack, templateSend, textSend, uid, unix } from "./harness.mjs";

const DEFAULT_WABA = "102290129340398";
/** One number per test; numbers mapped to their own WABA get their own account object. */
const N = {
  restrict: "200000001",
  limit: "200000002",
  category: "200000003",
  quality: "200000005",
  health: "200000006",
  account: "200000007",
  other: "200000008",
  bsuid: "200000010",
};
const WABA = { [N.restrict]: "300000001", [N.limit]: "300000002" };

const reasons = (r) => r.json.blockers.map((b) => b.reason);
const warnings = (r) => r.json.warnings.map((w) => w.reason);
const bsuid = () => `US.${String(Date.now()).slice(-9)}${String(Math.floor(Math.random() * 1e9)).padStart(9, "0")}`;

/** A check body (no idempotency key) of a template or text send through `pnid`. */
function templateCheck(opts, pnid) {
  const { idempotency_key, ...body } = templateSend(opts);
  return { ...body, phone_number_id: pnid };
}

/** Waits until the number's first health_status read is stored (so webhooks posted next are
 *  newer than it). */
async function ready(s, pnid, ws) {
  await s.check({ ...templateCheck({ to: phone("000"), workspace: ws }, pnid) });
  return s.until(async () => {
    const r = await s.request("GET", `/v1/account?phone_number_id=${pnid}&workspace_id=${ws}`);
    return r.json?.health_checked_at ? r.json : null;
  });
}

describe("edge state from Meta's webhooks changes the next verdict", () => {
  let s;
  before(async () => {
    s = await startStack({
      vars: {
        META_WABA_ID: DEFAULT_WABA,
        WABA_BY_NUMBER: JSON.stringify(WABA),
        THROUGHPUT_MPS_BY_NUMBER: JSON.stringify({ "100000009": 5, [N.limit]: 5000 }),
      },
      sandbox: { phoneNumbers: { [N.quality]: "15550000005" } },
    });
  });
  after(() => s?.stop());

  test("account_update ACCOUNT_RESTRICTION → ACCOUNT_RESTRICTED for templates, replies still go; newest wins, an older lift is ignored", async () => {
    const ws = await s.fundedWorkspace(10);
    const waba = WABA[N.restrict];
    await ready(s, N.restrict, ws);
    const body = templateCheck({ to: phone("000"), workspace: ws }, N.restrict);
    assert.equal((await s.check(body)).json.eligible, true);
    const restrict = (at, info) => wabaChange(waba, "account_update", accountUpdateValue({ event: "ACCOUNT_RESTRICTION", restriction_info: info }, { wabaId: waba }), Math.floor(at / 1000));
    const until = Math.floor(Date.now() / 1000) + 86_400;
    const r = await s.webhook(restrict(Date.now(), [{ restriction_type: "RESTRICTED_BIZ_INITIATED_MESSAGING", expiration: until }]));
    assert.equal(r.status, 200, r.text);
    const blocked = await s.check(body);
    assert.ok(reasons(blocked).includes("ACCOUNT_RESTRICTED"), blocked.text);
    // A reply inside the service window is not business-initiated.
    const { idempotency_key, ...reply } = textSend({ to: phone("000"), workspace: ws, last_inbound_at: new Date(Date.now() - 60_000).toISOString() });
    const replied = await s.check({ ...reply, phone_number_id: N.restrict });
    assert.ok(!reasons(replied).includes("ACCOUNT_RESTRICTED"), replied.text);
    // An older event lifting it (delivered late) changes nothing; a replay neither.
    assert.equal((await s.webhook(restrict(Date.now() - 3_600_000, []))).status, 200);
    assert.ok(reasons(await s.check(body)).includes("ACCOUNT_RESTRICTED"));
    const acct = await s.request("GET", `/v1/account?phone_number_id=${N.restrict}&workspace_id=${ws}`);
    const listed = acct.json.account.restrictions.map((x) => [x.type, Date.parse(x.until)]);
    assert.deepEqual(listed, [["RESTRICTED_BIZ_INITIATED_MESSAGING", until * 1000]]);
    // A newer one lifts it.
    assert.equal((await s.webhook(restrict(Date.now() + 2000, []))).status, 200);
    assert.equal((await s.check(body)).json.eligible, true);
    // Other WABAs' numbers never saw it.
    assert.equal((await s.check(templateCheck({ to: phone("000"), workspace: ws }, N.other))).json.eligible, true);
  });

  test("account_update DISABLED_UPDATE (ban) blocks every send; REINSTATE lifts it", async () => {
    const ws = await s.fundedWorkspace(10);
    const waba = WABA[N.restrict];
    const body = templateCheck({ to: phone("000"), workspace: ws }, N.restrict);
    const ban = (state, at) => wabaChange(waba, "account_update", accountUpdateValue({ event: "DISABLED_UPDATE", ban_state: state }, { wabaId: waba }), Math.floor(at / 1000));
    assert.equal((await s.webhook(ban("DISABLE", Date.now() + 4000))).status, 200);
    assert.ok(reasons(await s.check(body)).includes("ACCOUNT_RESTRICTED"));
    assert.equal((await s.request("GET", `/v1/account?phone_number_id=${N.restrict}&workspace_id=${ws}`)).json.account.banned, true);
    assert.equal((await s.webhook(ban("REINSTATE", Date.now() + 6000))).status, 200);
    assert.equal((await s.check(body)).json.eligible, true);
  });

  test("tier 250 with 250 recipients messaged → MESSAGING_LIMIT_REACHED for the 251st new recipient, not for one already messaged", async () => {
    const ws = await s.fundedWorkspace(400);
    const waba = WABA[N.limit];
    await ready(s, N.limit, ws);
    const r = await s.webhook(wabaChange(waba, "phone_number_quality_update", qualityValue({ event: "DOWNGRADE", limit: "TIER_250", old_limit: "TIER_2K" }, "15550783881")));
    assert.equal(r.status, 200, r.text);
    const to = (i) => `+4478${String(10000 + i).padStart(5, "0")}999`;
    // 250 business-initiated sends (templates, no open window) to different people.
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = next++; i < 250; i = next++) {
          const sent = await s.send({ ...templateSend({ to: to(i), workspace: ws, category: "UTILITY" }), phone_number_id: N.limit });
          assert.equal(sent.status, 200, sent.text);
        }
      }),
    );
    const acct = (await s.request("GET", `/v1/account?phone_number_id=${N.limit}&workspace_id=${ws}`)).json;
    assert.deepEqual(acct.messaging_limit, { tier: "TIER_250", limit: 250, unique_recipients_24h: 250 });
    const fresh = await s.check(templateCheck({ to: to(250), workspace: ws, category: "UTILITY" }, N.limit));
    assert.ok(reasons(fresh).includes("MESSAGING_LIMIT_REACHED"), fresh.text);
    const again = await s.check(templateCheck({ to: to(17), workspace: ws, category: "UTILITY" }, N.limit));
    assert.equal(again.json.eligible, true, again.text);
    // The send path gates the same way: nothing reaches Meta for the 251st.
    const refused = await s.send({ ...templateSend({ to: to(251), workspace: ws, category: "UTILITY" }), phone_number_id: N.limit });
    assert.equal(refused.status, 422, refused.text);
    assert.ok(reasons({ json: refused.json.verdict }).includes("MESSAGING_LIMIT_REACHED"));
    assert.equal(s.sandbox.callsTo(to(251)), 0);
    // Another WABA's portfolio has its own count.
    assert.equal((await s.check(templateCheck({ to: to(252), workspace: ws, category: "UTILITY" }, N.other))).json.eligible, true);
  });

  test("template_category_update to MARKETING → /marketing_messages and, under by_category, consent required; /v1/send posts metaRequest's body there", async () => {
    const ws = await s.fundedWorkspace(10);
    const name = `shipping_${uid("t").replace(/\W/g, "_")}`;
    await ready(s, N.category, ws);
    s.sandbox.setTemplates({ name, language: "en_US", category: "UTILITY", status: "APPROVED" });
    const check = (marketing_state) =>
      s.check({ ...templateCheck({ to: phone("000"), workspace: ws, category: "UTILITY", name, marketing_state }, N.category), policy: { consent: "by_category" } });
    const before = await check("NOT_SUBSCRIBED");
    assert.deepEqual([before.json.eligible, before.json.endpoint], [true, "messages"], before.text);
    // An impending change first: a warning with the new category.
    await s.sandbox.trigger("template-category", { name, phase: "impending", correct_category: "MARKETING" });
    await s.settle();
    const warned = await check("NOT_SUBSCRIBED");
    assert.ok(warnings(warned).includes("TEMPLATE_CATEGORY_CHANGING"), warned.text);
    const changing = (await s.request("GET", `/v1/account?phone_number_id=${N.category}&workspace_id=${ws}`)).json.templates_changing;
    assert.ok(changing.some((t) => t.name === name && t.pending_category === "MARKETING" && t.effective_at), JSON.stringify(changing));
    // Completed: the latest category is MARKETING whatever the platform says.
    const posted = await s.sandbox.trigger("template-category", { name, new_category: "MARKETING", previous_category: "UTILITY" });
    assert.equal(posted.delivered, true);
    const after = await check("NOT_SUBSCRIBED");
    assert.ok(reasons(after).includes("CUSTOMER_IS_NOT_OPTED_IN"), after.text);
    const subscribed = await check("SUBSCRIBED");
    assert.deepEqual([subscribed.json.eligible, subscribed.json.endpoint], [true, "marketing_messages"], subscribed.text);
    // The send goes to /marketing_messages with exactly the core's body.
    const req = { ...templateSend({ to: phone("000"), workspace: ws, category: "UTILITY", name }), phone_number_id: N.category };
    const since = s.sandbox.calls.length;
    const sent = await s.send(req);
    assert.equal(sent.status, 200, sent.text);
    const call = s.sandbox.calls.slice(since).find((c) => c.template === name);
    assert.equal(call.endpoint, "marketing_messages");
    const { idempotency_key, workspace_id, phone_number_id, ...core } = req;
    const expected = metaRequest({ ...core, message: { ...core.message, template: { ...core.message.template, category: "MARKETING" } }, biz_opaque_callback_data: call.body.biz_opaque_callback_data });
    assert.equal(expected.endpoint, "marketing_messages");
    assert.deepEqual(call.body, expected.body);
    assert.match(call.body.biz_opaque_callback_data, new RegExp(`^sg1:${ws}:${sent.json.send_id}$`));
    // An older completed change back to UTILITY, delivered late, does not undo it.
    const late = {
      object: "whatsapp_business_account",
      entry: [{ id: DEFAULT_WABA, time: Number(unix(Date.now() - 3_600_000)), changes: [{ field: "template_category_update", value: { message_template_id: 1, message_template_name: name, message_template_language: "en_US", previous_category: "MARKETING", new_category: "UTILITY" } }] }],
    };
    assert.equal((await s.webhook(late)).status, 200);
    assert.equal((await check("SUBSCRIBED")).json.endpoint, "marketing_messages");
  });

  test("a BSUID-only contact's state is found by its BSUID; a phone user's BSUID links both keys", async () => {
    const ws = await s.fundedWorkspace(10);
    const user = bsuid();
    const text = (contact) => {
      const { idempotency_key, ...body } = textSend({ to: phone("000"), workspace: ws });
      return { ...body, contact: { marketing_state: "SUBSCRIBED", ...contact } };
    };
    const closed = await s.check(text({ phone: null, user_id: user }));
    assert.equal(closed.json.window.open, false, closed.text);
    const posted = await s.sandbox.trigger("inbound", { user_id: user, text: "hi" });
    assert.equal(posted.delivered, true);
    const open = await s.check(text({ phone: null, user_id: user }));
    assert.equal(open.json.window.open, true, open.text);
    assert.equal(open.json.recipient.kind, "user_id");
    // A phone user whose BSUID rides along: found by either.
    const to = phone("000");
    const linked = bsuid();
    assert.equal((await s.sandbox.trigger("inbound", { from: to, user_id: linked, text: "hello" })).delivered, true);
    assert.equal((await s.check(text({ phone: to }))).json.window.open, true);
    assert.equal((await s.check(text({ phone: null, user_id: linked }))).json.window.open, true);
    assert.equal((await s.check(text({ phone: to, user_id: linked }))).json.window.open, true);
  });

  test("user_changed_user_id → the old BSUID's window is found under the new one", async () => {
    const ws = await s.fundedWorkspace(10);
    const [oldId, newId] = [bsuid(), bsuid()];
    const text = (user_id) => {
      const { idempotency_key, ...body } = textSend({ to: phone("000"), workspace: ws });
      return { ...body, contact: { phone: null, user_id, marketing_state: "SUBSCRIBED" } };
    };
    assert.equal((await s.sandbox.trigger("inbound", { user_id: oldId, text: "hi" })).delivered, true);
    assert.equal((await s.check(text(oldId))).json.window.open, true);
    assert.equal((await s.check(text(newId))).json.window.open, false);
    const moved = await s.sandbox.trigger("user-id-change", { old_user_id: oldId, new_user_id: newId });
    assert.equal(moved.delivered, true);
    const after = await s.check(text(newId));
    assert.equal(after.json.window.open, true, after.text);
    // A STOP sent before the change still holds under the new id.
    assert.equal((await s.sandbox.trigger("inbound", { user_id: newId, text: "STOP" })).delivered, true);
    const { idempotency_key, ...promo } = templateSend({ to: phone("000"), workspace: ws });
    const stopped = await s.check({ ...promo, contact: { phone: null, user_id: oldId, marketing_state: "SUBSCRIBED" } });
    assert.ok(reasons(stopped).includes("CUSTOMER_IS_NOT_OPTED_IN"), stopped.text);
  });

  test("phone_number_quality_update FLAGGED (quality RED) → QUALITY_RESTRICTED warning on that number only", async () => {
    const ws = await s.fundedWorkspace(10);
    await ready(s, N.quality, ws);
    const body = templateCheck({ to: phone("000"), workspace: ws }, N.quality);
    assert.ok(!warnings(await s.check(body)).includes("QUALITY_RESTRICTED"));
    const posted = await s.sandbox.trigger("quality", { phone_number_id: N.quality, event: "FLAGGED", quality_rating: "RED", limit: "TIER_10K" });
    assert.equal(posted.delivered, true);
    const flagged = await s.check(body);
    assert.ok(warnings(flagged).includes("QUALITY_RESTRICTED"), flagged.text);
    assert.equal(flagged.json.eligible, true);
    assert.ok(!warnings(await s.check(templateCheck({ to: phone("000"), workspace: ws }, N.other))).includes("QUALITY_RESTRICTED"));
    const acct = (await s.request("GET", `/v1/account?phone_number_id=${N.quality}&workspace_id=${ws}`)).json;
    assert.equal(acct.account.phone_quality, "RED");
  });

  test("THROUGHPUT_UPGRADE → the number's rate is Meta's (1,000 mps), else the configuration's", async () => {
    const ws = await s.fundedWorkspace(10);
    await ready(s, N.quality, ws);
    const before = (await s.request("GET", `/v1/account?phone_number_id=${N.quality}&workspace_id=${ws}`)).json;
    assert.deepEqual([before.throughput_mps, before.throughput_source], [80, "config"]);
    assert.equal((await s.sandbox.trigger("quality", { phone_number_id: N.quality, event: "THROUGHPUT_UPGRADE" })).delivered, true);
    const after = (await s.request("GET", `/v1/account?phone_number_id=${N.quality}&workspace_id=${ws}`)).json;
    assert.deepEqual([after.throughput_mps, after.throughput_source], [1000, "meta"]);
  });

  test("health_status BLOCKED, read again right after an account-scoped send failure → ACCOUNT_RESTRICTED", async () => {
    const ws = await s.fundedWorkspace(10);
    await ready(s, N.health, ws);
    s.sandbox.setHealth({ entity_type: "PHONE_NUMBER", id: N.health, can_send_message: "BLOCKED", send_error_code: 131031 });
    try {
      const reads = s.sandbox.healthCalls(N.health);
      const body = templateCheck({ to: phone("000"), workspace: ws }, N.health);
      assert.equal((await s.check(body)).json.eligible, true, "the edge has not read health_status again yet");
      const failed = await s.send({ ...templateSend({ to: phone("000"), workspace: ws }), phone_number_id: N.health });
      assert.equal(failed.status, 502, failed.text);
      assert.equal(failed.json.classification.reason, "ACCOUNT_RESTRICTED");
      const blocked = await s.until(async () => {
        const r = await s.check(body);
        return reasons(r).includes("ACCOUNT_RESTRICTED") ? r : null;
      });
      assert.ok(blocked.json.blockers.some((b) => b.reason === "ACCOUNT_RESTRICTED" && /PHONE_NUMBER/.test(b.message)), blocked.text);
      assert.ok(s.sandbox.healthCalls(N.health) > reads);
    } finally {
      s.sandbox.setHealth({ reset: true });
    }
  });

  test("GET /v1/account: the contract's shape; a workspace key reads only its numbers", async () => {
    const ws = await s.fundedWorkspace(1);
    await s.request("PUT", `/v1/admin/workspaces/${ws}`, { body: { phone_number_ids: [N.account] }, key: SECRETS.ADMIN_API_KEY });
    const { key } = await s.workspaceKey(ws, ["read"]);
    await ready(s, N.account, ws);
    const r = await s.request("GET", "/v1/account", { key });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), [
      "account",
      "health_checked_at",
      "messaging_limit",
      "phone_number_id",
      "templates_changing",
      "throughput_mps",
      "throughput_source",
      "updated_at",
      "waba_id",
    ]);
    assert.equal(r.json.phone_number_id, N.account);
    assert.equal(r.json.waba_id, DEFAULT_WABA);
    assert.ok(Array.isArray(r.json.account.health) && r.json.account.health.some((e) => e.entity === "PHONE_NUMBER" && e.can_send_message === "AVAILABLE"));
    assert.equal(r.json.account.payment_method, true);
    assert.ok(Date.parse(r.json.health_checked_at) > Date.now() - 60_000);
    assert.equal(typeof r.json.throughput_mps, "number");
    const other = await s.request("GET", `/v1/account?phone_number_id=${N.other}`, { key });
    assert.equal(other.status, 403, other.text);
    assert.equal(other.json.error.path, "phone_number_id");
    const bad = await s.request("GET", "/v1/account?phone_number_id=a%20b");
    assert.equal(bad.status, 400);
    // A check through another workspace's number is refused the same way.
    const { key: checkKey } = await s.workspaceKey(ws, ["check"]);
    const checked = await s.check(templateCheck({ to: phone("000") }, N.other), { key: checkKey });
    assert.equal(checked.status, 403, checked.text);
  });

  test("a body with an unknown field and an unreadable item still applies its other items; a bad signature applies nothing", async () => {
    const ws = await s.fundedWorkspace(10);
    const from = phone("000").replace(/\D/g, "");
    const good = inbound(from, "hi");
    const body = {
      ...good,
      entry: [
        ...good.entry,
        { id: DEFAULT_WABA, time: Number(unix()), changes: [{ field: "some_future_field", value: { x: 1 } }] },
        { id: DEFAULT_WABA, changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { phone_number_id: "100000001" }, statuses: "not a list" } }] },
      ],
    };
    const forged = inbound(phone("000").replace(/\D/g, ""), "hi");
    const refused = await s.webhook(forged, { signature: "sha256=00" });
    assert.equal(refused.status, 401);
    const r = await s.webhook(body);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.invalid >= 1 && r.json.unknown_fields >= 1, r.text);
    const { idempotency_key, ...reply } = textSend({ to: `+${from}`, workspace: ws });
    assert.equal((await s.check(reply)).json.window.open, true);
    const { idempotency_key: _, ...forgedReply } = textSend({ to: `+${forged.entry[0].changes[0].value.contacts[0].wa_id}`, workspace: ws });
    assert.equal((await s.check(forgedReply)).json.window.open, false);
  });
});

describe("health_status read by the phone number's alarm", () => {
  let s;
  before(async () => {
    s = await startStack({ vars: { HEALTH_REFRESH_SECONDS: "1" } });
  });
  after(() => s?.stop());

  test("BLOCKED set in the sandbox → the alarm's next read → ACCOUNT_RESTRICTED; AVAILABLE again lifts it", async () => {
    const ws = await s.fundedWorkspace(10);
    const body = templateCheck({ to: phone("000"), workspace: ws }, "100000001");
    assert.equal((await s.check(body)).json.eligible, true);
    s.sandbox.setHealth({ entity_type: "WABA", can_send_message: "BLOCKED" });
    try {
      const blocked = await s.until(async () => {
        const r = await s.check(body);
        return reasons(r).includes("ACCOUNT_RESTRICTED") ? r : null;
      }, 8000);
      assert.ok(blocked.json.blockers.some((b) => /WABA/.test(b.message) && /131031/.test(b.message)), blocked.text);
    } finally {
      s.sandbox.setHealth({ reset: true });
    }
    await s.until(async () => (await s.check(body)).json.eligible, 8000);
  });

  test("no payment method (health_status 141006) → META_BILLING_ISSUE for billable sends, not an account block", async () => {
    const ws = await s.fundedWorkspace(10);
    const body = templateCheck({ to: phone("000"), workspace: ws }, "100000001");
    s.sandbox.configure({ paymentMethod: false });
    try {
      const blocked = await s.until(async () => {
        const r = await s.check(body);
        return reasons(r).includes("META_BILLING_ISSUE") ? r : null;
      }, 8000);
      assert.ok(!reasons(blocked).includes("ACCOUNT_RESTRICTED"), blocked.text);
      const acct = (await s.request("GET", `/v1/account?workspace_id=${ws}`)).json;
      assert.equal(acct.account.payment_method, false);
    } finally {
      s.sandbox.configure({ paymentMethod: true });
    }
    await s.until(async () => (await s.check(body)).json.eligible, 8000);
  });
});
