// A workspace's record of what happened: one `sends` row per send attempt (its outcome, Meta's
// ids, its cost and ledger state, its delivery status) and the failures log the dashboard
// triages. Writes take a fixed column list; reads turn rows into typed records in one place.
import { int, optInt, optText, text, type Row, type Store } from "../store.ts";

export type SendOutcome = "forwarding" | "accepted" | "failed" | "blocked" | "rate_limited" | "error";

/** What a step of the send flow learned. A field left out (or null) keeps what is stored:
 *  a send's record only gains facts. */
export interface SendFacts {
  outcome: SendOutcome;
  http_status?: number | null;
  reason?: string | null;
  meta_code?: number | null;
  wamid?: string | null;
  wa_id?: string | null;
  recipient?: string | null;
  to_e164?: string | null;
  cost?: number | null;
  ledger?: "reserved" | null;
  attempts?: number | null;
}

// ?1 send_id, ?2 idempotency_key, ?3 phone_number_id, ?4 now, ?5… the facts in SendFacts order.
const RECORD_SEND = `
  INSERT INTO sends (send_id, idempotency_key, phone_number_id, created_at, updated_at, outcome, http_status, reason,
                     meta_code, wamid, wa_id, recipient, to_e164, cost, ledger, attempts)
  VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, COALESCE(?13, 0), COALESCE(?14, 'none'), COALESCE(?15, 0))
  ON CONFLICT (send_id) DO UPDATE SET
    updated_at = ?4, outcome = ?5, http_status = COALESCE(?6, http_status), reason = COALESCE(?7, reason),
    meta_code = COALESCE(?8, meta_code), wamid = COALESCE(?9, wamid), wa_id = COALESCE(?10, wa_id),
    recipient = COALESCE(?11, recipient), to_e164 = COALESCE(?12, to_e164), cost = COALESCE(?13, cost),
    ledger = COALESCE(?14, ledger), attempts = COALESCE(?15, attempts)`;

export interface SendRecord {
  send_id: string;
  idempotency_key: string;
  outcome: string;
  http_status: number | null;
  reason: string | null;
  meta_code: number | null;
  wamid: string | null;
  wa_id: string | null;
  recipient: string | null;
  to_e164: string | null;
  phone_number_id: string | null;
  cost: number;
  ledger: string;
  delivery: string | null;
  delivery_rank: number;
  attempts: number;
  created_at: number;
  updated_at: number;
}

const SEND_COLUMNS =
  "send_id, idempotency_key, outcome, http_status, reason, meta_code, wamid, wa_id, recipient, to_e164, phone_number_id, cost, ledger, delivery, delivery_rank, attempts, created_at, updated_at";

function sendRecord(r: Row): SendRecord {
  return {
    send_id: text(r, "send_id"),
    idempotency_key: text(r, "idempotency_key"),
    outcome: text(r, "outcome"),
    http_status: optInt(r, "http_status"),
    reason: optText(r, "reason"),
    meta_code: optInt(r, "meta_code"),
    wamid: optText(r, "wamid"),
    wa_id: optText(r, "wa_id"),
    recipient: optText(r, "recipient"),
    to_e164: optText(r, "to_e164"),
    phone_number_id: optText(r, "phone_number_id"),
    cost: int(r, "cost"),
    ledger: text(r, "ledger"),
    delivery: optText(r, "delivery"),
    delivery_rank: int(r, "delivery_rank"),
    attempts: int(r, "attempts"),
    created_at: int(r, "created_at"),
    updated_at: int(r, "updated_at"),
  };
}

/** What a status webhook needs of the send it reports on. */
export interface DeliveryTarget {
  send_id: string;
  idempotency_key: string;
  recipient: string | null;
  delivery_rank: number;
}

function deliveryTarget(r: Row): DeliveryTarget {
  return { send_id: text(r, "send_id"), idempotency_key: text(r, "idempotency_key"), recipient: optText(r, "recipient"), delivery_rank: int(r, "delivery_rank") };
}

export interface FailureEntry {
  source: "send" | "gate" | "webhook";
  reason: string;
  meta_code?: number | null;
  recipient?: string | null;
  send_id?: string | null;
  wamid?: string | null;
  key?: string | null;
  at?: number;
  detail: unknown;
}

export interface FailureQuery {
  from: number | null;
  to: number | null;
  reason: string | null;
  limit: number;
  cursor: number | null;
}

interface FailureRow {
  id: number;
  at: number;
  source: string;
  reason: string;
  meta_code: number | null;
  recipient: string | null;
  send_id: string | null;
  wamid: string | null;
  idempotency_key: string | null;
  detail: string;
}

function failureRow(r: Row): FailureRow {
  return {
    id: int(r, "id"),
    at: int(r, "at"),
    source: text(r, "source"),
    reason: text(r, "reason"),
    meta_code: optInt(r, "meta_code"),
    recipient: optText(r, "recipient"),
    send_id: optText(r, "send_id"),
    wamid: optText(r, "wamid"),
    idempotency_key: optText(r, "idempotency_key"),
    detail: text(r, "detail"),
  };
}

const counted = (r: Row) => ({ value: optText(r, "value"), n: int(r, "n") });

export class Outcomes {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  recordSend(sendId: string, key: string, phoneNumberId: string, f: SendFacts): void {
    this.store.sql.exec(
      RECORD_SEND,
      sendId,
      key,
      phoneNumberId,
      Date.now(),
      f.outcome,
      f.http_status ?? null,
      f.reason ?? null,
      f.meta_code ?? null,
      f.wamid ?? null,
      f.wa_id ?? null,
      f.recipient ?? null,
      f.to_e164 ?? null,
      f.cost ?? null,
      f.ledger ?? null,
      f.attempts ?? null,
    );
  }

  /** The stored outcome of one send (null if it has none yet). */
  outcomeOf(sendId: string): { outcome: string; to_e164: string | null } | null {
    const r = this.store.sql.exec("SELECT outcome, to_e164 FROM sends WHERE send_id = ?", sendId).toArray()[0];
    return r ? { outcome: text(r, "outcome"), to_e164: optText(r, "to_e164") } : null;
  }

  /** The send a status webhook is about: by our correlation id when Meta echoed it, else by wamid. */
  deliveryTarget(sendId: string | null, wamid: string): DeliveryTarget | null {
    const cols = "SELECT send_id, idempotency_key, recipient, delivery_rank FROM sends";
    const r = (sendId ? this.store.sql.exec(`${cols} WHERE send_id = ?`, sendId) : this.store.sql.exec(`${cols} WHERE wamid = ?`, wamid)).toArray()[0];
    return r ? deliveryTarget(r) : null;
  }

  /** Delivery status only moves forward: a late `sent` never overwrites `read`. */
  raiseDelivery(target: DeliveryTarget, status: string, rank: number, wamid: string): void {
    if (rank <= target.delivery_rank) return;
    this.store.sql.exec(
      "UPDATE sends SET delivery = ?, delivery_rank = ?, wamid = COALESCE(wamid, ?), updated_at = ? WHERE send_id = ?",
      status,
      rank,
      wamid,
      Date.now(),
      target.send_id,
    );
  }

  recordFailure(f: FailureEntry): void {
    this.store.sql.exec(
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

  // ---- reads (a workspace never written answers "nothing yet") -------------------------------

  failures(q: FailureQuery) {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const filter = (clause: string, value: string | number | null) => {
      if (value === null) return;
      where.push(clause);
      args.push(value);
    };
    filter("at >= ?", q.from);
    filter("at < ?", q.to);
    filter("reason = ?", q.reason);
    filter("id < ?", q.cursor);
    const rows = this.store.read(
      failureRow,
      `SELECT id, at, source, reason, meta_code, recipient, send_id, wamid, idempotency_key, detail FROM failures
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`,
      ...args,
      q.limit + 1,
    );
    const page = rows.slice(0, q.limit);
    return {
      failures: page.map(({ id, at, detail, ...r }) => ({ id, at: new Date(at).toISOString(), ...r, ...JSON.parse(detail) })),
      next_cursor: rows.length > q.limit ? String(page[page.length - 1].id) : null,
    };
  }

  /** Every recorded outcome for one idempotency key (or one send id), oldest first. */
  sendRecords(idOrKey: string): SendRecord[] {
    return this.store.read(sendRecord, `SELECT ${SEND_COLUMNS} FROM sends WHERE send_id = ? OR idempotency_key = ? ORDER BY created_at, rowid`, idOrKey, idOrKey);
  }

  sentTo(recipient: string): boolean {
    return this.store.read((r) => r, "SELECT 1 FROM sends WHERE recipient = ? LIMIT 1", recipient).length > 0;
  }

  counts() {
    const outcomes: Record<string, number> = {};
    for (const r of this.store.read(counted, "SELECT outcome AS value, COUNT(*) AS n FROM sends GROUP BY outcome")) outcomes[r.value ?? ""] = r.n;
    const delivery: Record<string, number> = {};
    for (const r of this.store.read(counted, "SELECT delivery AS value, COUNT(*) AS n FROM sends WHERE delivery IS NOT NULL GROUP BY delivery")) delivery[r.value ?? ""] = r.n;
    const failures = this.store.read((r) => int(r, "n"), "SELECT COUNT(*) AS n FROM failures")[0] ?? 0;
    return { sends: Object.values(outcomes).reduce((a, b) => a + b, 0), outcomes, delivery, failures };
  }
}
