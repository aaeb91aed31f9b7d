//! The fake as a test workbench: namespaces, faults, the journal, persistence, recording.

use std::thread;

use crate::support::{Fake, get, password};

/// `function` called by `user` in namespace `ns`.
fn call_in(fake: &Fake, ns: &str, function: &str, user: &str, rest: &str) -> crate::support::Reply {
    fake.get(&format!(
        "/_ns/{ns}/api/json/{function}/?auth_username={user};auth_password={};{rest}",
        password(user)
    ))
}

#[test]
fn sixteen_clients_in_sixteen_namespaces_see_only_their_own_state() {
    let fake = Fake::start();
    let seeded = fake.state();
    thread::scope(|scope| {
        for i in 0..16 {
            let fake = &fake;
            scope.spawn(move || {
                let ns = format!("client-{i}");
                let name = format!("group+of+client+{i}");
                let length = 8 + i % 4;
                let update = call_in(
                    fake,
                    &ns,
                    "cards/groups/update",
                    "user",
                    &format!("id=123;name={name};card_length={length}"),
                );
                assert_eq!(update.code(), "204");
                let created = call_in(
                    fake,
                    &ns,
                    "cards/batches/create",
                    "user",
                    &format!("cardgroup=123;batch_name=b{i};number={}", i + 1),
                );
                assert_eq!(
                    created.data(),
                    serde_json::json!({"id": 125}),
                    "ids continue after the seed's (123, 124) in every namespace"
                );

                let group = call_in(fake, &ns, "cards/groups/get", "user", "id=123").data();
                assert_eq!(group["name"], format!("group of client {i}"));
                let cards = call_in(fake, &ns, "cards/list", "user", "batch=125").data();
                let cards = cards.as_array().unwrap();
                assert_eq!(cards.len(), i + 1);
                assert!(
                    cards
                        .iter()
                        .all(|c| c["card"].as_str().unwrap().len() == length)
                );
                let batches = call_in(fake, &ns, "cards/batches/list", "user", "").data();
                assert_eq!(
                    batches.as_array().unwrap().len(),
                    2,
                    "the seed's and the new"
                );
                assert_eq!(batches[1]["name"], format!("b{i}"));
                let journal = fake.get(&format!("/_ns/{ns}/_fake/requests")).json();
                assert_eq!(
                    journal["count"], 5,
                    "each namespace journals only its own requests"
                );
            });
        }
    });
    assert_eq!(fake.state(), seeded, "the default world saw none of it");
    let names = fake.get("/_fake/ns").json();
    assert_eq!(names["namespaces"].as_array().unwrap().len(), 16);
}

#[test]
fn a_bad_namespace_name_gets_a_clear_error() {
    let fake = Fake::start();
    let long = "x".repeat(65);
    for bad in ["a.b", "sp%20ace", long.as_str()] {
        let reply = fake.get(&format!(
            "/_ns/{bad}/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123"
        ));
        assert_eq!(reply.status, 400, "{bad}");
        assert_eq!(reply.code(), "400");
        assert!(
            reply.json()["responses"][0]["message"]
                .as_str()
                .unwrap()
                .contains("1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'")
        );
    }
    assert_eq!(fake.get("/_ns/a.b/_fake/state").status, 400);
}

#[test]
fn a_dropped_namespace_starts_again_from_the_seed_and_reset_is_per_namespace() {
    let fake = Fake::start();
    let seeded = fake.state();
    assert_eq!(
        call_in(
            &fake,
            "a",
            "cards/groups/update",
            "user",
            "id=123;name=changed"
        )
        .code(),
        "204"
    );
    assert_eq!(
        call_in(
            &fake,
            "b",
            "cards/groups/update",
            "user",
            "id=123;name=changed"
        )
        .code(),
        "204"
    );
    assert_ne!(fake.get("/_ns/a/_fake/state").body, seeded);

    let dropped = crate::support::send(
        fake.addr(),
        "DELETE /_fake/ns/a HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(dropped.status, 200);
    assert_eq!(
        fake.get("/_ns/a/_fake/state").body,
        seeded,
        "made anew from the seed"
    );
    let missing = crate::support::send(
        fake.addr(),
        "DELETE /_fake/ns/nope HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(missing.status, 404);

    assert_eq!(fake.post("/_ns/b/_fake/reset", None, "").status, 200);
    assert_eq!(fake.get("/_ns/b/_fake/state").body, seeded);
}

/// Sends `request` and returns every byte the server wrote before closing.
fn raw(addr: std::net::SocketAddr, request: &str) -> Vec<u8> {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    bytes
}

fn add_fault(fake: &Fake, path: &str, rule: &str) -> crate::support::Reply {
    let reply = fake.post(path, Some("application/json"), rule);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
}

const CREATE: &str = "/api/json/cards/batches/create/?auth_username=user;auth_password=password;cardgroup=123;batch_name=f";

/// The batches made since the seed (which has two).
fn batches(fake: &Fake) -> usize {
    let state = fake.get("/_fake/state").json();
    state["batches"].as_object().unwrap().len() - 2
}

#[test]
fn an_error_fault_answers_its_envelope_without_acting_for_the_first_n_calls() {
    let fake = Fake::start();
    let rule = r#"{"function":"cards/batches/create","times":1,"action":{"error":{"code":"500","key":"number","message":"Injected."}}}"#;
    let added = add_fault(&fake, "/_fake/faults", rule);
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.json()["id"], 1);

    let failed = fake.get(CREATE);
    assert_eq!(
        failed.body,
        r#"{"responses":[{"code":"500","key":"number","message":"Injected."}]}"#
    );
    assert_eq!(batches(&fake), 0);
    assert_eq!(fake.get(CREATE).code(), "200", "only the first call");
    assert_eq!(batches(&fake), 1);

    let journal = fake
        .get("/_fake/requests?function=cards/batches/create")
        .json();
    assert_eq!(journal["count"], 2);
    assert_eq!(journal["requests"][0]["fault"], "error");
    assert_eq!(journal["requests"][0]["code"], "500");
    assert!(journal["requests"][1].get("fault").is_none());
    assert_eq!(fake.get("/_fake/faults").json()["faults"][0]["fired"], 1);
}

#[test]
fn http_503_and_close_answer_without_acting() {
    let fake = Fake::start();
    add_fault(
        &fake,
        "/_fake/faults",
        r#"{"function":"cards/batches/create","times":1,"action":"http_503"}"#,
    );
    let unavailable = fake.get(CREATE);
    assert_eq!(
        (unavailable.status, unavailable.body.as_str()),
        (503, "Service Unavailable\n")
    );

    add_fault(
        &fake,
        "/_fake/faults",
        r#"{"function":"cards/batches/create","times":1,"action":"close"}"#,
    );
    let bytes = raw(
        fake.addr(),
        &format!("GET {CREATE} HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"),
    );
    assert!(
        bytes.is_empty(),
        "no answer at all: {}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(batches(&fake), 0);
    let codes: Vec<String> = fake.get("/_fake/requests").json()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes, ["HTTP 503", "closed"]);
}

#[test]
fn act_then_drop_makes_the_batch_and_leaves_the_client_without_an_answer() {
    let fake = Fake::start();
    add_fault(
        &fake,
        "/_fake/faults",
        r#"{"function":"cards/batches/create","action":"act_then_drop"}"#,
    );
    let bytes = raw(
        fake.addr(),
        &format!("GET {CREATE} HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"),
    );
    assert!(
        bytes.is_empty(),
        "the client gets a connection error, not an answer"
    );
    assert_eq!(batches(&fake), 1, "yet the batch was created");
    // ureq, as a real client, sees an error.
    let url = format!("http://{}{CREATE}", fake.addr());
    assert!(ureq::get(&url).call().is_err());
    assert_eq!(batches(&fake), 2);
}

#[test]
fn a_delay_fault_answers_normally_after_waiting() {
    let fake = Fake::start();
    add_fault(
        &fake,
        "/_fake/faults",
        r#"{"function":"cards/groups/get","action":{"delay":{"ms":300}}}"#,
    );
    let started = std::time::Instant::now();
    let reply =
        fake.get("/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123");
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    assert_eq!(reply.code(), "200");
}

#[test]
fn faults_posted_in_a_namespace_fire_only_there_and_can_be_cleared() {
    let fake = Fake::start();
    let added = add_fault(
        &fake,
        "/_ns/a/_fake/faults",
        r#"{"function":"*","action":"http_503"}"#,
    );
    assert_eq!(added.json()["namespace"], "a");
    assert_eq!(
        fake.get(&CREATE.replacen("/api", "/_ns/a/api", 1)).status,
        503
    );
    assert_eq!(
        fake.get(&CREATE.replacen("/api", "/_ns/b/api", 1)).status,
        200
    );
    assert_eq!(fake.get(CREATE).status, 200);

    let cleared = crate::support::send(
        fake.addr(),
        "DELETE /_fake/faults HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(cleared.json()["cleared"], 1);
    assert_eq!(
        fake.get(&CREATE.replacen("/api", "/_ns/a/api", 1)).status,
        200
    );
}

#[test]
fn a_bad_fault_rule_is_refused_with_the_reason() {
    let fake = Fake::start();
    let reply = fake.post(
        "/_fake/faults",
        None,
        r#"{"function":"*","action":{"error":{"code":"418","message":"x"}}}"#,
    );
    assert_eq!(reply.status, 400);
    assert!(
        reply.json()["error"]
            .as_str()
            .unwrap()
            .starts_with("fault rule: code \"418\" is not one the API uses")
    );
    let reply = fake.post("/_fake/faults", None, "{not json");
    assert_eq!(reply.status, 400);
    assert!(
        reply.json()["error"]
            .as_str()
            .unwrap()
            .contains("line 1 column 2")
    );
    assert_eq!(
        fake.get("/_fake/faults").json()["faults"],
        serde_json::json!([])
    );
}

#[test]
fn serve_takes_fault_rules_at_start_and_refuses_a_bad_one() {
    let rule =
        r#"{"function":"cards/groups/get","action":{"error":{"code":"500","message":"down"}}}"#;
    let (mut child, addr) = spawn_serve(&["--fault", rule]);
    let reply = crate::support::send(
        addr,
        "GET /api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123 HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n",
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        reply.body,
        r#"{"responses":[{"code":"500","key":"","message":"down"}]}"#
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .args(["serve", "--fault", r#"{"function":"*"}"#])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--fault {\"function\":\"*\"}: missing field `action`")
    );
}

/// The library use the issue describes: start, inject a 500 on the next batch creation, run a
/// client, assert one request was sent.
#[test]
fn a_rust_test_can_inject_a_fault_and_read_the_journal() {
    use enswitch_fake::server::FakeServer;
    use enswitch_fake::workbench::{Action, FaultSpec};

    let fake = FakeServer::start().unwrap();
    let error = Action::Error {
        code: "500".into(),
        key: String::new(),
        message: "boom".into(),
    };
    let spec = FaultSpec {
        function: "cards/batches/create".into(),
        namespace: Some("mine".into()),
        times: Some(1),
        probability: None,
        action: error,
    };
    fake.workbench().add_fault(spec).unwrap();

    // "The client": anything that takes a base URL.
    let url = format!(
        "{}cards/batches/create/?auth_username=user;auth_password=password;cardgroup=123;batch_name=x",
        fake.namespace_url("mine")
    );
    let body = ureq::get(&url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(body.contains(r#""code":"500""#));

    let sent = fake
        .workbench()
        .requests(Some("mine"), Some("cards/batches/create"));
    assert_eq!(sent.len(), 1, "exactly one batch creation was sent");
    assert_eq!(
        sent[0].params.pairs().nth(1),
        Some(("auth_password", "[redacted]"))
    );
    assert!(
        fake.workbench().requests(None, None).is_empty(),
        "the default world saw nothing"
    );
}

/// `serve` as a process, on a random port, with `args`; its address.
fn spawn_serve(args: &[&str]) -> (std::process::Child, std::net::SocketAddr) {
    crate::support::spawn(&[&["serve", "--addr", "127.0.0.1:0"], args].concat())
}

fn terminate(mut child: std::process::Child) -> Option<i32> {
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    child.wait().unwrap().code()
}

#[test]
fn sigterm_then_restart_with_state_gives_byte_identical_state() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let state_arg = ["--state", file.to_str().unwrap()];
    let (child, addr) = spawn_serve(&state_arg);
    let auth = "auth_username=user;auth_password=password";
    assert_eq!(
        get(
            addr,
            &format!("/api/json/cards/groups/update/?{auth};id=123;name=kept;balance=2.50")
        )
        .code(),
        "204"
    );
    assert_eq!(
        get(
            addr,
            &format!(
                "/api/json/cards/batches/create/?{auth};cardgroup=123;batch_name=kept;number=3"
            )
        )
        .code(),
        "200"
    );
    assert_eq!(
        get(
            addr,
            &format!(
                "/_ns/other/api/json/cards/batches/create/?{auth};cardgroup=125;batch_name=ns"
            )
        )
        .code(),
        "200"
    );
    // Changes in place are kept too: a batch renamed and locked, a card moved and changed, a
    // prompt uploaded and one deleted.
    for call in [
        "cards/batches/update/?{auth};id=123;name=renamed;locked=1",
        "cards/update/?{auth};card=1234567890;cardgroup=125;pin=654321;serial=S1;caller=555",
        "cards/files/upload/?{auth};cardgroup=123;file=expired;data=UklGRgAAAABXQVZF",
        "cards/files/delete/?{auth};cardgroup=123;file=balance",
    ] {
        let call = call.replace("{auth}", auth);
        assert_eq!(
            get(addr, &format!("/api/json/{call}")).code(),
            "204",
            "{call}"
        );
    }
    let before = get(addr, "/_fake/state").body;
    assert!(
        before.contains("renamed") && before.contains("654321"),
        "{before}"
    );
    assert!(before.contains(r#""expired":{"wav_bytes":12}"#), "{before}");
    assert!(!before.contains(r#""balance":{"sound""#), "{before}");
    let before_ns = get(addr, "/_ns/other/_fake/state").body;
    assert_eq!(terminate(child), Some(0));

    let (child, addr) = spawn_serve(&state_arg);
    assert_eq!(get(addr, "/_fake/state").body, before);
    assert_eq!(get(addr, "/_ns/other/_fake/state").body, before_ns);
    // The generator and the clock continue where they were: the next batch is as it would have been.
    let next = get(
        addr,
        &format!("/api/json/cards/batches/create/?{auth};cardgroup=123;batch_name=next"),
    )
    .data();
    assert_eq!(next, serde_json::json!({"id": 126}));
    assert_eq!(terminate(child), Some(0));
}

#[test]
fn an_ok_survives_a_sigkill_right_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.db");
    let (mut child, addr) = spawn_serve(&["--state", file.to_str().unwrap()]);
    let update = "/api/json/cards/groups/update/?auth_username=user;auth_password=password;id=123;name=durable";
    assert_eq!(get(addr, update).code(), "204");
    // No chance to say goodbye: the OK meant the change was committed.
    child.kill().unwrap();
    child.wait().unwrap();

    let (child, addr) = spawn_serve(&["--state", file.to_str().unwrap()]);
    let group = get(
        addr,
        "/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123",
    )
    .data();
    assert_eq!(group["name"], "durable");
    terminate(child);
}

#[test]
fn a_corrupt_or_foreign_state_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let foreign_db = dir.path().join("foreign-db.sqlite");
    let other = rusqlite::Connection::open(&foreign_db).unwrap();
    other
        .execute_batch("CREATE TABLE notes (text TEXT);")
        .unwrap();
    drop(other);
    let foreign_bytes = std::fs::read(&foreign_db).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "corrupt",
            b"{\"format\": \"enswitch-fake-sta".to_vec(),
            "not a state file: neither a state database nor JSON",
        ),
        (
            "foreign",
            b"{\"name\": \"something else\"}".to_vec(),
            "not an enswitch-fake state file",
        ),
        (
            "wrong-version",
            b"{\"format\": \"enswitch-fake-state\", \"version\": 9, \"worlds\": {}}".to_vec(),
            "a JSON state file of version 9, which this version cannot read",
        ),
        (
            "unknown-customer",
            br#"{"format":"enswitch-fake-state","version":1,"worlds":{"":{"card_groups":[{"id":5,"customer":77,"fields":{}}],"batches":[],"cards":[],"rng":1,"clock":null}}}"#.to_vec(),
            "card group 5 belongs to customer 77, whom the seed lacks",
        ),
        (
            "foreign-db",
            foreign_bytes,
            "a SQLite database, but not enswitch-fake's state",
        ),
    ];
    for (name, bytes, message) in cases {
        let file = dir.path().join(format!("{name}.state"));
        std::fs::write(&file, &bytes).unwrap();
        let out = crate::support::run(&[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--state",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("{}: ", file.display())) && stderr.contains(message),
            "{name}: {stderr}"
        );
        assert_eq!(
            std::fs::read(&file).unwrap(),
            bytes,
            "{name} was not touched"
        );
    }
}

/// Issue 13, item 7: a JSON state file of the previous format is converted once, its original
/// kept beside it, and what it held is served.
#[test]
fn a_json_state_file_of_the_last_version_is_converted_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    // The seed's group 123, renamed, as the last version saved groups: every field.
    let fresh = crate::support::Fake::start();
    let mut fields = serde_json::from_str::<serde_json::Value>(&fresh.state()).unwrap()
        ["card_groups"]["123"]["fields"]
        .clone();
    fields["name"] = "Converted".into();
    let v1 = serde_json::json!({"format": "enswitch-fake-state", "version": 1, "worlds": {"": {
        "card_groups": [{"id": 123, "customer": 10, "fields": fields}],
        "batches": [{"id": 7, "name": "old", "cardgroup": 123, "customer": 10, "locked": 0,
            "cards": 1, "created": "2026-01-01 00:00:05"}],
        "cards": [{"card": "123456789012", "pin": "1234", "batch": 7, "cardgroup": 123,
            "balance": "0.00", "currency": "USD", "locked": 0, "created": "2026-01-01 00:00:05"}],
        "rng": 42, "clock": 1_767_225_610_i64}}})
    .to_string();
    std::fs::write(&file, &v1).unwrap();
    let (child, addr) = spawn_serve(&["--state", file.to_str().unwrap()]);
    let auth = "auth_username=user;auth_password=password";
    let group = get(addr, &format!("/api/json/cards/groups/get/?{auth};id=123")).data();
    assert_eq!(group["name"], "Converted");
    let cards = get(addr, &format!("/api/json/cards/list/?{auth};batch=7")).data();
    assert_eq!(cards[0]["card"], "123456789012");
    let next = get(
        addr,
        &format!("/api/json/cards/batches/create/?{auth};cardgroup=123;batch_name=new"),
    )
    .data();
    assert_eq!(next, serde_json::json!({"id": 8}));
    assert_eq!(terminate(child), Some(0));
    let backup = dir.path().join("state.json.v1.json");
    assert_eq!(
        std::fs::read_to_string(&backup).unwrap(),
        v1,
        "the original is kept"
    );
    assert!(
        std::fs::read(&file)
            .unwrap()
            .starts_with(b"SQLite format 3\0")
    );
    // A second start reads the database; there is nothing left to convert.
    let (child, addr) = spawn_serve(&["--state", file.to_str().unwrap()]);
    let batches = get(addr, &format!("/api/json/cards/batches/list/?{auth}")).data();
    assert_eq!(batches.as_array().unwrap().len(), 2);
    assert_eq!(terminate(child), Some(0));
}

/// Issue 13, item 6: one owner. A second server given the same file refuses to start, naming
/// it; once the first is gone (however it went), the file is served again.
#[test]
fn a_second_server_on_the_same_state_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.db");
    let (mut first, _) = spawn_serve(&["--state", file.to_str().unwrap()]);
    let out = crate::support::run(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--state",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(
        stderr.contains("another enswitch-fake serves it"),
        "{stderr}"
    );
    first.kill().unwrap();
    first.wait().unwrap();
    let (second, _) = spawn_serve(&["--state", file.to_str().unwrap()]);
    assert_eq!(terminate(second), Some(0));
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["state.db", "state.db.lock"],
        "no stray files accumulate"
    );
}

fn spawn_record(args: &[&str]) -> (std::process::Child, std::net::SocketAddr) {
    crate::support::spawn(&[&["record", "--listen", "127.0.0.1:0"], args].concat())
}

#[test]
fn recording_against_a_running_fake_gives_cases_that_check_passes() {
    let upstream = enswitch_fake::server::FakeServer::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recorded");
    let (child, proxy) = spawn_record(&[
        "--upstream",
        &upstream.api_url(),
        "--out",
        out.to_str().unwrap(),
    ]);

    let auth = "auth_username=user;auth_password=password";
    let exchanges = [
        (format!("/api/json/cards/groups/get/?{auth};id=123"), "200"),
        (format!("/api/json/cards/groups/update/?{auth};id=123;name=x;validation=1"), "201"),
        (format!("/api/json/cards/batches/create?{auth}&cardgroup=123"), "400"),
        ("/api/json/cards/groups/update/?auth_username=user;auth_password=nope;id=123".to_owned(), "401"),
        ("/api/json/cards/groups/update/?auth_username=reader;auth_password=reader-password;id=123;name=x".to_owned(), "402"),
        (format!("/api/json/cards/batches/create/?{auth};cardgroup=123;batch_name=recorded;number=2"), "200"),
    ];
    for (path, code) in &exchanges {
        assert_eq!(
            get(proxy, path).code(),
            *code,
            "{path}: the client gets the upstream's answer"
        );
    }
    let body = "auth_username=user&auth_password=password&id=123&name=Recorded";
    let posted = crate::support::send(
        proxy,
        &format!(
            "POST /api/json/cards/groups/update/ HTTP/1.1\r\nHost: f\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert_eq!(posted.code(), "204");
    // A user the config does not know is forwarded but not recorded.
    assert_eq!(
        get(
            proxy,
            "/api/json/cards/groups/get/?auth_username=stranger;auth_password=x;id=123"
        )
        .code(),
        "401"
    );
    let output = {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        child.wait_with_output().unwrap()
    };
    assert_eq!(output.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("not recorded: cards/groups/get: user \"stranger\"")
    );

    let scenarios = std::fs::read_dir(out.join("scenarios")).unwrap().count();
    assert_eq!(scenarios, 7);
    let snapshot = std::fs::read_to_string(
        out.join("snapshots/scenario/recorded-0006-cards-batches-create.json"),
    )
    .unwrap();
    assert!(snapshot.contains("\"request\": \"get-semicolon cards/batches/create as full: cardgroup={group};batch_name=recorded;number=2\""), "{snapshot}");
    assert!(
        !snapshot.contains("password"),
        "credentials never reach a fixture"
    );

    let check = std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .args([
            "check",
            "--in-process",
            "--fixtures",
            out.to_str().unwrap(),
            "--filter",
            "scenario/recorded-",
            "--update",
            "no",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("7 passed, 0 failed, 0 skipped"), "{stdout}");
}

#[test]
fn record_read_only_forwards_reads_and_validation_but_refuses_changes() {
    let upstream = enswitch_fake::server::FakeServer::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recorded");
    let (mut child, proxy) = spawn_record(&[
        "--upstream",
        &upstream.api_url(),
        "--out",
        out.to_str().unwrap(),
        "--read-only",
    ]);
    let auth = "auth_username=user;auth_password=password";
    assert_eq!(
        get(proxy, &format!("/api/json/cards/groups/get/?{auth};id=123")).code(),
        "200"
    );
    assert_eq!(
        get(
            proxy,
            &format!("/api/json/cards/groups/update/?{auth};id=123;name=x;validation=1")
        )
        .code(),
        "201"
    );
    let refused = get(
        proxy,
        &format!("/api/json/cards/groups/update/?{auth};id=123;name=x"),
    );
    assert_eq!((refused.status, refused.code().as_str()), (403, "400"));
    child.kill().unwrap();
    child.wait().unwrap();
    let updates = upstream
        .workbench()
        .requests(None, Some("cards/groups/update"));
    assert_eq!(
        updates.len(),
        1,
        "the refused change never reached the upstream"
    );
    assert_eq!(updates[0].params.get("validation"), Some("1"));
    // The rest: the probe at start (no credentials), each of the seed's six principals' tried
    // once (issue 28, item 8), and the read.
    let gets = upstream
        .workbench()
        .requests(None, Some("cards/groups/get"));
    assert_eq!(gets.len(), 1 + 6 + 1);
    assert_eq!(upstream.workbench().requests(None, None).len(), 1 + 6 + 2);
}
