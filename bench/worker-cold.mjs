// First `POST /v1/check` after workerd starts, minus a warm request's time (median of runs).
// Uses the worker's own test harness (real workerd through wrangler dev, on loopback).
// Usage: node bench/worker-cold.mjs [runs]   — prints JSON { first, warm, delta } in ms.
import { startStack } from "../worker/test/harness.mjs";

const runs = Number(process.argv[2] ?? 3);
const body = {
  contact: { phone: "+52 55 1234 5678", marketing_state: "SUBSCRIBED" },
  source: "campaign",
  now: "2026-11-28T00:00:00Z",
  message: { type: "template", template: { name: "promo", language: "es_MX", category: "UTILITY", status: "APPROVED" } },
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const firsts = [];
const warms = [];
for (let i = 0; i < runs; i++) {
  const s = await startStack();
  try {
    let t = performance.now();
    const r = await s.request("POST", "/v1/check", { body });
    firsts.push(performance.now() - t);
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    const w = [];
    for (let k = 0; k < 15; k++) {
      t = performance.now();
      await s.request("POST", "/v1/check", { body });
      w.push(performance.now() - t);
    }
    warms.push(median(w));
  } finally {
    await s.stop();
  }
}
const first = median(firsts);
const warm = median(warms);
console.log(JSON.stringify({ first, warm, delta: first - warm, runs }));
