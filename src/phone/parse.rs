//! libphonenumber's parse (`PhoneNumberUtil.parseHelper` and the steps it calls:
//! `maybeExtractCountryCode`, `parsePrefixAsIdd`, `maybeStripNationalPrefixAndCarrierCode`,
//! `testNumberLength`) on the tables `build.rs` made from the `phonenumber` crate's metadata.
//!
//! This follows libphonenumber, not the crate's own parser, where the two differ (the
//! differential harness in `tests/phone_differential.rs` lists each difference): the crate
//! strips a national prefix even when what remains is no longer a number of the region (so
//! `+7 800 555 35 35` becomes `+7 005 553 535`), strips the national prefix a second time, and
//! reads a national number that starts with the region's calling code by its own rule.
//!
//! Deliberate differences from libphonenumber, from SPEC: `00` is an international prefix in
//! every region (a customer abroad types it), also right after a `+` (`+00 44…`).

use std::borrow::Cow;

use super::meta::{self, Region};

/// libphonenumber's MIN_LENGTH_FOR_NSN and MAX_LENGTH_FOR_NSN.
const MIN_NATIONAL: usize = 2;
const MAX_NATIONAL: usize = 17;

/// A parsed number: calling code and national significant number (Italian-style leading zeros
/// kept, as libphonenumber keeps them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub code: u16,
    pub national: String,
}

impl Parsed {
    /// Calling code then national number, behind `prefix`. Built by hand: every analysis
    /// makes two of these, and the formatter machinery cost more than the rest of the string.
    pub fn joined(&self, prefix: &str) -> String {
        let mut out = String::with_capacity(prefix.len() + 3 + self.national.len());
        out.push_str(prefix);
        out.push_str(digits_of(self.code, &mut [0; 5]));
        out.push_str(&self.national);
        out
    }

    pub fn e164(&self) -> String {
        self.joined("+")
    }
}

/// The decimal digits of `code`, written into `buf`.
fn digits_of(code: u16, buf: &mut [u8; 5]) -> &str {
    let n = digit_count(code);
    let mut rest = code;
    for d in buf[..n].iter_mut().rev() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    std::str::from_utf8(&buf[..n]).unwrap_or("")
}

/// How many decimal digits `code` has (a calling code has 1 to 3).
fn digit_count(code: u16) -> usize {
    match code {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    }
}

/// Where the calling code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A `+` before the number.
    Plus,
    /// An international prefix: the region's own (`011` in the US) or `00`.
    Idd,
    /// The region's calling code typed without `+` (`1 650…` in the US).
    NumberWithoutPlus,
    /// The region of the contact: the number is national.
    Region,
}

/// Why a number cannot be read (libphonenumber's NumberParseException types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    InvalidCountryCode,
    TooShortAfterIdd,
    TooShortNsn,
    TooLong,
}

/// Parse normalised digits. `plus`: a `+` led them. `region`: the default region (the
/// contact's), whose international prefix and national numbering apply.
pub fn parse(plus: bool, digits: &str, region: Option<&Region>) -> Result<(Parsed, Source), Error> {
    let (full, source) = if plus {
        (digits, Source::Plus)
    } else {
        without_idd(digits, region)
    };
    let (code, national, source) = if source == Source::Region {
        let r = region.ok_or(Error::InvalidCountryCode)?;
        let (national, source) = national_with_code(r, full);
        (r.code, national, source)
    } else {
        match extract_code(full) {
            Ok((code, national)) => (code, Cow::Borrowed(national), source),
            // libphonenumber: `+` then something that is no calling code; try the digits
            // after the `+` as dialled (an international prefix after the `+`).
            Err(Error::InvalidCountryCode) if plus => {
                let (full, source) = without_idd(digits, region);
                if source != Source::Idd {
                    return Err(Error::InvalidCountryCode);
                }
                let (code, national) = extract_code(full)?;
                (code, Cow::Borrowed(national), source)
            }
            Err(e) => return Err(e),
        }
    };
    if national.len() < MIN_NATIONAL {
        return Err(Error::TooShortNsn);
    }
    // The national prefix is read with the contact's region for a national number, else with
    // the main region of the calling code (libphonenumber's `getRegionCodeForCountryCode`).
    let numbering = match source {
        Source::Region => region,
        _ => meta::regions_of(code).first(),
    };
    let national = match numbering {
        Some(r) => match strip_national_prefix(r, &national) {
            Cow::Owned(stripped) => match length(r, stripped.len()) {
                Length::TooShort | Length::LocalOnly | Length::Invalid => national,
                Length::Possible | Length::TooLong => Cow::Owned(stripped),
            },
            Cow::Borrowed(stripped) => match length(r, stripped.len()) {
                Length::TooShort | Length::LocalOnly | Length::Invalid => national,
                Length::Possible | Length::TooLong => Cow::Owned(stripped.to_string()),
            },
        },
        None => national,
    };
    if national.len() < MIN_NATIONAL {
        return Err(Error::TooShortNsn);
    }
    if national.len() > MAX_NATIONAL {
        return Err(Error::TooLong);
    }
    Ok((
        Parsed {
            code,
            national: national.into_owned(),
        },
        source,
    ))
}

/// Whether the digits carry their calling code: a `+` led them, or they start with an
/// international prefix (the region's or `00`).
pub fn carries_calling_code(plus: bool, digits: &str, region: Option<&Region>) -> bool {
    plus || without_idd(digits, region).1 == Source::Idd
}

/// libphonenumber's `parsePrefixAsIdd` with the region's international prefix, then SPEC's
/// `00`: the digits after the prefix, unless a `0` follows it (no calling code starts with 0).
fn without_idd<'a>(digits: &'a str, region: Option<&Region>) -> (&'a str, Source) {
    if let Some(r) = region.filter(|r| r.idd_match(digits)) {
        if let Some(caps) = r.idd_regex().and_then(|re| re.captures_at_start(digits)) {
            let rest = &digits[caps.end()..];
            if caps.end() > 0 && !rest.starts_with('0') {
                return (rest, Source::Idd);
            }
        }
    }
    match digits.strip_prefix("00") {
        Some(rest) if !rest.starts_with('0') => (rest, Source::Idd),
        _ => (digits, Source::Region),
    }
}

/// libphonenumber's `extractCountryCode` after an international prefix or `+`.
fn extract_code(full: &str) -> Result<(u16, &str), Error> {
    if full.len() <= MIN_NATIONAL {
        return Err(Error::TooShortAfterIdd);
    }
    let code = meta::code_prefix(full).ok_or(Error::InvalidCountryCode)?;
    Ok((code, &full[digit_count(code)..]))
}

/// A national number that starts with the region's own calling code is read without it when
/// that makes it a number of the region, or when it is too long with it
/// (`maybeExtractCountryCode` for the default region).
fn national_with_code<'a>(r: &Region, full: &'a str) -> (Cow<'a, str>, Source) {
    let mut code_text = [0u8; 5];
    let code_text = digits_of(r.code, &mut code_text);
    if let Some(rest) = full.strip_prefix(code_text) {
        let potential = strip_national_prefix(r, rest);
        if (!r.general.pattern_match(full) && r.general.pattern_match(&potential))
            || length(r, full.len()) == Length::TooLong
        {
            return (potential, Source::NumberWithoutPlus);
        }
    }
    (Cow::Borrowed(full), Source::Region)
}

/// libphonenumber's `maybeStripNationalPrefixAndCarrierCode`: the national prefix for parsing
/// (with its transform rule) is removed only if the number stays a number of the region, when
/// it was one before.
fn strip_national_prefix<'a>(r: &Region, number: &'a str) -> Cow<'a, str> {
    if number.is_empty() || !r.npfp_match(number) {
        return Cow::Borrowed(number);
    }
    let viable = r.general.pattern_match(number);
    let keeps_viable = |candidate: &str| !viable || r.general.pattern_match(candidate);
    if !r.npfp_literal.is_empty() {
        let rest = number.strip_prefix(r.npfp_literal).unwrap_or(number);
        return Cow::Borrowed(if keeps_viable(rest) { rest } else { number });
    }
    let Some(re) = r.npfp_regex() else {
        return Cow::Borrowed(number);
    };
    let Some(caps) = re.captures_at_start(number) else {
        return Cow::Borrowed(number);
    };
    let last_group = caps.get(re.captures_len() - 1);
    if r.npfp_transform.is_empty() || last_group.is_none() {
        let rest = &number[caps.end().min(number.len())..];
        return Cow::Borrowed(if keeps_viable(rest) { rest } else { number });
    }
    let transformed = re.replace_at_start(number, &caps, r.npfp_transform);
    if keeps_viable(&transformed) {
        Cow::Owned(transformed)
    } else {
        Cow::Borrowed(number)
    }
}

/// libphonenumber's `testNumberLength` for the general descriptor.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

pub fn length(r: &Region, length: usize) -> Length {
    let possible = r.general.lengths();
    let (Some(min), Some(max)) = (possible.min(), possible.max()) else {
        return Length::Invalid;
    };
    if r.local_lengths().contains(length) {
        Length::LocalOnly
    } else if length == min {
        Length::Possible
    } else if length < min {
        Length::TooShort
    } else if length > max {
        Length::TooLong
    } else if possible.contains(length) {
        Length::Possible
    } else {
        Length::Invalid
    }
}
