#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = common::text(data);
    match sendgate::api::check_send(&input) {
        Ok(verdict) => common::assert_verdict(&common::to_json(&verdict)),
        Err(err) => {
            // Errors render (the Wasm layer formats them) and never echo megabytes back.
            let shown = err.to_string();
            assert!(
                shown.len() <= 4096 + input.len().min(1024),
                "{} bytes of error",
                shown.len()
            );
        }
    }
});
