// The Account and Campaigns panels, driven in Chromium against a STAND-IN for the worker: this
// test's own loopback server answers GET /v1/workspace, GET /v1/account and the Campaigns routes
// in the worker's documented shapes (worker/README.md; the real routes are tested in workerd by
// the worker's suites, and worker-panels-real.test.mjs drives these panels against the real
// worker). The stand-in uses the real core (pkg/node.js) where the worker
// would: checkAudience for the blocked contacts of a new campaign, classifyFailure and triage()
// for its failures. What is tested here is the dashboard: what it sends, and how it shows the
// answers and the errors (403, 401, network).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { open } from "./browser.mjs";
import { DIST, serve } from "./server.mjs";
import { checkAudience, classifyFailure, triage } from "../../pkg/node.js";

const WS = "acme";
const KEY = `sgk_${"0123456789abcdef"}_${"ab".repeat(32)}_${WS}`;
const HOUR = 3600_000;
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

const RESTRICTED = {
  phone_number_id: "1234567890",
  waba_id: "98765",
  account: {
    health: [
      { entity: "PHONE_NUMBER", id: "1234567890", can_send_message: "AVAILABLE" },
      { entity: "WABA", id: "98765", can_send_message: "LIMITED", errors: [{ error_code: 141006, error_description: "There is an error with the payment method.", possible_solution: "Add a valid payment method in Business Manager." }] },
    ],
    // As the edge writes it: every restriction in `restrictions`, `restriction` cleared.
    restriction: null,
    restrictions: [{ type: "RESTRICTED_BIZ_INITIATED_MESSAGING", until: iso(Date.now() + 48 * HOUR) }],
    banned: false,
    payment_method: false,
    messaging_limit: { tier: "TIER_250", unique_recipients_24h: 17 },
    phone_quality: "YELLOW",
  },
  throughput_mps: 80,
  throughput_source: "meta",
  messaging_limit: { tier: "TIER_250", limit: 250, unique_recipients_24h: 17 },
  templates_changing: [
    { name: "order_feedback", language: "en", category: "UTILITY", pending_category: "MARKETING", effective_at: iso(Date.now() + 14 * 24 * HOUR) },
    // A completed change: the category in force, nothing pending.
    { name: "winback_offer", language: null, category: "MARKETING", pending_category: null, effective_at: null },
  ],
  health_checked_at: iso(Date.now() - 5 * 60_000),
  updated_at: iso(Date.now() - HOUR),
};
const HEALTHY = {
  ...RESTRICTED,
  account: { health: [{ entity: "PHONE_NUMBER", can_send_message: "AVAILABLE" }], payment_method: true, messaging_limit: { tier: "TIER_250", unique_recipients_24h: 17 } },
  templates_changing: [],
};

/** What the stand-in answers and what it was asked. */
const worker = { account: RESTRICTED, accountMode: "ok", campaigns: new Map(), requests: [] };

function json(res, status, value) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(value));
}

async function readBody(req) {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : null;
}

const COUNTS = ["queued", "sending", "accepted", "delivered", "read", "failed", "blocked", "retry_later", "paused", "cancelled"];
const FAIL_CODES = [131026, 131049, 131026, 131050, 131026];

/** A new campaign's report: the core's preflight blocks some contacts at once, the rest queue. */
function createCampaign(body) {
  const pre = checkAudience(body.csv, { source: body.source, template: body.template, policy: body.policy });
  const counts = Object.fromEntries(COUNTS.map((k) => [k, 0]));
  counts.blocked = pre.blocked_contacts;
  counts.queued = pre.eligible;
  const by_reason = Object.fromEntries(pre.blocked.map((b) => [b.reason, b.count]));
  return {
    campaign_id: body.campaign_id,
    workspace_id: WS,
    phone_number_id: body.phone_number_id ?? "1234567890",
    state: "running",
    template: { name: body.template.name, language: body.template.language, category: body.template.category },
    total: pre.rows,
    counts,
    by_reason,
    pause: null,
    credits: { reserved: pre.eligible, released: 0, debited: 0 },
    rate: { achieved_mps: 0, series: [] },
    started_at: iso(Date.now()),
    finished_at: null,
    eta: iso(Date.now() + 60_000),
    created_at: iso(Date.now()),
    failures: [],
    triage: triage([]),
  };
}

/** One second of dispatch: 20 contacts, of which 2 fail (classified by the core). */
function advance(c) {
  if (c.state !== "running") return;
  const step = Math.min(20, c.counts.queued);
  for (let i = 0; i < step; i++) {
    const k = c.counts.accepted + c.counts.delivered + c.counts.read + c.counts.failed;
    if (k % 10 === 9) {
      const code = FAIL_CODES[c.failures.length % FAIL_CODES.length];
      const classification = classifyFailure(code);
      c.failures.push({ kind: "status", wamid: `wamid.${k}`, status: "failed", recipient_id: `52155${String(k).padStart(8, "0")}`, timestamp: iso(Date.now()), phone_number_id: c.phone_number_id, classification });
      c.by_reason[classification.reason] = (c.by_reason[classification.reason] ?? 0) + 1;
      c.counts.failed++;
    } else c.counts[["read", "delivered", "accepted"][k % 3]]++;
  }
  c.counts.queued -= step;
  c.credits.debited += step;
  const last = c.rate.series.at(-1);
  c.rate.series.push({ at: iso(last ? new Date(last.at).getTime() + 1000 : Date.now()), sent: step });
  c.rate.achieved_mps = c.rate.series.reduce((s, p) => s + p.sent, 0) / c.rate.series.length;
  c.triage = triage(c.failures);
  if (!c.counts.queued) {
    c.state = "finished";
    c.finished_at = iso(Date.now());
  }
}

const report = ({ failures, created_at, ...r }) => r;

async function api(req, res) {
  const url = new URL(req.url, "http://127.0.0.1");
  if (!url.pathname.startsWith("/v1/")) return false;
  const body = req.method === "POST" ? await readBody(req) : null;
  worker.requests.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), body });
  if (req.headers.authorization !== `Bearer ${KEY}`) {
    json(res, 401, { error: { code: "unauthorized", message: "unknown or revoked key" } });
    return true;
  }
  const path = url.pathname;
  if (path === "/v1/workspace") json(res, 200, { workspace_id: WS, name: "Acme Store", key: { scopes: ["read", "send"] } });
  else if (path === "/v1/account") {
    const mode = worker.accountMode;
    if (mode === "down") req.socket.destroy();
    else if (mode === "403") json(res, 403, { error: { code: "forbidden", message: "phone number 555 is not this workspace's" } });
    else if (mode === "401") {
      json(res, 401, { error: { code: "unauthorized", message: "revoked" } });
      worker.accountMode = "ok";
    } else json(res, 200, { ...worker.account, phone_number_id: url.searchParams.get("phone_number_id") ?? worker.account.phone_number_id });
  } else if (path === "/v1/campaigns" && req.method === "POST") {
    const known = worker.campaigns.get(body.campaign_id);
    if (known) json(res, 200, report(known));
    else {
      const c = createCampaign(body);
      worker.campaigns.set(c.campaign_id, c);
      json(res, 201, report(c));
    }
  } else if (path === "/v1/campaigns") {
    json(res, 200, { workspace_id: WS, campaigns: [...worker.campaigns.values()].map((c) => ({ campaign_id: c.campaign_id, state: c.state, created_at: c.created_at, template: c.template, counts: c.counts })) });
  } else {
    const m = /^\/v1\/campaigns\/([^/]+)(?:\/(pause|resume|cancel))?$/.exec(path);
    const c = m && worker.campaigns.get(decodeURIComponent(m[1]));
    if (!c) json(res, 404, { error: { code: "not_found", message: "no such campaign" } });
    else if (!m[2]) {
      advance(c);
      json(res, 200, report(c));
    } else {
      if (m[2] === "pause" && c.state === "running") {
        c.state = "paused";
        c.counts.paused = c.counts.queued;
        c.counts.queued = 0;
      } else if (m[2] === "resume" && c.state === "paused") {
        c.state = "running";
        c.pause = null;
        c.counts.queued += c.counts.paused;
        c.counts.paused = 0;
      } else if (m[2] === "cancel" && (c.state === "running" || c.state === "paused")) {
        c.state = "cancelled";
        c.counts.cancelled = c.counts.queued + c.counts.paused;
        c.credits.released += c.counts.cancelled;
        c.counts.queued = c.counts.paused = 0;
        c.finished_at = iso(Date.now());
      }
      json(res, 200, report(c));
    }
  }
  return true;
}

/** A contact export: `n` MX mobiles, every 5th not subscribed. */
function contactsCsv(n) {
  const lines = ["phone,phone_country_code,phone_calling_code,marketing_state,last_inbound_at"];
  for (let i = 0; i < n; i++) lines.push(`+5255${String(20_000_000 + i)},MX,52,${i % 5 === 4 ? "NOT_SUBSCRIBED" : "SUBSCRIBED"},`);
  return `${lines.join("\n")}\n`;
}

let s;
before(async () => {
  // A campaign the breaker paused (Meta paused its template), already in the workspace's list.
  const paused = createCampaign({ campaign_id: "spring-launch", source: "campaign", template: { name: "flash_sale", language: "en", category: "MARKETING", status: "APPROVED", body: "Sale" }, csv: contactsCsv(40) });
  paused.state = "paused";
  paused.counts.paused = paused.counts.queued;
  paused.counts.queued = 0;
  paused.pause = { cause: "template", reason: "TEMPLATE_NOT_APPROVED", message: "Meta paused flash_sale (132015) after 12 sends.", at: iso(Date.now() - 10 * 60_000) };
  worker.campaigns.set(paused.campaign_id, paused);
  const server = await serve(DIST, api);
  s = await open({ server });
});
after(async () => s?.close());

const keyField = () => s.page.getByLabel("Workspace key (sgk_…, kept in this tab only)");
const account = () => s.page.locator("#account");
const watchBox = () => s.page.locator("#cmp-watch");
const count = async (k) => Number((await s.page.locator(`#cmp-counts [data-count="${k}"]`).innerText()).replace(/,/g, ""));

async function signIn() {
  await keyField().fill(KEY);
  await s.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await s.page.locator("#signed-in:not([hidden])").waitFor();
  // The panels ask the worker once they are opened.
  await s.page.getByRole("link", { name: "Account", exact: true }).click();
}

test("signed out: both panels say to sign in, and take the merchant to the key field", async () => {
  const { page } = s;
  assert.equal(await account().getAttribute("data-state"), "signed-out");
  assert.match(await page.locator("#acct-out").innerText(), /Sign in with your workspace key/);
  assert.ok(await page.locator("#acct-load").isDisabled());
  assert.ok(await page.locator("#cmp-signed-out").isVisible());
  await page.locator("#cmp-signin").click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "workspace-key");
  assert.equal(worker.requests.length, 0, "nothing asked of the worker before signing in");
});

test("signed in from the campaigns panel, the merchant is taken back there; the account is read only once opened", async () => {
  const { page } = s;
  await keyField().fill(KEY);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.locator("#signed-in:not([hidden])").waitFor();
  await page.waitForFunction(() => location.hash === "#campaigns");
  await page.locator("#cmp-list").filter({ hasText: "spring-launch" }).waitFor();
  assert.deepEqual(worker.requests.map((r) => r.path), ["/v1/workspace", "/v1/campaigns"]);
  assert.equal(await account().getAttribute("data-state"), "signed-in");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.locator("#cmp-signed-out").waitFor();
});

test("the account panel shows GET /v1/account: health per entity, restriction, payment, tier bar, quality, throughput, changing templates", async () => {
  const { page } = s;
  await signIn();
  await page.locator('#account[data-state="loaded"]').waitFor();
  const asked = worker.requests.find((r) => r.path === "/v1/account");
  assert.deepEqual(asked.query, { workspace_id: WS });
  const rows = await page.locator("#acct-health tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.dataset.entity, tr.children[1].textContent]));
  assert.deepEqual(rows, RESTRICTED.account.health.map((e) => [e.entity, e.can_send_message]));
  assert.match(await page.locator('#acct-health tr[data-entity="WABA"]').innerText(), /141006.*payment method.*Add a valid payment method/s);
  assert.match(await page.locator("#acct-restriction").innerText(), new RegExp(`RESTRICTED_BIZ_INITIATED_MESSAGING until .*${new Date(RESTRICTED.account.restrictions[0].until).getFullYear()}`));
  assert.match(await page.locator("#acct-payment-method").innerText(), /Missing/);
  assert.match(await page.locator("#acct-limit").innerText(), /TIER_250: 17 of 250 new recipients used in the last 24 h \(6\.8%\)/);
  const width = await page.locator("#acct-limit .bar-fill").evaluate((el) => el.style.width);
  assert.equal(width, `${((17 / 250) * 100).toFixed(1)}%`);
  assert.equal(await page.locator("#acct-quality").innerText(), "YELLOW");
  assert.match(await page.locator("#acct-throughput").innerText(), /80 messages\/s \(from Meta\)/);
  assert.match(await page.locator('#acct-changing li[data-name="order_feedback"]').innerText(), /order_feedback \(en\): UTILITY → MARKETING from/);
  assert.equal(await page.locator('#acct-changing li[data-name="winback_offer"]').innerText(), "winback_offer: now MARKETING");
  await s.screenshot("account-panel", "#account");
  s.assertClean();
});

test("the worker's account feeds the contact check: its restriction and missing payment method block, typed fields come back after", async () => {
  const { page } = s;
  await page.getByLabel("Phone", { exact: true }).fill("+525512345678");
  await page.locator('#verdict[data-state="eligible"]').waitFor();
  await page.locator("#acct-use").click();
  await page.locator("#acct-worker", { hasText: "phone number 1234567890" }).waitFor();
  assert.ok(await page.locator("#acct-form").isHidden());
  await page.locator('#verdict .finding.blocker[data-reason="ACCOUNT_RESTRICTED"]').waitFor();
  assert.equal(await page.locator('#verdict .finding.blocker[data-reason="META_BILLING_ISSUE"]').count(), 1);
  await page.locator("#acct-worker-stop").click();
  await page.locator('#verdict[data-state="eligible"]').waitFor();
  assert.ok(await page.locator("#acct-form").isVisible());
});

test("account errors: 403 and an unreachable worker say why and keep the session; 401 ends it", async () => {
  const { page } = s;
  const error = page.locator("#acct-error");
  worker.accountMode = "403";
  await page.locator("#acct-load").click();
  await page.locator('#account[data-state="error"]').waitFor();
  assert.match(await error.innerText(), /may not read the account \(phone number 555 is not this workspace's\)/);
  worker.accountMode = "down";
  await page.locator("#acct-load").click();
  await error.filter({ hasText: "could not be reached" }).waitFor();
  assert.ok(await page.locator("#signed-in").isVisible());
  worker.accountMode = "401";
  await page.locator("#acct-load").click();
  await page.locator('#account[data-state="signed-out"]').waitFor();
  assert.match(await error.innerText(), /not accepted: it is wrong or has been revoked/);
  // The whole page is signed out: the key field is back, the campaigns panel says to sign in.
  assert.ok(await keyField().isVisible());
  assert.ok(await page.locator("#cmp-signed-out").isVisible());
  s.problems.length = 0; // the 401/403 answers and the dropped connection were the point
  worker.account = HEALTHY;
  await signIn();
  await page.locator('#account[data-state="loaded"]').waitFor();
  assert.ok(await error.isHidden());
});

const SAMPLE = {
  black_friday_2026: { name: "black_friday_2026", language: "en", category: "MARKETING", status: "APPROVED", quality: "GREEN", body: "Hi {{1}}, Black Friday is here: {{2}} off everything until Sunday. Shop now: {{3}}" },
  new_collection: { name: "new_collection", language: "en", category: "MARKETING", status: "APPROVED", quality: "GREEN", body: "Our winter collection is here. Reply STOP to stop receiving offers." },
};

test("a campaign with parameters: one input per slot of the core's, sent with the file and template", async () => {
  const { page } = s;
  const panel = page.locator("#campaigns");
  const csv = contactsCsv(20);
  await page.locator("#cmp-id").fill("bf-params");
  await panel.getByLabel("Template").selectOption({ label: "black_friday_2026 (en) — MARKETING, APPROVED" });
  assert.equal(await page.locator("#cmp-params input").count(), 3);
  await panel.getByLabel("Body {{1}}").fill("friend");
  await panel.getByLabel("Body {{2}}").fill("30%");
  await panel.getByLabel("Body {{3}}").fill("https://example.test/bf");
  assert.ok(await page.locator("#cmp-start").isDisabled(), "nothing to start before the file");
  await page.locator("#cmp-file").setInputFiles({ name: "bf.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  // The preflight is the core's checkAudience, whatever it says (it takes no parameters).
  const expected = checkAudience(csv, { source: "campaign", template: SAMPLE.black_friday_2026, policy: { consent: "strict" }, account: HEALTHY.account });
  await page.locator("#cmp-preflight-summary", { hasText: `bf.csv: 20 contacts, ${expected.eligible} would be sent black_friday_2026, ${expected.blocked_contacts} blocked` }).waitFor();
  await page.locator("#cmp-start").click();
  await page.locator("#cmp-status", { hasText: "Campaign bf-params created" }).waitFor();
  const posted = worker.requests.find((r) => r.method === "POST" && r.path === "/v1/campaigns").body;
  assert.equal(posted.campaign_id, "bf-params");
  assert.equal(posted.workspace_id, WS);
  assert.equal(posted.phone_number_id, HEALTHY.phone_number_id);
  assert.deepEqual(posted.template, SAMPLE.black_friday_2026);
  assert.equal(posted.csv, csv);
  assert.deepEqual(posted.parameters, ["friend", "30%", "https://example.test/bf"]);
  assert.deepEqual(posted.policy, { consent: "strict" });
  assert.equal(posted.source, "campaign");
});

test("a campaign from a CSV: the core's preflight (with the worker's tier) first, then POST /v1/campaigns; a replay is idempotent", async () => {
  const { page } = s;
  const panel = page.locator("#campaigns");
  const csv = contactsCsv(300);
  await page.locator("#cmp-id").fill("black-friday");
  await panel.getByLabel("Template").selectOption({ label: "new_collection (en) — MARKETING, APPROVED" });
  assert.equal(await page.locator("#cmp-params input").count(), 0);
  await page.locator("#cmp-file").setInputFiles({ name: "customers.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  // The worker's account (TIER_250, 17 used) is in the preflight: some contacts are over the limit.
  const expected = checkAudience(csv, { source: "campaign", template: SAMPLE.new_collection, policy: { consent: "strict" }, account: HEALTHY.account });
  assert.ok(expected.eligible > 0 && expected.messaging_limit.over_limit > 0);
  const summary = page.locator("#cmp-preflight-summary");
  await summary.filter({ hasText: "customers.csv" }).waitFor();
  assert.match(await summary.innerText(), new RegExp(`customers\\.csv: 300 contacts, ${expected.eligible} would be sent new_collection, ${expected.blocked_contacts} blocked`));
  assert.match(await summary.innerText(), new RegExp(`${expected.messaging_limit.over_limit} are over the TIER_250 messaging limit from line ${expected.messaging_limit.first_line_over_limit}`));
  const bars = await page.locator("#cmp-preflight .bar-row").evaluateAll((rows) => rows.map((r) => r.dataset.reason));
  assert.deepEqual(bars, expected.blocked.map((b) => b.reason));

  await page.locator("#cmp-start").click();
  await page.locator("#cmp-status", { hasText: "Campaign black-friday created" }).waitFor();
  const posted = worker.requests.filter((r) => r.method === "POST" && r.path === "/v1/campaigns").at(-1).body;
  assert.equal(posted.campaign_id, "black-friday");
  assert.equal(posted.parameters, undefined);
  await page.locator('#cmp-watch[data-campaign="black-friday"]').waitFor();
  // Starting again replays the same campaign_id: the worker answers 200, nothing is added.
  await page.locator("#cmp-start").click();
  await page.locator("#cmp-status", { hasText: "already existed" }).waitFor();
  assert.equal(worker.campaigns.size, 3);
});

test("watching it live: progress, funnel, failures by reason and the rate chart follow the polled report; pause, resume and cancel", async () => {
  const { page } = s;
  const c = worker.campaigns.get("black-friday");
  // A few polls in, something has been sent.
  await page.waitForFunction(() => Number(document.querySelector("#cmp-watch")?.dataset.polls ?? 0) >= 4, null, { timeout: 15_000 });
  await page.locator("#cmp-pause-btn").click();
  await page.locator('#cmp-watch[data-state="paused"]').waitFor();
  assert.ok(await page.locator("#cmp-resume-btn").isEnabled());
  assert.ok(await page.locator("#cmp-pause-btn").isDisabled());
  // Paused: the report stands still however often it is polled.
  const polls = Number(await watchBox().getAttribute("data-polls"));
  await page.waitForFunction((n) => Number(document.querySelector("#cmp-watch").dataset.polls) >= n + 2, polls, { timeout: 10_000 });
  assert.equal(await count("paused"), c.counts.paused);
  assert.equal(await count("queued"), 0);
  const sent = c.counts.accepted + c.counts.delivered + c.counts.read;
  assert.ok(sent > 0);
  const funnel = await page.locator("#cmp-funnel li").evaluateAll((lis) => Object.fromEntries(lis.map((li) => [li.dataset.step, Number(li.querySelector(".funnel-count").textContent.replace(/,/g, ""))])));
  assert.deepEqual(funnel, { sent, delivered: c.counts.delivered + c.counts.read, read: c.counts.read });
  const done = c.total - c.counts.paused;
  assert.equal(await page.locator("#cmp-progress").evaluate((p) => [p.value, p.max].join("/")), `${done}/${c.total}`);
  assert.equal(await page.locator("#cmp-rate rect.rate-bar").count(), c.rate.series.length);
  const bars = await page.locator("#cmp-watch .bar-row").evaluateAll((rows) => Object.fromEntries(rows.map((r) => [r.dataset.reason, Number(r.querySelector(".bar-value").textContent.split(" ")[0])])));
  assert.deepEqual(bars, c.by_reason);
  assert.ok(c.counts.failed > 0 && c.failures.every((f) => c.by_reason[f.classification.reason] > 0), "failures classified by the core are charted");

  await page.locator("#cmp-resume-btn").click();
  await page.locator('#cmp-watch[data-state="running"]').waitFor();
  await page.locator("#cmp-cancel-btn").click();
  await page.locator('#cmp-watch[data-state="cancelled"]').waitFor();
  assert.deepEqual(worker.requests.filter((r) => r.method === "POST" && r.path.startsWith("/v1/campaigns/")).map((r) => r.path), ["/v1/campaigns/black-friday/pause", "/v1/campaigns/black-friday/resume", "/v1/campaigns/black-friday/cancel"]);
  assert.equal(await count("cancelled"), c.counts.cancelled);
  assert.ok(c.counts.cancelled > 0);
  for (const b of ["#cmp-pause-btn", "#cmp-resume-btn", "#cmp-cancel-btn"]) assert.ok(await page.locator(b).isDisabled(), `${b} after cancel`);
  assert.match(await page.locator("#cmp-times").innerText(), new RegExp(`released ${c.credits.released}`));
  // Finished or cancelled: polling stops.
  const after = Number(await watchBox().getAttribute("data-polls"));
  await page.waitForTimeout(2500);
  assert.equal(Number(await watchBox().getAttribute("data-polls")), after);
  await s.screenshot("campaign-cancelled", "#campaigns");
  s.assertClean();
});

test("a campaign's failures open in the triage panel, from the worker's triage report", async () => {
  const { page } = s;
  const c = worker.campaigns.get("black-friday");
  await page.locator("#cmp-triage-btn").click();
  await page.locator("#triage-status", { hasText: `Campaign black-friday: ${c.triage.total} failures` }).waitFor();
  const groups = await page.locator("#triage-out details.group").evaluateAll((ds) => ds.map((d) => d.dataset.reason));
  assert.deepEqual(groups, c.triage.groups.map((g) => g.reason));
  assert.match(await page.locator("#triage-summary").innerText(), new RegExp(c.triage.summary.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
});

test("the campaigns list: a campaign the breaker paused shows its cause and the catalog's guidance", async () => {
  const { page } = s;
  await page.locator("#cmp-refresh").click();
  const row = page.locator('#cmp-table tr[data-campaign="spring-launch"]');
  await row.waitFor();
  assert.match(await row.innerText(), /spring-launch\s+paused\s+flash_sale/);
  assert.equal(await page.locator('#cmp-table tr[data-campaign="black-friday"] td').nth(1).innerText(), "cancelled");
  await row.getByRole("button", { name: "Watch" }).click();
  await page.locator('#cmp-watch[data-campaign="spring-launch"][data-state="paused"]').waitFor();
  const pause = page.locator("#cmp-pause");
  assert.match(await pause.innerText(), /Paused: template/);
  assert.match(await pause.innerText(), /Meta paused flash_sale \(132015\)/);
  const guidance = classifyFailure("TEMPLATE_NOT_APPROVED");
  assert.equal(await pause.locator(".resolution li").count(), guidance.resolution.length);
  assert.equal(await pause.locator(".resolution li").first().innerText(), guidance.resolution[0]);
  assert.ok(await page.locator("#cmp-resume-btn").isEnabled());
  s.assertClean();
});
