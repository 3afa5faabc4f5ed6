//! The shapes of a webhook body, read leniently: every field is optional, a field of the wrong
//! JSON type is kept as "not an object / not an array / other" instead of failing the body, and
//! unknown fields are skipped without being built.

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
    /// The WABA id (for partner events, the partner's business id).
    #[serde(borrow)]
    pub id: L<'a>,
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

/// A change's `value`. The field name may come after the value in the text, so the value is
/// read before its field is known: the lists that can hold thousands of items are typed, the
/// few small members the other fields' readers use are kept as JSON in `rest`, and everything
/// else is skipped unbuilt.
pub struct Value<'a> {
    pub metadata: Option<Obj<Metadata<'a>>>,
    pub contacts: Option<List<Obj<Contact<'a>>>>,
    pub statuses: Option<List<Obj<Status<'a>>>>,
    pub messages: Option<List<Obj<Message<'a>>>>,
    pub user_preferences: Option<List<Obj<Preference<'a>>>>,
    /// Small and only present on failures: kept as JSON for the classifier.
    pub errors: Option<List<serde_json::Value>>,
    /// Few per body: kept as JSON, read like the account fields.
    pub calls: Option<List<serde_json::Value>>,
    pub message_echoes: Option<List<serde_json::Value>>,
    /// The members of [`KEPT`] that the body has, as a JSON object.
    pub rest: serde_json::Value,
}

/// The members of a change's value read by the template, account and quality readers.
const KEPT: &[&str] = &[
    // message_template_status_update (and `event`, `reason` elsewhere)
    "event",
    "message_template_id",
    "message_template_name",
    "message_template_language",
    "message_template_category",
    "reason",
    "timestamp",
    "disable_info",
    // message_template_quality_update
    "previous_quality_score",
    "new_quality_score",
    // template_category_update
    "new_category",
    "previous_category",
    "correct_category",
    "category_update_timestamp",
    // message_template_components_update
    "message_template_title",
    "message_template_element",
    "message_template_footer",
    "message_template_buttons",
    // account_update, account_review_update, phone_number_name_update, account_alerts
    "phone_number",
    "display_phone_number",
    "decision",
    "requested_verified_name",
    "rejection_reason",
    "country",
    "restriction_info",
    "ban_info",
    "violation_info",
    "waba_info",
    "disconnection_info",
    "volume_tier_info",
    "auth_international_rate_eligibility",
    "partner_client_certification_info",
    "entity_type",
    "entity_id",
    "alert_info",
    // phone_number_quality_update, business_capability_update
    "current_limit",
    "old_limit",
    "max_daily_conversations_per_business",
    "whatsapp_business_manager_messaging_limit",
    "max_daily_conversation_per_phone",
    "max_phone_numbers_per_business",
    "max_phone_numbers_per_waba",
    "throughput",
];

impl<'de: 'a, 'a> Deserialize<'de> for Value<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Value<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a change value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                fn once<T, E: serde::de::Error>(
                    slot: &mut Option<T>,
                    value: Option<T>,
                    name: &'static str,
                ) -> Result<(), E> {
                    if slot.is_some() {
                        return Err(E::duplicate_field(name));
                    }
                    *slot = value;
                    Ok(())
                }
                let mut v = Value {
                    metadata: None,
                    contacts: None,
                    statuses: None,
                    messages: None,
                    user_preferences: None,
                    errors: None,
                    calls: None,
                    message_echoes: None,
                    rest: serde_json::Value::Object(serde_json::Map::new()),
                };
                while let Some(key) = map.next_key::<Leaf<'de>>()? {
                    let key = key.as_str().unwrap_or_default();
                    match key {
                        "metadata" => once(&mut v.metadata, map.next_value()?, "metadata")?,
                        "contacts" => once(&mut v.contacts, map.next_value()?, "contacts")?,
                        "statuses" => once(&mut v.statuses, map.next_value()?, "statuses")?,
                        "messages" => once(&mut v.messages, map.next_value()?, "messages")?,
                        "user_preferences" => once(
                            &mut v.user_preferences,
                            map.next_value()?,
                            "user_preferences",
                        )?,
                        "errors" => once(&mut v.errors, map.next_value()?, "errors")?,
                        "calls" => once(&mut v.calls, map.next_value()?, "calls")?,
                        "message_echoes" => {
                            once(&mut v.message_echoes, map.next_value()?, "message_echoes")?
                        }
                        _ if KEPT.contains(&key) => {
                            let value: serde_json::Value = map.next_value()?;
                            if let serde_json::Value::Object(rest) = &mut v.rest {
                                if rest.insert(key.to_string(), value).is_some() {
                                    return Err(serde::de::Error::custom(format_args!(
                                        "duplicate field `{key}`"
                                    )));
                                }
                            }
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(v)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
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
    #[serde(borrow)]
    pub parent_user_id: L<'a>,
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
    pub recipient_parent_user_id: L<'a>,
    /// `group` for a message sent to a group (`recipient_id` is then the group's id).
    #[serde(borrow)]
    pub recipient_type: L<'a>,
    #[serde(borrow)]
    pub recipient_participant_id: L<'a>,
    #[serde(borrow)]
    pub recipient_participant_user_id: L<'a>,
    #[serde(borrow)]
    pub timestamp: L<'a>,
    #[serde(borrow)]
    pub biz_opaque_callback_data: L<'a>,
    #[serde(borrow)]
    pub pricing: Option<Obj<Pricing<'a>>>,
    /// Kept as their JSON text: failures repeat one error object thousands of times, so its
    /// classification is computed once per distinct text.
    #[serde(borrow)]
    pub errors: Option<List<&'a serde_json::value::RawValue>>,
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
    pub from_parent_user_id: L<'a>,
    #[serde(borrow)]
    pub group_id: L<'a>,
    #[serde(borrow)]
    pub timestamp: L<'a>,
    #[serde(borrow, rename = "type")]
    pub message_type: L<'a>,
    /// `type: system` messages are rare: kept as JSON.
    pub system: Option<serde_json::Value>,
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
    pub call_permission_reply: Option<serde_json::Value>,
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
