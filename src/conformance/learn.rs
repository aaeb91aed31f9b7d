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

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::conformance::case::Form;
use crate::conformance::config::{Credentials, Principal, TargetConfig};
use crate::conformance::generate::{Pairs, base, with};
use crate::conformance::runner::placeholders;
use crate::conformance::secrets::Secrets;
use crate::conformance::target::{Target, WireRequest};
use crate::spec::value::{ParamType, Value};
use crate::spec::{
    AUTH_PARAMS, Access, ConstraintRule, FormatName, Function, Param, Provenance, Spec, SpecText,
};

/// How far from zero a bound is searched for: a target that takes a million takes, for this
/// purpose, anything.
pub const SEARCH_WINDOW: i64 = 1_000_000;

/// The most requests a run sends unless told otherwise (`--max-requests`).
pub const DEFAULT_MAX_REQUESTS: usize = 3000;

/// Requests per second unless told otherwise (`--rate`): gentle on a production switch.
pub const DEFAULT_RATE: f64 = 10.0;

/// The most decimal places probed: one more than D12 allows, to see whether the target takes
/// more.
const PLACES_PROBED: u32 = 5;

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

/// An answer, as far as learning needs it.
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    code: u16,
    key: String,
    message: String,
}

/// What one probing request showed about a parameter.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Accepted,
    /// 400 naming the parameter probed.
    Refused {
        message: String,
    },
    /// Anything else: another code, another key, no envelope, no budget left.
    Other(Unprobed),
}

/// Why a probe told nothing of a rule: the reason its finding is `unknown`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum Unprobed {
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
        let mut study = Study {
            f,
            prober: &mut prober,
            findings: Vec::new(),
            observations: Observations::default(),
            keys: BTreeMap::new(),
        };
        study.all();
        let Study {
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

/// The one way a request reaches the target.
struct Prober<'a, 'p> {
    target: &'a dyn Target,
    config: &'a TargetConfig,
    options: LearnOptions,
    sent: usize,
    last: Option<Instant>,
    progress: &'p mut dyn FnMut(Progress<'_>),
}

impl Prober<'_, '_> {
    /// Sends `params` to `f` as `who`: with `validation=1` added if `f` writes (refused
    /// outright if it cannot take it), within the budget and the rate.
    fn ask(&mut self, f: &Function, who: Principal, params: &Pairs) -> Result<Answer, Unprobed> {
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

/// The probes of one function.
struct Study<'s, 'a, 'p> {
    f: &'s Function,
    prober: &'s mut Prober<'a, 'p>,
    findings: Vec<Finding>,
    observations: Observations,
    /// Per parameter: refusals that named it, and the keys other refusals named instead.
    keys: BTreeMap<String, (usize, Vec<String>)>,
}

impl Study<'_, '_, '_> {
    fn all(&mut self) {
        let f = self.f;
        let base = base(f);
        let probed: Vec<&Param> = f
            .parameters
            .iter()
            .filter(|p| !AUTH_PARAMS.contains(&p.name.as_str()) && p.name != "validation")
            .collect();
        // Everything rests on a request the target accepts.
        let why_not = match self.prober.ask(f, Principal::Full, &base) {
            Ok(answer) if is_success(answer.code) => None,
            Ok(answer) => Some(format!(
                "the base request was answered {} {}",
                answer.code, answer.key
            )),
            Err(why) => Some(why.to_string()),
        };
        if let Some(why) = why_not {
            self.finding(
                None,
                "function",
                json!(true),
                Json::Null,
                Agreement::Unknown,
                Some(why),
            );
            return;
        }
        for p in &probed {
            self.required(p, &base);
            if p.range.is_some() {
                self.range(p, &base);
            }
            if p.allowed.is_some() {
                self.allowed(p, &base);
            }
            if p.ty == ParamType::Decimal {
                self.places(p, &base);
            }
            if p.format
                .as_ref()
                .is_some_and(|x| x.name == FormatName::CurrencyCode)
            {
                self.currency(p, &base);
            }
        }
        self.order(&probed, &base);
        self.auth_first(&probed, &base);
        // Which parameter a refusal names (D6): its own, every time it was refused.
        for (name, (named, others)) in std::mem::take(&mut self.keys) {
            let (verdict, observed) = match (named, others.is_empty()) {
                (_, false) => (Agreement::Contradicted, json!(others)),
                (0, true) => continue,
                (_, true) => (Agreement::Confirmed, json!(name)),
            };
            self.finding(Some(&name), "key", json!(name), observed, verdict, None);
        }
    }

    fn finding(
        &mut self,
        parameter: Option<&str>,
        rule: &'static str,
        ours: Json,
        observed: Json,
        verdict: Agreement,
        reason: Option<String>,
    ) {
        let param = parameter.and_then(|name| self.f.param(name));
        let provenance = match (param, rule) {
            // The vendor's Required column.
            (Some(_), "required") => Some(Provenance::Documented),
            (Some(p), "range.min" | "range.max") => p.range.as_ref().map(|r| r.provenance),
            (Some(p), "allowed") => p.allowed.as_ref().map(|a| a.provenance),
            // Without a rule of its own, D12's four places.
            (Some(p), "places") => Some(
                p.places
                    .as_ref()
                    .map_or(Provenance::Inferred, |x| x.provenance),
            ),
            (Some(p), "format") => p.format.as_ref().map(|x| x.provenance),
            // D6 (the key) and D5 (the order of checks).
            (_, "key" | "order" | "order.auth") => Some(Provenance::Inferred),
            _ => None,
        };
        self.findings.push(Finding {
            function: self.f.path.clone(),
            parameter: parameter.map(str::to_owned),
            rule,
            provenance,
            ours,
            observed,
            verdict,
            reason,
        });
    }

    /// Sends `params` and says what it showed about `p`, keeping count of the keys refusals name.
    fn seen(&mut self, p: &Param, params: &Pairs) -> Seen {
        match self.prober.ask(self.f, Principal::Full, params) {
            Ok(answer) if is_success(answer.code) => Seen::Accepted,
            Ok(answer) if answer.code == 400 => {
                let entry = self.keys.entry(p.name.clone()).or_default();
                if answer.key == p.name {
                    entry.0 += 1;
                    Seen::Refused {
                        message: answer.message,
                    }
                } else {
                    entry.1.push(answer.key.clone());
                    Seen::Other(Unprobed::OtherKey(answer.key.clone()))
                }
            }
            Ok(answer) => Seen::Other(Unprobed::Answered {
                code: answer.code,
                key: answer.key,
            }),
            Err(why) => Seen::Other(why),
        }
    }

    /// `base` with `p` set to `value`, and any parameter that `p` must not exceed (or fall
    /// below) moved out of the way, so that only `p`'s own rules can refuse it.
    fn probe(&self, base: &Pairs, p: &Param, value: &str) -> Pairs {
        let mut params = with(base, &p.name, value);
        for c in &self.f.constraints {
            if let (ConstraintRule::NotGreater, [low, high]) = (c.rule, c.params.as_slice()) {
                // The partner's bound as observed, if it was probed already, else the spec's.
                let bound = |name: &str, max: bool| {
                    if let Some((min, top)) = self.observations.range.get(name) {
                        return if max { top.clone() } else { min.clone() };
                    }
                    let range = self.f.param(name)?.range.as_ref()?;
                    let value = if max { &range.max } else { &range.min };
                    value.as_ref().map(ToString::to_string)
                };
                if &p.name == low
                    && let Some(top) = bound(high, true)
                {
                    params = with(&params, high, &top);
                }
                if &p.name == high
                    && let Some(bottom) = bound(low, false)
                {
                    params = with(&params, low, &bottom);
                }
            }
        }
        params
    }

    fn accepts(&mut self, base: &Pairs, p: &Param, value: &str) -> Result<bool, Unprobed> {
        let params = self.probe(base, p, value);
        match self.seen(p, &params) {
            Seen::Accepted => Ok(true),
            Seen::Refused { .. } => Ok(false),
            Seen::Other(why) => Err(Unprobed::At {
                param: p.name.clone(),
                value: value.to_owned(),
                why: Box::new(why),
            }),
        }
    }

    fn required(&mut self, p: &Param, base: &Pairs) {
        // A parameter of a one-of group is required with its partners, not alone.
        let grouped = self.f.constraints.iter().any(|c| {
            matches!(
                c.rule,
                ConstraintRule::OneRequired | ConstraintRule::ExactlyOne
            ) && c.params.contains(&p.name)
        });
        if grouped {
            return;
        }
        let (verdict, observed, reason) = if p.required {
            let without: Pairs = base.iter().filter(|(n, _)| n != &p.name).cloned().collect();
            match self.seen(p, &without) {
                Seen::Accepted => (Agreement::Contradicted, Some(false), None),
                Seen::Refused { .. } => (Agreement::Confirmed, Some(true), None),
                Seen::Other(why) => (Agreement::Unknown, None, Some(why.to_string())),
            }
        } else {
            // The base request, accepted, left it out.
            (Agreement::Confirmed, Some(false), None)
        };
        if let Some(observed) = observed {
            self.observations.required.insert(p.name.clone(), observed);
        }
        self.finding(
            Some(&p.name),
            "required",
            json!(p.required),
            json!(observed),
            verdict,
            reason,
        );
    }

    fn range(&mut self, p: &Param, base: &Pairs) {
        let Some(range) = p.range.clone() else {
            return;
        };
        // A value inside the range, where an inward search ends.
        let inside = match (whole(range.min.as_ref()), whole(range.max.as_ref())) {
            (Some(min), Some(max)) => (min + max) / 2,
            (Some(min), None) => min.max(1),
            (None, Some(max)) => max.min(0),
            (None, None) => 0,
        };
        let min = self.one_bound(base, p, range.min.as_ref(), inside, true);
        let max = self.one_bound(base, p, range.max.as_ref(), inside, false);
        self.observations.range.insert(p.name.clone(), (min, max));
    }

    /// Probes one bound of `p` (`ours`, the spec's), records the finding, and returns the bound
    /// to write: the spec's own text when confirmed or unknown ("0.00" stays), the observed one
    /// when contradicted, `None` when there is none.
    fn one_bound(
        &mut self,
        base: &Pairs,
        p: &Param,
        ours: Option<&Value>,
        inside: i64,
        lower: bool,
    ) -> Option<String> {
        let ours = ours?;
        let rule = if lower { "range.min" } else { "range.max" };
        let spec_text = ours.to_string();
        let searched = match whole(Some(ours)) {
            Some(bound) => self
                .bound(base, p, bound, inside, lower)
                .map(|b| (bound, b)),
            None => Err(Unprobed::Fraction),
        };
        // What the finding shows as observed, its verdict and reason, and the bound to write.
        let (observed, verdict, reason, written) = match searched {
            Ok((bound, Some(observed))) if observed == bound => (
                json!(spec_text),
                Agreement::Confirmed,
                None,
                Some(spec_text.clone()),
            ),
            Ok((_, observed)) => {
                let shown = observed.map(|b| b.to_string());
                let reason = observed.is_none().then(|| {
                    format!("no bound within {SEARCH_WINDOW} of zero: the rule is dropped")
                });
                (json!(shown), Agreement::Contradicted, reason, shown)
            }
            Err(why) => (
                Json::Null,
                Agreement::Unknown,
                Some(why.to_string()),
                Some(spec_text.clone()),
            ),
        };
        self.finding(
            Some(&p.name),
            rule,
            json!(spec_text),
            observed,
            verdict,
            reason,
        );
        written
    }

    /// The observed lower (or upper) bound of `p`, starting from the spec's `bound` and a value
    /// `inside` the range; `None` when the target takes everything up to the window's edge.
    fn bound(
        &mut self,
        base: &Pairs,
        p: &Param,
        bound: i64,
        inside: i64,
        lower: bool,
    ) -> Result<Option<i64>, Unprobed> {
        // Outward is past the bound: down for a minimum, up for a maximum.
        let out = |v: i64, by: i64| if lower { v - by } else { v + by };
        let at = self.accepts(base, p, &bound.to_string())?;
        let past = self.accepts(base, p, &out(bound, 1).to_string())?;
        match (at, past) {
            (true, false) => Ok(Some(bound)),
            // Takes more than the spec says: go outward until it refuses.
            (_, true) => {
                let mut accepted = out(bound, 1);
                let mut step = 1;
                loop {
                    step *= 2;
                    let next = out(bound, step).clamp(-SEARCH_WINDOW, SEARCH_WINDOW);
                    if next == accepted {
                        return Ok(None);
                    }
                    if self.accepts(base, p, &next.to_string())? {
                        accepted = next;
                    } else {
                        return self.split(base, p, accepted, next).map(Some);
                    }
                }
            }
            // Refuses the bound itself: go inward until it accepts (at worst `inside`).
            (false, false) => {
                let mut refused = bound;
                let mut step = 1;
                loop {
                    let next = if lower { bound + step } else { bound - step };
                    let next = if (lower && next >= inside) || (!lower && next <= inside) {
                        inside
                    } else {
                        next
                    };
                    if self.accepts(base, p, &next.to_string())? {
                        return self.split(base, p, next, refused).map(Some);
                    }
                    if next == inside {
                        return Err(Unprobed::RefusedToo {
                            param: p.name.clone(),
                            value: inside,
                        });
                    }
                    refused = next;
                    step *= 2;
                }
            }
        }
    }

    /// The accepted value next to the refused one, between `accepted` and `refused`.
    fn split(
        &mut self,
        base: &Pairs,
        p: &Param,
        accepted: i64,
        refused: i64,
    ) -> Result<i64, Unprobed> {
        let (mut good, mut bad) = (accepted, refused);
        while (good - bad).abs() > 1 {
            let middle = good + (bad - good) / 2;
            if self.accepts(base, p, &middle.to_string())? {
                good = middle;
            } else {
                bad = middle;
            }
        }
        Ok(good)
    }

    fn allowed(&mut self, p: &Param, base: &Pairs) {
        let Some(allowed) = p.allowed.clone() else {
            return;
        };
        let ours: Vec<String> = allowed.values.iter().map(ToString::to_string).collect();
        let mut candidates: Vec<String> = ours.clone();
        for value in &ours {
            candidates.extend(near_misses(p.ty, value, &ours));
        }
        candidates.dedup();
        let mut observed = Vec::new();
        let mut asked: Vec<String> = Vec::new();
        let mut unknown = None;
        let mut at = 0;
        while at < candidates.len() {
            let value = candidates[at].clone();
            at += 1;
            if asked.contains(&value) {
                continue;
            }
            asked.push(value.clone());
            let params = self.probe(base, p, &value);
            match self.seen(p, &params) {
                Seen::Accepted => observed.push(value),
                Seen::Refused { message } => {
                    // A refusal that names the values it takes ("one of \"a\", \"b\"") may
                    // name one the spec lacks: ask for each.
                    let secrets = Secrets::of(self.prober.config);
                    for named in quoted(&message) {
                        // Never a password the target echoed back as a value to try.
                        if !candidates.contains(&named) && secrets.scrub(&named) == named {
                            candidates.push(named);
                        }
                    }
                }
                Seen::Other(why) => {
                    let why = Unprobed::At {
                        param: p.name.clone(),
                        value: value.clone(),
                        why: Box::new(why),
                    };
                    unknown = Some(why.to_string());
                }
            }
        }
        let verdict = match &unknown {
            Some(_) => Agreement::Unknown,
            None if sorted(&observed) == sorted(&ours) => Agreement::Confirmed,
            None => Agreement::Contradicted,
        };
        if unknown.is_none() && !observed.is_empty() {
            // The spec's values first, in its order, then the new ones as found.
            let mut written: Vec<String> = ours
                .iter()
                .filter(|v| observed.contains(v))
                .cloned()
                .collect();
            written.extend(observed.iter().filter(|v| !ours.contains(v)).cloned());
            self.observations.allowed.insert(p.name.clone(), written);
        }
        self.finding(
            Some(&p.name),
            "allowed",
            json!(ours),
            json!(observed),
            verdict,
            unknown,
        );
    }

    fn places(&mut self, p: &Param, base: &Pairs) {
        let ours = p.max_places();
        let mut observed = 0;
        let mut unknown = None;
        for places in 1..=PLACES_PROBED {
            // 1.5, 1.25, 1.125, ...: inside any range that takes 1 and 2.
            let value = format!("1.{}", "2".repeat(places as usize - 1) + "5");
            match self.accepts(base, p, &value) {
                Ok(true) => observed = places,
                Ok(false) => break,
                Err(why) => {
                    unknown = Some(why.to_string());
                    break;
                }
            }
        }
        let (verdict, reason) = match unknown {
            Some(why) => (Agreement::Unknown, Some(why)),
            None if observed == ours => (Agreement::Confirmed, None),
            None if observed > crate::spec::value::DECIMAL_PLACES => (
                Agreement::Contradicted,
                Some("more places than D12's four, which the spec cannot say: not written".into()),
            ),
            None => (Agreement::Contradicted, None),
        };
        if reason.is_none() {
            self.observations.places.insert(p.name.clone(), observed);
        }
        self.finding(
            Some(&p.name),
            "places",
            json!(ours),
            json!(observed),
            verdict,
            reason,
        );
    }

    fn currency(&mut self, p: &Param, base: &Pairs) {
        let mut differs = Vec::new();
        for value in ["USD", "EUR", "usd", "US", "USDX", "U5D"] {
            match self.accepts(base, p, value) {
                Ok(taken) if taken == FormatName::CurrencyCode.matches(value) => {}
                Ok(taken) => differs.push(format!(
                    "{value} {}",
                    if taken { "taken" } else { "refused" }
                )),
                Err(why) => {
                    self.finding(
                        Some(&p.name),
                        "format",
                        json!("currency_code"),
                        Json::Null,
                        Agreement::Unknown,
                        Some(why.to_string()),
                    );
                    return;
                }
            }
        }
        if differs.is_empty() {
            self.observations
                .format
                .insert(p.name.clone(), FormatName::CurrencyCode);
            self.finding(
                Some(&p.name),
                "format",
                json!("currency_code"),
                json!("currency_code"),
                Agreement::Confirmed,
                None,
            );
        } else {
            let reason =
                Some("no format the spec knows fits: the rule is left as it was".to_owned());
            self.finding(
                Some(&p.name),
                "format",
                json!("currency_code"),
                json!(differs),
                Agreement::Contradicted,
                reason,
            );
        }
    }

    /// The order in which the target reports parameters that fail together (D5: the spec's
    /// order). Adjacent pairs first; where one disagrees, a merge sort by asking.
    fn order(&mut self, probed: &[&Param], base: &Pairs) {
        let candidates: Vec<(&Param, String)> = probed
            .iter()
            .filter_map(|p| Some((*p, invalid(p)?)))
            .collect();
        if candidates.len() < 2 {
            return;
        }
        let ours: Vec<String> = candidates.iter().map(|(p, _)| p.name.clone()).collect();
        let mut memo: BTreeMap<(usize, usize), bool> = BTreeMap::new();
        let mut failed = None;
        // Whether candidate `a` is reported before candidate `b`.
        let mut before = |study: &mut Self, a: usize, b: usize| -> Result<bool, Unprobed> {
            if let Some(known) = memo.get(&(a, b)) {
                return Ok(*known);
            }
            let (pa, va) = &candidates[a];
            let (pb, vb) = &candidates[b];
            let params = with(&with(base, &pa.name, va), &pb.name, vb);
            let answer = study.prober.ask(study.f, Principal::Full, &params)?;
            let first = if answer.code == 400 && answer.key == pa.name {
                true
            } else if answer.code == 400 && answer.key == pb.name {
                false
            } else {
                return Err(Unprobed::Order {
                    a: pa.name.clone(),
                    b: pb.name.clone(),
                    code: answer.code,
                    key: answer.key,
                });
            };
            memo.insert((a, b), first);
            memo.insert((b, a), !first);
            Ok(first)
        };
        let mut consistent = true;
        for i in 1..candidates.len() {
            match before(self, i - 1, i) {
                Ok(true) => {}
                Ok(false) => consistent = false,
                Err(why) => {
                    failed = Some(why);
                    break;
                }
            }
        }
        let observed = if failed.is_none() && !consistent {
            // Insertion by binary search: n log n questions.
            let mut sorted: Vec<usize> = Vec::new();
            for item in 0..candidates.len() {
                let (mut lo, mut hi) = (0, sorted.len());
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    match before(self, sorted[mid], item) {
                        Ok(true) => lo = mid + 1,
                        Ok(false) => hi = mid,
                        Err(why) => {
                            failed = Some(why);
                            break;
                        }
                    }
                }
                if failed.is_some() {
                    break;
                }
                sorted.insert(lo, item);
            }
            sorted
                .into_iter()
                .map(|i| candidates[i].0.name.clone())
                .collect()
        } else {
            ours.clone()
        };
        match failed {
            Some(why) => self.finding(
                None,
                "order",
                json!(ours),
                Json::Null,
                Agreement::Unknown,
                Some(why.to_string()),
            ),
            None => {
                let verdict = if observed == ours {
                    Agreement::Confirmed
                } else {
                    Agreement::Contradicted
                };
                self.observations.order = Some(observed.clone());
                self.finding(None, "order", json!(ours), json!(observed), verdict, None);
            }
        }
    }

    /// D5: a wrong password with an invalid parameter is a 401, not a 400.
    fn auth_first(&mut self, probed: &[&Param], base: &Pairs) {
        let Some((p, value)) = probed.iter().find_map(|p| Some((*p, invalid(p)?))) else {
            return;
        };
        let params = with(base, &p.name, &value);
        let (observed, verdict, reason) = match self.prober.ask(self.f, Principal::Nobody, &params)
        {
            Ok(answer) if answer.code == 401 => (json!(401), Agreement::Confirmed, None),
            Ok(answer) => (
                json!(answer.code),
                Agreement::Contradicted,
                Some("the spec cannot say this order: not written".to_owned()),
            ),
            Err(why) => (Json::Null, Agreement::Unknown, Some(why.to_string())),
        };
        self.finding(None, "order.auth", json!(401), observed, verdict, reason);
    }
}

/// A bound as a whole number, if it is one (`4`, `0.00`); bounds are searched in steps of one.
fn whole(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Integer(i) => Some(*i),
        Value::Decimal(d) if d.fract().is_zero() => d.trunc().to_string().parse().ok(),
        Value::Decimal(_) | Value::String(_) => None,
    }
}

fn is_success(code: u16) -> bool {
    (200..300).contains(&code)
}

/// A value `p`'s own rules refuse, whatever the rest of the request: its type's, its allowed
/// set's or its format's. `None` when nothing is sure to be refused (free text).
fn invalid(p: &Param) -> Option<String> {
    match p.ty {
        ParamType::Integer | ParamType::Decimal => Some("abc".into()),
        ParamType::Base64 => Some("not*base64".into()),
        ParamType::String if p.allowed.is_some() => Some("not-a-choice".into()),
        ParamType::String
            if p.format
                .as_ref()
                .is_some_and(|f| f.name == FormatName::CurrencyCode) =>
        {
            Some("usd".into())
        }
        ParamType::String => None,
    }
}

/// Values next to an allowed one that a target might take too: other cases and padding for
/// text, the neighbours of the set for numbers.
fn near_misses(ty: ParamType, value: &str, set: &[String]) -> Vec<String> {
    match ty {
        ParamType::Integer => {
            let numbers: Vec<i64> = set.iter().filter_map(|v| v.parse().ok()).collect();
            let (Some(lo), Some(hi)) = (numbers.iter().min(), numbers.iter().max()) else {
                return Vec::new();
            };
            vec![(lo - 1).to_string(), (hi + 1).to_string()]
        }
        _ => {
            let mut capital = value.to_owned();
            if let Some(first) = capital.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            let mut misses = vec![
                value.to_uppercase(),
                capital,
                format!(" {value}"),
                format!("{value} "),
            ];
            misses.retain(|m| m != value && !set.contains(m));
            misses
        }
    }
}

/// The double-quoted words of a message (`must be one of "random", "sequential"`).
fn quoted(message: &str) -> Vec<String> {
    message
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

fn sorted(values: &[String]) -> Vec<String> {
    let mut values = values.to_vec();
    values.sort();
    values
}

/// Why the observed spec could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Spec(#[from] crate::spec::yaml::FileErrors),
    #[error(transparent)]
    Edit(#[from] crate::spec::EditError),
    #[error("{file}: {error}")]
    Io { file: String, error: std::io::Error },
}

/// Writes under `out` every file of the spec (from `spec_dir`, or the embedded one) with what
/// `learned` observed: each probed rule as observed, marked `observed`, and the function's
/// `observed: {target, date}`; and `learned.jsonl`, a line per finding and a summary line.
pub fn write(
    spec_dir: Option<&Path>,
    learned: &Learned,
    out: &Path,
    target: &str,
    date: &str,
) -> Result<(), WriteError> {
    let io = |file: &Path| {
        let file = file.display().to_string();
        move |error| WriteError::Io { file, error }
    };
    let spec = match spec_dir {
        Some(dir) => Spec::from_dir(dir)?,
        None => Spec::embedded()?,
    };
    for (relative, text) in Spec::texts(spec_dir)? {
        let function = spec
            .functions()
            .iter()
            .find(|f| f.source.ends_with(&relative));
        let observed = function.and_then(|f| learned.observations.get(&f.path));
        let text = match observed {
            Some(observed) if !observed.is_empty() => {
                edited(&relative, &text, observed, target, date)?
            }
            _ => text,
        };
        let path = out.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    let mut lines = String::new();
    for finding in &learned.findings {
        lines.push_str(&serde_json::to_string(finding).expect("findings serialize"));
        lines.push('\n');
    }
    let summary = json!({ "summary": {
        "target": target,
        "date": date,
        "confirmed": learned.count(Agreement::Confirmed),
        "contradicted": learned.count(Agreement::Contradicted),
        "unknown": learned.count(Agreement::Unknown),
        "inferred": {
            "confirmed": learned.count_inferred(Agreement::Confirmed),
            "contradicted": learned.count_inferred(Agreement::Contradicted),
            "unknown": learned.count_inferred(Agreement::Unknown),
        },
        "requests": learned.requests,
        "seconds": (learned.elapsed.as_secs_f64() * 10.0).round() / 10.0,
    }});
    lines.push_str(&summary.to_string());
    lines.push('\n');
    let jsonl = out.join("learned.jsonl");
    std::fs::write(&jsonl, lines).map_err(io(&jsonl))
}

impl Observations {
    fn is_empty(&self) -> bool {
        self == &Observations::default()
    }
}

/// One spec file's text with `observed` written in.
fn edited(
    file: &str,
    text: &str,
    observed: &Observations,
    target: &str,
    date: &str,
) -> Result<String, WriteError> {
    let mut spec = SpecText::parse(file, text)?;
    let quote = |v: &str| serde_json::to_string(v).expect("strings serialize");
    for (name, required) in &observed.required {
        spec.set_rule(file, name, "required", Some(&required.to_string()))?;
    }
    for (name, (min, max)) in &observed.range {
        let mut parts = Vec::new();
        if let Some(min) = min {
            parts.push(format!("min: {}", quote(min)));
        }
        if let Some(max) = max {
            parts.push(format!("max: {}", quote(max)));
        }
        let line =
            (!parts.is_empty()).then(|| format!("{{{}, provenance: observed}}", parts.join(", ")));
        spec.set_rule(file, name, "range", line.as_deref())?;
    }
    for (name, values) in &observed.allowed {
        let values: Vec<String> = values.iter().map(|v| quote(v)).collect();
        let line = format!("{{values: [{}], provenance: observed}}", values.join(", "));
        spec.set_rule(file, name, "allowed", Some(&line))?;
    }
    for (name, places) in &observed.places {
        let line = format!("{{max: {places}, provenance: observed}}");
        spec.set_rule(file, name, "places", Some(&line))?;
    }
    for (name, format) in &observed.format {
        let format = serde_json::to_value(format).expect("formats serialize");
        let line = format!(
            "{{name: {}, provenance: observed}}",
            format.as_str().unwrap_or_default()
        );
        spec.set_rule(file, name, "format", Some(&line))?;
    }
    if let Some(order) = &observed.order {
        spec.order(order);
    }
    spec.set_top(
        "observed",
        &format!("{{target: {}, date: {}}}", quote(target), quote(date)),
    );
    Ok(spec.text())
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::conformance::config::Credentials;
    use crate::conformance::target::{TargetError, WireAnswer};

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
