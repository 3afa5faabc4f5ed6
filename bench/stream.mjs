// One AudienceStream run in a fresh Node process: a customers CSV read from disk in 64 KB chunks
// through the core. Prints JSON: wall ms of the read + check, rows, and the process's peak RSS
// (the file is never held whole). Usage: node bench/stream.mjs <path to pkg/node.js> <csv> <rows>
import { createReadStream } from "node:fs";
import { resourceUsage } from "node:process";

const [pkg, path, rows] = process.argv.slice(2);
const sg = await import(pkg);
{
  const t = performance.now();
  const stream = new sg.AudienceStream({ source: "campaign", now: "2026-11-28T00:00:00Z", fixed_rows: true });
  let fixable = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    stream.push(chunk);
    fixable += stream.takeFixable().length;
  }
  const report = stream.finish();
  const ms = performance.now() - t;
  if (report.rows !== Number(rows) || fixable === 0) throw new Error(`unexpected report: ${report.rows} rows, ${fixable} fixable`);
  console.log(JSON.stringify({ ms, rows: report.rows, rssMb: resourceUsage().maxRSS / 1024 }));
}
