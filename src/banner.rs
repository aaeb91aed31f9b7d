//! What `serve` says once it listens, after the `listening on …` line (which stays first, for
//! the scripts that wait for it): what is served, to whom, from what state, with which faults,
//! who may use the control plane, where the dashboard is, and, loudly, a mutant.

use std::collections::BTreeMap;
use std::io::Write;

use enswitch_fake::fake::{API_PREFIX, ClientRules};
use enswitch_fake::workbench::{ControlMode, DASHBOARD_PATH, FaultRule, ServerInfo};

use crate::cli::LogFormat;

/// Which passwords the seed's users log in with: the embedded seed's are the project's
/// documented ones (the vendor's examples use `user` and `password`); a seed file's are its
/// owner's, and are not printed.
pub fn logins(seed_file: Option<&std::path::Path>) -> String {
    match seed_file {
        None => "user / password (the vendor's examples); every other user <username>-password \
                 (docs/answers.md)"
            .to_owned(),
        Some(file) => format!("the passwords in {}", file.display()),
    }
}

/// Where the server answers: its base URL, and the made CA's certificate file if it has one.
pub struct Endpoint<'a> {
    /// `http://ADDR` or `https://ADDR`.
    pub base: String,
    pub ca_file: Option<&'a std::path::Path>,
}

/// Writes the banner for a server at `endpoint`.
pub fn write(
    out: &mut impl Write,
    endpoint: &Endpoint<'_>,
    facts: &ServerInfo,
    logins: &str,
    log: LogFormat,
    colour: bool,
) -> std::io::Result<()> {
    let base = &endpoint.base;
    writeln!(
        out,
        "enswitch-fake {}: a fake Enswitch for development and tests",
        facts.version
    )?;
    row(
        out,
        "api",
        &format!(
            "{base}{API_PREFIX}  ({} functions: {})",
            facts.functions.len(),
            facts.functions.join(", ")
        ),
    )?;
    let mut first = true;
    for line in users(facts) {
        row(out, if first { "users" } else { "" }, &line)?;
        first = false;
    }
    if !facts.users.is_empty() {
        row(out, "logins", logins)?;
    }
    let state = match &facts.state {
        None => "in memory only; --state FILE keeps it across restarts".to_owned(),
        Some(state) => format!(
            "{}: {} world(s), {} card group(s), {} batch(es), {} card(s)",
            state.file, state.worlds, state.card_groups, state.batches, state.cards
        ),
    };
    row(out, "state", &state)?;
    if let Some(file) = endpoint.ca_file {
        let names = enswitch_fake::server::LOCAL_NAMES.join(", ");
        row(
            out,
            "https",
            &format!(
                "a CA made at start signed the certificate for {names}; trust {}",
                file.display()
            ),
        )?;
        row(
            out,
            "",
            &format!("(curl --cacert {} {base}/_fake/health)", file.display()),
        )?;
    } else if base.starts_with("https:") {
        row(out, "https", "the certificate of --tls-cert and its key")?;
    }
    let lifetime = match facts.token_expiry {
        Some(seconds) => format!("live {seconds} s"),
        None => "never expire".to_owned(),
    };
    let key = if facts.token_key_given {
        "signed with --token-key"
    } else {
        "signed with a key of this run's"
    };
    row(
        out,
        "tokens",
        &format!("user/login with token=1; they {lifetime} (--token-expiry), {key}"),
    )?;
    let clients = match facts.client {
        ClientRules::Lenient => {
            "mistakes Enswitch passes over are told in the log, not answered (--strict-client)"
        }
        ClientRules::Strict => {
            "strict (--strict-client): a call with a diagnostic is a 400, unlike Enswitch"
        }
    };
    row(out, "clients", clients)?;
    if facts.faults.is_empty() {
        row(out, "faults", "none")?;
    }
    for (i, rule) in facts.faults.iter().enumerate() {
        row(out, if i == 0 { "faults" } else { "" }, &fault(rule))?;
    }
    let (control, dashboard) = match facts.control {
        ControlMode::Open => (
            "/_fake/ open to anyone who reaches the port",
            Some(format!("{base}{DASHBOARD_PATH}")),
        ),
        ControlMode::Token => (
            "/_fake/ needs Authorization: Bearer <--admin-token>",
            Some(format!("{base}{DASHBOARD_PATH}  (asks for the token)")),
        ),
        ControlMode::Off => ("/_fake/ switched off (--no-admin)", None),
    };
    row(out, "control", control)?;
    if let Some(dashboard) = dashboard {
        row(out, "dashboard", &dashboard)?;
    }
    let log = match log {
        LogFormat::Human => "one line per API call below (--log-format json|off)",
        LogFormat::Json => "one JSON object per API call below",
        LogFormat::Off => "off (--log-format human|json)",
    };
    row(out, "log", log)?;
    if let Some(mutant) = facts.mutant {
        let (on, off) = if colour {
            ("\x1b[1;97;41m", "\x1b[0m")
        } else {
            ("", "")
        };
        writeln!(
            out,
            "{on}!!! MUTANT ACTIVE: {}: {}{off}",
            mutant.name(),
            mutant.describe()
        )?;
        writeln!(
            out,
            "{on}!!! This fake is wrong on purpose: do not trust its answers.{off}"
        )?;
    }
    out.flush()
}

/// The banner as one JSON object on one line, the first `--log-format json` prints: `"event":
/// "listening"`, `"url"` (what a script waits for), and the same facts as the banner's rows.
pub fn write_json(
    out: &mut impl Write,
    endpoint: &Endpoint<'_>,
    facts: &ServerInfo,
    logins: &str,
) -> std::io::Result<()> {
    let base = &endpoint.base;
    let users: Vec<_> = facts
        .users
        .iter()
        .map(|u| {
            serde_json::json!({
                "username": u.username, "role": u.role, "customer": u.customer,
                "customer_name": u.customer_name, "kind": u.kind,
            })
        })
        .collect();
    let state = facts.state.as_ref().map(|s| {
        serde_json::json!({
            "file": s.file, "worlds": s.worlds, "card_groups": s.card_groups,
            "batches": s.batches, "cards": s.cards,
        })
    });
    let (control, dashboard) = match facts.control {
        ControlMode::Open => ("open", Some(format!("{base}{DASHBOARD_PATH}"))),
        ControlMode::Token => ("token", Some(format!("{base}{DASHBOARD_PATH}"))),
        ControlMode::Off => ("off", None),
    };
    let line = serde_json::json!({
        "timestamp": crate::logging::timestamp_now(),
        "level": "INFO",
        "target": "enswitch_fake::serve",
        "event": "listening",
        "url": base,
        "api": format!("{base}{API_PREFIX}"),
        "ca_file": endpoint.ca_file.map(|f| f.display().to_string()),
        "version": facts.version,
        "functions": facts.functions,
        "users": users,
        "logins": logins,
        "state": state,
        "token_expiry": facts.token_expiry,
        "strict_client": facts.client.is_strict(),
        "faults": facts.faults.iter().map(fault).collect::<Vec<_>>(),
        "control": control,
        "dashboard": dashboard,
        "mutant": facts.mutant.map(|m| serde_json::json!({"name": m.name(), "describe": m.describe()})),
    });
    writeln!(out, "{line}")?;
    out.flush()
}

fn row(out: &mut impl Write, name: &str, text: &str) -> std::io::Result<()> {
    writeln!(out, "  {name:<10} {text}")
}

/// The seed's users, a line per customer: its place in the tree, and each user's role.
fn users(facts: &ServerInfo) -> Vec<String> {
    let mut by_customer: BTreeMap<(i64, &str, &str), Vec<String>> = BTreeMap::new();
    for user in &facts.users {
        by_customer
            .entry((user.customer, user.kind, user.customer_name.as_str()))
            .or_default()
            .push(format!("{} ({})", user.username, user.role));
    }
    if by_customer.is_empty() {
        return vec!["none: the seed has no user, so every call is answered 401".to_owned()];
    }
    by_customer
        .into_iter()
        .map(|((id, kind, name), users)| format!("{kind} {id} {name}: {}", users.join(", ")))
        .collect()
}

fn fault(rule: &FaultRule) -> String {
    let spec = &rule.spec;
    let mut text = format!("{} {}: {}", rule.id, spec.function, spec.action);
    if let Some(namespace) = &spec.namespace {
        text.push_str(&format!(", in {namespace}"));
    }
    if let Some(times) = spec.times {
        text.push_str(&format!(", {times} time(s)"));
    }
    if let Some(p) = spec.probability {
        text.push_str(&format!(", probability {p}"));
    }
    text
}
