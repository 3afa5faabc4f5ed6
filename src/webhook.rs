//! Meta webhook parsing (stub until the classification work lands).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WebhookEvent {
    Invalid { path: String, error: String },
}

pub fn classify_webhook_text(_body: &str) -> Vec<WebhookEvent> {
    vec![WebhookEvent::Invalid {
        path: String::new(),
        error: "not implemented".into(),
    }]
}
