//! A world's rows, written: each call's changes (only the rows they touched), or a whole world
//! when it is replaced (a reset, a new namespace).

use std::sync::Arc;

use rusqlite::params;

use super::db::{StateDb, delete_world};
use crate::fake::world::{Batch, CardGroup, Prompt, PromptKey};
use crate::fake::{Changes, Durable, Unsaved, World};

/// One world's rows in the database: the `Durable` its store commits to.
#[derive(Debug)]
pub(super) struct WorldRows {
    pub(super) db: Arc<StateDb>,
    pub(super) namespace: String,
}

impl WorldRows {
    fn write_group(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        group: &CardGroup,
    ) -> rusqlite::Result<()> {
        let fields = serde_json::to_string(&group.fields()).expect("fields serialize");
        transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO card_groups (namespace, id, customer, fields) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                self.namespace,
                group.id.0,
                group.customer.0,
                fields
            ])?;
        Ok(())
    }

    fn write_batch(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        batch: &Batch,
    ) -> rusqlite::Result<()> {
        transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO batches (namespace, id, name, cardgroup, customer, \
                 locked, cards, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                self.namespace,
                batch.id.0,
                batch.name,
                batch.cardgroup.0,
                batch.customer.0,
                batch.locked,
                batch.cards.cast_signed(),
                batch.created
            ])?;
        Ok(())
    }

    /// The cards at `positions`, each written whole over what was kept at its position.
    fn write_cards(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        world: &World,
        positions: impl Iterator<Item = usize>,
    ) -> rusqlite::Result<()> {
        let mut insert = transaction.prepare_cached(
            "INSERT OR REPLACE INTO cards (namespace, seq, card, pin, batch, cardgroup, balance, \
             currency, locked, created, serial, caller) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for (seq, card) in positions.map(|p| (p, &world.cards()[p])) {
            insert.execute(params![
                self.namespace,
                i64::try_from(seq).expect("fewer cards than i64::MAX"),
                card.card,
                card.pin,
                card.batch.0,
                card.cardgroup.0,
                card.balance.to_string(),
                &*card.currency,
                card.locked,
                &*card.created,
                card.serial(),
                card.caller()
            ])?;
        }
        Ok(())
    }

    /// The prompt at `key` as the world has it now: written, or deleted if it is gone.
    fn write_prompt(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        world: &World,
        key: &PromptKey,
    ) -> rusqlite::Result<()> {
        let (group, name) = key;
        match world.prompts().get(key) {
            Some(prompt) => {
                let (sound, wav) = match prompt {
                    Prompt::Sound(id) => (Some(id.0), None),
                    Prompt::Wav(bytes) => (None, Some(&bytes[..])),
                };
                transaction
                    .prepare_cached(
                        "INSERT OR REPLACE INTO prompts (namespace, cardgroup, name, sound, wav) \
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?
                    .execute(params![self.namespace, group.0, name, sound, wav])?;
            }
            None => {
                transaction
                    .prepare_cached(
                        "DELETE FROM prompts WHERE namespace = ?1 AND cardgroup = ?2 AND name = ?3",
                    )?
                    .execute(params![self.namespace, group.0, name])?;
            }
        }
        Ok(())
    }

    fn write_world(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        world: &World,
        clock: Option<i64>,
    ) -> rusqlite::Result<()> {
        transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO worlds (namespace, rng, clock) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![
                self.namespace,
                world.rng().state().cast_signed(),
                clock
            ])?;
        Ok(())
    }
}

impl Durable for WorldRows {
    fn commit(&self, world: &World, changes: &Changes, clock: Option<i64>) -> Result<(), Unsaved> {
        self.db.transact(|transaction| {
            for id in changes.groups() {
                if let Some(group) = world.card_groups().get(&id) {
                    self.write_group(transaction, group)?;
                }
            }
            for id in changes.batches() {
                if let Some(batch) = world.batches().get(&id) {
                    self.write_batch(transaction, batch)?;
                }
            }
            let cards = changes
                .changed_cards()
                .chain(changes.new_cards(world.cards().len()));
            self.write_cards(transaction, world, cards)?;
            for key in changes.prompts() {
                self.write_prompt(transaction, world, key)?;
            }
            if changes.rng_changed() {
                self.write_world(transaction, world, clock)?;
            }
            Ok(())
        })
    }

    fn replace(&self, world: &World, clock: Option<i64>) -> Result<(), Unsaved> {
        self.db.transact(|transaction| {
            delete_world(transaction, &self.namespace)?;
            for group in world.card_groups().values() {
                self.write_group(transaction, group)?;
            }
            for batch in world.batches().values() {
                self.write_batch(transaction, batch)?;
            }
            self.write_cards(transaction, world, 0..world.cards().len())?;
            for key in world.prompts().keys() {
                self.write_prompt(transaction, world, key)?;
            }
            self.write_world(transaction, world, clock)
        })
    }
}
