//! Applying planned changes to disk, all or nothing.
//!
//! 1. Check that the tree is still as planned: every source holds the text the plan was made
//!    from, no target has appeared.
//! 2. Write every target through a temp file in its own folder, linked into place without ever
//!    replacing an existing file (the compat module, which pages2app wrote itself, is replaced
//!    atomically).
//! 3. Move every migrated source aside (a rename within its folder).
//! 4. Only then delete the moved-aside sources, and the folders they leave empty.
//!
//! If any step up to 3 fails, what this run did is undone in reverse order (sources moved back,
//! written files removed, the compat module restored, created folders removed), so the tree is as
//! it was. An error is returned only after that rollback.
//!
//! While it runs, SIGINT, SIGTERM and SIGHUP are held: the apply finishes (or rolls back) first,
//! then the signal takes effect. (SIGKILL and power loss cannot be held; each file is still either
//! fully written or absent.)

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::change::Change;

#[derive(Debug)]
pub struct ApplyError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ApplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ApplyError {}

/// What apply did, for rollback.
#[derive(Default)]
struct Journal {
    created_files: Vec<PathBuf>,
    created_dirs: Vec<PathBuf>,
    modified: Vec<(PathBuf, String)>,
    /// Sources moved aside: (original, aside).
    moved: Vec<(PathBuf, PathBuf)>,
}

impl Journal {
    fn rollback(self) {
        for (orig, aside) in self.moved.iter().rev() {
            let _ = std::fs::rename(aside, orig);
        }
        for f in self.created_files.iter().rev() {
            let _ = std::fs::remove_file(f);
        }
        for (p, old) in self.modified.iter().rev() {
            let _ = write_atomic_replace(p, old);
        }
        for d in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

fn err(path: &str, message: impl Into<String>) -> ApplyError {
    ApplyError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// A hidden name next to `target`, unique to this process.
fn side_path(target: &Path, what: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.pages2app-{}.{what}", std::process::id()))
}

fn write_temp(target: &Path, text: &str) -> std::io::Result<PathBuf> {
    let tmp = side_path(target, "tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    let written = f.write_all(text.as_bytes()).and_then(|()| f.sync_all());
    drop(f);
    match written {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Puts `text` at `target`, failing if anything is already there.
fn write_new(target: &Path, text: &str) -> std::io::Result<()> {
    let tmp = write_temp(target, text)?;
    let linked = std::fs::hard_link(&tmp, target);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            // File systems without hard links: create_new is still never an overwrite.
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(target)?;
            let written = f.write_all(text.as_bytes()).and_then(|()| f.sync_all());
            if written.is_err() {
                let _ = std::fs::remove_file(target);
            }
            written
        }
    }
}

fn write_atomic_replace(target: &Path, text: &str) -> std::io::Result<()> {
    let tmp = write_temp(target, text)?;
    std::fs::rename(&tmp, target).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn create_dirs(dir: &Path, journal: &mut Journal) -> std::io::Result<()> {
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur {
        if d.symlink_metadata().is_ok() {
            break;
        }
        missing.push(d.to_path_buf());
        cur = d.parent();
    }
    for d in missing.into_iter().rev() {
        std::fs::create_dir(&d)?;
        journal.created_dirs.push(d);
    }
    Ok(())
}

/// Test hooks: `PAGES2APP_FAIL_WRITE_AFTER=N` makes the write of the (N+1)-th target fail, and
/// `PAGES2APP_FAIL_REMOVE_AFTER=N` the removal of the (N+1)-th source, to prove the rollback.
/// Never set in normal use.
fn injected_failure(var: &str, done: usize) -> bool {
    std::env::var(var)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .is_some_and(|n| done >= n)
}

/// Test hook: `PAGES2APP_TEST_WRITE_DELAY_MS=N` waits after each write, so that a test can
/// signal the process mid-apply. Never set in normal use.
fn test_delay() {
    let ms = std::env::var("PAGES2APP_TEST_WRITE_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(ms) = ms {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Checks that the tree is still as the plan found it.
fn check(root: &Path, changes: &[Change]) -> Result<(), ApplyError> {
    let appeared = |path: &str| {
        if root.join(path).symlink_metadata().is_ok() {
            Err(err(
                path,
                "appeared since the migration was planned; nothing is overwritten",
            ))
        } else {
            Ok(())
        }
    };
    let unchanged = |path: &str, old: &str| match std::fs::read(root.join(path)) {
        Ok(now) if now == old.as_bytes() => Ok(()),
        Ok(_) => Err(err(
            path,
            "changed since the migration was planned; run again",
        )),
        Err(e) => Err(err(path, format!("cannot read: {e}"))),
    };
    for c in changes {
        match c {
            Change::Rename { from, to, old, .. } => {
                unchanged(from, old)?;
                appeared(to)?;
            }
            Change::Add { path, .. } => appeared(path)?,
            Change::Modify { path, old, .. } => unchanged(path, old)?,
        }
    }
    Ok(())
}

/// Writes one target (or replaces the compat module), recording what it did in `journal`.
fn write_one(root: &Path, c: &Change, journal: &mut Journal) -> Result<(), ApplyError> {
    let (path, text) = match c {
        Change::Rename { to, new, .. } => (to, new),
        Change::Add { path, new } => (path, new),
        Change::Modify { path, new, old } => {
            let full = root.join(path);
            write_atomic_replace(&full, new)
                .map_err(|e| err(path, format!("cannot write: {e}")))?;
            journal.modified.push((full, old.clone()));
            return Ok(());
        }
    };
    let full = root.join(path);
    if let Some(dir) = full.parent() {
        create_dirs(dir, journal).map_err(|e| err(path, format!("cannot create folder: {e}")))?;
    }
    write_new(&full, text).map_err(|e| err(path, format!("cannot write: {e}")))?;
    journal.created_files.push(full);
    Ok(())
}

/// Holding termination signals while the tree is being changed.
mod hold {
    use std::sync::atomic::{AtomicI32, Ordering};

    static RECEIVED: AtomicI32 = AtomicI32::new(0);
    const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

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
                if h != libc::SIG_ERR {
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
}

/// Applies `changes` under `root`. On error nothing of this run is left behind: the tree is as
/// it was before the call.
pub fn apply(root: &Path, changes: &[Change]) -> Result<(), ApplyError> {
    check(root, changes)?;
    let _held = hold::signals();

    let mut journal = Journal::default();
    let mut step = || -> Result<(), ApplyError> {
        for (done, c) in changes.iter().enumerate() {
            if injected_failure("PAGES2APP_FAIL_WRITE_AFTER", done) {
                return Err(err(
                    c.sort_key(),
                    "injected failure (PAGES2APP_FAIL_WRITE_AFTER)",
                ));
            }
            write_one(root, c, &mut journal)?;
            test_delay();
        }
        // Every target is in place: move the migrated sources aside.
        let sources = changes.iter().filter_map(|c| match c {
            Change::Rename { from, .. } => Some(from),
            _ => None,
        });
        for (done, from) in sources.enumerate() {
            if injected_failure("PAGES2APP_FAIL_REMOVE_AFTER", done) {
                return Err(err(from, "injected failure (PAGES2APP_FAIL_REMOVE_AFTER)"));
            }
            let full = root.join(from);
            let aside = side_path(&full, "old");
            std::fs::rename(&full, &aside)
                .map_err(|e| err(from, format!("cannot remove the migrated original ({e})")))?;
            journal.moved.push((full, aside));
        }
        Ok(())
    };
    if let Err(e) = step() {
        journal.rollback();
        return Err(e);
    }

    // Committed: delete the moved-aside sources and the folders they leave empty (as git apply
    // does). Deleting a file just renamed in the same folder does not fail in practice; if it
    // did, the hidden `.NAME.pages2app-PID.old` copy is left, never a half-migrated route.
    for (orig, aside) in &journal.moved {
        let _ = std::fs::remove_file(aside);
        let mut dir = orig.parent();
        while let Some(d) = dir {
            if d == root || std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(())
}
