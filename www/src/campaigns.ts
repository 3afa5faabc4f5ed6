import { checkAudience, classifyFailure, pickTemplates } from "sendgate";
import type { AudienceOptions, AudienceReport, Slot, Template, TemplateCategory, TriageReport } from "sendgate";
import { $, h, replace, barChart, errorText, fmtInt, fmtPct, whenOpened } from "./dom";
import { loadedAccount, openSignIn } from "./account";
import { showTriageReport } from "./triage";
import { SessionError, activeSession, onSession, signOut, workerFetch, type Session } from "./session";
import { on, state } from "./state";

// Campaigns panel: a CSV and a template become a campaign on the worker (POST /v1/campaigns),
// after the core's checkAudience has shown in this browser who would be reached; then the
// worker's report (GET /v1/campaigns/{id}) is polled and drawn. The worker decides every
// outcome; this panel only shows its counts.

const POLL_MS = 1000;

type Counts = Record<"queued" | "sending" | "accepted" | "delivered" | "read" | "failed" | "blocked" | "retry_later" | "paused" | "cancelled", number>;

/** GET /v1/campaigns/{id} (worker/README.md, "Campaigns"). */
export interface CampaignReport {
  campaign_id: string;
  workspace_id: string;
  phone_number_id: string;
  state: "running" | "paused" | "finished" | "cancelled" | (string & {});
  template: { name: string; language: string; category: TemplateCategory | (string & {}) };
  total: number;
  counts: Counts;
  by_reason: Record<string, number>;
  pause: { cause: string; reason: string; message: string; at: string } | null;
  credits: { reserved: number; released: number; debited: number };
  rate: { achieved_mps: number; series: { at: string; sent: number }[] };
  started_at: string | null;
  finished_at: string | null;
  eta: string | null;
  triage: TriageReport;
}

interface CampaignSummary {
  campaign_id: string;
  state: string;
  created_at: string | null;
  template: { name: string; language?: string } | string;
  counts: Partial<Counts>;
}

let file: { name: string; text: string } | null = null;
let preflight: AudienceReport | null = null;
let parameters: string[] = [];
/** Each watch (and each action's fresh report) starts a new generation: an older poll's
 *  answer still in flight is dropped, so it never paints over a newer report. */
let generation = 0;
let timer: ReturnType<typeof setTimeout> | null = null;
let polls = 0;

function setError(text: string | null): void {
  const box = $("#cmp-error");
  box.hidden = !text;
  box.textContent = text ?? "";
}

function sessionOrSignIn(): Session | null {
  const s = activeSession();
  if (!s) setError("Sign in with your workspace key first.");
  return s;
}

/** A worker call failed: say why, and end the session if the key no longer works. */
function failed(what: string, err: unknown): void {
  if (err instanceof SessionError && err.signedOut) signOut();
  setError(`Could not ${what}: ${errorText(err)}`);
}

function selectedTemplate(): Template | null {
  const v = ($("#cmp-template") as HTMLSelectElement).value;
  return v === "" ? null : (state.templates[Number(v)] ?? null);
}

/** The template's parameter slots, as the core finds them (TemplateOption.slots; the contact
 *  does not change them). */
function slotsOf(t: Template): Slot[] {
  try {
    return pickTemplates({ contact: { phone: null, marketing_state: "SUBSCRIBED" }, source: "campaign", templates: [t] })[0]?.slots ?? [];
  } catch {
    return [];
  }
}

function renderTemplates(): void {
  const select = $("#cmp-template") as HTMLSelectElement;
  const keep = select.value;
  replace(
    select,
    h("option", { value: "" }, "Choose a template"),
    state.templates.map((t, i) => h("option", { value: String(i) }, `${t.name} (${t.language}) — ${t.category}, ${t.status}`)),
  );
  if (keep && state.templates[Number(keep)]) select.value = keep;
  renderParams();
}

function renderParams(): void {
  const t = selectedTemplate();
  const slots = t ? slotsOf(t) : [];
  parameters = slots.map((_, k) => parameters[k] ?? "");
  replace(
    $("#cmp-params"),
    slots.length
      ? h(
          "fieldset",
          { class: "params" },
          h("legend", null, `Parameters (${slots.length}), the same for every contact`),
          slots.map((s, k) => {
            const input = h("input", { id: `cmp-param-${k}`, type: "text" });
            input.value = parameters[k];
            input.addEventListener("input", () => {
              parameters[k] = input.value;
            });
            return h("div", { class: "field" }, h("label", { for: `cmp-param-${k}` }, `${s.part === "header" ? "Header" : "Body"} {{${s.name}}}`), input);
          }),
        )
      : null,
  );
}

function options(t: Template): AudienceOptions {
  const opts: AudienceOptions = {
    source: ($("#cmp-source") as HTMLSelectElement).value as AudienceOptions["source"],
    template: t,
    policy: { consent: ($("#cmp-policy") as HTMLSelectElement).value as "strict" | "by_category" },
  };
  // The account the worker reported (Account panel), so the preflight sees its limit and health.
  const account = loadedAccount()?.account;
  if (account) opts.account = account;
  return opts;
}

/** The audience check of the chosen file and template, before anything is sent. */
function runPreflight(): void {
  preflight = null;
  const start = $("#cmp-start") as HTMLButtonElement;
  start.disabled = true;
  const t = selectedTemplate();
  if (!file || !t) {
    replace($("#cmp-preflight"), h("p", { class: "muted" }, "Choose a template and a contacts CSV: the audience check runs here first."));
    return;
  }
  try {
    preflight = checkAudience(file.text, options(t));
  } catch (err) {
    replace($("#cmp-preflight"));
    setError(`Could not check ${file.name}: ${errorText(err)}`);
    return;
  }
  setError(null);
  const r = preflight;
  const limit = r.messaging_limit;
  replace(
    $("#cmp-preflight"),
    h("h3", null, "Preflight"),
    h(
      "p",
      { id: "cmp-preflight-summary" },
      `${file.name}: ${fmtInt(r.rows)} contacts, ${fmtInt(r.eligible)} would be sent ${t.name}, ${fmtInt(r.blocked_contacts)} blocked`,
      r.malformed.length ? `, ${fmtInt(r.malformed.length)} malformed rows` : "",
      ".",
      limit?.over_limit ? ` ${fmtInt(limit.over_limit)} are over the ${limit.tier} messaging limit from line ${limit.first_line_over_limit ?? "?"}.` : "",
    ),
    r.blocked.length
      ? barChart(
          "Blocked before sending, by reason",
          r.blocked.map((b) => ({ key: b.reason, label: b.reason, detail: classifyFailure(b.reason).title, count: b.count, share: r.rows ? b.count / r.rows : 0 })),
          "Blocked contacts are recorded by the worker at once, never sent or charged.",
        )
      : null,
  );
  start.disabled = !activeSession();
}

async function startCampaign(): Promise<void> {
  const s = sessionOrSignIn();
  const t = selectedTemplate();
  if (!s || !t || !file) return;
  const id = ($("#cmp-id") as HTMLInputElement).value.trim();
  if (!id) {
    setError("Give the campaign an id (it makes a repeated start safe: the worker never adds a contact twice).");
    return;
  }
  setError(null);
  $("#cmp-status").textContent = "Creating the campaign…";
  const body: Record<string, unknown> = {
    campaign_id: id,
    workspace_id: s.workspace_id,
    source: ($("#cmp-source") as HTMLSelectElement).value,
    template: t,
    policy: { consent: ($("#cmp-policy") as HTMLSelectElement).value },
    csv: file.text,
  };
  if (parameters.length) body.parameters = parameters;
  const phone = loadedAccount()?.phone_number_id;
  if (phone) body.phone_number_id = phone;
  try {
    const res = await workerFetch(s.key, "/v1/campaigns", "create the campaign", body);
    const report = (await res.json()) as CampaignReport;
    $("#cmp-status").textContent = res.status === 201 ? `Campaign ${id} created` : `Campaign ${id} already existed: watching it`;
    watch(report.campaign_id ?? id, report);
    void loadList(s);
  } catch (err) {
    $("#cmp-status").textContent = "";
    failed("create the campaign", err);
  }
}

function stopWatching(): void {
  if (timer) clearTimeout(timer);
  timer = null;
  generation++;
}

const over = (r: CampaignReport) => r.state === "finished" || r.state === "cancelled";

function watch(id: string, first?: CampaignReport): void {
  stopWatching();
  const gen = generation;
  if (first) show(first);
  if (first && over(first)) return;
  if (first) timer = setTimeout(() => void poll(id, gen), POLL_MS);
  else void poll(id, gen);
}

async function poll(id: string, gen: number): Promise<void> {
  const s = activeSession();
  if (!s || gen !== generation) return;
  try {
    const res = await workerFetch(s.key, `/v1/campaigns/${encodeURIComponent(id)}`, "read the campaign");
    const report = (await res.json()) as CampaignReport;
    if (gen !== generation) return;
    show(report);
    if (!over(report)) timer = setTimeout(() => void poll(id, gen), POLL_MS);
  } catch (err) {
    if (gen !== generation) return;
    failed(`read campaign ${id}`, err);
    // A network blip must not end the watch: try again, slower.
    if (!(err instanceof SessionError && err.signedOut)) timer = setTimeout(() => void poll(id, gen), POLL_MS * 3);
  }
}

async function act(id: string, action: "pause" | "resume" | "cancel"): Promise<void> {
  const s = sessionOrSignIn();
  if (!s) return;
  setError(null);
  try {
    const res = await workerFetch(s.key, `/v1/campaigns/${encodeURIComponent(id)}/${action}`, `${action} the campaign`, {});
    const report = (await res.json()) as CampaignReport;
    watch(id, report);
    void loadList(s);
  } catch (err) {
    failed(`${action} campaign ${id}`, err);
  }
}

function when(at: string | null | undefined): string {
  if (!at) return "—";
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? at : d.toLocaleString();
}

const n = (x: number | undefined) => (typeof x === "number" && Number.isFinite(x) ? x : 0);

const SVG = "http://www.w3.org/2000/svg";
function svg(tag: string, attrs: Record<string, string | number>, ...children: (SVGElement | string)[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** Messages sent per second over the report's last ≤ 120 s, as one bar per second on a fixed
 *  120 s axis ending at the newest second. */
function rateChart(rate: CampaignReport["rate"]): HTMLElement {
  const series = rate?.series ?? [];
  const width = 480;
  const height = 120;
  const span = 120;
  const slot = width / span;
  const max = Math.max(1, ...series.map((p) => n(p.sent)));
  const end = series.length ? new Date(series[series.length - 1].at).getTime() : 0;
  const chart = svg(
    "svg",
    { viewBox: `0 0 ${width} ${height + 16}`, class: "rate-chart", role: "img", "aria-label": `Messages sent per second over the last ${span} s; ${rate?.achieved_mps ?? 0} per second on average` },
    svg("line", { x1: 0, y1: height, x2: width, y2: height, stroke: "currentColor", "stroke-opacity": 0.3 }),
    ...series.map((p) => {
      const age = Math.round((end - new Date(p.at).getTime()) / 1000);
      const x = width - (age + 1) * slot;
      const hgt = (n(p.sent) / max) * (height - 4);
      return svg("rect", { x: x.toFixed(1), y: (height - hgt).toFixed(1), width: Math.max(1, slot - 1).toFixed(1), height: hgt.toFixed(1), class: "rate-bar" }, svg("title", {}, `${when(p.at)}: ${p.sent} sent`));
    }),
    svg("text", { x: 0, y: height + 14, class: "rate-axis" }, `−${span} s`),
    svg("text", { x: width, y: height + 14, "text-anchor": "end", class: "rate-axis" }, `now · peak ${fmtInt(max)}/s`),
  );
  return h("figure", { class: "chart", id: "cmp-rate" }, h("figcaption", null, `Rate: ${(rate?.achieved_mps ?? 0).toLocaleString("en-US", { maximumFractionDigits: 1 })} messages/s`), chart as unknown as HTMLElement);
}

function funnel(r: CampaignReport): HTMLElement {
  const c = r.counts;
  // Each contact is in exactly one state: sent ones are accepted (not yet delivered), delivered
  // (not yet read) or read.
  const sent = n(c.accepted) + n(c.delivered) + n(c.read);
  const delivered = n(c.delivered) + n(c.read);
  const steps = [
    { key: "sent", label: "Sent", count: sent, of: r.total },
    { key: "delivered", label: "Delivered", count: delivered, of: sent },
    { key: "read", label: "Read", count: n(c.read), of: delivered },
  ];
  return h(
    "ol",
    { class: "funnel", id: "cmp-funnel" },
    steps.map((s) =>
      h(
        "li",
        { "data-step": s.key },
        h("span", { class: "funnel-label" }, s.label),
        h("span", { class: "bar-track", "aria-hidden": "true" }, h("span", { class: "bar-fill", style: `width:${Math.max(1, r.total ? (s.count / r.total) * 100 : 0).toFixed(1)}%` })),
        h("strong", { class: "funnel-count" }, fmtInt(s.count)),
        h("span", { class: "muted" }, s.of ? ` ${fmtPct(s.count / s.of)}` : ""),
      ),
    ),
  );
}

function pauseBox(p: NonNullable<CampaignReport["pause"]>): HTMLElement {
  // The reason's guidance is the catalog's (through the package).
  const c = classifyFailure(p.reason);
  return h(
    "div",
    { class: "finding blocker", id: "cmp-pause", "data-reason": p.reason },
    h("header", null, h("span", { class: "badge blocker" }, `⏸ Paused: ${p.cause.replace(/_/g, " ")}`), h("code", { class: "reason" }, p.reason)),
    h("p", null, p.message, h("span", { class: "muted" }, ` (${when(p.at)})`)),
    c.reason !== "UNKNOWN" ? h("div", { class: "resolution" }, h("p", { class: "label" }, `${c.title}: what to do`), h("ol", null, c.resolution.map((s) => h("li", null, s)))) : null,
  );
}

function show(r: CampaignReport): void {
  polls++;
  const c = r.counts ?? ({} as Counts);
  const pending = n(c.queued) + n(c.sending) + n(c.paused);
  const done = Math.max(0, n(r.total) - pending);
  const failures = Object.entries(r.by_reason ?? {}).sort((a, b) => b[1] - a[1]);
  const failedTotal = failures.reduce((s, [, k]) => s + k, 0);
  const live = r.state === "running" || r.state === "paused";
  const section = $("#cmp-watch");
  section.dataset.campaign = r.campaign_id;
  section.dataset.state = r.state;
  section.dataset.polls = String(polls);
  replace(
    section,
    h(
      "h3",
      null,
      `Campaign ${r.campaign_id} `,
      h("span", { class: `badge ${r.state === "running" ? "ok" : r.state === "paused" ? "warning" : ""}`, id: "cmp-state" }, r.state),
    ),
    h("p", { class: "muted" }, `${r.template?.name ?? "?"} (${r.template?.language ?? "?"}, ${r.template?.category ?? "?"}) · phone number ${r.phone_number_id ?? "?"}`),
    r.pause ? pauseBox(r.pause) : null,
    h(
      "div",
      { class: "progress" },
      h("label", { for: "cmp-progress" }, `${fmtInt(done)} of ${fmtInt(n(r.total))} contacts done${r.total ? ` (${fmtPct(done / r.total)})` : ""}`),
      h("progress", { id: "cmp-progress", max: Math.max(1, n(r.total)), value: done }),
    ),
    h(
      "div",
      { class: "toolbar" },
      h("button", { type: "button", id: "cmp-pause-btn", disabled: r.state !== "running", onclick: () => void act(r.campaign_id, "pause") }, "Pause"),
      h("button", { type: "button", id: "cmp-resume-btn", disabled: r.state !== "paused", onclick: () => void act(r.campaign_id, "resume") }, "Resume"),
      h("button", { type: "button", id: "cmp-cancel-btn", disabled: !live, onclick: () => void act(r.campaign_id, "cancel") }, "Cancel"),
      h(
        "button",
        { type: "button", id: "cmp-triage-btn", disabled: !r.triage?.total, onclick: () => showTriageReport(r.triage, `Campaign ${r.campaign_id}`) },
        `Open failures in triage (${fmtInt(n(r.triage?.total))})`,
      ),
    ),
    funnel(r),
    h(
      "dl",
      { class: "tiles", id: "cmp-counts" },
      (["queued", "sending", "accepted", "delivered", "read", "failed", "blocked", "retry_later", "paused", "cancelled"] as const).map((k) =>
        h("div", { class: "tile" }, h("dt", null, k.replace("_", " ")), h("dd", { "data-count": k }, h("strong", null, fmtInt(n(c[k]))))),
      ),
    ),
    failures.length
      ? barChart(
          "Blocked and failed, by reason",
          failures.map(([reason, count]) => ({ key: reason, label: reason, detail: classifyFailure(reason).title, count, share: failedTotal ? count / failedTotal : 0 })),
          "Shares are of the campaign's contacts not sent or failed.",
        )
      : h("p", { class: "muted" }, "Nothing blocked or failed."),
    rateChart(r.rate),
    h(
      "p",
      { class: "muted", id: "cmp-times" },
      `Started ${when(r.started_at)} · ${r.finished_at ? `finished ${when(r.finished_at)}` : `ETA ${when(r.eta)}`} · credits reserved ${fmtInt(n(r.credits?.reserved))}, released ${fmtInt(n(r.credits?.released))}, debited ${fmtInt(n(r.credits?.debited))}`,
    ),
  );
}

function total(c: Partial<Counts>): number {
  return Object.values(c).reduce((s, x) => s + n(x), 0);
}

async function loadList(s: Session): Promise<void> {
  try {
    const res = await workerFetch(s.key, `/v1/campaigns?${new URLSearchParams({ workspace_id: s.workspace_id })}`, "list campaigns");
    const body = (await res.json()) as { campaigns?: CampaignSummary[] };
    const list = Array.isArray(body.campaigns) ? body.campaigns : [];
    replace(
      $("#cmp-list"),
      list.length
        ? h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { id: "cmp-table" },
              h("caption", { class: "visually-hidden" }, "Campaigns"),
              h("thead", null, h("tr", null, ["Campaign", "State", "Template", "Created", "Contacts", ""].map((x) => h("th", { scope: "col" }, x)))),
              h(
                "tbody",
                null,
                list.map((c) =>
                  h(
                    "tr",
                    { "data-campaign": c.campaign_id },
                    h("td", { class: "mono" }, c.campaign_id),
                    h("td", null, c.state),
                    h("td", null, typeof c.template === "string" ? c.template : (c.template?.name ?? "")),
                    h("td", null, when(c.created_at)),
                    h("td", null, fmtInt(total(c.counts ?? {}))),
                    h("td", null, h("button", { type: "button", class: "small", onclick: () => watch(c.campaign_id) }, "Watch")),
                  ),
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, "No campaigns yet."),
    );
  } catch (err) {
    failed("list campaigns", err);
  }
}

export function initCampaigns(): void {
  const id = $("#cmp-id") as HTMLInputElement;
  id.value = `campaign-${new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "")}`;
  $("#cmp-signin").addEventListener("click", openSignIn);
  $("#cmp-start").addEventListener("click", () => void startCampaign());
  $("#cmp-refresh").addEventListener("click", () => {
    const s = sessionOrSignIn();
    if (s) void loadList(s);
  });
  $("#cmp-template").addEventListener("change", () => {
    parameters = [];
    renderParams();
    runPreflight();
  });
  for (const sel of ["#cmp-source", "#cmp-policy"]) $(sel).addEventListener("change", runPreflight);
  const input = $("#cmp-file") as HTMLInputElement;
  input.addEventListener("change", async () => {
    const f = input.files?.[0];
    input.value = "";
    if (!f) return;
    file = { name: f.name, text: await f.text() };
    $("#cmp-file-name").textContent = f.name;
    runPreflight();
  });
  on("templates", renderTemplates);
  renderTemplates();
  // The list is read when the panel is opened (or Refresh is pressed).
  const lister = whenOpened($("#campaigns"), () => {
    const s = activeSession();
    if (s) void loadList(s);
  });
  onSession((s) => {
    $("#cmp-signed-out").hidden = !!s;
    $("#campaigns").dataset.signedIn = String(!!s);
    if (!s) {
      lister.disarm();
      stopWatching();
      replace($("#cmp-watch"));
      replace($("#cmp-list"));
      ($("#cmp-start") as HTMLButtonElement).disabled = true;
      return;
    }
    ($("#cmp-start") as HTMLButtonElement).disabled = !preflight;
    lister.arm();
  });
  runPreflight();
}
