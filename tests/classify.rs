//! classifyFailure through the JSON-facing api: the catalog table, every input form for the
//! seed page's eight failure types, and the shared vocabulary with the gate.

use serde_json::{json, Value};

use sendgate::api;
use sendgate::catalog::{self, Reason, RetryKind, Scope};

/// Every code of the Cloud API error table, meta-cloud-api.md §1.2 (the 200–299 range is
/// represented by 200 and checked through a sample below).
const TABLE_1_2: &[u32] = &[
    0, 1, 2, 3, 4, 10, 33, 100, 190, 200, 368, 80007, 130403, 130429, 130472, 130497, 131000,
    131005, 131008, 131009, 131016, 131021, 131026, 131031, 131037, 131042, 131045, 131047, 131048,
    131049, 131050, 131051, 131052, 131053, 131056, 131057, 131063, 131064, 132000, 132001, 132005,
    132007, 132012, 132015, 132016, 132068, 132069, 133000, 133004, 133005, 133006, 133008, 133009,
    133010, 133015, 133016, 134011, 135000,
];

/// §1.3 and §1.5: Marketing Messages API, template management, migration, Groups, others,
/// legacy On-Premises codes and generic Graph codes.
const OTHER_DOCUMENTED: &[u32] = &[
    131055, 134100, 134101, 134102, 132018, 1752041, 2388039, 2388040, 2388047, 2388072, 2388073,
    2388293, 2388299, 2388019, 2388001, 2388012, 2388091, 2388093, 2388103, 2494100, 200005,
    200006, 200007, 2593079, 2593085, 2593107, 2593108, 131020, 131041, 131059, 131201, 131202,
    131204, 131207, 131208, 131209, 131210, 131211, 131212, 131213, 131214, 131215, 131062, 131058,
    131030, 137000, 470, 471, 472, 1026, 2000, 2001, 2061, 2062, 429, 1013, 102, 17, 341, 506,
    1609005,
];

fn as_json(c: &sendgate::classify::Classification) -> Value {
    serde_json::to_value(c).expect("a classification serializes")
}

fn reason_of(v: &Value) -> &str {
    v["reason"].as_str().unwrap_or("")
}

fn text(input: &str) -> Value {
    as_json(&api::classify_failure_text(input))
}

fn value(input: Value) -> Value {
    as_json(&api::classify_failure_json(&input.to_string()))
}

#[test]
fn every_entry_is_complete() {
    let entries = catalog::entries();
    assert!(entries.len() > 100, "catalog has {} entries", entries.len());
    let mut silent = Vec::new();
    for e in entries {
        let id = format!("{} {:?}", e.reason.as_str(), e.meta_code);
        assert!(!e.title.trim().is_empty(), "{id}: title");
        assert!(e.meaning.len() > 20, "{id}: meaning");
        assert!(!e.causes.is_empty(), "{id}: causes");
        assert!(!e.resolution.is_empty(), "{id}: resolution");
        assert!(!e.prevention.is_empty(), "{id}: prevention");
        assert!(e.resolution.iter().all(|s| !s.trim().is_empty()), "{id}");
        if e.retry.kind != RetryKind::After {
            assert_eq!(
                e.retry.after_seconds, None,
                "{id}: only `after` has a delay"
            );
        }
        if e.stops_all_sends() {
            let all = (e.resolution.join(" ") + " " + e.meaning).to_lowercase();
            if !all.contains("every send") && !all.contains("every paid send") {
                silent.push(id);
            }
        }
    }
    assert!(
        silent.is_empty(),
        "stop-the-run entries must say every send fails: {silent:?}"
    );
}

#[test]
fn every_documented_code_is_in_the_catalog() {
    for code in TABLE_1_2.iter().chain(OTHER_DOCUMENTED) {
        assert!(
            catalog::for_meta_code(*code).is_some(),
            "Meta code {code} has no entry"
        );
    }
}

#[test]
fn classifying_an_entrys_code_gives_its_reason() {
    for e in catalog::entries() {
        let Some(code) = e.meta_code else { continue };
        let want = e.reason.as_str();
        for got in [
            value(json!(code)),
            text(&code.to_string()),
            value(json!({"error": {"code": code, "message": "x"}})),
            value(json!({"code": code.to_string()})),
        ] {
            assert_eq!(reason_of(&got), want, "code {code}");
            assert_eq!(got["meta_code"], json!(code), "code {code}");
        }
    }
}

#[test]
fn spec_reasons_of_meta_codes() {
    let expect = [
        (131047, "OUTSIDE_CONVERSATION_WINDOW"),
        (470, "OUTSIDE_CONVERSATION_WINDOW"),
        (132015, "TEMPLATE_NOT_APPROVED"),
        (132016, "TEMPLATE_NOT_APPROVED"),
        (1, "TRANSIENT_ERROR"),
        (2, "TRANSIENT_ERROR"),
        (131000, "TRANSIENT_ERROR"),
        (131016, "TRANSIENT_ERROR"),
        (131057, "TRANSIENT_ERROR"),
        (133004, "TRANSIENT_ERROR"),
        (131026, "RECIPIENT_NOT_ON_WHATSAPP"),
        (4, "RATE_LIMIT_EXCEEDED"),
        (80007, "RATE_LIMIT_EXCEEDED"),
        (130429, "RATE_LIMIT_EXCEEDED"),
        (131056, "RATE_LIMIT_EXCEEDED"),
        (132000, "TEMPLATE_PARAMETER_MISMATCH"),
        (132001, "TEMPLATE_NOT_FOUND"),
        (131049, "MARKETING_LIMIT_REACHED"),
        (131050, "RECIPIENT_STOPPED_MARKETING"),
    ];
    for (code, reason) in expect {
        assert_eq!(
            catalog::for_meta_code(code).map(|e| e.reason.as_str()),
            Some(reason),
            "{code}"
        );
    }
    // 131042 is Meta's billing, not the workspace's credits.
    assert_ne!(
        catalog::for_meta_code(131042).unwrap().reason,
        Reason::InsufficientCredits
    );
}

#[test]
fn retry_delays_follow_the_domain() {
    let after = |code| {
        let e = catalog::for_meta_code(code).unwrap();
        assert_eq!(e.retry.kind, RetryKind::After, "{code}");
        e.retry.after_seconds
    };
    assert!(after(131049).unwrap() >= 86_400);
    assert_eq!(after(132015), Some(10_800));
    let m = after(131057).unwrap();
    assert!((30..=120).contains(&m), "131057 ≈ a minute, got {m}");
    assert!(after(131056).unwrap() >= 6);
    assert_eq!(
        catalog::for_meta_code(131056).unwrap().scope,
        Scope::Recipient
    );
    for code in [2, 131000, 131016, 133004, 130429, 4, 80007] {
        assert_eq!(
            catalog::for_meta_code(code).unwrap().retry.kind,
            RetryKind::Backoff,
            "{code}"
        );
    }
    for code in [131047, 131026, 131050, 132016, 132000, 0, 190, 131042] {
        assert_eq!(
            catalog::for_meta_code(code).unwrap().retry.kind,
            RetryKind::Never,
            "{code}"
        );
    }
}

#[test]
fn auth_and_account_codes_stop_the_run() {
    for code in [
        0, 3, 10, 190, 200, 368, 131005, 131031, 131042, 131037, 131045, 133010,
    ] {
        let e = catalog::for_meta_code(code).unwrap();
        assert!(e.stops_all_sends(), "{code} must stop every send");
        assert!(
            matches!(e.scope, Scope::Account | Scope::PhoneNumber),
            "{code}"
        );
    }
    // The rest of the 200–299 permission range, undocumented one by one.
    let c = value(json!({"error": {"code": 273, "message": "(#273) permission"}}));
    assert_eq!(reason_of(&c), "PERMISSION_DENIED");
    assert_eq!(c["meta_code"], json!(273));
    assert_eq!(c["scope"], json!("account"));
    // Transient and per-recipient failures never stop the run.
    for code in [130429, 131026, 131049, 131000] {
        assert!(
            !catalog::for_meta_code(code).unwrap().stops_all_sends(),
            "{code}"
        );
    }
}

/// The seed page's eight failure types, each in every form a user or program may pass.
#[test]
fn the_eight_seed_types_in_every_form() {
    // (reason, UI string, Meta code if one exists)
    let seed: [(&str, &str, Option<u32>); 8] = [
        ("CUSTOMER_IS_NOT_OPTED_IN", "CUSTOMER_IS_NOT_OPTED_IN", None),
        (
            "CUSTOMER_IS_MISSING_CALLING_CODE",
            "CUSTOMER_IS_MISSING_CALLING_CODE",
            None,
        ),
        ("INSUFFICIENT_CREDITS", "INSUFFICIENT_CREDITS", None),
        (
            "OUTSIDE_CONVERSATION_WINDOW",
            "Outside 24-hour window — no template used",
            Some(131047),
        ),
        (
            "TEMPLATE_NOT_APPROVED",
            "Template not approved",
            Some(132015),
        ),
        (
            "TRANSIENT_ERROR",
            "Transient network or API errors",
            Some(131000),
        ),
        (
            "RECIPIENT_NOT_ON_WHATSAPP",
            "Recipient phone number not on WhatsApp",
            Some(131026),
        ),
        ("RATE_LIMIT_EXCEEDED", "Rate limit exceeded", Some(130429)),
    ];
    for (reason, ui, code) in seed {
        let hyphen = ui.replace('—', "-");
        let forms = [
            text(ui),
            text(&format!("  {}\n", ui.to_lowercase())),
            text(&hyphen.to_uppercase()),
            text(&serde_json::to_string(ui).unwrap()),
            value(json!(ui)),
            value(json!({"reason": ui})),
        ];
        for (i, c) in forms.iter().enumerate() {
            assert_eq!(reason_of(c), reason, "{ui} form {i}");
            assert!(c.get("raw").is_none(), "{ui} form {i} was recognised");
        }
        let Some(code) = code else { continue };
        let details = "the most specific cause";
        let error = json!({"code": code, "title": "t", "message": format!("(#{code}) t"),
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"});
        let status = json!({"id": "wamid.X", "status": "failed", "timestamp": "1751142888",
            "recipient_id": "16505551234", "errors": [error.clone()]});
        let graph = json!({"error": error.clone()});
        let forms = [
            value(json!(code)),
            text(&code.to_string()),
            value(json!(code.to_string())),
            value(graph.clone()),
            text(&graph.to_string()),
            value(error.clone()),
            text(&error.to_string()),
            value(status.clone()),
            text(&status.to_string()),
            text(&format!("(#{code}) something")),
        ];
        for (i, c) in forms.iter().enumerate() {
            assert_eq!(reason_of(c), reason, "{code} form {i}");
            assert_eq!(c["meta_code"], json!(code), "{code} form {i}");
        }
        for c in &forms[3..9] {
            assert_eq!(c["details"], json!(details), "{code}: details kept");
        }
    }
}

#[test]
fn network_level_failures_by_http_status() {
    for input in [
        value(json!(503)),
        text("HTTP 503"),
        text("http 502"),
        value(json!({"http_status": 500})),
        text("TEMPORARY_FAILURE"),
    ] {
        assert_eq!(reason_of(&input), "TRANSIENT_ERROR", "{input}");
        assert_eq!(input["retry"]["kind"], json!("backoff"));
    }
    for input in [
        value(json!(429)),
        text("HTTP 429"),
        value(json!({"status_code": 429})),
    ] {
        assert_eq!(reason_of(&input), "RATE_LIMIT_EXCEEDED", "{input}");
    }
    assert_eq!(
        reason_of(&value(json!({"http_status": 401}))),
        "ACCESS_TOKEN_INVALID"
    );
    // A Meta code wins over the HTTP status: 130429 comes back as HTTP 400, 3 as HTTP 500.
    let c = value(json!({"http_status": 400, "error": {"code": 130429}}));
    assert_eq!(reason_of(&c), "RATE_LIMIT_EXCEEDED");
    let c = value(json!({"http_status": 500, "error": {"code": 3}}));
    assert_eq!(reason_of(&c), "PERMISSION_DENIED");
}

#[test]
fn unrecognised_input_is_unknown_and_keeps_raw() {
    for (c, raw) in [
        (
            text("the moon is made of cheese"),
            "the moon is made of cheese",
        ),
        (value(json!({"foo": 1})), "{\"foo\":1}"),
        (text(""), ""),
    ] {
        assert_eq!(reason_of(&c), "UNKNOWN");
        assert_eq!(c["raw"], json!(raw));
    }
    let huge = "z".repeat(100_000);
    let c = text(&huge);
    assert!(c["raw"].as_str().unwrap().len() < 2_000, "raw is bounded");
    for odd in [
        "null",
        "true",
        "-1",
        "1e400",
        "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
        "{\"error\":null}",
        "\u{0}",
    ] {
        let c = as_json(&api::classify_failure_json(odd));
        assert!(c["reason"].is_string(), "{odd}");
    }
}

#[test]
fn unknown_codes_keep_their_code_and_get_a_family() {
    for (code, family) in [
        (132777, "TEMPLATE_CONTENT_INVALID"),
        (131777, "SEND_FAILED"),
        (133777, "SENDER_NUMBER_NOT_READY"),
        (139777, "SEND_FAILED"),
        (250, "PERMISSION_DENIED"),
        (55_555, "UNKNOWN"),
    ] {
        let c = value(json!({"error": {"code": code, "error_data": {"details": "d"}}}));
        assert_eq!(reason_of(&c), family, "{code}");
        assert_eq!(c["meta_code"], json!(code), "{code}");
        assert_eq!(c["details"], json!("d"));
    }
}

#[test]
fn classified_objects_and_events_are_recognised() {
    let original = value(json!({"error": {"code": 131049}}));
    assert_eq!(value(original.clone())["meta_code"], json!(131049));
    let event =
        json!({"kind": "status", "wamid": "w", "status": "failed", "classification": original});
    assert_eq!(reason_of(&value(event)), "MARKETING_LIMIT_REACHED");
}

#[test]
fn catalog_lists_every_reason_once_as_a_base_entry() {
    let all = api::catalog();
    for (reason, name) in catalog::reasons() {
        let base: Vec<_> = all
            .iter()
            .filter(|c| c.entry.reason == reason && c.entry.meta_code.is_none())
            .collect();
        assert_eq!(base.len(), 1, "{name}");
    }
}

/// Issue item 5: the gate's finding and the classifier's answer for the same failure agree.
#[test]
fn gate_and_classifier_share_the_vocabulary() {
    let request = json!({
        "contact": {"phone": "+525512345678", "marketing_state": "SUBSCRIBED",
                    "last_inbound_at": "2026-11-20T10:00:00Z"},
        "source": "inbox",
        "message": {"type": "text", "text": "Hello again"},
        "now": "2026-11-28T10:00:00Z"
    });
    let verdict =
        serde_json::to_value(api::check_send(&request.to_string()).expect("valid request"))
            .unwrap();
    let blocker = verdict["blockers"]
        .as_array()
        .and_then(|b| {
            b.iter()
                .find(|f| f["reason"] == json!("OUTSIDE_CONVERSATION_WINDOW"))
        })
        .expect("the gate predicts the closed window");
    let classified = value(json!({"error": {"code": 131047}}));
    assert_eq!(blocker["reason"], classified["reason"]);
    assert_eq!(blocker["title"], classified["title"]);
    let base = catalog::for_reason(Reason::OutsideConversationWindow);
    assert!(
        base.resolution.iter().any(|s| s.contains("Inbox")),
        "base entry carries the seed's inbox guidance"
    );
}

mod never_panics {
    use proptest::prelude::*;
    use sendgate::api;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_text(s in ".{0,200}") {
            let c = api::classify_failure_text(&s);
            prop_assert!(!c.entry.title.is_empty());
            let _ = api::classify_failure_json(&s);
            let _ = api::classify_webhook(&s);
        }

        #[test]
        fn any_prefix_of_a_webhook_body(cut in 0usize..2000) {
            let body = include_str!("fixtures/status_failed_131049.json");
            let end = cut.min(body.len());
            let events = api::classify_webhook(&body[..end]);
            prop_assert!(!events.is_empty());
        }

        #[test]
        fn codes_of_any_size(code in any::<u64>()) {
            let c = api::classify_failure_json(&code.to_string());
            if let Ok(small) = u32::try_from(code) {
                if sendgate::catalog::for_meta_code(small).is_some() {
                    prop_assert_eq!(c.entry.meta_code, Some(small));
                }
            }
        }
    }
}

/// The seed page's guidance, in the catalog's own words: the facts that must survive rewording.
#[test]
fn seed_guidance_is_carried() {
    let all = |r: Reason| {
        let e = catalog::for_reason(r);
        format!(
            "{} {} {} {}",
            e.meaning,
            e.causes.join(" "),
            e.resolution.join(" "),
            e.prevention.join(" ")
        )
    };
    let opted = all(Reason::CustomerIsNotOptedIn);
    for needle in [
        "SUBSCRIBED",
        "Consent status = Yes",
        "Audience → Contacts",
        "UNSUBSCRIBED",
        "NOT_SUBSCRIBED",
        "not a bug",
    ] {
        assert!(opted.contains(needle), "not opted in: {needle}");
    }
    assert!(catalog::for_reason(Reason::CustomerIsNotOptedIn).compliance);
    let phone = all(Reason::CustomerIsMissingCallingCode);
    for needle in [
        "Shopify Admin",
        "customers/update",
        "overwritten",
        "phone_calling_code",
    ] {
        assert!(phone.contains(needle), "calling code: {needle}");
    }
    let credits = all(Reason::InsufficientCredits);
    for needle in ["Billing → Overview", "automations resume", "Top up"] {
        assert!(credits.contains(needle), "credits: {needle}");
    }
    let window = all(Reason::OutsideConversationWindow);
    assert!(window.contains("Inbox") && window.contains("template picker"));
    let template = all(Reason::TemplateNotApproved);
    for needle in [
        "PENDING_APPROVAL",
        "REJECTED",
        "PAUSED",
        "APPROVED again",
        "no re-activation",
    ] {
        assert!(template.contains(needle), "template: {needle}");
    }
    assert!(all(Reason::TransientError).contains("TEMPORARY_FAILURE"));
    assert!(all(Reason::RecipientNotOnWhatsapp).contains("data-quality"));
    assert!(all(Reason::RateLimitExceeded).contains("next batch"));
    for r in [
        Reason::TransientError,
        Reason::RateLimitExceeded,
        Reason::RecipientNotOnWhatsapp,
        Reason::TemplateNotApproved,
    ] {
        assert!(
            all(r).contains("Automations → [Automation] → Activity"),
            "{}: where to look",
            r.as_str()
        );
    }
}

/// SPEC "The 2026 platform", Catalog: the codes Meta added or that real responses carry, each
/// with its reason and retry advice.
#[test]
fn the_2026_codes_classify_to_their_reasons() {
    for (code, reason, retry) in [
        (131062, "AUTHENTICATION_NEEDS_PHONE", RetryKind::Never),
        (130403, "RECIPIENT_BLOCKED", RetryKind::Never),
        (131063, "TEMPLATE_NOT_USABLE", RetryKind::Never),
        (131064, "QUALITY_RESTRICTED", RetryKind::After),
        (132018, "TEMPLATE_CONTENT_INVALID", RetryKind::Never),
        (2388039, "TEMPLATE_CONTENT_INVALID", RetryKind::Never),
        (613, "RATE_LIMIT_EXCEEDED", RetryKind::After),
        (131030, "RECIPIENT_NOT_IN_ALLOWED_LIST", RetryKind::Never),
        (131058, "TEMPLATE_NOT_USABLE", RetryKind::Never),
        (136024, "SENDER_NUMBER_NOT_READY", RetryKind::After),
        (136025, "SENDER_NUMBER_NOT_READY", RetryKind::Never),
        (131014, "MEDIA_ERROR", RetryKind::Never),
    ] {
        let c = as_json(&api::classify_failure_json(
            &json!({ "error": { "code": code } }).to_string(),
        ));
        assert_eq!(
            (reason_of(&c), c["meta_code"].as_u64()),
            (reason, Some(code)),
            "{code}"
        );
        let entry = catalog::for_meta_code(code as u32).unwrap();
        assert_eq!(entry.retry.kind, retry, "{code}");
    }
    // The gate's AUTHENTICATION_NEEDS_PHONE is the classifier's 131062.
    assert_eq!(
        catalog::for_meta_code(131062).unwrap().reason,
        Reason::AuthenticationNeedsPhone
    );
}
