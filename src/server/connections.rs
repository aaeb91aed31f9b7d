//! The open connections, and who gives way when there are too many. No client may hold the
//! server to itself: past `max_connections` a newcomer is still accepted (up to a small reserve
//! beyond it) and the oldest connection gives way: one waiting for a request (idle keep-alive, or
//! a head still trickling in) is closed at once, one being answered finishes its answer first.
//! Every connection also closes after `connection_lifetime`, and at shutdown all of them are
//! asked to finish.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Notify, watch};

/// How one connection is asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// Keep going.
    No,
    /// Finish the answer in progress, if any, then close (a lifetime spent, a shutdown).
    Gracefully,
    /// Close now: nothing is being answered (a newcomer needs the slot).
    Now,
}

/// One connection as the registry sees it.
#[derive(Debug)]
pub(super) struct Connection {
    /// Whether a request is being answered on it right now.
    pub(super) busy: Arc<AtomicBool>,
    stop: watch::Sender<Stop>,
}

#[derive(Debug, Default)]
pub(super) struct Connections {
    state: Mutex<Registry>,
    /// Told whenever a connection closes.
    closed: Notify,
}

#[derive(Debug, Default)]
struct Registry {
    next_id: u64,
    /// By id, which is by age: the first is the oldest.
    open: BTreeMap<u64, Connection>,
}

/// What a connection's task holds: its id, its busy flag and the order to stop.
#[derive(Debug)]
pub(super) struct Ticket {
    pub(super) id: u64,
    pub(super) busy: Arc<AtomicBool>,
    pub(super) stop: watch::Receiver<Stop>,
}

impl Connections {
    /// Registers a new connection and, when more than `max` are open, asks the oldest one that
    /// has not already been asked to give way.
    pub(super) fn open(&self, max: usize) -> Ticket {
        let mut registry = self.lock();
        let id = registry.next_id;
        registry.next_id += 1;
        let busy = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = watch::channel(Stop::No);
        registry.open.insert(
            id,
            Connection {
                busy: Arc::clone(&busy),
                stop,
            },
        );
        let asked = registry
            .open
            .values()
            .filter(|c| *c.stop.borrow() != Stop::No)
            .count();
        if registry.open.len() - asked > max {
            // The newcomer (the last entry) is the one the slot is for.
            let candidates: Vec<&Connection> = registry
                .open
                .range(..id)
                .map(|(_, c)| c)
                .filter(|c| *c.stop.borrow() == Stop::No)
                .collect();
            let idle = candidates.iter().find(|c| !c.busy.load(Ordering::Acquire));
            match (idle, candidates.first()) {
                (Some(idle), _) => idle.stop.send_replace(Stop::Now),
                (None, Some(oldest)) => oldest.stop.send_replace(Stop::Gracefully),
                (None, None) => Stop::No,
            };
        }
        Ticket {
            id,
            busy,
            stop: stopped,
        }
    }

    /// Forgets a connection that has closed.
    pub(super) fn close(&self, id: u64) {
        self.lock().open.remove(&id);
        self.closed.notify_waiters();
    }

    /// How many are open.
    pub(super) fn count(&self) -> usize {
        self.lock().open.len()
    }

    /// Asks every connection to finish and close.
    pub(super) fn stop_all(&self) {
        for connection in self.lock().open.values() {
            connection.stop.send_if_modified(|stop| {
                let ask = *stop == Stop::No;
                if ask {
                    *stop = Stop::Gracefully;
                }
                ask
            });
        }
    }

    /// Completes once fewer than `below` connections are open.
    pub(super) async fn fewer_than(&self, below: usize) {
        loop {
            let closed = self.closed.notified();
            if self.count() < below {
                return;
            }
            closed.await;
        }
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A connection's place in the registry, given back when dropped.
pub(super) struct Registered {
    pub(super) connections: Arc<Connections>,
    pub(super) id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.connections.close(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_cap_the_oldest_idle_connection_gives_way_at_once() {
        let connections = Connections::default();
        let first = connections.open(2);
        let second = connections.open(2);
        first.busy.store(true, Ordering::Release);
        let _third = connections.open(2);
        assert_eq!(*first.stop.borrow(), Stop::No, "a busy one is spared");
        assert_eq!(*second.stop.borrow(), Stop::Now, "the oldest idle one goes");
    }

    #[test]
    fn when_every_connection_is_busy_the_oldest_finishes_its_answer_first() {
        let connections = Connections::default();
        let first = connections.open(1);
        first.busy.store(true, Ordering::Release);
        let second = connections.open(1);
        assert_eq!(*first.stop.borrow(), Stop::Gracefully);
        assert_eq!(*second.stop.borrow(), Stop::No);
        connections.close(first.id);
        assert_eq!(connections.count(), 1);
    }
}
