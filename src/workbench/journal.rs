//! The request journal: what each API call sent and what it was answered, so a test can assert
//! what its client did. `auth_password` is redacted before anything is stored. Bounded: the
//! oldest entries go first once `LIMIT` entries or `BYTES_LIMIT` bytes of parameters are held,
//! so clients sending megabyte bodies cannot make the fake hold gigabytes.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

use crate::fake::RawParams;

/// The most entries kept.
pub(super) const LIMIT: usize = 10_000;

/// The most bytes of parameters kept, across entries.
pub(super) const BYTES_LIMIT: usize = 32 * 1024 * 1024;

/// Replaces every `auth_password` value.
pub(super) const REDACTED: &str = "[redacted]";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// 1 for the first request since start or reset.
    pub seq: u64,
    /// Seconds since 1970; shown as `YYYY-MM-DD HH:MM:SS`, formatted only when the journal is read.
    #[serde(serialize_with = "as_utc")]
    pub time: i64,
    /// The function path asked for (`cards/groups/update`), as sent.
    pub function: String,
    pub method: String,
    /// Every parameter in the order sent, repeats included.
    pub params: RawParams,
    /// The envelope's code, or what a fault did instead of answering.
    pub code: String,
    /// The injected fault that fired, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

#[derive(Debug, Default)]
pub struct Journal {
    inner: Mutex<JournalState>,
}

#[derive(Debug, Default)]
struct JournalState {
    /// Entries ever recorded since start or reset: the next `seq` is one more.
    count: u64,
    /// The bytes of parameters `entries` holds.
    bytes: usize,
    entries: VecDeque<Entry>,
}

impl Journal {
    /// Stores one call; takes the parameters by value, redacting the password in place.
    pub fn record(
        &self,
        time: i64,
        function: &str,
        method: &str,
        mut params: RawParams,
        code: String,
        fault: Option<&str>,
    ) {
        params.redact("auth_password", REDACTED);
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.count += 1;
        inner.bytes += params.text_len();
        while inner.entries.len() >= LIMIT
            || (inner.bytes > BYTES_LIMIT && !inner.entries.is_empty())
        {
            let oldest = inner.entries.pop_front().expect("not empty");
            inner.bytes -= oldest.params.text_len();
        }
        let seq = inner.count;
        inner.entries.push_back(Entry {
            seq,
            time,
            function: function.to_owned(),
            method: method.to_owned(),
            params,
            code,
            fault: fault.map(str::to_owned),
        });
    }

    /// The entries, oldest first, of one function if `function` is given.
    pub fn entries(&self, function: Option<&str>) -> Vec<Entry> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .entries
            .iter()
            .filter(|e| function.is_none_or(|f| e.function == f))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        *self.inner.lock().unwrap_or_else(|p| p.into_inner()) = JournalState::default();
    }
}

fn as_utc<S: serde::Serializer>(seconds: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&crate::fake::format_utc(*seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_before_they_are_stored() {
        let journal = Journal::default();
        let params = RawParams::parse("auth_username=user;auth_password=secret", None);
        journal.record(0, "cards/list", "GET", params, "200".into(), None);
        let entries = journal.entries(None);
        assert_eq!(
            entries[0].params.pairs().nth(1),
            Some(("auth_password", REDACTED))
        );
        assert!(!format!("{entries:?}").contains("secret"));
    }

    #[test]
    fn the_oldest_entries_go_once_the_bytes_are_spent() {
        let journal = Journal::default();
        let big = format!("name={}", "x".repeat(BYTES_LIMIT / 4));
        for _ in 0..10 {
            let params = RawParams::parse(&big, None);
            journal.record(0, "a", "GET", params, "200".into(), None);
        }
        let entries = journal.entries(None);
        let held: usize = entries.iter().map(|e| e.params.text_len()).sum();
        assert!(held <= BYTES_LIMIT, "{held} bytes held");
        assert_eq!(entries.len(), 3);
        assert_eq!(entries.last().map(|e| e.seq), Some(10));
    }

    #[test]
    fn entries_filter_by_function_and_number_from_one() {
        let journal = Journal::default();
        journal.record(0, "a", "GET", RawParams::default(), "200".into(), None);
        journal.record(0, "b", "GET", RawParams::default(), "200".into(), None);
        let b = journal.entries(Some("b"));
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].seq, 2);
    }
}
