/// <reference lib="webworker" />
import { checkAudience } from "sendgate";
import type { AudienceReport } from "sendgate";
import { parseRecord } from "./csv";
import type { AudienceJob, AudienceMessage, FixRow } from "./audience-protocol";

// Off the main thread: reads the CSV, cuts it into chunks of whole records (each with the header),
// asks sendgate's checkAudience per chunk and merges the reports with file line numbers.

const post = (m: AudienceMessage) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

const PHONE_COLUMN = /phone/i;

/** The end offset of the record that starts at `pos` (after its newline), honouring quotes. */
function headerEnd(text: string): number {
  return parseRecord(text, 0).end;
}

function countLines(s: string): number {
  let count = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) count++;
  return count;
}

function digits(s: string): string {
  return s.replace(/\D+/g, "");
}

/** The original row at chunk-relative physical line `line`, with the bad phone replaced. */
function fixRow(chunk: string, lineStarts: number[], line: number, phone: string, suggested: string, phoneCols: number[]): string[] {
  const start = lineStarts[line - 1];
  const fields = start === undefined ? [] : parseRecord(chunk, start).fields;
  const target = digits(phone);
  let replaced = false;
  for (const c of phoneCols) {
    const v = (fields[c] ?? "").trim().replace(/^'/, "");
    if (v !== "" && (v === phone || (target !== "" && digits(v) === target))) {
      fields[c] = suggested;
      replaced = true;
    }
  }
  if (!replaced) {
    const c = phoneCols.find((k) => (fields[k] ?? "").trim() !== "");
    if (c !== undefined) fields[c] = suggested;
  }
  return fields;
}

function lineStartsOf(s: string): number[] {
  const starts = [0];
  for (let i = s.indexOf("\n"); i >= 0 && i + 1 < s.length; i = s.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

async function run(job: AudienceJob): Promise<void> {
  const t0 = performance.now();
  let text = await job.file.text();
  const tRead = performance.now();
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const n = text.length;
  const hEnd = headerEnd(text);
  const header = text.slice(0, hEnd);
  const headerFields = parseRecord(header, 0).fields.map((f) => f.trim());
  const headerText = header.endsWith("\n") ? header : header + "\n";
  const headerLines = Math.max(1, countLines(headerText));
  const phoneCols = headerFields.map((f, i) => (PHONE_COLUMN.test(f) ? i : -1)).filter((i) => i >= 0);
  const chunkRows = job.chunkRows ?? 5000;

  const merged: AudienceReport = { rows: 0, eligible: 0, blocked: [], malformed: [], fixable: [] };
  const blocked = new Map<string, number>();
  const fixRows: FixRow[] = [];
  let pos = hEnd;
  let line = headerLines + 1; // physical line number (1-based) where the next chunk starts
  let nextQuote = text.indexOf('"', pos);
  let chunks = 0;
  let checkMs = 0;
  while (pos < n) {
    const chunkStart = pos;
    const chunkLine = line;
    let records = 0;
    let inQuote = false;
    while (pos < n && records < chunkRows) {
      let nl = text.indexOf("\n", pos);
      if (nl < 0) nl = n - 1;
      while (nextQuote >= 0 && nextQuote <= nl) {
        inQuote = !inQuote;
        nextQuote = text.indexOf('"', nextQuote + 1);
      }
      pos = nl + 1;
      line++;
      if (!inQuote) records++;
    }
    const body = text.slice(chunkStart, pos);
    const t = performance.now();
    const report = checkAudience(headerText + body, job.options);
    checkMs += performance.now() - t;
    chunks++;
    // The chunk's own line numbers count its header lines; shift them to file lines.
    const shift = chunkLine - (headerLines + 1);
    merged.rows += report.rows;
    merged.eligible += report.eligible;
    for (const b of report.blocked) blocked.set(b.reason, (blocked.get(b.reason) ?? 0) + b.count);
    for (const m of report.malformed) merged.malformed.push({ line: m.line + shift, error: m.error });
    if (report.fixable.length) {
      const starts = lineStartsOf(body);
      for (const f of report.fixable) {
        const fileLine = f.line + shift;
        merged.fixable.push({ line: fileLine, phone: f.phone, suggested: f.suggested });
        fixRows.push({ line: fileLine, phone: f.phone, suggested: f.suggested, fields: fixRow(body, starts, f.line - headerLines, f.phone, f.suggested, phoneCols) });
      }
    }
    post({ type: "progress", id: job.id, bytes: pos, total: n, rows: merged.rows });
  }
  merged.blocked = [...blocked].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
  const end = performance.now();
  post({
    type: "done",
    id: job.id,
    report: merged,
    header: headerFields,
    fixRows,
    ms: { read: tRead - t0, check: checkMs, total: end - t0 },
    chunks,
  });
}

self.onmessage = (e: MessageEvent<AudienceJob>) => {
  run(e.data).catch((err: unknown) => {
    const { message, path } = (err ?? {}) as { message?: string; path?: string };
    post({ type: "error", id: e.data.id, message: message ?? String(err), path });
  });
};
