//! Cases made from the spec alone, for every function: success with the required parameters and
//! with every one; each required parameter missing; each number of the wrong type (and of D12's
//! syntax); each allowed set, range and format broken, and each range met at its bounds; each
//! reference to another customer's or a missing object; each authentication failure;
//! `validation=1` on a valid and an invalid request; the constraints; and every request form. Ids are stable: `<function>/<family>/<detail>`.

use crate::conformance::case::{Case, Form, Step};
use crate::conformance::config::{Principal, Resources};
use crate::fake::DEFAULT_MAX_CARDS;
use crate::spec::AUTH_PARAMS;
use crate::spec::value::{ParamType, Value};
use crate::spec::{
    Access, Code, ConstraintRule, FormatName, Function, Param, Provenance, ResourceKind, Spec,
};

pub(super) fn cases(spec: &Spec) -> Vec<Case> {
    let mut cases = Vec::new();
    for function in spec.functions() {
        Generator {
            f: function,
            cases: &mut cases,
        }
        .all();
    }
    cases
}

struct Generator<'a> {
    f: &'a Function,
    cases: &'a mut Vec<Case>,
}

/// The parameters of a request, in order, as `name=value`.
pub(super) type Pairs = Vec<(String, String)>;

impl Generator<'_> {
    fn all(&mut self) {
        let f = self.f;
        let base = self.base();
        let writes = f.access.value == Access::Write;

        self.push(
            "ok/required",
            "success with only the required parameters",
            Provenance::Documented,
            !writes,
            Principal::Full,
            base.clone(),
        );
        let every = self.every();
        self.push(
            "ok/every",
            "success with every parameter",
            Provenance::Documented,
            !writes,
            Principal::Full,
            every,
        );

        for p in params(self.f) {
            if p.required {
                let without: Pairs = base.iter().filter(|(n, _)| *n != p.name).cloned().collect();
                self.push(
                    &format!("missing/{}", p.name),
                    &format!("{} is required", p.name),
                    Provenance::Documented,
                    true,
                    Principal::Full,
                    without,
                );
            }
            self.value_cases(p, &base);
        }

        self.auth_cases(&base);
        self.reference_cases(&base);

        if f.param("validation").is_some() {
            let mut valid = base.clone();
            valid.push(("validation".into(), "1".into()));
            self.push(
                "validation/valid",
                "validation=1 on a valid request answers 201 and changes nothing",
                Provenance::Documented,
                true,
                Principal::Full,
                valid,
            );
            if let Some((first, _)) = base.first() {
                let mut invalid: Pairs = base.iter().filter(|(n, _)| n != first).cloned().collect();
                invalid.push(("validation".into(), "1".into()));
                self.push(
                    "validation/invalid",
                    "validation=1 still runs every check (D14)",
                    Provenance::Inferred,
                    true,
                    Principal::Full,
                    invalid,
                );
            }
        }

        for constraint in &f.constraints {
            let mut who = Principal::Full;
            let params = match constraint.rule {
                ConstraintRule::OneRequired => base
                    .iter()
                    .filter(|(n, _)| !constraint.params.contains(n))
                    .cloned()
                    .collect(),
                ConstraintRule::CardCap => {
                    with(&base, &constraint.key, &(DEFAULT_MAX_CARDS + 1).to_string())
                }
                ConstraintRule::NotGreater => {
                    let [low, high] = constraint.params.as_slice() else {
                        continue;
                    };
                    let top = f
                        .param(low)
                        .and_then(|p| p.range.as_ref()?.max.clone())
                        .map_or("2".into(), |v| v.to_string());
                    let bottom = f
                        .param(high)
                        .and_then(|p| p.range.as_ref()?.min.clone())
                        .map_or("1".into(), |v| v.to_string());
                    with(&with(&base, low, &top), high, &bottom)
                }
                // Only a user who sees two customers can break it: the reseller, naming the
                // other customer's object as the second parameter.
                ConstraintRule::SameCustomer => {
                    let Some(second) = constraint.params.get(1).and_then(|n| f.param(n)) else {
                        continue;
                    };
                    let Some(refers) = &second.refers_to else {
                        continue;
                    };
                    who = Principal::Reseller;
                    with(&base, &second.name, &foreign_and_missing(refers.resource).0)
                }
                // Neither; `both` follows below.
                ConstraintRule::ExactlyOne => base
                    .iter()
                    .filter(|(n, _)| !constraint.params.contains(n))
                    .cloned()
                    .collect(),
                // Longer than any group allows (D11: 20 at most).
                ConstraintRule::LengthWithin => {
                    let name = constraint.params.first().map_or("", String::as_str);
                    with(&base, name, "123456789012345678901")
                }
            };
            let rule = serde_json::to_value(constraint.rule).expect("rules serialize");
            let rule = rule.as_str().unwrap_or_default();
            self.push(
                &format!("constraint/{rule}"),
                &constraint.description,
                constraint.provenance,
                true,
                who,
                params,
            );
            if constraint.rule == ConstraintRule::ExactlyOne {
                let mut both = base.clone();
                for p in constraint.params.iter().filter_map(|n| f.param(n)) {
                    if let Some(value) = valid(p) {
                        both = with(&both, &p.name, &value);
                    }
                }
                self.push(
                    &format!("constraint/{rule}/both"),
                    &constraint.description,
                    constraint.provenance,
                    true,
                    Principal::Full,
                    both,
                );
            }
        }

        // Every function, written every way D2 allows: the parser is shared, but a target's
        // routing need not be.
        for form in Form::ALL {
            let provenance = match form {
                Form::GetSemicolon | Form::PostBody => Provenance::Documented,
                _ => Provenance::Inferred,
            };
            let rule = format!("the request written as {} (D2)", form.as_str());
            let detail = format!("form/{}", form.as_str());
            let case = self.push(
                &detail,
                &rule,
                provenance,
                !writes,
                Principal::Full,
                base.clone(),
            );
            case.steps[0].form = form;
        }
    }

    /// Required parameters with valid values, and one of each `one_required` group.
    fn base(&self) -> Pairs {
        base(self.f)
    }

    /// Every parameter that has a usable valid value, `validation` as 0; of parameters of which
    /// exactly one may be set, the first.
    fn every(&self) -> Pairs {
        let excluded: Vec<&String> = self
            .f
            .constraints
            .iter()
            .filter(|c| c.rule == ConstraintRule::ExactlyOne)
            .flat_map(|c| c.params.iter().skip(1))
            .collect();
        params(self.f)
            .filter(|p| !excluded.contains(&&p.name))
            .filter_map(|p| Some((p.name.clone(), valid(p)?)))
            .collect()
    }

    /// Type, syntax, allowed set, range and format cases for one parameter.
    fn value_cases(&mut self, p: &Param, base: &Pairs) {
        let name = &p.name;
        let wrong_type = match p.ty {
            ParamType::String => None,
            ParamType::Integer => Some(("abc", Some("1.0"))),
            ParamType::Decimal => Some(("abc", Some("1e3"))),
            ParamType::Base64 => Some(("not*base64", None)),
        };
        if let Some((not_a_number, syntax)) = wrong_type {
            let rule = format!("{name} is a {}", p.ty);
            self.push(
                &format!("type/{name}"),
                &rule,
                Provenance::Documented,
                true,
                Principal::Full,
                with(base, name, not_a_number),
            );
            if let Some(syntax) = syntax {
                let rule = format!(
                    "{name} is a {} written as D12 says ({syntax:?} is not)",
                    p.ty
                );
                self.push(
                    &format!("syntax/{name}"),
                    &rule,
                    Provenance::Inferred,
                    true,
                    Principal::Full,
                    with(base, name, syntax),
                );
            }
        }
        if let Some(allowed) = &p.allowed {
            let outside = match p.ty {
                ParamType::String => "not-a-choice".to_owned(),
                _ => allowed
                    .values
                    .iter()
                    .filter_map(|v| {
                        if let Value::Integer(i) = v {
                            Some(i + 1)
                        } else {
                            None
                        }
                    })
                    .max()
                    .unwrap_or(2)
                    .to_string(),
            };
            self.push(
                &format!("allowed/{name}"),
                &format!("{name} is one of its allowed values"),
                allowed.provenance,
                true,
                Principal::Full,
                with(base, name, &outside),
            );
        }
        if let Some(range) = &p.range {
            let bounds = [("min", &range.min, -1), ("max", &range.max, 1)];
            for (side, bound, step) in bounds {
                let Some(bound) = bound else { continue };
                let past = match bound {
                    Value::Integer(i) => (i + step).to_string(),
                    Value::Decimal(d) => (d + rust_decimal::Decimal::new(step, 2)).to_string(),
                    Value::String(_) => continue,
                };
                let writes = self.f.access.value == Access::Write;
                let at = self.with_partner(with(base, name, &bound.to_string()), name);
                self.push(
                    &format!("range/{name}/at-{side}"),
                    &format!("{name} may be {bound}"),
                    range.provenance,
                    !writes,
                    Principal::Full,
                    at,
                );
                let beyond = self.with_partner(with(base, name, &past), name);
                let word = if side == "min" { "below" } else { "above" };
                self.push(
                    &format!("range/{name}/{word}-{side}"),
                    &format!("{name} may not be {past}"),
                    range.provenance,
                    true,
                    Principal::Full,
                    beyond,
                );
            }
        }
        if let Some(format) = &p.format {
            let bad = match format.name {
                FormatName::CurrencyCode => "usd",
                FormatName::Digits => "-1",
                FormatName::DigitsOrEmpty => "12a4",
                // "hello", Base64 but no WAV.
                FormatName::Wav => "aGVsbG8=",
            };
            self.push(
                &format!("format/{name}"),
                &format!("{name} must be {}", format.name.describe()),
                format.provenance,
                true,
                Principal::Full,
                with(base, name, bad),
            );
        }
    }

    /// A range case on one side of a `not_greater` pair also sets the other side out of the way,
    /// so the case checks the range and not the pair.
    fn with_partner(&self, params: Pairs, name: &str) -> Pairs {
        let mut params = params;
        for c in self
            .f
            .constraints
            .iter()
            .filter(|c| c.rule == ConstraintRule::NotGreater)
        {
            let [low, high] = c.params.as_slice() else {
                continue;
            };
            let bound = |other: &str, max: bool| {
                let range = self.f.param(other)?.range.as_ref()?;
                let value = if max {
                    range.max.as_ref()
                } else {
                    range.min.as_ref()
                };
                value.map(ToString::to_string)
            };
            if name == low
                && let Some(top) = bound(high, true)
            {
                params = with(&params, high, &top);
            } else if name == high
                && let Some(bottom) = bound(low, false)
            {
                params = with(&params, low, &bottom);
            }
        }
        params
    }

    fn auth_cases(&mut self, base: &Pairs) {
        let f = self.f;
        self.push(
            "auth/wrong-password",
            "a wrong password answers 401",
            Provenance::Documented,
            true,
            Principal::Nobody,
            base.clone(),
        );
        // Bad parameters and a bad password: authentication answers first (D5).
        let broken = match base.first() {
            Some((first, _)) => base.iter().filter(|(n, _)| n != first).cloned().collect(),
            None => match params(f).find(|p| p.ty == ParamType::Integer) {
                Some(p) => with(base, &p.name, "abc"),
                None => base.clone(),
            },
        };
        self.push(
            "auth/before-parameters",
            "authentication is checked before parameters (D5)",
            Provenance::Inferred,
            true,
            Principal::Nobody,
            broken,
        );
        // The target config's principals differ in the cards privilege (and the rate plan's);
        // for a function of another privilege (user/login's `user`) they say nothing.
        if f.privilege != "cards" {
            return;
        }
        self.push(
            "auth/no-privilege",
            "a role without the cards privilege answers 402",
            Provenance::Documented,
            true,
            Principal::NoPrivilege,
            base.clone(),
        );
        let reads = f.access.value == Access::Read;
        let rule = if reads {
            "a read-only role may read"
        } else {
            "a read-only role may not write (402)"
        };
        self.push(
            "auth/read-only",
            rule,
            f.access.provenance,
            true,
            Principal::ReadOnly,
            base.clone(),
        );
        if Code::new(403).is_some_and(|c| f.has_code(c)) {
            self.push(
                "auth/no-rate-plan",
                "a rate plan without the cards privilege answers 403 (D13)",
                Provenance::Inferred,
                true,
                Principal::NoPlan,
                base.clone(),
            );
        }
    }

    /// References to another customer's object, and to a missing one.
    fn reference_cases(&mut self, base: &Pairs) {
        for p in params(self.f) {
            let Some(refers) = &p.refers_to else { continue };
            let (foreign, missing) = foreign_and_missing(refers.resource);
            let name = &p.name;
            let rule = format!(
                "{name} naming another customer's object answers {}",
                refers.missing
            );
            let base = &self.alone(base, name);
            self.push(
                &format!("reference/{name}/foreign"),
                &rule,
                refers.provenance,
                true,
                Principal::Full,
                with(base, name, &foreign),
            );
            if let Some(missing) = missing {
                let rule = format!("{name} naming no object answers {}", refers.missing);
                self.push(
                    &format!("reference/{name}/missing"),
                    &rule,
                    refers.provenance,
                    true,
                    Principal::Full,
                    with(base, name, &missing),
                );
            }
        }
    }

    /// `params` without the parameters that may not be set together with `name` (the others of
    /// an `exactly_one` group), so a case about `name` is not answered by that rule first.
    fn alone(&self, params: &Pairs, name: &str) -> Pairs {
        let others: Vec<&String> = self
            .f
            .constraints
            .iter()
            .filter(|c| c.rule == ConstraintRule::ExactlyOne && c.params.iter().any(|p| p == name))
            .flat_map(|c| c.params.iter().filter(|p| *p != name))
            .collect();
        params
            .iter()
            .filter(|(n, _)| !others.contains(&n))
            .cloned()
            .collect()
    }

    /// Adds a one-step case (GET with `;`, as the vendor writes it) and returns it for tweaks.
    fn push(
        &mut self,
        detail: &str,
        rule: &str,
        provenance: Provenance,
        read_only: bool,
        who: Principal,
        params: Pairs,
    ) -> &mut Case {
        let f = self.f;
        self.cases.push(Case {
            id: format!("{}/{detail}", f.path),
            function: f.path.clone(),
            rule: rule.to_owned(),
            provenance,
            read_only,
            steps: vec![Step {
                function: f.path.clone(),
                principal: who,
                params: params
                    .into_iter()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect(),
                form: Form::default(),
                capture: Default::default(),
                normalize: Default::default(),
                token: None,
                advance_clock: None,
                call: None,
            }],
        });
        self.cases.last_mut().expect("a case was just pushed")
    }
}

/// A WAV file of four samples of silence (8 kHz, 8-bit, mono), Base64 encoded: 48 bytes.
const WAV: &str = "UklGRigAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQQAAACAgICA";

/// The parameters after authentication, in spec order.
fn params(f: &Function) -> impl Iterator<Item = &Param> {
    f.parameters
        .iter()
        .filter(|p| !AUTH_PARAMS.contains(&p.name.as_str()))
}

/// `params` with `name` set to `value`: replaced in place if present, else appended.
pub(super) fn with(params: &Pairs, name: &str, value: &str) -> Pairs {
    let mut params = params.clone();
    match params.iter_mut().find(|(n, _)| n == name) {
        Some(pair) => pair.1 = value.to_owned(),
        None => params.push((name.to_owned(), value.to_owned())),
    }
    params
}

/// Required parameters of `f` with valid values, and one of each `one_required` or
/// `exactly_one` group: a request every rule accepts.
pub(super) fn base(f: &Function) -> Pairs {
    let mut params: Pairs = params(f)
        .filter(|p| p.required)
        .filter_map(|p| Some((p.name.clone(), valid(p)?)))
        .collect();
    for constraint in f.constraints.iter().filter(|c| {
        matches!(
            c.rule,
            ConstraintRule::OneRequired | ConstraintRule::ExactlyOne
        )
    }) {
        let choice = constraint
            .params
            .iter()
            .filter_map(|n| f.param(n))
            .find_map(|p| Some((p.name.clone(), valid(p)?)));
        params.extend(choice);
    }
    params
}

/// The placeholders of another customer's object of `kind` and of one that does not exist
/// (none for kinds a config cannot name a missing one of).
fn foreign_and_missing(kind: ResourceKind) -> (String, Option<String>) {
    let names = Resources::of_kind(kind);
    let placeholder = |name: &str| format!("{{{name}}}");
    (placeholder(names.foreign), names.missing.map(placeholder))
}

/// A value every rule of `p` accepts, or `None` when there is none.
fn valid(p: &Param) -> Option<String> {
    if let Some(refers) = &p.refers_to {
        return Some(format!("{{{}}}", Resources::of_kind(refers.resource).own));
    }
    if p.name == "validation" {
        return Some("0".into());
    }
    if let Some(allowed) = &p.allowed {
        return allowed.values.first().map(ToString::to_string);
    }
    if let Some(format) = &p.format {
        return Some(match format.name {
            FormatName::CurrencyCode => "USD".into(),
            FormatName::Digits => "30".into(),
            FormatName::DigitsOrEmpty => "1234".into(),
            FormatName::Wav => WAV.into(),
        });
    }
    if let Some(min) = p.range.as_ref().and_then(|r| r.min.as_ref()) {
        return Some(min.to_string());
    }
    Some(match p.ty {
        ParamType::Integer => "1".into(),
        ParamType::Decimal => "1.50".into(),
        ParamType::String => "conformance".into(),
        ParamType::Base64 => WAV.into(),
    })
}
