//! The state file: the queue as JSON in the state directory, so that neither a restart nor
//! a crash loses an accepted review.
//!
//! A save writes a temporary file next to the state file, flushes it to disk and renames
//! it over the state file, so the file on disk is always one complete save, the old or
//! the new.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use super::queue::Saved;

/// The state file's name inside the state directory.
pub const STATE_FILE: &str = "serve-state.json";

/// The format version; a file of another version is refused rather than misread.
const VERSION: u32 = 1;

/// Reading or writing the state file failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot use the state directory {}: {source}; create it and let argus write there, or pass another --state-dir",
        dir.display()
    )]
    Directory {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot read the state file {}: {source}; check its permissions",
        path.display()
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the state file {} is not a queue argus can read ({message}); move it aside to start with an empty queue (the reviews it holds will not run)",
        path.display()
    )]
    Corrupt { path: PathBuf, message: String },
    #[error(
        "cannot save the queue to {}: {source}; check free space and permissions in the state directory",
        path.display()
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Serialize, Deserialize)]
struct File1 {
    version: u32,
    #[serde(flatten)]
    saved: Saved,
}

/// Where the queue is saved.
#[derive(Clone, Debug)]
pub(crate) struct Store {
    dir: PathBuf,
    path: PathBuf,
    // The version last written. Held while writing: a write that outlives its caller
    // (a cancelled task) still finishes before the next starts, and an older version
    // never replaces a newer one.
    written: Arc<Mutex<u64>>,
}

impl Store {
    /// The store in `dir`, which is created if missing.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        fs::create_dir_all(dir).map_err(|source| StoreError::Directory {
            dir: dir.to_path_buf(),
            source,
        })?;
        Ok(Store {
            dir: dir.to_path_buf(),
            path: dir.join(STATE_FILE),
            written: Arc::new(Mutex::new(0)),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved state; empty when nothing was saved yet.
    pub fn load(&self) -> Result<Saved, StoreError> {
        let text = match fs::read(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Saved::default()),
            Err(source) => {
                return Err(StoreError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let corrupt = |message: String| StoreError::Corrupt {
            path: self.path.clone(),
            message,
        };
        let version = serde_json::from_slice::<serde_json::Value>(&text)
            .map_err(|e| corrupt(e.to_string()))?
            .get("version")
            .and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(VERSION)) {
            return Err(corrupt(format!(
                "its version is {}, this argus reads version {VERSION}",
                version.map_or_else(|| "missing".to_string(), |v| v.to_string())
            )));
        }
        let file: File1 = serde_json::from_slice(&text).map_err(|e| corrupt(e.to_string()))?;
        Ok(file.saved)
    }

    /// Replaces the saved state, atomically, unless a later `version` is already written.
    pub fn save(&self, version: u64, saved: &Saved) -> Result<(), StoreError> {
        let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        if *written >= version {
            return Ok(());
        }
        let write = |source: std::io::Error| StoreError::Write {
            path: self.path.clone(),
            source,
        };
        let text = serde_json::to_vec(&File1 {
            version: VERSION,
            saved: saved.clone(),
        })
        .map_err(|e| write(std::io::Error::other(e)))?;
        let temporary = self.dir.join(format!(".{STATE_FILE}.tmp"));
        let mut file = File::create(&temporary).map_err(write)?;
        file.write_all(&text).map_err(write)?;
        file.sync_all().map_err(write)?;
        drop(file);
        fs::rename(&temporary, &self.path).map_err(write)?;
        // The rename is durable once the directory is; not every platform lets a
        // directory be opened for that, and the data is already safe in either file.
        if let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        *written = version;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::job::ReviewJob;

    #[test]
    fn a_saved_queue_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("nested")).unwrap();
        assert_eq!(store.load().unwrap(), Saved::default());
        let saved = Saved {
            jobs: vec![ReviewJob {
                installation_id: 7,
                repository: "o/r".to_string(),
                number: 3,
                head_sha: "abc".to_string(),
                updated_at: None,
                delivery: "d".to_string(),
            }],
            deliveries: vec!["d".to_string()],
            newest: Vec::new(),
        };
        store.save(2, &saved).unwrap();
        assert_eq!(store.load().unwrap(), saved);
        store.save(1, &Saved::default()).unwrap();
        assert_eq!(
            store.load().unwrap(),
            saved,
            "an older version is not written"
        );
        let leftovers: Vec<_> = fs::read_dir(store.dir.clone()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "only the state file remains");
    }

    #[test]
    fn an_unreadable_state_file_is_named_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        fs::write(store.path(), "{\"version\": 99}").unwrap();
        let message = store.load().unwrap_err().to_string();
        assert!(message.contains("version is 99"), "{message}");
        fs::write(store.path(), "{ not json").unwrap();
        let message = store.load().unwrap_err().to_string();
        assert!(message.contains(STATE_FILE), "{message}");
        assert!(message.contains("move it aside"), "{message}");
    }
}
