//! The request journal: what each API call sent and what it was answered, so a test can assert
//! what its client did. One journal for the whole server, each entry tagged with its world, so
//! that one bound holds for every namespace together: the oldest entries go first once `LIMIT`
//! entries or `BYTES_LIMIT` bytes are held, the bytes counted as what an entry really occupies
//! (see `kept`: each entry one buffer, itself bounded), not the text it shows. `auth_password`
//! and `auth_token` (sent, issued by `user/login`, or written inside another value) are never
//! stored.
//!
//! Reading never costs more than the journal itself: a page is rendered straight from the kept
//! entries into its JSON, at most `PAGE_BYTES` of it (and `next` says where to go on), so no
//! reader holds a copy of the journal; a live reader ([`Follower`]) is a place in the journal,
//! and is handed one entry at a time when it asks for the next, so a reader that stops reading
//! holds nothing. One that falls so far behind that its next entries were dropped is told how
//! many it missed.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::watch;

use super::entry::Entry;
use super::kept::{CallRecord, Kept};

/// The most entries kept, all worlds together.
pub(super) const LIMIT: usize = 100_000;

/// The most bytes entries may occupy, all worlds together.
pub(super) const BYTES_LIMIT: usize = 64 * 1024 * 1024;

/// The most entries one read returns (`/_fake/requests?limit=`), and how many it returns when
/// not told.
pub(super) const PAGE_LIMIT: usize = 10_000;
pub(super) const PAGE_DEFAULT: usize = 1_000;

/// Where a page stops growing: once its JSON holds this many bytes, no further entry is added
/// (so a page is at most this and one entry). Six hundred readers that never read their pages
/// then pin under 300 MB together.
pub(super) const PAGE_BYTES: usize = 256 * 1024;

#[derive(Debug)]
pub struct Journal {
    state: Mutex<JournalState>,
    /// Told after each entry is recorded, for the live readers; with none, telling costs a
    /// look at a counter.
    recorded: watch::Sender<()>,
}

impl Default for Journal {
    fn default() -> Journal {
        Journal {
            state: Mutex::default(),
            recorded: watch::Sender::new(()),
        }
    }
}

/// Whose entries a read returns: every world's, or one's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worlds<'a> {
    /// Every world's, the default one and each namespace.
    Every,
    /// One world's: `None` the default one, else the namespace of that name.
    One(Option<&'a str>),
}

impl Worlds<'_> {
    fn holds(self, entry: &Kept) -> bool {
        match self {
            Worlds::Every => true,
            Worlds::One(name) => entry.namespace() == name,
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
    /// Oldest first; their ids rise, with gaps where a world was forgotten.
    entries: VecDeque<Kept>,
    /// The id of the last entry recorded (0 before the first).
    last_id: u64,
    /// The id of the newest entry dropped to keep the bounds (a live reader still before it
    /// missed entries).
    dropped_through: u64,
}

/// A live reader's place in the journal: it has been handed every entry up to `seen`.
#[derive(Debug)]
pub struct Follower {
    seen: u64,
    recorded: watch::Receiver<()>,
}

impl Follower {
    /// Waits until an entry is recorded after the last look; `false` once the journal is gone.
    pub async fn recorded(&mut self) -> bool {
        self.recorded.changed().await.is_ok()
    }
}

/// What a live reader is handed next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// The next entry of the world it follows, as `/_fake/requests` shows it (JSON).
    Entry(Vec<u8>),
    /// Entries were dropped before it could be handed them: at most this many of its world's
    /// (the count is of every world's entries dropped meanwhile).
    Missed(u64),
}

impl Journal {
    /// Stores one call (its secrets left out), and drops the oldest entries past the bounds.
    pub(super) fn record(&self, call: &CallRecord<'_>) {
        let mut state = self.lock();
        let id = state.last_id + 1;
        state.last_id = id;
        let kept = Kept::new(call, id);
        state.bytes += kept.bytes();
        state.entries.push_back(kept);
        while state.entries.len() > LIMIT || (state.bytes > BYTES_LIMIT && state.entries.len() > 1)
        {
            let oldest = state.entries.pop_front().expect("not empty");
            state.bytes -= oldest.bytes();
            state.dropped_through = oldest.id();
        }
        drop(state);
        if self.recorded.receiver_count() > 0 {
            self.recorded.send_replace(());
        }
    }

    /// A live reader, placed after the last entry recorded.
    pub fn follow(&self) -> Follower {
        // Subscribed under the lock: an entry recorded after `seen` is always told.
        let state = self.lock();
        Follower {
            seen: state.last_id,
            recorded: self.recorded.subscribe(),
        }
    }

    /// What `follower` is handed next of `world`'s entries, if anything was recorded since.
    pub fn next(&self, follower: &mut Follower, world: Worlds<'_>) -> Option<Next> {
        let state = self.lock();
        if follower.seen < state.dropped_through {
            let missed = state.dropped_through - follower.seen;
            follower.seen = state.dropped_through;
            return Some(Next::Missed(missed));
        }
        let from = state.entries.partition_point(|e| e.id() <= follower.seen);
        let found = state.entries.range(from..).find(|e| world.holds(e));
        match found {
            Some(entry) => {
                follower.seen = entry.id();
                let mut json = Vec::new();
                serde_json::to_writer(&mut json, &entry.entry()).expect("entries serialize");
                Some(Next::Entry(json))
            }
            None => {
                follower.seen = state.last_id;
                None
            }
        }
    }

    /// The entries of `world` (of one function if given) from `from`, at most `limit` of them,
    /// oldest first, as `/_fake/requests` answers: `{"count", "requests", "next"}` in JSON, the
    /// entries rendered one by one into it until it holds `PAGE_BYTES`. `count` is how many
    /// entries of the world (and function) the journal holds in all; `next`, when there is more
    /// after the page, is the `after=` that reads on.
    pub fn page(
        &self,
        world: Worlds<'_>,
        function: Option<&str>,
        from: Start,
        limit: usize,
    ) -> Vec<u8> {
        let state = self.lock();
        let held = |e: &&Kept| world.holds(e) && function.is_none_or(|f| e.function() == f);
        let mut requests = Vec::new();
        let mut shown = 0;
        let mut count = 0;
        let mut more = false;
        let mut last_seq = 0;
        let mut add = |entry: &Kept, requests: &mut Vec<u8>| {
            if shown >= limit || requests.len() >= PAGE_BYTES {
                return false;
            }
            if shown > 0 {
                requests.push(b',');
            }
            serde_json::to_writer(&mut *requests, &entry.entry()).expect("entries serialize");
            shown += 1;
            last_seq = entry.seq();
            true
        };
        match from {
            Start::After(after) => {
                for entry in state.entries.iter().filter(held) {
                    count += 1;
                    if entry.seq() > after && !more && !add(entry, &mut requests) {
                        more = true;
                    }
                }
            }
            Start::Tail => {
                // Newest first, then turned around: the page ends with the last entry.
                let mut pieces = Vec::new();
                for entry in state.entries.iter().rev().filter(held) {
                    count += 1;
                    let before = requests.len();
                    if !more && add(entry, &mut requests) {
                        pieces.push(before..requests.len());
                    } else {
                        more = true;
                    }
                }
                requests = reversed(&requests, &pieces);
            }
        }
        drop(state);
        let mut page = Vec::with_capacity(requests.len() + 64);
        page.extend_from_slice(b"{\"count\":");
        page.extend_from_slice(itoa::Buffer::new().format(count).as_bytes());
        page.extend_from_slice(b",\"requests\":[");
        page.extend_from_slice(&requests);
        page.push(b']');
        if more && matches!(from, Start::After(_)) {
            page.extend_from_slice(b",\"next\":");
            page.extend_from_slice(itoa::Buffer::new().format(last_seq).as_bytes());
        }
        page.push(b'}');
        page
    }

    /// The entries of `world` (of one function if given) after sequence number `after`, at most
    /// `limit` of them, oldest first: for Rust tests, which read the journal in process.
    pub fn entries(
        &self,
        world: Worlds<'_>,
        function: Option<&str>,
        after: u64,
        limit: usize,
    ) -> Vec<Entry> {
        let state = self.lock();
        state
            .entries
            .iter()
            .filter(|e| world.holds(e) && function.is_none_or(|f| e.function() == f))
            .filter(|e| e.seq() > after)
            .take(limit)
            .map(Kept::entry)
            .collect()
    }

    /// Forgets world `namespace`'s entries (a reset, a namespace dropped).
    pub fn forget(&self, namespace: Option<&str>) {
        let mut state = self.lock();
        let JournalState { bytes, entries, .. } = &mut *state;
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

/// The comma-separated JSON values of `rendered` (whose byte ranges are `pieces`, in the order
/// rendered) in the opposite order.
fn reversed(rendered: &[u8], pieces: &[std::ops::Range<usize>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rendered.len());
    for (i, piece) in pieces.iter().rev().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Each piece after the first begins with the comma that separated it.
        let value = &rendered[piece.clone()];
        out.extend_from_slice(value.strip_prefix(b",").unwrap_or(value));
    }
    out
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

/// Now by the wall clock, in milliseconds since 1970: when an entry arrived.
pub(super) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::fake::{REDACTED, RawParams};
    use crate::workbench::entry::PARAMS_LIMIT;

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
        journal.record(&CallRecord {
            namespace: namespace.as_ref(),
            seq,
            time: 0,
            received_ms: 0,
            function,
            method: "GET".into(),
            params,
            code: "200",
            fault: None,
            took_us: 0,
            answer: answer.map(str::as_bytes),
            diagnostics: &[],
        });
    }

    fn page(
        journal: &Journal,
        world: Worlds<'_>,
        function: Option<&str>,
        from: Start,
        limit: usize,
    ) -> serde_json::Value {
        serde_json::from_slice(&journal.page(world, function, from, limit)).expect("a page is JSON")
    }

    fn seqs(page: &serde_json::Value) -> Vec<u64> {
        page["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_u64().unwrap())
            .collect()
    }

    #[test]
    fn passwords_are_redacted_before_they_are_stored() {
        let journal = Journal::default();
        let params = RawParams::parse("auth_username=user;auth_password=secret", None);
        record(&journal, None, 1, "cards/list", &params, None);
        let entries = journal.entries(Worlds::One(None), None, 0, 10);
        assert_eq!(
            entries[0].params.pairs().nth(1),
            Some(("auth_password", REDACTED))
        );
        let page = journal.page(Worlds::One(None), None, Start::After(0), 10);
        assert!(!String::from_utf8_lossy(&page).contains("secret"));
    }

    /// Issue 12, item 9: a megabyte of `a&a&…` is half a million parameters, which cost more
    /// kept than their text (a flags byte and two lengths each). The budget counts what is
    /// kept, across every world; since issue 28 an entry keeps `PARAMS_LIMIT` bytes of them.
    #[test]
    fn the_budget_counts_real_bytes_across_every_world() {
        let journal = Journal::default();
        let body = "a&".repeat(512 * 1024);
        let params = RawParams::parse("", Some(body.as_bytes()));
        for i in 0..2000u64 {
            let world = ["a", "b"][usize::try_from(i % 2).unwrap()];
            record(&journal, Some(world), i + 1, "cards/list", &params, None);
        }
        assert!(
            journal.bytes() <= BYTES_LIMIT,
            "{} bytes held",
            journal.bytes()
        );
        let each = journal.bytes() / journal.count();
        assert!(
            each >= PARAMS_LIMIT - 8,
            "{each} bytes counted for {PARAMS_LIMIT} bytes of pairs kept"
        );
        assert!(
            journal.count() < 2000,
            "entries of 64 KiB each all kept under a 64 MiB budget"
        );
        let b = journal.entries(Worlds::One(Some("b")), None, 0, usize::MAX);
        assert_eq!(b.last().map(|e| e.seq), Some(2000));
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
        let b = page(&journal, Worlds::One(None), Some("b"), Start::After(0), 2);
        assert_eq!(b["count"], 3);
        assert_eq!(seqs(&b), [1, 3]);
        assert_eq!(b["next"], 3);
        let rest = page(&journal, Worlds::One(None), Some("b"), Start::After(3), 2);
        assert_eq!(seqs(&rest), [5]);
        assert!(rest.get("next").is_none());
        let tail = page(&journal, Worlds::Every, Some("b"), Start::Tail, 2);
        assert_eq!(tail["count"], 6);
        let last: Vec<_> = tail["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["namespace"].as_str(), e["seq"].as_u64().unwrap()))
            .collect();
        assert_eq!(last, [(None, 5), (Some("other"), 5)]);
        journal.forget(None);
        assert_eq!(
            page(&journal, Worlds::One(None), None, Start::After(0), 10)["count"],
            0
        );
        assert_eq!(
            page(
                &journal,
                Worlds::One(Some("other")),
                None,
                Start::After(0),
                10
            )["count"],
            5
        );
    }

    /// Issue 28, item 2: a page stops growing at `PAGE_BYTES`, whatever `limit` allows, and
    /// `next` reads on from where it stopped; so does the tail, which then ends with the newest.
    #[test]
    fn a_page_is_bounded_in_bytes_and_next_reads_on() {
        let journal = Journal::default();
        let body = "a&".repeat(512 * 1024);
        let big = RawParams::parse("", Some(body.as_bytes()));
        for seq in 1..=40 {
            record(&journal, None, seq, "cards/list", &big, Some("{}"));
        }
        let first = journal.page(Worlds::One(None), None, Start::After(0), PAGE_LIMIT);
        assert!(
            first.len() < PAGE_BYTES + 2 * PARAMS_LIMIT * 3,
            "{} bytes",
            first.len()
        );
        let first: serde_json::Value = serde_json::from_slice(&first).unwrap();
        let shown = seqs(&first);
        assert!(shown.len() < 40 && !shown.is_empty(), "{shown:?}");
        assert_eq!(first["count"], 40);
        assert_eq!(first["next"], shown.last().copied().unwrap());
        let mut read = shown;
        let mut next = first["next"].as_u64();
        while let Some(after) = next {
            let more = page(
                &journal,
                Worlds::One(None),
                None,
                Start::After(after),
                PAGE_LIMIT,
            );
            read.extend(seqs(&more));
            next = more["next"].as_u64();
        }
        assert_eq!(read, (1..=40).collect::<Vec<_>>());
        let tail = page(&journal, Worlds::Every, None, Start::Tail, PAGE_LIMIT);
        let tail = seqs(&tail);
        assert!(tail.len() < 40);
        assert_eq!(tail.last(), Some(&40));
        assert!(tail.windows(2).all(|w| w[0] + 1 == w[1]), "{tail:?}");
    }

    #[test]
    fn the_oldest_entries_go_first_past_the_limit() {
        let journal = Journal::default();
        let none = RawParams::default();
        for seq in 1..=(LIMIT as u64 + 3) {
            record(&journal, None, seq, "cards/list", &none, None);
        }
        assert_eq!(journal.count(), LIMIT);
        let first = journal.entries(Worlds::Every, None, 0, 1);
        assert_eq!(first[0].seq, 4);
    }

    #[test]
    fn a_follower_is_handed_each_entry_of_its_world_once_redacted() {
        let journal = Journal::default();
        let none = RawParams::default();
        record(&journal, None, 1, "cards/list", &none, None);
        let mut follower = journal.follow();
        assert_eq!(
            journal.next(&mut follower, Worlds::Every),
            None,
            "only what comes after"
        );
        let params = RawParams::parse("auth_password=secret;id=1", None);
        record(&journal, Some("other"), 1, "cards/list", &params, None);
        record(&journal, None, 2, "cards/list", &params, None);
        let Some(Next::Entry(json)) = journal.next(&mut follower, Worlds::One(None)) else {
            panic!("the default world's entry");
        };
        let entry: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(entry["seq"], 2);
        assert_eq!(
            entry["params"][0],
            serde_json::json!(["auth_password", REDACTED])
        );
        assert_eq!(
            journal.next(&mut follower, Worlds::One(None)),
            None,
            "heard once"
        );
    }

    /// Issue 28, item 1: a follower that does not ask holds nothing; once its next entries are
    /// dropped it is told how many it missed, and goes on from the oldest kept.
    #[test]
    fn a_follower_that_falls_behind_the_bounds_is_told_what_it_missed() {
        let journal = Journal::default();
        let none = RawParams::default();
        let mut follower = journal.follow();
        for seq in 1..=(LIMIT as u64 + 10) {
            record(&journal, None, seq, "cards/list", &none, None);
        }
        assert_eq!(
            journal.next(&mut follower, Worlds::Every),
            Some(Next::Missed(10))
        );
        let Some(Next::Entry(json)) = journal.next(&mut follower, Worlds::Every) else {
            panic!("the oldest kept entry");
        };
        let entry: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(entry["seq"], 11);
    }

    #[test]
    fn tokens_sent_and_issued_are_redacted() {
        let journal = Journal::default();
        let answer = r#"{"responses":[],"data":{"id":1,"auth_token":"eyJ.secret.sig","auth_token_expiry":60}}"#;
        let params = RawParams::parse("auth_token=eyJ.sent.sig;token=1", None);
        record(&journal, None, 1, "user/login", &params, Some(answer));
        let entries = journal.entries(Worlds::Every, None, 0, 10);
        let kept = &entries[0];
        assert_eq!(kept.params.get("auth_token"), Some(REDACTED));
        let text = String::from_utf8(kept.answer.as_ref().unwrap().to_vec()).unwrap();
        assert_eq!(
            text,
            r#"{"responses":[],"data":{"id":1,"auth_token":"[redacted]","auth_token_expiry":60}}"#
        );
    }
}
