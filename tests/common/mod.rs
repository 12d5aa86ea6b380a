//! Helpers for the end-to-end tests: run the real `argus` binary on real files.

#![allow(dead_code, reason = "each test crate uses a different subset")]

pub mod profiling;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root, where `fixtures/` lives.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `argus` with a clean environment for colour and CI detection, run from `cwd`.
pub fn argus(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_argus"));
    command
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CI");
    command
}

/// The outcome of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Runs `argus ARGS` in `cwd`.
pub fn run(cwd: &Path, args: &[&str]) -> Run {
    argus(cwd).args(args).output().expect("argus runs").into()
}

/// A throwaway project directory with files written into it.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("a temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `content` at `relative`, creating folders.
    pub fn file(&self, relative: &str, content: impl AsRef<[u8]>) -> &Project {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(&path, content).expect("write a file");
        self
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run(self.path(), args)
    }

    /// The findings of `argus review --format json ARGS`, which must not fail with status 2.
    pub fn findings(&self, args: &[&str]) -> Vec<serde_json::Value> {
        let mut all = vec!["review", "--format", "json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert_ne!(out.code, 2, "{}", out.stderr);
        out.json()["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// Python code with one `py-weak-hash` finding on line 5.
pub const WEAK_PY: &str =
    "import hashlib\n\n\ndef digest(data):\n    return hashlib.md5(data).hexdigest()\n";

/// Java code with one `java-weak-hash` finding.
pub const WEAK_JAVA: &str = "import java.security.MessageDigest;\n\nclass Digest {\n    byte[] run(byte[] d) throws Exception {\n        return MessageDigest.getInstance(\"MD5\").digest(d);\n    }\n}\n";

/// Python code with no findings.
pub const CLEAN_PY: &str =
    "import hashlib\n\n\ndef digest(data):\n    return hashlib.sha256(data).hexdigest()\n";
