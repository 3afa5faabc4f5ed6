//! The readers of each field family's items, and the leaf readers they share.

use serde_json::Value;

use super::raw;
use crate::model::Timestamp;

mod messages;
mod preferences;
mod templates;

pub(super) use messages::{account_errors, inbound, status};
pub(super) use preferences::preference;
pub(super) use templates::template_status;

/// Meta's Unix seconds, as a string (its documented form) or a number.
pub(super) fn unix_time(v: &raw::Leaf) -> Option<Timestamp> {
    let secs = match v {
        raw::Leaf::Str(s) => s.trim().parse::<i64>().ok()?,
        raw::Leaf::Num(n) => n.as_i64()?,
        raw::Leaf::Other => return None,
    };
    Timestamp::from_unix(secs)
}

pub(super) fn unix_time_value(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => Timestamp::from_unix(s.trim().parse().ok()?),
        Value::Number(n) => Timestamp::from_unix(n.as_i64()?),
        _ => None,
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
}
