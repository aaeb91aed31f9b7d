//! The JSON state file of earlier versions (`"format": "enswitch-fake-state", "version": 1`),
//! read once to convert it into the state database. Nothing writes this format any more.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value as Json;

use super::read::{group_from_fields, world_from_rows};
use super::{KeptWorld, StateMismatch};
use crate::fake::world::{Batch, BatchId, Card, CardGroupId, CustomerId};
use crate::fake::{Rng, World};
use crate::spec::Function;
use crate::spec::value::ParamType;

/// The first field of such a file.
pub(super) const FORMAT: &str = "enswitch-fake-state";
const VERSION: u64 = 1;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[expect(
        dead_code,
        reason = "checked on the raw JSON before this shape is read"
    )]
    format: String,
    #[expect(
        dead_code,
        reason = "checked on the raw JSON before this shape is read"
    )]
    version: u32,
    /// `""` for the default world, else the namespace's name.
    worlds: BTreeMap<String, SavedWorld>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedWorld {
    card_groups: Vec<SavedGroup>,
    batches: Vec<Batch>,
    cards: Vec<SavedCard>,
    rng: Rng,
    clock: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedGroup {
    id: CardGroupId,
    customer: CustomerId,
    fields: serde_json::Map<String, Json>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedCard {
    card: String,
    pin: String,
    batch: BatchId,
    cardgroup: CardGroupId,
    balance: String,
    currency: String,
    locked: i64,
    created: String,
}

/// Why a file is not one to convert.
#[derive(Debug, thiserror::Error)]
pub enum V1Error {
    #[error("not a state file: neither a state database nor JSON ({0})")]
    NotJson(serde_json::Error),
    #[error("not an enswitch-fake state file (no \"format\": \"{FORMAT}\")")]
    Foreign,
    #[error("a JSON state file of version {0}, which this version cannot read")]
    Version(Json),
    #[error("a damaged JSON state file: {0}")]
    Damaged(serde_json::Error),
    #[error("world {world:?}: {misfit}")]
    StateMismatch {
        world: String,
        misfit: StateMismatch,
    },
}

/// Each world of a version 1 file (`None` for the default world), built on `seed`, with its
/// logical clock.
pub(super) fn read(
    text: &[u8],
    seed: &World,
    create: &Function,
) -> Result<Vec<KeptWorld>, V1Error> {
    let header: Json = serde_json::from_slice(text).map_err(V1Error::NotJson)?;
    if header.get("format").and_then(Json::as_str) != Some(FORMAT) {
        return Err(V1Error::Foreign);
    }
    if header.get("version").and_then(Json::as_u64) != Some(VERSION) {
        return Err(V1Error::Version(header["version"].clone()));
    }
    let file: File = serde_json::from_value(header).map_err(V1Error::Damaged)?;
    let mut worlds = Vec::new();
    for (name, saved) in file.worlds {
        let world = restore(
            seed,
            saved.card_groups,
            saved.batches,
            saved.cards,
            saved.rng,
            create,
        )
        .map_err(|misfit| V1Error::StateMismatch {
            world: name.clone(),
            misfit,
        })?;
        worlds.push(((!name.is_empty()).then_some(name), world, saved.clock));
    }
    Ok(worlds)
}

fn restore(
    seed: &World,
    groups: Vec<SavedGroup>,
    batches: Vec<Batch>,
    cards: Vec<SavedCard>,
    rng: Rng,
    create: &Function,
) -> Result<World, StateMismatch> {
    let groups = groups
        .into_iter()
        .map(|g| group_from_fields(seed, create, g.id, g.customer, g.fields))
        .collect::<Result<Vec<_>, StateMismatch>>()?;
    let cards = cards
        .into_iter()
        .map(|c| {
            let balance =
                ParamType::Decimal
                    .parse(&c.balance)
                    .map_err(|error| StateMismatch::Balance {
                        card: c.card.clone(),
                        error,
                    })?;
            Ok(Card {
                card: c.card,
                pin: c.pin,
                batch: c.batch,
                cardgroup: c.cardgroup,
                balance,
                currency: c.currency.into(),
                locked: c.locked,
                created: c.created.into(),
                notes: None,
            })
        })
        .collect::<Result<Vec<_>, StateMismatch>>()?;
    // Version 1 knew no prompts.
    world_from_rows(seed, groups, batches, cards, BTreeMap::new(), rng)
}
