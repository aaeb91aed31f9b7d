//! What a browser finds: the landing answer at `/` and `/_fake/` (a small HTML page for a
//! browser, the same links as JSON for anything else), the dashboard's three files under
//! `/_fake/ui/` (built into the binary: no CDN, no build step), the README, and the OpenAPI
//! document of the spec this server serves. None of it holds data, so none of it needs the
//! admin token: the dashboard asks for the token and sends it with each data request, to the
//! same JSON endpoints a script would use.
//!
//! The pages carry a Content-Security-Policy that allows only this server's own script, style
//! and requests: the dashboard shows what clients sent (batch names, descriptions, parameters),
//! and whatever a client sent stays text.

use serde_json::json;

use crate::fake::ApiRequest;
use crate::spec::export::{HttpStatuses, OpenApiOptions, Samples, openapi};
use crate::workbench::reply::HttpAnswer;
use crate::workbench::reply::HttpStatusMode;
use crate::workbench::{CONTROL_PREFIX, Workbench};

const INDEX_HTML: &str = include_str!("ui/index.html");
const APP_JS: &str = include_str!("ui/app.js");
const APP_CSS: &str = include_str!("ui/app.css");
const LANDING_HTML: &str = include_str!("ui/landing.html");
const README: &str = include_str!("../../README.md");

/// Where the dashboard lives.
pub const DASHBOARD_PATH: &str = "/_fake/ui/";

/// Only this server's own files and requests; no inline script or style, no frames, no forms
/// sent elsewhere.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Whether `what` (the path after `/_fake/`, no trailing slash) is one of the files that hold
/// no data: the landing page, the dashboard, the README, the two OpenAPI documents and the
/// Schemathesis configuration (which name the seed's objects, as its examples do, but no secret).
pub(super) fn is_public(what: &str) -> bool {
    matches!(
        what,
        "" | "ui" | "readme" | "openapi.json" | "control-openapi.json" | "schemathesis.toml"
    ) || what.starts_with("ui/")
}

/// The control plane's OpenAPI document, as written (YAML, for people to read and review).
const CONTROL_OPENAPI: &str = include_str!("control-openapi.yaml");

/// The control plane (`/_fake/`) as an OpenAPI 3.1 document (JSON): what `GET
/// /_fake/control-openapi.json` answers and `spec export --format control-openapi` writes.
pub fn control_openapi() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSON.get_or_init(|| {
        let document: serde_json::Value = serde_saphyr::from_str(CONTROL_OPENAPI)
            .expect("control-openapi.yaml is YAML (a unit test reads it)");
        serde_json::to_string_pretty(&document).expect("JSON serializes")
    })
}

impl Workbench {
    /// The answer for a path `is_public` accepts (or `/`); `what` as there.
    pub(super) fn public(&self, what: &str, request: &ApiRequest) -> HttpAnswer {
        match what {
            "" => landing(request),
            "ui" | "ui/index.html" => page(INDEX_HTML),
            "ui/app.js" => file("text/javascript; charset=utf-8", APP_JS),
            "ui/app.css" => file("text/css; charset=utf-8", APP_CSS),
            "readme" => file("text/markdown; charset=utf-8", README),
            "openapi.json" => match request.query.as_str() {
                "" | "trailing_slash=0" => self.openapi_answer(false),
                "trailing_slash=1" => self.openapi_answer(true),
                _ => super::control::error(
                    400,
                    "openapi.json takes one query parameter, trailing_slash=1 (the vendor's \
                     paths, ending in /) or trailing_slash=0"
                        .to_owned(),
                ),
            },
            "schemathesis.toml" => {
                let spec = self.fake().spec();
                let config = self
                    .namespaces
                    .default_world()
                    .world
                    .read(|world| super::schemathesis::config(spec, world));
                HttpAnswer {
                    status: 200,
                    content_type: "application/toml; charset=utf-8",
                    headers: vec![("x-content-type-options", "nosniff")],
                    body: config.into(),
                }
            }
            "control-openapi.json" => HttpAnswer {
                status: 200,
                content_type: "application/json",
                headers: Vec::new(),
                body: bytes::Bytes::from_static(control_openapi().as_bytes()),
            },
            _ => super::control::error(404, format!("no dashboard file {}", request.path)),
        }
    }

    fn openapi_answer(&self, trailing_slash: bool) -> HttpAnswer {
        HttpAnswer {
            status: 200,
            content_type: "application/json",
            headers: Vec::new(),
            body: bytes::Bytes::copy_from_slice(self.openapi(trailing_slash).as_bytes()),
        }
    }

    /// The OpenAPI document of the spec served here (a mutant's edits included), its server
    /// this one, its statuses this one's `--http-status` and its card cap this one's
    /// `--max-cards`; its paths with the vendor's trailing slash if asked; made once.
    fn openapi(&self, trailing_slash: bool) -> &str {
        self.openapi[usize::from(trailing_slash)].get_or_init(|| {
            let functions: Vec<_> = self.fake().spec().functions().iter().collect();
            // The statuses this server answers with.
            let statuses = match self.config.http_status {
                HttpStatusMode::AlwaysOk => HttpStatuses::Ok,
                HttpStatusMode::Mirror => HttpStatuses::Mirror,
            };
            let samples = self
                .samples
                .as_ref()
                .map_or_else(Samples::new, |make| (make.0)());
            let options = OpenApiOptions {
                statuses,
                max_cards: Some(self.fake().settings().max_cards),
                trailing_slash,
            };
            let text = openapi(&functions, &options, &samples);
            let mut document: serde_json::Value =
                serde_json::from_str(&text).expect("the OpenAPI export is JSON");
            document["servers"] = json!([{ "url": "/api/json", "description": "this fake" }]);
            serde_json::to_string_pretty(&document).expect("JSON serializes")
        })
    }
}

/// Where to go from here: HTML for a browser (one that says it accepts `text/html`), JSON for
/// `curl` and scripts.
fn landing(request: &ApiRequest) -> HttpAnswer {
    let wants_html = request
        .accept
        .as_deref()
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        return page(LANDING_HTML);
    }
    HttpAnswer::json(
        200,
        &json!({
            "name": "enswitch-fake",
            "version": env!("CARGO_PKG_VERSION"),
            "api": crate::fake::API_PREFIX,
            "dashboard": DASHBOARD_PATH,
            "openapi": format!("{CONTROL_PREFIX}openapi.json"),
            "control_openapi": format!("{CONTROL_PREFIX}control-openapi.json"),
            "schemathesis": format!("{CONTROL_PREFIX}schemathesis.toml"),
            "readme": format!("{CONTROL_PREFIX}readme"),
            "control": CONTROL_PREFIX,
        }),
    )
}

/// An HTML page, under the policy.
fn page(html: &'static str) -> HttpAnswer {
    let mut answer = file("text/html; charset=utf-8", html);
    answer.headers.push(("content-security-policy", CSP));
    answer.headers.push(("referrer-policy", "no-referrer"));
    answer
}

/// A file built into the binary.
fn file(content_type: &'static str, text: &'static str) -> HttpAnswer {
    HttpAnswer {
        status: 200,
        content_type,
        headers: vec![
            ("x-content-type-options", "nosniff"),
            ("cache-control", "no-cache"),
        ],
        body: bytes::Bytes::from_static(text.as_bytes()),
    }
}
