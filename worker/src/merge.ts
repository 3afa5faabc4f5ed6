// What the gate sees: the platform's request merged with what the edge heard from Meta. Pure
// (no storage, no I/O), so it runs and is unit-tested in plain Node (test/merge.test.mjs). A new
// piece of edge state (account readiness, a template's latest category…) is merged here.
import type { AccountState, MessagingTier, SendRequest } from "sendgate";
import type { AccountFacts, TemplateFacts, TemplateStatus } from "./objects/account.ts";
import type { NumberState } from "./objects/phone_number.ts";
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

/** What the edge heard from Meta about the sending number, its WABA and the template. */
export interface AccountEdge {
  number: NumberState | null;
  account: AccountFacts | null;
  template: TemplateFacts | null;
  /** The portfolio's unique business-initiated recipients of the last 24 hours. */
  unique_recipients_24h: number;
  /** This recipient is one of them. */
  messaged_in_last_24h: boolean;
  /** The tier assumed until Meta tells one (MESSAGING_LIMIT_TIER), or null. */
  default_tier: string | null;
}

/** The tier Meta told last (number or WABA, whichever heard it later), else the default. */
export function tierOf(edge: Pick<AccountEdge, "number" | "account" | "default_tier">): string | null {
  const n = edge.number?.tier ? { tier: edge.number.tier, at: edge.number.tier_at ?? 0 } : null;
  const a = edge.account?.tier ? { tier: edge.account.tier, at: edge.account.tier_at ?? 0 } : null;
  if (n && a) return (a.at >= n.at ? a : n).tier;
  return n?.tier ?? a?.tier ?? edge.default_tier;
}

/** The core's AccountState from what the edge heard, over the request's own `account` (the
 *  edge's word wins where it has one). Null when neither knows anything. */
export function accountStateOf(given: unknown, edge: AccountEdge): AccountState | null {
  const account: AccountState = isObj(given) ? { ...(given as AccountState) } : {};
  const { number, account: waba } = edge;
  if (number?.health) account.health = number.health;
  if (number?.payment_method !== null && number?.payment_method !== undefined) account.payment_method = number.payment_method;
  if (number?.quality) account.phone_quality = number.quality as AccountState["phone_quality"];
  if (waba?.restrictions) {
    account.restrictions = waba.restrictions;
    account.restriction = null;
  }
  if (waba?.banned !== null && waba?.banned !== undefined) account.banned = waba.banned;
  if (waba?.marketing_messages_api) account.marketing_messages_api = waba.marketing_messages_api;
  const tier = tierOf(edge);
  if (tier) account.messaging_limit = { tier: tier as MessagingTier, unique_recipients_24h: edge.unique_recipients_24h };
  return Object.keys(account).length > 0 || isObj(given) ? account : null;
}

/** `mergeEdge`'s result with the account, the portfolio count and the template's latest
 *  category and quality merged in. */
export function mergeAccount(req: SendRequest, edge: AccountEdge): SendRequest {
  const merged: SendRequest = { ...req };
  const account = accountStateOf(req.account, edge);
  if (account) merged.account = account;
  if (edge.messaged_in_last_24h) {
    const given = isObj(req.signals) ? req.signals : {};
    merged.signals = { ...given, messaged_in_last_24h: true };
  }
  const msg = req.message as unknown;
  const t = edge.template;
  if (t && isObj(msg) && msg.type === "template" && isObj(msg.template)) {
    const template: Record<string, unknown> = { ...msg.template };
    // A completed category change overrides the platform's category, like a status change.
    if (t.category) template.category = t.category;
    if (t.pending_category?.at && template.pending_category === undefined) {
      template.pending_category = { category: t.pending_category.category, at: t.pending_category.at };
    }
    if (t.quality && template.quality === undefined) template.quality = t.quality;
    merged.message = { ...(msg as object), template } as SendRequest["message"];
  }
  return merged;
}
