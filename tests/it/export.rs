//! The exports, pinned by snapshots reviewed against the vendor's pages in
//! ../shared/enswitch-docs/ (`scripts/check-vendor-pages.py` compares them row for row).

use enswitch_fake::spec::export::{ExportFormat, render};
use enswitch_fake::spec::{Function, Spec};

fn spec() -> Spec {
    Spec::embedded().expect("the embedded spec is valid")
}

fn one(spec: &Spec, path: &str, format: ExportFormat) -> String {
    let function: &Function = spec.function(path).expect("the function is in the spec");
    render(&[function], format)
}

fn all(spec: &Spec, format: ExportFormat) -> String {
    let functions: Vec<&Function> = spec.functions().iter().collect();
    render(&functions, format)
}

#[test]
fn markdown_of_cards_batches_create_is_the_vendors_page() {
    insta::assert_snapshot!(one(&spec(), "cards/batches/create", ExportFormat::Markdown));
}

#[test]
fn markdown_of_cards_groups_update_is_the_vendors_page() {
    insta::assert_snapshot!(one(&spec(), "cards/groups/update", ExportFormat::Markdown));
}

#[test]
fn markdown_of_the_setup_and_observation_functions() {
    let spec = spec();
    let others: Vec<&Function> = spec
        .functions()
        .iter()
        .filter(|f| !["cards/batches/create", "cards/groups/update"].contains(&f.path.as_str()))
        .collect();
    assert_eq!(others.len(), 9);
    insta::assert_snapshot!(render(&others, ExportFormat::Markdown));
}

#[test]
fn openapi_export_is_pinned() {
    insta::assert_snapshot!(all(&spec(), ExportFormat::OpenApi));
}

#[test]
fn openapi_export_parses_as_openapi_3_1_with_get_and_post_for_every_function() {
    let spec = spec();
    let document = oas3::from_json(all(&spec, ExportFormat::OpenApi)).expect("valid OpenAPI");
    let version = document.validate_version().expect("a supported version");
    assert_eq!((version.major, version.minor), (3, 1));
    let paths = document.paths.as_ref().expect("paths");
    assert_eq!(paths.len(), spec.functions().len());
    for function in spec.functions() {
        let item = &paths[&format!("/{}/", function.path)];
        let get = item.get.as_ref().expect("GET");
        let post = item.post.as_ref().expect("POST");
        assert_eq!(
            get.parameters.len(),
            function.parameters.len() + 1,
            "{}: every parameter, and auth_token",
            function.path
        );
        assert!(post.request_body.is_some(), "{}", function.path);
    }
}

/// Issue 15: the document says a client may send auth_token instead of the username and
/// password, on every function, in the query or the form.
#[test]
fn openapi_offers_auth_token_in_place_of_username_and_password() {
    let document: serde_json::Value =
        serde_json::from_str(&all(&spec(), ExportFormat::OpenApi)).unwrap();
    for (path, item) in document["paths"].as_object().unwrap() {
        let params = item["get"]["parameters"].as_array().unwrap();
        let param = |name: &str| params.iter().find(|p| p["name"] == name).unwrap().clone();
        assert_eq!(param("auth_token")["required"], false, "{path}");
        for name in ["auth_username", "auth_password"] {
            assert_eq!(param(name)["required"], false, "{path} {name}");
            let text = param(name)["description"].as_str().unwrap().to_owned();
            assert!(
                text.ends_with("Required unless auth_token is sent."),
                "{text}"
            );
        }
        let form =
            &item["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
        assert!(form["properties"]["auth_token"].is_object(), "{path}");
        let required = form["required"].as_array().unwrap();
        assert!(
            !required.contains(&serde_json::json!("auth_password")),
            "{path}"
        );
    }
}

#[test]
fn openapi_says_semicolons_separate_parameters_and_lists_every_code() {
    let document: serde_json::Value =
        serde_json::from_str(&all(&spec(), ExportFormat::OpenApi)).unwrap();
    assert_eq!(
        document["x-enswitch-parameter-separators"],
        serde_json::json!([";", "&"])
    );
    let update = &document["paths"]["/cards/groups/update/"]["get"]["responses"]["200"];
    let codes = update["x-enswitch-codes"].as_object().unwrap();
    let listed: Vec<&str> = codes.keys().map(String::as_str).collect();
    assert_eq!(listed, ["201", "204", "400", "401", "402", "403", "404"]);
    assert_eq!(
        codes["404"],
        "The card group does not exist, or you do not have permission to update it."
    );
    // A 204 function has no `data` in its envelope; a 200 function has one.
    assert!(
        update["content"]["application/json"]["schema"]["properties"]
            .get("data")
            .is_none()
    );
    let create = &document["paths"]["/cards/batches/create/"]["get"]["responses"]["200"];
    assert!(
        create["content"]["application/json"]["schema"]["properties"]
            .get("data")
            .is_some()
    );
}

#[test]
fn openapi_parameters_carry_types_enums_defaults_and_required() {
    let document: serde_json::Value =
        serde_json::from_str(&all(&spec(), ExportFormat::OpenApi)).unwrap();
    let params = document["paths"]["/cards/batches/create/"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let by_name = |name: &str| params.iter().find(|p| p["name"] == name).unwrap().clone();
    assert_eq!(by_name("cardgroup")["required"], true);
    assert_eq!(by_name("cardgroup")["schema"]["type"], "integer");
    assert_eq!(
        by_name("method")["schema"]["enum"],
        serde_json::json!(["random", "sequential"])
    );
    assert_eq!(
        by_name("method")["schema"]["x-enswitch-default"],
        "Default for group."
    );
    assert_eq!(
        by_name("locked")["schema"]["enum"],
        serde_json::json!([0, 1])
    );
    assert_eq!(by_name("number")["schema"]["default"], 1);
    assert_eq!(by_name("card_length")["schema"]["maximum"], 20);
    assert_eq!(by_name("balance")["schema"]["type"], "number");
    assert_eq!(by_name("currency")["schema"]["pattern"], "^[A-Z]{3}$");
}

#[test]
fn json_export_is_the_whole_model() {
    let spec = spec();
    let document: serde_json::Value =
        serde_json::from_str(&all(&spec, ExportFormat::Json)).unwrap();
    let functions = document.as_array().unwrap();
    assert_eq!(functions.len(), 11);
    let create = functions
        .iter()
        .find(|f| f["path"] == "cards/batches/create")
        .unwrap();
    let pin_length = create["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "pin_length")
        .unwrap();
    assert_eq!(
        pin_length["default"],
        serde_json::json!({"source": {"group_field": "pin_minimum"}, "provenance": "inferred"})
    );
}
