//! What a server is serving, for whoever starts it to say so (the binary's start-up banner):
//! the functions, the seed's users, what the state file held, the fault rules, who may use the
//! control plane, and the mutant. Facts only; how they are worded is the caller's business.

use crate::fake::{Mutant, UserSummary};
use crate::workbench::{ControlAccess, FaultRule, Workbench, views};

/// The server as it starts.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    pub version: &'static str,
    /// The function paths served, in the spec's order.
    pub functions: Vec<String>,
    /// The seed's users (every world starts with them).
    pub users: Vec<UserSummary>,
    /// What the state file holds, with `--state`.
    pub state: Option<StateInfo>,
    pub faults: Vec<FaultRule>,
    pub control: ControlMode,
    pub mutant: Option<Mutant>,
    /// How long authentication tokens live (`None`: for ever), and whether their key was given
    /// (`--token-key`) rather than made for this run. Never the key.
    pub token_expiry: Option<u64>,
    pub token_key_given: bool,
    /// How every world starts answering its clients' mistakes (`--strict-client`).
    pub client: crate::fake::ClientRules,
}

/// The state file and what it held, all worlds together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateInfo {
    pub file: String,
    /// The default world and every namespace kept.
    pub worlds: usize,
    pub card_groups: usize,
    pub batches: usize,
    pub cards: usize,
}

/// Who may use `/_fake/`, without the token itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlMode {
    Open,
    Token,
    Off,
}

impl Workbench {
    pub fn info(&self) -> ServerInfo {
        let state = self.state.get().map(|db| {
            let mut facts = StateInfo {
                file: db.file().to_owned(),
                worlds: 0,
                card_groups: 0,
                batches: 0,
                cards: 0,
            };
            for (_, namespace) in self.namespaces.all() {
                let counts = views::Counts::of(&namespace);
                facts.worlds += 1;
                facts.card_groups += counts.card_groups;
                facts.batches += counts.batches;
                facts.cards += counts.cards;
            }
            facts
        });
        ServerInfo {
            version: env!("CARGO_PKG_VERSION"),
            functions: self
                .fake
                .spec()
                .functions()
                .iter()
                .map(|f| f.path.clone())
                .collect(),
            users: self.fake.seed().users(),
            state,
            faults: self.faults.list(),
            control: match self.config.control {
                ControlAccess::Open => ControlMode::Open,
                ControlAccess::Token(_) => ControlMode::Token,
                ControlAccess::Off => ControlMode::Off,
            },
            mutant: self.config.fake.mutant,
            token_expiry: self.config.fake.token_expiry,
            token_key_given: self.config.token_key.is_some(),
            client: self.config.client,
        }
    }
}
