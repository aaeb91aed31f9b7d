//! What a conformance run finds: each case's outcome, its result with what was sent and got,
//! the run's counts, and the `Reporter` that sees them as they come. The runner makes them; the
//! reporters, coverage and mutants read them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::conformance::case::Case;
use crate::conformance::snapshot::Snapshot;
use crate::spec::Provenance;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// A documented rule (or any rule, when strict) answered otherwise than its snapshot.
    Failed {
        diff: String,
    },
    /// An inferred rule answered otherwise: reported, not failed.
    Unverified {
        diff: String,
    },
    /// No snapshot yet: the answer needs review.
    New {
        diff: String,
    },
    Skipped {
        reason: String,
    },
    /// The target could not be asked (connection refused, a broken snapshot file).
    Broken {
        error: String,
    },
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed { .. } => "failed",
            Outcome::Unverified { .. } => "unverified",
            Outcome::New { .. } => "new",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Broken { .. } => "broken",
        }
    }

    /// Whether the run as a whole fails because of it (exit 1).
    pub fn fails(&self) -> bool {
        matches!(
            self,
            Outcome::Failed { .. } | Outcome::New { .. } | Outcome::Broken { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseResult {
    pub id: String,
    pub function: String,
    pub rule: String,
    pub provenance: Provenance,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The snapshot or `.new` file written, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrote: Option<PathBuf>,
    /// Why the file `--update` asked for could not be written; the run then fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_error: Option<String>,
    /// What the case sent and got, for the reporters that show it (HTML) or count it
    /// (coverage); `None` when nothing was sent. Not part of the JSON lines.
    #[serde(skip)]
    pub exchange: Option<Box<Exchange>>,
    /// How long the case took, in seconds (for JUnit's `time`).
    pub seconds: f64,
}

/// What a case that was never run because the run was interrupted is skipped for.
pub(crate) const INTERRUPTED: &str = "not run: the run was interrupted";

/// The requests of one case and the answers, secrets already scrubbed.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// Each step's function, in order.
    pub(super) functions: Vec<String>,
    /// The answers, normalized as compared.
    pub(super) actual: Snapshot,
    /// The reviewed snapshot compared with, if there is one.
    pub(super) expected: Option<Snapshot>,
}

/// Counts by outcome, overall and per function.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub total: BTreeMap<&'static str, usize>,
    pub by_function: BTreeMap<String, BTreeMap<&'static str, usize>>,
    pub failed: bool,
    /// The run was stopped (Ctrl-C) before every case ran: those left are skipped.
    pub interrupted: bool,
    /// Why cases were skipped, each reason with its count.
    pub skipped_because: BTreeMap<String, usize>,
}

impl Summary {
    pub(super) fn add(&mut self, result: &CaseResult) {
        let label = result.outcome.label();
        if let Outcome::Skipped { reason } = &result.outcome {
            *self.skipped_because.entry(reason.clone()).or_default() += 1;
        }
        *self.total.entry(label).or_default() += 1;
        *self
            .by_function
            .entry(result.function.clone())
            .or_default()
            .entry(label)
            .or_default() += 1;
        self.failed |= result.outcome.fails() || result.write_error.is_some();
    }

    pub fn count(&self, label: &str) -> usize {
        self.total.get(label).copied().unwrap_or(0)
    }

    /// How many cases were asked of the target: every one not skipped.
    pub fn ran(&self) -> usize {
        self.total.values().sum::<usize>() - self.count("skipped")
    }

    /// How many cases the run held.
    pub fn cases(&self) -> usize {
        self.total.values().sum()
    }

    /// Whether so many cases were skipped (a fifth or more) that the run says so in its last
    /// line: a config without resources passes by testing little.
    pub fn skipped_much(&self) -> bool {
        let skipped = self.count("skipped");
        skipped > 0 && skipped * 5 >= self.cases()
    }
}

/// Sees each result as the run goes; owns all output. An error writing stops the run.
pub trait Reporter {
    fn start(&mut self, total: usize) -> std::io::Result<()>;
    fn case(&mut self, result: &CaseResult) -> std::io::Result<()>;
    fn finish(&mut self, summary: &Summary) -> std::io::Result<()>;
}

impl CaseResult {
    /// A result for `case` with `outcome`, nothing written and nothing sent yet.
    pub(super) fn of(case: &Case, outcome: Outcome) -> CaseResult {
        CaseResult {
            id: case.id.clone(),
            function: case.function.clone(),
            rule: case.rule.clone(),
            provenance: case.provenance,
            outcome,
            wrote: None,
            write_error: None,
            exchange: None,
            seconds: 0.0,
        }
    }
}
