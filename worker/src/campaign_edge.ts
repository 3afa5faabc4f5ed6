// What the campaign engine asks of the edge, in one place: the campaign-wide state for the
// preflight, the gate of one contact at dispatch (gate.ts: edge state merged in, the phone
// number object's throughput token and the recipient's pair token taken) and the forward of the
// core's metaRequest (endpoint and body unchanged).
import { metaRequest } from "sendgate";
import type { SendRequest } from "sendgate";
import { config, type Config, type Env } from "./env.ts";
import { gateMany, refreshHealth, type GatedChunk } from "./gate.ts";
import { mergeAccount, mergeEdge } from "./merge.ts";
import { forward, type MetaResult } from "./meta.ts";
import { accountStubFor } from "./objects/account.ts";
import { phoneNumberStub } from "./objects/phone_number.ts";

export type ContactsGate = GatedChunk;

export function configuredMps(cfg: Config, phoneNumberId: string): number {
  return cfg.throughputByNumber[phoneNumberId] ?? cfg.throughputMps;
}

/** The preflight's view of the edge: what holds for every contact of the campaign (the number,
 *  the WABA, the template's status and latest category), read once; each contact's own state
 *  is read when it is dispatched. */
export async function preflightMerge(env: Env, phoneNumberId: string, template: { name: string; language: string }): Promise<(req: SendRequest, now: string) => SendRequest> {
  const cfg = config(env);
  const [n, a] = await Promise.all([
    phoneNumberStub(env, phoneNumberId).gate(phoneNumberId, cfg.throughputByNumber[phoneNumberId], cfg.throughputMps, false),
    accountStubFor(env, phoneNumberId).peek(template, null, Date.now()),
  ]);
  const edge = {
    number: n.number,
    account: a.account,
    template: a.template,
    unique_recipients_24h: a.unique_recipients_24h,
    messaged_in_last_24h: false,
    default_tier: cfg.defaultTier,
  };
  return (req, now) => mergeAccount(mergeEdge(req, null, a.template?.status ?? null, null, now), edge);
}

/** A chunk of contacts through gate.ts's batch form: the number's throughput tokens and the
 *  WABA's state taken once for the chunk, each recipient's state and pair token. */
export function gateChunk(env: Env, requests: SendRequest[], phoneNumberId: string): Promise<ContactsGate> {
  return gateMany(env, requests, phoneNumberId);
}

/** One attempt (retries are the queue's, counted by the campaign). */
export function forwardOnce(env: Env, phoneNumberId: string, req: SendRequest): Promise<MetaResult> | null {
  const meta = metaRequest(req);
  if (!meta) return null;
  const cfg = config(env);
  return forward({ ...cfg, maxAttempts: 1 }, phoneNumberId, meta.endpoint, meta.body);
}

/** A number- or account-scoped failure: the number's health_status is read again. */
export function numberFailed(env: Env, phoneNumberId: string): Promise<void> {
  return refreshHealth(env, phoneNumberId);
}
