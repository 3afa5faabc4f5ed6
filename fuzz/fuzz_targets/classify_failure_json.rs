#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = common::text(data);
    let v = common::to_json(&sendgate::api::classify_failure_json(&input));
    common::assert_reasons_in_catalog(&v);
    common::assert_meta_code_round_trip(&v);
    if let Some(raw) = v.get("raw").and_then(|r| r.as_str()) {
        assert!(
            raw.chars().count() <= 501,
            "raw of {} chars",
            raw.chars().count()
        );
    }
});
