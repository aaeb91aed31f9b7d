//! `enswitch-fake`: a machine-readable spec of the Enswitch JSON API's `cards` functions, a
//! stateful fake Enswitch driven by it, the workbench that makes the fake a test tool, and a
//! conformance runner that holds any implementation to the same cases.
//!
//! Five faces, each a folder; arrows point down the list and never back:
//!
//! - [`spec`]: the model, its loading and cross-checks (errors name file, line and field), the
//!   value syntax (D12), and the exports (Markdown, OpenAPI, JSON).
//! - [`fake`]: the faithful Enswitch and nothing else: [`fake::Fake::call`] takes one request
//!   through the pipeline against one world; the state, its seed, its lock, the deliberate faults
//!   that live inside a rule.
//! - [`workbench`]: what makes the fake a test tool, one entry [`workbench::Workbench::serve`]:
//!   routing, namespaces, fault rules, mutants' answer transforms, the journal and its live
//!   stream, the request log's events, the control plane and the dashboard, the state file.
//! - [`server`]: the only async code: the hyper edge, its limits, shutdown;
//!   [`server::FakeServer`] for tests.
//! - [`conformance`]: cases (generated and scenarios), targets, normalization, snapshots, the
//!   runner and its reporters, the mutant hunt, the recording proxy, consumer contracts (a
//!   world's journal as a suite that checks any target).
//!
//! How a request flows:
//!
//! ```text
//! hyper request ─> limits ─> ApiRequest (owned)                       server/
//!   ─> control plane (/_fake/) or API, in a namespace (/_ns/<name>/)  workbench/
//!   ─> fault rules (may answer instead)                               workbench/fault
//!   ─> Fake::call: the function for the path, or a 404 envelope       fake/
//!        RawParams: ';' or '&' pairs, decoded, in order               fake/params
//!        401 ─> 402 ─> 403                                            fake/auth
//!        Params: typed, first failing rule wins (400)                 fake/validate (spec-driven)
//!        in one lock: 404, 400 needing state, defaults                fake/input, fake/store
//!        ─> validation=1 stops here (201) ─> act (200/204)            fake/domain/
//!   ─> mutant transform, log event, journal entry (and its listeners) workbench/mutation, log, journal
//!   ─> envelope ─> Reply (now, later, or close) ─> hyper response     workbench/reply, server/
//! /_fake/events ─> Reply::Events ─> a streamed body until it ends     workbench/reply, server/events
//! ```
//!
//! ```
//! use enswitch_fake::spec::Spec;
//!
//! let spec = Spec::embedded().expect("the embedded spec is valid");
//! let update = spec.function("cards/groups/update").unwrap();
//! assert!(update.param("id").unwrap().required);
//! ```

#![warn(unreachable_pub)]

// The few names a test needs: start a fake, add a fault, ask what the client sent.
pub use fake::ClockKind;
pub use server::{FakeServer, FakeServerBuilder, Limits, Received, StartError};
pub use workbench::{Entry, Fault, FaultRule};

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod fake;
pub mod server;
pub mod spec;
pub mod workbench;

/// The README's Rust examples, compiled and run by `cargo test` so they cannot go stale.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The contracts guide's Rust example, compiled by `cargo test`.
#[doc = include_str!("../docs/contracts.md")]
#[cfg(all(doctest, feature = "conformance"))]
pub struct ContractsGuideDoctests;
