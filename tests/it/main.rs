//! The integration tests, as one binary so the crate links once. Each module is one face of the
//! tool:
//!
//! - `abuse`: issue 28, item by item: bounded memory for every reader, no acknowledged write
//!   lost without a word, no secret in any spelling, no misleading result.
//! - `cli`: the binary as a user runs it: lint, export, completions, exit codes, bad spec files
//!   under `tests/bad-specs/`.
//! - `export`: the exports pinned by insta snapshots; OpenAPI parses as 3.1.
//! - `spec`: the embedded spec holds what the vendor documents and what docs/decisions.md decides.
//! - `server`: the wire over loopback HTTP: request forms (D1 to D4), the control plane,
//!   determinism, `serve` as a process.
//! - `codes`: every code the core functions list, pinned as envelopes; check order (D5, D6).
//! - `behaviour`: what the functions do to state, read back (defaults, D7 to D14, tenancy).
//! - `console`: what `serve` prints: the banner and the request log, human and JSON.
//! - `diagnostics`: issue 32: what a client got wrong, told in the log, the journal, the event
//!   stream and `/_fake/diagnostics`; strict mode's 400.
//! - `docs`: the README's and the guides' prompted commands, replayed; the banner they show.
//! - `dashboard`: what the dashboard reads, over HTTP: landing, files, views, the event stream.
//! - `concurrency`: 32 clients at once; SIGTERM with requests in flight.
//! - `durability`: `serve --state` killed and restarted under writes: nothing answered OK lost.
//! - `conformance`: the runner and its suite against the fake; reports, updates, skips.
//! - `contract`: issue 33: a client's calls as a contract, checked against other fakes.
//! - `reports`: the HTML report and the coverage JSON, as files a person or CI reads.
//! - `learn`: `learn` over HTTP against the fake and against a fake on another spec.
//! - `hostile`: the bad-input corpus, byte for byte over loopback.
//! - `limits`: slow clients, the connection cap, the limit flags.
//! - `newcomer`: issue 29's first-hour trips, each gone: error messages, the banner's logins,
//!   the journal's order.
//! - `properties`: proptest on the parser and validator; the fuzzers' saved inputs replayed.
//! - `secrets`: passwords never shown again; the control plane's token and off switch.
//! - `trust`: issue 12, item by item: flags that do what they say, secrets that stay hidden,
//!   bounds that hold.
//! - `workbench`: namespaces, faults, the journal, persistence, recording.
//! - `support`: the fake on a random port and a raw HTTP client (not tests).

mod abuse;
mod behaviour;
mod cli;
mod codes;
mod concurrency;
mod conformance;
mod console;
mod contract;
mod control_openapi;
mod dashboard;
mod diagnostics;
mod docs;
mod durability;
mod examples;
mod export;
mod hostile;
mod learn;
mod limits;
mod newcomer;
mod properties;
mod reports;
mod secrets;
mod seeding;
mod server;
mod spec;
mod support;
mod tls;
mod tokens;
mod trust;
mod workbench;
