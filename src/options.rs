//! Raw arguments (`cli`) resolved into what each command runs with: files read, the spec, seed,
//! config and fixtures loaded, flags mapped to the library's types, CI detected. Every argument
//! struct is taken apart field by field, and an unread binding is an error here, so a flag that
//! nothing reads fails to compile. Every failure names the flag (exit 2).

#![deny(unused_variables)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use enswitch_fake::conformance::{
    self, AuthMode, Case, Fixtures, Http, InProcess, Options, Recorder, ReportContext,
    ReportFormat, Reset, Rules, Target, TargetConfig, UpdateMode,
};
use enswitch_fake::fake::{self, World};
use enswitch_fake::server::Limits;
use enswitch_fake::spec::Spec;
use enswitch_fake::spec::export::{ExportFormat, HttpStatuses, openapi, render_for};
use enswitch_fake::workbench::{
    Config, ControlAccess, FaultSpec, SampleSource, StateEvent, Workbench,
};

use crate::cli::{
    AcceptArgs, AuthArg, CheckArgs, Cli, Command, ExportArgs, HttpStatusArg, LearnArgs, LimitArgs,
    LogFormat, LogLevel, RecordArgs, ReportArg, ServeArgs, SpecCommand, SpecSource, UpdateArg,
};
use crate::logging;
use crate::report_file::ReportFile;

/// A command, ready to run.
pub enum Run {
    Serve(Serve),
    /// Boxed: a target config is far bigger than any other variant.
    Check(Box<Check>),
    /// `check --in-process --mutants`.
    Hunt(Hunt),
    Record(Record),
    Accept(Accept),
    Mutants,
    /// Lint the spec in this directory, or the embedded one.
    Lint(Option<PathBuf>),
    Export(Export),
    /// Whether the API at this base URL answers.
    Health(String),
    Learn(Box<Learn>),
    Completions(clap_complete::Shell),
}

impl Run {
    /// Whether the command's whole work is what it prints (a listing, an export, a script).
    pub fn only_prints(&self) -> bool {
        matches!(
            self,
            Run::Mutants | Run::Lint(_) | Run::Export(_) | Run::Completions(_)
        )
    }
}

pub struct Serve {
    pub addr: SocketAddr,
    /// `--seed-file`, whose passwords the banner must not print; `None`: the embedded seed.
    pub seed_file: Option<PathBuf>,
    pub workbench: Arc<Workbench>,
    pub limits: Limits,
    pub log_format: LogFormat,
    pub log_level: LogLevel,
}

pub struct Check {
    pub target: Box<dyn Target>,
    /// Whether a run in which no case ran is fine (`--allow-empty`).
    pub allow_empty: bool,
    /// Whether to reset the target once before the run, to find out early that it cannot be.
    pub reset_first: bool,
    pub config: TargetConfig,
    /// Where the config's principals come from, as an error about them names it.
    pub credentials_from: String,
    pub fixtures: Fixtures,
    pub cases: Vec<Case>,
    pub rules: Rules,
    pub options: Options,
    pub format: ReportFormat,
    pub out: Box<dyn Write>,
    /// `--output`, named once it is whole.
    pub output: Option<ReportFile>,
    /// Whether to show progress on stderr (a terminal, and the human report).
    pub progress: bool,
    /// What the report says it checked.
    pub context: ReportContext,
    /// Where `--coverage` goes, opened under a temporary name.
    pub coverage: Option<(PathBuf, ReportFile, std::fs::File)>,
    pub min_coverage: Option<f64>,
}

pub struct Learn {
    pub target: Http,
    /// The target as the observed spec names it: its host, without credentials or path.
    pub host: String,
    pub config: TargetConfig,
    /// Where the config's principals come from, as an error about them names it.
    pub credentials_from: String,
    pub spec: Spec,
    /// `--spec`, whose files the observed spec is written from (else the embedded ones).
    pub spec_dir: Option<PathBuf>,
    pub out: PathBuf,
    pub options: conformance::LearnOptions,
}

pub struct Hunt {
    pub spec: Spec,
    pub fixtures: Fixtures,
    pub filter: Option<String>,
    pub allow_empty: bool,
}

pub struct Record {
    pub listen: SocketAddr,
    pub recorder: Arc<Recorder>,
    pub out: PathBuf,
}

/// Promote the pending snapshots under `snapshots`, those `filter` picks if given.
pub struct Accept {
    pub snapshots: PathBuf,
    pub filter: Option<String>,
    pub dry_run: bool,
}

pub struct Export {
    pub text: String,
    pub output: Option<PathBuf>,
}

/// Resolves the command line into a command to run.
pub fn resolve(cli: Cli) -> anyhow::Result<Run> {
    let Cli { command } = cli;
    Ok(match command {
        Command::Serve(args) => Run::Serve(serve(args)?),
        Command::Check(args) if args.mutants => Run::Hunt(hunt(args)?),
        Command::Check(args) => Run::Check(Box::new(check(args)?)),
        Command::Record(args) => Run::Record(record(args)?),
        Command::Accept(AcceptArgs {
            fixtures,
            filter,
            dry_run,
        }) => Run::Accept(Accept {
            snapshots: fixtures.join("snapshots"),
            filter,
            dry_run,
        }),
        Command::Mutants => Run::Mutants,
        Command::Spec(SpecCommand::Lint(SpecSource { spec })) => Run::Lint(spec),
        Command::Spec(SpecCommand::Export(args)) => Run::Export(export(args)?),
        Command::Health { url } => Run::Health(url),
        Command::Learn(args) => Run::Learn(Box::new(learn(args)?)),
        Command::Completions { shell } => Run::Completions(shell),
    })
}

fn serve(args: ServeArgs) -> anyhow::Result<Serve> {
    let ServeArgs {
        addr,
        source,
        seed_file,
        rng_seed,
        max_cards,
        http_status,
        clock,
        mutant,
        state,
        state_sync,
        faults,
        admin_token,
        no_admin,
        log_format,
        log_level,
        limits,
        token_key,
        token_expiry,
    } = args;
    let spec = spec(&source)?;
    let seed = seed(&spec, seed_file.as_deref(), rng_seed)?;
    let control = match (admin_token, no_admin) {
        (_, true) => ControlAccess::Off,
        (Some(token), false) => ControlAccess::Token(token),
        (None, false) => ControlAccess::Open,
    };
    let config = Config {
        fake: fake::Settings {
            max_cards,
            clock: clock.into(),
            mutant,
            token_expiry: (token_expiry > 0).then_some(token_expiry),
        },
        http_status: http_status.into(),
        rng_seed,
        control,
        token_key,
    };
    // The examples of `/_fake/openapi.json`, asked of a fake like this one when first wanted.
    let (asked, world) = (spec.clone(), seed.clone());
    let samples = SampleSource(Box::new(move || {
        conformance::samples(&asked, world.clone())
    }));
    let workbench = Workbench::new(spec, seed, config).with_samples(samples);
    for rule in &faults {
        let added = FaultSpec::from_json(rule).and_then(|spec| workbench.add_fault(spec));
        added.with_context(|| format!("--fault {rule}"))?;
    }
    if let Some(file) = state.as_deref() {
        workbench
            .open_state(file, state_sync.into(), log_state_event)
            .context("--state")?;
    }
    Ok(Serve {
        addr,
        seed_file,
        workbench: Arc::new(workbench),
        limits: limits_of(limits),
        log_format,
        log_level,
    })
}

/// What the state database says of itself goes to stderr, once per episode.
fn log_state_event(event: StateEvent<'_>) {
    match event {
        StateEvent::Failing(why) => logging::to_stderr(format_args!(
            "state: {why}; writes answer 500 and /_fake/health 503 until it works again"
        )),
        StateEvent::Recovered => logging::to_stderr(format_args!("state: saving works again")),
        StateEvent::Empty(file) => logging::to_stderr(format_args!(
            "state: {file} was empty (0 bytes): every world starts from the seed"
        )),
    }
}

fn limits_of(args: LimitArgs) -> Limits {
    let LimitArgs {
        max_body_bytes,
        max_header_bytes,
        max_headers,
        read_timeout,
        max_connections,
        connection_lifetime,
        shutdown_grace,
    } = args;
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    Limits {
        max_body_bytes: size(max_body_bytes),
        max_header_bytes: size(max_header_bytes),
        max_headers: size(max_headers),
        read_timeout: Duration::from_secs(read_timeout),
        max_connections: size(max_connections),
        connection_lifetime: Duration::from_secs(connection_lifetime),
        shutdown_grace: Duration::from_secs(shutdown_grace),
    }
}

fn check(args: CheckArgs) -> anyhow::Result<Check> {
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
fn hunt(args: CheckArgs) -> anyhow::Result<Hunt> {
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

fn record(args: RecordArgs) -> anyhow::Result<Record> {
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

fn export(args: ExportArgs) -> anyhow::Result<Export> {
    let ExportArgs {
        source,
        format,
        output,
        functions: paths,
        http_status,
    } = args;
    let spec = spec(&source)?;
    let mut functions = Vec::new();
    for path in &paths {
        match spec.function(path.trim_matches('/')) {
            Some(function) => functions.push(function),
            None => bail!("--function {path}: no such function in the spec"),
        }
    }
    if functions.is_empty() {
        functions = spec.functions().iter().collect();
    }
    let statuses = match http_status {
        HttpStatusArg::Ok => HttpStatuses::Ok,
        HttpStatusArg::Mirror => HttpStatuses::Mirror,
    };
    let text = match ExportFormat::from(format) {
        // With the answers a fake on the embedded seed gives, as examples.
        ExportFormat::OpenApi => {
            let seed = fake::seed::embedded(&spec, fake::DEFAULT_RNG_SEED)?;
            let samples = conformance::samples(&spec, seed);
            openapi(&functions, statuses, &samples)
        }
        format => render_for(&functions, format, statuses),
    };
    Ok(Export { text, output })
}

fn learn(args: LearnArgs) -> anyhow::Result<Learn> {
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

/// The spec, embedded or from `--spec`.
fn spec(source: &SpecSource) -> anyhow::Result<Spec> {
    let SpecSource { spec } = source;
    let loaded = match spec {
        Some(dir) => Spec::from_dir(dir),
        None => Spec::embedded(),
    };
    loaded.context("the spec has errors (run `enswitch-fake spec lint`)")
}

/// `--seed-file FILE`, or the embedded seed.
fn seed(spec: &Spec, file: Option<&Path>, rng_seed: u64) -> anyhow::Result<World> {
    let loaded = match file {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("--seed-file {}", file.display()))?;
            fake::seed::load(spec, &file.display().to_string(), &text, rng_seed)
        }
        None => fake::seed::embedded(spec, rng_seed),
    };
    loaded.context("the seed has errors")
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
fn http(flag: &str, url: &str, reset: bool, ca_cert: Option<&Path>) -> anyhow::Result<Http> {
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
