// Campaigns in real workerd with local Queues (SPEC "Campaigns"): one outcome per contact,
// Meta called as often as each behaviour needs and never more, the number's rate held in every
// 1 s window, the circuit breaker, pause/resume/cancel, idempotent creation and appends, and
// credits that balance.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SECRETS, digits, inbound, startStack, uid } from "./harness.mjs";
import { FINAL, TEMPLATE, allContacts, assertLedger, contactsFor, createCampaign, report, uniquePhone, waitFor } from "./campaign-helpers.mjs";

const MPS = 200;
const SLOW_NUMBER = "100000020";
const SLOW_MPS = 20;
let s;
before(async () => {
  s = await startStack({ vars: { THROUGHPUT_MPS: String(MPS), THROUGHPUT_MPS_BY_NUMBER: JSON.stringify({ [SLOW_NUMBER]: SLOW_MPS }) } });
});
after(async () => {
  await s?.stop();
});

const callsTo = (phone) => s.sandbox.calls.filter((c) => c.to === digits(phone));

describe("a 2,000-contact campaign with a mix of Meta behaviours", () => {
  // [behaviour, contacts, extra contact fields], with what each must end as and how often
  // Meta is called for it (retries per the failure's classification, MAX_ATTEMPTS = 4).
  const MIX = [
    ["000", 1400, {}, ["delivered", "read"], null, 1],
    ["101", 100, {}, ["failed"], "RECIPIENT_NOT_ON_WHATSAPP", 1],
    ["100", 100, {}, ["accepted"], null, 1],
    ["106", 100, {}, ["delivered"], null, 2],
    ["102", 60, {}, ["failed"], "RATE_LIMIT_EXCEEDED", 4],
    ["110", 60, {}, ["failed"], "TRANSIENT_ERROR", 4],
    ["104", 60, {}, ["failed"], "MARKETING_LIMIT_REACHED", 1],
    ["107", 10, {}, ["failed"], "TRANSIENT_ERROR", 1],
    ["103", 30, {}, ["failed"], "RATE_LIMIT_EXCEEDED", 4],
    ["000", 50, { marketing_state: "NOT_SUBSCRIBED" }, ["blocked"], "CUSTOMER_IS_NOT_OPTED_IN", 0],
  ];

  test("ends with exactly one outcome per contact, Meta called as each behaviour needs, the rate held, credits balanced", { timeout: 240_000 }, async () => {
    const ws = await s.fundedWorkspace(2000);
    const contacts = contactsFor(MIX.map(([b, n, extra]) => [b, n, extra]));
    const expect = new Map();
    for (const [b, , extra, states, reason, calls] of MIX) expect.set(`${b}:${extra.marketing_state ?? ""}`, { states, reason, calls });
    // Invalid phones are blocked at preflight too (never enqueued).
    for (let i = 0; i < 30; i++) contacts.push({ id: uid("bad"), phone: `+44 12${i}`, marketing_state: "SUBSCRIBED", behaviour: "invalid" });
    expect.set("invalid:", { states: ["blocked"], reason: "CUSTOMER_PHONE_INVALID", calls: 0 });
    assert.equal(contacts.length, 2000);
    const callsBefore = s.sandbox.calls.length;
    const t0 = Date.now();
    const { campaignId, created } = await createCampaign(s, { workspace: ws, contacts });
    assert.equal(created.total, 2000);
    assert.equal(created.counts.blocked, 80, "blocked at preflight");
    assert.equal(created.credits.reserved, 1920, "the eligible reserve their credit");
    const done = await waitFor(s, ws, campaignId, (r) => r.state === "finished", 200_000);
    await s.settle(10_000);
    // Statuses still arriving move accepted contacts on; only the 100 `sent_only` stay accepted.
    const rep = await waitFor(s, ws, campaignId, (r) => r.counts.accepted === 100, 20_000);
    const elapsed = Date.now() - t0;
    const rows = await allContacts(s, ws, campaignId);
    assert.equal(rows.length, 2000);
    const byId = new Map(contacts.map((c) => [c.id, c]));
    let expectedCalls = 0;
    for (const row of rows) {
      const c = byId.get(row.key.slice(campaignId.length + 1));
      assert.ok(c, `contact ${row.key}`);
      const e = expect.get(`${c.behaviour}:${c.marketing_state === "NOT_SUBSCRIBED" ? "NOT_SUBSCRIBED" : ""}`);
      assert.ok(FINAL.has(row.state), `${row.key} ended ${row.state}`);
      assert.ok(e.states.includes(row.state), `${c.behaviour} ended ${row.state} (${row.reason}), expected ${e.states}`);
      if (e.reason) assert.equal(row.reason, e.reason, `${c.behaviour}`);
      if (c.behaviour !== "invalid") assert.equal(callsTo(c.phone).length, e.calls, `Meta calls for ${c.behaviour} ${c.phone}`);
      expectedCalls += e.calls;
    }
    assert.equal(s.sandbox.calls.length - callsBefore, expectedCalls, "every call to Meta is one of the above");
    const counted = Object.values(rep.counts).reduce((a, b) => a + b, 0);
    assert.equal(counted, 2000);
    assert.equal(rep.counts.queued + rep.counts.sending + rep.counts.paused, 0);
    assert.equal(rep.by_reason.CUSTOMER_IS_NOT_OPTED_IN, 50);
    assert.equal(rep.by_reason.RECIPIENT_NOT_ON_WHATSAPP, 100);
    assert.equal(rep.pause, null, "no reason crossed the breaker");
    assert.ok(rep.triage.total >= 380, `triage of the failures: ${rep.triage.total}`);
    assert.equal(rep.triage.groups[0].reason, "RECIPIENT_NOT_ON_WHATSAPP");
    // 1,760 accepted are debited; 160 never accepted are released.
    assert.deepEqual(rep.credits, { reserved: 1920, released: 160, debited: 1760 });
    await assertLedger(s, ws, rep, { initial: 2000 });
    const max = s.sandbox.maxCallsPerSecond()["100000001"];
    assert.ok(max <= MPS, `at most ${MPS} calls in any 1 s window, saw ${max}`);
    assert.ok(rep.rate.series.length > 0 && rep.rate.achieved_mps > 0);
    assert.ok(done.started_at && done.finished_at);
    console.log(`2,000 contacts: ${elapsed} ms, ${s.sandbox.calls.length - callsBefore} Meta calls, max ${max}/s, achieved ${rep.rate.achieved_mps}/s`);
  });
});

describe("pacing", () => {
  test(`a ${SLOW_MPS} msg/s number: never more than ${SLOW_MPS} calls in any 1 s window`, { timeout: 60_000 }, async () => {
    const ws = await s.fundedWorkspace(200);
    const contacts = contactsFor([["000", 120]]);
    const { campaignId } = await createCampaign(s, { workspace: ws, contacts, extra: { phone_number_id: SLOW_NUMBER } });
    const t0 = Date.now();
    const rep = await waitFor(s, ws, campaignId);
    const secs = (Date.now() - t0) / 1000;
    const calls = s.sandbox.calls.filter((c) => c.phone_number_id === SLOW_NUMBER);
    assert.equal(calls.length, 120);
    const max = s.sandbox.maxCallsPerSecond()[SLOW_NUMBER];
    assert.ok(max <= SLOW_MPS, `max ${max} in 1 s`);
    assert.ok(secs > 120 / SLOW_MPS - 1, `paced: ${secs} s for 120 at ${SLOW_MPS}/s`);
    assert.equal(rep.counts.queued, 0);
  });
});

describe("circuit breaker", () => {
  test("a template Meta pauses after 300 sends pauses the campaign within a few sends; the rest wait with their credit; resume after re-approval finishes it", { timeout: 120_000 }, async () => {
    const name = `flash_${uid("t").replace(/\W/g, "_")}`;
    s.sandbox.setTemplates([{ name, category: "MARKETING", pause_after: 300 }]);
    const ws = await s.fundedWorkspace(600);
    const contacts = contactsFor([["000", 600]]);
    const template = { name, language: "en_US", category: "MARKETING", status: "APPROVED", body: "Sale: {{1}} {{2}}" };
    const { campaignId } = await createCampaign(s, { workspace: ws, contacts, template });
    const paused = await waitFor(s, ws, campaignId, (r) => r.state === "paused", 60_000);
    assert.equal(paused.pause.cause, "template");
    assert.equal(paused.pause.reason, "TEMPLATE_NOT_APPROVED");
    // Let in-flight chunks land.
    await new Promise((r) => setTimeout(r, 500));
    const mid = await report(s, ws, campaignId);
    const refused = s.sandbox.calls.filter((c) => c.template === name && c.code === 132015).length;
    const accepted = s.sandbox.calls.filter((c) => c.template === name && c.status === 200).length;
    assert.equal(accepted, 300);
    assert.ok(refused <= 40, `stopped within a few sends: ${refused} refused`);
    assert.equal(mid.counts.paused, 300, JSON.stringify(mid.counts));
    const sent = mid.counts.accepted + mid.counts.delivered + mid.counts.read;
    assert.equal(sent, 300);
    assert.equal(mid.credits.reserved - mid.credits.released - mid.credits.debited, 300, "the paused keep their credit");
    // Still paused while nothing changes: the queue holds nothing for it.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(s.sandbox.calls.filter((c) => c.template === name).length, accepted + refused);
    const ok = await s.request("POST", `/v1/campaigns/${campaignId}/resume?workspace_id=${ws}`);
    assert.equal(ok.status, 200);
    // Still paused at Meta: the first sends fail again and it pauses again.
    await waitFor(s, ws, campaignId, (r) => r.state === "paused", 30_000);
    const refusedAgain = s.sandbox.calls.filter((c) => c.template === name && c.code === 132015).length;
    assert.ok(refusedAgain > refused || (await report(s, ws, campaignId)).pause.cause === "template");
    assert.equal((await s.sandbox.trigger("template-status", { name, event: "APPROVED" })).delivered, true);
    assert.equal((await s.request("POST", `/v1/campaigns/${campaignId}/resume`, { body: { workspace_id: ws } })).status, 200);
    const rep = await waitFor(s, ws, campaignId, (r) => r.state === "finished", 60_000);
    await s.settle();
    const rows = await allContacts(s, ws, campaignId);
    for (const row of rows) assert.ok(["accepted", "delivered", "read"].includes(row.state), `${row.key}: ${row.state}`);
    for (const c of contacts) assert.equal(callsTo(c.phone).filter((x) => x.status === 200).length, 1, "each contact accepted once");
    const final = await report(s, ws, campaignId);
    assert.equal(final.credits.debited, 600);
    await assertLedger(s, ws, final, { initial: 600 });
    assert.equal(rep.pause, null);
  });

  test("a recipient-scoped reason over max_share of the window pauses; cancel releases every reserved credit", { timeout: 120_000 }, async () => {
    const ws = await s.fundedWorkspace(400);
    const contacts = contactsFor([["101", 240], ["000", 160]]);
    const { campaignId } = await createCampaign(s, { workspace: ws, contacts, extra: { phone_number_id: SLOW_NUMBER, breaker: { window: 50, max_share: 0.25 } } });
    const paused = await waitFor(s, ws, campaignId, (r) => r.state === "paused", 60_000);
    assert.equal(paused.pause.cause, "recipient_share");
    assert.equal(paused.pause.reason, "RECIPIENT_NOT_ON_WHATSAPP");
    assert.ok(paused.counts.paused > 200, JSON.stringify(paused.counts));
    const cancelled = await s.request("POST", `/v1/campaigns/${campaignId}/cancel?workspace_id=${ws}`);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.json.state, "cancelled");
    assert.ok(cancelled.json.counts.cancelled >= paused.counts.paused - 1);
    await s.settle();
    const rep = await report(s, ws, campaignId);
    const rows = await allContacts(s, ws, campaignId);
    for (const row of rows) assert.ok(FINAL.has(row.state), `${row.key}: ${row.state}`);
    assert.equal(rep.counts.cancelled + rep.counts.accepted + rep.counts.delivered + rep.counts.read + rep.counts.failed, 400);
    for (const row of rows.filter((r) => r.state === "cancelled")) assert.equal(row.ledger, "released");
    await assertLedger(s, ws, rep, { initial: 400 });
    const late = await s.request("POST", `/v1/campaigns/${campaignId}/contacts`, { body: { workspace_id: ws, contacts: [{ id: "late", phone: uniquePhone(), marketing_state: "SUBSCRIBED" }] } });
    assert.equal(late.status, 409, "a cancelled campaign takes no more contacts");
    // Nothing more goes out.
    const calls = s.sandbox.calls.length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(s.sandbox.calls.length, calls);
  });
});

describe("edge state at dispatch", () => {
  test("a STOP between preflight and dispatch blocks the contact and releases its credit; it is never sent", { timeout: 60_000 }, async () => {
    const ws = await s.fundedWorkspace(10);
    const contacts = contactsFor([["000", 5]]);
    const stopper = contacts[2];
    const notBefore = new Date(Date.now() + 3000).toISOString();
    const { campaignId, created } = await createCampaign(s, { workspace: ws, contacts, extra: { not_before: notBefore } });
    assert.equal(created.credits.reserved, 5);
    assert.equal((await s.webhook(inbound(digits(stopper.phone), "STOP"))).status, 200);
    const rep = await waitFor(s, ws, campaignId);
    const rows = await allContacts(s, ws, campaignId);
    const row = rows.find((r) => r.key.endsWith(stopper.id));
    assert.equal(row.state, "blocked");
    assert.equal(row.ledger, "released");
    assert.equal(callsTo(stopper.phone).length, 0);
    assert.equal(rep.counts.blocked, 1);
    for (const c of contacts.filter((c) => c !== stopper)) assert.equal(callsTo(c.phone).length, 1);
    const first = s.sandbox.calls.filter((c) => contacts.some((x) => digits(x.phone) === c.to)).map((c) => c.at);
    assert.ok(Math.min(...first) >= Date.parse(notBefore) - 50, "nothing before not_before");
    await s.settle();
    await assertLedger(s, ws, await report(s, ws, campaignId), { initial: 10 });
  });
});

describe("idempotency and duplicates", () => {
  test("creation is idempotent by campaign_id (409 for another body); appends add each contact once", { timeout: 60_000 }, async () => {
    const ws = await s.fundedWorkspace(50);
    const contacts = contactsFor([["000", 10]]).map(({ behaviour, ...c }) => c);
    const body = { campaign_id: uid("cmp"), workspace_id: ws, template: TEMPLATE, parameters: ["Ana", "A-1"], contacts };
    const first = await s.request("POST", "/v1/campaigns", { body });
    assert.equal(first.status, 201, first.text);
    const again = await s.request("POST", "/v1/campaigns", { body });
    assert.equal(again.status, 200);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.equal(again.json.total, 10);
    const other = await s.request("POST", "/v1/campaigns", { body: { ...body, parameters: ["Bo", "B-2"] } });
    assert.equal(other.status, 409);
    assert.equal(other.json.error.path, "campaign_id");
    const otherContacts = await s.request("POST", "/v1/campaigns", { body: { ...body, contacts: contacts.slice(0, 5) } });
    assert.equal(otherContacts.status, 409);
    const more = contactsFor([["000", 5]]).map(({ behaviour, ...c }) => c);
    const a1 = await s.request("POST", `/v1/campaigns/${body.campaign_id}/contacts`, { body: { workspace_id: ws, contacts: [...contacts.slice(0, 3), ...more] } });
    assert.equal(a1.status, 200, a1.text);
    assert.deepEqual([a1.json.added, a1.json.duplicates], [5, 3]);
    const a2 = await s.request("POST", `/v1/campaigns/${body.campaign_id}/contacts`, { body: { workspace_id: ws, contacts: [...contacts.slice(0, 3), ...more] } });
    assert.deepEqual([a2.json.added, a2.json.duplicates], [0, 8]);
    // Same contact twice in one call, and by phone when it has no id.
    const noId = { phone: uniquePhone(), marketing_state: "SUBSCRIBED" };
    const a3 = await s.request("POST", `/v1/campaigns/${body.campaign_id}/contacts`, { body: { workspace_id: ws, contacts: [noId, noId, { ...noId }] } });
    assert.deepEqual([a3.json.added, a3.json.duplicates], [1, 2]);
    const rep = await waitFor(s, ws, body.campaign_id);
    assert.equal(rep.total, 16);
    for (const c of [...contacts, ...more, noId]) assert.equal(callsTo(c.phone).length, 1, "sent once");
    await s.settle();
    await assertLedger(s, ws, await report(s, ws, body.campaign_id), { initial: 50 });
    const list = await s.request("GET", `/v1/campaigns?workspace_id=${ws}`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.campaigns.map((c) => c.campaign_id), [body.campaign_id]);
    assert.equal(list.json.campaigns[0].counts.read + list.json.campaigns[0].counts.delivered + list.json.campaigns[0].counts.accepted, 16);
  });

  test("duplicate queue deliveries (pause/resume storms enqueue every waiting contact again) are harmless", { timeout: 90_000 }, async () => {
    const ws = await s.fundedWorkspace(150);
    const contacts = contactsFor([["000", 150]]);
    const { campaignId } = await createCampaign(s, { workspace: ws, contacts, extra: { phone_number_id: SLOW_NUMBER } });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 400));
      assert.equal((await s.request("POST", `/v1/campaigns/${campaignId}/pause?workspace_id=${ws}`)).status, 200);
      assert.equal((await s.request("POST", `/v1/campaigns/${campaignId}/resume?workspace_id=${ws}`)).status, 200);
    }
    const rep = await waitFor(s, ws, campaignId, (r) => r.state === "finished", 60_000);
    for (const c of contacts) assert.equal(callsTo(c.phone).length, 1, "one call per contact");
    assert.equal(rep.counts.accepted + rep.counts.delivered + rep.counts.read, 150);
    await s.settle();
    await assertLedger(s, ws, await report(s, ws, campaignId), { initial: 150 });
  });

  test("more contacts than credits: reserved in file order, the rest INSUFFICIENT_CREDITS, never sent", { timeout: 60_000 }, async () => {
    const ws = await s.fundedWorkspace(7);
    const contacts = contactsFor([["000", 10]]);
    const { campaignId, created } = await createCampaign(s, { workspace: ws, contacts });
    assert.equal(created.credits.reserved, 7);
    assert.equal(created.counts.blocked, 3);
    assert.equal(created.by_reason.INSUFFICIENT_CREDITS, 3);
    const rows = await allContacts(s, ws, campaignId);
    assert.deepEqual(rows.map((r) => r.state === "blocked"), [false, false, false, false, false, false, false, true, true, true], "file order");
    await waitFor(s, ws, campaignId);
    for (const [i, c] of contacts.entries()) assert.equal(callsTo(c.phone).length, i < 7 ? 1 : 0);
    await s.settle();
    await assertLedger(s, ws, await report(s, ws, campaignId), { initial: 7 });
  });
});

describe("routes", () => {
  test("a CSV export (Shopify columns) is read by the core's reader; keys by customer id", { timeout: 60_000 }, async () => {
    const ws = await s.fundedWorkspace(10);
    const p = [uniquePhone(), uniquePhone(), uniquePhone()];
    const csv = `Customer ID,First Name,Email,Accepts SMS Marketing,Default Address Country Code,Phone\n'101,Ana,a@x.test,yes,GB,'${p[0]}\n102,Bo,b@x.test,no,GB,${p[1]}\n103,Cy,c@x.test,yes,GB,${p[2]}\n`;
    const id = uid("csv");
    const r = await s.request("POST", "/v1/campaigns", { body: { campaign_id: id, workspace_id: ws, template: TEMPLATE, parameters: ["x", "y"], csv } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.total, 3);
    assert.equal(r.json.counts.blocked, 1);
    const again = await s.request("POST", `/v1/campaigns/${id}/contacts`, { body: { workspace_id: ws, csv } });
    assert.deepEqual([again.json.added, again.json.duplicates], [0, 3]);
    await waitFor(s, ws, id);
    const rows = await allContacts(s, ws, id);
    assert.deepEqual(rows.map((x) => x.key), [`${id}:101`, `${id}:102`, `${id}:103`]);
    assert.equal(callsTo(p[0]).length + callsTo(p[1]).length + callsTo(p[2]).length, 2);
  });

  test("bad input is a 400 naming the field; scopes; unknown campaigns are 404", async () => {
    const ws = await s.fundedWorkspace(1);
    const ok = { campaign_id: uid("v"), workspace_id: ws, template: TEMPLATE, parameters: ["a", "b"], contacts: [{ id: "x", phone: uniquePhone(), marketing_state: "SUBSCRIBED" }] };
    const cases = [
      [{ ...ok, campaign_id: undefined }, "campaign_id"],
      [{ ...ok, campaign_id: "no spaces" }, "campaign_id"],
      [{ ...ok, template: undefined }, "template"],
      [{ ...ok, template: { ...TEMPLATE, name: 3 } }, "template.name"],
      [{ ...ok, template: { ...TEMPLATE, category: "SPAM" } }, "template.category"],
      [{ ...ok, source: "inbox" }, "source"],
      [{ ...ok, contacts: "nope" }, "contacts"],
      [{ ...ok, contacts: Array.from({ length: 5001 }, (_, i) => ({ id: `c${i}`, phone: "+447911123456", marketing_state: "SUBSCRIBED" })) }, "contacts"],
      [{ ...ok, contacts: [ok.contacts[0], 7] }, "contacts[1]"],
      [{ ...ok, contacts: [{ ...ok.contacts[0], marketing_state: "MAYBE" }] }, "contacts[0].marketing_state"],
      [{ ...ok, contacts: [{ ...ok.contacts[0], id: "" }] }, "contacts[0].id"],
      [{ ...ok, contacts: [{ ...ok.contacts[0], parameters: [1] }] }, "contacts[0].parameters[0]"],
      [{ ...ok, contacts: undefined, csv: "Name,Email\nAna,a@x\n" }, "csv"],
      [{ ...ok, csv: "Phone\n" }, "contacts"],
      [{ ...ok, not_before: "tomorrow" }, "not_before"],
      [{ ...ok, breaker: { window: 2 } }, "breaker.window"],
      [{ ...ok, breaker: { max_share: 0 } }, "breaker.max_share"],
      [{ ...ok, parameters: "a" }, "parameters"],
      [{ ...ok, phone_number_id: "a b" }, "phone_number_id"],
      [{ ...ok, surprise: 1 }, "surprise"],
    ];
    for (const [body, path] of cases) {
      const r = await s.request("POST", "/v1/campaigns", { body });
      assert.equal(r.status, 400, `${path}: ${r.text.slice(0, 300)}`);
      assert.equal(r.json.error.path, path, r.text.slice(0, 300));
    }
    assert.equal((await s.request("GET", `/v1/campaigns/${uid("none")}?workspace_id=${ws}`)).status, 404);
    assert.equal((await s.request("POST", `/v1/campaigns/${uid("none")}/pause?workspace_id=${ws}`)).status, 404);
    const reader = await s.workspaceKey(ws, ["read"]);
    const refused = await s.request("POST", "/v1/campaigns", { body: ok, key: reader.key });
    assert.equal(refused.status, 403);
    assert.equal((await s.request("GET", `/v1/campaigns?workspace_id=${ws}`, { key: reader.key })).status, 200);
    const other = await s.fundedWorkspace(1);
    assert.equal((await s.request("GET", `/v1/campaigns?workspace_id=${other}`, { key: reader.key })).status, 403);
    const sender = await s.workspaceKey(ws, ["send"]);
    const wrongNumber = await s.request("POST", "/v1/campaigns", { body: { ...ok, phone_number_id: "999" }, key: sender.key });
    assert.equal(wrongNumber.status, 403);
    assert.equal(wrongNumber.json.error.path, "phone_number_id");
    assert.equal((await s.request("POST", "/v1/campaigns", { body: ok, key: SECRETS.ADMIN_API_KEY })).status, 403);
  });
});
