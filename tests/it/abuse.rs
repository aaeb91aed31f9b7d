//! Issue 28, "trust under abuse and in the first hour": item by item, a test named after each
//! (each failed on the main it was filed against): bounded memory for every reader, no
//! acknowledged write lost without a word, no secret in any spelling, no misleading result.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use enswitch_fake::fake::ApiRequest;
use enswitch_fake::server::{FakeServer, Limits};

use crate::support::{Fake, send};

fn start(limits: Limits) -> FakeServer {
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    FakeServer::builder()
        .addr(addr)
        .limits(limits)
        .start()
        .unwrap()
}

/// A call whose entry renders large: 60 KiB of a control character, which JSON writes in six
/// bytes each, so some 370 KB an event.
fn big_call(fake: &FakeServer) {
    let value = "%01".repeat(60 * 1024);
    let path = format!(
        "/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123;x={value}"
    );
    fake.workbench().serve(ApiRequest::get(&path));
}

/// Opens a connection and asks for `/_fake/events`, reading nothing; its receive buffer small,
/// so that what the server sends piles up on the server's side, not in this one's kernel.
fn silent_stream(addr: SocketAddr) -> TcpStream {
    use std::os::fd::AsRawFd as _;
    let mut stream = TcpStream::connect(addr).unwrap();
    let size: libc::c_int = 4096;
    // SAFETY: sets an option of a socket this function owns, from a valid c_int.
    let set = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            std::ptr::from_ref(&size).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(set, 0);
    stream
        .write_all(b"GET /_fake/events HTTP/1.1\r\nHost: f\r\n\r\n")
        .unwrap();
    stream
}

/// Item 1: a stream whose client does not read holds one event, not every entry, and ends when
/// promised: its connection is closed by the stream's end and a short grace, whatever is left
/// unsent, so its slot is free again. (On the main it was filed against, each stream buffered
/// every entry and its connection never closed while the client did not read; with the slots
/// all held that way, no newcomer was served.)
#[test]
fn item_01_a_stream_that_is_not_read_ends_when_promised_and_gives_back_its_slot() {
    let fake = start(Limits {
        max_connections: 4,
        connection_lifetime: Duration::from_secs(2),
        shutdown_grace: Duration::from_secs(1),
        ..Limits::default()
    });
    // Four over the cap and the reserve above it: every slot a stream that is never read.
    let streams: Vec<TcpStream> = (0..8).map(|_| silent_stream(fake.addr())).collect();
    std::thread::sleep(Duration::from_millis(300));
    // Some 16 MB of events for each: more than the sockets' buffers take.
    for _ in 0..40 {
        big_call(&fake);
    }
    std::thread::sleep(Duration::from_secs(5));
    let mut newcomer = TcpStream::connect(fake.addr()).unwrap();
    newcomer
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    newcomer
        .write_all(b"GET /_fake/health HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    newcomer
        .read_to_string(&mut answer)
        .expect("a newcomer served once the streams have ended");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    for (i, mut stream) in streams.into_iter().enumerate() {
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut sink = Vec::new();
        match stream.read_to_end(&mut sink) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!(
                "stream {i} open past its end ({} bytes read): {e}",
                sink.len()
            ),
        }
    }
}

/// Item 2: a page of the journal is bounded in bytes whatever `limit` asks, and says with `next`
/// where to read on; the tail of every world likewise. (It was every entry asked for, rendered
/// whole: a gigabyte for one reader.)
#[test]
fn item_02_a_journal_page_is_bounded_in_bytes_and_next_reads_on() {
    let fake = start(Limits::default());
    for _ in 0..20 {
        big_call(&fake);
    }
    let addr = fake.addr();
    let get = |path: &str| {
        send(
            addr,
            &format!("GET {path} HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"),
        )
    };
    let tail = get("/_fake/requests?namespace=*&tail&limit=10000");
    assert_eq!(tail.status, 200);
    assert!(tail.body.len() < 1024 * 1024, "{} bytes", tail.body.len());
    let tail = tail.json();
    assert_eq!(tail["count"], 20);
    let shown = tail["requests"].as_array().unwrap();
    assert!(!shown.is_empty() && shown.len() < 20, "{}", shown.len());
    assert_eq!(shown.last().unwrap()["seq"], 20);

    let mut seen = Vec::new();
    let mut path = "/_fake/requests?limit=10000".to_owned();
    loop {
        let page = get(&path);
        assert!(page.body.len() < 1024 * 1024, "{} bytes", page.body.len());
        let page = page.json();
        seen.extend(
            page["requests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["seq"].as_u64().unwrap()),
        );
        match page["next"].as_u64() {
            Some(next) => path = format!("/_fake/requests?limit=10000&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen, (1..=20).collect::<Vec<u64>>());
}

/// One answer read from a keep-alive connection: its head and body.
fn read_answer(reader: &mut BufReader<TcpStream>) -> Option<(String, String)> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_owned)
        })
        .and_then(|n| n.trim().parse().ok())?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((head.to_ascii_lowercase(), String::from_utf8(body).ok()?))
}

/// Item 12: a connection past its lifetime answers the request its client sends next, says
/// `Connection: close` on that answer, and only then closes; whether it was idle or busy when
/// the lifetime ran out. (It closed while idle, so the request already on its way was never
/// answered, and its last answer did not say it was the last.)
#[test]
fn item_12_the_last_answer_of_a_connection_says_so_and_nothing_sent_is_lost() {
    let fake = start(Limits {
        connection_lifetime: Duration::from_millis(500),
        ..Limits::default()
    });
    let request =
        b"GET /api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123 \
                    HTTP/1.1\r\nHost: f\r\n\r\n";
    let stream = TcpStream::connect(fake.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    writer.write_all(request).unwrap();
    let (head, _) = read_answer(&mut reader).expect("the first answer");
    assert!(!head.contains("connection: close"), "{head}");
    // Idle past the lifetime, then a request: answered, and told it is the last.
    std::thread::sleep(Duration::from_millis(800));
    writer.write_all(request).unwrap();
    let (head, body) = read_answer(&mut reader).expect("the request sent after the lifetime");
    assert!(head.contains("connection: close"), "{head}");
    assert!(body.contains(r#""code":"200""#), "{body}");
    assert!(
        read_answer(&mut reader).is_none(),
        "closed after its last answer"
    );

    // Busy when the lifetime runs out: requests one after another, every one answered, and
    // the one that says close is the last.
    let stream = TcpStream::connect(fake.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let started = Instant::now();
    let mut answered = 0;
    loop {
        assert!(started.elapsed() < Duration::from_secs(10), "never closed");
        writer.write_all(request).unwrap();
        let (head, _) = read_answer(&mut reader).expect("every request answered");
        answered += 1;
        if head.contains("connection: close") {
            break;
        }
    }
    assert!(answered > 1);
    assert!(read_answer(&mut reader).is_none());
}

/// Item 5, in the journal: a proxy that encodes the `;` (or `=` too) makes the whole query one
/// value or one name, the password inside; a client that writes `+` for a space; a path with a
/// query inside. No spelling of the password is kept, shown on a page or streamed.
#[test]
fn item_05_the_journal_keeps_no_password_in_any_spelling() {
    let fake = Fake::start();
    let password = "Pa<ss>&\"1 x;y";
    let form = "Pa%3Css%3E%26%221+x%3By";
    for query in [
        format!("auth_username=user%3Bauth_password%3D{form}%3Bid%3D123"),
        format!("auth_username%3Duser%3Bauth_password%3D{form}%3Bid%3D123"),
        format!("auth_username=user;auth_password={form};id=123"),
        format!("auth_username=user&auth%5Fpassword={form}&id=123"),
    ] {
        fake.get(&format!("/api/json/cards/groups/get/?{query}"));
    }
    fake.get(&format!(
        "/api/json/cards/groups/get%3Fauth_username%3Duser%3Bauth_password%3D{form}"
    ));
    let page = fake.get("/_fake/requests?namespace=*&tail");
    assert_eq!(page.json()["count"], 5);
    for secret in [password, form, "Pa<ss", "Pa%3Css", "x;y", "x%3By"] {
        assert!(!page.body.contains(secret), "{secret} in {}", page.body);
    }
}

/// A `serve` with `--state FILE` on a port of its own, and how to talk to it.
struct StateServer {
    child: std::process::Child,
    addr: SocketAddr,
}

const AUTH: &str = "auth_username=user;auth_password=password";

impl StateServer {
    fn start(file: &std::path::Path) -> StateServer {
        let (child, addr) = crate::support::spawn(&[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--state",
            file.to_str().unwrap(),
        ]);
        StateServer { child, addr }
    }

    fn get(&self, path: &str) -> crate::support::Reply {
        send(
            self.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"),
        )
    }

    fn create_batch(&self, number: u32) -> crate::support::Reply {
        self.get(&format!(
            "/api/json/cards/batches/create/?{AUTH};cardgroup=123;batch_name=b;number={number}"
        ))
    }

    fn health_becomes(&self, status: u16) -> crate::support::Reply {
        crate::support::health_becomes(self.addr, status)
    }

    /// Stops it with SIGTERM: its stderr.
    fn stop(self) -> String {
        crate::support::terminate(&self.child);
        let out = self.child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// Item 3: the state's folder removed under a running server (as a cleaner of temporary
/// folders does), or only its `-wal` file: health turns 503 and says why, writes are answered
/// `500 state` (none answered OK that is not on disk), and stderr says so once. (Writes went on
/// answering OK into files no restart would read.)
#[test]
fn item_03_a_state_file_removed_under_the_server_refuses_writes_and_says_why() {
    for removed in ["the folder", "the -wal file", "the .lock file"] {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("state");
        std::fs::create_dir(&folder).unwrap();
        let file = folder.join("s.db");
        let server = StateServer::start(&file);
        assert_eq!(server.create_batch(2).code(), "200", "{removed}");
        match removed {
            "the folder" => std::fs::remove_dir_all(&folder).unwrap(),
            "the -wal file" => std::fs::remove_file(folder.join("s.db-wal")).unwrap(),
            // A sibling: without its lock, a second server could take the file meanwhile.
            _ => std::fs::remove_file(folder.join("s.db.lock")).unwrap(),
        }
        let refused = server.create_batch(2);
        assert_eq!(
            refused.outcome(),
            "500 state",
            "{removed}: {}",
            refused.body
        );
        let health = server.health_becomes(503);
        let why = health.json()["state"].as_str().unwrap().to_owned();
        assert!(why.contains("removed or replaced"), "{removed}: {why}");
        assert_eq!(server.create_batch(2).outcome(), "500 state", "{removed}");
        let stderr = server.stop();
        assert_eq!(
            stderr.matches("removed or replaced").count(),
            1,
            "{removed}: said once: {stderr}"
        );
    }
}

/// The positions of the table leaf pages (type 13) of a SQLite file, past the first page.
fn table_leaf_pages(file: &[u8]) -> Vec<usize> {
    let size = usize::from(u16::from_be_bytes([file[16], file[17]]));
    (1..file.len() / size)
        .map(|page| page * size)
        .filter(|at| file[*at] == 13 && u16::from_be_bytes([file[at + 3], file[at + 4]]) > 10)
        .collect()
}

/// Item 4: a state file damaged where SQLite does not look at once (a page made to hold fewer
/// rows than it does) is refused at start with exit 2 naming it, instead of loading part of the
/// cards; and a 0-byte file is said to start from the seed. (The damaged file loaded with cards
/// missing, health 200, and no word.)
#[test]
fn item_04_a_damaged_state_file_is_refused_and_an_empty_one_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.db");
    let server = StateServer::start(&file);
    assert_eq!(server.create_batch(2000).code(), "200");
    server.stop();
    let mut bytes = std::fs::read(&file).unwrap();
    let leaves = table_leaf_pages(&bytes);
    assert!(leaves.len() > 4, "{} leaf pages", leaves.len());
    // A page in the middle of the cards now says it holds one row.
    let at = leaves[leaves.len() / 2];
    bytes[at + 3..at + 5].copy_from_slice(&1u16.to_be_bytes());
    std::fs::write(&file, &bytes).unwrap();
    let out = crate::support::run(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--state",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(file.to_str().unwrap()), "{stderr}");
    assert!(stderr.contains("damaged"), "{stderr}");

    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let server = StateServer::start(&empty);
    assert_eq!(server.health_becomes(200).status, 200);
    let stderr = server.stop();
    assert!(stderr.contains("was empty (0 bytes)"), "{stderr}");
}

/// The password of item 5's config: a space, `+`, `&`, `;`, `%`, quotes, `<` and a letter
/// beyond ASCII.
const PASSWORD: &str = "Pa<ss>&\"1 x;y+%é'";

/// Every way `PASSWORD`, or the start of it, could be written into a report: as typed, as a
/// form or the runner encodes it, escaped for JSON or HTML, cut short.
fn spellings_of_the_password() -> Vec<String> {
    let form: String = PASSWORD
        .bytes()
        .map(|b| match b {
            b' ' => "+".to_owned(),
            b if b.is_ascii_alphanumeric() => char::from(b).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect();
    vec![
        PASSWORD.to_owned(),
        form,
        "Pa<ss".to_owned(),
        "Pa%3Css".to_owned(),
        "Pa%253Css".to_owned(),
        "Pa\\u003css".to_owned(),
        "Pa&lt;ss".to_owned(),
        "x;y+%".to_owned(),
    ]
}

/// How item 5's pretend target gives a request back.
#[derive(Clone, Copy, Debug)]
enum Echo {
    /// The query decoded, whole, in the envelope's message.
    Whole,
    /// The query as sent, cut in the middle of the password.
    Cut,
    /// The query encoded once more, as a proxy in front of the target would pass it on.
    Reencoded,
    /// The query as sent, cut, in an HTML error page.
    Page,
}

/// A target on loopback that answers the probe and the credentials as Enswitch does, then
/// answers every call with the request given back as `how` says.
fn echoing_target(how: Echo) -> SocketAddr {
    crate::support::pretend_target(move |request| {
        let head = request.lines().next().unwrap_or_default();
        if let Some(answer) = crate::support::as_enswitch_before_a_run(head) {
            return Some(answer);
        }
        let query = head
            .split_once('?')
            .map(|(_, rest)| rest.rsplit_once(' ').map_or(rest, |(q, _)| q))
            .unwrap_or_default();
        let envelope = |message: &str| {
            serde_json::json!({"responses": [{"code": "400", "key": "", "message": message}]})
                .to_string()
        };
        let cut = |text: &str| {
            let at = text.find("auth_password=").map_or(text.len(), |at| at + 19);
            text[..at.min(text.len())].to_owned()
        };
        Some(match how {
            Echo::Whole => {
                let decoded: Vec<String> = enswitch_fake::fake::RawParams::parse(query, None)
                    .pairs()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect();
                ("200 OK", envelope(&format!("bad: {}", decoded.join(";"))))
            }
            Echo::Cut => ("200 OK", envelope(&format!("bad: {}", cut(query)))),
            Echo::Reencoded => {
                let again: String = query
                    .bytes()
                    .map(|b| match b {
                        b if b.is_ascii_alphanumeric() || b == b'_' => char::from(b).to_string(),
                        b => format!("%{b:02X}"),
                    })
                    .collect();
                ("200 OK", envelope(&format!("bad: {again}")))
            }
            Echo::Page => ("500 Oops", format!("<pre>{}</pre>", cut(query))),
        })
    })
}

/// A config whose full and read-only users log in with `password`, and every resource.
fn config_with_password(dir: &std::path::Path, password: &str) -> String {
    let file = dir.join("target.yaml");
    let quoted = serde_json::to_string(password).unwrap();
    std::fs::write(
        &file,
        format!(
            "principals:\n  full: {{username: user, password: {quoted}}}\n  read_only: {{username: reader, password: {quoted}}}\n\
             resources: {{group: 123, foreign_group: 124, missing_group: 9, plan: 2, foreign_plan: 4, customer: 10, foreign_customer: 11}}\nreset: none\n"
        ),
    )
    .unwrap();
    file.to_str().unwrap().to_owned()
}

/// Item 5, in the runner and the recorder: a target that echoes the request whole (a form's
/// `+` for the space), cut in the middle of the password, encoded again, or in an error page
/// leaves no spelling of the password in any report (human, JSON lines, JUnit, HTML), error,
/// snapshot or recorded case. (A cut echo put `auth_password=Pa<ss>&"` into every report, and a
/// `+`-encoded password went whole into a recorded snapshot.)
#[test]
fn item_05_no_password_in_any_report_or_recording_whatever_the_target_echoes() {
    let (dir, fixtures) = crate::conformance::fixtures_copy();
    let config = config_with_password(dir.path(), PASSWORD);
    let mut seen = String::new();
    for how in [Echo::Whole, Echo::Cut, Echo::Reencoded, Echo::Page] {
        let target = format!("http://{}/api/json/", echoing_target(how));
        let formats = ["human", "json", "junit", "html"];
        for (code, written) in
            crate::conformance::every_report(&target, &config, dir.path(), &formats)
        {
            assert_eq!(code, Some(1), "{how:?}: {written}");
            seen += &written;
        }
    }
    assert!(
        seen.contains("auth_password=[redacted]"),
        "the echo was scrubbed, not lost"
    );
    for spelling in spellings_of_the_password() {
        assert!(!seen.contains(&spelling), "{spelling} in a report");
    }
    for file in crate::support::files_under(&fixtures) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for spelling in spellings_of_the_password() {
            assert!(
                !text.contains(&spelling),
                "{spelling} in {}",
                file.display()
            );
        }
    }

    let out_dir = dir.path().join("recorded");
    let upstream = format!("http://{}/api/json/", echoing_target(Echo::Whole));
    let (recorder, addr) = crate::support::spawn(&[
        "record",
        "--upstream",
        &upstream,
        "--config",
        &config,
        "--listen",
        "127.0.0.1:0",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let form = &spellings_of_the_password()[1];
    for query in [
        format!("auth_username=user&auth_password={form}&id=123&name=x"),
        format!("auth_username=user%3Bauth_password%3D{form}%3Bid%3D123"),
    ] {
        send(
            addr,
            &format!(
                "GET /api/json/cards/groups/update/?{query} HTTP/1.1\r\nHost: r\r\nConnection: close\r\n\r\n"
            ),
        );
    }
    crate::support::terminate(&recorder);
    let recorded = recorder.wait_with_output().unwrap();
    let mut written = String::from_utf8_lossy(&recorded.stdout).into_owned();
    written += &String::from_utf8_lossy(&recorded.stderr);
    let files = crate::support::files_under(&out_dir);
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("recorded-0001"))
    );
    for file in files {
        written += &std::fs::read_to_string(&file).unwrap();
    }
    for spelling in spellings_of_the_password() {
        assert!(!written.contains(&spelling), "{spelling} recorded");
    }
}

/// Item 6: an implementation that writes codes as JSON numbers (a common defect) is run and
/// reported case by case, exit 1, instead of being refused before the run as not the API.
#[test]
fn item_06_numeric_codes_are_reported_case_by_case_not_refused() {
    let config = enswitch_fake::workbench::Config {
        fake: enswitch_fake::fake::Settings {
            mutant: Some(enswitch_fake::fake::Mutant::CodeAsNumber),
            ..enswitch_fake::fake::Settings::default()
        },
        ..enswitch_fake::workbench::Config::default()
    };
    let target = Fake::with(config, enswitch_fake::fake::DEFAULT_RNG_SEED);
    let dir = tempfile::tempdir().unwrap();
    let out = crate::conformance::check(
        &[
            "--target",
            &format!("http://{}/api/json/", target.addr()),
            "--fixtures",
            crate::conformance::fixtures_dir().to_str().unwrap(),
            "--update",
            "no",
            "--filter",
            "cards/groups/update/",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("(not a string)"), "{stdout}");
    assert!(stdout.matches("\nFAILED ").count() > 5, "{stdout}");

    // A sibling: an envelope without a code at all is the API too, and is reported so.
    let codeless = crate::support::pretend_target(|request| {
        let head = request.lines().next().unwrap_or_default();
        if head.contains("/cards/groups/get/?") && !head.contains(";id=") {
            return crate::support::as_enswitch_before_a_run(head);
        }
        Some(("200 OK", r#"{"responses":[{"message":"?"}]}"#.to_owned()))
    });
    let out = crate::conformance::check(
        &[
            "--target",
            &format!("http://{codeless}/api/json/"),
            "--fixtures",
            crate::conformance::fixtures_dir().to_str().unwrap(),
            "--update",
            "no",
            "--filter",
            "cards/groups/update/missing/",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("(missing)"), "{stdout}");
}

/// Item 8: a password the target refuses stops `check`, `learn` and `record` before they start
/// (exit 2), naming the principal and the user and never the password; `learn` writes nothing.
/// (`check` ran every case into a 401 diff; `learn` exited 0 and wrote its spec.)
#[test]
fn item_08_refused_credentials_stop_check_learn_and_record_naming_the_user() {
    let fake = Fake::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("target.yaml");
    std::fs::write(
        &file,
        "principals:\n  full: {username: user, password: password}\n  read_only: {username: reader, password: n0t-its-password}\nreset: control_plane\n",
    )
    .unwrap();
    let url = format!("http://{}/api/json/", fake.addr());
    let out_dir = dir.path().join("observed");
    let runs: [Vec<&str>; 4] = [
        vec![
            "check",
            "--target",
            &url,
            "--config",
            file.to_str().unwrap(),
        ],
        vec![
            "check",
            "--target",
            &url,
            "--config",
            file.to_str().unwrap(),
            "--auth",
            "token",
        ],
        vec![
            "learn",
            "--target",
            &url,
            "--config",
            file.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
        vec![
            "record",
            "--upstream",
            &url,
            "--config",
            file.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--out",
            out_dir.to_str().unwrap(),
        ],
    ];
    for args in runs {
        let out = crate::support::command()
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("principal read_only"), "{args:?}: {stderr}");
        assert!(stderr.contains("\"reader\""), "{args:?}: {stderr}");
        assert!(
            stderr.contains(file.to_str().unwrap()),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("n0t-its"), "{args:?}: {stderr}");
    }
    assert!(
        !out_dir.join("learned.jsonl").exists(),
        "learn wrote its findings"
    );
}

/// Item 9: Ctrl-C during `check` stops it after the case in progress: the report file is whole
/// (JUnit that parses), the cases that ran are in it and the rest skipped as not run, it says
/// the run was interrupted, and the exit code is 130. (The process died by the signal, leaving
/// a JUnit file of 0 bytes.)
#[test]
fn item_09_an_interrupted_check_leaves_a_whole_report_and_exits_130() {
    let fake = Fake::start();
    let delay = enswitch_fake::workbench::FaultSpec::from_json(
        r#"{"function": "*", "action": {"delay": {"ms": 40}}}"#,
    )
    .unwrap();
    let added = crate::support::send(
        fake.addr(),
        &format!(
            "POST /_fake/faults HTTP/1.1\r\nHost: f\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
            serde_json::to_string(&delay).unwrap().len(),
            serde_json::to_string(&delay).unwrap()
        ),
    );
    assert_eq!(added.status, 200, "{}", added.body);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("int.xml");
    std::fs::write(&report, "<the last whole report/>").unwrap();
    let mut child = crate::support::command()
        .args([
            "check",
            "--target",
            &format!("http://{}/api/json/", fake.addr()),
            "--fixtures",
            crate::conformance::fixtures_dir().to_str().unwrap(),
            "--update",
            "no",
            "--format",
            "junit",
            "--output",
            report.to_str().unwrap(),
        ])
        .current_dir(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Until some cases have run: the delay has fired for their calls.
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.get("/_fake/faults").json()["faults"][0]["fired"]
        .as_u64()
        .unwrap()
        < 40
    {
        assert!(Instant::now() < deadline, "the run never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        "<the last whole report/>",
        "untouched while the run goes"
    );
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let xml = std::fs::read_to_string(&report).unwrap();
    let document = roxmltree::Document::parse(&xml).expect("a whole JUnit file");
    let cases: Vec<_> = document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let not_run = cases
        .iter()
        .filter(|c| {
            c.children().any(|s| {
                s.has_tag_name("skipped")
                    && s.attribute("message") == Some("not run: the run was interrupted")
            })
        })
        .count();
    assert!(
        not_run > 0 && not_run < cases.len(),
        "{not_run} of {}",
        cases.len()
    );
    assert!(xml.contains(r#"name="interrupted""#));
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 1, "only the report, no partial file");
}

/// Item 10: `check --target` against a running fake runs in a namespace of its own, says so,
/// and drops it after: the default world a developer built by hand (five batches), and its
/// journal, are as they were. (The run reset the default world to the seed.)
#[test]
fn item_10_check_against_a_running_fake_leaves_its_default_world_alone() {
    let fake = Fake::start();
    for _ in 0..5 {
        let made = fake.call(
            "cards/batches/create",
            "user",
            "cardgroup=123;batch_name=mine;number=1",
        );
        assert_eq!(made.code(), "200");
    }
    let batches = |fake: &Fake| fake.get("/_fake/batches").json()["total"].as_u64().unwrap();
    let before = batches(&fake);
    let dir = tempfile::tempdir().unwrap();
    let out = crate::conformance::check(
        &[
            "--target",
            &format!("http://{}/api/json/", fake.addr()),
            "--fixtures",
            crate::conformance::fixtures_dir().to_str().unwrap(),
            "--update",
            "no",
            "--filter",
            "cards/batches/create/",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(batches(&fake), before, "the hand-made world is kept");
    assert_eq!(
        fake.get("/_fake/requests").json()["count"],
        5,
        "and its journal"
    );
    assert_eq!(
        fake.get("/_fake/ns").json()["namespaces"],
        serde_json::json!([]),
        "the run's namespace is dropped"
    );
    let junit = dir.path().join("report.xml");
    let html = crate::conformance::check(
        &[
            "--target",
            &format!("http://{}/api/json/", fake.addr()),
            "--filter",
            "cards/batches/create/ok",
            "--update",
            "no",
            "--format",
            "html",
            "--output",
            junit.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(html.status.code(), Some(0), "{html:?}");
    let page = std::fs::read_to_string(&junit).unwrap();
    assert!(
        page.contains("in namespace check-"),
        "the report says where it ran"
    );
}

/// Item 11: a run that skips a fifth of its cases or more says so in its last line, with the
/// reasons; the README's example config skips none.
#[test]
fn item_11_a_run_that_skips_much_says_so_in_its_last_line() {
    let fake = Fake::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("target.yaml");
    std::fs::write(
        &file,
        "principals:\n  full: {username: user, password: password}\nresources: {group: 123}\nreset: control_plane\n",
    )
    .unwrap();
    let out = crate::conformance::check(
        &[
            "--target",
            &format!("http://{}/api/json/", fake.addr()),
            "--config",
            file.to_str().unwrap(),
            "--fixtures",
            crate::conformance::fixtures_dir().to_str().unwrap(),
            "--update",
            "no",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("WARNING: "), "{last}");
    assert!(last.contains("were skipped"), "{last}");
    assert!(last.contains("the config"), "{last}");
}

/// Item 7: a harness that reads `serve`'s first line and closes the pipe (or `serve | head -3`)
/// still gets answers: the request log goes quiet, stderr says so once, and a SIGTERM still
/// ends the server cleanly. (It died with "--addr: announcing the address: Broken pipe".)
#[test]
fn item_07_a_closed_stdout_quiets_the_log_and_serving_goes_on() {
    for lines_read in [1, 3] {
        let mut child = crate::support::command()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let addr: SocketAddr = first
            .trim()
            .strip_prefix("listening on http://")
            .unwrap()
            .parse()
            .unwrap();
        for _ in 1..lines_read {
            stdout.read_line(&mut String::new()).unwrap();
        }
        drop(stdout);
        for i in 0..50 {
            let reply = send(
                addr,
                &format!(
                    "GET /api/json/cards/groups/update/?{AUTH};id=123;name=n{i} HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"
                ),
            );
            assert_eq!(
                reply.code(),
                "204",
                "call {i} after {lines_read} line(s) read"
            );
            // Past the log writer's flush, so that it meets the closed pipe while serving.
            if i == 0 {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        crate::support::terminate(&child);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert_eq!(
            stderr.matches("the request log goes nowhere").count(),
            1,
            "said once: {stderr}"
        );
        assert!(!stderr.contains("--addr"), "{stderr}");
    }
}

/// Item 13: with `--log-format json` every line on stdout is one JSON object, the first one
/// saying where the server listens (`"event": "listening"`, `"url"`), so a log pipeline that
/// reads JSON lines reads all of it. (The human banner came first.)
#[test]
fn item_13_in_json_mode_every_stdout_line_is_json_the_first_saying_where() {
    let mut child = crate::support::command()
        .args(["serve", "--addr", "127.0.0.1:0", "--log-format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let listening: serde_json::Value =
        serde_json::from_str(&first).expect("the first line is JSON");
    assert_eq!(listening["event"], "listening");
    let url = listening["url"].as_str().unwrap();
    let addr: SocketAddr = url.strip_prefix("http://").unwrap().parse().unwrap();
    assert_eq!(listening["api"], format!("{url}/api/json/"));
    assert_eq!(listening["functions"].as_array().unwrap().len(), 11);
    assert!(!first.contains("reseller-password"), "{first}");
    for _ in 0..3 {
        send(
            addr,
            &format!(
                "GET /api/json/cards/groups/get/?{AUTH};id=123 HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"
            ),
        );
    }
    crate::support::terminate(&child);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    child.wait().unwrap();
    let lines: Vec<&str> = rest.lines().collect();
    assert_eq!(lines.len(), 3, "{rest}");
    for line in lines {
        let object: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert_eq!(object["code"], "200", "{line}");
    }
}

/// Item 14: the first `GET /_fake/openapi.json` makes its examples by asking a fake of its own,
/// and those calls are not traffic: the request log shows the one call a client made, not some
/// four hundred it did not.
#[test]
fn item_14_the_documents_own_calls_are_not_in_the_request_log() {
    let (child, addr, stdout) =
        crate::support::spawn_keeping_stdout(&["serve", "--addr", "127.0.0.1:0"]);
    let document = send(
        addr,
        "GET /_fake/openapi.json HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(document.status, 200);
    send(
        addr,
        &format!(
            "GET /api/json/cards/groups/get/?{AUTH};id=123 HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"
        ),
    );
    let lines = stdout.wait_for(|lines| lines.iter().any(|l| l.contains("GET cards/groups/get")));
    crate::support::terminate(&child);
    // A request log line starts with the time of day, `HH:MM:SS.mmm`.
    let calls: Vec<&String> = lines
        .iter()
        .filter(|l| l.len() > 12 && l.as_bytes()[2] == b':' && l.as_bytes()[8] == b'.')
        .collect();
    assert_eq!(calls.len(), 1, "{calls:#?}");
}

/// Item 15: the HTML report of a failing run shows each way of going wrong once, with the
/// count and every case's id and rule, and is a fraction of its old size (888 KB for the
/// mutant below, a block per case); JUnit gives every case a time and reports an unverified
/// case as skipped with why, not as passed.
#[test]
fn item_15_reports_group_identical_failures_and_junit_has_times_and_unverified_skips() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = crate::conformance::fixtures_dir();
    let html = dir.path().join("report.html");
    let out = crate::conformance::check(
        &[
            "--in-process",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--update",
            "no",
            "--mutant",
            "code-as-number",
            "--format",
            "html",
            "--output",
            html.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.len() < 400 * 1024, "{} bytes", page.len());
    let blocks = page.matches("<div class=\"case\"").count();
    assert!(
        (2..50).contains(&blocks),
        "{blocks} blocks for 475 failed cases"
    );
    assert!(
        page.contains("The same difference in "),
        "a group says its count"
    );
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(&page, options).expect("still well-formed");

    let junit = dir.path().join("report.xml");
    let out = crate::conformance::check(
        &[
            "--in-process",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--update",
            "no",
            "--mutant",
            "range-off-by-one",
            "--format",
            "junit",
            "--output",
            junit.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "unverified cases do not fail a run"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    let document = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 475);
    for case in &cases {
        let time: f64 = case.attribute("time").expect("a time").parse().unwrap();
        assert!(time >= 0.0);
    }
    let unverified = cases
        .iter()
        .filter(|c| {
            c.children().any(|s| {
                s.has_tag_name("skipped")
                    && s.attribute("message")
                        .is_some_and(|m| m.starts_with("unverified: "))
            })
        })
        .count();
    assert_eq!(unverified, 8);
    let root = document.root_element();
    assert_eq!(root.attribute("skipped"), Some("8"));
    assert!(root.attribute("time").is_some());
}

/// Item 16: the arrows point down the list of faces and never back (spec, fake, workbench,
/// server, conformance: each uses only those before it), and the runner and `learn` say what
/// went wrong in types, not in `Result<_, String>`. (The spec read `crate::fake::AUTH_PARAMS`
/// again, and eight `Result<_, String>` had come back.)
#[test]
fn item_16_arrows_point_down_and_the_runners_errors_are_typed() {
    let faces = ["spec", "fake", "workbench", "server", "conformance"];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let code = |file: &std::path::Path| {
        std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    for (rank, face) in faces.iter().enumerate() {
        for file in crate::support::files_under(&root.join(face)) {
            for line in code(&file) {
                for later in &faces[rank + 1..] {
                    assert!(
                        !line.contains(&format!("crate::{later}")),
                        "{} uses {later}: {line}",
                        file.display()
                    );
                }
            }
        }
    }
    let learn = crate::support::files_under(&root.join("conformance/learn"));
    for file in learn.iter().chain([&root.join("conformance/runner.rs")]) {
        for line in code(file) {
            assert!(
                !(line.contains("Result<") && line.contains(", String>")),
                "{}: {line}",
                file.display()
            );
        }
    }
}
