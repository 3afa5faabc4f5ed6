// The Account and Campaigns panels served by the REAL worker (wrangler dev, workerd, sandbox
// Meta), as signin.test.mjs does: the account is read from GET /v1/account and a campaign from a
// CSV runs through the worker's queue to its last outcome. worker-panels.test.mjs covers the
// error states (403, 401, network) against a stand-in.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { open } from "./browser.mjs";
import { DIST } from "./server.mjs";
import { phone, startStack, uid } from "../../worker/test/harness.mjs";


let stack;
let s;
const ws = uid("acme");

before(async () => {
  stack = await startStack({ assets: DIST });
  await stack.topUp(ws, 100);
  const key = await stack.workspaceKey(ws, ["read", "send", "check"], "dashboard");
  s = await open({ server: { url: `${stack.base}/`, close: async () => {} } });
  await s.page.getByText("Load from the sendgate worker").click();
  await s.page.getByLabel("Workspace key (sgk_…, kept in this tab only)").fill(key.key);
  await s.page.getByRole("button", { name: "Sign in", exact: true }).click();
  await s.page.locator("#signed-in:not([hidden])").waitFor();
});
after(async () => {
  await s?.close();
  await stack?.stop();
});

test("the account panel reads the worker's GET /v1/account", async () => {
  const { page } = s;
  await page.getByRole("link", { name: "Account", exact: true }).click();
  await page.locator('#account[data-state="loaded"]').waitFor({ timeout: 15_000 });
  assert.match(await page.locator("#acct-facts").innerText(), /Phone number id\s+\d+/);
  assert.match(await page.locator("#acct-throughput").innerText(), /\d+ messages\/s/);
  s.assertClean();
});

test("a campaign from a CSV runs on the worker to one outcome per contact, shown live", async () => {
  const { page } = s;
  const lines = ["phone,phone_country_code,phone_calling_code,marketing_state,last_inbound_at"];
  let subscribed = 0;
  for (let i = 0; i < 30; i++) {
    const ok = i % 6 !== 5;
    if (ok) subscribed++;
    lines.push(`${phone("000", 100 + i)},GB,44,${ok ? "SUBSCRIBED" : "NOT_SUBSCRIBED"},`);
  }
  const id = uid("dash").replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 64);
  await page.locator("#cmp-id").fill(id);
  await page.locator("#campaigns").getByLabel("Template").selectOption({ label: "new_collection (en) — MARKETING, APPROVED" });
  await page.locator("#cmp-file").setInputFiles({ name: "c.csv", mimeType: "text/csv", buffer: Buffer.from(`${lines.join("\n")}\n`) });
  assert.match(await page.locator("#cmp-preflight-summary").innerText(), new RegExp(`30 contacts, ${subscribed} would be sent new_collection, ${30 - subscribed} blocked`));
  await page.locator("#cmp-start").click();
  await page.locator("#cmp-status", { hasText: `Campaign ${id} created` }).waitFor({ timeout: 15_000 });
  await page.locator('#cmp-watch[data-state="finished"]').waitFor({ timeout: 60_000 });
  const count = async (k) => Number(await page.locator(`#cmp-counts [data-count="${k}"]`).innerText());
  assert.equal(await count("blocked"), 30 - subscribed);
  assert.equal((await count("accepted")) + (await count("delivered")) + (await count("read")), subscribed);
  assert.equal(await page.locator("#cmp-progress").evaluate((p) => `${p.value}/${p.max}`), "30/30");
  await page.locator("#cmp-refresh").click();
  await page.locator(`#cmp-table tr[data-campaign="${id}"]`, { hasText: "finished" }).waitFor();
  s.assertClean();
});
