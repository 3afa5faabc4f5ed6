// The /v1/campaigns handlers (SPEC "Campaigns"): validation here, everything else in the
// campaign's object (objects/campaign.ts) and the queue consumer (dispatch.ts).
import { checkSend } from "sendgate";
import type { SendRequest } from "sendgate";
import type { RouteContext } from "./api.ts";
import { contactsOfCsv } from "./campaign_csv.ts";
import { HttpError, canonical, isInputError, json, readJsonObject, sha256Hex } from "./http.ts";
import { campaignStub, type CampaignSpec, type ContactInput } from "./objects/campaign.ts";
import { workspaceStub } from "./objects/workspace.ts";
import { toMs } from "./time.ts";

/** 5,000 contacts of JSON, or a CSV export of a few tens of thousands of customers. */
const CAMPAIGN_BODY_LIMIT = 16 * 1024 * 1024;
export const MAX_JSON_CONTACTS = 5_000;
export const MAX_CSV_CONTACTS = 50_000;
const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const SOURCES = ["campaign", "automation"];
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const bad = (path: string, message: string) => new HttpError(400, "invalid_request", message, path);

function campaignIdOf(ctx: RouteContext): string {
  let id: string;
  try {
    id = decodeURIComponent(ctx.params.id ?? "");
  } catch {
    throw bad("campaign_id", "campaign_id is not validly percent-encoded");
  }
  if (!ID_PATTERN.test(id)) throw bad("campaign_id", "campaign_id must be 1-64 characters of [A-Za-z0-9_.-]");
  return id;
}

function parametersOf(value: unknown, path: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length > 100) throw bad(path, `${path} must be a list of at most 100 strings`);
  const i = value.findIndex((v) => typeof v !== "string" || v.length > 4096);
  if (i >= 0) throw bad(`${path}[${i}]`, `${path}[${i}] must be a string of at most 4096 characters`);
  return value as string[];
}

/** The contacts of a body: `contacts` (JSON) or `csv` (an export); keys `{campaign_id}:{id}`,
 *  else the CSV line, else the recipient as given. */
function contactsOf(body: Record<string, unknown>, campaignId: string, required: boolean): { items: ContactInput[]; malformed: { line: number; error: string }[] } {
  const { contacts, csv } = body;
  if (contacts !== undefined && csv !== undefined) throw bad("contacts", "give contacts or csv, not both");
  if (contacts === undefined && csv === undefined) {
    if (required) throw bad("contacts", "contacts (a list) or csv (the export's text) is required");
    return { items: [], malformed: [] };
  }
  if (csv !== undefined) {
    if (typeof csv !== "string") throw bad("csv", "csv must be the text of a customers export");
    const read = contactsOfCsv(csv);
    if (read.problem) throw bad("csv", read.problem);
    if (read.contacts.length > MAX_CSV_CONTACTS) throw bad("csv", `csv has ${read.contacts.length} contacts; at most ${MAX_CSV_CONTACTS} per call`);
    return {
      items: read.contacts.map((c) => ({ key: `${campaignId}:${c.id ?? `line:${c.line}`}`, line: c.line, contact: c.contact, parameters: null })),
      malformed: read.malformed,
    };
  }
  if (!Array.isArray(contacts)) throw bad("contacts", "contacts must be a list of contacts");
  if (contacts.length > MAX_JSON_CONTACTS) throw bad("contacts", `contacts has ${contacts.length} entries; at most ${MAX_JSON_CONTACTS} per call (append more with POST /v1/campaigns/{id}/contacts)`);
  const items = contacts.map((c, i): ContactInput => {
    const path = `contacts[${i}]`;
    if (!isObj(c)) throw bad(path, `${path} must be a contact object`);
    const { parameters, ...contact } = c;
    const id = contact.id;
    if (id !== undefined && (typeof id !== "string" || id.length < 1 || id.length > 128)) throw bad(`${path}.id`, `${path}.id must be a string of 1-128 characters`);
    const who = typeof id === "string" ? id : typeof contact.phone === "string" ? `to:${contact.phone.replace(/[^0-9+]/g, "")}` : typeof contact.user_id === "string" ? `to:${contact.user_id}` : null;
    if (who === null) throw bad(`${path}.phone`, `${path} needs an id, a phone or a user_id`);
    return { key: `${campaignId}:${who}`, line: i, contact, parameters: parametersOf(parameters, `${path}.parameters`) };
  });
  return { items, malformed: [] };
}

/** The DO's preflight input error → 400 naming the caller's field. */
function inputError(e: { index: number; path: string; message: string }, fromCsv: boolean): HttpError {
  const where = fromCsv ? `csv` : `contacts[${e.index}]`;
  const path = e.path.startsWith("contact.")
    ? `${where}.${e.path.slice("contact.".length)}`
    : e.path.startsWith("message.template")
      ? e.path.replace(/^message\./, "")
      : e.path.startsWith("message.parameters")
        ? e.path.replace(/^message\./, "")
        : e.path || where;
  const message = e.message.replace(/^\[\d+\]\.[^:]*: /, "");
  return bad(path, fromCsv ? `line ${e.index}: ${message}` : message);
}

/** The template, parameters and policy as the core reads them, before anything is stored (a
 *  campaign created with a template the core rejects could not be created again). */
function checkSpec(spec: CampaignSpec): void {
  try {
    checkSend({
      contact: { phone: null, marketing_state: "UNKNOWN" },
      source: spec.source,
      message: { type: "template", template: spec.template, ...(spec.parameters ? { parameters: spec.parameters } : {}) },
      ...(spec.policy ? { policy: spec.policy } : {}),
    } as unknown as SendRequest);
  } catch (e) {
    if (isInputError(e)) throw bad(e.path.replace(/^message\./, ""), e.message.replace(/^[^:]*: /, ""));
    throw e;
  }
}

async function numberFor(ctx: RouteContext, workspace: string, value: unknown): Promise<string> {
  const pnid = value ?? ctx.env.META_PHONE_NUMBER_ID;
  if (typeof pnid !== "string" || !ID_PATTERN.test(pnid)) {
    throw bad("phone_number_id", "phone_number_id must be given (no default is configured) as 1-64 characters of [A-Za-z0-9_.-]");
  }
  if (ctx.caller.kind === "workspace") {
    const own = (await workspaceStub(ctx.env, workspace).profile()).phone_number_ids;
    const may = own.length > 0 ? own.includes(pnid) : pnid === ctx.env.META_PHONE_NUMBER_ID;
    if (!may) throw new HttpError(403, "forbidden", "this key may send only through its workspace's business numbers", "phone_number_id");
  }
  return pnid;
}

function specOf(body: Record<string, unknown>, workspace: string, campaignId: string, pnid: string): CampaignSpec {
  const source = body.source ?? "campaign";
  if (typeof source !== "string" || !SOURCES.includes(source)) throw bad("source", `source must be one of ${SOURCES.join(", ")}`);
  const t = body.template;
  if (!isObj(t)) throw bad("template", "template is required: { name, language, category, status, body? }");
  if (typeof t.name !== "string" || t.name.length < 1 || t.name.length > 512) throw bad("template.name", "template.name must be a string of 1-512 characters");
  if (typeof t.language !== "string" || t.language.length < 1 || t.language.length > 32) throw bad("template.language", "template.language must be a locale code such as en_US");
  if (body.policy !== undefined && body.policy !== null && !isObj(body.policy)) throw bad("policy", "policy must be an object");
  let notBefore: number | null = null;
  if (body.not_before !== undefined && body.not_before !== null) {
    notBefore = typeof body.not_before === "string" ? toMs(body.not_before) : null;
    if (notBefore === null) throw bad("not_before", "not_before must be an RFC 3339 date-time");
  }
  const breaker = { window: 200, max_share: 0.25 };
  if (body.breaker !== undefined && body.breaker !== null) {
    const b = body.breaker;
    if (!isObj(b)) throw bad("breaker", "breaker must be { window?, max_share? }");
    if (b.window !== undefined) {
      if (!Number.isInteger(b.window) || (b.window as number) < 10 || (b.window as number) > 10_000) throw bad("breaker.window", "breaker.window must be an integer from 10 to 10000");
      breaker.window = b.window as number;
    }
    if (b.max_share !== undefined) {
      if (typeof b.max_share !== "number" || !(b.max_share > 0 && b.max_share <= 1)) throw bad("breaker.max_share", "breaker.max_share must be a number in (0, 1]");
      breaker.max_share = b.max_share;
    }
  }
  return {
    campaign_id: campaignId,
    workspace_id: workspace,
    phone_number_id: pnid,
    source: source as CampaignSpec["source"],
    template: t as unknown as CampaignSpec["template"],
    parameters: parametersOf(body.parameters, "parameters"),
    policy: body.policy ?? null,
    not_before: notBefore,
    breaker,
  };
}

const CREATE_FIELDS = new Set(["campaign_id", "workspace_id", "phone_number_id", "source", "template", "parameters", "contacts", "csv", "policy", "not_before", "breaker"]);

export async function postCampaign(ctx: RouteContext): Promise<Response> {
  const body = await readJsonObject(ctx.request, CAMPAIGN_BODY_LIMIT);
  for (const k of Object.keys(body)) if (!CREATE_FIELDS.has(k)) throw bad(k, `unknown field ${k}`);
  const campaignId = body.campaign_id;
  if (typeof campaignId !== "string" || !ID_PATTERN.test(campaignId)) throw bad("campaign_id", "campaign_id is required: 1-64 characters of [A-Za-z0-9_.-]");
  const workspace = ctx.workspace(body.workspace_id);
  const pnid = await numberFor(ctx, workspace, body.phone_number_id);
  const spec = specOf(body, workspace, campaignId, pnid);
  checkSpec(spec);
  const { items, malformed } = contactsOf(body, campaignId, false);
  const { contacts, csv, ...rest } = body;
  const hash = await sha256Hex(canonical({ ...rest, workspace_id: workspace, phone_number_id: pnid }));
  const stub = campaignStub(ctx.env, workspace, campaignId);
  const created = await stub.create(spec, hash);
  if (created === "conflict") throw new HttpError(409, "campaign_exists", "this campaign_id was created with a different body", "campaign_id");
  const contactsHash = await sha256Hex(canonical({ contacts, csv }));
  const appended = await stub.append("create", contactsHash, items);
  if ("input_error" in appended && appended.input_error) throw inputError(appended.input_error, csv !== undefined);
  if ("conflict" in appended) throw new HttpError(409, "campaign_exists", "this campaign_id was created with different contacts", "campaign_id");
  const replay = created === "replay";
  return json(replay ? 200 : 201, { ...(await stub.report()), preflight: { ...appended, malformed } }, replay ? { "idempotent-replayed": "true" } : {});
}

export async function postCampaignContacts(ctx: RouteContext): Promise<Response> {
  const campaignId = campaignIdOf(ctx);
  const body = await readJsonObject(ctx.request, CAMPAIGN_BODY_LIMIT);
  for (const k of Object.keys(body)) if (!["workspace_id", "contacts", "csv"].includes(k)) throw bad(k, `unknown field ${k}`);
  const workspace = ctx.workspace(body.workspace_id);
  const stub = await existing(ctx, workspace, campaignId);
  const { items, malformed } = contactsOf(body, campaignId, true);
  const hash = await sha256Hex(canonical({ contacts: body.contacts, csv: body.csv }));
  const appended = await stub.append(`append:${hash}`, hash, items);
  if ("input_error" in appended && appended.input_error) throw inputError(appended.input_error, body.csv !== undefined);
  if ("cancelled" in appended) throw new HttpError(409, "campaign_cancelled", "this campaign was cancelled: create a new one", "campaign_id");
  if ("conflict" in appended) throw new HttpError(409, "conflict", "append conflict");
  const { added = 0, duplicates = 0, blocked = 0 } = appended as { added?: number; duplicates?: number; blocked?: number };
  // A replayed call added nobody now: its contacts are all duplicates.
  const replay = "replay" in appended;
  return json(200, {
    added: replay ? 0 : added,
    duplicates: replay ? items.length : duplicates,
    blocked: replay ? 0 : blocked,
    malformed,
    report: await stub.report(),
  });
}

async function existing(ctx: RouteContext, workspace: string, campaignId: string) {
  const stub = campaignStub(ctx.env, workspace, campaignId);
  if (!(await stub.exists())) throw new HttpError(404, "not_found", "this workspace has no campaign with this campaign_id", "campaign_id");
  return stub;
}

export async function getCampaigns(ctx: RouteContext): Promise<Response> {
  const workspace = ctx.workspace(ctx.url.searchParams.get("workspace_id"));
  const ids = await workspaceStub(ctx.env, workspace).campaignIds(100);
  const campaigns = (await Promise.all(ids.map((id) => campaignStub(ctx.env, workspace, id).summary()))).filter((s) => s !== null);
  return json(200, { workspace_id: workspace, campaigns });
}

export async function getCampaign(ctx: RouteContext): Promise<Response> {
  const workspace = ctx.workspace(ctx.url.searchParams.get("workspace_id"));
  const stub = await existing(ctx, workspace, campaignIdOf(ctx));
  return json(200, await stub.report());
}

/** Every contact's state, in file order (`from`: the first sequence number, `limit` ≤ 5000). */
export async function getCampaignContacts(ctx: RouteContext): Promise<Response> {
  const workspace = ctx.workspace(ctx.url.searchParams.get("workspace_id"));
  const stub = await existing(ctx, workspace, campaignIdOf(ctx));
  const num = (name: string, fallback: number, max: number) => {
    const raw = ctx.url.searchParams.get(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max) throw bad(name, `${name} must be an integer from 0 to ${max}`);
    return n;
  };
  const contacts = await stub.contacts(num("from", 0, 1_000_000_000), num("limit", 1000, 5000));
  return json(200, { workspace_id: workspace, contacts, next_from: contacts.length ? contacts[contacts.length - 1].seq + 1 : null });
}

async function control(ctx: RouteContext, act: "pause" | "resume" | "cancel"): Promise<Response> {
  const body = ctx.request.headers.get("content-type")?.startsWith("application/json") ? await readJsonObject(ctx.request, 4096) : {};
  const workspace = ctx.workspace(body.workspace_id ?? ctx.url.searchParams.get("workspace_id"));
  const stub = await existing(ctx, workspace, campaignIdOf(ctx));
  if (act === "pause") await stub.pause();
  else if (act === "resume") await stub.resume();
  else await stub.cancel();
  return json(200, await stub.report());
}

export const postPause = (ctx: RouteContext) => control(ctx, "pause");
export const postResume = (ctx: RouteContext) => control(ctx, "resume");
export const postCancel = (ctx: RouteContext) => control(ctx, "cancel");
