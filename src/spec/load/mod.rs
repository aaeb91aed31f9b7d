//! Reads spec files into the typed model. Two passes: YAML into the `raw` shapes (unknown fields,
//! duplicate keys and wrong shapes stop that file), then cross-checks that resolve every value to
//! its parameter's type. Every error names the file, the line and the field path, and lint shows
//! all of them at once rather than one per run.
//!
//! - this file: reading the files, and each function's own checks (its path, its
//!   authentication parameters, its codes, data and examples);
//! - `param`: a parameter's checks (type, allowed values, range, places, format, the object it
//!   names) and its default's;
//! - `constraint`: the rules between parameters.

mod constraint;
mod param;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_saphyr::Location;

use crate::spec::yaml::{FileError, FileErrors};

use super::GROUP_FIELDS_FROM;
use super::raw::RawFunction;
use super::{
    Change, Code, Data, DataForm, Example, Field, Function, Response, Sourced, Spec, Variant,
};
use crate::spec::value::ParamType;

pub(super) fn from_dir(dir: &Path) -> Result<Spec, FileErrors> {
    let files = texts_below(dir)?
        .into_iter()
        .map(|(relative, text)| (dir.join(relative).display().to_string(), text))
        .collect();
    from_files(files)
}

/// Every `*.yaml` file below `dir`, sorted: (path relative to `dir`, text).
pub(super) fn texts_below(dir: &Path) -> Result<Vec<(String, String)>, FileErrors> {
    let whole_dir = |message: String| FileErrors::whole(dir.display().to_string(), message);
    let mut paths = Vec::new();
    collect_yaml(dir, &mut paths)
        .map_err(|e| whole_dir(format!("cannot read the directory: {e}")))?;
    if paths.is_empty() {
        return Err(whole_dir("holds no *.yaml spec files".into()));
    }
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| whole_dir(format!("cannot read {}: {e}", path.display())))?;
        let relative = path.strip_prefix(dir).unwrap_or(&path);
        files.push((relative.display().to_string(), text));
    }
    Ok(files)
}

fn collect_yaml(dir: &Path, paths: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, paths)?;
        } else if path.extension().is_some_and(|ext| ext == "yaml") {
            paths.push(path);
        }
    }
    Ok(())
}

/// Loads (file name, contents) pairs into a spec.
pub(super) fn from_files(files: Vec<(String, String)>) -> Result<Spec, FileErrors> {
    let mut errors = Vec::new();
    let mut raws = Vec::new();
    for (file, text) in files {
        match crate::spec::yaml::parse::<RawFunction>(&file, &text) {
            Ok(raw) => raws.push((file, raw)),
            Err(error) => errors.push(error),
        }
    }
    // Cross-checks need every file, and would only repeat a broken file's problem.
    if !errors.is_empty() {
        return Err(FileErrors(errors));
    }

    let group_fields: Option<HashMap<&str, ParamType>> = raws
        .iter()
        .find(|(_, raw)| raw.function.value == GROUP_FIELDS_FROM)
        .map(|(_, raw)| {
            raw.parameters
                .iter()
                .map(|p| (p.name.value.as_str(), p.ty))
                .collect()
        });

    let mut functions = Vec::new();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (file, raw) in &raws {
        let mut check = SpecChecker {
            file,
            errors: &mut errors,
        };
        if let Some(first) = seen.insert(&raw.function.value, file) {
            check.at(
                &raw.function.referenced,
                "function",
                format!(
                    "path {:?} is already defined by {first}",
                    raw.function.value
                ),
            );
        }
        if let Some(function) = check.function(raw, group_fields.as_ref()) {
            functions.push(function);
        }
    }
    if !errors.is_empty() {
        return Err(FileErrors(errors));
    }
    functions.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Spec { functions })
}

/// Collects cross-check errors of one file.
pub(super) struct SpecChecker<'a> {
    pub(super) file: &'a str,
    pub(super) errors: &'a mut Vec<FileError>,
}

impl SpecChecker<'_> {
    pub(super) fn at(
        &mut self,
        location: &Location,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.errors.push(FileError {
            file: self.file.to_owned(),
            line: location.line(),
            column: location.column(),
            field: field.into(),
            message: message.into(),
        });
    }

    fn function(
        &mut self,
        raw: &RawFunction,
        group_fields: Option<&HashMap<&str, ParamType>>,
    ) -> Option<Function> {
        let before = self.errors.len();
        let path = &raw.function;
        if !is_function_path(&path.value) {
            self.at(
                &path.referenced,
                "function",
                format!(
                    "{:?} is not a path like category/action (two or three lowercase steps)",
                    path.value
                ),
            );
        }

        let mut parameters = Vec::new();
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (i, param) in raw.parameters.iter().enumerate() {
            let field = format!("parameters[{i}]");
            if let Some(first) = names.insert(&param.name.value, i) {
                self.at(
                    &param.name.referenced,
                    format!("{field}.name"),
                    format!(
                        "parameter {:?} is already defined at parameters[{first}]",
                        param.name.value
                    ),
                );
            }
            if let Some(param) = self.param(&field, param, group_fields) {
                parameters.push(param);
            }
        }
        self.auth_params(raw);

        let mut responses: Vec<Response> = Vec::new();
        for (i, response) in raw.responses.iter().enumerate() {
            let field = format!("responses[{i}].code");
            match Code::new(response.value.code) {
                None => self.at(
                    &response.referenced,
                    field,
                    format!(
                        "{} is not a code the API uses ({})",
                        response.value.code,
                        known_codes()
                    ),
                ),
                Some(code) if responses.iter().any(|r| r.code == code) => self.at(
                    &response.referenced,
                    field,
                    format!("code {code} is listed twice"),
                ),
                Some(code) => responses.push(Response {
                    code,
                    description: response.value.description.clone(),
                    provenance: response.value.provenance,
                }),
            }
        }
        let has = |code: u16| responses.iter().any(|r| r.code.as_u16() == code);

        let validation = raw.parameters.iter().find(|p| p.name.value == "validation");
        match (validation, has(201)) {
            (Some(param), false) => self.at(
                &param.name.referenced,
                "parameters.validation",
                "a function with a validation parameter must list code 201",
            ),
            (None, true) => self.at(
                &path.referenced,
                "responses",
                "code 201 is listed but there is no validation parameter",
            ),
            _ => {}
        }

        for (i, param) in raw.parameters.iter().enumerate() {
            if let Some(refers) = &param.refers_to
                && !has(refers.value.missing)
            {
                self.at(
                    &refers.referenced,
                    format!("parameters[{i}].refers_to.missing"),
                    format!(
                        "code {} is not in this function's responses",
                        refers.value.missing
                    ),
                );
            }
        }

        let data = &raw.data.value;
        let returns_data = data.shape.form != DataForm::None;
        if returns_data != has(200) {
            let message = if returns_data {
                "a function that returns data must list code 200"
            } else {
                "a function that returns no data must not list code 200 (its success is 204)"
            };
            self.at(&raw.data.referenced, "data.shape.form", message);
        }
        if returns_data == data.fields.is_empty()
            || data.fields.is_empty() != data.fields_provenance.is_none()
        {
            self.at(
                &raw.data.referenced,
                "data.fields",
                "fields and fields_provenance are given exactly when the function returns data",
            );
        }

        let mut variants = Vec::new();
        for (i, variant) in data.variants.iter().enumerate() {
            let field = format!("data.variants[{i}].when");
            let parsed = variant.when.split_once('=').filter(|(name, value)| {
                raw.parameters.iter().any(|p| {
                    &p.name.value == name
                        && p.allowed
                            .as_ref()
                            .is_none_or(|a| a.value.values.iter().any(|v| v == value))
                })
            });
            let Some((parameter, value)) = parsed else {
                let message = format!(
                    "{:?} is not name=value of a parameter of this function and a value it takes",
                    variant.when
                );
                self.at(&raw.data.referenced, field, message);
                continue;
            };
            for (j, ignored) in variant.ignores.iter().enumerate() {
                let known = raw.parameters.iter().any(|p| p.name.value == ignored.value);
                if !known || ignored.value == parameter {
                    let message = format!(
                        "{:?} is not a parameter of this function other than {parameter}",
                        ignored.value
                    );
                    let field = format!("data.variants[{i}].ignores[{j}]");
                    self.at(&ignored.referenced, field, message);
                }
            }
            variants.push(Variant {
                parameter: parameter.to_owned(),
                value: value.to_owned(),
                description: variant.description.clone(),
                provenance: variant.provenance,
                fields: fields(&variant.fields),
                ignores: variant.ignores.iter().map(|i| i.value.clone()).collect(),
            });
        }

        let mut constraints = Vec::new();
        for (i, constraint) in raw.constraints.iter().enumerate() {
            if let Some(c) =
                self.constraint(&format!("constraints[{i}]"), constraint, raw, group_fields)
            {
                constraints.push(c);
            }
        }

        if self.errors.len() > before {
            return None;
        }
        Some(
            Function {
                path: path.value.clone(),
                kind: raw.kind,
                summary: raw.summary.clone(),
                authentication: raw.authentication.clone(),
                privilege: raw.privilege.clone(),
                access: Sourced {
                    value: raw.access.level,
                    provenance: raw.access.provenance,
                },
                parameters,
                constraints,
                responses,
                data: Data {
                    description: data.description.clone(),
                    form: Sourced {
                        value: data.shape.form,
                        provenance: data.shape.provenance,
                    },
                    fields: fields(&data.fields),
                    fields_provenance: data.fields_provenance,
                    variants,
                },
                examples: raw
                    .examples
                    .iter()
                    .map(|e| Example {
                        title: e.title.clone(),
                        request: e.request.clone(),
                        response: e.response.clone(),
                        note: e.note.clone(),
                        answer_code: e.answer_code.and_then(Code::new),
                    })
                    .collect(),
                history: raw
                    .history
                    .iter()
                    .map(|c| Change {
                        version: c.version.clone(),
                        changes: c.changes.clone(),
                    })
                    .collect(),
                observed: raw.observed.clone(),
                source: self.file.to_owned(),
                index: super::ParamIndex::default(),
            }
            .index_parameters(),
        )
    }

    /// The authentication stage reads these two by name, so every function must declare them.
    fn auth_params(&mut self, raw: &RawFunction) {
        for (i, name) in super::AUTH_PARAMS.into_iter().enumerate() {
            let ok = raw
                .parameters
                .get(i)
                .is_some_and(|p| p.name.value == name && p.ty == ParamType::String && p.required);
            if !ok {
                self.at(
                    &raw.function.referenced,
                    format!("parameters[{i}]"),
                    format!("parameter {i} must be {name}, a required String"),
                );
            }
        }
    }
}

/// The fields of an answer as the spec file writes them.
pub(super) fn fields(raw: &[super::raw::RawField]) -> Vec<Field> {
    raw.iter()
        .map(|f| Field {
            name: f.name.clone(),
            ty: f.ty,
            description: f.description.clone(),
            optional: f.optional,
        })
        .collect()
}

pub(super) fn is_function_path(path: &str) -> bool {
    let steps: Vec<&str> = path.split('/').collect();
    (2..=3).contains(&steps.len())
        && steps
            .iter()
            .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
}

pub(super) fn known_codes() -> String {
    Code::KNOWN.map(|c| c.to_string()).join(", ")
}
