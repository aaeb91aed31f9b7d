//! The binary as a user runs it, through `std::process::Command`.

use std::path::{Path, PathBuf};
use std::process::Output;

fn enswitch_fake(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .args(args)
        .env_remove("ENSWITCH_FAKE_SPEC")
        .output()
        .expect("the binary runs")
}

fn bad_spec(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/bad-specs")
        .join(name)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

#[test]
fn the_embedded_spec_lints_clean() {
    let out = enswitch_fake(&["spec", "lint"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "spec ok: 11 functions (cards/batches/create, cards/batches/list, cards/batches/update, \
         cards/files/delete, cards/files/upload, cards/groups/create, cards/groups/get, \
         cards/groups/update, cards/list, cards/update, user/login)\n"
    );
}

#[test]
fn the_spec_directory_of_the_repository_lints_clean_when_given_with_spec() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec");
    let out = enswitch_fake(&["spec", "lint", "--spec", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn the_good_bad_spec_template_lints_clean_so_each_bad_one_fails_for_its_own_reason() {
    let out = enswitch_fake(&["spec", "lint", "--spec", bad_spec("good").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// Each directory under tests/bad-specs/ breaks one rule; lint names the file, line, column and
/// field of exactly that problem and exits 2.
#[test]
fn each_bad_spec_exits_2_naming_file_line_and_field() {
    let cases = [
        (
            "duplicate-key",
            "get.yaml:6:1: summary: duplicate key `summary`",
        ),
        (
            "unknown-field",
            "get.yaml:20:5: parameters[2].bogus: unknown field `bogus`",
        ),
        (
            "default-not-allowed",
            "get.yaml:21:14: parameters[2].default.literal: default \"scattered\" breaks the \
             parameter's own rule: it must be one of \"random\", \"sequential\"",
        ),
        (
            "default-out-of-range",
            "get.yaml:27:14: parameters[3].default.literal: default \"500\" breaks the parameter's \
             own rule: it must be at most 100",
        ),
        (
            "default-wrong-type",
            "get.yaml:27:14: parameters[3].default.literal: \"1.5\" is not a valid Integer",
        ),
        (
            "unknown-code",
            "get.yaml:35:5: responses[0].code: 299 is not a code the API uses",
        ),
        (
            "duplicate-path",
            "b.yaml:2:11: function: path \"cards/groups/get\" is already defined by",
        ),
        (
            "variant-ignores-unknown",
            "get.yaml:49:25: data.variants[0].ignores[1]: \"sort\" is not a parameter of this \
             function other than method",
        ),
        (
            "missing-code-for-reference",
            "get.yaml:33:16: parameters[4].refers_to.missing: code 400 is not in this function's responses",
        ),
    ];
    for (name, expected) in cases {
        let dir = bad_spec(name);
        let out = enswitch_fake(&["spec", "lint", "--spec", dir.to_str().unwrap()]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        let file_and_rest = format!("{}/{expected}", dir.display());
        assert!(
            first.starts_with(&file_and_rest),
            "{name}:\n  got      {first}\n  expected {file_and_rest}"
        );
        assert!(
            stderr.ends_with("spec has 1 error(s)\n"),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn lint_of_a_missing_directory_names_it() {
    let dir = bad_spec("no-such-directory");
    let out = enswitch_fake(&["spec", "lint", "--spec", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with(&format!("{}: cannot read the directory", dir.display()))
    );
}

#[test]
fn the_spec_directory_can_come_from_the_environment() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .args(["spec", "lint"])
        .env("ENSWITCH_FAKE_SPEC", bad_spec("unknown-code"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("299 is not a code the API uses"));
}

#[test]
fn export_writes_the_file_named_by_output() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    let out = enswitch_fake(&[
        "spec",
        "export",
        "--format",
        "openapi",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.starts_with("{\n  \"openapi\": \"3.1.0\""));
}

#[test]
fn export_takes_the_vendors_paths_and_a_card_cap() {
    let out = enswitch_fake(&[
        "spec",
        "export",
        "--format",
        "openapi",
        "--function",
        "cards/batches/create",
        "--trailing-slash",
        "--max-cards",
        "7",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let parameters = document["paths"]["/cards/batches/create/"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let number = parameters
        .iter()
        .find(|p| p["name"] == "batch_number")
        .unwrap();
    assert_eq!(number["schema"]["maximum"], 7);
}

#[test]
fn export_of_an_unknown_function_names_the_flag_and_exits_2() {
    let out = enswitch_fake(&[
        "spec",
        "export",
        "--format",
        "json",
        "--function",
        "cards/nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: --function cards/nope: no such function in the spec\n"
    );
}

#[test]
fn export_to_an_unwritable_path_names_it_and_exits_2() {
    let out = enswitch_fake(&[
        "spec",
        "export",
        "--format",
        "json",
        "--output",
        "/no/such/dir/x.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: --output /no/such/dir/x.json: "));
}

#[test]
fn export_refuses_a_bad_spec_and_shows_where() {
    let dir = bad_spec("duplicate-key");
    let out = enswitch_fake(&[
        "spec",
        "export",
        "--format",
        "markdown",
        "--spec",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("get.yaml:6:1: summary: duplicate key `summary`"));
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let out = enswitch_fake(&["spec", "export", "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("invalid value 'pdf' for '--format <FORMAT>'"));
}

#[test]
fn completions_for_bash_know_the_subcommands() {
    let out = enswitch_fake(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = text(&out.stdout);
    for word in ["enswitch-fake", "lint", "export", "--format", "completions"] {
        assert!(
            script.contains(word),
            "{word} missing from the completion script"
        );
    }
}

/// Issue 16: `health`, the container's health check, exits 0 when the API answers at the URL
/// (with the control plane off, as a locked-down container may run it) and 1 with the reason
/// when nothing does.
#[test]
fn health_exits_0_when_the_api_answers_and_1_when_nothing_does() {
    let (child, addr) = crate::support::spawn(&["serve", "--addr", "127.0.0.1:0", "--no-admin"]);
    let url = format!("http://{addr}/api/json/");
    let out = enswitch_fake(&["health", "--url", &url]);
    crate::support::terminate(&child);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("ok: {url} answers\n"));

    // Nothing listens on the discard port, and no test's port 0 can land below 1024 (the port
    // the fake just left may already be another test's).
    let out = enswitch_fake(&["health", "--url", "http://127.0.0.1:9/api/json/"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("unhealthy: "),
        "{}",
        text(&out.stderr)
    );
}
