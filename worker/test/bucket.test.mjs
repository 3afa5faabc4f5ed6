// The one token bucket (src/bucket.ts) behind the throughput and pair limits, in plain Node.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BucketTable, pairRule, takeTokens, throughputRule } from "../src/bucket.ts";
import { sqliteHost } from "./sqlite-host.mjs";

const T0 = 1_800_000_000_000;

/** Takes one token per call at the given times (ms after T0); the answers in order. */
function run(rule, times) {
  let state = null;
  return times.map((t) => {
    const r = takeTokens(state, rule, 1, T0 + t);
    if (r.next) state = r.next;
    return r.ok ? "ok" : r.retry_after;
  });
}

test("throughput: a full bucket of one second's messages, then refilled at mps", () => {
  assert.deepEqual(run(throughputRule(5), [0, 0, 0, 0, 0, 0]), ["ok", "ok", "ok", "ok", "ok", 1]);
  // 200 ms refills one message at 5 mps.
  assert.deepEqual(run(throughputRule(5), [0, 0, 0, 0, 0, 200, 200]), ["ok", "ok", "ok", "ok", "ok", "ok", 1]);
  // Below 1 mps the bucket still holds one message; the wait is the refill time.
  assert.deepEqual(run(throughputRule(0.25), [0, 0]), ["ok", 4]);
});

test("pair: a burst, then one per interval; the wait is never more than the interval", () => {
  assert.deepEqual(run(pairRule(6, 5), [0, 0, 0, 0, 0, 0]), ["ok", "ok", "ok", "ok", "ok", 6]);
  assert.deepEqual(run(pairRule(6, 5), [0, 0, 0, 0, 0, 3000]), ["ok", "ok", "ok", "ok", "ok", 3]);
  assert.deepEqual(run(pairRule(6, 5), [0, 0, 0, 0, 0, 6000, 6000]), ["ok", "ok", "ok", "ok", "ok", "ok", 6]);
  for (let burst = 1; burst <= 45; burst += 11) {
    const answers = run(pairRule(6, burst), Array(burst + 1).fill(0));
    assert.equal(answers.at(-1), 6, `burst ${burst}`);
  }
});

test("a refused take changes nothing; a refund gives a token back, never above capacity", () => {
  const rule = pairRule(6, 2);
  const empty = { tokens: 0, at: T0 };
  assert.equal(takeTokens(empty, rule, 1, T0).next, null);
  assert.deepEqual(takeTokens(empty, rule, -1, T0).next, { tokens: 1, at: T0 });
  assert.deepEqual(takeTokens(null, rule, -1, T0).next, { tokens: 2, at: T0 }, "a never-seen bucket is full");
  assert.deepEqual(takeTokens({ tokens: 1.5, at: T0 - 60_000 }, rule, 0, T0).next, { tokens: 2, at: T0 }, "refill stops at capacity");
});

test("BucketTable keeps one row per key in the object's table", () => {
  const host = sqliteHost();
  host.sql.exec("CREATE TABLE pair (key TEXT NOT NULL, phone_number_id TEXT NOT NULL, tokens REAL NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (key, phone_number_id))");
  const table = new BucketTable(() => host.sql, {
    select: "SELECT tokens, at FROM pair WHERE key = ? AND phone_number_id = ?",
    upsert: "INSERT INTO pair (key, phone_number_id, tokens, at) VALUES (?, ?, ?, ?) ON CONFLICT (key, phone_number_id) DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
  });
  const rule = pairRule(6, 2);
  const take = (who) => table.take([who, "100"], rule, 1, T0);
  assert.deepEqual([take("a"), take("a"), take("a")].map((r) => r.ok), [true, true, false]);
  assert.equal(take("b").ok, true, "another key has its own bucket");
  assert.deepEqual(host.db.prepare("SELECT key, tokens FROM pair ORDER BY key").all().map((r) => ({ ...r })), [
    { key: "a", tokens: 0 },
    { key: "b", tokens: 1 },
  ]);
});

test("takeUpTo: as many tokens as the bucket holds, the wait for the next one", async () => {
  const { takeUpTo } = await import("../src/bucket.ts");
  const rule = throughputRule(5);
  const first = takeUpTo(null, rule, 8, T0);
  assert.deepEqual([first.taken, first.retry_after], [5, 1]);
  const empty = takeUpTo(first.next, rule, 3, T0);
  assert.deepEqual([empty.taken, empty.retry_after, empty.next], [0, 1, null]);
  // 400 ms refill two at 5 mps.
  const later = takeUpTo(first.next, rule, 3, T0 + 400);
  assert.deepEqual([later.taken, later.retry_after], [2, 1]);
  assert.equal(takeUpTo(later.next, rule, 0, T0 + 400).taken, 0);
});
