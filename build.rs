//! Splits the `phonenumber` crate's own metadata (libphonenumber 9.0.33, as the crate ships it)
//! into one small blob per country calling code, so the core builds only the regions a number
//! needs instead of the crate's whole default database (~250 ms in Wasm on first use).
//!
//! The build script runs natively with `phonenumber` as a build-dependency, walks its default
//! database through the public getters in the crate's own region order (main region first),
//! and writes `phone_meta.rs` into `OUT_DIR`:
//! - `REGIONS`: every region id with its calling code, sorted by id (for `parse_region`);
//! - `CODES`: every calling code with the JSON text of its `loader::Metadata` list, sorted by
//!   code (for `parse_calling_code` and the per-code database).
//!
//! One rewrite is applied to the regexes: `\d` becomes `[0-9]`. The core only ever matches
//! ASCII digits (input is normalised first), where both mean the same; the ASCII class compiles
//! to a far smaller automaton than Unicode `\d` (every decimal digit of every script).

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use phonenumber::metadata::{loader, Descriptor, Format, Metadata, DATABASE};

fn ascii_digits(re: &str) -> String {
    let mut out = String::with_capacity(re.len() + 16);
    let mut chars = re.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `^(?:re)$`: libphonenumber matches a descriptor against the *whole* national number; the
/// crate checks only that a match starts at 0, which accepts a proper prefix (and leftmost-first
/// alternation can stop early). Anchoring gives libphonenumber's semantics and faster matching.
fn whole(re: &str) -> String {
    format!("^(?:{})$", ascii_digits(re))
}

/// `^(?:re)`: patterns libphonenumber applies with `lookingAt` (leading digits, prefixes);
/// the crate already requires the match to start at 0, the anchor only saves the scan.
fn head(re: &str) -> String {
    format!("^(?:{})", ascii_digits(re))
}

fn descriptor(d: &Descriptor) -> loader::Descriptor {
    loader::Descriptor {
        national_number: Some(whole(d.national_number().as_str())),
        possible_length: d.possible_length().to_vec(),
        possible_local_length: d.possible_local_length().to_vec(),
        example: d.example().map(str::to_string),
    }
}

fn format(f: &Format) -> loader::Format {
    loader::Format {
        pattern: Some(ascii_digits(f.pattern().as_str())),
        format: Some(f.format().to_string()),
        leading_digits: f
            .leading_digits()
            .iter()
            .map(|r| ascii_digits(r.as_str()))
            .collect(),
        national_prefix_formatting_rule: f.national_prefix().map(str::to_string),
        national_prefix_optional_when_formatting: f.is_national_prefix_optional(),
        domestic_carrier: f.domestic_carrier().map(str::to_string),
    }
}

fn metadata(m: &Metadata) -> loader::Metadata {
    let d = m.descriptors();
    let opt = |x: Option<&Descriptor>| x.map(descriptor);
    loader::Metadata {
        general: Some(descriptor(d.general())),
        fixed_line: opt(d.fixed_line()),
        mobile: opt(d.mobile()),
        toll_free: opt(d.toll_free()),
        premium_rate: opt(d.premium_rate()),
        shared_cost: opt(d.shared_cost()),
        personal_number: opt(d.personal_number()),
        voip: opt(d.voip()),
        pager: opt(d.pager()),
        uan: opt(d.uan()),
        emergency: opt(d.emergency()),
        voicemail: opt(d.voicemail()),
        short_code: opt(d.short_code()),
        standard_rate: opt(d.standard_rate()),
        carrier: opt(d.carrier()),
        no_international: opt(d.no_international()),
        id: Some(m.id().to_string()),
        country_code: Some(m.country_code()),
        international_prefix: m.international_prefix().map(|r| head(r.as_str())),
        preferred_international_prefix: m.preferred_international_prefix().map(str::to_string),
        national_prefix: m.national_prefix().map(str::to_string),
        preferred_extension_prefix: m.preferred_extension_prefix().map(str::to_string),
        national_prefix_for_parsing: m.national_prefix_for_parsing().map(|r| head(r.as_str())),
        national_prefix_transform_rule: m.national_prefix_transform_rule().map(str::to_string),
        formats: m.formats().iter().map(format).collect(),
        international_formats: m.international_formats().iter().map(format).collect(),
        main_country_for_code: m.is_main_country_for_code(),
        leading_digits: m.leading_digits().map(|r| head(r.as_str())),
        mobile_number_portable: m.is_mobile_number_portable(),
        defaults: Default::default(),
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let db = &*DATABASE;

    let mut codes: Vec<u16> = db.iter().map(|m| m.country_code()).collect();
    codes.sort_unstable();
    codes.dedup();

    let mut regions: Vec<(String, u16)> = Vec::new();
    let mut out = String::new();
    out.push_str("/// Every calling code, its main region (`001` for non-geographic codes) and the JSON text\n/// of its regions' metadata (main region first).\n");
    out.push_str("pub static CODES: &[(u16, &str, &str)] = &[\n");
    for code in &codes {
        // The crate's own order: main region first, then the XML order.
        let ids = db.region(code).unwrap_or_default();
        let list: Vec<loader::Metadata> = ids
            .iter()
            .filter_map(|id| db.by_id(*id))
            .map(metadata)
            .collect();
        for m in &list {
            let id = m.id.clone().unwrap_or_default();
            if id.len() == 2 {
                regions.push((id, *code));
            }
        }
        let main = ids.first().copied().unwrap_or("001");
        let json = serde_json::to_string(&list).expect("metadata serializes");
        writeln!(out, "    ({code}, {main:?}, {json:?}),").unwrap();
    }
    out.push_str("];\n\n");
    regions.sort();
    out.push_str(
        "/// Every ISO 3166-1 region the metadata knows, with its calling code, sorted by id.\n",
    );
    out.push_str("pub static REGIONS: &[(&str, u16)] = &[\n");
    for (id, code) in &regions {
        writeln!(out, "    ({id:?}, {code}),").unwrap();
    }
    out.push_str("];\n");

    let path = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("phone_meta.rs");
    fs::write(path, out).expect("write phone_meta.rs");
}
