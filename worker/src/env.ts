import type { AccountDO } from "./objects/account.ts";
import type { CampaignDO } from "./objects/campaign.ts";
import type { PhoneNumberDO } from "./objects/phone_number.ts";
import type { RecipientDO } from "./objects/recipient.ts";
import type { WorkspaceDO } from "./objects/workspace.ts";

export interface Env {
  WORKSPACE: DurableObjectNamespace<WorkspaceDO>;
  RECIPIENT: DurableObjectNamespace<RecipientDO>;
  ACCOUNT: DurableObjectNamespace<AccountDO>;
  CAMPAIGN: DurableObjectNamespace<CampaignDO>;
  /** One message per campaign contact (src/dispatch.ts). */
  CAMPAIGN_QUEUE: Queue<CampaignMessage>;
  PHONE_NUMBER: DurableObjectNamespace<PhoneNumberDO>;
  ASSETS?: Fetcher;
  /** Failed authentications per client address (wrangler.jsonc `ratelimits`). */
  AUTH_FAILURES: RateLimit;
  // secrets
  API_KEY: string;
  ADMIN_API_KEY: string;
  META_ACCESS_TOKEN: string;
  META_APP_SECRET: string;
  META_VERIFY_TOKEN: string;
  // vars
  META_API_BASE: string;
  META_API_VERSION: string;
  META_PHONE_NUMBER_ID: string;
  /** The deployment's WhatsApp Business Account (its portfolio's object); "" when unset. */
  META_WABA_ID?: string;
  /** JSON object phone_number_id → WABA id, for numbers of other WABAs. */
  WABA_BY_NUMBER?: string;
  /** The messaging-limit tier assumed until Meta tells one ("" = none: no limit is checked). */
  MESSAGING_LIMIT_TIER?: string;
  /** How often each phone number's health_status is read (seconds, default 900). */
  HEALTH_REFRESH_SECONDS?: string;
  DEFAULT_WORKSPACE?: string;
  THROUGHPUT_MPS?: string;
  /** JSON object phone_number_id → mps, for numbers that differ from THROUGHPUT_MPS (upgraded to
   *  1000, coexistence numbers at 20). */
  THROUGHPUT_MPS_BY_NUMBER?: string;
  PAIR_INTERVAL_SECONDS?: string;
  PAIR_BURST?: string;
  META_TIMEOUT_MS?: string;
  SEND_BUDGET_MS?: string;
  MAX_ATTEMPTS?: string;
  CORS_ORIGINS?: string;
  BREAKER_WINDOW?: string;
  BREAKER_MAX_SHARE?: string;
}

/** A campaign queue message: workspace, campaign id, the contact's sequence number. */
export interface CampaignMessage {
  w: string;
  c: string;
  s: number;
}

export interface Config {
  metaBase: string;
  /** Why metaBase must not be called (it would get the access token in clear), or null. */
  metaBaseProblem: string | null;
  metaVersion: string;
  accessToken: string;
  throughputMps: number;
  throughputByNumber: Record<string, number>;
  wabaId: string | null;
  wabaByNumber: Record<string, string>;
  defaultTier: string | null;
  healthRefreshSeconds: number;
  pairIntervalSeconds: number;
  pairBurst: number;
  timeoutMs: number;
  budgetMs: number;
  maxAttempts: number;
  breakerWindow: number;
  breakerMaxShare: number;
}

function num(value: string | undefined, fallback: number, min: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) && n >= min ? n : fallback;
}

const TIERS = new Set(["TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"]);

function stringMap(value: string | undefined, name: string): Record<string, string> {
  if (!value) return {};
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== "object" || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
  } catch {
    console.error(`${name} is not valid JSON; ignored`);
    return {};
  }
}

function byNumber(value: string | undefined): Record<string, number> {
  if (!value) return {};
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== "object" || parsed === null) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === "number" && e[1] > 0),
    );
  } catch {
    console.error("THROUGHPUT_MPS_BY_NUMBER is not valid JSON; using THROUGHPUT_MPS for every number");
    return {};
  }
}

/** Hosts where META_API_BASE may be plain http: the test sandbox and `make dev` run there. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** The access token goes in a header of every call to META_API_BASE: only over https, or to
 *  this machine. The message names the variable, never its value. */
export function metaBaseProblem(base: string): string | null {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return "META_API_BASE is not a valid URL; the message was not sent";
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname))) return null;
  return "META_API_BASE must be an https: URL (plain http only for 127.0.0.1, ::1 or localhost); the message was not sent";
}

export function config(env: Env): Config {
  const metaBase = (env.META_API_BASE || "https://graph.facebook.com").replace(/\/+$/, "");
  return {
    metaBase,
    metaBaseProblem: metaBaseProblem(metaBase),
    metaVersion: env.META_API_VERSION || "v24.0",
    accessToken: env.META_ACCESS_TOKEN ?? "",
    throughputMps: num(env.THROUGHPUT_MPS, 80, 0.001),
    throughputByNumber: byNumber(env.THROUGHPUT_MPS_BY_NUMBER),
    wabaId: env.META_WABA_ID || null,
    wabaByNumber: stringMap(env.WABA_BY_NUMBER, "WABA_BY_NUMBER"),
    defaultTier: env.MESSAGING_LIMIT_TIER && TIERS.has(env.MESSAGING_LIMIT_TIER) ? env.MESSAGING_LIMIT_TIER : null,
    healthRefreshSeconds: num(env.HEALTH_REFRESH_SECONDS, 900, 1),
    pairIntervalSeconds: num(env.PAIR_INTERVAL_SECONDS, 6, 0.001),
    pairBurst: num(env.PAIR_BURST, 5, 1),
    timeoutMs: num(env.META_TIMEOUT_MS, 5000, 10),
    budgetMs: num(env.SEND_BUDGET_MS, 12000, 10),
    maxAttempts: Math.floor(num(env.MAX_ATTEMPTS, 4, 1)),
    breakerWindow: Math.floor(num(env.BREAKER_WINDOW, 200, 1)),
    breakerMaxShare: Math.min(1, num(env.BREAKER_MAX_SHARE, 0.25, 0)),
  };
}
