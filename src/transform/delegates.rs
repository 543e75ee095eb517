//! Delegates: functions of the route module that respond through `res` on the handler's behalf,
//! such as per-method handlers (`case 'GET': return handleGet(req, res)`) and response helpers
//! (`return sendError(res, 400, 'bad input')`).
//!
//! Such a function is migrated with the handler when every use of it is a call, in a response
//! position, that passes the handler's own `req`/`res`. It then takes the `request` instead of
//! `res` and returns its Response; the call becomes `return helper(request, ...)`. Anything else
//! (a helper that only sets headers, one used elsewhere, one whose body cannot be rewritten) is
//! not a delegate, and the handler's call reports `res` escaping (P2A105) as before.

use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::*;

use super::ast_util::unwrap_expr;
use crate::edit::Needs;
use crate::parse::range;

/// A function of the module that can take over `res` from the handler.
#[derive(Debug, Clone)]
pub struct Delegate {
    pub name: String,
    pub param_count: usize,
    /// The arguments a call must pass at least (the parameters without a default).
    pub required: usize,
    /// Position of the `res` parameter.
    pub res_pos: usize,
    /// Position of the `req` parameter, when it takes one.
    pub req_pos: Option<usize>,
    /// The migrated function needs the route context (it reads `req.query` of a dynamic route).
    pub needs_context: bool,
    /// The declaration this delegate replaces, and its new text.
    pub range: Range<usize>,
    pub text: String,
    pub needs: Needs,
    /// Response state it receives from its callers as trailing parameters (`headers`, `status`).
    pub state_params: Needs,
    /// It never responds, only sets response headers (`setCors(res)`): it takes the `headers`
    /// bag in place of `res`, and its calls stay statements.
    pub sets_headers_only: bool,
    /// A helper of another module of the app, imported by the route: its twin is written
    /// once for the app (see [`super::twins`]), so the route has no declaration to replace;
    /// `range` is the imported name's, for messages.
    pub foreign: Option<Foreign>,
    /// It only reads the request (`getApiUser(req)`, no `res`): it takes the `request` in its
    /// place and returns what it returned, and its calls stay where they are. `res_pos` is
    /// then its `req` position too.
    pub reader: bool,
    /// A reader that took `res` only to hand it to iron-session's `getIronSession(req, res, ...)`,
    /// now its cookie-store form (`getIronSession(await cookies(), ...)`): it takes the `request`
    /// alone, and its calls drop the `res` argument (at `res_pos`; `req_pos` is its request's).
    pub drops_res: bool,
    /// Such a reader that no longer reads the request either: its calls drop `req` too.
    pub drops_req: bool,
    /// The handler a wrapper calls after setting response headers (`withCors`): its Response
    /// gets those headers where it left them unset (`pages.withHeaders(handler(...), headers)`).
    pub merges_headers: bool,
    /// An argument its calls get after the ones written: the fields a wrapper put on `req`,
    /// which its twin passes its handler (`handler(request, context, { user })`).
    pub extra_arg: Option<String>,
    /// A middleware of another module (`await useAuth(req, res)`) that may answer and may put
    /// fields on `req` (see [`super::middleware`]): its twin returns the Response it answered
    /// with, or the fields. None for every other delegate.
    pub middleware: Option<MiddlewareUse>,
}

impl Delegate {
    /// It answers for its caller (`return helper(res, ...)`): not a helper that only sets
    /// headers or reads the request, nor a middleware (whose answer the caller checks).
    pub fn answers_for_its_caller(&self) -> bool {
        !self.sets_headers_only && !self.reader && self.middleware.is_none()
    }
}

/// How a route calls a middleware's twin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiddlewareUse {
    /// The fields it puts on `req` (`req.user = user`), which the twin returns instead.
    pub fields: Vec<String>,
    /// The route's name for what the twin returns (`auth`), free in the route module.
    pub result: String,
    /// Its twin is async: the route's call must be awaited.
    pub awaits: bool,
    /// It may answer: the route checks what it returned (else it is called as a statement,
    /// `await useSession(req, res);`, and only its fields are kept).
    pub answers: bool,
    /// It runs a Connect-style middleware it is given (`runMiddleware(req, res, cors)`): its
    /// twin takes the route's response headers in place of `res`, which the middleware's
    /// headers go to (see `pages.connect`).
    pub connect: bool,
}

/// Where a helper of another module comes from: the route's import of it.
#[derive(Debug, Clone)]
pub struct Foreign {
    /// Index of the import in [`super::RouteInput::foreign`].
    pub import: usize,
    /// The name the helper module exports it under.
    pub exported: String,
}

/// A function that may become a delegate, before its body is analysed.
pub struct Candidate<'a> {
    pub name: String,
    pub params: Vec<&'a Pat>,
    /// Source ranges of the parameters (with their type annotations).
    pub param_ranges: Vec<Range<usize>>,
    pub body: Result<&'a [Stmt], &'a Expr>,
    /// Range of the `{ ... }` body, for block bodies.
    pub block_range: Option<Range<usize>>,
    pub is_async: bool,
    /// `function f(...)` or `const f = (...) =>`.
    pub is_arrow: bool,
    pub range: Range<usize>,
    pub res_pos: usize,
    pub req_pos: Option<usize>,
    /// Declared `export function` / `export const` (a helper module's export).
    pub exported: bool,
    /// The parameters before the first with a default.
    pub required: usize,
}

fn type_name(p: &Pat) -> Option<String> {
    let Pat::Ident(b) = p else { return None };
    let ann = b.type_ann.as_ref()?;
    match &*ann.type_ann {
        TsType::TsTypeRef(r) => match &r.type_name {
            TsEntityName::Ident(i) => Some(i.sym.to_string()),
            TsEntityName::TsQualifiedName(q) => Some(q.right.sym.to_string()),
        },
        _ => None,
    }
}

fn param_name(p: &Pat) -> Option<&str> {
    match p {
        Pat::Ident(b) => Some(b.id.sym.as_ref()),
        _ => None,
    }
}

/// Where the `req` and `res` parameters are: by their Pages types, else by the usual names.
fn positions(params: &[&Pat]) -> Option<(usize, Option<usize>)> {
    let by_type = |t: &str| {
        params
            .iter()
            .position(|p| type_name(p).as_deref() == Some(t))
    };
    let by_name = |names: &[&str]| {
        params
            .iter()
            .position(|p| param_name(p).is_some_and(|n| names.contains(&n)))
    };
    let res = by_type("NextApiResponse").or_else(|| by_name(&["res", "response"]))?;
    let req = by_type("NextApiRequest")
        .or_else(|| by_name(&["req", "request"]))
        .filter(|r| *r != res);
    Some((res, req))
}

/// Module-level functions (outside the handler) taking a `res` parameter; exported ones only
/// with `exported` (a helper module's, see [`super::twins`]).
pub fn candidates<'a>(
    module: &'a Module,
    handler: &Range<usize>,
    exported: bool,
) -> Vec<Candidate<'a>> {
    let mut out = Vec::new();
    for item in &module.body {
        let (decl, is_export) = match item {
            ModuleItem::Stmt(Stmt::Decl(decl)) => (decl, false),
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) if exported => (&e.decl, true),
            _ => continue,
        };
        let found = match decl {
            Decl::Fn(f) if !f.function.is_generator => f.function.body.as_ref().map(|b| {
                let params: Vec<&Pat> = f.function.params.iter().map(|p| &p.pat).collect();
                let ranges = f.function.params.iter().map(|p| range(p.span)).collect();
                (
                    f.ident.sym.to_string(),
                    params,
                    ranges,
                    Ok(b.stmts.as_slice()),
                    Some(range(b.span)),
                    f.function.is_async,
                    false,
                    range(f.function.span),
                )
            }),
            Decl::Var(v) if v.kind == VarDeclKind::Const && v.decls.len() == 1 => {
                let d = &v.decls[0];
                match (&d.name, d.init.as_deref().map(unwrap_expr)) {
                    (Pat::Ident(b), Some(Expr::Arrow(a))) if !a.is_generator => {
                        let params: Vec<&Pat> = a.params.iter().collect();
                        let ranges = a.params.iter().map(|p| range(p.span())).collect();
                        let (body, block) = match &*a.body {
                            ArrowFunctionBody::FunctionBody(fb) => {
                                (Ok(fb.stmts.as_slice()), Some(range(fb.span)))
                            }
                            ArrowFunctionBody::Expr(e) => (Err(&**e), None),
                        };
                        Some((
                            b.id.sym.to_string(),
                            params,
                            ranges,
                            body,
                            block,
                            a.is_async,
                            true,
                            range(v.span),
                        ))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let Some((name, params, param_ranges, body, block_range, is_async, is_arrow, r)) = found
        else {
            continue;
        };
        if r.start < handler.end && handler.start < r.end {
            continue;
        }
        // Plain parameters, the last ones may have defaults (`what = 'Not found'`).
        let required = params
            .iter()
            .take_while(|p| matches!(p, Pat::Ident(_)))
            .count();
        if !params[required..]
            .iter()
            .all(|p| matches!(p, Pat::Assign(a) if matches!(&*a.left, Pat::Ident(_))))
        {
            continue;
        }
        let Some((res_pos, req_pos)) = positions(&params) else {
            continue;
        };
        out.push(Candidate {
            name,
            params,
            param_ranges,
            body,
            block_range,
            is_async,
            is_arrow,
            range: r,
            res_pos,
            req_pos,
            exported: is_export,
            required,
        });
    }
    out
}
