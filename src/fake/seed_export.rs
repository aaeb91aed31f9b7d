//! A world written back as a seed (`GET /_fake/seed`): the document `seed` reads, so a world
//! built by calls, by hand or through the dashboard can be saved and loaded again. Writing a
//! world, loading what was written and writing again gives the same bytes.
//!
//! Everything is written out: every field of every card group (defaults included), every card's
//! currency, a card's group where a move made it differ from its batch's. The document so does
//! not depend on the defaults of the spec that reads it. Not written: users' passwords (no
//! secret leaves the fake; a reset posted with the document keeps each user's password, and a
//! seed file needs them added), the generator and the clock (a reset starts both again).
//!
//! Two forms: JSON, and YAML of the layout of `fixtures/seed.yaml` (an object a line where it
//! fits). Both write the cards one at a time into the text: no copy of a million cards is built
//! on the way.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value as Json;

use crate::fake::world::{Batch, BatchId, Card, CardGroup, CardGroupId, Prompt, World};
use crate::spec::value::encode_base64;

/// What the YAML form says before the world.
const HEADER: &str = "\
# A world of enswitch-fake, as GET /_fake/seed wrote it. POST it to /_fake/reset (Content-Type
# application/yaml) to have this world again. Users' passwords are left out: a reset keeps each
# user's password from the world it replaces; for --seed-file, give each user a `password`.
";

/// Lines longer than this are written a key a line.
const WIDTH: usize = 120;

/// The world as a JSON seed document.
pub fn json(world: &World) -> String {
    let text = serde_json::to_string_pretty(&Document::of(world))
        .expect("a seed document is JSON: maps keyed by text, no float");
    printable(text) + "\n"
}

/// The world as a YAML seed document.
pub fn yaml(world: &World) -> String {
    let document = Document::of(world);
    let mut out = String::from(HEADER);
    let currency = Json::String(document.system_currency.to_owned());
    write_entry(&mut out, 0, "system_currency", &currency);
    for (key, items) in [
        ("customers", document.customers),
        ("rate_plans", document.rate_plans),
        ("roles", document.roles),
        ("users", document.users),
        ("sounds", document.sounds),
        ("card_groups", document.card_groups),
    ] {
        write_entry(&mut out, 0, key, &Json::Array(items));
    }
    // A batch at a time, and its cards a card at a time: the one list that may be long.
    out.push_str(if document.batches.is_empty() {
        "batches: []\n"
    } else {
        "batches:\n"
    });
    for batch in &document.batches {
        let Json::Object(mut head) = to_json(&batch.head) else {
            unreachable!("a batch is written as a map")
        };
        if batch.cards.cards.is_empty() {
            head.insert("cards".into(), Json::Array(Vec::new()));
            write_item(&mut out, 2, &Json::Object(head));
            continue;
        }
        write_block_item(&mut out, 2, &head);
        out.push_str("    cards:\n");
        for card in &batch.cards.cards {
            let card = CardOut::of(card, batch.cards.of_group);
            write_item(&mut out, 6, &to_json(&card));
        }
    }
    printable(out)
}

fn to_json(value: &impl Serialize) -> Json {
    serde_json::to_value(value).expect("a seed document is JSON: maps keyed by text, no float")
}

/// The text with the characters YAML may not hold raw (DEL, the C1 controls, U+FFFE and
/// U+FFFF) escaped as `\uXXXX`, which JSON and YAML both read. JSON leaves them raw, and they
/// can only be inside quoted text.
fn printable(text: String) -> String {
    let raw =
        |c: char| matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}');
    if !text.contains(raw) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if raw(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// The document, borrowing the world; its fields in the order of `fixtures/seed.yaml`.
#[derive(Serialize)]
struct Document<'a> {
    system_currency: &'a str,
    customers: Vec<Json>,
    rate_plans: Vec<Json>,
    roles: Vec<Json>,
    users: Vec<Json>,
    sounds: Vec<Json>,
    card_groups: Vec<Json>,
    batches: Vec<BatchOut<'a>>,
}

impl<'a> Document<'a> {
    fn of(world: &'a World) -> Document<'a> {
        let customers = world.customers.values().map(|c| {
            let mut customer = serde_json::json!({ "id": c.id, "name": c.name });
            if let Some(parent) = c.parent {
                customer["parent"] = serde_json::json!(parent);
            }
            customer["rate_plan"] = serde_json::json!(c.rate_plan);
            customer
        });
        let rate_plans = world.rate_plans.values().map(|p| {
            serde_json::json!({
                "id": p.id, "name": p.name, "customer": p.customer, "privileges": p.privileges,
            })
        });
        let roles = world
            .roles
            .values()
            .map(|r| serde_json::json!({ "name": r.name, "privileges": r.privileges }));
        let mut users: Vec<_> = world.users.values().collect();
        users.sort_by_key(|u| u.id);
        let users = users.into_iter().map(|u| {
            serde_json::json!({
                "id": u.id, "username": u.username, "customer": u.customer, "role": u.role,
            })
        });
        let sounds = world
            .sounds
            .values()
            .map(|s| serde_json::json!({ "id": s.id, "name": s.name, "customer": s.customer }));
        let card_groups = world
            .card_groups()
            .values()
            .map(|group| card_group(world, group));
        Document {
            system_currency: &world.system_currency,
            customers: customers.collect(),
            rate_plans: rate_plans.collect(),
            roles: roles.collect(),
            users: users.collect(),
            sounds: sounds.collect(),
            card_groups: card_groups.collect(),
            batches: batches(world),
        }
    }
}

/// A card group: its fields as the text a seed gives them, and its prompts, if any.
fn card_group(world: &World, group: &CardGroup) -> Json {
    let fields: BTreeMap<&str, String> = group
        .fields()
        .into_iter()
        .map(|(name, value)| (name, value.to_string()))
        .collect();
    let mut out = serde_json::json!({
        "id": group.id, "customer": group.customer, "fields": fields,
    });
    let prompts: serde_json::Map<String, Json> = world
        .prompts()
        .range((group.id, String::new())..)
        .take_while(|((id, _), _)| *id == group.id)
        .map(|((_, name), prompt)| {
            let prompt = match prompt {
                Prompt::Sound(sound) => serde_json::json!({ "sound": sound }),
                Prompt::Wav(bytes) => serde_json::json!({ "wav": encode_base64(bytes) }),
            };
            (name.clone(), prompt)
        })
        .collect();
    if !prompts.is_empty() {
        out["prompts"] = Json::Object(prompts);
    }
    out
}

/// A batch: its own fields, then its cards.
#[derive(Serialize)]
struct BatchOut<'a> {
    #[serde(flatten)]
    head: BatchHead<'a>,
    cards: CardsOut<'a>,
}

#[derive(Serialize)]
struct BatchHead<'a> {
    id: BatchId,
    name: &'a str,
    cardgroup: CardGroupId,
    locked: i64,
    created: &'a str,
}

/// A batch's cards, and the batch's group (which a card shows only if it was moved out).
struct CardsOut<'a> {
    of_group: CardGroupId,
    cards: Vec<&'a Card>,
}

impl Serialize for CardsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let cards = self.cards.iter().map(|c| CardOut::of(c, self.of_group));
        serializer.collect_seq(cards)
    }
}

/// The batches, in the order their cards were made (a batch without cards last), so the world
/// loaded again lists its cards in the same order.
fn batches(world: &World) -> Vec<BatchOut<'_>> {
    let mut cards: BTreeMap<BatchId, Vec<&Card>> = BTreeMap::new();
    let mut order: Vec<BatchId> = Vec::new();
    for card in world.cards() {
        let of_batch = cards.entry(card.batch).or_default();
        if of_batch.is_empty() {
            order.push(card.batch);
        }
        of_batch.push(card);
    }
    let empty = world.batches().keys().filter(|id| !cards.contains_key(id));
    order.extend(empty.copied().collect::<Vec<_>>());
    order
        .into_iter()
        .map(|id| {
            let batch: &Batch = &world.batches()[&id];
            BatchOut {
                head: BatchHead {
                    id,
                    name: &batch.name,
                    cardgroup: batch.cardgroup,
                    locked: batch.locked,
                    created: &batch.created,
                },
                cards: CardsOut {
                    of_group: batch.cardgroup,
                    cards: cards.remove(&id).unwrap_or_default(),
                },
            }
        })
        .collect()
}

/// A card, with the fields a seed defaults left out where they hold the default.
#[derive(Serialize)]
struct CardOut<'a> {
    card: &'a str,
    pin: &'a str,
    balance: String,
    currency: &'a str,
    locked: i64,
    #[serde(skip_serializing_if = "str::is_empty")]
    serial: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    caller: &'a str,
    /// Only for a card cards/update moved out of its batch's group.
    #[serde(skip_serializing_if = "Option::is_none")]
    cardgroup: Option<CardGroupId>,
}

impl<'a> CardOut<'a> {
    fn of(card: &'a Card, batch_group: CardGroupId) -> CardOut<'a> {
        CardOut {
            card: &card.card,
            pin: &card.pin,
            balance: card.balance.to_string(),
            currency: &card.currency,
            locked: card.locked,
            serial: card.serial(),
            caller: card.caller(),
            cardgroup: (card.cardgroup != batch_group).then_some(card.cardgroup),
        }
    }
}

/// `key: value` at `indent`: on one line if it fits, else the value's keys or items on the lines
/// below.
fn write_entry(out: &mut String, indent: usize, key: &str, value: &Json) {
    let pad = " ".repeat(indent);
    let flow = flow(value);
    let _ = write!(out, "{pad}{}:", yaml_key(key));
    let nested = match value {
        Json::Object(map) => !map.is_empty(),
        Json::Array(items) => !items.is_empty(),
        _ => false,
    };
    if !nested || (indent + key.len() + 2 + flow.len() <= WIDTH && !has_list_of_maps(value)) {
        let _ = writeln!(out, " {flow}");
        return;
    }
    out.push('\n');
    match value {
        Json::Object(map) => {
            for (key, value) in map {
                write_entry(out, indent + 2, key, value);
            }
        }
        Json::Array(items) => {
            for item in items {
                write_item(out, indent + 2, item);
            }
        }
        _ => unreachable!("only maps and lists are nested"),
    }
}

/// `- value` with the dash at `indent`: the value on the dash's line if it fits, else a map's
/// keys a line each.
fn write_item(out: &mut String, indent: usize, value: &Json) {
    let flow = flow(value);
    match value {
        Json::Object(map) if indent + 2 + flow.len() > WIDTH || has_list_of_maps(value) => {
            write_block_item(out, indent, map);
        }
        _ => {
            let _ = writeln!(out, "{}- {flow}", " ".repeat(indent));
        }
    }
}

/// A map in a list, a key a line: the first on the dash's line.
fn write_block_item(out: &mut String, indent: usize, map: &serde_json::Map<String, Json>) {
    let mut first = true;
    for (key, value) in map {
        let mut entry = String::new();
        write_entry(&mut entry, indent + 2, key, value);
        if first {
            entry.replace_range(indent..indent + 2, "- ");
            first = false;
        }
        out.push_str(&entry);
    }
}

fn has_list_of_maps(value: &Json) -> bool {
    match value {
        Json::Object(map) => map.values().any(has_list_of_maps),
        Json::Array(items) => items.iter().any(|i| matches!(i, Json::Object(_))),
        _ => false,
    }
}

/// A value on one line, as YAML's flow style: text quoted as JSON quotes it (which YAML reads
/// the same), keys bare where they are plain names.
fn flow(value: &Json) -> String {
    match value {
        Json::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", yaml_key(k), flow(v)))
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        Json::Array(items) => {
            let items: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", items.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

/// A key bare if it is a plain name (letters, digits, `_`, `-`, not first), else quoted.
fn yaml_key(key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        key.to_owned()
    } else {
        Json::String(key.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::seed;
    use crate::spec::Spec;

    /// The embedded seed written, loaded and written again: the same bytes, in both forms, and
    /// every user with the password the file gave.
    #[test]
    fn the_embedded_world_round_trips() {
        let spec = Spec::embedded().unwrap();
        let world = seed::embedded(&spec, 1).unwrap();
        for write in [yaml, json] {
            let written = write(&world);
            let loaded = seed::load_posted(&spec, "seed", &written, 1, &world).unwrap();
            assert_eq!(write(&loaded), written);
            assert_eq!(loaded.users["reader"].password, "reader-password");
            assert!(!written.contains("reader-password"), "{written}");
        }
    }

    #[test]
    fn flow_quotes_text_and_leaves_plain_keys_bare() {
        let value = serde_json::json!({"a-b": ["x: y", 1], "1st": "#"});
        assert_eq!(flow(&value), r##"{a-b: ["x: y", 1], "1st": "#"}"##);
        assert_eq!(printable("\"\u{7f}\u{85}\"".into()), "\"\\u007f\u{85}\"");
    }
}
