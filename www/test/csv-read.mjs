// The tests read downloads with sendgate's own CSV reader (the one dialect): a download must read
// back, record for record, as the rows the dashboard wrote.
import { readCsv } from "../../pkg/node.js";

export function parseCsv(text) {
  return readCsv(text).map((r) => {
    if ("error" in r) throw new Error(`line ${r.line}: ${r.error}`);
    return r.fields;
  });
}
