//! The state handle: the world behind one lock, and the seed it returns to on reset. Every API
//! call runs start to finish in one closure under the lock (authentication, checks, the change),
//! so no request sees another's half-done work and no check goes stale before its change. A std
//! `Mutex`, not tokio's: the closure never awaits, and holding it is short.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::fake::world::World;

#[derive(Debug, Clone)]
pub struct Store {
    world: Arc<Mutex<World>>,
    seed: Arc<World>,
}

impl Store {
    pub fn new(seed: World) -> Store {
        Store {
            world: Arc::new(Mutex::new(seed.clone())),
            seed: Arc::new(seed),
        }
    }

    /// Runs `operation` with the world locked.
    pub fn with<R>(&self, operation: impl FnOnce(&mut World) -> R) -> R {
        operation(&mut self.lock())
    }

    /// Back to the seed, generator included.
    pub fn reset(&self) {
        *self.lock() = (*self.seed).clone();
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic inside an operation must not take the whole fake down with a poisoned lock.
        // Operations check everything before they change anything, so the world is whole.
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
