//! Native benchmark of `classifyWebhook` on the 3 MB body of `bench/webhook.mjs` (the same
//! statuses: one in five failed with 131026, the rest delivered with conversation and pricing):
//! the classification and the events' JSON text, as the Wasm binding builds it for
//! `JSON.parse` (each distinct classification once). `cargo bench --bench webhook` prints
//! medians; `-- --once` runs one pass for `valgrind --tool=callgrind
//! --toggle-collect='webhook::run*'` (instruction counts are stable on a shared machine where
//! wall time is not).

use std::hint::black_box;
use std::time::Instant;

use serde_json::json;

use sendgate::api;
use sendgate::webhook::{json_text, share_classifications};

/// A `messages` webhook of about `bytes`, statuses as `bench/webhook.mjs` writes them.
fn body(bytes: usize) -> String {
    let mut statuses = Vec::new();
    let mut size = 0;
    let mut i = 0u64;
    while size < bytes {
        let failed = i % 5 == 0;
        let mut s = json!({
            "id": format!("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI{i:010}"),
            "status": if failed { "failed" } else { "delivered" },
            "timestamp": (1_764_288_000 + i).to_string(),
            "recipient_id": format!("52155{}", 10_000_000 + i),
        });
        if failed {
            s["errors"] = json!([{"code": 131026, "title": "Message undeliverable",
                "message": "Message undeliverable", "error_data": {"details": "Message Undeliverable."}}]);
        } else {
            s["conversation"] = json!({"id": format!("conv{i}"), "origin": {"type": "marketing"}});
            s["pricing"] =
                json!({"billable": true, "pricing_model": "PMP", "category": "marketing"});
        }
        size += s.to_string().len() + 1;
        statuses.push(s);
        i += 1;
    }
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "statuses": statuses}}]}]})
    .to_string()
}

/// One `classifyWebhook` as the binding does it, minus the JS side: events, their shared
/// classifications moved out, then the JSON text of both.
#[inline(never)]
fn run(body: &str) -> usize {
    let mut events = api::classify_webhook(body);
    let shared = share_classifications(&mut events);
    let mut text = Vec::with_capacity(body.len());
    json_text::write(&mut text, &events).expect("events serialize");
    serde_json::to_writer(&mut text, &shared.distinct).expect("classifications serialize");
    text.len()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let body = body(3 * 1024 * 1024);
    if std::env::args().any(|a| a == "--once") {
        // One pass first, outside `run`: building the body left the allocator's free lists in
        // a state no server has (half a million small frees), which the first pass pays for.
        drop(black_box(api::classify_webhook(&body)));
        println!(
            "{} bytes in, {} bytes of events out",
            body.len(),
            run(&body)
        );
        return;
    }
    black_box(run(&body));
    let (mut classify, mut total) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        let t = Instant::now();
        let events = black_box(api::classify_webhook(black_box(&body)));
        classify.push(t.elapsed().as_secs_f64() * 1e3);
        drop(events);
        let t = Instant::now();
        black_box(run(black_box(&body)));
        total.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "classifyWebhook {:.2} MB body: events {:.2} ms, events + JSON text {:.2} ms (median of 15)",
        body.len() as f64 / 1e6,
        median(classify),
        median(total)
    );
}
