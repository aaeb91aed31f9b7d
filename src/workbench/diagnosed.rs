//! A world's diagnostics, counted: what `GET /_fake/diagnostics` answers. Each distinct
//! diagnostic (function, kind, parameter, sentence) is one row with how often it came and the
//! sequence number of the last call that raised it (to find in the journal); the counts per
//! function and kind are summed from the rows. The rows outlive the journal's bounds, so a
//! typo in one request of a long run is still counted at its end; a reset forgets them.
//!
//! Bounded: past `MAX_ROWS` distinct rows (a client that makes names up), further ones are only
//! counted in `not_listed`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::fake::{Diagnostic, DiagnosticKind};

/// The most distinct diagnostics one world lists.
pub(super) const MAX_ROWS: usize = 1000;

#[derive(Debug, Default)]
pub(super) struct Tally {
    /// By function, kind, parameter and sentence.
    rows: BTreeMap<(String, DiagnosticKind, String, String), Row>,
    /// Calls that raised at least one diagnostic.
    calls: u64,
    /// Diagnostics not listed because `MAX_ROWS` rows were listed already.
    not_listed: u64,
}

#[derive(Debug)]
struct Row {
    suggestion: Option<String>,
    count: u64,
    last_seq: u64,
}

/// The answer of `GET /_fake/diagnostics`.
#[derive(Debug, Serialize)]
pub(super) struct Listed<'a> {
    strict_client: bool,
    calls: u64,
    counts: Vec<Count<'a>>,
    diagnostics: Vec<Listing<'a>>,
    not_listed: u64,
}

#[derive(Debug, Serialize)]
struct Count<'a> {
    function: &'a str,
    kind: DiagnosticKind,
    count: u64,
}

#[derive(Debug, Serialize)]
struct Listing<'a> {
    function: &'a str,
    kind: DiagnosticKind,
    param: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<&'a str>,
    count: u64,
    last_seq: u64,
}

impl Tally {
    /// Counts the diagnostics of one call of `function`, the world's request `seq`.
    pub(super) fn add(&mut self, function: &str, seq: u64, diagnostics: &[Diagnostic]) {
        if diagnostics.is_empty() {
            return;
        }
        self.calls += 1;
        for d in diagnostics {
            let key = (
                function.to_owned(),
                d.kind,
                d.param.clone(),
                d.message.clone(),
            );
            let full = self.rows.len() >= MAX_ROWS;
            match self.rows.get_mut(&key) {
                Some(row) => {
                    row.count += 1;
                    row.last_seq = seq;
                }
                None if full => self.not_listed += 1,
                None => {
                    let row = Row {
                        suggestion: d.suggestion.clone(),
                        count: 1,
                        last_seq: seq,
                    };
                    self.rows.insert(key, row);
                }
            }
        }
    }

    /// What `GET /_fake/diagnostics` shows: counts per function and kind, then every row.
    pub(super) fn listed(&self, strict_client: bool) -> Listed<'_> {
        let mut counts: BTreeMap<(&str, DiagnosticKind), u64> = BTreeMap::new();
        for ((function, kind, ..), row) in &self.rows {
            *counts.entry((function, *kind)).or_default() += row.count;
        }
        Listed {
            strict_client,
            calls: self.calls,
            counts: counts
                .into_iter()
                .map(|((function, kind), count)| Count {
                    function,
                    kind,
                    count,
                })
                .collect(),
            diagnostics: self
                .rows
                .iter()
                .map(|((function, kind, param, message), row)| Listing {
                    function,
                    kind: *kind,
                    param,
                    message,
                    suggestion: row.suggestion.as_deref(),
                    count: row.count,
                    last_seq: row.last_seq,
                })
                .collect(),
            not_listed: self.not_listed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(param: &str) -> Diagnostic {
        Diagnostic {
            kind: DiagnosticKind::Unknown,
            param: param.to_owned(),
            message: format!("{param} is not a parameter."),
            suggestion: None,
        }
    }

    #[test]
    fn rows_count_repeats_and_counts_sum_per_function_and_kind() {
        let mut tally = Tally::default();
        tally.add("cards/list", 1, &[unknown("a"), unknown("b")]);
        tally.add("cards/list", 2, &[unknown("a")]);
        tally.add("cards/update", 3, &[unknown("a")]);
        tally.add("cards/update", 4, &[]);
        let listed = serde_json::to_value(tally.listed(false)).unwrap();
        assert_eq!(listed["calls"], 3);
        assert_eq!(
            listed["counts"],
            serde_json::json!([
                {"function": "cards/list", "kind": "unknown", "count": 3},
                {"function": "cards/update", "kind": "unknown", "count": 1},
            ])
        );
        let first = &listed["diagnostics"][0];
        assert_eq!(
            (first["param"].as_str(), first["count"].as_u64()),
            (Some("a"), Some(2))
        );
        assert_eq!(first["last_seq"], 2);
    }

    #[test]
    fn past_the_bound_diagnostics_are_counted_not_listed() {
        let mut tally = Tally::default();
        for i in 0..MAX_ROWS + 5 {
            tally.add("cards/list", 1, &[unknown(&i.to_string())]);
        }
        let listed = tally.listed(true);
        assert_eq!(listed.diagnostics.len(), MAX_ROWS);
        assert_eq!(listed.not_listed, 5);
        assert!(listed.strict_client);
    }
}
