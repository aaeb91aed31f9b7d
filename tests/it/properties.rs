//! Properties of the parameter parser and the validator, over generated inputs (proptest), and
//! the fuzzers' saved inputs replayed (`fuzz/seeds`, `fuzz/regressions`).

use std::sync::OnceLock;

use enswitch_fake::fake::{RawParams, Settings, validate};
use enswitch_fake::spec::AUTH_PARAMS;
use enswitch_fake::spec::Spec;
use proptest::prelude::*;

#[path = "../../fuzz/input.rs"]
mod input;

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| Spec::embedded().unwrap())
}

/// Percent-encodes every byte but ASCII letters and digits, as a strict client would.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Texts a parameter might be sent: numbers of each shape, near-numbers, and anything at all.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        (0u32..100_000, 0u32..100_000).prop_map(|(a, b)| format!("{a}.{b}")),
        "[-+ 0-9.e,x]{0,12}",
        prop::sample::select(vec![
            "random",
            "sequential",
            "USD",
            "EUR",
            "usd",
            "0",
            "1",
            "2"
        ])
        .prop_map(str::to_owned),
        any::<String>(),
    ]
}

/// A function of the spec and parameters for it: mostly its own names, some strangers.
fn call() -> impl Strategy<Value = (usize, Vec<(String, String)>)> {
    let functions = spec().functions().len();
    (0..functions).prop_flat_map(|f| {
        let mut names: Vec<String> = spec().functions()[f]
            .parameters
            .iter()
            .map(|p| p.name.clone())
            .collect();
        names.push("stranger".into());
        let pair = (prop::sample::select(names), value());
        (Just(f), prop::collection::vec(pair, 0..12))
    })
}

proptest! {
    // A fixed seed: the same cases every run, so a failure is the code's, not the draw's.
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_bytes_parse_without_panicking(query in any::<String>(), body in any::<Vec<u8>>()) {
        let params = RawParams::parse(&query, Some(&body));
        prop_assert!(params.len() <= query.len() + body.len());
    }

    #[test]
    fn encoding_then_parsing_gives_the_parameters_back(
        pairs in prop::collection::vec((any::<String>(), any::<String>()), 0..8),
        ampersand in any::<bool>(),
    ) {
        let separator = if ampersand { "&" } else { ";" };
        let query: Vec<String> = pairs
            .iter()
            .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
            .collect();
        let parsed = RawParams::parse(&query.join(separator), None);
        let back: Vec<(String, String)> = parsed
            .pairs()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        prop_assert_eq!(back, pairs);
    }

    #[test]
    fn validation_gives_typed_values_or_a_400_naming_a_parameter((f, pairs) in call()) {
        let function = &spec().functions()[f];
        let raw = RawParams::from_pairs(pairs);
        let settings = Settings { max_cards: 100, ..Settings::default() };
        match validate(function, &raw, &settings) {
            Ok(params) => {
                for param in function.parameters.iter().skip(AUTH_PARAMS.len()) {
                    if let Some(value) = params.get(&param.name) {
                        prop_assert_eq!(value.param_type(), param.ty, "{}", param.name);
                    } else {
                        prop_assert!(!param.required, "required {} has no value", param.name);
                    }
                }
            }
            Err(error) => {
                prop_assert_eq!(error.code.as_u16(), 400);
                prop_assert!(
                    function.param(&error.key).is_some(),
                    "key {:?} names no parameter of {}", error.key, function.path
                );
            }
        }
    }

    #[test]
    fn any_request_to_any_function_is_answered_well(data in any::<Vec<u8>>()) {
        if let Some(request) = input::request(&data) {
            let app = app();
            app.reset().expect("an in-memory world resets");
            let answer = app.serve(request);
            prop_assert!(input::check(&answer).is_ok(), "{:?}", input::check(&answer));
        }
    }
}

fn app() -> &'static enswitch_fake::workbench::Workbench {
    static APP: OnceLock<enswitch_fake::workbench::Workbench> = OnceLock::new();
    APP.get_or_init(input::app)
}

/// Every input under `fuzz/seeds/<target>` and `fuzz/regressions/<target>`, by file name.
fn saved_inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut inputs = Vec::new();
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() && path.file_name().is_some_and(|n| n != ".gitkeep") {
                inputs.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    inputs.sort();
    inputs
}

#[test]
fn the_fuzzers_saved_inputs_replay_cleanly() {
    let handle = saved_inputs("handle");
    assert!(handle.len() >= 8, "the handle seeds are missing");
    for (name, data) in handle {
        let request = input::request(&data).unwrap_or_else(|| panic!("{name}: too short"));
        let app = app();
        app.reset().expect("an in-memory world resets");
        if let Err(why) = input::check(&app.serve(request)) {
            panic!("{name}: {why}");
        }
    }
    let params = saved_inputs("params");
    assert!(!params.is_empty(), "the params seeds are missing");
    for (_, data) in params {
        let (query, body) = input::split(&data);
        let parsed = RawParams::parse(&query, Some(body));
        for (name, _) in parsed.pairs() {
            let first = parsed.pairs().find(|(n, _)| *n == name).map(|(_, v)| v);
            assert_eq!(parsed.get(name), first);
        }
    }
}
