//! The layers of ARCHITECTURE.md hold: its "Layers" section lists the crate's top-level modules
//! bottom to top, and no module imports (`crate::name`) from one listed after it. Every module
//! declared in `src/lib.rs` must be in the list.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The ordered module names of the "## Layers" section: the first backticked word of each
/// numbered line.
fn layers() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let section = text.split("\n## Layers").nth(1).expect("a `## Layers` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|l| l.trim_start().chars().next().is_some_and(|c| c.is_ascii_digit()))
        .filter_map(|l| l.split('`').nth(1))
        .map(|m| m.trim_end_matches('/').to_string())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The files of top-level module `name`: `src/name.rs` or everything under `src/name/`.
fn files_of(name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let file = root().join("src").join(format!("{name}.rs"));
    if file.is_file() {
        out.push(file);
    }
    let dir = root().join("src").join(name);
    if dir.is_dir() {
        rust_files(&dir, &mut out);
    }
    out
}

#[test]
fn every_module_is_in_a_layer() {
    let layers = layers();
    assert!(layers.len() >= 8, "{layers:?}");
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).expect("lib.rs");
    for line in lib.lines().filter_map(|l| l.trim().strip_prefix("pub mod ")) {
        let name = line.trim_end_matches(';');
        assert!(layers.iter().any(|l| l == name), "module `{name}` is not in ARCHITECTURE.md's layers");
    }
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let layers = layers();
    let mut violations = Vec::new();
    for (rank, name) in layers.iter().enumerate() {
        let files = files_of(name);
        assert!(!files.is_empty(), "layer `{name}` has no source files");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable");
            for (i, line) in text.lines().enumerate() {
                // Doc links may point anywhere; only code imports.
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for above in &layers[rank + 1..] {
                    let uses = line.contains(&format!("crate::{above}::"))
                        || line.contains(&format!("crate::{above};"))
                        || line.contains(&format!("crate::{above}}}"))
                        || line.contains(&format!("crate::{above},"));
                    if uses {
                        let rel = file.strip_prefix(root()).unwrap_or(&file).display().to_string();
                        violations.push(format!("{rel}:{}: `{name}` uses `{above}`: {}", i + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(violations.is_empty(), "imports against the layers:\n{}", violations.join("\n"));
}
