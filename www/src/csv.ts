// The dashboard's CSV writer (RFC 4180, CRLF line ends) for the files it offers as downloads.
// Reading CSV is sendgate's (readCsv, AudienceStream): one dialect, in the core.

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
