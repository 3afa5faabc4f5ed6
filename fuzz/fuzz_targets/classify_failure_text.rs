#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = common::text(data);
    common::assert_classification(&common::to_json(&sendgate::api::classify_failure_text(&input)));
});
