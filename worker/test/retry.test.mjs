// The send path's retry decision (src/retry.ts) follows the catalog's `classification.retry`, in
// plain Node with the real package's classifications.
import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyFailure } from "sendgate";
import { backoffDelayMs, decideAttempt, retryAfterHeader, retryAt } from "../src/retry.ts";

const meta = (code) => classifyFailure({ error: { code, message: `(#${code})` } });

test("backoff is retried here, whatever the category (a throughput limit is not 'transient')", () => {
  const throughput = meta(130429);
  assert.equal(throughput.retry.kind, "backoff");
  assert.notEqual(throughput.category, "transient");
  assert.deepEqual(decideAttempt(throughput, false), { retry: true });
  assert.deepEqual(decideAttempt(meta(131000), false), { retry: true });
  assert.deepEqual(decideAttempt(classifyFailure(503), false), { retry: true });
});

test("after is the caller's wait: not retried here, with the catalog's seconds", () => {
  assert.deepEqual(decideAttempt(meta(131056), false), { retry: false, retryAfterSeconds: 6 });
  assert.deepEqual(decideAttempt(meta(131049), false), { retry: false, retryAfterSeconds: 86400 });
  // An `after` without seconds waits for a state change: no time to give.
  const spam = meta(131048);
  assert.equal(spam.retry.kind, "after");
  assert.equal(spam.retry.after_seconds, undefined);
  assert.deepEqual(decideAttempt(spam, false), { retry: false, retryAfterSeconds: null });
});

test("never is final; an attempt Meta may have accepted is never repeated", () => {
  assert.deepEqual(decideAttempt(meta(132001), false), { retry: false, retryAfterSeconds: null });
  assert.deepEqual(decideAttempt(meta(190), false), { retry: false, retryAfterSeconds: null });
  assert.deepEqual(decideAttempt(classifyFailure("TRANSIENT_ERROR"), true), { retry: false, retryAfterSeconds: null });
});

test("retry_at and Retry-After", () => {
  const t = Date.parse("2026-11-28T12:00:00Z");
  const at = retryAt(decideAttempt(meta(131056), false), t);
  assert.equal(at, "2026-11-28T12:00:06.000Z");
  assert.equal(retryAt(decideAttempt(meta(130429), false), t), null);
  assert.equal(retryAt(decideAttempt(meta(132001), false), t), null);
  assert.deepEqual(retryAfterHeader(at, t), { "retry-after": "6" });
  assert.deepEqual(retryAfterHeader(at, t + 4500), { "retry-after": "2" });
  assert.deepEqual(retryAfterHeader(at, t + 60_000), { "retry-after": "0" }, "a replay after the time says now");
  assert.deepEqual(retryAfterHeader(null, t), {});
  assert.deepEqual(retryAfterHeader("not a date", t), {});
});

test("backoff delays: full jitter under a doubling ceiling capped at 2 s", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, () => 1)), [100, 200, 400, 800, 1600, 2000]);
  assert.equal(backoffDelayMs(3, () => 0), 0);
});
