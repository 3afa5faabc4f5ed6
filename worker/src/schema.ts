// A Durable Object's SQLite tables, created by the object's first write rather than by its
// constructor. A `/v1/check` often reads objects that were never written (a new recipient, a
// new workspace); creating their tables then turned that read into a write transaction: about
// 5 ms of the worker's first check with state on disk (within noise on tmpfs).

export class Tables {
  private created: boolean;

  /** `marker`: one table of `ddl`, whose presence means the DDL has run in this object. */
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly ddl: string,
    marker: string,
  ) {
    this.created = storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", marker).toArray().length > 0;
    // An existing object runs the DDL again: it only adds what a newer version defines.
    if (this.created) storage.sql.exec(ddl);
  }

  /** The rows of a read. An object never written has no rows, and reading it creates nothing:
   *  any id can be read (a check of a new recipient, a stats read of a new workspace), and a
   *  read must cost no storage. */
  read(query: string, ...bindings: SqlStorageValue[]): Record<string, SqlStorageValue>[] {
    return this.created ? this.storage.sql.exec(query, ...bindings).toArray() : [];
  }

  /** The object's SQL with its tables in place: for writes and the reads inside them. */
  get sql(): SqlStorage {
    if (!this.created) {
      this.storage.sql.exec(this.ddl);
      this.created = true;
    }
    return this.storage.sql;
  }
}
