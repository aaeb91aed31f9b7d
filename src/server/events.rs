//! The body of a live event stream (`/_fake/events`): a task waits on the journal's entries and
//! hands each event the workbench makes of them to the body, which hyper sends as it comes. The
//! stream ends after [`Events::LIFETIME`] (or the connection's shorter lifetime), when the
//! connection is asked to stop (a shutdown, a
//! newcomer needing the slot), or when the client goes away; the connection counts as busy
//! until then, so it is not mistaken for an idle one.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Bytes, Frame};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::server::Busy;
use crate::server::connections::Stop;
use crate::workbench::Events;

/// How many events may wait for a slow client before the forwarder waits too.
const BACKLOG: usize = 64;

/// Event after event, as the forwarder sends them; ends when it does.
#[derive(Debug)]
pub(super) struct EventBody {
    events: mpsc::Receiver<Bytes>,
    /// The connection is answering until the stream ends.
    _busy: Busy,
}

impl EventBody {
    /// Starts forwarding `events` for at most `lifetime`, until `stopping` says stop, or until
    /// the body is dropped.
    pub(super) fn start(
        events: Events,
        busy: Busy,
        stopping: watch::Receiver<Stop>,
        lifetime: Duration,
    ) -> EventBody {
        let (sender, receiver) = mpsc::channel(BACKLOG);
        let end = Instant::now() + lifetime.min(Events::LIFETIME);
        tokio::spawn(forward(events, sender, stopping, end));
        EventBody {
            events: receiver,
            _busy: busy,
        }
    }
}

async fn forward(
    mut events: Events,
    sender: mpsc::Sender<Bytes>,
    mut stopping: watch::Receiver<Stop>,
    end: Instant,
) {
    let mut keep_alive = tokio::time::interval_at(
        Instant::now() + Events::KEEPALIVE_EVERY,
        Events::KEEPALIVE_EVERY,
    );
    let mut next = Some(Bytes::from_static(Events::OPENING));
    loop {
        if *stopping.borrow_and_update() != Stop::No {
            return;
        }
        if let Some(frame) = next.take() {
            match tokio::time::timeout_at(end, sender.send(frame)).await {
                Ok(Ok(())) => {}
                // The client went away, or stopped reading until the stream's end.
                Ok(Err(_)) | Err(_) => return,
            }
        }
        next = tokio::select! {
            received = events.entries.recv() => match received {
                Ok(entry) => events.event(&entry).map(Bytes::from),
                Err(RecvError::Lagged(missed)) => Some(Bytes::from(Events::missed(missed))),
                Err(RecvError::Closed) => return,
            },
            _ = keep_alive.tick() => Some(Bytes::from_static(Events::KEEPALIVE)),
            () = tokio::time::sleep_until(end) => return,
            changed = stopping.changed() => match changed {
                Ok(()) => None,
                Err(_) => return,
            },
            () = sender.closed() => return,
        };
    }
}

impl hyper::body::Body for EventBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.events
            .poll_recv(cx)
            .map(|event| event.map(|bytes| Ok(Frame::data(bytes))))
    }
}
