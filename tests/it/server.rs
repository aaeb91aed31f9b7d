//! The wire, over real loopback HTTP: request forms (D2 to D4), the envelope and its HTTP status
//! (D1), unknown functions, the control plane, determinism, and `serve` as a process.

use enswitch_fake::workbench::Config;
use enswitch_fake::workbench::HttpStatusMode;

use crate::support::{Fake, send};

const UPDATE: &str = "/api/json/cards/groups/update/";
const AUTH: &str = "auth_username=user;auth_password=password";

#[test]
fn the_vendors_example_url_answers_the_vendors_envelope() {
    let fake = Fake::start();
    let reply = fake.get("/api/json/cards/groups/update/?auth_username=user;auth_password=password;id=123;name=example");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/json");
    assert_eq!(
        reply.body,
        r#"{"responses":[{"code":"204","key":"","message":"OK"}]}"#
    );
}

#[test]
fn every_api_outcome_is_http_200_unless_mirror_is_asked_for() {
    let fake = Fake::start();
    let denied = fake.get(&format!(
        "{UPDATE}?auth_username=user;auth_password=nope;id=123"
    ));
    assert_eq!((denied.status, denied.code().as_str()), (200, "401"));

    let mirror = Fake::with(
        Config {
            http_status: HttpStatusMode::Mirror,
            ..Config::default()
        },
        1,
    );
    let denied = mirror.get(&format!(
        "{UPDATE}?auth_username=user;auth_password=nope;id=123"
    ));
    assert_eq!((denied.status, denied.code().as_str()), (401, "401"));
    let missing = mirror.call("cards/groups/update", "user", "id=999");
    assert_eq!((missing.status, missing.code().as_str()), (404, "404"));
    // HTTP forbids a body on 204, so in mirror mode a 204 is the status line alone.
    let ok = mirror.call("cards/groups/update", "user", "id=123;name=x");
    assert_eq!((ok.status, ok.body.as_str()), (204, ""));
    let validated = mirror.call("cards/groups/update", "user", "id=123;name=x;validation=1");
    assert_eq!((validated.status, validated.code().as_str()), (201, "201"));
}

#[test]
fn semicolons_ampersands_and_both_mixed_are_equivalent() {
    for query in [
        "auth_username=user;auth_password=password;id=123;name=A",
        "auth_username=user&auth_password=password&id=123&name=A",
        "auth_username=user;auth_password=password&id=123;name=A",
    ] {
        let fake = Fake::start();
        assert_eq!(
            fake.get(&format!("{UPDATE}?{query}")).code(),
            "204",
            "{query}"
        );
        let group = fake.call("cards/groups/get", "user", "id=123").data();
        assert_eq!(group["name"], "A", "{query}");
    }
}

#[test]
fn the_trailing_slash_is_optional() {
    let fake = Fake::start();
    assert_eq!(
        fake.get(&format!(
            "/api/json/cards/groups/update?{AUTH};id=123;name=x"
        ))
        .code(),
        "204"
    );
    assert_eq!(
        fake.get(&format!(
            "/api/json/cards/groups/update/?{AUTH};id=123;name=x"
        ))
        .code(),
        "204"
    );
}

#[test]
fn post_takes_a_form_body_the_query_string_or_both() {
    let fake = Fake::start();
    let form = Some("application/x-www-form-urlencoded");
    let body = "auth_username=user&auth_password=password&id=123&name=body";
    assert_eq!(fake.post(UPDATE, form, body).code(), "204");
    assert_eq!(
        fake.post(&format!("{UPDATE}?{AUTH};id=123;name=query"), None, "")
            .code(),
        "204"
    );
    let both = fake.post(
        &format!("{UPDATE}?{AUTH}"),
        Some("application/x-www-form-urlencoded; charset=UTF-8"),
        "id=123&name=both",
    );
    assert_eq!(both.code(), "204");
    assert_eq!(
        fake.call("cards/groups/get", "user", "id=123").data()["name"],
        "both"
    );
}

#[test]
fn plus_and_percent_escapes_are_decoded() {
    let fake = Fake::start();
    assert_eq!(
        fake.call(
            "cards/groups/update",
            "user",
            "id=123;name=Summer+cards%3B%202026%20%E2%82%AC"
        )
        .code(),
        "204"
    );
    assert_eq!(
        fake.call("cards/groups/get", "user", "id=123").data()["name"],
        "Summer cards; 2026 €"
    );
}

#[test]
fn the_first_occurrence_of_a_name_wins_and_the_query_comes_before_the_body() {
    let fake = Fake::start();
    assert_eq!(
        fake.call(
            "cards/groups/update",
            "user",
            "id=123;name=first;name=second"
        )
        .code(),
        "204"
    );
    assert_eq!(
        fake.call("cards/groups/get", "user", "id=123").data()["name"],
        "first"
    );
    let reply = fake.post(
        &format!("{UPDATE}?{AUTH};id=123;name=query"),
        Some("application/x-www-form-urlencoded"),
        "name=body",
    );
    assert_eq!(reply.code(), "204");
    assert_eq!(
        fake.call("cards/groups/get", "user", "id=123").data()["name"],
        "query"
    );
}

#[test]
fn unknown_parameters_are_ignored() {
    let fake = Fake::start();
    let reply = fake.call(
        "cards/groups/update",
        "user",
        "id=123;name=x;colour=blue;_=1700000000",
    );
    assert_eq!(reply.code(), "204");
}

#[test]
fn an_unknown_function_gets_an_envelope_not_an_html_404() {
    let fake = Fake::start();
    for path in [
        "/api/json/cards/nope/?auth_username=user",
        "/api/json/",
        "/index.html",
    ] {
        let reply = fake.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.content_type, "application/json");
        assert_eq!(reply.code(), "404", "{path}");
    }
    insta::assert_snapshot!(fake.get("/api/json/cards/nope/").body, @r#"{"responses":[{"code":"404","key":"","message":"There is no function cards/nope."}]}"#);
}

#[test]
fn a_post_body_that_is_not_a_form_is_refused_with_415() {
    let fake = Fake::start();
    let reply = fake.post(
        &format!("{UPDATE}?{AUTH};id=123"),
        Some("application/json"),
        r#"{"name":"x"}"#,
    );
    assert_eq!(reply.status, 415);
    assert_eq!(reply.code(), "400");
}

#[test]
fn other_methods_are_refused_with_405() {
    let fake = Fake::start();
    let reply = send(
        fake.addr(),
        &format!(
            "PUT {UPDATE}?{AUTH};id=123 HTTP/1.1\r\nHost: f\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        ),
    );
    assert_eq!(reply.status, 405);
    assert_eq!(reply.code(), "400");
}

#[test]
fn control_plane_health_state_reset_and_journal() {
    let fake = Fake::start();
    assert_eq!(fake.get("/_fake/health").body, r#"{"status":"ok"}"#);
    let seeded = fake.state();
    assert_eq!(
        fake.call("cards/groups/update", "user", "id=123;name=changed")
            .code(),
        "204"
    );
    assert_ne!(fake.state(), seeded);

    let journal = fake
        .get("/_fake/requests?function=cards/groups/update")
        .json();
    assert_eq!(journal["count"], 1);
    assert_eq!(journal["requests"][0]["code"], "204");
    assert_eq!(
        journal["requests"][0]["params"][1],
        serde_json::json!(["auth_password", "[redacted]"])
    );
    assert_eq!(
        fake.get("/_fake/requests?function=cards/list").json()["count"],
        0
    );

    assert_eq!(fake.post("/_fake/reset", None, "").status, 200);
    assert_eq!(fake.state(), seeded);
    assert_eq!(fake.get("/_fake/requests").json()["count"], 0);
    assert_eq!(fake.get("/_fake/nothing").status, 404);
    assert_eq!(fake.get("/_fake/reset").status, 405);
}

#[test]
fn no_password_reaches_the_state_or_the_journal() {
    let fake = Fake::start();
    fake.call("cards/groups/update", "user", "id=123;name=x");
    let everything = format!("{}{}", fake.state(), fake.get("/_fake/requests").body);
    for user in [
        "user", "reader", "nocards", "noplan", "other", "reseller", "admin",
    ] {
        let secret = crate::support::password(user);
        assert!(
            !everything.contains(&format!("\"{secret}\"")),
            "{user}'s password leaked"
        );
    }
}

/// The same requests in the same order give byte-identical answers and state (D9's generator,
/// the logical clock); another seed gives other card numbers.
#[test]
fn the_same_requests_give_byte_identical_answers() {
    let script = |fake: &Fake| -> Vec<String> {
        vec![
            fake.call(
                "cards/batches/create",
                "user",
                "cardgroup=123;batch_name=a;number=5",
            )
            .body,
            fake.call("cards/groups/update", "user", "id=123;method=sequential")
                .body,
            fake.call(
                "cards/batches/create",
                "user",
                "cardgroup=123;batch_name=b;number=3;batch_number=2",
            )
            .body,
            fake.call("cards/list", "user", "cardgroup=123").body,
            fake.call("cards/batches/list", "user", "").body,
            fake.state(),
        ]
    };
    let first = script(&Fake::start());
    let second = script(&Fake::start());
    assert_eq!(first, second);
    let reseeded = script(&Fake::with(Config::default(), 99));
    assert_ne!(first[3], reseeded[3], "another seed draws other numbers");
}

#[test]
fn serve_prints_its_address_first_and_stops_cleanly_on_sigterm() {
    // `spawn` itself fails unless the first line is `listening on http://ADDR`.
    let (mut child, addr) = crate::support::spawn(&["serve", "--addr", "127.0.0.1:0"]);
    let reply = send(
        addr,
        "GET /_fake/health HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(reply.status, 200);

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn serve_options_come_from_the_environment_too() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .args(["serve"])
        .env("ENSWITCH_FAKE_ADDR", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not-an-address"));
}

#[test]
fn a_seed_file_with_errors_is_refused_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seed.yaml");
    let (right, wrong) = (
        "username: reader, password: reader-password, customer: 10,",
        "username: reader, password: reader-password, customer: 77,",
    );
    let embedded = enswitch_fake::fake::seed::EMBEDDED;
    // Or the seed would be valid and the server would run for ever.
    assert!(embedded.contains(right));
    std::fs::write(&file, embedded.replace(right, wrong)).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--seed-file",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{}:", file.display())), "{stderr}");
    assert!(
        stderr.contains(": users[1].customer: no customer 77"),
        "{stderr}"
    );
}
