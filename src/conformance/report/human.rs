//! For people: a progress line while the run goes (on a terminal), then every case that did not
//! pass with its rule and diff, then a table by function and outcome, and a closing count.

use std::collections::BTreeMap;
use std::io::Write;

use crate::conformance::outcome::{CaseResult, Outcome, Reporter, Summary};

const COLUMNS: [&str; 6] = ["passed", "failed", "unverified", "new", "skipped", "broken"];

pub(crate) struct Human {
    out: Box<dyn Write>,
    progress: bool,
    total: usize,
    done: usize,
    skipped: BTreeMap<String, usize>,
}

impl Human {
    pub(crate) fn new(out: Box<dyn Write>, progress: bool) -> Human {
        Human {
            out,
            progress,
            total: 0,
            done: 0,
            skipped: BTreeMap::new(),
        }
    }
}

/// The sentence that says a run skipped much of its suite, and the reasons most cases were
/// skipped for (a config that lacks resources, say), most first.
pub(super) fn skipped_much(summary: &Summary) -> String {
    let skipped = summary.count("skipped");
    let mut reasons: Vec<(&String, &usize)> = summary.skipped_because.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let shown: Vec<String> = reasons
        .iter()
        .take(3)
        .map(|(reason, count)| format!("{reason} ({count})"))
        .collect();
    let more = if reasons.len() > 3 { "; …" } else { "" };
    format!(
        "WARNING: {skipped} of {} cases ({}%) were skipped, so this run tests less than it \
         seems: {}{more}",
        summary.cases(),
        skipped * 100 / summary.cases().max(1),
        shown.join("; ")
    )
}

impl Reporter for Human {
    fn start(&mut self, total: usize) -> std::io::Result<()> {
        self.total = total;
        Ok(())
    }

    fn case(&mut self, result: &CaseResult) -> std::io::Result<()> {
        self.done += 1;
        if self.progress {
            let width = 30;
            let filled = width * self.done / self.total.max(1);
            let mut progress = std::io::stderr().lock();
            write!(
                progress,
                "\r[{}{}] {}/{} {:<60.60}",
                "#".repeat(filled),
                " ".repeat(width - filled),
                self.done,
                self.total,
                result.id
            )?;
            if self.done == self.total {
                writeln!(progress)?;
            }
        }
        if let Some(error) = &result.write_error {
            writeln!(self.out, "\n{}: {error}", result.id)?;
        }
        match &result.outcome {
            Outcome::Passed => Ok(()),
            Outcome::Skipped { reason } => {
                *self.skipped.entry(reason.clone()).or_default() += 1;
                Ok(())
            }
            Outcome::Failed { diff } | Outcome::Unverified { diff } | Outcome::New { diff } => {
                let label = result.outcome.label().to_uppercase();
                let wrote = result
                    .wrote
                    .as_ref()
                    .map(|p| format!("\n  wrote {}", p.display()))
                    .unwrap_or_default();
                writeln!(
                    self.out,
                    "\n{label} {}\n  rule ({}): {}{wrote}\n{diff}",
                    result.id, result.provenance, result.rule
                )
            }
            Outcome::Broken { error } => writeln!(self.out, "\nBROKEN {}\n  {error}", result.id),
        }
    }

    fn finish(&mut self, summary: &Summary) -> std::io::Result<()> {
        for (reason, count) in &self.skipped {
            writeln!(self.out, "skipped {count}: {reason}")?;
        }
        writeln!(
            self.out,
            "\n{:<24} {}",
            "function",
            COLUMNS.map(|c| format!("{c:>11}")).join("")
        )?;
        for (function, counts) in &summary.by_function {
            let cells: String = COLUMNS
                .iter()
                .map(|c| format!("{:>11}", counts.get(c).copied().unwrap_or(0)))
                .collect();
            writeln!(self.out, "{function:<24} {cells}")?;
        }
        let total: String = COLUMNS
            .iter()
            .map(|c| format!("{:>11}", summary.count(c)))
            .collect();
        writeln!(self.out, "{:<24} {total}", "total")?;
        // The same words as the table's columns: a broken case is not called failed.
        let mut closing = format!(
            "\n{} passed, {} failed, {} skipped",
            summary.count("passed"),
            summary.count("failed"),
            summary.count("skipped"),
        );
        for label in ["unverified", "new", "broken"] {
            let count = summary.count(label);
            if count > 0 {
                closing.push_str(&format!(", {count} {label}"));
            }
        }
        writeln!(self.out, "{closing}")?;
        // Last, where a reader of the log's tail sees it: a run that tested less than it seems.
        if summary.interrupted {
            writeln!(
                self.out,
                "INTERRUPTED: {} of {} cases ran; the rest are skipped as not run",
                summary.ran(),
                summary.cases()
            )?;
        } else if summary.skipped_much() {
            writeln!(self.out, "{}", skipped_much(summary))?;
        }
        self.out.flush()
    }
}
