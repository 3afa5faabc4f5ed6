// The dashboard served by the real worker (wrangler dev, workerd, sandbox Meta): a merchant signs
// in with a workspace key, sees their workspace, loads only its failures; a revoked or
// under-scoped key gets a clear message.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { open } from "./browser.mjs";
import { DIST } from "./server.mjs";
import { SECRETS, phone, startStack, templateSend, uid } from "../../worker/test/harness.mjs";

let stack;
let s;
const ws = uid("acme");
const other = uid("globex");
let readKey;
let checkKey;

before(async () => {
  stack = await startStack({ assets: DIST });
  const admin = { key: SECRETS.ADMIN_API_KEY };
  const named = await stack.request("PUT", `/v1/admin/workspaces/${ws}`, { ...admin, body: { name: "Acme Store" } });
  assert.equal(named.status, 200, named.text);
  readKey = await stack.workspaceKey(ws, ["read"], "dashboard");
  checkKey = await stack.workspaceKey(ws, ["check"]);
  // Acme's failures: two blocked sends (no credits, not opted in). Globex has its own.
  await stack.send(templateSend({ to: phone(), workspace: ws }));
  await stack.send(templateSend({ to: phone(), workspace: ws, marketing_state: "NOT_SUBSCRIBED" }));
  await stack.topUp(other, 5);
  await stack.send(templateSend({ to: phone(), workspace: other, status: "PAUSED" }));
  s = await open({ server: { url: `${stack.base}/`, close: async () => {} } });
});
after(async () => {
  await s?.close();
  await stack?.stop();
});

const keyField = () => s.page.getByLabel("Workspace key (sgk_…, kept in this tab only)");
const group = (reason) => s.page.locator(`#triage-out details.group[data-reason="${reason}"]`);

async function signIn(key) {
  await keyField().fill(key);
  await s.page.getByRole("button", { name: "Sign in" }).click();
}

test("a wrong key is not accepted, with a message saying so", async () => {
  await s.page.getByText("Load from the sendgate worker").click();
  const before = s.problems.length;
  await signIn(readKey.key.replace(/_[0-9a-f]{64}_/, `_${"0".repeat(64)}_`));
  await s.page.locator("#triage-error", { hasText: /not accepted: it is wrong or has been revoked/ }).waitFor();
  for (const p of s.problems.splice(before)) assert.match(p, /401.*\/v1\/workspace|Failed to load resource/);
  assert.equal(await s.page.evaluate(() => sessionStorage.length), 0);
  s.assertClean();
});

test("signed in with a read key: the workspace's name and id, and only its failures", async () => {
  await signIn(readKey.key);
  await s.page.locator("#signin-who", { hasText: `Acme Store (workspace ${ws})` }).waitFor();
  assert.match(await s.page.locator("#signin-who").innerText(), /key scopes: read/);
  assert.equal(await keyField().isVisible(), false, "the key field is hidden once signed in");
  await s.page.getByRole("button", { name: "Load /v1/failures" }).click();
  await group("INSUFFICIENT_CREDITS").waitFor();
  const reasons = await s.page.locator("#triage-out details.group").evaluateAll((els) => els.map((e) => e.dataset.reason).sort());
  assert.deepEqual(reasons, ["CUSTOMER_IS_NOT_OPTED_IN", "INSUFFICIENT_CREDITS"], "Globex's TEMPLATE_NOT_APPROVED must not show");
  assert.match(await s.page.locator("#triage-status").innerText(), /\/v1\/failures: 2 items/);
  assert.equal(await s.page.evaluate(() => localStorage.length), 0);
  s.assertClean();
});

test("a reload keeps the tab signed in (sessionStorage), checked again with the worker", async () => {
  await s.page.reload();
  await s.page.waitForSelector("body[data-ready=true]");
  await s.page.getByText("Load from the sendgate worker").click();
  await s.page.locator("#signin-who", { hasText: "Acme Store" }).waitFor();
  s.assertClean();
});

test("revoked while signed in: the next load says so and signs out", async () => {
  const revoked = await stack.request("DELETE", `/v1/admin/workspaces/${ws}/keys/${readKey.key_id}`, { key: SECRETS.ADMIN_API_KEY });
  assert.equal(revoked.status, 200);
  const before = s.problems.length;
  await s.page.getByRole("button", { name: "Load /v1/failures" }).click();
  await s.page.locator("#triage-error", { hasText: /has been revoked/ }).waitFor();
  for (const p of s.problems.splice(before)) assert.match(p, /401.*\/v1\/failures|Failed to load resource/);
  assert.equal(await keyField().isVisible(), true, "signed out: the key field is back");
  assert.equal(await s.page.evaluate(() => sessionStorage.length), 0);
  s.assertClean();
});

test("a key without the read scope signs in, and is told it cannot load failures", async () => {
  await signIn(checkKey.key);
  await s.page.locator("#signin-who", { hasText: "key scopes: check" }).waitFor();
  await s.page.locator("#triage-error", { hasText: /does not have the read scope/ }).waitFor();
  const before = s.problems.length;
  await s.page.getByRole("button", { name: "Load /v1/failures" }).click();
  await s.page.locator("#triage-error", { hasText: /cannot load failures: it does not have the read scope/ }).waitFor();
  for (const p of s.problems.splice(before)) assert.match(p, /403.*\/v1\/failures|Failed to load resource/);
  await s.screenshot("signin-under-scoped", "#triage");
  await s.page.getByRole("button", { name: "Sign out" }).click();
  s.assertClean();
});
