//! Issue 33: consumer contracts. A client's calls to one namespace of a running fake become a
//! contract (`enswitch-fake contract`), which `check --fixtures` runs over HTTP: it passes
//! against a fresh fake, fails naming the call against a mutant that changes an answer the client
//! read, passes against a fake whose card group has another id (the config names it), and no
//! file of it holds a password or token.

use std::net::SocketAddr;
use std::path::Path;

use crate::support::{Reply, files_under, get, run, send, spawn, terminate};

/// The passwords of the seed the client works on, so that any sighting of one is a leak.
const PASSWORDS: [(&str, &str); 6] = [
    ("user", "Sw0rdfish-user-41c7"),
    ("reader", "Sw0rdfish-reader-93aa"),
    ("nocards", "Sw0rdfish-nocards-0d2e"),
    ("noplan", "Sw0rdfish-noplan-77b1"),
    ("other", "Sw0rdfish-other-5f0c"),
    ("reseller", "Sw0rdfish-reseller-c3d9"),
];

/// The wrong password of the call refused with 401 (the secrets test's).
const WRONG: &str = "Sw0rdfish-7c1e";

/// The embedded seed with `PASSWORDS`, and its first card group (123) given the id `group`.
fn seed(group: u32) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(root.join("fixtures/seed.yaml")).unwrap();
    for (user, password) in PASSWORDS {
        let was = format!("username: {user}, password: {user}-password,");
        let was = if user == "user" {
            "username: user, password: password,".to_owned()
        } else {
            was
        };
        assert!(text.contains(&was), "the seed has {was}");
        text = text.replace(&was, &format!("username: {user}, password: {password},"));
    }
    if group != 123 {
        for (was, now) in [
            (
                "  - id: 123\n    customer: 10\n    fields: {name: Example cards",
                "  - id: GROUP\n    customer: 10\n    fields: {name: Example cards",
            ),
            ("cardgroup: 123", "cardgroup: GROUP"),
        ] {
            assert!(text.contains(was), "the seed has {was:?}");
            text = text.replace(was, &now.replace("GROUP", &group.to_string()));
        }
    }
    text
}

/// A target config for a fake on `seed(group)`.
fn config(group: u32) -> String {
    let mut text = String::from("reset: control_plane\nprincipals:\n");
    for (user, password) in PASSWORDS {
        let role = match user {
            "user" => "full",
            "reader" => "read_only",
            "nocards" => "no_privilege",
            "noplan" => "no_plan",
            "other" => "other_customer",
            _ => "reseller",
        };
        text.push_str(&format!(
            "  {role}: {{username: {user}, password: {password}}}\n"
        ));
    }
    // The objects its answers show: the group, and the customer and rate plan of its rows.
    text.push_str(&format!(
        "resources:\n  group: {group}\n  customer: 10\n  plan: 2\n"
    ));
    text
}

fn post(addr: SocketAddr, path: &str, body: &str) -> Reply {
    send(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: f\r\nConnection: close\r\nContent-Type: \
             application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// The client: logs in for a token, makes a batch in the seed's group, lists its cards,
/// changes the second card's balance (a POST), reads the cards back with the token, sends one
/// call the fake refuses with 400 and one with a wrong password. Returns the token it used.
fn drive_the_client(addr: SocketAddr, namespace: &str) -> String {
    let api = format!("/_ns/{namespace}/api/json");
    let auth = format!("auth_username=user;auth_password={}", PASSWORDS[0].1);
    let login = get(addr, &format!("{api}/user/login/?{auth};token=1"));
    assert_eq!(login.code(), "200", "{}", login.body);
    let token = login.data()["auth_token"].as_str().unwrap().to_owned();

    let made = get(
        addr,
        &format!("{api}/cards/batches/create/?{auth};cardgroup=123;batch_name=contract;number=3"),
    );
    assert_eq!(made.code(), "200", "{}", made.body);
    let batch = made.data()["id"].as_i64().unwrap();

    let listed = get(addr, &format!("{api}/cards/list/?{auth};batch={batch}"));
    assert_eq!(listed.data().as_array().unwrap().len(), 3);
    let card = listed.data()[1]["card"].as_str().unwrap().to_owned();

    let changed = post(
        addr,
        &format!("{api}/cards/update/"),
        &format!(
            "auth_username=user&auth_password={}&card={card}&balance=7.50",
            PASSWORDS[0].1
        ),
    );
    assert_eq!(changed.code(), "204", "{}", changed.body);

    let read = get(
        addr,
        &format!("{api}/cards/list/?auth_token={token};batch={batch}"),
    );
    let row = read.data().as_array().unwrap()[1].clone();
    assert_eq!(
        (row["card"].as_str(), row["balance"].as_str()),
        (Some(card.as_str()), Some("7.50"))
    );

    let refused = get(
        addr,
        &format!("{api}/cards/batches/create/?{auth};cardgroup=123;batch_name=x;number=many"),
    );
    assert_eq!(
        (refused.code(), refused.key()),
        ("400".into(), "number".into())
    );
    let wrong = get(
        addr,
        &format!("{api}/cards/groups/get/?auth_username=user;auth_password={WRONG};id=123"),
    );
    assert_eq!(wrong.code(), "401");
    token
}

/// `check --fixtures contract` against a fresh `serve` with `args`: exit code and stdout.
fn check_against(dir: &Path, seed_file: &Path, config_file: &Path, args: &[&str]) -> (i32, String) {
    let mut serve = vec![
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--seed-file",
        seed_file.to_str().unwrap(),
    ];
    serve.extend_from_slice(args);
    let (child, addr) = spawn(&serve);
    let checked = run(&[
        "check",
        "--fixtures",
        dir.join("contract").to_str().unwrap(),
        "--target",
        &format!("http://{addr}/api/json/"),
        "--config",
        config_file.to_str().unwrap(),
    ]);
    terminate(&child);
    let stdout = String::from_utf8_lossy(&checked.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&checked.stderr);
    (checked.status.code().unwrap(), format!("{stdout}{stderr}"))
}

#[test]
fn a_clients_calls_become_a_contract_that_checks_other_fakes_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let seed_file = dir.path().join("seed.yaml");
    std::fs::write(&seed_file, seed(123)).unwrap();
    let config_file = dir.path().join("target.yaml");
    std::fs::write(&config_file, config(123)).unwrap();

    let (child, addr) = spawn(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--seed-file",
        seed_file.to_str().unwrap(),
    ]);
    let token = drive_the_client(addr, "client-a");
    let out = dir.path().join("contract");
    let made = run(&[
        "contract",
        "--from",
        &format!("http://{addr}"),
        "--namespace",
        "client-a",
        "--out",
        out.to_str().unwrap(),
    ]);
    terminate(&child);
    let said = String::from_utf8_lossy(&made.stdout);
    assert_eq!(
        made.status.code(),
        Some(0),
        "{said}{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(
        said.contains("wrote scenario/contract-client-a (7 calls of namespace client-a)"),
        "{said}"
    );

    // No password or token in any file; the ids are references, the created ones captures.
    let files = files_under(&out);
    assert_eq!(files.len(), 4, "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for secret in PASSWORDS
            .iter()
            .map(|(_, p)| *p)
            .chain([WRONG, token.as_str()])
        {
            assert!(
                !text.contains(secret),
                "{} holds a secret:\n{text}",
                file.display()
            );
        }
    }
    let scenario = std::fs::read_to_string(out.join("scenarios/contract-client-a.yaml")).unwrap();
    for expected in [
        "capture: {token_1: \"auth_token\"}",
        "\"cardgroup={group}\", \"batch_name=contract\", \"number=3\"]",
        "capture: {batch_2: \"id\"}",
        "params: [\"batch={batch_2}\"]\n    capture: {card_3: \"1.card\"}",
        "form: post_body",
        "params: [\"card={card_3}\", \"balance=7.50\"]",
        "token: \"{token_1}\"",
        "as: nobody",
    ] {
        assert!(
            scenario.contains(expected),
            "no {expected:?} in\n{scenario}"
        );
    }

    // A fresh fake answers the client's calls as the first did.
    let (code, said) = check_against(dir.path(), &seed_file, &config_file, &[]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("1 passed, 0 failed"), "{said}");

    // A fake whose 400 leaves the key empty fails it, naming the client's call.
    let (code, said) = check_against(
        dir.path(),
        &seed_file,
        &config_file,
        &["--mutant", "empty-key-on-400"],
    );
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains(
            "step 6 of 7 (call 6: GET cards/batches/create) differs: key \"number\" → \"\""
        ),
        "{said}"
    );

    // A fake whose group is 555, with a config that says so: the same contract passes.
    let other_seed = dir.path().join("other-seed.yaml");
    std::fs::write(&other_seed, seed(555)).unwrap();
    let other_config = dir.path().join("other.yaml");
    std::fs::write(&other_config, config(555)).unwrap();
    let (code, said) = check_against(dir.path(), &other_seed, &other_config, &[]);
    assert_eq!(code, 0, "{said}");
    // …and with the first config (group 123, which that fake lacks), it fails.
    let (code, said) = check_against(dir.path(), &other_seed, &config_file, &[]);
    assert_eq!(code, 1, "{said}");
}

#[test]
fn the_control_plane_answers_a_worlds_contract_or_says_why_not() {
    let fake = crate::support::Fake::start();
    let empty = fake.get("/_ns/empty/_fake/contract");
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert!(
        empty.json()["error"]
            .as_str()
            .unwrap()
            .starts_with("no API call"),
        "{}",
        empty.body
    );

    let call = fake.get(
        "/_ns/mine/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123",
    );
    assert_eq!(call.code(), "200");
    let bad = fake.get("/_ns/mine/_fake/contract?read_only=yes");
    assert_eq!(
        (bad.status, bad.json()["error"].as_str()),
        (400, Some("read_only is 1 or 0"))
    );
    let named = fake.get("/_ns/mine/_fake/contract?name=reads");
    assert_eq!(named.status, 200, "{}", named.body);
    let contract = named.json();
    assert_eq!(
        (contract["name"].as_str(), contract["steps"].as_u64()),
        (Some("reads"), Some(1))
    );
    let files: Vec<&str> = contract["files"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        files,
        [
            "contract.yaml",
            "normalize.yaml",
            "scenarios/contract-reads.yaml",
            "snapshots/scenario/contract-reads.json"
        ]
    );
    // The namespace's name by default; the default world holds none of its calls.
    let own = fake.get("/_ns/mine/_fake/contract").json();
    assert_eq!(own["name"], "mine");
    assert_eq!(fake.get("/_fake/contract").status, 422);

    // A build whose workbench makes no contracts says so.
    let plain = enswitch_fake::FakeServer::start().unwrap();
    let reply = get(plain.addr(), "/_fake/contract");
    assert_eq!(reply.status, 501, "{}", reply.body);
}

#[test]
fn the_contract_command_names_the_flag_it_cannot_use_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("contract");
    let out = out.to_str().unwrap();
    let fake = crate::support::Fake::start();
    let from = format!("http://{}", fake.addr());
    let cases: [(&[&str], &str); 4] = [
        (
            &["--from", "127.0.0.1:8080"],
            "error: --from 127.0.0.1:8080: not a URL",
        ),
        (
            &["--from", &from, "--namespace", "a/b"],
            "error: --namespace a/b: a name is 1 to 64",
        ),
        (
            &[
                "--from",
                &from,
                "--namespace",
                "a",
                "--namespace",
                "b",
                "--name",
                "x",
            ],
            "error: --name names one world's scenario",
        ),
        // The default world made no API call: nothing to write.
        (
            &["--from", &from],
            "error: the contract of the default world: no API call",
        ),
    ];
    for (args, said) in cases {
        let mut all = vec!["contract", "--out", out];
        all.extend_from_slice(args);
        let ran = run(&all);
        let stderr = String::from_utf8_lossy(&ran.stderr);
        assert_eq!(ran.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with(said), "{args:?}: {stderr}");
    }
    // A world that could be one and one that could not: neither is written.
    let call = fake
        .get("/_ns/a/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123");
    assert_eq!(call.code(), "200");
    let ran = run(&[
        "contract",
        "--out",
        out,
        "--from",
        &from,
        "--namespace",
        "a",
        "--namespace",
        "b",
    ]);
    assert_eq!(ran.status.code(), Some(2));
    assert!(
        !Path::new(out).exists(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let ran = run(&[
        "contract",
        "--out",
        out,
        "--from",
        &from,
        "--namespace",
        "a",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout).lines().next(),
        Some(format!("wrote scenario/contract-a (1 call of namespace a) to {out}").as_str())
    );
}

/// A reader of the summary that goes away (`contract … | head -1`) stops nothing: every
/// world's contract is written before a line is printed, and the closed pipe is no error.
#[test]
fn a_closed_stdout_leaves_every_contract_written() {
    let fake = crate::support::Fake::start();
    for world in ["a", "b"] {
        let call = fake.get(&format!(
            "/_ns/{world}/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123"
        ));
        assert_eq!(call.code(), "200");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("contract");
    let mut child = crate::support::command()
        .args(["contract", "--from", &format!("http://{}", fake.addr())])
        .args([
            "--namespace",
            "a",
            "--namespace",
            "b",
            "--out",
            out.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let done = child.wait_with_output().unwrap();
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    for world in ["a", "b"] {
        assert!(
            out.join(format!("scenarios/contract-{world}.yaml"))
                .is_file()
        );
    }
}
