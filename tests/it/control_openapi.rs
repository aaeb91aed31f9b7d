//! The control plane's own OpenAPI document (issue 30, item 4): served at a stable path, the same
//! as `spec export --format control-openapi`, and true of the fake: each operation it describes,
//! sent over HTTP, is answered with a status it documents and a body holding its schema's
//! required fields. (That it describes every endpoint the router has is a unit test of
//! `workbench::control`; that it is valid OpenAPI, `.ci/run`'s openapi-spec-validator.)

use serde_json::Value;

use crate::support::{Fake, run};

/// `#/components/...` `$ref`s followed until an object that is none.
fn resolve<'a>(document: &'a Value, mut node: &'a Value) -> &'a Value {
    while let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        let mut target = document;
        for step in reference.trim_start_matches("#/").split('/') {
            target = &target[step];
        }
        node = target;
    }
    node
}

#[test]
fn the_served_document_is_the_exported_one() {
    let fake = Fake::start();
    let served = fake.get("/_fake/control-openapi.json");
    assert_eq!(served.status, 200);
    assert_eq!(served.content_type, "application/json");
    let exported = run(&["spec", "export", "--format", "control-openapi"]);
    assert!(exported.status.success());
    let exported: Value = serde_json::from_slice(&exported.stdout).unwrap();
    assert_eq!(served.json(), exported);
    assert_eq!(exported["openapi"], "3.1.0");
    // The landing answer points to it, and it needs no admin token (it holds no data).
    assert_eq!(
        fake.get("/").json()["control_openapi"],
        "/_fake/control-openapi.json"
    );
}

#[test]
fn every_operation_described_answers_as_described() {
    let fake = Fake::start();
    let document: Value = fake.get("/_fake/control-openapi.json").json();
    // One request per operation, in an order that leaves each something to act on.
    let requests: [(&str, &str, &str, Option<&str>); 21] = [
        ("health", "GET", "/_fake/health", None),
        ("getState", "GET", "/_fake/state", None),
        ("getSeed", "GET", "/_fake/seed", None),
        ("getClock", "GET", "/_fake/clock", None),
        (
            "advanceClock",
            "POST",
            "/_fake/clock",
            Some(r#"{"advance":5}"#),
        ),
        ("listRequests", "GET", "/_fake/requests?limit=5", None),
        ("getStrictClient", "GET", "/_fake/strict-client", None),
        (
            "setStrictClient",
            "POST",
            "/_fake/strict-client",
            Some(r#"{"strict_client":false}"#),
        ),
        ("listDiagnostics", "GET", "/_fake/diagnostics", None),
        ("getContract", "GET", "/_fake/contract?name=api", None),
        (
            "addFault",
            "POST",
            "/_fake/faults",
            Some(
                r#"{"function":"cards/list","times":1,"action":{"error":{"code":"500","message":"boom"}}}"#,
            ),
        ),
        ("listFaults", "GET", "/_fake/faults", None),
        ("removeFault", "DELETE", "/_fake/faults/1", None),
        ("clearFaults", "DELETE", "/_fake/faults", None),
        ("overview", "GET", "/_fake/overview", None),
        ("listGroups", "GET", "/_fake/groups?limit=2", None),
        ("listBatches", "GET", "/_fake/batches?cardgroup=123", None),
        ("listCards", "GET", "/_fake/cards?batch=123", None),
        ("reset", "POST", "/_fake/reset", None),
        ("listNamespaces", "GET", "/_fake/ns", None),
        ("dropNamespace", "DELETE", "/_fake/ns/test-1", None),
    ];
    // A call for the contract to hold.
    let call =
        fake.get("/api/json/cards/groups/get/?auth_username=user;auth_password=password;id=123");
    assert_eq!(call.code(), "200", "{}", call.body);
    // A namespace to list and drop, made through the document's second server.
    let namespaced = fake.get("/_ns/test-1/_fake/clock");
    assert_eq!(namespaced.status, 200, "{}", namespaced.body);

    let mut exercised = Vec::new();
    for (id, method, target, body) in requests {
        let path = target.split('?').next().unwrap();
        let template = if path.starts_with("/_fake/faults/") {
            "/_fake/faults/{id}"
        } else if path.starts_with("/_fake/ns/") {
            "/_fake/ns/{name}"
        } else {
            path
        };
        let operation = &document["paths"][template][method.to_lowercase()];
        assert_eq!(operation["operationId"], id, "{method} {template}");
        let reply = match (method, body) {
            // JSON, which the checks below read; the YAML it answers by default is the same
            // document (tests/it/seeding.rs).
            ("GET", _) if id == "getSeed" => crate::support::send(
                fake.addr(),
                &format!(
                    "GET {target} HTTP/1.1\r\nHost: f\r\nAccept: application/json\r\n\
                     Connection: close\r\n\r\n"
                ),
            ),
            ("GET", _) => fake.get(target),
            ("POST", body) => fake.post(target, Some("application/json"), body.unwrap_or("")),
            _ => crate::support::send(
                fake.addr(),
                &format!("DELETE {target} HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n"),
            ),
        };
        let response = resolve(&document, &operation["responses"][reply.status.to_string()]);
        assert!(
            response.is_object(),
            "{id}: {} is not documented: {}",
            reply.status,
            reply.body
        );
        assert_eq!(reply.status / 100, 2, "{id}: {}", reply.body);
        let schema = resolve(
            &document,
            &response["content"]["application/json"]["schema"],
        );
        let answer = reply.json();
        for field in schema["required"].as_array().into_iter().flatten() {
            let field = field.as_str().unwrap();
            assert!(answer.get(field).is_some(), "{id}: no {field} in {answer}");
        }
        exercised.push(id);
    }
    // Every operation but the event stream (which runs for 25 s; see tests of the workbench).
    let mut described: Vec<&str> = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|operation| operation["operationId"].as_str())
        .filter(|id| *id != "followRequests")
        .collect();
    described.sort_unstable();
    exercised.sort_unstable();
    assert_eq!(described, exercised);
}

/// Every schema in the document uses only JSON Schema's keywords. A description with an unquoted
/// comma inside a YAML flow mapping (`{type: string, description: a, b}`) reads as an extra key
/// (`b`), which only an OpenAPI linter would otherwise notice; it happened twice.
#[test]
fn every_schema_holds_only_json_schema_keywords() {
    const KEYWORDS: [&str; 18] = [
        "type",
        "description",
        "enum",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "properties",
        "required",
        "additionalProperties",
        "minimum",
        "maximum",
        "default",
        "$ref",
        "oneOf",
        "format",
        "const",
        "pattern",
    ];
    fn walk(schema: &Value, at: &str, found: &mut Vec<String>) {
        let Some(fields) = schema.as_object() else {
            return;
        };
        for (key, value) in fields {
            if !KEYWORDS.contains(&key.as_str()) {
                found.push(format!("{at}: {key}"));
            }
            match key.as_str() {
                "properties" => {
                    for (name, property) in value.as_object().into_iter().flatten() {
                        walk(property, &format!("{at}.{name}"), found);
                    }
                }
                "items" | "additionalProperties" => walk(value, &format!("{at}[]"), found),
                "oneOf" | "prefixItems" => {
                    for (i, each) in value.as_array().into_iter().flatten().enumerate() {
                        walk(each, &format!("{at}/{i}"), found);
                    }
                }
                _ => {}
            }
        }
    }
    let document: Value =
        serde_json::from_str(enswitch_fake::workbench::control_openapi()).unwrap();
    let mut found = Vec::new();
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        walk(schema, name, &mut found);
    }
    assert_eq!(found, Vec::<String>::new());
}
