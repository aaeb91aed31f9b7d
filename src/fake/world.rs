//! The state of one fake Enswitch: customers, rate plans, roles, users, card groups, batches and
//! cards, plus the generator that numbers new cards. Plain data with the lookups every function
//! shares (tenancy above all); the changes themselves live in `domain/`, and the lock around it
//! all in `store`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::fake::rng::Rng;
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

#[derive(Debug, Clone, Serialize)]
pub struct World {
    pub(crate) system_currency: String,
    pub(crate) customers: BTreeMap<CustomerId, Customer>,
    pub(crate) rate_plans: BTreeMap<RatePlanId, RatePlan>,
    pub(crate) roles: BTreeMap<String, Role>,
    pub(crate) users: BTreeMap<String, User>,
    pub(crate) card_groups: BTreeMap<CardGroupId, CardGroup>,
    pub(crate) batches: BTreeMap<BatchId, Batch>,
    /// In the order they were created.
    pub(crate) cards: Vec<Card>,
    pub(crate) rng: Rng,
    /// Every card number in use, for uniqueness across the system (D9). Derived from `cards`.
    #[serde(skip)]
    pub(crate) numbers: BTreeSet<u128>,
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

#[derive(Debug, Clone, Serialize)]
pub(crate) struct User {
    pub(crate) username: String,
    #[serde(skip)]
    pub(crate) password: String,
    pub(crate) customer: CustomerId,
    pub(crate) role: String,
}

/// A card group: its fields are the parameters of `cards/groups/create`, by name, so a field
/// added to the spec needs no Rust.
#[derive(Debug, Clone, Serialize)]
pub struct CardGroup {
    pub(crate) id: CardGroupId,
    pub(crate) customer: CustomerId,
    pub(crate) fields: BTreeMap<String, Value>,
}

impl CardGroup {
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// An Integer field the spec guarantees (such as `card_length`).
    pub fn integer(&self, name: &str) -> i64 {
        match self.fields.get(name) {
            Some(Value::Integer(i)) => *i,
            other => panic!("card group field {name} is {other:?}, not an Integer"),
        }
    }
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

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Card {
    /// The card number: `card_length` digits, first not 0 (D9).
    pub(crate) card: String,
    pub(crate) pin: String,
    pub(crate) batch: BatchId,
    pub(crate) cardgroup: CardGroupId,
    pub(crate) balance: Value,
    pub(crate) currency: String,
    pub(crate) locked: i64,
    pub(crate) created: String,
}

impl World {
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

    pub fn next_group_id(&self) -> CardGroupId {
        CardGroupId(self.card_groups.keys().next_back().map_or(1, |id| id.0 + 1))
    }

    pub fn next_batch_id(&self) -> BatchId {
        BatchId(self.batches.keys().next_back().map_or(1, |id| id.0 + 1))
    }
}
