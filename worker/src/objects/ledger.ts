// A workspace's credit ledger: the balance, what in-flight sends have reserved, and each send's
// ledger state (`none` → `reserved` → `debited` | `released`, kept on its `sends` row). Every
// change is a compare-and-set inside one transaction, so the balance never goes negative and a
// send is debited or released at most once, however webhooks are ordered or repeated.
import { int, type Row, type Store } from "../store.ts";

interface LedgerRow {
  balance: number;
  reserved: number;
  debited: number;
  topped_up: number;
}

export interface Credits extends LedgerRow {
  available: number;
}

function ledgerRow(r: Row): LedgerRow {
  return { balance: int(r, "balance"), reserved: int(r, "reserved"), debited: int(r, "debited"), topped_up: int(r, "topped_up") };
}

const cost = (r: Row) => int(r, "cost");

/** A workspace never written has the empty ledger its first write inserts. */
const EMPTY: LedgerRow = { balance: 0, reserved: 0, debited: 0, topped_up: 0 };

export class Ledger {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  credits(): Credits {
    const l = this.store.read(ledgerRow, "SELECT balance, reserved, debited, topped_up FROM ledger WHERE k = 1")[0] ?? EMPTY;
    return { balance: l.balance, reserved: l.reserved, available: l.balance - l.reserved, debited: l.debited, topped_up: l.topped_up };
  }

  /** Credits free to spend now: the balance minus what in-flight sends have reserved. */
  available(): number {
    return this.credits().available;
  }

  /** An admin top-up; a repeated `reference` is applied once. Returns whether it was applied. */
  topUp(amount: number, reference: string | null): boolean {
    return this.store.transaction(() => {
      const sql = this.store.sql;
      const applied = reference === null || sql.exec("INSERT OR IGNORE INTO topups VALUES (?, ?, ?)", reference, amount, Date.now()).rowsWritten > 0;
      if (applied) sql.exec("UPDATE ledger SET balance = balance + ?, topped_up = topped_up + ? WHERE k = 1", amount, amount);
      return applied;
    });
  }

  /** Reserves `amount` if that much is available, and then runs `record` (which marks the send
   *  `reserved`) in the same transaction. */
  reserve(amount: number, record: () => void): boolean {
    return this.store.transaction(() => {
      const ok = this.store.sql.exec("UPDATE ledger SET reserved = reserved + ? WHERE k = 1 AND balance - reserved >= ?", amount, amount).rowsWritten > 0;
      if (ok) record();
      return ok;
    });
  }

  /** Compare-and-set on the send's ledger state, so each transition happens at most once. */
  settle(sendId: string, to: "debited" | "released"): boolean {
    return this.store.transaction(() => {
      const sql = this.store.sql;
      const row = sql.exec("SELECT cost FROM sends WHERE send_id = ? AND ledger = 'reserved'", sendId).toArray()[0];
      if (!row) return false;
      const amount = cost(row);
      sql.exec("UPDATE sends SET ledger = ?, updated_at = ? WHERE send_id = ?", to, Date.now(), sendId);
      if (to === "debited") {
        sql.exec("UPDATE ledger SET balance = balance - ?, reserved = reserved - ?, debited = debited + ? WHERE k = 1", amount, amount, amount);
      } else {
        sql.exec("UPDATE ledger SET reserved = reserved - ? WHERE k = 1", amount);
      }
      return true;
    });
  }

  /** A send that ended `failed` without a clear answer from Meta (timeout) but was delivered
   *  after all: Meta bills it, so the workspace is debited, if its credits allow. */
  lateDebit(sendId: string): void {
    this.store.transaction(() => {
      const sql = this.store.sql;
      const row = sql.exec("SELECT cost FROM sends WHERE send_id = ? AND outcome = 'failed' AND ledger = 'released'", sendId).toArray()[0];
      const amount = row ? cost(row) : 0;
      if (amount <= 0) return;
      const ok =
        sql.exec("UPDATE ledger SET balance = balance - ?, debited = debited + ? WHERE k = 1 AND balance - reserved >= ?", amount, amount, amount)
          .rowsWritten > 0;
      if (ok) sql.exec("UPDATE sends SET ledger = 'debited', updated_at = ? WHERE send_id = ?", Date.now(), sendId);
    });
  }

  // ---- campaigns: a campaign object keeps each contact's ledger state; the workspace applies
  // its operations, each once by id (the campaign retries one until it is acknowledged).

  /** Reserves `costs` in order while the balance allows; the count reserved (a prefix). A
   *  repeated `opId` answers what it did the first time. */
  reservePrefix(campaignId: string, opId: string, costs: number[]): number {
    return this.store.transaction(() => {
      const sql = this.store.sql;
      const done = sql.exec("SELECT result FROM campaign_ops WHERE campaign_id = ? AND op_id = ?", campaignId, opId).toArray()[0];
      if (done) return int(done, "result");
      let available = this.credits().available;
      let n = 0;
      let total = 0;
      for (const c of costs) {
        if (c > available) break;
        available -= c;
        total += c;
        n++;
      }
      if (total > 0) sql.exec("UPDATE ledger SET reserved = reserved + ? WHERE k = 1", total);
      sql.exec("INSERT INTO campaign_ops (campaign_id, op_id, result, at) VALUES (?, ?, ?, ?)", campaignId, opId, n, Date.now());
      return n;
    });
  }

  /** Settles a campaign's reserved credits: `debit` spent (accepted by Meta), `release` given
   *  back; `late` debits credits already released (a send Meta took after all), as far as the
   *  balance allows. Applied once per `opId`. */
  settleCampaign(campaignId: string, opId: string, op: { debit: number; release: number; late: number }): void {
    this.store.transaction(() => {
      const sql = this.store.sql;
      if (sql.exec("INSERT OR IGNORE INTO campaign_ops (campaign_id, op_id, result, at) VALUES (?, ?, 0, ?)", campaignId, opId, Date.now()).rowsWritten === 0) return;
      const settled = op.debit + op.release;
      if (settled > 0) {
        sql.exec("UPDATE ledger SET balance = balance - ?, reserved = reserved - ?, debited = debited + ? WHERE k = 1", op.debit, settled, op.debit);
      }
      if (op.late > 0) {
        sql.exec("UPDATE ledger SET balance = balance - ?, debited = debited + ? WHERE k = 1 AND balance - reserved >= ?", op.late, op.late, op.late);
      }
    });
  }
}
