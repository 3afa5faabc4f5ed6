// Type-checked (tsc --noEmit) against the built package: the public API must be precise enough
// for this consumer to compile under `strict`, and wrong uses must not compile.
import {
  checkSend,
  classifyFailure,
  classifyWebhook,
  triage,
  normalizePhone,
  pickTemplates,
  checkAudience,
  checkSends,
  normalizePhones,
  readCsv,
  AudienceStream,
  catalog,
  version,
  metaRequest,
  type MetaRequest,
  type AccountState,
  type BillingCategory,
  type SendRequest,
  type Verdict,
  type Classification,
  type WebhookEvent,
  type TriageReport,
  type PhoneReport,
  type TemplateOption,
  type AudienceReport,
  type SendgateInputError,
} from "sendgate";

const request: SendRequest = {
  contact: { phone: "5512345678", phone_country_code: "MX", marketing_state: "SUBSCRIBED" },
  source: "campaign",
  message: {
    type: "template",
    template: { name: "promo", language: "es", category: "MARKETING", status: "APPROVED" },
  },
  credits: { balance: 10 },
};
const verdict: Verdict = checkSend(request);
const firstReason: string | undefined = verdict.blockers[0]?.reason;
const closes: string | null = verdict.window.closes_at;

const classification: Classification = classifyFailure({ error: { code: 131049 } });
const retryAfter: number | undefined = classification.retry.after_seconds;
const events: WebhookEvent[] = classifyWebhook("{}");
for (const e of events) {
  if (e.kind === "status") {
    const wamid: string = e.wamid;
    void wamid;
  }
}
// Events narrow by `kind`; an account error always carries its classification.
type AccountErrorEvent = Extract<WebhookEvent, { kind: "account_error" }>;
const accountError = events.find((e): e is AccountErrorEvent => e.kind === "account_error");
const accountReason: string | undefined = accountError?.classification.reason;
// @ts-expect-error: no event has this kind
const noSuchKind: Extract<WebhookEvent, { kind: "statuses" }>["wamid"] = "";
void [accountReason, noSuchKind];
const report: TriageReport = triage(["CUSTOMER_IS_NOT_OPTED_IN", 131026]);
const phone: PhoneReport = normalizePhone({ phone: "+971501234567" });
const options: TemplateOption[] = pickTemplates({ contact: request.contact, source: "inbox", templates: [] });
const audience: AudienceReport = checkAudience("Phone\n", { source: "campaign" });
const size: number = catalog().length;
const crate: string = version().crate;

// Batch answers: a verdict, or that item's own error.
for (const answer of checkSends([request, request])) {
  if ("error" in answer) {
    const where: string = answer.error.path;
    void where;
  } else {
    const eligible: boolean = answer.eligible;
    void eligible;
  }
}
const firstE164: string | null | undefined = normalizePhones([{ phone: "+971501234567" }]).map((a) => ("error" in a ? undefined : a.e164))[0];
for (const record of readCsv("a,b\n1,2\n")) {
  const fields: string[] | undefined = "fields" in record ? record.fields : undefined;
  void fields;
}
const stream = new AudienceStream({ source: "campaign", fixed_rows: true }, { index: 0, count: 1 });
stream.push(new Uint8Array([80, 104, 111, 110, 101, 10]));
stream.push("+971501234567\n");
const fixedRow: string[] | undefined = stream.takeFixable()[0]?.row;
const streamed: AudienceReport = stream.finish();
const header: string[] = streamed.header;
// @ts-expect-error: a part needs its count
new AudienceStream({ source: "campaign" }, { index: 0 });

try {
  checkSend(request);
} catch (e) {
  const err = e as SendgateInputError;
  const path: string = err.path;
  void path;
}

// The 2026 fields: a BSUID recipient, billing, routing, account readiness, Meta's request.
const account: AccountState = {
  health: [{ entity: "WABA", can_send_message: "LIMITED", errors: [{ error_code: 141006 }] }],
  restriction: { type: "RESTRICTED_BIZ_INITIATED_MESSAGING", until: null },
  messaging_limit: { tier: "TIER_2K", unique_recipients_24h: 120 },
  marketing_messages_api: "not_onboarded",
};
const bsuidSend: SendRequest = {
  ...request,
  contact: { phone: null, user_id: "US.13491208655302741918", marketing_state: "SUBSCRIBED", free_entry_point_until: null },
  credits: { balance: 10, cost_by_category: { marketing: 2, service: 0.5 } },
  account,
  signals: { messaged_in_last_24h: true },
  biz_opaque_callback_data: "send-1",
};
const v2026: Verdict = checkSend(bsuidSend);
const billed: BillingCategory = v2026.billing.category;
const free: "free_entry_point" | "service_window" | undefined = v2026.billing.free_because;
const endpoint: "messages" | "marketing_messages" | null = v2026.endpoint;
const recipientKind: "phone" | "user_id" | undefined = v2026.recipient?.kind;
const meta: MetaRequest | null = metaRequest(bsuidSend);
const recipientField: string | undefined = meta?.body.recipient ?? meta?.body.to;
const slotPart: "header" | "body" | undefined = options[0]?.slots[0]?.part;
// @ts-expect-error: the tier is one of Meta's
checkSend({ ...bsuidSend, account: { messaging_limit: { tier: "TIER_1K", unique_recipients_24h: 0 } } });
void [billed, free, endpoint, recipientKind, recipientField, slotPart];

// @ts-expect-error: marketing_state is an enumeration
checkSend({ ...request, contact: { ...request.contact, marketing_state: "YES" } });
// @ts-expect-error: source is an enumeration
pickTemplates({ contact: request.contact, source: "sms", templates: [] });

void [firstReason, closes, retryAfter, report, phone, options, audience, size, crate, firstE164, fixedRow, header];
