/// <reference lib="webworker" />
import { checkAudience } from "sendgate";
import { parseRecord, toCsvLine } from "./csv";
import { addCounts, emptyReport, type AudienceJob, type AudienceMessage, type FixRow } from "./audience-protocol";

// Off the main thread: reads the CSV, cuts it into chunks of whole records (each with the header),
// asks sendgate's checkAudience per chunk and merges the reports with file line numbers.

const post = (m: AudienceMessage) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

const PHONE_COLUMN = /phone/i;

/** The end offset of the header record (after its newline), honouring quotes. */
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

/** Chunks of whole records: [start, end, physical line of start]. Quotes may hide newlines. */
function chunkBounds(text: string, from: number, firstLine: number, chunkRows: number): [number, number, number][] {
  const n = text.length;
  const bounds: [number, number, number][] = [];
  let pos = from;
  let line = firstLine;
  let nextQuote = text.indexOf('"', pos);
  let inQuote = false;
  while (pos < n) {
    const start = pos;
    const startLine = line;
    let records = 0;
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
    bounds.push([start, pos, startLine]);
  }
  return bounds;
}

async function run(job: AudienceJob): Promise<void> {
  const t0 = performance.now();
  let text = await job.file.text();
  const tRead = performance.now();
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const hEnd = headerEnd(text);
  const header = text.slice(0, hEnd);
  const headerFields = parseRecord(header, 0).fields.map((f) => f.trim());
  const headerText = header.endsWith("\n") ? header : `${header}\n`;
  const headerLines = Math.max(1, countLines(headerText));
  const phoneCols = headerFields.map((f, i) => (PHONE_COLUMN.test(f) ? i : -1)).filter((i) => i >= 0);
  const bounds = chunkBounds(text, hEnd, headerLines + 1, job.chunkRows ?? 4000);
  // A header-only file still gets its header checked (by part 0).
  if (!bounds.length && job.part === 0) bounds.push([hEnd, hEnd, headerLines + 1]);
  const mine = bounds.filter((_, k) => k % job.parts === job.part);
  if (job.options.credits && job.parts !== 1) throw new Error("a credit balance needs every chunk, in file order, in one job");
  let options = job.options;

  const merged = emptyReport();
  const blocked = new Map<string, number>();
  const fixRows: FixRow[] = [];
  let checkMs = 0;
  for (const [k, [start, end, chunkLine]] of mine.entries()) {
    const body = text.slice(start, end);
    const t = performance.now();
    const report = checkAudience(headerText + body, options);
    checkMs += performance.now() - t;
    // The next chunk starts with what this one left, as the core's running balance does. Every
    // eligible row costs the same whole credit (1 per template, 0 per session text; the panel sets
    // no cost), and whole-credit subtraction from a balance ≥ 1 is exact in floating point, so
    // taking the chunk's total at once leaves what the core's row-by-row subtraction leaves.
    if (options.credits) options = { ...options, credits: { ...options.credits, balance: options.credits.balance - report.cost } };
    // The chunk's own line numbers count its header lines; shift them to file lines.
    const shift = chunkLine - (headerLines + 1);
    addCounts(merged, report, blocked);
    // The header's own problems (e.g. no phone column) are reported by every chunk: keep the first chunk's.
    for (const m of report.malformed) {
      if (m.line <= headerLines) {
        if (start === hEnd) merged.malformed.push(m);
      } else merged.malformed.push({ line: m.line + shift, error: m.error });
    }
    if (report.fixable.length) {
      const starts = lineStartsOf(body);
      for (const f of report.fixable) {
        const fileLine = f.line + shift;
        merged.fixable.push({ ...f, line: fileLine });
        fixRows.push({ ...f, line: fileLine, csv: toCsvLine(fixRow(body, starts, f.line - headerLines, f.phone, f.suggested, phoneCols)) });
      }
    }
    post({ type: "progress", id: job.id, part: job.part, done: k + 1, total: mine.length, rows: merged.rows });
  }
  merged.blocked = [...blocked].map(([reason, count]) => ({ reason, count }));
  post({
    type: "done",
    id: job.id,
    part: job.part,
    report: merged,
    header: headerFields,
    fixRows,
    ms: { read: tRead - t0, check: checkMs, total: performance.now() - t0 },
    chunks: mine.length,
  });
}

self.onmessage = (e: MessageEvent<AudienceJob>) => {
  run(e.data).catch((err: unknown) => {
    const { message, path } = (err ?? {}) as { message?: string; path?: string };
    post({ type: "error", id: e.data.id, message: message ?? String(err), path });
  });
};
post({ type: "ready", id: 0 });
