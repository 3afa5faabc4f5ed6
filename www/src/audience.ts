import { catalog, type AudienceFixable, type AudienceOptions, type Credits, type LimitReport, type MessagingTier, type Template } from "sendgate";
import { $, h, replace, barChart, download, fmtInt, fmtPct, onFileChosen } from "./dom";
import { readBalance } from "./credits";
import { toCsv } from "./csv";
import { on, state } from "./state";
import { addCounts, emptyReport, FIX_LIST_HEADER, SHOWN, type AudienceMessage, type MergedReport } from "./audience-protocol";

// Audience check: the CSV goes to a Web Worker (audience.worker.ts) that runs sendgate's
// checkAudience chunk by chunk; this panel shows progress, counts, the chart and the fix lists.

// A pool of workers, one per core (at most 4): each streams the same File (shared, not copied)
// through sendgate's AudienceStream and checks its part of the records (blocks k, k+P, k+2P…);
// the panel adds their reports up. A credit balance is spent in file order: then one worker
// checks the whole file, exactly as checkAudience would.
const POOL = Math.min(4, Math.max(1, navigator.hardwareConcurrency || 2));
// A worker's module (and Wasm) must finish loading before it can take a job: each says "ready".
interface PoolWorker {
  worker: Worker;
  ready: boolean;
  pending: unknown;
}
let pool: PoolWorker[] = [];
let jobId = 0;
let currentFile: File | null = null;
/** Every part's fixable contacts in file order. */
interface MergedFixes {
  count: number;
  corrected: string[];
  list: string[];
  first: AudienceFixable[];
}
let last: { report: MergedReport; header: string[]; fixes: MergedFixes; name: string } | null = null;
type Done = Extract<AudienceMessage, { type: "done" }>;
let parts: { done: number; total: number; rows: number }[] = [];
let results: Done[] = [];
/** The current job's balance (undefined: no limit), shown with its report. */
let jobCredits: Credits | undefined;

function newWorker(): PoolWorker {
  const w = new Worker(new URL("./audience.worker.ts", import.meta.url), { type: "module", name: "sendgate-audience" });
  const entry: PoolWorker = { worker: w, ready: false, pending: null };
  w.onmessage = (e: MessageEvent<AudienceMessage>) => {
    if (e.data.type !== "ready") return onMessage(e.data);
    entry.ready = true;
    // For tests and timing: every worker of the pool can take a job at once.
    if (pool.length === POOL && pool.every((p) => p.ready)) $("#audience").dataset.workersReady = "true";
    if (entry.pending) w.postMessage(entry.pending);
    entry.pending = null;
  };
  w.onerror = (e) => {
    e.preventDefault();
    fail(`The audience checker stopped: ${e.message || "it could not start"}`);
  };
  return entry;
}

function send(entry: PoolWorker, job: unknown): void {
  if (entry.ready) entry.worker.postMessage(job);
  else entry.pending = job;
}

function stopPool(): void {
  for (const p of pool) p.worker.terminate();
  pool = [];
  delete $("#audience").dataset.workersReady;
}

function options(): AudienceOptions | { error: string } {
  const balance = readBalance($("#aud-balance") as HTMLInputElement);
  if ("error" in balance) return balance;
  const opts: AudienceOptions = {
    source: ($("#aud-source") as HTMLSelectElement).value as AudienceOptions["source"],
    policy: { consent: ($("#aud-policy") as HTMLSelectElement).value as "strict" | "by_category" },
  };
  const t = ($("#aud-template") as HTMLSelectElement).value;
  if (t !== "" && state.templates[Number(t)]) opts.template = state.templates[Number(t)] as Template;
  if (balance.credits) opts.credits = balance.credits;
  const tier = ($("#aud-tier") as HTMLSelectElement).value;
  if (tier) {
    const used = ($("#aud-used") as HTMLInputElement).value.trim();
    if (used !== "" && !/^\d+$/.test(used)) return { error: `Recipients used “${used}” is not a whole number of recipients (leave it empty for none).` };
    opts.account = { messaging_limit: { tier: tier as MessagingTier, unique_recipients_24h: used === "" ? 0 : Number(used) } };
  }
  return opts;
}

function fail(text: string | null): void {
  const box = $("#aud-error");
  box.hidden = !text;
  box.textContent = text ?? "";
  if (text) {
    $("#aud-progress").hidden = true;
    $("#audience").dataset.state = "error";
  }
}

function start(file: File): void {
  currentFile = file;
  fail(null);
  if ($("#audience").dataset.state === "running") stopPool();
  const opts = options();
  if ("error" in opts) {
    // No report for input that cannot be checked: an old one would read as this file's.
    jobId++;
    last = null;
    replace($("#aud-out"));
    fail(opts.error);
    return;
  }
  while (pool.length < POOL) pool.push(newWorker());
  const id = ++jobId;
  jobCredits = opts.credits;
  // A balance and a messaging limit are both spent in file order: one worker reads it all.
  const workers = opts.credits || opts.account?.messaging_limit ? pool.slice(0, 1) : pool;
  parts = workers.map(() => ({ done: 0, total: 1, rows: 0 }));
  results = [];
  $("#audience").dataset.state = "running";
  $("#aud-progress").hidden = false;
  ($("#aud-bar") as HTMLProgressElement).value = 0;
  $("#aud-progress-label").textContent = `Checking ${file.name}…`;
  startedAt = performance.now();
  workers.forEach((w, part) => {
    send(w, { id, file, options: opts, part, parts: workers.length });
  });
}

let startedAt = 0;

function onMessage(m: Exclude<AudienceMessage, { type: "ready" }>): void {
  if (m.id !== jobId) return;
  if (m.type === "error") {
    stopPool();
    fail(`Could not check this file: ${m.message}${m.path ? ` (${m.path})` : ""}`);
    return;
  }
  if (m.type === "progress") {
    parts[m.part] = { done: m.done, total: m.total, rows: m.rows };
    // Every part reads the whole file (checking only its own records): the slowest tells.
    const slowest = parts.reduce((a, b) => (b.done / Math.max(1, b.total) < a.done / Math.max(1, a.total) ? b : a));
    const { done, total, rows } = slowest;
    ($("#aud-bar") as HTMLProgressElement).value = total ? done / total : 0;
    $("#aud-progress-label").textContent = `Checked ${fmtInt(rows)} contacts (${Math.round((done / Math.max(1, total)) * 100)}%)`;
    return;
  }
  results.push(m);
  if (results.length < parts.length) return;
  const tMerge = performance.now();
  const merged = merge(results);
  const tRender = performance.now();
  const wall = performance.now() - startedAt;
  $("#aud-progress").hidden = true;
  const name = currentFile?.name ?? "customers.csv";
  last = { ...merged, name };
  render(merged.report, merged.fixes, name, wall, jobCredits);
  const section = $("#audience");
  section.dataset.state = "done";
  section.dataset.ms = wall.toFixed(1);
  section.dataset.workerMs = Math.max(...results.map((r) => r.ms.total)).toFixed(1);
  section.dataset.checkMs = results.reduce((s, r) => s + r.ms.check, 0).toFixed(1);
  section.dataset.readMs = Math.max(...results.map((r) => r.ms.read)).toFixed(1);
  section.dataset.workers = String(results.length);
  section.dataset.chunks = String(results.reduce((s, r) => s + r.chunks, 0));
  // Where the wall time went outside the workers: waiting for the last part (its message
  // included), merging the parts, rendering.
  const now = performance.timeOrigin + performance.now();
  const lastDone = Math.max(...results.map((r) => r.startedAt + r.ms.total));
  section.dataset.handoffMs = (now - lastDone - (performance.now() - tMerge)).toFixed(1);
  section.dataset.mergeMs = (tRender - tMerge).toFixed(1);
  section.dataset.renderMs = (performance.now() - tRender).toFixed(1);
}

function merge(parts: Done[]): { report: MergedReport; header: string[]; fixes: MergedFixes } {
  const report = emptyReport();
  const blocked = new Map<string, number>();
  for (const { report: r } of parts) {
    addCounts(report, r, blocked);
    for (const m of r.malformed) report.malformed.push(m);
  }
  if (parts.length > 1) report.malformed.sort((a, b) => a.line - b.line);
  report.blocked = [...blocked].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
  if (parts.length === 1 && parts[0].report.messaging_limit) report.messaging_limit = parts[0].report.messaging_limit;
  return { report, header: parts.find((p) => p.part === 0)?.header ?? parts[0].header, fixes: mergeFixes(parts.map((p) => p.fixes)) };
}

/** The parts' fixable contacts (each part's in file order) merged into file order. */
function mergeFixes(parts: Done["fixes"][]): MergedFixes {
  const first = parts.flatMap((p) => p.first).sort((a, b) => a.line - b.line).slice(0, SHOWN);
  if (parts.length === 1) return { count: parts[0].lines.length, corrected: parts[0].corrected, list: parts[0].list, first };
  const corrected: string[] = [];
  const list: string[] = [];
  const at = parts.map(() => 0);
  for (;;) {
    let next = -1;
    for (let k = 0; k < parts.length; k++) {
      if (at[k] < parts[k].lines.length && (next < 0 || parts[k].lines[at[k]] < parts[next].lines[at[next]])) next = k;
    }
    if (next < 0) break;
    corrected.push(parts[next].corrected[at[next]]);
    list.push(parts[next].list[at[next]]);
    at[next]++;
  }
  return { count: corrected.length, corrected, list, first };
}

function baseName(name: string): string {
  return name.replace(/\.csv$/i, "");
}

function exportShopify(): void {
  if (!last) return;
  download(`${baseName(last.name)}-phones-corrected.csv`, toCsv([last.header]) + last.fixes.corrected.map((line) => `${line}\r\n`).join(""));
}

function exportFixList(): void {
  if (!last) return;
  download(`${baseName(last.name)}-fix-list.csv`, toCsv([FIX_LIST_HEADER]) + last.fixes.list.map((line) => `${line}\r\n`).join(""));
}

function exportMalformed(): void {
  if (!last) return;
  download(`${baseName(last.name)}-malformed.csv`, toCsv([["line", "error"], ...last.report.malformed.map((m) => [m.line, m.error])]));
}

let titles: Map<string, string> | null = null;

/** The catalog's title of a reason, so that each bar says what it counts (a phone a spreadsheet
 *  mangled is not one missing its calling code, and their fixes differ). */
function titleOf(reason: string): string {
  if (!titles) {
    titles = new Map();
    for (const e of catalog()) if (!titles.has(e.reason)) titles.set(e.reason, e.title);
  }
  return titles.get(reason) ?? "";
}

/** Credits may be fractional (a balance of 12.5). */
function fmtNumber(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

function fmtCredits(n: number): string {
  return `${fmtNumber(n)} ${n === 1 ? "credit" : "credits"}`;
}

/** Contacts blocked because the balance ran out before their row (with or without other reasons). */
function outOfCredits(r: MergedReport): number {
  return r.blocked.find((b) => b.reason === "INSUFFICIENT_CREDITS")?.count ?? 0;
}

/** What the balance covers: the contacts it pays for, and the `short` ones left without credits. */
function creditsSummary(r: MergedReport, credits: Credits | undefined, short: number): HTMLElement {
  if (!credits) return h("p", { class: "muted", id: "aud-credits" }, `No credit limit: the eligible contacts cost ${fmtCredits(r.cost)}.`);
  return h(
    "p",
    { id: "aud-credits" },
    `A balance of ${fmtCredits(credits.balance)}, spent in file order, covers ${fmtInt(r.eligible)} ${r.eligible === 1 ? "contact" : "contacts"} (${fmtCredits(r.cost)}); `,
    short
      ? `from where it runs out, ${fmtInt(short)} ${short === 1 ? "contact is" : "contacts are"} blocked by INSUFFICIENT_CREDITS.`
      : "no contact is blocked by INSUFFICIENT_CREDITS.",
  );
}

/** The core's messaging-limit report: how many new recipients the file has and from which line
 *  the tier's limit blocks them. */
function limitSummary(m: LimitReport): HTMLElement {
  const left = m.limit === null ? null : Math.max(0, m.limit - m.unique_recipients_24h);
  return h(
    "p",
    { id: "aud-limit" },
    `${m.tier}: ${m.limit === null ? "no limit" : `${fmtInt(m.limit)} new recipients per 24 h`}, ${fmtInt(m.unique_recipients_24h)} already used`,
    left === null ? ". " : ` (${fmtInt(left)} left). `,
    `This file reaches ${fmtInt(m.new_recipients)} new ${m.new_recipients === 1 ? "recipient" : "recipients"}; `,
    m.over_limit
      ? `${fmtInt(m.over_limit)} ${m.over_limit === 1 ? "contact is" : "contacts are"} over the limit (MESSAGING_LIMIT_REACHED) from line ${m.first_line_over_limit ?? "?"}.`
      : "none is over the limit.",
  );
}

function render(r: MergedReport, fixes: MergedFixes, name: string, ms: number, credits: Credits | undefined): void {
  const blocked = r.blocked_contacts;
  const shownFix = fixes.first;
  const shownBad = r.malformed.slice(0, 100);
  const short = outOfCredits(r);
  replace(
    $("#aud-out"),
    h("p", { class: "muted", id: "aud-timing" }, `${name}: ${fmtInt(r.rows)} contacts checked in ${(ms / 1000).toFixed(2)} s.`),
    h(
      "dl",
      { class: "tiles" },
      tile("aud-rows", "Contacts", fmtInt(r.rows)),
      tile("aud-eligible", "Would be reached", `${fmtInt(r.eligible)}`, r.rows ? fmtPct(r.eligible / r.rows) : ""),
      tile("aud-blocked", "Blocked", fmtInt(blocked), r.rows ? fmtPct(blocked / r.rows) : ""),
      tile("aud-fixable", "Fixable phones", fmtInt(fixes.count)),
      tile("aud-malformed", "Malformed rows", fmtInt(r.malformed.length)),
      tile("aud-cost", credits ? "Credits spent" : "Credits needed", fmtNumber(r.cost), credits ? `of ${fmtNumber(credits.balance)}` : ""),
      credits ? tile("aud-no-credits", "Out of credits", fmtInt(short), r.rows ? fmtPct(short / r.rows) : "") : null,
      r.messaging_limit ? tile("aud-over-limit", "Over the messaging limit", fmtInt(r.messaging_limit.over_limit), r.rows ? fmtPct(r.messaging_limit.over_limit / r.rows) : "") : null,
    ),
    creditsSummary(r, credits, short),
    r.messaging_limit ? limitSummary(r.messaging_limit) : null,
    r.blocked.length
      ? barChart(
          "Blocked contacts by reason",
          r.blocked.map((b) => ({ key: b.reason, label: b.reason, detail: titleOf(b.reason), count: b.count, share: r.rows ? b.count / r.rows : 0 })),
          "A contact with several blockers counts under each; shares are of all rows.",
        )
      : h("p", { class: "status ok" }, "✓ No contact is blocked."),
    h(
      "section",
      { "aria-labelledby": "fix-h" },
      h("h3", { id: "fix-h" }, `Fixable phones (${fmtInt(fixes.count)})`),
      fixes.count
        ? [
            h(
              "p",
              null,
              "These phones lack the country calling code; the suggested number adds it from the contact's country. Correct them in Shopify (Galantis syncs phones from Shopify): import the corrected file in Shopify Admin → Customers → Import with ",
              h("em", null, "Overwrite existing customers"),
              " checked.",
            ),
            h(
              "div",
              { class: "toolbar" },
              h("button", { type: "button", id: "aud-export-shopify", class: "primary", onclick: exportShopify }, "Download Shopify import (corrected phones)"),
              h("button", { type: "button", id: "aud-export-fix", onclick: exportFixList }, "Download fix list (CSV)"),
            ),
            h(
              "div",
              { class: "table-wrap" },
              h(
                "table",
                { id: "aud-fix-table" },
                h("caption", { class: "visually-hidden" }, "Fixable phones"),
                h("thead", null, h("tr", null, h("th", { scope: "col" }, "Line"), h("th", { scope: "col" }, "Phone in the file"), h("th", { scope: "col" }, "Suggested E.164"))),
                h("tbody", null, shownFix.map((f) => h("tr", null, h("td", null, String(f.line)), h("td", { class: "mono" }, f.phone), h("td", { class: "mono" }, f.suggested)))),
              ),
            ),
            fixes.count > shownFix.length ? h("p", { class: "muted" }, `Showing ${shownFix.length} of ${fmtInt(fixes.count)}; the downloads have all of them.`) : null,
          ]
        : h("p", { class: "muted" }, "No phone needs a calling code added."),
    ),
    h(
      "section",
      { "aria-labelledby": "bad-h" },
      h("h3", { id: "bad-h" }, `Malformed rows (${fmtInt(r.malformed.length)})`),
      r.malformed.length
        ? [
            h("ul", { id: "aud-malformed-list", class: "malformed" }, shownBad.map((m) => h("li", null, h("strong", null, `Line ${m.line}: `), m.error))),
            r.malformed.length > shownBad.length ? h("p", { class: "muted" }, `Showing ${shownBad.length} of ${fmtInt(r.malformed.length)}.`) : null,
            h("button", { type: "button", id: "aud-export-malformed", onclick: exportMalformed }, "Download malformed rows (CSV)"),
          ]
        : h("p", { class: "muted" }, "None: every row could be read."),
    ),
  );
}

function tile(id: string, label: string, value: string, extra = ""): HTMLElement {
  return h("div", { class: "tile" }, h("dt", null, label), h("dd", { id }, h("strong", null, value), extra ? h("span", { class: "muted" }, ` ${extra}`) : null));
}

function renderTemplates(): void {
  const select = $("#aud-template") as HTMLSelectElement;
  const keep = select.value;
  replace(
    select,
    h("option", { value: "" }, "None: consent and phone only"),
    state.templates.map((t, i) => h("option", { value: String(i) }, `${t.name} (${t.language}) — ${t.category}, ${t.status}`)),
  );
  if (keep && state.templates[Number(keep)]) select.value = keep;
}

export function initAudience(): void {
  onFileChosen($("#aud-file") as HTMLInputElement, $("#aud-drop"), start);
  $("#aud-cancel").addEventListener("click", () => {
    stopPool();
    jobId++;
    $("#aud-progress").hidden = true;
    $("#audience").dataset.state = "cancelled";
    $("#aud-progress-label").textContent = "";
  });
  for (const id of ["#aud-source", "#aud-template", "#aud-policy", "#aud-balance", "#aud-tier", "#aud-used"]) {
    $(id).addEventListener("change", () => currentFile && start(currentFile));
  }
  // Without a file yet, a bad balance is still pointed out as soon as it is entered.
  $("#aud-balance").addEventListener("change", () => {
    if (currentFile) return;
    const balance = readBalance($("#aud-balance") as HTMLInputElement);
    fail("error" in balance ? balance.error : null);
  });
  on("templates", renderTemplates);
  renderTemplates();
  replace(
    $("#aud-out"),
    h(
      "div",
      { class: "empty" },
      h("p", null, "No file yet. Accepted: Shopify's customer export (Phone, Default Address Country Code, Default Address Phone, Accepts SMS Marketing…) or a Galantis contact export (phone, phone_country_code, phone_calling_code, marketing_state, last_inbound_at)."),
    ),
  );
  // Start the workers (and their Wasm) once the page is idle, so the first file does not wait.
  const warm = () => {
    while (pool.length < POOL) pool.push(newWorker());
  };
  if ("requestIdleCallback" in window) requestIdleCallback(warm, { timeout: 2000 });
  else setTimeout(warm, 500);
}
