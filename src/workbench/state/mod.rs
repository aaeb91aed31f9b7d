//! The state database (`serve --state FILE`): a SQLite file (WAL) holding what requests changed
//! in every world, so that an OK means the change is kept. Each call's changes (`fake::Changes`)
//! are committed, only the rows they touched, before the call is answered and while its world is
//! still locked; a commit that fails undoes the change in memory too, and the client gets 500
//! with key `state`. Customers, users, roles and plans come from the seed, not the file.
//!
//! - this file: the workbench's side (opening the state, keeping each world in it) and the
//!   errors;
//! - `file`: the file itself: its one owner (`FILE.lock`), its identity on disk, opening it with
//!   its schema and migrations, SQLite's check of it;
//! - `db`: the open database: one connection, commits, and the episodes of their failing;
//! - `read`: the worlds kept, read back and checked against the seed and the spec;
//! - `write`: a world's rows, written as each call's changes say;
//! - `v1`: the JSON state file of earlier versions, converted once (the original kept beside it
//!   as `FILE.v1.json`).
//!
//! The schema is meant to be read by people (`sqlite3 FILE`):
//!
//! ```text
//! worlds       (namespace, rng, clock)               '' is the default world
//! card_groups  (namespace, id, customer, fields)     fields: a JSON object, by name
//! batches      (namespace, id, name, cardgroup, customer, locked, cards, created)
//! cards        (namespace, seq, card, pin, batch, cardgroup, balance, currency, locked, created)
//! ```

mod db;
mod file;
mod read;
mod v1;
mod write;

use std::path::Path;
use std::sync::Arc;

use file::{Identity, open, take_ownership, with_suffix};
use read::{ReadError, read_rows, world_from_rows};
use rusqlite::params;

use crate::fake::world::{CardGroupId, CustomerId};
use crate::fake::{Rng, Unsaved, World};
use crate::spec::value::TypeError;
use crate::spec::{Function, GROUP_FIELDS_FROM};
use crate::workbench::{Workbench, namespace::Namespace};

pub use db::StateDb;
use write::WorldRows;

/// A world as kept: its namespace (`None` for the default world), its state, and its logical
/// clock's next reading.
pub(super) type KeptWorld = (Option<String>, World, Option<i64>);

/// How hard a commit tries to be durable (`--state-sync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateSync {
    /// A commit survives the process being killed; the last ones may be lost if the machine
    /// loses power (WAL with `synchronous=NORMAL`).
    #[default]
    Normal,
    /// A commit survives power loss too: each one waits for the disk (`synchronous=FULL`).
    Full,
}

/// What the state database tells its owner (the binary logs it): commits fail, the first of an
/// episode; or they work again; or, at start, the file was empty and the worlds start from the
/// seed.
#[derive(Debug)]
pub enum StateEvent<'a> {
    Failing(&'a str),
    Recovered,
    /// The file existed with nothing in it (0 bytes): not an error, but not what its owner may
    /// think it holds either.
    Empty(&'a str),
}

/// Why the state file could not be opened or loaded; the message names the file.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {kind}")]
pub struct StateError {
    pub file: String,
    pub kind: StateErrorKind,
}

#[derive(Debug, thiserror::Error)]
pub enum StateErrorKind {
    #[error("another enswitch-fake serves it (it holds {0})")]
    Owned(String),
    #[error("cannot lock {lock}: {source}")]
    Lock {
        lock: String,
        source: std::io::Error,
    },
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    #[error("{0}")]
    Database(rusqlite::Error),
    #[error("a SQLite database, but not enswitch-fake's state (application_id {0:#x})")]
    Foreign(i32),
    #[error("a state database of schema version {0}, which this version cannot read")]
    Version(i32),
    /// SQLite's own check of the file found damage: loading it would lose rows without a word.
    #[error(
        "the database is damaged ({0}); restore it from a copy, or move it away to start from the \
         seed"
    )]
    Damaged(String),
    #[error("{0}")]
    V1(#[from] v1::V1Error),
    #[error(
        "cannot convert the JSON state file: {0} already exists; move it away, or remove it if it \
         is an older copy"
    )]
    BackupExists(String),
    #[error("cannot keep the original of the JSON state file: {0}")]
    Backup(std::io::Error),
    #[error("the spec has no {GROUP_FIELDS_FROM}")]
    NoGroupFields,
    /// The file's worlds do not fit the seed and spec.
    #[error("world {world:?}: {misfit}")]
    StateMismatch {
        world: String,
        misfit: StateMismatch,
    },
    #[error("namespace {0:?}: it cannot be made")]
    Namespace(String),
    #[error("cannot write: {0}")]
    Unsaved(Unsaved),
}

/// How a kept world fails to fit the seed and the spec.
#[derive(Debug, thiserror::Error)]
pub enum StateMismatch {
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
    #[error("card group {group}: its fields are not a JSON object")]
    Fields { group: CardGroupId },
    #[error("card {card}: balance {error}")]
    Balance { card: String, error: TypeError },
    #[error("card {0} names a batch or group the world lacks")]
    Dangling(String),
    #[error("prompt {name} of card group {group}: {problem}")]
    Prompt {
        group: CardGroupId,
        name: String,
        problem: &'static str,
    },
    #[error("{0}")]
    Cards(#[from] crate::fake::world::RestoreError),
}

impl Workbench {
    /// Keeps every world in the state database `path` from now on: opens it (creating it, or
    /// converting a JSON state file of earlier versions), takes its lock, loads the worlds it
    /// holds, and writes the default world if it holds none. `events` hears when commits start
    /// and stop failing.
    pub fn open_state(
        &self,
        path: &Path,
        sync: StateSync,
        events: impl Fn(StateEvent<'_>) + Send + Sync + 'static,
    ) -> Result<(), StateError> {
        let file = path.display().to_string();
        let fail = |kind| StateError {
            file: file.clone(),
            kind,
        };
        let owner = take_ownership(path).map_err(fail)?;
        let converted_from_json = match std::fs::read(path) {
            Ok(bytes) if !bytes.starts_with(b"SQLite format 3\0") && !bytes.is_empty() => {
                Some(self.convert(path, &bytes).map_err(fail)?)
            }
            Ok(bytes) if bytes.is_empty() => {
                events(StateEvent::Empty(&file));
                None
            }
            Ok(_) => None,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(fail(StateErrorKind::Read(e))),
        };
        let connection = open(path, sync).map_err(fail)?;
        let opened = Identity::of(path).map_err(|e| fail(StateErrorKind::Read(e)))?;
        let db = Arc::new(StateDb::new(
            file.clone(),
            connection,
            owner,
            sync,
            opened,
            Box::new(events),
        ));
        let converted = converted_from_json.is_some();
        let worlds = match converted_from_json {
            Some(worlds) => worlds,
            None => self.read_worlds(&db).map_err(fail)?,
        };
        let default_kept = worlds.iter().any(|(name, _, _)| name.is_none());
        for (name, world, clock) in worlds {
            let namespace = self
                .namespace(name.as_deref())
                .map_err(|_| fail(StateErrorKind::Namespace(name.clone().unwrap_or_default())))?;
            namespace.world.restore(world, clock);
            self.keep(&db, &namespace);
            if converted {
                // Not in the database yet.
                namespace
                    .world
                    .keep_current()
                    .map_err(|e| fail(StateErrorKind::Unsaved(e)))?;
            }
        }
        let default = self.namespaces.default_world();
        self.keep(&db, default);
        if !default_kept {
            default
                .world
                .keep_current()
                .map_err(|e| fail(StateErrorKind::Unsaved(e)))?;
        }
        StateDb::watch(&db);
        self.state
            .set(Arc::clone(&db))
            .map_err(|_| fail(StateErrorKind::Owned("this process's own lock".into())))?;
        Ok(())
    }

    /// Makes `namespace`'s store commit to `db`.
    fn keep(&self, db: &Arc<StateDb>, namespace: &Namespace) {
        namespace.world.keep_with(Box::new(WorldRows {
            db: Arc::clone(db),
            namespace: namespace.name.as_deref().unwrap_or_default().to_owned(),
        }));
    }

    /// Makes a namespace that is new to this run kept: its store commits to the database, which
    /// first gets its whole (seed) world.
    pub(super) fn keep_new(&self, namespace: &Namespace) -> Result<(), Unsaved> {
        match self.state.get() {
            Some(db) => {
                self.keep(db, namespace);
                namespace.world.keep_current()
            }
            None => Ok(()),
        }
    }

    /// Forgets a dropped namespace's rows.
    pub(super) fn forget_kept(&self, name: &str) -> Result<(), Unsaved> {
        match self.state.get() {
            Some(db) => db.forget(name),
            None => Ok(()),
        }
    }

    /// Why the state cannot be saved right now, if it cannot.
    pub fn state_problem(&self) -> Option<String> {
        self.state.get().and_then(|db| db.problem())
    }

    /// Keeps every world's clock, so that a restart after a clean stop continues its times.
    pub fn checkpoint_state(&self) -> Result<(), StateError> {
        let Some(db) = self.state.get() else {
            return Ok(());
        };
        let fail = |e| StateError {
            file: db.file().to_owned(),
            kind: StateErrorKind::Database(e),
        };
        let mut connection = db.lock();
        let transaction = connection.transaction().map_err(fail)?;
        for (name, namespace) in self.namespaces.all() {
            if let Some(clock) = namespace.world.clock().position() {
                transaction
                    .execute(
                        "UPDATE worlds SET clock = ?2 WHERE namespace = ?1",
                        params![name.unwrap_or_default(), clock],
                    )
                    .map_err(fail)?;
            }
        }
        transaction.commit().map_err(fail)?;
        connection
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(fail)
    }

    /// The worlds a version 1 JSON file holds; the original is kept beside as `FILE.v1.json`.
    fn convert(&self, path: &Path, bytes: &[u8]) -> Result<Vec<KeptWorld>, StateErrorKind> {
        let create = self.group_fields()?;
        let worlds = v1::read(bytes, self.fake.seed(), create)?;
        let backup = with_suffix(path, ".v1.json");
        if backup.exists() {
            return Err(StateErrorKind::BackupExists(backup.display().to_string()));
        }
        std::fs::rename(path, &backup).map_err(StateErrorKind::Backup)?;
        Ok(worlds)
    }

    fn group_fields(&self) -> Result<&Function, StateErrorKind> {
        self.fake
            .spec()
            .function(GROUP_FIELDS_FROM)
            .ok_or(StateErrorKind::NoGroupFields)
    }

    /// Every world the database holds, built on the seed.
    fn read_worlds(&self, db: &StateDb) -> Result<Vec<KeptWorld>, StateErrorKind> {
        let create = self.group_fields()?;
        let connection = db.lock();
        let database = StateErrorKind::Database;
        let mut names = connection
            .prepare("SELECT namespace, rng, clock FROM worlds ORDER BY namespace")
            .map_err(database)?;
        let rows: Vec<(String, i64, Option<i64>)> = names
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(Iterator::collect)
            .map_err(database)?;
        let mut worlds = Vec::new();
        for (name, rng, clock) in rows {
            let misfit = |misfit| StateErrorKind::StateMismatch {
                world: name.clone(),
                misfit,
            };
            let (groups, batches, cards, prompts) =
                read_rows(&connection, &name, self.fake.seed(), create).map_err(|e| match e {
                    ReadError::Database(e) => database(e),
                    ReadError::StateMismatch(m) => misfit(m),
                })?;
            let rng = Rng::from_state(rng.cast_unsigned());
            let world = world_from_rows(self.fake.seed(), groups, batches, cards, prompts, rng)
                .map_err(misfit)?;
            let clock = clock.map(|c| c.max(latest(&world)));
            worlds.push(((!name.is_empty()).then_some(name), world, clock));
        }
        Ok(worlds)
    }
}

/// One past the latest time a kept row shows, so a restarted logical clock never goes back.
fn latest(world: &World) -> i64 {
    let created = world
        .batches()
        .values()
        .map(|b| b.created.as_str())
        .max()
        .unwrap_or_default();
    crate::fake::parse_utc(created).map_or(i64::MIN, |seconds| seconds + 1)
}
