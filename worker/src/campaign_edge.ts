// What the campaign engine asks of the edge, in one place: the campaign-wide state for the
// preflight, the gate of one contact at dispatch (edge state merged in, the number's throughput
// token and the pair token taken) and the forward of the core's metaRequest.
import { metaRequest } from "sendgate";
import type { SendRequest } from "sendgate";
import { config, type Config, type Env } from "./env.ts";
import { mergeEdge, templateRef } from "./merge.ts";
import { forward, type MetaResult } from "./meta.ts";
import { accountStub } from "./objects/account.ts";
import { recipientKeyOfRequest, recipientStub } from "./objects/recipient.ts";

export interface Token {
  ok: boolean;
  retry_after: number;
}

export interface ContactGate {
  /** The request merged with the edge's current state (`now` set). */
  request: SendRequest;
  throughput: Token;
  pair: Token;
  /** The number's messages per second (Meta's when known, else configured). */
  mps: number;
  /** Gives both tokens back (the contact is not sent now). */
  refund(): Promise<unknown>;
}

export function configuredMps(cfg: Config, phoneNumberId: string): number {
  return cfg.throughputByNumber[phoneNumberId] ?? cfg.throughputMps;
}

/** The preflight's view of the edge: what holds for every contact of the campaign (the
 *  template's status); each contact's own state is re-read at dispatch. */
export async function preflightMerge(env: Env, phoneNumberId: string, template: { name: string; language: string }): Promise<(req: SendRequest, now: string) => SendRequest> {
  void phoneNumberId;
  const status = await accountStub(env).getTemplateStatus(template.name, template.language);
  return (req, now) => mergeEdge(req, null, status, null, now);
}

export async function gateContact(env: Env, req: SendRequest, phoneNumberId: string): Promise<ContactGate> {
  const cfg = config(env);
  const key = recipientKeyOfRequest(req);
  const mps = configuredMps(cfg, phoneNumberId);
  const recipient = key ? recipientStub(env, key) : null;
  const account = accountStub(env);
  const [r, a] = await Promise.all([
    recipient && key ? recipient.gate(key, phoneNumberId, cfg.pairIntervalSeconds, cfg.pairBurst) : null,
    account.gate(templateRef(req), phoneNumberId, mps),
  ]);
  const pair = r?.pair ?? { ok: true, retry_after: 0 };
  return {
    request: mergeEdge(req, r?.state ?? null, a.template, null, new Date().toISOString()),
    throughput: a.throughput,
    pair,
    mps,
    refund: () =>
      Promise.all([
        pair.ok && recipient && key ? recipient.refundPair(key, phoneNumberId, cfg.pairIntervalSeconds, cfg.pairBurst) : null,
        a.throughput.ok ? account.refund(phoneNumberId, mps) : null,
      ]),
  };
}

/** One attempt (retries are the queue's, counted by the campaign). */
export function forwardOnce(env: Env, phoneNumberId: string, req: SendRequest): Promise<MetaResult> | null {
  const meta = metaRequest(req);
  if (!meta) return null;
  const cfg = config(env);
  return forward({ ...cfg, maxAttempts: 1 }, phoneNumberId, meta.body);
}
