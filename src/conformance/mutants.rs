//! Proves the suite: runs it in-process against the fake with each mutant and reports which
//! mutants some case caught (killed) and which none did (survived). A mismatch on any case kills,
//! inferred rules included: the question is whether the suite notices, not what the vendor says.

use crate::conformance::case::Case;
use crate::conformance::config::TargetConfig;
use crate::conformance::fixtures::Fixtures;
use crate::conformance::normalize::Rules;
use crate::conformance::outcome::{CaseResult, Reporter, Summary};
use crate::conformance::runner::{AuthMode, Options, Runner, UpdateMode};
use crate::conformance::target::InProcess;
use crate::fake::{self, DEFAULT_RNG_SEED, Mutant, seed};
use crate::spec::Spec;
use crate::spec::yaml::FileErrors;
use crate::workbench::{Config, Workbench};

/// One mutant's verdict: the cases that caught it (none: it survived).
#[derive(Debug, Clone)]
pub struct Verdict {
    pub mutant: Mutant,
    pub caught_by: Vec<String>,
}

impl Verdict {
    pub fn killed(&self) -> bool {
        !self.caught_by.is_empty()
    }
}

/// Keeps every result and prints nothing.
#[derive(Debug, Default)]
pub struct Collected(pub Vec<CaseResult>);

impl Reporter for Collected {
    fn start(&mut self, _total: usize) -> std::io::Result<()> {
        Ok(())
    }

    fn case(&mut self, result: &CaseResult) -> std::io::Result<()> {
        self.0.push(result.clone());
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the suite against `mutant` in a fake of its own.
pub(super) fn judge(
    spec: &Spec,
    cases: &[Case],
    rules: &Rules,
    fixtures: &Fixtures,
    mutant: Mutant,
) -> Result<Verdict, FileErrors> {
    let world = seed::embedded(spec, DEFAULT_RNG_SEED)?;
    let config = Config {
        fake: fake::Settings {
            mutant: Some(mutant),
            ..fake::Settings::default()
        },
        ..Config::default()
    };
    let target = InProcess {
        workbench: Workbench::new(spec.clone(), world, config),
    };
    let options = Options {
        strict: true,
        update: UpdateMode::No,
        filter: None,
        read_only: false,
        auth: AuthMode::Password,
    };
    let target_config = TargetConfig::fake_seed();
    let runner = Runner {
        target: &target,
        config: &target_config,
        rules,
        fixtures,
        options: &options,
        interrupt: None,
    };
    let mut collected = Collected::default();
    runner
        .run(cases, &mut collected)
        .expect("collecting results in memory cannot fail");
    let caught_by = collected
        .0
        .into_iter()
        .filter(|r| r.outcome.label() != "passed")
        .map(|r| r.id)
        .collect();
    Ok(Verdict { mutant, caught_by })
}

/// Every mutant's verdict on `cases`, judged on `threads` threads, in the order of
/// `Mutant::ALL`.
pub fn judge_all(
    spec: &Spec,
    cases: &[Case],
    rules: &Rules,
    fixtures: &Fixtures,
    threads: usize,
) -> Result<Vec<Verdict>, FileErrors> {
    let chunks: Vec<&[Mutant]> = Mutant::ALL
        .chunks(Mutant::ALL.len().div_ceil(threads.max(1)))
        .collect();
    let results: Vec<Result<Vec<Verdict>, FileErrors>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|m| judge(spec, cases, rules, fixtures, *m))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a judging thread does not panic"))
            .collect()
    });
    let mut verdicts = Vec::new();
    for chunk in results {
        verdicts.extend(chunk?);
    }
    Ok(verdicts)
}
