//! Examples for the OpenAPI document, made by asking the fake rather than written by hand: the
//! suite's own one-step cases go, in the generator's order, to a fake in this process on its
//! embedded seed, reset before each, and the first request to draw each of a function's codes
//! (for a success, the one with the most parameters) is kept with the answer it got. So the document's examples name objects the seed holds
//! (`id=123`), and cannot drift from what the fake answers.
//!
//! No secret is kept: the credentials are not among a case's parameters, and a password or
//! token an answer might echo is redacted as the runner redacts it.

use crate::conformance::case::Form;
use crate::conformance::config::TargetConfig;
use crate::conformance::generate;
use crate::conformance::secrets::Secrets;
use crate::conformance::target::{InProcess, Target, WireRequest};
use crate::fake::World;
use crate::spec::export::{Sample, Samples};
use crate::spec::{Code, Spec};
use crate::workbench::{Config, Workbench};

/// A sample per code of each function of `spec` that some one-step case draws from a fake
/// starting as `world`. The cases name the embedded seed's objects, so another seed may show
/// other codes than a user expects.
pub fn samples(spec: &Spec, world: World) -> Samples {
    // Its calls are the tool's own, not traffic: the request log does not show them.
    let target = InProcess {
        workbench: Workbench::new(spec.clone(), world, Config::default()).unlogged(),
    };
    let config = TargetConfig::fake_seed();
    let mut secrets = Secrets::of(&config);
    let mut samples = Samples::new();
    for case in generate::cases(spec) {
        let [step] = case.steps.as_slice() else {
            continue;
        };
        if step.token.is_some() || step.advance_clock.is_some() || step.form != Form::GetSemicolon {
            continue;
        }
        let Some(who) = config.credentials(step.principal) else {
            continue;
        };
        let Some(params) = filled(&step.params, &config) else {
            continue;
        };
        let wire = WireRequest::new(&step.function, step.form, &who, &params);
        // In this process, on a fresh seed: neither can fail but for a bug, which a missing
        // example shows better than a panic in a server's OpenAPI endpoint.
        let (Ok(true), Ok(answer)) = (target.reset(), target.send(&wire)) else {
            continue;
        };
        let Ok(mut envelope) = serde_json::from_str::<serde_json::Value>(&answer.body) else {
            continue;
        };
        let code = envelope["responses"][0]["code"].as_str();
        let Some(code) = code.and_then(|c| c.parse().ok()).and_then(Code::new) else {
            continue;
        };
        // The first request per code; for a success, the one with the most parameters, whose
        // values then serve as the parameters' examples.
        let kept = samples.entry(step.function.clone()).or_default();
        if let Some(at) = kept.iter().position(|s| s.code == code) {
            if !code.is_success() || kept[at].params.len() >= params.len() {
                continue;
            }
            kept.remove(at);
        }
        if let Some(token) = envelope["data"]["auth_token"].as_str() {
            secrets.add(token);
        }
        if let Ok(scrubbed) = serde_json::from_str(&secrets.scrub(&envelope.to_string())) {
            envelope = scrubbed;
        }
        kept.push(Sample {
            code,
            summary: case.rule.clone(),
            params: params
                .into_iter()
                .map(|(n, v)| (n, secrets.scrub(&v)))
                .collect(),
            answer: envelope,
        });
    }
    samples
}

/// A step's `name=value` parameters with the config's objects in place of their placeholders;
/// `None` if one names an object the config lacks.
fn filled(params: &[String], config: &TargetConfig) -> Option<Vec<(String, String)>> {
    params
        .iter()
        .map(|p| {
            let mut text = p.clone();
            for name in crate::conformance::case::placeholders(p) {
                let value = config.resources.get(&name)?;
                text = text.replace(&format!("{{{name}}}"), &value);
            }
            let (name, value) = text.split_once('=').unwrap_or((&text, ""));
            Some((name.to_owned(), value.to_owned()))
        })
        .collect()
}
