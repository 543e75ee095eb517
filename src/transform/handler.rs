//! Finding the handler: the default export, in any of the shapes real code uses, and the
//! module items around it (config, other exports) that decide whether a file can be migrated.

use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::*;

use super::ast_util::{export_name, unwrap_expr};
use crate::diagnostics::{Code, Diagnostic};
use crate::parse::range;

/// The body of the handler function.
pub enum HandlerBody<'a> {
    Block(&'a FunctionBody),
    Expr(&'a Expr),
}

/// The located handler function.
pub struct Handler<'a> {
    pub params: Vec<&'a Pat>,
    pub body: HandlerBody<'a>,
    pub is_async: bool,
    /// The function's own name, or the name of the variable holding it.
    pub name: Option<String>,
    /// The source range the generated exports replace (the declaration holding the handler).
    pub replace: Range<usize>,
    /// Other module items to delete (e.g. a separate `export default handler;`).
    pub removals: Vec<Range<usize>>,
    /// Offset used to report handler-level diagnostics.
    pub offset: usize,
    /// The calls wrapping it (`export default withAuth(handler)`), outermost first.
    pub wrappers: Vec<WrapCall>,
}

/// A call of a wrapper around the handler: `withProject(handler, { role: 'admin' })`.
pub struct WrapCall {
    /// The wrapper's name: an identifier, or `Ns.name` of a namespace import.
    pub callee: String,
    pub callee_offset: usize,
    /// Ranges of the call's arguments.
    pub args: Vec<Range<usize>>,
    /// Which of them is the handler (or the next wrapper's call).
    pub handler_arg: usize,
}

/// `export const config = ...`.
pub struct ConfigExport<'a> {
    pub item_range: Range<usize>,
    pub value: &'a Expr,
}

pub struct ModuleShape<'a> {
    pub handler: Handler<'a>,
    pub config: Option<ConfigExport<'a>>,
}

/// Finds the handler and config; returns the diagnostics that make the file manual otherwise.
pub fn locate<'a>(module: &'a Module, src: &str) -> Result<ModuleShape<'a>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut handler = None;
    let mut config = None;
    let at = |code, msg: String, span: swc_common::Span| {
        Diagnostic::at(code, msg, src, range(span).start)
    };

    for item in &module.body {
        let ModuleItem::ModuleDecl(decl) = item else {
            continue;
        };
        match decl {
            ModuleDecl::ExportDefaultDecl(d) => match &d.decl {
                DefaultDecl::Fn(f) => match from_function(&f.function, f.ident.as_ref().map(|i| i.sym.to_string()), range(d.span), range(d.span).start) {
                    Some(h) => handler = Some(h),
                    None => diags.push(at(Code::UnsupportedHandlerShape, "the handler has no body".into(), d.span)),
                },
                _ => diags.push(at(Code::UnsupportedHandlerShape, "the default export is not a function".into(), d.span)),
            },
            ModuleDecl::ExportDefaultExpr(e) => match default_expr(module, &e.expr, range(e.span), src) {
                Ok(h) => handler = Some(h),
                Err(d) => diags.push(d),
            },
            ModuleDecl::ExportNamed(n) => {
                let exports_default = n.specifiers.iter().any(|s| match s {
                    ExportSpecifier::Named(ns) => export_name(ns.exported.as_ref().unwrap_or(&ns.orig)) == "default",
                    ExportSpecifier::Default(_) => true,
                    ExportSpecifier::Namespace(_) => false,
                });
                if n.src.is_some() {
                    if exports_default {
                        diags.push(at(Code::ReexportedHandler, "the handler is re-exported from another module (`export { default } from ...`); migrate that module instead".into(), n.span));
                    } else if !n.type_only {
                        diags.push(at(Code::NonRouteExport, "re-exports values from another module; route.ts may export only HTTP methods and segment config".into(), n.span));
                    }
                    continue;
                }
                for s in &n.specifiers {
                    let ExportSpecifier::Named(ns) = s else { continue };
                    let exported = export_name(ns.exported.as_ref().unwrap_or(&ns.orig));
                    let local = export_name(&ns.orig);
                    if exported == "default" {
                        match binding_handler(module, &local, range(n.span), src, true) {
                            Ok(h) => handler = Some(h),
                            Err(d) => diags.push(d),
                        }
                    } else if !(n.type_only || ns.is_type_only || is_type_declared(module, &local)) {
                        diags.push(at(Code::NonRouteExport, format!("exports `{exported}`; route.ts may export only HTTP methods and segment config: move it to a module beside the route"), n.span));
                    }
                }
            }
            ModuleDecl::ExportDecl(ed) => match &ed.decl {
                Decl::Var(v) if v.decls.len() == 1 && decl_name(&v.decls[0]) == Some("config") => {
                    match &v.decls[0].init {
                        Some(init) => config = Some(ConfigExport { item_range: range(ed.span), value: init }),
                        None => diags.push(at(Code::UnsupportedConfig, "`config` has no value".into(), ed.span)),
                    }
                }
                Decl::TsInterface(_) | Decl::TsTypeAlias(_) => {}
                Decl::TsModule(m) if m.declare => {}
                other => {
                    let name = match other {
                        Decl::Fn(f) => f.ident.sym.to_string(),
                        Decl::Class(c) => c.ident.sym.to_string(),
                        Decl::Var(v) => v.decls.iter().filter_map(decl_name).collect::<Vec<_>>().join(", "),
                        Decl::TsEnum(e) => e.id.sym.to_string(),
                        _ => "a value".into(),
                    };
                    diags.push(at(Code::NonRouteExport, format!("exports `{name}`; route.ts may export only HTTP methods and segment config: move it to a module beside the route"), ed.span));
                }
            },
            ModuleDecl::ExportAll(a) if !a.type_only => {
                diags.push(at(Code::NonRouteExport, "`export * from` re-exports values; route.ts may export only HTTP methods and segment config".into(), a.span))
            }
            ModuleDecl::TsExportAssignment(a) => {
                diags.push(at(Code::NoDefaultExport, "`export =` is CommonJS; Next needs a default export".into(), a.span))
            }
            _ => {}
        }
    }
    if handler.is_none() && diags.is_empty() {
        diags.push(Diagnostic::new(
            Code::NoDefaultExport,
            "no default export: Next cannot serve this file as an API route (move it out of pages/api if it is a helper)",
        ));
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let handler = handler.ok_or_else(Vec::new)?;
    Ok(ModuleShape { handler, config })
}

fn decl_name(d: &VarDeclarator) -> Option<&str> {
    match &d.name {
        Pat::Ident(b) => Some(b.id.sym.as_ref()),
        _ => None,
    }
}

fn is_type_declared(module: &Module, name: &str) -> bool {
    module.body.iter().any(|item| {
        let decl = match item {
            ModuleItem::Stmt(Stmt::Decl(d)) => d,
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => &e.decl,
            ModuleItem::ModuleDecl(ModuleDecl::Import(i)) => {
                return i.specifiers.iter().any(|s| match s {
                    ImportSpecifier::Named(n) => {
                        n.local.sym == *name && (i.type_only || n.is_type_only)
                    }
                    _ => false,
                })
            }
            _ => return false,
        };
        match decl {
            Decl::TsInterface(i) => i.id.sym == *name,
            Decl::TsTypeAlias(t) => t.id.sym == *name,
            _ => false,
        }
    })
}

fn from_function(
    f: &Function,
    name: Option<String>,
    replace: Range<usize>,
    offset: usize,
) -> Option<Handler<'_>> {
    let body = HandlerBody::Block(f.body.as_ref()?);
    Some(Handler {
        params: f.params.iter().map(|p| &p.pat).collect(),
        body,
        is_async: f.is_async,
        name,
        replace,
        removals: Vec::new(),
        offset,
        wrappers: Vec::new(),
    })
}

fn from_arrow(
    a: &ArrowExpr,
    name: Option<String>,
    replace: Range<usize>,
    offset: usize,
) -> Handler<'_> {
    Handler {
        params: a.params.iter().collect(),
        body: match &*a.body {
            ArrowFunctionBody::FunctionBody(b) => HandlerBody::Block(b),
            ArrowFunctionBody::Expr(e) => HandlerBody::Expr(e),
        },
        is_async: a.is_async,
        name,
        replace,
        removals: Vec::new(),
        offset,
        wrappers: Vec::new(),
    }
}

/// `export default <expr>`.
fn default_expr<'a>(
    module: &'a Module,
    e: &'a Expr,
    item: Range<usize>,
    src: &str,
) -> Result<Handler<'a>, Diagnostic> {
    let offset = item.start;
    match unwrap_expr(e) {
        Expr::Arrow(a) => Ok(from_arrow(a, None, item, offset)),
        Expr::Fn(f) => from_function(
            &f.function,
            f.ident.as_ref().map(|i| i.sym.to_string()),
            item,
            offset,
        )
        .ok_or_else(|| {
            Diagnostic::at(
                Code::UnsupportedHandlerShape,
                "the handler has no body",
                src,
                offset,
            )
        }),
        Expr::Ident(i) => binding_handler(module, i.sym.as_ref(), item, src, true),
        Expr::Call(c) => wrapped(module, c, item, src),
        _ => Err(Diagnostic::at(
            Code::UnsupportedHandlerShape,
            "the default export is not a function the tool can rewrite",
            src,
            offset,
        )),
    }
}

/// `withA(withB(handler), opts)`: the handler inside calls of wrappers named by identifiers
/// (an inline function, or one declared in the module), with the calls; `replace` is the module
/// item the generated exports take the place of. The usual WrappedHandler diagnostic when the
/// handler cannot be found in them (`NextAuth(options)`, `createNextApiHandler({...})`).
fn wrapped<'a>(
    module: &'a Module,
    call: &'a CallExpr,
    replace: Range<usize>,
    src: &str,
) -> Result<Handler<'a>, Diagnostic> {
    let offset = replace.start;
    let not_found = || {
        Diagnostic::at(
            Code::WrappedHandler,
            wrapped_message(call, src),
            src,
            offset,
        )
    };
    let mut chain = Vec::new();
    let mut c = call;
    let handler = loop {
        let Callee::Expr(callee) = &c.callee else {
            return Err(not_found());
        };
        // `withX(...)`, or `Ns.withX(...)` of a namespace import (`Sentry.withSentry`).
        let (callee_name, callee_offset) = match unwrap_expr(callee) {
            Expr::Ident(i) => (i.sym.to_string(), range(i.span).start),
            Expr::Member(MemberExpr {
                obj,
                prop: MemberProp::Ident(prop),
                span,
            }) => match unwrap_expr(obj) {
                Expr::Ident(ns) => (format!("{}.{}", ns.sym, prop.sym), range(*span).start),
                _ => return Err(not_found()),
            },
            _ => return Err(not_found()),
        };
        if c.args.iter().any(|a| a.spread.is_some()) {
            return Err(not_found());
        }
        let arg =
            |pick: &dyn Fn(&Expr) -> bool| c.args.iter().position(|a| pick(unwrap_expr(&a.expr)));
        let local_fn = |e: &Expr| match e {
            Expr::Ident(i) => declares_function(module, i.sym.as_ref()),
            _ => false,
        };
        let Some(k) = arg(&|e| matches!(e, Expr::Arrow(_) | Expr::Fn(_)))
            .or_else(|| arg(&local_fn))
            .or_else(|| arg(&|e| matches!(e, Expr::Call(_))))
        else {
            return Err(not_found());
        };
        chain.push(WrapCall {
            callee: callee_name,
            callee_offset,
            args: c.args.iter().map(|a| range(a.expr.span())).collect(),
            handler_arg: k,
        });
        match unwrap_expr(&c.args[k].expr) {
            Expr::Call(inner) => c = inner,
            Expr::Arrow(a) => break from_arrow(a, None, replace.clone(), offset),
            Expr::Fn(f) => match from_function(
                &f.function,
                f.ident.as_ref().map(|i| i.sym.to_string()),
                replace.clone(),
                offset,
            ) {
                Some(h) => break h,
                None => return Err(not_found()),
            },
            Expr::Ident(i) => {
                break binding_handler(module, i.sym.as_ref(), replace.clone(), src, false)
                    .map_err(|_| not_found())?
            }
            _ => return Err(not_found()),
        }
    };
    Ok(Handler {
        wrappers: chain,
        ..handler
    })
}

/// The module declares `name` as a function (`function name` or `const name = (...) =>`).
fn declares_function(module: &Module, name: &str) -> bool {
    module.body.iter().any(|item| match item {
        ModuleItem::Stmt(Stmt::Decl(Decl::Fn(f))) => f.ident.sym == *name,
        ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) => v.decls.iter().any(|d| {
            decl_name(d) == Some(name)
                && d.init
                    .as_deref()
                    .is_some_and(|e| matches!(unwrap_expr(e), Expr::Arrow(_) | Expr::Fn(_)))
        }),
        _ => false,
    })
}

fn wrapped_message(c: &CallExpr, src: &str) -> String {
    let callee = &src[range(c.callee.span())];
    format!("the handler is wrapped by `{callee}(...)`; port the wrapper to take and return web Request/Response (or call it inside each method), then migrate")
}

/// `export default name` where `name` is a function declared in this module (or, with
/// `wrapped_ok`, a call wrapping one: `const handler = withAuth(async (req, res) => ...)`).
fn binding_handler<'a>(
    module: &'a Module,
    name: &str,
    export_item: Range<usize>,
    src: &str,
    wrapped_ok: bool,
) -> Result<Handler<'a>, Diagnostic> {
    let offset = export_item.start;
    for item in &module.body {
        match item {
            ModuleItem::Stmt(Stmt::Decl(Decl::Fn(f))) if f.ident.sym == *name => {
                // FnDecl has no span of its own; the function's starts at `async`/`function`.
                let fn_range = range(f.function.span);
                let mut h = from_function(
                    &f.function,
                    Some(name.to_string()),
                    fn_range.clone(),
                    fn_range.start,
                )
                .ok_or_else(|| {
                    Diagnostic::at(
                        Code::UnsupportedHandlerShape,
                        "the handler has no body",
                        src,
                        fn_range.start,
                    )
                })?;
                h.removals.push(export_item);
                return Ok(h);
            }
            ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) => {
                for d in &v.decls {
                    if decl_name(d) != Some(name) {
                        continue;
                    }
                    let Some(init) = &d.init else { break };
                    if v.decls.len() != 1 {
                        return Err(Diagnostic::at(Code::UnsupportedHandlerShape, format!("`{name}` is declared together with other variables; split the declaration"), src, range(v.span).start));
                    }
                    let var_range = range(v.span);
                    let mut h = match unwrap_expr(init) {
                        Expr::Arrow(a) => from_arrow(
                            a,
                            Some(name.to_string()),
                            var_range.clone(),
                            var_range.start,
                        ),
                        Expr::Fn(f) => match from_function(
                            &f.function,
                            Some(name.to_string()),
                            var_range.clone(),
                            var_range.start,
                        ) {
                            Some(h) => h,
                            None => {
                                return Err(Diagnostic::at(
                                    Code::UnsupportedHandlerShape,
                                    "the handler has no body",
                                    src,
                                    var_range.start,
                                ))
                            }
                        },
                        Expr::Call(c) if wrapped_ok => Handler {
                            name: Some(name.to_string()),
                            ..wrapped(module, c, var_range.clone(), src)?
                        },
                        Expr::Call(c) => {
                            return Err(Diagnostic::at(
                                Code::WrappedHandler,
                                wrapped_message(c, src),
                                src,
                                range(c.span).start,
                            ))
                        }
                        _ => {
                            return Err(Diagnostic::at(
                                Code::UnsupportedHandlerShape,
                                format!("`{name}` is not a function the tool can rewrite"),
                                src,
                                var_range.start,
                            ))
                        }
                    };
                    h.removals.push(export_item);
                    return Ok(h);
                }
            }
            _ => {}
        }
    }
    Err(Diagnostic::at(
        Code::UnsupportedHandlerShape,
        format!("the default export `{name}` is not a function declared in this file"),
        src,
        offset,
    ))
}
