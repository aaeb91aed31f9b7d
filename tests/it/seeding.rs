//! A world per test through the API (issue 30, item 2): `POST /_fake/reset` with a seed in its
//! body makes the world exactly that seed; a seed with problems is a 400 naming each with its
//! place, and changes nothing. Over real HTTP on loopback.

use enswitch_fake::FakeServer;

use crate::support::{Fake, send};

/// A world of its own: one customer under a system owner, one user, one group.
const SEED: &str = "\
system_currency: EUR
customers:
  - {id: 1, name: Top, rate_plan: 1}
  - {id: 7, name: Mine, parent: 1, rate_plan: 1}
rate_plans:
  - {id: 1, name: Only, customer: 1, privileges: [cards]}
roles:
  - {name: full, privileges: {cards: full, user: full}}
users:
  - {id: 9, username: alice, password: alice-pw, customer: 7, role: full}
sounds:
  - {id: 31, name: Hello, customer: 7}
card_groups:
  - id: 500
    customer: 7
    fields: {name: Alice cards, plan: 1, card_length: 8}
    prompts: {balance: {sound: 31}}
";

fn post_seed(fake: &Fake, path: &str, content_type: &str, body: &str) -> crate::support::Reply {
    fake.post(path, Some(content_type), body)
}

/// `/_fake/state` at `path` (the root's or a namespace's).
fn state(fake_addr: std::net::SocketAddr, path: &str) -> serde_json::Value {
    let reply = send(
        fake_addr,
        &format!("GET {path} HTTP/1.1\r\nHost: fake\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

#[test]
fn a_posted_seed_makes_the_namespace_exactly_that_world() {
    let fake = Fake::start();
    // Something in the namespace before: it must be gone after.
    fake.get(
        "/_ns/t1/api/json/cards/batches/create/?auth_username=user;auth_password=password;\
         cardgroup=123;batch_name=before",
    );
    let reset = post_seed(&fake, "/_ns/t1/_fake/reset", "application/yaml", SEED);
    assert_eq!(reset.status, 200, "{}", reset.body);
    assert_eq!(reset.json()["status"], "reset");

    // The same world as a server started with the seed as its file: every object read back.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seed.yaml");
    std::fs::write(&file, SEED).unwrap();
    let seeded = FakeServer::builder().seed_file(&file).start().unwrap();
    assert_eq!(
        state(fake.addr(), "/_ns/t1/_fake/state"),
        state(seeded.addr(), "/_fake/state")
    );

    // And through the API: the new user sees the new group, the seed's old user is unknown.
    let group = fake.get(
        "/_ns/t1/api/json/cards/groups/get/?auth_username=alice;auth_password=alice-pw;id=500",
    );
    assert_eq!(group.code(), "200", "{}", group.body);
    assert_eq!(group.data()["name"], "Alice cards");
    assert_eq!(group.data()["card_length"], 8);
    let old = fake
        .get("/_ns/t1/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123");
    assert_eq!(old.code(), "401", "{}", old.body);
    // Other worlds are untouched.
    let root = fake.call("cards/groups/get", "user", "id=123");
    assert_eq!(root.code(), "200", "{}", root.body);

    // A plain reset goes back to the server's own seed.
    assert_eq!(fake.post("/_ns/t1/_fake/reset", None, "").status, 200);
    let back = fake
        .get("/_ns/t1/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123");
    assert_eq!(back.code(), "200", "{}", back.body);
}

#[test]
fn a_seed_may_be_json() {
    let fake = Fake::start();
    let yaml: serde_json::Value = serde_saphyr::from_str(SEED).unwrap();
    let json = serde_json::to_string(&yaml).unwrap();
    let reset = post_seed(
        &fake,
        "/_ns/j/_fake/reset",
        "application/json; charset=utf-8",
        &json,
    );
    assert_eq!(reset.status, 200, "{}", reset.body);
    let group = fake
        .get("/_ns/j/api/json/cards/groups/get/?auth_username=alice;auth_password=alice-pw;id=500");
    assert_eq!(group.code(), "200", "{}", group.body);
}

#[test]
fn a_seed_with_problems_is_a_400_naming_each_and_changes_nothing() {
    let fake = Fake::start();
    fake.get(
        "/_ns/t2/api/json/cards/batches/create/?auth_username=user;auth_password=password;\
         cardgroup=123;batch_name=kept",
    );
    let before = state(fake.addr(), "/_ns/t2/_fake/state");

    // A syntax error: its line and column.
    let broken = post_seed(
        &fake,
        "/_ns/t2/_fake/reset",
        "application/yaml",
        "users: [\n  {id: 1,\n",
    );
    assert_eq!(broken.status, 400, "{}", broken.body);
    let problems = broken.json()["problems"].clone();
    assert!(
        problems[0].as_str().unwrap().starts_with("seed:"),
        "{problems}"
    );
    // A seed that refers to what it does not have: the field's path.
    let dangling = SEED.replace("customer: 7, role: full", "customer: 70, role: full");
    let refused = post_seed(&fake, "/_ns/t2/_fake/reset", "application/yaml", &dangling);
    assert_eq!(refused.status, 400, "{}", refused.body);
    let said = refused.json()["problems"].to_string();
    assert!(said.contains("users[0]"), "{said}");
    assert!(said.contains("70"), "{said}");
    assert!(
        refused.json()["error"]
            .as_str()
            .unwrap()
            .ends_with("the world is as it was")
    );

    // A body of another type.
    let form = post_seed(
        &fake,
        "/_ns/t2/_fake/reset",
        "application/x-www-form-urlencoded",
        "a=b",
    );
    assert_eq!(form.status, 415, "{}", form.body);

    assert_eq!(state(fake.addr(), "/_ns/t2/_fake/state"), before);
}
