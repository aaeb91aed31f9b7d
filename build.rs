//! Embeds every YAML file under `spec/` into the binary, so the spec ships with it and a new
//! function needs a new file, never a new line of Rust. The generated list is sorted by path so
//! builds are reproducible.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec");
    println!("cargo::rerun-if-changed={}", root.display());

    let mut files = Vec::new();
    collect_yaml(&root, &mut files);
    files.sort();

    let mut out = String::from("&[\n");
    for file in &files {
        // Directories must be watched too, or a new file in a new folder goes unnoticed.
        if let Some(dir) = file.parent() {
            println!("cargo::rerun-if-changed={}", dir.display());
        }
        println!("cargo::rerun-if-changed={}", file.display());
        let relative = file.strip_prefix(&root).expect("file lies under spec/");
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

    let target =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("spec_files.rs");
    fs::write(target, out).expect("OUT_DIR is writable");
}

fn collect_yaml(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry is readable").path();
        if path.is_dir() {
            collect_yaml(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "yaml") {
            files.push(path);
        }
    }
}
