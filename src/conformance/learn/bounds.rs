//! The ranges of a parameter, probed: at and past each bound the spec gives and, where the target
//! disagrees, an exponential then a binary search within `SEARCH_WINDOW` of zero.

use serde_json::{Value as Json, json};

use super::prober::Unprobed;
use super::study::{Probes, whole};
use super::{Agreement, SEARCH_WINDOW};
use crate::conformance::generate::Pairs;
use crate::spec::Param;
use crate::spec::value::Value;

impl Probes<'_, '_, '_> {
    pub(super) fn range(&mut self, p: &Param, base: &Pairs) {
        let Some(range) = p.range.clone() else {
            return;
        };
        // A value inside the range, where an inward search ends.
        let inside = match (whole(range.min.as_ref()), whole(range.max.as_ref())) {
            (Some(min), Some(max)) => (min + max) / 2,
            (Some(min), None) => min.max(1),
            (None, Some(max)) => max.min(0),
            (None, None) => 0,
        };
        let min = self.one_bound(base, p, range.min.as_ref(), inside, true);
        let max = self.one_bound(base, p, range.max.as_ref(), inside, false);
        self.observations.range.insert(p.name.clone(), (min, max));
    }

    /// Probes one bound of `p` (`ours`, the spec's), records the finding, and returns the bound
    /// to write: the spec's own text when confirmed or unknown ("0.00" stays), the observed one
    /// when contradicted, `None` when there is none.
    fn one_bound(
        &mut self,
        base: &Pairs,
        p: &Param,
        ours: Option<&Value>,
        inside: i64,
        lower: bool,
    ) -> Option<String> {
        let ours = ours?;
        let rule = if lower { "range.min" } else { "range.max" };
        let spec_text = ours.to_string();
        let searched = match whole(Some(ours)) {
            Some(bound) => self
                .bound(base, p, bound, inside, lower)
                .map(|b| (bound, b)),
            None => Err(Unprobed::Fraction),
        };
        // What the finding shows as observed, its verdict and reason, and the bound to write.
        let (observed, verdict, reason, written) = match searched {
            Ok((bound, Some(observed))) if observed == bound => (
                json!(spec_text),
                Agreement::Confirmed,
                None,
                Some(spec_text.clone()),
            ),
            Ok((_, observed)) => {
                let shown = observed.map(|b| b.to_string());
                let reason = observed.is_none().then(|| {
                    format!("no bound within {SEARCH_WINDOW} of zero: the rule is dropped")
                });
                (json!(shown), Agreement::Contradicted, reason, shown)
            }
            Err(why) => (
                Json::Null,
                Agreement::Unknown,
                Some(why.to_string()),
                Some(spec_text.clone()),
            ),
        };
        self.finding(
            Some(&p.name),
            rule,
            json!(spec_text),
            observed,
            verdict,
            reason,
        );
        written
    }

    /// The observed lower (or upper) bound of `p`, starting from the spec's `bound` and a value
    /// `inside` the range; `None` when the target takes everything up to the window's edge.
    fn bound(
        &mut self,
        base: &Pairs,
        p: &Param,
        bound: i64,
        inside: i64,
        lower: bool,
    ) -> Result<Option<i64>, Unprobed> {
        // Outward is past the bound: down for a minimum, up for a maximum.
        let out = |v: i64, by: i64| if lower { v - by } else { v + by };
        let at = self.accepts(base, p, &bound.to_string())?;
        let past = self.accepts(base, p, &out(bound, 1).to_string())?;
        match (at, past) {
            (true, false) => Ok(Some(bound)),
            // Takes more than the spec says: go outward until it refuses.
            (_, true) => {
                let mut accepted = out(bound, 1);
                let mut step = 1;
                loop {
                    step *= 2;
                    let next = out(bound, step).clamp(-SEARCH_WINDOW, SEARCH_WINDOW);
                    if next == accepted {
                        return Ok(None);
                    }
                    if self.accepts(base, p, &next.to_string())? {
                        accepted = next;
                    } else {
                        return self.split(base, p, accepted, next).map(Some);
                    }
                }
            }
            // Refuses the bound itself: go inward until it accepts (at worst `inside`).
            (false, false) => {
                let mut refused = bound;
                let mut step = 1;
                loop {
                    let next = if lower { bound + step } else { bound - step };
                    let next = if (lower && next >= inside) || (!lower && next <= inside) {
                        inside
                    } else {
                        next
                    };
                    if self.accepts(base, p, &next.to_string())? {
                        return self.split(base, p, next, refused).map(Some);
                    }
                    if next == inside {
                        return Err(Unprobed::RefusedToo {
                            param: p.name.clone(),
                            value: inside,
                        });
                    }
                    refused = next;
                    step *= 2;
                }
            }
        }
    }

    /// The accepted value next to the refused one, between `accepted` and `refused`.
    fn split(
        &mut self,
        base: &Pairs,
        p: &Param,
        accepted: i64,
        refused: i64,
    ) -> Result<i64, Unprobed> {
        let (mut good, mut bad) = (accepted, refused);
        while (good - bad).abs() > 1 {
            let middle = good + (bad - good) / 2;
            if self.accepts(base, p, &middle.to_string())? {
                good = middle;
            } else {
                bad = middle;
            }
        }
        Ok(good)
    }
}
