//! Authentication tokens over real HTTP (issue 15): user/login with token=1, auth_token in place
//! of the password on every function, expiry by the world's clock (moved with POST /_fake/clock),
//! --token-expiry and --token-key, and no token in the journal or the log.

use std::net::SocketAddr;

use crate::support::{Reply, get, send, spawn, spawn_keeping_stdout, terminate};

fn post(addr: SocketAddr, path: &str, body: &str) -> Reply {
    send(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: f\r\nConnection: close\r\nContent-Type: \
             application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

fn login(addr: SocketAddr) -> serde_json::Value {
    get(
        addr,
        "/api/json/user/login/?auth_username=user;auth_password=password;token=1",
    )
    .data()
}

fn with_token(addr: SocketAddr, token: &str) -> String {
    get(
        addr,
        &format!("/api/json/cards/groups/get/?auth_token={token};id=123"),
    )
    .code()
}

#[test]
fn a_token_stands_in_for_the_password_until_the_clock_passes_its_expiry() {
    let (child, addr, stdout) = spawn_keeping_stdout(&["serve", "--addr", "127.0.0.1:0"]);
    let plain = get(
        addr,
        "/api/json/user/login/?auth_username=user;auth_password=password",
    )
    .data();
    assert_eq!(
        plain,
        serde_json::json!({"id": 123, "username": "user", "customer": 10, "role": "cards-full"}),
        "the user's fields, no password"
    );
    // The logical clock starts at 2026-01-01 00:00:00 UTC, 1767225600, and moves a second
    // with each call (the journal reads it); a token is issued at the time the call finds.
    let issued = get(addr, "/_fake/clock").json()["unix"].as_i64().unwrap();
    assert_eq!(issued, 1_767_225_600 + 1, "one call so far");
    let data = login(addr);
    let token = data["auth_token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("eyJ"), "{token}");
    assert_eq!(data["auth_token_expiry"], 3600);
    assert_eq!(data["auth_token_expires"], issued + 3600);
    let expires = issued + 3600;

    assert_eq!(with_token(addr, &token), "200");
    let altered = format!("{}A", &token[..token.len() - 1]);
    let altered = if altered == token {
        format!("{}B", &token[..token.len() - 1])
    } else {
        altered
    };
    assert_eq!(with_token(addr, &altered), "401");
    assert_eq!(with_token(addr, "not-a-token"), "401");

    let clock = get(addr, "/_fake/clock").json();
    assert_eq!(clock["kind"], "logical");
    let now = clock["unix"].as_i64().unwrap();
    let moved = post(
        addr,
        "/_fake/clock",
        &format!(r#"{{"advance": {}}}"#, expires - 1 - now),
    );
    assert_eq!(
        moved.json()["now"],
        "2026-01-01 01:00:00",
        "a second before expiry"
    );
    assert_eq!(with_token(addr, &token), "200", "one second left");
    assert_eq!(
        with_token(addr, &token),
        "401",
        "expired: that call took the last second"
    );
    assert_eq!(post(addr, "/_fake/clock", r#"{"advance": -5}"#).status, 400);

    // Neither the journal nor the log holds a token, sent or issued.
    let journal = get(addr, "/_fake/requests").body;
    assert!(journal.contains("user/login"), "{journal}");
    assert!(!journal.contains("eyJ"), "{journal}");
    let lines =
        stdout.wait_for(|lines| lines.iter().filter(|l| l.contains("user/login")).count() >= 2);
    terminate(&child);
    let mut child = child;
    child.wait().unwrap();
    assert!(lines.iter().any(|l| l.contains("user/login")), "{lines:?}");
    assert!(
        stdout.lines().iter().all(|l| !l.contains("eyJ")),
        "{lines:?}"
    );
}

#[test]
fn token_expiry_0_never_expires_and_token_key_carries_tokens_across_servers() {
    let (never, never_addr) = spawn(&["serve", "--addr", "127.0.0.1:0", "--token-expiry", "0"]);
    let data = login(never_addr);
    assert!(
        data.get("auth_token_expiry").is_none() && data.get("auth_token_expires").is_none(),
        "{data}"
    );
    let token = data["auth_token"].as_str().unwrap().to_owned();
    post(never_addr, "/_fake/clock", r#"{"advance": 300000000}"#);
    assert_eq!(with_token(never_addr, &token), "200");
    terminate(&never);

    let key = ["--token-key", "shared-secret-key"];
    let (first, first_addr) = spawn(&["serve", "--addr", "127.0.0.1:0", key[0], key[1]]);
    let token = login(first_addr)["auth_token"].as_str().unwrap().to_owned();
    terminate(&first);
    let (second, second_addr) = spawn(&["serve", "--addr", "127.0.0.1:0", key[0], key[1]]);
    assert_eq!(
        with_token(second_addr, &token),
        "200",
        "same key, another server"
    );
    let (other, other_addr) = spawn(&["serve", "--addr", "127.0.0.1:0"]);
    assert_eq!(with_token(other_addr, &token), "401", "a key of its own");
    let (wall, wall_addr) = spawn(&["serve", "--addr", "127.0.0.1:0", "--clock", "system"]);
    assert_eq!(
        post(wall_addr, "/_fake/clock", r#"{"advance": 5}"#).status,
        409
    );
    for child in [&second, &other, &wall] {
        terminate(child);
    }
}

#[test]
fn an_empty_token_key_is_refused_without_echo() {
    let out = crate::support::run(&["serve", "--token-key", ""]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--token-key") && stderr.contains("may not be empty"),
        "{stderr}"
    );
}
