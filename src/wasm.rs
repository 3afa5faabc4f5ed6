//! The wasm-bindgen layer: JS values in, JS values out, errors as `js_sys::Error`.
//!
//! Inputs cross the boundary as JSON text (one `JSON.stringify`): far cheaper than walking
//! objects property by property, and the core validates the text with the same code the
//! fuzzers and Rust tests use. Results go out in one of two ways, whichever is faster at their
//! size: per-call results (a verdict, a phone report, Meta's request) are built as JS objects
//! by `serde-wasm-bindgen`, bulk results (thousands of webhook events, a triage report) as
//! JSON text and one `JSON.parse`. Figures are in README.md and the commit history.

use js_sys::{Array, Error, Object, Reflect, Uint8Array, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::api;
use crate::error::InputError;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
import type {
  SendRequest, Verdict, Classification, WebhookEvent, TriageReport, PhoneInput, PhoneReport,
  PickRequest, TemplateOption, AudienceOptions, AudienceReport, AudienceFixable, AudiencePart,
  AudienceContacts, BatchResult, CsvRecord, Version, MetaRequest,
} from "./types.js";
export type * from "./types.js";
"#;

fn input_error(err: InputError) -> JsValue {
    let js = Error::new(&err.to_string());
    js.set_name("SendgateInputError");
    let allowed: Array = err.allowed.iter().map(|s| JsValue::from_str(s)).collect();
    // Setting plain data properties on a fresh Error cannot fail.
    let _ = Reflect::set(&js, &"path".into(), &JsValue::from_str(&err.path));
    let _ = Reflect::set(&js, &"allowed".into(), &allowed);
    js.into()
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = TextEncoder)]
    type JsTextEncoder;
    #[wasm_bindgen(constructor, js_class = "TextEncoder")]
    fn new() -> JsTextEncoder;
    #[wasm_bindgen(method, js_class = "TextEncoder", js_name = encodeInto)]
    fn encode_into(this: &JsTextEncoder, input: &JsValue, into: &Uint8Array) -> EncodeResult;

    /// `TextEncoder.encodeInto`'s answer: UTF-16 units read, bytes written.
    type EncodeResult;
    #[wasm_bindgen(method, getter)]
    fn read(this: &EncodeResult) -> u32;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeResult) -> u32;
}

/// Strings above this size are copied in by the engine's native `TextEncoder` (one memcpy into
/// Wasm memory) instead of the glue's per-character loop, which dominates for megabyte bodies.
const NATIVE_ENCODE_FROM: u32 = 16 * 1024;

/// The Rust text of a JS string (lone surrogates become U+FFFD), or `None` if it is not one.
fn text_of(value: &JsValue) -> Option<String> {
    let js = value.dyn_ref::<js_sys::JsString>()?;
    let units = js.length();
    if units < NATIVE_ENCODE_FROM {
        return value.as_string();
    }
    // Encoded straight into Wasm memory: one byte per unit fits ASCII; the rest of the string
    // (a unit is at most 3 bytes) gets room as it turns up.
    let encoder = JsTextEncoder::new();
    let mut bytes: Vec<u8> = Vec::with_capacity(units as usize);
    let mut rest = value.clone();
    let mut rest_units = units;
    loop {
        let spare = bytes.spare_capacity_mut();
        // SAFETY: the view covers only the Vec's spare capacity and is dropped before the Vec
        // is touched again; nothing allocates while it lives, so Wasm memory cannot move.
        let view = unsafe { Uint8Array::view_mut_raw(spare.as_mut_ptr().cast(), spare.len()) };
        let done = encoder.encode_into(&rest, &view);
        drop(view);
        let (read, written) = (done.read(), done.written() as usize);
        // SAFETY: encodeInto initialised exactly `written` bytes of the spare capacity.
        unsafe { bytes.set_len(bytes.len() + written) };
        if read >= rest_units {
            break;
        }
        rest = rest
            .unchecked_ref::<js_sys::JsString>()
            .slice(read, rest_units)
            .into();
        rest_units -= read;
        bytes.reserve(rest_units as usize * 3);
    }
    Some(
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

/// JSON text of a JS value, or an input error naming the field JSON cannot carry.
fn to_json(value: &JsValue, path: &str) -> Result<String, JsValue> {
    match JSON::stringify(value) {
        Ok(text) => text_of(&text).ok_or_else(|| {
            // `undefined`, a function or a symbol: nothing to serialise at all.
            input_error(InputError::new(
                path,
                "expected JSON data (an object, array, string, number, boolean or null)",
            ))
        }),
        Err(_) => Err(input_error(locate_not_data(value, path))),
    }
}

/// `JSON.stringify` threw: find the first BigInt, or the first level past the nesting limit
/// (which is also where a cycle shows), without recursion.
fn locate_not_data(root: &JsValue, base: &str) -> InputError {
    const MAX_DEPTH: usize = 128;
    let join = |path: &str, key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    let mut stack = vec![(root.clone(), base.to_string(), 0usize)];
    while let Some((value, path, depth)) = stack.pop() {
        if value.is_bigint() {
            return InputError::new(path, "a BigInt is not JSON data: pass a number or a string");
        }
        if depth > MAX_DEPTH {
            return InputError::new(
                path,
                format!("nested deeper than {MAX_DEPTH} levels (or circular)"),
            );
        }
        if Array::is_array(&value) {
            let items: Array = value.unchecked_into();
            for i in (0..items.length()).rev() {
                stack.push((items.get(i), format!("{path}[{i}]"), depth + 1));
            }
        } else if value.is_object() {
            let keys = Object::keys(value.unchecked_ref::<Object>());
            for i in (0..keys.length()).rev() {
                let key = keys.get(i);
                let child = Reflect::get(&value, &key).unwrap_or(JsValue::UNDEFINED);
                let name = key.as_string().unwrap_or_default();
                stack.push((child, join(&path, &name), depth + 1));
            }
        }
    }
    InputError::new(base, "cannot be serialised as JSON")
}

/// A per-call result as JS objects, built directly (`null` for absent values, plain objects
/// for maps, as JSON would give).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::new(&format!("sendgate: cannot serialize result: {e}")).into())
}

/// A bulk result through JSON text, with room for `size_hint` bytes up front so megabytes of
/// output are not copied again at every doubling of the buffer.
fn to_js_bulk<T: Serialize>(value: &T, size_hint: usize) -> Result<JsValue, JsValue> {
    let mut text = Vec::with_capacity(size_hint.max(128));
    serde_json::to_writer(&mut text, value)
        .map_err(|e| Error::new(&format!("sendgate: cannot serialize result: {e}")))?;
    // SAFETY: serde_json writes only valid UTF-8.
    JSON::parse(unsafe { std::str::from_utf8_unchecked(&text) })
}

/// Will this send fail, and why? Every blocker, most fundamental first.
#[wasm_bindgen(js_name = checkSend, unchecked_return_type = "Verdict")]
pub fn check_send(
    #[wasm_bindgen(unchecked_param_type = "SendRequest")] request: JsValue,
) -> Result<JsValue, JsValue> {
    to_js(&api::check_send(&to_json(&request, "")?).map_err(input_error)?)
}

/// Meta's endpoint and exact JSON body for the send, or `null` when `checkSend` blocks it.
#[wasm_bindgen(js_name = metaRequest, unchecked_return_type = "MetaRequest | null")]
pub fn meta_request(
    #[wasm_bindgen(unchecked_param_type = "SendRequest")] request: JsValue,
) -> Result<JsValue, JsValue> {
    to_js(&api::meta_request(&to_json(&request, "")?).map_err(input_error)?)
}

/// Every template for a contact and source, pickable first, with the reasons for the others.
#[wasm_bindgen(js_name = pickTemplates, unchecked_return_type = "TemplateOption[]")]
pub fn pick_templates(
    #[wasm_bindgen(unchecked_param_type = "PickRequest")] request: JsValue,
) -> Result<JsValue, JsValue> {
    to_js(&api::pick_templates(&to_json(&request, "")?).map_err(input_error)?)
}

/// E.164, region, validity, number type and the `wa_id` variants of one phone.
#[wasm_bindgen(js_name = normalizePhone, unchecked_return_type = "PhoneReport")]
pub fn normalize_phone(
    #[wasm_bindgen(unchecked_param_type = "PhoneInput")] input: JsValue,
) -> Result<JsValue, JsValue> {
    to_js(&api::normalize_phone(&to_json(&input, "")?).map_err(input_error)?)
}

/// What a failure means and what to do: a platform reason string, a Meta code, a Graph error,
/// a failed status, JSON text of any of these. Odd input gives reason `UNKNOWN`.
#[wasm_bindgen(js_name = classifyFailure, unchecked_return_type = "Classification")]
pub fn classify_failure(
    #[wasm_bindgen(unchecked_param_type = "unknown")] input: JsValue,
) -> Result<JsValue, JsValue> {
    // Never throws: what JSON cannot carry is an unrecognised failure, described by its type.
    let classification = match text_of(&input) {
        Some(text) => api::classify_failure_text(&text),
        None => match to_json(&input, "") {
            Ok(json) => api::classify_failure_json(&json),
            Err(_) => {
                let kind = input.js_typeof().as_string().unwrap_or_default();
                api::classify_failure_text(&format!("[{kind} value that is not JSON data]"))
            }
        },
    };
    to_js(&classification)
}

/// One typed event per item of a Meta webhook body (object or raw string).
#[wasm_bindgen(js_name = classifyWebhook, unchecked_return_type = "WebhookEvent[]")]
pub fn classify_webhook(
    #[wasm_bindgen(unchecked_param_type = "unknown")] payload: JsValue,
) -> Result<JsValue, JsValue> {
    let body = match text_of(&payload) {
        Some(text) => text,
        None => to_json(&payload, "")?,
    };
    let mut events = api::classify_webhook(&body);
    // Each distinct classification crosses once; the events share it (read-only), instead of
    // JSON.parse building megabytes of repeats.
    let shared = crate::webhook::share_classifications(&mut events);
    // The events' JSON is about as long as the body they came from.
    let mut text = Vec::with_capacity(body.len());
    crate::webhook::json_text::write(&mut text, &events)
        .map_err(|e| Error::new(&format!("sendgate: cannot serialize result: {e}")))?;
    // SAFETY: json_text writes only valid UTF-8 (it copies UTF-8 and writes ASCII).
    let events_js: Array =
        JSON::parse(unsafe { std::str::from_utf8_unchecked(&text) })?.unchecked_into();
    let distinct_js: Array = to_js(&shared.distinct)?.unchecked_into();
    let key = JsValue::from_str("classification");
    for (event, k) in shared.links {
        Reflect::set(&events_js.get(event), &key, &distinct_js.get(k))?;
    }
    Ok(events_js.into())
}

/// Failures grouped by reason, most impactful first, with retry lists and a summary.
#[wasm_bindgen(unchecked_return_type = "TriageReport")]
pub fn triage(
    #[wasm_bindgen(unchecked_param_type = "unknown[]")] failures: JsValue,
) -> Result<JsValue, JsValue> {
    to_js_bulk(
        &api::triage(&to_json(&failures, "")?).map_err(input_error)?,
        0,
    )
}

/// How many contacts of a customers CSV a send would reach, why the others would not, and
/// which phones can be fixed.
#[wasm_bindgen(js_name = checkAudience, unchecked_return_type = "AudienceReport")]
pub fn check_audience(
    #[wasm_bindgen(unchecked_param_type = "string")] csv: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AudienceOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let csv = text_of(&csv)
        .ok_or_else(|| input_error(InputError::new("csv", "expected the CSV text as a string")))?;
    to_js_bulk(
        &api::check_audience(&csv, &to_json(&options, "options")?).map_err(input_error)?,
        0,
    )
}

/// The contacts of a customers CSV, read with exactly `checkAudience`'s columns and rows.
#[wasm_bindgen(js_name = audienceContacts, unchecked_return_type = "AudienceContacts")]
pub fn audience_contacts(
    #[wasm_bindgen(unchecked_param_type = "string")] csv: JsValue,
) -> Result<JsValue, JsValue> {
    let csv = text_of(&csv)
        .ok_or_else(|| input_error(InputError::new("csv", "expected the CSV text as a string")))?;
    to_js_bulk(&api::audience_contacts(&csv), csv.len() * 2)
}

/// Every reason and Meta code the library knows.
#[wasm_bindgen(unchecked_return_type = "Classification[]")]
pub fn catalog() -> Result<JsValue, JsValue> {
    to_js_bulk(&api::catalog(), 0)
}

/// The crate version and the libphonenumber metadata version.
#[wasm_bindgen(unchecked_return_type = "Version")]
pub fn version() -> Result<JsValue, JsValue> {
    to_js(&api::version())
}

// --- Bulk and streaming entry points: one boundary crossing for many items ----------------

/// `checkSend` for every request of an array, in one call: each answer is a `Verdict` or
/// `{ error }` for that item alone (its `path` starts with `[i]`).
#[wasm_bindgen(js_name = checkSends, unchecked_return_type = "BatchResult<Verdict>[]")]
pub fn check_sends(
    #[wasm_bindgen(unchecked_param_type = "SendRequest[]")] requests: JsValue,
) -> Result<JsValue, JsValue> {
    let json = to_json(&requests, "")?;
    let answers = api::check_sends(&json).map_err(input_error)?;
    to_js_bulk(&answers, json.len() * 2)
}

/// `normalizePhone` for every input of an array, in one call (answers as for `checkSends`).
#[wasm_bindgen(js_name = normalizePhones, unchecked_return_type = "BatchResult<PhoneReport>[]")]
pub fn normalize_phones(
    #[wasm_bindgen(unchecked_param_type = "PhoneInput[]")] inputs: JsValue,
) -> Result<JsValue, JsValue> {
    let json = to_json(&inputs, "")?;
    let answers = api::normalize_phones(&json).map_err(input_error)?;
    to_js_bulk(&answers, json.len() * 4)
}

/// `normalizePhones` for pkg/batch.js: the answers as one string of fields (see
/// [`write_phone_columns`]), which JS splits once and turns into objects of one shape; that
/// is several times cheaper than `JSON.parse` building the same objects key by key.
#[wasm_bindgen(js_name = normalizePhonesColumns, skip_typescript)]
pub fn normalize_phones_columns(inputs: JsValue) -> Result<JsValue, JsValue> {
    let json = to_json(&inputs, "")?;
    let answers = api::normalize_phones(&json).map_err(input_error)?;
    let mut out = Vec::with_capacity(answers.len() * 96);
    write_phone_columns(&mut out, &answers)
        .map_err(|e| Error::new(&format!("sendgate: cannot serialize result: {e}")))?;
    // SAFETY: only UTF-8 is written (the report's strings and serde_json's output).
    Ok(JsValue::from_str(unsafe {
        std::str::from_utf8_unchecked(&out)
    }))
}

/// Field separator of the columns (serde_json escapes control characters, and the report's
/// own strings are digits and region codes).
const SEP: u8 = 1;
/// Separates the `wa_id` variants inside their field.
const SUB: u8 = 2;
/// `null`.
const NULL: u8 = 3;

/// Per answer, 11 fields each followed by [`SEP`]: e164, region, calling_code,
/// national_number, possible, valid, type, assumed (strings or [`NULL`]; the booleans `1`
/// or empty), the `wa_id` variants joined by [`SUB`], suggested, and the findings as JSON text
/// (empty when there are none). An item's input error is [`SUB`] then its answer's JSON text,
/// and ten empty fields.
fn write_phone_columns(
    out: &mut Vec<u8>,
    answers: &[api::BatchItem<crate::phone::PhoneReport>],
) -> serde_json::Result<()> {
    fn text(out: &mut Vec<u8>, value: Option<&str>) {
        match value {
            Some(v) => out.extend_from_slice(v.as_bytes()),
            None => out.push(NULL),
        }
        out.push(SEP);
    }
    let mut name = Vec::new();
    for answer in answers {
        let report = match answer {
            api::BatchItem::Ok(report) => report,
            api::BatchItem::Err(_) => {
                out.push(SUB);
                serde_json::to_writer(&mut *out, answer)?;
                out.extend_from_slice(&[SEP; 11]);
                continue;
            }
        };
        text(out, report.e164.as_deref());
        text(out, report.region.as_deref());
        text(out, report.calling_code.as_deref());
        text(out, report.national_number.as_deref());
        text(out, report.possible.then_some("1").or(Some("")));
        text(out, report.valid.then_some("1").or(Some("")));
        text(out, report.number_type);
        match report.assumed {
            // A unit variant: serde_json writes its name quoted.
            Some(assumed) => {
                name.clear();
                serde_json::to_writer(&mut name, &assumed)?;
                out.extend_from_slice(&name[1..name.len() - 1]);
                out.push(SEP);
            }
            None => text(out, None),
        }
        for (i, id) in report.wa_id_variants.iter().enumerate() {
            if i > 0 {
                out.push(SUB);
            }
            out.extend_from_slice(id.as_bytes());
        }
        out.push(SEP);
        text(out, report.suggested.as_deref());
        if !report.findings.is_empty() {
            serde_json::to_writer(&mut *out, &report.findings)?;
        }
        out.push(SEP);
    }
    Ok(())
}

/// Every record of a CSV text in sendgate's dialect: `{ line, fields }` or `{ line, error }`.
#[wasm_bindgen(js_name = readCsv, unchecked_return_type = "CsvRecord[]")]
pub fn read_csv(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
) -> Result<JsValue, JsValue> {
    let text = text_of(&text)
        .ok_or_else(|| input_error(InputError::new("text", "expected the CSV text as a string")))?;
    to_js_bulk(&api::read_csv(&text), text.len() + text.len() / 4)
}

/// `checkAudience` over a file read in chunks: `push` each chunk (bytes or text, split
/// anywhere), `takeFixable` as often as wanted, then `finish` for the report.
#[wasm_bindgen]
pub struct AudienceStream {
    check: Option<crate::audience::AudienceCheck>,
    /// Reused for every chunk of bytes copied in from JS.
    bytes: Vec<u8>,
}

fn finished() -> JsValue {
    input_error(InputError::new(
        "",
        "this AudienceStream is finished: start a new one",
    ))
}

#[wasm_bindgen]
impl AudienceStream {
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "AudienceOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "AudiencePart")] part: JsValue,
    ) -> Result<AudienceStream, JsValue> {
        let options = to_json(&options, "options")?;
        let part = if part.is_undefined() || part.is_null() {
            None
        } else {
            Some(to_json(&part, "part")?)
        };
        let check = api::audience_stream(&options, part.as_deref()).map_err(input_error)?;
        Ok(AudienceStream {
            check: Some(check),
            bytes: Vec::new(),
        })
    }

    fn check(&mut self) -> Result<&mut crate::audience::AudienceCheck, JsValue> {
        self.check.as_mut().ok_or_else(finished)
    }

    /// The next chunk of the file: a `Uint8Array` of its UTF-8 bytes or a string.
    pub fn push(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] chunk: JsValue,
    ) -> Result<(), JsValue> {
        if let Some(bytes) = chunk.dyn_ref::<Uint8Array>() {
            let mut buf = std::mem::take(&mut self.bytes);
            buf.resize(bytes.length() as usize, 0);
            bytes.copy_to(&mut buf);
            self.check()?.push(&buf);
            self.bytes = buf;
            return Ok(());
        }
        let text = text_of(&chunk).ok_or_else(|| {
            input_error(InputError::new(
                "chunk",
                "expected a Uint8Array of the file's bytes or a string",
            ))
        })?;
        self.check()?.push(text.as_bytes());
        Ok(())
    }

    /// The fixable contacts found since the last call, in file order (they leave the report).
    #[wasm_bindgen(js_name = takeFixable, unchecked_return_type = "AudienceFixable[]")]
    pub fn take_fixable(&mut self) -> Result<JsValue, JsValue> {
        let fixable = self.check()?.take_fixable();
        to_js_bulk(&fixable, fixable.len() * 256)
    }

    /// Data rows read so far (all parts).
    #[wasm_bindgen(getter)]
    pub fn rows(&self) -> usize {
        self.check.as_ref().map_or(0, |c| c.rows())
    }

    /// Ends the file: the report, without the fixable entries already taken.
    #[wasm_bindgen(unchecked_return_type = "AudienceReport")]
    pub fn finish(&mut self) -> Result<JsValue, JsValue> {
        let check = self.check.take().ok_or_else(finished)?;
        to_js_bulk(&check.finish(), 0)
    }
}
