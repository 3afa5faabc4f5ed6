// What `/v1/send` does with a failed attempt. The catalog's `classification.retry` decides, and
// nothing else (not the category, not the HTTP status):
//   backoff → retried inside this request: exponential backoff with full jitter, at most
//             MAX_ATTEMPTS attempts, never past SEND_BUDGET_MS (a throughput limit, a 5xx);
//   after   → not retried here: the wait (6 s for a pair limit, a day for a marketing limit) is
//             the caller's; the answer carries `Retry-After` and `retry_at` when the catalog
//             gives the seconds (without them the retry waits for a state change: a top-up,
//             an approval);
//   never   → final.
// One rule is not the catalog's: an attempt Meta may have accepted (a timeout, a 2xx without a
// message id) is never repeated, whatever its classification, so a message is never sent twice.
import type { Classification } from "sendgate";

export type AttemptDecision =
  | { retry: true }
  /** `retryAfterSeconds`: when the caller may try again (with a new idempotency key), or null
   *  when no time is known (never, or after a state change). */
  | { retry: false; retryAfterSeconds: number | null };

export function decideAttempt(c: Classification, ambiguous: boolean): AttemptDecision {
  if (ambiguous) return { retry: false, retryAfterSeconds: null };
  switch (c.retry.kind) {
    case "backoff":
      return { retry: true };
    case "after":
      return { retry: false, retryAfterSeconds: c.retry.after_seconds === undefined ? null : Math.max(1, Math.ceil(c.retry.after_seconds)) };
    default:
      return { retry: false, retryAfterSeconds: null };
  }
}

/** The pause before attempt `attempts + 1`: full jitter over an exponential ceiling (100 ms,
 *  200 ms, … capped at 2 s). `random` is Math.random in production. */
export function backoffDelayMs(attempts: number, random: () => number = Math.random): number {
  return random() * Math.min(2000, 100 * 2 ** (attempts - 1));
}

/** What a failure answer says about retrying: `retry_at` in the body (stable, so a replay is the
 *  same answer) and the `Retry-After` header, counted from `now`. */
export function retryAt(decision: AttemptDecision, failedAtMs: number): string | null {
  return !decision.retry && decision.retryAfterSeconds !== null ? new Date(failedAtMs + decision.retryAfterSeconds * 1000).toISOString() : null;
}

export function retryAfterHeader(retryAtIso: unknown, nowMs: number): Record<string, string> {
  if (typeof retryAtIso !== "string") return {};
  const at = Date.parse(retryAtIso);
  if (!Number.isFinite(at)) return {};
  return { "retry-after": String(Math.max(0, Math.ceil((at - nowMs) / 1000))) };
}
