//! Mutants: deliberate faults the fake can run with (`serve --mutant NAME`), each a way a real
//! implementation could plausibly be wrong. The conformance suite proves its strength by failing
//! against every one (`check --in-process --mutants`).
//!
//! Each mutant acts at one [`Seam`]. Only those whose fault lives inside a rule of the fake are
//! an `if` in `fake/` (where those rules live); the workbench applies the others
//! (`workbench/mutation.rs`): edits of the fake's own copy of the spec or seed before it starts,
//! and transforms of the answer after each call. The faithful path reads as if they did not
//! exist.

use std::fmt;

macro_rules! mutants {
    ($($variant:ident = $name:literal, $seam:ident: $describe:literal,)+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Mutant {
            $($variant,)+
        }

        impl Mutant {
            pub const ALL: &'static [Mutant] = &[$(Self::$variant,)+];

            /// The name `--mutant` takes.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }

            /// What goes wrong, in a sentence.
            pub fn describe(self) -> &'static str {
                match self {
                    $(Self::$variant => $describe,)+
                }
            }

            /// Where the fault is applied.
            pub fn seam(self) -> Seam {
                match self {
                    $(Self::$variant => Seam::$seam,)+
                }
            }
        }
    };
}

/// Where a mutant acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seam {
    /// The answer is spoiled after the call (workbench).
    Answer,
    /// A rule is dropped from the fake's own copy of the spec (workbench, at start).
    Spec,
    /// The fake's own copy of the seed world is changed (workbench, at start).
    Seed,
    /// An `if` inside the fake, where the rule lives.
    Rule,
}

mutants! {
    RequiredDropped = "required-dropped", Spec: "a missing required String parameter is taken as empty instead of answering 400",
    TypeDropped = "type-dropped", Rule: "an optional parameter of the wrong type is ignored instead of answering 400",
    AllowedDropped = "allowed-dropped", Spec: "values outside an allowed set are accepted",
    RangeOffByOne = "range-off-by-one", Spec: "a range accepts one past its maximum",
    GroupDefaultIgnored = "group-default-ignored", Spec: "a batch's currency defaults to the system's, not the group's",
    GroupFieldNotUpdated = "group-field-not-updated", Rule: "an update does not store card_length",
    CurrentValueReset = "current-value-reset", Rule: "an update clears a description it was not given",
    ValidationActs = "validation-acts", Rule: "validation=1 changes state before answering 201",
    ValidatedAs200 = "validated-as-200", Answer: "validation=1 answers 200 instead of 201",
    CodeAsNumber = "code-as-number", Answer: "the envelope's code is a JSON number, not a string",
    EmptyKeyOn400 = "empty-key-on-400", Answer: "a 400 answer leaves key empty",
    ValidateBeforeAuth = "validate-before-auth", Rule: "parameters are checked (400) before authentication (401)",
    ReadOnlyWrites = "read-only-writes", Seed: "a read-only role may write",
    NoRatePlanCheck = "no-rate-plan-check", Spec: "a rate plan without the cards privilege is not refused (no 403)",
    ForeignGroupVisible = "foreign-group-visible", Rule: "another customer's card group can be seen and changed",
    MissingAs400 = "missing-as-400", Answer: "a missing or foreign object answers 400 instead of 404",
    SequentialRandom = "sequential-random", Rule: "method=sequential draws numbers at random",
    CardLengthIgnored = "card-length-ignored", Rule: "every card number has 12 digits whatever card_length says",
    DuplicateCardNumbers = "duplicate-card-numbers", Rule: "all cards of one call share one number",
    PinWrongLength = "pin-wrong-length", Rule: "PINs have one digit more than pin_length",
    DataOn204 = "data-on-204", Answer: "an answer without data carries \"data\":{}",
    WrongDataShape = "wrong-data-shape", Answer: "several batches answer only the first batch's {\"id\":N}",
    BatchLockIgnored = "batch-lock-ignored", Rule: "cards/list shows the cards of a locked batch unlocked",
    CardMovedAcrossCustomers = "card-moved-across-customers", Rule: "cards/update moves a card into any customer's card group",
    PinLengthUnchecked = "pin-length-unchecked", Rule: "cards/update takes a PIN of any length",
    FileNameUnchecked = "file-name-unchecked", Spec: "a prompt name outside the ten is taken",
    DataAndSoundBoth = "data-and-sound-both", Rule: "cards/files/upload takes data and sound together",
    WavUnchecked = "wav-unchecked", Spec: "uploaded data need not be a WAV file",
    PromptDeleteAlways = "prompt-delete-always", Rule: "deleting a prompt that was never set answers 204",
    TokenExpiryIgnored = "token-expiry-ignored", Rule: "an expired auth_token is still taken",
    TokenSignatureUnchecked = "token-signature-unchecked", Rule: "an auth_token is taken without checking its signature",
}

impl Mutant {
    /// The longest name, to line names up in a column.
    pub fn name_width() -> usize {
        Self::ALL.iter().map(|m| m.name().len()).max().unwrap_or(0)
    }

    pub fn from_name(name: &str) -> Option<Mutant> {
        Self::ALL.iter().copied().find(|m| m.name() == name)
    }
}

impl fmt::Display for Mutant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether the fake runs with `mutant`.
pub(super) fn is(active: Option<Mutant>, mutant: Mutant) -> bool {
    active == Some(mutant)
}
