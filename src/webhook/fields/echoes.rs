//! The `smb_message_echoes` field: messages the business sent from the WhatsApp Business app
//! on a number shared with the Cloud API (coexistence).

use serde_json::Value;

use super::messages::{contacts, phone_number_id};
use super::{contact_of, phone_or_user_id, text, text_at, time_at};
use crate::webhook::event::*;
use crate::webhook::raw;
use crate::webhook::walk::{for_each_json, invalid, join};

pub(in crate::webhook) fn echoes(
    value: raw::Value,
    path: &dyn Fn() -> String,
    out: &mut Vec<WebhookEvent>,
) {
    let phone_number_id = phone_number_id(&value);
    let contacts = contacts(&value.contacts);
    for_each_json(
        value.message_echoes,
        "message_echoes",
        path,
        out,
        |echo, p, out| {
            let Some(id) = text_at(echo, "id") else {
                return out.push(invalid(join(&p(), "id"), "missing".into()));
            };
            let (to, bsuid_as_to) = phone_or_user_id(text_at(echo, "to"));
            let to_user_id = text_at(echo, "to_user_id").or(bsuid_as_to);
            let contact = contact_of(contacts, &[&to, &to_user_id], Some(&to));
            let edit = echo.get("edit");
            let text_of = |message: &Value| message.get("text").and_then(|t| text_at(t, "body"));
            out.push(WebhookEvent::MessageEcho(Box::new(MessageEcho {
                id,
                from: text_at(echo, "from"),
                to,
                to_user_id: to_user_id.or_else(|| contact.and_then(|c| text(&c.user_id))),
                to_parent_user_id: text_at(echo, "to_parent_user_id")
                    .or_else(|| contact.and_then(|c| text(&c.parent_user_id))),
                message_type: text_at(echo, "type").unwrap_or_else(|| "unknown".into()),
                text: text_of(echo)
                    .or_else(|| edit.and_then(|e| e.get("message")).and_then(text_of)),
                original_message_id: edit
                    .or(echo.get("revoke"))
                    .and_then(|e| text_at(e, "original_message_id")),
                timestamp: time_at(echo, "timestamp"),
                phone_number_id: phone_number_id.clone(),
            })));
        },
    );
}
