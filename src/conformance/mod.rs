//! The conformance runner: the same cases against the real Enswitch, a third party's
//! implementation, or this fake, each answer compared with a reviewed snapshot.
//!
//! How the folder fits together:
//!
//! - `case`: a case is data: steps (function, principal, parameters, form), the rule it checks
//!   and that rule's provenance. `generate` makes cases from the spec; `scenario` reads the
//!   hand-written multi-step ones from `fixtures/scenarios/`.
//! - `config`: who the principals are and which objects to use on the target (defaults: the seed);
//!   `credentials`: each principal's, tried once before a run.
//! - `target`: sends a step in-process or over HTTP(S); the only part that knows a transport.
//! - `normalize`: volatile values (ids, card numbers, PINs, times) become named placeholders, as
//!   `fixtures/normalize.yaml` declares per function.
//! - `snapshot`: the reviewed expectations under `fixtures/snapshots/`, `.new` files, accepting.
//! - `coverage`: which of the spec's rules and codes a run's cases exercised, and how.
//! - `learn`: probes a real Enswitch for the rules it applies, with `validation=1` only, and
//!   writes what it observed as a spec.
//! - `mutants`: runs the suite against each deliberate fault of the fake, to prove it.
//! - `runner`: runs cases and turns each into an `Outcome`; a mismatch is an outcome, not an
//!   error. Reporters (`report/`) own every line of output and return the errors writing meets.
//! - `secrets`: the passwords a run sends, scrubbed from everything it writes.
//! - `record`: the recording proxy, which turns real traffic into cases and snapshots.
//! - `samples`: the OpenAPI document's examples, asked of an in-process fake.
//! - `contract`: a world's journal (the calls a client made) as a fixtures directory of one
//!   scenario, which `check` then runs against any target; `client_call`: each call as a step;
//!   `replay`: the targets its snapshot is made with.
//!
//! It talks to any target; the in-process workbench is one of them, so this folder is the only
//! one that may use all the others.

mod case;
mod client_call;
mod config;
mod contract;
mod coverage;
mod credentials;
mod fixtures;
mod generate;
mod http;
mod learn;
mod mutants;
mod normalize;
mod outcome;
mod record;
mod replay;
mod report;
mod runner;
mod samples;
mod scenario;
mod secrets;
mod snapshot;
mod target;

pub use case::select;
pub use case::{Case, Form, Step};
pub use config::{Credentials, Principal, Reset, Resources, TargetConfig};
pub use contract::{Contract, ContractError, contract, contract_of_world, contract_source};
pub use coverage::{Coverage, Family, FunctionCoverage, Item};
pub use credentials::{CredentialsError, check_credentials};
pub use fixtures::Fixtures;
pub use http::{CertificateError, Http};
pub use learn::{
    Agreement, DEFAULT_MAX_REQUESTS, DEFAULT_RATE, Finding, LearnOptions, Learned, Observations,
    Progress, SEARCH_WINDOW, WriteError, learn, write as write_learned,
};
pub use mutants::{Collected, Verdict, judge_all};
pub use normalize::Rules;
pub use outcome::{CaseResult, Exchange, Outcome, Reporter, Summary};
pub use record::{RecordError, Recorder};
pub use report::{Keeping, ReportContext, ReportFormat, reporter, verdicts};
pub use runner::{AuthMode, Options, Runner, UpdateMode};
pub use samples::samples;
pub use snapshot::accept;
pub use target::{InProcess, Target, TargetError, TargetErrorKind, WireAnswer, WireRequest};

/// The fixtures directory `check` and `accept` use unless told otherwise.
pub const DEFAULT_FIXTURES: &str = "fixtures";

/// Where `record` listens unless told otherwise.
pub const DEFAULT_RECORD_ADDR: std::net::SocketAddr = std::net::SocketAddr::V4(
    std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 8081),
);
