//! `classifyFailure`: turns anything a merchant may paste or a program may pass about a failed
//! send into the catalog's structured answer.
//!
//! Accepted forms: the platform's reason strings as shown in its UI, a Meta error code (number,
//! numeric string, `(#131049) …`), a Graph error response `{ "error": {…} }`, a bare Meta error
//! object, a status webhook entry with `errors[]`, an already-classified object or
//! `WebhookEvent`, an HTTP status alone (`503`, `"HTTP 503"`, `{ "http_status": 503 }`), and JSON
//! text of any of these. A Meta code always wins over HTTP status and titles (Meta returns rate
//! limits as 400 and some permanent errors as 500); where Meta reuses a code for several
//! failures, its `error_subcode` or `error_data.details` pick the meaning (the catalog's
//! variants), and titles only count when there is no code (the 2026 table has none). Nothing
//! here panics; unrecognised input is `UNKNOWN` with the raw input kept.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalog::{self, Entry, Reason};
use crate::model::clip;

/// How much of unrecognised input is echoed back in `raw`.
pub const MAX_RAW_CHARS: usize = 500;
/// How much of Meta's `details` is kept (Meta's own texts are far shorter).
pub const MAX_DETAILS_CHARS: usize = 1000;
/// JSON text inside JSON text inside…: stop unwrapping after a few levels.
const MAX_NESTING: u8 = 4;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct Classification {
    #[serde(flatten)]
    pub entry: Entry,
    /// Meta's `error_data.details` (or message), when the input carried one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// The input as given (clipped), when it could not be recognised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

/// Hashes what tells classifications apart (reason, code, details, raw), not the catalog's
/// guidance text, which is the same for every classification of an entry.
impl std::hash::Hash for Classification {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.entry.reason.hash(state);
        self.entry.meta_code.hash(state);
        self.details.hash(state);
        self.raw.hash(state);
    }
}

impl Classification {
    pub fn from_entry(entry: &Entry) -> Self {
        Classification {
            entry: entry.clone(),
            details: None,
            raw: None,
        }
    }

    pub fn reason(&self) -> Reason {
        self.entry.reason
    }

    pub fn meta_code(&self) -> Option<u32> {
        self.entry.meta_code
    }

    fn with_details(mut self, details: Option<&str>) -> Self {
        if let Some(d) = details.map(str::trim).filter(|d| !d.is_empty()) {
            self.details = Some(clip(d, MAX_DETAILS_CHARS));
        }
        self
    }

    fn unknown(raw: &str) -> Self {
        let mut c = Classification::from_entry(catalog::for_reason(Reason::Unknown));
        c.raw = Some(clip(raw, MAX_RAW_CHARS));
        c
    }
}

/// Classify a string: a reason, a code, an HTTP status, or JSON text of any accepted form.
pub fn classify_text(text: &str) -> Classification {
    text_at(text, 0)
}

/// Classify any JSON value.
pub fn classify_value(value: &Value) -> Classification {
    value_at(value, 0)
}

/// The classification of a Meta error code: its catalog entry, or for an undocumented code a
/// family chosen from its number range (the code is kept).
pub fn classify_code(code: u64) -> Classification {
    match u32::try_from(code) {
        Ok(code) => match catalog::for_meta_code(code) {
            Some(entry) => Classification::from_entry(entry),
            None => {
                let mut entry = catalog::for_reason(family_of(code)).clone();
                entry.meta_code = Some(code);
                Classification {
                    entry,
                    details: None,
                    raw: None,
                }
            }
        },
        Err(_) => Classification::unknown(&code.to_string()),
    }
}

/// The reason family of an undocumented Meta code, from the ranges Meta allocates.
pub fn family_of(code: u32) -> Reason {
    match code {
        200..=299 => Reason::PermissionDenied,
        // Not a Meta range: a provider echoing an HTTP 5xx as the code. Read it as the bare
        // number is read, so a code and its classification round-trip.
        500..=599 => Reason::TransientError,
        132_000..=132_999 => Reason::TemplateContentInvalid,
        133_000..=133_999 => Reason::SenderNumberNotReady,
        130_000..=139_999 => Reason::SendFailed,
        2_388_000..=2_388_999 => Reason::TemplateContentInvalid,
        _ => Reason::Unknown,
    }
}

/// The classification of a network-level failure known only by its HTTP status. Used only
/// when no Meta code is available.
pub fn classify_http(status: u64) -> Classification {
    let reason = match status {
        408 | 500..=599 => Some(Reason::TransientError),
        429 => Some(Reason::RateLimitExceeded),
        401 => Some(Reason::AccessTokenInvalid),
        403 => Some(Reason::PermissionDenied),
        _ => None,
    };
    let details = format!("HTTP {status}");
    match reason {
        Some(r) => Classification::from_entry(catalog::for_reason(r)).with_details(Some(&details)),
        None => Classification::unknown(&details),
    }
}

/// A bare number: a documented Meta code first; otherwise an HTTP 5xx is a network-level
/// failure (callers pass `res.status` alone); otherwise a code family.
fn classify_number(n: u64) -> Classification {
    let documented = u32::try_from(n)
        .ok()
        .and_then(catalog::for_meta_code)
        .is_some();
    if !documented && (500..=599).contains(&n) {
        classify_http(n)
    } else {
        classify_code(n)
    }
}

fn text_at(text: &str, depth: u8) -> Classification {
    let t = text.trim();
    if t.is_empty() {
        return Classification::unknown(text);
    }
    // JSON text reads exactly like the value it holds (same depth); only a string inside it,
    // read as text again, goes one level deeper.
    if depth < MAX_NESTING && (t.starts_with('{') || t.starts_with('[') || t.starts_with('"')) {
        if let Ok(v) = serde_json::from_str::<Value>(t) {
            return value_at(&v, depth);
        }
    }
    if let Some(n) = leading_code(t) {
        return classify_number(n);
    }
    if let Some(status) = http_status_text(t) {
        return classify_http(status);
    }
    if let Some(c) = by_name(t) {
        return c;
    }
    if let Some(n) = embedded_code(t) {
        return classify_code(n).with_details(Some(t));
    }
    // "REASON: explanation" as some exports write it.
    if let Some((head, _)) = t.split_once(':') {
        if let Some(c) = by_name(head) {
            return c.with_details(Some(t));
        }
    }
    let lower = t.to_lowercase();
    if lower.contains("temporary_failure") || lower.contains("temporary failure") {
        return Classification::from_entry(catalog::for_reason(Reason::TransientError))
            .with_details(Some(t));
    }
    Classification::unknown(text)
}

fn value_at(value: &Value, depth: u8) -> Classification {
    match value {
        Value::Number(n) => match n.as_u64() {
            Some(n) => classify_number(n),
            None => Classification::unknown(&n.to_string()),
        },
        Value::String(s) => text_at(s, depth + 1),
        Value::Object(map) => object_at(map, value, depth),
        Value::Array(items) if depth < MAX_NESTING => match items.first() {
            // A list of errors (as in `errors[]`): the first one is the failure.
            Some(first) => value_at(first, depth + 1),
            None => Classification::unknown("[]"),
        },
        other => Classification::unknown(&other.to_string()),
    }
}

fn object_at(map: &Map<String, Value>, whole: &Value, depth: u8) -> Classification {
    let deeper = depth < MAX_NESTING;
    // An already-classified object or a WebhookEvent carrying one.
    if deeper {
        if let Some(c @ Value::Object(_)) = map.get("classification") {
            return value_at(c, depth + 1);
        }
    }
    if let Some(name) = map.get("reason").and_then(Value::as_str) {
        if let Some(c) = classified(name, map) {
            return c;
        }
    }
    if deeper {
        // Graph error response, and the wrappers some providers put around it.
        for key in ["error", "whatsappApiError", "whatsapp_api_error"] {
            match map.get(key) {
                Some(Value::Object(e)) => return meta_error(e, depth + 1),
                Some(Value::String(s)) if !s.trim().is_empty() => return text_at(s, depth + 1),
                _ => {}
            }
        }
        // Status webhook entry (or a webhook `value`) with `errors[]`.
        if let Some(Value::Array(errors)) = map.get("errors") {
            if let Some(Value::Object(e)) = errors.first() {
                return meta_error(e, depth + 1);
            }
        }
    }
    if ["code", "meta_code", "error_code"]
        .iter()
        .any(|k| map.get(*k).and_then(code_of).is_some())
    {
        return meta_error(map, depth);
    }
    if let Some(name) = map.get("reason").and_then(Value::as_str) {
        let c = text_at(name, depth + 1);
        if c.reason() != Reason::Unknown {
            return c;
        }
    }
    for key in ["http_status", "status_code", "statusCode", "http", "status"] {
        if let Some(n) = map.get(key).and_then(code_of) {
            return classify_http(n);
        }
    }
    for key in [
        "message",
        "title",
        "error_message",
        "error_user_msg",
        "detail",
        "description",
    ] {
        if let Some(s) = map.get(key).and_then(Value::as_str) {
            let c = text_at(s, depth + 1);
            if c.reason() != Reason::Unknown {
                return c;
            }
        }
    }
    Classification::unknown(&whole.to_string())
}

/// An object that already names a catalog reason (a `Classification`, a `Finding`, a triage
/// group). Its `meta_code`, when it has one, must agree with the reason: a code is the more
/// specific fact, so a documented code wins; an undocumented code that would classify
/// elsewhere is dropped rather than kept under a reason it does not belong to.
fn classified(name: &str, map: &Map<String, Value>) -> Option<Classification> {
    let reason = Reason::from_name(name.trim())?;
    let by_code = map
        .get("meta_code")
        .and_then(code_of)
        .map(classify_code)
        .filter(|c| c.meta_code().is_some());
    let mut c = match by_code {
        Some(c)
            if c.reason() == reason || c.meta_code().and_then(catalog::for_meta_code).is_some() =>
        {
            c
        }
        _ => Classification::from_entry(catalog::for_reason(reason)),
    };
    if let Some(d) = map.get("details").and_then(Value::as_str) {
        c = c.with_details(Some(d));
    }
    Some(c)
}

/// A Meta error object: `code`, `title`, `message`, `error_data.details`, `href`.
fn meta_error(e: &Map<String, Value>, depth: u8) -> Classification {
    let details = e
        .get("error_data")
        .and_then(|d| d.get("details"))
        .and_then(Value::as_str)
        .or_else(|| e.get("error_user_msg").and_then(Value::as_str))
        .or_else(|| e.get("message").and_then(Value::as_str))
        .or_else(|| e.get("details").and_then(Value::as_str))
        .or_else(|| e.get("title").and_then(Value::as_str));
    let code = ["code", "meta_code", "error_code"]
        .iter()
        .find_map(|k| e.get(*k).and_then(code_of));
    match code {
        Some(code) => {
            // Meta shares some codes between failures and tells them apart by subcode or
            // details, not by title (the 2026 table has none).
            let subcode = e.get("error_subcode").and_then(code_of);
            let entry = u32::try_from(code)
                .ok()
                .and_then(|c| catalog::for_meta_error(c, subcode, details));
            match entry {
                Some(entry) => Classification::from_entry(entry),
                None => classify_code(code),
            }
            .with_details(details)
        }
        None => {
            // No code: fall back to the words (titles are being deprecated, so only now).
            for key in ["title", "message", "error_user_title"] {
                if let Some(s) = e.get(key).and_then(Value::as_str) {
                    let c = text_at(s, depth + 1);
                    if c.reason() != Reason::Unknown {
                        return c.with_details(details);
                    }
                }
            }
            Classification::unknown(&Value::Object(e.clone()).to_string()).with_details(details)
        }
    }
}

/// A non-negative integer given as a JSON number or a numeric string.
fn code_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().ok()
            } else {
                None
            }
        }
        _ => None,
    }
}

/// `131049`, `#131049`, `(#131049) Rate limit hit`, `code 131049`, `Meta 131049`.
fn leading_code(t: &str) -> Option<u64> {
    let lower = t.to_ascii_lowercase();
    let mut rest = lower.as_str();
    for prefix in [
        "meta error code",
        "meta error",
        "meta code",
        "error code",
        "meta",
        "code",
        "error",
    ] {
        if let Some(r) = rest.strip_prefix(prefix) {
            if r.starts_with(|c: char| !c.is_ascii_alphabetic()) {
                rest = r;
                break;
            }
        }
    }
    let rest =
        rest.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '#' | '(' | '='));
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, tail) = rest.split_at(digits_end);
    if digits.is_empty() || digits.len() > 12 {
        return None;
    }
    let tail = tail.trim_start();
    // Only the whole text, or Meta's "(#code) title" message form.
    if tail.is_empty() || tail.starts_with(')') {
        digits.parse().ok()
    } else {
        None
    }
}

/// `(#131049)` anywhere in a longer message.
fn embedded_code(t: &str) -> Option<u64> {
    let start = t.find("(#")? + 2;
    let rest = t.get(start..)?;
    let end = rest.find(')')?;
    let digits = rest.get(..end)?;
    if !digits.is_empty() && digits.len() <= 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// `HTTP 503`, `HTTP/1.1 503 Service Unavailable`, `status 503`, `HTTP status: 429`.
fn http_status_text(t: &str) -> Option<u64> {
    let lower = t.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http")
        .or_else(|| lower.strip_prefix("status"))?;
    let rest = rest
        .strip_prefix("/1.1")
        .or_else(|| rest.strip_prefix("/1.0"))
        .or_else(|| rest.strip_prefix("/2"))
        .unwrap_or(rest);
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("status code")
        .or_else(|| rest.strip_prefix("status"))
        .unwrap_or(rest);
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ':' || c == '=');
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = rest.get(digits.len()..).unwrap_or("");
    if digits.len() == 3 && !after.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        digits.parse().ok().filter(|s| (100..=599).contains(s))
    } else {
        None
    }
}

/// Lower case; dashes, hyphens and underscores as spaces; no surrounding quotes or final
/// period; single spaces. So `Outside 24-hour window - no template used` and the UI's
/// `Outside 24-hour window — no template used` read the same.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.trim().chars() {
        let c = match c {
            '—' | '–' | '‐' | '‑' | '-' | '_' => ' ',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.extend(c.to_lowercase());
            space = false;
        }
    }
    let trimmed =
        out.trim_matches(|c: char| c == ' ' || c == '.' || c == '"' || c == '\'' || c == '`');
    trimmed.to_string()
}

enum Named {
    Reason(Reason),
    Code(u32),
}

/// Every name a failure may be shown under, normalised: reason identifiers, base titles, the
/// aliases of the catalog, then Meta's titles (only used when no code is available).
fn names() -> &'static HashMap<String, Named> {
    static NAMES: OnceLock<HashMap<String, Named>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut map = HashMap::new();
        for (reason, name) in catalog::reasons() {
            map.entry(normalize(name)).or_insert(Named::Reason(reason));
        }
        for (alias, reason) in catalog::aliases() {
            map.entry(normalize(alias))
                .or_insert(Named::Reason(*reason));
        }
        for e in catalog::entries() {
            match e.meta_code {
                None => {
                    map.entry(normalize(e.title))
                        .or_insert(Named::Reason(e.reason));
                }
                Some(code) => {
                    map.entry(normalize(e.title)).or_insert(Named::Code(code));
                }
            }
        }
        map
    })
}

fn by_name(text: &str) -> Option<Classification> {
    match names().get(&normalize(text))? {
        Named::Reason(r) => Some(Classification::from_entry(catalog::for_reason(*r))),
        Named::Code(code) => catalog::for_meta_code(*code).map(Classification::from_entry),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reason(c: &Classification) -> &'static str {
        c.reason().as_str()
    }

    #[test]
    fn ui_strings_tolerate_case_space_and_hyphen() {
        for s in [
            "Outside 24-hour window — no template used",
            "  outside 24-hour window - no template used ",
            "OUTSIDE 24-HOUR WINDOW – NO TEMPLATE USED",
        ] {
            assert_eq!(
                reason(&classify_text(s)),
                "OUTSIDE_CONVERSATION_WINDOW",
                "{s}"
            );
        }
        assert_eq!(
            reason(&classify_text("customer_is_not_opted_in")),
            "CUSTOMER_IS_NOT_OPTED_IN"
        );
        assert_eq!(
            reason(&classify_text("TEMPORARY_FAILURE")),
            "TRANSIENT_ERROR"
        );
    }

    #[test]
    fn codes_in_text_forms() {
        assert_eq!(classify_text("131049").meta_code(), Some(131049));
        assert_eq!(
            classify_text("(#131047) Re-engagement message").meta_code(),
            Some(131047)
        );
        assert_eq!(
            classify_text("Error: (#130429) Rate limit hit").meta_code(),
            Some(130429)
        );
        assert_eq!(reason(&classify_text("HTTP 503")), "TRANSIENT_ERROR");
        assert_eq!(
            reason(&classify_text("HTTP/1.1 429 Too Many Requests")),
            "RATE_LIMIT_EXCEEDED"
        );
        assert_eq!(reason(&classify_value(&json!(503))), "TRANSIENT_ERROR");
    }

    #[test]
    fn code_wins_over_http_and_title() {
        let c = classify_value(
            &json!({"http_status": 500, "error": {"code": 3, "title": "Rate limit hit"}}),
        );
        assert_eq!(reason(&c), "PERMISSION_DENIED");
    }

    #[test]
    fn unknown_codes_get_a_family_and_keep_the_code() {
        let c = classify_value(&json!(132999));
        assert_eq!(
            (reason(&c), c.meta_code()),
            ("TEMPLATE_CONTENT_INVALID", Some(132999))
        );
        let c = classify_value(&json!(131999));
        assert_eq!((reason(&c), c.meta_code()), ("SEND_FAILED", Some(131999)));
        let c = classify_value(&json!(133999));
        assert_eq!(reason(&c), "SENDER_NUMBER_NOT_READY");
        assert_eq!(reason(&classify_value(&json!(250))), "PERMISSION_DENIED");
        let c = classify_value(&json!(987_654));
        assert_eq!((reason(&c), c.meta_code()), ("UNKNOWN", Some(987_654)));
    }

    #[test]
    fn a_named_reason_and_its_code_must_agree() {
        // A documented code is the more specific fact.
        let c = classify_value(&json!({"reason": "TEMPLATE_NOT_APPROVED", "meta_code": 131049}));
        assert_eq!(
            (reason(&c), c.meta_code()),
            ("MARKETING_LIMIT_REACHED", Some(131049))
        );
        // An undocumented code that would classify elsewhere is dropped.
        let c = classify_value(&json!({"reason": "TEMPLATE_NOT_APPROVED", "meta_code": 131999}));
        assert_eq!((reason(&c), c.meta_code()), ("TEMPLATE_NOT_APPROVED", None));
        let c = classify_value(&json!({"reason": "SEND_FAILED", "meta_code": 131999}));
        assert_eq!((reason(&c), c.meta_code()), ("SEND_FAILED", Some(131999)));
        // An undocumented 5xx code reads like the bare number.
        let c = classify_value(&json!({"error": {"code": 503}}));
        assert_eq!(reason(&c), reason(&classify_text("503")));
    }

    #[test]
    fn odd_input_is_unknown_with_bounded_raw() {
        let long = "x".repeat(10_000);
        let c = classify_text(&long);
        assert_eq!(reason(&c), "UNKNOWN");
        assert!(c.raw.as_ref().unwrap().chars().count() <= MAX_RAW_CHARS + 1);
        for v in [
            json!(null),
            json!(true),
            json!(-5),
            json!(1.5),
            json!([]),
            json!({}),
            json!(u64::MAX),
        ] {
            assert_eq!(reason(&classify_value(&v)), "UNKNOWN", "{v}");
        }
        // Deeply quoted JSON text stops unwrapping instead of recursing without end.
        // (Each level doubles the backslashes, so keep the level count small.)
        let mut s = String::from("131049");
        for _ in 0..8 {
            s = serde_json::to_string(&s).unwrap();
        }
        assert_eq!(classify_text(&s).reason(), Reason::Unknown);
        let mut s = String::from("131049");
        for _ in 0..2 {
            s = serde_json::to_string(&s).unwrap();
        }
        assert_eq!(classify_text(&s).meta_code(), Some(131049));
    }
}
