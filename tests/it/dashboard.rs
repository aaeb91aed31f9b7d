//! What the dashboard stands on, over loopback HTTP: the landing answer (HTML for a browser, JSON
//! for curl), the dashboard's files and their Content-Security-Policy, the OpenAPI document and
//! README served, the paged views of a world, the overview, the journal's tail and live event
//! stream, removing one fault, and the admin token and off switch around all of it. (The page
//! itself is driven in a real browser by `tests/browser/`.)

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use enswitch_fake::fake::DEFAULT_RNG_SEED;
use enswitch_fake::workbench::{Config, ControlAccess};

use crate::support::{Fake, Reply, send};

fn get_with(fake: &Fake, path: &str, headers: &str) -> Reply {
    send(
        fake.addr(),
        &format!("GET {path} HTTP/1.1\r\nHost: fake\r\nConnection: close\r\n{headers}\r\n"),
    )
}

fn delete(fake: &Fake, path: &str) -> Reply {
    send(
        fake.addr(),
        &format!("DELETE {path} HTTP/1.1\r\nHost: fake\r\nConnection: close\r\n\r\n"),
    )
}

#[test]
fn the_landing_answer_is_html_for_a_browser_and_json_for_curl() {
    let fake = Fake::start();
    for path in ["/", "/_fake/"] {
        let page = get_with(
            &fake,
            path,
            "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n",
        );
        assert_eq!(page.status, 200);
        assert_eq!(page.content_type, "text/html; charset=utf-8");
        for link in [
            "/_fake/ui/",
            "/_fake/openapi.json",
            "/_fake/readme",
            "/api/json/",
        ] {
            assert!(page.body.contains(link), "{path} links {link}");
        }
        assert!(page.header("content-security-policy").is_some());
        let json = get_with(&fake, path, "Accept: */*\r\n").json();
        assert_eq!(json["dashboard"], "/_fake/ui/");
        assert_eq!(json["api"], "/api/json/");
        assert_eq!(json["openapi"], "/_fake/openapi.json");
        assert_eq!(json["readme"], "/_fake/readme");
    }
    // The API's own paths answer as before.
    let api = get_with(&fake, "/api/json/", "Accept: text/html\r\n");
    assert_eq!(api.content_type, "application/json");
    assert_eq!(api.code(), "404");
}

#[test]
fn the_dashboard_files_are_built_in_and_locked_down() {
    let fake = Fake::start();
    let page = fake.get("/_fake/ui/");
    assert_eq!(page.status, 200);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    let policy = page.header("content-security-policy").unwrap();
    for rule in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(rule), "{policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(
        !page.body.contains("<script>") && !page.body.contains(" style="),
        "no inline script or style: the policy would block it"
    );
    assert!(page.body.contains(r#"<script src="/_fake/ui/app.js""#));
    let script = fake.get("/_fake/ui/app.js");
    assert_eq!(script.content_type, "text/javascript; charset=utf-8");
    assert_eq!(script.header("x-content-type-options"), Some("nosniff"));
    for parses_markup in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
    ] {
        assert!(
            !script.body.contains(parses_markup),
            "what clients sent is put on the page as text, never as {parses_markup}"
        );
    }
    assert_eq!(
        fake.get("/_fake/ui/app.css").content_type,
        "text/css; charset=utf-8"
    );
    assert_eq!(fake.get("/_fake/ui/nothing.js").status, 404);
}

#[test]
fn the_openapi_document_and_readme_are_served() {
    let fake = Fake::start();
    let openapi = fake.get("/_fake/openapi.json").json();
    assert_eq!(openapi["servers"][0]["url"], "/api/json");
    assert!(openapi["paths"]["/cards/batches/create"].is_object());
    assert_eq!(openapi["x-enswitch-http-status"], "ok");
    let readme = fake.get("/_fake/readme");
    assert_eq!(readme.content_type, "text/markdown; charset=utf-8");
    assert!(readme.body.starts_with("# enswitch-fake"));
    // A server that mirrors codes into the HTTP status serves the document that says so.
    let mirror = Fake::with(
        Config {
            http_status: enswitch_fake::workbench::HttpStatusMode::Mirror,
            ..Config::default()
        },
        DEFAULT_RNG_SEED,
    );
    let openapi = mirror.get("/_fake/openapi.json").json();
    assert_eq!(openapi["x-enswitch-http-status"], "mirror");
    assert!(openapi["paths"]["/cards/groups/update"]["get"]["responses"]["204"].is_object());
}

/// Issue 31: the served document bounds `number` by this server's `--max-cards`, and gives the
/// vendor's paths (ending in `/`) when asked.
#[test]
fn the_served_openapi_document_is_this_servers() {
    let fake = Fake::with(
        Config {
            fake: enswitch_fake::fake::Settings {
                max_cards: 250,
                ..Default::default()
            },
            ..Config::default()
        },
        DEFAULT_RNG_SEED,
    );
    let maximum = |document: &serde_json::Value, path: &str| {
        document["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "number")
            .unwrap()["schema"]["maximum"]
            .clone()
    };
    let plain = fake.get("/_fake/openapi.json").json();
    assert_eq!(maximum(&plain, "/cards/batches/create"), 250);
    let vendor = fake.get("/_fake/openapi.json?trailing_slash=1");
    assert_eq!(vendor.status, 200);
    let vendor = vendor.json();
    assert_eq!(maximum(&vendor, "/cards/batches/create/"), 250);
    assert!(vendor["paths"]["/cards/batches/create"].is_null());
    assert_eq!(
        fake.get("/_fake/openapi.json?trailing_slash=0").json(),
        plain
    );
    let refused = fake.get("/_fake/openapi.json?trailing=yes");
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("trailing_slash=1"),
        "{}",
        refused.body
    );
}

#[test]
fn the_views_page_a_world_on_the_server() {
    let fake = Fake::start();
    let made = fake.call(
        "cards/batches/create",
        "user",
        "cardgroup=123;batch_name=paged;number=120;card_length=10",
    );
    assert_eq!(made.code(), "200");
    fake.call(
        "cards/batches/create",
        "user",
        "cardgroup=125;batch_name=second;number=3",
    );

    let groups = fake.get("/_fake/groups").json();
    assert_eq!(groups["total"], 4);
    assert_eq!(groups["rows"][0]["fields"]["name"], "Example cards");

    // The seed has batches 123 and 124; the new ones are 125 and 126.
    let batches = fake.get("/_fake/batches").json();
    assert_eq!(batches["total"], 4);
    assert_eq!(batches["rows"][0]["name"], "second", "newest first");
    let of_123 = fake.get("/_fake/batches?cardgroup=123").json();
    assert_eq!(of_123["total"], 2);
    assert_eq!(of_123["rows"][0]["cards"], 120);

    let page = fake
        .get("/_fake/cards?batch=125&offset=100&limit=50")
        .json();
    assert_eq!(page["total"], 120);
    assert_eq!(page["offset"], 100);
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|c| c["batch"] == 125));
    let first = fake.get("/_fake/cards?batch=125&limit=1").json();
    assert_ne!(first["rows"][0]["card"], rows[0]["card"]);
    assert_eq!(
        fake.get("/_fake/cards").json()["total"],
        127,
        "with the seed's four"
    );
    assert_eq!(
        fake.get("/_fake/cards?limit=0").json()["rows"],
        serde_json::json!([])
    );

    for (query, field) in [
        ("offset=-1", "offset"),
        ("limit=1001", "limit"),
        ("batch=abc", "batch"),
    ] {
        let refused = fake.get(&format!("/_fake/cards?{query}"));
        assert_eq!(refused.status, 400, "{query}");
        let message = refused.json()["error"].as_str().unwrap().to_owned();
        assert!(message.starts_with(field), "{query}: {message}");
    }
    // Another world holds none of it: only the seed's two.
    assert_eq!(fake.get("/_ns/other/_fake/batches").json()["total"], 2);
}

#[test]
fn the_overview_counts_one_world_and_tells_the_server_s_health() {
    let fake = Fake::start();
    fake.call(
        "cards/batches/create",
        "user",
        "cardgroup=123;batch_name=b;number=5",
    );
    fake.get("/_ns/team/_fake/state");
    let overview = fake.get("/_fake/overview").json();
    assert_eq!(overview["counts"]["cards"], 9, "the seed's four and five");
    assert_eq!(overview["counts"]["card_groups"], 4);
    assert_eq!(overview["world"], serde_json::Value::Null);
    assert_eq!(overview["functions"].as_array().unwrap().len(), 11);
    assert_eq!(overview["state"]["status"], "memory");
    assert_eq!(overview["mutant"], serde_json::Value::Null);
    assert_eq!(overview["control"], "open");
    assert_eq!(overview["namespaces"], serde_json::json!(["team"]));
    assert_eq!(overview["journal"]["entries"], 1);
    let team = fake.get("/_ns/team/_fake/overview").json();
    assert_eq!(team["world"], "team");
    assert_eq!(team["counts"]["cards"], 4, "only the seed's");
}

#[test]
fn the_journal_tail_reads_every_world_newest_last() {
    let fake = Fake::start();
    fake.call("cards/groups/get", "user", "id=123");
    fake.get("/_ns/a/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123");
    fake.call("cards/list", "user", "batch=9");
    let tail = fake.get("/_fake/requests?namespace=*&tail&limit=2").json();
    assert_eq!(tail["count"], 3);
    let requests = tail["requests"].as_array().unwrap();
    assert_eq!(requests[0]["namespace"], "a");
    assert_eq!(requests[1]["function"], "cards/list");
    let refused = fake.get("/_fake/requests?namespace=*&after=1");
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("tail"), "{}", refused.body);
}

#[test]
fn one_fault_rule_can_be_removed_by_its_id() {
    let fake = Fake::start();
    let rule = r#"{"function":"cards/list","action":"http_503"}"#;
    let added = fake
        .post("/_fake/faults", Some("application/json"), rule)
        .json();
    let id = added["id"].as_u64().unwrap();
    assert_eq!(fake.call("cards/list", "user", "batch=1").status, 503);
    assert_eq!(
        delete(&fake, &format!("/_fake/faults/{id}")).json()["removed"],
        id
    );
    assert_eq!(fake.call("cards/list", "user", "batch=1").status, 200);
    assert_eq!(delete(&fake, &format!("/_fake/faults/{id}")).status, 404);
    assert_eq!(delete(&fake, "/_fake/faults/first").status, 400);
}

/// Opens `/_fake/events` and returns the stream once its head and first bytes are read.
pub(crate) fn open_events(fake: &Fake, path: &str) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(fake.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: fake\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        reader.read_line(&mut head).unwrap();
    }
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    reader
}

/// The next `request` event's data, skipping chunk sizes, comments and other events.
pub(crate) fn next_request(events: &mut BufReader<TcpStream>) -> serde_json::Value {
    let mut event = String::new();
    loop {
        let mut line = String::new();
        assert!(events.read_line(&mut line).unwrap() > 0, "the stream ended");
        let line = line.trim_end();
        if let Some(name) = line.strip_prefix("event: ") {
            name.clone_into(&mut event);
        } else if let Some(data) = line.strip_prefix("data: ")
            && event == "request"
        {
            return serde_json::from_str(data).unwrap();
        }
    }
}

#[test]
fn the_event_stream_sends_each_entry_of_its_world_as_it_is_journaled() {
    let fake = Fake::start();
    let mut every = open_events(&fake, "/_fake/events?namespace=*");
    let mut team = open_events(&fake, "/_ns/team/_fake/events");
    fake.call("cards/groups/get", "reseller", "id=123");
    fake.get("/_ns/team/api/json/cards/list/?auth_username=user;auth_password=password;batch=1");

    let first = next_request(&mut every);
    assert_eq!(first["function"], "cards/groups/get");
    assert_eq!(
        first["params"][1],
        serde_json::json!(["auth_password", "[redacted]"])
    );
    assert!(
        first["answer"]
            .as_str()
            .unwrap()
            .contains(r#""code":"200""#)
    );
    let second = next_request(&mut every);
    assert_eq!(second["namespace"], "team");
    let only_team = next_request(&mut team);
    assert_eq!(
        only_team["function"], "cards/list",
        "the default world's call is not team's"
    );

    // A stopping server ends the stream instead of waiting out its grace.
    drop(fake);
    let mut rest = Vec::new();
    let ended = every.read_to_end(&mut rest);
    assert!(ended.is_ok(), "{ended:?}");
    assert!(!String::from_utf8_lossy(&rest).contains("reseller-password"));
}

#[test]
fn with_a_token_the_page_loads_but_its_data_needs_the_token_and_off_means_gone() {
    let token = Config {
        control: ControlAccess::Token("t0ken".into()),
        ..Config::default()
    };
    let fake = Fake::with(token, DEFAULT_RNG_SEED);
    assert_eq!(fake.get("/_fake/ui/").status, 200);
    assert_eq!(fake.get("/_fake/ui/app.js").status, 200);
    assert_eq!(fake.get("/_fake/overview").status, 401);
    assert_eq!(fake.get("/_fake/events").status, 401);
    let with = get_with(&fake, "/_fake/overview", "Authorization: Bearer t0ken\r\n");
    assert_eq!(with.status, 200);
    assert_eq!(with.json()["control"], "token");
    assert!(!with.body.contains("t0ken"));

    let off = Config {
        control: ControlAccess::Off,
        ..Config::default()
    };
    let fake = Fake::with(off, DEFAULT_RNG_SEED);
    assert_eq!(fake.get("/_fake/ui/").status, 404);
    assert_eq!(fake.get("/_fake/openapi.json").status, 404);
    // `/` is the API's again: an envelope, as before there was a landing page.
    let root = get_with(&fake, "/", "Accept: text/html\r\n");
    assert_eq!(root.content_type, "application/json");
    assert_eq!(root.code(), "404");
}

/// Issue 31: the Schemathesis configuration the fake serves names the world's user and objects,
/// turns off only what the spec's cross-parameter rules and D2/D3 require, and holds no password;
/// like the OpenAPI document it needs no admin token. (Schemathesis itself runs with it in
/// `scripts/openapi-tools.sh`.)
#[test]
fn the_schemathesis_configuration_names_the_worlds_user_and_objects_and_no_password() {
    let fake = Fake::with(
        Config {
            control: enswitch_fake::workbench::ControlAccess::Token("s3cret".into()),
            ..Config::default()
        },
        DEFAULT_RNG_SEED,
    );
    let config = fake.get("/_fake/schemathesis.toml");
    assert_eq!(config.status, 200, "{}", config.body);
    assert_eq!(config.content_type, "application/toml; charset=utf-8");
    let text = config.body;
    assert!(
        text.contains("[auth.openapi.username]\napi_key = \"user\""),
        "{text}"
    );
    assert!(
        text.contains("[auth.openapi.password]\napi_key = \"${ENSWITCH_FAKE_PASSWORD}\""),
        "{text}"
    );
    for secret in ["\"password\"", "reader-password", "s3cret"] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
    }
    assert!(
        text.contains(
            "include-path-regex = \"^/cards/update/?$\"\nparameters = { card = \"1234567890\", cardgroup = 123 }"
        ),
        "{text}"
    );
    // Exclusions only where the spec has rules across parameters: not on cards/groups/get.
    assert!(
        text.contains("# - Exactly one of data and sound must be set."),
        "{text}"
    );
    let excluded = text
        .matches("checks.positive_data_acceptance.enabled = false")
        .count();
    assert_eq!(
        excluded, 7,
        "POST, and the six GETs with constraints:\n{text}"
    );
    assert!(
        !text.contains("\"^/cards/groups/get/?$\"\nchecks"),
        "{text}"
    );
}

/// A world with no user who may use every cards function: the configuration says so and asks for
/// credentials rather than naming a user whose calls would all be refused.
#[test]
fn the_schemathesis_configuration_asks_for_credentials_when_no_user_may_do_everything() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.yaml");
    std::fs::write(
        &seed,
        "system_currency: EUR
customers: [{id: 1, name: Top, rate_plan: 1}]
rate_plans: [{id: 1, name: Only, customer: 1, privileges: [cards]}]
roles: [{name: look, privileges: {cards: read, user: full}}]
users: [{id: 9, username: looker, password: pw, customer: 1, role: look}]
",
    )
    .unwrap();
    let server = enswitch_fake::FakeServer::builder()
        .seed_file(&seed)
        .start()
        .unwrap();
    let config = crate::support::send(
        server.addr(),
        "GET /_fake/schemathesis.toml HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(config.status, 200);
    assert!(
        config
            .body
            .contains("has no user whose role and rate plan allow every cards function"),
        "{}",
        config.body
    );
    assert!(
        !config.body.contains("\n[auth.openapi.username]\n"),
        "{}",
        config.body
    );
    assert!(!config.body.contains("looker"), "{}", config.body);
    assert!(
        config.body.contains("include-method = \"POST\""),
        "{}",
        config.body
    );
}
