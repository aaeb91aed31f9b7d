//! The command line, as clap derive types: the only file that knows clap. Doc comments here are
//! the `--help` text. Every option can also come from an `ENSWITCH_FAKE_…` environment variable.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::export::ExportFormat;

/// A machine-readable spec, a fake server and a conformance runner for the cards functions of the
/// Enswitch JSON API.
///
/// Exit codes: 0 success; 2 a spec with errors, a file that could not be read or written, or a
/// usage error.
#[derive(Debug, Parser)]
#[command(name = "enswitch-fake", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check or export the spec of the cards functions.
    #[command(subcommand)]
    Spec(SpecCommand),
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
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Each function as the vendor's reference page.
    Markdown,
    /// An OpenAPI 3.1 document (JSON).
    Openapi,
    /// The typed spec model as JSON.
    Json,
}

impl From<FormatArg> for ExportFormat {
    fn from(arg: FormatArg) -> ExportFormat {
        match arg {
            FormatArg::Markdown => ExportFormat::Markdown,
            FormatArg::Openapi => ExportFormat::OpenApi,
            FormatArg::Json => ExportFormat::Json,
        }
    }
}
