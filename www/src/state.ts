import type { Template } from "sendgate";

// The state the panels share: the loaded template set and the template chosen for the contact
// check. Each panel re-renders itself when told something changed.
export type Topic = "contact" | "templates" | "selection";

export const state = {
  templates: [] as Template[],
  templateSource: "",
  /** Index into `templates` of the template the contact check sends, or null for free text. */
  selected: null as number | null,
  parameters: [] as string[],
};

const listeners = new Map<Topic, Set<() => void>>();

export function on(topic: Topic, fn: () => void): void {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic)!.add(fn);
}

export function emit(topic: Topic): void {
  for (const fn of listeners.get(topic) ?? []) fn();
}

export function setTemplates(templates: Template[], source: string): void {
  state.templates = templates;
  state.templateSource = source;
  state.selected = null;
  state.parameters = [];
  emit("templates");
  emit("selection");
}

export function selectTemplate(index: number | null): void {
  if (state.selected === index) return;
  state.selected = index;
  state.parameters = [];
  emit("selection");
}
