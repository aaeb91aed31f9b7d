//! The seam where mutants act outside the fake's rules (see `fake::Mutant` for the catalogue):
//! before the fake starts, edits of its own copy of the spec (a rule dropped) or of the seed (a
//! role widened); after each call, a transform of the answer (a code or key spoiled). The mutants
//! that live inside a rule are the fake's own `if`s and pass through here untouched.

use crate::fake::{ApiResponse, Level, Mutant, World};
use crate::spec::value::{ParamType, Value};
use crate::spec::{Code, Context, DefaultSource, DefaultValue, FormatName, Provenance, Spec};

/// Drops or bends a rule in the fake's copy of the spec.
pub(crate) fn edit_spec(mutant: Option<Mutant>, spec: &mut Spec) {
    let Some(mutant) = mutant else { return };
    spec.edit_functions(|function| {
        if mutant == Mutant::NoRatePlanCheck {
            function.responses.retain(|r| r.code.as_u16() != 403);
        }
        for param in &mut function.parameters {
            match mutant {
                Mutant::RequiredDropped
                    if param.required
                        && param.ty == ParamType::String
                        && param.refers_to.is_none() =>
                {
                    param.required = false;
                    param.default = Some(DefaultValue {
                        source: DefaultSource::Literal(Value::String(String::new())),
                        cell: None,
                        provenance: Provenance::Inferred,
                    });
                }
                Mutant::AllowedDropped => param.allowed = None,
                Mutant::FileNameUnchecked if param.name == "file" => param.allowed = None,
                Mutant::WavUnchecked
                    if param
                        .format
                        .as_ref()
                        .is_some_and(|f| f.name == FormatName::Wav) =>
                {
                    param.format = None;
                }
                Mutant::RangeOffByOne => {
                    if let Some(Value::Integer(max)) =
                        param.range.as_mut().and_then(|r| r.max.as_mut())
                    {
                        *max += 1;
                    }
                }
                Mutant::GroupDefaultIgnored => {
                    if let Some(default) = &mut param.default
                        && default.source == DefaultSource::GroupField("currency".into())
                    {
                        default.source = DefaultSource::Context(Context::SystemCurrency);
                    }
                }
                _ => {}
            }
        }
    });
}

/// Changes the fake's copy of the seed world.
pub(crate) fn edit_seed(mutant: Option<Mutant>, seed: &mut World) {
    if mutant == Some(Mutant::ReadOnlyWrites) {
        for level in seed
            .roles
            .values_mut()
            .flat_map(|r| r.privileges.values_mut())
        {
            if *level == Level::Read {
                *level = Level::Full;
            }
        }
    }
}

/// Spoils the answer of a call of `function`.
pub(crate) fn spoil_answer(mutant: Option<Mutant>, function: &str, answer: &mut ApiResponse) {
    let Some(mutant) = mutant else { return };
    let code = answer.code.as_u16();
    match mutant {
        Mutant::ValidatedAs200 if code == 201 => answer.code = code_of(200),
        Mutant::EmptyKeyOn400 if code == 400 => answer.key.clear(),
        Mutant::DataOn204 if code == 204 => answer.data = Some("{}".to_owned()),
        // A reference's 404 names its parameter (D6); an unknown function's does not.
        Mutant::MissingAs400 if code == 404 && !answer.key.is_empty() => {
            answer.code = code_of(400);
        }
        Mutant::WrongDataShape if function == "cards/batches/create" => {
            let rows = answer
                .data
                .as_deref()
                .and_then(|d| serde_json::from_str::<Vec<serde_json::Value>>(d).ok());
            if let Some(first) = rows.as_ref().and_then(|r| r.first()) {
                answer.data = Some(first.to_string());
            }
        }
        _ => {}
    }
}

/// Spoils the answer's body as it goes on the wire.
pub(crate) fn spoil_body(mutant: Option<Mutant>, answer: &ApiResponse, body: &mut bytes::Bytes) {
    if mutant == Some(Mutant::CodeAsNumber) {
        let quoted = format!("\"code\":\"{}\"", answer.code);
        let bare = format!("\"code\":{}", answer.code);
        *body = answer.to_json().replace(&quoted, &bare).into_bytes().into();
    }
}

fn code_of(code: u16) -> Code {
    Code::new(code).expect("the codes mutants answer are codes the API uses")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{Fake, Seam};

    #[test]
    fn names_are_unique_and_round_trip() {
        for mutant in Mutant::ALL {
            assert_eq!(Mutant::from_name(mutant.name()), Some(*mutant));
        }
        let mut names: Vec<&str> = Mutant::ALL.iter().map(|m| m.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Mutant::ALL.len());
        assert!(Mutant::ALL.len() >= 20);
    }

    /// Each mutant of the spec and seed seams changes what it says it does, and no other mutant
    /// changes either: the JSON of the spec and the seed tells.
    #[test]
    fn exactly_the_spec_and_seed_mutants_edit_the_spec_and_seed() {
        let fake = Fake::embedded().unwrap();
        let spec = serde_json::to_string(fake.spec()).unwrap();
        let seed = serde_json::to_string(fake.seed()).unwrap();
        for mutant in Mutant::ALL {
            let (mut edited_spec, mut edited_seed) = (fake.spec().clone(), fake.seed().clone());
            edit_spec(Some(*mutant), &mut edited_spec);
            edit_seed(Some(*mutant), &mut edited_seed);
            let spec_changed = serde_json::to_string(&edited_spec).unwrap() != spec;
            let seed_changed = serde_json::to_string(&edited_seed).unwrap() != seed;
            assert_eq!(spec_changed, mutant.seam() == Seam::Spec, "{mutant}");
            assert_eq!(seed_changed, mutant.seam() == Seam::Seed, "{mutant}");
        }
    }

    #[test]
    fn only_answer_mutants_spoil_answers() {
        let answers = [
            ApiResponse::ok(None),
            ApiResponse::validated(),
            ApiResponse::ok(Some(r#"[{"id":1},{"id":2}]"#.to_owned())),
            crate::fake::ApiError::required("id").into(),
            ApiResponse {
                code: code_of(404),
                key: "cardgroup".into(),
                message: "The card group does not exist.".into(),
                data: None,
            },
        ];
        for mutant in Mutant::ALL {
            let mut spoiled = false;
            for answer in &answers {
                let mut changed = answer.clone();
                spoil_answer(Some(*mutant), "cards/batches/create", &mut changed);
                let mut body = bytes::Bytes::from(answer.to_json());
                spoil_body(Some(*mutant), &changed, &mut body);
                spoiled |= changed != *answer || body != changed.to_json().as_bytes();
            }
            assert_eq!(spoiled, mutant.seam() == Seam::Answer, "{mutant}");
        }
    }
}
