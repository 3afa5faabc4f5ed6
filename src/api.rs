//! The JSON-facing entry points, one per public JS function. Each validates its input and
//! returns a typed value or an [`InputError`] naming the field; none may panic.

use serde::{Deserialize, Serialize};

use crate::audience::{self, AudienceContacts, AudienceOptions, AudienceReport};
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
    checked_send(from_json(request_json)?)
}

fn checked_send(request: SendRequest) -> Result<Verdict, InputError> {
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
    analyzed(from_json(input_json)?)
}

fn analyzed(input: PhoneInput) -> Result<PhoneReport, InputError> {
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

/// An error of the input inside `field`: its path prefixed with `field`'s.
fn inside(field: &str, e: InputError) -> InputError {
    let sep = if e.path.is_empty() || e.path.starts_with('[') {
        ""
    } else {
        "."
    };
    InputError {
        path: format!("{field}{sep}{}", e.path),
        ..e
    }
}

fn audience_options(options_json: &str) -> Result<AudienceOptions, InputError> {
    from_json(options_json).map_err(|e| inside("options", e))
}

/// `checkAudience(csv, options)`.
pub fn check_audience(csv: &str, options_json: &str) -> Result<AudienceReport, InputError> {
    let options = audience_options(options_json)?;
    audience::validate(&options)?;
    Ok(audience::check_audience(csv, &options))
}

/// `audienceContacts(csv)`: the contacts `checkAudience` would check, for a caller that sends
/// them (the worker's campaign CSV).
pub fn audience_contacts(csv: &str) -> AudienceContacts {
    audience::audience_contacts(csv)
}

/// (`AudienceStream` is a class that owns Wasm memory: `free()` it, or `using` it, when done. Its
/// generated declaration has `[Symbol.dispose]`: a TypeScript consumer that checks library types
/// needs `esnext.disposable` in `lib`.)
///
/// The share of a file one `AudienceStream` checks, for checking a file in parallel: the data
/// records in blocks `index`, `index + count`, … of 2,000. The reports of all parts add up to the
/// whole file's (the header's problems are reported by part 0). Not with `credits`: a balance is
/// spent in file order (a `SendgateInputError` at `options.credits`).
#[derive(Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "AudiencePart"))]
#[serde(remote = "Self", deny_unknown_fields)]
pub(crate) struct PartInput {
    index: usize,
    count: usize,
}

crate::wire::objects_only!(PartInput);

/// `new AudienceStream(options, part)`: `part_json` is `{"index": i, "count": n}` or absent.
pub fn audience_stream(
    options_json: &str,
    part_json: Option<&str>,
) -> Result<audience::AudienceCheck, InputError> {
    let options = audience_options(options_json)?;
    let part = match part_json {
        Some(json) => {
            let p: PartInput = from_json(json).map_err(|e| inside("part", e))?;
            audience::Part {
                index: p.index,
                count: p.count,
            }
        }
        None => audience::Part::WHOLE,
    };
    audience::validate_part(&options, part)?;
    Ok(audience::AudienceCheck::new(options, part))
}

/// One record of `readCsv`, in sendgate's CSV dialect (RFC 4180; a quote opens a field only at
/// its start, after optional spaces; a quote never closed makes the rest of the text one
/// malformed record). `line` is the 1-based line the record starts on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(untagged)]
pub enum CsvRecord {
    Fields { line: usize, fields: Vec<String> },
    Error { line: usize, error: String },
}

/// `readCsv(text)`: every record of a CSV text, in sendgate's one dialect (see [`crate::csv`]).
pub fn read_csv(text: &str) -> Vec<CsvRecord> {
    crate::csv::read_all(text)
        .into_iter()
        .map(|(line, r)| match r {
            Ok(fields) => CsvRecord::Fields { line, fields },
            Err(error) => CsvRecord::Error { line, error },
        })
        .collect()
}

/// One answer of `checkSends` / `normalizePhones`: what the single call returns for that item,
/// or `{ error }` where the single call would throw. Tell them apart with `"error" in answer`.
/// One bad item does not sink the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "BatchResult"))]
#[serde(untagged)]
pub enum BatchItem<T> {
    Ok(T),
    Err(BatchError),
}

/// One item's own input error in a batch call; `path` starts with its index: `[3].contact.phone`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct BatchError {
    #[cfg_attr(test, ts(inline))]
    pub error: ItemError,
}

/// As the single call's thrown `SendgateInputError`: `message` starts with the path.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ItemError {
    #[cfg_attr(test, ts(type = "\"SendgateInputError\""))]
    pub name: &'static str,
    pub path: String,
    pub message: String,
    pub allowed: Vec<String>,
}

/// Every item of a JSON array through `answer`, each with its own error. The usual batch reads
/// as one array of `R`; only one with a malformed item is read again item by item, so that
/// the others still get their answers.
fn batch<R: serde::de::DeserializeOwned, T>(
    items_json: &str,
    answer: impl Fn(R) -> Result<T, InputError>,
) -> Result<Vec<BatchItem<T>>, InputError> {
    crate::error::check_size(items_json)?;
    let item = |i: usize, result: Result<T, InputError>| match result {
        Ok(value) => BatchItem::Ok(value),
        Err(e) => {
            let e = inside(&format!("[{i}]"), e);
            BatchItem::Err(BatchError {
                error: ItemError {
                    name: "SendgateInputError",
                    message: e.to_string(),
                    path: e.path,
                    allowed: e.allowed,
                },
            })
        }
    };
    // Read through the same tracker as single calls: one copy of `R`'s reader in the module.
    let silent = crate::error::Track::silent();
    if let Ok(items) = crate::error::read::<Vec<R>>(items_json, &silent) {
        return Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, r)| item(i, answer(r)))
            .collect());
    }
    let items: Vec<&serde_json::value::RawValue> = serde_json::from_str(items_json)
        .map_err(|_| InputError::new("", "expected an array (one item per call)"))?;
    Ok(items
        .iter()
        .enumerate()
        .map(|(i, raw)| item(i, from_json(raw.get()).and_then(&answer)))
        .collect())
}

/// `checkSends(requests)`: `checkSend` for each item of an array.
pub fn check_sends(requests_json: &str) -> Result<Vec<BatchItem<Verdict>>, InputError> {
    batch(requests_json, checked_send)
}

/// `normalizePhones(inputs)`: `normalizePhone` for each item of an array.
pub fn normalize_phones(inputs_json: &str) -> Result<Vec<BatchItem<PhoneReport>>, InputError> {
    batch(inputs_json, analyzed)
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
