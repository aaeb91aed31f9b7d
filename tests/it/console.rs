//! What `serve` prints, read from a real process: `listening on …` first, the banner, then the
//! request log, one line per API call, in `human` or `json`, never with a password or token.

use crate::support::{Stdout, send, spawn_keeping_stdout, terminate};

/// The seed user's password, a wrong one, and the admin token: none may be printed.
const SECRETS: [&str; 3] = ["reseller-password", "hunter2-not-it", "s3cret-admin-token"];

/// The calls every test makes, with the code and key each must be logged with.
fn calls(addr: std::net::SocketAddr, stdout: &Stdout) -> Vec<String> {
    let banner = stdout.wait_for(|lines| lines.iter().any(|l| l.trim_start().starts_with("log")));
    let get = |path: &str| {
        let reply = send(
            addr,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(reply.status, 200, "{path}");
    };
    let auth = "auth_username=reseller;auth_password=reseller-password";
    get(&format!(
        "/api/json/cards/groups/update/?{auth};id=123;name=logged"
    ));
    get(&format!(
        "/api/json/cards/batches/create/?{auth};batch_name=no-group"
    ));
    get("/api/json/cards/list/?auth_username=reseller;auth_password=hunter2-not-it;batch=1");
    get(&format!(
        "/_ns/team-7/api/json/cards/groups/get/?{auth};id=123"
    ));
    // The fault given at start: the first cards/batches/list is answered 500.
    get(&format!("/api/json/cards/batches/list/?{auth}"));
    let health = send(
        addr,
        "GET /_fake/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer s3cret-admin-token\r\n\r\n",
    );
    assert_eq!(health.status, 200);
    let lines = stdout.wait_for(|lines| lines.len() >= banner.len() + 5);
    lines[banner.len()..].to_vec()
}

fn serve(format: &str, level: &str) -> (std::process::Child, std::net::SocketAddr, Stdout) {
    spawn_keeping_stdout(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--log-format",
        format,
        "--log-level",
        level,
        "--admin-token",
        "s3cret-admin-token",
        "--fault",
        r#"{"function":"cards/batches/list","times":1,"action":{"error":{"code":"500","key":"","message":"Switch busy."}}}"#,
    ])
}

fn stop(mut child: std::process::Child, stdout: &Stdout) -> Vec<String> {
    terminate(&child);
    child.wait().unwrap();
    let printed = stdout.lines();
    for line in &printed {
        for secret in SECRETS {
            assert!(!line.contains(secret), "{secret} printed: {line}");
        }
    }
    printed
}

#[test]
fn the_human_log_has_one_line_per_api_call_with_its_code_key_and_fault() {
    let (child, addr, stdout) = serve("human", "info");
    let log = calls(addr, &stdout);
    let printed = stop(child, &stdout);
    assert_eq!(log.len(), 5, "{log:#?}");
    let expected = [
        ("204", "cards/groups/update", ""),
        ("400", "cards/batches/create", "cardgroup"),
        ("401", "cards/list", ""),
        ("200", "cards/groups/get", "[team-7]"),
        ("500", "cards/batches/list", "fault error"),
    ];
    for (line, (code, what, detail)) in log.iter().zip(expected) {
        let columns: Vec<&str> = line.split("  ").collect();
        assert_eq!(columns[1], code, "{line}");
        assert_eq!(columns[2], format!("GET {what}"), "{line}");
        assert!(line.contains(detail), "{line}");
        assert!(line.ends_with("µs") || line.ends_with("ms"), "{line}");
        assert!(!line.contains('\u{1b}'), "no colour when piped: {line}");
    }
    // The control plane is quieter: not at info.
    assert!(!printed.iter().any(|l| l.contains("/_fake/health")));
}

#[test]
fn json_log_lines_parse_and_debug_adds_the_control_plane() {
    let (child, addr, stdout) = serve("json", "debug");
    calls(addr, &stdout);
    let log = stdout.wait_for(|lines| lines.iter().any(|l| l.contains("/_fake/health")));
    stop(child, &stdout);
    let objects: Vec<serde_json::Value> = log
        .iter()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let api: Vec<_> = objects
        .iter()
        .filter(|o| o["target"] == "enswitch_fake::api")
        .collect();
    let outcomes: Vec<(&str, &str)> = api
        .iter()
        .map(|o| (o["code"].as_str().unwrap(), o["key"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("204", ""),
            ("400", "cardgroup"),
            ("401", ""),
            ("200", ""),
            ("500", "")
        ]
    );
    assert_eq!(api[3]["namespace"], "team-7");
    assert_eq!(api[4]["fault"], "error");
    assert_eq!(api[4]["message"], "Switch busy.");
    assert!(
        api.iter()
            .all(|o| o["took_us"].is_u64() && o["level"] == "INFO")
    );
    let timestamp = api[0]["timestamp"].as_str().unwrap();
    assert_eq!(
        timestamp.len(),
        "2026-11-30T05:40:02.001Z".len(),
        "{timestamp}"
    );
    assert!(timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T');
    let control: Vec<_> = objects
        .iter()
        .filter(|o| o["target"] == "enswitch_fake::control")
        .collect();
    assert_eq!(control.len(), 1, "{control:?}");
    assert_eq!(control[0]["status"], 200);
    assert_eq!(control[0]["path"], "/_fake/health");
    assert_eq!(control[0]["level"], "DEBUG");
}

#[test]
fn the_banner_says_what_is_served_and_warns_of_a_mutant() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let state = state.to_str().unwrap();
    let (child, _addr, stdout) = spawn_keeping_stdout(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--state",
        state,
        "--mutant",
        "required-dropped",
        "--admin-token",
        "s3cret-admin-token",
        "--log-format",
        "off",
    ]);
    let banner = stdout.wait_for(|lines| lines.iter().any(|l| l.contains("MUTANT")));
    stop(child, &stdout);
    let text = banner.join("\n");
    assert!(
        text.contains("11 functions: cards/batches/create"),
        "{text}"
    );
    assert!(
        text.contains(
            "tokens     user/login with token=1; they live 3600 s (--token-expiry), signed with \
             a key of this run's"
        ),
        "{text}"
    );
    assert!(
        text.contains("reseller 2 Example Reseller: reseller (cards-full)"),
        "{text}"
    );
    assert!(text.contains("customer 10 Example Customer:"), "{text}");
    assert!(
        text.contains(&format!("{state}: 1 world(s), 4 card group(s)")),
        "{text}"
    );
    assert!(text.contains("needs Authorization: Bearer"), "{text}");
    assert!(text.contains("/_fake/ui/  (asks for the token)"), "{text}");
    assert!(
        text.contains("!!! MUTANT ACTIVE: required-dropped"),
        "{text}"
    );
    assert!(text.contains("log        off"), "{text}");
}

#[test]
fn with_no_admin_the_banner_has_no_dashboard() {
    let (child, _addr, stdout) = spawn_keeping_stdout(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--no-admin",
        "--log-format",
        "off",
    ]);
    let banner = stdout.wait_for(|lines| lines.iter().any(|l| l.trim_start().starts_with("log")));
    stop(child, &stdout);
    let text = banner.join("\n");
    assert!(text.contains("switched off (--no-admin)"), "{text}");
    assert!(!text.contains("dashboard"), "{text}");
    assert!(!text.contains("MUTANT"), "{text}");
}
