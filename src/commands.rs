//! The commands that do more than print: serve until stopped, run the suite, hunt mutants,
//! record, lint. Each takes its resolved options and answers with the exit code (or an error,
//! which `main` reports with exit 2).

use std::io::Write as _;

use anyhow::{Context as _, bail};
use enswitch_fake::conformance::{self, Coverage, Runner, Verdict};
use enswitch_fake::server;
use enswitch_fake::spec::Spec;

use crate::options::{Check, Contract, Hunt, Learn, Record, Serve};
use crate::{banner, exit, logging};

/// Writes a made CA's certificate to its file, prints `listening on http://ADDR` (or `https://`;
/// scripts wait for it, so it goes first, flushed, and the CA's file is written by then) and the
/// banner, serves until SIGINT or SIGTERM with the request log on stdout, then keeps every
/// world's clock in the state file. With `--log-format json` every line is a JSON object, the
/// first one `"event": "listening"` with the banner's facts. A stdout whose reader has gone is
/// said once on stderr, and serving goes on.
pub fn serve(serve: Serve) -> anyhow::Result<()> {
    let Serve {
        addr,
        seed_file,
        workbench,
        limits,
        log_format,
        log_level,
        scheme,
        ca_file,
    } = serve;
    // A file size limit (ulimit -f) must show as a failed save, not kill the fake.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: ignoring a signal changes no memory; nothing else handles SIGXFSZ.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    // glibc serves a block as large as the last large block freed from its arenas, and keeps
    // it there once freed: after a burst of megabyte requests the server would stay at its
    // peak (193 MB, bench/abuse.py streams). A fixed threshold keeps blocks of 128 KiB and
    // more in mappings of their own, given back when freed (down to 18 MB).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: sets an allocator option before any thread but this one runs; no memory moves.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
    if let (Some(file), server::Scheme::Https(tls)) = (&ca_file, &scheme) {
        let pem = tls.ca_pem().unwrap_or_default();
        std::fs::write(file, pem).with_context(|| format!("--tls-ca-file {}", file.display()))?;
    }
    let url_scheme = scheme.name();
    let facts = workbench.info();
    let logins = banner::logins(seed_file.as_deref());
    let colour = logging::colour_wanted();
    let log = logging::start(log_format, log_level);
    let bound = |addr| {
        let endpoint = banner::Endpoint {
            base: format!("{url_scheme}://{addr}"),
            ca_file: ca_file.as_deref(),
        };
        let said = match log_format {
            crate::cli::LogFormat::Json => {
                banner::write_json(&mut std::io::stdout().lock(), &endpoint, &facts, &logins)
            }
            _ => announce(&endpoint.base).and_then(|()| {
                banner::write(
                    &mut std::io::stdout().lock(),
                    &endpoint,
                    &facts,
                    &logins,
                    log_format,
                    colour,
                )
            }),
        };
        if let Err(error) = said {
            logging::stdout_failed(&error);
        }
        Ok(())
    };
    let workbench_served = std::sync::Arc::clone(&workbench);
    server::serve_until_signal(addr, workbench_served, &limits, scheme, bound).context("--addr")?;
    // The lines still queued, before anything else is said.
    drop(log);
    // After the last request is answered: the clocks, so a restart continues them.
    workbench.checkpoint_state().context("--state")
}

/// `health`: the probe `check` makes before a run, alone. Exit 0 and `ok: URL` when the API
/// answers an envelope; exit 1 and why not otherwise.
pub fn health(url: &str, ca_cert: Option<&std::path::Path>) -> anyhow::Result<u8> {
    use conformance::Target as _;
    let target = crate::options::http("--url", url, false, ca_cert)?;
    Ok(match target.probe() {
        Ok(()) => {
            println!("ok: {url} answers");
            exit::OK
        }
        Err(error) => {
            eprintln!("unhealthy: {error}");
            exit::FAILED
        }
    })
}

/// `learn`: probes the target, writes what it observed, and says what it found. A target that
/// does not answer as an Enswitch is a setup error (exit 2), as for `check`.
pub fn learn(learn: Learn) -> anyhow::Result<u8> {
    use conformance::{Agreement, Target as _};
    let Learn {
        target,
        host,
        config,
        credentials_from,
        spec,
        spec_dir,
        out,
        options,
    } = learn;
    target
        .probe()
        .context("checking the target before learning")?;
    conformance::check_credentials(&target, &config)
        .with_context(|| format!("checking the credentials of {credentials_from}"))?;
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut progress = |p: conformance::Progress<'_>| {
        if terminal {
            eprint!(
                "\r\x1b[2K{} of at most {} requests · {}",
                p.sent, p.budget, p.function
            );
        }
    };
    let learned = conformance::learn(&spec, &target, &config, options, &mut progress);
    if terminal {
        eprint!("\r\x1b[2K");
    }
    // Today, as the observed spec records it.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let date = enswitch_fake::fake::format_utc(now)[..10].to_owned();
    conformance::write_learned(spec_dir.as_deref(), &learned, &out, &host, &date)
        .with_context(|| format!("--out {}", out.display()))?;

    let mut stdout = std::io::stdout().lock();
    for finding in learned
        .findings
        .iter()
        .filter(|f| f.verdict != Agreement::Confirmed)
    {
        let verdict = match finding.verdict {
            Agreement::Contradicted => "CONTRADICTED",
            _ => "unknown     ",
        };
        let parameter = finding
            .parameter
            .as_deref()
            .map_or(String::new(), |p| format!(" {p}"));
        let reason = finding
            .reason
            .as_deref()
            .map_or(String::new(), |r| format!(" ({r})"));
        writeln!(
            stdout,
            "{verdict} {}{parameter} {}: ours {}, observed {}{reason}",
            finding.function, finding.rule, finding.ours, finding.observed
        )?;
    }
    writeln!(
        stdout,
        "\n{} rules confirmed, {} contradicted, {} unknown (not probeable, or the budget ran out); \
         {} requests in {:.1} s",
        learned.count(Agreement::Confirmed),
        learned.count(Agreement::Contradicted),
        learned.count(Agreement::Unknown),
        learned.requests,
        learned.elapsed.as_secs_f64()
    )?;
    writeln!(
        stdout,
        "of the rules this project inferred: {} confirmed, {} contradicted, {} unknown",
        learned.count_inferred(Agreement::Confirmed),
        learned.count_inferred(Agreement::Contradicted),
        learned.count_inferred(Agreement::Unknown),
    )?;
    writeln!(
        stdout,
        "wrote {dir} (enswitch-fake serve --spec {dir}) and {jsonl}",
        dir = out.display(),
        jsonl = out.join("learned.jsonl").display()
    )?;
    Ok(exit::OK)
}

fn announce(base: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {base}")?;
    out.flush()
}

/// `check`: probes the target and the config's credentials (a setup error, exit 2, if either
/// fails), runs the selected cases (in a namespace of the run's own on a fake that is reset
/// between cases), reports them, and answers 0, 1, or 130 when interrupted.
pub fn check(check: Check) -> anyhow::Result<u8> {
    let Check {
        target,
        allow_empty,
        reset_first,
        config,
        credentials_from,
        fixtures,
        cases,
        rules,
        options,
        format,
        out,
        output,
        progress,
        context,
        coverage,
        min_coverage,
    } = check;
    let spec = context.spec.clone();
    let selected = conformance::select(&cases, options.filter.as_deref()).len();
    if selected == 0 && !allow_empty {
        bail!(
            "{}; add --allow-empty if a run that tests nothing is what you mean",
            nothing_selected(options.filter.as_deref(), cases.len())
        );
    }
    // A target that cannot be reached, is not the API, refuses the config's credentials or
    // cannot be reset is a setup error, not a run of broken cases.
    target
        .probe()
        .context("checking the target before the run")?;
    // From here the run may make a world of its own on the target: it goes however the run ends.
    let _own_world = OwnWorld(target.as_ref());
    conformance::check_credentials(target.as_ref(), &config)
        .with_context(|| format!("checking the credentials of {credentials_from}"))?;
    if reset_first {
        target
            .reset()
            .context("resetting the target before the run")?;
    }
    let unfinished: Vec<_> = output
        .iter()
        .map(|o| o.temporary().to_owned())
        .chain(coverage.iter().map(|(_, c, _)| c.temporary().to_owned()))
        .collect();
    let interrupt = crate::interrupt::listen(unfinished);
    let mut reporter = conformance::reporter(format, out, progress, context);
    let runner = Runner {
        target: target.as_ref(),
        config: &config,
        rules: &rules,
        fixtures: &fixtures,
        options: &options,
        interrupt: Some(&interrupt),
    };
    // The results are kept for the coverage only when it was asked for.
    let (summary, kept): (std::io::Result<conformance::Summary>, _) =
        if coverage.is_some() || min_coverage.is_some() {
            let mut keeping = conformance::Keeping {
                inner: reporter.as_mut(),
                results: Vec::new(),
            };
            let summary = runner.run(&cases, &mut keeping);
            (summary, Some(keeping.results))
        } else {
            (runner.run(&cases, reporter.as_mut()), None)
        };
    let summary = summary.context("writing the report")?;
    drop(reporter);
    if let Some(output) = output {
        output.commit().context("--output")?;
    }
    if summary.ran() == 0 && selected > 0 && !allow_empty && !summary.interrupted {
        bail!(
            "no case ran: all {selected} were skipped (the report says why); add --allow-empty \
             if a run that tests nothing is what you mean"
        );
    }
    let covered = kept.map(|results| Coverage::of(&spec, &results));
    if let (Some((path, pending, file)), Some(covered)) = (coverage, &covered) {
        let mut file = std::io::BufWriter::new(file);
        serde_json::to_writer_pretty(&mut file, covered)
            .map_err(std::io::Error::from)
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.flush())
            .and_then(|()| {
                drop(file);
                pending.commit()
            })
            .with_context(|| format!("--coverage {}", path.display()))?;
    }
    let short = match (min_coverage, &covered) {
        (Some(min), Some(covered)) if covered.percent < min => {
            eprintln!(
                "coverage {}% ({} of {} rules and codes) is below --min-coverage {min}; not \
                 exercised:",
                covered.percent, covered.covered, covered.total
            );
            for item in covered.uncovered() {
                eprintln!("  {item}");
            }
            true
        }
        _ => false,
    };
    Ok(if summary.interrupted {
        exit::INTERRUPTED
    } else if summary.failed || short {
        exit::FAILED
    } else {
        exit::OK
    })
}

/// The namespace a run made on its target, dropped when the run ends, however it ends.
struct OwnWorld<'a>(&'a dyn conformance::Target);

impl Drop for OwnWorld<'_> {
    fn drop(&mut self) {
        if let Err(error) = self.0.drop_own_world() {
            eprintln!("warning: the run's namespace was left on the target: {error}");
        }
    }
}

/// `check --in-process --mutants`: which deliberate faults the suite catches.
pub fn hunt(hunt: Hunt) -> anyhow::Result<u8> {
    let Hunt {
        spec,
        fixtures,
        filter,
        allow_empty,
    } = hunt;
    let (cases, rules) = fixtures.suite(&spec).context("the fixtures have errors")?;
    let selected: Vec<_> = conformance::select(&cases, filter.as_deref())
        .into_iter()
        .cloned()
        .collect();
    if selected.is_empty() && !allow_empty {
        bail!(
            "{}; every mutant would survive a suite of no case",
            nothing_selected(filter.as_deref(), cases.len())
        );
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let verdicts = conformance::judge_all(&spec, &selected, &rules, &fixtures, threads)
        .context("the fixtures have errors")?;
    let mut out = std::io::stdout().lock();
    conformance::verdicts(&mut out, &verdicts)?;
    Ok(if verdicts.iter().all(Verdict::killed) {
        exit::OK
    } else {
        exit::FAILED
    })
}

pub fn record(record: Record) -> anyhow::Result<()> {
    let Record {
        listen,
        recorder,
        out,
    } = record;
    let serving = std::sync::Arc::clone(&recorder);
    // As for serve: a stdout whose reader went is said once, and recording goes on.
    let bound = |addr| {
        if let Err(error) = announce(&format!("http://{addr}")) {
            logging::stdout_failed(&error);
        }
        Ok(())
    };
    server::serve_until_signal(
        listen,
        serving,
        &server::Limits::DEFAULT,
        server::Scheme::Http,
        bound,
    )
    .context("--listen")?;
    for problem in recorder.problems() {
        eprintln!("not recorded: {problem}");
    }
    writeln!(
        std::io::stdout(),
        "recorded {} exchange(s) in {}",
        recorder.recorded(),
        out.display()
    )?;
    Ok(())
}

/// Why no case was selected, as a sentence.
fn nothing_selected(filter: Option<&str>, total: usize) -> String {
    match filter {
        Some(pattern) => format!("--filter {pattern}: no case of the {total} matches"),
        None => "the suite has no case".into(),
    }
}

/// `spec lint`: every problem with its file, line and field; exit 2 if there is one.
pub fn lint(dir: Option<&std::path::Path>) -> anyhow::Result<u8> {
    let loaded = match dir {
        Some(dir) => Spec::from_dir(dir),
        None => Spec::embedded(),
    };
    match loaded {
        Ok(spec) => {
            let paths: Vec<&str> = spec.functions().iter().map(|f| f.path.as_str()).collect();
            let noun = if paths.len() == 1 {
                "function"
            } else {
                "functions"
            };
            let (count, names) = (paths.len(), paths.join(", "));
            writeln!(std::io::stdout(), "spec ok: {count} {noun} ({names})")?;
            Ok(exit::OK)
        }
        Err(errors) => {
            for error in &errors.0 {
                eprintln!("{error}");
            }
            eprintln!("spec has {} error(s)", errors.0.len());
            Ok(exit::ERROR)
        }
    }
}

/// Asks the fake for each world's contract, then writes them all under `--out` (nothing if any
/// world could not be one), and says what it wrote and how to check it.
pub fn contract(contract: Contract) -> anyhow::Result<()> {
    let Contract {
        fake,
        worlds,
        read_only,
        out,
    } = contract;
    let mut fetched = Vec::new();
    for (world, name) in &worlds {
        let which = match world {
            Some(world) => format!("namespace {world}"),
            None => "the default world".to_owned(),
        };
        let mut endpoint = String::from("contract");
        let mut query = Vec::new();
        if let Some(name) = name {
            query.push(format!("name={name}"));
        }
        if read_only {
            query.push("read_only=1".to_owned());
        }
        if !query.is_empty() {
            endpoint = format!("{endpoint}?{}", query.join("&"));
        }
        let (status, body) = fake
            .get_control(world.as_deref(), &endpoint)
            .context("--from: not a URL this fake's control plane can be asked at")?
            .with_context(|| format!("--from: asking for the contract of {which}"))?;
        if status != 200 {
            let why = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("HTTP {status} (is --from this fake?)"));
            bail!("the contract of {which}: {why}");
        }
        let contract: conformance::Contract = serde_json::from_str(&body).with_context(|| {
            format!("--from: the contract of {which} is not what this fake answers")
        })?;
        fetched.push((which, contract));
    }
    // Every file first: a reader of the summary that goes away (`| head -1`) stops nothing.
    let mut said = String::new();
    for (which, contract) in &fetched {
        contract.write(&out).context("--out")?;
        let calls = if contract.steps == 1 { "call" } else { "calls" };
        said.push_str(&format!(
            "wrote scenario/contract-{} ({} {calls} of {which}) to {}\n",
            contract.name,
            contract.steps,
            out.display()
        ));
        for note in &contract.notes {
            said.push_str(&format!("  note: {note}\n"));
        }
    }
    said.push_str(&format!(
        "check it with: enswitch-fake check --fixtures {} --target URL --config FILE\n",
        out.display()
    ));
    match std::io::stdout().lock().write_all(said.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
