//! What the agent's integration tests share: a CPU burner with a known hot function, a
//! lock that keeps agents of one test binary apart, and a pprof reader.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use flate2::read::GzDecoder;
use pprof::protos::{self, Message};

/// The profiler is process-wide: tests of one binary that start an agent hold this.
pub fn one_agent_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The function the profiles must find on top. Operators on integers compile inline even
/// unoptimized (a `for` over a range would call the iterator), so nearly every sample
/// lands in this frame.
#[inline(never)]
pub fn argus_test_hot_loop(rounds: u64, seed: u64) -> u64 {
    let mut x = seed | 1;
    let mut i = 0;
    while i < rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        i += 1;
    }
    x
}

/// A thread named `burner` that keeps one core busy in [`argus_test_hot_loop`].
pub struct Burner {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<u64>>,
}

impl Burner {
    pub fn start() -> Burner {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("burner".into())
            .spawn(move || {
                let mut x = 1;
                while !flag.load(Ordering::Relaxed) {
                    x = argus_test_hot_loop(std::hint::black_box(100_000), x);
                }
                x
            })
            .unwrap();
        Burner {
            stop,
            thread: Some(thread),
        }
    }
}

impl Burner {
    /// The CPU time the burner has used: on a loaded machine it can get much less
    /// than the wall-clock time it has run.
    pub fn cpu(&self) -> Duration {
        for task in std::fs::read_dir("/proc/self/task").unwrap() {
            let task = task.unwrap().path();
            let comm = std::fs::read_to_string(task.join("comm")).unwrap_or_default();
            if comm.trim() != "burner" {
                continue;
            }
            let stat = std::fs::read_to_string(task.join("stat")).unwrap();
            // Fields after the `(comm)`: state is the first, utime and stime the 12th
            // and 13th, in USER_HZ ticks (100 per second on Linux).
            let fields: Vec<u64> = stat
                .rsplit(')')
                .next()
                .unwrap()
                .split_whitespace()
                .skip(11)
                .take(2)
                .map(|f| f.parse().unwrap())
                .collect();
            return Duration::from_millis((fields[0] + fields[1]) * 10);
        }
        // The thread names itself once it runs.
        Duration::ZERO
    }
}

impl Drop for Burner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Polls `done` until it holds or `timeout` passes.
pub fn wait_for(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// The `*.pb.gz` files in `dir`, by name.
pub fn profile_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".pb.gz"))
        .collect();
    files.sort();
    files
}

pub fn decode(path: &Path) -> protos::Profile {
    let mut bytes = Vec::new();
    GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    protos::Profile::decode(bytes.as_slice()).unwrap()
}

pub fn string(p: &protos::Profile, id: i64) -> &str {
    &p.string_table[usize::try_from(id).unwrap()]
}

pub fn sample_types(p: &protos::Profile) -> Vec<(String, String)> {
    p.sample_type
        .iter()
        .map(|t| (string(p, t.ty).to_string(), string(p, t.unit).to_string()))
        .collect()
}

pub fn str_label<'a>(p: &'a protos::Profile, s: &protos::Sample, key: &str) -> Option<&'a str> {
    s.label
        .iter()
        .find(|l| string(p, l.key) == key)
        .map(|l| string(p, l.str))
}

pub fn num_label(p: &protos::Profile, s: &protos::Sample, key: &str) -> Option<i64> {
    s.label
        .iter()
        .find(|l| string(p, l.key) == key)
        .map(|l| l.num)
}

/// The function name of a location's first line.
pub fn function_name(p: &protos::Profile, location_id: u64) -> String {
    let location = p.location.iter().find(|l| l.id == location_id).unwrap();
    let function_id = location.line[0].function_id;
    let function = p.function.iter().find(|f| f.id == function_id).unwrap();
    string(p, function.name).to_string()
}

/// CPU nanoseconds with each function as the leaf, over `profiles`, heaviest first.
pub fn self_cpu_by_function(profiles: &[protos::Profile]) -> Vec<(String, i64)> {
    let mut by_name: HashMap<String, i64> = HashMap::new();
    for p in profiles {
        let cpu = sample_types(p)
            .iter()
            .position(|(ty, _)| ty == "cpu")
            .unwrap();
        for s in &p.sample {
            let leaf = match s.location_id.first() {
                Some(id) => function_name(p, *id),
                None => "[no frames]".to_string(),
            };
            *by_name.entry(leaf).or_default() += s.value[cpu];
        }
    }
    let mut ranked: Vec<(String, i64)> = by_name.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
}
