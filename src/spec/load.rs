//! Reads spec files into the typed model. Two passes: YAML into the `raw` shapes (unknown fields,
//! duplicate keys and wrong shapes stop that file), then cross-checks that resolve every value to
//! its parameter's type. Every error names the file, the line and the field path, and lint shows
//! all of them at once rather than one per run.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_saphyr::{Location, Spanned};

use crate::spec::yaml::{FileError, FileErrors};

use super::GROUP_FIELDS_FROM;
use super::raw::{RawDefault, RawFunction, RawParam};
use super::{
    Allowed, Change, Code, Constraint, ConstraintRule, Data, DataForm, DefaultSource, DefaultValue,
    Example, Field, Format, Function, Param, Places, Range, RefersTo, ResourceKind, Response,
    Ruled, Spec, Variant,
};
use crate::spec::value::{DECIMAL_PLACES, ParamType};

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
struct SpecChecker<'a> {
    file: &'a str,
    errors: &'a mut Vec<FileError>,
}

impl SpecChecker<'_> {
    fn at(&mut self, location: &Location, field: impl Into<String>, message: impl Into<String>) {
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
            variants.push(Variant {
                parameter: parameter.to_owned(),
                value: value.to_owned(),
                description: variant.description.clone(),
                provenance: variant.provenance,
                fields: fields(&variant.fields),
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
                access: Ruled {
                    value: raw.access.level,
                    provenance: raw.access.provenance,
                },
                parameters,
                constraints,
                responses,
                data: Data {
                    description: data.description.clone(),
                    form: Ruled {
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

    fn param(
        &mut self,
        field: &str,
        raw: &RawParam,
        group_fields: Option<&HashMap<&str, ParamType>>,
    ) -> Option<Param> {
        let before = self.errors.len();
        let name = &raw.name.value;
        let ty = raw.ty;
        let typed = |checker: &mut Self, location: &Location, field: String, text: &str| match ty
            .parse(text)
        {
            Ok(value) => Some(value),
            Err(e) => {
                checker.at(
                    location,
                    field,
                    format!("{text:?} is not a valid {ty}: it {e}"),
                );
                None
            }
        };

        let allowed = raw.allowed.as_ref().map(|a| {
            let values = a
                .value
                .values
                .iter()
                .enumerate()
                .filter_map(|(i, text)| {
                    typed(
                        self,
                        &a.referenced,
                        format!("{field}.allowed.values[{i}]"),
                        text,
                    )
                })
                .collect::<Vec<_>>();
            if values.is_empty() {
                self.at(
                    &a.referenced,
                    format!("{field}.allowed.values"),
                    "lists no value",
                );
            }
            Allowed {
                values,
                provenance: a.value.provenance,
            }
        });

        let range = raw.range.as_ref().map(|r| {
            if ty == ParamType::String {
                self.at(
                    &r.referenced,
                    format!("{field}.range"),
                    format!("{name} is a String; a range needs a number (use a format)"),
                );
            }
            let min = r
                .value
                .min
                .as_deref()
                .and_then(|t| typed(self, &r.referenced, format!("{field}.range.min"), t));
            let max = r
                .value
                .max
                .as_deref()
                .and_then(|t| typed(self, &r.referenced, format!("{field}.range.max"), t));
            if let (Some(lo), Some(hi)) = (&min, &max)
                && lo.compare(hi) == Some(std::cmp::Ordering::Greater)
            {
                self.at(
                    &r.referenced,
                    format!("{field}.range"),
                    format!("min {lo} is above max {hi}"),
                );
            }
            if min.is_none() && max.is_none() {
                self.at(
                    &r.referenced,
                    format!("{field}.range"),
                    "gives neither min nor max",
                );
            }
            Range {
                min,
                max,
                provenance: r.value.provenance,
            }
        });

        let places = raw.places.as_ref().map(|p| {
            if ty != ParamType::Decimal || p.value.max > DECIMAL_PLACES {
                self.at(
                    &p.referenced,
                    format!("{field}.places"),
                    format!(
                        "places applies to a Decimal, and at most {DECIMAL_PLACES} (D12); \
                         {name} is a {ty}"
                    ),
                );
            }
            Places {
                max: p.value.max,
                provenance: p.value.provenance,
            }
        });

        let format = raw.format.as_ref().map(|f| Format {
            name: f.name,
            provenance: f.provenance,
        });
        if let Some(format) = format.as_ref().filter(|f| f.name.param_type() != ty) {
            self.at(
                &raw.name.referenced,
                format!("{field}.format"),
                format!(
                    "{name} is a {ty}; {:?} applies to {}",
                    format.name,
                    format.name.param_type()
                ),
            );
        }

        let refers_to = raw.refers_to.as_ref().and_then(|r| {
            // A card is named by its number, a String; everything else by an Integer id.
            let expected = match r.value.resource {
                ResourceKind::Card => ParamType::String,
                _ => ParamType::Integer,
            };
            if ty != expected {
                self.at(
                    &r.referenced,
                    format!("{field}.refers_to"),
                    format!(
                        "{name} is a {ty}; a {:?} is named by a {expected}",
                        r.value.resource
                    ),
                );
            }
            Some(RefersTo {
                resource: r.value.resource,
                missing: Code::new(r.value.missing).filter(|c| matches!(c.as_u16(), 400 | 404))?,
                provenance: r.value.provenance,
            })
        });

        let mut param = Param {
            name: name.clone(),
            ty,
            description: raw.description.clone(),
            required: raw.required,
            required_cell: raw.required_cell.clone(),
            default: None,
            allowed,
            range,
            places,
            format,
            refers_to,
        };
        if let Some(default) = &raw.default {
            param.default = self.default(field, &param, default, group_fields);
        }
        if raw.required && raw.default.is_some() {
            self.at(
                &raw.name.referenced,
                format!("{field}.default"),
                format!("{name} is required, so it cannot have a default"),
            );
        }
        (self.errors.len() == before).then_some(param)
    }

    /// Resolves a default and checks it against the parameter's type and rules.
    fn default(
        &mut self,
        field: &str,
        param: &Param,
        raw: &Spanned<RawDefault>,
        group_fields: Option<&HashMap<&str, ParamType>>,
    ) -> Option<DefaultValue> {
        let location = &raw.referenced;
        let field = format!("{field}.default");
        let RawDefault {
            literal,
            group_field,
            current_value,
            context,
            cell,
            provenance,
        } = &raw.value;
        let given = [
            literal.is_some(),
            group_field.is_some(),
            current_value.is_some(),
            context.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            self.at(
                location,
                field,
                "give exactly one of literal, group_field, current_value, context",
            );
            return None;
        }
        let source = if let Some(text) = literal {
            let value = match param.ty.parse(text) {
                Ok(value) => value,
                Err(e) => {
                    self.at(
                        location,
                        format!("{field}.literal"),
                        format!("{text:?} is not a valid {}: it {e}", param.ty),
                    );
                    return None;
                }
            };
            if let Err(violation) = param.check(&value) {
                self.at(
                    location,
                    format!("{field}.literal"),
                    format!("default {text:?} breaks the parameter's own rule: it {violation}"),
                );
                return None;
            }
            DefaultSource::Literal(value)
        } else if let Some(name) = group_field {
            let Some(fields) = group_fields else {
                self.at(
                    location,
                    format!("{field}.group_field"),
                    format!("no {GROUP_FIELDS_FROM} in the spec defines the card group's fields"),
                );
                return None;
            };
            match fields.get(name.as_str()) {
                Some(ty) if *ty == param.ty => DefaultSource::GroupField(name.clone()),
                Some(ty) => {
                    self.at(
                        location,
                        format!("{field}.group_field"),
                        format!(
                            "group field {name} is a {ty}, but {} is a {}",
                            param.name, param.ty
                        ),
                    );
                    return None;
                }
                None => {
                    self.at(
                        location,
                        format!("{field}.group_field"),
                        format!("{name} is not a parameter of {GROUP_FIELDS_FROM}"),
                    );
                    return None;
                }
            }
        } else if let Some(context) = context {
            if context.param_type() != param.ty {
                self.at(
                    location,
                    format!("{field}.context"),
                    format!(
                        "gives a {}, but {} is a {}",
                        context.param_type(),
                        param.name,
                        param.ty
                    ),
                );
                return None;
            }
            DefaultSource::Context(*context)
        } else if *current_value == Some(true) {
            DefaultSource::CurrentValue
        } else {
            self.at(
                location,
                format!("{field}.current_value"),
                "can only be true",
            );
            return None;
        };
        Some(DefaultValue {
            source,
            cell: cell.clone(),
            provenance: *provenance,
        })
    }

    fn constraint(
        &mut self,
        field: &str,
        raw: &Spanned<super::raw::RawConstraint>,
        function: &RawFunction,
        group_fields: Option<&HashMap<&str, ParamType>>,
    ) -> Option<Constraint> {
        let before = self.errors.len();
        let c = &raw.value;
        let params: Vec<&RawParam> = c
            .params
            .iter()
            .filter_map(|name| {
                let found = function.parameters.iter().find(|p| &p.name.value == name);
                if found.is_none() {
                    self.at(
                        &raw.referenced,
                        format!("{field}.params"),
                        format!("{name} is not a parameter of this function"),
                    );
                }
                found
            })
            .collect();
        if !c.params.contains(&c.key) {
            self.at(
                &raw.referenced,
                format!("{field}.key"),
                format!("{} is not one of the constraint's params", c.key),
            );
        }
        if params.len() == c.params.len() {
            let types: Vec<ParamType> = params.iter().map(|p| p.ty).collect();
            let problem = match c.rule {
                ConstraintRule::NotGreater
                    if types.len() != 2
                        || types[0] != types[1]
                        || types[0] == ParamType::String =>
                {
                    Some("not_greater compares two numbers of one type")
                }
                ConstraintRule::CardCap
                    if types.is_empty() || types.iter().any(|t| *t != ParamType::Integer) =>
                {
                    Some("card_cap multiplies Integers")
                }
                ConstraintRule::OneRequired | ConstraintRule::ExactlyOne
                    if params.len() < 2 || params.iter().any(|p| p.required) =>
                {
                    Some("one_required and exactly_one name two or more optional parameters")
                }
                ConstraintRule::SameCustomer
                    if params.len() != 2 || params.iter().any(|p| p.refers_to.is_none()) =>
                {
                    Some("same_customer names two parameters that refer to stored objects")
                }
                ConstraintRule::LengthWithin
                    if types != [ParamType::String]
                        || c.group_bounds.len() != 2
                        || !c.group_bounds.iter().all(|name| {
                            group_fields.and_then(|f| f.get(name.as_str()))
                                == Some(&ParamType::Integer)
                        }) =>
                {
                    Some(
                        "length_within names one String parameter and, in group_bounds, two \
                         Integer fields of the card group",
                    )
                }
                _ => None,
            };
            if c.rule != ConstraintRule::LengthWithin && !c.group_bounds.is_empty() {
                self.at(
                    &raw.referenced,
                    format!("{field}.group_bounds"),
                    "only length_within takes group_bounds",
                );
            }
            if let Some(problem) = problem {
                self.at(&raw.referenced, format!("{field}.rule"), problem);
            }
        }
        (self.errors.len() == before).then(|| Constraint {
            rule: c.rule,
            params: c.params.clone(),
            group_bounds: c.group_bounds.clone(),
            key: c.key.clone(),
            description: c.description.clone(),
            provenance: c.provenance,
        })
    }
}

/// The fields of an answer as the spec file writes them.
fn fields(raw: &[super::raw::RawField]) -> Vec<Field> {
    raw.iter()
        .map(|f| Field {
            name: f.name.clone(),
            ty: f.ty,
            description: f.description.clone(),
        })
        .collect()
}

fn is_function_path(path: &str) -> bool {
    let steps: Vec<&str> = path.split('/').collect();
    (2..=3).contains(&steps.len())
        && steps
            .iter()
            .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
}

fn known_codes() -> String {
    Code::KNOWN.map(|c| c.to_string()).join(", ")
}
