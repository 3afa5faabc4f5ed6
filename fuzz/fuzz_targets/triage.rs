#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = common::text(data);
    if let Ok(report) = sendgate::api::triage(&input) {
        let v = common::to_json(&report);
        assert!(v["total"].is_u64(), "total is a count: {v}");
        if let Some(groups) = v.get("groups").and_then(|g| g.as_array()) {
            let mut sum = 0;
            for g in groups {
                sum += g["count"].as_u64().expect("count");
                let share = g["share"].as_f64().expect("share");
                assert!((0.0..=1.0).contains(&share), "share {share}");
                common::assert_reasons_in_catalog(&g["classification"]);
                let reason = g["reason"].as_str().expect("group reason");
                assert!(common::catalog_reasons().contains(reason), "{reason}");
            }
            assert!(
                sum <= v["total"].as_u64().unwrap(),
                "groups count more than the total"
            );
        }
        common::assert_reasons_in_catalog(&v);
    }
});
