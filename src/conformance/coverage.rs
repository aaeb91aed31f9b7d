//! What a run covered of the spec: for each function, each parameter's rules by family (missing,
//! type, allowed, range, format, reference), the function's own (auth, validation, forms, each
//! constraint), and each documented answer code; for each, the cases that exercised it and how
//! they ended. The items come from the spec, so a rule no case reaches shows as uncovered
//! rather than not at all.
//!
//! A case exercises a rule when it ran (was not skipped) and its id names the rule
//! (`<function>/range/clock/at-max` exercises `clock`'s range); it exercises a code when one of
//! its steps was answered with that code by that step's function. The share covered counts
//! rules and codes alike.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::conformance::outcome::{CaseResult, Outcome};
use crate::spec::AUTH_PARAMS;
use crate::spec::Spec;

/// The families of rules, as the generator names its cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Missing,
    Type,
    Allowed,
    Range,
    Format,
    Reference,
    Auth,
    Validation,
    Forms,
    Constraint,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Missing => "missing",
            Family::Type => "type",
            Family::Allowed => "allowed",
            Family::Range => "range",
            Family::Format => "format",
            Family::Reference => "reference",
            Family::Auth => "auth",
            Family::Validation => "validation",
            Family::Forms => "forms",
            Family::Constraint => "constraint",
        }
    }

    /// The family of a case id's first segment after the function (`syntax` is D12's side of
    /// a type).
    fn of_segment(segment: &str) -> Option<Family> {
        Some(match segment {
            "missing" => Family::Missing,
            "type" | "syntax" => Family::Type,
            "allowed" => Family::Allowed,
            "range" => Family::Range,
            "format" => Family::Format,
            "reference" => Family::Reference,
            "auth" => Family::Auth,
            "validation" => Family::Validation,
            "form" => Family::Forms,
            "constraint" => Family::Constraint,
            _ => return None,
        })
    }
}

/// One thing a case may exercise: a rule (of a parameter, or of the function) or a code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// The family of a rule; `None` for a code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<Family>,
    /// The parameter a rule is about; the constraint's rule (`not_greater`) for a constraint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// The answer code, for a code item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The cases that exercised it, by id.
    pub cases: Vec<String>,
    /// How those cases ended: outcome label → count.
    pub outcomes: BTreeMap<&'static str, usize>,
}

impl Item {
    pub fn covered(&self) -> bool {
        !self.cases.is_empty()
    }

    /// What the item is, in a few words: `clock range`, `auth`, `code 404`.
    pub fn label(&self) -> String {
        match (&self.code, &self.parameter, self.family) {
            (Some(code), _, _) => format!("code {code}"),
            (None, Some(parameter), Some(family)) => format!("{parameter} {}", family.as_str()),
            (None, None, Some(family)) => family.as_str().to_owned(),
            (None, _, None) => "?".to_owned(),
        }
    }

    fn rule(family: Family, parameter: Option<&str>) -> Item {
        Item {
            family: Some(family),
            parameter: parameter.map(str::to_owned),
            code: None,
            cases: Vec::new(),
            outcomes: BTreeMap::new(),
        }
    }

    fn record(&mut self, result: &CaseResult) {
        if !self.cases.contains(&result.id) {
            self.cases.push(result.id.clone());
            *self.outcomes.entry(result.outcome.label()).or_default() += 1;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionCoverage {
    pub function: String,
    /// Parameter rules in the spec's parameter order, then the function's own.
    pub rules: Vec<Item>,
    /// The documented codes, in the spec's order.
    pub codes: Vec<Item>,
}

/// The coverage of one run, the JSON `check --coverage` writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// How many rules and codes some case exercised, of how many the spec has.
    pub covered: usize,
    pub total: usize,
    /// `covered / total` in percent, rounded down to a tenth.
    pub percent: f64,
    pub functions: Vec<FunctionCoverage>,
}

impl Coverage {
    /// The coverage of `results` (any order; skipped cases exercise nothing) over `spec`.
    pub fn of(spec: &Spec, results: &[CaseResult]) -> Coverage {
        let mut functions: Vec<FunctionCoverage> = spec
            .functions()
            .iter()
            .map(|f| {
                let mut rules = Vec::new();
                for p in f
                    .parameters
                    .iter()
                    .filter(|p| !AUTH_PARAMS.contains(&&*p.name))
                {
                    let name = Some(p.name.as_str());
                    let families = [
                        (p.required, Family::Missing),
                        (p.ty != crate::spec::value::ParamType::String, Family::Type),
                        (p.allowed.is_some(), Family::Allowed),
                        (p.range.is_some(), Family::Range),
                        (p.format.is_some(), Family::Format),
                        (p.refers_to.is_some(), Family::Reference),
                    ];
                    for (applies, family) in families {
                        if applies {
                            rules.push(Item::rule(family, name));
                        }
                    }
                }
                rules.push(Item::rule(Family::Auth, None));
                if f.param("validation").is_some() {
                    rules.push(Item::rule(Family::Validation, None));
                }
                rules.push(Item::rule(Family::Forms, None));
                for c in &f.constraints {
                    let rule = serde_json::to_value(c.rule).expect("rules serialize");
                    rules.push(Item::rule(Family::Constraint, rule.as_str()));
                }
                let codes = f
                    .responses
                    .iter()
                    .map(|r| Item {
                        family: None,
                        parameter: None,
                        code: Some(r.code.to_string()),
                        cases: Vec::new(),
                        outcomes: BTreeMap::new(),
                    })
                    .collect();
                FunctionCoverage {
                    function: f.path.clone(),
                    rules,
                    codes,
                }
            })
            .collect();

        for result in results {
            if matches!(result.outcome, Outcome::Skipped { .. }) {
                continue;
            }
            let function = functions.iter_mut().find(|f| f.function == result.function);
            if let (Some(function), Some((family, parameter))) =
                (function, rule_of(&result.id, &result.function))
            {
                let item = function.rules.iter_mut().find(|i| {
                    i.family == Some(family)
                        && (i.parameter.is_none() || i.parameter.as_deref() == parameter)
                });
                if let Some(item) = item {
                    item.record(result);
                }
            }
            let Some(exchange) = &result.exchange else {
                continue;
            };
            for (function, step) in exchange.functions.iter().zip(&exchange.actual.steps) {
                let item = functions
                    .iter_mut()
                    .filter(|f| &f.function == function)
                    .flat_map(|f| f.codes.iter_mut())
                    .find(|i| i.code.as_deref() == Some(step.code.as_str()));
                if let Some(item) = item {
                    item.record(result);
                }
            }
        }

        let items = || {
            functions
                .iter()
                .flat_map(|f| f.rules.iter().chain(&f.codes))
        };
        let total = items().count();
        let covered = items().filter(|i| i.covered()).count();
        let tenths = (covered * 1000).checked_div(total).unwrap_or(1000);
        Coverage {
            covered,
            total,
            percent: tenths as f64 / 10.0,
            functions,
        }
    }

    /// Every item no case exercised, as `function: label`.
    pub fn uncovered(&self) -> Vec<String> {
        self.functions
            .iter()
            .flat_map(|f| {
                f.rules
                    .iter()
                    .chain(&f.codes)
                    .filter(|i| !i.covered())
                    .map(move |i| format!("{}: {}", f.function, i.label()))
            })
            .collect()
    }
}

/// The family a case id names and the parameter (or constraint rule) after it:
/// `cards/groups/update/range/clock/at-max` → (Range, `clock`); `…/auth/wrong-password` →
/// (Auth, `wrong-password`, which a function-wide item ignores).
fn rule_of<'a>(id: &'a str, function: &str) -> Option<(Family, Option<&'a str>)> {
    let rest = id.strip_prefix(function)?.strip_prefix('/')?;
    let mut segments = rest.split('/');
    let family = Family::of_segment(segments.next()?)?;
    Some((family, segments.next()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_id_names_its_family_and_parameter() {
        let f = "cards/groups/update";
        assert_eq!(
            rule_of("cards/groups/update/range/clock/at-max", f),
            Some((Family::Range, Some("clock")))
        );
        assert_eq!(
            rule_of("cards/groups/update/syntax/balance", f),
            Some((Family::Type, Some("balance")))
        );
        assert_eq!(
            rule_of("cards/groups/update/form/post-body", f),
            Some((Family::Forms, Some("post-body")))
        );
        assert_eq!(rule_of("cards/groups/update/ok/every", f), None);
        assert_eq!(rule_of("scenario/log-in-with-a-token", f), None);
    }
}
