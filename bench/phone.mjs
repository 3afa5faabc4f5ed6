// The phone rows of `make bench` (issues 17 and 19), against libphonenumber-js/max in the same
// process, timed alternately (peer, sendgate, peer, …) and reported as medians:
//   - every region's example number, half typed nationally with the country as the hint
//     (issue 19's corpus: the national-with-hint path is the costly one);
//   - plain fields against the same fields with text around them (`Phone: … (mobile)`), so
//     the text reading is seen not to slow the plain path.
// bench/run.mjs adds these rows to its table; `node bench/phone.mjs [pkg/node.js]` prints them.
import { fileURLToPath } from "node:url";
import { getCountries, getCountryCallingCode, parsePhoneNumber } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { makeCorpus, rng } from "./corpus.mjs";
import { median } from "./median.mjs";

/** sendgate's PhoneInput and libphonenumber-js's arguments for one question. */
const row = (phone, country) => ({ input: { phone, phone_country_code: country ?? null }, peer: { text: phone, options: country ? { defaultCountry: country } : {} } });

/** Every region's example number: even regions national with the country, odd ones E.164. */
export function exampleCorpus() {
  const rows = [];
  getCountries()
    .filter((c) => examples[c])
    .forEach((country, i) => {
      const pn = parsePhoneNumber(`+${getCountryCallingCode(country)}${examples[country]}`);
      rows.push(i % 2 === 0 ? row(pn.formatNational(), country) : row(pn.number));
    });
  return rows;
}

const BEFORE = ["Phone: ", "Tel. ", "WhatsApp: ", "Mobile "];
const AFTER = [" (mobile)", ".", " cel", " - home"];

/** bench/corpus.mjs's fields with text around the number, and the same fields plain. */
export function textCorpus(n = 5000) {
  const r = rng(17);
  const plain = makeCorpus(n).filter((x) => x.kind !== "garbage");
  const texted = plain.map((x) => {
    const phone = `${BEFORE[Math.floor(r() * BEFORE.length)]}${x.input.phone}${AFTER[Math.floor(r() * AFTER.length)]}`;
    return { input: { ...x.input, phone }, peer: { text: phone, options: x.peer.options } };
  });
  return { plain, texted };
}

function peerWork(x) {
  try {
    const pn = parsePhoneNumber(x.peer.text, x.peer.options);
    return pn ? [pn.number, pn.isValid()] : null;
  } catch {
    return null;
  }
}

/** Median µs per call of sendgate and the peer on `rows`, in alternating rounds. */
export function perCall(sg, rows, runs = 7) {
  const inputs = rows.map((x) => x.input);
  const time = (fn, items) => {
    const t = performance.now();
    for (const x of items) fn(x);
    return ((performance.now() - t) * 1000) / items.length;
  };
  // Enough calls per round for a stable figure on a small corpus.
  const repeat = Math.max(1, Math.ceil(20000 / rows.length));
  const many = (xs) => Array.from({ length: repeat }, () => xs).flat();
  const ours = many(inputs);
  const theirs = many(rows);
  for (let i = 0; i < 2; i++) {
    for (const x of ours) sg.normalizePhone(x);
    for (const x of theirs) peerWork(x);
  }
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    b.push(time(peerWork, theirs));
    a.push(time((x) => sg.normalizePhone(x), ours));
  }
  return { sendgate: median(a), peer: median(b) };
}

/** Rows for bench/run.mjs's table: [figure, sendgate, peer, ratio, target, met]. */
export function phoneRows(sg, runs = 7) {
  const f = (x) => x.toFixed(2);
  const ex = exampleCorpus();
  const examplesTime = perCall(sg, ex, runs);
  const { plain, texted } = textCorpus();
  const plainTime = perCall(sg, plain, runs);
  const textTime = perCall(sg, texted, runs);
  const ratio = (t) => t.sendgate / t.peer;
  return [
    [`normalizePhone, every region's example (${ex.length}), half national + hint (µs)`, f(examplesTime.sendgate), f(examplesTime.peer), ratio(examplesTime), "≤ 0.4×", ratio(examplesTime) <= 0.4],
    [`normalizePhone, plain fields (${plain.length}) (µs)`, f(plainTime.sendgate), f(plainTime.peer), ratio(plainTime), "≤ 0.5×", ratio(plainTime) <= 0.5],
    [`normalizePhone, same fields with text around (µs)`, f(textTime.sendgate), f(textTime.peer), ratio(textTime), "", null],
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pkg = process.argv[2] ?? fileURLToPath(new URL("../pkg/node.js", import.meta.url));
  const sg = await import(pkg);
  for (const [label, ours, peer, r, target, met] of phoneRows(sg)) {
    console.log(`${label.padEnd(78)} ${ours.padStart(6)} ${peer.padStart(6)} ${r.toFixed(2)}× ${target} ${met == null ? "" : met ? "yes" : "NO"}`);
  }
}
