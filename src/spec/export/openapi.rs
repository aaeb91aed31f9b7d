//! The spec as an OpenAPI 3.1 document, for tools such as Schemathesis and Prism. Each function
//! is a path with a GET (parameters in the query) and a POST (a form body). Every answer is
//! HTTP 200 (D1) with the Enswitch code inside the envelope, so the document lists the codes in
//! the 200 answer's description and in `x-enswitch-codes`. Where OpenAPI has no word for an
//! Enswitch convention (`;` separators, provenance), an `x-enswitch-` extension says it.

use serde_json::{Map, Value as Json, json};

use crate::spec::value::{DECIMAL_PLACES, ParamType, Value};
use crate::spec::{Code, DataForm, DefaultSource, Function, Param};

const SEPARATORS: &str = "Parameters are separated by `;` (as in every example of the vendor's \
documentation) or `&`; both may be mixed. Clients may use GET with the parameters in the query \
string, or POST with a form body, the query string, or both.";

pub(super) fn render(functions: &[&Function]) -> String {
    let mut paths = Map::new();
    for f in functions {
        paths.insert(format!("/{}/", f.path), path_item(f));
    }
    let document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Enswitch JSON API: cards functions",
            "version": "4.4",
            "description": format!(
                "The cards functions of Integrics Enswitch's JSON API, and user/login, as specified \
                 by enswitch-fake. {SEPARATORS} Every call authenticates with auth_username and \
                 auth_password, or with an auth_token from user/login (4.1 and later). Every outcome is answered with HTTP status 200; the Enswitch code is the \
                 string in `responses[0].code`."
            ),
        },
        "servers": [{ "url": "http://enswitch.example.com/api/json" }],
        "x-enswitch-parameter-separators": [";", "&"],
        "paths": paths,
        "components": {
            "schemas": {
                "ResponseItem": {
                    "type": "object",
                    "required": ["code", "key", "message"],
                    "properties": {
                        "code": {
                            "type": "string",
                            "enum": Code::KNOWN.map(|c| c.to_string()),
                            "description": "The Enswitch answer code, always a JSON string.",
                        },
                        "key": {
                            "type": "string",
                            "description": "The offending parameter for 400 and 404; empty otherwise.",
                        },
                        "message": { "type": "string" },
                    },
                    "additionalProperties": false,
                },
            },
        },
    });
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value serializes");
    text.push('\n');
    text
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

fn path_item(f: &Function) -> Json {
    let id = f.path.replace('/', "_");
    let responses = answers(f);
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
        .map(query_parameter)
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
    let required: Vec<&str> = f
        .parameters
        .iter()
        .filter(|p| p.required && !replaced_by_token(p))
        .map(|p| p.name.as_str())
        .collect();
    json!({
        "summary": f.summary,
        "description": format!("{} {SEPARATORS}", f.authentication),
        "get": {
            "operationId": id,
            "tags": [f.path.split('/').next().unwrap_or_default()],
            "parameters": query,
            "responses": responses,
        },
        "post": {
            "operationId": format!("{id}_post"),
            "tags": [f.path.split('/').next().unwrap_or_default()],
            "requestBody": {
                "required": true,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": properties,
                            "required": required,
                        },
                    },
                },
            },
            "responses": responses,
        },
        "x-enswitch-kind": f.kind,
        "x-enswitch-access": f.access,
    })
}

fn query_parameter(p: &Param) -> Json {
    let (required, description) = if replaced_by_token(p) {
        let unless = format!("{} Required unless auth_token is sent.", p.description);
        (false, unless)
    } else {
        (p.required, p.description.clone())
    };
    json!({
        "name": p.name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema(p),
    })
}

/// The JSON Schema of one parameter: its type, then the rules that JSON Schema can say.
fn schema(p: &Param) -> Json {
    let mut s = Map::new();
    match p.ty {
        ParamType::String => {
            s.insert("type".into(), "string".into());
        }
        ParamType::Integer => {
            s.insert("type".into(), "integer".into());
            s.insert("format".into(), "int64".into());
        }
        ParamType::Decimal => {
            s.insert("type".into(), "number".into());
            s.insert(
                "description".into(),
                format!("Written as digits, optionally '.' and up to {DECIMAL_PLACES} decimals; no exponent.").into(),
            );
        }
        ParamType::Base64 => {
            s.insert("type".into(), "string".into());
            s.insert("contentEncoding".into(), "base64".into());
        }
    }
    let mut rules = Map::new();
    if let Some(default) = &p.default {
        match &default.source {
            DefaultSource::Literal(value) => {
                s.insert("default".into(), json_value(value));
            }
            other => {
                s.insert("x-enswitch-default".into(), other.to_string().into());
            }
        }
        rules.insert("default".into(), json!(default.provenance));
    }
    if let Some(allowed) = &p.allowed {
        s.insert(
            "enum".into(),
            allowed.values.iter().map(json_value).collect(),
        );
        rules.insert("enum".into(), json!(allowed.provenance));
    }
    if let Some(range) = &p.range {
        if let Some(min) = &range.min {
            s.insert("minimum".into(), json_value(min));
        }
        if let Some(max) = &range.max {
            s.insert("maximum".into(), json_value(max));
        }
        rules.insert("range".into(), json!(range.provenance));
    }
    if let Some(format) = &p.format {
        s.insert("pattern".into(), format.name.pattern().into());
        rules.insert("pattern".into(), json!(format.provenance));
    }
    if let Some(refers) = &p.refers_to {
        s.insert("x-enswitch-refers-to".into(), json!(refers));
    }
    if !rules.is_empty() {
        s.insert("x-enswitch-provenance".into(), Json::Object(rules));
    }
    Json::Object(s)
}

fn json_value(value: &Value) -> Json {
    match value {
        Value::String(s) => Json::String(s.clone()),
        Value::Integer(i) => Json::from(*i),
        // Query parameters are text; a number is what tools generate and compare with.
        Value::Decimal(d) => {
            let float: f64 = d
                .to_string()
                .parse()
                .expect("a decimal is a valid float literal");
            Json::from(float)
        }
    }
}

/// The single HTTP answer (200, D1) with the envelope and every Enswitch code of the function.
fn answers(f: &Function) -> Json {
    let mut codes = Map::new();
    let mut lines =
        vec!["HTTP 200 for every outcome; the Enswitch code is in `responses[0].code`:".to_owned()];
    for r in &f.responses {
        codes.insert(r.code.to_string(), r.description.clone().into());
        lines.push(format!("- `{}`: {}", r.code, r.description));
    }
    let mut properties = Map::new();
    properties.insert(
        "responses".into(),
        json!({
            "type": "array",
            "minItems": 1,
            "items": { "$ref": "#/components/schemas/ResponseItem" },
        }),
    );
    if let Some(data) = data_schema(f) {
        properties.insert("data".into(), data);
    }
    json!({
        "200": {
            "description": lines.join("\n"),
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["responses"],
                        "properties": properties,
                        "additionalProperties": false,
                    },
                },
            },
            "x-enswitch-codes": codes,
        },
    })
}

fn data_schema(f: &Function) -> Option<Json> {
    let mut properties = Map::new();
    for field in &f.data.fields {
        let ty = match field.ty {
            ParamType::Integer => json!({ "type": "integer", "description": field.description }),
            // In answers, card numbers, PINs and amounts are strings so their digits survive.
            ParamType::String | ParamType::Decimal | ParamType::Base64 => {
                json!({ "type": "string", "description": field.description })
            }
        };
        properties.insert(field.name.clone(), ty);
    }
    let object = json!({ "type": "object", "properties": properties });
    let described = |schema: Json| {
        let mut schema = schema;
        schema["description"] = f.data.description.clone().into();
        schema
    };
    match f.data.form.value {
        DataForm::None => None,
        DataForm::Object => Some(described(object)),
        DataForm::Array => Some(described(json!({ "type": "array", "items": object }))),
        DataForm::ObjectOrArray => Some(described(json!({
            "oneOf": [object, { "type": "array", "items": object }],
        }))),
    }
}
