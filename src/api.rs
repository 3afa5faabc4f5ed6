//! The JSON-facing entry points, one per public JS function. Each validates its input and
//! returns a typed value or an [`InputError`] naming the field; none may panic.

use serde::{Deserialize, Serialize};

use crate::audience::{self, AudienceOptions, AudienceReport};
use crate::classify::{self, Classification};
use crate::error::{from_json, InputError};
use crate::meta_request::{self, MetaRequest};
use crate::model::{PickRequest, SendRequest, TemplateOption, Verdict};
use crate::phone::{self, PhoneInput, PhoneReport};
use crate::triage::{self, TriageReport};
use crate::webhook::{self, WebhookEvent};
use crate::{catalog, eligibility, picker};

/// `checkSend(request)`.
pub fn check_send(request_json: &str) -> Result<Verdict, InputError> {
    let request: SendRequest = from_json(request_json)?;
    eligibility::validate(&request)?;
    Ok(eligibility::check_send(&request))
}

/// `pickTemplates(request)`.
pub fn pick_templates(request_json: &str) -> Result<Vec<TemplateOption>, InputError> {
    let request: PickRequest = from_json(request_json)?;
    picker::validate(&request)?;
    Ok(picker::pick_templates(&request))
}

/// `metaRequest(request)`: Meta's endpoint and body for the send, `None` when `checkSend`
/// blocks it.
pub fn meta_request(request_json: &str) -> Result<Option<MetaRequest>, InputError> {
    let request: SendRequest = from_json(request_json)?;
    eligibility::validate(&request)?;
    Ok(meta_request::meta_request(&request))
}

/// `normalizePhone(input)`.
pub fn normalize_phone(input_json: &str) -> Result<PhoneReport, InputError> {
    let input: PhoneInput = from_json(input_json)?;
    Ok(phone::analyze(&input))
}

/// `classifyFailure(input)` for a JS string: a reason string, a code, or JSON text.
pub fn classify_failure_text(text: &str) -> Classification {
    classify::classify_text(text)
}

/// `classifyFailure(input)` for any other JS value, passed as JSON text. Never fails: input
/// that is not JSON is classified as text.
pub fn classify_failure_json(json: &str) -> Classification {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(value) => classify::classify_value(&value),
        Err(_) => classify::classify_text(json),
    }
}

/// `classifyWebhook(payload)`: a Meta webhook body as raw text (what a server receives).
pub fn classify_webhook(body: &str) -> Vec<WebhookEvent> {
    webhook::classify_webhook_text(body)
}

/// `triage(failures)`: a JSON array of anything `classify_failure` or `classify_webhook`
/// accepts, or of `WebhookEvent`s.
pub fn triage(failures_json: &str) -> Result<TriageReport, InputError> {
    // Streams the array item by item (a million records never form one JSON tree).
    triage::triage_json(failures_json)
}

/// `checkAudience(csv, options)`.
pub fn check_audience(csv: &str, options_json: &str) -> Result<AudienceReport, InputError> {
    let options: AudienceOptions = from_json(options_json).map_err(|e| InputError {
        path: format!(
            "options{}{}",
            if e.path.is_empty() { "" } else { "." },
            e.path
        ),
        ..e
    })?;
    audience::validate(&options)?;
    Ok(audience::check_audience(csv, &options))
}

/// `catalog()`: every entry the library knows.
pub fn catalog() -> Vec<Classification> {
    catalog::entries()
        .iter()
        .map(Classification::from_entry)
        .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Version {
    #[serde(rename = "crate")]
    pub crate_version: String,
    pub phone_metadata: String,
}

/// `version()`.
pub fn version() -> Version {
    Version {
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        phone_metadata: phone::METADATA_VERSION.to_string(),
    }
}
