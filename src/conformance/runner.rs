//! Runs cases against a target and turns each into an `Outcome`. A mismatch is an outcome, never
//! an error: documented rules fail, inferred ones are unverified (unless strict), a case without a
//! snapshot is new, one the config cannot serve is skipped with its reason, and one the target
//! could not answer is broken. Output belongs to reporters, which see each result as it comes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::Serialize;
use serde_json::Value as Json;

use crate::conformance::case::{Case, Form};
use crate::conformance::config::{Principal, TargetConfig};
use crate::conformance::fixtures::Fixtures;
use crate::conformance::normalize::{Numbering, Rules};
use crate::conformance::secrets::Secrets;
use crate::conformance::snapshot::{self, Recorded, Snapshot};
use crate::conformance::target::{Target, TargetError, WireAnswer, WireRequest};
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

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// A documented rule (or any rule, when strict) answered otherwise than its snapshot.
    Failed {
        diff: String,
    },
    /// An inferred rule answered otherwise: reported, not failed.
    Unverified {
        diff: String,
    },
    /// No snapshot yet: the answer needs review.
    New {
        diff: String,
    },
    Skipped {
        reason: String,
    },
    /// The target could not be asked (connection refused, a broken snapshot file).
    Broken {
        error: String,
    },
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed { .. } => "failed",
            Outcome::Unverified { .. } => "unverified",
            Outcome::New { .. } => "new",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Broken { .. } => "broken",
        }
    }

    /// Whether the run as a whole fails because of it (exit 1).
    pub fn fails(&self) -> bool {
        matches!(
            self,
            Outcome::Failed { .. } | Outcome::New { .. } | Outcome::Broken { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseResult {
    pub id: String,
    pub function: String,
    pub rule: String,
    pub provenance: Provenance,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The snapshot or `.new` file written, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrote: Option<PathBuf>,
    /// Why the file `--update` asked for could not be written; the run then fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_error: Option<String>,
    /// What the case sent and got, for the reporters that show it (HTML) or count it
    /// (coverage); `None` when nothing was sent. Not part of the JSON lines.
    #[serde(skip)]
    pub exchange: Option<Box<Exchange>>,
    /// How long the case took, in seconds (for JUnit's `time`).
    pub seconds: f64,
}

/// What a case that was never run because the run was interrupted is skipped for.
pub(crate) const INTERRUPTED: &str = "not run: the run was interrupted";

/// The requests of one case and the answers, secrets already scrubbed.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// Each step's function, in order.
    pub(super) functions: Vec<String>,
    /// The answers, normalized as compared.
    pub(super) actual: Snapshot,
    /// The reviewed snapshot compared with, if there is one.
    pub(super) expected: Option<Snapshot>,
}

/// Counts by outcome, overall and per function.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub total: BTreeMap<&'static str, usize>,
    pub by_function: BTreeMap<String, BTreeMap<&'static str, usize>>,
    pub failed: bool,
    /// The run was stopped (Ctrl-C) before every case ran: those left are skipped.
    pub interrupted: bool,
    /// Why cases were skipped, each reason with its count.
    pub skipped_because: BTreeMap<String, usize>,
}

impl Summary {
    fn add(&mut self, result: &CaseResult) {
        let label = result.outcome.label();
        if let Outcome::Skipped { reason } = &result.outcome {
            *self.skipped_because.entry(reason.clone()).or_default() += 1;
        }
        *self.total.entry(label).or_default() += 1;
        *self
            .by_function
            .entry(result.function.clone())
            .or_default()
            .entry(label)
            .or_default() += 1;
        self.failed |= result.outcome.fails() || result.write_error.is_some();
    }

    pub fn count(&self, label: &str) -> usize {
        self.total.get(label).copied().unwrap_or(0)
    }

    /// How many cases were asked of the target: every one not skipped.
    pub fn ran(&self) -> usize {
        self.total.values().sum::<usize>() - self.count("skipped")
    }

    /// How many cases the run held.
    pub fn cases(&self) -> usize {
        self.total.values().sum()
    }

    /// Whether so many cases were skipped (a fifth or more) that the run says so in its last
    /// line: a config without resources passes by testing little.
    pub fn skipped_much(&self) -> bool {
        let skipped = self.count("skipped");
        skipped > 0 && skipped * 5 >= self.cases()
    }
}

/// Sees each result as the run goes; owns all output. An error writing stops the run.
pub trait Reporter {
    fn start(&mut self, total: usize) -> std::io::Result<()>;
    fn case(&mut self, result: &CaseResult) -> std::io::Result<()>;
    fn finish(&mut self, summary: &Summary) -> std::io::Result<()>;
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
                    if let Some(value) = data.get(field) {
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
        let diff = snapshot::diff(expected, actual);
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

impl CaseResult {
    /// A result for `case` with `outcome`, nothing written and nothing sent yet.
    fn of(case: &Case, outcome: Outcome) -> CaseResult {
        CaseResult {
            id: case.id.clone(),
            function: case.function.clone(),
            rule: case.rule.clone(),
            provenance: case.provenance,
            outcome,
            wrote: None,
            write_error: None,
            exchange: None,
            seconds: 0.0,
        }
    }
}

/// A placeholder that no config resource and no earlier step's capture gives a value.
struct Uncaptured(String);

/// The cases whose id matches `filter` (all of them without one).
pub fn select<'a>(cases: &'a [Case], filter: Option<&str>) -> Vec<&'a Case> {
    cases
        .iter()
        .filter(|c| filter.is_none_or(|p| matches(p, &c.id)))
        .collect()
}

/// The envelope's parts, as strings however the target wrote them, and the raw `data`.
pub(crate) fn record(request: String, answer: &WireAnswer) -> (Recorded, Option<Json>) {
    let not_an_envelope = |why: &str| Recorded {
        request: request.clone(),
        code: format!("HTTP {}", answer.status),
        key: String::new(),
        message: format!(
            "{why}: {}",
            answer.body.chars().take(200).collect::<String>()
        ),
        data: None,
    };
    let Ok(json) = serde_json::from_str::<Json>(&answer.body) else {
        return (not_an_envelope("not JSON"), None);
    };
    let Some([item]) = json
        .get("responses")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
    else {
        return (not_an_envelope("not one element in responses"), None);
    };
    // A code sent as a JSON number must not pass for the string the vendor sends.
    let text = |field: &str| match &item[field] {
        Json::String(s) => s.clone(),
        Json::Null => "(missing)".to_owned(),
        other => format!("{other} (not a string)"),
    };
    let mut code = text("code");
    if answer.status != 200 {
        code = format!("{code} (HTTP {})", answer.status);
    }
    let data = json.get("data").cloned();
    let recorded = Recorded {
        request,
        code,
        key: text("key"),
        message: text("message"),
        data: data.clone(),
    };
    (recorded, data)
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

    #[test]
    fn a_numeric_code_or_a_bare_page_is_recorded_as_what_it_is() {
        let answer = WireAnswer {
            status: 200,
            body: r#"{"responses":[{"code":204,"key":"","message":"OK"}]}"#.into(),
        };
        assert_eq!(record(String::new(), &answer).0.code, "204 (not a string)");
        let page = WireAnswer {
            status: 404,
            body: "<html>Not Found</html>".into(),
        };
        assert_eq!(record(String::new(), &page).0.code, "HTTP 404");
    }
}
