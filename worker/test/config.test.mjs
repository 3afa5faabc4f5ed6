// META_API_BASE must be https: (plain http only on loopback): the access token travels in a header
// of every call to it. A refused base is never contacted; the send ends in one recorded,
// classified outcome and an error that names the variable, without echoing the token or the URL.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SECRETS, freePort, phone, startStack, templateSend, uid } from "./harness.mjs";

// Both refused. The second reaches the sandbox (0.0.0.0 is this machine) if the worker calls it,
// so "no request arrived" is checked on a base that would have answered.
const BASES = [
  ["a non-loopback http base", () => "http://example.invalid"],
  ["an http base that does reach the sandbox, by a host that is not on the loopback list", (port) => `http://0.0.0.0:${port}`],
];

for (const [label, baseFor] of BASES) {
  describe(`META_API_BASE refused: ${label}`, () => {
    let s;
    let base;
    const ws = uid("ws");
    before(async () => {
      const port = await freePort();
      base = baseFor(port);
      s = await startStack({ vars: { META_API_BASE: base }, sandbox: { port } });
      await s.topUp(ws, 10);
    });
    after(async () => {
      await s?.stop();
    });

    test("the send is refused with an error naming META_API_BASE; Meta's side gets nothing", async () => {
      const to = phone("000");
      const body = templateSend({ to, workspace: ws });
      const r = await s.send(body);
      assert.equal(r.status, 503, r.text);
      assert.equal(r.json.error.code, "misconfigured");
      assert.match(r.json.error.message, /META_API_BASE must be an https: URL/);
      assert.equal(r.json.outcome, "failed");
      assert.equal(r.json.attempts, 0);
      assert.equal(typeof r.json.classification.reason, "string");
      assert.match(r.json.classification.details, /META_API_BASE/);
      assert.equal(s.sandbox.calls.length, 0, "no request reached the sandbox");
      for (const text of [r.text, [...r.headers].join("\n")]) {
        assert.ok(!text.includes(SECRETS.META_ACCESS_TOKEN), "the token is not echoed");
        assert.ok(!text.includes(base.replace(/^http:\/\//, "")), "the configured URL is not echoed");
      }
      // Nothing reserved or debited; exactly one recorded outcome, and the failure in the log.
      const c = await s.credits(ws);
      assert.deepEqual([c.balance, c.reserved, c.debited], [10, 0, 0]);
      const records = (await s.request("GET", `/v1/sends/${body.idempotency_key}?workspace_id=${ws}`)).json.records;
      assert.equal(records.length, 1);
      assert.equal(records[0].outcome, "failed");
      assert.equal(records[0].reason, r.json.classification.reason);
      const logged = (await s.request("GET", `/v1/failures?workspace_id=${ws}&limit=1`)).json.failures[0];
      assert.equal(logged.idempotency_key, body.idempotency_key);
      assert.equal(logged.configuration, "META_API_BASE");
      // Not kept for idempotency: the same key is judged again (and works once the base is fixed).
      const again = await s.send(body);
      assert.equal(again.status, 503);
      assert.equal(again.headers.get("idempotent-replayed"), null);
      assert.equal(s.sandbox.calls.length, 0);
      // Dry runs don't call Meta and still answer.
      const check = await s.check(templateSend({ to, workspace: ws }));
      assert.equal(check.status, 200, check.text);
      assert.ok(!s.output().includes(SECRETS.META_ACCESS_TOKEN), "the token is not logged");
    });
  });
}
