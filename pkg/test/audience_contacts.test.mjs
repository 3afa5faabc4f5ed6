// audienceContacts reads a customers CSV as checkAudience does: on each real Shopify layout of
// ../shared/realworld/shopify/ (skipped with a message if absent), its contacts sent through
// checkSends give checkAudience's eligible and blocked counts, per reason, and its malformed lines;
// the same under each real header with rows of varied phones and consent added.
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

const PHONES = ["+447911123456", "'+447911123457", "5512345678", "", "+971501234567", "0314 5415648"];
const CONSENT = ["yes", "no", "", "yes", "maybe", "yes"];

/** Rows under a real header: phones of several shapes, consent of every kind, per column name. */
function withRows(header, n) {
  const cell = (name, i) => {
    const h = name.trim().toLowerCase();
    if (h === "phone") return PHONES[i % PHONES.length];
    if (h === "default address phone") return PHONES[(i + 2) % PHONES.length];
    if (h.startsWith("accepts ") && h.endsWith(" marketing")) return CONSENT[(i + h.length) % CONSENT.length];
    if (h.endsWith("country code")) return ["GB", "MX", "", "AE", "PK"][i % 5];
    if (h === "customer id" || h === "id") return `'${1000 + i}`;
    return "";
  };
  const quote = (v) => `"${v.replaceAll('"', '""')}"`;
  const rows = Array.from({ length: n }, (_, i) => header.map((h) => quote(cell(h, i))).join(","));
  return `${[header.map(quote).join(","), ...rows].join("\n")}\n`;
}

test("audienceContacts + checkSends = checkAudience on every real Shopify layout", (t) => {
  if (!existsSync(DIR)) return t.skip("../shared/realworld/shopify is absent (the real-world exports live outside the repo)");
  const files = readdirSync(DIR).filter((f) => f.endsWith(".csv"));
  assert.ok(files.length > 0, "the directory has CSV exports");
  let total = 0;
  let eligible = 0;
  const texts = files.flatMap((file) => {
    const text = readFileSync(new URL(file, DIR), "utf8");
    const header = sg.readCsv(text)[0].fields;
    return [
      [file, text],
      [`${file} + 60 rows`, withRows(header, 60)],
    ];
  });
  for (const [file, text] of texts) {
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
    eligible += report.eligible;
  }
  assert.ok(total > files.length * 30, `the layouts hold contacts to compare (${total})`);
  assert.ok(eligible > files.length, `some contacts are eligible (${eligible})`);
  console.log(`${texts.length} texts: ${total} contacts, ${eligible} eligible`);
});

test("audienceContacts: a file with nothing to read names the problem", () => {
  assert.equal(sg.audienceContacts("").problem, "the CSV is empty");
  const noPhone = sg.audienceContacts("Email,First Name\nana@example.com,Ana\n");
  assert.match(noPhone.problem, /no Phone column/);
  assert.deepEqual(noPhone.contacts, []);
  assert.throws(() => sg.audienceContacts(42), { name: "SendgateInputError", path: "csv" });
});
