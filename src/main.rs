//! The `enswitch-fake` binary: parse the command line, run the command, map the outcome to an
//! exit code. Everything printed is printed here; the library never prints.

mod cli;
mod exit;

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{CommandFactory as _, Parser as _};
use enswitch_fake::conformance::config::{Reset, TargetConfig};
use enswitch_fake::conformance::fixtures::Fixtures;
use enswitch_fake::conformance::mutants;
use enswitch_fake::conformance::report::{self, ReportFormat};
use enswitch_fake::conformance::runner::{Options, Runner, UpdateMode};
use enswitch_fake::conformance::snapshot;
use enswitch_fake::conformance::target::{Http, InProcess, Target};
use enswitch_fake::fake::clock::Clock;
use enswitch_fake::fake::mutant::Mutant;
use enswitch_fake::fake::seed;
use enswitch_fake::server;
use enswitch_fake::server::limits::Limits;
use enswitch_fake::spec::{Spec, export};
use enswitch_fake::workbench::fault::FaultSpec;
use enswitch_fake::workbench::state as persist;
use enswitch_fake::workbench::{App, Config, ControlAccess};

use crate::cli::{
    CheckArgs, Cli, ClockArg, Command, ExportArgs, RecordArgs, ReportArg, ServeArgs, SpecCommand,
    SpecSource, UpdateArg,
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Serve(args) => serve(&args).map(|()| exit::OK),
        Command::Record(args) => record(&args).map(|()| exit::OK),
        Command::Check(args) if args.mutants => hunt(&args),
        Command::Check(args) => check(&args),
        Command::Mutants => {
            for mutant in Mutant::ALL {
                println!("{:<24} {}", mutant.name(), mutant.describe());
            }
            Ok(exit::OK)
        }
        Command::Accept { fixtures } => {
            let snapshots = fixtures.join("snapshots");
            let accepted = snapshot::accept(&snapshots)
                .with_context(|| format!("--fixtures {}", fixtures.display()))?;
            for path in &accepted {
                println!("accepted {}", path.display());
            }
            println!("{} snapshot(s) accepted", accepted.len());
            Ok(exit::OK)
        }
        Command::Spec(SpecCommand::Lint(source)) => Ok(lint(&source)),
        Command::Spec(SpecCommand::Export(args)) => export(&args).map(|()| exit::OK),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "enswitch-fake", &mut std::io::stdout());
            Ok(exit::OK)
        }
    }
}

fn load(source: &SpecSource) -> Result<Spec, enswitch_fake::spec::yaml::FileErrors> {
    match &source.spec {
        Some(dir) => Spec::from_dir(dir),
        None => Spec::embedded(),
    }
}

fn lint(source: &SpecSource) -> u8 {
    match load(source) {
        Ok(spec) => {
            let paths: Vec<&str> = spec.functions().iter().map(|f| f.path.as_str()).collect();
            let noun = if paths.len() == 1 {
                "function"
            } else {
                "functions"
            };
            println!("spec ok: {} {noun} ({})", paths.len(), paths.join(", "));
            exit::OK
        }
        Err(errors) => {
            for error in &errors.0 {
                eprintln!("{error}");
            }
            eprintln!("spec has {} error(s)", errors.0.len());
            exit::ERROR
        }
    }
}

fn export(args: &ExportArgs) -> anyhow::Result<()> {
    let spec = spec(&args.source)?;
    let mut functions = Vec::new();
    for path in &args.functions {
        match spec.function(path.trim_matches('/')) {
            Some(function) => functions.push(function),
            None => bail!("--function {path}: no such function in the spec"),
        }
    }
    if functions.is_empty() {
        functions = spec.functions().iter().collect();
    }
    let text = export::render(&functions, args.format.into());
    match &args.output {
        Some(file) => {
            std::fs::write(file, text).with_context(|| format!("--output {}", file.display()))?
        }
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("writing to stdout")?,
    }
    Ok(())
}

fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let spec = spec(&args.source)?;
    let world = match &args.seed_file {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("--seed-file {}", file.display()))?;
            seed::load(&spec, &file.display().to_string(), &text, args.rng_seed)
        }
        None => seed::load(&spec, seed::EMBEDDED_NAME, seed::EMBEDDED, args.rng_seed),
    }
    .context("the seed has errors")?;
    let clock = match args.clock {
        ClockArg::Logical => Clock::logical(),
        ClockArg::System => Clock::System,
    };
    let config = Config {
        rng_seed: args.rng_seed,
        mutant: args.mutant,
        max_cards: args.max_cards,
        http_status: args.http_status.into(),
        control: match (&args.admin_token, args.no_admin) {
            (_, true) => ControlAccess::Off,
            (Some(token), false) => ControlAccess::Token(token.clone()),
            (None, false) => ControlAccess::Open,
        },
    };
    let app = App::new(spec, world, clock, config);
    for rule in &args.faults {
        let spec = FaultSpec::from_json(rule)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("--fault {rule}"))?;
        app.faults()
            .add(spec)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("--fault {rule}"))?;
    }
    if let Some(file) = args.state.as_deref().filter(|f| f.exists()) {
        persist::load(&app, file).context("--state")?;
    }
    let app = std::sync::Arc::new(app);
    let writer = args
        .state
        .clone()
        .map(|file| persist::Writer::start(std::sync::Arc::clone(&app), file));

    serve_until_stopped(args.addr, "--addr", &(&args.limits).into(), app)?;
    // After the last request is answered: nothing a client was told about is lost.
    if let Some(writer) = writer {
        writer.finish().context("writing --state")?;
    }
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return interrupt.await.unwrap_or_default(),
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or_default();
}

fn check(args: &CheckArgs) -> anyhow::Result<u8> {
    let spec = spec(&args.source)?;
    let config = target_config(args.config.as_deref())?;
    let fixtures = fixtures(args.fixtures.as_ref());
    let (cases, rules) = fixtures.suite(&spec).context("the fixtures have errors")?;

    let target: Box<dyn Target> = match &args.target {
        Some(url) => Box::new(http(
            url,
            config.reset == Reset::ControlPlane,
            args.ca_cert.as_deref(),
        )?),
        None => {
            let world = seed::load(
                &spec,
                seed::EMBEDDED_NAME,
                seed::EMBEDDED,
                enswitch_fake::workbench::DEFAULT_RNG_SEED,
            )
            .context("the seed has errors")?;
            Box::new(InProcess {
                app: App::new(spec, world, Clock::logical(), Config::default()),
            })
        }
    };
    // A target that cannot be reached or reset is a setup error, not a run of broken cases.
    if config.reset == Reset::ControlPlane {
        target
            .reset()
            .map_err(anyhow::Error::msg)
            .context("resetting the target before the run")?;
    }

    let update = match args.update {
        Some(UpdateArg::No) => UpdateMode::No,
        Some(UpdateArg::New) => UpdateMode::New,
        Some(UpdateArg::Always) => UpdateMode::Always,
        None if std::env::var_os("CI").is_some() => UpdateMode::No,
        None => UpdateMode::New,
    };
    let options = Options {
        strict: args.strict,
        update,
        filter: args.filter.clone(),
        read_only: args.read_only,
    };
    let format = match args.format {
        ReportArg::Human => ReportFormat::Human,
        ReportArg::Json => ReportFormat::Json,
        ReportArg::Junit => ReportFormat::Junit,
    };
    let out: Box<dyn std::io::Write> = match &args.output {
        Some(file) => Box::new(
            std::fs::File::create(file).with_context(|| format!("--output {}", file.display()))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    let progress =
        format == ReportFormat::Human && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut reporter = report::reporter(format, out, progress);

    let runner = Runner {
        target: target.as_ref(),
        config: &config,
        rules: &rules,
        fixtures: &fixtures,
        options: &options,
    };
    let summary = runner.run(&cases, reporter.as_mut());
    reporter.finish(&summary).context("writing the report")?;
    Ok(if summary.failed {
        exit::FAILED
    } else {
        exit::OK
    })
}

/// `check --in-process --mutants`: which deliberate faults the suite catches.
fn hunt(args: &CheckArgs) -> anyhow::Result<u8> {
    let spec = spec(&args.source)?;
    let fixtures = fixtures(args.fixtures.as_ref());
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let verdicts =
        mutants::judge_all(&spec, &fixtures, threads).context("the fixtures have errors")?;
    let killed = verdicts.iter().filter(|v| v.killed()).count();
    for verdict in &verdicts {
        match verdict.caught_by.as_slice() {
            [] => println!(
                "SURVIVED {:<24} {}",
                verdict.mutant.name(),
                verdict.mutant.describe()
            ),
            [first, ..] => println!(
                "killed   {:<24} by {} case(s), first {first}",
                verdict.mutant.name(),
                verdict.caught_by.len()
            ),
        }
    }
    println!(
        "\n{killed} of {} mutants killed ({}%)",
        verdicts.len(),
        killed * 100 / verdicts.len().max(1)
    );
    Ok(if killed == verdicts.len() {
        exit::OK
    } else {
        exit::FAILED
    })
}

fn record(args: &RecordArgs) -> anyhow::Result<()> {
    let spec = spec(&args.source)?;
    let config = target_config(args.config.as_deref())?;
    let upstream = http(&args.upstream, false, args.ca_cert.as_deref())?;
    let rules = Fixtures::default_location()
        .read("normalize.yaml")
        .context("no normalize.yaml in the fixtures")?;
    let recorder = enswitch_fake::conformance::record::Recorder::new(
        spec,
        upstream,
        config,
        &rules,
        &args.out,
        args.read_only,
    )
    .map_err(anyhow::Error::msg)
    .with_context(|| format!("--out {}", args.out.display()))?;
    let recorder = std::sync::Arc::new(recorder);

    serve_until_stopped(
        args.listen,
        "--listen",
        &Limits::default(),
        std::sync::Arc::clone(&recorder),
    )?;
    for problem in recorder.problems() {
        eprintln!("not recorded: {problem}");
    }
    println!(
        "recorded {} exchange(s) in {}",
        recorder.recorded(),
        args.out.display()
    );
    Ok(())
}

/// The spec, embedded or from `--spec`.
fn spec(source: &SpecSource) -> anyhow::Result<Spec> {
    load(source).context("the spec has errors (run `enswitch-fake spec lint`)")
}

/// `--config FILE`, or the embedded seed's principals and objects.
fn target_config(file: Option<&std::path::Path>) -> anyhow::Result<TargetConfig> {
    let Some(file) = file else {
        return Ok(TargetConfig::fake_seed());
    };
    let text =
        std::fs::read_to_string(file).with_context(|| format!("--config {}", file.display()))?;
    TargetConfig::from_yaml(&file.display().to_string(), &text)
        .context("the target config has errors")
}

/// `--fixtures DIR`, else `./fixtures` if it holds snapshots, else the embedded copy.
fn fixtures(dir: Option<&std::path::PathBuf>) -> Fixtures {
    dir.map_or_else(Fixtures::default_location, |dir| Fixtures::Dir(dir.clone()))
}

/// An HTTP(S) target at `url`, trusting the certificates of `--ca-cert FILE` if given.
fn http(url: &str, reset: bool, ca_cert: Option<&std::path::Path>) -> anyhow::Result<Http> {
    let pem = match ca_cert {
        Some(file) => {
            Some(std::fs::read(file).with_context(|| format!("--ca-cert {}", file.display()))?)
        }
        None => None,
    };
    let named = || {
        format!(
            "--ca-cert {}",
            ca_cert.map(|f| f.display().to_string()).unwrap_or_default()
        )
    };
    Http::new(url, reset, pem.as_deref())
        .map_err(anyhow::Error::msg)
        .with_context(named)
}

/// Binds `addr` (named by `flag` in errors), prints `listening on http://ADDR` and serves
/// `handler` within `limits` until SIGINT or SIGTERM, letting requests in flight finish.
fn serve_until_stopped<H: server::Handler>(
    addr: std::net::SocketAddr,
    flag: &str,
    limits: &Limits,
    handler: std::sync::Arc<H>,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("{flag} {addr}"))?;
        let bound = listener.local_addr().context("reading the bound address")?;
        // Scripts wait for this line, so it goes out (flushed) before anything else.
        println!("listening on http://{bound}");
        std::io::stdout().flush().context("writing to stdout")?;
        server::run(listener, handler, limits, stop_signal())
            .await
            .context("serving")
    })
}
