//! The rules between a function's parameters (one of, not greater than, a card cap, …), each
//! naming parameters the function has, of the types its rule needs.

use std::collections::HashMap;

use serde_saphyr::Spanned;

use super::SpecChecker;
use crate::spec::raw::{RawConstraint, RawFunction, RawParam};
use crate::spec::value::ParamType;
use crate::spec::{Constraint, ConstraintRule};

impl SpecChecker<'_> {
    pub(super) fn constraint(
        &mut self,
        field: &str,
        raw: &Spanned<RawConstraint>,
        function: &RawFunction,
        group_fields: Option<&HashMap<&str, ParamType>>,
    ) -> Option<Constraint> {
        let before = self.errors.len();
        let c = &raw.value;
        let params: Vec<&RawParam> = c
            .params
            .iter()
            .filter_map(|name| {
                let found = function.parameters.iter().find(|p| &p.name.value == name);
                if found.is_none() {
                    self.at(
                        &raw.referenced,
                        format!("{field}.params"),
                        format!("{name} is not a parameter of this function"),
                    );
                }
                found
            })
            .collect();
        if !c.params.contains(&c.key) {
            self.at(
                &raw.referenced,
                format!("{field}.key"),
                format!("{} is not one of the constraint's params", c.key),
            );
        }
        if params.len() == c.params.len() {
            let types: Vec<ParamType> = params.iter().map(|p| p.ty).collect();
            let problem = match c.rule {
                ConstraintRule::NotGreater
                    if types.len() != 2
                        || types[0] != types[1]
                        || types[0] == ParamType::String =>
                {
                    Some("not_greater compares two numbers of one type")
                }
                ConstraintRule::CardCap
                    if types.is_empty() || types.iter().any(|t| *t != ParamType::Integer) =>
                {
                    Some("card_cap multiplies Integers")
                }
                ConstraintRule::OneRequired | ConstraintRule::ExactlyOne
                    if params.len() < 2 || params.iter().any(|p| p.required) =>
                {
                    Some("one_required and exactly_one name two or more optional parameters")
                }
                ConstraintRule::SameCustomer
                    if params.len() != 2 || params.iter().any(|p| p.refers_to.is_none()) =>
                {
                    Some("same_customer names two parameters that refer to stored objects")
                }
                ConstraintRule::LengthWithin
                    if types != [ParamType::String]
                        || c.group_bounds.len() != 2
                        || !c.group_bounds.iter().all(|name| {
                            group_fields.and_then(|f| f.get(name.as_str()))
                                == Some(&ParamType::Integer)
                        }) =>
                {
                    Some(
                        "length_within names one String parameter and, in group_bounds, two \
                         Integer fields of the card group",
                    )
                }
                _ => None,
            };
            if c.rule != ConstraintRule::LengthWithin && !c.group_bounds.is_empty() {
                self.at(
                    &raw.referenced,
                    format!("{field}.group_bounds"),
                    "only length_within takes group_bounds",
                );
            }
            if let Some(problem) = problem {
                self.at(&raw.referenced, format!("{field}.rule"), problem);
            }
        }
        (self.errors.len() == before).then(|| Constraint {
            rule: c.rule,
            params: c.params.clone(),
            group_bounds: c.group_bounds.clone(),
            key: c.key.clone(),
            description: c.description.clone(),
            provenance: c.provenance,
        })
    }
}
