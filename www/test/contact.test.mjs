// Contact check: what a support agent does — type a phone, pick the country, change consent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { open } from "./browser.mjs";

let s;
before(async () => {
  s = await open();
  await s.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: s.server.url.replace(/\/$/, "") });
});
after(async () => s?.close());

const verdict = () => s.page.locator("#verdict");
const blocker = (reason) => s.page.locator(`#verdict .finding.blocker[data-reason="${reason}"]`);

test("an empty form explains what to enter instead of showing errors", async () => {
  assert.equal(await verdict().getAttribute("data-state"), "empty");
  const text = await verdict().innerText();
  assert.match(text, /Enter a customer to check/);
  assert.doesNotMatch(text, /Blocked|CUSTOMER_/);
  await s.screenshot("contact-empty", "#contact");
});

test("MX phone without calling code: CUSTOMER_IS_MISSING_CALLING_CODE with +525512345678, copied in one click", async () => {
  const { page } = s;
  await page.getByLabel("Phone", { exact: true }).click();
  await page.keyboard.type("5512345678");
  await page.getByLabel("Country code").click();
  await page.keyboard.type("mx");
  assert.equal(await page.getByLabel("Country code").inputValue(), "MX");
  await blocker("CUSTOMER_IS_MISSING_CALLING_CODE").waitFor();
  assert.equal(await verdict().getAttribute("data-state"), "blocked");
  const card = blocker("CUSTOMER_IS_MISSING_CALLING_CODE");
  assert.match(await card.innerText(), /\+525512345678/);
  assert.equal(await card.locator(".suggested output").innerText(), "+525512345678");
  assert.ok((await card.locator(".resolution li").count()) > 0, "resolution steps are shown");
  assert.match(await card.innerText(), /Where: .*contact\.phone/s);
  await card.getByRole("button", { name: /Copy suggested number/ }).click();
  await page.getByText("Copied ✓").waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), "+525512345678");
  await s.screenshot("contact-missing-calling-code", "#contact");
});

test("with the calling code the contact is eligible and the E.164 number and window are shown", async () => {
  const { page } = s;
  await page.getByLabel("Calling code").fill("52");
  await page.locator('#verdict[data-state="eligible"]').waitFor();
  assert.equal(await page.locator("#verdict-to").innerText(), "+525512345678");
  assert.match(await page.locator("#verdict-window").innerText(), /Closed/);
  // A customer message 2 hours ago opens the window: about 22 h left.
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  await page.getByLabel("Last customer message").fill(twoHoursAgo);
  await page.locator("#verdict-window", { hasText: /Open — (21|22) h \d+ min left/ }).waitFor();
});

test("switching the marketing state to UNSUBSCRIBED shows the consent reason", async () => {
  const { page } = s;
  await page.getByLabel("Marketing state").selectOption("UNSUBSCRIBED");
  await blocker("CUSTOMER_IS_NOT_OPTED_IN").waitFor();
  assert.equal(await verdict().getAttribute("data-state"), "blocked");
  const text = await blocker("CUSTOMER_IS_NOT_OPTED_IN").innerText();
  assert.match(text, /UNSUBSCRIBED|opted out|consent/i);
  await s.screenshot("contact-unsubscribed", "#contact");
});

test("inbox free text is a session message; credits are checked when a balance is given", async () => {
  const { page } = s;
  await page.getByLabel("Marketing state").selectOption("SUBSCRIBED");
  await page.getByLabel("Source").selectOption("inbox");
  await page.getByLabel("Message", { exact: true }).selectOption("text");
  await page.getByLabel("Free text").fill("Your order is ready for pickup.");
  await page.locator('#verdict[data-state="eligible"]').waitFor();
  // A service message is billed since 2026-10-01 (per-message pricing): 1 credit by default.
  assert.match(await verdict().innerText(), /\b1 credit\b/);
  await page.getByLabel("Last customer message").fill("");
  await blocker("OUTSIDE_CONVERSATION_WINDOW").waitFor();
  await page.getByLabel("Source").selectOption("campaign");
  await page.getByLabel("Message", { exact: true }).selectOption({ label: "new_collection (en) — APPROVED" });
  await page.getByLabel("Credit balance").fill("0");
  await blocker("INSUFFICIENT_CREDITS").waitFor();
  // The audience panel's rule: a negative balance is a typing error, not an empty account.
  await page.getByLabel("Credit balance").fill("-3");
  await page.locator('#verdict[data-state="error"]').waitFor();
  assert.match(await verdict().innerText(), /cannot be checked: Credit balance cannot be negative/);
  await page.getByLabel("Credit balance").fill("");
  await page.locator('#verdict[data-state="eligible"]').waitFor();
});

test("the form is keyboard usable: Tab reaches every input in order", async () => {
  const { page } = s;
  await page.getByLabel("Phone", { exact: true }).focus();
  const order = [];
  for (let i = 0; i < 5; i++) {
    order.push(await page.evaluate(() => document.activeElement?.id));
    await page.keyboard.press("Tab");
  }
  assert.deepEqual(order, ["phone", "country", "calling", "marketing", "last-inbound"]);
  s.assertClean();
});

test("keystroke-to-verdict latency", async () => {
  const { page } = s;
  await page.getByLabel("Phone", { exact: true }).fill("");
  await page.getByLabel("Phone", { exact: true }).click();
  await page.evaluate(() => (window.__sendgate.latency.length = 0));
  // Measured from the page: keydown timestamp → verdict rendered; and from outside: key → DOM updated.
  const outside = [];
  for (const ch of "+525512345678") {
    const t0 = performance.now();
    await page.keyboard.type(ch);
    await page.waitForFunction((v) => document.getElementById("phone").value.endsWith(v), ch);
    outside.push(performance.now() - t0);
  }
  const inPage = await page.evaluate(() => window.__sendgate.latency.slice());
  assert.equal(inPage.length, 13);
  const stats = (xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return `median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms`;
  };
  console.log(`# keystroke-to-verdict (in page, keydown → verdict rendered): ${stats(inPage)} over ${inPage.length} keys`);
  console.log(`# keystroke round trip (test → Chromium → DOM updated): ${stats(outside)}`);
  assert.ok(Math.max(...inPage) < 50, "no perceptible delay");
  assert.equal(await page.locator("#verdict-to").innerText(), "+525512345678");
  s.assertClean();
});
