// The one token bucket: Meta's per-number throughput and per-recipient pair limits are both a
// bucket of `capacity` tokens refilled at `refill.tokens` per `refill.seconds`. The arithmetic is
// pure (unit-tested in plain Node, test/bucket.test.mjs); BucketTable keeps buckets in a Durable
// Object's SQLite table, one row per bucket.
import { real, type Row } from "./store.ts";

export interface BucketRule {
  capacity: number;
  refill: { tokens: number; seconds: number };
}

export interface BucketState {
  tokens: number;
  /** Epoch ms of the last change. */
  at: number;
}

export interface Taken {
  ok: boolean;
  /** Whole seconds until `n` tokens are there (0 when ok). */
  retry_after: number;
  /** What to store, or null when nothing changed (refused). */
  next: BucketState | null;
}

/** Takes `n` tokens (a negative `n` gives them back, never above capacity). A bucket never seen
 *  is full. */
export function takeTokens(prev: BucketState | null, rule: BucketRule, n: number, now: number): Taken {
  const { capacity, refill } = rule;
  const refilled = prev ? prev.tokens + (((now - prev.at) / 1000) * refill.tokens) / refill.seconds : capacity;
  const tokens = Math.min(capacity, refilled);
  if (tokens < n) return { ok: false, retry_after: Math.max(1, Math.ceil(((n - tokens) * refill.seconds) / refill.tokens)), next: null };
  return { ok: true, retry_after: 0, next: { tokens: Math.min(capacity, tokens - n), at: now } };
}

/** Takes as many of `n` tokens as the bucket holds (a chunk of sends asks once): how many, and
 *  the whole seconds until one more is there when it gave fewer. */
export function takeUpTo(prev: BucketState | null, rule: BucketRule, n: number, now: number): { taken: number; retry_after: number; next: BucketState | null } {
  const { capacity, refill } = rule;
  const refilled = prev ? prev.tokens + (((now - prev.at) / 1000) * refill.tokens) / refill.seconds : capacity;
  const tokens = Math.min(capacity, refilled);
  const taken = Math.max(0, Math.min(n, Math.floor(tokens)));
  const retry_after = taken < n ? Math.max(1, Math.ceil(((taken + 1 - tokens) * refill.seconds) / refill.tokens)) : 0;
  return { taken, retry_after, next: taken > 0 ? { tokens: tokens - taken, at: now } : null };
}

/** Meta's throughput limit of one business number: one second's worth of messages at once. */
export function throughputRule(mps: number): BucketRule {
  return { capacity: Math.max(1, mps), refill: { tokens: mps, seconds: 1 } };
}

/** Meta's pair limit (one business number → one recipient): `burst` at once, then one message
 *  per `intervalSeconds`. */
export function pairRule(intervalSeconds: number, burst: number): BucketRule {
  return { capacity: burst, refill: { tokens: 1, seconds: intervalSeconds } };
}

/** A table of buckets. `select` binds the key columns and reads `tokens, at`; `upsert` binds the
 *  key columns, then tokens and at. */
export interface BucketStatements {
  select: string;
  upsert: string;
}

export class BucketTable {
  /** The object's SQL with its tables in place (a take is a write). */
  private readonly sql: () => SqlStorage;
  private readonly statements: BucketStatements;

  constructor(sql: () => SqlStorage, statements: BucketStatements) {
    this.sql = sql;
    this.statements = statements;
  }

  take(key: SqlStorageValue[], rule: BucketRule, n: number, now = Date.now()): { ok: boolean; retry_after: number } {
    const sql = this.sql();
    const row = sql.exec(this.statements.select, ...key).toArray()[0];
    const taken = takeTokens(row ? bucketRow(row) : null, rule, n, now);
    if (taken.next) sql.exec(this.statements.upsert, ...key, taken.next.tokens, taken.next.at);
    return { ok: taken.ok, retry_after: taken.retry_after };
  }

  takeUpTo(key: SqlStorageValue[], rule: BucketRule, n: number, now = Date.now()): { taken: number; retry_after: number } {
    const sql = this.sql();
    const row = sql.exec(this.statements.select, ...key).toArray()[0];
    const r = takeUpTo(row ? bucketRow(row) : null, rule, n, now);
    if (r.next) sql.exec(this.statements.upsert, ...key, r.next.tokens, r.next.at);
    return { taken: r.taken, retry_after: r.retry_after };
  }
}

function bucketRow(r: Row): BucketState {
  return { tokens: real(r, "tokens"), at: real(r, "at") };
}
