#!/usr/bin/env node
// Bounded load run on loopback: N sends at concurrency C through the worker (real workerd) to the
// sandbox (fixed latency), against the same sandbox called directly in the same run.
// Usage: node bench/load.mjs [--count 5000] [--concurrency 50] [--latency 20]
import { workerdCpuSeconds } from "./proc.mjs";
import { parseArgs } from "node:util";
import { startStack, templateSend } from "../test/harness.mjs";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "50" },
    latency: { type: "string", default: "20" },
  },
});
const COUNT = Number(values.count);
const CONCURRENCY = Number(values.concurrency);
const LATENCY = Number(values.latency);
const WS = "bench";

/** Distinct valid UK mobiles ending in 100 (sandbox: accepted, then a `sent` webhook). */
const recipient = (i) => `+447${700 + Math.floor(i / 1000)}${String(i % 1000).padStart(3, "0")}100`;

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(count, concurrency, fn) {
  const latencies = new Array(count);
  const statuses = new Map();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const start = performance.now();
        // A transport error is counted, not fatal: the report says how many there were.
        const status = await fn(i).catch((e) => `client error ${e.cause?.code ?? e.message}`);
        latencies[i] = performance.now() - start;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  return { seconds, rps: count / seconds, p50: pct(sorted, 50), p99: pct(sorted, 99), statuses: Object.fromEntries(statuses) };
}


const stack = await startStack({
  vars: { THROUGHPUT_MPS: "1000000", META_TIMEOUT_MS: "5000", SEND_BUDGET_MS: "12000" },
  sandbox: { latencyMs: LATENCY, webhookDelayMs: 200 },
});
try {
  await stack.topUp(WS, COUNT * 2);
  const bodies = Array.from({ length: COUNT }, (_, i) => templateSend({ to: recipient(i), workspace: WS, key: `bench-${i}` }));

  // Warm-up (not counted): instantiate the isolate and the Durable Objects.
  await stack.check({ ...bodies[0], idempotency_key: undefined });

  // 1. The sandbox directly, with the body the worker would send.
  const metaUrl = `${stack.sandbox.url}/v24.0/100000001/messages`;
  const direct = await run(COUNT, CONCURRENCY, async (i) => {
    const res = await fetch(metaUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.sandbox.options.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ messaging_product: "whatsapp", recipient_type: "individual", to: `+1555${i}000`, type: "text", text: { body: "direct" } }),
    });
    await res.arrayBuffer();
    return res.status;
  });

  // 2. Through the worker: auth, validation, edge state, gate, limits, ledger, Meta, outcome.
  const cpu0 = workerdCpuSeconds(stack.pid);
  const gated = await run(COUNT, CONCURRENCY, async (i) => (await stack.send(bodies[i])).status);
  await stack.settle(30_000);
  const cpu = workerdCpuSeconds(stack.pid) - cpu0;

  const stats = await stack.stats(WS);
  const credits = await stack.credits(WS);
  const f = (n) => n.toFixed(1);
  console.log(`sendgate worker load run: ${COUNT} sends, ${CONCURRENCY} concurrent, sandbox latency ${LATENCY} ms (loopback, wrangler dev/workerd)`);
  console.log(`direct to sandbox: ${f(direct.rps)} req/s, p50 ${f(direct.p50)} ms, p99 ${f(direct.p99)} ms, statuses ${JSON.stringify(direct.statuses)}`);
  console.log(`through worker:    ${f(gated.rps)} req/s, p50 ${f(gated.p50)} ms, p99 ${f(gated.p99)} ms, statuses ${JSON.stringify(gated.statuses)}`);
  console.log(`added latency:     p50 +${f(gated.p50 - direct.p50)} ms, p99 +${f(gated.p99 - direct.p99)} ms`);
  console.log(`workerd CPU:       ${f(cpu)} s total, ${f((cpu * 1000) / COUNT)} ms per gated send (includes its status webhook)`);
  console.log(`outcomes recorded: ${stats.sends} of ${COUNT} requests sent ${JSON.stringify(stats.outcomes)}; Meta calls via worker: ${stack.sandbox.calls.length - COUNT}`);
  console.log(`credits:           balance ${credits.balance}, reserved ${credits.reserved}, debited ${credits.debited}`);
  if (stats.sends !== COUNT) {
    console.log(`--- wrangler output (tail) ---\n${stack.output().slice(-3000)}`);
    process.exitCode = 1;
  }
} catch (e) {
  console.error(`--- wrangler output (tail) ---\n${stack.output().slice(-3000)}`);
  throw e;
} finally {
  await stack.stop();
}
