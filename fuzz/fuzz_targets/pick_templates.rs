#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = common::text(data);
    if let Ok(options) = sendgate::api::pick_templates(&input) {
        let v = common::to_json(&options);
        let options = v.as_array().expect("an array of options");
        // Pickable first; pickable means no blocker among the findings is reported as one.
        let mut seen_unpickable = false;
        for o in options {
            let pickable = o["pickable"].as_bool().expect("pickable is a bool");
            assert!(
                !(pickable && seen_unpickable),
                "pickable after unpickable: {v}"
            );
            seen_unpickable |= !pickable;
            assert!(o["parameter_count"].is_u64());
        }
        common::assert_reasons_in_catalog(&v);
    }
});
