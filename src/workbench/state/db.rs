//! The open database: one connection behind a lock, shared by every world's keeper. A commit
//! runs in one transaction; a failure starts an episode of failing commits (health says why,
//! the owner is told once), a success ends it, and a watcher retries while it lasts.

use std::fs::File;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::file::Identity;
use super::{StateEvent, StateSync};
use crate::fake::Unsaved;

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

impl StateDb {
    /// The database `file` opened as `connection`, owned through `owner` (its lock), as the
    /// files `opened` were; `events` hears when commits start and stop failing.
    pub(super) fn new(
        file: String,
        connection: Connection,
        owner: File,
        sync: StateSync,
        opened: Identity,
        events: Box<dyn Fn(StateEvent<'_>) + Send + Sync>,
    ) -> StateDb {
        StateDb {
            file,
            connection: Mutex::new(connection),
            _owner: owner,
            sync,
            opened,
            problem: Mutex::new(None),
            events,
        }
    }

    /// Whether every commit waits for the disk (`--state-sync full`).
    pub(in crate::workbench) fn syncs_every_commit(&self) -> bool {
        self.sync == StateSync::Full
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The database's path, as given.
    pub(in crate::workbench) fn file(&self) -> &str {
        &self.file
    }

    /// Why commits fail, while they do.
    pub(in crate::workbench) fn problem(&self) -> Option<String> {
        self.problem
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Runs one transaction; a failure starts (or continues) an episode of failing commits, a
    /// success ends one. Nothing is committed to files that are no longer the ones opened: a
    /// commit there would be lost at the next start.
    pub(super) fn transact(
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
    pub(super) fn watch(db: &Arc<StateDb>) {
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
    pub(super) fn forget(&self, name: &str) -> Result<(), Unsaved> {
        self.transact(|t| delete_world(t, name))
    }
}

pub(super) fn delete_world(
    transaction: &rusqlite::Transaction<'_>,
    name: &str,
) -> rusqlite::Result<()> {
    for table in ["worlds", "card_groups", "batches", "cards", "prompts"] {
        transaction.execute(&format!("DELETE FROM {table} WHERE namespace = ?1"), [name])?;
    }
    Ok(())
}
