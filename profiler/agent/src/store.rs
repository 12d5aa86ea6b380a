//! The profile directory: file names, atomic writes and rotation.
//!
//! A file is named `<service>-<YYYYMMDD>T<HHMMSS>.<mmm>Z-<pid>.pb.gz`, with the UTC start
//! of its interval. The timestamp has a fixed width, so names of one service sort by time.
//! A file is written under a hidden temporary name in the same directory and renamed into
//! place, so a reader listing `*.pb.gz` never sees half a file.
//!
//! Rotation keeps the newest `keep` files of the service, whatever process wrote them: a
//! restarted or crash-looping service cannot fill the disk with files of its old pids, and
//! workers of one service sharing a directory share the budget.

use std::fs::{self, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::error::Error;

const SUFFIX: &str = ".pb.gz";

/// Whether `name` can stand for the service in a file name and be parsed back.
pub(crate) fn valid_service_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The directory the agent writes to, for one service and process.
#[derive(Debug)]
pub(crate) struct Store {
    dir: PathBuf,
    service: String,
    pid: u32,
    keep: usize,
    /// Milliseconds since the epoch in the last name written: names of one process
    /// strictly increase, so no write replaces an earlier one.
    last_millis: Option<u64>,
}

impl Store {
    /// Creates the directory if needed and proves that a file can be created in it.
    pub(crate) fn open(dir: &Path, service: &str, pid: u32, keep: usize) -> Result<Store, Error> {
        let not_writable = |source| Error::DirectoryNotWritable {
            dir: dir.to_path_buf(),
            source,
        };
        fs::create_dir_all(dir).map_err(not_writable)?;
        tempfile::Builder::new()
            .prefix(".argus-agent-probe-")
            .tempfile_in(dir)
            .map_err(not_writable)?;
        Ok(Store {
            dir: dir.to_path_buf(),
            service: service.to_string(),
            pid,
            keep,
            last_millis: None,
        })
    }

    /// Gzips `profile` (encoded protobuf) into a new file named for `start`, atomically.
    pub(crate) fn write(&mut self, start: SystemTime, profile: &[u8]) -> Result<PathBuf, Error> {
        let mut millis = unix_millis(start);
        if let Some(last) = self.last_millis
            && millis <= last
        {
            millis = last + 1;
        }
        let path = self.dir.join(file_name(&self.service, millis, self.pid));
        let failed = |source| Error::Write {
            path: path.clone(),
            source,
        };
        let mut temp = tempfile::Builder::new()
            .prefix(".argus-agent-")
            .suffix(".tmp")
            // Readable by the operator running `argus`, as any file the service creates
            // (the umask applies); the default of temporary files is owner-only.
            .permissions(Permissions::from_mode(0o644))
            .tempfile_in(&self.dir)
            .map_err(failed)?;
        let mut gz = GzEncoder::new(temp.as_file_mut(), Compression::default());
        gz.write_all(profile).map_err(failed)?;
        gz.finish().map_err(failed)?;
        temp.as_file().sync_all().map_err(failed)?;
        temp.persist(&path).map_err(|e| failed(e.error))?;
        self.last_millis = Some(millis);
        Ok(path)
    }

    /// The profiles of this service in the directory, newest first.
    pub(crate) fn profiles(&self) -> Result<Vec<PathBuf>, Error> {
        let listed = |source| Error::List {
            dir: self.dir.clone(),
            source,
        };
        let mut found: Vec<(String, u32, PathBuf)> = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(listed)? {
            let entry = entry.map_err(listed)?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            if let Some(parsed) = parse_file_name(name)
                && parsed.service == self.service
            {
                found.push((parsed.timestamp.to_string(), parsed.pid, entry.path()));
            }
        }
        found.sort_by(|a, b| b.cmp(a));
        Ok(found.into_iter().map(|(_, _, path)| path).collect())
    }

    /// Deletes the profiles of this service beyond the newest `keep`. A file already gone
    /// (deleted by another process of the service) is not an error; the first other
    /// failure is returned after trying every file.
    pub(crate) fn rotate(&self) -> Result<usize, Error> {
        let mut deleted = 0;
        let mut first_error = None;
        for path in self.profiles()?.into_iter().skip(self.keep) {
            match fs::remove_file(&path) {
                Ok(()) => deleted += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => {
                    first_error.get_or_insert(Error::Rotate { path, source });
                }
            }
        }
        match first_error {
            Some(error) => Err(error),
            None => Ok(deleted),
        }
    }
}

/// The parts of a profile file name.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FileName<'a> {
    pub(crate) service: &'a str,
    pub(crate) timestamp: &'a str,
    pub(crate) pid: u32,
}

/// `<service>-<timestamp>-<pid>.pb.gz`; the service may itself contain `-`.
pub(crate) fn file_name(service: &str, unix_millis: u64, pid: u32) -> String {
    format!("{service}-{}-{pid}{SUFFIX}", utc_timestamp(unix_millis))
}

/// Reads a name written by [`file_name`]; `None` for any other file.
pub(crate) fn parse_file_name(name: &str) -> Option<FileName<'_>> {
    let stem = name.strip_suffix(SUFFIX)?;
    let (rest, pid) = stem.rsplit_once('-')?;
    let (service, timestamp) = rest.rsplit_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let shape_ok = timestamp.len() == 20
        && digits(&timestamp[..8])
        && &timestamp[8..9] == "T"
        && digits(&timestamp[9..15])
        && &timestamp[15..16] == "."
        && digits(&timestamp[16..19])
        && &timestamp[19..] == "Z";
    if !shape_ok || !digits(pid) || service.is_empty() {
        return None;
    }
    Some(FileName {
        service,
        timestamp,
        pid: pid.parse().ok()?,
    })
}

pub(crate) fn unix_millis(time: SystemTime) -> u64 {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// ISO 8601 basic format in UTC with milliseconds: `20260514T093012.345Z`.
pub(crate) fn utc_timestamp(unix_millis: u64) -> String {
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
    fn file_names_parse_back_even_with_dashes_in_the_service() {
        let name = file_name("order-api", 1_709_251_199_999, 4242);
        assert_eq!(name, "order-api-20240229T235959.999Z-4242.pb.gz");
        assert_eq!(
            parse_file_name(&name),
            Some(FileName {
                service: "order-api",
                timestamp: "20240229T235959.999Z",
                pid: 4242
            })
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

    #[test]
    fn writes_in_the_same_millisecond_get_distinct_names() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path(), "api", 7, 10).unwrap();
        let now = SystemTime::now();
        let a = store.write(now, b"one").unwrap();
        let b = store.write(now, b"two").unwrap();
        assert_ne!(a, b);
        assert_eq!(store.profiles().unwrap(), vec![b, a]);
    }

    #[test]
    fn rotation_keeps_the_newest_files_of_the_service_only() {
        let dir = tempfile::tempdir().unwrap();
        let old_run = dir.path().join(file_name("api", 1_000, 99));
        let other_service = dir.path().join(file_name("billing", 1_000, 99));
        let unrelated = dir.path().join("notes.txt");
        for path in [&old_run, &other_service, &unrelated] {
            fs::write(path, b"x").unwrap();
        }
        let mut store = Store::open(dir.path(), "api", 7, 2).unwrap();
        let start = SystemTime::now();
        let written: Vec<PathBuf> = (0..3)
            .map(|i| store.write(start + Duration::from_secs(i), b"p").unwrap())
            .collect();
        assert_eq!(store.rotate().unwrap(), 2);
        assert_eq!(
            store.profiles().unwrap(),
            vec![written[2].clone(), written[1].clone()]
        );
        assert!(!old_run.exists());
        assert!(other_service.exists() && unrelated.exists());
    }
}
