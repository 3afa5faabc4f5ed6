// Who is calling: the platform (API_KEY, any workspace), the admin (ADMIN_API_KEY, admin routes
// only) or a workspace key (its own workspace, its scopes). Failed authentication is throttled
// per client address with the Rate Limiting binding.
import type { Env } from "./env.ts";
import { HttpError, safeEqual } from "./http.ts";
import { keyHash, parseKey, type Scope } from "./keys.ts";
import { workspaceStub } from "./objects/workspace.ts";

/** What a route needs of its caller (routes.ts). */
export type RouteScope = Scope | "any" | "admin";

export type Caller =
  | { kind: "platform" }
  | { kind: "admin" }
  | { kind: "workspace"; workspace: string; key_id: string; label: string | null; scopes: Scope[] };

const CHALLENGE = { "www-authenticate": 'Bearer realm="sendgate"' };

export async function authenticate(request: Request, env: Env): Promise<Caller> {
  const header = request.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new HttpError(401, "unauthorized", "missing bearer API key", undefined, CHALLENGE);
  const token = m[1];
  const named = parseKey(token);
  if (named) {
    // The key names the one object that can check it; that object compares hashes in constant
    // time. An unknown workspace answers like a wrong key (its object has no keys).
    const grant = await workspaceStub(env, named.workspace).verifyKey(named.key_id, await keyHash(token));
    if (grant) return { kind: "workspace", workspace: named.workspace, ...grant };
  } else {
    // Both compares always run, so timing doesn't reveal which key matched.
    const [isApi, isAdmin] = await Promise.all([
      env.API_KEY ? safeEqual(token, env.API_KEY) : Promise.resolve(false),
      env.ADMIN_API_KEY ? safeEqual(token, env.ADMIN_API_KEY) : Promise.resolve(false),
    ]);
    if (isAdmin) return { kind: "admin" };
    if (isApi) return { kind: "platform" };
  }
  throw new HttpError(401, "unauthorized", "invalid API key", undefined, CHALLENGE);
}

// ---- throttling of failed authentication -------------------------------------------------------

/** The Rate Limiting binding's `period` in wrangler.jsonc (`AUTH_FAILURES`). */
const THROTTLE_PERIOD_SECONDS = 60;
/** Bound on the addresses remembered as over the limit in one isolate. */
const MAX_BLOCKED = 10_000;

/** The client's address as Cloudflare gives it (`CF-Connecting-IP`, set by Cloudflare's edge for
 *  every request; `wrangler dev` sets it from the socket unless the request carries one). */
export function clientAddress(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? "unknown";
}

/** Addresses past the limit, until when (epoch ms). The binding counts failures but cannot be
 *  asked without counting; remembering its "no" here answers a blocked client's next requests
 *  with 429 before any key is parsed or any Durable Object is touched. Per isolate: a request
 *  that lands in another isolate costs at most one more check there before it is refused too
 *  (the binding's counter is shared by the location). */
const blocked = new Map<string, number>();

function tooMany(untilMs: number, now: number): HttpError {
  const seconds = Math.max(1, Math.ceil((untilMs - now) / 1000));
  return new HttpError(429, "too_many_failed_authentications", `too many failed authentications from this address; retry after ${seconds} s`, undefined, {
    "retry-after": String(seconds),
  });
}

/** 429 if this address is past the limit of failed authentications. */
export function refuseIfBlocked(address: string, now = Date.now()): void {
  const until = blocked.get(address);
  if (until === undefined) return;
  if (until > now) throw tooMany(until, now);
  blocked.delete(address);
}

/** Counts a failed authentication; past the limit it becomes a 429 (and the address is blocked
 *  for the period), else the original error stands. */
export async function countFailure(env: Env, address: string, failure: HttpError, now = Date.now()): Promise<HttpError> {
  const { success } = await env.AUTH_FAILURES.limit({ key: address });
  if (success) return failure;
  if (blocked.size >= MAX_BLOCKED) {
    for (const [a, until] of blocked) if (until <= now) blocked.delete(a);
    if (blocked.size >= MAX_BLOCKED) blocked.delete(blocked.keys().next().value ?? "");
  }
  const until = now + THROTTLE_PERIOD_SECONDS * 1000;
  blocked.set(address, until);
  return tooMany(until, now);
}

// ---- authorization ------------------------------------------------------------------------------

/** 403 unless the caller may use a route of this scope. */
export function authorize(caller: Caller, scope: RouteScope): void {
  if (scope === "admin") {
    if (caller.kind !== "admin") throw new HttpError(403, "forbidden", "this route needs the admin API key");
    return;
  }
  if (caller.kind === "admin") throw new HttpError(403, "forbidden", "the admin API key is for /v1/admin routes; use the API key or a workspace key");
  if (caller.kind === "workspace" && scope !== "any" && !caller.scopes.includes(scope)) {
    throw new HttpError(403, "insufficient_scope", `this key does not have the "${scope}" scope`);
  }
}

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** A workspace id as given, or 400. */
export function workspaceId(value: unknown, path: string): string {
  if (typeof value !== "string" || !ID_PATTERN.test(value)) {
    throw new HttpError(400, "invalid_request", "workspace_id must be 1-64 characters of [A-Za-z0-9_.-]", path);
  }
  return value;
}

/** See RouteContext.workspace. The answer for another workspace never depends on whether it
 *  exists: nothing is looked up. */
export function workspaceFor(caller: Caller, env: Env, value: unknown, path = "workspace_id"): string {
  const own = caller.kind === "workspace" ? caller.workspace : null;
  if (value === undefined || value === null || value === "") return own ?? (env.DEFAULT_WORKSPACE || "default");
  const ws = workspaceId(value, path);
  if (own !== null && ws !== own) throw new HttpError(403, "forbidden", "this key acts on its own workspace only", path);
  return ws;
}
