//! The worlds kept, read back: each world's groups, batches, cards and prompts, checked against
//! the seed (customers) and the spec (each group field's name and type) before they replace the
//! seed's.

use std::collections::BTreeMap;
use std::sync::Arc;

use rusqlite::Connection;
use serde_json::Value as Json;

use super::StateMismatch;
use crate::fake::world::{
    Batch, BatchId, Card, CardGroup, CardGroupId, CustomerId, Prompt, PromptKey, SoundId,
};
use crate::fake::{Rng, World, is_group_field};
use crate::spec::Function;
use crate::spec::value::ParamType;

pub(super) enum ReadError {
    Database(rusqlite::Error),
    StateMismatch(StateMismatch),
}

impl From<rusqlite::Error> for ReadError {
    fn from(e: rusqlite::Error) -> ReadError {
        ReadError::Database(e)
    }
}

type Loaded = (Vec<CardGroup>, Vec<Batch>, Vec<Card>, Prompts);
type Prompts = BTreeMap<PromptKey, Prompt>;

/// The groups, batches and cards kept for world `name`.
pub(super) fn read_rows(
    connection: &Connection,
    name: &str,
    seed: &World,
    create: &Function,
) -> Result<Loaded, ReadError> {
    let mut groups = Vec::new();
    let mut statement =
        connection.prepare("SELECT id, customer, fields FROM card_groups WHERE namespace = ?1")?;
    let rows = statement.query_map([name], |r| {
        Ok((
            CardGroupId(r.get(0)?),
            CustomerId(r.get(1)?),
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (id, customer, fields) = row?;
        let fields = match serde_json::from_str::<Json>(&fields) {
            Ok(Json::Object(fields)) => fields,
            _ => {
                return Err(ReadError::StateMismatch(StateMismatch::Fields {
                    group: id,
                }));
            }
        };
        let group = group_from_fields(seed, create, id, customer, fields)
            .map_err(ReadError::StateMismatch)?;
        groups.push(group);
    }
    let mut statement = connection.prepare(
        "SELECT id, name, cardgroup, customer, locked, cards, created FROM batches \
         WHERE namespace = ?1 ORDER BY id",
    )?;
    let batches = statement
        .query_map([name], |r| {
            Ok(Batch {
                id: BatchId(r.get(0)?),
                name: r.get(1)?,
                cardgroup: CardGroupId(r.get(2)?),
                customer: CustomerId(r.get(3)?),
                locked: r.get(4)?,
                cards: r.get::<_, i64>(5)?.cast_unsigned(),
                created: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut statement = connection.prepare(
        "SELECT card, pin, batch, cardgroup, balance, currency, locked, created, serial, caller \
         FROM cards WHERE namespace = ?1 ORDER BY seq",
    )?;
    let mut cards = Vec::new();
    let mut rows = statement.query([name])?;
    // Cards of one batch share their currency and time, as they did before the restart.
    let mut shared = Shared::default();
    while let Some(r) = rows.next()? {
        let card: String = r.get(0)?;
        let balance = ParamType::Decimal
            .parse(r.get_ref(4)?.as_str().unwrap_or_default())
            .map_err(|error| {
                ReadError::StateMismatch(StateMismatch::Balance {
                    card: card.clone(),
                    error,
                })
            })?;
        cards.push(Card {
            card,
            pin: r.get(1)?,
            batch: BatchId(r.get(2)?),
            cardgroup: CardGroupId(r.get(3)?),
            balance,
            currency: shared.currency(&r.get::<_, String>(5)?),
            locked: r.get(6)?,
            created: shared.created(&r.get::<_, String>(7)?),
            notes: Card::notes_of(r.get(8)?, r.get(9)?),
        });
    }
    let mut statement = connection
        .prepare("SELECT cardgroup, name, sound, wav FROM prompts WHERE namespace = ?1")?;
    let mut prompts = BTreeMap::new();
    let mut rows = statement.query([name])?;
    while let Some(r) = rows.next()? {
        let group = CardGroupId(r.get(0)?);
        let name: String = r.get(1)?;
        let prompt = match (r.get::<_, Option<i64>>(2)?, r.get::<_, Option<Vec<u8>>>(3)?) {
            (Some(sound), None) => Prompt::Sound(SoundId(sound)),
            (None, Some(wav)) => Prompt::Wav(wav.into()),
            _ => {
                let problem = "holds both a sound and a WAV, or neither";
                return Err(ReadError::StateMismatch(StateMismatch::Prompt {
                    group,
                    name,
                    problem,
                }));
            }
        };
        prompts.insert((group, name), prompt);
    }
    Ok((groups, batches, cards, prompts))
}

/// A group from its kept fields (a JSON object by field name), checked against the seed (its
/// customer) and the spec (each field's name and type).
pub(super) fn group_from_fields(
    seed: &World,
    create: &Function,
    id: CardGroupId,
    customer: CustomerId,
    fields: serde_json::Map<String, Json>,
) -> Result<CardGroup, StateMismatch> {
    if !seed.customers.contains_key(&customer) {
        return Err(StateMismatch::Customer {
            group: id,
            customer,
        });
    }
    let mut values = BTreeMap::new();
    for (name, json) in fields {
        let param = create
            .param(&name)
            .filter(|p| is_group_field(p))
            .ok_or_else(|| StateMismatch::Field {
                group: id,
                name: name.clone(),
            })?;
        let text = json
            .as_str()
            .map_or_else(|| json.to_string(), str::to_owned);
        let value = param
            .ty
            .parse(&text)
            .map_err(|error| StateMismatch::Value {
                group: id,
                name: name.clone(),
                error,
            })?;
        values.insert(name, value);
    }
    Ok(CardGroup::new(id, customer, values))
}

/// The seed's world with kept groups, batches, cards and generator in it.
pub(super) fn world_from_rows(
    seed: &World,
    groups: Vec<CardGroup>,
    batches: Vec<Batch>,
    cards: Vec<Card>,
    prompts: Prompts,
    rng: Rng,
) -> Result<World, StateMismatch> {
    let groups: BTreeMap<CardGroupId, CardGroup> = groups.into_iter().map(|g| (g.id, g)).collect();
    let batches: BTreeMap<BatchId, Batch> = batches.into_iter().map(|b| (b.id, b)).collect();
    if let Some(stray) = cards
        .iter()
        .find(|c| !batches.contains_key(&c.batch) || !groups.contains_key(&c.cardgroup))
    {
        return Err(StateMismatch::Dangling(stray.card.clone()));
    }
    if let Some((group, name)) = prompts.keys().find(|(g, _)| !groups.contains_key(g)) {
        let (group, name) = (*group, name.clone());
        let problem = "belongs to a card group the world lacks";
        return Err(StateMismatch::Prompt {
            group,
            name,
            problem,
        });
    }
    let mut world = seed.clone();
    world.restore(groups, batches, cards, prompts, rng)?;
    Ok(world)
}

/// The last currency and time read, handed out again while rows repeat them (a batch's cards are
/// read together), so that cards read back share them as the cards a call made did.
#[derive(Default)]
struct Shared {
    currency: Option<Arc<str>>,
    created: Option<Arc<str>>,
}

impl Shared {
    fn currency(&mut self, text: &str) -> Arc<str> {
        reuse(&mut self.currency, text)
    }

    fn created(&mut self, text: &str) -> Arc<str> {
        reuse(&mut self.created, text)
    }
}

fn reuse(last: &mut Option<Arc<str>>, text: &str) -> Arc<str> {
    match last {
        Some(kept) if **kept == *text => Arc::clone(kept),
        _ => {
            let new: Arc<str> = text.into();
            *last = Some(Arc::clone(&new));
            new
        }
    }
}
