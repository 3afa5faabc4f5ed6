//! classifyWebhook with Meta's documented example payloads (meta-cloud-api.md §2), edge cases
//! of optional fields, malformed bodies, and a 3 MB body.

use std::time::Instant;

use serde_json::{json, Value};

use sendgate::api;

const STATUS_131049: &str = include_str!("fixtures/status_failed_131049.json");
const ERRORS_130429: &str = include_str!("fixtures/errors_130429.json");
const INBOUND: &str = include_str!("fixtures/inbound_text.json");
const USER_PREFERENCES: &str = include_str!("fixtures/user_preferences_stop.json");
const TEMPLATE_STATUS: &str = include_str!("fixtures/template_status_paused.json");

fn events(body: &str) -> Vec<Value> {
    api::classify_webhook(body)
        .iter()
        .map(|e| serde_json::to_value(e).expect("events serialize"))
        .collect()
}

fn one(body: &str) -> Value {
    let ev = events(body);
    assert_eq!(ev.len(), 1, "{ev:?}");
    ev.into_iter().next().unwrap()
}

/// The inbound fixture with another text body.
fn inbound_saying(text: &str) -> String {
    let mut v: Value = serde_json::from_str(INBOUND).unwrap();
    v["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = json!(text);
    v.to_string()
}

#[test]
fn failed_status_with_131049() {
    let e = one(STATUS_131049);
    assert_eq!(e["kind"], "status");
    assert_eq!(e["status"], "failed");
    assert_eq!(
        e["wamid"],
        "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA"
    );
    assert_eq!(e["recipient_id"], "16505551234");
    assert_eq!(e["timestamp"], "2025-06-28T20:34:48Z");
    assert_eq!(e["phone_number_id"], "106540352242922");
    assert_eq!(e["pricing_category"], "marketing");
    let c = &e["classification"];
    assert_eq!(c["reason"], "MARKETING_LIMIT_REACHED");
    assert_eq!(c["meta_code"], 131049);
    assert_eq!(c["retry"]["kind"], "after");
    assert!(c["retry"]["after_seconds"].as_u64().unwrap() >= 86_400);
    assert!(c["details"].as_str().unwrap().contains("healthy ecosystem"));
}

#[test]
fn system_level_130429_errors_webhook() {
    let e = one(ERRORS_130429);
    assert_eq!(e["kind"], "account_error");
    assert_eq!(e["phone_number_id"], "106540352242922");
    assert!(e.get("wamid").is_none());
    assert_eq!(e["classification"]["reason"], "RATE_LIMIT_EXCEEDED");
    assert_eq!(e["classification"]["meta_code"], 130429);
    assert_eq!(e["classification"]["scope"], "phone_number");
}

#[test]
fn inbound_text_message() {
    let e = one(INBOUND);
    assert_eq!(e["kind"], "inbound_message");
    assert_eq!(e["from"], "16505551234");
    assert_eq!(e["wa_id"], "16505551234");
    assert_eq!(e["type"], "text");
    assert_eq!(e["text"], "Does it come in another color?");
    assert_eq!(e["timestamp"], "2025-06-08T20:59:43Z");
    assert_eq!(e["opt_out"], false);
    assert_eq!(e["opt_in"], false);
    assert!(e.get("classification").is_none());
}

#[test]
fn stop_keywords_in_several_languages() {
    for word in [
        "STOP",
        " stop ",
        "Stop.",
        "UNSUBSCRIBE",
        "cancel",
        "End",
        "quit",
        "STOPALL",
        "parar",
        "Baja",
        "ARRET",
        "arrêt",
        "Stopp",
    ] {
        assert_eq!(one(&inbound_saying(word))["opt_out"], true, "{word:?}");
    }
    for text in [
        "stop sending me the blue one",
        "don't stop",
        "STOP STOP STOP",
        "stopped",
    ] {
        assert_eq!(one(&inbound_saying(text))["opt_out"], false, "{text:?}");
    }
    for word in ["START", "resume", "Unstop"] {
        let e = one(&inbound_saying(word));
        assert_eq!(
            (e["opt_in"].clone(), e["opt_out"].clone()),
            (json!(true), json!(false)),
            "{word}"
        );
    }
}

#[test]
fn user_preferences_stop() {
    let e = one(USER_PREFERENCES);
    assert_eq!(e["kind"], "marketing_preference");
    assert_eq!(e["wa_id"], "16505551234");
    assert_eq!(e["preference"], "stop");
    assert_eq!(e["category"], "marketing_messages");
    assert_eq!(e["timestamp"], "2024-11-15T21:22:01Z");
}

#[test]
fn template_status_update() {
    let e = one(TEMPLATE_STATUS);
    assert_eq!(e["kind"], "template_status");
    assert_eq!(e["template_id"], "1689556908129832");
    assert_eq!(e["name"], "order_confirmation");
    assert_eq!(e["language"], "en_US");
    assert_eq!(e["status"], "PAUSED");
    assert_eq!(e["reason"], Value::Null, "Meta's NONE means no reason");
    assert_eq!(e["timestamp"], "2025-06-30T01:39:08Z");
}

#[test]
fn optional_fields_may_be_missing_and_unknown_ones_are_ignored() {
    let body = json!({"object": "whatsapp_business_account", "future_field": {"x": 1}, "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "metadata": {"phone_number_id": "PN"},
        "statuses": [
            {"id": "w1", "status": "delivered", "timestamp": "1751142888", "recipient_id": "16505551234", "new_thing": [1, 2]},
            {"id": "w1", "status": "read", "timestamp": "1751142890", "recipient_id": "16505551234",
             "pricing": {"pricing_model": "PMP", "type": "regular", "category": "utility"}},
            {"id": "w2", "status": "sent", "timestamp": "1751142890", "recipient_id": "", "recipient_user_id": "US.123"}
        ],
        "contacts": [{"profile": {"name": "A"}, "wa_id": "", "user_id": "US.999"}],
        "messages": [{"from": "", "id": "wamid.in", "timestamp": "1751142891", "type": "unsupported",
                      "errors": [{"code": 131051, "title": "Message type unknown"}]}]
    }}]}]});
    let ev = events(&body.to_string());
    assert_eq!(ev.len(), 4, "{ev:?}");
    assert!(ev[0].get("pricing_category").is_none());
    assert!(ev[0].get("classification").is_none());
    assert_eq!(ev[1]["pricing_category"], "utility");
    assert_eq!(ev[2]["recipient_id"], Value::Null);
    assert_eq!(ev[2]["recipient_user_id"], "US.123");
    assert_eq!(ev[3]["kind"], "inbound_message");
    assert_eq!(ev[3]["wa_id"], Value::Null);
    assert_eq!(ev[3]["user_id"], "US.999");
    assert_eq!(ev[3]["classification"]["meta_code"], 131051);
}

#[test]
fn malformed_bodies_become_invalid_events() {
    let cut = &STATUS_131049[..STATUS_131049.len() / 2];
    for body in [
        cut,
        "not json at all",
        "",
        "[1,2,3]",
        "42",
        "{\"entry\": 7}",
    ] {
        let ev = events(body);
        assert_eq!(ev.len(), 1, "{body:?}: {ev:?}");
        assert_eq!(ev[0]["kind"], "invalid", "{body:?}");
        assert!(ev[0]["error"].as_str().is_some_and(|s| !s.is_empty()));
    }
    assert!(events(cut)[0]["error"]
        .as_str()
        .unwrap()
        .contains("truncated"));
    // A malformed status next to a good one: the good one is still read.
    let mut v: Value = serde_json::from_str(STATUS_131049).unwrap();
    let good = v["entry"][0]["changes"][0]["value"]["statuses"][0].clone();
    v["entry"][0]["changes"][0]["value"]["statuses"] = json!([{"id": "x"}, good]);
    let ev = events(&v.to_string());
    assert_eq!(ev[0]["kind"], "invalid");
    assert_eq!(
        ev[0]["path"],
        "entry[0].changes[0].value.statuses[0].status"
    );
    assert_eq!(ev[1]["classification"]["meta_code"], 131049);
}

#[test]
fn a_three_megabyte_body() {
    let status = |i: usize| {
        json!({"id": format!("wamid.{i:020}"), "status": if i % 3 == 0 { "failed" } else { "delivered" },
               "timestamp": "1751142888", "recipient_id": format!("1650555{i:06}"),
               "pricing": {"billable": true, "pricing_model": "PMP", "type": "regular", "category": "marketing"},
               "errors": if i % 3 == 0 { json!([{"code": 131026, "title": "Message Undeliverable",
                   "error_data": {"details": "Message Undeliverable."}}]) } else { json!(null) }})
    };
    let mut statuses = Vec::new();
    let mut size = 0;
    while size < 3 * 1024 * 1024 - 1024 {
        let s = status(statuses.len());
        size += s.to_string().len() + 1;
        statuses.push(s);
    }
    let n = statuses.len();
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages",
        "value": {"metadata": {"phone_number_id": "PN"}, "statuses": statuses}}]}]})
    .to_string();
    assert!(
        body.len() <= 3 * 1024 * 1024 && body.len() > 3_000_000,
        "{}",
        body.len()
    );
    let t = Instant::now();
    let ev = api::classify_webhook(&body);
    let took = t.elapsed();
    eprintln!("3 MB body ({n} statuses): {took:?}");
    assert_eq!(ev.len(), n);
    let failed = ev.iter().filter(|e| e.classification().is_some()).count();
    assert_eq!(failed, n.div_ceil(3));
    // Generous for unoptimised test builds; the release figure is in the report.
    assert!(took.as_secs_f64() < 5.0, "{took:?}");
}

/// `cargo test --release --test webhook -- --ignored --nocapture`: the 3 MB figure.
#[test]
#[ignore]
fn three_megabytes_profile() {
    let status = |i: usize| {
        json!({"id": format!("wamid.{i:020}"), "status": if i % 3 == 0 { "failed" } else { "delivered" },
               "timestamp": "1751142888", "recipient_id": format!("1650555{i:06}"),
               "pricing": {"billable": true, "pricing_model": "PMP", "type": "regular", "category": "marketing"},
               "errors": if i % 3 == 0 { json!([{"code": 131026, "title": "Message Undeliverable",
                   "error_data": {"details": "Message Undeliverable."}}]) } else { json!(null) }})
    };
    let statuses: Vec<Value> = (0..12_700).map(status).collect();
    let body =
        json!({"entry": [{"changes": [{"field": "messages", "value": {"statuses": statuses}}]}]})
            .to_string();
    for _ in 0..7 {
        let (t, cpu) = (Instant::now(), thread_cpu_ns());
        let ev = api::classify_webhook(&body);
        let (took, cpu) = (t.elapsed(), thread_cpu_ns() - cpu);
        drop(ev);
        // On a shared machine wall time includes waiting for a core; CPU time does not.
        eprintln!(
            "{} bytes: wall {took:?}, cpu {:.1} ms",
            body.len(),
            cpu as f64 / 1e6
        );
    }
}

/// CPU time of this thread in ns (Linux schedstat); 0 elsewhere.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// One change of `field` with `value`, in entry `WABA1` at 1760000000 (2025-10-09T08:53:20Z).
fn change(field: &str, value: Value) -> String {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "time": 1760000000,
        "changes": [{"field": field, "value": value}]}]})
    .to_string()
}

#[test]
fn impending_and_completed_template_category_changes() {
    // Meta's two variants: impending carries correct_category, the timestamp of the change, and
    // new_category = the category still in force.
    let e = one(&change(
        "template_category_update",
        json!({"message_template_id": 278077987957091_u64, "message_template_name": "welcome_template",
               "message_template_language": "en-US", "correct_category": "MARKETING",
               "new_category": "UTILITY", "category_update_timestamp": 1760711433}),
    ));
    assert_eq!(e["kind"], "template_category");
    assert_eq!(e["change"], "impending");
    assert_eq!(e["category"], "UTILITY");
    assert_eq!(e["pending_category"]["category"], "MARKETING");
    assert_eq!(e["pending_category"]["at"], "2025-10-17T14:30:33Z");
    assert_eq!(e["template_id"], "278077987957091");
    assert_eq!(e["waba_id"], "WABA1");
    let e = one(&change(
        "template_category_update",
        json!({"message_template_id": 1, "message_template_name": "welcome_template",
               "message_template_language": "en-US", "previous_category": "UTILITY", "new_category": "MARKETING"}),
    ));
    assert_eq!(
        (&e["change"], &e["category"], &e["previous_category"]),
        (&json!("completed"), &json!("MARKETING"), &json!("UTILITY"))
    );
    assert!(e.get("pending_category").is_none());
}

#[test]
fn a_field_this_version_does_not_read_is_named() {
    let e = one(&change(
        "security",
        json!({"display_phone_number": "15550783881", "event": "PIN_CHANGED"}),
    ));
    assert_eq!(e["kind"], "unknown_field");
    assert_eq!(e["field"], "security");
    assert_eq!(e["waba_id"], "WABA1");
    assert_eq!(e["timestamp"], "2025-10-09T08:53:20Z");
    // A field name of megabytes is not echoed whole.
    let e = one(&change(&"x".repeat(1 << 20), json!({})));
    assert!(
        e["field"].as_str().unwrap().chars().count() <= 129,
        "{}",
        e["field"].as_str().unwrap().len()
    );
}

#[test]
fn an_item_of_unknown_shape_is_invalid_and_the_rest_is_read() {
    let body = json!({"entry": [{"id": "WABA1", "time": 1760000000, "changes": [
        {"field": "account_update", "value": {"ban_info": {"waba_ban_state": "DISABLE"}}},
        {"field": "message_template_quality_update", "value": {"message_template_name": "t"}},
        {"field": "phone_number_quality_update", "value": {"current_limit": "TIER_2K"}},
        {"field": "account_update", "value": {"event": "ACCOUNT_RESTRICTION", "restriction_info": [
            {"restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING", "expiration": "2026-04-19T13:59:20+0000"},
            "not an object"]}},
        {"field": "messages", "value": {"messages": [{"id": "w", "from": "1", "type": "system"}]}}
    ]}]});
    let ev = events(&body.to_string());
    let paths: Vec<&str> = ev.iter().filter_map(|e| e["path"].as_str()).collect();
    assert_eq!(
        paths,
        [
            "entry[0].changes[0].value.event",
            "entry[0].changes[1].value.new_quality_score",
            "entry[0].changes[2].value.event",
            "entry[0].changes[3].value.restriction_info[1].restriction_type",
            "entry[0].changes[4].value.messages[0].system",
        ],
        "{ev:?}"
    );
    let update = ev
        .iter()
        .find(|e| e["kind"] == "account_update")
        .expect("the readable update");
    assert_eq!(
        update["restrictions"],
        json!([{"type": "RESTRICTED_BIZ_INITIATED_MESSAGING", "until": "2026-04-19T13:59:20Z"}])
    );
}

#[test]
fn a_body_without_items_gives_no_event() {
    for value in [
        json!({"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1"}}),
        json!({}),
    ] {
        assert_eq!(events(&change("messages", value)), Vec::<Value>::new());
    }
}

#[test]
fn portfolio_messaging_limit_and_throughput() {
    let e = one(&change(
        "phone_number_quality_update",
        json!({"display_phone_number": "15550783881", "event": "UPGRADE", "old_limit": "TIER_250",
               "current_limit": "TIER_1K", "whatsapp_business_manager_messaging_limit": "TIER_2K",
               "throughput": {"level": "STANDARD"}}),
    ));
    assert_eq!(e["kind"], "phone_number_quality");
    assert_eq!(
        e["messaging_limit"], "TIER_2K",
        "the 2025 field wins over the deprecated one"
    );
    assert_eq!(e["previous_messaging_limit"], "TIER_250");
    assert_eq!(e["throughput_level"], "STANDARD");
    let e = one(&change(
        "business_capability_update",
        json!({"max_daily_conversation_per_phone": -1, "max_phone_numbers_per_waba": 25}),
    ));
    assert_eq!(e["kind"], "account_update");
    assert_eq!(e["field"], "business_capability_update");
    assert_eq!(e["messaging_limit"], "TIER_UNLIMITED");
    assert_eq!(e["max_phone_numbers_per_waba"], 25);
    let e = one(&change(
        "business_capability_update",
        json!({"max_daily_conversations_per_business": 2000}),
    ));
    assert_eq!(e["messaging_limit"], "TIER_2K");
}

#[test]
fn account_alerts_name_the_entity() {
    let e = one(&change(
        "account_alerts",
        json!({"entity_type": "PHONE_NUMBER", "entity_id": "106540352242922", "alert_info": {
            "alert_severity": "CRITICAL", "alert_status": "ACTIVE", "alert_type": "OBA_REJECTED",
            "alert_description": "Official business account request rejected."}}),
    ));
    assert_eq!(e["kind"], "account_update");
    assert_eq!(e["alert"]["entity_id"], "106540352242922");
    assert_eq!(e["alert"]["severity"], "CRITICAL");
    assert_eq!(e["alert"]["type"], "OBA_REJECTED");
}

#[test]
fn bsuid_changes_and_bsuid_only_recipients() {
    // Meta's 2026-08-11 system message: the BSUID changed, no phone number to share.
    let e = one(&change(
        "messages",
        json!({"metadata": {"phone_number_id": "PN"}, "messages": [{"from": "", "id": "wamid.s",
            "timestamp": "1786000000", "type": "system", "from_user_id": "US.222",
            "system": {"body": "User changed their ID", "type": "user_changed_user_id",
                       "previous_user_id": "US.111", "previous_parent_user_id": "US.ENT.1"}}]}),
    ));
    assert_eq!(e["kind"], "user_id_change");
    assert_eq!(e["change"], "user_changed_user_id");
    assert_eq!(
        (&e["previous_user_id"], &e["user_id"]),
        (&json!("US.111"), &json!("US.222"))
    );
    assert_eq!(e["previous_parent_user_id"], "US.ENT.1");
    // The same change with the new BSUID in `system.user_id`: `from_user_id` is the old one.
    let moved = one(&change(
        "messages",
        json!({"metadata": {"phone_number_id": "PN"}, "messages": [{"id": "wamid.t",
            "timestamp": "1786000000", "type": "system", "from_user_id": "US.111",
            "system": {"body": "User A changed from US.111 to US.222", "type": "user_changed_user_id",
                       "user_id": "US.222"}}]}),
    ));
    assert_eq!(
        (&moved["previous_user_id"], &moved["user_id"]),
        (&json!("US.111"), &json!("US.222"))
    );
    assert_eq!(e["wa_id"], Value::Null);
    assert!(e.get("previous_wa_id").is_none());
    assert_eq!(e["phone_number_id"], "PN");
    // A status of a send to a BSUID, and a preference of a username user: no BSUID as a wa_id.
    let ev = events(&change(
        "messages",
        json!({"statuses": [{"id": "w", "status": "sent", "recipient_id": "US.333"}],
               "user_preferences": [{"wa_id": "US.444", "value": "stop", "category": "marketing_messages"}]}),
    ));
    assert_eq!(
        (&ev[0]["recipient_id"], &ev[0]["recipient_user_id"]),
        (&Value::Null, &json!("US.333"))
    );
    assert_eq!(
        (&ev[1]["wa_id"], &ev[1]["user_id"]),
        (&Value::Null, &json!("US.444"))
    );
}

#[test]
fn a_contact_naming_another_number_lends_no_bsuid_to_a_status() {
    let ev = events(&change(
        "messages",
        json!({"contacts": [{"wa_id": "16505550000", "user_id": "US.999"}],
               "statuses": [{"id": "a", "status": "read", "recipient_id": "16505551234"},
                            {"id": "b", "status": "read", "recipient_id": "16505550000"}]}),
    ));
    assert!(ev[0].get("recipient_user_id").is_none(), "{:?}", ev[0]);
    assert_eq!(ev[1]["recipient_user_id"], "US.999");
}

#[test]
fn events_of_the_new_kinds_are_not_triaged_as_failures() {
    let body = change("account_update", json!({"event": "ACCOUNT_DELETED"}));
    let ev = events(&body);
    let report = serde_json::to_value(api::triage(&Value::Array(ev).to_string()).unwrap()).unwrap();
    assert_eq!(
        (report["total"].as_u64(), report["ignored"].as_u64()),
        (Some(0), Some(1)),
        "{report}"
    );
}

#[test]
fn classifications_are_shared_by_cause() {
    let failed = |i: usize, code: u32, details: &str| {
        json!({"id": format!("w{i}"), "status": "failed", "recipient_id": "1",
               "errors": [{"code": code, "title": "t", "error_data": {"details": details}}]})
    };
    let statuses = vec![
        failed(0, 131026, "Message Undeliverable."),
        json!({"id": "ok", "status": "delivered", "recipient_id": "1"}),
        failed(2, 131026, "Message Undeliverable."),
        failed(3, 131049, "healthy ecosystem"),
        failed(4, 131026, "Message Undeliverable."),
        failed(5, 131026, "another detail"),
    ];
    let body = change("messages", json!({"statuses": statuses}));
    let mut ev = api::classify_webhook(&body);
    let expected: Vec<_> = ev.iter().map(|e| e.classification().cloned()).collect();
    let shared = sendgate::webhook::share_classifications(&mut ev);
    assert!(ev.iter().all(|e| e.classification().is_none()), "moved out");
    assert_eq!(shared.distinct.len(), 3, "{:?}", shared.distinct);
    assert_eq!(
        shared.links,
        [(0, 0), (2, 0), (3, 1), (4, 0), (5, 2)],
        "every failure links to its cause, the delivered status to none"
    );
    for (event, k) in &shared.links {
        assert_eq!(
            expected[*event as usize].as_ref(),
            Some(&shared.distinct[*k as usize])
        );
    }
}

#[test]
fn the_events_json_text_is_serde_json_s() {
    let mut bodies = vec![
        STATUS_131049.to_string(),
        ERRORS_130429.to_string(),
        INBOUND.to_string(),
        USER_PREFERENCES.to_string(),
        TEMPLATE_STATUS.to_string(),
        inbound_saying("quote \" backslash \\ newline \n tab \t nul \u{0} é 😀 \u{2028}"),
    ];
    let statuses: Vec<Value> = (0..2000)
        .map(|i| json!({"id": format!("wamid.{i:020}"), "status": if i % 2 == 0 { "sent" } else { "failed" },
                        "timestamp": (1_751_142_888 + i).to_string(), "recipient_id": format!("1650555{i:06}"),
                        "errors": [{"code": 131000 + (i % 60), "title": format!("t\"{i}")}]}))
        .collect();
    bodies.push(change("messages", json!({"statuses": statuses})));
    for body in &bodies {
        let events = api::classify_webhook(body);
        let mut ours = Vec::new();
        sendgate::webhook::json_text::write(&mut ours, &events).unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            serde_json::to_string(&events).unwrap()
        );
    }
}

#[test]
fn template_components_with_buttons() {
    // The shape of Meta's message_template_components_update example.
    let e = one(&change(
        "message_template_components_update",
        json!({"message_template_id": 1315502779341834_u64, "message_template_name": "order_confirmation",
               "message_template_language": "en_US", "message_template_title": "Your order is confirmed!",
               "message_template_element": "Thank you for your order, {{1}}!",
               "message_template_footer": "Lucky Shrub",
               "message_template_buttons": [
                   {"message_template_button_type": "PHONE_NUMBER", "message_template_button_text": "Phone support",
                    "message_template_button_phone_number": "+15550783881"},
                   {"message_template_button_type": "URL", "message_template_button_text": "Email support",
                    "message_template_button_url": "https://www.luckyshrub.com/support"}]}),
    ));
    assert_eq!(e["kind"], "template_components");
    assert_eq!(e["header"], "Your order is confirmed!");
    assert_eq!(e["body"], "Thank you for your order, {{1}}!");
    assert_eq!(e["footer"], "Lucky Shrub");
    assert_eq!(
        e["buttons"],
        json!([{"type": "PHONE_NUMBER", "text": "Phone support", "phone_number": "+15550783881"},
               {"type": "URL", "text": "Email support", "url": "https://www.luckyshrub.com/support"}])
    );
}

#[test]
fn a_permanent_call_permission_and_a_user_initiated_call() {
    let e = one(&change(
        "messages",
        json!({"contacts": [{"wa_id": "16505551234", "user_id": "US.1"}],
               "messages": [{"from": "16505551234", "id": "wamid.p", "timestamp": "1752582182", "type": "interactive",
                             "interactive": {"type": "call_permission_reply", "call_permission_reply": {
                                 "response": "accept", "is_permanent": true, "response_source": "automatic"}}}]}),
    ));
    assert_eq!(
        e["kind"], "inbound_message",
        "a reply in the chat is a message from the user"
    );
    assert_eq!(
        e["call_permission"],
        json!({"response": "accept", "expires_at": null, "permanent": true, "source": "automatic"})
    );
    // No contacts: the caller of a user-initiated call is the user.
    let e = one(&change(
        "calls",
        json!({"metadata": {"phone_number_id": "PN"}, "calls": [{"id": "wacid.1", "from": "16505551234",
            "to": "15550783881", "event": "connect", "direction": "USER_INITIATED", "timestamp": "1752583107",
            "from_user_id": "US.1"}]}),
    ));
    assert_eq!(
        (&e["wa_id"], &e["user_id"]),
        (&json!("16505551234"), &json!("US.1"))
    );
    assert_eq!(e["phone_number_id"], "PN");
}
