//! triage through the JSON-facing api: grouping, ordering, the stop flag, retry lists, summary,
//! and linear cost.

use std::time::Instant;

use serde_json::{json, Value};

use sendgate::api;

fn triage(items: Value) -> Value {
    serde_json::to_value(api::triage(&items.to_string()).expect("an array triages")).unwrap()
}

fn group<'a>(report: &'a Value, reason: &str, code: Option<u64>) -> &'a Value {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["reason"] == reason && g["meta_code"].as_u64() == code)
        .unwrap_or_else(|| panic!("no group {reason} {code:?} in {report:#}"))
}

fn recipients(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["recipient"].as_str().unwrap())
        .collect()
}

#[test]
fn mixed_inputs_group_by_reason_and_code() {
    let webhook_body: Value =
        serde_json::from_str(include_str!("fixtures/status_failed_131049.json")).unwrap();
    // Events as classifyWebhook returns them, fed back in.
    let events: Vec<Value> = api::classify_webhook(include_str!("fixtures/errors_130429.json"))
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    let mut items = vec![
        json!("Rate limit exceeded"),
        json!({"error": {"code": 130429}, "to": "+15550001"}),
        json!({"code": 130429, "recipient_id": "15550002", "timestamp": "2026-11-27T10:00:00Z"}),
        json!({"code": 130429, "recipient_id": "15550002", "timestamp": "2026-11-27T12:00:00Z"}),
        json!(131026),
        json!({"id": "w", "status": "failed", "recipient_id": "15550003", "errors": [{"code": 131026}]}),
        json!({"kind": "status", "wamid": "w2", "status": "delivered", "recipient_id": "15550004"}),
        json!({"status": "read", "id": "w3"}),
        json!("HTTP 503"),
        webhook_body,
    ];
    items.extend(events);
    let r = triage(Value::Array(items));
    // Two non-failures are ignored; everything else counts.
    assert_eq!(r["ignored"], 2);
    assert_eq!(r["total"], 9);
    let g = group(&r, "RATE_LIMIT_EXCEEDED", Some(130429));
    assert_eq!(g["count"], 4, "three codes plus the account_error event");
    assert_eq!(g["recipients"], 2);
    assert_eq!(g["first_seen"], "2026-11-27T10:00:00Z");
    assert_eq!(g["last_seen"], "2026-11-27T12:00:00Z");
    assert_eq!(group(&r, "RATE_LIMIT_EXCEEDED", None)["count"], 1);
    assert_eq!(
        group(&r, "RECIPIENT_NOT_ON_WHATSAPP", Some(131026))["count"],
        2
    );
    assert_eq!(group(&r, "TRANSIENT_ERROR", None)["count"], 1);
    let m = group(&r, "MARKETING_LIMIT_REACHED", Some(131049));
    assert_eq!(m["count"], 1);
    assert_eq!(m["first_seen"], "2025-06-28T20:34:48Z");
    let shares: f64 = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["share"].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-9);
    // Largest first.
    let counts: Vec<u64> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["count"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert_eq!(r["groups"][0]["meta_code"], 130429);
}

#[test]
fn account_level_groups_stop_all_sends_and_lead_ties() {
    let r = triage(json!([
        {"code": 131026, "recipient_id": "1"},
        {"code": 190, "recipient_id": "2"},
        {"code": 131000, "recipient_id": "3"},
    ]));
    let groups = r["groups"].as_array().unwrap();
    assert_eq!(
        groups[0]["reason"], "ACCESS_TOKEN_INVALID",
        "ties: stop-all first"
    );
    assert_eq!(groups[0]["stops_all_sends"], true);
    assert!(groups[0]["next_action"]
        .as_str()
        .unwrap()
        .starts_with("Stop sending"));
    // Ties without the flag: by reason name.
    assert_eq!(groups[1]["reason"], "RECIPIENT_NOT_ON_WHATSAPP");
    assert_eq!(groups[2]["reason"], "TRANSIENT_ERROR");
    assert_eq!(groups[1]["stops_all_sends"], false);
    let summary = r["summary"].as_str().unwrap();
    assert!(summary.contains("3 failures"), "{summary}");
    assert!(
        summary.contains("stops every send on the account"),
        "{summary}"
    );
    for g in groups {
        assert!(!g["next_action"].as_str().unwrap().is_empty());
        assert_eq!(g["classification"]["reason"], g["reason"]);
    }
}

#[test]
fn retry_lists_per_recipient() {
    let r = triage(json!([
        {"code": 130429, "to": "now-1"},
        {"code": 131056, "to": "later-1", "timestamp": "2026-11-28T10:00:00Z"},
        {"code": 131049, "wa_id": "later-2", "failed_at": 1764324000},
        {"code": 131026, "phone": "never-1"},
        {"code": 130429, "phone": "never-1"},
        {"code": 190, "recipient": "later-3"},
        {"code": 132016, "recipient": "later-4"},
        {"code": 131050, "recipient_id": "never-2"},
        {"code": 130429},
    ]));
    assert_eq!(recipients(&r["retry"]["now"]), ["now-1"]);
    assert_eq!(
        recipients(&r["retry"]["later"]),
        ["later-1", "later-2", "later-3", "later-4"]
    );
    assert_eq!(recipients(&r["retry"]["never"]), ["never-1", "never-2"]);
    let later = &r["retry"]["later"];
    assert_eq!(later[0]["retry_at"], "2026-11-28T10:00:06Z");
    // 1764324000 = 2025-11-28T10:00:00Z, plus 24 h.
    assert_eq!(later[1]["retry_at"], "2025-11-29T10:00:00Z");
    assert!(
        later[2].get("retry_at").is_none(),
        "after the token is fixed: no time known"
    );
    assert_eq!(
        r["retry"]["never"][0]["reason"],
        "RECIPIENT_NOT_ON_WHATSAPP"
    );
    let s = r["summary"].as_str().unwrap();
    assert!(s.contains("now: 1, later: 4, never: 2"), "{s}");
}

#[test]
fn empty_and_odd_input() {
    let r = triage(json!([]));
    assert_eq!(r["total"], 0);
    assert_eq!(r["groups"], json!([]));
    assert!(r["summary"].as_str().unwrap().starts_with("No failures"));
    let r = triage(json!([null, 1.5, [], {}, "", true]));
    assert_eq!(r["total"], 6);
    assert_eq!(r["groups"][0]["reason"], "UNKNOWN");
    assert!(api::triage("{\"not\": \"an array\"}").is_err());
    assert!(api::triage("not json").is_err());
}

fn corpus(n: usize) -> Vec<Value> {
    let shapes = [
        json!({"error": {"code": 131049, "error_data": {"details": "d"}}, "to": "", "timestamp": "2026-11-27T10:00:00Z"}),
        json!({"id": "w", "status": "failed", "timestamp": "1751142888", "recipient_id": "", "errors": [{"code": 131026}]}),
        json!("Outside 24-hour window — no template used"),
        json!({"code": 130429, "recipient_id": ""}),
        json!(503),
    ];
    (0..n)
        .map(|i| {
            let mut v = shapes[i % shapes.len()].clone();
            let r = format!("1555{:07}", i % 200_000);
            for k in ["to", "recipient_id"] {
                if v.get(k).is_some() {
                    v[k] = json!(r);
                }
            }
            v
        })
        .collect()
}

#[test]
fn scales_linearly() {
    let small = corpus(20_000);
    let large = corpus(100_000);
    let t = Instant::now();
    let a = sendgate::triage::triage(&small);
    let t_small = t.elapsed();
    let t = Instant::now();
    let b = sendgate::triage::triage(&large);
    let t_large = t.elapsed();
    eprintln!("triage 20k: {t_small:?}, 100k: {t_large:?}");
    assert_eq!((a.total, b.total), (20_000, 100_000));
    // 5× the records may not cost much more than 5× the time (allow noise).
    assert!(t_large.as_secs_f64() < t_small.as_secs_f64() * 12.0 + 0.05);
}

/// `cargo test --release --test triage -- --ignored --nocapture`: the throughput figure.
#[test]
#[ignore]
fn one_million_records() {
    let items = corpus(1_000_000);
    let json = Value::Array(items).to_string();
    let (t, cpu) = (Instant::now(), thread_cpu_ns());
    let r = api::triage(&json).unwrap();
    let (took, cpu) = (t.elapsed(), thread_cpu_ns() - cpu);
    // On a shared machine wall time includes waiting for a core; CPU time does not.
    eprintln!(
        "triage of 1,000,000 records from JSON ({} MB): wall {took:?}, cpu {:.2} s",
        json.len() / 1_000_000,
        cpu as f64 / 1e9
    );
    assert_eq!(r.total, 1_000_000);
}

/// CPU time of this thread in ns (Linux schedstat); 0 elsewhere.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
