//! The `message_template_status_update` field.

use super::unix_time;
use crate::model::Timestamp;
use crate::webhook::event::*;
use crate::webhook::raw;

pub(in crate::webhook) fn template_status(
    value: &raw::Value,
    time: Option<Timestamp>,
) -> WebhookEvent {
    let text = |l: &Option<raw::Leaf>| l.as_ref().and_then(raw::Leaf::text);
    WebhookEvent::TemplateStatus(TemplateStatus {
        template_id: text(&value.message_template_id),
        name: text(&value.message_template_name),
        language: text(&value.message_template_language),
        status: text(&value.event).unwrap_or_default(),
        reason: text(&value.reason).filter(|r| r != "NONE"),
        category: text(&value.message_template_category),
        timestamp: value.timestamp.as_ref().and_then(unix_time).or(time),
    })
}
