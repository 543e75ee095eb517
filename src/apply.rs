//! Applying planned changes to disk, all or nothing.
//!
//! 1. **Check** that the tree is still as planned: every source holds the text the plan was made
//!    from, no target has appeared.
//! 2. **Stage**: create the target folders ([`folders`]: one `mkdir` per folder, parents
//!    first, the folders of one depth in parallel), then write every new text to a hidden temp
//!    file (`.NAME.pages2app-PID.tmp`) in its target's folder through the descriptor that
//!    created it. Nothing is synced yet.
//! 3. **Barrier 1** ([`durable::barrier`]: one `syncfs` on Linux): every staged text is on disk.
//! 4. **Place**: give each temp file its target name without ever replacing an existing file
//!    (`renameat2(RENAME_NOREPLACE)`, or a hard link where that is not supported); the compat
//!    module, which pages2app wrote itself, is replaced by a plain (atomic) rename.
//! 5. **Barrier 2**: every target name is on disk.
//! 6. **Move** every migrated source aside (a rename within its folder).
//! 7. Committed: delete the moved-aside sources, then the folders they leave empty (each
//!    folder tried once, deepest first), then a last barrier so that a finished run is on disk
//!    when the command exits.
//!
//! Steps 2 and 4-7 run on [`THREADS`] threads. A barrier costs no system call per file: the
//! file systems to sync are learnt from calls made anyway ([`durable::Syncer`]). At 10,000
//! routes apply makes about 7 metadata changes per file (mkdir 1.26, create, write, rename
//! into place, move aside, unlink, rmdir 0.56) and reads each source once to check it.
//!
//! If any step up to 6 fails, what this run did is undone in reverse order (sources moved back,
//! placed files removed, the compat module restored, temp files and created folders removed),
//! so the tree is as it was. An error is returned only after that rollback.
//!
//! While it runs, SIGINT, SIGTERM and SIGHUP are held: the apply finishes (or rolls back) first,
//! then the signal takes effect.
//!
//! # What a crash or power loss leaves
//!
//! SIGKILL and power loss cannot be held. The order of the barriers is what keeps the tree
//! sound; at each point, after a reboot:
//!
//! - during steps 2-3 (before barrier 1 returns): only hidden `.pages2app-PID.tmp` files, maybe
//!   empty or short, and new empty-but-for-them folders. No target name exists and no source
//!   was touched: the app is as it was, plus hidden files git shows as untracked.
//! - during steps 4-5: every target name that exists points at a complete file, because its
//!   text was on disk (barrier 1) before the name was created; the compat module is the old or
//!   the new one, never a mix. Every source is still there. The app holds some routes twice
//!   (source and target), which `git status` shows and `git clean` removes.
//! - during steps 6-7: every target is on disk (barrier 2) before the first source is moved, so
//!   each route exists at least once, complete: as its target, and perhaps still as its source
//!   or a hidden `.NAME.pages2app-PID.old` copy of it (not a route: Next serves no `.old` file).
//! - after the last barrier: the finished migration.
//!
//! No file is ever half-written, no route is ever lost. This holds as long as the file system
//! keeps the order of the barriers, as ext4, XFS, btrfs and APFS do for `syncfs`/`fsync`.
//! Before, each target was `fsync`ed on its own (the same guarantee, one disk wait per file:
//! about 1,600 files/s at 10,000 routes on the project's VM).

mod durable;
mod folders;
mod hold;

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

fn err(path: &str, message: impl Into<String>) -> ApplyError {
    ApplyError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// One target, from its temp file to its place.
struct Staged {
    tmp: PathBuf,
    target: PathBuf,
    /// The text a replaced file held (the compat module), to put back on rollback.
    replaces: Option<String>,
    state: State,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    /// Nothing written yet.
    Pending,
    /// The temp file holds the text.
    Written,
    /// The temp file has been given the target's name.
    Placed,
}

/// A migrated source moved aside, then deleted once the run is committed.
struct Moved {
    orig: PathBuf,
    aside: PathBuf,
    done: bool,
}

/// What apply did, for rollback.
#[derive(Default)]
struct Journal {
    /// Parents before children.
    created_dirs: Vec<PathBuf>,
    staged: Vec<Staged>,
    moved: Vec<Moved>,
}

impl Journal {
    fn rollback(self, syncer: &durable::Syncer) {
        for m in self.moved.iter().rev().filter(|m| m.done) {
            let _ = std::fs::rename(&m.aside, &m.orig);
        }
        for s in self.staged.iter().rev() {
            match (&s.replaces, s.state) {
                (Some(old), State::Placed) => {
                    let _ = write_atomic_replace(&s.target, old);
                }
                (None, State::Placed) => {
                    let _ = std::fs::remove_file(&s.target);
                }
                (_, State::Written) => {
                    let _ = std::fs::remove_file(&s.tmp);
                }
                (_, State::Pending) => {}
            }
        }
        for d in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
        // So that "nothing was changed" is on disk too (best effort: the run already failed).
        let touched = self.staged.iter().map(|s| s.target.as_path());
        let _ = syncer.barrier(&[], &durable::parents(touched));
    }
}

/// A hidden name next to `target`, unique to this process.
fn side_path(target: &Path, what: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.pages2app-{}.{what}", pid()))
}

/// This process's id, asked of the kernel once.
fn pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// Writes `text` to a new temp file beside `target`, without syncing it.
fn write_temp(target: &Path, text: &str) -> std::io::Result<PathBuf> {
    let tmp = side_path(target, "tmp");
    write_new_file(&tmp, text)?;
    Ok(tmp)
}

/// Writes `text` to `path`, which must not exist, through the descriptor that created it;
/// removes it again if the write fails.
fn write_new_file(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let written = f.write_all(text.as_bytes());
    drop(f);
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
    written
}

/// Renames `from` to `to` unless `to` exists (then `AlreadyExists`). `Unsupported` where the
/// file system cannot do it in one call.
#[cfg(target_os = "linux")]
fn rename_noreplace(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (from, to) = (c(from)?, c(to)?);
    // SAFETY: both are NUL-terminated paths that live across the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if r == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS) => Err(std::io::ErrorKind::Unsupported.into()),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn rename_noreplace(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Gives the staged temp file `tmp` the name `target`, failing if anything is already there.
fn place_new(tmp: &Path, target: &Path, text: &str) -> std::io::Result<()> {
    match rename_noreplace(tmp, target) {
        Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {}
        done => return done,
    }
    match std::fs::hard_link(tmp, target) {
        Ok(()) => {
            let _ = std::fs::remove_file(tmp);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            // File systems without hard links: create_new is still never an overwrite; this
            // file is synced by the next barrier, before any source is removed.
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(target)?;
            let written = f.write_all(text.as_bytes());
            if written.is_err() {
                let _ = std::fs::remove_file(target);
            } else {
                let _ = std::fs::remove_file(tmp);
            }
            written
        }
    }
}

/// Replaces `target` with `text` at once (a temp file, synced, renamed over it).
fn write_atomic_replace(target: &Path, text: &str) -> std::io::Result<()> {
    let tmp = write_temp(target, text)?;
    let synced = std::fs::File::open(&tmp).and_then(|f| f.sync_all());
    synced
        .and_then(|()| std::fs::rename(&tmp, target))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

/// Test hooks, read once per run; never set in normal use. `PAGES2APP_FAIL_WRITE_AFTER=N` makes
/// the staging of the (N+1)-th target fail, `PAGES2APP_FAIL_PLACE_AFTER=N` the placing of the
/// (N+1)-th target, `PAGES2APP_FAIL_SYNC_AFTER=N` the (N+1)-th barrier before the commit (0 or
/// 1), `PAGES2APP_FAIL_REMOVE_AFTER=N` the removal of the (N+1)-th source, to prove the
/// rollback. `PAGES2APP_TEST_WRITE_DELAY_MS=N` waits after each staged write, so that a test can
/// signal the process mid-apply.
struct Hooks {
    fail_write_after: Option<usize>,
    fail_place_after: Option<usize>,
    fail_sync_after: Option<usize>,
    fail_remove_after: Option<usize>,
    write_delay: Option<std::time::Duration>,
}

impl Hooks {
    fn from_env() -> Hooks {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let count = |name: &str| var(name).map(|n| n as usize);
        Hooks {
            fail_write_after: count("PAGES2APP_FAIL_WRITE_AFTER"),
            fail_place_after: count("PAGES2APP_FAIL_PLACE_AFTER"),
            fail_sync_after: count("PAGES2APP_FAIL_SYNC_AFTER"),
            fail_remove_after: count("PAGES2APP_FAIL_REMOVE_AFTER"),
            write_delay: var("PAGES2APP_TEST_WRITE_DELAY_MS").map(std::time::Duration::from_millis),
        }
    }

    fn fails(after: Option<usize>, done: usize, path: &str, what: &str) -> Result<(), ApplyError> {
        match after {
            Some(n) if done >= n => Err(err(path, format!("injected failure ({what})"))),
            _ => Ok(()),
        }
    }
}

/// Checks that the tree is still as the plan found it, and makes `syncer` cover the sources'
/// file systems.
fn check(root: &Path, changes: &[Change], syncer: &mut durable::Syncer) -> Result<(), ApplyError> {
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
    let changed = || "changed since the migration was planned; run again";
    let mut unchanged = |path: &str, old: &str| {
        let full = root.join(path);
        let cannot = |e: std::io::Error| err(path, format!("cannot read: {e}"));
        let mut f = std::fs::File::open(&full).map_err(cannot)?;
        let meta = f.metadata().map_err(cannot)?;
        if meta.len() != old.len() as u64 {
            return Err(err(path, changed()));
        }
        // One byte more than planned, to see the end of the file (read_to_end would ask
        // for the size again).
        let mut now = vec![0; old.len() + 1];
        let mut filled = 0;
        while filled < now.len() {
            match std::io::Read::read(&mut f, &mut now[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(cannot(e)),
            }
        }
        if now[..filled] != *old.as_bytes() {
            return Err(err(path, changed()));
        }
        syncer.cover(&full, durable::device(&meta)).map_err(cannot)
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

/// The target of a change, its new text, and the text it replaces (for a Modify).
fn target_of(c: &Change) -> (&str, &str, Option<&str>) {
    match c {
        Change::Rename { to, new, .. } => (to, new, None),
        Change::Add { path, new } => (path, new, None),
        Change::Modify { path, new, old } => (path, new, Some(old)),
    }
}

/// Runs `work` on every item, on several threads (see [`THREADS`]); each thread stops at its
/// first error. Returns the error of the lowest index, after every thread has stopped.
fn in_parallel<T: Send>(
    items: &mut [T],
    work: impl Fn(usize, &mut T) -> Result<(), ApplyError> + Sync,
) -> Result<(), ApplyError> {
    let chunk = items.len().div_ceil(THREADS).max(1);
    let work = &work;
    let errors: Vec<(usize, ApplyError)> = std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks_mut(chunk)
            .enumerate()
            .map(|(k, part)| {
                scope.spawn(move || {
                    for (i, item) in part.iter_mut().enumerate() {
                        let index = k * chunk + i;
                        if let Err(e) = work(index, item) {
                            return Some((index, e));
                        }
                    }
                    None
                })
            })
            .collect();
        workers
            .into_iter()
            .filter_map(|w| {
                w.join()
                    .unwrap_or_else(|_| Some((0, err(".", "a writer thread panicked"))))
            })
            .collect()
    });
    match errors.into_iter().min_by_key(|(i, _)| *i) {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Threads for the file system calls of apply: creating, renaming and removing a file is mostly
/// waiting for the file system (on the project's VM removing a folder takes about 2 ms, a few
/// µs of it on the CPU), and the waits overlap.
const THREADS: usize = 16;

/// Steps 2 to 6 (everything that can still be undone), recording what was done in `journal`.
fn apply_steps(
    root: &Path,
    changes: &[Change],
    hooks: &Hooks,
    syncer: &mut durable::Syncer,
    journal: &mut Journal,
) -> Result<(), ApplyError> {
    let root_shown = ".";
    // Step 2: the folders first (each once, parents first), then the temp files.
    for c in changes {
        let (path, _, replaces) = target_of(c);
        let target = root.join(path);
        journal.staged.push(Staged {
            tmp: side_path(&target, "tmp"),
            target,
            replaces: replaces.map(str::to_string),
            state: State::Pending,
        });
    }
    let new_files = journal
        .staged
        .iter()
        .filter(|s| s.replaces.is_none())
        .map(|s| s.target.as_path());
    let folders = folders::by_depth(root, new_files);
    let existed = folders::create(root, &folders, &mut journal.created_dirs)?;
    // The file systems of what this run creates: those of the folders that existed (a created
    // folder is on its parent's) and of the replaced files' folders.
    let replaced_dirs = journal
        .staged
        .iter()
        .filter(|s| s.replaces.is_some())
        .filter_map(|s| s.target.parent());
    for d in std::iter::once(root)
        .chain(existed.iter().map(PathBuf::as_path))
        .chain(replaced_dirs)
    {
        syncer
            .cover(d, None)
            .map_err(|e| err(root_shown, format!("cannot sync to disk: {e}")))?;
    }
    in_parallel(&mut journal.staged, |i, s| {
        let (path, text, _) = target_of(&changes[i]);
        Hooks::fails(
            hooks.fail_write_after,
            i,
            path,
            "PAGES2APP_FAIL_WRITE_AFTER",
        )?;
        write_new_file(&s.tmp, text).map_err(|e| err(path, format!("cannot write: {e}")))?;
        s.state = State::Written;
        if let Some(d) = hooks.write_delay {
            std::thread::sleep(d);
        }
        Ok(())
    })?;

    let barrier = |n: usize, files: &[PathBuf], dirs: &[PathBuf]| {
        Hooks::fails(
            hooks.fail_sync_after,
            n,
            root_shown,
            "PAGES2APP_FAIL_SYNC_AFTER",
        )?;
        syncer
            .barrier(files, dirs)
            .map_err(|e| err(root_shown, format!("cannot sync to disk: {e}")))
    };
    let tmps: Vec<PathBuf> = journal.staged.iter().map(|s| s.tmp.clone()).collect();
    barrier(0, &tmps, &[])?;

    in_parallel(&mut journal.staged, |i, s| {
        let (path, text, _) = target_of(&changes[i]);
        Hooks::fails(
            hooks.fail_place_after,
            i,
            path,
            "PAGES2APP_FAIL_PLACE_AFTER",
        )?;
        let placed = if s.replaces.is_some() {
            std::fs::rename(&s.tmp, &s.target)
        } else {
            place_new(&s.tmp, &s.target, text)
        };
        placed.map_err(|e| err(path, format!("cannot write: {e}")))?;
        s.state = State::Placed;
        Ok(())
    })?;
    // The folders that gained a name: each target's, and each created folder's parent.
    let named = journal
        .staged
        .iter()
        .map(|s| s.target.as_path())
        .chain(journal.created_dirs.iter().map(PathBuf::as_path));
    barrier(1, &[], &durable::parents(named))?;

    // Every target is on disk: move the migrated sources aside.
    journal.moved = changes
        .iter()
        .filter_map(|c| match c {
            Change::Rename { from, .. } => {
                let orig = root.join(from);
                let aside = side_path(&orig, "old");
                Some(Moved {
                    orig,
                    aside,
                    done: false,
                })
            }
            _ => None,
        })
        .collect();
    in_parallel(&mut journal.moved, |i, m| {
        let shown = m
            .orig
            .strip_prefix(root)
            .unwrap_or(&m.orig)
            .to_string_lossy();
        Hooks::fails(
            hooks.fail_remove_after,
            i,
            &shown,
            "PAGES2APP_FAIL_REMOVE_AFTER",
        )?;
        std::fs::rename(&m.orig, &m.aside)
            .map_err(|e| err(&shown, format!("cannot remove the migrated original ({e})")))?;
        m.done = true;
        Ok(())
    })
}

/// Applies `changes` under `root`. On error nothing of this run is left behind: the tree is as
/// it was before the call.
pub fn apply(root: &Path, changes: &[Change]) -> Result<(), ApplyError> {
    let mut syncer = durable::Syncer::default();
    check(root, changes, &mut syncer)?;
    let _held = hold::signals();
    let hooks = Hooks::from_env();

    let mut journal = Journal::default();
    if let Err(e) = apply_steps(root, changes, &hooks, &mut syncer, &mut journal) {
        journal.rollback(&syncer);
        return Err(e);
    }

    // Committed: delete the moved-aside sources, then the folders they leave empty (as git
    // apply does), each folder tried once. Deleting a file just renamed in the same folder does
    // not fail in practice; if it did, the hidden `.NAME.pages2app-PID.old` copy is left, never
    // a half-migrated route.
    let _ = in_parallel(&mut journal.moved, |_, m| {
        let _ = std::fs::remove_file(&m.aside);
        Ok(())
    });
    let origs = || journal.moved.iter().map(|m| m.orig.as_path());
    let emptied = folders::remove_empty(&folders::by_depth(root, origs()));
    // Best effort: the migration is complete whatever this returns; it only makes the removals
    // durable before the command exits.
    let removed = origs().chain(emptied.iter().map(PathBuf::as_path));
    let _ = syncer.barrier(&[], &durable::parents(removed));
    Ok(())
}
