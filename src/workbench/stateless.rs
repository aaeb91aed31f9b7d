//! The workbench without the state database (built without the `state` feature): every world
//! lives in memory only, as with `serve` without `--state`. `StateDb` is a type no value has, so
//! the code that asks the workbench's state (health, the overview, the banner) compiles the same
//! and always finds none.

use crate::fake::Unsaved;
use crate::workbench::Workbench;
use crate::workbench::namespace::Namespace;

/// No state database: this build has none to open.
#[derive(Debug)]
pub enum StateDb {}

impl StateDb {
    pub(in crate::workbench) fn syncs_every_commit(&self) -> bool {
        match *self {}
    }

    pub(in crate::workbench) fn file(&self) -> &str {
        match *self {}
    }

    pub(in crate::workbench) fn problem(&self) -> Option<String> {
        match *self {}
    }
}

impl Workbench {
    /// A namespace new to this run needs no keeping.
    pub(super) fn keep_new(&self, _namespace: &Namespace) -> Result<(), Unsaved> {
        Ok(())
    }

    /// A dropped namespace has no rows to forget.
    pub(super) fn forget_kept(&self, _name: &str) -> Result<(), Unsaved> {
        Ok(())
    }

    /// The state can always be saved: there is none.
    pub fn state_problem(&self) -> Option<String> {
        None
    }
}
