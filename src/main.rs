//! The `enswitch-fake` binary: parse the command line (`cli`), resolve it into what each command
//! needs (`options`), dispatch, and map the outcome to an exit code (`exit`). What a long-running
//! command does is in `commands`. Everything the binary prints is printed there, here, or by a
//! reporter; the library never prints.

mod banner;
mod cli;
mod commands;
mod exit;
mod interrupt;
mod logging;
mod options;
mod report_file;

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{CommandFactory as _, Parser as _};
use enswitch_fake::conformance;
use enswitch_fake::fake::Mutant;

use crate::options::{Accept, Export, Run};

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let resolved = options::resolve(cli);
    // For a command that only prints, a reader that went away (`| head`) has what it wanted. A
    // check whose report could not be written has not told its outcome: that stays an error.
    let only_prints = resolved.as_ref().is_ok_and(Run::only_prints);
    match resolved.and_then(run) {
        Ok(code) => ExitCode::from(code),
        Err(error) if only_prints && closed_pipe(&error) => ExitCode::from(exit::OK),
        Err(error) => {
            eprintln!("error: {}", said(&error));
            ExitCode::from(exit::ERROR)
        }
    }
}

/// `error` and its causes, each after a colon, leaving out a cause whose words the message
/// before it already holds (an error that quotes its source, as most do, would otherwise say
/// it twice: "Address already in use (os error 98): Address already in use (os error 98)").
fn said(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let cause = cause.to_string();
        if text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

/// Whether `error` comes from writing to a pipe whose reader has gone.
fn closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(command: Run) -> anyhow::Result<u8> {
    match command {
        Run::Serve(serve) => commands::serve(serve).map(|()| exit::OK),
        Run::Check(check) => commands::check(*check),
        Run::Hunt(hunt) => commands::hunt(hunt),
        Run::Record(record) => commands::record(record).map(|()| exit::OK),
        Run::Contract(contract) => commands::contract(contract).map(|()| exit::OK),
        Run::Accept(Accept {
            snapshots,
            filter,
            dry_run,
        }) => {
            let accepted = conformance::accept(&snapshots, filter.as_deref(), dry_run)
                .with_context(|| format!("--fixtures {}", snapshots.display()))?;
            let (verb, done) = if dry_run {
                ("would accept", "would be accepted")
            } else {
                ("accepted", "accepted")
            };
            let mut out = std::io::stdout().lock();
            for path in &accepted {
                writeln!(out, "{verb} {}", path.display())?;
            }
            writeln!(out, "{} snapshot(s) {done}", accepted.len())?;
            Ok(exit::OK)
        }
        Run::Health(url, ca_cert) => commands::health(&url, ca_cert.as_deref()),
        Run::Learn(learn) => commands::learn(*learn),
        Run::Mutants => {
            let mut out = std::io::stdout().lock();
            let width = Mutant::name_width();
            for mutant in Mutant::ALL {
                writeln!(out, "{:<width$} {}", mutant.name(), mutant.describe())?;
            }
            Ok(exit::OK)
        }
        Run::Lint(dir) => commands::lint(dir.as_deref()),
        Run::Export(Export { text, output }) => {
            match output {
                Some(file) => std::fs::write(&file, text)
                    .with_context(|| format!("--output {}", file.display()))?,
                None => std::io::stdout().write_all(text.as_bytes())?,
            }
            Ok(exit::OK)
        }
        Run::Completions(shell) => {
            // Written whole, then sent: clap_complete panics on a failed write of its own.
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut cli::Cli::command(),
                "enswitch-fake",
                &mut script,
            );
            std::io::stdout().write_all(&script)?;
            Ok(exit::OK)
        }
    }
}
