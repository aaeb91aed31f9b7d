//! `ApiError`: every way an Enswitch call can fail, with its code, key and message. All wire
//! wording lives here: 401/402/403 repeat the vendor's descriptions, 404 takes the function's
//! own 404 description from the spec, and 400s are sentences of the fake's own (D6), built from
//! the rule that failed.

use crate::fake::redact::redact;
use crate::spec::value::TypeError;
use crate::spec::{Code, Function};

/// An answer other than success: one element of `responses`, never with `data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: Code,
    /// The offending parameter for 400, 404 and 500 (D6); empty for 401, 402 and 403.
    pub key: String,
    pub message: String,
}

fn code(code: u16) -> Code {
    Code::new(code).expect("error codes are codes the API uses")
}

impl ApiError {
    fn new(c: u16, key: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            code: code(c),
            key: key.to_owned(),
            message: message.into(),
        }
    }

    /// 401: unknown user or wrong password; the two are not told apart.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(401, "", "The authentication details provided are invalid.")
    }

    /// 402: the user's role lacks the privilege, or only reads and the function writes.
    pub fn role() -> ApiError {
        ApiError::new(402, "", "Your role does not allow this.")
    }

    /// 403: the rate plan of the user's customer lacks the privilege (D13).
    pub fn rate_plan() -> ApiError {
        ApiError::new(403, "", "Your rate plan does not allow this.")
    }

    pub fn required(name: &str) -> ApiError {
        ApiError::new(400, name, format!("{name} is required."))
    }

    pub fn bad_type(name: &str, error: &TypeError) -> ApiError {
        ApiError::new(400, name, format!("{name} {error}."))
    }

    /// A typed value that breaks an allowed set, a range or a format.
    pub fn invalid(name: &str, why: impl std::fmt::Display) -> ApiError {
        ApiError::new(400, name, format!("{name} {why}."))
    }

    /// A parameter naming an object that does not exist or that the caller may not see. The
    /// message is the function's own description of that code (404's names the object).
    pub fn missing(function: &Function, name: &str, missing: Code) -> ApiError {
        let message = function
            .responses
            .iter()
            .find(|r| r.code == missing)
            .map_or_else(
                || format!("{name} does not exist."),
                |r| r.description.clone(),
            );
        ApiError {
            code: missing,
            key: name.to_owned(),
            message,
        }
    }

    /// Strict client mode's 400 for a call with a diagnostic: its parameter and sentence.
    pub fn diagnosed(diagnostic: &crate::fake::Diagnostic) -> ApiError {
        let message = format!("Strict client mode: {}", diagnostic.message);
        ApiError::new(400, &diagnostic.param, message)
    }

    /// 400 for several parameters together (a constraint); `key` is the constraint's key.
    pub fn constraint(key: &str, sentence: impl Into<String>) -> ApiError {
        ApiError::new(400, key, sentence)
    }

    /// 500 when the number space of a card length cannot hold the cards asked for (D10).
    pub fn numbers_exhausted(length: i64) -> ApiError {
        ApiError::new(
            500,
            "number",
            format!("Not enough unused card numbers of length {length} are left."),
        )
    }

    /// 500 when a change could not be kept (the state file could not be written): it was undone,
    /// so nothing changed. Why is for the operator (`/_fake/health`, the log), not the client.
    pub fn unsaved() -> ApiError {
        ApiError::new(
            500,
            "state",
            "The state could not be saved, so nothing was changed; try again.",
        )
    }

    /// 500 when the fake itself failed: a bug of enswitch-fake's, never an Enswitch answer.
    pub fn panicked(function: &Function) -> ApiError {
        let message = format!(
            "The fake failed while answering {}; please report it.",
            function.path
        );
        ApiError::new(500, "", message)
    }

    /// The envelope an injected fault asks for; its code was checked when the rule was added.
    pub fn injected(code: &str, key: &str, message: &str) -> ApiError {
        let code = code
            .parse()
            .ok()
            .and_then(Code::new)
            .unwrap_or(self::code(500));
        ApiError {
            code,
            key: key.to_owned(),
            message: message.to_owned(),
        }
    }

    /// 404 for a path that is not `/api/json/<function>/` at all. The path is shown as sent, but
    /// for a secret a proxy wrote into it (`…%3Fauth_password%3D…`): no answer carries one.
    pub fn outside_the_api(path: &str) -> ApiError {
        let prefix = crate::fake::API_PREFIX;
        let path = redact(path);
        ApiError::new(
            404,
            "",
            format!("There is no function at {path}: the API is {prefix}<function>/."),
        )
    }

    /// 404 for a path that names no function of the spec (a secret in it redacted).
    pub fn unknown_function(path: &str) -> ApiError {
        let path = redact(path);
        ApiError::new(404, "", format!("There is no function {path}."))
    }

    /// 500 for a function the spec has but the fake does not act on.
    pub fn not_implemented(path: &str) -> ApiError {
        let path = redact(path);
        ApiError::new(500, "", format!("The fake does not implement {path}."))
    }

    /// A request the API cannot even read (wrong body type, bad method): 400 in the envelope.
    pub fn unreadable(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "", message)
    }
}
