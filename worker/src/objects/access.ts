// Who may act on a workspace: its keys (only their SHA-256 is kept) and its profile (the name the
// dashboard shows, the business numbers its keys may send through). Lives in the workspace's
// object, so revoking a key takes effect with the next request that object answers.
import { SCOPES, type Scope } from "../keys.ts";
import { iso } from "../time.ts";
import { int, optInt, optText, text, type Row, type Store } from "../store.ts";

export interface KeyRecord {
  key_id: string;
  label: string | null;
  scopes: Scope[];
  created_at: string | null;
  /** To the minute: a key in use is not rewritten on every request. */
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface Profile {
  name: string | null;
  /** Business numbers this workspace's keys may send through; empty: the deployment's default. */
  phone_number_ids: string[];
}

export interface KeyGrant {
  key_id: string;
  label: string | null;
  scopes: Scope[];
}

/** Active keys a workspace may hold: far above any real need, a bound on a runaway script. */
export const MAX_ACTIVE_KEYS = 100;
const LAST_USE_GRANULARITY_MS = 60_000;

interface KeyRow {
  key_id: string;
  hash: string;
  label: string | null;
  scopes: Scope[];
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

function keyRow(r: Row): KeyRow {
  const scopes = text(r, "scopes").split(",");
  if (!scopes.every((s) => SCOPES.includes(s as Scope))) throw new Error(`api_keys.scopes: unexpected ${text(r, "scopes")}`);
  return {
    key_id: text(r, "key_id"),
    hash: text(r, "hash"),
    label: optText(r, "label"),
    scopes: scopes as Scope[],
    created_at: int(r, "created_at"),
    last_used_at: optInt(r, "last_used_at"),
    revoked_at: optInt(r, "revoked_at"),
  };
}

function keyRecord(k: KeyRow): KeyRecord {
  return { key_id: k.key_id, label: k.label, scopes: k.scopes, created_at: iso(k.created_at), last_used_at: iso(k.last_used_at), revoked_at: iso(k.revoked_at) };
}

function profileRow(r: Row): Profile {
  const ids: unknown = JSON.parse(text(r, "phone_number_ids"));
  if (!Array.isArray(ids) || !ids.every((x) => typeof x === "string")) throw new Error("profile.phone_number_ids: not a list of strings");
  return { name: optText(r, "name"), phone_number_ids: ids };
}

const KEY_COLUMNS = "key_id, hash, label, scopes, created_at, last_used_at, revoked_at";

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Compared against when a key id is unknown, so that case costs the same compare. */
const NO_KEY = "0".repeat(64);

export class Access {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  /** Stores a new key's hash; null when the workspace already has MAX_ACTIVE_KEYS active keys. */
  addKey(keyId: string, hash: string, label: string | null, scopes: Scope[]): KeyRecord | null {
    return this.store.transaction(() => {
      const sql = this.store.sql;
      const active = int(sql.exec("SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL").one(), "n");
      if (active >= MAX_ACTIVE_KEYS) return null;
      sql.exec("INSERT INTO api_keys (key_id, hash, label, scopes, created_at) VALUES (?, ?, ?, ?, ?)", keyId, hash, label, scopes.join(","), Date.now());
      return keyRecord(keyRow(sql.exec(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_id = ?`, keyId).one()));
    });
  }

  /** Every key, newest first, revoked ones included (with revoked_at); never a hash. */
  keys(): KeyRecord[] {
    return this.store.read(keyRow, `SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, key_id`).map(keyRecord);
  }

  /** Revokes at once; revoking twice keeps the first time. Null for an unknown key id. */
  revoke(keyId: string): KeyRecord | null {
    if (this.store.read((r) => text(r, "key_id"), "SELECT key_id FROM api_keys WHERE key_id = ?", keyId).length === 0) return null;
    this.store.sql.exec("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE key_id = ?", Date.now(), keyId);
    return keyRecord(keyRow(this.store.sql.exec(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_id = ?`, keyId).one()));
  }

  /** The key's grant when `hash` is the stored hash of an active key with this id. The hashes
   *  are compared in constant time, against a dummy when the id is unknown; the key is looked
   *  up by its public id, never by its hash. */
  verify(keyId: string, hash: string): KeyGrant | null {
    if (!/^[0-9a-f]{64}$/.test(hash)) return null;
    const row = this.store.read(keyRow, `SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_id = ?`, keyId)[0];
    const same = crypto.subtle.timingSafeEqual(hexBytes(row?.hash ?? NO_KEY), hexBytes(hash));
    if (!row || !same || row.revoked_at !== null) return null;
    const now = Date.now();
    if (row.last_used_at === null || now - row.last_used_at >= LAST_USE_GRANULARITY_MS) {
      this.store.sql.exec("UPDATE api_keys SET last_used_at = ? WHERE key_id = ?", now, keyId);
    }
    return { key_id: row.key_id, label: row.label, scopes: row.scopes };
  }

  profile(): Profile {
    return this.store.read(profileRow, "SELECT name, phone_number_ids FROM profile WHERE k = 1")[0] ?? { name: null, phone_number_ids: [] };
  }

  /** Sets what is given (undefined keeps the stored value). */
  setProfile(update: Partial<Profile>): Profile {
    const current = this.profile();
    const next: Profile = { name: update.name === undefined ? current.name : update.name, phone_number_ids: update.phone_number_ids ?? current.phone_number_ids };
    this.store.sql.exec(
      "INSERT INTO profile (k, name, phone_number_ids) VALUES (1, ?, ?) ON CONFLICT (k) DO UPDATE SET name = excluded.name, phone_number_ids = excluded.phone_number_ids",
      next.name,
      JSON.stringify(next.phone_number_ids),
    );
    return next;
  }
}
