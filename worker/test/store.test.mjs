// Versioned Durable Object storage (src/store.ts) and the schemas of every object class
// (src/objects/schemas.ts), on node:sqlite: no workerd. test/migrate.test.mjs runs the same
// upgrade in real workerd.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCOUNT_SCHEMA, RECIPIENT_SCHEMA, WORKSPACE_SCHEMA } from "../src/objects/schemas.ts";
import { Store, int, optInt, optText, real, schemaVersion, text } from "../src/store.ts";
import { V1_DDL } from "./v1-schema.mjs";
import { sqliteHost } from "./sqlite-host.mjs";

const userTables = (host) => host.tables().filter((t) => t !== "sqlite_sequence");

/** A schema whose steps log their runs. */
function logged(log, n = 3) {
  return {
    name: "TestDO",
    legacyMarker: "t1",
    steps: Array.from({ length: n }, (_, i) => (sql) => {
      log.push(i + 1);
      sql.exec(`CREATE TABLE t${i + 1} (x INTEGER)`);
    }),
  };
}

describe("Store: when steps run", () => {
  test("a never-written database: reads answer no rows and create nothing; the first write runs every step once", () => {
    const host = sqliteHost();
    const log = [];
    const store = new Store(host, logged(log));
    assert.deepEqual(store.read((r) => r, "SELECT x FROM t1"), []);
    assert.deepEqual(userTables(host), []);
    assert.deepEqual(log, []);
    store.sql.exec("INSERT INTO t1 VALUES (1)");
    assert.deepEqual(log, [1, 2, 3]);
    assert.deepEqual(userTables(host), ["schema_version", "t1", "t2", "t3"]);
    assert.equal(schemaVersion(host.sql, "t1"), 3);
    store.sql.exec("INSERT INTO t1 VALUES (2)");
    assert.deepEqual(log, [1, 2, 3], "steps run once");
    // A new instance over the same database (an object restart) runs nothing.
    const again = new Store(host, logged(log));
    assert.deepEqual(again.read((r) => int(r, "x"), "SELECT x FROM t1 ORDER BY x"), [1, 2]);
    assert.deepEqual(log, [1, 2, 3]);
  });

  test("an older database is brought up to date when the object starts, before any read", () => {
    const host = sqliteHost();
    const log = [];
    new Store(host, logged(log, 1)).sql.exec("INSERT INTO t1 VALUES (7)");
    assert.equal(schemaVersion(host.sql, "t1"), 1);
    const store = new Store(host, logged(log, 3));
    assert.deepEqual(log, [1, 2, 3], "only the missing steps ran, in order");
    assert.equal(schemaVersion(host.sql, "t1"), 3);
    assert.deepEqual(store.read((r) => r.x, "SELECT x FROM t2"), []);
    assert.deepEqual(store.read((r) => int(r, "x"), "SELECT x FROM t1"), [7]);
  });

  test("a database written before versions were recorded is version 1", () => {
    const host = sqliteHost();
    host.sql.exec("CREATE TABLE t1 (x INTEGER)");
    host.sql.exec("INSERT INTO t1 VALUES (3)");
    assert.equal(schemaVersion(host.sql, "t1"), 1);
    const log = [];
    new Store(host, logged(log, 2));
    assert.deepEqual(log, [2]);
    assert.equal(schemaVersion(host.sql, "t1"), 2);
  });

  test("a failing step leaves the database as it was, and the next start tries again", () => {
    const host = sqliteHost();
    new Store(host, logged([], 1)).sql.exec("INSERT INTO t1 VALUES (1)");
    const broken = {
      ...logged([], 1),
      steps: [
        logged([], 1).steps[0],
        (sql) => {
          sql.exec("CREATE TABLE t2 (x INTEGER)");
          sql.exec("INSERT INTO no_such_table VALUES (1)");
        },
      ],
    };
    assert.throws(() => new Store(host, broken), /no such table/);
    assert.equal(schemaVersion(host.sql, "t1"), 1);
    assert.ok(!host.tables().includes("t2"), "half a step was kept");
    const log = [];
    new Store(host, logged(log, 2));
    assert.deepEqual(log, [2]);
  });

  test("a database from a newer version of the code is refused, not guessed at", () => {
    const host = sqliteHost();
    new Store(host, logged([], 3)).sql.exec("INSERT INTO t1 VALUES (1)");
    assert.throws(() => new Store(host, logged([], 2)), /TestDO storage is at schema version 3; this code knows 2/);
  });
});

describe("typed column readers", () => {
  test("the stored type is checked, with the column named", () => {
    const row = { n: 5, f: 1.5, s: "x", none: null };
    assert.equal(int(row, "n"), 5);
    assert.equal(real(row, "f"), 1.5);
    assert.equal(text(row, "s"), "x");
    assert.equal(optInt(row, "none"), null);
    assert.equal(optText(row, "none"), null);
    assert.throws(() => int(row, "f"), /column f: expected an integer, found number/);
    assert.throws(() => int(row, "s"), /column s: expected an integer, found string/);
    assert.throws(() => text(row, "none"), /column none: expected text, found null/);
    assert.throws(() => optInt(row, "missing"), /column missing/);
  });
});

describe("the objects' schemas", () => {
  for (const schema of [WORKSPACE_SCHEMA, RECIPIENT_SCHEMA, ACCOUNT_SCHEMA]) {
    test(`${schema.name}: a fresh database and one written by the version before versioning end with the same tables and indexes`, () => {
      const fresh = sqliteHost();
      void new Store(fresh, schema).sql;
      const legacy = sqliteHost();
      legacy.sql.exec(V1_DDL[schema.name]);
      assert.equal(schemaVersion(legacy.sql, schema.legacyMarker), 1);
      new Store(legacy, schema);
      assert.equal(schemaVersion(legacy.sql, schema.legacyMarker), schema.steps.length);
      const shape = (host) =>
        host.db
          .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
          .all()
          .map((r) => `${r.type} ${r.name} on ${r.tbl_name}: ${(r.sql ?? "").replace(/\s+/g, " ").replace(/ IF NOT EXISTS/g, "")}`);
      assert.deepEqual(shape(legacy), shape(fresh));
    });
  }
});
