//! Mutants: deliberate faults the fake can run with (`serve --mutant NAME`), each a way a real
//! implementation could plausibly be wrong. The conformance suite proves its strength by failing
//! against every one (`check --in-process --mutants`). Each fault is a single `if` at the place
//! where the correct rule lives, so reading a rule shows how it can break.

use std::fmt;

macro_rules! mutants {
    ($($variant:ident = $name:literal: $describe:literal,)+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Mutant {
            $($variant,)+
        }

        impl Mutant {
            pub const ALL: &'static [Mutant] = &[$(Mutant::$variant,)+];

            /// The name `--mutant` takes.
            pub fn name(self) -> &'static str {
                match self {
                    $(Mutant::$variant => $name,)+
                }
            }

            /// What goes wrong, in a sentence.
            pub fn describe(self) -> &'static str {
                match self {
                    $(Mutant::$variant => $describe,)+
                }
            }
        }
    };
}

mutants! {
    RequiredDropped = "required-dropped": "a missing required parameter is taken as empty instead of answering 400",
    TypeDropped = "type-dropped": "an optional parameter of the wrong type is ignored instead of answering 400",
    AllowedDropped = "allowed-dropped": "values outside an allowed set are accepted",
    RangeOffByOne = "range-off-by-one": "a range accepts one past its maximum",
    GroupDefaultIgnored = "group-default-ignored": "a batch's currency defaults to the system's, not the group's",
    GroupFieldNotUpdated = "group-field-not-updated": "an update does not store card_length",
    CurrentValueReset = "current-value-reset": "an update clears a description it was not given",
    ValidationActs = "validation-acts": "validation=1 changes state before answering 201",
    ValidatedAs200 = "validated-as-200": "validation=1 answers 200 instead of 201",
    CodeAsNumber = "code-as-number": "the envelope's code is a JSON number, not a string",
    EmptyKeyOn400 = "empty-key-on-400": "a 400 answer leaves key empty",
    ValidateBeforeAuth = "validate-before-auth": "parameters are checked (400) before authentication (401)",
    ReadOnlyWrites = "read-only-writes": "a read-only role may write",
    NoRatePlanCheck = "no-rate-plan-check": "a rate plan without the cards privilege is not refused (no 403)",
    ForeignGroupVisible = "foreign-group-visible": "another customer's card group can be seen and changed",
    MissingAs400 = "missing-as-400": "a missing or foreign card group answers 400 instead of 404",
    SequentialRandom = "sequential-random": "method=sequential draws numbers at random",
    CardLengthIgnored = "card-length-ignored": "every card number has 12 digits whatever card_length says",
    DuplicateCardNumbers = "duplicate-card-numbers": "all cards of one call share one number",
    PinWrongLength = "pin-wrong-length": "PINs have one digit more than pin_length",
    DataOn204 = "data-on-204": "an answer without data carries \"data\":{}",
    WrongDataShape = "wrong-data-shape": "several batches answer only the first batch's {\"id\":N}",
}

impl Mutant {
    pub fn from_name(name: &str) -> Option<Mutant> {
        Mutant::ALL.iter().copied().find(|m| m.name() == name)
    }
}

impl fmt::Display for Mutant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether the fake runs with `mutant`.
pub fn is(active: Option<Mutant>, mutant: Mutant) -> bool {
    active == Some(mutant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for mutant in Mutant::ALL {
            assert_eq!(Mutant::from_name(mutant.name()), Some(*mutant));
        }
        let mut names: Vec<&str> = Mutant::ALL.iter().map(|m| m.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Mutant::ALL.len());
        assert!(Mutant::ALL.len() >= 20);
    }
}
