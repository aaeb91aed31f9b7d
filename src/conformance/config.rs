//! What the runner needs to know about a target: the principals (username and password of each
//! kind of user) and the objects to act on. Read from `--config target.yaml`; without one, the
//! defaults match the embedded seed, so checking the fake needs no config. A case that needs a
//! principal or object the config lacks is skipped, with the reason shown.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::spec::ResourceKind;
use crate::spec::yaml::FileErrors;

/// The principals a target config names. `Nobody` is the full user with a wrong password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Principal {
    #[default]
    Full,
    ReadOnly,
    NoPrivilege,
    NoPlan,
    OtherCustomer,
    /// A user who acts for the full user's customer and the other customer alike (a reseller
    /// above both), to break rules that tie two objects to one customer.
    Reseller,
    Nobody,
}

impl Principal {
    pub fn as_str(self) -> &'static str {
        match self {
            Principal::Full => "full",
            Principal::ReadOnly => "read_only",
            Principal::NoPrivilege => "no_privilege",
            Principal::NoPlan => "no_plan",
            Principal::OtherCustomer => "other_customer",
            Principal::Reseller => "reseller",
            Principal::Nobody => "nobody",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    #[serde(default)]
    pub principals: BTreeMap<Principal, Credentials>,
    #[serde(default)]
    pub resources: Resources,
    /// How to return the target to a known state before each case.
    #[serde(default)]
    pub reset: Reset,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// Ids on the target. Each is optional; cases needing a missing one are skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// A card group the full user owns.
    pub group: Option<i64>,
    /// A card group of another customer, which the full user must not see.
    pub foreign_group: Option<i64>,
    /// An id no card group has.
    pub missing_group: Option<i64>,
    /// A rate plan the full user may give its groups.
    pub plan: Option<i64>,
    /// A rate plan the full user may not use.
    pub foreign_plan: Option<i64>,
    /// The full user's customer.
    pub customer: Option<i64>,
    /// A customer the full user must not see.
    pub foreign_customer: Option<i64>,
    /// A batch of the full user's customer, for cards/batches/update and cards/list.
    pub batch: Option<i64>,
    /// A batch of another customer.
    pub foreign_batch: Option<i64>,
    /// An id no batch has.
    pub missing_batch: Option<i64>,
    /// The number of a card of the full user's customer, for cards/update.
    pub card: Option<String>,
    /// The number of a card of another customer.
    pub foreign_card: Option<String>,
    /// A number no card has.
    pub missing_card: Option<String>,
    /// A sound of the full user's customer, for cards/files/upload.
    pub sound: Option<i64>,
    /// A sound of another customer.
    pub foreign_sound: Option<i64>,
    /// An id no sound has.
    pub missing_sound: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reset {
    /// Nothing: the target keeps what earlier cases did (a real Enswitch).
    #[default]
    None,
    /// `POST /_fake/reset` beside the base URL: this fake.
    ControlPlane,
}

/// The resources a config names for objects of one kind: its own (`group`), another
/// customer's (`foreign_group`), and one that does not exist (`missing_group`), where a config
/// can name one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindNames {
    pub own: &'static str,
    pub foreign: &'static str,
    pub missing: Option<&'static str>,
}

impl Resources {
    /// The resources a config names for objects of `kind`.
    pub fn of_kind(kind: ResourceKind) -> KindNames {
        let (own, foreign, missing) = match kind {
            ResourceKind::CardGroup => ("group", "foreign_group", Some("missing_group")),
            ResourceKind::RatePlan => ("plan", "foreign_plan", None),
            ResourceKind::Customer => ("customer", "foreign_customer", None),
            ResourceKind::Batch => ("batch", "foreign_batch", Some("missing_batch")),
            ResourceKind::Card => ("card", "foreign_card", Some("missing_card")),
            ResourceKind::Sound => ("sound", "foreign_sound", Some("missing_sound")),
        };
        KindNames {
            own,
            foreign,
            missing,
        }
    }

    /// Every resource a config may name, as the cases' placeholders name them.
    pub const NAMES: [&'static str; 16] = [
        "group",
        "foreign_group",
        "missing_group",
        "plan",
        "foreign_plan",
        "customer",
        "foreign_customer",
        "batch",
        "foreign_batch",
        "missing_batch",
        "card",
        "foreign_card",
        "missing_card",
        "sound",
        "foreign_sound",
        "missing_sound",
    ];

    /// The value of the resource placeholder `name`, if the config has it.
    pub fn get(&self, name: &str) -> Option<String> {
        match name {
            "card" => self.card.clone(),
            "foreign_card" => self.foreign_card.clone(),
            "missing_card" => self.missing_card.clone(),
            id => self.id(id).map(|id| id.to_string()),
        }
    }

    /// The id the resource placeholder `name` stands for, if it is an id the config has.
    fn id(&self, name: &str) -> Option<i64> {
        match name {
            "group" => self.group,
            "foreign_group" => self.foreign_group,
            "missing_group" => self.missing_group,
            "plan" => self.plan,
            "foreign_plan" => self.foreign_plan,
            "customer" => self.customer,
            "foreign_customer" => self.foreign_customer,
            "batch" => self.batch,
            "foreign_batch" => self.foreign_batch,
            "missing_batch" => self.missing_batch,
            "sound" => self.sound,
            "foreign_sound" => self.foreign_sound,
            "missing_sound" => self.missing_sound,
            _ => None,
        }
    }

    /// The name of the resource whose id is `value`, preferring the order above.
    pub fn name_of(&self, value: i64) -> Option<&'static str> {
        [
            "group",
            "foreign_group",
            "plan",
            "foreign_plan",
            "customer",
            "foreign_customer",
        ]
        .into_iter()
        .find(|name| self.id(name) == Some(value))
    }
}

impl TargetConfig {
    /// The embedded seed's principals and objects, with reset through the control plane.
    pub fn fake_seed() -> TargetConfig {
        let principal = |username: &str, password: &str| Credentials {
            username: username.into(),
            password: password.into(),
        };
        TargetConfig {
            principals: BTreeMap::from([
                (Principal::Full, principal("user", "password")),
                (Principal::ReadOnly, principal("reader", "reader-password")),
                (
                    Principal::NoPrivilege,
                    principal("nocards", "nocards-password"),
                ),
                (Principal::NoPlan, principal("noplan", "noplan-password")),
                (
                    Principal::OtherCustomer,
                    principal("other", "other-password"),
                ),
                (
                    Principal::Reseller,
                    principal("reseller", "reseller-password"),
                ),
            ]),
            resources: Resources {
                group: Some(123),
                foreign_group: Some(124),
                missing_group: Some(999_999_999),
                plan: Some(2),
                foreign_plan: Some(4),
                customer: Some(10),
                foreign_customer: Some(11),
                batch: Some(123),
                foreign_batch: Some(124),
                missing_batch: Some(999_999_999),
                card: Some("1234567890".into()),
                foreign_card: Some("3456789012".into()),
                missing_card: Some("9999999999".into()),
                sound: Some(456),
                foreign_sound: Some(457),
                missing_sound: Some(999_999_999),
            },
            reset: Reset::ControlPlane,
        }
    }

    pub fn from_yaml(file: &str, text: &str) -> Result<TargetConfig, FileErrors> {
        crate::spec::yaml::parse(file, text).map_err(|e| FileErrors(vec![e]))
    }

    /// The credentials `principal` logs in with; `Nobody` is the full user with a wrong password.
    pub fn credentials(&self, principal: Principal) -> Option<Credentials> {
        match principal {
            Principal::Nobody => self.principals.get(&Principal::Full).map(|c| Credentials {
                username: c.username.clone(),
                password: format!("{}-wrong", c.password),
            }),
            other => self.principals.get(&other).cloned(),
        }
    }
}
