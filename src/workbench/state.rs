//! The state database (`serve --state FILE`): a SQLite file (WAL) holding what requests changed
//! in every world, so that an OK means the change is kept. Each call's changes (`fake::Changes`)
//! are committed, only the rows they touched, before the call is answered and while its world is
//! still locked; a commit that fails undoes the change in memory too, and the client gets 500
//! with key `state`. Customers, users, roles and plans come from the seed, not the file.
//!
//! One server owns a file at a time (an advisory lock on `FILE.lock`, released however the
//! process ends). A JSON state file of earlier versions is converted once, the original kept
//! beside it as `FILE.v1.json`. The schema is meant to be read by people (`sqlite3 FILE`):
//!
//! ```text
//! worlds       (namespace, rng, clock)               '' is the default world
//! card_groups  (namespace, id, customer, fields)     fields: a JSON object, by name
//! batches      (namespace, id, name, cardgroup, customer, locked, cards, created)
//! cards        (namespace, seq, card, pin, batch, cardgroup, balance, currency, locked, created)
//! ```

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior, params};
use serde_json::Value as Json;

use crate::fake::world::{
    Batch, BatchId, Card, CardGroup, CardGroupId, CustomerId, Prompt, PromptKey, SoundId,
};
use crate::fake::{Changes, Durable, Rng, Unsaved, World, is_group_field};
use crate::spec::value::{ParamType, TypeError};
use crate::spec::{Function, GROUP_FIELDS_FROM};
use crate::workbench::state_v1;
use crate::workbench::{Workbench, namespace::Namespace};

/// Tells our database from any other SQLite file (`PRAGMA application_id`): "ENSF".
const APPLICATION_ID: i32 = 0x454E_5346;
/// The schema's version (`PRAGMA user_version`). Version 1 had no `serial` and `caller` on
/// cards; `open` adds them.
const SCHEMA_VERSION: i32 = 2;

/// From version 1 to 2: what cards/update can change beside the rest.
const FROM_VERSION_1: &str = "
ALTER TABLE cards ADD COLUMN serial TEXT NOT NULL DEFAULT '';
ALTER TABLE cards ADD COLUMN caller TEXT NOT NULL DEFAULT '';
";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS worlds (
    namespace TEXT PRIMARY KEY,
    rng INTEGER NOT NULL,
    clock INTEGER
);
CREATE TABLE IF NOT EXISTS card_groups (
    namespace TEXT NOT NULL,
    id INTEGER NOT NULL,
    customer INTEGER NOT NULL,
    fields TEXT NOT NULL,
    PRIMARY KEY (namespace, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batches (
    namespace TEXT NOT NULL,
    id INTEGER NOT NULL,
    name TEXT NOT NULL,
    cardgroup INTEGER NOT NULL,
    customer INTEGER NOT NULL,
    locked INTEGER NOT NULL,
    cards INTEGER NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (namespace, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cards (
    namespace TEXT NOT NULL,
    seq INTEGER NOT NULL,
    card TEXT NOT NULL,
    pin TEXT NOT NULL,
    batch INTEGER NOT NULL,
    cardgroup INTEGER NOT NULL,
    balance TEXT NOT NULL,
    currency TEXT NOT NULL,
    locked INTEGER NOT NULL,
    created TEXT NOT NULL,
    serial TEXT NOT NULL DEFAULT '',
    caller TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (namespace, seq)
);
CREATE TABLE IF NOT EXISTS prompts (
    namespace TEXT NOT NULL,
    cardgroup INTEGER NOT NULL,
    name TEXT NOT NULL,
    sound INTEGER,
    wav BLOB,
    PRIMARY KEY (namespace, cardgroup, name)
) WITHOUT ROWID;
";

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
    V1(#[from] state_v1::V1Error),
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
    Misfit { world: String, misfit: Misfit },
    #[error("namespace {0:?}: it cannot be made")]
    Namespace(String),
    #[error("cannot write: {0}")]
    Unsaved(Unsaved),
}

/// How a kept world fails to fit the seed and the spec.
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

/// The open state database, shared by every world's keeper.
pub struct StateDb {
    file: String,
    connection: Mutex<Connection>,
    /// Held for the life of the server: the advisory lock that makes it the file's one owner.
    _owner: File,
    sync: StateSync,
    /// The files the database was opened as; one removed or replaced since takes every commit
    /// after it with it.
    opened: Identity,
    /// Why commits fail, while they do.
    problem: Mutex<Option<String>>,
    events: Box<dyn Fn(StateEvent<'_>) + Send + Sync>,
}

impl std::fmt::Debug for StateDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateDb")
            .field("file", &self.file)
            .field("problem", &self.problem())
            .finish_non_exhaustive()
    }
}

/// One world's rows in the database: the `Durable` its store commits to.
#[derive(Debug)]
struct WorldRows {
    db: Arc<StateDb>,
    namespace: String,
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
        let db = Arc::new(StateDb {
            file: file.clone(),
            connection: Mutex::new(connection),
            _owner: owner,
            sync,
            opened,
            problem: Mutex::new(None),
            events: Box::new(events),
        });
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
            file: db.file.clone(),
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
        let worlds = state_v1::read(bytes, self.fake.seed(), create)?;
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
            let misfit = |misfit| StateErrorKind::Misfit {
                world: name.clone(),
                misfit,
            };
            let (groups, batches, cards, prompts) =
                read_rows(&connection, &name, self.fake.seed(), create).map_err(|e| match e {
                    ReadError::Database(e) => database(e),
                    ReadError::Misfit(m) => misfit(m),
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

/// Which files a database is on disk: the database's, its write-ahead log's and its lock's, each
/// by device and inode, so that a file removed (or replaced by another of the same name) shows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    database: (u64, u64),
    /// `None` when there is no log beside the database.
    log: Option<(u64, u64)>,
    /// `FILE.lock`: removed, it lets a second server take the file while this one serves it.
    lock: Option<(u64, u64)>,
}

impl Identity {
    fn of(path: &Path) -> std::io::Result<Identity> {
        let beside = |suffix: &str| match file_id(&with_suffix(path, suffix)) {
            Ok(id) => Ok(Some(id)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        };
        Ok(Identity {
            database: file_id(path)?,
            log: beside("-wal")?,
            lock: beside(".lock")?,
        })
    }

    /// Why `now` (the files as they are, `None` if the database's cannot be read) is not this.
    fn differs(&self, now: Option<&Identity>) -> Option<String> {
        let what = match now {
            Some(now) if now.database == self.database => {
                if self.log.is_some() && now.log != self.log {
                    "its -wal file"
                } else if now.lock != self.lock {
                    "its .lock file (so another server may now open it too)"
                } else {
                    return None;
                }
            }
            _ => "the database file",
        };
        Some(format!(
            "{what} was removed or replaced under the running server (or its folder was): \
             changes kept in it may be lost, and none is kept from now on; restart the server"
        ))
    }
}

#[cfg(unix)]
fn file_id(path: &Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    let metadata = std::fs::metadata(path)?;
    Ok((metadata.dev(), metadata.ino()))
}

/// Elsewhere only whether the file is there is known.
#[cfg(not(unix))]
fn file_id(path: &Path) -> std::io::Result<(u64, u64)> {
    std::fs::metadata(path).map(|_| (0, 0))
}

/// `FILE.lock`, locked for the life of the process: a second server on the same file is refused,
/// and a crashed one leaves nothing to clean up (the lock goes with the process; the file is
/// reused).
fn take_ownership(path: &Path) -> Result<File, StateErrorKind> {
    let lock_path = with_suffix(path, ".lock");
    let lock = lock_path.display().to_string();
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| StateErrorKind::Lock {
            lock: lock.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StateErrorKind::Owned(lock)),
        Err(std::fs::TryLockError::Error(source)) => Err(StateErrorKind::Lock { lock, source }),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Opens (or creates) the database with its schema, refusing one that is not ours.
fn open(path: &Path, sync: StateSync) -> Result<Connection, StateErrorKind> {
    let database = StateErrorKind::Database;
    let connection = Connection::open(path).map_err(database)?;
    let id: i32 = connection
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(database)?;
    let version: i32 = connection
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(database)?;
    let tables: i64 = connection
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(database)?;
    if id != APPLICATION_ID && tables > 0 {
        return Err(StateErrorKind::Foreign(id));
    }
    if id == APPLICATION_ID && !(1..=SCHEMA_VERSION).contains(&version) {
        return Err(StateErrorKind::Version(version));
    }
    // A page damaged where SQLite does not look at once loads as a world with rows missing.
    let damage: Vec<String> = connection
        .prepare("PRAGMA integrity_check(5)")
        .and_then(|mut check| {
            check
                .query_map([], |row| row.get::<_, String>(0))?
                .collect::<Result<_, _>>()
        })
        .map_err(|e| StateErrorKind::Damaged(e.to_string()))?;
    if damage != ["ok"] {
        return Err(StateErrorKind::Damaged(damage.join("; ")));
    }
    if id == APPLICATION_ID && version == 1 {
        connection
            .execute_batch(&format!(
                "BEGIN; {FROM_VERSION_1} PRAGMA user_version = 2; COMMIT;"
            ))
            .map_err(database)?;
    }
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .map_err(database)?;
    let synchronous = match sync {
        StateSync::Normal => "NORMAL",
        StateSync::Full => "FULL",
    };
    connection
        .pragma_update(None, "synchronous", synchronous)
        .map_err(database)?;
    connection.execute_batch(SCHEMA).map_err(database)?;
    connection
        .pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(database)?;
    connection
        .pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(database)?;
    Ok(connection)
}

enum ReadError {
    Database(rusqlite::Error),
    Misfit(Misfit),
}

impl From<rusqlite::Error> for ReadError {
    fn from(e: rusqlite::Error) -> ReadError {
        ReadError::Database(e)
    }
}

type Rows = (Vec<CardGroup>, Vec<Batch>, Vec<Card>, Prompts);
type Prompts = BTreeMap<PromptKey, Prompt>;

/// The groups, batches and cards kept for world `name`.
fn read_rows(
    connection: &Connection,
    name: &str,
    seed: &World,
    create: &Function,
) -> Result<Rows, ReadError> {
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
            _ => return Err(ReadError::Misfit(Misfit::Fields { group: id })),
        };
        let group =
            group_from_fields(seed, create, id, customer, fields).map_err(ReadError::Misfit)?;
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
                ReadError::Misfit(Misfit::Balance {
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
                return Err(ReadError::Misfit(Misfit::Prompt {
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
) -> Result<CardGroup, Misfit> {
    if !seed.customers.contains_key(&customer) {
        return Err(Misfit::Customer {
            group: id,
            customer,
        });
    }
    let mut values = BTreeMap::new();
    for (name, json) in fields {
        let param = create
            .param(&name)
            .filter(|p| is_group_field(p))
            .ok_or_else(|| Misfit::Field {
                group: id,
                name: name.clone(),
            })?;
        let text = json
            .as_str()
            .map_or_else(|| json.to_string(), str::to_owned);
        let value = param.ty.parse(&text).map_err(|error| Misfit::Value {
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
) -> Result<World, Misfit> {
    let groups: BTreeMap<CardGroupId, CardGroup> = groups.into_iter().map(|g| (g.id, g)).collect();
    let batches: BTreeMap<BatchId, Batch> = batches.into_iter().map(|b| (b.id, b)).collect();
    if let Some(stray) = cards
        .iter()
        .find(|c| !batches.contains_key(&c.batch) || !groups.contains_key(&c.cardgroup))
    {
        return Err(Misfit::Dangling(stray.card.clone()));
    }
    if let Some((group, name)) = prompts.keys().find(|(g, _)| !groups.contains_key(g)) {
        let (group, name) = (*group, name.clone());
        let problem = "belongs to a card group the world lacks";
        return Err(Misfit::Prompt {
            group,
            name,
            problem,
        });
    }
    let mut world = seed.clone();
    world.restore(groups, batches, cards, prompts, rng)?;
    Ok(world)
}

impl StateDb {
    /// Whether every commit waits for the disk (`--state-sync full`).
    pub(super) fn syncs_every_commit(&self) -> bool {
        self.sync == StateSync::Full
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The database's path, as given.
    pub(super) fn file(&self) -> &str {
        &self.file
    }

    /// Why commits fail, while they do.
    pub(super) fn problem(&self) -> Option<String> {
        self.problem
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Runs one transaction; a failure starts (or continues) an episode of failing commits, a
    /// success ends one. Nothing is committed to files that are no longer the ones opened: a
    /// commit there would be lost at the next start.
    fn transact(
        &self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>,
    ) -> Result<(), Unsaved> {
        if let Some(gone) = self.gone() {
            self.settle(Some(gone.clone()));
            return Err(Unsaved(format!("{}: {gone}", self.file)));
        }
        let mut connection = self.lock();
        let done = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .and_then(|transaction| {
                work(&transaction)?;
                transaction.commit()
            });
        drop(connection);
        self.settle(done.as_ref().err().map(ToString::to_string));
        done.map_err(|e| Unsaved(format!("{}: {e}", self.file)))
    }

    /// Why the files on disk are no longer the ones this database was opened as, if they are not.
    fn gone(&self) -> Option<String> {
        let now = Identity::of(Path::new(&self.file)).ok();
        self.opened.differs(now.as_ref())
    }

    /// Records how the last commit went, telling the owner when that changes.
    fn settle(&self, failure: Option<String>) {
        let mut problem = self.problem.lock().unwrap_or_else(|p| p.into_inner());
        match (problem.is_some(), failure) {
            (false, Some(why)) => {
                let why = format!("{}: {why}", self.file);
                (self.events)(StateEvent::Failing(&why));
                *problem = Some(why);
            }
            (true, None) => {
                *problem = None;
                (self.events)(StateEvent::Recovered);
            }
            _ => {}
        }
    }

    /// Every half second: looks whether the files are still the ones opened, so that health
    /// turns bad once they are removed even when no client writes; and while commits fail, tries
    /// a small write, so that health turns good again once the disk does.
    fn watch(db: &Arc<StateDb>) {
        let weak: Weak<StateDb> = Arc::downgrade(db);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(500));
                let Some(db) = weak.upgrade() else { return };
                if db.problem().is_none()
                    && let Some(gone) = db.gone()
                {
                    db.settle(Some(gone));
                }
                if db.problem().is_some() {
                    let _still_failing = db.transact(|t| {
                        t.execute("UPDATE worlds SET rng = rng WHERE namespace = ''", [])
                            .map(|_| ())
                    });
                }
            }
        });
    }

    /// Deletes every row of world `name`.
    fn forget(&self, name: &str) -> Result<(), Unsaved> {
        self.transact(|t| delete_world(t, name))
    }
}

fn delete_world(transaction: &rusqlite::Transaction<'_>, name: &str) -> rusqlite::Result<()> {
    for table in ["worlds", "card_groups", "batches", "cards", "prompts"] {
        transaction.execute(&format!("DELETE FROM {table} WHERE namespace = ?1"), [name])?;
    }
    Ok(())
}

impl WorldRows {
    fn write_group(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        group: &CardGroup,
    ) -> rusqlite::Result<()> {
        let fields = serde_json::to_string(&group.fields()).expect("fields serialize");
        transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO card_groups (namespace, id, customer, fields) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                self.namespace,
                group.id.0,
                group.customer.0,
                fields
            ])?;
        Ok(())
    }

    fn write_batch(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        batch: &Batch,
    ) -> rusqlite::Result<()> {
        transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO batches (namespace, id, name, cardgroup, customer, \
                 locked, cards, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                self.namespace,
                batch.id.0,
                batch.name,
                batch.cardgroup.0,
                batch.customer.0,
                batch.locked,
                batch.cards.cast_signed(),
                batch.created
            ])?;
        Ok(())
    }

    /// The cards at `positions`, each written whole over what was kept at its position.
    fn write_cards(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        world: &World,
        positions: impl Iterator<Item = usize>,
    ) -> rusqlite::Result<()> {
        let mut insert = transaction.prepare_cached(
            "INSERT OR REPLACE INTO cards (namespace, seq, card, pin, batch, cardgroup, balance, \
             currency, locked, created, serial, caller) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for (seq, card) in positions.map(|p| (p, &world.cards()[p])) {
            insert.execute(params![
                self.namespace,
                i64::try_from(seq).expect("fewer cards than i64::MAX"),
                card.card,
                card.pin,
                card.batch.0,
                card.cardgroup.0,
                card.balance.to_string(),
                &*card.currency,
                card.locked,
                &*card.created,
                card.serial(),
                card.caller()
            ])?;
        }
        Ok(())
    }

    /// The prompt at `key` as the world has it now: written, or deleted if it is gone.
    fn write_prompt(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        world: &World,
        key: &PromptKey,
    ) -> rusqlite::Result<()> {
        let (group, name) = key;
        match world.prompts().get(key) {
            Some(prompt) => {
                let (sound, wav) = match prompt {
                    Prompt::Sound(id) => (Some(id.0), None),
                    Prompt::Wav(bytes) => (None, Some(&bytes[..])),
                };
                transaction
                    .prepare_cached(
                        "INSERT OR REPLACE INTO prompts (namespace, cardgroup, name, sound, wav) \
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?
                    .execute(params![self.namespace, group.0, name, sound, wav])?;
            }
            None => {
                transaction
                    .prepare_cached(
                        "DELETE FROM prompts WHERE namespace = ?1 AND cardgroup = ?2 AND name = ?3",
                    )?
                    .execute(params![self.namespace, group.0, name])?;
            }
        }
        Ok(())
    }

    fn write_world(
        &self,
        transaction: &rusqlite::Transaction<'_>,
        world: &World,
        clock: Option<i64>,
    ) -> rusqlite::Result<()> {
        transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO worlds (namespace, rng, clock) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![
                self.namespace,
                world.rng().state().cast_signed(),
                clock
            ])?;
        Ok(())
    }
}

impl Durable for WorldRows {
    fn commit(&self, world: &World, changes: &Changes, clock: Option<i64>) -> Result<(), Unsaved> {
        self.db.transact(|transaction| {
            for id in changes.groups() {
                if let Some(group) = world.card_groups().get(&id) {
                    self.write_group(transaction, group)?;
                }
            }
            for id in changes.batches() {
                if let Some(batch) = world.batches().get(&id) {
                    self.write_batch(transaction, batch)?;
                }
            }
            let cards = changes
                .changed_cards()
                .chain(changes.new_cards(world.cards().len()));
            self.write_cards(transaction, world, cards)?;
            for key in changes.prompts() {
                self.write_prompt(transaction, world, key)?;
            }
            if changes.rng_changed() {
                self.write_world(transaction, world, clock)?;
            }
            Ok(())
        })
    }

    fn replace(&self, world: &World, clock: Option<i64>) -> Result<(), Unsaved> {
        self.db.transact(|transaction| {
            delete_world(transaction, &self.namespace)?;
            for group in world.card_groups().values() {
                self.write_group(transaction, group)?;
            }
            for batch in world.batches().values() {
                self.write_batch(transaction, batch)?;
            }
            self.write_cards(transaction, world, 0..world.cards().len())?;
            for key in world.prompts().keys() {
                self.write_prompt(transaction, world, key)?;
            }
            self.write_world(transaction, world, clock)
        })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A database of schema version 1 (cards without serial and caller) is brought to version
    /// 2 when opened, its cards kept, with both new columns empty.
    #[test]
    fn a_version_1_database_gains_serial_and_caller() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let old = Connection::open(&path).unwrap();
        let version_1 = SCHEMA
            .replace("    serial TEXT NOT NULL DEFAULT '',\n", "")
            .replace("    caller TEXT NOT NULL DEFAULT '',\n", "");
        old.execute_batch(&version_1).unwrap();
        old.execute(
            "INSERT INTO cards VALUES ('', 0, '1000', '1', 1, 1, '0.00', 'USD', 0, 'then')",
            [],
        )
        .unwrap();
        old.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        old.pragma_update(None, "user_version", 1).unwrap();
        drop(old);

        let connection = open(&path, StateSync::Normal).unwrap();
        let version: i32 = connection
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let row: (String, String, String) = connection
            .query_row("SELECT card, serial, caller FROM cards", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(row, ("1000".into(), String::new(), String::new()));
    }

    #[test]
    fn a_database_of_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v9.db");
        let newer = Connection::open(&path).unwrap();
        newer.execute_batch(SCHEMA).unwrap();
        newer
            .pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        newer.pragma_update(None, "user_version", 9).unwrap();
        drop(newer);
        assert!(matches!(
            open(&path, StateSync::Normal),
            Err(StateErrorKind::Version(9))
        ));
    }
}
