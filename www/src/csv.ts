// CSV file handling for the dashboard (RFC 4180: quotes, doubled quotes, CRLF). The audience rules
// themselves run in sendgate's checkAudience; this only splits, reads back and writes files.

/** Parses one record starting at `offset`; returns its fields and the offset after its line end. */
export function parseRecord(text: string, offset: number): { fields: string[]; end: number } {
  const fields: string[] = [];
  let i = offset;
  const n = text.length;
  let field = "";
  for (;;) {
    if (i < n && text.charCodeAt(i) === 34 /* " */) {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          field += text.slice(i);
          i = n;
          break;
        }
        field += text.slice(i, q);
        if (text.charCodeAt(q + 1) === 34) {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    }
    // Unquoted part (or what follows a closing quote) up to the next comma or line end.
    let j = i;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 44 || c === 10 || c === 13) break;
      j++;
    }
    field += text.slice(i, j);
    i = j;
    fields.push(field);
    field = "";
    if (i >= n) return { fields, end: n };
    const c = text.charCodeAt(i);
    if (c === 44) {
      i++;
      continue;
    }
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    return { fields, end: i + 1 };
  }
}

/** Parses a whole CSV text into records (blank lines skipped). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let offset = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (offset < text.length) {
    const { fields, end } = parseRecord(text, offset);
    if (!(fields.length === 1 && fields[0].trim() === "")) rows.push(fields);
    offset = end;
  }
  return rows;
}

function quote(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsvLine(row: unknown[]): string {
  return row.map(quote).join(",");
}

/** Writes rows as CSV with CRLF line ends (what spreadsheet tools and Shopify import expect). */
export function toCsv(rows: unknown[][]): string {
  return `${rows.map(toCsvLine).join("\r\n")}\r\n`;
}

/** True when the text looks like CSV with a header row (commas on the first line, several lines). */
export function looksLikeCsv(text: string): boolean {
  const first = text.split(/\r?\n/, 1)[0] ?? "";
  return first.includes(",") && !/^\s*[[{]/.test(first);
}
