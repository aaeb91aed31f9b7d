//! Volatile values become named placeholders before an answer is compared with its snapshot, so
//! the same case passes on any target and on every run. Which fields are volatile, and how, is
//! data (`fixtures/normalize.yaml`); numbering is per case, so a batch id that one step creates
//! and another lists is the same `{batch 1}` in both.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::conformance::config::Resources;
use crate::spec::yaml::FileErrors;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Id,
    Number,
    Digits,
    Sequence,
    Time,
    Resource,
    /// A value that differs from target to target and says nothing worth comparing (a token
    /// the target made, a login name): only that there was one is kept, as `{field}`.
    Opaque,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    pub kind: Kind,
    pub name: Option<String>,
}

/// Function path → data field → rule.
pub type Rules = BTreeMap<String, BTreeMap<String, FieldRule>>;

pub(super) fn load(file: &str, text: &str) -> Result<Rules, FileErrors> {
    crate::spec::yaml::parse(file, text).map_err(|e| FileErrors(vec![e]))
}

/// The numbering of one case: each placeholder name's values in order of first appearance, and
/// the first value of each sequence.
#[derive(Debug, Default)]
pub(super) struct Numbering {
    seen: BTreeMap<String, Vec<String>>,
    sequence_start: BTreeMap<String, u128>,
}

impl Numbering {
    /// Replaces the volatile fields of `data` (an object, or an array of objects) in place.
    pub(super) fn apply(
        &mut self,
        data: &mut Json,
        rules: Option<&BTreeMap<String, FieldRule>>,
        overrides: &BTreeMap<String, Kind>,
        resources: &Resources,
    ) {
        match data {
            Json::Array(rows) => {
                for row in rows {
                    self.apply(row, rules, overrides, resources);
                }
            }
            Json::Object(fields) => {
                for (field, value) in fields.iter_mut() {
                    let rule = rules.and_then(|r| r.get(field));
                    let kind = overrides.get(field).copied().or(rule.map(|r| r.kind));
                    let Some(kind) = kind else { continue };
                    let name = rule
                        .and_then(|r| r.name.clone())
                        .unwrap_or_else(|| field.clone());
                    *value = Json::String(self.placeholder(kind, &name, value, resources));
                }
            }
            _ => {}
        }
    }

    fn placeholder(
        &mut self,
        kind: Kind,
        name: &str,
        value: &Json,
        resources: &Resources,
    ) -> String {
        let text = match value {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        let digits = text.len();
        match kind {
            Kind::Id => format!("{{{name} {}}}", self.ordinal(name, &text)),
            Kind::Number => format!("{{{name} {}: {digits} digits}}", self.ordinal(name, &text)),
            Kind::Digits => format!("{{{digits} digits}}"),
            Kind::Time => "{time}".into(),
            Kind::Opaque => format!("{{{name}}}"),
            Kind::Resource => match value.as_i64().and_then(|id| resources.name_of(id)) {
                Some(resource) => format!("{{{resource}}}"),
                None => format!("{{{name} {}}}", self.ordinal(name, &text)),
            },
            Kind::Sequence => match text.parse::<u128>() {
                Ok(n) => {
                    let start = *self.sequence_start.entry(name.to_owned()).or_insert(n);
                    match n.checked_sub(start) {
                        Some(0) => format!("{{{name}: {digits} digits}}"),
                        Some(offset) => format!("{{{name}+{offset}: {digits} digits}}"),
                        None => format!("{{{name}-{}: {digits} digits}}", start - n),
                    }
                }
                Err(_) => format!("{{{name} {}}}", self.ordinal(name, &text)),
            },
        }
    }

    /// 1 for the first distinct value seen under `name` in this case, 2 for the next...
    fn ordinal(&mut self, name: &str, value: &str) -> usize {
        let seen = self.seen.entry(name.to_owned()).or_default();
        match seen.iter().position(|v| v == value) {
            Some(i) => i + 1,
            None => {
                seen.push(value.to_owned());
                seen.len()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(pairs: &[(&str, Kind)]) -> BTreeMap<String, FieldRule> {
        pairs
            .iter()
            .map(|(f, k)| {
                (
                    (*f).to_owned(),
                    FieldRule {
                        kind: *k,
                        name: None,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn distinct_values_are_numbered_and_repeats_keep_their_number() {
        let mut numbering = Numbering::default();
        let mut data = json!([{"card": "123456789012", "pin": "0042"}, {"card": "987654321098", "pin": "1"}, {"card": "123456789012"}]);
        numbering.apply(
            &mut data,
            Some(&rules(&[("card", Kind::Number), ("pin", Kind::Digits)])),
            &BTreeMap::new(),
            &Resources::default(),
        );
        assert_eq!(
            data,
            json!([
                {"card": "{card 1: 12 digits}", "pin": "{4 digits}"},
                {"card": "{card 2: 12 digits}", "pin": "{1 digits}"},
                {"card": "{card 1: 12 digits}"},
            ])
        );
    }

    #[test]
    fn sequences_show_their_offsets() {
        let mut numbering = Numbering::default();
        let mut data =
            json!([{"card": "1000000005"}, {"card": "1000000006"}, {"card": "1000000009"}]);
        let overrides = BTreeMap::from([("card".to_owned(), Kind::Sequence)]);
        numbering.apply(&mut data, None, &overrides, &Resources::default());
        let cards: Vec<&str> = data
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["card"].as_str().unwrap())
            .collect();
        assert_eq!(
            cards,
            [
                "{card: 10 digits}",
                "{card+1: 10 digits}",
                "{card+4: 10 digits}"
            ]
        );
    }

    #[test]
    fn resources_are_named_by_the_config() {
        let resources = Resources {
            group: Some(123),
            ..Resources::default()
        };
        let mut numbering = Numbering::default();
        let mut data = json!({"cardgroup": 123, "other": 5});
        numbering.apply(
            &mut data,
            Some(&rules(&[("cardgroup", Kind::Resource)])),
            &BTreeMap::new(),
            &resources,
        );
        assert_eq!(data, json!({"cardgroup": "{group}", "other": 5}));
    }
}
