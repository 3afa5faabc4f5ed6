//! Meta's 2026 error table (`realworld/errors/codes.tsv`) and the real Graph error responses
//! beside it (`realworld/errors/*.json`), none of them written here: every code has a catalog
//! entry, every (code, details) row of the table classifies to its code, and every real
//! response classifies to the reason a merchant needs. Skipped, with a message, when
//! `../shared/realworld` is absent.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use sendgate::api;
use sendgate::catalog;
use serde_json::Value;

fn errors_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld/errors");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

/// `code` and `details` of each row of Meta's table (`200-299` stands for a range).
fn table(dir: &std::path::Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("codes.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let code = header.iter().position(|h| *h == "code").unwrap();
    let details = header.iter().position(|h| *h == "details").unwrap();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols[code].to_string(), cols[details].to_string())
        })
        .collect()
}

fn classify(value: &Value) -> Value {
    serde_json::to_value(api::classify_failure_json(&value.to_string())).unwrap()
}

#[test]
fn every_code_of_metas_2026_table_has_an_entry_with_guidance() {
    let Some(dir) = errors_dir() else { return };
    let rows = table(&dir);
    assert!(rows.len() > 80, "{} rows", rows.len());
    let mut missing = BTreeSet::new();
    for (code, _) in &rows {
        if let Some((low, high)) = code.split_once('-') {
            // A range: every code in it that has no entry of its own is read as its family.
            let (low, high): (u32, u32) = (low.parse().unwrap(), high.parse().unwrap());
            for c in low..=high {
                if catalog::for_meta_code(c).is_none() {
                    let got = classify(&serde_json::json!({ "error": { "code": c } }));
                    assert_eq!(got["reason"], "PERMISSION_DENIED", "{c}");
                    assert_eq!(got["meta_code"], c, "{c}");
                }
            }
            continue;
        }
        let code: u32 = code.parse().unwrap();
        match catalog::for_meta_code(code) {
            Some(e) => assert!(
                !e.meaning.is_empty() && !e.resolution.is_empty() && !e.causes.is_empty(),
                "{code} has no guidance"
            ),
            None => {
                missing.insert(code);
            }
        }
    }
    assert!(missing.is_empty(), "codes without an entry: {missing:?}");
}

/// Classification keys on `code` and `error_data.details`: each row, sent as Meta sends it
/// (no title), classifies to its code, and a code Meta reuses for several meanings gets the
/// guidance of the meaning its details name.
#[test]
fn every_row_of_the_table_classifies_by_code_and_details() {
    let Some(dir) = errors_dir() else { return };
    let mut guidance: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
    for (code, details) in table(&dir) {
        let Ok(code) = code.parse::<u32>() else {
            continue;
        };
        let body = serde_json::json!({ "error": {
            "message": format!("(#{code})"),
            "type": "OAuthException",
            "code": code,
            "error_data": { "messaging_product": "whatsapp", "details": details },
        } });
        let got = classify(&body);
        let entry = catalog::for_meta_code(code).unwrap();
        assert_eq!(got["meta_code"], code, "{code}: {got}");
        assert_eq!(got["reason"], entry.reason.as_str(), "{code} {details}");
        assert_eq!(got["details"], details, "{code}");
        guidance
            .entry(code)
            .or_default()
            .insert(got["resolution"].to_string());
    }
    // The migration code's nine meanings each get their own fix.
    assert_eq!(guidance[&2_388_103].len(), 9, "{:?}", guidance[&2_388_103]);
    // The Marketing Messages API's "must be a template" is told apart from a bad parameter.
    assert_eq!(guidance[&100].len(), 2, "{:?}", guidance[&100]);
}

/// The reason a merchant needs for each real response (judged from Meta's documentation of
/// its code and details, not from sendgate's output).
const EXPECTED: &[(&str, &str)] = &[
    ("bindambc__phone_number_not_found_100_33", "INVALID_REQUEST"),
    (
        "bindambc__request_code_136024_2388091",
        "SENDER_NUMBER_NOT_READY",
    ),
    ("bindambc__send_130429_rate_limit", "RATE_LIMIT_EXCEEDED"),
    (
        "bindambc__verify_code_136025_2388093",
        "SENDER_NUMBER_NOT_READY",
    ),
    ("bot_log__131009_row_count_exceeded", "INVALID_REQUEST"),
    ("bot_log__131009_row_title_too_long", "INVALID_REQUEST"),
    (
        "chatwoot_worker_log__133010_account_not_registered",
        "SENDER_NUMBER_NOT_READY",
    ),
    (
        "courier_mock__131009_parameter_not_valid",
        "INVALID_REQUEST",
    ),
    (
        "courier_mock__131056_pair_rate_limit",
        "RATE_LIMIT_EXCEEDED",
    ),
    (
        "courier_mock__368_temporarily_blocked",
        "ACCOUNT_RESTRICTED",
    ),
    (
        "courier_mock__613_calls_exceeded_rate_limit",
        "RATE_LIMIT_EXCEEDED",
    ),
    (
        "delivery_log__status_errors_131031_locked",
        "ACCOUNT_RESTRICTED",
    ),
    (
        "frappe_whatsapp_issue43__100_text_mandatory",
        "INVALID_REQUEST",
    ),
    (
        "go_lib_test__131030_subcode_2655007_user_msg",
        "RECIPIENT_NOT_IN_ALLOWED_LIST",
    ),
    (
        "heyoo_issue94__131030_not_in_allowed_list",
        "RECIPIENT_NOT_IN_ALLOWED_LIST",
    ),
    ("js_test__131056_with_error_data", "RATE_LIMIT_EXCEEDED"),
    ("meedan_mock__131056_pair_rate_limit", "RATE_LIMIT_EXCEEDED"),
    ("meta_docs__130429_example_response", "RATE_LIMIT_EXCEEDED"),
    ("meta_docs__mm_api_100_must_be_template", "INVALID_REQUEST"),
    (
        "netflie__190_cannot_parse_access_token",
        "ACCESS_TOKEN_INVALID",
    ),
    (
        "node_console_log__131030_not_in_allowed_list",
        "RECIPIENT_NOT_IN_ALLOWED_LIST",
    ),
    (
        "pipedream_pr6071__132000_param_count_mismatch",
        "TEMPLATE_PARAMETER_MISMATCH",
    ),
    (
        "prod_log__133010_account_not_registered_no_trace",
        "SENDER_NUMBER_NOT_READY",
    ),
    (
        "pywa__inner_131047_reengagement",
        "OUTSIDE_CONVERSATION_WINDOW",
    ),
    ("pywa__inner_131053_media_upload", "MEDIA_ERROR"),
    (
        "pywa__inner_190_463_session_expired",
        "ACCESS_TOKEN_INVALID",
    ),
    (
        "ruby_whatsapp_sdk_vcr__delete_media_100_invalid_post_id",
        "INVALID_REQUEST",
    ),
    (
        "ruby_whatsapp_sdk_vcr__delete_template_100_2593002_not_found",
        "INVALID_REQUEST",
    ),
    (
        "ruby_whatsapp_sdk_vcr__mark_read_100_check_message_id",
        "INVALID_REQUEST",
    ),
    (
        "ruby_whatsapp_sdk_vcr__mark_read_100_outgoing_message_id",
        "INVALID_REQUEST",
    ),
    (
        "ruby_whatsapp_sdk_vcr__send_text_100_33_object_does_not_exist",
        "INVALID_REQUEST",
    ),
    (
        "sql_dump__131030_not_in_allowed_list",
        "RECIPIENT_NOT_IN_ALLOWED_LIST",
    ),
    (
        "sql_dump__131058_hello_world_public_test_numbers",
        "TEMPLATE_NOT_USABLE",
    ),
    (
        "tawn33y_issue57__inner_132001_template_not_in_language",
        "TEMPLATE_NOT_FOUND",
    ),
    ("test_stub__131009_invalid_buttons_count", "INVALID_REQUEST"),
    ("turn_io_help__inner_131056", "RATE_LIMIT_EXCEEDED"),
    (
        "vendor_pdf__100_text_mandatory_with_errors_meta",
        "INVALID_REQUEST",
    ),
    (
        "vendor_pdf__131008_missing_text_with_errors_meta",
        "INVALID_REQUEST",
    ),
    (
        "vendor_pdf__132000_param_count_with_errors_meta",
        "TEMPLATE_PARAMETER_MISMATCH",
    ),
    (
        "whatsapp_api_js__190_cannot_parse_access_token",
        "ACCESS_TOKEN_INVALID",
    ),
];

/// The Meta code of a response: `error.code`, a bare error's `code`, or the first of a list.
fn code_in(body: &Value) -> u64 {
    let e = match body {
        Value::Array(items) => &items[0],
        Value::Object(map) => map.get("error").unwrap_or(body),
        _ => panic!("unexpected body {body}"),
    };
    e["code"].as_u64().unwrap()
}

#[test]
fn every_real_response_classifies_to_the_expected_reason_with_its_code() {
    let Some(dir) = errors_dir() else { return };
    let mut seen = BTreeSet::new();
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let body: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let code = code_in(&body);
        assert!(
            catalog::for_meta_code(code as u32).is_some(),
            "{name}: code {code} has no entry"
        );
        let expected = EXPECTED
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{name} is not in EXPECTED: add the reason it needs"))
            .1;
        // As a Graph response object and as the raw text a worker logs.
        for got in [
            classify(&body),
            serde_json::to_value(api::classify_failure_text(&body.to_string())).unwrap(),
        ] {
            if got["reason"] != expected || got["meta_code"] != code {
                wrong.push(format!(
                    "{name}: {} {} (expected {expected} {code})",
                    got["reason"], got["meta_code"]
                ));
            }
        }
        seen.insert(name);
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!(seen.len(), EXPECTED.len(), "every expected file exists");
}

#[test]
fn shared_codes_get_the_guidance_of_their_real_meaning() {
    let Some(dir) = errors_dir() else { return };
    let read = |name: &str| -> Value {
        let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        classify(&serde_json::from_str(&text).unwrap())
    };
    // 100 with subcode 33: the phone-number ID is wrong, which stops every send.
    let wrong_id = read("ruby_whatsapp_sdk_vcr__send_text_100_33_object_does_not_exist");
    assert_eq!(wrong_id["scope"], "phone_number");
    assert!(
        wrong_id["title"]
            .as_str()
            .unwrap()
            .contains("Phone-number ID"),
        "{wrong_id}"
    );
    // 100 from the Marketing Messages API: only templates.
    let mm = read("meta_docs__mm_api_100_must_be_template");
    assert!(
        mm["title"]
            .as_str()
            .unwrap()
            .contains("Marketing Messages API"),
        "{mm}"
    );
    // 100 for an empty text value: fill the variable.
    let empty = read("frappe_whatsapp_issue43__100_text_mandatory");
    assert!(
        empty["resolution"][0]
            .as_str()
            .unwrap()
            .contains("template variable"),
        "{empty}"
    );
    // 613 is a Graph call-rate limit: retry after a wait, not at once.
    let calls = read("courier_mock__613_calls_exceeded_rate_limit");
    assert_eq!(calls["retry"]["kind"], "after");
    assert!(calls["retry"]["after_seconds"].as_u64().unwrap() >= 60);
    // 131030 and 131058 are setup failures, never transient.
    for name in [
        "sql_dump__131030_not_in_allowed_list",
        "sql_dump__131058_hello_world_public_test_numbers",
    ] {
        assert_eq!(read(name)["retry"]["kind"], "never", "{name}");
    }
}
