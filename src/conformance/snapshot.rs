//! The reviewed expectations: one JSON file per case under `fixtures/snapshots/`, named by the
//! case id (`cards/batches/create/missing/cardgroup.json`). A changed or new answer goes to a
//! `.json.new` file beside it, never over the reviewed one unless asked; `accept` promotes them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::conformance::case::matches;
use crate::conformance::target::WireAnswer;
use crate::spec::Provenance;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Snapshot {
    pub case: String,
    pub rule: String,
    pub provenance: Provenance,
    pub steps: Vec<Recorded>,
}

/// One step's request, as written, and its normalized answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Recorded {
    pub request: String,
    pub code: String,
    pub key: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Json>,
}

impl Snapshot {
    pub(super) fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("snapshots serialize");
        text.push('\n');
        text
    }

    /// Whether `actual` answers as this snapshot says: code, key and data exactly; the message
    /// only when `strict` (the vendor's wording is unknown).
    pub(super) fn matches(&self, actual: &Snapshot, strict: bool) -> bool {
        self.steps.len() == actual.steps.len()
            && self.steps.iter().zip(&actual.steps).all(|(want, got)| {
                want.request == got.request
                    && want.code == got.code
                    && want.key == got.key
                    && want.data == got.data
                    && (!strict || want.message == got.message)
            })
    }
}

/// Where the snapshot of `case_id` lives under `dir`.
pub(super) fn path(dir: &Path, case_id: &str) -> PathBuf {
    dir.join(format!("{case_id}.json"))
}

/// The pending file beside a snapshot.
pub(super) fn pending(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

pub(super) fn write(path: &Path, snapshot: &Snapshot) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, snapshot.to_text())
}

/// Renames each `*.json.new` below `dir` whose case id matches `filter` (every one without a
/// filter) over its snapshot, unless `dry_run`; returns the snapshots accepted (or that would be),
/// sorted.
pub fn accept(dir: &Path, filter: Option<&str>, dry_run: bool) -> std::io::Result<Vec<PathBuf>> {
    let mut pending = Vec::new();
    find_pending(dir, &mut pending)?;
    pending.sort();
    let mut accepted = Vec::new();
    for (new, snapshot) in pending {
        let id = snapshot
            .strip_prefix(dir)
            .ok()
            .and_then(|relative| relative.to_str())
            .and_then(|relative| relative.strip_suffix(".json"));
        if filter.is_some_and(|pattern| !id.is_some_and(|id| matches(pattern, id))) {
            continue;
        }
        if !dry_run {
            std::fs::rename(&new, &snapshot)?;
        }
        accepted.push(snapshot);
    }
    Ok(accepted)
}

/// Every (`.json.new`, snapshot it would replace) below `dir`.
fn find_pending(dir: &Path, pending: &mut Vec<(PathBuf, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            find_pending(&path, pending)?;
        } else if let Some(target) = path.to_str().and_then(|p| p.strip_suffix(".new")) {
            let target = PathBuf::from(target);
            pending.push((path, target));
        }
    }
    Ok(())
}

/// A unified diff from `expected` to `actual`, both as their JSON text.
pub(super) fn diff(expected: Option<&Snapshot>, actual: &Snapshot) -> String {
    let old = expected.map(Snapshot::to_text).unwrap_or_default();
    let new = actual.to_text();
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

/// A line for each step of a multi-step case whose answer differs from its snapshot, saying
/// which step (and, where the case names it, the call it stands for: `call 4: GET cards/list`)
/// and what differs, so a long diff still points at the request it concerns.
pub(super) fn differing_steps(
    expected: &Snapshot,
    actual: &Snapshot,
    labels: &[Option<&str>],
    strict: bool,
) -> String {
    let count = expected.steps.len().max(actual.steps.len());
    if count < 2 {
        return String::new();
    }
    let mut lines = String::new();
    for at in 0..count {
        let label = match labels.get(at).copied().flatten() {
            Some(label) => format!(" ({label})"),
            None => String::new(),
        };
        let what = match (expected.steps.get(at), actual.steps.get(at)) {
            (Some(want), Some(got)) => {
                let mut parts = Vec::new();
                let mut part = |field: &str, want: &str, got: &str| {
                    if want != got {
                        parts.push(format!("{field} {want:?} → {got:?}"));
                    }
                };
                part("request", &want.request, &got.request);
                part("code", &want.code, &got.code);
                part("key", &want.key, &got.key);
                if strict {
                    part("message", &want.message, &got.message);
                }
                if want.data != got.data {
                    parts.push("data".into());
                }
                parts.join(", ")
            }
            (Some(_), None) => "not sent".into(),
            (None, _) => "sent, but the snapshot has no such step".into(),
        };
        if !what.is_empty() {
            lines.push_str(&format!(
                "step {} of {count}{label} differs: {what}\n",
                at + 1
            ));
        }
    }
    lines
}

/// The envelope's parts, as strings however the target wrote them, and the raw `data`.
pub(crate) fn record(request: String, answer: &WireAnswer) -> (Recorded, Option<Json>) {
    let not_an_envelope = |why: &str| Recorded {
        request: request.clone(),
        code: format!("HTTP {}", answer.status),
        key: String::new(),
        message: format!(
            "{why}: {}",
            answer.body.chars().take(200).collect::<String>()
        ),
        data: None,
    };
    let Ok(json) = serde_json::from_str::<Json>(&answer.body) else {
        return (not_an_envelope("not JSON"), None);
    };
    let Some([item]) = json
        .get("responses")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
    else {
        return (not_an_envelope("not one element in responses"), None);
    };
    // A code sent as a JSON number must not pass for the string the vendor sends.
    let text = |field: &str| match &item[field] {
        Json::String(s) => s.clone(),
        Json::Null => "(missing)".to_owned(),
        other => format!("{other} (not a string)"),
    };
    let mut code = text("code");
    if answer.status != 200 {
        code = format!("{code} (HTTP {})", answer.status);
    }
    let data = json.get("data").cloned();
    let recorded = Recorded {
        request,
        code,
        key: text("key"),
        message: text("message"),
        data: data.clone(),
    };
    (recorded, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_numeric_code_or_a_bare_page_is_recorded_as_what_it_is() {
        let answer = WireAnswer {
            status: 200,
            body: r#"{"responses":[{"code":204,"key":"","message":"OK"}]}"#.into(),
        };
        assert_eq!(record(String::new(), &answer).0.code, "204 (not a string)");
        let page = WireAnswer {
            status: 404,
            body: "<html>Not Found</html>".into(),
        };
        assert_eq!(record(String::new(), &page).0.code, "HTTP 404");
    }
}
