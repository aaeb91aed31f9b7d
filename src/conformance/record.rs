//! The recording proxy (`enswitch-fake record`): forwards each request to an upstream Enswitch,
//! answers the client with the upstream's answer, and writes the exchange as a conformance case
//! (`scenarios/recorded-NNNN-<function>.yaml`) and its snapshot, so golden fixtures come from real
//! traffic. Credentials become principal names and ids of the config's objects become their
//! placeholders; answers are normalized as the runner normalizes them, so `check` can replay them.
//! With `read_only`, only read functions and `validation=1` are forwarded.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::conformance::case::Form;
use crate::conformance::config::Principal;
use crate::conformance::config::TargetConfig;
use crate::conformance::http::Http;
use crate::conformance::normalize::{Numbering, Rules};
use crate::conformance::secrets::Secrets;
use crate::conformance::snapshot::{self, Snapshot};
use crate::conformance::target::{Target, WireAnswer, WireRequest};
use crate::fake::{API_PREFIX, ApiError, ApiRequest, Method, RawParams, is_secret};
use crate::server::Handler;
use crate::spec::AUTH_PARAMS;
use crate::spec::yaml::FileErrors;
use crate::spec::{Access, Provenance, Spec};
use crate::workbench::{HttpAnswer, HttpStatusMode, Reply};

pub struct Recorder {
    spec: Spec,
    upstream: Http,
    config: TargetConfig,
    rules: Rules,
    out: PathBuf,
    read_only: bool,
    recorded: AtomicU64,
    /// The config's passwords, kept out of every case, snapshot and error written.
    secrets: Secrets,
    /// Exchanges that could not be written as cases, and why (an unknown user, a full disk).
    problems: Mutex<Vec<RecordProblem>>,
}

/// Why a recorder could not start; the message names the file or directory.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("the normalization rules have errors: {0}")]
    Rules(#[from] FileErrors),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// An exchange that was forwarded but not written as a case.
#[derive(Debug, thiserror::Error)]
pub(super) enum RecordProblem {
    #[error("{function}: user {username:?} is none of the config's principals")]
    UnknownUser { function: String, username: String },
    #[error("{function}: {}: {source}", path.display())]
    Write {
        function: String,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Recorder {
    /// A recorder writing under `out` (made if missing, with the normalization rules copied in
    /// so `check --fixtures out` can replay what it records).
    pub fn new(
        spec: Spec,
        upstream: Http,
        config: TargetConfig,
        rules_text: &str,
        out: &Path,
        read_only: bool,
    ) -> Result<Recorder, RecordError> {
        let rules = crate::conformance::normalize::load("normalize.yaml", rules_text)?;
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| RecordError::Io { path, source }
        };
        std::fs::create_dir_all(out.join("scenarios")).map_err(io(out))?;
        let copy = out.join("normalize.yaml");
        if !copy.exists() {
            std::fs::write(&copy, rules_text).map_err(io(&copy))?;
        }
        Ok(Recorder {
            secrets: Secrets::of(&config),
            spec,
            upstream,
            config,
            rules,
            out: out.to_owned(),
            read_only,
            recorded: AtomicU64::new(0),
            problems: Mutex::new(Vec::new()),
        })
    }

    /// How many exchanges were written as cases.
    pub fn recorded(&self) -> u64 {
        self.recorded.load(Ordering::Relaxed)
    }

    /// Exchanges forwarded but not written, with the reason (a username a proxy wrote a
    /// password into is shown without it).
    pub fn problems(&self) -> Vec<String> {
        let problems = self.problems.lock().unwrap_or_else(|p| p.into_inner());
        problems
            .iter()
            .map(|p| self.secrets.scrub(&p.to_string()))
            .collect()
    }

    fn problem(&self, problem: RecordProblem) {
        self.problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(problem);
    }

    /// The principal whose credentials these are; `Nobody` for a known user with a wrong password.
    fn principal(&self, username: &str, password: &str) -> Option<Principal> {
        let mut known_user = false;
        for (principal, credentials) in &self.config.principals {
            if credentials.username == username {
                if credentials.password == password {
                    return Some(*principal);
                }
                known_user |= *principal == Principal::Full;
            }
        }
        known_user.then_some(Principal::Nobody)
    }

    fn write_case(
        &self,
        function: &str,
        request: &ApiRequest,
        raw: &RawParams,
        answer: &WireAnswer,
    ) -> Result<(), RecordProblem> {
        let username = raw.get("auth_username").unwrap_or_default();
        let principal = self
            .principal(username, raw.get("auth_password").unwrap_or_default())
            .ok_or_else(|| RecordProblem::UnknownUser {
                function: function.to_owned(),
                username: username.to_owned(),
            })?;
        let spec_function = self.spec.function(function);
        let params: Vec<String> = raw
            .pairs()
            .filter(|(name, _)| !AUTH_PARAMS.contains(name) && !is_secret(name))
            .map(|(name, value)| {
                let refers = spec_function
                    .and_then(|f| f.param(name))
                    .and_then(|p| p.refers_to.as_ref());
                let resource = refers
                    .and_then(|_| value.parse().ok())
                    .and_then(|id| self.config.resources.name_of(id));
                match resource {
                    Some(resource) => format!("{name}={{{resource}}}"),
                    None => self.secrets.scrub(&format!("{name}={value}")),
                }
            })
            .collect();
        let form = form_of(request);

        let number = self.recorded.fetch_add(1, Ordering::Relaxed) + 1;
        let id = format!("recorded-{number:04}-{}", function.replace('/', "-"));
        let (mut recorded, _) = snapshot::record(
            WireRequest::describe(function, form, principal.as_str(), &params),
            answer,
        );
        self.secrets.scrub_recorded(&mut recorded);
        if let Some(data) = recorded.data.as_mut() {
            Numbering::default().apply(
                data,
                self.rules.get(function),
                &Default::default(),
                &self.config.resources,
            );
        }
        let reads = spec_function.is_some_and(|f| f.access.value == Access::Read);
        let read_only = reads
            || raw.get("validation") == Some("1")
            || !matches!(recorded.code.as_str(), "200" | "204");
        let rule = format!("recorded exchange: {function}");
        let case = Snapshot {
            case: format!("scenario/{id}"),
            rule: rule.clone(),
            provenance: Provenance::Documented,
            steps: vec![recorded],
        };

        let quote = |text: &str| serde_json::to_string(text).expect("strings serialize");
        let params_yaml: Vec<String> = params.iter().map(|p| quote(p)).collect();
        let form_yaml = serde_json::to_value(form).expect("forms serialize");
        let yaml = format!(
            "# Recorded by enswitch-fake record; replayed by `check`, after a reset, on its own.\n\
             id: {}\nrule: {}\nprovenance: documented\nread_only: {read_only}\nsteps:\n  - function: {}\n    as: {}\n    form: {}\n    params: [{}]\n",
            quote(&id),
            quote(&rule),
            quote(function),
            principal.as_str(),
            form_yaml.as_str().unwrap_or("get_semicolon"),
            params_yaml.join(", ")
        );
        let scenario = self.out.join("scenarios").join(format!("{id}.yaml"));
        let failed = |path: &Path| {
            let (function, path) = (function.to_owned(), path.to_owned());
            move |source| RecordProblem::Write {
                function,
                path,
                source,
            }
        };
        std::fs::write(&scenario, yaml).map_err(failed(&scenario))?;
        let path = snapshot::path(&self.out.join("snapshots"), &case.case);
        snapshot::write(&path, &case).map_err(failed(&path))
    }
}

impl Handler for Recorder {
    /// Each exchange waits on the upstream and writes files.
    fn blocks(&self, _request: &ApiRequest) -> bool {
        true
    }

    fn serve(&self, request: ApiRequest) -> Reply {
        self.exchange(&request).into()
    }
}

impl Recorder {
    fn exchange(&self, request: &ApiRequest) -> HttpAnswer {
        let Some(rest) = request.path.strip_prefix(API_PREFIX) else {
            return HttpAnswer::json(
                404,
                &serde_json::json!({ "error": "record forwards only /api/json/ requests" }),
            );
        };
        let function = rest.trim_matches('/');
        let post = request.method == Method::Post;
        let raw = request.params();
        if self.read_only {
            let reads = self
                .spec
                .function(function)
                .is_some_and(|f| f.access.value == Access::Read);
            if !reads && raw.get("validation") != Some("1") {
                let refused = ApiError::unreadable(
                    "record --read-only forwards only read functions and validation=1.",
                );
                let mut answer = HttpAnswer::api(&refused.into(), HttpStatusMode::AlwaysOk);
                answer.status = 403;
                return answer;
            }
        }
        let wire = WireRequest {
            post,
            path: rest.to_owned(),
            query: request.query.clone(),
            body: post.then(|| String::from_utf8_lossy(&request.body).into_owned()),
        };
        let answer = match self.upstream.send(&wire) {
            Ok(answer) => answer,
            Err(error) => {
                let error = self.secrets.scrub(&error.to_string());
                return HttpAnswer::json(502, &serde_json::json!({ "error": error }));
            }
        };
        if let Err(problem) = self.write_case(function, request, &raw, &answer) {
            self.problem(problem);
        }
        let mut http = HttpAnswer::text(answer.status, "");
        http.content_type = "application/json";
        http.body = answer.body.into_bytes().into();
        http
    }
}

/// The form a client used, so the replay writes its request the same way.
fn form_of(request: &ApiRequest) -> Form {
    match request.method {
        Method::Post if request.query.is_empty() => Form::PostBody,
        Method::Post if request.body.is_empty() => Form::PostQuery,
        // Parameters in both places are replayed with authentication in the query.
        Method::Post => Form::PostBoth,
        _ if !request.path.ends_with('/') => Form::GetNoSlash,
        _ if request.query.contains('&') && !request.query.contains(';') => Form::GetAmpersand,
        _ => Form::GetSemicolon,
    }
}
