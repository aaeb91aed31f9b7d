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

/// Renders `functions` (all of a spec, or some) in `format`.
pub fn render(functions: &[&Function], format: ExportFormat) -> String {
    match format {
        ExportFormat::Markdown => markdown::render(functions),
        ExportFormat::OpenApi => openapi::render(functions),
        ExportFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(functions).expect("the spec model serializes to JSON");
            text.push('\n');
            text
        }
    }
}
