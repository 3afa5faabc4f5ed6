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
const NONE: u16 = u16::MAX;

/// A set of possible lengths (at most 17): bit n for length n.
#[derive(Clone, Copy)]
pub struct Lengths(u32);

impl Lengths {
    pub fn contains(self, length: usize) -> bool {
        length < 32 && self.0 >> length & 1 == 1
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn min(self) -> Option<usize> {
        (!self.is_empty()).then(|| self.0.trailing_zeros() as usize)
    }

    pub fn max(self) -> Option<usize> {
        (!self.is_empty()).then(|| 31 - self.0.leading_zeros() as usize)
    }
}

/// One number-type descriptor: a whole-match digit DFA and the possible lengths.
pub struct Desc {
    dfa: u16,
    lengths: u32,
}

impl Desc {
    pub fn lengths(&self) -> Lengths {
        Lengths(self.lengths)
    }

    /// libphonenumber's `isNumberMatchingDesc`: a possible length of this type (when it lists
    /// any) and the whole national number matches the pattern.
    pub fn is_match(&self, national: &str) -> bool {
        let lengths = self.lengths();
        (lengths.is_empty() || lengths.contains(national.len())) && self.pattern_match(national)
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
    leading: u16,
    pub national_prefix: &'static str,
    npfp: u16,
    /// The national prefix for parsing when it is a plain digit string with no transform rule.
    pub npfp_literal: &'static str,
    /// The national prefix for parsing (the national prefix when the metadata gives none),
    /// anchored at the start (`""`: none).
    pub npfp_re: &'static str,
    /// Its transform rule (`""`: none).
    pub npfp_transform: &'static str,
    idd: u16,
    /// The international (IDD) prefix, anchored at the start (`""`: none).
    pub idd_re: &'static str,
    /// The general descriptor, with libphonenumber's lengths: every number type's.
    pub general: Desc,
    /// Lengths only dialable locally (without an area code), of any type.
    local_lengths: u32,
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

impl Region {
    pub fn local_lengths(&self) -> Lengths {
        Lengths(self.local_lengths)
    }
}

/// Whether DFA `dfa` accepts the whole of `digits` (ASCII digits only; anything else: no).
fn dfa_match(dfa: u16, digits: &str) -> bool {
    let Some(&(base, width)) = generated::DFA_BASES.get(dfa as usize) else {
        return false;
    };
    let table = generated::DFA_STATES.get(base as usize..).unwrap_or(&[]);
    // A cell holds the next state's distance from this one, plus one (0: no match possible),
    // modulo the cell's range; the 11th cell of a state is 1 when it accepts. Cells are stored
    // XORed with 0x80 (one byte) or 0x8080 (two), which keeps zero bytes out of the table.
    let (width, range) = if width == 1 { (1, 255) } else { (2, 65535) };
    let cell = |state: usize, column: usize| -> usize {
        let at = (state * 11 + column) * width;
        match table.get(at..at + width) {
            Some(&[x]) => (x ^ 0x80) as usize,
            Some(&[lo, hi]) => (u16::from_le_bytes([lo, hi]) ^ 0x8080) as usize,
            _ => 0,
        }
    };
    let mut state = 0usize;
    for b in digits.bytes() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return false;
        }
        match cell(state, d as usize) {
            0 => return false,
            step => state = (state + step - 1) % range,
        }
    }
    cell(state, 10) == 1
}

/// The data of one region (upper-case ISO id).
pub fn region(id: &str) -> Option<&'static Region> {
    let at = generated::REGIONS.binary_search_by_key(&id, |r| r.0).ok()?;
    generated::REGION_DATA.get(generated::REGIONS[at].2 as usize)
}

/// The entry of a calling code in `CODES`.
fn code_entry(code: u16) -> Option<&'static (u16, &'static str, u16, u16)> {
    let slot = *generated::CODE_SLOTS.get(code as usize)?;
    generated::CODES.get(slot as usize)
}

/// The regions of a calling code, main region first (empty for an unknown code).
pub fn regions_of(code: u16) -> &'static [Region] {
    code_entry(code)
        .and_then(|&(_, _, first, count)| {
            generated::REGION_DATA.get(first as usize..first as usize + count as usize)
        })
        .unwrap_or(&[])
}

/// Whether the metadata knows this calling code.
pub fn known_code(code: u16) -> bool {
    code_entry(code).is_some()
}

/// The calling code at the start of `digits` (calling codes are prefix-free: at most one of
/// the 1-, 2- and 3-digit prefixes is a code; none starts with 0).
pub fn code_prefix(digits: &str) -> Option<u16> {
    let mut code = 0u16;
    for &b in digits.as_bytes().iter().take(3) {
        let d = b.wrapping_sub(b'0');
        if d > 9 || (code == 0 && d == 0) {
            return None;
        }
        code = code * 10 + d as u16;
        if known_code(code) {
            return Some(code);
        }
    }
    None
}
