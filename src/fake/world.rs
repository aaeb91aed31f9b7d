//! The state of one fake Enswitch: customers, rate plans, roles, users, card groups, batches and
//! cards, plus the generator that numbers new cards. Plain data (the rows are `records`') with
//! the lookups every function shares (tenancy above all). What requests change (groups, batches, cards, the generator) is
//! changed only through the methods here, which record each change (`Changes`) so that a durable
//! store can write it and undo it if it cannot; the changes themselves are decided in `domain/`,
//! and the lock around it all is `store`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::fake::changes::Changes;
use crate::fake::rng::Rng;

pub(crate) use crate::fake::records::{
    Batch, BatchId, Card, CardGroup, CardGroupId, Customer, CustomerId, Prompt, PromptKey,
    RatePlan, RatePlanId, Role, Sound, User,
};
pub use crate::fake::records::{Level, SoundId, UserSummary};

/// Why saved cards cannot be put into a world.
#[cfg(feature = "state")]
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("card number {0:?} is not digits")]
    NotDigits(String),
    #[error("card number {0} is used twice")]
    Twice(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct World {
    pub(crate) system_currency: String,
    pub(crate) customers: BTreeMap<CustomerId, Customer>,
    pub(crate) rate_plans: BTreeMap<RatePlanId, RatePlan>,
    pub(crate) roles: BTreeMap<String, Role>,
    pub(crate) users: BTreeMap<String, User>,
    pub(crate) sounds: BTreeMap<SoundId, Sound>,
    card_groups: BTreeMap<CardGroupId, CardGroup>,
    /// The voice prompts set on card groups, by group and prompt name.
    #[serde(serialize_with = "prompts_by_group")]
    prompts: BTreeMap<PromptKey, Prompt>,
    batches: BTreeMap<BatchId, Batch>,
    /// In the order they were created.
    cards: Vec<Card>,
    rng: Rng,
    /// Every card number in use, for uniqueness across the system (D9), with where its card is
    /// in `cards`. Derived from `cards`.
    #[serde(skip)]
    /// A `u32` position: four bytes a card fewer than a `usize`, for four billion cards.
    numbers: BTreeMap<u128, u32>,
    /// What the call in progress has changed.
    #[serde(skip)]
    changes: Changes,
}

/// A card's position as the number index keeps it.
fn position(index: usize) -> u32 {
    u32::try_from(index).expect("fewer than 2^32 cards: the card cap keeps a world far below")
}

/// The prompts as `{"<group>": {"<name>": prompt}}`, as JSON keys must be text.
fn prompts_by_group<S: serde::Serializer>(
    prompts: &BTreeMap<PromptKey, Prompt>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut by_group: BTreeMap<CardGroupId, BTreeMap<&str, &Prompt>> = BTreeMap::new();
    for ((group, name), prompt) in prompts {
        by_group.entry(*group).or_default().insert(name, prompt);
    }
    serializer.collect_map(by_group.iter().map(|(g, p)| (g.to_string(), p)))
}

impl World {
    /// A world of these customers, plans, roles and users, with no card group, batch or card
    /// yet, whose generator starts at `rng`.
    pub(crate) fn new(
        system_currency: String,
        customers: BTreeMap<CustomerId, Customer>,
        rate_plans: BTreeMap<RatePlanId, RatePlan>,
        roles: BTreeMap<String, Role>,
        users: BTreeMap<String, User>,
        rng: Rng,
    ) -> World {
        World {
            system_currency,
            customers,
            rate_plans,
            roles,
            users,
            sounds: BTreeMap::new(),
            card_groups: BTreeMap::new(),
            prompts: BTreeMap::new(),
            batches: BTreeMap::new(),
            cards: Vec::new(),
            rng,
            numbers: BTreeMap::new(),
            changes: Changes::default(),
        }
    }

    pub(crate) fn card_groups(&self) -> &BTreeMap<CardGroupId, CardGroup> {
        &self.card_groups
    }

    pub(crate) fn batches(&self) -> &BTreeMap<BatchId, Batch> {
        &self.batches
    }

    pub(crate) fn prompts(&self) -> &BTreeMap<PromptKey, Prompt> {
        &self.prompts
    }

    /// Sets (or, with `None`, removes) a card group's prompt.
    pub(crate) fn set_prompt(&mut self, key: PromptKey, prompt: Option<Prompt>) {
        let before = match prompt {
            Some(prompt) => self.prompts.insert(key.clone(), prompt),
            None => self.prompts.remove(&key),
        };
        self.changes.prompt_touched(key, before);
    }

    pub(crate) fn visible_sound(&self, actor: CustomerId, id: SoundId) -> Option<&Sound> {
        self.sounds
            .get(&id)
            .filter(|s| self.sees(actor, s.customer))
    }

    /// Every card, in the order they were created.
    pub(crate) fn cards(&self) -> &[Card] {
        &self.cards
    }

    /// Every card number in use, with its card's position in `cards`.
    pub(crate) fn numbers(&self) -> &BTreeMap<u128, u32> {
        &self.numbers
    }

    /// Where the card whose number is written exactly `number` is in `cards`.
    pub(crate) fn card_position(&self, number: &str) -> Option<usize> {
        let value: u128 = number.parse().ok()?;
        let position = *self.numbers.get(&value)? as usize;
        (self.cards[position].card == number).then_some(position)
    }

    /// The customer a card belongs to: its batch's.
    pub(crate) fn card_customer(&self, card: &Card) -> CustomerId {
        self.batches[&card.batch].customer
    }

    /// A card to change in place, by its position in `cards`.
    pub(crate) fn card_mut(&mut self, position: usize) -> &mut Card {
        let card = &mut self.cards[position];
        self.changes.card_touched(position, card);
        card
    }

    /// A batch to change in place; `None` if there is none with that id.
    pub(crate) fn batch_mut(&mut self, id: BatchId) -> Option<&mut Batch> {
        let batch = self.batches.get_mut(&id)?;
        self.changes.batch_touched(batch);
        Some(batch)
    }

    #[cfg(feature = "state")]
    pub(crate) fn rng(&self) -> &Rng {
        &self.rng
    }

    /// Adds a card group (a new id, or one the seed defines).
    pub(crate) fn insert_group(&mut self, group: CardGroup) {
        let before = self.card_groups.get(&group.id);
        self.changes.group_touched(group.id, before);
        self.card_groups.insert(group.id, group);
    }

    /// A group to change in place; `None` if there is none with that id.
    pub(crate) fn group_mut(&mut self, id: CardGroupId) -> Option<&mut CardGroup> {
        let group = self.card_groups.get_mut(&id)?;
        self.changes.group_touched(id, Some(group));
        Some(group)
    }

    pub(crate) fn insert_batch(&mut self, batch: Batch) {
        self.changes.batch_inserted(batch.id);
        self.batches.insert(batch.id, batch);
    }

    /// Appends a card whose number (its `card`, as a number) is `number`.
    pub(crate) fn push_card(&mut self, card: Card, number: u128) {
        self.changes.cards_appended_from(self.cards.len());
        self.numbers.insert(number, position(self.cards.len()));
        self.cards.push(card);
    }

    /// Room for `more` cards, before a batch appends them.
    pub(crate) fn reserve_cards(&mut self, more: usize) {
        self.cards.reserve(more);
    }

    /// The generator, to draw from.
    pub(crate) fn rng_mut(&mut self) -> &mut Rng {
        self.changes.rng_advanced_from(&self.rng);
        &mut self.rng
    }

    /// Starts recording the changes of a call; with `undoable`, enough to undo them.
    pub(crate) fn begin(&mut self, undoable: bool) {
        self.changes = Changes::begin(undoable);
    }

    /// What changed since `begin`, leaving no changes recorded.
    pub(crate) fn take_changes(&mut self) -> Changes {
        std::mem::take(&mut self.changes)
    }

    /// Puts back what `changes` changed, the world as it was before them; a world in memory
    /// only (not `undoable`) keeps them.
    pub(crate) fn undo(&mut self, changes: Changes) {
        if !changes.undoable() {
            return;
        }
        let undo = changes.into_undo();
        for (position, before) in undo.cards.into_iter().rev() {
            self.cards[position] = before;
        }
        if let Some(from) = undo.cards_from {
            for card in self.cards.drain(from..) {
                if let Ok(number) = card.card.parse::<u128>() {
                    self.numbers.remove(&number);
                }
            }
        }
        for id in undo.batches {
            self.batches.remove(&id);
        }
        for before in undo.batches_changed.into_iter().rev() {
            self.batches.insert(before.id, before);
        }
        for (key, before) in undo.prompts.into_iter().rev() {
            match before {
                Some(prompt) => self.prompts.insert(key, prompt),
                None => self.prompts.remove(&key),
            };
        }
        for (id, before) in undo.groups.into_iter().rev() {
            match before {
                Some(group) => self.card_groups.insert(id, group),
                None => self.card_groups.remove(&id),
            };
        }
        if let Some(rng) = undo.rng_before {
            self.rng = rng;
        }
    }

    /// Puts a saved world's groups, batches, cards and generator in place of this one's, as
    /// they were committed (no change is recorded).
    #[cfg(feature = "state")]
    pub(crate) fn restore(
        &mut self,
        groups: BTreeMap<CardGroupId, CardGroup>,
        batches: BTreeMap<BatchId, Batch>,
        cards: Vec<Card>,
        prompts: BTreeMap<PromptKey, Prompt>,
        rng: Rng,
    ) -> Result<(), RestoreError> {
        let mut numbers = BTreeMap::new();
        for (position, card) in cards.iter().enumerate() {
            let number: u128 = card
                .card
                .parse()
                .map_err(|_| RestoreError::NotDigits(card.card.clone()))?;
            if numbers.insert(number, self::position(position)).is_some() {
                return Err(RestoreError::Twice(card.card.clone()));
            }
        }
        self.card_groups = groups;
        self.batches = batches;
        self.cards = cards;
        self.prompts = prompts;
        self.numbers = numbers;
        self.rng = rng;
        self.changes = Changes::default();
        Ok(())
    }

    /// Whether `actor` may see and act on `target`: itself, or any customer below it (a reseller
    /// sees its customers, the system owner everyone).
    pub fn sees(&self, actor: CustomerId, target: CustomerId) -> bool {
        let mut current = Some(target);
        while let Some(id) = current {
            if id == actor {
                return true;
            }
            current = self.customers.get(&id).and_then(|c| c.parent);
        }
        false
    }

    /// A rate plan is usable by the customers below its owner and by those its owner sees.
    pub fn may_use_plan(&self, actor: CustomerId, plan: RatePlanId) -> bool {
        self.rate_plans
            .get(&plan)
            .is_some_and(|p| self.sees(p.customer, actor) || self.sees(actor, p.customer))
    }

    pub fn visible_group(&self, actor: CustomerId, id: CardGroupId) -> Option<&CardGroup> {
        self.card_groups
            .get(&id)
            .filter(|g| self.sees(actor, g.customer))
    }

    pub fn visible_batch(&self, actor: CustomerId, id: BatchId) -> Option<&Batch> {
        self.batches
            .get(&id)
            .filter(|b| self.sees(actor, b.customer))
    }

    /// Who may call the API, with where each stands: for a banner or a page, never with
    /// passwords.
    pub fn users(&self) -> Vec<UserSummary> {
        self.users
            .values()
            .map(|user| {
                let customer = self.customers.get(&user.customer);
                let has_customers = self
                    .customers
                    .values()
                    .any(|c| c.parent == Some(user.customer));
                let kind = match customer.and_then(|c| c.parent) {
                    None => "system owner",
                    Some(_) if has_customers => "reseller",
                    Some(_) => "customer",
                };
                UserSummary {
                    username: user.username.clone(),
                    customer: user.customer.0,
                    customer_name: customer.map(|c| c.name.clone()).unwrap_or_default(),
                    kind,
                    role: user.role.clone(),
                }
            })
            .collect()
    }

    pub fn next_group_id(&self) -> CardGroupId {
        CardGroupId(self.card_groups.keys().next_back().map_or(1, |id| id.0 + 1))
    }

    pub fn next_batch_id(&self) -> BatchId {
        BatchId(self.batches.keys().next_back().map_or(1, |id| id.0 + 1))
    }
}
