// One Durable Object per campaign (name `{workspace}:{campaign_id}`): the record of every
// contact's state, from preflight to its one outcome. The queue (src/dispatch.ts) only carries
// work: a contact is sent when its row says so (`queued` → `sending` is a compare-and-set made
// just before Meta is called), so a duplicate or late queue delivery changes nothing, and a lost
// one is found by the alarm's sweep and enqueued again. Credits are the workspace's ledger: this
// object reserves them in file order at preflight and settles each contact once (debit on
// accepted, release otherwise), through operations the workspace applies once by id.
import { DurableObject } from "cloudflare:workers";
import { checkSends, classifyFailure, triage } from "sendgate";
import type { Classification, Finding, SendRequest, Template, Verdict } from "sendgate";
import { config, type CampaignMessage, type Env } from "../env.ts";
import { preflightMerge } from "../campaign_edge.ts";
import { backoffDelayMs, decideAttempt } from "../retry.ts";
import { Store, int, optInt, optText, text, type Row } from "../store.ts";
import { iso } from "../time.ts";
import { CAMPAIGN_SCHEMA } from "./schemas.ts";
import { workspaceStub } from "./workspace.ts";

export type CampaignState = "running" | "paused" | "finished" | "cancelled";
export type ContactState =
  | "queued"
  | "sending"
  | "accepted"
  | "delivered"
  | "read"
  | "failed"
  | "blocked"
  | "retry_later"
  | "paused"
  | "cancelled";
export const CONTACT_STATES: readonly ContactState[] = ["queued", "sending", "accepted", "delivered", "read", "failed", "blocked", "retry_later", "paused", "cancelled"];
export type PauseCause = "template" | "phone_number" | "account" | "recipient_share" | "manual";

export interface CampaignSpec {
  campaign_id: string;
  workspace_id: string;
  phone_number_id: string;
  source: "campaign" | "automation";
  template: Template;
  parameters: string[] | null;
  policy: unknown;
  /** Epoch ms; nothing is sent before. */
  not_before: number | null;
  breaker: { window: number; max_share: number };
}

export interface Pause {
  cause: PauseCause;
  reason: string | null;
  message: string;
  at: string;
}

/** One contact as the route read it: its idempotency key, file line (CSV) and request parts. */
export interface ContactInput {
  key: string;
  line: number | null;
  contact: Record<string, unknown>;
  parameters: string[] | null;
}

/** What the consumer is to do with a contact it received. */
export type ClaimItem =
  | { seq: number; action: "skip" }
  | { seq: number; action: "send"; request: SendRequest; recipient: string | null; attempts: number };

export interface ClaimResult {
  spec: CampaignSpec;
  state: CampaignState;
  items: ClaimItem[];
}

export interface Recorded {
  dispositions: Disposition[];
  state: CampaignState;
}

/** What dispatch learned about one contact. */
export type DispatchResult =
  | { seq: number; kind: "accepted"; wamid: string }
  | { seq: number; kind: "failed"; classification: Classification; ambiguous: boolean; http_status: number | null }
  | { seq: number; kind: "blocked"; finding: Finding | null; to: string | null }
  /** Re-gated: a blocker of the whole campaign (the template is paused, the account restricted). */
  | { seq: number; kind: "hold"; finding: Finding; scope: "template" | "phone_number" | "account" }
  /** Not sent now (no pair token): again in `delay_s`. */
  | { seq: number; kind: "requeue"; delay_s: number }
  /** An internal error before Meta was called: back to the queue. */
  | { seq: number; kind: "error"; message: string };

/** What the consumer does with the message: ack it, or deliver it again in `retry_s`. */
export interface Disposition {
  seq: number;
  retry_s: number | null;
}

/** Queues delays a message by 12 h at most; a wait past that is recorded `retry_later`. */
export const MAX_QUEUE_DELAY_S = 12 * 3600;
const SEND_BATCH = 100;
const SWEEP_MS = 5_000;
/** Queued contacts of a campaign that made no progress for this long are enqueued again (the
 *  queue lost them: a restart of a local queue, a dropped batch). */
const STALE_MS = 15_000;
const RATE_SERIES_SECONDS = 120;
const TRIAGE_LIMIT = 10_000;
const DELIVERY_RANK: Record<string, number> = { sending: 0, accepted: 1, delivered: 2, read: 3 };

interface ContactRow {
  seq: number;
  key: string;
  request: string;
  recipient: string | null;
  state: ContactState;
  ledger: string;
  cost: number;
  attempts: number;
  due_at: number | null;
  sending_at: number | null;
}

function contactRow(r: Row): ContactRow {
  return {
    seq: int(r, "seq"),
    key: text(r, "key"),
    request: text(r, "request"),
    recipient: optText(r, "recipient"),
    state: text(r, "state") as ContactState,
    ledger: text(r, "ledger"),
    cost: int(r, "cost"),
    attempts: int(r, "attempts"),
    due_at: optInt(r, "due_at"),
    sending_at: optInt(r, "sending_at"),
  };
}

const CONTACT_COLUMNS = "seq, key, request, recipient, state, ledger, cost, attempts, due_at, sending_at";

interface CampaignRow {
  spec: CampaignSpec;
  hash: string;
  state: CampaignState;
  pause: Pause | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  progress_at: number | null;
}

function campaignRow(r: Row): CampaignRow {
  const pause = optText(r, "pause");
  return {
    spec: JSON.parse(text(r, "spec")) as CampaignSpec,
    hash: text(r, "hash"),
    state: text(r, "state") as CampaignState,
    pause: pause ? (JSON.parse(pause) as Pause) : null,
    created_at: int(r, "created_at"),
    started_at: optInt(r, "started_at"),
    finished_at: optInt(r, "finished_at"),
    progress_at: optInt(r, "progress_at"),
  };
}

/** Meta echoes it in status webhooks (≤ 512 characters): which campaign contact a status is. */
export function campaignCallback(workspace: string, campaignId: string, seq: number): string {
  return `sgc1:${workspace}:${campaignId}:${seq}`;
}

export function parseCampaignCallback(value: string | undefined): { workspace: string; campaign_id: string; seq: number } | null {
  const m = value ? /^sgc1:([A-Za-z0-9_.-]{1,64}):([A-Za-z0-9_.-]{1,64}):([0-9]{1,9})$/.exec(value) : null;
  return m ? { workspace: m[1], campaign_id: m[2], seq: Number(m[3]) } : null;
}

export function campaignStub(env: Env, workspace: string, campaignId: string) {
  return env.CAMPAIGN.get(env.CAMPAIGN.idFromName(`${workspace}:${campaignId}`));
}

/** The request a contact is sent with (edge state and `now` are merged in at each gate). */
function requestOf(spec: CampaignSpec, contact: Record<string, unknown>, parameters: string[] | null, callback: string): SendRequest {
  const params = parameters ?? spec.parameters;
  return {
    contact,
    source: spec.source,
    message: { type: "template", template: spec.template, ...(params ? { parameters: params } : {}) },
    ...(spec.policy !== undefined && spec.policy !== null ? { policy: spec.policy } : {}),
    biz_opaque_callback_data: callback,
  } as unknown as SendRequest;
}

/** The scope a failure or blocker has: template/phone_number/account stop the whole campaign. */
function campaignScope(scope: string): "template" | "phone_number" | "account" | null {
  return scope === "template" || scope === "phone_number" || scope === "account" ? scope : null;
}

export class CampaignDO extends DurableObject<Env> {
  private store: Store;
  /** Appends run one at a time (each awaits the ledger between its read and its write). */
  private appending: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new Store(ctx.storage, CAMPAIGN_SCHEMA);
  }

  private get sql(): SqlStorage {
    return this.store.sql;
  }

  private campaign(): CampaignRow | null {
    return this.store.read(campaignRow, "SELECT spec, hash, state, pause, created_at, started_at, finished_at, progress_at FROM campaign WHERE k = 1")[0] ?? null;
  }

  private mustCampaign(): CampaignRow {
    const c = this.campaign();
    if (!c) throw new Error("campaign not created");
    return c;
  }

  // ---- creation and contacts -----------------------------------------------------------------

  /** Creates the campaign once: `replay` for the same body again, `conflict` for another. */
  async create(spec: CampaignSpec, hash: string): Promise<"created" | "replay" | "conflict"> {
    const existing = this.campaign();
    if (existing) return existing.hash === hash ? "replay" : "conflict";
    const now = Date.now();
    this.sql.exec("INSERT INTO campaign (k, spec, hash, state, created_at) VALUES (1, ?, ?, 'running', ?)", JSON.stringify(spec), hash, now);
    await workspaceStub(this.env, spec.workspace_id).noteCampaign(spec.campaign_id, now);
    return "created";
  }

  exists(): boolean {
    return this.campaign() !== null;
  }

  /** Adds contacts (idempotent by `appendKey` and by each contact's key): preflight, credits in
   *  file order, then the eligible are enqueued. An input error of one contact adds none. */
  append(appendKey: string, hash: string, items: ContactInput[]) {
    const run = this.appending.then(() => this.appendNow(appendKey, hash, items));
    this.appending = run.catch(() => undefined);
    return run;
  }

  private async appendNow(appendKey: string, hash: string, items: ContactInput[]) {
    const c = this.mustCampaign();
    const spec = c.spec;
    if (c.state === "cancelled") return { cancelled: true as const };
    const done = this.store.read((r) => ({ hash: text(r, "hash"), result: text(r, "result") }), "SELECT hash, result FROM appends WHERE key = ?", appendKey)[0];
    if (done) {
      if (done.hash !== hash) return { conflict: true as const };
      return { replay: true as const, ...(JSON.parse(done.result) as { added: number; duplicates: number; blocked: number }) };
    }
    // A repeated contact (in this call, or added before) is added once.
    const seen = new Set<string>();
    const fresh: ContactInput[] = [];
    for (const it of items) {
      if (seen.has(it.key)) continue;
      seen.add(it.key);
      if (this.store.read((r) => int(r, "n"), "SELECT 1 AS n FROM contacts WHERE key = ?", it.key).length === 0) fresh.push(it);
    }
    const duplicates = items.length - fresh.length;
    const base = (this.store.read((r) => int(r, "m"), "SELECT COALESCE(MAX(seq), -1) AS m FROM contacts")[0] ?? -1) + 1;
    const now = Date.now();
    const nowIso = new Date(now).toISOString();
    const merge = await preflightMerge(this.env, spec.phone_number_id, spec.template);
    const requests = fresh.map((it, i) => requestOf(spec, it.contact, it.parameters, campaignCallback(spec.workspace_id, spec.campaign_id, base + i)));
    const answers = checkSends(requests.map((r) => merge(r, nowIso)));
    for (let i = 0; i < answers.length; i++) {
      const a = answers[i];
      if ("error" in a) {
        // `[i].contact.phone` → the field of the caller's contact.
        const path = a.error.path.replace(/^\[\d+\]\.?/, "");
        return { input_error: { index: fresh[i].line ?? i, path, message: a.error.message } };
      }
    }
    const verdicts = answers as Verdict[];
    const paying = verdicts.map((v, i) => ({ v, i })).filter((x) => x.v.eligible && x.v.cost > 0);
    const reserved = await workspaceStub(this.env, spec.workspace_id).reserveCampaign(spec.campaign_id, `reserve:${appendKey}`, paying.map((x) => x.v.cost));
    // Past the balance: the core's own INSUFFICIENT_CREDITS finding (balance just short).
    const short = paying.slice(reserved);
    const shortVerdicts = short.length
      ? (checkSends(short.map((x) => ({ ...merge(requests[x.i], nowIso), credits: { balance: x.v.cost - 1, cost: x.v.cost } }))) as Verdict[])
      : [];
    const shortOf = new Map(short.map((x, k) => [x.i, shortVerdicts[k]]));
    const dueAt = Math.max(now, spec.not_before ?? 0);
    let added = 0;
    let blocked = 0;
    let reservedCredits = 0;
    const queued: number[] = [];
    this.store.transaction(() => {
      const sql = this.sql;
      for (let i = 0; i < fresh.length; i++) {
        const it = fresh[i];
        const seq = base + i;
        const v = shortOf.get(i) ?? verdicts[i];
        const recipient = v.recipient?.id ?? null;
        const req = JSON.stringify(requests[i]);
        added++;
        if (!v.eligible) {
          blocked++;
          const f = v.blockers[0] ?? null;
          sql.exec(
            `INSERT INTO contacts (seq, key, line, request, recipient, to_e164, state, reason, meta_code, detail, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, 'blocked', ?, ?, ?, ?)`,
            seq, it.key, it.line, req, recipient, v.to, f?.reason ?? "UNKNOWN", f?.meta_code ?? null, JSON.stringify({ stage: "preflight", finding: f }), now,
          );
          continue;
        }
        const cost = v.cost;
        reservedCredits += cost;
        sql.exec(
          `INSERT INTO contacts (seq, key, line, request, recipient, to_e164, state, cost, ledger, due_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)`,
          seq, it.key, it.line, req, recipient, v.to, cost, cost > 0 ? "reserved" : "none", dueAt, now,
        );
        queued.push(seq);
      }
      sql.exec("UPDATE totals SET reserved = reserved + ? WHERE k = 1", reservedCredits);
      sql.exec("INSERT INTO appends (key, hash, result) VALUES (?, ?, ?)", appendKey, hash, JSON.stringify({ added, duplicates, blocked }));
      // New contacts after the campaign ended reopen it.
      if (queued.length > 0) sql.exec("UPDATE campaign SET state = 'running', finished_at = NULL WHERE k = 1 AND state = 'finished'");
    });
    const state = this.mustCampaign().state;
    if (state === "paused") this.sql.exec("UPDATE contacts SET state = 'paused' WHERE state = 'queued'");
    else if (state === "running") await this.enqueue(queued, dueAt);
    await this.ensureAlarm();
    return { added, duplicates, blocked };
  }

  /** Sends queue messages for these contacts (delayed until `dueAt`, up to Queues' 12 h; later
   *  ones are enqueued by the sweep when due). A failure leaves them to the sweep. */
  private async enqueue(seqs: number[], dueAt: number): Promise<void> {
    const c = this.mustCampaign();
    const delay = Math.ceil((dueAt - Date.now()) / 1000);
    if (delay > MAX_QUEUE_DELAY_S) return;
    for (let i = 0; i < seqs.length; i += SEND_BATCH) {
      const batch = seqs.slice(i, i + SEND_BATCH).map((s) => ({
        body: { w: c.spec.workspace_id, c: c.spec.campaign_id, s } satisfies CampaignMessage,
        ...(delay > 0 ? { delaySeconds: delay } : {}),
      }));
      try {
        await this.env.CAMPAIGN_QUEUE.sendBatch(batch);
      } catch (e) {
        console.error("campaign enqueue failed; the sweep retries", e instanceof Error ? e.message : String(e));
        return;
      }
    }
  }

  // ---- dispatch (called by the queue consumer) --------------------------------------------

  /** What to do with each received contact. Nothing changes here for a contact to send (the
   *  consumer gates it first and then `begin`s it); a paused campaign's contact is kept here. */
  claim(seqs: number[]): ClaimResult {
    const c = this.mustCampaign();
    const now = Date.now();
    const stale = now - config(this.env).timeoutMs - STALE_MS;
    const items: ClaimItem[] = [];
    for (const seq of seqs) {
      const row = this.store.read(contactRow, `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE seq = ?`, seq)[0];
      if (!row) {
        items.push({ seq, action: "skip" });
        continue;
      }
      if (row.state === "sending" && (row.sending_at ?? 0) < stale) this.settleInterrupted(row);
      // A message that arrives before its contact's due time is a duplicate of a rescheduled one.
      if (row.state !== "queued" || c.state !== "running" || (row.due_at ?? 0) > now + 1500) {
        if (row.state === "queued" && c.state === "paused") this.sql.exec("UPDATE contacts SET state = 'paused', updated_at = ? WHERE seq = ?", now, seq);
        items.push({ seq, action: "skip" });
        continue;
      }
      items.push({ seq, action: "send", request: JSON.parse(row.request) as SendRequest, recipient: row.recipient, attempts: row.attempts });
    }
    if (c.started_at === null && items.some((i) => i.action === "send")) this.sql.exec("UPDATE campaign SET started_at = ? WHERE k = 1", now);
    return { spec: c.spec, state: c.state, items };
  }

  /** Just before Meta is called: `queued` → `sending`, the attempt counted. Only the contacts
   *  that were still queued (and the campaign running) are returned: those alone may be sent. */
  begin(seqs: number[]): number[] {
    const c = this.mustCampaign();
    if (c.state !== "running") return [];
    const now = Date.now();
    const won: number[] = [];
    this.store.transaction(() => {
      for (const seq of seqs) {
        const r = this.sql.exec("UPDATE contacts SET state = 'sending', attempts = attempts + 1, sending_at = ?, updated_at = ? WHERE seq = ? AND state = 'queued'", now, now, seq);
        if (r.rowsWritten > 0) won.push(seq);
      }
    });
    return won;
  }

  /** Records what dispatch learned, runs the breaker, and says what becomes of each message. */
  async record(results: DispatchResult[]): Promise<Recorded> {
    const c = this.mustCampaign();
    const cfg = config(this.env);
    const now = Date.now();
    const out: Disposition[] = [];
    let pause: Omit<Pause, "at"> | null = null;
    let sent = 0;
    this.store.transaction(() => {
      const sql = this.sql;
      for (const res of results) {
        const row = this.store.read(contactRow, `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE seq = ?`, res.seq)[0];
        if (!row) {
          out.push({ seq: res.seq, retry_s: null });
          continue;
        }
        const ack = () => out.push({ seq: res.seq, retry_s: null });
        switch (res.kind) {
          case "accepted": {
            sent++;
            // Meta took it: debited, whatever its status webhooks (which may have come first) say.
            this.settle(row, "debit");
            if (row.state !== "sending") {
              sql.exec("UPDATE contacts SET wamid = COALESCE(wamid, ?) WHERE seq = ?", res.wamid, res.seq);
              ack();
              break;
            }
            sql.exec("UPDATE contacts SET state = 'accepted', wamid = ?, sending_at = NULL, updated_at = ? WHERE seq = ?", res.wamid, now, res.seq);
            sql.exec("INSERT INTO outcomes (seq, reason, scope) VALUES (?, NULL, NULL)", res.seq);
            ack();
            break;
          }
          case "failed": {
            sent++;
            if (row.state !== "sending") {
              ack();
              break;
            }
            const cl = res.classification;
            const scope = campaignScope(cl.scope);
            const detail = JSON.stringify({ stage: "dispatch", classification: cl, ambiguous: res.ambiguous, http_status: res.http_status });
            // A rate limit (130429: the number briefly over its rate) is retried with backoff,
            // not a reason to stop the campaign; a paused template or a locked account is.
            if (scope && !res.ambiguous && cl.retry.kind !== "backoff") {
              // Not this contact's failure: it waits for the campaign to resume.
              pause ??= { cause: scope, reason: cl.reason, message: cl.details ?? cl.title };
              sql.exec("UPDATE contacts SET state = 'paused', sending_at = NULL, updated_at = ? WHERE seq = ?", now, res.seq);
              sql.exec("INSERT INTO outcomes (seq, reason, scope) VALUES (?, ?, ?)", res.seq, cl.reason, cl.scope);
              ack();
              break;
            }
            const decision = decideAttempt(cl, res.ambiguous);
            const waitS = decision.retry
              ? Math.max(1, Math.ceil(backoffDelayMs(row.attempts) / 1000))
              : decision.retryAfterSeconds;
            const retryable = (decision.retry || (cl.retry.kind === "after" && waitS !== null)) && !res.ambiguous;
            if (retryable && waitS !== null && waitS <= MAX_QUEUE_DELAY_S && row.attempts < cfg.maxAttempts && c.state !== "cancelled") {
              // Jitter spreads the retries of a burst of failures.
              const delay = decision.retry ? waitS : waitS + Math.floor(Math.random() * Math.min(30, Math.max(1, waitS / 10)));
              sql.exec("UPDATE contacts SET state = 'queued', due_at = ?, sending_at = NULL, reason = ?, meta_code = ?, detail = ?, updated_at = ? WHERE seq = ?",
                now + delay * 1000, cl.reason, cl.meta_code ?? null, detail, now, res.seq);
              out.push({ seq: res.seq, retry_s: delay });
              break;
            }
            // The breaker counts outcomes, not attempts: a retried attempt is not one.
            sql.exec("INSERT INTO outcomes (seq, reason, scope) VALUES (?, ?, ?)", res.seq, cl.reason, cl.scope);
            if (retryable && waitS !== null && waitS > MAX_QUEUE_DELAY_S) {
              sql.exec("UPDATE contacts SET state = 'retry_later', retry_at = ?, sending_at = NULL, reason = ?, meta_code = ?, detail = ?, updated_at = ? WHERE seq = ?",
                now + waitS * 1000, cl.reason, cl.meta_code ?? null, detail, now, res.seq);
            } else {
              sql.exec("UPDATE contacts SET state = 'failed', sending_at = NULL, reason = ?, meta_code = ?, detail = ?, updated_at = ? WHERE seq = ?",
                cl.reason, cl.meta_code ?? null, detail, now, res.seq);
            }
            this.settle(row, "release");
            ack();
            break;
          }
          case "blocked": {
            if (row.state !== "queued") {
              ack();
              break;
            }
            const f = res.finding;
            sql.exec("UPDATE contacts SET state = 'blocked', reason = ?, meta_code = ?, detail = ?, updated_at = ? WHERE seq = ?",
              f?.reason ?? "UNKNOWN", f?.meta_code ?? null, JSON.stringify({ stage: "dispatch", finding: f }), now, res.seq);
            this.settle(row, "release");
            ack();
            break;
          }
          case "hold": {
            pause ??= { cause: res.scope, reason: res.finding.reason, message: res.finding.message };
            if (row.state === "queued") sql.exec("UPDATE contacts SET state = 'paused', updated_at = ? WHERE seq = ?", now, res.seq);
            ack();
            break;
          }
          case "requeue":
          case "error": {
            if (row.state !== "queued" && row.state !== "sending") {
              ack();
              break;
            }
            const delay = res.kind === "requeue" ? Math.max(1, Math.ceil(res.delay_s)) : 2;
            if (res.kind === "error") console.error("campaign dispatch error", res.message);
            if (c.state === "paused" || c.state === "cancelled" || pause) {
              // Not sent, and the campaign has stopped: it waits with the others (or ends).
              if (c.state === "cancelled") {
                sql.exec("UPDATE contacts SET state = 'cancelled', sending_at = NULL, updated_at = ? WHERE seq = ?", now, res.seq);
                this.settle(row, "release");
              } else {
                // Running with a pause found in this call: queued now, paused with the rest below.
                sql.exec("UPDATE contacts SET state = ?, sending_at = NULL, updated_at = ? WHERE seq = ?", c.state === "paused" ? "paused" : "queued", now, res.seq);
              }
              ack();
              break;
            }
            sql.exec("UPDATE contacts SET state = 'queued', due_at = ?, sending_at = NULL, updated_at = ? WHERE seq = ?", now + delay * 1000, now, res.seq);
            out.push({ seq: res.seq, retry_s: delay });
            break;
          }
        }
      }
      if (sent > 0) sql.exec("INSERT INTO rate (sec, sent) VALUES (?, ?) ON CONFLICT (sec) DO UPDATE SET sent = sent + excluded.sent", Math.floor(now / 1000), sent);
      sql.exec("UPDATE campaign SET progress_at = ? WHERE k = 1", now);
      pause ??= this.breakerShare(c.spec.breaker);
      if (pause && c.state === "running") this.pauseNow({ ...pause, at: new Date(now).toISOString() });
      this.finishIfDone();
    });
    await this.flushLedger();
    return { dispositions: out, state: this.mustCampaign().state };
  }

  /** A recipient-scoped reason over `max_share` of the last `window` outcomes. */
  private breakerShare(breaker: CampaignSpec["breaker"]): Omit<Pause, "at"> | null {
    const rows = this.store.read(
      (r) => ({ reason: optText(r, "reason"), n: int(r, "n"), total: int(r, "total") }),
      `WITH last AS (SELECT reason, scope FROM outcomes ORDER BY id DESC LIMIT ?)
       SELECT reason, COUNT(*) AS n, (SELECT COUNT(*) FROM last) AS total FROM last WHERE scope = 'recipient' GROUP BY reason ORDER BY n DESC LIMIT 1`,
      breaker.window,
    );
    const top = rows[0];
    // Judged on a full window only: the first outcomes of a campaign are not a sample of it (a
    // failed-status webhook can be recorded before the chunk whose accepted answers it follows).
    if (!top || top.total < breaker.window) return null;
    if (top.n / top.total <= breaker.max_share) return null;
    return {
      cause: "recipient_share",
      reason: top.reason,
      message: `${top.reason}: ${top.n} of the last ${top.total} outcomes (over ${Math.round(breaker.max_share * 100)} %)`,
    };
  }

  private pauseNow(pause: Pause): void {
    this.sql.exec("UPDATE campaign SET state = 'paused', pause = ? WHERE k = 1 AND state = 'running'", JSON.stringify(pause));
    this.sql.exec("UPDATE contacts SET state = 'paused', updated_at = ? WHERE state = 'queued'", Date.now());
  }

  /** A contact's reserved credit, settled once (its ledger column is the compare-and-set). */
  private settle(row: Pick<ContactRow, "seq" | "cost">, how: "debit" | "release"): void {
    const r = this.sql.exec("UPDATE contacts SET ledger = ? WHERE seq = ? AND ledger = 'reserved'", how === "debit" ? "debited" : "released", row.seq);
    if (r.rowsWritten === 0 || row.cost === 0) return;
    this.sql.exec("INSERT INTO ledger_ops (debit, release) VALUES (?, ?)", how === "debit" ? row.cost : 0, how === "release" ? row.cost : 0);
    this.sql.exec(`UPDATE totals SET ${how === "debit" ? "debited = debited" : "released = released"} + ? WHERE k = 1`, row.cost);
  }

  /** A send cut off while waiting for Meta (the consumer died): nobody knows whether Meta took
   *  it, so it is never sent again; it ends `failed`, ambiguous, its credit released (a later
   *  delivered webhook debits it). */
  private settleInterrupted(row: ContactRow): void {
    const cl = classifyFailure("TRANSIENT_ERROR");
    cl.details = "the attempt was interrupted while waiting for Meta";
    this.sql.exec("UPDATE contacts SET state = 'failed', sending_at = NULL, reason = ?, meta_code = ?, detail = ?, updated_at = ? WHERE seq = ? AND state = 'sending'",
      cl.reason, cl.meta_code ?? null, JSON.stringify({ stage: "dispatch", classification: cl, ambiguous: true }), Date.now(), row.seq);
    this.settle(row, "release");
  }

  /** The dead-letter queue's consumer: a contact whose message failed every delivery. */
  async deadLetter(seqs: number[]): Promise<void> {
    const cl = classifyFailure("TRANSIENT_ERROR");
    cl.details = "the campaign queue gave up on this contact after repeated dispatch errors";
    this.store.transaction(() => {
      for (const seq of seqs) {
        const row = this.store.read(contactRow, `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE seq = ?`, seq)[0];
        if (!row || (row.state !== "queued" && row.state !== "sending")) continue;
        if (row.state === "sending") {
          this.settleInterrupted(row);
          continue;
        }
        this.sql.exec("UPDATE contacts SET state = 'failed', reason = ?, detail = ?, updated_at = ? WHERE seq = ?", cl.reason, JSON.stringify({ stage: "dead_letter", classification: cl }), Date.now(), seq);
        this.settle(row, "release");
      }
      this.finishIfDone();
    });
    await this.flushLedger();
  }

  private finishIfDone(): void {
    const open = this.store.read((r) => int(r, "n"), "SELECT COUNT(*) AS n FROM contacts WHERE state IN ('queued', 'sending', 'paused')")[0] ?? 0;
    if (open === 0) this.sql.exec("UPDATE campaign SET state = 'finished', finished_at = ? WHERE k = 1 AND state = 'running'", Date.now());
  }

  /** Sends the workspace the ledger operations it has not acknowledged (retried by the alarm). */
  private async flushLedger(): Promise<void> {
    const ops = this.store.read((r) => ({ id: int(r, "id"), debit: int(r, "debit"), release: int(r, "release"), late: int(r, "late") }), "SELECT id, debit, release, late FROM ledger_ops ORDER BY id LIMIT 500");
    if (ops.length === 0) return;
    const c = this.mustCampaign();
    try {
      const acked = await workspaceStub(this.env, c.spec.workspace_id).settleCampaign(c.spec.campaign_id, ops);
      for (const id of acked) this.sql.exec("DELETE FROM ledger_ops WHERE id = ?", id);
    } catch (e) {
      console.error("campaign ledger flush failed; the alarm retries", e instanceof Error ? e.message : String(e));
      await this.ensureAlarm();
    }
  }

  // ---- status webhooks ---------------------------------------------------------------------

  /** Delivery statuses advance an accepted contact (never back); a failed status after
   *  acceptance ends it `failed` with Meta's reason. Replays change nothing. */
  async applyStatuses(events: { seq: number; wamid: string; status: string; classification?: Classification }[]): Promise<void> {
    const now = Date.now();
    this.store.transaction(() => {
      for (const ev of events) {
        const row = this.store.read(
          (r) => ({ ...contactRow(r), wamid: optText(r, "wamid") }),
          `SELECT ${CONTACT_COLUMNS}, wamid FROM contacts WHERE seq = ?`,
          ev.seq,
        )[0];
        if (!row) continue;
        const from = row.state;
        const delivered = ev.status === "delivered" || ev.status === "read";
        if (delivered) {
          const to = ev.status;
          const ambiguousFailure = from === "failed" && row.ledger === "released";
          if (!(from in DELIVERY_RANK) && !ambiguousFailure) continue;
          if (from in DELIVERY_RANK && DELIVERY_RANK[from] >= DELIVERY_RANK[to]) continue;
          this.sql.exec("UPDATE contacts SET state = ?, wamid = COALESCE(wamid, ?), sending_at = NULL, updated_at = ? WHERE seq = ?", to, ev.wamid, now, ev.seq);
          if (row.ledger === "reserved") this.settle(row, "debit");
          else if (ambiguousFailure && row.cost > 0) {
            // Meta took it after all (a timed-out attempt): it is billed.
            this.sql.exec("UPDATE contacts SET ledger = 'debited' WHERE seq = ?", ev.seq);
            this.sql.exec("INSERT INTO ledger_ops (debit, release, late) VALUES (0, 0, ?)", row.cost);
            this.sql.exec("UPDATE totals SET debited = debited + ?, released = released - ? WHERE k = 1", row.cost, row.cost);
          }
        } else if (ev.status === "failed" && (from === "accepted" || from === "sending" || from === "delivered")) {
          const cl = ev.classification ?? classifyFailure("UNKNOWN");
          this.sql.exec("UPDATE contacts SET state = 'failed', reason = ?, meta_code = ?, detail = ?, sending_at = NULL, updated_at = ? WHERE seq = ?",
            cl.reason, cl.meta_code ?? null, JSON.stringify({ stage: "webhook", classification: cl }), now, ev.seq);
          // Meta accepted it (it sends statuses only for messages it took): the accepted answer,
          // which may still be on its way, debits it; an accepted contact already is.
          if (from !== "sending" && row.ledger === "reserved") this.settle(row, "debit");
          // The breaker counts each contact once: its accepted outcome becomes this failure.
          const r = this.sql.exec("UPDATE outcomes SET reason = ?, scope = ? WHERE id = (SELECT MAX(id) FROM outcomes WHERE seq = ?)", cl.reason, cl.scope, ev.seq);
          if (r.rowsWritten === 0) this.sql.exec("INSERT INTO outcomes (seq, reason, scope) VALUES (?, ?, ?)", ev.seq, cl.reason, cl.scope);
        }
      }
      this.finishIfDone();
    });
    await this.flushLedger();
  }

  // ---- pause, resume, cancel -----------------------------------------------------------------

  pause(): void {
    this.pauseNow({ cause: "manual", reason: null, message: "paused by the caller", at: new Date().toISOString() });
  }

  /** Back to running: every paused contact is queued and enqueued again. */
  async resume(): Promise<void> {
    const c = this.mustCampaign();
    if (c.state !== "paused") return;
    const now = Date.now();
    const seqs = this.store.read((r) => int(r, "seq"), "SELECT seq FROM contacts WHERE state = 'paused' ORDER BY seq");
    this.store.transaction(() => {
      this.sql.exec("UPDATE campaign SET state = 'running', pause = NULL WHERE k = 1");
      this.sql.exec("UPDATE contacts SET state = 'queued', due_at = ?, updated_at = ? WHERE state = 'paused'", now, now);
      this.sql.exec("DELETE FROM outcomes");
    });
    await this.enqueue(seqs, now);
    this.store.transaction(() => this.finishIfDone());
    await this.ensureAlarm();
  }

  /** Ends the campaign: contacts not sent yet are `cancelled`, their credits released. Contacts
   *  being sent right now end as Meta answers. */
  async cancel(): Promise<void> {
    const c = this.mustCampaign();
    if (c.state === "cancelled" || c.state === "finished") return;
    const now = Date.now();
    this.store.transaction(() => {
      const rows = this.store.read(contactRow, `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE state IN ('queued', 'paused')`);
      for (const row of rows) {
        this.sql.exec("UPDATE contacts SET state = 'cancelled', updated_at = ? WHERE seq = ?", now, row.seq);
        this.settle(row, "release");
      }
      this.sql.exec("UPDATE campaign SET state = 'cancelled', finished_at = ? WHERE k = 1", now);
    });
    await this.flushLedger();
  }

  // ---- the alarm: lost messages, interrupted sends, the ledger -------------------------------

  private async ensureAlarm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SWEEP_MS);
  }

  async alarm(): Promise<void> {
    const c = this.campaign();
    if (!c) return;
    const now = Date.now();
    const stale = now - config(this.env).timeoutMs - STALE_MS;
    this.store.transaction(() => {
      for (const row of this.store.read(contactRow, `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE state = 'sending' AND sending_at < ?`, stale)) {
        this.settleInterrupted(row);
      }
      // A failed status came while its accepted answer was on its way, and that answer was lost
      // (the consumer stopped): Meta took the message, so it is debited.
      for (const row of this.store.read(contactRow, `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE state = 'failed' AND ledger = 'reserved' AND updated_at < ?`, stale)) {
        this.settle(row, "debit");
      }
      this.finishIfDone();
    });
    if (c.state === "running" && (c.progress_at ?? c.created_at) < now - STALE_MS) {
      const lost = this.store.read((r) => int(r, "seq"), "SELECT seq FROM contacts WHERE state = 'queued' AND due_at <= ? ORDER BY seq LIMIT 5000", now - STALE_MS);
      if (lost.length > 0) {
        // (No `IN (…)` list: a statement binds at most 100 values.)
        this.sql.exec("UPDATE contacts SET due_at = ? WHERE state = 'queued' AND due_at <= ? AND seq <= ?", now, now - STALE_MS, lost[lost.length - 1]);
        this.sql.exec("UPDATE campaign SET progress_at = ? WHERE k = 1", now);
        await this.enqueue(lost, now);
      }
    }
    await this.flushLedger();
    const after = this.mustCampaign();
    const pendingOps = this.store.read((r) => int(r, "n"), "SELECT COUNT(*) AS n FROM ledger_ops")[0] ?? 0;
    if (after.state === "running" || pendingOps > 0) await this.ctx.storage.setAlarm(Date.now() + SWEEP_MS);
  }

  // ---- reports -------------------------------------------------------------------------------

  private counts(): Record<ContactState, number> {
    const counts = Object.fromEntries(CONTACT_STATES.map((s) => [s, 0])) as Record<ContactState, number>;
    for (const r of this.store.read((r) => ({ state: text(r, "state") as ContactState, n: int(r, "n") }), "SELECT state, COUNT(*) AS n FROM contacts GROUP BY state")) {
      counts[r.state] = r.n;
    }
    return counts;
  }

  summary() {
    const c = this.campaign();
    if (!c) return null;
    return {
      campaign_id: c.spec.campaign_id,
      state: c.state,
      created_at: iso(c.created_at),
      template: { name: c.spec.template.name, language: c.spec.template.language, category: c.spec.template.category },
      counts: this.counts(),
    };
  }

  async report() {
    const c = this.campaign();
    if (!c) return null;
    // A restarted deployment may have lost a local alarm: a look at a running campaign sets it.
    if (c.state === "running" || c.state === "paused") await this.ensureAlarm();
    const counts = this.counts();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const byReason: Record<string, number> = {};
    for (const r of this.store.read((r) => ({ reason: text(r, "reason"), n: int(r, "n") }), "SELECT reason, COUNT(*) AS n FROM contacts WHERE state IN ('failed', 'blocked', 'retry_later') AND reason IS NOT NULL GROUP BY reason ORDER BY n DESC")) {
      byReason[r.reason] = r.n;
    }
    const totals = this.store.read((r) => ({ reserved: int(r, "reserved"), released: int(r, "released"), debited: int(r, "debited") }), "SELECT reserved, released, debited FROM totals WHERE k = 1")[0] ?? { reserved: 0, released: 0, debited: 0 };
    const rate = this.store.read((r) => ({ sec: int(r, "sec"), sent: int(r, "sent") }), "SELECT sec, sent FROM rate ORDER BY sec");
    const sentTotal = rate.reduce((a, r) => a + r.sent, 0);
    const span = rate.length ? rate[rate.length - 1].sec - rate[0].sec + 1 : 0;
    const achieved = span > 0 ? Math.round((sentTotal / span) * 10) / 10 : 0;
    const remaining = counts.queued + counts.sending;
    const mps = achieved > 0 ? achieved : (config(this.env).throughputByNumber[c.spec.phone_number_id] ?? config(this.env).throughputMps);
    const eta = c.state === "running" && remaining > 0 ? iso(Date.now() + (remaining / mps) * 1000) : null;
    const failures = this.store.read(
      (r) => ({ reason: text(r, "reason"), meta_code: optInt(r, "meta_code") ?? undefined, recipient: optText(r, "recipient") ?? undefined, at: iso(int(r, "updated_at")) }),
      "SELECT reason, meta_code, recipient, updated_at FROM contacts WHERE state IN ('failed', 'blocked', 'retry_later') AND reason IS NOT NULL ORDER BY seq LIMIT ?",
      TRIAGE_LIMIT,
    );
    return {
      campaign_id: c.spec.campaign_id,
      workspace_id: c.spec.workspace_id,
      phone_number_id: c.spec.phone_number_id,
      source: c.spec.source,
      state: c.state,
      template: { name: c.spec.template.name, language: c.spec.template.language, category: c.spec.template.category },
      total,
      counts,
      by_reason: byReason,
      pause: c.pause,
      breaker: c.spec.breaker,
      credits: totals,
      rate: { achieved_mps: achieved, series: rate.slice(-RATE_SERIES_SECONDS).map((r) => ({ at: iso(r.sec * 1000), sent: r.sent })) },
      created_at: iso(c.created_at),
      not_before: iso(c.spec.not_before),
      started_at: iso(c.started_at),
      finished_at: iso(c.finished_at),
      eta,
      triage: triage(failures),
    };
  }

  /** Every contact's state (tests and the dashboard's drill-down), in file order. */
  contacts(from: number, limit: number) {
    return this.store.read(
      (r) => ({
        seq: int(r, "seq"),
        key: text(r, "key"),
        line: optInt(r, "line"),
        recipient: optText(r, "recipient"),
        to: optText(r, "to_e164"),
        state: text(r, "state"),
        reason: optText(r, "reason"),
        meta_code: optInt(r, "meta_code"),
        attempts: int(r, "attempts"),
        ledger: text(r, "ledger"),
        cost: int(r, "cost"),
        wamid: optText(r, "wamid"),
        retry_at: iso(optInt(r, "retry_at")),
      }),
      "SELECT seq, key, line, recipient, to_e164, state, reason, meta_code, attempts, ledger, cost, wamid, retry_at FROM contacts WHERE seq >= ? ORDER BY seq LIMIT ?",
      from,
      limit,
    );
  }
}
