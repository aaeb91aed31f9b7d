//! Embeds every YAML file under `spec/`, and every YAML and JSON file under `fixtures/`, into the
//! binary, so the spec, the seed and the conformance suite ship with it and a new function or
//! case needs a new file, never a new line of Rust. Lists are sorted by path so builds are
//! reproducible.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    embed("spec", &["yaml"], "spec_files.rs");
    embed("fixtures", &["yaml", "json"], "fixture_files.rs");
}

/// Writes `$OUT_DIR/<out>`: a slice of (path below `dir`, contents) for files ending in `exts`.
fn embed(dir: &str, exts: &[&str], out_name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    println!("cargo::rerun-if-changed={}", root.display());

    let mut files = Vec::new();
    collect(&root, exts, &mut files);
    files.sort();

    let mut out = String::from("&[\n");
    for file in &files {
        // Directories must be watched too, or a new file in a new folder goes unnoticed.
        if let Some(dir) = file.parent() {
            println!("cargo::rerun-if-changed={}", dir.display());
        }
        println!("cargo::rerun-if-changed={}", file.display());
        let relative = file.strip_prefix(&root).expect("file lies under its root");
        let relative = relative
            .to_str()
            .expect("spec paths are UTF-8")
            .replace('\\', "/");
        writeln!(
            out,
            "    ({relative:?}, include_str!({:?})),",
            file.to_str().expect("spec paths are UTF-8")
        )
        .expect("writing to a String cannot fail");
    }
    out.push_str("]\n");

    let target = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join(out_name);
    fs::write(target, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, exts: &[&str], files: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry is readable").path();
        if path.is_dir() {
            collect(&path, exts, files);
        } else if path
            .extension()
            .is_some_and(|ext| exts.iter().any(|e| ext == *e))
        {
            files.push(path);
        }
    }
}
