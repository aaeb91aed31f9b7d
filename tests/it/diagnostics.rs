//! Issue 32: what a client got wrong, told wherever its call is shown (the request log in both
//! formats, the journal, the event stream, `/_fake/diagnostics`) and, in strict mode, answered
//! as a 400 at the call that is wrong; never changing the answer otherwise, never showing a value.

use enswitch_fake::fake::{ClientRules, DEFAULT_RNG_SEED};
use enswitch_fake::workbench::Config;

use crate::dashboard::{next_request, open_events};
use crate::support::{Fake, Stdout, send, spawn_keeping_stdout, terminate};

const AUTH: &str = "auth_username=user;auth_password=password";

/// The issue's example: a typo that makes a batch of one card instead of five.
const TYPO: &str = "cardgroup=123;batch_name=typo;numbr=5";

/// The diagnostics of the last journal entry of the default world.
fn last_diagnostics(fake: &Fake) -> serde_json::Value {
    let page = fake.get("/_fake/requests?tail&limit=1").json();
    page["requests"][0]["diagnostics"].clone()
}

/// `[kind, param, suggestion]` of each diagnostic in `list`.
fn kinds(list: &serde_json::Value) -> Vec<[String; 3]> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|d| [text(&d["kind"]), text(&d["param"]), text(&d["suggestion"])])
        .collect()
}

fn one(kind: &str, param: &str, suggestion: &str) -> Vec<[String; 3]> {
    vec![[kind.to_owned(), param.to_owned(), suggestion.to_owned()]]
}

#[test]
fn the_typo_is_answered_as_enswitch_would_and_told_in_the_journal_and_the_tally() {
    let fake = Fake::start();
    let reply = fake.call("cards/batches/create", "user", TYPO);
    assert_eq!(
        reply.code(),
        "200",
        "the answer is Enswitch's: {}",
        reply.body
    );
    let diagnostics = last_diagnostics(&fake);
    assert_eq!(kinds(&diagnostics), one("unknown", "numbr", "number"));
    assert_eq!(
        diagnostics[0]["message"],
        "numbr is not a parameter of cards/batches/create, which ignores it (D4); did you mean \
         number?"
    );
    // A clean call has an empty list.
    fake.call("cards/groups/get", "user", "id=123");
    assert_eq!(last_diagnostics(&fake), serde_json::json!([]));

    fake.call("cards/batches/create", "user", TYPO);
    let tally = fake.get("/_fake/diagnostics").json();
    assert_eq!(tally["calls"], 2);
    assert_eq!(tally["strict_client"], false);
    assert_eq!(
        tally["counts"],
        serde_json::json!([{"function": "cards/batches/create", "kind": "unknown", "count": 2}])
    );
    let row = &tally["diagnostics"][0];
    assert_eq!(
        (row["param"].as_str(), row["suggestion"].as_str()),
        (Some("numbr"), Some("number"))
    );
    assert_eq!(
        (row["count"].as_u64(), row["last_seq"].as_u64()),
        (Some(2), Some(3))
    );

    // A namespace has its own; a reset forgets them.
    assert_eq!(fake.get("/_ns/other/_fake/diagnostics").json()["calls"], 0);
    assert_eq!(fake.post("/_fake/reset", None, "").status, 200);
    assert_eq!(fake.get("/_fake/diagnostics").json()["calls"], 0);
}

#[test]
fn each_kind_is_told_over_http() {
    let fake = Fake::start();
    // The call answered as Enswitch would (`code`), and what it was told.
    let answered = |function: &str, code: &str, rest: &str| {
        let reply = fake.call(function, "user", rest);
        assert_eq!(reply.code(), code, "{rest}: {}", reply.body);
        kinds(&last_diagnostics(&fake))
    };
    let list = |rest: &str| answered("cards/list", "200", rest);
    assert_eq!(
        list("batch=123;CardGroup=123"),
        one("wrong_case", "CardGroup", "cardgroup")
    );
    assert_eq!(
        list("batch=123;+cardgroup=123"),
        one("stray_space", " cardgroup", "cardgroup")
    );
    assert_eq!(
        list("batch=123;card_length=10"),
        one("unknown", "card_length", "")
    );
    assert_eq!(list("batch=123;batch=999"), one("repeated", "batch", ""));
    assert_eq!(list("batch=123;limit=05"), one("lenient", "limit", ""));
    assert_eq!(
        list("batch=123;count=1;sort=card;limit=1"),
        vec![
            ["meaningless".into(), "limit".into(), String::new()],
            ["meaningless".into(), "sort".into(), String::new()],
        ]
    );
    // `count=0` asks for the rows: sort means something then.
    assert_eq!(
        list("batch=123;count=0;sort=card"),
        Vec::<[String; 3]>::new()
    );

    // In the query string and the body: the query string's value is read, and said to be.
    let both = fake.post(
        &format!("/api/json/cards/list/?{AUTH};batch=123"),
        Some("application/x-www-form-urlencoded"),
        "batch=999",
    );
    assert_eq!(both.code(), "200", "{}", both.body);
    let told = last_diagnostics(&fake);
    assert_eq!(kinds(&told), one("query_and_body", "batch", ""));
    assert!(
        told[0]["message"]
            .as_str()
            .unwrap()
            .contains("the query string's is read"),
        "{told}"
    );
    // The same value in both is no mistake.
    fake.post(
        &format!("/api/json/cards/list/?{AUTH};batch=123"),
        Some("application/x-www-form-urlencoded"),
        "batch=123",
    );
    assert_eq!(last_diagnostics(&fake), serde_json::json!([]));

    // A bare name and a '%' kept as it is (D2), on a function that takes a String.
    let update = |rest: &str| answered("cards/groups/update", "204", rest);
    assert_eq!(
        update("id=123;description"),
        one("lenient", "description", "")
    );
    assert_eq!(update("id=123;name=100%"), one("lenient", "name", ""));
    // Base64 with spaces: a '+' the client did not escape.
    let wav = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";
    let spaced = wav.replace('+', " ");
    let upload = fake.call(
        "cards/files/upload",
        "user",
        &format!(
            "cardgroup=123;file=goodbye;data={}",
            spaced.replace(' ', "%20")
        ),
    );
    assert_eq!(upload.code(), "204", "{}", upload.body);
    assert_eq!(kinds(&last_diagnostics(&fake)), one("lenient", "data", ""));
}

#[test]
fn no_value_is_ever_shown_and_a_secret_in_a_name_is_redacted() {
    let fake = Fake::start();
    fake.get(&format!(
        "/api/json/cards/list/?{AUTH};auth_password=hunter2-second;batch=123;\
         x%3Bauth_password%3Dhunter2-inside=1"
    ));
    let told = last_diagnostics(&fake).to_string();
    let tally = fake.get("/_fake/diagnostics").body;
    for text in [&told, &tally] {
        assert!(
            !text.contains("hunter2") && !text.contains("\"password\""),
            "{text}"
        );
        assert!(text.contains("auth_password is given 2 times"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
}

#[test]
fn strict_mode_answers_the_first_diagnostic_with_a_400_and_changes_nothing() {
    let config = Config {
        client: ClientRules::Strict,
        ..Config::default()
    };
    let fake = Fake::with(config, DEFAULT_RNG_SEED);
    let batches = || fake.get("/_fake/batches").json()["count"].clone();
    let before = batches();
    let reply = fake.call("cards/batches/create", "user", TYPO);
    assert_eq!(reply.outcome(), "400 numbr", "{}", reply.body);
    assert_eq!(
        reply.json()["responses"][0]["message"],
        "Strict client mode: numbr is not a parameter of cards/batches/create, which ignores it \
         (D4); did you mean number?"
    );
    assert_eq!(batches(), before, "no batch is made");
    // Still after authentication (D5): a wrong password is a 401 first.
    let wrong = fake.get(&format!(
        "/api/json/cards/batches/create/?auth_username=user;auth_password=wrong;{TYPO}"
    ));
    assert_eq!(wrong.outcome(), "401");
    // A value's diagnostic comes after the parameters' own checks, before anything is done.
    let zero = fake.call(
        "cards/batches/create",
        "user",
        "cardgroup=123;batch_name=z;number=02",
    );
    assert_eq!(zero.outcome(), "400 number");
    assert_eq!(batches(), before);
    // A clean call is answered as ever; `validation=1` too.
    let clean = fake.call(
        "cards/batches/create",
        "user",
        "cardgroup=123;batch_name=ok",
    );
    assert_eq!(clean.code(), "200");
    assert_eq!(fake.get("/_fake/diagnostics").json()["strict_client"], true);
    // The journal still tells the diagnostic of the call it refused.
    fake.call("cards/batches/create", "user", TYPO);
    assert_eq!(
        kinds(&last_diagnostics(&fake)),
        one("unknown", "numbr", "number")
    );
}

#[test]
fn the_control_plane_switches_strict_mode_per_world() {
    let fake = Fake::start();
    let set = |path: &str, body: &str| fake.post(path, Some("application/json"), body);
    assert_eq!(
        set(
            "/_ns/strict/_fake/strict-client",
            r#"{"strict_client": true}"#
        )
        .json(),
        serde_json::json!({"strict_client": true})
    );
    let typo = |world: &str| {
        fake.get(&format!(
            "{world}/api/json/cards/batches/create/?{AUTH};{TYPO}"
        ))
        .outcome()
    };
    assert_eq!(typo("/_ns/strict"), "400 numbr");
    assert_eq!(typo("/_ns/lenient"), "200");
    assert_eq!(typo(""), "200");
    // A reset keeps the world's rules; switching back makes it lenient again.
    assert_eq!(fake.post("/_ns/strict/_fake/reset", None, "").status, 200);
    assert_eq!(typo("/_ns/strict"), "400 numbr");
    assert_eq!(
        fake.get("/_ns/strict/_fake/strict-client").json()["strict_client"],
        true
    );
    set(
        "/_ns/strict/_fake/strict-client",
        r#"{"strict_client": false}"#,
    );
    assert_eq!(typo("/_ns/strict"), "200");
    // A body that says something else changes nothing and says what it takes.
    let refused = set("/_ns/strict/_fake/strict-client", r#"{"strict": true}"#);
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("strict_client"), "{}", refused.body);
    assert_eq!(
        fake.get("/_ns/strict/_fake/strict-client").json()["strict_client"],
        false
    );
}

#[test]
fn the_event_stream_carries_the_diagnostics() {
    let fake = Fake::start();
    let mut events = open_events(&fake, "/_ns/live/_fake/events");
    fake.get(&format!(
        "/_ns/live/api/json/cards/batches/create/?{AUTH};{TYPO}"
    ));
    let entry = next_request(&mut events);
    assert_eq!(
        kinds(&entry["diagnostics"]),
        one("unknown", "numbr", "number")
    );
}

/// The log lines of one `serve --log-format FORMAT [--strict-client]` after the typo.
fn logged(format: &str, strict: bool) -> (String, String) {
    let mut args = vec!["serve", "--addr", "127.0.0.1:0", "--log-format", format];
    if strict {
        args.push("--strict-client");
    }
    let (mut child, addr, stdout): (_, _, Stdout) = spawn_keeping_stdout(&args);
    // A human banner says how the fake answers mistakes (a JSON one is the first line, which
    // `spawn_keeping_stdout` reads to learn the address).
    let banner = if format == "human" {
        let banner = stdout.wait_for(|lines| lines.iter().any(|l| l.contains("  log ")));
        let says = if strict {
            "clients    strict (--strict-client)"
        } else {
            "clients    mistakes Enswitch passes over are told in the log"
        };
        assert!(banner.iter().any(|l| l.contains(says)), "{banner:#?}");
        banner
    } else {
        Vec::new()
    };
    let reply = send(
        addr,
        &format!(
            "GET /api/json/cards/batches/create/?{AUTH};{TYPO} HTTP/1.1\r\nHost: x\r\n\
             Connection: close\r\n\r\n"
        ),
    );
    let lines = stdout.wait_for(|lines| lines.len() > banner.len());
    terminate(&child);
    child.wait().unwrap();
    let line = lines.last().cloned().unwrap_or_default();
    assert!(!line.contains("password"), "{line}");
    (reply.body, line)
}

#[test]
fn the_request_log_tells_the_typo_in_both_formats() {
    let (body, human) = logged("human", false);
    assert!(body.contains(r#""code":"200""#), "{body}");
    assert!(
        human.ends_with(
            "diagnostic: numbr is not a parameter of cards/batches/create, which ignores it \
             (D4); did you mean number?"
        ),
        "{human}"
    );

    let (body, strict) = logged("human", true);
    assert!(body.contains(r#""key":"numbr""#), "{body}");
    assert!(
        strict.contains("  400  GET cards/batches/create  numbr: Strict client mode"),
        "{strict}"
    );

    let (body, json) = logged("json", true);
    assert!(body.contains(r#""key":"numbr""#), "{body}");
    let line: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (line["code"].as_str(), line["key"].as_str()),
        (Some("400"), Some("numbr"))
    );
    assert_eq!(
        kinds(&line["diagnostics"]),
        one("unknown", "numbr", "number")
    );
    assert!(
        line.get("diagnosed").is_none(),
        "the human text stays out: {line}"
    );
}
