// Phone width: every panel readable without horizontal scrolling; screenshots for a look by eye.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open } from "./browser.mjs";
import { generateShopifyCsv } from "./gen.mjs";

test("at phone width (390 px) nothing overflows sideways", async () => {
  const s = await open({ viewport: { width: 390, height: 844 }, query: "?phone=5512345678&country=MX" });
  try {
    const { page } = s;
    await page.locator('#verdict[data-state="blocked"]').waitFor();
    await page.locator('#tpl-list li[data-name="flash_sale"] button').click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    await s.screenshot("phone-contact", "#contact");
    await s.screenshot("phone-templates", "#templates");
    await page.getByLabel("Failures", { exact: true }).fill("CUSTOMER_IS_MISSING_CALLING_CODE\n131049\n131026\n131026\nTemplate not approved");
    await page.getByRole("button", { name: "Triage", exact: true }).click();
    await page.locator("#triage-out details.group").first().waitFor();
    await page.locator("#aud-file").setInputFiles({ name: "customers.csv", mimeType: "text/csv", buffer: Buffer.from(generateShopifyCsv(300).csv) });
    await page.locator('#audience[data-state="done"]').waitFor();
    const after = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(after <= 0, `with results the page is ${after}px wider than the screen`);
    await s.screenshot("phone-triage", "#triage");
    await s.screenshot("phone-audience", "#audience");
    s.assertClean();
  } finally {
    await s.close();
  }
});
