//! Who is calling and whether they may: 401 (unknown user or wrong password, or a token that is
//! altered, expired or not this fake's), 402 (the role
//! lacks the function's privilege, or only reads and the function writes), 403 (the rate plan of
//! the user's customer lacks the privilege, only on functions that list 403, D13). In this order,
//! before any parameter is looked at (D5).

use crate::fake::error::ApiError;
use crate::fake::mutant::Mutant;
use crate::fake::params::RawParams;
use crate::fake::token::Tokens;
use crate::fake::world::{CustomerId, Level, World};
use crate::spec::{Access, Code, Function};

/// The authenticated user making a call, as far as the checks after authentication need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub username: String,
    pub customer: CustomerId,
}

/// 401 unless `auth_token` is a token of this fake's, unaltered and unexpired at `now`, for a
/// user the world has; or, without `auth_token`, unless `auth_username` names a user whose
/// password is `auth_password`. A token given wins over a username and password given beside
/// it (inferred: the vendor says "instead of").
pub(super) fn authenticate(
    world: &World,
    raw: &RawParams,
    tokens: &Tokens,
    now: i64,
    mutant: Option<Mutant>,
) -> Result<Caller, ApiError> {
    // One pass over what was sent, the first of each name winning (D3).
    let (mut username, mut password, mut token) = (None, None, None);
    for (name, value) in raw.pairs() {
        let slot = match name {
            "auth_username" => &mut username,
            "auth_password" => &mut password,
            "auth_token" => &mut token,
            _ => continue,
        };
        slot.get_or_insert(value);
    }
    let user = match token.filter(|t| !t.is_empty()) {
        Some(token) => tokens
            .verify(token, now, mutant)
            .and_then(|username| world.users.get(&username)),
        None => world
            .users
            .get(username.unwrap_or_default())
            .filter(|user| {
                let password = password.unwrap_or_default();
                same_secret(user.password.as_bytes(), password.as_bytes())
            }),
    };
    match user {
        Some(user) => Ok(Caller {
            username: user.username.clone(),
            customer: user.customer,
        }),
        None => Err(ApiError::unauthenticated()),
    }
}

/// 402 or 403 when the caller may not call `function` at all.
pub(super) fn authorize(
    world: &World,
    caller: &Caller,
    function: &Function,
) -> Result<(), ApiError> {
    let user = &world.users[&caller.username];
    let level = world.roles[&user.role]
        .privileges
        .get(&function.privilege)
        .copied()
        .unwrap_or(Level::None);
    let allowed = match (level, function.access.value) {
        (Level::Full, _) | (Level::Read, Access::Read) => true,
        (Level::Read, Access::Write) | (Level::None, _) => false,
    };
    if !allowed {
        return Err(ApiError::role());
    }
    let lists_403 = Code::new(403).is_some_and(|c| function.has_code(c));
    if lists_403 {
        let plan = world.customers[&caller.customer].rate_plan;
        if !world.rate_plans[&plan]
            .privileges
            .contains(&function.privilege)
        {
            return Err(ApiError::rate_plan());
        }
    }
    Ok(())
}

/// Compares two secrets in time that depends on their lengths only, not on where they differ,
/// so a client cannot find a password one byte at a time by timing answers.
pub(crate) fn same_secret(expected: &[u8], given: &[u8]) -> bool {
    let mut difference = u8::from(expected.len() != given.len());
    for i in 0..expected.len().max(given.len()) {
        let a = expected.get(i).copied().unwrap_or(0);
        let b = given.get(i).copied().unwrap_or(0);
        difference |= a ^ b;
    }
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(same_secret(b"password", b"password"));
        assert!(!same_secret(b"password", b"passwore"));
        assert!(!same_secret(b"password", b"password1"));
        assert!(!same_secret(b"password", b""));
        assert!(same_secret(b"", b""));
    }
}
