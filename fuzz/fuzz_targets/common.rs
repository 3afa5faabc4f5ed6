//! Invariants every fuzz target checks on top of "no panic": results serialize, every reason
//! a finding or classification names is in `catalog()`, and entry-point specific rules.
#![allow(dead_code)]

use std::collections::HashSet;
use std::sync::OnceLock;

use serde_json::Value;

/// Bytes as the text a JS caller could pass (JS strings are always convertible to UTF-8 text
/// by `JSON.stringify`/wasm-bindgen, so invalid sequences become U+FFFD as they would there).
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

pub fn catalog_reasons() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let catalog = serde_json::to_value(sendgate::api::catalog()).expect("catalog serializes");
        catalog
            .as_array()
            .expect("catalog is an array")
            .iter()
            .map(|c| {
                c["reason"]
                    .as_str()
                    .expect("reason is a string")
                    .to_string()
            })
            .collect()
    })
}

/// Serialize a result the way the Wasm layer does; it must never fail.
pub fn to_json<T: serde::Serialize>(value: &T) -> Value {
    let text = serde_json::to_string(value).expect("result serializes to JSON");
    serde_json::from_str(&text).expect("result JSON parses back")
}

/// Every object carrying both `reason` and `title` is a Finding or a Classification: its reason
/// must be in the catalog. Walks without recursion.
pub fn assert_reasons_in_catalog(value: &Value) {
    let reasons = catalog_reasons();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items.iter()),
            Value::Object(map) => {
                if let (Some(Value::String(reason)), true) =
                    (map.get("reason"), map.contains_key("title"))
                {
                    assert!(
                        reasons.contains(reason),
                        "reason {reason:?} is not in catalog(): {v}"
                    );
                }
                stack.extend(map.values());
            }
            _ => {}
        }
    }
}

/// A classification's own meta_code classifies back to the same reason.
pub fn assert_meta_code_round_trip(classification: &Value) {
    if let Some(code) = classification.get("meta_code").and_then(Value::as_u64) {
        let again = to_json(&sendgate::api::classify_failure_text(&code.to_string()));
        assert_eq!(
            again["reason"], classification["reason"],
            "meta_code {code} classifies to a different reason"
        );
    }
}

/// What every classification holds: catalog reasons, a meta_code that classifies back to the
/// same reason, and raw input echoed back clipped (its limit plus the ellipsis).
pub fn assert_classification(v: &Value) {
    assert_reasons_in_catalog(v);
    assert_meta_code_round_trip(v);
    if let Some(raw) = v.get("raw").and_then(|r| r.as_str()) {
        let chars = raw.chars().count();
        assert!(chars <= sendgate::classify::MAX_RAW_CHARS + 1, "raw of {chars} chars");
    }
}

/// The Verdict's own consistency: eligible exactly when there is no blocker; an eligible send
/// has a recipient (the E.164 `to`, or a business-scoped user ID) and an endpoint; a blocked
/// one has no endpoint.
pub fn assert_verdict(v: &Value) {
    let blockers = v["blockers"].as_array().expect("blockers is an array");
    let eligible = v["eligible"].as_bool().expect("eligible is a bool");
    assert_eq!(
        eligible,
        blockers.is_empty(),
        "eligible with blockers or vice versa: {v}"
    );
    if let Some(to) = v["to"].as_str() {
        assert!(
            to.starts_with('+') && to.len() > 1 && to[1..].bytes().all(|b| b.is_ascii_digit()),
            "`to` is not E.164: {to}"
        );
        assert_eq!(v["recipient"]["id"].as_str(), Some(to), "{v}");
    }
    if eligible {
        let kind = v["recipient"]["kind"].as_str().expect("an eligible send names its recipient");
        assert!(kind == "phone" || kind == "user_id", "{v}");
        assert!(v["endpoint"].is_string(), "an eligible send has an endpoint: {v}");
    } else {
        assert!(v["endpoint"].is_null(), "a blocked send has no endpoint: {v}");
    }
    let cost = v["cost"].as_f64().expect("cost is a number");
    assert!(cost.is_finite() && cost >= 0.0, "cost {cost}");
    if v["billing"]["billable"] == false {
        assert_eq!(cost, 0.0, "a free send costs nothing: {v}");
    }
    assert_reasons_in_catalog(v);
}
