//! Issue 17: `learn` against a fake, as a user runs it: over HTTP, its output read back. Against
//! the fake itself every probed rule is confirmed and the written spec equals the embedded one
//! in rules; against a fake started with another spec it finds every difference, the fake
//! started on what it wrote answers the suite as that target does, and neither run changes the
//! target's state.

use std::path::{Path, PathBuf};

use enswitch_fake::spec::{Function, Spec, SpecText};
use serde_json::Value as Json;

use crate::conformance::{check, copy_dir, fixtures_dir};
use crate::support::{spawn, terminate};

/// `learn` at full speed (`--rate 0`) unless `extra` gives a rate.
fn learn(target: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["learn", "--target", target, "--out", out.to_str().unwrap()];
    if !extra.iter().any(|a| a.starts_with("--rate")) {
        args.extend(["--rate", "0"]);
    }
    args.extend_from_slice(extra);
    std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .args(args)
        .output()
        .unwrap()
}

/// A fake on a free loopback port, on `spec` (a directory) or the embedded spec.
fn serve(spec: Option<&Path>) -> (std::process::Child, std::net::SocketAddr) {
    let mut args = vec!["serve", "--addr", "127.0.0.1:0", "--log-format", "off"];
    if let Some(spec) = spec {
        args.extend(["--spec", spec.to_str().unwrap()]);
    }
    spawn(&args)
}

fn state(addr: std::net::SocketAddr) -> String {
    crate::support::send(
        addr,
        "GET /_fake/state HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .body
}

/// Every line of learned.jsonl but the summary, and the summary.
fn findings(out: &Path) -> (Vec<Json>, Json) {
    let text = std::fs::read_to_string(out.join("learned.jsonl")).unwrap();
    let mut lines: Vec<Json> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = lines.pop().unwrap();
    (lines, summary["summary"].clone())
}

/// The rules of a spec that learn can observe, as comparable text: per function, each
/// parameter's required flag, allowed values, bounds, places and format, in the spec's order.
fn rules(spec: &Spec) -> Vec<String> {
    let mut rules = Vec::new();
    for f in spec.functions() {
        for p in &f.parameters {
            let allowed = p
                .allowed
                .as_ref()
                .map(|a| a.values.iter().map(ToString::to_string).collect::<Vec<_>>());
            let range = p.range.as_ref().map(|r| (r.min.clone(), r.max.clone()));
            rules.push(format!(
                "{} {} required={} allowed={allowed:?} range={range:?} places={} format={:?}",
                f.path,
                p.name,
                p.required,
                p.max_places(),
                p.format.as_ref().map(|x| x.name)
            ));
        }
    }
    rules
}

#[test]
fn against_the_fake_itself_every_rule_is_confirmed_and_the_spec_comes_back_the_same() {
    let (child, addr) = serve(None);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("observed");
    let before = state(addr);
    let run = learn(&format!("http://{addr}/api/json/"), &out, &[]);
    let after = state(addr);
    terminate(&child);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(before, after, "learn changed the target");

    let (findings, summary) = findings(&out);
    let not_confirmed: Vec<&Json> = findings
        .iter()
        .filter(|f| f["verdict"] != "confirmed")
        .collect();
    // Only the two write functions without validation=1 cannot be probed.
    assert_eq!(not_confirmed.len(), 2, "{not_confirmed:#?}");
    for f in not_confirmed {
        assert_eq!(f["verdict"], "unknown");
        assert_eq!(f["reason"], "writes, and takes no validation=1");
    }
    assert!(findings.len() > 200, "{} rules probed", findings.len());
    assert_eq!(summary["contradicted"], 0);
    let requests = summary["requests"].as_u64().unwrap();
    assert!(
        requests <= enswitch_fake::conformance::DEFAULT_MAX_REQUESTS as u64,
        "{requests} requests, over the default budget"
    );

    let observed = Spec::from_dir(&out).expect("the written spec loads");
    assert_eq!(rules(&observed), rules(&Spec::embedded().unwrap()));
    let update = observed.function("cards/groups/update").unwrap();
    let clock = update.param("clock").unwrap();
    assert_eq!(
        clock.range.as_ref().unwrap().provenance.to_string(),
        "observed"
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains(" 0 contradicted, 2 unknown"), "{stdout}");
}

/// The spec a different Enswitch would have: narrower and wider bounds, a third method, cents,
/// and two parameters checked the other way round.
fn other_spec(dir: &Path) -> PathBuf {
    let spec = dir.join("other-spec");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("spec"), &spec);
    let edit = |file: &str, change: &dyn Fn(&mut SpecText)| {
        let path = spec.join(file);
        let mut text = SpecText::parse(file, &std::fs::read_to_string(&path).unwrap()).unwrap();
        change(&mut text);
        std::fs::write(&path, text.text()).unwrap();
    };
    for file in [
        "cards/groups/update.yaml",
        "cards/groups/create.yaml",
        "cards/batches/create.yaml",
    ] {
        edit(file, &|s| {
            let range = Some("{min: \"6\", max: \"16\", provenance: inferred}");
            s.set_rule(file, "card_length", "range", range).unwrap();
        });
    }
    edit("cards/groups/update.yaml", &|s| {
        let file = "cards/groups/update.yaml";
        let rule = |s: &mut SpecText, name: &str, key: &str, line: &str| {
            s.set_rule(file, name, key, Some(line)).unwrap();
        };
        rule(
            s,
            "clock",
            "range",
            "{min: \"1\", max: \"500\", provenance: inferred}",
        );
        // PINs of at most 12 digits: both bounds of their length.
        rule(
            s,
            "pin_maximum",
            "range",
            "{min: \"0\", max: \"12\", provenance: inferred}",
        );
        rule(
            s,
            "pin_minimum",
            "range",
            "{min: \"0\", max: \"12\", provenance: inferred}",
        );
        rule(
            s,
            "method",
            "allowed",
            "{values: [random, sequential, pattern], provenance: documented}",
        );
        for money in ["balance", "charge", "credit"] {
            rule(s, money, "places", "{max: 2, provenance: inferred}");
        }
        // change_pin before card_length.
        let names: Vec<String> = ["change_pin", "card_length"].map(str::to_owned).to_vec();
        s.order(&names);
    });
    spec
}

#[test]
fn against_another_spec_it_finds_every_difference_and_what_it_writes_answers_alike() {
    let dir = tempfile::tempdir().unwrap();
    let other = other_spec(dir.path());
    let (target, addr) = serve(Some(&other));
    let out = dir.path().join("observed");
    let before = state(addr);
    let run = learn(&format!("http://{addr}/api/json/"), &out, &[]);
    assert_eq!(state(addr), before, "learn changed the target");
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let (findings, _) = findings(&out);
    let find = |function: &str, parameter: Option<&str>, rule: &str| -> &Json {
        findings
            .iter()
            .find(|f| {
                f["function"] == function
                    && f["rule"] == rule
                    && parameter.is_none_or(|p| f["parameter"] == p)
            })
            .unwrap_or_else(|| panic!("no finding {function} {parameter:?} {rule}"))
    };
    let contradicted = |function: &str, parameter: Option<&str>, rule: &str, observed: Json| {
        let f = find(function, parameter, rule);
        assert_eq!(f["verdict"], "contradicted", "{f}");
        assert_eq!(f["observed"], observed, "{f}");
    };
    for function in [
        "cards/groups/update",
        "cards/groups/create",
        "cards/batches/create",
    ] {
        contradicted(function, Some("card_length"), "range.min", "6".into());
        contradicted(function, Some("card_length"), "range.max", "16".into());
    }
    let update = "cards/groups/update";
    contradicted(update, Some("clock"), "range.max", "500".into());
    assert_eq!(
        find(update, Some("clock"), "range.min")["verdict"],
        "confirmed"
    );
    contradicted(update, Some("pin_maximum"), "range.max", "12".into());
    contradicted(update, Some("pin_minimum"), "range.max", "12".into());
    contradicted(
        update,
        Some("method"),
        "allowed",
        serde_json::json!(["random", "sequential", "pattern"]),
    );
    for money in ["balance", "charge", "credit"] {
        contradicted(update, Some(money), "places", 2.into());
    }
    let order = find(update, None, "order");
    assert_eq!(order["verdict"], "contradicted");
    let observed: Vec<&str> = order["observed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let at = |name: &str| observed.iter().position(|n| *n == name).unwrap();
    assert!(at("change_pin") < at("card_length"));
    // Nothing else differs.
    let others: Vec<&Json> = findings
        .iter()
        .filter(|f| f["verdict"] == "contradicted")
        .collect();
    assert_eq!(others.len(), 6 + 1 + 2 + 1 + 3 + 1, "{others:#?}");

    // The written spec equals the target's in every rule learn can see.
    let written = Spec::from_dir(&out).unwrap();
    assert_eq!(rules(&written), rules(&Spec::from_dir(&other).unwrap()));
    let function: &Function = written.function(update).unwrap();
    assert_eq!(function.observed.as_ref().unwrap().target, addr.to_string());

    // A fake on what learn wrote answers the suite of that spec as the target does: the
    // target's answers recorded as snapshots, then the fake checked against them.
    let (learned, learned_addr) = serve(Some(&out));
    let fixtures = dir.path().join("fixtures");
    copy_dir(&fixtures_dir(), &fixtures);
    std::fs::remove_dir_all(fixtures.join("snapshots")).unwrap();
    let suite = |addr: std::net::SocketAddr, update: &str| {
        let target = format!("http://{addr}/api/json/");
        check(
            &[
                "--target",
                &target,
                "--spec",
                out.to_str().unwrap(),
                "--fixtures",
                fixtures.to_str().unwrap(),
                "--update",
                update,
                "--strict",
                "--format",
                "json",
            ],
            dir.path(),
        )
    };
    let recorded = suite(addr, "always");
    assert_eq!(
        recorded.status.code(),
        Some(1),
        "every case is new the first time"
    );
    let checked = suite(learned_addr, "no");
    terminate(&target);
    terminate(&learned);
    let failures: Vec<String> = String::from_utf8_lossy(&checked.stdout)
        .lines()
        .filter(|l| !l.contains("\"outcome\":\"passed\"") && l.contains("\"id\""))
        .map(str::to_owned)
        .collect();
    assert_eq!(checked.status.code(), Some(0), "{failures:#?}");
}

#[test]
fn the_budget_stops_it_and_what_was_not_asked_is_unknown() {
    let (child, addr) = serve(None);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("observed");
    let run = learn(
        &format!("http://{addr}/api/json/"),
        &out,
        &["--max-requests", "40"],
    );
    terminate(&child);
    assert_eq!(run.status.code(), Some(0));
    let (findings, summary) = findings(&out);
    assert_eq!(summary["requests"], 40);
    assert!(findings.iter().any(|f| {
        f["verdict"] == "unknown"
            && f["reason"]
                .as_str()
                .unwrap_or_default()
                .contains("budget of 40 requests")
    }));
    assert!(Spec::from_dir(&out).is_ok(), "what it wrote loads");
}

#[test]
fn learn_refuses_a_bad_rate_and_writing_over_its_spec() {
    let out = learn(
        "http://127.0.0.1:9/api/json/",
        Path::new("/tmp/x"),
        &["--rate=-1"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rate -1"));
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec");
    let out = learn(
        "http://127.0.0.1:9/api/json/",
        &spec,
        &["--spec", spec.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the same directory as --spec"));
}
