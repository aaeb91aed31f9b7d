//! A target over HTTP or HTTPS: any implementation at the base URL a client would configure, this
//! fake included (whose control plane then resets it between cases, in a namespace of the run's
//! own). Before a run, a probe asks once whether an Enswitch JSON API answers there at all.

use std::time::Duration;

use crate::conformance::target::{Target, TargetError, TargetErrorKind, WireAnswer, WireRequest};
use crate::fake::API_PREFIX;
use crate::workbench::CONTROL_PREFIX;

/// Why `--ca-cert` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CertificateError {
    #[error("holds no PEM certificate")]
    None,
    #[error("{0}")]
    Pem(ureq::Error),
}

/// Any implementation, at the base URL a client would configure (`…/api/json/`).
pub struct Http {
    base: String,
    /// The base URL as given, which the probe asks and errors name: `base` may be a namespace
    /// of the run's own below it.
    given: String,
    agent: ureq::Agent,
    /// This fake's control plane (`…/_fake/`), to reset the target and move its clock; `None`
    /// for any other target.
    control: Option<String>,
    /// Sent as `Authorization: Bearer` on control-plane requests (`serve --admin-token`).
    admin_token: Option<String>,
    /// The namespace this run made for itself (see `in_own_world`), and the URL that drops it.
    own_world: Option<(String, String)>,
}

/// The function the probe asks for, without credentials: every Enswitch answers it with an
/// envelope (401), and a path that is not the API with something else.
const PROBE_FUNCTION: &str = "cards/groups/get/";

/// How long the probe waits: an unreachable target should fail a run in seconds, not minutes.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

impl Http {
    /// A target at `base`. `reset_through_control_plane` resets this fake before each case.
    /// `ca_pem`, if given, holds the certificates to trust for HTTPS instead of the public roots
    /// (a private CA, a self-signed test certificate).
    pub fn new(
        base: &str,
        reset_through_control_plane: bool,
        ca_pem: Option<&[u8]>,
    ) -> Result<Http, CertificateError> {
        let base = if base.ends_with('/') {
            base.to_owned()
        } else {
            format!("{base}/")
        };
        let control = reset_through_control_plane.then(|| {
            let root = base
                .strip_suffix(API_PREFIX)
                .unwrap_or_else(|| base.trim_end_matches('/'));
            format!("{root}{CONTROL_PREFIX}")
        });
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)));
        if let Some(pem) = ca_pem {
            let certificates = ureq::tls::parse_pem(pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
                    Ok(_) => None,
                    Err(e) => Some(Err(CertificateError::Pem(e))),
                })
                .collect::<Result<Vec<_>, CertificateError>>()?;
            if certificates.is_empty() {
                return Err(CertificateError::None);
            }
            let roots = ureq::tls::RootCerts::new_with_certs(&certificates);
            config = config.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build());
        }
        Ok(Http {
            given: base.clone(),
            base,
            agent: config.build().into(),
            control,
            admin_token: None,
            own_world: None,
        })
    }

    /// The same target, but in a namespace `name` of its own, when the target is this fake
    /// (reset through its control plane) and its URL names no namespace: the run resets that
    /// namespace between cases, never the default world someone else may be working in, and
    /// drops it at the end. Otherwise the target as it is.
    pub fn in_own_world(mut self, name: &str) -> Http {
        let Some(control) = self.control.clone() else {
            return self;
        };
        let Some(root) = self.base.strip_suffix(API_PREFIX).map(str::to_owned) else {
            return self;
        };
        if root.contains("/_ns/") {
            return self;
        }
        let dropped = format!("{control}ns/{name}");
        self.base = format!("{root}/_ns/{name}{API_PREFIX}");
        self.control = Some(format!("{root}/_ns/{name}{CONTROL_PREFIX}"));
        self.own_world = Some((name.to_owned(), dropped));
        self
    }

    /// Where `POST` resets the target; `None` when it is not reset.
    fn reset_url(&self) -> Option<String> {
        self.control.as_ref().map(|c| format!("{c}reset"))
    }

    /// `POST`s `body` to the control plane's `endpoint` (with the admin token, if any): the HTTP
    /// status answered; `None` for a target without this fake's control plane.
    fn post_control(
        &self,
        endpoint: &str,
        content_type: &str,
        body: &str,
    ) -> Option<Result<u16, TargetError>> {
        let url = format!("{}{endpoint}", self.control.as_ref()?);
        let mut post = self.agent.post(&url).content_type(content_type);
        if let Some(token) = &self.admin_token {
            post = post.header("Authorization", &format!("Bearer {token}"));
        }
        Some(
            post.send(body)
                .map(|response| response.status().as_u16())
                .map_err(|e| TargetError {
                    url,
                    kind: TargetErrorKind::Transport(e),
                }),
        )
    }

    /// `GET`s this fake's control-plane `endpoint` (`contract?read_only=1`) in world `namespace`
    /// (the default one without): the HTTP status and the body. `None` for a target made without
    /// a control plane.
    pub fn get_control(
        &self,
        namespace: Option<&str>,
        endpoint: &str,
    ) -> Option<Result<(u16, String), TargetError>> {
        let control = self.control.as_deref()?;
        let url = match namespace {
            None => format!("{control}{endpoint}"),
            Some(name) => {
                let root = control.strip_suffix(CONTROL_PREFIX).unwrap_or(control);
                format!("{root}/_ns/{name}{CONTROL_PREFIX}{endpoint}")
            }
        };
        let mut get = self.agent.get(&url);
        if let Some(token) = &self.admin_token {
            get = get.header("Authorization", &format!("Bearer {token}"));
        }
        let failed = |kind| TargetError {
            url: url.clone(),
            kind,
        };
        let answered = get.call().and_then(|mut response| {
            let status = response.status().as_u16();
            let body = response
                .body_mut()
                .with_config()
                .limit(256 * 1024 * 1024)
                .read_to_string()?;
            Ok((status, body))
        });
        Some(answered.map_err(|e| failed(TargetErrorKind::Transport(e))))
    }

    /// Sends `token` with every control-plane request (a fake started with `--admin-token`).
    pub fn with_admin_token(mut self, token: Option<String>) -> Http {
        self.admin_token = token;
        self
    }
}

impl Target for Http {
    fn send(&self, request: &WireRequest) -> Result<WireAnswer, TargetError> {
        let mut url = format!("{}{}", self.base, request.path);
        if !request.query.is_empty() {
            url.push('?');
            url.push_str(&request.query);
        }
        let sent = match &request.body {
            None => self.agent.get(&url).call(),
            Some(body) => self
                .agent
                .post(&url)
                .content_type("application/x-www-form-urlencoded")
                .send(body.as_str()),
        };
        // The query holds the credentials: errors name the URL without it.
        let failed = |kind| TargetError {
            url: format!("{}{}", self.base, request.path),
            kind,
        };
        let mut response = sent.map_err(|e| failed(TargetErrorKind::Transport(e)))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| failed(TargetErrorKind::Read(e)))?;
        Ok(WireAnswer { status, body })
    }

    fn reset(&self) -> Result<bool, TargetError> {
        match self.post_control("reset", "text/plain", "") {
            None => Ok(false),
            Some(Ok(200)) => Ok(true),
            Some(Ok(status)) => Err(TargetError {
                url: self.reset_url().unwrap_or_default(),
                kind: TargetErrorKind::ResetRefused(status),
            }),
            Some(Err(error)) => Err(error),
        }
    }

    fn advance_clock(&self, seconds: i64) -> Result<bool, TargetError> {
        let body = format!("{{\"advance\":{seconds}}}");
        match self.post_control("clock", "application/json", &body) {
            None => Ok(false),
            Some(Ok(200)) => Ok(true),
            // A fake on the wall clock: its clock cannot be moved.
            Some(Ok(409)) => Ok(false),
            Some(Ok(status)) => Err(TargetError {
                url: format!("{}clock", self.control.as_deref().unwrap_or_default()),
                kind: TargetErrorKind::ResetRefused(status),
            }),
            Some(Err(error)) => Err(error),
        }
    }

    fn own_world(&self) -> Option<&str> {
        self.own_world.as_ref().map(|(name, _)| name.as_str())
    }

    fn drop_own_world(&self) -> Result<(), TargetError> {
        let Some((_, url)) = &self.own_world else {
            return Ok(());
        };
        let mut delete = self.agent.delete(url);
        if let Some(token) = &self.admin_token {
            delete = delete.header("Authorization", &format!("Bearer {token}"));
        }
        match delete.call() {
            // 404: nothing was made there (the run stopped before asking the target anything).
            Ok(response) if response.status().is_success() || response.status() == 404 => Ok(()),
            Ok(response) => Err(TargetError {
                url: url.clone(),
                kind: TargetErrorKind::NotReset(format!(
                    "dropping the run's namespace answered HTTP {}",
                    response.status().as_u16()
                )),
            }),
            Err(e) => Err(TargetError {
                url: url.clone(),
                kind: TargetErrorKind::Transport(e),
            }),
        }
    }

    fn probe(&self) -> Result<(), TargetError> {
        // Asked in the run's own world, if it has one, so that the probe leaves nothing in
        // anyone else's journal; named as given.
        let url = format!("{}{PROBE_FUNCTION}", self.base);
        let failed = |kind| TargetError {
            url: format!("{}{PROBE_FUNCTION}", self.given),
            kind,
        };
        let mut response = self
            .agent
            .get(&url)
            .config()
            .timeout_global(Some(PROBE_TIMEOUT))
            .build()
            .call()
            .map_err(|e| failed(TargetErrorKind::Transport(e)))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .map_err(|e| failed(TargetErrorKind::Read(e)))?;
        // Any JSON object with a list of `responses` is the API: wrong types in it (a code
        // written as a number, a key missing) are defects for the run to report, case by case.
        let envelope = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .filter(|json| json["responses"].is_array())
            .map(|json| match &json["responses"][0]["code"] {
                serde_json::Value::String(code) => code.clone(),
                serde_json::Value::Number(code) => code.to_string(),
                _ => String::new(),
            });
        match envelope.as_deref() {
            Some("404") => Err(failed(TargetErrorKind::NotTheApi(format!(
                "it answers 404 for {PROBE_FUNCTION}: is the base URL the one a client \
                 configures, ending in {API_PREFIX}?"
            )))),
            Some(_) => Ok(()),
            None => Err(failed(TargetErrorKind::NotTheApi(format!(
                "HTTP {status} without an Enswitch envelope ({})",
                preview(&body)
            )))),
        }
    }
}

/// The start of an answer that is not ours to print whole, on one line.
fn preview(body: &str) -> String {
    let line: String = body
        .chars()
        .take(80)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.chars().count() > 80 {
        format!("{line}…")
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reset_url_sits_beside_the_api() {
        let http = Http::new("http://127.0.0.1:9/_ns/a/api/json/", true, None).unwrap();
        assert_eq!(
            http.reset_url().as_deref(),
            Some("http://127.0.0.1:9/_ns/a/_fake/reset")
        );
        assert_eq!(
            Http::new("http://h/api/json", false, None)
                .unwrap()
                .reset_url(),
            None
        );
    }

    /// Issue 28, item 10: a fake that is reset between cases is checked in a namespace of the
    /// run's own; a URL that names a namespace, or a target that is not reset, is left as given.
    #[test]
    fn a_fake_reset_between_cases_is_checked_in_a_world_of_its_own() {
        let fake = Http::new("http://127.0.0.1:9/api/json/", true, None)
            .unwrap()
            .in_own_world("check-1");
        assert_eq!(fake.base, "http://127.0.0.1:9/_ns/check-1/api/json/");
        assert_eq!(
            fake.reset_url().as_deref(),
            Some("http://127.0.0.1:9/_ns/check-1/_fake/reset")
        );
        assert_eq!(fake.own_world(), Some("check-1"));
        assert_eq!(
            fake.own_world.as_ref().map(|(_, url)| url.as_str()),
            Some("http://127.0.0.1:9/_fake/ns/check-1")
        );
        let named = Http::new("http://127.0.0.1:9/_ns/mine/api/json/", true, None)
            .unwrap()
            .in_own_world("check-1");
        assert_eq!(named.own_world(), None);
        let real = Http::new("https://switch/api/json/", false, None)
            .unwrap()
            .in_own_world("check-1");
        assert_eq!(real.own_world(), None);
        assert_eq!(real.base, "https://switch/api/json/");
    }

    #[test]
    fn a_ca_file_without_a_certificate_is_refused() {
        let refused = Http::new("https://h/api/json/", false, Some(b"nothing")).err();
        assert_eq!(
            refused.map(|e| e.to_string()).as_deref(),
            Some("holds no PEM certificate")
        );
    }
}
