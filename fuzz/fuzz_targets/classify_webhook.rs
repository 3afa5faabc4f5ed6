#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;
use sendgate::webhook::{json_text, share_classifications};

fuzz_target!(|data: &[u8]| {
    let input = common::text(data);
    let mut typed = sendgate::api::classify_webhook(&input);
    let events = common::to_json(&typed);
    let events = events.as_array().expect("an array of events");
    for e in events {
        assert!(e["kind"].is_string(), "event without kind: {e}");
        if let Some(c) = e.get("classification") {
            common::assert_reasons_in_catalog(c);
            common::assert_meta_code_round_trip(c);
        }
    }
    // What the Wasm binding sends: the JSON text of json_text is serde_json's, and each event
    // that had a classification links to an equal one.
    let mut text = Vec::new();
    json_text::write(&mut text, &typed).expect("events serialize");
    assert_eq!(text, serde_json::to_vec(&typed).unwrap(), "json_text differs");
    let shared = share_classifications(&mut typed);
    let linked: Vec<usize> = shared.links.iter().map(|&(i, _)| i as usize).collect();
    let classified: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].get("classification").is_some())
        .collect();
    assert_eq!(linked, classified, "every classified event is linked once");
    for &(i, k) in &shared.links {
        assert_eq!(
            events[i as usize]["classification"],
            common::to_json(&shared.distinct[k as usize]),
            "event {i} links to its own classification"
        );
    }
});
