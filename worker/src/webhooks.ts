// Meta's webhooks: the verification handshake, and event delivery (signature over the raw bytes
// first, then every event applied in the object where its state lives).
import { classifyWebhook } from "sendgate";
import type { WebhookEvent } from "sendgate";
import type { Env } from "./env.ts";
import { errorBody, json, readBody, safeEqual, validSignature } from "./http.ts";
import { parseCallbackData } from "./merge.ts";
import { accountStub } from "./objects/account.ts";
import { campaignStub, parseCampaignCallback } from "./objects/campaign.ts";
import { recipientKeyOfWaId, recipientStub } from "./objects/recipient.ts";
import { workspaceStub } from "./objects/workspace.ts";
import { toMs } from "./time.ts";

/** Meta's webhook payloads can be up to 3 MB. */
const WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024;

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

/** Meta's event delivery: signature over the raw bytes first, then every event applied where
 *  its state lives. Applied before answering so a 200 means stored (Meta retries otherwise). */
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
  const defaultWorkspace = env.DEFAULT_WORKSPACE || "default";
  const statuses = new Map<string, Extract<WebhookEvent, { kind: "status" }>[]>();
  const tasks: Promise<boolean | { applied: number; duplicates: number }>[] = [];
  const campaigns = new Map<string, { workspace: string; campaign_id: string; events: Parameters<ReturnType<typeof campaignStub>["applyStatuses"]>[0] }>();
  let invalid = 0;
  for (const ev of events) {
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
  for (const c of campaigns.values()) tasks.push(campaignStub(env, c.workspace, c.campaign_id).applyStatuses(c.events).then(() => true));
  await Promise.all(tasks);
  return json(200, { received: events.length, invalid });
}
