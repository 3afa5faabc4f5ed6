// A workerd crash in the middle of a campaign (SIGKILL, local Queues lose what they held):
// the campaign object's record survives, its alarm finds the contacts the queue lost and sends
// them again, an attempt cut off while waiting for Meta is never repeated, and every contact
// still ends with exactly one outcome.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { digits, startStack } from "./harness.mjs";
import { FINAL, allContacts, assertLedger, contactsFor, createCampaign, report, waitFor } from "./campaign-helpers.mjs";

let s;
before(async () => {
  s = await startStack({ vars: { THROUGHPUT_MPS: "40" }, sandbox: { latencyMs: 20 } });
});
after(async () => {
  await s?.stop();
});

test("a restart mid-dispatch still ends with one outcome per contact, none sent twice", { timeout: 180_000 }, async () => {
  const ws = await s.fundedWorkspace(300);
  const contacts = contactsFor([["000", 300]]);
  const { campaignId } = await createCampaign(s, { workspace: ws, contacts });
  // Some are out, most are not.
  await waitFor(s, ws, campaignId, (r) => r.counts.accepted + r.counts.delivered + r.counts.read >= 60, 30_000);
  await s.restart();
  const mid = await report(s, ws, campaignId);
  assert.ok(mid.counts.queued > 0, `work left after the crash: ${JSON.stringify(mid.counts)}`);
  const rep = await waitFor(s, ws, campaignId, (r) => r.state === "finished", 120_000);
  await s.settle();
  const rows = await allContacts(s, ws, campaignId);
  assert.equal(rows.length, 300);
  let interrupted = 0;
  for (const row of rows) {
    assert.ok(FINAL.has(row.state), `${row.key}: ${row.state}`);
    const c = contacts.find((x) => row.key.endsWith(`:${x.id}`));
    const calls = s.sandbox.calls.filter((x) => x.to === digits(c.phone)).length;
    assert.ok(calls <= 1, `${c.phone} sent ${calls} times`);
    if (["accepted", "delivered", "read"].includes(row.state)) assert.equal(calls, 1);
    if (row.state === "failed") {
      // Only an attempt the crash cut off while Meta was being called.
      assert.equal(row.reason, "TRANSIENT_ERROR");
      interrupted++;
    }
  }
  assert.ok(interrupted <= 20, `${interrupted} interrupted`);
  assert.equal(rep.counts.accepted + rep.counts.delivered + rep.counts.read + rep.counts.failed, 300);
  await assertLedger(s, ws, await report(s, ws, campaignId), { initial: 300 });
});
