//! Every troubleshooting case of the platform's failed-messages page, walked through the
//! JSON-facing API exactly as the package receives it.

use sendgate::api;
use serde_json::{json, Value};

const NOW: &str = "2026-11-28T12:00:00Z";

fn check(request: Value) -> Value {
    let verdict = api::check_send(&request.to_string()).expect("valid request");
    serde_json::to_value(verdict).unwrap()
}

fn blocker_reasons(verdict: &Value) -> Vec<String> {
    verdict["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap().to_string())
        .collect()
}

fn marketing_campaign(contact: Value) -> Value {
    json!({
        "contact": contact,
        "source": "campaign",
        "message": {
            "type": "template",
            "template": { "name": "black_friday", "language": "es_MX", "category": "MARKETING",
                          "status": "APPROVED", "body": "Hola {{1}}, 30% hoy" },
            "parameters": ["Ana"]
        },
        "now": NOW
    })
}

#[test]
fn customer_who_replied_stop_is_not_opted_in() {
    let v = check(marketing_campaign(
        json!({ "phone": "+525512345678", "marketing_state": "UNSUBSCRIBED" }),
    ));
    assert_eq!(v["eligible"], false);
    assert_eq!(blocker_reasons(&v), vec!["CUSTOMER_IS_NOT_OPTED_IN"]);
    let f = &v["blockers"][0];
    assert!(f["message"].as_str().unwrap().contains("opted out"));
    assert_eq!(f["field"], "contact.marketing_state");
    let resolution = f["resolution"].as_array().unwrap();
    assert!(!resolution.is_empty());
    // The finding reads like the catalog entry the classifier gives for the same reason.
    let c = serde_json::to_value(api::classify_failure_text("CUSTOMER_IS_NOT_OPTED_IN")).unwrap();
    assert_eq!(c["reason"], "CUSTOMER_IS_NOT_OPTED_IN");
    assert_eq!(c["compliance"], true);
}

#[test]
fn never_consented_states_say_so() {
    for state in ["NOT_SUBSCRIBED", "UNKNOWN"] {
        let v = check(marketing_campaign(
            json!({ "phone": "+525512345678", "marketing_state": state }),
        ));
        assert_eq!(
            blocker_reasons(&v),
            vec!["CUSTOMER_IS_NOT_OPTED_IN"],
            "{state}"
        );
        let message = v["blockers"][0]["message"].as_str().unwrap();
        assert!(message.contains("never"), "{state}: {message}");
    }
}

#[test]
fn mexican_number_without_calling_code_gets_a_suggestion() {
    let v = check(marketing_campaign(json!({
        "phone": "5512345678", "phone_country_code": "MX", "marketing_state": "SUBSCRIBED"
    })));
    assert_eq!(
        blocker_reasons(&v),
        vec!["CUSTOMER_IS_MISSING_CALLING_CODE"]
    );
    assert_eq!(v["blockers"][0]["suggested"], "+525512345678");
    assert_eq!(v["to"], Value::Null, "a suggestion is never used to send");
    let steps = v["blockers"][0]["resolution"].to_string();
    assert!(steps.contains("Shopify"), "{steps}");
}

#[test]
fn zero_balance_is_insufficient_credits() {
    let mut r =
        marketing_campaign(json!({ "phone": "+525512345678", "marketing_state": "SUBSCRIBED" }));
    r["credits"] = json!({ "balance": 0 });
    let v = check(r);
    assert_eq!(blocker_reasons(&v), vec!["INSUFFICIENT_CREDITS"]);
    assert_eq!(v["cost"], 1.0);
}

#[test]
fn inbox_text_25_hours_after_last_message_is_outside_the_window() {
    let v = check(json!({
        "contact": { "phone": "+971501234567", "marketing_state": "NOT_SUBSCRIBED",
                     "last_inbound_at": "2026-11-27T11:00:00Z" },
        "source": "inbox",
        "message": { "type": "text", "text": "Your parcel is on its way" },
        "now": NOW
    }));
    assert_eq!(blocker_reasons(&v), vec!["OUTSIDE_CONVERSATION_WINDOW"]);
    assert_eq!(v["window"]["open"], false);
    assert_eq!(v["window"]["closes_at"], "2026-11-28T11:00:00Z");
    let steps = v["blockers"][0]["resolution"].to_string().to_lowercase();
    assert!(steps.contains("template"), "{steps}");
}

#[test]
fn campaign_with_paused_template_gets_quality_pause_guidance() {
    let mut r =
        marketing_campaign(json!({ "phone": "+525512345678", "marketing_state": "SUBSCRIBED" }));
    r["message"]["template"]["status"] = json!("PAUSED");
    let v = check(r);
    assert_eq!(blocker_reasons(&v), vec!["TEMPLATE_NOT_APPROVED"]);
    let steps = v["blockers"][0]["resolution"].to_string().to_lowercase();
    assert!(steps.contains("pause"), "{steps}");
    let message = v["blockers"][0]["message"].as_str().unwrap();
    assert!(message.contains("quality"), "{message}");
    // Same guidance as Meta's 132015 when the send fails anyway.
    let classified = serde_json::to_value(api::classify_failure_json("132015")).unwrap();
    assert_eq!(classified["reason"], "TEMPLATE_NOT_APPROVED");
    assert_eq!(classified["resolution"], v["blockers"][0]["resolution"]);
}

#[test]
fn a_contact_with_several_problems_gets_all_of_them() {
    let mut r = marketing_campaign(json!({
        "phone": "5512345678", "phone_country_code": "MX", "marketing_state": "UNSUBSCRIBED"
    }));
    r["message"]["template"]["status"] = json!("PENDING_APPROVAL");
    r["message"]["parameters"] = json!([]);
    r["credits"] = json!({ "balance": 0 });
    let v = check(r);
    assert_eq!(
        blocker_reasons(&v),
        vec![
            "CUSTOMER_IS_MISSING_CALLING_CODE",
            "CUSTOMER_IS_NOT_OPTED_IN",
            "TEMPLATE_NOT_APPROVED",
            "TEMPLATE_PARAMETER_MISMATCH",
            "INSUFFICIENT_CREDITS"
        ]
    );
}

#[test]
fn malformed_requests_name_the_field() {
    let cases = [
        (
            json!({ "contact": { "phone": "1", "marketing_state": "YES" }, "source": "campaign",
                 "message": { "type": "text", "text": "x" } }),
            "contact.marketing_state",
        ),
        (
            json!({ "contact": { "phone": "1", "marketing_state": "SUBSCRIBED" }, "source": "sms",
                 "message": { "type": "text", "text": "x" } }),
            "source",
        ),
        (
            json!({ "contact": { "phone": "1", "marketing_state": "SUBSCRIBED", "last_inbound_at": "yesterday" },
                 "source": "inbox", "message": { "type": "text", "text": "x" } }),
            "contact.last_inbound_at",
        ),
        (
            json!({ "contact": { "phone": 5512345678u64, "marketing_state": "SUBSCRIBED" }, "source": "inbox",
                 "message": { "type": "text", "text": "x" } }),
            "contact.phone",
        ),
        (
            json!({ "contact": { "phone": "1", "marketing_state": "SUBSCRIBED" }, "source": "inbox",
                 "message": { "type": "text", "text": "x" }, "credits": { "balance": "10" } }),
            "credits.balance",
        ),
        (
            json!({ "contact": { "phone": "1", "marketing_state": "SUBSCRIBED" }, "source": "inbox",
                 "message": { "type": "text", "text": "  " } }),
            "message.text",
        ),
    ];
    for (request, path) in cases {
        let err = api::check_send(&request.to_string()).unwrap_err();
        assert_eq!(err.path, path, "{err}");
    }
    let err = api::check_send("{}").unwrap_err();
    assert!(err.message.contains("contact"), "{err}");
    let err = api::check_send(r#"{"contact":{"marketing_state":"NOPE"}}"#).unwrap_err();
    assert_eq!(err.allowed.len(), 7);
}

#[test]
fn template_picker_lists_every_template_pickable_first() {
    let request = json!({
        "contact": { "phone": "+5511987654321", "marketing_state": "NOT_SUBSCRIBED" },
        "source": "automation",
        "policy": { "consent": "by_category" },
        "now": NOW,
        "templates": [
            { "name": "promo", "language": "pt_BR", "category": "MARKETING", "status": "APPROVED" },
            { "name": "paused", "language": "pt_BR", "category": "UTILITY", "status": "PAUSED" },
            { "name": "shipping", "language": "pt_BR", "category": "UTILITY", "status": "APPROVED",
              "body": "Pedido {{1}} enviado, chega {{2}}" },
            { "name": "review", "language": "pt_BR", "category": "UTILITY", "status": "PENDING_APPROVAL" }
        ]
    });
    let options = serde_json::to_value(api::pick_templates(&request.to_string()).unwrap()).unwrap();
    let names: Vec<&str> = options
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["template"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "shipping");
    assert_eq!(options[0]["pickable"], true);
    assert_eq!(options[0]["parameter_count"], 2);
    for o in options.as_array().unwrap().iter().skip(1) {
        assert_eq!(o["pickable"], false, "{o}");
        assert!(!o["findings"].as_array().unwrap().is_empty());
    }
    let promo = options
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["template"]["name"] == "promo")
        .unwrap();
    assert_eq!(promo["findings"][0]["reason"], "CUSTOMER_IS_NOT_OPTED_IN");
    let review = options
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["template"]["name"] == "review")
        .unwrap();
    assert!(review["findings"][0]["resolution"]
        .to_string()
        .to_lowercase()
        .contains("wait"));
}
