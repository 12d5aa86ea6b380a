//! The names of profile files in a profile directory, shared by every writer and reader.
//!
//! A file is named `<service>-<YYYYMMDD>T<HHMMSS>.<mmm>Z-<pid>.pb.gz`, with the UTC start
//! of its interval. The timestamp has a fixed width, so names of one service sort by time.
//! The agent and `argus profile --continuous` write these names and `argus view` and
//! `argus report` read them; this module is their one definition, kept free of the
//! agent's profiler so that readers can use it without linking pprof-rs.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The extension of every profile file.
pub const SUFFIX: &str = ".pb.gz";

/// Whether `name` can stand for the service in a file name and be parsed back: letters,
/// digits, `.`, `_` and `-`, not empty and not starting with `.`.
pub fn valid_service_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The parts of a profile file name.
#[derive(Debug, PartialEq, Eq)]
pub struct FileName<'a> {
    pub service: &'a str,
    /// `20260514T093012.345Z`.
    pub timestamp: &'a str,
    pub pid: u32,
}

impl FileName<'_> {
    /// The start the name records, in milliseconds since the Unix epoch.
    pub fn unix_millis(&self) -> Option<u64> {
        parse_utc_timestamp(self.timestamp)
    }
}

/// `<service>-<timestamp>-<pid>.pb.gz`; the service may itself contain `-`.
pub fn file_name(service: &str, unix_millis: u64, pid: u32) -> String {
    format!("{service}-{}-{pid}{SUFFIX}", utc_timestamp(unix_millis))
}

/// Reads a name written by [`file_name`]; `None` for any other file.
pub fn parse_file_name(name: &str) -> Option<FileName<'_>> {
    let stem = name.strip_suffix(SUFFIX)?;
    let (rest, pid) = stem.rsplit_once('-')?;
    let (service, timestamp) = rest.rsplit_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if parse_utc_timestamp(timestamp).is_none() || !digits(pid) || service.is_empty() {
        return None;
    }
    Some(FileName {
        service,
        timestamp,
        pid: pid.parse().ok()?,
    })
}

/// Milliseconds since the Unix epoch; 0 for a time before it.
pub fn unix_millis(time: SystemTime) -> u64 {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// ISO 8601 basic format in UTC with milliseconds: `20260514T093012.345Z`.
pub fn utc_timestamp(unix_millis: u64) -> String {
    let secs = unix_millis / 1000;
    let days = secs / 86_400;
    let of_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}.{:03}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        unix_millis % 1000
    )
}

/// Reads a timestamp written by [`utc_timestamp`] back into milliseconds since the epoch.
pub fn parse_utc_timestamp(timestamp: &str) -> Option<u64> {
    let bytes = timestamp.as_bytes();
    let shape_ok = bytes.len() == 20
        && bytes.get(8) == Some(&b'T')
        && bytes.get(15) == Some(&b'.')
        && bytes.get(19) == Some(&b'Z');
    if !shape_ok {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u64> {
        let part = timestamp.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (number(0..4)?, number(4..6)?, number(6..8)?);
    let (hour, minute, second) = (number(9..11)?, number(11..13)?, number(13..15)?);
    let millis = number(16..19)?;
    if year < 1970
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000) + millis)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The inverse of [`civil_from_days`] (Hinnant's `days_from_civil`), for years from 1970.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let yoe = year - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).saturating_sub(719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        assert_eq!(utc_timestamp(0), "19700101T000000.000Z");
        // 2024-02-29T23:59:59.999Z, a leap day.
        assert_eq!(utc_timestamp(1_709_251_199_999), "20240229T235959.999Z");
        assert_eq!(utc_timestamp(1_709_251_200_000), "20240301T000000.000Z");
        // 2000-01-01, a leap year divisible by 400.
        assert_eq!(utc_timestamp(946_684_800_000), "20000101T000000.000Z");
    }

    #[test]
    fn timestamps_parse_back_to_the_same_millisecond() {
        for millis in [
            0,
            1_709_251_199_999,
            1_709_251_200_000,
            946_684_800_000,
            1_795_000_123_456,
        ] {
            assert_eq!(parse_utc_timestamp(&utc_timestamp(millis)), Some(millis));
        }
        for bad in ["20241301T000000.000Z", "2024010 T000000.000Z", "x"] {
            assert_eq!(parse_utc_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn file_names_parse_back_even_with_dashes_in_the_service() {
        let name = file_name("order-api", 1_709_251_199_999, 4242);
        assert_eq!(name, "order-api-20240229T235959.999Z-4242.pb.gz");
        let parsed = parse_file_name(&name);
        assert_eq!(
            parsed,
            Some(FileName {
                service: "order-api",
                timestamp: "20240229T235959.999Z",
                pid: 4242
            })
        );
        assert_eq!(
            parsed.and_then(|p| p.unix_millis()),
            Some(1_709_251_199_999)
        );
    }

    #[test]
    fn other_files_are_not_taken_for_profiles() {
        for name in [
            "README.md",
            "api-20240229T235959.999Z-4242.pb",
            "api-20240229T235959Z-4242.pb.gz",
            "api-20240229T235959.999Z-x.pb.gz",
            "-20240229T235959.999Z-1.pb.gz",
            ".argus-agent-abc.tmp",
        ] {
            assert_eq!(parse_file_name(name), None, "{name}");
        }
    }

    #[test]
    fn service_names_that_would_break_the_file_name_are_refused() {
        assert!(valid_service_name("order-api_v2.1"));
        for bad in ["", "a/b", ".hidden", "white space", "ünï"] {
            assert!(!valid_service_name(bad), "{bad}");
        }
    }
}
