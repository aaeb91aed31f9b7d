//! The control plane under `/_fake/`: not part of Enswitch, never inside `/api/json/`. Health,
//! the whole state as JSON, reset to the seed, and the request journal.

use serde_json::json;

use crate::app::{App, CONTROL_PREFIX};
use crate::render::HttpAnswer;
use crate::request::{ApiRequest, Method};

impl App {
    pub(crate) fn control(&self, request: &ApiRequest) -> HttpAnswer {
        let what = request
            .path
            .strip_prefix(CONTROL_PREFIX)
            .unwrap_or_default()
            .trim_end_matches('/');
        match (&request.method, what) {
            (Method::Get, "health") => HttpAnswer::json(200, &json!({ "status": "ok" })),
            (Method::Get, "state") => self.store.with(|world| HttpAnswer::json(200, &*world)),
            (Method::Post, "reset") => {
                self.reset();
                HttpAnswer::json(200, &json!({ "status": "reset" }))
            }
            (Method::Get, "requests") => {
                let function = query_value(&request.query, "function");
                let requests = self.journal.entries(function.as_deref());
                HttpAnswer::json(
                    200,
                    &json!({ "count": requests.len(), "requests": requests }),
                )
            }
            (_, "health" | "state" | "reset" | "requests") => HttpAnswer::json(
                405,
                &json!({ "error": format!("{} is not allowed on {}", request.method.as_str(), request.path) }),
            ),
            _ => HttpAnswer::json(
                404,
                &json!({ "error": format!("no control endpoint {}", request.path) }),
            ),
        }
    }
}

fn query_value(query: &str, name: &str) -> Option<String> {
    crate::params::RawParams::parse(query, None)
        .get(name)
        .map(str::to_owned)
}
