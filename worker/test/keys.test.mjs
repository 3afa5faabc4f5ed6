// The workspace key format (src/keys.ts), in plain Node.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { KEY_PREFIX, keyHash, mintKey, parseKey, readScopes } from "../src/keys.ts";

test("a minted key names its workspace and id, and carries 256 fresh random bits", () => {
  const seen = new Set();
  for (const ws of ["default", "acme_store.eu-1", "x", "w".repeat(64)]) {
    const { key, key_id } = mintKey(ws);
    assert.ok(key.startsWith(KEY_PREFIX));
    assert.deepEqual(parseKey(key), { key_id, workspace: ws });
    const secret = key.slice(KEY_PREFIX.length + 17, KEY_PREFIX.length + 17 + 64);
    assert.match(secret, /^[0-9a-f]{64}$/);
    seen.add(secret);
  }
  assert.equal(seen.size, 4);
  // Not a counter or a clock: 64 ids share no long common prefix.
  const ids = Array.from({ length: 64 }, () => mintKey("w").key_id);
  assert.equal(new Set(ids).size, 64);
  assert.ok(new Set(ids.map((id) => id.slice(0, 4))).size > 32);
});

test("only the exact form parses; anything else is some other token", () => {
  const { key } = mintKey("acme");
  for (const other of ["", "sgk_", key.slice(0, -5), key.replace("sgk_", "sgx_"), key.toUpperCase(), `${key} `, `${key}/x`, key.replace(/_acme$/, "_"), key.replace(/_acme$/, `_${"w".repeat(65)}`), "test-api-key-7f3a9c"]) {
    assert.equal(parseKey(other), null, other);
  }
});

test("the stored hash is the SHA-256 of the whole key", async () => {
  const { key } = mintKey("acme");
  assert.equal(await keyHash(key), createHash("sha256").update(key).digest("hex"));
});

test("scopes: a non-empty list of known scopes, in canonical order, without repeats", () => {
  assert.deepEqual(readScopes(["read", "check", "read"]), ["check", "read"]);
  assert.deepEqual(readScopes(["send", "read", "check"]), ["check", "send", "read"]);
  assert.deepEqual(readScopes([]).path, "scopes");
  assert.deepEqual(readScopes(undefined).path, "scopes");
  assert.deepEqual(readScopes(["read", "admin"]).path, "scopes[1]");
  assert.deepEqual(readScopes([1]).path, "scopes[0]");
});
