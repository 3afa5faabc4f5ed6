// A Durable Object's SQLite database, versioned.
//
// Each object class declares its schema as migration steps: `steps[0]` builds version 1 from an
// empty database, `steps[i]` turns version i into i + 1. The version is kept in the one-row
// table `schema_version` (workerd refuses `PRAGMA user_version`). A released step is never
// edited: a change to a table is a new step appended to the list (`ALTER TABLE … ADD COLUMN`, a
// new table, a copy into a rebuilt table), and the steps run in order, in one transaction.
//
// When steps run:
// - A never-written object has no tables, and reading it creates none: a `/v1/check` of a new
//   recipient or a stats read of a new workspace must not turn into a write (about 5 ms of a
//   first check with state on disk) nor cost storage. `read` answers no rows; the object's
//   first write (`sql`) runs every step.
// - An object written by an older version is brought up to date when it is constructed, before
//   its first request, so reads and writes always see the current tables.
// - An object written by a newer version than this code refuses to start rather than guess.
//
// Rows come back as `Row`; each table's module turns them into its own typed row with the
// readers below (`int`, `text`, …), in one place per table.

export type Row = Record<string, SqlStorageValue>;

/** One step of a schema: runs inside the migration's transaction. */
export type Migration = (sql: SqlStorage) => void;

export interface Schema {
  /** The object class, for error messages. */
  name: string;
  steps: readonly Migration[];
  /** A table that version 1 creates: a database that has it but no `schema_version` was written
   *  before versions were recorded, and is at version 1. */
  legacyMarker: string;
}

/** What Store needs of `DurableObjectState.storage` (a node:sqlite adapter in unit tests). */
export interface SqlHost {
  sql: SqlStorage;
  transactionSync<T>(closure: () => T): T;
}

/** The stored schema version (0: never written), and whether it is recorded (false for a
 *  database written before versions were). */
export function storedVersion(sql: SqlStorage, legacyMarker: string): { version: number; recorded: boolean } {
  const tables = new Set(
    sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('schema_version', ?)", legacyMarker)
      .toArray()
      .map((r) => text(r, "name")),
  );
  if (tables.has("schema_version")) return { version: int(sql.exec("SELECT version FROM schema_version").one(), "version"), recorded: true };
  return { version: tables.has(legacyMarker) ? 1 : 0, recorded: false };
}

export function schemaVersion(sql: SqlStorage, legacyMarker: string): number {
  return storedVersion(sql, legacyMarker).version;
}

export class Store {
  private readonly host: SqlHost;
  private readonly schema: Schema;
  private version: number;

  constructor(host: SqlHost, schema: Schema) {
    this.host = host;
    this.schema = schema;
    const stored = storedVersion(host.sql, schema.legacyMarker);
    this.version = stored.version;
    if (this.version > schema.steps.length) {
      throw new Error(`${schema.name} storage is at schema version ${this.version}; this code knows ${schema.steps.length}`);
    }
    if (this.version > 0 && (this.version < schema.steps.length || !stored.recorded)) this.migrate();
  }

  /** The rows of a read, each turned into its typed row by `as`. An object never written has no
   *  rows, and reading it creates nothing. */
  read<T>(as: (row: Row) => T, query: string, ...bindings: SqlStorageValue[]): T[] {
    return this.version === 0 ? [] : this.host.sql.exec(query, ...bindings).toArray().map(as);
  }

  /** The object's SQL with its tables in place: for writes and the reads inside them. */
  get sql(): SqlStorage {
    if (this.version === 0) this.migrate();
    return this.host.sql;
  }

  /** A write transaction (the tables are created first if need be). */
  transaction<T>(closure: () => T): T {
    if (this.version === 0) this.migrate();
    return this.host.transactionSync(closure);
  }

  /** Runs the steps past the stored version, and records the new version, atomically. */
  private migrate(): void {
    const target = this.schema.steps.length;
    const from = this.version;
    this.host.transactionSync(() => {
      const sql = this.host.sql;
      for (let v = from; v < target; v++) this.schema.steps[v](sql);
      sql.exec("CREATE TABLE IF NOT EXISTS schema_version (k INTEGER PRIMARY KEY CHECK (k = 1), version INTEGER NOT NULL)");
      sql.exec("INSERT INTO schema_version (k, version) VALUES (1, ?) ON CONFLICT (k) DO UPDATE SET version = excluded.version", target);
    });
    this.version = target;
  }
}

// ---- typed column readers: a stored value of the wrong type is a bug, so they throw ----------

function wrongType(column: string, expected: string, value: SqlStorageValue | undefined): Error {
  return new Error(`column ${column}: expected ${expected}, found ${value === null ? "null" : typeof value}`);
}

export function int(row: Row, column: string): number {
  const v = row[column];
  if (typeof v !== "number" || !Number.isInteger(v)) throw wrongType(column, "an integer", v);
  return v;
}

export function optInt(row: Row, column: string): number | null {
  return row[column] === null ? null : int(row, column);
}

export function real(row: Row, column: string): number {
  const v = row[column];
  if (typeof v !== "number") throw wrongType(column, "a number", v);
  return v;
}

export function text(row: Row, column: string): string {
  const v = row[column];
  if (typeof v !== "string") throw wrongType(column, "text", v);
  return v;
}

export function optText(row: Row, column: string): string | null {
  return row[column] === null ? null : text(row, column);
}
