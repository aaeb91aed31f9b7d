//! Raw arguments (`cli`) resolved into what each command runs with: files read, the spec, seed,
//! config and fixtures loaded, flags mapped to the library's types, CI detected. Every argument
//! struct is taken apart field by field, and an unread binding is an error here, so a flag that
//! nothing reads fails to compile. Every failure names the flag (exit 2).
//!
//! - this file: the commands and serve's, export's and the spec's options;
//! - `target`: check's, learn's and record's (targets, configs, fixtures, reports).

#![deny(unused_variables)]

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use enswitch_fake::conformance::{
    self, Case, Fixtures, Http, Options, Recorder, ReportContext, ReportFormat, Rules, Target,
    TargetConfig,
};
use enswitch_fake::fake::{self, ClientRules, World};
use enswitch_fake::server::{Limits, Scheme, Tls};
use enswitch_fake::spec::Spec;
use enswitch_fake::spec::export::{
    ExportFormat, HttpStatuses, OpenApiOptions, openapi, render_for,
};
use enswitch_fake::workbench::{
    Config, ControlAccess, FaultSpec, SampleSource, StateEvent, Workbench,
};

use crate::cli::{
    AcceptArgs, Cli, Command, ExportArgs, HttpStatusArg, LimitArgs, LogFormat, LogLevel, ServeArgs,
    SpecCommand, SpecSource, TlsArgs,
};
use crate::logging;
use crate::report_file::ReportFile;

mod target;

pub use target::http;
use target::{check, contract, hunt, learn, record};

/// A command, ready to run.
pub enum Run {
    Serve(Serve),
    /// Boxed: a target config is far bigger than any other variant.
    Check(Box<Check>),
    /// `check --in-process --mutants`.
    Hunt(Hunt),
    Record(Record),
    Contract(Contract),
    Accept(Accept),
    Mutants,
    /// Lint the spec in this directory, or the embedded one.
    Lint(Option<PathBuf>),
    Export(Export),
    /// Whether the API at this base URL answers.
    /// The URL, and the CA file to trust.
    Health(String, Option<PathBuf>),
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

/// `contract`: where to ask, which worlds, and where to write.
pub struct Contract {
    pub fake: Http,
    /// Each world (`None` the default one) and the name its scenario asks for, if not its own.
    pub worlds: Vec<(Option<String>, Option<String>)>,
    pub read_only: bool,
    pub out: PathBuf,
}

pub struct Serve {
    pub addr: SocketAddr,
    /// `--seed-file`, whose passwords the banner must not print; `None`: the embedded seed.
    pub seed_file: Option<PathBuf>,
    pub workbench: Arc<Workbench>,
    pub limits: Limits,
    pub log_format: LogFormat,
    pub log_level: LogLevel,
    pub scheme: Scheme,
    /// Where the made CA's certificate is written, for a server with a private CA.
    pub ca_file: Option<PathBuf>,
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
        Command::Contract(args) => Run::Contract(contract(args)?),
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
        Command::Health { url, ca_cert } => Run::Health(url, ca_cert),
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
        strict_client,
        state,
        state_sync,
        faults,
        admin_token,
        no_admin,
        log_format,
        log_level,
        tls,
        limits,
        token_key,
        token_expiry,
    } = args;
    let (scheme, ca_file) = scheme(tls)?;
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
        client: ClientRules::strict(strict_client),
    };
    // The examples of `/_fake/openapi.json`, asked of a fake like this one when first wanted.
    let (asked, world) = (spec.clone(), seed.clone());
    let samples = SampleSource(Box::new(move || {
        conformance::samples(&asked, world.clone())
    }));
    let workbench = Workbench::new(spec, seed, config)
        .with_samples(samples)
        .with_contracts(conformance::contract_source());
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
        scheme,
        ca_file,
    })
}

/// The scheme `--tls` and its companions ask for, and where a made CA's certificate goes.
/// Checked before anything listens: a certificate that cannot be served is a setup error.
fn scheme(tls: TlsArgs) -> anyhow::Result<(Scheme, Option<PathBuf>)> {
    let TlsArgs {
        tls,
        tls_ca_file,
        tls_cert,
        tls_key,
    } = tls;
    if let (Some(cert), Some(key)) = (&tls_cert, &tls_key) {
        let given = Tls::from_pem_files(cert, key).context("--tls-cert/--tls-key")?;
        return Ok((Scheme::Https(given), None));
    }
    if !tls && tls_ca_file.is_none() {
        return Ok((Scheme::Http, None));
    }
    let made = Tls::private_ca().context("--tls")?;
    let file = tls_ca_file.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("enswitch-fake-ca-{}.pem", std::process::id()))
    });
    Ok((Scheme::Https(made), Some(file)))
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

fn export(args: ExportArgs) -> anyhow::Result<Export> {
    let ExportArgs {
        source,
        format,
        output,
        functions: paths,
        http_status,
        trailing_slash,
        max_cards,
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
    let Some(format) = format.of_spec() else {
        return Ok(Export {
            text: format!("{}\n", enswitch_fake::workbench::control_openapi()),
            output,
        });
    };
    let text = match format {
        // With the answers a fake on the embedded seed gives, as examples.
        ExportFormat::OpenApi => {
            let seed = fake::seed::embedded(&spec, fake::DEFAULT_RNG_SEED)?;
            let samples = conformance::samples(&spec, seed);
            let options = OpenApiOptions {
                statuses,
                max_cards: Some(max_cards),
                trailing_slash,
            };
            openapi(&functions, &options, &samples)
        }
        format => render_for(&functions, format, statuses),
    };
    Ok(Export { text, output })
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
