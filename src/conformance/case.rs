//! A conformance case: one or more requests (steps) and the rule they check. Cases are data:
//! generated from the spec or read from `fixtures/scenarios/`, never code per case.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::conformance::config::Principal;
use crate::spec::Provenance;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    /// Stable, path-like: `cards/batches/create/missing/cardgroup`. Also the snapshot's path.
    pub id: String,
    /// The function the case is about (the first step's, for scenarios).
    pub function: String,
    /// The rule checked, in words.
    pub rule: String,
    /// A mismatch on a documented rule fails; on an inferred one it is unverified.
    pub provenance: Provenance,
    /// Whether running it changes nothing on the target (errors and `validation=1`).
    pub read_only: bool,
    pub steps: Vec<Step>,
}

/// One request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub function: String,
    /// Who calls.
    #[serde(rename = "as", default)]
    pub principal: Principal,
    /// `name=value` pairs in order, before encoding; `{placeholder}`s name config resources or
    /// values captured by an earlier step.
    #[serde(default)]
    pub params: Vec<String>,
    #[serde(default)]
    pub form: Form,
    /// Placeholder name ← field of this step's `data` (`batch: id`), or a dotted path through its
    /// rows (`card: 0.card`, the first row's), for later steps.
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
    /// Per-field normalization overriding `fixtures/normalize.yaml` for this step.
    #[serde(default)]
    pub normalize: BTreeMap<String, crate::conformance::normalize::Kind>,
    /// Sent as `auth_token` instead of the principal's username and password: a token an
    /// earlier step captured (`{token}`), or one made up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Before this step is sent, the target's clock moves on by this many seconds (this fake's
    /// `POST /_fake/clock`), so a token can expire without waiting. A target whose clock cannot
    /// be moved skips the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advance_clock: Option<i64>,
    /// What the step stands for, named in a report when its answer differs: a contract's step
    /// names the client's call (`call 4: GET cards/list`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
}

/// How the request is written on the wire (D2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// GET, `;` separators, trailing slash: the vendor's own examples.
    #[default]
    GetSemicolon,
    GetAmpersand,
    GetNoSlash,
    /// POST with everything in a form body.
    PostBody,
    /// POST with everything in the query string and an empty body.
    PostQuery,
    /// POST with authentication in the query and the rest in the body.
    PostBoth,
}

impl Form {
    pub const ALL: [Form; 6] = [
        Form::GetSemicolon,
        Form::GetAmpersand,
        Form::GetNoSlash,
        Form::PostBody,
        Form::PostQuery,
        Form::PostBoth,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Form::GetSemicolon => "get-semicolon",
            Form::GetAmpersand => "get-ampersand",
            Form::GetNoSlash => "get-no-slash",
            Form::PostBody => "post-body",
            Form::PostQuery => "post-query",
            Form::PostBoth => "post-both",
        }
    }
}

/// The cases whose id matches `filter` (all of them without one).
pub fn select<'a>(cases: &'a [Case], filter: Option<&str>) -> Vec<&'a Case> {
    cases
        .iter()
        .filter(|c| filter.is_none_or(|p| matches(p, &c.id)))
        .collect()
}

/// `*` matches any run of characters; a pattern without `*` matches anywhere in the id.
pub(super) fn matches(pattern: &str, id: &str) -> bool {
    if !pattern.contains('*') {
        return id.contains(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !id.starts_with(first)
        || !id[first.len()..].ends_with(last)
        || id.len() < first.len() + last.len()
    {
        return false;
    }
    let mut rest = &id[first.len()..id.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// The `{name}` placeholders in `text`.
pub(super) fn placeholders(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        names.push(rest[start + 1..start + end].to_owned());
        rest = &rest[start + end + 1..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_substrings_or_wildcards() {
        assert!(matches("missing", "cards/list/missing/x"));
        assert!(matches(
            "cards/groups/*/auth/*",
            "cards/groups/update/auth/read-only"
        ));
        assert!(!matches(
            "cards/groups/*/auth/*",
            "cards/batches/create/auth/read-only"
        ));
        assert!(matches("*", "anything"));
        assert!(matches("cards/*create", "cards/batches/create"));
        assert!(!matches("cards/*create/x", "cards/batches/create"));
    }

    #[test]
    fn placeholders_are_found_in_order() {
        assert_eq!(placeholders("id={group};x={batch}"), ["group", "batch"]);
        assert!(placeholders("name=plain").is_empty());
    }
}
