// Time to first verdict after page load: a check shared as a link (?phone=…&country=…). The .wasm
// and the app chunk are preloaded from the HTML head: the page must fetch each once, from the hint.
import { test } from "node:test";
import assert from "node:assert/strict";
import { open } from "./browser.mjs";

const TARGET_MS = 150;

test("time to first verdict after page load (cold, prefilled from the address)", async () => {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const s = await open({ query: "?phone=5512345678&country=MX" });
    try {
      await s.page.locator('#verdict .finding[data-reason="CUSTOMER_IS_MISSING_CALLING_CODE"]').waitFor();
      const t = await s.page.evaluate(() => {
        const resources = performance.getEntriesByType("resource");
        const of = (suffix) => resources.filter((e) => new URL(e.name).pathname.endsWith(suffix));
        return {
          verdict: performance.getEntriesByName("sendgate:first-verdict")[0]?.startTime,
          ready: performance.getEntriesByName("sendgate:ready")[0]?.startTime,
          dcl: performance.getEntriesByType("navigation")[0]?.domContentLoadedEventEnd,
          wasm: of(".wasm").map((e) => ({ initiator: e.initiatorType, start: e.startTime, end: e.responseEnd })),
          app: of(".js").filter((e) => /\/app-/.test(e.name)).map((e) => e.initiatorType),
        };
      });
      runs.push(t);
      s.assertClean();
    } finally {
      await s.close();
    }
  }
  for (const r of runs) {
    assert.ok(r.verdict > 0);
    assert.deepEqual(r.wasm.map((w) => w.initiator), ["link"], "the page fetches the .wasm once, from its preload hint");
    assert.equal(r.app.length, 1, "the app chunk is fetched once (modulepreload, then the import)");
  }
  const fmt = (f) => runs.map((r) => f(r).toFixed(0)).join(" / ");
  const best = Math.min(...runs.map((r) => r.verdict));
  console.log(`# time to first verdict after navigation start: ${fmt((r) => r.verdict)} ms, best ${best.toFixed(0)} ms (target ≤ ${TARGET_MS} ms; ${runs.length} cold loads; .wasm downloaded by ${fmt((r) => r.wasm[0].end)} ms, Wasm ready at ${fmt((r) => r.ready)} ms, DOMContentLoaded ${fmt((r) => r.dcl)} ms)`);
  // A gross regression only (a shared machine's load moves this by hundreds of ms);
  // SENDGATE_PERF_STRICT=1 holds the best run to the target.
  const limit = process.env.SENDGATE_PERF_STRICT === "1" ? TARGET_MS : 3000;
  assert.ok(best <= limit, `first verdict at ${best.toFixed(0)} ms, limit ${limit} ms`);
});
