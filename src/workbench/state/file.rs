//! The state file itself: one server owns it at a time (an advisory lock on `FILE.lock`, released
//! however the process ends), its identity on disk is kept so that a file removed under the
//! server shows, and it is opened with its schema (creating or migrating it) after SQLite's own
//! check that it is not damaged.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::{StateErrorKind, StateSync};

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

/// Which files a database is on disk: the database's, its write-ahead log's and its lock's, each
/// by device and inode, so that a file removed (or replaced by another of the same name) shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Identity {
    database: (u64, u64),
    /// `None` when there is no log beside the database.
    log: Option<(u64, u64)>,
    /// `FILE.lock`: removed, it lets a second server take the file while this one serves it.
    lock: Option<(u64, u64)>,
}

impl Identity {
    pub(super) fn of(path: &Path) -> std::io::Result<Identity> {
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
    pub(super) fn differs(&self, now: Option<&Identity>) -> Option<String> {
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
pub(super) fn take_ownership(path: &Path) -> Result<File, StateErrorKind> {
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

pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Opens (or creates) the database with its schema, refusing one that is not ours.
pub(super) fn open(path: &Path, sync: StateSync) -> Result<Connection, StateErrorKind> {
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
