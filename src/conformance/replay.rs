//! The targets a contract's snapshot is made with: the journal's answers replayed in order (what
//! the client read), or a fresh fake whose answers are kept (what a read-only contract's probes
//! draw), each run by the runner as `check` runs a case.

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::conformance::target::{
    InProcess, Target, TargetError, TargetErrorKind, WireAnswer, WireRequest,
};

/// A target that answers each request with the next answer the journal recorded; or one that
/// asks a fake and keeps each answer it gave.
pub(super) enum Replay {
    Journal(Mutex<VecDeque<WireAnswer>>),
    Keeping(Box<InProcess>, Mutex<Vec<WireAnswer>>),
}

impl Replay {
    pub(super) fn of(answers: impl Iterator<Item = WireAnswer>) -> Replay {
        Replay::Journal(Mutex::new(answers.collect()))
    }

    pub(super) fn keeping(fake: InProcess) -> Replay {
        Replay::Keeping(Box::new(fake), Mutex::default())
    }

    /// The answers the fake gave, in order.
    pub(super) fn kept(&self) -> Vec<WireAnswer> {
        match self {
            Replay::Journal(_) => Vec::new(),
            Replay::Keeping(_, kept) => kept.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        }
    }
}

impl Target for Replay {
    fn send(&self, request: &WireRequest) -> Result<WireAnswer, TargetError> {
        match self {
            Replay::Journal(answers) => {
                let next = answers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .pop_front();
                next.ok_or_else(|| TargetError {
                    url: format!("the journal's answer to {}", request.path),
                    kind: TargetErrorKind::Closed,
                })
            }
            Replay::Keeping(fake, kept) => {
                let answer = fake.send(request)?;
                kept.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(answer.clone());
                Ok(answer)
            }
        }
    }

    fn reset(&self) -> Result<bool, TargetError> {
        match self {
            Replay::Journal(_) => Ok(true),
            Replay::Keeping(fake, _) => fake.reset(),
        }
    }
}
