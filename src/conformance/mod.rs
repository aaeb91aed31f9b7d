//! The conformance runner: the same cases against the real Enswitch, a third party's
//! implementation, or this fake, each answer compared with a reviewed snapshot.
//!
//! How the folder fits together:
//!
//! - `case`: a case is data: steps (function, principal, parameters, form), the rule it checks
//!   and that rule's provenance. `generate` makes cases from the spec; `scenario` reads the
//!   hand-written multi-step ones from `fixtures/scenarios/`.
//! - `config`: who the principals are and which objects to use on the target (defaults: the seed).
//! - `target`: sends a step in-process or over HTTP(S); the only part that knows a transport.
//! - `normalize`: volatile values (ids, card numbers, PINs, times) become named placeholders, as
//!   `fixtures/normalize.yaml` declares per function.
//! - `snapshot`: the reviewed expectations under `fixtures/snapshots/`, `.new` files, accepting.
//! - `mutants`: runs the suite against each deliberate fault of the fake, to prove it.
//! - `runner`: runs cases and turns each into an `Outcome`; a mismatch is an outcome, not an
//!   error. Reporters (`report/`) own every line of output.

pub mod case;
pub mod config;
pub mod fixtures;
pub mod generate;
pub mod mutants;
pub mod normalize;
pub mod record;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod snapshot;
pub mod target;

/// The fixtures directory `check` and `accept` use unless told otherwise.
pub const DEFAULT_FIXTURES: &str = "fixtures";

/// Where `record` listens unless told otherwise.
pub const DEFAULT_RECORD_ADDR: std::net::SocketAddr = std::net::SocketAddr::V4(
    std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 8081),
);
