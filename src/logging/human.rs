//! The log line for people: time of day, code, method and function, namespace, the failing
//! parameter and message, fault, duration; coloured by code on a terminal.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// One line per event, for people: the time (UTC), the code, what was called and how it went.
///
/// ```text
/// 05:40:01.123  200  GET cards/batches/create  410 µs
/// 05:40:02.001  400  GET cards/batches/create  [team]  number: Invalid number  80 µs
/// 05:40:03.456  500  POST cards/groups/update  fault error  20 µs
/// 05:40:04.010  200  GET cards/batches/create  390 µs  diagnostic: numbr is not a parameter of …
/// ```
///
/// The columns follow the event's fields in the order the workbench gives them (see
/// `workbench::log`), each written as it is visited. Every piece is a `&str` written as it is,
/// numbers included (`itoa`): no `format_args!`, whose machinery cost three times what the rest
/// of the line did, and nothing allocated.
pub(super) struct HumanFormat {
    pub(super) colour: bool,
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

/// ANSI colours: dim for the time and the duration, magenta for what bent an answer, yellow for
/// what the client got wrong.
const DIM: &str = "2";
const MARKED: &str = "35";
const WARNED: &str = "33";

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
            "diagnosed" => self.column(WARNED, &["diagnostic: ", value]),
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
pub(super) fn clock_text(now: Duration) -> [u8; 12] {
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
pub(super) fn clock_str(text: &[u8; 12]) -> &str {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use enswitch_fake::workbench::API_TARGET;
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::super::{Gathered, LineSink};
    use super::*;

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
}
