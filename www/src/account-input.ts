import type { AccountState, CanSendMessage, HealthEntity, MessagingTier, Rfc3339, Signals } from "sendgate";
import { $ } from "./dom";

// The contact check's "Account" section read as the core's `account` input (and the
// `signals.messaged_in_last_24h` and `now` it goes with). Either the fields typed here, or the
// state the worker reported (GET /v1/account) when the merchant chose to use it. No rule here:
// the core decides what a BLOCKED entity or a missing payment method does to a send.

let fromWorker: { account: AccountState; label: string } | null = null;
const listeners = new Set<() => void>();

/** Use the worker's account state in the checks (null: the fields typed in the form). */
export function useWorkerAccount(account: AccountState | null, label = ""): void {
  if (!account && !fromWorker) return;
  fromWorker = account ? { account, label } : null;
  const note = $("#acct-worker");
  const form = $("#acct-form");
  note.hidden = !fromWorker;
  form.hidden = !!fromWorker;
  note.textContent = fromWorker ? `Using the account state the worker reported for ${label}. ` : "";
  if (fromWorker) {
    const stop = document.createElement("button");
    stop.type = "button";
    stop.className = "small";
    stop.id = "acct-worker-stop";
    stop.textContent = "Type it instead";
    stop.addEventListener("click", () => useWorkerAccount(null));
    note.append(stop);
  }
  for (const fn of listeners) fn();
}

export function onAccountSource(fn: () => void): void {
  listeners.add(fn);
}

function localTime(id: string): Rfc3339 | null {
  const v = ($(`#${id}`) as HTMLInputElement).value;
  if (!v) return null;
  const at = new Date(v);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** The account as typed (undefined when nothing is known), or the worker's. */
export function currentAccount(): AccountState | undefined {
  if (fromWorker) return fromWorker.account;
  const account: AccountState = {};
  const health: HealthEntity[] = [];
  for (const sel of document.querySelectorAll<HTMLSelectElement>("#acct-form select[data-entity]")) {
    if (sel.value) health.push({ entity: sel.dataset.entity!, can_send_message: sel.value as CanSendMessage });
  }
  if (health.length) account.health = health;
  const payment = ($("#acct-payment") as HTMLSelectElement).value;
  if (payment) account.payment_method = payment === "yes";
  const tier = ($("#acct-tier") as HTMLSelectElement).value;
  if (tier) {
    // A negative or fractional count goes to the core as typed: its input error names the field.
    const used = ($("#acct-used") as HTMLInputElement).value.trim();
    account.messaging_limit = { tier: tier as MessagingTier, unique_recipients_24h: used === "" ? 0 : Number(used) };
  }
  return Object.keys(account).length ? account : undefined;
}

export function currentSignals(): Signals | undefined {
  return ($("#acct-messaged") as HTMLInputElement).checked ? { messaged_in_last_24h: true } : undefined;
}

/** The "Check as of" time, or undefined for now. */
export function currentNow(): Rfc3339 | undefined {
  return localTime("check-now") ?? undefined;
}

export function freeEntryPointUntil(): Rfc3339 | null {
  return localTime("free-entry");
}
