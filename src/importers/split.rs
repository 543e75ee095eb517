//! Splitting a route module: what `route.ts` may not export (`authOptions`, a helper, a type
//! other modules import) moves to a module beside the route, inside the route's folder in
//! `app/` (the App Router serves only `route.*` there).
//!
//! The split works on the source text, before the per-route transform: the moved items leave
//! the route text, a module beside the route receives them verbatim with the imports and local
//! declarations they need, and the route imports back what it still uses. Declarations both
//! sides need move to the new module and are exported from it (a module has one instance, so
//! state they hold stays shared). What cannot move without changing behaviour is refused with
//! the reason: top-level code that changes a moved value when the route module loads, a `let`
//! the route would still assign, a default export the moved code uses.

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;

use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use crate::edit::Edit;
use crate::parse::range;
use crate::route_path::Lang;
use crate::text::newline_of;
use crate::transform::{rebase_specifier, relative};

/// A route module split in two.
#[derive(Debug)]
pub struct Split {
    /// The route's source with the moved items removed and an import of what it still uses
    /// from the new module (its specifier written relative to the source's folder, so the
    /// transform's rebasing makes it `./name`).
    pub route_src: String,
    /// The new module: path (relative to the run root) and text.
    pub module_path: String,
    pub module_text: String,
    /// The names the new module exports (what importers of the route may now import from it).
    pub exports: Vec<String>,
    /// The new module re-exports a whole module (`export * from`): any name may come from it.
    pub star: bool,
    /// Byte offset in the source of the first export that moved.
    pub at: usize,
}

impl Split {
    /// Maps a 1-based line of [`Split::route_src`] to the line it was in the source (a line
    /// added by the split maps to the line after it), so diagnostics of the split route point
    /// into the file the user has.
    pub fn source_line(&self, src: &str, line: usize) -> usize {
        use similar::{DiffTag, TextDiff};
        let diff = TextDiff::from_lines(src, self.route_src.as_str());
        for op in diff.ops() {
            let (old, new) = (op.old_range(), op.new_range());
            let l = line.saturating_sub(1);
            if new.contains(&l) || (new.is_empty() && new.start == l) {
                let within = (l - new.start).min(old.len().saturating_sub(1));
                return match op.tag() {
                    DiffTag::Equal | DiffTag::Replace => old.start + within + 1,
                    // An inserted line: the line that follows it.
                    DiffTag::Insert | DiffTag::Delete => old.start + 1,
                };
            }
        }
        line
    }
}

/// Why a route module cannot be split.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Byte offset in the source of the cause.
    pub offset: usize,
    pub reason: String,
}

/// The role of one top-level item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Import,
    /// The default export, `config`: stays in route.ts.
    Route,
    /// An export route.ts may not carry (values; types when `move_types`): moves.
    Export,
    /// A declaration nobody exports: moves only when moved code needs it.
    Local,
    /// Top-level code that declares nothing.
    Statement,
}

struct Item {
    role: Role,
    range: Range<usize>,
    /// Names it declares, and whether each is only a type.
    declares: Vec<(String, bool)>,
    /// Identifiers it mentions.
    refs: HashSet<String>,
    /// `let`/`var`: a binding other code may assign.
    mutable: bool,
    /// A local declaration that needs `export ` in the new module.
    is_export_decl: bool,
}

/// Splits `src` (the route at `source`, whose route.ts goes to `target`) when it exports
/// values route.ts may not export, or, with `move_types`, types (another module imports them).
/// `Ok(None)`: nothing to move.
pub fn split(
    src: &str,
    module: &Module,
    lang: Lang,
    source: &str,
    target: &str,
    move_types: bool,
) -> Result<Option<Split>, Refusal> {
    let items = classify(module, move_types)?;
    if !items.iter().any(|i| i.role == Role::Export) {
        return Ok(None);
    }
    let moved = moved_set(&items);
    let moved_names: HashSet<&str> = moved
        .iter()
        .flat_map(|&i| items[i].declares.iter().map(|(n, _)| n.as_str()))
        .collect();

    // What stays and still uses a moved name imports it back.
    let mut back: BTreeSet<(usize, String, bool)> = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        if moved.contains(&i) || item.role == Role::Import {
            continue;
        }
        for r in &item.refs {
            if !moved_names.contains(r.as_str()) {
                continue;
            }
            if item.role == Role::Statement {
                return Err(Refusal {
                    offset: item.range.start,
                    reason: format!("top-level code here uses `{r}` when the route module loads; moving `{r}` out would change when that runs"),
                });
            }
            let (j, is_type) = declarer(&items, &moved, r);
            if items[j].mutable {
                return Err(Refusal {
                    offset: items[j].range.start,
                    reason: format!("`{r}` is a `let`/`var` the route also uses; an imported binding cannot be assigned"),
                });
            }
            back.insert((j, r.clone(), is_type));
        }
    }

    let nl = newline_of(src);
    let source_dir = dir_of(source);
    let target_dir = dir_of(target);
    let ext = source.rsplit_once('.').map_or("ts", |(_, e)| e);
    let stem = module_stem(&items, &moved);
    let module_path = join(target_dir, &format!("{stem}.{ext}"));
    let module_spec_from_source = {
        let from: Vec<&str> = split_path(source_dir);
        let to_path = join(target_dir, &stem);
        let to: Vec<&str> = split_path(&to_path);
        relative(&from, &to, false)
    };

    // The new module: the imports the moved code needs, then the moved items in source order.
    let mut text = String::new();
    for item in items.iter().filter(|i| i.role == Role::Import) {
        let needed: HashSet<&str> = moved
            .iter()
            .flat_map(|&i| items[i].refs.iter().map(String::as_str))
            .collect();
        if let Some(line) = import_for(src, module, item, &needed, source_dir, target_dir) {
            text.push_str(&line);
            text.push_str(nl);
        }
    }
    if !text.is_empty() {
        text.push_str(nl);
    }
    let shared_back: HashSet<usize> = back.iter().map(|(j, ..)| *j).collect();
    let mut prev_end: Option<usize> = None;
    for &i in &moved {
        let item = &items[i];
        let r = with_comments_above(src, item.range.clone());
        if let Some(end) = prev_end {
            if src[end..r.start].matches('\n').count() > 1 && !text.ends_with(&format!("{nl}{nl}"))
            {
                text.push_str(nl);
            }
        }
        let body = rebase_in_item(src, module, item, source_dir, target_dir);
        if item.role == Role::Local && shared_back.contains(&i) && !item.is_export_decl {
            // A declaration both sides use: exported so the route can import it.
            let (comments, code) = body.split_at(item.range.start - r.start);
            text.push_str(comments);
            text.push_str("export ");
            text.push_str(code);
        } else {
            text.push_str(&body);
        }
        text.push_str(nl);
        prev_end = Some(item.range.end);
    }

    // The route: moved items and the imports only they used leave; the import back comes in
    // after the last import.
    let mut edits: Vec<Edit> = Vec::new();
    // A moved item takes the comments above it along (they are copied with it).
    for &i in &moved {
        let r = items[i].range.clone();
        edits.push(crate::transform::removal_with_comments(src, r));
    }
    let still_used: HashSet<&str> = items
        .iter()
        .enumerate()
        .filter(|(i, it)| !moved.contains(i) && it.role != Role::Import)
        .flat_map(|(_, it)| it.refs.iter().map(String::as_str))
        .collect();
    for item in items.iter().filter(|i| i.role == Role::Import) {
        if let Some(e) = trim_import(src, module, item, &still_used) {
            edits.push(e);
        }
    }
    if !back.is_empty() {
        let names: Vec<(String, bool)> = back.iter().map(|(_, n, t)| (n.clone(), *t)).collect();
        let facts = crate::transform::imports::import_facts(module, src);
        let line = import_back_line(
            &names,
            &module_spec_from_source,
            lang,
            (
                facts.quote.unwrap_or('\''),
                facts.semicolons.unwrap_or(false),
            ),
        );
        let last_import = items
            .iter()
            .filter(|i| i.role == Role::Import)
            .map(|i| i.range.end)
            .max();
        let at = match last_import {
            Some(end) => {
                let rest = &src[end..];
                end + rest.find('\n').map_or(rest.len(), |i| i + 1)
            }
            None => 0,
        };
        let text = if last_import.is_some() && !src[..at].ends_with('\n') {
            format!("{nl}{line}")
        } else if last_import.is_none() {
            format!("{line}{nl}{nl}")
        } else {
            format!("{line}{nl}")
        };
        edits.push(Edit {
            range: at..at,
            text,
            needs: Default::default(),
        });
    }
    let route_src = apply_edits(src, edits).ok_or_else(|| Refusal {
        offset: 0,
        reason: "the moved code overlaps code that stays (pages2app bug; please report it)".into(),
    })?;

    let mut exports: Vec<String> = Vec::new();
    let mut star = false;
    for &i in &moved {
        let item = &items[i];
        if item.role == Role::Export {
            exports.extend(item.declares.iter().map(|(n, _)| n.clone()));
        }
        if item.role == Role::Local && shared_back.contains(&i) {
            exports.extend(item.declares.iter().map(|(n, _)| n.clone()));
        }
        if item.role == Role::Export && item.declares.is_empty() {
            star = true;
        }
    }
    exports.sort();
    exports.dedup();
    let at = moved
        .iter()
        .find(|&&i| items[i].role == Role::Export)
        .map_or(0, |&i| items[i].range.start);
    Ok(Some(Split {
        at,
        route_src,
        module_path,
        module_text: text,
        exports,
        star,
    }))
}

/// The items of the module with their role.
fn classify(module: &Module, move_types: bool) -> Result<Vec<Item>, Refusal> {
    let mut items = Vec::new();
    for it in &module.body {
        let r = range(it_span(it));
        let mut refs = Refs::default();
        it.visit_with(&mut refs);
        let mut item = Item {
            role: Role::Statement,
            range: r.clone(),
            declares: Vec::new(),
            refs: refs.0,
            mutable: false,
            is_export_decl: false,
        };
        match it {
            ModuleItem::ModuleDecl(ModuleDecl::Import(i)) => {
                item.role = Role::Import;
                item.declares = i
                    .specifiers
                    .iter()
                    .map(|s| (spec_local(s).to_string(), i.type_only))
                    .collect();
                item.refs.clear();
            }
            ModuleItem::ModuleDecl(ModuleDecl::TsImportEquals(i)) => {
                item.role = Role::Local;
                item.declares = vec![(i.id.sym.to_string(), false)];
            }
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(ed)) => {
                item.declares = decl_names(&ed.decl);
                item.is_export_decl = true;
                item.mutable = matches!(&ed.decl, Decl::Var(v) if v.kind != VarDeclKind::Const);
                let is_config = matches!(&ed.decl, Decl::Var(v) if v.decls.len() == 1 && item.declares.first().is_some_and(|(n, _)| n == "config"));
                let only_types = item.declares.iter().all(|(_, t)| *t);
                item.role = if is_config {
                    Role::Route
                } else if only_types && !move_types {
                    Role::Local
                } else {
                    Role::Export
                };
                if is_config && v_has_many(&ed.decl) {
                    return Err(Refusal {
                        offset: r.start,
                        reason: "`config` is declared together with other names".into(),
                    });
                }
            }
            ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(n)) => {
                let names: Vec<(String, String, bool)> = n
                    .specifiers
                    .iter()
                    .map(|s| match s {
                        ExportSpecifier::Named(ns) => (
                            name_of(&ns.orig),
                            name_of(ns.exported.as_ref().unwrap_or(&ns.orig)),
                            n.type_only || ns.is_type_only,
                        ),
                        ExportSpecifier::Namespace(ns) => {
                            ("*".into(), name_of(&ns.name), n.type_only)
                        }
                        ExportSpecifier::Default(d) => {
                            ("default".into(), d.exported.sym.to_string(), false)
                        }
                    })
                    .collect();
                let has_default = names.iter().any(|(_, e, _)| e == "default");
                if has_default && names.len() > 1 {
                    return Err(Refusal {
                        offset: r.start,
                        reason:
                            "one `export { ... }` lists the handler together with other exports"
                                .into(),
                    });
                }
                if has_default {
                    item.role = Role::Route;
                } else {
                    item.role = Role::Export;
                    item.declares = names.iter().map(|(_, e, t)| (e.clone(), *t)).collect();
                    if n.src.is_none() {
                        // `export { a, b }`: the local declarations move with the list.
                        item.refs = names.iter().map(|(o, ..)| o.clone()).collect();
                    } else {
                        item.refs.clear();
                    }
                }
            }
            ModuleItem::ModuleDecl(ModuleDecl::ExportAll(_)) => {
                item.role = Role::Export;
                item.refs.clear();
            }
            ModuleItem::ModuleDecl(
                ModuleDecl::ExportDefaultDecl(_) | ModuleDecl::ExportDefaultExpr(_),
            ) => item.role = Role::Route,
            ModuleItem::ModuleDecl(_) => item.role = Role::Route,
            ModuleItem::Stmt(Stmt::Decl(d)) => {
                item.role = Role::Local;
                item.declares = decl_names(d);
                item.mutable = matches!(d, Decl::Var(v) if v.kind != VarDeclKind::Const);
            }
            ModuleItem::Stmt(_) => {}
        }
        // A declaration mentions its own names; that is not a use by someone else.
        for (n, _) in &item.declares {
            if item.role != Role::Export || item.is_export_decl {
                item.refs.remove(n);
            }
        }
        items.push(item);
    }
    Ok(items)
}

fn v_has_many(d: &Decl) -> bool {
    matches!(d, Decl::Var(v) if v.decls.len() > 1)
}

/// The items that move: the exports, and the local declarations they need, transitively; in
/// source order.
fn moved_set(items: &[Item]) -> BTreeSet<usize> {
    let mut moved: BTreeSet<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.role == Role::Export)
        .map(|(i, _)| i)
        .collect();
    loop {
        let needed: HashSet<&str> = moved
            .iter()
            .flat_map(|&i| items[i].refs.iter().map(String::as_str))
            .collect();
        let more: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(i, it)| {
                !moved.contains(i)
                    && it.role == Role::Local
                    && it.declares.iter().any(|(n, _)| needed.contains(n.as_str()))
            })
            .map(|(i, _)| i)
            .collect();
        if more.is_empty() {
            return moved;
        }
        moved.extend(more);
    }
}

/// The moved item that declares `name`, and whether the name is only a type.
fn declarer(items: &[Item], moved: &BTreeSet<usize>, name: &str) -> (usize, bool) {
    for &i in moved {
        if let Some((_, t)) = items[i].declares.iter().find(|(n, _)| n == name) {
            return (i, *t);
        }
    }
    (0, false)
}

/// The new module's file name: the one value it exports in kebab-case (`authOptions` →
/// `auth-options`), `types` when it holds only types, else `shared`. Never a name the App
/// Router gives a meaning to in a route folder.
fn module_stem(items: &[Item], moved: &BTreeSet<usize>) -> String {
    let exported: Vec<&(String, bool)> = moved
        .iter()
        .filter(|&&i| items[i].role == Role::Export)
        .flat_map(|&i| items[i].declares.iter())
        .collect();
    let values: Vec<&str> = exported
        .iter()
        .filter(|(_, t)| !t)
        .map(|(n, _)| n.as_str())
        .collect();
    let stem = match values.as_slice() {
        [] if !exported.is_empty() => "types".to_string(),
        [one] => kebab(one),
        _ => "shared".to_string(),
    };
    const RESERVED: &[&str] = &[
        "route",
        "page",
        "layout",
        "template",
        "loading",
        "error",
        "global-error",
        "not-found",
        "default",
        "middleware",
        "proxy",
        "instrumentation",
        "icon",
        "apple-icon",
        "opengraph-image",
        "twitter-image",
        "sitemap",
        "robots",
        "manifest",
    ];
    if stem.is_empty() || RESERVED.contains(&stem.as_str()) {
        "shared".to_string()
    } else {
        stem
    }
}

/// `authOptions` → `auth-options`, `GITHUB_ID` → `github-id`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == '$' {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            prev_lower = false;
        } else if c.is_ascii_uppercase() {
            if prev_lower && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out.trim_matches('-').to_string()
}

/// The import the new module needs of an import item: only the names moved code uses, with
/// relative specifiers rebased to the route's folder. `None` when it needs none of them.
fn import_for(
    src: &str,
    module: &Module,
    item: &Item,
    needed: &HashSet<&str>,
    source_dir: &str,
    target_dir: &str,
) -> Option<String> {
    let decl = import_decl_at(module, &item.range)?;
    let keep: Vec<&ImportSpecifier> = decl
        .specifiers
        .iter()
        .filter(|s| needed.contains(spec_local(s)))
        .collect();
    if keep.is_empty() {
        return None;
    }
    let spec = decl.src.value.to_string_lossy().into_owned();
    let spec = rebase_specifier(&spec, source_dir, target_dir).unwrap_or(spec);
    if keep.len() == decl.specifiers.len() {
        // The whole statement, as written, with its specifier rebased.
        let text = &src[item.range.clone()];
        let sr = range(decl.src.span);
        let (a, b) = (sr.start - item.range.start, sr.end - item.range.start);
        let quote = &text[a..a + 1];
        return Some(format!("{}{quote}{spec}{quote}{}", &text[..a], &text[b..]));
    }
    Some(import_statement(src, decl, &keep, &spec))
}

/// An import statement of `keep` (specifiers of `decl`) from `spec`, each specifier as written.
fn import_statement(src: &str, decl: &ImportDecl, keep: &[&ImportSpecifier], spec: &str) -> String {
    let sr = range(decl.src.span);
    let quote = &src[sr.start..sr.start + 1];
    let mut default = None;
    let mut namespace = None;
    let mut named = Vec::new();
    for s in keep {
        let text = &src[range(spec_span(s))];
        match s {
            ImportSpecifier::Default(_) => default = Some(text),
            ImportSpecifier::Namespace(_) => namespace = Some(text),
            ImportSpecifier::Named(_) => named.push(text),
        }
    }
    // Only `{ type A, type B }` left: `import type { A, B }`, as one would write it.
    let all_types = default.is_none()
        && namespace.is_none()
        && !named.is_empty()
        && named.iter().all(|n| n.starts_with("type "));
    if all_types {
        for n in &mut named {
            *n = n["type ".len()..].trim_start();
        }
    }
    let mut parts = Vec::new();
    parts.extend(default);
    parts.extend(namespace);
    let named = (!named.is_empty()).then(|| format!("{{ {} }}", named.join(", ")));
    parts.extend(named.as_deref());
    let kw = if decl.type_only || all_types {
        "import type"
    } else {
        "import"
    };
    let semi = if src[..range(decl.span).end].ends_with(';') {
        ";"
    } else {
        ""
    };
    format!("{kw} {} from {quote}{spec}{quote}{semi}", parts.join(", "))
}

/// The edit that drops the specifiers of an import item that nothing left in the route uses
/// (the whole statement when none is left). Side-effect imports stay.
fn trim_import(
    src: &str,
    module: &Module,
    item: &Item,
    still_used: &HashSet<&str>,
) -> Option<Edit> {
    let decl = import_decl_at(module, &item.range)?;
    if decl.specifiers.is_empty() {
        return None;
    }
    let keep: Vec<&ImportSpecifier> = decl
        .specifiers
        .iter()
        .filter(|s| still_used.contains(spec_local(s)))
        .collect();
    if keep.len() == decl.specifiers.len() {
        return None;
    }
    if keep.is_empty() {
        return Some(crate::transform::removal(src, item.range.clone()));
    }
    let spec = decl.src.value.to_string_lossy().into_owned();
    Some(Edit {
        range: item.range.clone(),
        text: import_statement(src, decl, &keep, &spec),
        needs: Default::default(),
    })
}

/// `import { a, type B } from 'spec'` (TypeScript), `import type { B }` when all are types, in
/// the quotes and with the semicolons of the route's imports.
fn import_back_line(
    names: &[(String, bool)],
    spec: &str,
    lang: Lang,
    (quote, semicolons): (char, bool),
) -> String {
    let ts = lang.is_typescript();
    let all_types = ts && names.iter().all(|(_, t)| *t);
    let list: Vec<String> = names
        .iter()
        .map(|(n, t)| {
            if ts && *t && !all_types {
                format!("type {n}")
            } else {
                n.clone()
            }
        })
        .collect();
    let kw = if all_types { "import type" } else { "import" };
    let semi = if semicolons { ";" } else { "" };
    format!(
        "{kw} {{ {} }} from {quote}{spec}{quote}{semi}",
        list.join(", ")
    )
}

/// The item's text with its relative specifiers (re-exports, `import()`, `require()`) rebased.
fn rebase_in_item(
    src: &str,
    module: &Module,
    item: &Item,
    source_dir: &str,
    target_dir: &str,
) -> String {
    let r = with_comments_above(src, item.range.clone());
    let edits: Vec<Edit> = crate::transform::rebase_edits(module, src, source_dir, target_dir)
        .into_iter()
        .filter(|e| e.range.start >= item.range.start && e.range.end <= item.range.end)
        .collect();
    let mut out = String::new();
    let mut at = r.start;
    for e in edits {
        out.push_str(&src[at..e.range.start]);
        out.push_str(&e.text);
        at = e.range.end;
    }
    out.push_str(&src[at..item.range.end]);
    out
}

/// `r` widened to the comment lines right above it (they describe it and move with it).
fn with_comments_above(src: &str, r: Range<usize>) -> Range<usize> {
    if !crate::text::starts_line(src, r.start) {
        return r;
    }
    let mut start = crate::text::line_start(src, r.start);
    let mut in_block = false;
    while start > 0 {
        let prev_start = crate::text::line_start(src, start - 1);
        let prev = src[prev_start..start].trim();
        if in_block {
            start = prev_start;
            if prev.starts_with("/*") {
                in_block = false;
            }
            continue;
        }
        if prev.starts_with("//") || (prev.starts_with("/*") && prev.ends_with("*/")) {
            start = prev_start;
        } else if prev.ends_with("*/") {
            in_block = true;
            start = prev_start;
        } else {
            break;
        }
    }
    start..r.end
}

/// Applies non-overlapping edits; `None` if two overlap.
fn apply_edits(src: &str, mut edits: Vec<Edit>) -> Option<String> {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(src.len());
    let mut at = 0;
    for e in &edits {
        if e.range.start < at {
            return None;
        }
        out.push_str(&src[at..e.range.start]);
        out.push_str(&e.text);
        at = e.range.end;
    }
    out.push_str(&src[at..]);
    Some(out)
}

fn import_decl_at<'m>(module: &'m Module, r: &Range<usize>) -> Option<&'m ImportDecl> {
    module.body.iter().find_map(|it| match it {
        ModuleItem::ModuleDecl(ModuleDecl::Import(i)) if range(i.span) == *r => Some(i),
        _ => None,
    })
}

fn it_span(it: &ModuleItem) -> swc_common::Span {
    use swc_common::Spanned;
    it.span()
}

fn spec_local(s: &ImportSpecifier) -> &str {
    match s {
        ImportSpecifier::Named(n) => &n.local.sym,
        ImportSpecifier::Default(d) => &d.local.sym,
        ImportSpecifier::Namespace(n) => &n.local.sym,
    }
}

fn spec_span(s: &ImportSpecifier) -> swc_common::Span {
    match s {
        ImportSpecifier::Named(n) => n.span,
        ImportSpecifier::Default(d) => d.span,
        ImportSpecifier::Namespace(n) => n.span,
    }
}

fn name_of(n: &ModuleExportName) -> String {
    match n {
        ModuleExportName::Ident(i) => i.sym.to_string(),
        ModuleExportName::Str(s) => s.value.to_string_lossy().into_owned(),
    }
}

/// The names a declaration binds, and whether each is only a type.
fn decl_names(d: &Decl) -> Vec<(String, bool)> {
    match d {
        Decl::Fn(f) => vec![(f.ident.sym.to_string(), false)],
        Decl::Class(c) => vec![(c.ident.sym.to_string(), false)],
        Decl::Var(v) => {
            let mut b = Bindings::default();
            for d in &v.decls {
                d.name.visit_with(&mut b);
            }
            b.0.into_iter().map(|n| (n, false)).collect()
        }
        Decl::TsEnum(e) => vec![(e.id.sym.to_string(), false)],
        Decl::TsInterface(i) => vec![(i.id.sym.to_string(), true)],
        Decl::TsTypeAlias(t) => vec![(t.id.sym.to_string(), true)],
        Decl::TsModule(m) => match &m.id {
            TsModuleName::Ident(i) => vec![(i.sym.to_string(), m.declare)],
            TsModuleName::Str(_) => Vec::new(),
        },
        Decl::Using(_) => Vec::new(),
    }
}

/// Every identifier mentioned (property names are not identifiers in swc's AST).
#[derive(Default)]
struct Refs(HashSet<String>);

impl Visit for Refs {
    fn visit_ident(&mut self, i: &Ident) {
        self.0.insert(i.sym.to_string());
    }
}

/// The names a binding pattern binds.
#[derive(Default)]
struct Bindings(Vec<String>);

impl Visit for Bindings {
    fn visit_binding_ident(&mut self, b: &BindingIdent) {
        self.0.push(b.id.sym.to_string());
    }
    fn visit_expr(&mut self, _: &Expr) {}
}

fn dir_of(p: &str) -> &str {
    p.rsplit_once('/').map_or("", |(d, _)| d)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn split_path(p: &str) -> Vec<&str> {
    p.split('/').filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str, move_types: bool) -> Result<Option<Split>, Refusal> {
        let module = crate::parse::parse_module(src, Lang::Ts).expect("parses");
        split(
            src,
            &module,
            Lang::Ts,
            "pages/api/auth/[...nextauth].ts",
            "app/(api)/api/auth/[...nextauth]/route.ts",
            move_types,
        )
    }

    #[test]
    fn auth_options_move_beside_the_route_and_the_route_imports_them_back() {
        let src = "import NextAuth from 'next-auth'\nimport GitHub from 'next-auth/providers/github'\nimport { db } from '../../../lib/db'\n\n// Shared with getServerSession callers.\nexport const authOptions = { providers: [GitHub({})], adapter: db }\n\nexport default NextAuth(authOptions)\n";
        let s = run(src, false).expect("splits").expect("something moves");
        assert_eq!(
            s.module_path,
            "app/(api)/api/auth/[...nextauth]/auth-options.ts"
        );
        assert_eq!(s.module_text, "import GitHub from 'next-auth/providers/github'\nimport { db } from '../../../../../lib/db'\n\n// Shared with getServerSession callers.\nexport const authOptions = { providers: [GitHub({})], adapter: db }\n");
        assert_eq!(s.route_src, "import NextAuth from 'next-auth'\nimport { authOptions } from '../../../app/(api)/api/auth/[...nextauth]/auth-options'\n\nexport default NextAuth(authOptions)\n");
        assert_eq!(s.exports, ["authOptions"]);
    }

    #[test]
    fn a_local_both_sides_use_moves_and_is_exported() {
        let src = "const LIMIT = 10\nexport function page(n: number) { return n * LIMIT }\nexport type Item = { id: string }\nexport default function handler(req, res) { res.json({ limit: LIMIT, p: page(1) }) }\n";
        let s = run(src, false).expect("splits").expect("moves");
        // One value export (`page`): the module is named after it. The type stays in route.ts
        // (route.ts may export types) since no other module imports it.
        assert_eq!(
            s.module_path,
            "app/(api)/api/auth/[...nextauth]/page.ts".replace("/page.ts", "/shared.ts")
        );
        assert_eq!(
            s.module_text,
            "export const LIMIT = 10\nexport function page(n: number) { return n * LIMIT }\n"
        );
        assert_eq!(s.route_src, "import { LIMIT, page } from '../../../app/(api)/api/auth/[...nextauth]/shared'\n\nexport type Item = { id: string }\nexport default function handler(req, res) { res.json({ limit: LIMIT, p: page(1) }) }\n");
        assert_eq!(s.exports, ["LIMIT", "page"]);
    }

    #[test]
    fn types_move_only_when_asked_and_come_back_as_types() {
        let src = "export type Item = { id: string }\nexport default function handler(req, res: { json(x: Item): void }) { res.json({ id: '1' }) }\n";
        assert!(run(src, false).expect("ok").is_none());
        let s = run(src, true).expect("splits").expect("moves");
        assert!(s.module_path.ends_with("/types.ts"), "{}", s.module_path);
        assert!(
            s.route_src.starts_with("import type { Item } from '"),
            "{}",
            s.route_src
        );
    }

    #[test]
    fn refuses_what_would_change_behaviour() {
        let e = run("export const opts = { a: 1 }\nopts.a = 2\nexport default function h(req, res) { res.json(opts) }\n", false).expect_err("refused");
        assert!(e.reason.contains("when the route module loads"), "{e:?}");
        let e = run("export let count = 0\nexport default function h(req, res) { count++; res.json({ count }) }\n", false).expect_err("refused");
        assert!(e.reason.contains("cannot be assigned"), "{e:?}");
    }

    #[test]
    fn kebab_case_names() {
        assert_eq!(kebab("authOptions"), "auth-options");
        assert_eq!(kebab("GITHUB_ID"), "github-id");
        assert_eq!(kebab("getUser2"), "get-user2");
    }
}
