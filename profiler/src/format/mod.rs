//! Profile files: which format a path holds, and reading or writing it through one
//! module per format. Every reader builds the one model; every writer reads from it.

pub mod folded;
pub mod pprof;
pub mod speedscope;
pub mod svg;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::model::{Profile, Weight};

/// A profile file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// An interactive flamegraph (write only).
    Svg,
    /// Collapsed stacks: `frame;frame;frame count` per line.
    Folded,
    /// Gzipped pprof `profile.proto`.
    Pprof,
    /// The speedscope JSON format.
    Speedscope,
    /// A JDK Flight Recorder recording (read only).
    Jfr,
}

impl Format {
    pub const WRITABLE: [Format; 4] = [
        Format::Svg,
        Format::Folded,
        Format::Pprof,
        Format::Speedscope,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Folded => "folded",
            Format::Pprof => "pprof",
            Format::Speedscope => "speedscope",
            Format::Jfr => "jfr",
        }
    }

    /// The format a file name implies: `.svg`, `.folded` (or `.collapsed`, `.txt`),
    /// `.pb.gz` (or `.pb`, `.pprof`), `.json`, `.jfr`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let format = if name.ends_with(".svg") {
            Format::Svg
        } else if name.ends_with(".folded")
            || name.ends_with(".collapsed")
            || name.ends_with(".txt")
        {
            Format::Folded
        } else if name.ends_with(".pb.gz") || name.ends_with(".pb") || name.ends_with(".pprof") {
            Format::Pprof
        } else if name.ends_with(".json") {
            Format::Speedscope
        } else if name.ends_with(".jfr") {
            Format::Jfr
        } else {
            return None;
        };
        Some(format)
    }

    /// The format of existing bytes, judged by their first bytes: gzip or a protobuf
    /// for pprof, `{` for speedscope, `FLR\0` for JFR, text for folded stacks.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            Some(Format::Pprof)
        } else if bytes.starts_with(b"FLR\0") {
            Some(Format::Jfr)
        } else if bytes.trim_ascii_start().starts_with(b"{") {
            Some(Format::Speedscope)
        } else if bytes.trim_ascii_start().starts_with(b"<?xml")
            || bytes.trim_ascii_start().starts_with(b"<svg")
        {
            Some(Format::Svg)
        } else if std::str::from_utf8(&bytes[..bytes.len().min(4096)]).is_ok() {
            Some(Format::Folded)
        } else {
            Some(Format::Pprof)
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where in a file a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Line(usize),
    LineColumn(usize, usize),
    Byte(u64),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::LineColumn(line, column) => write!(f, "line {line}, column {column}"),
            Location::Byte(offset) => write!(f, "byte {offset}"),
        }
    }
}

/// A profile file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a valid {format} profile at {location}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        format: Format,
        location: Location,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Unsupported { path: PathBuf, message: String },
    #[error(transparent)]
    Jfr(#[from] crate::jfr::JfrError),
}

impl FormatError {
    pub(crate) fn invalid(
        path: &Path,
        format: Format,
        location: Location,
        message: impl Into<String>,
    ) -> FormatError {
        FormatError::Invalid {
            path: path.to_path_buf(),
            format,
            location,
            message: message.into(),
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> FormatError {
        FormatError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// How to write a profile.
#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// The weight a single-weight format (folded, speedscope, SVG) carries.
    pub weight: Weight,
    /// Draw the flamegraph upside down, roots at the top.
    pub icicle: bool,
    /// The flamegraph's title; a default describes the profile.
    pub title: Option<String>,
}

impl WriteOptions {
    pub fn for_profile(profile: &Profile) -> WriteOptions {
        WriteOptions {
            weight: profile.meta.mode,
            icicle: false,
            title: None,
        }
    }
}

/// Reads a profile from `path`, by its extension, or by its content when the
/// extension says nothing.
pub fn read(path: &Path) -> Result<Profile, FormatError> {
    let bytes = std::fs::read(path).map_err(|e| FormatError::io(path, e))?;
    let format = Format::from_path(path)
        .or_else(|| Format::sniff(&bytes))
        .unwrap_or(Format::Folded);
    if format == Format::Jfr {
        // Read every event, so both the CPU and the wall view can be drawn; CPU is the
        // default view of a recording.
        let mut profile = crate::jfr::read(path, Weight::Wall)?;
        if profile.total(Weight::Cpu) > 0 {
            profile.meta.mode = Weight::Cpu;
        }
        return Ok(profile);
    }
    read_bytes(path, format, &bytes)
}

/// Reads a profile of a known format from bytes; `path` names it in errors.
pub fn read_bytes(path: &Path, format: Format, bytes: &[u8]) -> Result<Profile, FormatError> {
    match format {
        Format::Folded => folded::read(path, bytes),
        Format::Pprof => pprof::read(path, bytes),
        Format::Speedscope => speedscope::read(path, bytes),
        Format::Jfr => Err(FormatError::Unsupported {
            path: path.to_path_buf(),
            message: "a JFR recording is read from its file".to_string(),
        }),
        Format::Svg => Err(FormatError::Unsupported {
            path: path.to_path_buf(),
            message: "an SVG flamegraph cannot be read back; use the .folded, .pb.gz or .json it was made from".to_string(),
        }),
    }
}

/// Writes `profile` to `path` in `format`. The file is written in full or not at all:
/// a temporary file is renamed into place.
pub fn write(
    profile: &Profile,
    path: &Path,
    format: Format,
    options: &WriteOptions,
) -> Result<(), FormatError> {
    let mut bytes = Vec::new();
    write_to(profile, &mut bytes, format, options).map_err(|e| FormatError::io(path, e))?;
    let temporary = path.with_file_name(format!(
        ".{}.argus-tmp",
        path.file_name()
            .map_or_else(|| "profile".into(), |n| n.to_string_lossy())
    ));
    std::fs::write(&temporary, &bytes)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            FormatError::io(path, e)
        })
}

/// Writes `profile` in `format` to any writer.
pub fn write_to(
    profile: &Profile,
    out: &mut dyn Write,
    format: Format,
    options: &WriteOptions,
) -> std::io::Result<()> {
    match format {
        Format::Svg => svg::write(profile, out, options),
        Format::Folded => folded::write(profile, out, options.weight),
        Format::Pprof => pprof::write(profile, out),
        Format::Speedscope => speedscope::write(profile, out, options.weight),
        Format::Jfr => Err(std::io::Error::other("Argus does not write JFR recordings")),
    }
}
