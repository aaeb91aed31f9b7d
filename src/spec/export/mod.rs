//! Renders the spec for people and tools: `markdown` as the vendor's pages, `openapi` as an
//! OpenAPI 3.1 document, `json` as the typed model itself. One file per format; each takes the
//! functions to render and returns the whole document as text, so the caller decides where it goes.

mod answers;
mod markdown;
mod openapi;

use std::collections::BTreeMap;

use crate::spec::{Code, Function};

/// The formats `spec export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Markdown,
    OpenApi,
    Json,
}

/// Which HTTP statuses the API answers with, as the OpenAPI document describes them: the
/// server's `--http-status` (D1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpStatuses {
    /// HTTP 200 for every outcome, the Enswitch code inside the envelope.
    #[default]
    Ok,
    /// The HTTP status is the envelope's code: one response per code the function lists.
    Mirror,
}

/// How an OpenAPI document describes the server it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenApiOptions {
    pub statuses: HttpStatuses,
    /// The most cards one call may create (`serve --max-cards`): the `maximum` of each parameter
    /// a card cap multiplies (`number`, `batch_number`). `None` states no maximum.
    pub max_cards: Option<u64>,
    /// Paths as the vendor writes them, with a trailing `/` (`/cards/groups/get/`), for clients
    /// and proxies that route the vendor's URL form; without it otherwise, as linters prefer.
    pub trailing_slash: bool,
}

/// Renders `functions` (all of a spec, or some) in `format`, an OpenAPI document for a server
/// answering with HTTP 200 (D1).
pub fn render(functions: &[&Function], format: ExportFormat) -> String {
    render_for(functions, format, HttpStatuses::Ok)
}

/// Renders `functions` in `format`; an OpenAPI document describes the statuses of `statuses`,
/// without examples.
pub fn render_for(functions: &[&Function], format: ExportFormat, statuses: HttpStatuses) -> String {
    match format {
        ExportFormat::Markdown => markdown::render(functions),
        ExportFormat::OpenApi => {
            let options = OpenApiOptions {
                statuses,
                ..OpenApiOptions::default()
            };
            openapi::render(functions, &options, &Samples::new())
        }
        ExportFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(functions).expect("the spec model serializes to JSON");
            text.push('\n');
            text
        }
    }
}

/// The OpenAPI document of `functions` for the server `options` describes, each function's
/// parameters and answers illustrated by `samples`.
pub fn openapi(functions: &[&Function], options: &OpenApiOptions, samples: &Samples) -> String {
    openapi::render(functions, options, samples)
}

/// One request and the answer a server gave it: an example for the OpenAPI document. The spec
/// cannot make these (it does not know the seed's objects); whoever can ask a fake does.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The Enswitch code of the answer.
    pub code: Code,
    /// What the request shows, in words (`id is required`).
    pub summary: String,
    /// The parameters sent, without the credentials.
    pub params: Vec<(String, String)>,
    /// The envelope answered (a server that mirrors the code in the HTTP status sends none
    /// for 204).
    pub answer: serde_json::Value,
}

/// Samples by function path (`cards/groups/update`), in the order they were asked, at most one
/// per code.
pub type Samples = BTreeMap<String, Vec<Sample>>;
