//! The request log's events: one `tracing` event per API call (`enswitch_fake::api`, level INFO)
//! and per control-plane call (`enswitch_fake::control`, DEBUG, a quieter level). Only events:
//! whoever runs the workbench decides whether and how they are written (the binary's
//! `--log-format`); with no subscriber they cost next to nothing. Parameters are never in them,
//! and a path (which names the function when it names none the spec has) is redacted as the
//! journal redacts it, so neither passwords nor tokens are. A call's diagnostics (names and
//! sentences, never values) come twice: `diagnostics`, a JSON array the JSON line writes as it
//! is, and `diagnosed`, their sentences for the human line; each format skips the other's.

use std::time::{Duration, Instant};

use crate::fake::{ApiRequest, ApiResponse, Diagnostic, Mutant};

/// Where API calls are logged.
pub const API_TARGET: &str = "enswitch_fake::api";
/// Where control-plane calls are logged.
pub const CONTROL_TARGET: &str = "enswitch_fake::control";

/// One API call: who (the namespace), what (method, function), how it ended (code, and key and
/// message for an error), what bent it (a fault that fired, a mutant), how long it took, and
/// what its client got wrong.
#[expect(clippy::too_many_arguments, reason = "one field each of one log line")]
pub(super) fn api(
    namespace: Option<&str>,
    request: &ApiRequest,
    function: &str,
    code: &str,
    response: &ApiResponse,
    fault: Option<&str>,
    mutant: Option<Mutant>,
    diagnostics: &[Diagnostic],
    took: Duration,
) {
    if !tracing::enabled!(target: API_TARGET, tracing::Level::INFO) {
        return;
    }
    // An absent field is left out of the line. Key and message are an error envelope's; a
    // fault that sent none (`HTTP 503`, `closed`) has neither.
    let error = matches!(code.as_bytes().first(), Some(b'4' | b'5'));
    let function = crate::fake::redact(function);
    let (json, sentences) = if diagnostics.is_empty() {
        (None, None)
    } else {
        let json = serde_json::to_string(diagnostics).expect("diagnostics serialize");
        let sentences: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        (Some(json), Some(sentences.join(" / ")))
    };
    tracing::info!(
        target: API_TARGET,
        code,
        method = request.method.as_str(),
        function = &*function,
        namespace,
        key = error.then_some(response.key.as_str()).filter(|k| !k.is_empty()),
        message = error.then_some(response.message.as_str()),
        fault,
        mutant = mutant.map(Mutant::name),
        took_us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
        diagnostics = json.as_deref(),
        diagnosed = sentences.as_deref(),
    );
}

/// One control-plane call: its method, path (no query: it may name nothing secret, but keep
/// it short) and status.
pub(super) fn control(request: &ApiRequest, status: u16, started: Instant) {
    if !tracing::enabled!(target: CONTROL_TARGET, tracing::Level::DEBUG) {
        return;
    }
    tracing::debug!(
        target: CONTROL_TARGET,
        status,
        method = request.method.as_str(),
        path = &*crate::fake::redact(&request.path),
        took_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
    );
}
