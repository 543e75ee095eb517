//! Wrappers of the app: the App Router versions of `withX(handler, ...)` functions defined in the
//! app's own modules (`export default withAuth(handler)`, `withProject(async (req, res, project)
//! => ...)`).
//!
//! A wrapper is twinned when its shape is the plain one: it returns a function of `(req, res)`
//! whose body answers through `res` (checks that turn a request away) and otherwise calls the
//! handler it was given with that `req` and `res`, and maybe more arguments
//! (`return handler(req, res, project)`). Its twin returns a function of `(request, context)`,
//! as Next calls a Route Handler, whose checks return their Response and whose handler call
//! becomes `return handler(request, context, project)`; the route exports each method wrapped
//! (`export const GET = withProject(async (request, context, project) => ...)`).
//!
//! Headers the wrapper sets before it calls the handler (`res.setHeader(...)`, the session
//! cookie `getServerSession(req, res, options)` refreshes) reach the handler's Response where it
//! left them unset: `return pages.withHeaders(handler(request, context), headers)`.
//!
//! Fields it puts on `req` right before it calls the handler (`(req as SessionRequest).user =
//! user; return handler(req as SessionRequest, res)`) go to the handler as one more argument,
//! `return handler(request, context, { user })`, typed from the `req` type the handler takes; the
//! route's functions destructure what they read (`withSession(async (request, _context, { user
//! }) => ...)`, `req.user` → `user`).
//!
//! A wrapper declared in the route's own file is analysed the same way ([`analyse_local`]); the
//! route replaces its declaration with the twin.
//!
//! Declined, with the reason: a wrapper that reads the request body or `req.url` (they depend
//! on the route's body config and params), sets a status before calling the handler (its
//! Response has its own), uses its handler other than by calling it, or whose handler
//! parameter has a type pages2app cannot rewrite.

use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::ast_util::unwrap_expr;
use super::delegates::Delegate;
use super::{emit, usage, UsageBase};
use crate::edit::{Edit, EditSet, Needs};
use crate::parse::range;
use crate::route_path::Lang;

/// How a twinned wrapper takes its handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrapperShape {
    /// Position of the handler among the wrapper's parameters.
    pub handler_pos: usize,
    /// The arguments it passes the handler after `req` and `res` (`project`).
    pub extras: usize,
    /// Its twin types the handler's parameters (so a route's wrapped function needs no
    /// annotations of its own).
    pub typed: bool,
    /// The fields it puts on `req` before it calls the handler (`req.user = user`), which its
    /// twin passes the handler as one more argument (`handler(request, context, { user })`).
    pub decorates: Vec<String>,
}

/// A wrapper's twin.
pub struct WrapperTwin {
    pub param_count: usize,
    pub required: usize,
    pub shape: WrapperShape,
    /// The twin's declaration, `export` not included.
    pub text: String,
    /// The twin of the local type alias of its handler (with its comments), or empty.
    pub alias: String,
    pub needs: Needs,
}

/// An exported function of the module shaped like a wrapper, before its body is analysed.
struct Candidate<'a> {
    name: String,
    range: Range<usize>,
    params: Vec<&'a Pat>,
    /// The wrapper's return type annotation (`: NextApiHandler`), dropped in the twin.
    return_type: Option<Range<usize>>,
    inner: Inner<'a>,
}

/// The function a wrapper returns.
struct Inner<'a> {
    params: Vec<&'a Pat>,
    /// From the first parameter's start to the last one's end.
    params_range: Range<usize>,
    body: Result<&'a [Stmt], &'a Expr>,
    block_range: Option<Range<usize>>,
    is_async: bool,
    /// Where `async ` goes when the twin needs it.
    start: usize,
    return_type: Option<Range<usize>>,
}

fn inner_of(e: &Expr) -> Option<Inner<'_>> {
    match unwrap_expr(e) {
        Expr::Arrow(a) if !a.is_generator => {
            let (body, block_range) = match &*a.body {
                ArrowFunctionBody::FunctionBody(b) => (Ok(b.stmts.as_slice()), Some(range(b.span))),
                ArrowFunctionBody::Expr(e) => (Err(&**e), None),
            };
            Some(Inner {
                params_range: params_range(a.params.iter().map(|p| range(p.span())))?,
                params: a.params.iter().collect(),
                body,
                block_range,
                is_async: a.is_async,
                start: range(a.span).start,
                return_type: a.return_type.as_ref().map(|t| range(t.span)),
            })
        }
        Expr::Fn(f) if !f.function.is_generator => {
            let b = f.function.body.as_ref()?;
            Some(Inner {
                params_range: params_range(f.function.params.iter().map(|p| range(p.span)))?,
                params: f.function.params.iter().map(|p| &p.pat).collect(),
                body: Ok(b.stmts.as_slice()),
                block_range: Some(range(b.span)),
                is_async: f.function.is_async,
                start: range(f.function.span).start,
                return_type: f.function.return_type.as_ref().map(|t| range(t.span)),
            })
        }
        _ => None,
    }
}

fn params_range(mut ranges: impl Iterator<Item = Range<usize>>) -> Option<Range<usize>> {
    let first = ranges.next()?;
    let last = ranges.last().unwrap_or_else(|| first.clone());
    Some(first.start..last.end)
}

/// The function a body ending in `return <function>` returns.
fn returned(stmts: &[Stmt]) -> Option<Inner<'_>> {
    match stmts.last()? {
        Stmt::Return(ReturnStmt { arg: Some(e), .. }) => inner_of(e),
        _ => None,
    }
}

/// The module's exported functions that return a function (a wrapper's shape), or with
/// `exported` false its functions declared without `export` (a wrapper in a route's own file).
fn candidates(module: &Module, exported: bool) -> Vec<Candidate<'_>> {
    let mut out = Vec::new();
    for item in &module.body {
        let decl = match item {
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) if exported => &e.decl,
            ModuleItem::Stmt(Stmt::Decl(d)) if !exported => d,
            _ => continue,
        };
        let found = match decl {
            Decl::Fn(f) if !f.function.is_generator && !f.function.is_async => {
                f.function.body.as_ref().and_then(|b| {
                    Some(Candidate {
                        name: f.ident.sym.to_string(),
                        range: range(f.function.span),
                        params: f.function.params.iter().map(|p| &p.pat).collect(),
                        return_type: f.function.return_type.as_ref().map(|t| range(t.span)),
                        inner: returned(&b.stmts)?,
                    })
                })
            }
            Decl::Var(v) if v.kind == VarDeclKind::Const && v.decls.len() == 1 => {
                let d = &v.decls[0];
                match (&d.name, d.init.as_deref().map(unwrap_expr)) {
                    (Pat::Ident(b), Some(Expr::Arrow(a)))
                        if !a.is_generator && !a.is_async && b.type_ann.is_none() =>
                    {
                        let inner = match &*a.body {
                            ArrowFunctionBody::FunctionBody(fb) => returned(&fb.stmts),
                            ArrowFunctionBody::Expr(e) => inner_of(e),
                        };
                        inner.map(|inner| Candidate {
                            name: b.id.sym.to_string(),
                            range: range(v.span),
                            params: a.params.iter().collect(),
                            return_type: a.return_type.as_ref().map(|t| range(t.span)),
                            inner,
                        })
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        out.extend(found);
    }
    out
}

/// The number of arguments of each call of `name` in `body`, and how often `name` appears.
fn handler_calls(body: Result<&[Stmt], &Expr>, name: &str) -> (Vec<usize>, usize) {
    struct V<'n> {
        name: &'n str,
        calls: Vec<usize>,
        refs: usize,
    }
    impl Visit for V<'_> {
        fn visit_call_expr(&mut self, c: &CallExpr) {
            if let Callee::Expr(e) = &c.callee {
                if matches!(&**e, Expr::Ident(i) if i.sym == *self.name) {
                    self.calls.push(c.args.len());
                }
            }
            c.visit_children_with(self);
        }
        fn visit_ident(&mut self, i: &Ident) {
            if i.sym == *self.name {
                self.refs += 1;
            }
        }
    }
    let mut v = V {
        name,
        calls: Vec::new(),
        refs: 0,
    };
    match body {
        Ok(stmts) => stmts.iter().for_each(|s| s.visit_with(&mut v)),
        Err(e) => e.visit_with(&mut v),
    }
    (v.calls, v.refs)
}

fn ident_of(p: &Pat) -> Option<&BindingIdent> {
    match p {
        Pat::Ident(b) => Some(b),
        Pat::Assign(a) => match &*a.left {
            Pat::Ident(b) => Some(b),
            _ => None,
        },
        _ => None,
    }
}

/// Where the wrapper's `req` and `res` are among the returned function's parameters.
fn req_res(params: &[&Pat]) -> Option<(String, String)> {
    if params.len() != 2 {
        return None;
    }
    let name = |p: &Pat| match p {
        Pat::Ident(b) => Some(b.id.sym.to_string()),
        _ => None,
    };
    Some((name(params[0])?, name(params[1])?))
}

/// The handler type of the twin, from Next's: `(request: Request, context: C, ...) => ...`.
fn handler_fn_type(context_type: &str, request: &str, context: &str, extras: &[String]) -> String {
    let mut params = vec![
        format!("{request}: Request"),
        format!("{context}: {context_type}"),
    ];
    params.extend(extras.iter().cloned());
    format!("({}) => Response | Promise<Response>", params.join(", "))
}

/// What the twin does with the handler parameter's type.
enum HandlerType {
    /// No annotation (JavaScript, or untyped TypeScript).
    Untyped,
    /// The annotation at `range` becomes `text`.
    Replace { range: Range<usize>, text: String },
    /// The handler is typed by a local type alias: its twin (declaration text) goes before
    /// the wrapper's.
    Alias { text: String },
}

/// The twin's handler type; `Err` with why it cannot be written. `extras`: the arguments the
/// wrapper passes after `req` and `res`, and the name and fields of the one its twin passes
/// for the fields it put on `req`.
fn handler_type(
    module: &Module,
    src: &str,
    param: &Pat,
    (extras, decorated): (usize, Option<(String, &[String])>),
    context_type: &str,
    names: &super::names::Names,
) -> Result<HandlerType, String> {
    let Some(b) = ident_of(param) else {
        return Err("its handler parameter is destructured".into());
    };
    let Some(ann) = &b.type_ann else {
        return Ok(HandlerType::Untyped);
    };
    let ann_range = range(ann.type_ann.span());
    let rewrite_fn = |f: &TsFnType| -> Result<String, String> {
        if f.type_params.is_some() || f.params.len() < 2 + extras {
            return Err(format!(
                "its handler parameter is typed `{}`, which pages2app cannot rewrite for Request and Response",
                &src[range(f.span)]
            ));
        }
        let mut extra: Vec<String> = f.params[2..]
            .iter()
            .map(|p| src[range(p.span())].to_string())
            .collect();
        if let Some((name, fields)) = &decorated {
            extra.push(format!(
                "{name}: {}",
                decorated_type(module, src, &f.params[0], fields)?
            ));
        }
        Ok(handler_fn_type(
            context_type,
            &names.request,
            &names.context,
            &extra,
        ))
    };
    match &*ann.type_ann {
        TsType::TsFnOrConstructorType(TsFnOrConstructorType::TsFnType(f)) => {
            Ok(HandlerType::Replace {
                range: ann_range,
                text: rewrite_fn(f)?,
            })
        }
        TsType::TsTypeRef(r) => {
            let TsEntityName::Ident(id) = &r.type_name else {
                return Err(format!(
                    "its handler parameter is typed `{}`, which pages2app cannot rewrite for Request and Response",
                    &src[ann_range]
                ));
            };
            if id.sym == "NextApiHandler" {
                if let Some((_, fields)) = decorated {
                    return Err(format!("its handler parameter is typed `NextApiHandler`, whose `req` has no `{}`", fields[0]));
                }
                if extras > 0 {
                    return Err("its handler parameter is typed `NextApiHandler`, but it passes the handler more than `req` and `res`".into());
                }
                return Ok(HandlerType::Replace {
                    range: ann_range,
                    text: handler_fn_type(context_type, &names.request, &names.context, &[]),
                });
            }
            for item in &module.body {
                let (alias, item_range) = match item {
                    ModuleItem::Stmt(Stmt::Decl(Decl::TsTypeAlias(a))) => (a, range(a.span)),
                    ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(ExportDecl {
                        decl: Decl::TsTypeAlias(a),
                        span,
                    })) => (a, range(*span)),
                    _ => continue,
                };
                if alias.id.sym != id.sym {
                    continue;
                }
                let TsType::TsFnOrConstructorType(TsFnOrConstructorType::TsFnType(f)) =
                    &*alias.type_ann
                else {
                    break;
                };
                if alias.type_params.is_some() || r.type_params.is_some() {
                    break;
                }
                let ty = rewrite_fn(f)?;
                let fn_range = range(f.span);
                let text = format!(
                    "{}{}{ty}{}",
                    super::twins::leading_comment_lines(src, item_range.start),
                    &src[item_range.start..fn_range.start],
                    &src[fn_range.end..item_range.end]
                );
                return Ok(HandlerType::Alias { text });
            }
            Err(format!(
                "its handler parameter is typed `{}`, which pages2app cannot rewrite for Request and Response",
                &src[ann_range]
            ))
        }
        _ => Err(format!(
            "its handler parameter is typed `{}`, which pages2app cannot rewrite for Request and Response",
            &src[ann_range]
        )),
    }
}

/// Needs a wrapper's twin cannot have: the body and `req.url` depend on the route's body config
/// and params. (next-auth's `getServerSession(req, res, options)` may: the session cookie it
/// refreshes is a header set before the handler, which reaches the handler's Response.)
const NOT_IN_WRAPPER: Needs = Needs(
    Needs::BODY_VAR.0
        | Needs::BODY_VIA_CALL.0
        | Needs::HELPER_BODY.0
        | Needs::HELPER_RAW_BODY.0
        | Needs::HELPER_URL.0
        | Needs::HELPER_ADAPT.0,
);

/// The twins of the module's exported wrappers, or why each gets none: (name, offset of its
/// declaration, the twin or the reason). `delegates`: the module's response helpers that have
/// twins (a wrapper's check may answer through one); `context_type`: the name of the twin
/// module's route-context type.
pub fn analyse(
    module: &Module,
    src: &str,
    lang: Lang,
    base: &UsageBase,
    ctx: &emit::EmitContext,
    delegates: &[Delegate],
    context_type: &str,
) -> Vec<(String, usize, Result<WrapperTwin, String>)> {
    let scope = Scope {
        module,
        src,
        lang,
        base,
        ctx,
        delegates,
        context_type,
    };
    analyse_candidates(&scope, candidates(module, true))
        .into_iter()
        .map(|(name, r, result)| (name, r.start, result))
        .collect()
}

/// The twin of the wrapper `name` declared without `export` in the route's own module `module`
/// (`function withLogging(handler) { ... }`): where its declaration is and the twin, or why it
/// gets none; None when the module declares no wrapper of that name.
pub fn analyse_local(
    module: &Module,
    (base, ctx): (&UsageBase, &emit::EmitContext),
    context_type: &str,
    name: &str,
) -> Option<(Range<usize>, Result<WrapperTwin, String>)> {
    let scope = Scope {
        module,
        src: ctx.src,
        lang: ctx.lang,
        base,
        ctx,
        delegates: &[],
        context_type,
    };
    let found: Vec<Candidate> = candidates(module, false)
        .into_iter()
        .filter(|c| c.name == name)
        .collect();
    analyse_candidates(&scope, found)
        .into_iter()
        .next()
        .map(|(_, r, result)| (r, result))
}

/// [`twin`] of each candidate shaped like a wrapper: (name, its declaration, the twin or why not).
fn analyse_candidates(
    scope: &Scope,
    found: Vec<Candidate>,
) -> Vec<(String, Range<usize>, Result<WrapperTwin, String>)> {
    let mut out = Vec::new();
    for c in found {
        let Some((req, res)) = req_res(&c.inner.params) else {
            continue;
        };
        // The handler: the parameter the returned function calls.
        let called: Vec<(usize, String, Vec<usize>, usize)> = c
            .params
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let b = ident_of(p)?;
                let name = b.id.sym.to_string();
                let (calls, refs) = handler_calls(c.inner.body, &name);
                (!calls.is_empty()).then_some((i, name, calls, refs))
            })
            .collect();
        let [(handler_pos, handler, calls, refs)] = called.as_slice() else {
            continue;
        };
        let result = twin(
            scope,
            &c,
            (&req, &res),
            (*handler_pos, handler, calls, *refs),
        );
        out.push((c.name.clone(), c.range.clone(), result));
    }
    out
}

/// The module a wrapper is analysed in, and what its twin is written with.
struct Scope<'s, 'b> {
    module: &'s Module,
    src: &'s str,
    lang: Lang,
    base: &'s UsageBase<'b>,
    ctx: &'s emit::EmitContext<'b>,
    /// The module's response helpers that have twins.
    delegates: &'s [Delegate],
    /// The twin module's name of Next's route-context type.
    context_type: &'s str,
}

fn twin(
    scope: &Scope,
    c: &Candidate,
    (req, res): (&str, &str),
    (handler_pos, handler, calls, refs): (usize, &str, &[usize], usize),
) -> Result<WrapperTwin, String> {
    let Scope {
        module,
        src,
        lang,
        base,
        ctx,
        delegates,
        context_type,
    } = *scope;
    let n = base.names;
    let ts = lang.is_typescript();
    let args = calls[0];
    if args < 2 || calls.iter().any(|a| *a != args) {
        return Err(format!(
            "it calls `{handler}` with other arguments than `({req}, {res}, ...)`"
        ));
    }
    let extras = args - 2;
    let decoration = match c.inner.body {
        Ok(stmts) => decoration(stmts, (req, res), handler, src)?,
        Err(_) => None,
    };
    if decoration.is_some() && extras > 0 {
        return Err(format!(
            "it puts fields on `{req}` and also passes `{handler}` more than `({req}, {res})`"
        ));
    }
    // The handler, as a delegate of the returned function: `return handler(req, res, x)`
    // becomes `return handler(request, context, x)`.
    let mut all: Vec<Delegate> = delegates
        .iter()
        .map(|d| Delegate {
            state_params: Needs::default(),
            ..d.clone()
        })
        .collect();
    // Headers set before the handler (`res.setHeader('Access-Control-Allow-Origin', '*')`)
    // reach its Response where it left them unset, as Pages' `res` carried them; a status set
    // before it cannot be told from the one its Response chose.
    let probe = base.input(Some(req.to_string()), res.to_string(), &all);
    let reaching = c.inner.body.map(reaching_handler);
    let (status, headers) = usage::response_state(&probe, reaching.as_deref().map_err(|e| *e));
    if status {
        return Err("it sets a status before it calls the handler, which the handler's Response would have to carry".into());
    }
    all.push(Delegate {
        name: handler.to_string(),
        param_count: args,
        required: args,
        res_pos: 1,
        req_pos: Some(0),
        needs_context: true,
        range: 0..0,
        text: String::new(),
        needs: Needs::RESPONDS,
        state_params: Needs::default(),
        sets_headers_only: false,
        foreign: None,
        reader: false,
        drops_res: false,
        drops_req: false,
        merges_headers: headers,
        extra_arg: decoration.as_ref().map(|d| d.object.clone()),
        middleware: None,
    });
    let input = base.input(Some(req.to_string()), res.to_string(), &all);
    // The fields it puts on `req` go to the handler call: their statements go.
    let mut removed = EditSet::new();
    let kept: Option<Vec<Stmt>> = match (&decoration, c.inner.body) {
        (Some(d), Ok(stmts)) => {
            for r in &d.stmts {
                removed.add(super::removal::removal(src, r.clone()));
            }
            Some(
                stmts
                    .iter()
                    .filter(|s| !d.stmts.contains(&range(s.span())))
                    .cloned()
                    .collect(),
            )
        }
        _ => None,
    };
    let body = match &kept {
        Some(stmts) => Ok(stmts.as_slice()),
        None => c.inner.body,
    };
    let u = usage::analyse(&input, body, removed);
    if let Some(d) = u
        .diagnostics
        .iter()
        .find(|d| d.severity() == crate::diagnostics::Severity::Error)
    {
        return Err(d.message.clone());
    }
    if u.delegate_calls.get(handler).copied().unwrap_or(0) != refs {
        return Err(format!(
            "it uses `{handler}` other than by returning `{handler}({req}, {res}, ...)`"
        ));
    }
    let mut edits = u.edits;
    let mut needs = Needs::default();
    let body_range = match (&c.inner.body, &c.inner.block_range) {
        (Ok(_), Some(r)) => (r.start + 1)..(r.end - 1).max(r.start + 1),
        (Err(e), _) => range(e.span()),
        _ => return Err("its App Router version cannot be written".into()),
    };
    let body_text = edits.render(src, body_range.clone(), &mut needs);
    if needs.any(NOT_IN_WRAPPER) {
        return Err(if needs.contains(Needs::HELPER_URL) {
            "it reads `req.url`, which depends on the route's params".into()
        } else if needs.contains(Needs::HELPER_ADAPT) {
            "its App Router version would need the Pages req/res adapter".into()
        } else {
            "it reads the request body, which depends on the route's body config".into()
        });
    }
    if needs.contains(Needs::STATUS_VAR) {
        return Err("it sets a status before it answers".into());
    }
    // The query merges the route's params, which the twin gets from Next's context.
    let mut hoisted = Vec::new();
    let semi = if ctx.semicolons { ";" } else { "" };
    if needs.contains(Needs::HEADERS_VAR) {
        hoisted.push(format!("const {} = new Headers(){semi}", n.headers));
    }
    if needs.contains(Needs::QUERY_VAR) {
        hoisted.push(format!(
            "const {} = {}.query({}, await {}.params){semi}",
            n.query, n.pages, n.request, n.context
        ));
        needs |= Needs::HELPER_QUERY | Needs::AWAIT;
    }
    let add = |edits: &mut EditSet, range: Range<usize>, text: String| -> Result<(), String> {
        if edits.add(Edit {
            range,
            text,
            needs: Needs::default(),
        }) {
            Ok(())
        } else {
            Err("its App Router version cannot be written".to_string())
        }
    };
    if !hoisted.is_empty() {
        match &c.inner.body {
            Ok(_) => {
                let indent = body_indent(&body_text);
                let text: String = hoisted.iter().map(|h| format!("\n{indent}{h}")).collect();
                add(&mut edits, body_range.start..body_range.start, text)?;
            }
            Err(_) => {
                let text = format!(
                    "{{\n    {}\n    return {body_text}{semi}\n  }}",
                    hoisted.join("\n    ")
                );
                add(&mut edits, body_range.clone(), text)?;
            }
        }
    }
    let is_async = c.inner.is_async || needs.contains(Needs::AWAIT);
    let params = if ts {
        format!("{}: Request, {}: {context_type}", n.request, n.context)
    } else {
        format!("{}, {}", n.request, n.context)
    };
    add(&mut edits, c.inner.params_range.clone(), params)?;
    if let Some(r) = &c.inner.return_type {
        add(&mut edits, r.clone(), String::new())?;
    }
    if is_async && !c.inner.is_async {
        add(&mut edits, c.inner.start..c.inner.start, "async ".into())?;
    }
    if let Some(r) = &c.return_type {
        add(&mut edits, r.clone(), String::new())?;
    }
    let decorated = decoration.as_ref().map(|d| {
        (
            super::middleware::result_name(&c.name, &d.fields, |_| true),
            d.fields.as_slice(),
        )
    });
    let (alias, typed) = match handler_type(
        module,
        src,
        c.params[handler_pos],
        (extras, decorated),
        context_type,
        n,
    )? {
        HandlerType::Untyped => (String::new(), false),
        HandlerType::Replace { range, text } => {
            add(&mut edits, range, text)?;
            (String::new(), true)
        }
        HandlerType::Alias { text } => (text, true),
    };
    let mut text_needs = Needs::default();
    let text = edits.render(src, c.range.clone(), &mut text_needs);
    let text = crate::edit::finalize_inits(&text, text_needs | needs);
    if crate::edit::first_marker(&text).is_some() {
        return Err("its App Router version cannot be written".into());
    }
    let required = c
        .params
        .iter()
        .take_while(|p| matches!(p, Pat::Ident(_)))
        .count();
    Ok(WrapperTwin {
        param_count: c.params.len(),
        required,
        shape: WrapperShape {
            handler_pos,
            extras,
            typed,
            decorates: decoration.map(|d| d.fields).unwrap_or_default(),
        },
        text,
        alias,
        needs: needs | text_needs,
    })
}

/// The statements of a wrapper's body whose response state can reach its handler: not a check
/// that turns the request away (`if (...) { res.setHeader('Allow', ...); return res.status(405)
/// ... }`, or throws), whose headers go only with its own answer.
fn reaching_handler(stmts: &[Stmt]) -> Vec<Stmt> {
    stmts
        .iter()
        .filter(
            |s| !matches!(s, Stmt::If(i) if i.alt.is_none() && super::exits::stmt_exits(&i.cons)),
        )
        .cloned()
        .collect()
}

/// The indentation of the first statement line in a body text.
fn body_indent(text: &str) -> String {
    for line in text.lines().skip(1) {
        if !line.trim().is_empty() {
            let n = line.len() - line.trim_start().len();
            return line[..n].to_string();
        }
    }
    "  ".to_string()
}

/// The fields a wrapper puts on `req` right before it returns its handler's call
/// (`(req as SessionRequest).user = user;`): its twin passes them to the handler as one object.
struct Decoration {
    fields: Vec<String>,
    /// The argument: `{ user }`, `{ user: value }`.
    object: String,
    /// The statements that put them, which the twin drops.
    stmts: Vec<Range<usize>>,
}

/// The fields the statements right before the body's last one, `return handler(...)`, put on
/// `req`; `Err` with why they cannot go to the handler as an argument. Their values are moved
/// into the call, so they may not read `req` or `res` (the call comes right after them, so
/// nothing else runs in between).
fn decoration(
    stmts: &[Stmt],
    (req, res): (&str, &str),
    handler: &str,
    src: &str,
) -> Result<Option<Decoration>, String> {
    let Some((
        Stmt::Return(ReturnStmt {
            arg: Some(last), ..
        }),
        before,
    )) = stmts.split_last()
    else {
        return Ok(None);
    };
    let called = match unwrap_expr(last) {
        Expr::Await(a) => unwrap_expr(&a.arg),
        e => e,
    };
    if !matches!(called, Expr::Call(c) if matches!(&c.callee, Callee::Expr(e) if super::ast_util::ident_name(e) == Some(handler)))
    {
        return Ok(None);
    }
    let mut found: Vec<(String, &Expr, Range<usize>)> = Vec::new();
    for s in before.iter().rev() {
        let Stmt::Expr(ExprStmt { expr, .. }) = s else {
            break;
        };
        let Expr::Assign(a) = &**expr else { break };
        if a.op != AssignOp::Assign {
            break;
        }
        let Some(m) = a.left.as_simple().and_then(|t| t.as_member()) else {
            break;
        };
        if super::ast_util::ident_name(&m.obj) != Some(req) {
            break;
        }
        let Some(field) = super::ast_util::member_prop_name(m) else {
            break;
        };
        found.push((field.to_string(), &a.right, range(s.span())));
    }
    if found.is_empty() {
        return Ok(None);
    }
    found.reverse();
    let mut fields: Vec<String> = Vec::new();
    let mut parts = Vec::new();
    for (field, value, _) in &found {
        if fields.contains(field) {
            return Err(format!("it sets `{req}.{field}` twice"));
        }
        if mentions(value, &[req, res]) {
            return Err(format!(
                "the value it puts on `{req}.{field}` reads `{req}` or `{res}`; set it in a variable first"
            ));
        }
        let ident = |c: char| c == '_' || c == '$' || c.is_alphanumeric();
        if !field.chars().all(ident) || field.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!(
                "it puts `{field}` on `{req}`, which is not a plain name"
            ));
        }
        parts.push(match unwrap_expr(value) {
            Expr::Ident(i) if i.sym == **field => field.clone(),
            _ => format!("{field}: {}", &src[range(value.span())]),
        });
        fields.push(field.clone());
    }
    Ok(Some(Decoration {
        fields,
        object: format!("{{ {} }}", parts.join(", ")),
        stmts: found.into_iter().map(|(_, _, r)| r).collect(),
    }))
}

/// `e` refers to one of `names`.
fn mentions(e: &Expr, names: &[&str]) -> bool {
    struct V<'n> {
        names: &'n [&'n str],
        found: bool,
    }
    impl Visit for V<'_> {
        fn visit_ident(&mut self, i: &Ident) {
            self.found |= self.names.iter().any(|n| i.sym == **n);
        }
    }
    let mut v = V {
        names,
        found: false,
    };
    e.visit_with(&mut v);
    v.found
}

/// The type of the object of `fields` a twin passes its handler, read from the type of the
/// handler's `req` parameter (`req: SessionRequest`, `type SessionRequest = NextApiRequest & {
/// user: string | null }` or `interface SessionRequest extends NextApiRequest { user: ... }`):
/// `{ user: string | null }`.
fn decorated_type(
    module: &Module,
    src: &str,
    req: &TsFnParam,
    fields: &[String],
) -> Result<String, String> {
    let ann = match req {
        TsFnParam::Ident(b) => b.type_ann.as_ref(),
        _ => None,
    };
    let mut members: Vec<&TsTypeElement> = Vec::new();
    if let Some(ann) = ann {
        collect_members(module, &ann.type_ann, &mut members, 0);
    }
    let mut out = Vec::new();
    for f in fields {
        let found = members.iter().find_map(|m| match m {
            TsTypeElement::TsPropertySignature(p) if !p.computed => match &*p.key {
                Expr::Ident(i) if i.sym == **f => Some(p),
                _ => None,
            },
            _ => None,
        });
        let Some(p) = found else {
            return Err(format!(
                "the type of `req` its handler takes does not declare the `{f}` it puts on `req`"
            ));
        };
        let text = src[range(p.span)].trim_end_matches([';', ',']).trim_end();
        out.push(text.to_string());
    }
    Ok(format!("{{ {} }}", out.join("; ")))
}

/// The members of the object types `t` is made of: a type literal, an intersection, a local
/// type alias or interface (through the local interfaces it extends too).
fn collect_members<'m>(
    module: &'m Module,
    t: &'m TsType,
    out: &mut Vec<&'m TsTypeElement>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    match t {
        TsType::TsTypeLit(l) => out.extend(l.members.iter()),
        TsType::TsUnionOrIntersectionType(TsUnionOrIntersectionType::TsIntersectionType(i)) => {
            for t in &i.types {
                collect_members(module, t, out, depth + 1);
            }
        }
        TsType::TsParenthesizedType(p) => collect_members(module, &p.type_ann, out, depth + 1),
        TsType::TsTypeRef(TsTypeRef {
            type_name: TsEntityName::Ident(id),
            type_params: None,
            ..
        }) => named_members(module, &id.sym, out, depth + 1),
        _ => {}
    }
}

/// [`collect_members`] of the local type alias or interface `name`.
fn named_members<'m>(
    module: &'m Module,
    name: &str,
    out: &mut Vec<&'m TsTypeElement>,
    depth: usize,
) {
    if depth > 8 {
        return;
    }
    for decl in super::ast_util::module_decls(module) {
        match decl {
            Decl::TsTypeAlias(a) if a.id.sym == *name && a.type_params.is_none() => {
                collect_members(module, &a.type_ann, out, depth + 1);
            }
            Decl::TsInterface(i) if i.id.sym == *name && i.type_params.is_none() => {
                out.extend(i.body.body.iter());
                for e in &i.extends {
                    if let Expr::Ident(parent) = &*e.expr {
                        named_members(module, &parent.sym, out, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}
