// Shared by the campaign tests: contacts with chosen sandbox behaviours, waiting for a campaign
// to end, reading every contact, and the ledger identities every campaign must satisfy.
import assert from "node:assert/strict";
import { uid } from "./harness.mjs";

let next = Math.floor(Math.random() * 50_000);
/** A UK mobile never used before in this process whose last three digits choose the sandbox
 *  behaviour (worker/README.md): `+4479` + 5 digits + behaviour. */
export function uniquePhone(behaviour = "000") {
  next = (next + 1) % 100_000;
  return `+4479${String(next).padStart(5, "0")}${behaviour}`;
}

export const TEMPLATE = { name: "order_update", language: "en_US", category: "UTILITY", status: "APPROVED", body: "Hi {{1}}, your order {{2}} is on its way" };

export function contactsFor(mix) {
  const out = [];
  for (const [behaviour, n, extra = {}] of mix) {
    for (let i = 0; i < n; i++) out.push({ id: uid("c"), phone: uniquePhone(behaviour), marketing_state: "SUBSCRIBED", ...extra, behaviour });
  }
  // Interleave behaviours (a file is never sorted by outcome).
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const strip = (c) => {
  const { behaviour, ...rest } = c;
  return rest;
};

export async function createCampaign(s, { workspace, campaignId = uid("cmp"), contacts = [], template = TEMPLATE, extra = {} }) {
  const first = contacts.slice(0, 5000).map(strip);
  const r = await s.request("POST", "/v1/campaigns", {
    body: { campaign_id: campaignId, workspace_id: workspace, template, parameters: ["Ana", "A-1"], contacts: first, ...extra },
  });
  assert.equal(r.status, 201, r.text);
  for (let i = 5000; i < contacts.length; i += 5000) {
    const a = await s.request("POST", `/v1/campaigns/${campaignId}/contacts`, { body: { workspace_id: workspace, contacts: contacts.slice(i, i + 5000).map(strip) } });
    assert.equal(a.status, 200, a.text);
  }
  return { campaignId, created: r.json };
}

export async function report(s, workspace, campaignId) {
  const r = await s.request("GET", `/v1/campaigns/${campaignId}?workspace_id=${workspace}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

export async function allContacts(s, workspace, campaignId) {
  const out = [];
  let from = 0;
  for (;;) {
    const r = await s.request("GET", `/v1/campaigns/${campaignId}/contacts?workspace_id=${workspace}&from=${from}&limit=5000`);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.contacts);
    if (r.json.next_from === null || r.json.contacts.length < 5000) return out;
    from = r.json.next_from;
  }
}

/** Polls the report until `done(report)` (default: the campaign finished). */
export async function waitFor(s, workspace, campaignId, done = (r) => r.state === "finished", ms = 120_000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await report(s, workspace, campaignId);
    if (done(last)) return last;
    if (Date.now() > end) throw new Error(`campaign did not get there in time: ${JSON.stringify({ state: last.state, counts: last.counts, pause: last.pause })}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const FINAL = new Set(["accepted", "delivered", "read", "failed", "blocked", "retry_later", "cancelled"]);

/** Reserved − released − debited is what is still reserved; at the end, nothing. The
 *  workspace's ledger says the same. */
export async function assertLedger(s, workspace, rep, { initial }) {
  const { reserved, released, debited } = rep.credits;
  assert.equal(reserved - released - debited, 0, `campaign credits ${JSON.stringify(rep.credits)}`);
  const credits = await s.until(async () => {
    const c = await s.credits(workspace);
    return c.reserved === 0 && c.debited === debited ? c : null;
  }, 15_000);
  assert.equal(credits.balance, initial - debited);
  assert.equal(credits.available, initial - debited);
}
