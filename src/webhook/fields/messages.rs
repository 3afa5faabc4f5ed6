//! The `messages` field (and `user_preferences`, which shares its shape): outbound
//! `statuses[]`, inbound `messages[]` (system messages become `user_id_change`),
//! `user_preferences[]` and value-level `errors[]`.

use serde_json::Value;

use super::{
    contact_of, phone_or_user_id, text, text_at, time, time_at, unix_time_value, Contacts,
    EntryInfo,
};
use crate::classify::{self, Classification};
use crate::model::Timestamp;
use crate::webhook::event::*;
use crate::webhook::keywords::{keyword_of, OPT_IN, OPT_OUT};
use crate::webhook::raw;
use crate::webhook::walk::{for_each, invalid, join};

pub(in crate::webhook) fn messaging(
    value: raw::Value,
    path: &dyn Fn() -> String,
    entry: &EntryInfo,
    out: &mut Vec<WebhookEvent>,
) {
    let phone_number_id = phone_number_id(&value);
    let contacts = contacts(&value.contacts);
    let mut causes = Causes::default();
    for_each(value.statuses, "statuses", path, out, |item, p, out| {
        out.push(status(item, p, &phone_number_id, contacts, &mut causes))
    });
    for_each(value.messages, "messages", path, out, |item, p, out| {
        out.push(inbound(item, p, &phone_number_id, contacts))
    });
    for_each(
        value.user_preferences,
        "user_preferences",
        path,
        out,
        |item, _, out| out.push(super::preferences::preference(item, &phone_number_id)),
    );
    if let Some(errors) = value.errors {
        account_errors(errors, path, &phone_number_id, entry.time, out);
    }
}

pub(super) fn phone_number_id(value: &raw::Value) -> Option<String> {
    match &value.metadata {
        Some(raw::Obj::Ok(m)) => text(&m.phone_number_id),
        _ => None,
    }
}

pub(super) fn contacts<'v, 'a>(
    contacts: &'v Option<raw::List<raw::Obj<raw::Contact<'a>>>>,
) -> Contacts<'v, 'a> {
    match contacts {
        Some(raw::List::Ok(list)) => list,
        _ => &[],
    }
}

/// The classifications of the error objects a list of statuses has shown, by their JSON text:
/// the few most recent, since failures come in runs of the same cause.
#[derive(Default)]
struct Causes<'a> {
    recent: Vec<(&'a str, Classification)>,
}

impl<'a> Causes<'a> {
    const KEPT: usize = 8;

    fn of(&mut self, error: &'a serde_json::value::RawValue) -> Classification {
        let text = error.get();
        if let Some(i) = self.recent.iter().position(|(t, _)| *t == text) {
            return self.recent[i].1.clone();
        }
        // Valid JSON by construction: it was read as a value.
        let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let c = classify::classify_value(&value);
        if self.recent.len() == Self::KEPT {
            self.recent.remove(0);
        }
        self.recent.push((text, c.clone()));
        c
    }
}

#[inline(never)] // optimised by V8 per call, see triage::read_item
fn status<'a>(
    item: raw::Status<'a>,
    path: &dyn Fn() -> String,
    phone_number_id: &Option<String>,
    contacts: Contacts,
    causes: &mut Causes<'a>,
) -> WebhookEvent {
    let Some(status) = item.status.as_ref().and_then(raw::Leaf::as_str) else {
        return invalid(join(&path(), "status"), "missing or not a string".into());
    };
    let first_error = match &item.errors {
        Some(raw::List::Ok(errors)) => errors.first().copied(),
        _ => None,
    };
    let classification = match first_error {
        Some(err) => Some(causes.of(err)),
        // A failure without errors[] still is one; say so rather than guess a cause.
        None if status == "failed" => {
            Some(classify::classify_text("failed status without errors[]"))
        }
        None => None,
    };
    let (recipient_id, bsuid_as_recipient) = phone_or_user_id(text(&item.recipient_id));
    let mut recipient_user_id = text(&item.recipient_user_id).or(bsuid_as_recipient);
    let mut recipient_parent_user_id = text(&item.recipient_parent_user_id);
    // Failed statuses carry no contacts; the others may name the recipient's BSUID there.
    if !contacts.is_empty() && (recipient_user_id.is_none() || recipient_parent_user_id.is_none()) {
        if let Some(c) = contact_of(contacts, &[&recipient_id], Some(&recipient_id)) {
            recipient_user_id = recipient_user_id.or_else(|| text(&c.user_id));
            recipient_parent_user_id = recipient_parent_user_id.or_else(|| text(&c.parent_user_id));
        }
    }
    WebhookEvent::Status(StatusEvent {
        wamid: text(&item.id).unwrap_or_default(),
        status: status.to_string(),
        recipient_id,
        recipient_user_id,
        recipient_parent_user_id,
        recipient_type: text(&item.recipient_type),
        recipient_participant_id: text(&item.recipient_participant_id),
        recipient_participant_user_id: text(&item.recipient_participant_user_id),
        timestamp: time(&item.timestamp),
        phone_number_id: phone_number_id.clone(),
        pricing_category: match &item.pricing {
            Some(raw::Obj::Ok(p)) => text(&p.category),
            _ => None,
        },
        biz_opaque_callback_data: text(&item.biz_opaque_callback_data),
        classification,
    })
}

#[inline(never)] // optimised by V8 per call, see triage::read_item
fn inbound(
    item: raw::Message,
    path: &dyn Fn() -> String,
    phone_number_id: &Option<String>,
    contacts: Contacts,
) -> WebhookEvent {
    let Some(id) = text(&item.id) else {
        return invalid(join(&path(), "id"), "missing or not a string".into());
    };
    if item.message_type.as_ref().and_then(raw::Leaf::as_str) == Some("system") {
        return user_id_change(item, id, path, phone_number_id);
    }
    let from = text(&item.from);
    let from_user_id = text(&item.from_user_id);
    // The sender's contact: the one whose wa_id is `from` (or BSUID `from_user_id`), else the
    // only one.
    let contact = contact_of(contacts, &[&from, &from_user_id], None);
    let (wa_id, bsuid_as_wa_id) = phone_or_user_id(
        contact
            .and_then(|c| text(&c.wa_id))
            .or_else(|| from.clone()),
    );
    let user_id = from_user_id
        .or_else(|| contact.and_then(|c| text(&c.user_id)))
        .or(bsuid_as_wa_id);
    let parent_user_id =
        text(&item.from_parent_user_id).or_else(|| contact.and_then(|c| text(&c.parent_user_id)));
    let interactive = item.interactive.as_ref().and_then(raw::Obj::get);
    let said = [
        item.text
            .as_ref()
            .and_then(raw::Obj::get)
            .and_then(|t| t.body.as_ref()),
        item.button
            .as_ref()
            .and_then(raw::Obj::get)
            .and_then(|b| b.text.as_ref()),
        interactive
            .and_then(|i| i.button_reply.as_ref().or(i.list_reply.as_ref()))
            .and_then(raw::Obj::get)
            .and_then(|r| r.title.as_ref()),
    ]
    .into_iter()
    .flatten()
    .find_map(|l| l.as_str().map(str::to_string));
    let keyword = said.as_deref().map(keyword_of).unwrap_or_default();
    let classification = match &item.errors {
        Some(raw::List::Ok(errors)) => errors.first().map(classify::classify_value),
        _ => None,
    };
    let call_permission = interactive
        .and_then(|i| i.call_permission_reply.as_ref())
        .filter(|r| r.is_object())
        .map(|r| CallPermission {
            response: text_at(r, "response").unwrap_or_default(),
            expires_at: time_at(r, "expiration_timestamp"),
            permanent: r.get("is_permanent").and_then(Value::as_bool),
            source: text_at(r, "response_source"),
        });
    WebhookEvent::InboundMessage(InboundMessage {
        id,
        from,
        wa_id,
        user_id,
        parent_user_id,
        group_id: text(&item.group_id),
        timestamp: time(&item.timestamp),
        phone_number_id: phone_number_id.clone(),
        message_type: item
            .message_type
            .as_ref()
            .and_then(raw::Leaf::as_str)
            .unwrap_or("unknown")
            .to_string(),
        text: said,
        opt_out: OPT_OUT.contains(&keyword.as_str()),
        opt_in: OPT_IN.contains(&keyword.as_str()),
        call_permission,
        classification,
    })
}

/// A system message: the ids it names before and after (Meta sends no contacts with it).
fn user_id_change(
    item: raw::Message,
    id: String,
    path: &dyn Fn() -> String,
    phone_number_id: &Option<String>,
) -> WebhookEvent {
    let Some(system) = item.system.as_ref().filter(|s| s.is_object()) else {
        return invalid(join(&path(), "system"), "missing or not an object".into());
    };
    let from = text(&item.from);
    let new_wa_id = text_at(system, "wa_id");
    let previous_wa_id = match &new_wa_id {
        Some(new) => text_at(system, "customer")
            .or(from.clone())
            .filter(|old| old != new),
        None => None,
    };
    let (wa_id, bsuid_as_wa_id) = phone_or_user_id(new_wa_id.or(from));
    let new_user_id = text_at(system, "user_id");
    // With the new BSUID in `system.user_id`, `from_user_id` is the sender's id before the
    // change (Meta's user_changed_user_id: "changed from <from_user_id> to <system.user_id>").
    let previous_user_id = text_at(system, "previous_user_id").or_else(|| {
        new_user_id
            .as_ref()
            .and(text(&item.from_user_id))
            .filter(|old| Some(old) != new_user_id.as_ref())
    });
    WebhookEvent::UserIdChange(Box::new(UserIdChange {
        id,
        change: text_at(system, "type").unwrap_or_default(),
        wa_id,
        previous_wa_id: phone_or_user_id(previous_wa_id).0,
        user_id: new_user_id
            .or_else(|| text(&item.from_user_id))
            .or(bsuid_as_wa_id),
        previous_user_id,
        parent_user_id: text_at(system, "parent_user_id")
            .or_else(|| text(&item.from_parent_user_id)),
        previous_parent_user_id: text_at(system, "previous_parent_user_id"),
        body: text_at(system, "body"),
        timestamp: time(&item.timestamp),
        phone_number_id: phone_number_id.clone(),
    }))
}

/// `value.errors[]`: system-, app- or account-level errors, with no wamid.
pub(super) fn account_errors(
    errors: raw::List<Value>,
    path: &dyn Fn() -> String,
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
