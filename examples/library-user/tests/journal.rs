//! A client's test against the fake, with the few names the crate root gives: start it, add a
//! fault, send a request as the client would, and assert on what the fake received.

use std::io::{Read as _, Write as _};

use enswitch_fake::{FakeServer, Fault};

/// One request over HTTP, as a client sends it; the answer's body.
fn get(fake: &FakeServer, path_and_query: &str) -> String {
    let mut client = std::net::TcpStream::connect(fake.addr()).unwrap();
    write!(
        client,
        "GET {path_and_query} HTTP/1.1\r\nHost: fake\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    client.read_to_string(&mut answer).unwrap();
    answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap()
}

#[test]
fn a_fault_fires_once_and_the_journal_says_what_the_client_sent() {
    let fake = FakeServer::start().unwrap();
    fake.add_fault(Fault::error("cards/groups/update", "500").times(1))
        .unwrap();
    let path = "/api/json/cards/groups/update/?auth_username=user;auth_password=password;\
                id=123;name=renamed";
    assert_eq!(
        get(&fake, path),
        r#"{"responses":[{"code":"500","key":"","message":"Fault injected."}]}"#
    );
    assert_eq!(
        get(&fake, path),
        r#"{"responses":[{"code":"204","key":"","message":"OK"}]}"#
    );
    let sent = fake.received().function("cards/groups/update").entries();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].code, "500");
    assert_eq!(sent[1].params.get("name"), Some("renamed"));
    assert_eq!(sent[1].params.get("auth_password"), Some("[redacted]"));
}

#[test]
fn a_world_per_test_sees_nothing_of_another() {
    let fake = FakeServer::builder().rng_seed(7).start().unwrap();
    let create = "/api/json/cards/batches/create/?auth_username=user;auth_password=password;\
                  cardgroup=123;batch_name=mine";
    assert!(get(&fake, &format!("/_ns/one{create}")).contains(r#""code":"200""#));
    assert_eq!(fake.received().namespace("one").count(), 1);
    assert_eq!(fake.received().namespace("two").count(), 0);
    assert_eq!(fake.received().count(), 0, "the default world saw none");
    assert_eq!(fake.received().every_world().count(), 1);
}
