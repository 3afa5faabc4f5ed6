// Phone width: every panel readable without horizontal scrolling; screenshots for a look by eye.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open } from "./browser.mjs";

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
    s.assertClean();
  } finally {
    await s.close();
  }
});
