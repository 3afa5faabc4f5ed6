//! classifyWebhook over the 148 real webhook bodies of `../shared/realworld/webhooks/` (public
//! libraries' fixtures, Meta's examples, published captures; none written here). Every body
//! gives at least one event, only the body that is malformed upstream gives `invalid`, and each
//! body's events have the kinds and key fields of `realworld_webhooks.expect`, written by
//! reading the bodies; their JSON text (as the Wasm binding writes it) is serde_json's.
//! Skipped, with a message, where the folder is absent.
//!
//! `cargo test --test realworld_webhooks -- --nocapture` prints the events per kind.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use sendgate::api;

const EXPECT: &str = include_str!("realworld_webhooks.expect");
/// SOURCES.md: "MALFORMED upstream: a stray "{" follows the closing brace".
const MALFORMED_UPSTREAM: &str = "bindambc__textMessageStatusRead.json";

fn folder() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld/webhooks");
    dir.is_dir().then_some(dir)
}

struct Expected {
    kind: String,
    fields: Vec<(String, String)>,
}

/// The table: file name → its events, in order.
fn expectations() -> BTreeMap<String, Vec<Expected>> {
    let mut table: BTreeMap<String, Vec<Expected>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in EXPECT.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            let file = line.trim().to_string();
            assert!(
                table.insert(file.clone(), Vec::new()).is_none(),
                "{file} twice"
            );
            current = Some(file);
            continue;
        }
        let file = current.as_ref().expect("an event line follows a file name");
        let mut parts = line.trim().split(" | ");
        let kind = parts.next().unwrap().trim().to_string();
        let fields = parts
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or_else(|| panic!("{file}: {p}"));
                (k.trim().to_string(), v.to_string())
            })
            .collect();
        table.get_mut(file).unwrap().push(Expected { kind, fields });
    }
    table
}

/// The member at a dotted path (`restrictions.1.type`), as the table writes values.
fn at(event: &Value, path: &str) -> String {
    let mut v = event;
    for key in path.split('.') {
        v = match v {
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => v.get(key),
        }
        .unwrap_or(&Value::Null);
    }
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

#[test]
fn every_real_body_gives_its_events() {
    let Some(dir) = folder() else {
        eprintln!("skipped: ../shared/realworld/webhooks is absent (the real-world bodies live outside the repo)");
        return;
    };
    let table = expectations();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 148, "the folder holds 148 bodies");
    let mut problems = Vec::new();
    let mut per_kind: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        let body = std::fs::read_to_string(dir.join(file)).unwrap();
        let events: Vec<Value> = api::classify_webhook(&body)
            .iter()
            .map(|e| serde_json::to_value(e).unwrap())
            .collect();
        for e in &events {
            *per_kind.entry(at(e, "kind")).or_default() += 1;
        }
        let typed = api::classify_webhook(&body);
        let mut text = Vec::new();
        sendgate::webhook::json_text::write(&mut text, &typed).unwrap();
        if text != serde_json::to_vec(&typed).unwrap() {
            problems.push(format!("{file}: json_text differs from serde_json"));
        }
        if events.is_empty() {
            problems.push(format!("{file}: no event"));
        }
        let invalid = events.iter().filter(|e| e["kind"] == "invalid").count();
        if (invalid > 0) != (file == MALFORMED_UPSTREAM) {
            problems.push(format!("{file}: {invalid} invalid events: {events:?}"));
        }
        let Some(expected) = table.get(file) else {
            problems.push(format!("{file}: not in realworld_webhooks.expect"));
            continue;
        };
        if expected.len() != events.len() {
            problems.push(format!(
                "{file}: {} events, expected {}: {events:?}",
                events.len(),
                expected.len()
            ));
            continue;
        }
        for (i, (want, got)) in expected.iter().zip(&events).enumerate() {
            if got["kind"] != want.kind.as_str() {
                problems.push(format!(
                    "{file}[{i}]: kind {}, expected {}",
                    got["kind"], want.kind
                ));
                continue;
            }
            for (path, value) in &want.fields {
                let found = at(got, path);
                if &found != value {
                    problems.push(format!("{file}[{i}].{path}: {found:?}, expected {value:?}"));
                }
            }
        }
    }
    for file in table.keys() {
        if !files.contains(file) {
            problems.push(format!("{file}: in the table but not in the folder"));
        }
    }
    let total: usize = per_kind.values().sum();
    eprintln!(
        "events per kind over {} real bodies ({total} events):",
        files.len()
    );
    for (kind, n) in &per_kind {
        eprintln!("  {kind:<22} {n}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
