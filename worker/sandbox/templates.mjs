// The sandbox's template registry: what Meta knows about each (name, language). A template the
// registry does not know is sent as before (accepted, billed as marketing) unless the sandbox
// is strict, so tests that never configure templates keep working.
import { numericId } from "./graph.mjs";
import { ControlError, oneOf } from "./control.mjs";

export const CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"];
/** Template statuses (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview). */
export const STATUSES = ["APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "PENDING_DELETION", "DELETED", "LIMIT_EXCEEDED", "ARCHIVED"];
export const QUALITY_SCORES = ["GREEN", "YELLOW", "RED", "UNKNOWN"];

/** What a `message_template_status_update` event does to the status a send sees; events not
 *  listed (FLAGGED, LOCKED, IN_APPEAL's siblings…) leave a template sendable as it was. */
const STATUS_OF_EVENT = {
  APPROVED: "APPROVED",
  REINSTATED: "APPROVED",
  PAUSED: "PAUSED",
  DISABLED: "DISABLED",
  REJECTED: "REJECTED",
  PENDING: "PENDING",
  PENDING_DELETION: "PENDING_DELETION",
  DELETED: "DELETED",
  IN_APPEAL: "IN_APPEAL",
  ARCHIVED: "ARCHIVED",
};

const oneOfOrNull = (value, allowed, path) => (value === null ? null : oneOf(value, allowed, path));

export class TemplateRegistry {
  constructor(list = []) {
    this.byKey = new Map();
    for (const t of list) this.upsert(t);
  }

  static key(name, language) {
    return `${name}\u0000${language}`;
  }

  /** Adds or changes a template; fields not given keep their value (new ones: APPROVED,
   *  category unknown, quality UNKNOWN). `pause_after: N` pauses it after N more accepted sends;
   *  `pacing: true` holds its sends for quality assessment (template pacing). */
  upsert({ name, language = "en_US", category, status, quality_score, id, pause_after, pacing } = {}) {
    if (typeof name !== "string" || !name) throw new ControlError("name", "name must be a non-empty string");
    if (typeof language !== "string" || !language) throw new ControlError("language", "language must be a non-empty string");
    if (pause_after !== undefined && pause_after !== null && !(Number.isInteger(pause_after) && pause_after >= 0)) {
      throw new ControlError("pause_after", "pause_after must be a non-negative integer or null");
    }
    if (pacing !== undefined && typeof pacing !== "boolean") throw new ControlError("pacing", "pacing must be a boolean");
    const key = TemplateRegistry.key(name, language);
    const current = this.byKey.get(key) ?? {
      id: numericId(`template:${key}`),
      name,
      language,
      category: null,
      status: "APPROVED",
      quality_score: "UNKNOWN",
      pending_category: null,
      pause_after: null,
      pacing: false,
      sends: 0,
      pauses: 0,
    };
    const next = {
      ...current,
      ...(id !== undefined ? { id: Number(id) } : {}),
      ...(category !== undefined ? { category: oneOfOrNull(category, CATEGORIES, "category") } : {}),
      ...(status !== undefined ? { status: oneOf(status, STATUSES, "status") } : {}),
      ...(quality_score !== undefined ? { quality_score: oneOf(quality_score, QUALITY_SCORES, "quality_score") } : {}),
      // Counted from now: a rule set after 10 sends pauses after 10 + N.
      ...(pacing !== undefined ? { pacing } : {}),
      ...(pause_after !== undefined ? { pause_after: pause_after === null ? null : current.sends + pause_after } : {}),
    };
    this.byKey.set(key, next);
    return next;
  }

  get(name, language) {
    return this.byKey.get(TemplateRegistry.key(name, language));
  }

  byId(id) {
    return this.list().find((t) => String(t.id) === String(id));
  }

  /** Whether some language of this name is registered (then an unregistered language is 132001). */
  hasName(name) {
    return this.list().some((t) => t.name === name);
  }

  /** Applies a status event; returns the template (created if it was unknown). */
  applyStatusEvent(name, language, event) {
    const status = STATUS_OF_EVENT[event];
    const t = this.upsert({ name, language, ...(status ? { status } : {}) });
    if (event === "PAUSED") t.pauses++;
    return t;
  }

  /** Counts an accepted send; true when that send reached the template's pause rule (the rule is
   *  then spent: re-approving the template makes it sendable for good). */
  countSend(t) {
    t.sends++;
    if (t.pause_after === null || t.sends < t.pause_after) return false;
    t.pause_after = null;
    t.status = "PAUSED";
    t.pauses++;
    return true;
  }

  list() {
    return [...this.byKey.values()];
  }

  reset(list = []) {
    this.byKey.clear();
    for (const t of list) this.upsert(t);
  }
}
