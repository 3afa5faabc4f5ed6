// Failure triage: paste what a merchant has (webhook bodies, codes, reason strings, a CSV) and read
// the grouped report with its retry advice; export it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { open } from "./browser.mjs";
import { parseCsv } from "./csv-read.mjs";

// Meta's failed-status webhook, as in domain/meta-cloud-api.md §2.2.
const WEBHOOK_131049 = {
  object: "whatsapp_business_account",
  entry: [{
    id: "102290129340398",
    changes: [{
      field: "messages",
      value: {
        messaging_product: "whatsapp",
        metadata: { display_phone_number: "15550783881", phone_number_id: "106540352242922" },
        statuses: [{
          id: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMjUzQzgA",
          status: "failed",
          timestamp: "1751142888",
          recipient_id: "16505551234",
          pricing: { billable: true, pricing_model: "PMP", type: "regular", category: "marketing" },
          errors: [{
            code: 131049,
            title: "This message was not delivered to maintain healthy ecosystem engagement.",
            message: "This message was not delivered to maintain healthy ecosystem engagement.",
            error_data: { details: "In order to maintain a healthy ecosystem engagement, the message failed to be delivered." },
            href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
          }],
        }],
      },
    }],
  }],
};

let s;
before(async () => {
  s = await open();
});
after(async () => s?.close());

const group = (reason) => s.page.locator(`#triage-out details.group[data-reason="${reason}"]`);

test("empty state shows what can be pasted", async () => {
  assert.match(await s.page.locator("#triage-out").innerText(), /Nothing triaged yet/);
});

test("Meta's failed-status webhook with 131049 is grouped with its retry advice", async () => {
  const { page } = s;
  await page.getByLabel("Failures", { exact: true }).fill(JSON.stringify(WEBHOOK_131049, null, 2));
  await page.getByRole("button", { name: "Triage", exact: true }).click();
  await group("MARKETING_LIMIT_REACHED").waitFor();
  const g = group("MARKETING_LIMIT_REACHED");
  const summary = await g.locator("summary").innerText();
  assert.match(summary, /Meta 131049/);
  assert.match(summary, /1 failure, 1 recipient/);
  assert.match(summary, /Retry after (24 h|1 days|\d+ h)/);
  // Expand (keyboard): meaning, causes, resolution, prevention and retry advice are all there.
  const body = await g.locator(".group-body").innerText();
  for (const part of [/What it means:/, /How to resolve/, /Retry:/]) assert.match(body, part);
  assert.match(await page.locator("#retry-later").innerText(), /16505551234/);
  assert.match(await page.locator("#retry-now").innerText(), /None/);
  assert.equal(await page.locator('#triage-out .bar-row[data-reason="MARKETING_LIMIT_REACHED"] .bar-value').innerText(), "1 (100%)");
  await s.screenshot("triage-webhook-131049", "#triage");
});

test("a mix of reason strings, codes and Graph errors is triaged, largest group first", async () => {
  const { page } = s;
  const pasted = [
    "CUSTOMER_IS_MISSING_CALLING_CODE",
    "customer_is_missing_calling_code",
    "  CUSTOMER_IS_MISSING_CALLING_CODE ",
    "Outside 24-hour window - no template used",
    "131026",
    "Template not approved",
    '{"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429, "error_data": {"messaging_product": "whatsapp", "details": "Cloud API message throughput has been reached."}, "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}}',
    JSON.stringify(WEBHOOK_131049),
  ].join("\n");
  await page.getByLabel("Failures", { exact: true }).fill(pasted);
  await page.getByLabel("Failures", { exact: true }).press("Control+Enter");
  await group("RATE_LIMIT_EXCEEDED").waitFor();
  const reasons = await page.locator("#triage-out details.group").evaluateAll((els) => els.map((e) => e.dataset.reason));
  assert.equal(reasons[0], "CUSTOMER_IS_MISSING_CALLING_CODE");
  for (const r of ["OUTSIDE_CONVERSATION_WINDOW", "RECIPIENT_NOT_ON_WHATSAPP", "TEMPLATE_NOT_APPROVED", "RATE_LIMIT_EXCEEDED", "MARKETING_LIMIT_REACHED"]) {
    assert.ok(reasons.includes(r), `${r} in ${reasons}`);
  }
  assert.match(await group("CUSTOMER_IS_MISSING_CALLING_CODE").locator("summary").innerText(), /3 failures/);
  assert.doesNotMatch(reasons.join(), /UNKNOWN/);
});

test("a CSV of failed messages with reason and phone columns; the report exports as CSV", async () => {
  const { page } = s;
  const csv = [
    "message_id,phone,failed_at,reason",
    "m1,+525512345678,2026-11-27T10:00:00Z,CUSTOMER_IS_NOT_OPTED_IN",
    "m2,+525512345679,2026-11-27T10:01:00Z,CUSTOMER_IS_NOT_OPTED_IN",
    "m3,+971501234567,2026-11-27T10:02:00Z,INSUFFICIENT_CREDITS",
    "m4,+525512345670,2026-11-27T10:03:00Z,131000",
    "m5,+525512345671,2026-11-27T10:04:00Z,\"Template not approved\"",
  ].join("\n");
  await page.locator("#triage-file").setInputFiles({ name: "failed.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await group("CUSTOMER_IS_NOT_OPTED_IN").waitFor();
  assert.match(await group("CUSTOMER_IS_NOT_OPTED_IN").locator("summary").innerText(), /2 failures, 2 recipients/);
  assert.match(await page.locator("#retry-now").innerText(), /\+?525512345670/);
  assert.match(await page.locator("#retry-never").innerText(), /\+?525512345678/);
  const [dl] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export report (CSV)" }).click()]);
  const rows = parseCsv(await readFile(await dl.path(), "utf8"));
  assert.deepEqual(rows[0].slice(0, 5), ["section", "reason", "meta_code", "title", "count"]);
  const groups = rows.filter((r) => r[0] === "group");
  assert.equal(groups.reduce((n, r) => n + Number(r[4]), 0), 5);
  assert.deepEqual(groups.find((r) => r[1] === "CUSTOMER_IS_NOT_OPTED_IN")?.[4], "2");
  const retried = rows.filter((r) => r[0].startsWith("retry_")).map((r) => r[9]);
  assert.equal(retried.length, 5);
  await s.screenshot("triage-csv", "#triage");
  s.assertClean();
});

// A well-formed workspace key (the static server knows none).
const KEY = `sgk_${"0123456789abcdef"}_${"ab".repeat(32)}_w1`;

test("signing in on a static server explains that the worker is needed; nothing is kept", async () => {
  const { page } = s;
  await page.getByText("Load from the sendgate worker").click();
  await page.getByLabel("Workspace key (sgk_…, kept in this tab only)").fill(KEY);
  // The static test server answers 404 here: expected, so not counted as a failed request.
  const before = s.problems.length;
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#triage-error", { hasText: /sendgate worker/ }).waitFor();
  for (const p of s.problems.splice(before)) assert.match(p, /404.*\/v1\/workspace|Failed to load resource/);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, "a key that did not sign in is kept");
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  s.assertClean();
});

test("the platform's API key (or anything but a workspace key) is refused before it is sent", async () => {
  const { page } = s;
  const sent = [];
  const record = (r) => sent.push(r.url());
  page.on("request", record);
  for (const key of ["test-api-key-7f3a9c", `Bearer ${KEY}`, KEY.replace("sgk_", "sgx_")]) {
    await page.getByLabel("Workspace key (sgk_…, kept in this tab only)").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#triage-error", { hasText: /not a workspace key/ }).waitFor();
  }
  page.off("request", record);
  assert.deepEqual(sent, []);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  s.assertClean();
});

test("served by the worker: sign-in shows the workspace; /v1/failures is loaded page by page with its key", async () => {
  const { page } = s;
  const seen = [];
  // Stand-ins for the worker's GET /v1/workspace and GET /v1/failures (worker/src/api.ts,
  // worker/src/objects/outcomes.ts shapes); worker/test drives the real ones.
  await page.route("**/v1/workspace", (route) =>
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ workspace_id: "w1", name: "Acme Store", phone_number_ids: [], caller: "workspace", key: { key_id: "0123456789abcdef", label: null, scopes: ["read"] } }) }),
  );
  await page.route("**/v1/failures*", (route) => {
    const url = new URL(route.request().url());
    seen.push({ auth: route.request().headers().authorization, cursor: url.searchParams.get("cursor") });
    const body = url.searchParams.get("cursor")
      ? { workspace_id: "w1", failures: [{ id: 1, at: "2026-11-27T09:00:00.000Z", source: "webhook", reason: "RECIPIENT_NOT_ON_WHATSAPP", meta_code: 131026, recipient: "5215512345678", wamid: "wamid.A" }], next_cursor: null }
      : { workspace_id: "w1", failures: [
          { id: 3, at: "2026-11-27T11:00:00.000Z", source: "send", reason: "MARKETING_LIMIT_REACHED", meta_code: 131049, recipient: "525512345678", wamid: "wamid.C" },
          { id: 2, at: "2026-11-27T10:00:00.000Z", source: "gate", reason: "CUSTOMER_IS_NOT_OPTED_IN", meta_code: null, recipient: "525512345679", wamid: null },
        ], next_cursor: "2" };
    return route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(body) });
  });
  await page.getByLabel("Workspace key (sgk_…, kept in this tab only)").fill(KEY);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#signin-who", { hasText: "Acme Store (workspace w1)" }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem("sendgate.workspaceKey")), KEY);
  await page.getByRole("button", { name: "Load /v1/failures" }).click();
  await group("RECIPIENT_NOT_ON_WHATSAPP").waitFor();
  assert.deepEqual(seen, [{ auth: `Bearer ${KEY}`, cursor: null }, { auth: `Bearer ${KEY}`, cursor: "2" }]);
  for (const r of ["MARKETING_LIMIT_REACHED", "CUSTOMER_IS_NOT_OPTED_IN"]) assert.equal(await group(r).count(), 1);
  assert.match(await page.locator("#retry-later").innerText(), /525512345678/);
  assert.match(await page.locator("#triage-status").innerText(), /\/v1\/failures: 3 items/);
  await page.getByRole("button", { name: "Sign out" }).click();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.unroute("**/v1/failures*");
  await page.unroute("**/v1/workspace");
  s.assertClean();
});
