//! For CI: JUnit XML, one `<testsuite>` per function and one `<testcase>` per case, each with its
//! `time`. Failed and new cases are failures (with the diff), broken ones errors, skipped ones
//! skipped with their reason; unverified cases (an inferred rule that answered otherwise, which
//! does not fail a run) are skipped too, their reason saying so, with the diff in `<system-out>`:
//! a CI page then counts them apart from the cases that passed. An interrupted run says so in a
//! property of the whole.

use std::collections::BTreeMap;
use std::io::Write;

use crate::conformance::outcome::{CaseResult, Outcome, Reporter, Summary};
use crate::conformance::report::escape;

pub(crate) struct Junit {
    out: Box<dyn Write>,
    results: Vec<CaseResult>,
}

impl Junit {
    pub(crate) fn new(out: Box<dyn Write>) -> Junit {
        Junit {
            out,
            results: Vec::new(),
        }
    }
}

impl Reporter for Junit {
    fn start(&mut self, _total: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn case(&mut self, result: &CaseResult) -> std::io::Result<()> {
        self.results.push(result.clone());
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> std::io::Result<()> {
        let mut suites: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
        for result in &self.results {
            suites.entry(&result.function).or_default().push(result);
        }
        let failures = summary.count("failed") + summary.count("new");
        let seconds = |cases: &[&CaseResult]| cases.iter().map(|c| c.seconds).sum::<f64>();
        let all: Vec<&CaseResult> = self.results.iter().collect();
        writeln!(self.out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            self.out,
            r#"<testsuites name="enswitch-fake check" tests="{}" failures="{failures}" errors="{}" skipped="{}" time="{:.3}">"#,
            self.results.len(),
            summary.count("broken"),
            summary.count("skipped") + summary.count("unverified"),
            seconds(&all)
        )?;
        for (function, cases) in suites {
            let count = |label: &str| cases.iter().filter(|c| c.outcome.label() == label).count();
            writeln!(
                self.out,
                r#"  <testsuite name="{}" tests="{}" failures="{}" errors="{}" skipped="{}" time="{:.3}">"#,
                escape(function),
                cases.len(),
                count("failed") + count("new"),
                count("broken"),
                count("skipped") + count("unverified"),
                seconds(&cases)
            )?;
            if summary.interrupted {
                writeln!(
                    self.out,
                    r#"    <properties><property name="interrupted" value="the run was interrupted: cases not run are skipped"/></properties>"#
                )?;
            }
            for case in cases {
                let open = format!(
                    r#"    <testcase classname="{}" name="{}" time="{:.3}""#,
                    escape(&case.function),
                    escape(&case.id),
                    case.seconds
                );
                match &case.outcome {
                    Outcome::Passed => writeln!(self.out, "{open}/>")?,
                    Outcome::Failed { diff } | Outcome::New { diff } => {
                        let message = format!(
                            "{} ({}): {}",
                            case.outcome.label(),
                            case.provenance,
                            case.rule
                        );
                        writeln!(
                            self.out,
                            "{open}>\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                            escape(&message),
                            escape(diff)
                        )?;
                    }
                    Outcome::Unverified { diff } => {
                        let reason = format!(
                            "unverified: the target answered otherwise than the snapshot of an \
                             inferred rule ({}), which does not fail a run without --strict",
                            case.rule
                        );
                        writeln!(
                            self.out,
                            "{open}>\n      <skipped message=\"{}\"/>\n      <system-out>{}</system-out>\n    </testcase>",
                            escape(&reason),
                            escape(diff)
                        )?;
                    }
                    Outcome::Skipped { reason } => writeln!(
                        self.out,
                        "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(reason)
                    )?,
                    Outcome::Broken { error } => writeln!(
                        self.out,
                        "{open}>\n      <error message=\"{}\"/>\n    </testcase>",
                        escape(error)
                    )?,
                }
            }
            writeln!(self.out, "  </testsuite>")?;
        }
        writeln!(self.out, "</testsuites>")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_control_characters_are_made_safe() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
