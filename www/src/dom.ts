// A tiny element builder: the dashboard is plain TypeScript and DOM, no framework.
export type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") {
        el.addEventListener(key.slice(2), value as EventListener);
      } else if (key === "class") {
        el.className = String(value);
      } else if (key === "style") {
        // CSSOM, not a style attribute: the CSP (style-src 'self') blocks inline style attributes.
        el.style.cssText = String(value);
      } else if (value === true) {
        el.setAttribute(key, "");
      } else {
        el.setAttribute(key, String(value));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

export function $(selector: string, root: ParentNode = document): HTMLElement {
  const el = root.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`missing element ${selector}`);
  return el;
}

export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export function fmtInt(n: number): string {
  return n.toLocaleString("en-US");
}

export function fmtPct(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
}

/** Offers `text` as a download named `name` (a Blob URL; nothing leaves the browser). */
export function download(name: string, text: string, type = "text/csv;charset=utf-8"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Copies text to the clipboard; falls back to a selected textarea and execCommand. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    const ta = h("textarea", { "aria-hidden": "true", style: "position:fixed;left:-9999px" });
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    document.execCommand("copy");
    ta.remove();
  }
}

/** A horizontal bar chart: every bar carries its label and number as text (colour is decoration). */
export function barChart(
  label: string,
  rows: { key: string; label: string; count: number; share: number; detail?: string }[],
  note?: string,
): HTMLElement {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return h(
    "figure",
    { class: "chart" },
    h("figcaption", null, label, note ? h("span", { class: "muted note" }, ` ${note}`) : null),
    h(
      "ul",
      { class: "bars" },
      rows.map((r) =>
        h(
          "li",
          { class: "bar-row", "data-reason": r.key },
          h("span", { class: "bar-label" }, h("code", null, r.label), r.detail ? h("span", { class: "muted" }, ` ${r.detail}`) : null),
          h(
            "span",
            { class: "bar-track", "aria-hidden": "true" },
            h("span", { class: "bar-fill", style: `width:${Math.max(1, (r.count / max) * 100).toFixed(1)}%` }),
          ),
          h("span", { class: "bar-value" }, `${fmtInt(r.count)} (${fmtPct(r.share)})`),
        ),
      ),
    ),
  );
}

export function errorText(err: unknown): string {
  if (err && typeof err === "object") {
    const e = err as { name?: string; message?: string; path?: string; allowed?: string[] };
    let text = e.message ?? String(err);
    if (e.path) text += ` (field ${e.path})`;
    if (e.allowed?.length) text += ` — allowed: ${e.allowed.join(", ")}`;
    return text;
  }
  return String(err);
}

/** Calls `onFile` with a file chosen in `input` or dropped on `dropZone` (which shows `.over`). */
export function onFileChosen(input: HTMLInputElement, dropZone: HTMLElement, onFile: (file: File) => void): void {
  input.addEventListener("change", () => {
    const f = input.files?.[0];
    if (f) onFile(f);
    input.value = "";
  });
  dropZone.addEventListener("dragover", (e) => {
    e.preventDefault();
    dropZone.classList.add("over");
  });
  dropZone.addEventListener("dragleave", () => dropZone.classList.remove("over"));
  dropZone.addEventListener("drop", (e) => {
    e.preventDefault();
    dropZone.classList.remove("over");
    const f = e.dataTransfer?.files?.[0];
    if (f) onFile(f);
  });
}

/**
 * Calls `load` when the merchant goes to the panel `el` (its address, `#id`, now or later), each
 * time `arm()` is called: panels that ask the worker for something wait until they are opened.
 */
export function whenOpened(el: Element, load: () => void): { arm: () => void; disarm: () => void } {
  let armed = false;
  const check = () => {
    if (armed && location.hash === `#${el.id}`) {
      armed = false;
      load();
    }
  };
  window.addEventListener("hashchange", check);
  return {
    arm() {
      armed = true;
      check();
    },
    disarm() {
      armed = false;
    },
  };
}
