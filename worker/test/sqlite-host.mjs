// The part of a Durable Object's storage that src/store.ts uses (`sql.exec`, `transactionSync`),
// over node:sqlite, so the migration runner and the pure modules are tested without workerd.
import { DatabaseSync } from "node:sqlite";

class Cursor {
  constructor(rows, rowsWritten) {
    this.rows = rows;
    this.rowsWritten = rowsWritten;
  }
  toArray() {
    return this.rows;
  }
  one() {
    if (this.rows.length !== 1) throw new Error(`expected exactly one row, got ${this.rows.length}`);
    return this.rows[0];
  }
}

export function sqliteHost(path = ":memory:") {
  const db = new DatabaseSync(path);
  let depth = 0;
  const sql = {
    exec(query, ...bindings) {
      if (bindings.length === 0 && query.includes(";")) {
        db.exec(query);
        return new Cursor([], 0);
      }
      const stmt = db.prepare(query);
      if (/^\s*(SELECT|PRAGMA|WITH)\b/i.test(query) || /\bRETURNING\b/i.test(query)) return new Cursor(stmt.all(...bindings), 0);
      return new Cursor([], Number(stmt.run(...bindings).changes));
    },
  };
  return {
    db,
    sql,
    transactionSync(closure) {
      const name = `sp${++depth}`;
      db.exec(`SAVEPOINT ${name}`);
      try {
        const out = closure();
        db.exec(`RELEASE ${name}`);
        return out;
      } catch (e) {
        db.exec(`ROLLBACK TO ${name}`);
        db.exec(`RELEASE ${name}`);
        throw e;
      } finally {
        depth--;
      }
    },
    tables() {
      return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
    },
  };
}
