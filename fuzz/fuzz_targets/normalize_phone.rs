#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let input = common::text(data);
    if let Ok(report) = sendgate::api::normalize_phone(&input) {
        let v = common::to_json(&report);
        common::assert_reasons_in_catalog(&v);
        // Idempotent: the E.164 it found normalizes to itself.
        if let Some(e164) = v["e164"].as_str() {
            assert!(
                e164.starts_with('+') && e164[1..].bytes().all(|b| b.is_ascii_digit()),
                "{e164}"
            );
            let again = sendgate::api::normalize_phone(&json!({ "phone": e164 }).to_string())
                .expect("an E.164 number is valid input");
            assert_eq!(
                again.e164.as_deref(),
                Some(e164),
                "normalizing {e164} again"
            );
        }
    }
});
