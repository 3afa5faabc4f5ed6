//! The core's modules form no cycle: each rule module can be read, tested and changed with only
//! the modules below it in mind (`model` and `finding` at the bottom, `eligibility` above the
//! rules it combines, `picker`, `meta_request` and `audience` above it, `api` and `wasm` on top).
//! Reads the `crate::` references of every source file in `src/` (unit tests excluded).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level module a file of `src/` belongs to (`src/phone/re.rs` → `phone`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_str()
        .unwrap();
    first.trim_end_matches(".rs").to_string()
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `crate::name` references outside the unit tests of a file.
fn references(text: &str) -> BTreeSet<String> {
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + 7..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
        // `use crate::{a, b}` lists.
        if let Some(list) = line.strip_prefix("use crate::{") {
            for item in list.trim_end_matches("};").split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let modules: BTreeSet<String> = all.iter().map(|f| module_of(&src, f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &all {
        let module = module_of(&src, file);
        // The crate root declares every module; the types generator is a test.
        if module == "lib" || module == "typescript" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let deps = graph.entry(module.clone()).or_default();
        for r in references(&text) {
            if r != module && modules.contains(&r) {
                deps.insert(r);
            }
        }
    }
    graph
}

/// A cycle through `start`, if any (depth-first, iterative).
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    for start in graph.keys() {
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if next == start {
                    let mut c = path.clone();
                    c.push(next.clone());
                    return Some(c);
                }
                if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    None
}

#[test]
fn the_modules_of_src_form_no_cycle() {
    let g = graph();
    assert!(g.len() > 15, "{g:?}");
    if let Some(c) = cycle(&g) {
        panic!("module cycle: {}", c.join(" → "));
    }
}

#[test]
fn phone_numbers_do_not_depend_on_the_gate() {
    let g = graph();
    for above in ["eligibility", "picker", "audience", "api", "meta_request"] {
        assert!(!g["phone"].contains(above), "phone uses {above}");
    }
}

#[test]
fn the_cycle_finder_finds_one() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    assert_eq!(cycle(&g), None);
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        references("use crate::{catalog, eligibility};\nfn f() { crate::model::clip(\"\", 1); }\n#[cfg(test)]\nmod tests { use crate::api; }"),
        ["catalog", "eligibility", "model"].into_iter().map(String::from).collect()
    );
}
