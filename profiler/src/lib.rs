//! The Argus profiler: samplers for Python, Java and native processes that write into
//! one profile model, and the readers and exporters around it (folded stacks, pprof,
//! speedscope, JFR, flamegraph SVG).
//!
//! ```
//! use argus_profiler::model::{Frame, FrameKind, Profile, RawSample, ThreadState, Weight};
//!
//! let mut profile = Profile::default();
//! profile.add_raw(&RawSample {
//!     pid: 1,
//!     tid: 1,
//!     thread_name: None,
//!     state: ThreadState::Running,
//!     frames: vec![Frame::new("main", FrameKind::Native), Frame::new("work", FrameKind::Native)],
//!     cpu_ns: 10_000_000,
//!     wall_ns: 10_000_000,
//! });
//! assert_eq!(profile.folded(Weight::Cpu), vec![("main;work".to_string(), 10_000_000)]);
//! ```

pub mod access;
pub mod advice;
pub mod compare;
pub mod format;
pub mod jfr;
pub mod model;
pub mod record;
pub mod report;
pub mod sampler;
pub mod store;
pub mod view;
