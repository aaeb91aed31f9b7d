//! A parameter's checks: its type, allowed values, range, decimal places, format and the object
//! it names, each value resolved to the parameter's type; then its default, a literal of that
//! type, a "Current value.", or a "Default for group." naming a group field of the same type.

use std::collections::HashMap;

use serde_saphyr::{Location, Spanned};

use super::SpecChecker;
use crate::spec::raw::{RawDefault, RawParam};
use crate::spec::value::{DECIMAL_PLACES, ParamType};
use crate::spec::{
    Allowed, Code, DefaultSource, DefaultValue, Format, GROUP_FIELDS_FROM, Param, Places, Range,
    RefersTo, ResourceKind,
};

impl SpecChecker<'_> {
    pub(super) fn param(
        &mut self,
        field: &str,
        raw: &RawParam,
        group_fields: Option<&HashMap<&str, ParamType>>,
    ) -> Option<Param> {
        let before = self.errors.len();
        let name = &raw.name.value;
        let ty = raw.ty;
        let typed = |checker: &mut Self, location: &Location, field: String, text: &str| match ty
            .parse(text)
        {
            Ok(value) => Some(value),
            Err(e) => {
                checker.at(
                    location,
                    field,
                    format!("{text:?} is not a valid {ty}: it {e}"),
                );
                None
            }
        };

        let allowed = raw.allowed.as_ref().map(|a| {
            let values = a
                .value
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, text)| {
                    typed(
                        self,
                        &a.referenced,
                        format!("{field}.allowed.values[{i}]"),
                        text,
                    )
                })
                .collect::<Vec<_>>();
            if values.is_empty() {
                self.at(
                    &a.referenced,
                    format!("{field}.allowed.values"),
                    "lists no value",
                );
            }
            Allowed {
                values,
                provenance: a.value.provenance,
            }
        });

        let range = raw.range.as_ref().map(|r| {
            if ty == ParamType::String {
                self.at(
                    &r.referenced,
                    format!("{field}.range"),
                    format!("{name} is a String; a range needs a number (use a format)"),
                );
            }
            let min = r
                .value
                .min
                .as_deref()
                .and_then(|t| typed(self, &r.referenced, format!("{field}.range.min"), t));
            let max = r
                .value
                .max
                .as_deref()
                .and_then(|t| typed(self, &r.referenced, format!("{field}.range.max"), t));
            if let (Some(lo), Some(hi)) = (&min, &max)
                && lo.compare(hi) == Some(std::cmp::Ordering::Greater)
            {
                self.at(
                    &r.referenced,
                    format!("{field}.range"),
                    format!("min {lo} is above max {hi}"),
                );
            }
            if min.is_none() && max.is_none() {
                self.at(
                    &r.referenced,
                    format!("{field}.range"),
                    "gives neither min nor max",
                );
            }
            Range {
                min,
                max,
                provenance: r.value.provenance,
            }
        });

        let places = raw.places.as_ref().map(|p| {
            if ty != ParamType::Decimal || p.value.max > DECIMAL_PLACES {
                self.at(
                    &p.referenced,
                    format!("{field}.places"),
                    format!(
                        "places applies to a Decimal, and at most {DECIMAL_PLACES} (D12); \
                         {name} is a {ty}"
                    ),
                );
            }
            Places {
                max: p.value.max,
                provenance: p.value.provenance,
            }
        });

        let format = raw.format.as_ref().map(|f| Format {
            name: f.name,
            provenance: f.provenance,
        });
        if let Some(format) = format.as_ref().filter(|f| f.name.param_type() != ty) {
            self.at(
                &raw.name.referenced,
                format!("{field}.format"),
                format!(
                    "{name} is a {ty}; {:?} applies to {}",
                    format.name,
                    format.name.param_type()
                ),
            );
        }

        let refers_to = raw.refers_to.as_ref().and_then(|r| {
            // A card is named by its number, a String; everything else by an Integer id.
            let expected = match r.value.resource {
                ResourceKind::Card => ParamType::String,
                _ => ParamType::Integer,
            };
            if ty != expected {
                self.at(
                    &r.referenced,
                    format!("{field}.refers_to"),
                    format!(
                        "{name} is a {ty}; a {:?} is named by a {expected}",
                        r.value.resource
                    ),
                );
            }
            Some(RefersTo {
                resource: r.value.resource,
                missing: Code::new(r.value.missing).filter(|c| matches!(c.as_u16(), 400 | 404))?,
                provenance: r.value.provenance,
            })
        });

        let mut param = Param {
            name: name.clone(),
            ty,
            description: raw.description.clone(),
            required: raw.required,
            required_cell: raw.required_cell.clone(),
            default: None,
            allowed,
            range,
            places,
            format,
            refers_to,
        };
        if let Some(default) = &raw.default {
            param.default = self.default(field, &param, default, group_fields);
        }
        if raw.required && raw.default.is_some() {
            self.at(
                &raw.name.referenced,
                format!("{field}.default"),
                format!("{name} is required, so it cannot have a default"),
            );
        }
        (self.errors.len() == before).then_some(param)
    }

    /// Resolves a default and checks it against the parameter's type and rules.
    fn default(
        &mut self,
        field: &str,
        param: &Param,
        raw: &Spanned<RawDefault>,
        group_fields: Option<&HashMap<&str, ParamType>>,
    ) -> Option<DefaultValue> {
        let location = &raw.referenced;
        let field = format!("{field}.default");
        let RawDefault {
            literal,
            group_field,
            current_value,
            context,
            cell,
            provenance,
        } = &raw.value;
        let given = [
            literal.is_some(),
            group_field.is_some(),
            current_value.is_some(),
            context.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            self.at(
                location,
                field,
                "give exactly one of literal, group_field, current_value, context",
            );
            return None;
        }
        let source = if let Some(text) = literal {
            let value = match param.ty.parse(text) {
                Ok(value) => value,
                Err(e) => {
                    self.at(
                        location,
                        format!("{field}.literal"),
                        format!("{text:?} is not a valid {}: it {e}", param.ty),
                    );
                    return None;
                }
            };
            if let Err(violation) = param.check(&value) {
                self.at(
                    location,
                    format!("{field}.literal"),
                    format!("default {text:?} breaks the parameter's own rule: it {violation}"),
                );
                return None;
            }
            DefaultSource::Literal(value)
        } else if let Some(name) = group_field {
            let Some(fields) = group_fields else {
                self.at(
                    location,
                    format!("{field}.group_field"),
                    format!("no {GROUP_FIELDS_FROM} in the spec defines the card group's fields"),
                );
                return None;
            };
            match fields.get(name.as_str()) {
                Some(ty) if *ty == param.ty => DefaultSource::GroupField(name.clone()),
                Some(ty) => {
                    self.at(
                        location,
                        format!("{field}.group_field"),
                        format!(
                            "group field {name} is a {ty}, but {} is a {}",
                            param.name, param.ty
                        ),
                    );
                    return None;
                }
                None => {
                    self.at(
                        location,
                        format!("{field}.group_field"),
                        format!("{name} is not a parameter of {GROUP_FIELDS_FROM}"),
                    );
                    return None;
                }
            }
        } else if let Some(context) = context {
            if context.param_type() != param.ty {
                self.at(
                    location,
                    format!("{field}.context"),
                    format!(
                        "gives a {}, but {} is a {}",
                        context.param_type(),
                        param.name,
                        param.ty
                    ),
                );
                return None;
            }
            DefaultSource::Context(*context)
        } else if *current_value == Some(true) {
            DefaultSource::CurrentValue
        } else {
            self.at(
                location,
                format!("{field}.current_value"),
                "can only be true",
            );
            return None;
        };
        Some(DefaultValue {
            source,
            cell: cell.clone(),
            provenance: *provenance,
        })
    }
}
