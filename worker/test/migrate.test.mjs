// Durable Objects written by the version before the schema was versioned (tables from
// v1-schema.mjs, no schema_version) are upgraded by the current code in real workerd: their data
// is read and written correctly, and they end at the current version with its indexes.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, test } from "node:test";
import { ACCOUNT_SCHEMA, RECIPIENT_SCHEMA, WORKSPACE_SCHEMA } from "../src/objects/schemas.ts";
import { SECRETS, digits, envelope, inbound, phone, startStack, templateSend, templateStatus, uid } from "./harness.mjs";
import { V1_DDL } from "./v1-schema.mjs";

const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "sendgate-migrate-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The one SQLite file of the persisted state where `probe` finds a row. */
function fileWhere(probe, ...args) {
  const hits = [];
  for (const f of readdirSync(dir, { recursive: true })) {
    if (!String(f).endsWith(".sqlite")) continue;
    const db = new DatabaseSync(join(dir, String(f)));
    try {
      if (db.prepare(probe).get(...args)) hits.push(join(dir, String(f)));
    } catch (e) {
      if (!/no such table/.test(e.message)) throw e;
    } finally {
      db.close();
    }
  }
  assert.equal(hits.length, 1, `one file for ${probe}`);
  return hits[0];
}

/** Replaces our tables in `file` (all but workerd's and miniflare's own) by the pre-versioning
 *  ones of `cls`, then runs `fill`. */
function rewriteAsV1(file, cls, fill) {
  const db = new DatabaseSync(file);
  try {
    const ours = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\'").all();
    for (const { name } of ours) db.exec(`DROP TABLE "${name}"`);
    db.exec(V1_DDL[cls]);
    fill(db);
  } finally {
    db.close();
  }
}

const inFile = (file, sql) => {
  const db = new DatabaseSync(file);
  try {
    return db.prepare(sql).all().map((r) => ({ ...r }));
  } finally {
    db.close();
  }
};

test("objects written before versioning are upgraded, keep their data, and work", async () => {
  const ws = uid("ws");
  const reference = uid("ref");
  const to = phone("100");
  const template = `promo_${uid("t").replace(/\W/g, "_")}`;
  const sendId = crypto.randomUUID();
  const hourAgo = Date.now() - 3600_000;

  // 1. Objects of every class exist on disk (written by this code), then are rewritten as the
  // previous version left them.
  let s = await startStack({ persistTo: dir });
  try {
    await s.request("POST", "/v1/admin/credits", { body: { workspace_id: ws, amount: 1, reference }, key: SECRETS.ADMIN_API_KEY });
    assert.equal((await s.webhook(inbound(digits(to), "hi"))).status, 200);
    assert.equal((await s.webhook(templateStatus(template, "en_US", "APPROVED"))).status, 200);
  } finally {
    await s.stop();
  }
  const wsFile = fileWhere("SELECT 1 FROM topups WHERE reference = ?", reference);
  const recipientFile = fileWhere("SELECT 1 FROM state WHERE key = ?", digits(to));
  const accountFile = fileWhere("SELECT 1 FROM templates WHERE name = ?", template);
  rewriteAsV1(wsFile, "WorkspaceDO", (db) => {
    db.prepare("UPDATE ledger SET balance = 9, reserved = 1, topped_up = 9 WHERE k = 1").run();
    db.prepare("INSERT INTO topups VALUES (?, 9, ?)").run(reference, hourAgo);
    db.prepare(
      `INSERT INTO sends (send_id, idempotency_key, outcome, http_status, wamid, wa_id, recipient, to_e164, phone_number_id, cost, ledger, delivery, delivery_rank, attempts, created_at, updated_at)
       VALUES (?, 'legacy-key', 'accepted', 200, 'wamid.legacy', ?, ?, ?, '100000001', 1, 'reserved', 'sent', 1, 1, ?, ?)`,
    ).run(sendId, digits(to), digits(to), to, hourAgo, hourAgo);
    db.prepare("INSERT INTO idem VALUES ('legacy-key', 'h', ?, 'done', 200, ?, ?)").run(sendId, JSON.stringify({ outcome: "accepted", send_id: sendId }), hourAgo);
    db.prepare("INSERT INTO failures (at, source, reason, meta_code, recipient, detail) VALUES (?, 'webhook', 'RECIPIENT_NOT_ON_WHATSAPP', 131026, '447911000101', ?)").run(
      hourAgo,
      JSON.stringify({ event: { kind: "status" } }),
    );
  });
  rewriteAsV1(recipientFile, "RecipientDO", (db) => {
    db.prepare("INSERT INTO state (key, last_inbound_at, stop_reply_at, updated_at) VALUES (?, ?, ?, ?)").run(digits(to), hourAgo, hourAgo, hourAgo);
    db.prepare("INSERT INTO wa_ids VALUES (?, ?)").run(digits(to), digits(to));
  });
  rewriteAsV1(accountFile, "AccountDO", (db) => {
    db.prepare("INSERT INTO templates VALUES (?, 'en_US', 'PAUSED', 'Low quality', ?)").run(template, hourAgo);
  });
  assert.deepEqual(inFile(wsFile, "SELECT name FROM sqlite_master WHERE name = 'schema_version'"), []);

  // 2. The current code over them: reads first (the upgrade runs when an object starts), then writes.
  s = await startStack({ persistTo: dir });
  try {
    const credits = await s.credits(ws);
    assert.deepEqual([credits.balance, credits.reserved, credits.available, credits.topped_up], [9, 1, 8, 9]);
    const records = (await s.request("GET", `/v1/sends/legacy-key?workspace_id=${ws}`)).json.records;
    assert.equal(records.length, 1);
    assert.deepEqual([records[0].send_id, records[0].outcome, records[0].ledger, records[0].delivery, records[0].cost], [sendId, "accepted", "reserved", "sent", 1]);
    const failures = (await s.request("GET", `/v1/failures?workspace_id=${ws}&reason=RECIPIENT_NOT_ON_WHATSAPP`)).json.failures;
    assert.deepEqual(failures.map((f) => [f.reason, f.meta_code, f.source]), [["RECIPIENT_NOT_ON_WHATSAPP", 131026, "webhook"]]);
    const recipient = await s.recipient(digits(to));
    assert.equal(recipient.stop_reply_at, new Date(hourAgo).toISOString());
    assert.deepEqual(recipient.wa_ids, [digits(to)]);

    // The legacy send's delivery debits its reservation once.
    const delivered = envelope({ statuses: [{ id: "wamid.legacy", status: "delivered", timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: digits(to), biz_opaque_callback_data: `sg1:${ws}:${sendId}` }] });
    assert.equal((await s.webhook(delivered)).status, 200);
    assert.equal((await s.webhook(delivered)).status, 200);
    const after = await s.credits(ws);
    assert.deepEqual([after.balance, after.reserved, after.debited], [8, 0, 1]);
    assert.equal((await s.stats(ws)).delivery.delivered, 1);

    // Edge state kept by the old version still gates: the STOP reply and the paused template.
    const stopped = await s.send(templateSend({ to, workspace: ws, name: template }));
    assert.equal(stopped.status, 422, stopped.text);
    assert.ok(stopped.json.verdict.blockers.some((b) => b.reason === "CUSTOMER_IS_NOT_OPTED_IN"), stopped.text);
    const paused = await s.check({ contact: { phone: phone("100"), marketing_state: "SUBSCRIBED" }, source: "campaign", workspace_id: ws, message: templateSend({ to, name: template }).message });
    assert.ok(paused.json.blockers.some((b) => b.reason === "TEMPLATE_NOT_APPROVED"), paused.text);
    // …and a new send goes out and is recorded next to the old one.
    const sent = await s.send(templateSend({ to: phone("100"), workspace: ws }));
    assert.equal(sent.status, 200, sent.text);
    assert.equal((await s.stats(ws)).sends, 3);
  } finally {
    await s.stop();
  }

  // 3. On disk: every object records the current version; the workspace has the later steps' indexes.
  assert.deepEqual(inFile(wsFile, "SELECT version FROM schema_version"), [{ version: WORKSPACE_SCHEMA.steps.length }]);
  for (const [f, schema] of [[recipientFile, RECIPIENT_SCHEMA], [accountFile, ACCOUNT_SCHEMA]]) {
    assert.deepEqual(inFile(f, "SELECT version FROM schema_version"), [{ version: schema.steps.length }]);
  }
  const indexes = inFile(wsFile, "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").map((r) => r.name);
  assert.deepEqual(indexes, ["failures_at", "failures_reason", "sends_idempotency_key", "sends_recipient", "sends_wamid"]);
});
