//! Runs cases against a target and turns each into an `Outcome`. A mismatch is an outcome, never
//! an error: documented rules fail, inferred ones are unverified (unless strict), a case without a
//! snapshot is new, one the config cannot serve is skipped with its reason, and one the target
//! could not answer is broken. Output belongs to reporters, which see each result as it comes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde_json::Value as Json;

use crate::conformance::case::{Case, Form, placeholders, select};
use crate::conformance::config::{Principal, TargetConfig};
use crate::conformance::fixtures::Fixtures;
use crate::conformance::normalize::{Numbering, Rules};
use crate::conformance::outcome::{CaseResult, Exchange, INTERRUPTED, Outcome, Reporter, Summary};
use crate::conformance::secrets::Secrets;
use crate::conformance::snapshot::{self, Recorded, Snapshot, record};
use crate::conformance::target::{Target, TargetError, WireRequest};
use crate::spec::Provenance;

/// What to do with an answer that differs from its snapshot, or has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMode {
    /// Write nothing (the default when `CI` is set).
    No,
    /// Write `<snapshot>.new` beside it, for review and `accept`.
    New,
    /// Overwrite the snapshot.
    Always,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Compare messages too, and fail on inferred rules.
    pub strict: bool,
    pub update: UpdateMode,
    /// Only cases whose id matches (`*` is any run of characters; without one, a substring).
    pub filter: Option<String>,
    /// Only cases that change nothing.
    pub read_only: bool,
    /// How requests authenticate.
    pub auth: AuthMode,
}

/// How a run's requests authenticate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthMode {
    /// `auth_username` and `auth_password`, as every principal of the config.
    #[default]
    Password,
    /// Each principal logs in once with `user/login` and `token=1`, and every request then
    /// sends only `auth_token` (Enswitch 4.1 and later). `nobody` sends the full user's token
    /// with its signature altered. The snapshots are the same.
    Token,
}

pub struct Runner<'a> {
    pub target: &'a dyn Target,
    pub config: &'a TargetConfig,
    pub rules: &'a Rules,
    pub fixtures: &'a Fixtures,
    pub options: &'a Options,
    /// Set (by a signal) to stop the run after the case in progress; the cases left are
    /// reported skipped, and the summary says the run was interrupted.
    pub interrupt: Option<&'a AtomicBool>,
}

impl Runner<'_> {
    /// Runs the cases the filter selects, telling `reporter` of each; the summary, or the first
    /// error the reporter met writing.
    pub fn run(&self, cases: &[Case], reporter: &mut dyn Reporter) -> std::io::Result<Summary> {
        let selected = select(cases, self.options.filter.as_deref());
        reporter.start(selected.len())?;
        let mut secrets = Secrets::of(self.config);
        let tokens = match self.options.auth {
            AuthMode::Password => BTreeMap::new(),
            AuthMode::Token => self.log_in(&mut secrets),
        };
        let mut summary = Summary::default();
        for case in selected {
            let interrupted = self.interrupt.is_some_and(|i| i.load(Ordering::Relaxed));
            summary.interrupted |= interrupted;
            let result = if interrupted {
                CaseResult::of(
                    case,
                    Outcome::Skipped {
                        reason: INTERRUPTED.into(),
                    },
                )
            } else {
                self.run_case(case, &secrets, &tokens)
            };
            summary.add(&result);
            reporter.case(&result)?;
        }
        reporter.finish(&summary)?;
        Ok(summary)
    }

    /// Logs each principal of the config in with `token=1`: its token, or why there is none.
    /// Every token becomes a secret of the run.
    fn log_in(&self, secrets: &mut Secrets) -> PrincipalTokens {
        let mut tokens = PrincipalTokens::new();
        for (principal, credentials) in &self.config.principals {
            let login = || -> Result<String, LoginError> {
                let params = [("token".to_owned(), "1".to_owned())];
                let wire = WireRequest::new(LOGIN, Form::GetSemicolon, credentials, &params);
                let answer = self.target.send(&wire).map_err(LoginError::Unanswered)?;
                let envelope: Json =
                    serde_json::from_str(&answer.body).map_err(|_| LoginError::NotJson)?;
                match envelope["data"]["auth_token"].as_str() {
                    Some(token) => Ok(token.to_owned()),
                    None => Err(LoginError::NoToken(
                        envelope["responses"][0]["code"]
                            .as_str()
                            .unwrap_or("no code")
                            .to_owned(),
                    )),
                }
            };
            let token = login().map_err(|why| {
                let why = format!("logging in as {} with token=1: {why}", principal.as_str());
                NoToken(secrets.scrub(&why))
            });
            if let Ok(token) = &token {
                secrets.add(token);
            }
            tokens.insert(*principal, token);
        }
        // Nobody: the full user's token, its signature altered (its last character changed).
        if let Some(Ok(full)) = tokens.get(&Principal::Full) {
            let mut altered = full.clone();
            let last = altered.pop().unwrap_or('A');
            altered.push(if last == 'A' { 'B' } else { 'A' });
            secrets.add(&altered);
            tokens.insert(Principal::Nobody, Ok(altered));
        }
        tokens
    }

    fn run_case(&self, case: &Case, secrets: &Secrets, tokens: &PrincipalTokens) -> CaseResult {
        let started = Instant::now();
        let mut result = self.judge(case, secrets, tokens);
        result.seconds = started.elapsed().as_secs_f64();
        result
    }

    fn judge(&self, case: &Case, secrets: &Secrets, tokens: &PrincipalTokens) -> CaseResult {
        let mut result = CaseResult::of(case, Outcome::Passed);
        let actual = match self.answers(case, secrets, tokens) {
            Ok(actual) => actual,
            Err(outcome) => {
                result.outcome = outcome;
                return result;
            }
        };
        let expected = match self.expected(case) {
            Ok(expected) => expected,
            Err(outcome) => {
                result.outcome = outcome;
                return result;
            }
        };
        result.outcome = self.compare(case, expected.as_ref(), &actual);
        // An answer that differs from its snapshot, or has none, is written for review.
        if matches!(
            result.outcome,
            Outcome::Failed { .. } | Outcome::Unverified { .. } | Outcome::New { .. }
        ) {
            match self.write(&case.id, &actual) {
                Ok(wrote) => result.wrote = wrote,
                Err(error) => result.write_error = Some(error.to_string()),
            }
        }
        result.exchange = Some(Box::new(Exchange {
            functions: case.steps.iter().map(|s| s.function.clone()).collect(),
            actual,
            expected,
        }));
        result
    }

    /// Sends every step of `case` and records the normalized answers, with no secret in them.
    fn answers(
        &self,
        case: &Case,
        secrets: &Secrets,
        tokens: &PrincipalTokens,
    ) -> Result<Snapshot, Outcome> {
        if self.options.read_only && !case.read_only {
            return Err(Outcome::Skipped {
                reason: "changes state (--read-only)".into(),
            });
        }
        let mut credentials = Vec::new();
        for step in &case.steps {
            match self.config.credentials(step.principal) {
                Some(c) => credentials.push(c),
                None => {
                    return Err(Outcome::Skipped {
                        reason: format!(
                            "the config names no {} principal",
                            step.principal.as_str()
                        ),
                    });
                }
            }
        }
        let captured_later: Vec<&String> =
            case.steps.iter().flat_map(|s| s.capture.keys()).collect();
        for step in &case.steps {
            for name in step.params.iter().flat_map(|p| placeholders(p)) {
                if self.config.resources.get(&name).is_none() && !captured_later.contains(&&name) {
                    return Err(Outcome::Skipped {
                        reason: format!("the config has no resource {name}"),
                    });
                }
            }
        }
        let broken = |error: TargetError| Outcome::Broken {
            error: secrets.scrub(&error.to_string()),
        };
        self.target.reset().map_err(broken)?;

        let mut captures: BTreeMap<String, String> = BTreeMap::new();
        let mut numbering = Numbering::default();
        let mut steps = Vec::new();
        for (step, who) in case.steps.iter().zip(&credentials) {
            let mut who_label = match &step.token {
                Some(token) => format!("token {token}"),
                None => step.principal.as_str().to_owned(),
            };
            if let Some(seconds) = step.advance_clock {
                who_label.push_str(&format!(" {seconds} s later"));
            }
            let request =
                WireRequest::describe(&step.function, step.form, &who_label, &step.params);
            // The parameters and the token, placeholders filled in; a step whose placeholder no
            // earlier step captured is recorded as not sent, and the case stops there.
            let substituted = || -> Result<(super::generate::Pairs, Option<String>), Uncaptured> {
                let params = step
                    .params
                    .iter()
                    .map(|p| {
                        let text = self.substitute(p, &captures)?;
                        let (name, value) = text.split_once('=').unwrap_or((&text, ""));
                        Ok((name.to_owned(), value.to_owned()))
                    })
                    .collect::<Result<_, _>>()?;
                let token = step
                    .token
                    .as_deref()
                    .map(|token| self.substitute(token, &captures))
                    .transpose()?;
                Ok((params, token))
            };
            let (params, token) = match substituted() {
                Ok(substituted) => substituted,
                Err(Uncaptured(missing)) => {
                    let message = format!("not sent: no earlier step captured {{{missing}}}");
                    steps.push(Recorded {
                        request,
                        code: String::new(),
                        key: String::new(),
                        message,
                        data: None,
                    });
                    break;
                }
            };
            if let Some(seconds) = step.advance_clock {
                let moved = self.target.advance_clock(seconds).map_err(broken)?;
                if !moved {
                    return Err(Outcome::Skipped {
                        reason: "moves the clock, which only this fake's control plane can".into(),
                    });
                }
            }
            let wire = match (&token, self.options.auth) {
                (Some(token), _) => {
                    WireRequest::with_token(&step.function, step.form, token, &params)
                }
                (None, AuthMode::Password) => {
                    WireRequest::new(&step.function, step.form, who, &params)
                }
                (None, AuthMode::Token) => match tokens.get(&step.principal) {
                    Some(Ok(token)) => {
                        WireRequest::with_token(&step.function, step.form, token, &params)
                    }
                    Some(Err(NoToken(why))) => {
                        return Err(Outcome::Broken { error: why.clone() });
                    }
                    None => {
                        let error = format!("no token for {}", step.principal.as_str());
                        return Err(Outcome::Broken { error });
                    }
                },
            };
            let answer = self.target.send(&wire).map_err(broken)?;
            let (mut recorded, raw_data) = record(request, &answer);
            if let Some(data) = &raw_data {
                for (name, field) in &step.capture {
                    if let Some(value) = captured(data, field) {
                        let text = value
                            .as_str()
                            .map_or_else(|| value.to_string(), str::to_owned);
                        captures.insert(name.clone(), text);
                    }
                }
            }
            // Scrubbed first: normalizing names what it replaces (an opaque token becomes
            // `{auth_token}`), and that name is no secret.
            secrets.scrub_recorded(&mut recorded);
            if let Some(data) = recorded.data.as_mut() {
                numbering.apply(
                    data,
                    self.rules.get(&step.function),
                    &step.normalize,
                    &self.config.resources,
                );
            }
            steps.push(recorded);
        }
        Ok(Snapshot {
            case: case.id.clone(),
            rule: case.rule.clone(),
            provenance: case.provenance,
            steps,
        })
    }

    /// The normalized answers the target gives `case`'s steps, as a run records them (for a
    /// consumer contract, whose snapshot is what its target answered).
    pub(super) fn snapshot(&self, case: &Case) -> Result<Snapshot, Outcome> {
        self.answers(case, &Secrets::of(self.config), &PrincipalTokens::new())
    }

    /// The case's reviewed snapshot, if it has one; a broken outcome if it cannot be read.
    fn expected(&self, case: &Case) -> Result<Option<Snapshot>, Outcome> {
        let relative = format!("snapshots/{}.json", case.id);
        let broken = |e: &dyn std::fmt::Display| Outcome::Broken {
            error: format!("{}: {e}", self.fixtures.label(&relative)),
        };
        match self.fixtures.read(&relative) {
            Ok(None) => Ok(None),
            Ok(Some(text)) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| broken(&e)),
            Err(e) => Err(broken(&e)),
        }
    }

    /// The outcome of `actual` against the case's snapshot.
    fn compare(&self, case: &Case, expected: Option<&Snapshot>, actual: &Snapshot) -> Outcome {
        if expected.is_some_and(|e| e.matches(actual, self.options.strict)) {
            return Outcome::Passed;
        }
        let mut diff = snapshot::diff(expected, actual);
        if let Some(expected) = expected {
            let labels: Vec<Option<&str>> = case.steps.iter().map(|s| s.call.as_deref()).collect();
            let steps = snapshot::differing_steps(expected, actual, &labels, self.options.strict);
            diff.insert_str(0, &steps);
        }
        match expected {
            None => Outcome::New { diff },
            Some(_) if case.provenance == Provenance::Inferred && !self.options.strict => {
                Outcome::Unverified { diff }
            }
            Some(_) => Outcome::Failed { diff },
        }
    }

    /// Writes the answer as `--update` says, where the fixtures are a directory: the file
    /// written, if any, or why it could not be.
    fn write(
        &self,
        case_id: &str,
        actual: &Snapshot,
    ) -> Result<Option<PathBuf>, SnapshotNotWritten> {
        let Some(dir) = self.fixtures.dir() else {
            return Ok(None);
        };
        let path = snapshot::path(&dir.join("snapshots"), case_id);
        let path = match self.options.update {
            UpdateMode::No => return Ok(None),
            UpdateMode::New => snapshot::pending(&path),
            UpdateMode::Always => path,
        };
        match snapshot::write(&path, actual) {
            Ok(()) => Ok(Some(path)),
            Err(source) => Err(SnapshotNotWritten { path, source }),
        }
    }

    /// `{name}` replaced by a captured value or a config resource.
    fn substitute(
        &self,
        text: &str,
        captures: &BTreeMap<String, String>,
    ) -> Result<String, Uncaptured> {
        let mut out = text.to_owned();
        for name in placeholders(text) {
            // A value the case captured wins over the config's resource of that name: a
            // scenario that makes a batch and captures it as `batch` means that batch.
            let value = match captures.get(&name) {
                Some(value) => value.clone(),
                None => match self.config.resources.get(&name) {
                    Some(value) => value,
                    None => return Err(Uncaptured(name)),
                },
            };
            out = out.replace(&format!("{{{name}}}"), &value);
        }
        Ok(out)
    }
}

/// The function a token run logs in with.
const LOGIN: &str = "user/login";

/// Each principal's token for a token run, or why it has none.
type PrincipalTokens = BTreeMap<Principal, Result<String, NoToken>>;

/// Why a principal has no token, as its cases report it: scrubbed of every secret.
#[derive(Debug, Clone)]
struct NoToken(String);

/// Why a principal has no token for a token run.
#[derive(Debug, thiserror::Error)]
enum LoginError {
    #[error("{0}")]
    Unanswered(TargetError),
    #[error("the answer is not JSON")]
    NotJson,
    #[error("it answered {0}")]
    NoToken(String),
}

/// Why the answer `--update` asked for could not be written; the run then fails.
#[derive(Debug, thiserror::Error)]
#[error("could not write {}: {source}", path.display())]
struct SnapshotNotWritten {
    path: PathBuf,
    source: std::io::Error,
}

/// A placeholder that no config resource and no earlier step's capture gives a value.
struct Uncaptured(String);

/// The value at `path` in a step's `data`: a field (`id`), or a dotted path through rows and
/// fields (`0.card`: the first row's `card`), a number indexing an array.
fn captured<'d>(data: &'d serde_json::Value, path: &str) -> Option<&'d serde_json::Value> {
    path.split('.').try_fold(data, |node, step| match node {
        serde_json::Value::Array(rows) => rows.get(step.parse::<usize>().ok()?),
        _ => node.get(step),
    })
}
