// The SQLite schema of every Durable Object class, as migration steps (see store.ts: a released
// step is never edited; a change is a new step at the end of its list). They live apart from the
// classes so that plain Node can run them (test/store.test.mjs upgrades databases written by
// earlier versions). A new Durable Object class declares its schema here and adds a
// `new_sqlite_classes` migration to wrangler.jsonc.
import type { Schema } from "../store.ts";

export const WORKSPACE_SCHEMA: Schema = {
  name: "WorkspaceDO",
  legacyMarker: "ledger",
  steps: [
    // 1: idempotency records, send outcomes, ledger and top-ups, failures log, status dedupe.
    (sql) =>
      sql.exec(`
        CREATE TABLE idem (
          key TEXT PRIMARY KEY, hash TEXT NOT NULL, send_id TEXT NOT NULL, state TEXT NOT NULL,
          status INTEGER, response TEXT, at INTEGER NOT NULL);
        CREATE TABLE sends (
          send_id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL, outcome TEXT NOT NULL,
          http_status INTEGER, reason TEXT, meta_code INTEGER, wamid TEXT, wa_id TEXT, recipient TEXT,
          to_e164 TEXT, phone_number_id TEXT, cost INTEGER NOT NULL DEFAULT 0, ledger TEXT NOT NULL DEFAULT 'none',
          delivery TEXT, delivery_rank INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE INDEX sends_wamid ON sends (wamid);
        CREATE TABLE ledger (
          k INTEGER PRIMARY KEY CHECK (k = 1), balance INTEGER NOT NULL, reserved INTEGER NOT NULL,
          debited INTEGER NOT NULL, topped_up INTEGER NOT NULL,
          CHECK (balance >= 0 AND reserved >= 0 AND reserved <= balance));
        INSERT INTO ledger VALUES (1, 0, 0, 0, 0);
        CREATE TABLE topups (reference TEXT PRIMARY KEY, amount INTEGER NOT NULL, at INTEGER NOT NULL);
        CREATE TABLE failures (
          id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL,
          meta_code INTEGER, recipient TEXT, send_id TEXT, wamid TEXT, idempotency_key TEXT, detail TEXT NOT NULL);
        CREATE INDEX failures_at ON failures (at);
        CREATE TABLE status_seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL);`),
    // 2: `GET /v1/sends/{key}` and the failures log's reason filter were full scans.
    (sql) =>
      sql.exec(`
        CREATE INDEX sends_idempotency_key ON sends (idempotency_key);
        CREATE INDEX failures_reason ON failures (reason, id);`),
    // 3: tenancy: the workspace's keys (SHA-256 only), its profile, and the index that tells
    // whether it ever sent to a recipient (its keys read only those recipients).
    (sql) =>
      sql.exec(`
        CREATE TABLE api_keys (
          key_id TEXT PRIMARY KEY, hash TEXT NOT NULL, label TEXT, scopes TEXT NOT NULL,
          created_at INTEGER NOT NULL, last_used_at INTEGER, revoked_at INTEGER);
        CREATE TABLE profile (k INTEGER PRIMARY KEY CHECK (k = 1), name TEXT, phone_number_ids TEXT NOT NULL);
        CREATE INDEX sends_recipient ON sends (recipient);`),
    // 4: campaigns: the workspace's list, and the ledger operations campaign objects applied
    // (each at most once, by id: a campaign retries an operation until it is acknowledged).
    (sql) =>
      sql.exec(`
        CREATE TABLE campaigns (campaign_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
        CREATE TABLE campaign_ops (
          campaign_id TEXT NOT NULL, op_id TEXT NOT NULL, result INTEGER NOT NULL, at INTEGER NOT NULL,
          PRIMARY KEY (campaign_id, op_id));`),
  ],
};

export const RECIPIENT_SCHEMA: Schema = {
  name: "RecipientDO",
  legacyMarker: "state",
  steps: [
    // 1: state, wa_id spellings, webhook dedupe, pair buckets.
    (sql) =>
      sql.exec(`
        CREATE TABLE state (
          key TEXT PRIMARY KEY, last_inbound_at INTEGER, stop_reply_at INTEGER, start_reply_at INTEGER,
          preference_stop_at INTEGER, preference_resume_at INTEGER, undeliverable_at INTEGER,
          marketing_limited_at INTEGER, updated_at INTEGER);
        CREATE TABLE wa_ids (key TEXT NOT NULL, wa_id TEXT NOT NULL, PRIMARY KEY (key, wa_id));
        CREATE TABLE seen (key TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (key, id));
        CREATE TABLE pair (
          key TEXT NOT NULL, phone_number_id TEXT NOT NULL, tokens REAL NOT NULL, at INTEGER NOT NULL,
          PRIMARY KEY (key, phone_number_id));`),
    // 2: other keys of the same person (BSUID ↔ wa_id, a previous BSUID).
    (sql) => sql.exec("CREATE TABLE links (key TEXT NOT NULL, other TEXT NOT NULL, PRIMARY KEY (key, other));"),
  ],
};

export const ACCOUNT_SCHEMA: Schema = {
  name: "AccountDO",
  legacyMarker: "templates",
  steps: [
    // 1: templates and throughput buckets.
    (sql) =>
      sql.exec(`
        CREATE TABLE templates (
          name TEXT NOT NULL, language TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
          at INTEGER NOT NULL, PRIMARY KEY (name, language));
        CREATE TABLE buckets (phone_number_id TEXT PRIMARY KEY, tokens REAL NOT NULL, at INTEGER NOT NULL);`),
    // 2: one object per WABA: what Meta says of it and its templates (facts, newest wins), the
    // display number of each phone number, the portfolio's recipients of the last 24 hours. The
    // throughput buckets moved to PhoneNumberDO.
    (sql) =>
      sql.exec(`
        CREATE TABLE facts (scope TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (scope, name));
        CREATE TABLE numbers (phone_number_id TEXT PRIMARY KEY, display TEXT NOT NULL);
        CREATE INDEX numbers_display ON numbers (display);
        CREATE TABLE recent (recipient TEXT PRIMARY KEY, at INTEGER NOT NULL);
        CREATE INDEX recent_at ON recent (at);
        DROP TABLE buckets;`),
  ],
};

export const PHONE_NUMBER_SCHEMA: Schema = {
  name: "PhoneNumberDO",
  legacyMarker: "bucket",
  steps: [
    // 1: the throughput bucket and what Meta says of the number (facts, newest wins).
    (sql) =>
      sql.exec(`
        CREATE TABLE bucket (k INTEGER PRIMARY KEY CHECK (k = 1), tokens REAL NOT NULL, at INTEGER NOT NULL);
        CREATE TABLE facts (scope TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (scope, name));`),
  ],
};

export const CAMPAIGN_SCHEMA: Schema = {
  name: "CampaignDO",
  legacyMarker: "campaign",
  steps: [
    // 1: the campaign, its contacts (one row each, in file order), appends already applied,
    // the outcome log the breaker reads, sends per second, and the ledger operations not yet
    // acknowledged by the workspace.
    (sql) =>
      sql.exec(`
        CREATE TABLE campaign (
          k INTEGER PRIMARY KEY CHECK (k = 1), spec TEXT NOT NULL, hash TEXT NOT NULL, state TEXT NOT NULL,
          pause TEXT, created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER, progress_at INTEGER);
        CREATE TABLE contacts (
          seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, line INTEGER, request TEXT NOT NULL,
          recipient TEXT, to_e164 TEXT, state TEXT NOT NULL, reason TEXT, meta_code INTEGER, detail TEXT,
          cost INTEGER NOT NULL DEFAULT 0, ledger TEXT NOT NULL DEFAULT 'none', attempts INTEGER NOT NULL DEFAULT 0,
          due_at INTEGER, sending_at INTEGER, retry_at INTEGER, wamid TEXT, updated_at INTEGER NOT NULL);
        CREATE INDEX contacts_state ON contacts (state, due_at);
        CREATE INDEX contacts_wamid ON contacts (wamid);
        CREATE TABLE appends (key TEXT PRIMARY KEY, hash TEXT NOT NULL, result TEXT NOT NULL);
        CREATE TABLE outcomes (id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL, reason TEXT, scope TEXT);
        CREATE INDEX outcomes_seq ON outcomes (seq);
        CREATE TABLE rate (sec INTEGER PRIMARY KEY, sent INTEGER NOT NULL);
        CREATE TABLE ledger_ops (
          id INTEGER PRIMARY KEY AUTOINCREMENT, debit INTEGER NOT NULL, release INTEGER NOT NULL, late INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE totals (k INTEGER PRIMARY KEY CHECK (k = 1), reserved INTEGER NOT NULL, released INTEGER NOT NULL, debited INTEGER NOT NULL);
        INSERT INTO totals VALUES (1, 0, 0, 0);`),
  ],
};
