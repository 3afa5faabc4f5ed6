import { pickTemplates } from "sendgate";
import type { Template, TemplateOption } from "sendgate";
import { $, h, replace, errorText } from "./dom";
import { findingCard } from "./findings";
import { currentContact, currentCredits, currentPolicy, currentSource, lastVerdict, refreshVerdict } from "./contact";
import { SAMPLE_TEMPLATES, placeholders, readTemplateSet } from "./samples";
import { on, selectTemplate, setTemplates, state } from "./state";

// Template picker: every loaded template for the contact above, pickable or with its reasons
// (sendgate's pickTemplates); the chosen one gets parameter inputs and a live preview.

function showError(text: string | null): void {
  const box = $("#tpl-error");
  box.hidden = !text;
  box.textContent = text ?? "";
}

function load(text: string, source: string): void {
  try {
    const templates = readTemplateSet(text);
    setTemplates(templates, source);
    showError(null);
  } catch (err) {
    showError(`Could not load ${source}: ${errorText(err)}`);
  }
}

/** pickTemplates' answer in the order of `state.templates` (it sorts pickable first). */
let options: (TemplateOption | undefined)[] = [];

function byTemplateOrder(answer: TemplateOption[]): (TemplateOption | undefined)[] {
  const key = (t: Template) => `${t.name}\u0000${t.language}`;
  const slots = new Map<string, number[]>();
  state.templates.forEach((t, i) => {
    const k = key(t);
    if (!slots.has(k)) slots.set(k, []);
    slots.get(k)!.push(i);
  });
  const ordered: (TemplateOption | undefined)[] = new Array(state.templates.length);
  for (const o of answer) {
    const i = slots.get(key(o.template))?.shift();
    if (i !== undefined) ordered[i] = o;
  }
  return ordered;
}

function renderList(): void {
  const list = $("#tpl-list");
  $("#tpl-status").textContent = state.templates.length
    ? `${state.templates.length} templates from ${state.templateSource}`
    : "";
  if (!state.templates.length) {
    options = [];
    replace(list, h("div", { class: "empty" }, h("p", null, "No templates loaded. Load the sample set, choose a JSON file, or paste JSON from Meta's message_templates API.")));
    return;
  }
  try {
    options = byTemplateOrder(pickTemplates({
      contact: currentContact(),
      source: currentSource(),
      templates: state.templates,
      credits: currentCredits(),
      policy: currentPolicy(),
    }));
  } catch (err) {
    options = [];
    replace(list, h("div", { class: "error", role: "alert" }, `These templates cannot be checked: ${errorText(err)}`));
    return;
  }
  const pickable = options.filter((o) => o?.pickable).length;
  // Pickable first (as pickTemplates orders them), each keeping its index in the loaded set.
  const order = state.templates.map((_, i) => i).sort((a, b) => Number(!!options[b]?.pickable) - Number(!!options[a]?.pickable));
  replace(
    list,
    h("p", { class: "muted", id: "tpl-summary" }, `${pickable} of ${options.length} can be sent to this contact`),
    h(
      "ul",
      { class: "tpl-items", "aria-label": "Templates" },
      order.map((i) => {
        const o = options[i];
        const t = state.templates[i];
        const selected = state.selected === i;
        return h(
          "li",
          { class: `tpl ${o?.pickable ? "pickable" : "unpickable"}${selected ? " selected" : ""}`, "data-name": t.name },
          h(
            "button",
            {
              type: "button",
              class: "tpl-pick",
              "aria-pressed": selected ? "true" : "false",
              onclick: () => selectTemplate(i),
            },
            h("span", { class: "tpl-name" }, t.name),
            h("span", { class: "tpl-meta" }, `${t.language} · ${t.category} · `, h("code", null, t.status), t.quality ? ` · quality ${t.quality}` : ""),
            h(
              "span",
              { class: `badge ${o?.pickable ? "ok" : "blocker"}` },
              !o
                ? "? Not checked"
                : o.pickable
                  ? `✓ Pickable${o.findings.length ? ` (! ${[...new Set(o.findings.map((f) => f.reason))].join(", ")})` : ""}`
                  : `✕ Not pickable: ${[...new Set(o.findings.map((f) => f.reason))].join(", ")}`,
            ),
          ),
        );
      }),
    ),
  );
}

/** Blocker or warning: every finding of a pickable template is a warning; for the others, the
 *  contact check of the chosen template (same contact and send) says which ones only warn. */
function kindOf(reason: string, pickable: boolean): "blocker" | "warning" {
  if (pickable) return "warning";
  return lastVerdict()?.warnings.some((w) => w.reason === reason) ? "warning" : "blocker";
}

function renderDetail(): void {
  const detail = $("#tpl-detail");
  const i = state.selected;
  if (i === null || !state.templates[i]) {
    replace(detail, h("div", { class: "empty" }, h("p", null, "Choose a template to see why it can or cannot be sent, fill its parameters and preview the message.")));
    return;
  }
  const t = state.templates[i];
  const option = options[i];
  // One input per parameter: the header's {{n}} first, then the body's (as Meta numbers them).
  const slots = [
    ...placeholders(t.header).map((n) => ({ part: "header" as const, n })),
    ...placeholders(t.body).map((n) => ({ part: "body" as const, n })),
  ];
  const count = Math.max(option?.parameter_count ?? 0, slots.length);
  while (slots.length < count) slots.push({ part: "body", n: slots.length + 1 });
  const labels = slots.map((p) => (t.header && placeholders(t.header).length ? `${p.part === "header" ? "Header" : "Body"} {{${p.n}}}` : `{{${p.n}}}`));
  while (state.parameters.length < count) state.parameters.push("");
  const preview = h("div", { class: "preview", id: "tpl-preview", "aria-label": "Preview" });
  const renderPreview = () => {
    const fill = (s: string | undefined, part: "header" | "body") => {
      if (!s) return [];
      const parts: (string | HTMLElement)[] = [];
      let last = 0;
      for (const m of s.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) {
        parts.push(s.slice(last, m.index));
        const k = slots.findIndex((p) => p.part === part && p.n === Number(m[1]));
        const v = k >= 0 ? state.parameters[k] : "";
        parts.push(v ? h("mark", null, v) : h("span", { class: "placeholder" }, m[0]));
        last = m.index! + m[0].length;
      }
      parts.push(s.slice(last));
      return parts;
    };
    replace(preview, t.header ? h("p", { class: "preview-header" }, fill(t.header, "header")) : null, h("p", null, t.body ? fill(t.body, "body") : h("span", { class: "muted" }, "(no body text in this template)")));
  };
  renderPreview();
  replace(
    detail,
    h("h3", null, t.name, " ", h("span", { class: "muted" }, `(${t.language})`)),
    option
      ? option.pickable
        ? h("p", { class: "status ok" }, h("span", { class: "icon", "aria-hidden": "true" }, "✓"), " Can be sent to this contact")
        : h("p", { class: "status bad" }, h("span", { class: "icon", "aria-hidden": "true" }, "✕"), " Cannot be sent to this contact")
      : null,
    option ? option.findings.map((f) => findingCard(f, kindOf(f.reason, option.pickable))) : null,
    count
      ? h(
          "fieldset",
          { id: "tpl-params", class: "params" },
          h("legend", null, `Parameters (${count})`),
          labels.map((label, k) =>
            h(
              "div",
              { class: "field" },
              h("label", { for: `param-${k}` }, label),
              (() => {
                const input = h("input", { id: `param-${k}`, type: "text", placeholder: `Value for ${label}` });
                input.value = state.parameters[k] ?? "";
                input.addEventListener("input", () => {
                  state.parameters[k] = input.value;
                  renderPreview();
                  refreshVerdict();
                });
                return input;
              })(),
            ),
          ),
        )
      : h("p", { class: "muted" }, "This template has no parameters."),
    h("p", { class: "label" }, "Preview"),
    preview,
    h("p", null, h("a", { href: "#verdict" }, "See the full check for this send ↑")),
  );
}

export function initTemplates(): void {
  $("#tpl-sample").addEventListener("click", () => load(JSON.stringify(SAMPLE_TEMPLATES), "the built-in sample set"));
  $("#tpl-load").addEventListener("click", () => load(($("#tpl-json") as HTMLTextAreaElement).value, "pasted JSON"));
  const file = $("#tpl-file") as HTMLInputElement;
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (f) load(await f.text(), f.name);
    file.value = "";
  });
  on("templates", renderList);
  on("contact", () => {
    renderList();
    renderDetail();
  });
  on("selection", () => {
    renderList();
    renderDetail();
  });
  setTemplates(SAMPLE_TEMPLATES as Template[], "the built-in sample set");
  // Start with an approved template without parameters, so a filled-in contact gets a clean verdict.
  selectTemplate(SAMPLE_TEMPLATES.findIndex((t) => t.name === "new_collection"));
}
