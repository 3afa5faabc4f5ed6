// The /v1 handlers. routes.ts says which scope each needs; a handler reaches a workspace only
// through `ctx.workspace()` (or, on admin routes, the path's workspace id).
import { checkSend } from "sendgate";
import type { SendRequest } from "sendgate";
import { workspaceId, type Caller } from "./auth.ts";
import { HttpError, answer, canonical, inputErrorAnswer, isInputError, json, readJsonObject, sha256Hex } from "./http.ts";
import { keyHash, mintKey, readScopes } from "./keys.ts";
import { config, type Env } from "./env.ts";
import { gate } from "./gate.ts";
import { accountStateOf, tierOf } from "./merge.ts";
import { accountStubFor, wabaOfNumber } from "./objects/account.ts";
import { phoneNumberStub } from "./objects/phone_number.ts";
import { recipientKeyOfWaId, recipientStub } from "./objects/recipient.ts";
import { workspaceStub } from "./objects/workspace.ts";
import { toMs } from "./time.ts";

export interface RouteContext {
  request: Request;
  env: Env;
  url: URL;
  /** Path parameters as given (still percent-encoded; see pathParam). */
  params: Record<string, string>;
  caller: Caller;
  /** The workspace this request acts on: `value` (a `workspace_id` from the query or body) if
   *  the caller may act on it, else 403; missing: a workspace key's own, or the default. */
  workspace(value: unknown, path?: string): string;
}

/** API bodies are one send request: 64 KiB is far above any real one. */
export const API_BODY_LIMIT = 64 * 1024;
const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const WORKER_FIELDS = ["idempotency_key", "workspace_id", "phone_number_id"];

function stripWorkerFields(body: Record<string, unknown>): SendRequest {
  const req: Record<string, unknown> = { ...body };
  for (const f of WORKER_FIELDS) delete req[f];
  return req as unknown as SendRequest;
}

/** A path segment, percent-decoded; malformed escapes (`%E0%A4%A`, `%`) are the caller's error. */
function pathParam(raw: string | undefined, name: string): string {
  try {
    return decodeURIComponent(raw ?? "");
  } catch {
    throw new HttpError(400, "invalid_request", `${name} is not validly percent-encoded`, name);
  }
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

const queryWorkspace = (ctx: RouteContext) => ctx.workspace(ctx.url.searchParams.get("workspace_id"));

// ---- check and send ------------------------------------------------------------------------------

/** Dry run: the verdict a send would get now, nothing reserved or sent. The objects it reads
 *  are asked at once (gate.ts); a send instead runs inside the workspace (its ledger is atomic). */
export async function postCheck(ctx: RouteContext): Promise<Response> {
  const body = await readJsonObject(ctx.request, API_BODY_LIMIT);
  const workspace = ctx.workspace(body.workspace_id);
  const pnid = optionalPhoneNumberId(body.phone_number_id, ctx.env);
  const req = stripWorkerFields(body);
  const ws = workspaceStub(ctx.env, workspace);
  const [g, allowed] = await Promise.all([
    gate(ctx.env, req, { phoneNumberId: pnid, take: false, balance: ws.available() }),
    ctx.caller.kind === "workspace" && body.phone_number_id !== undefined && pnid ? ws.mayUseNumber(pnid) : true,
  ]);
  if (!allowed) throw new HttpError(403, "forbidden", "this key may check only through its workspace's business numbers", "phone_number_id");
  try {
    return json(200, checkSend(g.request));
  } catch (e) {
    if (isInputError(e)) return answer(inputErrorAnswer(e));
    throw e;
  }
}

/** A request's `phone_number_id`, else the deployment's default; null when neither is set. */
function optionalPhoneNumberId(value: unknown, env: Env): string | null {
  if (value === undefined || value === null) return env.META_PHONE_NUMBER_ID && ID_PATTERN.test(env.META_PHONE_NUMBER_ID) ? env.META_PHONE_NUMBER_ID : null;
  if (typeof value !== "string" || !ID_PATTERN.test(value)) {
    throw new HttpError(400, "invalid_request", "phone_number_id must be 1-64 characters of [A-Za-z0-9_.-]", "phone_number_id");
  }
  return value;
}

export async function postSend(ctx: RouteContext): Promise<Response> {
  const body = await readJsonObject(ctx.request, API_BODY_LIMIT);
  const key = body.idempotency_key;
  if (typeof key !== "string" || key.length < 1 || key.length > 255) {
    throw new HttpError(400, "invalid_request", "idempotency_key is required: a string of 1-255 characters", "idempotency_key");
  }
  const workspace = ctx.workspace(body.workspace_id);
  const pnid = body.phone_number_id ?? ctx.env.META_PHONE_NUMBER_ID;
  if (typeof pnid !== "string" || !ID_PATTERN.test(pnid)) {
    throw new HttpError(400, "invalid_request", "phone_number_id must be given (no default is configured) as 1-64 characters of [A-Za-z0-9_.-]", "phone_number_id");
  }
  const hash = await sha256Hex(canonical(body));
  const result = await workspaceStub(ctx.env, workspace).send({
    workspace,
    key,
    hash,
    request: stripWorkerFields(body),
    phone_number_id: pnid,
    own_numbers_only: ctx.caller.kind === "workspace",
  });
  return answer(result);
}

// ---- reads -------------------------------------------------------------------------------------

export async function getFailures(ctx: RouteContext): Promise<Response> {
  const { url } = ctx;
  const workspace = queryWorkspace(ctx);
  const reason = url.searchParams.get("reason");
  if (reason !== null && !/^[A-Z0-9_]{1,64}$/.test(reason)) {
    throw new HttpError(400, "invalid_request", "reason must be a reason identifier such as TEMPLATE_NOT_APPROVED", "reason");
  }
  const cursorRaw = url.searchParams.get("cursor");
  if (cursorRaw !== null && !/^[1-9][0-9]{0,15}$/.test(cursorRaw)) {
    throw new HttpError(400, "invalid_request", "cursor must be a value from next_cursor", "cursor");
  }
  const page = await workspaceStub(ctx.env, workspace).failures({
    from: timeParam(url, "from"),
    to: timeParam(url, "to"),
    reason,
    limit: intParam(url, "limit", 50, 1, 500),
    cursor: cursorRaw === null ? null : Number(cursorRaw),
  });
  return json(200, { workspace_id: workspace, ...page });
}

export async function getSendRecords(ctx: RouteContext): Promise<Response> {
  const ws = queryWorkspace(ctx);
  const records = await workspaceStub(ctx.env, ws).sendRecords(pathParam(ctx.params.key, "idempotency_key"));
  return json(200, { workspace_id: ws, records });
}

export async function getCredits(ctx: RouteContext): Promise<Response> {
  const ws = queryWorkspace(ctx);
  return json(200, await workspaceStub(ctx.env, ws).credits(ws));
}

export async function getStats(ctx: RouteContext): Promise<Response> {
  const ws = queryWorkspace(ctx);
  return json(200, await workspaceStub(ctx.env, ws).stats(ws));
}

/** Recipient edge state is shared by every workspace (one recipient, one state): a workspace key
 *  reads only recipients its workspace has sent to. */
export async function getRecipient(ctx: RouteContext): Promise<Response> {
  const digits = pathParam(ctx.params.wa_id, "wa_id").replace(/^\+/, "");
  if (!/^[0-9]{5,20}$/.test(digits)) throw new HttpError(400, "invalid_request", "wa_id must be 5-20 digits", "wa_id");
  const key = recipientKeyOfWaId(digits) ?? digits;
  if (ctx.caller.kind === "workspace" && !(await workspaceStub(ctx.env, ctx.caller.workspace).knowsRecipient(key))) {
    throw new HttpError(403, "forbidden", "this key reads only recipients its workspace has sent to", "wa_id");
  }
  const state = await recipientStub(ctx.env, key).getState(key);
  return json(200, { wa_id: digits, ...state });
}

/** Who the key is: the workspace it acts on, its name, and (for a workspace key) its id, label
 *  and scopes. What the dashboard shows after sign-in. */
export async function getWorkspace(ctx: RouteContext): Promise<Response> {
  const ws = queryWorkspace(ctx);
  const profile = await workspaceStub(ctx.env, ws).profile();
  const { caller } = ctx;
  return json(200, {
    workspace_id: ws,
    name: profile.name,
    phone_number_ids: profile.phone_number_ids,
    caller: caller.kind,
    key: caller.kind === "workspace" ? { key_id: caller.key_id, label: caller.label, scopes: caller.scopes } : null,
  });
}

// ---- admin -------------------------------------------------------------------------------------

export async function postTopUp(ctx: RouteContext): Promise<Response> {
  const body = await readJsonObject(ctx.request, API_BODY_LIMIT);
  const workspace = ctx.workspace(body.workspace_id);
  const amount = body.amount;
  if (typeof amount !== "number" || !Number.isInteger(amount) || amount < 1 || amount > 1_000_000_000) {
    throw new HttpError(400, "invalid_request", "amount must be an integer from 1 to 1000000000", "amount");
  }
  const reference = body.reference ?? null;
  if (reference !== null && (typeof reference !== "string" || reference.length < 1 || reference.length > 255)) {
    throw new HttpError(400, "invalid_request", "reference must be a string of 1-255 characters", "reference");
  }
  return json(200, await workspaceStub(ctx.env, workspace).topUp(workspace, amount, reference));
}

const pathWorkspace = (ctx: RouteContext) => workspaceId(pathParam(ctx.params.id, "id"), "id");

function optionalLabel(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length < 1 || value.length > 100) {
    throw new HttpError(400, "invalid_request", "label must be a string of 1-100 characters", "label");
  }
  return value;
}

/** A new workspace key, shown in this answer only; only its SHA-256 is stored. */
export async function postKey(ctx: RouteContext): Promise<Response> {
  const workspace = pathWorkspace(ctx);
  const body = await readJsonObject(ctx.request, API_BODY_LIMIT);
  const scopes = readScopes(body.scopes);
  if (!Array.isArray(scopes)) throw new HttpError(400, "invalid_request", scopes.message, scopes.path);
  const label = optionalLabel(body.label);
  const { key, key_id } = mintKey(workspace);
  const record = await workspaceStub(ctx.env, workspace).addKey(key_id, await keyHash(key), label, scopes);
  if (!record) throw new HttpError(409, "too_many_keys", "this workspace has the most active keys it may have; revoke one first");
  return json(201, { workspace_id: workspace, key, ...record }, { "cache-control": "no-store" });
}

export async function getKeys(ctx: RouteContext): Promise<Response> {
  const workspace = pathWorkspace(ctx);
  return json(200, { workspace_id: workspace, keys: await workspaceStub(ctx.env, workspace).keys() });
}

export async function deleteKey(ctx: RouteContext): Promise<Response> {
  const workspace = pathWorkspace(ctx);
  const keyId = pathParam(ctx.params.key_id, "key_id");
  const record = /^[0-9a-f]{16}$/.test(keyId) ? await workspaceStub(ctx.env, workspace).revokeKey(keyId) : null;
  if (!record) throw new HttpError(404, "not_found", "this workspace has no key with this key_id", "key_id");
  return json(200, { workspace_id: workspace, ...record });
}

export async function getProfile(ctx: RouteContext): Promise<Response> {
  const workspace = pathWorkspace(ctx);
  return json(200, { workspace_id: workspace, ...(await workspaceStub(ctx.env, workspace).profile()) });
}

/** `{ name?, phone_number_ids? }`: the name the dashboard shows; the numbers its keys may send
 *  through (empty: the deployment's default number). */
export async function putProfile(ctx: RouteContext): Promise<Response> {
  const workspace = pathWorkspace(ctx);
  const body = await readJsonObject(ctx.request, API_BODY_LIMIT);
  const name = body.name;
  if (name !== undefined && name !== null && (typeof name !== "string" || name.length < 1 || name.length > 200)) {
    throw new HttpError(400, "invalid_request", "name must be a string of 1-200 characters, or null", "name");
  }
  const ids = body.phone_number_ids;
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length > 100) throw new HttpError(400, "invalid_request", "phone_number_ids must be a list of at most 100 ids", "phone_number_ids");
    const bad = ids.findIndex((x) => typeof x !== "string" || !ID_PATTERN.test(x));
    if (bad >= 0) throw new HttpError(400, "invalid_request", "each phone_number_id must be 1-64 characters of [A-Za-z0-9_.-]", `phone_number_ids[${bad}]`);
  }
  const profile = await workspaceStub(ctx.env, workspace).setProfile({
    ...(name !== undefined ? { name: name as string | null } : {}),
    ...(ids !== undefined ? { phone_number_ids: [...new Set(ids as string[])] } : {}),
  });
  return json(200, { workspace_id: workspace, ...profile });
}

// ---- the sending account -------------------------------------------------------------------------

/** Meta's tier sizes (different customers per rolling 24 hours; the core's MessagingTier). */
const TIER_LIMIT: Record<string, number | null> = { TIER_250: 250, TIER_2K: 2000, TIER_10K: 10_000, TIER_100K: 100_000, TIER_UNLIMITED: null };

const newest = (...times: (string | null | undefined)[]) =>
  times.filter((t): t is string => typeof t === "string").sort((a, b) => (toMs(b) ?? 0) - (toMs(a) ?? 0))[0] ?? null;

/** What the edge knows of a sending number and its WABA: the AccountState the gate passes the
 *  core, the throughput, the portfolio's 24 h count and the templates whose category changes. */
export async function getAccount(ctx: RouteContext): Promise<Response> {
  const ws = queryWorkspace(ctx);
  const { env } = ctx;
  const raw = ctx.url.searchParams.get("phone_number_id");
  if (raw !== null && !ID_PATTERN.test(raw)) {
    throw new HttpError(400, "invalid_request", "phone_number_id must be 1-64 characters of [A-Za-z0-9_.-]", "phone_number_id");
  }
  const needProfile = raw === null || ctx.caller.kind === "workspace";
  const profile = needProfile ? await workspaceStub(env, ws).profile() : null;
  const pnid = raw ?? profile?.phone_number_ids[0] ?? (env.META_PHONE_NUMBER_ID || null);
  if (!pnid) throw new HttpError(400, "invalid_request", "phone_number_id must be given (no default is configured)", "phone_number_id");
  if (ctx.caller.kind === "workspace") {
    const own = profile?.phone_number_ids ?? [];
    if (!(own.length > 0 ? own.includes(pnid) : pnid === env.META_PHONE_NUMBER_ID)) {
      throw new HttpError(403, "forbidden", "this key reads only its workspace's business numbers", "phone_number_id");
    }
  }
  const cfg = config(env);
  const acct = accountStubFor(env, pnid);
  const [n, a, templates] = await Promise.all([
    phoneNumberStub(env, pnid).gate(pnid, cfg.throughputByNumber[pnid], cfg.throughputMps, false),
    acct.peek(null, null, Date.now()),
    acct.templatesChanging(),
  ]);
  const edge = {
    number: n.number,
    account: a.account,
    template: null,
    unique_recipients_24h: a.unique_recipients_24h,
    messaged_in_last_24h: false,
    default_tier: cfg.defaultTier,
  };
  const tier = tierOf(edge);
  return json(200, {
    phone_number_id: pnid,
    waba_id: wabaOfNumber(cfg, pnid) ?? n.number.waba_id,
    account: accountStateOf(undefined, edge) ?? {},
    throughput_mps: n.rate.mps,
    throughput_source: n.rate.source,
    messaging_limit: tier ? { tier, limit: TIER_LIMIT[tier] ?? null, unique_recipients_24h: a.unique_recipients_24h } : null,
    templates_changing: templates,
    health_checked_at: n.number.health_checked_at,
    updated_at: newest(n.number.updated_at, a.account.updated_at),
  });
}
