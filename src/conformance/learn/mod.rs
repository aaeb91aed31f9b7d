//! `learn`: calibrates the spec against a real Enswitch without changing it. For each function
//! and each rule a request can probe, it asks the target and records what the target does,
//! beside what the spec says: a [`Finding`] per rule, `confirmed`, `contradicted` or `unknown`
//! (with the reason). What it observed is then written as a spec of its own (`write`), every
//! probed rule marked `observed`, ready for `serve --spec`.
//!
//! Safe by construction: a function that writes is only ever sent `validation=1`, which runs
//! every check and changes nothing (D14), and a write function without that parameter is not
//! probed at all; the `validation` parameter itself is never varied. Read functions are asked
//! as they are. Every request goes through [`Prober::ask`], the one place that enforces this,
//! the budget (`--max-requests`) and the rate (`--rate`).
//!
//! What it probes, per parameter: whether it is required (the base request without it); an
//! Integer's or Decimal's bounds (at and past each bound; where the target disagrees, an
//! exponential then binary search within `SEARCH_WINDOW` of zero); an allowed set (each value,
//! near misses: case, spaces, neighbours, and any value the target's refusal names); a
//! Decimal's places (1 to 5); a currency code's format; which parameter a refusal names. Per
//! function: the order in which two failing parameters are reported (pairs, then a merge sort
//! where the target disagrees), and that authentication is checked before parameters.
//!
//! - this file: the run (`learn`) and what it finds;
//! - `prober`: the one way a request reaches the target (validation=1, the budget, the rate);
//! - `study`: the probes of one function's parameters; `bounds` its ranges' search, `values` its
//!   allowed values, places and formats, `order` the order in which the target reports two
//!   failing parameters;
//! - `write`: what was observed, written as a spec of its own and as `learned.jsonl`.

mod bounds;
mod order;
mod prober;
mod study;
mod values;
mod write;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value as Json;

use crate::conformance::config::TargetConfig;
use crate::conformance::secrets::Secrets;
use crate::conformance::target::Target;
use crate::spec::{FormatName, Provenance, Spec};

use prober::Prober;
use study::Probes;
pub use write::{WriteError, write};

/// How far from zero a bound is searched for: a target that takes a million takes, for this
/// purpose, anything.
pub const SEARCH_WINDOW: i64 = 1_000_000;

/// The most requests a run sends unless told otherwise (`--max-requests`).
pub const DEFAULT_MAX_REQUESTS: usize = 3000;

/// Requests per second unless told otherwise (`--rate`): gentle on a production switch.
pub const DEFAULT_RATE: f64 = 10.0;

/// The most decimal places probed: one more than D12 allows, to see whether the target takes
/// more.
pub(super) const PLACES_PROBED: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LearnOptions {
    pub max_requests: usize,
    /// Requests per second; 0 for no limit.
    pub rate: f64,
}

impl Default for LearnOptions {
    fn default() -> LearnOptions {
        LearnOptions {
            max_requests: DEFAULT_MAX_REQUESTS,
            rate: DEFAULT_RATE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agreement {
    Confirmed,
    Contradicted,
    Unknown,
}

/// One probed rule: what the spec says (`ours`), what the target did (`observed`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub function: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// `required`, `range.min`, `range.max`, `allowed`, `places`, `format`, `key`, `order`,
    /// `order.auth`.
    pub rule: &'static str,
    /// Where the spec's rule came from: what a verdict tells most about is an `inferred` one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    pub ours: Json,
    pub observed: Json,
    pub verdict: Agreement,
    /// Why the verdict is `unknown`, or what a contradiction means for the written spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What one function's probes found, as rules to write.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observations {
    pub required: BTreeMap<String, bool>,
    pub range: BTreeMap<String, (Option<String>, Option<String>)>,
    pub allowed: BTreeMap<String, Vec<String>>,
    pub places: BTreeMap<String, u32>,
    /// Format rules the target agreed with, to be marked observed.
    pub format: BTreeMap<String, FormatName>,
    /// The parameters in the order the target reports them, where it was probed.
    pub order: Option<Vec<String>>,
}

/// The outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct Learned {
    pub findings: Vec<Finding>,
    pub observations: BTreeMap<String, Observations>,
    pub requests: usize,
    pub elapsed: Duration,
}

impl Learned {
    pub fn count(&self, verdict: Agreement) -> usize {
        self.findings
            .iter()
            .filter(|f| f.verdict == verdict)
            .count()
    }

    /// How many rules of the spec marked `inferred` got `verdict`.
    pub fn count_inferred(&self, verdict: Agreement) -> usize {
        self.findings
            .iter()
            .filter(|f| f.verdict == verdict && f.provenance == Some(Provenance::Inferred))
            .count()
    }
}

/// What a progress display is told after each request.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub sent: usize,
    pub budget: usize,
    pub function: &'a str,
}

/// Runs every probe of every function of `spec` against `target` as the config's full user.
pub fn learn(
    spec: &Spec,
    target: &dyn Target,
    config: &TargetConfig,
    options: LearnOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Learned {
    let started = Instant::now();
    let mut prober = Prober {
        target,
        config,
        options,
        sent: 0,
        last: None,
        progress,
    };
    let mut learned = Learned::default();
    for f in spec.functions() {
        let mut study = Probes {
            f,
            prober: &mut prober,
            findings: Vec::new(),
            observations: Observations::default(),
            keys: BTreeMap::new(),
        };
        study.all();
        let Probes {
            findings,
            observations,
            ..
        } = study;
        learned.findings.extend(findings);
        learned.observations.insert(f.path.clone(), observations);
    }
    learned.requests = prober.sent;
    learned.elapsed = started.elapsed();
    // A target may echo a password in a message that a reason quotes: none leaves.
    let secrets = Secrets::of(config);
    for finding in &mut learned.findings {
        if let Some(reason) = &mut finding.reason {
            *reason = secrets.scrub(reason);
        }
        for value in [&mut finding.ours, &mut finding.observed] {
            let text = secrets.scrub(&value.to_string());
            *value = serde_json::from_str(&text).unwrap_or(Json::Null);
        }
    }
    learned
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::conformance::config::{Credentials, Principal};
    use crate::conformance::target::{TargetError, WireAnswer, WireRequest};
    use crate::spec::Access;

    /// A target that takes everything but an `allow_balance` other than 0 or 1, and whose
    /// refusal names the caller's password as a value it would take.
    struct Echoing {
        queries: RefCell<Vec<String>>,
        paths: RefCell<Vec<String>>,
    }

    impl Target for Echoing {
        fn send(&self, request: &WireRequest) -> Result<WireAnswer, TargetError> {
            self.queries.borrow_mut().push(request.query.clone());
            self.paths.borrow_mut().push(request.path.clone());
            let bad = request.query.split(';').any(|pair| {
                pair.strip_prefix("allow_balance=")
                    .is_some_and(|v| v != "0" && v != "1")
            });
            let body = if bad {
                r#"{"responses":[{"code":"400","key":"allow_balance","message":"allow_balance must be one of \"0\", \"1\", \"sekrit\"."}]}"#
            } else {
                r#"{"responses":[{"code":"200","key":"","message":"OK"}]}"#
            };
            Ok(WireAnswer {
                status: 200,
                body: body.into(),
            })
        }

        fn reset(&self) -> Result<bool, TargetError> {
            Ok(false)
        }
    }

    #[test]
    fn a_password_a_target_names_is_neither_tried_nor_written() {
        let spec = Spec::embedded().unwrap();
        let mut config = TargetConfig::fake_seed();
        config.principals.insert(
            Principal::Full,
            Credentials {
                username: "user".into(),
                password: "sekrit".into(),
            },
        );
        let target = Echoing {
            queries: RefCell::default(),
            paths: RefCell::default(),
        };
        let options = LearnOptions {
            max_requests: 5000,
            rate: 0.0,
        };
        let learned = learn(&spec, &target, &config, options, &mut |_| {});
        let queries = target.queries.into_inner();
        assert!(
            queries.iter().any(|q| q.contains("allow_balance=2")),
            "the near miss was asked"
        );
        assert!(
            !queries.iter().any(|q| q.contains("allow_balance=sekrit")),
            "the password was tried as a value"
        );
        let text = serde_json::to_string(&learned.findings).unwrap();
        assert!(!text.contains("sekrit"));
    }

    #[test]
    fn a_write_function_is_only_ever_sent_validation_1() {
        let spec = Spec::embedded().unwrap();
        let target = Echoing {
            queries: RefCell::default(),
            paths: RefCell::default(),
        };
        let options = LearnOptions {
            max_requests: 5000,
            rate: 0.0,
        };
        learn(
            &spec,
            &target,
            &TargetConfig::fake_seed(),
            options,
            &mut |_| {},
        );
        let (paths, queries) = (target.paths.into_inner(), target.queries.into_inner());
        assert!(queries.len() > 100);
        let mut writes = 0;
        for (path, query) in paths.iter().zip(&queries) {
            let f = spec.function(path.trim_end_matches('/')).unwrap();
            assert!(
                !f.path.starts_with("cards/files/"),
                "{path}: takes no validation=1"
            );
            if f.access.value == Access::Write {
                writes += 1;
                let flags: Vec<&str> = query
                    .split(';')
                    .filter(|p| p.starts_with("validation="))
                    .collect();
                assert_eq!(flags, ["validation=1"], "{path}?{query}");
            }
        }
        assert!(writes > 100, "{writes} requests to write functions");
    }
}
