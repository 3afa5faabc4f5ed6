#!/usr/bin/env node
// Sandbox Meta Graph API for dev and tests (never production). It speaks Cloud API's send
// endpoints (`/messages`, `/marketing_messages`) and the phone-number/WABA/template nodes
// (`health_status` and friends) with Meta's documented shapes, and posts signed webhooks back.
// Behaviour is chosen by the last three digits of the recipient (a phone number, or a BSUID whose
// last three characters are digits); templates, health, throughput and pauses are set by tests
// through options, `POST /_sandbox/*` or the returned handle. Everything is in worker/README.md.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { maxCallsPerWindow, SlidingWindow } from "./calls.mjs";
import { ControlError, oneOf, optionalString, withPath } from "./control.mjs";
import { bsuidForPhone, ERRORS, graphError, isBsuid, sign, unixNow, waIdFor, webhookError } from "./graph.mjs";
import { HealthStatus } from "./health.mjs";
import { QUALITY_SCORES, TemplateRegistry } from "./templates.mjs";
import {
  accountUpdateValue,
  inboundValue,
  messagesChange,
  qualityValue,
  statusValue,
  templateCategoryValue,
  templateQualityValue,
  templateStatusValue,
  userIdChangeValue,
  wabaChange,
} from "./webhooks.mjs";

export { sign, waIdFor };

/** Last three digits of the recipient → behaviour. */
export const BEHAVIOURS = {
  100: "sent_only",
  101: "undeliverable_131026",
  102: "rate_limited_130429",
  103: "pair_limit_131056",
  104: "marketing_limit_131049",
  105: "stopped_marketing_131050",
  106: "transient_then_ok",
  107: "timeout",
  108: "html_502",
  109: "malformed_json",
  110: "error_500",
  111: "reset",
  112: "no_wamid",
  113: "template_not_found_132001",
  114: "token_expired_190",
  115: "slow_accept",
  116: "read_before_sent",
  117: "webhooks_twice",
  118: "read_only",
  119: "unavailable_503",
  120: "echo_request",
  121: "redirect_307",
};

/** The behaviour key of a recipient: a phone number's last three digits, a BSUID's last three
 *  characters when they are digits (`US.13491208655302741101` → 101). */
export function behaviourOf(recipient) {
  const tail = String(recipient).slice(-3);
  return /^\d{3}$/.test(tail) ? (BEHAVIOURS[tail] ?? "ok") : "ok";
}

/** Modes a test sets and `/_sandbox/reset` restores to their start values. */
const MODES = ["latencyMs", "latencyJitterMs", "throughputMps", "strictTemplates", "disableMarketingOnCloudApi", "paymentMethod", "userIdsForPhones"];
/** The settings `/_sandbox/config` (and `sandbox.configure`) may change. */
const CONFIGURABLE = ["webhookUrl", "webhookDelayMs", ...MODES];

export function startSandbox(options = {}) {
  const opts = {
    port: 0,
    accessToken: "sandbox-access-token",
    appSecret: "sandbox-app-secret",
    webhookUrl: null,
    webhookDelayMs: 50,
    webhookConcurrency: 16,
    latencyMs: 0,
    /** Extra latency per answer, uniform in [0, latencyJitterMs). */
    latencyJitterMs: 0,
    hangMs: 30_000,
    slowMs: 5_000,
    wabaId: "102290129340398",
    businessId: "506914307656634",
    appId: "634974688087057",
    /** The phone number id control actions use when none is given (the worker's default). */
    phoneNumberId: "100000001",
    /** Display number of every phone number id, unless `phoneNumbers` names its own. */
    displayPhoneNumber: "15550783881",
    phoneNumbers: {},
    /** Template registry at start: [{ name, language, category, status, quality_score, id, pause_after }]. */
    templates: [],
    /** Unregistered templates answer 132001 (default: sent as before, as marketing on /marketing_messages). */
    strictTemplates: false,
    /** The WABA's `disable_marketing_messages_on_cloud_api`: MARKETING templates on /messages → 131063. */
    disableMarketingOnCloudApi: false,
    /** Meta's per-number throughput: a number (every phone number id) or { [phone_number_id]: mps }; null = unlimited. */
    throughputMps: null,
    /** false: the WABA has no payment method (health_status BLOCKED 141006; templates fail 131042, service messages are silently not delivered). */
    paymentMethod: true,
    /** Status webhooks of phone sends carry the user's BSUID too (as Meta does once BSUIDs roll out). */
    userIdsForPhones: false,
    /** BSUID → phone digits: users whose phone number Meta may share in webhooks. */
    userLinks: {},
    /** How many posted webhooks `sandbox.webhooks` keeps (the newest). */
    webhookLogLimit: 1000,
    log: false,
    ...options,
  };
  const initial = Object.fromEntries(MODES.map((k) => [k, opts[k]]));

  const calls = [];
  /** Reads of Graph nodes (`GET /{version}/{node}`): kept apart from `calls` (sends) so "Meta was
   *  not called" for a send stays exact while the worker polls health_status. */
  const graphCalls = [];
  /** Requests that followed the `redirect_307` behaviour's redirect. */
  const redirected = [];
  const webhooks = [];
  const seenTo = new Map();
  const templates = new TemplateRegistry(opts.templates);
  const health = new HealthStatus({ wabaId: opts.wabaId, businessId: opts.businessId, appId: opts.appId }, Object.keys(ERRORS).map(Number));
  const limiter = new SlidingWindow(1000);
  /** phone_number_id → what `/_sandbox/quality` changed: { limit, throughput_level, throughput_mps, quality_rating }. */
  const phones = new Map();
  /** Template key → sends held by pacing: { phoneNumberId, base } (their status webhooks wait). */
  const held = new Map();
  const links = new Map();
  const resetLinks = () => {
    links.clear();
    for (const [bsuid, phone] of Object.entries(opts.userLinks)) links.set(bsuid, String(phone).replace(/\D/g, ""));
  };
  resetLinks();
  let pendingWebhooks = 0;
  let webhooksDelivered = 0;
  let webhooksFailed = 0;
  const sockets = new Set();
  const timers = new Set();

  const later = (ms, fn) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const displayOf = (phoneNumberId) => opts.phoneNumbers[phoneNumberId] ?? opts.displayPhoneNumber;
  const phoneState = (id) => ({ limit: "TIER_UNLIMITED", throughput_level: "STANDARD", throughput_mps: null, quality_rating: "GREEN", ...phones.get(id) });
  const mpsFor = (id) => phoneState(id).throughput_mps ?? (typeof opts.throughputMps === "number" ? opts.throughputMps : (opts.throughputMps?.[id] ?? null));
  const phoneOfBsuid = (bsuid) => links.get(bsuid) ?? null;
  const bsuidOfPhone = (digits) => {
    for (const [bsuid, phone] of links) if (phone === digits) return bsuid;
    return opts.userIdsForPhones ? bsuidForPhone(digits) : null;
  };

  // Like Meta, deliveries are paced: at most `webhookConcurrency` in flight, the rest queue
  // (unbounded parallel POSTs would exhaust the worker's sockets under load).
  let inFlight = 0;
  const waiting = [];
  const acquire = () => {
    if (inFlight >= opts.webhookConcurrency) return new Promise((r) => waiting.push(r));
    inFlight++;
    return Promise.resolve();
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };

  /** Posts a signed body to the worker; resolves true once it answered 2xx, false after three
   *  failed tries, null when no webhook URL is set. Every post is logged in `webhooks`. */
  async function postWebhook(payload) {
    const entry = { at: Date.now(), field: payload.entry?.[0]?.changes?.[0]?.field ?? null, body: payload, delivered: null };
    webhooks.push(entry);
    if (webhooks.length > opts.webhookLogLimit) webhooks.splice(0, webhooks.length - opts.webhookLogLimit);
    if (!opts.webhookUrl) return null;
    const body = JSON.stringify(payload);
    pendingWebhooks++;
    await acquire();
    try {
      // Meta retries until it gets a 200; three tries are plenty on loopback.
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const res = await fetch(opts.webhookUrl, {
            method: "POST",
            headers: { "content-type": "application/json", "x-hub-signature-256": sign(opts.appSecret, body) },
            body,
          });
          await res.arrayBuffer();
          if (res.ok) {
            webhooksDelivered++;
            entry.delivered = true;
            return true;
          }
        } catch {
          // worker not reachable yet: retry
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      webhooksFailed++;
      entry.delivered = false;
      return false;
    } finally {
      release();
      pendingWebhooks--;
    }
  }

  const metadata = (phoneNumberId) => ({ display_phone_number: displayOf(phoneNumberId), phone_number_id: phoneNumberId });
  const messagesBody = (phoneNumberId, value) => messagesChange(opts.wabaId, metadata(phoneNumberId), value);

  /** One status per POST, `webhookDelayMs` apart; `times` > 1 sends each signed delivery again
   *  (Meta retries deliveries it thinks were lost). */
  function statusWebhooks(phoneNumberId, base, steps, times = 1) {
    let delay = opts.webhookDelayMs;
    const t0 = unixNow();
    steps.forEach((step, i) => {
      const value = statusValue({ ...base, status: step.status, timestamp: t0 + i, error: step.error ? webhookError(step.error) : null });
      for (let n = 0; n < times; n++) later(delay, () => postWebhook(messagesBody(phoneNumberId, value)));
      delay += opts.webhookDelayMs;
    });
  }

  /** Template pacing (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-pacing):
   *  held sends are dropped with a failed 132015 status once the template is paused, and
   *  released (sent, delivered, read) once pacing ends with the template still approved. */
  function settleHeld() {
    for (const [key, list] of held) {
      const t = templates.byKey.get(key);
      const steps = t?.status === "PAUSED" ? [{ status: "failed", error: 132015 }] : t && !t.pacing ? [{ status: "sent" }, { status: "delivered" }, { status: "read" }] : null;
      if (!steps) continue;
      held.delete(key);
      for (const { phoneNumberId, base } of list) statusWebhooks(phoneNumberId, base, steps);
    }
  }

  function send(res, status, body, raw = false) {
    const text = raw ? body : JSON.stringify(body);
    const go = () => {
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": raw ? "text/html" : "application/json" });
      res.end(text);
    };
    const delay = opts.latencyMs + (opts.latencyJitterMs > 0 ? Math.random() * opts.latencyJitterMs : 0);
    if (delay > 0) later(delay, go);
    else go();
  }

  async function readJson(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const text = Buffer.concat(chunks).toString("utf8");
    return text ? JSON.parse(text) : {};
  }

  /** Why Meta refuses this template send (a Graph code), or null. */
  function templateRefusal(template, endpoint, toBsuid) {
    const t = templates.get(template.name, template.language.code);
    if (!t) return templates.hasName(template.name) || opts.strictTemplates ? 132001 : null;
    if (t.status === "PAUSED") return 132015;
    if (t.status === "DISABLED") return 132016;
    if (t.status !== "APPROVED") return 132001;
    // https://developers.facebook.com/documentation/business-messaging/whatsapp/marketing-messages/send-marketing-messages
    if (endpoint === "marketing_messages" && t.category && t.category !== "MARKETING") return 131055;
    if (endpoint === "messages" && t.category === "MARKETING" && opts.disableMarketingOnCloudApi) return 131063;
    if (toBsuid && t.category === "AUTHENTICATION") return 131062;
    return null;
  }

  /** `POST /{version}/{phone_number_id}/messages` and `/marketing_messages` (Marketing Messages
   *  API: the same body, marketing templates only, `messages[].message_status` in the answer;
   *  https://developers.facebook.com/documentation/business-messaging/whatsapp/reference/whatsapp-business-phone-number/marketing-messages-api-for-whatsapp). */
  async function handleSend(req, res, phoneNumberId, endpoint) {
    const call = { to: null, recipient: null, behaviour: null, at: Date.now(), phone_number_id: phoneNumberId, endpoint, template: null, language: null, status: null, code: null };
    calls.push(call);
    const answer = (status, body, raw = false) => {
      call.status = status;
      call.code = raw ? null : (body?.error?.code ?? null);
      send(res, status, body, raw);
    };
    const refuse = (behaviour, code, extra) => {
      call.behaviour = behaviour;
      answer(...graphError(code, extra));
    };
    if (req.headers.authorization !== `Bearer ${opts.accessToken}`) return refuse("unauthorized", 190);
    let body;
    try {
      body = await readJson(req);
    } catch {
      return refuse("invalid_json", 100);
    }
    call.body = body;
    // https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids:
    // `recipient` takes a BSUID; when both are given, `to` wins.
    const to = typeof body.to === "string" ? body.to.replace(/\D/g, "") : "";
    const bsuid = isBsuid(body.recipient) ? body.recipient : null;
    const toBsuid = !to && bsuid !== null;
    call.to = to || null;
    call.recipient = to || bsuid;
    if (body.type === "template") {
      call.template = typeof body.template?.name === "string" ? body.template.name : null;
      call.language = typeof body.template?.language?.code === "string" ? body.template.language.code : null;
    }
    if (endpoint === "marketing_messages" && body.type !== "template") {
      return refuse("invalid", 100, { details: "Message must be a template message." });
    }
    const validType =
      (body.type === "text" && typeof body.text?.body === "string") || (body.type === "template" && call.template !== null && call.language !== null);
    if (body.messaging_product !== "whatsapp" || !call.recipient || !validType) return refuse("invalid", 100);

    const limit = mpsFor(phoneNumberId);
    if (limit !== null && !limiter.admit(phoneNumberId, limit, call.at)) return refuse("throughput_130429", 130429);
    const entry = body.type === "template" ? templates.get(call.template, call.language) : undefined;
    const templateCode = body.type === "template" ? templateRefusal(body.template, endpoint, toBsuid) : null;
    if (templateCode === 132001) {
      return refuse("template_132001", 132001, { details: `template name (${call.template}) does not exist in ${call.language}` });
    }
    if (templateCode) return refuse(`template_${templateCode}`, templateCode);
    const healthCode = health.sendError({ phoneNumberId, templateId: entry?.id ?? null, paymentMethod: opts.paymentMethod });
    if (healthCode) return refuse(`health_${healthCode}`, healthCode);

    const behaviour = opts.paymentMethod ? behaviourOf(call.recipient) : "no_payment_method";
    call.behaviour = behaviour;
    const seen = seenTo.get(call.recipient) ?? 0;
    seenTo.set(call.recipient, seen + 1);
    if (opts.log) console.log(`sandbox: ${body.type} via /${endpoint} to ${to ? `+${to}` : bsuid} → ${behaviour}`);

    const contact = toBsuid ? { input: body.recipient, user_id: bsuid } : { input: body.to, wa_id: waIdFor(to) };
    const accept = (steps, times = 1) => {
      const hold = entry?.pacing === true;
      const wamid = `wamid.${Buffer.from(`${call.recipient}:${randomBytes(12).toString("hex")}`).toString("base64url")}`;
      const phone = to || (bsuid ? phoneOfBsuid(bsuid) : null);
      const waId = phone ? waIdFor(phone) : null;
      const userId = toBsuid ? bsuid : (bsuid ?? bsuidOfPhone(to));
      const pricingCategory = body.type === "template" ? (entry?.category?.toLowerCase() ?? "marketing") : "service";
      const base = { wamid, waId, userId, sentToBsuid: toBsuid, callback: body.biz_opaque_callback_data, pricingCategory };
      if (hold) {
        const key = TemplateRegistry.key(entry.name, entry.language);
        held.set(key, [...(held.get(key) ?? []), { phoneNumberId, base }]);
      } else statusWebhooks(phoneNumberId, base, steps, times);
      answer(200, {
        messaging_product: "whatsapp",
        contacts: [contact],
        messages: [{ id: wamid, ...(body.type === "template" ? { message_status: hold ? "held_for_quality_assessment" : "accepted" } : {}) }],
      });
      if (entry && templates.countSend(entry)) {
        postWebhook(wabaChange(opts.wabaId, "message_template_status_update", templateStatusValue({ event: "PAUSED" }, entry)));
        settleHeld();
      }
    };

    switch (behaviour) {
      case "ok":
        return accept([{ status: "sent" }, { status: "delivered" }, { status: "read" }]);
      case "no_payment_method":
        // From 2026-10-01 without a payment method: templates fail 131042, service messages are
        // accepted and never delivered (meta-2026.md, "Service messages become billable").
        return accept(body.type === "template" ? [{ status: "failed", error: 131042 }] : []);
      case "sent_only":
        return accept([{ status: "sent" }]);
      case "undeliverable_131026":
        return accept([{ status: "failed", error: 131026 }]);
      case "marketing_limit_131049":
        return accept([{ status: "failed", error: 131049 }]);
      case "stopped_marketing_131050":
        return accept([{ status: "failed", error: 131050 }]);
      case "rate_limited_130429":
        return answer(...graphError(130429));
      case "pair_limit_131056":
        return answer(...graphError(131056));
      case "transient_then_ok":
        return seen === 0 ? answer(...graphError(131000)) : accept([{ status: "sent" }, { status: "delivered" }]);
      case "timeout":
        return later(opts.hangMs, () => res.destroy());
      case "slow_accept":
        // Accepted (webhooks follow) but answered only after `slowMs`: past the caller's timeout.
        return later(opts.slowMs, () => accept([{ status: "sent" }, { status: "delivered" }]));
      case "read_before_sent":
        // Out of order and `delivered` never arrives: `read` alone must debit, `sent` must not undo it.
        return accept([{ status: "read" }, { status: "sent" }]);
      case "webhooks_twice":
        return accept([{ status: "sent" }, { status: "delivered" }, { status: "read" }], 2);
      case "read_only":
        return accept([{ status: "read" }]);
      case "unavailable_503":
        return answer(503, "upstream connect error or disconnect/reset before headers. reset reason: overflow", true);
      case "echo_request":
        // A misbehaving proxy or debug endpoint that answers 200 with the request it got,
        // headers included (no wamid): the worker must not pass our access token on.
        return answer(200, { echo: { method: req.method, url: req.url, headers: req.headers, body } });
      case "redirect_307":
        // Answered with a redirect to another address: a caller that follows it re-sends the
        // request (access token included) there, and gets an accepted message back.
        call.status = 307;
        res.writeHead(307, { location: "/_sandbox/redirected" });
        return res.end();
      case "html_502":
        return answer(502, "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>", true);
      case "malformed_json":
        return answer(200, '{"messaging_product":"whatsapp","contacts":[{"input"', true);
      case "error_500":
        return answer(...graphError(131000));
      case "reset":
        return req.socket.destroy();
      case "no_wamid":
        return answer(200, { messaging_product: "whatsapp", contacts: [contact] });
      case "template_not_found_132001":
        return answer(...graphError(132001));
      case "token_expired_190":
        return answer(...graphError(190));
    }
  }

  /** `GET /{version}/{node}?fields=…` for a phone number, the WABA or a registered template id.
   *  Health: https://developers.facebook.com/documentation/business-messaging/whatsapp/support/health-status ;
   *  throughput and messaging limit fields: https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput
   *  and …/messaging-limits (v24.0+ `whatsapp_business_manager_messaging_limit`). */
  function handleNode(req, res, nodeId, url) {
    const fields = (url.searchParams.get("fields") ?? "").split(",").map((f) => f.trim()).filter(Boolean);
    const read = { at: Date.now(), node_id: nodeId, fields, status: null };
    graphCalls.push(read);
    const answer = (status, body) => {
      read.status = status;
      send(res, status, body);
    };
    // Graph reads take the token as a header or as `access_token` in the query.
    const token = req.headers.authorization === `Bearer ${opts.accessToken}` || url.searchParams.get("access_token") === opts.accessToken;
    if (!token) return answer(...graphError(190));
    const template = templates.byId(nodeId);
    const kind = nodeId === opts.wabaId ? "WABA" : template ? "MESSAGE_TEMPLATE" : "PHONE_NUMBER";
    const scope = { phoneNumberId: kind === "PHONE_NUMBER" ? nodeId : null, templateId: template?.id ?? null, paymentMethod: opts.paymentMethod };
    const phone = phoneState(nodeId);
    const available = {
      PHONE_NUMBER: {
        display_phone_number: () => displayOf(nodeId),
        quality_rating: () => phone.quality_rating,
        throughput: () => ({ level: phone.throughput_level }),
        whatsapp_business_manager_messaging_limit: () => phone.limit,
        messaging_limit_tier: () => phone.limit,
      },
      WABA: { disable_marketing_messages_on_cloud_api: () => opts.disableMarketingOnCloudApi },
      MESSAGE_TEMPLATE: { name: () => template.name, language: () => template.language, status: () => template.status, category: () => template.category, quality_score: () => ({ score: template.quality_score }) },
    }[kind];
    const defaults = { PHONE_NUMBER: ["display_phone_number", "quality_rating", "throughput"], WABA: [], MESSAGE_TEMPLATE: ["name", "language", "status", "category"] }[kind];
    const out = { id: String(nodeId) };
    for (const f of fields.length ? fields : defaults) {
      if (f === "id") continue;
      if (f === "health_status") out.health_status = health.field(nodeId, scope).health_status;
      else if (available[f]) out[f] = available[f]();
      else {
        const node = { PHONE_NUMBER: "WhatsAppBusinessPhoneNumber", WABA: "WhatsAppBusinessAccount", MESSAGE_TEMPLATE: "WhatsAppMessageTemplate" }[kind];
        return answer(...graphError(100, { message: `(#100) Tried accessing nonexisting field (${f}) on node type (${node})`, details: `Tried accessing nonexisting field (${f})` }));
      }
    }
    answer(200, out);
  }

  const randomBsuid = () => `US.${BigInt(`0x${randomBytes(8).toString("hex")}`).toString().padStart(20, "0")}`;
  const templateParams = (p) => {
    if (typeof p.name !== "string" || !p.name) throw new ControlError("name", "name must be a non-empty string");
    return templates.upsert({ name: p.name, language: optionalString(p.language, "language") ?? "en_US" });
  };
  const postBody = async (body) => ({ ok: true, posted: body, delivered: await postWebhook(body) });
  const postWaba = (field, value) => postBody(wabaChange(opts.wabaId, field, value));
  const postMessages = (p, value) => postBody(messagesBody(optionalString(p.phone_number_id, "phone_number_id") ?? opts.phoneNumberId, value));

  /** Control actions, by path under `/_sandbox/` (and `sandbox.trigger(name, params)`). Each
   *  posts one signed webhook and answers `{ ok, posted, delivered }` (delivered: true once the
   *  worker answered 2xx, false if it never did, null without a webhook URL). */
  const triggers = {
    inbound(p) {
      // A phone user's BSUID rides along once Meta shares BSUIDs (`userIdsForPhones`, `userLinks`).
      const from = p.from === undefined || p.from === null ? "" : String(p.from).replace(/\D/g, "");
      const userId = p.user_id ?? (from ? (bsuidOfPhone(from) ?? undefined) : undefined);
      const value = inboundValue({ ...p, user_id: userId });
      const contact = value.contacts[0];
      if (contact.user_id && contact.wa_id) links.set(contact.user_id, contact.wa_id);
      return postMessages(p, value);
    },
    "user-id-change"(p) {
      const value = userIdChangeValue({ ...p, old_user_id: p.old_user_id ?? randomBsuid(), new_user_id: p.new_user_id ?? randomBsuid() });
      const { from_user_id: oldId, system } = value.messages[0];
      if (links.has(oldId)) {
        links.set(system.user_id, links.get(oldId));
        links.delete(oldId);
      }
      return postMessages(p, value);
    },
    "account-update": (p) => postWaba("account_update", accountUpdateValue(p, { wabaId: opts.wabaId, businessId: opts.businessId })),
    quality(p) {
      const phoneNumberId = optionalString(p.phone_number_id, "phone_number_id") ?? opts.phoneNumberId;
      const value = qualityValue(p, displayOf(phoneNumberId));
      if (p.throughput_mps !== undefined && p.throughput_mps !== null && !(typeof p.throughput_mps === "number" && p.throughput_mps > 0)) {
        throw new ControlError("throughput_mps", "throughput_mps must be a positive number or null");
      }
      const state = { ...phones.get(phoneNumberId), limit: value.max_daily_conversations_per_business };
      if (value.event === "THROUGHPUT_UPGRADE") state.throughput_level = "HIGH";
      if (p.throughput_mps !== undefined) state.throughput_mps = p.throughput_mps;
      if (p.quality_rating !== undefined) state.quality_rating = oneOf(p.quality_rating, QUALITY_SCORES, "quality_rating");
      phones.set(phoneNumberId, state);
      return postWaba("phone_number_quality_update", value);
    },
    "template-category"(p) {
      const t = templateParams(p);
      const value = templateCategoryValue(p, t);
      if (value.correct_category) t.pending_category = { category: value.correct_category, at: value.category_update_timestamp };
      else Object.assign(t, { category: value.new_category, pending_category: null });
      return postWaba("template_category_update", value);
    },
    "template-quality"(p) {
      const t = templateParams(p);
      const value = templateQualityValue(p, t);
      t.quality_score = value.new_quality_score;
      return postWaba("message_template_quality_update", value);
    },
    "template-status"(p) {
      const t = templateParams(p);
      const event = optionalString(p.event, "event") ?? "PAUSED";
      const wasPaused = t.status === "PAUSED";
      templates.applyStatusEvent(t.name, t.language, event);
      settleHeld();
      return postWaba("message_template_status_update", templateStatusValue({ event, reason: p.reason, other_info: p.other_info, wasPaused }, t));
    },
  };

  /** Settings and readings (no webhook). */
  const settings = {
    config(p) {
      const patch = { ...p };
      if ("disable_marketing_messages_on_cloud_api" in patch) patch.disableMarketingOnCloudApi = patch.disable_marketing_messages_on_cloud_api;
      for (const k of CONFIGURABLE) if (k in patch) opts[k] = patch[k];
      return { ok: true, config: Object.fromEntries(CONFIGURABLE.map((k) => [k, opts[k]])) };
    },
    templates(p) {
      if (p.reset) templates.reset();
      if (p.templates !== undefined) {
        if (!Array.isArray(p.templates)) throw new ControlError("templates", "templates must be an array");
        for (const [i, t] of p.templates.entries()) withPath(`templates[${i}]`, () => templates.upsert(t));
      } else if (p.name !== undefined) templates.upsert(p);
      settleHeld();
      return { ok: true, templates: templates.list() };
    },
    health(p) {
      if (p.reset) health.reset();
      const one = (e) => {
        // A template entity may be named instead of given by id.
        const id = e.entity_type === "MESSAGE_TEMPLATE" && e.id === undefined && e.name !== undefined ? templateParams(e).id : e.id;
        health.set({ ...e, id });
      };
      if (p.entities !== undefined) {
        if (!Array.isArray(p.entities)) throw new ControlError("entities", "entities must be an array");
        for (const [i, e] of p.entities.entries()) withPath(`entities[${i}]`, () => one(e));
      } else if (p.entity_type !== undefined) one(p);
      const node = optionalString(p.phone_number_id, "phone_number_id") ?? opts.phoneNumberId;
      return { ok: true, ...health.field(node, { phoneNumberId: node, paymentMethod: opts.paymentMethod }) };
    },
    reset(p) {
      templates.reset(opts.templates);
      held.clear();
      health.reset();
      phones.clear();
      limiter.clear();
      Object.assign(opts, initial);
      resetLinks();
      if (p.calls) {
        calls.length = 0;
        graphCalls.length = 0;
        webhooks.length = 0;
        seenTo.clear();
      }
      return { ok: true };
    },
  };

  function callList(params) {
    const to = params.get("to")?.replace(/\D/g, "");
    const filters = [
      to && ((c) => c.to === to),
      params.get("recipient") && ((c) => c.recipient === params.get("recipient")),
      params.get("phone_number_id") && ((c) => c.phone_number_id === params.get("phone_number_id")),
      params.get("endpoint") && ((c) => c.endpoint === params.get("endpoint")),
      params.get("template") && ((c) => c.template === params.get("template")),
      params.get("since") && ((c) => c.at >= Number(params.get("since"))),
    ].filter(Boolean);
    return calls.filter((c) => filters.every((f) => f(c)));
  }

  /** Dev and test helpers: `/_sandbox/*`. */
  async function handleControl(req, res, url) {
    const name = url.pathname.slice("/_sandbox/".length);
    if (url.pathname === "/_sandbox/redirected") {
      redirected.push({ at: Date.now(), authorization: req.headers.authorization !== undefined });
      return send(res, 200, { messaging_product: "whatsapp", contacts: [{ input: "x", wa_id: "x" }], messages: [{ id: "wamid.redirected" }] });
    }
    if (req.method === "GET") {
      const q = url.searchParams;
      if (name === "calls") {
        const list = callList(q);
        return send(res, 200, {
          total: calls.length,
          count: list.length,
          calls: q.has("bodies") ? list : list.map(({ body, ...c }) => c),
          webhooks: { pending: pendingWebhooks, delivered: webhooksDelivered, failed: webhooksFailed },
          max_per_second: maxCallsPerWindow(list),
          graph: { total: graphCalls.length, health_status: graphCalls.filter((c) => c.fields.includes("health_status")).length, ...(q.has("graph") ? { calls: graphCalls } : {}) },
        });
      }
      if (name === "throughput") {
        const windowMs = Number(q.get("window_ms") ?? 1000);
        return send(res, 200, { window_ms: windowMs, max: maxCallsPerWindow(callList(q), { windowMs, acceptedOnly: q.has("accepted_only") }) });
      }
      if (name === "templates") return send(res, 200, { templates: templates.list() });
      if (name === "webhooks") {
        const field = q.get("field");
        return send(res, 200, { webhooks: field ? webhooks.filter((w) => w.field === field) : webhooks });
      }
      if (name === "health") {
        const node = q.get("phone_number_id") ?? opts.phoneNumberId;
        return send(res, 200, health.field(node, { phoneNumberId: node, paymentMethod: opts.paymentMethod }));
      }
    }
    const action = req.method === "POST" ? (triggers[name] ?? settings[name]) : undefined;
    if (!action) return send(res, 404, { error: { message: "Unknown path", type: "OAuthException", code: 100 } });
    let params;
    try {
      params = await readJson(req);
    } catch {
      return send(res, 400, { error: { message: "body must be JSON", path: "" } });
    }
    if (typeof params !== "object" || params === null || Array.isArray(params)) return send(res, 400, { error: { message: "body must be a JSON object", path: "" } });
    try {
      return send(res, 200, await action(params));
    } catch (e) {
      if (e instanceof ControlError) return send(res, 400, { error: { message: e.message, path: e.path } });
      throw e;
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://sandbox");
    const sendPath = /^\/v\d+\.\d+\/([^/]+)\/(messages|marketing_messages)$/.exec(url.pathname);
    const nodePath = /^\/v\d+\.\d+\/([^/]+)$/.exec(url.pathname);
    const work =
      sendPath && req.method === "POST"
        ? handleSend(req, res, decodeURIComponent(sendPath[1]), sendPath[2])
        : nodePath && req.method === "GET"
          ? Promise.resolve(handleNode(req, res, decodeURIComponent(nodePath[1]), url))
          : handleControl(req, res, url);
    work.catch((e) => {
      if (!res.headersSent) send(res, 500, { error: { message: String(e), code: 1 } });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        options: opts,
        /** Send calls (`/messages`, `/marketing_messages`), in arrival order. */
        calls,
        /** Send calls to a phone number (any formatting) or a BSUID. */
        callsTo: (recipient) => {
          const r = String(recipient);
          return isBsuid(r) ? calls.filter((c) => c.recipient === r).length : calls.filter((c) => c.to === r.replace(/\D/g, "")).length;
        },
        /** Node reads (`GET /{version}/{node}`): { at, node_id, fields, status }. */
        graphCalls,
        /** health_status reads, optionally of one node. */
        healthCalls: (nodeId) => graphCalls.filter((c) => c.fields.includes("health_status") && (nodeId === undefined || c.node_id === String(nodeId))).length,
        /** { [phone_number_id]: most send calls in any `windowMs` } (Meta's throughput is per number). */
        maxCallsPerSecond: (o = {}) => maxCallsPerWindow(calls, o),
        /** Webhooks posted, newest last: { at, field, body, delivered }. */
        webhooks,
        redirected,
        templates,
        health,
        pendingWebhooks: () => pendingWebhooks,
        postWebhook,
        /** Same as `POST /_sandbox/<name>` (account-update, quality, template-category,
         *  template-quality, template-status, user-id-change, inbound). */
        trigger: (name, params) => {
          if (!triggers[name]) throw new Error(`unknown sandbox trigger ${name}`);
          return triggers[name](params ?? {});
        },
        configure: (patch) => settings.config(patch),
        setTemplates: (params) => settings.templates(Array.isArray(params) ? { templates: params } : params),
        setHealth: (params) => settings.health(params),
        reset: (params = {}) => settings.reset(params),
        close: () =>
          new Promise((done) => {
            for (const t of timers) clearTimeout(t);
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sandbox = await startSandbox({
    port: Number(process.env.SANDBOX_PORT ?? 0),
    accessToken: process.env.META_ACCESS_TOKEN ?? "sandbox-access-token",
    appSecret: process.env.META_APP_SECRET ?? "sandbox-app-secret",
    webhookUrl: process.env.SANDBOX_WEBHOOK_URL ?? null,
    webhookDelayMs: Number(process.env.SANDBOX_WEBHOOK_DELAY_MS ?? 500),
    latencyMs: Number(process.env.SANDBOX_LATENCY_MS ?? 0),
    latencyJitterMs: Number(process.env.SANDBOX_LATENCY_JITTER_MS ?? 0),
    throughputMps: process.env.SANDBOX_THROUGHPUT_MPS ? Number(process.env.SANDBOX_THROUGHPUT_MPS) : null,
    log: true,
  });
  console.log(`sandbox Meta Graph API on ${sandbox.url}`);
  const stop = () => sandbox.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
