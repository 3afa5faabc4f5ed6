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
  catalog,
  version,
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
const report: TriageReport = triage(["CUSTOMER_IS_NOT_OPTED_IN", 131026]);
const phone: PhoneReport = normalizePhone({ phone: "+971501234567" });
const options: TemplateOption[] = pickTemplates({ contact: request.contact, source: "inbox", templates: [] });
const audience: AudienceReport = checkAudience("Phone\n", { source: "campaign" });
const size: number = catalog().length;
const crate: string = version().crate;

try {
  checkSend(request);
} catch (e) {
  const err = e as SendgateInputError;
  const path: string = err.path;
  void path;
}

// @ts-expect-error: marketing_state is an enumeration
checkSend({ ...request, contact: { ...request.contact, marketing_state: "YES" } });
// @ts-expect-error: source is an enumeration
pickTemplates({ contact: request.contact, source: "sms", templates: [] });

void [firstReason, closes, retryAfter, report, phone, options, audience, size, crate];
