//! The template fields: `message_template_status_update`, `message_template_quality_update`,
//! `template_category_update`, `message_template_components_update`.

use serde_json::Value;

use super::{date_at, text_at, time_at, EntryInfo};
use crate::webhook::event::*;
use crate::webhook::raw;
use crate::webhook::walk::{invalid, join};

/// The template a change is about: Meta's id (a number or a string), name and language.
fn template_of(value: &raw::Value) -> (Option<String>, Option<String>, Option<String>) {
    let at = |key| text_at(&value.rest, key);
    (
        at("message_template_id"),
        at("message_template_name"),
        at("message_template_language"),
    )
}

pub(in crate::webhook) fn template_status(value: &raw::Value, entry: &EntryInfo) -> WebhookEvent {
    let (template_id, name, language) = template_of(value);
    WebhookEvent::TemplateStatus(TemplateStatus {
        template_id,
        name,
        language,
        status: text_at(&value.rest, "event").unwrap_or_default(),
        reason: text_at(&value.rest, "reason").filter(|r| r != "NONE"),
        category: text_at(&value.rest, "message_template_category"),
        timestamp: time_at(&value.rest, "timestamp").or(entry.time),
        disable_date: value
            .rest
            .get("disable_info")
            .and_then(|d| date_at(d, "disable_date")),
        waba_id: entry.waba_id.clone(),
    })
}

pub(in crate::webhook) fn template_quality(
    value: &raw::Value,
    path: &dyn Fn() -> String,
    entry: &EntryInfo,
) -> WebhookEvent {
    let (template_id, name, language) = template_of(value);
    let Some(quality) = text_at(&value.rest, "new_quality_score") else {
        return invalid(join(&path(), "new_quality_score"), "missing".into());
    };
    WebhookEvent::TemplateQuality(Box::new(TemplateQuality {
        template_id,
        name,
        language,
        quality,
        previous_quality: text_at(&value.rest, "previous_quality_score"),
        waba_id: entry.waba_id.clone(),
        timestamp: entry.time,
    }))
}

pub(in crate::webhook) fn template_category(
    value: &raw::Value,
    path: &dyn Fn() -> String,
    entry: &EntryInfo,
) -> WebhookEvent {
    let (template_id, name, language) = template_of(value);
    let category = text_at(&value.rest, "new_category");
    let pending = text_at(&value.rest, "correct_category").map(|category| PendingCategory {
        category,
        at: time_at(&value.rest, "category_update_timestamp"),
    });
    if category.is_none() && pending.is_none() {
        return invalid(
            join(&path(), "new_category"),
            "missing (and no correct_category)".into(),
        );
    }
    WebhookEvent::TemplateCategory(Box::new(TemplateCategory {
        template_id,
        name,
        language,
        change: if pending.is_some() {
            "impending"
        } else {
            "completed"
        },
        category,
        previous_category: text_at(&value.rest, "previous_category"),
        pending_category: pending,
        waba_id: entry.waba_id.clone(),
        timestamp: entry.time,
    }))
}

pub(in crate::webhook) fn template_components(
    value: &raw::Value,
    path: &dyn Fn() -> String,
    entry: &EntryInfo,
) -> WebhookEvent {
    let (template_id, name, language) = template_of(value);
    if template_id.is_none() && name.is_none() {
        return invalid(
            join(&path(), "message_template_id"),
            "missing (and no message_template_name)".into(),
        );
    }
    let buttons = match value.rest.get("message_template_buttons") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|b| TemplateButton {
                button_type: text_at(b, "message_template_button_type"),
                text: text_at(b, "message_template_button_text"),
                url: text_at(b, "message_template_button_url"),
                phone_number: text_at(b, "message_template_button_phone_number"),
            })
            .collect(),
        _ => Vec::new(),
    };
    WebhookEvent::TemplateComponents(Box::new(TemplateComponents {
        template_id,
        name,
        language,
        header: text_at(&value.rest, "message_template_title"),
        body: text_at(&value.rest, "message_template_element"),
        footer: text_at(&value.rest, "message_template_footer"),
        buttons,
        waba_id: entry.waba_id.clone(),
        timestamp: entry.time,
    }))
}
