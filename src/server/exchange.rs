//! One exchange: a hyper request read once into an owned [`ApiRequest`] (its body within the
//! limits), handed to the [`Handler`] (on a blocking thread when it says the work is heavy, a
//! panic answered 500), and its [`Reply`] carried out as a hyper response: now, after a delay,
//! a closed connection, or an event stream.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use http_body_util::{BodyExt as _, Either, Full, Limited};
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::header::{ACCEPT, AUTHORIZATION, CACHE_CONTROL, CONNECTION, CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};

use super::{Busy, Ending, Handler, Limits, connections, events};
use crate::fake::{ApiRequest, Method};
use crate::workbench::{HttpAnswer, Reply};

/// Returned instead of an answer to make hyper close the connection (a `close` fault).
#[derive(Debug)]
pub(super) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// What a response carries: the whole body at once, or a stream of events.
pub(super) type ResponseBody = Either<Full<Bytes>, events::EventBody>;

/// The body of a request that has one, within the size and time limits; the answer to give
/// instead when it breaks one.
async fn collect_body(body: Incoming, limits: &Limits) -> Result<Vec<u8>, Response<ResponseBody>> {
    let body = Limited::new(body, limits.max_body_bytes).collect();
    match tokio::time::timeout(limits.read_timeout, body).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes().to_vec()),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        // The client went away or broke the framing (a bad chunk size, say).
        Ok(Err(_)) => Err(plain(StatusCode::BAD_REQUEST, "unreadable request body\n")),
        Err(_) => Err(plain(
            StatusCode::REQUEST_TIMEOUT,
            "request body not received in time\n",
        )),
    }
}

pub(super) async fn answer<H: Handler>(
    handler: Arc<H>,
    limits: Arc<Limits>,
    request: Request<Incoming>,
    busy: Busy,
    stopping: tokio::sync::watch::Receiver<connections::Stop>,
    ending: Ending,
) -> Result<Response<ResponseBody>, Dropped> {
    let mut response = respond(handler, &limits, request, busy, stopping, &ending).await?;
    // Said on the last answer, so the client opens a new connection instead of sending on this
    // one a request that would find it closed.
    if ending.retiring.load(Ordering::Acquire) {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(response)
}

async fn respond<H: Handler>(
    handler: Arc<H>,
    limits: &Limits,
    request: Request<Incoming>,
    busy: Busy,
    stopping: tokio::sync::watch::Receiver<connections::Stop>,
    ending: &Ending,
) -> Result<Response<ResponseBody>, Dropped> {
    let (parts, body) = request.into_parts();
    // An announced length over the limit is refused before a byte of it is awaited.
    if usize::try_from(body.size_hint().lower()).map_or(true, |n| n > limits.max_body_bytes) {
        return Ok(too_large());
    }
    // Most requests (every GET) have no body: nothing to wait for, so no timer to arm.
    let body = if body.is_end_stream() {
        Vec::new()
    } else {
        match collect_body(body, limits).await {
            Ok(body) => body,
            Err(refusal) => return Ok(refusal),
        }
    };
    let method = match parts.method.as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "DELETE" => Method::Delete,
        other => Method::Other(other.to_owned()),
    };
    let request = ApiRequest {
        method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        content_type: parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        admin_token: bearer_token(&parts.headers),
        accept: parts
            .headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body,
    };
    // A panic is a bug of the handler's: the client still gets an answer, on either path.
    let panicked = || HttpAnswer::text(500, "the handler panicked\n").into();
    let reply = if handler.blocks(&request) {
        tokio::task::spawn_blocking(move || handler.serve(request))
            .await
            .unwrap_or_else(|_| panicked())
    } else {
        std::panic::catch_unwind(AssertUnwindSafe(|| handler.serve(request)))
            .unwrap_or_else(|_| panicked())
    };
    let answer = match reply {
        Reply::Now(answer) => answer,
        Reply::Later(delay, answer) => {
            tokio::time::sleep(delay).await;
            answer
        }
        Reply::Close => return Err(Dropped),
        Reply::Events(events) => {
            let end = tokio::time::Instant::now()
                + limits
                    .connection_lifetime
                    .min(crate::workbench::Events::LIFETIME);
            ending.stream_ends.send_replace(Some(end));
            let body = events::EventBody::start(events, busy, stopping, end);
            let mut response = Response::new(Either::Right(body));
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            // The stream is the connection's last answer: once it has ended and been read, the
            // connection closes as usual; one still open two seconds later is reset.
            headers.insert(CONNECTION, HeaderValue::from_static("close"));
            return Ok(response);
        }
    };
    drop(busy);
    let mut response = Response::new(Either::Left(Full::new(answer.body)));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(answer.content_type));
    for (name, value) in answer.headers {
        response.headers_mut().insert(
            hyper::header::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    Ok(response)
}

/// The token of an `Authorization: Bearer TOKEN` header, for the control plane.
fn bearer_token(headers: &hyper::HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn too_large() -> Response<ResponseBody> {
    plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n")
}

fn plain(status: StatusCode, text: &'static str) -> Response<ResponseBody> {
    let body = Full::new(Bytes::from_static(text.as_bytes()));
    let mut response = Response::new(Either::Left(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}
