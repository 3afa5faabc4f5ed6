//! The `messages` field: outbound `statuses[]` and inbound `messages[]`.

use serde_json::Value;

use super::{unix_time, unix_time_value};
use crate::classify;
use crate::model::Timestamp;
use crate::webhook::event::*;
use crate::webhook::keywords::{keyword_of, OPT_IN, OPT_OUT};
use crate::webhook::raw;
use crate::webhook::walk::{invalid, join};

#[inline(never)] // optimised by V8 per call, see triage::read_item
pub(in crate::webhook) fn status(
    item: raw::Status,
    path: &dyn Fn() -> String,
    phone_number_id: &Option<String>,
) -> WebhookEvent {
    let Some(status) = item.status.as_ref().and_then(raw::Leaf::as_str) else {
        return invalid(join(&path(), "status"), "missing or not a string".into());
    };
    let first_error = match &item.errors {
        Some(raw::List::Ok(errors)) => errors.first(),
        _ => None,
    };
    let classification = match first_error {
        Some(err) => Some(classify::classify_value(err)),
        // A failure without errors[] still is one; say so rather than guess a cause.
        None if status == "failed" => {
            Some(classify::classify_text("failed status without errors[]"))
        }
        None => None,
    };
    WebhookEvent::Status(StatusEvent {
        wamid: item
            .id
            .as_ref()
            .and_then(raw::Leaf::text)
            .unwrap_or_default(),
        status: status.to_string(),
        recipient_id: item.recipient_id.as_ref().and_then(raw::Leaf::text),
        recipient_user_id: item.recipient_user_id.as_ref().and_then(raw::Leaf::text),
        timestamp: item.timestamp.as_ref().and_then(unix_time),
        phone_number_id: phone_number_id.clone(),
        pricing_category: match &item.pricing {
            Some(raw::Obj::Ok(p)) => p.category.as_ref().and_then(raw::Leaf::text),
            _ => None,
        },
        biz_opaque_callback_data: item
            .biz_opaque_callback_data
            .as_ref()
            .and_then(raw::Leaf::text),
        classification,
    })
}

#[inline(never)] // optimised by V8 per call, see triage::read_item
pub(in crate::webhook) fn inbound(
    item: raw::Message,
    path: &dyn Fn() -> String,
    phone_number_id: &Option<String>,
    contacts: &[raw::Obj<raw::Contact>],
) -> WebhookEvent {
    let Some(id) = item.id.as_ref().and_then(raw::Leaf::text) else {
        return invalid(join(&path(), "id"), "missing or not a string".into());
    };
    let from = item.from.as_ref().and_then(raw::Leaf::text);
    let contacts: Vec<&raw::Contact> = contacts
        .iter()
        .filter_map(|c| match c {
            raw::Obj::Ok(c) => Some(c),
            raw::Obj::Not => None,
        })
        .collect();
    // The sender's contact: the one whose wa_id is `from`, else the only one.
    let contact = contacts
        .iter()
        .find(|c| from.is_some() && c.wa_id.as_ref().and_then(raw::Leaf::text) == from)
        .or(if contacts.len() == 1 {
            contacts.first()
        } else {
            None
        });
    let wa_id = contact
        .and_then(|c| c.wa_id.as_ref())
        .and_then(raw::Leaf::text)
        .or_else(|| from.clone());
    let user_id = item
        .from_user_id
        .as_ref()
        .and_then(raw::Leaf::text)
        .or_else(|| {
            contact
                .and_then(|c| c.user_id.as_ref())
                .and_then(raw::Leaf::text)
        });
    let text = [
        item.text
            .as_ref()
            .and_then(raw::Obj::get)
            .and_then(|t| t.body.as_ref()),
        item.button
            .as_ref()
            .and_then(raw::Obj::get)
            .and_then(|b| b.text.as_ref()),
        item.interactive
            .as_ref()
            .and_then(raw::Obj::get)
            .and_then(|i| i.button_reply.as_ref().or(i.list_reply.as_ref()))
            .and_then(raw::Obj::get)
            .and_then(|r| r.title.as_ref()),
    ]
    .into_iter()
    .flatten()
    .find_map(|l| l.as_str().map(str::to_string));
    let keyword = text.as_deref().map(keyword_of).unwrap_or_default();
    let classification = match &item.errors {
        Some(raw::List::Ok(errors)) => errors.first().map(classify::classify_value),
        _ => None,
    };
    WebhookEvent::InboundMessage(InboundMessage {
        id,
        from,
        wa_id,
        user_id,
        timestamp: item.timestamp.as_ref().and_then(unix_time),
        phone_number_id: phone_number_id.clone(),
        message_type: item
            .message_type
            .as_ref()
            .and_then(raw::Leaf::as_str)
            .unwrap_or("unknown")
            .to_string(),
        text,
        opt_out: OPT_OUT.contains(&keyword.as_str()),
        opt_in: OPT_IN.contains(&keyword.as_str()),
        classification,
    })
}

/// `value.errors[]`: system-, app- or account-level errors, with no wamid.
pub(in crate::webhook) fn account_errors(
    errors: raw::List<Value>,
    path: &impl Fn() -> String,
    phone_number_id: &Option<String>,
    time: Option<Timestamp>,
    out: &mut Vec<WebhookEvent>,
) {
    match errors {
        raw::List::Not => out.push(invalid(join(&path(), "errors"), "expected an array".into())),
        raw::List::Ok(errors) => {
            for (i, e) in errors.iter().enumerate() {
                match e {
                    Value::Object(obj) => out.push(WebhookEvent::AccountError(AccountError {
                        phone_number_id: phone_number_id.clone(),
                        timestamp: obj.get("timestamp").and_then(unix_time_value).or(time),
                        classification: Some(classify::classify_value(e)),
                    })),
                    _ => out.push(invalid(
                        join(&path(), &format!("errors[{i}]")),
                        "expected an object".into(),
                    )),
                }
            }
        }
    }
}
