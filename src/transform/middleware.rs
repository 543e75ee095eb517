//! Middleware of the app: an exported helper that runs before the handler's own work, may
//! answer, and may put fields on `req` for the handler to read:
//!
//! ```ts
//! export async function useAuth(req: AuthedRequest, res: NextApiResponse) {
//!   const user = getApiUser(req);
//!   if (!user) {
//!     res.status(401).json({ error: 'Unauthorized' });
//!     return false;
//!   }
//!   req.user = user;
//!   return true;
//! }
//! ```
//!
//! Its twin takes the Request and returns the Response it answered with, or the fields it put
//! on `req` (`{ user }`, nothing when it puts none):
//!
//! ```ts
//! export async function useAuth(request: Request) {
//!   const user = getApiUser(request);
//!   if (!user) {
//!     return Response.json({ error: 'Unauthorized' }, { status: 401 });
//!   }
//!   return { user };
//! }
//! ```
//!
//! and the route's check (`if (!(await useAuth(req, res))) return;`) becomes
//! `const auth = await useAuth(request);` and `if (auth instanceof Response) return auth;`,
//! with `req.user` after it read as `auth.user` (see `usage`). An exception it throws reaches
//! the route the same way as before.
//!
//! The shape taken: checks that answer and then return (`return;`, `return false`, or
//! `return res.status(401).json(...)`), then the fields put on `req` as the last statements,
//! then `return true`, `return;` or the end. What else it would take (a field set in a check, a
//! return that does not answer, headers set for the handler's answer) is declined with why.

use std::collections::HashSet;
use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::ast_util::{ident_name, member_prop_name, unwrap_expr};
use super::delegates::{Candidate, Delegate};
use super::{emit, usage, UsageBase};
use crate::diagnostics::Severity;
use crate::edit::{Edit, EditSet, Needs};
use crate::parse::range;

/// The twin of one middleware.
pub struct MiddlewareTwin {
    /// Its declaration, `export` not included.
    pub text: String,
    pub needs: Needs,
    /// The fields it put on `req`, in order.
    pub fields: Vec<String>,
    pub is_async: bool,
    /// It may answer (else it only puts fields on `req`, and maybe throws).
    pub answers: bool,
}

/// Needs a middleware's twin cannot have: what depends on the route, and response state the
/// route's own answer would have to carry.
const DECLINED_NEEDS: Needs = Needs(
    super::twins::ROUTE_BOUND.0
        | Needs::HEADERS_VAR.0
        | Needs::HELPER_ADAPT.0
        | Needs::HELPER_NEXT_AUTH.0,
);

/// A field put on `req` as a statement: `req.user = user;`.
fn decoration<'e>(s: &'e Stmt, req: &str) -> Option<(String, &'e Expr)> {
    let Stmt::Expr(e) = s else { return None };
    let Expr::Assign(a) = unwrap_expr(&e.expr) else {
        return None;
    };
    if a.op != AssignOp::Assign {
        return None;
    }
    let AssignTarget::Simple(SimpleAssignTarget::Member(m)) = &a.left else {
        return None;
    };
    if ident_name(&m.obj) != Some(req) {
        return None;
    }
    Some((member_prop_name(m)?.to_string(), &a.right))
}

/// The last method of a call chain on `res` (`json` of `res.status(401).json(x)`).
fn res_chain_method(e: &Expr, res: &str) -> Option<String> {
    let Expr::Call(c) = unwrap_expr(e) else {
        return None;
    };
    let Callee::Expr(callee) = &c.callee else {
        return None;
    };
    let Expr::Member(m) = unwrap_expr(callee) else {
        return None;
    };
    let method = member_prop_name(m)?.to_string();
    let mut obj = unwrap_expr(&m.obj);
    loop {
        match obj {
            Expr::Ident(i) if i.sym == res => return Some(method),
            Expr::Call(c) => match &c.callee {
                Callee::Expr(e) => match unwrap_expr(e) {
                    Expr::Member(m) => obj = unwrap_expr(&m.obj),
                    _ => return None,
                },
                _ => return None,
            },
            _ => return None,
        }
    }
}

/// Every `return` of the checks (outside nested functions) must end an answer: one the rewrite
/// removed after a response, or `return res....json(...)` / `.send(...)` (which return nothing,
/// so the route's check returned). The first that does not, as the reason.
struct Returns<'a> {
    res: &'a str,
    removed: &'a HashSet<usize>,
    problem: Option<String>,
}

impl Visit for Returns<'_> {
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
    fn visit_return_stmt(&mut self, r: &ReturnStmt) {
        if self.problem.is_some() || self.removed.contains(&range(r.span).start) {
            return;
        }
        let method = r.arg.as_deref().and_then(|a| res_chain_method(a, self.res));
        self.problem = match method.as_deref() {
            Some("json" | "send") => None,
            Some(m) => Some(format!("it returns what `res.{m}()` returns, which the route's check does not read as an answer")),
            None => Some("it returns before its end without answering".into()),
        };
    }
}

/// The twin of the exported function `c` as a middleware; `Err` with why it gets none.
pub fn twin(
    c: &Candidate,
    base: &UsageBase,
    ctx: &emit::EmitContext,
    delegates: &[Delegate],
) -> Result<MiddlewareTwin, String> {
    let src = ctx.src;
    let Ok(stmts) = c.body else {
        return Err(
            "it is an expression, not checks that answer or let the request through".into(),
        );
    };
    let name_of = |p: &Pat| match p {
        Pat::Ident(b) => Some(b.id.sym.to_string()),
        _ => None,
    };
    let res = name_of(c.params[c.res_pos]).ok_or("its `res` parameter is destructured")?;
    let req = match c.req_pos {
        Some(p) => Some(name_of(c.params[p]).ok_or("its `req` parameter is destructured")?),
        None => None,
    };
    // The end: `return true`, `return;` or nothing, after the fields put on `req`.
    let mut end = stmts.len();
    let last_return = match stmts.last() {
        Some(Stmt::Return(r)) => {
            match r.arg.as_deref().map(unwrap_expr) {
                None | Some(Expr::Lit(Lit::Bool(Bool { value: true, .. }))) => {}
                Some(_) => return Err(
                    "it ends by returning a value other than `true`, which its callers may read"
                        .into(),
                ),
            }
            end -= 1;
            Some(range(r.span))
        }
        _ => None,
    };
    // The fields: the statements before the end that put one on `req`.
    let mut decorations: Vec<(String, &Expr, Range<usize>)> = Vec::new();
    if let Some(q) = req.as_deref() {
        for s in stmts[..end].iter().rev() {
            let Some((f, v)) = decoration(s, q) else {
                break;
            };
            decorations.push((f, v, range(s.span())));
        }
        decorations.reverse();
    }
    let start = end - decorations.len();
    let mut seen = HashSet::new();
    if let Some((f, _, _)) = decorations.iter().find(|(f, _, _)| !seen.insert(f.clone())) {
        return Err(format!("it sets `req.{f}` twice"));
    }
    let mut input = base.input(req.clone(), res.clone(), delegates);
    input.middleware_body = true;
    let checks = &stmts[..start];
    let mut u = usage::analyse(&input, Ok(checks), EditSet::new());
    if let Some(d) = u
        .diagnostics
        .iter()
        .find(|d| d.severity() == Severity::Error)
    {
        return Err(d.message.clone());
    }
    if u.uses_status_var || u.uses_headers_var {
        return Err(
            "it sets a status or response headers that the handler's answer would carry".into(),
        );
    }
    let mut returns = Returns {
        res: &res,
        removed: &u.removed_stmts,
        problem: None,
    };
    checks.iter().for_each(|s| s.visit_with(&mut returns));
    if let Some(p) = returns.problem {
        return Err(p);
    }
    // The fields become what it returns.
    let mut needs = Needs::default();
    let mut fields = Vec::new();
    let mut parts = Vec::new();
    for (field, value, _) in &decorations {
        let vu = usage::analyse(&input, Err(value), EditSet::new());
        if let Some(d) = vu
            .diagnostics
            .iter()
            .find(|d| d.severity() == Severity::Error)
        {
            return Err(d.message.clone());
        }
        let text = vu.edits.render(src, range(value.span()), &mut needs);
        parts.push(if ident_name(value) == Some(field.as_str()) {
            field.clone()
        } else {
            format!("{field}: {text}")
        });
        fields.push(field.clone());
    }
    let tail_stmt = last_return
        .clone()
        .or_else(|| decorations.last().map(|(_, _, r)| r.clone()));
    let semi = tail_stmt
        .as_ref()
        .map_or(ctx.semicolons, |r| src[r.clone()].trim_end().ends_with(';'));
    let add = |edits: &mut EditSet, e: Edit| {
        if edits.add(e) {
            Ok(())
        } else {
            Err("its App Router version cannot be written".to_string())
        }
    };
    let keep_last = !fields.is_empty() && last_return.is_none();
    for (k, (_, _, r)) in decorations.iter().enumerate() {
        if keep_last && k + 1 == decorations.len() {
            continue;
        }
        add(&mut u.edits, super::removal::removal(src, r.clone()))?;
    }
    if let Some(r) = tail_stmt {
        let e = if fields.is_empty() {
            super::removal::removal(src, r)
        } else {
            Edit {
                text: return_fields(src, r.start, &parts, semi),
                range: r,
                needs,
            }
        };
        add(&mut u.edits, e)?;
    }
    let (text, needs, _) = emit::render_delegate(ctx, c, &u, false, Needs::default());
    let answers = needs.contains(Needs::RESPONDS);
    if !answers && fields.is_empty() {
        return Err("it neither answers through `res` nor puts anything on `req`".into());
    }
    if needs.any(DECLINED_NEEDS) {
        return Err(
            "it reads the request's query or body, or sets response headers, which depend on the route"
                .into(),
        );
    }
    if needs.contains(Needs::AWAIT) && !c.is_async {
        return Err(
            "its App Router version would have to be async, and its callers do not await it".into(),
        );
    }
    if crate::edit::first_marker(&text).is_some() {
        return Err("its App Router version cannot be written".into());
    }
    Ok(MiddlewareTwin {
        text,
        needs,
        fields,
        is_async: c.is_async,
        answers,
    })
}

/// `return { user, team: x };` for the statement at `at`, one field a line (as a formatter
/// would) when that line would pass 100 columns.
fn return_fields(src: &str, at: usize, parts: &[String], semi: bool) -> String {
    let semi = if semi { ";" } else { "" };
    let one_line = format!("return {{ {} }}{semi}", parts.join(", "));
    let indent = crate::text::indent_of_line(src, at);
    if indent.len() + one_line.len() <= 100 {
        return one_line;
    }
    let nl = crate::text::newline_of(src);
    let unit = if indent.contains('\t') { "\t" } else { "  " };
    let mut t = format!("return {{{nl}");
    for p in parts {
        t.push_str(&format!("{indent}{unit}{p},{nl}"));
    }
    t.push_str(&format!("{indent}}}{semi}"));
    t
}

/// The route's name for what the twin of the middleware `name` returns: `auth` for `useAuth`
/// (`requireSession` → `session`), `answer` for one that puts no field on `req`, `nameResult`
/// where that would be a field's name; `free` says whether a name is free.
pub fn result_name(name: &str, fields: &[String], free: impl Fn(&str) -> bool) -> String {
    let mut base = if !fields.is_empty() {
        let rest = [
            "use", "require", "ensure", "check", "with", "verify", "validate", "run",
        ]
        .iter()
        .find_map(|p| {
            name.strip_prefix(p)
                .filter(|r| r.starts_with(|c: char| c.is_ascii_uppercase()))
        })
        .unwrap_or(name);
        let mut chars = rest.chars();
        match chars.next() {
            Some(c) => format!("{}{}", c.to_ascii_lowercase(), chars.as_str()),
            None => String::new(),
        }
    } else {
        "answer".to_string()
    };
    if base.is_empty() || base == name || RESERVED.contains(&base.as_str()) {
        base = format!("{name}Result");
    } else if fields.contains(&base) {
        // `team.team` would read badly: `teamResult.team`.
        base = format!("{base}Result");
    }
    if free(&base) {
        return base;
    }
    let alt = format!("{base}Result");
    if free(&alt) {
        return alt;
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|c| free(c))
        .unwrap_or_else(|| format!("{base}_"))
}

/// Words a derived name must not be (`useNew` would give `new`).
const RESERVED: &[&str] = &[
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "let",
    "new",
    "null",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// The twin of the Next.js example's `runMiddleware(req, res, fn)`, which runs a Connect-style
/// middleware in a Promise (`fn(req, res, (result) => result instanceof Error ? reject(result)
/// : resolve(result))`): the same over `pages.connect`, with the route's response headers in
/// place of `res` (its declaration, `export` not included). `Err` when `c` is not of that shape.
pub fn connect_runner(c: &Candidate, ctx: &emit::EmitContext) -> Result<String, String> {
    let not = || Err("it is not the runMiddleware of a Connect-style middleware".to_string());
    let names: Vec<String> = c
        .params
        .iter()
        .filter_map(|p| match p {
            Pat::Ident(b) => Some(b.id.sym.to_string()),
            _ => None,
        })
        .collect();
    let Some(req_pos) = c.req_pos else {
        return not();
    };
    if names.len() != 3 || c.params.len() != 3 {
        return not();
    }
    let Some(fn_pos) = (0..3).find(|i| *i != req_pos && *i != c.res_pos) else {
        return not();
    };
    let promise = match c.body {
        Ok([Stmt::Return(ReturnStmt { arg: Some(a), .. })]) => &**a,
        Err(e) => e,
        _ => return not(),
    };
    let Expr::New(n) = unwrap_expr(promise) else {
        return not();
    };
    let executor = match (ident_name(&n.callee), n.args.as_deref()) {
        (Some("Promise"), Some([a])) if a.spread.is_none() => unwrap_expr(&a.expr),
        _ => return not(),
    };
    let Expr::Arrow(ex) = executor else {
        return not();
    };
    let (Some(Pat::Ident(resolve)), Some(Pat::Ident(reject))) =
        (ex.params.first(), ex.params.get(1))
    else {
        return not();
    };
    let call = match &*ex.body {
        ArrowFunctionBody::FunctionBody(b) => match b.stmts.as_slice() {
            [Stmt::Expr(e)] => &*e.expr,
            _ => return not(),
        },
        ArrowFunctionBody::Expr(e) => e,
    };
    let Expr::Call(call) = unwrap_expr(call) else {
        return not();
    };
    let passes = |i: usize, name: &str| {
        call.args
            .get(i)
            .is_some_and(|a| a.spread.is_none() && ident_name(&a.expr) == Some(name))
    };
    if callee_name(call) != Some(names[fn_pos].as_str())
        || call.args.len() != 3
        || !passes(0, &names[req_pos])
        || !passes(1, &names[c.res_pos])
    {
        return not();
    }
    // The callback: rejects an Error, resolves anything else.
    let Expr::Arrow(cb) = unwrap_expr(&call.args[2].expr) else {
        return not();
    };
    let Some(Pat::Ident(result)) = cb.params.first() else {
        return not();
    };
    let mut seen = CallbackShape {
        result: result.id.sym.to_string(),
        resolve: resolve.id.sym.to_string(),
        reject: reject.id.sym.to_string(),
        tests_error: false,
        resolves: false,
        rejects: false,
    };
    cb.body.visit_with(&mut seen);
    if !(seen.tests_error && seen.resolves && seen.rejects) {
        return not();
    }
    let n = ctx.names;
    let ts = ctx.lang.is_typescript();
    let semi = if ctx.semicolons { ";" } else { "" };
    let mut params = vec![String::new(); 3];
    params[req_pos] = format!("{}{}", n.request, if ts { ": Request" } else { "" });
    params[c.res_pos] = format!("{}{}", n.headers, if ts { ": Headers" } else { "" });
    params[fn_pos] = if ts {
        format!(
            "{}: Parameters<typeof {}.connect>[2]",
            names[fn_pos], n.pages
        )
    } else {
        names[fn_pos].clone()
    };
    let call = format!(
        "{}.connect({}, {}, {})",
        n.pages, n.request, n.headers, names[fn_pos]
    );
    Ok(if c.is_arrow {
        format!("const {} = ({}) => {call}{semi}", c.name, params.join(", "))
    } else {
        format!(
            "function {}({}) {{\n  return {call}{semi}\n}}",
            c.name,
            params.join(", ")
        )
    })
}

fn callee_name(c: &CallExpr) -> Option<&str> {
    super::ast_util::callee_expr(c).and_then(ident_name)
}

/// What a `runMiddleware` callback does with the middleware's result.
struct CallbackShape {
    result: String,
    resolve: String,
    reject: String,
    tests_error: bool,
    resolves: bool,
    rejects: bool,
}

impl Visit for CallbackShape {
    fn visit_bin_expr(&mut self, b: &BinExpr) {
        if b.op == BinaryOp::InstanceOf
            && ident_name(&b.left) == Some(self.result.as_str())
            && ident_name(&b.right) == Some("Error")
        {
            self.tests_error = true;
        }
        b.visit_children_with(self);
    }
    fn visit_call_expr(&mut self, c: &CallExpr) {
        let passes_result =
            c.args.len() == 1 && ident_name(&c.args[0].expr) == Some(self.result.as_str());
        match callee_name(c) {
            Some(n) if n == self.resolve && passes_result => self.resolves = true,
            Some(n) if n == self.reject && passes_result => self.rejects = true,
            _ => {}
        }
        c.visit_children_with(self);
    }
}
