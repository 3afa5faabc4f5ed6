// Time to first verdict after page load: a check shared as a link (?phone=…&country=…).
import { test } from "node:test";
import assert from "node:assert/strict";
import { open } from "./browser.mjs";

test("time to first verdict after page load (cold, prefilled from the address)", async () => {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const s = await open({ query: "?phone=5512345678&country=MX" });
    try {
      await s.page.locator('#verdict .finding[data-reason="CUSTOMER_IS_MISSING_CALLING_CODE"]').waitFor();
      const t = await s.page.evaluate(() => ({
        verdict: performance.getEntriesByName("sendgate:first-verdict")[0]?.startTime,
        ready: performance.getEntriesByName("sendgate:ready")[0]?.startTime,
        dcl: performance.getEntriesByType("navigation")[0]?.domContentLoadedEventEnd,
      }));
      runs.push(t);
      s.assertClean();
    } finally {
      await s.close();
    }
  }
  for (const r of runs) assert.ok(r.verdict > 0);
  const fmt = (k) => runs.map((r) => r[k].toFixed(0)).join(" / ");
  console.log(`# time to first verdict after navigation start: ${fmt("verdict")} ms (3 cold loads; Wasm ready at ${fmt("ready")} ms, DOMContentLoaded ${fmt("dcl")} ms)`);
});
