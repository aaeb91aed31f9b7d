//! The integration tests, as one binary so the crate links once. Each module is one face of the
//! tool:
//!
//! - `cli`: the binary as a user runs it: lint, export, completions, exit codes, bad spec files
//!   under `tests/bad-specs/`.
//! - `export`: the exports pinned by insta snapshots; OpenAPI parses as 3.1.
//! - `spec`: the embedded spec holds what the vendor documents and what API-NOTES decides.

mod cli;
mod export;
mod spec;
