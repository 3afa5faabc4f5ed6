// What the Durable Objects keep on disk, read back from their SQLite files. Tables are created
// by an object's first write: checks and reads of a never-seen workspace, recipient and template
// write nothing, and what is written later is seen by the same live objects and after restarts. A
// recipient's webhook dedupe records are dropped past their window by its next event.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, test } from "node:test";
import { digits, inbound, phone, startStack, templateSend, templateStatus, textSend, uid } from "./harness.mjs";

const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "sendgate-state-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The rows `sql` returns from every SQLite file of the persisted Durable Object state (files
 *  without the table it reads are skipped). */
function storedRows(sql) {
  const rows = [];
  for (const file of readdirSync(dir, { recursive: true })) {
    if (!String(file).endsWith(".sqlite")) continue;
    const db = new DatabaseSync(join(dir, String(file)));
    try {
      rows.push(...db.prepare(sql).all());
    } catch (e) {
      if (!/no such table/.test(e.message)) throw e;
    } finally {
      db.close();
    }
  }
  return rows;
}

const storedTables = () => new Set(storedRows("SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => r.name));

const OUR_TABLES = ["ledger", "state", "templates"];
const reasons = (r) => r.json.blockers.map((b) => b.reason);

test("checks and reads create no tables; the first writes do, and live and restarted objects see them", async () => {
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
    // Since 2026-10-01 a service message is billed too: the never-written workspace has no credits.
    assert.deepEqual(reasons(x), ["OUTSIDE_CONVERSATION_WINDOW", "INSUFFICIENT_CREDITS"]);
    // Every read route of the never-written workspace and recipient answers "nothing yet".
    assert.deepEqual(await s.credits(ws), { workspace_id: ws, balance: 0, reserved: 0, available: 0, debited: 0, topped_up: 0 });
    const stats = await s.stats(ws);
    assert.deepEqual([stats.sends, stats.outcomes, stats.delivery, stats.failures, stats.credits.balance], [0, {}, {}, 0, 0]);
    const failures = await s.request("GET", `/v1/failures?workspace_id=${ws}`);
    assert.deepEqual([failures.status, failures.json.failures, failures.json.next_cursor], [200, [], null]);
    const records = await s.request("GET", `/v1/sends/no-such-key?workspace_id=${ws}`);
    assert.deepEqual([records.status, records.json.records], [200, []]);
    const recipient = await s.request("GET", `/v1/recipients/${digits(to)}`);
    assert.deepEqual([recipient.status, recipient.json.last_inbound_at, recipient.json.wa_ids], [200, null, []]);
  } finally {
    await s.stop();
  }
  const afterChecks = storedTables();
  // The sending number's first health_status read (after the first check answered, not before)
  // records the number and registers its display number with the WABA's account object: those
  // are the only rows written; the workspace and recipient objects have no tables.
  for (const table of ["ledger", "state"]) assert.ok(!afterChecks.has(table), `a check or read created table ${table}`);
  assert.deepEqual(storedRows("SELECT COUNT(*) AS n FROM templates").map((r) => r.n), afterChecks.has("templates") ? [0] : []);
  assert.deepEqual(storedRows("SELECT phone_number_id FROM numbers").map((r) => r.phone_number_id), afterChecks.has("numbers") ? ["100000001"] : []);

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

test("a recipient's next event drops its webhook dedupe records older than 8 days", async () => {
  const from = digits(phone());
  const tag = uid("prune").replace(/\W/g, "");
  const ids = () => storedRows("SELECT id FROM seen").map((r) => r.id).filter((id) => id.includes(tag)).sort();
  const tenDaysAgo = Date.now() - 10 * 24 * 3600_000;

  let s = await startStack({ persistTo: dir });
  try {
    const r = await s.webhook(inbound(from, "old", { id: `wamid.${tag}.old`, at: tenDaysAgo }));
    assert.equal(r.status, 200, r.text);
  } finally {
    await s.stop();
  }
  assert.deepEqual(ids(), [`msg:wamid.${tag}.old`]);

  s = await startStack({ persistTo: dir });
  try {
    // A new event and a replay of it: one record, and the old one is gone.
    const replayed = inbound(from, "new", { id: `wamid.${tag}.new` });
    for (let i = 0; i < 2; i++) assert.equal((await s.webhook(replayed)).status, 200);
    assert.ok(Date.now() - Date.parse((await s.recipient(from)).last_inbound_at) < 60_000);
  } finally {
    await s.stop();
  }
  assert.deepEqual(ids(), [`msg:wamid.${tag}.new`]);
});
