//! `user_preferences[]`: marketing stop / resume.

use super::{phone_or_user_id, text, time};
use crate::webhook::event::*;
use crate::webhook::raw;

pub(super) fn preference(item: raw::Preference, phone_number_id: &Option<String>) -> WebhookEvent {
    let (wa_id, bsuid_as_wa_id) = phone_or_user_id(text(&item.wa_id));
    WebhookEvent::MarketingPreference(MarketingPreference {
        wa_id,
        user_id: text(&item.user_id).or(bsuid_as_wa_id),
        preference: item
            .value
            .as_ref()
            .and_then(raw::Leaf::as_str)
            .unwrap_or("")
            .to_ascii_lowercase(),
        category: text(&item.category),
        timestamp: time(&item.timestamp),
        phone_number_id: phone_number_id.clone(),
    })
}
