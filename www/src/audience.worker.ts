/// <reference lib="webworker" />
import { AudienceStream, type AudienceFixable } from "sendgate";
import { toCsvLine } from "./csv";
import { SHOWN, type AudienceJob, type AudienceMessage, type Fixes } from "./audience-protocol";

// Off the main thread: streams the file's bytes through sendgate's AudienceStream (the core reads
// the CSV and checks each contact in file order) and sends the panel its share of the report.
// Nothing holds the whole file: memory is one chunk of the file plus the report.

const post = (m: AudienceMessage) =>
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(m, m.type === "done" ? [m.fixes.lines.buffer] : []);

/** Collects fixable contacts as `Fixes` (CSV lines, not objects). */
function collector() {
  const lines: number[] = [];
  const fixes: Fixes = { lines: new Int32Array(0), corrected: [], list: [], first: [] };
  return {
    add(all: AudienceFixable[]): void {
      for (const { row, ...f } of all) {
        lines.push(f.line);
        fixes.corrected.push(toCsvLine(row ?? []));
        fixes.list.push(toCsvLine([f.line, f.customer_id, f.email, f.first_name, f.last_name, f.phone, f.suggested]));
        if (fixes.first.length < SHOWN) fixes.first.push(f);
      }
    },
    done(): Fixes {
      fixes.lines = Int32Array.from(lines);
      return fixes;
    },
  };
}

const PROGRESS_EVERY_MS = 100;

async function run(job: AudienceJob): Promise<void> {
  const t0 = performance.now();
  const stream = new AudienceStream({ ...job.options, fixed_rows: true }, job.parts > 1 ? { index: job.part, count: job.parts } : undefined);
  const fixes = collector();
  let checkMs = 0;
  let readMs = 0;
  let bytes = 0;
  let chunks = 0;
  let lastPost = t0;
  try {
    const reader = job.file.stream().getReader();
    for (;;) {
      const tRead = performance.now();
      const { done, value } = await reader.read();
      const tCheck = performance.now();
      readMs += tCheck - tRead;
      if (done) break;
      stream.push(value);
      fixes.add(stream.takeFixable());
      checkMs += performance.now() - tCheck;
      bytes += value.byteLength;
      chunks++;
      if (tCheck - lastPost >= PROGRESS_EVERY_MS) {
        lastPost = tCheck;
        post({ type: "progress", id: job.id, part: job.part, done: bytes, total: job.file.size, rows: stream.rows });
      }
    }
    const tFinish = performance.now();
    const report = stream.finish();
    fixes.add(report.fixable);
    checkMs += performance.now() - tFinish;
    const { fixable: _taken, header, ...counts } = report;
    const collected = fixes.done();
    post({
      type: "done",
      id: job.id,
      part: job.part,
      report: { ...counts, fixable: [] },
      header,
      fixes: collected,
      ms: { read: readMs, check: checkMs, total: performance.now() - t0 },
      bytes,
      chunks,
      startedAt: performance.timeOrigin + t0,
    });
  } finally {
    stream.free();
  }
}

self.onmessage = (e: MessageEvent<AudienceJob>) => {
  run(e.data).catch((err: unknown) => {
    const { message, path } = (err ?? {}) as { message?: string; path?: string };
    post({ type: "error", id: e.data.id, message: message ?? String(err), path });
  });
};
post({ type: "ready", id: 0 });
