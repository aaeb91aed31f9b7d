//! One journal entry: what one API call sent and was answered, as the journal shows it
//! (`/_fake/requests`, the event stream, `FakeServer::received`), with the bounds on what it
//! keeps of a call.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use crate::fake::RawParams;

/// The most of an answer an entry keeps: a list of a million cards is no journal's business.
pub const ANSWER_LIMIT: usize = 64 * 1024;

/// The most bytes of parameters an entry keeps (a megabyte of `a&a&…` is half a million pairs);
/// those sent past it are counted in `params_cut`.
pub(super) const PARAMS_LIMIT: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The journal's own number for it, counting every world's entries in the order they came:
    /// what orders entries of several worlds.
    pub id: u64,
    /// The world: `None` for the default one, else the namespace's name.
    pub namespace: Option<Arc<str>>,
    /// 1 for the first request of its world since start or reset.
    pub seq: u64,
    /// The world's time (its logical clock, unless `--clock system`): seconds since 1970, shown
    /// as `YYYY-MM-DD HH:MM:SS`, formatted only when the journal is read.
    #[serde(serialize_with = "as_utc")]
    pub time: i64,
    /// When it arrived by the wall clock, as the request log's lines are timed: milliseconds
    /// since 1970, shown as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    #[serde(serialize_with = "as_instant")]
    pub at: u64,
    /// The function path asked for (`cards/groups/update`), as sent.
    pub function: String,
    /// `GET` and `POST` (the methods the API takes) cost no copy.
    pub method: Cow<'static, str>,
    /// Every parameter in the order sent, repeats included (`auth_password` and `auth_token`
    /// shown as `[redacted]`), up to `PARAMS_LIMIT` bytes of them.
    pub params: RawParams,
    /// How many parameters were sent after those kept, and not kept.
    #[serde(skip_serializing_if = "is_zero")]
    pub params_cut: u32,
    /// The envelope's code, or what a fault did instead of answering.
    pub code: &'static str,
    /// The injected fault that fired, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<&'static str>,
    /// How long the fake took to answer, in microseconds (a delay fault's wait not included).
    pub took_us: u64,
    /// The answer's body as sent (cut at `ANSWER_LIMIT` bytes), shown as text; `None` when the
    /// connection was closed instead.
    #[serde(serialize_with = "as_text")]
    pub answer: Option<Bytes>,
    /// What the client got wrong that the answer passed over (names and sentences, never
    /// values); empty for a clean call.
    pub diagnostics: Vec<crate::fake::Diagnostic>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// An answer as text: answers are JSON, so UTF-8, but a cut may split a character, which shows
/// as U+FFFD.
fn as_text<S: serde::Serializer>(answer: &Option<Bytes>, serializer: S) -> Result<S::Ok, S::Error> {
    match answer {
        Some(body) => serializer.serialize_str(&String::from_utf8_lossy(body)),
        None => serializer.serialize_none(),
    }
}

fn as_utc<S: serde::Serializer>(seconds: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&crate::fake::format_utc(*seconds))
}

fn as_instant<S: serde::Serializer>(millis: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    let seconds = i64::try_from(millis / 1000).unwrap_or(i64::MAX);
    let day_and_time = crate::fake::format_utc(seconds).replacen(' ', "T", 1);
    serializer.collect_str(&format_args!("{day_and_time}.{:03}Z", millis % 1000))
}
