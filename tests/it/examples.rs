//! Every example of the vendor's pages, sent as written to a fresh `serve` over loopback HTTP,
//! answers as the page shows: the same `responses` element, and `data` of the same form (absent,
//! an object, an array). Where the page's answer is a slip of the page (`answer_code` in the
//! spec, with a note saying why), the faithful code is expected instead.

use enswitch_fake::spec::Spec;

use crate::support::Fake;

/// The `code` the vendor's example answer shows.
fn shown_code(response: &str) -> String {
    let start = response
        .find(r#""code":""#)
        .expect("every example shows a code")
        + 8;
    response[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// How the vendor's example answer carries `data`: "none", "object" or "array".
fn shown_form(response: &str) -> &'static str {
    match response.replace(' ', "").split_once(r#""data":"#) {
        None => "none",
        Some((_, rest)) if rest.starts_with('[') => "array",
        Some(_) => "object",
    }
}

fn form(answer: &serde_json::Value) -> &'static str {
    match answer.get("data") {
        None => "none",
        Some(serde_json::Value::Array(_)) => "array",
        Some(_) => "object",
    }
}

#[test]
fn every_example_url_answers_as_its_page_shows() {
    let spec = Spec::embedded().unwrap();
    let mut checked = 0;
    for function in spec.functions() {
        for example in &function.examples {
            // A fresh world each time, so no example sees another's changes.
            let fake = Fake::start();
            let path = example
                .request
                .strip_prefix("http://enswitch.example.com")
                .expect("the vendor's examples use enswitch.example.com");
            let answer = fake.get(path).json();
            let what = format!("{} example {:?}", function.path, example.title);
            let expected = example
                .answer_code
                .map_or_else(|| shown_code(&example.response), |c| c.to_string());
            assert_eq!(answer["responses"][0]["code"], expected.as_str(), "{what}");
            if example.answer_code.is_some() {
                continue;
            }
            assert_eq!(answer["responses"][0]["key"], "", "{what}");
            assert_eq!(answer["responses"][0]["message"], "OK", "{what}");
            assert_eq!(form(&answer), shown_form(&example.response), "{what}");
            // An answer the page shows whole (no "..." elided) must be ours byte for byte.
            if let Ok(whole) = serde_json::from_str::<serde_json::Value>(&example.response) {
                assert_eq!(answer, whole, "{what}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} examples were checked");
}
