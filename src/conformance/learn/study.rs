//! The probes of one function: that a base request is taken, then per parameter whether it is
//! required, its allowed values, its decimal places, a currency's format, and that
//! authentication is checked before parameters; each finding recorded beside what the spec says.
//! The ranges' search is `bounds`', the report order's `order`'s.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::prober::{Prober, Unprobed};
use super::{Agreement, Finding, Observations};
use crate::conformance::config::Principal;
use crate::conformance::generate::{Pairs, base, with};
use crate::spec::value::{ParamType, Value};
use crate::spec::{AUTH_PARAMS, ConstraintRule, FormatName, Function, Param, Provenance};

/// What one probing request showed about a parameter.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ProbeAnswer {
    Accepted,
    /// 400 naming the parameter probed.
    Refused {
        message: String,
    },
    /// Anything else: another code, another key, no envelope, no budget left.
    Other(Unprobed),
}

/// The probes of one function.
pub(super) struct Probes<'s, 'a, 'p> {
    pub(super) f: &'s Function,
    pub(super) prober: &'s mut Prober<'a, 'p>,
    pub(super) findings: Vec<Finding>,
    pub(super) observations: Observations,
    /// Per parameter: refusals that named it, and the keys other refusals named instead.
    pub(super) keys: BTreeMap<String, (usize, Vec<String>)>,
}

impl Probes<'_, '_, '_> {
    pub(super) fn all(&mut self) {
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

    pub(super) fn finding(
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
    pub(super) fn seen(&mut self, p: &Param, params: &Pairs) -> ProbeAnswer {
        match self.prober.ask(self.f, Principal::Full, params) {
            Ok(answer) if is_success(answer.code) => ProbeAnswer::Accepted,
            Ok(answer) if answer.code == 400 => {
                let entry = self.keys.entry(p.name.clone()).or_default();
                if answer.key == p.name {
                    entry.0 += 1;
                    ProbeAnswer::Refused {
                        message: answer.message,
                    }
                } else {
                    entry.1.push(answer.key.clone());
                    ProbeAnswer::Other(Unprobed::OtherKey(answer.key.clone()))
                }
            }
            Ok(answer) => ProbeAnswer::Other(Unprobed::Answered {
                code: answer.code,
                key: answer.key,
            }),
            Err(why) => ProbeAnswer::Other(why),
        }
    }

    /// `base` with `p` set to `value`, and any parameter that `p` must not exceed (or fall
    /// below) moved out of the way, so that only `p`'s own rules can refuse it.
    pub(super) fn probe(&self, base: &Pairs, p: &Param, value: &str) -> Pairs {
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

    pub(super) fn accepts(
        &mut self,
        base: &Pairs,
        p: &Param,
        value: &str,
    ) -> Result<bool, Unprobed> {
        let params = self.probe(base, p, value);
        match self.seen(p, &params) {
            ProbeAnswer::Accepted => Ok(true),
            ProbeAnswer::Refused { .. } => Ok(false),
            ProbeAnswer::Other(why) => Err(Unprobed::At {
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
                ProbeAnswer::Accepted => (Agreement::Contradicted, Some(false), None),
                ProbeAnswer::Refused { .. } => (Agreement::Confirmed, Some(true), None),
                ProbeAnswer::Other(why) => (Agreement::Unknown, None, Some(why.to_string())),
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
pub(super) fn whole(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Integer(i) => Some(*i),
        Value::Decimal(d) if d.fract().is_zero() => d.trunc().to_string().parse().ok(),
        Value::Decimal(_) | Value::String(_) => None,
    }
}

pub(super) fn is_success(code: u16) -> bool {
    (200..300).contains(&code)
}

/// A value `p`'s own rules refuse, whatever the rest of the request: its type's, its allowed
/// set's or its format's. `None` when nothing is sure to be refused (free text).
pub(super) fn invalid(p: &Param) -> Option<String> {
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
pub(super) fn near_misses(ty: ParamType, value: &str, set: &[String]) -> Vec<String> {
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
pub(super) fn quoted(message: &str) -> Vec<String> {
    message
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) fn sorted(values: &[String]) -> Vec<String> {
    let mut values = values.to_vec();
    values.sort();
    values
}
