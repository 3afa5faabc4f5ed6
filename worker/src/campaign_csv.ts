// A campaign's contacts from a Shopify or Galantis customers export, read by the core's CSV
// reader (`readCsv`, the dialect `checkAudience` reads). The columns are the ones checkAudience
// recognises; the core then checks each contact (phone, consent) like any other send.
import { readCsv } from "sendgate";

export interface CsvContact {
  line: number;
  id: string | null;
  contact: Record<string, unknown>;
}

export interface CsvContacts {
  contacts: CsvContact[];
  malformed: { line: number; error: string }[];
  /** The header names nothing a contact can be read from. */
  problem: string | null;
}

const find = (header: string[], names: string[]) => {
  const i = header.findIndex((h) => names.includes(h.trim().toLowerCase()));
  return i < 0 ? null : i;
};

/** Shopify writes a leading apostrophe in front of phones and ids so spreadsheets keep them. */
const unquote = (v: string) => (v.startsWith("'") ? v.slice(1) : v);

const ACCEPTS = ["accepts whatsapp marketing", "accepts sms marketing", "accepts marketing"];

function accepts(value: string): string | null {
  switch (value.toLowerCase()) {
    case "yes":
    case "true":
    case "1":
    case "subscribed":
      return "SUBSCRIBED";
    case "no":
    case "false":
    case "0":
    case "not_subscribed":
    case "unsubscribed":
      return "NOT_SUBSCRIBED";
    case "pending":
      return "PENDING";
    default:
      return null;
  }
}

export function contactsOfCsv(text: string): CsvContacts {
  const records = readCsv(text);
  const malformed: { line: number; error: string }[] = [];
  const first = records[0];
  if (!first) return { contacts: [], malformed, problem: "the CSV is empty" };
  if ("error" in first) return { contacts: [], malformed, problem: `the header (line ${first.line}) is malformed: ${first.error}` };
  const header = first.fields;
  const col = {
    phone: find(header, ["phone"]),
    fallbackPhone: find(header, ["default address phone"]),
    country: find(header, ["phone_country_code"]),
    fallbackCountry: find(header, ["default address country code", "country code"]),
    callingCode: find(header, ["phone_calling_code"]),
    marketingState: find(header, ["marketing_state"]),
    accepts: ACCEPTS.map((n) => find(header, [n])),
    lastInbound: find(header, ["last_inbound_at"]),
    id: find(header, ["customer id", "id", "shopify_customer_id"]),
    userId: find(header, ["user_id"]),
  };
  if (col.phone === null && col.fallbackPhone === null && col.userId === null) {
    return { contacts: [], malformed, problem: "the header has no Phone column (expected `Phone`, `Default Address Phone` or `phone`)" };
  }
  const contacts: CsvContact[] = [];
  for (const rec of records.slice(1)) {
    if ("error" in rec) {
      malformed.push({ line: rec.line, error: rec.error });
      continue;
    }
    const f = (i: number | null) => {
      const v = i === null ? "" : (rec.fields[i] ?? "").trim();
      return v === "" ? null : v;
    };
    if (rec.fields.every((v) => v.trim() === "")) continue;
    // The core's marketing states, any case (as checkAudience reads the column).
    let marketing = f(col.marketingState)?.toUpperCase() ?? null;
    if (marketing === null) {
      const k = col.accepts.findIndex((i) => f(i) !== null);
      if (k >= 0) {
        const raw = f(col.accepts[k]) as string;
        marketing = accepts(raw);
        if (marketing === null) {
          malformed.push({ line: rec.line, error: `${header[col.accepts[k] as number].trim()} \`${raw.slice(0, 40)}\` is neither yes nor no` });
          continue;
        }
      }
    }
    const phone = f(col.phone) ?? f(col.fallbackPhone);
    const contact: Record<string, unknown> = {
      phone: phone === null ? null : unquote(phone),
      marketing_state: marketing ?? "UNKNOWN",
    };
    const country = f(col.country) ?? f(col.fallbackCountry);
    if (country !== null) contact.phone_country_code = country;
    const calling = f(col.callingCode);
    if (calling !== null) contact.phone_calling_code = unquote(calling);
    const inbound = f(col.lastInbound);
    if (inbound !== null) contact.last_inbound_at = inbound;
    const userId = f(col.userId);
    if (userId !== null) contact.user_id = userId;
    const id = f(col.id);
    if (id !== null) contact.id = unquote(id);
    contacts.push({ line: rec.line, id: id === null ? null : unquote(id), contact });
  }
  return { contacts, malformed, problem: null };
}
