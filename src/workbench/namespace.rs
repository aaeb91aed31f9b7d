//! Namespaces: isolated worlds on one server, so parallel tests never see each other. A request
//! to `/_ns/<name>/api/json/...` (or `/_ns/<name>/_fake/...`) acts on the world `<name>`, made
//! from the seed on first use; every other path acts on the default world. Each world has its own
//! state, clock and journal numbering, so one test's requests never shift another's ids or times.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::diagnosed::Tally;
use crate::fake::{ApiError, ClientRules, Diagnostic, Store, Unsaved, World};
use crate::spec::yaml::FileErrors;

/// Where namespaced paths start.
pub const NAMESPACE_PREFIX: &str = "/_ns/";

/// One world and what belongs to it: its name, its state (with its clock), the count of calls
/// it has journaled (its entries live in the server's one journal), whether its clients are held
/// to strict rules, and their diagnostics counted.
#[derive(Debug)]
pub(super) struct Namespace {
    /// `None` for the default world.
    pub(super) name: Option<Arc<str>>,
    pub(super) world: Store,
    journaled: AtomicU64,
    /// Whether a call with a diagnostic is answered 400 (`--strict-client`, or the control
    /// plane's `POST /_fake/strict-client`); a reset leaves it as it is.
    strict: AtomicBool,
    diagnosed: Mutex<Tally>,
}

impl Namespace {
    pub(super) fn new(name: Option<&str>, world: Store, rules: ClientRules) -> Namespace {
        Namespace {
            name: name.map(Arc::from),
            world,
            journaled: AtomicU64::new(0),
            strict: AtomicBool::new(rules.is_strict()),
            diagnosed: Mutex::default(),
        }
    }

    /// How this world's calls answer their diagnostics.
    pub(super) fn rules(&self) -> ClientRules {
        ClientRules::strict(self.strict.load(Ordering::Relaxed))
    }

    pub(super) fn set_rules(&self, rules: ClientRules) {
        self.strict.store(rules.is_strict(), Ordering::Relaxed);
    }

    /// Counts one call's diagnostics (its request `seq`, of `function`).
    pub(super) fn diagnosed(&self, function: &str, seq: u64, diagnostics: &[Diagnostic]) {
        if !diagnostics.is_empty() {
            self.tally().add(function, seq, diagnostics);
        }
    }

    /// The diagnostics counted since start or reset.
    pub(super) fn tally(&self) -> MutexGuard<'_, Tally> {
        self.diagnosed.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The sequence number of the next journal entry: 1 for the first since start or reset.
    pub(super) fn next_seq(&self) -> u64 {
        self.journaled.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Back to the server's seed, or to what `posted` builds from the world it replaces:
    /// state, generator, clock and the journal's count (the caller forgets the world's
    /// entries); kept before it takes effect, and nothing changed if `posted` fails.
    pub(super) fn reset(&self, posted: Option<PostedSeed<'_>>) -> Result<(), NotReset> {
        match posted {
            Some(make) => self.world.reset_with(make)?,
            None => self.world.reset()?,
        }
        self.journaled.store(0, Ordering::Relaxed);
        *self.tally() = Tally::default();
        Ok(())
    }
}

/// A seed posted with a reset, read against the world it replaces (whose passwords it keeps).
pub(super) type PostedSeed<'a> = &'a dyn Fn(&World) -> Result<World, NotReset>;

/// Why a world was not reset.
#[derive(Debug)]
pub(super) enum NotReset {
    /// The posted seed has problems; the world is as it was.
    Seed(FileErrors),
    /// The state database could not keep the new world; the world is as it was.
    Unsaved(Unsaved),
}

impl From<Unsaved> for NotReset {
    fn from(unsaved: Unsaved) -> NotReset {
        NotReset::Unsaved(unsaved)
    }
}

/// The default world and the named ones.
#[derive(Debug)]
pub(super) struct Namespaces {
    default: Arc<Namespace>,
    named: Mutex<BTreeMap<String, Arc<Namespace>>>,
}

/// Why a namespace name was refused, as the client is told.
pub const NAME_RULE: &str = "a namespace name is 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'";

/// The most named worlds at once: each is a copy of the seed, and a client making names up must
/// not be able to exhaust memory. Dropping one (`DELETE /_fake/ns/<name>`) makes room.
pub const MAX_NAMESPACES: usize = 1000;

/// Why a namespace could not be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The name breaks `NAME_RULE`.
    BadName,
    /// `MAX_NAMESPACES` exist already.
    Full,
    /// Its world could not be kept (the state database).
    Unsaved,
}

impl From<Refused> for ApiError {
    /// The envelope 400 a client gets for a namespace it cannot have.
    fn from(why: Refused) -> ApiError {
        let message = match why {
            Refused::BadName => format!("Not a namespace name: {NAME_RULE}."),
            Refused::Full => format!(
                "There are {MAX_NAMESPACES} namespaces already: DELETE /_fake/ns/<name> to drop one."
            ),
            Refused::Unsaved => return ApiError::unsaved(),
        };
        ApiError::unreadable(message)
    }
}

impl Namespaces {
    pub(super) fn new(default: Namespace) -> Namespaces {
        Namespaces {
            default: Arc::new(default),
            named: Mutex::new(BTreeMap::new()),
        }
    }

    pub(super) fn default_world(&self) -> &Arc<Namespace> {
        &self.default
    }

    /// The namespace `name`, made by `make` if it is new.
    pub(super) fn get_or_create(
        &self,
        name: &str,
        make: impl FnOnce() -> Result<Namespace, Unsaved>,
    ) -> Result<Arc<Namespace>, Refused> {
        if !valid_name(name) {
            return Err(Refused::BadName);
        }
        let mut named = self.named.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(namespace) = named.get(name) {
            return Ok(Arc::clone(namespace));
        }
        if named.len() >= MAX_NAMESPACES {
            return Err(Refused::Full);
        }
        let namespace = Arc::new(make().map_err(|_| Refused::Unsaved)?);
        named.insert(name.to_owned(), Arc::clone(&namespace));
        Ok(namespace)
    }

    /// The namespace `name`, if it exists (never made here).
    pub(super) fn get(&self, name: &str) -> Option<Arc<Namespace>> {
        let named = self.named.lock().unwrap_or_else(|p| p.into_inner());
        named.get(name).map(Arc::clone)
    }

    /// Drops `name`; whether it existed.
    pub(super) fn remove(&self, name: &str) -> bool {
        self.named
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name)
            .is_some()
    }

    /// Every world with its name (`None` for the default), for saving.
    pub(super) fn all(&self) -> Vec<(Option<String>, Arc<Namespace>)> {
        let named = self.named.lock().unwrap_or_else(|p| p.into_inner());
        let mut all = vec![(None, Arc::clone(&self.default))];
        all.extend(
            named
                .iter()
                .map(|(name, ns)| (Some(name.clone()), Arc::clone(ns))),
        );
        all
    }

    pub(super) fn names(&self) -> Vec<String> {
        self.named
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect()
    }
}

/// `[A-Za-z0-9_-]{1,64}` (`NAME_RULE`): a namespace's name, and a contract's scenario's.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Splits `/_ns/<name>/rest` into `(Some(name), "/rest")`; other paths into `(None, path)`.
pub(super) fn split(path: &str) -> (Option<&str>, &str) {
    match path.strip_prefix(NAMESPACE_PREFIX) {
        Some(rest) => match rest.find('/') {
            Some(at) => (Some(&rest[..at]), &rest[at..]),
            None => (Some(rest), "/"),
        },
        None => (None, path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule() {
        for good in ["a", "test-1", "CI_run_42", &"x".repeat(64)] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "a/b", "a b", "ü", "a.b", &"x".repeat(65)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn paths_split_into_namespace_and_rest() {
        assert_eq!(
            split("/_ns/t1/api/json/cards/list/"),
            (Some("t1"), "/api/json/cards/list/")
        );
        assert_eq!(split("/_ns/t1/_fake/state"), (Some("t1"), "/_fake/state"));
        assert_eq!(split("/_ns/t1"), (Some("t1"), "/"));
        assert_eq!(
            split("/api/json/cards/list/"),
            (None, "/api/json/cards/list/")
        );
    }
}
