//! Reading one source file, turning every way that can fail into a [`Problem`] that
//! names the file and says what to do, instead of a panic, a hang or a silent skip.

use std::io::Read;
use std::path::Path;

use crate::{Problem, ProblemKind};

/// How many leading bytes are checked for NUL to tell binary files from text.
const BINARY_SNIFF: usize = 8 * 1024;

/// Reads `path` as UTF-8 source text, without a byte-order mark.
pub fn load(path: &Path, max_size: u64) -> Result<String, Problem> {
    let problem = |kind, message: String| Problem {
        path: path.to_path_buf(),
        kind,
        message,
    };
    let metadata = std::fs::metadata(path).map_err(|e| io_problem(path, &e))?;
    if !metadata.is_file() {
        // Opening a FIFO would block forever; devices and sockets are not source.
        return Err(problem(
            ProblemKind::NotAFile,
            "is not a regular file (a FIFO, socket or device); exclude it with `--exclude`"
                .to_string(),
        ));
    }
    if metadata.len() > max_size {
        return Err(problem(
            ProblemKind::TooLarge,
            format!(
                "skipped: {} is over the {} limit, which usually means generated code; \
                 exclude it, or raise `max-file-size` in argus.toml or `--max-file-size`",
                human_size(metadata.len()),
                human_size(max_size)
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    std::fs::File::open(path)
        .and_then(|file| {
            file.take(max_size.saturating_add(1))
                .read_to_end(&mut bytes)
        })
        .map_err(|e| io_problem(path, &e))?;
    if bytes.len() as u64 > max_size {
        return Err(problem(
            ProblemKind::TooLarge,
            format!(
                "skipped: the file grew past the {} limit while it was read",
                human_size(max_size)
            ),
        ));
    }
    if bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0) {
        return Err(problem(
            ProblemKind::Binary,
            "is a binary file, not source text (it contains NUL bytes); exclude it".to_string(),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        problem(
            ProblemKind::NotUtf8,
            format!(
                "is not valid UTF-8 (first bad byte 0x{:02x} at line {line}, byte offset {at}); \
                 convert it to UTF-8, e.g. `iconv -f latin1 -t utf-8`",
                bytes.get(at).copied().unwrap_or(0)
            ),
        )
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Linux's ELOOP: too many levels of symbolic links.
const ELOOP: i32 = 40;

/// A problem for an I/O error on `path`, classified so the message can say what to do.
pub fn io_problem(path: &Path, error: &std::io::Error) -> Problem {
    let (kind, message) = match error.kind() {
        std::io::ErrorKind::NotFound if path.is_symlink() => (
            ProblemKind::NotFound,
            "is a broken symbolic link; fix or remove the link".to_string(),
        ),
        std::io::ErrorKind::NotFound => (
            ProblemKind::NotFound,
            "no such file or directory; check the path".to_string(),
        ),
        std::io::ErrorKind::PermissionDenied => (
            ProblemKind::Unreadable,
            format!("cannot be read: {error}; check its permissions or exclude it"),
        ),
        _ if os_error_code(error) == Some(ELOOP) => (
            ProblemKind::SymlinkLoop,
            "is a symbolic link loop; fix or remove the links".to_string(),
        ),
        _ => (
            ProblemKind::Unreadable,
            format!(
                "cannot be read: {}; check the file or exclude it",
                innermost_message(error)
            ),
        ),
    };
    Problem {
        path: path.to_path_buf(),
        kind,
        message,
    }
}

/// The message of the innermost cause: "Input/output error (os error 5)", without the
/// walker's "IO error for operation on PATH" wrapper that repeats the path.
fn innermost_message(error: &std::io::Error) -> String {
    let mut message = error.to_string();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = error.get_ref().map(|e| e as _);
    while let Some(current) = cause {
        message = current.to_string();
        cause = current.source();
    }
    message
}

/// The OS error number, also when the error wraps another (as directory walkers do).
fn os_error_code(error: &std::io::Error) -> Option<i32> {
    if let Some(code) = error.raw_os_error() {
        return Some(code);
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = error.get_ref().map(|e| e as _);
    while let Some(current) = cause {
        if let Some(code) = current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::raw_os_error)
        {
            return Some(code);
        }
        cause = current.source();
    }
    None
}

fn human_size(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let b = bytes as f64;
    if b >= MIB {
        format!("{:.1} MB", b / MIB)
    } else if b >= 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}
