//! The spec files exactly as written: serde shapes that refuse unknown fields, with the source
//! location of every value a cross-check may need to point at. Nothing here is checked beyond
//! its YAML shape; `load` turns these into the typed model or into located errors.

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::spec::value::ParamType;
use crate::spec::{
    Access, ConstraintRule, Context, DataForm, FormatName, FunctionKind, Provenance, ResourceKind,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFunction {
    pub function: Spanned<String>,
    pub kind: FunctionKind,
    pub summary: String,
    pub authentication: String,
    pub privilege: String,
    pub access: RawAccess,
    pub parameters: Vec<RawParam>,
    #[serde(default)]
    pub constraints: Vec<Spanned<RawConstraint>>,
    pub responses: Vec<Spanned<RawResponse>>,
    pub data: Spanned<RawData>,
    #[serde(default)]
    pub examples: Vec<RawExample>,
    pub history: Vec<RawChange>,
    #[serde(default)]
    pub observed: Option<crate::spec::Observed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAccess {
    pub level: Access,
    pub provenance: Provenance,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawParam {
    pub name: Spanned<String>,
    #[serde(rename = "type")]
    pub ty: ParamType,
    pub description: String,
    pub required: bool,
    /// The vendor's Required cell when it says more than Yes or No ("Yes, unless sound is set.").
    pub required_cell: Option<String>,
    pub default: Option<Spanned<RawDefault>>,
    pub allowed: Option<Spanned<RawAllowed>>,
    pub range: Option<Spanned<RawRange>>,
    pub places: Option<Spanned<RawPlaces>>,
    pub format: Option<RawFormat>,
    pub refers_to: Option<Spanned<RawRefersTo>>,
}

/// Exactly one of `literal`, `group_field`, `current_value` or `context`; `load` checks that.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDefault {
    pub literal: Option<String>,
    pub group_field: Option<String>,
    pub current_value: Option<bool>,
    pub context: Option<Context>,
    /// The vendor's Default cell verbatim, where it differs from how the value prints
    /// (`Empty string.`, `"random"`, `Default.`).
    pub cell: Option<String>,
    pub provenance: Provenance,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAllowed {
    pub values: Vec<String>,
    pub provenance: Provenance,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRange {
    pub min: Option<String>,
    pub max: Option<String>,
    pub provenance: Provenance,
}

/// The most decimal places a Decimal takes, when fewer than D12's four.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlaces {
    pub max: u32,
    pub provenance: Provenance,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFormat {
    pub name: FormatName,
    pub provenance: Provenance,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRefersTo {
    pub resource: ResourceKind,
    pub missing: u16,
    pub provenance: Provenance,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConstraint {
    pub rule: ConstraintRule,
    pub params: Vec<String>,
    #[serde(default)]
    pub group_bounds: Vec<String>,
    pub key: String,
    pub description: String,
    pub provenance: Provenance,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawResponse {
    pub code: u16,
    pub description: String,
    /// Rows on the vendor's page are documented; a code the fake adds says `inferred`.
    #[serde(default = "documented")]
    pub provenance: Provenance,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawData {
    pub description: String,
    pub shape: RawShape,
    pub fields_provenance: Option<Provenance>,
    #[serde(default)]
    pub fields: Vec<RawField>,
    #[serde(default)]
    pub variants: Vec<RawVariant>,
}

/// Another shape `data` takes when the request asks for it (`cards/list` with `count=1`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVariant {
    /// `name=value`: the parameter and value that ask for it.
    pub when: String,
    pub description: String,
    pub provenance: Provenance,
    pub fields: Vec<RawField>,
    /// Parameters this variant's answer has no use for (`sort` when only a count is answered).
    #[serde(default)]
    pub ignores: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawShape {
    pub form: DataForm,
    pub provenance: Provenance,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawField {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ParamType,
    pub description: String,
    #[serde(default)]
    pub optional: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExample {
    pub title: String,
    pub request: String,
    pub response: String,
    pub note: Option<String>,
    pub answer_code: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChange {
    pub version: String,
    pub changes: String,
}

fn documented() -> Provenance {
    Provenance::Documented
}
