import type { Template } from "sendgate";

// The built-in sample set: every Galantis and Meta template status and every category (and an
// announced category change), so a merchant can see how each one is treated before loading their own.
export const SAMPLE_TEMPLATES: Template[] = [
  { name: "new_collection", language: "en", category: "MARKETING", status: "APPROVED", quality: "GREEN",
    body: "Our winter collection is here. Reply STOP to stop receiving offers." },
  { name: "order_shipped", language: "en", category: "UTILITY", status: "APPROVED", quality: "GREEN",
    header: "Order {{1}} is on its way", body: "Hi {{1}}, your order {{2}} has shipped. Track it here: {{3}}" },
  // Meta announced it becomes MARKETING in two weeks (an impending template_category_update).
  { name: "order_feedback", language: "en", category: "UTILITY", status: "APPROVED", quality: "GREEN",
    body: "Thanks for your order {{1}}! Tell us how we did.",
    pending_category: { category: "MARKETING", at: new Date(Date.now() + 14 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z") } },
  { name: "black_friday_2026", language: "en", category: "MARKETING", status: "APPROVED", quality: "GREEN",
    body: "Hi {{1}}, Black Friday is here: {{2}} off everything until Sunday. Shop now: {{3}}" },
  { name: "login_code", language: "en", category: "AUTHENTICATION", status: "APPROVED", quality: "UNKNOWN",
    body: "{{1}} is your verification code. For your security, do not share this code." },
  { name: "cart_reminder", language: "es_MX", category: "MARKETING", status: "APPROVED", quality: "YELLOW",
    body: "Hola {{1}}, dejaste artículos en tu carrito. ¡Complétalo hoy!" },
  { name: "winback_offer", language: "en", category: "MARKETING", status: "APPROVED", quality: "RED",
    body: "We miss you, {{1}}! Here is {{2}} off your next order." },
  { name: "spring_preview", language: "en", category: "MARKETING", status: "DRAFT",
    body: "Spring collection preview for {{1}}." },
  { name: "delivery_update", language: "en", category: "UTILITY", status: "PENDING_APPROVAL",
    body: "Your delivery {{1}} arrives {{2}}." },
  { name: "mega_sale", language: "en", category: "MARKETING", status: "REJECTED",
    body: "MEGA SALE!!! Click now!!! {{1}}" },
  { name: "restock_alert", language: "en", category: "MARKETING", status: "PENDING",
    body: "{{1}} is back in stock." },
  { name: "flash_sale", language: "en", category: "MARKETING", status: "PAUSED", quality: "RED",
    body: "Flash sale: {{1}} off for the next 2 hours!" },
  { name: "loyalty_points", language: "en", category: "MARKETING", status: "DISABLED", quality: "RED",
    body: "You have {{1}} loyalty points." },
  { name: "payment_reminder", language: "en", category: "UTILITY", status: "IN_APPEAL",
    body: "Your payment of {{1}} is due on {{2}}." },
  { name: "old_newsletter", language: "en", category: "MARKETING", status: "PENDING_DELETION",
    body: "Our monthly newsletter is here." },
  { name: "summer_2025", language: "en", category: "MARKETING", status: "DELETED",
    body: "Summer 2025 sale." },
  { name: "welcome_series_9", language: "en", category: "MARKETING", status: "LIMIT_EXCEEDED",
    body: "Welcome, {{1}}!" },
  { name: "holiday_2024", language: "en", category: "MARKETING", status: "ARCHIVED",
    body: "Happy holidays from our team." },
  { name: "review_request", language: "en", category: "UTILITY", status: "FLAGGED", quality: "YELLOW",
    body: "How was your order {{1}}? Reply with a rating from 1 to 5." },
];

/** Reads a template set from pasted or uploaded JSON: an array of templates, `{ templates: [...] }`,
 *  or Meta's `GET /message_templates` answer (`{ data: [{ components: [...] }] }`). */
export function readTemplateSet(text: string): Template[] {
  const value: unknown = JSON.parse(text);
  const list = Array.isArray(value)
    ? value
    : value && typeof value === "object"
      ? ((value as { templates?: unknown; data?: unknown }).templates ?? (value as { data?: unknown }).data)
      : undefined;
  if (!Array.isArray(list)) {
    throw new Error("Expected a JSON array of templates, { \"templates\": [...] } or Meta's { \"data\": [...] }.");
  }
  return list.map((item, i) => {
    if (!item || typeof item !== "object") throw new Error(`Template ${i + 1} is not an object.`);
    const t = item as Record<string, unknown>;
    const components = Array.isArray(t.components) ? (t.components as Record<string, unknown>[]) : [];
    const text = (type: string) =>
      components.find((c) => String(c.type).toUpperCase() === type && typeof c.text === "string")?.text as string | undefined;
    const quality =
      t.quality ?? (t.quality_score && typeof t.quality_score === "object" ? (t.quality_score as { score?: unknown }).score : undefined);
    const out: Record<string, unknown> = { ...t };
    delete out.components;
    delete out.quality_score;
    if (quality !== undefined) out.quality = quality;
    if (out.body === undefined && text("BODY") !== undefined) out.body = text("BODY");
    if (out.header === undefined && text("HEADER") !== undefined) out.header = text("HEADER");
    return out as unknown as Template;
  });
}
