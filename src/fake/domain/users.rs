//! `user/login`: the record of the user who called, and with `token=1` a token to call with
//! instead of the password (`fake::token`). "Fields of user." is not spelled out by the vendor;
//! here they are `id`, `username`, `customer` and `role`, never the password.

use serde_json::{Map, Value as Json, json};

use crate::fake::domain::Acting;
use crate::fake::input::Input;
use crate::fake::response::{ApiResponse, data};
use crate::fake::world::World;

/// 200 with the caller's fields, and `auth_token`, `auth_token_expiry` (seconds left) and
/// `auth_token_expires` (Unix time) when `token=1`; the last two are left out when tokens never
/// expire (`--token-expiry 0`), as the vendor's tokens page says of the last.
pub(crate) fn login(world: &World, input: &Input, how: &Acting) -> ApiResponse {
    let user = &world.users[&how.caller.username];
    let mut fields = Map::new();
    fields.insert("id".into(), json!(user.id));
    fields.insert("username".into(), json!(user.username));
    fields.insert("customer".into(), json!(user.customer));
    fields.insert("role".into(), json!(user.role));
    if input.integer("token") == 1 {
        let issued = how
            .tokens
            .issue(&user.username, how.clock.peek(), how.token_expiry);
        fields.insert("auth_token".into(), Json::String(issued.token));
        if let Some((seconds, expires)) = issued.expiry {
            fields.insert("auth_token_expiry".into(), json!(seconds));
            fields.insert("auth_token_expires".into(), json!(expires));
        }
    }
    ApiResponse::ok(Some(data(&Json::Object(fields))))
}
