//! The reason catalog: one entry per reason and one per Meta error code, as data (`data.rs`).
//!
//! The gate (`check_send`) and the classifier (`classify_failure`) both read their titles,
//! categories and guidance from here, so a predicted blocker and the real failure read the same.

mod data;

use serde::Serialize;

/// Stable reason identifiers (SPEC "Reasons"). Add new ones at the end of a group; never rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    // The seed page's reasons and the SPEC's.
    CustomerIsNotOptedIn,
    CustomerIsMissingCallingCode,
    InsufficientCredits,
    OutsideConversationWindow,
    TemplateNotApproved,
    TransientError,
    RecipientNotOnWhatsapp,
    RateLimitExceeded,
    CustomerIsMissingPhone,
    CustomerPhoneInvalid,
    SessionMessageNotAllowed,
    TemplateParameterMismatch,
    TemplateNotFound,
    MarketingLimitReached,
    RecipientStoppedMarketing,
    Unknown,
    // Warnings of the gate.
    CustomerPhoneUnverified,
    CallingCodeConflict,
    TemplateQualityLow,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        data::REASON_NAMES
            .iter()
            .find(|(r, _)| *r == self)
            .map(|(_, name)| *name)
            .unwrap_or("UNKNOWN")
    }

    /// Parse a reason identifier (exact, upper-case).
    pub fn from_name(name: &str) -> Option<Reason> {
        data::REASON_NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(r, _)| *r)
    }
}

/// Families of reasons, for grouping and colour in the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Consent,
    Phone,
    Credits,
    Window,
    Template,
    Transient,
    Recipient,
    RateLimit,
    Auth,
    Account,
    Billing,
    Request,
    Media,
    Policy,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryKind {
    /// Transient: retry with exponential backoff.
    Backoff,
    /// Retry only after `after_seconds` (or after the stated state change).
    After,
    /// A retry of the same send fails again.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Retry {
    pub kind: RetryKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_seconds: Option<u64>,
}

impl Retry {
    pub const BACKOFF: Retry = Retry {
        kind: RetryKind::Backoff,
        after_seconds: None,
    };
    pub const NEVER: Retry = Retry {
        kind: RetryKind::Never,
        after_seconds: None,
    };
    pub const fn after(seconds: u64) -> Retry {
        Retry {
            kind: RetryKind::After,
            after_seconds: Some(seconds),
        }
    }
}

/// What a failure concerns: one message, one recipient, one template, the sending number, or
/// the whole account (then every send fails until fixed: stop the run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Message,
    Recipient,
    Template,
    PhoneNumber,
    Account,
}

/// One catalog entry. Serializes as SPEC's `Classification`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub reason: Reason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_code: Option<u32>,
    pub title: &'static str,
    pub category: Category,
    pub meaning: &'static str,
    pub causes: &'static [&'static str],
    pub resolution: &'static [&'static str],
    pub prevention: &'static [&'static str],
    pub retry: Retry,
    pub scope: Scope,
    pub compliance: bool,
}

/// Every entry: one per reason (no `meta_code`), then one per Meta code.
pub fn entries() -> &'static [Entry] {
    data::ENTRIES
}

/// The base entry of a reason. Every reason has one (tested).
pub fn for_reason(reason: Reason) -> &'static Entry {
    data::ENTRIES
        .iter()
        .find(|e| e.reason == reason && e.meta_code.is_none())
        .unwrap_or(&data::ENTRIES[0])
}

/// The entry of a documented Meta error code.
pub fn for_meta_code(code: u32) -> Option<&'static Entry> {
    data::ENTRIES.iter().find(|e| e.meta_code == Some(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_a_base_entry_with_guidance() {
        for (reason, name) in data::REASON_NAMES {
            let e = for_reason(*reason);
            assert_eq!(e.reason, *reason, "{name} has no base entry");
            assert!(!e.meaning.is_empty() && !e.resolution.is_empty(), "{name}");
            assert_eq!(reason.as_str(), *name);
            assert_eq!(Reason::from_name(name), Some(*reason));
            let json = serde_json::to_value(reason).unwrap();
            assert_eq!(json, serde_json::Value::String(name.to_string()));
        }
    }

    #[test]
    fn not_opted_in_is_a_compliance_enforcement() {
        assert!(for_reason(Reason::CustomerIsNotOptedIn).compliance);
        assert!(!for_reason(Reason::TransientError).compliance);
    }
}
