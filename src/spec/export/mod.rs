//! Renders the spec for people and tools: `markdown` as the vendor's pages, `openapi` as an
//! OpenAPI 3.1 document, `json` as the typed model itself. One file per format; each takes the
//! functions to render and returns the whole document as text, so the caller decides where it goes.

mod markdown;
mod openapi;

use crate::spec::Function;

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

/// Renders `functions` (all of a spec, or some) in `format`, an OpenAPI document for a server
/// answering with HTTP 200 (D1).
pub fn render(functions: &[&Function], format: ExportFormat) -> String {
    render_for(functions, format, HttpStatuses::Ok)
}

/// Renders `functions` in `format`; an OpenAPI document describes the statuses of `statuses`.
pub fn render_for(functions: &[&Function], format: ExportFormat, statuses: HttpStatuses) -> String {
    match format {
        ExportFormat::Markdown => markdown::render(functions),
        ExportFormat::OpenApi => openapi::render(functions, statuses),
        ExportFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(functions).expect("the spec model serializes to JSON");
            text.push('\n');
            text
        }
    }
}
