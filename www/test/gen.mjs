// Generates a Shopify-style customer export and, from its own knowledge of each row, the audience
// counts a campaign with an approved MARKETING template must produce (independent of sendgate).
export const SHOPIFY_HEADER = [
  "Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing", "Default Address Company",
  "Default Address Address1", "Default Address Address2", "Default Address City", "Default Address Province Code",
  "Default Address Country Code", "Default Address Zip", "Default Address Phone", "Phone", "Accepts SMS Marketing",
  "Total Spent", "Total Orders", "Note", "Tax Exempt", "Tags",
];

function rng(seed) {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const q = (v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function generateShopifyCsv(n, seed = 20261128) {
  const r = rng(seed);
  const digits = (k) => Array.from({ length: k }, () => Math.floor(r() * 10)).join("");
  const lines = [SHOPIFY_HEADER.join(",")];
  let line = 2; // physical line the next row starts on (the header is line 1)
  const expected = { rows: 0, eligible: 0, blockedContacts: 0, blocked: {}, malformed: [], fixable: [] };
  const block = (...reasons) => {
    expected.blockedContacts++;
    for (const reason of reasons) expected.blocked[reason] = (expected.blocked[reason] ?? 0) + 1;
  };
  for (let i = 0; i < n; i++) {
    const p = r();
    const id = String(7_000_000_000 + i);
    const mx = r() < 0.7;
    const country = mx ? "MX" : "AE";
    const e164 = mx ? `+52 55 ${digits(4)} ${digits(4)}` : `+971 50 ${digits(3)} ${digits(4)}`;
    const national = `55${digits(8)}`;
    const nationalShown = [national, `${national.slice(0, 2)} ${national.slice(2, 6)} ${national.slice(6)}`, `(${national.slice(0, 2)}) ${national.slice(2, 6)}-${national.slice(6)}`][i % 3];
    let phone = "";
    let defaultPhone = "";
    let accepts = "yes";
    let extra = false;
    let rowCountry = country;
    if (p < 0.5) {
      phone = i % 4 === 0 ? `'${e164}` : e164; // Shopify's leading apostrophe on some exports
      expected.eligible++;
    } else if (p < 0.53) {
      defaultPhone = e164; // only the address phone: the fallback column
      expected.eligible++;
    } else if (p < 0.68) {
      rowCountry = "MX";
      phone = nationalShown;
      block("CUSTOMER_IS_MISSING_CALLING_CODE");
      expected.fixable.push({ line, phone: nationalShown, suggested: `+52${national}`, id });
    } else if (p < 0.83) {
      phone = e164;
      accepts = "no";
      block("CUSTOMER_IS_NOT_OPTED_IN");
    } else if (p < 0.87) {
      rowCountry = "MX";
      phone = nationalShown;
      accepts = "no";
      block("CUSTOMER_IS_NOT_OPTED_IN", "CUSTOMER_IS_MISSING_CALLING_CODE");
      expected.fixable.push({ line, phone: nationalShown, suggested: `+52${national}`, id });
    } else if (p < 0.95) {
      block("CUSTOMER_IS_MISSING_PHONE");
    } else if (p < 0.975) {
      phone = e164;
      accepts = "maybe";
      expected.malformed.push(line);
    } else {
      phone = e164;
      extra = true;
      expected.malformed.push(line);
    }
    const multiline = i % 97 === 5;
    const note = multiline ? `Prefers WhatsApp.\nCall after 6pm, "not before"` : i % 11 === 0 ? "VIP, wholesale" : "";
    const fields = [
      id, `Name${i}`, i % 13 === 0 ? "Pérez, Jr." : `Last${i}`, `customer${i}@example.test`, r() < 0.5 ? "yes" : "no",
      i % 7 === 0 ? "Tienda \"La Esquina\"" : "", `Calle ${i}`, "", rowCountry === "MX" ? "Ciudad de México" : "Dubai",
      rowCountry === "MX" ? "CMX" : "DU", rowCountry, rowCountry === "MX" ? "06700" : "", defaultPhone, phone, accepts,
      (r() * 500).toFixed(2), String(Math.floor(r() * 20)), note, "no", i % 5 === 0 ? "vip, whatsapp" : "",
    ];
    if (extra) fields.push("unexpected");
    lines.push(fields.map(q).join(","));
    expected.rows++;
    line += multiline ? 2 : 1;
  }
  return { csv: `${lines.join("\r\n")}\r\n`, expected };
}
