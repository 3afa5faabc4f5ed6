// The 2026 platform in the dashboard (issue 13): the contact check's BSUID, free-entry-point and
// account fields change the verdict, which shows recipient, billing and endpoint; the picker shows
// an announced category change; the audience check with a messaging tier says how many contacts
// are over the limit and from which line. Every answer is the core's (through the package).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { open } from "./browser.mjs";

let s;
before(async () => {
  s = await open();
});
after(async () => s?.close());

const verdict = () => s.page.locator("#verdict");
const blocker = (reason) => s.page.locator(`#verdict .finding.blocker[data-reason="${reason}"]`);
const warning = (reason) => s.page.locator(`#verdict .finding.warning[data-reason="${reason}"]`);
/** A datetime-local value (the page's local time) for an instant. */
const local = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
const BSUID = "US.13491208655302741918";

async function message(label) {
  await s.page.getByLabel("Message", { exact: true }).selectOption({ label });
}

test("a BSUID-only contact is sent to its BSUID; a bad one names contact.user_id; AUTHENTICATION needs a phone", async () => {
  const { page } = s;
  await page.getByLabel("BSUID").fill(BSUID);
  await page.locator('#verdict[data-state="eligible"]').waitFor();
  const recipient = page.locator("#verdict-recipient");
  assert.equal(await recipient.getAttribute("data-kind"), "user_id");
  assert.match(await recipient.innerText(), new RegExp(`${BSUID.replace(".", "\\.")} \\(BSUID\\)`));
  assert.match(await page.locator("#verdict-endpoint").innerText(), /^\/(messages|marketing_messages)$/);
  // A phone, once there, is the recipient instead.
  await page.getByLabel("Phone", { exact: true }).fill("+525512345678");
  await page.locator('#verdict-recipient[data-kind="phone"]', { hasText: "+525512345678" }).waitFor();
  await page.getByLabel("Phone", { exact: true }).fill("");
  await page.locator('#verdict-recipient[data-kind="user_id"]').waitFor();

  await page.getByLabel("BSUID").fill("US.1349 1208");
  await page.locator('#verdict[data-state="error"]').waitFor();
  assert.match(await verdict().innerText(), /contact\.user_id/);
  await page.getByLabel("BSUID").fill(BSUID);

  await message("login_code (en) — APPROVED");
  await blocker("AUTHENTICATION_NEEDS_PHONE").waitFor();
  assert.match(await blocker("AUTHENTICATION_NEEDS_PHONE").innerText(), /Where: BSUID/);
  await message("new_collection (en) — APPROVED");
  await page.locator('#verdict[data-state="eligible"]').waitFor();
  await page.getByLabel("BSUID").fill("");
  s.assertClean();
});

test("account health BLOCKED gives ACCOUNT_RESTRICTED; LIMITED only warns; a missing payment method blocks a billable send", async () => {
  const { page } = s;
  await page.getByLabel("Phone", { exact: true }).fill("+525512345678");
  await page.locator('#verdict[data-state="eligible"]').waitFor();
  await page.getByLabel("WABA health").selectOption("LIMITED");
  await warning("ACCOUNT_RESTRICTED").waitFor();
  assert.equal(await verdict().getAttribute("data-state"), "eligible");
  await page.getByLabel("Phone number health").selectOption("BLOCKED");
  await blocker("ACCOUNT_RESTRICTED").waitFor();
  assert.equal(await verdict().getAttribute("data-state"), "blocked");
  assert.match(await blocker("ACCOUNT_RESTRICTED").innerText(), /PHONE_NUMBER/);
  assert.equal(await page.locator("#verdict-endpoint").innerText(), "none: the send is blocked");
  // The picker gets the same account: no template can go from a blocked number.
  const total = await page.locator("#tpl-list li").count();
  await page.locator("#tpl-summary", { hasText: `0 of ${total} can be sent to this contact` }).waitFor();
  await page.getByLabel("Phone number health").selectOption("");
  await page.getByLabel("WABA health").selectOption("");
  await page.locator('#verdict[data-state="eligible"]').waitFor();

  // A marketing template is billable at any date: without a payment method it cannot go.
  await page.getByLabel("Payment method").selectOption("no");
  await blocker("META_BILLING_ISSUE").waitFor();
  await page.getByLabel("Payment method").selectOption("yes");
  await page.locator('#verdict[data-state="eligible"]').waitFor();
  await page.getByLabel("Payment method").selectOption("");
});

test("an inbox reply in the service window is free before 2026-10-01 and billable from then; a free entry point makes it free", async () => {
  const { page } = s;
  await message("Free text (session message)");
  await page.getByLabel("Free text").fill("Your order is ready for pickup.");
  await page.getByLabel("Source").selectOption("inbox");
  const check = async (asOf) => {
    const at = new Date(asOf).getTime();
    await page.getByLabel("Check as of").fill(local(at));
    await page.getByLabel("Last customer message").fill(local(at - 3600_000));
  };
  await check("2026-09-15T12:00:00Z");
  await page.locator('#verdict-billing[data-billable="false"]').waitFor();
  assert.match(await page.locator("#verdict-billing").innerText(), /^service · free: .*customer-service window/);
  assert.match(await verdict().innerText(), /Cost\s+0 credits/);

  await check("2026-11-15T12:00:00Z");
  await page.locator('#verdict-billing[data-billable="true"]').waitFor();
  assert.equal(await page.locator("#verdict-billing").innerText(), "service · billable");
  assert.match(await verdict().innerText(), /Cost\s+1 credit\b/);
  assert.equal(await page.locator("#verdict-endpoint").innerText(), "/messages");

  // Inside a click-to-WhatsApp ad's free entry point window every message is free.
  await page.getByLabel("Free entry point until").fill(local(new Date("2026-11-16T12:00:00Z").getTime()));
  await page.locator('#verdict-billing[data-billable="false"]').waitFor();
  assert.match(await page.locator("#verdict-billing").innerText(), /free entry point/);
  await page.getByLabel("Free entry point until").fill("");
  await page.getByLabel("Check as of").fill("");
  await page.getByLabel("Last customer message").fill("");
  await page.getByLabel("Source").selectOption("campaign");
  await message("new_collection (en) — APPROVED");
});

test("the tier with its recipients used: MESSAGING_LIMIT_REACHED for a new recipient, not for one already messaged", async () => {
  const { page } = s;
  await page.locator('#verdict[data-state="eligible"]').waitFor();
  await page.locator("#contact").getByLabel("Messaging tier").selectOption("TIER_250");
  await page.locator("#contact").getByLabel("Recipients used (24 h)").fill("249");
  await page.locator('#verdict[data-state="eligible"]').waitFor();
  await page.locator("#contact").getByLabel("Recipients used (24 h)").fill("250");
  await blocker("MESSAGING_LIMIT_REACHED").waitFor();
  await page.getByLabel("Already messaged in the last 24 h").check();
  await page.locator('#verdict[data-state="eligible"]').waitFor();
  await page.getByLabel("Already messaged in the last 24 h").uncheck();
  // A count the core refuses is an input error naming the field.
  await page.locator("#contact").getByLabel("Recipients used (24 h)").fill("-3");
  await page.locator('#verdict[data-state="error"]').waitFor();
  assert.match(await verdict().innerText(), /account\.messaging_limit/);
  await page.locator("#contact").getByLabel("Messaging tier").selectOption("");
  await page.locator("#contact").getByLabel("Recipients used (24 h)").fill("");
  await page.locator('#verdict[data-state="eligible"]').waitFor();
});

test("the picker shows a template's announced category change, and the check says what changes", async () => {
  const { page } = s;
  const item = page.locator('#tpl-list li[data-name="order_feedback"]');
  assert.match(await item.innerText(), /Category changing: UTILITY → MARKETING from/);
  assert.match(await item.innerText(), /TEMPLATE_CATEGORY_CHANGING/);
  await item.getByRole("button").click();
  await page.locator("#tpl-category-change").waitFor();
  const card = page.locator('#tpl-detail .finding.warning[data-reason="TEMPLATE_CATEGORY_CHANGING"]');
  await card.waitFor();
  assert.match(await card.innerText(), /MARKETING/);
  // Its one parameter comes from the core's slots.
  assert.equal(await page.locator("#tpl-params input").count(), 1);
  await page.getByLabel("{{1}}", { exact: true }).fill("#1042");
  assert.match(await page.locator("#tpl-preview").innerText(), /Thanks for your order #1042!/);
  await warning("TEMPLATE_CATEGORY_CHANGING").waitFor();
  await message("new_collection (en) — APPROVED");
  s.assertClean();
});

/** A Galantis contact export: `n` valid MX mobiles, some not subscribed (never sent, so never
 *  counted against the limit). Returns the CSV and the file lines of the eligible contacts. */
function platformCsv(n) {
  const lines = ["phone,phone_country_code,phone_calling_code,marketing_state,last_inbound_at"];
  const eligibleLines = [];
  for (let i = 0; i < n; i++) {
    const subscribed = i % 7 !== 3;
    lines.push(`+5255${String(10_000_000 + i).padStart(8, "0")},MX,52,${subscribed ? "SUBSCRIBED" : "NOT_SUBSCRIBED"},`);
    if (subscribed) eligibleLines.push(i + 2);
  }
  return { csv: `${lines.join("\n")}\n`, eligibleLines };
}

test("the audience check with TIER_250 shows how many contacts are over the limit and from which line", async () => {
  const { page } = s;
  const { csv, eligibleLines } = platformCsv(400);
  const num = async (id) => Number((await page.locator(`#${id} strong`).innerText()).replace(/,/g, ""));
  const audience = page.locator("#audience");
  await audience.getByLabel("Template").selectOption({ label: "new_collection (en) — MARKETING, APPROVED" });
  await audience.getByLabel("Messaging tier").selectOption("TIER_250");
  await audience.getByLabel("Recipients used (24 h)").fill("100");
  await page.locator("#aud-file").setInputFiles({ name: "contacts.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.locator('#audience[data-state="done"]').waitFor({ timeout: 30_000 });
  // 150 of the limit left: the 151st eligible contact is the first one over it, and every
  // contact from its line on is blocked by the limit (as well as by any reason of its own).
  const left = 250 - 100;
  const overFrom = (first) => 400 + 2 - first;
  assert.equal(await num("aud-over-limit"), overFrom(eligibleLines[left]));
  assert.equal(await num("aud-eligible"), left);
  const text = await page.locator("#aud-limit").innerText();
  assert.match(text, new RegExp(`from line ${eligibleLines[left]}\\.`));
  assert.match(text, /100 already used \(150 left\)/);
  assert.equal(await page.locator('#aud-out .bar-row[data-reason="MESSAGING_LIMIT_REACHED"] .bar-value').innerText().then((t) => Number(t.split(" ")[0])), overFrom(eligibleLines[left]));

  // No recipients used yet: the whole limit is left.
  await audience.getByLabel("Recipients used (24 h)").fill("0");
  await audience.getByLabel("Recipients used (24 h)").dispatchEvent("change");
  await page.locator("#aud-limit", { hasText: "0 already used" }).waitFor({ timeout: 30_000 });
  await page.locator('#audience[data-state="done"]').waitFor({ timeout: 30_000 });
  assert.equal(await num("aud-over-limit"), overFrom(eligibleLines[250]));
  assert.match(await page.locator("#aud-limit").innerText(), new RegExp(`from line ${eligibleLines[250]}\\.`));

  // A count that is not a whole number is pointed out, not guessed.
  await audience.getByLabel("Recipients used (24 h)").fill("12.5");
  await audience.getByLabel("Recipients used (24 h)").dispatchEvent("change");
  await page.locator("#aud-error", { hasText: "Recipients used “12.5” is not a whole number" }).waitFor();
  await audience.getByLabel("Recipients used (24 h)").fill("0");
  await audience.getByLabel("Recipients used (24 h)").dispatchEvent("change");
  await page.locator('#audience[data-state="done"]').waitFor({ timeout: 30_000 });

  // Without a tier, no limit is counted.
  await audience.getByLabel("Messaging tier").selectOption("");
  await page.locator('#audience[data-state="done"]').waitFor({ timeout: 30_000 });
  await page.locator("#aud-over-limit").waitFor({ state: "detached" });
  assert.equal(await num("aud-eligible"), eligibleLines.length);
  await s.screenshot("audience-tier", "#audience");
  s.assertClean();
});
