//! The server's limits over loopback: slow clients are cut off, connections over the cap wait,
//! and every limit is a `serve` flag that takes effect.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use enswitch_fake::server::FakeServer;
use enswitch_fake::server::Limits;

use crate::support::{send, spawn};

fn start(limits: Limits) -> FakeServer {
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    FakeServer::builder()
        .addr(addr)
        .limits(limits)
        .start()
        .unwrap()
}

fn health(addr: SocketAddr) -> u16 {
    send(
        addr,
        "GET /_fake/health HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n",
    )
    .status
}

/// Everything the server sends until it closes, or `None` if it is still open after `patience`.
fn read_until_closed(stream: &mut TcpStream, patience: Duration) -> Option<String> {
    stream.set_read_timeout(Some(patience)).unwrap();
    let mut raw = Vec::new();
    match stream.read_to_end(&mut raw) {
        Ok(_) => Some(String::from_utf8_lossy(&raw).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            Some(String::from_utf8_lossy(&raw).into_owned())
        }
        Err(_) => None,
    }
}

#[test]
fn a_client_that_stops_sending_its_headers_is_cut_off() {
    let fake = start(Limits {
        read_timeout: Duration::from_secs(1),
        ..Limits::default()
    });
    let started = Instant::now();
    let mut slow = TcpStream::connect(fake.addr()).unwrap();
    slow.write_all(b"GET /_fake/health HTTP/1.1\r\nHost: f")
        .unwrap();
    // Meanwhile everyone else is served.
    assert_eq!(health(fake.addr()), 200);
    let closed = read_until_closed(&mut slow, Duration::from_secs(10));
    assert!(
        closed.is_some(),
        "the slow connection is still open after 10 s"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "closed before the timeout"
    );
}

#[test]
fn a_body_that_stops_arriving_is_answered_408() {
    let fake = start(Limits {
        read_timeout: Duration::from_secs(1),
        ..Limits::default()
    });
    let mut slow = TcpStream::connect(fake.addr()).unwrap();
    slow.write_all(
        b"POST /api/json/cards/groups/update/ HTTP/1.1\r\nHost: f\r\nContent-Length: 100\r\n\r\nid=123",
    )
    .unwrap();
    let answer =
        read_until_closed(&mut slow, Duration::from_secs(10)).expect("answered within 10 s");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(health(fake.addr()), 200);
}

#[test]
fn over_the_cap_a_newcomer_is_served_and_the_oldest_idle_connection_gives_way() {
    let fake = start(Limits {
        max_connections: 2,
        ..Limits::default()
    });
    let mut first = TcpStream::connect(fake.addr()).unwrap();
    let mut second = TcpStream::connect(fake.addr()).unwrap();
    // Let the server accept both before the third arrives.
    std::thread::sleep(Duration::from_millis(200));
    let mut third = TcpStream::connect(fake.addr()).unwrap();
    third
        .write_all(b"GET /_fake/health HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n")
        .unwrap();
    let answer = read_until_closed(&mut third, Duration::from_secs(10)).expect("served");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(
        read_until_closed(&mut first, Duration::from_secs(10)).as_deref(),
        Some(""),
        "the oldest idle connection was closed for it"
    );
    assert_eq!(
        read_until_closed(&mut second, Duration::from_millis(300)),
        None,
        "the second stays open"
    );
}

#[test]
fn every_limit_is_a_serve_flag_and_the_default_address_is_loopback() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--max-body-bytes",
        "--max-header-bytes",
        "--max-headers",
        "--read-timeout",
        "--max-connections",
        "--admin-token",
        "--no-admin",
        "[default: 127.0.0.1:8080]",
    ] {
        assert!(help.contains(flag), "serve --help lacks {flag}:\n{help}");
    }
}

#[test]
fn the_limit_flags_take_effect() {
    let (mut child, addr) = spawn(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--max-body-bytes",
        "10",
        "--max-headers",
        "5",
    ]);
    let post = |body: &str| {
        send(
            addr,
            &format!(
                "POST /api/json/cards/groups/get/ HTTP/1.1\r\nHost: f\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ),
        )
        .status
    };
    assert_eq!(post("id=1234567"), 200, "10 bytes are within the limit");
    assert_eq!(post("id=12345678"), 413);
    let flood: String = (0..6).map(|i| format!("X-{i}: {i}\r\n")).collect();
    let headers = send(
        addr,
        &format!("GET /_fake/health HTTP/1.1\r\nHost: f\r\nConnection: close\r\n{flood}\r\n"),
    );
    assert_eq!(headers.status, 431);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_limit_out_of_range_is_a_usage_error_naming_the_flag() {
    for (flag, value) in [
        ("--max-connections", "0"),
        ("--read-timeout", "0"),
        ("--max-header-bytes", "10"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
            .args(["serve", flag, value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(flag), "{flag} {value}: {stderr}");
    }
}
