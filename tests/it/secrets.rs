//! Secrets: a password sent to the fake is never shown again, by any answer, the journal, the
//! state or the process's output; the control plane can require a token or be switched off.

use std::net::SocketAddr;

use enswitch_fake::workbench::{Config, ControlAccess};

use crate::support::{Fake, Reply, send, spawn};

/// A password no seed principal has, so any sighting of it is a leak.
const SECRET: &str = "Sw0rdfish-7c1e";

/// Requests carrying `SECRET` every way a client could send it: wrong and right user, good and
/// bad parameters, query and form, escaped, repeated, in a namespace.
fn leaky_requests(fake: &Fake) -> Vec<Reply> {
    let auth = format!("auth_username=user;auth_password={SECRET}");
    let escaped: String = SECRET.bytes().map(|b| format!("%{b:02X}")).collect();
    vec![
        fake.get(&format!("/api/json/cards/groups/update/?{auth};id=123;name=x")),
        fake.get(&format!("/api/json/cards/groups/update/?{auth};id=abc")),
        fake.get(&format!(
            "/api/json/cards/groups/get/?auth_username=nobody;auth_password={SECRET};id=123"
        )),
        fake.get(&format!(
            "/api/json/cards/groups/get/?auth_username=user;auth_password={escaped};id=123"
        )),
        fake.get(&format!(
            "/api/json/cards/groups/get/?auth_username=user;auth_password=password;auth_password={SECRET};id=123"
        )),
        fake.post(
            "/api/json/cards/batches/create/",
            Some("application/x-www-form-urlencoded"),
            &format!("{auth};cardgroup=123;batch_name=b;number=1"),
        ),
        fake.post(
            "/api/json/cards/batches/create/",
            Some("text/plain"),
            &format!("{auth};cardgroup=123"),
        ),
        fake.get(&format!("/api/json/no/such/function/?{auth}")),
        fake.get(&format!(
            "/_ns/leak/api/json/cards/groups/update/?{auth};id=123;name=x"
        )),
    ]
}

fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} shows the password:\n{text}");
}

#[test]
fn a_password_appears_in_no_answer_journal_or_state() {
    let fake = Fake::start();
    for (i, reply) in leaky_requests(&fake).iter().enumerate() {
        assert_no_secret(&format!("answer {i}"), &reply.body);
    }
    for path in [
        "/_fake/requests",
        "/_fake/state",
        "/_fake/seed",
        "/_ns/leak/_fake/requests",
        "/_ns/leak/_fake/state",
        "/_ns/leak/_fake/seed",
    ] {
        let reply = fake.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_no_secret(path, &reply.body);
    }
    // The journal did record those requests, with the password redacted.
    let journal = fake.get("/_fake/requests").body;
    assert!(journal.contains("[redacted]"), "{journal}");
}

#[test]
fn a_password_appears_nowhere_in_the_output_of_serve() {
    let (child, addr) = spawn(&["serve", "--addr", "127.0.0.1:0"]);
    let get = |path: &str| {
        send(
            addr,
            &format!("GET {path} HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"),
        )
    };
    get(&format!(
        "/api/json/cards/groups/update/?auth_username=user;auth_password={SECRET};id=123"
    ));
    get(&format!(
        "/api/json/cards/groups/update/?auth_username=user;auth_password=password;id=x;auth_password={SECRET}"
    ));
    // Stop it and read everything it printed.
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_no_secret("stderr", &String::from_utf8_lossy(&out.stderr));
    assert_no_secret("stdout", &String::from_utf8_lossy(&out.stdout));
}

fn get_with(addr: SocketAddr, path: &str, header: &str) -> Reply {
    send(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: f\r\nConnection: close\r\n{header}\r\n"),
    )
}

#[test]
fn an_admin_token_guards_the_control_plane_and_not_the_api() {
    let fake = Fake::with(
        Config {
            control: ControlAccess::Token("t0ken".into()),
            ..Config::default()
        },
        1,
    );
    let addr = fake.addr();
    for header in [
        "",
        "Authorization: Bearer wrong\r\n",
        "Authorization: t0ken\r\n",
    ] {
        for path in ["/_fake/state", "/_fake/requests", "/_ns/x/_fake/health"] {
            let reply = get_with(addr, path, header);
            assert_eq!(reply.status, 401, "{path} with {header:?}");
            assert!(reply.body.contains("--admin-token"), "{}", reply.body);
            assert!(!reply.body.contains("t0ken"), "the answer shows the token");
        }
    }
    let reply = get_with(addr, "/_fake/state", "Authorization: Bearer t0ken\r\n");
    assert_eq!(reply.status, 200);
    // A refused control request, or one for no endpoint, made no namespace.
    let token = "Authorization: Bearer t0ken\r\n";
    assert_eq!(get_with(addr, "/_ns/y/_fake/nothing", token).status, 404);
    let namespaces = get_with(addr, "/_fake/ns", token);
    assert_eq!(namespaces.body, r#"{"namespaces":[]}"#);
    assert_eq!(get_with(addr, "/_ns/z/_fake/state", token).status, 200);
    let namespaces = get_with(addr, "/_fake/ns", token);
    assert_eq!(namespaces.body, r#"{"namespaces":["z"]}"#);
    let reply = get_with(addr, "/_fake/health", "authorization: bearer t0ken\r\n");
    assert_eq!(reply.status, 200, "the scheme is case-insensitive");
    assert_eq!(
        fake.call("cards/groups/get", "user", "id=123").outcome(),
        "200",
        "the API needs no token"
    );
}

#[test]
fn no_admin_switches_the_control_plane_off() {
    let fake = Fake::with(
        Config {
            control: ControlAccess::Off,
            ..Config::default()
        },
        1,
    );
    for path in ["/_fake/state", "/_fake/health", "/_ns/x/_fake/state"] {
        let reply = fake.get(path);
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.body.contains("--no-admin"), "{}", reply.body);
    }
    assert_eq!(
        fake.call("cards/groups/update", "user", "id=123;name=x")
            .outcome(),
        "204"
    );
}

#[test]
fn the_admin_flags_reach_the_server() {
    let (mut child, addr) = spawn(&["serve", "--addr", "127.0.0.1:0", "--admin-token", "abc"]);
    assert_eq!(get_with(addr, "/_fake/health", "").status, 401);
    assert_eq!(
        get_with(addr, "/_fake/health", "Authorization: Bearer abc\r\n").status,
        200
    );
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, addr) = spawn(&["serve", "--addr", "127.0.0.1:0", "--no-admin"]);
    assert_eq!(get_with(addr, "/_fake/health", "").status, 404);
    child.kill().unwrap();
    child.wait().unwrap();

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .args(["serve", "--no-admin", "--admin-token", "abc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "the two flags conflict");
}
