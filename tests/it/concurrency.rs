//! Many clients at once over loopback: nothing is lost, doubled or torn; and SIGTERM lets the
//! requests in flight finish before the process exits.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use crate::support::{Fake, spawn};

const CLIENTS: usize = 32;
const CALLS: usize = 200;

/// What one client did: the batches it was answered (id, cards asked for), and the index of its
/// last update of group 123.
#[derive(Debug, Default)]
struct Done {
    batches: Vec<(u64, u64)>,
    last_update: Option<usize>,
}

/// The three fields one update sets, all derived from (client, call), so a group whose fields
/// come from different updates is visible.
fn update_fields(client: usize, call: usize) -> (String, String, String) {
    (
        format!("c{client}-{call}"),
        format!("written by client {client} in call {call}"),
        format!("{client}.{call:03}"),
    )
}

fn client(base: &str, client: usize) -> Done {
    let agent = ureq::Agent::new_with_defaults();
    let auth = "auth_username=user;auth_password=password";
    let mut done = Done::default();
    for call in 0..CALLS {
        let (query, cards) = match call % 4 {
            0 => {
                let number = 1 + (client + call) as u64 % 5;
                (
                    format!(
                        "cards/batches/create/?{auth};cardgroup=123;batch_name=r{client}-{call};number={number}"
                    ),
                    Some(number),
                )
            }
            1 => {
                let number = 1 + (client + call) as u64 % 3;
                (
                    format!(
                        "cards/batches/create/?{auth};cardgroup=125;batch_name=s{client}-{call};number={number}"
                    ),
                    Some(number),
                )
            }
            _ => {
                let (name, description, balance) = update_fields(client, call);
                (
                    format!(
                        "cards/groups/update/?{auth};id=123;name={name};description={};balance={balance}",
                        description.replace(' ', "+")
                    ),
                    None,
                )
            }
        };
        let body = agent
            .get(&format!("{base}{query}"))
            .call()
            .unwrap_or_else(|e| panic!("client {client} call {call}: {e}"))
            .body_mut()
            .read_to_string()
            .unwrap();
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        let code = answer["responses"][0]["code"].as_str().unwrap_or_default();
        match cards {
            Some(number) => {
                assert_eq!(code, "200", "client {client} call {call}: {body}");
                let id = answer["data"]["id"].as_u64().expect("a batch id");
                done.batches.push((id, number));
            }
            None => {
                assert_eq!(code, "204", "client {client} call {call}: {body}");
                done.last_update = Some(call);
            }
        }
    }
    done
}

#[test]
fn thirty_two_clients_lose_double_and_tear_nothing() {
    let fake = Fake::start();
    let base = format!("http://{}/api/json/", fake.addr());
    let seeded: serde_json::Value = serde_json::from_str(&fake.state()).unwrap();
    let seeded_batches = seeded["batches"].as_object().unwrap().len();
    let seeded_cards = seeded["cards"].as_array().unwrap().len();

    let done: Vec<Done> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let base = base.as_str();
                scope.spawn(move || client(base, i))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let state: serde_json::Value = serde_json::from_str(&fake.state()).unwrap();
    let answered: Vec<(u64, u64)> = done.iter().flat_map(|d| d.batches.clone()).collect();
    assert_eq!(answered.len(), CLIENTS * CALLS / 2);

    // Every batch id answered once, and each batch holds what was asked of it.
    let ids: BTreeSet<u64> = answered.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), answered.len(), "a batch id was answered twice");
    let batches = state["batches"].as_object().unwrap();
    assert_eq!(batches.len(), seeded_batches + answered.len());
    for (id, number) in &answered {
        let batch = &batches[&id.to_string()];
        assert_eq!(
            batch["cards"].as_u64(),
            Some(*number),
            "batch {id}: {batch}"
        );
    }

    // The cards are exactly those answered, every number unique.
    let cards = state["cards"].as_array().unwrap();
    let asked: u64 = answered.iter().map(|(_, n)| n).sum();
    assert_eq!(cards.len() as u64, seeded_cards as u64 + asked);
    let numbers: BTreeSet<&str> = cards.iter().map(|c| c["card"].as_str().unwrap()).collect();
    assert_eq!(numbers.len(), cards.len(), "a card number was given twice");
    let mut per_batch: BTreeMap<u64, u64> = BTreeMap::new();
    for card in cards {
        *per_batch
            .entry(card["batch"].as_u64().unwrap())
            .or_default() += 1;
    }
    for (id, number) in &answered {
        assert_eq!(per_batch.get(id), Some(number), "cards of batch {id}");
    }

    // Group 123 is some client's last update, whole: a serial order of the updates ends so.
    let fields = &state["card_groups"]["123"]["fields"];
    let name = fields["name"].as_str().unwrap();
    let (client, call) = name
        .strip_prefix('c')
        .and_then(|n| n.split_once('-'))
        .map(|(c, k)| (c.parse::<usize>().unwrap(), k.parse::<usize>().unwrap()))
        .unwrap_or_else(|| panic!("group 123 is named {name:?}"));
    let (_, description, balance) = update_fields(client, call);
    assert_eq!(fields["description"].as_str(), Some(description.as_str()));
    assert_eq!(fields["balance"].as_str(), Some(balance.as_str()));
    assert_eq!(
        done[client].last_update,
        Some(call),
        "the group holds an update that client {client} later overwrote"
    );
}

#[test]
fn sigterm_lets_requests_in_flight_finish_then_exits_0() {
    const IN_FLIGHT: usize = 8;
    let (child, addr) = spawn(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--fault",
        r#"{"function":"cards/batches/create","action":{"delay":{"ms":3000}}}"#,
    ]);
    let clients: Vec<_> = (0..IN_FLIGHT)
        .map(|i| {
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(20)))
                    .unwrap();
                let request = format!(
                    "GET /api/json/cards/batches/create/?auth_username=user;auth_password=password;cardgroup=123;batch_name=f{i};number=1 HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"
                );
                stream.write_all(request.as_bytes()).unwrap();
                let mut answer = String::new();
                stream.read_to_string(&mut answer).unwrap();
                answer
            })
        })
        .collect();
    // Every request has acted (the journal has it) and is waiting out its delay when the signal
    // arrives.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let journal = crate::support::send(
            addr,
            "GET /_fake/requests HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n",
        )
        .json();
        if journal["count"] == IN_FLIGHT {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{journal}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // While those drain, the listener closes to newcomers.
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while TcpStream::connect(addr).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "new connections were still accepted 2 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    for (i, client) in clients.into_iter().enumerate() {
        let answer = client.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "client {i}: {answer:?}");
        assert!(answer.contains(r#""code":"200""#), "client {i}: {answer:?}");
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}
