// The browser rows of `make bench` (issue 19), in headless Chromium against www/dist on loopback,
// through the dashboard tests' harness (www/test/browser.mjs): navigation start → first verdict
// rendered over cold loads (a fresh browser each), and a 1,000,000-row Shopify export chosen as
// a file → report shown, with the peak JS heap of the page and its workers. Prints JSON.
// Usage: node bench/browser.mjs [loads=7] [--no-stream]
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkAudienceFile, open } from "../www/test/browser.mjs";
import { generateShopifyCsv } from "../www/test/gen.mjs";
import { median } from "./median.mjs";

const loads = Number(process.argv[2] ?? 7);
const out = { firstVerdict: [], ready: [], dcl: [] };
for (let i = 0; i < loads; i++) {
  const s = await open({ query: "?phone=5512345678&country=MX" });
  try {
    await s.page.locator('#verdict .finding[data-reason="CUSTOMER_IS_MISSING_CALLING_CODE"]').waitFor();
    const t = await s.page.evaluate(() => ({
      verdict: performance.getEntriesByName("sendgate:first-verdict")[0]?.startTime,
      ready: performance.getEntriesByName("sendgate:ready")[0]?.startTime,
      dcl: performance.getEntriesByType("navigation")[0]?.domContentLoadedEventEnd,
    }));
    out.firstVerdict.push(t.verdict);
    out.ready.push(t.ready);
    out.dcl.push(t.dcl);
  } finally {
    await s.close();
  }
}
out.firstVerdictMedian = median(out.firstVerdict);
out.firstVerdictBest = Math.min(...out.firstVerdict);

if (!process.argv.includes("--no-stream")) {
  const { csv } = generateShopifyCsv(1_000_000, 11);
  const path = join(tmpdir(), `sendgate-bench-browser-1m-${process.pid}.csv`);
  writeFileSync(path, csv);
  const s = await open();
  try {
    const { page } = s;
    const peak = await checkAudienceFile(s, path);
    out.stream = { ms: await page.evaluate(() => Number(document.getElementById("audience").dataset.ms)), heapMb: peak / 1e6, mb: Buffer.byteLength(csv) / 1e6 };
  } finally {
    await s.close();
    if (existsSync(path)) rmSync(path, { force: true });
  }
}
console.log(JSON.stringify(out));
