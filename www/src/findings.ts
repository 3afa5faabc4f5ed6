import type { Finding } from "sendgate";
import { h, copyText } from "./dom";

// Where each finding's `field` is edited on this page (SPEC field paths → input ids).
const FIELD_INPUTS: [string, string, string][] = [
  ["contact.phone_country_code", "country", "Country code"],
  ["contact.phone_calling_code", "calling", "Calling code"],
  ["contact.user_id", "user-id", "BSUID"],
  ["contact.free_entry_point_until", "free-entry", "Free entry point until"],
  ["contact.phone", "phone", "Phone"],
  ["contact.marketing_state", "marketing", "Marketing state"],
  ["contact.last_inbound_at", "last-inbound", "Last customer message"],
  ["source", "source", "Source"],
  ["message.parameters", "tpl-detail", "Template parameters"],
  ["message", "message", "Message"],
  ["credits", "balance", "Credit balance"],
  ["policy", "policy", "Consent policy"],
  ["signals.messaged_in_last_24h", "acct-messaged", "Already messaged in the last 24 h"],
  ["account.health", "acct-health-phone", "Account health"],
  ["account.payment_method", "acct-payment", "Payment method"],
  ["account.messaging_limit", "acct-tier", "Messaging tier"],
  ["account", "account-fields", "Account"],
  ["now", "check-now", "Check as of"],
  ["signals", "", "Meta signals"],
];

export function fieldTarget(field: string | undefined): { id: string; label: string } | null {
  if (!field) return null;
  for (const [prefix, id, label] of FIELD_INPUTS) {
    if (field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`)) return { id, label };
  }
  return null;
}

/** One blocker or warning: its reason code, plain message, resolution steps, field and suggestion. */
export function findingCard(f: Finding, kind: "blocker" | "warning", onCopied?: (text: string) => void): HTMLElement {
  const target = fieldTarget(f.field);
  const fieldLine = f.field
    ? h(
        "p",
        { class: "where" },
        "Where: ",
        target?.id && document.getElementById(target.id)
          ? h(
              "a",
              {
                href: `#${target.id}`,
                onclick: (e: Event) => {
                  const el = document.getElementById(target.id);
                  if (!el || !/^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) return;
                  e.preventDefault();
                  el.focus();
                },
              },
              target.label,
            )
          : target?.label ?? null,
        " ",
        h("code", null, f.field),
      )
    : null;
  return h(
    "article",
    { class: `finding ${kind}`, "data-reason": f.reason },
    h(
      "header",
      null,
      h("span", { class: `badge ${kind}` }, kind === "blocker" ? "✕ Blocker" : "! Warning"),
      h("code", { class: "reason" }, f.reason),
      f.meta_code !== undefined ? h("span", { class: "muted" }, `Meta ${f.meta_code}`) : null,
    ),
    h("h4", null, f.title),
    h("p", null, f.message),
    f.suggested
      ? h(
          "p",
          { class: "suggested" },
          "Suggested: ",
          h("output", { class: "mono" }, f.suggested),
          " ",
          h(
            "button",
            {
              type: "button",
              class: "small",
              "aria-label": `Copy suggested number ${f.suggested}`,
              onclick: async (e: Event) => {
                const btn = e.currentTarget as HTMLButtonElement;
                await copyText(f.suggested!);
                btn.textContent = "Copied ✓";
                onCopied?.(f.suggested!);
                setTimeout(() => (btn.textContent = "Copy"), 1500);
              },
            },
            "Copy",
          ),
        )
      : null,
    f.resolution.length
      ? h("div", { class: "resolution" }, h("p", { class: "label" }, "What to do"), h("ol", null, f.resolution.map((s) => h("li", null, s))))
      : null,
    fieldLine,
  );
}
