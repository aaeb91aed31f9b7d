//! The `enswitch-fake` binary: parse the command line, run the command, map the outcome to an
//! exit code. Everything printed is printed here; the library never prints.

mod cli;

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{CommandFactory as _, Parser as _};
use enswitch_fake::app::{App, Config};
use enswitch_fake::clock::Clock;
use enswitch_fake::{exit, export, seed, server, spec::Spec};

use crate::cli::{Cli, ClockArg, Command, ExportArgs, ServeArgs, SpecCommand, SpecSource};

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
        Command::Spec(SpecCommand::Lint(source)) => Ok(lint(&source)),
        Command::Spec(SpecCommand::Export(args)) => export(&args).map(|()| exit::OK),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "enswitch-fake", &mut std::io::stdout());
            Ok(exit::OK)
        }
    }
}

fn load(source: &SpecSource) -> Result<Spec, enswitch_fake::yaml::FileErrors> {
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
    let spec = load(&args.source).context("the spec has errors (run `enswitch-fake spec lint`)")?;
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
    let spec = load(&args.source).context("the spec has errors (run `enswitch-fake spec lint`)")?;
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
        max_cards: args.max_cards,
        http_status: args.http_status.into(),
    };
    let app = std::sync::Arc::new(App::new(spec, world, clock, config));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("--addr {}", args.addr))?;
        let addr = listener.local_addr().context("reading the bound address")?;
        // Scripts wait for this line, so it goes out (flushed) before anything else.
        println!("listening on http://{addr}");
        std::io::stdout().flush().context("writing to stdout")?;
        server::run(listener, app, stop_signal())
            .await
            .context("serving")
    })
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
