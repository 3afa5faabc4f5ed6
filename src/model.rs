//! Domain types of the public API (SPEC "The JS API of pkg/"). Field names are snake_case on the
//! wire because they mirror the platform's and Meta's data.

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::catalog::{Category, Reason};

/// An instant, written and read as RFC 3339 (`2026-11-28T10:00:00Z`, any offset accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplateCategory {
    Marketing,
    Utility,
    Authentication,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Quality {
    Green,
    Yellow,
    Red,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentPolicy {
    /// Every campaign and automation template send needs `SUBSCRIBED`.
    #[default]
    Strict,
    /// Only `MARKETING` templates need `SUBSCRIBED`; other categories need anything but `REDACTED`.
    ByCategory,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_country_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_calling_code: Option<String>,
    pub marketing_state: MarketingState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_inbound_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Template {
    pub name: String,
    pub language: String,
    pub category: TemplateCategory,
    /// Free text: every Galantis and Meta status is understood, unknown ones count as not approved.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "MessageInput")]
pub enum Message {
    Template {
        template: Template,
        #[serde(default)]
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
#[serde(remote = "Self")]
pub struct Credits {
    pub balance: f64,
    #[serde(default)]
    pub cost: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Policy {
    #[serde(default)]
    pub consent: Option<ConsentPolicy>,
}

/// Meta-side facts the worker keeps from webhooks and past sends.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct SendRequest {
    pub contact: Contact,
    pub source: Source,
    pub message: Message,
    #[serde(default)]
    pub credits: Option<Credits>,
    #[serde(default)]
    pub now: Option<Timestamp>,
    #[serde(default)]
    pub policy: Option<Policy>,
    #[serde(default)]
    pub signals: Option<Signals>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

crate::wire::objects_only!(serialize: Contact, Template, Credits, Policy, Signals, SendRequest, PickRequest);
crate::wire::objects_only!(MessageInput);

/// One predicted problem (blocker or warning) about this contact and this send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub reason: Reason,
    pub title: &'static str,
    pub category: Category,
    /// About this contact, in plain words.
    pub message: String,
    /// What to do, and where.
    pub resolution: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested: Option<String>,
    /// The Meta error code this failure produces when it is sent anyway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_code: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    pub open: bool,
    pub closes_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub eligible: bool,
    /// The E.164 number that would be sent (`+` and digits), when the phone is usable.
    pub to: Option<String>,
    pub blockers: Vec<Finding>,
    pub warnings: Vec<Finding>,
    pub window: Window,
    pub cost: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateOption {
    pub template: Template,
    pub pickable: bool,
    pub findings: Vec<Finding>,
    pub parameter_count: usize,
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
