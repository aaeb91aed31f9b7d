//! One of a client's calls as a step of a contract: who made it (the seed role of its user, or
//! the token a `user/login` before it issued), the objects it named (a config resource, or a
//! capture of the earlier answer that gave the id), and, for a target that must not change, the
//! probe it becomes.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::conformance::case::{Form, Step, placeholders};
use crate::conformance::config::{Principal, Resources, TargetConfig};
use crate::conformance::contract::ContractError;
use crate::conformance::target::WireAnswer;
use crate::fake::is_secret;
use crate::spec::{AUTH_PARAMS, Access, ResourceKind, Spec};
use crate::workbench::Entry;

/// One of the client's calls, as a step of the contract.
#[derive(Debug, Clone)]
pub(super) struct Call {
    /// Its sequence number in its world: what the notes and comments call it.
    pub(super) seq: u64,
    pub(super) code: String,
    pub(super) step: Step,
    pub(super) answer: WireAnswer,
    /// The raw `data` of its answer, where later calls find the ids they used.
    pub(super) data: Option<Json>,
    /// Whether it changed the world (a write answered 200 or 204, not `validation=1`).
    pub(super) changed: bool,
    /// Whether it is sent as a `validation=1` probe (read-only contracts).
    pub(super) probe: bool,
}

/// The calls of `entries` as steps: principals, references and captures.
pub(super) fn calls(
    spec: &Spec,
    config: &TargetConfig,
    entries: &[Entry],
    notes: &mut Vec<String>,
) -> Result<Vec<Call>, ContractError> {
    let mut calls: Vec<Call> = Vec::new();
    for entry in entries {
        let (seq, function) = (entry.seq, entry.function.clone());
        if let Some(fault) = entry.fault {
            notes.push(format!(
                "call {seq} ({function}): left out, answered by an injected fault ({fault})"
            ));
            continue;
        }
        let Some(answer) = &entry.answer else {
            notes.push(format!("call {seq} ({function}): left out, never answered"));
            continue;
        };
        if entry.params_cut > 0 {
            return Err(ContractError::ParamsCut { seq, function });
        }
        let body = String::from_utf8_lossy(answer).into_owned();
        let envelope: Option<Json> = serde_json::from_str(&body).ok();
        if envelope.is_none() && answer.len() >= crate::workbench::ANSWER_LIMIT {
            return Err(ContractError::AnswerCut { seq, function });
        }
        let code = envelope
            .as_ref()
            .and_then(|e| e["responses"][0]["code"].as_str())
            .unwrap_or_default()
            .to_owned();
        let data = envelope.as_ref().and_then(|e| e.get("data")).cloned();
        let raw = &entry.params;

        let mut step = Step {
            function: function.clone(),
            principal: Principal::Full,
            params: Vec::new(),
            form: if entry.method == "POST" {
                Form::PostBody
            } else {
                Form::GetSemicolon
            },
            capture: BTreeMap::new(),
            normalize: BTreeMap::new(),
            token: None,
            advance_clock: None,
            call: Some(format!("call {seq}: {} {function}", entry.method)),
        };
        if code == "401" {
            step.principal = Principal::Nobody;
        } else if raw.get("auth_token").is_some() {
            let login = calls
                .iter_mut()
                .rev()
                .find(|c| c.step.function == "user/login" && c.code == "200" && c.data.is_some());
            let Some(login) = login else {
                return Err(ContractError::UnissuedToken { seq, function });
            };
            let name = format!("token_{}", login.seq);
            login.step.capture.insert(name.clone(), "auth_token".into());
            step.token = Some(format!("{{{name}}}"));
            step.principal = login.step.principal;
        } else {
            let username = raw.get("auth_username").unwrap_or_default();
            step.principal = config
                .principals
                .iter()
                .find(|(_, c)| c.username == username)
                .map(|(p, _)| *p)
                .ok_or_else(|| ContractError::UnknownUser {
                    seq,
                    function: function.clone(),
                    username: username.chars().take(64).collect(),
                })?;
        }

        let spec_function = spec.function(&function);
        for (name, value) in raw.pairs() {
            if AUTH_PARAMS.contains(&name) || is_secret(name) {
                continue;
            }
            if name.contains(['{', '}']) || value.contains(['{', '}']) {
                return Err(ContractError::Braces {
                    seq,
                    function,
                    name: name.chars().take(64).collect(),
                });
            }
            let kind = spec_function
                .and_then(|f| f.param(name))
                .and_then(|p| p.refers_to.as_ref())
                .map(|r| r.resource);
            let reference = kind.and_then(|kind| {
                resource_named(&config.resources, kind, value)
                    .map(str::to_owned)
                    .or_else(|| capture_from(&mut calls, kind, name, value))
            });
            match reference {
                Some(placeholder) => step.params.push(format!("{name}={{{placeholder}}}")),
                None => {
                    // The call succeeded, so the object was there: the seed's, by a number only
                    // this fake's seed gives it.
                    if kind.is_some() && matches!(code.as_str(), "200" | "201" | "204") {
                        notes.push(format!(
                            "call {seq} ({function}): {name}={value} is an object of the \
                             fake's seed that no config resource names; sent as it is"
                        ));
                    }
                    step.params.push(format!("{name}={value}"));
                }
            }
        }
        let writes = spec_function.is_some_and(|f| f.access.value == Access::Write);
        let changed = writes && matches!(code.as_str(), "200" | "204") && {
            raw.get("validation") != Some("1")
        };
        calls.push(Call {
            seq,
            code,
            step,
            answer: WireAnswer { status: 200, body },
            data,
            changed,
            probe: false,
        });
    }
    if calls.is_empty() {
        return Err(ContractError::NoCalls);
    }
    Ok(calls)
}

/// The field an answer names an object of `kind` by (`cardgroup` in a row of cards/list).
fn field_of(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::CardGroup => "cardgroup",
        ResourceKind::Batch => "batch",
        ResourceKind::Card => "card",
        ResourceKind::Sound => "sound",
        ResourceKind::RatePlan => "plan",
        ResourceKind::Customer => "customer",
    }
}

/// The config resource of `kind` whose value is `value`: its own, another customer's, or the
/// missing one, tried in that order.
fn resource_named(resources: &Resources, kind: ResourceKind, value: &str) -> Option<&'static str> {
    let names = Resources::of_kind(kind);
    [Some(names.own), Some(names.foreign), names.missing]
        .into_iter()
        .flatten()
        .find(|name| resources.get(name).as_deref() == Some(value))
}

/// A placeholder for `value`, captured from the first earlier answer that gave it (the one that
/// made or first showed the object) under the parameter's name, `id`, or the object's field;
/// `None` if no answer did.
fn capture_from(
    calls: &mut [Call],
    kind: ResourceKind,
    param: &str,
    value: &str,
) -> Option<String> {
    let keys = [param, "id", field_of(kind)];
    for call in calls.iter_mut() {
        let Some(path) = call
            .data
            .as_ref()
            .and_then(|data| path_to(data, value, &keys))
        else {
            continue;
        };
        let name = format!("{}_{}", field_of(kind), call.seq);
        call.step.capture.insert(name.clone(), path);
        return Some(name);
    }
    None
}

/// The dotted path (`0.card`, `id`) of the first leaf in `data` equal to `value` whose field is
/// one of `keys`.
fn path_to(data: &Json, value: &str, keys: &[&str]) -> Option<String> {
    match data {
        Json::Object(fields) => fields.iter().find_map(|(field, node)| {
            let leaf = match node {
                Json::String(s) => Some(s.clone()),
                Json::Number(n) => Some(n.to_string()),
                _ => None,
            };
            if leaf.as_deref() == Some(value) && keys.contains(&field.as_str()) {
                return Some(field.clone());
            }
            path_to(node, value, keys).map(|rest| format!("{field}.{rest}"))
        }),
        Json::Array(rows) => rows
            .iter()
            .enumerate()
            .find_map(|(at, row)| path_to(row, value, keys).map(|rest| format!("{at}.{rest}"))),
        _ => None,
    }
}

/// The calls a target that must not change may be sent: each call that changed state sent with
/// `validation=1` (and capturing nothing), each call that needs what such a call made left out.
pub(super) fn probes(spec: &Spec, calls: &[Call], notes: &mut Vec<String>) -> Vec<Call> {
    let mut available: Vec<String> = Vec::new();
    let mut kept = Vec::new();
    for call in calls {
        let needs: Vec<String> = call
            .step
            .params
            .iter()
            .chain(&call.step.token)
            .flat_map(|p| placeholders(p))
            .filter(|name| !Resources::NAMES.contains(&name.as_str()))
            .collect();
        if let Some(missing) = needs.iter().find(|n| !available.contains(n)) {
            notes.push(format!(
                "call {} ({}): left out, it needs {{{missing}}}, which a call that changed \
                 state (or one left out) gave",
                call.seq, call.step.function
            ));
            continue;
        }
        let mut call = call.clone();
        let takes_validation = spec
            .function(&call.step.function)
            .is_some_and(|f| f.param("validation").is_some());
        if call.changed {
            if !takes_validation {
                notes.push(format!(
                    "call {} ({}): left out, it changed state and takes no validation=1",
                    call.seq, call.step.function
                ));
                continue;
            }
            call.step.params.push("validation=1".into());
            call.step.capture.clear();
            call.probe = true;
            notes.push(format!(
                "call {} ({}): sent with validation=1, so it changes nothing and its answer \
                 (201) is not the one the client read",
                call.seq, call.step.function
            ));
        }
        available.extend(call.step.capture.keys().cloned());
        kept.push(call);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_reaches_the_first_leaf_of_a_named_field() {
        let data = serde_json::json!([{"card": "1", "batch": 7}, {"card": "2", "batch": 7}]);
        assert_eq!(path_to(&data, "2", &["card"]).as_deref(), Some("1.card"));
        assert_eq!(path_to(&data, "7", &["batch"]).as_deref(), Some("0.batch"));
        assert_eq!(path_to(&data, "7", &["card"]), None);
        let made = serde_json::json!({"id": 125});
        assert_eq!(
            path_to(&made, "125", &["batch", "id"]).as_deref(),
            Some("id")
        );
    }
}
