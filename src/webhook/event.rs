//! The events `classifyWebhook` returns (SPEC `WebhookEvent`), serialized with a `kind` tag.

use serde::Serialize;

use crate::classify::Classification;
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
