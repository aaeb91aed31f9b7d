//! The values a parameter takes, probed: an allowed set (each value, and near misses: case,
//! spaces, neighbours, and any value the target's refusal names), a Decimal's places (1 to 5),
//! and a currency code's format.

use serde_json::{Value as Json, json};

use super::prober::Unprobed;
use super::study::{ProbeAnswer, Probes, near_misses, quoted, sorted};
use super::{Agreement, PLACES_PROBED};
use crate::conformance::generate::Pairs;
use crate::conformance::secrets::Secrets;
use crate::spec::{FormatName, Param};

impl Probes<'_, '_, '_> {
    pub(super) fn allowed(&mut self, p: &Param, base: &Pairs) {
        let Some(allowed) = p.allowed.clone() else {
            return;
        };
        let ours: Vec<String> = allowed.values.iter().map(ToString::to_string).collect();
        let mut candidates: Vec<String> = ours.clone();
        for value in &ours {
            candidates.extend(near_misses(p.ty, value, &ours));
        }
        candidates.dedup();
        let mut observed = Vec::new();
        let mut asked: Vec<String> = Vec::new();
        let mut unknown = None;
        let mut at = 0;
        while at < candidates.len() {
            let value = candidates[at].clone();
            at += 1;
            if asked.contains(&value) {
                continue;
            }
            asked.push(value.clone());
            let params = self.probe(base, p, &value);
            match self.seen(p, &params) {
                ProbeAnswer::Accepted => observed.push(value),
                ProbeAnswer::Refused { message } => {
                    // A refusal that names the values it takes ("one of \"a\", \"b\"") may
                    // name one the spec lacks: ask for each.
                    let secrets = Secrets::of(self.prober.config);
                    for named in quoted(&message) {
                        // Never a password the target echoed back as a value to try.
                        if !candidates.contains(&named) && secrets.scrub(&named) == named {
                            candidates.push(named);
                        }
                    }
                }
                ProbeAnswer::Other(why) => {
                    let why = Unprobed::At {
                        param: p.name.clone(),
                        value: value.clone(),
                        why: Box::new(why),
                    };
                    unknown = Some(why.to_string());
                }
            }
        }
        let verdict = match &unknown {
            Some(_) => Agreement::Unknown,
            None if sorted(&observed) == sorted(&ours) => Agreement::Confirmed,
            None => Agreement::Contradicted,
        };
        if unknown.is_none() && !observed.is_empty() {
            // The spec's values first, in its order, then the new ones as found.
            let mut written: Vec<String> = ours
                .iter()
                .filter(|v| observed.contains(v))
                .cloned()
                .collect();
            written.extend(observed.iter().filter(|v| !ours.contains(v)).cloned());
            self.observations.allowed.insert(p.name.clone(), written);
        }
        self.finding(
            Some(&p.name),
            "allowed",
            json!(ours),
            json!(observed),
            verdict,
            unknown,
        );
    }

    pub(super) fn places(&mut self, p: &Param, base: &Pairs) {
        let ours = p.max_places();
        let mut observed = 0;
        let mut unknown = None;
        for places in 1..=PLACES_PROBED {
            // 1.5, 1.25, 1.125, ...: inside any range that takes 1 and 2.
            let value = format!("1.{}", "2".repeat(places as usize - 1) + "5");
            match self.accepts(base, p, &value) {
                Ok(true) => observed = places,
                Ok(false) => break,
                Err(why) => {
                    unknown = Some(why.to_string());
                    break;
                }
            }
        }
        let (verdict, reason) = match unknown {
            Some(why) => (Agreement::Unknown, Some(why)),
            None if observed == ours => (Agreement::Confirmed, None),
            None if observed > crate::spec::value::DECIMAL_PLACES => (
                Agreement::Contradicted,
                Some("more places than D12's four, which the spec cannot say: not written".into()),
            ),
            None => (Agreement::Contradicted, None),
        };
        if reason.is_none() {
            self.observations.places.insert(p.name.clone(), observed);
        }
        self.finding(
            Some(&p.name),
            "places",
            json!(ours),
            json!(observed),
            verdict,
            reason,
        );
    }

    pub(super) fn currency(&mut self, p: &Param, base: &Pairs) {
        let mut differs = Vec::new();
        for value in ["USD", "EUR", "usd", "US", "USDX", "U5D"] {
            match self.accepts(base, p, value) {
                Ok(taken) if taken == FormatName::CurrencyCode.matches(value) => {}
                Ok(taken) => differs.push(format!(
                    "{value} {}",
                    if taken { "taken" } else { "refused" }
                )),
                Err(why) => {
                    self.finding(
                        Some(&p.name),
                        "format",
                        json!("currency_code"),
                        Json::Null,
                        Agreement::Unknown,
                        Some(why.to_string()),
                    );
                    return;
                }
            }
        }
        if differs.is_empty() {
            self.observations
                .format
                .insert(p.name.clone(), FormatName::CurrencyCode);
            self.finding(
                Some(&p.name),
                "format",
                json!("currency_code"),
                json!("currency_code"),
                Agreement::Confirmed,
                None,
            );
        } else {
            let reason =
                Some("no format the spec knows fits: the rule is left as it was".to_owned());
            self.finding(
                Some(&p.name),
                "format",
                json!("currency_code"),
                json!(differs),
                Agreement::Contradicted,
                reason,
            );
        }
    }
}
