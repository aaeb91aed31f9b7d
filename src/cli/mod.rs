//! The command line as it is typed: clap derive types, the only file that knows clap. Doc
//! comments here are the `--help` text; every default comes from the library, so `--help` and
//! the code cannot disagree. `options` turns these into what each command runs with. `serve`'s
//! arguments are in `serve`, those of the commands that talk to a target in `target`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod serve;
mod target;

pub use serve::*;
pub use target::*;

use enswitch_fake::fake::{Mutant, TokenKey};
use enswitch_fake::server::DEFAULT_ADDR;
use enswitch_fake::spec::export::ExportFormat;

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
