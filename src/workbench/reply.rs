//! What the workbench gives the server for each request: an [`HttpAnswer`] (status, content type,
//! body) to send now or after a delay, nothing at all (the connection closed instead), or a live
//! stream of journal entries ([`Events`]). Faults are the only reason for a delay or a close;
//! the server carries them out without knowing why. The stream is the workbench's to shape (which
//! entries, in what words) and the server's to wait on.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;

use crate::fake::ApiResponse;
use crate::workbench::journal::{Follower, Journal, Next, Worlds};

/// Whether the HTTP status says 200 for every API outcome (D1) or repeats the envelope's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpStatusMode {
    #[default]
    AlwaysOk,
    Mirror,
}

/// Status, content type, any other header, and body: everything the server needs to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    pub status: u16,
    pub content_type: &'static str,
    /// Headers beyond the content type (`Allow` on a 405), by lowercase name.
    pub headers: Vec<(&'static str, &'static str)>,
    /// Shared, not copied, with the journal entry that keeps it.
    pub body: Bytes,
}

impl HttpAnswer {
    /// An API answer: the envelope, with the status `mode` says.
    pub fn api(response: &ApiResponse, mode: HttpStatusMode) -> HttpAnswer {
        let status = match mode {
            HttpStatusMode::AlwaysOk => 200,
            HttpStatusMode::Mirror => response.code.as_u16(),
        };
        HttpAnswer {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: response.to_json().into_bytes().into(),
        }
    }

    /// A control-plane answer: plain JSON with its own status.
    pub fn json(status: u16, value: &impl Serialize) -> HttpAnswer {
        let body = serde_json::to_vec(value).expect("control-plane answers serialize");
        HttpAnswer {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Plain text with its own status (HTTP 503 from a fault).
    pub fn text(status: u16, text: &str) -> HttpAnswer {
        HttpAnswer {
            status,
            content_type: "text/plain",
            headers: Vec::new(),
            body: Bytes::copy_from_slice(text.as_bytes()),
        }
    }
}

/// What the server does with a request once it has been served.
#[derive(Debug)]
pub enum Reply {
    /// Send this answer.
    Now(HttpAnswer),
    /// Send this answer after waiting (a `delay` fault).
    Later(Duration, HttpAnswer),
    /// Close the connection without answering (a `close` or `act_then_drop` fault).
    Close,
    /// Answer with a stream of server-sent events, one per journal entry (`/_fake/events`).
    Events(Events),
}

impl Reply {
    /// The answer a client would get, if it gets one.
    pub fn answer(&self) -> Option<&HttpAnswer> {
        match self {
            Reply::Now(answer) | Reply::Later(_, answer) => Some(answer),
            Reply::Close | Reply::Events(_) => None,
        }
    }
}

/// A live view of the journal as server-sent events (`text/event-stream`): one `request` event
/// per entry of the world asked for, whose data is the entry as `/_fake/requests` shows it; a
/// `missed` event when the reader fell so far behind that entries were dropped before it read
/// them (its data says at most how many: read `/_fake/requests` to catch up); a comment now and
/// then to keep proxies from closing a quiet stream. The server asks for the next event only when
/// the client has taken the last, so a reader that stops reading costs one event at most, and it
/// ends the stream after [`Events::LIFETIME`], so that no connection outlives its limit; a reader
/// reconnects.
#[derive(Debug)]
pub struct Events {
    journal: Arc<Journal>,
    follower: Follower,
    /// `None` for every world; else the default one (`Some(None)`) or a namespace.
    world: Option<Option<Arc<str>>>,
}

impl Events {
    /// How long one stream lasts: under the shortest sensible `--connection-lifetime`.
    pub const LIFETIME: Duration = Duration::from_secs(25);
    /// How often a quiet stream sends a comment.
    pub const KEEPALIVE_EVERY: Duration = Duration::from_secs(10);
    pub const KEEPALIVE: &'static [u8] = b": keep-alive\n\n";
    /// The stream's first bytes: the reconnection delay a browser's `EventSource` takes.
    pub const OPENING: &'static [u8] = b"retry: 1000\n\n";

    /// The entries of `world` recorded in `journal` from now on.
    pub fn new(journal: Arc<Journal>, world: Option<Option<Arc<str>>>) -> Events {
        Events {
            follower: journal.follow(),
            journal,
            world,
        }
    }

    /// The next event, if an entry of the world was recorded since the last.
    pub fn next_event(&mut self) -> Option<Vec<u8>> {
        let world = match &self.world {
            None => Worlds::Every,
            Some(name) => Worlds::One(name.as_deref()),
        };
        Some(match self.journal.next(&mut self.follower, world)? {
            Next::Entry(json) => {
                let mut event = Vec::with_capacity(json.len() + 24);
                event.extend_from_slice(b"event: request\ndata: ");
                event.extend_from_slice(&json);
                event.extend_from_slice(b"\n\n");
                event
            }
            Next::Missed(count) => {
                format!("event: missed\ndata: {{\"missed\":{count}}}\n\n").into_bytes()
            }
        })
    }

    /// Waits until an entry (of any world) is recorded; `false` once the journal is gone.
    pub async fn recorded(&mut self) -> bool {
        self.follower.recorded().await
    }
}

impl From<HttpAnswer> for Reply {
    fn from(answer: HttpAnswer) -> Reply {
        Reply::Now(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::ApiError;

    #[test]
    fn mirror_mode_puts_the_code_in_the_status_line() {
        let error: ApiResponse = ApiError::required("id").into();
        assert_eq!(
            HttpAnswer::api(&error, HttpStatusMode::AlwaysOk).status,
            200
        );
        assert_eq!(HttpAnswer::api(&error, HttpStatusMode::Mirror).status, 400);
    }

    #[test]
    fn an_event_is_one_line_of_json_for_its_own_world_only() {
        let bench = crate::workbench::Workbench::embedded().unwrap();
        let journal = Arc::clone(&bench.journal);
        let mut every = Events::new(Arc::clone(&journal), None);
        let mut default_world = Events::new(Arc::clone(&journal), Some(None));
        let mut team = Events::new(Arc::clone(&journal), Some(Some(Arc::from("team"))));
        bench.serve(crate::fake::ApiRequest::get(
            "/_ns/team/api/json/cards/list/?auth_username=user;a=1%0Ab",
        ));
        let event = String::from_utf8(every.next_event().unwrap()).unwrap();
        let data = event.strip_prefix("event: request\ndata: ").unwrap();
        let data = data.strip_suffix("\n\n").unwrap();
        assert!(!data.contains('\n'), "a newline would end the event early");
        let json: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(json["seq"], 1);
        assert_eq!(json["namespace"], "team");
        assert_eq!(every.next_event(), None, "told once");
        assert_eq!(default_world.next_event(), None);
        assert!(team.next_event().is_some());
    }
}
