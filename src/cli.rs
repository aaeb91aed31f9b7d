//! The command line as it is typed: clap derive types, the only file that knows clap. Doc
//! comments here are the `--help` text; every default comes from the library, so `--help` and
//! the code cannot disagree. `options` turns these into what each command runs with.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use enswitch_fake::conformance::{self, DEFAULT_FIXTURES, DEFAULT_RECORD_ADDR};
use enswitch_fake::fake::{
    ClockKind, DEFAULT_MAX_CARDS, DEFAULT_RNG_SEED, DEFAULT_TOKEN_EXPIRY, Mutant, TokenKey,
};
use enswitch_fake::server::{DEFAULT_ADDR, Limits};
use enswitch_fake::spec::export::ExportFormat;
use enswitch_fake::workbench::{HttpStatusMode, StateSync};

/// A machine-readable spec, a fake server and a conformance runner for the cards functions of the
/// Enswitch JSON API.
///
/// Exit codes: 0 success; 1 `check` found a case that failed, is new or could not be run (or
/// `check --mutants` a mutant that survived); 2 a spec or seed with errors, a file that could
/// not be read or written, an address that cannot be bound, credentials a target refused, or a
/// usage error; 130 `check` interrupted (its report says what ran).
#[derive(Debug, Parser)]
#[command(name = "enswitch-fake", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the fake Enswitch: the cards functions under /api/json/, the control plane under /_fake/.
    ///
    /// Prints `listening on http://ADDR` once it accepts connections (with --log-format json, a
    /// JSON line whose "url" is that address). SIGINT or SIGTERM stop it after the requests in
    /// flight are answered.
    Serve(ServeArgs),
    /// Run the conformance suite against an implementation and compare with reviewed snapshots.
    ///
    /// Exit codes: 0 every case passed (unverified and skipped cases do not fail a run); 1 some
    /// case failed, is new (no reviewed snapshot) or could not be run; 2 a usage or setup error
    /// (a target that is not the API, credentials it refuses); 130 interrupted by Ctrl-C or
    /// SIGTERM: the cases that ran are reported, the rest skipped as not run.
    Check(CheckArgs),
    /// Promote pending `.json.new` snapshots under the fixtures directory to the reviewed ones:
    /// every one, or those of the cases --filter picks.
    Accept(AcceptArgs),
    /// Record real traffic as conformance cases: a proxy to an upstream Enswitch that answers
    /// clients with the upstream's answers and writes each exchange as a case and snapshot.
    ///
    /// Prints `listening on http://ADDR` once it accepts connections; SIGINT or SIGTERM stop it.
    Record(RecordArgs),
    /// Turn what a client did against a running fake into a consumer contract: a fixtures
    /// directory of one scenario per world, each call a step and its answer the snapshot, which
    /// `check --fixtures DIR --target URL --config FILE` runs against the real Enswitch.
    ///
    /// Asks the fake for `GET /_fake/contract` of each world (the default one, or each
    /// --namespace) and writes what it answers; writes nothing unless every world could be one.
    Contract(ContractArgs),
    /// Learn the rules a real Enswitch applies and write them as a spec, without changing it.
    ///
    /// For each function and each rule a request can probe (required or not, bounds, allowed
    /// values, decimal places, currency format, which parameter an error names, the order of
    /// checks), asks the target and compares with the spec. It never sends a request that could
    /// change the target: a function that writes is only sent validation=1 (which checks and
    /// changes nothing), and one that cannot take validation=1 is not probed.
    ///
    /// Writes DIR/ (the spec with every probed rule as observed, marked `provenance: observed`,
    /// for `serve --spec DIR`) and DIR/learned.jsonl (one line per rule: ours, observed, verdict).
    Learn(LearnArgs),
    /// List the deliberate faults the fake can run with (`serve --mutant`, `check --mutants`).
    Mutants,
    /// Check or export the spec of the cards functions.
    #[command(subcommand)]
    Spec(SpecCommand),
    /// Ask whether an Enswitch JSON API (this fake, or any other) answers at URL: exit 0 if it
    /// answers an envelope, 1 if not. For container health checks, where there is no curl.
    Health {
        /// The base URL a client would configure.
        #[arg(long, value_name = "BASE_URL", default_value_t = format!("http://{DEFAULT_ADDR}/api/json/"), env = "ENSWITCH_FAKE_HEALTH_URL")]
        url: String,
        /// Trust the certificates in this PEM file (a fake's `--tls-ca-file`, a private CA).
        #[arg(long, value_name = "FILE", env = "ENSWITCH_FAKE_CA_CERT")]
        ca_cert: Option<PathBuf>,
    },
    /// Print a shell completion script to stdout.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum SpecCommand {
    /// Load the spec and run every cross-check; print each problem with its file, line and field.
    ///
    /// Exits 0 when the spec is clean, 2 when it has errors.
    Lint(SpecSource),
    /// Render the spec as the vendor's pages (markdown), an OpenAPI 3.1 document, or JSON.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("where").required(true).args(["target", "in_process"]))]
pub struct CheckArgs {
    /// The base URL a client would configure: `https://enswitch.example.com/api/json/`.
    #[arg(long, value_name = "BASE_URL", env = "ENSWITCH_FAKE_TARGET")]
    pub target: Option<String>,
    /// Run against the fake inside this process, without a socket.
    #[arg(long)]
    pub in_process: bool,
    /// Trust the PEM certificates in FILE for HTTPS instead of the public roots (a private CA).
    #[arg(
        long,
        value_name = "FILE",
        env = "ENSWITCH_FAKE_CA_CERT",
        requires = "target"
    )]
    pub ca_cert: Option<PathBuf>,
    /// Principals and objects of the target (YAML). Without it, the embedded seed's, with reset
    /// through the fake's control plane.
    #[arg(long, value_name = "FILE", env = "ENSWITCH_FAKE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub source: SpecSource,
    /// The fixtures directory (scenarios, normalize.yaml, snapshots/). Default: ./fixtures if it
    /// holds snapshots, else the copy built into the binary.
    #[arg(long, value_name = "DIR", env = "ENSWITCH_FAKE_FIXTURES")]
    pub fixtures: Option<PathBuf>,
    /// Compare messages too, and fail on inferred rules as on documented ones.
    #[arg(long)]
    pub strict: bool,
    /// What to write for a changed or new answer: nothing, a `.new` file beside the snapshot, or
    /// the snapshot itself. Default: `no` when CI is set, else `new`.
    #[arg(long, value_enum, value_name = "WHEN")]
    pub update: Option<UpdateArg>,
    /// The report's format.
    #[arg(long, value_enum, default_value_t = ReportArg::Human)]
    pub format: ReportArg,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write which of the spec's rules and codes the run exercised, and how, to FILE as JSON
    /// (its schema is in docs/coverage.schema.json).
    #[arg(long, value_name = "FILE")]
    pub coverage: Option<PathBuf>,
    /// Exit 1 when the run exercised less than PCT percent of the spec's rules and codes
    /// (0 to 100), naming what it missed.
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub min_coverage: Option<f64>,
    /// Only cases whose id matches PATTERN (`*` for any run of characters; without one, a
    /// substring), such as `cards/groups/update/*` or `missing`.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Only cases that change nothing (errors and validation=1): safe against a production system.
    #[arg(long)]
    pub read_only: bool,
    /// How requests authenticate: `password` sends each principal's username and password;
    /// `token` logs each in once with user/login and token=1, then sends only auth_token
    /// (Enswitch 4.1 and later). The snapshots are the same either way.
    #[arg(long, value_enum, default_value_t = AuthArg::Password)]
    pub auth: AuthArg,
    /// Exit 0 even when no case ran (the filter picked none, or every case was skipped); without
    /// it that is a usage error (exit 2), since a run that tested nothing proves nothing.
    #[arg(long)]
    pub allow_empty: bool,
    /// The token of a fake started with `serve --admin-token`, for resetting it between cases.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "ENSWITCH_FAKE_ADMIN_TOKEN",
        hide_env_values = true,
        requires = "target"
    )]
    pub admin_token: Option<String>,
    /// With --in-process: run the fake with this deliberate fault (see `enswitch-fake mutants`).
    #[arg(long, value_name = "NAME", value_parser = parse_mutant, requires = "in_process")]
    pub mutant: Option<Mutant>,
    /// With --in-process: run the suite (or the cases --filter picks) against every mutant and
    /// print which it killed; exits 1 if any survived.
    #[arg(
        long,
        requires = "in_process",
        conflicts_with_all = ["mutant", "config", "strict", "update", "format", "output", "read_only", "auth", "coverage", "min_coverage"]
    )]
    pub mutants: bool,
}

/// A percentage, 0 to 100 (`--min-coverage`).
fn parse_percent(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(pct) if (0.0..=100.0).contains(&pct) => Ok(pct),
        _ => Err(format!("{text:?} is not a percentage from 0 to 100")),
    }
}

/// An address to listen on that is not an IP address and a port.
#[derive(Debug, thiserror::Error)]
#[error(
    "{given:?} is not IP:PORT: give an IP address and a port, such as 127.0.0.1:8080 or \
     [::1]:8080 (a host name such as localhost is not looked up)"
)]
pub struct NotSocketAddress {
    given: String,
}

/// `IP:PORT`, with a message that says so.
fn socket_address(text: &str) -> Result<SocketAddr, NotSocketAddress> {
    text.parse().map_err(|_| NotSocketAddress {
        given: text.to_owned(),
    })
}

/// A `--mutant` name that names none.
#[derive(Debug, thiserror::Error)]
#[error("no mutant {name:?}; there are: {known}")]
pub struct UnknownMutant {
    name: String,
    known: String,
}

/// A mutant by name.
fn parse_mutant(name: &str) -> Result<Mutant, UnknownMutant> {
    Mutant::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Mutant::ALL.iter().map(|m| m.name()).collect();
        UnknownMutant {
            name: name.to_owned(),
            known: names.join(", "),
        }
    })
}

/// A token key is any text but the empty one; the message never repeats it.
fn parse_token_key(text: &str) -> Result<TokenKey, &'static str> {
    TokenKey::from_text(text).ok_or("the key may not be empty")
}

#[derive(Debug, Args)]
pub struct LearnArgs {
    /// The base URL a client would configure: `https://enswitch.example.com/api/json/`.
    #[arg(long, value_name = "BASE_URL", env = "ENSWITCH_FAKE_TARGET")]
    pub target: String,
    /// Trust the PEM certificates in FILE for HTTPS instead of the public roots (a private CA).
    #[arg(long, value_name = "FILE", env = "ENSWITCH_FAKE_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
    /// The target's principals and objects (YAML, as for `check`); only the full user and the
    /// objects its requests name are used. Without it, the embedded seed's.
    #[arg(long, value_name = "FILE", env = "ENSWITCH_FAKE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub source: SpecSource,
    /// Where to write the observed spec and learned.jsonl (made if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The most requests to send; what is left unprobed when they run out is reported unknown.
    #[arg(long, value_name = "N", default_value_t = conformance::DEFAULT_MAX_REQUESTS)]
    pub max_requests: usize,
    /// Requests per second at most; 0 for no limit.
    #[arg(long, value_name = "PER_SECOND", default_value_t = conformance::DEFAULT_RATE)]
    pub rate: f64,
}

#[derive(Debug, Args)]
pub struct AcceptArgs {
    /// The fixtures directory holding `snapshots/`.
    #[arg(
        long,
        value_name = "DIR",
        default_value = DEFAULT_FIXTURES,
        env = "ENSWITCH_FAKE_FIXTURES"
    )]
    pub fixtures: PathBuf,
    /// Only the snapshots of cases whose id matches PATTERN, as `check --filter` picks them.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// List what would be accepted, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The upstream's base URL: `https://enswitch.example.com/api/json/`.
    #[arg(long, value_name = "BASE_URL")]
    pub upstream: String,
    /// Address the proxy listens on; clients use `http://ADDR/api/json/` as their base URL.
    #[arg(long, value_name = "IP:PORT", default_value_t = DEFAULT_RECORD_ADDR, value_parser = socket_address)]
    pub listen: SocketAddr,
    /// Where to write `scenarios/`, `snapshots/` and `normalize.yaml`: a fixtures directory for
    /// `check --fixtures DIR`.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Principals and objects of the upstream (as for `check`), to name credentials and ids.
    /// Without it, the embedded seed's.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Forward only read functions and validation=1; refuse the rest with HTTP 403.
    #[arg(long)]
    pub read_only: bool,
    /// Trust the PEM certificates in FILE for the upstream's HTTPS.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    #[command(flatten)]
    pub source: SpecSource,
}

#[derive(Debug, Args)]
pub struct ContractArgs {
    /// The running fake the client used: its URL (`http://127.0.0.1:8080`, with or without
    /// `/api/json/`).
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// Take this namespace's calls (repeat for several, one scenario each); without it, the
    /// default world's.
    #[arg(long, value_name = "NAME")]
    pub namespace: Vec<String>,
    /// The scenario's name (`contract-NAME`), when one world is taken; default: the namespace's
    /// name, or `default`.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Send each call that changed state as a validation=1 probe instead, for a target that
    /// must not change; the contract's notes say which calls lost their meaning.
    #[arg(long)]
    pub read_only: bool,
    /// Where to write the contract (made if missing): `contract.yaml`, `normalize.yaml`,
    /// `scenarios/` and `snapshots/`.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The token of a fake started with `serve --admin-token`.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "ENSWITCH_FAKE_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<String>,
    /// Trust the PEM certificates in FILE for the fake's HTTPS (`serve --tls`).
    #[arg(long, value_name = "FILE", env = "ENSWITCH_FAKE_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UpdateArg {
    No,
    New,
    Always,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    Password,
    Token,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportArg {
    /// Progress, a diff per failing case, and a summary by function.
    Human,
    /// One JSON object per line.
    Json,
    /// JUnit XML (use with --output).
    Junit,
    /// One self-contained HTML page: the verdict, every case that did not pass with its diff,
    /// and the coverage of the spec (use with --output).
    Html,
}

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

#[derive(Debug, Args)]
pub struct SpecSource {
    /// A directory of spec YAML files to use instead of the embedded spec.
    #[arg(long, value_name = "DIR", env = "ENSWITCH_FAKE_SPEC")]
    pub spec: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub source: SpecSource,
    /// The format to write.
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Render only these functions (such as cards/groups/update); may be repeated.
    #[arg(long = "function", value_name = "PATH")]
    pub functions: Vec<String>,
    /// For OpenAPI: the HTTP statuses the server answers with, as `serve --http-status`: `ok`
    /// documents one 200 answer per operation, `mirror` one answer per Enswitch code.
    #[arg(long, value_enum, default_value_t = HttpStatusArg::Ok)]
    pub http_status: HttpStatusArg,
    /// For OpenAPI: paths as the vendor writes them, ending in `/` (`/cards/groups/get/`), for
    /// clients and proxies that route the vendor's URL form.
    #[arg(long)]
    pub trailing_slash: bool,
    /// For OpenAPI: the card cap the server runs with (`serve --max-cards`), which bounds
    /// `number` and `batch_number`.
    #[arg(long, value_name = "N", default_value_t = enswitch_fake::fake::DEFAULT_MAX_CARDS)]
    pub max_cards: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Each function as the vendor's reference page.
    Markdown,
    /// An OpenAPI 3.1 document (JSON).
    Openapi,
    /// The typed spec model as JSON.
    Json,
    /// The control plane (`/_fake/`), not the API, as an OpenAPI 3.1 document (JSON), for a
    /// control client in any language; the other options do not apply to it.
    ControlOpenapi,
}

impl FormatArg {
    /// The export of the spec this format is, or `None` for the control plane's document.
    pub fn of_spec(self) -> Option<ExportFormat> {
        match self {
            FormatArg::Markdown => Some(ExportFormat::Markdown),
            FormatArg::Openapi => Some(ExportFormat::OpenApi),
            FormatArg::Json => Some(ExportFormat::Json),
            FormatArg::ControlOpenapi => None,
        }
    }
}
