// audienceContacts reads a customers CSV as checkAudience does: on each real Shopify layout of
// ../shared/realworld/shopify/ (skipped with a message if absent), its contacts sent through
// checkSends give checkAudience's eligible and blocked counts, per reason, and its malformed lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as sg from "../node.js";

const DIR = new URL("../../../shared/realworld/shopify/", import.meta.url);
const NOW = "2026-11-28T12:00:00Z";
const TEMPLATE = { name: "promo", language: "en", category: "MARKETING", status: "APPROVED" };

/** checkSends on the contacts: eligible and blocked counts, and blocked counts per reason. */
function sent(contacts) {
  const answers = sg.checkSends(contacts.map((c) => ({ contact: c.contact, source: "campaign", now: NOW, message: { type: "template", template: TEMPLATE } })));
  const errors = answers.filter((a) => "error" in a).map((a) => a.error.message);
  assert.deepEqual(errors, [], "every contact read is a valid send input");
  const reasons = {};
  for (const v of answers.filter((a) => !a.eligible)) for (const b of v.blockers) reasons[b.reason] = (reasons[b.reason] ?? 0) + 1;
  const eligible = answers.filter((a) => a.eligible).length;
  return { eligible, blocked: answers.length - eligible, reasons };
}

test("audienceContacts + checkSends = checkAudience on every real Shopify layout", (t) => {
  if (!existsSync(DIR)) return t.skip("../shared/realworld/shopify is absent (the real-world exports live outside the repo)");
  const files = readdirSync(DIR).filter((f) => f.endsWith(".csv"));
  assert.ok(files.length > 0, "the directory has CSV exports");
  let total = 0;
  for (const file of files) {
    const text = readFileSync(new URL(file, DIR), "utf8");
    const report = sg.checkAudience(text, { source: "campaign", now: NOW, template: TEMPLATE });
    const read = sg.audienceContacts(text);
    assert.equal(read.problem, undefined, `${file}: ${read.problem}`);
    assert.equal(read.format, report.format, file);
    assert.deepEqual(read.header, report.header, file);
    assert.deepEqual(read.malformed, report.malformed, file);
    assert.equal(read.contacts.length + read.malformed.length, report.rows, file);
    const got = sent(read.contacts);
    assert.deepEqual({ eligible: got.eligible, blocked: got.blocked }, { eligible: report.eligible, blocked: report.blocked_contacts }, file);
    assert.deepEqual(got.reasons, Object.fromEntries(report.blocked.map((c) => [c.reason, c.count])), file);
    total += read.contacts.length;
  }
  assert.ok(total > 0, "the layouts hold contacts to compare");
});

test("audienceContacts: a file with nothing to read names the problem", () => {
  assert.equal(sg.audienceContacts("").problem, "the CSV is empty");
  const noPhone = sg.audienceContacts("Email,First Name\nana@example.com,Ana\n");
  assert.match(noPhone.problem, /no Phone column/);
  assert.deepEqual(noPhone.contacts, []);
  assert.throws(() => sg.audienceContacts(42), { name: "SendgateInputError", path: "csv" });
});
