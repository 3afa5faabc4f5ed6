// Per-recipient edge state: the window, opt-outs and Meta-side signals the gate merges into each
// send, plus the pair-rate buckets of every business number sending to that person. Recipients
// are keyed by their BSUID (Meta's business-scoped user ID) when known, else their canonical
// wa_id; a person known by both has a link each way (from webhooks that carry both), and a
// state read merges the linked keys' states (one more hop, only for linked recipients). Keys are
// spread over a fixed set of Durable Objects (shards): a
// campaign touches thousands of new recipients, and one object per recipient would pay an
// object creation for each. Every operation on one recipient still runs in one object.
import { DurableObject } from "cloudflare:workers";
import { normalizePhone } from "sendgate";
import type { SendRequest, Signal } from "sendgate";
import type { Env } from "../env.ts";
import { BucketTable, pairRule } from "../bucket.ts";
import { iso } from "../time.ts";
import { RECIPIENT_SCHEMA } from "./schemas.ts";
import { Store, optInt, text, type Row } from "../store.ts";

export interface RecipientState {
  key: string;
  wa_ids: string[];
  /** Other keys of the same person (a BSUID ↔ wa_id, a previous BSUID). */
  linked: string[];
  last_inbound_at: string | null;
  /** A STOP-style reply; cleared by a later START-style reply. */
  stop_reply_at: string | null;
  start_reply_at: string | null;
  /** `user_preferences` stop / resume (Meta 131050). */
  preference_stop_at: string | null;
  preference_resume_at: string | null;
  undeliverable_at: string | null;
  marketing_limited_at: string | null;
  updated_at: string | null;
}

export interface InboundFact {
  id: string;
  wa_id: string | null;
  at: number;
  opt_out: boolean;
  opt_in: boolean;
}

export interface PreferenceFact {
  wa_id: string | null;
  preference: string;
  at: number;
}

const COLUMNS = [
  "last_inbound_at",
  "stop_reply_at",
  "start_reply_at",
  "preference_stop_at",
  "preference_resume_at",
  "undeliverable_at",
  "marketing_limited_at",
] as const;
type Column = (typeof COLUMNS)[number];

/** Every spelling of a number Meta may use for one person, and the one chosen as DO key. */
export function recipientVariants(phone: {
  phone: string | null;
  phone_country_code?: string | null;
  phone_calling_code?: string | null;
}): string[] {
  try {
    return [...normalizePhone(phone).wa_id_variants].sort();
  } catch {
    return [];
  }
}

/** Meta's BSUID shape (`CC.` + letters/digits, `CC.ENT.` for a parent BSUID); the core
 *  validates it, this only decides the key. */
const BSUID = /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/;

export function recipientKeyOfUserId(userId: string | null | undefined): string | null {
  return typeof userId === "string" && BSUID.test(userId) ? userId : null;
}

/** The recipient object a send request is about: its BSUID when it has one, else its phone's
 *  canonical wa_id; null when neither names one (the verdict then reports the problem itself). */
export function recipientKeyOfRequest(req: SendRequest): string | null {
  const contact: unknown = req.contact;
  if (typeof contact !== "object" || contact === null || Array.isArray(contact)) return null;
  const { phone, phone_country_code, phone_calling_code, user_id } = contact as Record<string, unknown>;
  const byUserId = recipientKeyOfUserId(typeof user_id === "string" ? user_id : null);
  if (byUserId) return byUserId;
  if (!(typeof phone === "string" || phone === null)) return null;
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  return (
    recipientVariants({ phone, phone_country_code: text(phone_country_code), phone_calling_code: text(phone_calling_code) })[0] ??
    null
  );
}

/** The key is the smallest variant, so a send (E.164) and a webhook (wa_id, possibly the legacy
 *  Mexico/Brazil form) reach the same object: both expand to the same variant set. */
export function recipientKeyOfWaId(waId: string): string | null {
  const digits = waId.replace(/\D/g, "");
  if (!digits) return null;
  const variants = recipientVariants({ phone: `+${digits}` });
  return variants[0] ?? digits;
}

/** Meta retries a webhook for up to 7 days: dedupe records are kept a day longer. */
const DEDUPE_WINDOW_MS = 8 * 24 * 3600_000;

/** Fixed forever: changing it would move recipients to other objects. */
const SHARDS = 256;

function shardOf(key: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % SHARDS;
}

export function recipientStub(env: Env, key: string) {
  return env.RECIPIENT.get(env.RECIPIENT.idFromName(`recipients-${shardOf(key)}`));
}

/** A `state` row: each timestamp column as epoch ms or null. */
export type StateRow = Record<Column | "updated_at", number | null>;

function stateRow(r: Row): StateRow {
  const out = { updated_at: optInt(r, "updated_at") } as StateRow;
  for (const c of COLUMNS) out[c] = optInt(r, c);
  return out;
}

export class RecipientDO extends DurableObject<Env> {
  private store: Store;
  private pair: BucketTable;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new Store(ctx.storage, RECIPIENT_SCHEMA);
    this.pair = new BucketTable(() => this.store.sql, {
      select: "SELECT tokens, at FROM pair WHERE key = ? AND phone_number_id = ?",
      upsert: "INSERT INTO pair (key, phone_number_id, tokens, at) VALUES (?, ?, ?, ?) ON CONFLICT (key, phone_number_id) DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
    });
  }

  /** Writes, and the reads inside them, go through here: the first one creates the tables. */
  private get sql(): SqlStorage {
    return this.store.sql;
  }

  /** This key's own state, its wa_ids and the keys linked to it. */
  ownState(key: string): { row: StateRow | null; wa_ids: string[]; linked: string[] } {
    const row = this.store.read(stateRow, `SELECT ${COLUMNS.join(", ")}, updated_at FROM state WHERE key = ?`, key)[0] ?? null;
    const waIds = this.store.read((r) => text(r, "wa_id"), "SELECT wa_id FROM wa_ids WHERE key = ? ORDER BY wa_id", key);
    const linked = this.store.read((r) => text(r, "other"), "SELECT other FROM links WHERE key = ? ORDER BY other LIMIT 16", key);
    return { row, wa_ids: waIds, linked };
  }

  /** The person's state: this key's, merged with every linked key's (newest of each). */
  async getState(key: string): Promise<RecipientState> {
    const own = this.ownState(key);
    const others = await Promise.all(own.linked.map((k) => (shardOf(k) === shardOf(key) ? this.ownState(k) : recipientStub(this.env, k).ownState(k))));
    const rows = [own.row, ...others.map((o) => o.row)];
    const waIds = [...new Set([...own.wa_ids, ...others.flatMap((o) => o.wa_ids)])].sort();
    const newest = (c: Column | "updated_at") => rows.reduce<number | null>((m, r) => (r?.[c] != null && (m === null || (r[c] as number) > m) ? (r[c] as number) : m), null);
    const out = { key, wa_ids: waIds, linked: own.linked, updated_at: iso(newest("updated_at")) } as RecipientState;
    for (const c of COLUMNS) out[c] = iso(newest(c));
    return out;
  }

  /** `other`'s state is also this person's (a BSUID and a wa_id, a previous BSUID). */
  link(key: string, other: string): void {
    if (other !== key) this.sql.exec("INSERT OR IGNORE INTO links (key, other) VALUES (?, ?)", key, other);
  }

  /** Takes over a previous key's state (a user id change): newest of each timestamp, its
   *  wa_ids, and links to the previous key and its links. */
  absorb(key: string, from: { row: StateRow | null; wa_ids: string[]; linked: string[] }, previous: string): void {
    for (const c of COLUMNS) {
      const at = from.row?.[c];
      if (at != null) this.raise(key, c, at);
    }
    for (const w of from.wa_ids) this.noteWaId(key, w);
    for (const k of [previous, ...from.linked]) this.link(key, k);
  }

  /** Sets a timestamp column if the new value is newer (webhooks arrive out of order). */
  private raise(key: string, column: Column, at: number): void {
    this.sql.exec(
      `INSERT INTO state (key, ${column}, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET ${column} = MAX(COALESCE(${column}, 0), excluded.${column}), updated_at = excluded.updated_at`,
      key,
      at,
      Date.now(),
    );
  }

  /** Records the event, dated by its own timestamp; false if it was already recorded. Each new
   *  event drops the recipient's records past the dedupe window, so the table holds about a
   *  week of events per recipient instead of every event ever. A replay older than the window
   *  is applied again, which changes nothing: every timestamp here only moves forward. */
  private firstTime(key: string, id: string, at: number): boolean {
    this.sql.exec("DELETE FROM seen WHERE key = ? AND at < ?", key, Date.now() - DEDUPE_WINDOW_MS);
    return this.sql.exec("INSERT OR IGNORE INTO seen (key, id, at) VALUES (?, ?, ?)", key, id, at).rowsWritten > 0;
  }

  private noteWaId(key: string, waId: string | null): void {
    if (waId) this.sql.exec("INSERT OR IGNORE INTO wa_ids (key, wa_id) VALUES (?, ?)", key, waId);
  }

  /** An inbound message: opens/refreshes the 24 h window; STOP/START replies. Deduplicated by id. */
  applyInbound(key: string, fact: InboundFact): boolean {
    if (!this.firstTime(key, `msg:${fact.id}`, fact.at)) return false;
    this.noteWaId(key, fact.wa_id);
    this.raise(key, "last_inbound_at", fact.at);
    if (fact.opt_out) this.raise(key, "stop_reply_at", fact.at);
    if (fact.opt_in) this.raise(key, "start_reply_at", fact.at);
    return true;
  }

  applyPreference(key: string, fact: PreferenceFact): boolean {
    if (!this.firstTime(key, `pref:${fact.preference}:${fact.at}`, fact.at)) return false;
    this.noteWaId(key, fact.wa_id);
    if (fact.preference === "stop") this.raise(key, "preference_stop_at", fact.at);
    else if (fact.preference === "resume") this.raise(key, "preference_resume_at", fact.at);
    return true;
  }

  applySignal(key: string, kind: Signal, at: number, waId: string | null): void {
    this.noteWaId(key, waId);
    const column: Column =
      kind === "undeliverable" ? "undeliverable_at" : kind === "marketing_limited" ? "marketing_limited_at" : "preference_stop_at";
    this.raise(key, column, at);
  }

  /** What a send needs from here in one round trip: the state and a pair-rate token (given
   *  back with `refundPair` if the send doesn't go out). */
  async gate(key: string, phoneNumberId: string, intervalSeconds: number, burst: number) {
    const pair = this.pair.take([key, phoneNumberId], pairRule(intervalSeconds, burst), 1);
    return { state: await this.getState(key), pair };
  }

  refundPair(key: string, phoneNumberId: string, intervalSeconds: number, burst: number): void {
    this.pair.take([key, phoneNumberId], pairRule(intervalSeconds, burst), -1);
  }
}
