// Audience check: upload a generated 10,000-row Shopify export and compare every count with what
// the generator knows it wrote; download the fix lists and parse them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { open } from "./browser.mjs";
import { generateShopifyCsv, SHOPIFY_HEADER } from "./gen.mjs";
import { parseCsv } from "./csv-read.mjs";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { catalog, checkAudience } from "../../pkg/node.js";

let s;
const N = 10_000;
const { csv, expected } = generateShopifyCsv(N);

before(async () => {
  s = await open();
});
after(async () => s?.close());

const num = async (id) => Number((await s.page.locator(`#${id} strong`).innerText()).replace(/,/g, ""));

async function downloadText(button) {
  const [dl] = await Promise.all([s.page.waitForEvent("download"), s.page.locator(button).click()]);
  return { name: dl.suggestedFilename(), text: await readFile(await dl.path(), "utf8") };
}

test("empty state explains which exports are accepted", async () => {
  assert.match(await s.page.locator("#aud-out").innerText(), /No file yet.*Shopify's customer export/s);
});

test("10,000-row Shopify export: counts match the generator's own", async () => {
  const { page } = s;
  await page.locator("#audience").getByLabel("Template").selectOption({ label: "new_collection (en) — MARKETING, APPROVED" });
  await page.locator("#aud-file").setInputFiles({ name: "customers_export.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.locator('#audience[data-state="done"]').waitFor({ timeout: 30_000 });
  assert.equal(await num("aud-rows"), expected.rows);
  assert.equal(await num("aud-eligible"), expected.eligible);
  assert.equal(await num("aud-blocked"), expected.blockedContacts);
  assert.equal(await num("aud-fixable"), expected.fixable.length);
  assert.equal(await num("aud-malformed"), expected.malformed.length);
  // The chart: one bar per reason, with its count as text.
  const bars = await page.locator("#aud-out .bar-row").evaluateAll((rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.reason, Number(r.querySelector(".bar-value").textContent.split(" ")[0].replace(/,/g, ""))])),
  );
  assert.deepEqual(bars, expected.blocked);
  // Malformed rows are listed with their file line numbers.
  const listed = await page.locator("#aud-malformed-list li").allInnerTexts();
  assert.deepEqual(listed.map((t) => Number(/^Line (\d+):/.exec(t)[1])), expected.malformed.slice(0, 100));
  const first = expected.fixable[0];
  assert.deepEqual((await page.locator("#aud-fix-table tbody tr").first().locator("td").allInnerTexts()), [String(first.line), first.phone, first.suggested]);
  await s.screenshot("audience-10k", "#audience");
  s.assertClean();
});

test("the fix list and the Shopify import download as CSV with every fixable phone", async () => {
  const fix = await downloadText("#aud-export-fix");
  assert.equal(fix.name, "customers_export-fix-list.csv");
  const rows = parseCsv(fix.text);
  assert.deepEqual(rows[0], ["line", "customer_id", "email", "first_name", "last_name", "phone", "suggested_e164"]);
  assert.equal(rows.length - 1, expected.fixable.length);
  rows.slice(1).forEach((r, k) => {
    const e = expected.fixable[k];
    assert.deepEqual([Number(r[0]), r[1], r[5], r[6]], [e.line, e.id, e.phone, e.suggested]);
    assert.equal(r[2], `customer${Number(e.id) - 7_000_000_000}@example.test`);
  });

  const shop = await downloadText("#aud-export-shopify");
  assert.equal(shop.name, "customers_export-phones-corrected.csv");
  const srows = parseCsv(shop.text);
  assert.deepEqual(srows[0], SHOPIFY_HEADER, "same columns as the export, so Shopify can import it");
  assert.equal(srows.length - 1, expected.fixable.length);
  const original = new Map(parseCsv(csv).slice(1).map((r) => [r[0], r]));
  const phoneCol = SHOPIFY_HEADER.indexOf("Phone");
  srows.slice(1).forEach((r, k) => {
    const e = expected.fixable[k];
    const o = original.get(e.id);
    assert.equal(r[phoneCol], e.suggested);
    assert.deepEqual(r.filter((_, c) => c !== phoneCol), o.filter((_, c) => c !== phoneCol), "every other column unchanged");
  });

  const bad = await downloadText("#aud-export-malformed");
  const brows = parseCsv(bad.text);
  assert.deepEqual(brows.slice(1).map((r) => Number(r[0])), expected.malformed);
  s.assertClean();
});

test("a file that is not a customers export says so", async () => {
  const { page } = s;
  await page.locator("#aud-file").setInputFiles({ name: "orders.csv", mimeType: "text/csv", buffer: Buffer.from("Order,Total\n1001,20.00\n") });
  await page.locator('#audience[data-state="done"]').waitFor();
  assert.match(await page.locator("#aud-malformed-list").innerText(), /Line 1: .*Phone/);
  s.assertClean();
});

test("a Galantis contact export (platform columns) is read too; an inbox send needs the window", async () => {
  const { page } = s;
  const now = Date.now();
  const iso = (msAgo) => new Date(now - msAgo).toISOString();
  const csv = [
    "id,phone,phone_country_code,phone_calling_code,marketing_state,last_inbound_at",
    `c1,+525512345678,MX,52,SUBSCRIBED,${iso(3600_000)}`, // window open
    `c2,5512345679,MX,52,UNSUBSCRIBED,${iso(7200_000)}`, // calling code from its own column; inbox needs no consent
    `c3,5512345670,MX,,SUBSCRIBED,${iso(3600_000)}`, // no calling code: fixable
    `c4,+525512345671,MX,52,SUBSCRIBED,${iso(3 * 86400_000)}`, // window closed
    `c5,+525512345672,MX,52,SUBSCRIBED,`, // never wrote
    `c6,+525512345673,MX,52,NOT_A_STATE,`, // malformed
  ].join("\n");
  await page.locator("#audience").getByLabel("Send from").selectOption("inbox");
  await page.locator("#audience").getByLabel("Template").selectOption("");
  await page.locator("#aud-file").setInputFiles({ name: "contacts.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.locator('#audience[data-state="done"]').waitFor();
  assert.equal(await num("aud-rows"), 6);
  assert.equal(await num("aud-eligible"), 2);
  assert.equal(await num("aud-fixable"), 1);
  assert.equal(await num("aud-malformed"), 1);
  assert.match(await page.locator("#aud-malformed-list").innerText(), /Line 7: .*NOT_A_STATE/);
  const bars = await page.locator("#aud-out .bar-row").evaluateAll((rows) => rows.map((r) => r.dataset.reason));
  assert.ok(bars.includes("OUTSIDE_CONVERSATION_WINDOW"), bars.join());
  assert.ok(bars.includes("CUSTOMER_IS_MISSING_CALLING_CODE"), bars.join());
  s.assertClean();
});

test("dropping a file on the drop zone starts the check", async () => {
  const { page } = s;
  await page.locator("#audience").getByLabel("Send from").selectOption("campaign");
  const csv = generateShopifyCsv(50, 99);
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], "dropped.csv", { type: "text/csv" }));
    const zone = document.getElementById("aud-drop");
    zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, csv.csv);
  await page.locator("#aud-timing", { hasText: "dropped.csv" }).waitFor();
  assert.equal(await num("aud-rows"), csv.expected.rows);
  assert.equal(await num("aud-malformed"), csv.expected.malformed.length);
  s.assertClean();
});

// Credits are spent in file order: the panel's numbers must equal sendgate's checkAudience run on
// the whole file at once (in Node), though the panel checks the file in chunks.
const whole = (text, credits) => checkAudience(text, { source: "campaign", policy: { consent: "strict" }, ...(credits ? { credits } : {}) });
const reasons = (report) => Object.fromEntries(report.blocked.map((b) => [b.reason, b.count]));

async function checkWithBalance(balance) {
  const { page } = s;
  await page.evaluate(() => (document.getElementById("audience").dataset.state = "idle"));
  await page.locator("#audience").getByLabel("Credits available").fill(balance);
  await page.locator("#audience").getByLabel("Credits available").press("Tab"); // commits the field: a new check
  await page.locator('#audience[data-state="done"]').waitFor({ timeout: 30_000 });
}

async function panelNumbers() {
  const { page } = s;
  const bars = await page.locator("#aud-out .bar-row").evaluateAll((rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.reason, Number(r.querySelector(".bar-value").textContent.split(" ")[0].replace(/,/g, ""))])),
  );
  return { rows: await num("aud-rows"), eligible: await num("aud-eligible"), blocked: await num("aud-blocked"), cost: await num("aud-cost"), malformed: await num("aud-malformed"), fixable: await num("aud-fixable"), bars };
}

test("a credit balance is spent in file order across chunks, exactly as checkAudience on the whole file", async () => {
  const { page } = s;
  await page.locator("#audience").getByLabel("Send from").selectOption("campaign");
  await page.locator("#audience").getByLabel("Template").selectOption("");
  await page.locator("#audience").getByLabel("Consent policy").selectOption("strict");
  await page.locator("#audience").getByLabel("Credits available").fill("");
  await page.evaluate(() => (document.getElementById("audience").dataset.state = "idle"));
  await page.locator("#aud-file").setInputFiles({ name: "customers_export.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.locator('#audience[data-state="done"]').waitFor({ timeout: 30_000 });
  const chunks = Number(await page.locator("#audience").getAttribute("data-chunks"));
  // Chromium's File.stream() reads 64 KiB to 1 MiB at a time: this 1.4 MB file is always pushed
  // to the core in more than one piece.
  assert.ok(chunks >= 2, `the file spans several chunks (${chunks})`);
  const unlimited = whole(csv);
  assert.equal(await num("aud-eligible"), unlimited.eligible);
  assert.equal(await num("aud-cost"), unlimited.cost);

  // The generator's rows are a prefix-stable sequence: the first 4000 and 8000 rows of the file
  // are generateShopifyCsv(4000) and (8000). Balances: none at all, exactly the first chunk's
  // eligible contacts (runs out on a chunk boundary), partway into the third chunk, more than needed.
  const [first4000, first8000] = [generateShopifyCsv(4000).csv, generateShopifyCsv(8000).csv];
  assert.ok(csv.startsWith(first4000) && csv.startsWith(first8000));
  const header = csv.slice(0, csv.indexOf("\r\n") + 2);
  const thirds = [first4000, header + csv.slice(first4000.length, first8000.length), header + csv.slice(first8000.length)];
  const firstChunk = whole(first4000).eligible;
  const twoChunks = whole(first8000).eligible;
  const midThird = twoChunks + Math.floor((unlimited.eligible - twoChunks) / 2);
  for (const balance of [0, firstChunk, midThird, unlimited.eligible + 500]) {
    const expected = whole(csv, { balance });
    await checkWithBalance(String(balance));
    const shown = await panelNumbers();
    assert.deepEqual(shown, {
      rows: expected.rows, eligible: expected.eligible, blocked: expected.blocked_contacts, cost: expected.cost,
      malformed: expected.malformed.length, fixable: expected.fixable.length, bars: reasons(expected),
    }, `balance ${balance}`);
    const short = reasons(expected).INSUFFICIENT_CREDITS ?? 0;
    assert.equal(await num("aud-no-credits"), short, `balance ${balance}`);
    assert.equal(expected.eligible, Math.min(balance, unlimited.eligible), "each eligible send costs 1");
    const summary = await page.locator("#aud-credits").innerText();
    assert.match(summary, new RegExp(`covers ${expected.eligible.toLocaleString("en-US")} contact`), summary);
    if (balance === midThird) {
      assert.ok(short > 0 && expected.eligible > twoChunks, "runs out inside the third chunk");
      // Independent chunks each given the full balance would reach more: the test tells them apart.
      const independent = thirds.reduce((sum, chunk) => sum + whole(chunk, { balance }).eligible, 0);
      assert.ok(independent > expected.eligible, `independent chunks would reach ${independent}`);
      // The exports do not depend on credits: every fixable phone is in them.
      const fix = parseCsv((await downloadText("#aud-export-fix")).text).slice(1);
      assert.deepEqual(fix.map((r) => [Number(r[0]), r[6]]), expected.fixable.map((f) => [f.line, f.suggested]));
      const shop = parseCsv((await downloadText("#aud-export-shopify")).text);
      assert.equal(shop.length - 1, expected.fixable.length);
      await s.screenshot("audience-credits", "#audience");
    }
  }
  s.assertClean();
});

test("a balance that is not a number of credits shows an error instead of a report", async () => {
  const { page } = s;
  const field = page.locator("#audience").getByLabel("Credits available");
  for (const [typed, message] of [["-5", /cannot be negative/], ["ten", /“ten” is not a number/], ["12 credits", /is not a number/]]) {
    await field.fill(typed);
    await field.press("Tab");
    await page.locator('#audience[data-state="error"]').waitFor();
    assert.match(await page.locator("#aud-error").innerText(), message, typed);
    assert.equal(await page.locator("#aud-out").innerText(), "", "no report next to the error");
    assert.equal(await page.locator("#aud-out .tile").count(), 0);
  }
  // Emptying the field means no limit again: the file is checked as before.
  await field.fill("");
  await field.press("Tab");
  await page.locator('#audience[data-state="done"]').waitFor({ timeout: 30_000 });
  assert.ok(await page.locator("#aud-error").isHidden());
  assert.equal(await num("aud-eligible"), whole(csv).eligible);
  assert.equal(await page.locator("#aud-no-credits").count(), 0);
  s.assertClean();
});

// A real export that went through Excel (../shared/realworld/shopify/): its phone `9.19747E+11`
// lost its digits. Each bar names its reason with the catalog's title, and no fix is offered.
const MANGLED = fileURLToPath(new URL("../../../shared/realworld/shopify/export_2023-07__with_customer_id_excel_mangled.csv", import.meta.url));

test("an Excel-mangled Shopify export: each reason's bar has its own title, no fix is suggested", { skip: !existsSync(MANGLED) && `absent: ${MANGLED}` }, async () => {
  const { page } = s;
  await page.locator("#audience").getByLabel("Credits available").fill("");
  await page.locator("#audience").getByLabel("Send from").selectOption("campaign");
  await page.evaluate(() => (document.getElementById("audience").dataset.state = "idle"));
  await page.locator("#aud-file").setInputFiles(MANGLED);
  await page.locator('#audience[data-state="done"]').waitFor({ timeout: 30_000 });
  assert.equal(await num("aud-rows"), 4);
  assert.equal(await num("aud-fixable"), 0, "digits a spreadsheet dropped cannot be suggested back");
  const bars = await page.locator("#aud-out .bar-row").evaluateAll((rows) => rows.map((r) => [r.dataset.reason, r.querySelector(".bar-label").textContent]));
  const titles = new Map(catalog().map((e) => [e.reason, e.title]));
  for (const [reason, label] of bars) assert.ok(label.includes(titles.get(reason)), `${reason}: ${label}`);
  const reasons = bars.map(([reason]) => reason);
  if (titles.has("CUSTOMER_PHONE_MANGLED")) {
    assert.ok(reasons.includes("CUSTOMER_PHONE_MANGLED"), reasons.join());
    assert.ok(!reasons.includes("CUSTOMER_IS_MISSING_CALLING_CODE"), "a mangled phone is not one missing its calling code");
  } else console.log("# pending: no CUSTOMER_PHONE_MANGLED in the catalog yet (the phone core adds it)");
  s.assertClean();
});
