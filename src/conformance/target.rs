//! Where cases are sent: the fake inside this process (no socket), or any base URL over HTTP or
//! HTTPS. A step becomes a request here, written in the step's form (GET or POST, `;` or `&`,
//! with or without the trailing slash); everything else in the runner is transport-free.

use crate::conformance::case::Form;
use crate::conformance::config::Credentials;
use crate::fake::{API_PREFIX, ApiRequest, Method};
use crate::workbench::Workbench;

/// A request as it goes on the wire: path relative to the base URL, query, and form body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireRequest {
    pub post: bool,
    /// `cards/groups/update/` (or without the slash).
    pub path: String,
    pub query: String,
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireAnswer {
    pub status: u16,
    pub body: String,
}

impl WireRequest {
    /// `params` (already substituted, not yet encoded) after the credentials, in `form`.
    pub fn new(
        function: &str,
        form: Form,
        who: &Credentials,
        params: &[(String, String)],
    ) -> WireRequest {
        let auth = [
            ("auth_username", who.username.as_str()),
            ("auth_password", who.password.as_str()),
        ];
        WireRequest::build(function, form, &auth, params)
    }

    /// The same, authenticated by `auth_token` instead of a username and password.
    pub fn with_token(
        function: &str,
        form: Form,
        token: &str,
        params: &[(String, String)],
    ) -> WireRequest {
        WireRequest::build(function, form, &[("auth_token", token)], params)
    }

    fn build(
        function: &str,
        form: Form,
        auth: &[(&str, &str)],
        params: &[(String, String)],
    ) -> WireRequest {
        let auth: Vec<String> = auth.iter().map(|(n, v)| pair(n, v)).collect();
        let rest: Vec<String> = params.iter().map(|(n, v)| pair(n, v)).collect();
        let all: Vec<String> = auth.iter().chain(&rest).cloned().collect();
        let slashed = format!("{function}/");
        let get = |separator: &str, path: String| WireRequest {
            post: false,
            path,
            query: all.join(separator),
            body: None,
        };
        match form {
            Form::GetSemicolon => get(";", slashed),
            Form::GetAmpersand => get("&", slashed),
            Form::GetNoSlash => get(";", function.to_owned()),
            Form::PostBody => WireRequest {
                post: true,
                path: slashed,
                query: String::new(),
                body: Some(all.join("&")),
            },
            Form::PostQuery => WireRequest {
                post: true,
                path: slashed,
                query: all.join(";"),
                body: Some(String::new()),
            },
            Form::PostBoth => WireRequest {
                post: true,
                path: slashed,
                query: auth.join(";"),
                body: Some(rest.join("&")),
            },
        }
    }

    /// How the request reads in a snapshot: without the credentials, which differ per target.
    pub fn describe(function: &str, form: Form, principal: &str, params: &[String]) -> String {
        format!(
            "{} {function} as {principal}: {}",
            form.as_str(),
            params.join(";")
        )
    }
}

fn pair(name: &str, value: &str) -> String {
    format!("{}={}", encode(name), encode(value))
}

/// Percent-encodes everything but unreserved characters, so `;`, `&`, `+` and `=` in a value
/// arrive as themselves.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Why a target could not be asked; the message names the URL, never its query (which carries
/// the credentials).
#[derive(Debug, thiserror::Error)]
#[error("{url}: {kind}")]
pub struct TargetError {
    pub url: String,
    pub kind: TargetErrorKind,
}

#[derive(Debug, thiserror::Error)]
pub enum TargetErrorKind {
    /// No answer: refused, unreachable, a TLS failure, a timeout.
    #[error("{0}")]
    Transport(ureq::Error),
    #[error("reading the answer: {0}")]
    Read(ureq::Error),
    #[error("the connection was closed without an answer")]
    Closed,
    #[error("{}", refused_reset(*.0))]
    ResetRefused(u16),
    #[error("could not be reset: {0}")]
    NotReset(String),
    /// The probe before a run found no Enswitch JSON API at the base URL.
    #[error("this is not an Enswitch JSON API: {0}")]
    NotTheApi(String),
}

/// What a refused `POST /_fake/reset` most likely means.
fn refused_reset(status: u16) -> String {
    match status {
        401 => "answered HTTP 401: the fake's control plane needs its token; give `check \
                --admin-token TOKEN` (or ENSWITCH_FAKE_ADMIN_TOKEN)"
            .into(),
        404 => "answered HTTP 404: no control plane here (a fake started with --no-admin, or \
                not this fake); set `reset: none` in the config"
            .into(),
        status => format!(
            "answered HTTP {status}; is the target this fake? (set `reset: none` in the config \
             otherwise)"
        ),
    }
}

pub trait Target {
    fn send(&self, request: &WireRequest) -> Result<WireAnswer, TargetError>;
    /// Back to a known state before a case; `Ok(false)` when the target cannot be reset.
    fn reset(&self) -> Result<bool, TargetError>;
    /// Moves the target's clock on by `seconds` (this fake's `POST /_fake/clock`), so that a
    /// case can see a token expire; `Ok(false)` when the target's clock cannot be moved.
    fn advance_clock(&self, _seconds: i64) -> Result<bool, TargetError> {
        Ok(false)
    }
    /// Asks once, before a run, whether an Enswitch JSON API answers at all, so that a wrong
    /// or unreachable target is one clear error rather than a run of broken cases.
    fn probe(&self) -> Result<(), TargetError> {
        Ok(())
    }
    /// The namespace the run made on the target for its own world, if it made one (a fake
    /// that is reset between cases, whose default world is someone else's).
    fn own_world(&self) -> Option<&str> {
        None
    }
    /// Drops the world the run made, if it made one.
    fn drop_own_world(&self) -> Result<(), TargetError> {
        Ok(())
    }
}

/// The fake's workbench, in this process.
#[derive(Debug)]
pub struct InProcess {
    pub workbench: Workbench,
}

impl Target for InProcess {
    fn send(&self, request: &WireRequest) -> Result<WireAnswer, TargetError> {
        let reply = self.workbench.serve(ApiRequest {
            method: if request.post {
                Method::Post
            } else {
                Method::Get
            },
            path: format!("{API_PREFIX}{}", request.path),
            query: request.query.clone(),
            content_type: request
                .body
                .as_ref()
                .map(|_| "application/x-www-form-urlencoded".into()),
            admin_token: None,
            accept: None,
            body: request.body.clone().unwrap_or_default().into_bytes(),
        });
        // A delay fault would only slow the run down: in-process, the answer is taken at once.
        let Some(answer) = reply.answer() else {
            return Err(TargetError {
                url: format!("in-process {API_PREFIX}{}", request.path),
                kind: TargetErrorKind::Closed,
            });
        };
        Ok(WireAnswer {
            status: answer.status,
            body: String::from_utf8_lossy(&answer.body).into_owned(),
        })
    }

    fn reset(&self) -> Result<bool, TargetError> {
        self.workbench.reset().map_err(|unsaved| TargetError {
            url: "the fake in this process".into(),
            kind: TargetErrorKind::NotReset(unsaved.to_string()),
        })?;
        Ok(true)
    }

    fn advance_clock(&self, seconds: i64) -> Result<bool, TargetError> {
        Ok(self.workbench.advance_clock(seconds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who() -> Credentials {
        Credentials {
            username: "user".into(),
            password: "p;w&d".into(),
        }
    }

    #[test]
    fn each_form_writes_the_request_its_own_way() {
        let params = [("name".to_owned(), "a b+c".to_owned())];
        let get = WireRequest::new("cards/x", Form::GetSemicolon, &who(), &params);
        assert_eq!(
            (get.path.as_str(), get.query.as_str()),
            (
                "cards/x/",
                "auth_username=user;auth_password=p%3Bw%26d;name=a%20b%2Bc"
            )
        );
        assert_eq!(
            WireRequest::new("cards/x", Form::GetAmpersand, &who(), &params)
                .query
                .matches('&')
                .count(),
            2
        );
        assert_eq!(
            WireRequest::new("cards/x", Form::GetNoSlash, &who(), &params).path,
            "cards/x"
        );
        let both = WireRequest::new("cards/x", Form::PostBoth, &who(), &params);
        assert_eq!(both.query, "auth_username=user;auth_password=p%3Bw%26d");
        assert_eq!(both.body.as_deref(), Some("name=a%20b%2Bc"));
    }
}
