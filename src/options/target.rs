//! The options of the commands that ask a target: `check` (and `--mutants`), `learn` and
//! `record`: the target's URL checked and its certificates trusted, the config and fixtures
//! found, the reports opened.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use enswitch_fake::conformance::{
    self, AuthMode, Fixtures, Http, InProcess, Options, Recorder, ReportContext, ReportFormat,
    Reset, Target, TargetConfig, UpdateMode,
};
use enswitch_fake::fake;
use enswitch_fake::workbench::{Config, Workbench};

use super::{Check, Contract, Hunt, Learn, Record, seed, spec};
use crate::cli::{AuthArg, CheckArgs, ContractArgs, LearnArgs, RecordArgs, ReportArg, UpdateArg};
use crate::report_file::ReportFile;

pub(super) fn check(args: CheckArgs) -> anyhow::Result<Check> {
    let CheckArgs {
        target,
        in_process,
        ca_cert,
        config,
        source,
        fixtures,
        strict,
        update,
        format,
        output,
        filter,
        read_only,
        auth,
        allow_empty,
        admin_token,
        mutant,
        // `resolve` sent `--mutants` to `hunt`.
        mutants: _,
        coverage,
        min_coverage,
    } = args;
    let spec = spec(&source)?;
    let mut target_label = match (&target, mutant) {
        (Some(url), _) => without_credentials(url),
        (None, None) => "the fake in this process".to_owned(),
        (None, Some(mutant)) => format!("the fake in this process, with mutant {}", mutant.name()),
    };
    let report_spec = spec.clone();
    let credentials_from = credentials_from(config.as_deref());
    let config = target_config(config.as_deref())?;
    let fixtures = fixtures_at(fixtures)?;
    let (cases, rules) = fixtures.suite(&spec).context("the fixtures have errors")?;
    let reset_first = config.reset == Reset::ControlPlane;
    let target: Box<dyn Target> = match target {
        Some(url) => {
            // A fake reset between cases is checked in a world of the run's own.
            let http = http("--target", &url, reset_first, ca_cert.as_deref())?
                .with_admin_token(admin_token)
                .in_own_world(&own_world_name());
            if let Some(name) = http.own_world() {
                target_label.push_str(&format!(
                    " (in namespace {name}, made for this run and dropped after it: the \
                     default world is left as it was)"
                ));
            }
            Box::new(http)
        }
        None => {
            debug_assert!(in_process, "clap requires --target or --in-process");
            let seed = seed(&spec, None, fake::DEFAULT_RNG_SEED)?;
            let config = Config {
                fake: fake::Settings {
                    mutant,
                    ..fake::Settings::default()
                },
                ..Config::default()
            };
            Box::new(InProcess {
                workbench: Workbench::new(spec, seed, config),
            })
        }
    };
    let update = match update {
        Some(UpdateArg::No) => UpdateMode::No,
        Some(UpdateArg::New) => UpdateMode::New,
        Some(UpdateArg::Always) => UpdateMode::Always,
        // CI must never write snapshots it was not asked to.
        None if std::env::var_os("CI").is_some() => UpdateMode::No,
        None => UpdateMode::New,
    };
    let format = match format {
        ReportArg::Human => ReportFormat::Human,
        ReportArg::Json => ReportFormat::Json,
        ReportArg::Junit => ReportFormat::Junit,
        ReportArg::Html => ReportFormat::Html,
    };
    let (out, output): (Box<dyn Write>, _) = match &output {
        Some(path) => {
            let (pending, file) =
                ReportFile::create(path).with_context(|| format!("--output {}", path.display()))?;
            (Box::new(std::io::BufWriter::new(file)), Some(pending))
        }
        None => (Box::new(std::io::stdout()), None),
    };
    let progress =
        format == ReportFormat::Human && std::io::IsTerminal::is_terminal(&std::io::stderr());
    // Made now, so that a path that cannot be written fails before the run, not after it.
    let coverage = match coverage {
        Some(path) => {
            let (pending, file) = ReportFile::create(&path)
                .with_context(|| format!("--coverage {}", path.display()))?;
            Some((path, pending, file))
        }
        None => None,
    };
    Ok(Check {
        context: ReportContext {
            spec: report_spec,
            target: target_label,
        },
        coverage,
        min_coverage,
        target,
        reset_first,
        allow_empty,
        config,
        credentials_from,
        fixtures,
        cases,
        rules,
        options: Options {
            strict,
            update,
            filter,
            read_only,
            auth: match auth {
                AuthArg::Password => AuthMode::Password,
                AuthArg::Token => AuthMode::Token,
            },
        },
        format,
        out,
        output,
        progress,
    })
}

/// A namespace name no other run picks: `check-` and this process's id and start.
fn own_world_name() -> String {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("check-{}-{started}", std::process::id())
}

/// `check --in-process --mutants`: clap refuses the flags that would mean nothing here.
pub(super) fn hunt(args: CheckArgs) -> anyhow::Result<Hunt> {
    let CheckArgs {
        source,
        fixtures,
        filter,
        allow_empty,
        target: _,
        in_process: _,
        ca_cert: _,
        config: _,
        strict: _,
        update: _,
        format: _,
        output: _,
        read_only: _,
        auth: _,
        admin_token: _,
        mutant: _,
        mutants: _,
        coverage: _,
        min_coverage: _,
    } = args;
    Ok(Hunt {
        spec: spec(&source)?,
        fixtures: fixtures_at(fixtures)?,
        filter,
        allow_empty,
    })
}

pub(super) fn record(args: RecordArgs) -> anyhow::Result<Record> {
    let RecordArgs {
        upstream,
        listen,
        out,
        config,
        read_only,
        ca_cert,
        source,
    } = args;
    let spec = spec(&source)?;
    let from = credentials_from(config.as_deref());
    let config = target_config(config.as_deref())?;
    let upstream = http("--upstream", &upstream, false, ca_cert.as_deref())?;
    // As for check: a wrong or unreachable upstream, or a wrong password, is one clear error
    // now, not a 502 or an unrecorded exchange each later.
    upstream.probe().context("--upstream")?;
    conformance::check_credentials(&upstream, &config)
        .with_context(|| format!("--upstream: checking the credentials of {from}"))?;
    let rules = Fixtures::default_location()
        .read("normalize.yaml")
        .context("reading normalize.yaml in the fixtures")?
        .context("no normalize.yaml in the fixtures")?;
    let recorder = Recorder::new(spec, upstream, config, &rules, &out, read_only)
        .with_context(|| format!("--out {}", out.display()))?;
    Ok(Record {
        listen,
        recorder: Arc::new(recorder),
        out,
    })
}

pub(super) fn contract(args: ContractArgs) -> anyhow::Result<Contract> {
    let ContractArgs {
        from,
        namespace,
        name,
        read_only,
        out,
        admin_token,
        ca_cert,
    } = args;
    let fake = http("--from", &from, true, ca_cert.as_deref())?.with_admin_token(admin_token);
    for (flag, given) in namespace
        .iter()
        .map(|n| ("--namespace", n))
        .chain(name.iter().map(|n| ("--name", n)))
    {
        if !enswitch_fake::workbench::valid_name(given) {
            bail!("{flag} {given}: a name is 1 to 64 letters, digits, '-' or '_'");
        }
    }
    if name.is_some() && namespace.len() > 1 {
        bail!("--name names one world's scenario: give it with one --namespace at most");
    }
    let worlds = if namespace.is_empty() {
        vec![(None, name)]
    } else {
        namespace
            .into_iter()
            .map(|world| (Some(world), name.clone()))
            .collect()
    };
    Ok(Contract {
        fake,
        worlds,
        read_only,
        out,
    })
}

pub(super) fn learn(args: LearnArgs) -> anyhow::Result<Learn> {
    let LearnArgs {
        target,
        ca_cert,
        config,
        source,
        out,
        max_requests,
        rate,
    } = args;
    let spec = spec(&source)?;
    if !rate.is_finite() || rate < 0.0 {
        bail!("--rate {rate}: give requests per second, 0 or more (0: no limit)");
    }
    if source.spec.as_deref().is_some_and(|dir| dir == out) {
        bail!(
            "--out {}: the same directory as --spec; learn writes beside it, not over it",
            out.display()
        );
    }
    let host = without_credentials(&target);
    let host = host
        .split_once("://")
        .map_or(host.as_str(), |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    Ok(Learn {
        target: http("--target", &target, false, ca_cert.as_deref())?,
        host,
        credentials_from: credentials_from(config.as_deref()),
        config: target_config(config.as_deref())?,
        spec_dir: source.spec.clone(),
        spec,
        out,
        options: conformance::LearnOptions { max_requests, rate },
    })
}

/// `url` as a report may show it: without a `user:password@` before the host.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// Where the principals of `--config FILE` (or of the seed, without one) come from, as an
/// error about their credentials names it.
fn credentials_from(file: Option<&Path>) -> String {
    match file {
        Some(file) => format!("--config {}", file.display()),
        None => "the seed's principals (no --config: give one naming the target's users)".into(),
    }
}

/// `--config FILE`, or the embedded seed's principals and objects.
fn target_config(file: Option<&Path>) -> anyhow::Result<TargetConfig> {
    let Some(file) = file else {
        return Ok(TargetConfig::fake_seed());
    };
    let text =
        std::fs::read_to_string(file).with_context(|| format!("--config {}", file.display()))?;
    TargetConfig::from_yaml(&file.display().to_string(), &text)
        .context("the target config has errors")
}

/// `--fixtures DIR`, else `./fixtures` if it holds snapshots, else the embedded copy. A DIR that
/// is no directory is refused, naming the flag.
fn fixtures_at(dir: Option<PathBuf>) -> anyhow::Result<Fixtures> {
    match dir {
        None => Ok(Fixtures::default_location()),
        Some(dir) if dir.is_dir() => Ok(Fixtures::Dir(dir)),
        Some(dir) => bail!(
            "--fixtures {}: no such directory; it names one holding normalize.yaml, snapshots/ \
             and scenarios/ (start from a copy of the repository's fixtures/)",
            dir.display()
        ),
    }
}

/// An HTTP(S) target at `url`, trusting the certificates of `--ca-cert FILE` if given.
pub fn http(flag: &str, url: &str, reset: bool, ca_cert: Option<&Path>) -> anyhow::Result<Http> {
    base_url(flag, url)?;
    let pem = match ca_cert {
        Some(file) => {
            Some(std::fs::read(file).with_context(|| format!("--ca-cert {}", file.display()))?)
        }
        None => None,
    };
    Http::new(url, reset, pem.as_deref()).with_context(|| match ca_cert {
        Some(file) => format!("--ca-cert {}", file.display()),
        None => format!("{flag} {url}"),
    })
}

/// Refuses a base URL that is no http:// or https:// URL (`127.0.0.1:8080`), naming `flag` and
/// saying what to give instead, before anything is asked of it.
pub fn base_url(flag: &str, url: &str) -> anyhow::Result<()> {
    let Some((scheme, rest)) = url.split_once("://") else {
        bail!(
            "{flag} {url}: not a URL; give the base URL a client configures, such as \
             http://{}/api/json/",
            url.trim_end_matches('/')
        );
    };
    if !matches!(scheme, "http" | "https") || rest.is_empty() {
        bail!(
            "{flag} {url}: give an http:// or https:// URL, such as http://127.0.0.1:8080/api/json/"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::without_credentials;

    #[test]
    fn a_target_url_is_shown_without_its_user_and_password() {
        assert_eq!(
            without_credentials("https://user:secret@enswitch.example.com/api/json/"),
            "https://enswitch.example.com/api/json/"
        );
        // An @ after the host belongs to the path, not to credentials.
        assert_eq!(
            without_credentials("http://127.0.0.1:8080/api/json/?a=b@c"),
            "http://127.0.0.1:8080/api/json/?a=b@c"
        );
        assert_eq!(without_credentials("not a url"), "not a url");
    }
}
