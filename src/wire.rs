//! Input objects must be JSON objects. serde's derive also reads a struct from an array, by
//! position (`[]` is then an object whose fields are all optional, and `["+52 55…", …]` fills
//! `contact` field by field): input like that is a mistake, and it must get an error naming the
//! field, not a guess. Each input struct derives with `#[serde(remote = "Self")]` and gets its
//! `Deserialize` from [`objects_only!`], which hands the derived code a deserializer that only
//! offers a map.

use serde::de::{Deserializer, Visitor};

// Vendored code, kept as its author wrote it.
#[allow(clippy::all, dead_code, mismatched_lifetime_syntaxes)]
pub(crate) mod track;

/// A deserializer whose structs can only be read from a map.
pub(crate) struct MapOnly<D>(pub D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for MapOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// `Deserialize` (and `Serialize`, with `serialize`) for structs derived with
/// `#[serde(remote = "Self")]`: reading refuses arrays, writing is the derived code unchanged.
macro_rules! objects_only {
    ($($t:ident),+ $(,)?) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $t::deserialize(crate::wire::MapOnly(d))
            }
        }
    )+};
    (serialize: $($t:ident),+ $(,)?) => {$(
        crate::wire::objects_only!($t);
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $t::serialize(self, s)
            }
        }
    )+};
}
pub(crate) use objects_only;

#[cfg(test)]
mod tests {
    use crate::error::from_json;
    use crate::model::SendRequest;
    use crate::phone::PhoneInput;

    const REQUEST: &str = r#"{"contact":{"phone":"+52 55 1234 5678","marketing_state":"SUBSCRIBED"},
        "source":"campaign","message":{"type":"text","text":"hi"}}"#;

    fn with(field: &str, value: &str) -> String {
        REQUEST.replacen('{', &format!("{{\"{field}\":{value},"), 1)
    }

    #[test]
    fn objects_still_read_and_write_as_before() {
        let request: SendRequest = from_json(REQUEST).unwrap();
        let again: SendRequest = from_json(&serde_json::to_string(&request).unwrap()).unwrap();
        assert_eq!(request, again);
        let policy: SendRequest =
            from_json(&with("policy", r#"{"consent":"by_category"}"#)).unwrap();
        assert!(policy.policy.is_some());
    }

    #[test]
    fn an_array_where_an_object_belongs_is_an_error_naming_the_field() {
        for (field, value) in [
            ("policy", "[]"),
            ("signals", "[]"),
            ("credits", "[5]"),
            (
                "contact",
                r#"[null, "+52 55 1234 5678", null, null, "SUBSCRIBED"]"#,
            ),
        ] {
            let err = from_json::<SendRequest>(&with(field, value)).unwrap_err();
            assert_eq!(err.path, field, "{value}: {err:?}");
            assert!(err.message.contains("sequence"), "{value}: {err:?}");
        }
        let err =
            from_json::<SendRequest>(&with("message", r#"{"type":"template","template":[]}"#))
                .unwrap_err();
        assert_eq!(err.path, "message.template", "{err:?}");
        let err = from_json::<PhoneInput>("[]").unwrap_err();
        assert_eq!(err.path, "", "{err:?}");
        assert!(
            err.message.contains("expected struct PhoneInput"),
            "{err:?}"
        );
    }
}
