//! The durability barrier between apply's steps: when it returns, every file written and every
//! name created or removed before it is on disk.
//!
//! On Linux that is one `syncfs(2)` per file system the touched folders live on (normally one:
//! the project's), instead of an `fsync(2)` per file: a sync per file made apply wait for the
//! disk 10,000 times at 10,000 routes. `syncfs` reports write-back errors since Linux 5.8. Where
//! there is no `syncfs`, each file and then each folder is `fsync`ed, still once per step rather
//! than once per write.

use std::io;
use std::path::{Path, PathBuf};

/// Makes `files` (their contents) and the entries of `dirs` durable.
pub fn barrier(files: &[PathBuf], dirs: &[PathBuf]) -> io::Result<()> {
    imp::barrier(files, dirs)
}

/// The folders holding `paths`, each once.
pub fn parents<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = paths
        .into_iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(target_os = "linux")]
mod imp {
    use std::io;
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    use std::path::PathBuf;

    pub fn barrier(files: &[PathBuf], dirs: &[PathBuf]) -> io::Result<()> {
        // One folder per file system is enough for syncfs: a file's folder is on its device
        // (a mount point inside the project would be the only way to reach a second one).
        let mut devices: Vec<(u64, PathBuf)> = Vec::new();
        let file_dirs = super::parents(files.iter().map(PathBuf::as_path));
        for d in dirs.iter().chain(&file_dirs) {
            let dev = std::fs::metadata(d)?.dev();
            if !devices.iter().any(|(x, _)| *x == dev) {
                devices.push((dev, d.clone()));
            }
        }
        for (_, d) in devices {
            let f = std::fs::File::open(&d)?;
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
    use std::path::PathBuf;

    pub fn barrier(files: &[PathBuf], dirs: &[PathBuf]) -> io::Result<()> {
        for f in files {
            std::fs::File::open(f)?.sync_all()?;
        }
        for d in dirs {
            std::fs::File::open(d)?.sync_all()?;
        }
        Ok(())
    }
}
