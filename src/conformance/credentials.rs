//! Each principal's credentials, tried once before a run (`check`, `learn`, `record`), so that a
//! wrong password in the config is one clear error naming the user, not a run of 401s passed
//! off as the target's fault. The try is `cards/groups/get` with nothing but the credentials:
//! authentication is checked first (D5), so any answer but 401 says they were taken (a user
//! without the cards privilege gets 402, one without a plan 403, the rest 400 for the missing
//! id), and nothing changes.

use crate::conformance::case::Form;
use crate::conformance::config::{Principal, TargetConfig};
use crate::conformance::secrets::Secrets;
use crate::conformance::target::{Target, TargetError, WireRequest};

/// The function the credentials are tried on.
const TRIED_ON: &str = "cards/groups/get";

/// Why a run cannot start with the config's credentials.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "the target refused the credentials of principal {principal} (user {username:?}): it \
         answered 401 to {TRIED_ON}{message}; correct that user's password in the config"
    )]
    Refused {
        principal: &'static str,
        username: String,
        /// What the target said, if anything, with no secret in it.
        message: String,
    },
    #[error("trying the credentials of principal {principal}: {error}")]
    Unanswered {
        principal: &'static str,
        error: String,
    },
}

/// Tries every principal of `config` on `target`: the first refused, or not answered, is the
/// error. An answer that is not an envelope is not a refusal: the run will report it.
pub fn check_credentials(
    target: &dyn Target,
    config: &TargetConfig,
) -> Result<(), CredentialsError> {
    let secrets = Secrets::of(config);
    for (principal, credentials) in &config.principals {
        if *principal == Principal::Nobody {
            continue;
        }
        let principal = principal.as_str();
        let wire = WireRequest::new(TRIED_ON, Form::GetSemicolon, credentials, &[]);
        let answer =
            target
                .send(&wire)
                .map_err(|error: TargetError| CredentialsError::Unanswered {
                    principal,
                    error: secrets.scrub(&error.to_string()),
                })?;
        let Ok(envelope) = serde_json::from_str::<serde_json::Value>(&answer.body) else {
            continue;
        };
        let item = &envelope["responses"][0];
        // A code written as a number is still a refusal (and a defect the run will report).
        let refused = match &item["code"] {
            serde_json::Value::String(code) => code == "401",
            serde_json::Value::Number(code) => code.as_u64() == Some(401),
            _ => false,
        };
        if refused {
            let message = item["message"]
                .as_str()
                .filter(|m| !m.is_empty())
                .map(|m| format!(" ({})", secrets.scrub(m)))
                .unwrap_or_default();
            return Err(CredentialsError::Refused {
                principal,
                username: secrets.scrub(&credentials.username),
                message,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::config::Credentials;
    use crate::conformance::target::InProcess;
    use crate::workbench::Workbench;

    #[test]
    fn the_seeds_principals_are_taken_and_a_wrong_password_is_named() {
        let fake = InProcess {
            workbench: Workbench::embedded().unwrap(),
        };
        let mut config = TargetConfig::fake_seed();
        assert!(check_credentials(&fake, &config).is_ok());
        config.principals.insert(
            Principal::ReadOnly,
            Credentials {
                username: "reader".into(),
                password: "wrong-s3cret".into(),
            },
        );
        let refused = check_credentials(&fake, &config).unwrap_err().to_string();
        assert!(refused.contains("read_only"), "{refused}");
        assert!(refused.contains("\"reader\""), "{refused}");
        assert!(!refused.contains("s3cret"), "{refused}");
    }
}
