//! What the wire tests share: a fake on a random loopback port, and a small HTTP/1.1 client over a
//! raw `TcpStream`, so a test controls every byte it sends.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};

use enswitch_fake::fake::DEFAULT_RNG_SEED;
use enswitch_fake::fake::{World, seed};
use enswitch_fake::server::FakeServer;
use enswitch_fake::spec::Spec;
use enswitch_fake::workbench::{Config, Workbench};

/// The seed's principals (fixtures/seed.yaml) and their passwords.
pub fn password(user: &str) -> &'static str {
    match user {
        "user" => "password",
        "reader" => "reader-password",
        "nocards" => "nocards-password",
        "noplan" => "noplan-password",
        "other" => "other-password",
        "reseller" => "reseller-password",
        "admin" => "admin-password",
        _ => "wrong",
    }
}

pub struct Fake {
    server: FakeServer,
}

impl Fake {
    pub fn start() -> Fake {
        Fake::with(Config::default(), DEFAULT_RNG_SEED)
    }

    pub fn with(config: Config, rng_seed: u64) -> Fake {
        let spec = Spec::embedded().unwrap();
        let world: World = seed::embedded(&spec, rng_seed).unwrap();
        let app = Workbench::new(spec, world, config)
            .with_contracts(enswitch_fake::conformance::contract_source());
        Fake {
            server: FakeServer::builder().workbench(app).start().unwrap(),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// A GET of `path_and_query` as written.
    pub fn get(&self, path_and_query: &str) -> Reply {
        send(
            self.addr(),
            &format!("GET {path_and_query} HTTP/1.1\r\nHost: fake\r\nConnection: close\r\n\r\n"),
        )
    }

    /// A POST with a body of the given content type (none if `None`).
    pub fn post(&self, path_and_query: &str, content_type: Option<&str>, body: &str) -> Reply {
        let content_type = content_type
            .map(|t| format!("Content-Type: {t}\r\n"))
            .unwrap_or_default();
        send(
            self.addr(),
            &format!(
                "POST {path_and_query} HTTP/1.1\r\nHost: fake\r\nConnection: close\r\n{content_type}Content-Length: {}\r\n\r\n{body}",
                body.len()
            ),
        )
    }

    /// `function` called by `user` with its password, then `rest` (`;`-separated), by GET.
    pub fn call(&self, function: &str, user: &str, rest: &str) -> Reply {
        let separator = if rest.is_empty() { "" } else { ";" };
        self.get(&format!(
            "/api/json/{function}/?auth_username={user};auth_password={}{separator}{rest}",
            password(user)
        ))
    }

    /// The whole state, as `/_fake/state` gives it.
    pub fn state(&self) -> String {
        let reply = self.get("/_fake/state");
        assert_eq!(reply.status, 200);
        reply.body
    }
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    /// Every header, its name in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The value of header `name` (lowercase), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// `responses[0].code`.
    pub fn code(&self) -> String {
        self.json()["responses"][0]["code"]
            .as_str()
            .expect("a code")
            .to_owned()
    }

    pub fn key(&self) -> String {
        self.json()["responses"][0]["key"]
            .as_str()
            .expect("a key")
            .to_owned()
    }

    /// The code, and the key if there is one: `"400 number"`, `"204"`.
    pub fn outcome(&self) -> String {
        let (code, key) = (self.code(), self.key());
        if key.is_empty() {
            code
        } else {
            format!("{code} {key}")
        }
    }

    pub fn data(&self) -> serde_json::Value {
        self.json()["data"].clone()
    }
}

/// A GET of `path` (with its query, as written) to a server at `addr`: a `serve` process.
pub fn get(addr: SocketAddr, path: &str) -> Reply {
    send(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"),
    )
}

pub fn send(addr: SocketAddr, request: &str) -> Reply {
    try_send(addr, request).expect("an answer")
}

/// `request`, sent whole, and the answer; `None` if the connection failed or closed before a
/// complete answer came (a server killed mid-request).
pub fn try_send(addr: SocketAddr, request: &str) -> Option<Reply> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8(raw).expect("answers are UTF-8");
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head[9..12].parse().expect("a status code");
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .collect();
    let content_type = headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    Some(Reply {
        status,
        content_type,
        headers,
        body: body.to_owned(),
    })
}

/// The binary under test, to be given its arguments.
pub fn command() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_enswitch-fake"))
}

/// Runs `enswitch-fake ARGS` to the end and returns what it did.
pub fn run(args: &[&str]) -> std::process::Output {
    command().args(args).output().unwrap()
}

/// Sends SIGTERM to `child`, as a service manager stopping it would.
pub fn terminate(child: &std::process::Child) {
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Runs `enswitch-fake ARGS` (a server: `serve`, `record`) and waits for its first line,
/// `listening on http://ADDR`. Its stdout is drained from then on so it never blocks on a full
/// pipe; its stderr is piped for the caller (`wait_with_output`).
pub fn spawn(args: &[&str]) -> (std::process::Child, SocketAddr) {
    let (child, mut stdout, addr) = start(command(), args);
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (child, addr)
}

type ServerStdout = std::io::BufReader<std::process::ChildStdout>;

/// Starts `command` with `args` (a server), its stdout and stderr piped, and reads its first
/// line, `listening on http://ADDR` (or, with `--log-format json`, a JSON object whose `url` is
/// `http://ADDR`): the child, the rest of its stdout, and the address.
fn start(
    mut command: std::process::Command,
    args: &[&str],
) -> (std::process::Child, ServerStdout, SocketAddr) {
    use std::io::BufRead as _;
    let mut child = command
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = match serde_json::from_str::<serde_json::Value>(&first) {
        Ok(json) => json["url"].as_str().map(str::to_owned),
        Err(_) => first
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_owned),
    };
    let addr = url
        .as_deref()
        .and_then(|url| url.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("{args:?}: the first line is {first:?}"))
        .parse()
        .unwrap();
    (child, stdout, addr)
}

/// Runs `enswitch-fake ARGS` (a server) like [`spawn`], and keeps every line of its stdout after
/// the first, as it comes, for the caller to read.
pub fn spawn_keeping_stdout(args: &[&str]) -> (std::process::Child, SocketAddr, Stdout) {
    use std::io::BufRead as _;
    let mut command = command();
    command.env_remove("NO_COLOR");
    let (child, stdout, addr) = start(command, args);
    let lines = Stdout::default();
    let kept = lines.clone();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            kept.0.lock().unwrap().push(line);
        }
    });
    (child, addr, lines)
}

/// The lines a server has printed so far.
#[derive(Debug, Clone, Default)]
pub struct Stdout(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl Stdout {
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// Waits (at most 5 s) until `done` holds of the lines printed, and returns them.
    pub fn wait_for(&self, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let lines = self.lines();
            if done(&lines) || std::time::Instant::now() > deadline {
                return lines;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

/// A target on loopback answering each request with what `answer` makes of its request line:
/// an HTTP status line's text (`"200 OK"`) and a body, or `None` to close the connection
/// unanswered. For the targets that misbehave on purpose; it serves a bounded number of
/// connections, then stops.
pub fn pretend_target(
    answer: impl Fn(&str) -> Option<(&'static str, String)> + Send + 'static,
) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(2000) {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = vec![0; 64 * 1024];
            let n = stream.read(&mut buffer).unwrap_or(0);
            let request = String::from_utf8_lossy(&buffer[..n]).into_owned();
            let Some((status, body)) = answer(&request) else {
                continue;
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

/// Answers the probe before a run (no credentials: 401) and the credentials tried after it
/// (no id: 400) as Enswitch does; `None` for any other request.
pub fn as_enswitch_before_a_run(head: &str) -> Option<(&'static str, String)> {
    let envelope = |code: &str, key: &str| {
        format!(r#"{{"responses":[{{"code":"{code}","key":"{key}","message":"?"}}]}}"#)
    };
    if head.contains("/cards/groups/get/ ") {
        Some(("200 OK", envelope("401", "")))
    } else if head.contains("/cards/groups/get/?") && !head.contains(";id=") {
        Some(("200 OK", envelope("400", "id")))
    } else {
        None
    }
}

/// Every file below `dir`.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// Waits (at most 10 s) for `/_fake/health` at `addr` to answer `status`, and returns it.
pub fn health_becomes(addr: SocketAddr, status: u16) -> Reply {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let health = send(
            addr,
            "GET /_fake/health HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n",
        );
        if health.status == status {
            return health;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "health stayed {}",
            health.status
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
