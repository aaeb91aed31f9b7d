//! The state handle: one world behind one lock, its clock, the seed it returns to on reset, and
//! (with `serve --state`) where its changes are kept. Every API call runs start to finish in one
//! closure under the lock (authentication, checks, the change, and the change's commit), so no
//! request sees another's half-done work, no check goes stale before its change, and no one sees
//! a change before it is kept. A std `Mutex`, not tokio's: the closure never awaits.
//!
//! Keeping is someone else's: a `Durable` is told each call's `Changes` and must make them
//! durable before the call is answered; if it cannot, the changes are undone and the call fails.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::fake::changes::Changes;
use crate::fake::clock::Clock;
use crate::fake::world::World;

/// Where a world's changes are kept (the workbench's state database).
pub trait Durable: Send + Sync + std::fmt::Debug {
    /// Makes `changes` to `world` durable; the world is locked meanwhile. `clock` is the world's
    /// next reading, to keep with the generator when that changed.
    fn commit(&self, world: &World, changes: &Changes, clock: Option<i64>) -> Result<(), Unsaved>;

    /// Replaces everything kept of the world by `world` (a new world, a reset).
    fn replace(&self, world: &World, clock: Option<i64>) -> Result<(), Unsaved>;
}

/// Why a change could not be kept; the world is as it was before it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsaved(pub String);

#[derive(Debug)]
pub struct Store {
    world: Mutex<World>,
    seed: Arc<World>,
    clock: Clock,
    /// Where changes are kept; set once, at start or when a namespace is made.
    durable: OnceLock<Box<dyn Durable>>,
    /// How many cards the world holds, as of its last call: read without the lock, to tell a
    /// call that may take long (listing a big world) from one that cannot.
    cards: AtomicUsize,
}

impl Store {
    /// A world at `seed`, reading time from `clock`, kept in memory only.
    pub fn new(seed: Arc<World>, clock: Clock) -> Store {
        let cards = AtomicUsize::new(seed.cards().len());
        Store {
            world: Mutex::new((*seed).clone()),
            seed,
            clock,
            durable: OnceLock::new(),
            cards,
        }
    }

    /// Has `durable` keep this world's changes from now on (its current state is not written:
    /// see `keep_current`). A world is kept by one keeper for its life; a second is ignored.
    pub fn keep_with(&self, durable: Box<dyn Durable>) {
        let _first = self.durable.set(durable);
    }

    /// Writes the whole current world to its durable keeper, if it has one.
    pub fn keep_current(&self) -> Result<(), Unsaved> {
        let world = self.lock();
        match self.durable.get() {
            Some(durable) => durable.replace(&world, self.clock.position()),
            None => Ok(()),
        }
    }

    /// Runs `operation` with the world locked. It may read, and it may change the world: what it
    /// changed is committed before the lock is released, and undone if that fails.
    pub fn with<R>(&self, operation: impl FnOnce(&mut World) -> R) -> Result<R, Unsaved> {
        let mut world = self.lock();
        let durable = self.durable.get();
        world.begin(durable.is_some());
        let result = match std::panic::catch_unwind(AssertUnwindSafe(|| operation(&mut world))) {
            Ok(result) => result,
            // A bug of the fake's: what the operation changed before it gave up goes, too (a
            // world in memory only keeps it, as operations check before they change).
            Err(panic) => {
                let changes = world.take_changes();
                world.undo(changes);
                std::panic::resume_unwind(panic);
            }
        };
        let changes = world.take_changes();
        if changes.is_empty() {
            return Ok(result);
        }
        let kept = match durable {
            Some(durable) => durable.commit(&world, &changes, self.clock.position()),
            None => Ok(()),
        };
        if kept.is_err() {
            world.undo(changes);
        }
        self.cards.store(world.cards().len(), Ordering::Relaxed);
        kept.map(|()| result)
    }

    /// Runs `operation` on the world locked, for reading.
    pub fn read<R>(&self, operation: impl FnOnce(&World) -> R) -> R {
        operation(&self.lock())
    }

    /// How many cards the world held after its last change.
    pub fn cards(&self) -> usize {
        self.cards.load(Ordering::Relaxed)
    }

    /// The world's time.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Back to the seed, generator and clock included; kept before it takes effect.
    pub fn reset(&self) -> Result<(), Unsaved> {
        let seed = Arc::clone(&self.seed);
        self.reset_with(|_| Ok::<World, Unsaved>(World::clone(&seed)))
    }

    /// The world made what `make` builds from the world it replaces (a posted seed keeps the
    /// passwords of the users it names), generator included, and the clock started again; in
    /// one critical section, kept before it takes effect. If `make` fails, nothing changes. The
    /// store's own seed, which `reset` returns to, stays.
    pub fn reset_with<E: From<Unsaved>>(
        &self,
        make: impl FnOnce(&World) -> Result<World, E>,
    ) -> Result<(), E> {
        let mut world = self.lock();
        let seed = make(&world)?;
        if let Some(durable) = self.durable.get() {
            durable.replace(&seed, self.clock.start())?;
        }
        *world = seed;
        self.clock.reset();
        self.cards.store(world.cards().len(), Ordering::Relaxed);
        Ok(())
    }

    /// Puts a kept world in place (at start, from the state database), with its clock.
    pub fn restore(&self, world: World, clock: Option<i64>) {
        self.cards.store(world.cards().len(), Ordering::Relaxed);
        *self.lock() = world;
        if let Some(seconds) = clock {
            self.clock.set_position(seconds);
        }
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic inside an operation must not take the whole fake down with a poisoned lock;
        // `with` has undone what the operation changed, so the world is whole.
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{ApiRequest, Fake};

    /// A keeper whose disk is always full.
    #[derive(Debug)]
    struct Full;

    impl Durable for Full {
        fn commit(&self, _: &World, _: &Changes, _: Option<i64>) -> Result<(), Unsaved> {
            Err(Unsaved("disk full".into()))
        }

        fn replace(&self, _: &World, _: Option<i64>) -> Result<(), Unsaved> {
            Ok(())
        }
    }

    /// Updates in place (a batch, cards, prompts replaced and removed) are put back when their
    /// commit fails, as appended batches and cards are.
    #[test]
    fn a_failed_commit_undoes_changes_in_place() {
        let fake = Fake::embedded().unwrap();
        let world = fake.new_world();
        let before = world.read(|w| serde_json::to_string(w).unwrap());
        world.keep_with(Box::new(Full));
        let auth = "auth_username=user;auth_password=password";
        for call in [
            format!("cards/batches/update/?{auth};id=123;name=gone;locked=1"),
            format!("cards/update/?{auth};card=1234567890;balance=99.00;pin=0000;serial=s"),
            format!("cards/update/?{auth};card=2345678901;cardgroup=125;pin=123456"),
            format!("cards/batches/create/?{auth};cardgroup=123;batch_name=b;number=3"),
            format!("cards/files/upload/?{auth};cardgroup=123;file=balance;data=UklGRgAAAABXQVZF"),
            format!("cards/files/delete/?{auth};cardgroup=123;file=destination"),
        ] {
            let answer = fake.call(&world, &ApiRequest::get(&format!("/api/json/{call}")));
            assert_eq!(answer.response.code.as_u16(), 500, "{call}");
        }
        let after = world.read(|w| serde_json::to_string(w).unwrap());
        assert_eq!(after, before);
    }
}
