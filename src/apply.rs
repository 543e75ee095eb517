//! Applying planned changes to disk, all or nothing.
//!
//! Every target is written through a temp file in its own folder and linked into place without
//! ever replacing an existing file; only when all targets are in place are the migrated sources
//! deleted. If any step fails, what this run wrote is removed again and the tree is as before.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::pipeline::Change;

#[derive(Debug)]
pub struct ApplyError {
    pub path: String,
    pub message: String,
}

/// What apply did, for rollback.
#[derive(Default)]
struct Journal {
    created_files: Vec<PathBuf>,
    created_dirs: Vec<PathBuf>,
    modified: Vec<(PathBuf, String)>,
}

impl Journal {
    fn rollback(self) {
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
    ApplyError { path: path.to_string(), message: message.into() }
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    target.with_file_name(format!(".{name}.pages2app-{}.tmp", std::process::id()))
}

fn write_temp(target: &Path, text: &str) -> std::io::Result<PathBuf> {
    let tmp = temp_path(target);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(tmp)
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
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(target)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()
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
        if d.exists() {
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

/// Test hook: `PAGES2APP_FAIL_WRITE_AFTER=N` makes the write of the (N+1)-th target fail, to
/// prove the rollback. Never set in normal use.
fn injected_failure(written: usize) -> bool {
    std::env::var("PAGES2APP_FAIL_WRITE_AFTER").ok().and_then(|v| v.parse::<usize>().ok()).is_some_and(|n| written >= n)
}

/// Applies `changes` under `root`. On error nothing of this run is left behind.
pub fn apply(root: &Path, changes: &[Change]) -> Result<(), ApplyError> {
    // Check that the tree is still as planned.
    for c in changes {
        match c {
            Change::Rename { from, to, old, .. } => {
                let now = std::fs::read_to_string(root.join(from)).map_err(|e| err(from, format!("cannot read: {e}")))?;
                if now != *old {
                    return Err(err(from, "changed since the migration was planned; run again"));
                }
                if root.join(to).exists() {
                    return Err(err(to, "appeared since the migration was planned; nothing is overwritten"));
                }
            }
            Change::Add { path, .. } => {
                if root.join(path).exists() {
                    return Err(err(path, "appeared since the migration was planned; nothing is overwritten"));
                }
            }
            Change::Modify { path, old, .. } => {
                let now = std::fs::read_to_string(root.join(path)).map_err(|e| err(path, format!("cannot read: {e}")))?;
                if now != *old {
                    return Err(err(path, "changed since the migration was planned; run again"));
                }
            }
        }
    }

    let mut journal = Journal::default();
    let mut written = 0usize;
    for c in changes {
        let result = (|| -> Result<(), ApplyError> {
            let (path, text) = match c {
                Change::Rename { to, new, .. } => (to, new),
                Change::Add { path, new } => (path, new),
                Change::Modify { path, new, old } => {
                    if injected_failure(written) {
                        return Err(err(path, "injected failure (PAGES2APP_FAIL_WRITE_AFTER)"));
                    }
                    let full = root.join(path);
                    write_atomic_replace(&full, new).map_err(|e| err(path, format!("cannot write: {e}")))?;
                    journal.modified.push((full, old.clone()));
                    return Ok(());
                }
            };
            let full = root.join(path);
            if let Some(dir) = full.parent() {
                create_dirs(dir, &mut journal).map_err(|e| err(path, format!("cannot create folder: {e}")))?;
            }
            if injected_failure(written) {
                return Err(err(path, "injected failure (PAGES2APP_FAIL_WRITE_AFTER)"));
            }
            write_new(&full, text).map_err(|e| err(path, format!("cannot write: {e}")))?;
            journal.created_files.push(full);
            Ok(())
        })();
        if let Err(e) = result {
            journal.rollback();
            return Err(e);
        }
        written += 1;
    }

    // All targets are in place: remove the migrated sources (and folders left empty, as git
    // apply does).
    for c in changes {
        if let Change::Rename { from, .. } = c {
            let full = root.join(from);
            if let Err(e) = std::fs::remove_file(&full) {
                return Err(err(from, format!("migrated, but the original could not be removed ({e}); remove it by hand: Next refuses to build with both")));
            }
            let mut dir = full.parent();
            while let Some(d) = dir {
                if d == root || std::fs::remove_dir(d).is_err() {
                    break;
                }
                dir = d.parent();
            }
        }
    }
    Ok(())
}
