//! The `calls` field (Calling API): `calls[]` (connect, terminate) and `statuses[]` of
//! business-initiated calls; value-level `errors[]` as for messages.

use super::messages::{account_errors, contacts, phone_number_id};
use super::{contact_of, phone_or_user_id, text, text_at, time, time_at, EntryInfo};
use crate::webhook::event::*;
use crate::webhook::raw;
use crate::webhook::walk::{for_each, for_each_json, invalid, join};

pub(in crate::webhook) fn calls(
    value: raw::Value,
    path: &dyn Fn() -> String,
    entry: &EntryInfo,
    out: &mut Vec<WebhookEvent>,
) {
    let phone_number_id = phone_number_id(&value);
    let contacts = contacts(&value.contacts);
    for_each_json(value.calls, "calls", path, out, |call, p, out| {
        let Some(call_id) = text_at(call, "id") else {
            return out.push(invalid(join(&p(), "id"), "missing".into()));
        };
        let (from, to) = (text_at(call, "from"), text_at(call, "to"));
        let direction = text_at(call, "direction");
        // The user is the caller of a user-initiated call and the callee of the others.
        let user_initiated = direction.as_deref() == Some("USER_INITIATED");
        let (user_number, user_bsuid) = if user_initiated {
            (&from, text_at(call, "from_user_id"))
        } else {
            (&to, text_at(call, "to_user_id"))
        };
        let contact = contact_of(contacts, &[user_number, &user_bsuid], None);
        let (wa_id, bsuid_as_wa_id) =
            phone_or_user_id(contact.and_then(|c| text(&c.wa_id)).or(user_number.clone()));
        out.push(WebhookEvent::Call(Box::new(CallEvent {
            call_id,
            event: text_at(call, "event").unwrap_or_default(),
            direction,
            status: text_at(call, "status"),
            wa_id,
            user_id: user_bsuid
                .or_else(|| contact.and_then(|c| text(&c.user_id)))
                .or(bsuid_as_wa_id),
            parent_user_id: contact.and_then(|c| text(&c.parent_user_id)),
            from,
            to,
            started_at: time_at(call, "start_time"),
            ended_at: time_at(call, "end_time"),
            duration_seconds: text_at(call, "duration").and_then(|d| d.parse().ok()),
            timestamp: time_at(call, "timestamp"),
            phone_number_id: phone_number_id.clone(),
            biz_opaque_callback_data: text_at(call, "biz_opaque_callback_data"),
        })));
    });
    for_each(value.statuses, "statuses", path, out, |status, p, out| {
        let Some(call_id) = text(&status.id) else {
            return out.push(invalid(join(&p(), "id"), "missing".into()));
        };
        let (recipient, bsuid_as_recipient) = phone_or_user_id(text(&status.recipient_id));
        let user_id = text(&status.recipient_user_id).or(bsuid_as_recipient);
        let contact = contact_of(contacts, &[&recipient, &user_id], Some(&recipient));
        out.push(WebhookEvent::Call(Box::new(CallEvent {
            call_id,
            event: "status".into(),
            direction: Some("BUSINESS_INITIATED".into()),
            status: text(&status.status),
            from: None,
            wa_id: recipient.clone(),
            to: recipient,
            user_id: user_id.or_else(|| contact.and_then(|c| text(&c.user_id))),
            parent_user_id: text(&status.recipient_parent_user_id)
                .or_else(|| contact.and_then(|c| text(&c.parent_user_id))),
            started_at: None,
            ended_at: None,
            duration_seconds: None,
            timestamp: time(&status.timestamp),
            phone_number_id: phone_number_id.clone(),
            biz_opaque_callback_data: text(&status.biz_opaque_callback_data),
        })));
    });
    if let Some(errors) = value.errors {
        account_errors(errors, path, &phone_number_id, entry.time, out);
    }
}
