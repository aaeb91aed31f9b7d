//! The one way a request reaches the target: with `validation=1` added if the function writes
//! (refused outright if it cannot take it), within the budget (`--max-requests`) and the rate
//! (`--rate`); and why a probe told nothing (`Unprobed`).

use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::{LearnOptions, Progress};
use crate::conformance::case::Form;
use crate::conformance::case::placeholders;
use crate::conformance::config::{Credentials, Principal, TargetConfig};
use crate::conformance::generate::{Pairs, with};
use crate::conformance::target::{Target, WireRequest};
use crate::spec::{Access, Function};

/// An answer, as far as learning needs it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Answer {
    pub(super) code: u16,
    pub(super) key: String,
    pub(super) message: String,
}

/// Why a probe told nothing of a rule: the reason its finding is `unknown`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(super) enum Unprobed {
    #[error("writes, and takes no validation=1")]
    NoValidation,
    #[error("the budget of {0} requests was spent")]
    Budget(usize),
    #[error("the config names no {0} principal")]
    NoPrincipal(&'static str),
    #[error("the config has no resource {0}")]
    NoResource(String),
    /// The target could not be asked: the error as it reads, without the credentials.
    #[error("{0}")]
    Unanswered(String),
    #[error("the answer is not JSON")]
    NotJson,
    #[error("the answer has no string code")]
    NoCode,
    #[error("answered 400 naming {0:?}")]
    OtherKey(String),
    #[error("answered {code} {key}")]
    Answered { code: u16, key: String },
    /// What happened to one value of a parameter.
    #[error("{param}={value}: {why}")]
    At {
        param: String,
        value: String,
        why: Box<Unprobed>,
    },
    #[error("a bound with a fraction is not searched")]
    Fraction,
    #[error("{param}={value} is refused too")]
    RefusedToo { param: String, value: i64 },
    #[error("{a} and {b} both invalid: answered {code} {key:?}")]
    Order {
        a: String,
        b: String,
        code: u16,
        key: String,
    },
}

/// The one way a request reaches the target.
pub(super) struct Prober<'a, 'p> {
    pub(super) target: &'a dyn Target,
    pub(super) config: &'a TargetConfig,
    pub(super) options: LearnOptions,
    pub(super) sent: usize,
    pub(super) last: Option<Instant>,
    pub(super) progress: &'p mut dyn FnMut(Progress<'_>),
}

impl Prober<'_, '_> {
    /// Sends `params` to `f` as `who`: with `validation=1` added if `f` writes (refused
    /// outright if it cannot take it), within the budget and the rate.
    pub(super) fn ask(
        &mut self,
        f: &Function,
        who: Principal,
        params: &Pairs,
    ) -> Result<Answer, Unprobed> {
        let params = if f.access.value == Access::Write {
            if f.param("validation").is_none() {
                return Err(Unprobed::NoValidation);
            }
            with(params, "validation", "1")
        } else {
            params.clone()
        };
        if self.sent >= self.options.max_requests {
            return Err(Unprobed::Budget(self.options.max_requests));
        }
        let credentials: Credentials = self
            .config
            .credentials(who)
            .ok_or(Unprobed::NoPrincipal(who.as_str()))?;
        let mut filled = Vec::with_capacity(params.len());
        for (name, value) in &params {
            let mut value = value.clone();
            for placeholder in placeholders(&value) {
                let resource = self
                    .config
                    .resources
                    .get(&placeholder)
                    .ok_or_else(|| Unprobed::NoResource(placeholder.clone()))?;
                value = value.replace(&format!("{{{placeholder}}}"), &resource);
            }
            filled.push((name.clone(), value));
        }
        if self.options.rate > 0.0 {
            let gap = Duration::from_secs_f64(1.0 / self.options.rate);
            if let Some(wait) = self.last.map(|last| gap.saturating_sub(last.elapsed())) {
                std::thread::sleep(wait);
            }
        }
        self.last = Some(Instant::now());
        self.sent += 1;
        let wire = WireRequest::new(&f.path, Form::GetSemicolon, &credentials, &filled);
        let answer = self.target.send(&wire);
        (self.progress)(Progress {
            sent: self.sent,
            budget: self.options.max_requests,
            function: &f.path,
        });
        let answer = answer.map_err(|e| Unprobed::Unanswered(e.to_string()))?;
        let envelope: Json = serde_json::from_str(&answer.body).map_err(|_| Unprobed::NotJson)?;
        let item = &envelope["responses"][0];
        let code = item["code"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .ok_or(Unprobed::NoCode)?;
        Ok(Answer {
            code,
            key: item["key"].as_str().unwrap_or_default().to_owned(),
            message: item["message"].as_str().unwrap_or_default().to_owned(),
        })
    }
}
