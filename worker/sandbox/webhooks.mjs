// Webhook bodies in Meta's shapes, one builder per kind (pure: the server decides when to post).
// Each cites the reference page it follows; worker/test/sandbox.test.mjs compares them with the
// real bodies in ../shared/realworld/webhooks/.
import { randomBytes } from "node:crypto";
import { ControlError, oneOf, optionalInteger, optionalString } from "./control.mjs";
import { CATEGORIES, QUALITY_SCORES } from "./templates.mjs";
import { isBsuid, unixNow } from "./graph.mjs";

/** A WABA-level field (account_update, template and quality fields): `entry[].time` is present,
 *  `changes[].value` is the field's own object (no messaging_product/metadata). */
export function wabaChange(wabaId, field, value, time = unixNow()) {
  return { object: "whatsapp_business_account", entry: [{ id: wabaId, time, changes: [{ value, field }] }] };
}

/** A `messages` field change (statuses, inbound and system messages): no `entry[].time`. */
export function messagesChange(wabaId, metadata, value) {
  return { object: "whatsapp_business_account", entry: [{ id: wabaId, changes: [{ value: { messaging_product: "whatsapp", metadata, ...value }, field: "messages" }] }] };
}

const inboundId = () => `wamid.in.${randomBytes(10).toString("hex")}`;

function bsuidParam(value, path) {
  const s = optionalString(value, path);
  if (s !== undefined && !isBsuid(s)) throw new ControlError(path, `${path} must be a business-scoped user ID like US.13491208655302741918`);
  return s;
}

/** The `value` of a status webhook (`messages` field).
 *  https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status
 *  With BSUIDs (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids):
 *  sent/delivered/read carry `contacts[{ wa_id?, user_id }]` and `recipient_user_id` whenever the
 *  user's BSUID is known; `recipient_id` (the wa_id) only when the phone number is; a failed
 *  status has no `contacts`, and no `recipient_user_id` when the send went to a phone number. */
export function statusValue({ wamid, status, timestamp, waId = null, userId = null, sentToBsuid = false, callback, pricingCategory, error = null }) {
  const failed = status === "failed";
  const item = {
    id: wamid,
    status,
    timestamp: String(timestamp),
    ...(waId ? { recipient_id: waId } : {}),
    ...(userId && (!failed || sentToBsuid) ? { recipient_user_id: userId } : {}),
    ...(callback ? { biz_opaque_callback_data: callback } : {}),
    // v24.0+: no `conversation` outside a free-entry-point window; `pricing` on sent and delivered.
    ...(status === "sent" || status === "delivered" ? { pricing: { billable: true, pricing_model: "PMP", type: "regular", category: pricingCategory } } : {}),
    ...(error ? { errors: [error] } : {}),
  };
  return { ...(userId && !failed ? { contacts: [{ ...(waId ? { wa_id: waId } : {}), user_id: userId }] } : {}), statuses: [item] };
}

/** An inbound text message (`messages` field), from a phone number, a BSUID user, or both.
 *  https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/text
 *  BSUID users: `contacts[].user_id` (+ `parent_user_id`, `profile.username`), `messages[].from_user_id`;
 *  `wa_id`/`from` only when the phone number is shared (the BSUID page above). */
export function inboundValue({ from, user_id, parent_user_id, username, name = "Sandbox customer", text = "hi", id = inboundId(), timestamp = unixNow() } = {}) {
  const digits = from === undefined || from === null ? "" : String(from).replace(/\D/g, "");
  const userId = bsuidParam(user_id, "user_id");
  const parentId = bsuidParam(parent_user_id, "parent_user_id");
  if (!digits && !userId) throw new ControlError("from", "from (a phone number) or user_id (a BSUID) is required");
  return {
    contacts: [
      {
        profile: { name: String(name), ...(username ? { username: String(username) } : {}) },
        ...(digits ? { wa_id: digits } : {}),
        ...(userId ? { user_id: userId } : {}),
        ...(parentId ? { parent_user_id: parentId } : {}),
      },
    ],
    messages: [
      {
        ...(digits ? { from: digits } : {}),
        ...(userId ? { from_user_id: userId } : {}),
        ...(parentId ? { from_parent_user_id: parentId } : {}),
        id,
        timestamp: String(timestamp),
        type: "text",
        text: { body: String(text) },
      },
    ],
  };
}

/** `user_changed_user_id` system message: the user's BSUID changed; no phone number and, like
 *  every system message, no `contacts`. The old BSUID is in the body ("changed from … to …") and
 *  `from_user_id`, the new one in `system.user_id`.
 *  https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/system/ (2026-08-11) */
export function userIdChangeValue({ old_user_id, new_user_id, parent_user_id, name = "Sandbox customer", id = inboundId(), timestamp = unixNow() }) {
  const oldId = bsuidParam(old_user_id, "old_user_id");
  const newId = bsuidParam(new_user_id, "new_user_id");
  const parentId = bsuidParam(parent_user_id, "parent_user_id");
  return {
    messages: [
      {
        from_user_id: oldId,
        id,
        timestamp: String(timestamp),
        type: "system",
        system: { body: `User ${name} changed from ${oldId} to ${newId}`, user_id: newId, ...(parentId ? { parent_user_id: parentId } : {}), type: "user_changed_user_id" },
      },
    ],
  };
}

const monthDayYear = (unix) => new Date(unix * 1000).toLocaleDateString("en-US", { month: "long", day: "numeric", year: "numeric", timeZone: "UTC" });

/** `account_update` (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/account_update,
 *  updated 2026-03-24). Each event gets its documented object with defaults; `value` adds or
 *  overrides any field (e.g. `disconnection_info` of PARTNER_REMOVED). Meta documents no payment
 *  method event here: the sandbox's `paymentMethod` setting shows in health_status instead. */
export function accountUpdateValue(p, { wabaId, businessId }) {
  const event = optionalString(p.event, "event") ?? "ACCOUNT_RESTRICTION";
  const now = unixNow();
  const wabaInfo = { waba_id: wabaId, owner_business_id: businessId, ...(p.waba_info ?? {}) };
  let fields = {};
  switch (event) {
    case "ACCOUNT_RESTRICTION": {
      const list = p.restriction_info ?? [{ restriction_type: optionalString(p.restriction_type, "restriction_type") ?? "RESTRICTED_BIZ_INITIATED_MESSAGING", expiration: optionalInteger(p.expiration, "expiration") ?? now + 86_400 }];
      if (!Array.isArray(list)) throw new ControlError("restriction_info", "restriction_info must be an array");
      fields = { ...(p.phone_number ? { phone_number: String(p.phone_number) } : {}), restriction_info: list };
      break;
    }
    case "ACCOUNT_VIOLATION":
      fields = { violation_info: { violation_type: optionalString(p.violation_type, "violation_type") ?? "SCAM" } };
      break;
    case "DISABLED_UPDATE":
      // SCHEDULE_FOR_DISABLE, DISABLE or REINSTATE; the date is prose ("January 31, 2021").
      fields = { ban_info: { waba_ban_state: optionalString(p.ban_state, "ban_state") ?? "DISABLE", waba_ban_date: optionalString(p.ban_date, "ban_date") ?? monthDayYear(now) } };
      break;
    case "MM_LITE_TERMS_SIGNED":
    case "AD_ACCOUNT_LINKED":
    case "PARTNER_ADDED":
    case "PARTNER_REMOVED":
    case "PARTNER_APP_INSTALLED":
    case "PARTNER_APP_UNINSTALLED":
      fields = { waba_info: wabaInfo };
      break;
    case "VOLUME_BASED_PRICING_TIER_UPDATE":
      fields = {
        volume_tier_info: { tier_update_time: now, pricing_category: "UTILITY", tier: "0:250000", effective_month: new Date().toISOString().slice(0, 7), region: "India", ...(p.volume_tier_info ?? {}) },
      };
      break;
    case "BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE":
      fields = { country: optionalString(p.country, "country") ?? "US" };
      break;
    case "AUTH_INTL_PRICE_ELIGIBILITY_UPDATE":
      fields = { auth_international_rate_eligibility: p.auth_international_rate_eligibility ?? { exception_countries: [], start_time: now } };
      break;
    default:
      // ACCOUNT_OFFBOARDED, ACCOUNT_RECONNECTED, ACCOUNT_DELETED… carry the event alone.
      break;
  }
  if (p.value !== undefined && (typeof p.value !== "object" || p.value === null || Array.isArray(p.value))) throw new ControlError("value", "value must be an object");
  return { event, ...fields, ...(p.value ?? {}) };
}

export const LIMIT_TIERS = ["TIER_50", "TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED", "TIER_NOT_SET"];

/** `phone_number_quality_update` (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update,
 *  updated 2026-05-21): the portfolio's limit in `max_daily_conversations_per_business`, with the
 *  deprecated `current_limit` (and `old_limit`, limit changes only) unless `legacy: false`. */
export function qualityValue(p, displayPhoneNumber) {
  const event = optionalString(p.event, "event") ?? "UPGRADE";
  const throughput = event === "THROUGHPUT_UPGRADE";
  const limit = oneOf(p.limit ?? (throughput ? "TIER_UNLIMITED" : "TIER_2K"), LIMIT_TIERS, "limit");
  const oldLimit = p.old_limit === undefined ? (throughput || event === "ONBOARDING" ? null : "TIER_250") : p.old_limit === null ? null : oneOf(p.old_limit, LIMIT_TIERS, "old_limit");
  const legacy = p.legacy !== false;
  return {
    display_phone_number: String(p.display_phone_number ?? displayPhoneNumber),
    event,
    ...(legacy && oldLimit ? { old_limit: oldLimit } : {}),
    ...(legacy ? { current_limit: limit } : {}),
    max_daily_conversations_per_business: limit,
  };
}

/** `template_category_update` (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/template_category_update,
 *  updated 2025-11-11). Impending: `correct_category` is where it goes at
 *  `category_update_timestamp` and `new_category` is its *current* category; completed:
 *  `previous_category` → `new_category`. */
export function templateCategoryValue(p, t) {
  const phase = oneOf(p.phase ?? "completed", ["completed", "impending"], "phase");
  const ids = { message_template_id: t.id, message_template_name: t.name, message_template_language: t.language };
  const current = t.category ?? "UTILITY";
  if (phase === "impending") {
    return {
      ...ids,
      correct_category: oneOf(p.correct_category ?? "MARKETING", CATEGORIES, "correct_category"),
      new_category: oneOf(p.new_category ?? current, CATEGORIES, "new_category"),
      category_update_timestamp: optionalInteger(p.category_update_timestamp, "category_update_timestamp") ?? unixNow() + 86_400,
    };
  }
  return {
    ...ids,
    previous_category: oneOf(p.previous_category ?? current, CATEGORIES, "previous_category"),
    new_category: oneOf(p.new_category ?? "MARKETING", CATEGORIES, "new_category"),
  };
}

/** `message_template_quality_update` (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_quality_update). */
export function templateQualityValue(p, t) {
  return {
    previous_quality_score: oneOf(p.previous_quality_score ?? t.quality_score, QUALITY_SCORES, "previous_quality_score"),
    new_quality_score: oneOf(p.new_quality_score ?? "YELLOW", QUALITY_SCORES, "new_quality_score"),
    message_template_id: t.id,
    message_template_name: t.name,
    message_template_language: t.language,
  };
}

const PAUSE_HOURS = { FIRST_PAUSE: 3, SECOND_PAUSE: 6 };

/** `message_template_status_update` (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update):
 *  a pause carries `other_info` (FIRST_PAUSE 3 h, SECOND_PAUSE 6 h), so does the unpause
 *  (UNPAUSE); DISABLED carries `disable_info`; `reason` is NONE unless rejected. `pauses` is how
 *  many times the template has been paused, this one included. */
export function templateStatusValue({ event = "PAUSED", reason, other_info, wasPaused = false }, t) {
  const value = {
    event,
    message_template_id: t.id,
    message_template_name: t.name,
    message_template_language: t.language,
    reason: reason === undefined ? (event === "REJECTED" ? "INVALID_FORMAT" : "NONE") : reason,
    ...(t.category ? { message_template_category: t.category } : {}),
  };
  if (other_info !== undefined) value.other_info = other_info;
  else if (event === "PAUSED") {
    const title = t.pauses >= 2 ? "SECOND_PAUSE" : "FIRST_PAUSE";
    const until = new Date(Date.now() + PAUSE_HOURS[title] * 3_600_000).toUTCString();
    value.other_info = { title, description: `Your WhatsApp message template has been paused for ${PAUSE_HOURS[title]} hours until ${until} because it had issues.` };
  } else if ((event === "APPROVED" || event === "REINSTATED") && wasPaused) {
    value.other_info = { title: "UNPAUSE", description: "Your WhatsApp message template has been unpaused." };
  }
  if (event === "DISABLED") value.disable_info = { disable_date: unixNow() };
  return value;
}
