import type { AudienceFixable, AudienceOptions, AudienceReport } from "sendgate";

/** A report merged from chunk reports: the format is known once one chunk has been read. */
export type MergedReport = Omit<AudienceReport, "format"> & { format?: AudienceReport["format"] };

export function emptyReport(): MergedReport {
  return { rows: 0, eligible: 0, blocked_contacts: 0, cost: 0, blocked: [], malformed: [], fixable: [] };
}

/**
 * Add a chunk's counts to `into`; per-reason counts go to `byReason` (turned into `blocked` once
 * every chunk is in). Lines and fixable entries are the caller's: they may need shifting.
 */
export function addCounts(into: MergedReport, r: MergedReport, byReason: Map<string, number>): void {
  into.rows += r.rows;
  into.eligible += r.eligible;
  into.blocked_contacts += r.blocked_contacts;
  into.cost += r.cost;
  into.format ??= r.format;
  for (const b of r.blocked) byReason.set(b.reason, (byReason.get(b.reason) ?? 0) + b.count);
}

// Messages between the audience panel and its Web Worker.
export interface AudienceJob {
  id: number;
  file: Blob;
  /**
   * With `credits`, the job must be the only one (parts = 1): the worker spends the balance over
   * the chunks in file order, as checkAudience does over the rows of the whole file.
   */
  options: AudienceOptions;
  /** This worker checks chunks `part`, `part + parts`, `part + 2·parts`… of the file. */
  part: number;
  parts: number;
  /** Records per checkAudience call. */
  chunkRows?: number;
}

export interface FixRow extends AudienceFixable {
  /** The original row with its phone corrected, as one CSV line (cheap to pass between threads). */
  csv: string;
}

export type AudienceMessage =
  /** Sent once the worker's Wasm is instantiated: jobs posted earlier could be lost. */
  | { type: "ready"; id: 0 }
  | { type: "progress"; id: number; part: number; done: number; total: number; rows: number }
  | {
      type: "done";
      id: number;
      part: number;
      report: MergedReport;
      header: string[];
      fixRows: FixRow[];
      ms: { read: number; check: number; total: number };
      chunks: number;
    }
  | { type: "error"; id: number; message: string; path?: string };
