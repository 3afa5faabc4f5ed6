// Template picker: load a set, see which templates a contact can get and why not, fill parameters.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { open } from "./browser.mjs";

let s;
before(async () => {
  s = await open();
  const { page } = s;
  await page.getByLabel("Phone", { exact: true }).fill("+525512345678");
});
after(async () => s?.close());

const item = (name) => s.page.locator(`#tpl-list li[data-name="${name}"]`);
const detail = () => s.page.locator("#tpl-detail");

test("the built-in sample set covers every status and category", async () => {
  const { page } = s;
  await page.getByRole("button", { name: "Load sample set" }).click();
  await page.locator("#tpl-status", { hasText: "from the built-in sample set" }).waitFor();
  const statuses = await page.locator("#tpl-list .tpl-meta code").allInnerTexts();
  for (const st of ["APPROVED", "DRAFT", "PENDING_APPROVAL", "REJECTED", "PENDING", "PAUSED", "DISABLED", "IN_APPEAL", "PENDING_DELETION", "DELETED", "LIMIT_EXCEEDED", "ARCHIVED"]) {
    assert.ok(statuses.includes(st), `sample set has ${st}`);
  }
  const meta = (await page.locator("#tpl-list .tpl-meta").allInnerTexts()).join(" ");
  for (const c of ["MARKETING", "UTILITY", "AUTHENTICATION"]) assert.ok(meta.includes(c), `sample set has ${c}`);
  // Pickable first, every one with a visible text status (not colour alone).
  const badges = await page.locator("#tpl-list .badge").allInnerTexts();
  assert.ok(badges[0].startsWith("✓ Pickable"));
  assert.ok(badges.every((b) => /^(✓ Pickable( \(! [A-Z_, ]+\))?|✕ Not pickable: [A-Z_, ]+)$/.test(b)), badges.join("|"));
  assert.match(await item("winback_offer").innerText(), /✓ Pickable \(! TEMPLATE_QUALITY_LOW\)/);
});

test("a PAUSED template shows why it cannot be used (quality pause guidance)", async () => {
  await item("flash_sale").getByRole("button").click();
  await detail().locator(".status.bad").waitFor();
  const text = await detail().innerText();
  assert.match(text, /Cannot be sent to this contact/);
  assert.match(text, /TEMPLATE_NOT_APPROVED/);
  assert.match(text, /paus/i);
  assert.match(text, /quality/i);
  // The quality finding only warns; the status blocks.
  assert.equal(await detail().locator('.finding.blocker[data-reason="TEMPLATE_NOT_APPROVED"]').count(), 1);
  assert.equal(await detail().locator('.finding.blocker[data-reason="TEMPLATE_QUALITY_LOW"]').count(), 0);
  assert.ok((await detail().locator('.finding[data-reason="TEMPLATE_NOT_APPROVED"] .resolution li').count()) > 0, "resolution steps");
  assert.match(await item("flash_sale").innerText(), /Not pickable: TEMPLATE_NOT_APPROVED/);
  await s.screenshot("templates-paused", "#templates");
});

test("PENDING_APPROVAL says to wait for Meta's review", async () => {
  await item("delivery_update").getByRole("button").click();
  await detail().locator(".finding").first().waitFor();
  assert.match(await detail().innerText(), /wait/i);
});

test("a marketing template for a non-subscribed contact shows the consent reason; utility ones pass under by_category", async () => {
  const { page } = s;
  await page.locator("#contact").getByLabel("Marketing state").selectOption("NOT_SUBSCRIBED");
  await page.locator("#contact").getByLabel("Consent policy").selectOption("by_category");
  await item("black_friday_2026").getByRole("button").click();
  await detail().locator('.finding[data-reason="CUSTOMER_IS_NOT_OPTED_IN"]').waitFor();
  assert.match(await item("black_friday_2026").innerText(), /CUSTOMER_IS_NOT_OPTED_IN/);
  assert.match(await item("order_shipped").innerText(), /✓ Pickable/);
  await page.locator("#contact").getByLabel("Marketing state").selectOption("SUBSCRIBED");
  await page.locator("#contact").getByLabel("Consent policy").selectOption("strict");
});

test("choosing a template shows inputs for its {{n}} parameters and a live preview; the check re-runs", async () => {
  const { page } = s;
  await item("order_shipped").getByRole("button").click();
  // Header {{1}} and body {{1}}..{{3}}: four parameters, header first (Meta numbers them per part).
  assert.equal(await page.locator("#tpl-params input").count(), 4);
  // Unfilled parameters: the send is blocked with the parameter mismatch.
  await page.locator('#verdict .finding[data-reason="TEMPLATE_PARAMETER_MISMATCH"]').waitFor();
  assert.match(await page.getByLabel("Message", { exact: true }).locator("option:checked").innerText(), /^order_shipped/);
  await page.getByLabel("Header {{1}}").fill("#1042");
  await page.getByLabel("Body {{1}}").fill("Ana");
  await page.getByLabel("Body {{2}}").fill("#1042");
  await page.getByLabel("Body {{3}}").fill("https://example.test/t/1042");
  const preview = await page.locator("#tpl-preview").innerText();
  assert.match(preview, /Order #1042 is on its way/);
  assert.match(preview, /Hi Ana, your order #1042 has shipped\. Track it here: https:\/\/example\.test\/t\/1042/);
  await page.locator('#verdict[data-state="eligible"]').waitFor();
  await s.screenshot("templates-parameters", "#templates");
});

test("a pasted Meta message_templates answer loads; bad JSON gives a clear error", async () => {
  const { page } = s;
  await page.getByText("Paste JSON").click();
  await page.getByLabel(/Templates JSON/).fill("{ not json");
  await page.getByRole("button", { name: "Load pasted templates" }).click();
  await page.locator("#tpl-error").waitFor();
  assert.match(await page.locator("#tpl-error").innerText(), /Could not load pasted JSON/);
  const meta = {
    data: [
      { name: "promo_es", language: "es", status: "APPROVED", category: "MARKETING", quality_score: { score: "GREEN" },
        components: [{ type: "BODY", text: "Hola {{1}}, tenemos {{2}} para ti." }] },
      { name: "otp", language: "en", status: "REJECTED", category: "AUTHENTICATION", components: [{ type: "BODY", text: "{{1}} is your code." }] },
    ],
  };
  await page.getByLabel(/Templates JSON/).fill(JSON.stringify(meta));
  await page.getByRole("button", { name: "Load pasted templates" }).click();
  await page.locator("#tpl-status", { hasText: "2 templates from pasted JSON" }).waitFor();
  assert.ok(await page.locator("#tpl-error").isHidden());
  assert.match(await item("promo_es").innerText(), /✓ Pickable/);
  assert.match(await item("otp").innerText(), /TEMPLATE_NOT_APPROVED/);
  await item("promo_es").getByRole("button").click();
  assert.equal(await page.locator("#tpl-params input").count(), 2);
  s.assertClean();
});
