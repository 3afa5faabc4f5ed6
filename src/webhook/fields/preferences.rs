//! The `user_preferences` field: marketing stop / resume.

use super::unix_time;
use crate::webhook::event::*;
use crate::webhook::raw;

pub(in crate::webhook) fn preference(
    item: raw::Preference,
    phone_number_id: &Option<String>,
) -> WebhookEvent {
    WebhookEvent::MarketingPreference(MarketingPreference {
        wa_id: item.wa_id.as_ref().and_then(raw::Leaf::text),
        user_id: item.user_id.as_ref().and_then(raw::Leaf::text),
        preference: item
            .value
            .as_ref()
            .and_then(raw::Leaf::as_str)
            .unwrap_or("")
            .to_ascii_lowercase(),
        category: item.category.as_ref().and_then(raw::Leaf::text),
        timestamp: item.timestamp.as_ref().and_then(unix_time),
        phone_number_id: phone_number_id.clone(),
    })
}
