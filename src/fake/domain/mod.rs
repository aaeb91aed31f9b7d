//! What each function does to the world once every check has passed: one file per resource,
//! one match arm per function. Called inside the store's lock, after `validation=1` has had its
//! chance to stop (D14), so everything here acts. A function in the spec without an arm here
//! answers 500, naming itself.

pub(crate) mod batches;
pub(crate) mod card_groups;
pub(crate) mod cards;
pub(crate) mod files;
pub(crate) mod users;

use crate::fake::auth::Caller;
use crate::fake::clock::Clock;
use crate::fake::error::ApiError;
use crate::fake::input::Input;
use crate::fake::mutant::Mutant;
use crate::fake::response::ApiResponse;
use crate::fake::token::Tokens;
use crate::fake::world::World;
use crate::spec::{Function, GROUP_FIELDS_FROM};

/// What a function may need beside its input and the world: the time, the mutant the fake runs
/// with, who calls, and the tokens `user/login` issues.
pub(crate) struct Acting<'a> {
    pub clock: &'a Clock,
    pub mutant: Option<Mutant>,
    pub caller: &'a Caller,
    pub tokens: &'a Tokens,
    pub token_expiry: Option<u64>,
}

pub(crate) fn act(
    function: &Function,
    input: &Input,
    world: &mut World,
    how: &Acting,
) -> Result<ApiResponse, ApiError> {
    let mutant = how.mutant;
    match function.path.as_str() {
        GROUP_FIELDS_FROM => Ok(card_groups::create(world, input, function)),
        "cards/groups/get" => Ok(card_groups::get(world, input, function)),
        "cards/groups/update" => Ok(card_groups::update(world, input, mutant)),
        "cards/batches/create" => batches::create(world, input, how.clock, mutant),
        "cards/batches/update" => Ok(batches::update(world, input)),
        "cards/batches/list" => Ok(batches::list(world, input)),
        "cards/update" => Ok(cards::update(world, input)),
        "cards/list" => Ok(cards::list(world, input, mutant)),
        "cards/files/upload" => Ok(files::upload(world, input)),
        "cards/files/delete" => files::delete(world, input, function, mutant),
        "user/login" => Ok(users::login(world, input, how)),
        other => Err(ApiError::not_implemented(other)),
    }
}
