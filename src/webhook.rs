//! `classifyWebhook`: one typed event per item of a Meta webhook body.
//!
//! A body (up to Meta's 3 MB) is parsed once by serde_json (which bounds nesting at 128 on its
//! own) and walked without recursion, so the cost is linear in its size. Malformed parts become
//! `invalid` events naming their path; the rest of the body is still read. Optional fields
//! (`conversation`, `pricing`, `wa_id` once users have usernames) may be absent, unknown fields
//! are ignored.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::classify::{self, Classification};
use crate::error::MAX_INPUT_BYTES;
use crate::model::{clip, Timestamp};

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
    pub classification: Classification,
}

impl WebhookEvent {
    /// The failure this event reports, if any.
    pub fn classification(&self) -> Option<&Classification> {
        match self {
            WebhookEvent::Status(s) => s.classification.as_ref(),
            WebhookEvent::InboundMessage(m) => m.classification.as_ref(),
            WebhookEvent::AccountError(a) => Some(&a.classification),
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
    match serde_json::from_str::<Value>(body) {
        Ok(v) => classify_webhook_value(&v),
        Err(e) => {
            let what = if e.is_eof() {
                "the body is truncated"
            } else {
                "the body is not JSON"
            };
            vec![invalid(String::new(), format!("{what}: {e}"))]
        }
    }
}

/// A parsed webhook body. Also accepts a single `entry`, `change` or `value` object.
pub fn classify_webhook_value(body: &Value) -> Vec<WebhookEvent> {
    let mut out = Vec::new();
    let Some(map) = body.as_object() else {
        out.push(invalid(
            String::new(),
            "expected a webhook object with `entry[]`".into(),
        ));
        return out;
    };
    if let Some(entries) = map.get("entry") {
        match entries.as_array() {
            Some(list) => {
                for (i, e) in list.iter().enumerate() {
                    read_entry(e, &format!("entry[{i}]"), &mut out);
                }
            }
            None => out.push(invalid("entry".into(), "expected an array".into())),
        }
    } else if map.contains_key("changes") {
        read_entry(body, "", &mut out);
    } else if map.contains_key("value") {
        read_change(body, "", None, &mut out);
    } else if is_value(map) {
        read_value(map, "", "messages", None, &mut out);
    } else {
        out.push(invalid(
            String::new(),
            "expected a webhook object with `entry[]`".into(),
        ));
    }
    out
}

fn is_value(map: &Map<String, Value>) -> bool {
    [
        "statuses",
        "messages",
        "errors",
        "user_preferences",
        "event",
    ]
    .iter()
    .any(|k| map.contains_key(*k))
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

fn read_entry(entry: &Value, path: &str, out: &mut Vec<WebhookEvent>) {
    let Some(map) = entry.as_object() else {
        out.push(invalid(path.to_string(), "expected an object".into()));
        return;
    };
    // Template and account webhooks carry their time on the entry, not in the value.
    let time = map.get("time").and_then(unix_time);
    match map.get("changes") {
        Some(Value::Array(changes)) => {
            for (i, c) in changes.iter().enumerate() {
                read_change(c, &join(path, &format!("changes[{i}]")), time, out);
            }
        }
        Some(_) => out.push(invalid(join(path, "changes"), "expected an array".into())),
        None => out.push(invalid(join(path, "changes"), "missing".into())),
    }
}

fn read_change(change: &Value, path: &str, time: Option<Timestamp>, out: &mut Vec<WebhookEvent>) {
    let Some(map) = change.as_object() else {
        out.push(invalid(path.to_string(), "expected an object".into()));
        return;
    };
    let field = map
        .get("field")
        .and_then(Value::as_str)
        .unwrap_or("messages");
    match map.get("value") {
        Some(Value::Object(value)) => read_value(value, &join(path, "value"), field, time, out),
        Some(_) => out.push(invalid(join(path, "value"), "expected an object".into())),
        None => out.push(invalid(join(path, "value"), "missing".into())),
    }
}

fn read_value(
    value: &Map<String, Value>,
    path: &str,
    field: &str,
    time: Option<Timestamp>,
    out: &mut Vec<WebhookEvent>,
) {
    if field == "message_template_status_update" {
        out.push(template_status(value, time));
        return;
    }
    let phone_number_id = value
        .get("metadata")
        .and_then(|m| m.get("phone_number_id"))
        .and_then(text_of);
    let contacts = value.get("contacts").and_then(Value::as_array);
    for_each(value, "statuses", path, out, |item, p, out| {
        out.push(status(item, p, &phone_number_id))
    });
    for_each(value, "messages", path, out, |item, p, out| {
        out.push(inbound(item, p, &phone_number_id, contacts))
    });
    for_each(value, "user_preferences", path, out, |item, _, out| {
        out.push(preference(item, &phone_number_id))
    });
    for_each(value, "errors", path, out, |item, _, out| {
        out.push(WebhookEvent::AccountError(AccountError {
            phone_number_id: phone_number_id.clone(),
            timestamp: item.get("timestamp").and_then(unix_time).or(time),
            classification: classify::classify_value(&Value::Object(item.clone())),
        }))
    });
}

/// Calls `f` on each object of `value[key]`; anything else becomes an `invalid` event.
fn for_each(
    value: &Map<String, Value>,
    key: &str,
    path: &str,
    out: &mut Vec<WebhookEvent>,
    mut f: impl FnMut(&Map<String, Value>, String, &mut Vec<WebhookEvent>),
) {
    match value.get(key) {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let p = join(path, &format!("{key}[{i}]"));
                match item.as_object() {
                    Some(obj) => f(obj, p, out),
                    None => out.push(invalid(p, "expected an object".into())),
                }
            }
        }
        Some(_) => out.push(invalid(join(path, key), "expected an array".into())),
    }
}

fn status(
    item: &Map<String, Value>,
    path: String,
    phone_number_id: &Option<String>,
) -> WebhookEvent {
    let Some(status) = item.get("status").and_then(Value::as_str) else {
        return invalid(join(&path, "status"), "missing or not a string".into());
    };
    let has_errors = item
        .get("errors")
        .and_then(Value::as_array)
        .is_some_and(|e| !e.is_empty());
    let classification = if status == "failed" || has_errors {
        Some(
            match item
                .get("errors")
                .and_then(Value::as_array)
                .and_then(|e| e.first())
            {
                Some(err) => classify::classify_value(err),
                // A failure without errors[] still is one; say so rather than guess a cause.
                None => classify::classify_text("failed status without errors[]"),
            },
        )
    } else {
        None
    };
    WebhookEvent::Status(StatusEvent {
        wamid: item.get("id").and_then(text_of).unwrap_or_default(),
        status: status.to_string(),
        recipient_id: item.get("recipient_id").and_then(text_of),
        recipient_user_id: item.get("recipient_user_id").and_then(text_of),
        timestamp: item.get("timestamp").and_then(unix_time),
        phone_number_id: phone_number_id.clone(),
        pricing_category: item
            .get("pricing")
            .and_then(|p| p.get("category"))
            .and_then(text_of),
        biz_opaque_callback_data: item.get("biz_opaque_callback_data").and_then(text_of),
        classification,
    })
}

fn inbound(
    item: &Map<String, Value>,
    path: String,
    phone_number_id: &Option<String>,
    contacts: Option<&Vec<Value>>,
) -> WebhookEvent {
    let Some(id) = item.get("id").and_then(text_of) else {
        return invalid(join(&path, "id"), "missing or not a string".into());
    };
    let from = item.get("from").and_then(text_of);
    // The sender's contact: the one whose wa_id is `from`, else the only one.
    let contact = contacts.and_then(|list| {
        list.iter()
            .find(|c| {
                c.get("wa_id").and_then(text_of).is_some()
                    && c.get("wa_id").and_then(text_of) == from
            })
            .or_else(|| if list.len() == 1 { list.first() } else { None })
    });
    let wa_id = contact
        .and_then(|c| c.get("wa_id"))
        .and_then(text_of)
        .or_else(|| from.clone());
    let user_id = item
        .get("from_user_id")
        .and_then(text_of)
        .or_else(|| contact.and_then(|c| c.get("user_id")).and_then(text_of));
    let message_type = item
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string();
    let text = item
        .get("text")
        .and_then(|t| t.get("body"))
        .or_else(|| item.get("button").and_then(|b| b.get("text")))
        .or_else(|| {
            item.get("interactive")
                .and_then(|i| i.get("button_reply").or_else(|| i.get("list_reply")))
                .and_then(|r| r.get("title"))
        })
        .and_then(Value::as_str)
        .map(str::to_string);
    let keyword = text.as_deref().map(keyword_of).unwrap_or_default();
    let classification = item
        .get("errors")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
        .map(classify::classify_value);
    WebhookEvent::InboundMessage(InboundMessage {
        id,
        from,
        wa_id,
        user_id,
        timestamp: item.get("timestamp").and_then(unix_time),
        phone_number_id: phone_number_id.clone(),
        message_type,
        text,
        opt_out: OPT_OUT.contains(&keyword.as_str()),
        opt_in: OPT_IN.contains(&keyword.as_str()),
        classification,
    })
}

fn preference(item: &Map<String, Value>, phone_number_id: &Option<String>) -> WebhookEvent {
    WebhookEvent::MarketingPreference(MarketingPreference {
        wa_id: item.get("wa_id").and_then(text_of),
        user_id: item.get("user_id").and_then(text_of),
        preference: item
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase(),
        category: item.get("category").and_then(text_of),
        timestamp: item.get("timestamp").and_then(unix_time),
        phone_number_id: phone_number_id.clone(),
    })
}

fn template_status(value: &Map<String, Value>, time: Option<Timestamp>) -> WebhookEvent {
    WebhookEvent::TemplateStatus(TemplateStatus {
        template_id: value.get("message_template_id").and_then(text_of),
        name: value.get("message_template_name").and_then(text_of),
        language: value.get("message_template_language").and_then(text_of),
        status: value
            .get("event")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        reason: value
            .get("reason")
            .and_then(text_of)
            .filter(|r| r != "NONE"),
        category: value.get("message_template_category").and_then(text_of),
        timestamp: value.get("timestamp").and_then(unix_time).or(time),
    })
}

/// A string, or a number written as text (Meta sends IDs both ways). Empty → none.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(clip(s, 4096)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Meta's Unix seconds, as a string (its documented form) or a number.
fn unix_time(v: &Value) -> Option<Timestamp> {
    let secs = match v {
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    Timestamp::from_unix(secs)
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
    fn unix_seconds_as_string_or_number() {
        let t = unix_time(&Value::String("1751142888".into())).unwrap();
        assert_eq!(t.to_rfc3339(), "2025-06-28T20:34:48Z");
        assert_eq!(unix_time(&serde_json::json!(1751142888)), Some(t));
        assert_eq!(unix_time(&Value::String("soon".into())), None);
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
