//! The answers of the OpenAPI document (`openapi`): for each function, the HTTP answers a server
//! of the given statuses gives, their envelopes one schema per Enswitch code (never an `allOf`
//! narrowing a general one, which code generators cannot merge), and `data` with every field the
//! spec lists, typed like the parameter that sets the same value.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json, json};

use crate::spec::export::openapi;
use crate::spec::export::{HttpStatuses, Sample};
use crate::spec::value::ParamType;
use crate::spec::{Code, DataForm, Field, Function, Param};

/// The HTTP answers of a function: with `Ok`, one 200 whose envelope's `code` is any code the
/// function lists (D1); with `Mirror`, one answer per code, its status that code. Either way, a
/// method the API does not take answers 405 and a POST body that is not a form 415, each with an
/// envelope 400. Each code's sample is its example; `links` go on the successful answer.
pub(super) fn answers(
    f: &Function,
    functions: &[&Function],
    statuses: HttpStatuses,
    samples: &[Sample],
    links: Map<String, Json>,
    used: &mut Used,
) -> Json {
    let mut answers = Map::new();
    let example = |sample: &Sample| json!({ "summary": format!("{}: {}", sample.code, sample.summary), "value": sample.answer });
    // The vendor's own examples whose answers stand (not a slip of the page), by code.
    let vendor: Vec<(String, Json)> = f
        .examples
        .iter()
        .filter(|e| e.answer_code.is_none())
        .filter_map(|e| {
            let answer: Json = serde_json::from_str(&e.response).ok()?;
            let code = answer["responses"][0]["code"].as_str()?.to_owned();
            let summary = format!("{code}: the vendor's example, {}", e.title);
            Some((code, json!({ "summary": summary, "value": answer })))
        })
        .collect();
    match statuses {
        HttpStatuses::Ok => {
            let mut codes = Map::new();
            let mut lines = vec![
                "HTTP 200 for every outcome; the Enswitch code is in `responses[0].code`:"
                    .to_owned(),
            ];
            for r in &f.responses {
                codes.insert(r.code.to_string(), r.description.clone().into());
                lines.push(format!("- `{}`: {}", r.code, r.description));
            }
            let listed: Vec<String> = f.responses.iter().map(|r| r.code.to_string()).collect();
            // `data` only on a success, so not required of this one answer for every code.
            let schema = envelope(item(&listed), data_schema(f, functions), false);
            let mut answer = response(lines.join("\n"), schema);
            answer["x-enswitch-codes"] = Json::Object(codes);
            // The success first: a mock that answers with the first example answers a success.
            let mut ordered: Vec<&Sample> = samples.iter().collect();
            ordered.sort_by_key(|s| !s.code.is_success());
            let examples: Map<String, Json> = ordered
                .into_iter()
                .map(|s| (format!("code-{}", s.code), example(s)))
                .chain(
                    vendor
                        .iter()
                        .enumerate()
                        .map(|(n, (_, e))| (format!("vendor-{}", n + 1), e.clone())),
                )
                .collect();
            if !examples.is_empty() {
                answer["content"]["application/json"]["examples"] = Json::Object(examples);
            }
            if !links.is_empty() {
                answer["links"] = Json::Object(links);
            }
            answers.insert("200".into(), answer);
        }
        HttpStatuses::Mirror => {
            let mut links = Some(links).filter(|l| !l.is_empty());
            for r in &f.responses {
                let code = r.code.to_string();
                let mut answer = if r.code.as_u16() == 204 {
                    // HTTP forbids a body on 204: the status line alone.
                    json!({ "description": r.description })
                } else {
                    let data = (r.code.as_u16() == 200)
                        .then(|| data_schema(f, functions))
                        .flatten();
                    let schema = match data {
                        Some(data) => envelope(used.item(r.code), Some(data), true),
                        None => used.envelope(r.code),
                    };
                    let mut answer = response(r.description.clone(), schema);
                    let examples: Map<String, Json> = samples
                        .iter()
                        .filter(|s| s.code == r.code)
                        .map(|s| (format!("code-{code}"), example(s)))
                        .chain(
                            vendor
                                .iter()
                                .filter(|(c, _)| *c == code)
                                .enumerate()
                                .map(|(n, (_, e))| (format!("vendor-{}", n + 1), e.clone())),
                        )
                        .collect();
                    if !examples.is_empty() {
                        answer["content"]["application/json"]["examples"] = Json::Object(examples);
                    }
                    answer
                };
                if let Some(links) = links.take_if(|_| r.code.is_success()) {
                    answer["links"] = Json::Object(links);
                }
                answers.insert(code, answer);
            }
        }
    }
    let bad = Code::new(400).expect("400 is a code");
    let mut refused = |why: &str| response(why.to_owned(), used.envelope(bad));
    answers.insert(
        "405".into(),
        refused("A method other than GET and POST (`Allow: GET, POST`); the envelope says 400."),
    );
    answers.insert(
        "415".into(),
        refused(
            "A POST body that is not application/x-www-form-urlencoded \
             (`Accept-Post: application/x-www-form-urlencoded`); the envelope says 400.",
        ),
    );
    Json::Object(answers)
}

/// The schemas of envelopes the answers refer to by code, so that `components` holds those and
/// no others: `Item<code>` (the one element of `responses`, its code that code) and
/// `Envelope<code>` (an answer of that code without `data`). One schema per code, never an
/// `allOf` narrowing a general one: code generators cannot merge two enums of `code`.
#[derive(Default)]
pub(super) struct Used {
    items: BTreeSet<u16>,
    envelopes: BTreeSet<u16>,
}

impl Used {
    /// A reference to `Item<code>`.
    fn item(&mut self, code: Code) -> Json {
        self.items.insert(code.as_u16());
        json!({ "$ref": format!("#/components/schemas/Item{code}") })
    }

    /// A reference to `Envelope<code>`.
    fn envelope(&mut self, code: Code) -> Json {
        self.items.insert(code.as_u16());
        self.envelopes.insert(code.as_u16());
        json!({ "$ref": format!("#/components/schemas/Envelope{code}") })
    }

    pub(super) fn schemas(&self) -> Json {
        let mut schemas = Map::new();
        for code in &self.items {
            schemas.insert(format!("Item{code}"), item(&[code.to_string()]));
        }
        for code in &self.envelopes {
            let item = json!({ "$ref": format!("#/components/schemas/Item{code}") });
            schemas.insert(format!("Envelope{code}"), envelope(item, None, false));
        }
        Json::Object(schemas)
    }
}

/// The one element of `responses`, its `code` one of `codes`.
fn item(codes: &[String]) -> Json {
    json!({
        "type": "object",
        "required": ["code", "key", "message"],
        "properties": {
            "code": {
                "type": "string",
                "enum": codes,
                "description": "The Enswitch answer code, always a JSON string.",
            },
            "key": {
                "type": "string",
                "description": "The offending parameter for 400, 404 and 500; empty otherwise.",
            },
            "message": { "type": "string" },
        },
        "additionalProperties": false,
    })
}

/// The envelope: `responses` holding `item`, and `data` when given (required with
/// `data_required`).
fn envelope(item: Json, data: Option<Json>, data_required: bool) -> Json {
    let mut properties = Map::new();
    properties.insert(
        "responses".into(),
        json!({ "type": "array", "minItems": 1, "maxItems": 1, "items": item }),
    );
    let mut required = vec!["responses"];
    if let Some(data) = data {
        properties.insert("data".into(), data);
        if data_required {
            required.push("data");
        }
    }
    json!({
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": false,
    })
}

/// One JSON answer of `schema`.
fn response(description: String, schema: Json) -> Json {
    json!({
        "description": description,
        "content": { "application/json": { "schema": schema } },
    })
}

/// `data` as a function answers it: the fields the spec lists, each required unless the spec
/// says it is sent only sometimes.
fn data_schema(f: &Function, functions: &[&Function]) -> Option<Json> {
    let mut properties = Map::new();
    for field in &f.data.fields {
        properties.insert(field.name.clone(), field_schema(field, f, functions));
    }
    let names: Vec<&str> = f
        .data
        .fields
        .iter()
        .filter(|field| !field.optional)
        .map(|field| field.name.as_str())
        .collect();
    let object = json!({
        "type": "object",
        "required": names,
        "properties": properties,
        "additionalProperties": false,
    });
    let described = |schema: Json| {
        let mut schema = schema;
        schema["description"] = f.data.description.clone().into();
        schema
    };
    let main = match f.data.form.value {
        DataForm::None => return None,
        DataForm::Object => object,
        DataForm::Array => json!({ "type": "array", "items": object }),
        DataForm::ObjectOrArray => json!({
            "oneOf": [object, { "type": "array", "items": object }],
        }),
    };
    if f.data.variants.is_empty() {
        return Some(described(main));
    }
    // `cards/list` with `count=1`: an object of its own instead of the rows.
    let mut shapes = vec![main];
    for variant in &f.data.variants {
        let fields: Vec<&str> = variant.fields.iter().map(|v| v.name.as_str()).collect();
        let mut properties = Map::new();
        // A variant's field answers a question about the request (`count=1`: how many), and
        // holds no value of the parameter of its name.
        for field in &variant.fields {
            properties.insert(
                field.name.clone(),
                json!({ "type": field_type(field.ty), "description": field.description }),
            );
        }
        shapes.push(json!({
            "type": "object",
            "description": format!("With {}={}: {}", variant.parameter, variant.value, variant.description),
            "required": fields,
            "properties": properties,
            "additionalProperties": false,
        }));
    }
    Some(described(json!({ "oneOf": shapes })))
}

/// An answer field's schema: its type, and the allowed values, pattern and range of the
/// parameter that sets the same value (the function's own, or one of a function beside it, such
/// as `cards/groups/create`'s for `cards/groups/get`), so that a generated client types it and a
/// mock answers values the fake could.
fn field_schema(field: &Field, f: &Function, functions: &[&Function]) -> Json {
    let mut schema = json!({ "type": field_type(field.ty), "description": field.description });
    if let Some(setter) = setter(field, f, functions) {
        let rules = openapi::schema(setter);
        for key in ["enum", "pattern", "minimum", "maximum"] {
            if let Some(rule) = rules.get(key) {
                schema[key] = rule.clone();
            }
        }
    }
    schema
}

/// The parameter of the same name and type as `field`: `f`'s own, or else one of a function in
/// the same folder (`cards/groups/*` for `cards/groups/get`), the first in the spec's order.
fn setter<'a>(field: &Field, f: &'a Function, functions: &[&'a Function]) -> Option<&'a Param> {
    let folder = |g: &Function| g.path.rsplit_once('/').map(|(folder, _)| folder.to_owned());
    let beside = functions.iter().copied().filter(|g| folder(g) == folder(f));
    std::iter::once(f)
        .chain(beside)
        .filter_map(|g| g.param(&field.name))
        .find(|p| p.ty == field.ty)
}

/// The JSON type of a field in an answer: numbers for Integers; text for the rest, so that card
/// numbers, PINs and amounts keep their digits.
fn field_type(ty: ParamType) -> &'static str {
    match ty {
        ParamType::Integer => "integer",
        ParamType::String | ParamType::Decimal | ParamType::Base64 => "string",
    }
}
