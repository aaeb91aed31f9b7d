//! Paged views of one world, for the dashboard and for scripts: its card groups, its batches
//! (newest first, of one group if asked), and its cards (in the order they were made, of one
//! batch if asked). A page is cut on the server, in the store's read lock, so a world of a
//! million cards answers as fast as an empty one: `offset` and `limit` (at most `MAX_LIMIT`,
//! `DEFAULT_LIMIT` when not given), and `total` says how many there are in all.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::fake::RawParams;
use crate::fake::world::{CardGroup, Prompt};
use crate::workbench::control::{error, number};
use crate::workbench::namespace::Namespace;
use crate::workbench::reply::HttpAnswer;

/// The most rows one page holds, and how many when not told.
pub(super) const MAX_LIMIT: u64 = 1000;
pub(super) const DEFAULT_LIMIT: u64 = 100;

/// One page of rows, as every view answers.
#[derive(Debug, Serialize)]
struct Page<T> {
    /// How many rows there are in all (of the group or batch asked for).
    total: usize,
    offset: usize,
    rows: Vec<T>,
}

impl<T> Page<T> {
    /// The same page, each row shown another way.
    fn map<U>(self, show: impl FnMut(T) -> U) -> Page<U> {
        Page {
            total: self.total,
            offset: self.offset,
            rows: self.rows.into_iter().map(show).collect(),
        }
    }
}

/// Which rows a page holds.
struct Window {
    offset: usize,
    limit: usize,
}

impl Window {
    fn from(query: &RawParams) -> Result<Window, HttpAnswer> {
        let offset = number(query, "offset", 0, u64::MAX)?;
        let limit = number(query, "limit", DEFAULT_LIMIT, MAX_LIMIT)?;
        Ok(Window {
            offset: usize::try_from(offset).unwrap_or(usize::MAX),
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
        })
    }

    /// The page of `rows`, counted as they are walked.
    fn page<T>(&self, rows: impl Iterator<Item = T>) -> Page<T> {
        let mut total = 0;
        let mut page = Vec::new();
        for row in rows {
            if total >= self.offset && page.len() < self.limit {
                page.push(row);
            }
            total += 1;
        }
        Page {
            total,
            offset: self.offset,
            rows: page,
        }
    }
}

/// `GET /_fake/groups`: the world's card groups with every field, by id.
pub(super) fn groups(world: &Namespace, query: &RawParams) -> HttpAnswer {
    let window = match Window::from(query) {
        Ok(window) => window,
        Err(refused) => return refused,
    };
    world.world.read(|state| {
        let page = window
            .page(state.card_groups().values())
            .map(|group| GroupRow {
                group,
                prompts: state
                    .prompts()
                    .range((group.id, String::new())..)
                    .take_while(|((g, _), _)| *g == group.id)
                    .map(|((_, name), prompt)| (name.as_str(), prompt))
                    .collect(),
            });
        HttpAnswer::json(200, &page)
    })
}

/// A card group with its voice prompts (which cards/groups/get does not show): by name, each a
/// sound or the size of its WAV.
#[derive(Serialize)]
struct GroupRow<'a> {
    #[serde(flatten)]
    group: &'a CardGroup,
    prompts: BTreeMap<&'a str, &'a Prompt>,
}

/// `GET /_fake/batches?cardgroup=`: the world's batches, newest first.
pub(super) fn batches(world: &Namespace, query: &RawParams) -> HttpAnswer {
    let (window, group) = match (Window::from(query), id(query, "cardgroup")) {
        (Ok(window), Ok(group)) => (window, group),
        (Err(refused), _) | (_, Err(refused)) => return refused,
    };
    world.world.read(|state| {
        let batches = state.batches().values().rev();
        let batches = batches.filter(|b| group.is_none_or(|g| b.cardgroup.0 == g));
        HttpAnswer::json(200, &window.page(batches))
    })
}

/// `GET /_fake/cards?batch=`: the world's cards, in the order they were made.
pub(super) fn cards(world: &Namespace, query: &RawParams) -> HttpAnswer {
    let (window, batch) = match (Window::from(query), id(query, "batch")) {
        (Ok(window), Ok(batch)) => (window, batch),
        (Err(refused), _) | (_, Err(refused)) => return refused,
    };
    world.world.read(|state| {
        let cards = state.cards().iter();
        let cards = cards.filter(|c| batch.is_none_or(|b| c.batch.0 == b));
        HttpAnswer::json(200, &window.page(cards))
    })
}

/// The id a query parameter names, if it names one; a 400 naming it if it is not a number.
fn id(query: &RawParams, field: &str) -> Result<Option<i64>, HttpAnswer> {
    match query.get(field) {
        None | Some("") => Ok(None),
        Some(text) => text
            .parse::<i64>()
            .map(Some)
            .map_err(|_| error(400, format!("{field} must be a whole number"))),
    }
}

/// How much one world holds, as `/_fake/overview` and the banner say.
#[derive(Debug, Clone, Copy, Serialize)]
pub(super) struct Counts {
    pub(super) card_groups: usize,
    pub(super) batches: usize,
    pub(super) cards: usize,
}

impl Counts {
    pub(super) fn of(world: &Namespace) -> Counts {
        world.world.read(|state| Counts {
            card_groups: state.card_groups().len(),
            batches: state.batches().len(),
            cards: state.cards().len(),
        })
    }
}
