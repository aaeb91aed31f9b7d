//! The control plane under `/_fake/`: not part of Enswitch, never inside `/api/json/`. Per world
//! (the default one, or `/_ns/<name>/_fake/...`): health, the whole state as JSON, reset to the
//! seed, the request journal, and fault rules (scoped to the namespace they are posted in). At
//! the root only: listing and dropping namespaces.

use serde_json::json;

use crate::fake::{self, ApiError, ApiRequest, Method, RawParams};
use crate::workbench::fault::FaultSpec;
use crate::workbench::journal;
use crate::workbench::namespace::{self, Namespace};
use crate::workbench::reply::{HttpAnswer, HttpStatusMode};
use crate::workbench::{CONTROL_PREFIX, ControlAccess, Workbench};

impl Workbench {
    /// The control plane, for a request that may use it (`--admin-token`, `--no-admin`). Access
    /// is decided before anything else, so a refused request makes no namespace.
    pub(crate) fn control(
        &self,
        name: Option<&str>,
        path: &str,
        request: &ApiRequest,
    ) -> HttpAnswer {
        match &self.config.control {
            ControlAccess::Open => self.endpoint(name, path, request),
            ControlAccess::Token(token)
                if request
                    .admin_token
                    .as_deref()
                    .is_some_and(|t| fake::same_secret(token.as_bytes(), t.as_bytes())) =>
            {
                self.endpoint(name, path, request)
            }
            ControlAccess::Token(_) => error(
                401,
                "the control plane needs the header Authorization: Bearer <--admin-token>".into(),
            ),
            ControlAccess::Off => {
                error(404, "the control plane is switched off (--no-admin)".into())
            }
        }
    }

    /// `path` is the request's path without any `/_ns/<name>` prefix; `name` is that name.
    fn endpoint(&self, name: Option<&str>, path: &str, request: &ApiRequest) -> HttpAnswer {
        if name.is_some_and(|n| !namespace::valid_name(n)) {
            let refused = ApiError::from(namespace::Refused::BadName);
            return HttpAnswer::api(&refused.into(), HttpStatusMode::Mirror);
        }
        let what = path
            .strip_prefix(CONTROL_PREFIX)
            .unwrap_or_default()
            .trim_end_matches('/');
        let method = &request.method;
        match (method, what, name) {
            (Method::Get, "health", _) => match self.state_problem() {
                None => HttpAnswer::json(200, &json!({ "status": "ok" })),
                Some(problem) => {
                    HttpAnswer::json(503, &json!({ "status": "failing", "state": problem }))
                }
            },
            (Method::Get, "state", _) => self.in_world(name, |world| {
                world.world.read(|state| HttpAnswer::json(200, state))
            }),
            (Method::Post, "reset", _) => {
                self.in_world(name, |world| match self.reset_world(world) {
                    Ok(()) => HttpAnswer::json(200, &json!({ "status": "reset" })),
                    Err(unsaved) => error(500, format!("not reset: {unsaved}")),
                })
            }
            (Method::Get, "requests", _) => self.requests_page(name, &request.query),
            (Method::Post, "faults", _) => self.post_fault(name, &request.body),
            (Method::Get, "faults", _) => {
                HttpAnswer::json(200, &json!({ "faults": self.faults.list() }))
            }
            (Method::Delete, "faults", _) => {
                HttpAnswer::json(200, &json!({ "cleared": self.faults.clear(name) }))
            }
            (Method::Get, "ns", None) => {
                HttpAnswer::json(200, &json!({ "namespaces": self.namespaces.names() }))
            }
            (Method::Delete, dropped, None) if dropped.starts_with("ns/") => {
                let dropped = &dropped["ns/".len()..];
                if !namespace::valid_name(dropped) {
                    return error(400, namespace::NAME_RULE.to_owned());
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
        }
    }
}

impl Workbench {
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

    /// `/_fake/requests?function=&after=&limit=`: a page of the world's journal, oldest first.
    fn requests_page(&self, name: Option<&str>, query: &str) -> HttpAnswer {
        let query = RawParams::parse(query, None);
        let number = |field: &str, default: u64, max: u64| match query.get(field) {
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
        };
        let limits = number("after", 0, u64::MAX).and_then(|after| {
            let max = journal::PAGE_LIMIT as u64;
            Ok((after, number("limit", journal::PAGE_DEFAULT as u64, max)?))
        });
        let (after, limit) = match limits {
            Ok(limits) => limits,
            Err(refused) => return refused,
        };
        let limit = usize::try_from(limit).unwrap_or(journal::PAGE_LIMIT);
        let page = self.journal.page(name, query.get("function"), after, limit);
        HttpAnswer::json(200, &page)
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

/// The methods an endpoint takes, for the `Allow` header of a 405 (RFC 9110); `None` when there
/// is no such endpoint.
fn allowed(what: &str, namespace: Option<&str>) -> Option<&'static str> {
    match (what, namespace) {
        ("health" | "state" | "requests", _) | ("ns", None) => Some("GET"),
        ("reset", _) => Some("POST"),
        ("faults", _) => Some("GET, POST, DELETE"),
        (dropped, None) if dropped.starts_with("ns/") => Some("DELETE"),
        _ => None,
    }
}

fn error(status: u16, message: String) -> HttpAnswer {
    HttpAnswer::json(status, &json!({ "error": message }))
}
