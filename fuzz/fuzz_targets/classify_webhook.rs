#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = common::text(data);
    let events = common::to_json(&sendgate::api::classify_webhook(&input));
    let events = events.as_array().expect("an array of events");
    for e in events {
        assert!(e["kind"].is_string(), "event without kind: {e}");
        if let Some(c) = e.get("classification") {
            common::assert_reasons_in_catalog(c);
            common::assert_meta_code_round_trip(c);
        }
    }
});
