//! What one call changed in a world, recorded as it happens: the rows a durable store must write
//! (groups, batches, cards, the generator), and what each was before, so that a change whose
//! commit fails can be undone and nothing is left half-applied. The world's own mutating methods
//! record into it; nothing else changes a world.

use std::ops::Range;

use crate::fake::rng::Rng;
use crate::fake::world::{Batch, BatchId, Card, CardGroup, CardGroupId, Prompt, PromptKey};

#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// Whether to keep what each group was before it changed. Only a world whose changes are
    /// committed can have one fail and need undoing; copying a group costs more than the rest of
    /// an update, so a world in memory only does without.
    undoable: bool,
    /// Each group inserted or changed, once, with what it was before (`None`: it is new, or
    /// the call is not undoable).
    groups: Vec<(CardGroupId, Option<CardGroup>)>,
    /// Batches inserted.
    batches: Vec<BatchId>,
    /// Batches changed in place, once each, with what each was before (`None` when the call is
    /// not undoable).
    batches_changed: Vec<(BatchId, Option<Batch>)>,
    /// Cards changed in place, by position, once each, with what each was before.
    cards_changed: Vec<(usize, Option<Card>)>,
    /// Prompts set or removed, once each, with what each was before (`None`: there was none).
    prompts: Vec<(PromptKey, Option<Prompt>)>,
    /// Where the cards appended by this call start, if it appended any.
    cards_from: Option<usize>,
    /// The generator before the call advanced it, if it did.
    rng_before: Option<Rng>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
            && self.batches.is_empty()
            && self.batches_changed.is_empty()
            && self.cards_changed.is_empty()
            && self.prompts.is_empty()
            && self.cards_from.is_none()
            && self.rng_before.is_none()
    }

    /// The groups to write whole.
    pub fn groups(&self) -> impl Iterator<Item = CardGroupId> + '_ {
        self.groups.iter().map(|(id, _)| *id)
    }

    /// The batches to write whole: inserted or changed.
    pub fn batches(&self) -> impl Iterator<Item = BatchId> + '_ {
        let changed = self.batches_changed.iter().map(|(id, _)| *id);
        self.batches.iter().copied().chain(changed)
    }

    /// The prompts set or removed, to write or delete.
    pub fn prompts(&self) -> impl Iterator<Item = &PromptKey> + '_ {
        self.prompts.iter().map(|(key, _)| key)
    }

    /// The positions of the cards changed in place, to write again.
    pub fn changed_cards(&self) -> impl Iterator<Item = usize> + '_ {
        self.cards_changed.iter().map(|(position, _)| *position)
    }

    /// The positions of the cards to insert, among a world's `len` cards.
    pub fn new_cards(&self, len: usize) -> Range<usize> {
        self.cards_from.unwrap_or(len)..len
    }

    /// Whether the generator's state must be written.
    pub fn rng_changed(&self) -> bool {
        self.rng_before.is_some()
    }

    /// Starts recording a call; `undoable` keeps the before-images `World::undo` needs.
    pub(super) fn begin(undoable: bool) -> Changes {
        Changes {
            undoable,
            ..Changes::default()
        }
    }

    pub(super) fn group_touched(&mut self, id: CardGroupId, before: Option<&CardGroup>) {
        if !self.groups.iter().any(|(touched, _)| *touched == id) {
            let before = before.filter(|_| self.undoable).cloned();
            self.groups.push((id, before));
        }
    }

    /// Whether `World::undo` can put the world back.
    pub(super) fn undoable(&self) -> bool {
        self.undoable
    }

    pub(super) fn batch_inserted(&mut self, id: BatchId) {
        self.batches.push(id);
    }

    pub(super) fn batch_touched(&mut self, before: &Batch) {
        let new = self.batches.contains(&before.id);
        if !new && !self.batches_changed.iter().any(|(id, _)| *id == before.id) {
            let kept = self.undoable.then(|| before.clone());
            self.batches_changed.push((before.id, kept));
        }
    }

    pub(super) fn prompt_touched(&mut self, key: PromptKey, before: Option<Prompt>) {
        if !self.prompts.iter().any(|(k, _)| *k == key) {
            self.prompts.push((key, before));
        }
    }

    /// A card about to change in place. A card this call appended is undone by dropping it.
    pub(super) fn card_touched(&mut self, position: usize, before: &Card) {
        let appended = self.cards_from.is_some_and(|from| position >= from);
        if !appended && !self.cards_changed.iter().any(|(p, _)| *p == position) {
            let kept = self.undoable.then(|| before.clone());
            self.cards_changed.push((position, kept));
        }
    }

    pub(super) fn cards_appended_from(&mut self, len: usize) {
        self.cards_from.get_or_insert(len);
    }

    pub(super) fn rng_advanced_from(&mut self, rng: &Rng) {
        self.rng_before.get_or_insert_with(|| rng.clone());
    }

    /// What the world must be put back to, newest change first.
    pub(super) fn into_undo(self) -> Undo {
        Undo {
            groups: self.groups,
            batches: self.batches,
            batches_changed: self
                .batches_changed
                .into_iter()
                .filter_map(|(_, before)| before)
                .collect(),
            cards: self
                .cards_changed
                .into_iter()
                .filter_map(|(position, before)| Some((position, before?)))
                .collect(),
            prompts: self.prompts,
            cards_from: self.cards_from,
            rng_before: self.rng_before,
        }
    }
}

/// The before-images of a set of changes, for `World::undo`.
#[derive(Debug)]
pub(super) struct Undo {
    pub(super) groups: Vec<(CardGroupId, Option<CardGroup>)>,
    pub(super) batches: Vec<BatchId>,
    /// What each batch changed in place was before.
    pub(super) batches_changed: Vec<Batch>,
    /// What each card changed in place was before, by position.
    pub(super) cards: Vec<(usize, Card)>,
    pub(super) prompts: Vec<(PromptKey, Option<Prompt>)>,
    pub(super) cards_from: Option<usize>,
    pub(super) rng_before: Option<Rng>,
}
