// Time windows over the sandbox's call log: the throughput Meta enforces (admission) and the
// throughput a client achieved (measurement) use the same rule, so a test can assert the bound
// the sandbox enforces: calls at t1 <= t2 share a window when t2 - t1 < windowMs.

/** The most calls any window of `windowMs` holds, over ascending times. */
export function maxInWindow(times, windowMs = 1000) {
  let max = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end] - times[start] >= windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

/** `{ [phone_number_id]: max calls in any window }` over the send calls (`endpoint` narrows to
 *  `messages` or `marketing_messages`; `acceptedOnly` counts only calls answered 200). */
export function maxCallsPerWindow(calls, { windowMs = 1000, endpoint = null, acceptedOnly = false } = {}) {
  const byNumber = new Map();
  for (const c of calls) {
    if (!c.phone_number_id || (endpoint && c.endpoint !== endpoint) || (acceptedOnly && c.status !== 200)) continue;
    if (!byNumber.has(c.phone_number_id)) byNumber.set(c.phone_number_id, []);
    byNumber.get(c.phone_number_id).push(c.at);
  }
  const out = {};
  for (const [id, times] of byNumber) out[id] = maxInWindow(times.sort((a, b) => a - b), windowMs);
  return out;
}

/** Per-key sliding-window admission: at most `limit` admitted calls in any `windowMs`. Rejected
 *  calls do not count (a caller that backs off gets through again once the window has moved). */
export class SlidingWindow {
  constructor(windowMs = 1000) {
    this.windowMs = windowMs;
    this.admitted = new Map();
  }

  admit(key, limit, now = Date.now()) {
    let times = this.admitted.get(key);
    if (!times) {
      times = [];
      this.admitted.set(key, times);
    }
    let expired = 0;
    while (expired < times.length && now - times[expired] >= this.windowMs) expired++;
    if (expired) times.splice(0, expired);
    if (times.length >= limit) return false;
    times.push(now);
    return true;
  }

  clear() {
    this.admitted.clear();
  }
}
