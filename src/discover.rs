//! Discovery: every `pages/api` and `src/pages/api` tree under the run root, and the route files
//! in each. Skips `node_modules`, `.next`, `.git` and other build output. Symlinked directories are
//! not followed (a symlink loop cannot trap the walk); the files found are reported in a stable,
//! sorted order.

use std::path::{Path, PathBuf};

use crate::route_path::ROUTE_EXTENSIONS;

const SKIP_DIRS: &[&str] = &["node_modules", ".next", ".git", ".turbo", ".vercel", "out", "dist", "target"];

/// One Next.js app's `pages/api` folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTree {
    /// The app root (the folder holding `pages` or `src`), relative to the run root; "" for the root.
    pub app_root: String,
    /// `pages/api` relative to the run root.
    pub api_dir: String,
    /// The matching `app` folder relative to the run root (`app` or `src/app` under `app_root`).
    pub app_dir: String,
}

/// A route file found in an [`ApiTree`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteFile {
    pub tree: usize,
    /// Path relative to the run root, `/`-separated.
    pub source: String,
    /// Path below `pages/api`, `/`-separated.
    pub rel_in_api: String,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub trees: Vec<ApiTree>,
    pub files: Vec<RouteFile>,
    /// Paths that could not be read while walking, with the reason.
    pub unreadable: Vec<(String, String)>,
}

/// Walks `root` and returns every API tree and route file, sorted.
pub fn discover(root: &Path) -> Discovery {
    let mut found = Discovery::default();
    let mut api_dirs = Vec::new();
    find_api_dirs(root, "", &mut api_dirs, &mut found.unreadable);
    api_dirs.sort();
    for api_dir in api_dirs {
        let pages_dir = parent(&api_dir);
        let pages_parent = parent(pages_dir);
        let (app_root, app_dir) = if pages_parent == "src" || pages_parent.ends_with("/src") {
            (parent(pages_parent).to_string(), join(pages_parent, "app"))
        } else {
            (pages_parent.to_string(), join(pages_parent, "app"))
        };
        let tree = found.trees.len();
        let mut files = Vec::new();
        collect_routes(root, &api_dir, "", &mut files, &mut found.unreadable);
        files.sort();
        for rel in files {
            found.files.push(RouteFile { tree, source: join(&api_dir, &rel), rel_in_api: rel });
        }
        found.trees.push(ApiTree { app_root, api_dir, app_dir });
    }
    found
}

fn parent(p: &str) -> &str {
    p.rsplit_once('/').map_or("", |(a, _)| a)
}

pub fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}/{b}")
    }
}

fn to_fs(root: &Path, rel: &str) -> PathBuf {
    if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    }
}

/// Sorted entries of a directory: (name, is_dir) for real directories and regular files.
/// Names that are not valid UTF-8 are reported as unreadable.
fn entries(root: &Path, rel: &str, unreadable: &mut Vec<(String, String)>) -> Vec<(String, bool)> {
    let dir = to_fs(root, rel);
    let read = match std::fs::read_dir(&dir) {
        Ok(r) => r,
        Err(e) => {
            unreadable.push((if rel.is_empty() { ".".into() } else { rel.to_string() }, e.to_string()));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for entry in read.flatten() {
        let name = match entry.file_name().into_string() {
            Ok(n) => n,
            Err(n) => {
                unreadable.push((join(rel, &n.to_string_lossy()), "file name is not valid UTF-8".into()));
                continue;
            }
        };
        // file_type() does not follow symlinks: symlinked folders are not walked.
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            out.push((name, true));
        } else if ft.is_file() || ft.is_symlink() {
            out.push((name, false));
        }
    }
    out.sort();
    out
}

fn find_api_dirs(root: &Path, rel: &str, out: &mut Vec<String>, unreadable: &mut Vec<(String, String)>) {
    for (name, is_dir) in entries(root, rel, unreadable) {
        if !is_dir || SKIP_DIRS.contains(&name.as_str()) {
            continue;
        }
        let child = join(rel, &name);
        if name == "pages" && to_fs(root, &child).join("api").is_dir() {
            let api = join(&child, "api");
            if !std::fs::symlink_metadata(to_fs(root, &api)).map(|m| m.file_type().is_symlink()).unwrap_or(true) {
                out.push(api);
            }
            // pages/ holds no further apps; don't descend.
            continue;
        }
        find_api_dirs(root, &child, out, unreadable);
    }
}

fn collect_routes(root: &Path, api_dir: &str, rel: &str, out: &mut Vec<String>, unreadable: &mut Vec<(String, String)>) {
    for (name, is_dir) in entries(root, &join(api_dir, rel), unreadable) {
        let child = join(rel, &name);
        if is_dir {
            if !SKIP_DIRS.contains(&name.as_str()) {
                collect_routes(root, api_dir, &child, out, unreadable);
            }
            continue;
        }
        if name.ends_with(".d.ts") {
            continue;
        }
        let ext = name.rsplit_once('.').map(|(_, e)| e);
        if ext.is_some_and(|e| ROUTE_EXTENSIONS.contains(&e)) {
            out.push(child);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "x").unwrap();
    }

    #[test]
    fn finds_every_app_and_skips_build_folders() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        touch(r, "pages/api/a.ts");
        touch(r, "pages/api/b/[id].js");
        touch(r, "pages/api/types.d.ts");
        touch(r, "pages/api/data.json");
        touch(r, "apps/web/src/pages/api/x.tsx");
        touch(r, "node_modules/pkg/pages/api/no.ts");
        touch(r, ".next/server/pages/api/no.js");
        let d = discover(r);
        assert_eq!(d.trees.len(), 2);
        assert_eq!(d.trees[0], ApiTree { app_root: "apps/web".into(), api_dir: "apps/web/src/pages/api".into(), app_dir: "apps/web/src/app".into() });
        assert_eq!(d.trees[1], ApiTree { app_root: "".into(), api_dir: "pages/api".into(), app_dir: "app".into() });
        let sources: Vec<_> = d.files.iter().map(|f| f.source.as_str()).collect();
        assert_eq!(sources, ["apps/web/src/pages/api/x.tsx", "pages/api/a.ts", "pages/api/b/[id].js"]);
        assert_eq!(d.files[2].rel_in_api, "b/[id].js");
    }
}
