//! The control plane under `/_fake/`: not part of Enswitch, never inside `/api/json/`. Per world
//! (the default one, or `/_ns/<name>/_fake/...`): health, the whole state, reset to the seed (or
//! to a seed posted with the reset),
//! the request journal and its live stream, fault rules (scoped to the namespace they are posted
//! in), and paged views of the world for the dashboard (`views`). At the root only: listing and
//! dropping namespaces. The landing page, the dashboard's files, the README and the OpenAPI
//! document are `ui`'s. Access (`--admin-token`, `--no-admin`) is decided here, first.

use serde_json::json;

use crate::fake::{self, ApiError, ApiRequest, ClientRules, Method, RawParams, World};
use crate::workbench::fault::FaultSpec;
use crate::workbench::namespace::{self, Namespace, NotReset, PostedSeed};
use crate::workbench::reply::{Events, HttpAnswer, HttpStatusMode, Reply};
use crate::workbench::{CONTROL_PREFIX, ControlAccess, Workbench, journal, ui, views};

impl Workbench {
    /// The control plane, for a request that may use it. Access is decided before anything else,
    /// so a refused request makes no namespace. The landing page and the dashboard's files hold
    /// no data and need no token (the page asks for it, and sends it with every data request).
    pub(crate) fn control(&self, name: Option<&str>, path: &str, request: &ApiRequest) -> Reply {
        let what = path
            .strip_prefix(CONTROL_PREFIX)
            .unwrap_or_default()
            .trim_end_matches('/');
        let off = self.config.control == ControlAccess::Off;
        if !off && (path == "/" || ui::is_public(what)) {
            return self.public(what, request).into();
        }
        match &self.config.control {
            ControlAccess::Open => self.endpoint(name, what, request),
            ControlAccess::Token(token)
                if request
                    .admin_token
                    .as_deref()
                    .is_some_and(|t| fake::same_secret(token.as_bytes(), t.as_bytes())) =>
            {
                self.endpoint(name, what, request)
            }
            ControlAccess::Token(_) => error(
                401,
                "the control plane needs the header Authorization: Bearer <--admin-token>".into(),
            )
            .into(),
            ControlAccess::Off => {
                error(404, "the control plane is switched off (--no-admin)".into()).into()
            }
        }
    }

    /// `what` is the path after `/_fake/`; `name` the namespace the path named, if any.
    fn endpoint(&self, name: Option<&str>, what: &str, request: &ApiRequest) -> Reply {
        if name.is_some_and(|n| !namespace::valid_name(n)) {
            let refused = ApiError::from(namespace::Refused::BadName);
            return HttpAnswer::api(&refused.into(), HttpStatusMode::Mirror).into();
        }
        let method = &request.method;
        let query = RawParams::parse(&request.query, None);
        let answer = match (method, what, name) {
            (Method::Get, "health", _) => match self.state_problem() {
                None => HttpAnswer::json(200, &json!({ "status": "ok" })),
                Some(problem) => {
                    HttpAnswer::json(503, &json!({ "status": "failing", "state": problem }))
                }
            },
            (Method::Get, "overview", _) => self.in_world(name, |world| self.overview(world)),
            (Method::Get, "state", _) => self.in_world(name, |world| {
                world.world.read(|state| HttpAnswer::json(200, state))
            }),
            (Method::Get, "groups", _) => self.in_world(name, |world| views::groups(world, &query)),
            (Method::Get, "batches", _) => {
                self.in_world(name, |world| views::batches(world, &query))
            }
            (Method::Get, "cards", _) => self.in_world(name, |world| views::cards(world, &query)),
            (Method::Get, "seed", _) => self.in_world(name, |world| {
                world.world.read(|state| seed_document(state, request))
            }),
            (Method::Post, "reset", _) => match posted_seed(request) {
                Ok(text) => self.in_world(name, |world| self.reset_answer(world, text)),
                Err(refused) => refused,
            },
            (Method::Get, "clock", _) => self.in_world(name, clock),
            (Method::Post, "clock", _) => {
                self.in_world(name, |world| advance_clock(world, &request.body))
            }
            (Method::Get, "diagnostics", _) => self.in_world(name, |world| {
                HttpAnswer::json(200, &world.tally().listed(world.rules().is_strict()))
            }),
            (Method::Get, "strict-client", _) => self.in_world(name, strict_client),
            (Method::Post, "strict-client", _) => {
                self.in_world(name, |world| set_strict_client(world, &request.body))
            }
            (Method::Get, "requests", _) => self.requests_page(name, &query),
            (Method::Get, "contract", _) => self.in_world(name, |_| self.contract(name, &query)),
            (Method::Get, "events", _) => return self.events(name, &query),
            (Method::Post, "faults", _) => self.post_fault(name, &request.body),
            (Method::Get, "faults", _) => {
                HttpAnswer::json(200, &json!({ "faults": self.faults.list() }))
            }
            (Method::Delete, "faults", _) => {
                HttpAnswer::json(200, &json!({ "cleared": self.faults.clear(name) }))
            }
            (Method::Delete, rule, _) if rule.starts_with("faults/") => {
                match rule["faults/".len()..].parse::<u64>() {
                    Ok(id) if self.faults.remove(id) => {
                        HttpAnswer::json(200, &json!({ "removed": id }))
                    }
                    Ok(id) => error(404, format!("no fault rule {id}")),
                    Err(_) => error(400, format!("{rule}: a rule's id is a whole number")),
                }
            }
            (Method::Get, "ns", None) => {
                HttpAnswer::json(200, &json!({ "namespaces": self.namespaces.names() }))
            }
            (Method::Delete, dropped, None) if dropped.starts_with("ns/") => {
                let dropped = &dropped["ns/".len()..];
                if !namespace::valid_name(dropped) {
                    return error(400, namespace::NAME_RULE.to_owned()).into();
                }
                match self.drop_namespace(dropped) {
                    Ok(true) => HttpAnswer::json(200, &json!({ "dropped": dropped })),
                    Ok(false) => error(404, format!("no namespace {dropped}")),
                    Err(unsaved) => error(500, format!("not dropped: {unsaved}")),
                }
            }
            _ => match allowed(what, name) {
                Some(allow) => {
                    let mut refused = error(
                        405,
                        format!("{} is not allowed on {}", method.as_str(), request.path),
                    );
                    refused.headers.push(("allow", allow));
                    refused
                }
                None => error(404, format!("no control endpoint {}", request.path)),
            },
        };
        answer.into()
    }

    /// `world` made the seed `posted` (its text), or the server's seed if none was posted.
    fn reset_answer(&self, world: &Namespace, posted: Option<&str>) -> HttpAnswer {
        let (spec, rng_seed) = (self.fake.spec(), self.config.rng_seed);
        let load = posted.map(|text| {
            move |replaced: &World| {
                fake::seed::load_posted(spec, "seed", text, rng_seed, replaced)
                    .map_err(NotReset::Seed)
            }
        });
        let posted = load.as_ref().map(|load| load as PostedSeed<'_>);
        match self.reset_world(world, posted) {
            Ok(()) => HttpAnswer::json(200, &json!({ "status": "reset" })),
            Err(NotReset::Seed(errors)) => {
                let problems: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
                let message = format!(
                    "the seed has {} problem(s); the world is as it was",
                    problems.len()
                );
                HttpAnswer::json(400, &json!({ "error": message, "problems": problems }))
            }
            Err(NotReset::Unsaved(unsaved)) => error(500, format!("not reset: {unsaved}")),
        }
    }

    /// `endpoint` on the world `name` names, made on first use: only the endpoints that read or
    /// change a world make one.
    fn in_world(
        &self,
        name: Option<&str>,
        endpoint: impl FnOnce(&Namespace) -> HttpAnswer,
    ) -> HttpAnswer {
        match self.namespace(name) {
            Ok(world) => endpoint(&world),
            Err(refused) => HttpAnswer::api(&refused.into(), HttpStatusMode::Mirror),
        }
    }

    /// `/_fake/contract?name=&read_only=1`: the world's calls since its last reset as a consumer
    /// contract (its files, by path, and notes); 422 naming the call when they cannot be one.
    fn contract(&self, name: Option<&str>, query: &RawParams) -> HttpAnswer {
        let Some(source) = &self.contracts else {
            return error(
                501,
                "this build makes no contracts (the conformance feature is off)".into(),
            );
        };
        let read_only = match query.get("read_only") {
            None | Some("0" | "false") => false,
            Some("1" | "true") => true,
            Some(_) => return error(400, "read_only is 1 or 0".into()),
        };
        let contract = query.get("name").or(name).unwrap_or("default");
        match (source.0)(self, name, contract, read_only) {
            Ok(contract) => HttpAnswer::json(200, &contract),
            Err(why) => error(422, why),
        }
    }

    /// `/_fake/requests?function=&after=&limit=&tail`: a page of the world's journal, oldest
    /// first, from `after` or (with `tail`) the newest. At the root, `namespace=*` reads every
    /// world's.
    fn requests_page(&self, name: Option<&str>, query: &RawParams) -> HttpAnswer {
        let after = match number(query, "after", 0, u64::MAX) {
            Ok(after) => after,
            Err(refused) => return refused,
        };
        let limit = journal::PAGE_LIMIT as u64;
        let limit = match number(query, "limit", journal::PAGE_DEFAULT as u64, limit) {
            Ok(limit) => usize::try_from(limit).unwrap_or(journal::PAGE_LIMIT),
            Err(refused) => return refused,
        };
        let world = match (name, query.get("namespace")) {
            (None, Some("*")) => journal::Worlds::Every,
            _ => journal::Worlds::One(name),
        };
        let start = match (query.get("tail"), world) {
            (Some(_), _) if after > 0 => {
                return error(
                    400,
                    "tail reads the newest entries: give it without after".into(),
                );
            }
            (Some(_), _) => journal::Start::Tail,
            (None, journal::Worlds::Every) if after > 0 => {
                return error(
                    400,
                    "after pages one world's journal (sequence numbers count per world): \
                     with namespace=* read the newest entries with tail"
                        .into(),
                );
            }
            (None, _) => journal::Start::After(after),
        };
        let page = self
            .journal
            .page(world, query.get("function"), start, limit);
        HttpAnswer {
            status: 200,
            content_type: "application/json",
            headers: Vec::new(),
            body: page.into(),
        }
    }

    /// `/_fake/overview`: what the dashboard's first view shows of the server and one world.
    fn overview(&self, world: &Namespace) -> HttpAnswer {
        let state = match self.state.get() {
            None => json!({ "status": "memory" }),
            Some(db) => match db.problem() {
                None => json!({ "status": "ok", "file": db.file() }),
                Some(problem) => {
                    json!({ "status": "failing", "file": db.file(), "problem": problem })
                }
            },
        };
        let mutant = self
            .config
            .fake
            .mutant
            .map(|m| json!({ "name": m.name(), "describe": m.describe() }));
        let control = match self.config.control {
            ControlAccess::Token(_) => "token",
            _ => "open",
        };
        HttpAnswer::json(
            200,
            &json!({
                "version": env!("CARGO_PKG_VERSION"),
                "uptime_s": self.started.elapsed().as_secs(),
                "functions": self.fake.spec().functions().iter().map(|f| &f.path).collect::<Vec<_>>(),
                "world": world.name,
                "counts": views::Counts::of(world),
                "journal": { "entries": self.journal.count(), "bytes": self.journal.bytes() },
                "faults": self.faults.list().len(),
                "namespaces": self.namespaces.names(),
                "state": state,
                "mutant": mutant,
                "control": control,
            }),
        )
    }

    /// `/_fake/events`: each journal entry of the world from now on, as server-sent events;
    /// at the root, `namespace=*` streams every world's (as `/_fake/requests` reads them).
    fn events(&self, name: Option<&str>, query: &RawParams) -> Reply {
        let world = match (name, query.get("namespace")) {
            (None, Some("*")) => None,
            (name, _) => Some(name.map(std::sync::Arc::<str>::from)),
        };
        Reply::Events(Events::new(std::sync::Arc::clone(&self.journal), world))
    }

    /// A rule from a JSON body; under `/_ns/<name>/` it applies to that namespace by default.
    fn post_fault(&self, namespace: Option<&str>, body: &[u8]) -> HttpAnswer {
        let text = String::from_utf8_lossy(body);
        let mut spec = match FaultSpec::from_json(&text) {
            Ok(spec) => spec,
            Err(why) => return error(400, format!("fault rule: {why}")),
        };
        if spec.namespace.is_none() {
            spec.namespace = namespace.map(str::to_owned);
        }
        match self.add_fault(spec) {
            Ok(rule) => HttpAnswer::json(200, &rule),
            Err(why) => error(400, format!("fault rule: {why}")),
        }
    }
}

/// The most `POST /_fake/clock` moves a world's clock at once: ten years.
const MOST_ADVANCE: i64 = 10 * 366 * 86_400;

/// `GET /_fake/clock`: the world's time, which tokens expire by.
fn clock(world: &Namespace) -> HttpAnswer {
    let clock = world.world.clock();
    let kind = if clock.start().is_some() {
        "logical"
    } else {
        "system"
    };
    let now = clock.peek();
    HttpAnswer::json(
        200,
        &json!({ "kind": kind, "now": fake::format_utc(now), "unix": now }),
    )
}

/// Whether the world answers its clients' diagnostics with a 400.
fn strict_client(world: &Namespace) -> HttpAnswer {
    let strict = world.rules().is_strict();
    HttpAnswer::json(200, &json!({ "strict_client": strict }))
}

/// `POST /_fake/strict-client` with `{"strict_client": true}` (or `false`): from the next call
/// on, the world answers a call with a diagnostic with a 400, or passes over it as Enswitch does.
fn set_strict_client(world: &Namespace, body: &[u8]) -> HttpAnswer {
    let asked = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|json| json.as_object()?.get("strict_client")?.as_bool());
    let Some(strict) = asked else {
        return error(400, "the body is {\"strict_client\": true} or false".into());
    };
    world.set_rules(ClientRules::strict(strict));
    strict_client(world)
}

/// `POST /_fake/clock` with `{"advance": SECONDS}`: the logical clock moves on, so a token
/// expires without waiting; the wall clock answers 409.
fn advance_clock(world: &Namespace, body: &[u8]) -> HttpAnswer {
    let seconds = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|json| json.get("advance")?.as_i64())
        .filter(|s| (1..=MOST_ADVANCE).contains(s));
    let Some(seconds) = seconds else {
        let message = format!("the body is {{\"advance\": SECONDS}}, 1 to {MOST_ADVANCE}");
        return error(400, message);
    };
    if !world.world.clock().advance(seconds) {
        return error(
            409,
            "the clock is the system's (--clock system); it cannot be moved".into(),
        );
    }
    clock(world)
}

/// The text of the seed a `POST /_fake/reset` carries, YAML or JSON (a part of YAML) as the
/// server's own seed file is: `None` for an empty body, a plain reset. A body of another type
/// is answered 415, one that is not UTF-8 400.
fn posted_seed(request: &ApiRequest) -> Result<Option<&str>, HttpAnswer> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let media = media_type(request.content_type.as_deref());
    let readable = matches!(
        media.as_deref(),
        None | Some(
            "application/json"
                | "application/yaml"
                | "application/x-yaml"
                | "text/yaml"
                | "text/x-yaml"
                | "text/plain"
        )
    );
    if !readable {
        return Err(error(
            415,
            format!(
                "a seed is YAML or JSON (Content-Type application/yaml or application/json), \
                 not {}",
                media.unwrap_or_default()
            ),
        ));
    }
    match std::str::from_utf8(&request.body) {
        Ok(text) => Ok(Some(text)),
        Err(_) => Err(error(400, "the seed is not UTF-8 text".to_owned())),
    }
}

/// A header's media type, lowercase, without its parameters.
fn media_type(header: Option<&str>) -> Option<String> {
    header.map(|t| {
        t.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    })
}

/// `GET /_fake/seed`: the world as a seed document that `POST /_fake/reset` loads again; JSON
/// when the client accepts `application/json` and not YAML, else YAML.
fn seed_document(world: &World, request: &ApiRequest) -> HttpAnswer {
    let accept = request
        .accept
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let json = accept.contains("application/json") && !accept.contains("yaml");
    let (content_type, body) = if json {
        ("application/json", fake::seed_export::json(world))
    } else {
        (
            "application/yaml; charset=utf-8",
            fake::seed_export::yaml(world),
        )
    };
    HttpAnswer {
        status: 200,
        content_type,
        headers: Vec::new(),
        body: body.into(),
    }
}

/// The whole number a query parameter gives, or its default; a 400 naming it if it is not one
/// from 0 to `max`.
pub(super) fn number(
    query: &RawParams,
    field: &str,
    default: u64,
    max: u64,
) -> Result<u64, HttpAnswer> {
    match query.get(field) {
        None => Ok(default),
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| {
                error(
                    400,
                    format!("{field} must be a whole number from 0 to {max}"),
                )
            }),
    }
}

/// The methods an endpoint takes, for the `Allow` header of a 405 (RFC 9110); `None` when there
/// is no such endpoint.
fn allowed(what: &str, namespace: Option<&str>) -> Option<&'static str> {
    match (what, namespace) {
        (
            "health" | "overview" | "state" | "seed" | "groups" | "batches" | "cards" | "requests"
            | "events" | "diagnostics" | "contract",
            _,
        )
        | ("ns", None) => Some("GET"),
        ("reset", _) => Some("POST"),
        ("clock" | "strict-client", _) => Some("GET, POST"),
        ("faults", _) => Some("GET, POST, DELETE"),
        (rule, _) if rule.starts_with("faults/") => Some("DELETE"),
        (dropped, None) if dropped.starts_with("ns/") => Some("DELETE"),
        _ => None,
    }
}

pub(super) fn error(status: u16, message: String) -> HttpAnswer {
    HttpAnswer::json(status, &json!({ "error": message }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every endpoint the router has, as `allowed` knows them (a new one is added here and to
    /// `control-openapi.yaml` together).
    const ENDPOINTS: [&str; 18] = [
        "health",
        "overview",
        "state",
        "seed",
        "groups",
        "batches",
        "cards",
        "requests",
        "events",
        "contract",
        "ns",
        "reset",
        "clock",
        "faults",
        "faults/1",
        "ns/a",
        "diagnostics",
        "strict-client",
    ];

    /// The control plane's OpenAPI document describes each endpoint with the methods the router
    /// takes, no more and no fewer, and the root-only ones as root-only.
    #[test]
    fn the_control_openapi_document_describes_the_router() {
        let document: serde_json::Value =
            serde_json::from_str(crate::workbench::control_openapi()).unwrap();
        assert_eq!(document["openapi"], "3.1.0");
        let paths = document["paths"].as_object().unwrap();
        let mut described = Vec::new();
        for (path, item) in paths {
            let what = path
                .strip_prefix("/_fake/")
                .unwrap()
                .replace("{id}", "1")
                .replace("{name}", "a");
            let mut methods: Vec<String> = ["get", "post", "delete"]
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| m.to_uppercase())
                .collect();
            methods.sort();
            let mut taken: Vec<String> = allowed(&what, None)
                .unwrap_or_else(|| panic!("{path} is described but not served"))
                .split(", ")
                .map(str::to_owned)
                .collect();
            taken.sort();
            assert_eq!(methods, taken, "{path}");
            let root_only = item
                .as_object()
                .unwrap()
                .values()
                .any(|operation| operation.get("servers").is_some());
            assert_eq!(allowed(&what, Some("team")).is_none(), root_only, "{path}");
            described.push(what);
        }
        for endpoint in ENDPOINTS {
            assert!(allowed(endpoint, None).is_some(), "{endpoint}");
            assert!(
                described.iter().any(|d| d == endpoint),
                "{endpoint} is served but not described"
            );
        }
        assert_eq!(described.len(), ENDPOINTS.len());
    }
}
