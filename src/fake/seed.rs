//! The world the fake starts with: `fixtures/seed.yaml`, embedded at build time, or a file given
//! with `--seed-file`. Every reference (a user's customer and role, a group's plan) must name
//! something in the file, and every card group field must pass the rules of
//! `cards/groups/create`; errors name the file, the line and the field like the spec's.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use crate::fake::Settings;
use crate::fake::auth::Caller;
use crate::fake::domain::card_groups;
use crate::fake::input::Input;
use crate::fake::params::RawParams;
use crate::fake::rng::Rng;
use crate::fake::validate::validate;
use crate::fake::world::{
    Batch, BatchId, Card, CardGroup, CardGroupId, Customer, CustomerId, Level, Prompt, RatePlan,
    RatePlanId, Role, Sound, SoundId, User, World,
};
use crate::spec::value::{ParamType, Value};
use crate::spec::yaml::{FileError, FileErrors};
use crate::spec::{FormatName, GROUP_FIELDS_FROM, Spec};

/// The seed built into the binary.
pub const EMBEDDED: &str = include_str!("../../fixtures/seed.yaml");
pub const EMBEDDED_NAME: &str = "fixtures/seed.yaml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeed {
    system_currency: Spanned<String>,
    customers: Vec<RawCustomer>,
    rate_plans: Vec<RawRatePlan>,
    roles: Vec<RawRole>,
    users: Vec<RawUser>,
    #[serde(default)]
    sounds: Vec<RawSound>,
    #[serde(default)]
    card_groups: Vec<RawCardGroup>,
    #[serde(default)]
    batches: Vec<RawBatch>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSound {
    id: Spanned<i64>,
    name: String,
    customer: Spanned<i64>,
}

/// A voice prompt set on a card group: one of its customer's sounds.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrompt {
    sound: Spanned<i64>,
}

/// A batch with its cards, already made: cards/batches/update and cards/update need something
/// to change in a fresh world.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    id: Spanned<i64>,
    name: String,
    cardgroup: Spanned<i64>,
    #[serde(default = "unlocked")]
    locked: Spanned<i64>,
    /// When it was made; before the logical clock starts, by default.
    #[serde(default = "seed_time")]
    created: String,
    cards: Vec<RawCard>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCard {
    card: Spanned<String>,
    pin: Spanned<String>,
    #[serde(default = "zero_balance")]
    balance: Spanned<String>,
    /// The group's currency unless given.
    currency: Option<Spanned<String>>,
    #[serde(default = "unlocked")]
    locked: Spanned<i64>,
    #[serde(default)]
    serial: String,
    #[serde(default)]
    caller: String,
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
struct RawCustomer {
    id: Spanned<i64>,
    name: String,
    parent: Option<Spanned<i64>>,
    rate_plan: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRatePlan {
    id: Spanned<i64>,
    name: String,
    customer: Spanned<i64>,
    privileges: BTreeSet<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    name: Spanned<String>,
    privileges: BTreeMap<String, Level>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    /// The user's id; its place in the list (from 1) when not given.
    id: Option<i64>,
    username: Spanned<String>,
    password: String,
    customer: Spanned<i64>,
    role: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCardGroup {
    id: Spanned<i64>,
    customer: Spanned<i64>,
    fields: BTreeMap<String, Spanned<String>>,
    /// By prompt name: one of the names cards/files/upload takes.
    #[serde(default)]
    prompts: BTreeMap<String, RawPrompt>,
}

/// The embedded seed (`fixtures/seed.yaml`) as a world whose generator starts at `rng_seed`.
pub fn embedded(spec: &Spec, rng_seed: u64) -> Result<World, FileErrors> {
    load(spec, EMBEDDED_NAME, EMBEDDED, rng_seed)
}

/// Loads a seed file's text into a world whose generator starts at `rng_seed`.
pub fn load(spec: &Spec, file: &str, text: &str, rng_seed: u64) -> Result<World, FileErrors> {
    let raw: RawSeed = crate::spec::yaml::parse(file, text).map_err(|e| FileErrors(vec![e]))?;
    let mut check = SeedChecker {
        file,
        errors: Vec::new(),
    };
    let world = check.world(spec, raw, rng_seed);
    if check.errors.is_empty() {
        Ok(world)
    } else {
        Err(FileErrors(check.errors))
    }
}

struct SeedChecker<'a> {
    file: &'a str,
    errors: Vec<FileError>,
}

impl SeedChecker<'_> {
    fn at(&mut self, location: &Location, field: String, message: impl Into<String>) {
        self.errors.push(FileError {
            file: self.file.to_owned(),
            line: location.line(),
            column: location.column(),
            field,
            message: message.into(),
        });
    }

    fn world(&mut self, spec: &Spec, raw: RawSeed, rng_seed: u64) -> World {
        if !FormatName::CurrencyCode.matches(&raw.system_currency.value) {
            self.at(
                &raw.system_currency.referenced,
                "system_currency".into(),
                "must be three capital letters",
            );
        }
        let mut world = World::new(
            raw.system_currency.value.clone(),
            BTreeMap::new(),
            BTreeMap::new(),
            BTreeMap::new(),
            BTreeMap::new(),
            Rng::new(rng_seed),
        );

        for (i, c) in raw.customers.iter().enumerate() {
            let customer = Customer {
                id: CustomerId(c.id.value),
                name: c.name.clone(),
                parent: c.parent.as_ref().map(|p| CustomerId(p.value)),
                rate_plan: RatePlanId(c.rate_plan.value),
            };
            let field = format!("customers[{i}].id");
            self.insert_once(
                &mut world.customers,
                customer.id,
                customer,
                &c.id.referenced,
                field,
            );
        }
        for (i, p) in raw.rate_plans.iter().enumerate() {
            let plan = RatePlan {
                id: RatePlanId(p.id.value),
                name: p.name.clone(),
                customer: CustomerId(p.customer.value),
                privileges: p.privileges.clone(),
            };
            let field = format!("rate_plans[{i}].id");
            self.insert_once(
                &mut world.rate_plans,
                plan.id,
                plan,
                &p.id.referenced,
                field,
            );
            self.customer_exists(&world, &p.customer, format!("rate_plans[{i}].customer"));
        }
        for (i, c) in raw.customers.iter().enumerate() {
            if let Some(parent) = &c.parent {
                self.customer_exists(&world, parent, format!("customers[{i}].parent"));
                if world.customers.contains_key(&CustomerId(parent.value))
                    && self.has_cycle(&world, CustomerId(c.id.value))
                {
                    self.at(
                        &parent.referenced,
                        format!("customers[{i}].parent"),
                        "the parents of this customer form a loop",
                    );
                }
            }
            if !world
                .rate_plans
                .contains_key(&RatePlanId(c.rate_plan.value))
            {
                self.at(
                    &c.rate_plan.referenced,
                    format!("customers[{i}].rate_plan"),
                    format!("no rate plan {}", c.rate_plan.value),
                );
            }
        }
        for (i, r) in raw.roles.iter().enumerate() {
            let role = Role {
                name: r.name.value.clone(),
                privileges: r.privileges.clone(),
            };
            let field = format!("roles[{i}].name");
            self.insert_once(
                &mut world.roles,
                role.name.clone(),
                role,
                &r.name.referenced,
                field,
            );
        }
        for (i, u) in raw.users.iter().enumerate() {
            self.customer_exists(&world, &u.customer, format!("users[{i}].customer"));
            if !world.roles.contains_key(&u.role.value) {
                self.at(
                    &u.role.referenced,
                    format!("users[{i}].role"),
                    format!("no role {:?}", u.role.value),
                );
            }
            let user = User {
                id: u.id.unwrap_or(i as i64 + 1),
                username: u.username.value.clone(),
                password: u.password.clone(),
                customer: CustomerId(u.customer.value),
                role: u.role.value.clone(),
            };
            let field = format!("users[{i}].username");
            let name = user.username.clone();
            self.insert_once(&mut world.users, name, user, &u.username.referenced, field);
        }
        for (i, s) in raw.sounds.iter().enumerate() {
            if self.customer_exists(&world, &s.customer, format!("sounds[{i}].customer")) {
                let sound = Sound {
                    id: SoundId(s.id.value),
                    name: s.name.clone(),
                    customer: CustomerId(s.customer.value),
                };
                let field = format!("sounds[{i}].id");
                self.insert_once(&mut world.sounds, sound.id, sound, &s.id.referenced, field);
            }
        }
        for (i, g) in raw.card_groups.iter().enumerate() {
            if let Some(group) = self.card_group(spec, &world, i, g) {
                if world.card_groups().contains_key(&group.id) {
                    let field = format!("card_groups[{i}].id");
                    self.at(
                        &g.id.referenced,
                        field,
                        format!("{} is defined twice", group.id),
                    );
                } else {
                    let (id, customer) = (group.id, group.customer);
                    world.insert_group(group);
                    self.prompts(spec, &mut world, i, g, id, customer);
                }
            }
        }
        let defined: BTreeSet<i64> = raw.card_groups.iter().map(|g| g.id.value).collect();
        for (i, b) in raw.batches.iter().enumerate() {
            self.batch(&mut world, &defined, i, b);
        }
        // The seed is where worlds start, not a change of one.
        world.take_changes();
        world
    }

    /// A batch and its cards: a group that exists, flags of 0 or 1, card numbers of digits with
    /// no leading zero and used once in the whole file (D9), PINs of digits, Decimal balances and
    /// currencies of three capitals (D12).
    /// `defined` holds the ids of every group in the file, loaded or not: a batch of a group
    /// whose own errors are reported adds no error of its own.
    fn batch(&mut self, world: &mut World, defined: &BTreeSet<i64>, i: usize, raw: &RawBatch) {
        let id = BatchId(raw.id.value);
        let Some(group) = world.card_groups().get(&CardGroupId(raw.cardgroup.value)) else {
            if !defined.contains(&raw.cardgroup.value) {
                let message = format!("no card group {}", raw.cardgroup.value);
                self.at(
                    &raw.cardgroup.referenced,
                    format!("batches[{i}].cardgroup"),
                    message,
                );
            }
            return;
        };
        let (cardgroup, customer) = (group.id, group.customer);
        let group_currency = match group.field("currency") {
            Some(Value::String(currency)) => currency.clone(),
            _ => world.system_currency.clone(),
        };
        if world.batches().contains_key(&id) {
            let message = format!("{id} is defined twice");
            self.at(&raw.id.referenced, format!("batches[{i}].id"), message);
            return;
        }
        self.flag(&raw.locked, format!("batches[{i}].locked"));
        let mut cards = Vec::new();
        for (j, c) in raw.cards.iter().enumerate() {
            let field = |name: &str| format!("batches[{i}].cards[{j}].{name}");
            let number = c.card.value.as_str();
            let parsed = number
                .parse::<u128>()
                .ok()
                .filter(|_| FormatName::Digits.matches(number) && !number.starts_with('0'));
            let Some(parsed) = parsed else {
                let message = "must be digits, the first of them not 0";
                self.at(&c.card.referenced, field("card"), message);
                continue;
            };
            let twice =
                world.numbers().contains_key(&parsed) || cards.iter().any(|(_, n)| *n == parsed);
            if twice {
                let message = format!("{number} is used twice");
                self.at(&c.card.referenced, field("card"), message);
                continue;
            }
            if !FormatName::DigitsOrEmpty.matches(&c.pin.value) {
                self.at(&c.pin.referenced, field("pin"), "must be digits");
            }
            let balance = match ParamType::Decimal.parse(&c.balance.value) {
                Ok(balance) => balance,
                Err(e) => {
                    self.at(&c.balance.referenced, field("balance"), format!("{e}"));
                    continue;
                }
            };
            let currency = c
                .currency
                .as_ref()
                .map_or(group_currency.clone(), |currency| {
                    if !FormatName::CurrencyCode.matches(&currency.value) {
                        self.at(
                            &currency.referenced,
                            field("currency"),
                            "must be three capital letters",
                        );
                    }
                    currency.value.clone()
                });
            self.flag(&c.locked, field("locked"));
            let card = Card {
                card: number.to_owned(),
                pin: c.pin.value.clone(),
                batch: id,
                cardgroup,
                balance,
                currency: currency.into(),
                locked: c.locked.value,
                created: raw.created.as_str().into(),
                notes: Card::notes_of(c.serial.clone(), c.caller.clone()),
            };
            cards.push((card, parsed));
        }
        world.insert_batch(Batch {
            id,
            name: raw.name.clone(),
            cardgroup,
            customer,
            locked: raw.locked.value,
            cards: cards.len() as u64,
            created: raw.created.clone(),
        });
        for (card, number) in cards {
            world.push_card(card, number);
        }
    }

    /// A group's prompts: names cards/files/upload takes, sounds its customer may use.
    fn prompts(
        &mut self,
        spec: &Spec,
        world: &mut World,
        i: usize,
        raw: &RawCardGroup,
        group: CardGroupId,
        customer: CustomerId,
    ) {
        let names = spec
            .function("cards/files/upload")
            .and_then(|f| f.param("file"))
            .and_then(|p| p.allowed.as_ref());
        for (name, prompt) in &raw.prompts {
            let field = format!("card_groups[{i}].prompts.{name}");
            let known = names.is_none_or(|a| a.values.contains(&Value::String(name.clone())));
            if !known {
                let message = format!("{name} is not a prompt name of cards/files/upload");
                self.at(&prompt.sound.referenced, field, message);
                continue;
            }
            let sound = SoundId(prompt.sound.value);
            if world.visible_sound(customer, sound).is_none() {
                let message = format!("no sound {sound} of customer {customer} or below");
                self.at(&prompt.sound.referenced, format!("{field}.sound"), message);
                continue;
            }
            world.set_prompt((group, name.clone()), Some(Prompt::Sound(sound)));
        }
    }

    /// A flag is 0 or 1.
    fn flag(&mut self, value: &Spanned<i64>, field: String) {
        if !matches!(value.value, 0 | 1) {
            self.at(&value.referenced, field, "must be 0 or 1");
        }
    }

    /// Inserts `value` under `key`, unless the file already defined that key.
    fn insert_once<K: Ord + std::fmt::Display, V>(
        &mut self,
        map: &mut BTreeMap<K, V>,
        key: K,
        value: V,
        location: &Location,
        field: String,
    ) {
        let message = format!("{key} is defined twice");
        if map.insert(key, value).is_some() {
            self.at(location, field, message);
        }
    }

    fn customer_exists(&mut self, world: &World, id: &Spanned<i64>, field: String) -> bool {
        let exists = world.customers.contains_key(&CustomerId(id.value));
        if !exists {
            self.at(&id.referenced, field, format!("no customer {}", id.value));
        }
        exists
    }

    fn has_cycle(&self, world: &World, start: CustomerId) -> bool {
        let mut seen = BTreeSet::new();
        let mut current = Some(start);
        while let Some(id) = current {
            if !seen.insert(id) {
                return true;
            }
            current = world.customers.get(&id).and_then(|c| c.parent);
        }
        false
    }

    /// A group goes through the same checks as `cards/groups/create` would give it: the spec's
    /// rules, the references (a plan its customer may use), the defaults and the constraints.
    fn card_group(
        &mut self,
        spec: &Spec,
        world: &World,
        i: usize,
        raw: &RawCardGroup,
    ) -> Option<CardGroup> {
        if !self.customer_exists(world, &raw.customer, format!("card_groups[{i}].customer")) {
            return None;
        }
        let Some(create) = spec.function(GROUP_FIELDS_FROM) else {
            let message = format!(
                "the spec has no {} to define a group's fields",
                GROUP_FIELDS_FROM
            );
            self.at(&raw.id.referenced, format!("card_groups[{i}]"), message);
            return None;
        };
        let mut pairs = Vec::new();
        for (name, text) in &raw.fields {
            if create.param(name).is_some_and(card_groups::is_field) {
                pairs.push((name.clone(), text.value.clone()));
            } else {
                let message = format!("{name} is not a field of a card group");
                self.at(
                    &text.referenced,
                    format!("card_groups[{i}].fields.{name}"),
                    message,
                );
            }
        }
        let customer = CustomerId(raw.customer.value);
        let owner = Caller {
            username: String::new(),
            customer,
        };
        // The seed is what it is: no cap on cards, no mutant.
        let settings = Settings {
            max_cards: u64::MAX,
            mutant: None,
            ..Settings::default()
        };
        let input = validate(create, &RawParams::from_pairs(pairs), &settings)
            .and_then(|params| Input::resolve(create, params, world, &owner, None));
        match input {
            Ok(input) => Some(CardGroup::new(
                CardGroupId(raw.id.value),
                customer,
                card_groups::fields_from(create, &input),
            )),
            Err(error) => {
                // Point at the offending field if the file gives it, else at the group.
                let location = raw
                    .fields
                    .get(&error.key)
                    .map_or(&raw.id.referenced, |t| &t.referenced);
                self.at(
                    location,
                    format!("card_groups[{i}].fields.{}", error.key),
                    error.message,
                );
                None
            }
        }
    }
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
