#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;

/// Options JSON, a NUL byte, then the CSV. Without a NUL the whole input is the CSV, checked
/// for a campaign with the default options.
const DEFAULT_OPTIONS: &str =
    r#"{"source":"campaign","now":"2026-11-28T12:00:00Z","credits":{"balance":3}}"#;

fuzz_target!(|data: &[u8]| {
    let (options, csv) = match data.iter().position(|&b| b == 0) {
        Some(i) => (common::text(&data[..i]), common::text(&data[i + 1..])),
        None => (DEFAULT_OPTIONS.into(), common::text(data)),
    };
    if let Ok(report) = sendgate::api::check_audience(&csv, &options) {
        let v = common::to_json(&report);
        let rows = v["rows"].as_u64().expect("rows");
        let eligible = v["eligible"].as_u64().expect("eligible");
        assert!(eligible <= rows, "{eligible} eligible of {rows} rows");
        for b in v["blocked"].as_array().expect("blocked") {
            let reason = b["reason"].as_str().expect("blocked reason");
            assert!(common::catalog_reasons().contains(reason), "{reason}");
            assert!(b["count"].as_u64().unwrap() <= rows);
        }
        // One malformed entry per data row, plus at most one for the header.
        assert!(v["malformed"].as_array().unwrap().len() as u64 <= rows + 1);
        // A line count can never exceed the lines in the text.
        let lines = csv.bytes().filter(|&b| b == b'\n' || b == b'\r').count() as u64 + 1;
        for m in v["malformed"].as_array().unwrap() {
            assert!(m["line"].as_u64().unwrap() <= lines, "line {m} of {lines}");
        }
        common::assert_reasons_in_catalog(&v);
    }
});
