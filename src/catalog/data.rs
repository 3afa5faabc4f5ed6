//! The catalog's content. Minimal seed entries; the classification work extends this table.

use super::{Category as C, Entry, Reason as R, Retry, Scope as S};

pub const REASON_NAMES: &[(R, &str)] = &[
    (R::CustomerIsNotOptedIn, "CUSTOMER_IS_NOT_OPTED_IN"),
    (R::CustomerIsMissingCallingCode, "CUSTOMER_IS_MISSING_CALLING_CODE"),
    (R::InsufficientCredits, "INSUFFICIENT_CREDITS"),
    (R::OutsideConversationWindow, "OUTSIDE_CONVERSATION_WINDOW"),
    (R::TemplateNotApproved, "TEMPLATE_NOT_APPROVED"),
    (R::TransientError, "TRANSIENT_ERROR"),
    (R::RecipientNotOnWhatsapp, "RECIPIENT_NOT_ON_WHATSAPP"),
    (R::RateLimitExceeded, "RATE_LIMIT_EXCEEDED"),
    (R::CustomerIsMissingPhone, "CUSTOMER_IS_MISSING_PHONE"),
    (R::CustomerPhoneInvalid, "CUSTOMER_PHONE_INVALID"),
    (R::SessionMessageNotAllowed, "SESSION_MESSAGE_NOT_ALLOWED"),
    (R::TemplateParameterMismatch, "TEMPLATE_PARAMETER_MISMATCH"),
    (R::TemplateNotFound, "TEMPLATE_NOT_FOUND"),
    (R::MarketingLimitReached, "MARKETING_LIMIT_REACHED"),
    (R::RecipientStoppedMarketing, "RECIPIENT_STOPPED_MARKETING"),
    (R::Unknown, "UNKNOWN"),
    (R::CustomerPhoneUnverified, "CUSTOMER_PHONE_UNVERIFIED"),
    (R::CallingCodeConflict, "CALLING_CODE_CONFLICT"),
    (R::TemplateQualityLow, "TEMPLATE_QUALITY_LOW"),
];

const fn base(reason: R, title: &'static str, category: C, meaning: &'static str, resolution: &'static [&'static str], retry: Retry, scope: S, compliance: bool) -> Entry {
    Entry { reason, meta_code: None, title, category, meaning, causes: &[], resolution, prevention: &[], retry, scope, compliance }
}

pub const ENTRIES: &[Entry] = &[
    base(R::Unknown, "Unrecognised failure", C::Unknown, "The failure could not be matched to a known reason.", &["Look up the raw error in the send log."], Retry::NEVER, S::Message, false),
    base(R::CustomerIsNotOptedIn, "Customer is not opted in", C::Consent, "The customer's marketing_state is not SUBSCRIBED.", &["Only target SUBSCRIBED customers."], Retry::NEVER, S::Recipient, true),
    base(R::CustomerIsMissingCallingCode, "Phone is missing its calling code", C::Phone, "The phone has no country calling code.", &["Correct the phone in Shopify Admin."], Retry::NEVER, S::Recipient, false),
    base(R::InsufficientCredits, "Not enough credits", C::Credits, "The workspace ran out of message credits.", &["Top up in Billing."], Retry::NEVER, S::Account, false),
    base(R::OutsideConversationWindow, "Outside 24-hour window — no template used", C::Window, "The 24-hour window is closed.", &["Use an approved template."], Retry::NEVER, S::Recipient, false),
    base(R::TemplateNotApproved, "Template not approved", C::Template, "The template is not APPROVED.", &["Check the template status."], Retry::NEVER, S::Template, false),
    base(R::TransientError, "Transient network or API error", C::Transient, "A temporary error.", &["Retry with backoff."], Retry::BACKOFF, S::Message, false),
    base(R::RecipientNotOnWhatsapp, "Recipient phone number not on WhatsApp", C::Recipient, "The number is not on WhatsApp.", &["Reach the customer another way."], Retry::NEVER, S::Recipient, false),
    base(R::RateLimitExceeded, "Rate limit exceeded", C::RateLimit, "Throughput limit reached.", &["Slow down."], Retry::BACKOFF, S::PhoneNumber, false),
    base(R::CustomerIsMissingPhone, "Customer has no phone number", C::Phone, "No phone number.", &["Add a phone in Shopify Admin."], Retry::NEVER, S::Recipient, false),
    base(R::CustomerPhoneInvalid, "Phone number is not possible", C::Phone, "The number has the wrong length.", &["Correct the phone in Shopify Admin."], Retry::NEVER, S::Recipient, false),
    base(R::SessionMessageNotAllowed, "Free-form message not allowed from this source", C::Window, "Only the inbox sends free-form messages.", &["Use a template."], Retry::NEVER, S::Message, false),
    base(R::TemplateParameterMismatch, "Template parameter count mismatch", C::Template, "Wrong number of parameters.", &["Supply one value per placeholder."], Retry::NEVER, S::Message, false),
    base(R::TemplateNotFound, "Template does not exist", C::Template, "No such template in this language.", &["Check name and language."], Retry::NEVER, S::Template, false),
    base(R::MarketingLimitReached, "Meta's per-user marketing limit", C::Recipient, "Meta chose not to deliver.", &["Wait at least 24 hours."], Retry::after(86_400), S::Recipient, false),
    base(R::RecipientStoppedMarketing, "Recipient stopped marketing messages", C::Consent, "The user stopped marketing from this business.", &["Do not send marketing."], Retry::NEVER, S::Recipient, true),
    base(R::CustomerPhoneUnverified, "Phone number not recognised as valid", C::Phone, "Possible but not valid.", &["Check the phone."], Retry::NEVER, S::Recipient, false),
    base(R::CallingCodeConflict, "Calling code disagrees with the phone", C::Phone, "phone_calling_code differs.", &["Fix phone_calling_code."], Retry::NEVER, S::Recipient, false),
    base(R::TemplateQualityLow, "Template quality is low", C::Template, "Quality YELLOW or RED.", &["Improve the template."], Retry::NEVER, S::Template, false),
];
