//! Issue 29, the first hour: each trip a newcomer met trying the tool, gone. (The trips in the
//! README and the guides are the doc replay's, `docs`.)

use crate::support::{Fake, run};

/// A second `serve` on a port in use says why once, and what to do.
#[test]
fn an_address_in_use_is_said_once_with_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(&["serve", "--addr", &addr]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("(os error 98)").count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: --addr: cannot listen on "),
        "{stderr}"
    );
    assert!(
        stderr.contains("127.0.0.1:0 takes any free one"),
        "{stderr}"
    );
}

/// `--target 127.0.0.1:8080` is refused before anything is sent, with the URL to give.
#[test]
fn a_target_without_a_scheme_is_refused_with_the_url_to_give() {
    for (args, flag) in [
        (vec!["check", "--target", "127.0.0.1:8080"], "--target"),
        (vec!["health", "--url", "127.0.0.1:8080"], "--url"),
        (
            vec!["record", "--upstream", "127.0.0.1:8080", "--out", "x"],
            "--upstream",
        ),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.trim_end(),
            format!(
                "error: {flag} 127.0.0.1:8080: not a URL; give the base URL a client configures, \
                 such as http://127.0.0.1:8080/api/json/"
            )
        );
    }
}

/// A `--fixtures` that does not exist, or lacks its rules, is named plainly (it read
/// `nope/normalize.yaml:0:0: : is missing`).
#[test]
fn a_fixtures_directory_missing_or_incomplete_is_named_plainly() {
    let out = run(&["check", "--in-process", "--fixtures", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: --fixtures nope: no such directory;"),
        "{stderr}"
    );
    let empty = tempfile::tempdir().unwrap();
    let out = run(&[
        "check",
        "--in-process",
        "--fixtures",
        empty.path().to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}/normalize.yaml: not found: a fixtures directory holds normalize.yaml",
            empty.path().display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(":0:0:"), "{stderr}");
}

/// `learn --out observed/` names what it wrote without a doubled slash.
#[test]
fn learn_names_its_findings_without_a_doubled_slash() {
    let fake = Fake::start();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = format!("{}/observed/", dir.path().display());
    let out = run(&[
        "learn",
        "--target",
        &format!("http://{}/api/json/", fake.addr()),
        "--out",
        &out_dir,
        "--rate",
        "0",
        "--max-requests",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("observed/learned.jsonl"), "{stdout}");
    assert!(!stdout.contains("//"), "{stdout}");
}

/// The journal orders every world's calls in one sequence (`id`) and says when each came by
/// the wall clock (`at`, as the request log's times), so the dashboard's rows can be matched
/// with the console; each world's own `seq` and logical `time` stay.
#[test]
fn journal_entries_carry_one_order_for_every_world_and_the_time_they_came() {
    let fake = Fake::start();
    let auth = "auth_username=user;auth_password=password";
    for path in [
        format!("/_ns/a/api/json/cards/groups/get/?{auth};id=123"),
        format!("/api/json/cards/groups/get/?{auth};id=123"),
        format!("/_ns/a/api/json/cards/groups/get/?{auth};id=123"),
    ] {
        fake.get(&path);
    }
    let page = fake.get("/_fake/requests?namespace=*&tail").json();
    let entries = page["requests"].as_array().unwrap();
    let ids: Vec<u64> = entries.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3]);
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [1, 1, 2], "each world counts its own");
    for entry in entries {
        let at = entry["at"].as_str().unwrap();
        assert_eq!(at.len(), "2026-12-05T18:40:01.123Z".len(), "{at}");
        assert!(at.ends_with('Z') && at.as_bytes()[10] == b'T', "{at}");
    }
}

/// The banner says how the seed's users log in, and never a password of a seed file.
#[test]
fn the_banner_says_how_the_seed_logs_in() {
    let (child, _, stdout) =
        crate::support::spawn_keeping_stdout(&["serve", "--addr", "127.0.0.1:0"]);
    let lines = stdout.wait_for(|lines| lines.iter().any(|l| l.contains("logins")));
    crate::support::terminate(&child);
    let logins = lines.iter().find(|l| l.contains("logins")).unwrap();
    assert!(logins.contains("user / password"), "{logins}");
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed.yaml");
    let (child, _, stdout) = crate::support::spawn_keeping_stdout(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--seed-file",
        seed.to_str().unwrap(),
    ]);
    let lines = stdout.wait_for(|lines| lines.iter().any(|l| l.contains("logins")));
    crate::support::terminate(&child);
    let logins = lines.iter().find(|l| l.contains("logins")).unwrap();
    assert!(logins.contains("the passwords in "), "{logins}");
    assert!(!logins.contains("user / password"), "{logins}");
}
