//! Issue 13: an OK means the change is kept. Eight clients write into a `serve --state` while it
//! is killed (SIGKILL, or SIGTERM) at ten moments drawn from a fixed seed and restarted each time
//! on the same file; afterwards every write that was answered OK is there, and no batch id or
//! card number was ever handed out twice. Over loopback, bounded in rounds and time.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{Reply, spawn, terminate, try_send};

const CLIENTS: usize = 8;
const ROUNDS: usize = 10;
const AUTH: &str = "auth_username=user;auth_password=password";

/// What one client was told OK, in its own namespace.
#[derive(Debug, Default)]
struct Told {
    /// Batch id → its name, for every creation answered 200.
    batches: BTreeMap<u64, String>,
    /// The last description an update was answered 204 for, and those tried after it (which
    /// may or may not have been kept: the server went before it answered).
    description: Option<String>,
    tried_after: Vec<String>,
}

/// A server killed mid-request gives no answer: that write is one the client never saw OK.
fn get(addr: SocketAddr, path: &str) -> Option<Reply> {
    try_send(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n"),
    )
}

/// One client's writes until `stop`: batch creations and group updates, alternately.
fn client(addr: SocketAddr, index: usize, round: usize, stop: &AtomicBool, told: &Mutex<Told>) {
    let base = format!("/_ns/c{index}/api/json");
    for n in 0.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let name = format!("r{round}-n{n}");
        if n % 2 == 0 {
            let path = format!(
                "{base}/cards/batches/create/?{AUTH};cardgroup=123;batch_name={name};number=3"
            );
            let Some(reply) = get(addr, &path) else {
                return;
            };
            if reply.status == 200 && reply.code() == "200" {
                let id = reply.data()["id"].as_u64().expect("a batch id");
                let mut told = told.lock().unwrap();
                assert!(
                    told.batches.insert(id, name).is_none(),
                    "batch id {id} twice"
                );
            }
        } else {
            told.lock().unwrap().tried_after.push(name.clone());
            let path = format!("{base}/cards/groups/update/?{AUTH};id=123;description={name}");
            let Some(reply) = get(addr, &path) else {
                return;
            };
            if reply.status == 200 && reply.code() == "204" {
                let mut told = told.lock().unwrap();
                told.description = Some(name);
                told.tried_after.clear();
            }
        }
    }
}

/// Checks that the server at `addr` holds everything `told` says was answered OK, and that no
/// card number is used twice in any world.
fn check_kept(addr: SocketAddr, told: &[Mutex<Told>]) -> usize {
    let mut checked = 0;
    for (index, told) in told.iter().enumerate() {
        let told = told.lock().unwrap();
        let base = format!("/_ns/c{index}/api/json");
        let listed = get(addr, &format!("{base}/cards/batches/list/?{AUTH}")).expect("a list");
        let kept: BTreeMap<u64, String> = listed
            .data()
            .as_array()
            .expect("batches")
            .iter()
            .map(|b| {
                (
                    b["id"].as_u64().unwrap(),
                    b["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for (id, name) in &told.batches {
            assert_eq!(
                kept.get(id),
                Some(name),
                "client {index}: batch {id} answered OK, lost"
            );
            checked += 1;
        }
        let cards = get(addr, &format!("{base}/cards/list/?{AUTH};cardgroup=123")).expect("cards");
        let numbers: Vec<String> = cards
            .data()
            .as_array()
            .expect("cards")
            .iter()
            .map(|c| c["card"].as_str().unwrap().to_owned())
            .collect();
        let distinct: BTreeSet<&String> = numbers.iter().collect();
        assert_eq!(
            distinct.len(),
            numbers.len(),
            "client {index}: a card number twice"
        );
        assert_eq!(
            numbers.len(),
            3 * kept.len(),
            "client {index}: every batch has its cards"
        );
        if let Some(description) = &told.description {
            let group = get(addr, &format!("{base}/cards/groups/get/?{AUTH};id=123")).expect("get");
            let now = group.data()["description"].as_str().unwrap().to_owned();
            assert!(
                &now == description || told.tried_after.contains(&now),
                "client {index}: description {now:?}, told OK for {description:?}"
            );
            checked += 1;
        }
    }
    checked
}

/// SplitMix64, for the moments of the kills: fixed seed, the same rounds every run.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn rounds_of(kill: &str, seed: u64) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.db");
    let file = file.to_str().unwrap();
    let told: Arc<Vec<Mutex<Told>>> = Arc::new((0..CLIENTS).map(|_| Mutex::default()).collect());
    let mut rng = seed;
    let started = Instant::now();
    for round in 0..ROUNDS {
        let (mut server, addr) = spawn(&["serve", "--addr", "127.0.0.1:0", "--state", file]);
        if round > 0 {
            check_kept(addr, &told);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|index| {
                let (stop, told) = (Arc::clone(&stop), Arc::clone(&told));
                std::thread::spawn(move || client(addr, index, round, &stop, &told[index]))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50 + next(&mut rng) % 250));
        match kill {
            "KILL" => server.kill().unwrap(),
            _ => terminate(&server),
        }
        server.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        clients.into_iter().for_each(|c| c.join().unwrap());
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "bounded in time"
        );
    }
    let (server, addr) = spawn(&["serve", "--addr", "127.0.0.1:0", "--state", file]);
    let checked = check_kept(addr, &told);
    terminate(&server);
    server.wait_with_output().unwrap();
    let batches: usize = told.iter().map(|t| t.lock().unwrap().batches.len()).sum();
    assert!(
        batches >= ROUNDS,
        "the clients wrote ({batches} batches answered OK)"
    );
    eprintln!(
        "SIG{kill} x {ROUNDS}: {batches} batches answered OK, {checked} writes checked, none lost"
    );
    checked
}

#[test]
fn every_write_answered_ok_survives_ten_sigkills() {
    let checked = rounds_of("KILL", 0x5eed);
    assert!(checked > 0);
}

#[test]
fn every_write_answered_ok_survives_ten_sigterms() {
    let checked = rounds_of("TERM", 0x7e53);
    assert!(checked > 0);
}
