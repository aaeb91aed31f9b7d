//! A card group's voice prompts: `cards/files/upload` sets one, from WAV bytes or an existing
//! sound; `cards/files/delete` removes one. The ten names are the spec's (`file`'s allowed
//! values); the checks of the bytes (a WAV of at most 512 KiB) and of the sound (the caller's)
//! have passed before these run.

use crate::fake::error::ApiError;
use crate::fake::input::Input;
use crate::fake::mutant::{self, Mutant};
use crate::fake::response::ApiResponse;
use crate::fake::world::{Prompt, SoundId, World};
use crate::spec::Function;
use crate::spec::value::{Value, decode_base64};

/// `cards/files/upload`: the prompt plays the WAV given as `data`, or the sound `sound`,
/// replacing what it played before. 204.
pub(crate) fn upload(world: &mut World, input: &Input) -> ApiResponse {
    let group = input.group.expect("cardgroup was checked to name a group");
    let prompt = match (input.value("data"), input.value("sound")) {
        (Some(Value::String(data)), _) if !data.is_empty() => {
            let bytes = decode_base64(data).expect("data was checked to be Base64");
            Prompt::Wav(bytes.into())
        }
        (_, Some(Value::Integer(sound))) => Prompt::Sound(SoundId(*sound)),
        other => panic!("exactly one of data and sound was checked to be set, not {other:?}"),
    };
    world.set_prompt((group, input.string("file").to_owned()), Some(prompt));
    ApiResponse::ok(None)
}

/// `cards/files/delete`: the prompt is removed; one that was never set answers 404 with key
/// `file` (the page's 404 names "card group or file"). 204.
pub(crate) fn delete(
    world: &mut World,
    input: &Input,
    function: &Function,
    mutant: Option<Mutant>,
) -> Result<ApiResponse, ApiError> {
    let group = input.group.expect("cardgroup was checked to name a group");
    let key = (group, input.string("file").to_owned());
    if !world.prompts().contains_key(&key) {
        if mutant::is(mutant, Mutant::PromptDeleteAlways) {
            return Ok(ApiResponse::ok(None));
        }
        return Err(ApiError::missing(
            function,
            "file",
            crate::spec::Code::new(404).expect("404 is a code"),
        ));
    }
    world.set_prompt(key, None);
    Ok(ApiResponse::ok(None))
}
