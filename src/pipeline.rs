//! The run over a directory: discover → map → transform (in parallel) → plan file changes.
//! Nothing here writes to disk; [`crate::apply`] does, and [`crate::patch`] renders the changes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::app_helpers;
pub use crate::change::Change;
use crate::depth_guard;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::discover::{discover, join, ApiTree, RouteFile};
use crate::importers::{self, FollowPlan};
use crate::module_graph::{self, ModuleGraph};
use crate::route_path::{app_route_url, map_route, Lang, RouteMapping};
use crate::runtime;
pub use crate::source::{read_source, read_source_diag, MAX_SOURCE_BYTES};
use crate::transform::{migrate_route, relative, Mode, RouteInput, RouteOutcome};

#[derive(Clone, Debug)]
pub struct Options {
    pub root: PathBuf,
    /// Route group the migrated routes go in, e.g. `(api)`; "" for none.
    pub group: String,
    /// Worker threads; 0 = all cores.
    pub jobs: usize,
    /// Routes the rewrite cannot do for their handler's shape run through the Pages req/res
    /// adapter instead of staying manual (`--adapter never`: false).
    pub adapter: bool,
}

impl Options {
    /// The defaults: group `(api)`, all cores.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Options {
            root: root.into(),
            group: "(api)".into(),
            jobs: 0,
            adapter: true,
        }
    }
}

/// What a caller adds to a run: a subset of the routes and a progress hook.
#[derive(Clone, Copy, Default)]
pub struct RunHooks<'a> {
    /// Only these sources (files or folders, relative to the root, `/`-separated); empty = all.
    /// Clashes are still found among all routes.
    pub only: &'a [String],
    /// Called with (done, total): once before the files are transformed, then after each one
    /// (from worker threads, in no particular order).
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
}

impl RunHooks<'_> {
    /// True when `source` is selected by `only`.
    pub fn selects(&self, source: &str) -> bool {
        self.only.is_empty()
            || self.only.iter().any(|o| {
                o.is_empty()
                    || source == o
                    || source
                        .strip_prefix(o.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Migrated,
    MigratedWithNotes,
    Manual,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Migrated => "migrated",
            Status::MigratedWithNotes => "migrated-with-notes",
            Status::Manual => "manual",
            Status::Error => "error",
        }
    }
}

/// A file whose imports follow moved routes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditedImporter {
    pub path: String,
    /// The route sources whose move it follows.
    pub follows: Vec<String>,
}

/// The outcome for one source file.
#[derive(Clone, Debug)]
pub struct FileReport {
    pub source: String,
    pub target: Option<String>,
    pub url: Option<String>,
    pub methods: Vec<&'static str>,
    pub status: Status,
    pub diagnostics: Vec<Diagnostic>,
    /// How a migrated file was migrated; `None` for files that were not.
    pub mode: Option<Mode>,
}

#[derive(Debug, Default)]
pub struct RunResult {
    pub files: Vec<FileReport>,
    pub changes: Vec<Change>,
    /// Files outside the migrated routes whose imports were rewritten to follow a moved route
    /// (and routes that stay but import one), by path.
    pub edited: Vec<EditedImporter>,
    /// Findings about the project rather than one route (see [`crate::discover::Discovery::warnings`]).
    pub warnings: Vec<(String, String)>,
}

impl RunResult {
    pub fn count(&self, s: Status) -> usize {
        self.files.iter().filter(|f| f.status == s).count()
    }
}

fn status_of(diags: &[Diagnostic]) -> Status {
    if diags.iter().any(|d| d.severity() == Severity::Warning) {
        Status::MigratedWithNotes
    } else {
        Status::Migrated
    }
}

/// Dynamic segment names do not matter for a clash (`[id]` and `[slug]` at one place clash).
fn url_shape(url: &str) -> String {
    url.split('/')
        .map(|s| {
            if s.starts_with("[[...") {
                "[[...]]"
            } else if s.starts_with("[...") {
                "[...]"
            } else if s.starts_with('[') {
                "[]"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// URLs of the route files already in an app folder.
fn existing_app_routes(root: &Path, app_dir: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let base = root.join(app_dir);
    if !base.is_dir() {
        return out;
    }
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(base.join(&rel)) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(name) = e.file_name().into_string() else {
                continue;
            };
            let Ok(ft) = e.file_type() else { continue };
            let child = join(&rel, &name);
            if ft.is_dir() {
                stack.push(child);
            } else if name.starts_with("route.") && Lang::from_path(&name).is_some() {
                if let Some(url) = app_route_url(&child) {
                    out.insert(url_shape(&url), join(app_dir, &child));
                }
            }
        }
    }
    out
}

/// The compat module path of a tree, and whether it is TypeScript.
fn compat_path(root: &Path, tree: &ApiTree, files: &[&RouteFile], group: &str) -> (String, bool) {
    let ts = root.join(&tree.app_root).join("tsconfig.json").is_file()
        || files
            .iter()
            .any(|f| Lang::from_path(&f.source).is_some_and(Lang::is_typescript));
    let dir = if group.is_empty() {
        tree.app_dir.clone()
    } else {
        join(&tree.app_dir, group)
    };
    (
        join(
            &join(&dir, "_pages2app"),
            if ts { "compat.ts" } else { "compat.js" },
        ),
        ts,
    )
}

fn dir_of(p: &str) -> &str {
    p.rsplit_once('/').map_or("", |(d, _)| d)
}

fn strip_ext(p: &str) -> &str {
    p.rsplit_once('.').map_or(p, |(a, _)| a)
}

/// What a run keeps of each migrated file: its texts (to apply them), or only its patch,
/// rendered on the worker as soon as the transform finished (a dry run).
#[derive(Clone)]
enum Kept {
    Texts {
        old: String,
        new: String,
        copied: Vec<crate::edit::Copied>,
        /// The module beside route.ts holding what route.ts may not export.
        beside: Option<Beside>,
    },
    Patch(String),
}

impl Kept {
    /// The patch of the route's move (and of the module beside it).
    fn into_patch(self, from: &str, to: &str) -> Kept {
        match self {
            Kept::Texts {
                old,
                new,
                copied,
                beside,
            } => {
                let mut patch = crate::patch::render_change(&Change::Rename {
                    from: from.to_string(),
                    to: to.to_string(),
                    old,
                    new,
                    copied,
                });
                if let Some(b) = beside {
                    patch.push_str(&crate::patch::render_change(&Change::Add {
                        path: b.path,
                        new: b.text,
                    }));
                }
                Kept::Patch(patch)
            }
            p @ Kept::Patch(_) => p,
        }
    }
}

/// The module a split route's exports moved to (see [`importers::split`]).
#[derive(Clone, Debug)]
struct Beside {
    path: String,
    text: String,
    exports: Vec<String>,
    star: bool,
}

/// A migrated file: what is kept of it, and the helpers it needs.
/// A migrated route's kept texts or patch, the compat helpers it needs, and the helper modules
/// whose twins it imports.
type Transformed = (Kept, crate::edit::Needs, Vec<usize>);

struct Planned<'a> {
    file: &'a RouteFile,
    mapping: Result<RouteMapping, Diagnostic>,
}

/// Runs the whole migration plan over `opts.root`.
pub fn run(opts: &Options) -> RunResult {
    run_with(opts, RunHooks::default())
}

/// [`run`] over the routes `hooks.only` selects, reporting progress to `hooks.progress`.
pub fn run_with(opts: &Options, hooks: RunHooks) -> RunResult {
    run_keeping(opts, hooks, None)
}

/// [`run_with`] for a dry run: the patch instead of the changes, handed to `sink` one file at a
/// time, in the order of [`run_with`]'s changes (the routes by source path, then the compat
/// modules). Each migrated file's part of the patch is rendered on the worker thread as soon as
/// its transform finishes and its texts are dropped there; routes are transformed in batches
/// and each batch's parts go to `sink` before the next starts. So memory holds one batch, not
/// every file's texts or the whole patch. The parts, in order, concatenate to exactly
/// `patch::render(&run_with(opts, hooks).changes)`; the returned `RunResult` has no `changes`
/// (count the parts for "would change").
pub fn run_patch(opts: &Options, hooks: RunHooks, sink: &mut dyn FnMut(String)) -> RunResult {
    run_keeping(opts, hooks, Some(sink))
}

/// With a `sink`, a dry run ([`run_patch`]); without, the changes are kept ([`run_with`]).
fn run_keeping(opts: &Options, hooks: RunHooks, sink: Option<&mut dyn FnMut(String)>) -> RunResult {
    let keep_patch = sink.is_some();
    let progress = hooks.progress.unwrap_or(&|_, _| {});
    let root = &opts.root;
    let found = discover(root);
    let mut reports: Vec<FileReport> = Vec::new();

    for (path, why) in found.unreadable.iter().filter(|(p, _)| hooks.selects(p)) {
        reports.push(FileReport {
            source: path.clone(),
            target: None,
            url: None,
            methods: Vec::new(),
            status: Status::Error,
            diagnostics: vec![Diagnostic::new(
                Code::ReadError,
                format!("cannot read: {why}"),
            )],
            mode: None,
        });
    }

    // Map every file, then find clashes between them and with routes already in app/.
    let mut planned: Vec<Planned> = found
        .files
        .iter()
        .map(|f| {
            let tree = &found.trees[f.tree];
            let lang = Lang::from_path(&f.source).unwrap_or(Lang::Js);
            let mut mapping = map_route(&f.rel_in_api, &tree.app_dir, &opts.group, lang);
            if let (Ok(m), Some(ext)) = (&mut mapping, &f.target_ext) {
                m.target = format!("{}/route.{ext}", dir_of(&m.target));
            }
            Planned { file: f, mapping }
        })
        .collect();
    let mut by_target: HashMap<(usize, String), Vec<usize>> = HashMap::new();
    for (i, p) in planned.iter().enumerate() {
        if let Ok(m) = &p.mapping {
            by_target
                .entry((p.file.tree, url_shape(&m.url)))
                .or_default()
                .push(i);
        }
    }
    let existing: Vec<HashMap<String, String>> = found
        .trees
        .iter()
        .map(|t| existing_app_routes(root, &t.app_dir))
        .collect();
    let (pool, depth_limit) = worker_pool(opts.jobs);
    // What stands where each target would go. The folders on the way are looked up once each
    // (10,000 routes share a few dozen, and where one is missing nothing below it exists); only
    // targets whose folder exists are looked up themselves, on the workers.
    let mut folders = FolderCache::default();
    let ancestry: Vec<Option<Ancestry>> = planned
        .iter()
        .map(|p| {
            p.mapping
                .as_ref()
                .ok()
                .map(|m| folders.ancestry(root, &m.target))
        })
        .collect();
    let in_the_way = |m: &RouteMapping, a: &Ancestry| -> Option<Diagnostic> {
        match a {
            Ancestry::Missing => None,
            Ancestry::File(file) => {
                let msg = format!("{file} is not a folder, so {} cannot be written", m.target);
                Some(Diagnostic::new(Code::TargetExists, msg))
            }
            Ancestry::Folders => root.join(&m.target).symlink_metadata().is_ok().then(|| {
                let msg = format!("{} already exists; nothing is overwritten", m.target);
                Diagnostic::new(Code::TargetExists, msg)
            }),
        }
    };
    let check_all = || -> Vec<Option<Diagnostic>> {
        planned
            .par_iter()
            .zip(&ancestry)
            .map(|(p, a)| match (&p.mapping, a) {
                (Ok(m), Some(a)) => in_the_way(m, a),
                _ => None,
            })
            .collect()
    };
    let mut blocked = match &pool {
        Some(pool) => pool.install(check_all),
        None => check_all(),
    };
    for ((tree, _), idxs) in &by_target {
        if idxs.len() > 1 {
            let sources: Vec<String> = idxs
                .iter()
                .map(|i| planned[*i].file.source.clone())
                .collect();
            for i in idxs {
                let target = planned[*i]
                    .mapping
                    .as_ref()
                    .map(|m| m.target.clone())
                    .unwrap_or_default();
                planned[*i].mapping = Err(Diagnostic::new(
                    Code::TargetConflict,
                    format!(
                        "{} map to the same route {target}; merge them or rename one",
                        sources.join(" and ")
                    ),
                ));
            }
            continue;
        }
        let i = idxs[0];
        if let Ok(m) = &planned[i].mapping {
            if let Some(path) = existing[*tree].get(&url_shape(&m.url)) {
                let msg = format!("{path} already serves {}; nothing is overwritten", m.url);
                planned[i].mapping = Err(Diagnostic::new(Code::TargetExists, msg));
            } else if let Some(d) = blocked[i].take() {
                planned[i].mapping = Err(d);
            }
        }
    }

    // Clashes are found among all routes; only the selected ones go on.
    planned.retain(|p| hooks.selects(&p.file.source));
    // The order of the changes and of the patch.
    planned.sort_by(|a, b| a.file.source.cmp(&b.file.source));

    // The module graph: which modules import a route module (see [`module_graph`]).
    let routes: Vec<&str> = found.files.iter().map(|f| f.source.as_str()).collect();
    let build_graph = || module_graph::build(root, &found.trees, &routes);
    let graph = match &pool {
        Some(pool) => pool.install(build_graph),
        None => build_graph(),
    };

    // The dependencies of each app, for the library recipes (read once per app).
    let libraries: Vec<crate::recipes::LibraryVersions> = found
        .trees
        .iter()
        .map(|t| crate::recipes::LibraryVersions::read_app(root, &t.app_root))
        .collect();

    // Compat module per tree.
    let compat: Vec<(String, bool)> = found
        .trees
        .iter()
        .enumerate()
        .map(|(t, tree)| {
            let files: Vec<&RouteFile> = found.files.iter().filter(|f| f.tree == t).collect();
            compat_path(root, tree, &files, &opts.group)
        })
        .collect();

    let compat_state: Vec<CompatState> = compat
        .iter()
        .map(|(path, _)| CompatState::of(root, path))
        .collect();

    // The app's helper modules that routes import, and the App Router versions of their
    // response helpers (see [`app_helpers`]).
    let route_trees: Vec<(&str, usize)> = planned
        .iter()
        .filter(|p| p.mapping.is_ok())
        .map(|p| (p.file.source.as_str(), p.file.tree))
        .collect();
    let tree_ok = |t: usize| !matches!(compat_state[t], CompatState::Blocked(_));
    let twin_compat_spec =
        |tree: usize, twin: &str| relative_spec(dir_of(twin), strip_ext(&compat[tree].0));
    let plan_helpers =
        || app_helpers::plan(root, &graph, &route_trees, &tree_ok, &twin_compat_spec);
    let helpers = match &pool {
        Some(pool) => pool.install(plan_helpers),
        None => plan_helpers(),
    };

    // Test hook: a panic while transforming the sources ending with this text (proves that a
    // crash on one file is reported and the run goes on). Never set in normal use.
    let panic_on = std::env::var("PAGES2APP_TEST_PANIC_ON")
        .ok()
        .filter(|s| !s.is_empty());
    // Routes another module imports by name: what they export moves beside route.ts even when
    // route.ts could keep it (types), so that the importers have a module to follow.
    let imported_by_name = |source: &str| {
        graph.importers.get(source).is_some_and(|v| {
            v.iter().any(|i| {
                i.import
                    .bindings
                    .iter()
                    .any(|b| b.imported != "default" && b.imported != "*")
            })
        })
    };
    // `src_override`: the source as the importers stage edited it (its imports follow a moved
    // route). `keep_patch`: render the patch on the worker (a dry run) instead of keeping the
    // texts. `check`: the final import check, once the run's moves are known.
    let work = |p: &Planned,
                src_override: Option<&str>,
                keep_patch: bool,
                check: Option<&ImportCheck>|
     -> (FileReport, Option<Transformed>) {
        let f = p.file;
        let mapping = match &p.mapping {
            Ok(m) => m,
            Err(d) => {
                return (
                    FileReport {
                        source: f.source.clone(),
                        target: None,
                        url: None,
                        methods: Vec::new(),
                        status: Status::Error,
                        diagnostics: vec![d.clone()],
                        mode: None,
                    },
                    None,
                )
            }
        };
        let mut report = FileReport {
            source: f.source.clone(),
            target: Some(mapping.target.clone()),
            url: Some(mapping.url.clone()),
            methods: Vec::new(),
            status: Status::Error,
            diagnostics: Vec::new(),
            mode: None,
        };
        let on_disk = match read_source_diag(&root.join(&f.source)) {
            Ok(s) => s,
            Err(d) => {
                report.diagnostics.push(d);
                return (report, None);
            }
        };
        // The transform reads the edited text; the change replaces the text on disk.
        let src = src_override.map_or_else(|| on_disk.clone(), str::to_string);
        if let Some(depth) = depth_guard::exceeds(&src, depth_limit) {
            report.diagnostics.push(Diagnostic::at(
                Code::TooDeeplyNested,
                "the code nests too deeply here for pages2app to parse safely; the file was left as it is",
                &src,
                depth.offset,
            ));
            return (report, None);
        }
        let (compat_file, _) = &compat[f.tree];
        let spec = relative_spec(dir_of(&mapping.target), strip_ext(compat_file));
        let lang = Lang::from_path(&f.source).unwrap_or(Lang::Js);
        let migrate = |src: &str| {
            let input = RouteInput {
                src,
                lang,
                source: &f.source,
                target: &mapping.target,
                params: &mapping.params,
                compat_spec: &spec,
                adapter: opts.adapter,
                url: &mapping.url,
                libraries: &libraries[f.tree],
                foreign: helpers.of_route(&f.source),
            };
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if panic_on
                    .as_ref()
                    .is_some_and(|s| f.source.ends_with(s.as_str()))
                {
                    panic!("PAGES2APP_TEST_PANIC_ON: {}", f.source);
                }
                migrate_route(&input)
            }))
            .unwrap_or_else(|_| {
                RouteOutcome::Failed(vec![Diagnostic::new(
                    Code::InternalError,
                    "pages2app crashed on this file (please report it); nothing was written",
                )])
            })
        };
        let mut outcome = migrate(&src);
        // What route.ts may not export moves to a module beside it (see importers::split).
        let mut beside: Option<importers::split::Split> = None;
        let blocked_by_exports = matches!(&outcome, RouteOutcome::Manual(d)
            if d.iter().any(|d| d.code == Code::NonRouteExport));
        if blocked_by_exports || imported_by_name(&f.source) {
            if let Ok(module) = crate::parse::parse_module(&src, lang) {
                let move_types = imported_by_name(&f.source);
                match importers::split::split(
                    &src,
                    &module,
                    lang,
                    &f.source,
                    &mapping.target,
                    move_types,
                ) {
                    Ok(Some(split)) => {
                        if let RouteOutcome::Migrated(mut m) = migrate(&split.route_src) {
                            for d in &mut m.diagnostics {
                                if d.line > 0 {
                                    d.line = split.source_line(&src, d.line);
                                }
                                if d.code == Code::AdapterRoute {
                                    d.message = remap_stopped_at(&d.message, |l| {
                                        split.source_line(&src, l)
                                    });
                                }
                            }
                            let names = split.exports.join("`, `");
                            m.diagnostics.push(Diagnostic::at(
                                Code::ExportsMoved,
                                format!(
                                    "`{names}` moved to {}: route.ts may export only HTTP methods and segment config",
                                    split.module_path
                                ),
                                &src,
                                split.at,
                            ));
                            outcome = RouteOutcome::Migrated(m);
                            beside = Some(split);
                        }
                    }
                    Ok(None) => {}
                    Err(refusal) => {
                        if let RouteOutcome::Manual(d) = &mut outcome {
                            d.push(Diagnostic::at(
                                Code::NonRouteExport,
                                format!(
                                    "the exports cannot move beside route.ts: {}",
                                    refusal.reason
                                ),
                                &src,
                                refusal.offset,
                            ));
                        }
                    }
                }
            }
        }
        match outcome {
            RouteOutcome::Migrated(m) => {
                report.diagnostics = mapping.notes.clone();
                // JSX in a .tsx route needs route.tsx: a .ts file cannot hold JSX.
                let mut target = mapping.target.clone();
                if m.has_jsx && lang == Lang::Tsx {
                    if let Some(stem) = target.strip_suffix(".ts") {
                        target = format!("{stem}.tsx");
                        report.diagnostics.push(Diagnostic::new(
                            Code::JsxRouteKeepsExtension,
                            format!("the route contains JSX, so it is written as {target}"),
                        ));
                    }
                }
                if let Some(check) = check {
                    let own = beside.as_ref().map(|b| b.module_path.as_str());
                    let mut dangling = check.run(&m.text, &target, &src, &f.source, own);
                    if let Some(b) = &beside {
                        dangling.extend(check.run(
                            &b.module_text,
                            &b.module_path,
                            &src,
                            &f.source,
                            own,
                        ));
                    }
                    if !dangling.is_empty() {
                        report.diagnostics = dangling;
                        return (report, None);
                    }
                }
                report.target = Some(target.clone());
                report.diagnostics.extend(m.diagnostics);
                report.methods = m.methods;
                report.mode = Some(m.mode);
                report.status = status_of(&report.diagnostics);
                let beside = beside.map(|b| Beside {
                    path: b.module_path,
                    text: b.module_text,
                    exports: b.exports,
                    star: b.star,
                });
                // The copied stretches are of the text the transform read.
                let copied = if src_override.is_some() {
                    Vec::new()
                } else {
                    m.copied
                };
                let kept = Kept::Texts {
                    old: on_disk,
                    new: m.text,
                    copied,
                    beside,
                };
                let kept = if keep_patch {
                    kept.into_patch(&report.source, &target)
                } else {
                    kept
                };
                (report, Some((kept, m.helpers, m.twins)))
            }
            RouteOutcome::Manual(d) => {
                report.diagnostics = d;
                report.status = Status::Manual;
                (report, None)
            }
            RouteOutcome::Failed(d) => {
                report.diagnostics = d;
                report.status = Status::Error;
                (report, None)
            }
        }
    };

    let total = planned.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    progress(0, total);
    let tick = || {
        progress(
            done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
            total,
        )
    };
    // The routes other modules import go first: whether they can move decides what their
    // importers become (see importers::plan).
    let imported: Vec<&Planned> = planned
        .iter()
        .filter(|p| graph.importers.contains_key(&p.file.source))
        .collect();
    let run_imported = || -> Vec<(FileReport, Option<Transformed>)> {
        imported
            .par_iter()
            .map(|p| work(p, None, false, None))
            .collect()
    };
    let first: Vec<(FileReport, Option<Transformed>)> = match &pool {
        Some(pool) => pool.install(run_imported),
        None => run_imported(),
    };
    let mut first: HashMap<String, (FileReport, Option<Transformed>)> =
        first.into_iter().map(|r| (r.0.source.clone(), r)).collect();
    // Files the run may add: route.ts files, the compat module, the twins of the app's helper
    // modules (a route the importers' check sees may import one).
    let planned_targets: HashSet<String> = planned
        .iter()
        .filter_map(|p| p.mapping.as_ref().ok().map(|m| m.target.clone()))
        .chain(compat.iter().map(|(p, _)| p.clone()))
        .chain(helpers.modules.iter().map(|m| m.twin_path.clone()))
        .collect();
    let follow = plan_importers(root, &graph, &planned, &mut first, &planned_targets);
    let added = follow.added.clone();
    let check = ImportCheck {
        root,
        graph: &graph,
        added,
        removed: follow.removed.clone(),
    };

    // Batches in order, each transformed in parallel: a batch's patches go to the sink before
    // the next batch starts, so a dry run holds one batch's patches, not the whole patch.
    let mut wanted: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let mut twins_used: BTreeSet<usize> = BTreeSet::new();
    let mut twin_warnings: Vec<(String, String)> = Vec::new();
    let mut changes = Vec::new();
    let mut sink = sink;
    for batch in planned.chunks(BATCH) {
        let run_batch = || -> Vec<(FileReport, Option<Transformed>)> {
            batch
                .par_iter()
                .map(|p| {
                    let source = p.file.source.as_str();
                    let edited = follow.plan.edited.get(source).map(|e| e.new.as_str());
                    let r = if let Some(re) = follow.plan.reexports.get(source) {
                        reexport_outcome(p, re, root, keep_patch)
                    } else if let (None, Some((report, kept))) = (edited, first.get(source)) {
                        // Already transformed; kept texts become the patch here.
                        let target = report.target.as_deref().unwrap_or("");
                        let kept = kept.as_ref().map(|(k, n, t)| {
                            let k = if keep_patch {
                                k.clone().into_patch(source, target)
                            } else {
                                k.clone()
                            };
                            (k, *n, t.clone())
                        });
                        (report.clone(), kept)
                    } else {
                        work(p, edited, keep_patch, Some(&check))
                    };
                    tick();
                    r
                })
                .collect()
        };
        let results = match &pool {
            Some(pool) => pool.install(run_batch),
            None => run_batch(),
        };
        for (p, (mut report, mut done)) in batch.iter().zip(results) {
            if follow_graph(&graph, &follow.plan, &mut report) {
                done = None;
            }
            if done.is_none() {
                // The route stays in pages/api; where its own imports follow a moved route,
                // it is edited in place.
                if let Some(e) = follow.plan.edited.get(&report.source) {
                    let c = Change::Modify {
                        path: report.source.clone(),
                        old: e.old.clone(),
                        new: e.new.clone(),
                    };
                    match sink.as_mut() {
                        Some(sink) => sink(crate::patch::render_change(&c)),
                        None => changes.push(c),
                    }
                }
            }
            if let Some((kept, needs, twins)) = done {
                let names = needs.helper_names();
                let blocked = match &compat_state[p.file.tree] {
                    CompatState::Blocked(d) if !names.is_empty() => Some(d),
                    _ => None,
                };
                if let Some(d) = blocked {
                    report.status = Status::Error;
                    report.mode = None;
                    report.methods.clear();
                    report.diagnostics = vec![d.clone()];
                } else if let Some(target) = &report.target {
                    twins_used.extend(twins);
                    if !names.is_empty() {
                        wanted
                            .entry(p.file.tree)
                            .or_default()
                            .extend(names.into_iter().map(String::from));
                    }
                    match (kept, sink.as_mut()) {
                        (Kept::Patch(patch), Some(sink)) => sink(patch),
                        (
                            Kept::Texts {
                                old,
                                new,
                                copied,
                                beside,
                            },
                            _,
                        ) => {
                            changes.push(Change::Rename {
                                from: report.source.clone(),
                                to: target.clone(),
                                old,
                                new,
                                copied,
                            });
                            if let Some(b) = beside {
                                changes.push(Change::Add {
                                    path: b.path,
                                    new: b.text,
                                });
                            }
                        }
                        (Kept::Patch(_), None) => {}
                    }
                }
            }
            reports.push(report);
        }
    }

    // The other modules whose imports follow a moved route, after the routes.
    let route_sources: HashSet<&str> = planned.iter().map(|p| p.file.source.as_str()).collect();
    let mut edited_files = Vec::new();
    for (path, e) in &follow.plan.edited {
        edited_files.push(EditedImporter {
            path: path.clone(),
            follows: e.follows.clone(),
        });
        if route_sources.contains(path.as_str()) {
            continue;
        }
        let c = Change::Modify {
            path: path.clone(),
            old: e.old.clone(),
            new: e.new.clone(),
        };
        match sink.as_mut() {
            Some(sink) => sink(crate::patch::render_change(&c)),
            None => changes.push(c),
        }
    }

    // The twins of the app's helper modules that migrated routes import, after the routes,
    // with the twin modules those import.
    let mut pending: Vec<usize> = twins_used.iter().copied().collect();
    while let Some(i) = pending.pop() {
        for &j in &helpers.modules[i].depends {
            if twins_used.insert(j) {
                pending.push(j);
            }
        }
    }
    for i in &twins_used {
        let m = &helpers.modules[*i];
        let spec = twin_compat_spec(m.tree, &m.twin_path);
        // The helper module as the run leaves it: its imports of moved routes followed.
        let src_now = match follow.plan.edited.get(&m.source) {
            Some(e) => e.new.clone(),
            None => match crate::source::read_source(&root.join(&m.source)) {
                Ok(s) => s,
                Err(_) => continue,
            },
        };
        let Some(text) = app_helpers::render(m, &src_now, &spec) else {
            continue;
        };
        let dangling = check.run(&text, &m.twin_path, &src_now, &m.source, None);
        if !dangling.is_empty() {
            // A bug: the routes importing the twin were written. Said, not hidden.
            for d in dangling {
                twin_warnings.push((m.twin_path.clone(), d.message));
            }
        }
        let names = m.twins.needs().helper_names();
        if !names.is_empty() {
            wanted
                .entry(m.tree)
                .or_default()
                .extend(names.into_iter().map(String::from));
        }
        let c = match &m.existing {
            // An earlier run's twin, the same text: nothing to write.
            Some(old) if *old == text => continue,
            Some(old) => Change::Modify {
                path: m.twin_path.clone(),
                old: old.clone(),
                new: text,
            },
            None => Change::Add {
                path: m.twin_path.clone(),
                new: text,
            },
        };
        match sink.as_mut() {
            Some(sink) => sink(crate::patch::render_change(&c)),
            None => changes.push(c),
        }
    }

    // The compat module of each tree whose routes need helpers, after the routes: only now is
    // every helper they need known.
    for (tree, names) in &wanted {
        let (path, ts) = &compat[*tree];
        let change = match &compat_state[*tree] {
            CompatState::Ours(existing) => {
                let mut all = runtime::helpers_in(existing);
                all.extend(names.iter().cloned());
                let new = runtime::assemble(&all, *ts);
                (new != *existing).then(|| Change::Modify {
                    path: path.clone(),
                    old: existing.clone(),
                    new,
                })
            }
            CompatState::Absent => Some(Change::Add {
                path: path.clone(),
                new: runtime::assemble(names, *ts),
            }),
            CompatState::Blocked(_) => None,
        };
        match (change, sink.as_mut()) {
            (Some(c), Some(sink)) => sink(crate::patch::render_change(&c)),
            (Some(c), None) => changes.push(c),
            (None, _) => {}
        }
    }
    reports.sort_by(|a, b| a.source.cmp(&b.source));
    let mut warnings = found.warnings.clone();
    warnings.extend(graph.warnings);
    warnings.extend(twin_warnings);
    warnings.extend(helpers.warnings);
    RunResult {
        files: reports,
        changes,
        edited: edited_files,
        warnings,
    }
}

/// What the module graph says about a transformed route: a route other modules import moves
/// only when every importer can follow it ([`importers::plan`]); otherwise it stays in
/// pages/api, manual, with a P2A118 per import that cannot follow. A migrated route that a
/// computed `import()`/`require()` may load gets a P2A210 warning per loader. True when the
/// route must not be moved.
fn follow_graph(graph: &ModuleGraph, plan: &FollowPlan, report: &mut FileReport) -> bool {
    if report.status == Status::Error {
        return false;
    }
    if graph.importers.contains_key(&report.source) {
        if report.status != Status::Manual && plan.movable.contains(&report.source) {
            if let Some(notes) = plan.notes.get(&report.source) {
                report.diagnostics.extend(notes.iter().cloned());
            }
        } else {
            let blockers = plan
                .blocked
                .get(&report.source)
                .cloned()
                .unwrap_or_default();
            if report.status == Status::Manual {
                report.diagnostics.extend(blockers);
            } else {
                report.diagnostics = blockers;
            }
            report.status = Status::Manual;
            report.methods.clear();
            report.mode = None;
            return true;
        }
    }
    if report.status == Status::Manual {
        return false;
    }
    let mut noted = false;
    for c in &graph.computed {
        if report.source.starts_with(&c.reaches) {
            report.diagnostics.push(Diagnostic::new(
                Code::ComputedRouteImport,
                format!(
                    "{}:{}:{} may load this file through a computed path (`{}`); after the move it is no longer there",
                    c.file, c.line, c.column, c.text
                ),
            ));
            noted = true;
        }
    }
    if noted {
        report.status = status_of(&report.diagnostics);
    }
    false
}

/// P2A213's message names where the rewrite stopped (`stopped at L:C`): in a split route, a
/// line of the split text, mapped back with `line`.
fn remap_stopped_at(message: &str, line: impl Fn(usize) -> usize) -> String {
    const AT: &str = "stopped at ";
    let Some(i) = message.find(AT) else {
        return message.to_string();
    };
    let rest = &message[i + AT.len()..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    match rest[..digits].parse::<usize>() {
        Ok(l) => format!("{}{AT}{}{}", &message[..i], line(l), &rest[digits..]),
        Err(_) => message.to_string(),
    }
}

/// The importers stage's plan, and the files the run adds and removes, with the final import
/// check run over what it plans.
struct Follow {
    plan: FollowPlan,
    added: HashSet<String>,
    removed: HashSet<String>,
}

/// Plans the importers of the imported routes (`first`: their transform results), then checks
/// every file the plan writes: an imported route whose route.ts, module beside it, importers
/// or re-exporting routes would hold an import that no longer resolves is an error (P2A009),
/// left where it is, and the plan is made again without it.
fn plan_importers(
    root: &Path,
    graph: &ModuleGraph,
    planned: &[Planned],
    first: &mut HashMap<String, (FileReport, Option<Transformed>)>,
    planned_targets: &HashSet<String>,
) -> Follow {
    let routes: HashMap<&str, importers::RouteOfRun> = planned
        .iter()
        .filter_map(|p| {
            let m = p.mapping.as_ref().ok()?;
            Some((
                p.file.source.as_str(),
                importers::RouteOfRun {
                    source: &p.file.source,
                    target: &m.target,
                    params: &m.params,
                    selected: true,
                },
            ))
        })
        .collect();
    let params_of: HashMap<&str, &[crate::route_path::RouteParam]> = planned
        .iter()
        .filter_map(|p| {
            Some((
                p.file.source.as_str(),
                p.mapping.as_ref().ok()?.params.as_slice(),
            ))
        })
        .collect();
    let read = |f: &str| read_source(&root.join(f)).ok();
    let handler_imported = |source: &str| {
        graph.importers.get(source).is_some_and(|v| {
            v.iter()
                .any(|i| i.import.bindings.iter().any(|b| b.imported == "default"))
        })
    };
    loop {
        let mut sources: Vec<&String> = first.keys().collect();
        sources.sort();
        let infos: Vec<importers::ImportedRoute> = sources
            .iter()
            .map(|source| {
                let (report, kept) = &first[*source];
                let migrated = kept.is_some() && report.status != Status::Error;
                let (beside, old, new) = match kept {
                    Some((
                        Kept::Texts {
                            beside, old, new, ..
                        },
                        _,
                        _,
                    )) => (beside.as_ref(), Some(old.as_str()), Some(new.as_str())),
                    _ => (None, None, None),
                };
                let lang = Lang::from_path(source).unwrap_or(Lang::Js);
                importers::ImportedRoute {
                    source,
                    target: report.target.as_deref().filter(|_| migrated),
                    methods: &report.methods,
                    params: params_of.get(source.as_str()).copied().unwrap_or(&[]),
                    sibling: beside.map(|b| (b.path.as_str(), b.exports.as_slice(), b.star)),
                    // Only a route whose handler is imported needs these (two parses).
                    has_config: handler_imported(source)
                        && old.is_some_and(|o| declares_config(o, lang)),
                    segment_exports: if handler_imported(source) {
                        new.map_or_else(Vec::new, |n| segment_exports(n, lang))
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        let siblings: HashSet<&str> = infos
            .iter()
            .filter_map(|i| i.sibling.map(|s| s.0))
            .collect();
        let is_file_after = |p: &str| {
            planned_targets.contains(p) || siblings.contains(p) || graph.has_file(root, p)
        };
        let plan = importers::plan(graph, &infos, &routes, &read, &is_file_after);
        let mut removed: HashSet<String> = plan.movable.iter().cloned().collect();
        removed.extend(plan.reexports.keys().cloned());
        let mut added: HashSet<String> = planned_targets.clone();
        added.extend(
            infos
                .iter()
                .filter(|i| plan.movable.contains(i.source))
                .filter_map(|i| i.sibling.map(|s| s.0.to_string())),
        );
        let check = ImportCheck {
            root,
            graph,
            added,
            removed,
        };
        let mut failures: Vec<(String, Vec<Diagnostic>)> = Vec::new();
        for source in &plan.movable {
            if let Some((
                report,
                Some((
                    Kept::Texts {
                        old, new, beside, ..
                    },
                    _,
                    _,
                )),
            )) = first.get(source)
            {
                let target = report.target.as_deref().unwrap_or("");
                let own = beside.as_ref().map(|b| b.path.as_str());
                let mut d = check.run(new, target, old, source, own);
                if let Some(b) = beside {
                    d.extend(check.run(&b.text, &b.path, old, source, own));
                }
                if !d.is_empty() {
                    failures.push((source.clone(), d));
                }
            }
        }
        let edited: Vec<(&String, &importers::EditedFile)> = plan.edited.iter().collect();
        let broken: Vec<(Vec<String>, Vec<Diagnostic>)> = edited
            .par_iter()
            .filter_map(|(file, e)| {
                let d = check.run(&e.new, file, &e.old, file, None);
                (!d.is_empty()).then(|| (e.follows.clone(), d))
            })
            .collect();
        for (follows, d) in broken {
            for t in follows {
                failures.push((t, d.clone()));
            }
        }
        for (source, re) in &plan.reexports {
            let Some(r) = routes.get(source.as_str()) else {
                continue;
            };
            let d = check.run(&re.text, r.target, "", source, None);
            if !d.is_empty() {
                failures.push((re.of.clone(), d));
            }
        }
        if failures.is_empty() {
            return Follow {
                plan,
                added: check.added,
                removed: check.removed,
            };
        }
        for (source, d) in failures {
            if let Some((report, kept)) = first.get_mut(&source) {
                report.status = Status::Error;
                report.mode = None;
                report.methods.clear();
                report.diagnostics = d;
                *kept = None;
            }
        }
    }
}

/// Whether a route's source exports a `config`.
fn declares_config(src: &str, lang: Lang) -> bool {
    use swc_ecma_ast::{Decl, ModuleDecl, ModuleItem, Pat};
    let Ok(module) = crate::parse::parse_module(src, lang) else {
        return true;
    };
    module.body.iter().any(|item| match item {
        ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(ed)) => match &ed.decl {
            Decl::Var(v) => v
                .decls
                .iter()
                .any(|d| matches!(&d.name, Pat::Ident(b) if &*b.id.sym == "config")),
            _ => false,
        },
        ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(n)) => n.specifiers.iter().any(|s| {
            matches!(s, swc_ecma_ast::ExportSpecifier::Named(ns)
                if matches!(ns.exported.as_ref().unwrap_or(&ns.orig),
                    swc_ecma_ast::ModuleExportName::Ident(i) if &*i.sym == "config"))
        }),
        _ => false,
    })
}

/// The segment config statements a route.ts exports (`export const runtime = 'nodejs'`), as
/// written: a route re-exporting its methods must declare them itself (Next reads segment
/// config from the route file only).
fn segment_exports(text: &str, lang: Lang) -> Vec<String> {
    use swc_ecma_ast::{Decl, ModuleDecl, ModuleItem};
    let Ok(module) = crate::parse::parse_module(text, lang) else {
        return Vec::new();
    };
    module
        .body
        .iter()
        .filter_map(|item| match item {
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(ed))
                if matches!(ed.decl, Decl::Var(_)) =>
            {
                Some(text[crate::parse::range(ed.span)].to_string())
            }
            _ => None,
        })
        .filter(|t| {
            !crate::transform::spec::METHODS
                .iter()
                .any(|m| t.contains(&format!(" {m} ")) || t.contains(&format!(" {m}=")))
        })
        .collect()
}

/// The final import check over one file the run writes (see [`importers::check`]).
struct ImportCheck<'a> {
    root: &'a Path,
    graph: &'a ModuleGraph,
    added: HashSet<String>,
    removed: HashSet<String>,
}

impl ImportCheck<'_> {
    /// P2A009 for each import of `text` (to be written at `at`; before the run it was `orig` at
    /// `orig_at`) that would not resolve. `own`: a file the same change adds.
    fn run(
        &self,
        text: &str,
        at: &str,
        orig: &str,
        orig_at: &str,
        own: Option<&str>,
    ) -> Vec<Diagnostic> {
        let before = |p: &str| self.graph.has_file(self.root, p);
        let after = |p: &str| {
            own == Some(p) || self.added.contains(p) || (!self.removed.contains(p) && before(p))
        };
        let none = module_graph::Aliases::default();
        let aliases = self.graph.app_of(at).map_or(&none, |(_, a)| &a.aliases);
        importers::check::dangling(text, at, Some((orig, orig_at)), aliases, &before, &after)
            .into_iter()
            .map(|d| {
                Diagnostic::new(
                    Code::DanglingImport,
                    format!(
                        "in {at}, `{}` would no longer resolve (it looks for {}); nothing was written for this route",
                        d.specifier, d.looked_for
                    ),
                )
            })
            .collect()
    }
}

/// A route that only delegated to another route's handler: it becomes a route re-exporting
/// that route's methods.
fn reexport_outcome(
    p: &Planned,
    re: &importers::Reexport,
    root: &Path,
    keep_patch: bool,
) -> (FileReport, Option<Transformed>) {
    let mut report = FileReport {
        source: p.file.source.clone(),
        target: None,
        url: None,
        methods: Vec::new(),
        status: Status::Error,
        diagnostics: Vec::new(),
        mode: None,
    };
    let mapping = match &p.mapping {
        Ok(m) => m,
        Err(d) => {
            report.diagnostics.push(d.clone());
            return (report, None);
        }
    };
    let old = match read_source_diag(&root.join(&p.file.source)) {
        Ok(s) => s,
        Err(d) => {
            report.diagnostics.push(d);
            return (report, None);
        }
    };
    report.target = Some(mapping.target.clone());
    report.url = Some(mapping.url.clone());
    report.methods = re.methods.clone();
    report.mode = Some(Mode::Rewrite);
    report.diagnostics = mapping.notes.clone();
    report.diagnostics.push(Diagnostic::new(
        Code::DelegationReexported,
        format!(
            "only handed its requests to the handler of {}; it now re-exports that route's methods",
            re.of
        ),
    ));
    report.status = status_of(&report.diagnostics);
    let kept = Kept::Texts {
        old,
        new: re.text.clone(),
        copied: Vec::new(),
        beside: None,
    };
    let kept = if keep_patch {
        kept.into_patch(&report.source, &mapping.target)
    } else {
        kept
    };
    (
        report,
        Some((kept, crate::edit::Needs::default(), Vec::new())),
    )
}

/// Routes transformed together before their patches are written (see [`run_patch`]): enough
/// for every worker to stay busy, few enough that memory holds a batch, not the whole patch.
const BATCH: usize = 256;

/// What stands at a tree's compat module path, decided before any route is transformed.
enum CompatState {
    /// Nothing: the module is created.
    Absent,
    /// A module pages2app wrote (its text): it is extended.
    Ours(String),
    /// Something else, or something unreadable: routes that need a helper cannot be migrated.
    Blocked(Diagnostic),
}

impl CompatState {
    fn of(root: &Path, path: &str) -> Self {
        let full = root.join(path);
        let blocked = |msg: String| CompatState::Blocked(Diagnostic::new(Code::TargetExists, msg));
        match std::fs::read_to_string(&full) {
            Ok(existing) if existing.starts_with(runtime::MARKER) => CompatState::Ours(existing),
            Ok(_) => blocked(format!(
                "{path} exists and was not written by pages2app; nothing is overwritten"
            )),
            Err(_) if full.exists() => blocked(format!(
                "{path} exists and cannot be read; nothing is overwritten"
            )),
            Err(_) => match FolderCache::default().ancestry(root, path) {
                Ancestry::File(file) => blocked(format!(
                    "{file} is not a folder, so {path} cannot be written"
                )),
                Ancestry::Folders | Ancestry::Missing => CompatState::Absent,
            },
        }
    }
}

/// What the folders on the way to a path are.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ancestry {
    /// All exist as folders (the path itself may exist).
    Folders,
    /// One does not exist, so neither does the path.
    Missing,
    /// This one (relative to the root) exists but is not a folder (a file, or a link to one),
    /// which would make writing the path fail.
    File(String),
}

/// [`Ancestry`] of many paths, each folder looked up once.
#[derive(Default)]
struct FolderCache {
    /// Folder (relative to the root) -> Some(true) a folder, Some(false) missing, None a file.
    seen: HashMap<String, Option<bool>>,
}

impl FolderCache {
    fn ancestry(&mut self, root: &Path, rel: &str) -> Ancestry {
        let Some((dir, _)) = rel.rsplit_once('/') else {
            return Ancestry::Folders;
        };
        let mut end = 0;
        loop {
            let next = dir[end..].find('/').map_or(dir.len(), |i| end + i);
            let at = &dir[..next];
            let state = match self.seen.get(at) {
                Some(s) => *s,
                None => {
                    let s = match std::fs::metadata(root.join(at)) {
                        Ok(m) if m.is_dir() => Some(true),
                        Ok(_) => None,
                        Err(_) if root.join(at).symlink_metadata().is_ok() => None,
                        Err(_) => Some(false),
                    };
                    self.seen.insert(at.to_string(), s);
                    s
                }
            };
            match state {
                Some(true) => {}
                Some(false) => return Ancestry::Missing,
                None => return Ancestry::File(at.to_string()),
            }
            if next == dir.len() {
                return Ancestry::Folders;
            }
            end = next + 1;
        }
    }
}

fn relative_spec(from_dir: &str, to: &str) -> String {
    fn split(p: &str) -> Vec<&str> {
        p.split('/').filter(|s| !s.is_empty()).collect()
    }
    relative(&split(from_dir), &split(to), false)
}

/// The worker pool: threads with a stack deep enough for deeply nested files (see
/// [`depth_guard`]), and the nesting estimate they can take. Falls back to smaller stacks where
/// the system refuses a large one.
fn worker_pool(jobs: usize) -> (Option<rayon::ThreadPool>, usize) {
    for stack in [
        depth_guard::WORKER_STACK,
        depth_guard::WORKER_STACK / 8,
        16 << 20,
    ] {
        let built = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .stack_size(stack)
            .build();
        if let Ok(pool) = built {
            return (Some(pool), depth_guard::limit_for_stack(stack));
        }
    }
    (None, depth_guard::limit_for_stack(2 << 20))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_on_the_way_are_looked_up_once_and_say_what_blocks_a_target() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("app/(api)")).expect("mkdir");
        std::fs::write(root.join("app/(api)/api"), "a file").expect("write");
        std::fs::create_dir_all(root.join("lib/x")).expect("mkdir");
        let mut cache = FolderCache::default();
        assert_eq!(
            cache.ancestry(root, "app/(api)/api/x/route.ts"),
            Ancestry::File("app/(api)/api".into())
        );
        assert_eq!(
            cache.ancestry(root, "app/none/y/route.ts"),
            Ancestry::Missing
        );
        assert_eq!(cache.ancestry(root, "lib/x/route.ts"), Ancestry::Folders);
        assert_eq!(cache.ancestry(root, "route.ts"), Ancestry::Folders);
        // app, app/(api), app/(api)/api, app/none, lib, lib/x: below a missing folder or a file
        // nothing is looked up.
        assert_eq!(cache.seen.len(), 6);
        std::fs::remove_file(root.join("app/(api)/api")).expect("rm");
        // The cache is per run: what it saw stays.
        assert_eq!(
            cache.ancestry(root, "app/(api)/api/z/route.ts"),
            Ancestry::File("app/(api)/api".into())
        );
    }

    /// The streamed dry-run patch is byte for byte the patch of the kept changes.
    #[test]
    fn run_patch_matches_rendering_the_changes() {
        for fixture in ["fixtures/demo-app", "fixtures/behaviour-app"] {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture);
            let mut opts = Options::new(root);
            opts.jobs = 2;
            let kept = run_with(&opts, RunHooks::default());
            let mut chunks = Vec::new();
            let streamed = run_patch(&opts, RunHooks::default(), &mut |part| chunks.push(part));
            assert!(!kept.changes.is_empty(), "{fixture}");
            assert_eq!(
                chunks.concat(),
                crate::patch::render(&kept.changes),
                "{fixture}"
            );
            assert_eq!(chunks.len(), kept.changes.len());
            // Routes by source path, then the twins of the app's helper modules, then the
            // compat module.
            let keys: Vec<&str> = kept.changes.iter().map(Change::sort_key).collect();
            let (rest, modules) = keys.split_at(keys.len() - 1);
            let twins = rest.iter().filter(|k| k.contains(".app.")).count();
            let (routes, twin_keys) = rest.split_at(rest.len() - twins);
            assert!(routes.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
            assert!(twin_keys.iter().all(|k| k.contains(".app.")), "{keys:?}");
            assert!(modules[0].ends_with("/_pages2app/compat.ts"), "{keys:?}");
            assert!(streamed.changes.is_empty());
            assert_eq!(
                crate::report::to_json(&streamed),
                crate::report::to_json(&kept),
                "{fixture}"
            );
        }
    }
}
