// The bulk and streaming entry points: checkSends / normalizePhones answer item for item what the
// single calls answer, with one item's bad input as that item's error; AudienceStream gives
// checkAudience's report on the whole file whatever the chunks; readCsv is the one CSV dialect.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as sg from "../node.js";
import { makeCorpus } from "../../bench/corpus.mjs";

const NOW = "2026-11-28T12:00:00Z";
const template = (category, status = "APPROVED") => ({ name: "t", language: "en", category, status, body: "Hi {{1}}" });

/** The single call's answer, or the error it throws as a batch item would carry it. */
function single(fn, x) {
  try {
    return fn(x);
  } catch (e) {
    if (e.name !== "SendgateInputError") throw e;
    return { error: { name: e.name, path: e.path, message: e.message, allowed: e.allowed } };
  }
}

/** The batch item of a single call's thrown error: its path prefixed with the index. */
function atIndex(answer, i) {
  if (!answer.error) return answer;
  const { path } = answer.error;
  const prefixed = `[${i}]${path && !path.startsWith("[") ? "." : ""}${path}`;
  // The thrown message starts with the path ("contact.phone: …"); the batch names the item.
  const message = answer.error.message.replace(path ? `${path}: ` : "", "");
  return { error: { ...answer.error, path: prefixed, message: `${prefixed}: ${message}` } };
}

const corpus = makeCorpus(3000).map((r) => r.input);
const STATES = ["SUBSCRIBED", "UNSUBSCRIBED", "PENDING", "NOT_SUBSCRIBED", "UNKNOWN"];

function mixedRequests() {
  const requests = corpus.map((contact, i) => ({
    contact: { ...contact, marketing_state: STATES[i % STATES.length], ...(i % 4 === 0 ? { last_inbound_at: "2026-11-28T01:00:00Z" } : {}) },
    source: ["campaign", "automation", "inbox"][i % 3],
    now: NOW,
    ...(i % 5 === 0 ? { credits: { balance: i % 10 } } : {}),
    message: i % 7 === 0 ? { type: "text", text: "hi" } : { type: "template", template: template(i % 2 ? "MARKETING" : "UTILITY", i % 11 ? "APPROVED" : "PAUSED"), parameters: i % 13 ? ["Ana"] : [] },
  }));
  // Bad items in between: a wrong enum, a missing field, a non-object, a bad date, a BigInt-free null.
  requests.splice(5, 0, { ...requests[0], contact: { ...requests[0].contact, marketing_state: "MAYBE" } });
  requests.splice(50, 0, { source: "campaign" });
  requests.splice(51, 0, "not a request");
  requests.splice(700, 0, { ...requests[1], now: "yesterday" });
  requests.splice(900, 0, null);
  return requests;
}

test("checkSends: every answer equals checkSend's, one bad item does not sink the batch", () => {
  const requests = mixedRequests();
  const answers = sg.checkSends(requests);
  assert.equal(answers.length, requests.length);
  const errors = [];
  requests.forEach((r, i) => {
    const expected = atIndex(single(sg.checkSend, r), i);
    assert.deepEqual(answers[i], expected, `item ${i}`);
    if ("error" in answers[i]) errors.push(answers[i].error.path);
  });
  assert.deepEqual(errors, ["[5].contact.marketing_state", "[50].contact", "[51]", "[700].now", "[900]"]);
  assert.deepEqual(answers[5].error.allowed.slice(0, 2), ["SUBSCRIBED", "PENDING"]);
  assert.ok(answers.some((a) => a.eligible) && answers.some((a) => a.eligible === false), "a mix of verdicts");
});

test("normalizePhones: every answer equals normalizePhone's", () => {
  const inputs = [...corpus, { phone: 5512345678 }, [], { phone: "5512345678", phone_country_code: "MX" }];
  const answers = sg.normalizePhones(inputs);
  assert.equal(answers.length, inputs.length);
  inputs.forEach((x, i) => {
    assert.deepEqual(answers[i], atIndex(single(sg.normalizePhone, x), i), `item ${i}`);
  });
  assert.equal(answers[corpus.length].error.path, `[${corpus.length}].phone`);
  assert.equal(answers[corpus.length + 1].error.path, `[${corpus.length + 1}]`);
});

test("batch calls: anything but an array is an input error of the whole call", () => {
  for (const bad of [{}, "x", 3, null]) {
    assert.throws(() => sg.checkSends(bad), { name: "SendgateInputError", path: "" });
    assert.throws(() => sg.normalizePhones(bad), { name: "SendgateInputError", path: "" });
  }
  assert.deepEqual(sg.checkSends([]), []);
  assert.throws(() => sg.normalizePhones([1n]), { name: "SendgateInputError", path: "[0]" });
});

// --- AudienceStream -----------------------------------------------------------------------------

function shopifyExport(n) {
  const lines = ["Customer ID,First Name,Email,Accepts SMS Marketing,Default Address Country Code,Default Address Phone,Phone,Note"];
  for (let i = 0; i < n; i++) {
    const kind = i % 7;
    lines.push(
      kind === 0 ? `'${i},Ana,a${i}@x.test,yes,MX,,+52 55 1234 ${String(i % 10000).padStart(4, "0")},`
        : kind === 1 ? `${i},Bö,,yes,MX,,55 1234 ${String(i % 10000).padStart(4, "0")},"VIP, ""gold"""`
        : kind === 2 ? `${i},Cy,,no,AE,,+971501234567,"call\nlater"`
        : kind === 3 ? `${i},Di,,yes,PK,'0314 5415648,,`
        : kind === 4 ? `${i},Ed,,maybe,MX,,+525512345678,`
        : kind === 5 ? `${i},Fu,,yes,MX,,+525512345678,,extra`
        : `${i},Gu,,yes,,,,`,
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

function streamed(text, options, { chunk = 4096, part, asText = false } = {}) {
  const stream = new sg.AudienceStream(options, part);
  const bytes = new TextEncoder().encode(text);
  const fixable = [];
  for (let at = 0; at < bytes.length; at += chunk) {
    stream.push(asText ? text.slice(at, at + chunk) : bytes.subarray(at, at + chunk));
    fixable.push(...stream.takeFixable());
  }
  const report = stream.finish();
  report.fixable = [...fixable, ...report.fixable];
  return report;
}

test("AudienceStream: any chunking of the bytes gives checkAudience's report, credits spent in file order", () => {
  const csv = shopifyExport(5000);
  for (const options of [
    { source: "campaign", now: NOW },
    { source: "campaign", now: NOW, credits: { balance: 700 }, fixed_rows: true },
    { source: "inbox", now: NOW, policy: { consent: "by_category" } },
  ]) {
    const whole = sg.checkAudience(csv, options);
    assert.ok(whole.fixable.length > 0 && whole.malformed.length > 0);
    for (const chunk of [1 << 16, 1000, 17]) {
      assert.deepEqual(streamed(csv, options, { chunk }), whole, `chunks of ${chunk} bytes`);
    }
    // Text chunks (split anywhere, even inside a multi-byte character's UTF-16) read the same.
    assert.deepEqual(streamed(csv, options, { chunk: 333, asText: true }), whole);
  }
  const withBalance = sg.checkAudience(csv, { source: "campaign", now: NOW, credits: { balance: 700 } });
  assert.equal(withBalance.eligible, 700);
  assert.ok(withBalance.blocked.some((b) => b.reason === "INSUFFICIENT_CREDITS"));
});

test("AudienceStream parts: each record counted by one part, the sums equal the whole file", () => {
  const csv = shopifyExport(9000);
  const options = { source: "campaign", now: NOW };
  const whole = sg.checkAudience(csv, options);
  const parts = [0, 1, 2].map((index) => streamed(csv, options, { part: { index, count: 3 } }));
  const sum = (k) => parts.reduce((s, p) => s + p[k], 0);
  for (const k of ["rows", "eligible", "blocked_contacts", "cost"]) assert.equal(sum(k), whole[k], k);
  const byReason = {};
  for (const p of parts) for (const b of p.blocked) byReason[b.reason] = (byReason[b.reason] ?? 0) + b.count;
  assert.deepEqual(byReason, Object.fromEntries(whole.blocked.map((b) => [b.reason, b.count])));
  const byLine = (a, b) => a.line - b.line;
  assert.deepEqual(parts.flatMap((p) => p.fixable).sort(byLine), whole.fixable);
  assert.deepEqual(parts.flatMap((p) => p.malformed).sort(byLine), whole.malformed);
  assert.throws(() => new sg.AudienceStream({ source: "campaign", credits: { balance: 1 } }, { index: 0, count: 2 }), { name: "SendgateInputError", path: "options.credits" });
  assert.throws(() => new sg.AudienceStream({ source: "campaign" }, { index: 2, count: 2 }), { name: "SendgateInputError", path: "part" });
  assert.throws(() => new sg.AudienceStream({ source: "campaign" }, { index: "0", count: 2 }), { name: "SendgateInputError", path: "part.index" });
  assert.throws(() => new sg.AudienceStream({ source: "fax" }), (e) => e.path === "options.source");
});

test("AudienceStream: fixed rows carry the corrected phone; a finished stream refuses more", () => {
  const csv = "Customer ID,Default Address Country Code,Default Address Phone,Phone\n'7985351721238,PK,'03145415648,\n";
  const stream = new sg.AudienceStream({ source: "campaign", now: NOW, fixed_rows: true });
  stream.push(csv);
  assert.equal(stream.rows, 1);
  const [fix] = stream.takeFixable();
  assert.deepEqual(fix.row, ["'7985351721238", "PK", "+923145415648", ""]);
  assert.equal(fix.customer_id, "7985351721238");
  const report = stream.finish();
  assert.deepEqual(report.header, ["Customer ID", "Default Address Country Code", "Default Address Phone", "Phone"]);
  assert.deepEqual(report.fixable, [], "taken entries leave the report");
  assert.throws(() => stream.push("x"), { name: "SendgateInputError" });
  assert.throws(() => stream.finish(), { name: "SendgateInputError" });
  assert.throws(() => new sg.AudienceStream({ source: "campaign" }).push(42), { name: "SendgateInputError", path: "chunk" });
});

// --- readCsv --------------------------------------------------------------------------------------

test("readCsv: the one dialect (the issue's cases: a quote after a space, an unclosed quote)", () => {
  assert.deepEqual(sg.readCsv('+52 55, "Doe, Jane"\r\nx'), [
    { line: 1, fields: ["+52 55", "Doe, Jane"] },
    { line: 2, fields: ["x"] },
  ]);
  assert.deepEqual(sg.readCsv('a,b\n"open,1\n2\n3'), [
    { line: 1, fields: ["a", "b"] },
    { line: 2, error: "a quoted field is never closed" },
  ]);
  assert.deepEqual(sg.readCsv('\ufeffh\n\n"multi\nline"\n'), [
    { line: 1, fields: ["h"] },
    { line: 3, fields: ["multi\nline"] },
  ]);
  assert.throws(() => sg.readCsv(1), { name: "SendgateInputError", path: "text" });
});
