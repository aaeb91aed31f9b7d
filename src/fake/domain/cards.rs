//! Cards: allocating numbers for new ones, `cards/update` and `cards/list`. A card number is `card_length`
//! digits with a first digit that is not 0, unique across the whole system; "random" draws
//! uniformly from the numbers still free, "sequential" continues after the highest number of
//! that length (D9).

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::json;

use crate::fake::error::ApiError;
use crate::fake::input::Input;
use crate::fake::mutant::{self, Mutant};
use crate::fake::response::{ApiResponse, data};
use crate::fake::world::{BatchId, Card, CardGroupId, World};
use crate::spec::value::Value;

/// `count` new card numbers of `length` digits, or 500 (D10) if there are not that many left.
/// Changes nothing but the generator; the caller stores the cards.
pub(crate) fn allocate(
    world: &mut World,
    length: i64,
    method: &str,
    count: u64,
) -> Result<Vec<u128>, ApiError> {
    let exponent = u32::try_from(length).expect("the spec keeps card_length 4 to 20");
    let low = 10u128.pow(exponent - 1);
    let high = 10u128.pow(exponent) - 1;
    let space = high - low + 1;
    let count = u128::from(count);
    let exhausted = || ApiError::numbers_exhausted(length);

    if method == "sequential" {
        let start = world
            .numbers()
            .range(low..=high)
            .next_back()
            .map_or(low, |(n, _)| n + 1);
        if start + count - 1 > high {
            return Err(exhausted());
        }
        return Ok((start..start + count).collect());
    }

    // Sparse: far more free numbers than wanted, so drawing and retrying on a clash is quick.
    // Every number in use might be of this length, hence the whole store counts against it.
    let used_at_most = world.numbers().len() as u128;
    if used_at_most + 2 * count <= space {
        let mut drawn = BTreeSet::new();
        let mut order = Vec::with_capacity(count as usize);
        while (order.len() as u128) < count {
            let n = low + world.rng_mut().below(space);
            if !world.numbers().contains_key(&n) && drawn.insert(n) {
                order.push(n);
            }
        }
        return Ok(order);
    }

    // Dense: list what is free (the space is then at most a few times `count` plus the store)
    // and shuffle the first `count` of it into place.
    let mut free: Vec<u128> = (low..=high)
        .filter(|n| !world.numbers().contains_key(n))
        .collect();
    if (free.len() as u128) < count {
        return Err(exhausted());
    }
    for i in 0..count as usize {
        let j = i + world.rng_mut().below((free.len() - i) as u128) as usize;
        free.swap(i, j);
    }
    free.truncate(count as usize);
    Ok(free)
}

/// `cards/update`: the given fields of the card change, the rest keep their value. A new
/// `cardgroup` moves the card (it keeps its batch); the checks that it may have passed. 204.
pub(crate) fn update(world: &mut World, input: &Input) -> ApiResponse {
    let position = input.card.expect("card was checked to name a card");
    let text = |name: &str| input.is_given(name).then(|| input.string(name).to_owned());
    let (pin, serial, caller, currency) = (
        text("pin"),
        text("serial"),
        text("caller"),
        text("currency"),
    );
    let locked = input.is_given("locked").then(|| input.integer("locked"));
    let moved_to = input
        .is_given("cardgroup")
        .then(|| CardGroupId(input.integer("cardgroup")));
    let balance = input
        .is_given("balance")
        .then(|| input.value("balance").cloned())
        .flatten();
    let card = world.card_mut(position);
    if let Some(balance) = balance {
        card.balance = balance;
    }
    if let Some(caller) = caller {
        card.notes_mut().caller = caller;
    }
    if let Some(group) = moved_to {
        card.cardgroup = group;
    }
    if let Some(currency) = currency {
        card.currency = currency.into();
    }
    if let Some(locked) = locked {
        card.locked = locked;
    }
    if let Some(pin) = pin {
        card.pin = pin;
    }
    if let Some(serial) = serial {
        card.notes_mut().serial = serial;
    }
    ApiResponse::ok(None)
}

/// A card as cards/list shows it: `locked` is 1 while the card, its batch or its group is
/// locked.
#[derive(Serialize)]
struct CardRow<'a> {
    card: &'a str,
    pin: &'a str,
    batch: BatchId,
    cardgroup: CardGroupId,
    balance: &'a Value,
    currency: &'a str,
    locked: i64,
    serial: &'a str,
    caller: &'a str,
    created: &'a str,
}

impl<'a> CardRow<'a> {
    fn of(world: &World, card: &'a Card, mutant: Option<Mutant>) -> CardRow<'a> {
        let batch_locked = !mutant::is(mutant, Mutant::BatchLockIgnored)
            && world
                .batches()
                .get(&card.batch)
                .is_some_and(|b| b.locked == 1);
        let group_locked = world
            .card_groups()
            .get(&card.cardgroup)
            .is_some_and(|g| g.field("locked") == Some(&Value::Integer(1)));
        CardRow {
            card: &card.card,
            pin: &card.pin,
            batch: card.batch,
            cardgroup: card.cardgroup,
            balance: &card.balance,
            currency: &card.currency,
            locked: i64::from(card.locked == 1 || batch_locked || group_locked),
            serial: card.serial(),
            caller: card.caller(),
            created: &card.created,
        }
    }
}

/// `cards/list`: the cards of a batch or a group, sorted, paged; or only their count (`count=1`)
/// or number of pages (`pages=1`).
pub(crate) fn list(world: &World, input: &Input, mutant: Option<Mutant>) -> ApiResponse {
    let mut rows: Vec<&Card> = world
        .cards()
        .iter()
        .filter(|c| input.batch.is_none_or(|b| c.batch == b))
        .filter(|c| input.group.is_none_or(|g| c.cardgroup == g))
        .collect();
    if input.integer("count") == 1 {
        return ApiResponse::ok(Some(data(&json!({ "count": rows.len() }))));
    }
    let limit = input.integer("limit") as usize;
    if input.integer("pages") == 1 {
        let pages = if limit == 0 {
            usize::from(!rows.is_empty())
        } else {
            rows.len().div_ceil(limit)
        };
        return ApiResponse::ok(Some(data(&json!({ "pages": pages }))));
    }
    // Stable sorts on creation order, so equal keys keep the order the cards were made in. Cards
    // have no expiry of their own here, so that sorts by creation.
    match input.string("sort") {
        "card" => rows.sort_by(|a, b| by_number(&a.card, &b.card)),
        "balance" => rows.sort_by(|a, b| a.balance.compare(&b.balance).unwrap_or(Ordering::Equal)),
        "serial" => rows.sort_by(|a, b| a.serial().cmp(b.serial())),
        _ => {}
    }
    if input.integer("descending") == 1 {
        rows.reverse();
    }
    let offset = input.integer("offset") as usize;
    let take = if limit == 0 { usize::MAX } else { limit };
    let rows: Vec<CardRow> = rows
        .into_iter()
        .skip(offset)
        .take(take)
        .map(|card| CardRow::of(world, card, mutant))
        .collect();
    ApiResponse::ok(Some(data(&rows)))
}

/// Card numbers have no leading zeros, so a shorter one is smaller.
fn by_number(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}
