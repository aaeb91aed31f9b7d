//! The conformance runner: the whole suite passes against the fake, in-process and over HTTP;
//! reports, filters, read-only runs, skipped cases and snapshot updates behave as documented.

use std::path::{Path, PathBuf};
use std::process::Output;

use enswitch_fake::conformance::Collected;
use enswitch_fake::conformance::Fixtures;
use enswitch_fake::conformance::TargetConfig;
use enswitch_fake::conformance::{AuthMode, CaseResult, Options, Runner, Summary, UpdateMode};
use enswitch_fake::conformance::{Http, InProcess, Target};
use enswitch_fake::conformance::{TargetError, WireAnswer, WireRequest};
use enswitch_fake::server::FakeServer;
use enswitch_fake::spec::Spec;
use enswitch_fake::workbench::Workbench;

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn run(
    target: &dyn Target,
    config: &TargetConfig,
    options: &Options,
) -> (Vec<CaseResult>, Summary) {
    let fixtures = Fixtures::Dir(fixtures_dir());
    let (cases, rules) = fixtures.suite(&Spec::embedded().unwrap()).unwrap();
    let runner = Runner {
        target,
        config,
        rules: &rules,
        fixtures: &fixtures,
        options,
        interrupt: None,
    };
    let mut collect = Collected::default();
    let summary = runner.run(&cases, &mut collect).unwrap();
    (collect.0, summary)
}

fn options() -> Options {
    Options {
        strict: true,
        update: UpdateMode::No,
        filter: None,
        read_only: false,
        auth: AuthMode::Password,
    }
}

fn not_passed(results: &[CaseResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| r.outcome.label() != "passed")
        .map(|r| format!("{} {}: {:?}", r.outcome.label(), r.id, r.outcome))
        .collect()
}

#[test]
fn the_whole_suite_passes_in_process_even_when_strict() {
    let target = InProcess {
        workbench: Workbench::embedded().unwrap(),
    };
    let (results, summary) = run(&target, &TargetConfig::fake_seed(), &options());
    assert_eq!(not_passed(&results), Vec::<String>::new());
    assert!(!summary.failed);
    let core = results
        .iter()
        .filter(|r| r.function == "cards/batches/create" || r.function == "cards/groups/update")
        .count();
    assert!(core >= 150, "{core} cases on the core functions");
    assert!(results.iter().any(|r| r.id.starts_with("scenario/")));
}

/// Issue 32, item 4: the suite's own requests raise no diagnostic. Against a fake in strict
/// client mode any diagnostic would be a 400 that no snapshot holds, so a request of the
/// suite's that goes wrong (a misspelled name, a value read leniently) fails here, by name.
#[test]
fn the_whole_suite_raises_no_diagnostic() {
    let spec = Spec::embedded().unwrap();
    let seed = enswitch_fake::fake::seed::embedded(&spec, 1).unwrap();
    let config = enswitch_fake::workbench::Config {
        client: enswitch_fake::fake::ClientRules::Strict,
        ..Default::default()
    };
    let target = InProcess {
        workbench: Workbench::new(spec, seed, config),
    };
    let (results, _) = run(&target, &TargetConfig::fake_seed(), &options());
    assert_eq!(not_passed(&results), Vec::<String>::new());
    // And the fake was strict: the issue's typo is refused by the same workbench.
    let typo = WireRequest {
        post: false,
        path: "cards/list/".into(),
        query: "auth_username=user;auth_password=password;batch=123;numbr=5".into(),
        body: None,
    };
    let refused = target.send(&typo).unwrap();
    assert!(
        refused.body.contains(r#""key":"numbr""#),
        "{}",
        refused.body
    );
}

#[test]
fn the_whole_suite_passes_over_http() {
    let fake = FakeServer::start().unwrap();
    let target = Http::new(&fake.api_url(), true, None).unwrap();
    let (results, _) = run(&target, &TargetConfig::fake_seed(), &options());
    assert_eq!(not_passed(&results), Vec::<String>::new());
}

/// A target that remembers every request it passes on.
struct Watching<T> {
    inner: T,
    seen: std::sync::Mutex<Vec<WireRequest>>,
}

impl<T: Target> Target for Watching<T> {
    fn send(&self, request: &WireRequest) -> Result<WireAnswer, TargetError> {
        self.seen.lock().unwrap().push(request.clone());
        self.inner.send(request)
    }

    fn reset(&self) -> Result<bool, TargetError> {
        self.inner.reset()
    }

    fn advance_clock(&self, seconds: i64) -> Result<bool, TargetError> {
        self.inner.advance_clock(seconds)
    }
}

/// Issue 15: a client that logs in once with token=1 and then sends only auth_token runs every
/// case and scenario of the suite, against the same snapshots.
#[test]
fn the_whole_suite_passes_over_http_with_only_tokens() {
    let fake = FakeServer::start().unwrap();
    let target = Watching {
        inner: Http::new(&fake.api_url(), true, None).unwrap(),
        seen: Default::default(),
    };
    let options = Options {
        auth: AuthMode::Token,
        ..options()
    };
    let (results, _) = run(&target, &TargetConfig::fake_seed(), &options);
    assert_eq!(not_passed(&results), Vec::<String>::new());
    assert!(
        results
            .iter()
            .filter(|r| r.id.starts_with("scenario/"))
            .count()
            >= 10
    );
    let seen = target.seen.into_inner().unwrap();
    let text = |r: &WireRequest| format!("{}?{} {:?}", r.path, r.query, r.body);
    let (logins, rest): (Vec<&WireRequest>, Vec<&WireRequest>) =
        seen.iter().partition(|r| text(r).contains("auth_password"));
    assert_eq!(
        logins.len(),
        TargetConfig::fake_seed().principals.len(),
        "each principal logs in once, and only then sends a password"
    );
    for login in logins {
        assert_eq!(
            (login.path.as_str(), login.query.ends_with(";token=1")),
            ("user/login/", true)
        );
    }
    assert!(rest.len() > 400);
    for request in rest {
        let text = text(request);
        assert!(text.contains("auth_token="), "{text}");
        assert!(!text.contains("auth_username"), "{text}");
    }
}

#[test]
fn case_ids_are_unique() {
    let (cases, _) = Fixtures::Dir(fixtures_dir())
        .suite(&Spec::embedded().unwrap())
        .unwrap();
    let mut ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before);
}

#[test]
fn every_snapshot_file_belongs_to_a_case() {
    let (cases, _) = Fixtures::Dir(fixtures_dir())
        .suite(&Spec::embedded().unwrap())
        .unwrap();
    let mut stale = Vec::new();
    let mut stack = vec![fixtures_dir().join("snapshots")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(fixtures_dir().join("snapshots"))
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let id = relative.strip_suffix(".json").unwrap_or(&relative);
            if !cases.iter().any(|c| c.id == id) {
                stale.push(relative);
            }
        }
    }
    assert_eq!(stale, Vec::<String>::new(), "snapshots without a case");
}

#[test]
fn read_only_runs_change_nothing_on_a_target_that_is_never_reset() {
    let fake = FakeServer::start().unwrap();
    let before = ureq::get(&format!("{}/_fake/state", fake.url()))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let config = TargetConfig {
        reset: Default::default(),
        ..TargetConfig::fake_seed()
    };
    let target = Http::new(&fake.api_url(), false, None).unwrap();
    let (results, _) = run(
        &target,
        &config,
        &Options {
            read_only: true,
            ..options()
        },
    );
    let after = ureq::get(&format!("{}/_fake/state", fake.url()))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert_eq!(before, after);
    let skipped = results
        .iter()
        .filter(|r| r.outcome.label() == "skipped")
        .count();
    assert!(skipped > 0 && skipped < results.len());
    assert!(
        results
            .iter()
            .filter(|r| r.outcome.label() == "skipped")
            .all(|r| r.outcome
                == enswitch_fake::conformance::Outcome::Skipped {
                    reason: "changes state (--read-only)".into()
                })
    );
}

#[test]
fn cases_needing_what_the_config_lacks_are_skipped_with_the_reason() {
    let mut config = TargetConfig::fake_seed();
    config
        .principals
        .remove(&enswitch_fake::conformance::Principal::NoPlan);
    config.resources.foreign_group = None;
    let target = InProcess {
        workbench: Workbench::embedded().unwrap(),
    };
    let (results, _) = run(
        &target,
        &config,
        &Options {
            filter: Some("cards/groups/update/".into()),
            ..options()
        },
    );
    let reason = |id: &str| match &results.iter().find(|r| r.id == id).unwrap().outcome {
        enswitch_fake::conformance::Outcome::Skipped { reason } => reason.clone(),
        other => panic!("{id}: {other:?}"),
    };
    assert_eq!(
        reason("cards/groups/update/auth/no-rate-plan"),
        "the config names no no_plan principal"
    );
    assert_eq!(
        reason("cards/groups/update/reference/id/foreign"),
        "the config has no resource foreign_group"
    );
}

/// `check` against `target` with `config`, over cards/groups/update's cases, once in each of
/// `formats` (the report written to a file): each run's exit code, and everything it wrote
/// (stdout, stderr and the report), for the tests that look for what must not be there.
pub fn every_report(
    target: &str,
    config: &str,
    dir: &Path,
    formats: &[&str],
) -> Vec<(Option<i32>, String)> {
    let mut runs = Vec::new();
    for format in formats {
        let report = dir.join(format!("report.{format}"));
        let out = check(
            &[
                "--target",
                target,
                "--config",
                config,
                "--filter",
                "cards/groups/update/",
                "--update",
                "new",
                "--format",
                format,
                "--output",
                report.to_str().unwrap(),
            ],
            dir,
        );
        let mut written = String::from_utf8_lossy(&out.stdout).into_owned();
        written += &String::from_utf8_lossy(&out.stderr);
        written += &std::fs::read_to_string(&report).unwrap_or_default();
        runs.push((out.status.code(), written));
    }
    runs
}

pub fn check(args: &[&str], dir: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .output()
        .unwrap()
}

#[test]
fn check_against_a_running_fake_exits_0_and_junit_has_one_testcase_per_case() {
    let fake = FakeServer::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    let fixtures = fixtures_dir();
    let out = check(
        &[
            "--target",
            &fake.api_url(),
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--update",
            "no",
            "--format",
            "junit",
            "--output",
            junit.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    let document = roxmltree::Document::parse(&xml).expect("the JUnit report is XML");
    let testcases = document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    let (cases, _) = Fixtures::Dir(fixtures_dir())
        .suite(&Spec::embedded().unwrap())
        .unwrap();
    assert_eq!(testcases, cases.len());
    assert_eq!(document.root_element().attribute("failures"), Some("0"));
}

#[test]
fn a_changed_answer_fails_with_a_diff_writes_a_new_file_and_accept_promotes_it() {
    // A copy of the fixtures in which one reviewed answer is wrong.
    let (dir, fixtures) = fixtures_copy();
    let snapshot = fixtures.join("snapshots/cards/groups/update/missing/id.json");
    let reviewed = std::fs::read_to_string(&snapshot).unwrap();
    std::fs::write(
        &snapshot,
        reviewed.replace("\"key\": \"id\"", "\"key\": \"identifier\""),
    )
    .unwrap();

    let out = check(
        &[
            "--in-process",
            "--filter",
            "cards/groups/update/missing/",
            "--update",
            "new",
        ],
        dir.path(),
    );
    let diff = "-      \"key\": \"identifier\",\n+      \"key\": \"id\",";
    assert_failed_with(&out, "cards/groups/update/missing/id", diff);
    let pending = fixtures.join("snapshots/cards/groups/update/missing/id.json.new");
    assert!(pending.exists());

    let accept = std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .arg("accept")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(accept.status.code(), Some(0));
    assert!(!pending.exists());
    assert_eq!(std::fs::read_to_string(&snapshot).unwrap(), reviewed);
    let out = check(
        &[
            "--in-process",
            "--filter",
            "cards/groups/update/missing/",
            "--update",
            "no",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
}

/// A `.new` file that cannot be written is said, and fails the run, even for a case that is
/// only unverified (which alone would not fail it).
#[test]
fn a_snapshot_that_cannot_be_written_is_reported_and_fails_the_run() {
    let (dir, fixtures) = fixtures_copy();
    // An inferred rule answered otherwise: unverified, and its .new file is due.
    let snapshot = fixtures.join("snapshots/cards/groups/update/syntax/id.json");
    let reviewed = std::fs::read_to_string(&snapshot).unwrap();
    std::fs::write(
        &snapshot,
        reviewed.replace("\"key\": \"id\"", "\"key\": \"x\""),
    )
    .unwrap();
    // A directory where the .new file must go: no one, not even root, can write it.
    let pending = fixtures.join("snapshots/cards/groups/update/syntax/id.json.new");
    std::fs::create_dir(&pending).unwrap();

    let args = [
        "--in-process",
        "--filter",
        "update/syntax/id",
        "--update",
        "new",
    ];
    let out = check(&args, dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("UNVERIFIED cards/groups/update/syntax/id"),
        "{stdout}"
    );
    let written = "could not write fixtures/snapshots/cards/groups/update/syntax/id.json.new";
    assert!(stdout.contains(written), "{stdout}");
    assert_eq!(out.status.code(), Some(1), "{stdout}");
}

/// A scenario file that cannot be read stops the run (exit 2) naming it; it is not skipped.
#[test]
fn an_unreadable_scenario_is_a_setup_error_naming_the_file() {
    let (dir, fixtures) = fixtures_copy();
    let scenario = fixtures.join("scenarios/unreadable.yaml");
    std::fs::create_dir(&scenario).unwrap();
    let out = check(&["--in-process"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("scenarios/unreadable.yaml:"), "{stderr}");
    assert!(stderr.contains("cannot read: "), "{stderr}");
}

#[test]
fn under_ci_nothing_is_written_and_a_missing_snapshot_fails() {
    let (dir, fixtures) = fixtures_copy();
    let snapshot = fixtures.join("snapshots/cards/list/ok/required.json");
    std::fs::remove_file(&snapshot).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .args(["check", "--in-process", "--filter", "cards/list/ok/"])
        .current_dir(dir.path())
        .env("CI", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("NEW cards/list/ok/required"));
    assert!(
        !snapshot.exists()
            && !fixtures
                .join("snapshots/cards/list/ok/required.json.new")
                .exists()
    );
}

#[test]
fn the_json_report_is_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = fixtures_dir();
    let out = check(
        &[
            "--in-process",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--format",
            "json",
            "--filter",
            "cards/groups/get/",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > 2);
    assert!(
        lines[..lines.len() - 1]
            .iter()
            .all(|l| l["type"] == "case" && l["outcome"] == "passed")
    );
    assert_eq!(lines.last().unwrap()["type"], "summary");
}

#[test]
fn check_without_a_target_is_a_usage_error() {
    let out = check(&[], Path::new(env!("CARGO_MANIFEST_DIR")));
    assert_eq!(out.status.code(), Some(2));
}

/// `check` exited 1 and reported `case` as failed, with `diff` in its diff.
pub fn assert_failed_with(out: &Output, case: &str, diff: &str) {
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("FAILED {case}")), "{stdout}");
    assert!(stdout.contains(diff), "{stdout}");
}

/// A temporary directory holding a copy of the repository's fixtures (as `fixtures/`), for
/// tests that change snapshots.
pub fn fixtures_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = dir.path().join("fixtures");
    copy_dir(&fixtures_dir(), &fixtures);
    (dir, fixtures)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn every_mutant_is_killed_by_the_suite() {
    let spec = Spec::embedded().unwrap();
    let fixtures = Fixtures::Dir(fixtures_dir());
    let (cases, rules) = fixtures.suite(&spec).unwrap();
    let verdicts =
        enswitch_fake::conformance::judge_all(&spec, &cases, &rules, &fixtures, 2).unwrap();
    assert_eq!(verdicts.len(), enswitch_fake::fake::Mutant::ALL.len());
    let survivors: Vec<&str> = verdicts
        .iter()
        .filter(|v| !v.killed())
        .map(|v| v.mutant.name())
        .collect();
    assert_eq!(survivors, Vec::<&str>::new(), "mutants no case caught");
}

#[test]
fn check_against_serve_with_a_mutant_exits_1_with_a_diff_naming_the_case() {
    let serve_args = [
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--mutant",
        "empty-key-on-400",
    ];
    let (mut serve, addr) = crate::support::spawn(&serve_args);
    let base = format!("http://{addr}/api/json/");
    let fixtures = fixtures_dir();
    let dir = tempfile::tempdir().unwrap();
    let out = check(
        &[
            "--target",
            &base,
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--update",
            "no",
            "--filter",
            "cards/groups/update/missing/",
        ],
        dir.path(),
    );
    serve.kill().unwrap();
    serve.wait().unwrap();
    let diff = "-      \"key\": \"id\",\n+      \"key\": \"\",";
    assert_failed_with(&out, "cards/groups/update/missing/id", diff);
}

#[test]
fn mutants_lists_every_mutant_and_an_unknown_name_is_a_usage_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .arg("mutants")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        enswitch_fake::fake::Mutant::ALL.len()
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .args(["serve", "--mutant", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("no mutant \"nope\"; there are: required-dropped")
    );
}

/// Issue 28, item 11: the README's example config names every principal and every resource the
/// suite uses (it lacked nine, so a run from it skipped 93 cases and exited 0 quietly).
#[test]
fn the_example_target_config_parses_and_names_everything_the_suite_uses() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/target.yaml");
    let config = TargetConfig::from_yaml(
        "examples/target.yaml",
        &std::fs::read_to_string(file).unwrap(),
    )
    .unwrap();
    assert_eq!(
        config.principals.len(),
        TargetConfig::fake_seed().principals.len(),
        "the example names every principal the seed has"
    );
    assert_eq!(config.resources.group, Some(4711));
    assert_eq!(config.reset, enswitch_fake::conformance::Reset::None);
    let seed = TargetConfig::fake_seed();
    for name in enswitch_fake::conformance::Resources::NAMES {
        assert!(seed.resources.get(name).is_some(), "the seed lacks {name}");
        assert!(
            config.resources.get(name).is_some(),
            "the example lacks {name}"
        );
    }
    let (cases, _) = Fixtures::Dir(fixtures_dir())
        .suite(&Spec::embedded().unwrap())
        .unwrap();
    let used: std::collections::BTreeSet<String> = cases
        .iter()
        .flat_map(|c| &c.steps)
        .flat_map(|s| &s.params)
        .flat_map(|p| {
            p.split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    // Every placeholder a case uses is a resource the config names, or a value a step captures.
    let named: std::collections::BTreeSet<String> = enswitch_fake::conformance::Resources::NAMES
        .iter()
        .map(|n| n.to_string())
        .chain(
            cases
                .iter()
                .flat_map(|c| &c.steps)
                .flat_map(|s| s.capture.keys().cloned()),
        )
        .collect();
    assert!(used.is_subset(&named), "{used:?} beyond {named:?}");
}

/// A step may capture a value from a row of its answer (`capture: {first_card: 0.card}`), so a
/// scenario can act on a card it only learned by listing a new batch.
#[test]
fn a_step_captures_a_field_of_a_row_by_its_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures_dir().join("normalize.yaml"),
        dir.path().join("normalize.yaml"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    std::fs::write(
        dir.path().join("scenarios/first-card.yaml"),
        r#"id: update-the-first-card-of-a-new-batch
rule: a card learned from a list is updated and read back
provenance: inferred
steps:
  - function: cards/batches/create
    params: ["cardgroup={group}", "batch_name=fresh", "number=2"]
    capture: {new_batch: id}
  - function: cards/list
    params: ["batch={new_batch}"]
    capture: {first_card: 0.card}
  - function: cards/update
    params: ["card={first_card}", "balance=7.50"]
  - function: cards/list
    params: ["batch={new_batch}"]
"#,
    )
    .unwrap();
    let fixtures = Fixtures::Dir(dir.path().to_owned());
    let (cases, rules) = fixtures.suite(&Spec::embedded().unwrap()).unwrap();
    let cases: Vec<_> = cases
        .into_iter()
        .filter(|c| c.id == "scenario/update-the-first-card-of-a-new-batch")
        .collect();
    assert_eq!(cases.len(), 1);
    let target = InProcess {
        workbench: Workbench::embedded().unwrap(),
    };
    let config = TargetConfig::fake_seed();
    let outcome = |update| {
        let options = Options {
            update,
            ..options()
        };
        let runner = Runner {
            target: &target,
            config: &config,
            rules: &rules,
            fixtures: &fixtures,
            options: &options,
            interrupt: None,
        };
        let mut collect = Collected::default();
        runner.run(&cases, &mut collect).unwrap();
        collect.0[0].outcome.label()
    };
    assert_eq!(outcome(UpdateMode::Always), "new");
    assert_eq!(outcome(UpdateMode::No), "passed");
    let snapshot: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            dir.path()
                .join("snapshots/scenario/update-the-first-card-of-a-new-batch.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let steps = snapshot["steps"].as_array().unwrap();
    assert_eq!(
        steps[2]["code"], "204",
        "the captured card was sent: {snapshot}"
    );
    assert_eq!(steps[3]["data"][0]["balance"], "7.50");
    assert_eq!(steps[3]["data"][1]["balance"], "0.00");
}
