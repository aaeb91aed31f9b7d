//! A world per test through the API (issue 30, item 2): `POST /_fake/reset` with a seed in its
//! body makes the world exactly that seed; a seed with problems is a 400 naming each with its
//! place, and changes nothing; `GET /_fake/seed` writes a world as a seed that loads again.
//! Over real HTTP on loopback.

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

/// A `GET` of `path` with an `Accept` header.
fn get_accepting(fake: &Fake, path: &str, accept: &str) -> crate::support::Reply {
    send(
        fake.addr(),
        &format!(
            "GET {path} HTTP/1.1\r\nHost: fake\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
        ),
    )
}

/// The state of a namespace without its generator, which a reset starts again.
fn world_of(fake: &Fake, namespace: &str) -> serde_json::Value {
    let mut state = state(fake.addr(), &format!("/_ns/{namespace}/_fake/state"));
    state.as_object_mut().unwrap().remove("rng");
    state
}

/// A 44-byte WAV with no samples.
const WAV: &str = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA%2BAAACABAAZGF0YQAAAAA%3D";

#[test]
fn get_seed_writes_a_world_built_by_calls_that_loads_again_byte_for_byte() {
    let fake = Fake::start();
    let call = |function: &str, rest: &str| {
        let reply = fake.get(&format!(
            "/_ns/built/api/json/{function}/?auth_username=user;auth_password=password;{rest}"
        ));
        assert!(reply.code().starts_with('2'), "{function}: {}", reply.body);
        reply
    };
    // Text a YAML writer must quote: quotes, a line break, '#', ': ', DEL, and a non-ASCII letter.
    let made = call(
        "cards/groups/create",
        "name=Made%20%22here%22%0A%23%20not%3A%20a%20comment%7F%C3%A9;plan=2;method=sequential;\
         card_length=10;pin_minimum=6;pin_maximum=6;currency=EUR",
    );
    let group = made.data()["id"].as_i64().unwrap();
    call(
        "cards/groups/update",
        "id=123;warn_time=5;description=changed",
    );
    call(
        "cards/batches/create",
        &format!("cardgroup={group};batch_name=New;number=3;balance=2.50"),
    );
    call(
        "cards/update",
        "card=1234567890;cardgroup=125;serial=s%22%7F;caller=555;balance=1.25;locked=1;pin=654321",
    );
    call("cards/batches/update", "id=123;locked=1;name=Locked");
    call(
        "cards/files/upload",
        &format!("cardgroup=123;file=goodbye;data={WAV}"),
    );
    call("cards/files/delete", "cardgroup=123;file=destination");

    for (accept, copy) in [
        ("application/yaml", "copy-yaml"),
        ("application/json", "copy-json"),
    ] {
        let written = get_accepting(&fake, "/_ns/built/_fake/seed", accept);
        assert_eq!(written.status, 200, "{}", written.body);
        assert!(
            written.header("content-type").unwrap().starts_with(accept),
            "{:?}",
            written.header("content-type")
        );
        // No password leaves, not even as a key.
        for user in [
            "user", "reader", "nocards", "noplan", "other", "reseller", "admin",
        ] {
            let secret = crate::support::password(user);
            assert!(
                !written.body.contains(&format!("\"{secret}\"")),
                "{user}'s password is in the seed"
            );
        }
        assert!(!written.body.contains("password\""), "{}", written.body);
        assert!(!written.body.contains("password:"), "{}", written.body);

        let path = format!("/_ns/{copy}/_fake/reset");
        let reset = post_seed(&fake, &path, accept, &written.body);
        assert_eq!(reset.status, 200, "{accept}: {}", reset.body);
        // Every object read back is the same, and so is the document written again.
        assert_eq!(world_of(&fake, copy), world_of(&fake, "built"), "{accept}");
        let again = get_accepting(&fake, &format!("/_ns/{copy}/_fake/seed"), accept);
        assert_eq!(again.body, written.body, "{accept}");
        // Users kept their passwords, and the moved card's group and the WAV prompt survived.
        let moved = fake.get(&format!(
            "/_ns/{copy}/api/json/cards/list/?auth_username=user;auth_password=password;\
             cardgroup=125"
        ));
        assert_eq!(moved.code(), "200", "{}", moved.body);
        assert!(moved.body.contains("\"1234567890\""), "{}", moved.body);
    }
    let yaml = get_accepting(&fake, "/_ns/built/_fake/seed", "*/*").body;
    assert!(yaml.contains("goodbye: {wav: \"UklGR"), "{yaml}");
    assert!(yaml.contains("\\u007f"), "{yaml}");
}

#[test]
fn a_posted_user_without_a_password_must_be_a_user_of_the_world_it_replaces() {
    let fake = Fake::start();
    let without = SEED.replace("password: alice-pw, ", "");
    let refused = post_seed(&fake, "/_ns/p/_fake/reset", "application/yaml", &without);
    assert_eq!(refused.status, 400, "{}", refused.body);
    let said = refused.json()["problems"].to_string();
    assert!(said.contains("users[0].password: missing"), "{said}");
    assert!(said.contains("alice is not a user"), "{said}");

    // Once alice is a user, a seed without her password keeps the one she has.
    assert_eq!(
        post_seed(&fake, "/_ns/p/_fake/reset", "application/yaml", SEED).status,
        200
    );
    let renamed = without.replace("name: Alice cards", "name: Renamed");
    assert_eq!(
        post_seed(&fake, "/_ns/p/_fake/reset", "application/yaml", &renamed).status,
        200
    );
    let group = fake
        .get("/_ns/p/api/json/cards/groups/get/?auth_username=alice;auth_password=alice-pw;id=500");
    assert_eq!(group.code(), "200", "{}", group.body);
    assert_eq!(group.data()["name"], "Renamed");
}
