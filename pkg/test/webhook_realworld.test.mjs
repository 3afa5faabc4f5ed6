// The 148 real webhook bodies of ../shared/realworld/webhooks/ through the Wasm classifyWebhook
// (as Node >= 22 imports it): each body's events have the kinds and key fields the Rust test
// checks (tests/realworld_webhooks.expect, one table for both), whether the body is passed as
// the raw text a server receives or as a parsed object, and every classification the events
// share is a catalog entry. Skipped, with a message, where the folder is absent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { classifyWebhook, catalog } from "../node.js";

const DIR = new URL("../../../shared/realworld/webhooks/", import.meta.url);
const MALFORMED_UPSTREAM = "bindambc__textMessageStatusRead.json";
const REASONS = new Set(catalog().map((c) => c.reason));

/** tests/realworld_webhooks.expect: file → [{ kind, fields: [[path, value]] }]. */
function expectations() {
  const text = readFileSync(new URL("../../tests/realworld_webhooks.expect", import.meta.url), "utf8");
  const table = new Map();
  let file = null;
  for (const line of text.split("\n")) {
    if (!line.trim() || line.startsWith("#")) continue;
    if (!line.startsWith(" ")) {
      file = line.trim();
      table.set(file, []);
      continue;
    }
    const [kind, ...pairs] = line.trim().split(" | ");
    const fields = pairs.map((p) => {
      const at = p.indexOf("=");
      return [p.slice(0, at).trim(), p.slice(at + 1)];
    });
    table.get(file).push({ kind: kind.trim(), fields });
  }
  return table;
}

/** The member at a dotted path, as the table writes values (`null` also for absent). */
function at(event, path) {
  let v = event;
  for (const key of path.split(".")) v = v === null || v === undefined ? undefined : v[key];
  if (v === null || v === undefined) return "null";
  return typeof v === "string" ? v : JSON.stringify(v);
}

test("classifyWebhook (Wasm): every real body gives the events of the table", (t) => {
  if (!existsSync(DIR)) {
    t.skip("../shared/realworld/webhooks is absent (the real-world bodies live outside the repo)");
    return;
  }
  const table = expectations();
  const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();
  assert.equal(files.length, 148);
  const problems = [];
  const perKind = new Map();
  for (const file of files) {
    const body = readFileSync(new URL(file, DIR), "utf8");
    const events = classifyWebhook(body);
    for (const e of events) perKind.set(e.kind, (perKind.get(e.kind) ?? 0) + 1);
    let parsed = null;
    try {
      parsed = JSON.parse(body);
    } catch {
      /* the one malformed body: only the text form exists */
    }
    if (parsed !== null) assert.deepEqual(classifyWebhook(parsed), events, `${file}: object and text differ`);
    if (events.length === 0) problems.push(`${file}: no event`);
    const invalid = events.filter((e) => e.kind === "invalid").length;
    if ((invalid > 0) !== (file === MALFORMED_UPSTREAM)) problems.push(`${file}: ${invalid} invalid events`);
    for (const e of events) {
      if (e.classification && !REASONS.has(e.classification.reason)) problems.push(`${file}: reason ${e.classification.reason}`);
    }
    const want = table.get(file);
    if (!want) {
      problems.push(`${file}: not in tests/realworld_webhooks.expect`);
      continue;
    }
    if (want.length !== events.length) {
      problems.push(`${file}: ${events.length} events, expected ${want.length}`);
      continue;
    }
    for (const [i, w] of want.entries()) {
      if (events[i].kind !== w.kind) {
        problems.push(`${file}[${i}]: kind ${events[i].kind}, expected ${w.kind}`);
        continue;
      }
      for (const [path, value] of w.fields) {
        const got = at(events[i], path);
        if (got !== value) problems.push(`${file}[${i}].${path}: ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`);
      }
    }
  }
  assert.deepEqual(problems, []);
  t.diagnostic(`events per kind: ${[...perKind].sort().map(([k, n]) => `${k} ${n}`).join(", ")}`);
});
