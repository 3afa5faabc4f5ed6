// A small keyed table of facts (name → JSON value, dated by Meta's own time): newest wins, a
// replay or an older webhook changes nothing. PhoneNumberDO and AccountDO keep what Meta says
// about a number or a WABA this way.
import { int, text, type Row, type Store } from "./store.ts";

export interface Fact {
  value: unknown;
  /** Epoch ms of the event (Meta's timestamp, or the read time of a Graph read). */
  at: number;
}

export class FactTable {
  private readonly store: Store;
  private readonly table: string;

  constructor(store: Store, table: string) {
    this.store = store;
    this.table = table;
  }

  /** Sets `name` if `at` is not older than what is stored; true when it changed something. */
  set(scope: string, name: string, value: unknown, at: number): boolean {
    const res = this.store.sql.exec(
      `INSERT INTO ${this.table} (scope, name, value, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (scope, name) DO UPDATE SET value = excluded.value, at = excluded.at
       WHERE excluded.at >= ${this.table}.at AND excluded.value IS NOT ${this.table}.value`,
      scope,
      name,
      JSON.stringify(value ?? null),
      at,
    );
    return res.rowsWritten > 0;
  }

  /** Every fact of `scope` (a never-written object has none, and reading creates nothing). */
  all(scope: string): Map<string, Fact> {
    const rows = this.store.read((r: Row) => [text(r, "name"), { value: JSON.parse(text(r, "value")), at: int(r, "at") }] as const, `SELECT name, value, at FROM ${this.table} WHERE scope = ?`, scope);
    return new Map(rows);
  }
}
