// The dashboard under its Content-Security-Policy (public/_headers, served by test/server.mjs as
// the worker serves it): the header is there, and using all four panels violates nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { open } from "./browser.mjs";
import { generateShopifyCsv } from "./gen.mjs";

let s;
before(async () => {
  s = await open({
    init: () => {
      window.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`),
      );
    },
  });
});
after(async () => s?.close());

const violations = () => s.page.evaluate(() => window.__cspViolations);

test("the page and its scripts carry the CSP and the other security headers", async () => {
  const h = s.response.headers();
  const csp = h["content-security-policy"] ?? "";
  const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(" ")]));
  assert.equal(directives["default-src"], "'none'");
  assert.equal(directives["script-src"], "'self' 'wasm-unsafe-eval'");
  assert.equal(directives["style-src"], "'self'");
  for (const d of ["base-uri", "form-action", "frame-ancestors", "object-src"]) assert.equal(directives[d], "'none'", d);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|'unsafe-hashes'|\*|blob:/);
  assert.equal(h["x-content-type-options"], "nosniff");
  assert.equal(h["referrer-policy"], "no-referrer");
  assert.equal(h["x-frame-options"], "DENY");
  // The audience worker's script gets the policy too (a worker's CSP comes from its own response).
  const scripts = await s.page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name).filter((n) => n.endsWith(".js")));
  for (const url of scripts) assert.equal((await fetch(url)).headers.get("content-security-policy"), csp, url);
});

test("contact check, template picker, triage and audience upload run without a CSP violation", async () => {
  const { page } = s;
  // Contact check.
  await page.getByLabel("Phone", { exact: true }).fill("5512345678");
  await page.getByLabel("Country code").fill("MX");
  await page.locator('#verdict .finding.blocker[data-reason="CUSTOMER_IS_MISSING_CALLING_CODE"]').waitFor();
  // Template picker: load the sample set, open a template.
  await page.getByRole("button", { name: "Load sample set" }).click();
  await page.locator("#tpl-status", { hasText: "from the built-in sample set" }).waitFor();
  await page.locator('#tpl-list li[data-name="flash_sale"]').getByRole("button").click();
  await page.locator("#tpl-detail .status.bad").waitFor();
  // Triage: pasted failures (bar chart: inline widths) and the CSV export (an object URL).
  await page.getByLabel("Failures", { exact: true }).fill("CUSTOMER_IS_MISSING_CALLING_CODE\n131049\n131026");
  await page.getByRole("button", { name: "Triage", exact: true }).click();
  await page.locator('#triage-out .bar-row[data-reason="MARKETING_LIMIT_REACHED"]').waitFor();
  const [report] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export report (CSV)" }).click()]);
  assert.match(await readFile(await report.path(), "utf8"), /^section,reason/);
  // Audience: CSV upload checked in the Web Workers (Wasm), chart, fix-list download.
  const { csv, expected } = generateShopifyCsv(200, 7);
  await page.locator("#aud-file").setInputFiles({ name: "customers_export.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.locator('#audience[data-state="done"]').waitFor({ timeout: 30_000 });
  assert.equal(Number((await page.locator("#aud-rows strong").innerText()).replace(/,/g, "")), expected.rows);
  assert.ok((await page.locator("#aud-out .bar-row").count()) > 0);
  const widths = await page.locator("#aud-out .bar-fill").evaluateAll((els) => els.map((e) => e.style.width));
  assert.ok(widths.every((w) => /^\d+(\.\d+)?%$/.test(w)), `bar widths applied: ${widths}`);
  const [fix] = await Promise.all([page.waitForEvent("download"), page.locator("#aud-export-fix").click()]);
  assert.match(await readFile(await fix.path(), "utf8"), /^line,customer_id/);
  assert.deepEqual(await violations(), []);
  s.assertClean();
});
