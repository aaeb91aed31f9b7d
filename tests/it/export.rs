//! The exports, pinned by snapshots reviewed against the vendor's pages (which
//! `scripts/check-vendor-pages.py` compares with them row for row, in CI).

use enswitch_fake::fake::{DEFAULT_RNG_SEED, seed};
use enswitch_fake::spec::export::{ExportFormat, HttpStatuses, OpenApiOptions, openapi, render};
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

/// The document `spec export --format openapi` writes: examples asked of the fake included.
fn with_samples(spec: &Spec, statuses: HttpStatuses) -> serde_json::Value {
    let functions: Vec<&Function> = spec.functions().iter().collect();
    let seed = seed::embedded(spec, DEFAULT_RNG_SEED).unwrap();
    let samples = enswitch_fake::conformance::samples(spec, seed);
    let options = OpenApiOptions {
        statuses,
        max_cards: Some(enswitch_fake::fake::DEFAULT_MAX_CARDS),
        trailing_slash: false,
    };
    serde_json::from_str(&openapi(&functions, &options, &samples)).unwrap()
}

#[test]
fn openapi_export_is_pinned() {
    let document = with_samples(&spec(), HttpStatuses::Ok);
    insta::assert_snapshot!(serde_json::to_string_pretty(&document).unwrap());
}

/// Issue 16: every function's answers carry examples the fake really gave on the seed, one per
/// code some case draws, each under the answer for its code (mirror) and its parameters the
/// successful request's; never a credential.
#[test]
fn openapi_examples_are_the_fakes_own_answers_on_the_seed() {
    let spec = spec();
    let mirror = with_samples(&spec, HttpStatuses::Mirror);
    let mut examples = 0;
    for function in spec.functions() {
        let item = &mirror["paths"][format!("/{}", function.path)];
        for (status, answer) in item["get"]["responses"].as_object().unwrap() {
            let shown = answer["content"]["application/json"]["examples"].as_object();
            for (name, example) in shown.into_iter().flatten() {
                let code = &example["value"]["responses"][0]["code"];
                assert_eq!(code, status.as_str(), "{} {name}", function.path);
                examples += 1;
            }
        }
        // Every function answers at least a 400 (a required parameter missing or wrong) and a
        // 401 (a wrong password) on the seed.
        for status in ["400", "401"] {
            let answer = &item["get"]["responses"][status];
            assert!(
                answer["content"]["application/json"]["examples"]["code-".to_owned() + status]
                    .is_object(),
                "{} {status}",
                function.path
            );
        }
        let parameters = item["get"]["parameters"].as_array().unwrap();
        assert!(
            parameters
                .iter()
                .filter(|p| p["name"].as_str().unwrap().starts_with("auth_"))
                .all(|p| p.get("example").is_none()),
            "no credential is an example"
        );
    }
    assert!(examples > 40, "{examples} examples");
    let update = &mirror["paths"]["/cards/groups/update"]["get"];
    let id = update["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "id")
        .unwrap();
    assert_eq!(id["example"], 123, "the seed's card group, an Integer");
    let missing =
        &update["responses"]["400"]["content"]["application/json"]["examples"]["code-400"];
    assert_eq!(missing["value"]["responses"][0]["key"], "id");
    let text = mirror.to_string();
    assert!(
        !text.contains("auth_password="),
        "no request with a password"
    );
    assert!(!text.contains("eyJ"), "no token");
}

/// Issue 16: a create function's success links its `data.id` to every operation that takes
/// the object it made, so Schemathesis' stateful phase can make a card group, then use it.
#[test]
fn openapi_links_what_create_makes_to_what_uses_it() {
    let document = with_samples(&spec(), HttpStatuses::Ok);
    let links = &document["paths"]["/cards/groups/create"]["get"]["responses"]["200"]["links"];
    for (link, operation, parameter) in [
        ("cards_groups_update.id", "cards_groups_update", "id"),
        ("cards_groups_get_post.id", "cards_groups_get_post", "id"),
        (
            "cards_batches_create.cardgroup",
            "cards_batches_create",
            "cardgroup",
        ),
    ] {
        assert_eq!(links[link]["operationId"], operation);
        assert_eq!(
            links[link]["parameters"][parameter],
            "$response.body#/data/id"
        );
    }
    let batch = &document["paths"]["/cards/batches/create"]["get"]["responses"]["200"]["links"];
    assert_eq!(
        batch["cards_list.batch"]["parameters"]["batch"],
        "$response.body#/data/id"
    );
    assert!(
        document["paths"]["/cards/groups/update"]["get"]["responses"]["200"]
            .get("links")
            .is_none(),
        "only what creates links"
    );
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
        let item = &paths[&format!("/{}", function.path)];
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
    }
    assert_eq!(
        document["security"],
        serde_json::json!([{"username": [], "password": []}, {"token": []}])
    );
    assert_eq!(
        document["components"]["securitySchemes"]["token"]["name"],
        "auth_token"
    );
}

/// Issue 16: a POST may carry its parameters in the query string as well as the body (D2), so
/// the document declares them there too and requires neither.
#[test]
fn openapi_post_takes_parameters_in_the_query_or_the_body() {
    let document: serde_json::Value =
        serde_json::from_str(&all(&spec(), ExportFormat::OpenApi)).unwrap();
    for (path, item) in document["paths"].as_object().unwrap() {
        let post = &item["post"];
        assert_eq!(post["requestBody"]["required"], false, "{path}");
        let get_names: Vec<&serde_json::Value> = item["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| &p["name"])
            .collect();
        let post_params = post["parameters"].as_array().unwrap();
        let post_names: Vec<&serde_json::Value> = post_params.iter().map(|p| &p["name"]).collect();
        assert_eq!(post_names, get_names, "{path}");
        assert!(post_params.iter().all(|p| p["required"] == false), "{path}");
        assert!(
            item.get("summary").is_none() && post["summary"].is_string(),
            "{path}"
        );
    }
}

/// Issue 16: with `--http-status mirror` each Enswitch code is an HTTP answer of its own, with
/// the envelope whose code is that code (204: no body); 405 and 415 are documented either way.
#[test]
fn openapi_for_a_mirroring_server_has_an_answer_per_code() {
    let spec = spec();
    let functions: Vec<&Function> = spec.functions().iter().collect();
    let mirror: serde_json::Value = serde_json::from_str(&enswitch_fake::spec::export::render_for(
        &functions,
        ExportFormat::OpenApi,
        enswitch_fake::spec::export::HttpStatuses::Mirror,
    ))
    .unwrap();
    assert_eq!(mirror["x-enswitch-http-status"], "mirror");
    for function in spec.functions() {
        let answers = &mirror["paths"][format!("/{}", function.path)]["get"]["responses"];
        let mut statuses: Vec<&String> = answers.as_object().unwrap().keys().collect();
        statuses.sort();
        let mut expected: Vec<String> = function
            .responses
            .iter()
            .map(|r| r.code.to_string())
            .collect();
        expected.extend(["405".to_owned(), "415".to_owned()]);
        expected.sort();
        assert_eq!(
            statuses,
            expected.iter().collect::<Vec<_>>(),
            "{}",
            function.path
        );
        for response in &function.responses {
            let code = response.code.to_string();
            let answer = &answers[&code];
            if code == "204" {
                assert!(answer.get("content").is_none(), "{}", function.path);
                continue;
            }
            let envelope = resolve(&mirror, &answer["content"]["application/json"]["schema"]);
            let item = resolve(&mirror, &envelope["properties"]["responses"]["items"]);
            assert_eq!(
                item["properties"]["code"]["enum"],
                serde_json::json!([code])
            );
            // A success that returns data always has it.
            if envelope["properties"].get("data").is_some() {
                assert_eq!(
                    envelope["required"],
                    serde_json::json!(["responses", "data"])
                );
            }
        }
    }
    // Issue 31: one schema per code, no `allOf` narrowing a general one, which code generators
    // cannot merge.
    assert!(!mirror.to_string().contains("allOf"));
    let ok: serde_json::Value = serde_json::from_str(&all(&spec, ExportFormat::OpenApi)).unwrap();
    assert!(!ok.to_string().contains("allOf"));
    let update = &ok["paths"]["/cards/groups/update"]["get"]["responses"];
    assert_eq!(
        update["200"]["content"]["application/json"]["schema"]["properties"]["responses"]["items"]
            ["properties"]["code"]["enum"],
        serde_json::json!(["201", "204", "400", "401", "402", "403", "404"]),
        "the code enum is the function's own"
    );
    assert!(update["405"].is_object() && update["415"].is_object());
}

/// `#/components/...` `$ref`s followed until an object that is none.
fn resolve<'a>(
    document: &'a serde_json::Value,
    mut node: &'a serde_json::Value,
) -> &'a serde_json::Value {
    while let Some(reference) = node.get("$ref").and_then(serde_json::Value::as_str) {
        node = document
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{reference} leads nowhere"));
    }
    node
}

/// Issue 31: what a code generator types and a mock answers: every answer field required and
/// nothing else allowed, each with the allowed values, pattern and range of the parameter that
/// sets it; `number` and `batch_number` at most the card cap; the vendor's paths on request.
#[test]
fn openapi_answer_fields_are_typed_like_the_parameters_that_set_them() {
    let spec = spec();
    let mirror = with_samples(&spec, HttpStatuses::Mirror);
    let get = &mirror["paths"]["/cards/groups/get"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"]["properties"]["data"];
    let fields = get["properties"].as_object().unwrap();
    let mut required: Vec<&str> = get["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    required.sort_unstable();
    let mut named: Vec<&str> = fields.keys().map(String::as_str).collect();
    named.sort_unstable();
    assert_eq!(required, named);
    assert_eq!(get["additionalProperties"], false);
    assert_eq!(
        fields["method"]["enum"],
        serde_json::json!(["random", "sequential"])
    );
    assert_eq!(fields["card_length"]["maximum"], 20);
    assert_eq!(fields["locked"]["enum"], serde_json::json!([0, 1]));

    let create = mirror["paths"]["/cards/batches/create"]["get"]["parameters"]
        .as_array()
        .unwrap();
    for name in ["number", "batch_number"] {
        let parameter = create.iter().find(|p| p["name"] == name).unwrap();
        assert_eq!(parameter["schema"]["maximum"], 100_000, "{name}");
    }

    let functions: Vec<&Function> = spec.functions().iter().collect();
    let options = OpenApiOptions {
        trailing_slash: true,
        ..OpenApiOptions::default()
    };
    let vendor: serde_json::Value =
        serde_json::from_str(&openapi(&functions, &options, &Default::default())).unwrap();
    let paths: Vec<&String> = vendor["paths"].as_object().unwrap().keys().collect();
    assert!(paths.iter().all(|p| p.ends_with('/')), "{paths:?}");
    assert!(vendor["paths"]["/cards/groups/update/"].is_object());
}

#[test]
fn openapi_says_semicolons_separate_parameters_and_lists_every_code() {
    let document: serde_json::Value =
        serde_json::from_str(&all(&spec(), ExportFormat::OpenApi)).unwrap();
    assert_eq!(
        document["x-enswitch-parameter-separators"],
        serde_json::json!([";", "&"])
    );
    let update = &document["paths"]["/cards/groups/update"]["get"]["responses"]["200"];
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
    let create = &document["paths"]["/cards/batches/create"]["get"]["responses"]["200"];
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
    let params = document["paths"]["/cards/batches/create"]["get"]["parameters"]
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
    // A Decimal is text of D12's syntax, not a JSON number a tool would write as 1e3.
    assert_eq!(by_name("balance")["schema"]["type"], "string");
    assert_eq!(
        by_name("balance")["schema"]["pattern"],
        "^[0-9]+(\\.[0-9]{1,4})?$"
    );
    assert_eq!(by_name("balance")["schema"]["default"], "0.00");
    assert_eq!(
        by_name("balance")["schema"]["x-enswitch-provenance"],
        serde_json::json!([
            {"rule": "default value", "provenance": "documented"},
            {"rule": "range", "provenance": "inferred"}
        ])
    );
    assert_eq!(by_name("currency")["schema"]["pattern"], "^[A-Z]{3}$");
    assert!(by_name("currency").get("allowEmptyValue").is_none());
    let update = &document["paths"]["/cards/groups/update"]["get"]["parameters"];
    let empty = |name: &str| {
        update
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["allowEmptyValue"]
            .clone()
    };
    assert_eq!(empty("charge_period"), true, "empty is never");
    assert_eq!(empty("callerid"), true);
    assert_eq!(
        empty("clock"),
        serde_json::Value::Null,
        "an Integer is never empty"
    );
}

/// Issue 16: `cards/list` with `count=1` or `pages=1` answers an object, which the document
/// says beside the rows.
#[test]
fn openapi_says_cards_list_may_answer_a_count_or_pages() {
    let document: serde_json::Value =
        serde_json::from_str(&all(&spec(), ExportFormat::OpenApi)).unwrap();
    let schema = &document["paths"]["/cards/list"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"]["properties"]["data"];
    let shapes = schema["oneOf"].as_array().unwrap();
    assert_eq!(shapes.len(), 3);
    assert_eq!(shapes[0]["type"], "array");
    assert_eq!(shapes[1]["required"], serde_json::json!(["count"]));
    assert_eq!(shapes[2]["required"], serde_json::json!(["pages"]));
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
