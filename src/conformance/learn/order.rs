//! The order in which the target reports parameters that fail together (D5: the spec's order):
//! adjacent pairs first, and where one disagrees, a sort by asking (insertion by binary search).

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::Agreement;
use super::prober::Unprobed;
use super::study::{Probes, invalid};
use crate::conformance::config::Principal;
use crate::conformance::generate::{Pairs, with};
use crate::spec::Param;

impl Probes<'_, '_, '_> {
    /// The order in which the target reports parameters that fail together (D5: the spec's
    /// order). Adjacent pairs first; where one disagrees, a merge sort by asking.
    pub(super) fn order(&mut self, probed: &[&Param], base: &Pairs) {
        let candidates: Vec<(&Param, String)> = probed
            .iter()
            .filter_map(|p| Some((*p, invalid(p)?)))
            .collect();
        if candidates.len() < 2 {
            return;
        }
        let ours: Vec<String> = candidates.iter().map(|(p, _)| p.name.clone()).collect();
        let mut memo: BTreeMap<(usize, usize), bool> = BTreeMap::new();
        let mut failed = None;
        // Whether candidate `a` is reported before candidate `b`.
        let mut before = |study: &mut Self, a: usize, b: usize| -> Result<bool, Unprobed> {
            if let Some(known) = memo.get(&(a, b)) {
                return Ok(*known);
            }
            let (pa, va) = &candidates[a];
            let (pb, vb) = &candidates[b];
            let params = with(&with(base, &pa.name, va), &pb.name, vb);
            let answer = study.prober.ask(study.f, Principal::Full, &params)?;
            let first = if answer.code == 400 && answer.key == pa.name {
                true
            } else if answer.code == 400 && answer.key == pb.name {
                false
            } else {
                return Err(Unprobed::Order {
                    a: pa.name.clone(),
                    b: pb.name.clone(),
                    code: answer.code,
                    key: answer.key,
                });
            };
            memo.insert((a, b), first);
            memo.insert((b, a), !first);
            Ok(first)
        };
        let mut consistent = true;
        for i in 1..candidates.len() {
            match before(self, i - 1, i) {
                Ok(true) => {}
                Ok(false) => consistent = false,
                Err(why) => {
                    failed = Some(why);
                    break;
                }
            }
        }
        let observed = if failed.is_none() && !consistent {
            // Insertion by binary search: n log n questions.
            let mut sorted: Vec<usize> = Vec::new();
            for item in 0..candidates.len() {
                let (mut lo, mut hi) = (0, sorted.len());
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    match before(self, sorted[mid], item) {
                        Ok(true) => lo = mid + 1,
                        Ok(false) => hi = mid,
                        Err(why) => {
                            failed = Some(why);
                            break;
                        }
                    }
                }
                if failed.is_some() {
                    break;
                }
                sorted.insert(lo, item);
            }
            sorted
                .into_iter()
                .map(|i| candidates[i].0.name.clone())
                .collect()
        } else {
            ours.clone()
        };
        match failed {
            Some(why) => self.finding(
                None,
                "order",
                json!(ours),
                Json::Null,
                Agreement::Unknown,
                Some(why.to_string()),
            ),
            None => {
                let verdict = if observed == ours {
                    Agreement::Confirmed
                } else {
                    Agreement::Contradicted
                };
                self.observations.order = Some(observed.clone());
                self.finding(None, "order", json!(ours), json!(observed), verdict, None);
            }
        }
    }
}
