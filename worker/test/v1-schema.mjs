// The tables as the worker created them before its schema was versioned (commit 03895d2, with
// `CREATE … IF NOT EXISTS` re-run by every object start): what a deployed object holds today.
// Frozen: the upgrade tests open databases written with exactly this.
export const V1_DDL = {
  WorkspaceDO: `
  CREATE TABLE IF NOT EXISTS idem (
    key TEXT PRIMARY KEY, hash TEXT NOT NULL, send_id TEXT NOT NULL, state TEXT NOT NULL,
    status INTEGER, response TEXT, at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS sends (
    send_id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL, outcome TEXT NOT NULL,
    http_status INTEGER, reason TEXT, meta_code INTEGER, wamid TEXT, wa_id TEXT, recipient TEXT,
    to_e164 TEXT, phone_number_id TEXT, cost INTEGER NOT NULL DEFAULT 0, ledger TEXT NOT NULL DEFAULT 'none',
    delivery TEXT, delivery_rank INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS sends_wamid ON sends (wamid);
  CREATE TABLE IF NOT EXISTS ledger (
    k INTEGER PRIMARY KEY CHECK (k = 1), balance INTEGER NOT NULL, reserved INTEGER NOT NULL,
    debited INTEGER NOT NULL, topped_up INTEGER NOT NULL,
    CHECK (balance >= 0 AND reserved >= 0 AND reserved <= balance));
  INSERT OR IGNORE INTO ledger VALUES (1, 0, 0, 0, 0);
  CREATE TABLE IF NOT EXISTS topups (reference TEXT PRIMARY KEY, amount INTEGER NOT NULL, at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL,
    meta_code INTEGER, recipient TEXT, send_id TEXT, wamid TEXT, idempotency_key TEXT, detail TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS failures_at ON failures (at);
  CREATE TABLE IF NOT EXISTS status_seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
`,
  RecipientDO: `
  CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY, last_inbound_at INTEGER, stop_reply_at INTEGER, start_reply_at INTEGER,
    preference_stop_at INTEGER, preference_resume_at INTEGER, undeliverable_at INTEGER,
    marketing_limited_at INTEGER, updated_at INTEGER);
  CREATE TABLE IF NOT EXISTS wa_ids (key TEXT NOT NULL, wa_id TEXT NOT NULL, PRIMARY KEY (key, wa_id));
  CREATE TABLE IF NOT EXISTS seen (key TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (key, id));
  CREATE TABLE IF NOT EXISTS pair (
    key TEXT NOT NULL, phone_number_id TEXT NOT NULL, tokens REAL NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (key, phone_number_id));
`,
  AccountDO: `
  CREATE TABLE IF NOT EXISTS templates (
    name TEXT NOT NULL, language TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
    at INTEGER NOT NULL, PRIMARY KEY (name, language));
  CREATE TABLE IF NOT EXISTS buckets (phone_number_id TEXT PRIMARY KEY, tokens REAL NOT NULL, at INTEGER NOT NULL);
`,
};
