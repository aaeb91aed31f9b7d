//! The passwords and tokens a run sends, kept out of everything it writes. A target may echo a
//! request in an error page or a message (whole, cut short, or encoded again), and a transport
//! error may quote what it was sending; whatever the runner or the recorder reports, snapshots or
//! prints goes through [`Secrets::scrub`] first. Two nets: the value after any spelling of
//! `auth_password` or `auth_token` (`fake::redact`), which catches an echo however cut or
//! encoded; and each secret itself, in every form it takes on the way (as typed, percent-encoded
//! as the runner or a form sends it, escaped inside a JSON string), which catches one echoed
//! without its name.

use crate::conformance::config::TargetConfig;
use crate::conformance::snapshot::Recorded;
use crate::conformance::target::encode;

/// What a secret becomes.
pub(crate) const REDACTED: &str = crate::fake::REDACTED;

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
        // As a form writes it (a space as `+`), and with lowercase hex digits.
        let escaped = |space: Option<&str>, upper: bool| -> String {
            secret
                .bytes()
                .map(|b| match (b, space) {
                    (b' ', Some(space)) => space.to_owned(),
                    (b, _) if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) => {
                        char::from(b).to_string()
                    }
                    (b, _) if upper => format!("%{b:02X}"),
                    (b, _) => format!("%{b:02x}"),
                })
                .collect()
        };
        let forms = [
            secret.to_owned(),
            encode(secret),
            json,
            escaped(Some("+"), true),
            escaped(None, false),
        ];
        for form in forms {
            if !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    }

    /// `text` with every secret replaced by `[redacted]`: what follows a secret's name, and each
    /// secret the run knows.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut text = crate::fake::redact(text).into_owned();
        for form in &self.forms {
            if text.contains(form.as_str()) {
                text = text.replace(form.as_str(), REDACTED);
            }
        }
        text
    }

    /// A recorded step with no secret left in any of its texts.
    pub(crate) fn scrub_recorded(&self, recorded: &mut Recorded) {
        for field in [
            &mut recorded.code,
            &mut recorded.key,
            &mut recorded.message,
            &mut recorded.request,
        ] {
            *field = self.scrub(field);
        }
        if let Some(data) = &mut recorded.data {
            crate::fake::redact_json(data);
            self.scrub_json(data);
        }
    }

    fn scrub_json(&self, value: &mut serde_json::Value) {
        if self.forms.is_empty() {
            return;
        }
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
        let echoed = "GET /x?auth_password=p%3Bw%22d%201\n{\"m\":\"p;w\\\"d 1\"} p;w\"d 1";
        let scrubbed = secrets.scrub(echoed);
        assert_eq!(
            scrubbed,
            "GET /x?auth_password=[redacted]\n{\"m\":\"[redacted]\"} [redacted]"
        );
    }

    /// Issue 28, item 5: a password a form wrote with `+` for its space, and one echoed cut
    /// short after its name, are gone too.
    #[test]
    fn a_form_encoded_or_cut_echo_is_scrubbed() {
        let mut secrets = Secrets::default();
        secrets.add("Pa<ss>&\"1 x;y");
        assert_eq!(
            secrets.scrub("echo: Pa%3Css%3E%26%221+x%3By; Pa%3css%3e%26%221%20x%3by"),
            "echo: [redacted]; [redacted]"
        );
        assert_eq!(
            secrets.scrub("<pre>GET /?auth_username=u;auth_password=Pa<ss>&\"</pre>\nnext"),
            "<pre>GET /?auth_username=u;auth_password=[redacted]\nnext"
        );
    }

    #[test]
    fn no_secret_changes_nothing() {
        let secrets = Secrets::default();
        assert_eq!(secrets.scrub("password"), "password");
    }
}
