//! `App`: the fake Enswitch without a socket. `App::handle` takes one API request through the
//! whole pipeline and returns its answer; `App::serve` also routes the control plane and makes the
//! HTTP answer. Synchronous throughout, so most tests call it directly.
//!
//! ```
//! use enswitch_fake::workbench::App;
//! use enswitch_fake::fake::request::ApiRequest;
//!
//! let app = App::embedded().unwrap();
//! let answer = app.handle(&ApiRequest::get(
//!     "/api/json/cards/groups/update/?auth_username=user;auth_password=password;id=123;name=example",
//! ));
//! assert_eq!(answer.to_json(), r#"{"responses":[{"code":"204","key":"","message":"OK"}]}"#);
//! ```

pub mod control;
pub mod fault;
pub mod journal;
pub mod namespace;
pub mod state;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::fake::clock::Clock;
use crate::fake::error::ApiError;
use crate::fake::input::Input;
use crate::fake::mutant::{self, Mutant};
use crate::fake::params::RawParams;
use crate::fake::request::{ApiRequest, Method};
use crate::fake::response::{ApiResponse, HttpAnswer, HttpStatusMode};
use crate::fake::world::World;
use crate::fake::{auth, domain, seed, validate};
use crate::spec::value::Value;
use crate::spec::yaml::FileErrors;
use crate::spec::{Access, Code, Function, Spec};
use crate::workbench::fault::{Action, Faults};
use crate::workbench::journal::Entry;
use namespace::{Namespace, Namespaces, Refused};

/// Where API paths start.
pub const API_PREFIX: &str = "/api/json/";
/// Where the control plane's paths start; never inside the API's path space.
pub const CONTROL_PREFIX: &str = "/_fake/";

/// The server's settings that change answers.
#[derive(Debug, Clone)]
pub struct Config {
    /// The most cards one call may create (`--max-cards`, D12).
    pub max_cards: u64,
    pub http_status: HttpStatusMode,
    /// A deliberate fault to run with (`--mutant`); `None` for the faithful fake.
    pub mutant: Option<Mutant>,
    /// Seeds the generator that fault probabilities are drawn from (`--rng-seed`).
    pub rng_seed: u64,
    /// Who may use `/_fake/` (`--admin-token`, `--no-admin`).
    pub control: ControlAccess,
}

/// Who may use the control plane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ControlAccess {
    /// Anyone who can reach the port: the default, for a fake on loopback.
    #[default]
    Open,
    /// Only requests with `Authorization: Bearer <token>`.
    Token(String),
    /// Nobody: `/_fake/` answers 404 as if it were not there.
    Off,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_cards: 100_000,
            http_status: HttpStatusMode::AlwaysOk,
            mutant: None,
            rng_seed: DEFAULT_RNG_SEED,
            control: ControlAccess::Open,
        }
    }
}

/// The default `--rng-seed`.
pub const DEFAULT_RNG_SEED: u64 = 1;

#[derive(Debug)]
pub struct App {
    pub(crate) spec: Spec,
    pub(crate) namespaces: Namespaces,
    pub(crate) faults: Faults,
    /// Counts requests that may have changed a world, so the state writer knows when to save.
    changes: AtomicU64,
    pub(crate) config: Config,
}

impl App {
    /// A fake whose default world (and every namespace, on first use) starts as `seed`.
    pub fn new(spec: Spec, seed: World, clock: Clock, config: Config) -> App {
        let faults = Faults::new(config.rng_seed);
        App {
            spec,
            namespaces: Namespaces::new(seed, clock),
            faults,
            changes: AtomicU64::new(0),
            config,
        }
    }

    /// The embedded spec and seed, the default generator seed, the logical clock, default limits.
    pub fn embedded() -> Result<App, FileErrors> {
        let spec = Spec::embedded()?;
        let world = seed::load(&spec, seed::EMBEDDED_NAME, seed::EMBEDDED, DEFAULT_RNG_SEED)?;
        Ok(App::new(spec, world, Clock::logical(), Config::default()))
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Routes a request to a namespace's API or control plane and makes its HTTP answer.
    pub fn serve(&self, request: ApiRequest) -> HttpAnswer {
        let (name, path) = namespace::split(&request.path);
        let world = match self.world(name) {
            Ok(world) => world,
            Err(error) => return HttpAnswer::api(&error.into(), HttpStatusMode::Mirror),
        };
        if path.starts_with(CONTROL_PREFIX) {
            return self.guarded_control(&world, name, path, &request);
        }
        let fault = self.faults.fire(function_path(path), name);
        let answer = self.handle_in(&world, path, &request, fault.as_ref());
        let mut http = HttpAnswer::api(&answer, self.config.http_status);
        match fault {
            Some(Action::Delay { ms }) => http.delay_ms = ms,
            Some(Action::Http503) => return HttpAnswer::text(503, "Service Unavailable\n"),
            Some(Action::Close | Action::ActThenDrop) => http.drop = true,
            Some(Action::Error { .. }) | None => {}
        }
        if mutant::is(self.config.mutant, Mutant::CodeAsNumber) {
            let quoted = format!("\"code\":\"{}\"", answer.code);
            let bare = format!("\"code\":{}", answer.code);
            http.body = answer.to_json().replace(&quoted, &bare).into_bytes();
        }
        // Transport-level faults keep their own HTTP status whatever the mode.
        if let Some(status) = transport_status(&request) {
            http.status = status;
        }
        http
    }

    /// One API call, start to finish, in the namespace its path names (`/_ns/<name>/…`) or the
    /// default world. Every outcome is an answer; nothing here fails.
    pub fn handle(&self, request: &ApiRequest) -> ApiResponse {
        let (name, path) = namespace::split(&request.path);
        match self.world(name) {
            Ok(world) => self.handle_in(&world, path, request, None),
            Err(error) => error.into(),
        }
    }

    /// The default world, or the namespace `name` (made on first use).
    fn world(&self, name: Option<&str>) -> Result<Arc<Namespace>, ApiError> {
        match name {
            None => Ok(Arc::clone(self.namespaces.default_world())),
            Some(name) => self
                .namespaces
                .get_or_create(name)
                .map_err(|why| match why {
                    Refused::BadName => ApiError::bad_namespace(),
                    Refused::Full => ApiError::namespaces_full(),
                }),
        }
    }

    /// The call in `world`; a `fault` that answers instead of acting (an error, 503, a closed
    /// connection) stops it before the pipeline.
    fn handle_in(
        &self,
        world: &Namespace,
        path: &str,
        request: &ApiRequest,
        fault: Option<&Action>,
    ) -> ApiResponse {
        let function_path = function_path(path);
        let (answer, params) = match self.read(request, function_path) {
            Ok((function, raw)) => {
                if function.access.value == Access::Write {
                    self.changed();
                }
                // A panic is a bug of the fake's; the client still gets an answer, and the lock
                // recovers (see `Store`).
                let call = AssertUnwindSafe(|| {
                    world
                        .store
                        .with(|state| self.call(function, &raw, state, &world.clock))
                });
                let answer = match fault {
                    Some(Action::Error { code, key, message }) => {
                        ApiError::injected(code, key, message).into()
                    }
                    Some(Action::Http503 | Action::Close) => {
                        ApiError::injected("500", "", "not answered").into()
                    }
                    _ => match std::panic::catch_unwind(call) {
                        Ok(answer) => answer.unwrap_or_else(ApiResponse::from),
                        Err(_) => ApiError::panicked(function).into(),
                    },
                };
                (self.with_answer_faults(answer), raw)
            }
            Err(error) => (error.into(), RawParams::default()),
        };
        let time = world.clock.tick();
        let method = request.method.as_str();
        let code = match fault {
            Some(Action::Http503) => "HTTP 503".to_owned(),
            Some(Action::Close) => "closed".to_owned(),
            _ => answer.code.to_string(),
        };
        world.journal.record(
            time,
            function_path,
            method,
            params,
            code,
            fault.map(Action::name),
        );
        answer
    }

    /// The checks in the order of D5, then the change: the whole call inside one lock.
    fn call(
        &self,
        function: &Function,
        raw: &RawParams,
        world: &mut World,
        clock: &Clock,
    ) -> Result<ApiResponse, ApiError> {
        let faults = self.config.mutant;
        if mutant::is(faults, Mutant::ValidateBeforeAuth) {
            validate::validate(function, raw, self.config.max_cards, faults)?;
        }
        let who = auth::authenticate(world, raw)?;
        auth::authorize(world, &who, function, faults)?;
        let params = validate::validate(function, raw, self.config.max_cards, faults)?;
        let input = Input::resolve(function, &params, world, &who, faults)?;
        if input.value("validation") == Some(&Value::Integer(1)) {
            if mutant::is(faults, Mutant::ValidationActs) {
                domain::act(function, &input, world, clock, faults)?;
            }
            let mut validated = ApiResponse::validated();
            if mutant::is(faults, Mutant::ValidatedAs200) {
                validated.code = Code::new(200).unwrap_or(validated.code);
            }
            return Ok(validated);
        }
        domain::act(function, &input, world, clock, faults)
    }

    /// The mutants that spoil an answer's envelope rather than a rule.
    fn with_answer_faults(&self, mut answer: ApiResponse) -> ApiResponse {
        let faults = self.config.mutant;
        if mutant::is(faults, Mutant::EmptyKeyOn400) && answer.code.as_u16() == 400 {
            answer.key.clear();
        }
        if mutant::is(faults, Mutant::DataOn204) && answer.code.as_u16() == 204 {
            answer.data = Some("{}".to_owned());
        }
        answer
    }

    /// The function and the parameters, or why the request cannot be read as an API call.
    fn read<'a>(
        &'a self,
        request: &ApiRequest,
        path: &str,
    ) -> Result<(&'a Function, RawParams), ApiError> {
        let function = self
            .spec
            .function(path)
            .ok_or_else(|| ApiError::unknown_function(path))?;
        let body = match request.method {
            Method::Get => None,
            Method::Post if form_body(request) => Some(request.body.as_slice()),
            Method::Post => {
                return Err(ApiError::unreadable(
                    "A POST body must be application/x-www-form-urlencoded.",
                ));
            }
            _ => return Err(ApiError::unreadable("Use GET or POST.")),
        };
        Ok((function, RawParams::parse(&request.query, body)))
    }

    /// A number that moves whenever a world may have changed.
    pub fn changes(&self) -> u64 {
        self.changes.load(Ordering::Relaxed)
    }

    pub(crate) fn changed(&self) {
        self.changes.fetch_add(1, Ordering::Relaxed);
    }

    /// The fault rules in force; add one to make the next matching call fail.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The journal of the default world or of `namespace`, of one function if given.
    pub fn requests(&self, namespace: Option<&str>, function: Option<&str>) -> Vec<Entry> {
        self.world(namespace)
            .map(|w| w.journal.entries(function))
            .unwrap_or_default()
    }

    /// The whole state of the default world or of `namespace`, as `/_fake/state` shows it.
    pub fn state_json(&self, namespace: Option<&str>) -> Option<String> {
        let world = self.world(namespace).ok()?;
        Some(
            world
                .store
                .with(|state| serde_json::to_string(&*state).expect("the state serializes")),
        )
    }

    /// Drops `namespace`; whether it existed.
    pub fn drop_namespace(&self, namespace: &str) -> bool {
        self.namespaces.remove(namespace)
    }

    /// The default world back to the seed (named namespaces keep theirs).
    pub fn reset(&self) {
        self.namespaces.default_world().reset();
    }
}

/// `cards/groups/update` from `/api/json/cards/groups/update/`; the trailing slash is optional.
fn function_path(path: &str) -> &str {
    let rest = path
        .strip_prefix(API_PREFIX)
        .or_else(|| path.strip_prefix("/api/json"))
        .unwrap_or(path);
    rest.trim_matches('/')
}

/// A body is read as a form when it says so, or says nothing (as `curl -d` does not always).
fn form_body(request: &ApiRequest) -> bool {
    match &request.content_type {
        None => true,
        Some(t) => {
            let essence = t.split(';').next().unwrap_or_default().trim();
            essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
                || request.body.is_empty()
        }
    }
}

/// The HTTP status of a request the API cannot read at all, whatever `--http-status` says.
fn transport_status(request: &ApiRequest) -> Option<u16> {
    match request.method {
        Method::Get => None,
        Method::Post if form_body(request) => None,
        Method::Post => Some(415),
        _ => Some(405),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_paths_are_found_with_or_without_the_trailing_slash() {
        assert_eq!(
            function_path("/api/json/cards/groups/update/"),
            "cards/groups/update"
        );
        assert_eq!(
            function_path("/api/json/cards/groups/update"),
            "cards/groups/update"
        );
        assert_eq!(function_path("/api/json/"), "");
        assert_eq!(function_path("/elsewhere"), "elsewhere");
    }
}
