// One cold start, in a fresh Node process: import + first answer, in ms (printed as JSON).
// Usage: node bench/cold.mjs sendgate <path to pkg/node.js> | node bench/cold.mjs peer
const [which, pkg] = process.argv.slice(2);
const phone = "+52 55 1234 5678";
let t0, t1, t2;
if (which === "sendgate") {
  t0 = performance.now();
  const sg = await import(pkg);
  t1 = performance.now();
  const verdict = sg.checkSend({
    contact: { phone, marketing_state: "SUBSCRIBED" },
    source: "campaign",
    now: "2026-11-28T00:00:00Z",
    message: {
      type: "template",
      template: { name: "promo", language: "es_MX", category: "MARKETING", status: "APPROVED" },
    },
  });
  t2 = performance.now();
  if (verdict.to !== "+525512345678") throw new Error(`unexpected verdict ${JSON.stringify(verdict)}`);
} else {
  t0 = performance.now();
  const { parsePhoneNumber } = await import("libphonenumber-js/max");
  t1 = performance.now();
  const pn = parsePhoneNumber(phone);
  const answer = [pn.isValid(), pn.number];
  t2 = performance.now();
  if (answer[1] !== "+525512345678") throw new Error(`unexpected ${answer}`);
}
console.log(JSON.stringify({ import: t1 - t0, first: t2 - t1, total: t2 - t0 }));
