import { classifyFailure, classifyWebhook, readCsv, triage } from "sendgate";
import type { Classification, RetryTarget, TriageReport, WebhookEvent } from "sendgate";
import { $, h, replace, barChart, download, errorText, fmtInt, onFileChosen } from "./dom";
import { toCsv } from "./csv";
import { SessionError, onSession, signIn, signOut, storedKey, workerFetch, type Session } from "./session";

// Failure triage: turns whatever the merchant pasted into items for sendgate's triage() (webhook
// bodies through classifyWebhook, CSV rows through classifyFailure) and shows the report.

interface Collected {
  items: unknown[];
  /** Webhook events that are not failures (delivered, read, inbound…), by kind/status. */
  ignored: Map<string, number>;
  invalid: string[];
}

function isWebhookBody(v: unknown): boolean {
  return !!v && typeof v === "object" && !Array.isArray(v) && ("entry" in v || (v as { object?: unknown }).object === "whatsapp_business_account");
}

function addWebhook(body: unknown, out: Collected): void {
  for (const ev of classifyWebhook(body) as WebhookEvent[]) {
    if (ev.kind === "invalid") out.invalid.push(`${ev.path}: ${ev.error}`);
    else if ("classification" in ev && ev.classification) out.items.push(ev);
    else {
      const key = ev.kind === "status" ? `${ev.status} status` : ev.kind.replace(/_/g, " ");
      out.ignored.set(key, (out.ignored.get(key) ?? 0) + 1);
    }
  }
}

function addValue(v: unknown, out: Collected): void {
  if (isWebhookBody(v)) addWebhook(v, out);
  else if (Array.isArray(v)) {
    for (const x of v) addValue(x, out);
  } else if (v && typeof v === "object" && Array.isArray((v as { failures?: unknown }).failures)) addValue((v as { failures: unknown[] }).failures, out);
  else if (v && typeof v === "object" && Array.isArray((v as { items?: unknown }).items)) addValue((v as { items: unknown[] }).items, out);
  else out.items.push(v);
}

const REASON_COL = /^(reason|error[ _]?reason|failure[ _]?reason|fail(ure)?[ _]?reason|error|error[ _]?message|status[ _]?reason)$/i;
const CODE_COL = /^(code|error[ _]?code|meta[ _]?code|meta[ _]?error[ _]?code)$/i;
const RECIPIENT_COL = /^(recipient|recipient[ _]?id|to|wa[ _]?id|phone|phone[ _]?number|customer[ _]?phone|customer)$/i;
const TIME_COL = /^(timestamp|time|date|failed[ _]?at|created[ _]?at|sent[ _]?at|updated[ _]?at)$/i;
const ID_COL = /^(wamid|message[ _]?id|id)$/i;

/** A CSV of failed messages: each row becomes a failed-status event classified by its reason or code. */
function addCsv(text: string, out: Collected): boolean {
  const records = readCsv(text);
  const first = records[0];
  if (records.length < 2 || !("fields" in first)) return false;
  const header = first.fields.map((c) => c.trim());
  const col = (re: RegExp) => header.findIndex((c) => re.test(c));
  const reason = col(REASON_COL);
  const code = col(CODE_COL);
  if (reason < 0 && code < 0) return false;
  const recipient = col(RECIPIENT_COL);
  const time = col(TIME_COL);
  const id = col(ID_COL);
  for (const record of records.slice(1)) {
    if (!("fields" in record)) {
      out.invalid.push(`line ${record.line}: ${record.error}`);
      continue;
    }
    const row = record.fields;
    const value = (reason >= 0 && row[reason]?.trim()) || (code >= 0 ? row[code]?.trim() : "") || "";
    if (!value) {
      out.invalid.push(`line ${record.line}: no reason or code`);
      continue;
    }
    out.items.push(failedEvent(value, recipient >= 0 ? row[recipient] : null, time >= 0 ? row[time] : null, id >= 0 ? row[id] : null));
  }
  return true;
}

/** A failed-status event for triage() from one recorded failure (a CSV row, a worker record):
 *  the reason or code is classified by sendgate; recipient and time let triage group and list. */
function failedEvent(value: unknown, recipient: unknown, time: unknown, id: unknown): WebhookEvent {
  const when = typeof time === "string" && time ? new Date(time) : null;
  return {
    kind: "status",
    wamid: typeof id === "string" || typeof id === "number" ? String(id) : "",
    status: "failed",
    recipient_id: typeof recipient === "string" && recipient.trim() ? recipient.trim() : null,
    timestamp: when && !Number.isNaN(when.getTime()) ? when.toISOString() : null,
    phone_number_id: null,
    classification: classifyFailure(value) as Classification,
  };
}

/** Splits free text into JSON documents (objects/arrays, possibly spanning lines) and plain lines. */
function addText(text: string, out: Collected): void {
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    if (text[i] === "{" || text[i] === "[") {
      const end = matchJson(text, i);
      if (end > 0) {
        try {
          addValue(JSON.parse(text.slice(i, end)), out);
          i = end;
          continue;
        } catch {
          /* not JSON after all: fall through to a plain line */
        }
      }
    }
    let nl = text.indexOf("\n", i);
    if (nl < 0) nl = n;
    const line = text.slice(i, nl).trim();
    if (line) out.items.push(line);
    i = nl + 1;
  }
}

function matchJson(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** True when the text looks like CSV with a header row (commas on the first line, not JSON). */
function looksLikeCsv(text: string): boolean {
  const first = text.split(/\r?\n/, 1)[0] ?? "";
  return first.includes(",") && !/^\s*[[{]/.test(first);
}

export function collect(text: string): Collected {
  const out: Collected = { items: [], ignored: new Map(), invalid: [] };
  const trimmed = text.trim();
  if (!trimmed) return out;
  if (looksLikeCsv(trimmed) && addCsv(trimmed, out)) return out;
  addText(trimmed, out);
  return out;
}

function retryAdvice(c: Classification): string {
  switch (c.retry.kind) {
    case "backoff":
      return "Retry now, with backoff";
    case "after":
      return c.retry.after_seconds ? `Retry after ${duration(c.retry.after_seconds)}` : "Retry later";
    default:
      return "Resend only after fixing the cause";
  }
}

function plural(n: number, one: string, many: string): string {
  return `${fmtInt(n)} ${n === 1 ? one : many}`;
}

function duration(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

let lastReport: TriageReport | null = null;

function list(title: string, items: string[]): HTMLElement | null {
  return items.length ? h("div", null, h("p", { class: "label" }, title), h("ul", null, items.map((s) => h("li", null, s)))) : null;
}

function retryColumn(id: string, title: string, hint: string, targets: RetryTarget[]): HTMLElement {
  const shown = targets.slice(0, 200);
  return h(
    "section",
    { class: "retry-col", id: `retry-${id}`, "aria-label": title },
    h("h4", null, `${title} (${fmtInt(targets.length)})`),
    h("p", { class: "muted" }, hint),
    targets.length
      ? h(
          "ul",
          null,
          shown.map((t) =>
            h("li", null, h("span", { class: "mono" }, t.recipient), " ", h("code", null, t.reason), t.retry_at ? h("span", { class: "muted" }, ` from ${new Date(t.retry_at).toLocaleString()}`) : null),
          ),
          targets.length > shown.length ? h("li", { class: "muted" }, `…and ${fmtInt(targets.length - shown.length)} more (in the CSV export)`) : null,
        )
      : h("p", { class: "muted" }, "None"),
  );
}

function render(report: TriageReport, collected: Collected): void {
  lastReport = report;
  const outEl = $("#triage-out");
  const ignored = [...collected.ignored].map(([k, v]) => `${fmtInt(v)} ${k}`).join(", ");
  if (!report.total) {
    replace(
      outEl,
      h("div", { class: "empty" }, h("p", null, "No failures found in this input."), ignored ? h("p", { class: "muted" }, `Not failures: ${ignored}.`) : null),
    );
    return;
  }
  replace(
    outEl,
    h("p", { class: "summary", id: "triage-summary" }, report.summary),
    ignored || collected.invalid.length
      ? h(
          "p",
          { class: "muted" },
          ignored ? `Not failures, left out: ${ignored}. ` : "",
          collected.invalid.length ? `${plural(collected.invalid.length, "part", "parts")} could not be read (listed below).` : "",
        )
      : null,
    h("div", { class: "toolbar" }, h("button", { type: "button", id: "triage-export", onclick: exportCsv }, "Export report (CSV)")),
    barChart(
      "Failures by reason",
      report.groups.map((g) => ({
        key: g.reason,
        label: g.reason,
        detail: g.meta_code !== undefined ? `Meta ${g.meta_code}` : undefined,
        count: g.count,
        share: g.share,
      })),
    ),
    h(
      "div",
      { class: "groups" },
      report.groups.map((g, i) => {
        const c = g.classification;
        return h(
          "details",
          { class: "group", "data-reason": g.reason, open: i === 0 },
          h(
            "summary",
            null,
            h("code", { class: "reason" }, g.reason),
            g.meta_code !== undefined ? h("span", { class: "muted" }, ` Meta ${g.meta_code}`) : null,
            ` — ${c.title} · ${plural(g.count, "failure", "failures")}, ${plural(g.recipients, "recipient", "recipients")} · `,
            h("span", { class: "retry" }, retryAdvice(c)),
            g.stops_all_sends ? h("span", { class: "badge blocker" }, "⚠ Stops every send until fixed") : null,
          ),
          h(
            "div",
            { class: "group-body" },
            h("p", null, h("strong", null, "Next: "), g.next_action),
            h("p", null, h("strong", null, "What it means: "), c.meaning),
            c.details ? h("p", null, h("strong", null, "Meta says: "), c.details) : null,
            list("Common causes", c.causes),
            h("div", null, h("p", { class: "label" }, "How to resolve"), h("ol", null, c.resolution.map((s) => h("li", null, s)))),
            list("How to prevent it", c.prevention),
            h(
              "p",
              { class: "muted" },
              `Retry: ${retryAdvice(c)} · scope: ${c.scope}${c.compliance ? " · compliance enforcement" : ""}`,
              g.first_seen ? ` · first ${new Date(g.first_seen).toLocaleString()}` : "",
              g.last_seen ? ` · last ${new Date(g.last_seen).toLocaleString()}` : "",
            ),
          ),
        );
      }),
    ),
    report.retry.now.length + report.retry.later.length + report.retry.never.length < report.total
      ? h("p", { class: "muted" }, "Failures pasted without a recipient (bare codes, reason strings) count in the groups but cannot be listed for a retry.")
      : null,
    h(
      "div",
      { class: "retry-lists" },
      retryColumn("now", "Retry now", "Transient: send again (with backoff).", report.retry.now),
      retryColumn("later", "Retry later", "Not before the time shown.", report.retry.later),
      retryColumn("never", "Do not retry", "Fix the cause first; a resend fails the same way.", report.retry.never),
    ),
    collected.invalid.length
      ? h("details", { class: "invalid" }, h("summary", null, `${collected.invalid.length} parts not read`), h("ul", null, collected.invalid.slice(0, 200).map((s) => h("li", null, s))))
      : null,
  );
}

function exportCsv(): void {
  const r = lastReport;
  if (!r) return;
  const rows: unknown[][] = [["section", "reason", "meta_code", "title", "count", "share", "recipients", "retry", "next_action", "recipient", "retry_at"]];
  for (const g of r.groups) {
    rows.push(["group", g.reason, g.meta_code ?? "", g.classification.title, g.count, g.share.toFixed(4), g.recipients, retryAdvice(g.classification), g.next_action, "", ""]);
  }
  for (const [section, targets] of [["retry_now", r.retry.now], ["retry_later", r.retry.later], ["retry_never", r.retry.never]] as const) {
    for (const t of targets) rows.push([section, t.reason, t.meta_code ?? "", "", "", "", "", "", "", t.recipient, t.retry_at ?? ""]);
  }
  download("sendgate-triage.csv", toCsv(rows));
}

function setError(text: string | null): void {
  const box = $("#triage-error");
  box.hidden = !text;
  box.textContent = text ?? "";
}

let fileText: string | null = null;

function run(text: string, label: string): void {
  setError(null);
  try {
    const t0 = performance.now();
    report(collect(text), label, t0);
  } catch (err) {
    setError(`Could not triage this input: ${errorText(err)}`);
    $("#triage-status").textContent = "";
  }
}

function report(collected: Collected, label: string, t0: number): void {
  const status = $("#triage-status");
  if (!collected.items.length && !collected.ignored.size && !collected.invalid.length) {
    replace($("#triage-out"), h("div", { class: "empty" }, h("p", null, "Nothing to triage: paste failures or drop a file, then choose Triage.")));
    status.textContent = "";
    return;
  }
  render(triage(collected.items) as TriageReport, collected);
  status.textContent = `${label}: ${fmtInt(collected.items.length)} items triaged in ${Math.round(performance.now() - t0)} ms`;
}

/** Shows a triage report computed elsewhere (a campaign's, by the worker's core) in this panel. */
export function showTriageReport(r: TriageReport, label: string): void {
  setError(null);
  render(r, { items: [], ignored: new Map(), invalid: [] });
  $("#triage-status").textContent = `${label}: ${plural(r.total, "failure", "failures")}`;
  $("#triage").scrollIntoView();
}

async function readFile(f: File): Promise<void> {
  const text = await f.text();
  const input = $("#triage-input") as HTMLTextAreaElement;
  if (text.length <= 200_000) {
    input.value = text;
    fileText = null;
  } else {
    input.value = "";
    input.placeholder = `${f.name} loaded (${fmtInt(text.length)} characters); choose Triage again to re-run`;
    fileText = text;
  }
  run(text, f.name);
}

interface WorkerFailure {
  id?: number;
  at?: string;
  reason?: string;
  meta_code?: number | null;
  recipient?: string | null;
  wamid?: string | null;
}

let session: Session | null = null;

/** The sign-in part of the worker box: the key field, or who is signed in. */
function showSession(): void {
  const who = $("#signin-who");
  ($("#signin-form") as HTMLElement).hidden = session !== null;
  ($("#signed-in") as HTMLElement).hidden = session === null;
  if (!session) {
    who.textContent = "";
    return;
  }
  const name = session.name ? `${session.name} (workspace ${session.workspace_id})` : `workspace ${session.workspace_id}`;
  replace(who, "Signed in to ", h("strong", null, name), ` · key scopes: ${session.scopes.join(", ") || "none"}`);
}

function endSession(): void {
  signOut();
  session = null;
  showSession();
}

async function startSession(key: string): Promise<void> {
  const status = $("#triage-status");
  status.textContent = "Signing in…";
  setError(null);
  try {
    session = await signIn(key);
    ($("#workspace-key") as HTMLInputElement).value = "";
    status.textContent = "";
    showSession();
    if (!session.scopes.includes("read")) setError("Signed in, but this workspace key cannot load failures: it does not have the read scope.");
  } catch (err) {
    status.textContent = "";
    if (err instanceof SessionError && err.signedOut) endSession();
    setError(`Could not sign in: ${errorText(err)}`);
  }
}

/** Loads the workspace's recorded failures (GET /v1/failures, newest first, paged by next_cursor). */
async function fetchFailures(): Promise<void> {
  const status = $("#triage-status");
  setError(null);
  if (!session) {
    setError("Sign in with your workspace key first (Load from the sendgate worker).");
    return;
  }
  status.textContent = "Loading /v1/failures…";
  try {
    const records: WorkerFailure[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 40; page++) {
      const query = new URLSearchParams({ limit: "500", ...(cursor ? { cursor } : {}) });
      const res = await workerFetch(session.key, `/v1/failures?${query}`, "load failures");
      const body = (await res.json()) as { failures?: WorkerFailure[]; next_cursor?: string | null };
      if (!Array.isArray(body.failures)) throw new Error("the answer has no failures list");
      records.push(...body.failures);
      status.textContent = `Loading /v1/failures… ${fmtInt(records.length)}`;
      cursor = body.next_cursor ?? null;
      if (!cursor) break;
    }
    const collected: Collected = { items: [], ignored: new Map(), invalid: [] };
    for (const r of records) {
      collected.items.push(failedEvent(r.meta_code ?? r.reason ?? "", r.recipient, r.at, r.wamid ?? r.id));
    }
    report(collected, `/v1/failures${cursor ? " (first 20,000)" : ""}`, performance.now());
  } catch (err) {
    status.textContent = "";
    if (err instanceof SessionError && err.signedOut) endSession();
    setError(`Could not load failures from the worker: ${errorText(err)}`);
  }
}

function initSession(): void {
  const input = $("#workspace-key") as HTMLInputElement;
  $("#signin").addEventListener("click", () => void startSession(input.value));
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") void startSession(input.value);
  });
  $("#signout").addEventListener("click", () => {
    endSession();
    setError(null);
  });
  $("#triage-fetch").addEventListener("click", () => void fetchFailures());
  // Another panel may end the session (a key revoked while it read the account or a campaign).
  onSession((s) => {
    session = s;
    showSession();
  });
  // A key kept by this tab: check it again (it may have been revoked since).
  const kept = storedKey();
  if (kept) void startSession(kept);
}

export function initTriage(): void {
  const input = $("#triage-input") as HTMLTextAreaElement;
  $("#triage-run").addEventListener("click", () => run(fileText ?? input.value, fileText ? "file" : "pasted"));
  input.addEventListener("input", () => (fileText = null));
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("#triage-run").click();
  });
  $("#triage-clear").addEventListener("click", () => {
    input.value = "";
    fileText = null;
    lastReport = null;
    setError(null);
    $("#triage-status").textContent = "";
    renderEmpty();
    input.focus();
  });
  onFileChosen($("#triage-file") as HTMLInputElement, $("#triage-drop"), (f) => void readFile(f));
  initSession();
  renderEmpty();
}

function renderEmpty(): void {
  replace(
    $("#triage-out"),
    h(
      "div",
      { class: "empty" },
      h("p", null, "Nothing triaged yet. Examples of what you can paste, one per line or as whole JSON documents:"),
      h(
        "ul",
        null,
        h("li", null, h("code", null, "CUSTOMER_IS_NOT_OPTED_IN"), " or ", h("code", null, "Outside 24-hour window — no template used"), " (from the Galantis UI)"),
        h("li", null, h("code", null, "131049"), " (a Meta error code)"),
        h("li", null, "a Graph error ", h("code", null, '{"error": {"code": 130429, …}}'), " or a whole Meta webhook body"),
        h("li", null, "a CSV with a ", h("code", null, "reason"), " or ", h("code", null, "code"), " column (and optionally ", h("code", null, "phone"), ")"),
      ),
    ),
  );
}
