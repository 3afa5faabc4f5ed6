import { pickTemplates } from "sendgate";
import type { Slot, Template, TemplateOption } from "sendgate";
import { $, h, replace, errorText } from "./dom";
import { findingCard } from "./findings";
import { currentContact, currentCredits, currentPolicy, currentSource, lastVerdict, refreshVerdict } from "./contact";
import { SAMPLE_TEMPLATES, readTemplateSet } from "./samples";
import { currentAccount, currentNow, currentSignals } from "./account-input";
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

/** Meta's announced category change of a template (the core's TEMPLATE_CATEGORY_CHANGING says
 *  what it does to the send). */
function categoryChange(t: Template): HTMLElement {
  const p = t.pending_category!;
  return h("span", { class: "tpl-change" }, `! Category changing: ${t.category} → ${p.category} from ${new Date(p.at).toLocaleDateString()}`);
}

/** The part's text with each slot's value in place: the core named the slots; each one's
 *  placeholder is found by that name (Meta allows spaces inside the braces). */
function fill(text: string, part: "header" | "body", slots: Slot[], values: string[]): (string | HTMLElement)[] {
  const mine = slots.map((s, k) => ({ ...s, k })).filter((s) => s.part === part);
  if (!mine.length) return [text];
  const names = mine.map((s) => s.name.replace(/[^A-Za-z0-9_]/g, ""));
  const token = new RegExp(`\\{\\{\\s*(${names.join("|")})\\s*\\}\\}`, "g");
  const out: (string | HTMLElement)[] = [];
  let last = 0;
  for (const m of text.matchAll(token)) {
    out.push(text.slice(last, m.index));
    const v = values[mine[names.indexOf(m[1])].k];
    out.push(v ? h("mark", null, v) : h("span", { class: "placeholder" }, m[0]));
    last = m.index! + m[0].length;
  }
  out.push(text.slice(last));
  return out;
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
      account: currentAccount(),
      signals: currentSignals(),
      now: currentNow(),
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
            t.pending_category ? categoryChange(t) : null,
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
  // One input per parameter, in the order the core's slots give (header first, as Meta numbers
  // them); the core found them, this only labels and fills them.
  const slots = option?.slots ?? [];
  const count = slots.length;
  const withHeader = slots.some((p) => p.part === "header");
  const labels = slots.map((p) => `${withHeader ? (p.part === "header" ? "Header " : "Body ") : ""}{{${p.name}}}`);
  while (state.parameters.length < count) state.parameters.push("");
  const preview = h("div", { class: "preview", id: "tpl-preview", "aria-label": "Preview" });
  const renderPreview = () => {
    replace(
      preview,
      t.header ? h("p", { class: "preview-header" }, fill(t.header, "header", slots, state.parameters)) : null,
      h("p", null, t.body ? fill(t.body, "body", slots, state.parameters) : h("span", { class: "muted" }, "(no body text in this template)")),
    );
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
    t.pending_category ? h("p", { id: "tpl-category-change" }, categoryChange(t)) : null,
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
