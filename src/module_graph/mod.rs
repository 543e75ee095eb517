//! The module graph stage, between discovery and the per-route transform: for each app, which
//! of its modules import a route module, and how.
//!
//! [`scan`] finds the specifiers of a file lexically (no parse), [`tsconfig`] reads the app's
//! `baseUrl` and `paths`, [`resolve`] maps a specifier to a file as TypeScript and Next do.
//! [`build`] walks each app's own source once (skipping `node_modules`, `.next`, build output
//! and dot-folders), reads and scans the files in parallel, and keeps the imports that reach a
//! route module, plus the computed `import()`/`require()` paths that may reach one.
//!
//! Files outside an app's root (a monorepo package importing an app's route by a relative path
//! that climbs out of its own package) are not scanned: Next apps do not export their API
//! routes to other packages.

pub mod path;
pub mod resolve;
pub mod scan;
pub mod tsconfig;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;

use crate::discover::ApiTree;
use path::{dir_of, join, normalize};
pub use resolve::{resolve, Target, SOURCE_EXTENSIONS};
pub use scan::{Binding, Import, ImportKind};
pub use tsconfig::Aliases;

/// Folders never scanned (dependencies, build output, caches); dot-folders are skipped too.
const SKIP_DIRS: &[&str] = &["node_modules", "out", "dist", "build", "coverage", "target"];

/// One import of a route module by another module of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Importer {
    /// The importing file, relative to the run root.
    pub file: String,
    /// 1-based position of the statement or call.
    pub line: usize,
    pub column: usize,
    pub import: Import,
    /// The statement as written (up to its specifier), for messages.
    pub text: String,
}

/// A computed `import()`/`require()` whose static prefix reaches into an API tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComputedImport {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The prefix resolved against the importer's folder (`pages/api/`); a route whose source
    /// starts with it may be what is loaded.
    pub reaches: String,
    pub text: String,
}

/// The graph of one run.
#[derive(Debug, Default)]
pub struct ModuleGraph {
    /// Route source → the imports of it by other modules, in file and source order.
    pub importers: HashMap<String, Vec<Importer>>,
    /// Computed imports that reach into an API tree.
    pub computed: Vec<ComputedImport>,
    /// Route source → its static imports of other (non-route) source files of its app, with
    /// the file each resolves to, in source order: where the app's own helpers live.
    pub route_imports: HashMap<String, Vec<(Import, String)>>,
    /// Per app root: its aliases and its scanned source files.
    pub apps: HashMap<String, AppModules>,
    /// Project warnings (a config that cannot be read), as (path, message).
    pub warnings: Vec<(String, String)>,
}

/// The source files of one app and how its specifiers resolve.
#[derive(Debug, Default)]
pub struct AppModules {
    pub aliases: Aliases,
    pub files: HashSet<String>,
}

impl ModuleGraph {
    /// Whether `p` (relative to the run root) is a file of its app before the run: a scanned
    /// source file, or another file that exists (`.json`, `.css`).
    pub fn has_file(&self, root: &Path, p: &str) -> bool {
        if is_source(p) {
            self.app_of(p).is_some_and(|(_, a)| a.files.contains(p))
        } else {
            root.join(p).is_file()
        }
    }

    /// The app (root) a file belongs to: the longest app root that contains it.
    pub fn app_of(&self, file: &str) -> Option<(&str, &AppModules)> {
        self.apps
            .iter()
            .filter(|(root, _)| {
                root.is_empty()
                    || (file.len() > root.len()
                        && file.starts_with(root.as_str())
                        && file.as_bytes()[root.len()] == b'/')
            })
            .max_by_key(|(root, _)| root.len())
            .map(|(r, a)| (r.as_str(), a))
    }
}

/// What one file's scan found: (route imported, how) pairs, computed imports, and for a route
/// its imports of the app's other modules.
type FileFindings = (
    Vec<(String, Importer)>,
    Vec<ComputedImport>,
    Vec<(Import, String)>,
);

/// True for a file name the scan reads.
fn is_source(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, e)| SOURCE_EXTENSIONS.contains(&e))
}

/// Every source file under `app_root` (relative to the run root), sorted.
fn walk(root: &Path, app_root: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![app_root.to_string()];
    while let Some(rel) = stack.pop() {
        let dir = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(&rel)
        };
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(name) = e.file_name().into_string() else {
                continue;
            };
            // file_type() does not follow symlinks: symlinked folders are not walked.
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                if !name.starts_with('.') && !SKIP_DIRS.contains(&name.as_str()) {
                    stack.push(join(&rel, &name));
                }
            } else if (ft.is_file() || ft.is_symlink()) && is_source(&name) {
                out.push(join(&rel, &name));
            }
        }
    }
    out.sort();
    out
}

/// Builds the graph of every app that has an API tree; `routes` are the route sources.
pub fn build(root: &Path, trees: &[ApiTree], routes: &[&str]) -> ModuleGraph {
    let mut graph = ModuleGraph::default();
    let route_set: HashSet<&str> = routes.iter().copied().collect();
    let mut app_roots: Vec<&str> = trees.iter().map(|t| t.app_root.as_str()).collect();
    app_roots.sort();
    app_roots.dedup();
    let api_dirs: Vec<&str> = trees.iter().map(|t| t.api_dir.as_str()).collect();
    for app_root in app_roots {
        let (aliases, warning) = tsconfig::aliases(root, app_root);
        graph.warnings.extend(warning);
        // A nested app's files belong to that app (its own aliases).
        let files: Vec<String> = walk(root, app_root)
            .into_iter()
            .filter(|f| {
                trees.iter().all(|t| {
                    t.app_root == app_root
                        || t.app_root.len() <= app_root.len()
                        || !f.starts_with(&format!("{}/", t.app_root))
                })
            })
            .collect();
        let set: HashSet<String> = files.iter().cloned().collect();
        let is_file = |p: &str| set.contains(p) || (!is_source(p) && root.join(p).is_file());
        let found: Vec<FileFindings> = files
            .par_iter()
            .map(|file| {
                let Ok(src) = crate::source::read_source(&root.join(file)) else {
                    return (Vec::new(), Vec::new(), Vec::new());
                };
                let mut to_routes = Vec::new();
                let mut computed = Vec::new();
                let mut to_modules = Vec::new();
                let is_route = route_set.contains(file.as_str());
                for imp in scan::scan(&src) {
                    let (line, column) = crate::text::line_col(&src, imp.start);
                    let text = src[imp.start..imp.end.min(src.len())].to_string();
                    if imp.kind == ImportKind::Computed {
                        let text = format!("{}...", &src[imp.start..imp.spec_end.min(src.len())]);
                        if let Some(reaches) = computed_reach(&imp.specifier, file, &aliases) {
                            if api_dirs.iter().any(|d| {
                                reaches.starts_with(&format!("{d}/"))
                                    || reaches == *d
                                    || d.starts_with(reaches.as_str())
                            }) {
                                computed.push(ComputedImport {
                                    file: file.clone(),
                                    line,
                                    column,
                                    reaches,
                                    text,
                                });
                            }
                        }
                        continue;
                    }
                    if let Target::File(t) = resolve(&imp.specifier, file, &aliases, &is_file) {
                        if is_route
                            && imp.kind == ImportKind::Static
                            && t != *file
                            && set.contains(&t)
                            && !route_set.contains(t.as_str())
                        {
                            to_modules.push((imp.clone(), t.clone()));
                        }
                        if t != *file && route_set.contains(t.as_str()) {
                            to_routes.push((
                                t,
                                Importer {
                                    file: file.clone(),
                                    line,
                                    column,
                                    import: imp,
                                    text,
                                },
                            ));
                        }
                    }
                }
                (to_routes, computed, to_modules)
            })
            .collect();
        for (file, (importers, computed, modules)) in files.iter().zip(found) {
            for (target, i) in importers {
                graph.importers.entry(target).or_default().push(i);
            }
            graph.computed.extend(computed);
            if !modules.is_empty() {
                graph.route_imports.insert(file.clone(), modules);
            }
        }
        graph.apps.insert(
            app_root.to_string(),
            AppModules {
                aliases,
                files: set,
            },
        );
    }
    graph
}

/// Where a computed specifier's static prefix points (relative to the run root), keeping a
/// trailing `/`; `None` for a prefix that is empty or names a package.
fn computed_reach(prefix: &str, from: &str, aliases: &Aliases) -> Option<String> {
    if prefix.is_empty() {
        return None;
    }
    let slash = if prefix.ends_with('/') { "/" } else { "" };
    let base = if prefix.starts_with("./") || prefix.starts_with("../") {
        normalize(&join(dir_of(from), prefix))
    } else {
        let (pattern, targets) = aliases.paths.iter().find(|(p, _)| {
            p.split_once('*')
                .is_some_and(|(pre, _)| !pre.is_empty() && prefix.starts_with(pre))
        })?;
        let pre = pattern.split_once('*').map_or("", |(p, _)| p);
        let target = targets.first()?;
        normalize(&target.replacen('*', &prefix[pre.len()..], 1))
    };
    Some(format!("{base}{slash}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_importers_of_routes_and_computed_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |p: &str, s: &str| {
            let f = root.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, s).unwrap();
        };
        write("package.json", "{\"dependencies\":{\"next\":\"16\"}}");
        write(
            "tsconfig.json",
            "{\"compilerOptions\":{\"paths\":{\"@/*\":[\"./*\"]}}}",
        );
        write("pages/api/a.ts", "export type Item = { id: string }\nexport default function h(req, res) { res.json({}) }\n");
        write(
            "pages/api/oauth/callback.ts",
            "export default function h(req, res) { res.json({}) }\n",
        );
        write("pages/api/auth/legacy.ts", "import handlerProxy from '../oauth/callback'\nexport default function h(req, res) { return handlerProxy(req, res) }\n");
        write("lib/use.ts", "// import x from '../pages/api/oauth/callback'\nimport type { Item } from '@/pages/api/a'\nexport const load = (n: string) => import(`../pages/api/${n}`)\n");
        write("node_modules/x/index.js", "require('../../pages/api/a')\n");
        write(".next/server.js", "require('../pages/api/a')\n");
        let found = crate::discover::discover(root);
        let routes: Vec<&str> = found.files.iter().map(|f| f.source.as_str()).collect();
        let g = build(root, &found.trees, &routes);
        let a = &g.importers["pages/api/a.ts"];
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].file.as_str(), a[0].line, a[0].column),
            ("lib/use.ts", 2, 1)
        );
        assert!(a[0].import.type_only);
        assert_eq!(a[0].text, "import type { Item } from '@/pages/api/a'");
        let cb = &g.importers["pages/api/oauth/callback.ts"];
        assert_eq!(cb.len(), 1);
        assert_eq!(cb[0].file, "pages/api/auth/legacy.ts");
        assert!(!g.importers.contains_key("pages/api/auth/legacy.ts"));
        assert_eq!(g.computed.len(), 1);
        assert_eq!(g.computed[0].reaches, "pages/api/");
        assert_eq!((g.computed[0].line, g.computed[0].column), (3, 36));
    }
}
