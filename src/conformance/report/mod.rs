//! Reporters: each turns the runner's results into one kind of output. `human` for a terminal
//! (progress, a diff per failing case, a summary by function), `json` one object per line for
//! tools, `junit` an XML file for CI, `html` one page for people (with the coverage); `verdicts` the mutants killed and survived. Each owns every
//! byte it writes and returns the errors writing meets.

mod html;
mod human;
mod json;
mod junit;

use std::io::Write;

use crate::conformance::mutants::Verdict;
use crate::conformance::outcome::{CaseResult, Reporter, Summary};

pub(super) use html::Html;
pub(super) use human::Human;
pub(super) use json::JsonLines;
pub(super) use junit::Junit;

/// The `--format` of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Human,
    Json,
    Junit,
    Html,
}

/// What a report says it is about: the spec checked against, and the target (no credentials).
pub struct ReportContext {
    pub spec: crate::spec::Spec,
    pub target: String,
}

/// The reporter for `format`, writing to `out`; `progress` shows a progress line on stderr.
pub fn reporter(
    format: ReportFormat,
    out: Box<dyn Write>,
    progress: bool,
    context: ReportContext,
) -> Box<dyn Reporter> {
    match format {
        ReportFormat::Human => Box::new(Human::new(out, progress)),
        ReportFormat::Json => Box::new(JsonLines::new(out)),
        ReportFormat::Junit => Box::new(Junit::new(out)),
        ReportFormat::Html => Box::new(Html::new(out, context.spec, context.target)),
    }
}

/// Passes every result on to another reporter and keeps it, for what is worked out after the
/// run (the coverage).
pub struct Keeping<'a> {
    pub inner: &'a mut dyn Reporter,
    pub results: Vec<CaseResult>,
}

impl Reporter for Keeping<'_> {
    fn start(&mut self, total: usize) -> std::io::Result<()> {
        self.inner.start(total)
    }

    fn case(&mut self, result: &CaseResult) -> std::io::Result<()> {
        self.results.push(result.clone());
        self.inner.case(result)
    }

    fn finish(&mut self, summary: &Summary) -> std::io::Result<()> {
        self.inner.finish(summary)
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

/// `text` safe inside XML or HTML text and attribute values; control characters XML forbids
/// are dropped.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}
