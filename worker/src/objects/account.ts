// The WhatsApp Business Account as Meta sees it (one object, name "account"): template statuses
// from `message_template_status_update` and the per-number throughput buckets. Both are tiny and
// must be consistent across every workspace that sends through the same numbers.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { BucketTable, throughputRule } from "../bucket.ts";
import { iso } from "../time.ts";
import { ACCOUNT_SCHEMA } from "./schemas.ts";
import { Store, int, optText, text, type Row } from "../store.ts";

export interface TemplateStatus {
  name: string;
  language: string | null;
  status: string;
  reason: string | null;
  updated_at: string | null;
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

export class AccountDO extends DurableObject<Env> {
  private store: Store;
  private throughput: BucketTable;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new Store(ctx.storage, ACCOUNT_SCHEMA);
    this.throughput = new BucketTable(() => this.store.sql, {
      select: "SELECT tokens, at FROM buckets WHERE phone_number_id = ?",
      upsert: "INSERT INTO buckets (phone_number_id, tokens, at) VALUES (?, ?, ?) ON CONFLICT (phone_number_id) DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
    });
  }

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

  /** What a send needs from here in one round trip: the template's status and a throughput
   *  token (given back with `refund` if the send doesn't go out). */
  gate(template: { name: string; language: string } | null, phoneNumberId: string, mps: number) {
    return {
      template: template ? this.getTemplateStatus(template.name, template.language) : null,
      throughput: this.throughput.take([phoneNumberId], throughputRule(mps), 1),
    };
  }

  refund(phoneNumberId: string, mps: number): void {
    this.throughput.take([phoneNumberId], throughputRule(mps), -1);
  }
}

/** The one account object every workspace shares. */
export function accountStub(env: Env) {
  return env.ACCOUNT.get(env.ACCOUNT.idFromName("account"));
}
