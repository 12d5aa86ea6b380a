//! A profile directory: one gzipped pprof file per interval, as written by
//! `argus profile --continuous` and by the in-process agent (`argus-agent`), and read
//! back by `argus view` and `argus report` as one profile over a time window.
//!
//! Files are named `<service>-<UTC start>-<pid>.pb.gz` ([`argus_agent::layout`] is the one
//! definition of the name), hold `time_nanos` and `duration_nanos`, and are written under
//! a hidden temporary name and renamed into place, so a reader never sees half a file.
//!
//! # Windows
//!
//! A [`Window`] is measured back from the end of the newest interval in the directory,
//! not from the clock: `last 1h` of a directory copied off a server yesterday is that
//! server's last recorded hour. An interval belongs to the window that holds its
//! midpoint, so adjacent windows (`last 1h` and `previous 1h`) never share an interval.

use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use argus_agent::layout;
use flate2::read::GzDecoder;
use prost::Message;

use crate::format::{self, Format, FormatError, WriteOptions};
use crate::model::{Profile, Runtime};

/// A directory could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot list the profile directory {}: {source}", dir.display())]
    List { dir: PathBuf, source: io::Error },
    #[error(
        "{} holds no profile files (<service>-<UTC start>-<pid>.pb.gz); record some with `argus profile --continuous --out-dir {}`",
        dir.display(), dir.display()
    )]
    NoProfiles { dir: PathBuf },
    #[error(
        "{}: no interval falls in the window `{window}` (the directory covers {covers}); choose a wider window",
        dir.display()
    )]
    EmptyWindow {
        dir: PathBuf,
        window: Window,
        covers: String,
    },
    #[error("{}: not a readable profile: {message}; move it out of the directory or delete it", path.display())]
    Unreadable { path: PathBuf, message: String },
    #[error("{}: has no start time (no time_nanos, and its name is not <service>-<UTC start>-<pid>.pb.gz)", path.display())]
    NoStart { path: PathBuf },
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("`{text}` is not a time window: {reason}")]
    BadWindow { text: String, reason: String },
    #[error(
        "the profile directory {} is not writable ({source}): create it, give this user write permission on it, or choose another --out-dir",
        dir.display()
    )]
    NotWritable { dir: PathBuf, source: io::Error },
    #[error(
        "the service name {name:?} cannot be part of a file name: use letters, digits, '.', '_' and '-' only"
    )]
    InvalidServiceName { name: String },
    #[error("cannot delete the old profile {} ({source})", path.display())]
    Rotate { path: PathBuf, source: io::Error },
}

/// One profile file of a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interval {
    pub path: PathBuf,
    /// The service in the file name, when the name follows the layout.
    pub service: Option<String>,
    /// The process in the file name, when the name follows the layout.
    pub pid: Option<u32>,
    /// The interval's start: the profile's `time_nanos`, else the time in the file name.
    pub start_unix_ns: u64,
    /// The profile's `duration_nanos`; 0 when the file does not say.
    pub duration_ns: u64,
    /// The file's size in bytes.
    pub size: u64,
}

impl Interval {
    pub fn end_unix_ns(&self) -> u64 {
        self.start_unix_ns.saturating_add(self.duration_ns)
    }

    fn midpoint_unix_ns(&self) -> u64 {
        self.start_unix_ns.saturating_add(self.duration_ns / 2)
    }
}

/// What [`list`] found: the intervals, oldest first, and the profile files it had to
/// skip, each with the reason. One bad file never hides the others.
#[derive(Debug, Default)]
pub struct Listing {
    pub intervals: Vec<Interval>,
    pub skipped: Vec<StoreError>,
}

/// The top-level fields of `profile.proto` that place a profile in time; the decoder
/// skips every other field, so listing a directory does not build its profiles.
#[derive(Clone, PartialEq, prost::Message)]
struct Header {
    #[prost(int64, tag = "9")]
    time_nanos: i64,
    #[prost(int64, tag = "10")]
    duration_nanos: i64,
}

/// Whether a file name is a candidate profile: `.pb.gz`, `.pb` or `.pprof`, not hidden
/// (temporary files being written are hidden).
fn is_candidate(name: &str) -> bool {
    !name.starts_with('.') && Format::from_path(Path::new(name)) == Some(Format::Pprof)
}

/// The profile files of `dir`, sorted by start (then path). Files that are not profiles
/// are ignored; profiles that cannot be read are listed in [`Listing::skipped`].
pub fn list(dir: &Path) -> Result<Listing, StoreError> {
    let listed = |source| StoreError::List {
        dir: dir.to_path_buf(),
        source,
    };
    let mut listing = Listing::default();
    for entry in fs::read_dir(dir).map_err(listed)? {
        let entry = entry.map_err(listed)?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        if !is_candidate(name) || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        match read_interval(&entry.path(), name) {
            Ok(interval) => listing.intervals.push(interval),
            Err(error) => listing.skipped.push(error),
        }
    }
    listing
        .intervals
        .sort_by(|a, b| (a.start_unix_ns, &a.path).cmp(&(b.start_unix_ns, &b.path)));
    Ok(listing)
}

/// One profile file's place in time, read from its header (and name).
pub fn interval(path: &Path) -> Result<Interval, StoreError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    read_interval(path, &name)
}

fn read_interval(path: &Path, name: &str) -> Result<Interval, StoreError> {
    let unreadable = |message: String| StoreError::Unreadable {
        path: path.to_path_buf(),
        message,
    };
    let bytes = fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    let raw = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| unreadable(format!("the gzip stream is damaged or cut short: {e}")))?;
        out
    } else {
        bytes
    };
    let header = Header::decode(raw.as_slice())
        .map_err(|e| unreadable(format!("not a pprof profile: {e}")))?;
    let parsed = layout::parse_file_name(name);
    let start_unix_ns = u64::try_from(header.time_nanos)
        .ok()
        .filter(|t| *t > 0)
        .or_else(|| {
            parsed
                .as_ref()
                .and_then(|p| p.unix_millis())
                .map(|ms| ms.saturating_mul(1_000_000))
        })
        .ok_or_else(|| StoreError::NoStart {
            path: path.to_path_buf(),
        })?;
    Ok(Interval {
        path: path.to_path_buf(),
        service: parsed.as_ref().map(|p| p.service.to_string()),
        pid: parsed.as_ref().map(|p| p.pid),
        start_unix_ns,
        duration_ns: u64::try_from(header.duration_nanos).unwrap_or(0),
        size: fs::metadata(path).map(|m| m.len()).unwrap_or(0),
    })
}

/// A span of time in a profile directory, measured back from the end of its newest
/// interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// The last `d`: `1h`, `last 1h`.
    Last(Duration),
    /// The `d` before the last `d`: `previous 1h` is the hour before the last hour.
    Previous(Duration),
}

impl Window {
    /// `[start, end)` in nanoseconds since the epoch, for a directory whose newest
    /// interval ends at `anchor_unix_ns`.
    pub fn range(&self, anchor_unix_ns: u64) -> (u64, u64) {
        let nanos = |d: &Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        match self {
            // The end is exclusive; the newest interval's midpoint lies before it anyway.
            Window::Last(d) => (anchor_unix_ns.saturating_sub(nanos(d)), u64::MAX),
            Window::Previous(d) => {
                let end = anchor_unix_ns.saturating_sub(nanos(d));
                (end.saturating_sub(nanos(d)), end)
            }
        }
    }

    /// Whether the interval's midpoint lies in the window.
    pub fn holds(&self, interval: &Interval, anchor_unix_ns: u64) -> bool {
        let (start, end) = self.range(anchor_unix_ns);
        let mid = interval.midpoint_unix_ns();
        start <= mid && mid < end
    }
}

impl FromStr for Window {
    type Err = StoreError;

    /// `1h`, `last 30m`, `previous 1h` (any duration humantime reads: `90s`, `2h 30m`).
    fn from_str(text: &str) -> Result<Window, StoreError> {
        let bad = |reason: String| StoreError::BadWindow {
            text: text.to_string(),
            reason,
        };
        let trimmed = text.trim();
        let (previous, span) = if let Some(rest) = trimmed.strip_prefix("last ") {
            (false, rest)
        } else if let Some(rest) = trimmed.strip_prefix("previous ") {
            (true, rest)
        } else {
            (false, trimmed)
        };
        let duration = humantime::parse_duration(span.trim()).map_err(|e| {
            bad(format!(
                "{e}; write a duration such as `1h`, `last 30m` or `previous 1h`"
            ))
        })?;
        if duration.is_zero() {
            return Err(bad("the window is empty; use e.g. `1h`".to_string()));
        }
        Ok(if previous {
            Window::Previous(duration)
        } else {
            Window::Last(duration)
        })
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Window::Last(d) => write!(f, "last {}", humantime::format_duration(*d)),
            Window::Previous(d) => write!(f, "previous {}", humantime::format_duration(*d)),
        }
    }
}

/// The intervals of a window merged into one profile.
#[derive(Debug)]
pub struct Loaded {
    /// The merged profile. Its `start_unix_ns` is the first interval's start and its
    /// duration runs to the last interval's end.
    pub profile: Profile,
    /// The intervals merged, oldest first.
    pub intervals: Vec<Interval>,
    /// Files skipped while listing or reading, each with the reason.
    pub skipped: Vec<StoreError>,
}

/// Reads the intervals of `dir` that fall in `window` (all of them for `None`) and
/// merges them into one profile. Unreadable files are skipped and reported in
/// [`Loaded::skipped`]; it fails when no interval is left.
pub fn load(dir: &Path, window: Option<Window>) -> Result<Loaded, StoreError> {
    let listing = list(dir)?;
    load_listing(dir, listing, window)
}

/// [`load`] on a listing already made, so that two windows of one directory (for a
/// comparison) are measured from the same newest interval.
pub fn load_listing(
    dir: &Path,
    listing: Listing,
    window: Option<Window>,
) -> Result<Loaded, StoreError> {
    let Listing { intervals, skipped } = listing;
    if intervals.is_empty() {
        return Err(match skipped.into_iter().next() {
            Some(error) => error,
            None => StoreError::NoProfiles {
                dir: dir.to_path_buf(),
            },
        });
    }
    let Some(window) = window else {
        return merge(dir, intervals, skipped);
    };
    let anchor = anchor(&intervals);
    let chosen: Vec<Interval> = intervals
        .iter()
        .filter(|i| window.holds(i, anchor))
        .cloned()
        .collect();
    if chosen.is_empty() {
        return Err(StoreError::EmptyWindow {
            dir: dir.to_path_buf(),
            window,
            covers: covers(&intervals),
        });
    }
    merge(dir, chosen, skipped)
}

/// The end of the newest interval: the point windows are measured back from.
pub fn anchor(intervals: &[Interval]) -> u64 {
    intervals
        .iter()
        .map(Interval::end_unix_ns)
        .max()
        .unwrap_or(0)
}

/// `2026-05-14 09:30:12Z to 2026-05-14 10:30:12Z (60 intervals)`.
fn covers(intervals: &[Interval]) -> String {
    let first = intervals.iter().map(|i| i.start_unix_ns).min().unwrap_or(0);
    let last = anchor(intervals);
    format!(
        "{} to {} ({} intervals)",
        humantime::format_rfc3339_seconds(system_time(first)),
        humantime::format_rfc3339_seconds(system_time(last)),
        intervals.len()
    )
}

fn system_time(unix_ns: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_nanos(unix_ns)
}

fn merge(
    dir: &Path,
    chosen: Vec<Interval>,
    mut skipped: Vec<StoreError>,
) -> Result<Loaded, StoreError> {
    let mut merged: Option<Profile> = None;
    let mut used = Vec::with_capacity(chosen.len());
    for interval in chosen {
        let profile = match format::read(&interval.path) {
            Ok(profile) => profile,
            Err(error) => {
                skipped.push(StoreError::Format(error));
                continue;
            }
        };
        match &mut merged {
            Some(m) => {
                if m.meta.runtime != profile.meta.runtime {
                    m.meta.runtime = Runtime::Unknown;
                }
                m.merge(&profile);
            }
            None => merged = Some(profile),
        }
        used.push(interval);
    }
    let Some(mut profile) = merged else {
        return Err(skipped
            .into_iter()
            .next()
            .unwrap_or_else(|| StoreError::NoProfiles {
                dir: dir.to_path_buf(),
            }));
    };
    let start = used.iter().map(|i| i.start_unix_ns).min().unwrap_or(0);
    let end = anchor(&used);
    profile.meta.start_unix_ns = Some(start);
    profile.meta.duration = Some(Duration::from_nanos(end.saturating_sub(start)));
    Ok(Loaded {
        profile,
        intervals: used,
        skipped,
    })
}

/// How long and how much a [`Writer`] keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rotation {
    /// Files that started longer ago than this are deleted.
    pub keep_for: Duration,
    /// The service's files together stay under this many bytes; the oldest go first.
    /// The newest file is always kept, however large.
    pub max_size: u64,
}

impl Default for Rotation {
    /// A day, and 1 GiB.
    fn default() -> Rotation {
        Rotation {
            keep_for: Duration::from_secs(24 * 3600),
            max_size: 1 << 30,
        }
    }
}

/// Writes one service's intervals into a directory and rotates the old ones away.
///
/// Rotation counts the files of the service, whatever process wrote them (as the agent
/// does): a restarted service does not get a fresh budget for each pid.
#[derive(Debug)]
pub struct Writer {
    dir: PathBuf,
    service: String,
    pid: u32,
    rotation: Rotation,
    /// Milliseconds in the last name written: names of one writer strictly increase, so
    /// no write replaces an earlier file.
    last_millis: Option<u64>,
}

/// A file written, and what rotation deleted to make room.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub deleted: Vec<PathBuf>,
}

impl Writer {
    /// Creates the directory if needed and proves that a file can be created in it.
    pub fn open(
        dir: &Path,
        service: &str,
        pid: u32,
        rotation: Rotation,
    ) -> Result<Writer, StoreError> {
        if !layout::valid_service_name(service) {
            return Err(StoreError::InvalidServiceName {
                name: service.to_string(),
            });
        }
        let not_writable = |source| StoreError::NotWritable {
            dir: dir.to_path_buf(),
            source,
        };
        fs::create_dir_all(dir).map_err(not_writable)?;
        let probe = dir.join(format!(".argus-probe-{}", std::process::id()));
        fs::write(&probe, b"").map_err(not_writable)?;
        let _ = fs::remove_file(&probe);
        Ok(Writer {
            dir: dir.to_path_buf(),
            service: service.to_string(),
            pid,
            rotation,
            last_millis: None,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The name a profile starting at `start_unix_ns` gets.
    fn next_path(&mut self, start_unix_ns: u64) -> PathBuf {
        let mut millis = start_unix_ns / 1_000_000;
        if let Some(last) = self.last_millis
            && millis <= last
        {
            millis = last + 1;
        }
        self.last_millis = Some(millis);
        self.dir
            .join(layout::file_name(&self.service, millis, self.pid))
    }

    /// Writes `profile` as gzipped pprof, named for its `start_unix_ns` (or now), then
    /// rotates. A failed rotation is returned as an error after the file is in place.
    pub fn write(&mut self, profile: &Profile) -> Result<Written, StoreError> {
        let start = profile
            .meta
            .start_unix_ns
            .unwrap_or_else(|| unix_ns(SystemTime::now()));
        let path = self.next_path(start);
        format::write(
            profile,
            &path,
            Format::Pprof,
            &WriteOptions::for_profile(profile),
        )?;
        let deleted = self.rotate(SystemTime::now(), Some(&path))?;
        Ok(Written { path, deleted })
    }

    /// Deletes the service's files that are older than `keep_for` or beyond `max_size`,
    /// oldest first, sparing `newest`. A file already gone is not an error.
    pub fn rotate(
        &self,
        now: SystemTime,
        newest: Option<&Path>,
    ) -> Result<Vec<PathBuf>, StoreError> {
        let listed = |source| StoreError::List {
            dir: self.dir.clone(),
            source,
        };
        // (start millis, size, path), of this service only.
        let mut files: Vec<(u64, u64, PathBuf)> = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(listed)? {
            let entry = entry.map_err(listed)?;
            let name = entry.file_name();
            let Some(parsed) = name.to_str().and_then(layout::parse_file_name) else {
                continue;
            };
            if parsed.service != self.service {
                continue;
            }
            let Some(millis) = parsed.unix_millis() else {
                continue;
            };
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            files.push((millis, size, entry.path()));
        }
        // Newest first: the budget is spent on the most recent files.
        files.sort_by(|a, b| b.cmp(a));
        let oldest_kept = layout::unix_millis(now)
            .saturating_sub(u64::try_from(self.rotation.keep_for.as_millis()).unwrap_or(u64::MAX));
        let mut total = 0u64;
        let mut doomed = Vec::new();
        for (i, (millis, size, path)) in files.into_iter().enumerate() {
            total = total.saturating_add(size);
            let spared = i == 0 || newest == Some(path.as_path());
            if !spared && (millis < oldest_kept || total > self.rotation.max_size) {
                doomed.push(path);
            }
        }
        // Oldest first, so an interrupted rotation leaves the newest files.
        doomed.reverse();
        let mut deleted = Vec::new();
        for path in doomed {
            match fs::remove_file(&path) {
                Ok(()) => deleted.push(path),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(StoreError::Rotate { path, source }),
            }
        }
        Ok(deleted)
    }
}

/// Nanoseconds since the Unix epoch.
pub fn unix_ns(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Frame, FrameKind, Meta, RawSample, ThreadState, Weight};

    const MINUTE: u64 = 60_000_000_000;
    /// 2026-05-14T09:00:00Z.
    const T0: u64 = 1_778_749_200_000_000_000;

    fn interval_profile(start: u64, function: &str, samples: u64) -> Profile {
        let mut profile = Profile::new(Meta {
            runtime: Runtime::Python,
            start_unix_ns: Some(start),
            duration: Some(Duration::from_nanos(MINUTE)),
            rate_hz: Some(100),
            ..Meta::default()
        });
        for _ in 0..samples {
            profile.add_raw(&RawSample {
                pid: 7,
                tid: 7,
                thread_name: None,
                state: ThreadState::Running,
                frames: vec![
                    Frame::new("main", FrameKind::Python),
                    Frame::new(function, FrameKind::Python),
                ],
                cpu_ns: 10_000_000,
                wall_ns: 10_000_000,
            });
        }
        profile
    }

    /// Six one-minute intervals: `old_hot` for three, then `new_hot` for three.
    fn six_minutes(dir: &Path) -> Vec<PathBuf> {
        let mut writer = Writer::open(
            dir,
            "api",
            7,
            Rotation {
                keep_for: Duration::from_secs(1 << 40),
                max_size: u64::MAX,
            },
        )
        .unwrap();
        (0..6)
            .map(|i| {
                let function = if i < 3 { "old_hot" } else { "new_hot" };
                let profile = interval_profile(T0 + i * MINUTE, function, 10 + i);
                writer.write(&profile).unwrap().path
            })
            .collect()
    }

    #[test]
    fn written_intervals_are_listed_in_order_with_their_times() {
        let dir = tempfile::tempdir().unwrap();
        let written = six_minutes(dir.path());
        fs::write(dir.path().join("notes.txt"), "not a profile").unwrap();
        fs::write(dir.path().join(".api-partial.pb.gz.argus-tmp"), "x").unwrap();
        let listing = list(dir.path()).unwrap();
        assert!(listing.skipped.is_empty(), "{:?}", listing.skipped);
        let paths: Vec<_> = listing.intervals.iter().map(|i| i.path.clone()).collect();
        assert_eq!(paths, written);
        let first = &listing.intervals[0];
        assert_eq!(first.start_unix_ns, T0);
        assert_eq!(first.duration_ns, MINUTE);
        assert_eq!(first.service.as_deref(), Some("api"));
        assert_eq!(first.pid, Some(7));
        let name = first.path.file_name().unwrap().to_string_lossy();
        assert_eq!(name, "api-20260514T090000.000Z-7.pb.gz");
    }

    #[test]
    fn a_damaged_profile_is_skipped_with_its_name_and_the_rest_still_load() {
        let dir = tempfile::tempdir().unwrap();
        six_minutes(dir.path());
        let bad = dir.path().join("api-20260514T100000.000Z-7.pb.gz");
        fs::write(&bad, [0x1f, 0x8b, 8, 0, 1, 2, 3]).unwrap();
        let listing = list(dir.path()).unwrap();
        assert_eq!(listing.intervals.len(), 6);
        assert_eq!(listing.skipped.len(), 1);
        assert!(
            listing.skipped[0]
                .to_string()
                .contains(&bad.display().to_string())
        );
        let loaded = load(dir.path(), None).unwrap();
        assert_eq!(loaded.intervals.len(), 6);
        assert_eq!(loaded.skipped.len(), 1);
    }

    #[test]
    fn a_file_without_time_nanos_takes_its_start_from_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut profile = interval_profile(T0, "f", 1);
        profile.meta.start_unix_ns = None;
        let path = dir
            .path()
            .join(layout::file_name("svc", T0 / 1_000_000 + 5, 3));
        format::write(
            &profile,
            &path,
            Format::Pprof,
            &WriteOptions::for_profile(&profile),
        )
        .unwrap();
        let listing = list(dir.path()).unwrap();
        assert_eq!(listing.intervals[0].start_unix_ns, T0 + 5_000_000);
    }

    #[test]
    fn windows_parse_and_print() {
        assert_eq!(
            "1h".parse::<Window>().unwrap(),
            Window::Last(Duration::from_secs(3600))
        );
        assert_eq!(
            "last 30m".parse::<Window>().unwrap(),
            Window::Last(Duration::from_secs(1800))
        );
        assert_eq!(
            " previous 1h ".parse::<Window>().unwrap(),
            Window::Previous(Duration::from_secs(3600))
        );
        assert_eq!(
            Window::Previous(Duration::from_secs(3600)).to_string(),
            "previous 1h"
        );
        for bad in ["", "yesterday", "last", "0s", "previous -1h"] {
            let error = bad.parse::<Window>().unwrap_err().to_string();
            assert!(error.contains("is not a time window"), "{bad}: {error}");
        }
    }

    #[test]
    fn last_and_previous_windows_split_the_directory_without_sharing_an_interval() {
        let dir = tempfile::tempdir().unwrap();
        six_minutes(dir.path());
        let last = load(dir.path(), Some("last 3m".parse().unwrap())).unwrap();
        let previous = load(dir.path(), Some("previous 3m".parse().unwrap())).unwrap();
        assert_eq!(last.intervals.len(), 3);
        assert_eq!(previous.intervals.len(), 3);
        let hot = |p: &Profile| p.hot_functions(Weight::Cpu)[0].label.clone();
        assert_eq!(hot(&last.profile), "new_hot");
        assert_eq!(hot(&previous.profile), "old_hot");
        assert_eq!(last.profile.meta.start_unix_ns, Some(T0 + 3 * MINUTE));
        assert_eq!(
            last.profile.meta.duration,
            Some(Duration::from_nanos(3 * MINUTE))
        );
        // 13 + 14 + 15 samples of the last three minutes.
        assert_eq!(last.profile.sample_count(), 42);
        let all = load(dir.path(), None).unwrap();
        assert_eq!(all.profile.sample_count(), 10 + 11 + 12 + 42);
    }

    #[test]
    fn a_window_with_no_interval_says_what_the_directory_covers() {
        let dir = tempfile::tempdir().unwrap();
        six_minutes(dir.path());
        let error = load(dir.path(), Some("previous 1h".parse().unwrap()))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("no interval falls in the window `previous 1h`"),
            "{error}"
        );
        assert!(
            error.contains("2026-05-14T09:00:00Z to 2026-05-14T09:06:00Z (6 intervals)"),
            "{error}"
        );
    }

    #[test]
    fn an_empty_directory_is_an_error_that_says_how_to_fill_it() {
        let dir = tempfile::tempdir().unwrap();
        let error = load(dir.path(), None).unwrap_err().to_string();
        assert!(error.contains("holds no profile files"), "{error}");
        let missing = dir.path().join("absent");
        let error = list(&missing).unwrap_err().to_string();
        assert!(
            error.contains("cannot list the profile directory"),
            "{error}"
        );
    }

    #[test]
    fn rotation_deletes_files_past_their_age_oldest_first_and_spares_other_services() {
        let dir = tempfile::tempdir().unwrap();
        let written = six_minutes(dir.path());
        let other = dir
            .path()
            .join(layout::file_name("billing", T0 / 1_000_000, 9));
        fs::write(&other, b"x").unwrap();
        let writer = Writer::open(
            dir.path(),
            "api",
            8,
            Rotation {
                keep_for: Duration::from_secs(150),
                max_size: u64::MAX,
            },
        )
        .unwrap();
        // At 09:06, files that started before 09:03:30 are too old.
        let now = system_time(T0 + 6 * MINUTE);
        let deleted = writer.rotate(now, None).unwrap();
        assert_eq!(deleted, written[..4].to_vec());
        assert!(other.exists());
        assert!(written[4].exists() && written[5].exists());
    }

    #[test]
    fn rotation_keeps_the_total_size_under_the_budget_and_always_the_newest_file() {
        let dir = tempfile::tempdir().unwrap();
        let written = six_minutes(dir.path());
        let sizes: Vec<u64> = written
            .iter()
            .map(|p| fs::metadata(p).unwrap().len())
            .collect();
        let budget = sizes[5] + sizes[4] + sizes[3];
        let writer = Writer::open(
            dir.path(),
            "api",
            7,
            Rotation {
                keep_for: Duration::from_secs(1 << 40),
                max_size: budget,
            },
        )
        .unwrap();
        let deleted = writer.rotate(system_time(T0), None).unwrap();
        assert_eq!(deleted, written[..3].to_vec());
        let tiny = Writer::open(
            dir.path(),
            "api",
            7,
            Rotation {
                keep_for: Duration::from_secs(1 << 40),
                max_size: 1,
            },
        )
        .unwrap();
        let deleted = tiny.rotate(system_time(T0), None).unwrap();
        assert_eq!(deleted, written[3..5].to_vec());
        assert!(written[5].exists());
    }

    #[test]
    fn writes_in_the_same_millisecond_get_distinct_names() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = Writer::open(dir.path(), "api", 7, Rotation::default()).unwrap();
        let a = writer.write(&interval_profile(T0, "f", 1)).unwrap().path;
        let b = writer.write(&interval_profile(T0, "f", 1)).unwrap().path;
        assert_ne!(a, b);
    }

    #[test]
    fn a_directory_that_cannot_be_created_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        fs::write(&file, b"").unwrap();
        let error = Writer::open(&file.join("sub"), "api", 1, Rotation::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("is not writable"), "{error}");
        let error = Writer::open(dir.path(), "a/b", 1, Rotation::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("cannot be part of a file name"), "{error}");
    }
}
