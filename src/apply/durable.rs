//! The durability barrier between apply's steps: when it returns, every file written and every
//! name created or removed before it is on disk.
//!
//! On Linux that is one `syncfs(2)` per file system the run touches (normally one: the
//! project's), instead of an `fsync(2)` per file: a sync per file made apply wait for the disk
//! 10,000 times at 10,000 routes. `syncfs` reports write-back errors since Linux 5.8. The file
//! systems are learnt as the run goes ([`Syncer::cover`]) from what it has already asked the
//! file system (a source's `fstat`, a folder that `mkdir` found existing), so that a barrier
//! costs no call per file. Where there is no `syncfs`, each file and then each folder is
//! `fsync`ed, still once per step rather than once per write.

use std::io;
use std::path::{Path, PathBuf};

/// The folders holding `paths`, each once (no system call).
pub fn parents<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = paths
        .into_iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The device a file or folder lives on, where the platform says.
#[cfg(unix)]
pub fn device(meta: &std::fs::Metadata) -> Option<u64> {
    Some(std::os::unix::fs::MetadataExt::dev(meta))
}

#[cfg(not(unix))]
pub fn device(_: &std::fs::Metadata) -> Option<u64> {
    None
}

/// Syncs the file systems of the paths it was told about.
#[derive(Default)]
pub struct Syncer {
    /// One open file or folder per device.
    #[cfg(target_os = "linux")]
    devices: Vec<(u64, std::fs::File)>,
}

impl Syncer {
    /// Makes the barriers cover the file system holding `path` (a file or folder that exists),
    /// whose device is `dev` when the caller knows it already. A created file or folder is on
    /// its folder's file system, so covering the folders that existed before the run covers
    /// everything it creates.
    pub fn cover(&mut self, path: &Path, dev: Option<u64>) -> io::Result<()> {
        imp::cover(self, path, dev)
    }

    /// Makes `files` (their contents) and the entries of `dirs` durable. A folder in `dirs`
    /// that no longer exists (one the run removed) is skipped: its parent is in `dirs` too.
    pub fn barrier(&self, files: &[PathBuf], dirs: &[PathBuf]) -> io::Result<()> {
        imp::barrier(self, files, dirs)
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use std::io;
    use std::os::fd::AsRawFd;
    use std::path::{Path, PathBuf};

    use super::Syncer;

    pub fn cover(s: &mut Syncer, path: &Path, dev: Option<u64>) -> io::Result<()> {
        let dev = match dev {
            Some(d) => d,
            None => std::os::unix::fs::MetadataExt::dev(&std::fs::metadata(path)?),
        };
        if !s.devices.iter().any(|(d, _)| *d == dev) {
            s.devices.push((dev, std::fs::File::open(path)?));
        }
        Ok(())
    }

    pub fn barrier(s: &Syncer, _: &[PathBuf], _: &[PathBuf]) -> io::Result<()> {
        for (_, f) in &s.devices {
            // SAFETY: syncfs takes an open descriptor, which `f` owns for the whole call.
            if unsafe { libc::syncfs(f.as_raw_fd()) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::io;
    use std::path::{Path, PathBuf};

    use super::Syncer;

    pub fn cover(_: &mut Syncer, _: &Path, _: Option<u64>) -> io::Result<()> {
        Ok(())
    }

    pub fn barrier(_: &Syncer, files: &[PathBuf], dirs: &[PathBuf]) -> io::Result<()> {
        for f in files {
            std::fs::File::open(f)?.sync_all()?;
        }
        for d in dirs {
            match std::fs::File::open(d) {
                Ok(f) => f.sync_all()?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
