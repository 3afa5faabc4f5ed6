//! Precomputes, from the `phonenumber` crate's own metadata (libphonenumber 9.0.33, as the
//! crate ships it), everything the phone core reads at run time, so that nothing is built on
//! first use (the crate's default database takes ~250 ms to build in Wasm) and no regex engine
//! is needed in the Wasm module.
//!
//! The build script runs natively with `phonenumber` as a build-dependency, walks its default
//! database through the public getters in the crate's own region order (main region first),
//! and writes into `OUT_DIR`:
//! - `phone_meta.rs`: `REGIONS` (region id → calling code), `CODES` (calling code → main
//!   region), `CODE_REGIONS`/`REGION_DATA` (per region: lengths, national prefix, the national
//!   prefix for parsing and its transform rule, the IDD, and a DFA index per descriptor);
//! - `phone_dfa.bin`: every descriptor pattern compiled with `regex-automata` (the engine
//!   behind `regex`) to a table of states × 10 digits.
//!
//! The tables are libphonenumber's, where the crate's loader stops short of what libphonenumber's
//! own metadata build does: the general descriptor gets the union of every type's lengths, and
//! a region without a national prefix for parsing gets its national prefix.
//!
//! Regex rewrites: `\d` becomes `[0-9]` (the core only matches ASCII digits, where both mean the
//! same); descriptor patterns are anchored at both ends (libphonenumber matches whole numbers,
//! the crate only checks that a match starts at 0); prefix patterns at the start; the XML's
//! layout whitespace is dropped.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use std::collections::HashMap;

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::util::{start, syntax};
use regex_automata::Anchored;

/// Digit DFAs of the metadata's regexes: each pattern, compiled once here with
/// `regex-automata` (the engine behind `regex`), becomes a table of states × 10 digits.
/// Matching a national number is then one table step per digit, with nothing to compile at
/// run time.
#[derive(Default)]
struct Dfas {
    index: HashMap<String, u16>,
    /// Per state: the next state for digits 0–9, then 1 if the state accepts at the end of
    /// input; one byte per cell when the DFA has fewer than 255 states, else two
    /// (little-endian). A next state is stored as its distance from the current one, plus one,
    /// modulo the cell's range (0: no match possible): the same few distances recur across
    /// DFAs, which makes the table compress a seventh smaller than absolute state numbers.
    /// Every cell is stored XORed with `FLIP`.
    bytes: Vec<u8>,
    /// Byte offset of each DFA in `bytes`, and its cell width.
    bases: Vec<(u32, u8)>,
}

const DEAD: u16 = u16::MAX;
/// No DFA (the descriptor or pattern is absent).
const NONE: u16 = u16::MAX;
/// XORed into every stored cell (see `Dfas::add`).
const FLIP: u16 = 0x8080;

impl Dfas {
    /// Index of the DFA that accepts exactly the digit strings `full_pattern` matches whole.
    fn add(&mut self, full_pattern: &str) -> u16 {
        if let Some(&i) = self.index.get(full_pattern) {
            return i;
        }
        let dfa = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .minimize(true)
                    .start_kind(StartKind::Anchored),
            )
            .syntax(
                syntax::Config::new()
                    .unicode(false)
                    .utf8(false)
                    .ignore_whitespace(true),
            )
            .build(full_pattern)
            .unwrap_or_else(|e| panic!("pattern {full_pattern}: {e}"));
        let s0 = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .expect("anchored start");
        let mut ids = HashMap::new();
        let mut order = vec![s0];
        ids.insert(s0, 0u16);
        let mut table: Vec<[u16; 11]> = Vec::new();
        let mut i = 0;
        while i < order.len() {
            let s = order[i];
            let mut row = [DEAD; 11];
            for d in 0..10u8 {
                let n = dfa.next_state(s, b'0' + d);
                if dfa.is_dead_state(n) {
                    continue;
                }
                let next = *ids.entry(n).or_insert_with(|| {
                    order.push(n);
                    (order.len() - 1) as u16
                });
                row[d as usize] = next;
            }
            row[10] = dfa.is_match_state(dfa.next_eoi_state(s)) as u16;
            table.push(row);
            i += 1;
        }
        assert!(order.len() < DEAD as usize, "DFA too large: {full_pattern}");
        let id = u16::try_from(self.bases.len()).expect("fewer than 65535 DFAs");
        assert!(id != NONE);
        let width: u8 = if order.len() < 255 { 1 } else { 2 };
        let range: i64 = if width == 1 { 255 } else { 65535 };
        self.bases.push((self.bytes.len() as u32, width));
        for (state, row) in table.iter().enumerate() {
            for (column, &cell) in row.iter().enumerate() {
                let stored = if column == 10 {
                    cell
                } else if cell == DEAD {
                    0
                } else {
                    ((cell as i64 - state as i64).rem_euclid(range) + 1) as u16
                };
                // Flipped so that no common cell (no match, not accepting) is a zero byte:
                // wasm-opt splits data segments at runs of zeros, and thousands of small
                // segments compress far worse than one table.
                if width == 1 {
                    self.bytes.push(stored as u8 ^ FLIP as u8);
                } else {
                    self.bytes.extend_from_slice(&(stored ^ FLIP).to_le_bytes());
                }
            }
        }
        self.index.insert(full_pattern.to_string(), id);
        id
    }
}

/// Possible lengths (at most 17) as a bit mask: bit n set for length n.
fn lengths(xs: &[u16]) -> u32 {
    xs.iter().fold(0, |mask, &n| mask | 1 << n)
}

/// `Desc { dfa, lengths }` of one descriptor: the whole-match DFA and its possible lengths.
fn desc_src(dfas: &mut Dfas, d: Option<&Descriptor>) -> String {
    match d {
        Some(d) => format!(
            "Desc {{ dfa: {}, lengths: {} }}",
            dfas.add(&whole(d.national_number().as_str())),
            lengths(d.possible_length())
        ),
        None => format!("Desc {{ dfa: {NONE}, lengths: 0 }}"),
    }
}

/// The run-time facts of one region: everything `phone::parse` and `phone::classify` read.
/// `index`: its position in `REGION_DATA`.
fn region_src(dfas: &mut Dfas, m: &Metadata, index: usize) -> String {
    let d = m.descriptors();
    // libphonenumber's build (`setPossibleLengthsGeneralDesc`) gives the general descriptor the
    // union of every number type's lengths, local-only ones apart; the crate leaves it empty.
    let kinds = [
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ];
    let mut national: Vec<u16> = kinds
        .iter()
        .flatten()
        .flat_map(|x| x.possible_length().iter().copied())
        .collect();
    national.sort_unstable();
    national.dedup();
    let mut local: Vec<u16> = kinds
        .iter()
        .flatten()
        .flat_map(|x| x.possible_local_length().iter().copied())
        .filter(|l| !national.contains(l))
        .collect();
    local.sort_unstable();
    local.dedup();
    let same = match (d.fixed_line(), d.mobile()) {
        (Some(f), Some(mo)) => f.national_number().as_str() == mo.national_number().as_str(),
        _ => false,
    };
    // lookingAt(p) on digits == whole match of `p` followed by any digits.
    let head_dfa = |dfas: &mut Dfas, re: Option<&str>| match re {
        Some(re) => dfas.add(&format!("^(?:{})[0-9]*$", ascii_digits(re))),
        None => NONE,
    };
    let types = [
        d.premium_rate(),
        d.toll_free(),
        d.shared_cost(),
        d.voip(),
        d.personal_number(),
        d.pager(),
        d.uan(),
        d.voicemail(),
        d.fixed_line(),
        d.mobile(),
    ]
    .into_iter()
    .map(|x| desc_src(dfas, x))
    .collect::<Vec<_>>()
    .join(", ");
    // libphonenumber's build uses the national prefix as the national prefix for parsing when
    // the metadata gives none; the crate keeps it absent and strips the prefix by hand instead.
    let national_prefix = m.national_prefix().unwrap_or("");
    let npfp = m
        .national_prefix_for_parsing()
        .map(|r| compact(r.as_str()))
        .or_else(|| (!national_prefix.is_empty()).then(|| national_prefix.to_string()));
    let transform = m.national_prefix_transform_rule().unwrap_or("");
    let npfp_literal = match &npfp {
        Some(p) if transform.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.clone(),
        _ => String::new(),
    };
    let general = d.general();
    format!(
        "Region {{ index: {}, id: {:?}, code: {}, leading: {}, national_prefix: {:?}, npfp: {}, npfp_literal: {:?}, npfp_re: {:?}, npfp_transform: {:?}, idd: {}, idd_re: {:?}, general: Desc {{ dfa: {}, lengths: {} }}, local_lengths: {}, types: [{}], same_fixed_mobile: {} }}",
        index,
        m.id(),
        m.country_code(),
        head_dfa(dfas, m.leading_digits().map(|r| r.as_str())),
        national_prefix,
        head_dfa(dfas, npfp.as_deref()),
        npfp_literal,
        npfp.as_deref().map(head).unwrap_or_default(),
        transform,
        head_dfa(dfas, m.international_prefix().map(|r| r.as_str())),
        m.international_prefix()
            .map(|r| head(r.as_str()))
            .unwrap_or_default(),
        dfas.add(&whole(general.national_number().as_str())),
        lengths(&national),
        lengths(&local),
        types,
        same,
    )
}

/// A metadata pattern without the layout whitespace of the XML (the patterns are compiled with
/// whitespace ignored, so it carries no meaning).
fn compact(re: &str) -> String {
    re.chars().filter(|c| !c.is_whitespace()).collect()
}

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
    format!("^(?:{})$", ascii_digits(&compact(re)))
}

/// `^(?:re)`: patterns libphonenumber applies with `lookingAt` (leading digits, prefixes);
/// the crate already requires the match to start at 0, the anchor only saves the scan.
fn head(re: &str) -> String {
    format!("^(?:{})", ascii_digits(&compact(re)))
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let db = &*DATABASE;

    // Every calling code. Not from `db.iter()`: the crate keys regions by id, so of the
    // non-geographic entities (all `001`: +800, +808, +870, …) it iterates only one.
    let codes: Vec<u16> = (1..1000).filter(|c| db.by_code(c).is_some()).collect();

    let mut regions: Vec<(String, u16, usize)> = Vec::new();
    let mut dfas = Dfas::default();
    let mut region_data: Vec<String> = Vec::new();
    let mut out = String::new();
    out.push_str(
        "/// Every calling code (sorted), its main region (`001` for non-geographic codes) and its\n",
    );
    out.push_str("/// regions in `REGION_DATA` (start, count), main first.\n");
    out.push_str("pub static CODES: &[(u16, &str, u16, u16)] = &[\n");
    let mut slots = vec![u16::MAX; 1000];
    for (slot, code) in codes.iter().enumerate() {
        slots[*code as usize] = slot as u16;
        // The crate's own order: main region first, then the XML order.
        let ids = db.region(code).unwrap_or_default();
        let main = ids.first().copied().unwrap_or("001");
        let first = region_data.len();
        for id in &ids {
            // `by_id("001")` is one arbitrary non-geographic entity: take this code's own.
            let m = match *id {
                "001" => db
                    .by_code(code)
                    .and_then(|ms| ms.into_iter().find(|m| m.id() == "001")),
                _ => db.by_id(*id),
            };
            if let Some(m) = m {
                if id.len() == 2 {
                    regions.push((id.to_string(), *code, region_data.len()));
                }
                region_data.push(region_src(&mut dfas, m, region_data.len()));
            }
        }
        let count = region_data.len() - first;
        writeln!(out, "    ({code}, {main:?}, {first}, {count}),").unwrap();
    }
    out.push_str("];\n\n/// Per calling code 0-999: its index in `CODES` (all ones: unknown).\n");
    out.push_str("pub static CODE_SLOTS: [u16; 1000] = [\n");
    for chunk in slots.chunks(20) {
        let v: Vec<String> = chunk.iter().map(|s| s.to_string()).collect();
        writeln!(out, "    {},", v.join(", ")).unwrap();
    }
    out.push_str("];\n\n");
    regions.sort();
    out.push_str(
        "/// Every ISO 3166-1 region the metadata knows, sorted by id: its calling code and its\n",
    );
    out.push_str("/// index in `REGION_DATA`.\n");
    out.push_str("pub static REGIONS: &[(&str, u16, u16)] = &[\n");
    for (id, code, index) in &regions {
        writeln!(out, "    ({id:?}, {code}, {index}),").unwrap();
    }
    out.push_str("];\n\npub static REGION_DATA: &[Region] = &[\n");
    for r in &region_data {
        writeln!(out, "    {r},").unwrap();
    }
    out.push_str(
        "];\n\n/// Byte offset of each DFA in `DFA_STATES` and its cell width (1 or 2 bytes).\n",
    );
    out.push_str("pub static DFA_BASES: &[(u32, u8)] = &[\n");
    for chunk in dfas.bases.chunks(8) {
        let v: Vec<String> = chunk.iter().map(|(o, w)| format!("({o}, {w})")).collect();
        writeln!(out, "    {},", v.join(", ")).unwrap();
    }
    out.push_str(
        "];\n\n/// 11 cells per state: next state per digit 0-9 (distance + 1, 0: dead), accepting.\n",
    );
    out.push_str("pub static DFA_STATES: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/phone_dfa.bin\"));\n");

    let dir = env::var("OUT_DIR").expect("OUT_DIR");
    fs::write(Path::new(&dir).join("phone_dfa.bin"), &dfas.bytes).expect("write phone_dfa.bin");
    let path = Path::new(&dir).join("phone_meta.rs");
    fs::write(path, out).expect("write phone_meta.rs");
}
