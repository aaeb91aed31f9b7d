//! The fake Enswitch: the faithful one and nothing else. [`Fake`] holds the spec, the seed world
//! and the settings that change answers; [`Fake::call`] takes one API request through the whole
//! pipeline against one world ([`Store`]) and returns its answer. Synchronous and without a
//! socket, so most tests call it directly. Namespaces, faults, the journal and the control plane
//! are the workbench's (`crate::workbench`); HTTP is the server's.
//!
//! ```text
//! ApiRequest ─> the function its path names, or a 404 envelope     call
//!   ─> RawParams: ';' or '&' pairs, decoded, in order              params
//!   ─> 401 ─> 402 ─> 403                                           auth
//!   ─> Params: typed, first failing rule wins (400)                validate (spec-driven)
//!   ─> in one lock on the world: 404, 400 needing state, defaults  input, store
//!      ─> validation=1 stops here (201) ─> act (200/204)           domain/
//!   ─> ApiResponse: the envelope                                   response
//! ```
//!
//! ```
//! use enswitch_fake::fake::{ApiRequest, Fake};
//!
//! let fake = Fake::embedded().unwrap();
//! let world = fake.new_world();
//! let call = fake.call(&world, &ApiRequest::get(
//!     "/api/json/cards/groups/update/?auth_username=user;auth_password=password;id=123;name=example",
//! ));
//! assert_eq!(call.response.to_json(), r#"{"responses":[{"code":"204","key":"","message":"OK"}]}"#);
//! ```

mod auth;
mod changes;
mod clock;
mod diagnostic;
pub(crate) mod domain;
mod error;
mod input;
mod mutant;
mod params;
mod records;
mod redact;
mod request;
mod response;
mod rng;
pub mod seed;
mod seed_check;
pub mod seed_export;
mod store;
mod token;
mod validate;
pub(crate) mod world;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use crate::spec::value::Value;
use crate::spec::yaml::FileErrors;
use crate::spec::{Access, Function, Spec};

pub use changes::Changes;
pub use clock::{Clock, ClockKind};
pub use diagnostic::{Diagnostic, DiagnosticKind};
pub use error::ApiError;
pub use mutant::{Mutant, Seam};
pub use params::RawParams;
pub use redact::{
    REDACTED, SECRET_PARAMS, holds_secret, is_secret, may_hold_secret, redact, redact_body,
    redact_json,
};
pub use request::{ApiRequest, Method};
pub use response::ApiResponse;
pub use store::{Durable, Store, Unsaved};
pub use token::{DEFAULT_TOKEN_EXPIRY, TokenKey};
pub use validate::{Params, validate};
pub use world::{Level, SoundId, UserSummary, World};

pub(crate) use auth::same_secret;
pub use clock::format_utc;
#[cfg(feature = "state")]
pub(crate) use clock::parse_utc;
#[cfg(feature = "state")]
pub(crate) use domain::card_groups::is_field as is_group_field;
pub(crate) use rng::Rng;

/// Where API paths start.
pub const API_PREFIX: &str = "/api/json/";

/// The most cards one call may create unless `--max-cards` says otherwise (D12).
pub const DEFAULT_MAX_CARDS: u64 = 100_000;

/// The seed of the generator of card numbers and PINs unless `--rng-seed` says otherwise.
pub const DEFAULT_RNG_SEED: u64 = 1;

/// What changes the fake's answers, beside its spec and seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// The most cards one call may create (`--max-cards`, D12).
    pub max_cards: u64,
    /// The clock each new world starts with (`--clock`).
    pub clock: ClockKind,
    /// A deliberate fault to run with (`--mutant`). The fake itself honours only the mutants
    /// whose fault lives in one of its rules; the workbench applies the others.
    pub mutant: Option<Mutant>,
    /// How long an authentication token lives, in seconds; `None`: for ever
    /// (`--token-expiry`, 0 for never).
    pub token_expiry: Option<u64>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            max_cards: DEFAULT_MAX_CARDS,
            clock: ClockKind::Logical,
            mutant: None,
            token_expiry: Some(DEFAULT_TOKEN_EXPIRY),
        }
    }
}

/// The fake Enswitch: a spec, the world every new world starts as, and its settings.
#[derive(Debug)]
pub struct Fake {
    spec: Spec,
    seed: Arc<World>,
    settings: Settings,
    /// Signs and checks authentication tokens.
    tokens: token::Tokens,
}

/// One API call as the fake handled it: the answer, and what a journal keeps of the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub response: ApiResponse,
    /// The parameters as sent; empty when the request could not be read as an API call.
    pub params: RawParams,
    /// Why the HTTP request itself is refused whatever the mode (a method the API does not take,
    /// a POST body that is not a form); `None` for the usual answer.
    pub refusal: Option<Refusal>,
    /// Whether the function writes, so the world may have changed.
    pub writes: bool,
    /// What the client got wrong that the answer passes over (see [`Diagnostic`]); empty for a
    /// clean call, and for a request that names no function.
    pub diagnostics: Vec<Diagnostic>,
}

/// How a call's diagnostics are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientRules {
    /// As Enswitch does: not at all; they are only reported.
    #[default]
    Lenient,
    /// The first is a 400 whose key is its parameter (`serve --strict-client`): a deviation
    /// from Enswitch, so that a client's test fails at the call that is wrong. Answered where
    /// the 400s begin (D5): after authentication and authorization, before the parameters'
    /// own checks for a name, after them for a value.
    Strict,
}

impl ClientRules {
    /// `Strict` when `strict`, else `Lenient`: a switch's setting as rules.
    pub fn strict(strict: bool) -> ClientRules {
        if strict {
            ClientRules::Strict
        } else {
            ClientRules::Lenient
        }
    }

    pub fn is_strict(self) -> bool {
        self == ClientRules::Strict
    }
}

impl Fake {
    /// A fake whose tokens are signed with a key made for it alone.
    pub fn new(spec: Spec, seed: World, settings: Settings) -> Fake {
        Fake {
            spec,
            seed: Arc::new(seed),
            settings,
            tokens: token::Tokens::new(&TokenKey::random()),
        }
    }

    /// Signs tokens with `key` instead (`--token-key`), so they outlive this fake.
    pub fn with_token_key(mut self, key: &TokenKey) -> Fake {
        self.tokens = token::Tokens::new(key);
        self
    }

    /// The embedded spec and seed, with the default settings.
    pub fn embedded() -> Result<Fake, FileErrors> {
        let spec = Spec::embedded()?;
        let world = seed::embedded(&spec, DEFAULT_RNG_SEED)?;
        Ok(Fake::new(spec, world, Settings::default()))
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// The world every new world starts as.
    pub fn seed(&self) -> &World {
        &self.seed
    }

    /// A world of its own, at the seed, with a clock at its start.
    pub fn new_world(&self) -> Store {
        Store::new(Arc::clone(&self.seed), Clock::new(self.settings.clock))
    }

    /// One API call, start to finish, against `world`, as Enswitch answers it. Every outcome is
    /// an answer; nothing here fails.
    pub fn call(&self, world: &Store, request: &ApiRequest) -> Call {
        self.call_with(world, request, ClientRules::Lenient)
    }

    /// The same, with the client's mistakes answered as `rules` says.
    pub fn call_with(&self, world: &Store, request: &ApiRequest, rules: ClientRules) -> Call {
        let refusal = Refusal::of(request);
        let (function, params) = match self.read(request) {
            Ok(read) => read,
            Err(error) => {
                return Call {
                    response: error.into(),
                    params: RawParams::default(),
                    refusal,
                    writes: false,
                    diagnostics: Vec::new(),
                };
            }
        };
        let sent = validate::Sent::read(function, &params);
        let mut diagnostics = if sent.suspects.is_empty() {
            Vec::new()
        } else {
            diagnostic::of_names(&self.spec, function, &params, &sent.suspects)
        };
        // A panic is a bug of the fake's; the client still gets an answer, and the lock
        // recovers (see `Store`).
        let checked = AssertUnwindSafe(|| {
            world.with(|state| {
                let call = Checked {
                    function,
                    raw: &params,
                    sent: &sent,
                    rules,
                };
                self.checks_then_act(&call, &mut diagnostics, state, world.clock())
            })
        });
        let response = match std::panic::catch_unwind(checked) {
            Ok(Ok(answer)) => answer.unwrap_or_else(ApiResponse::from),
            // The change could not be kept, and was undone.
            Ok(Err(_unsaved)) => ApiError::unsaved().into(),
            Err(_) => ApiError::panicked(function).into(),
        };
        Call {
            response,
            params,
            refusal,
            writes: function.access.value == Access::Write,
            diagnostics,
        }
    }

    /// The checks in the order of D5, then the change: the whole call inside one lock. The
    /// diagnostics of values are added to those of names.
    fn checks_then_act(
        &self,
        call: &Checked<'_>,
        diagnostics: &mut Vec<Diagnostic>,
        world: &mut World,
        clock: &Clock,
    ) -> Result<ApiResponse, ApiError> {
        let Checked {
            function,
            raw,
            sent,
            rules,
        } = *call;
        let mutant = self.settings.mutant;
        if mutant::is(mutant, Mutant::ValidateBeforeAuth) {
            validate::check(function, sent, &self.settings, &mut Vec::new())?;
        }
        let caller = auth::authenticate(world, raw, &self.tokens, clock.peek(), mutant)?;
        auth::authorize(world, &caller, function)?;
        let strict = rules == ClientRules::Strict;
        if strict && let Some(first) = diagnostics.first() {
            return Err(ApiError::diagnosed(first));
        }
        let params = validate::check(function, sent, &self.settings, diagnostics)?;
        if strict && let Some(first) = diagnostics.first() {
            return Err(ApiError::diagnosed(first));
        }
        let input = input::Input::resolve(function, params, world, &caller, mutant)?;
        let acting = domain::Acting {
            clock,
            mutant,
            caller: &caller,
            tokens: &self.tokens,
            token_expiry: self.settings.token_expiry,
        };
        if input.value("validation") == Some(&Value::Integer(1)) {
            if mutant::is(mutant, Mutant::ValidationActs) {
                domain::act(function, &input, world, &acting)?;
            }
            return Ok(ApiResponse::validated());
        }
        domain::act(function, &input, world, &acting)
    }

    /// The function and the parameters, or why the request cannot be read as an API call.
    fn read(&self, request: &ApiRequest) -> Result<(&Function, RawParams), ApiError> {
        let path =
            function_path(&request.path).ok_or_else(|| ApiError::outside_the_api(&request.path))?;
        let function = self
            .spec
            .function(path)
            .ok_or_else(|| ApiError::unknown_function(path))?;
        match request.method {
            Method::Get => {}
            Method::Post if request.has_form_body() => {}
            Method::Post => {
                return Err(ApiError::unreadable(
                    "A POST body must be application/x-www-form-urlencoded.",
                ));
            }
            _ => return Err(ApiError::unreadable("Use GET or POST.")),
        }
        Ok((function, request.params()))
    }
}

/// One call's request as the checks read it.
#[derive(Clone, Copy)]
struct Checked<'c> {
    function: &'c Function,
    raw: &'c RawParams,
    sent: &'c validate::Sent<'c>,
    rules: ClientRules,
}

/// `cards/groups/update` from `/api/json/cards/groups/update/` (the trailing slash is
/// optional); `None` for a path that is not `/api/json/<function>/`, which no Enswitch answers
/// as an API call: no prefix, a doubled slash, nothing after the prefix.
pub fn function_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(API_PREFIX)?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    // No empty step: no slash first or last, and never two in a row.
    let bytes = rest.as_bytes();
    let well_formed = bytes.first().is_some_and(|b| *b != b'/')
        && bytes.last().is_some_and(|b| *b != b'/')
        && !bytes.windows(2).any(|pair| pair == b"//");
    well_formed.then_some(rest)
}

/// A request the API cannot read at all, answered with its own HTTP status whatever
/// `--http-status` says, and a header that says what the API takes (RFC 9110, RFC 7694).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 405: neither GET nor POST.
    Method,
    /// 415: a POST body that is not a form.
    MediaType,
}

impl Refusal {
    fn of(request: &ApiRequest) -> Option<Refusal> {
        match request.method {
            Method::Get => None,
            Method::Post if request.has_form_body() => None,
            Method::Post => Some(Refusal::MediaType),
            _ => Some(Refusal::Method),
        }
    }

    pub fn status(self) -> u16 {
        match self {
            Refusal::Method => 405,
            Refusal::MediaType => 415,
        }
    }

    /// The header that tells the client what would be accepted.
    pub fn header(self) -> (&'static str, &'static str) {
        match self {
            Refusal::Method => ("allow", "GET, POST"),
            Refusal::MediaType => ("accept-post", "application/x-www-form-urlencoded"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_paths_are_found_with_or_without_the_trailing_slash() {
        assert_eq!(
            function_path("/api/json/cards/groups/update/"),
            Some("cards/groups/update")
        );
        assert_eq!(
            function_path("/api/json/cards/groups/update"),
            Some("cards/groups/update")
        );
    }

    /// Issue 12, item 7: a client with a wrong base URL must fail here as it would in
    /// production.
    #[test]
    fn only_api_json_function_is_the_api() {
        for outside in [
            "/api/json/",
            "/api/json",
            "/elsewhere",
            "/cards/groups/get/",
            "/api/jsoncards/groups/get/",
            "/api/json//cards/groups/get/",
            "/api/json/cards//groups/get/",
            "/api/json/cards/groups/get//",
        ] {
            assert_eq!(function_path(outside), None, "{outside}");
        }
    }
}
