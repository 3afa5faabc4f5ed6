//! Phone numbers: from what a merchant's customer typed at checkout to the E.164 number
//! WhatsApp needs, with the reason when that is not possible.
//!
//! SPEC decisions: a number starting with `+`, `00` or the international prefix of the
//! contact's country (`011` in the US, `0011` in Australia) carries its calling code; otherwise
//! `phone_calling_code` supplies it; neither → `CUSTOMER_IS_MISSING_CALLING_CODE`, with a
//! suggested E.164 from `phone_country_code` (never used to send).
//!
//! The field is read as libphonenumber reads it (`text`: the number inside surrounding text,
//! extensions, vanity letters), then parsed as libphonenumber parses it (`parse`) on the
//! metadata `build.rs` compiled from the `phonenumber` crate (`meta`). Differences with the
//! crate's parser and with libphonenumber-js are listed, with their reasons, by the
//! differential harness (`tests/phone_differential.rs`, `pkg/test/phone_differential.test.mjs`).

pub mod meta;
mod parse;
mod re;
mod text;

use serde::{Deserialize, Serialize};

use crate::catalog::Reason;
use crate::finding::finding;
use crate::model::{clip, Finding};
use meta::Region;
use parse::Parsed;
use text::{Ignored, Read, Typed};

/// libphonenumber metadata release the `phonenumber` crate was built from.
pub const METADATA_VERSION: &str = "9.0.33";

/// Longest phone input considered; anything longer is not a phone number.
const MAX_PHONE_CHARS: usize = 64;

/// Most digits a phone number can have: a 3-digit calling code and libphonenumber's longest
/// national number (17). Longer input is refused before the parser sees it.
const MAX_DIGITS: usize = 20;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(optional_fields = nullable))]
#[serde(remote = "Self")]
pub struct PhoneInput {
    #[serde(default)]
    #[cfg_attr(test, ts(optional = false))]
    pub phone: Option<String>,
    #[serde(default)]
    pub phone_country_code: Option<String>,
    #[serde(default)]
    pub phone_calling_code: Option<String>,
}

crate::wire::objects_only!(serialize: PhoneInput);

/// How the calling code of the number was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Assumed {
    /// The number itself starts with `+`, `00` or the contact country's international prefix.
    InternationalPrefix,
    /// Taken from `phone_calling_code`.
    CallingCodeField,
    /// Only a suggestion: derived from `phone_country_code`.
    CountryHint,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct PhoneReport {
    pub e164: Option<String>,
    pub region: Option<String>,
    pub calling_code: Option<String>,
    pub national_number: Option<String>,
    pub possible: bool,
    pub valid: bool,
    /// libphonenumber's number type, e.g. `mobile`, `fixed_line`, `fixed_line_or_mobile`.
    #[serde(rename = "type")]
    pub number_type: Option<&'static str>,
    /// How the calling code was found; null when it was not.
    pub assumed: Option<Assumed>,
    /// Digit strings (no `+`) a webhook `wa_id`/`from` may use for this person.
    pub wa_id_variants: Vec<String>,
    /// E.164 suggestion when the calling code is missing and the country is known.
    pub suggested: Option<String>,
    pub findings: Vec<Finding>,
}

impl PhoneReport {
    fn empty() -> Self {
        PhoneReport {
            e164: None,
            region: None,
            calling_code: None,
            national_number: None,
            possible: false,
            valid: false,
            number_type: None,
            assumed: None,
            wa_id_variants: Vec::new(),
            suggested: None,
            findings: Vec::new(),
        }
    }

    /// The blocking findings (the others are warnings).
    pub fn is_blocking(reason: Reason) -> bool {
        matches!(
            reason,
            Reason::CustomerIsMissingPhone
                | Reason::CustomerIsMissingCallingCode
                | Reason::CustomerPhoneInvalid
                | Reason::CustomerPhoneMangled
        )
    }

    /// The reasons a phone analysis gives: they concern the contact's number, not the message
    /// (the template picker leaves them to the contact check).
    pub fn concerns_the_phone(reason: Reason) -> bool {
        Self::is_blocking(reason)
            || matches!(
                reason,
                Reason::CustomerPhoneUnverified
                    | Reason::CallingCodeConflict
                    | Reason::CustomerPhoneTextIgnored
                    | Reason::CustomerPhoneVanityLetters
            )
    }

    fn block(&mut self, reason: Reason, message: String, field: &'static str) -> PhoneReport {
        self.findings.push(finding(reason, message, Some(field)));
        std::mem::replace(self, PhoneReport::empty())
    }
}

/// `"+52"`, `"52"`, `" 52 "` → 52, when it is a calling code the metadata knows.
pub fn parse_calling_code(text: &str) -> Option<u16> {
    let t = text.trim().trim_start_matches('+').trim();
    if t.is_empty() || t.len() > 3 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code: u16 = t.parse().ok()?;
    meta::known_code(code).then_some(code)
}

/// ISO 3166-1 alpha-2, case-insensitive, when the metadata knows the region.
fn parse_region(text: &str) -> Option<&'static Region> {
    let t = text.trim();
    if t.len() != 2 {
        return None;
    }
    let id = [t.as_bytes()[0], t.as_bytes()[1]].map(|b| b.to_ascii_uppercase());
    meta::region(std::str::from_utf8(&id).ok()?)
}

/// One way of reading the digits, with what the metadata says about the result.
struct Reading {
    number: Parsed,
    facts: Facts,
}

/// Parse digits in `region` (the contact's, for an international prefix and national
/// numbering), with SPEC's readings on top: Mexico's legacy mobile `1` dropped, and an E.164
/// that must read back as itself.
fn read_digits(plus: bool, digits: &str, region: Option<&'static Region>) -> Option<Reading> {
    let (number, _) = parse::parse(plus, digits, region).ok()?;
    let number = stable(mexico_legacy_mobile(number))?;
    let facts = classify(&number);
    Some(Reading { number, facts })
}

/// The reading of a field: its digits, or, for a vanity number, its letters read as keypad
/// digits. Words after a complete number are text, not letters of the number: the digits are
/// taken when they alone make a valid number (`+52 55 1234 5678 cel`), the keypad reading
/// otherwise (`1800 SIX FLAGS`).
fn read_typed(typed: &Typed, region: Option<&'static Region>) -> (Option<Reading>, bool) {
    let digits = read_digits(typed.plus, &typed.digits, region);
    match &typed.vanity {
        Some(keypad) if !digits.as_ref().is_some_and(|r| r.facts.valid()) => {
            (read_digits(typed.plus, keypad, region), true)
        }
        _ => (digits, false),
    }
}

/// Analyse one phone as the gate needs it. Never panics.
pub fn analyze(input: &PhoneInput) -> PhoneReport {
    let mut report = PhoneReport::empty();
    let raw = input.phone.as_deref().unwrap_or("").trim();
    // Long input is read up to a bound (in characters), without copying it first.
    let bound = raw
        .char_indices()
        .nth(MAX_PHONE_CHARS * 4)
        .map_or(raw.len(), |(i, _)| i);
    let shown = || clip(raw, 40);
    let typed = match text::read(&raw[..bound]) {
        Read::Number(typed) => typed,
        Read::NoDigits => {
            let message = if raw.is_empty() {
                "This customer has no phone number, so there is nothing to send to.".to_string()
            } else {
                format!("The phone field `{}` contains no digits.", shown())
            };
            return report.block(Reason::CustomerIsMissingPhone, message, "contact.phone");
        }
        Read::Mangled(_) => {
            return report.block(
                Reason::CustomerPhoneMangled,
                format!(
                    "The phone `{}` is what a spreadsheet makes of a long number: it kept the first few digits and replaced the rest, so the real number is lost and cannot be rebuilt from this value.",
                    shown()
                ),
                "contact.phone",
            );
        }
        Read::NotANumber => {
            return report.block(
                Reason::CustomerPhoneInvalid,
                format!("`{}` cannot be read as a phone number.", shown()),
                "contact.phone",
            );
        }
    };
    if typed.digits.len() > MAX_DIGITS
        || typed.vanity.as_ref().is_some_and(|v| v.len() > MAX_DIGITS)
    {
        return report.block(
            Reason::CustomerPhoneInvalid,
            format!(
                "`{}` has more digits than any phone number (E.164 allows 15).",
                shown()
            ),
            "contact.phone",
        );
    }

    let hint = input.phone_country_code.as_deref().and_then(parse_region);
    let calling_code_field = input
        .phone_calling_code
        .as_deref()
        .filter(|c| !c.trim().is_empty());
    let calling_code = calling_code_field.and_then(parse_calling_code);
    // The region a national number belongs to: with a calling code, that code's region (the
    // contact's own country when it shares the code: US vs CA, GB vs GG…); else the country.
    let region = match calling_code {
        Some(code) => hint
            .filter(|r| r.code == code)
            .or_else(|| meta::regions_of(code).first()),
        None => hint,
    };
    let (reading, vanity) = read_typed(&typed, region);
    let international = parse::carries_calling_code(typed.plus, &typed.digits, region);

    if !international && calling_code.is_none() {
        // No calling code anywhere: the send fails. Suggest one from the country, if known.
        let suggestion = reading
            .as_ref()
            .filter(|r| hint.is_some() && r.facts.possible)
            .map(|r| r.number.e164());
        let message = match (&suggestion, hint) {
            (Some(s), Some(r)) => format!(
                "The phone `{}` has no country calling code. The customer's country is {}, so the number is most likely {s}.",
                shown(),
                r.id
            ),
            (None, Some(r)) => format!(
                "The phone `{}` has no country calling code, and it is not a possible number of the customer's country {}.",
                shown(),
                r.id
            ),
            _ => format!(
                "The phone `{}` has no country calling code and the customer has no country to suggest one from.",
                shown()
            ),
        };
        let mut f = finding(
            Reason::CustomerIsMissingCallingCode,
            message,
            Some("contact.phone_calling_code"),
        );
        f.suggested = suggestion.clone();
        report.findings.push(f);
        if let Some(s) = &suggestion {
            report.assumed = Some(Assumed::CountryHint);
            report.wa_id_variants = wa_id_variants_of(s);
        }
        report.suggested = suggestion;
        report
            .findings
            .extend(typing_warnings(&typed, vanity, report.suggested.as_deref()));
        return report;
    }

    report.assumed = Some(if international {
        Assumed::InternationalPrefix
    } else {
        Assumed::CallingCodeField
    });
    let Some(Reading { number, facts, .. }) = reading else {
        report.findings.push(finding(
            Reason::CustomerPhoneInvalid,
            format!("`{}` cannot be read as a phone number.", shown()),
            Some("contact.phone"),
        ));
        report
            .findings
            .extend(typing_warnings(&typed, vanity, None));
        return report;
    };

    let code = number.code;
    report.calling_code = Some(code.to_string());
    report.national_number = Some(number.national.clone());
    report.region = facts.region.map(str::to_string);
    report.possible = facts.possible;
    report.valid = facts.valid();
    report.number_type = report.valid.then(|| facts.number_type.as_str());

    if international {
        if let Some(field_code) = calling_code.filter(|c| *c != code) {
            report.findings.push(finding(
                Reason::CallingCodeConflict,
                format!(
                    "The phone starts with +{code}, but phone_calling_code says +{field_code}. The number is sent as written (+{code})."
                ),
                Some("contact.phone_calling_code"),
            ));
        }
    }

    if !report.possible {
        report.findings.push(finding(
            Reason::CustomerPhoneInvalid,
            format!(
                "+{code} {} has the wrong number of digits for {}: no phone there has this length.",
                number.national,
                report.region.as_deref().unwrap_or("its calling code")
            ),
            Some("contact.phone"),
        ));
        report
            .findings
            .extend(typing_warnings(&typed, vanity, None));
        return report;
    }

    let formatted = number.e164();
    report.wa_id_variants = wa_id_variants_of(&formatted);
    if !report.valid {
        report.findings.push(finding(
            Reason::CustomerPhoneUnverified,
            format!(
                "{formatted} has a possible length but does not match any number range known to libphonenumber {METADATA_VERSION}; new ranges are sometimes missing, so it is sent, but check it if the send fails."
            ),
            Some("contact.phone"),
        ));
    }
    report
        .findings
        .extend(typing_warnings(&typed, vanity, Some(&formatted)));
    report.e164 = Some(formatted);
    report
}

/// Warnings about how the number was typed: text left out around it, letters read as digits.
fn typing_warnings(typed: &Typed, vanity: bool, read_as: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    if typed.ignored.is_empty() && typed.words.is_empty() && !vanity {
        return out;
    }
    let as_number = match read_as {
        Some(e164) => format!(", and {e164} was read as the number"),
        None => String::new(),
    };
    let mut pieces: Vec<String> = typed
        .ignored
        .iter()
        .map(|piece| match piece {
            Ignored::Before(t) => format!("`{}` before the number", clip(t, 30)),
            Ignored::After(t) => format!("`{}` after it", clip(t, 30)),
            Ignored::Extension(t) => format!(
                "the extension `{}` (WhatsApp reaches a phone, not an extension)",
                clip(t, 30)
            ),
        })
        .collect();
    if !vanity && !typed.words.is_empty() {
        let words = typed.words.join(" ");
        pieces.push(format!("the letters `{}`", clip(&words, 30)));
    }
    if !pieces.is_empty() {
        out.push(finding(
            Reason::CustomerPhoneTextIgnored,
            format!(
                "The phone field holds more than a number: {} {} left out{as_number}.",
                list(&pieces),
                if pieces.len() == 1 { "was" } else { "were" }
            ),
            Some("contact.phone"),
        ));
    }
    if vanity {
        out.push(finding(
            Reason::CustomerPhoneVanityLetters,
            format!(
                "The phone is written with letters (`{}`), read as the digits of a phone keypad{as_number}.",
                clip(&typed.words.join(" "), 30)
            ),
            Some("contact.phone"),
        ));
    }
    out
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The E.164 the core reports must read back as itself: libphonenumber strips a national
/// prefix even after `+CC` when what remains is still a number of the region, so digits like
/// `+971 0000001` would read back as another number: such input is not one phone number.
fn stable(number: Parsed) -> Option<Parsed> {
    // Read back, only the national prefix for parsing of the calling code's main region can
    // change the number: without a match for it, the number reads back as itself.
    if !meta::regions_of(number.code)
        .first()
        .is_some_and(|main| main.npfp_match(&number.national))
    {
        return Some(number);
    }
    let (again, _) = parse::parse(true, &number.joined(""), None).ok()?;
    let again = mexico_legacy_mobile(again);
    (again == number).then_some(number)
}

/// Mexico dropped the mobile `1` after +52 in 2019 and the metadata no longer knows it: a number
/// still written `+52 1 XX XXXX XXXX` is the line `+52 XX XXXX XXXX` (its legacy `521…` form
/// stays among the `wa_id` variants).
fn mexico_legacy_mobile(number: Parsed) -> Parsed {
    if number.code == 52 && number.national.len() == 11 && number.national.starts_with('1') {
        let today = Parsed {
            code: 52,
            national: number.national[1..].to_string(),
        };
        if classify(&today).valid() {
            return today;
        }
    }
    number
}

/// What the metadata says about a parsed number.
struct Facts {
    /// The region whose ranges the number falls in (`None` if none of its calling code's).
    region: Option<&'static str>,
    possible: bool,
    number_type: NumberType,
}

impl Facts {
    fn valid(&self) -> bool {
        self.possible && self.number_type != NumberType::Unknown
    }
}

/// libphonenumber's number types, in its order of precedence (`getNumberTypeHelper`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberType {
    PremiumRate,
    TollFree,
    SharedCost,
    Voip,
    PersonalNumber,
    Pager,
    Uan,
    Voicemail,
    FixedLine,
    Mobile,
    FixedLineOrMobile,
    Unknown,
}

impl NumberType {
    fn as_str(self) -> &'static str {
        match self {
            NumberType::PremiumRate => "premium_rate",
            NumberType::TollFree => "toll_free",
            NumberType::SharedCost => "shared_cost",
            NumberType::Voip => "voip",
            NumberType::PersonalNumber => "personal_number",
            NumberType::Pager => "pager",
            NumberType::Uan => "uan",
            NumberType::Voicemail => "voicemail",
            NumberType::FixedLine => "fixed_line",
            NumberType::Mobile => "mobile",
            NumberType::FixedLineOrMobile => "fixed_line_or_mobile",
            NumberType::Unknown => "unknown",
        }
    }
}

/// Region, possibility and type of a number, as libphonenumber decides them: the region is the
/// first of the calling code's regions whose leading digits match (or, without leading digits,
/// whose ranges contain the number); the type is the first matching descriptor in
/// libphonenumber's order. The national number keeps Italian-style leading zeros.
fn classify(number: &Parsed) -> Facts {
    let national = number.national.as_str();
    let regions = meta::regions_of(number.code);
    let found = if regions.len() == 1 {
        Some((&regions[0], None))
    } else {
        regions
            .iter()
            .find_map(|r| match r.leading_match(national) {
                Some(leading) => leading.then_some((r, None)),
                None => {
                    let t = number_type(r, national);
                    (t != NumberType::Unknown).then_some((r, Some(t)))
                }
            })
    };
    // Possible is a length question: ask the number's region, else the calling code's main one.
    let length_region = found.map(|(r, _)| r).or_else(|| regions.first());
    let possible = length_region.is_some_and(|r| r.general.lengths().contains(national.len()));
    let (region, number_type) = match found {
        Some((r, Some(t))) => (Some(r), t),
        Some((r, None)) => (Some(r), number_type(r, national)),
        None => (None, NumberType::Unknown),
    };
    Facts {
        region: region.map(|r| r.id).filter(|id| id.len() == 2),
        possible,
        number_type,
    }
}

/// libphonenumber's `getNumberTypeHelper`.
fn number_type(region: &Region, national: &str) -> NumberType {
    if !region.general.is_match(national) {
        return NumberType::Unknown;
    }
    const ORDERED: [NumberType; 8] = [
        NumberType::PremiumRate,
        NumberType::TollFree,
        NumberType::SharedCost,
        NumberType::Voip,
        NumberType::PersonalNumber,
        NumberType::Pager,
        NumberType::Uan,
        NumberType::Voicemail,
    ];
    for (desc, t) in region.types.iter().zip(ORDERED) {
        if desc.is_match(national) {
            return t;
        }
    }
    let [.., fixed, mobile] = &region.types;
    if fixed.is_match(national) {
        if region.same_fixed_mobile || mobile.is_match(national) {
            return NumberType::FixedLineOrMobile;
        }
        return NumberType::FixedLine;
    }
    if !region.same_fixed_mobile && mobile.is_match(national) {
        return NumberType::Mobile;
    }
    NumberType::Unknown
}

/// The digit strings (no `+`) WhatsApp may use as `wa_id` for the same person.
/// Mexico: legacy `521…` beside `52…`; Argentina: mobile `549…` beside `54…`;
/// Brazil: mobiles registered before the ninth digit lack it (`55DD8…` vs `55DD98…`).
pub fn wa_id_variants_of(e164: &str) -> Vec<String> {
    let digits = e164.trim_start_matches('+');
    let mut out = vec![digits.to_string()];
    let mut add = |v: String| {
        if !out.contains(&v) {
            out.push(v);
        }
    };
    if let Some(rest) = digits.strip_prefix("52") {
        if let Some(ten) = rest.strip_prefix('1').filter(|r| r.len() == 10) {
            add(["52", ten].concat());
        } else if rest.len() == 10 {
            add(["521", rest].concat());
        }
    } else if let Some(rest) = digits.strip_prefix("54") {
        if let Some(without) = rest.strip_prefix('9').filter(|r| r.len() == 10) {
            add(["54", without].concat());
        } else if rest.len() == 10 {
            add(["549", rest].concat());
        }
    } else if let Some(rest) = digits.strip_prefix("55") {
        let (area, local) = rest.split_at(rest.len().min(2));
        if local.len() == 9 && local.starts_with('9') {
            add(["55", area, &local[1..]].concat());
        } else if local.len() == 8 && matches!(local.as_bytes()[0], b'6'..=b'9') {
            add(["55", area, "9", local].concat());
        }
    }
    out
}
