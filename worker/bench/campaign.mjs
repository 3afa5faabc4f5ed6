#!/usr/bin/env node
// A campaign on loopback: N contacts created through POST /v1/campaigns (+ appends of 5,000),
// dispatched by the queue consumer (real workerd, local Queues) to the sandbox at a fixed
// latency, until every contact has its outcome. Prints the sustained rate, workerd CPU per
// forwarded message, and the time from creation to the last outcome.
// Usage: node bench/campaign.mjs [--count 20000] [--latency 20] [--mps 1000]
import { workerdCpuSeconds } from "./proc.mjs";
import { parseArgs } from "node:util";
import { startStack } from "../test/harness.mjs";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "20000" },
    latency: { type: "string", default: "20" },
    mps: { type: "string", default: "1000" },
    "no-webhooks": { type: "boolean", default: false },
  },
});
const COUNT = Number(values.count);
const LATENCY = Number(values.latency);
const MPS = Number(values.mps);
const WS = "bench-campaign";

/** Distinct valid UK mobiles ending in 100 (sandbox: accepted, then one `sent` webhook). */
const recipient = (i) => `+447${700 + Math.floor(i / 1000)}${String(i % 1000).padStart(3, "0")}100`;


const stack = await startStack({
  vars: { THROUGHPUT_MPS: String(MPS), META_TIMEOUT_MS: "5000" },
  sandbox: { latencyMs: LATENCY, webhookDelayMs: 200 },
});
// Without status webhooks: the dispatch's own cost.
if (values["no-webhooks"]) stack.sandbox.options.webhookUrl = null;
try {
  await stack.topUp(WS, COUNT);
  const template = { name: "order_update", language: "en_US", category: "UTILITY", status: "APPROVED", body: "Hi {{1}}, your order {{2}} is on its way" };
  const contacts = Array.from({ length: COUNT }, (_, i) => ({ id: `b${i}`, phone: recipient(i), marketing_state: "SUBSCRIBED" }));
  // Warm-up (not counted): the isolate, the workspace and account objects.
  await stack.check({ workspace_id: WS, contact: contacts[0], source: "campaign", message: { type: "template", template, parameters: ["a", "b"] } });

  const id = `bench-${Date.now().toString(36)}`;
  const cpu0 = workerdCpuSeconds(stack.pid);
  const t0 = performance.now();
  const created = await stack.request("POST", "/v1/campaigns", { body: { campaign_id: id, workspace_id: WS, template, parameters: ["Ana", "A-1"], contacts: contacts.slice(0, 5000) } });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${created.text}`);
  for (let i = 5000; i < COUNT; i += 5000) {
    const r = await stack.request("POST", `/v1/campaigns/${id}/contacts`, { body: { workspace_id: WS, contacts: contacts.slice(i, i + 5000) } });
    if (r.status !== 200) throw new Error(`append: ${r.status} ${r.text}`);
  }
  const tCreated = performance.now();
  const cpuCreated = workerdCpuSeconds(stack.pid);
  let rep;
  for (;;) {
    rep = (await stack.request("GET", `/v1/campaigns/${id}?workspace_id=${WS}`)).json;
    if (rep.state === "finished") break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const tDone = performance.now();
  await stack.settle(60_000);
  const cpuDone = workerdCpuSeconds(stack.pid);

  const calls = stack.sandbox.calls.map((c) => c.at).sort((a, b) => a - b);
  const span = (calls.at(-1) - calls[0]) / 1000;
  const f = (n) => n.toFixed(1);
  const outcomes = Object.values(rep.counts).reduce((a, b) => a + b, 0);
  console.log(`sendgate campaign run: ${COUNT} contacts, sandbox latency ${LATENCY} ms, number rate ${MPS} msg/s (loopback, wrangler dev/workerd, local Queues)`);
  console.log(`creation:          ${f(tCreated - t0)} ms for ${Math.ceil(COUNT / 5000)} calls of <= 5,000 contacts (preflight, credits reserved, enqueued); workerd CPU ${f(((cpuCreated - cpu0) * 1000) / COUNT)} ms per contact`);
  console.log(`dispatch:          ${calls.length} Meta calls in ${f(span)} s = ${f(calls.length / span)} msg/s sustained; campaign report ${rep.rate.achieved_mps} msg/s; max ${stack.sandbox.maxCallsPerSecond()["100000001"]} in any 1 s`);
  console.log(`creation → last outcome: ${f((tDone - t0) / 1000)} s`);
  console.log(`workerd CPU:       ${f(cpuDone - cpu0)} s total; ${f(((cpuDone - cpuCreated) * 1000) / calls.length)} ms per forwarded message (${values["no-webhooks"] ? "dispatch only, no status webhooks" : "dispatch + its status webhook"}), ${f(((cpuDone - cpu0) * 1000) / calls.length)} ms with the preflight`);
  console.log(`outcomes:          ${outcomes} of ${COUNT} ${JSON.stringify(rep.counts)}; credits ${JSON.stringify(rep.credits)}`);
  if (outcomes !== COUNT || calls.length !== COUNT) process.exitCode = 1;
} catch (e) {
  console.error(`--- wrangler output (tail) ---\n${stack.output().slice(-3000)}`);
  throw e;
} finally {
  await stack.stop();
}
