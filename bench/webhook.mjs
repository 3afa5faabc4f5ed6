// classifyWebhook on a 3 MB Meta webhook body, in a fresh Node process: two calls to warm up,
// then the median of 15, printed as JSON { ms, mb }.
// Usage: node bench/webhook.mjs <path to pkg/node.js>
import { median } from "./median.mjs";

const sg = await import(process.argv[2]);

/** A status webhook of about `bytes`: one in five messages failed (131026), the rest delivered. */
function webhookBody(bytes) {
  const statuses = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const failed = i % 5 === 0;
    const s = {
      id: `wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI${String(i).padStart(10, "0")}`,
      status: failed ? "failed" : "delivered",
      timestamp: String(1764288000 + i),
      recipient_id: `52155${String(10000000 + i)}`,
      ...(failed
        ? { errors: [{ code: 131026, title: "Message undeliverable", message: "Message undeliverable", error_data: { details: "Message Undeliverable." } }] }
        : { conversation: { id: `conv${i}`, origin: { type: "marketing" } }, pricing: { billable: true, pricing_model: "PMP", category: "marketing" } }),
    };
    size += JSON.stringify(s).length + 1;
    statuses.push(s);
  }
  return JSON.stringify({ object: "whatsapp_business_account", entry: [{ id: "102290129340398", changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { display_phone_number: "15550783881", phone_number_id: "106540352242922" }, statuses } }] }] });
}

const body = webhookBody(3 * 1024 * 1024);
sg.classifyWebhook(body);
sg.classifyWebhook(body);
const times = Array.from({ length: 15 }, () => {
  const t = performance.now();
  sg.classifyWebhook(body);
  return performance.now() - t;
});
console.log(JSON.stringify({ ms: median(times), mb: body.length / 1e6 }));
