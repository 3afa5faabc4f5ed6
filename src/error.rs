//! The one error type of the public API: malformed input, named by the path of the field.
//!
//! Every entry point validates its input through [`from_json`], so a JS caller, a Rust caller
//! and a fuzzer all see the same messages.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;

use crate::wire::track::Deserializer as TrackedDe;
pub(crate) use crate::wire::track::Track;

/// Input that is not of the documented shape. Thrown in JS as an `Error` whose `name` is
/// `"SendgateInputError"`, with `path` and `allowed` as properties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    /// Dotted path to the offending field, e.g. `contact.marketing_state` or `templates[2].status`.
    /// Empty when the whole input is wrong.
    pub path: String,
    /// What is wrong, in plain words.
    pub message: String,
    /// The values the field accepts, when it is an enumeration.
    pub allowed: Vec<String>,
}

impl InputError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            path: path.into(),
            message: message.into(),
            allowed: Vec::new(),
        }
    }

    pub fn with_allowed(mut self, allowed: &[&str]) -> Self {
        self.allowed = allowed.iter().map(|s| s.to_string()).collect();
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for InputError {}

/// Largest JSON text any entry point accepts (Meta's webhook limit is 3 MB; CSV exports of
/// 100k contacts are ~15 MB). Bounds memory for hostile input.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// Deepest JSON nesting accepted. serde_json stops at 128 on its own; this is the same guard made
/// explicit so the error names it.
const MAX_DEPTH: usize = 128;

/// Refuse input over [`MAX_INPUT_BYTES`] before reading it.
pub fn check_size(json: &str) -> Result<(), InputError> {
    if json.len() > MAX_INPUT_BYTES {
        return Err(InputError::new(
            "",
            format!(
                "input is {} bytes; the limit is {MAX_INPUT_BYTES}",
                json.len()
            ),
        ));
    }
    Ok(())
}

/// Deserialize `json` into `T`, reporting the path of the first bad field.
pub fn from_json<T: DeserializeOwned>(json: &str) -> Result<T, InputError> {
    check_size(json)?;
    // The happy path copies no keys; only a failure is read again to name the field. Both
    // reads are the same code (one `Deserialize` per input type in the Wasm module).
    match read(json, &Track::silent()) {
        Ok(value) => Ok(value),
        Err(_) => read_tracking_path(json),
    }
}

/// One read of `json` as `T` through the path tracker.
pub(crate) fn read<T: DeserializeOwned>(json: &str, track: &Track) -> Result<T, ReadError> {
    let mut de = serde_json::Deserializer::from_str(json);
    let value = T::deserialize(TrackedDe::new(&mut de, track)).map_err(ReadError::Value)?;
    de.end().map_err(ReadError::Trailing)?;
    Ok(value)
}

/// Why [`read`] failed: the value, or text after it.
pub(crate) enum ReadError {
    Value(serde_json::Error),
    Trailing(serde_json::Error),
}

/// The same read with the path recorded, for input that failed: it names the wrong field.
/// Kept out of line: V8 compiles a Wasm function whole on its first call.
#[cold]
#[inline(never)]
fn read_tracking_path<T: DeserializeOwned>(json: &str) -> Result<T, InputError> {
    let track = Track::recording();
    match read(json, &track) {
        Ok(value) => Ok(value),
        Err(ReadError::Value(err)) => {
            let path = clean_path(&track.path().to_string());
            Err(from_serde_message(path, &err.to_string()))
        }
        Err(ReadError::Trailing(e)) => Err(InputError::new(
            "",
            format!("trailing characters after the JSON value: {e}"),
        )),
    }
}

/// Deserialize an already-parsed JSON value into `T`, reporting the path of the first bad field.
pub fn from_value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, InputError> {
    let track = Track::recording();
    T::deserialize(TrackedDe::new(value, &track)).map_err(|err| {
        let path = clean_path(&track.path().to_string());
        from_serde_message(path, &err.to_string())
    })
}

/// Check nesting depth of a parsed value without recursion (hostile input may be deep).
pub fn check_depth(value: &serde_json::Value) -> Result<(), InputError> {
    let mut stack = vec![(value, 0usize)];
    while let Some((v, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(InputError::new(
                "",
                format!("input is nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        match v {
            serde_json::Value::Array(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
            serde_json::Value::Object(map) => stack.extend(map.values().map(|i| (i, depth + 1))),
            _ => {}
        }
    }
    Ok(())
}

/// The tracker prints `.` for the root and `?` for unknown segments.
fn clean_path(path: &str) -> String {
    if path == "." {
        String::new()
    } else {
        path.trim_start_matches('.').to_string()
    }
}

/// serde's messages carry the allowed variants ("expected one of `A`, `B`"); lift them into
/// `allowed` and drop serde's line/column noise.
fn from_serde_message(path: String, message: &str) -> InputError {
    let message = match message.find(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    // "expected one of `A`, `B`, `C`" or "expected `A` or `B`" or "expected `A`".
    let allowed = match message
        .find("expected one of ")
        .map(|i| i + 16)
        .or_else(|| message.find("expected `").map(|i| i + 9))
    {
        Some(start) => message[start..]
            .split(',')
            .flat_map(|part| part.split(" or "))
            .map(|s| s.trim().trim_matches('`').to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        None => Vec::new(),
    };
    // "missing field `x`" is reported at the parent: name the field itself.
    let path = match message
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        Some(field) if path.is_empty() => field.to_string(),
        Some(field) => format!("{path}.{field}"),
        None => path,
    };
    InputError {
        path,
        // serde quotes the offending value whole: never echo megabytes back.
        message: clip_middle(message, MAX_MESSAGE_CHARS),
        allowed,
    }
}

/// Longest error message kept; the end (serde's "expected …") survives clipping.
const MAX_MESSAGE_CHARS: usize = 400;

fn clip_middle(text: &str, max_chars: usize) -> String {
    let count = text.chars().count();
    if count <= max_chars {
        return text.to_string();
    }
    let head: String = text.chars().take(max_chars / 2).collect();
    let tail: String = text.chars().skip(count - max_chars / 2).collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
        list: Vec<Inner>,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        kind: Kind,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    enum Kind {
        A,
        B,
    }

    #[test]
    fn names_the_path_and_the_allowed_values() {
        let err =
            from_json::<Outer>(r#"{"inner":{"kind":"A"},"list":[{"kind":"A"},{"kind":"C"}]}"#)
                .unwrap_err();
        assert_eq!(err.path, "list[1].kind");
        assert_eq!(err.allowed, vec!["A", "B"]);
        assert!(err.message.contains("unknown variant"), "{}", err.message);
    }

    #[test]
    fn missing_field_is_named() {
        let err = from_json::<Outer>(r#"{"list":[]}"#).unwrap_err();
        assert!(
            err.message.contains("missing field `inner`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn missing_field_path_names_the_field() {
        let err = from_json::<Outer>(r#"{"inner":{},"list":[]}"#).unwrap_err();
        assert_eq!(err.path, "inner.kind");
        let err = from_json::<Outer>(r#"{"list":[]}"#).unwrap_err();
        assert_eq!(err.path, "inner");
    }

    #[test]
    fn huge_values_are_not_echoed_whole() {
        let json = format!(
            r#"{{"inner":{{"kind":"{}"}},"list":[]}}"#,
            "Z".repeat(1_000_000)
        );
        let err = from_json::<Outer>(&json).unwrap_err();
        assert_eq!(err.path, "inner.kind");
        assert!(
            err.message.chars().count() <= MAX_MESSAGE_CHARS + 1,
            "{}",
            err.message.len()
        );
        assert!(
            err.message.ends_with("expected `A` or `B`"),
            "{}",
            err.message
        );
        assert_eq!(err.allowed, vec!["A", "B"]);
    }

    #[test]
    fn not_json_is_an_error_at_the_root() {
        let err = from_json::<Outer>("nope").unwrap_err();
        assert_eq!(err.path, "");
        assert!(!err.message.contains("line"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_rejected_without_recursion() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        // serde_json's own recursion limit answers before the stack does.
        assert!(from_json::<serde_json::Value>(&deep).is_err());
        let mut v = serde_json::Value::Null;
        for _ in 0..200 {
            v = serde_json::Value::Array(vec![v]);
        }
        assert!(check_depth(&v).is_err());
    }
}
