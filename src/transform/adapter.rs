//! The adapter migration: a route the idiomatic rewrite cannot do keeps its code byte for byte
//! and runs behind the compat module's `adapt`, which hands it a Pages `req` and `res` built on
//! the web Request and turns what it does to `res` into the Response.
//!
//! Only the default export changes: it becomes a local binding (`export default withX(h)` ->
//! `const routeHandler = withX(h)`; `export { default } from './x'` -> an import), and the end of
//! the module gains `const route = pages.adapt(routeHandler, { ...bodyParser, params })`, one
//! export per HTTP method (the handler sees every method, as in Pages) and
//! `export const runtime = 'nodejs'`. `export const config` goes as in the rewrite: its segment
//! options become segment exports and `bodyParser` becomes the adapter's option.

use swc_common::Spanned;
use swc_ecma_ast::*;

use super::names::{IdentTable, Names};
use super::usage::BodyMode;
use super::{config, imports, reparse, Migrated, Mode, RouteInput};
use crate::diagnostics::{Code, Diagnostic};
use crate::edit::{Edit, EditSet, Needs};
use crate::parse::{parse_module, range};
use crate::text::newline_of;

/// Codes of the rewrite that the adapter makes moot: the handler's shape, not the module's.
/// Syntax and read errors, other exports (P2A104), an unreadable config (P2A113), edge routes
/// (P2A114) and reserved characters (P2A115) keep the file manual.
pub fn can_adapt(code: Code) -> bool {
    matches!(
        code,
        Code::WrappedHandler
            | Code::ReexportedHandler
            | Code::ResponseEscapes
            | Code::RequestEscapes
            | Code::ResponseInCallback
            | Code::ResponseNotInTail
            | Code::StreamingResponse
            | Code::UnsupportedResponseMember
            | Code::UnsupportedRequestMember
            | Code::UnsupportedHandlerShape
    )
}

/// The methods an adapted route exports: all of them, since the handler decides.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// How the default export becomes a local binding.
struct DefaultExport {
    /// The edit at the export (empty text = remove the item).
    edit: Edit,
    /// The binding the adapter gets.
    binding: String,
}

/// Migrates the route through the adapter. `reason` is the rewrite's first diagnostic: the
/// warning says why the adapter was needed. Errors keep the file manual.
pub fn migrate(
    input: &RouteInput,
    module: &Module,
    reason: &Diagnostic,
) -> Result<Migrated, Vec<Diagnostic>> {
    let src = input.src;
    let nl = newline_of(src);
    let facts = imports::import_facts(module, src);
    let q = facts.quote.unwrap_or('\'');
    let semi = if facts.semicolons.unwrap_or(false) {
        ";"
    } else {
        ""
    };

    let tracked = reparse::imported_locals(module);
    let mut per_item = vec![0; tracked.len() * module.body.len()];
    let table =
        IdentTable::of_module_counting(module, &["route", "adaptedRoute"], &tracked, &mut per_item);
    let names = Names::choose(&table, None, None);
    let route = ["route", "adaptedRoute"]
        .into_iter()
        .find(|n| table.is_free(n, None) && *n != names.handler && *n != names.pages)
        .unwrap_or("adaptedRoute_")
        .to_string();

    let mut default = None;
    let mut cfg = config::RouteConfig::default();
    let mut config_item = None;
    for item in &module.body {
        let ModuleItem::ModuleDecl(decl) = item else {
            continue;
        };
        match decl {
            ModuleDecl::ExportDefaultDecl(d) => {
                let (ident, body_start) = match &d.decl {
                    DefaultDecl::Fn(f) => (f.ident.as_ref(), range(f.function.span).start),
                    DefaultDecl::Class(c) => (c.ident.as_ref(), range(c.class.span).start),
                    DefaultDecl::TsInterfaceDecl(_) => continue,
                };
                let prefix = range(d.span).start..body_start;
                default = Some(match ident {
                    Some(i) => DefaultExport {
                        edit: replace(prefix, String::new()),
                        binding: i.sym.to_string(),
                    },
                    None => DefaultExport {
                        edit: replace(prefix, format!("const {} = ", names.handler)),
                        binding: names.handler.clone(),
                    },
                });
            }
            ModuleDecl::ExportDefaultExpr(e) => {
                let item = range(e.span);
                default = Some(match &*e.expr {
                    Expr::Ident(i) => DefaultExport {
                        edit: super::removal::removal(src, item),
                        binding: i.sym.to_string(),
                    },
                    expr => DefaultExport {
                        edit: replace(
                            item.start..range(expr.span()).start,
                            format!("const {} = ", names.handler),
                        ),
                        binding: names.handler.clone(),
                    },
                });
            }
            ModuleDecl::ExportNamed(n) => {
                let Some(d) = named_default(n, src, input, &names.handler)? else {
                    continue;
                };
                default = Some(d);
            }
            ModuleDecl::ExportDecl(ed) => {
                if let Decl::Var(v) = &ed.decl {
                    if let [d] = &v.decls[..] {
                        if matches!(&d.name, Pat::Ident(b) if b.id.sym == "config") {
                            if let Some(init) = &d.init {
                                cfg = config::read_config(init, src).map_err(|d| vec![d])?;
                                config_item = Some(range(ed.span));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let Some(default) = default else {
        return Err(Vec::new());
    };

    let mut edits = EditSet::new();
    let from_dir = super::dir_of(input.source);
    let to_dir = super::dir_of(input.target);
    for e in imports::rebase_edits(module, src, from_dir, to_dir) {
        edits.add(e);
    }
    add(&mut edits, default.edit, src)?;
    if let Some(item) = config_item {
        let edit = config::segment_exports_edit(src, item, &cfg, semi, nl);
        add(&mut edits, edit, src)?;
    }
    let (at, text) = imports::insert_imports(
        &facts,
        src,
        &[imports::compat_import_stmt(&names.pages, input.compat_spec)],
        nl,
    );
    add(&mut edits, replace(at, text), src)?;

    // The adapter's options: bodyParser as the config said, and the params Pages drops from req.url.
    let mut options = Vec::new();
    match &cfg.body_mode {
        BodyMode::Raw => options.push("bodyParser: false".to_string()),
        BodyMode::Parsed {
            size_limit: Some(limit),
        } => options.push(format!("bodyParser: {{ sizeLimit: {limit} }}")),
        BodyMode::Parsed { size_limit: None } => {}
    }
    if !input.params.is_empty() {
        let list: Vec<String> = input
            .params
            .iter()
            .map(|p| format!("{q}{}{q}", p.name))
            .collect();
        options.push(format!("params: [{}]", list.join(", ")));
    }
    let options = if options.is_empty() {
        String::new()
    } else {
        format!(", {{ {} }}", options.join(", "))
    };
    let exports: Vec<String> = METHODS.iter().map(|m| format!("{route} as {m}")).collect();
    let mut tail = vec![
        format!(
            "const {route} = {}.adapt({}{options}){semi}",
            names.pages, default.binding
        ),
        format!("export {{ {} }}{semi}", exports.join(", ")),
    ];
    if !cfg.segment_exports.iter().any(|(n, _)| n == "runtime") {
        tail.push(format!("export const runtime = {q}nodejs{q}{semi}"));
    }
    let ends_with_newline = src.ends_with('\n');
    let text = format!(
        "{}{nl}{}{}",
        if ends_with_newline { "" } else { nl },
        tail.join(nl),
        if ends_with_newline { nl } else { "" }
    );
    let tail = text;

    // The tail goes after the whole rendered module (an insertion at the very end of the source
    // is outside every range the edit set renders).
    let mut needs = Needs::default();
    let (mut text, copied) = edits.render_mapped(src, &mut needs);
    text.push_str(&tail);
    parse_module(&text, input.lang).map_err(|e| {
        super::internal(
            src,
            reason_offset(src, reason),
            &format!(
                "the code migrated through the adapter does not parse ({})",
                e.message
            ),
        )
    })?;

    let mut diagnostics = cfg.notes.clone();
    let mut warning = Diagnostic::new(
        Code::AdapterRoute,
        format!(
            "runs unchanged through the Pages req/res adapter (pages.adapt): the rewrite stopped at {}:{} with {}: {}",
            reason.line,
            reason.column,
            reason.code.id(),
            reason.message
        ),
    );
    warning.line = reason.line;
    warning.column = reason.column;
    diagnostics.push(warning);
    if let Some(at) = src.find(".revalidate(") {
        diagnostics.push(Diagnostic::at(
            Code::RevalidateIsLazy,
            "`res.revalidate(path)` becomes `revalidatePath(path)`: Pages regenerated the page before it resolved, the App Router marks it and regenerates it on the next visit",
            src,
            at + 1,
        ));
    }
    diagnostics.push(Diagnostic::at(
        Code::NonStandardMethods,
        super::NON_STANDARD_METHODS_MESSAGE,
        src,
        reason_offset(src, reason),
    ));
    Ok(Migrated {
        text,
        copied,
        methods: METHODS.to_vec(),
        helpers: Needs::HELPER_ADAPT,
        diagnostics,
        has_jsx: input.lang == crate::route_path::Lang::Tsx && super::contains_jsx(module),
        mode: Mode::Adapter,
        twins: Vec::new(),
    })
}

/// Where the module calls `x.setPreviewData(...)` (Pages' preview mode with data), which the App
/// Router cannot do: through the adapter the call would throw where Pages set the preview
/// cookies, so such a route is not adapted.
pub fn preview_data_call(module: &Module) -> Option<usize> {
    struct Finder(Option<usize>);
    impl swc_ecma_visit::Visit for Finder {
        fn visit_call_expr(&mut self, c: &CallExpr) {
            if self.0.is_none() {
                if let Callee::Expr(e) = &c.callee {
                    if let Expr::Member(m) = &**e {
                        if matches!(&m.prop, MemberProp::Ident(p) if &*p.sym == "setPreviewData") {
                            self.0 = Some(range(m.prop.span()).start);
                        }
                    }
                }
            }
            swc_ecma_visit::VisitWith::visit_children_with(c, self);
        }
    }
    let mut f = Finder(None);
    swc_ecma_visit::VisitWith::visit_with(module, &mut f);
    f.0
}

/// `export { default } from './x'`, `export { h as default } from './x'` and `export { h as default }`.
/// `Ok(None)` when the item exports no default.
fn named_default(
    n: &NamedExport,
    src: &str,
    input: &RouteInput,
    handler: &str,
) -> Result<Option<DefaultExport>, Vec<Diagnostic>> {
    let name = |e: &ModuleExportName| match e {
        ModuleExportName::Ident(i) => i.sym.to_string(),
        ModuleExportName::Str(s) => s.value.to_atom_lossy().to_string(),
    };
    let mut found = None;
    for s in &n.specifiers {
        if let ExportSpecifier::Named(ns) = s {
            if name(ns.exported.as_ref().unwrap_or(&ns.orig)) == "default" {
                found = Some(name(&ns.orig));
            }
        }
    }
    let Some(orig) = found else {
        return Ok(None);
    };
    // Other specifiers beside the default: a shape this migration does not reprint.
    if n.specifiers.len() != 1 || n.type_only {
        return Err(Vec::new());
    }
    let item = range(n.span);
    match &n.src {
        None => Ok(Some(DefaultExport {
            edit: super::removal::removal(src, item),
            binding: orig,
        })),
        Some(from) => {
            // A re-export of another route: that route is migrated too, and no longer has a
            // default export to import.
            let spec = from.value.to_atom_lossy().to_string();
            if reexports_a_route(input.source, &spec) {
                return Err(Vec::new());
            }
            let import = if orig == "default" {
                format!("import {handler} from ")
            } else {
                format!("import {{ {orig} as {handler} }} from ")
            };
            Ok(Some(DefaultExport {
                edit: replace(item.start..range(from.span).start, import),
                binding: handler.to_string(),
            }))
        }
    }
}

/// Whether the relative specifier `spec`, seen from the route at `source`, points into the same
/// `pages/api` tree (at another route).
fn reexports_a_route(source: &str, spec: &str) -> bool {
    if !spec.starts_with('.') {
        return false;
    }
    let Some(api_at) = source.find("pages/api/") else {
        return false;
    };
    let api_root = &source[..api_at + "pages/api".len()];
    let mut parts: Vec<&str> = super::dir_of(source).split('/').collect();
    for seg in spec.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    joined == api_root || joined.starts_with(&format!("{api_root}/"))
}

fn replace(range: std::ops::Range<usize>, text: String) -> Edit {
    Edit {
        range,
        text,
        needs: Needs::default(),
    }
}

fn add(edits: &mut EditSet, e: Edit, src: &str) -> Result<(), Vec<Diagnostic>> {
    let at = e.range.start;
    if edits.add(e) {
        Ok(())
    } else {
        Err(super::internal(
            src,
            at.min(src.len()),
            "overlapping edits in the adapter migration",
        ))
    }
}

/// The byte offset of the reason's position (for diagnostics that need one).
fn reason_offset(src: &str, reason: &Diagnostic) -> usize {
    if reason.line == 0 {
        return 0;
    }
    let mut offset = 0;
    for (i, line) in src.split_inclusive('\n').enumerate() {
        if i + 1 == reason.line {
            return offset + line.len().min(reason.column.saturating_sub(1));
        }
        offset += line.len();
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reexport_of_another_route_is_seen() {
        assert!(reexports_a_route("pages/api/a.ts", "./b"));
        assert!(reexports_a_route("src/pages/api/x/a.ts", "../b/c"));
        assert!(!reexports_a_route("pages/api/a.ts", "../../lib/h"));
        assert!(!reexports_a_route("pages/api/a.ts", "lib"));
    }
}
