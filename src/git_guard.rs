//! Git safety: before `migrate` writes anything, make sure every file it would touch is
//! committed, so that `git diff` shows the migration and `git checkout`/`git clean` undo it.
//!
//! Runs `git` as a command (no library): when git is not installed, or DIR is not inside a
//! git work tree, there is nothing to protect and the run goes on.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::change::Change;

/// A file the migration would touch that has uncommitted changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirtyFile {
    /// `git status --porcelain` XY code, e.g. ` M`, `??`, `A `.
    pub status: String,
    /// Path relative to the run root, `/`-separated.
    pub path: String,
}

/// Why the check could not be made although DIR is in a git work tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitError(pub String);

/// Every path a set of changes touches (sources, targets, the compat module), relative to the
/// run root.
pub fn touched_paths(changes: &[Change]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for c in changes {
        match c {
            Change::Rename { from, to, .. } => {
                out.insert(from.clone());
                out.insert(to.clone());
            }
            Change::Add { path, .. } | Change::Modify { path, .. } => {
                out.insert(path.clone());
            }
        }
    }
    out
}

fn git(root: &Path, args: &[&str]) -> Option<std::process::Output> {
    Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .ok()
}

/// The files among `paths` (relative to `root`) with uncommitted changes: modified, staged,
/// deleted, renamed or untracked. `Ok(empty)` when git is missing or `root` is not in a work
/// tree; `Err` when it is but `git status` failed.
pub fn dirty_files(root: &Path, paths: &BTreeSet<String>) -> Result<Vec<DirtyFile>, GitError> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let Some(inside) = git(root, &["rev-parse", "--is-inside-work-tree"]) else {
        return Ok(Vec::new()); // git is not installed
    };
    if !inside.status.success() || String::from_utf8_lossy(&inside.stdout).trim() != "true" {
        return Ok(Vec::new()); // not a repository, or inside .git
    }
    let prefix = git(root, &["rev-parse", "--show-prefix"])
        .filter(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim_end_matches('\n')
                .to_string()
        })
        .ok_or_else(|| GitError("`git rev-parse --show-prefix` failed".into()))?;
    let status = git(
        root,
        &[
            "status",
            "--porcelain",
            "-z",
            "--untracked-files=all",
            "--no-renames",
            "--",
            ".",
        ],
    )
    .ok_or_else(|| GitError("`git status` could not run".into()))?;
    if !status.status.success() {
        let why = String::from_utf8_lossy(&status.stderr).trim().to_string();
        return Err(GitError(format!("`git status` failed: {why}")));
    }
    Ok(parse_status(&status.stdout, &prefix, paths))
}

/// `Err(message)` when `migrate` must not write: files it would touch have uncommitted changes,
/// or git could not tell. The message lists them and says what to do.
pub fn refuse_dirty(root: &Path, changes: &[Change]) -> Result<(), String> {
    let paths = touched_paths(changes);
    match dirty_files(root, &paths) {
        Ok(dirty) if dirty.is_empty() => Ok(()),
        Ok(dirty) => {
            let mut msg = format!(
                "refusing to migrate: {} file(s) it would touch have uncommitted changes in git, so the migration could not be told apart from them or undone with git:",
                dirty.len()
            );
            for d in &dirty {
                msg.push_str(&format!("\n  {} {}", d.status, d.path));
            }
            msg.push_str("\ncommit or stash them first, or pass --allow-dirty; nothing was changed");
            Err(msg)
        }
        Err(GitError(why)) => Err(format!(
            "refusing to migrate: cannot tell whether the files it would touch are committed ({why}); pass --allow-dirty to migrate anyway; nothing was changed"
        )),
    }
}

/// Parses `git status --porcelain -z` output (paths relative to the repository root) and keeps
/// the entries under `prefix` whose path, relative to the run root, is in `paths`.
pub fn parse_status(out: &[u8], prefix: &str, paths: &BTreeSet<String>) -> Vec<DirtyFile> {
    let mut dirty = Vec::new();
    let mut fields = out.split(|b| *b == 0).filter(|f| !f.is_empty());
    while let Some(entry) = fields.next() {
        if entry.len() < 4 {
            continue;
        }
        let code = String::from_utf8_lossy(&entry[..2]).to_string();
        let mut names = vec![String::from_utf8_lossy(&entry[3..]).to_string()];
        if matches!(entry[0], b'R' | b'C') {
            // With renames, the original path follows as its own field.
            if let Some(orig) = fields.next() {
                names.push(String::from_utf8_lossy(orig).to_string());
            }
        }
        for name in names {
            let Some(rel) = name.strip_prefix(prefix) else {
                continue;
            };
            let rel = rel.trim_end_matches('/');
            let hit =
                paths.contains(rel) || paths.iter().any(|p| p.starts_with(&format!("{rel}/")));
            if hit {
                dirty.push(DirtyFile {
                    status: code.clone(),
                    path: rel.to_string(),
                });
            }
        }
    }
    dirty.sort_by(|a, b| a.path.cmp(&b.path));
    dirty.dedup();
    dirty
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(p: &[&str]) -> BTreeSet<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn keeps_touched_paths_under_the_prefix() {
        let out = b" M web/pages/api/a.ts\0?? web/pages/api/new.ts\0 M web/README.md\0M  other/pages/api/a.ts\0";
        let d = parse_status(
            out,
            "web/",
            &set(&[
                "pages/api/a.ts",
                "pages/api/new.ts",
                "app/(api)/api/a/route.ts",
            ]),
        );
        assert_eq!(
            d,
            vec![
                DirtyFile {
                    status: " M".into(),
                    path: "pages/api/a.ts".into()
                },
                DirtyFile {
                    status: "??".into(),
                    path: "pages/api/new.ts".into()
                },
            ]
        );
    }

    #[test]
    fn rename_entries_name_both_paths() {
        let out = b"R  pages/api/b.ts\0pages/api/a.ts\0";
        let d = parse_status(out, "", &set(&["pages/api/a.ts"]));
        assert_eq!(
            d,
            vec![DirtyFile {
                status: "R ".into(),
                path: "pages/api/a.ts".into()
            }]
        );
    }

    #[test]
    fn an_untracked_folder_covers_the_files_in_it() {
        let d = parse_status(b"?? app/\0", "", &set(&["app/(api)/api/a/route.ts"]));
        assert_eq!(d.len(), 1);
    }
}
