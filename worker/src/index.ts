// sendgate edge worker: routes, authentication, request limits. State lives in the Durable
// Objects (objects/); domain rules come from the `sendgate` package.
import { checkSend, classifyWebhook } from "sendgate";
import type { SendRequest, WebhookEvent } from "sendgate";
import type { Env } from "./env.ts";
import {
  HttpError,
  answer,
  canonical,
  discardUnreadBody,
  errorBody,
  fromError,
  inputErrorAnswer,
  isInputError,
  json,
  readBody,
  readJsonObject,
  safeEqual,
  sha256Hex,
  validSignature,
} from "./http.ts";
import { mergeEdge, parseCallbackData, templateRef } from "./merge.ts";
import { accountStub } from "./objects/account.ts";
import { recipientKeyOfRequest, recipientKeyOfWaId, recipientStub } from "./objects/recipient.ts";
import { toMs } from "./time.ts";

export { WorkspaceDO } from "./objects/workspace.ts";
export { RecipientDO } from "./objects/recipient.ts";
export { AccountDO } from "./objects/account.ts";

/** API bodies are one send request: 64 KiB is far above any real one. */
const API_BODY_LIMIT = 64 * 1024;
/** Meta's webhook payloads can be up to 3 MB. */
const WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024;
/** Unread bodies up to this size are discarded before an early error answer (see discardUnreadBody). */
const UNREAD_BODY_DISCARD_CAP = 1024 * 1024;
const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const WORKER_FIELDS = ["idempotency_key", "workspace_id", "phone_number_id"];

type Role = "api" | "admin";

async function authenticate(request: Request, env: Env, role: Role): Promise<void> {
  const header = request.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const challenge = { "www-authenticate": 'Bearer realm="sendgate"' };
  if (!m) throw new HttpError(401, "unauthorized", "missing bearer API key", undefined, challenge);
  const token = m[1];
  // Both compares always run, so timing doesn't reveal which key matched.
  const [isApi, isAdmin] = await Promise.all([
    env.API_KEY ? safeEqual(token, env.API_KEY) : Promise.resolve(false),
    env.ADMIN_API_KEY ? safeEqual(token, env.ADMIN_API_KEY) : Promise.resolve(false),
  ]);
  if (role === "admin") {
    if (isAdmin) return;
    if (isApi) throw new HttpError(403, "forbidden", "this route needs the admin API key");
  } else if (isApi || isAdmin) {
    return;
  }
  throw new HttpError(401, "unauthorized", "invalid API key", undefined, challenge);
}

function workspaceOf(env: Env, value: unknown, path = "workspace_id"): string {
  if (value === undefined || value === null || value === "") return env.DEFAULT_WORKSPACE || "default";
  if (typeof value !== "string" || !ID_PATTERN.test(value)) {
    throw new HttpError(400, "invalid_request", "workspace_id must be 1-64 characters of [A-Za-z0-9_.-]", path);
  }
  return value;
}

function workspaceStub(env: Env, workspace: string) {
  return env.WORKSPACE.get(env.WORKSPACE.idFromName(workspace));
}

function stripWorkerFields(body: Record<string, unknown>): SendRequest {
  const req: Record<string, unknown> = { ...body };
  for (const f of WORKER_FIELDS) delete req[f];
  return req as unknown as SendRequest;
}

/** Dry run: the verdict a send would get now, nothing reserved or sent. The three objects it
 *  reads are asked at once; a send instead runs inside the workspace (its ledger is atomic). */
async function postCheck(request: Request, env: Env): Promise<Response> {
  const body = await readJsonObject(request, API_BODY_LIMIT);
  const workspace = workspaceOf(env, body.workspace_id);
  const req = stripWorkerFields(body);
  const key = recipientKeyOfRequest(req);
  const tpl = templateRef(req);
  const [edge, template, balance] = await Promise.all([
    key ? recipientStub(env, key).getState(key) : null,
    tpl ? accountStub(env).getTemplateStatus(tpl.name, tpl.language) : null,
    workspaceStub(env, workspace).available(),
  ]);
  const now = typeof req.now === "string" ? req.now : new Date().toISOString();
  try {
    return json(200, checkSend(mergeEdge(req, edge, template, { balance }, now)));
  } catch (e) {
    if (isInputError(e)) return answer(inputErrorAnswer(e));
    throw e;
  }
}

async function postSend(request: Request, env: Env): Promise<Response> {
  const body = await readJsonObject(request, API_BODY_LIMIT);
  const key = body.idempotency_key;
  if (typeof key !== "string" || key.length < 1 || key.length > 255) {
    throw new HttpError(400, "invalid_request", "idempotency_key is required: a string of 1-255 characters", "idempotency_key");
  }
  const workspace = workspaceOf(env, body.workspace_id);
  const pnid = body.phone_number_id ?? env.META_PHONE_NUMBER_ID;
  if (typeof pnid !== "string" || !ID_PATTERN.test(pnid)) {
    throw new HttpError(400, "invalid_request", "phone_number_id must be given (no default is configured) as 1-64 characters of [A-Za-z0-9_.-]", "phone_number_id");
  }
  const hash = await sha256Hex(canonical(body));
  const result = await workspaceStub(env, workspace).send({ workspace, key, hash, request: stripWorkerFields(body), phone_number_id: pnid });
  return answer(result);
}

function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new HttpError(400, "invalid_request", `${name} must be an integer from ${min} to ${max}`, name);
  }
  return n;
}

function timeParam(url: URL, name: string): number | null {
  const raw = url.searchParams.get(name);
  if (raw === null) return null;
  const ms = toMs(raw);
  if (ms === null) throw new HttpError(400, "invalid_request", `${name} must be an RFC 3339 date-time`, name);
  return ms;
}

async function getFailures(url: URL, env: Env): Promise<Response> {
  const workspace = workspaceOf(env, url.searchParams.get("workspace_id"));
  const reason = url.searchParams.get("reason");
  if (reason !== null && !/^[A-Z0-9_]{1,64}$/.test(reason)) {
    throw new HttpError(400, "invalid_request", "reason must be a reason identifier such as TEMPLATE_NOT_APPROVED", "reason");
  }
  const cursorRaw = url.searchParams.get("cursor");
  if (cursorRaw !== null && !/^[1-9][0-9]{0,15}$/.test(cursorRaw)) {
    throw new HttpError(400, "invalid_request", "cursor must be a value from next_cursor", "cursor");
  }
  const page = await workspaceStub(env, workspace).failures({
    from: timeParam(url, "from"),
    to: timeParam(url, "to"),
    reason,
    limit: intParam(url, "limit", 50, 1, 500),
    cursor: cursorRaw === null ? null : Number(cursorRaw),
  });
  return json(200, { workspace_id: workspace, ...page });
}

/** A path segment, percent-decoded; malformed escapes (`%E0%A4%A`, `%`) are the caller's error. */
function pathParam(raw: string, name: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, "invalid_request", `${name} is not validly percent-encoded`, name);
  }
}

async function getRecipient(waId: string, env: Env): Promise<Response> {
  const digits = pathParam(waId, "wa_id").replace(/^\+/, "");
  if (!/^[0-9]{5,20}$/.test(digits)) throw new HttpError(400, "invalid_request", "wa_id must be 5-20 digits", "wa_id");
  const key = recipientKeyOfWaId(digits)!;
  const state = await recipientStub(env, key).getState(key);
  return json(200, { wa_id: digits, ...state });
}

async function postTopUp(request: Request, env: Env): Promise<Response> {
  const body = await readJsonObject(request, API_BODY_LIMIT);
  const workspace = workspaceOf(env, body.workspace_id);
  const amount = body.amount;
  if (typeof amount !== "number" || !Number.isInteger(amount) || amount < 1 || amount > 1_000_000_000) {
    throw new HttpError(400, "invalid_request", "amount must be an integer from 1 to 1000000000", "amount");
  }
  const reference = body.reference ?? null;
  if (reference !== null && (typeof reference !== "string" || reference.length < 1 || reference.length > 255)) {
    throw new HttpError(400, "invalid_request", "reference must be a string of 1-255 characters", "reference");
  }
  return json(200, await workspaceStub(env, workspace).topUp(workspace, amount, reference));
}

function verifyWebhook(url: URL, env: Env): Promise<Response> | Response {
  const mode = url.searchParams.get("hub.mode");
  const token = url.searchParams.get("hub.verify_token");
  const challenge = url.searchParams.get("hub.challenge");
  if (mode !== "subscribe" || token === null || challenge === null || !env.META_VERIFY_TOKEN) {
    return json(403, errorBody("forbidden", "verification failed"));
  }
  return safeEqual(token, env.META_VERIFY_TOKEN).then((ok) =>
    ok
      ? // The challenge is caller-chosen text: never let a browser sniff it into HTML.
        new Response(challenge, { status: 200, headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" } })
      : json(403, errorBody("forbidden", "verification failed")),
  );
}

/** Meta's event delivery: signature over the raw bytes first, then every event applied where
 *  its state lives. Applied before answering so a 200 means stored (Meta retries otherwise). */
async function receiveWebhook(request: Request, env: Env): Promise<Response> {
  const raw = await readBody(request, WEBHOOK_BODY_LIMIT);
  if (!(await validSignature(env.META_APP_SECRET, raw, request.headers.get("x-hub-signature-256")))) {
    return json(401, errorBody("invalid_signature", "X-Hub-Signature-256 is missing or does not match"));
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(raw);
  } catch {
    return json(400, errorBody("invalid_json", "body is not UTF-8"));
  }
  const events = classifyWebhook(text);
  const defaultWorkspace = env.DEFAULT_WORKSPACE || "default";
  const statuses = new Map<string, Extract<WebhookEvent, { kind: "status" }>[]>();
  const tasks: Promise<boolean | { applied: number; duplicates: number }>[] = [];
  let invalid = 0;
  for (const ev of events) {
    switch (ev.kind) {
      case "status": {
        const ws = parseCallbackData(ev.biz_opaque_callback_data)?.workspace ?? defaultWorkspace;
        statuses.set(ws, [...(statuses.get(ws) ?? []), ev]);
        break;
      }
      case "inbound_message": {
        const waId = ev.wa_id || ev.from;
        const key = waId ? recipientKeyOfWaId(waId) : null;
        if (!key) break;
        const at = toMs(ev.timestamp) ?? Date.now();
        tasks.push(
          recipientStub(env, key).applyInbound(key, {
            id: ev.id,
            wa_id: waId,
            at,
            opt_out: ev.opt_out === true,
            opt_in: ev.opt_in === true,
          }),
        );
        break;
      }
      case "marketing_preference": {
        const key = ev.wa_id ? recipientKeyOfWaId(ev.wa_id) : null;
        if (!key) break;
        tasks.push(
          recipientStub(env, key).applyPreference(key, {
            wa_id: ev.wa_id,
            preference: ev.preference,
            at: toMs(ev.timestamp) ?? Date.now(),
          }),
        );
        break;
      }
      case "template_status": {
        if (!ev.name) break;
        tasks.push(accountStub(env).applyTemplateStatus(ev.name, ev.language, ev.status, ev.reason, toMs(ev.timestamp) ?? Date.now()));
        break;
      }
      case "account_error":
        tasks.push(workspaceStub(env, defaultWorkspace).applyAccountError(ev));
        break;
      case "invalid":
        invalid++;
        break;
    }
  }
  for (const [ws, list] of statuses) tasks.push(workspaceStub(env, ws).applyStatuses(list));
  await Promise.all(tasks);
  return json(200, { received: events.length, invalid });
}

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

async function route(request: Request, env: Env, url: URL): Promise<Response> {
  const path = url.pathname;
  const method = request.method;
  if (path === "/webhooks/meta") {
    if (method === "GET") return verifyWebhook(url, env);
    if (method === "POST") return receiveWebhook(request, env);
    methodNotAllowed("GET, POST");
  }
  if (!path.startsWith("/v1/")) {
    if (env.ASSETS && (method === "GET" || method === "HEAD")) return env.ASSETS.fetch(request);
    throw new HttpError(404, "not_found", "no such route");
  }
  const admin = path.startsWith("/v1/admin/");
  await authenticate(request, env, admin ? "admin" : "api");
  const post = (handler: () => Promise<Response>) => (method === "POST" ? handler() : methodNotAllowed("POST"));
  const get = (handler: () => Promise<Response>) => (method === "GET" ? handler() : methodNotAllowed("GET"));
  switch (path) {
    case "/v1/check":
      return post(() => postCheck(request, env));
    case "/v1/send":
      return post(() => postSend(request, env));
    case "/v1/failures":
      return get(() => getFailures(url, env));
    case "/v1/credits":
      return get(async () => {
        const ws = workspaceOf(env, url.searchParams.get("workspace_id"));
        return json(200, await workspaceStub(env, ws).credits(ws));
      });
    case "/v1/stats":
      return get(async () => {
        const ws = workspaceOf(env, url.searchParams.get("workspace_id"));
        return json(200, await workspaceStub(env, ws).stats(ws));
      });
    case "/v1/admin/credits":
      return post(() => postTopUp(request, env));
  }
  const recipient = /^\/v1\/recipients\/([^/]+)$/.exec(path);
  if (recipient) return get(() => getRecipient(recipient[1], env));
  const send = /^\/v1\/sends\/([^/]+)$/.exec(path);
  if (send) {
    return get(async () => {
      const ws = workspaceOf(env, url.searchParams.get("workspace_id"));
      return json(200, { workspace_id: ws, records: await workspaceStub(env, ws).sendRecords(pathParam(send[1], "idempotency_key")) });
    });
  }
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
} satisfies ExportedHandler<Env>;
