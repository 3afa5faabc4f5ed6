// The `health_status` field of a phone number, WABA or template node, settable per entity.
// Shape and rules: https://developers.facebook.com/documentation/business-messaging/whatsapp/support/health-status
// (updated 2026-06-17): entities PHONE_NUMBER (phone-number node only), MESSAGE_TEMPLATE
// (template node only), WABA, BUSINESS and APP (always); `can_send_message` is AVAILABLE,
// LIMITED (with `additional_info`) or BLOCKED (with `errors[{ error_code, error_description,
// possible_solution }]`); the overall value is BLOCKED if any entity is, else LIMITED if any is.
import { ControlError, oneOf } from "./control.mjs";

export const ENTITY_TYPES = ["PHONE_NUMBER", "MESSAGE_TEMPLATE", "WABA", "BUSINESS", "APP"];
export const HEALTH = ["AVAILABLE", "LIMITED", "BLOCKED"];
/** Entities that also report calling over SIP (same page). */
const CALLING = new Set(["PHONE_NUMBER", "APP"]);

/** A BLOCKED entity set without errors reports this one (131031 is the code whose documented
 *  solution points at the health status API). */
const DEFAULT_BLOCK = {
  error_code: 131031,
  error_description: "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy.",
  possible_solution: "See the Policy Enforcement document to learn about policy violations and how to resolve them.",
};
/** No payment method on the account (error as Meta's health data gives it, mirrored at
 *  https://www.alibabacloud.com/help/en/chatapp/developer-reference/api-cams-2020-06-06-getwhatsapphealthstatus). */
export const NO_PAYMENT_METHOD = {
  error_code: 141006,
  error_description: "There is an error with the payment method.",
  possible_solution: "There was an error with your payment method. Please add a new payment method to the account.",
};

function checkErrors(errors) {
  if (!Array.isArray(errors)) throw new ControlError("errors", "errors must be an array");
  errors.forEach((e, i) => {
    if (!Number.isInteger(e?.error_code)) throw new ControlError(`errors[${i}].error_code`, "error_code must be an integer");
    for (const k of ["error_description", "possible_solution"]) {
      if (typeof e[k] !== "string") throw new ControlError(`errors[${i}].${k}`, `${k} must be a string`);
    }
  });
  return errors.map(({ error_code, error_description, possible_solution }) => ({ error_code, error_description, possible_solution }));
}

export class HealthStatus {
  /** `ids`: { wabaId, businessId, appId }; `sendErrorCodes`: the Graph codes a BLOCKED entity may make sends answer. */
  constructor(ids, sendErrorCodes) {
    this.ids = ids;
    this.sendErrorCodes = sendErrorCodes;
    this.reset();
  }

  reset() {
    this.defaults = new Map(ENTITY_TYPES.map((t) => [t, { can_send_message: "AVAILABLE" }]));
    /** `${type}:${id}` → settings for one phone number or template. */
    this.byId = new Map();
  }

  /** Sets one entity (`id` narrows PHONE_NUMBER / MESSAGE_TEMPLATE to one node; without it, all).
   *  `send_error_code`: while BLOCKED, sends through this entity answer that Graph error. */
  set({ entity_type, id, can_send_message, errors, additional_info, can_receive_call_sip, send_error_code } = {}) {
    oneOf(entity_type, ENTITY_TYPES, "entity_type");
    oneOf(can_send_message, HEALTH, "can_send_message");
    if (send_error_code !== undefined && send_error_code !== null && !this.sendErrorCodes.includes(send_error_code)) {
      throw new ControlError("send_error_code", `send_error_code must be one of ${this.sendErrorCodes.join(", ")}`);
    }
    if (additional_info !== undefined && !(Array.isArray(additional_info) && additional_info.every((s) => typeof s === "string"))) {
      throw new ControlError("additional_info", "additional_info must be an array of strings");
    }
    const entity = { can_send_message };
    if (CALLING.has(entity_type) && can_receive_call_sip !== undefined) entity.can_receive_call_sip = oneOf(can_receive_call_sip, HEALTH, "can_receive_call_sip");
    if (can_send_message === "LIMITED") entity.additional_info = additional_info ?? [`This ${entity_type.toLowerCase().replace("_", " ")} has messaging limitations.`];
    if (can_send_message === "BLOCKED") entity.errors = errors === undefined ? [DEFAULT_BLOCK] : checkErrors(errors);
    if (can_send_message === "BLOCKED" && send_error_code) entity.send_error_code = send_error_code;
    const scoped = (entity_type === "PHONE_NUMBER" || entity_type === "MESSAGE_TEMPLATE") && id !== undefined && id !== null;
    if (scoped) this.byId.set(`${entity_type}:${id}`, entity);
    else this.defaults.set(entity_type, entity);
    return entity;
  }

  settings(type, id) {
    return this.byId.get(`${type}:${id}`) ?? this.defaults.get(type);
  }

  /** The entities a send from `phoneNumberId` (with `templateId`, if any) goes through. */
  entities({ phoneNumberId = null, templateId = null, paymentMethod = true }) {
    const out = [];
    const add = (type, id) => {
      const { send_error_code, ...s } = this.settings(type, id);
      const entity = { entity_type: type, id: String(id), ...s };
      if (CALLING.has(type) && !entity.can_receive_call_sip) entity.can_receive_call_sip = "AVAILABLE";
      if (type === "WABA" && !paymentMethod && entity.can_send_message !== "BLOCKED") {
        delete entity.additional_info;
        Object.assign(entity, { can_send_message: "BLOCKED", errors: [NO_PAYMENT_METHOD] });
      }
      out.push({ entity, send_error_code });
    };
    if (phoneNumberId !== null) add("PHONE_NUMBER", phoneNumberId);
    if (templateId !== null) add("MESSAGE_TEMPLATE", templateId);
    add("WABA", this.ids.wabaId);
    add("BUSINESS", this.ids.businessId);
    add("APP", this.ids.appId);
    return out;
  }

  /** The `health_status` field of a node (`nodeId` is what was asked for). */
  field(nodeId, scope) {
    const entities = this.entities(scope).map((e) => e.entity);
    const overall = entities.some((e) => e.can_send_message === "BLOCKED")
      ? "BLOCKED"
      : entities.some((e) => e.can_send_message === "LIMITED")
        ? "LIMITED"
        : "AVAILABLE";
    return { health_status: { can_send_message: overall, entities }, id: String(nodeId) };
  }

  /** The Graph error a send answers because an entity it goes through is BLOCKED with a
   *  `send_error_code`, else null. */
  sendError(scope) {
    return this.entities(scope).find((e) => e.send_error_code && e.entity.can_send_message === "BLOCKED")?.send_error_code ?? null;
  }
}
