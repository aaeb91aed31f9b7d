//! Reporters: each turns the runner's results into one kind of output. `human` for a terminal
//! (progress, a diff per failing case, a summary by function), `json` one object per line for
//! tools, `junit` an XML file for CI. Each owns every byte it writes.

mod human;
mod json;
mod junit;

use std::io::Write;

pub use human::Human;
pub use json::JsonLines;
pub use junit::Junit;

/// The `--format` of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Human,
    Json,
    Junit,
}

/// The reporter for `format`, writing to `out`; `progress` shows a progress line on stderr.
pub fn reporter(
    format: ReportFormat,
    out: Box<dyn Write>,
    progress: bool,
) -> Box<dyn crate::conformance::runner::Reporter> {
    match format {
        ReportFormat::Human => Box::new(Human::new(out, progress)),
        ReportFormat::Json => Box::new(JsonLines::new(out)),
        ReportFormat::Junit => Box::new(Junit::new(out)),
    }
}
