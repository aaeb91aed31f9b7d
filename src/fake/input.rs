//! `Params` → `Input`: the checks that need stored state, and every parameter's effective value.
//! Runs inside the store's lock. First the parameters that name objects (`refers_to` in the
//! spec): those answered 404 when missing, then those answered 400 (D5). Then each parameter's
//! value: as given, or its default resolved against the stored card group ("Default for group.",
//! "Current value."), the caller, or the system. Last, the constraints between parameters.

use std::cmp::Ordering;

use crate::fake::auth::Caller;
use crate::fake::error::ApiError;
use crate::fake::mutant::{self, Mutant};
use crate::fake::validate::Params;
use crate::fake::world::{BatchId, CardGroupId, CustomerId, RatePlanId, SoundId, World};
use crate::spec::value::Value;
use crate::spec::{ConstraintRule, Context, DefaultSource, Function, ResourceKind};

/// What the domain acts on: each parameter's effective value ("Current value." defaults stay in
/// the stored group, unread), and the objects the request named.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Input<'a> {
    /// By parameter name, borrowed from the spec: a handful of entries, searched in order.
    values: Vec<(&'a str, Value)>,
    given: Vec<&'a str>,
    pub caller: CustomerId,
    /// The card group a parameter named, seen by the caller.
    pub group: Option<CardGroupId>,
    pub batch: Option<BatchId>,
    /// The card a parameter named, seen by the caller: its position among the world's cards.
    pub card: Option<usize>,
}

impl<'a> Input<'a> {
    pub(crate) fn resolve(
        function: &'a Function,
        params: Params<'_>,
        world: &World,
        who: &Caller,
        mutant: Option<Mutant>,
    ) -> Result<Input<'a>, ApiError> {
        let mut input = Input {
            values: Vec::new(),
            given: Vec::new(),
            caller: who.customer,
            group: None,
            batch: None,
            card: None,
        };

        // Existence and tenancy (404) before the references whose absence is a 400: the order
        // the spec index keeps them in.
        for &position in function.reference_positions() {
            let param = &function.parameters[position];
            let Some(refers) = param.refers_to.as_ref() else {
                continue;
            };
            // A reference given as its own default names nothing: `sound=0` is no sound.
            let is_default = param.default.as_ref().is_some_and(|d| {
                matches!(&d.source, DefaultSource::Literal(v) if Some(v) == params.at(position))
            });
            let id = match params.at(position) {
                _ if is_default => continue,
                Some(Value::Integer(id)) => id,
                Some(Value::String(number)) if refers.resource == ResourceKind::Card => {
                    let found = world.card_position(number).filter(|p| {
                        world.sees(who.customer, world.card_customer(&world.cards()[*p]))
                    });
                    input.card = input.card.or(found);
                    if found.is_none() {
                        return Err(ApiError::missing(function, &param.name, refers.missing));
                    }
                    continue;
                }
                _ => continue,
            };
            let seen = match refers.resource {
                ResourceKind::CardGroup => {
                    let moves_card = function
                        .constraints
                        .iter()
                        .any(|c| c.rule == ConstraintRule::SameCustomer);
                    let any_group = mutant::is(mutant, Mutant::ForeignGroupVisible)
                        || (moves_card && mutant::is(mutant, Mutant::CardMovedAcrossCustomers));
                    let found = if any_group {
                        world.card_groups().get(&CardGroupId(*id)).map(|g| g.id)
                    } else {
                        world
                            .visible_group(who.customer, CardGroupId(*id))
                            .map(|g| g.id)
                    };
                    input.group = input.group.or(found);
                    found.is_some()
                }
                ResourceKind::Batch => {
                    let found = world
                        .visible_batch(who.customer, BatchId(*id))
                        .map(|b| b.id);
                    input.batch = input.batch.or(found);
                    found.is_some()
                }
                ResourceKind::RatePlan => world.may_use_plan(who.customer, RatePlanId(*id)),
                ResourceKind::Customer => {
                    let target = CustomerId(*id);
                    world.customers.contains_key(&target) && world.sees(who.customer, target)
                }
                ResourceKind::Sound => world.visible_sound(who.customer, SoundId(*id)).is_some(),
                // Named by its number, a String: above.
                ResourceKind::Card => false,
            };
            if !seen {
                return Err(ApiError::missing(function, &param.name, refers.missing));
            }
        }

        // Each parameter's value, in the function's order: what was given, or what its default
        // gives. Only the parameters given or defaulted are visited.
        let group = input.group.map(|id| &world.card_groups()[&id]);
        let default_of = |position: usize| {
            let param = &function.parameters[position];
            let value = match &param.default.as_ref()?.source {
                DefaultSource::Literal(value) => Some(value.clone()),
                DefaultSource::GroupField(field) => group.and_then(|g| g.field(field)).cloned(),
                DefaultSource::Context(Context::SystemCurrency) => {
                    Some(Value::String(world.system_currency.clone()))
                }
                DefaultSource::Context(Context::CallerCustomer) => {
                    Some(Value::Integer(who.customer.0))
                }
                // Left in the stored group: an update of one field must not copy the other
                // thirty (see `current` below for the checks that need them). Not in the
                // index's defaulted positions.
                DefaultSource::CurrentValue | DefaultSource::Context(Context::AllCardGroups) => {
                    None
                }
            };
            value.map(|value| (param.name.as_str(), value))
        };
        let given = params.into_given();
        let mut defaulted = function.defaulted_positions().iter().copied().peekable();
        input.values.reserve(given.len() + defaulted.len());
        input.given.reserve(given.len());
        for (position, value) in given {
            while let Some(d) = defaulted.next_if(|d| *d <= position) {
                if d < position {
                    input.values.extend(default_of(d));
                }
            }
            let name = function.parameters[position].name.as_str();
            input.given.push(name);
            input.values.push((name, value));
        }
        input.values.extend(defaulted.filter_map(default_of));

        // A field an update leaves out keeps its stored value; constraints see that one.
        let current = |name: &str| {
            input
                .value(name)
                .or_else(|| group.and_then(|g| g.field(name)))
        };
        check_not_greater(function, current)?;
        input.check_card_rules(function, world, mutant)?;
        Ok(input)
    }

    /// The constraints about a card: a group it moves to is of its own customer, and a PIN
    /// given fits the bounds of the group it will be in.
    fn check_card_rules(
        &self,
        function: &Function,
        world: &World,
        mutant: Option<Mutant>,
    ) -> Result<(), ApiError> {
        let Some(card) = self.card.map(|p| &world.cards()[p]) else {
            return Ok(());
        };
        let group = &world.card_groups()[&self.group.unwrap_or(card.cardgroup)];
        for constraint in &function.constraints {
            match constraint.rule {
                ConstraintRule::SameCustomer
                    if group.customer != world.card_customer(card)
                        && !mutant::is(mutant, Mutant::CardMovedAcrossCustomers) =>
                {
                    return Err(ApiError::constraint(
                        &constraint.key,
                        format!(
                            "{} belongs to another customer than the card.",
                            constraint.key
                        ),
                    ));
                }
                ConstraintRule::LengthWithin if !mutant::is(mutant, Mutant::PinLengthUnchecked) => {
                    let [name] = constraint.params.as_slice() else {
                        continue;
                    };
                    let [low, high] = constraint.group_bounds.as_slice() else {
                        continue;
                    };
                    let (low, high) = (group.integer(low), group.integer(high));
                    if let Some(Value::String(text)) = self.value(name)
                        && self.is_given(name)
                        && !(low..=high).contains(&(text.len() as i64))
                    {
                        let length = if low == high {
                            format!("{low}")
                        } else {
                            format!("{low} to {high}")
                        };
                        return Err(ApiError::constraint(
                            &constraint.key,
                            format!("{name} must have {length} digits, as its card group says."),
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    pub(crate) fn value(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Whether the request gave `name` itself, rather than leaving it to its default.
    pub(crate) fn is_given(&self, name: &str) -> bool {
        self.given.contains(&name)
    }

    /// The names the request gave, in spec order.
    pub(crate) fn given(&self) -> &[&'a str] {
        &self.given
    }

    /// An Integer parameter that always has a value (required, or defaulted).
    pub(crate) fn integer(&self, name: &str) -> i64 {
        match self.value(name) {
            Some(Value::Integer(i)) => *i,
            other => {
                panic!("parameter {name} is {other:?}, not an Integer; the spec guarantees one")
            }
        }
    }

    /// A String parameter that always has a value.
    pub(crate) fn string(&self, name: &str) -> &str {
        match self.value(name) {
            Some(Value::String(s)) => s,
            other => panic!("parameter {name} is {other:?}, not a String; the spec guarantees one"),
        }
    }
}

/// The `not_greater` constraints of `function`, on the values `value` gives (given, current or
/// default). Shared with the seed loader, which checks its card groups the same way.
pub(super) fn check_not_greater<'a>(
    function: &Function,
    value: impl Fn(&str) -> Option<&'a Value>,
) -> Result<(), ApiError> {
    for constraint in function
        .constraints
        .iter()
        .filter(|c| c.rule == ConstraintRule::NotGreater)
    {
        let [low, high] = constraint.params.as_slice() else {
            continue;
        };
        if let (Some(a), Some(b)) = (value(low), value(high))
            && a.compare(b) == Some(Ordering::Greater)
        {
            return Err(ApiError::constraint(
                &constraint.key,
                format!("{low} ({a}) may not exceed {high} ({b})."),
            ));
        }
    }
    Ok(())
}
