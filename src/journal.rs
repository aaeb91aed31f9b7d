//! The request journal: what each API call sent and what it was answered, so a test can assert
//! what its client did. `auth_password` is redacted before anything is stored. Bounded: the
//! oldest entries go first once `LIMIT` is reached.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

use crate::params::RawParams;

/// The most entries kept.
pub const LIMIT: usize = 10_000;

/// Replaces every `auth_password` value.
pub const REDACTED: &str = "[redacted]";

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
    entries: Mutex<(u64, VecDeque<Entry>)>,
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
        let mut guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (count, entries) = &mut *guard;
        *count += 1;
        if entries.len() == LIMIT {
            entries.pop_front();
        }
        entries.push_back(Entry {
            seq: *count,
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
        let guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .1
            .iter()
            .filter(|e| function.is_none_or(|f| e.function == f))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        *self.entries.lock().unwrap_or_else(|p| p.into_inner()) = (0, VecDeque::new());
    }
}

fn as_utc<S: serde::Serializer>(seconds: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&crate::clock::format_utc(*seconds))
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
    fn entries_filter_by_function_and_number_from_one() {
        let journal = Journal::default();
        journal.record(0, "a", "GET", RawParams::default(), "200".into(), None);
        journal.record(0, "b", "GET", RawParams::default(), "200".into(), None);
        let b = journal.entries(Some("b"));
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].seq, 2);
    }
}
