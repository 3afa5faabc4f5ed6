//! Domain types of the public API (SPEC "The JS API of pkg/"). Field names are snake_case on the
//! wire because they mirror the platform's and Meta's data.

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::finding::Finding;

/// An instant, written and read as RFC 3339 (`2026-11-28T10:00:00Z`, any offset accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "Rfc3339", type = "string"))]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    pub fn parse(text: &str) -> Result<Self, String> {
        DateTime::parse_from_rfc3339(text.trim())
            .map(|t| Timestamp(t.with_timezone(&Utc)))
            .map_err(|e| {
                format!(
                    "`{}` is not an RFC 3339 date-time such as 2026-11-28T10:00:00Z ({e})",
                    clip(text, 64)
                )
            })
    }

    pub fn from_unix(seconds: i64) -> Option<Self> {
        DateTime::from_timestamp(seconds, 0).map(Timestamp)
    }

    pub fn to_rfc3339(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Written by hand for four-digit years (every real one): a webhook body serialises
        // thousands, and chrono's formatter allocates and interprets a pattern for each.
        let t = self.0.naive_utc();
        let year = t.year();
        // Other years, and leap seconds (written `:60`), through chrono.
        if !(0..=9999).contains(&year) || t.nanosecond() >= 1_000_000_000 {
            return s.serialize_str(&self.to_rfc3339());
        }
        let mut buf = *b"0000-00-00T00:00:00Z";
        let mut put = |at: usize, value: u32, digits: usize| {
            let mut v = value;
            for i in (at..at + digits).rev() {
                buf[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, year as u32, 4);
        put(5, t.month(), 2);
        put(8, t.day(), 2);
        put(11, t.hour(), 2);
        put(14, t.minute(), 2);
        put(17, t.second(), 2);
        // ASCII digits and separators only.
        s.serialize_str(std::str::from_utf8(&buf).unwrap_or_default())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An instant from RFC 3339 text that tests know to be valid.
#[cfg(test)]
pub(crate) fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

/// Shorten untrusted text before quoting it back in a message.
pub fn clip(text: &str, max_chars: usize) -> String {
    // No more bytes than allowed characters: nothing to count (the usual case, ids and codes).
    if text.len() <= max_chars || text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max_chars).collect();
        s.push('…');
        s
    }
}

/// The platform's consent states (`CustomerMarketingStateEnum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MarketingState {
    Subscribed,
    Pending,
    NotSubscribed,
    Unsubscribed,
    Unknown,
    Invalid,
    Redacted,
}

impl MarketingState {
    pub const ALL: [MarketingState; 7] = [
        MarketingState::Subscribed,
        MarketingState::Pending,
        MarketingState::NotSubscribed,
        MarketingState::Unsubscribed,
        MarketingState::Unknown,
        MarketingState::Invalid,
        MarketingState::Redacted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MarketingState::Subscribed => "SUBSCRIBED",
            MarketingState::Pending => "PENDING",
            MarketingState::NotSubscribed => "NOT_SUBSCRIBED",
            MarketingState::Unsubscribed => "UNSUBSCRIBED",
            MarketingState::Unknown => "UNKNOWN",
            MarketingState::Invalid => "INVALID",
            MarketingState::Redacted => "REDACTED",
        }
    }

    /// Parse the platform's spelling, tolerant of case and surrounding space (CSV exports).
    pub fn parse_loose(text: &str) -> Option<Self> {
        let t = text.trim();
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(t))
    }
}

/// Where a send comes from; decides whether session messages are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Campaign,
    Automation,
    Inbox,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Campaign => "campaign",
            Source::Automation => "automation",
            Source::Inbox => "inbox",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplateCategory {
    Marketing,
    Utility,
    Authentication,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "TemplateQuality"))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Quality {
    Green,
    Yellow,
    Red,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConsentPolicy {
    /// Every campaign and automation template send needs `SUBSCRIBED`.
    #[default]
    Strict,
    /// Only `MARKETING` templates need `SUBSCRIBED`; other categories need anything but `REDACTED`.
    ByCategory,
}

/// Meta's business-scoped user ID (BSUID) of a WhatsApp user: `CC.` (the user's ISO 3166
/// country) and up to 128 ASCII letters and digits, e.g. `US.13491208655302741918`; a parent
/// BSUID (shared by a business's portfolios) has `CC.ENT.`. Validated when read, so a bad one
/// is an input error at its field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    /// Longest id part after the country (and `ENT.`), per Meta's BSUID page.
    pub const MAX_ID_CHARS: usize = 128;

    pub fn parse(text: &str) -> Result<UserId, String> {
        let bytes = text.as_bytes();
        let country_ok =
            bytes.len() > 3 && bytes[..2].iter().all(u8::is_ascii_uppercase) && bytes[2] == b'.';
        let id = if country_ok {
            let rest = &text[3..];
            rest.strip_prefix("ENT.").unwrap_or(rest)
        } else {
            ""
        };
        if !id.is_empty()
            && id.len() <= Self::MAX_ID_CHARS
            && id.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            Ok(UserId(text.to_string()))
        } else {
            Err(format!(
                "`{}` is not a business-scoped user ID: expected a country code, a dot and 1 to {} ASCII letters or digits (e.g. US.13491208655302741918; a parent BSUID is CC.ENT.…)",
                clip(text, 64),
                Self::MAX_ID_CHARS
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ISO 3166 country the BSUID names (its first two letters).
    pub fn country(&self) -> &str {
        &self.0[..2]
    }
}

impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        UserId::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
#[serde(remote = "Self")]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub id: Option<String>,
    #[serde(default)]
    #[cfg_attr(test, ts(optional = false))]
    pub phone: Option<String>,
    /// ISO 3166-1 alpha-2 country of the phone, e.g. `MX` (only used to suggest a calling code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_country_code: Option<String>,
    /// Digits of the calling code, `+` optional, e.g. `52`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_calling_code: Option<String>,
    pub marketing_state: MarketingState,
    /// The customer's last message: the 24-hour customer-service window runs from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_inbound_at: Option<Timestamp>,
    /// Meta's business-scoped user ID: the recipient when there is no usable phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// End of the 72-hour free-entry-point window (after a click-to-WhatsApp ad or a Page
    /// button): every message until then is free.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_entry_point_until: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
#[serde(remote = "Self")]
pub struct Template {
    pub name: String,
    /// Meta's locale code, e.g. `en_US`.
    pub language: String,
    /// The latest category: the edge overrides the request's with the one of Meta's completed
    /// `template_category_update`.
    pub category: TemplateCategory,
    /// Any Galantis or Meta status; only `APPROVED` is sendable, unknown strings are not approved.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    /// Body text with its `{{n}}` placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Header text with its `{{n}}` placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// Meta's template id (matches a `MESSAGE_TEMPLATE` entity of `account.health`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A category change Meta has announced but not made yet (an impending
    /// `template_category_update`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub pending_category: Option<PendingCategory>,
}

/// Meta's announcement that a template moves to another category at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(remote = "Self")]
pub struct PendingCategory {
    pub category: TemplateCategory,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case", try_from = "MessageInput")]
pub enum Message {
    Template {
        template: Template,
        /// One value per slot of the template, header first (see `TemplateOption.slots`).
        #[serde(default)]
        #[cfg_attr(test, ts(optional))]
        parameters: Option<Vec<String>>,
    },
    Text {
        text: String,
    },
}

/// The wire form of [`Message`], read as a plain struct: serde's tagged enums buffer their
/// content and lose the path of a bad field inside it (`message.template.category` would be
/// reported as `message`).
#[derive(Deserialize)]
#[serde(remote = "Self")]
struct MessageInput {
    #[serde(rename = "type")]
    kind: MessageKind,
    #[serde(default)]
    template: Option<Template>,
    #[serde(default)]
    parameters: Option<Vec<String>>,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum MessageKind {
    Template,
    Text,
}

impl TryFrom<MessageInput> for Message {
    type Error = &'static str;

    fn try_from(input: MessageInput) -> Result<Self, Self::Error> {
        match input.kind {
            MessageKind::Template => Ok(Message::Template {
                template: input.template.ok_or("missing field `template`")?,
                parameters: input.parameters,
            }),
            MessageKind::Text => Ok(Message::Text {
                text: input.text.ok_or("missing field `text`")?,
            }),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
#[serde(remote = "Self")]
pub struct Credits {
    pub balance: f64,
    /// Credits a billable send costs when `cost_by_category` does not name its category;
    /// default 1. A free send costs 0.
    #[serde(default)]
    pub cost: Option<f64>,
    /// Credits a billable send costs, per billing category.
    #[serde(default)]
    pub cost_by_category: Option<CostByCategory>,
}

/// Credits per billing category (any may be left out).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
#[serde(remote = "Self")]
pub struct CostByCategory {
    #[serde(default)]
    pub marketing: Option<f64>,
    #[serde(default)]
    pub utility: Option<f64>,
    #[serde(default)]
    pub authentication: Option<f64>,
    #[serde(default)]
    pub service: Option<f64>,
}

impl CostByCategory {
    pub fn get(&self, category: BillingCategory) -> Option<f64> {
        match category {
            BillingCategory::Marketing => self.marketing,
            BillingCategory::Utility => self.utility,
            BillingCategory::Authentication => self.authentication,
            BillingCategory::Service => self.service,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
#[serde(remote = "Self")]
pub struct Policy {
    #[serde(default)]
    pub consent: Option<ConsentPolicy>,
}

/// Meta-side facts the worker keeps from webhooks and past sends.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
#[serde(remote = "Self")]
pub struct Signals {
    /// `user_preferences` stop (Meta 131050 on marketing sends).
    #[serde(default)]
    pub marketing_opted_out_at: Option<Timestamp>,
    /// Last 131026 (not on WhatsApp / cannot receive).
    #[serde(default)]
    pub undeliverable_at: Option<Timestamp>,
    /// Last 131049 (per-user marketing limit).
    #[serde(default)]
    pub marketing_limited_at: Option<Timestamp>,
    /// The portfolio already counted this recipient in its 24-hour messaging limit.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub messaged_in_last_24h: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
#[serde(remote = "Self")]
pub struct SendRequest {
    pub contact: Contact,
    pub source: Source,
    pub message: Message,
    /// Without it, credits are not checked.
    #[serde(default)]
    pub credits: Option<Credits>,
    /// Default: the current time. Every dated rule applies as of this instant.
    #[serde(default)]
    pub now: Option<Timestamp>,
    #[serde(default)]
    pub policy: Option<Policy>,
    #[serde(default)]
    pub signals: Option<Signals>,
    /// What the edge knows of the sending account (health, restrictions, limits).
    // Boxed: most requests have none, and the request is moved whole on every check.
    #[serde(default)]
    pub account: Option<Box<AccountState>>,
    /// Passed through to Meta (echoed in its status webhooks); at most 512 characters.
    #[serde(default)]
    pub biz_opaque_callback_data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
#[serde(remote = "Self")]
pub struct PickRequest {
    pub contact: Contact,
    pub source: Source,
    pub templates: Vec<Template>,
    #[serde(default)]
    pub credits: Option<Credits>,
    #[serde(default)]
    pub now: Option<Timestamp>,
    #[serde(default)]
    pub policy: Option<Policy>,
    #[serde(default)]
    pub signals: Option<Signals>,
    #[serde(default)]
    pub account: Option<Box<AccountState>>,
}

/// What the edge knows of the sending account, kept from Meta's `account_update`,
/// `phone_number_quality_update` and template quality webhooks and the `health_status` field.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
#[serde(remote = "Self")]
pub struct AccountState {
    /// Meta's `health_status.entities`: one node per entity (PHONE_NUMBER, WABA, BUSINESS, APP,
    /// MESSAGE_TEMPLATE…).
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub health: Option<Vec<HealthEntity>>,
    /// An active restriction of an `account_update` ACCOUNT_RESTRICTION.
    #[serde(default)]
    pub restriction: Option<Restriction>,
    /// All of them, when Meta sent several (`restriction_info[]`); read with `restriction`.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub restrictions: Option<Vec<Restriction>>,
    /// The WhatsApp Business Account is banned (an `account_update` DISABLED_UPDATE).
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub banned: Option<bool>,
    /// Meta has a payment method on file for the account.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub payment_method: Option<bool>,
    /// The portfolio's messaging limit and how many recipients it used in the last 24 hours.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub messaging_limit: Option<MessagingLimit>,
    /// The sending phone number's quality rating.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub phone_quality: Option<Quality>,
    /// Whether the account is onboarded to the Marketing Messages API (default: onboarded).
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub marketing_messages_api: Option<MarketingMessagesApi>,
}

/// One entity of Meta's `health_status` (Meta's `entity_type` is read as `entity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
#[serde(remote = "Self")]
pub struct HealthEntity {
    #[serde(alias = "entity_type")]
    pub entity: String,
    /// The entity's id (for a MESSAGE_TEMPLATE, the template's id).
    #[serde(default)]
    pub id: Option<String>,
    pub can_send_message: CanSendMessage,
    #[serde(default)]
    pub errors: Option<Vec<HealthError>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CanSendMessage {
    Available,
    Limited,
    Blocked,
}

/// Why Meta limits or blocks an entity, and Meta's suggested fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
#[serde(remote = "Self")]
pub struct HealthError {
    pub error_code: u64,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub possible_solution: Option<String>,
}

/// A restriction Meta put on the account (`restriction_info[].restriction_type`, e.g.
/// `RESTRICTED_BIZ_INITIATED_MESSAGING`), active until `until` (none: until lifted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
#[serde(remote = "Self")]
pub struct Restriction {
    #[serde(rename = "type", alias = "restriction_type")]
    pub kind: String,
    #[serde(default)]
    pub until: Option<Timestamp>,
}

/// The portfolio's messaging limit tier and the unique recipients of business-initiated
/// messages it reached in the rolling 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(remote = "Self")]
pub struct MessagingLimit {
    pub tier: MessagingTier,
    pub unique_recipients_24h: u64,
}

/// Meta's messaging limit tiers (per business portfolio since 2025-10-07).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum MessagingTier {
    #[serde(rename = "TIER_250")]
    Tier250,
    #[serde(rename = "TIER_2K")]
    Tier2K,
    #[serde(rename = "TIER_10K")]
    Tier10K,
    #[serde(rename = "TIER_100K")]
    Tier100K,
    #[serde(rename = "TIER_UNLIMITED")]
    TierUnlimited,
}

impl AccountState {
    /// `restriction` and `restrictions` together, each restriction once (the edge may send the
    /// newest both as `restriction` and inside `restrictions`).
    pub fn restrictions(&self) -> impl Iterator<Item = &Restriction> {
        let first = self.restriction.as_ref();
        first.into_iter().chain(
            self.restrictions
                .iter()
                .flatten()
                .filter(move |r| Some(*r) != first),
        )
    }
}

impl MessagingTier {
    /// Unique recipients per rolling 24 hours; `None` for unlimited.
    pub fn limit(self) -> Option<u64> {
        match self {
            MessagingTier::Tier250 => Some(250),
            MessagingTier::Tier2K => Some(2_000),
            MessagingTier::Tier10K => Some(10_000),
            MessagingTier::Tier100K => Some(100_000),
            MessagingTier::TierUnlimited => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MessagingTier::Tier250 => "TIER_250",
            MessagingTier::Tier2K => "TIER_2K",
            MessagingTier::Tier10K => "TIER_10K",
            MessagingTier::Tier100K => "TIER_100K",
            MessagingTier::TierUnlimited => "TIER_UNLIMITED",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MarketingMessagesApi {
    Onboarded,
    NotOnboarded,
}

crate::wire::objects_only!(serialize: Contact, Template, PendingCategory, Credits, CostByCategory, Policy, Signals, SendRequest, PickRequest);
crate::wire::objects_only!(serialize: AccountState, HealthEntity, HealthError, Restriction, MessagingLimit);
crate::wire::objects_only!(MessageInput);

/// The 24-hour customer-service window as of the request's `now`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Window {
    pub open: bool,
    pub closes_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RecipientKind {
    Phone,
    UserId,
}

/// What the send goes to: the E.164 number, or the business-scoped user ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Recipient {
    pub kind: RecipientKind,
    pub id: String,
}

/// Meta's pricing category of a send: the template's category, or `service` for free-form text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BillingCategory {
    Marketing,
    Utility,
    Authentication,
    Service,
}

impl BillingCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingCategory::Marketing => "marketing",
            BillingCategory::Utility => "utility",
            BillingCategory::Authentication => "authentication",
            BillingCategory::Service => "service",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum FreeBecause {
    /// The contact's 72-hour free-entry-point window is open.
    FreeEntryPoint,
    /// Before 2026-10-01: a service message, or a utility template, inside the 24-hour window.
    ServiceWindow,
}

/// How Meta bills the send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct Billing {
    pub category: BillingCategory,
    pub billable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_because: Option<FreeBecause>,
}

/// The Graph API edge of the sending phone number a send is posted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /{phone_number_id}/messages` (Cloud API).
    Messages,
    /// `POST /{phone_number_id}/marketing_messages` (Marketing Messages API).
    MarketingMessages,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Verdict {
    pub eligible: bool,
    /// The E.164 number that would be sent to (`+` and digits), when the phone is usable.
    pub to: Option<String>,
    /// Every blocker, most fundamental first.
    pub blockers: Vec<Finding>,
    pub warnings: Vec<Finding>,
    pub window: Window,
    /// Credits the send costs (0 when Meta does not bill it).
    pub cost: f64,
    /// What the send goes to; null when there is neither a usable phone nor a user ID.
    pub recipient: Option<Recipient>,
    pub billing: Billing,
    /// Where the send is posted; null when it is blocked.
    pub endpoint: Option<Endpoint>,
}

/// The component of a template a parameter belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Header,
    Body,
}

/// One parameter of a template: where it goes and the placeholder it fills (`"1"` for
/// `{{1}}`, `"first_name"` for `{{first_name}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Slot {
    pub part: Part,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TemplateOption {
    pub template: Template,
    pub pickable: bool,
    pub findings: Vec<Finding>,
    /// Number of distinct placeholders in header and body.
    pub parameter_count: usize,
    /// The parameters a send supplies, in order: header first, then body.
    pub slots: Vec<Slot>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written serialisation is chrono's RFC 3339 text, for every kind of instant.
    #[test]
    fn timestamps_serialise_exactly_as_chrono_writes_them() {
        let mut instants: Vec<Timestamp> =
            ["2016-12-31T23:59:60Z", "2026-11-28T05:58:12.999+05:30"]
                .iter()
                .map(|t| Timestamp::parse(t).unwrap())
                .collect();
        let (min, max) = (
            DateTime::<Utc>::MIN_UTC.timestamp(),
            DateTime::<Utc>::MAX_UTC.timestamp(),
        );
        // Odd strides, so every field takes many values: across chrono's whole range, and
        // densely over 1970–2100.
        for (from, to, stride) in [(min, max, 82_700_011), (0, 4_102_444_800, 20_011)] {
            let mut seconds: i64 = from;
            while seconds <= to {
                instants.extend(Timestamp::from_unix(seconds));
                seconds += stride;
            }
        }
        for s in [
            min,
            max,
            -62_167_219_201,
            -62_167_219_200,
            0,
            253_402_300_799,
            253_402_300_800,
        ] {
            instants.extend(Timestamp::from_unix(s));
        }
        assert!(instants.len() > 300_000);
        for t in instants {
            let ours = serde_json::to_string(&t).unwrap();
            assert_eq!(ours, format!("\"{}\"", t.to_rfc3339()), "{:?}", t.0);
        }
    }

    #[test]
    fn clip_counts_characters_not_bytes() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "abc…");
        assert_eq!(clip("ééé", 3), "ééé");
        assert_eq!(clip("éééé", 3), "ééé…");
    }
}
