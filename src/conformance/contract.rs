//! Consumer contracts: the API calls a client made to one world of the fake, in order, turned
//! into a fixtures directory that `check --fixtures DIR` runs against any target. One scenario
//! (`scenario/contract-<name>`), each call a step, the answers the client read as its snapshot.
//!
//! - **Who**: a call's `auth_username` becomes the principal of that seed user's role (the
//!   embedded seed's, as `TargetConfig::fake_seed` names them); any 401 becomes `nobody`; a call
//!   sent with `auth_token` sends the token the last `user/login` before it issued, captured.
//!   No password or token is written: the journal never held one.
//! - **Ids**: the value of a parameter that refers to an object becomes the config's resource
//!   when it is one (`{group}`), else a capture of the first earlier answer that gave it
//!   (`{batch_1}`, the batch call 1 answered), else stays as sent (and a note says so when it
//!   names a seed object the config cannot map).
//! - **Answers**: the journal's, replayed through the runner itself (a target that answers each
//!   step with the recorded answer), so the snapshot is normalized exactly as `check` will
//!   normalize the target's answers.
//! - **Read-only**: a call that changed state is sent with `validation=1` instead; a call that
//!   needs what such a call made is left out; the snapshot is then what a fresh fake answers,
//!   and every call whose answer is no longer the one the client read is named in the notes.
//!
//! The journal's limits are refusals, not guesses: a world whose first calls were dropped, a
//! call whose parameters or answer were cut, a value with braces (which a scenario would read as
//! a placeholder).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::conformance::case::{Case, Form};
use crate::conformance::client_call::{Call, calls, probes};
use crate::conformance::config::TargetConfig;
use crate::conformance::fixtures::Fixtures;
use crate::conformance::normalize::Numbering;
use crate::conformance::outcome::Outcome;
use crate::conformance::replay::Replay;
use crate::conformance::runner::{AuthMode, Options, Runner, UpdateMode};
use crate::conformance::snapshot::Snapshot;
use crate::conformance::target::{InProcess, Target, WireAnswer};
use crate::conformance::{normalize, scenario};
use crate::fake::Fake;
use crate::workbench::{Config, Entry, Workbench};

/// The file that makes a fixtures directory a contract: `check` then runs its scenarios only.
pub(super) const MARKER: &str = "contract.yaml";

/// A contract, as files relative to its directory, and what a reader should know about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    /// The scenario's name: its id is `contract-<name>`.
    pub name: String,
    /// How many of the client's calls it holds as steps.
    pub steps: usize,
    /// Path (`scenarios/contract-x.yaml`) → text.
    pub files: BTreeMap<String, String>,
    /// Calls left out, sent otherwise, or sent with a value the config cannot map.
    pub notes: Vec<String>,
}

/// Why a world's calls cannot be a contract; each names the call.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContractError {
    #[error("{0}: a contract's name is 1 to 64 letters, digits, '-' or '_'")]
    BadName(String),
    #[error(
        "no API call to make a contract of: this world's journal is empty since its last reset"
    )]
    NoCalls,
    #[error(
        "the journal no longer holds this world's first {0} call(s) (it keeps 100,000 entries or \
         64 MiB, all worlds together); a contract needs every call since the last reset"
    )]
    NotFromStart(u64),
    #[error(
        "call {seq} ({function}): its answer is longer than the journal keeps (64 KiB), so the \
         contract cannot hold what the client read; ask for fewer rows (count=) in that call"
    )]
    AnswerCut { seq: u64, function: String },
    #[error("call {seq} ({function}): more parameters than the journal keeps (64 KiB of them)")]
    ParamsCut { seq: u64, function: String },
    #[error(
        "call {seq} ({function}): user {username:?} is none of the seed's roles (user, reader, \
         nocards, noplan, other, reseller), so no target config can name it"
    )]
    UnknownUser {
        seq: u64,
        function: String,
        username: String,
    },
    #[error(
        "call {seq} ({function}): {name}= holds '{{' and '}}', which a scenario reads as a \
         placeholder"
    )]
    Braces {
        seq: u64,
        function: String,
        name: String,
    },
    #[error("call {seq} ({function}): sent a token that no user/login call of this world issued")]
    UnissuedToken { seq: u64, function: String },
    #[error("replaying the calls: {0}")]
    Replay(String),
}

/// The contract of `entries` (one world's journal, oldest first), named `name`. With
/// `read_only`, calls that changed state become `validation=1` probes, answered by a fresh fake
/// of `fake`'s spec and seed.
pub fn contract(
    fake: &Fake,
    entries: &[Entry],
    name: &str,
    read_only: bool,
) -> Result<Contract, ContractError> {
    if !crate::workbench::valid_name(name) {
        return Err(ContractError::BadName(name.chars().take(80).collect()));
    }
    let first = entries.first().ok_or(ContractError::NoCalls)?;
    if first.seq > 1 {
        return Err(ContractError::NotFromStart(first.seq - 1));
    }
    let config = TargetConfig::fake_seed();
    let mut notes = Vec::new();
    let calls = calls(fake.spec(), &config, entries, &mut notes)?;
    let id = format!("contract-{name}");
    let rules_text = normalize_text();
    let rules = normalize::load("normalize.yaml", &rules_text)
        .map_err(|e| ContractError::Replay(e.to_string()))?;

    let (sent, snapshot) = if read_only {
        // What a fresh fake answers the probes; each call that is no probe and was answered
        // otherwise than the client read is named.
        let probes = probes(fake.spec(), &calls, &mut notes);
        let fresh = Replay::keeping(InProcess {
            workbench: Workbench::new(fake.spec().clone(), fake.seed().clone(), Config::default())
                .unlogged(),
        });
        let probed = snapshot_of(&fresh, &config, &rules, &case_of(&id, &probes)?)?;
        let answered = fresh.kept();
        for (call, got) in probes.iter().zip(&answered) {
            let alike = |answer: &WireAnswer| alone(&call.step.function, answer, &rules, &config);
            if !call.probe && alike(&call.answer) != alike(got) {
                notes.push(format!(
                    "call {} ({}): answered otherwise once the calls before it changed \
                     nothing; its snapshot is what a fresh fake answers, not what the client read",
                    call.seq, call.step.function
                ));
            }
        }
        (probes, probed)
    } else {
        // What the client read, normalized by the runner as `check` will normalize a target's.
        let replay = Replay::of(calls.iter().map(|c| c.answer.clone()));
        let read = snapshot_of(&replay, &config, &rules, &case_of(&id, &calls)?)?;
        (calls, read)
    };
    // A step the runner could not send (a capture it did not find) says why; none should.
    if let Some(unsent) = snapshot.steps.iter().find(|s| s.code.is_empty()) {
        return Err(ContractError::Replay(unsent.message.clone()));
    }

    let files = BTreeMap::from([
        (MARKER.to_owned(), marker_text()),
        ("normalize.yaml".to_owned(), rules_text),
        (
            format!("scenarios/{id}.yaml"),
            scenario_text(&id, &sent, &notes),
        ),
        (format!("snapshots/scenario/{id}.json"), snapshot.to_text()),
    ]);
    Ok(Contract {
        name: name.to_owned(),
        steps: sent.len(),
        files,
        notes,
    })
}

impl Contract {
    /// Writes the files under `dir` (made if missing), replacing a contract of the same name;
    /// an error names the file or directory it could not write.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        for (relative, text) in &self.files {
            let path = dir.join(relative);
            let named = |e: std::io::Error| {
                std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
            };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(named)?;
            }
            std::fs::write(&path, text).map_err(named)?;
        }
        Ok(())
    }
}

/// The scenario of `calls`, as `check` will load it from its file.
fn case_of(id: &str, calls: &[Call]) -> Result<Case, ContractError> {
    scenario::load(
        &format!("scenarios/{id}.yaml"),
        &scenario_text(id, calls, &[]),
    )
    .map_err(|e| ContractError::Replay(e.to_string()))
}

/// The normalized answers `target` gives `case`'s steps, as `check` records them.
fn snapshot_of(
    target: &dyn Target,
    config: &TargetConfig,
    rules: &normalize::Rules,
    case: &Case,
) -> Result<Snapshot, ContractError> {
    let options = Options {
        strict: false,
        update: UpdateMode::No,
        filter: None,
        read_only: false,
        auth: AuthMode::Password,
    };
    let runner = Runner {
        target,
        config,
        rules,
        fixtures: &Fixtures::Embedded,
        options: &options,
        interrupt: None,
    };
    runner.snapshot(case).map_err(|outcome| {
        ContractError::Replay(match outcome {
            Outcome::Broken { error } => error,
            Outcome::Skipped { reason } => reason,
            other => other.label().to_owned(),
        })
    })
}

/// An answer as a one-step case would record it (code, key, data numbered on its own), to tell
/// whether two answers to one call are alike.
fn alone(
    function: &str,
    answer: &WireAnswer,
    rules: &normalize::Rules,
    config: &TargetConfig,
) -> (String, String, Option<Json>) {
    let (mut recorded, _) = crate::conformance::snapshot::record(String::new(), answer);
    if let Some(data) = recorded.data.as_mut() {
        let overrides = BTreeMap::new();
        Numbering::default().apply(data, rules.get(function), &overrides, &config.resources);
    }
    (recorded.code, recorded.key, recorded.data)
}

/// The suite's normalization rules, as the embedded fixtures hold them.
fn normalize_text() -> String {
    Fixtures::Embedded
        .read("normalize.yaml")
        .ok()
        .flatten()
        .expect("the embedded fixtures hold normalize.yaml")
}

fn marker_text() -> String {
    format!(
        "# A consumer contract: what a client's tests sent to enswitch-fake and what it answered.\n\
         # `enswitch-fake check --fixtures DIR --target URL --config FILE` runs its scenarios\n\
         # (and only those) against any Enswitch; see docs/contracts.md.\n\
         contract: 1\nmade_by: enswitch-fake {}\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// The scenario file: the steps, each after a comment naming the client's call, and the notes.
fn scenario_text(id: &str, calls: &[Call], notes: &[String]) -> String {
    let quote = |text: &str| serde_json::to_string(text).expect("strings serialize");
    let read_only = calls.iter().all(|c| !c.changed || c.probe);
    let mut text = String::from(
        "# A consumer contract, made by enswitch-fake from the calls a client made, in order.\n",
    );
    for note in notes {
        text.push_str(&format!("# note: {note}\n"));
    }
    text.push_str(&format!(
        "id: {}\nrule: {}\nprovenance: documented\nread_only: {read_only}\nsteps:\n",
        quote(id),
        quote("the target answers the client's calls as the fake did"),
    ));
    for call in calls {
        let step = &call.step;
        text.push_str(&format!(
            "  # answered {}\n  - function: {}\n    as: {}\n",
            call.code,
            quote(&step.function),
            step.principal.as_str(),
        ));
        if step.form != Form::GetSemicolon {
            let form = serde_json::to_value(step.form).expect("forms serialize");
            text.push_str(&format!(
                "    form: {}\n",
                form.as_str().unwrap_or_default()
            ));
        }
        if let Some(token) = &step.token {
            text.push_str(&format!("    token: {}\n", quote(token)));
        }
        if let Some(label) = &step.call {
            text.push_str(&format!("    call: {}\n", quote(label)));
        }
        let params: Vec<String> = step.params.iter().map(|p| quote(p)).collect();
        text.push_str(&format!("    params: [{}]\n", params.join(", ")));
        if !step.capture.is_empty() {
            let captures: Vec<String> = step
                .capture
                .iter()
                .map(|(name, path)| format!("{name}: {}", quote(path)))
                .collect();
            text.push_str(&format!("    capture: {{{}}}\n", captures.join(", ")));
        }
    }
    text
}

/// What a workbench makes `GET /_fake/contract`'s contracts with (`Workbench::with_contracts`).
pub fn contract_source() -> crate::workbench::ContractSource {
    crate::workbench::ContractSource(Box::new(|workbench, world, name, read_only| {
        let contract = contract_of_world(workbench, world, name, read_only);
        let contract = contract.map_err(|why| why.to_string())?;
        Ok(serde_json::to_value(contract).expect("contracts serialize"))
    }))
}

/// The contract of world `namespace` (the default one for `None`) of an in-process `workbench`:
/// every call since its last reset, as `GET /_fake/contract` makes it over HTTP.
pub fn contract_of_world(
    workbench: &Workbench,
    namespace: Option<&str>,
    name: &str,
    read_only: bool,
) -> Result<Contract, ContractError> {
    let world = crate::workbench::Worlds::One(namespace);
    let entries = workbench.journal().entries(world, None, 0, usize::MAX);
    contract(workbench.fake(), &entries, name, read_only)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{API_PREFIX, ApiRequest, Method};

    /// A call as `user` (or `who`) to the default world of `workbench`, `;`-separated.
    fn call(workbench: &Workbench, who: &str, function: &str, params: &str) -> Json {
        let password = match who {
            "admin" => "admin-password",
            _ => "password",
        };
        let request = ApiRequest {
            method: Method::Get,
            path: format!("{API_PREFIX}{function}/"),
            query: format!("auth_username={who};auth_password={password};{params}"),
            content_type: None,
            admin_token: None,
            accept: None,
            body: Vec::new(),
        };
        let reply = workbench.serve(request);
        serde_json::from_slice(&reply.answer().unwrap().body).unwrap()
    }

    fn workbench() -> Workbench {
        Workbench::embedded().unwrap()
    }

    #[test]
    fn a_read_only_contract_probes_each_write_and_names_the_calls_that_lost_their_meaning() {
        let workbench = workbench();
        call(
            &workbench,
            "user",
            "cards/groups/update",
            "id=123;description=changed",
        );
        call(&workbench, "user", "cards/groups/get", "id=123");
        let made = call(
            &workbench,
            "user",
            "cards/batches/create",
            "cardgroup=123;batch_name=b;number=1",
        );
        let batch = made["data"]["id"].as_i64().unwrap();
        call(&workbench, "user", "cards/list", &format!("batch={batch}"));
        call(&workbench, "user", "cards/groups/get", "id=124");
        call(&workbench, "user", "cards/list", "batch=123;count=1");

        let kept = contract_of_world(&workbench, None, "kept", false).unwrap();
        assert_eq!(kept.steps, 6);
        assert!(kept.notes.is_empty(), "{:?}", kept.notes);

        let probed = contract_of_world(&workbench, None, "probed", true).unwrap();
        let notes = probed.notes.join("\n");
        for expected in [
            "call 1 (cards/groups/update): sent with validation=1",
            "call 2 (cards/groups/get): answered otherwise once the calls before it changed nothing",
            "call 3 (cards/batches/create): sent with validation=1",
            "call 4 (cards/list): left out, it needs {batch_3}",
        ] {
            assert!(notes.contains(expected), "no {expected:?} in\n{notes}");
        }
        // Reads the probes do not touch answer as the client read: another customer's group
        // (404), and the seed's batch (whose id is numbered otherwise in the probed case, once
        // no new batch comes before it).
        assert!(!notes.contains("call 5"), "{notes}");
        assert!(!notes.contains("call 6"), "{notes}");
        assert_eq!(probed.steps, 5);
        let scenario = &probed.files["scenarios/contract-probed.yaml"];
        assert!(scenario.contains("read_only: true"), "{scenario}");
        assert!(
            scenario.contains("\"description=changed\", \"validation=1\"]"),
            "{scenario}"
        );
        let snapshot: Snapshot =
            serde_json::from_str(&probed.files["snapshots/scenario/contract-probed.json"]).unwrap();
        let codes: Vec<&str> = snapshot.steps.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(codes, ["201", "200", "201", "404", "200"]);
    }

    #[test]
    fn what_a_contract_cannot_hold_is_refused_naming_the_call() {
        let workbench = workbench();
        assert_eq!(
            contract_of_world(&workbench, None, "x", false),
            Err(ContractError::NoCalls)
        );
        assert!(matches!(
            contract_of_world(&workbench, None, "no/slash", false),
            Err(ContractError::BadName(_))
        ));

        call(&workbench, "user", "cards/groups/get", "id=123");
        call(&workbench, "admin", "cards/groups/get", "id=123");
        let refused = contract_of_world(&workbench, None, "x", false).unwrap_err();
        assert_eq!(
            refused.to_string().split(':').next(),
            Some("call 2 (cards/groups/get)")
        );
        assert!(matches!(refused, ContractError::UnknownUser { seq: 2, .. }));

        let entries = workbench
            .journal()
            .entries(crate::workbench::Worlds::One(None), None, 0, 9);
        assert_eq!(
            contract(workbench.fake(), &entries[1..], "x", false),
            Err(ContractError::NotFromStart(1))
        );

        workbench.reset().unwrap();
        call(
            &workbench,
            "user",
            "cards/groups/update",
            "id=123;description={mine}",
        );
        assert!(matches!(
            contract_of_world(&workbench, None, "x", false),
            Err(ContractError::Braces { seq: 1, .. })
        ));

        // A list longer than the journal keeps of an answer.
        workbench.reset().unwrap();
        call(
            &workbench,
            "user",
            "cards/batches/create",
            "cardgroup=123;batch_name=b;number=1000",
        );
        call(&workbench, "user", "cards/list", "cardgroup=123");
        assert_eq!(
            contract_of_world(&workbench, None, "x", false),
            Err(ContractError::AnswerCut {
                seq: 2,
                function: "cards/list".into()
            })
        );
    }
}
