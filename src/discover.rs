//! Discovery: every `pages/api` and `src/pages/api` tree under the run root, and the route files
//! in each. Skips `node_modules`, `.next`, `.git` and other build output. Symlinked directories are
//! not followed (a symlink loop cannot trap the walk); the files found are reported in a stable,
//! sorted order.
//!
//! Each tree is placed in its app the way Next does it: the app root holds `next.config.*` or a
//! `package.json` that depends on `next`; its pages folder is `pages/`, or `src/pages/` when there
//! is no `pages/`; its app folder is `app/`, else `src/app/`, else beside the pages folder. The
//! app's `pageExtensions` (a literal array in `next.config.*`) decide which files are routes.
//! A tree that cannot be placed is reported in [`Discovery::warnings`].

use std::path::{Path, PathBuf};

use crate::next_config::{self, PageExtensions};
use crate::route_path::{Lang, ROUTE_EXTENSIONS};

const SKIP_DIRS: &[&str] = &[
    "node_modules",
    ".next",
    ".git",
    ".turbo",
    ".vercel",
    "out",
    "dist",
    "target",
];

/// One Next.js app's `pages/api` folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTree {
    /// The app root (the folder holding `pages` or `src`), relative to the run root; "" for the root.
    pub app_root: String,
    /// `pages/api` relative to the run root.
    pub api_dir: String,
    /// The matching `app` folder relative to the run root (`app` or `src/app` under `app_root`).
    pub app_dir: String,
    /// The app's `pageExtensions` when its `next.config.*` sets them; `None` for Next's defaults.
    pub page_extensions: Option<Vec<String>>,
}

/// A route file found in an [`ApiTree`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteFile {
    pub tree: usize,
    /// Path relative to the run root, `/`-separated.
    pub source: String,
    /// Path below `pages/api`, `/`-separated. With custom `pageExtensions` the matched page
    /// extension is reduced to its last part (`users/[id].api.ts` → `users/[id].ts`), so the
    /// route path drops it the way Next does.
    pub rel_in_api: String,
    /// The extension the target `route.*` file must have for the app to serve it, when it is not
    /// the default one (`api.ts` for `x.api.ts` under `pageExtensions: ['api.ts']`).
    pub target_ext: Option<String>,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub trees: Vec<ApiTree>,
    pub files: Vec<RouteFile>,
    /// Paths that could not be read while walking, with the reason.
    pub unreadable: Vec<(String, String)>,
    /// Things the user should know that are not about one route: a tree that cannot be placed in
    /// an app, a `pageExtensions` that cannot be read, a route file the tool cannot parse. As
    /// (path relative to the run root, message); the run goes on.
    pub warnings: Vec<(String, String)>,
}

/// Walks `root` and returns every API tree and route file, sorted.
pub fn discover(root: &Path) -> Discovery {
    let mut found = Discovery::default();
    let mut api_dirs = Vec::new();
    find_api_dirs(root, "", &mut api_dirs, &mut found.unreadable);
    api_dirs.sort();
    for api_dir in api_dirs {
        let (app_root, app_dir) = match place(root, &api_dir, &mut found.warnings) {
            Some(p) => p,
            None => continue,
        };
        let page_extensions = match next_config::page_extensions(&to_fs(root, &app_root)) {
            Some((_, PageExtensions::Custom(list))) => Some(list),
            Some((file, PageExtensions::Unreadable(why))) => {
                let default = ROUTE_EXTENSIONS.join(" ");
                found.warnings.push((
                    join(&app_root, file),
                    format!(
                        "cannot read `pageExtensions`: {why}; assuming the default ({default})"
                    ),
                ));
                None
            }
            Some((_, PageExtensions::Default)) | None => None,
        };
        let matcher = Matcher::new(page_extensions.as_deref());
        let tree = found.trees.len();
        let mut files = Vec::new();
        collect_routes(root, &api_dir, "", &mut files, &mut found.unreadable);
        files.sort();
        for rel in files {
            match matcher.route(&rel) {
                Route::Yes { rel_in_api, target_ext } => found.files.push(RouteFile { tree, source: join(&api_dir, &rel), rel_in_api, target_ext }),
                Route::NotParseable(ext) => found.warnings.push((
                    join(&api_dir, &rel),
                    format!("`pageExtensions` makes this a route, but `.{ext}` is not JavaScript or TypeScript; not migrated"),
                )),
                Route::No => {}
            }
        }
        found.trees.push(ApiTree {
            app_root,
            api_dir,
            app_dir,
            page_extensions,
        });
    }
    found
}

/// The app root and app folder of a `pages/api` tree, as Next finds them; `None` (with a warning)
/// for a tree Next does not serve.
fn place(
    root: &Path,
    api_dir: &str,
    warnings: &mut Vec<(String, String)>,
) -> Option<(String, String)> {
    let pages_dir = parent(api_dir);
    let holder = parent(pages_dir);
    let in_src = holder == "src" || holder.ends_with("/src");
    let app_root = if next_config::is_app_root(&to_fs(root, holder)) {
        holder.to_string()
    } else if in_src && next_config::is_app_root(&to_fs(root, parent(holder))) {
        parent(holder).to_string()
    } else if holder.is_empty()
        && root.file_name().is_some_and(|n| n == "src")
        && root.parent().is_some_and(next_config::is_app_root)
    {
        // The run root is an app's src/ folder: its pages/ and app/ are right here.
        return Some((String::new(), "app".into()));
    } else {
        let assumed = if in_src { parent(holder) } else { holder };
        let shown = if assumed.is_empty() { "." } else { assumed };
        warnings.push((
            api_dir.to_string(),
            format!("cannot place this tree in a Next.js app: no next.config.* or package.json with a `next` dependency in `{shown}`; assuming `{shown}` is the app root"),
        ));
        assumed.to_string()
    };
    if app_root != holder && to_fs(root, &join(&app_root, "pages")).is_dir() {
        let shown = join(&app_root, "pages");
        warnings.push((api_dir.to_string(), format!("Next serves `{shown}` and ignores `{pages_dir}`, so these files are not routes; not migrated")));
        return None;
    }
    let app_dir = if to_fs(root, &join(&app_root, "app")).is_dir() {
        join(&app_root, "app")
    } else if to_fs(root, &join(&app_root, "src/app")).is_dir() || app_root != holder {
        join(&app_root, "src/app")
    } else {
        join(&app_root, "app")
    };
    Some((app_root, app_dir))
}

enum Route {
    Yes {
        rel_in_api: String,
        target_ext: Option<String>,
    },
    /// A page extension the tool cannot parse (`mdx`).
    NotParseable(String),
    No,
}

/// Which files are routes under an app's `pageExtensions`.
struct Matcher {
    /// Custom extensions, longest first (Next strips the longest one that matches).
    custom: Option<Vec<String>>,
}

impl Matcher {
    fn new(custom: Option<&[String]>) -> Self {
        let custom = custom.map(|list| {
            let mut v = list.to_vec();
            v.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
            v
        });
        Matcher { custom }
    }

    fn route(&self, rel: &str) -> Route {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if name.ends_with(".d.ts") {
            return Route::No;
        }
        let Some(custom) = &self.custom else {
            let ext = name.rsplit_once('.').map(|(_, e)| e);
            return if ext.is_some_and(|e| ROUTE_EXTENSIONS.contains(&e)) {
                Route::Yes {
                    rel_in_api: rel.to_string(),
                    target_ext: None,
                }
            } else {
                Route::No
            };
        };
        let Some(ext) = custom.iter().find(|e| {
            name.len() > e.len() + 1
                && name.ends_with(e.as_str())
                && name[..name.len() - e.len()].ends_with('.')
        }) else {
            return Route::No;
        };
        let last = ext.rsplit('.').next().unwrap_or(ext);
        let Some(lang) = Lang::from_path(&format!("x.{last}")) else {
            return Route::NotParseable(ext.clone());
        };
        let stem = &rel[..rel.len() - ext.len() - 1];
        let rel_in_api = format!("{stem}.{last}");
        // The default target is route.ts / route.js; keep it when the app serves that extension,
        // else use the matched one (route.api.ts), which the app serves by definition.
        let default_ext = if lang.is_typescript() { "ts" } else { "js" };
        let target_ext = if !ext.contains('.') && custom.iter().any(|e| e == default_ext) {
            None
        } else {
            Some(ext.clone())
        };
        Route::Yes {
            rel_in_api,
            target_ext,
        }
    }
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
            unreadable.push((
                if rel.is_empty() {
                    ".".into()
                } else {
                    rel.to_string()
                },
                e.to_string(),
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for entry in read.flatten() {
        let name = match entry.file_name().into_string() {
            Ok(n) => n,
            Err(n) => {
                unreadable.push((
                    join(rel, &n.to_string_lossy()),
                    "file name is not valid UTF-8".into(),
                ));
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

fn find_api_dirs(
    root: &Path,
    rel: &str,
    out: &mut Vec<String>,
    unreadable: &mut Vec<(String, String)>,
) {
    for (name, is_dir) in entries(root, rel, unreadable) {
        if !is_dir || SKIP_DIRS.contains(&name.as_str()) {
            continue;
        }
        let child = join(rel, &name);
        if name == "pages" && to_fs(root, &child).join("api").is_dir() {
            let api = join(&child, "api");
            if !std::fs::symlink_metadata(to_fs(root, &api))
                .map(|m| m.file_type().is_symlink())
                .unwrap_or(true)
            {
                out.push(api);
            }
            // pages/ holds no further apps; don't descend.
            continue;
        }
        find_api_dirs(root, &child, out, unreadable);
    }
}

fn collect_routes(
    root: &Path,
    api_dir: &str,
    rel: &str,
    out: &mut Vec<String>,
    unreadable: &mut Vec<(String, String)>,
) {
    for (name, is_dir) in entries(root, &join(api_dir, rel), unreadable) {
        let child = join(rel, &name);
        if is_dir {
            if !SKIP_DIRS.contains(&name.as_str()) {
                collect_routes(root, api_dir, &child, out, unreadable);
            }
            continue;
        }
        // A symlink to a folder is not walked (a loop could trap the walk, and migrating would
        // move files out of another tree); say so instead of leaving its routes behind silently.
        let full = root.join(join(api_dir, &child));
        let is_link = std::fs::symlink_metadata(&full).is_ok_and(|m| m.file_type().is_symlink());
        if is_link && std::fs::metadata(&full).is_ok_and(|m| m.is_dir()) {
            unreadable.push((
                join(api_dir, &child),
                "a symlinked folder is not followed: the routes in it were not migrated; migrate the folder it points to, or replace the link with the folder".into(),
            ));
            continue;
        }
        out.push(child);
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
        assert_eq!(
            d.trees[0],
            ApiTree {
                app_root: "apps/web".into(),
                api_dir: "apps/web/src/pages/api".into(),
                app_dir: "apps/web/src/app".into(),
                page_extensions: None
            }
        );
        assert_eq!(
            d.trees[1],
            ApiTree {
                app_root: "".into(),
                api_dir: "pages/api".into(),
                app_dir: "app".into(),
                page_extensions: None
            }
        );
        let sources: Vec<_> = d.files.iter().map(|f| f.source.as_str()).collect();
        assert_eq!(
            sources,
            [
                "apps/web/src/pages/api/x.tsx",
                "pages/api/a.ts",
                "pages/api/b/[id].js"
            ]
        );
        assert_eq!(d.files[2].rel_in_api, "b/[id].js");
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn trees_are_placed_in_their_apps() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        // An app found by its package.json, pages in src/, app/ at the root (Next uses it).
        write(
            r,
            "apps/web/package.json",
            r#"{"dependencies":{"next":"16.0.0"}}"#,
        );
        touch(r, "apps/web/src/pages/api/a.ts");
        touch(r, "apps/web/app/page.tsx");
        // An app found by next.config.mjs; src/pages is ignored by Next because pages/ exists.
        write(r, "apps/docs/next.config.mjs", "export default {}");
        touch(r, "apps/docs/pages/api/b.ts");
        touch(r, "apps/docs/src/pages/api/c.ts");
        // A package.json without next does not make an app root.
        write(
            r,
            "tools/package.json",
            r#"{"dependencies":{"react":"19"}}"#,
        );
        touch(r, "tools/pages/api/d.ts");
        let d = discover(r);
        let trees: Vec<_> = d
            .trees
            .iter()
            .map(|t| (t.app_root.as_str(), t.api_dir.as_str(), t.app_dir.as_str()))
            .collect();
        assert_eq!(
            trees,
            [
                ("apps/docs", "apps/docs/pages/api", "apps/docs/app"),
                ("apps/web", "apps/web/src/pages/api", "apps/web/app"),
                ("tools", "tools/pages/api", "tools/app"),
            ]
        );
        let warned: Vec<_> = d
            .warnings
            .iter()
            .map(|(p, m)| (p.as_str(), m.split(':').next().unwrap_or("")))
            .collect();
        assert_eq!(
            warned,
            [
                ("apps/docs/src/pages/api", "Next serves `apps/docs/pages` and ignores `apps/docs/src/pages`, so these files are not routes; not migrated"),
                ("tools/pages/api", "cannot place this tree in a Next.js app"),
            ]
        );
        assert!(!d.files.iter().any(|f| f.source.contains("docs/src")));
    }

    #[test]
    fn page_extensions_decide_what_is_a_route() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        write(
            r,
            "next.config.js",
            "module.exports = { pageExtensions: ['page.tsx', 'api.ts', 'mdx'] }",
        );
        for f in [
            "pages/api/users/[id].api.ts",
            "pages/api/users/index.api.ts",
            "pages/api/users/helpers.ts",
            "pages/api/notes.mdx",
            "pages/api/x.page.tsx",
        ] {
            touch(r, f);
        }
        let d = discover(r);
        let files: Vec<_> = d
            .files
            .iter()
            .map(|f| {
                (
                    f.source.as_str(),
                    f.rel_in_api.as_str(),
                    f.target_ext.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            files,
            [
                (
                    "pages/api/users/[id].api.ts",
                    "users/[id].ts",
                    Some("api.ts")
                ),
                (
                    "pages/api/users/index.api.ts",
                    "users/index.ts",
                    Some("api.ts")
                ),
                ("pages/api/x.page.tsx", "x.tsx", Some("page.tsx")),
            ]
        );
        assert_eq!(
            d.trees[0].page_extensions.as_deref(),
            Some(&["page.tsx".to_string(), "api.ts".into(), "mdx".into()][..])
        );
        assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
        assert_eq!(d.warnings[0].0, "pages/api/notes.mdx");
    }

    #[test]
    fn single_part_extensions_keep_the_default_target() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        write(
            r,
            "next.config.ts",
            "export default { pageExtensions: ['tsx', 'ts', 'md'] }",
        );
        touch(r, "pages/api/a.tsx");
        touch(r, "pages/api/b.js");
        let d = discover(r);
        let files: Vec<_> = d
            .files
            .iter()
            .map(|f| (f.rel_in_api.as_str(), f.target_ext.as_deref()))
            .collect();
        assert_eq!(files, [("a.tsx", None)]);
    }

    #[test]
    fn unreadable_page_extensions_fall_back_to_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        write(
            r,
            "next.config.js",
            "const exts = ['ts']; module.exports = { pageExtensions: exts }",
        );
        touch(r, "pages/api/a.ts");
        touch(r, "pages/api/b.js");
        let d = discover(r);
        assert_eq!(d.files.len(), 2);
        assert_eq!(d.warnings.len(), 1);
        assert_eq!(d.warnings[0].0, "next.config.js");
        assert!(
            d.warnings[0].1.starts_with("cannot read `pageExtensions`"),
            "{}",
            d.warnings[0].1
        );
    }
}
