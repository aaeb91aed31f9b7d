//! Hand-written, multi-step cases: `fixtures/scenarios/*.yaml`, one scenario a file. Each step
//! is a request; a step may capture a field of its answer's `data` for later steps, and may ask
//! for a field to be normalized its own way (a sequence, say).

use serde::Deserialize;

use crate::conformance::case::{Case, Step};
use crate::spec::Provenance;
use crate::spec::yaml::{FileError, FileErrors};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    /// Short, stable; the case id is `scenario/<id>`.
    id: String,
    rule: String,
    provenance: Provenance,
    #[serde(default)]
    read_only: bool,
    steps: Vec<Step>,
}

pub(super) fn load(file: &str, text: &str) -> Result<Case, FileErrors> {
    let raw: RawScenario = crate::spec::yaml::parse(file, text).map_err(|e| FileErrors(vec![e]))?;
    let Some(first) = raw.steps.first() else {
        return Err(FileErrors(vec![FileError {
            file: file.to_owned(),
            line: 0,
            column: 0,
            field: "steps".into(),
            message: "a scenario needs at least one step".into(),
        }]));
    };
    Ok(Case {
        id: format!("scenario/{}", raw.id),
        function: first.function.clone(),
        rule: raw.rule,
        provenance: raw.provenance,
        read_only: raw.read_only,
        steps: raw.steps,
    })
}
