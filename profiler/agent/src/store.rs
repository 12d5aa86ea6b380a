//! The profile directory: atomic writes and rotation, with the file names of
//! [`crate::layout`].
//!
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
use std::time::SystemTime;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::error::Error;
use crate::layout::{file_name, parse_file_name, unix_millis};

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
