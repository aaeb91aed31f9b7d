//! The log line for machines: one JSON object per event.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use super::human::{clock_str, clock_text};

/// One JSON object per event, on one line: `timestamp` (RFC 3339, UTC, milliseconds), `level`,
/// `target`, then the event's fields in order; a field the event lacks is left out.
///
/// ```text
/// {"timestamp":"2026-11-30T05:40:02.001Z","level":"INFO","target":"enswitch_fake::api","code":"400","method":"GET","function":"cards/batches/create","namespace":"team","key":"number","message":"…","took_us":80}
/// ```
pub(super) struct Json;

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
pub(super) fn write_timestamp(out: &mut impl std::fmt::Write, now: Duration) -> std::fmt::Result {
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
        match field.name() {
            // Already JSON (an array of objects); `diagnosed` is the human line's text of it.
            "diagnostics" => self.field("diagnostics", |out| out.write_str(value)),
            "diagnosed" => {}
            name => self.field(name, |out| json_string(out, value)),
        }
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
    fn timestamps_are_rfc_3339_in_utc() {
        let mut text = String::new();
        write_timestamp(&mut text, Duration::from_millis(1_796_011_201_007)).unwrap();
        assert_eq!(text, "2026-11-30T04:00:01.007Z");
    }
}
