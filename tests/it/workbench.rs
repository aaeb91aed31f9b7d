//! The fake as a test workbench: namespaces, faults, the journal, persistence, recording.

use std::thread;

use crate::support::{Fake, password};

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
                    serde_json::json!({"id": 1}),
                    "ids start at 1 in every namespace"
                );

                let group = call_in(fake, &ns, "cards/groups/get", "user", "id=123").data();
                assert_eq!(group["name"], format!("group of client {i}"));
                let cards = call_in(fake, &ns, "cards/list", "user", "cardgroup=123").data();
                let cards = cards.as_array().unwrap();
                assert_eq!(cards.len(), i + 1);
                assert!(
                    cards
                        .iter()
                        .all(|c| c["card"].as_str().unwrap().len() == length)
                );
                let batches = call_in(fake, &ns, "cards/batches/list", "user", "").data();
                assert_eq!(batches.as_array().unwrap().len(), 1);
                assert_eq!(batches[0]["name"], format!("b{i}"));
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
