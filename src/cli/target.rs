//! The arguments of the commands that talk to a target: `check`, `learn`, `accept`, `record` and
//! `contract`, as `options::target` resolves them.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use enswitch_fake::conformance::{self, DEFAULT_FIXTURES, DEFAULT_RECORD_ADDR};
use enswitch_fake::fake::Mutant;

use super::{SpecSource, parse_mutant, parse_percent, socket_address};

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
