//! The body of a live event stream (`/_fake/events`): a task waits until the client has taken
//! the last event, then for the journal's next entry, and hands the event the workbench makes of
//! it to the body, which hyper sends as it comes. So a client that stops reading holds one event,
//! never a backlog. The stream ends after [`Events::LIFETIME`] (or the connection's shorter
//! lifetime), when the connection is asked to stop (a shutdown, a newcomer needing the slot), or
//! when the client goes away; the connection counts as busy until then, so it is not mistaken
//! for an idle one.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::body::{Bytes, Frame};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::server::Busy;
use crate::server::connections::Stop;
use crate::workbench::Events;

/// Event after event, as the forwarder sends them; ends when it does.
#[derive(Debug)]
pub(super) struct EventBody {
    events: mpsc::Receiver<Bytes>,
    /// The connection is answering until the stream ends.
    _busy: Busy,
}

impl EventBody {
    /// Starts forwarding `events` until `end`, until `stopping` says stop, or until the body is
    /// dropped.
    pub(super) fn start(
        events: Events,
        busy: Busy,
        stopping: watch::Receiver<Stop>,
        end: Instant,
    ) -> EventBody {
        // One event waits for the client at most: the next is made when that one is taken, so a
        // client that stops reading holds one event, not the journal's worth.
        let (sender, receiver) = mpsc::channel(1);
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
    let mut opening = true;
    loop {
        // Room for the next event first: the client has taken the last one.
        let permit = tokio::select! {
            permit = sender.reserve() => match permit {
                Ok(permit) => permit,
                // The client went away.
                Err(_) => return,
            },
            () = tokio::time::sleep_until(end) => return,
            changed = stopping.changed() => match changed {
                Ok(()) if *stopping.borrow_and_update() == Stop::No => continue,
                _ => return,
            },
        };
        let frame = if opening {
            opening = false;
            Bytes::from_static(Events::OPENING)
        } else {
            loop {
                if let Some(event) = events.next_event() {
                    break Bytes::from(event);
                }
                tokio::select! {
                    recorded = events.recorded() => if !recorded { return },
                    _ = keep_alive.tick() => break Bytes::from_static(Events::KEEPALIVE),
                    () = tokio::time::sleep_until(end) => return,
                    changed = stopping.changed() => match changed {
                        Ok(()) if *stopping.borrow_and_update() == Stop::No => {}
                        _ => return,
                    },
                    () = sender.closed() => return,
                }
            }
        };
        permit.send(frame);
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
