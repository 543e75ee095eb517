//! `next-connect`: a router of one function per method,
//!
//! ```ts
//! const router = createRouter<NextApiRequest, NextApiResponse>()   // 1.x; 0.x: nc()
//! router.get(async (req, res) => { res.json(await list()) })
//! router.post(async (req, res) => { res.status(201).json(await create(req.body)) })
//! export default router.handler({ onNoMatch: (req, res) => { res.status(405).end() } })
//! ```
//!
//! is the same program as a handler that switches on the method, which is what the route
//! becomes before the rewrite ([`desugar`]); the rewrite then gives each method its export,
//! as it does for a hand-written switch. What next-connect did around the functions is spelled
//! out in the switch, read from its source (`src/node.ts`, `src/router.ts` of 1.x;
//! `src/index.js` of 0.x):
//!
//! - a HEAD request runs the GET function (both versions' `find`), so `case 'HEAD':` falls into
//!   `case 'GET':` (and the rewrite lets Next run GET for HEAD);
//! - a method with no function gets `onNoMatch`: the option's body, else 1.x's default,
//!   404 `` Route ${req.method} ${req.url} not found ``, or 0.x's, 404 `not found`;
//! - a throw gets `onError`: the option's body in a `catch`, else 0.x's default,
//!   `res.status(err.status || 500).end(err.message)`; 1.x's default (log, 500
//!   `Internal Server Error`) is what Pages answers to a throw, so the throw is left to propagate;
//! - a function that returns without answering leaves the request hanging in both, as in Pages.
//!
//! Taken: one router, made by `createRouter()` (1.x) or the default import (0.x), the version
//! read from package.json when it says, and used only to register one function per method (no
//! path, no `.use`, `.all` or middleware chain) and to be the default export; inline functions
//! whose parameters are the same `(req, res)` names (or unused), or functions of the route by
//! name. Anything else is declined with the reason (P2A317) and the route goes on as before
//! (to the adapter, which runs the router as it is).

use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::versions::DepVersion;
use crate::edit::{Copied, Edit, EditSet, Needs};
use crate::parse::range;
use crate::route_path::Lang;
use crate::text::{indent_of_line, line_col, line_start, newline_of};
use crate::transform::ast_util::{callee_expr, ident_name, imported_name, unwrap_expr};
use crate::transform::RouteInput;

const PACKAGE: &str = "next-connect";

/// The methods a router registers that a Route Handler can export.
const METHODS: [&str; 7] = ["get", "head", "post", "put", "patch", "delete", "options"];

/// Which next-connect the route uses: the defaults of `onNoMatch` and `onError` differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Major {
    /// `createRouter()`, `router.handler(options)`.
    One,
    /// `nc(options)`, the router itself exported.
    Zero,
}

/// A next-connect route as a handler switching on the method.
#[derive(Debug)]
pub struct Desugared {
    pub text: String,
    /// Stretches of `text` copied from the route's source.
    pub copied: Vec<Copied>,
    /// The local name of next-connect's import: the route no longer calls it.
    pub factory: String,
    /// Where generated text's diagnostics go: the default export.
    pub export_at: usize,
    /// What the recipe did (the P2A316 note).
    pub note: String,
}

impl Desugared {
    /// A diagnostic of `text` placed in the route's source `src`: where `text` copies the
    /// source, at the same code; in generated text, at the default export.
    pub fn place(
        &self,
        src: &str,
        mut d: crate::diagnostics::Diagnostic,
    ) -> crate::diagnostics::Diagnostic {
        let at = crate::text::offset_of(&self.text, d.line, d.column);
        let mapped = crate::edit::source_offset(&self.copied, at).unwrap_or(self.export_at);
        (d.line, d.column) = line_col(src, mapped);
        d
    }
}

/// The route as a switch on the method, when it is a next-connect router; `Err` with why the
/// recipe declines it; None when the route does not import next-connect.
pub fn desugar(input: &RouteInput, module: &Module) -> Option<Result<Desugared, String>> {
    let (factory, major) = factory(input, module)?;
    Some(
        Router::read(input, module, &factory, major)
            .and_then(|r| r.switch(input, module, &factory)),
    )
}

/// Where a declined router's note goes: the default export, else the top of the file.
pub fn export_offset(module: &Module) -> usize {
    module
        .body
        .iter()
        .find_map(|item| match item {
            ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(e)) => Some(range(e.span()).start),
            _ => None,
        })
        .unwrap_or(0)
}

/// next-connect's import in the route: the local name of `createRouter` (1.x) or of the default
/// export (0.x), and which it is. None when the route does not import it.
fn factory(input: &RouteInput, module: &Module) -> Option<(String, Result<Major, String>)> {
    for item in &module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
            continue;
        };
        if i.type_only || i.src.value.to_atom_lossy().as_str() != PACKAGE {
            continue;
        }
        for s in &i.specifiers {
            let (local, major) = match s {
                ImportSpecifier::Named(n)
                    if !n.is_type_only && imported_name(n) == "createRouter" =>
                {
                    (n.local.sym.to_string(), Major::One)
                }
                ImportSpecifier::Default(d) => (d.local.sym.to_string(), Major::Zero),
                _ => continue,
            };
            let declared = match input.libraries.version(PACKAGE) {
                Some(DepVersion::Major(0)) => Some(Major::Zero),
                Some(DepVersion::Major(1)) => Some(Major::One),
                Some(DepVersion::Major(n)) => {
                    return Some((
                        local,
                        Err(format!("package.json asks for next-connect {n}, whose defaults the recipe does not know")),
                    ))
                }
                _ => None,
            };
            let major = match declared {
                Some(d) if d != major => Err(format!(
                    "the route imports next-connect's {} but package.json asks for {}",
                    if major == Major::One {
                        "`createRouter` (1.x)"
                    } else {
                        "default export (0.x)"
                    },
                    if d == Major::One { "1.x" } else { "0.x" }
                )),
                _ => Ok(major),
            };
            return Some((local, major));
        }
    }
    None
}

/// A function a router runs for a method (or as `onNoMatch` / `onError`).
#[derive(Clone, Copy)]
enum Func<'a> {
    Arrow(&'a ArrowExpr),
    Fn(&'a Function),
    /// A function of the route, by name.
    Named(&'a str),
}

impl<'a> Func<'a> {
    fn of(e: &'a Expr) -> Option<Self> {
        match unwrap_expr(e) {
            Expr::Arrow(a) => Some(Func::Arrow(a)),
            Expr::Fn(f) => Some(Func::Fn(&f.function)),
            Expr::Ident(i) => Some(Func::Named(i.sym.as_ref())),
            _ => None,
        }
    }
    fn params(&self) -> Vec<&'a Pat> {
        match self {
            Func::Arrow(a) => a.params.iter().collect(),
            Func::Fn(f) => f.params.iter().map(|p| &p.pat).collect(),
            Func::Named(_) => Vec::new(),
        }
    }
    fn is_async(&self) -> bool {
        match self {
            Func::Arrow(a) => a.is_async,
            Func::Fn(f) => f.is_async,
            // Its call is returned: an async one's promise is awaited by the caller.
            Func::Named(_) => false,
        }
    }
}

/// One `router.method(fn)`.
struct Registration<'a> {
    method: &'static str,
    func: Func<'a>,
    /// The statement registering it, when that is all the statement does, and the comment lines
    /// above it (they move with the function).
    comments: Option<Range<usize>>,
}

/// What a route's router is made of.
struct Router<'a> {
    major: Major,
    registrations: Vec<Registration<'a>>,
    on_no_match: Option<Func<'a>>,
    on_error: Option<Func<'a>>,
    /// Statements the switch replaces (the router's declaration, its registrations): removed.
    removed: Vec<Range<usize>>,
    /// Comment lines above the router's declaration: they go above the handler.
    header_comments: Option<Range<usize>>,
    /// The default export: the switch replaces it.
    export: Range<usize>,
    /// The router's name, when it has one.
    name: Option<String>,
    /// The request and response types it is made for, as written.
    types: Option<(String, String)>,
}

/// A call chain `base.m1(..).m2(..)`: its base and the calls in order.
struct Chain<'a> {
    base: &'a Expr,
    links: Vec<(String, &'a CallExpr)>,
}

fn chain(e: &Expr) -> Chain<'_> {
    let mut links = Vec::new();
    let mut e = unwrap_expr(e);
    while let Expr::Call(c) = e {
        let Some(Expr::Member(m)) = callee_expr(c).map(unwrap_expr) else {
            break;
        };
        let MemberProp::Ident(p) = &m.prop else { break };
        links.push((p.sym.to_string(), c));
        e = unwrap_expr(&m.obj);
    }
    links.reverse();
    Chain { base: e, links }
}

/// `e` is a call of the factory `factory`: its arguments.
fn factory_call<'a>(e: &'a Expr, factory: &str) -> Option<&'a CallExpr> {
    match unwrap_expr(e) {
        Expr::Call(c) if callee_expr(c).and_then(ident_name) == Some(factory) => Some(c),
        _ => None,
    }
}

/// The request and response types a factory call is given (`createRouter<Req, Res>()`), as
/// written.
fn type_args(src: &str, c: &CallExpr) -> Option<(String, String)> {
    match c.type_args.as_deref()?.params.as_slice() {
        [req, res] => Some((
            src[range(req.span())].to_string(),
            src[range(res.span())].to_string(),
        )),
        _ => None,
    }
}

impl<'a> Router<'a> {
    fn read(
        input: &RouteInput,
        module: &'a Module,
        factory: &str,
        major: Result<Major, String>,
    ) -> Result<Self, String> {
        let major = major?;
        let src = input.src;
        let mut router = Router {
            major,
            registrations: Vec::new(),
            on_no_match: None,
            on_error: None,
            removed: Vec::new(),
            header_comments: None,
            export: 0..0,
            name: None,
            types: None,
        };
        // The router's declaration: `const router = createRouter()` (maybe with registrations
        // chained on), or none when the default export makes it.
        let mut name: Option<&str> = None;
        let mut uses = 0usize;
        for item in &module.body {
            let ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) = item else {
                continue;
            };
            let [d] = v.decls.as_slice() else { continue };
            let (Pat::Ident(b), Some(init)) = (&d.name, d.init.as_deref()) else {
                continue;
            };
            let c = chain(init);
            let Some(made) = factory_call(c.base, factory) else {
                continue;
            };
            if name.is_some() {
                return Err("the route makes more than one router".into());
            }
            name = Some(b.id.sym.as_ref());
            router.types = type_args(src, made);
            router.options(&made.args, major == Major::Zero)?;
            for (method, call) in &c.links {
                router.register(method, call, None)?;
            }
            let r = whole_lines(src, range(v.span()))?;
            router.header_comments = comments_above(src, r.start);
            router.removed.push(r);
        }
        router.name = name.map(str::to_string);
        // Its registrations, and the default export.
        for item in &module.body {
            match item {
                ModuleItem::Stmt(Stmt::Expr(s)) => {
                    let c = chain(&s.expr);
                    let Some(n) = name else { continue };
                    if ident_name(c.base) != Some(n) || c.links.is_empty() {
                        continue;
                    }
                    let r = whole_lines(src, range(s.span()))?;
                    let comments = comments_above(src, r.start);
                    for (k, (method, call)) in c.links.iter().enumerate() {
                        router.register(
                            method,
                            call,
                            if k == 0 { comments.clone() } else { None },
                        )?;
                    }
                    uses += 1;
                    router.removed.push(r);
                }
                ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(e)) => {
                    router.export = range(e.span());
                    let mut c = chain(&e.expr);
                    let from_name = name.is_some() && ident_name(c.base) == name;
                    if from_name {
                        uses += 1;
                    } else if let Some(made) = factory_call(c.base, factory) {
                        router.types = type_args(src, made);
                        router.options(&made.args, major == Major::Zero)?;
                    } else {
                        return Err("the default export is not the router".into());
                    }
                    if major == Major::One {
                        match c.links.pop() {
                            Some((m, call)) if m == "handler" => {
                                router.options(&call.args, true)?;
                            }
                            _ => {
                                return Err(
                                    "the default export is not the router's `.handler(...)`".into(),
                                )
                            }
                        }
                    }
                    for (method, call) in &c.links {
                        router.register(method, call, None)?;
                    }
                }
                _ => {}
            }
        }
        if router.export.is_empty() {
            return Err("the route has no default export of the router".into());
        }
        if let Some(n) = name {
            let mut count = Count { name: n, seen: 0 };
            module.visit_with(&mut count);
            // Its declaration, the registrations and the export: nothing else may use it.
            if count.seen != uses + 1 {
                return Err(format!(
                    "the router `{n}` is used other than to register functions and be exported"
                ));
            }
        }
        if router.registrations.is_empty() {
            return Err("the router registers no function".into());
        }
        Ok(router)
    }

    /// The options of `nc(options)` (0.x) or `router.handler(options)` (1.x); `takes`: this
    /// call is the one that takes them.
    fn options(&mut self, args: &'a [ExprOrSpread], takes: bool) -> Result<(), String> {
        let Some(first) = args.first() else {
            return Ok(());
        };
        if !takes {
            return Err("`createRouter(...)` is given arguments".into());
        }
        if args.len() > 1 || first.spread.is_some() {
            return Err("its options are more than one object".into());
        }
        let Expr::Object(o) = unwrap_expr(&first.expr) else {
            return Err("its options are not an object literal".into());
        };
        for p in &o.props {
            let PropOrSpread::Prop(p) = p else {
                return Err("its options spread another object".into());
            };
            let (key, func) = match &**p {
                Prop::KeyValue(kv) => (prop_key(&kv.key), Func::of(&kv.value)),
                Prop::Method(m) => (prop_key(&m.key), Some(Func::Fn(&m.function))),
                Prop::Shorthand(i) => (Some(i.sym.to_string()), Some(Func::Named(i.sym.as_ref()))),
                _ => (None, None),
            };
            let slot = match key.as_deref() {
                Some("onNoMatch") => &mut self.on_no_match,
                Some("onError") => &mut self.on_error,
                Some(k) => return Err(format!("its option `{k}` is not `onNoMatch` or `onError`")),
                None => return Err("an option's name is computed".into()),
            };
            match func {
                Some(f) => *slot = Some(f),
                None => {
                    return Err(format!(
                        "its `{}` is not a function of the route",
                        key.unwrap_or_default()
                    ))
                }
            }
        }
        Ok(())
    }

    /// `router.<method>(fn)`.
    fn register(
        &mut self,
        method: &str,
        call: &'a CallExpr,
        comments: Option<Range<usize>>,
    ) -> Result<(), String> {
        let Some(m) = METHODS.into_iter().find(|m| *m == method) else {
            return Err(match method {
                "use" => "the router runs middleware (`.use(...)`)".to_string(),
                "all" => "the router registers a function for every method (`.all(...)`)".into(),
                m => format!("the router is called with `.{m}(...)`"),
            });
        };
        let func = match call.args.as_slice() {
            [a] if a.spread.is_none() => Func::of(&a.expr),
            [a, ..] if matches!(unwrap_expr(&a.expr), Expr::Lit(_) | Expr::Tpl(_)) => {
                return Err(format!("`.{m}(...)` matches a path pattern"))
            }
            _ => {
                return Err(format!(
                    "`.{m}(...)` registers several functions (a middleware chain)"
                ))
            }
        };
        let Some(func) = func else {
            return Err(format!(
                "`.{m}(...)` registers something other than a function"
            ));
        };
        if self.registrations.iter().any(|r| r.method == m) {
            return Err(format!("`.{m}(...)` is registered twice"));
        }
        if m == "head" && self.registrations.iter().any(|r| r.method == "get") {
            return Err("`.head(...)` follows `.get(...)`, which HEAD requests already run".into());
        }
        self.registrations.push(Registration {
            method: m,
            func,
            comments,
        });
        Ok(())
    }

    /// The route with the router replaced by a handler switching on the method.
    fn switch(
        self,
        input: &RouteInput,
        module: &Module,
        factory: &str,
    ) -> Result<Desugared, String> {
        let src = input.src;
        let nl = newline_of(src);
        let unit = indent_unit(src);
        let (i1, i2) = (unit.clone(), unit.repeat(2));
        let q = crate::transform::imports::import_facts(module, src)
            .quote
            .unwrap_or('\'');
        let semi = if src[self.export.clone()].trim_end().ends_with(';') {
            ";"
        } else {
            ""
        };
        // The handler's parameter names: the functions' own.
        let mut names = ParamNames::default();
        let funcs: Vec<(Func, usize)> = self
            .registrations
            .iter()
            .map(|r| (r.func, 0))
            .chain(self.on_no_match.map(|f| (f, 0)))
            .chain(self.on_error.map(|f| (f, 1)))
            .collect();
        for (f, skip) in &funcs {
            names.learn(&f.params(), *skip)?;
        }
        let (req, res) = names.finish();
        let mut is_async = false;
        for (f, skip) in &funcs {
            names_match(&f.params(), *skip, &req, &res)?;
            is_async |= f.is_async();
            if let Func::Fn(f) = f {
                if f.is_generator || crate::transform::method_map::uses_this(f) {
                    return Err("a function of the router uses `this` or `arguments`".into());
                }
            }
        }
        let ts = matches!(input.lang, Lang::Ts | Lang::Tsx);
        // onError, in a catch: the option, or 0.x's default.
        let catch: Option<(String, String)> = match (self.on_error, self.major) {
            (Some(f), _) => {
                // A catch binding may be typed `any` or `unknown` only; an unannotated one is what
                // next-connect's types give `onError`'s error, `unknown` (under `strict`).
                let (err, typed) = match f.params().first() {
                    Some(Pat::Ident(b)) => {
                        let err = b.id.sym.to_string();
                        let typed = match b.type_ann.as_deref().map(|t| &*t.type_ann) {
                            Some(TsType::TsKeywordType(k))
                                if k.kind == TsKeywordTypeKind::TsUnknownKeyword =>
                            {
                                format!("{err}: unknown")
                            }
                            Some(_) => format!("{err}: any"),
                            None => err.clone(),
                        };
                        (err, typed)
                    }
                    Some(_) => return Err("`onError` destructures its error".into()),
                    None => ("err".to_string(), "err".to_string()),
                };
                Some((
                    typed,
                    body_text(src, f, &[&err, &req, &res], &i2, nl, semi)?.0,
                ))
            }
            (None, Major::Zero) => Some((
                if ts { "err: any".into() } else { "err".into() },
                format!("{i2}return {res}.status(err.status || 500).end(err.message){semi}{nl}"),
            )),
            (None, Major::One) => None,
        };
        let mut out = String::new();
        if let Some(c) = &self.header_comments {
            out.push_str(&src[c.clone()]);
        }
        // `handler`, unless the code that stays uses the name.
        let mut kept = src.to_string();
        for r in self.removed.iter().chain([&self.export]) {
            kept.replace_range(r.clone(), &" ".repeat(r.len()));
        }
        let name = if crate::recipes::word_used(&kept, "handler") {
            "nextConnectHandler"
        } else {
            "handler"
        };
        let params = match (&self.types, ts) {
            (Some((req_t, res_t)), true) => format!("{req}: {req_t}, {res}: {res_t}"),
            _ => format!("{req}, {res}"),
        };
        out.push_str(&format!(
            "export default {}function {name}({params}) {{{nl}{i1}switch ({req}.method) {{{nl}",
            if is_async { "async " } else { "" }
        ));
        // The bodies sit at the function's indentation, not the case's: the rewrite unwraps a
        // case to there, so the lines the functions had at the top level keep their indentation.
        let body_indent = if catch.is_some() { &i2 } else { &i1 };
        let mut case =
            |labels: &[String], comments: &str, caught: bool, (body, exits): (String, bool)| {
                for l in labels {
                    out.push_str(&format!("{i1}{l}{nl}"));
                }
                out.push_str(comments);
                match catch.as_ref().filter(|_| caught) {
                    Some((err, handling)) => {
                        out.push_str(&format!(
                            "{i1}try {{{nl}{body}{i1}}} catch ({err}) {{{nl}{handling}{i1}}}{nl}"
                        ));
                        out.push_str(&format!("{i1}return{semi}{nl}"));
                    }
                    None => {
                        out.push_str(&body);
                        if !exits {
                            out.push_str(&format!("{i1}return{semi}{nl}"));
                        }
                    }
                }
            };
        for r in &self.registrations {
            let m = r.method.to_ascii_uppercase();
            let mut labels = Vec::new();
            if m == "GET" && !self.registrations.iter().any(|r| r.method == "head") {
                labels.push(format!("case {q}HEAD{q}:"));
            }
            labels.push(format!("case {q}{m}{q}:"));
            let comments = r
                .comments
                .as_ref()
                .map(|c| reindent_lines(&src[c.clone()], body_indent))
                .unwrap_or_default();
            let body = body_text(src, r.func, &[&req, &res], body_indent, nl, semi)?;
            case(&labels, &comments, true, body);
        }
        // 1.x runs onNoMatch inside its try; 0.x after the routing promise settles, so a throw
        // there is not onError's.
        let caught = self.major == Major::One;
        let no_match_indent = if caught { body_indent } else { &i1 };
        let no_match = match (self.on_no_match, self.major) {
            (Some(f), _) => body_text(src, f, &[&req, &res], no_match_indent, nl, semi)?,
            (None, Major::One) => (
                format!(
                    "{no_match_indent}return {res}.status(404).end(`Route ${{{req}.method}} ${{{req}.url}} not found`){semi}{nl}"
                ),
                true,
            ),
            (None, Major::Zero) => (
                format!("{no_match_indent}return {res}.status(404).end({q}not found{q}){semi}{nl}"),
                true,
            ),
        };
        case(&["default:".to_string()], "", caught, no_match);
        out.push_str(&format!("{i1}}}{nl}}}"));
        let mut edits = EditSet::new();
        for r in &self.removed {
            let start = match &self.header_comments {
                Some(c) if c.end == r.start => c.start,
                _ => r.start,
            };
            let start = self
                .registrations
                .iter()
                .filter_map(|g| g.comments.as_ref())
                .find(|c| c.end == start)
                .map_or(start, |c| c.start);
            edits.add(Edit {
                range: start..r.end,
                text: String::new(),
                needs: Needs::default(),
            });
        }
        edits.add(Edit {
            range: self.export.clone(),
            text: out,
            needs: Needs::default(),
        });
        let (text, copied) = edits.render_mapped(src, &mut Needs::default());
        let methods: Vec<String> = self
            .registrations
            .iter()
            .map(|r| r.method.to_ascii_uppercase())
            .collect();
        let note = format!(
            "the next-connect router ({}) became one export per method ({}); {}; {}",
            if self.major == Major::One { "1.x `createRouter()`" } else { "0.x" },
            methods.join(", "),
            match (self.on_no_match, self.major) {
                (Some(_), _) => "the other methods get its `onNoMatch`".to_string(),
                (None, Major::One) => "the other methods get next-connect 1.x's default 404 `Route <method> <url> not found`".into(),
                (None, Major::Zero) => "the other methods get next-connect 0.x's default 404 `not found`".into(),
            },
            match (self.on_error, self.major) {
                (Some(_), _) => "a throw gets its `onError`, in a catch around each method's code",
                (None, Major::One) => "a throw answers 500 as next-connect 1.x's default `onError` did",
                (None, Major::Zero) => "a throw answers `err.status || 500` with `err.message`, as next-connect 0.x's default `onError` did",
            }
        );
        Ok(Desugared {
            text,
            copied,
            factory: factory.to_string(),
            export_at: self.export.start,
            note,
        })
    }
}

/// A property key as written, when it is not computed.
fn prop_key(k: &PropName) -> Option<String> {
    match k {
        PropName::Ident(i) => Some(i.sym.to_string()),
        PropName::Str(s) => Some(s.value.to_atom_lossy().to_string()),
        _ => None,
    }
}

/// The parameter names the handler takes: the first `req` and `res` a function names (one not
/// starting with `_`), else `req` and `res`.
#[derive(Default)]
struct ParamNames {
    req: Option<String>,
    res: Option<String>,
}

impl ParamNames {
    fn learn(&mut self, params: &[&Pat], skip: usize) -> Result<(), String> {
        if params.len() > skip + 2 {
            return Err("a function of the router takes `next` (a middleware)".into());
        }
        for (k, p) in params.iter().skip(skip).enumerate() {
            let Pat::Ident(b) = p else {
                return Err("a function of the router destructures `req` or `res`".into());
            };
            let n = b.id.sym.to_string();
            let slot = if k == 0 { &mut self.req } else { &mut self.res };
            if slot.is_none() && !n.starts_with('_') {
                *slot = Some(n);
            }
        }
        Ok(())
    }
    fn finish(self) -> (String, String) {
        (
            self.req.unwrap_or_else(|| "req".into()),
            self.res.unwrap_or_else(|| "res".into()),
        )
    }
}

/// A function's `req`/`res` parameters (after `skip` others) are the handler's by name, or
/// unused (`_`-prefixed).
fn names_match(params: &[&Pat], skip: usize, req: &str, res: &str) -> Result<(), String> {
    for (k, p) in params.iter().skip(skip).enumerate() {
        let Pat::Ident(b) = p else {
            return Err("a function of the router destructures `req` or `res`".into());
        };
        let own = if k == 0 { req } else { res };
        let n = b.id.sym.as_ref();
        if n != own && !n.starts_with('_') {
            return Err(format!(
                "its functions name their parameters differently (`{n}` and `{own}`)"
            ));
        }
    }
    Ok(())
}

/// The statements of `f` at `indent`, each line ending with `nl`; `args`: what a function of the
/// route by name is called with.
fn body_text(
    src: &str,
    f: Func,
    args: &[&str],
    indent: &str,
    nl: &str,
    semi: &str,
) -> Result<(String, bool), String> {
    let (text, exits) = match f {
        Func::Named(n) => (format!("return {n}({}){semi}", args.join(", ")), true),
        Func::Arrow(a) => match &*a.body {
            ArrowFunctionBody::Expr(e) => {
                let r = range(e.span());
                let e_text = crate::transform::method_map::reindent(src, r, indent);
                let e_text = match unwrap_expr(e) {
                    Expr::Seq(_) | Expr::Object(_) => format!("({e_text})"),
                    _ => e_text,
                };
                (format!("return {e_text}{semi}"), true)
            }
            ArrowFunctionBody::FunctionBody(b) => stmts_text(src, &b.stmts, indent)?,
        },
        Func::Fn(f) => match &f.body {
            Some(b) => stmts_text(src, &b.stmts, indent)?,
            None => return Err("a function of the router has no body".into()),
        },
    };
    if text.is_empty() {
        return Ok((String::new(), false));
    }
    Ok((format!("{indent}{text}{nl}"), exits))
}

/// The statements from the first to the last, their lines after the first at `indent`.
/// Whether the last one returns or throws.
fn stmts_text(src: &str, stmts: &[Stmt], indent: &str) -> Result<(String, bool), String> {
    let (Some(first), Some(last)) = (stmts.first(), stmts.last()) else {
        return Ok((String::new(), false));
    };
    let r = range(first.span()).start..range(last.span()).end;
    if !crate::text::starts_line(src, r.start) {
        return Err("a function's body starts on the line of its `{`".into());
    }
    let exits = matches!(last, Stmt::Return(_) | Stmt::Throw(_));
    Ok((
        crate::transform::method_map::reindent(src, r, indent),
        exits,
    ))
}

/// Comment lines moved to `indent`.
fn reindent_lines(text: &str, indent: &str) -> String {
    text.split_inclusive('\n')
        .map(|l| format!("{indent}{}", l.trim_start()))
        .collect()
}

/// The statement at `r` with its whole lines: from its line's start to past its line end and
/// the blank lines after it. `Err` when it shares a line with other code.
fn whole_lines(src: &str, r: Range<usize>) -> Result<Range<usize>, String> {
    let start = line_start(src, r.start);
    if !src[start..r.start].trim().is_empty() {
        return Err("a statement of the router shares its line with other code".into());
    }
    let rest = &src[r.end..];
    let eol = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let tail = rest[..eol].trim();
    if !tail.is_empty() && tail != ";" {
        return Err("a statement of the router shares its line with other code".into());
    }
    let mut end = r.end + eol;
    while let Some(line) = src[end..].split_inclusive('\n').next() {
        if line.trim().is_empty() && !line.is_empty() && line.ends_with('\n') {
            end += line.len();
        } else {
            break;
        }
    }
    Ok(start..end)
}

/// The `//` comment lines right above the line starting at `start`, if any.
fn comments_above(src: &str, start: usize) -> Option<Range<usize>> {
    let mut from = start;
    while from > 0 {
        let prev = line_start(src, from - 1);
        if src[prev..from].trim_start().starts_with("//") {
            from = prev;
        } else {
            break;
        }
    }
    (from < start).then_some(from..start)
}

/// The file's indentation step: that of its first indented line, else two spaces.
fn indent_unit(src: &str) -> String {
    src.lines()
        .find_map(|l| {
            let i = indent_of_line(l, 0);
            (!i.is_empty() && !l.trim().is_empty() && !l.trim_start().starts_with('*'))
                .then(|| i.to_string())
        })
        .unwrap_or_else(|| "  ".into())
}

/// Counts the identifiers named `name`.
struct Count<'n> {
    name: &'n str,
    seen: usize,
}

impl Visit for Count<'_> {
    fn visit_ident(&mut self, i: &Ident) {
        if i.sym == *self.name {
            self.seen += 1;
        }
    }
}
