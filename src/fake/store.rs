//! The state handle: one world behind one lock, its clock, and the seed it returns to on reset.
//! Every API call runs start to finish in one closure under the lock (authentication, checks,
//! the change), so no request sees another's half-done work and no check goes stale before its
//! change. A std `Mutex`, not tokio's: the closure never awaits, and holding it is short.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::fake::clock::Clock;
use crate::fake::world::World;

#[derive(Debug)]
pub struct Store {
    world: Mutex<World>,
    seed: Arc<World>,
    clock: Clock,
}

impl Store {
    /// A world at `seed`, reading time from `clock`.
    pub fn new(seed: Arc<World>, clock: Clock) -> Store {
        Store {
            world: Mutex::new((*seed).clone()),
            seed,
            clock,
        }
    }

    /// Runs `operation` with the world locked.
    pub fn with<R>(&self, operation: impl FnOnce(&mut World) -> R) -> R {
        operation(&mut self.lock())
    }

    /// The world's time.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Back to the seed, generator and clock included.
    pub fn reset(&self) {
        *self.lock() = (*self.seed).clone();
        self.clock.reset();
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic inside an operation must not take the whole fake down with a poisoned lock.
        // Operations check everything before they change anything, so the world is whole.
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
