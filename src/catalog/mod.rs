//! The reason catalog: one entry per reason and one per Meta error code, as data (`data.rs`).
//!
//! The gate (`check_send`) and the classifier (`classify_failure`) both read their titles,
//! categories and guidance from here, so a predicted blocker and the real failure read the same.

mod data;

use std::sync::OnceLock;

use serde::Serialize;

/// Defines [`Reason`] from one list: the variant and its stable name, written once. The enum,
/// its names (`as_str`, `from_name`, serde) and [`Reason::ALL`] (which the TypeScript union
/// and the catalog's completeness test read) all come from it.
macro_rules! reasons {
    ($($(#[$group:meta])* $variant:ident = $name:literal,)+) => {
        /// Stable reason identifiers (SPEC "Reasons"). Add new ones at the end of a group;
        /// never rename.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Reason {
            $($(#[$group])* $variant,)+
        }

        impl Reason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)+];

            /// The stable name, e.g. `CUSTOMER_IS_NOT_OPTED_IN`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Reason::$variant => $name,)+
                }
            }

            /// Parse a reason identifier (exact, upper-case).
            pub fn from_name(name: &str) -> Option<Reason> {
                // A scan, not a `match` on the names: as small in Wasm as the list itself.
                Reason::ALL.iter().copied().find(|r| r.as_str() == name)
            }
        }
    };
}

reasons! {
    // The seed page's reasons and the SPEC's.
    CustomerIsNotOptedIn = "CUSTOMER_IS_NOT_OPTED_IN",
    CustomerIsMissingCallingCode = "CUSTOMER_IS_MISSING_CALLING_CODE",
    InsufficientCredits = "INSUFFICIENT_CREDITS",
    OutsideConversationWindow = "OUTSIDE_CONVERSATION_WINDOW",
    TemplateNotApproved = "TEMPLATE_NOT_APPROVED",
    TransientError = "TRANSIENT_ERROR",
    RecipientNotOnWhatsapp = "RECIPIENT_NOT_ON_WHATSAPP",
    RateLimitExceeded = "RATE_LIMIT_EXCEEDED",
    CustomerIsMissingPhone = "CUSTOMER_IS_MISSING_PHONE",
    CustomerPhoneInvalid = "CUSTOMER_PHONE_INVALID",
    SessionMessageNotAllowed = "SESSION_MESSAGE_NOT_ALLOWED",
    TemplateParameterMismatch = "TEMPLATE_PARAMETER_MISMATCH",
    TemplateNotFound = "TEMPLATE_NOT_FOUND",
    MarketingLimitReached = "MARKETING_LIMIT_REACHED",
    RecipientStoppedMarketing = "RECIPIENT_STOPPED_MARKETING",
    Unknown = "UNKNOWN",
    // Warnings of the gate.
    CustomerPhoneUnverified = "CUSTOMER_PHONE_UNVERIFIED",
    CallingCodeConflict = "CALLING_CODE_CONFLICT",
    TemplateQualityLow = "TEMPLATE_QUALITY_LOW",
    // Meta-side reasons shared by families of error codes (meta-cloud-api.md §1.2–1.5).
    AccessTokenInvalid = "ACCESS_TOKEN_INVALID",
    PermissionDenied = "PERMISSION_DENIED",
    AccountRestricted = "ACCOUNT_RESTRICTED",
    MetaBillingIssue = "META_BILLING_ISSUE",
    SenderNumberNotReady = "SENDER_NUMBER_NOT_READY",
    QualityRestricted = "QUALITY_RESTRICTED",
    InvalidRequest = "INVALID_REQUEST",
    TemplateContentInvalid = "TEMPLATE_CONTENT_INVALID",
    TemplateNotUsable = "TEMPLATE_NOT_USABLE",
    MediaError = "MEDIA_ERROR",
    RecipientBlocked = "RECIPIENT_BLOCKED",
    RecipientInvalid = "RECIPIENT_INVALID",
    RecipientNotInAllowedList = "RECIPIENT_NOT_IN_ALLOWED_LIST",
    CountryRestricted = "COUNTRY_RESTRICTED",
    MetaExperiment = "META_EXPERIMENT",
    FlowError = "FLOW_ERROR",
    GroupError = "GROUP_ERROR",
    SendFailed = "SEND_FAILED",
    // The 2026 platform (SPEC "The 2026 platform").
    AuthenticationNeedsPhone = "AUTHENTICATION_NEEDS_PHONE",
    MessagingLimitReached = "MESSAGING_LIMIT_REACHED",
    TemplateCategoryChanging = "TEMPLATE_CATEGORY_CHANGING",
    MarketingApiNotOnboarded = "MARKETING_API_NOT_ONBOARDED",
    // phone (issue 17)
    /// A spreadsheet rewrote the number (`9.19747E+11`): its digits are lost. Blocker.
    CustomerPhoneMangled = "CUSTOMER_PHONE_MANGLED",
    /// Text around the number, an extension or stray letters were left out. Warning.
    CustomerPhoneTextIgnored = "CUSTOMER_PHONE_TEXT_IGNORED",
    /// The number is written with letters (`1800 SIX FLAGS`), read as keypad digits. Warning.
    CustomerPhoneVanityLetters = "CUSTOMER_PHONE_VANITY_LETTERS",
}

/// The TypeScript union of every reason name, open-ended: reasons are added over time (never
/// renamed), so any string is accepted without losing the known names.
#[cfg(test)]
impl ts_rs::TS for Reason {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn name(_: &ts_rs::Config) -> String {
        "Reason".to_string()
    }

    fn inline(_: &ts_rs::Config) -> String {
        let mut union: Vec<String> = Reason::ALL
            .iter()
            .map(|r| format!("\"{}\"", r.as_str()))
            .collect();
        union.push("(string & {})".to_string());
        union.join(" | ")
    }

    fn decl(cfg: &ts_rs::Config) -> String {
        format!("type Reason = {};", Self::inline(cfg))
    }

    fn decl_concrete(cfg: &ts_rs::Config) -> String {
        Self::decl(cfg)
    }

    fn docs() -> Option<String> {
        Some("/** A stable reason identifier (SPEC \"Reasons\"). */\n".to_string())
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // As a unit variant, like a derived enum: JSON writes the name, and the Wasm binding
        // reuses one JS string per name instead of decoding it on every finding.
        s.serialize_unit_variant("Reason", *self as u32, self.as_str())
    }
}

/// Families of reasons, for grouping and colour in the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
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
#[cfg_attr(test, derive(ts_rs::TS))]
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
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
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
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Message,
    Recipient,
    Template,
    PhoneNumber,
    Account,
}

/// The recipient fact a failure establishes, which the edge keeps and passes back to the gate
/// as SPEC `signals` (named after the `Signals` field it sets, without `_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// `signals.undeliverable_at` (131026).
    Undeliverable,
    /// `signals.marketing_limited_at` (131049, per-user marketing limit).
    MarketingLimited,
    /// `signals.marketing_opted_out_at` (131050, `user_preferences` stop).
    MarketingOptedOut,
}

/// One catalog entry. Serializes as SPEC's `Classification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields, rename = "CatalogEntry"))]
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
    /// The recipient signal this failure sets at the edge, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<Signal>,
}

/// The entry of a Meta code for one of its meanings: Meta reuses some codes for several
/// failures (100 for a wrong phone-number ID and for a non-template message on the Marketing
/// Messages API, 2388103 for nine migration problems) and tells them apart only by
/// `error_data.details` or `error_subcode`. A variant keeps its code's reason (so a code always
/// classifies to one reason) and gives the guidance of that meaning.
#[derive(Debug, PartialEq, Eq)]
pub struct Variant {
    /// Meta's `error_subcode`; when set it alone selects the variant.
    pub subcode: Option<u64>,
    /// Lower-case fragments of `error_data.details`; any one selects the variant.
    pub details: &'static [&'static str],
    pub entry: Entry,
}

/// The entry of a Meta error: the variant its subcode or details select, else the code's own.
pub fn for_meta_error(
    code: u32,
    subcode: Option<u64>,
    details: Option<&str>,
) -> Option<&'static Entry> {
    let base = for_meta_code(code)?;
    let details = details.map(str::to_lowercase);
    let variant = data::VARIANTS.iter().find(|v| {
        v.entry.meta_code == Some(code)
            && (v.subcode.is_some_and(|s| Some(s) == subcode)
                || details
                    .as_deref()
                    .is_some_and(|d| v.details.iter().any(|fragment| d.contains(fragment))))
    });
    Some(variant.map_or(base, |v| &v.entry))
}

/// Every variant (see [`Variant`]).
pub fn variants() -> &'static [Variant] {
    data::VARIANTS
}

/// What the catalog says about a template status that is not `APPROVED`: what it means for the
/// send, and what to do. A status Meta reports with an error code (PAUSED 132015, DISABLED
/// 132016) points at that code's entry instead of carrying its own resolution.
#[derive(Debug, PartialEq, Eq)]
pub struct StatusGuidance {
    pub statuses: &'static [&'static str],
    pub meta_code: Option<u32>,
    /// Completes "The template `x` …".
    pub explains: &'static str,
    pub resolution: &'static [&'static str],
}

/// The guidance for a normalised template status, if the catalog knows it.
pub fn status_guidance(status: &str) -> Option<&'static StatusGuidance> {
    data::TEMPLATE_STATUSES
        .iter()
        .find(|g| g.statuses.contains(&status))
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
    let index = by_meta_code();
    index
        .binary_search_by_key(&code, |&(c, _)| c)
        .ok()
        .map(|i| index[i].1)
}

/// The code entries sorted by code, built once (fixed size): triage and webhooks look a code up
/// per record, where a scan of the whole catalog would dominate the classification.
fn by_meta_code() -> &'static [(u32, &'static Entry)] {
    static INDEX: OnceLock<Vec<(u32, &'static Entry)>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: Vec<_> = data::ENTRIES
            .iter()
            .filter_map(|e| Some((e.meta_code?, e)))
            .collect();
        index.sort_unstable_by_key(|&(c, _)| c);
        index
    })
}

/// Every reason with its stable name.
pub fn reasons() -> impl Iterator<Item = (Reason, &'static str)> {
    Reason::ALL.iter().map(|&r| (r, r.as_str()))
}

/// Extra spellings users paste for a reason (already normalised, see `classify`).
pub fn aliases() -> &'static [(&'static str, Reason)] {
    data::ALIASES
}

impl Entry {
    /// True when the failure blocks every send on the number or account until someone fixes
    /// it, so a run should stop instead of failing recipient by recipient. The rule: the scope
    /// is the phone number or the account, and the category is one no retry can cure by
    /// itself (auth, account, billing, policy, or the workspace's own credits). Rate limits
    /// and transient errors have the same scopes but clear on their own, so they do not count.
    pub fn stops_all_sends(&self) -> bool {
        matches!(self.scope, Scope::PhoneNumber | Scope::Account)
            && matches!(
                self.category,
                Category::Auth
                    | Category::Account
                    | Category::Billing
                    | Category::Policy
                    | Category::Credits
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_entry_is_found_by_its_code_and_no_other_code_is() {
        let codes: Vec<u32> = entries().iter().filter_map(|e| e.meta_code).collect();
        assert!(codes.len() > 100);
        for e in entries().iter().filter(|e| e.meta_code.is_some()) {
            let found = for_meta_code(e.meta_code.unwrap()).expect("found");
            assert_eq!((found.meta_code, found.title), (e.meta_code, e.title));
        }
        let absent = (0..=200_000)
            .chain([u32::MAX])
            .filter(|c| !codes.contains(c));
        assert!(absent.clone().count() > 199_000);
        for code in absent {
            assert!(for_meta_code(code).is_none(), "{code}");
        }
    }

    #[test]
    fn every_reason_has_a_base_entry_with_guidance() {
        for (reason, name) in reasons() {
            let e = for_reason(reason);
            assert_eq!(e.reason, reason, "{name} has no base entry");
            assert!(!e.meaning.is_empty() && !e.resolution.is_empty(), "{name}");
            assert_eq!(Reason::from_name(name), Some(reason));
            let json = serde_json::to_value(reason).unwrap();
            assert_eq!(json, serde_json::Value::String(name.to_string()));
            // SCREAMING_SNAKE_CASE of the variant, as the macro's two columns must agree.
            let variant = format!("{reason:?}");
            let snake: String = variant
                .chars()
                .enumerate()
                .flat_map(|(i, c)| {
                    let sep = (i > 0 && c.is_ascii_uppercase()).then_some('_');
                    sep.into_iter()
                        .chain(std::iter::once(c.to_ascii_uppercase()))
                })
                .collect();
            assert_eq!(snake, name, "{variant}");
        }
    }

    #[test]
    fn meta_codes_are_unique_and_reasons_named() {
        let mut seen = std::collections::HashSet::new();
        for e in entries() {
            if let Some(code) = e.meta_code {
                assert!(seen.insert(code), "duplicate entry for {code}");
            }
        }
        let names: std::collections::HashSet<_> = reasons().map(|(_, n)| n).collect();
        assert_eq!(names.len(), Reason::ALL.len(), "duplicate reason name");
    }

    #[test]
    fn stop_rule_follows_scope_and_category() {
        assert!(for_meta_code(190).unwrap().stops_all_sends());
        assert!(for_meta_code(131042).unwrap().stops_all_sends());
        assert!(!for_meta_code(130429).unwrap().stops_all_sends());
        assert!(!for_meta_code(131026).unwrap().stops_all_sends());
    }

    #[test]
    fn recipient_signals_are_catalog_data_for_every_entry_of_their_reason() {
        let expected = [
            (Reason::RecipientNotOnWhatsapp, Signal::Undeliverable),
            (Reason::MarketingLimitReached, Signal::MarketingLimited),
            (Reason::RecipientStoppedMarketing, Signal::MarketingOptedOut),
        ];
        for e in entries() {
            let want = expected
                .iter()
                .find(|(r, _)| *r == e.reason)
                .map(|(_, s)| *s);
            assert_eq!(e.signal, want, "{:?} {:?}", e.reason, e.meta_code);
        }
        let json = serde_json::to_value(for_meta_code(131050).unwrap()).unwrap();
        assert_eq!(json["signal"], "marketing_opted_out");
        let json = serde_json::to_value(for_meta_code(131000).unwrap()).unwrap();
        assert!(json.get("signal").is_none());
    }

    #[test]
    fn a_variant_keeps_its_codes_reason_and_differs_in_guidance() {
        for v in variants() {
            let code = v.entry.meta_code.expect("a variant names its code");
            let base = for_meta_code(code).expect("a variant's code has an entry");
            assert_eq!(v.entry.reason, base.reason, "{code}: {}", v.entry.title);
            assert_ne!(
                v.entry.resolution, base.resolution,
                "{code}: {}",
                v.entry.title
            );
            assert!(v.subcode.is_some() || !v.details.is_empty(), "{code}");
            for d in v.details {
                assert_eq!(*d, d.to_lowercase(), "details fragments are lower case");
                // Each fragment selects this variant.
                let text = format!("Meta says: {}.", d.to_uppercase());
                assert_eq!(
                    for_meta_error(code, None, Some(&text)),
                    Some(&v.entry),
                    "{d}"
                );
            }
        }
        assert_eq!(
            for_meta_error(100, None, Some("something else")),
            for_meta_code(100)
        );
        assert_eq!(
            for_meta_error(100, Some(33), None).unwrap().scope,
            Scope::PhoneNumber
        );
        assert_eq!(for_meta_error(999_999, None, None), None);
    }

    #[test]
    fn not_opted_in_is_a_compliance_enforcement() {
        assert!(for_reason(Reason::CustomerIsNotOptedIn).compliance);
        assert!(!for_reason(Reason::TransientError).compliance);
    }
}
