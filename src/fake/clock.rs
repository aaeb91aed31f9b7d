//! Time, injected. The default clock is logical: it starts at a fixed instant and moves one
//! second each time it is read, so the same requests give the same times on every run; `system`
//! reads the wall clock. Times are shown as `YYYY-MM-DD HH:MM:SS` in UTC.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// 2026-01-01 00:00:00 UTC, where the logical clock starts.
pub(super) const LOGICAL_EPOCH: i64 = 1_767_225_600;

/// Which clock a world reads (`--clock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockKind {
    /// Starts at `LOGICAL_EPOCH` and moves one second per reading.
    #[default]
    Logical,
    /// The wall clock.
    System,
}

#[derive(Debug)]
pub enum Clock {
    /// Seconds since the Unix epoch, advancing by one on each read.
    Logical(AtomicI64),
    System,
}

impl Clock {
    /// A clock of `kind`, at its start.
    pub fn new(kind: ClockKind) -> Clock {
        match kind {
            ClockKind::Logical => Clock::Logical(AtomicI64::new(LOGICAL_EPOCH)),
            ClockKind::System => Clock::System,
        }
    }

    /// The current time as the API shows it.
    pub fn now(&self) -> String {
        format_utc(self.tick())
    }

    /// The current time in seconds since 1970, moving the logical clock on by one.
    pub fn tick(&self) -> i64 {
        match self {
            Clock::Logical(next) => next.fetch_add(1, Ordering::Relaxed),
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        }
    }

    /// The current time in seconds since 1970, without moving the logical clock: what a check
    /// of a token's expiry reads, so that checking changes no time a later answer shows.
    pub fn peek(&self) -> i64 {
        match self {
            Clock::Logical(next) => next.load(Ordering::Relaxed),
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        }
    }

    /// Moves the logical clock on by `seconds` (`POST /_fake/clock`), so that expiry can be
    /// tested without waiting; `false` for the wall clock, which no one moves.
    pub fn advance(&self, seconds: i64) -> bool {
        match self {
            Clock::Logical(next) => {
                next.fetch_add(seconds, Ordering::Relaxed);
                true
            }
            Clock::System => false,
        }
    }

    /// The logical clock's next reading in seconds, to save it; `None` for the wall clock.
    pub fn position(&self) -> Option<i64> {
        match self {
            Clock::Logical(next) => Some(next.load(Ordering::Relaxed)),
            Clock::System => None,
        }
    }

    /// Where the logical clock starts; `None` for the wall clock.
    pub fn start(&self) -> Option<i64> {
        match self {
            Clock::Logical(_) => Some(LOGICAL_EPOCH),
            Clock::System => None,
        }
    }

    /// Moves the logical clock to a saved position; the wall clock ignores it.
    pub fn set_position(&self, seconds: i64) {
        if let Clock::Logical(next) = self {
            next.store(seconds, Ordering::Relaxed);
        }
    }

    /// Back to where it started, as after a reset.
    pub fn reset(&self) {
        if let Clock::Logical(next) = self {
            next.store(LOGICAL_EPOCH, Ordering::Relaxed);
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) back to seconds since 1970; `None` if it is not that shape.
#[cfg(any(feature = "state", test))]
pub(crate) fn parse_utc(text: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if text.len() != 19 {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    // Days from civil, the inverse of `format_utc`'s civil from days.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Seconds since 1970 as `YYYY-MM-DD HH:MM:SS`, by the days-to-civil algorithm of the proleptic
/// Gregorian calendar.
pub fn format_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting_matches_known_instants() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(LOGICAL_EPOCH), "2026-01-01 00:00:00");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_utc(1_709_251_199), "2024-02-29 23:59:59");
    }

    #[test]
    fn parsing_gives_back_what_formatting_wrote() {
        for seconds in [0, LOGICAL_EPOCH, 951_782_400, 1_709_251_199, 4_102_444_799] {
            assert_eq!(parse_utc(&format_utc(seconds)), Some(seconds), "{seconds}");
        }
        assert_eq!(parse_utc("2026-01-01"), None);
        assert_eq!(parse_utc("2026-01-01 00:00:0x"), None);
    }

    #[test]
    fn the_logical_clock_ticks_once_per_read_and_resets() {
        let clock = Clock::new(ClockKind::Logical);
        assert_eq!(clock.now(), "2026-01-01 00:00:00");
        assert_eq!(clock.now(), "2026-01-01 00:00:01");
        clock.reset();
        assert_eq!(clock.now(), "2026-01-01 00:00:00");
    }
}
