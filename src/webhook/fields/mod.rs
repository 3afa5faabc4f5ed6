//! The readers of each field family's items, and the leaf readers they share.

use chrono::{Datelike, NaiveDate};
use serde_json::Value;

use super::raw;
use crate::model::{clip, Timestamp};

mod account;
mod calls;
mod echoes;
mod messages;
mod preferences;
mod templates;

pub(super) use account::{account_update, phone_number_quality};
pub(super) use calls::calls;
pub(super) use echoes::echoes;
pub(super) use messages::messaging;
pub(super) use templates::{
    template_category, template_components, template_quality, template_status,
};

/// A change's `contacts[]` (empty when it has no list of them).
type Contacts<'c, 'a> = &'c [raw::Obj<raw::Contact<'a>>];

/// What an entry says about all of its changes.
#[derive(Default)]
pub(in crate::webhook) struct EntryInfo {
    /// The entry's `id`: the WABA's (the partner's business for partner events).
    pub waba_id: Option<String>,
    /// The entry's `time`.
    pub time: Option<Timestamp>,
}

/// A leaf as text: a non-empty string, or a number (Meta sends ids both ways).
fn text(leaf: &Option<raw::Leaf>) -> Option<String> {
    leaf.as_ref().and_then(raw::Leaf::text)
}

/// Meta's Unix seconds, as a string (its documented form) or a number.
pub(super) fn unix_time(v: &raw::Leaf) -> Option<Timestamp> {
    let secs = match v {
        raw::Leaf::Str(s) => s.trim().parse::<i64>().ok()?,
        raw::Leaf::Num(n) => n.as_i64()?,
        raw::Leaf::Other => return None,
    };
    Timestamp::from_unix(secs)
}

fn time(leaf: &Option<raw::Leaf>) -> Option<Timestamp> {
    leaf.as_ref().and_then(unix_time)
}

pub(super) fn unix_time_value(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => Timestamp::from_unix(s.trim().parse().ok()?),
        Value::Number(n) => Timestamp::from_unix(n.as_i64()?),
        _ => None,
    }
}

/// A JSON member as text, as [`text`] reads a leaf.
fn text_at(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(clip(s, 4096)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A point in time in any form Meta's account webhooks use: Unix seconds (number or string),
/// RFC 3339, or ISO 8601 with a `+0000` offset.
fn time_at(v: &Value, key: &str) -> Option<Timestamp> {
    let v = v.get(key)?;
    if let Some(t) = unix_time_value(v) {
        return Some(t);
    }
    let s = v.as_str()?.trim();
    Timestamp::parse(s).ok().or_else(|| {
        // `…+0000`: the offset without its colon.
        let (time, offset) = s.split_at_checked(s.len().checked_sub(5)?)?;
        let ok = offset.starts_with(['+', '-']) && offset[1..].bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Timestamp::parse(&format!("{time}{}:{}", &offset[..3], &offset[3..])).ok())?
    })
}

/// A calendar date as RFC 3339 full-date: Meta writes ban and disable dates as "January 31,
/// 2021"; "Jan 31, 2021", an ISO date or a date-time are read too.
fn date_at(v: &Value, key: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let s = v.get(key)?.as_str()?.trim();
    let words: Vec<&str> = s.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let date = match words[..] {
        [month, day, year] => {
            let month = month.to_ascii_lowercase();
            let m = MONTHS
                .iter()
                .position(|name| month.len() >= 3 && name.starts_with(&month))?;
            NaiveDate::from_ymd_opt(year.parse().ok()?, m as u32 + 1, day.parse().ok()?)
        }
        [iso] => match iso.split('-').collect::<Vec<_>>()[..] {
            [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
            }
            _ => None,
        },
        _ => None,
    }
    .or_else(|| time_at(v, key).map(|t| t.0.date_naive()))?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        date.month(),
        date.day()
    ))
}

/// A BSUID (`US.13491208655302741918`, a parent one `US.ENT.…`): never a phone number, so a
/// wa_id field holding one is not read as a wa_id.
fn is_user_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 3
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_uppercase()
        && b[2] == b'.'
        && b[3..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'.')
}

/// A wa_id-or-BSUID leaf split into (wa_id, BSUID).
fn phone_or_user_id(value: Option<String>) -> (Option<String>, Option<String>) {
    match value {
        Some(v) if is_user_id(&v) => (None, Some(v)),
        v => (v, None),
    }
}

/// Meta's messaging-limit values as SPEC's tiers: the `TIER_*` names as given, the numbers of
/// `max_daily_conversation_per_phone` (250, 2000, 10000, 100000, -1 = unlimited) mapped.
fn tier(value: Option<String>) -> Option<String> {
    let v = value?;
    let mapped = match v.as_str() {
        "250" => "TIER_250",
        "1000" => "TIER_1K",
        "2000" => "TIER_2K",
        "10000" => "TIER_10K",
        "100000" => "TIER_100K",
        "-1" => "TIER_UNLIMITED",
        _ => return Some(v),
    };
    Some(mapped.to_string())
}

/// The contact a messaging item is about: the one whose wa_id or BSUID is one of `ids`, else
/// the only one. With `item_wa_id` (the item names the user's wa_id itself and only the BSUID
/// is taken from the contact), the only contact must not name another wa_id: that would link
/// a BSUID to the wrong number.
fn contact_of<'c, 'a>(
    contacts: Contacts<'c, 'a>,
    ids: &[&Option<String>],
    item_wa_id: Option<&Option<String>>,
) -> Option<&'c raw::Contact<'a>> {
    let mut only = None;
    let mut count = 0;
    for c in contacts.iter().filter_map(raw::Obj::get) {
        count += 1;
        let (wa_id, user_id) = (text(&c.wa_id), text(&c.user_id));
        let names = |id: &Option<String>| id.is_some() && (*id == wa_id || *id == user_id);
        if ids.iter().any(|id| names(id)) {
            return Some(c);
        }
        let contradicts = matches!(item_wa_id, Some(Some(_))) && wa_id.is_some();
        only = (!contradicts).then_some(c);
    }
    if count == 1 {
        only
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn account_times_and_dates_in_meta_s_forms() {
        let v = serde_json::json!({"a": 1641330498, "b": "2026-04-19T13:59:20+0000",
            "c": "2026-04-19T13:59:20Z", "d": "<TIMESTAMP>", "e": "January 31, 2021",
            "f": "Apr 17, 2025", "g": "2025-04-17", "h": "31/01/2021"});
        let t = |k| time_at(&v, k).map(Timestamp::to_rfc3339);
        assert_eq!(t("a").as_deref(), Some("2022-01-04T21:08:18Z"));
        assert_eq!(t("b").as_deref(), Some("2026-04-19T13:59:20Z"));
        assert_eq!(t("c"), t("b"));
        assert_eq!(t("d"), None);
        assert_eq!(date_at(&v, "e").as_deref(), Some("2021-01-31"));
        assert_eq!(date_at(&v, "f").as_deref(), Some("2025-04-17"));
        assert_eq!(date_at(&v, "g").as_deref(), Some("2025-04-17"));
        assert_eq!(date_at(&v, "b").as_deref(), Some("2026-04-19"));
        assert_eq!(date_at(&v, "h"), None);
    }

    #[test]
    fn bsuids_are_told_from_phone_numbers() {
        for id in [
            "US.13491208655302741918",
            "US.ENT.11815799212886844830",
            "BR.39495084",
        ] {
            assert!(is_user_id(id), "{id}");
        }
        for id in [
            "16505551234",
            "+16505551234",
            "US.",
            "us.123",
            "U.123",
            "US-123",
            "",
        ] {
            assert!(!is_user_id(id), "{id}");
        }
    }

    #[test]
    fn messaging_limit_numbers_become_tiers() {
        let t = |v: &str| tier(Some(v.to_string()));
        assert_eq!(t("2000").as_deref(), Some("TIER_2K"));
        assert_eq!(t("-1").as_deref(), Some("TIER_UNLIMITED"));
        assert_eq!(t("TIER_10K").as_deref(), Some("TIER_10K"));
        assert_eq!(t("TIER_NOT_SET").as_deref(), Some("TIER_NOT_SET"));
        assert_eq!(tier(None), None);
    }
}
