//! What a world holds, row by row: the ids, customers and rate plans, roles and users, sounds,
//! card groups with their prompts, batches and cards, each with how the state and the pages
//! show it. `world` keeps them and the lookups every function shares.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::spec::BuildNameHasher;
use crate::spec::value::Value;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// A customer: the system owner, a reseller, or an end customer.
    CustomerId
);
id_type!(RatePlanId);
id_type!(CardGroupId);
id_type!(BatchId);
id_type!(
    /// A sound: a recording a customer has uploaded, which a card group's prompt may use.
    SoundId
);

/// The names of a card group's voice prompts are the vendor's (`balance`, `destination`, ...);
/// a prompt is known by its group and its name.
pub(crate) type PromptKey = (CardGroupId, String);

/// What a card group's voice prompt plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Prompt {
    /// Uploaded WAV bytes, shared, so copying a world or an undo record does not copy them.
    Wav(std::sync::Arc<[u8]>),
    /// An existing sound of the customer's.
    Sound(SoundId),
}

/// A prompt as a page or the state shows it: its sound, or the size of its WAV, never the bytes.
impl Serialize for Prompt {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            Prompt::Wav(bytes) => map.serialize_entry("wav_bytes", &bytes.len())?,
            Prompt::Sound(id) => map.serialize_entry("sound", id)?,
        }
        map.end()
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Sound {
    pub(crate) id: SoundId,
    pub(crate) name: String,
    pub(crate) customer: CustomerId,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Customer {
    pub(crate) id: CustomerId,
    pub(crate) name: String,
    /// The customer above this one: the reseller, or the system owner. `None` for the system owner.
    pub(crate) parent: Option<CustomerId>,
    /// The rate plan whose privileges bound what this customer's users may do (403).
    pub(crate) rate_plan: RatePlanId,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct RatePlan {
    pub(crate) id: RatePlanId,
    pub(crate) name: String,
    /// The customer that owns the plan; it and the customers below it may use it.
    pub(crate) customer: CustomerId,
    pub(crate) privileges: BTreeSet<String>,
}

/// A role's level of one privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Full,
    Read,
    None,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Role {
    pub(crate) name: String,
    /// Privilege name (`cards`) to level; a privilege not listed is `none`.
    pub(crate) privileges: BTreeMap<String, Level>,
}

/// A user as a banner shows it: name, customer, the customer's place in the tree (`system
/// owner`, `reseller` or `customer`) and role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSummary {
    pub username: String,
    pub customer: i64,
    pub customer_name: String,
    pub kind: &'static str,
    pub role: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct User {
    pub(crate) id: i64,
    pub(crate) username: String,
    #[serde(skip)]
    pub(crate) password: String,
    pub(crate) customer: CustomerId,
    pub(crate) role: String,
}

/// A card group's fields by name. Hashed rather than ordered: a call reads or sets a few of
/// thirty by name, and the few places that list them all sort them.
type Fields = HashMap<String, Value, BuildNameHasher>;

/// A card group: its fields are the parameters of `cards/groups/create`, by name, so a field
/// added to the spec needs no Rust.
#[derive(Debug, Clone, Serialize)]
pub struct CardGroup {
    pub(crate) id: CardGroupId,
    pub(crate) customer: CustomerId,
    #[serde(serialize_with = "by_name")]
    fields: Fields,
    /// The group as `cards/groups/get` shows it, rendered on the first read after a change:
    /// reading a group is the commonest call, and rendering thirty fields by name costs more
    /// than the rest of the call. A world is served by one spec all its life, so the fields
    /// shown never change under it.
    #[serde(skip)]
    shown: OnceLock<Arc<str>>,
}

impl CardGroup {
    pub(crate) fn new(
        id: CardGroupId,
        customer: CustomerId,
        fields: impl IntoIterator<Item = (String, Value)>,
    ) -> CardGroup {
        CardGroup {
            id,
            customer,
            fields: fields.into_iter().collect(),
            shown: OnceLock::new(),
        }
    }

    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// Every field, sorted by name.
    pub(crate) fn fields(&self) -> BTreeMap<&str, &Value> {
        sorted(&self.fields)
    }

    /// Sets one field; what `cards/groups/get` showed is rendered again on the next read.
    pub(crate) fn set_field(&mut self, name: &str, value: Value) {
        match self.fields.get_mut(name) {
            Some(old) => *old = value,
            None => {
                self.fields.insert(name.to_owned(), value);
            }
        }
        self.shown = OnceLock::new();
    }

    /// The group's rendering for `cards/groups/get`, made by `render` if nothing changed it
    /// since the last read.
    pub(crate) fn shown(&self, render: impl FnOnce(&CardGroup) -> String) -> Arc<str> {
        Arc::clone(self.shown.get_or_init(|| render(self).into()))
    }

    /// An Integer field the spec guarantees (such as `card_length`).
    pub fn integer(&self, name: &str) -> i64 {
        match self.fields.get(name) {
            Some(Value::Integer(i)) => *i,
            other => panic!("card group field {name} is {other:?}, not an Integer"),
        }
    }
}

/// A group's fields sorted by name, so the same group always reads the same.
fn sorted(fields: &Fields) -> BTreeMap<&str, &Value> {
    fields.iter().map(|(k, v)| (k.as_str(), v)).collect()
}

fn by_name<S: serde::Serializer>(fields: &Fields, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(sorted(fields))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    pub(crate) id: BatchId,
    pub(crate) name: String,
    pub(crate) cardgroup: CardGroupId,
    pub(crate) customer: CustomerId,
    pub(crate) locked: i64,
    /// How many cards it holds.
    pub(crate) cards: u64,
    pub(crate) created: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Card {
    /// The card number: `card_length` digits, first not 0 (D9).
    pub(crate) card: String,
    pub(crate) pin: String,
    pub(crate) batch: BatchId,
    pub(crate) cardgroup: CardGroupId,
    pub(crate) balance: Value,
    /// Shared by every card of a call (and of a batch read back from a state file): a million
    /// cards hold one copy of their currency and time, and a pointer each.
    pub(crate) currency: Arc<str>,
    /// The card's own lock; cards/list shows it with its batch's and group's.
    pub(crate) locked: i64,
    pub(crate) created: Arc<str>,
    /// What cards/update may set beside the rest: boxed, as most cards never have any, so a
    /// million cards carry a pointer each rather than two empty strings.
    pub(crate) notes: Option<Box<CardNotes>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CardNotes {
    /// Free text; empty until set.
    pub(crate) serial: String,
    /// The caller ID allowed to use the card; empty for any.
    pub(crate) caller: String,
}

impl Card {
    pub(crate) fn serial(&self) -> &str {
        self.notes.as_ref().map_or("", |n| &n.serial)
    }

    pub(crate) fn caller(&self) -> &str {
        self.notes.as_ref().map_or("", |n| &n.caller)
    }

    /// The notes, made if the card had none.
    pub(crate) fn notes_mut(&mut self) -> &mut CardNotes {
        self.notes.get_or_insert_with(Box::default)
    }

    /// Notes of a serial and a caller, or none if both are empty.
    pub(crate) fn notes_of(serial: String, caller: String) -> Option<Box<CardNotes>> {
        (!serial.is_empty() || !caller.is_empty()).then(|| Box::new(CardNotes { serial, caller }))
    }
}

/// A card as the state and the control plane show it: every field, `serial` and `caller` empty
/// when never set.
impl Serialize for Card {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut card = serializer.serialize_struct("Card", 10)?;
        card.serialize_field("card", &self.card)?;
        card.serialize_field("pin", &self.pin)?;
        card.serialize_field("batch", &self.batch)?;
        card.serialize_field("cardgroup", &self.cardgroup)?;
        card.serialize_field("balance", &self.balance)?;
        card.serialize_field("currency", &self.currency)?;
        card.serialize_field("locked", &self.locked)?;
        card.serialize_field("created", &self.created)?;
        card.serialize_field("serial", self.serial())?;
        card.serialize_field("caller", self.caller())?;
        card.end()
    }
}
