//! A finding: one predicted problem of a send, worded from the catalog. Its own module because
//! every rule module (phone, templates, account, eligibility) builds findings and none of them
//! should depend on another to do it.

use serde::Serialize;

use crate::catalog::{self, Category, Entry, Reason};

/// One predicted problem (blocker or warning) about this contact and this send.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct Finding {
    pub reason: Reason,
    pub title: &'static str,
    pub category: Category,
    /// About this contact, in plain words.
    pub message: String,
    /// What to do, and where.
    pub resolution: Vec<String>,
    /// The input field it concerns, e.g. `contact.phone`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// A corrected value to save (e.g. an E.164 phone for Shopify); never used to send.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested: Option<String>,
    /// The Meta error code this failure produces when it is sent anyway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_code: Option<u32>,
}

/// A finding with the catalog's title, category and resolution for `reason`.
pub fn finding(reason: Reason, message: String, field: Option<&'static str>) -> Finding {
    from_entry(catalog::for_reason(reason), message, field)
}

/// A finding with the guidance of a specific catalog entry (e.g. Meta 132015 for a paused
/// template), so the gate's prediction reads like the classifier's explanation.
pub fn from_entry(entry: &'static Entry, message: String, field: Option<&'static str>) -> Finding {
    Finding {
        reason: entry.reason,
        title: entry.title,
        category: entry.category,
        message,
        resolution: entry.resolution.iter().map(|s| s.to_string()).collect(),
        field,
        suggested: None,
        meta_code: entry.meta_code,
    }
}

/// A finding for the failure Meta reports with `code`, worded by that code's entry when it
/// belongs to `reason` (else the reason's own), always naming the code.
pub fn meta_finding(code: u32, reason: Reason, message: String, field: &'static str) -> Finding {
    let entry = catalog::for_meta_code(code)
        .filter(|e| e.reason == reason)
        .unwrap_or(catalog::for_reason(reason));
    let mut f = from_entry(entry, message, Some(field));
    f.meta_code = Some(code);
    f
}
