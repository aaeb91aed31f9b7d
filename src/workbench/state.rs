//! The state file (`serve --state FILE`): what the API changed in each world, saved so that a
//! restart continues where the last run stopped. Only what requests change is saved (card
//! groups, batches, cards, the generator, the logical clock); customers, users and plans come
//! from the seed. Writes are atomic (a temporary file, then a rename), so a crash leaves the old
//! file or the new one, never half of one. A file that is not ours, or does not fit the seed and
//! spec, is refused before anything could overwrite it.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::fake::world::{Batch, BatchId, Card, CardGroup, CardGroupId, CustomerId};
use crate::fake::{Rng, World, is_group_field};
use crate::spec::value::{ParamType, TypeError};
use crate::spec::{Function, GROUP_FIELDS_FROM};
use crate::workbench::Workbench;

/// The first field of every state file, so a foreign file is told apart from a corrupt one.
const FORMAT: &str = "enswitch-fake-state";
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    version: u32,
    /// `""` for the default world, else the namespace's name.
    worlds: BTreeMap<String, SavedWorld>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedWorld {
    card_groups: Vec<SavedGroup>,
    batches: Vec<Batch>,
    cards: Vec<SavedCard>,
    rng: Rng,
    clock: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedGroup {
    id: CardGroupId,
    customer: CustomerId,
    fields: BTreeMap<String, Json>,
}

#[derive(Debug, Serialize, Deserialize)]
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

/// Why a state file could not be read or written; the message names the file.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {kind}")]
pub struct StateError {
    pub file: String,
    #[source]
    pub kind: StateErrorKind,
}

#[derive(Debug, thiserror::Error)]
pub enum StateErrorKind {
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    #[error("cannot write: {0}")]
    Write(std::io::Error),
    #[error("not a state file (not JSON: {0})")]
    NotJson(serde_json::Error),
    #[error("not an enswitch-fake state file (no \"format\": \"{FORMAT}\")")]
    Foreign,
    #[error("state file version {0} is not {VERSION}")]
    Version(Json),
    #[error("damaged: {0}")]
    Damaged(serde_json::Error),
    #[error("the spec has no {GROUP_FIELDS_FROM}")]
    NoGroupFields,
    /// The file's worlds do not fit the seed and spec.
    #[error("world {world:?}: {misfit}")]
    Misfit { world: String, misfit: Misfit },
    #[error("namespace {0:?}: it cannot be made")]
    Namespace(String),
}

/// Writes every world of `bench` to `path`, atomically.
fn save(bench: &Workbench, path: &Path) -> Result<(), StateError> {
    write(bench, path).map_err(|e| StateError {
        file: path.display().to_string(),
        kind: StateErrorKind::Write(e),
    })
}

fn write(bench: &Workbench, path: &Path) -> std::io::Result<()> {
    let mut worlds = BTreeMap::new();
    for (name, namespace) in bench.namespaces.all() {
        let saved = namespace.world.with(|world| saved(world));
        worlds.insert(
            name.unwrap_or_default(),
            SavedWorld {
                clock: namespace.world.clock().position(),
                ..saved
            },
        );
    }
    let file = File {
        format: FORMAT.into(),
        version: VERSION,
        worlds,
    };
    let text = serde_json::to_vec(&file).expect("the state serializes");

    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp-{}", std::process::id()));
    let temporary = std::path::PathBuf::from(temporary);
    let mut out = std::fs::File::create(&temporary)?;
    out.write_all(&text)?;
    out.sync_all()?;
    std::fs::rename(&temporary, path)
}

fn saved(world: &World) -> SavedWorld {
    SavedWorld {
        card_groups: world
            .card_groups
            .values()
            .map(|g| SavedGroup {
                id: g.id,
                customer: g.customer,
                fields: g
                    .fields
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            serde_json::to_value(v).expect("values serialize"),
                        )
                    })
                    .collect(),
            })
            .collect(),
        batches: world.batches.values().cloned().collect(),
        cards: world
            .cards
            .iter()
            .map(|c| SavedCard {
                card: c.card.clone(),
                pin: c.pin.clone(),
                batch: c.batch,
                cardgroup: c.cardgroup,
                balance: c.balance.to_string(),
                currency: c.currency.clone(),
                locked: c.locked,
                created: c.created.clone(),
            })
            .collect(),
        rng: world.rng.clone(),
        clock: None,
    }
}

impl Workbench {
    /// Writes every world to the state file `path` now: at start, this proves the path can be
    /// written before any client is told OK.
    pub fn save_state(&self, path: &Path) -> Result<(), StateError> {
        save(self, path)
    }

    /// Reads the state file `path` into the worlds. Refuses a file that is not a state file of
    /// this version, or whose objects do not fit the seed (a group of an unknown customer, a
    /// field the spec does not have); a refused file changes nothing.
    pub fn load_state(&self, path: &Path) -> Result<(), StateError> {
        load(self, path)
    }
}

fn load(bench: &Workbench, path: &Path) -> Result<(), StateError> {
    let refuse = |kind: StateErrorKind| StateError {
        file: path.display().to_string(),
        kind,
    };
    let text = std::fs::read(path).map_err(|e| refuse(StateErrorKind::Read(e)))?;
    let header: Json =
        serde_json::from_slice(&text).map_err(|e| refuse(StateErrorKind::NotJson(e)))?;
    if header.get("format").and_then(Json::as_str) != Some(FORMAT) {
        return Err(refuse(StateErrorKind::Foreign));
    }
    if header.get("version").and_then(Json::as_u64) != Some(u64::from(VERSION)) {
        return Err(refuse(StateErrorKind::Version(header["version"].clone())));
    }
    let file: File =
        serde_json::from_value(header).map_err(|e| refuse(StateErrorKind::Damaged(e)))?;
    let create = bench
        .fake
        .spec()
        .function(GROUP_FIELDS_FROM)
        .ok_or_else(|| refuse(StateErrorKind::NoGroupFields))?;

    // Everything is checked before any world changes, so a refused file changes nothing.
    let mut restored = Vec::new();
    for (name, saved) in file.worlds {
        let world = restore(bench.fake.seed(), &saved, create).map_err(|misfit| {
            refuse(StateErrorKind::Misfit {
                world: name.clone(),
                misfit,
            })
        })?;
        let namespace = (!name.is_empty()).then_some(name);
        restored.push((namespace, world, saved.clock));
    }
    for (name, world, clock) in restored {
        let namespace = bench
            .namespace(name.as_deref())
            .map_err(|_| refuse(StateErrorKind::Namespace(name.unwrap_or_default())))?;
        namespace.world.with(|state| *state = world);
        if let Some(seconds) = clock {
            namespace.world.clock().set_position(seconds);
        }
    }
    Ok(())
}

/// How a saved world fails to fit the seed and the spec.
#[derive(Debug, thiserror::Error)]
pub enum Misfit {
    #[error("card group {group} belongs to customer {customer}, whom the seed lacks")]
    Customer {
        group: CardGroupId,
        customer: CustomerId,
    },
    #[error("card group {group}: {name} is not a card group field")]
    Field { group: CardGroupId, name: String },
    #[error("card group {group}: {name} {error}")]
    Value {
        group: CardGroupId,
        name: String,
        error: TypeError,
    },
    #[error("card number {0:?} is not digits")]
    Number(String),
    #[error("card {card}: balance {error}")]
    Balance { card: String, error: TypeError },
    #[error("card {0} names a batch or group the file lacks")]
    Dangling(String),
}

/// The seed's world with a saved world's groups, batches and cards in it.
fn restore(seed: &World, saved: &SavedWorld, create: &Function) -> Result<World, Misfit> {
    let mut world = seed.clone();
    world.card_groups.clear();
    for group in &saved.card_groups {
        if !world.customers.contains_key(&group.customer) {
            return Err(Misfit::Customer {
                group: group.id,
                customer: group.customer,
            });
        }
        let mut fields = BTreeMap::new();
        for (name, json) in &group.fields {
            let param = create
                .param(name)
                .filter(|p| is_group_field(p))
                .ok_or_else(|| Misfit::Field {
                    group: group.id,
                    name: name.clone(),
                })?;
            let text = json
                .as_str()
                .map_or_else(|| json.to_string(), str::to_owned);
            let value = param.ty.parse(&text).map_err(|error| Misfit::Value {
                group: group.id,
                name: name.clone(),
                error,
            })?;
            fields.insert(name.clone(), value);
        }
        world.card_groups.insert(
            group.id,
            CardGroup {
                id: group.id,
                customer: group.customer,
                fields,
            },
        );
    }
    world.batches = saved.batches.iter().map(|b| (b.id, b.clone())).collect();
    world.cards = Vec::with_capacity(saved.cards.len());
    for card in &saved.cards {
        let number: u128 = card
            .card
            .parse()
            .map_err(|_| Misfit::Number(card.card.clone()))?;
        let balance = ParamType::Decimal
            .parse(&card.balance)
            .map_err(|error| Misfit::Balance {
                card: card.card.clone(),
                error,
            })?;
        if !world.batches.contains_key(&card.batch)
            || !world.card_groups.contains_key(&card.cardgroup)
        {
            return Err(Misfit::Dangling(card.card.clone()));
        }
        world.numbers.insert(number);
        world.cards.push(Card {
            card: card.card.clone(),
            pin: card.pin.clone(),
            batch: card.batch,
            cardgroup: card.cardgroup,
            balance,
            currency: card.currency.clone(),
            locked: card.locked,
            created: card.created.clone(),
        });
    }
    world.rng = saved.rng.clone();
    Ok(world)
}

/// What the state writer tells its owner (the binary logs it): a save failed, the first of an
/// episode; or saving works again.
#[derive(Debug)]
pub enum StateEvent<'a> {
    Failing(&'a StateError),
    Recovered,
}

/// Saves a workbench to a file whenever its state has changed, checking every `BATCH_MS`, and
/// once more when finished: a SIGKILL loses at most that window, a clean stop nothing. A save
/// that fails is retried every `BATCH_MS` until one works; meanwhile `/_fake/health` answers
/// 503 with the reason, and the owner hears of it once per episode.
#[derive(Debug)]
pub struct StateWriter {
    stop: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<Result<(), StateError>>,
    file: String,
}

/// How long a change may wait before it is written.
pub(super) const BATCH_MS: u64 = 100;

impl StateWriter {
    pub fn start(
        bench: std::sync::Arc<Workbench>,
        path: std::path::PathBuf,
        events: impl Fn(StateEvent<'_>) + Send + 'static,
    ) -> StateWriter {
        let file = path.display().to_string();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        // Read before the thread starts: a change that arrives before the thread runs must
        // still count as unsaved.
        let mut written = bench.changes();
        let thread = std::thread::spawn(move || {
            let mut failing = false;
            loop {
                let finished = !matches!(
                    stopped.recv_timeout(std::time::Duration::from_millis(BATCH_MS)),
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                );
                let now = bench.changes();
                if now != written || finished || failing {
                    match save(&bench, &path) {
                        Ok(()) => {
                            written = now;
                            if failing {
                                failing = false;
                                bench.set_state_problem(None);
                                events(StateEvent::Recovered);
                            }
                        }
                        Err(error) if finished => return Err(error),
                        Err(error) => {
                            if !failing {
                                failing = true;
                                bench.set_state_problem(Some(error.to_string()));
                                events(StateEvent::Failing(&error));
                            }
                        }
                    }
                }
                if finished {
                    return Ok(());
                }
            }
        });
        StateWriter { stop, thread, file }
    }

    /// Writes the last changes and stops; the error of that last save, if it failed.
    pub fn finish(self) -> Result<(), StateError> {
        // Fails only if the thread has ended, which `join` then tells.
        let _ = self.stop.send(());
        self.thread.join().unwrap_or_else(|_| {
            Err(StateError {
                file: self.file,
                kind: StateErrorKind::Write(std::io::Error::other("the state writer panicked")),
            })
        })
    }
}
