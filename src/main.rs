//! The `enswitch-fake` binary: parse the command line, run the command, map the outcome to an
//! exit code. Everything printed is printed here; the library never prints.

mod cli;

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{CommandFactory as _, Parser as _};
use enswitch_fake::{exit, export, spec::Spec};

use crate::cli::{Cli, Command, ExportArgs, SpecCommand, SpecSource};

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
        Command::Spec(SpecCommand::Lint(source)) => Ok(lint(&source)),
        Command::Spec(SpecCommand::Export(args)) => export(&args).map(|()| exit::OK),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "enswitch-fake", &mut std::io::stdout());
            Ok(exit::OK)
        }
    }
}

fn load(source: &SpecSource) -> Result<Spec, enswitch_fake::spec::SpecErrors> {
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
