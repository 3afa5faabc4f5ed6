// Transport to Meta's Cloud API: the forward of the core's `metaRequest` (endpoint and body,
// unchanged) with bounded retries. Whether a failure is retried is the catalog's call (retry.ts).
import { classifyFailure } from "sendgate";
import type { Classification, Endpoint } from "sendgate";
import type { Config } from "./env.ts";
import { backoffDelayMs, decideAttempt, retryAt } from "./retry.ts";

export type MetaResult =
  | { ok: true; wamid: string; wa_id: string | null; message_status: string | null; attempts: number; http_status: number }
  | {
      ok: false;
      classification: Classification;
      attempts: number;
      http_status: number | null;
      /** True when Meta may have accepted the message even though we saw no success (timeout,
       *  200 without an id): such sends are never retried, so they can't be duplicated. */
      ambiguous: boolean;
      /** When a new attempt can succeed, if the catalog gives a wait (`retry.kind` `after`). */
      retry_at: string | null;
    };

type Failure = Omit<Extract<MetaResult, { ok: false }>, "retry_at">;

/** `text` with every occurrence of `secret` replaced (secrets shorter than 8 characters are
 *  not searched for: they would match ordinary text). */
export function redact(text: string, secret: string): string {
  return secret.length >= 8 && text.includes(secret) ? text.split(secret).join("[redacted]") : text;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** POST with per-attempt timeouts; retries the failures whose catalog entry says `backoff`
 *  (decideAttempt), with exponential backoff and full jitter, and never past the time budget. */
export async function forward(cfg: Config, phoneNumberId: string, endpoint: Endpoint, body: unknown): Promise<MetaResult> {
  // The send flow refuses this before reserving anything; here so no caller can leak the token.
  if (cfg.metaBaseProblem) throw new Error(cfg.metaBaseProblem);
  const url = `${cfg.metaBase}/${cfg.metaVersion}/${encodeURIComponent(phoneNumberId)}/${endpoint}`;
  const payload = JSON.stringify(body);
  const deadline = Date.now() + cfg.budgetMs;
  let attempts = 0;
  for (;;) {
    attempts++;
    const timeout = Math.max(1, Math.min(cfg.timeoutMs, deadline - Date.now()));
    let result: Failure;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${cfg.accessToken}`, "content-type": "application/json" },
        body: payload,
        signal: AbortSignal.timeout(timeout),
        // Meta never redirects this call; following one would hand the token to another address.
        redirect: "manual",
      });
      // Whatever comes back is kept in the answer and the failures log: a proxy or debug
      // endpoint that echoes our request must not make them carry the access token.
      const text = redact(await res.text(), cfg.accessToken);
      let parsed: unknown ;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (an HTML error page from a proxy, a truncated body): judged by status below
      }
      const data = (parsed && typeof parsed === "object" ? parsed : {}) as {
        error?: unknown;
        messages?: { id?: unknown; message_status?: unknown }[];
        contacts?: { wa_id?: unknown }[];
      };
      const wamid = data.messages?.[0]?.id;
      if (res.ok && typeof wamid === "string" && wamid) {
        const waId = data.contacts?.[0]?.wa_id;
        const status = data.messages?.[0]?.message_status;
        return {
          ok: true,
          wamid,
          wa_id: typeof waId === "string" && waId ? waId : null,
          message_status: typeof status === "string" ? status : null,
          attempts,
          http_status: res.status,
        };
      }
      if (res.ok) {
        // 2xx without a message id: Meta may or may not have taken it, so no retry.
        const classification = classifyFailure(text.slice(0, 2000) || "UNKNOWN");
        classification.details ??= `HTTP ${res.status} without a message id`;
        result = { ok: false, classification, attempts, http_status: res.status, ambiguous: true };
      } else {
        const classification = data.error !== undefined ? classifyFailure(data) : classifyFailure(res.status);
        result = { ok: false, classification, attempts, http_status: res.status, ambiguous: false };
      }
    } catch (e) {
      const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
      const classification = classifyFailure("TRANSIENT_ERROR");
      classification.details = timedOut ? `no answer from Meta within ${timeout} ms` : "connection to Meta failed";
      // A timed-out POST may still be processed by Meta (ambiguous: never repeated); a refused
      // connection is TRANSIENT_ERROR, whose catalog retry is backoff.
      result = { ok: false, classification, attempts, http_status: null, ambiguous: timedOut };
    }
    const decision = decideAttempt(result.classification, result.ambiguous);
    const final = { ...result, retry_at: retryAt(decision, Date.now()) };
    if (!decision.retry || attempts >= cfg.maxAttempts) return final;
    const delay = backoffDelayMs(attempts);
    // Leave room for a useful attempt after the pause, or stop now.
    if (Date.now() + delay + Math.min(cfg.timeoutMs, 250) > deadline) return final;
    await sleep(delay);
  }
}
