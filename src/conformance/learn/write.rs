//! What `learn` observed, written: a spec of its own beside the one probed (every probed rule
//! marked `observed`, ready for `serve --spec`), and `learned.jsonl`, a line per finding and a
//! summary.

use std::path::Path;

use serde_json::json;

use super::{Agreement, Learned, Observations};
use crate::spec::{Spec, SpecText};

/// Why the observed spec could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Spec(#[from] crate::spec::yaml::FileErrors),
    #[error(transparent)]
    Edit(#[from] crate::spec::EditError),
    #[error("{file}: {error}")]
    Io { file: String, error: std::io::Error },
}

/// Writes under `out` every file of the spec (from `spec_dir`, or the embedded one) with what
/// `learned` observed: each probed rule as observed, marked `observed`, and the function's
/// `observed: {target, date}`; and `learned.jsonl`, a line per finding and a summary line.
pub fn write(
    spec_dir: Option<&Path>,
    learned: &Learned,
    out: &Path,
    target: &str,
    date: &str,
) -> Result<(), WriteError> {
    let io = |file: &Path| {
        let file = file.display().to_string();
        move |error| WriteError::Io { file, error }
    };
    let spec = match spec_dir {
        Some(dir) => Spec::from_dir(dir)?,
        None => Spec::embedded()?,
    };
    for (relative, text) in Spec::texts(spec_dir)? {
        let function = spec
            .functions()
            .iter()
            .find(|f| f.source.ends_with(&relative));
        let observed = function.and_then(|f| learned.observations.get(&f.path));
        let text = match observed {
            Some(observed) if !observed.is_empty() => {
                edited(&relative, &text, observed, target, date)?
            }
            _ => text,
        };
        let path = out.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    let mut lines = String::new();
    for finding in &learned.findings {
        lines.push_str(&serde_json::to_string(finding).expect("findings serialize"));
        lines.push('\n');
    }
    let summary = json!({ "summary": {
        "target": target,
        "date": date,
        "confirmed": learned.count(Agreement::Confirmed),
        "contradicted": learned.count(Agreement::Contradicted),
        "unknown": learned.count(Agreement::Unknown),
        "inferred": {
            "confirmed": learned.count_inferred(Agreement::Confirmed),
            "contradicted": learned.count_inferred(Agreement::Contradicted),
            "unknown": learned.count_inferred(Agreement::Unknown),
        },
        "requests": learned.requests,
        "seconds": (learned.elapsed.as_secs_f64() * 10.0).round() / 10.0,
    }});
    lines.push_str(&summary.to_string());
    lines.push('\n');
    let jsonl = out.join("learned.jsonl");
    std::fs::write(&jsonl, lines).map_err(io(&jsonl))
}

impl Observations {
    fn is_empty(&self) -> bool {
        self == &Observations::default()
    }
}

/// One spec file's text with `observed` written in.
fn edited(
    file: &str,
    text: &str,
    observed: &Observations,
    target: &str,
    date: &str,
) -> Result<String, WriteError> {
    let mut spec = SpecText::parse(file, text)?;
    let quote = |v: &str| serde_json::to_string(v).expect("strings serialize");
    for (name, required) in &observed.required {
        spec.set_rule(file, name, "required", Some(&required.to_string()))?;
    }
    for (name, (min, max)) in &observed.range {
        let mut parts = Vec::new();
        if let Some(min) = min {
            parts.push(format!("min: {}", quote(min)));
        }
        if let Some(max) = max {
            parts.push(format!("max: {}", quote(max)));
        }
        let line =
            (!parts.is_empty()).then(|| format!("{{{}, provenance: observed}}", parts.join(", ")));
        spec.set_rule(file, name, "range", line.as_deref())?;
    }
    for (name, values) in &observed.allowed {
        let values: Vec<String> = values.iter().map(|v| quote(v)).collect();
        let line = format!("{{values: [{}], provenance: observed}}", values.join(", "));
        spec.set_rule(file, name, "allowed", Some(&line))?;
    }
    for (name, places) in &observed.places {
        let line = format!("{{max: {places}, provenance: observed}}");
        spec.set_rule(file, name, "places", Some(&line))?;
    }
    for (name, format) in &observed.format {
        let format = serde_json::to_value(format).expect("formats serialize");
        let line = format!(
            "{{name: {}, provenance: observed}}",
            format.as_str().unwrap_or_default()
        );
        spec.set_rule(file, name, "format", Some(&line))?;
    }
    if let Some(order) = &observed.order {
        spec.order(order);
    }
    spec.set_top(
        "observed",
        &format!("{{target: {}, date: {}}}", quote(target), quote(date)),
    );
    Ok(spec.text())
}
