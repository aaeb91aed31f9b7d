//! Faults on demand: rules that make chosen calls fail the way networks and servers do, so a
//! client's error handling can be tested. A rule matches a function (or `*`) and optionally a
//! namespace, fires always, the first N times, or with a probability drawn from the fake's seeded
//! generator, and then delays, answers an error, answers HTTP 503, closes the connection, or acts
//! and then closes it ("act then drop": the client cannot know whether its change was made).

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::fake::Rng;
use crate::spec::Code;
use crate::workbench::namespace::{NAME_RULE, valid_name};

/// A rule as a client writes it (`POST /_fake/faults`, `--fault`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// `cards/batches/create`, or `*` for every function.
    pub function: String,
    /// Only in this namespace; every world when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Only the first N matching calls; every one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Each matching call with this chance (0 to 1), drawn from the seeded generator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Wait this long, then answer as usual.
    Delay { ms: u64 },
    /// Answer this envelope instead of acting.
    Error {
        code: String,
        #[serde(default)]
        key: String,
        message: String,
    },
    /// HTTP 503 with no envelope, without acting.
    #[serde(rename = "http_503")]
    Http503,
    /// Close the connection without answering, without acting.
    Close,
    /// Act, then close the connection without answering.
    ActThenDrop,
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Delay { .. } => "delay",
            Action::Error { .. } => "error",
            Action::Http503 => "http_503",
            Action::Close => "close",
            Action::ActThenDrop => "act_then_drop",
        }
    }
}

/// A rule as a Rust test writes it: what happens to which function, then where and how often.
///
/// ```
/// use enswitch_fake::Fault;
///
/// let busy = Fault::error("cards/batches/create", "500").message("Switch busy.").times(1);
/// let flaky = Fault::http_503("*").probability(0.1).namespace("my-test");
/// # let _ = (busy, flaky);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault(FaultSpec);

impl Fault {
    fn on(function: &str, action: Action) -> Fault {
        Fault(FaultSpec {
            function: function.to_owned(),
            namespace: None,
            times: None,
            probability: None,
            action,
        })
    }

    /// Answer the envelope `code` (any code the API uses) instead of acting, with an empty key
    /// and the message "Fault injected." unless told otherwise.
    pub fn error(function: &str, code: &str) -> Fault {
        let action = Action::Error {
            code: code.to_owned(),
            key: String::new(),
            message: "Fault injected.".to_owned(),
        };
        Fault::on(function, action)
    }

    /// Answer as usual, `ms` milliseconds late.
    pub fn delay(function: &str, ms: u64) -> Fault {
        Fault::on(function, Action::Delay { ms })
    }

    /// Answer HTTP 503 with no envelope, without acting.
    pub fn http_503(function: &str) -> Fault {
        Fault::on(function, Action::Http503)
    }

    /// Close the connection without answering, without acting.
    pub fn close(function: &str) -> Fault {
        Fault::on(function, Action::Close)
    }

    /// Act, then close the connection without answering.
    pub fn act_then_drop(function: &str) -> Fault {
        Fault::on(function, Action::ActThenDrop)
    }

    /// An error's key (the parameter it names).
    pub fn key(mut self, key: &str) -> Fault {
        if let Action::Error { key: k, .. } = &mut self.0.action {
            key.clone_into(k);
        }
        self
    }

    /// An error's message.
    pub fn message(mut self, message: &str) -> Fault {
        if let Action::Error { message: m, .. } = &mut self.0.action {
            message.clone_into(m);
        }
        self
    }

    /// Only in namespace `name`.
    pub fn namespace(mut self, name: &str) -> Fault {
        self.0.namespace = Some(name.to_owned());
        self
    }

    /// Only the first `n` matching calls.
    pub fn times(mut self, n: u64) -> Fault {
        self.0.times = Some(n);
        self
    }

    /// Each matching call with this chance (0 to 1), drawn from the fake's seeded generator.
    pub fn probability(mut self, p: f64) -> Fault {
        self.0.probability = Some(p);
        self
    }
}

impl From<Fault> for FaultSpec {
    fn from(fault: Fault) -> FaultSpec {
        fault.0
    }
}

/// The action as a person reads it: `error 500 key: message`, `delay 200 ms`, `close`.
impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Delay { ms } => write!(f, "delay {ms} ms"),
            Action::Error { code, key, message } if key.is_empty() => {
                write!(f, "error {code}: {message}")
            }
            Action::Error { code, key, message } => write!(f, "error {code} {key}: {message}"),
            other => f.write_str(other.name()),
        }
    }
}

/// A rule in force, with how often it has fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultRule {
    pub id: u64,
    #[serde(flatten)]
    pub spec: FaultSpec,
    pub fired: u64,
}

#[derive(Debug)]
pub struct Faults {
    inner: Mutex<FaultState>,
}

#[derive(Debug)]
struct FaultState {
    rules: Vec<FaultRule>,
    next_id: u64,
    rng: Rng,
}

/// Why a fault rule was refused; the message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("probability {0} is not between 0 and 1")]
    Probability(f64),
    #[error("times must be at least 1")]
    NoTimes,
    #[error("{NAME_RULE}")]
    Namespace,
    #[error("code {0:?} is not one the API uses ({known:?})", known = Code::KNOWN)]
    Code(String),
    #[error("a delay of {0} ms is longer than the {MAX_DELAY_MS} ms allowed")]
    Delay(u64),
    #[error(
        "the spec has no function {0:?} (name one, such as cards/batches/create, or * for every one)"
    )]
    Function(String),
    #[error("there are {MAX_FAULT_RULES} fault rules already: DELETE /_fake/faults to clear them")]
    Full,
}

/// The most rules in force at once: every call looks at each, and a client adding rules in a
/// loop must not be able to exhaust memory.
pub const MAX_FAULT_RULES: usize = 1000;

/// The longest delay a rule may ask for: a minute, past any client's patience, short enough that
/// a stopping server is not held up by it.
pub const MAX_DELAY_MS: u64 = 60_000;

impl FaultSpec {
    /// Checks what serde cannot: the numbers' ranges, the error's code, the namespace's name.
    pub fn check(&self) -> Result<(), FaultError> {
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(FaultError::Probability(p));
        }
        if self.times == Some(0) {
            return Err(FaultError::NoTimes);
        }
        if self.namespace.as_deref().is_some_and(|n| !valid_name(n)) {
            return Err(FaultError::Namespace);
        }
        match &self.action {
            Action::Error { code, .. } if code.parse().ok().and_then(Code::new).is_none() => {
                return Err(FaultError::Code(code.clone()));
            }
            Action::Delay { ms } if *ms > MAX_DELAY_MS => return Err(FaultError::Delay(*ms)),
            _ => {}
        }
        Ok(())
    }

    /// Parses and checks a rule written as JSON.
    pub fn from_json(text: &str) -> Result<FaultSpec, FaultError> {
        let spec: FaultSpec = serde_json::from_str(text)?;
        spec.check()?;
        Ok(spec)
    }
}

impl Faults {
    /// No rules; probabilities drawn from a generator seeded with `seed`.
    pub fn new(seed: u64) -> Faults {
        Faults {
            inner: Mutex::new(FaultState {
                rules: Vec::new(),
                next_id: 1,
                rng: Rng::new(seed),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a checked rule and returns it with its id.
    pub(super) fn add(&self, spec: FaultSpec) -> Result<FaultRule, FaultError> {
        spec.check()?;
        let mut inner = self.lock();
        if inner.rules.len() >= MAX_FAULT_RULES {
            return Err(FaultError::Full);
        }
        let rule = FaultRule {
            id: inner.next_id,
            spec,
            fired: 0,
        };
        inner.next_id += 1;
        inner.rules.push(rule.clone());
        Ok(rule)
    }

    pub fn list(&self) -> Vec<FaultRule> {
        self.lock().rules.clone()
    }

    /// Removes the rule `id`; whether there was one.
    pub fn remove(&self, id: u64) -> bool {
        let mut inner = self.lock();
        let before = inner.rules.len();
        inner.rules.retain(|r| r.id != id);
        inner.rules.len() < before
    }

    /// Removes the rules of `namespace` (all rules when `None`); how many went.
    pub fn clear(&self, namespace: Option<&str>) -> usize {
        let mut inner = self.lock();
        let before = inner.rules.len();
        inner
            .rules
            .retain(|r| namespace.is_some_and(|ns| r.spec.namespace.as_deref() != Some(ns)));
        before - inner.rules.len()
    }

    /// The action of the first rule that fires for a call of `function` in `namespace`.
    pub fn fire(&self, function: &str, namespace: Option<&str>) -> Option<Action> {
        let mut inner = self.lock();
        let FaultState { rules, rng, .. } = &mut *inner;
        for rule in rules.iter_mut() {
            let spec = &rule.spec;
            let matches = (spec.function == "*" || spec.function == function)
                && spec
                    .namespace
                    .as_deref()
                    .is_none_or(|ns| Some(ns) == namespace)
                && spec.times.is_none_or(|times| rule.fired < times);
            if !matches {
                continue;
            }
            // Drawn only for matching rules, so the sequence depends on the calls alone.
            if let Some(p) = spec.probability
                && (rng.next_u64() as f64 / u64::MAX as f64) >= p
            {
                continue;
            }
            rule.fired += 1;
            return Some(rule.spec.action.clone());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        FaultSpec::from_json(json).unwrap()
    }

    #[test]
    fn rules_are_json_with_a_tagged_action() {
        let rule = spec(
            r#"{"function":"cards/batches/create","times":1,"action":{"error":{"code":"500","message":"boom"}}}"#,
        );
        assert_eq!(
            rule.action,
            Action::Error {
                code: "500".into(),
                key: String::new(),
                message: "boom".into()
            }
        );
        assert_eq!(
            spec(r#"{"function":"*","action":"close"}"#).action,
            Action::Close
        );
        assert_eq!(
            spec(r#"{"function":"*","action":"http_503"}"#).action,
            Action::Http503
        );
        assert_eq!(
            spec(r#"{"function":"*","action":"act_then_drop"}"#).action,
            Action::ActThenDrop
        );
        assert_eq!(
            spec(r#"{"function":"*","action":{"delay":{"ms":20}}}"#).action,
            Action::Delay { ms: 20 }
        );
    }

    #[test]
    fn bad_rules_say_why() {
        let error = |json: &str| FaultSpec::from_json(json).unwrap_err().to_string();
        assert!(
            error(r#"{"function":"*","action":"explode"}"#).contains("unknown variant `explode`")
        );
        assert!(
            error(r#"{"function":"*","probability":2,"action":"close"}"#)
                .contains("between 0 and 1")
        );
        assert!(
            error(r#"{"function":"*","action":{"error":{"code":"418","message":"x"}}}"#)
                .contains("code \"418\"")
        );
        assert!(
            error(r#"{"function":"*","namespace":"a b","action":"close"}"#)
                .contains("namespace name")
        );
        assert!(
            error(r#"{"function":"*","action":"close","extra":1}"#)
                .contains("unknown field `extra`")
        );
    }

    #[test]
    fn times_limit_firing_and_namespaces_scope_it() {
        let faults = Faults::new(1);
        faults
            .add(spec(
                r#"{"function":"cards/list","namespace":"a","times":2,"action":"close"}"#,
            ))
            .unwrap();
        assert_eq!(faults.fire("cards/list", Some("b")), None);
        assert_eq!(faults.fire("cards/list", None), None);
        assert_eq!(faults.fire("cards/groups/get", Some("a")), None);
        assert_eq!(faults.fire("cards/list", Some("a")), Some(Action::Close));
        assert_eq!(faults.fire("cards/list", Some("a")), Some(Action::Close));
        assert_eq!(faults.fire("cards/list", Some("a")), None);
        assert_eq!(faults.list()[0].fired, 2);
        assert_eq!(faults.clear(Some("b")), 0);
        assert_eq!(faults.clear(None), 1);
    }

    #[test]
    fn probabilities_follow_the_seed() {
        let fired = |seed: u64| {
            let faults = Faults::new(seed);
            faults
                .add(spec(
                    r#"{"function":"*","probability":0.5,"action":"http_503"}"#,
                ))
                .unwrap();
            (0..200)
                .map(|_| faults.fire("cards/list", None).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(fired(7), fired(7));
        let count = fired(7).iter().filter(|f| **f).count();
        assert!((60..140).contains(&count), "{count} of 200 at p = 0.5");
    }
}
