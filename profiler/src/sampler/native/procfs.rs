//! What `/proc` says about a native target: its threads and their names, states and
//! wait channels, its child processes and its memory mappings. Both sampling modes read
//! these; none of it needs more than the permission to read the target.

use std::fs;
use std::time::Duration;

use crate::model::ThreadState;

/// The thread ids of a process; empty once it is gone.
pub(super) fn tasks(pid: u32) -> Vec<u32> {
    crate::access::threads(pid)
        .into_iter()
        .filter_map(|tid| u32::try_from(tid).ok())
        .collect()
}

/// A thread's name (`comm`), when it can be read.
pub(super) fn thread_name(pid: u32, tid: u32) -> Option<String> {
    let name = fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm")).ok()?;
    let name = name.trim_end_matches('\n');
    (!name.is_empty()).then(|| name.to_string())
}

/// The one-letter scheduler state of a thread (`R`, `S`, `D`, `T`, `t`, `Z`...).
pub(super) fn task_state(pid: u32, tid: u32) -> Option<char> {
    let stat = fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().next()?.chars().next()
}

/// The kernel function a blocked thread waits in (`futex_wait_queue`, `do_nanosleep`...).
fn wchan(pid: u32, tid: u32) -> Option<String> {
    let wchan = fs::read_to_string(format!("/proc/{pid}/task/{tid}/wchan")).ok()?;
    (!wchan.is_empty() && wchan != "0").then_some(wchan)
}

/// The system call a blocked thread is in, from `/proc/PID/task/TID/syscall`
/// (`running` for a thread on a CPU, `-1 ...` outside a system call).
fn current_syscall(pid: u32, tid: u32) -> Option<i64> {
    let text = fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall")).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// The process tracing this one, if any. `TracerPid` names the tracing thread; its
/// `Tgid` is the process.
pub(super) fn tracer(pid: u32) -> Option<u32> {
    let field = |pid: u32, name: &str| -> Option<u32> {
        fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix(name))?
            .trim()
            .parse()
            .ok()
    };
    let thread = field(pid, "TracerPid:").filter(|t| *t != 0)?;
    Some(field(thread, "Tgid:").unwrap_or(thread))
}

/// Whether any thread of the process is still alive (not a zombie). The thread-group
/// leader may exit before the other threads, so its own state does not decide.
pub(super) fn alive(pid: u32) -> bool {
    tasks(pid)
        .into_iter()
        .any(|tid| task_state(pid, tid).is_some_and(|state| state != 'Z' && state != 'X'))
}

/// The live descendants of a process, children first.
pub(super) fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut queue = vec![pid];
    while let Some(parent) = queue.pop() {
        for child in children(parent) {
            if !found.contains(&child) && child != pid {
                found.push(child);
                queue.push(child);
            }
        }
    }
    found
}

/// The direct children of a process: from `/proc/PID/task/TID/children` when the kernel
/// has it, otherwise from every process's parent field.
fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut have_children_files = false;
    for tid in tasks(pid) {
        if let Ok(list) = fs::read_to_string(format!("/proc/{pid}/task/{tid}/children")) {
            have_children_files = true;
            out.extend(
                list.split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
    if have_children_files {
        return out;
    }
    let Ok(entries) = fs::read_dir("/proc") else {
        return out;
    };
    for entry in entries.filter_map(Result::ok) {
        if let Some(candidate) = entry.file_name().to_str().and_then(|n| n.parse().ok())
            && crate::access::parent_pid(candidate) == Some(pid)
        {
            out.push(candidate);
        }
    }
    out
}

/// Labels a thread that was found off CPU by what it waits for: the blocking system
/// call decides; the kernel stack or wait channel is the fallback.
///
/// A blocking call that a sample interrupted continues as `restart_syscall`, which
/// names no call; `earlier` is what the thread was last seen waiting in, which is the
/// call being restarted.
pub(super) fn blocked_state(
    pid: u32,
    tid: u32,
    sched_state: char,
    earlier: Option<ThreadState>,
) -> ThreadState {
    match sched_state {
        'R' => return ThreadState::Running,
        // Stopped by job control (`T`), or in a ptrace stop (`t`), most likely the one
        // an earlier round left pending: what it waited for before, if known.
        'T' => return ThreadState::Idle,
        't' => return earlier.unwrap_or(ThreadState::Idle),
        _ => {}
    }
    match current_syscall(pid, tid) {
        Some(nr) if nr == libc::SYS_restart_syscall => {
            if let Some(state) = earlier {
                return state;
            }
        }
        Some(nr) => {
            if let Some(state) = state_of_syscall(nr) {
                return state;
            }
        }
        None => {}
    }
    if let Some(state) = kernel_stack_state(pid, tid) {
        return state;
    }
    match wchan(pid, tid) {
        Some(wchan) => state_of_wchan(&wchan),
        None => ThreadState::Idle,
    }
}

/// The wait state read from a thread's kernel stack (`/proc/.../stack`, root only).
fn kernel_stack_state(pid: u32, tid: u32) -> Option<ThreadState> {
    let stack = fs::read_to_string(format!("/proc/{pid}/task/{tid}/stack")).ok()?;
    stack
        .lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        .map(state_of_wchan)
        .find(|state| *state != ThreadState::Idle)
}

/// The wait state a blocking system call stands for.
pub(super) fn state_of_syscall(nr: i64) -> Option<ThreadState> {
    use libc as c;
    let lock = [
        c::SYS_futex,
        c::SYS_futex_waitv,
        c::SYS_semtimedop,
        c::SYS_flock,
    ];
    let sleep = [c::SYS_nanosleep, c::SYS_clock_nanosleep];
    let io = [
        c::SYS_read,
        c::SYS_readv,
        c::SYS_pread64,
        c::SYS_preadv,
        c::SYS_write,
        c::SYS_writev,
        c::SYS_pwrite64,
        c::SYS_recvfrom,
        c::SYS_recvmsg,
        c::SYS_recvmmsg,
        c::SYS_sendto,
        c::SYS_sendmsg,
        c::SYS_accept,
        c::SYS_accept4,
        c::SYS_connect,
        c::SYS_ppoll,
        c::SYS_pselect6,
        c::SYS_epoll_pwait,
        c::SYS_epoll_pwait2,
        c::SYS_io_getevents,
        c::SYS_io_uring_enter,
        c::SYS_fsync,
        c::SYS_fdatasync,
        c::SYS_openat,
    ];
    #[cfg(target_arch = "x86_64")]
    let io_legacy = [c::SYS_poll, c::SYS_select, c::SYS_epoll_wait];
    #[cfg(not(target_arch = "x86_64"))]
    let io_legacy: [i64; 0] = [];
    #[cfg(target_arch = "x86_64")]
    let sleep_legacy = [c::SYS_pause];
    #[cfg(not(target_arch = "x86_64"))]
    let sleep_legacy: [i64; 0] = [];
    if lock.contains(&nr) {
        Some(ThreadState::Lock)
    } else if sleep.contains(&nr) || sleep_legacy.contains(&nr) {
        Some(ThreadState::Sleeping)
    } else if io.contains(&nr) || io_legacy.contains(&nr) {
        Some(ThreadState::Io)
    } else {
        None
    }
}

/// The wait state a kernel wait channel stands for.
pub(super) fn state_of_wchan(wchan: &str) -> ThreadState {
    let io_words = [
        "poll",
        "select",
        "pipe",
        "sock",
        "tcp",
        "udp",
        "unix",
        "skb",
        "wait_woken",
        "read",
        "write",
        "io_",
        "blk",
        "nfs",
    ];
    if wchan.contains("futex") || wchan.contains("rwsem") || wchan.contains("mutex") {
        ThreadState::Lock
    } else if wchan.contains("nanosleep") || wchan.contains("hrtimer") {
        ThreadState::Sleeping
    } else if io_words.iter().any(|w| wchan.contains(w)) {
        ThreadState::Io
    } else {
        ThreadState::Idle
    }
}

/// One line of `/proc/PID/maps`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Mapping {
    pub start: u64,
    pub end: u64,
    pub offset: u64,
    pub executable: bool,
    pub dev: String,
    pub inode: u64,
    /// The file, `[vdso]`, `[stack]`..., or empty for anonymous memory.
    pub path: String,
}

/// The memory mappings of a process.
pub(super) fn mappings(pid: u32) -> std::io::Result<Vec<Mapping>> {
    let text = fs::read_to_string(format!("/proc/{pid}/maps"))?;
    Ok(text.lines().filter_map(parse_mapping).collect())
}

fn parse_mapping(line: &str) -> Option<Mapping> {
    let mut rest = line;
    let mut fields = [""; 5];
    for field in &mut fields {
        rest = rest.trim_start();
        let end = rest.find(' ').unwrap_or(rest.len());
        *field = &rest[..end];
        rest = &rest[end..];
    }
    let [range, perms, offset, dev, inode] = fields;
    let (start, end) = range.split_once('-')?;
    Some(Mapping {
        start: u64::from_str_radix(start, 16).ok()?,
        end: u64::from_str_radix(end, 16).ok()?,
        offset: u64::from_str_radix(offset, 16).ok()?,
        executable: perms.contains('x'),
        dev: dev.to_string(),
        inode: inode.parse().ok()?,
        path: rest.trim().to_string(),
    })
}

/// Sleeps in short steps until `done` holds or `limit` passes; says whether it held.
pub(super) fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    let mut spins = 0u32;
    loop {
        if done() {
            return true;
        }
        if start.elapsed() >= limit {
            return false;
        }
        // A stop usually lands within microseconds: yield first, then back off.
        if spins < 50 {
            spins += 1;
            std::thread::yield_now();
        } else {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_mapping_line_with_padding_and_spaces_in_the_path() {
        let line = "7f3a1c000000-7f3a1c021000 r-xp 00001000 08:01 1234                       /opt/my lib/libx.so";
        let m = parse_mapping(line).unwrap();
        assert_eq!(m.start, 0x7f3a1c000000);
        assert_eq!(m.end, 0x7f3a1c021000);
        assert_eq!(m.offset, 0x1000);
        assert!(m.executable);
        assert_eq!(m.inode, 1234);
        assert_eq!(m.path, "/opt/my lib/libx.so");
        let anon = parse_mapping("7ffd1000-7ffd2000 rw-p 00000000 00:00 0 ").unwrap();
        assert_eq!(anon.path, "");
        assert!(!anon.executable);
    }

    #[test]
    fn blocking_calls_map_to_wait_states() {
        assert_eq!(state_of_syscall(libc::SYS_futex), Some(ThreadState::Lock));
        assert_eq!(
            state_of_syscall(libc::SYS_clock_nanosleep),
            Some(ThreadState::Sleeping)
        );
        assert_eq!(state_of_syscall(libc::SYS_recvfrom), Some(ThreadState::Io));
        assert_eq!(state_of_syscall(libc::SYS_getpid), None);
        assert_eq!(state_of_wchan("futex_wait_queue"), ThreadState::Lock);
        assert_eq!(state_of_wchan("do_nanosleep"), ThreadState::Sleeping);
        assert_eq!(state_of_wchan("ep_poll"), ThreadState::Io);
        assert_eq!(state_of_wchan("do_wait"), ThreadState::Idle);
    }

    #[test]
    fn this_process_is_alive_and_has_mappings() {
        let me = std::process::id();
        assert!(alive(me));
        assert!(!tasks(me).is_empty());
        let maps = mappings(me).unwrap();
        assert!(maps.iter().any(|m| m.executable && m.path.starts_with('/')));
    }
}
