//! Holding termination signals while the tree is being changed.

use std::sync::atomic::{AtomicI32, Ordering};

static RECEIVED: AtomicI32 = AtomicI32::new(0);
#[cfg(unix)]
const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];
// Windows has no SIGHUP, and its C runtime's SIG_ERR is an int (the release workflow builds it).
#[cfg(not(unix))]
const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];
#[cfg(unix)]
const SIG_ERR: libc::sighandler_t = libc::SIG_ERR;
#[cfg(not(unix))]
const SIG_ERR: libc::sighandler_t = libc::SIG_ERR as libc::sighandler_t;

extern "C" fn note(sig: libc::c_int) {
    RECEIVED.store(sig, Ordering::SeqCst);
}

/// While alive, the signals are only noted; dropping it restores the previous handlers and
/// re-raises a noted signal.
pub struct Signals {
    previous: Vec<(libc::c_int, libc::sighandler_t)>,
}

pub fn signals() -> Signals {
    RECEIVED.store(0, Ordering::SeqCst);
    let handler = note as extern "C" fn(libc::c_int) as libc::sighandler_t;
    let previous = SIGNALS
        .iter()
        // SAFETY: `note` is async-signal-safe (one atomic store); the previous handler is put
        // back on drop.
        .map(|&s| (s, unsafe { libc::signal(s, handler) }))
        .collect();
    Signals { previous }
}

impl Drop for Signals {
    fn drop(&mut self) {
        for &(s, h) in &self.previous {
            if h != SIG_ERR {
                // SAFETY: restores the handler that was installed before `signals()`.
                unsafe { libc::signal(s, h) };
            }
        }
        let got = RECEIVED.swap(0, Ordering::SeqCst);
        if got != 0 {
            // SAFETY: raising a signal the process received while it was held.
            unsafe { libc::raise(got) };
        }
    }
}
