//! `serve`'s arguments: where it listens, its TLS, limits, log, state and clock.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use enswitch_fake::fake::{
    ClockKind, DEFAULT_MAX_CARDS, DEFAULT_RNG_SEED, DEFAULT_TOKEN_EXPIRY, Mutant, TokenKey,
};
use enswitch_fake::server::{DEFAULT_ADDR, Limits};
use enswitch_fake::workbench::{HttpStatusMode, StateSync};

use super::{SpecSource, parse_mutant, parse_token_key, socket_address};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(
        long,
        value_name = "IP:PORT",
        default_value_t = DEFAULT_ADDR,
        value_parser = socket_address,
        env = "ENSWITCH_FAKE_ADDR"
    )]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub source: SpecSource,
    /// The world to start from (and to return to on reset) instead of the embedded seed.
    #[arg(long, value_name = "FILE", env = "ENSWITCH_FAKE_SEED_FILE")]
    pub seed_file: Option<PathBuf>,
    /// Seed of the generator of card numbers and PINs: the same seed and requests give the same
    /// answers.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RNG_SEED, env = "ENSWITCH_FAKE_RNG_SEED")]
    pub rng_seed: u64,
    /// The most cards one call may create (batch_number × number); more is answered 400 with key
    /// `number`.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_MAX_CARDS,
        value_parser = clap::value_parser!(u64).range(1..),
        env = "ENSWITCH_FAKE_MAX_CARDS"
    )]
    pub max_cards: u64,
    /// The HTTP status of API answers: `ok` is 200 for every outcome, as Enswitch does; `mirror`
    /// repeats the envelope's code.
    #[arg(
        long,
        value_enum,
        default_value_t = HttpStatusMode::default().into(),
        env = "ENSWITCH_FAKE_HTTP_STATUS"
    )]
    pub http_status: HttpStatusArg,
    /// `logical` starts at 2026-01-01 00:00:00 UTC and moves one second per reading, so reruns
    /// are byte-identical; `system` is the wall clock.
    #[arg(
        long,
        value_enum,
        default_value_t = ClockKind::default().into(),
        env = "ENSWITCH_FAKE_CLOCK"
    )]
    pub clock: ClockArg,
    /// The key authentication tokens (`user/login` with `token=1`) are signed with; by default
    /// one is made at random for each run, so tokens die with the server. Give one to keep
    /// tokens valid across restarts, or across several fakes.
    #[arg(
        long,
        value_name = "KEY",
        value_parser = parse_token_key,
        env = "ENSWITCH_FAKE_TOKEN_KEY",
        hide_env_values = true
    )]
    pub token_key: Option<TokenKey>,
    /// How long an authentication token lives, in seconds of the world's clock; 0 means for ever
    /// (then `user/login` leaves out `auth_token_expiry` and `auth_token_expires`).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = DEFAULT_TOKEN_EXPIRY,
        env = "ENSWITCH_FAKE_TOKEN_EXPIRY"
    )]
    pub token_expiry: u64,
    /// Run with a deliberate fault, to see a client's or a suite's tests catch it (see
    /// `enswitch-fake mutants`).
    #[arg(long, value_name = "NAME", value_parser = parse_mutant, env = "ENSWITCH_FAKE_MUTANT")]
    pub mutant: Option<Mutant>,
    /// Answer a call whose client got something wrong (an unknown or misspelled parameter, a
    /// name given twice, a lenient reading) with a 400 whose key is the parameter, instead of
    /// passing over it as Enswitch does. A deviation from Enswitch, for tests; each namespace
    /// can be switched with `POST /_fake/strict-client`.
    #[arg(long, env = "ENSWITCH_FAKE_STRICT_CLIENT")]
    pub strict_client: bool,
    /// Keep the state in FILE, a SQLite database: loaded at start if it exists; each change is
    /// committed before it is answered OK. One server owns a file at a time. A JSON state file
    /// of earlier versions is converted (the original kept as FILE.v1.json); any other file is
    /// refused, not replaced.
    #[arg(long, value_name = "FILE", env = "ENSWITCH_FAKE_STATE")]
    pub state: Option<PathBuf>,
    /// How durable a commit is: `normal` survives a killed process, `full` also a power loss
    /// (each commit waits for the disk).
    #[arg(
        long,
        value_enum,
        value_name = "LEVEL",
        default_value_t = StateSync::default().into(),
        requires = "state",
        env = "ENSWITCH_FAKE_STATE_SYNC"
    )]
    pub state_sync: StateSyncArg,
    /// A fault rule to start with, as JSON (as `POST /_fake/faults` takes); may be repeated:
    /// `{"function":"cards/batches/create","times":1,"action":{"error":{"code":"500","message":"boom"}}}`.
    #[arg(long = "fault", value_name = "JSON")]
    pub faults: Vec<String>,
    /// Require `Authorization: Bearer TOKEN` on every `/_fake/` request (compared in constant
    /// time); others are answered 401. The API itself is unaffected.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "ENSWITCH_FAKE_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<String>,
    /// Switch the control plane (`/_fake/`) off: it answers 404, as if it were not there.
    #[arg(long, conflicts_with = "admin_token", env = "ENSWITCH_FAKE_NO_ADMIN")]
    pub no_admin: bool,
    /// The request log on stdout: `human` is one line per API call (coloured on a terminal,
    /// unless NO_COLOR is set), `json` one JSON object per line, `off` none.
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        default_value_t = LogFormat::Human,
        env = "ENSWITCH_FAKE_LOG_FORMAT"
    )]
    pub log_format: LogFormat,
    /// `info` logs API calls; `debug` adds the control plane's (`/_fake/`, the dashboard).
    #[arg(
        long,
        value_enum,
        value_name = "LEVEL",
        default_value_t = LogLevel::Info,
        env = "ENSWITCH_FAKE_LOG_LEVEL"
    )]
    pub log_level: LogLevel,
    #[command(flatten)]
    pub tls: TlsArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// HTTPS, as flags.
#[derive(Debug, Args)]
#[command(next_help_heading = "HTTPS")]
pub struct TlsArgs {
    /// Serve HTTPS with a private CA made at start: a certificate for localhost, 127.0.0.1 and
    /// ::1, signed by a CA whose certificate goes to --tls-ca-file for clients to trust.
    #[arg(long, env = "ENSWITCH_FAKE_TLS")]
    pub tls: bool,
    /// Where the made CA's certificate (PEM) is written; by default a file in the temporary
    /// directory, named in the banner.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "tls_cert",
        env = "ENSWITCH_FAKE_TLS_CA_FILE"
    )]
    pub tls_ca_file: Option<PathBuf>,
    /// Serve HTTPS with this certificate chain (PEM, the server's first) instead of a made one.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_key",
        env = "ENSWITCH_FAKE_TLS_CERT"
    )]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_cert",
        env = "ENSWITCH_FAKE_TLS_KEY"
    )]
    pub tls_key: Option<PathBuf>,
}

/// `Limits`, as flags. Past each one a client gets a plain HTTP error, not an envelope.
#[derive(Debug, Args)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// The largest request body read, in bytes; a larger one is answered 413.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::DEFAULT.max_body_bytes as u64, value_parser = clap::value_parser!(u64).range(1..), env = "ENSWITCH_FAKE_MAX_BODY_BYTES")]
    pub max_body_bytes: u64,
    /// The largest request line plus headers, in bytes; a larger one is answered 431.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::DEFAULT.max_header_bytes as u64, value_parser = clap::value_parser!(u64).range(1024..), env = "ENSWITCH_FAKE_MAX_HEADER_BYTES")]
    pub max_header_bytes: u64,
    /// The most header lines in one request; more are answered 431.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_headers as u64, value_parser = clap::value_parser!(u64).range(1..=10_000), env = "ENSWITCH_FAKE_MAX_HEADERS")]
    pub max_headers: u64,
    /// Seconds a client may take to send a request's headers (else the connection is closed),
    /// and then again its body (else 408).
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::DEFAULT.read_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..), env = "ENSWITCH_FAKE_READ_TIMEOUT")]
    pub read_timeout: u64,
    /// The most connections open at once; past it a newcomer is still accepted and the oldest
    /// connection gives way (at once if idle, after its answer if busy).
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_connections as u64, value_parser = clap::value_parser!(u64).range(1..=1_000_000), env = "ENSWITCH_FAKE_MAX_CONNECTIONS")]
    pub max_connections: u64,
    /// Seconds one connection may stay open in all; then it finishes its answer and closes.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::DEFAULT.connection_lifetime.as_secs(), value_parser = clap::value_parser!(u64).range(1..), env = "ENSWITCH_FAKE_CONNECTION_LIFETIME")]
    pub connection_lifetime: u64,
    /// Seconds requests in flight may take to finish after SIGINT or SIGTERM; then the process
    /// exits 0. A second signal exits at once.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::DEFAULT.shutdown_grace.as_secs(), env = "ENSWITCH_FAKE_SHUTDOWN_GRACE")]
    pub shutdown_grace: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum HttpStatusArg {
    /// HTTP 200 for every API outcome.
    Ok,
    /// The HTTP status equals the envelope's code.
    Mirror,
}

impl From<HttpStatusArg> for HttpStatusMode {
    fn from(arg: HttpStatusArg) -> HttpStatusMode {
        match arg {
            HttpStatusArg::Ok => HttpStatusMode::AlwaysOk,
            HttpStatusArg::Mirror => HttpStatusMode::Mirror,
        }
    }
}

impl From<HttpStatusMode> for HttpStatusArg {
    fn from(mode: HttpStatusMode) -> HttpStatusArg {
        match mode {
            HttpStatusMode::AlwaysOk => HttpStatusArg::Ok,
            HttpStatusMode::Mirror => HttpStatusArg::Mirror,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Info,
    Debug,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StateSyncArg {
    /// WAL, synchronous=NORMAL: survives a killed process.
    Normal,
    /// WAL, synchronous=FULL: survives a power loss too.
    Full,
}

impl From<StateSyncArg> for StateSync {
    fn from(arg: StateSyncArg) -> StateSync {
        match arg {
            StateSyncArg::Normal => StateSync::Normal,
            StateSyncArg::Full => StateSync::Full,
        }
    }
}

impl From<StateSync> for StateSyncArg {
    fn from(sync: StateSync) -> StateSyncArg {
        match sync {
            StateSync::Normal => StateSyncArg::Normal,
            StateSync::Full => StateSyncArg::Full,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClockArg {
    /// Fixed start, one second per reading.
    Logical,
    /// The wall clock.
    System,
}

impl From<ClockArg> for ClockKind {
    fn from(arg: ClockArg) -> ClockKind {
        match arg {
            ClockArg::Logical => ClockKind::Logical,
            ClockArg::System => ClockKind::System,
        }
    }
}

impl From<ClockKind> for ClockArg {
    fn from(kind: ClockKind) -> ClockArg {
        match kind {
            ClockKind::Logical => ClockArg::Logical,
            ClockKind::System => ClockArg::System,
        }
    }
}
