//! Reporters: each turns the runner's results into one kind of output. `human` for a terminal
//! (progress, a diff per failing case, a summary by function), `json` one object per line for
//! tools, `junit` an XML file for CI; `verdicts` the mutants killed and survived. Each owns every
//! byte it writes and returns the errors writing meets.

mod human;
mod json;
mod junit;

use std::io::Write;

use crate::conformance::mutants::Verdict;

pub(super) use human::Human;
pub(super) use json::JsonLines;
pub(super) use junit::Junit;

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

/// The verdict on each mutant, then how many the suite killed.
pub fn verdicts(out: &mut dyn Write, verdicts: &[Verdict]) -> std::io::Result<()> {
    let width = crate::fake::Mutant::name_width();
    for verdict in verdicts {
        match verdict.caught_by.as_slice() {
            [] => writeln!(
                out,
                "SURVIVED {:<width$} {}",
                verdict.mutant.name(),
                verdict.mutant.describe()
            )?,
            [first, ..] => writeln!(
                out,
                "killed   {:<width$} by {} case(s), first {first}",
                verdict.mutant.name(),
                verdict.caught_by.len()
            )?,
        }
    }
    let killed = verdicts.iter().filter(|v| v.killed()).count();
    writeln!(
        out,
        "\n{killed} of {} mutants killed ({}%)",
        verdicts.len(),
        killed * 100 / verdicts.len().max(1)
    )
}
