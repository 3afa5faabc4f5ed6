//! libphonenumber metadata per calling code, built on first use and kept in a bounded cache.
//!
//! `build.rs` splits the `phonenumber` crate's own metadata into one JSON blob per calling
//! code. A number needs only its calling code's regions, so instead of the crate's default
//! database (every region, ~250 ms to build in Wasm, and an LRU of 100 compiled regexes shared
//! by all regions, which thrashes on mixed input) each calling code gets its own small
//! [`Database`]: its regexes compile once, lazily, in that database's own regex cache (100
//! entries, more than any single calling code uses in a parse), and stay compiled while the
//! code is in the cache.

use std::sync::{Arc, Mutex};

use phonenumber::metadata::{loader, Database};

mod generated {
    include!(concat!(env!("OUT_DIR"), "/phone_meta.rs"));
}

/// Calling codes whose database stays built. There are ~245 calling codes; a realistic audience
/// uses a few dozen. Each entry holds its regions' metadata and the regexes compiled so far.
pub const MAX_DATABASES: usize = 96;

struct Entry {
    code: u16,
    db: Arc<Database>,
    used: u64,
}

struct Cache {
    entries: Vec<Entry>,
    clock: u64,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache {
    entries: Vec::new(),
    clock: 0,
});

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
/// the 1-, 2- and 3-digit prefixes is a code).
pub fn code_prefix(digits: &str) -> Option<u16> {
    (1..=3).find_map(|len| {
        let head = digits.get(..len)?;
        if head.len() < len || !head.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let code: u16 = head.parse().ok()?;
        known_code(code).then_some(code)
    })
}

/// The database of one calling code: built on first use, cached (at most [`MAX_DATABASES`],
/// least recently used evicted).
pub fn database(code: u16) -> Option<Arc<Database>> {
    let index = code_index(code)?;
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache.clock += 1;
    let now = cache.clock;
    if let Some(entry) = cache.entries.iter_mut().find(|e| e.code == code) {
        entry.used = now;
        return Some(entry.db.clone());
    }
    let list: Vec<loader::Metadata> = serde_json::from_str(generated::CODES[index].2).ok()?;
    let db = Arc::new(Database::from(list).ok()?);
    if cache.entries.len() >= MAX_DATABASES {
        if let Some(oldest) = cache
            .entries
            .iter()
            .enumerate()
            .min_by_key(|(_, e)| e.used)
            .map(|(i, _)| i)
        {
            cache.entries.swap_remove(oldest);
        }
    }
    cache.entries.push(Entry {
        code,
        db: db.clone(),
        used: now,
    });
    Some(db)
}

/// How many calling-code databases are built right now (for tests and benchmarks).
pub fn cached_databases() -> usize {
    CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entries
        .len()
}

/// Every known calling code (for tests and benchmarks).
pub fn all_codes() -> impl Iterator<Item = u16> {
    generated::CODES.iter().map(|c| c.0)
}

/// Every known ISO region id (for tests and benchmarks).
pub fn all_regions() -> impl Iterator<Item = &'static str> {
    generated::REGIONS.iter().map(|r| r.0)
}
