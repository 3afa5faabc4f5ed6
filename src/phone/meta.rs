//! libphonenumber metadata per region, precomputed at build time.
//!
//! `build.rs` walks the `phonenumber` crate's own metadata (libphonenumber 9.0.33) and emits,
//! per region, what the phone core reads: possible lengths, the national prefix and its
//! parsing pattern and transform rule, the IDD pattern, and every descriptor pattern compiled
//! to a digit DFA. Nothing is built at run time: the crate's default database (every region,
//! ~250 ms to build in Wasm, an LRU of 100 compiled regexes shared by all regions) is never
//! touched, and no regex engine is needed.

use std::sync::OnceLock;

use super::re::Re;

mod generated {
    use super::{Desc, Region};
    include!(concat!(env!("OUT_DIR"), "/phone_meta.rs"));
}

/// No DFA (the descriptor or pattern is absent).
const NONE: u32 = u32::MAX;
const DEAD: u16 = u16::MAX;

/// One number-type descriptor: a whole-match digit DFA and the possible lengths.
pub struct Desc {
    dfa: u32,
    lengths: &'static [u16],
}

impl Desc {
    pub fn exists(&self) -> bool {
        self.dfa != NONE
    }

    pub fn lengths(&self) -> &'static [u16] {
        self.lengths
    }

    /// libphonenumber's `isNumberMatchingDesc`: a possible length of this type (when it lists
    /// any) and the whole national number matches the pattern.
    pub fn is_match(&self, national: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(national.len() as u16)))
            && self.pattern_match(national)
    }

    /// libphonenumber's `matchNationalNumber`: the whole number matches the pattern, whatever
    /// its length.
    pub fn pattern_match(&self, national: &str) -> bool {
        self.dfa != NONE && dfa_match(self.dfa, national)
    }
}

/// What the phone core reads of one region, precomputed by `build.rs` from the crate's
/// metadata (so a region needs no regex compiled to classify a number).
pub struct Region {
    /// Its position in the tables (where its compiled patterns are kept).
    index: u16,
    pub id: &'static str,
    /// Its calling code.
    pub code: u16,
    leading: u32,
    pub national_prefix: &'static str,
    npfp: u32,
    /// The national prefix for parsing when it is a plain digit string with no transform rule.
    pub npfp_literal: &'static str,
    /// The national prefix for parsing (the national prefix when the metadata gives none),
    /// anchored at the start (`""`: none).
    pub npfp_re: &'static str,
    /// Its transform rule (`""`: none).
    pub npfp_transform: &'static str,
    idd: u32,
    /// The international (IDD) prefix, anchored at the start (`""`: none).
    pub idd_re: &'static str,
    /// The general descriptor, with libphonenumber's lengths: every number type's.
    pub general: Desc,
    /// Lengths only dialable locally (without an area code), of any type.
    pub local_lengths: &'static [u16],
    /// premium rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail, fixed
    /// line, mobile: libphonenumber's order.
    pub types: [Desc; 10],
    pub same_fixed_mobile: bool,
}

impl Region {
    /// `None` without `leading_digits`, else whether they match the start of `national`.
    pub fn leading_match(&self, national: &str) -> Option<bool> {
        (self.leading != NONE).then(|| dfa_match(self.leading, national))
    }

    pub fn has_npfp(&self) -> bool {
        self.npfp != NONE
    }

    /// Whether the international (IDD) prefix pattern matches the start of `digits`.
    pub fn idd_match(&self, digits: &str) -> bool {
        self.idd != NONE && dfa_match(self.idd, digits)
    }

    /// Whether the national-prefix-for-parsing pattern matches the start of `national`.
    pub fn npfp_match(&self, national: &str) -> bool {
        self.npfp != NONE && dfa_match(self.npfp, national)
    }

    /// The national prefix for parsing as a pattern with captures (for its transform rule).
    pub fn npfp_regex(&self) -> Option<&'static Re> {
        compiled(2 * self.index as usize, self.npfp_re)
    }

    /// The international prefix as a pattern (for where its match ends).
    pub fn idd_regex(&self) -> Option<&'static Re> {
        compiled(2 * self.index as usize + 1, self.idd_re)
    }
}

/// The patterns of every region, compiled on first use: two slots per region (national
/// prefix for parsing, international prefix), so the tables bound the memory.
fn compiled(slot: usize, pattern: &'static str) -> Option<&'static Re> {
    static SLOTS: OnceLock<Vec<OnceLock<Option<Re>>>> = OnceLock::new();
    let slots = SLOTS.get_or_init(|| {
        (0..2 * generated::REGION_DATA.len())
            .map(|_| OnceLock::new())
            .collect()
    });
    slots
        .get(slot)?
        .get_or_init(|| (!pattern.is_empty()).then(|| Re::new(pattern)).flatten())
        .as_ref()
}

/// Whether DFA `dfa` accepts the whole of `digits` (ASCII digits only; anything else: no).
fn dfa_match(dfa: u32, digits: &str) -> bool {
    let bytes = generated::DFA_STATES;
    let Some(&(base, width)) = generated::DFA_BASES.get(dfa as usize) else {
        return false;
    };
    let (base, width) = (base as usize, width as usize);
    let cell = |state: usize, column: usize| -> Option<u16> {
        let at = base + (state * 11 + column) * width;
        if width == 1 {
            let x = *bytes.get(at)?;
            Some(if x == u8::MAX { DEAD } else { x as u16 })
        } else {
            Some(u16::from_le_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
        }
    };
    let mut state = 0usize;
    for b in digits.bytes() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return false;
        }
        match cell(state, d as usize) {
            Some(next) if next != DEAD => state = next as usize,
            _ => return false,
        }
    }
    cell(state, 10) == Some(1)
}

/// The data of one region (upper-case ISO id).
pub fn region(id: &str) -> Option<&'static Region> {
    regions_of(region_code(id)?).iter().find(|r| r.id == id)
}

/// The regions of a calling code, main region first (empty for an unknown code).
pub fn regions_of(code: u16) -> &'static [Region] {
    generated::CODE_REGIONS
        .binary_search_by_key(&code, |c| c.0)
        .ok()
        .and_then(|i| {
            let (_, first, count) = generated::CODE_REGIONS[i];
            generated::REGION_DATA.get(first as usize..first as usize + count as usize)
        })
        .unwrap_or(&[])
}

fn code_index(code: u16) -> Option<usize> {
    generated::CODES.binary_search_by_key(&code, |c| c.0).ok()
}

/// Whether the metadata knows this calling code.
pub fn known_code(code: u16) -> bool {
    code_index(code).is_some()
}

/// The calling code of a known ISO region id (upper case).
pub fn region_code(id: &str) -> Option<u16> {
    generated::REGIONS
        .binary_search_by_key(&id, |r| r.0)
        .ok()
        .map(|i| generated::REGIONS[i].1)
}

/// The main region of a calling code (`"001"` for non-geographic codes).
pub fn main_region(code: u16) -> Option<&'static str> {
    code_index(code).map(|i| generated::CODES[i].1)
}

/// The calling code at the start of `digits` (calling codes are prefix-free: at most one of
/// the 1-, 2- and 3-digit prefixes is a code; none starts with 0).
pub fn code_prefix(digits: &str) -> Option<u16> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=3).find_map(|len| {
        let head = digits.get(..len)?;
        if head.len() < len || !head.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let code: u16 = head.parse().ok()?;
        known_code(code).then_some(code)
    })
}

/// Every known calling code (for tests and benchmarks).
pub fn all_codes() -> impl Iterator<Item = u16> {
    generated::CODES.iter().map(|c| c.0)
}

/// Every known ISO region id (for tests and benchmarks).
pub fn all_regions() -> impl Iterator<Item = &'static str> {
    generated::REGIONS.iter().map(|r| r.0)
}
