// Durable Object tables are created by an object's first write: checks of a never-seen
// workspace, recipient and template write nothing, and what is written later is seen by the
// same live objects and after restarts (the objects find their tables on disk).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, test } from "node:test";
import { digits, inbound, phone, startStack, templateSend, templateStatus, textSend, uid } from "./harness.mjs";

const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "sendgate-state-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The tables in every SQLite file of the persisted Durable Object state. */
function storedTables() {
  const names = new Set();
  for (const file of readdirSync(dir, { recursive: true })) {
    if (!String(file).endsWith(".sqlite")) continue;
    const db = new DatabaseSync(join(dir, String(file)));
    try {
      for (const row of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()) names.add(row.name);
    } finally {
      db.close();
    }
  }
  return names;
}

const OUR_TABLES = ["ledger", "state", "templates"];
const reasons = (r) => r.json.blockers.map((b) => b.reason);

test("checks create no tables; the first writes do, and live and restarted objects see them", async () => {
  const ws = uid("ws");
  const to = phone();
  const name = `promo_${uid("t").replace(/\W/g, "_")}`;
  const template = () => {
    const { idempotency_key, ...body } = templateSend({ to, workspace: ws, name });
    return body;
  };
  const text = () => {
    const { idempotency_key, ...body } = textSend({ to, workspace: ws });
    return body;
  };

  // 1. A new deployment whose first requests are checks.
  let s = await startStack({ persistTo: dir });
  try {
    const t = await s.check(template());
    assert.equal(t.status, 200, t.text);
    assert.deepEqual(reasons(t), ["INSUFFICIENT_CREDITS"]);
    const x = await s.check(text());
    assert.equal(x.status, 200, x.text);
    assert.deepEqual(reasons(x), ["OUTSIDE_CONVERSATION_WINDOW"]);
  } finally {
    await s.stop();
  }
  const afterChecks = storedTables();
  for (const table of OUR_TABLES) assert.ok(!afterChecks.has(table), `a check created table ${table}`);

  // 2. Restarted: the objects are read (still no tables), then written, then read again.
  s = await startStack({ persistTo: dir });
  try {
    assert.deepEqual(reasons(await s.check(template())), ["INSUFFICIENT_CREDITS"]);
    await s.topUp(ws, 5);
    assert.equal((await s.webhook(inbound(digits(to), "hi"))).status, 200);
    assert.equal((await s.webhook(templateStatus(name, "en_US", "PAUSED"))).status, 200);
    assert.deepEqual(reasons(await s.check(template())), ["TEMPLATE_NOT_APPROVED"]);
    const x = await s.check(text());
    assert.equal(x.json.eligible, true, x.text);
  } finally {
    await s.stop();
  }
  const afterWrites = storedTables();
  for (const table of OUR_TABLES) assert.ok(afterWrites.has(table), `table ${table} was not created by a write`);

  // 3. Restarted over the written state: new instances find their tables.
  s = await startStack({ persistTo: dir });
  try {
    assert.deepEqual(reasons(await s.check(template())), ["TEMPLATE_NOT_APPROVED"]);
    assert.equal((await s.check(text())).json.eligible, true);
    assert.equal((await s.credits(ws)).available, 5);
  } finally {
    await s.stop();
  }
});
