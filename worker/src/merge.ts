// What the gate sees: the platform's request merged with what the edge heard from Meta. Pure
// (no storage, no I/O), so it runs and is unit-tested in plain Node (test/merge.test.mjs). A new
// piece of edge state (account readiness, a template's latest category…) is merged here.
import type { SendRequest } from "sendgate";
import type { TemplateStatus } from "./objects/account.ts";
import type { RecipientState } from "./objects/recipient.ts";
import { toMs } from "./time.ts";

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The newer of the request's timestamp and the edge's. A malformed request value is kept as is
 *  so checkSend rejects it with its path instead of the edge silently replacing it. */
export function later(given: string | null | undefined, edge: string | null): string | null {
  if (given === undefined || given === null) return edge;
  const g = typeof given === "string" ? toMs(given) : null;
  if (g === null || edge === null) return given;
  return g >= (toMs(edge) ?? Number.NEGATIVE_INFINITY) ? given : edge;
}

/** a happened, and after b (or b never happened). */
export function happenedAfter(a: string | null, b: string | null): boolean {
  const ma = toMs(a);
  if (ma === null) return false;
  const mb = toMs(b);
  return mb === null || ma > mb;
}

/** The request as the platform saw it, updated with what the edge heard from Meta since (newer
 *  wins). Malformed parts are left as they are so checkSend reports them with their path. */
export function mergeEdge(
  req: SendRequest,
  edge: RecipientState | null,
  template: TemplateStatus | null,
  credits: { balance: number } | null,
  now: string,
): SendRequest {
  const merged: SendRequest = { ...req, now };
  if (edge && isObj(req.contact)) {
    const contact = { ...req.contact };
    contact.last_inbound_at = later(contact.last_inbound_at, edge.last_inbound_at);
    if (happenedAfter(edge.stop_reply_at, edge.start_reply_at) && contact.marketing_state !== "REDACTED") {
      contact.marketing_state = "UNSUBSCRIBED";
    }
    merged.contact = contact;
    const given: NonNullable<SendRequest["signals"]> = isObj(req.signals) ? req.signals : {};
    const signals = { ...given };
    signals.undeliverable_at = later(given.undeliverable_at, edge.undeliverable_at);
    signals.marketing_limited_at = later(given.marketing_limited_at, edge.marketing_limited_at);
    if (happenedAfter(edge.preference_stop_at, edge.preference_resume_at)) {
      signals.marketing_opted_out_at = later(given.marketing_opted_out_at, edge.preference_stop_at);
    } else if (
      typeof given.marketing_opted_out_at === "string" &&
      toMs(given.marketing_opted_out_at) !== null &&
      happenedAfter(edge.preference_resume_at, given.marketing_opted_out_at)
    ) {
      signals.marketing_opted_out_at = null;
    }
    merged.signals = signals;
  }
  // The edge only learns of Meta-side changes to an approved template (paused, disabled, …); it
  // never approves what the platform itself hasn't.
  const msg = req.message as unknown;
  if (template && isObj(msg) && msg.type === "template" && isObj(msg.template) && msg.template.status === "APPROVED") {
    merged.message = { ...(msg as object), template: { ...msg.template, status: template.status } } as SendRequest["message"];
  }
  if (credits) {
    const cost = isObj(req.credits) && req.credits.cost !== undefined ? req.credits.cost : 1;
    merged.credits = { balance: credits.balance, cost };
  }
  return merged;
}

/** The template a request names, when it names one well enough to look up its edge status. */
export function templateRef(req: SendRequest): { name: string; language: string } | null {
  const msg = req.message as unknown;
  if (!isObj(msg) || msg.type !== "template" || !isObj(msg.template)) return null;
  const { name, language } = msg.template;
  return typeof name === "string" && typeof language === "string" ? { name, language } : null;
}

/** Correlates Meta's status webhooks with the send (Meta echoes it, ≤ 512 bytes). */
export function callbackData(workspace: string, sendId: string): string {
  return `sg1:${workspace}:${sendId}`;
}

export function parseCallbackData(value: string | undefined): { workspace: string; send_id: string } | null {
  const m = value ? /^sg1:([A-Za-z0-9_.-]{1,64}):([0-9a-f-]{36})$/.exec(value) : null;
  return m ? { workspace: m[1], send_id: m[2] } : null;
}
