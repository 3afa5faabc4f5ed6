// Deterministic phone corpus for `make bench` (fixed seed): numbers for every region
// libphonenumber-js/max knows, seeded from its example numbers (examples.mobile.json, plus
// variants with the subscriber digits redrawn), in the formats people type, mixed in
// realistic proportions (most contacts in a handful of countries).
//
// Each row is a PhoneInput for sendgate plus the equivalent arguments for libphonenumber-js:
//   { input: { phone, phone_country_code?, phone_calling_code? }, peer: { text, options }, kind }
// `00…` input is handed to the peer as `+…` (the SPEC reads `00` as the international prefix
// everywhere; libphonenumber-js only knows it with a default country).

import { getCountries, getCountryCallingCode, parsePhoneNumber } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";

export const SEED = 20261128;

// mulberry32: small, fast, deterministic.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Where a Shopify merchant's WhatsApp contacts mostly are (weights sum to ~0.8); the rest
// spreads evenly over every other region.
const HEAVY = {
  US: 0.14, MX: 0.12, BR: 0.1, GB: 0.08, IN: 0.08, AR: 0.05, ID: 0.05, DE: 0.04,
  AE: 0.04, ES: 0.03, CA: 0.03, CO: 0.02, FR: 0.02,
};

const GARBAGE = [
  "", "n/a", "call me", "-", "+", "none", "0", "12", "+44", "tel:", "123", "+1 555",
  "phone: ask", "00", "++", "x123", "😀", "+52 55", "07", "(555)",
];

function pick(r, xs) {
  return xs[Math.floor(r() * xs.length)];
}

// Another number of the same range: keep the example's first half, redraw the rest.
function variant(r, national) {
  const keep = Math.max(2, Math.ceil(national.length / 2));
  let out = national.slice(0, keep);
  for (let i = keep; i < national.length; i++) out += String(Math.floor(r() * 10));
  return out;
}

function separators(r, s) {
  const sep = pick(r, [" ", "-", ".", " ", ""]);
  return s.replace(/ /g, sep);
}

/** One row in a format people type, for a valid-ish number of `country`. */
function row(r, country) {
  const example = examples[country];
  const code = getCountryCallingCode(country);
  const national = r() < 0.3 ? example : variant(r, example);
  const pn = parsePhoneNumber(`+${code}${national}`);
  const intl = pn ? pn.formatInternational() : `+${code} ${national}`;
  const nat = pn ? pn.formatNational() : national;
  const k = r();
  if (k < 0.3) return { kind: "e164", input: { phone: `+${code}${national}` } };
  if (k < 0.5) return { kind: "international", input: { phone: separators(r, intl) } };
  if (k < 0.58) {
    const phone = `00${code} ${national}`;
    return { kind: "00", input: { phone }, peerText: `+${code} ${national}` };
  }
  if (k < 0.66) {
    // "+CC (area) rest" with parentheses, as some checkout forms produce.
    const m = intl.match(/^\+(\d+) (\d+) (.*)$/);
    const phone = m ? `+${m[1]} (${m[2]}) ${m[3]}` : intl;
    return { kind: "parentheses", input: { phone } };
  }
  if (k < 0.88) {
    const withPlus = r() < 0.5 ? "+" : "";
    return {
      kind: "national+calling_code",
      input: {
        phone: separators(r, nat),
        phone_calling_code: `${withPlus}${code}`,
        phone_country_code: country,
      },
    };
  }
  return {
    kind: "national+country_hint",
    input: { phone: separators(r, nat), phone_country_code: country },
  };
}

/** `n` rows, deterministic for `seed`. */
export function makeCorpus(n = 20000, seed = SEED) {
  const r = rng(seed);
  const countries = getCountries().filter((c) => examples[c]);
  const heavy = Object.entries(HEAVY);
  const heavyTotal = heavy.reduce((s, [, w]) => s + w, 0);
  const rows = [];
  // Every region at least once.
  for (const c of countries) rows.push(row(r, c));
  while (rows.length < n) {
    const x = r();
    if (x < 0.03) {
      rows.push({ kind: "garbage", input: { phone: pick(r, GARBAGE) } });
    } else if (x < 0.05) {
      // Too short: a real prefix cut off.
      const c = pick(r, countries);
      const ex = examples[c];
      rows.push({
        kind: "too_short",
        input: { phone: `+${getCountryCallingCode(c)} ${ex.slice(0, Math.max(1, ex.length - 4))}` },
      });
    } else if (x < 0.05 + heavyTotal) {
      let y = r() * heavyTotal;
      let c = heavy[0][0];
      for (const [cc, w] of heavy) {
        y -= w;
        if (y <= 0) {
          c = cc;
          break;
        }
      }
      rows.push(row(r, c));
    } else {
      rows.push(row(r, pick(r, countries)));
    }
  }
  // The peer's arguments for the same question.
  for (const x of rows) {
    const { phone, phone_country_code: country, phone_calling_code: calling } = x.input;
    const text = x.peerText ?? phone;
    let options = {};
    if (!/^\s*(\+|00)/.test(phone)) {
      if (calling) {
        const cc = calling.replace("+", "");
        options =
          country && getCountryCallingCode(country) === cc
            ? { defaultCountry: country }
            : { defaultCallingCode: cc };
      } else if (country) {
        options = { defaultCountry: country };
      }
    }
    x.peer = { text, options };
    delete x.peerText;
  }
  return rows;
}
