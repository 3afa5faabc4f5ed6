// sendgate edge worker: the fetch entry. /v1 requests are throttled (failed authentication, per
// client address), authenticated (auth.ts), routed and authorized by scope (routes.ts) and
// handled (api.ts); Meta's webhooks are webhooks.ts. State lives in the Durable Objects
// (objects/); domain rules come from the `sendgate` package.
import { authenticate, authorize, clientAddress, countFailure, refuseIfBlocked, workspaceFor, type Caller } from "./auth.ts";
import { deadLetterBatch, dispatchBatch } from "./dispatch.ts";
import type { CampaignMessage, Env } from "./env.ts";
import { HttpError, discardUnreadBody, errorBody, fromError, json } from "./http.ts";
import { findRoute } from "./routes.ts";
import { receiveWebhook, verifyWebhook } from "./webhooks.ts";

export { WorkspaceDO } from "./objects/workspace.ts";
export { RecipientDO } from "./objects/recipient.ts";
export { AccountDO } from "./objects/account.ts";
export { CampaignDO } from "./objects/campaign.ts";
export { PhoneNumberDO } from "./objects/phone_number.ts";

/** Unread bodies up to this size are discarded before an early error answer (see discardUnreadBody). */
const UNREAD_BODY_DISCARD_CAP = 1024 * 1024;

function corsHeaders(request: Request, env: Env): Record<string, string> {
  const origin = request.headers.get("origin");
  if (!origin) return {};
  const allowed = (env.CORS_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (!allowed.includes("*") && !allowed.includes(origin)) return {};
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": "authorization, content-type",
    "access-control-expose-headers": "retry-after, idempotent-replayed",
    "access-control-max-age": "600",
    vary: "Origin",
  };
}

function methodNotAllowed(allow: string): never {
  throw new HttpError(405, "method_not_allowed", `use ${allow}`, undefined, { allow });
}

/** A /v1 request: throttle, authenticate (before the body is read or the route is known), route,
 *  authorize, handle. */
async function api(request: Request, env: Env, url: URL): Promise<Response> {
  const address = clientAddress(request);
  refuseIfBlocked(address);
  let caller: Caller;
  try {
    caller = await authenticate(request, env);
  } catch (e) {
    if (e instanceof HttpError && e.status === 401) throw await countFailure(env, address, e);
    throw e;
  }
  const { route, params } = findRoute(request.method, url.pathname);
  authorize(caller, route.scope);
  return route.handle({
    request,
    env,
    url,
    params,
    caller,
    workspace: (value, path) => workspaceFor(caller, env, value, path),
  });
}

async function route(request: Request, env: Env, url: URL): Promise<Response> {
  const path = url.pathname;
  const method = request.method;
  if (path === "/webhooks/meta") {
    if (method === "GET") return verifyWebhook(url, env);
    if (method === "POST") return receiveWebhook(request, env);
    methodNotAllowed("GET, POST");
  }
  if (path.startsWith("/v1/")) return api(request, env, url);
  if (env.ASSETS && (method === "GET" || method === "HEAD")) return env.ASSETS.fetch(request);
  throw new HttpError(404, "not_found", "no such route");
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const cors = corsHeaders(request, env);
    if (request.method === "OPTIONS" && url.pathname.startsWith("/v1/")) {
      return new Response(null, { status: 204, headers: cors });
    }
    let response: Response;
    try {
      response = await route(request, env, url);
    } catch (e) {
      if (e instanceof HttpError) {
        await discardUnreadBody(request, UNREAD_BODY_DISCARD_CAP).catch(() => undefined);
        response = fromError(e);
      } else {
        // Never echo internals (they could carry request data); the log has the stack.
        console.error("unhandled error", e instanceof Error ? e.stack : String(e));
        response = json(500, errorBody("internal", "internal error"));
      }
    }
    if (Object.keys(cors).length === 0) return response;
    const out = new Response(response.body, response);
    for (const [k, v] of Object.entries(cors)) out.headers.set(k, v);
    return out;
  },
  /** Campaign dispatch (dispatch.ts); the dead-letter queue records what dispatch gave up on. */
  async queue(batch: MessageBatch<CampaignMessage>, env: Env): Promise<void> {
    if (batch.queue.endsWith("-dlq")) await deadLetterBatch(batch, env);
    else await dispatchBatch(batch, env);
  },
} satisfies ExportedHandler<Env, CampaignMessage>;
