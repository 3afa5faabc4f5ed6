// One Durable Object per workspace: idempotency records, the credit ledger, every send's outcome
// and the failures log. A send runs inside this object so that concurrent requests with one
// idempotency key share a single attempt and the ledger is checked and reserved atomically.
import { DurableObject } from "cloudflare:workers";
import { checkSend, classifyFailure } from "sendgate";
import type { Classification, SendRequest, Verdict, WebhookEvent } from "sendgate";
import { config, type Env } from "./env";
import { Tables } from "./schema";
import { errorBody, inputErrorAnswer, isInputError, toMs, type Answer } from "./http";
import { accountStub, type TemplateStatus } from "./account";
import { forward, metaBody } from "./meta";
import { recipientKeyOfRequest, recipientKeyOfWaId, recipientStub, type RecipientState } from "./recipient";
import type { Signal } from "sendgate";

export interface SendCommand {
  workspace: string;
  key: string;
  hash: string;
  request: SendRequest;
  phone_number_id: string;
}

export interface FailureQuery {
  from: number | null;
  to: number | null;
  reason: string | null;
  limit: number;
  cursor: number | null;
}

type StatusEvent = Extract<WebhookEvent, { kind: "status" }>;

const IDEMPOTENCY_TTL_MS = 48 * 3600_000;
/** How long after its budget an attempt with no live promise counts as interrupted. */
const STALE_MARGIN_MS = 30_000;
const WEBHOOK_DEDUPE_TTL_MS = 8 * 24 * 3600_000;
const DELIVERY_RANK: Record<string, number> = { sent: 1, delivered: 2, read: 3, failed: 4 };

/** Correlates Meta's status webhooks with the send (Meta echoes it, ≤ 512 bytes). */
export function callbackData(workspace: string, sendId: string): string {
  return `sg1:${workspace}:${sendId}`;
}

export function parseCallbackData(value: string | undefined): { workspace: string; send_id: string } | null {
  const m = value ? /^sg1:([A-Za-z0-9_.-]{1,64}):([0-9a-f-]{36})$/.exec(value) : null;
  return m ? { workspace: m[1], send_id: m[2] } : null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The newer of the request's timestamp and the edge's. A malformed request value is kept as is
 *  so checkSend rejects it with its path instead of the edge silently replacing it. */
function later(given: string | null | undefined, edge: string | null): string | null {
  if (given === undefined || given === null) return edge;
  const g = typeof given === "string" ? toMs(given) : null;
  if (g === null || edge === null) return given;
  return g >= toMs(edge)! ? given : edge;
}

/** a happened, and after b (or b never happened). */
function after(a: string | null, b: string | null): boolean {
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
    if (after(edge.stop_reply_at, edge.start_reply_at) && contact.marketing_state !== "REDACTED") {
      contact.marketing_state = "UNSUBSCRIBED";
    }
    merged.contact = contact;
    const given: NonNullable<SendRequest["signals"]> = isObj(req.signals) ? req.signals : {};
    const signals = { ...given };
    signals.undeliverable_at = later(given.undeliverable_at, edge.undeliverable_at);
    signals.marketing_limited_at = later(given.marketing_limited_at, edge.marketing_limited_at);
    if (after(edge.preference_stop_at, edge.preference_resume_at)) {
      signals.marketing_opted_out_at = later(given.marketing_opted_out_at, edge.preference_stop_at);
    } else if (typeof given.marketing_opted_out_at === "string" && toMs(given.marketing_opted_out_at) !== null && after(edge.preference_resume_at, given.marketing_opted_out_at)) {
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

/** The answer body of a send that ended `failed`: the error, which send it was, then the why. */
function failedBody(error: ReturnType<typeof errorBody>, sendId: string, key: string, why: Record<string, unknown>) {
  return { ...error, outcome: "failed", send_id: sendId, idempotency_key: key, ...why };
}

export function templateRef(req: SendRequest): { name: string; language: string } | null {
  const msg = req.message as unknown;
  if (!isObj(msg) || msg.type !== "template" || !isObj(msg.template)) return null;
  const { name, language } = msg.template;
  return typeof name === "string" && typeof language === "string" ? { name, language } : null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS idem (
    key TEXT PRIMARY KEY, hash TEXT NOT NULL, send_id TEXT NOT NULL, state TEXT NOT NULL,
    status INTEGER, response TEXT, at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS sends (
    send_id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL, outcome TEXT NOT NULL,
    http_status INTEGER, reason TEXT, meta_code INTEGER, wamid TEXT, wa_id TEXT, recipient TEXT,
    to_e164 TEXT, phone_number_id TEXT, cost INTEGER NOT NULL DEFAULT 0, ledger TEXT NOT NULL DEFAULT 'none',
    delivery TEXT, delivery_rank INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS sends_wamid ON sends (wamid);
  CREATE TABLE IF NOT EXISTS ledger (
    k INTEGER PRIMARY KEY CHECK (k = 1), balance INTEGER NOT NULL, reserved INTEGER NOT NULL,
    debited INTEGER NOT NULL, topped_up INTEGER NOT NULL,
    CHECK (balance >= 0 AND reserved >= 0 AND reserved <= balance));
  INSERT OR IGNORE INTO ledger VALUES (1, 0, 0, 0, 0);
  CREATE TABLE IF NOT EXISTS topups (reference TEXT PRIMARY KEY, amount INTEGER NOT NULL, at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL,
    meta_code INTEGER, recipient TEXT, send_id TEXT, wamid TEXT, idempotency_key TEXT, detail TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS failures_at ON failures (at);
  CREATE TABLE IF NOT EXISTS status_seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
`;

export class WorkspaceDO extends DurableObject<Env> {
  private tables: Tables;
  /** Sends in progress by idempotency key: concurrent duplicates await the same answer. */
  private inflight = new Map<string, Promise<Answer>>();
  private alarmSet = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.tables = new Tables(ctx.storage, SCHEMA, "ledger");
  }

  /** Writes, and the reads inside them, go through here: the first one creates the tables. */
  private get sql(): SqlStorage {
    return this.tables.sql;
  }

  // ---- credits -------------------------------------------------------------------------------

  credits(workspace: string) {
    // A workspace never written has the empty ledger its DDL would insert.
    const l = this.tables.read("SELECT balance, reserved, debited, topped_up FROM ledger WHERE k = 1")[0] ?? { balance: 0, reserved: 0, debited: 0, topped_up: 0 };
    const balance = Number(l.balance);
    const reserved = Number(l.reserved);
    return {
      workspace_id: workspace,
      balance,
      reserved,
      available: balance - reserved,
      debited: Number(l.debited),
      topped_up: Number(l.topped_up),
    };
  }

  /** Admin top-up; a repeated `reference` is applied once. */
  topUp(workspace: string, amount: number, reference: string | null) {
    let applied = true;
    this.ctx.storage.transactionSync(() => {
      if (reference !== null) {
        applied =
          this.sql.exec("INSERT OR IGNORE INTO topups VALUES (?, ?, ?)", reference, amount, Date.now()).rowsWritten > 0;
      }
      if (applied) this.sql.exec("UPDATE ledger SET balance = balance + ?, topped_up = topped_up + ? WHERE k = 1", amount, amount);
    });
    return { ...this.credits(workspace), applied };
  }

  /** Credits free to spend now: the balance minus what in-flight sends have reserved. */
  available(): number {
    return Number(this.tables.read("SELECT balance - reserved AS a FROM ledger WHERE k = 1")[0]?.a ?? 0);
  }

  /** Compare-and-set on the send's ledger state, so each transition happens at most once. */
  private settle(sendId: string, to: "debited" | "released"): boolean {
    return this.ctx.storage.transactionSync(() => {
      const row = this.sql.exec("SELECT cost FROM sends WHERE send_id = ? AND ledger = 'reserved'", sendId).toArray()[0];
      if (!row) return false;
      const cost = Number(row.cost);
      this.sql.exec("UPDATE sends SET ledger = ?, updated_at = ? WHERE send_id = ?", to, Date.now(), sendId);
      if (to === "debited") {
        this.sql.exec("UPDATE ledger SET balance = balance - ?, reserved = reserved - ?, debited = debited + ? WHERE k = 1", cost, cost, cost);
      } else {
        this.sql.exec("UPDATE ledger SET reserved = reserved - ? WHERE k = 1", cost);
      }
      return true;
    });
  }

  /** A send that ended `failed` without a clear answer from Meta (timeout) but was delivered
   *  after all: Meta bills it, so the workspace is debited, if its credits allow. */
  private lateDebit(sendId: string): void {
    this.ctx.storage.transactionSync(() => {
      const row = this.sql.exec("SELECT cost FROM sends WHERE send_id = ? AND outcome = 'failed' AND ledger = 'released'", sendId).toArray()[0];
      const cost = row ? Number(row.cost) : 0;
      if (cost <= 0) return;
      const ok =
        this.sql.exec("UPDATE ledger SET balance = balance - ?, debited = debited + ? WHERE k = 1 AND balance - reserved >= ?", cost, cost, cost)
          .rowsWritten > 0;
      if (ok) this.sql.exec("UPDATE sends SET ledger = 'debited', updated_at = ? WHERE send_id = ?", Date.now(), sendId);
    });
  }

  // ---- check and send ------------------------------------------------------------------------


  async send(cmd: SendCommand): Promise<Answer> {
    this.scheduleCleanup();
    const row = this.sql.exec("SELECT hash, state, status, response FROM idem WHERE key = ?", cmd.key).toArray()[0];
    if (row) {
      if (row.hash !== cmd.hash) {
        return {
          status: 422,
          body: errorBody("idempotency_key_reused", "this idempotency_key was used with a different request body", "idempotency_key"),
        };
      }
      if (row.state === "done") {
        return { status: Number(row.status), body: JSON.parse(String(row.response)), headers: { "idempotent-replayed": "true" } };
      }
      const pending = this.inflight.get(cmd.key);
      if (pending) return pending;
      // Pending without an attempt in this instance: the object restarted mid-send. Once the
      // attempt's time budget is surely over, it is settled; until then the caller waits.
      if (Date.now() - Number(row.at) < config(this.env).budgetMs + STALE_MARGIN_MS) {
        return { status: 409, body: errorBody("idempotency_in_progress", "a send with this idempotency_key is in progress"), headers: { "retry-after": "5" } };
      }
      const settled = this.settleInterrupted(cmd);
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

  /** An attempt cut off by a restart. If it never reached Meta, the key starts over (returns
   *  null); if it was waiting on Meta, nobody knows whether Meta took it: it ends `failed`,
   *  ambiguous, reservation released (a later delivered webhook still debits it). */
  private settleInterrupted(cmd: SendCommand): Answer | null {
    const idem = this.sql.exec("SELECT send_id FROM idem WHERE key = ?", cmd.key).one();
    const sendId = String(idem.send_id);
    const send = this.sql.exec("SELECT outcome, to_e164 FROM sends WHERE send_id = ?", sendId).toArray()[0];
    if (send?.outcome !== "forwarding") {
      this.settle(sendId, "released");
      this.sql.exec("DELETE FROM idem WHERE key = ?", cmd.key);
      return null;
    }
    const c = classifyFailure("TRANSIENT_ERROR");
    c.details = "the attempt was interrupted while waiting for Meta";
    this.settle(sendId, "released");
    this.recordSend(sendId, cmd, { outcome: "failed", http_status: 502, reason: c.reason, meta_code: c.meta_code ?? null });
    this.recordFailure({ source: "send", reason: c.reason, send_id: sendId, key: cmd.key, detail: { classification: c, ambiguous: true, to: send.to_e164 } });
    const answer: Answer = {
      status: 502,
      body: failedBody(errorBody("meta_failed", c.title), sendId, cmd.key, { to: send.to_e164, classification: c, ambiguous: true }),
    };
    this.sql.exec("UPDATE idem SET state = 'done', status = ?, response = ? WHERE key = ?", answer.status, JSON.stringify(answer.body), cmd.key);
    return answer;
  }

  private async runSend(cmd: SendCommand): Promise<Answer> {
    const sendId = crypto.randomUUID();
    const now = Date.now();
    this.sql.exec("INSERT INTO idem (key, hash, send_id, state, at) VALUES (?, ?, ?, 'pending', ?)", cmd.key, cmd.hash, sendId, now);
    try {
      const result = await this.gateAndForward(cmd, sendId);
      if (result.store) {
        this.sql.exec(
          "UPDATE idem SET state = 'done', status = ?, response = ? WHERE key = ?",
          result.answer.status,
          JSON.stringify(result.answer.body),
          cmd.key,
        );
      } else {
        this.sql.exec("DELETE FROM idem WHERE key = ?", cmd.key);
      }
      return result.answer;
    } catch (e) {
      // An internal failure (e.g. another object unreachable) before Meta was called: the send
      // still ends with one recorded outcome, and the key can be retried.
      this.settle(sendId, "released");
      this.recordSend(sendId, cmd, { outcome: "error", http_status: 500 });
      this.sql.exec("DELETE FROM idem WHERE key = ?", cmd.key);
      throw e;
    }
  }

  private recordSend(sendId: string, cmd: SendCommand, fields: Record<string, string | number | null>): void {
    const now = Date.now();
    const cols = Object.keys(fields);
    this.sql.exec(
      `INSERT INTO sends (send_id, idempotency_key, phone_number_id, created_at, updated_at, ${cols.join(", ")})
       VALUES (?, ?, ?, ?, ?, ${cols.map(() => "?").join(", ")})
       ON CONFLICT (send_id) DO UPDATE SET updated_at = excluded.updated_at, ${cols.map((c) => `${c} = excluded.${c}`).join(", ")}`,
      sendId,
      cmd.key,
      cmd.phone_number_id,
      now,
      now,
      ...cols.map((c) => fields[c]),
    );
  }

  private recordFailure(f: {
    source: string;
    reason: string;
    meta_code?: number | null;
    recipient?: string | null;
    send_id?: string | null;
    wamid?: string | null;
    key?: string | null;
    at?: number;
    detail: unknown;
  }): void {
    this.sql.exec(
      "INSERT INTO failures (at, source, reason, meta_code, recipient, send_id, wamid, idempotency_key, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      f.at ?? Date.now(),
      f.source,
      f.reason,
      f.meta_code ?? null,
      f.recipient ?? null,
      f.send_id ?? null,
      f.wamid ?? null,
      f.key ?? null,
      JSON.stringify(f.detail),
    );
  }

  private async gateAndForward(cmd: SendCommand, sendId: string): Promise<{ answer: Answer; store: boolean }> {
    const cfg = config(this.env);
    const key = recipientKeyOfRequest(cmd.request);
    if (cfg.metaBaseProblem) return { answer: this.misconfigured(cmd, sendId, key, cfg.metaBaseProblem), store: false };
    const pnid = cmd.phone_number_id;
    const mps = cfg.throughputByNumber[pnid] ?? cfg.throughputMps;
    const recipient = key ? recipientStub(this.env, key) : null;
    const account = accountStub(this.env);
    // One parallel round trip for edge state and both rate-limit tokens; tokens are given back
    // below when the send doesn't go out, so blocked sends never count against the limits.
    const [r, a] = await Promise.all([
      recipient ? recipient.gate(key!, pnid, cfg.pairIntervalSeconds, cfg.pairBurst) : null,
      account.gate(templateRef(cmd.request), pnid, mps),
    ]);
    const refund = () =>
      Promise.all([
        r?.pair.ok ? recipient!.refundPair(key!, pnid, cfg.pairIntervalSeconds, cfg.pairBurst) : null,
        a.throughput.ok ? account.refund(pnid, mps) : null,
      ]);
    const nowIso = new Date().toISOString();
    let merged: SendRequest;
    let verdict: Verdict;
    try {
      merged = mergeEdge(cmd.request, r?.state ?? null, a.template, { balance: this.available() }, nowIso);
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

    if (!a.throughput.ok || !r!.pair.ok) {
      await refund();
      const retryAfter = Math.max(a.throughput.retry_after, r!.pair.retry_after);
      const limit = !a.throughput.ok ? "phone_number_throughput" : "pair_rate";
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
      const reserved = this.ctx.storage.transactionSync(() => {
        const ok = this.sql.exec("UPDATE ledger SET reserved = reserved + ? WHERE k = 1 AND balance - reserved >= ?", cost, cost).rowsWritten > 0;
        if (ok) this.recordSend(sendId, cmd, { outcome: "forwarding", recipient: key, to_e164: verdict.to, cost, ledger: "reserved" });
        return ok;
      });
      if (!reserved) {
        // Another send took the last credits while this one waited on the limits: gate again.
        await refund();
        const again = checkSend({ ...merged, credits: { balance: this.available(), cost } });
        return { answer: this.blocked(cmd, sendId, key, again), store: true };
      }
    } else {
      this.recordSend(sendId, cmd, { outcome: "forwarding", recipient: key, to_e164: verdict.to });
    }

    const body = metaBody(verdict.to!, merged.message, callbackData(cmd.workspace, sendId));
    const result = await forward(cfg, cmd.phone_number_id, body);
    if (result.ok) {
      this.recordSend(sendId, cmd, { outcome: "accepted", http_status: 200, wamid: result.wamid, wa_id: result.wa_id, attempts: result.attempts });
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
    this.settle(sendId, "released");
    this.recordSend(sendId, cmd, {
      outcome: "failed",
      http_status: 502,
      reason: c.reason,
      meta_code: c.meta_code ?? null,
      attempts: result.attempts,
    });
    this.recordFailure({
      source: "send",
      reason: c.reason,
      meta_code: c.meta_code,
      recipient: key,
      send_id: sendId,
      key: cmd.key,
      detail: { classification: c, http_status: result.http_status, attempts: result.attempts, ambiguous: result.ambiguous, to: verdict.to },
    });
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
        }),
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
    this.recordFailure({ source: "send", reason: c.reason, recipient: key, send_id: sendId, key: cmd.key, detail: { classification: c, configuration: "META_API_BASE" } });
    return {
      status: 503,
      body: failedBody(errorBody("misconfigured", problem), sendId, cmd.key, { classification: c, attempts: 0 }),
    };
  }

  private blocked(cmd: SendCommand, sendId: string, key: string | null, verdict: Verdict): Answer {
    const first = verdict.blockers[0];
    const reason = first?.reason ?? "UNKNOWN";
    this.recordSend(sendId, cmd, { outcome: "blocked", http_status: 422, reason, meta_code: first?.meta_code ?? null, recipient: key, to_e164: verdict.to });
    this.recordFailure({
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

  /** Status webhooks: deduplicated by (wamid, status); delivered/read debit the reservation once,
   *  failed releases it, is recorded, and sets the recipient's signal. */
  async applyStatuses(events: StatusEvent[]): Promise<{ applied: number; duplicates: number }> {
    let applied = 0;
    let duplicates = 0;
    for (const ev of events) {
      const at = toMs(ev.timestamp) ?? Date.now();
      // Dedupe records live WEBHOOK_DEDUPE_TTL_MS from receipt (Meta retries for 7 days): an
      // event older than that can only be a replay whose record is gone, so it is dropped.
      const fresh =
        at >= Date.now() - WEBHOOK_DEDUPE_TTL_MS &&
        this.sql.exec("INSERT OR IGNORE INTO status_seen VALUES (?, ?)", `${ev.wamid}:${ev.status}`, Date.now()).rowsWritten > 0;
      if (!fresh) {
        duplicates++;
        continue;
      }
      applied++;
      const ref = parseCallbackData(ev.biz_opaque_callback_data);
      const send = (ref
        ? this.sql.exec("SELECT send_id, idempotency_key, recipient, delivery_rank FROM sends WHERE send_id = ?", ref.send_id)
        : this.sql.exec("SELECT send_id, idempotency_key, recipient, delivery_rank FROM sends WHERE wamid = ?", ev.wamid)
      ).toArray()[0];
      const rank = DELIVERY_RANK[ev.status] ?? 0;
      if (send) {
        const sendId = String(send.send_id);
        // Monotonic: a late `sent` never overwrites `read`.
        if (rank > Number(send.delivery_rank)) {
          this.sql.exec("UPDATE sends SET delivery = ?, delivery_rank = ?, wamid = COALESCE(wamid, ?), updated_at = ? WHERE send_id = ?", ev.status, rank, ev.wamid, Date.now(), sendId);
        }
        if (ev.status === "delivered" || ev.status === "read") {
          if (!this.settle(sendId, "debited")) this.lateDebit(sendId);
        }
        if (ev.status === "failed") this.settle(sendId, "released");
      }
      if (ev.status === "failed") {
        const c: Classification | undefined = ev.classification;
        const reason = c?.reason ?? "UNKNOWN";
        const key = ev.recipient_id ? recipientKeyOfWaId(ev.recipient_id) : send?.recipient ? String(send.recipient) : null;
        this.recordFailure({
          source: "webhook",
          reason,
          meta_code: c?.meta_code,
          recipient: key ?? ev.recipient_id,
          send_id: send ? String(send.send_id) : null,
          wamid: ev.wamid,
          key: send ? String(send.idempotency_key) : null,
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
    if (this.sql.exec("INSERT OR IGNORE INTO status_seen VALUES (?, ?)", id, Date.now()).rowsWritten === 0) return false;
    this.recordFailure({
      source: "webhook",
      reason: ev.classification.reason,
      meta_code: ev.classification.meta_code,
      at: toMs(ev.timestamp) ?? Date.now(),
      detail: { event: ev },
    });
    return true;
  }

  // ---- reads (through tables.read: a workspace never written answers "nothing yet") -------------

  failures(q: FailureQuery) {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.from !== null) {
      where.push("at >= ?");
      args.push(q.from);
    }
    if (q.to !== null) {
      where.push("at < ?");
      args.push(q.to);
    }
    if (q.reason !== null) {
      where.push("reason = ?");
      args.push(q.reason);
    }
    if (q.cursor !== null) {
      where.push("id < ?");
      args.push(q.cursor);
    }
    const rows = this.tables.read(
      `SELECT * FROM failures ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`,
      ...args,
      q.limit + 1,
    );
    const page = rows.slice(0, q.limit);
    return {
      failures: page.map((r) => ({
        id: Number(r.id),
        at: new Date(Number(r.at)).toISOString(),
        source: r.source,
        reason: r.reason,
        meta_code: r.meta_code,
        recipient: r.recipient,
        send_id: r.send_id,
        wamid: r.wamid,
        idempotency_key: r.idempotency_key,
        ...JSON.parse(String(r.detail)),
      })),
      next_cursor: rows.length > q.limit ? String(page[page.length - 1].id) : null,
    };
  }

  /** Every recorded outcome for one idempotency key (or one send id), oldest first. */
  sendRecords(idOrKey: string) {
    return this.tables.read("SELECT * FROM sends WHERE send_id = ? OR idempotency_key = ? ORDER BY created_at, rowid", idOrKey, idOrKey);
  }

  stats(workspace: string) {
    const outcomes: Record<string, number> = {};
    for (const r of this.tables.read("SELECT outcome, COUNT(*) AS n FROM sends GROUP BY outcome")) outcomes[String(r.outcome)] = Number(r.n);
    const delivery: Record<string, number> = {};
    for (const r of this.tables.read("SELECT delivery, COUNT(*) AS n FROM sends WHERE delivery IS NOT NULL GROUP BY delivery")) delivery[String(r.delivery)] = Number(r.n);
    const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
    const failures = Number(this.tables.read("SELECT COUNT(*) AS n FROM failures")[0]?.n ?? 0);
    return { workspace_id: workspace, sends: total, outcomes, delivery, failures, credits: this.credits(workspace) };
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
