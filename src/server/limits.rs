//! `Limits`: the most one client may cost the server. A request's body, its head (request line
//! and headers, in bytes and in count), the time it may take to send them, how many connections
//! may be open at once and for how long, and how long a stop waits for requests in flight. The
//! server enforces them at the edge, before anything is parsed as an API call; `serve` takes each
//! as a flag, whose default is `Limits::DEFAULT`.
//!
//! Past a limit a client gets a plain HTTP answer, never an envelope, because the request was
//! never read as an API call: 413 for the body, 431 for the head, 408 for a body that stops
//! arriving. A head that stops arriving is not answered: the connection is closed, as hyper does
//! (an idle keep-alive connection is closed after the same time). Past `max_connections` a
//! newcomer is still accepted and the oldest connection gives way (see `connections`).

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest request body read; a larger one is answered 413.
    pub max_body_bytes: usize,
    /// The largest request head (request line and headers) read; a larger one is answered 431.
    pub max_header_bytes: usize,
    /// The most header lines read; more are answered 431.
    pub max_headers: usize,
    /// How long a client may take to send a request's head, and then again its body.
    pub read_timeout: Duration,
    /// The most connections open at once before the oldest gives way to a newcomer.
    pub max_connections: usize,
    /// How long one connection may stay open in all; then it finishes its answer and closes.
    pub connection_lifetime: Duration,
    /// How long requests in flight may take to finish once the server is told to stop.
    pub shutdown_grace: Duration,
}

/// hyper's own count of headers: a different one costs an allocation per request.
pub(super) const HYPER_MAX_HEADERS: usize = 100;

impl Limits {
    /// The limits `serve` starts with unless its flags say otherwise.
    pub const DEFAULT: Limits = Limits {
        max_body_bytes: 1024 * 1024,
        max_header_bytes: 64 * 1024,
        max_headers: HYPER_MAX_HEADERS,
        read_timeout: Duration::from_secs(10),
        max_connections: 512,
        connection_lifetime: Duration::from_secs(60),
        shutdown_grace: Duration::from_secs(5),
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}
