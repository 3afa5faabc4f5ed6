import { checkSend } from "sendgate";
import type { Contact, Credits, MarketingState, Policy, SendRequest, Source, Verdict } from "sendgate";
import { $, h, replace, errorText, type Child } from "./dom";
import { readBalance } from "./credits";
import { findingCard } from "./findings";
import { currentAccount, currentNow, currentSignals, freeEntryPointUntil, onAccountSource } from "./account-input";
import { emit, on, selectTemplate, state } from "./state";

// Contact check: reads the form, asks sendgate's checkSend, shows the verdict. No rule lives here.

const el = {
  form: () => $("#contact-form") as HTMLFormElement,
  phone: () => $("#phone") as HTMLInputElement,
  country: () => $("#country") as HTMLInputElement,
  calling: () => $("#calling") as HTMLInputElement,
  userId: () => $("#user-id") as HTMLInputElement,
  marketing: () => $("#marketing") as HTMLSelectElement,
  lastInbound: () => $("#last-inbound") as HTMLInputElement,
  source: () => $("#source") as HTMLSelectElement,
  balance: () => $("#balance") as HTMLInputElement,
  message: () => $("#message") as HTMLSelectElement,
  text: () => $("#text") as HTMLTextAreaElement,
  policy: () => $("#policy") as HTMLSelectElement,
  verdict: () => $("#verdict"),
};

function orNull(s: string): string | null {
  const t = s.trim();
  return t === "" ? null : t;
}

/** The contact as typed (null fields when empty). */
export function currentContact(): Contact {
  const inbound = el.lastInbound().value;
  const at = inbound ? new Date(inbound) : null;
  return {
    phone: orNull(el.phone().value),
    phone_country_code: orNull(el.country().value),
    phone_calling_code: orNull(el.calling().value),
    marketing_state: el.marketing().value as MarketingState,
    last_inbound_at: at && !Number.isNaN(at.getTime()) ? at.toISOString() : null,
    user_id: orNull(el.userId().value),
    free_entry_point_until: freeEntryPointUntil(),
  };
}

export function currentSource(): Source {
  return el.source().value as Source;
}

/** The balance typed, or undefined for none (or for an invalid one, which the verdict reports). */
export function currentCredits(): Credits | undefined {
  const read = readBalance(el.balance());
  return "credits" in read ? read.credits : undefined;
}

export function currentPolicy(): Policy {
  return { consent: el.policy().value as "strict" | "by_category" };
}

function isEmptyForm(): boolean {
  return !el.phone().value.trim() && !el.country().value.trim() && !el.calling().value.trim() && !el.userId().value.trim();
}

/** `credits`: the balance already read by the caller, if it read one. */
export function buildRequest(credits = currentCredits()): SendRequest {
  const tpl = state.selected === null ? null : state.templates[state.selected];
  let last = state.parameters.length;
  while (last > 0 && state.parameters[last - 1] === "") last--;
  const request: SendRequest = {
    contact: currentContact(),
    source: currentSource(),
    message: tpl
      ? { type: "template", template: tpl, parameters: state.parameters.slice(0, last) }
      : { type: "text", text: el.text().value },
    policy: currentPolicy(),
  };
  if (credits) request.credits = credits;
  const account = currentAccount();
  if (account) request.account = account;
  const signals = currentSignals();
  if (signals) request.signals = signals;
  const now = currentNow();
  if (now) request.now = now;
  return request;
}

function timeLeft(closesAt: string): string {
  const ms = new Date(closesAt).getTime() - Date.now();
  if (ms <= 0) return "closing now";
  const min = Math.floor(ms / 60000);
  const hrs = Math.floor(min / 60);
  return hrs > 0 ? `${hrs} h ${min % 60} min left` : `${min} min left`;
}

function windowText(v: Verdict, hasInbound: boolean): string {
  if (v.window.open && v.window.closes_at) {
    return `Open — ${timeLeft(v.window.closes_at)} (closes ${new Date(v.window.closes_at).toLocaleString()})`;
  }
  return hasInbound
    ? "Closed — the customer's last message is more than 24 hours old; only templates can be sent"
    : "Closed — no customer message recorded; only templates can be sent";
}

function recipientText(v: Verdict): Child {
  if (!v.recipient) return h("span", { class: "muted" }, "none: neither a usable phone nor a BSUID");
  return [h("output", { class: "mono" }, v.recipient.id), h("span", { class: "muted" }, v.recipient.kind === "user_id" ? " (BSUID)" : " (phone)")];
}

/** The core's billing answer in words (the labels name its enumerations, no rule). */
const FREE_BECAUSE: Record<string, string> = {
  free_entry_point: "the free entry point window is open",
  service_window: "it is answered inside the customer-service window",
};

function billingText(v: Verdict): string {
  const b = v.billing;
  if (b.billable) return `${b.category} · billable`;
  return `${b.category} · free${b.free_because ? `: ${FREE_BECAUSE[b.free_because] ?? b.free_because}` : ""}`;
}

let firstVerdict = true;
let shown: Verdict | null = null;

/** The verdict on screen (null while the form is empty or the input cannot be checked). */
export function lastVerdict(): Verdict | null {
  return shown;
}
/** In-page latency samples (ms) from keydown to rendered verdict, read by the tests. */
const latency: number[] = [];
let keyAt: number | null = null;
(window as unknown as { __sendgate: object }).__sendgate = { latency };

function renderVerdict(): void {
  const out = el.verdict();
  shown = null;
  if (isEmptyForm()) {
    out.dataset.state = "empty";
    replace(
      out,
      h(
        "div",
        { class: "empty" },
        h("h3", null, "Enter a customer to check"),
        h(
          "ul",
          null,
          h("li", null, h("strong", null, "Phone"), " as stored on the contact, e.g. ", h("code", null, "+525512345678"), " or ", h("code", null, "5512345678"), "."),
          h("li", null, "Or the ", h("strong", null, "BSUID"), " of a customer known only by a WhatsApp username."),
          h("li", null, "If it has no ", h("code", null, "+"), ", the ", h("strong", null, "Country code"), " (e.g. MX) or ", h("strong", null, "Calling code"), " (e.g. 52)."),
          h("li", null, "The ", h("strong", null, "Marketing state"), " and, for inbox replies, when the customer last wrote."),
          h("li", null, "Pick a template under ", h("a", { href: "#templates" }, "Templates"), " or type free text."),
        ),
        h("p", { class: "muted" }, "The verdict appears as you type: eligible or blocked, every reason and what to do."),
      ),
    );
    return;
  }
  let verdict: Verdict;
  const showError = (text: string) => {
    out.dataset.state = "error";
    replace(out, h("div", { class: "error", role: "alert" }, h("strong", null, "This input cannot be checked: "), text));
  };
  const balance = readBalance(el.balance());
  if ("error" in balance) {
    showError(balance.error);
    return;
  }
  const request = buildRequest(balance.credits);
  try {
    verdict = checkSend(request);
  } catch (err) {
    showError(errorText(err));
    return;
  }
  shown = verdict;
  out.dataset.state = verdict.eligible ? "eligible" : "blocked";
  const status = verdict.eligible
    ? h("p", { class: "status ok" }, h("span", { class: "icon", "aria-hidden": "true" }, "✓"), " Eligible — this message will be sent")
    : h(
        "p",
        { class: "status bad" },
        h("span", { class: "icon", "aria-hidden": "true" }, "✕"),
        ` Blocked — ${verdict.blockers.length} ${verdict.blockers.length === 1 ? "reason" : "reasons"}`,
      );
  const copied = (s: string) => {
    const live = document.getElementById("verdict-live");
    if (live) live.textContent = `Copied ${s} to the clipboard`;
  };
  replace(
    out,
    status,
    h(
      "dl",
      { class: "facts" },
      h("dt", null, "Sends to"),
      h("dd", null, verdict.to ? h("output", { class: "mono", id: "verdict-to" }, verdict.to) : h("span", { class: "muted" }, "no number (it cannot be formatted as E.164)")),
      h("dt", null, "Recipient"),
      h("dd", { id: "verdict-recipient", "data-kind": verdict.recipient?.kind ?? "none" }, recipientText(verdict)),
      h("dt", null, "24-hour window"),
      h("dd", { id: "verdict-window" }, windowText(verdict, !!request.contact.last_inbound_at)),
      h("dt", null, "Billing"),
      h("dd", { id: "verdict-billing", "data-billable": String(verdict.billing.billable) }, billingText(verdict)),
      h("dt", null, "Cost"),
      h("dd", null, `${verdict.cost} ${verdict.cost === 1 ? "credit" : "credits"}`),
      h("dt", null, "Endpoint"),
      h("dd", { id: "verdict-endpoint" }, verdict.endpoint ? h("code", null, `/${verdict.endpoint}`) : h("span", { class: "muted" }, "none: the send is blocked")),
    ),
    verdict.blockers.length
      ? [h("h3", null, `Blockers (${verdict.blockers.length})`), verdict.blockers.map((f) => findingCard(f, "blocker", copied))]
      : null,
    verdict.warnings.length
      ? [h("h3", null, `Warnings (${verdict.warnings.length})`), verdict.warnings.map((f) => findingCard(f, "warning", copied))]
      : null,
    h("p", { id: "verdict-live", class: "visually-hidden", role: "status" }),
  );
  // Screen readers hear the outcome when it changes, not the whole panel on every keystroke.
  const summary = verdict.eligible
    ? `Eligible, sends to ${verdict.recipient?.id ?? verdict.to}`
    : `Blocked: ${verdict.blockers.map((b) => b.reason).join(", ")}`;
  const live = document.getElementById("verdict-summary");
  if (live && live.textContent !== summary) live.textContent = summary;
  if (firstVerdict) {
    firstVerdict = false;
    performance.mark("sendgate:first-verdict");
  }
  if (keyAt !== null) {
    if (latency.length >= 200) latency.shift();
    latency.push(performance.now() - keyAt);
    keyAt = null;
  }
}

function renderMessageOptions(): void {
  const select = el.message();
  const options = [h("option", { value: "text" }, "Free text (session message)")];
  state.templates.forEach((t, i) => {
    options.push(h("option", { value: String(i) }, `${t.name} (${t.language}) — ${t.status}`));
  });
  replace(select, options);
  select.value = state.selected === null ? "text" : String(state.selected);
  ($("#text-field") as HTMLElement).hidden = state.selected !== null;
}

export function initContact(): void {
  const form = el.form();
  form.addEventListener("submit", (e) => e.preventDefault());
  form.addEventListener("keydown", (e) => {
    keyAt = e.timeStamp;
  });
  const changed = () => {
    renderVerdict();
    emit("contact");
  };
  form.addEventListener("input", (e) => {
    if (e.target === el.message()) return;
    changed();
  });
  form.addEventListener("change", (e) => {
    if (e.target === el.message()) {
      const v = el.message().value;
      selectTemplate(v === "text" ? null : Number(v));
    }
  });
  el.country().addEventListener("input", () => {
    const c = el.country();
    const up = c.value.toUpperCase();
    if (up !== c.value) c.value = up;
  });
  on("templates", renderMessageOptions);
  on("selection", () => {
    renderMessageOptions();
    renderVerdict();
  });

  // Prefill from the address (?phone=…&country=MX…): support agents can share a check as a link.
  const params = new URLSearchParams(location.search);
  const prefill: [string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement][] = [
    ["phone", el.phone()], ["country", el.country()], ["calling", el.calling()], ["user_id", el.userId()], ["marketing_state", el.marketing()],
    ["source", el.source()], ["balance", el.balance()], ["policy", el.policy()], ["text", el.text()],
  ];
  for (const [key, input] of prefill) {
    const v = params.get(key);
    if (v !== null) input.value = v;
  }
  onAccountSource(changed);
  renderMessageOptions();
  renderVerdict();
  // The window's time left moves with the clock.
  setInterval(() => {
    if (el.verdict().dataset.state !== "empty" && el.lastInbound().value) renderVerdict();
  }, 30_000);
}

export function refreshVerdict(): void {
  renderVerdict();
}
