//! `classifyWebhook`: one typed event per item of a Meta webhook body.
//!
//! A body (up to Meta's 3 MB) is parsed once by serde_json (which bounds nesting at 128 on its
//! own) and walked without recursion, so the cost is linear in its size. Malformed parts become
//! `invalid` events naming their path; the rest of the body is still read. Optional fields
//! (`conversation`, `pricing`, `wa_id` once users have usernames) may be absent, unknown fields
//! are ignored.

use serde::Serialize;
use serde_json::Value;

use crate::classify::{self, Classification};
use crate::error::MAX_INPUT_BYTES;
use crate::model::Timestamp;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WebhookEvent {
    Status(StatusEvent),
    InboundMessage(InboundMessage),
    MarketingPreference(MarketingPreference),
    TemplateStatus(TemplateStatus),
    AccountError(AccountError),
    Invalid { path: String, error: String },
}

/// An outbound message's lifecycle step (`value.statuses[]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusEvent {
    pub wamid: String,
    /// `sent`, `delivered`, `read`, `failed` (or `played`, or a future value, kept as given).
    pub status: String,
    pub recipient_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_user_id: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub phone_number_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pricing_category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biz_opaque_callback_data: Option<String>,
    /// Present when the status is `failed` (or carries `errors[]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
}

/// A message the customer sent (`value.messages[]`): opens the 24-hour window at `timestamp`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InboundMessage {
    pub id: String,
    pub from: Option<String>,
    pub wa_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub phone_number_id: Option<String>,
    #[serde(rename = "type")]
    pub message_type: String,
    /// The text body (or the tapped button's text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The whole text is a STOP-style opt-out keyword.
    pub opt_out: bool,
    /// The whole text is a START-style opt-in keyword.
    pub opt_in: bool,
    /// Present when Meta could not process the message (e.g. 131051 unsupported type).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
}

/// `user_preferences[]`: the customer stopped or resumed marketing messages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketingPreference {
    pub wa_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// `stop` or `resume` (a future value is kept as given).
    pub preference: String,
    pub category: Option<String>,
    pub timestamp: Option<Timestamp>,
    pub phone_number_id: Option<String>,
}

/// `message_template_status_update`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateStatus {
    pub template_id: Option<String>,
    pub name: Option<String>,
    pub language: Option<String>,
    /// The new status (Meta's `event`), e.g. `APPROVED`, `PAUSED`, `DISABLED`.
    pub status: String,
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub timestamp: Option<Timestamp>,
}

/// `value.errors[]`: a system-, app- or account-level error, with no wamid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountError {
    pub phone_number_id: Option<String>,
    pub timestamp: Option<Timestamp>,
    /// Always present as parsed; an `Option` only so [`WebhookEvent::take_classification`] can move it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
}

impl WebhookEvent {
    /// The failure this event reports, if any.
    pub fn classification(&self) -> Option<&Classification> {
        match self {
            WebhookEvent::Status(s) => s.classification.as_ref(),
            WebhookEvent::InboundMessage(m) => m.classification.as_ref(),
            WebhookEvent::AccountError(a) => a.classification.as_ref(),
            _ => None,
        }
    }

    /// Moves the classification out of the event: the Wasm binding sends each distinct
    /// classification of a body once instead of once per event.
    pub fn take_classification(&mut self) -> Option<Classification> {
        match self {
            WebhookEvent::Status(s) => s.classification.take(),
            WebhookEvent::InboundMessage(m) => m.classification.take(),
            WebhookEvent::AccountError(a) => a.classification.take(),
            _ => None,
        }
    }
}

/// A webhook body as raw text (what a server receives). Not JSON → one `invalid` event.
pub fn classify_webhook_text(body: &str) -> Vec<WebhookEvent> {
    if body.len() > MAX_INPUT_BYTES {
        return vec![invalid(
            String::new(),
            format!(
                "body is {} bytes; the limit is {MAX_INPUT_BYTES}",
                body.len()
            ),
        )];
    }
    // Typed, borrowing and lenient (see `raw`): no JSON tree is built for the parts we skip,
    // which is what keeps a 3 MB body fast.
    match serde_json::from_str::<raw::Obj<raw::Top>>(body) {
        Ok(raw::Obj::Ok(top)) => read_top(top),
        Ok(raw::Obj::Not) => vec![invalid(
            String::new(),
            "expected a webhook object with `entry[]`".into(),
        )],
        Err(e) => {
            let what = match e.classify() {
                serde_json::error::Category::Eof => "the body is truncated",
                // Valid JSON the lenient reader still refuses (e.g. a field given twice).
                serde_json::error::Category::Data => "the body has a malformed part",
                _ => "the body is not JSON",
            };
            vec![invalid(String::new(), format!("{what}: {e}"))]
        }
    }
}

/// A parsed webhook body (e.g. one item of a triage input).
pub fn classify_webhook_value(body: &Value) -> Vec<WebhookEvent> {
    classify_webhook_text(&body.to_string())
}

fn invalid(path: String, error: String) -> WebhookEvent {
    WebhookEvent::Invalid { path, error }
}

fn join(base: &str, field: &str) -> String {
    if base.is_empty() {
        field.to_string()
    } else {
        format!("{base}.{field}")
    }
}

fn read_top(top: raw::Top) -> Vec<WebhookEvent> {
    let mut out = Vec::new();
    match (top.entry, top.changes, top.value) {
        (Some(entries), _, _) => match entries {
            raw::List::Ok(list) => {
                for (i, e) in list.into_iter().enumerate() {
                    read_entry(e, || format!("entry[{i}]"), &mut out);
                }
            }
            raw::List::Not => out.push(invalid("entry".into(), "expected an array".into())),
        },
        // A single entry or a single change, as some tools forward them.
        (None, Some(changes), _) => read_changes(
            changes,
            String::new(),
            top.time.as_ref().and_then(unix_time),
            &mut out,
        ),
        (None, None, Some(value)) => read_change(
            raw::Obj::Ok(raw::Change {
                field: top.field,
                value: Some(value),
            }),
            String::new,
            None,
            &mut out,
        ),
        (None, None, None) => out.push(invalid(
            String::new(),
            "expected a webhook object with `entry[]`".into(),
        )),
    }
    out
}

fn read_entry(entry: raw::Obj<raw::Entry>, path: impl Fn() -> String, out: &mut Vec<WebhookEvent>) {
    let raw::Obj::Ok(entry) = entry else {
        out.push(invalid(path(), "expected an object".into()));
        return;
    };
    // Template and account webhooks carry their time on the entry, not in the value.
    let time = entry.time.as_ref().and_then(unix_time);
    match entry.changes {
        Some(changes) => read_changes(changes, path(), time, out),
        None => out.push(invalid(join(&path(), "changes"), "missing".into())),
    }
}

fn read_changes(
    changes: raw::List<raw::Obj<raw::Change>>,
    path: String,
    time: Option<Timestamp>,
    out: &mut Vec<WebhookEvent>,
) {
    match changes {
        raw::List::Ok(list) => {
            for (i, c) in list.into_iter().enumerate() {
                read_change(c, || join(&path, &format!("changes[{i}]")), time, out);
            }
        }
        raw::List::Not => out.push(invalid(join(&path, "changes"), "expected an array".into())),
    }
}

fn read_change(
    change: raw::Obj<raw::Change>,
    path: impl Fn() -> String,
    time: Option<Timestamp>,
    out: &mut Vec<WebhookEvent>,
) {
    let raw::Obj::Ok(change) = change else {
        out.push(invalid(path(), "expected an object".into()));
        return;
    };
    let field = change
        .field
        .as_ref()
        .and_then(raw::Leaf::as_str)
        .unwrap_or("messages");
    match change.value {
        Some(raw::Obj::Ok(value)) => read_value(value, || join(&path(), "value"), field, time, out),
        Some(raw::Obj::Not) => {
            out.push(invalid(join(&path(), "value"), "expected an object".into()))
        }
        None => out.push(invalid(join(&path(), "value"), "missing".into())),
    }
}

fn read_value(
    value: raw::Value,
    path: impl Fn() -> String,
    field: &str,
    time: Option<Timestamp>,
    out: &mut Vec<WebhookEvent>,
) {
    if field == "message_template_status_update" {
        out.push(template_status(&value, time));
        return;
    }
    let phone_number_id = match &value.metadata {
        Some(raw::Obj::Ok(m)) => m.phone_number_id.as_ref().and_then(raw::Leaf::text),
        _ => None,
    };
    let contacts: &[raw::Obj<raw::Contact>] = match &value.contacts {
        Some(raw::List::Ok(list)) => list,
        _ => &[],
    };
    for_each(value.statuses, "statuses", &path, out, |item, p, out| {
        out.push(status(item, p, &phone_number_id))
    });
    for_each(value.messages, "messages", &path, out, |item, p, out| {
        out.push(inbound(item, p, &phone_number_id, contacts))
    });
    for_each(
        value.user_preferences,
        "user_preferences",
        &path,
        out,
        |item, _, out| out.push(preference(item, &phone_number_id)),
    );
    match value.errors {
        None => {}
        Some(raw::List::Not) => {
            out.push(invalid(join(&path(), "errors"), "expected an array".into()))
        }
        Some(raw::List::Ok(errors)) => {
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

/// Calls `f` on each object of a list; anything else becomes an `invalid` event. Paths are
/// only built for invalid parts.
fn for_each<T>(
    list: Option<raw::List<raw::Obj<T>>>,
    key: &str,
    path: &impl Fn() -> String,
    out: &mut Vec<WebhookEvent>,
    mut f: impl FnMut(T, &dyn Fn() -> String, &mut Vec<WebhookEvent>),
) {
    match list {
        None => {}
        Some(raw::List::Not) => out.push(invalid(join(&path(), key), "expected an array".into())),
        Some(raw::List::Ok(items)) => {
            // One event per item: thousands of them in a big body, so no regrowth on the way.
            out.reserve(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let p = || join(&path(), &format!("{key}[{i}]"));
                match item {
                    raw::Obj::Ok(obj) => f(obj, &p, out),
                    raw::Obj::Not => out.push(invalid(p(), "expected an object".into())),
                }
            }
        }
    }
}

#[inline(never)] // optimised by V8 per call, see triage::read_item
fn status(
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
fn inbound(
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

fn preference(item: raw::Preference, phone_number_id: &Option<String>) -> WebhookEvent {
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

fn template_status(value: &raw::Value, time: Option<Timestamp>) -> WebhookEvent {
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

/// Meta's Unix seconds, as a string (its documented form) or a number.
fn unix_time(v: &raw::Leaf) -> Option<Timestamp> {
    let secs = match v {
        raw::Leaf::Str(s) => s.trim().parse::<i64>().ok()?,
        raw::Leaf::Num(n) => n.as_i64()?,
        raw::Leaf::Other => return None,
    };
    Timestamp::from_unix(secs)
}

fn unix_time_value(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => Timestamp::from_unix(s.trim().parse().ok()?),
        Value::Number(n) => Timestamp::from_unix(n.as_i64()?),
        _ => None,
    }
}

/// The shapes of a webhook body, read leniently: every field is optional, a field of the wrong
/// JSON type is kept as "not an object / not an array / other" instead of failing the body, and
/// unknown fields are skipped without being built.
mod raw {
    use std::borrow::Cow;
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{value::MapAccessDeserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer};

    use crate::model::clip;

    /// A leaf we read: a string (borrowed when it has no escapes), a number, or anything else.
    pub enum Leaf<'a> {
        Str(Cow<'a, str>),
        Num(serde_json::Number),
        Other,
    }

    impl Leaf<'_> {
        pub fn as_str(&self) -> Option<&str> {
            match self {
                Leaf::Str(s) => Some(s),
                _ => None,
            }
        }

        /// A non-empty string, or a number written as text (Meta sends IDs both ways).
        pub fn text(&self) -> Option<String> {
            match self {
                Leaf::Str(s) if !s.is_empty() => Some(clip(s, 4096)),
                Leaf::Num(n) => Some(n.to_string()),
                _ => None,
            }
        }
    }

    impl<'de: 'a, 'a> Deserialize<'de> for Leaf<'a> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V<'a>(PhantomData<&'a ()>);
            impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
                type Value = Leaf<'a>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                    Ok(Leaf::Str(Cow::Borrowed(v)))
                }
                fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                    Ok(Leaf::Str(Cow::Owned(v.to_string())))
                }
                fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                    Ok(Leaf::Str(Cow::Owned(v)))
                }
                fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                    Ok(Leaf::Num(v.into()))
                }
                fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                    Ok(Leaf::Num(v.into()))
                }
                fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                    Ok(serde_json::Number::from_f64(v).map_or(Leaf::Other, Leaf::Num))
                }
                fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                    Ok(Leaf::Other)
                }
                fn visit_unit<E>(self) -> Result<Self::Value, E> {
                    Ok(Leaf::Other)
                }
                fn visit_none<E>(self) -> Result<Self::Value, E> {
                    Ok(Leaf::Other)
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(Leaf::Other)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Leaf::Other)
                }
            }
            d.deserialize_any(V(PhantomData))
        }
    }

    /// An object read as `T`, or any other JSON value (`Not`).
    pub enum Obj<T> {
        Ok(T),
        Not,
    }

    impl<T> Obj<T> {
        pub fn get(&self) -> Option<&T> {
            match self {
                Obj::Ok(t) => Some(t),
                Obj::Not => None,
            }
        }
    }

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V<T>(PhantomData<T>);
            impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
                type Value = Obj<T>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                    T::deserialize(MapAccessDeserializer::new(map)).map(Obj::Ok)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Obj::Not)
                }
                fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Self::Value, E> {
                    Ok(Obj::Not)
                }
                fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                    Ok(Obj::Not)
                }
                fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                    Ok(Obj::Not)
                }
                fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                    Ok(Obj::Not)
                }
                fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                    Ok(Obj::Not)
                }
                fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                    Ok(Obj::Not)
                }
                fn visit_unit<E>(self) -> Result<Self::Value, E> {
                    Ok(Obj::Not)
                }
            }
            d.deserialize_any(V(PhantomData))
        }
    }

    /// An array of `T`, or any other JSON value (`Not`).
    pub enum List<T> {
        Ok(Vec<T>),
        Not,
    }

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V<T>(PhantomData<T>);
            impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
                type Value = List<T>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    // Bounded pre-allocation: the hint comes from untrusted input.
                    let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                    while let Some(item) = seq.next_element()? {
                        out.push(item);
                    }
                    Ok(List::Ok(out))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(List::Not)
                }
                fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Self::Value, E> {
                    Ok(List::Not)
                }
                fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                    Ok(List::Not)
                }
                fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                    Ok(List::Not)
                }
                fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                    Ok(List::Not)
                }
                fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                    Ok(List::Not)
                }
                fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                    Ok(List::Not)
                }
                fn visit_unit<E>(self) -> Result<Self::Value, E> {
                    Ok(List::Not)
                }
            }
            d.deserialize_any(V(PhantomData))
        }
    }

    type L<'a> = Option<Leaf<'a>>;

    #[derive(Deserialize)]
    pub struct Top<'a> {
        #[serde(borrow)]
        pub entry: Option<List<Obj<Entry<'a>>>>,
        #[serde(borrow)]
        pub changes: Option<List<Obj<Change<'a>>>>,
        #[serde(borrow)]
        pub time: L<'a>,
        #[serde(borrow)]
        pub field: L<'a>,
        #[serde(borrow)]
        pub value: Option<Obj<Value<'a>>>,
    }

    #[derive(Deserialize)]
    pub struct Entry<'a> {
        #[serde(borrow)]
        pub time: L<'a>,
        #[serde(borrow)]
        pub changes: Option<List<Obj<Change<'a>>>>,
    }

    #[derive(Deserialize)]
    pub struct Change<'a> {
        #[serde(borrow)]
        pub field: L<'a>,
        #[serde(borrow)]
        pub value: Option<Obj<Value<'a>>>,
    }

    #[derive(Deserialize)]
    pub struct Value<'a> {
        #[serde(borrow)]
        pub metadata: Option<Obj<Metadata<'a>>>,
        #[serde(borrow)]
        pub contacts: Option<List<Obj<Contact<'a>>>>,
        #[serde(borrow)]
        pub statuses: Option<List<Obj<Status<'a>>>>,
        #[serde(borrow)]
        pub messages: Option<List<Obj<Message<'a>>>>,
        #[serde(borrow)]
        pub user_preferences: Option<List<Obj<Preference<'a>>>>,
        /// Small and only present on failures: kept as JSON for the classifier.
        pub errors: Option<List<serde_json::Value>>,
        #[serde(borrow)]
        pub event: L<'a>,
        #[serde(borrow)]
        pub message_template_id: L<'a>,
        #[serde(borrow)]
        pub message_template_name: L<'a>,
        #[serde(borrow)]
        pub message_template_language: L<'a>,
        #[serde(borrow)]
        pub message_template_category: L<'a>,
        #[serde(borrow)]
        pub reason: L<'a>,
        #[serde(borrow)]
        pub timestamp: L<'a>,
    }

    #[derive(Deserialize)]
    pub struct Metadata<'a> {
        #[serde(borrow)]
        pub phone_number_id: L<'a>,
    }

    #[derive(Deserialize)]
    pub struct Contact<'a> {
        #[serde(borrow)]
        pub wa_id: L<'a>,
        #[serde(borrow)]
        pub user_id: L<'a>,
    }

    #[derive(Deserialize)]
    pub struct Status<'a> {
        #[serde(borrow)]
        pub id: L<'a>,
        #[serde(borrow)]
        pub status: L<'a>,
        #[serde(borrow)]
        pub recipient_id: L<'a>,
        #[serde(borrow)]
        pub recipient_user_id: L<'a>,
        #[serde(borrow)]
        pub timestamp: L<'a>,
        #[serde(borrow)]
        pub biz_opaque_callback_data: L<'a>,
        #[serde(borrow)]
        pub pricing: Option<Obj<Pricing<'a>>>,
        pub errors: Option<List<serde_json::Value>>,
    }

    #[derive(Deserialize)]
    pub struct Pricing<'a> {
        #[serde(borrow)]
        pub category: L<'a>,
    }

    #[derive(Deserialize)]
    pub struct Message<'a> {
        #[serde(borrow)]
        pub id: L<'a>,
        #[serde(borrow)]
        pub from: L<'a>,
        #[serde(borrow)]
        pub from_user_id: L<'a>,
        #[serde(borrow)]
        pub timestamp: L<'a>,
        #[serde(borrow, rename = "type")]
        pub message_type: L<'a>,
        #[serde(borrow)]
        pub text: Option<Obj<Text<'a>>>,
        #[serde(borrow)]
        pub button: Option<Obj<Button<'a>>>,
        #[serde(borrow)]
        pub interactive: Option<Obj<Interactive<'a>>>,
        pub errors: Option<List<serde_json::Value>>,
    }

    #[derive(Deserialize)]
    pub struct Text<'a> {
        #[serde(borrow)]
        pub body: L<'a>,
    }

    #[derive(Deserialize)]
    pub struct Button<'a> {
        #[serde(borrow)]
        pub text: L<'a>,
    }

    #[derive(Deserialize)]
    pub struct Interactive<'a> {
        #[serde(borrow)]
        pub button_reply: Option<Obj<Reply<'a>>>,
        #[serde(borrow)]
        pub list_reply: Option<Obj<Reply<'a>>>,
    }

    #[derive(Deserialize)]
    pub struct Reply<'a> {
        #[serde(borrow)]
        pub title: L<'a>,
    }

    #[derive(Deserialize)]
    pub struct Preference<'a> {
        #[serde(borrow)]
        pub wa_id: L<'a>,
        #[serde(borrow)]
        pub user_id: L<'a>,
        #[serde(borrow)]
        pub value: L<'a>,
        #[serde(borrow)]
        pub category: L<'a>,
        #[serde(borrow)]
        pub timestamp: L<'a>,
    }
}

/// Opt-out keywords, whole message (after `keyword_of`), in the languages merchants meet most.
pub const OPT_OUT: &[&str] = &[
    "STOP",
    "STOP ALL",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPT OUT",
    "OPTOUT",
    "REVOKE",
    "STOP PROMOTIONS",
    "PARAR",
    "PARE",
    "BAJA",
    "DAR DE BAJA",
    "DARSE DE BAJA",
    "CANCELAR",
    "DETENER",
    "ARRET",
    "ARRÊT",
    "ARRETER",
    "ARRÊTER",
    "DESABONNER",
    "DÉSABONNER",
    "STOPP",
    "ABMELDEN",
    "ABBESTELLEN",
    "SAIR",
    "DESCADASTRAR",
    "CANCELAR INSCRIÇÃO",
    "BASTA",
    "DISISCRIVITI",
    "ANNULLA",
    "UITSCHRIJVEN",
    "DUR",
    "IPTAL",
    "İPTAL",
    "ОТПИСАТЬСЯ",
    "СТОП",
    "توقف",
    "إلغاء",
];

/// Opt-in keywords, whole message.
pub const OPT_IN: &[&str] = &["START", "RESUME", "UNSTOP", "SUBSCRIBE", "ALTA", "REANUDAR"];

/// Trimmed, upper case, single spaces, hyphens as spaces, no surrounding punctuation: so
/// ` stop! `, `Stop.` and `opt-out` match their keyword. Long texts are never keywords.
fn keyword_of(text: &str) -> String {
    if text.len() > 64 {
        return String::new();
    }
    let cleaned: String = text
        .chars()
        .map(|c| if c == '-' || c == '_' { ' ' } else { c })
        .collect();
    let words: Vec<&str> = cleaned
        .trim_matches(|c: char| c.is_whitespace() || ".!¡?¿,;:\"'*()".contains(c))
        .split_whitespace()
        .collect();
    words.join(" ").to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_whole_message_and_tolerant() {
        for s in [
            "STOP", " stop ", "Stop!", "arrêt", "Baja", "opt-out", "StopAll",
        ] {
            assert!(OPT_OUT.contains(&keyword_of(s).as_str()), "{s}");
        }
        for s in ["please stop calling", "stopping by later", "", "STOP STOP"] {
            assert!(!OPT_OUT.contains(&keyword_of(s).as_str()), "{s}");
        }
        assert!(OPT_IN.contains(&keyword_of("start").as_str()));
    }

    #[test]
    fn a_field_given_twice_is_reported_not_mistaken_for_non_json() {
        let ev = classify_webhook_text(
            r#"{"entry":[{"changes":[{"value":{"statuses":[{"id":"a","id":"b","status":"sent"}]}}]}]}"#,
        );
        assert!(
            matches!(&ev[..], [WebhookEvent::Invalid { error, .. }] if error.contains("malformed part")),
            "{ev:?}"
        );
    }

    #[test]
    fn unix_seconds_as_string_or_number() {
        let t = unix_time_value(&Value::String("1751142888".into())).unwrap();
        assert_eq!(t.to_rfc3339(), "2025-06-28T20:34:48Z");
        assert_eq!(unix_time_value(&serde_json::json!(1751142888)), Some(t));
        assert_eq!(unix_time_value(&Value::String("soon".into())), None);
        let leaf = raw::Leaf::Str(std::borrow::Cow::Borrowed("1751142888"));
        assert_eq!(unix_time(&leaf), Some(t));
    }

    #[test]
    fn malformed_parts_do_not_hide_the_rest() {
        let body = r#"{"entry":[5,{"changes":[{"field":"messages","value":{"statuses":[7,{"id":"w","status":"read"}]}}]}]}"#;
        let ev = classify_webhook_text(body);
        assert_eq!(ev.len(), 3, "{ev:?}");
        assert!(matches!(&ev[0], WebhookEvent::Invalid { path, .. } if path == "entry[0]"));
        assert!(
            matches!(&ev[1], WebhookEvent::Invalid { path, .. } if path == "entry[1].changes[0].value.statuses[0]")
        );
        assert!(matches!(&ev[2], WebhookEvent::Status(s) if s.status == "read"));
    }
}
