//! Wall-clock sampling: every thread of the target, running or blocked, once per round,
//! labelled with what it waits for.
//!
//! perf's `cpu-clock` only fires while a thread runs, so a blocked thread needs another
//! way in. Per round, for each thread:
//!
//! 1. its scheduler state comes from `/proc/PID/task/TID/stat`; for a thread off CPU,
//!    the blocking system call (`/proc/.../syscall`), else its kernel stack or wait
//!    channel (`wchan`), says whether it waits for a lock, for I/O or in a sleep. A call
//!    that an earlier sample interrupted continues as `restart_syscall`, which names
//!    nothing; the thread keeps the state it was last seen waiting in;
//! 2. `PTRACE_SEIZE` + `PTRACE_INTERRUPT` stop it, `PTRACE_GETREGS` reads its
//!    registers, `process_vm_readv` copies the top 32 KiB of its stack, and
//!    `PTRACE_DETACH` lets it go. The copy is unwound with the same framehop unwinder
//!    as CPU samples.
//!
//! Seizing and detaching per sample keeps the target untraced between samples: its
//! signals are never held by the sampler, and nothing is left attached if the sampler
//! dies. A signal that arrives during the few microseconds of a sample is caught in a
//! signal-delivery stop and handed back on detach.
//!
//! **Cost.** A sample costs about ten system calls and stops the thread for about 40 µs
//! (median on a 2-core VM; longer when the thread must first get a CPU). Blocking system calls interrupted by the stop are restarted by the
//! kernel, except those Linux never restarts after a stop (`epoll_wait`, `semop`,
//! `sigtimedwait`, reads from inotify...), which return `EINTR` as they would after
//! `SIGSTOP`/`SIGCONT`; well-behaved programs retry them. A thread that does not stop
//! within [`STOP_WAIT`] (in uninterruptible sleep, or starved of CPU) is sampled with
//! its state but without a stack, and its stop is collected in a later round.

use std::collections::{HashMap, HashSet};
use std::io;
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;

use super::procfs;
use super::unwind::{Regs, read_memory};
use super::{Capture, UserStack};
use crate::model::ThreadState;

/// How long a round waits for one thread to stop.
const STOP_WAIT: Duration = Duration::from_millis(5);
/// Bytes of stack copied per sample.
const STACK_BYTES: u64 = 32 * 1024;

/// What became of one attempt to stop a thread.
pub(super) enum Outcome {
    /// Stopped, read and let go.
    Stack(Regs, Vec<u8>),
    /// Did not stop in time; its interrupt is still pending.
    NotStopped,
    /// The thread ended.
    Gone,
    /// ptrace was refused.
    Denied(io::Error),
}

/// How a waited-for thread showed up.
enum Stop {
    /// In a ptrace stop; `signal` is the signal to pass on (0 for none).
    Stopped {
        signal: i32,
    },
    Gone,
}

/// The ptrace side of a wall-clock recording.
pub(super) struct WallSampler {
    pid: u32,
    subprocesses: bool,
    /// Threads interrupted in an earlier round that had not stopped yet.
    pending: HashSet<u32>,
    /// The last refusal of ptrace, if any.
    denied: Option<io::Error>,
    /// What each thread was last seen waiting for.
    waits: HashMap<u32, ThreadState>,
}

impl WallSampler {
    pub fn new(pid: u32, subprocesses: bool) -> WallSampler {
        WallSampler {
            pid,
            subprocesses,
            pending: HashSet::new(),
            denied: None,
            waits: HashMap::new(),
        }
    }

    /// The processes to sample now.
    pub fn processes(&self) -> Vec<u32> {
        let mut processes = vec![self.pid];
        if self.subprocesses {
            processes.extend(procfs::descendants(self.pid));
        }
        processes
    }

    /// Samples every thread once. Each sample stands for `wall_ns` of wall-clock time,
    /// and as much CPU time when the thread was running.
    pub fn round(&mut self, wall_ns: u64, failed: &mut u64) -> Vec<Capture> {
        let mut captures = Vec::new();
        for pid in self.processes() {
            for tid in procfs::tasks(pid) {
                let Some(sched) = procfs::task_state(pid, tid) else {
                    continue;
                };
                if sched == 'Z' || sched == 'X' {
                    continue;
                }
                let earlier = self.waits.get(&tid).copied();
                let state = procfs::blocked_state(pid, tid, sched, earlier);
                if state != ThreadState::Running {
                    self.waits.insert(tid, state);
                }
                let user = match self.capture(pid, tid) {
                    Outcome::Stack(regs, stack) => UserStack::Regs { regs, stack },
                    Outcome::Gone => continue,
                    Outcome::NotStopped => {
                        *failed += 1;
                        UserStack::None
                    }
                    Outcome::Denied(error) => {
                        *failed += 1;
                        self.denied = Some(error);
                        UserStack::None
                    }
                };
                captures.push(Capture {
                    pid,
                    tid,
                    state,
                    cpu_ns: if state == ThreadState::Running {
                        wall_ns
                    } else {
                        0
                    },
                    wall_ns,
                    user,
                    kernel: Vec::new(),
                });
            }
        }
        captures
    }

    /// Why ptrace was last refused, if it was.
    pub fn denied(&self) -> Option<&io::Error> {
        self.denied.as_ref()
    }

    /// Stops one thread, copies its registers and stack, and lets it go.
    pub fn capture(&mut self, pid: u32, tid: u32) -> Outcome {
        let Ok(raw) = i32::try_from(tid) else {
            return Outcome::Gone;
        };
        let thread = Pid::from_raw(raw);
        if !self.pending.contains(&tid) {
            match ptrace::seize(thread, ptrace::Options::empty()) {
                Ok(()) => {}
                Err(Errno::ESRCH) => return Outcome::Gone,
                Err(e) => return Outcome::Denied(io::Error::from(e)),
            }
            if let Err(e) = ptrace::interrupt(thread) {
                // Seized but not interruptible: the thread is exiting.
                let _ = ptrace::detach(thread, None);
                return if e == Errno::ESRCH {
                    Outcome::Gone
                } else {
                    Outcome::Denied(io::Error::from(e))
                };
            }
        }
        let mut stop = None;
        procfs::wait_until(STOP_WAIT, || {
            stop = poll_stop(pid, tid);
            stop.is_some()
        });
        match stop {
            Some(Stop::Stopped { signal }) => {
                self.pending.remove(&tid);
                let read = read_thread(pid, thread);
                // Detaching resumes the thread and delivers the signal its stop held.
                let _ = super::sys::detach_with_signal(tid, signal);
                match read {
                    Some((regs, stack)) => Outcome::Stack(regs, stack),
                    None => Outcome::NotStopped,
                }
            }
            Some(Stop::Gone) => {
                self.pending.remove(&tid);
                Outcome::Gone
            }
            None => {
                self.pending.insert(tid);
                Outcome::NotStopped
            }
        }
    }

    /// Lets go of threads still interrupted from earlier rounds, waiting a little for
    /// each to stop. Any left are detached by the kernel when this thread ends.
    pub fn finish(&mut self) {
        let pending: Vec<u32> = self.pending.drain().collect();
        for tid in pending {
            let mut stop = None;
            procfs::wait_until(Duration::from_millis(50), || {
                stop = poll_stop(self.pid, tid);
                stop.is_some()
            });
            if let Some(Stop::Stopped { signal }) = stop {
                let _ = super::sys::detach_with_signal(tid, signal);
            }
        }
    }
}

/// Checks, without blocking, whether a seized thread has stopped or ended.
///
/// One `waitid` call asks for both: a tracer's wait reports ptrace stops whatever the
/// flags, so a separate wait for exits could swallow a stop. Exits are collected only
/// where no one else waits for them: a non-leader thread's exit goes to its tracer,
/// but a process that is our own child is reaped by its owner.
fn poll_stop(pid: u32, tid: u32) -> Option<Stop> {
    let thread = Pid::from_raw(i32::try_from(tid).ok()?);
    let mut flags = WaitPidFlag::WSTOPPED | WaitPidFlag::WNOHANG | WaitPidFlag::__WALL;
    let our_child = crate::access::parent_pid(pid) == Some(std::process::id());
    if tid != pid || !our_child {
        flags |= WaitPidFlag::WEXITED;
    }
    match waitid(Id::Pid(thread), flags) {
        Ok(WaitStatus::PtraceEvent(_, signal, 0) | WaitStatus::Stopped(_, signal)) => {
            Some(Stop::Stopped {
                signal: signal as i32,
            })
        }
        Ok(WaitStatus::PtraceEvent(..) | WaitStatus::PtraceSyscall(_)) => {
            Some(Stop::Stopped { signal: 0 })
        }
        Ok(WaitStatus::Exited(..) | WaitStatus::Signaled(..)) => Some(Stop::Gone),
        Ok(_) => match procfs::task_state(pid, tid) {
            None | Some('Z' | 'X') => Some(Stop::Gone),
            _ => None,
        },
        // A real-time signal, which nix cannot name: the stop holds it.
        Err(Errno::EINVAL) => {
            let signal = ptrace::getsiginfo(thread).map_or(0, |info| info.si_signo);
            Some(Stop::Stopped { signal })
        }
        Err(_) => Some(Stop::Gone),
    }
}

/// Registers and the top of the stack of a stopped thread.
fn read_thread(pid: u32, thread: Pid) -> Option<(Regs, Vec<u8>)> {
    let regs = registers(thread)?;
    let stack = read_memory(pid, regs.sp, STACK_BYTES).unwrap_or_default();
    Some((regs, stack))
}

#[cfg(target_arch = "x86_64")]
fn registers(thread: Pid) -> Option<Regs> {
    let r = ptrace::getregs(thread).ok()?;
    Some(Regs {
        ip: r.rip,
        sp: r.rsp,
        fp: r.rbp,
        lr: 0,
    })
}

#[cfg(target_arch = "aarch64")]
fn registers(thread: Pid) -> Option<Regs> {
    let r = ptrace::getregs(thread).ok()?;
    Some(Regs {
        ip: r.pc,
        sp: r.sp,
        fp: r.regs[29],
        lr: r.regs[30],
    })
}
