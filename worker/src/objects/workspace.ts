// One Durable Object per workspace: idempotency records, the credit ledger (ledger.ts), every
// send's outcome and the failures log (outcomes.ts). A send runs inside this object so that
// concurrent requests with one idempotency key share a single attempt and the ledger is checked
// and reserved atomically.
import { DurableObject } from "cloudflare:workers";
import { checkSend, classifyFailure, metaRequest } from "sendgate";
import type { Classification, SendRequest, Signal, Verdict, WebhookEvent } from "sendgate";
import { config, type Env } from "../env.ts";
import type { Scope } from "../keys.ts";
import { errorBody, inputErrorAnswer, isInputError, type Answer } from "../http.ts";
import { afterAccepted, gate, refreshHealth } from "../gate.ts";
import { callbackData, parseCallbackData } from "../merge.ts";
import { forward } from "../meta.ts";
import { retryAfterHeader } from "../retry.ts";
import { WORKSPACE_SCHEMA } from "./schemas.ts";
import { Store, int, optInt, optText, text, type Row } from "../store.ts";
import { toMs } from "../time.ts";
import { Access, type KeyGrant, type KeyRecord, type Profile } from "./access.ts";
import { Ledger } from "./ledger.ts";
import { Outcomes, type FailureQuery, type SendFacts } from "./outcomes.ts";
import { recipientKeyOfRequest, recipientKeyOfUserId, recipientKeyOfWaId, recipientStub } from "./recipient.ts";

export interface SendCommand {
  workspace: string;
  key: string;
  hash: string;
  request: SendRequest;
  phone_number_id: string;
  /** A workspace key's send: only through the workspace's own numbers (its profile's, or the
   *  deployment's default when it has none). The platform's key may use any. */
  own_numbers_only: boolean;
}

type StatusEvent = Extract<WebhookEvent, { kind: "status" }>;

const IDEMPOTENCY_TTL_MS = 48 * 3600_000;
/** How long after its budget an attempt with no live promise counts as interrupted. */
const STALE_MARGIN_MS = 30_000;
const WEBHOOK_DEDUPE_TTL_MS = 8 * 24 * 3600_000;
const DELIVERY_RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3, failed: 4 };

/** An idempotency record: `pending` while its attempt runs, `done` with the stored answer. */
interface IdemRow {
  hash: string;
  send_id: string;
  state: "pending" | "done";
  status: number | null;
  response: string | null;
  at: number;
}

function idemRow(r: Row): IdemRow {
  const state = text(r, "state");
  if (state !== "pending" && state !== "done") throw new Error(`idem.state: unexpected ${state}`);
  return { hash: text(r, "hash"), send_id: text(r, "send_id"), state, status: optInt(r, "status"), response: optText(r, "response"), at: int(r, "at") };
}

/** The answer body of a send that ended `failed`: the error, which send it was, then the why. */
function failedBody(error: ReturnType<typeof errorBody>, sendId: string, key: string, why: Record<string, unknown>) {
  return { ...error, outcome: "failed", send_id: sendId, idempotency_key: key, ...why };
}

export class WorkspaceDO extends DurableObject<Env> {
  private store: Store;
  private ledger: Ledger;
  private outcomes: Outcomes;
  private access: Access;
  /** Sends in progress by idempotency key: concurrent duplicates await the same answer. */
  private inflight = new Map<string, Promise<Answer>>();
  private alarmSet = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new Store(ctx.storage, WORKSPACE_SCHEMA);
    this.ledger = new Ledger(this.store);
    this.outcomes = new Outcomes(this.store);
    this.access = new Access(this.store);
  }

  /** Writes, and the reads inside them, go through here: the first one creates the tables. */
  private get sql(): SqlStorage {
    return this.store.sql;
  }

  // ---- credits -------------------------------------------------------------------------------

  credits(workspace: string) {
    return { workspace_id: workspace, ...this.ledger.credits() };
  }

  /** Admin top-up; a repeated `reference` is applied once. */
  topUp(workspace: string, amount: number, reference: string | null) {
    const applied = this.ledger.topUp(amount, reference);
    return { ...this.credits(workspace), applied };
  }

  available(): number {
    return this.ledger.available();
  }

  // ---- access --------------------------------------------------------------------------------

  addKey(keyId: string, hash: string, label: string | null, scopes: Scope[]): KeyRecord | null {
    return this.access.addKey(keyId, hash, label, scopes);
  }

  keys(): KeyRecord[] {
    return this.access.keys();
  }

  revokeKey(keyId: string): KeyRecord | null {
    return this.access.revoke(keyId);
  }

  verifyKey(keyId: string, hash: string): KeyGrant | null {
    return this.access.verify(keyId, hash);
  }

  profile(): Profile {
    return this.access.profile();
  }

  setProfile(update: Partial<Profile>): Profile {
    return this.access.setProfile(update);
  }

  /** Whether this workspace ever sent (or tried to send) to the recipient. */
  knowsRecipient(key: string): boolean {
    return this.outcomes.sentTo(key);
  }

  // ---- send ----------------------------------------------------------------------------------

  async send(cmd: SendCommand): Promise<Answer> {
    if (cmd.own_numbers_only && !this.mayUseNumber(cmd.phone_number_id)) {
      return { status: 403, body: errorBody("forbidden", "this key may send only through its workspace's business numbers", "phone_number_id") };
    }
    this.scheduleCleanup();
    const row = this.idem(cmd.key);
    if (row) {
      if (row.hash !== cmd.hash) {
        return {
          status: 422,
          body: errorBody("idempotency_key_reused", "this idempotency_key was used with a different request body", "idempotency_key"),
        };
      }
      if (row.state === "done") {
        const body: unknown = JSON.parse(row.response ?? "null");
        const retryAt = typeof body === "object" && body !== null ? (body as { retry_at?: unknown }).retry_at : undefined;
        return { status: row.status ?? 500, body, headers: { "idempotent-replayed": "true", ...retryAfterHeader(retryAt, Date.now()) } };
      }
      const pending = this.inflight.get(cmd.key);
      if (pending) return pending;
      // Pending without an attempt in this instance: the object restarted mid-send. Once the
      // attempt's time budget is surely over, it is settled; until then the caller waits.
      if (Date.now() - row.at < config(this.env).budgetMs + STALE_MARGIN_MS) {
        return { status: 409, body: errorBody("idempotency_in_progress", "a send with this idempotency_key is in progress"), headers: { "retry-after": "5" } };
      }
      const settled = this.settleInterrupted(cmd, row.send_id);
      if (settled) return settled;
    }
    // runSend records the pending row before its first await, so a request arriving meanwhile
    // finds either the row or the in-flight promise.
    const attempt = this.runSend(cmd);
    this.inflight.set(cmd.key, attempt);
    try {
      return await attempt;
    } finally {
      this.inflight.delete(cmd.key);
    }
  }

  /** Whether this workspace's keys may send through the number (its profile's numbers, or the
   *  deployment's default when it has none). */
  mayUseNumber(phoneNumberId: string): boolean {
    const own = this.access.profile().phone_number_ids;
    return own.length > 0 ? own.includes(phoneNumberId) : phoneNumberId === this.env.META_PHONE_NUMBER_ID;
  }

  private idem(key: string): IdemRow | null {
    const r = this.sql.exec("SELECT hash, send_id, state, status, response, at FROM idem WHERE key = ?", key).toArray()[0];
    return r ? idemRow(r) : null;
  }

  private storeAnswer(key: string, answer: Answer): void {
    this.sql.exec("UPDATE idem SET state = 'done', status = ?, response = ? WHERE key = ?", answer.status, JSON.stringify(answer.body), key);
  }

  private recordSend(sendId: string, cmd: SendCommand, facts: SendFacts): void {
    this.outcomes.recordSend(sendId, cmd.key, cmd.phone_number_id, facts);
  }

  /** An attempt cut off by a restart. If it never reached Meta, the key starts over (returns
   *  null); if it was waiting on Meta, nobody knows whether Meta took it: it ends `failed`,
   *  ambiguous, reservation released (a later delivered webhook still debits it). */
  private settleInterrupted(cmd: SendCommand, sendId: string): Answer | null {
    const send = this.outcomes.outcomeOf(sendId);
    if (send?.outcome !== "forwarding") {
      this.ledger.settle(sendId, "released");
      this.sql.exec("DELETE FROM idem WHERE key = ?", cmd.key);
      return null;
    }
    const c = classifyFailure("TRANSIENT_ERROR");
    c.details = "the attempt was interrupted while waiting for Meta";
    this.ledger.settle(sendId, "released");
    this.recordSend(sendId, cmd, { outcome: "failed", http_status: 502, reason: c.reason, meta_code: c.meta_code ?? null });
    this.outcomes.recordFailure({ source: "send", reason: c.reason, send_id: sendId, key: cmd.key, detail: { classification: c, ambiguous: true, to: send.to_e164 } });
    const answer: Answer = {
      status: 502,
      body: failedBody(errorBody("meta_failed", c.title), sendId, cmd.key, { to: send.to_e164, classification: c, ambiguous: true }),
    };
    this.storeAnswer(cmd.key, answer);
    return answer;
  }

  private async runSend(cmd: SendCommand): Promise<Answer> {
    const sendId = crypto.randomUUID();
    this.sql.exec("INSERT INTO idem (key, hash, send_id, state, at) VALUES (?, ?, ?, 'pending', ?)", cmd.key, cmd.hash, sendId, Date.now());
    try {
      const result = await this.gateAndForward(cmd, sendId);
      if (result.store) this.storeAnswer(cmd.key, result.answer);
      else this.sql.exec("DELETE FROM idem WHERE key = ?", cmd.key);
      return result.answer;
    } catch (e) {
      // An internal failure (e.g. another object unreachable) before Meta was called: the send
      // still ends with one recorded outcome, and the key can be retried.
      this.ledger.settle(sendId, "released");
      this.recordSend(sendId, cmd, { outcome: "error", http_status: 500 });
      this.sql.exec("DELETE FROM idem WHERE key = ?", cmd.key);
      throw e;
    }
  }

  private async gateAndForward(cmd: SendCommand, sendId: string): Promise<{ answer: Answer; store: boolean }> {
    const cfg = config(this.env);
    const key = recipientKeyOfRequest(cmd.request);
    if (cfg.metaBaseProblem) return { answer: this.misconfigured(cmd, sendId, key, cfg.metaBaseProblem), store: false };
    const pnid = cmd.phone_number_id;
    // One parallel round trip for edge state and both rate-limit tokens (gate.ts); tokens are
    // given back when the send doesn't go out, so blocked sends never count against the limits.
    const g = await gate(this.env, cmd.request, { phoneNumberId: pnid, take: true, balance: this.ledger.available(), now: new Date().toISOString() });
    const refund = () => g.refund();
    let merged: SendRequest;
    let verdict: Verdict;
    try {
      merged = g.request;
      verdict = checkSend(merged);
    } catch (e) {
      await refund();
      if (isInputError(e)) return { answer: inputErrorAnswer(e), store: false };
      throw e;
    }
    if (!verdict.eligible) {
      await refund();
      return { answer: this.blocked(cmd, sendId, key, verdict), store: true };
    }

    const { throughput, pair } = g;
    if (!throughput.ok || !pair.ok) {
      await refund();
      const retryAfter = Math.max(throughput.retry_after, pair.retry_after);
      const limit = !throughput.ok ? "phone_number_throughput" : "pair_rate";
      this.recordSend(sendId, cmd, { outcome: "rate_limited", http_status: 429, recipient: key, to_e164: verdict.to, reason: limit });
      // Not stored for idempotency: the caller retries the same key after Retry-After.
      return {
        answer: {
          status: 429,
          body: { ...errorBody("rate_limited", `${limit} limit reached; retry after ${retryAfter} s`), outcome: "rate_limited", send_id: sendId, limit, retry_after: retryAfter },
          headers: { "retry-after": String(retryAfter) },
        },
        store: false,
      };
    }

    const cost = verdict.cost;
    if (cost > 0) {
      const reserved = this.ledger.reserve(cost, () =>
        this.recordSend(sendId, cmd, { outcome: "forwarding", recipient: key, to_e164: verdict.to, cost, ledger: "reserved" }),
      );
      if (!reserved) {
        // Another send took the last credits while this one waited on the limits: gate again.
        await refund();
        const again = checkSend({ ...merged, credits: { balance: this.ledger.available(), cost } });
        return { answer: this.blocked(cmd, sendId, key, again), store: true };
      }
    } else {
      this.recordSend(sendId, cmd, { outcome: "forwarding", recipient: key, to_e164: verdict.to });
    }

    // Meta's exact request, built by the core from the same merged request the verdict judged.
    const meta = metaRequest({ ...merged, biz_opaque_callback_data: callbackData(cmd.workspace, sendId) });
    if (!meta) throw new Error("metaRequest found no request for an eligible verdict");
    const result = await forward(cfg, cmd.phone_number_id, meta.endpoint, meta.body);
    if (result.ok) {
      this.recordSend(sendId, cmd, { outcome: "accepted", http_status: 200, wamid: result.wamid, wa_id: result.wa_id, attempts: result.attempts });
      try {
        await afterAccepted(this.env, g, pnid, verdict);
      } catch (e) {
        console.error("portfolio recipient not counted", e instanceof Error ? e.message : String(e));
      }
      return {
        answer: {
          status: 200,
          body: {
            outcome: "accepted",
            send_id: sendId,
            idempotency_key: cmd.key,
            wamid: result.wamid,
            wa_id: result.wa_id,
            message_status: result.message_status,
            to: verdict.to,
            cost,
            attempts: result.attempts,
            verdict,
          },
        },
        store: true,
      };
    }
    const c = result.classification;
    this.ledger.settle(sendId, "released");
    this.recordSend(sendId, cmd, { outcome: "failed", http_status: 502, reason: c.reason, meta_code: c.meta_code ?? null, attempts: result.attempts });
    this.outcomes.recordFailure({
      source: "send",
      reason: c.reason,
      meta_code: c.meta_code,
      recipient: key,
      send_id: sendId,
      key: cmd.key,
      detail: { classification: c, http_status: result.http_status, attempts: result.attempts, ambiguous: result.ambiguous, to: verdict.to },
    });
    if (c.scope === "account" || c.scope === "phone_number") {
      refreshHealth(this.env, pnid).catch((e) => console.error("health_status refresh not started", e instanceof Error ? e.message : String(e)));
    }
    if (c.signal) {
      try {
        await this.signalRecipient(key, c.signal, Date.now());
      } catch (e) {
        // The outcome is recorded; the signal also arrives with Meta's failed webhook.
        console.error("recipient signal not stored", e instanceof Error ? e.message : String(e));
      }
    }
    return {
      answer: {
        status: 502,
        body: failedBody(errorBody("meta_failed", c.title), sendId, cmd.key, {
          to: verdict.to,
          classification: c,
          attempts: result.attempts,
          meta_http_status: result.http_status,
          ambiguous: result.ambiguous,
          ...(result.retry_at ? { retry_at: result.retry_at } : {}),
        }),
        headers: retryAfterHeader(result.retry_at, Date.now()),
      },
      store: true,
    };
  }

  /** A configuration that must not be used to reach Meta (see metaBaseProblem): nothing is
   *  reserved or sent; the outcome and the failure are recorded. Not kept for idempotency, so
   *  the same key works once the configuration is fixed. */
  private misconfigured(cmd: SendCommand, sendId: string, key: string | null, problem: string): Answer {
    console.error(problem);
    const c = classifyFailure("UNKNOWN");
    c.details = problem;
    this.recordSend(sendId, cmd, { outcome: "failed", http_status: 503, reason: c.reason, recipient: key, attempts: 0 });
    this.outcomes.recordFailure({ source: "send", reason: c.reason, recipient: key, send_id: sendId, key: cmd.key, detail: { classification: c, configuration: "META_API_BASE" } });
    return {
      status: 503,
      body: failedBody(errorBody("misconfigured", problem), sendId, cmd.key, { classification: c, attempts: 0 }),
    };
  }

  private blocked(cmd: SendCommand, sendId: string, key: string | null, verdict: Verdict): Answer {
    const first = verdict.blockers[0];
    const reason = first?.reason ?? "UNKNOWN";
    this.recordSend(sendId, cmd, { outcome: "blocked", http_status: 422, reason, meta_code: first?.meta_code ?? null, recipient: key, to_e164: verdict.to });
    this.outcomes.recordFailure({
      source: "gate",
      reason,
      meta_code: first?.meta_code,
      recipient: key,
      send_id: sendId,
      key: cmd.key,
      detail: { blockers: verdict.blockers, to: verdict.to },
    });
    return {
      status: 422,
      body: {
        ...errorBody("blocked", first?.message ?? "the send is not eligible"),
        outcome: "blocked",
        send_id: sendId,
        idempotency_key: cmd.key,
        verdict,
      },
    };
  }

  private async signalRecipient(key: string | null, kind: Signal, at: number, waId: string | null = null): Promise<void> {
    if (!key) return;
    await recipientStub(this.env, key).applySignal(key, kind, at, waId);
  }

  // ---- webhooks ------------------------------------------------------------------------------

  /** Records a webhook event id; false if it was seen already. */
  private firstTime(id: string): boolean {
    return this.sql.exec("INSERT OR IGNORE INTO status_seen VALUES (?, ?)", id, Date.now()).rowsWritten > 0;
  }

  /** Status webhooks: deduplicated by (wamid, status); delivered/read debit the reservation once,
   *  failed releases it, is recorded, and sets the recipient's signal. */
  async applyStatuses(events: StatusEvent[]): Promise<{ applied: number; duplicates: number }> {
    let applied = 0;
    let duplicates = 0;
    for (const ev of events) {
      const at = toMs(ev.timestamp) ?? Date.now();
      // Dedupe records live WEBHOOK_DEDUPE_TTL_MS from receipt (Meta retries for 7 days): an
      // event older than that can only be a replay whose record is gone, so it is dropped.
      const fresh = at >= Date.now() - WEBHOOK_DEDUPE_TTL_MS && this.firstTime(`${ev.wamid}:${ev.status}`);
      if (!fresh) {
        duplicates++;
        continue;
      }
      applied++;
      const send = this.outcomes.deliveryTarget(parseCallbackData(ev.biz_opaque_callback_data)?.send_id ?? null, ev.wamid);
      if (send) {
        this.outcomes.raiseDelivery(send, ev.status, DELIVERY_RANK[ev.status] ?? 0, ev.wamid);
        if (ev.status === "delivered" || ev.status === "read") {
          if (!this.ledger.settle(send.send_id, "debited")) this.ledger.lateDebit(send.send_id);
        }
        if (ev.status === "failed") this.ledger.settle(send.send_id, "released");
      }
      if (ev.status === "failed") {
        const c: Classification | undefined = ev.classification;
        const reason = c?.reason ?? "UNKNOWN";
        const key =
          recipientKeyOfUserId(ev.recipient_user_id) ?? (ev.recipient_id ? recipientKeyOfWaId(ev.recipient_id) : null) ?? send?.recipient ?? null;
        this.outcomes.recordFailure({
          source: "webhook",
          reason,
          meta_code: c?.meta_code,
          recipient: key ?? ev.recipient_id,
          send_id: send?.send_id ?? null,
          wamid: ev.wamid,
          key: send?.idempotency_key ?? null,
          at,
          detail: { event: ev },
        });
        if (c?.signal) await this.signalRecipient(key, c.signal, at, ev.recipient_id);
      }
    }
    return { applied, duplicates };
  }

  /** Account-level webhook errors (no wamid): kept for triage, deduplicated by content. */
  applyAccountError(ev: Extract<WebhookEvent, { kind: "account_error" }>): boolean {
    const id = `acct:${ev.phone_number_id}:${ev.timestamp}:${ev.classification.meta_code ?? ev.classification.reason}`;
    if ((toMs(ev.timestamp) ?? Date.now()) < Date.now() - WEBHOOK_DEDUPE_TTL_MS) return false;
    if (!this.firstTime(id)) return false;
    this.outcomes.recordFailure({
      source: "webhook",
      reason: ev.classification.reason,
      meta_code: ev.classification.meta_code,
      at: toMs(ev.timestamp) ?? Date.now(),
      detail: { event: ev },
    });
    return true;
  }

  // ---- reads (a workspace never written answers "nothing yet") -------------------------------

  failures(q: FailureQuery) {
    return this.outcomes.failures(q);
  }

  sendRecords(idOrKey: string) {
    return this.outcomes.sendRecords(idOrKey);
  }

  stats(workspace: string) {
    return { workspace_id: workspace, ...this.outcomes.counts(), credits: this.credits(workspace) };
  }

  // ---- campaigns (objects/campaign.ts keeps each contact; the credits are this ledger's) -------

  noteCampaign(campaignId: string, at: number): void {
    this.sql.exec("INSERT OR IGNORE INTO campaigns (campaign_id, created_at) VALUES (?, ?)", campaignId, at);
  }

  campaignIds(limit: number): string[] {
    return this.store.read((r) => text(r, "campaign_id"), "SELECT campaign_id FROM campaigns ORDER BY created_at DESC, campaign_id LIMIT ?", limit);
  }

  reserveCampaign(campaignId: string, opId: string, costs: number[]): number {
    return this.ledger.reservePrefix(campaignId, opId, costs);
  }

  settleCampaign(campaignId: string, ops: { id: number; debit: number; release: number; late: number }[]): number[] {
    for (const op of ops) this.ledger.settleCampaign(campaignId, `settle:${op.id}`, op);
    return ops.map((o) => o.id);
  }

  // ---- retention -----------------------------------------------------------------------------

  private scheduleCleanup(): void {
    if (this.alarmSet) return;
    this.alarmSet = true;
    this.ctx.storage.getAlarm().then((at) => {
      if (at === null) return this.ctx.storage.setAlarm(Date.now() + 3600_000);
    });
  }

  async alarm(): Promise<void> {
    const now = Date.now();
    this.sql.exec("DELETE FROM idem WHERE state = 'done' AND at < ?", now - IDEMPOTENCY_TTL_MS);
    this.sql.exec("DELETE FROM status_seen WHERE at < ?", now - WEBHOOK_DEDUPE_TTL_MS);
    await this.ctx.storage.setAlarm(now + 3600_000);
  }
}

export function workspaceStub(env: Env, workspace: string) {
  return env.WORKSPACE.get(env.WORKSPACE.idFromName(workspace));
}
