//! The embedded spec says what the vendor's pages say and what docs/decisions.md decides, so the
//! server and the suite built on it inherit both.

use enswitch_fake::spec::{Code, DefaultSource, Function, Provenance, Spec};
use enswitch_fake::spec::{ParamType, Value};

fn spec() -> Spec {
    Spec::embedded().expect("the embedded spec is valid")
}

fn names(function: &Function) -> Vec<&str> {
    function
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .collect()
}

#[test]
fn the_embedded_spec_is_the_spec_directory() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("spec");
    let from_dir = Spec::from_dir(&dir).expect("spec/ is valid");
    assert_eq!(
        serde_json::to_value(spec()).unwrap(),
        serde_json::to_value(from_dir).unwrap()
    );
}

#[test]
fn cards_batches_create_has_the_vendors_parameters_in_the_vendors_order() {
    let spec = spec();
    let create = spec.function("cards/batches/create").unwrap();
    assert_eq!(
        names(create),
        [
            "auth_username",
            "auth_password",
            "cardgroup",
            "batch_name",
            "balance",
            "batch_number",
            "card_length",
            "currency",
            "lock_cards",
            "locked",
            "method",
            "number",
            "pin_length",
            "validation",
        ]
    );
    let required: Vec<&str> = create
        .parameters
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        required,
        ["auth_username", "auth_password", "cardgroup", "batch_name"]
    );
}

#[test]
fn cards_groups_update_has_the_vendors_parameters_in_the_vendors_order() {
    let spec = spec();
    let update = spec.function("cards/groups/update").unwrap();
    assert_eq!(
        names(update),
        [
            "auth_username",
            "auth_password",
            "id",
            "allow_balance",
            "balance",
            "callerid",
            "card_length",
            "change_pin",
            "charge",
            "charge_after",
            "charge_locked",
            "charge_period",
            "clock",
            "credit",
            "currency",
            "description",
            "dialplan",
            "dnumber",
            "expires",
            "expires_after",
            "hide_expired",
            "hide_locked",
            "language",
            "locked",
            "method",
            "name",
            "pin_maximum",
            "pin_minimum",
            "plan",
            "play_balance",
            "play_time",
            "warn_called",
            "warn_caller",
            "warn_repeat",
            "warn_time",
            "validation",
        ]
    );
}

#[test]
fn update_defaults_every_optional_field_to_its_current_value_except_validation() {
    let spec = spec();
    let update = spec.function("cards/groups/update").unwrap();
    for param in update.parameters.iter().filter(|p| !p.required) {
        let default = param
            .default
            .as_ref()
            .expect("optional parameters have a default");
        let expected = if param.name == "validation" {
            DefaultSource::Literal(Value::Integer(0))
        } else {
            DefaultSource::CurrentValue
        };
        assert_eq!(default.source, expected, "{}", param.name);
        assert_eq!(default.provenance, Provenance::Documented, "{}", param.name);
    }
}

#[test]
fn batch_creation_takes_four_defaults_from_the_group_and_only_pin_length_is_inferred() {
    let spec = spec();
    let create = spec.function("cards/batches/create").unwrap();
    let from_group = [
        ("card_length", "card_length", Provenance::Documented),
        ("currency", "currency", Provenance::Documented),
        ("method", "method", Provenance::Documented),
        ("pin_length", "pin_minimum", Provenance::Inferred),
    ];
    for (param, field, provenance) in from_group {
        let default = create.param(param).unwrap().default.as_ref().unwrap();
        assert_eq!(
            default.source,
            DefaultSource::GroupField(field.into()),
            "{param}"
        );
        assert_eq!(default.provenance, provenance, "{param}");
    }
}

#[test]
fn the_vendors_allowed_values_are_documented_and_the_ranges_of_d11_d12_inferred() {
    let spec = spec();
    let update = spec.function("cards/groups/update").unwrap();
    let allowed = |name: &str| {
        let allowed = update.param(name).unwrap().allowed.as_ref().unwrap();
        assert_eq!(allowed.provenance, Provenance::Documented, "{name}");
        allowed
            .values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(allowed("method"), ["random", "sequential"]);
    assert_eq!(allowed("charge_after"), ["create", "firstuse"]);
    assert_eq!(allowed("expires_after"), ["create", "firstuse"]);
    assert_eq!(
        allowed("charge_period"),
        ["daily", "weekly", "monthly", "annually", ""]
    );
    assert_eq!(allowed("locked"), ["0", "1"]);

    let range = |name: &str| {
        let range = update.param(name).unwrap().range.as_ref().unwrap();
        assert_eq!(range.provenance, Provenance::Inferred, "{name}");
        (
            range.min.as_ref().map(ToString::to_string),
            range.max.as_ref().map(ToString::to_string),
        )
    };
    assert_eq!(range("card_length"), (Some("4".into()), Some("20".into())));
    assert_eq!(range("pin_minimum"), (Some("0".into()), Some("20".into())));
    assert_eq!(range("clock"), (Some("1".into()), Some("1000".into())));
    assert_eq!(range("balance"), (Some("0".into()), None));
}

#[test]
fn expires_stays_a_string_as_the_vendor_types_it() {
    let spec = spec();
    let expires = spec
        .function("cards/groups/update")
        .unwrap()
        .param("expires")
        .unwrap();
    assert_eq!(expires.ty, ParamType::String);
    assert!(expires.check(&Value::String("30".into())).is_ok());
    assert!(expires.check(&Value::String("-1".into())).is_err());
}

#[test]
fn only_functions_whose_page_lists_403_carry_it() {
    let spec = spec();
    let code = Code::new(403).unwrap();
    assert!(spec.function("cards/groups/update").unwrap().has_code(code));
    assert!(
        !spec
            .function("cards/batches/create")
            .unwrap()
            .has_code(code)
    );
    assert!(!spec.function("cards/groups/get").unwrap().has_code(code));
}

#[test]
fn validation_and_201_go_together_and_no_read_function_has_them() {
    // cards/files/upload and cards/files/delete write without a validation parameter, as their
    // pages show.
    for function in spec().functions() {
        let writes = function.access.value == enswitch_fake::spec::Access::Write;
        let validates = function.param("validation").is_some();
        assert_eq!(
            function.has_code(Code::new(201).unwrap()),
            validates,
            "{}",
            function.path
        );
        assert!(writes || !validates, "{}", function.path);
    }
}
