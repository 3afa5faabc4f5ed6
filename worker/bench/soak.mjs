#!/usr/bin/env node
// Bounded soak run on loopback: a fixed number of mixed requests (eligible, blocked, faulting
// numbers, duplicate and reused keys, credit exhaustion, hand-made and forged webhooks) through
// the worker (real workerd) to the sandbox Meta. Stops by itself, then checks the invariants:
//   - every send request that reached the workspace has exactly one recorded terminal outcome;
//   - one idempotency key → one send id → one Meta attempt chain (no duplicate Meta calls);
//   - credits: never negative, reserved <= balance, balance + debited = topped up, and the
//     ledger equals the sum of the per-send ledger states;
//   - every error answer is `{error:{code,message}}` and no 5xx other than Meta's 502.
// Reports the workerd RSS (VmRSS) before and after. Exit code 1 if an invariant failed.
// Usage: node bench/soak.mjs [--count 3000] [--concurrency 16]
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { SECRETS, envelope, startStack, templateSend, textSend } from "../test/harness.mjs";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "3000" },
    concurrency: { type: "string", default: "16" },
  },
});
const COUNT = Number(values.count);
const CONCURRENCY = Number(values.concurrency);
const WS = "soak";
const TIGHT = "soak-tight";
const TIGHT_CREDITS = 40;
const MAX_ATTEMPTS = 4;

// What each request is, by i % 40 (fixed mix; numbers are unique per request).
const ACCEPTED = ["000", "100", "101", "104", "105", "116", "117", "118"]; // 200, webhooks follow
const RETRIED = ["110", "111", "108", "119", "102"]; // 502 after retries (catalog retry: backoff)
const ONCE = ["109", "112", "103", "113"]; // 502 after exactly one call
function kindOf(i) {
  const m = i % 40;
  if (m < 16) return { kind: "accepted", suffix: ACCEPTED[m % ACCEPTED.length] };
  if (m < 20) return { kind: "retried", suffix: RETRIED[(m - 16 + Math.floor(i / 40)) % RETRIED.length] };
  if (m < 24) return { kind: "once", suffix: ONCE[m - 20] };
  if (m === 24) return { kind: "transient_then_ok", suffix: "106" };
  if (m < 28) return { kind: "blocked_unsubscribed", suffix: "000" };
  if (m < 30) return { kind: "blocked_window", suffix: "000" };
  if (m < 34) return { kind: "tight", suffix: "000" };
  if (m < 37) return { kind: "duplicate" }; // same key, same body as an earlier request
  if (m === 37) return { kind: "reused" }; // same key, other body
  if (m === 38) return { kind: "webhook_forged" };
  if (i % 400 === 39) return { kind: "timeout", suffix: "107" };
  return { kind: "webhook_unknown" };
}

const recipient = (i, suffix) => `+447${700 + Math.floor(i / 1000)}${String(i % 1000).padStart(3, "0")}${suffix}`;

/** The workerd processes in wrangler's process group: pid → VmRSS in KiB (and the split of it
 *  into anonymous memory, file pages and shared memory, e.g. SQLite's mapped WAL index). */
const breakdown = {};
function workerdRss(pgid) {
  const out = {};
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid || !comm.startsWith("workerd")) continue;
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
      out[pid] = kb("VmRSS");
      breakdown[pid] = { anon: kb("RssAnon"), file: kb("RssFile"), shmem: kb("RssShmem") };
    } catch {
      // process ended
    }
  }
  return out;
}
const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`;
const total = (rss) => Object.values(rss).reduce((a, b) => a + b, 0);

const violations = [];
const fail = (msg) => {
  if (violations.length < 50) violations.push(msg);
  else if (violations.length === 50) violations.push("… more");
};

const stack = await startStack({
  vars: { THROUGHPUT_MPS: "1000000", META_TIMEOUT_MS: "1500", SEND_BUDGET_MS: "6000", MAX_ATTEMPTS: String(MAX_ATTEMPTS) },
  sandbox: { latencyMs: 5, webhookDelayMs: 40, hangMs: 10_000 },
});
let exitCode = 0;
try {
  await stack.topUp(WS, COUNT * 2);
  await stack.topUp(TIGHT, TIGHT_CREDITS);
  // Warm-up (not counted): instantiate the isolate and the objects, then measure.
  await stack.check({ ...templateSend({ to: recipient(999, "000"), workspace: WS }), idempotency_key: undefined });
  await stack.credits(TIGHT);
  const rssBefore = workerdRss(stack.pid);

  const bodies = new Array(COUNT); // send body per request (undefined for webhooks)
  const answers = new Array(COUNT);
  const webhookAnswers = { forged: {}, unknown: {} };
  const sign = (raw) => `sha256=${createHmac("sha256", SECRETS.META_APP_SECRET).update(raw).digest("hex")}`;

  function build(i) {
    const k = kindOf(i);
    const key = `soak-${i}`;
    switch (k.kind) {
      case "accepted":
      case "retried":
      case "once":
      case "transient_then_ok":
      case "timeout":
        return templateSend({ to: recipient(i, k.suffix), workspace: WS, key });
      case "blocked_unsubscribed":
        return templateSend({ to: recipient(i, k.suffix), workspace: WS, key, marketing_state: "UNSUBSCRIBED" });
      case "blocked_window":
        return textSend({ to: recipient(i, k.suffix), workspace: WS, key });
      case "tight":
        return templateSend({ to: recipient(i, k.suffix), workspace: TIGHT, key });
      case "duplicate": {
        // An earlier request still likely in flight (concurrent retry) or done (late retry).
        // Block start + 0 (accepted), 17 (reset, retried) or 21 (200 without a wamid).
        const j = i - (i % 40) + [0, 17, 21][i % 3];
        return bodies[j] ?? templateSend({ to: recipient(i, "000"), workspace: WS, key });
      }
      case "reused": {
        const j = i - 37; // the `accepted` request at the start of this block
        return { ...bodies[j], message: { ...bodies[j].message, parameters: ["Someone", "else"] } };
      }
      default:
        return undefined;
    }
  }

  async function one(i) {
    const k = kindOf(i);
    if (k.kind === "webhook_forged" || k.kind === "webhook_unknown") {
      const raw = JSON.stringify(
        envelope({ statuses: [{ id: `wamid.soak-unknown-${i}`, status: i % 2 ? "delivered" : "failed", timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: "447700900000", biz_opaque_callback_data: `sg1:${WS}:00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, ...(i % 2 ? {} : { errors: [{ code: 131026, title: "Message undeliverable" }] }) }] }),
      );
      const forged = k.kind === "webhook_forged";
      const r = await stack.webhook(raw, { signature: forged ? sign(`${raw} `) : sign(raw) });
      const bucket = forged ? webhookAnswers.forged : webhookAnswers.unknown;
      bucket[r.status] = (bucket[r.status] ?? 0) + 1;
      if (forged && r.status !== 401) fail(`forged webhook ${i} answered ${r.status}`);
      if (!forged && r.status !== 200) fail(`unknown-id webhook ${i} answered ${r.status}`);
      return;
    }
    const body = build(i);
    bodies[i] = body;
    answers[i] = await stack.send(body).catch((e) => ({ status: `client error ${e.message}` }));
  }

  const t0 = performance.now();
  let rssMid = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++;
        if (i >= COUNT) return;
        if (i === Math.floor(COUNT / 2)) rssMid = workerdRss(stack.pid);
        await one(i);
      }
    }),
  );
  const sendSeconds = (performance.now() - t0) / 1000;
  // Let every status webhook arrive.
  await stack.settle(30_000);
  await new Promise((r) => setTimeout(r, 500));

  // ---- invariants ----------------------------------------------------------------------------
  const statuses = {};
  const byKey = new Map(); // key → [{ i, body, answer }]
  let sendRequests = 0;
  for (let i = 0; i < COUNT; i++) {
    if (!bodies[i]) continue;
    sendRequests++;
    const a = answers[i];
    statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    const list = byKey.get(bodies[i].idempotency_key) ?? [];
    list.push({ i, body: bodies[i], answer: a });
    byKey.set(bodies[i].idempotency_key, list);
    if (typeof a.status !== "number") fail(`request ${i}: ${a.status}`);
    else if (a.status >= 400 && !(a.json?.error && typeof a.json.error.code === "string" && typeof a.json.error.message === "string")) {
      fail(`request ${i}: ${a.status} without {error:{code,message}}: ${a.text?.slice(0, 200)}`);
    } else if (a.status >= 500 && a.status !== 502) fail(`request ${i}: ${a.status} ${a.text?.slice(0, 200)}`);
  }

  // Expected status per kind (for the first request of each key).
  const expect = { accepted: [200], retried: [502], once: [502], transient_then_ok: [200], timeout: [502], blocked_unsubscribed: [422], blocked_window: [422], tight: [200, 422] };
  for (let i = 0; i < COUNT; i++) {
    const k = kindOf(i).kind;
    if (expect[k] && answers[i] && !expect[k].includes(answers[i].status)) {
      // The owner of a key may lose to a concurrent `reused` request with another body.
      if (!(answers[i].status === 422 && answers[i].json?.error?.code === "idempotency_key_reused")) {
        fail(`request ${i} (${k}): status ${answers[i].status}, expected ${expect[k]}`);
      }
    }
  }

  // Same key: one send id; answers for the winning body identical; the other body → 422 reused.
  for (const [key, list] of byKey) {
    const winners = list.filter((x) => x.answer.json?.error?.code !== "idempotency_key_reused");
    const sendIds = new Set(winners.map((x) => x.answer.json?.send_id));
    if (sendIds.size !== 1) fail(`key ${key}: ${sendIds.size} send ids across ${winners.length} answers`);
    const statusSet = new Set(winners.map((x) => x.answer.status));
    if (statusSet.size !== 1) fail(`key ${key}: different statuses ${[...statusSet]}`);
    const bodiesSeen = new Set(winners.map((x) => JSON.stringify(x.body)));
    if (bodiesSeen.size !== 1) fail(`key ${key}: two different bodies both processed`);
  }

  // Recorded outcomes: exactly one terminal record per key, matching the answer.
  const TERMINAL = new Set(["accepted", "failed", "blocked"]);
  const records = new Map();
  const keys = [...byKey.keys()];
  let k = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (k < keys.length) {
        const key = keys[k++];
        const ws = byKey.get(key)[0].body.workspace_id;
        const r = await stack.request("GET", `/v1/sends/${encodeURIComponent(key)}?workspace_id=${ws}`);
        records.set(key, r.json?.records ?? []);
      }
    }),
  );
  let outcomesRecorded = 0;
  const outcomeCounts = {};
  for (const [key, recs] of records) {
    outcomesRecorded += recs.length;
    for (const r of recs) outcomeCounts[r.outcome] = (outcomeCounts[r.outcome] ?? 0) + 1;
    if (recs.length !== 1) fail(`key ${key}: ${recs.length} recorded outcomes`);
    else if (!TERMINAL.has(recs[0].outcome)) fail(`key ${key}: outcome ${recs[0].outcome} is not terminal`);
    else {
      const winner = byKey.get(key).find((x) => x.answer.json?.error?.code !== "idempotency_key_reused");
      if (winner && winner.answer.json?.send_id !== recs[0].send_id) fail(`key ${key}: answered send id differs from the recorded one`);
    }
  }

  // Meta calls: per send id (biz_opaque_callback_data), at most one chain; once-only behaviours once.
  const callsBySend = new Map();
  for (const c of stack.sandbox.calls) {
    const id = c.body?.biz_opaque_callback_data;
    if (!id) {
      fail(`Meta call without correlation data (${c.behaviour})`);
      continue;
    }
    const e = callsBySend.get(id) ?? { n: 0, behaviour: c.behaviour, to: c.to };
    e.n++;
    callsBySend.set(id, e);
  }
  const callsByTo = new Map();
  for (const e of callsBySend.values()) callsByTo.set(e.to, (callsByTo.get(e.to) ?? 0) + 1);
  for (const [to, n] of callsByTo) if (n > 1) fail(`+${to}: ${n} different sends reached Meta (duplicate send)`);
  const retriedBehaviours = new Set(["error_500", "reset", "html_502", "unavailable_503", "rate_limited_130429", "transient_then_ok"]);
  let duplicateCalls = 0;
  for (const [id, e] of callsBySend) {
    const max = retriedBehaviours.has(e.behaviour) ? MAX_ATTEMPTS : 1;
    if (e.n > max) {
      duplicateCalls++;
      fail(`${id} (${e.behaviour}): ${e.n} Meta calls, at most ${max}`);
    }
  }
  const knownIds = new Set();
  for (const [key, recs] of records) for (const r of recs) knownIds.add(`sg1:${byKey.get(key)[0].body.workspace_id}:${r.send_id}`);
  for (const id of callsBySend.keys()) if (!knownIds.has(id)) fail(`Meta call for ${id} has no recorded outcome`);

  // Credits: the ledger equals the per-send ledger states, and is sane.
  const creditReport = {};
  for (const ws of [WS, TIGHT]) {
    const c = await stack.credits(ws);
    creditReport[ws] = c;
    let reserved = 0;
    let debited = 0;
    for (const [key, recs] of records) {
      if (byKey.get(key)[0].body.workspace_id !== ws) continue;
      for (const r of recs) {
        if (r.ledger === "reserved") reserved += Number(r.cost);
        if (r.ledger === "debited") debited += Number(r.cost);
      }
    }
    for (const f of ["balance", "reserved", "available", "debited"]) if (c[f] < 0) fail(`${ws}: ${f} is negative (${c[f]})`);
    if (c.reserved > c.balance) fail(`${ws}: reserved ${c.reserved} > balance ${c.balance}`);
    if (c.balance + c.debited !== c.topped_up) fail(`${ws}: balance ${c.balance} + debited ${c.debited} != topped up ${c.topped_up}`);
    if (c.reserved !== reserved) fail(`${ws}: ledger reserved ${c.reserved}, sends hold ${reserved}`);
    if (c.debited !== debited) fail(`${ws}: ledger debited ${c.debited}, sends debited ${debited}`);
  }
  if (creditReport[TIGHT].debited + creditReport[TIGHT].reserved > TIGHT_CREDITS) fail(`${TIGHT}: more sends paid for than credits`);
  const statsWs = await stack.stats(WS);
  const statsTight = await stack.stats(TIGHT);
  if (statsWs.sends + statsTight.sends !== outcomesRecorded) fail(`stats count ${statsWs.sends + statsTight.sends} sends, records ${outcomesRecorded}`);

  const rssAfter = workerdRss(stack.pid);
  const seconds = (performance.now() - t0) / 1000;
  const webhookCount = COUNT - sendRequests;
  console.log(`sendgate worker soak run: ${COUNT} requests (${sendRequests} sends, ${webhookCount} hand-made webhooks), ${CONCURRENCY} concurrent, loopback (wrangler dev/workerd + sandbox Meta)`);
  console.log(`duration:          ${sendSeconds.toFixed(1)} s of requests, ${seconds.toFixed(1)} s with settling and checks`);
  console.log(`send statuses:     ${JSON.stringify(statuses)}`);
  console.log(`webhooks:          forged ${JSON.stringify(webhookAnswers.forged)}, unknown ids ${JSON.stringify(webhookAnswers.unknown)}; sandbox status webhooks ${JSON.stringify((await (await fetch(`${stack.sandbox.url}/_sandbox/calls?to=0`)).json()).webhooks)}`);
  console.log(`idempotency keys:  ${byKey.size} (${sendRequests - byKey.size} repeated requests)`);
  console.log(`outcomes recorded: ${outcomesRecorded} for ${byKey.size} keys ${JSON.stringify(outcomeCounts)}`);
  console.log(`Meta calls:        ${stack.sandbox.calls.length} for ${callsBySend.size} sends; sends over their attempt bound: ${duplicateCalls}`);
  for (const ws of [WS, TIGHT]) {
    const c = creditReport[ws];
    console.log(`credits ${ws.padEnd(10)} balance ${c.balance}, reserved ${c.reserved}, debited ${c.debited}, topped up ${c.topped_up}`);
  }
  const per = (rss) => Object.entries(rss).map(([pid, kib]) => `${pid}: ${mib(kib)}`).join(", ");
  console.log(`workerd RSS:       before ${mib(total(rssBefore))}, half-way ${mib(total(rssMid))}, after ${mib(total(rssAfter))} (VmRSS summed over ${Object.keys(rssAfter).length} workerd processes)`);
  console.log(`  per process:     before {${per(rssBefore)}}; after {${per(rssAfter)}}`);
  const split = Object.entries(breakdown).map(([pid, b]) => `${pid}: anon ${mib(b.anon)}, file ${mib(b.file)}, shmem ${mib(b.shmem)}`).join("; ");
  console.log(`  after, split:    ${split}`);
  if (violations.length) {
    exitCode = 1;
    console.log(`INVARIANT VIOLATIONS (${violations.length}):`);
    for (const v of violations) console.log(`  - ${v}`);
  } else {
    console.log("invariants:        all held");
  }
} catch (e) {
  exitCode = 1;
  console.error(e);
  console.error(stack.output().slice(-4000));
} finally {
  await stack.stop();
}
process.exit(exitCode);
