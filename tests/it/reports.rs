//! Issue 16: the HTML report and the coverage, as the files a person or a CI job gets from
//! `check --format html` and `check --coverage`.

use std::path::Path;

use crate::conformance::{check, fixtures_dir};

/// Every distinctive password of the embedded seed's principals (the full user's is the word
/// `password` itself, which rules quote; requests never show it, see below).
const PASSWORDS: [&str; 5] = [
    "reader-password",
    "nocards-password",
    "noplan-password",
    "other-password",
    "reseller-password",
];

/// `check --in-process` on the repository's fixtures, writing nothing beside them, with `extra`.
fn in_process(extra: &[&str], dir: &Path) -> std::process::Output {
    let fixtures = fixtures_dir();
    let mut args = vec![
        "--in-process",
        "--fixtures",
        fixtures.to_str().unwrap(),
        "--update",
        "no",
    ];
    args.extend_from_slice(extra);
    check(&args, dir)
}

fn html_report(extra: &[&str], dir: &Path) -> (Option<i32>, String) {
    let report = dir.join("report.html");
    let mut args = vec!["--format", "html", "--output", report.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = in_process(&args, dir);
    (out.status.code(), std::fs::read_to_string(report).unwrap())
}

/// The page parses as XML (the report is written to be), loads nothing from anywhere, and shows
/// no password.
fn assert_self_contained(html: &str) {
    let document = roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("the report is well-formed");
    assert_eq!(document.root_element().tag_name().name(), "html");
    for node in document.descendants().filter(|n| n.is_element()) {
        let tag = node.tag_name().name();
        assert!(
            !["script", "link", "img", "iframe", "object"].contains(&tag),
            "<{tag}>"
        );
        for attribute in ["src", "href", "action"] {
            assert!(node.attribute(attribute).is_none(), "<{tag} {attribute}>");
        }
    }
    // In-process, nothing has an address: no `http` anywhere, not even in text.
    assert!(!html.contains("http"), "an http reference");
    assert!(!html.contains("url("), "a CSS resource");
    assert!(
        !html.contains("auth_password"),
        "a request with its password"
    );
    for password in PASSWORDS {
        assert!(!html.contains(password), "{password}");
    }
}

#[test]
fn the_html_report_of_a_passing_run_says_so_and_shows_the_coverage() {
    let dir = tempfile::tempdir().unwrap();
    let (code, html) = html_report(&[], dir.path());
    assert_eq!(code, Some(0));
    assert_self_contained(&html);
    assert!(html.contains("<span class=\"verdict pass\">PASSED</span>"));
    assert!(html.contains("Cases that did not pass (0)"));
    assert!(html.contains("<h2 id=\"coverage\">Coverage: "));
    // user/login's 402 is the one code no case can draw (see docs/conformance.md).
    let login = html.split("<h3>user/login</h3>").nth(1).unwrap();
    let row_402 = login.split("<td>code 402</td>").nth(1).unwrap();
    assert!(
        row_402
            .trim_start()
            .starts_with("<td class=\"cov\"><span class=\"badge uncovered\">none")
    );
}

#[test]
fn the_html_report_of_a_mutant_shows_each_failure_with_its_request_answers_and_diff() {
    let dir = tempfile::tempdir().unwrap();
    let (code, html) = html_report(&["--mutant", "code-as-number"], dir.path());
    assert_eq!(code, Some(1));
    assert_self_contained(&html);
    assert!(html.contains("<span class=\"verdict fail\">FAILED</span>"));
    assert!(html.contains("target: the fake in this process, with mutant code-as-number"));
    // Every 400 whose code became a number went wrong the same way: one block shows the first
    // such case, and names this one among the rest (issue 28, item 15).
    let case = html
        .split("<div class=\"case\"")
        .find(|block| block.contains("<td>cards/groups/update/missing/id</td>"))
        .expect("the failed case is named");
    assert!(case.contains("<span class=\"badge failed\">failed</span>"));
    assert!(
        case.contains("<td>id is required</td>"),
        "its rule beside it"
    );
    assert!(case.contains("Rule (documented): "));
    assert!(case.contains(" as full: "));
    // Expected: the code as a string; actual: what the mutant sends, a number.
    assert!(case.contains("&quot;code&quot;: &quot;400&quot;"), "{case}");
    assert!(case.contains("400 (not a string)"), "{case}");
    assert!(
        case.contains("<span class=\"del\">"),
        "the diff marks what went"
    );
}

#[test]
fn coverage_json_counts_rules_and_codes_and_min_coverage_fails_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let coverage = dir.path().join("coverage.json");
    let with = |extra: &[&str]| {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        in_process(&args, dir.path())
    };
    let out = with(&["--coverage", coverage.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&coverage).unwrap()).unwrap();
    let (covered, total) = (
        json["covered"].as_u64().unwrap(),
        json["total"].as_u64().unwrap(),
    );
    assert!(
        covered < total && covered * 100 / total >= 99,
        "{covered} of {total}"
    );
    let functions = json["functions"].as_array().unwrap();
    assert_eq!(functions.len(), 11);
    let update = functions
        .iter()
        .find(|f| f["function"] == "cards/groups/update")
        .unwrap();
    let clock_range = update["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["family"] == "range" && r["parameter"] == "clock")
        .unwrap();
    let mut cases: Vec<&str> = clock_range["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    cases.sort_unstable();
    assert_eq!(
        cases,
        [
            "cards/groups/update/range/clock/above-max",
            "cards/groups/update/range/clock/at-max",
            "cards/groups/update/range/clock/at-min",
            "cards/groups/update/range/clock/below-min",
        ]
    );
    assert_eq!(clock_range["outcomes"], serde_json::json!({"passed": 4}));

    let out = with(&["--min-coverage", "100"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "100% is more than the suite covers"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is below --min-coverage 100"), "{stderr}");
    assert!(stderr.contains("  user/login: code 402"), "{stderr}");
    assert_eq!(with(&["--min-coverage", "99"]).status.code(), Some(0));
    let out = with(&["--min-coverage", "101"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--min-coverage"));
}
