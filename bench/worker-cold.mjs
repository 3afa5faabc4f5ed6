// First `POST /v1/check` after workerd starts, minus a warm request's time (median of runs), in
// two cases: a new deployment (every Durable Object is created by that request) and a restart
// over existing state (the objects exist on disk, only the isolate and instances are new).
// Uses the worker's own test harness (real workerd through wrangler dev, on loopback).
// Usage: node bench/worker-cold.mjs [runs]   — prints JSON { fresh, restart } with
// { first, warm, delta } medians in ms.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack } from "../worker/test/harness.mjs";
import { median } from "./median.mjs";

const runs = Number(process.argv[2] ?? 5);
const body = {
  contact: { phone: "+52 55 1234 5678", marketing_state: "SUBSCRIBED" },
  source: "campaign",
  now: "2026-11-28T00:00:00Z",
  message: { type: "template", template: { name: "promo", language: "es_MX", category: "UTILITY", status: "APPROVED" } },
};

/** One stack over `dir`: the first check's time and the median of 15 warm ones after it. */
async function measure(dir) {
  const s = await startStack({ persistTo: dir });
  try {
    let t = performance.now();
    const r = await s.request("POST", "/v1/check", { body });
    const first = performance.now() - t;
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    const w = [];
    for (let k = 0; k < 15; k++) {
      t = performance.now();
      await s.request("POST", "/v1/check", { body });
      w.push(performance.now() - t);
    }
    const warm = median(w);
    return { first, warm, delta: first - warm };
  } finally {
    await s.stop();
  }
}

const cases = { fresh: [], restart: [] };
const scratch = process.platform === "linux" ? "/dev/shm" : tmpdir();
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(scratch, "sendgate-bench-state-"));
  try {
    cases.fresh.push(await measure(dir));
    cases.restart.push(await measure(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const summary = (list) => ({
  first: median(list.map((x) => x.first)),
  warm: median(list.map((x) => x.warm)),
  delta: median(list.map((x) => x.delta)),
});
console.log(JSON.stringify({ fresh: summary(cases.fresh), restart: summary(cases.restart), runs }));
