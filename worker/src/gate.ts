// Gathering the edge's state for one send and merging it into the SendRequest: the one step
// /v1/check, /v1/send and the campaign consumer share. Every object is asked at once (one round
// trip each, in parallel): the recipient (window, opt-outs, signals, pair token), the phone
// number (health, quality, tier, throughput token), the WABA's account object (template status,
// category and quality, account readiness, the portfolio's 24 h recipients) and, for a check,
// the workspace's balance.
import type { SendRequest, Verdict } from "sendgate";
import { config, type Env } from "./env.ts";
import { mergeAccount, mergeEdge, templateRef } from "./merge.ts";
import { accountStubFor, type AccountPeek } from "./objects/account.ts";
import { phoneNumberStub, type NumberState, type Throughput } from "./objects/phone_number.ts";
import { recipientKeyOfRequest, recipientStub, type RecipientState } from "./objects/recipient.ts";
import { toMs } from "./time.ts";

export interface Token {
  ok: boolean;
  retry_after: number;
}

export interface GateOptions {
  /** The sending number; null when none is configured (no number or account state then). */
  phoneNumberId: string | null;
  /** Take the throughput and pair tokens (a send); a check only reads. */
  take: boolean;
  /** The workspace's available credits (a value, or a pending read done alongside). */
  balance: number | Promise<number> | null;
  /** The request's `now`, else the current time. */
  now?: string;
}

export interface Gated {
  /** The request merged with the edge's state (not yet validated: checkSend may reject it). */
  request: SendRequest;
  recipient: string | null;
  recipientState: RecipientState | null;
  number: NumberState | null;
  account: AccountPeek | null;
  rate: Throughput | null;
  throughput: Token;
  pair: Token;
  /** Gives the tokens back (a send that did not go out). */
  refund(): Promise<unknown>;
}

const FREE: Token = { ok: true, retry_after: 0 };

export async function gate(env: Env, req: SendRequest, opts: GateOptions): Promise<Gated> {
  const cfg = config(env);
  const key = recipientKeyOfRequest(req);
  const tpl = templateRef(req);
  const pnid = opts.phoneNumberId;
  const now = opts.now ?? (typeof req.now === "string" ? req.now : new Date().toISOString());
  const nowMs = toMs(now) ?? Date.now();
  const configured = pnid ? cfg.throughputByNumber[pnid] : undefined;
  const recipient = key ? recipientStub(env, key) : null;
  const number = pnid ? phoneNumberStub(env, pnid) : null;
  const account = pnid ? accountStubFor(env, pnid) : null;
  const [r, n, a, balance] = await Promise.all([
    recipient && key
      ? opts.take && pnid
        ? recipient.gate(key, pnid, cfg.pairIntervalSeconds, cfg.pairBurst)
        : recipient.getState(key).then((state) => ({ state, pair: FREE }))
      : null,
    number && pnid ? number.gate(pnid, configured, cfg.throughputMps, opts.take) : null,
    account ? account.peek(tpl, key, nowMs) : null,
    opts.balance,
  ]);
  let merged = mergeEdge(req, r?.state ?? null, a?.template?.status ?? null, balance === null ? null : { balance }, now);
  if (n || a) {
    merged = mergeAccount(merged, {
      number: n?.number ?? null,
      account: a?.account ?? null,
      template: a?.template ?? null,
      unique_recipients_24h: a?.unique_recipients_24h ?? 0,
      messaged_in_last_24h: a?.messaged_in_last_24h ?? false,
      default_tier: cfg.defaultTier,
    });
  }
  const throughput = n?.throughput ?? FREE;
  const pair = r?.pair ?? FREE;
  return {
    request: merged,
    recipient: key,
    recipientState: r?.state ?? null,
    number: n?.number ?? null,
    account: a,
    rate: n?.rate ?? null,
    throughput,
    pair,
    refund: () =>
      Promise.all([
        opts.take && r?.pair.ok && recipient && key && pnid ? recipient.refundPair(key, pnid, cfg.pairIntervalSeconds, cfg.pairBurst) : null,
        opts.take && throughput.ok && number && pnid ? number.refund(pnid, configured, cfg.throughputMps) : null,
      ]),
  };
}

/** After Meta accepted a send: a business-initiated one (a template outside the service window)
 *  counts its recipient in the portfolio's 24 h set. */
export async function afterAccepted(env: Env, gated: Gated, phoneNumberId: string, verdict: Verdict, at = Date.now()): Promise<void> {
  const msg = gated.request.message as { type?: unknown } | undefined;
  if (msg?.type !== "template" || verdict.window.open || !gated.recipient) return;
  await accountStubFor(env, phoneNumberId).countRecipient(gated.recipient, at);
}

/** After an account- or number-scoped failure: read the number's health_status now. */
export function refreshHealth(env: Env, phoneNumberId: string): Promise<void> {
  return phoneNumberStub(env, phoneNumberId).refreshSoon(phoneNumberId);
}

/** One contact of `gateMany`: its merged request, its pair token, and whether the chunk's
 *  throughput tokens cover it (the first `taken` contacts that go out use them). */
export interface GatedContact {
  request: SendRequest;
  recipient: string | null;
  pair: Token;
}

export interface GatedChunk {
  contacts: GatedContact[];
  rate: Throughput;
  /** Throughput tokens taken for the chunk, and the whole seconds until the next one. */
  throughput: { taken: number; retry_after: number };
  /** Gives back `unused` throughput tokens and the pair tokens of the contacts not sent. */
  refund(unused: number, notSent: number[]): Promise<unknown>;
  /** `afterAccepted` for the chunk's accepted sends (one call). */
  accepted(sent: { index: number; verdict: Verdict }[], at?: number): Promise<unknown>;
}

/** `gate` for a chunk of campaign sends through one number: the number and the WABA are asked
 *  once for the whole chunk (up to `requests.length` throughput tokens at once), each recipient
 *  for its own state and pair token; the merge is the same as `gate`'s. */
export async function gateMany(env: Env, requests: SendRequest[], phoneNumberId: string, now = new Date().toISOString()): Promise<GatedChunk> {
  const cfg = config(env);
  const nowMs = toMs(now) ?? Date.now();
  const configured = cfg.throughputByNumber[phoneNumberId];
  const keys = requests.map((r) => recipientKeyOfRequest(r));
  const tpl = requests.length ? templateRef(requests[0]) : null;
  const number = phoneNumberStub(env, phoneNumberId);
  const account = accountStubFor(env, phoneNumberId);
  const [rs, n, a] = await Promise.all([
    Promise.all(keys.map((key) => (key ? recipientStub(env, key).gate(key, phoneNumberId, cfg.pairIntervalSeconds, cfg.pairBurst) : null))),
    number.gateMany(phoneNumberId, configured, cfg.throughputMps, requests.length),
    account.peekMany(tpl, keys, nowMs),
  ]);
  const contacts = requests.map((req, i): GatedContact => {
    const r = rs[i];
    const merged = mergeAccount(mergeEdge(req, r?.state ?? null, a.template?.status ?? null, null, now), {
      number: n.number,
      account: a.account,
      template: a.template,
      unique_recipients_24h: a.unique_recipients_24h,
      messaged_in_last_24h: a.messaged[i],
      default_tier: cfg.defaultTier,
    });
    return { request: merged, recipient: keys[i], pair: r?.pair ?? FREE };
  });
  return {
    contacts,
    rate: n.rate,
    throughput: n.throughput,
    refund: (unused, notSent) =>
      Promise.all([
        unused > 0 ? number.refundMany(phoneNumberId, configured, cfg.throughputMps, unused) : null,
        ...notSent.map((i) => {
          const key = keys[i];
          return rs[i]?.pair.ok && key ? recipientStub(env, key).refundPair(key, phoneNumberId, cfg.pairIntervalSeconds, cfg.pairBurst) : null;
        }),
      ]),
    accepted: (sent, at = Date.now()) => {
      const counted = sent
        .filter(({ index, verdict }) => (contacts[index].request.message as { type?: unknown }).type === "template" && !verdict.window.open && keys[index])
        .map(({ index }) => keys[index] as string);
      return counted.length ? account.countRecipients(counted, at) : Promise.resolve();
    },
  };
}
