//! The folders apply creates and removes. Each folder is asked for once: created parents
//! before children, removed children before parents, the folders of one depth on several
//! threads (a folder's siblings do not wait for each other).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use super::{err, in_parallel, ApplyError};

/// The folders holding `files` and their ancestors below `root` (not `root` itself), each
/// once, grouped by depth: shallowest first.
pub fn by_depth<'a>(root: &Path, files: impl IntoIterator<Item = &'a Path>) -> Vec<Vec<PathBuf>> {
    let mut seen: HashSet<&Path> = HashSet::new();
    let mut levels: BTreeMap<usize, Vec<PathBuf>> = BTreeMap::new();
    for file in files {
        let mut dir = file.parent();
        while let Some(d) = dir {
            if d == root || !d.starts_with(root) || !seen.insert(d) {
                break;
            }
            levels
                .entry(d.components().count())
                .or_default()
                .push(d.to_path_buf());
            dir = d.parent();
        }
    }
    levels
        .into_values()
        .map(|mut level| {
            level.sort_unstable();
            level
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Made {
    Not,
    Created,
    Existed,
}

/// Creates the folders of `levels` (from [`by_depth`]) that do not exist: one `mkdir` each, an
/// existing folder answers `EEXIST`. Every folder created is appended to `created` (parents
/// first), also when an error is returned. Returns the folders that existed already.
pub fn create(
    root: &Path,
    levels: &[Vec<PathBuf>],
    created: &mut Vec<PathBuf>,
) -> Result<Vec<PathBuf>, ApplyError> {
    let mut existed = Vec::new();
    for level in levels {
        let mut items: Vec<(&PathBuf, Made)> = level.iter().map(|d| (d, Made::Not)).collect();
        let result = in_parallel(&mut items, |_, (d, made)| {
            match std::fs::create_dir(d.as_path()) {
                Ok(()) => *made = Made::Created,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => *made = Made::Existed,
                Err(e) => {
                    let shown = d.strip_prefix(root).unwrap_or(d).to_string_lossy();
                    return Err(err(&shown, format!("cannot create folder: {e}")));
                }
            }
            Ok(())
        });
        for (d, made) in items {
            match made {
                Made::Created => created.push(d.clone()),
                Made::Existed => existed.push(d.clone()),
                Made::Not => {}
            }
        }
        result?;
    }
    Ok(existed)
}

/// Removes the folders of `levels` (from [`by_depth`]) that are empty, deepest first: one
/// `rmdir` each, and none for a folder one of whose subfolders was not empty. Returns the
/// removed folders.
pub fn remove_empty(levels: &[Vec<PathBuf>]) -> Vec<PathBuf> {
    let mut kept: HashSet<PathBuf> = HashSet::new();
    let mut removed = Vec::new();
    for level in levels.iter().rev() {
        let mut items: Vec<(&PathBuf, bool)> = level
            .iter()
            .filter(|d| !kept.contains(d.as_path()))
            .map(|d| (d, false))
            .collect();
        let _ = in_parallel(&mut items, |_, (d, gone)| {
            *gone = std::fs::remove_dir(d.as_path()).is_ok();
            Ok(())
        });
        for (d, gone) in items {
            if gone {
                removed.push(d.clone());
            } else if let Some(parent) = d.parent() {
                kept.insert(parent.to_path_buf());
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_folder_once_by_depth_below_the_root() {
        let root = Path::new("/r");
        let files = [
            "/r/a/b/x.ts",
            "/r/a/b/y.ts",
            "/r/a/c/z.ts",
            "/r/top.ts",
            "/r/a-b/w.ts",
        ];
        let levels = by_depth(root, files.iter().map(Path::new));
        let shown: Vec<Vec<&str>> = levels
            .iter()
            .map(|l| l.iter().map(|p| p.to_str().unwrap_or("?")).collect())
            .collect();
        assert_eq!(
            shown,
            vec![vec!["/r/a", "/r/a-b"], vec!["/r/a/b", "/r/a/c"]]
        );
    }

    #[test]
    fn creates_what_is_missing_and_removes_only_empty_folders() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        std::fs::create_dir(root.join("a")).expect("mkdir");
        let files = [root.join("a/b/c/x.ts"), root.join("a/d/y.ts")];
        let levels = by_depth(root, files.iter().map(PathBuf::as_path));
        let mut created = Vec::new();
        let existed = create(root, &levels, &mut created).expect("create");
        assert_eq!(existed, vec![root.join("a")]);
        assert_eq!(
            created,
            vec![root.join("a/b"), root.join("a/d"), root.join("a/b/c")]
        );
        std::fs::write(root.join("a/d/keep.ts"), "").expect("write");
        let removed = remove_empty(&levels);
        assert_eq!(removed, vec![root.join("a/b/c"), root.join("a/b")]);
        assert!(root.join("a/d/keep.ts").exists());
    }
}
