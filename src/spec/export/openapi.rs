//! The spec as an OpenAPI 3.1 document, for tools such as Schemathesis and Prism. Each function
//! is a path with a GET (parameters in the query) and a POST (a form body, the query, or both).
//! For a server answering HTTP 200 for every outcome (D1), the one 200 answer lists the function's
//! Enswitch codes in its `code` enum and `x-enswitch-codes`; for one that mirrors the code
//! (`--http-status mirror`), each code is an answer of its own. Either way a request the API
//! cannot read is documented as the 405 or 415 it gets. Where OpenAPI has no word for an Enswitch
//! convention (`;` separators, provenance), an `x-enswitch-` extension says it, never with keys
//! a linter could take for schema keywords. The answers and their schemas are `answers`'.

use serde_json::{Map, Value as Json, json};

use crate::spec::export::answers::{Used, answers};
use crate::spec::export::{HttpStatuses, OpenApiOptions, Sample, Samples};
use crate::spec::value::{ParamType, Value};
use crate::spec::{ConstraintRule, DefaultSource, Function, Param, ResourceKind};

const SEPARATORS: &str = "Parameters are separated by `;` (as in every example of the vendor's \
documentation) or `&`; both may be mixed. Clients may use GET with the parameters in the query \
string, or POST with a form body, the query string, or both. The path may end in `/`, as the \
vendor's examples write it (`cards/groups/update/`), or not.";

pub(super) fn render(
    functions: &[&Function],
    options: &OpenApiOptions,
    samples: &Samples,
) -> String {
    let statuses = options.statuses;
    let mut paths = Map::new();
    let mut used = Used::default();
    for f in functions {
        let samples = samples.get(&f.path).map_or(&[][..], Vec::as_slice);
        let links = links(f, functions);
        // Without the trailing slash of the vendor's examples unless asked: linters flag it; the
        // API takes the path with it or without (D2), and the description says so.
        let slash = if options.trailing_slash { "/" } else { "" };
        paths.insert(
            format!("/{}{slash}", f.path),
            path_item(f, functions, options, samples, links, &mut used),
        );
    }
    let status_words = match statuses {
        HttpStatuses::Ok => {
            "Every outcome is answered with HTTP status 200; the Enswitch code is the string in \
             `responses[0].code`."
        }
        HttpStatuses::Mirror => {
            "The HTTP status is the Enswitch code (`serve --http-status mirror`); a 204 has no \
             body."
        }
    };
    let document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Enswitch JSON API: cards functions",
            "version": "4.4",
            // This document's licence (the project's); the API is Integrics'.
            "license": { "name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0" },
            "description": format!(
                "The cards functions of Integrics Enswitch's JSON API, and user/login, as specified \
                 by enswitch-fake. {SEPARATORS} Every call authenticates with auth_username and \
                 auth_password, or with an auth_token from user/login (4.1 and later). \
                 {status_words}"
            ),
        },
        "servers": [{ "url": "http://enswitch.example.com/api/json" }],
        "x-enswitch-parameter-separators": [";", "&"],
        "x-enswitch-http-status": match statuses {
            HttpStatuses::Ok => "ok",
            HttpStatuses::Mirror => "mirror",
        },
        "tags": tags(functions),
        "paths": paths,
        // Either the username and password together, or a token.
        "security": [{ "username": [], "password": [] }, { "token": [] }],
        "components": {
            "securitySchemes": {
                "username": { "type": "apiKey", "in": "query", "name": "auth_username", "description": "The API user's login name; with auth_password." },
                "password": { "type": "apiKey", "in": "query", "name": "auth_password", "description": "The API user's password; with auth_username." },
                "token": { "type": "apiKey", "in": "query", "name": AUTH_TOKEN, "description": AUTH_TOKEN_DESCRIPTION },
            },
            "schemas": used.schemas(),
        },
    });
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value serializes");
    text.push('\n');
    text
}

/// The categories the functions belong to (`cards`, `user`), which tag their operations.
fn tags(functions: &[&Function]) -> Json {
    let mut names: Vec<&str> = functions
        .iter()
        .filter_map(|f| f.path.split('/').next())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| json!({ "name": name, "description": format!("The {name} category of the API.") }))
        .collect()
}

/// The token that Enswitch 4.1 and later take in place of `auth_username` and `auth_password`,
/// from `user/login` with `token=1`.
const AUTH_TOKEN: &str = "auth_token";

const AUTH_TOKEN_DESCRIPTION: &str = "An authentication token from user/login with token=1 \
(Enswitch 4.1 and later), sent instead of auth_username and auth_password.";

/// Whether a parameter is one of the pair an `auth_token` replaces: required unless a token is
/// sent, which OpenAPI cannot say of a parameter, so the document marks them optional and says
/// so in their descriptions.
fn replaced_by_token(p: &Param) -> bool {
    matches!(p.name.as_str(), "auth_username" | "auth_password")
}

/// The name of the operation that GETs `f`; links name it.
fn operation_id(f: &Function) -> String {
    f.path.replace('/', "_")
}

fn path_item(
    f: &Function,
    functions: &[&Function],
    options: &OpenApiOptions,
    samples: &[Sample],
    links: Map<String, Json>,
    used: &mut Used,
) -> Json {
    let id = operation_id(f);
    let responses = answers(f, functions, options.statuses, samples, links, used);
    let schema = |p: &Param| capped(f, p, options.max_cards);
    // The parameters of the first request that succeeded: values the seed holds.
    let success = samples.iter().find(|s| s.code.is_success());
    let example =
        |name: &str| success.and_then(|s| s.params.iter().find(|(n, _)| n == name).map(|(_, v)| v));
    let token = json!({
        "name": AUTH_TOKEN,
        "in": "query",
        "required": false,
        "description": AUTH_TOKEN_DESCRIPTION,
        "schema": { "type": "string" },
    });
    let query: Vec<Json> = f
        .parameters
        .iter()
        .map(|p| query_parameter(p, schema(p), example(&p.name).map(|v| typed(p, v))))
        .chain([token])
        .collect();
    let mut properties = Map::new();
    for p in &f.parameters {
        properties.insert(p.name.clone(), schema(p));
    }
    properties.insert(
        AUTH_TOKEN.into(),
        json!({ "type": "string", "description": AUTH_TOKEN_DESCRIPTION }),
    );
    // A POST may carry any parameter in its query string, its form body or both (D2), so on
    // POST neither place requires one; GET says which are required.
    let optional: Vec<Json> = query
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p["required"] = false.into();
            p
        })
        .collect();
    let tag = f.path.split('/').next().unwrap_or_default();
    let description = format!("{} {SEPARATORS}", f.authentication);
    let mut item = json!({
        "get": {
            "operationId": id,
            "summary": f.summary,
            "description": description,
            "tags": [tag],
            "parameters": query,
            "responses": responses,
        },
        "post": {
            "operationId": format!("{id}_post"),
            "summary": f.summary,
            "description": format!(
                "{description} On POST each parameter, the credentials included, may be in the \
                 form body or the query string; the GET operation says which are required."
            ),
            "tags": [tag],
            // The credentials may be in the body too, where no security scheme can be: on POST
            // they are also form fields, and the query may hold none.
            "security": [{ "username": [], "password": [] }, { "token": [] }, {}],
            "parameters": optional,
            "requestBody": {
                "required": false,
                "content": {
                    "application/x-www-form-urlencoded": form_body(f, properties, success),
                },
            },
            "responses": responses,
        },
        "x-enswitch-kind": f.kind,
        "x-enswitch-access": f.access,
    });
    if let Some(observed) = &f.observed {
        item["x-enswitch-observed"] = json!(observed);
    }
    item
}

/// The form body of a POST: any parameter, and the successful sample's as its example.
fn form_body(f: &Function, properties: Map<String, Json>, success: Option<&Sample>) -> Json {
    let mut body = json!({ "schema": { "type": "object", "properties": properties } });
    if let Some(sample) = success {
        let fields: Map<String, Json> = sample
            .params
            .iter()
            .map(|(n, v)| {
                let value = f.param(n).map_or_else(|| v.clone().into(), |p| typed(p, v));
                (n.clone(), value)
            })
            .collect();
        body["example"] = Json::Object(fields);
    }
    body
}

/// A value as sent (`"123"`) as the JSON its parameter's schema says (`123` for an Integer).
fn typed(p: &Param, text: &str) -> Json {
    match p.ty.parse(text) {
        Ok(value) => json_value(&value),
        Err(_) => text.into(),
    }
}

fn query_parameter(p: &Param, schema: Json, example: Option<Json>) -> Json {
    let (required, description) = if replaced_by_token(p) {
        let unless = format!("{} Required unless auth_token is sent.", p.description);
        (false, unless)
    } else {
        (p.required, p.description.clone())
    };
    let mut parameter = json!({
        "name": p.name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    });
    // `charge_period=` (never), `callerid=` (none): an empty value the rules take is a value.
    let empty_taken = p.ty.parse("").is_ok_and(|empty| p.check(&empty).is_ok());
    if empty_taken {
        parameter["allowEmptyValue"] = true.into();
    }
    if let Some(example) = example {
        parameter["example"] = example;
    }
    parameter
}

/// `p`'s schema in `f`, with the server's card cap as the maximum of a parameter that a card cap
/// multiplies: the cap is on the product, so each factor alone is at most the cap.
fn capped(f: &Function, p: &Param, max_cards: Option<u64>) -> Json {
    let mut schema = schema(p);
    let multiplied = f
        .constraints
        .iter()
        .any(|c| c.rule == ConstraintRule::CardCap && c.params.contains(&p.name));
    if let Some(cap) = max_cards.filter(|_| multiplied) {
        schema["maximum"] = cap.into();
    }
    schema
}

/// The JSON Schema of one parameter: its type, then the rules that JSON Schema can say.
pub(super) fn schema(p: &Param) -> Json {
    let mut s = Map::new();
    match p.ty {
        ParamType::String => {
            s.insert("type".into(), "string".into());
            // Any text but NUL (D12); a format's own pattern, below, replaces this one.
            s.insert("pattern".into(), "^[^\\u0000]*$".into());
        }
        ParamType::Integer => {
            s.insert("type".into(), "integer".into());
            s.insert("format".into(), "int64".into());
        }
        // A JSON Schema number would let a tool send `1e3` or `2.00001`, which D12 refuses: the
        // syntax is a pattern, and a range's minimum of 0 leaves out the sign.
        ParamType::Decimal => {
            let sign = match p.range.as_ref().and_then(|r| r.min.as_ref()) {
                Some(min)
                    if min.compare(&Value::Decimal(Default::default()))
                        != Some(std::cmp::Ordering::Less) =>
                {
                    ""
                }
                _ => "-?",
            };
            s.insert("type".into(), "string".into());
            let places = p.max_places();
            let fraction = if places == 0 {
                String::new()
            } else {
                format!("(\\.[0-9]{{1,{places}}})?")
            };
            s.insert("pattern".into(), format!("^{sign}[0-9]+{fraction}$").into());
            s.insert(
                "description".into(),
                format!(
                    "Written as digits, optionally '.' and up to {places} decimals; no exponent."
                )
                .into(),
            );
        }
        ParamType::Base64 => {
            s.insert("type".into(), "string".into());
            s.insert("contentEncoding".into(), "base64".into());
        }
    }
    // Where each rule comes from, as a list: keys named like schema keywords (`default`,
    // `enum`) inside an extension made linters read it as a schema.
    let mut rules = Vec::new();
    let mut rule = |name: &str, provenance: crate::spec::Provenance| {
        rules.push(json!({ "rule": name, "provenance": provenance }));
    };
    if let Some(default) = &p.default {
        match &default.source {
            DefaultSource::Literal(value) => {
                s.insert("default".into(), json_value(value));
            }
            other => {
                s.insert("x-enswitch-default".into(), other.to_string().into());
            }
        }
        rule("default value", default.provenance);
    }
    if let Some(allowed) = &p.allowed {
        s.insert(
            "enum".into(),
            allowed.values.iter().map(json_value).collect(),
        );
        rule("allowed values", allowed.provenance);
    }
    if let Some(range) = &p.range {
        // A Decimal is text (its pattern above); only an Integer's bounds are JSON numbers.
        if p.ty == ParamType::Integer {
            if let Some(min) = &range.min {
                s.insert("minimum".into(), json_value(min));
            }
            if let Some(max) = &range.max {
                s.insert("maximum".into(), json_value(max));
            }
        }
        rule("range", range.provenance);
    }
    if let Some(places) = &p.places {
        rule("decimal places", places.provenance);
    }
    if let Some(format) = &p.format {
        s.insert("pattern".into(), format.name.pattern().into());
        rule("format", format.provenance);
    }
    if let Some(refers) = &p.refers_to {
        s.insert("x-enswitch-refers-to".into(), json!(refers));
    }
    if !rules.is_empty() {
        s.insert("x-enswitch-provenance".into(), Json::Array(rules));
    }
    Json::Object(s)
}

pub(super) fn json_value(value: &Value) -> Json {
    match value {
        Value::String(s) => Json::String(s.clone()),
        Value::Integer(i) => Json::from(*i),
        // Text, as the parameter's schema says, keeping its scale ("0.00").
        Value::Decimal(d) => Json::String(d.to_string()),
    }
}

/// The object a create function makes: the resource its siblings' `id` refers to
/// (`cards/groups/create` makes what `cards/groups/get`'s `id` names); `None` for any other.
fn creates(f: &Function, functions: &[&Function]) -> Option<ResourceKind> {
    let (folder, action) = f.path.rsplit_once('/')?;
    if action != "create" || !f.data.fields.iter().any(|field| field.name == "id") {
        return None;
    }
    functions
        .iter()
        .filter(|g| {
            g.path
                .rsplit_once('/')
                .is_some_and(|(dir, _)| dir == folder)
        })
        .filter_map(|g| g.param("id")?.refers_to.as_ref())
        .map(|r| r.resource)
        .next()
}

/// OpenAPI links from a create function's answer to every operation that takes the id it
/// answers (`data.id`), so that a stateful tester can make an object and then use it.
fn links(f: &Function, functions: &[&Function]) -> Map<String, Json> {
    let mut links = Map::new();
    let Some(made) = creates(f, functions) else {
        return links;
    };
    for g in functions {
        for p in &g.parameters {
            if !p.refers_to.as_ref().is_some_and(|r| r.resource == made) {
                continue;
            }
            // To the GET and the POST alike: a tester may follow either.
            for operation in [operation_id(g), format!("{}_post", operation_id(g))] {
                links.insert(
                    format!("{operation}.{}", p.name),
                    json!({
                        "operationId": operation,
                        "parameters": { p.name.clone(): "$response.body#/data/id" },
                        "description": format!("The id answered, as {}'s {}.", g.path, p.name),
                    }),
                );
            }
        }
    }
    links
}
