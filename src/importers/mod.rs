//! The importers stage, between the per-route transform and the patch: what moving a route
//! means for the modules that import it (see [`crate::module_graph`] for who imports what).
//!
//! - What `route.ts` may not export moves to a module beside the route ([`split`]), and every
//!   import of it across the app is rewritten to that module in the importer's own specifier
//!   style ([`specifier`]).
//! - A route that only delegates to another route's handler becomes a route that re-exports
//!   the migrated methods ([`delegation`]).
//! - An import that cannot follow (a namespace import, `require()`, `import()` of the route, a
//!   default import by code that is not a delegating route) keeps the route in `pages/api`
//!   with a P2A118 naming the importer.
//! - [`check`]: before anything is printed or written, every import in every file the run
//!   writes still resolves (P2A009 otherwise).

pub mod check;
pub mod delegation;
pub mod specifier;
pub mod split;

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::diagnostics::{Code, Diagnostic};
use crate::module_graph::{Importer, ModuleGraph};
use crate::route_path::{Lang, RouteParam};

/// A route other modules import, as the transform left it.
pub struct ImportedRoute<'a> {
    pub source: &'a str,
    /// Its route.ts, when the transform migrated it.
    pub target: Option<&'a str>,
    pub methods: &'a [&'static str],
    pub params: &'a [RouteParam],
    /// The module beside the route and the names it exports, when the route was split.
    pub sibling: Option<(&'a str, &'a [String], bool)>,
    /// The route's source declares a `config`.
    pub has_config: bool,
    /// Its route.ts exports segment config (runtime, maxDuration, ...): `(name, text)` each.
    pub segment_exports: Vec<String>,
}

/// A route of the run that may import another route (its mapping, for delegations).
pub struct RouteOfRun<'a> {
    pub source: &'a str,
    pub target: &'a str,
    pub params: &'a [RouteParam],
    /// Selected by `--only` (an unselected route is not converted, only its imports edited).
    pub selected: bool,
}

/// What the importers of the imported routes become.
#[derive(Debug, Default)]
pub struct FollowPlan {
    /// Imported routes that move (every importer follows).
    pub movable: HashSet<String>,
    /// Imported routes that stay, with a P2A118 per importer that cannot follow.
    pub blocked: HashMap<String, Vec<Diagnostic>>,
    /// Files whose imports follow: path → (text before, text after, routes it follows).
    pub edited: BTreeMap<String, EditedFile>,
    /// Routes that become re-exports of the route they delegate to: source → route.ts text.
    pub reexports: HashMap<String, Reexport>,
    /// Notes for the moved routes (which importers follow them).
    pub notes: HashMap<String, Vec<Diagnostic>>,
}

#[derive(Debug, Clone)]
pub struct EditedFile {
    pub old: String,
    pub new: String,
    /// The route sources whose move it follows.
    pub follows: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Reexport {
    pub text: String,
    pub methods: Vec<&'static str>,
    /// The route source it re-exports.
    pub of: String,
}

/// How one import of a route follows it.
enum Follow {
    /// The specifier (byte range in the importer) becomes this one.
    Respecify(std::ops::Range<usize>, String),
    /// The importer, a route that only delegates, re-exports the target's methods.
    Reexport(Reexport),
}

/// Plans the importers of the imported routes. `read` gives a file's text (None when it
/// cannot be read).
pub fn plan(
    graph: &ModuleGraph,
    imported: &[ImportedRoute],
    routes: &HashMap<&str, RouteOfRun>,
    read: &(dyn Fn(&str) -> Option<String> + Sync),
    is_file_after: &(dyn Fn(&str) -> bool + Sync),
) -> FollowPlan {
    let mut plan = FollowPlan::default();
    // Per importer file: its follows (edits) for each target.
    let mut per_file: BTreeMap<String, Vec<(String, Follow)>> = BTreeMap::new();
    // Every importer's text, read in parallel (a big app has thousands).
    let files: HashSet<&str> = imported
        .iter()
        .filter_map(|r| graph.importers.get(r.source))
        .flatten()
        .map(|i| i.file.as_str())
        .collect();
    let texts: HashMap<String, Option<String>> = {
        use rayon::prelude::*;
        let files: Vec<&str> = files.into_iter().collect();
        files.par_iter().map(|f| (f.to_string(), read(f))).collect()
    };
    // The routes that are themselves imported cannot become re-exports (their importers
    // would then need to follow twice).
    let imported_sources: HashSet<&str> = imported.iter().map(|r| r.source).collect();
    for route in imported {
        let Some(importers) = graph.importers.get(route.source) else {
            continue;
        };
        let mut follows: Vec<(String, Follow)> = Vec::new();
        let mut refusals: Vec<Diagnostic> = Vec::new();
        for imp in importers {
            let text = texts.get(&imp.file).and_then(Option::as_deref);
            let outcome = match (&route.target, text) {
                (None, _) => Err(None),
                (_, None) => Err(Some("cannot be read".to_string())),
                (Some(target), Some(text)) => follow_one(
                    graph,
                    route,
                    target,
                    imp,
                    text,
                    routes,
                    &imported_sources,
                    is_file_after,
                ),
            };
            match outcome {
                Ok(f) => follows.push((imp.file.clone(), f)),
                Err(why) => refusals.push(blocker(imp, why.as_deref())),
            }
        }
        if route.target.is_none() {
            // Not migrated: the transform's own reasons stand, with the importers beside them.
            plan.blocked.insert(route.source.to_string(), refusals);
            continue;
        }
        if refusals.is_empty() {
            plan.movable.insert(route.source.to_string());
            let mut files: Vec<String> = follows
                .iter()
                .map(|(f, fo)| match fo {
                    Follow::Respecify(..) => format!("{f} (import rewritten)"),
                    Follow::Reexport(_) => format!("{f} (now re-exports its methods)"),
                })
                .collect();
            files.dedup();
            plan.notes.insert(
                route.source.to_string(),
                vec![Diagnostic::new(
                    Code::ImportersFollow,
                    format!(
                        "imported by {}: the importers follow the move",
                        files.join(", ")
                    ),
                )],
            );
            for (file, f) in follows {
                per_file
                    .entry(file)
                    .or_default()
                    .push((route.source.to_string(), f));
            }
        } else {
            plan.blocked.insert(route.source.to_string(), refusals);
        }
    }
    for (file, follows) in per_file {
        let Some(Some(old)) = texts.get(&file) else {
            continue;
        };
        let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        let mut targets: Vec<String> = Vec::new();
        for (target, f) in follows {
            match f {
                Follow::Respecify(r, s) => edits.push((r, s)),
                Follow::Reexport(re) => {
                    plan.reexports.insert(file.clone(), re);
                }
            }
            targets.push(target);
        }
        targets.sort();
        targets.dedup();
        if edits.is_empty() {
            continue;
        }
        edits.sort_by_key(|(r, _)| r.start);
        let mut new = String::with_capacity(old.len());
        let mut at = 0;
        for (r, s) in edits {
            if r.start < at {
                continue;
            }
            new.push_str(&old[at..r.start]);
            new.push_str(&s);
            at = r.end;
        }
        new.push_str(&old[at..]);
        plan.edited.insert(
            file,
            EditedFile {
                old: old.clone(),
                new,
                follows: targets,
            },
        );
    }
    plan
}

/// The P2A118 for an importer that cannot follow.
fn blocker(imp: &Importer, why: Option<&str>) -> Diagnostic {
    let why = why.map_or(String::new(), |w| format!(" ({w})"));
    Diagnostic::new(
        Code::ImportedRoute,
        format!(
            "imported by {}:{}:{} (`{}`){why}; moving this file would break that import, so it stays in pages/api",
            imp.file, imp.line, imp.column, imp.text
        ),
    )
}

/// How one import follows the route, or why it cannot (None: no reason beyond the route's).
#[allow(clippy::too_many_arguments)]
fn follow_one(
    graph: &ModuleGraph,
    route: &ImportedRoute,
    target: &str,
    imp: &Importer,
    text: &str,
    routes: &HashMap<&str, RouteOfRun>,
    imported_sources: &HashSet<&str>,
    is_file_after: &dyn Fn(&str) -> bool,
) -> Result<Follow, Option<String>> {
    use crate::module_graph::ImportKind;
    let i = &imp.import;
    let bindings = &i.bindings;
    if !matches!(i.kind, ImportKind::Static | ImportKind::Reexport) {
        return Err(Some(
            "a `require()`/`import()` of the route module cannot follow it".into(),
        ));
    }
    if i.star || bindings.iter().any(|b| b.imported == "*") {
        return Err(Some(
            "a namespace import cannot follow the route module".into(),
        ));
    }
    if bindings.is_empty() {
        return Err(Some("a side-effect import of the route module".into()));
    }
    let default = bindings.iter().any(|b| b.imported == "default");
    if default {
        if bindings.len() > 1 {
            return Err(Some("imports the handler together with other names".into()));
        }
        return delegation_follow(route, target, imp, text, routes, imported_sources)
            .map(Follow::Reexport);
    }
    let Some((sibling, exports, star)) = route.sibling else {
        return Err(Some("the names it imports stay in route.ts".into()));
    };
    if let Some(b) = bindings
        .iter()
        .find(|b| !star && !exports.contains(&b.imported))
    {
        return Err(Some(format!(
            "imports `{}`, which route.ts keeps",
            b.imported
        )));
    }
    let Some((_, app)) = graph.app_of(&imp.file) else {
        return Err(None);
    };
    let spec = specifier::respecify(
        &i.specifier,
        &imp.file,
        sibling,
        &app.aliases,
        is_file_after,
    );
    Ok(Follow::Respecify(i.spec_start..i.spec_end, spec))
}

/// A default import of the route's handler: follows when the importer is a route of the run
/// that only delegates to it, with the same params and neither having a config.
fn delegation_follow(
    route: &ImportedRoute,
    target: &str,
    imp: &Importer,
    text: &str,
    routes: &HashMap<&str, RouteOfRun>,
    imported_sources: &HashSet<&str>,
) -> Result<Reexport, Option<String>> {
    let not = |why: &str| Err(Some(why.to_string()));
    let Some(me) = routes.get(imp.file.as_str()) else {
        return not("imports the route's handler");
    };
    if !me.selected {
        return not("a route this run does not migrate (--only) imports the handler");
    }
    if imported_sources.contains(me.source) {
        return not("a route that other modules import delegates to this handler");
    }
    if route.has_config {
        return not("the route has a `config` and another route delegates to it");
    }
    if me.params != route.params {
        return not("a route with other dynamic segments delegates to this handler");
    }
    let lang = Lang::from_path(me.source).unwrap_or(Lang::Js);
    let Ok(module) = crate::parse::parse_module(text, lang) else {
        return Err(None);
    };
    let local = if imp.import.kind == crate::module_graph::ImportKind::Reexport {
        None
    } else {
        imp.import.bindings.first().map(|b| b.local.as_str())
    };
    if !delegation::only_delegates(&module, local) {
        return not("imports the route's handler and does more than delegate to it");
    }
    let from: Vec<&str> = crate::module_graph::path::dir_of(me.target)
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let to_stem = target.rsplit_once('.').map_or(target, |(s, _)| s);
    let to: Vec<&str> = to_stem.split('/').filter(|s| !s.is_empty()).collect();
    let spec = crate::transform::relative(&from, &to, false);
    let nl = crate::text::newline_of(text);
    let mut out = String::new();
    for seg in &route.segment_exports {
        out.push_str(seg);
        out.push_str(nl);
    }
    if !out.is_empty() {
        out.push_str(nl);
    }
    let quote = text
        .as_bytes()
        .get(imp.import.spec_start.wrapping_sub(1))
        .map_or('\'', |&b| b as char);
    let quote = if quote == '"' { '"' } else { '\'' };
    out.push_str(&format!(
        "export {{ {} }} from {quote}{spec}{quote}{nl}",
        route.methods.join(", ")
    ));
    Ok(Reexport {
        text: out,
        methods: route.methods.to_vec(),
        of: route.source.to_string(),
    })
}
