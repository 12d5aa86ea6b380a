//! The two perf ioctls perf-event2 does not wrap: re-arming an event with a new period
//! (how CPU sampling is jittered) and sending an event's records into another event's
//! ring buffer (one buffer per CPU instead of one per thread and CPU). They are the only
//! `unsafe` code of the native sampler.

use std::io;
use std::os::fd::AsRawFd;

/// `PERF_EVENT_IOC_PERIOD`: sets the sample period. The kernel reads the new period
/// through a pointer (the typed wrapper in perf-event-open-sys passes it by value, which
/// the kernel would take for an address).
#[allow(
    unsafe_code,
    reason = "perf-event2 has no safe call to change a sample period"
)]
pub(super) fn set_period(event: &impl AsRawFd, period: u64) -> io::Result<()> {
    let value: u64 = period;
    // SAFETY: the ioctl reads exactly one u64 through the pointer, which points at
    // `value`, alive for the whole call; the descriptor belongs to `event`, which the
    // borrow keeps open.
    let rc = unsafe {
        libc::ioctl(
            event.as_raw_fd(),
            perf_event_open_sys::bindings::PERIOD as _,
            &raw const value,
        )
    };
    check(rc.into())
}

/// `PERF_EVENT_IOC_SET_OUTPUT`: records of `event` go to the ring buffer mapped for
/// `target` (same CPU, same sample format).
#[allow(
    unsafe_code,
    reason = "perf-event2 has no safe call to redirect an event's output"
)]
pub(super) fn set_output(event: &impl AsRawFd, target: &impl AsRawFd) -> io::Result<()> {
    // SAFETY: the argument is a plain descriptor number, no memory is passed; both
    // descriptors belong to live events kept open by the borrows.
    let rc = unsafe {
        libc::ioctl(
            event.as_raw_fd(),
            perf_event_open_sys::bindings::SET_OUTPUT as _,
            target.as_raw_fd(),
        )
    };
    check(rc.into())
}

/// `PTRACE_DETACH` with a signal to deliver on resumption. nix takes the signal as a
/// `Signal`, which cannot hold real-time signals (glibc uses two of them internally),
/// and a signal caught in a signal-delivery stop must be passed on, whatever it is.
#[allow(
    unsafe_code,
    reason = "nix cannot pass a real-time signal to PTRACE_DETACH"
)]
pub(super) fn detach_with_signal(tid: u32, signal: i32) -> io::Result<()> {
    let tid = libc::pid_t::try_from(tid).map_err(|_| io::Error::from_raw_os_error(libc::ESRCH))?;
    // SAFETY: PTRACE_DETACH reads no memory: `addr` is ignored and `data` is the signal
    // number passed as an integer.
    let rc = unsafe {
        libc::ptrace(
            libc::PTRACE_DETACH,
            tid,
            std::ptr::null_mut::<libc::c_void>(),
            signal as libc::c_long as *mut libc::c_void,
        )
    };
    check(rc)
}

/// The C convention: a negative result means `errno` says what failed.
fn check(rc: libc::c_long) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}
