import type { AudienceFixable, AudienceOptions, AudienceReport } from "sendgate";

/** A report merged from the parts' reports: the format is known once one part has been read. */
export type MergedReport = Omit<AudienceReport, "format" | "header"> & { format?: AudienceReport["format"] };

export function emptyReport(): MergedReport {
  return { rows: 0, eligible: 0, blocked_contacts: 0, cost: 0, blocked: [], malformed: [], fixable: [] };
}

/**
 * Add a part's counts to `into`; per-reason counts go to `byReason` (turned into `blocked` once
 * every part is in). The parts' lists are the caller's to merge in line order.
 */
export function addCounts(into: MergedReport, r: MergedReport, byReason: Map<string, number>): void {
  into.rows += r.rows;
  into.eligible += r.eligible;
  into.blocked_contacts += r.blocked_contacts;
  into.cost += r.cost;
  into.format ??= r.format;
  for (const b of r.blocked) byReason.set(b.reason, (byReason.get(b.reason) ?? 0) + b.count);
}

// Messages between the audience panel and its Web Workers.
export interface AudienceJob {
  id: number;
  file: Blob;
  /**
   * With `credits`, the job must be the only one (parts = 1): the balance is spent over the
   * file's rows in order (sendgate refuses a balance with parts > 1).
   */
  options: AudienceOptions;
  /** This worker checks part `part` of `parts` (sendgate's AudiencePart: blocks of records). */
  part: number;
  parts: number;
}

/** Fixable contacts shown as a table; the downloads have all of them. */
export const SHOWN = 100;

/**
 * Fixable contacts in file order, compact for passing between threads (a few strings per contact,
 * no object): each one's file line, its record with the phone corrected and its fix-list entry,
 * both as CSV lines; the first SHOWN as objects for the table.
 */
export interface Fixes {
  lines: Int32Array;
  corrected: string[];
  list: string[];
  first: AudienceFixable[];
}

/** The columns of the fix-list download, one entry per `Fixes.list` line. */
export const FIX_LIST_HEADER = ["line", "customer_id", "email", "first_name", "last_name", "phone", "suggested_e164"];

export type AudienceMessage =
  /** Sent once the worker's Wasm is instantiated: jobs posted earlier could be lost. */
  | { type: "ready"; id: 0 }
  /** `done` and `total` are bytes of the file. */
  | { type: "progress"; id: number; part: number; done: number; total: number; rows: number }
  | {
      type: "done";
      id: number;
      part: number;
      /** The part's counts and malformed rows; its fixable contacts are `fixes`. */
      report: MergedReport;
      header: string[];
      fixes: Fixes;
      ms: { read: number; check: number; total: number };
      bytes: number;
      /** Pieces the file's stream came in. */
      chunks: number;
      /** When the worker took the job (ms since the epoch, comparable across threads). */
      startedAt: number;
    }
  | { type: "error"; id: number; message: string; path?: string };
