// Meta Graph API building blocks shared by the sandbox: the error catalogue and its two shapes
// (synchronous Graph error, `errors[]` item of a status webhook), webhook signatures, and the
// recipient identifiers (wa_id quirks, business-scoped user IDs).
import { createHash, createHmac, randomBytes } from "node:crypto";

/** code → [HTTP status, title, details]. Titles and HTTP statuses are the older error table's
 *  (Meta's 2026 table dropped both); codes that never had a title use their details as the
 *  message. Details are the table's text, classification keys on them.
 *  https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes */
export const ERRORS = {
  100: [400, "Invalid parameter", "Invalid parameter"],
  190: [401, "Access token has expired", "Error validating access token: Session has expired."],
  368: [403, "Temporarily blocked for policies violations", "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy."],
  130429: [400, "Rate limit hit", "Cloud API message throughput has been reached."],
  131000: [500, "Something went wrong", "Message failed to send due to an unknown error."],
  131026: [400, "Message undeliverable", "Message Undeliverable."],
  131031: [403, "Account has been locked", "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy, or we were unable to verify data included in the request against data set on the WhatsApp Business Account."],
  131042: [400, "Business eligibility payment issue", "There was an error related to your payment method."],
  131049: [400, "This message was not delivered to maintain healthy ecosystem engagement.", "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."],
  131050: [400, "User has stopped receiving marketing messages", "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."],
  // The Marketing Messages API's own table (same page, "Marketing Messages API for WhatsApp error codes").
  131055: [400, "Method not allowed", "Only marketing template messages are supported"],
  131056: [400, "(Business Account, Consumer Account) pair rate limit hit", "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."],
  // BSUID recipients: https://developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids
  // (the wording as mirrored by https://dualhook.com/docs/contacts-bsuid-api-changes).
  131062: [400, null, "Business-scoped User ID recipients are not supported for this message."],
  131063: [400, null, "Your template is categorized as Marketing, but marketing templates are currently disabled for your Cloud API configuration."],
  132001: [404, "Template name does not exist in the translation", "template name (order_update) does not exist in en_US"],
  132015: [400, "Template is Paused", "Template is paused due to low quality so it cannot be sent in a template message."],
  132016: [400, "Template is Disabled", "Template has been paused too many times due to low quality and is now permanently disabled."],
};

/** Meta's own 130429 example carries the (documented as deprecated) subcode. */
const SUBCODES = { 130429: 2494055 };

/** The synchronous Graph error: `[httpStatus, body]`. `details`/`message` override the catalogue's
 *  (132001 names the template, 100 names the parameter). */
export function graphError(code, { details, message } = {}) {
  const [status, title, defaultDetails] = ERRORS[code];
  const text = details ?? defaultDetails;
  return [
    status,
    {
      error: {
        message: message ?? `(#${code}) ${title ?? text}`,
        type: "OAuthException",
        code,
        error_data: { messaging_product: "whatsapp", details: text },
        ...(SUBCODES[code] ? { error_subcode: SUBCODES[code] } : {}),
        fbtrace_id: randomBytes(9).toString("base64url"),
      },
    },
  ];
}

/** An `errors[]` item of a failed status webhook (title = message; no HTTP status). */
export function webhookError(code) {
  const [, title, details] = ERRORS[code];
  return { code, title: title ?? details, message: title ?? details, error_data: { details }, href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/" };
}

export function sign(secret, body) {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** WhatsApp's id for a number: legacy Mexico ids keep the mobile 1, legacy Brazil ids lack the 9th digit. */
export function waIdFor(digits) {
  if (/^52[2-9]\d{9}$/.test(digits)) return `521${digits.slice(2)}`;
  if (/^55\d{2}9\d{8}$/.test(digits)) return `${digits.slice(0, 4)}${digits.slice(5)}`;
  return digits;
}

/** A business-scoped user ID: ISO country code, `.`, up to 128 letters/digits; a parent BSUID
 *  has `ENT.` after the country (e.g. `US.13491208655302741918`, `US.ENT.11815799212886844830`). */
export const BSUID = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;

export const isBsuid = (value) => typeof value === "string" && BSUID.test(value);

/** The BSUID the sandbox gives a phone number (stable, so a test can predict it): the country is
 *  `US` for +1 and `ZZ` otherwise (the sandbox has no number-to-region table), the rest digits. */
export function bsuidForPhone(digits) {
  const hash = BigInt(`0x${createHash("sha256").update(`bsuid:${digits}`).digest("hex").slice(0, 15)}`);
  return `${digits.startsWith("1") ? "US" : "ZZ"}.${hash.toString().padStart(18, "0")}`;
}

/** A stable numeric id for a named thing (template ids are 15-16 digit integers at Meta). */
export function numericId(text) {
  return 1_000_000_000_000_000 + Number.parseInt(createHash("sha256").update(text).digest("hex").slice(0, 12), 16);
}

export const unixNow = () => Math.floor(Date.now() / 1000);
