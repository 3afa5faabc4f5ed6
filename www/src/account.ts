import type { AccountState, HealthEntity, MessagingTier, PendingCategory, Restriction, TemplateCategory } from "sendgate";
import { $, h, replace, errorText, fmtInt, fmtPct, whenOpened } from "./dom";
import { useWorkerAccount } from "./account-input";
import { SessionError, activeSession, onSession, signOut, workerFetch, type Session } from "./session";

// Account panel: what the worker knows of the sending account (GET /v1/account), shown as it
// is; the merchant can use it as the contact check's account input, where the core judges it.

/** GET /v1/account (worker/README.md, "HTTP API"); extra fields are ignored. */
export interface AccountAnswer {
  phone_number_id: string;
  waba_id: string | null;
  account: AccountState;
  throughput_mps: number | null;
  throughput_source: "meta" | "config" | (string & {});
  messaging_limit: { tier: MessagingTier; limit: number | null; unique_recipients_24h: number } | null;
  templates_changing: {
    name: string;
    language: string | null;
    category: TemplateCategory | (string & {}) | null;
    pending_category: TemplateCategory | PendingCategory | null;
    effective_at: string | null;
  }[];
  health_checked_at: string | null;
  updated_at: string | null;
}

let last: AccountAnswer | null = null;
let loading = 0;

/** The account last loaded from the worker (the campaigns panel's preflight uses it). */
export function loadedAccount(): AccountAnswer | null {
  return last;
}

function when(at: string | null | undefined): string {
  if (!at) return "—";
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? at : d.toLocaleString();
}

function setState(state: string, error: string | null): void {
  const section = $("#account");
  section.dataset.state = state;
  const box = $("#acct-error");
  box.hidden = !error;
  box.textContent = error ?? "";
}

function showSignedOut(): void {
  last = null;
  replace(
    $("#acct-out"),
    h(
      "div",
      { class: "empty" },
      h("p", null, "Sign in with your workspace key to see the sending account: Meta's health status, restrictions, payment method, messaging tier and the templates whose category is changing."),
      h("button", { type: "button", onclick: openSignIn }, "Enter your workspace key…"),
    ),
  );
  ($("#acct-load") as HTMLButtonElement).disabled = true;
}

/** The panel to go back to once signed in. */
let returnTo: string | null = null;

/** The sign-in box lives with the failure triage's worker loader; once signed in, the merchant
 *  is taken back to the panel they came from. */
export function openSignIn(e?: Event): void {
  returnTo = (e?.target as Element | undefined)?.closest("section.panel")?.id ?? null;
  const box = $("#worker-box") as HTMLDetailsElement;
  box.open = true;
  box.scrollIntoView();
  ($("#workspace-key") as HTMLInputElement).focus();
}

export async function loadAccount(session: Session): Promise<void> {
  const id = ++loading;
  setState("loading", null);
  $("#acct-status").textContent = "Loading /v1/account…";
  const query = new URLSearchParams({ workspace_id: session.workspace_id });
  const phone = ($("#acct-phone-id") as HTMLInputElement).value.trim();
  if (phone) query.set("phone_number_id", phone);
  try {
    const res = await workerFetch(session.key, `/v1/account?${query}`, "read the account");
    const body = (await res.json()) as AccountAnswer;
    if (id !== loading) return;
    if (!body || typeof body !== "object" || !body.account || typeof body.phone_number_id !== "string") {
      throw new SessionError("the answer is not the sendgate worker's account — is this page served by the sendgate worker?");
    }
    last = body;
    render(body);
    setState("loaded", null);
    $("#acct-status").textContent = `Loaded ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    if (id !== loading) return;
    $("#acct-status").textContent = "";
    last = null;
    replace($("#acct-out"));
    if (err instanceof SessionError && err.signedOut) signOut();
    setState(err instanceof SessionError && err.signedOut ? "signed-out" : "error", `Could not load the account: ${errorText(err)}`);
  }
}

const HEALTH_BADGE: Record<string, string> = { AVAILABLE: "ok", LIMITED: "warning", BLOCKED: "blocker" };

function healthRow(e: HealthEntity): HTMLElement {
  return h(
    "tr",
    { "data-entity": e.entity },
    h("td", null, e.entity, e.id ? h("span", { class: "muted mono" }, ` ${e.id}`) : null),
    h("td", null, h("span", { class: `badge ${HEALTH_BADGE[e.can_send_message] ?? ""}` }, e.can_send_message)),
    h(
      "td",
      null,
      (e.errors ?? []).map((x) =>
        h("p", null, h("code", null, String(x.error_code)), x.error_description ? ` ${x.error_description}` : "", x.possible_solution ? h("span", { class: "muted" }, ` — ${x.possible_solution}`) : null),
      ),
    ),
  );
}

function restrictionText(r: Restriction): string {
  return `${r.type}${r.until ? ` until ${when(r.until)}` : " (no end given)"}`;
}

function limitBar(m: AccountAnswer["messaging_limit"]): HTMLElement {
  if (!m) return h("p", { id: "acct-limit", class: "muted" }, "Messaging tier not known.");
  const share = m.limit ? Math.min(1, m.unique_recipients_24h / m.limit) : 0;
  return h(
    "div",
    { id: "acct-limit", class: "chart" },
    h(
      "p",
      null,
      h("strong", null, m.tier),
      m.limit === null
        ? `: no limit · ${fmtInt(m.unique_recipients_24h)} recipients in the last 24 h`
        : `: ${fmtInt(m.unique_recipients_24h)} of ${fmtInt(m.limit)} new recipients used in the last 24 h (${fmtPct(share)})`,
    ),
    m.limit === null
      ? null
      : h(
          "span",
          { class: "bar-track", role: "img", "aria-label": `${fmtPct(share)} of the limit used` },
          h("span", { class: `bar-fill${share >= 1 ? " full" : ""}`, style: `width:${Math.max(1, share * 100).toFixed(1)}%` }),
        ),
  );
}

function pendingText(p: AccountAnswer["templates_changing"][number]): string {
  const next = p.pending_category && typeof p.pending_category === "object" ? p.pending_category.category : p.pending_category;
  const at = p.effective_at ?? (p.pending_category && typeof p.pending_category === "object" ? p.pending_category.at : null);
  if (!next) return `now ${p.category ?? "(category not known)"}`;
  return `${p.category ?? "(category not known)"} → ${next}${at ? ` from ${when(at)}` : ""}`;
}

function render(a: AccountAnswer): void {
  const acc = a.account;
  const restrictions = acc.restrictions?.length ? acc.restrictions : acc.restriction ? [acc.restriction] : [];
  replace(
    $("#acct-out"),
    h(
      "dl",
      { class: "facts", id: "acct-facts" },
      h("dt", null, "Phone number id"),
      h("dd", { class: "mono" }, a.phone_number_id),
      h("dt", null, "WABA"),
      h("dd", { class: "mono" }, a.waba_id ?? "—"),
      h("dt", null, "Banned"),
      h("dd", { id: "acct-banned" }, acc.banned ? h("span", { class: "badge blocker" }, "✕ Banned by Meta") : "No"),
      h("dt", null, "Restriction"),
      h("dd", { id: "acct-restriction" }, restrictions.length ? restrictions.map((r) => h("p", null, h("span", { class: "badge blocker" }, "✕"), ` ${restrictionText(r)}`)) : "None"),
      h("dt", null, "Payment method"),
      h("dd", { id: "acct-payment-method" }, acc.payment_method === undefined ? "Not known" : acc.payment_method ? "On file" : h("span", { class: "badge blocker" }, "✕ Missing")),
      h("dt", null, "Phone quality"),
      h("dd", { id: "acct-quality" }, acc.phone_quality ?? "Not known"),
      h("dt", null, "Throughput"),
      h("dd", { id: "acct-throughput" }, a.throughput_mps === null || a.throughput_mps === undefined ? "Not known" : `${fmtInt(a.throughput_mps)} messages/s`, h("span", { class: "muted" }, a.throughput_source === "meta" ? " (from Meta)" : " (configured)")),
      h("dt", null, "Marketing Messages API"),
      h("dd", null, acc.marketing_messages_api ?? "Not known"),
      h("dt", null, "Health checked"),
      h("dd", null, when(a.health_checked_at)),
      h("dt", null, "Last change"),
      h("dd", null, when(a.updated_at)),
    ),
    h("h3", null, "Messaging limit"),
    limitBar(a.messaging_limit),
    h("h3", null, "Health per entity"),
    acc.health?.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { id: "acct-health" },
            h("caption", { class: "visually-hidden" }, "Meta's health status per entity"),
            h("thead", null, h("tr", null, h("th", { scope: "col" }, "Entity"), h("th", { scope: "col" }, "Can send"), h("th", { scope: "col" }, "Meta says"))),
            h("tbody", null, acc.health.map(healthRow)),
          ),
        )
      : h("p", { class: "muted" }, "Meta's health status has not been read yet."),
    h("h3", null, `Templates changing category (${a.templates_changing?.length ?? 0})`),
    a.templates_changing?.length
      ? h("ul", { id: "acct-changing" }, a.templates_changing.map((t) => h("li", { "data-name": t.name }, h("code", null, t.name), t.language ? ` (${t.language})` : "", `: ${pendingText(t)}`)))
      : h("p", { class: "muted" }, "None."),
    h(
      "div",
      { class: "toolbar" },
      h(
        "button",
        {
          type: "button",
          id: "acct-use",
          onclick: () => {
            useWorkerAccount(a.account, `phone number ${a.phone_number_id}`);
            $("#contact").scrollIntoView();
          },
        },
        "Use this account in the checks",
      ),
    ),
  );
}

export function initAccount(): void {
  $("#acct-load").addEventListener("click", () => {
    const s = activeSession();
    if (s) void loadAccount(s);
  });
  // Read when the panel is opened (or Refresh is pressed), not on every sign-in.
  const reader = whenOpened($("#account"), () => {
    const s = activeSession();
    if (s) void loadAccount(s);
  });
  onSession((s) => {
    if (!s) {
      reader.disarm();
      useWorkerAccount(null);
      setState("signed-out", null);
      showSignedOut();
      return;
    }
    ($("#acct-load") as HTMLButtonElement).disabled = false;
    setState("signed-in", null);
    replace($("#acct-out"), h("p", { class: "muted" }, "Choose Refresh to read the account from the worker."));
    reader.arm();
    if (returnTo) {
      location.hash = returnTo;
      document.getElementById(returnTo)?.scrollIntoView();
      returnTo = null;
    }
  });
}
