// Meta's webhooks: the verification handshake, and event delivery (signature over the raw bytes
// first, then every event applied in the object where its state lives).
import { classifyWebhook } from "sendgate";
import type { WebhookEvent } from "sendgate";
import { config, type Config, type Env } from "./env.ts";
import { refreshHealth } from "./gate.ts";
import { errorBody, json, readBody, safeEqual, validSignature } from "./http.ts";
import { parseCallbackData } from "./merge.ts";
import { accountKeyOfWaba, accountStub } from "./objects/account.ts";
import { phoneNumberStub } from "./objects/phone_number.ts";
import { recipientKeyOfUserId, recipientKeyOfWaId, recipientStub } from "./objects/recipient.ts";
import { campaignStub, parseCampaignCallback } from "./objects/campaign.ts";
import { workspaceStub } from "./objects/workspace.ts";
import { toMs } from "./time.ts";

/** Meta's webhook payloads can be up to 3 MB. */
const WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024;
/** Meta's core tiers; `TIER_50` / `TIER_NOT_SET` (unverified or new portfolios) set none. */
const TIERS = new Set(["TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"]);

export function verifyWebhook(url: URL, env: Env): Promise<Response> | Response {
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

const waIdOf = (v: string | null | undefined) => (v && /^\+?[0-9]{5,20}$/.test(v) ? v : null);

/** The recipient key of a person a webhook names (BSUID first), and the links to record when it
 *  names both a BSUID and a wa_id. */
function person(userId: string | null | undefined, waId: string | null | undefined): { key: string | null; other: string | null } {
  const u = recipientKeyOfUserId(userId);
  const w = waIdOf(waId) ? recipientKeyOfWaId(waId as string) : null;
  return { key: u ?? w, other: u && w ? w : null };
}

function linkBoth(env: Env, a: string, b: string): Promise<unknown> {
  return Promise.all([recipientStub(env, a).link(a, b), recipientStub(env, b).link(b, a)]);
}

/** A user id or number change: the new key takes over each previous key's state, and every key
 *  of the person links to the new one (so a read under any of them finds it). */
async function moveRecipient(env: Env, ev: Extract<WebhookEvent, { kind: "user_id_change" }>): Promise<void> {
  const now = person(ev.user_id, ev.wa_id);
  const target = now.key;
  if (!target) return;
  const previous = [recipientKeyOfUserId(ev.previous_user_id), waIdOf(ev.previous_wa_id) ? recipientKeyOfWaId(ev.previous_wa_id as string) : null].filter(
    (k): k is string => k !== null && k !== target,
  );
  if (now.other) await linkBoth(env, target, now.other);
  for (const old of previous) {
    const from = await recipientStub(env, old).ownState(old);
    await recipientStub(env, target).absorb(target, from, old);
    await Promise.all([recipientStub(env, old).link(old, target), ...from.linked.filter((k) => k !== target).map((k) => recipientStub(env, k).link(k, target))]);
  }
}

const account = (env: Env, cfg: Config, wabaId: string | null | undefined) => accountStub(env, accountKeyOfWaba(cfg, wabaId ?? null));

/** Meta's event delivery: signature over the raw bytes first, then every event applied where
 *  its state lives. Applied before answering so a 200 means stored (Meta retries otherwise). An
 *  item the core could not read is an `invalid` event (the rest of the body is still applied);
 *  a field it does not know is `unknown_field`: both are counted in the answer and kept, last
 *  seen, in the account object. */
export async function receiveWebhook(request: Request, env: Env): Promise<Response> {
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
  const cfg = config(env);
  const defaultWorkspace = env.DEFAULT_WORKSPACE || "default";
  const statuses = new Map<string, Extract<WebhookEvent, { kind: "status" }>[]>();
  const tasks: Promise<unknown>[] = [];
  /** User id changes run after this body's other events (they move state those may write). */
  const moves: Extract<WebhookEvent, { kind: "user_id_change" }>[] = [];
  const campaigns = new Map<string, { workspace: string; campaign_id: string; events: Parameters<ReturnType<typeof campaignStub>["applyStatuses"]>[0] }>();
  const unrecognized: { kind: "invalid" | "unknown_field"; what: string }[] = [];
  /** Links already asked for in this body (a campaign's statuses repeat them). */
  const linked = new Set<string>();
  const link = (userId: string | null | undefined, waId: string | null | undefined) => {
    const p = person(userId, waId);
    if (p.key && p.other && !linked.has(`${p.key} ${p.other}`)) {
      linked.add(`${p.key} ${p.other}`);
      tasks.push(linkBoth(env, p.key, p.other));
    }
    return p.key;
  };
  for (const ev of events) {
    const at = toMs(ev.kind === "invalid" ? null : ev.timestamp) ?? Date.now();
    switch (ev.kind) {
      case "status": {
        // A campaign contact's status also advances its campaign (objects/campaign.ts).
        const campaign = parseCampaignCallback(ev.biz_opaque_callback_data);
        if (campaign) {
          const k = `${campaign.workspace}:${campaign.campaign_id}`;
          const entry = campaigns.get(k) ?? { ...campaign, events: [] };
          entry.events.push({ seq: campaign.seq, wamid: ev.wamid, status: ev.status, classification: ev.classification });
          campaigns.set(k, entry);
        }
        const ws = parseCallbackData(ev.biz_opaque_callback_data)?.workspace ?? campaign?.workspace ?? defaultWorkspace;
        statuses.set(ws, [...(statuses.get(ws) ?? []), ev]);
        link(ev.recipient_user_id, ev.recipient_id);
        break;
      }
      case "inbound_message": {
        const waId = ev.wa_id ?? waIdOf(ev.from);
        const key = link(ev.user_id, waId);
        if (!key) break;
        tasks.push(
          recipientStub(env, key).applyInbound(key, { id: ev.id, wa_id: waId, at, opt_out: ev.opt_out === true, opt_in: ev.opt_in === true }),
        );
        break;
      }
      case "marketing_preference": {
        const key = link(ev.user_id, ev.wa_id);
        if (!key) break;
        tasks.push(recipientStub(env, key).applyPreference(key, { wa_id: ev.wa_id, preference: ev.preference, at }));
        break;
      }
      case "message_echo":
        link(ev.to_user_id, ev.to);
        break;
      case "call":
        link(ev.user_id, ev.wa_id);
        break;
      case "user_id_change":
        moves.push(ev);
        break;
      case "template_status":
        if (ev.name) tasks.push(account(env, cfg, ev.waba_id).applyTemplateStatus(ev.name, ev.language, ev.status, ev.reason, at));
        break;
      case "template_quality":
        if (ev.name && ev.quality) tasks.push(account(env, cfg, ev.waba_id).applyTemplateQuality(ev.name, ev.language, ev.quality, at));
        break;
      case "template_category":
        if (ev.name) {
          const pending = ev.pending_category ? { category: ev.pending_category.category, at: ev.pending_category.at } : null;
          tasks.push(account(env, cfg, ev.waba_id).applyTemplateCategory(ev.name, ev.language, { completed: ev.change === "completed", category: ev.category, pending }, at));
        }
        break;
      case "template_components":
        // The text is the platform's to sync; the gate reads the template from the request.
        break;
      case "account_update":
        if (ev.field === "account_update" || ev.field === "business_capability_update") {
          tasks.push(
            account(env, cfg, ev.waba_id).applyAccountUpdate({
              event: ev.event,
              restrictions: ev.restrictions,
              ban: ev.ban,
              violation_type: ev.violation_type,
              messaging_limit: ev.messaging_limit && TIERS.has(ev.messaging_limit) ? ev.messaging_limit : undefined,
              at,
            }),
          );
        }
        break;
      case "phone_number_quality": {
        const display = ev.display_phone_number?.replace(/\D/g, "");
        if (!display) break;
        const fact = {
          throughput_level: ev.throughput_level ?? null,
          tier: ev.messaging_limit && TIERS.has(ev.messaging_limit) ? ev.messaging_limit : null,
          // FLAGGED: Meta flagged the number for low quality; UNFLAGGED: it recovered.
          quality: ev.event === "FLAGGED" ? "RED" : ev.event === "UNFLAGGED" ? "GREEN" : null,
          at,
        };
        tasks.push(
          account(env, cfg, ev.waba_id)
            .applyPhoneQuality(display, fact)
            .then((ids) => Promise.all(ids.map((id) => phoneNumberStub(env, id).applyQuality(id, fact)))),
        );
        break;
      }
      case "account_error":
        tasks.push(workspaceStub(env, defaultWorkspace).applyAccountError(ev));
        if (ev.phone_number_id && (ev.classification.scope === "account" || ev.classification.scope === "phone_number")) {
          tasks.push(refreshHealth(env, ev.phone_number_id));
        }
        break;
      case "unknown_field":
        unrecognized.push({ kind: "unknown_field", what: ev.field });
        break;
      case "invalid":
        unrecognized.push({ kind: "invalid", what: `${ev.path}: ${ev.error}`.slice(0, 300) });
        break;
    }
  }
  for (const [ws, list] of statuses) tasks.push(workspaceStub(env, ws).applyStatuses(list));
  for (const c of campaigns.values()) tasks.push(campaignStub(env, c.workspace, c.campaign_id).applyStatuses(c.events));
  if (unrecognized.length > 0) tasks.push(accountStub(env).noteUnrecognized(unrecognized.slice(0, 20), Date.now()));
  await Promise.all(tasks);
  for (const ev of moves) await moveRecipient(env, ev);
  const invalid = unrecognized.filter((u) => u.kind === "invalid").length;
  return json(200, { received: events.length, invalid, unknown_fields: unrecognized.length - invalid });
}
