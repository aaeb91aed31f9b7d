//! `RawParams` → `Params`: every parameter of the function checked by the spec's rules alone, in
//! the spec's order, and the first failure answered (D5): required, then type, then allowed
//! values, range and format; then the constraints that need no stored state. No function has
//! code of its own here: a new rule is a line of YAML.

use crate::fake::Settings;
use crate::fake::diagnostic::{Diagnostic, DiagnosticKind};
use crate::fake::error::ApiError;
use crate::fake::mutant::{self, Mutant};
use crate::fake::params::RawParams;
use crate::spec::value::{ParamType, TypeError, Value};
use crate::spec::{AUTH_PARAMS, ConstraintRule, DefaultSource, Function, Param, Variant};

/// The parameters a request gave, typed and checked. Defaults are not filled in here: most need
/// stored state (the group's, the current value), so `Input` resolves them all in one place.
#[derive(Debug, Clone)]
pub struct Params<'a> {
    function: &'a Function,
    /// Only what the request gave, by position in `function.parameters`, in that order: a call
    /// gives a handful of a function's thirty parameters.
    given: Vec<(usize, Value)>,
}

impl Params<'_> {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.function.position(name).and_then(|i| self.at(i))
    }

    /// The value given for the parameter at `position` in the function's parameters.
    pub fn at(&self, position: usize) -> Option<&Value> {
        self.given
            .iter()
            .find(|(at, _)| *at == position)
            .map(|(_, value)| value)
    }

    /// The values given, with their positions, in the function's order.
    pub(crate) fn into_given(self) -> Vec<(usize, Value)> {
        self.given
    }
}

/// What a request sent, matched once to its function's parameters: the first value of each
/// name the function takes, by position (D3, D4), and the pairs a diagnostic should look at.
#[derive(Debug)]
pub(crate) struct Sent<'r> {
    /// Past authentication's two, in the function's order: position, value, whether UTF-8.
    given: Vec<(usize, &'r str, bool)>,
    /// The indexes of the pairs whose name the function does not take, whose name came before,
    /// or that were read leniently: usually none, and then no diagnostic costs anything more.
    pub(crate) suspects: Vec<usize>,
}

impl<'r> Sent<'r> {
    pub(crate) fn read(function: &Function, raw: &'r RawParams) -> Sent<'r> {
        // The spec loader puts the authentication parameters first; `auth` reads those, and
        // `auth_token`, which is no function's parameter but every function takes.
        let mut auth_seen = [false; AUTH_PARAMS.len() + 1];
        let mut given: Vec<(usize, &str, bool)> = Vec::with_capacity(raw.len());
        let mut suspects = Vec::new();
        for (i, (name, value, utf8, lenient)) in raw.pairs_flagged().enumerate() {
            let again = match function.position(name) {
                Some(at) if at >= AUTH_PARAMS.len() => {
                    let again = given.iter().any(|(seen, ..)| *seen == at);
                    if !again {
                        given.push((at, value, utf8));
                    }
                    again
                }
                Some(at) => std::mem::replace(&mut auth_seen[at], true),
                None if name == "auth_token" => {
                    std::mem::replace(&mut auth_seen[AUTH_PARAMS.len()], true)
                }
                None => true,
            };
            if again || lenient {
                suspects.push(i);
            }
        }
        given.sort_unstable_by_key(|(at, ..)| *at);
        Sent { given, suspects }
    }
}

/// Checks `raw` against `function`'s parameters and stateless constraints, with the fake's cap
/// on the cards one call may create (D12).
pub fn validate<'a>(
    function: &'a Function,
    raw: &RawParams,
    settings: &Settings,
) -> Result<Params<'a>, ApiError> {
    check(
        function,
        &Sent::read(function, raw),
        settings,
        &mut Vec::new(),
    )
}

/// `validate` of what `Sent::read` found; a value read leniently, and a parameter the others
/// make meaningless, is added to `diagnostics`.
pub(crate) fn check<'a>(
    function: &'a Function,
    sent: &Sent<'_>,
    settings: &Settings,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Params<'a>, ApiError> {
    let max_cards = settings.max_cards;
    let mut given = Vec::with_capacity(sent.given.len());
    let mut required = function.required_positions().iter().copied().peekable();
    let absent = |position: usize| ApiError::required(&function.parameters[position].name);
    for &(i, text, utf8) in &sent.given {
        while let Some(r) = required.next_if(|r| *r <= i) {
            if r < i {
                return Err(absent(r));
            }
        }
        let param = &function.parameters[i];
        if !utf8 {
            return Err(ApiError::bad_type(&param.name, &TypeError::NotUtf8));
        }
        if let Some(value) = check_one(param, text, settings.mutant, diagnostics)? {
            given.push((i, value));
        }
    }
    if let Some(r) = required.next() {
        return Err(absent(r));
    }
    let params = Params { function, given };
    for constraint in &function.constraints {
        match constraint.rule {
            ConstraintRule::OneRequired => {
                if constraint
                    .params
                    .iter()
                    .all(|name| params.get(name).is_none())
                {
                    let names = constraint.params.join(" or ");
                    return Err(ApiError::constraint(
                        &constraint.key,
                        format!("{names} is required."),
                    ));
                }
            }
            ConstraintRule::ExactlyOne => {
                let set = constraint
                    .params
                    .iter()
                    .filter(|name| is_set(function, &params, name))
                    .count();
                let both_taken = mutant::is(settings.mutant, Mutant::DataAndSoundBoth);
                if set == 0 || (set > 1 && !both_taken) {
                    let names = constraint.params.join(" and ");
                    return Err(ApiError::constraint(
                        &constraint.key,
                        format!("Exactly one of {names} must be set."),
                    ));
                }
            }
            ConstraintRule::CardCap => {
                let mut product: Option<u64> = Some(1);
                for name in &constraint.params {
                    let factor = stateless_value(function, &params, name).and_then(|v| match v {
                        Value::Integer(i) => u64::try_from(i).ok(),
                        _ => None,
                    });
                    product = product.zip(factor).and_then(|(p, f)| p.checked_mul(f));
                }
                if product.is_none_or(|cards| cards > max_cards) {
                    let names = constraint.params.join(" × ");
                    return Err(ApiError::constraint(
                        &constraint.key,
                        format!("{names} may not exceed {max_cards} cards in one call."),
                    ));
                }
            }
            // Need stored state: checked in `input`.
            ConstraintRule::NotGreater
            | ConstraintRule::SameCustomer
            | ConstraintRule::LengthWithin => {}
        }
    }
    for variant in &function.data.variants {
        meaningless(&params, variant, diagnostics);
    }
    Ok(params)
}

/// One parameter sent: text that must parse as its type and keep its rules. `None` when a
/// mutant drops a value of the wrong type.
fn check_one(
    param: &Param,
    text: &str,
    mutant: Option<Mutant>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<Value>, ApiError> {
    let value = match param.ty.parse(text) {
        Ok(value) => value,
        Err(_) if !param.required && mutant::is(mutant, Mutant::TypeDropped) => return Ok(None),
        Err(e) => return Err(ApiError::bad_type(&param.name, &e)),
    };
    if let Some(lenient) = lenient(param, text) {
        diagnostics.push(lenient);
    }
    param
        .check(&value)
        .map_err(|why| ApiError::invalid(&param.name, why))?;
    Ok(Some(value))
}

/// A value its type accepted only by a reading the vendor does not document: a number with a
/// leading zero (`08`), Base64 with spaces or line breaks.
fn lenient(param: &Param, text: &str) -> Option<Diagnostic> {
    match param.ty {
        ParamType::Integer | ParamType::Decimal => {
            let digits = text.strip_prefix('-').unwrap_or(text).as_bytes();
            let zero_first = digits.len() > 1 && digits[0] == b'0' && digits[1].is_ascii_digit();
            zero_first.then(|| Diagnostic::leading_zero(&param.name))
        }
        ParamType::Base64 if text.contains(' ') => {
            Some(Diagnostic::loose_base64(&param.name, true))
        }
        ParamType::Base64 if text.contains(['\r', '\n']) => {
            Some(Diagnostic::loose_base64(&param.name, false))
        }
        ParamType::Base64 | ParamType::String => None,
    }
}

/// The parameters given that `variant` of the answer has no use for, when the call asks for it
/// (`sort` with `count=1`); each said once.
fn meaningless(params: &Params<'_>, variant: &Variant, diagnostics: &mut Vec<Diagnostic>) {
    let asked = params
        .get(&variant.parameter)
        .is_some_and(|value| value.to_string() == variant.value);
    if !asked {
        return;
    }
    for name in &variant.ignores {
        let said = diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::Meaningless && d.param == *name);
        if params.get(name).is_some() && !said {
            diagnostics.push(Diagnostic::meaningless(name, variant));
        }
    }
}

/// Whether the request set `name`: gave it, with a value other than its literal default (`sound=0`
/// is no sound, `data=` no data).
fn is_set(function: &Function, params: &Params<'_>, name: &str) -> bool {
    let default = function
        .param(name)
        .and_then(|p| p.default.as_ref())
        .and_then(|d| match &d.source {
            DefaultSource::Literal(value) => Some(value),
            _ => None,
        });
    params.get(name).is_some_and(|value| Some(value) != default)
}

/// The given value, or a literal default: what a parameter is without looking at stored state.
fn stateless_value(function: &Function, params: &Params<'_>, name: &str) -> Option<Value> {
    params
        .get(name)
        .cloned()
        .or_else(|| match &function.param(name)?.default.as_ref()?.source {
            DefaultSource::Literal(value) => Some(value.clone()),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Spec;

    fn run(path: &str, query: &str) -> Result<Params<'static>, ApiError> {
        static SPEC: std::sync::OnceLock<Spec> = std::sync::OnceLock::new();
        let spec = SPEC.get_or_init(|| Spec::embedded().unwrap());
        let settings = Settings {
            max_cards: 100,
            ..Settings::default()
        };
        validate(
            spec.function(path).unwrap(),
            &RawParams::parse(query, None),
            &settings,
        )
    }

    fn key_and_message(result: Result<Params, ApiError>) -> (String, String) {
        let error = result.expect_err("the request is invalid");
        assert_eq!(error.code.as_u16(), 400);
        (error.key, error.message)
    }

    #[test]
    fn the_first_failing_parameter_in_spec_order_wins() {
        // batch_name (4th) is missing and number (12th) is not a number: batch_name is reported.
        let (key, _) = key_and_message(run("cards/batches/create", "cardgroup=1;number=x"));
        assert_eq!(key, "batch_name");
        let (key, message) = key_and_message(run(
            "cards/batches/create",
            "cardgroup=1;batch_name=b;number=x",
        ));
        assert_eq!(key, "number");
        assert_eq!(
            message,
            "number must be a whole number: digits with an optional leading '-'."
        );
    }

    #[test]
    fn a_required_parameter_not_sent_fails_where_it_stands_among_those_sent() {
        // cardgroup (3rd) and batch_name (4th) are required; number is the 12th.
        let first = |query| key_and_message(run("cards/batches/create", query)).0;
        assert_eq!(first("number=1"), "cardgroup", "before every one sent");
        assert_eq!(
            first("number=x;cardgroup=1"),
            "batch_name",
            "between, sent out of order"
        );
        assert_eq!(first("cardgroup=1"), "batch_name", "after every one sent");
        assert_eq!(
            first("batch_name=b;cardgroup=x"),
            "cardgroup",
            "a bad one sent first"
        );
        // The first value of a name is the one checked.
        assert_eq!(first("cardgroup=x;cardgroup=1;batch_name=b"), "cardgroup");
        assert!(
            run(
                "cards/batches/create",
                "cardgroup=1;cardgroup=x;batch_name=b"
            )
            .is_ok()
        );
    }

    #[test]
    fn allowed_values_and_ranges_come_from_the_spec() {
        let (key, message) = key_and_message(run("cards/groups/update", "id=1;method=shuffled"));
        assert_eq!(
            (key.as_str(), message.as_str()),
            (
                "method",
                "method must be one of \"random\", \"sequential\"."
            )
        );
        let (key, message) = key_and_message(run("cards/groups/update", "id=1;card_length=3"));
        assert_eq!(
            (key.as_str(), message.as_str()),
            ("card_length", "card_length must be at least 4.")
        );
        let (key, _) = key_and_message(run("cards/groups/update", "id=1;currency=usd"));
        assert_eq!(key, "currency");
    }

    #[test]
    fn the_card_cap_counts_every_batch_and_defaults() {
        assert!(
            run(
                "cards/batches/create",
                "cardgroup=1;batch_name=b;number=100"
            )
            .is_ok()
        );
        let (key, message) = key_and_message(run(
            "cards/batches/create",
            "cardgroup=1;batch_name=b;number=51;batch_number=2",
        ));
        assert_eq!(key, "number");
        assert_eq!(
            message,
            "batch_number × number may not exceed 100 cards in one call."
        );
        let (key, _) = key_and_message(run(
            "cards/batches/create",
            "cardgroup=1;batch_name=b;number=9223372036854775807;batch_number=9223372036854775807",
        ));
        assert_eq!(key, "number");
    }

    #[test]
    fn one_of_batch_and_cardgroup_is_required_by_cards_list() {
        let (key, message) = key_and_message(run("cards/list", "sort=card"));
        assert_eq!(
            (key.as_str(), message.as_str()),
            ("batch", "batch or cardgroup is required.")
        );
        assert!(run("cards/list", "cardgroup=123").is_ok());
    }

    #[test]
    fn given_values_are_typed() {
        let params = run("cards/groups/update", "id=7;balance=1.50;name=x").unwrap();
        assert_eq!(params.get("id"), Some(&Value::Integer(7)));
        assert_eq!(params.get("balance").unwrap().to_string(), "1.50");
        assert_eq!(params.get("card_length"), None);
    }
}
