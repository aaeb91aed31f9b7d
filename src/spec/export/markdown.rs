//! Each function as the vendor's reference page: the parameter table (Name | Type | Description |
//! Required | Default value), responses, data returned, examples and change history, in the
//! vendor's words. What this project adds (validation rules with their provenance, notes) sits in
//! sections of its own so the vendor's tables stay row for row what the vendor wrote.

use crate::spec::{
    ConstraintRule, DataForm, DefaultSource, DefaultValue, Function, FunctionKind, Param,
    Provenance,
};

pub(super) fn render(functions: &[&Function]) -> String {
    let pages: Vec<String> = functions.iter().map(|f| page(f)).collect();
    pages.join("\n---\n\n")
}

fn page(f: &Function) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail; the macro's Result is noise here.
    let mut w = |text: String| out.push_str(&text);
    let (category, _) = f.path.split_once('/').unwrap_or((&f.path, ""));

    w(format!(
        "# JSON API » {category} » {}\n\n{}\n\n",
        f.path, f.summary
    ));
    w(format!("*{}*\n\n", kind_note(f.kind)));

    w(format!("## Input parameters\n\n{}\n\n", f.authentication));
    w("| Name | Type | Description | Required | Default value |\n|---|---|---|---|---|\n".into());
    for p in &f.parameters {
        let default = p
            .default
            .as_ref()
            .map(DefaultValue::cell)
            .unwrap_or_default();
        let required = match (&p.required_cell, p.required) {
            (Some(cell), _) => cell.as_str(),
            (None, true) => "Yes",
            (None, false) => "No",
        };
        w(format!(
            "| {} | {} | {} | {required} | {} |\n",
            p.name,
            p.ty,
            cell(&p.description),
            cell(&default)
        ));
    }

    w("\n## Responses\n\n| Code | Description |\n|---|---|\n".into());
    for r in &f.responses {
        let mark = if r.provenance == Provenance::Inferred {
            " *(inferred)*"
        } else {
            ""
        };
        w(format!("| {} | {}{mark} |\n", r.code, cell(&r.description)));
    }

    w(format!("\n## Data returned\n\n{}\n", f.data.description));
    if f.data.form.value != DataForm::None {
        w(format!(
            "\n`data` is {} ({}).\n\n| Field | Type | Description |\n|---|---|---|\n",
            form_words(f.data.form.value),
            f.data.form.provenance
        ));
        for field in &f.data.fields {
            w(format!(
                "| {} | {} | {} |\n",
                field.name,
                field.ty,
                cell(&field.description)
            ));
        }
        if let Some(provenance) = f.data.fields_provenance {
            w(format!("\nField names: {provenance}.\n"));
        }
        for variant in &f.data.variants {
            w(format!(
                "\nWith `{}={}`, `data` is instead an object ({}): {}\n\n| Field | Type | Description |\n|---|---|---|\n",
                variant.parameter, variant.value, variant.provenance, variant.description
            ));
            for field in &variant.fields {
                w(format!(
                    "| {} | {} | {} |\n",
                    field.name,
                    field.ty,
                    cell(&field.description)
                ));
            }
        }
    }

    for example in &f.examples {
        w(format!(
            "\n## Example: {}\n\n```\n{}\n```\n\n```json\n{}\n```\n",
            example.title, example.request, example.response
        ));
        if let Some(note) = &example.note {
            w(format!("\n> Note (enswitch-fake): {note}\n"));
        }
    }

    w("\n## Change history\n\n| Version | Changes |\n|---|---|\n".into());
    for change in &f.history {
        w(format!(
            "| {} | {} |\n",
            change.version,
            cell(&change.changes)
        ));
    }

    w(format!(
        "\n## Validation rules (enswitch-fake)\n\nAccess: {} ({}).\n\n",
        access_words(f),
        f.access.provenance
    ));
    if let Some(observed) = &f.observed {
        w(format!(
            "Rules marked observed were learned from the Enswitch at {} on {} \
             (`enswitch-fake learn`).\n\n",
            observed.target, observed.date
        ));
    }
    w("| Name | Rule | Provenance |\n|---|---|---|\n".into());
    for p in &f.parameters {
        for (rule, provenance) in rules(p) {
            w(format!("| {} | {} | {provenance} |\n", p.name, cell(&rule)));
        }
    }
    for c in &f.constraints {
        let rule = match c.rule {
            ConstraintRule::NotGreater => "not greater than",
            ConstraintRule::CardCap => "card cap",
            ConstraintRule::OneRequired => "one required",
            ConstraintRule::SameCustomer => "same customer",
            ConstraintRule::LengthWithin => "length within the group's bounds",
            ConstraintRule::ExactlyOne => "exactly one",
        };
        w(format!(
            "| {} | {rule} (key `{}`): {} | {} |\n",
            c.params.join(", "),
            c.key,
            cell(&c.description),
            c.provenance
        ));
    }
    out
}

/// Every rule a validator applies to one parameter, as (words, provenance).
fn rules(p: &Param) -> Vec<(String, Provenance)> {
    let mut rules = Vec::new();
    if let Some(default) = &p.default {
        let words = match &default.source {
            DefaultSource::GroupField(field) => format!("default: the card group's `{field}`"),
            other => format!("default: {}", other.shown()),
        };
        rules.push((words, default.provenance));
    }
    if let Some(allowed) = &p.allowed {
        let values: Vec<String> = allowed.values.iter().map(|v| format!("`{v}`")).collect();
        let values = values.join(", ").replace("``", "`\"\"`");
        rules.push((format!("one of {values}"), allowed.provenance));
    }
    if let Some(range) = &p.range {
        let words = match (&range.min, &range.max) {
            (Some(min), Some(max)) => format!("from {min} to {max}"),
            (Some(min), None) => format!("at least {min}"),
            (None, Some(max)) => format!("at most {max}"),
            (None, None) => unreachable!("the loader refuses a range without bounds"),
        };
        rules.push((words, range.provenance));
    }
    if let Some(places) = &p.places {
        rules.push((
            format!("at most {} decimal places", places.max),
            places.provenance,
        ));
    }
    if let Some(format) = &p.format {
        rules.push((
            format!("format: {}", format.name.describe()),
            format.provenance,
        ));
    }
    if let Some(refers) = &p.refers_to {
        let resource = serde_json::to_value(refers.resource).expect("resource kinds serialize");
        let resource = resource.as_str().unwrap_or_default().replace('_', " ");
        rules.push((
            format!("names a {resource}; {} if none", refers.missing),
            refers.provenance,
        ));
    }
    rules
}

fn kind_note(kind: FunctionKind) -> &'static str {
    match kind {
        FunctionKind::Core => "Core function of enswitch-fake.",
        FunctionKind::Setup => "Set-up function: the conformance suite uses it to build state.",
        FunctionKind::Observation => {
            "Observation function: the conformance suite reads state back with it."
        }
    }
}

fn access_words(f: &Function) -> &'static str {
    match f.access.value {
        crate::spec::Access::Read => "read (read-only roles may call it)",
        crate::spec::Access::Write => "write (read-only roles get 402)",
    }
}

fn form_words(form: DataForm) -> &'static str {
    match form {
        DataForm::None => "absent",
        DataForm::Object => "an object",
        DataForm::Array => "an array of rows",
        DataForm::ObjectOrArray => "an object for one batch, an array of objects for several",
    }
}

/// A table cell: a `|` in the text would end the cell early.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    #[test]
    fn pipes_in_descriptions_do_not_split_cells() {
        assert_eq!(cell("a | b"), "a \\| b");
    }

    #[test]
    fn an_empty_literal_default_is_visible() {
        let source = DefaultSource::Literal(crate::spec::value::Value::String(String::new()));
        assert_eq!(source.shown(), "\"\"");
        let mut out = String::new();
        let _ = write!(out, "{}", DefaultSource::CurrentValue);
        assert_eq!(out, "Current value.");
    }
}
