//! The byte-level layout of a JFR file, checked before any event is decoded.
//!
//! A recording is a sequence of chunks; each opens with a 68-byte header (magic `FLR\0`,
//! version, chunk size, offsets of the last constant pool and metadata events, start time
//! and tick rate) followed by size-prefixed events. Walking that frame first means a
//! truncated or corrupt file is reported with the byte where it goes wrong, and the
//! event decoder (jfrs) only ever sees chunks whose every event fits inside them.

use std::fmt;

/// The chunk header's size in bytes.
pub(super) const HEADER_SIZE: u64 = 68;
const MAGIC: &[u8; 4] = b"FLR\0";
/// Header flag: integers are LEB128-style varints rather than big-endian fixed width.
const FLAG_COMPRESSED_INTS: u32 = 1;

/// One chunk, checked.
#[derive(Clone, Debug)]
pub(super) struct Chunk {
    /// Byte offset of the chunk in the file.
    pub start: u64,
    pub size: u64,
    /// Start of the chunk, in nanoseconds since the Unix epoch.
    pub start_nanos: i64,
    pub duration_nanos: i64,
    /// The tick count at `start_nanos`; event times are ticks.
    pub start_ticks: i64,
    pub ticks_per_second: i64,
    /// Offsets of the events, relative to the chunk start, in file order.
    pub events: Vec<u64>,
}

impl Chunk {
    /// The file offset of the first event at or after `relative` (an offset inside the
    /// chunk): where decoding failed when the decoder last succeeded before `relative`.
    pub fn event_at_or_after(&self, relative: u64) -> u64 {
        let i = self.events.partition_point(|&e| e < relative);
        self.start + self.events.get(i).copied().unwrap_or(self.size)
    }

    /// Nanoseconds since the Unix epoch at `ticks`.
    pub fn ticks_to_unix_ns(&self, ticks: i64) -> i64 {
        let delta = i128::from(ticks) - i128::from(self.start_ticks);
        let ns = delta * 1_000_000_000 / i128::from(self.ticks_per_second.max(1));
        i64::try_from(i128::from(self.start_nanos) + ns).unwrap_or(i64::MAX)
    }

    /// Nanoseconds in `ticks` ticks.
    pub fn ticks_to_ns(&self, ticks: i64) -> u64 {
        let ns =
            i128::from(ticks.max(0)) * 1_000_000_000 / i128::from(self.ticks_per_second.max(1));
        u64::try_from(ns).unwrap_or(u64::MAX)
    }
}

/// What is wrong with the file's layout, and at which byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum LayoutError {
    /// The bytes at `offset` do not open a chunk.
    NotJfr {
        offset: u64,
    },
    /// The file ends at `offset`, before what the chunk at `chunk` declares.
    Truncated {
        offset: u64,
        chunk: u64,
        detail: String,
    },
    Corrupt {
        offset: u64,
        detail: String,
    },
    Version {
        offset: u64,
        major: i16,
        minor: i16,
    },
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::NotJfr { offset } => write!(f, "byte {offset} does not start a chunk"),
            LayoutError::Truncated { detail, .. } | LayoutError::Corrupt { detail, .. } => {
                f.write_str(detail)
            }
            LayoutError::Version { major, minor, .. } => {
                write!(f, "format version {major}.{minor}")
            }
        }
    }
}

/// Checks the layout of a whole file and returns its chunks.
pub(super) fn chunks(bytes: &[u8]) -> Result<Vec<Chunk>, LayoutError> {
    let len = bytes.len() as u64;
    if len == 0 {
        return Err(LayoutError::Truncated {
            offset: 0,
            chunk: 0,
            detail: "the file is empty".to_string(),
        });
    }
    let mut chunks = Vec::new();
    let mut start = 0u64;
    while start < len {
        let chunk = chunk_at(bytes, start)?;
        start += chunk.size;
        chunks.push(chunk);
    }
    Ok(chunks)
}

fn chunk_at(bytes: &[u8], start: u64) -> Result<Chunk, LayoutError> {
    let len = bytes.len() as u64;
    let available = &bytes[to_usize(start)..];
    let magic_len = available.len().min(MAGIC.len());
    if available[..magic_len] != MAGIC[..magic_len] {
        return Err(LayoutError::NotJfr { offset: start });
    }
    if available.len() < to_usize(HEADER_SIZE) {
        return Err(LayoutError::Truncated {
            offset: len,
            chunk: start,
            detail: format!(
                "the chunk at byte {start} needs a {HEADER_SIZE}-byte header and the file ends \
                 at byte {len}"
            ),
        });
    }
    let i16_at = |at: usize| i16::from_be_bytes([available[at], available[at + 1]]);
    let i64_at = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&available[at..at + 8]);
        i64::from_be_bytes(b)
    };
    let (major, minor) = (i16_at(4), i16_at(6));
    if !(major == 1 || major == 2) {
        return Err(LayoutError::Version {
            offset: start + 4,
            major,
            minor,
        });
    }
    let size = i64_at(8);
    let flags = u32::from_be_bytes([available[64], available[65], available[66], available[67]]);
    let Ok(size) = u64::try_from(size) else {
        return Err(corrupt(
            start + 8,
            format!("the chunk at byte {start} declares a negative size"),
        ));
    };
    if size <= HEADER_SIZE {
        return Err(corrupt(
            start + 8,
            format!(
                "the chunk at byte {start} declares {size} bytes, no more than its header; it \
                 may still be in progress, or its JVM may have crashed"
            ),
        ));
    }
    if start.saturating_add(size) > len {
        return Err(LayoutError::Truncated {
            offset: len,
            chunk: start,
            detail: format!(
                "the chunk at byte {start} declares {size} bytes, so the file should run to \
                 byte {}, but it ends at byte {len}",
                start.saturating_add(size)
            ),
        });
    }
    let ticks_per_second = i64_at(56);
    if ticks_per_second <= 0 {
        return Err(corrupt(
            start + 56,
            format!("the chunk at byte {start} declares {ticks_per_second} ticks per second"),
        ));
    }
    let body = &available[..to_usize(size)];
    let compressed = flags & FLAG_COMPRESSED_INTS != 0;
    let events = event_offsets(body, start, compressed)?;
    for (field, name) in [(16usize, "constant pool"), (24, "metadata")] {
        let offset = i64_at(field);
        let points_at_event = u64::try_from(offset).is_ok_and(|o| events.binary_search(&o).is_ok());
        if !points_at_event {
            return Err(corrupt(
                start + field as u64,
                format!(
                    "the chunk at byte {start} places its {name} at offset {offset}, which is \
                     not the start of an event"
                ),
            ));
        }
    }
    Ok(Chunk {
        start,
        size,
        start_nanos: i64_at(32),
        duration_nanos: i64_at(40),
        start_ticks: i64_at(48),
        ticks_per_second,
        events,
    })
}

/// Walks the size prefixes of the events in `body` (one whole chunk).
fn event_offsets(body: &[u8], start: u64, compressed: bool) -> Result<Vec<u64>, LayoutError> {
    let size = body.len() as u64;
    let mut offsets = Vec::new();
    let mut at = HEADER_SIZE;
    while at < size {
        let event_size = read_size(&body[to_usize(at)..], compressed).ok_or_else(|| {
            corrupt(
                start + at,
                format!("the event size at byte {} runs past its chunk", start + at),
            )
        })?;
        if event_size <= 0 || at + event_size.unsigned_abs() > size {
            return Err(corrupt(
                start + at,
                format!(
                    "the event at byte {} declares {event_size} bytes and its chunk ends at \
                     byte {}",
                    start + at,
                    start + size
                ),
            ));
        }
        offsets.push(at);
        at += event_size.unsigned_abs();
    }
    Ok(offsets)
}

/// An event's size field: a varint when ints are compressed (7 bits a byte, the ninth
/// byte whole), a big-endian `i32` otherwise.
fn read_size(bytes: &[u8], compressed: bool) -> Option<i64> {
    if !compressed {
        let b = bytes.get(..4)?;
        return Some(i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])));
    }
    let mut value = 0u64;
    for i in 0..9 {
        let byte = *bytes.get(i)?;
        if i == 8 {
            value |= u64::from(byte) << 56;
            break;
        }
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            break;
        }
    }
    // Sizes are `int`s: the writer keeps the low 32 bits.
    Some(i64::from(value as u32 as i32))
}

fn corrupt(offset: u64, detail: String) -> LayoutError {
    LayoutError::Corrupt { offset, detail }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chunk with compressed ints whose events are the given sizes; the first event
    /// holds both the metadata and the constant pool offsets.
    fn chunk(event_sizes: &[u8]) -> Vec<u8> {
        let body: usize = event_sizes.iter().map(|&s| usize::from(s)).sum();
        let size = 68 + body as i64;
        let mut bytes = Vec::new();
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&2i16.to_be_bytes());
        bytes.extend_from_slice(&1i16.to_be_bytes());
        for value in [size, 68, 68, 1_000, 5, 0, 1_000_000_000] {
            bytes.extend_from_slice(&value.to_be_bytes());
        }
        bytes.extend_from_slice(&1u32.to_be_bytes());
        for &s in event_sizes {
            bytes.push(s);
            bytes.extend(std::iter::repeat_n(0u8, usize::from(s) - 1));
        }
        bytes
    }

    #[test]
    fn walks_every_event_of_every_chunk() {
        let mut file = chunk(&[3, 5]);
        file.extend(chunk(&[4]));
        let chunks = chunks(&file).unwrap();
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].events, vec![68, 71]);
        assert_eq!(chunks[1].start, 76);
        assert_eq!(chunks[1].event_at_or_after(69), 76 + 72);
    }

    #[test]
    fn a_cut_file_names_the_byte_it_ends_at() {
        let file = chunk(&[3, 5]);
        let err = chunks(&file[..74]).unwrap_err();
        assert!(
            matches!(
                err,
                LayoutError::Truncated {
                    offset: 74,
                    chunk: 0,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = chunks(&file[..30]).unwrap_err();
        assert!(
            matches!(err, LayoutError::Truncated { offset: 30, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn other_bytes_are_not_a_recording() {
        assert_eq!(
            chunks(b"PK\x03\x04 a zip file").unwrap_err(),
            LayoutError::NotJfr { offset: 0 }
        );
        let mut file = chunk(&[3]);
        file.extend_from_slice(b"garbage");
        assert_eq!(
            chunks(&file).unwrap_err(),
            LayoutError::NotJfr { offset: 71 }
        );
    }

    #[test]
    fn an_event_overrunning_its_chunk_is_corrupt_at_its_offset() {
        let mut file = chunk(&[3, 5]);
        file[71] = 0x7f;
        assert!(matches!(
            chunks(&file).unwrap_err(),
            LayoutError::Corrupt { offset: 71, .. }
        ));
        file[71] = 0;
        assert!(matches!(
            chunks(&file).unwrap_err(),
            LayoutError::Corrupt { offset: 71, .. }
        ));
    }

    #[test]
    fn varint_sizes_use_the_whole_ninth_byte() {
        assert_eq!(read_size(&[0x85, 0xb0, 0x03], true), Some(55301));
        assert_eq!(read_size(&[0x05], true), Some(5));
        assert_eq!(read_size(&[0x85], true), None);
        assert_eq!(read_size(&[0, 0, 1, 0], false), Some(256));
    }
}
