import type { AudienceOptions, AudienceReport } from "sendgate";

// Messages between the audience panel and its Web Worker.
export interface AudienceJob {
  id: number;
  file: Blob;
  options: AudienceOptions;
  /** Records per checkAudience call. */
  chunkRows?: number;
}

export interface FixRow {
  line: number;
  phone: string;
  suggested: string;
  /** Every column of the original row, phones corrected. */
  fields: string[];
}

export type AudienceMessage =
  | { type: "progress"; id: number; bytes: number; total: number; rows: number }
  | {
      type: "done";
      id: number;
      report: AudienceReport;
      header: string[];
      fixRows: FixRow[];
      ms: { read: number; check: number; total: number };
      chunks: number;
    }
  | { type: "error"; id: number; message: string; path?: string };
