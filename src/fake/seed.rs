//! The world the fake starts with: `fixtures/seed.yaml`, embedded at build time, a file given
//! with `--seed-file`, or a seed posted with `POST /_fake/reset`. This file holds the seed's
//! format and the ways to load one; `seed_check` makes the world of it, checking every
//! reference and every card group field, and `seed_export` writes a world back in this format.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use crate::fake::seed_check;
use crate::fake::world::{Level, World};
use crate::spec::Spec;
use crate::spec::yaml::FileErrors;

/// The seed built into the binary.
pub const EMBEDDED: &str = include_str!("../../fixtures/seed.yaml");
pub const EMBEDDED_NAME: &str = "fixtures/seed.yaml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSeed {
    pub(super) system_currency: Spanned<String>,
    pub(super) customers: Vec<RawCustomer>,
    pub(super) rate_plans: Vec<RawRatePlan>,
    pub(super) roles: Vec<RawRole>,
    pub(super) users: Vec<RawUser>,
    #[serde(default)]
    pub(super) sounds: Vec<RawSound>,
    #[serde(default)]
    pub(super) card_groups: Vec<RawCardGroup>,
    #[serde(default)]
    pub(super) batches: Vec<RawBatch>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSound {
    pub(super) id: Spanned<i64>,
    pub(super) name: String,
    pub(super) customer: Spanned<i64>,
}

/// A voice prompt set on a card group: one of its customer's sounds, or WAV bytes as uploaded
/// (Base64), exactly one of the two.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrompt {
    pub(super) sound: Option<Spanned<i64>>,
    pub(super) wav: Option<Spanned<String>>,
}

/// A batch with its cards, already made: cards/batches/update and cards/update need something
/// to change in a fresh world.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBatch {
    pub(super) id: Spanned<i64>,
    pub(super) name: String,
    pub(super) cardgroup: Spanned<i64>,
    #[serde(default = "unlocked")]
    pub(super) locked: Spanned<i64>,
    /// When it was made; before the logical clock starts, by default.
    #[serde(default = "seed_time")]
    pub(super) created: String,
    pub(super) cards: Vec<RawCard>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCard {
    pub(super) card: Spanned<String>,
    pub(super) pin: Spanned<String>,
    #[serde(default = "zero_balance")]
    pub(super) balance: Spanned<String>,
    /// The group's currency unless given.
    pub(super) currency: Option<Spanned<String>>,
    #[serde(default = "unlocked")]
    pub(super) locked: Spanned<i64>,
    #[serde(default)]
    pub(super) serial: String,
    #[serde(default)]
    pub(super) caller: String,
    /// The batch's group unless given: cards/update may move a card to another group.
    pub(super) cardgroup: Option<Spanned<i64>>,
}

fn seed_time() -> String {
    SEED_TIME.to_owned()
}

fn zero_balance() -> Spanned<String> {
    Spanned::new("0.00".to_owned(), Location::UNKNOWN, Location::UNKNOWN)
}

fn unlocked() -> Spanned<i64> {
    Spanned::new(0, Location::UNKNOWN, Location::UNKNOWN)
}

/// When the seed's batches were made unless the file says: a day before the logical clock
/// starts, so everything a test makes is newer.
const SEED_TIME: &str = "2025-12-31 00:00:00";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCustomer {
    pub(super) id: Spanned<i64>,
    pub(super) name: String,
    pub(super) parent: Option<Spanned<i64>>,
    pub(super) rate_plan: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRatePlan {
    pub(super) id: Spanned<i64>,
    pub(super) name: String,
    pub(super) customer: Spanned<i64>,
    pub(super) privileges: BTreeSet<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRole {
    pub(super) name: Spanned<String>,
    pub(super) privileges: BTreeMap<String, Level>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUser {
    /// The user's id; its place in the list (from 1) when not given.
    pub(super) id: Option<i64>,
    pub(super) username: Spanned<String>,
    /// Left out only in a seed posted to a reset, for a user the world already has
    /// (`GET /_fake/seed` writes none).
    pub(super) password: Option<String>,
    pub(super) customer: Spanned<i64>,
    pub(super) role: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCardGroup {
    pub(super) id: Spanned<i64>,
    pub(super) customer: Spanned<i64>,
    pub(super) fields: BTreeMap<String, Spanned<String>>,
    /// By prompt name: one of the names cards/files/upload takes.
    #[serde(default)]
    pub(super) prompts: BTreeMap<String, RawPrompt>,
}

/// The embedded seed (`fixtures/seed.yaml`) as a world whose generator starts at `rng_seed`.
pub fn embedded(spec: &Spec, rng_seed: u64) -> Result<World, FileErrors> {
    load(spec, EMBEDDED_NAME, EMBEDDED, rng_seed)
}

/// Loads a seed file's text into a world whose generator starts at `rng_seed`. Every user has
/// a password.
pub fn load(spec: &Spec, file: &str, text: &str, rng_seed: u64) -> Result<World, FileErrors> {
    load_with(spec, file, text, rng_seed, None)
}

/// Loads a seed posted to a reset of `replaced`: a user given without a password keeps the one
/// the user of that name has in `replaced`, so a seed `GET /_fake/seed` wrote (which carries no
/// password) loads again.
pub fn load_posted(
    spec: &Spec,
    file: &str,
    text: &str,
    rng_seed: u64,
    replaced: &World,
) -> Result<World, FileErrors> {
    load_with(spec, file, text, rng_seed, Some(replaced))
}

fn load_with(
    spec: &Spec,
    file: &str,
    text: &str,
    rng_seed: u64,
    replaced: Option<&World>,
) -> Result<World, FileErrors> {
    let raw: RawSeed = crate::spec::yaml::parse(file, text).map_err(|e| FileErrors(vec![e]))?;
    seed_check::world(spec, file, raw, rng_seed, replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(edit: impl Fn(&str) -> String) -> Vec<String> {
        let spec = Spec::embedded().unwrap();
        let text = edit(EMBEDDED);
        match load(&spec, "seed.yaml", &text, 1) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
        }
    }

    fn line_of(needle: &str) -> usize {
        EMBEDDED
            .lines()
            .position(|l| l.contains(needle))
            .expect("the seed has the line")
            + 1
    }

    #[test]
    fn the_embedded_seed_loads() {
        assert_eq!(errors(str::to_owned), Vec::<String>::new());
    }

    #[test]
    fn a_username_given_twice_is_refused_where_it_repeats() {
        let found = errors(|s| s.replace("username: other,", "username: reader,"));
        let line = line_of("username: other,");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(&format!("seed.yaml:{line}:")),
            "{found:?}"
        );
        assert!(
            found[0].ends_with("users[4].username: reader is defined twice"),
            "{found:?}"
        );
    }

    #[test]
    fn group_fields_pass_the_rules_of_cards_groups_create() {
        let found = errors(|s| {
            s.replace(
                "method: sequential, card_length: 10",
                "method: sequential, card_length: 30",
            )
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("card_groups[2].fields.card_length: card_length must be at most 20."),
            "{found:?}"
        );
        let found = errors(|s| {
            s.replace(
                "fields: {name: Example cards, plan: 2}",
                "fields: {name: Example cards, plan: 2, colour: red}",
            )
        });
        assert!(
            found[0]
                .ends_with("card_groups[0].fields.colour: colour is not a field of a card group"),
            "{found:?}"
        );
    }

    #[test]
    fn a_group_may_only_use_a_rate_plan_its_customer_may_use() {
        // Plan 4 belongs to customer 11; customer 10's group cannot take it.
        let found = errors(|s| {
            s.replace(
                "fields: {name: Example cards, plan: 2}",
                "fields: {name: Example cards, plan: 4}",
            )
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("card_groups[0].fields.plan: "),
            "{found:?}"
        );
    }

    #[test]
    fn a_seed_file_gives_every_users_password() {
        let found = errors(|s| {
            s.replace(
                "username: reader, password: reader-password,",
                "username: reader,",
            )
        });
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].ends_with(
                "users[1].password: missing: a seed file gives every user's password \
                 (GET /_fake/seed leaves them out)"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn references_must_name_something_in_the_file() {
        let found = errors(|s| s.replace("role: cards-read}", "role: cards-maybe}"));
        assert!(
            found[0].ends_with("users[1].role: no role \"cards-maybe\""),
            "{found:?}"
        );
        let found = errors(|s| {
            s.replace(
                "{id: 2, name: Example Reseller, parent: 1,",
                "{id: 2, name: Example Reseller, parent: 10,",
            )
        });
        assert!(
            found
                .iter()
                .any(|e| e
                    .ends_with("customers[1].parent: the parents of this customer form a loop")),
            "{found:?}"
        );
    }
}
