//! The passwords a run sends, kept out of everything it writes. A target may echo a request in
//! an error page or a message, and a transport error may quote what it was sending; whatever the
//! runner or the recorder reports, snapshots or prints goes through [`Secrets::scrub`] first, in
//! every form a password can take on the way: as typed, percent-encoded as the runner sends it,
//! and escaped inside a JSON string.

use crate::conformance::config::TargetConfig;
use crate::conformance::snapshot::Recorded;
use crate::conformance::target::encode;

/// What a secret becomes.
pub(crate) const REDACTED: &str = "[redacted]";

#[derive(Debug, Clone, Default)]
pub(crate) struct Secrets {
    /// Every form of every secret, longest first, so a secret inside another is not left half.
    forms: Vec<String>,
}

impl Secrets {
    /// The passwords of the config's principals (and the wrong one `Nobody` sends).
    pub(crate) fn of(config: &TargetConfig) -> Secrets {
        let mut secrets = Secrets::default();
        for credentials in config.principals.values() {
            secrets.add(&credentials.password);
        }
        if let Some(nobody) = config.credentials(crate::conformance::config::Principal::Nobody) {
            secrets.add(&nobody.password);
        }
        secrets
    }

    /// Keeps `secret` out of everything written from now on.
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let json = serde_json::to_string(secret).expect("strings serialize");
        let json = json[1..json.len() - 1].to_owned();
        for form in [secret.to_owned(), encode(secret), json] {
            if !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// `text` with every secret replaced by `[redacted]`.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for form in &self.forms {
            if text.contains(form.as_str()) {
                text = text.replace(form.as_str(), REDACTED);
            }
        }
        text
    }

    /// A recorded step with no secret left in any of its texts.
    pub(crate) fn scrub_recorded(&self, recorded: &mut Recorded) {
        if self.forms.is_empty() {
            return;
        }
        for field in [
            &mut recorded.code,
            &mut recorded.key,
            &mut recorded.message,
            &mut recorded.request,
        ] {
            *field = self.scrub(field);
        }
        if let Some(data) = &mut recorded.data {
            self.scrub_json(data);
        }
    }

    fn scrub_json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(text) => *text = self.scrub(text),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            serde_json::Value::Object(fields) => {
                fields.values_mut().for_each(|v| self.scrub_json(v));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_a_password_is_scrubbed() {
        let mut secrets = Secrets::default();
        secrets.add("p;w\"d 1");
        let echoed = "GET /x?auth_password=p%3Bw%22d%201 {\"m\":\"p;w\\\"d 1\"} p;w\"d 1";
        let scrubbed = secrets.scrub(echoed);
        assert_eq!(
            scrubbed,
            "GET /x?auth_password=[redacted] {\"m\":\"[redacted]\"} [redacted]"
        );
    }

    #[test]
    fn no_secret_changes_nothing() {
        let secrets = Secrets::default();
        assert_eq!(secrets.scrub("password"), "password");
    }
}
