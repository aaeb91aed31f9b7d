//! `enswitch-fake`: a machine-readable spec of the Enswitch JSON API's `cards` functions, and a
//! stateful fake server driven by it.
//!
//! How a request flows:
//!
//! ```text
//! hyper request ─> Limits ─> ApiRequest (owned)               server.rs (the only async part)
//!   ─> function for the path, or a 404 envelope              app, spec
//!   ─> RawParams: ';' or '&' pairs, decoded, in order        params
//!   ─> 401 ─> 402 ─> 403                                     auth
//!   ─> Params: typed, first failing rule wins (400)          validate (spec-driven)
//!   ─> in one lock: 404, 400 needing state, defaults        input, store
//!      ─> validation=1 stops here (201) ─> act (200/204)     domain/
//!   ─> envelope ─> HTTP answer                               render
//! ```
//!
//! - [`spec`]: load and cross-check the YAML spec; errors name the file, the line and the field.
//! - [`value`]: the three parameter types and the one parser of their text (API-NOTES D12).
//! - [`params`], [`validate`], [`auth`], [`input`]: the stages above.
//! - [`world`], [`seed`], [`store`], [`domain`]: the state, where it starts, its lock, its changes.
//! - [`error`], [`render`], [`request`]: the wire types; all wording in `error`.
//! - [`app`], [`control`], [`journal`], [`server`]: the fake, its control plane, its log, its socket;
//!   [`limits`]: what one client may cost the server;
//!   [`namespace`]: isolated worlds on one server; [`fault`]: failures on demand;
//!   [`persist`]: the state file; [`record`]: the recording proxy.
//! - [`clock`], [`rng`]: injected time and the seeded generator, for byte-identical reruns.
//! - [`conformance`]: the runner and its suite; [`mutant`]: the faults the suite must catch.
//! - [`export`]: the spec as the vendor's pages (Markdown), as OpenAPI 3.1, or as JSON.
//! - [`yaml`], [`exit`]: reading our YAML files; the process exit codes.
//!
//! ```
//! use enswitch_fake::spec::Spec;
//!
//! let spec = Spec::embedded().expect("the embedded spec is valid");
//! let update = spec.function("cards/groups/update").unwrap();
//! assert!(update.param("id").unwrap().required);
//! ```

#![warn(unreachable_pub)]

pub mod conformance;
pub mod fake;
pub mod server;
pub mod spec;
pub mod workbench;

/// The README's Rust examples, compiled and run by `cargo test` so they cannot go stale.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
