// One object per WhatsApp Business Account (name "account" for the deployment's default WABA,
// `waba:{id}` for others): what Meta says about the WABA and its templates, and the portfolio's
// rolling 24 h set of business-initiated recipients (Meta's messaging limit counts unique
// recipients per portfolio). Template statuses, quality and category, account readiness from
// `account_update`, the messaging-limit tier, and the display number → phone_number_id map that
// routes `phone_number_quality_update` (which names a number by its display number only).
import { DurableObject } from "cloudflare:workers";
import type { Config, Env } from "../env.ts";
import { config } from "../env.ts";
import { FactTable } from "../facts.ts";
import { iso } from "../time.ts";
import { ACCOUNT_SCHEMA } from "./schemas.ts";
import { Store, int, optText, text, type Row } from "../store.ts";
import type { QualityFact } from "./phone_number.ts";

const DAY_MS = 24 * 3600_000;

export interface TemplateStatus {
  name: string;
  language: string | null;
  status: string;
  reason: string | null;
  updated_at: string | null;
}

/** What the edge heard of one template beyond its status. */
export interface TemplateFacts {
  status: TemplateStatus | null;
  /** The latest category from a completed `template_category_update`. */
  category: string | null;
  pending_category: { category: string; at: string | null } | null;
  quality: string | null;
}

/** The WABA's readiness as `account_update` told it. */
export interface AccountFacts {
  restrictions: { type: string; until: string | null }[] | null;
  banned: boolean | null;
  ban: { state: string | null; date: string | null } | null;
  violation_type: string | null;
  marketing_messages_api: "onboarded" | "not_onboarded" | null;
  tier: string | null;
  tier_at: number | null;
  updated_at: string | null;
}

export interface TemplateChange {
  name: string;
  language: string | null;
  category: string | null;
  pending_category: string | null;
  effective_at: string | null;
}

function templateStatusRow(r: Row): TemplateStatus {
  const language = text(r, "language");
  return {
    name: text(r, "name"),
    language: language === "" ? null : language,
    status: text(r, "status"),
    reason: optText(r, "reason"),
    updated_at: iso(int(r, "at")),
  };
}

const SEP = "\u0001";
const templateScope = (name: string, language: string | null) => `tpl${SEP}${name}${SEP}${language ?? ""}`;
const displayScope = (display: string) => `display${SEP}${display}`;

export interface AccountUpdate {
  event: string | null;
  restrictions?: { type: string; until: string | null }[];
  ban?: { state: string | null; date: string | null };
  violation_type?: string;
  messaging_limit?: string;
  at: number;
}

export class AccountDO extends DurableObject<Env> {
  private store: Store;
  private facts: FactTable;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new Store(ctx.storage, ACCOUNT_SCHEMA);
    this.facts = new FactTable(this.store, "facts");
  }

  // ---- templates -------------------------------------------------------------------------------

  /** Newest wins; a status without a language (Meta omits it at times) applies to every language. */
  applyTemplateStatus(name: string, language: string | null, status: string, reason: string | null, at: number): boolean {
    const res = this.store.sql.exec(
      `INSERT INTO templates (name, language, status, reason, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name, language) DO UPDATE SET status = excluded.status, reason = excluded.reason, at = excluded.at
       WHERE excluded.at >= templates.at`,
      name,
      language ?? "",
      status,
      reason,
      at,
    );
    return res.rowsWritten > 0;
  }

  getTemplateStatus(name: string, language: string): TemplateStatus | null {
    return (
      this.store.read(
        templateStatusRow,
        "SELECT name, language, status, reason, at FROM templates WHERE name = ? AND language IN (?, '') ORDER BY at DESC LIMIT 1",
        name,
        language,
      )[0] ?? null
    );
  }

  applyTemplateQuality(name: string, language: string | null, quality: string, at: number): boolean {
    return this.facts.set(templateScope(name, language), "quality", quality, at);
  }

  /** A completed change sets the latest category and ends any pending one; an impending one is
   *  the pending category (both newest wins). */
  applyTemplateCategory(
    name: string,
    language: string | null,
    change: { completed: boolean; category: string | null; pending: { category: string; at: string | null } | null },
    at: number,
  ): boolean {
    const scope = templateScope(name, language);
    if (change.completed) {
      const a = change.category ? this.facts.set(scope, "category", change.category, at) : false;
      return this.facts.set(scope, "pending_category", null, at) || a;
    }
    return change.pending ? this.facts.set(scope, "pending_category", change.pending, at) : false;
  }

  templateFacts(name: string, language: string): TemplateFacts {
    // The language-less facts (Meta omitted it) apply to every language; the newer wins.
    const merged = new Map<string, { value: unknown; at: number }>();
    for (const scope of [templateScope(name, null), templateScope(name, language)]) {
      for (const [k, f] of this.facts.all(scope)) {
        const have = merged.get(k);
        if (!have || f.at >= have.at) merged.set(k, f);
      }
    }
    const str = (k: string) => {
      const v = merged.get(k)?.value;
      return typeof v === "string" ? v : null;
    };
    const pending = merged.get("pending_category")?.value as { category?: unknown; at?: unknown } | null | undefined;
    return {
      status: this.getTemplateStatus(name, language),
      category: str("category"),
      pending_category:
        pending && typeof pending.category === "string" ? { category: pending.category, at: typeof pending.at === "string" ? pending.at : null } : null,
      quality: str("quality"),
    };
  }

  /** Templates whose category changed or is about to (for GET /v1/account). */
  templatesChanging(): TemplateChange[] {
    const rows = this.store.read(
      (r) => ({ scope: text(r, "scope"), name: text(r, "name"), value: JSON.parse(text(r, "value")) as unknown }),
      "SELECT scope, name, value FROM facts WHERE scope LIKE 'tpl' || char(1) || '%' AND name IN ('category', 'pending_category') ORDER BY scope LIMIT 400",
    );
    const by = new Map<string, TemplateChange>();
    for (const r of rows) {
      const [, name, language] = r.scope.split(SEP);
      const c = by.get(r.scope) ?? { name, language: language || null, category: null, pending_category: null, effective_at: null };
      if (r.name === "category" && typeof r.value === "string") c.category = r.value;
      const p = r.value as { category?: unknown; at?: unknown } | null;
      if (r.name === "pending_category" && p && typeof p.category === "string") {
        c.pending_category = p.category;
        c.effective_at = typeof p.at === "string" ? p.at : null;
      }
      by.set(r.scope, c);
    }
    return [...by.values()].filter((c) => c.category !== null || c.pending_category !== null);
  }

  // ---- account readiness -----------------------------------------------------------------------

  /** An `account_update` (or another account-level field): each part it carries, newest wins. */
  applyAccountUpdate(u: AccountUpdate): boolean {
    let changed = false;
    const set = (name: string, value: unknown) => {
      changed = this.facts.set("", name, value, u.at) || changed;
    };
    if (u.event === "ACCOUNT_RESTRICTION") set("restrictions", u.restrictions ?? []);
    if (u.ban) {
      set("ban", u.ban);
      set("banned", u.ban.state === "DISABLE");
    }
    if (u.event === "ACCOUNT_DELETED") set("banned", true);
    if (u.violation_type) set("violation_type", u.violation_type);
    if (u.event === "MM_LITE_TERMS_SIGNED") set("marketing_messages_api", "onboarded");
    if (u.messaging_limit) set("tier", u.messaging_limit);
    return changed;
  }

  accountFacts(): AccountFacts {
    const f = this.facts.all("");
    const get = (k: string) => f.get(k)?.value;
    let updated: number | null = null;
    for (const v of f.values()) if (updated === null || v.at > updated) updated = v.at;
    const mm = get("marketing_messages_api");
    return {
      restrictions: Array.isArray(get("restrictions")) ? (get("restrictions") as AccountFacts["restrictions"]) : null,
      banned: typeof get("banned") === "boolean" ? (get("banned") as boolean) : null,
      ban: (get("ban") as AccountFacts["ban"]) ?? null,
      violation_type: typeof get("violation_type") === "string" ? (get("violation_type") as string) : null,
      marketing_messages_api: mm === "onboarded" || mm === "not_onboarded" ? mm : null,
      tier: typeof get("tier") === "string" ? (get("tier") as string) : null,
      tier_at: f.get("tier")?.at ?? null,
      updated_at: iso(updated),
    };
  }

  /** Webhook items the core could not read or fields it does not know: the last of each. */
  noteUnrecognized(items: { kind: string; what: string }[], at: number): void {
    for (const i of items) this.facts.set("webhook", `${i.kind}:${i.what.slice(0, 200)}`, i, at);
    this.store.sql.exec(
      "DELETE FROM facts WHERE scope = 'webhook' AND name NOT IN (SELECT name FROM facts WHERE scope = 'webhook' ORDER BY at DESC LIMIT 100)",
    );
  }

  // ---- phone numbers ---------------------------------------------------------------------------

  /** A number tells which display number it is; answers what was heard for that display number. */
  registerNumber(phoneNumberId: string, display: string): QualityFact | null {
    this.store.sql.exec(
      "INSERT INTO numbers (phone_number_id, display) VALUES (?, ?) ON CONFLICT (phone_number_id) DO UPDATE SET display = excluded.display",
      phoneNumberId,
      display,
    );
    return this.heardFor(display);
  }

  private heardFor(display: string): QualityFact | null {
    const f = this.facts.all(displayScope(display));
    if (f.size === 0) return null;
    const str = (k: string) => (typeof f.get(k)?.value === "string" ? (f.get(k)?.value as string) : null);
    return { throughput_level: str("throughput_level"), quality: str("quality"), at: Math.max(...[...f.values()].map((x) => x.at)) };
  }

  /** A `phone_number_quality_update`: the tier is the portfolio's; throughput level and quality
   *  are the number's (kept by display number until it registers). Answers the numbers it names. */
  applyPhoneQuality(display: string, q: QualityFact): string[] {
    if (q.tier) this.facts.set("", "tier", q.tier, q.at);
    const scope = displayScope(display);
    if (q.throughput_level) this.facts.set(scope, "throughput_level", q.throughput_level, q.at);
    if (q.quality) this.facts.set(scope, "quality", q.quality, q.at);
    return this.store.read((r) => text(r, "phone_number_id"), "SELECT phone_number_id FROM numbers WHERE display = ?", display);
  }

  // ---- the portfolio's rolling 24 hours --------------------------------------------------------

  /** A business-initiated send reached `recipient`: one row per recipient (its latest such send),
   *  rows past 24 hours pruned on write, so storage is bounded by the tier. */
  countRecipient(recipient: string, at: number): number {
    const sql = this.store.sql;
    sql.exec("DELETE FROM recent WHERE at < ?", at - DAY_MS);
    sql.exec("INSERT INTO recent (recipient, at) VALUES (?, ?) ON CONFLICT (recipient) DO UPDATE SET at = MAX(recent.at, excluded.at)", recipient, at);
    return this.uniqueRecipients(at);
  }

  uniqueRecipients(now: number): number {
    return this.store.read((r) => int(r, "n"), "SELECT COUNT(*) AS n FROM recent WHERE at >= ?", now - DAY_MS)[0] ?? 0;
  }

  /** `countRecipient` for a chunk of campaign sends. */
  countRecipients(recipients: string[], at: number): void {
    const sql = this.store.sql;
    sql.exec("DELETE FROM recent WHERE at < ?", at - DAY_MS);
    for (const r of recipients) {
      sql.exec("INSERT INTO recent (recipient, at) VALUES (?, ?) ON CONFLICT (recipient) DO UPDATE SET at = MAX(recent.at, excluded.at)", r, at);
    }
  }

  /** `peek` for a chunk of campaign sends: the WABA's state once, each recipient's 24 h flag. */
  peekMany(template: { name: string; language: string } | null, recipients: (string | null)[], now: number) {
    return {
      ...this.peek(template, null, now),
      messaged: recipients.map((r) =>
        r ? this.store.read((x) => int(x, "at"), "SELECT at FROM recent WHERE recipient = ? AND at >= ?", r, now - DAY_MS).length > 0 : false,
      ),
    };
  }

  /** What a send needs from the WABA in one round trip. */
  peek(template: { name: string; language: string } | null, recipient: string | null, now: number) {
    const messaged = recipient
      ? this.store.read((r) => int(r, "at"), "SELECT at FROM recent WHERE recipient = ? AND at >= ?", recipient, now - DAY_MS).length > 0
      : false;
    return {
      template: template ? this.templateFacts(template.name, template.language) : null,
      account: this.accountFacts(),
      unique_recipients_24h: this.uniqueRecipients(now),
      messaged_in_last_24h: messaged,
    };
  }
}

export type AccountPeek = ReturnType<AccountDO["peek"]>;

/** The WABA a number belongs to, by configuration (null: the deployment's default). */
export function wabaOfNumber(cfg: Config, phoneNumberId: string): string | null {
  return cfg.wabaByNumber[phoneNumberId] ?? cfg.wabaId;
}

/** The account object of a WABA named by a webhook: a configured WABA's own; with no WABA
 *  configured at all, every WABA is the default one. */
export function accountKeyOfWaba(cfg: Config, wabaId: string | null): string {
  const configured = cfg.wabaId !== null || Object.keys(cfg.wabaByNumber).length > 0;
  if (!configured || !wabaId) return "account";
  return wabaId === cfg.wabaId ? "account" : `waba:${wabaId}`;
}

function accountKeyOfNumber(cfg: Config, phoneNumberId: string): string {
  const waba = wabaOfNumber(cfg, phoneNumberId);
  return waba === null || waba === cfg.wabaId ? "account" : `waba:${waba}`;
}

export function accountStub(env: Env, key = "account") {
  return env.ACCOUNT.get(env.ACCOUNT.idFromName(key));
}

/** The account object a number's sends are gated by. */
export function accountStubFor(env: Env, phoneNumberId: string) {
  return accountStub(env, accountKeyOfNumber(config(env), phoneNumberId));
}
