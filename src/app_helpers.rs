//! The app's helper modules stage, after the module graph and before the per-route transform:
//! the modules of the app that routes import helpers from (`import { ok } from '@/lib/api'`),
//! and the App Router versions (twins) of their exported response helpers.
//!
//! For each such module, [`plan`] parses it once and rewrites its exported helpers that answer
//! through `res` ([`crate::transform::twins`]). The twins of a module are written once per app
//! into a module beside it, named after it with `.app` before the extension (`lib/api.ts` →
//! `lib/api.app.ts`, `lib/index.ts` → `lib/index.app.ts`): a name the App Router does not serve
//! and that says what it holds. Every twinnable export of the module gets one, so the new module
//! mirrors the old one's API, and it is written only when a migrated route imports it. The
//! original stays: code that is not migrated in this run may still use it; once nothing does,
//! the team can delete it and rename the twin.
//!
//! Not twinned: modules inside `pages/` (a new file there would be a page), modules whose twin
//! path already exists (nothing is overwritten), modules that do not parse.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use crate::module_graph::ModuleGraph;
use crate::route_path::Lang;
use crate::transform::twins::{analyse, ForeignImport, ModuleTwins, TwinImport, TwinSpec};

/// One helper module and its twins.
#[derive(Debug)]
pub struct HelperModule {
    /// The helper module, relative to the run root.
    pub source: String,
    /// Where its twins are written.
    pub twin_path: String,
    pub twins: ModuleTwins,
    /// The API tree whose compat module the twins import (that of the first route, in path
    /// order, that imports the module).
    pub tree: usize,
    /// The twin module an earlier run wrote, exactly as this run would write it.
    pub existing: Option<String>,
    /// The helper modules whose twins its twins import (indexes in [`AppHelpers::modules`]):
    /// those are written whenever this one is.
    pub depends: Vec<usize>,
}

/// What the stage found for the run.
#[derive(Debug, Default)]
pub struct AppHelpers {
    pub modules: Vec<HelperModule>,
    /// Route source → its imports of helper modules that have twins or declined helpers.
    pub per_route: HashMap<String, Vec<ForeignImport>>,
    /// Twin modules left alone, as (path, why), for the run's warnings.
    pub warnings: Vec<(String, String)>,
}

impl AppHelpers {
    /// The route's imports of helper modules, for [`crate::transform::RouteInput::foreign`].
    pub fn of_route(&self, source: &str) -> &[ForeignImport] {
        self.per_route.get(source).map_or(&[], Vec::as_slice)
    }
}

/// The twin's path of `source`: `.app` before the extension.
fn twin_path(source: &str) -> Option<String> {
    let (stem, ext) = source.rsplit_once('.')?;
    (!stem.ends_with('/') && !stem.is_empty()).then(|| format!("{stem}.app.{ext}"))
}

/// How a route's specifier of `target` (as written) becomes the twin's.
fn twin_spec(specifier: &str, target: &str) -> TwinSpec {
    let last = specifier.rsplit('/').next().unwrap_or(specifier);
    for ext in [".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"] {
        if last.ends_with(ext) && last.len() > ext.len() {
            return TwinSpec {
                insert: ".app".into(),
                ext: Some(ext.into()),
            };
        }
    }
    let file = target.rsplit('/').next().unwrap_or(target);
    let is_index = file.split('.').next() == Some("index");
    if is_index && last != "index" {
        let insert = if specifier.ends_with('/') {
            "index.app"
        } else {
            "/index.app"
        };
        return TwinSpec {
            insert: insert.into(),
            ext: None,
        };
    }
    TwinSpec {
        insert: ".app".into(),
        ext: None,
    }
}

/// True for a module a twin cannot go beside: a file under a `pages` folder (it would be served).
fn in_pages(source: &str) -> bool {
    source.split('/').any(|s| s == "pages")
}

/// The first line of every twin module pages2app writes: a later run recognises its own.
const TWIN_MARK: &str = "// The App Router versions of the helpers of ./";

/// Finds the helper modules the routes import and their twins. `routes`: (source, tree) of the
/// routes of the run, in path order; `tree_ok`: whether a tree's compat module can be written;
/// `compat_spec`: the specifier of a tree's compat module from a twin's path.
///
/// A twin already there from an earlier run (a gradual migration: `--only`, or routes left for
/// later) is used as it is when it is exactly what this run would write; one that differs (its
/// helper module changed, or someone edited it) or that pages2app did not write is never
/// overwritten, and its helpers get no twin in this run (their routes go on as before).
pub fn plan(
    root: &Path,
    graph: &ModuleGraph,
    routes: &[(&str, usize)],
    tree_ok: &(dyn Fn(usize) -> bool + Sync),
    compat_spec: &(dyn Fn(usize, &str) -> String + Sync),
) -> AppHelpers {
    // Helper modules by first importing route.
    let mut first_tree: HashMap<&str, usize> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (route, tree) in routes {
        let Some(imports) = graph.route_imports.get(*route) else {
            continue;
        };
        for (imp, target) in imports {
            let named = imp
                .bindings
                .iter()
                .any(|b| !b.type_only && b.imported != "default" && b.imported != "*");
            let is_twin = target
                .rsplit_once('.')
                .is_some_and(|(stem, _)| stem.ends_with(".app"));
            if imp.type_only || !named || in_pages(target) || is_twin {
                continue;
            }
            if !first_tree.contains_key(target.as_str()) {
                first_tree.insert(target.as_str(), *tree);
                order.push(target.as_str());
            }
        }
    }
    order.sort_unstable();
    type Found = Result<(HelperModule, String, Lang), Option<(String, String)>>;
    let found: Vec<Found> = order
        .par_iter()
        .map(|source| load(root, graph, source, first_tree[source], tree_ok))
        .collect();
    let mut modules: Vec<HelperModule> = Vec::new();
    let mut sources: Vec<(String, Lang)> = Vec::new();
    let mut warnings = Vec::new();
    for f in found {
        match f {
            Ok((m, src, lang)) => {
                modules.push(m);
                sources.push((src, lang));
            }
            Err(Some(w)) => warnings.push(w),
            Err(None) => {}
        }
    }
    // Twins calling the twins of other helper modules (a middleware calling `getApiUser(req)`
    // of `./auth`): analysed again knowing those, and written along with them.
    link_twins(
        root,
        graph,
        tree_ok,
        &mut modules,
        &mut sources,
        &mut warnings,
    );
    // A twin module an earlier run wrote is used only when this run would write it the same.
    let mut stale: Vec<usize> = Vec::new();
    for (i, m) in modules.iter().enumerate() {
        if let Some(old) = &m.existing {
            let src = &sources[i].0;
            if render(m, src, &compat_spec(m.tree, &m.twin_path)).as_ref() != Some(old) {
                let source = &m.source;
                warnings.push((
                    m.twin_path.clone(),
                    format!("differs from what pages2app would write now (edited by hand, or {source} changed), so it is left as it is and the helpers of {source} get no App Router version in this run"),
                ));
                stale.push(i);
            }
        }
    }
    // Modules whose twins would import a stale twin get none either.
    loop {
        let more: Vec<usize> = (0..modules.len())
            .filter(|i| !stale.contains(i))
            .filter(|i| modules[*i].depends.iter().any(|j| stale.contains(j)))
            .collect();
        if more.is_empty() {
            break;
        }
        stale.extend(more);
    }
    let modules: Vec<HelperModule> = if stale.is_empty() {
        modules
    } else {
        let kept: Vec<usize> = (0..modules.len()).filter(|i| !stale.contains(i)).collect();
        let mut out: Vec<HelperModule> = Vec::new();
        for (i, mut m) in modules.into_iter().enumerate() {
            if stale.contains(&i) {
                continue;
            }
            m.depends = m
                .depends
                .iter()
                .filter_map(|j| kept.iter().position(|k| k == j))
                .collect();
            out.push(m);
        }
        out
    };
    let index: HashMap<&str, usize> = modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.source.as_str(), i))
        .collect();
    let mut per_route: HashMap<String, Vec<ForeignImport>> = HashMap::new();
    for (route, _) in routes {
        let Some(imports) = graph.route_imports.get(*route) else {
            continue;
        };
        for (imp, target) in imports {
            let Some(&i) = index.get(target.as_str()) else {
                continue;
            };
            let m = &modules[i];
            per_route
                .entry(route.to_string())
                .or_default()
                .push(ForeignImport {
                    specifier: imp.specifier.clone(),
                    twin: i,
                    spec: twin_spec(&imp.specifier, target),
                    helpers: m.twins.helpers.clone(),
                    declined: m.twins.declined.clone(),
                });
        }
    }
    AppHelpers {
        modules,
        per_route,
        warnings,
    }
}

/// A helper module and its twins (analysed alone), with its text and language; `Err` with a
/// warning when its twin path is taken, `Err(None)` when it has nothing to twin.
fn load(
    root: &Path,
    graph: &ModuleGraph,
    source: &str,
    tree: usize,
    tree_ok: &(dyn Fn(usize) -> bool + Sync),
) -> Result<(HelperModule, String, Lang), Option<(String, String)>> {
    let twin_path = twin_path(source).ok_or(None)?;
    let existing = if graph.has_file(root, &twin_path) || root.join(&twin_path).exists() {
        let text = crate::source::read_source(&root.join(&twin_path)).map_err(|_| None)?;
        if !text.starts_with(TWIN_MARK) {
            return Err(Some((
                twin_path,
                format!("exists and was not written by pages2app, so the helpers of {source} get no App Router version in this run"),
            )));
        }
        Some(text)
    } else {
        None
    };
    if !tree_ok(tree) {
        return Err(None);
    }
    let lang = Lang::from_path(source).ok_or(None)?;
    let src = crate::source::read_source(&root.join(source)).map_err(|_| None)?;
    // A module that does not parse is left to the routes' own diagnostics.
    let twins = analyse(&src, lang, &[]).map_err(|_| None)?;
    if twins.helpers.is_empty() && twins.declined.is_empty() {
        return Err(None);
    }
    let m = HelperModule {
        source: source.to_string(),
        twins: with_positions(twins, &src, source),
        tree,
        existing,
        twin_path,
        depends: Vec::new(),
    };
    Ok((m, src, lang))
}

/// Analyses again each helper module that imports helpers of another helper module with
/// twins, so that its twins call those twins; records what it then depends on. A module only
/// helper modules import (`lib/session.ts` of a middleware) is found here.
fn link_twins(
    root: &Path,
    graph: &ModuleGraph,
    tree_ok: &(dyn Fn(usize) -> bool + Sync),
    modules: &mut Vec<HelperModule>,
    sources: &mut Vec<(String, Lang)>,
    warnings: &mut Vec<(String, String)>,
) {
    let mut index: HashMap<String, usize> = modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.source.clone(), i))
        .collect();
    let mut tried: std::collections::HashSet<String> = index.keys().cloned().collect();
    let mut i = 0;
    while i < modules.len() {
        let cur = i;
        i += 1;
        let Some((_, app)) = graph.app_of(&modules[cur].source) else {
            continue;
        };
        let mut foreign: Vec<ForeignImport> = Vec::new();
        for specifier in modules[cur].twins.value_imports.clone() {
            let is_file = |p: &str| app.files.contains(p);
            let crate::module_graph::Target::File(target) = crate::module_graph::resolve(
                &specifier,
                &modules[cur].source,
                &app.aliases,
                &is_file,
            ) else {
                continue;
            };
            let is_twin = target
                .rsplit_once('.')
                .is_some_and(|(stem, _)| stem.ends_with(".app"));
            if !index.contains_key(&target)
                && !in_pages(&target)
                && !is_twin
                && tried.insert(target.clone())
            {
                match load(root, graph, &target, modules[cur].tree, tree_ok) {
                    Ok((m, s, l)) => {
                        index.insert(target.clone(), modules.len());
                        modules.push(m);
                        sources.push((s, l));
                    }
                    Err(Some(w)) => warnings.push(w),
                    Err(None) => {}
                }
            }
            let Some(&j) = index.get(&target) else {
                continue;
            };
            if j == cur || foreign.iter().any(|f| f.specifier == specifier) {
                continue;
            }
            foreign.push(ForeignImport {
                spec: twin_spec(&specifier, &target),
                specifier,
                twin: j,
                helpers: modules[j].twins.helpers.clone(),
                declined: modules[j].twins.declined.clone(),
            });
        }
        if foreign.is_empty() {
            continue;
        }
        let (src, lang) = &sources[cur];
        let Ok(twins) = analyse(src, *lang, &foreign) else {
            continue;
        };
        let depends: Vec<usize> = foreign
            .iter()
            .filter(|f| {
                twins
                    .twin_imports
                    .iter()
                    .any(|t| f.spec.apply(&f.specifier) == t.specifier)
            })
            .map(|f| f.twin)
            .collect();
        let m = &mut modules[cur];
        m.twins = with_positions(twins, src, &m.source);
        m.depends = depends;
    }
}

/// The declined helpers' reasons with their file, line and column.
fn with_positions(mut t: ModuleTwins, src: &str, source: &str) -> ModuleTwins {
    for d in &mut t.declined {
        let (line, column) = crate::text::line_col(src, d.offset);
        d.reason = format!("{source}:{line}:{column}: {}", d.reason);
    }
    t
}

/// The twin module's text. `src`: the helper module as it will be after the run (its imports
/// of moved routes followed, see [`crate::importers`]), whose imports the twins copy;
/// `compat_spec`: the compat module, relative to the twin's folder.
pub fn render(m: &HelperModule, src: &str, compat_spec: &str) -> Option<String> {
    let lang = Lang::from_path(&m.source)?;
    let module = crate::parse::parse_module(src, lang).ok()?;
    let imports = crate::transform::twins::import_texts(&module, src);
    let nl = crate::text::newline_of(src);
    let t = &m.twins;
    let q = t.quote;
    let semi = if t.semicolons { ";" } else { "" };
    let base = m
        .source
        .rsplit('/')
        .next()
        .unwrap_or(&m.source)
        .rsplit_once('.')
        .map_or(m.source.as_str(), |(s, _)| s);
    let mut out = String::new();
    out.push_str(&format!(
        "// The App Router versions of the helpers of ./{base}: they take the Request where those took{nl}// `req` or `res`, and return the Response they sent. Written by pages2app; ./{base} stays for{nl}// the code that still uses it.{nl}"
    ));
    if !t.needs().helper_names().is_empty() {
        out.push_str(&format!(
            "import * as {} from {q}{compat_spec}{q}{semi}{nl}",
            t.pages
        ));
    }
    let referenced: std::collections::BTreeSet<&str> = t
        .helpers
        .iter()
        .flat_map(|h| h.references.iter().map(String::as_str))
        .collect();
    for (locals, text) in &imports {
        let used: Vec<&String> = locals
            .iter()
            .filter(|l| referenced.contains(l.as_str()))
            .collect();
        if used.is_empty() {
            continue;
        }
        // Names the twins call as other modules' twins come from those twin modules.
        let twinned: Vec<&TwinImport> = t
            .twin_imports
            .iter()
            .filter(|ti| used.contains(&&ti.local))
            .collect();
        if twinned.len() < used.len() {
            out.push_str(text);
            out.push_str(nl);
        }
        // One import declaration, one module: its twinned names come from that module's twin.
        if let Some(first) = twinned.first() {
            let names: Vec<String> = twinned
                .iter()
                .map(|ti| {
                    if ti.imported == ti.local {
                        ti.local.clone()
                    } else {
                        format!("{} as {}", ti.imported, ti.local)
                    }
                })
                .collect();
            out.push_str(&format!(
                "import {{ {} }} from {q}{}{q}{semi}{nl}",
                names.join(", "),
                first.specifier
            ));
        }
    }
    let own: Vec<&str> = t.helpers.iter().map(|h| h.name.as_str()).collect();
    let from_original: Vec<&str> = referenced
        .iter()
        .copied()
        .filter(|r| !own.contains(r) && t.exported.contains(*r))
        .collect();
    if !from_original.is_empty() {
        out.push_str(&format!(
            "import {{ {} }} from {q}./{base}{q}{semi}{nl}",
            from_original.join(", ")
        ));
    }
    if t.declares_context_type(lang) {
        out.push_str(&format!(
            "{nl}// What Next passes a Route Handler after the Request: the route's params.{nl}type {} = {{ params: Promise<Record<string, string | string[] | undefined>> }}{semi}{nl}",
            t.context_type
        ));
    }
    for h in t.helpers.iter().filter(|h| !h.text.is_empty()) {
        out.push_str(nl);
        out.push_str(&crate::transform::to_newlines(&h.text, nl));
        out.push_str(nl);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twin_paths_and_specifiers() {
        assert_eq!(twin_path("lib/api.ts").as_deref(), Some("lib/api.app.ts"));
        assert_eq!(
            twin_path("src/lib/index.js").as_deref(),
            Some("src/lib/index.app.js")
        );
        assert_eq!(
            twin_spec("@/lib/api", "lib/api.ts").apply("@/lib/api"),
            "@/lib/api.app"
        );
        assert_eq!(
            twin_spec("../lib", "lib/index.ts").apply("../../lib"),
            "../../lib/index.app"
        );
        assert_eq!(
            twin_spec("../lib/", "lib/index.ts").apply("../lib/"),
            "../lib/index.app"
        );
        assert_eq!(
            twin_spec("../lib/index", "lib/index.ts").apply("../lib/index"),
            "../lib/index.app"
        );
        assert_eq!(
            twin_spec("../lib/api.js", "lib/api.ts").apply("../../lib/api.js"),
            "../../lib/api.app.js"
        );
        assert!(in_pages("pages/lib/api.ts"));
        assert!(!in_pages("lib/pagesish.ts"));
    }
}
