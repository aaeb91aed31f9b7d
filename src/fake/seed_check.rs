//! A seed made a world, and checked on the way: every reference (a user's customer and role, a
//! group's plan, a prompt's sound) must name something in the seed, every card group field must
//! pass the rules of `cards/groups/create`, and every card its own checks (D9, D12). Each
//! problem is named with the seed's file, line and column and the field's path, like the spec's.

use std::collections::{BTreeMap, BTreeSet};

use serde_saphyr::{Location, Spanned};

use crate::fake::Settings;
use crate::fake::auth::Caller;
use crate::fake::domain::card_groups;
use crate::fake::input::Input;
use crate::fake::params::RawParams;
use crate::fake::rng::Rng;
use crate::fake::seed::{RawBatch, RawCardGroup, RawSeed, RawUser};
use crate::fake::validate::validate;
use crate::fake::world::{
    Batch, BatchId, Card, CardGroup, CardGroupId, Customer, CustomerId, Prompt, RatePlan,
    RatePlanId, Role, Sound, SoundId, User, World,
};
use crate::spec::value::{ParamType, TypeError, Value, decode_base64};
use crate::spec::yaml::{FileError, FileErrors};
use crate::spec::{FormatName, GROUP_FIELDS_FROM, Spec};

/// The world `raw` (read from `file`) describes, whose generator starts at `rng_seed`, or every
/// problem found. A user without a password keeps the one the user of that name has in
/// `replaced`, the world a posted seed replaces.
pub(super) fn world(
    spec: &Spec,
    file: &str,
    raw: RawSeed,
    rng_seed: u64,
    replaced: Option<&World>,
) -> Result<World, FileErrors> {
    let mut check = SeedChecker {
        file,
        replaced,
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
    /// The world a posted seed replaces, whose users' passwords it may keep.
    replaced: Option<&'a World>,
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
            let password = self.password(u, format!("users[{i}].password"));
            let user = User {
                id: u.id.unwrap_or(i as i64 + 1),
                username: u.username.value.clone(),
                password,
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
        // This batch's numbers so far: the world holds those of the batches before.
        let mut numbers = BTreeSet::new();
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
            let twice = world.numbers().contains_key(&parsed) || !numbers.insert(parsed);
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
            let card_group = match &c.cardgroup {
                Some(moved) if world.card_groups().contains_key(&CardGroupId(moved.value)) => {
                    CardGroupId(moved.value)
                }
                Some(moved) => {
                    let message = format!("no card group {}", moved.value);
                    self.at(&moved.referenced, field("cardgroup"), message);
                    continue;
                }
                None => cardgroup,
            };
            let card = Card {
                card: number.to_owned(),
                pin: c.pin.value.clone(),
                batch: id,
                cardgroup: card_group,
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
                self.at(&raw.id.referenced, field, message);
                continue;
            }
            let prompt = match (&prompt.sound, &prompt.wav) {
                (Some(sound), None) => {
                    let id = SoundId(sound.value);
                    if world.visible_sound(customer, id).is_none() {
                        let message = format!("no sound {id} of customer {customer} or below");
                        self.at(&sound.referenced, format!("{field}.sound"), message);
                        continue;
                    }
                    Prompt::Sound(id)
                }
                (None, Some(wav)) => match decode_base64(&wav.value) {
                    Some(bytes) => Prompt::Wav(bytes.into()),
                    None => {
                        let message = TypeError::NotBase64.to_string();
                        self.at(&wav.referenced, format!("{field}.wav"), message);
                        continue;
                    }
                },
                (sound, wav) => {
                    let location = sound
                        .as_ref()
                        .map(|s| &s.referenced)
                        .or(wav.as_ref().map(|w| &w.referenced))
                        .unwrap_or(&raw.id.referenced);
                    let message = "gives a sound or a wav (Base64), one of the two";
                    self.at(location, field, message);
                    continue;
                }
            };
            world.set_prompt((group, name.clone()), Some(prompt));
        }
    }

    /// A user's password: the one given, else (in a posted seed) the one the user of that name
    /// has in the world the seed replaces.
    fn password(&mut self, user: &RawUser, field: String) -> String {
        if let Some(password) = &user.password {
            return password.clone();
        }
        let kept = self
            .replaced
            .and_then(|world| world.users.get(&user.username.value));
        match (kept, self.replaced) {
            (Some(kept), _) => kept.password.clone(),
            (None, Some(_)) => {
                let message = format!(
                    "missing: {} is not a user of the world this seed replaces, so it has no \
                     password to keep",
                    user.username.value
                );
                self.at(&user.username.referenced, field, message);
                String::new()
            }
            (None, None) => {
                let message = "missing: a seed file gives every user's password \
                               (GET /_fake/seed leaves them out)";
                self.at(&user.username.referenced, field, message);
                String::new()
            }
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
