// Differential harness (issue 17), Node side: sendgate's normalizePhone (the built Wasm)
// against libphonenumber-js/max, whose metadata is newer than the crate's that sendgate is
// built from. Same judging as tests/phone_differential.rs: the E.164 number (sendgate: the
// suggestion when only a country is known) and its validity; when libphonenumber-js calls a
// number invalid, sendgate agrees when it gives no valid number. Run on
//   (a) every case of ../shared/realworld/phones/cases.tsv (skipped with a message if absent),
//   (b) ≥ 100,000 typed variants of every region's example mobile number, built from
//       libphonenumber-js's own metadata (international prefixes, national prefixes,
//       separators, parentheses, extensions, text around, Unicode digits, apostrophes,
//       vanity letters).
// Every disagreement falls in a category of tests/phone_differences.tsv listed for
// libphonenumber-js, or the test fails; a listed category that no longer occurs fails it too.
// Differences the metadata versions explain are one such category, detected as such: each
// library reads its own answer as valid and the other's as not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parsePhoneNumber, getCountries, getCountryCallingCode } from "libphonenumber-js/max";
import { Metadata } from "libphonenumber-js/core";
import metadataJson from "libphonenumber-js/metadata.max.json";
import examples from "libphonenumber-js/mobile/examples";
import { normalizePhone } from "../node.js";
import { rng } from "../../bench/corpus.mjs";

const CASES = fileURLToPath(new URL("../../../shared/realworld/phones/cases.tsv", import.meta.url));
const TABLE = fileURLToPath(new URL("../../tests/phone_differences.tsv", import.meta.url));
const REFERENCE = "libphonenumber-js";

// ---- answers -------------------------------------------------------------------------------

function ours(c) {
  const report = normalizePhone({ phone: c.phone, phone_country_code: c.country ?? null, phone_calling_code: c.callingCode ?? null });
  const hinted = report.findings.some((f) => f.reason === "CUSTOMER_IS_MISSING_CALLING_CODE");
  if (!hinted) return { answer: { e164: report.e164, valid: report.valid }, report };
  const valid = report.suggested ? normalizePhone({ phone: report.suggested }).valid : false;
  return { answer: { e164: report.suggested, valid }, report };
}

function peer(c) {
  const options = c.country ? { defaultCountry: c.country } : c.callingCode ? { defaultCallingCode: String(c.callingCode) } : {};
  try {
    const pn = parsePhoneNumber(c.phone, options);
    return pn ? { e164: pn.number, valid: pn.isValid() } : { e164: null, valid: false };
  } catch {
    return { e164: null, valid: false };
  }
}

const agrees = (a, ref) => (ref.valid ? a.valid && a.e164 === ref.e164 : !a.valid);

// ---- the corpus, from libphonenumber-js's metadata -----------------------------------------

const metadata = new Metadata(metadataJson);
function plan(country) {
  metadata.selectNumberingPlan(country);
  return metadata.numberingPlan;
}

// Shortest digit strings the international prefix pattern accepts whole (plus the preferred
// one as the metadata writes it, `8~10`, `0011`).
function internationalPrefixes(country) {
  const p = plan(country);
  const out = p.defaultIDDPrefix() ? [p.defaultIDDPrefix()] : [];
  const whole = new RegExp(`^(?:${p.IDDPrefix()})$`);
  for (let len = 2; len <= 5; len++) {
    let found = 0;
    for (let n = 0; n < 10 ** (len - 1) && found < 2; n++) {
      for (const lead of ["0", "8", "1"]) {
        const s = lead + String(n).padStart(len - 1, "0");
        if (found < 2 && whole.test(s)) {
          found++;
          if (!out.includes(s)) out.push(s);
        }
      }
    }
    if (found) break;
  }
  return out;
}

const pick = (r, xs) => xs[Math.floor(r() * xs.length)];

function redraw(r, national) {
  const keep = Math.min(national.length, Math.max(2, Math.ceil(national.length / 2)));
  let out = national.slice(0, keep);
  for (let i = keep; i < national.length; i++) out += String(Math.floor(r() * 10));
  return out;
}

function grouped(r, digits) {
  const sep = pick(r, [" ", "-", ".", " ", "", "\u00a0"]);
  const out = [];
  for (let i = 0; i < digits.length; ) {
    const n = 2 + Math.floor(r() * 3);
    out.push(digits.slice(i, i + n));
    i += n;
  }
  return out.join(sep);
}

function parenthesised(r, digits) {
  const n = Math.max(1, Math.min(2 + Math.floor(r() * 2), digits.length - 1));
  return `(${digits.slice(0, n)}) ${grouped(r, digits.slice(n))}`;
}

const mapDigits = (text, zero) => text.replace(/\d/g, (d) => String.fromCodePoint(zero + Number(d)));

const KEYS = ["", "", "ABC", "DEF", "GHI", "JKL", "MNO", "PQRS", "TUV", "WXYZ"];
function vanity(r, digits) {
  const tail = /[2-9]*$/.exec(digits)[0];
  if (tail.length < 4) return null;
  const n = 3 + Math.floor(r() * (Math.min(tail.length, 7) - 2));
  const letters = [...digits.slice(-n)].map((d) => pick(r, [...KEYS[Number(d)]])).join("");
  return `${digits.slice(0, -n)}${pick(r, [" ", "-", ""])}${letters}`;
}

const BEFORE = ["Phone: ", "Tel. ", "Mobile: ", "WhatsApp: ", "Cel ", "tel:"];
const AFTER = [" (mobile)", ".", " cel", " (WhatsApp)", "!", " - home"];
const EXTENSIONS = [" x123", " ext. 45", " #7", ";ext=12", " ext 9001", " x 12"];

function variants(r, country, national, out) {
  const code = getCountryCallingCode(country);
  const np = plan(country).nationalPrefix() ?? "";
  const hinted = (phone, kind) => out.push({ phone, country, kind });
  const bare = (phone, kind) => out.push({ phone, kind });
  const intl = `+${code} ${grouped(r, national)}`;
  bare(`+${code}${national}`, "e164");
  bare(intl, "international");
  hinted(intl, "international, country");
  bare(`00${code} ${grouped(r, national)}`, "00");
  bare(`+${code} ${parenthesised(r, national)}`, "parentheses");
  hinted(grouped(r, national), "national");
  if (np) {
    hinted(`${np}${grouped(r, national)}`, "national prefix");
    bare(`+${code} (${np}) ${grouped(r, national)}`, "+CC (national prefix)");
    hinted(`${np} ${parenthesised(r, national)}`, "national prefix, parentheses");
  }
  hinted(`${code}${national}`, "calling code without +");
  out.push({ phone: grouped(r, np + national), callingCode: code, kind: "calling code field" });
  bare(`${pick(r, BEFORE)}${intl}`, "text before");
  hinted(`${grouped(r, np + national)}${pick(r, AFTER)}`, "text after");
  bare(`${intl}${pick(r, EXTENSIONS)}`, "extension");
  hinted(`${np}${national}${pick(r, EXTENSIONS)}`, "national, extension");
  bare(`'+${code}${national}`, "apostrophe");
  bare(mapDigits(intl, 0xff10), "full-width digits");
  hinted(mapDigits(np + national, 0x0660), "Arabic-Indic digits");
  bare(`+ ${code} ${national}`, "+ space");
  const v = vanity(r, national);
  if (v) hinted(np + v, "vanity letters");
  bare(`+${code}${national.slice(0, -1)}`, "one digit short");
  bare(`+${code}${national}${Math.floor(r() * 10)}`, "one digit more");
}

function corpus() {
  const r = rng(20261128);
  const countries = getCountries().filter((c) => examples[c]);
  const out = [];
  for (const country of countries) {
    const prefixes = internationalPrefixes(country);
    for (let round = 0; round < 21; round++) {
      const national = round === 0 ? examples[country] : redraw(r, examples[country]);
      variants(r, country, national, out);
      if (round < 2) {
        const to = pick(r, countries);
        for (const idd of prefixes)
          out.push({ phone: `${idd} ${getCountryCallingCode(to)} ${grouped(r, examples[to])}`, country, kind: "international prefix of the country" });
      }
    }
  }
  return out;
}

// ---- categories ----------------------------------------------------------------------------

function table() {
  const rows = readFileSync(TABLE, "utf8").split("\n").filter((l) => l.trim() && !l.startsWith("#"));
  return new Map(rows.map((l) => {
    const [category, refs, reason] = l.split("\t");
    return [category, { refs: refs.split(","), reason }];
  }));
}

// Calling code and national number of an E.164 string, by libphonenumber-js.
function split(e164) {
  if (!e164) return null;
  try {
    const pn = parsePhoneNumber(e164);
    return pn ? { code: pn.countryCallingCode, national: pn.nationalNumber } : null;
  } catch {
    return null;
  }
}

const dialled = (phone) => {
  const start = phone.search(/[+\p{Nd}]/u);
  return start < 0 ? "" : phone.slice(start).replace(/[^+0-9]/g, "");
};

// Each library's verdict on the other's number.
const peerValid = (e164) => Boolean(e164) && peer({ phone: e164 }).valid;
const oursValid = (e164) => Boolean(e164) && normalizePhone({ phone: e164 }).valid;

function explain(c, answer, report, ref) {
  const has = (reason) => report.findings.some((f) => f.reason === reason);
  if (has("CUSTOMER_PHONE_MANGLED")) return "spreadsheet_rounded";
  const ours_ = split(answer.e164);
  const theirs = split(ref.e164);
  const typed = dialled(c.phone).replace(/^\+/, "");
  const digits = answer.e164?.slice(1) ?? "";
  const international = report.assumed === "international_prefix";
  const letters = (c.phone.match(/[A-Za-z]/g) ?? []).length;
  if (answer.valid && !ref.valid) {
    if (ours_?.code === "52" && theirs?.code === "52" && theirs.national === `1${ours_.national}`) return "mexico_legacy_mobile_one";
    if (international && typed.startsWith("00") && typed.slice(2) === digits) return "spec_00_everywhere";
    if (has("CUSTOMER_PHONE_VANITY_LETTERS") && letters >= 3) return "lpjs_no_vanity_letters";
    const plusSigns = /^[^+＋\p{Nd}]*[+＋]\s*[+＋]|^[^+＋\p{Nd}]*＋/u.test(c.phone);
    if (plusSigns) return "lpjs_plus_signs";
    if (/^\s*\+/.test(c.phone) && international && c.country && !typed.startsWith(digits)) return "lpjs_plus_then_idd";
    if (letters > 0 && ref.e164 === null) return "lpjs_extraction";
    const code = c.country && getCountryCallingCode(c.country);
    if (code && typed.startsWith(code) && ref.e164 === `+${typed}`) return "lpjs_code_in_national";
  }
  // The two metadata versions: each library calls its own reading valid and the other's not
  // (a range added or removed, a changed national prefix rule or length).
  const ourOwn = answer.valid;
  const theirOwn = ref.valid;
  if (ourOwn !== theirOwn || answer.e164 !== ref.e164) {
    const theyOnOurs = answer.e164 === ref.e164 ? theirOwn : peerValid(answer.e164);
    const weOnTheirs = answer.e164 === ref.e164 ? ourOwn : oursValid(ref.e164);
    if (ourOwn !== theyOnOurs && theirOwn !== weOnTheirs) return "metadata_version";
    if (answer.e164 === ref.e164 && ourOwn !== theirOwn) return "metadata_version";
  }
  return null;
}

// Region group: the ITU world numbering zone of the number's calling code.
const ZONES = {
  1: "zone 1 (NANP)", 2: "zone 2 (Africa, 29x)", 3: "zones 3-4 (Europe)", 4: "zones 3-4 (Europe)",
  5: "zone 5 (Latin America)", 6: "zone 6 (SE Asia, Oceania)", 7: "zone 7 (RU, KZ)",
  8: "zone 8 (E Asia, global)", 9: "zone 9 (W, S, C Asia)",
};
function zone(c, answer, ref) {
  const e164 = ref.e164 ?? answer.e164 ?? (c.country ? `+${getCountryCallingCode(c.country)}` : null);
  return ZONES[e164?.[1]] ?? "no calling code";
}

function judge(name, items) {
  const run = { name, total: 0, agree: 0, zones: new Map(), categories: new Map(), unexplained: [] };
  for (const [c, ref] of items) {
    const { answer, report } = ours(c);
    const ok = agrees(answer, ref);
    const z = zone(c, answer, ref);
    const t = run.zones.get(z) ?? { total: 0, agree: 0 };
    run.zones.set(z, t);
    t.total++;
    run.total++;
    if (ok) {
      t.agree++;
      run.agree++;
      continue;
    }
    const line = `${JSON.stringify(c.phone)} country=${c.country ?? "-"} calling_code=${c.callingCode ?? "-"} [${c.kind}]: sendgate ${answer.e164} ${answer.valid} | ${REFERENCE} ${ref.e164} ${ref.valid}`;
    const category = explain(c, answer, report, ref);
    if (category) {
      const entry = run.categories.get(category) ?? { count: 0, example: line };
      entry.count++;
      run.categories.set(category, entry);
    } else run.unexplained.push(line);
  }
  return run;
}

const pct = (t) => ((100 * t.agree) / Math.max(1, t.total)).toFixed(2);

function print(runs) {
  const reasons = table();
  const out = ["", `phone differential: agreement with ${REFERENCE} (E.164 + validity)`];
  for (const r of runs) out.push(`  ${r.name.padEnd(44)} ${String(r.agree).padStart(7)} of ${String(r.total).padStart(7)}  ${pct(r).padStart(6)} %`);
  for (const r of runs) {
    out.push("", `  ${r.name} by region group:`);
    for (const [z, t] of [...r.zones].sort()) out.push(`    ${z.padEnd(28)} ${String(t.agree).padStart(7)} of ${String(t.total).padStart(7)}  ${pct(t).padStart(6)} %`);
    out.push(`  ${r.name} disagreements by category:`);
    for (const [cat, { count, example }] of [...r.categories].sort()) {
      out.push(`    ${String(count).padStart(6)}  ${cat}: ${reasons.get(cat)?.reason ?? "?"}`, `            e.g. ${example}`);
    }
  }
  console.log(out.join("\n"));
}

function problems(runs) {
  const reasons = table();
  const out = [];
  for (const r of runs) {
    out.push(...r.unexplained.slice(0, 60).map((l) => `unexplained (${r.name}): ${l}`));
    if (r.unexplained.length > 60) out.push(`… and ${r.unexplained.length - 60} more unexplained in ${r.name}`);
    for (const cat of r.categories.keys())
      if (!reasons.get(cat)?.refs.includes(REFERENCE)) out.push(`category ${cat} is not listed for ${REFERENCE} in phone_differences.tsv`);
  }
  // metadata_version comes and goes with each libphonenumber-js release: never stale.
  for (const [cat, { refs }] of reasons)
    if (refs.includes(REFERENCE) && cat !== "metadata_version" && !runs.some((r) => r.categories.has(cat))) out.push(`category ${cat} (${REFERENCE}) no longer occurs: remove it from phone_differences.tsv`);
  return out;
}

test("sendgate agrees with libphonenumber-js/max on cases.tsv and a generated corpus, or says why", () => {
  const started = performance.now();
  const runs = [];
  if (existsSync(CASES)) {
    const cases = readFileSync(CASES, "utf8").split("\n").slice(1).filter(Boolean).map((l) => {
      const [phone, region] = l.split("\t");
      return { phone, country: region && region !== "ZZ" ? region : undefined, kind: "cases.tsv" };
    });
    runs.push(judge(`cases.tsv, ${REFERENCE}`, cases.map((c) => [c, peer(c)])));
  } else {
    console.log(`phone differential: ${CASES} is absent, its cases are skipped`);
  }
  const items = corpus();
  assert.ok(items.length >= 100_000, `corpus has ${items.length} cases`);
  runs.push(judge(`generated corpus, ${REFERENCE}`, items.map((c) => [c, peer(c)])));
  print(runs);
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  const found = problems(runs);
  assert.ok(found.length === 0, found.join("\n"));
});
