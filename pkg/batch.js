// normalizePhones through a columnar answer: the core writes each report's fields into one
// string (src/wasm.rs, write_phone_columns), split here once; objects of one shape built from
// a literal cost far less than JSON.parse reading every key of every item. Same answers, item
// for item, as normalizePhone (pkg/test/bulk.test.mjs).
import { normalizePhonesColumns } from "./sendgate.js";

const FIELDS = 11;
const NULL = "\u0003";
const str = (v) => (v === NULL ? null : v);

/** `normalizePhone` for every input of an array, in one call (answers as for `checkSends`). */
export function normalizePhones(inputs) {
  const f = normalizePhonesColumns(inputs).split("\u0001");
  const n = (f.length - 1) / FIELDS;
  const out = new Array(n);
  for (let i = 0, k = 0; i < n; i++, k += FIELDS) {
    const e164 = f[k];
    if (e164.charCodeAt(0) === 2) {
      out[i] = JSON.parse(e164.slice(1));
      continue;
    }
    const wa = f[k + 8];
    const findings = f[k + 10];
    out[i] = {
      e164: str(e164),
      region: str(f[k + 1]),
      calling_code: str(f[k + 2]),
      national_number: str(f[k + 3]),
      possible: f[k + 4] === "1",
      valid: f[k + 5] === "1",
      type: str(f[k + 6]),
      assumed: str(f[k + 7]),
      wa_id_variants: wa === "" ? [] : wa.split("\u0002"),
      suggested: str(f[k + 9]),
      findings: findings === "" ? [] : JSON.parse(findings),
    };
  }
  return out;
}
