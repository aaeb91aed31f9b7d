//! The workbench: what makes the fake a test tool. [`Workbench::serve`] is its one entry: it
//! routes a request to the control plane (`/_fake/`) or the API, in the default world or a
//! namespace (`/_ns/<name>/`), fires fault rules, calls the fake, applies a mutant's answer
//! transform, keeps the journal, and makes the HTTP answer. Synchronous; the server is the only
//! async part, and the fake (`crate::fake`) knows nothing of any of this.
//!
//! - `namespace`: isolated worlds on one server; `journal`: what each world's clients sent.
//! - `fault`: failures on demand; `mutation`: where mutants act outside the fake's rules.
//! - `control`: the `/_fake/` endpoints; `state`: the state file; `reply`: the HTTP answer.
//!
//! ```
//! use enswitch_fake::fake::ApiRequest;
//! use enswitch_fake::workbench::Workbench;
//!
//! let bench = Workbench::embedded().unwrap();
//! let reply = bench.serve(ApiRequest::get(
//!     "/api/json/cards/groups/update/?auth_username=user;auth_password=password;id=123;name=example",
//! ));
//! let answer = reply.answer().unwrap();
//! assert_eq!(answer.status, 200);
//! assert_eq!(answer.body, br#"{"responses":[{"code":"204","key":"","message":"OK"}]}"#);
//! ```

mod control;
mod fault;
mod journal;
mod mutation;
mod namespace;
mod reply;
mod state;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::fake::{self, ApiError, ApiRequest, Call, Fake, World};
use crate::spec::Spec;
use crate::spec::yaml::FileErrors;

use namespace::{Namespace, Namespaces};

pub use fault::{Action, FaultError, FaultRule, FaultSpec, Faults, MAX_DELAY_MS, MAX_FAULT_RULES};
pub use journal::{Entry, Journal, Page};
pub use namespace::{MAX_NAMESPACES, NAME_RULE, NAMESPACE_PREFIX};
pub use reply::{HttpAnswer, HttpStatusMode, Reply};
pub use state::{StateError, StateErrorKind, StateEvent, StateWriter};

/// Where the control plane's paths start; never inside the API's path space.
pub const CONTROL_PREFIX: &str = "/_fake/";

/// The workbench's settings, and the fake's inside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// What changes the fake's answers (`--max-cards`, `--clock`, `--mutant`).
    pub fake: fake::Settings,
    pub http_status: HttpStatusMode,
    /// Seeds the generator that fault probabilities are drawn from (`--rng-seed`).
    pub rng_seed: u64,
    /// Who may use `/_fake/` (`--admin-token`, `--no-admin`).
    pub control: ControlAccess,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            fake: fake::Settings::default(),
            http_status: HttpStatusMode::default(),
            rng_seed: fake::DEFAULT_RNG_SEED,
            control: ControlAccess::default(),
        }
    }
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

#[derive(Debug)]
pub struct Workbench {
    fake: Fake,
    namespaces: Namespaces,
    faults: Faults,
    /// What every world's clients sent, in one bounded journal.
    journal: Journal,
    config: Config,
    /// Counts requests that may have changed a world, so the state writer knows when to save.
    changes: AtomicU64,
    /// Why the state file cannot be saved, while it cannot (`/_fake/health` says so).
    state_problem: std::sync::Mutex<Option<String>>,
}

impl Workbench {
    /// A workbench whose default world (and every namespace, on first use) starts as `seed`.
    /// A mutant in `config` that acts on the spec or the seed changes them here, once.
    pub fn new(mut spec: Spec, mut seed: World, config: Config) -> Workbench {
        let mutant = config.fake.mutant;
        mutation::edit_spec(mutant, &mut spec);
        mutation::edit_seed(mutant, &mut seed);
        let fake = Fake::new(spec, seed, config.fake);
        Workbench {
            namespaces: Namespaces::new(Namespace::new(None, fake.new_world())),
            journal: Journal::default(),
            faults: Faults::new(config.rng_seed),
            fake,
            config,
            changes: AtomicU64::new(0),
            state_problem: std::sync::Mutex::new(None),
        }
    }

    /// The embedded spec and seed with the default configuration.
    pub fn embedded() -> Result<Workbench, FileErrors> {
        let spec = Spec::embedded()?;
        let seed = fake::seed::load(
            &spec,
            fake::seed::EMBEDDED_NAME,
            fake::seed::EMBEDDED,
            fake::DEFAULT_RNG_SEED,
        )?;
        Ok(Workbench::new(spec, seed, Config::default()))
    }

    /// The fake inside, with its (possibly mutated) copy of the spec.
    pub fn fake(&self) -> &Fake {
        &self.fake
    }

    /// One request, routed to the control plane or the API, in the world its path names.
    pub fn serve(&self, mut request: ApiRequest) -> Reply {
        let (name, path) = namespace::split(&request.path);
        let name = name.map(str::to_owned);
        if path.starts_with(CONTROL_PREFIX) {
            let path = path.to_owned();
            return self.control(name.as_deref(), &path, &request).into();
        }
        if name.is_some() {
            request.path = path.to_owned();
        }
        let namespace = match self.namespace(name.as_deref()) {
            Ok(namespace) => namespace,
            Err(error) => return HttpAnswer::api(&error.into(), HttpStatusMode::Mirror).into(),
        };
        self.api(&namespace, name.as_deref(), &request)
    }

    /// An API call in `namespace`: faults first, then the fake, the mutant's transform, the
    /// journal, and the HTTP answer.
    fn api(&self, namespace: &Namespace, name: Option<&str>, request: &ApiRequest) -> Reply {
        // Faults and the journal name a call by its function, or by its path if it names none.
        let function = fake::function_path(&request.path).unwrap_or(&request.path);
        let fault = self.faults.fire(function, name);
        let mut call = match &fault {
            Some(Action::Error { code, key, message }) => instead(request, code, key, message),
            Some(Action::Http503 | Action::Close) => instead(request, "500", "", "not answered"),
            _ => self.fake.call(&namespace.world, request),
        };
        if call.writes {
            self.changed();
        }
        mutation::spoil_answer(self.config.fake.mutant, function, &mut call.response);

        let code = match fault {
            Some(Action::Http503) => "HTTP 503".to_owned(),
            Some(Action::Close) => "closed".to_owned(),
            _ => call.response.code.to_string(),
        };
        let response = call.response;
        self.journal.record(Entry {
            namespace: namespace.name.clone(),
            seq: namespace.next_seq(),
            time: namespace.world.clock().tick(),
            function: function.to_owned(),
            method: request.method.as_str().to_owned(),
            params: call.params,
            code,
            fault: fault.as_ref().map(|f| f.name().to_owned()),
        });

        let mut answer = HttpAnswer::api(&response, self.config.http_status);
        mutation::spoil_body(self.config.fake.mutant, &response, &mut answer.body);
        // A request the API cannot read keeps its own HTTP status whatever the mode.
        if let Some(refusal) = call.refusal {
            answer.status = refusal.status();
            answer.headers.push(refusal.header());
        }
        match fault {
            Some(Action::Delay { ms }) => Reply::Later(Duration::from_millis(ms), answer),
            Some(Action::Http503) => HttpAnswer::text(503, "Service Unavailable\n").into(),
            Some(Action::Close | Action::ActThenDrop) => Reply::Close,
            Some(Action::Error { .. }) | None => answer.into(),
        }
    }

    /// The default world, or the namespace `name` (made on first use).
    fn namespace(&self, name: Option<&str>) -> Result<Arc<Namespace>, ApiError> {
        match name {
            None => Ok(Arc::clone(self.namespaces.default_world())),
            Some(name) => self
                .namespaces
                .get_or_create(name, || Namespace::new(Some(name), self.fake.new_world()))
                .map_err(ApiError::from),
        }
    }

    /// A number that moves whenever a world may have changed.
    pub fn changes(&self) -> u64 {
        self.changes.load(Ordering::Relaxed)
    }

    fn changed(&self) {
        self.changes.fetch_add(1, Ordering::Relaxed);
    }

    /// Why the state file cannot be saved right now, if it cannot.
    pub fn state_problem(&self) -> Option<String> {
        self.state_problem
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_state_problem(&self, problem: Option<String>) {
        *self.state_problem.lock().unwrap_or_else(|p| p.into_inner()) = problem;
    }

    /// The fault rules in force, with how often each fired.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Adds a fault rule, checked (a function the spec has, or `*`); the rule with its id.
    pub fn add_fault(&self, spec: FaultSpec) -> Result<FaultRule, FaultError> {
        if spec.function != "*" && self.fake.spec().function(&spec.function).is_none() {
            return Err(FaultError::Function(spec.function));
        }
        self.faults.add(spec)
    }

    /// The journal of the default world or of `namespace`, of one function if given: its
    /// first `PAGE_LIMIT` entries.
    pub fn requests(&self, namespace: Option<&str>, function: Option<&str>) -> Vec<Arc<Entry>> {
        self.journal
            .page(namespace, function, 0, journal::PAGE_LIMIT)
            .requests
    }

    /// The whole state of the default world or of `namespace`, as `/_fake/state` shows it.
    pub fn state_json(&self, namespace: Option<&str>) -> Option<String> {
        let namespace = self.namespace(namespace).ok()?;
        Some(
            namespace
                .world
                .with(|state| serde_json::to_string(&*state).expect("the state serializes")),
        )
    }

    /// Drops `namespace`, its journal entries with it; whether it existed.
    pub fn drop_namespace(&self, namespace: &str) -> bool {
        self.journal.forget(Some(namespace));
        self.namespaces.remove(namespace)
    }

    /// The default world back to the seed (named namespaces keep theirs).
    pub fn reset(&self) {
        self.reset_world(self.namespaces.default_world());
    }

    /// A world back to the seed: state, generator, clock and journal.
    fn reset_world(&self, namespace: &Namespace) {
        namespace.reset();
        self.journal.forget(namespace.name.as_deref());
    }
}

/// A call answered by a fault instead of the fake: nothing acts, and the journal still sees the
/// parameters as sent.
fn instead(request: &ApiRequest, code: &str, key: &str, message: &str) -> Call {
    Call {
        response: ApiError::injected(code, key, message).into(),
        params: request.params(),
        refusal: None,
        writes: false,
    }
}
