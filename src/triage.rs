//! `triage`: many failures in, one report out — grouped by reason and Meta code, most
//! impactful first, with the recipients that can be retried now, later or never.
//!
//! One pass over the input with hash maps keyed by group and recipient, then a sort of the
//! (few) groups: linear in the number of records.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalog::{Reason, RetryKind, Scope};
use crate::classify::{self, Classification};
use crate::error::InputError;
use crate::model::Timestamp;
use crate::webhook::{self, WebhookEvent};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TriageReport {
    /// Failures counted (items that reported no failure are in `ignored`).
    pub total: usize,
    /// Items that were not failures: delivered/read statuses, inbound messages, preference and
    /// template updates, invalid webhook parts.
    pub ignored: usize,
    pub groups: Vec<TriageGroup>,
    pub summary: String,
    pub retry: RetryLists,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct TriageGroup {
    pub reason: Reason,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub meta_code: Option<u32>,
    pub count: usize,
    /// count / total, 0..1.
    pub share: f64,
    /// Distinct recipients in the group (failures without a recipient are not counted here).
    pub recipients: usize,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    /// Every send on the number or account fails until this is fixed (see
    /// `Entry::stops_all_sends`).
    pub stops_all_sends: bool,
    pub next_action: String,
    pub classification: Classification,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields))]
pub struct RetryTarget {
    pub recipient: String,
    pub reason: Reason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_code: Option<u32>,
    /// For `later`: the earliest time a retry can succeed, when the failure time and the delay
    /// are known; null when it depends on a fix (template approved, token replaced…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<Timestamp>,
}

/// Each recipient appears in exactly one list: the most restrictive of its failures
/// (never > later > now), so a customer who opted out is not retried because another message
/// to them hit a rate limit.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RetryLists {
    pub now: Vec<RetryTarget>,
    pub later: Vec<RetryTarget>,
    pub never: Vec<RetryTarget>,
}

struct Failure {
    classification: Classification,
    recipient: Option<String>,
    at: Option<Timestamp>,
}

struct GroupAcc {
    classification: Classification,
    count: usize,
    recipients: HashSet<String>,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Bucket {
    Now,
    Later,
    Never,
}

struct RecipientState {
    bucket: Bucket,
    reason: Reason,
    meta_code: Option<u32>,
    retry_at: Option<Timestamp>,
}

#[derive(Default)]
struct Acc {
    total: usize,
    ignored: usize,
    groups: Vec<GroupAcc>,
    index: HashMap<(Reason, Option<u32>), usize>,
    recipients: Vec<String>,
    states: HashMap<String, RecipientState>,
}

pub fn triage(items: &[Value]) -> TriageReport {
    let mut acc = Acc::default();
    for item in items {
        read_item(item, &mut acc);
    }
    acc.finish()
}

/// `triage` over the JSON text of an array, reading one item at a time: a million records never
/// exist as one JSON tree, which keeps memory (and Wasm memory growth) flat.
pub fn triage_json(json: &str) -> Result<TriageReport, InputError> {
    crate::error::check_size(json)?;
    let mut de = serde_json::Deserializer::from_str(json);
    let acc = de.deserialize_any(Items).map_err(|e| {
        InputError::new(
            "",
            format!(
                "triage expects a JSON array of failures: {}",
                crate::model::clip(&e.to_string(), 300)
            ),
        )
    })?;
    de.end().map_err(|e| {
        InputError::new("", format!("trailing characters after the JSON value: {e}"))
    })?;
    Ok(acc.finish())
}

struct Items;

impl<'de> Visitor<'de> for Items {
    type Value = Acc;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of failures")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Acc, A::Error> {
        let mut acc = Acc::default();
        while let Some(item) = seq.next_element::<Value>()? {
            read_item(&item, &mut acc);
        }
        Ok(acc)
    }
}

// Kept out of line on purpose: in Wasm, V8 optimises a function once it has been called often,
// but never the one long call that loops over a million items; a per-item function gets
// optimised after a few thousand calls instead of the whole run staying on baseline code.
#[inline(never)]
fn read_item(item: &Value, acc: &mut Acc) {
    let Some(map) = item.as_object() else {
        acc.add(Failure {
            classification: classify::classify_value(item),
            recipient: None,
            at: None,
        });
        return;
    };
    // A whole webhook body: triage each failure it reports.
    if map.contains_key("entry") {
        for ev in webhook::classify_webhook_value(item) {
            match failure_of_event(ev) {
                Some(f) => acc.add(f),
                None => acc.ignored += 1,
            }
        }
        return;
    }
    if !reports_failure(map) {
        acc.ignored += 1;
        return;
    }
    acc.add(Failure {
        classification: classify::classify_value(item),
        recipient: recipient_of(map),
        at: time_of(map),
    });
}

/// False for objects that plainly report no failure: WebhookEvents of other kinds, and
/// statuses other than `failed` without errors.
fn reports_failure(map: &Map<String, Value>) -> bool {
    let has = |k: &str| match map.get(k) {
        Some(Value::Object(_)) => true,
        Some(Value::Array(a)) => !a.is_empty(),
        _ => false,
    };
    if has("classification") || has("errors") || has("error") {
        return true;
    }
    match map.get("kind").and_then(Value::as_str) {
        Some("status") | Some("account_error") | Some("inbound_message") => {
            map.get("status").and_then(Value::as_str) == Some("failed")
        }
        // Every other kind of event reports no failure (account updates, calls, echoes…).
        Some(kind) if webhook::EVENT_KINDS.contains(&kind) => false,
        _ => match map.get("status").and_then(Value::as_str) {
            Some(s) => !matches!(
                s,
                "sent" | "delivered" | "read" | "played" | "accepted" | "deleted"
            ),
            None => true,
        },
    }
}

fn failure_of_event(ev: WebhookEvent) -> Option<Failure> {
    match ev {
        WebhookEvent::Status(s) => s.classification.map(|c| Failure {
            classification: c,
            recipient: s.recipient_id.or(s.recipient_user_id),
            at: s.timestamp,
        }),
        WebhookEvent::InboundMessage(m) => m.classification.map(|c| Failure {
            classification: c,
            recipient: m.wa_id.or(m.from),
            at: m.timestamp,
        }),
        WebhookEvent::AccountError(a) => a.classification.map(|classification| Failure {
            classification,
            recipient: None,
            at: a.timestamp,
        }),
        _ => None,
    }
}

const RECIPIENT_KEYS: &[&str] = &[
    "recipient_id",
    "recipient",
    "to",
    "wa_id",
    "phone",
    "phone_number",
    "recipient_user_id",
    "from",
    "customer_phone",
];

fn recipient_of(map: &Map<String, Value>) -> Option<String> {
    RECIPIENT_KEYS.iter().find_map(|k| match map.get(*k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

const TIME_KEYS: &[&str] = &["timestamp", "failed_at", "time", "at", "created_at", "date"];

/// RFC 3339, or Unix seconds (milliseconds when the number is too large for seconds).
fn time_of(map: &Map<String, Value>) -> Option<Timestamp> {
    TIME_KEYS.iter().find_map(|k| {
        let v = map.get(*k)?;
        let unix = match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) if s.bytes().all(|b| b.is_ascii_digit()) => s.parse::<i64>().ok(),
            Value::String(s) => return Timestamp::parse(s).ok(),
            _ => None,
        }?;
        let secs = if unix > 100_000_000_000 {
            unix / 1000
        } else {
            unix
        };
        Timestamp::from_unix(secs)
    })
}

impl Acc {
    fn add(&mut self, f: Failure) {
        self.total += 1;
        let entry = &f.classification.entry;
        let key = (entry.reason, entry.meta_code);
        let bucket = bucket_of(&f.classification);
        let retry_at = match (bucket, f.at, entry.retry.after_seconds) {
            (Bucket::Later, Some(at), Some(secs)) => i64::try_from(secs)
                .ok()
                .and_then(|s| at.0.checked_add_signed(chrono::Duration::seconds(s)))
                .map(Timestamp),
            _ => None,
        };
        if let Some(r) = &f.recipient {
            self.note_recipient(r, bucket, entry.reason, entry.meta_code, retry_at);
        }
        let i = match self.index.get(&key) {
            Some(i) => *i,
            None => {
                self.groups.push(GroupAcc {
                    classification: f.classification,
                    count: 0,
                    recipients: HashSet::new(),
                    first: None,
                    last: None,
                });
                self.index.insert(key, self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        if let Some(g) = self.groups.get_mut(i) {
            g.count += 1;
            if let Some(r) = f.recipient {
                g.recipients.insert(r);
            }
            if let Some(at) = f.at {
                g.first = Some(g.first.map_or(at, |t| t.min(at)));
                g.last = Some(g.last.map_or(at, |t| t.max(at)));
            }
        }
    }

    fn note_recipient(
        &mut self,
        recipient: &str,
        bucket: Bucket,
        reason: Reason,
        meta_code: Option<u32>,
        retry_at: Option<Timestamp>,
    ) {
        let new = RecipientState {
            bucket,
            reason,
            meta_code,
            retry_at,
        };
        match self.states.get_mut(recipient) {
            None => {
                self.recipients.push(recipient.to_string());
                self.states.insert(recipient.to_string(), new);
            }
            Some(old) => {
                let later_wait = bucket == Bucket::Later
                    && old.bucket == Bucket::Later
                    && old.retry_at.is_some()
                    && (retry_at.is_none() || retry_at > old.retry_at);
                if bucket > old.bucket || later_wait {
                    *old = new;
                }
            }
        }
    }

    fn finish(self) -> TriageReport {
        let total = self.total;
        let mut groups: Vec<TriageGroup> = self
            .groups
            .into_iter()
            .map(|g| {
                let stops = g.classification.entry.stops_all_sends();
                TriageGroup {
                    reason: g.classification.entry.reason,
                    meta_code: g.classification.entry.meta_code,
                    count: g.count,
                    share: if total == 0 {
                        0.0
                    } else {
                        g.count as f64 / total as f64
                    },
                    recipients: g.recipients.len(),
                    first_seen: g.first,
                    last_seen: g.last,
                    stops_all_sends: stops,
                    next_action: next_action(&g.classification, stops),
                    classification: g.classification,
                }
            })
            .collect();
        groups.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(b.stops_all_sends.cmp(&a.stops_all_sends))
                .then(a.reason.as_str().cmp(b.reason.as_str()))
                .then(a.meta_code.cmp(&b.meta_code))
        });
        let mut retry = RetryLists::default();
        let mut states = self.states;
        for r in self.recipients {
            if let Some(s) = states.remove(&r) {
                let target = RetryTarget {
                    recipient: r,
                    reason: s.reason,
                    meta_code: s.meta_code,
                    retry_at: s.retry_at,
                };
                match s.bucket {
                    Bucket::Now => retry.now.push(target),
                    Bucket::Later => retry.later.push(target),
                    Bucket::Never => retry.never.push(target),
                }
            }
        }
        let summary = summary(total, self.ignored, &groups, &retry);
        TriageReport {
            total,
            ignored: self.ignored,
            groups,
            summary,
            retry,
        }
    }
}

/// Backoff → now. A known delay → later. A permanent failure whose cause lies outside the
/// recipient (template, number, account) → later, once fixed. Otherwise → never.
fn bucket_of(c: &Classification) -> Bucket {
    let e = &c.entry;
    match e.retry.kind {
        RetryKind::Backoff => Bucket::Now,
        RetryKind::After => Bucket::Later,
        RetryKind::Never if e.stops_all_sends() || e.scope == Scope::Template => Bucket::Later,
        RetryKind::Never => Bucket::Never,
    }
}

/// One sentence: the first concrete step, prefixed with a stop order when the group blocks
/// every send.
fn next_action(c: &Classification, stops: bool) -> String {
    let step = c
        .entry
        .resolution
        .iter()
        .find(|s| !s.starts_with("Stop the run"))
        .or(c.entry.resolution.first())
        .copied()
        .unwrap_or("Look up the raw error in the send log.");
    if stops {
        format!("Stop sending until fixed: {step}")
    } else {
        step.to_string()
    }
}

fn summary(total: usize, ignored: usize, groups: &[TriageGroup], retry: &RetryLists) -> String {
    if total == 0 {
        return if ignored == 0 {
            "No failures to triage.".to_string()
        } else {
            format!("No failures among {ignored} items (deliveries, reads and other updates).")
        };
    }
    let mut s = format!(
        "{total} {} in {} {}.",
        plural(total, "failure", "failures"),
        groups.len(),
        plural(groups.len(), "group", "groups")
    );
    if let Some(g) = groups.iter().find(|g| g.stops_all_sends) {
        let on = if g.classification.entry.scope == Scope::PhoneNumber {
            "phone number"
        } else {
            "account"
        };
        s.push_str(&format!(
            " Fix first: \"{}\" ({}) stops every send on the {on} — {}",
            g.classification.entry.title,
            g.count,
            lower_first(&g.next_action)
        ));
        if !s.ends_with('.') {
            s.push('.');
        }
    }
    if let Some(g) = groups.first() {
        s.push_str(&format!(
            " Largest: \"{}\" with {} ({:.0}%).",
            g.classification.entry.title,
            g.count,
            g.share * 100.0
        ));
    }
    s.push_str(&format!(
        " Recipients to retry now: {}, later: {}, never: {}.",
        retry.now.len(),
        retry.later.len(),
        retry.never.len()
    ));
    s
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn most_restrictive_bucket_wins_per_recipient() {
        let r = triage(&[
            json!({"code": 130429, "recipient_id": "1"}),
            json!({"code": 131050, "recipient_id": "1"}),
            json!({"code": 130429, "recipient_id": "1"}),
        ]);
        assert_eq!(r.retry.never.len(), 1);
        assert!(r.retry.now.is_empty());
    }

    #[test]
    fn retry_at_adds_the_delay_to_the_failure_time() {
        let r = triage(&[json!({"code": 131049, "to": "5", "timestamp": "2026-11-27T10:00:00Z"})]);
        let t = r.retry.later.first().unwrap();
        assert_eq!(t.retry_at.unwrap().to_rfc3339(), "2026-11-28T10:00:00Z");
    }

    #[test]
    fn streaming_reads_like_the_parsed_array() {
        let items = json!([131026, {"code": 130429, "to": "1"}, "HTTP 503", {"status": "read"}]);
        let a = triage(items.as_array().unwrap());
        let b = triage_json(&items.to_string()).unwrap();
        assert_eq!(a, b);
        assert!(triage_json("{}").is_err());
        assert!(triage_json("[1,").is_err());
        assert!(triage_json("[1] x").is_err());
    }

    #[test]
    fn delivered_statuses_are_ignored_not_counted() {
        let r = triage(&[
            json!({"kind": "status", "status": "delivered", "wamid": "x"}),
            json!("HTTP 503"),
        ]);
        assert_eq!((r.total, r.ignored), (1, 1));
    }
}
