// A campaign's contacts from a Shopify or platform customers export: the core reads them
// (`audienceContacts`, the columns and rows `checkAudience` checks), then checks each contact
// (phone, consent) like any other send.
import { audienceContacts } from "sendgate";

export interface CsvContact {
  line: number;
  id: string | null;
  contact: Record<string, unknown>;
}

export interface CsvContacts {
  contacts: CsvContact[];
  malformed: { line: number; error: string }[];
  /** The file names nothing a contact can be read from. */
  problem: string | null;
}

export function contactsOfCsv(text: string): CsvContacts {
  const read = audienceContacts(text);
  return {
    contacts: read.contacts.map((c) => ({ line: c.line, id: c.id ?? null, contact: c.contact })),
    malformed: read.malformed,
    problem: read.problem ?? null,
  };
}
