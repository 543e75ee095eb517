//! The request/response rewrite: every use of the handler's `req` and `res` becomes its Route
//! Handler equivalent, or a diagnostic saying why it cannot.
//!
//! One pass over the handler body with scope tracking (an inner `res => res.json()` callback is
//! not the handler's `res`) and tail-position tracking: a response call becomes `return <Response>`,
//! which is only the same program when nothing of the handler runs after it.

use std::collections::HashSet;
use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::ast_util::*;
use super::names::Names;
use crate::diagnostics::{Code, Diagnostic};
use crate::edit::{Edit, EditSet, Needs, INIT_CLOSE, INIT_OPEN, INIT_SEP, REDIRECT_OPEN};
use crate::parse::range;

/// How an alias of `req.method` spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodCase {
    AsIs,
    Lower,
    Upper,
}

/// How the route's body is read, from `config.api.bodyParser`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyMode {
    /// The default parser, with an optional `sizeLimit` (source text of the value).
    Parsed { size_limit: Option<String> },
    /// `bodyParser: false`: raw reads only.
    Raw,
}

pub struct UsageInput<'a> {
    pub src: &'a str,
    pub req: Option<String>,
    pub res: Option<String>,
    pub names: &'a Names,
    pub body_mode: BodyMode,
    /// Local names of raw-body readers (`buffer` from micro, default of raw-body).
    pub raw_body_fns: Vec<String>,
    /// The route's dynamic param names (Pages' `req.url` drops search keys named like them).
    pub param_names: Vec<String>,
    /// Local name of next-auth's `getServerSession`, when imported.
    pub get_server_session: Option<String>,
    /// Local name of iron-session's `getIronSession` when the app's version has the cookie-store
    /// form (see [`crate::recipes::iron_session`]).
    pub get_iron_session: Option<String>,
    /// Functions of this module that respond through `res` for the handler (see `delegates`).
    pub delegates: &'a [super::delegates::Delegate],
    /// Response state a delegate receives from its caller (`headers`, `status` parameters):
    /// `Needs::HEADERS_VAR` / `Needs::STATUS_VAR`, or empty for the handler itself.
    pub state_params: Needs,
    /// The body of a middleware's checks (see [`super::middleware`]): the code after them runs
    /// when none answers, so no response is in a tail position, and `return false` (`null`,
    /// `undefined`) after a response ends the check like a bare `return`.
    pub middleware_body: bool,
    /// Fields a wrapper of the app put on `req` before it called the handler, and the name of
    /// the parameter its twin passes them in (`req.user` → `session.user`, see
    /// [`super::wrappers`]), or empty where the function destructures it (`req.user` → `user`).
    pub decorated: Vec<(Vec<String>, String)>,
}

/// Whether code keeps response state (a status or headers set before responding), including
/// through header-only delegates it calls: (status, headers).
pub fn response_state(input: &UsageInput, body: Result<&[Stmt], &Expr>) -> (bool, bool) {
    match body {
        Ok(stmts) => state_set_by(input, stmts),
        Err(e) => state_set_by(input, e),
    }
}

/// (status, headers) a node sets, flow-insensitively (see `PreScan`).
fn state_set_by<N>(input: &UsageInput, n: &N) -> (bool, bool)
where
    N: for<'d> VisitWith<PreScan<'d>> + ?Sized,
{
    let mut pre = PreScan {
        res: input.res.as_deref(),
        status: false,
        headers: false,
        delegates: input.delegates,
        get_server_session: input.get_server_session.as_deref(),
    };
    n.visit_with(&mut pre);
    (pre.status, pre.headers)
}

/// Whether response state set by `body` (a status, headers) can reach a call of a response
/// delegate that runs after it: (status, headers). A header set in one `case` (a 405 that sets
/// `Allow`) does not reach a delegate called in another, nor one in an `if` branch the other
/// way; statements that loop, or that do both, are taken to reach.
pub fn response_state_reaching_delegates(
    input: &UsageInput,
    body: Result<&[Stmt], &Expr>,
) -> (bool, bool) {
    let Ok(stmts) = body else {
        return response_state(input, body);
    };
    let mut flow = StateFlow {
        input,
        status: false,
        headers: false,
    };
    flow.list(stmts, (false, false));
    (flow.status, flow.headers)
}

struct StateFlow<'a> {
    input: &'a UsageInput<'a>,
    /// State found to reach a delegate call.
    status: bool,
    headers: bool,
}

impl StateFlow<'_> {
    /// (status, headers) a node sets, flow-insensitively.
    fn sets<N>(&self, n: &N) -> (bool, bool)
    where
        N: for<'d> VisitWith<PreScan<'d>>,
    {
        state_set_by(self.input, n)
    }

    /// Whether a node calls a response delegate.
    fn calls<N>(&self, s: &N) -> bool
    where
        N: for<'d> VisitWith<Calls<'d>>,
    {
        let mut v = Calls(self.input.delegates, false);
        s.visit_with(&mut v);
        v.1
    }

    fn reach(&mut self, state: (bool, bool)) {
        self.status |= state.0;
        self.headers |= state.1;
    }

    /// Walks a statement list with the state set before it; the state after it (None when it
    /// cannot complete normally).
    fn list(&mut self, stmts: &[Stmt], mut state: (bool, bool)) -> Option<(bool, bool)> {
        for s in stmts {
            state = self.stmt(s, state)?;
        }
        Some(state)
    }

    fn stmt(&mut self, s: &Stmt, state: (bool, bool)) -> Option<(bool, bool)> {
        let or = |a: (bool, bool), b: (bool, bool)| (a.0 | b.0, a.1 | b.1);
        match s {
            Stmt::Block(b) => self.list(&b.stmts, state),
            Stmt::If(i) => {
                let test = self.sets(&*i.test);
                if self.calls(&*i.test) {
                    self.reach(or(state, test));
                }
                let state = or(state, test);
                let a = self.stmt(&i.cons, state);
                let b = match &i.alt {
                    Some(alt) => self.stmt(alt, state),
                    None => Some(state),
                };
                match (a, b) {
                    (Some(a), Some(b)) => Some(or(a, b)),
                    (Some(x), None) | (None, Some(x)) => Some(x),
                    (None, None) => None,
                }
            }
            Stmt::Switch(sw) => {
                let disc = self.sets(&*sw.discriminant);
                let entry = or(state, disc);
                let mut after: Option<(bool, bool)> = None;
                let mut carried: Option<(bool, bool)> = None;
                let has_default = sw.cases.iter().any(|c| c.test.is_none());
                for c in &sw.cases {
                    let start = match carried {
                        Some(x) => or(entry, x),
                        None => entry,
                    };
                    // A `break` ends the case like a completion of the switch.
                    let breaks = c.cons.iter().any(contains_break);
                    let end = self.list(&c.cons, start);
                    if breaks {
                        let whole = or(start, self.sets_all(&c.cons));
                        after = Some(after.map_or(whole, |a| or(a, whole)));
                    }
                    carried = end;
                }
                if let Some(x) = carried {
                    after = Some(after.map_or(x, |a| or(a, x)));
                }
                if !has_default {
                    after = Some(after.map_or(entry, |a| or(a, entry)));
                }
                after
            }
            Stmt::Return(_) | Stmt::Throw(_) => {
                if self.calls(s) {
                    let sets = self.sets(s);
                    self.reach(or(state, sets));
                }
                None
            }
            _ => {
                let sets = self.sets(s);
                if self.calls(s) && (state.0 || state.1 || sets.0 || sets.1) {
                    self.reach(or(state, sets));
                }
                Some(or(state, sets))
            }
        }
    }

    fn sets_all(&self, stmts: &[Stmt]) -> (bool, bool) {
        stmts.iter().fold((false, false), |a, s| {
            let b = self.sets(s);
            (a.0 | b.0, a.1 | b.1)
        })
    }
}

/// Finds calls of response delegates (middleware carry the state to their answer themselves).
struct Calls<'d>(&'d [super::delegates::Delegate], bool);

impl Visit for Calls<'_> {
    fn visit_call_expr(&mut self, c: &CallExpr) {
        let name = callee_expr(c).and_then(ident_name);
        if self
            .0
            .iter()
            .any(|d| d.answers_for_its_caller() && Some(d.name.as_str()) == name)
        {
            self.1 = true;
        }
        c.visit_children_with(self);
    }
}

/// Whether a statement holds a `break` of an enclosing switch (outside nested loops/switches).
fn contains_break(s: &Stmt) -> bool {
    match s {
        Stmt::Break(b) => b.label.is_none(),
        Stmt::Block(b) => b.stmts.iter().any(contains_break),
        Stmt::If(i) => contains_break(&i.cons) || i.alt.as_deref().is_some_and(contains_break),
        Stmt::Try(t) => {
            t.block.stmts.iter().any(contains_break)
                || t.handler
                    .as_ref()
                    .is_some_and(|h| h.body.stmts.iter().any(contains_break))
                || t.finalizer
                    .as_ref()
                    .is_some_and(|f| f.stmts.iter().any(contains_break))
        }
        Stmt::Labeled(l) => contains_break(&l.body),
        _ => false,
    }
}

#[derive(Default)]
pub struct Usage {
    pub edits: EditSet,
    pub diagnostics: Vec<Diagnostic>,
    /// Names bound to `req.method` (`const { method } = req`, `const m = req.method`), with the case
    /// change applied to it (`req.method.toLowerCase()`).
    pub method_aliases: Vec<(String, MethodCase)>,
    /// Start offsets of statements that became `return <Response>`: they end the function.
    pub returning_stmts: HashSet<usize>,
    /// Start offsets of statements the rewrite deleted (a `return;`/`break;` after a response).
    pub removed_stmts: HashSet<usize>,
    /// The code sets the status / response headers before responding (see `PreScan`).
    pub uses_status_var: bool,
    pub uses_headers_var: bool,
    /// How often each delegate was called from a supported position.
    pub delegate_calls: std::collections::HashMap<String, usize>,
    /// `req`/`res` handed to a function by name (`handleGET(req, res)`): where the diagnostic
    /// about it points, the function's name, and where the call starts. A same-file function
    /// that cannot be rewritten is blocked by code of its own, which is the cause to report.
    pub escapes_into: Vec<Escape>,
}

/// `req` or `res` passed to the function `callee` in the call starting at `call`; `at` is where
/// its diagnostic points.
#[derive(Debug, Clone)]
pub struct Escape {
    pub at: usize,
    pub callee: String,
    pub call: usize,
}

/// Runs the rewrite over a block body, or over an expression body.
/// `edits` holds edits made before (rebased import specifiers); the rewrite builds around them.
pub fn analyse(input: &UsageInput, body: Result<&[Stmt], &Expr>, edits: EditSet) -> Usage {
    let (status, headers) = response_state(input, body);
    let mut v = UsageVisitor {
        input,
        fn_depth: 0,
        tail: !input.middleware_body,
        break_is_tail: false,
        shadow_req: 0,
        shadow_res: 0,
        converted: false,
        decl_kind: None,
        list_stmt: None,
        split_at: None,
        call: None,
        decorated: input.decorated.clone(),
        state_before: (false, false),
        has_middleware: input.delegates.iter().any(|d| d.middleware.is_some()),
        out: Usage {
            edits,
            uses_status_var: status || input.state_params.contains(Needs::STATUS_VAR),
            uses_headers_var: headers || input.state_params.contains(Needs::HEADERS_VAR),
            ..Default::default()
        },
    };
    match body {
        Ok(stmts) => v.visit_stmts(stmts),
        Err(e) => {
            if v.is_response_expr(e) {
                v.rewrite_response_expr(e, false);
            } else {
                v.visit_expr(e);
            }
        }
    }
    v.out
}

/// Finds whether the handler keeps response state across statements (status, headers).
struct PreScan<'d> {
    res: Option<&'d str>,
    status: bool,
    headers: bool,
    delegates: &'d [super::delegates::Delegate],
    /// next-auth's `getServerSession`: its three-argument form writes cookies through `res`.
    get_server_session: Option<&'d str>,
}

impl PreScan<'_> {
    /// `res`, or `res.status(..)`/`res.setHeader(..)` chained any number of times.
    fn chain_on_res(&self, e: &Expr) -> bool {
        let mut cur = e;
        loop {
            if self.res.is_some() && ident_name(cur) == self.res {
                return true;
            }
            let Expr::Call(c) = unwrap_expr(cur) else {
                return false;
            };
            match method_call(c) {
                Some((inner, name)) if name == "status" || name == "setHeader" => cur = inner,
                _ => return false,
            }
        }
    }
}

impl Visit for PreScan<'_> {
    fn visit_call_expr(&mut self, c: &CallExpr) {
        let name = callee_expr(c).and_then(ident_name);
        let header_delegate = self.delegates.iter().find(|d| {
            (d.sets_headers_only || d.middleware.as_ref().is_some_and(|m| m.connect))
                && Some(d.name.as_str()) == name
        });
        let session_call = name.is_some() && name == self.get_server_session && c.args.len() == 3;
        if session_call
            && c.args
                .get(1)
                .is_some_and(|a| self.res.is_some() && ident_name(&a.expr) == self.res)
        {
            self.headers = true;
        }
        if let Some(d) = header_delegate {
            if c.args
                .get(d.res_pos)
                .is_some_and(|a| self.res.is_some() && ident_name(&a.expr) == self.res)
            {
                self.headers = true;
            }
        }
        c.visit_children_with(self);
    }
    fn visit_member_expr(&mut self, m: &MemberExpr) {
        if member_prop_name(m).as_deref() == Some("setHeader") && self.chain_on_res(&m.obj) {
            self.headers = true;
        }
        if self.res.is_some() && ident_name(&m.obj) == self.res {
            match member_prop_name(m).as_deref() {
                Some("setHeader" | "appendHeader" | "removeHeader" | "getHeader" | "hasHeader") => {
                    self.headers = true
                }
                Some("statusCode") => self.status = true,
                _ => {}
            }
        }
        m.visit_children_with(self);
    }
    fn visit_expr_stmt(&mut self, s: &ExprStmt) {
        if let Expr::Call(c) = unwrap_expr(&s.expr) {
            if let Some((obj, name)) = method_call(c) {
                if name == "status" && self.res.is_some() && ident_name(obj) == self.res {
                    self.status = true;
                }
            }
        }
        s.visit_children_with(self);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RespKind {
    Json,
    Send,
    End,
    Redirect,
}

struct RespCall<'a> {
    status: Option<&'a Expr>,
    /// `.setHeader(k, v)` links of the chain, in the order they run.
    set_headers: Vec<(&'a Expr, &'a Expr)>,
    kind: RespKind,
    args: &'a [ExprOrSpread],
}

struct UsageVisitor<'a> {
    input: &'a UsageInput<'a>,
    fn_depth: usize,
    tail: bool,
    break_is_tail: bool,
    shadow_req: usize,
    shadow_res: usize,
    /// Set when the statement just visited became a `return`.
    converted: bool,
    /// The kind of the variable declaration being visited.
    decl_kind: Option<VarDeclKind>,
    /// The start of the statement being visited when it stands in a statement list (a block,
    /// a function body, a `case`), where a response may be preceded by statements of its own.
    list_stmt: Option<usize>,
    /// Set for the response expression of such a statement: where the statement starts (on
    /// its own line) and whether it ends with `;`. A chained `setHeader` then becomes a
    /// statement before the response instead of a comma expression.
    split_at: Option<(usize, bool)>,
    /// The innermost call of a function by name being visited: its name and start.
    call: Option<(String, usize)>,
    /// The fields middleware put on `req` before, and the name of what its twin returned
    /// (`req.user` → `auth.user`).
    decorated: Vec<(Vec<String>, String)>,
    /// (status, headers) set by a statement visited before, in source order: an answer of a
    /// middleware after them carried them in Pages. Kept only when a middleware is known.
    state_before: (bool, bool),
    /// A delegate is a middleware (the route imports one): its checks are looked for.
    has_middleware: bool,
    out: Usage,
}

impl<'a> UsageVisitor<'a> {
    fn src(&self) -> &'a str {
        self.input.src
    }
    fn names(&self) -> &'a Names {
        self.input.names
    }
    fn is_req(&self, e: &Expr) -> bool {
        self.shadow_req == 0
            && self.input.req.is_some()
            && ident_name(e) == self.input.req.as_deref()
    }
    fn is_res(&self, e: &Expr) -> bool {
        self.shadow_res == 0
            && self.input.res.is_some()
            && ident_name(e) == self.input.res.as_deref()
    }
    fn diag(&mut self, code: Code, msg: impl Into<String>, at: usize) {
        let d = Diagnostic::at(code, msg, self.src(), at);
        if !self.out.diagnostics.contains(&d) {
            self.out.diagnostics.push(d);
        }
    }
    fn text(&self, r: Range<usize>, needs: &mut Needs) -> String {
        self.out.edits.render(self.src(), r, needs)
    }
    fn add(&mut self, range: Range<usize>, text: String, needs: Needs) {
        let at = range.start;
        if !self.out.edits.add(Edit { range, text, needs }) {
            self.diag(
                Code::InternalError,
                "overlapping rewrites (a bug in pages2app)",
                at,
            );
        }
    }

    /// Shadowing: run `f` with the handler's names hidden where `names` rebinds them.
    fn with_bindings(&mut self, names: &[String], f: impl FnOnce(&mut Self)) {
        let req = self.input.req.as_ref().is_some_and(|r| names.contains(r));
        let res = self.input.res.as_ref().is_some_and(|r| names.contains(r));
        self.shadow_req += req as usize;
        self.shadow_res += res as usize;
        f(self);
        self.shadow_req -= req as usize;
        self.shadow_res -= res as usize;
    }

    fn enter_function(
        &mut self,
        params: Vec<String>,
        body_stmts: Option<&[Stmt]>,
        f: impl FnOnce(&mut Self),
    ) {
        let mut names = params;
        if let Some(stmts) = body_stmts {
            var_names(stmts, &mut names);
            block_scoped_names(stmts, &mut names);
        }
        let (tail, brk) = (self.tail, self.break_is_tail);
        self.tail = false;
        self.break_is_tail = false;
        self.fn_depth += 1;
        self.with_bindings(&names, f);
        self.fn_depth -= 1;
        self.tail = tail;
        self.break_is_tail = brk;
    }

    // ---- the request side -------------------------------------------------------------------

    /// The replacement for `req.<key>`, or None when the member has no rewrite.
    fn req_member(&mut self, key: &str, at: usize) -> Option<(String, Needs)> {
        let n = self.names();
        Some(match key {
            "method" => (format!("{}.method", n.request), Needs::default()),
            "query" => (n.query.clone(), Needs::QUERY_VAR | Needs::HELPER_QUERY),
            "body" => {
                if self.input.body_mode == BodyMode::Raw {
                    self.diag(Code::UnsupportedRequestMember, "`req.body` with `bodyParser: false` is undefined in Pages; read the raw body instead", at);
                    return None;
                }
                (
                    n.body.clone(),
                    Needs::BODY_VAR | Needs::HELPER_BODY | Needs::AWAIT,
                )
            }
            "cookies" => (
                format!("{}.cookies({})", n.pages, n.request),
                Needs::HELPER_COOKIES,
            ),
            "headers" => (
                format!("{}.headers({})", n.pages, n.request),
                Needs::HELPER_HEADERS,
            ),
            "url" => {
                let text = if self.input.param_names.is_empty() {
                    format!("{}.url({})", n.pages, n.request)
                } else {
                    let names: Vec<String> = self
                        .input
                        .param_names
                        .iter()
                        .map(|p| format!("'{}'", p.replace('\\', "\\\\").replace('\'', "\\'")))
                        .collect();
                    format!("{}.url({}, [{}])", n.pages, n.request, names.join(", "))
                };
                (text, Needs::HELPER_URL)
            }
            "env" => ("process.env".to_string(), Needs::default()),
            _ => match self
                .decorated
                .iter()
                .rev()
                .find(|(fields, _)| fields.iter().any(|f| f == key))
            {
                Some((_, result)) if result.is_empty() => (key.to_string(), Needs::default()),
                Some((_, result)) => (format!("{result}.{key}"), Needs::default()),
                None => return None,
            },
        })
    }

    fn handle_req_member(&mut self, m: &MemberExpr) {
        let r = range(m.span);
        let Some(key) = member_prop_name(m) else {
            self.diag(
                Code::UnsupportedRequestMember,
                "`req[...]` with a computed key",
                r.start,
            );
            return;
        };
        match self.req_member(&key, r.start) {
            Some((text, needs)) => self.add(r, text, needs),
            None => {
                let hint = match &*key {
                    "socket" | "connection" => {
                        " (no socket in Route Handlers: use the x-forwarded-for header)"
                    }
                    "on" | "once" | "pipe" | "read" => {
                        " (stream reads: use request.body / request.arrayBuffer())"
                    }
                    "preview" | "previewData" | "draftMode" => {
                        " (use draftMode() from next/headers)"
                    }
                    _ => "",
                };
                if self
                    .out
                    .diagnostics
                    .iter()
                    .all(|d| d.code != Code::UnsupportedRequestMember)
                    || !hint.is_empty()
                {
                    self.diag(
                        Code::UnsupportedRequestMember,
                        format!("`req.{key}` has no automatic Route Handler equivalent{hint}"),
                        r.start,
                    );
                }
            }
        }
    }

    /// `const { method, query: { id }, body } = req`.
    fn rewrite_req_destructuring(&mut self, pat: &ObjectPat, init_range: Range<usize>) {
        let mut parts = Vec::new();
        let mut needs = Needs::default();
        for prop in &pat.props {
            let key = match prop {
                ObjectPatProp::KeyValue(kv) => match &kv.key {
                    PropName::Ident(i) => i.sym.to_string(),
                    PropName::Str(s) => s.value.to_atom_lossy().to_string(),
                    _ => {
                        self.diag(
                            Code::RequestEscapes,
                            "destructuring `req` with a computed key",
                            range(pat.span).start,
                        );
                        return;
                    }
                },
                ObjectPatProp::Assign(a) => a.key.sym.to_string(),
                ObjectPatProp::Rest(r) => {
                    self.diag(Code::RequestEscapes, "`...rest` of `req` keeps the Node request object; pick the fields you need", range(r.span).start);
                    return;
                }
            };
            if key == "method" {
                if let ObjectPatProp::Assign(a) = prop {
                    if a.value.is_none() {
                        self.out
                            .method_aliases
                            .push((a.key.sym.to_string(), MethodCase::AsIs));
                    }
                } else if let ObjectPatProp::KeyValue(kv) = prop {
                    if let Pat::Ident(b) = &*kv.value {
                        self.out
                            .method_aliases
                            .push((b.id.sym.to_string(), MethodCase::AsIs));
                    }
                }
            }
            let Some((text, n)) = self.req_member(&key, range(pat.span).start) else {
                if !self
                    .out
                    .diagnostics
                    .iter()
                    .any(|d| d.code == Code::UnsupportedRequestMember)
                {
                    self.diag(
                        Code::UnsupportedRequestMember,
                        format!("`req.{key}` has no automatic Route Handler equivalent"),
                        range(pat.span).start,
                    );
                }
                return;
            };
            needs |= n;
            parts.push(if text == key {
                key
            } else {
                format!("{key}: {text}")
            });
        }
        // `const { method } = req` reads `method` off the Request as it did off the Node request:
        // the pattern stays, only the object changes.
        let only_method = pat.props.iter().all(|p| match p {
            ObjectPatProp::Assign(a) => &*a.key.sym == "method",
            ObjectPatProp::KeyValue(kv) => {
                matches!(&kv.key, PropName::Ident(i) if &*i.sym == "method")
            }
            ObjectPatProp::Rest(_) => false,
        });
        let text = if only_method {
            self.names().request.clone()
        } else {
            format!("{{ {} }}", parts.join(", "))
        };
        self.add(init_range, text, needs);
    }

    // ---- the response side ------------------------------------------------------------------

    /// `res[.status(n)][.setHeader(k, v)]...<json|send|end|redirect>(...)`: Node's `status` and
    /// `setHeader` return `res`, so they chain.
    fn response_call<'e>(&self, e: &'e Expr) -> Option<RespCall<'e>> {
        let Expr::Call(c) = unwrap_expr(e) else {
            return None;
        };
        let (obj, name) = method_call(c)?;
        let kind = match &*name {
            "json" => RespKind::Json,
            "send" => RespKind::Send,
            "end" => RespKind::End,
            "redirect" => RespKind::Redirect,
            _ => return None,
        };
        let mut status = None;
        let mut set_headers = Vec::new();
        let mut cur = obj;
        while !self.is_res(cur) {
            let Expr::Call(link) = unwrap_expr(cur) else {
                return None;
            };
            let (inner, link_name) = method_call(link)?;
            if link.args.iter().any(|a| a.spread.is_some()) {
                return None;
            }
            match (&*link_name, link.args.as_slice()) {
                // the outermost status call is the last one run: it wins
                ("status", [s]) => {
                    if status.is_none() {
                        status = Some(&*s.expr);
                    }
                }
                ("setHeader", [k, v]) => set_headers.push((&*k.expr, &*v.expr)),
                _ => return None,
            }
            cur = inner;
        }
        set_headers.reverse();
        Some(RespCall {
            status,
            set_headers,
            kind,
            args: &c.args,
        })
    }

    /// A response call, or a conditional whose branches are all response expressions.
    fn is_response_expr(&self, e: &Expr) -> bool {
        match unwrap_expr(e) {
            Expr::Cond(c) => self.is_response_expr(&c.cons) && self.is_response_expr(&c.alt),
            // `return void res.json(x)`: the `void` only kept the handler's return type happy.
            Expr::Unary(u) if u.op == UnaryOp::Void => self.is_response_expr(&u.arg),
            _ => self.response_call(e).is_some() || self.delegate_call(e).is_some(),
        }
    }

    /// `[await] helper(req, res, ...)` where `helper` is a delegate and the handler's own `req`/`res`
    /// sit at the delegate's positions.
    fn delegate_call<'e>(
        &self,
        e: &'e Expr,
    ) -> Option<(&'a super::delegates::Delegate, &'e CallExpr, bool)> {
        let (c, awaited, name) = named_call(e)?;
        let d = self
            .input
            .delegates
            .iter()
            .find(|d| d.name == name && d.answers_for_its_caller())?;
        if c.args.iter().any(|a| a.spread.is_some()) || !takes(d, c.args.len()) {
            return None;
        }
        if !self.is_res(&c.args[d.res_pos].expr) {
            return None;
        }
        if let Some(p) = d.req_pos {
            if !self.is_req(&c.args[p].expr) {
                return None;
            }
        }
        Some((d, c, awaited))
    }

    /// `getApiUser(req)` where `getApiUser` only reads the request: it now reads the `request`.
    fn rewrite_reader_call(&mut self, c: &CallExpr) -> bool {
        let Some(name) = callee_expr(c).and_then(ident_name) else {
            return false;
        };
        let Some(d) = self
            .input
            .delegates
            .iter()
            .find(|d| d.name == name && d.reader)
        else {
            return false;
        };
        let Some(p) = d.req_pos else { return false };
        if c.args.iter().any(|a| a.spread.is_some())
            || !takes(d, c.args.len())
            || !self.is_req(&c.args[p].expr)
            || (d.drops_res && !self.is_res(&c.args[d.res_pos].expr))
        {
            return false;
        }
        if d.drops_res {
            // `currentUser(req, res)` → `currentUser(request)`, or `currentUser()` where the
            // function no longer reads the request either.
            let mut needs = Needs::default();
            let mut args = Vec::new();
            for (i, a) in c.args.iter().enumerate() {
                if i == d.res_pos || (i == p && d.drops_req) {
                    continue;
                }
                if i == p {
                    args.push(self.names().request.clone());
                } else {
                    self.visit_expr(&a.expr);
                    args.push(self.text(range(a.expr.span()), &mut needs));
                }
            }
            let call = format!("{}({})", d.name, args.join(", "));
            *self.out.delegate_calls.entry(d.name.clone()).or_default() += 1;
            self.add(range(c.span), call, needs);
            return true;
        }
        for (i, a) in c.args.iter().enumerate() {
            if i == p {
                let request = self.names().request.clone();
                self.add(range(a.expr.span()), request, Needs::default());
            } else {
                self.visit_expr(&a.expr);
            }
        }
        *self.out.delegate_calls.entry(d.name.clone()).or_default() += 1;
        true
    }

    /// `res.setDraftMode({ enable: true })` (`false`; no argument is on, as in Pages) as a
    /// statement: `(await draftMode()).enable()` / `.disable()` with next/headers' `draftMode`,
    /// which set and clear the same `__prerender_bypass` cookie.
    fn rewrite_draft_mode_stmt(&mut self, s: &ExprStmt) -> bool {
        let Expr::Call(c) = unwrap_expr(&s.expr) else {
            return false;
        };
        let Some((obj, name)) = method_call(c) else {
            return false;
        };
        if name != "setDraftMode" || !self.is_res(obj) {
            return false;
        }
        let enable = match c.args.as_slice() {
            [] => true,
            [a] if a.spread.is_none() => {
                let Expr::Object(o) = unwrap_expr(&a.expr) else {
                    return false;
                };
                let [PropOrSpread::Prop(p)] = o.props.as_slice() else {
                    return false;
                };
                let Prop::KeyValue(kv) = &**p else {
                    return false;
                };
                let key = super::ast_util::key_name(&kv.key).as_deref() == Some("enable");
                match unwrap_expr(&kv.value) {
                    Expr::Lit(Lit::Bool(b)) if key => b.value,
                    _ => return false,
                }
            }
            _ => return false,
        };
        let r = range(s.span);
        let semi = self.src()[r.clone()].trim_end().ends_with(';');
        // A statement starting with `(` continues the one before unless that one ended.
        let before = self.src()[..r.start].trim_end();
        let ended = semi || before.is_empty() || before.ends_with(['{', ';']);
        let text = format!(
            "{lead}(await {draft}()).{call}(){end}",
            lead = if ended { "" } else { ";" },
            draft = self.names().draft_mode,
            call = if enable { "enable" } else { "disable" },
            end = if semi { ";" } else { "" },
        );
        self.add(r.clone(), text, Needs::AWAIT | Needs::NEXT_DRAFT_MODE);
        self.diag(
            Code::DraftMode,
            format!(
                "`res.setDraftMode(...)` became `(await draftMode()).{}()` (next/headers): the same `__prerender_bypass` cookie, written by Next's cookie store (attributes in its order, `SameSite=none` for `None`; cleared with an empty value where Pages sent the expired cookie with the preview id)",
                if enable { "enable" } else { "disable" }
            ),
            r.start,
        );
        true
    }

    /// `setCors(res)` where `setCors` only sets headers: it now sets them on the `headers` bag.
    fn rewrite_header_delegate_call(&mut self, e: &Expr) -> bool {
        let (inner, awaited) = match unwrap_expr(e) {
            Expr::Await(a) => (unwrap_expr(&a.arg), true),
            other => (other, false),
        };
        let Expr::Call(c) = inner else { return false };
        self.header_delegate_call(c, range(e.span()), awaited)
    }

    /// The call `c` of a helper that only sets headers, written at `at` (with `await` before
    /// it when `awaited`): it now sets them on the `headers` bag.
    fn header_delegate_call(&mut self, c: &CallExpr, at: Range<usize>, awaited: bool) -> bool {
        let Some(name) = callee_expr(c).and_then(ident_name) else {
            return false;
        };
        let Some(d) = self
            .input
            .delegates
            .iter()
            .find(|d| d.name == name && d.sets_headers_only && !d.reader)
        else {
            return false;
        };
        if c.args.iter().any(|a| a.spread.is_some())
            || !takes(d, c.args.len())
            || !self.is_res(&c.args[d.res_pos].expr)
        {
            return false;
        }
        if let Some(p) = d.req_pos {
            if !self.is_req(&c.args[p].expr) {
                return false;
            }
        }
        let n = self.names();
        let mut needs = Needs::HEADERS_VAR;
        let mut args = Vec::new();
        for (i, a) in c.args.iter().enumerate() {
            if i == d.res_pos {
                args.push(n.headers.clone());
            } else if Some(i) == d.req_pos {
                args.push(n.request.clone());
            } else {
                self.visit_expr(&a.expr);
                args.push(self.text(range(a.expr.span()), &mut needs));
            }
        }
        let call = format!(
            "{}{}({})",
            if awaited { "await " } else { "" },
            d.name,
            args.join(", ")
        );
        *self.out.delegate_calls.entry(d.name.clone()).or_default() += 1;
        self.add(at, call, needs);
        true
    }

    /// `return helper(request, ...)`: the delegate now returns the Response.
    fn rewrite_delegate_call(&mut self, e: &Expr, with_return: bool) {
        let Some((d, c, awaited)) = self.delegate_call(e) else {
            return;
        };
        let n = self.names();
        let mut needs = Needs::RESPONDS;
        let mut args = Vec::new();
        for (i, a) in c.args.iter().enumerate() {
            if i == d.res_pos && d.req_pos.is_some() {
                continue;
            }
            if Some(i) == d.req_pos || (i == d.res_pos && d.req_pos.is_none()) {
                args.push(n.request.clone());
                if d.needs_context {
                    args.push(n.context.clone());
                    needs |= Needs::CONTEXT;
                }
                continue;
            }
            self.visit_expr(&a.expr);
            args.push(self.text(range(a.expr.span()), &mut needs));
        }
        args.extend(d.extra_arg.iter().cloned());
        if d.needs.any(Needs::BODY_VAR | Needs::BODY_VIA_CALL) {
            needs |= Needs::BODY_VIA_CALL;
        }
        // The response state set so far goes along (Node's `res` carried it).
        if d.state_params.contains(Needs::HEADERS_VAR) {
            args.push(n.headers.clone());
            needs |= Needs::HEADERS_VAR;
        }
        if d.state_params.contains(Needs::STATUS_VAR) {
            args.push(n.status.clone());
            needs |= Needs::STATUS_VAR;
        }
        let mut call = format!("{}({})", d.name, args.join(", "));
        if d.merges_headers {
            // `return pages.withHeaders(handler(request, context), headers)`: the headers a
            // wrapper set before its handler, where the handler's Response left them unset.
            needs |= Needs::HEADERS_VAR | Needs::HELPER_WITH_HEADERS;
            call = format!("{}.withHeaders({call}, {})", n.pages, n.headers);
        }
        if awaited {
            call = format!("await {call}");
        }
        let text = if with_return {
            format!("return {call}")
        } else {
            call
        };
        *self.out.delegate_calls.entry(d.name.clone()).or_default() += 1;
        self.add(range(e.span()), text, needs);
    }

    /// `await useAuth(req, res, ...)` where `useAuth` is a middleware (see
    /// [`super::middleware`]), awaited exactly when its twin is async.
    fn middleware_call<'e>(
        &self,
        e: &'e Expr,
    ) -> Option<(&'a super::delegates::Delegate, &'e CallExpr, bool)> {
        let (c, awaited, name) = named_call(e)?;
        let d = self
            .input
            .delegates
            .iter()
            .find(|d| d.name == name && d.middleware.is_some())?;
        if c.args.iter().any(|a| a.spread.is_some())
            || !takes(d, c.args.len())
            || !self.is_res(&c.args[d.res_pos].expr)
            || d.req_pos.is_some_and(|p| !self.is_req(&c.args[p].expr))
            || awaited != d.middleware.as_ref().is_some_and(|m| m.awaits)
        {
            return None;
        }
        Some((d, c, awaited))
    }

    /// The twin's call for the middleware call `c`: `await useAuth(request, ...)`.
    fn middleware_call_text(
        &mut self,
        d: &super::delegates::Delegate,
        c: &CallExpr,
        awaited: bool,
    ) -> (String, Needs) {
        let mut needs = Needs::default();
        let mut args = Vec::new();
        for (i, a) in c.args.iter().enumerate() {
            if i == d.res_pos && d.req_pos.is_some() {
                continue;
            }
            if Some(i) == d.req_pos || i == d.res_pos {
                args.push(self.names().request.clone());
                continue;
            }
            self.visit_expr(&a.expr);
            args.push(self.text(range(a.expr.span()), &mut needs));
        }
        let call = format!(
            "{}{}({})",
            if awaited { "await " } else { "" },
            d.name,
            args.join(", ")
        );
        (call, needs)
    }

    /// `await useSession(req, res);` as a statement, where `useSession` never answers and only
    /// puts fields on `req` (or throws): `const session = await useSession(request);`, and
    /// `req.user` after it `session.user`. 1 when it is such a call, else 0.
    fn decorating_call(&mut self, e: &Expr, stmt: &Stmt) -> usize {
        let Some((d, c, awaited)) = self.middleware_call(e) else {
            return 0;
        };
        if d.middleware.as_ref().is_some_and(|m| m.connect) {
            return self.connect_call(d, c, awaited, stmt);
        }
        let Some(m) = d.middleware.clone().filter(|m| !m.answers) else {
            return 0;
        };
        let (call, needs) = self.middleware_call_text(d, c, awaited);
        let r = range(e.span());
        self.add(r, format!("const {} = {call}", m.result), needs);
        *self.out.delegate_calls.entry(d.name.clone()).or_default() += 1;
        self.decorated.push((m.fields, m.result));
        1
    }

    /// `await runMiddleware(req, res, cors);`: the middleware's headers go to the route's
    /// `headers`, and its own answer (a preflight's) is returned:
    /// `const answer = await runMiddleware(request, headers, cors);` and
    /// `if (answer) return answer;`. 1.
    fn connect_call(
        &mut self,
        d: &super::delegates::Delegate,
        c: &CallExpr,
        awaited: bool,
        stmt: &Stmt,
    ) -> usize {
        let Some(m) = d.middleware.clone() else {
            return 0;
        };
        if !awaited {
            return 0;
        }
        let n = self.names();
        let mut needs = Needs::HEADERS_VAR | Needs::RESPONDS;
        let mut args = Vec::new();
        for (i, a) in c.args.iter().enumerate() {
            if Some(i) == d.req_pos {
                args.push(n.request.clone());
            } else if i == d.res_pos {
                args.push(n.headers.clone());
            } else {
                self.visit_expr(&a.expr);
                args.push(self.text(range(a.expr.span()), &mut needs));
            }
        }
        let src = self.src();
        let r = range(stmt.span());
        let semi = if src[r.clone()].trim_end().ends_with(';') {
            ";"
        } else {
            ""
        };
        let nl = crate::text::newline_of(src);
        let indent = crate::text::indent_of_line(src, r.start);
        let result = &m.result;
        let text = format!(
            "const {result} = await {}({}){semi}{nl}{indent}if ({result}) return {result}{semi}",
            d.name,
            args.join(", ")
        );
        self.add(r, text, needs);
        *self.out.delegate_calls.entry(d.name.clone()).or_default() += 1;
        1
    }

    /// A middleware check in a statement list of the handler, `stmts[i]`:
    /// `if (!(await useAuth(req, res))) return;`, or `const ok = await useAuth(req, res);`
    /// followed by `if (!ok) return;` (`ok` used nowhere else). The twin returns the Response
    /// it answered with, or the fields it put on `req` (or nothing), so the check becomes
    /// `const auth = await useAuth(request);` and `if (auth instanceof Response) return auth;`
    /// (`if (answer) return answer;` without fields), and `req.user` after it `auth.user`.
    /// The number of statements rewritten (0: none is such a check).
    fn middleware_check(&mut self, stmts: &[Stmt], i: usize) -> usize {
        fn check(s: &Stmt) -> Option<(&IfStmt, &Expr, &ReturnStmt)> {
            let Stmt::If(ifs) = s else { return None };
            if ifs.alt.is_some() {
                return None;
            }
            let test = match unwrap_expr(&ifs.test) {
                Expr::Unary(u) if u.op == UnaryOp::Bang => unwrap_expr(&u.arg),
                _ => return None,
            };
            bare_return_of(&ifs.cons).map(|r| (ifs, test, r))
        }
        if let Stmt::Expr(e) = &stmts[i] {
            return self.decorating_call(&e.expr, &stmts[i]);
        }
        let (ifs, test, ret, decl) = match &stmts[i] {
            s @ Stmt::If(_) => {
                let Some((ifs, test, ret)) = check(s) else {
                    return 0;
                };
                (ifs, test, ret, None)
            }
            Stmt::Decl(Decl::Var(v)) if v.decls.len() == 1 && v.kind != VarDeclKind::Var => {
                let d = &v.decls[0];
                let (Pat::Ident(b), Some(init)) = (&d.name, &d.init) else {
                    return 0;
                };
                let Some((ifs, test, ret)) = stmts.get(i + 1).and_then(check) else {
                    return 0;
                };
                let name = b.id.sym.as_ref();
                if ident_name(test) != Some(name) || ident_count(&stmts[i + 1..], name) != 1 {
                    return 0;
                }
                (ifs, test, ret, Some((name.to_string(), &**init)))
            }
            _ => return 0,
        };
        let call_expr = match &decl {
            Some((_, init)) => *init,
            None => test,
        };
        let Some((d, c, awaited)) = self.middleware_call(call_expr) else {
            return 0;
        };
        let Some(m) = d.middleware.clone().filter(|m| m.answers) else {
            return 0;
        };
        // A status set before it would be the middleware's answer's, in Pages: not carried.
        if self.state_before.0 {
            return 0;
        }
        let (call, needs) = self.middleware_call_text(d, c, awaited);
        let src = self.src();
        let ret_range = range(ret.span);
        let semi = if src[ret_range.clone()].trim_end().ends_with(';') {
            ";"
        } else {
            ""
        };
        let result = decl.as_ref().map_or(m.result.clone(), |(n, _)| n.clone());
        let cond = if m.fields.is_empty() {
            result.clone()
        } else {
            format!("{result} instanceof Response")
        };
        let test_range = range(ifs.test.span());
        match &decl {
            Some((_, init)) => {
                self.add(range(init.span()), call, needs);
                self.add(test_range, cond, Needs::default());
            }
            None => {
                let at = range(ifs.span).start;
                let nl = crate::text::newline_of(src);
                let indent = crate::text::indent_of_line(src, at).to_string();
                let text = format!("const {result} = {call}{semi}{nl}{indent}if ({cond}");
                self.add(at..test_range.end, text, needs);
            }
        }
        // Headers set before it went out with its answer too, as on Pages' shared `res`.
        let (answer, needs) = if self.state_before.1 {
            let n = self.names();
            (
                format!("{}.withHeaders({result}, {})", n.pages, n.headers),
                Needs::RESPONDS | Needs::HEADERS_VAR | Needs::HELPER_WITH_HEADERS,
            )
        } else {
            (result.clone(), Needs::RESPONDS)
        };
        self.add(ret_range, format!("return {answer}{semi}"), needs);
        *self.out.delegate_calls.entry(d.name.clone()).or_default() += 1;
        self.decorated.push((m.fields, result));
        if decl.is_some() {
            2
        } else {
            1
        }
    }

    /// Rewrites a response expression in place; `with_return` prefixes `return `.
    fn rewrite_response_expr(&mut self, e: &Expr, with_return: bool) {
        // Only the statement's own response call may split (not one inside `void` or `?:`).
        let split_at = self.split_at.take();
        if let Expr::Unary(u) = unwrap_expr(e) {
            if u.op == UnaryOp::Void {
                // `return void res.json(x)`: statements split off go before the `return`, outside
                // the `void` expression this edit replaces.
                if !with_return {
                    self.split_at = split_at;
                }
                self.rewrite_response_expr(&u.arg, false);
                let mut needs = Needs::default();
                let inner = self.text(range(u.arg.span()), &mut needs);
                let text = if with_return {
                    format!("return {inner}")
                } else {
                    inner
                };
                self.add(range(e.span()), text, needs);
                return;
            }
        }
        if let Expr::Cond(c) = unwrap_expr(e) {
            self.visit_expr(&c.test);
            self.rewrite_response_expr(&c.cons, false);
            self.rewrite_response_expr(&c.alt, false);
            if with_return {
                let r = range(e.span());
                self.add(r.start..r.start, "return ".into(), Needs::default());
            }
            return;
        }
        if self.delegate_call(e).is_some() {
            self.rewrite_delegate_call(e, with_return);
            return;
        }
        let Some(call) = self.response_call(e) else {
            return;
        };
        for a in call.args {
            self.visit_expr(&a.expr);
        }
        if let Some(s) = call.status {
            self.visit_expr(s);
        }
        for (k, v) in &call.set_headers {
            self.visit_expr(k);
            self.visit_expr(v);
        }
        let r = range(e.span());
        if call.args.iter().any(|a| a.spread.is_some()) {
            self.diag(
                Code::UnsupportedResponseMember,
                "a response call with spread arguments",
                r.start,
            );
            return;
        }
        let mut needs = Needs::RESPONDS;
        let arg = |v: &mut Self, i: usize, needs: &mut Needs| {
            call.args
                .get(i)
                .map(|a| v.text(range(a.expr.span()), needs))
        };
        let n = self.names();
        let status_text = call.status.map(|s| self.text(range(s.span()), &mut needs));
        // Which options the response passes is settled per exported function (finalize_inits).
        // (Built with push_str: this runs for every response call, and `format!` costs more.)
        let mut init = String::new();
        let mut field = |tag: char, key: &str, value: &str| {
            init.push(if init.is_empty() { INIT_OPEN } else { INIT_SEP });
            init.push(tag);
            push_shorthand(&mut init, key, value);
        };
        match &status_text {
            Some(t) => field('S', "status", t),
            None if self.out.uses_status_var => field('s', "status", &n.status),
            None => {}
        }
        if self.out.uses_headers_var {
            field('h', "headers", &n.headers);
        }
        if !init.is_empty() {
            init.push(INIT_CLOSE);
        }
        let text = match call.kind {
            RespKind::Json | RespKind::Send => {
                let value = arg(self, 0, &mut needs).unwrap_or_else(|| "undefined".into());
                let (f, h) = if call.kind == RespKind::Json {
                    ("json", Needs::HELPER_JSON)
                } else {
                    ("send", Needs::HELPER_SEND)
                };
                needs |= h;
                [&n.pages, ".", f, "(", &n.request, ", ", &value, &init, ")"].concat()
            }
            RespKind::End => match arg(self, 0, &mut needs) {
                None => ["new Response(null", &init, ")"].concat(),
                Some(value) => {
                    needs |= Needs::HELPER_END;
                    [&n.pages, ".end(", &value, &init, ")"].concat()
                }
            },
            RespKind::Redirect => {
                needs |= Needs::HELPER_REDIRECT;
                let (url, status) = match call.args.len() {
                    1 => (arg(self, 0, &mut needs).unwrap_or_default(), String::new()),
                    2 => (
                        arg(self, 1, &mut needs).unwrap_or_default(),
                        arg(self, 0, &mut needs).unwrap_or_default(),
                    ),
                    _ => {
                        self.diag(
                            Code::UnsupportedResponseMember,
                            "`res.redirect` takes ([status,] url)",
                            r.start,
                        );
                        return;
                    }
                };
                let h = if self.out.uses_headers_var {
                    format!("h{}", shorthand("headers", &n.headers))
                } else {
                    String::new()
                };
                format!(
                    "{}.redirect({url}{REDIRECT_OPEN}{status}{INIT_SEP}{h}{INIT_CLOSE})",
                    n.pages
                )
            }
        };
        // Headers set in the chain go on the `headers` bag first, as they ran before the response:
        // as statements before it where the response is a statement of a list, else in a comma
        // expression.
        let mut sets = Vec::new();
        for (k, v) in &call.set_headers {
            needs |= Needs::HEADERS_VAR;
            sets.push(self.set_header_text(k, v, &mut needs));
        }
        if sets.is_empty() {
            let text = if with_return {
                ["return ", &text].concat()
            } else {
                text
            };
            self.add(r, text, needs);
            return;
        }
        match split_at {
            Some((stmt_start, semi)) => {
                let indent = crate::text::indent_of_line(self.src(), stmt_start);
                let mut prefix = String::new();
                for set in &sets {
                    prefix.push_str(set);
                    if semi {
                        prefix.push(';');
                    }
                    prefix.push('\n');
                    prefix.push_str(indent);
                }
                if with_return {
                    // The expression statement starts where the statement does.
                    self.add(r, [&prefix, "return ", &text].concat(), needs);
                } else {
                    self.add(stmt_start..stmt_start, prefix, Needs::default());
                    self.add(r, text, needs);
                }
            }
            None => {
                sets.push(text);
                let text = format!("({})", sets.join(", "));
                let text = if with_return {
                    ["return ", &text].concat()
                } else {
                    text
                };
                self.add(r, text, needs);
            }
        }
    }

    /// Where a statement at `stmt` may be split into statements: its start, when it is a
    /// statement of a list starting its line, and whether it ends with `;`.
    fn split_point(&self, stmt: Range<usize>) -> Option<(usize, bool)> {
        (self.list_stmt == Some(stmt.start) && crate::text::starts_line(self.src(), stmt.start))
            .then(|| (stmt.start, self.src()[stmt].trim_end().ends_with(';')))
    }

    /// `res.setHeader(k, v)` on the `headers` bag: `headers.set(k, v)` for a string value,
    /// else the compat helper (a number, an array of cookies).
    fn set_header_text(&self, k_expr: &Expr, v_expr: &Expr, needs: &mut Needs) -> String {
        let n = self.names();
        let k = self.text(range(k_expr.span()), needs);
        let v = self.text(range(v_expr.span()), needs);
        if v_expr.is_lit() && static_string(v_expr).is_some()
            || matches!(unwrap_expr(v_expr), Expr::Tpl(_))
        {
            format!("{}.set({k}, {v})", n.headers)
        } else {
            *needs |= Needs::HELPER_SET_HEADER;
            format!("{}.setHeader({}, {k}, {v})", n.pages, n.headers)
        }
    }

    /// `res.setHeader(..)`, `res.status(n)`, `res.statusCode = n` as statements.
    fn rewrite_state_stmt(&mut self, e: &Expr) -> bool {
        let n = self.names();
        if let Expr::Assign(a) = unwrap_expr(e) {
            if let AssignTarget::Simple(SimpleAssignTarget::Member(m)) = &a.left {
                if self.is_res(&m.obj)
                    && member_prop_name(m).as_deref() == Some("statusCode")
                    && a.op == AssignOp::Assign
                {
                    self.visit_expr(&a.right);
                    let mut needs = Needs::STATUS_VAR;
                    let value = self.text(range(a.right.span()), &mut needs);
                    self.add(range(a.span), format!("{} = {value}", n.status), needs);
                    return true;
                }
            }
            return false;
        }
        let Expr::Call(c) = unwrap_expr(e) else {
            return false;
        };
        let Some((obj, name)) = method_call(c) else {
            return false;
        };
        if !self.is_res(obj) {
            return false;
        }
        for a in &c.args {
            self.visit_expr(&a.expr);
        }
        let mut needs = Needs::default();
        let args: Vec<String> = c
            .args
            .iter()
            .map(|a| self.text(range(a.expr.span()), &mut needs))
            .collect();
        let r = range(c.span);
        let text = match (&*name, args.as_slice()) {
            ("status", [s]) => {
                needs |= Needs::STATUS_VAR;
                format!("{} = {s}", n.status)
            }
            ("setHeader", [_, _]) => {
                needs = Needs::HEADERS_VAR;
                self.set_header_text(&c.args[0].expr, &c.args[1].expr, &mut needs)
            }
            ("appendHeader", [k, v]) if static_string(&c.args[1].expr).is_some() => {
                needs |= Needs::HEADERS_VAR;
                format!("{}.append({k}, {v})", n.headers)
            }
            ("removeHeader", [k]) => {
                needs |= Needs::HEADERS_VAR;
                format!("{}.delete({k})", n.headers)
            }
            _ => return false,
        };
        self.add(r, text, needs);
        true
    }

    fn res_member_problem(&mut self, name: &str, at: usize) {
        let (code, msg) = match name {
            "write" | "writeHead" | "flushHeaders" | "flush" | "writeContinue" | "cork" | "uncork" => (
                Code::StreamingResponse,
                format!("`res.{name}` streams the response; return a Response over a ReadableStream instead"),
            ),
            "json" | "send" | "end" | "redirect" | "status" | "setHeader" => (
                if self.fn_depth > 0 { Code::ResponseInCallback } else { Code::ResponseNotInTail },
                if self.fn_depth > 0 {
                    format!("`res.{name}` is called inside a callback; a Route Handler must return its Response from the handler itself")
                } else {
                    format!("`res.{name}` is not in tail position: code after it still ran in Pages but would not after becoming a `return`")
                },
            ),
            "revalidate" => (Code::UnsupportedResponseMember, "`res.revalidate` regenerates eagerly; `revalidatePath()` from next/cache is lazy and gives no error signal".into()),
            "setPreviewData" | "clearPreviewData" | "setDraftMode" => (Code::UnsupportedResponseMember, format!("`res.{name}`: use draftMode() from next/headers; preview data has no App Router equivalent")),
            _ => (Code::UnsupportedResponseMember, format!("`res.{name}` has no automatic Route Handler equivalent")),
        };
        self.diag(code, msg, at);
    }

    fn handle_res_call(&mut self, c: &CallExpr) -> bool {
        let Some((obj, name)) = method_call(c) else {
            return false;
        };
        let r = range(c.span);
        if self.is_res(obj) {
            if name == "getHeader" && c.args.len() == 1 && self.fn_depth == 0 {
                self.visit_expr(&c.args[0].expr);
                // Pages answers the value as set (a number, an array, undefined when absent);
                // `headers.get` would give a string or null.
                let mut needs = Needs::HEADERS_VAR | Needs::HELPER_GET_HEADER;
                let k = self.text(range(c.args[0].expr.span()), &mut needs);
                let n = self.names();
                self.add(
                    r,
                    format!("{}.getHeader({}, {k})", n.pages, n.headers),
                    needs,
                );
                return true;
            }
            self.res_member_problem(&name, r.start);
            return true;
        }
        // res.status(n).<anything> outside a supported position
        if let Expr::Call(inner) = unwrap_expr(obj) {
            if let Some((o2, n2)) = method_call(inner) {
                if n2 == "status" && self.is_res(o2) {
                    self.res_member_problem(&name, r.start);
                    return true;
                }
            }
        }
        false
    }
}

/// `[await] name(...)`: the call, whether it is awaited, and the name.
fn named_call(e: &Expr) -> Option<(&CallExpr, bool, &str)> {
    let (e, awaited) = match unwrap_expr(e) {
        Expr::Await(a) => (unwrap_expr(&a.arg), true),
        other => (other, false),
    };
    let Expr::Call(c) = e else { return None };
    let name = callee_expr(c).and_then(ident_name)?;
    Some((c, awaited, name))
}

/// `return false`, `return null`, `return undefined`, `return void 0`.
pub(super) fn is_falsy_return(s: &Stmt) -> bool {
    let Stmt::Return(ReturnStmt { arg: Some(a), .. }) = s else {
        return false;
    };
    match unwrap_expr(a) {
        Expr::Lit(Lit::Bool(b)) => !b.value,
        Expr::Lit(Lit::Null(_)) => true,
        Expr::Ident(i) => i.sym == "undefined",
        Expr::Unary(u) => u.op == UnaryOp::Void && matches!(unwrap_expr(&u.arg), Expr::Lit(_)),
        _ => false,
    }
}

/// The bare `return;` of `if (...) return;` or `if (...) { return; }`.
fn bare_return_of(s: &Stmt) -> Option<&ReturnStmt> {
    match s {
        Stmt::Return(r) if r.arg.is_none() => Some(r),
        Stmt::Block(b) if b.stmts.len() == 1 => bare_return_of(&b.stmts[0]),
        _ => None,
    }
}

/// How often the identifier `name` occurs in `stmts`.
fn ident_count(stmts: &[Stmt], name: &str) -> usize {
    struct Count<'n>(&'n str, usize);
    impl Visit for Count<'_> {
        fn visit_ident(&mut self, i: &Ident) {
            if i.sym == self.0 {
                self.1 += 1;
            }
        }
    }
    let mut c = Count(name, 0);
    stmts.iter().for_each(|s| s.visit_with(&mut c));
    c.1
}

fn shorthand(key: &str, name: &str) -> String {
    let mut out = String::new();
    push_shorthand(&mut out, key, name);
    out
}

/// [`shorthand`], appended to `out`.
fn push_shorthand(out: &mut String, key: &str, name: &str) {
    out.push_str(key);
    if key != name {
        out.push_str(": ");
        out.push_str(name);
    }
}

impl Visit for UsageVisitor<'_> {
    fn visit_stmts(&mut self, stmts: &[Stmt]) {
        let outer_tail = self.tail;
        // What a middleware check of this list put on `req` is read after it, in this list.
        let decorated = self.decorated.len();
        let mut skip = 0;
        for (i, s) in stmts.iter().enumerate() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            if self.has_middleware && self.fn_depth == 0 {
                let taken = self.middleware_check(stmts, i);
                if taken > 0 {
                    skip = taken - 1;
                    continue;
                }
            }
            let next = stmts.get(i + 1);
            let exit_next = self.fn_depth == 0
                && next.is_some_and(|n| {
                    is_bare_return(n)
                        || (is_plain_break(n) && self.break_is_tail)
                        || (self.input.middleware_body && is_falsy_return(n))
                });
            self.tail = (outer_tail && i + 1 == stmts.len()) || exit_next;
            self.converted = false;
            self.list_stmt = Some(range(s.span()).start);
            self.visit_stmt(s);
            if self.has_middleware && self.state_before != (true, true) {
                let (status, headers) = state_set_by(self.input, s);
                self.state_before.0 |= status;
                self.state_before.1 |= headers;
            }
            if self.converted && exit_next {
                if let Some(n) = next {
                    let r = range(n.span());
                    self.out.removed_stmts.insert(r.start);
                    let e = super::removal::removal(self.src(), r);
                    self.add(e.range, e.text, Needs::default());
                }
            }
            self.converted = false;
        }
        self.tail = outer_tail;
        self.decorated.truncate(decorated);
    }

    fn visit_expr_stmt(&mut self, s: &ExprStmt) {
        if self.fn_depth == 0 && self.is_response_expr(&s.expr) {
            if self.tail {
                self.split_at = self.split_point(range(s.span));
                self.rewrite_response_expr(&s.expr, true);
                self.split_at = None;
                self.out.returning_stmts.insert(range(s.span).start);
                self.converted = true;
            } else {
                let at = range(s.span).start;
                self.diag(Code::ResponseNotInTail, "code after this response still ran in Pages; as a `return` it would not: move the response last, or `return` it explicitly if the rest is dead", at);
            }
            return;
        }
        if self.fn_depth == 0 && self.rewrite_state_stmt(&s.expr) {
            return;
        }
        if self.fn_depth == 0 && self.rewrite_header_delegate_call(&s.expr) {
            return;
        }
        if self.fn_depth == 0 && self.rewrite_draft_mode_stmt(s) {
            return;
        }
        s.visit_children_with(self);
    }

    fn visit_return_stmt(&mut self, r: &ReturnStmt) {
        if let Some(arg) = &r.arg {
            if self.is_response_expr(arg) {
                if self.fn_depth == 0 {
                    self.split_at = self.split_point(range(r.span));
                    self.rewrite_response_expr(arg, false);
                    self.split_at = None;
                } else {
                    self.diag(Code::ResponseInCallback, "responds from inside a callback; a Route Handler must return its Response from the handler itself (wrap the callback in a Promise)", range(r.span).start);
                }
                return;
            }
        }
        r.visit_children_with(self);
    }

    fn visit_switch_stmt(&mut self, s: &SwitchStmt) {
        self.visit_expr(&s.discriminant);
        let (tail, brk) = (self.tail, self.break_is_tail);
        let last = s.cases.len().saturating_sub(1);
        for (i, case) in s.cases.iter().enumerate() {
            if let Some(t) = &case.test {
                self.visit_expr(t);
            }
            self.break_is_tail = tail;
            self.tail = tail && i == last;
            self.visit_stmts(&case.cons);
        }
        self.tail = tail;
        self.break_is_tail = brk;
    }

    fn visit_block_stmt(&mut self, b: &BlockStmt) {
        let mut names = Vec::new();
        block_scoped_names(&b.stmts, &mut names);
        self.with_bindings(&names, |v| v.visit_stmts(&b.stmts));
    }

    fn visit_for_stmt(&mut self, f: &ForStmt) {
        let mut names = Vec::new();
        if let Some(VarDeclOrExpr::VarDecl(v)) = &f.init {
            if v.kind != VarDeclKind::Var {
                v.decls.iter().for_each(|d| pat_names(&d.name, &mut names));
            }
        }
        self.in_loop(|v| v.with_bindings(&names, |v| f.visit_children_with(v)));
    }
    fn visit_for_of_stmt(&mut self, f: &ForOfStmt) {
        self.visit_for_each(&f.left, &f.right, &f.body);
    }
    fn visit_for_in_stmt(&mut self, f: &ForInStmt) {
        self.visit_for_each(&f.left, &f.right, &f.body);
    }
    fn visit_while_stmt(&mut self, w: &WhileStmt) {
        self.in_loop(|v| w.visit_children_with(v));
    }
    fn visit_do_while_stmt(&mut self, w: &DoWhileStmt) {
        self.in_loop(|v| w.visit_children_with(v));
    }
    fn visit_labeled_stmt(&mut self, l: &LabeledStmt) {
        self.in_loop(|v| l.visit_children_with(v));
    }

    fn visit_catch_clause(&mut self, c: &CatchClause) {
        let mut names = Vec::new();
        if let Some(p) = &c.param {
            pat_names(p, &mut names);
        }
        self.with_bindings(&names, |v| c.body.visit_with(v));
    }

    fn visit_function(&mut self, f: &Function) {
        let mut params = Vec::new();
        f.params.iter().for_each(|p| pat_names(&p.pat, &mut params));
        let stmts = f.body.as_ref().map(|b| b.stmts.as_slice());
        self.enter_function(params, stmts, |v| f.visit_children_with(v));
    }

    fn visit_arrow_expr(&mut self, a: &ArrowExpr) {
        let mut params = Vec::new();
        a.params.iter().for_each(|p| pat_names(p, &mut params));
        let stmts = match &*a.body {
            ArrowFunctionBody::FunctionBody(b) => Some(b.stmts.as_slice()),
            ArrowFunctionBody::Expr(_) => None,
        };
        self.enter_function(params, stmts, |v| a.visit_children_with(v));
    }

    fn visit_constructor(&mut self, c: &Constructor) {
        self.enter_function(Vec::new(), None, |v| c.visit_children_with(v));
    }

    fn visit_var_decl(&mut self, v: &VarDecl) {
        let outer = self.decl_kind.replace(v.kind);
        v.visit_children_with(self);
        self.decl_kind = outer;
    }

    fn visit_var_declarator(&mut self, d: &VarDeclarator) {
        if let (Pat::Object(pat), Some(init)) = (&d.name, &d.init) {
            if self.is_req(init) {
                // Defaults inside the pattern may use req too.
                pat.visit_with(self);
                self.rewrite_req_destructuring(pat, range(init.span()));
                return;
            }
        }
        if let (Pat::Ident(b), Some(init), Some(VarDeclKind::Const)) =
            (&d.name, &d.init, self.decl_kind)
        {
            if let Some(case) = self.method_expr_case(init) {
                self.out.method_aliases.push((b.id.sym.to_string(), case));
            }
        }
        d.visit_children_with(self);
    }

    fn visit_simple_assign_target(&mut self, t: &SimpleAssignTarget) {
        if let SimpleAssignTarget::Member(m) = t {
            if self.is_req(&m.obj) {
                let key = member_prop_name(m).unwrap_or_default();
                self.diag(Code::UnsupportedRequestMember, format!("assigns `req.{key}`; the migrated route has no mutable Node request (keep the value in a local variable)"), range(m.span).start);
                return;
            }
            if self.is_res(&m.obj) {
                let key = member_prop_name(m).unwrap_or_default();
                self.res_member_problem(&key, range(m.span).start);
                return;
            }
            self.visit_member_expr(m);
            return;
        }
        t.visit_children_with(self);
    }

    /// `{ query: req.query }` becomes `{ query }` where the request's field is now a variable
    /// of the same name, as a person would write it.
    fn visit_prop(&mut self, p: &Prop) {
        if let Prop::KeyValue(kv) = p {
            if let (PropName::Ident(key), Expr::Member(m)) = (&kv.key, &*kv.value) {
                if self.is_req(&m.obj) && member_prop_name(m).as_deref() == Some(key.sym.as_ref()) {
                    if let Some((text, needs)) = self.req_member(&key.sym, range(m.span).start) {
                        if text == *key.sym {
                            self.add(range(p.span()), text, needs);
                            return;
                        }
                    }
                }
            }
        }
        p.visit_children_with(self);
    }
    fn visit_member_expr(&mut self, m: &MemberExpr) {
        if self.is_req(&m.obj) {
            self.handle_req_member(m);
            return;
        }
        if self.is_res(&m.obj) {
            let key = member_prop_name(m).unwrap_or_default();
            if key == "statusCode" && self.out.uses_status_var && self.fn_depth == 0 {
                let n = self.names().status.clone();
                self.add(range(m.span), n, Needs::STATUS_VAR);
            } else {
                self.res_member_problem(&key, range(m.span).start);
            }
            return;
        }
        m.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, c: &CallExpr) {
        if self.handle_res_call(c) {
            return;
        }
        if self.rewrite_reader_call(c) {
            return;
        }
        // `const user = await getSessionUser(req, res)`: a helper that only sets headers, whose
        // value is used (as a statement it is rewritten with the statement).
        if self.fn_depth == 0 && self.header_delegate_call(c, range(c.span), false) {
            return;
        }
        if let Some(callee) = callee_expr(c).and_then(ident_name) {
            let r = range(c.span);
            let only_req = c.args.len() == 1 && self.is_req(&c.args[0].expr);
            if only_req && self.input.raw_body_fns.iter().any(|f| f == callee) {
                if self.input.body_mode != BodyMode::Raw {
                    self.diag(Code::UnsupportedRequestMember, format!("`{callee}(req)` reads the raw body, but bodyParser is on (Pages consumed the stream already)"), r.start);
                    return;
                }
                let n = self.names();
                self.add(
                    r,
                    format!("{}.rawBody({})", n.pages, n.request),
                    Needs::HELPER_RAW_BODY,
                );
                return;
            }
            if self.input.get_server_session.as_deref() == Some(callee)
                && c.args.len() == 3
                && self.is_req(&c.args[0].expr)
                && self.is_res(&c.args[1].expr)
            {
                // next-auth v4: the three-argument form reads the request's cookies and writes
                // the refreshed (or cleared) session cookie through `res`, and its session keeps
                // `expires`; the one-argument form does neither. So req and res stay, as the
                // minimal Node-like objects next-auth uses, writing into the route's headers.
                self.visit_expr(&c.args[2].expr);
                let mut needs = Needs::HEADERS_VAR | Needs::HELPER_NEXT_AUTH;
                let opts = self.text(range(c.args[2].expr.span()), &mut needs);
                let callee_text = self.src()[range(c.callee.span())].to_string();
                let n = self.names();
                self.add(
                    r,
                    format!(
                        "{callee_text}({p}.nextAuthRequest({q}), {p}.nextAuthResponse({h}), {opts})",
                        p = n.pages,
                        q = n.request,
                        h = n.headers
                    ),
                    needs,
                );
                return;
            }
            // (In a nested function the `await` would need that function async: left as is.)
            if self.input.get_iron_session.as_deref() == Some(callee)
                && self.fn_depth == 0
                && c.args.len() == 3
                && self.is_req(&c.args[0].expr)
                && self.is_res(&c.args[1].expr)
                && c.args.iter().all(|a| a.spread.is_none())
            {
                // iron-session v8: the App Router form reads and sets the session cookie
                // through Next's cookie store.
                self.visit_expr(&c.args[2].expr);
                let mut needs = Needs::AWAIT | Needs::NEXT_COOKIES;
                let opts = self.text(range(c.args[2].expr.span()), &mut needs);
                let callee_end = c
                    .type_args
                    .as_ref()
                    .map_or(c.callee.span().hi, |t| t.span.hi);
                let callee_text =
                    self.src()[range(c.callee.span().with_hi(callee_end))].to_string();
                let text = crate::recipes::iron_session::cookie_store_call(
                    &callee_text,
                    &self.names().cookies,
                    &opts,
                );
                self.add(r.clone(), text, needs);
                self.diag(
                    Code::LibraryRecipe,
                    crate::recipes::iron_session::taken_message(&callee_text),
                    r.start,
                );
                return;
            }
            let outer = self.call.replace((callee.to_string(), range(c.span).start));
            c.visit_children_with(self);
            self.call = outer;
            return;
        }
        c.visit_children_with(self);
    }

    fn visit_ident(&mut self, i: &Ident) {
        let e = Expr::Ident(i.clone());
        if let Some((callee, call)) = &self.call {
            if self.is_req(&e) || self.is_res(&e) {
                self.out.escapes_into.push(Escape {
                    at: range(i.span).start,
                    callee: callee.clone(),
                    call: *call,
                });
            }
        }
        if self.is_req(&e) {
            self.diag(
                Code::RequestEscapes,
                format!(
                    "`{}` is passed on as a value; the code receiving it expects a Node request",
                    i.sym
                ),
                range(i.span).start,
            );
        } else if self.is_res(&e) {
            self.diag(
                Code::ResponseEscapes,
                format!(
                    "`{}` is passed on as a value; the code receiving it may respond through it",
                    i.sym
                ),
                range(i.span).start,
            );
        }
    }

    // Type annotations never reference the runtime values.
    fn visit_ts_type(&mut self, _: &TsType) {}
    fn visit_ts_type_ann(&mut self, _: &TsTypeAnn) {}
}

impl UsageVisitor<'_> {
    /// `req.method`, `req.method.toLowerCase()`, `req.method?.toUpperCase()`: the case it yields.
    fn method_expr_case(&self, e: &Expr) -> Option<MethodCase> {
        let is_method = |e: &Expr| match unwrap_expr(e) {
            Expr::Member(m) => {
                self.is_req(&m.obj) && member_prop_name(m).as_deref() == Some("method")
            }
            _ => false,
        };
        if is_method(e) {
            return Some(MethodCase::AsIs);
        }
        let (obj, name) = match unwrap_expr(e) {
            Expr::Call(c) if c.args.is_empty() => method_call(c)?,
            Expr::OptChain(o) => match &*o.base {
                OptChainBase::Call(c) if c.args.is_empty() => match unwrap_expr(&c.callee) {
                    Expr::Member(m) => (&*m.obj, member_prop_name(m)?),
                    Expr::OptChain(inner) => match &*inner.base {
                        OptChainBase::Member(m) => (&*m.obj, member_prop_name(m)?),
                        _ => return None,
                    },
                    _ => return None,
                },
                _ => return None,
            },
            _ => return None,
        };
        if !is_method(obj) {
            return None;
        }
        match &*name {
            "toLowerCase" => Some(MethodCase::Lower),
            "toUpperCase" => Some(MethodCase::Upper),
            _ => None,
        }
    }

    /// `for (<left> of|in <right>) <body>`: `let`/`const` in the head shadow inside the loop.
    fn visit_for_each(&mut self, left: &ForHead, right: &Expr, body: &Stmt) {
        let names = for_head_names(left);
        self.visit_expr(right);
        self.in_loop(|v| {
            v.with_bindings(&names, |v| {
                left.visit_with(v);
                body.visit_with(v);
            })
        });
    }

    fn in_loop(&mut self, f: impl FnOnce(&mut Self)) {
        let (tail, brk) = (self.tail, self.break_is_tail);
        self.tail = false;
        self.break_is_tail = false;
        f(self);
        self.tail = tail;
        self.break_is_tail = brk;
    }
}

fn for_head_names(h: &ForHead) -> Vec<String> {
    let mut names = Vec::new();
    if let ForHead::VarDecl(v) = h {
        if v.kind != VarDeclKind::Var {
            v.decls.iter().for_each(|d| pat_names(&d.name, &mut names));
        }
    }
    names
}

/// Whether a call with `n` arguments reaches delegate `d` with its `req`/`res` in place: every
/// parameter without a default given, none too many; all of them when response state is
/// appended after them.
fn takes(d: &super::delegates::Delegate, n: usize) -> bool {
    let last = d.res_pos.max(d.req_pos.unwrap_or(0));
    if !d.state_params.is_empty() {
        return n == d.param_count;
    }
    n <= d.param_count && n >= d.required.max(last + 1)
}
