//! Batches: create (with their cards), update and list. A creation is all or nothing: every card number
//! is allocated before anything is stored, so running out of numbers (500, D10) leaves the world
//! as it was.

use serde_json::json;
use std::sync::Arc;

use crate::fake::clock::Clock;
use crate::fake::domain::cards;
use crate::fake::error::ApiError;
use crate::fake::input::Input;
use crate::fake::mutant::{self, Mutant};
use crate::fake::response::{ApiResponse, data};
use crate::fake::world::{Batch, Card, CardGroupId, CustomerId, World};

/// `cards/batches/create`: `batch_number` batches of `number` cards each. 200 with `{"id":N}`
/// for one batch, an array of them for several (D7).
pub(crate) fn create(
    world: &mut World,
    input: &Input,
    clock: &Clock,
    mutant: Option<Mutant>,
) -> Result<ApiResponse, ApiError> {
    let group = &world.card_groups()[&input.group.expect("cardgroup was checked to name a group")];
    let (cardgroup, customer) = (group.id, group.customer);
    let batch_number = input.integer("batch_number");
    let number = input.integer("number");
    let card_length = if mutant::is(mutant, Mutant::CardLengthIgnored) {
        12
    } else {
        input.integer("card_length")
    };
    let method = if mutant::is(mutant, Mutant::SequentialRandom) {
        "random"
    } else {
        input.string("method")
    };
    let pin_length = usize::try_from(input.integer("pin_length"))
        .expect("the spec keeps pin_length 0 to 20")
        + usize::from(mutant::is(mutant, Mutant::PinWrongLength));
    let total = u64::try_from(batch_number * number)
        .expect("the card cap keeps the product small and positive");

    let mut numbers = cards::allocate(world, card_length, method, total)?;
    if mutant::is(mutant, Mutant::DuplicateCardNumbers)
        && let Some(first) = numbers.first().copied()
    {
        numbers.fill(first);
    }

    let created = clock.now();
    let batch_name = input.string("batch_name");
    let balance = input
        .value("balance")
        .expect("balance defaults to 0.00")
        .clone();
    let currency = input.string("currency").to_owned();
    let lock_cards = input.integer("lock_cards");
    let mut numbers = numbers.into_iter();
    let mut ids = Vec::new();
    world.reserve_cards(numbers.len());
    // One copy for every card of the call.
    let (card_currency, card_created): (Arc<str>, Arc<str>) =
        (currency.as_str().into(), created.as_str().into());
    for n in 1..=batch_number {
        let id = world.next_batch_id();
        let name = if batch_number == 1 {
            batch_name.to_owned()
        } else {
            format!("{batch_name} {n}")
        };
        for number in numbers.by_ref().take(number as usize) {
            let pin = world.rng_mut().digits(pin_length);
            let card = Card {
                card: number.to_string(),
                pin,
                batch: id,
                cardgroup,
                balance: balance.clone(),
                currency: Arc::clone(&card_currency),
                locked: lock_cards,
                created: Arc::clone(&card_created),
                notes: None,
            };
            world.push_card(card, number);
        }
        let locked = input.integer("locked");
        let cards = number as u64;
        world.insert_batch(Batch {
            id,
            name,
            cardgroup,
            customer,
            locked,
            cards,
            created: created.clone(),
        });
        ids.push(json!({ "id": id }));
    }
    let data = if ids.len() == 1 {
        data(&ids[0])
    } else {
        data(&ids)
    };
    Ok(ApiResponse::ok(Some(data)))
}

/// `cards/batches/update`: the given `name` and `locked` change, the rest keep their value. A
/// batch's lock is its own flag; cards/list shows it on each of its cards. 204.
pub(crate) fn update(world: &mut World, input: &Input) -> ApiResponse {
    let id = input.batch.expect("the id was checked to name a batch");
    let name = input
        .is_given("name")
        .then(|| input.string("name").to_owned());
    let locked = input.is_given("locked").then(|| input.integer("locked"));
    let batch = world.batch_mut(id).expect("a checked batch exists");
    if let Some(name) = name {
        batch.name = name;
    }
    if let Some(locked) = locked {
        batch.locked = locked;
    }
    ApiResponse::ok(None)
}

/// `cards/batches/list`: the batches of `customer` (the caller's by default), of one group if
/// `cardgroup` is given, in id order.
pub(crate) fn list(world: &World, input: &Input) -> ApiResponse {
    let customer = CustomerId(input.integer("customer"));
    let group = input
        .value("cardgroup")
        .map(|_| CardGroupId(input.integer("cardgroup")));
    let rows: Vec<&Batch> = world
        .batches()
        .values()
        .filter(|b| b.customer == customer && group.is_none_or(|g| b.cardgroup == g))
        .collect();
    ApiResponse::ok(Some(data(&rows)))
}
