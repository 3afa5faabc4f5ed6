#!/usr/bin/env node
// `make bench`: sendgate (the built pkg/) against libphonenumber-js/max, measured in the same
// run on the same deterministic corpus (bench/corpus.mjs), printed as ONE table of medians.
// Ratios of the batch rows are to the single call's per-call time (checkSend, normalizePhone).
// Usage: node bench/run.mjs [--rows 20000] [--runs 7] [--cold 9] [--webhook 5] [--worker 9] [--browser 7]
//        [--pkg path/to/pkg/node.js]
//        [--disagreements] (also list every disagreement with libphonenumber-js)
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { makeCorpus, rng, SEED } from "./corpus.mjs";
import { median } from "./median.mjs";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "20000" },
    runs: { type: "string", default: "7" },
    cold: { type: "string", default: "9" },
    webhook: { type: "string", default: "5" },
    // Each run starts workerd twice (new deployment, restart). A first request's time swings by
    // several ms between runs, so the median needs more runs than the in-process figures.
    worker: { type: "string", default: "9" },
    // Cold loads of the dashboard in headless Chromium (bench/browser.mjs); 0 skips the browser rows.
    browser: { type: "string", default: "7" },
    pkg: { type: "string", default: fileURLToPath(new URL("../pkg/node.js", import.meta.url)) },
    disagreements: { type: "boolean", default: false },
  },
});
const RUNS = Number(values.runs);
const PKG = values.pkg;

const sg = await import(PKG);
const { parsePhoneNumber } = await import("libphonenumber-js/max");
const corpus = makeCorpus(Number(values.rows));

// --- cold start: fresh Node processes --------------------------------------------------------
function cold(which) {
  const script = fileURLToPath(new URL("./cold.mjs", import.meta.url));
  const runs = [];
  for (let i = 0; i < Number(values.cold); i++) {
    const out = execFileSync(process.execPath, [script, which, PKG], { encoding: "utf8" });
    runs.push(JSON.parse(out));
  }
  return { total: median(runs.map((r) => r.total)), import: median(runs.map((r) => r.import)), first: median(runs.map((r) => r.first)) };
}
const coldSg = cold("sendgate");
const coldPeer = cold("peer");

// --- per call ----------------------------------------------------------------------------------
function peerWork(row) {
  try {
    const pn = parsePhoneNumber(row.peer.text, row.peer.options);
    if (!pn) return null;
    return { e164: pn.number, valid: pn.isValid(), possible: pn.isPossible() };
  } catch {
    return null;
  }
}
const inputs = corpus.map((r) => r.input);
function timePerCall(fn, items) {
  const rounds = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    for (const x of items) fn(x);
    rounds.push(((performance.now() - t) * 1000) / items.length);
  }
  return median(rounds);
}
// Warm both (JIT, sendgate's per-calling-code caches), then interleave the timed rounds.
for (let i = 0; i < 2; i++) {
  for (const x of inputs) sg.normalizePhone(x);
  corpus.forEach(peerWork);
}
const peerUs = [];
const sgUs = [];
for (let i = 0; i < 3; i++) {
  peerUs.push(timePerCall(peerWork, corpus));
  sgUs.push(timePerCall((x) => sg.normalizePhone(x), inputs));
}
const perCallPeer = median(peerUs);
const perCallSg = median(sgUs);

const requests = inputs.map((input, i) => ({
  contact: { ...input, marketing_state: i % 10 ? "SUBSCRIBED" : "UNSUBSCRIBED", last_inbound_at: "2026-11-27T20:00:00Z" },
  source: "campaign",
  now: "2026-11-28T00:00:00Z",
  credits: { balance: 100 },
  message: {
    type: "template",
    template: { name: "order_update", language: "en_US", category: "UTILITY", status: "APPROVED", quality: "GREEN", body: "Hi {{1}}, order {{2}} shipped" },
    parameters: ["Ana", "1001"],
  },
}));
for (const r of requests) sg.checkSend(r);
const checkSendUs = median([0, 1, 2].map(() => timePerCall((r) => sg.checkSend(r), requests)));

// --- batch calls: 10,000 items crossing the boundary once, per item -------------------------------
const BATCH = 10_000;
const batchOf = (xs) => Array.from({ length: BATCH }, (_, i) => xs[i % xs.length]);
const batchRequests = batchOf(requests);
const batchInputs = batchOf(inputs);
function timePerItem(fn, items) {
  fn(items);
  return median(Array.from({ length: RUNS }, () => {
    const t = performance.now();
    fn(items);
    return ((performance.now() - t) * 1000) / items.length;
  }));
}
const checkSendsUs = timePerItem((xs) => sg.checkSends(xs), batchRequests);
const normalizePhonesUs = timePerItem((xs) => sg.normalizePhones(xs), batchInputs);

// --- agreement on E.164 and validity -----------------------------------------------------------
// sendgate's answer for a row: the E.164 number it would send to (or, without a calling code,
// the one it suggests), and whether that number is valid. The peer's: `number` when
// `isPossible()` (sendgate gives no E.164 for impossible numbers), and `isValid()`.
const disagreements = [];
let compared = 0;
for (const row of corpus) {
  const ours = sg.normalizePhone(row.input);
  const peer = peerWork(row);
  const hint = ours.findings.some((f) => f.reason === "CUSTOMER_IS_MISSING_CALLING_CODE");
  const ourE164 = hint ? ours.suggested : ours.e164;
  const ourValid = hint ? null : ours.valid;
  const peerE164 = peer?.possible ? peer.e164 : null;
  const peerValid = hint ? null : Boolean(peer?.valid);
  compared++;
  if (ourE164 !== peerE164 || ourValid !== peerValid) {
    disagreements.push({ kind: row.kind, input: row.input, sendgate: { e164: ourE164, valid: ourValid, region: ours.region }, peer: { e164: peerE164, valid: peerValid, raw: peer } });
  }
}
const agreement = 1 - disagreements.length / compared;

// --- size ----------------------------------------------------------------------------------------
const wasmPath = fileURLToPath(new URL("./sendgate_bg.wasm", new URL(`file://${PKG}`)));
const wasm = readFileSync(wasmPath);
const peerBundle = readFileSync(fileURLToPath(new URL("../bundle/libphonenumber-max.js", import.meta.resolve("libphonenumber-js/max"))));
const gz = (b) => gzipSync(b, { level: 9 }).length;

// --- checkAudience: 100,000 Shopify-export rows --------------------------------------------------
function shopifyCsv(n) {
  const r = rng(SEED + 1);
  const lines = ["Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,Default Address City,Default Address Province Code,Default Address Country Code,Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags"];
  for (let i = 0; i < n; i++) {
    const row = corpus[Math.floor(r() * corpus.length)].input;
    const phone = String(row.phone ?? "").replace(/"/g, '""');
    const country = row.phone_country_code ?? "";
    lines.push(`${7000000000 + i},Ana${i},"Pérez, ${i}",ana${i}@example.com,yes,,Calle ${i},Ciudad,,${country},,,"${phone}",${r() < 0.8 ? "yes" : "no"},${(r() * 500).toFixed(2)},${Math.floor(r() * 9)},,no,vip`);
  }
  return lines.join("\n");
}
let audience = null;
if (typeof sg.checkAudience === "function") {
  const csv = shopifyCsv(100000);
  const options = { source: "campaign", now: "2026-11-28T00:00:00Z", template: requests[0].message.template };
  try {
    sg.checkAudience(csv, options);
    const times = [0, 1, 2].map(() => {
      const t = performance.now();
      sg.checkAudience(csv, options);
      return performance.now() - t;
    });
    audience = { ms: median(times), mb: csv.length / 1e6 };
  } catch (e) {
    audience = { error: String(e.message ?? e) };
  }
}

// --- AudienceStream: a 1,000,000-row export read from disk in chunks, one thread ------------------
let stream = null;
if (typeof sg.AudienceStream === "function") {
  try {
    const script = fileURLToPath(new URL("./stream.mjs", import.meta.url));
    const path = join(tmpdir(), `sendgate-bench-1m-${process.pid}.csv`);
    const { generateShopifyCsv } = await import("../www/test/gen.mjs");
    writeFileSync(path, generateShopifyCsv(1_000_000, 11).csv);
    try {
      stream = JSON.parse(execFileSync(process.execPath, [script, PKG, path, "1000000"], { encoding: "utf8", timeout: 600_000 }));
    } finally {
      rmSync(path, { force: true });
    }
  } catch (e) {
    stream = { error: `failed: ${String(e.message ?? e).split("\n")[0].slice(0, 60)}` };
  }
}

// --- classifyWebhook: a 3 MB Meta webhook body ----------------------------------------------------
// In fresh Node processes (bench/webhook.mjs): the heap this process built for the other figures
// made its collections, and so this figure, depend on what ran before it. Several processes,
// because on a shared machine one process can run at a different speed for its whole life.
let webhook = null;
try {
  const script = fileURLToPath(new URL("./webhook.mjs", import.meta.url));
  const runs = Array.from({ length: Number(values.webhook) }, () =>
    JSON.parse(execFileSync(process.execPath, [script, PKG], { encoding: "utf8", timeout: 120_000 })),
  );
  webhook = { ms: median(runs.map((r) => r.ms)), mb: runs[0].mb };
} catch (e) {
  webhook = { error: `failed: ${String(e.message ?? e).split("\n")[0].slice(0, 60)}` };
}

// --- worker: first POST /v1/check after workerd starts, minus a warm one ------------------------
// `fresh`: a new deployment, the request creates every Durable Object it reads (the target's
// case); `restart`: workerd restarted over existing state.
let worker = null;
const harness = new URL("../worker/test/harness.mjs", import.meta.url);
if (existsSync(fileURLToPath(harness))) {
  try {
    const script = fileURLToPath(new URL("./worker-cold.mjs", import.meta.url));
    const out = execFileSync(process.execPath, [script, values.worker], { encoding: "utf8", timeout: 600_000 });
    worker = JSON.parse(out.trim().split("\n").pop());
  } catch (e) {
    worker = { error: `failed: ${String(e.message ?? e).split("\n")[0].slice(0, 60)}` };
  }
}

// --- browser: first verdict and the 1,000,000-row export, headless Chromium on www/dist --------
let browser = null;
const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (Number(values.browser) > 0 && existsSync(chromium) && existsSync(fileURLToPath(new URL("../www/dist/index.html", import.meta.url)))) {
  try {
    const script = fileURLToPath(new URL("./browser.mjs", import.meta.url));
    const out = execFileSync(process.execPath, [script, values.browser], { encoding: "utf8", timeout: 900_000 });
    browser = JSON.parse(out.trim().split("\n").pop());
  } catch (e) {
    browser = { error: `failed: ${String(e.message ?? e).split("\n")[0].slice(0, 60)}` };
  }
} else {
  browser = { error: Number(values.browser) > 0 ? "no Chromium or www/dist" : "skipped" };
}

// --- the table --------------------------------------------------------------------------------
const f = (x, d = 1) => (x == null ? "—" : x.toFixed(d));
function workerRow(label, which) {
  const m = worker?.[which];
  if (!m) return [label, worker?.error ?? "no worker", "—", null, which === "fresh" ? "≤ 10 ms" : "", null];
  const met = which === "fresh" ? m.delta <= 10 : null;
  return [label, `${f(m.delta)} (${f(m.first)} − ${f(m.warm)})`, "—", null, which === "fresh" ? "≤ 10 ms" : "", met];
}
const bs = browser?.stream;
const rowsOut = [
  [
    `browser: navigation start → first verdict rendered, cold, loopback (ms; median of ${browser?.firstVerdict?.length ?? 0}, best)`,
    browser?.firstVerdictMedian != null ? `${f(browser.firstVerdictMedian, 0)} (best ${f(browser.firstVerdictBest, 0)})` : browser?.error ?? "—",
    "—", null, "≤ 150 ms", browser?.firstVerdictMedian != null ? browser.firstVerdictMedian <= 150 : null,
  ],
  [
    "browser: 1,000,000-row Shopify export, file chosen → report (ms; peak JS heap MB)",
    bs ? `${f(bs.ms, 0)} (${f(bs.heapMb, 0)} MB)` : browser?.error ?? "—",
    "—", null, "≤ 3000 ms, ≤ 300 MB", bs ? bs.ms <= 3000 && bs.heapMb <= 300 : null,
  ],
  ["cold start: import + first answer (ms)", f(coldSg.total), f(coldPeer.total), coldSg.total / coldPeer.total, "≤ 8 ms", coldSg.total <= 8],
  ["  of which import (ms)", f(coldSg.import), f(coldPeer.import), coldSg.import / coldPeer.import, "", null],
  ["  of which first answer (ms)", f(coldSg.first), f(coldPeer.first), coldSg.first / coldPeer.first, "", null],
  ["normalizePhone per call (µs; peer: parse+isValid+E.164)", f(perCallSg, 2), f(perCallPeer, 2), perCallSg / perCallPeer, "≤ 0.5×", perCallSg / perCallPeer <= 0.5],
  ["checkSend per call (µs; peer: same phone work)", f(checkSendUs, 2), f(perCallPeer, 2), checkSendUs / perCallPeer, "≤ 1×", checkSendUs / perCallPeer <= 1],
  [`checkSends per item, ${BATCH} items (µs)`, f(checkSendsUs, 2), "—", checkSendsUs / checkSendUs, "≤ 2.5 µs", checkSendsUs <= 2.5],
  [`normalizePhones per item, ${BATCH} items (µs)`, f(normalizePhonesUs, 2), "—", normalizePhonesUs / perCallSg, "≤ 1.5 µs", normalizePhonesUs <= 1.5],
  [`agreement on E.164 + validity (${compared} rows)`, `${(agreement * 100).toFixed(2)} %`, "reference", null, "≥ 99.5 %", agreement >= 0.995],
  ["wasm gzip (KB; peer: max bundle gzip)", f(gz(wasm) / 1000), f(gz(peerBundle) / 1000), gz(wasm) / gz(peerBundle), "≤ 260 KB", gz(wasm) / 1000 <= 260],
  ["wasm raw (KB; peer: max bundle raw)", f(wasm.length / 1000), f(peerBundle.length / 1000), wasm.length / peerBundle.length, "", null],
  ["checkAudience 100k Shopify rows (ms)", audience?.ms != null ? f(audience.ms) : audience?.error ?? "not built", "—", null, "≤ 1000 ms", audience?.ms != null ? audience.ms <= 1000 : null],
  [
    `AudienceStream ${stream?.rows ? `${(stream.rows / 1e6).toFixed(0)}M` : "1M"} rows from disk, one thread (ms; peak RSS MB)`,
    stream?.ms != null ? `${f(stream.ms, 0)} (${f(stream.rssMb, 0)} MB)` : stream?.error ?? "not built",
    "—", null, "", null,
  ],
  ["classifyWebhook 3 MB body (ms)", webhook?.ms != null ? f(webhook.ms) : webhook?.error ?? "not built", "—", null, "≤ 30 ms", webhook?.ms != null ? webhook.ms <= 30 : null],
  workerRow("first POST /v1/check after workerd start − warm (ms)", "fresh"),
  workerRow("  same, restart over existing objects (ms)", "restart"),
];
rowsOut.push(...(await import("./phone.mjs")).phoneRows(sg, RUNS)); // phone rows: bench/phone.mjs
const head = ["figure", "sendgate", "libphonenumber-js/max", "ratio", "target", "met"];
const cells = rowsOut.map(([a, b, c, r, t, m]) => [a, b, c, r == null ? "—" : `${r.toFixed(2)}×`, t, m == null ? "" : m ? "yes" : "NO"]);
const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
const line = (c) => `| ${c.map((x, i) => String(x).padEnd(widths[i])).join(" | ")} |`;
console.log(`sendgate bench — Node ${process.version}, corpus ${corpus.length} rows (seed ${SEED}), medians of ${RUNS} runs (cold: ${values.cold} processes, classifyWebhook: ${values.webhook}, worker: ${values.worker} runs)`);
console.log(line(head));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const c of cells) console.log(line(c));
if (values.disagreements || disagreements.length) {
  console.log(`\n${disagreements.length} disagreement(s) with libphonenumber-js/max:`);
  for (const d of disagreements.slice(0, values.disagreements ? Infinity : 40)) console.log(JSON.stringify(d));
}
