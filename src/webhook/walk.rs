//! The walk of a body: entries, changes, and each change's value to the reader of its field.

use serde_json::Value;

use super::event::*;
use super::fields::{self, unix_time, EntryInfo};
use super::raw;
use crate::error::MAX_INPUT_BYTES;
use crate::model::clip;

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

pub(super) fn invalid(path: String, error: String) -> WebhookEvent {
    WebhookEvent::Invalid(Invalid { path, error })
}

pub(super) fn join(base: &str, field: &str) -> String {
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
        (None, Some(changes), _) => {
            let entry = EntryInfo {
                waba_id: None,
                time: top.time.as_ref().and_then(unix_time),
            };
            read_changes(changes, String::new(), &entry, &mut out)
        }
        (None, None, Some(value)) => read_change(
            raw::Obj::Ok(raw::Change {
                field: top.field,
                value: Some(value),
            }),
            String::new,
            &EntryInfo::default(),
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
    // Template and account webhooks carry their time (and WABA) on the entry, not in the value.
    let info = EntryInfo {
        waba_id: entry.id.as_ref().and_then(raw::Leaf::text),
        time: entry.time.as_ref().and_then(unix_time),
    };
    match entry.changes {
        Some(changes) => read_changes(changes, path(), &info, out),
        None => out.push(invalid(join(&path(), "changes"), "missing".into())),
    }
}

fn read_changes(
    changes: raw::List<raw::Obj<raw::Change>>,
    path: String,
    entry: &EntryInfo,
    out: &mut Vec<WebhookEvent>,
) {
    match changes {
        raw::List::Ok(list) => {
            for (i, c) in list.into_iter().enumerate() {
                read_change(c, || join(&path, &format!("changes[{i}]")), entry, out);
            }
        }
        raw::List::Not => out.push(invalid(join(&path, "changes"), "expected an array".into())),
    }
}

fn read_change(
    change: raw::Obj<raw::Change>,
    path: impl Fn() -> String,
    entry: &EntryInfo,
    out: &mut Vec<WebhookEvent>,
) {
    let raw::Obj::Ok(change) = change else {
        out.push(invalid(path(), "expected an object".into()));
        return;
    };
    // A change without a field name is read as `messages`, as tools that forward a bare
    // change send it.
    let field = change
        .field
        .as_ref()
        .and_then(raw::Leaf::as_str)
        .unwrap_or("messages");
    match change.value {
        Some(raw::Obj::Ok(value)) => {
            read_value(value, &|| join(&path(), "value"), field, entry, out)
        }
        Some(raw::Obj::Not) => {
            out.push(invalid(join(&path(), "value"), "expected an object".into()))
        }
        None => out.push(invalid(join(&path(), "value"), "missing".into())),
    }
}

/// The value of one change, to the reader of its field.
fn read_value(
    value: raw::Value,
    path: &dyn Fn() -> String,
    field: &str,
    entry: &EntryInfo,
    out: &mut Vec<WebhookEvent>,
) {
    match field {
        "messages" | "user_preferences" => fields::messaging(value, path, entry, out),
        "calls" => fields::calls(value, path, entry, out),
        "smb_message_echoes" => fields::echoes(value, path, out),
        "message_template_status_update" => out.push(fields::template_status(&value, entry)),
        "message_template_quality_update" => {
            out.push(fields::template_quality(&value, path, entry))
        }
        "template_category_update" => out.push(fields::template_category(&value, path, entry)),
        "message_template_components_update" => {
            out.push(fields::template_components(&value, path, entry))
        }
        "phone_number_quality_update" => {
            out.push(fields::phone_number_quality(&value, path, entry))
        }
        "account_update"
        | "account_review_update"
        | "phone_number_name_update"
        | "business_capability_update"
        | "account_alerts" => fields::account_update(field, &value, path, entry, out),
        _ => out.push(WebhookEvent::UnknownField(UnknownField {
            field: clip(field, 128),
            waba_id: entry.waba_id.clone(),
            timestamp: entry.time,
        })),
    }
}

/// Calls `f` on each object of a list; anything else becomes an `invalid` event. Paths are
/// only built for invalid parts.
pub(super) fn for_each<T>(
    list: Option<raw::List<raw::Obj<T>>>,
    key: &str,
    path: &dyn Fn() -> String,
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
/// Calls `f` on each object of a list kept as JSON; anything else becomes an `invalid` event.
pub(super) fn for_each_json(
    list: Option<raw::List<Value>>,
    key: &str,
    path: &dyn Fn() -> String,
    out: &mut Vec<WebhookEvent>,
    mut f: impl FnMut(&Value, &dyn Fn() -> String, &mut Vec<WebhookEvent>),
) {
    match list {
        None => {}
        Some(raw::List::Not) => out.push(invalid(join(&path(), key), "expected an array".into())),
        Some(raw::List::Ok(items)) => {
            for (i, item) in items.iter().enumerate() {
                let p = || join(&path(), &format!("{key}[{i}]"));
                match item {
                    Value::Object(_) => f(item, &p, out),
                    _ => out.push(invalid(p(), "expected an object".into())),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_given_twice_is_reported_not_mistaken_for_non_json() {
        let ev = classify_webhook_text(
            r#"{"entry":[{"changes":[{"value":{"statuses":[{"id":"a","id":"b","status":"sent"}]}}]}]}"#,
        );
        assert!(
            matches!(&ev[..], [WebhookEvent::Invalid(Invalid { error, .. })] if error.contains("malformed part")),
            "{ev:?}"
        );
    }

    #[test]
    fn malformed_parts_do_not_hide_the_rest() {
        let body = r#"{"entry":[5,{"changes":[{"field":"messages","value":{"statuses":[7,{"id":"w","status":"read"}]}}]}]}"#;
        let ev = classify_webhook_text(body);
        assert_eq!(ev.len(), 3, "{ev:?}");
        assert!(
            matches!(&ev[0], WebhookEvent::Invalid(Invalid { path, .. }) if path == "entry[0]")
        );
        assert!(
            matches!(&ev[1], WebhookEvent::Invalid(Invalid { path, .. }) if path == "entry[1].changes[0].value.statuses[0]")
        );
        assert!(matches!(&ev[2], WebhookEvent::Status(s) if s.status == "read"));
    }
}
