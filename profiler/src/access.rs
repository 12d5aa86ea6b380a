//! May this process read that one? The kernel answers "permission denied" for half a
//! dozen reasons; this module finds out which one applies and says how to fix it, for
//! sampler errors and for `argus profile doctor`.

use std::fs;

/// What a sampler needs from the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Reading another process's memory (`process_vm_readv`, ptrace): Python stacks,
    /// native wall-clock stacks.
    Ptrace,
    /// `perf_event_open` on another process: native CPU sampling.
    PerfEvents,
}

/// Linux capability numbers, as in `<linux/capability.h>`.
const CAP_SYS_PTRACE: u32 = 19;
const CAP_SYS_ADMIN: u32 = 21;
const CAP_PERFMON: u32 = 38;

/// Facts about this process and the kernel that decide what can be profiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    pub uid: Option<u32>,
    /// Effective capability bits.
    pub capabilities: u64,
    /// `kernel.yama.ptrace_scope`, when Yama is enabled.
    pub ptrace_scope: Option<u32>,
    /// `kernel.perf_event_paranoid`.
    pub perf_event_paranoid: Option<i32>,
    /// Seccomp mode of this process: 0 off, 1 strict, 2 filter.
    pub seccomp: Option<u32>,
    /// Whether this looks like a container (Docker, Kubernetes, Podman).
    pub in_container: bool,
}

impl Environment {
    /// Reads the facts from `/proc`.
    pub fn current() -> Environment {
        let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .map(str::to_string)
        };
        Environment {
            uid: field("Uid:").and_then(|v| v.split_whitespace().nth(1)?.parse().ok()),
            capabilities: field("CapEff:")
                .and_then(|v| u64::from_str_radix(&v, 16).ok())
                .unwrap_or(0),
            ptrace_scope: read_number("/proc/sys/kernel/yama/ptrace_scope"),
            perf_event_paranoid: read_number("/proc/sys/kernel/perf_event_paranoid"),
            seccomp: field("Seccomp:").and_then(|v| v.parse().ok()),
            in_container: std::path::Path::new("/.dockerenv").exists()
                || std::path::Path::new("/run/.containerenv").exists()
                || fs::read_to_string("/proc/1/cgroup").is_ok_and(|c| {
                    c.contains("docker") || c.contains("kubepods") || c.contains("containerd")
                }),
        }
    }

    pub fn has_capability(&self, cap: u32) -> bool {
        self.capabilities & (1 << cap) != 0
    }

    pub fn is_root(&self) -> bool {
        self.uid == Some(0)
    }

    /// Why `need` is blocked for the process `pid`, with the fix; `None` when nothing
    /// visible blocks it. `pid` must exist.
    pub fn blocker(&self, pid: u32, need: Need) -> Option<String> {
        let target_uid = process_uid(pid);
        let ptrace_cap = self.has_capability(CAP_SYS_PTRACE);
        match need {
            Need::Ptrace => {
                if let (Some(mine), Some(theirs)) = (self.uid, target_uid)
                    && mine != theirs
                    && !ptrace_cap
                {
                    return Some(format!(
                        "it belongs to user {theirs} and argus runs as user {mine} without \
                         CAP_SYS_PTRACE; run argus as that user, or with sudo"
                    ));
                }
                match self.ptrace_scope {
                    Some(3) => {
                        return Some(
                            "kernel.yama.ptrace_scope is 3, which forbids reading other \
                             processes until reboot; set it to 1 or lower at boot, or start \
                             the program under argus: `argus profile -- COMMAND`"
                                .to_string(),
                        );
                    }
                    Some(2) if !ptrace_cap => {
                        return Some(
                            "kernel.yama.ptrace_scope is 2, which lets only CAP_SYS_PTRACE \
                             read other processes; run with sudo, or \
                             `sudo setcap cap_sys_ptrace+ep $(command -v argus)`"
                                .to_string(),
                        );
                    }
                    Some(1) if !ptrace_cap && !is_descendant(pid) => {
                        return Some(
                            "kernel.yama.ptrace_scope is 1, which lets a process read only its \
                             own children; run with sudo, or \
                             `sudo setcap cap_sys_ptrace+ep $(command -v argus)`, or \
                             `sudo sysctl kernel.yama.ptrace_scope=0`, or start the program \
                             under argus: `argus profile -- COMMAND`"
                                .to_string(),
                        );
                    }
                    _ => {}
                }
                if self.in_container && self.seccomp == Some(2) && !ptrace_cap {
                    return Some(
                        "argus runs in a container whose seccomp policy and missing \
                         CAP_SYS_PTRACE block reading other processes; start the container \
                         with `--cap-add SYS_PTRACE` (Docker) or add SYS_PTRACE to \
                         `securityContext.capabilities.add` (Kubernetes)"
                            .to_string(),
                    );
                }
                None
            }
            Need::PerfEvents => {
                let privileged = self.is_root()
                    || self.has_capability(CAP_PERFMON)
                    || self.has_capability(CAP_SYS_ADMIN);
                if privileged {
                    return None;
                }
                if let (Some(mine), Some(theirs)) = (self.uid, target_uid)
                    && mine != theirs
                {
                    return Some(format!(
                        "it belongs to user {theirs} and argus runs as user {mine} without \
                         CAP_PERFMON; run argus as that user, or with sudo"
                    ));
                }
                match self.perf_event_paranoid {
                    Some(level) if level > 2 => Some(format!(
                        "kernel.perf_event_paranoid is {level}, which forbids perf events to \
                         unprivileged users; `sudo sysctl kernel.perf_event_paranoid=2`, or \
                         run with sudo or CAP_PERFMON"
                    )),
                    _ if self.in_container && self.seccomp == Some(2) => Some(
                        "argus runs in a container whose seccomp policy may block \
                         perf_event_open; allow it in the policy, or run with \
                         `--cap-add PERFMON`"
                            .to_string(),
                    ),
                    _ => None,
                }
            }
        }
    }
}

fn read_number<T: std::str::FromStr>(path: &str) -> Option<T> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Whether a process with this PID exists (a zombie counts as gone).
pub fn process_exists(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// The real UID owning a process.
pub fn process_uid(pid: u32) -> Option<u32> {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The command line of a process, arguments joined by spaces.
pub fn process_command(pid: u32) -> Option<String> {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let text = raw
        .split(|b| *b == 0)
        .filter(|part| !part.is_empty())
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    (!text.is_empty()).then_some(text)
}

/// The parent PID of a process.
pub fn parent_pid(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Whether `pid` descends from this process.
fn is_descendant(pid: u32) -> bool {
    let me = std::process::id();
    let mut current = pid;
    for _ in 0..64 {
        match parent_pid(current) {
            Some(parent) if parent == me => return true,
            Some(0 | 1) | None => return false,
            Some(parent) => current = parent,
        }
    }
    false
}

/// The thread ids of a process.
pub fn threads(pid: u32) -> Vec<u64> {
    let Ok(entries) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut tids: Vec<u64> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    tids.sort_unstable();
    tids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process_and_its_environment() {
        let me = std::process::id();
        assert!(process_exists(me));
        assert!(!threads(me).is_empty());
        assert!(process_command(me).is_some());
        let env = Environment::current();
        assert!(env.uid.is_some());
        assert_eq!(
            env.blocker(me, Need::Ptrace),
            None,
            "a process may read itself"
        );
    }

    #[test]
    fn a_missing_pid_does_not_exist() {
        assert!(!process_exists(u32::MAX - 1));
    }

    #[test]
    fn ptrace_scope_one_is_explained_for_a_stranger() {
        let env = Environment {
            uid: Some(1000),
            capabilities: 0,
            ptrace_scope: Some(1),
            perf_event_paranoid: Some(2),
            seccomp: Some(0),
            in_container: false,
        };
        // PID 1 is not our child; its owner (root) differs too, which is reported first.
        let reason = env.blocker(1, Need::Ptrace).unwrap();
        assert!(reason.contains("belongs to user 0"), "{reason}");
        let env = Environment { uid: None, ..env };
        let reason = env.blocker(1, Need::Ptrace).unwrap();
        assert!(
            reason.contains("ptrace_scope is 1") && reason.contains("setcap"),
            "{reason}"
        );
    }

    #[test]
    fn perf_event_paranoid_above_two_is_explained() {
        let env = Environment {
            uid: None,
            capabilities: 0,
            ptrace_scope: None,
            perf_event_paranoid: Some(3),
            seccomp: Some(0),
            in_container: false,
        };
        let reason = env.blocker(std::process::id(), Need::PerfEvents).unwrap();
        assert!(reason.contains("perf_event_paranoid is 3"), "{reason}");
    }
}
