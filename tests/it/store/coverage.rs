//! The suite's promise, checked: every public method of `Store` and `StoreTx` (each `pub fn` or
//! `pub async fn` directly inside an `impl Store {` or `impl StoreTx<'_> {` block of `src/store/`) is
//! called somewhere in `tests/it/store/`. A new store method without a conformance test fails here.
//!
//! A `Store` method counts as called where `.name(` or `::name(` appears; a `StoreTx` method (several
//! share a name with a `Store` method) only where `tx.name(` does: call transactions `tx` in this suite.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|x| x == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// `(impl type, method, file)` of each public method of the store's handle types.
fn public_methods(root: &Path) -> Vec<(&'static str, String, String)> {
    let mut methods = Vec::new();
    for file in rust_files(&root.join("src/store")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut inside: Option<&'static str> = None;
        for line in text.lines() {
            if line == "impl Store {" {
                inside = Some("Store");
            } else if line == "impl StoreTx<'_> {" {
                inside = Some("StoreTx");
            } else if line.starts_with('}') {
                inside = None;
            } else if let Some(owner) = inside {
                let rest = line.strip_prefix("    pub async fn ").or_else(|| line.strip_prefix("    pub fn "));
                if let Some(rest) = rest {
                    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    methods.push((owner, name, file.strip_prefix(root).unwrap().display().to_string()));
                }
            }
        }
    }
    methods
}

/// Whether `text` calls `name` after `prefix` (`.`, `::` or `tx.`; the last not as the end of a
/// longer name such as `ctx.`).
fn calls(text: &str, prefix: &str, name: &str) -> bool {
    let call = format!("{prefix}{name}(");
    let names_a_variable = prefix.starts_with(|c: char| c.is_alphanumeric());
    text.match_indices(&call).any(|(at, _)| {
        !names_a_variable || text[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

#[test]
fn every_public_store_method_is_called_by_the_conformance_suite() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let methods = public_methods(root);
    let store_methods = methods.iter().filter(|(owner, ..)| *owner == "Store").count();
    assert!(store_methods >= 60, "the scan found only {store_methods} Store methods: has the layout changed?");
    assert!(
        methods.iter().any(|(owner, name, _)| *owner == "StoreTx" && name == "commit"),
        "StoreTx methods are scanned"
    );

    let suite: String = rust_files(&root.join("tests/it/store"))
        .iter()
        .filter(|path| !path.ends_with("coverage.rs"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    let missing: Vec<String> = methods
        .iter()
        .filter(|(owner, name, _)| match *owner {
            "StoreTx" => !calls(&suite, "tx.", name),
            _ => !calls(&suite, ".", name) && !calls(&suite, "::", name),
        })
        .map(|(owner, name, file)| format!("{owner}::{name} ({file})"))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} public store methods are not called in tests/it/store (add a test there, on both backends):\n  {}",
        missing.len(),
        methods.len(),
        missing.join("\n  ")
    );
}
