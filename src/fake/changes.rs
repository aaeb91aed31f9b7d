//! What one call changed in a world, recorded as it happens: the rows a durable store must write
//! (groups, batches, cards, the generator), and what each was before, so that a change whose
//! commit fails can be undone and nothing is left half-applied. The world's own mutating methods
//! record into it; nothing else changes a world.

use std::ops::Range;

use crate::fake::rng::Rng;
use crate::fake::world::{BatchId, CardGroup, CardGroupId};

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
    /// Where the cards appended by this call start, if it appended any.
    cards_from: Option<usize>,
    /// The generator before the call advanced it, if it did.
    rng_before: Option<Rng>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
            && self.batches.is_empty()
            && self.cards_from.is_none()
            && self.rng_before.is_none()
    }

    /// The groups to write whole.
    pub fn groups(&self) -> impl Iterator<Item = CardGroupId> + '_ {
        self.groups.iter().map(|(id, _)| *id)
    }

    /// The batches to insert.
    pub fn batches(&self) -> &[BatchId] {
        &self.batches
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
    pub(super) cards_from: Option<usize>,
    pub(super) rng_before: Option<Rng>,
}
