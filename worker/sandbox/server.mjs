#!/usr/bin/env node
// Sandbox Meta Graph API for dev and tests (never production): speaks Cloud API's send endpoint
// with Meta's documented shapes, and posts signed status webhooks back to the worker.
// Behaviour is chosen by the last three digits of `to` (table in worker/README.md).
import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:http";

/** Last three digits of `to` → behaviour. */
export const BEHAVIOURS = {
  100: "sent_only",
  101: "undeliverable_131026",
  102: "rate_limited_130429",
  103: "pair_limit_131056",
  104: "marketing_limit_131049",
  105: "stopped_marketing_131050",
  106: "transient_then_ok",
  107: "timeout",
  108: "html_502",
  109: "malformed_json",
  110: "error_500",
  111: "reset",
  112: "no_wamid",
  113: "template_not_found_132001",
  114: "token_expired_190",
  115: "slow_accept",
  116: "read_before_sent",
  117: "webhooks_twice",
  118: "read_only",
  119: "unavailable_503",
  120: "echo_request",
  121: "redirect_307",
};

const ERRORS = {
  130429: [400, "Rate limit hit", "Cloud API message throughput has been reached."],
  131056: [400, "(Business Account, Consumer Account) pair rate limit hit", "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."],
  131000: [500, "Something went wrong", "Message failed to send due to an unknown error."],
  132001: [404, "Template name does not exist in the translation", "template name (order_update) does not exist in en_US"],
  190: [401, "Access token has expired", "Error validating access token: Session has expired."],
  100: [400, "Invalid parameter", "Invalid parameter"],
  131026: [400, "Message undeliverable", "Message Undeliverable."],
  131049: [400, "This message was not delivered to maintain healthy ecosystem engagement.", "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."],
  131050: [400, "User has stopped receiving marketing messages", "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."],
};

function graphError(code) {
  const [status, title, details] = ERRORS[code];
  return [
    status,
    {
      error: {
        message: `(#${code}) ${title}`,
        type: "OAuthException",
        code,
        error_data: { messaging_product: "whatsapp", details },
        fbtrace_id: randomBytes(9).toString("base64url"),
      },
    },
  ];
}

function webhookError(code) {
  const [, title, details] = ERRORS[code];
  return { code, title, message: title, error_data: { details }, href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/" };
}

/** WhatsApp's id for a number: legacy Mexico ids keep the mobile 1, legacy Brazil ids lack the 9th digit. */
export function waIdFor(digits) {
  if (/^52[2-9]\d{9}$/.test(digits)) return `521${digits.slice(2)}`;
  if (/^55\d{2}9\d{8}$/.test(digits)) return `${digits.slice(0, 4)}${digits.slice(5)}`;
  return digits;
}

export function sign(secret, body) {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export function startSandbox(options = {}) {
  const opts = {
    port: 0,
    accessToken: "sandbox-access-token",
    appSecret: "sandbox-app-secret",
    webhookUrl: null,
    webhookDelayMs: 50,
    webhookConcurrency: 16,
    latencyMs: 0,
    hangMs: 30_000,
    slowMs: 5_000,
    wabaId: "102290129340398",
    log: false,
    ...options,
  };
  const calls = [];
  /** Requests that followed the `redirect_307` behaviour's redirect. */
  const redirected = [];
  const seenTo = new Map();
  let pendingWebhooks = 0;
  let webhooksDelivered = 0;
  let webhooksFailed = 0;
  const sockets = new Set();
  const timers = new Set();

  const later = (ms, fn) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  // Like Meta, deliveries are paced: at most `webhookConcurrency` in flight, the rest queue
  // (unbounded parallel POSTs would exhaust the worker's sockets under load).
  let inFlight = 0;
  const waiting = [];
  const acquire = () => {
    if (inFlight >= opts.webhookConcurrency) return new Promise((r) => waiting.push(r));
    inFlight++;
    return Promise.resolve();
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };

  async function postWebhook(payload) {
    if (!opts.webhookUrl) return;
    const body = JSON.stringify(payload);
    pendingWebhooks++;
    await acquire();
    try {
      // Meta retries until it gets a 200; three tries are plenty on loopback.
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const res = await fetch(opts.webhookUrl, {
            method: "POST",
            headers: { "content-type": "application/json", "x-hub-signature-256": sign(opts.appSecret, body) },
            body,
          });
          await res.arrayBuffer();
          if (res.ok) {
            webhooksDelivered++;
            return;
          }
        } catch {
          // worker not reachable yet: retry
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      webhooksFailed++;
    } finally {
      release();
      pendingWebhooks--;
    }
  }

  function envelope(phoneNumberId, value) {
    return {
      object: "whatsapp_business_account",
      entry: [
        {
          id: opts.wabaId,
          changes: [
            {
              field: "messages",
              value: { messaging_product: "whatsapp", metadata: { display_phone_number: "15550783881", phone_number_id: phoneNumberId }, ...value },
            },
          ],
        },
      ],
    };
  }

  function statusWebhooks(phoneNumberId, wamid, waId, callback, category, steps, times = 1) {
    let delay = opts.webhookDelayMs;
    const t0 = Math.floor(Date.now() / 1000);
    steps.forEach((step, i) => {
      const status = {
        id: wamid,
        status: step.status,
        timestamp: String(t0 + i),
        recipient_id: waId,
        ...(callback ? { biz_opaque_callback_data: callback } : {}),
        ...(step.status === "sent" || step.status === "delivered"
          ? { pricing: { billable: true, pricing_model: "PMP", type: "regular", category } }
          : {}),
        ...(step.error ? { errors: [webhookError(step.error)] } : {}),
      };
      // `times` > 1: the same signed delivery again (Meta retries deliveries it thinks were lost).
      for (let n = 0; n < times; n++) later(delay, () => postWebhook(envelope(phoneNumberId, { statuses: [status] })));
      delay += opts.webhookDelayMs;
    });
  }

  function send(res, status, body, raw = false) {
    const text = raw ? body : JSON.stringify(body);
    const go = () => {
      if (res.destroyed) return;
      res.writeHead(status, { "content-type": raw ? "text/html" : "application/json" });
      res.end(text);
    };
    if (opts.latencyMs > 0) later(opts.latencyMs, go);
    else go();
  }

  async function readJson(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const text = Buffer.concat(chunks).toString("utf8");
    return text ? JSON.parse(text) : {};
  }

  async function handleMessages(req, res, phoneNumberId) {
    if (req.headers.authorization !== `Bearer ${opts.accessToken}`) {
      calls.push({ to: null, behaviour: "unauthorized", at: Date.now() });
      return send(res, ...graphError(190));
    }
    let body;
    try {
      body = await readJson(req);
    } catch {
      return send(res, ...graphError(100));
    }
    const to = typeof body.to === "string" ? body.to.replace(/\D/g, "") : "";
    const validType =
      (body.type === "text" && typeof body.text?.body === "string") ||
      (body.type === "template" && typeof body.template?.name === "string" && typeof body.template?.language?.code === "string");
    if (body.messaging_product !== "whatsapp" || !to || !validType) {
      calls.push({ to, behaviour: "invalid", at: Date.now(), body });
      return send(res, ...graphError(100));
    }
    const behaviour = BEHAVIOURS[to.slice(-3)] ?? "ok";
    const seen = seenTo.get(to) ?? 0;
    seenTo.set(to, seen + 1);
    calls.push({ to, behaviour, at: Date.now(), body });
    if (opts.log) console.log(`sandbox: ${body.type} to +${to} → ${behaviour}`);

    const accept = (steps, times = 1) => {
      const wamid = `wamid.${Buffer.from(`${to}:${randomBytes(12).toString("hex")}`).toString("base64url")}`;
      const waId = waIdFor(to);
      const category = body.type === "template" ? "marketing" : "service";
      statusWebhooks(phoneNumberId, wamid, waId, body.biz_opaque_callback_data, category, steps, times);
      send(res, 200, {
        messaging_product: "whatsapp",
        contacts: [{ input: body.to, wa_id: waId }],
        messages: [{ id: wamid, ...(body.type === "template" ? { message_status: "accepted" } : {}) }],
      });
    };

    switch (behaviour) {
      case "ok":
        return accept([{ status: "sent" }, { status: "delivered" }, { status: "read" }]);
      case "sent_only":
        return accept([{ status: "sent" }]);
      case "undeliverable_131026":
        return accept([{ status: "failed", error: 131026 }]);
      case "marketing_limit_131049":
        return accept([{ status: "failed", error: 131049 }]);
      case "stopped_marketing_131050":
        return accept([{ status: "failed", error: 131050 }]);
      case "rate_limited_130429":
        return send(res, ...graphError(130429));
      case "pair_limit_131056":
        return send(res, ...graphError(131056));
      case "transient_then_ok":
        return seen === 0 ? send(res, ...graphError(131000)) : accept([{ status: "sent" }, { status: "delivered" }]);
      case "timeout":
        return later(opts.hangMs, () => res.destroy());
      case "slow_accept":
        // Accepted (webhooks follow) but answered only after `slowMs`: past the caller's timeout.
        return later(opts.slowMs, () => accept([{ status: "sent" }, { status: "delivered" }]));
      case "read_before_sent":
        // Out of order and `delivered` never arrives: `read` alone must debit, `sent` must not undo it.
        return accept([{ status: "read" }, { status: "sent" }]);
      case "webhooks_twice":
        return accept([{ status: "sent" }, { status: "delivered" }, { status: "read" }], 2);
      case "read_only":
        return accept([{ status: "read" }]);
      case "unavailable_503":
        return send(res, 503, "upstream connect error or disconnect/reset before headers. reset reason: overflow", true);
      case "echo_request":
        // A misbehaving proxy or debug endpoint that answers 200 with the request it got,
        // headers included (no wamid): the worker must not pass our access token on.
        return send(res, 200, { echo: { method: req.method, url: req.url, headers: req.headers, body } });
      case "redirect_307":
        // Answered with a redirect to another address: a caller that follows it re-sends the
        // request (access token included) there, and gets an accepted message back.
        res.writeHead(307, { location: "/_sandbox/redirected" });
        return res.end();
      case "html_502":
        return send(res, 502, "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>", true);
      case "malformed_json":
        return send(res, 200, '{"messaging_product":"whatsapp","contacts":[{"input"', true);
      case "error_500":
        return send(res, ...graphError(131000));
      case "reset":
        return req.socket.destroy();
      case "no_wamid":
        return send(res, 200, { messaging_product: "whatsapp", contacts: [{ input: body.to, wa_id: waIdFor(to) }] });
      case "template_not_found_132001":
        return send(res, ...graphError(132001));
      case "token_expired_190":
        return send(res, ...graphError(190));
    }
  }

  /** Dev helpers: make the sandbox post the webhooks a customer or Meta would cause. */
  async function handleControl(req, res, url) {
    if (url.pathname === "/_sandbox/redirected") {
      redirected.push({ at: Date.now(), authorization: req.headers.authorization !== undefined });
      return send(res, 200, { messaging_product: "whatsapp", contacts: [{ input: "x", wa_id: "x" }], messages: [{ id: "wamid.redirected" }] });
    }
    if (req.method === "GET" && url.pathname === "/_sandbox/calls") {
      const to = url.searchParams.get("to")?.replace(/\D/g, "");
      const list = to ? calls.filter((c) => c.to === to) : calls;
      return send(res, 200, {
        total: calls.length,
        count: list.length,
        calls: url.searchParams.has("bodies") ? list : list.map(({ body, ...c }) => c),
        webhooks: { pending: pendingWebhooks, delivered: webhooksDelivered, failed: webhooksFailed },
      });
    }
    if (req.method === "POST" && url.pathname === "/_sandbox/config") {
      const body = await readJson(req);
      for (const k of ["webhookUrl", "webhookDelayMs", "latencyMs"]) if (k in body) opts[k] = body[k];
      return send(res, 200, { ok: true });
    }
    if (req.method === "POST" && url.pathname === "/_sandbox/inbound") {
      const { from, text, phone_number_id = "sandbox" } = await readJson(req);
      const digits = String(from ?? "").replace(/\D/g, "");
      await postWebhook(
        envelope(phone_number_id, {
          contacts: [{ profile: { name: "Sandbox customer" }, wa_id: digits }],
          messages: [{ from: digits, id: `wamid.in.${randomBytes(10).toString("hex")}`, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: String(text ?? "hi") } }],
        }),
      );
      return send(res, 200, { ok: true });
    }
    if (req.method === "POST" && url.pathname === "/_sandbox/template-status") {
      const { name, language = "en_US", event = "PAUSED", reason = null } = await readJson(req);
      await postWebhook({
        object: "whatsapp_business_account",
        entry: [{ id: opts.wabaId, time: Math.floor(Date.now() / 1000), changes: [{ field: "message_template_status_update", value: { event, message_template_id: 1, message_template_name: name, message_template_language: language, reason } }] }],
      });
      return send(res, 200, { ok: true });
    }
    return send(res, 404, { error: { message: "Unknown path", type: "OAuthException", code: 100 } });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://sandbox");
    const m = /^\/v\d+\.\d+\/([^/]+)\/messages$/.exec(url.pathname);
    const work = m && req.method === "POST" ? handleMessages(req, res, m[1]) : handleControl(req, res, url);
    work.catch((e) => {
      if (!res.headersSent) send(res, 500, { error: { message: String(e), code: 1 } });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        options: opts,
        calls,
        callsTo: (to) => calls.filter((c) => c.to === String(to).replace(/\D/g, "")).length,
        redirected,
        pendingWebhooks: () => pendingWebhooks,
        postWebhook,
        close: () =>
          new Promise((done) => {
            for (const t of timers) clearTimeout(t);
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sandbox = await startSandbox({
    port: Number(process.env.SANDBOX_PORT ?? 0),
    accessToken: process.env.META_ACCESS_TOKEN ?? "sandbox-access-token",
    appSecret: process.env.META_APP_SECRET ?? "sandbox-app-secret",
    webhookUrl: process.env.SANDBOX_WEBHOOK_URL ?? null,
    webhookDelayMs: Number(process.env.SANDBOX_WEBHOOK_DELAY_MS ?? 500),
    latencyMs: Number(process.env.SANDBOX_LATENCY_MS ?? 0),
    log: true,
  });
  console.log(`sandbox Meta Graph API on ${sandbox.url}`);
  const stop = () => sandbox.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
