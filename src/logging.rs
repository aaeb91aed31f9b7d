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

use std::io::IsTerminal as _;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use enswitch_fake::workbench::{API_TARGET, CONTROL_TARGET};
use tracing::Level;
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::cli::{LogFormat, LogLevel};

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

/// One line per event, for people: the time (UTC), the code, what was called and how it went.
///
/// ```text
/// 05:40:01.123  200  GET cards/batches/create  410 µs
/// 05:40:02.001  400  GET cards/batches/create  [team]  number: Invalid number  80 µs
/// 05:40:03.456  500  POST cards/groups/update  fault error  20 µs
/// ```
///
/// The columns follow the event's fields in the order the workbench gives them (see
/// `workbench::log`), each written as it is visited. Every piece is a `&str` written as it is,
/// numbers included (`itoa`): no `format_args!`, whose machinery cost three times what the rest
/// of the line did, and nothing allocated.
struct HumanFormat {
    colour: bool,
}

impl<S, N> FormatEvent<S, N> for HumanFormat
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _context: &FmtContext<'_, S, N>,
        writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let mut line = HumanLine {
            out: writer,
            colour: self.colour,
            first: true,
            keyed: false,
            result: Ok(()),
        };
        line.time();
        event.record(&mut line);
        line.result?;
        line.out.write_char('\n')
    }
}

/// ANSI colours: dim for the time and the duration, magenta for what bent an answer.
const DIM: &str = "2";
const MARKED: &str = "35";

/// A human line being written: columns two spaces apart, in colour or not.
struct HumanLine<'w> {
    out: Writer<'w>,
    colour: bool,
    first: bool,
    /// Whether a key was written, so that a message follows it as `key: message`.
    keyed: bool,
    /// The first failure to write, if any.
    result: std::fmt::Result,
}

impl HumanLine<'_> {
    fn time(&mut self) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        self.column(DIM, &[clock_str(&clock_text(now))]);
    }

    /// The envelope's code (or what happened instead), green, yellow or red.
    fn code(&mut self, code: &[&str], first_digit: Option<u8>) {
        let paint = match first_digit {
            Some(b'2' | b'3') => "32",
            Some(b'4') => "33",
            _ => "31",
        };
        self.column(paint, code);
    }

    /// One column, painted unless `paint` is empty or colour is off.
    fn column(&mut self, paint: &str, text: &[&str]) {
        let separator = if self.first { "" } else { "  " };
        self.first = false;
        self.write(separator, paint, text);
    }

    /// Text after a separator, painted. Whatever a client sent stays on one line, with no
    /// escape sequence of its own: control characters become spaces.
    fn write(&mut self, separator: &str, paint: &str, text: &[&str]) {
        if self.result.is_err() {
            return;
        }
        let paint = if self.colour { paint } else { "" };
        self.result = (|| {
            self.out.write_str(separator)?;
            if !paint.is_empty() {
                self.out.write_str("\x1b[")?;
                self.out.write_str(paint)?;
                self.out.write_str("m")?;
            }
            for piece in text {
                write_clean(&mut self.out, piece)?;
            }
            if !paint.is_empty() {
                self.out.write_str("\x1b[0m")?;
            }
            Ok(())
        })();
    }
}

impl Visit for HumanLine<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "code" => self.code(&[value], value.bytes().next()),
            "method" => self.column("", &[value]),
            // Beside the method: `GET cards/list`.
            "function" | "path" => self.write(" ", "", &[value]),
            "namespace" => self.column("", &["[", value, "]"]),
            "key" => {
                self.column("", &[value]);
                self.keyed = true;
            }
            "message" if self.keyed => self.write(": ", "", &[value]),
            "message" => self.column("", &[value]),
            "fault" => self.column(MARKED, &["fault ", value]),
            "mutant" => self.column(MARKED, &["mutant ", value]),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        let mut digits = itoa::Buffer::new();
        match field.name() {
            "status" => {
                let class = match value {
                    200..400 => b'2',
                    400..500 => b'4',
                    _ => b'5',
                };
                self.code(&[digits.format(value), "  _fake"], Some(class));
            }
            "took_us" if value < 1000 => self.column(DIM, &[digits.format(value), " µs"]),
            "took_us" => {
                // Tenths of a millisecond, rounded half up.
                let tenths = (value + 50) / 100;
                let mut fraction = itoa::Buffer::new();
                let (whole, tenth) = (digits.format(tenths / 10), fraction.format(tenths % 10));
                self.column(DIM, &[whole, ".", tenth, " ms"]);
            }
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

/// `now` (since 1970) as `HH:MM:SS.mmm` in UTC, the `HH:MM:SS` worked out once a second per
/// thread.
fn clock_text(now: Duration) -> [u8; 12] {
    thread_local! {
        static SECOND: std::cell::Cell<(u64, [u8; 9])> = const {
            std::cell::Cell::new((u64::MAX, *b"00:00:00."))
        };
    }
    let (mut second, mut clock) = SECOND.get();
    if second != now.as_secs() {
        second = now.as_secs();
        let of_day = second % 86_400;
        clock[0..2].copy_from_slice(&two_digits(of_day / 3600));
        clock[3..5].copy_from_slice(&two_digits(of_day / 60 % 60));
        clock[6..8].copy_from_slice(&two_digits(of_day % 60));
        SECOND.set((second, clock));
    }
    let millis = u64::from(now.subsec_millis());
    let mut text = [0u8; 12];
    text[..9].copy_from_slice(&clock);
    text[9] = b'0' + (millis / 100) as u8;
    text[10..].copy_from_slice(&two_digits(millis % 100));
    text
}

/// The text `clock_text` made, which is ASCII digits, colons and a dot.
fn clock_str(text: &[u8; 12]) -> &str {
    std::str::from_utf8(text).unwrap_or_default()
}

/// `value` (below 100) as two digits.
fn two_digits(value: u64) -> [u8; 2] {
    [b'0' + (value / 10 % 10) as u8, b'0' + (value % 10) as u8]
}

/// Writes `text` with its control characters (C0, DEL and C1) as spaces. Most text has none,
/// which one pass over its bytes tells: C0 and DEL are single bytes, and every C1 character
/// starts with the byte 0xC2.
fn write_clean(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    if !text.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2) {
        return out.write_str(text);
    }
    let mut rest = text;
    while let Some(at) = rest.find(char::is_control) {
        out.write_str(&rest[..at])?;
        out.write_char(' ')?;
        let width = rest[at..].chars().next().map_or(1, char::len_utf8);
        rest = &rest[at + width..];
    }
    out.write_str(rest)
}

/// One JSON object per event, on one line: `timestamp` (RFC 3339, UTC, milliseconds), `level`,
/// `target`, then the event's fields in order; a field the event lacks is left out.
///
/// ```text
/// {"timestamp":"2026-11-30T05:40:02.001Z","level":"INFO","target":"enswitch_fake::api","code":"400","method":"GET","function":"cards/batches/create","namespace":"team","key":"number","message":"…","took_us":80}
/// ```
struct Json;

impl<S, N> FormatEvent<S, N> for Json
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let metadata = event.metadata();
        writer.write_str(r#"{"timestamp":""#)?;
        write_timestamp(&mut writer, now)?;
        write!(
            writer,
            r#"","level":"{}","target":"{}""#,
            metadata.level(),
            metadata.target()
        )?;
        let mut object = JsonFields {
            out: writer,
            result: Ok(()),
        };
        event.record(&mut object);
        object.result?;
        object.out.write_str("}\n")
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`; the date is worked out once a day per thread, the time of day by
/// `clock_text`, as the human line writes it.
fn write_timestamp(out: &mut impl std::fmt::Write, now: Duration) -> std::fmt::Result {
    thread_local! {
        static DAY: std::cell::RefCell<(u64, String)> = const {
            std::cell::RefCell::new((u64::MAX, String::new()))
        };
    }
    let seconds = now.as_secs();
    let day = seconds / 86_400;
    DAY.with_borrow_mut(|(cached, date)| {
        if *cached != day {
            let midnight = i64::try_from(day * 86_400).unwrap_or(i64::MAX);
            let text = enswitch_fake::fake::format_utc(midnight);
            *date = text.split(' ').next().unwrap_or_default().to_owned();
            *cached = day;
        }
        out.write_str(date)?;
        out.write_char('T')?;
        out.write_str(clock_str(&clock_text(now)))?;
        out.write_char('Z')
    })
}

/// The fields of a JSON line, written as they are visited.
struct JsonFields<'w> {
    out: Writer<'w>,
    result: std::fmt::Result,
}

impl JsonFields<'_> {
    fn field(&mut self, name: &str, value: impl FnOnce(&mut Writer<'_>) -> std::fmt::Result) {
        if self.result.is_ok() {
            self.result = write!(self.out, r#","{name}":"#).and_then(|()| value(&mut self.out));
        }
    }
}

impl Visit for JsonFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field.name(), |out| json_string(out, value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field.name(), |out| write!(out, "{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

/// `text` as a JSON string (RFC 8259): quotes, backslashes and control characters escaped.
fn json_string(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    out.write_char('"')?;
    let mut rest = text;
    while let Some(at) = rest.find(|c: char| c == '"' || c == '\\' || c.is_ascii_control()) {
        out.write_str(&rest[..at])?;
        let c = rest.as_bytes()[at];
        match c {
            b'"' => out.write_str("\\\"")?,
            b'\\' => out.write_str("\\\\")?,
            b'\n' => out.write_str("\\n")?,
            b'\r' => out.write_str("\\r")?,
            b'\t' => out.write_str("\\t")?,
            other => write!(out, "\\u{other:04x}")?,
        }
        rest = &rest[at + 1..];
    }
    out.write_str(rest)?;
    out.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_what_json_requires_and_parse_back() {
        let hostile = "a\"b\\c\nd\u{1b}[31me\u{7f}é</script>";
        let mut text = String::new();
        json_string(&mut text, hostile).unwrap();
        assert!(!text.contains('\n') && !text.contains('\u{1b}'));
        let parsed: String = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, hostile);
    }

    #[test]
    fn control_characters_become_spaces_in_a_human_line() {
        let mut text = String::new();
        write_clean(&mut text, "a\nb\u{1b}[2Jc\u{85}d\u{7f}e\u{a0}f").unwrap();
        assert_eq!(text, "a b [2Jc d e\u{a0}f");
        text.clear();
        write_clean(&mut text, "café µs").unwrap();
        assert_eq!(text, "café µs");
    }

    /// The lines `format` makes of one API event, with colour or not.
    fn line_of(colour: bool, code: &str, key: Option<&str>) -> String {
        line_took(colour, code, key, 1500)
    }

    fn line_took(colour: bool, code: &str, key: Option<&str>, took_us: u64) -> String {
        let written = Arc::new(Gathered::default());
        let sink = LineSink(Arc::clone(&written));
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(sink)
            .event_format(HumanFormat { colour });
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(
                target: API_TARGET,
                code,
                method = "GET",
                function = "cards/list",
                namespace = Some("team"),
                key,
                message = key.map(|_| "Invalid\nbatch"),
                fault = None::<&str>,
                took_us,
            );
        });
        let bytes = written.lock().bytes.clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_human_line_is_coloured_by_code_only_when_asked() {
        let plain = line_of(false, "400", Some("batch"));
        let columns: Vec<&str> = plain.trim_end().split("  ").collect();
        assert_eq!(
            columns[1..],
            [
                "400",
                "GET cards/list",
                "[team]",
                "batch: Invalid batch",
                "1.5 ms"
            ]
        );
        assert!(!plain.contains('\u{1b}'));
        let coloured = line_of(true, "400", Some("batch"));
        assert!(coloured.contains("\u{1b}[33m400\u{1b}[0m"), "{coloured:?}");
        assert!(line_of(true, "204", None).contains("\u{1b}[32m204"));
        assert!(line_of(true, "500", None).contains("\u{1b}[31m500"));
    }

    #[test]
    fn a_duration_shows_in_microseconds_then_in_tenths_of_a_millisecond() {
        for (took_us, shown) in [
            (0, "0 µs"),
            (999, "999 µs"),
            (1000, "1.0 ms"),
            (1049, "1.0 ms"),
            (1050, "1.1 ms"),
            (12_345, "12.3 ms"),
            (3_600_000_000, "3600000.0 ms"),
        ] {
            let line = line_took(false, "204", None, took_us);
            assert!(
                line.ends_with(&format!("  {shown}\n")),
                "{took_us}: {line:?}"
            );
        }
    }

    #[test]
    fn a_human_line_shows_the_time_of_day_in_utc_to_the_millisecond() {
        let at = |millis| String::from_utf8(clock_text(Duration::from_millis(millis)).to_vec());
        assert_eq!(at(1_796_011_201_007).unwrap(), "04:00:01.007");
        assert_eq!(at(1_796_011_201_999).unwrap(), "04:00:01.999");
        assert_eq!(at(1_796_056_799_040).unwrap(), "16:39:59.040");
        assert_eq!(at(1_796_011_201_500).unwrap(), "04:00:01.500");
    }

    #[test]
    fn timestamps_are_rfc_3339_in_utc() {
        let mut text = String::new();
        write_timestamp(&mut text, Duration::from_millis(1_796_011_201_007)).unwrap();
        assert_eq!(text, "2026-11-30T04:00:01.007Z");
    }
}
