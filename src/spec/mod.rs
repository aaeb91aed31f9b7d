//! The machine-readable spec of the Enswitch `cards` functions: the single source of truth that
//! the server validates with, the conformance suite generates cases from, and the exports render.
//!
//! `raw` holds the YAML shapes, `load` reads and cross-checks them into this typed model, `param`
//! owns a parameter and its rules, `value` the three types and the one parser of their text
//! (D12), `yaml` the located errors of our YAML files, `export` the spec rendered for people and
//! tools. It depends on no other face; the fake, the workbench and the runner all read it. Every rule carries its [`Provenance`], so a user can tell what
//! the vendor documents from what this project decided (docs/decisions.md, D1 to D14).

mod edit;
pub mod export;
mod load;
mod param;
mod raw;
pub(crate) mod value;
pub(crate) mod yaml;

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use edit::{EditError, SpecText};
pub use param::{
    Allowed, DefaultSource, DefaultValue, Format, FormatName, MAX_WAV_BYTES, Param, Places, Range,
    RefersTo, ResourceKind, Violation,
};
pub use value::{DECIMAL_PLACES, ParamType, TypeError, Value};
pub use yaml::{FileError, FileErrors};

/// The function whose parameters define the fields of a card group: what "Default for group."
/// defaults refer to, what a group holds and what `cards/groups/get` can show.
pub const GROUP_FIELDS_FROM: &str = "cards/groups/create";

/// The parameters every function opens with, in this order (the loader checks it): who calls.
/// Authentication reads them; validation starts after them.
pub const AUTH_PARAMS: [&str; 2] = ["auth_username", "auth_password"];

/// Every spec file, embedded at build time by `build.rs`: (path below `spec/`, contents).
const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/spec_files.rs"));

/// All functions of the spec, sorted by path.
#[derive(Debug, Clone, Serialize)]
pub struct Spec {
    functions: Vec<Function>,
}

impl Spec {
    /// The spec built into the binary from `spec/`.
    pub fn embedded() -> Result<Spec, FileErrors> {
        let files = EMBEDDED
            .iter()
            .map(|(path, text)| (format!("spec/{path}"), (*text).to_owned()));
        load::from_files(files.collect())
    }

    /// Every `*.yaml` file below `dir`, replacing the embedded spec.
    pub fn from_dir(dir: &Path) -> Result<Spec, FileErrors> {
        load::from_dir(dir)
    }

    /// The text of the spec's files, each with its path below the spec's directory
    /// (`cards/groups/update.yaml`): those below `dir`, or the embedded ones.
    pub fn texts(dir: Option<&Path>) -> Result<Vec<(String, String)>, FileErrors> {
        match dir {
            Some(dir) => load::texts_below(dir),
            None => Ok(EMBEDDED
                .iter()
                .map(|(path, text)| ((*path).to_owned(), (*text).to_owned()))
                .collect()),
        }
    }

    pub fn functions(&self) -> &[Function] {
        &self.functions
    }

    /// For the workbench's mutants, which bend rules of the fake's own copy: `edit` changes a
    /// function, then its parameter index is made again to match.
    pub(crate) fn edit_functions(&mut self, mut edit: impl FnMut(&mut Function)) {
        for function in &mut self.functions {
            edit(function);
            function.reindex();
        }
    }

    /// The function at `path` (`cards/groups/update`), without slashes around it.
    pub fn function(&self, path: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.path == path)
    }
}

/// One function of the API, as its vendor page describes it plus the rules a validator needs.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    /// `category/action`, up to three levels: `cards/groups/update`.
    pub path: String,
    pub kind: FunctionKind,
    pub summary: String,
    /// The vendor's sentence above the parameter table.
    pub authentication: String,
    /// The role and rate plan privilege the function needs (`cards`).
    pub privilege: String,
    pub access: Sourced<Access>,
    /// In the vendor's order, which is also the order validation checks them (D5).
    pub parameters: Vec<Param>,
    pub constraints: Vec<Constraint>,
    pub responses: Vec<Response>,
    pub data: Data,
    pub examples: Vec<Example>,
    pub history: Vec<Change>,
    /// Where and when the rules marked `observed` were learned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<Observed>,
    /// The file the function was read from, for messages.
    #[serde(skip)]
    pub source: String,
    /// Derived from `parameters` by the loader, so a call looks only at the parameters that
    /// matter to it.
    #[serde(skip)]
    index: ParamIndex,
}

/// What a call needs to know about a function's parameters without visiting all of them: most
/// of a function's thirty parameters are neither given, required, defaulted nor references.
#[derive(Debug, Clone, Default)]
pub(crate) struct ParamIndex {
    /// Parameter name to its position in `parameters`, so a request's pairs are matched without
    /// comparing each name with every parameter's.
    by_name: NameIndex,
    /// The positions of the required parameters past authentication, in order.
    required: Vec<usize>,
    /// The positions of the parameters that name a stored object: first those answered 404 when
    /// it is missing, then those answered 400 (D5), each in order.
    references: Vec<usize>,
    /// The positions of the parameters whose default may give a value of its own (not "Current
    /// value.", which stays in the stored group), in order.
    defaulted: Vec<usize>,
}

/// Parameter positions by name. Looked up once per parameter sent, so the hash matters: the
/// keys are the spec's own few-byte names, and a flooding-resistant hash (std's SipHash) cost a
/// tenth of a whole call here for nothing.
pub(crate) type NameIndex = std::collections::HashMap<String, usize, BuildNameHasher>;

pub(crate) type BuildNameHasher = std::hash::BuildHasherDefault<NameHasher>;

/// FNV-1a, 64-bit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameHasher(u64);

impl std::default::Default for NameHasher {
    fn default() -> NameHasher {
        NameHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Function {
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.position(name).map(|i| &self.parameters[i])
    }

    /// The index of parameter `name` in `parameters`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.by_name.get(name).copied()
    }

    /// The positions of the required parameters, authentication's two left out, in order.
    pub(crate) fn required_positions(&self) -> &[usize] {
        &self.index.required
    }

    /// The positions of the parameters that name a stored object, in the order they are
    /// checked: those missing answered with 404 first, then those with 400.
    pub(crate) fn reference_positions(&self) -> &[usize] {
        &self.index.references
    }

    /// The positions of the parameters whose default may give a value, in order.
    pub(crate) fn defaulted_positions(&self) -> &[usize] {
        &self.index.defaulted
    }

    /// Fills the index; the loader calls it once the parameters are final.
    pub(crate) fn index_parameters(mut self) -> Function {
        self.reindex();
        self
    }

    fn reindex(&mut self) {
        let params = || self.parameters.iter().enumerate();
        let past_auth = AUTH_PARAMS.len();
        let refers_with = |code: u16| {
            params()
                .filter(move |(_, p)| {
                    p.refers_to
                        .as_ref()
                        .is_some_and(|r| r.missing.as_u16() == code)
                })
                .map(|(i, _)| i)
        };
        let index = ParamIndex {
            by_name: params().map(|(i, p)| (p.name.clone(), i)).collect(),
            required: params()
                .skip(past_auth)
                .filter(|(_, p)| p.required)
                .map(|(i, _)| i)
                .collect(),
            references: refers_with(404).chain(refers_with(400)).collect(),
            defaulted: params()
                .skip(past_auth)
                .filter(|(_, p)| p.default.as_ref().is_some_and(|d| d.source.gives_value()))
                .map(|(i, _)| i)
                .collect(),
        };
        self.index = index;
    }

    pub fn has_code(&self, code: Code) -> bool {
        self.responses.iter().any(|r| r.code == code)
    }
}

/// Why the suite needs a function: the two core functions are what the fake exists for; set-up
/// and observation functions build and read back state around them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunctionKind {
    Core,
    Setup,
    Observation,
}

/// What a role's privilege level must be to call a function: read-only roles may read (402
/// otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Read,
    Write,
}

/// Whether the vendor states a rule, or this project decided it where the vendor is silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    Documented,
    Inferred,
    /// Learned from a real Enswitch (`enswitch-fake learn`); the function's `observed` says
    /// which and when.
    Observed,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provenance::Documented => "documented",
            Provenance::Inferred => "inferred",
            Provenance::Observed => "observed",
        })
    }
}

/// A value together with where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Sourced<T> {
    pub value: T,
    pub provenance: Provenance,
}

/// A rule over several parameters of one request.
#[derive(Debug, Clone, Serialize)]
pub struct Constraint {
    pub rule: ConstraintRule,
    pub params: Vec<String>,
    /// For `length_within`: the card group's fields holding the least and the most length.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_bounds: Vec<String>,
    /// The parameter a failure names in the answer's `key`.
    pub key: String,
    pub description: String,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintRule {
    /// The first parameter is at most the second, each taking the stored value when not given.
    NotGreater,
    /// The product of the parameters is at most the server's cap on cards per call.
    CardCap,
    /// At least one of the parameters is given.
    OneRequired,
    /// The objects the two parameters name belong to one customer (the second taking its
    /// stored value when not given).
    SameCustomer,
    /// The text's length lies within two fields of the card group the request acts on.
    LengthWithin,
    /// Exactly one of the parameters is set: given, with a value other than its default.
    ExactlyOne,
}

/// An Enswitch answer code. Always a JSON string on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct Code(u16);

impl Code {
    /// Every code the API uses on any page (docs/decisions.md, "What the vendor documents").
    pub const KNOWN: [u16; 9] = [200, 201, 204, 400, 401, 402, 403, 404, 500];

    pub fn new(code: u16) -> Option<Code> {
        Code::KNOWN.contains(&code).then_some(Code(code))
    }

    pub fn as_u16(self) -> u16 {
        self.0
    }

    /// The code as the envelope writes it, without formatting a number each time.
    pub fn as_str(self) -> &'static str {
        const TEXT: [&str; 9] = [
            "200", "201", "204", "400", "401", "402", "403", "404", "500",
        ];
        let at = Code::KNOWN
            .iter()
            .position(|known| *known == self.0)
            .expect("a Code is one of the known codes");
        TEXT[at]
    }

    /// 200, 201 or 204.
    pub fn is_success(self) -> bool {
        (200..300).contains(&self.0)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Code> for String {
    fn from(code: Code) -> String {
        code.to_string()
    }
}

/// One row of the vendor's responses table.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    pub code: Code,
    pub description: String,
    pub provenance: Provenance,
}

/// What a successful call returns in the envelope's `data`.
#[derive(Debug, Clone, Serialize)]
pub struct Data {
    /// The vendor's sentence under "Data returned".
    pub description: String,
    pub form: Sourced<DataForm>,
    /// The fields of the object, or of each row; empty when nothing is returned.
    pub fields: Vec<Field>,
    pub fields_provenance: Option<Provenance>,
    /// Other shapes of `data`, each an object, that a parameter asks for instead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
}

/// `data` as an object of other fields, when `parameter` is `value` (`count=1`).
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    pub parameter: String,
    pub value: String,
    pub description: String,
    pub provenance: Provenance,
    pub fields: Vec<Field>,
    /// The parameters whose value this answer has no use for: given with it, each is a
    /// `meaningless` diagnostic.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignores: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataForm {
    /// No `data` key at all (a 204 answer).
    None,
    Object,
    /// A list of row objects.
    Array,
    /// An object for one result, an array of objects for several (D7).
    ObjectOrArray,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: crate::spec::value::ParamType,
    pub description: String,
    /// Sent only with some requests (its description says which); every other field is in
    /// every answer that has data.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

/// A request and its answer as the vendor's page shows them, verbatim.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub title: String,
    pub request: String,
    pub response: String,
    /// What this project notes about the example (such as a slip in it).
    pub note: Option<String>,
    /// The code a faithful server answers where the page's answer is a slip of the page (the
    /// note says which); `None` when the page's answer stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_code: Option<Code>,
}

/// The Enswitch a function's observed rules were learned from (its host) and the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observed {
    pub target: String,
    pub date: String,
}

/// One row of the vendor's change history.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub version: String,
    pub changes: String,
}

/// Where a context default takes its value from when the request leaves it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    /// The system's currency.
    SystemCurrency,
    /// The customer of the authenticated user.
    CallerCustomer,
    /// Every card group of the customer.
    AllCardGroups,
}

impl Context {
    /// The type of value the context supplies.
    pub fn param_type(self) -> crate::spec::value::ParamType {
        use crate::spec::value::ParamType;
        match self {
            Context::SystemCurrency => ParamType::String,
            Context::CallerCustomer | Context::AllCardGroups => ParamType::Integer,
        }
    }
}
