import type { AudienceOptions, AudienceReport } from "sendgate";

/** What checkAudience returns beyond pkg/types.d.ts today (src/audience.rs serialises these). */
export interface FullAudienceReport extends AudienceReport {
  blocked_contacts?: number;
  cost?: number;
  format?: string;
  fixable: (AudienceReport["fixable"][number] & { customer_id?: string; email?: string; first_name?: string; last_name?: string })[];
}

// Messages between the audience panel and its Web Worker.
export interface AudienceJob {
  id: number;
  file: Blob;
  options: AudienceOptions;
  /** This worker checks chunks `part`, `part + parts`, `part + 2·parts`… of the file. */
  part: number;
  parts: number;
  /** Records per checkAudience call. */
  chunkRows?: number;
}

export interface FixRow {
  line: number;
  phone: string;
  suggested: string;
  customer_id?: string;
  email?: string;
  first_name?: string;
  last_name?: string;
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
      report: FullAudienceReport;
      header: string[];
      fixRows: FixRow[];
      ms: { read: number; check: number; total: number };
      chunks: number;
    }
  | { type: "error"; id: number; message: string; path?: string };
