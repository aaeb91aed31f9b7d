//! The workbench: what makes the fake a test tool. [`Workbench::serve`] is its one entry: it
//! routes a request to the control plane (`/_fake/`) or the API, in the default world or a
//! namespace (`/_ns/<name>/`), fires fault rules, calls the fake, applies a mutant's answer
//! transform, keeps the journal, and makes the HTTP answer. Synchronous; the server is the only
//! async part, and the fake (`crate::fake`) knows nothing of any of this.
//!
//! - `namespace`: isolated worlds on one server; `journal`: what each world's clients sent,
//!   each entry kept as one buffer (`kept`).
//! - `fault`: failures on demand; `mutation`: where mutants act outside the fake's rules.
//! - `control`: the `/_fake/` endpoints; `views`: paged views of a world for them; `reply`: the
//!   HTTP answer, or a live stream of the journal.
//! - `ui`: the landing page, the dashboard's files, the README and the OpenAPI document.
//! - `log`: the request log's events (the binary decides where they go); `info`: what the
//!   server serves, for the binary's start-up banner.
//! - `state`: the state database (`--state`), which keeps each call's changes before its OK.
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
//! assert_eq!(answer.body, &br#"{"responses":[{"code":"204","key":"","message":"OK"}]}"#[..]);
//! ```

mod control;
mod diagnosed;
mod entry;
mod fault;
mod info;
mod journal;
mod kept;
mod log;
mod mutation;
mod namespace;
mod reply;
mod schemathesis;
#[cfg(feature = "state")]
mod state;
#[cfg(not(feature = "state"))]
#[path = "stateless.rs"]
mod state;
mod ui;
mod views;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::fake::{self, ApiError, ApiRequest, Call, ClientRules, Fake, Unsaved, World};
use crate::spec::Spec;
use crate::spec::export::Samples;
use crate::spec::yaml::FileErrors;

use namespace::{Namespace, Namespaces, NotReset, PostedSeed};

pub use entry::{ANSWER_LIMIT, Entry};
pub use fault::{
    Action, Fault, FaultError, FaultRule, FaultSpec, Faults, MAX_DELAY_MS, MAX_FAULT_RULES,
};
pub use info::{ControlMode, ServerInfo, StateInfo};
pub use journal::{Follower, Journal, Next, Start, Worlds};
pub use log::{API_TARGET, CONTROL_TARGET};
pub use namespace::{MAX_NAMESPACES, NAME_RULE, NAMESPACE_PREFIX, valid_name};
pub use reply::{Events, HttpAnswer, HttpStatusMode, Reply};
pub use state::StateDb;
#[cfg(feature = "state")]
pub use state::{StateError, StateErrorKind, StateEvent, StateMismatch, StateSync};
pub use ui::{DASHBOARD_PATH, control_openapi};

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
    /// What authentication tokens are signed with (`--token-key`); `None`: a key of this run's.
    pub token_key: Option<fake::TokenKey>,
    /// How every world starts answering its clients' mistakes (`--strict-client`); the control
    /// plane changes it per world.
    pub client: ClientRules,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            fake: fake::Settings::default(),
            http_status: HttpStatusMode::default(),
            rng_seed: fake::DEFAULT_RNG_SEED,
            control: ControlAccess::default(),
            token_key: None,
            client: ClientRules::Lenient,
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
    /// What every world's clients sent, in one bounded journal (shared with its live readers).
    journal: Arc<Journal>,
    config: Config,
    /// Where every world's changes are kept, with `serve --state` (see `open_state`).
    state: OnceLock<Arc<StateDb>>,
    /// When it was made, for the overview's uptime.
    started: Instant,
    /// The OpenAPI document served, made on first request: paths without and with the
    /// vendor's trailing slash.
    openapi: [OnceLock<String>; 2],
    /// What makes that document's examples; none without `with_samples`.
    samples: Option<SampleSource>,
    /// What makes `GET /_fake/contract`'s contracts; none without `with_contracts`.
    contracts: Option<ContractSource>,
    /// Whether its calls are events of the request log: not for a workbench the tool asks
    /// itself (the document's examples), whose calls no client made.
    logged: bool,
}

/// Makes the OpenAPI document's examples when it is first asked for. The conformance suite
/// knows how to ask a fake for them; the workbench, below it, is handed the way.
pub struct SampleSource(pub Box<dyn Fn() -> Samples + Send + Sync>);

/// Turns one world's journal into a consumer contract for `GET /_fake/contract`: the
/// conformance suite knows how; the workbench, below it, is handed the way. Called with the
/// workbench, the world (`None` the default one), the contract's name and whether it is to
/// change nothing; answers the contract as JSON, or why there is none.
pub struct ContractSource(pub Box<MakeContract>);

/// What a `ContractSource` calls.
pub type MakeContract =
    dyn Fn(&Workbench, Option<&str>, &str, bool) -> Result<serde_json::Value, String> + Send + Sync;

impl std::fmt::Debug for ContractSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContractSource")
    }
}

impl std::fmt::Debug for SampleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SampleSource")
    }
}

impl Workbench {
    /// A workbench whose default world (and every namespace, on first use) starts as `seed`.
    /// A mutant in `config` that acts on the spec or the seed changes them here, once.
    pub fn new(mut spec: Spec, mut seed: World, config: Config) -> Workbench {
        let mutant = config.fake.mutant;
        mutation::edit_spec(mutant, &mut spec);
        mutation::edit_seed(mutant, &mut seed);
        let mut fake = Fake::new(spec, seed, config.fake);
        if let Some(key) = &config.token_key {
            fake = fake.with_token_key(key);
        }
        Workbench {
            namespaces: Namespaces::new(Namespace::new(None, fake.new_world(), config.client)),
            journal: Arc::default(),
            faults: Faults::new(config.rng_seed),
            fake,
            config,
            state: OnceLock::new(),
            started: Instant::now(),
            openapi: [OnceLock::new(), OnceLock::new()],
            samples: None,
            contracts: None,
            logged: true,
        }
    }

    /// The same workbench, its calls left out of the request log: for one the tool asks itself.
    pub fn unlogged(mut self) -> Workbench {
        self.logged = false;
        self
    }

    /// The OpenAPI document served at `/_fake/openapi.json` shows the examples `source` makes.
    pub fn with_samples(mut self, source: SampleSource) -> Workbench {
        self.samples = Some(source);
        self
    }

    /// `GET /_fake/contract` makes its contracts with `source`.
    pub fn with_contracts(mut self, source: ContractSource) -> Workbench {
        self.contracts = Some(source);
        self
    }

    /// The embedded spec and seed with the default configuration.
    pub fn embedded() -> Result<Workbench, FileErrors> {
        let spec = Spec::embedded()?;
        let seed = fake::seed::embedded(&spec, fake::DEFAULT_RNG_SEED)?;
        Ok(Workbench::new(spec, seed, Config::default()))
    }

    /// The fake inside, with its (possibly mutated) copy of the spec.
    pub fn fake(&self) -> &Fake {
        &self.fake
    }

    /// One request, routed to the control plane or the API, in the world its path names.
    pub fn serve(&self, mut request: ApiRequest) -> Reply {
        let started = Instant::now();
        let (name, path) = namespace::split(&request.path);
        let name = name.map(str::to_owned);
        // The landing page at `/` belongs to the control plane; without one, `/` is the API's.
        let landing = path == "/" && self.config.control != ControlAccess::Off;
        if path.starts_with(CONTROL_PREFIX) || landing {
            let path = path.to_owned();
            let reply = self.control(name.as_deref(), &path, &request);
            if self.logged {
                let status = reply.answer().map_or(200, |a| a.status);
                log::control(&request, status, started);
            }
            return reply;
        }
        if name.is_some() {
            request.path = path.to_owned();
        }
        let namespace = match self.namespace(name.as_deref()) {
            Ok(namespace) => namespace,
            Err(error) => return HttpAnswer::api(&error.into(), HttpStatusMode::Mirror).into(),
        };
        self.api(&namespace, name.as_deref(), &request, started)
    }

    /// An API call in `namespace`: faults first, then the fake, the mutant's transform, the
    /// journal, and the HTTP answer.
    fn api(
        &self,
        namespace: &Namespace,
        name: Option<&str>,
        request: &ApiRequest,
        started: Instant,
    ) -> Reply {
        // Faults and the journal name a call by its function, or by its path if it names none.
        let function = fake::function_path(&request.path).unwrap_or(&request.path);
        let fault = self.faults.fire(function, name);
        let mut call = match &fault {
            Some(Action::Error { code, key, message }) => instead(request, code, key, message),
            Some(Action::Http503 | Action::Close) => instead(request, "500", "", "not answered"),
            _ => self
                .fake
                .call_with(&namespace.world, request, namespace.rules()),
        };
        mutation::spoil_answer(self.config.fake.mutant, function, &mut call.response);

        let response = call.response;
        let mut answer = HttpAnswer::api(&response, self.config.http_status);
        mutation::spoil_body(self.config.fake.mutant, &response, &mut answer.body);
        // A request the API cannot read keeps its own HTTP status whatever the mode.
        if let Some(refusal) = call.refusal {
            answer.status = refusal.status();
            answer.headers.push(refusal.header());
        }
        let reply = match &fault {
            Some(Action::Delay { ms }) => Reply::Later(Duration::from_millis(*ms), answer),
            Some(Action::Http503) => HttpAnswer::text(503, "Service Unavailable\n").into(),
            Some(Action::Close | Action::ActThenDrop) => Reply::Close,
            Some(Action::Error { .. }) | None => answer.into(),
        };

        let code = match fault {
            Some(Action::Http503) => "HTTP 503",
            Some(Action::Close) => "closed",
            _ => response.code.as_str(),
        };
        let took = started.elapsed();
        let fault = fault.as_ref().map(Action::name);
        let seq = namespace.next_seq();
        namespace.diagnosed(function, seq, &call.diagnostics);
        if self.logged {
            log::api(
                name,
                request,
                function,
                code,
                &response,
                fault,
                self.config.fake.mutant,
                &call.diagnostics,
                took,
            );
        }
        self.journal.record(&kept::CallRecord {
            namespace: namespace.name.as_ref(),
            seq,
            time: namespace.world.clock().tick(),
            received_ms: journal::now_ms(),
            function,
            method: request.method.name(),
            params: &call.params,
            code,
            fault,
            took_us: u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            answer: reply.answer().map(|a| &a.body[..]),
            diagnostics: &call.diagnostics,
        });
        reply
    }

    /// Whether serving `request` may take long enough to hold up others if it ran on an async
    /// worker: a batch of many cards, a list in a big world, any write when every commit
    /// waits for the disk (`--state-sync full`), or a read of a whole world: its contract (the
    /// journal replayed), its seed or its state (a million cards take a second). A cheap look at
    /// the request, before it is read: a wrong guess only moves the work to another thread,
    /// never changes the answer.
    pub fn is_heavy(&self, request: &ApiRequest) -> bool {
        let (name, path) = namespace::split(&request.path);
        let whole_world = ["contract", "seed", "state"];
        if path
            .strip_prefix(CONTROL_PREFIX)
            .is_some_and(|what| whole_world.contains(&what.trim_end_matches('/')))
        {
            return true;
        }
        let Some(function) = fake::function_path(path) else {
            return false;
        };
        if self.state.get().is_some_and(|db| db.syncs_every_commit())
            && self
                .fake
                .spec()
                .function(function)
                .is_some_and(|f| f.access.value == crate::spec::Access::Write)
        {
            return true;
        }
        match function {
            "cards/batches/create" => cards_asked(request) >= HEAVY_CARDS,
            "cards/list" | "cards/batches/list" => {
                let world = match name {
                    None => Some(Arc::clone(self.namespaces.default_world())),
                    Some(name) => self.namespaces.get(name),
                };
                world.is_some_and(|w| w.world.cards() >= HEAVY_CARDS)
            }
            _ => false,
        }
    }

    /// The default world, or the namespace `name` (made on first use).
    fn namespace(&self, name: Option<&str>) -> Result<Arc<Namespace>, ApiError> {
        match name {
            None => Ok(Arc::clone(self.namespaces.default_world())),
            Some(name) => self
                .namespaces
                .get_or_create(name, || {
                    let world = self.fake.new_world();
                    let namespace = Namespace::new(Some(name), world, self.config.client);
                    self.keep_new(&namespace).map(|()| namespace)
                })
                .map_err(ApiError::from),
        }
    }

    /// What every world's clients sent, to read in process.
    pub fn journal(&self) -> &Journal {
        &self.journal
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
    pub fn requests(&self, namespace: Option<&str>, function: Option<&str>) -> Vec<Entry> {
        let world = journal::Worlds::One(namespace);
        self.journal
            .entries(world, function, 0, journal::PAGE_LIMIT)
    }

    /// The whole state of the default world or of `namespace`, as `/_fake/state` shows it.
    pub fn state_json(&self, namespace: Option<&str>) -> Option<String> {
        let namespace = self.namespace(namespace).ok()?;
        Some(
            namespace
                .world
                .read(|state| serde_json::to_string(state).expect("the state serializes")),
        )
    }

    /// Drops `namespace`, its journal entries and kept rows with it; whether it existed. If its
    /// rows cannot be deleted, it stays.
    pub fn drop_namespace(&self, namespace: &str) -> Result<bool, Unsaved> {
        self.forget_kept(namespace)?;
        self.journal.forget(Some(namespace));
        Ok(self.namespaces.remove(namespace))
    }

    /// The default world back to the seed (named namespaces keep theirs).
    pub fn reset(&self) -> Result<(), Unsaved> {
        match self.reset_world(self.namespaces.default_world(), None) {
            Ok(()) => Ok(()),
            Err(NotReset::Unsaved(unsaved)) => Err(unsaved),
            Err(NotReset::Seed(_)) => unreachable!("no seed was posted"),
        }
    }

    /// Moves the default world's logical clock on by `seconds` (as `POST /_fake/clock` does);
    /// `false` for the wall clock.
    pub fn advance_clock(&self, seconds: i64) -> bool {
        self.namespaces
            .default_world()
            .world
            .clock()
            .advance(seconds)
    }

    /// A world back to the seed, or made the posted one: state, generator, clock and journal;
    /// kept before it is done.
    fn reset_world(
        &self,
        namespace: &Namespace,
        posted: Option<PostedSeed<'_>>,
    ) -> Result<(), NotReset> {
        namespace.reset(posted)?;
        self.journal.forget(namespace.name.as_deref());
        Ok(())
    }
}

/// Cards from which a call counts as heavy: some ten milliseconds of work.
const HEAVY_CARDS: usize = 10_000;

/// How many cards a batch creation asks for (`number` × `batch_number`), from a quick look at
/// its raw parameters; names written with escapes are not seen, so the guess may be low.
fn cards_asked(request: &ApiRequest) -> usize {
    let mut number = 1usize;
    let mut batch_number = 1usize;
    for raw in [request.query.as_bytes(), request.body.as_slice()] {
        for pair in raw.split(|b| *b == b';' || *b == b'&') {
            let value = |prefix: &[u8]| {
                pair.strip_prefix(prefix)
                    .and_then(|v| std::str::from_utf8(v).ok())
                    .and_then(|v| v.parse::<usize>().ok())
            };
            if let Some(n) = value(b"number=") {
                number = n;
            } else if let Some(n) = value(b"batch_number=") {
                batch_number = n;
            }
        }
    }
    number.saturating_mul(batch_number)
}

/// A call answered by a fault instead of the fake: nothing acts, and the journal still sees the
/// parameters as sent.
fn instead(request: &ApiRequest, code: &str, key: &str, message: &str) -> Call {
    Call {
        response: ApiError::injected(code, key, message).into(),
        params: request.params(),
        refusal: None,
        writes: false,
        diagnostics: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_of_many_cards_a_list_of_a_big_world_and_whole_world_reads_are_heavy_the_rest_not() {
        let bench = Workbench::embedded().unwrap();
        let create =
            |query: &str| ApiRequest::get(&format!("/api/json/cards/batches/create/?{query}"));
        assert!(!bench.is_heavy(&create("cardgroup=123;number=1;validation=1")));
        assert!(!bench.is_heavy(&create("number=100;batch_number=99")));
        assert!(bench.is_heavy(&create("number=100;batch_number=100")));
        assert!(bench.is_heavy(&ApiRequest::post_form(
            "/_ns/x/api/json/cards/batches/create/",
            "number=10000"
        )));
        let list = ApiRequest::get("/api/json/cards/list/?batch=1");
        assert!(!bench.is_heavy(&list), "an empty world lists quickly");
        let big = "/api/json/cards/batches/create/?auth_username=user;auth_password=password;cardgroup=123;batch_name=b;number=10000;card_length=10";
        let created = bench.serve(ApiRequest::get(big));
        assert!(
            created
                .answer()
                .unwrap()
                .body
                .starts_with(br#"{"responses":[{"code":"200""#)
        );
        assert!(bench.is_heavy(&list), "a world of 10,000 cards does not");
        assert!(!bench.is_heavy(&ApiRequest::get("/api/json/cards/groups/update/?id=123")));
        assert!(!bench.is_heavy(&ApiRequest::get("/_fake/health")));
        assert!(bench.is_heavy(&ApiRequest::get("/_ns/t/_fake/contract?read_only=1")));
        assert!(bench.is_heavy(&ApiRequest::get("/_fake/seed")));
        assert!(bench.is_heavy(&ApiRequest::get("/_fake/state/")));
        assert!(!bench.is_heavy(&ApiRequest::get("/_fake/stateful")));
    }
}
