//! What each function does to the world once every check has passed: one file per resource,
//! one match arm per function. Called inside the store's lock, after `validation=1` has had its
//! chance to stop (D14), so everything here acts. A function in the spec without an arm here
//! answers 500, naming itself.

pub(crate) mod batches;
pub(crate) mod card_groups;
pub(crate) mod cards;
pub(crate) mod files;

use crate::fake::clock::Clock;
use crate::fake::error::ApiError;
use crate::fake::input::Input;
use crate::fake::mutant::Mutant;
use crate::fake::response::ApiResponse;
use crate::fake::world::World;
use crate::spec::{Function, GROUP_FIELDS_FROM};

pub(crate) fn act(
    function: &Function,
    input: &Input,
    world: &mut World,
    clock: &Clock,
    mutant: Option<Mutant>,
) -> Result<ApiResponse, ApiError> {
    match function.path.as_str() {
        GROUP_FIELDS_FROM => Ok(card_groups::create(world, input, function)),
        "cards/groups/get" => Ok(card_groups::get(world, input, function)),
        "cards/groups/update" => Ok(card_groups::update(world, input, mutant)),
        "cards/batches/create" => batches::create(world, input, clock, mutant),
        "cards/batches/update" => Ok(batches::update(world, input)),
        "cards/batches/list" => Ok(batches::list(world, input)),
        "cards/update" => Ok(cards::update(world, input)),
        "cards/list" => Ok(cards::list(world, input, mutant)),
        "cards/files/upload" => Ok(files::upload(world, input)),
        "cards/files/delete" => files::delete(world, input, function, mutant),
        other => Err(ApiError::not_implemented(other)),
    }
}
