//! Issue 12, "no silent failures": every flag does what it says, every secret stays hidden, every
//! bound holds. One test (at least) per item of the issue, named after it; each failed on the
//! main it was filed against.

use crate::support::Fake;

/// Item 1 (and issue 11): `--mutant` with `--in-process` was never read, so a faulty fake
/// passed as a faithful one.
#[test]
fn item_01_check_in_process_runs_against_its_mutant_and_exits_1() {
    let fixtures = crate::conformance::fixtures_dir();
    let dir = tempfile::tempdir().unwrap();
    let args = |mutant: Option<&'static str>| {
        let mut args = vec![
            "--in-process",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--update",
            "no",
            "--filter",
            "cards/groups/update/ok/",
        ];
        args.extend(mutant.map(|m| ["--mutant", m]).into_iter().flatten());
        args
    };
    let faithful = crate::conformance::check(&args(None), dir.path());
    assert_eq!(faithful.status.code(), Some(0), "{faithful:?}");
    let out = crate::conformance::check(&args(Some("code-as-number")), dir.path());
    let diff = "-      \"code\": \"204\",\n+      \"code\": \"204 (not a string)\",";
    crate::conformance::assert_failed_with(&out, "cards/groups/update/ok/required", diff);
}

/// Item 7: a client with a wrong base URL gets the envelope 404 here, as it would in
/// production, instead of an answer as if its URL were right.
#[test]
fn item_07_only_api_json_function_is_the_api() {
    let fake = Fake::start();
    let query = "?auth_username=user;auth_password=password;id=123";
    for path in [
        "/cards/groups/get/",
        "/api/jsoncards/groups/get/",
        "/api/json//cards/groups/get/",
        "/api/json/cards//groups/get/",
    ] {
        let reply = fake.get(&format!("{path}{query}"));
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.outcome(), "404", "{path}: {}", reply.body);
        assert!(reply.json()["data"].is_null(), "{path}");
    }
    for path in ["/api/json/cards/groups/get/", "/api/json/cards/groups/get"] {
        assert_eq!(
            fake.get(&format!("{path}{query}")).outcome(),
            "200",
            "{path}"
        );
    }
}

/// Item 8: a 405 says which methods are allowed (RFC 9110) and a 415 which body is accepted,
/// on the API and on the control plane.
#[test]
fn item_08_refusals_say_what_is_accepted() {
    let fake = Fake::start();
    let api = "/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123";
    let reply = crate::support::send(
        fake.addr(),
        &format!("PUT {api} HTTP/1.1\r\nHost: f\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
    );
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, POST"));
    let reply = fake.post(api, Some("application/json"), "{}");
    assert_eq!(reply.status, 415);
    assert_eq!(
        reply.header("accept-post"),
        Some("application/x-www-form-urlencoded")
    );
    let reply = fake.get("/_fake/reset");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST"));
    let reply = fake.post("/_fake/health", None, "");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET"));
    let reply = fake.get("/_ns/a/_fake/ns");
    assert_eq!(reply.status, 404, "listing namespaces is the root's alone");
}

/// Item 11: a client that sends its whole request and then closes its sending side (as `nc -N`
/// and some health checkers do) still gets its answer, and its write is made.
#[test]
fn item_11_a_half_closed_client_is_answered() {
    use std::io::{Read as _, Write as _};
    let fake = Fake::start();
    let path =
        "/api/json/cards/groups/update/?auth_username=user;auth_password=password;id=123;name=half";
    let mut stream = std::net::TcpStream::connect(fake.addr()).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: f\r\n\r\n").unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert!(answer.ends_with(r#"{"responses":[{"code":"204","key":"","message":"OK"}]}"#));
    let group = fake.call("cards/groups/get", "user", "id=123");
    assert_eq!(group.data()["name"], "half");
}
