//! `enswitch-fake`: a machine-readable spec of the Enswitch JSON API's `cards` functions, and the
//! tools built on it.
//!
//! The spec is the single source of truth. It is embedded in the binary from `spec/` at build
//! time (a directory given with `--spec` replaces it) and loaded into a typed model whose every
//! rule says whether the vendor documents it or this project decided it.
//!
//! - [`spec`]: load and cross-check the YAML spec; errors name the file, the line and the field.
//! - [`value`]: the three parameter types and the one parser of their text (API-NOTES D12).
//! - [`export`]: the spec as the vendor's pages (Markdown), as OpenAPI 3.1, or as JSON.
//! - [`exit`]: the process exit codes, named.
//!
//! ```
//! use enswitch_fake::spec::Spec;
//!
//! let spec = Spec::embedded().expect("the embedded spec is valid");
//! let update = spec.function("cards/groups/update").unwrap();
//! assert!(update.param("id").unwrap().required);
//! ```

pub mod exit;
pub mod export;
pub mod spec;
pub mod value;
