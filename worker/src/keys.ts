// Workspace keys: what a merchant's dashboard or server signs in with. The key names its
// workspace and its id in clear, so a request finds the one object that can check it without a
// lookup table; only a SHA-256 of the whole key is stored (in that workspace's object), and the
// compare there is constant-time. Pure (unit-tested in plain Node, test/keys.test.mjs).
//
//   sgk_<key id: 16 hex>_<secret: 64 hex, 256 random bits>_<workspace id>
//
// `sgk_` marks it as a sendgate key (for secret scanners and for people); the workspace id comes
// last because it may itself contain `_`.

export const SCOPES = ["check", "send", "read"] as const;
export type Scope = (typeof SCOPES)[number];

export const KEY_PREFIX = "sgk_";
const KEY_PATTERN = /^sgk_([0-9a-f]{16})_([0-9a-f]{64})_([A-Za-z0-9_.-]{1,64})$/;

export interface ParsedKey {
  key_id: string;
  workspace: string;
}

const hexOf = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

function randomHex(bytes: number): string {
  return hexOf(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** A new key for `workspace`: shown once to whoever asked for it, never stored. */
export function mintKey(workspace: string): { key: string; key_id: string } {
  const key_id = randomHex(8);
  return { key: `${KEY_PREFIX}${key_id}_${randomHex(32)}_${workspace}`, key_id };
}

/** The workspace and key id a token names if it has a workspace key's form; null otherwise.
 *  The form is not secret: this says nothing about whether the key is valid. */
export function parseKey(token: string): ParsedKey | null {
  const m = KEY_PATTERN.exec(token);
  return m ? { key_id: m[1], workspace: m[3] } : null;
}

/** What is stored for a key: the hex SHA-256 of the whole key. */
export async function keyHash(key: string): Promise<string> {
  return hexOf(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key))));
}

/** `scopes` as given by an admin: a non-empty list of distinct known scopes (returned in
 *  canonical order), or the problem and where it is. */
export function readScopes(value: unknown): Scope[] | { message: string; path: string } {
  const message = `scopes must be a non-empty list of ${SCOPES.map((s) => `"${s}"`).join(", ")}`;
  if (!Array.isArray(value) || value.length === 0) return { message, path: "scopes" };
  const i = value.findIndex((s) => !SCOPES.includes(s));
  if (i >= 0) return { message, path: `scopes[${i}]` };
  return SCOPES.filter((s) => value.includes(s));
}
