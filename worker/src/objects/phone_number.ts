// One Durable Object per business phone number (name: its phone_number_id): Meta's throughput
// token bucket for the number, and what Meta says about the number: its health_status (read from
// the Graph API by an alarm, default every 15 minutes, and at once after an account-scoped
// failure), quality rating, throughput level, messaging-limit tier, display number and WABA.
// `gate` answers everything a send needs from the number in one round trip.
import { DurableObject } from "cloudflare:workers";
import type { HealthEntity } from "sendgate";
import { readHealth, throughputOf, type Throughput } from "../number_facts.ts";
import { BucketTable, throughputRule } from "../bucket.ts";
import { config, type Env } from "../env.ts";
import { FactTable } from "../facts.ts";
import { redact } from "../meta.ts";
import { Store } from "../store.ts";
import { iso } from "../time.ts";
import { accountStubFor } from "./account.ts";
import { PHONE_NUMBER_SCHEMA } from "./schemas.ts";

const TIERS = new Set(["TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"]);
const QUALITIES = new Set(["GREEN", "YELLOW", "RED", "UNKNOWN"]);
/** Graph fields read with health_status: the number's own facts, in the same call. */
const GRAPH_FIELDS = "health_status,display_phone_number,quality_rating,whatsapp_business_manager_messaging_limit";

export interface NumberState {
  phone_number_id: string;
  display_phone_number: string | null;
  waba_id: string | null;
  /** Meta's throughput level (`STANDARD`, `HIGH`) when known. */
  throughput_level: string | null;
  /** The portfolio's messaging-limit tier as this number last heard it, and when. */
  tier: string | null;
  tier_at: number | null;
  quality: string | null;
  /** health_status entities (the payment-method error is read into `payment_method`). */
  health: HealthEntity[] | null;
  payment_method: boolean | null;
  health_checked_at: string | null;
  /** The newest webhook-derived change. */
  updated_at: string | null;
}

export type { Throughput };

export interface QualityFact {
  throughput_level?: string | null;
  tier?: string | null;
  quality?: string | null;
  at: number;
}

/** A failed first read is tried again by the next use after this long (the alarm also retries). */
const FIRST_READ_RETRY_MS = 30_000;
/** Failures of a campaign can come by the hundred: one read per this long is enough. */
const AFTER_FAILURE_GAP_MS = 2_000;

export class PhoneNumberDO extends DurableObject<Env> {
  private store: Store;
  private facts: FactTable;
  private bucket: BucketTable;
  /** The object's phone_number_id (its name), learned from the first call. */
  private id: string | null = null;
  private refreshing: Promise<void> | null = null;
  /** When the last read started (in memory): reads outside the alarm are spaced out. */
  private lastRead = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new Store(ctx.storage, PHONE_NUMBER_SCHEMA);
    this.facts = new FactTable(this.store, "facts");
    this.bucket = new BucketTable(() => this.store.sql, {
      select: "SELECT tokens, at FROM bucket WHERE k = ?",
      upsert: "INSERT INTO bucket (k, tokens, at) VALUES (?, ?, ?) ON CONFLICT (k) DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
    });
  }

  state(phoneNumberId: string): NumberState {
    this.id ??= phoneNumberId;
    const f = this.facts.all("");
    const str = (name: string) => {
      const v = f.get(name)?.value;
      return typeof v === "string" ? v : null;
    };
    const health = f.get("health");
    const h = health?.value as { health?: HealthEntity[]; payment_method?: boolean } | undefined;
    let updated: number | null = null;
    for (const name of ["throughput_level", "tier", "quality"]) {
      const at = f.get(name)?.at;
      if (at !== undefined && (updated === null || at > updated)) updated = at;
    }
    const out: NumberState = {
      phone_number_id: str("phone_number_id") ?? phoneNumberId,
      display_phone_number: str("display_phone_number"),
      waba_id: str("waba_id"),
      throughput_level: str("throughput_level"),
      tier: str("tier"),
      tier_at: f.get("tier")?.at ?? null,
      quality: str("quality"),
      health: h?.health ?? null,
      payment_method: typeof h?.payment_method === "boolean" ? h.payment_method : null,
      health_checked_at: iso(health?.at),
      updated_at: iso(updated),
    };
    // Never read from Meta yet: read now, after this answer (no wait, no write before it).
    if (!health) this.refreshInBackground(FIRST_READ_RETRY_MS);
    return out;
  }

  /** What a send needs from the number in one round trip: its state, its rate and a throughput
   *  token (given back with `refund` when the send does not go out). */
  gate(phoneNumberId: string, configured: number | undefined, fallback: number, take: boolean) {
    const number = this.state(phoneNumberId);
    const rate = throughputOf(number.throughput_level, configured, fallback);
    const throughput = take ? this.bucket.take([1], throughputRule(rate.mps), 1) : { ok: true, retry_after: 0 };
    return { number, throughput, rate };
  }

  /** `gate` for a chunk of campaign sends: the number's state and up to `n` tokens at once. */
  gateMany(phoneNumberId: string, configured: number | undefined, fallback: number, n: number) {
    const number = this.state(phoneNumberId);
    const rate = throughputOf(number.throughput_level, configured, fallback);
    return { number, rate, throughput: this.bucket.takeUpTo([1], throughputRule(rate.mps), n) };
  }

  refundMany(phoneNumberId: string, configured: number | undefined, fallback: number, n: number): void {
    const number = this.state(phoneNumberId);
    if (n > 0) this.bucket.take([1], throughputRule(throughputOf(number.throughput_level, configured, fallback).mps), -n);
  }

  refund(phoneNumberId: string, configured: number | undefined, fallback: number): void {
    const number = this.state(phoneNumberId);
    this.bucket.take([1], throughputRule(throughputOf(number.throughput_level, configured, fallback).mps), -1);
  }

  /** A `phone_number_quality_update` (or the WABA's stored one, when this number registers). */
  applyQuality(phoneNumberId: string, q: QualityFact): boolean {
    this.id ??= phoneNumberId;
    let changed = false;
    if (q.throughput_level) changed = this.facts.set("", "throughput_level", q.throughput_level, q.at) || changed;
    if (q.tier && TIERS.has(q.tier)) changed = this.facts.set("", "tier", q.tier, q.at) || changed;
    if (q.quality && QUALITIES.has(q.quality)) changed = this.facts.set("", "quality", q.quality, q.at) || changed;
    return changed;
  }

  /** After an account- or number-scoped failure: read health_status now. */
  async refreshSoon(phoneNumberId: string): Promise<void> {
    this.id ??= phoneNumberId;
    const due = this.lastRead + AFTER_FAILURE_GAP_MS;
    // A read in flight may have started before the failure: read again by the alarm.
    if (this.refreshing || Date.now() < due) return this.alarmBy(Math.max(due, Date.now()));
    this.refreshInBackground(0);
  }

  private async alarmBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private refreshInBackground(minGapMs: number): void {
    if (this.refreshing || !this.id || Date.now() - this.lastRead < minGapMs) return;
    this.lastRead = Date.now();
    this.refreshing = this.refresh()
      .catch((e) => console.error("health_status refresh failed", e instanceof Error ? e.message : String(e)))
      .finally(() => {
        this.refreshing = null;
      });
    this.ctx.waitUntil(this.refreshing);
  }

  /** Reads the number's node from the Graph API (health_status and its own facts), stores them,
   *  tells the WABA's account object which display number is this one, and sets the next read. */
  private async refresh(): Promise<void> {
    const cfg = config(this.env);
    const id = this.id;
    if (!id) return;
    const next = () => this.ctx.storage.setAlarm(Date.now() + cfg.healthRefreshSeconds * 1000);
    if (cfg.metaBaseProblem) return;
    const url = `${cfg.metaBase}/${cfg.metaVersion}/${encodeURIComponent(id)}?fields=${GRAPH_FIELDS}`;
    let body: Record<string, unknown> | null = null;
    try {
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${cfg.accessToken}` },
        signal: AbortSignal.timeout(cfg.timeoutMs),
        redirect: "manual",
      });
      const text = await res.text();
      if (!res.ok) {
        console.error(`health_status read answered ${res.status}: ${redact(text.slice(0, 300), cfg.accessToken)}`);
      } else {
        body = JSON.parse(text) as Record<string, unknown>;
      }
    } catch (e) {
      console.error("health_status read failed", e instanceof Error ? e.message : String(e));
    }
    if (!body) {
      await next();
      return;
    }
    // Dated just before the current second: a webhook of this same second (Meta dates them in
    // whole seconds) is newer than the read.
    const at = Math.floor(Date.now() / 1000) * 1000 - 1;
    this.facts.set("", "phone_number_id", id, at);
    const health = readHealth(body);
    if (health) this.facts.set("", "health", { health: health.health, payment_method: health.payment_method }, at);
    // A read is as of now; a webhook dated later still wins.
    const display = typeof body.display_phone_number === "string" ? body.display_phone_number.replace(/\D/g, "") : null;
    if (display) this.facts.set("", "display_phone_number", display, at);
    const waba = health?.waba_id ?? null;
    if (waba) this.facts.set("", "waba_id", waba, at);
    // The rate comes from phone_number_quality_update only (the read's level says STANDARD for
    // coexistence numbers too, whose configured 20 mps must stay).
    const tier = body.whatsapp_business_manager_messaging_limit;
    const quality = body.quality_rating;
    this.applyQuality(id, {
      tier: typeof tier === "string" ? tier : null,
      quality: typeof quality === "string" ? quality : null,
      at,
    });
    if (display) {
      // The quality webhook names the number by its display number: the WABA's object maps it,
      // and hands back what it already heard for that display number.
      const heard = await accountStubFor(this.env, id).registerNumber(id, display);
      if (heard) this.applyQuality(id, heard);
    }
    await next();
  }

  async alarm(): Promise<void> {
    if (!this.id) {
      const stored = this.facts.all("").get("phone_number_id")?.value;
      if (typeof stored === "string") this.id = stored;
    }
    // A read in flight may have begun before what asked for this one: read again after it.
    if (this.refreshing) await this.refreshing;
    this.lastRead = Date.now();
    await this.refresh();
  }
}

export function phoneNumberStub(env: Env, phoneNumberId: string) {
  return env.PHONE_NUMBER.get(env.PHONE_NUMBER.idFromName(phoneNumberId));
}
