//! Method maps: a route that hands per-method functions to a dispatcher of the app,
//!
//! ```ts
//! export default async function handler(req: NextApiRequest, res: NextApiResponse) {
//!   return defaultHandler(req, res, { GET: listTags, POST: createTag });
//! }
//! ```
//!
//! where the dispatcher (`lib/dispatch.ts`) looks the method up and answers when it is missing:
//!
//! ```ts
//! export async function defaultHandler(req, res, handlers: MethodMap) {
//!   const handler = handlers[req.method as keyof MethodMap];
//!   if (!handler) {
//!     res.setHeader('Allow', Object.keys(handlers).join(', '));
//!     return res.status(405).json({ error: `Method ${req.method} Not Allowed` });
//!   }
//!   return handler(req, res);
//! }
//! ```
//!
//! The route is the same program as a `switch` on the method with the dispatcher's answer as
//! its `default`, so that is what the route becomes before the rewrite ([`desugar`]); the rewrite
//! then gives each method its export (`GET` calls `listTags`, inline functions are inlined) and
//! the other methods the dispatcher's answer, its `Object.keys(handlers)` spelled out. Only
//! the call is replaced: the rest of the route stays as written.
//!
//! Taken: a dispatcher whose body is exactly the lookup, the `if (!handler)` answer and the call;
//! a map literal of method names to functions of the route (by name) or inline functions whose
//! parameters are the handler's own names (or unused). Anything else leaves the route as it was,
//! with the reason.

use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::ast_util::{callee_expr, ident_name, member_prop_name, unwrap_expr};
use super::delegates::Candidate;
use super::spec::METHODS;
use super::{handler, twins, RouteInput};
use crate::edit::{Copied, Edit, EditSet, Needs};
use crate::parse::range;

/// A dispatcher of a helper module: what a route's call of it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dispatcher {
    /// Position of the map parameter.
    pub map_pos: usize,
    /// Its `req` and `res` parameter names: its answer uses them.
    pub req: String,
    pub res: String,
    /// Its answer when the map has no function for the method, as written.
    pub fallback: Vec<Piece>,
    /// The indentation of the answer's first line in the dispatcher's module.
    pub indent: String,
}

/// A stretch of a dispatcher's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    /// `Object.keys(handlers)`: the map's method names.
    Keys,
    /// `Object.keys(handlers).join(', ')`: them joined by the separator.
    KeysJoined(String),
}

/// Globals a dispatcher's answer may use besides its `req` and `res`.
const GLOBALS: &[&str] = &[
    "Object",
    "String",
    "Number",
    "Boolean",
    "Array",
    "JSON",
    "Math",
    "Date",
    "Error",
    "console",
    "undefined",
    "encodeURIComponent",
];

/// The dispatcher shape of the exported function `c` of a helper module (`src`); `Err` with why
/// it is not one.
pub fn dispatcher(c: &Candidate, src: &str) -> Result<Dispatcher, String> {
    let not = |why: &str| Err(format!("it is not a method-map dispatcher: {why}"));
    let Ok(stmts) = c.body else {
        return not("its body is an expression");
    };
    let Some(req_pos) = c.req_pos else {
        return not("it takes no `req`");
    };
    let names: Vec<Option<String>> = c
        .params
        .iter()
        .map(|p| match p {
            Pat::Ident(b) => Some(b.id.sym.to_string()),
            _ => None,
        })
        .collect();
    if c.params.len() != 3 || names.iter().any(Option::is_none) {
        return not("it does not take (req, res, map)");
    }
    let name = |i: usize| names[i].clone().unwrap_or_default();
    let (req, res) = (name(req_pos), name(c.res_pos));
    let Some(map_pos) = (0..3).find(|i| *i != req_pos && *i != c.res_pos) else {
        return not("it does not take a map");
    };
    let map = name(map_pos);
    let [lookup, check, call] = stmts else {
        return not("its body is not a lookup, a check and a call");
    };
    // const handler = handlers[req.method]
    let Stmt::Decl(Decl::Var(v)) = lookup else {
        return not("it does not start by looking the method up");
    };
    let found = match v.decls.as_slice() {
        [d] => match (&d.name, d.init.as_deref().map(unwrap_expr)) {
            (Pat::Ident(b), Some(Expr::Member(m))) => {
                let keyed = match &m.prop {
                    MemberProp::Computed(k) => match unwrap_expr(&k.expr) {
                        Expr::Member(km) => {
                            ident_name(&km.obj) == Some(req.as_str())
                                && member_prop_name(km).as_deref() == Some("method")
                        }
                        _ => false,
                    },
                    _ => false,
                };
                (keyed && ident_name(&m.obj) == Some(map.as_str())).then(|| b.id.sym.to_string())
            }
            _ => None,
        },
        _ => None,
    };
    let Some(handler) = found else {
        return not("it does not start by looking the method up");
    };
    // if (!handler) { ...answer... }
    let Stmt::If(ifs) = check else {
        return not("the lookup is not followed by `if (!handler)`");
    };
    let negates = matches!(unwrap_expr(&ifs.test), Expr::Unary(u) if u.op == UnaryOp::Bang
        && ident_name(&u.arg) == Some(handler.as_str()));
    if !negates || ifs.alt.is_some() {
        return not("the lookup is not followed by `if (!handler)`");
    }
    let answer: Vec<&Stmt> = match &*ifs.cons {
        Stmt::Block(b) => b.stmts.iter().collect(),
        s => vec![s],
    };
    let (Some(first), Some(last)) = (answer.first(), answer.last()) else {
        return not("it does not answer a method the map lacks");
    };
    if !matches!(last, Stmt::Return(_) | Stmt::Throw(_) | Stmt::Expr(_)) {
        return not("its answer to a method the map lacks does not end by answering");
    }
    // return handler(req, res)
    let calls = |e: &Expr| {
        let e = match unwrap_expr(e) {
            Expr::Await(a) => unwrap_expr(&a.arg),
            e => e,
        };
        matches!(e, Expr::Call(c) if callee_expr(c).and_then(ident_name) == Some(handler.as_str())
            && c.args.len() == 2
            && c.args[0].spread.is_none()
            && c.args[1].spread.is_none()
            && ident_name(&c.args[0].expr) == Some(req.as_str())
            && ident_name(&c.args[1].expr) == Some(res.as_str()))
    };
    let ends = match call {
        Stmt::Return(ReturnStmt { arg: Some(a), .. }) => calls(a),
        Stmt::Expr(e) => calls(&e.expr),
        _ => false,
    };
    if !ends {
        return not("it does not end by calling the function it found with (req, res)");
    }
    let span = range(first.span()).start..range(last.span()).end;
    let mut scan = AnswerScan {
        map: &map,
        allowed: vec![req.clone(), res.clone()],
        keys: Vec::new(),
        problem: None,
    };
    for s in &answer {
        let mut decl = Declared(Vec::new());
        s.visit_with(&mut decl);
        scan.allowed.extend(decl.0);
    }
    for s in &answer {
        s.visit_with(&mut scan);
    }
    if let Some(p) = scan.problem {
        return not(&p);
    }
    let mut fallback = Vec::new();
    let mut at = span.start;
    for (r, piece) in scan.keys {
        fallback.push(Piece::Text(src[at..r.start].to_string()));
        fallback.push(piece);
        at = r.end;
    }
    fallback.push(Piece::Text(src[at..span.end].to_string()));
    Ok(Dispatcher {
        map_pos,
        req,
        res,
        fallback,
        indent: crate::text::indent_of_line(src, span.start).to_string(),
    })
}

/// The names a statement declares.
struct Declared(Vec<String>);

impl Visit for Declared {
    fn visit_binding_ident(&mut self, b: &BindingIdent) {
        self.0.push(b.id.sym.to_string());
    }
}

/// Finds `Object.keys(map)` (and `.join(sep)` of it) in the answer, and any other name it uses
/// that a route would not see.
struct AnswerScan<'a> {
    map: &'a str,
    allowed: Vec<String>,
    keys: Vec<(Range<usize>, Piece)>,
    problem: Option<String>,
}

impl AnswerScan<'_> {
    /// `Object.keys(map)`.
    fn is_keys(&self, e: &Expr) -> bool {
        let Expr::Call(c) = unwrap_expr(e) else {
            return false;
        };
        let Some(Expr::Member(m)) = callee_expr(c).map(unwrap_expr) else {
            return false;
        };
        ident_name(&m.obj) == Some("Object")
            && member_prop_name(m).as_deref() == Some("keys")
            && c.args.len() == 1
            && c.args[0].spread.is_none()
            && ident_name(&c.args[0].expr) == Some(self.map)
    }
}

impl Visit for AnswerScan<'_> {
    fn visit_call_expr(&mut self, c: &CallExpr) {
        if let Some(Expr::Member(m)) = callee_expr(c).map(unwrap_expr) {
            if self.is_keys(&m.obj) && member_prop_name(m).as_deref() == Some("join") {
                let sep = match c.args.as_slice() {
                    [] => Some(",".to_string()),
                    [a] if a.spread.is_none() => super::ast_util::static_string(&a.expr),
                    _ => None,
                };
                if let Some(sep) = sep {
                    self.keys.push((range(c.span), Piece::KeysJoined(sep)));
                    return;
                }
            }
        }
        let e = Expr::Call(c.clone());
        if self.is_keys(&e) {
            self.keys.push((range(c.span), Piece::Keys));
            return;
        }
        c.visit_children_with(self);
    }
    fn visit_ident(&mut self, i: &Ident) {
        if self.problem.is_some() {
            return;
        }
        let n = i.sym.as_ref();
        if n == self.map {
            self.problem = Some(format!(
                "its answer uses `{n}` other than as `Object.keys({n})`"
            ));
        } else if !self.allowed.iter().any(|a| a == n) && !GLOBALS.contains(&n) {
            self.problem = Some(format!(
                "its answer uses `{n}`, which the routes do not see"
            ));
        }
    }
    fn visit_ts_type(&mut self, _: &TsType) {}
}

/// A route whose handler ends by calling a dispatcher, as a switch on the method.
pub struct Desugared {
    pub text: String,
    /// Stretches of `text` copied from the route's source.
    pub copied: Vec<Copied>,
    /// The dispatcher's local name: the route no longer calls it.
    pub dispatcher: String,
    /// Where the call was (1-based line and column), and how many lines it took; how many the
    /// switch takes.
    pub line: usize,
    pub column: usize,
    pub call_lines: usize,
    pub switch_lines: usize,
}

impl Desugared {
    /// A diagnostic of the switch's text, placed in the route's source: code before the call
    /// stays where it was, code after it moves by the difference, the switch's own is the call.
    pub fn place(&self, mut d: crate::diagnostics::Diagnostic) -> crate::diagnostics::Diagnostic {
        if d.line < self.line {
            return d;
        }
        if d.line >= self.line + self.switch_lines {
            d.line = d.line - self.switch_lines + self.call_lines;
            return d;
        }
        d.line = self.line;
        d.column = self.column;
        d
    }
}

/// The route as a switch on the method, when its handler ends by calling a dispatcher of the
/// app with a map literal. None when it does not; `Err` with why its call cannot be one.
pub fn desugar(input: &RouteInput, module: &Module) -> Option<Result<Desugared, String>> {
    let src = input.src;
    // Most routes import no dispatcher: they pay this look only.
    let imports_dispatcher = input
        .foreign
        .iter()
        .any(|f| f.helpers.iter().any(|h| h.dispatcher.is_some()));
    if !imports_dispatcher {
        return None;
    }
    let shape = handler::locate(module, src).ok()?;
    let h = &shape.handler;
    let handler::HandlerBody::Block(body) = &h.body else {
        return None;
    };
    let last = body.stmts.last()?;
    let call_expr = match last {
        Stmt::Return(ReturnStmt { arg: Some(a), .. }) => &**a,
        Stmt::Expr(e) => &*e.expr,
        _ => return None,
    };
    let Expr::Call(call) = (match unwrap_expr(call_expr) {
        Expr::Await(a) => unwrap_expr(&a.arg),
        e => e,
    }) else {
        return None;
    };
    let local = callee_expr(call).and_then(ident_name)?.to_string();
    let helper = twins::imported_helper(module, input.foreign, &local)?;
    helper.dispatcher.as_ref()?;
    let q = super::imports::import_facts(module, src)
        .quote
        .unwrap_or('\'');
    Some(desugar_call(input, h, last, call, &local, helper, q))
}

/// The switch for the dispatcher call `call` (the handler's last statement `last`) of the
/// helper `helper`, imported as `local`; `q`: the route's quote.
fn desugar_call(
    input: &RouteInput,
    h: &handler::Handler,
    last: &Stmt,
    call: &CallExpr,
    local: &str,
    helper: &twins::TwinHelper,
    q: char,
) -> Result<Desugared, String> {
    let src = input.src;
    let Some(d) = &helper.dispatcher else {
        return Err(format!("`{local}` is not a dispatcher"));
    };
    let why = |w: &str| {
        Err(format!(
            "its call of `{local}` cannot become one export per method: {w}"
        ))
    };
    if !h.wrappers.is_empty() {
        return why("the handler is wrapped");
    }
    let pname = |p: &Pat| match p {
        Pat::Ident(b) => Some(b.id.sym.to_string()),
        _ => None,
    };
    let (Some(req), Some(res)) = (
        h.params.first().and_then(|p| pname(p)),
        h.params.get(1).and_then(|p| pname(p)),
    ) else {
        return why("the handler does not name its `req` and `res`");
    };
    if (req.as_str(), res.as_str()) != (d.req.as_str(), d.res.as_str()) {
        return why(&format!(
            "the handler names its parameters ({req}, {res}), the dispatcher ({}, {})",
            d.req, d.res
        ));
    }
    let args = &call.args;
    if args.len() != helper.param_count || args.iter().any(|a| a.spread.is_some()) {
        return why("it does not pass (req, res, map)");
    }
    let passes = |pos: Option<usize>, name: &str| {
        pos.and_then(|p| args.get(p))
            .is_some_and(|a| ident_name(&a.expr) == Some(name))
    };
    if !passes(helper.req_pos, &req) || !passes(Some(helper.res_pos), &res) {
        return why("it does not pass the handler's own req and res");
    }
    let Some(Expr::Object(map)) = args.get(d.map_pos).map(|a| unwrap_expr(&a.expr)) else {
        return why("its map is not an object literal");
    };
    let start = range(last.span()).start;
    if !crate::text::starts_line(src, start) {
        return why("the call does not start its line");
    }
    let i0 = crate::text::indent_of_line(src, start).to_string();
    let outer = crate::text::indent_of_line(src, h.replace.start);
    let unit = i0
        .strip_prefix(outer)
        .filter(|u| !u.is_empty())
        .unwrap_or(if i0.starts_with('\t') { "\t" } else { "  " })
        .to_string();
    let (i1, i2) = (format!("{i0}{unit}"), format!("{i0}{unit}{unit}"));
    let nl = crate::text::newline_of(src);
    let semi = if src[range(last.span())].trim_end().ends_with(';') {
        ";"
    } else {
        ""
    };
    let mut keys: Vec<String> = Vec::new();
    let mut out = format!("switch ({req}.method) {{{nl}");
    for p in &map.props {
        let PropOrSpread::Prop(p) = p else {
            return why("its map spreads another object");
        };
        let (key, value): (String, Option<&Expr>) = match &**p {
            Prop::Shorthand(i) => (i.sym.to_string(), None),
            Prop::KeyValue(kv) => {
                let k = match &kv.key {
                    PropName::Ident(i) => i.sym.to_string(),
                    PropName::Str(s) => s.value.to_atom_lossy().to_string(),
                    _ => return why("a key of its map is not a method name"),
                };
                (k, Some(&*kv.value))
            }
            Prop::Method(_) => return why("its map has a method definition"),
            _ => return why("a key of its map is not a method name"),
        };
        if !METHODS.contains(&key.as_str()) || keys.contains(&key) {
            return why(&format!(
                "`{key}` is not a method name it can export (or is given twice)"
            ));
        }
        out.push_str(&format!("{i1}case {q}{key}{q}:"));
        let value = value.map(unwrap_expr);
        match value {
            None | Some(Expr::Ident(_)) => {
                let f = value.and_then(ident_name).unwrap_or(&key);
                out.push_str(&format!("{nl}{i2}return {f}({req}, {res}){semi}{nl}"));
            }
            Some(Expr::Arrow(a)) => {
                let params: Vec<&Pat> = a.params.iter().collect();
                if let Err(w) = check_params(&params, &req, &res, a.is_async, h.is_async) {
                    return why(&format!("`{key}`: {w}"));
                }
                match &*a.body {
                    ArrowFunctionBody::Expr(e) => {
                        let text = reindent(src, range(e.span()), &i2);
                        out.push_str(&format!("{nl}{i2}return {text}{semi}{nl}"));
                    }
                    ArrowFunctionBody::FunctionBody(b) => {
                        out.push_str(&block_case(src, &b.stmts, &i1, &i2, nl, semi));
                    }
                }
            }
            Some(Expr::Fn(f)) => {
                let params: Vec<&Pat> = f.function.params.iter().map(|p| &p.pat).collect();
                if let Err(w) = check_params(&params, &req, &res, f.function.is_async, h.is_async) {
                    return why(&format!("`{key}`: {w}"));
                }
                if uses_this(&f.function) || f.function.is_generator {
                    return why(&format!("`{key}` uses `this` or `arguments`"));
                }
                let Some(b) = &f.function.body else {
                    return why(&format!("`{key}` has no body"));
                };
                out.push_str(&block_case(src, &b.stmts, &i1, &i2, nl, semi));
            }
            Some(_) => return why(&format!("`{key}` is not a function of the route")),
        }
        keys.push(key);
    }
    if keys.is_empty() {
        return why("its map is empty");
    }
    // The dispatcher's answer to the other methods, its map's keys spelled out.
    out.push_str(&format!("{i1}default:{nl}{i2}"));
    let mut answer = String::new();
    for piece in &d.fallback {
        match piece {
            Piece::Text(t) => answer.push_str(t),
            Piece::Keys => {
                let list: Vec<String> = keys.iter().map(|k| format!("{q}{k}{q}")).collect();
                answer.push_str(&format!("[{}]", list.join(", ")));
            }
            Piece::KeysJoined(sep) => {
                if sep.contains(q) || sep.contains('\\') {
                    return why("the dispatcher joins the methods with a quote or backslash");
                }
                answer.push_str(&format!("{q}{}{q}", keys.join(sep)));
            }
        }
    }
    let answer_nl = answer.replace("\r\n", "\n");
    for (k, line) in answer_nl.split('\n').enumerate() {
        if k > 0 {
            out.push_str(nl);
            match line.strip_prefix(d.indent.as_str()) {
                Some(rest) => {
                    out.push_str(&i2);
                    out.push_str(rest);
                }
                None => out.push_str(line),
            }
        } else {
            out.push_str(line);
        }
    }
    out.push_str(&format!("{nl}{i0}}}"));
    let r = range(last.span());
    let (line, column) = crate::text::line_col(src, r.start);
    let call_lines = src[r.clone()].matches('\n').count() + 1;
    let switch_lines = out.matches('\n').count() + 1;
    let mut edits = EditSet::new();
    edits.add(Edit {
        range: r,
        text: out,
        needs: Needs::default(),
    });
    let (text, copied) = edits.render_mapped(src, &mut Needs::default());
    Ok(Desugared {
        text,
        copied,
        dispatcher: local.to_string(),
        line,
        column,
        call_lines,
        switch_lines,
    })
}

/// An inline function's parameters are the handler's `req` and `res` by name, or unused.
fn check_params(
    params: &[&Pat],
    req: &str,
    res: &str,
    is_async: bool,
    handler_async: bool,
) -> Result<(), String> {
    if is_async && !handler_async {
        return Err("it is async and the handler is not".into());
    }
    if params.len() > 2 {
        return Err("it takes more than (req, res)".into());
    }
    for (k, p) in params.iter().enumerate() {
        let Pat::Ident(b) = p else {
            return Err("it destructures a parameter".into());
        };
        let own = if k == 0 { req } else { res };
        let name = b.id.sym.as_ref();
        if name != own && !name.starts_with('_') {
            return Err(format!(
                "it names its parameter `{name}` where the handler has `{own}`"
            ));
        }
    }
    Ok(())
}

/// Whether a function expression refers to its own `this` or `arguments`.
pub(crate) fn uses_this(f: &Function) -> bool {
    struct Finds(bool);
    impl Visit for Finds {
        fn visit_this_expr(&mut self, _: &ThisExpr) {
            self.0 = true;
        }
        fn visit_ident(&mut self, i: &Ident) {
            if i.sym == "arguments" {
                self.0 = true;
            }
        }
        fn visit_function(&mut self, _: &Function) {}
    }
    let mut v = Finds(false);
    f.body.visit_with(&mut v);
    v.0
}

/// A `case` of a block-bodied function: its statements in a block, ending with `return;` when
/// they can run past their end (the dispatcher returned there).
fn block_case(src: &str, stmts: &[Stmt], i1: &str, i2: &str, nl: &str, semi: &str) -> String {
    let mut out = format!(" {{{nl}");
    if let (Some(first), Some(last)) = (stmts.first(), stmts.last()) {
        let r = range(first.span()).start..range(last.span()).end;
        out.push_str(i2);
        out.push_str(&reindent(src, r, i2));
        out.push_str(nl);
        if !matches!(last, Stmt::Return(_) | Stmt::Throw(_)) {
            out.push_str(&format!("{i2}return{semi}{nl}"));
        }
    } else {
        out.push_str(&format!("{i2}return{semi}{nl}"));
    }
    out.push_str(&format!("{i1}}}{nl}"));
    out
}

/// The text at `r`, its lines after the first moved from their indentation (that of the line
/// `r` starts on) to `to`; as written when a line is indented less (a template literal's).
pub(crate) fn reindent(src: &str, r: Range<usize>, to: &str) -> String {
    let text = &src[r.clone()];
    let from = crate::text::indent_of_line(src, r.start);
    let lines: Vec<&str> = text.split('\n').collect();
    let movable = lines[1..]
        .iter()
        .all(|l| l.trim().is_empty() || l.starts_with(from));
    if !movable || from == to {
        return text.to_string();
    }
    let mut out = String::from(lines[0]);
    for l in &lines[1..] {
        out.push('\n');
        if l.trim().is_empty() {
            out.push_str(l);
        } else {
            out.push_str(to);
            out.push_str(&l[from.len()..]);
        }
    }
    out
}

/// The route's imports of helper modules with the dispatcher it calls declined for `why`, so
/// that the diagnostic about its call says why it stays (`Err` of [`desugar`], or the rewrite
/// of the switch stopping).
pub fn declined(input: &RouteInput, why: String) -> Vec<twins::ForeignImport> {
    let mut foreign = input.foreign.to_vec();
    let dispatcher = |h: &twins::TwinHelper| h.dispatcher.is_some();
    for f in &mut foreign {
        let names: Vec<String> = f
            .helpers
            .iter()
            .filter(|h| dispatcher(h))
            .map(|h| h.name.clone())
            .collect();
        f.helpers.retain(|h| !dispatcher(h));
        for name in names {
            f.declined.push(twins::Declined {
                name,
                offset: 0,
                reason: why.clone(),
            });
        }
    }
    foreign
}
