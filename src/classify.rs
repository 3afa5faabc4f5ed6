//! Failure classification (stub until the classification work lands).

use serde::Serialize;

use crate::catalog::{self, Entry, Reason};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    #[serde(flatten)]
    pub entry: Entry,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

impl Classification {
    pub fn from_entry(entry: &Entry) -> Self {
        Classification {
            entry: entry.clone(),
            details: None,
            raw: None,
        }
    }
}

pub fn classify_text(text: &str) -> Classification {
    let mut c = Classification::from_entry(catalog::for_reason(Reason::Unknown));
    c.raw = Some(text.chars().take(200).collect());
    c
}

pub fn classify_value(value: &serde_json::Value) -> Classification {
    classify_text(&value.to_string())
}
