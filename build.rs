//! Embeds every YAML file under `spec/`, and every YAML and JSON file under `fixtures/`, into the
//! binary, so the spec, the seed and the conformance suite ship with it and a new function or
//! case needs a new file, never a new line of Rust. Lists are sorted by path so builds are
//! reproducible.
//!
//! In release builds on x86_64 Linux it also hands the linker `link/order.txt`, the functions the
//! fake runs at start and on each request, to be placed side by side (see `link/order.py`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    embed("spec", &["yaml"], "spec_files.rs");
    embed("fixtures", &["yaml", "json"], "fixture_files.rs");
    order_functions();
}

/// Asks the linker to lay out the binary's code in `link/order.txt`'s order: code touched at
/// start and on every request then fills about a third as many pages (idle memory 9.7 → 6.8 MB).
/// Only where the linker is the toolchain's default LLD (x86_64 Linux, since Rust 1.90): an older
/// compiler, or a build that picks its own linker, is left alone, since GNU ld does not know the
/// flag.
fn order_functions() {
    let order = Path::new(env!("CARGO_MANIFEST_DIR")).join("link/order.txt");
    println!("cargo::rerun-if-changed={}", order.display());
    println!("cargo::rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER");
    let var = |name: &str| env::var(name).unwrap_or_default();
    let default_linker = var("TARGET") == "x86_64-unknown-linux-gnu"
        && rustc_minor().is_some_and(|minor| minor >= 90)
        && !var("CARGO_ENCODED_RUSTFLAGS").contains("link")
        && env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_none();
    if var("PROFILE") == "release" && default_linker && order.is_file() {
        println!(
            "cargo::rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        // A name the code no longer has is skipped; the file is regenerated now and then.
        println!("cargo::rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// The compiler's minor version (`rustc 1.95.0 (…)` → 95), or `None` if it cannot be told.
fn rustc_minor() -> Option<u32> {
    let rustc = env::var_os("RUSTC")?;
    let output = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let version = text.strip_prefix("rustc 1.")?;
    version.split(['.', '-', ' ']).next()?.parse().ok()
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
