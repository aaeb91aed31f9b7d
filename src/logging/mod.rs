//! The request log of `serve`: the workbench's `tracing` events (one per API call, one per
//! control-plane call at debug level) written to stdout as a line of text or of JSON.
//!
//! A line is formatted where the event happens and appended to a buffer in memory; a thread of
//! its own writes the buffer out, every `FLUSH_EVERY` or as soon as it holds `WAKE_AT` bytes. So
//! a slow terminal never slows an answer, and no line is its own allocation freed on another
//! thread (which, measured, cost the hot path 30 % of its throughput with
//! `tracing_appender::non_blocking`, which sends each line as a `Vec`). If the buffer reaches
//! `BACKLOG` bytes because stdout cannot keep up, lines are dropped rather than answers held up,
//! and the log says how many. If stdout is closed (a harness that read the first line and went,
//! `serve | head -3`), the log goes quiet and says so once on stderr: the server serves on.
//!
//! - this file: starting the log, the buffer and its writer thread;
//! - `human`: the line for people; `json`: the line for machines.

use std::io::IsTerminal as _;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use enswitch_fake::workbench::{API_TARGET, CONTROL_TARGET};
use tracing::Level;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::cli::{LogFormat, LogLevel};

mod human;
mod json;

use human::HumanFormat;
use json::{Json, write_timestamp};

/// How often the writer thread writes what has gathered.
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// How much gathers before the writer thread is woken early.
const WAKE_AT: usize = 256 * 1024;
/// How much may wait for stdout before new lines are dropped.
const BACKLOG: usize = 16 * 1024 * 1024;
/// How long the last lines may take to be written once the server has stopped.
const LAST_WRITE: Duration = Duration::from_secs(1);

/// Starts the log; dropping the guard writes what is still gathered, so keep it until the
/// server has stopped. `None` when the log is off.
pub fn start(format: LogFormat, level: LogLevel) -> Option<Guard> {
    if format == LogFormat::Off {
        return None;
    }
    let (writer, guard) = Gathered::start(std::io::stdout());
    let control = match level {
        LogLevel::Info => Level::INFO,
        LogLevel::Debug => Level::DEBUG,
    };
    let targets = Targets::new()
        .with_target(API_TARGET, Level::INFO)
        .with_target(CONTROL_TARGET, control);
    let layer = tracing_subscriber::fmt::layer().with_writer(writer);
    let layer = match format {
        LogFormat::Json => layer.event_format(Json).with_filter(targets).boxed(),
        _ => layer
            .event_format(HumanFormat {
                colour: colour_wanted(),
            })
            .with_filter(targets)
            .boxed(),
    };
    tracing_subscriber::registry().with(layer).init();
    Some(guard)
}

/// Log lines waiting for the writer thread.
#[derive(Debug, Default)]
struct Gathered {
    pending: Mutex<Pending>,
    /// Wakes the writer: much has gathered, or the log is closing.
    wake: Condvar,
    /// Tells the guard the writer has written everything and stopped.
    done: Condvar,
}

#[derive(Debug, Default)]
struct Pending {
    bytes: Vec<u8>,
    /// Lines dropped since the last write, because stdout could not keep up.
    dropped: u64,
    /// stdout is closed: lines are dropped as they come.
    quiet: bool,
    closing: bool,
    closed: bool,
}

/// Where the log layer writes: the gathered lines.
#[derive(Debug, Clone)]
struct LineSink(Arc<Gathered>);

/// One line's way into the gathered lines: a borrow, so that writing a line touches no shared
/// counter (an `Arc` clone per line would, on every core).
struct LineWriter<'a>(&'a Gathered);

/// Stops the writer thread when dropped, once it has written the last lines (for at most
/// `LAST_WRITE`: a reader that stopped reading does not hold up the exit).
#[derive(Debug)]
pub struct Guard(Arc<Gathered>);

impl Gathered {
    fn start(out: impl std::io::Write + Send + 'static) -> (LineSink, Guard) {
        let gathered = Arc::new(Gathered::default());
        let writer = Arc::clone(&gathered);
        let spawned = std::thread::Builder::new()
            .name("enswitch-fake-log".into())
            .spawn(move || writer.write_out(out));
        if spawned.is_err() {
            // No thread, no log: lines gather until the backlog is full, then are dropped.
            gathered.lock().closed = true;
        }
        (LineSink(Arc::clone(&gathered)), Guard(gathered))
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The writer thread: takes what has gathered and writes it, until told to close.
    fn write_out(&self, mut out: impl std::io::Write) {
        let mut batch = Vec::with_capacity(WAKE_AT);
        loop {
            let mut pending = self.lock();
            if pending.bytes.is_empty() && !pending.closing {
                pending = self
                    .wake
                    .wait_timeout(pending, FLUSH_EVERY)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            std::mem::swap(&mut pending.bytes, &mut batch);
            let dropped = std::mem::take(&mut pending.dropped);
            let closing = pending.closing;
            drop(pending);
            let mut written = Ok(());
            if dropped > 0 {
                written = writeln!(
                    out,
                    "({dropped} log lines dropped: stdout could not keep up)"
                );
            }
            written = written
                .and_then(|()| out.write_all(&batch))
                .and_then(|()| out.flush());
            batch.clear();
            // A closed stdout is not the server's problem: the log goes quiet, and says so.
            if let Err(error) = written {
                stdout_failed(&error);
                let mut pending = self.lock();
                pending.quiet = true;
                pending.bytes = Vec::new();
            }
            if closing && self.lock().bytes.is_empty() {
                break;
            }
        }
        self.lock().closed = true;
        self.done.notify_all();
    }
}

impl std::io::Write for LineWriter<'_> {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let gathered = self.0;
        let mut pending = gathered.lock();
        if pending.quiet {
            return Ok(line.len());
        }
        if pending.bytes.len() + line.len() > BACKLOG {
            pending.dropped += 1;
        } else {
            pending.bytes.extend_from_slice(line);
            if pending.bytes.len() >= WAKE_AT {
                gathered.wake.notify_one();
            }
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LineSink {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> LineWriter<'a> {
        LineWriter(&self.0)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let mut pending = self.0.lock();
        pending.closing = true;
        self.0.wake.notify_all();
        let deadline = std::time::Instant::now() + LAST_WRITE;
        while !pending.closed {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return;
            }
            pending = self
                .0
                .done
                .wait_timeout(pending, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// Says once, on stderr, that stdout cannot be written (its reader went away): whatever `serve`
/// would have printed there from now on goes nowhere, and it serves on.
pub fn stdout_failed(error: &std::io::Error) {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        to_stderr(format_args!(
            "stdout: {error}: its reader went away, so the request log goes nowhere from now on; \
             serving goes on"
        ));
    }
}

/// A line on stderr while serving. Unlike `eprintln!`, a closed stderr is no panic (which in a
/// request would turn its answer into a 500): the line goes nowhere.
pub fn to_stderr(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Now as the JSON log writes it: `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn timestamp_now() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut text = String::new();
    let _ = write_timestamp(&mut text, now);
    text
}

/// Colour on a terminal, unless `NO_COLOR` is set to anything (<https://no-color.org>).
pub fn colour_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}
