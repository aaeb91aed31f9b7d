//! The request journal: what each API call sent and what it was answered, so a test can assert
//! what its client did. One journal for the whole server, each entry tagged with its world, so
//! that one bound holds for every namespace together: the oldest entries go first once `LIMIT`
//! entries or `BYTES_LIMIT` bytes are held, the bytes counted as what an entry really occupies
//! (see `kept`: each entry one buffer), not the text it shows. `auth_password` and `auth_token`
//! (sent, or issued by `user/login`) are never stored. Readers get a page of entries, never a
//! copy of the whole journal, or subscribe to every entry from now on (the dashboard's live
//! view).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::broadcast;

use super::kept::{Call, Kept};
use crate::fake::RawParams;

/// The most entries kept, all worlds together.
pub(super) const LIMIT: usize = 100_000;

/// The most bytes entries may occupy, all worlds together.
pub(super) const BYTES_LIMIT: usize = 64 * 1024 * 1024;

/// The most entries one read returns (`/_fake/requests?limit=`), and how many it returns when
/// not told.
pub(super) const PAGE_LIMIT: usize = 10_000;
pub(super) const PAGE_DEFAULT: usize = 1_000;

/// How many entries a subscriber may fall behind before it misses some (and is told how many).
const SUBSCRIBER_BACKLOG: usize = 1024;

/// Replaces every `auth_password` and `auth_token` value, sent or answered.
pub(super) const REDACTED: &str = "[redacted]";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The world: `None` for the default one, else the namespace's name.
    pub namespace: Option<Arc<str>>,
    /// 1 for the first request of its world since start or reset.
    pub seq: u64,
    /// Seconds since 1970; shown as `YYYY-MM-DD HH:MM:SS`, formatted only when the journal is read.
    #[serde(serialize_with = "as_utc")]
    pub time: i64,
    /// The function path asked for (`cards/groups/update`), as sent.
    pub function: String,
    /// `GET` and `POST` (the methods the API takes) cost no copy.
    pub method: Cow<'static, str>,
    /// Every parameter in the order sent, repeats included (`auth_password` and `auth_token`
    /// shown as `[redacted]`).
    pub params: RawParams,
    /// The envelope's code, or what a fault did instead of answering.
    pub code: &'static str,
    /// The injected fault that fired, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<&'static str>,
    /// How long the fake took to answer, in microseconds (a delay fault's wait not included).
    pub took_us: u64,
    /// The answer's body as sent (cut at `ANSWER_LIMIT` bytes), shown as text; `None` when the
    /// connection was closed instead.
    #[serde(serialize_with = "as_text")]
    pub answer: Option<Bytes>,
}

/// The most of an answer an entry keeps: a list of a million cards is no journal's business.
pub(super) const ANSWER_LIMIT: usize = 64 * 1024;

/// One page of a world's entries, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// How many entries of the world (and function, if asked) the journal holds in all.
    pub count: usize,
    pub requests: Vec<Arc<Entry>>,
    /// The `after=` that reads the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<u64>,
}

#[derive(Debug)]
pub struct Journal {
    state: Mutex<JournalState>,
    /// Every entry recorded, to whoever subscribed; with no subscriber, sending costs a lock.
    events: broadcast::Sender<Arc<Entry>>,
}

impl Default for Journal {
    fn default() -> Journal {
        Journal {
            state: Mutex::default(),
            events: broadcast::Sender::new(SUBSCRIBER_BACKLOG),
        }
    }
}

/// Whose entries a read returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose<'a> {
    /// Every world's, the default one and each namespace.
    Every,
    /// One world's: `None` the default one, else the namespace of that name.
    One(Option<&'a str>),
}

impl Whose<'_> {
    fn holds(self, entry: &Kept) -> bool {
        match self {
            Whose::Every => true,
            Whose::One(name) => entry.namespace() == name,
        }
    }
}

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// After this sequence number (0 for the first entry): one world's, since sequence numbers
    /// count per world.
    After(u64),
    /// The newest entries: the page ends with the last one.
    Tail,
}

#[derive(Debug, Default)]
struct JournalState {
    /// The bytes `entries` occupy.
    bytes: usize,
    entries: VecDeque<Kept>,
}

impl Journal {
    /// Stores one call (its secrets left out), and drops the oldest entries past the bounds.
    pub(super) fn record(&self, call: &Call<'_>) {
        let kept = Kept::new(call);
        // Built only for a listener: no subscriber, no copy.
        let heard = (self.events.receiver_count() > 0).then(|| Arc::new(kept.entry()));
        let mut state = self.lock();
        state.bytes += kept.bytes();
        state.entries.push_back(kept);
        while state.entries.len() > LIMIT || (state.bytes > BYTES_LIMIT && state.entries.len() > 1)
        {
            let oldest = state.entries.pop_front().expect("not empty");
            state.bytes -= oldest.bytes();
        }
        if state.entries.len() >= LIMIT {
            // The next calls drop these; by then they are in the cache.
            if let Some(next) = state.entries.front() {
                next.prefetch_buffer();
            }
            if let Some(after) = state.entries.get(1) {
                prefetch(std::ptr::from_ref(after).cast());
            }
        }
        drop(state);
        if let Some(entry) = heard {
            // A subscriber that left since is not a failure.
            let _ = self.events.send(entry);
        }
    }

    /// Every entry recorded from now on, as it is recorded.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Entry>> {
        self.events.subscribe()
    }

    /// The entries of `world` (of one function if given) from `from`, at most `limit` of them,
    /// oldest first.
    pub fn page(
        &self,
        world: Whose<'_>,
        function: Option<&str>,
        from: Start,
        limit: usize,
    ) -> Page {
        let state = self.lock();
        let held = |e: &&Kept| world.holds(e) && function.is_none_or(|f| e.function() == f);
        match from {
            Start::After(after) => {
                let mut count = 0;
                let mut requests = Vec::new();
                let mut more = false;
                for entry in state.entries.iter().filter(held) {
                    count += 1;
                    if entry.seq() <= after {
                        continue;
                    }
                    if requests.len() < limit {
                        requests.push(Arc::new(entry.entry()));
                    } else {
                        more = true;
                    }
                }
                let next = more.then(|| requests.last().map_or(after, |e| e.seq));
                Page {
                    count,
                    requests,
                    next,
                }
            }
            Start::Tail => {
                let mut count = 0;
                let mut requests = Vec::new();
                for entry in state.entries.iter().rev().filter(held) {
                    count += 1;
                    if requests.len() < limit {
                        requests.push(Arc::new(entry.entry()));
                    }
                }
                requests.reverse();
                Page {
                    count,
                    requests,
                    next: None,
                }
            }
        }
    }

    /// Forgets world `namespace`'s entries (a reset, a namespace dropped).
    pub fn forget(&self, namespace: Option<&str>) {
        let mut state = self.lock();
        let JournalState { bytes, entries } = &mut *state;
        entries.retain(|e| {
            let keep = e.namespace() != namespace;
            if !keep {
                *bytes -= e.bytes();
            }
            keep
        });
        if entries.is_empty() {
            // Give back what a burst of big entries grew the ring to.
            entries.shrink_to(1024);
        }
        drop(state);
        give_back_freed_memory();
    }

    /// The entries held, all worlds together.
    pub fn count(&self) -> usize {
        self.lock().entries.len()
    }

    /// The bytes held, all worlds together.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> MutexGuard<'_, JournalState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Asks the processor to bring the line at `address` into the cache, ahead of a use that would
/// otherwise wait for memory. Only a hint: nothing is read, and any address is allowed.
pub(super) fn prefetch(address: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 (SSE, present on every x86_64) reads no memory and faults on no
    // address; the call needs `unsafe` only because it is a target-feature intrinsic.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}

/// Hands memory freed by dropped entries back to the system. glibc keeps freed blocks in its
/// arenas (and, once a large block has been freed, serves large blocks from them too), so
/// without this a server's memory stays at its peak after every reset.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system; it touches no live block.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// An answer as text: answers are JSON, so UTF-8, but a cut may split a character, which shows
/// as U+FFFD.
fn as_text<S: serde::Serializer>(answer: &Option<Bytes>, serializer: S) -> Result<S::Ok, S::Error> {
    match answer {
        Some(body) => serializer.serialize_str(&String::from_utf8_lossy(body)),
        None => serializer.serialize_none(),
    }
}

fn as_utc<S: serde::Serializer>(seconds: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&crate::fake::format_utc(*seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records a GET of `function` with `params`, answered with `answer`.
    fn record(
        journal: &Journal,
        namespace: Option<&str>,
        seq: u64,
        function: &str,
        params: &RawParams,
        answer: Option<&str>,
    ) {
        let namespace = namespace.map(Arc::from);
        journal.record(&Call {
            namespace: namespace.as_ref(),
            seq,
            time: 0,
            function,
            method: "GET".into(),
            params,
            code: "200",
            fault: None,
            took_us: 0,
            answer: answer.map(str::as_bytes),
        });
    }

    #[test]
    fn passwords_are_redacted_before_they_are_stored() {
        let journal = Journal::default();
        let params = RawParams::parse("auth_username=user;auth_password=secret", None);
        record(&journal, None, 1, "cards/list", &params, None);
        let page = journal.page(Whose::One(None), None, Start::After(0), 10);
        assert_eq!(
            page.requests[0].params.pairs().nth(1),
            Some(("auth_password", REDACTED))
        );
        assert!(!format!("{page:?}").contains("secret"));
    }

    /// Issue 12, item 9: a megabyte of `a&a&…` is half a million parameters, which cost more
    /// kept than their text (a flags byte and two lengths each). The budget counts what is
    /// kept, across every world.
    #[test]
    fn the_budget_counts_real_bytes_across_every_world() {
        let journal = Journal::default();
        let body = "a&".repeat(512 * 1024);
        let params = RawParams::parse("", Some(body.as_bytes()));
        for i in 0..40u64 {
            let world = ["a", "b"][usize::try_from(i % 2).unwrap()];
            record(&journal, Some(world), i + 1, "cards/list", &params, None);
        }
        assert!(
            journal.bytes() <= BYTES_LIMIT,
            "{} bytes held",
            journal.bytes()
        );
        let held = |world| {
            journal
                .page(Whose::One(Some(world)), None, Start::After(0), 100)
                .count
        };
        let each = journal.bytes() / (held("a") + held("b"));
        assert!(
            each >= 4 * 512 * 1024,
            "{each} bytes counted for 512 Ki pairs kept"
        );
        assert!(
            held("a") + held("b") < 40,
            "entries of 2 MB each all kept under a 64 MiB budget"
        );
        assert_eq!(
            journal
                .page(Whose::One(Some("b")), None, Start::After(0), 100)
                .requests
                .last()
                .map(|e| e.seq),
            Some(40)
        );
    }

    #[test]
    fn pages_follow_after_and_limit_within_one_world_and_function() {
        let journal = Journal::default();
        let none = RawParams::default();
        for seq in 1..=5 {
            let function = if seq % 2 == 0 { "a" } else { "b" };
            record(&journal, None, seq, function, &none, None);
            record(&journal, Some("other"), seq, function, &none, None);
        }
        let b = journal.page(Whose::One(None), Some("b"), Start::After(0), 2);
        assert_eq!(b.count, 3);
        assert_eq!(b.requests.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(b.next, Some(3));
        let rest = journal.page(Whose::One(None), Some("b"), Start::After(3), 2);
        assert_eq!(rest.requests.iter().map(|e| e.seq).collect::<Vec<_>>(), [5]);
        assert_eq!(rest.next, None);
        let tail = journal.page(Whose::Every, Some("b"), Start::Tail, 2);
        assert_eq!(tail.count, 6);
        let last: Vec<_> = tail
            .requests
            .iter()
            .map(|e| (e.namespace.clone(), e.seq))
            .collect();
        assert_eq!(last, [(None, 5), (Some(Arc::from("other")), 5)]);
        journal.forget(None);
        assert_eq!(
            journal
                .page(Whose::One(None), None, Start::After(0), 10)
                .count,
            0
        );
        assert_eq!(
            journal
                .page(Whose::One(Some("other")), None, Start::After(0), 10)
                .count,
            5
        );
    }

    #[test]
    fn the_oldest_entries_go_first_past_the_limit() {
        let journal = Journal::default();
        let none = RawParams::default();
        for seq in 1..=(LIMIT as u64 + 3) {
            record(&journal, None, seq, "cards/list", &none, None);
        }
        assert_eq!(journal.count(), LIMIT);
        let first = journal.page(Whose::Every, None, Start::After(0), 1);
        assert_eq!(first.requests[0].seq, 4);
    }

    #[test]
    fn a_subscriber_hears_each_entry_once_redacted() {
        let journal = Journal::default();
        let mut heard = journal.subscribe();
        let params = RawParams::parse("auth_password=secret;id=1", None);
        record(&journal, None, 1, "cards/list", &params, None);
        let entry = heard.try_recv().unwrap();
        assert_eq!(entry.params.get("auth_password"), Some(REDACTED));
        assert_eq!(entry.params.get("id"), Some("1"));
        assert!(heard.try_recv().is_err(), "one entry, heard once");
    }

    #[test]
    fn tokens_sent_and_issued_are_redacted() {
        let journal = Journal::default();
        let answer = r#"{"responses":[],"data":{"id":1,"auth_token":"eyJ.secret.sig","auth_token_expiry":60}}"#;
        let params = RawParams::parse("auth_token=eyJ.sent.sig;token=1", None);
        record(&journal, None, 1, "user/login", &params, Some(answer));
        let page = journal.page(Whose::Every, None, Start::After(0), 10);
        let kept = &page.requests[0];
        assert_eq!(kept.params.get("auth_token"), Some(REDACTED));
        let text = String::from_utf8(kept.answer.as_ref().unwrap().to_vec()).unwrap();
        assert_eq!(
            text,
            r#"{"responses":[],"data":{"id":1,"auth_token":"[redacted]","auth_token_expiry":60}}"#
        );
    }
}
