// The WhatsApp Business Account as Meta sees it (one object, name "account"): template statuses
// from `message_template_status_update` and the per-number throughput buckets. Both are tiny and
// must be consistent across every workspace that sends through the same numbers.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "./env";
import { Tables } from "./schema";
import { iso } from "./http";

export interface TemplateStatus {
  name: string;
  language: string | null;
  status: string;
  reason: string | null;
  updated_at: string | null;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS templates (
    name TEXT NOT NULL, language TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
    at INTEGER NOT NULL, PRIMARY KEY (name, language));
  CREATE TABLE IF NOT EXISTS buckets (phone_number_id TEXT PRIMARY KEY, tokens REAL NOT NULL, at INTEGER NOT NULL);
`;

export class AccountDO extends DurableObject<Env> {
  private tables: Tables;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.tables = new Tables(ctx.storage, SCHEMA, "templates");
  }

  /** Writes, and the reads inside them, go through here: the first one creates the tables. */
  private get sql(): SqlStorage {
    return this.tables.sql;
  }

  /** Newest wins; a status without a language (Meta omits it at times) applies to every language. */
  applyTemplateStatus(name: string, language: string | null, status: string, reason: string | null, at: number): boolean {
    const res = this.sql.exec(
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
    const row = this.tables.read(
      "SELECT name, language, status, reason, at FROM templates WHERE name = ? AND language IN (?, '') ORDER BY at DESC LIMIT 1",
      name,
      language,
    )[0];
    if (!row) return null;
    return {
      name: String(row.name),
      language: row.language ? String(row.language) : null,
      status: String(row.status),
      reason: row.reason === null ? null : String(row.reason),
      updated_at: iso(Number(row.at)),
    };
  }

  /** What a send needs from here in one round trip: the template's status and a throughput
   *  token (given back with `refund` if the send doesn't go out). */
  gate(template: { name: string; language: string } | null, phoneNumberId: string, mps: number) {
    return {
      template: template ? this.getTemplateStatus(template.name, template.language) : null,
      throughput: this.take(phoneNumberId, mps, 1),
    };
  }

  refund(phoneNumberId: string, mps: number): void {
    this.take(phoneNumberId, mps, -1);
  }

  /** Per-number throughput: a bucket of one second's worth of messages, refilled at `mps`. */
  private take(phoneNumberId: string, mps: number, n: number): { ok: boolean; retry_after: number } {
    const now = Date.now();
    const row = this.sql.exec("SELECT tokens, at FROM buckets WHERE phone_number_id = ?", phoneNumberId).toArray()[0];
    const capacity = Math.max(1, mps);
    let tokens = row ? Number(row.tokens) + ((now - Number(row.at)) / 1000) * mps : capacity;
    tokens = Math.min(capacity, tokens);
    if (tokens < n) return { ok: false, retry_after: Math.max(1, Math.ceil((n - tokens) / mps)) };
    this.sql.exec(
      "INSERT INTO buckets (phone_number_id, tokens, at) VALUES (?, ?, ?) ON CONFLICT (phone_number_id) DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
      phoneNumberId,
      Math.min(capacity, tokens - n),
      now,
    );
    return { ok: true, retry_after: 0 };
  }
}

/** The one account object every workspace shares. */
export function accountStub(env: Env) {
  return env.ACCOUNT.get(env.ACCOUNT.idFromName("account"));
}
