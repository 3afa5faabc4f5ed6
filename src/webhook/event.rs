//! The events `classifyWebhook` returns (SPEC `WebhookEvent`), serialized with a `kind` tag.
//! Their TypeScript declarations in `pkg/types.d.ts` are generated from these types (see
//! `src/typescript.rs`): the doc comments below are the package's documentation.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde::Serialize;

use crate::classify::Classification;
use crate::model::Timestamp;

/// One item of a Meta webhook body: every item of every field gives one event (`unknown_field`
/// for a field this version does not read; `invalid`, with its path, for an item it cannot
/// read, the rest of the body being read). Events of one `classifyWebhook` call that report the
/// same failure share one `classification` object: treat it as read-only.
///
/// Ids are strings, times RFC 3339, field names snake_case; an optional member is absent when
/// Meta did not send it, a `| null` member is always present.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WebhookEvent {
    Status(StatusEvent),
    InboundMessage(InboundMessage),
    MarketingPreference(MarketingPreference),
    TemplateStatus(TemplateStatus),
    AccountError(AccountError),
    // Boxed: rare and large, they would otherwise size every event of a 3 MB status body.
    AccountUpdate(Box<AccountUpdate>),
    PhoneNumberQuality(Box<PhoneNumberQuality>),
    TemplateQuality(Box<TemplateQuality>),
    TemplateCategory(Box<TemplateCategory>),
    TemplateComponents(Box<TemplateComponents>),
    UserIdChange(Box<UserIdChange>),
    MessageEcho(Box<MessageEcho>),
    Call(Box<CallEvent>),
    UnknownField(UnknownField),
    Invalid(Invalid),
}

/// Every `kind` an event can have, in declaration order.
pub const EVENT_KINDS: &[&str] = &[
    "status",
    "inbound_message",
    "marketing_preference",
    "template_status",
    "account_error",
    "account_update",
    "phone_number_quality",
    "template_quality",
    "template_category",
    "template_components",
    "user_id_change",
    "message_echo",
    "call",
    "unknown_field",
    "invalid",
];

/// `messages` → `statuses[]`: an outbound message's lifecycle step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "StatusEvent"))]
pub struct StatusEvent {
    pub wamid: String,
    /// `sent`, `delivered`, `read`, `failed` (or `played`, or a future value, kept as given).
    #[cfg_attr(
        test,
        ts(type = r#""sent" | "delivered" | "read" | "failed" | "played" | (string & {})"#)
    )]
    pub status: String,
    /// The recipient's wa_id (a group's id when `recipient_type` is `group`); null when Meta
    /// sent none, or sent a BSUID there (then in `recipient_user_id`).
    pub recipient_id: Option<String>,
    /// The recipient's BSUID: Meta's `recipient_user_id`, else the `user_id` of the contact whose
    /// wa_id is `recipient_id`. Failed statuses carry no contacts.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub recipient_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub recipient_parent_user_id: Option<String>,
    /// `group` for a group message; absent for one person.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub recipient_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub recipient_participant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub recipient_participant_user_id: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub phone_number_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub pricing_category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub biz_opaque_callback_data: Option<String>,
    /// Present when the status is `failed` (or carries `errors[]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub classification: Option<Classification>,
}

/// `messages` → `messages[]`: a message the customer sent; opens the 24-hour window at
/// `timestamp`. (System messages are `user_id_change`.)
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "InboundMessageEvent"))]
pub struct InboundMessage {
    pub id: String,
    /// Meta's `from` as given: null when empty (a username user); may even be a BSUID.
    pub from: Option<String>,
    /// The sender's wa_id: the contact's `wa_id`, else `from`; null when neither is a phone
    /// number (a BSUID goes to `user_id`).
    pub wa_id: Option<String>,
    /// The sender's BSUID: `from_user_id`, else the contact's `user_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub parent_user_id: Option<String>,
    /// The group the message was sent in (`from` is then the participant).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub group_id: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub phone_number_id: Option<String>,
    #[serde(rename = "type")]
    pub message_type: String,
    /// `text.body`, or the text of the tapped button.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub text: Option<String>,
    /// The whole text is a STOP-style opt-out keyword.
    pub opt_out: bool,
    /// The whole text is a START-style opt-in keyword.
    pub opt_in: bool,
    /// The user's reply to a call permission request (`interactive.call_permission_reply`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, inline))]
    pub call_permission: Option<CallPermission>,
    /// Present when Meta could not process the message (e.g. 131051 unsupported type).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub classification: Option<Classification>,
}

/// A user's reply to the business's call permission request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CallPermission {
    /// `accept` or `reject` (a future value is kept as given).
    #[cfg_attr(test, ts(type = r#""accept" | "reject" | (string & {})"#))]
    pub response: String,
    /// Until when the business may call; null when rejected or permanent.
    pub expires_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub permanent: Option<bool>,
    /// `user_action` or `automatic`.
    pub source: Option<String>,
}

/// `user_preferences[]`: the customer stopped or resumed marketing messages.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "MarketingPreferenceEvent"))]
pub struct MarketingPreference {
    pub wa_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub user_id: Option<String>,
    /// `stop`, `resume` or `signup` (a future value is kept as given).
    #[cfg_attr(test, ts(type = r#""stop" | "resume" | "signup" | (string & {})"#))]
    pub preference: String,
    pub category: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub phone_number_id: Option<String>,
}

/// `message_template_status_update`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "TemplateStatusEvent"))]
pub struct TemplateStatus {
    pub template_id: Option<String>,
    pub name: Option<String>,
    pub language: Option<String>,
    /// Meta's `event`: the new status, e.g. `APPROVED`, `PAUSED`, `DISABLED`, `REJECTED`,
    /// `FLAGGED`.
    pub status: String,
    /// Meta's `reason` (`NONE` is reported as null).
    pub reason: Option<String>,
    /// Meta's `message_template_category`, when sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub category: Option<String>,
    /// The value's `timestamp`, else the entry's `time`.
    pub timestamp: Option<Timestamp>,
    /// `disable_info.disable_date` of a `FLAGGED` template: the day it is disabled unless its
    /// quality improves (RFC 3339 full-date, `2021-01-31`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub disable_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub waba_id: Option<String>,
}

/// `value.errors[]`: a system-, app- or account-level error, with no wamid.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "AccountErrorEvent"))]
pub struct AccountError {
    pub phone_number_id: Option<String>,
    pub timestamp: Option<Timestamp>,
    /// What Meta reported; always present.
    // An `Option` only so [`WebhookEvent::take_classification`] can move it: the binding puts
    // it back, so JS always sees one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(as = "Classification"))]
    pub classification: Option<Classification>,
}

/// `account_update`, and the other account-level fields (`account_review_update`,
/// `phone_number_name_update`, `business_capability_update`, `account_alerts`): what Meta says
/// about the readiness of a WhatsApp Business Account or one of its numbers. Only the parts the
/// change carries are present.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "AccountUpdateEvent"))]
pub struct AccountUpdate {
    /// The webhook field it came from.
    #[cfg_attr(
        test,
        ts(
            type = r#""account_update" | "account_review_update" | "phone_number_name_update" | "business_capability_update" | "account_alerts""#
        )
    )]
    pub field: String,
    /// Meta's `event` of an `account_update`, as given: `ACCOUNT_RESTRICTION`,
    /// `ACCOUNT_VIOLATION`, `DISABLED_UPDATE`, `ACCOUNT_DELETED`, `ACCOUNT_OFFBOARDED`,
    /// `ACCOUNT_RECONNECTED`, `PARTNER_ADDED`, `PARTNER_REMOVED`, `PARTNER_APP_INSTALLED`,
    /// `PARTNER_APP_UNINSTALLED`, `MM_LITE_TERMS_SIGNED` (MM API for WhatsApp terms accepted),
    /// `VOLUME_BASED_PRICING_TIER_UPDATE`, `AUTH_INTL_PRICE_ELIGIBILITY_UPDATE`,
    /// `PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE`, `BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE`,
    /// `AD_ACCOUNT_LINKED`, `VERIFIED_ACCOUNT`, … Null for the other fields.
    pub event: Option<String>,
    /// `waba_info.waba_id`, else the entry's id (the partner's business id for partner events).
    pub waba_id: Option<String>,
    /// The entry's `time`.
    pub timestamp: Option<Timestamp>,
    /// The business number concerned (`phone_number`; a name update's `display_phone_number`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub phone_number: Option<String>,
    /// `restriction_info[]`, in the shape of `AccountState.restriction`.
    /// `RESTRICTED_BIZ_INITIATED_MESSAGING` stops templates outside the service window; `until`
    /// is null when Meta gave no readable time.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(as = "Option<Vec<Restriction>>", optional, inline))]
    pub restrictions: Vec<Restriction>,
    /// `ban_info`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, inline))]
    pub ban: Option<Ban>,
    /// `violation_info.violation_type`, e.g. `ADULT`, `SCAM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub violation_type: Option<String>,
    /// `waba_info` beyond its WABA id: the owning business and the partner's ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, inline))]
    pub waba_info: Option<WabaInfo>,
    /// `disconnection_info` of a `PARTNER_REMOVED`, e.g. `PRIMARY_INACTIVITY` by `SYSTEM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, inline))]
    pub disconnection: Option<Disconnection>,
    /// `volume_tier_info`: the volume pricing tier of a category in a region from a month.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, inline))]
    pub volume_tier: Option<VolumeTier>,
    /// `auth_international_rate_eligibility`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, inline))]
    pub auth_international: Option<AuthInternational>,
    /// `partner_client_certification_info` (partner-led business verification).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, inline))]
    pub business_verification: Option<BusinessVerification>,
    /// The primary business location (ISO 3166 alpha-2).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub country: Option<String>,
    /// `decision` of an account review or a display-name review: `APPROVED`, `REJECTED`,
    /// `PENDING`, `DEFERRED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub decision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub requested_verified_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub rejection_reason: Option<String>,
    /// `business_capability_update`: the portfolio's messaging limit as a tier (`TIER_250`,
    /// `TIER_2K`, `TIER_10K`, `TIER_100K`, `TIER_UNLIMITED`; Meta's numbers mapped, -1 =
    /// unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub messaging_limit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub max_phone_numbers_per_business: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub max_phone_numbers_per_waba: Option<i64>,
    /// `account_alerts`: the entity and `alert_info`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, inline))]
    pub alert: Option<Alert>,
}

/// One restriction of an `ACCOUNT_RESTRICTION`, in the shape of `AccountState.restriction`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Restriction {
    /// `RESTRICTED_BIZ_INITIATED_MESSAGING`, `RESTRICTED_CUSTOMER_INITIATED_MESSAGING`,
    /// `RESTRICTED_ADD_PHONE_NUMBER_ACTION`, … as given.
    #[serde(rename = "type")]
    pub restriction_type: String,
    /// Its `expiration`; null when Meta gave none that reads as a time.
    pub until: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Ban {
    /// `waba_ban_state`: `SCHEDULE_FOR_DISABLE`, `DISABLE`, `REINSTATE`, as given.
    pub state: Option<String>,
    /// `waba_ban_date` as an RFC 3339 full-date (`2021-01-31`; Meta writes "January 31, 2021");
    /// null if it does not read as one.
    pub date: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct WabaInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_business_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_app_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub solution_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(as = "Option<Vec<String>>"))]
    pub solution_partner_business_ids: Vec<String>,
    /// `ad_account_linked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ad_account_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Disconnection {
    /// e.g. `PRIMARY_INACTIVITY`.
    pub reason: Option<String>,
    /// e.g. `SYSTEM`.
    pub initiated_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct VolumeTier {
    /// `UTILITY` or `AUTHENTICATION`.
    pub pricing_category: Option<String>,
    /// Meta's range, e.g. `25000001:50000000`.
    pub tier: Option<String>,
    /// `YYYY-MM`.
    pub effective_month: Option<String>,
    pub region: Option<String>,
    pub updated_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AuthInternational {
    /// When authentication-international rates start for the account.
    pub starts_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(as = "Option<Vec<CountryStart>>", optional, inline))]
    pub exception_countries: Vec<CountryStart>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CountryStart {
    pub country_code: String,
    pub starts_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BusinessVerification {
    pub client_business_id: Option<String>,
    /// `APPROVED`, `REJECTED`, `DISCARDED`, …
    pub status: Option<String>,
    /// Meta's reasons; its `NONE` is left out.
    pub rejection_reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Alert {
    /// `BUSINESS`, `PHONE_NUMBER`, …
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// `CRITICAL`, `WARNING`, `INFORMATIONAL`.
    pub severity: Option<String>,
    /// `ACTIVE`, `NONE`.
    pub status: Option<String>,
    /// e.g. `INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED`, `OBA_APPROVED`.
    #[serde(rename = "type")]
    pub alert_type: Option<String>,
    pub description: Option<String>,
}

/// `phone_number_quality_update`: a number's messaging-limit tier or throughput changed, or its
/// quality was flagged. The webhook names the number by its display number only.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "PhoneNumberQualityEvent"))]
pub struct PhoneNumberQuality {
    pub display_phone_number: Option<String>,
    /// Meta's `event`: `UPGRADE`, `DOWNGRADE`, `FLAGGED`, `UNFLAGGED`, `THROUGHPUT_UPGRADE`,
    /// `ONBOARDING`, … as given.
    pub event: String,
    /// The portfolio's messaging limit after the change, as a tier (`TIER_250` …
    /// `TIER_UNLIMITED`, numbers mapped, other values as given):
    /// `whatsapp_business_manager_messaging_limit`, else `max_daily_conversations_per_business`,
    /// else the deprecated `current_limit`.
    pub messaging_limit: Option<String>,
    /// `old_limit`, the same way.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub previous_messaging_limit: Option<String>,
    /// `throughput.level` (`STANDARD`, `HIGH`) when given; `HIGH` for a `THROUGHPUT_UPGRADE`,
    /// which Meta documents as the number reaching higher throughput.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub throughput_level: Option<String>,
    pub waba_id: Option<String>,
    pub timestamp: Option<Timestamp>,
}

/// `message_template_quality_update`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "TemplateQualityEvent"))]
pub struct TemplateQuality {
    pub template_id: Option<String>,
    pub name: Option<String>,
    pub language: Option<String>,
    /// `new_quality_score`: `GREEN`, `YELLOW`, `RED`, `UNKNOWN` (a future value as given).
    #[cfg_attr(test, ts(type = "TemplateQuality | (string & {})"))]
    pub quality: String,
    /// `previous_quality_score`.
    pub previous_quality: Option<String>,
    pub waba_id: Option<String>,
    pub timestamp: Option<Timestamp>,
}

/// `template_category_update`. A completed change sets the template's latest category (it
/// overrides the request's); an impending one is `pending_category`, as in `Template`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "TemplateCategoryEvent"))]
pub struct TemplateCategory {
    pub template_id: Option<String>,
    pub name: Option<String>,
    pub language: Option<String>,
    /// `impending` (Meta sent `correct_category`) or `completed`.
    #[cfg_attr(test, ts(type = r#""impending" | "completed""#))]
    pub change: &'static str,
    /// The category in force now: Meta's `new_category` (in an impending notice, the current
    /// one).
    pub category: Option<String>,
    /// `previous_category` of a completed change.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub previous_category: Option<String>,
    /// An impending change: `correct_category` from `category_update_timestamp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, inline))]
    pub pending_category: Option<PendingCategory>,
    pub waba_id: Option<String>,
    pub timestamp: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct PendingCategory {
    pub category: String,
    pub at: Option<Timestamp>,
}

/// `message_template_components_update`: the template's text changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "TemplateComponentsEvent"))]
pub struct TemplateComponents {
    pub template_id: Option<String>,
    pub name: Option<String>,
    pub language: Option<String>,
    /// `message_template_title` (the header text).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub header: Option<String>,
    /// `message_template_element` (the body, with its `{{n}}` placeholders).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub body: Option<String>,
    /// `message_template_footer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub footer: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(as = "Option<Vec<TemplateButton>>", optional, inline))]
    pub buttons: Vec<TemplateButton>,
    pub waba_id: Option<String>,
    pub timestamp: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TemplateButton {
    /// `URL`, `PHONE_NUMBER`, `QUICK_REPLY`, …
    #[serde(rename = "type")]
    pub button_type: Option<String>,
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub phone_number: Option<String>,
}

/// A system message (`messages[]` of type `system`): the user's phone number, BSUID or security
/// identity changed. Not a message from the user: it opens no window. The edge moves the
/// recipient's state from the previous ids to the new ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "UserIdChangeEvent"))]
pub struct UserIdChange {
    /// The message id.
    pub id: String,
    /// Meta's `system.type`: `user_changed_number` (new phone number, and a new BSUID),
    /// `user_changed_user_id` (new BSUID only), `customer_identity_changed` (same ids, new
    /// security identity), or a future value as given.
    #[cfg_attr(
        test,
        ts(
            type = r#""user_changed_number" | "user_changed_user_id" | "customer_identity_changed" | (string & {})"#
        )
    )]
    pub change: String,
    /// The user's wa_id now (`system.wa_id` after a number change, else `from`).
    pub wa_id: Option<String>,
    /// The wa_id before a number change (`system.customer`, else `from`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub previous_wa_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub previous_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub parent_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub previous_parent_user_id: Option<String>,
    /// `system.body`, e.g. "User A changed from 972987654321 to 972912345678".
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub body: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub phone_number_id: Option<String>,
}

/// `smb_message_echoes`: a message the business sent from the WhatsApp Business app on a number
/// shared with the Cloud API (coexistence). Business-sent: it opens no window.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "MessageEchoEvent"))]
pub struct MessageEcho {
    pub id: String,
    /// The business's number.
    pub from: Option<String>,
    /// The user's wa_id; null when absent or a BSUID (then in `to_user_id`).
    pub to: Option<String>,
    /// The user's BSUID: `to_user_id`, else the contact's `user_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub to_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub to_parent_user_id: Option<String>,
    #[serde(rename = "type")]
    pub message_type: String,
    /// The text sent (an edit's new text).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub text: Option<String>,
    /// The message an `edit` or `revoke` changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub original_message_id: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub phone_number_id: Option<String>,
}

/// `calls`: a call's connect or terminate (`calls[]`), or a business-initiated call's status
/// (`statuses[]`). A user-initiated call comes from the user.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "CallEvent"))]
pub struct CallEvent {
    /// The call id (`wacid.…`).
    pub call_id: String,
    /// Meta's `event` (`connect`, `terminate`), or `status` for a `statuses[]` item.
    #[cfg_attr(
        test,
        ts(type = r#""connect" | "terminate" | "status" | (string & {})"#)
    )]
    pub event: String,
    /// `USER_INITIATED` or `BUSINESS_INITIATED` (a future value as given).
    #[cfg_attr(
        test,
        ts(type = r#""USER_INITIATED" | "BUSINESS_INITIATED" | (string & {}) | null"#)
    )]
    pub direction: Option<String>,
    /// A terminate's `COMPLETED` / `FAILED`, or a status's `RINGING` / `ACCEPTED` / `REJECTED`.
    pub status: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The WhatsApp user on the call (the contact's wa_id, else the caller of a user-initiated
    /// call or the callee of the others; a status's `recipient_id`).
    pub wa_id: Option<String>,
    /// The user's BSUID (`from_user_id`/`to_user_id`/`recipient_user_id`, else the contact's).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub parent_user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub started_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub ended_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub duration_seconds: Option<u64>,
    pub timestamp: Option<Timestamp>,
    pub phone_number_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub biz_opaque_callback_data: Option<String>,
}

/// A field this version does not read (e.g. `security`, `flows`, `history`): named so the edge
/// can log it, never dropped silently.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "UnknownFieldEvent"))]
pub struct UnknownField {
    /// Meta's field name (clipped to 128 characters).
    pub field: String,
    pub waba_id: Option<String>,
    pub timestamp: Option<Timestamp>,
}

/// A part of the body that could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "InvalidEvent"))]
pub struct Invalid {
    /// Where in the body, e.g. `entry[0].changes[1].value.statuses[0].status`; empty for the
    /// whole body.
    pub path: String,
    pub error: String,
}

impl WebhookEvent {
    /// The failure this event reports, if any.
    pub fn classification(&self) -> Option<&Classification> {
        match self {
            WebhookEvent::Status(s) => s.classification.as_ref(),
            WebhookEvent::InboundMessage(m) => m.classification.as_ref(),
            WebhookEvent::AccountError(a) => a.classification.as_ref(),
            _ => None,
        }
    }

    /// Moves the classification out of the event: the Wasm binding sends each distinct
    /// classification of a body once instead of once per event.
    pub fn take_classification(&mut self) -> Option<Classification> {
        match self {
            WebhookEvent::Status(s) => s.classification.take(),
            WebhookEvent::InboundMessage(m) => m.classification.take(),
            WebhookEvent::AccountError(a) => a.classification.take(),
            _ => None,
        }
    }
}

/// The classifications of a body's events, each distinct one once: a 3 MB body holds
/// thousands of failures but few distinct causes, so a binding can send each cause once and let
/// the events share it.
#[derive(Debug, Default)]
pub struct SharedClassifications {
    pub distinct: Vec<Classification>,
    /// (event index, index into `distinct`), in event order.
    pub links: Vec<(u32, u32)>,
}

/// Moves every event's classification into a [`SharedClassifications`].
pub fn share_classifications(events: &mut [WebhookEvent]) -> SharedClassifications {
    // Same cause: the same catalog entry (its reason, code and text) and the same details
    // from Meta. Entries are static, so their text is compared by address.
    fn same(a: &Classification, b: &Classification) -> bool {
        a.entry.reason == b.entry.reason
            && a.entry.meta_code == b.entry.meta_code
            && std::ptr::eq(a.entry.title, b.entry.title)
            && a.details == b.details
            && a.raw == b.raw
    }
    let mut shared = SharedClassifications::default();
    // Failures come in runs of one cause: the previous one is tried first, the others by hash
    // (a body can have thousands of distinct details, e.g. one failed media URL each).
    let mut last: Option<u32> = None;
    let mut by_hash: HashMap<u64, Vec<u32>> = HashMap::new();
    for (i, event) in events.iter_mut().enumerate() {
        let Some(c) = event.take_classification() else {
            continue;
        };
        let k = match last.filter(|&k| same(&shared.distinct[k as usize], &c)) {
            Some(k) => k,
            None => {
                let mut h = DefaultHasher::new();
                c.hash(&mut h);
                let bucket = by_hash.entry(h.finish()).or_default();
                match bucket
                    .iter()
                    .copied()
                    .find(|&k| same(&shared.distinct[k as usize], &c))
                {
                    Some(k) => k,
                    None => {
                        shared.distinct.push(c);
                        let k = (shared.distinct.len() - 1) as u32;
                        bucket.push(k);
                        k
                    }
                }
            }
        };
        last = Some(k);
        shared.links.push((i as u32, k));
    }
    shared
}
