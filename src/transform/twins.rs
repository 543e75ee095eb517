//! Twins: the App Router versions of an app's own response helpers that live in another module
//! (`lib/api.ts`: `export const ok = (res, data) => res.status(200).json(data)`).
//!
//! A route that calls such a helper with its own `res` (`return ok(res, items)`) cannot be
//! rewritten on its own: the helper answers through `res`. [`analyse`] rewrites each exported
//! helper of the module the way an in-file delegate is rewritten (it takes the `request` instead
//! of `res` and returns its Response); the pipeline writes the rewritten helpers once per app
//! into a module beside the original (`lib/api.app.ts`, see [`crate::app_helpers`]) and the
//! routes that migrate import them from there (`return ok(request, items)`). The original stays
//! as it is: code that is not migrated (other routes, `getServerSideProps`) may still use it.
//!
//! Only helpers that depend on nothing of the route are twinned: a helper that reads the
//! request's query or body (which depend on the route's params and body config), or that
//! refers to a name of its module that is neither imported nor exported, is declined with the
//! reason; the routes calling it stay as they were.

use std::collections::HashSet;

use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::delegates::{self, Delegate, Foreign, MiddlewareUse};
use super::wrappers::{self, WrapperShape};
use super::{emit, find_delegates, imports, names, reparse, usage, UsageBase};
use crate::diagnostics::Diagnostic;
use crate::edit::Needs;
use crate::parse::{parse_module, range};
use crate::route_path::Lang;

/// How a route's specifier of a helper module becomes its twin's, whatever the folders before
/// it (a relative specifier is rebased when the route moves): `@/lib/api` → `@/lib/api.app`,
/// `../lib/api.js` → `../lib/api.app.js`, `../lib` (its `index.ts`) → `../lib/index.app`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwinSpec {
    /// What goes at the end of the specifier (before `ext`).
    pub insert: String,
    /// An extension written in the specifier, kept last.
    pub ext: Option<String>,
}

impl TwinSpec {
    pub fn apply(&self, spec: &str) -> String {
        match &self.ext {
            Some(e) if spec.ends_with(e.as_str()) => {
                format!("{}{}{e}", &spec[..spec.len() - e.len()], self.insert)
            }
            _ => format!("{spec}{}", self.insert),
        }
    }
}

/// One exported helper's twin.
#[derive(Clone, Debug)]
pub struct TwinHelper {
    /// The name it is exported (and declared) under.
    pub name: String,
    pub param_count: usize,
    pub required: usize,
    pub res_pos: usize,
    pub req_pos: Option<usize>,
    pub sets_headers_only: bool,
    /// It only reads the request (see [`Delegate::reader`]).
    pub reader: bool,
    /// It takes the caller's response headers as an optional last parameter.
    pub state_params: Needs,
    /// The twin's declaration, `export` included.
    pub text: String,
    /// The compat helpers it uses.
    pub needs: Needs,
    /// Top-level names of the original module it refers to (imports, other exports).
    pub references: Vec<String>,
    /// Where its declaration starts in the original module (twins keep the module's order).
    pub offset: usize,
    /// It is a wrapper of handlers (see [`super::wrappers`]), not a helper a handler calls.
    pub wrapper: Option<WrapperShape>,
    /// It is a middleware (see [`super::middleware`]): the fields it puts on `req`, and
    /// whether its twin is async (`result` is the route's to choose).
    pub middleware: Option<MiddlewareUse>,
    /// It is a method-map dispatcher (see [`super::method_map`]): routes calling it become one
    /// export per method, and it has no twin (`text` is empty).
    pub dispatcher: Option<super::method_map::Dispatcher>,
}

/// A name a twin module imports from another twin module: a helper of another module of the
/// app that a twin calls with the Request (`getApiUser(request)`, from `./auth.app`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwinImport {
    /// The local name, as the helper module imports it.
    pub local: String,
    /// The name the other module exports it under.
    pub imported: String,
    /// The other twin module's specifier, written as the helper module writes the original's.
    pub specifier: String,
}

/// An exported helper taking `res` that gets no twin, and why.
#[derive(Clone, Debug)]
pub struct Declined {
    pub name: String,
    /// Offset of its declaration in the helper module.
    pub offset: usize,
    pub reason: String,
}

/// What [`analyse`] found in one helper module.
#[derive(Clone, Debug, Default)]
pub struct ModuleTwins {
    pub helpers: Vec<TwinHelper>,
    pub declined: Vec<Declined>,
    /// The compat namespace's name in the twin (`pages`, unless the module uses it).
    pub pages: String,
    pub semicolons: bool,
    pub quote: char,
    /// The specifiers of the module's value imports, in order (where its helpers may come
    /// from: see `app_helpers::link_twins`).
    pub value_imports: Vec<String>,
    /// The names it exports from its own declarations.
    pub exported: HashSet<String>,
    /// The name of the twin module's type of Next's route context (`HandlerContext`), which
    /// its wrappers' twins use in TypeScript.
    pub context_type: String,
    /// Helpers of other modules its twins call as their own twins.
    pub twin_imports: Vec<TwinImport>,
}

impl ModuleTwins {
    /// Takes `helper` with the top-level names of its module it refers to, or declines it
    /// when it refers to one that is neither imported nor exported (or does not parse).
    fn admit(&mut self, mut helper: TwinHelper, lang: Lang, top: &TopLevel) {
        match outside_references(&helper.text, lang, top) {
            Ok(references) => {
                helper.references = references;
                self.helpers.push(helper);
            }
            Err(reason) => self.declined.push(Declined {
                name: helper.name,
                offset: helper.offset,
                reason,
            }),
        }
    }

    /// The compat helpers its twins use.
    pub fn needs(&self) -> Needs {
        self.helpers
            .iter()
            .fold(Needs::default(), |a, h| a | h.needs)
    }

    /// The twin module declares the route-context type: a wrapper of a TypeScript module.
    pub fn declares_context_type(&self, lang: Lang) -> bool {
        lang.is_typescript() && self.helpers.iter().any(|h| h.wrapper.is_some())
    }
}

/// The name of the route-context type a module with wrapper twins declares: the first of
/// `HandlerContext`, `RouteHandlerContext` that is `free` in it.
pub fn context_type_name(free: impl Fn(&str) -> bool) -> &'static str {
    ["HandlerContext", "RouteHandlerContext"]
        .into_iter()
        .find(|n| free(n))
        .unwrap_or("HandlerContext_")
}

/// A route's import of a helper module that has twins.
#[derive(Clone, Debug)]
pub struct ForeignImport {
    /// The specifier as the route writes it.
    pub specifier: String,
    /// Index of the helper module's twins in the run.
    pub twin: usize,
    pub spec: TwinSpec,
    pub helpers: Vec<TwinHelper>,
    /// Its exported helpers taking `res` that have no twin, with where they are and why
    /// (`lib/api.ts:12:1: it reads ...`).
    pub declined: Vec<Declined>,
}

/// Needs a twin cannot have: they depend on the route (its params, its body config, its state).
pub(super) const ROUTE_BOUND: Needs = Needs(
    Needs::QUERY_VAR.0
        | Needs::BODY_VAR.0
        | Needs::BODY_VIA_CALL.0
        | Needs::CONTEXT.0
        | Needs::PARAMS.0
        | Needs::STATUS_VAR.0
        | Needs::HELPER_QUERY.0
        | Needs::HELPER_BODY.0
        | Needs::HELPER_RAW_BODY.0,
);

/// The twins of the exported helpers of the module `src`; `Err` with the syntax error.
/// `foreign`: its imports of other helper modules that have twins, whose helpers its twins
/// call as twins (a middleware calling `getApiUser(req)` of `./auth`).
pub fn analyse(
    src: &str,
    lang: Lang,
    foreign: &[ForeignImport],
) -> Result<ModuleTwins, Diagnostic> {
    let module = parse_module(src, lang).map_err(|e| {
        Diagnostic::at(
            crate::diagnostics::Code::ParseError,
            format!("syntax error: {}", e.message),
            src,
            e.offset,
        )
    })?;
    let tracked = reparse::imported_locals(&module);
    let mut per_item = vec![0; tracked.len() * module.body.len()];
    let table = names::IdentTable::of_module_counting(&module, &[], &tracked, &mut per_item);
    let names = names::Names::choose(&table, None, None);
    let facts = imports::import_facts(&module, src);
    let body_mode = usage::BodyMode::Parsed { size_limit: None };
    let ctx = emit::EmitContext {
        src,
        lang,
        names: &names,
        params: &[],
        is_async: false,
        body_mode: &body_mode,
        semicolons: facts.semicolons.unwrap_or(false),
        wrapping: None,
        dedent: 0,
    };
    let base = UsageBase {
        src,
        names: &names,
        body_mode: body_mode.clone(),
        raw_body_fns: facts.raw_body_fns.clone(),
        get_server_session: facts.get_server_session.clone(),
        // A helper module's calls stay (its twin would need next/headers' import).
        get_iron_session: None,
        param_names: Vec::new(),
    };
    let all = delegates::candidates(&module, &(0..0), true);
    let exported: Vec<(String, usize)> = all
        .iter()
        .filter(|c| c.exported)
        .map(|c| (c.name.clone(), c.range.start))
        .collect();
    // Rendered to take the headers their caller set (getServerSession's cookie, a header set
    // before the helper answers), as Pages' `res` carried them: an optional last parameter.
    let preset: Vec<Delegate> = foreign_delegates(&module, foreign)
        .into_iter()
        .map(|d| Delegate {
            state_params: Needs(d.state_params.0 & Needs::HEADERS_VAR.0),
            ..d
        })
        .collect();
    let (found, _, _, blocked) = find_delegates(all, &[], &base, &ctx, Needs::HEADERS_VAR, &preset);
    let other_candidates = delegates::candidates(&module, &(0..0), true);
    let top = top_level(&module);
    let context_type = context_type_name(|n| table.is_free(n, None)).to_string();
    let mut out = ModuleTwins {
        context_type: context_type.clone(),
        pages: names.pages.clone(),
        semicolons: ctx.semicolons,
        quote: facts.quote.unwrap_or('\''),
        value_imports: module
            .body
            .iter()
            .filter_map(|i| match i {
                ModuleItem::ModuleDecl(ModuleDecl::Import(d)) if !d.type_only => {
                    Some(d.src.value.to_atom_lossy().to_string())
                }
                _ => None,
            })
            .collect(),
        exported: top.exported.clone(),
        ..Default::default()
    };
    for (name, offset) in exported {
        let decline = |reason: String| Declined {
            name: name.clone(),
            offset,
            reason,
        };
        let Some(d) = found.iter().find(|d| d.name == name) else {
            // Not a helper that answers on every path: a middleware, perhaps.
            let shaped = other_candidates.iter().find(|c| c.name == name).map(|c| {
                let comments = leading_comments(&module, src, &name);
                other_shape_twin(c, offset, &comments, &base, &ctx, &found)
            });
            let middleware_reason = match shaped {
                Some(Ok(helper)) => {
                    out.admit(helper, lang, &top);
                    continue;
                }
                Some(Err(why)) => Some(why),
                None => None,
            };
            let first = blocked.get(&name).and_then(|u| u.diagnostics.first());
            // A helper that answers and then goes on is a middleware: its reason says more.
            let why = match (first, middleware_reason) {
                (Some(d), Some(m)) if d.code == crate::diagnostics::Code::ResponseNotInTail => m,
                (Some(d), _) => d.message.clone(),
                (None, _) => "it does not answer through `res`".to_string(),
            };
            out.declined.push(decline(why));
            continue;
        };
        if d.needs.any(ROUTE_BOUND) || d.needs_context || d.needs.contains(Needs::HELPER_ADAPT) {
            out.declined.push(decline(
                "it reads the request's query or body, which depend on the route".into(),
            ));
            continue;
        }
        let text = format!(
            "{}export {}",
            leading_comments(&module, src, &name),
            optional_headers(&d.text, d.state_params, &names.headers, lang)
        );
        out.admit(
            TwinHelper {
                name,
                param_count: d.param_count,
                required: d.required,
                res_pos: d.res_pos,
                req_pos: d.req_pos,
                sets_headers_only: d.sets_headers_only,
                reader: false,
                state_params: d.state_params,
                text,
                needs: d.needs,
                references: Vec::new(),
                offset,
                wrapper: None,
                middleware: None,
                dispatcher: None,
            },
            lang,
            &top,
        );
    }
    for (name, offset, twin) in
        wrappers::analyse(&module, src, lang, &base, &ctx, &found, &context_type)
    {
        let decline = |reason: String| Declined {
            name: name.clone(),
            offset,
            reason,
        };
        let w = match twin {
            Ok(w) => w,
            Err(why) => {
                out.declined.push(decline(why));
                continue;
            }
        };
        let alias = if w.alias.is_empty() {
            String::new()
        } else {
            format!("{}\n\n", w.alias.trim_end())
        };
        let text = format!(
            "{alias}{}export {}",
            leading_comments(&module, src, &name),
            w.text
        );
        out.admit(
            TwinHelper {
                name,
                param_count: w.param_count,
                required: w.required,
                res_pos: 0,
                req_pos: None,
                sets_headers_only: false,
                reader: false,
                state_params: Needs::default(),
                text,
                needs: w.needs,
                references: Vec::new(),
                offset,
                wrapper: Some(w.shape),
                middleware: None,
                dispatcher: None,
            },
            lang,
            &top,
        );
    }
    for r in readers(&module) {
        let decline = |reason: String| Declined {
            name: r.name.clone(),
            offset: r.range.start,
            reason,
        };
        match reader_twin(&r, &base, src, lang) {
            Ok((body, needs)) => {
                let text = format!("{}export {body}", leading_comments(&module, src, &r.name));
                out.admit(
                    TwinHelper {
                        name: r.name.clone(),
                        param_count: r.params.len(),
                        required: r.required,
                        res_pos: r.req_pos,
                        req_pos: Some(r.req_pos),
                        sets_headers_only: false,
                        reader: true,
                        state_params: Needs::default(),
                        text,
                        needs,
                        references: Vec::new(),
                        offset: r.range.start,
                        wrapper: None,
                        middleware: None,
                        dispatcher: None,
                    },
                    lang,
                    &top,
                );
            }
            Err(reason) => out.declined.push(decline(reason)),
        }
    }
    out.helpers.sort_by_key(|h| h.offset);
    out.declined.sort_by_key(|d| d.offset);
    // A twin calling a declined helper would call the Pages version: decline it too.
    loop {
        let declined: HashSet<String> = out.declined.iter().map(|d| d.name.clone()).collect();
        let Some(i) = out
            .helpers
            .iter()
            .position(|h| h.references.iter().any(|r| declined.contains(r)))
        else {
            break;
        };
        let h = out.helpers.remove(i);
        let offset = found
            .iter()
            .find(|d| d.name == h.name)
            .map_or(0, |d| d.range.start);
        out.declined.push(Declined {
            offset,
            reason: "it calls a helper of its module that gets no App Router version".into(),
            name: h.name,
        });
    }
    // The other modules' helpers the twins call are their twins.
    for d in &preset {
        let Some(f) = &d.foreign else { continue };
        if out.helpers.iter().any(|h| h.references.contains(&d.name)) {
            let imp = &foreign[f.import];
            out.twin_imports.push(TwinImport {
                local: d.name.clone(),
                imported: f.exported.clone(),
                specifier: imp.spec.apply(&imp.specifier),
            });
        }
    }
    Ok(out)
}

/// The twin of the exported function `c` (declared at `offset`, after `comments`) that does not
/// answer on every path: a middleware, the `runMiddleware` of a Connect-style middleware, or a
/// method-map dispatcher (which has no twin text). `Err` with why it is no middleware.
fn other_shape_twin(
    c: &delegates::Candidate,
    offset: usize,
    comments: &str,
    base: &UsageBase,
    ctx: &emit::EmitContext,
    found: &[Delegate],
) -> Result<TwinHelper, String> {
    let why = match super::middleware::twin(c, base, ctx, found) {
        Ok(t) => {
            let fields = t.fields.join(", ");
            let returns = match (t.answers, t.fields.is_empty()) {
                (false, _) => format!("// Returns what it put on `req`: {{ {fields} }}."),
                (true, true) => "// Returns its answer (a Response), or nothing when it lets the request through.".to_string(),
                (true, false) => format!(
                    "// Returns its answer (a Response), or what it put on `req`: {{ {fields} }}."
                ),
            };
            let text = format!("{comments}{returns}\nexport {}", t.text);
            return Ok(TwinHelper {
                middleware: Some(MiddlewareUse {
                    fields: t.fields,
                    result: String::new(),
                    awaits: t.is_async,
                    answers: t.answers,
                    connect: false,
                }),
                ..candidate_twin(c, offset, text, t.needs)
            });
        }
        Err(why) => why,
    };
    if let Ok(text) = super::middleware::connect_runner(c, ctx) {
        let text = format!(
            "{comments}// Runs the middleware on the Request: its headers go to `headers`, and its own answer\n// (a CORS preflight's) is what it resolves; otherwise undefined.\nexport {text}"
        );
        return Ok(TwinHelper {
            middleware: Some(MiddlewareUse {
                fields: Vec::new(),
                result: String::new(),
                awaits: true,
                answers: true,
                connect: true,
            }),
            ..candidate_twin(c, offset, text, Needs::HELPER_CONNECT)
        });
    }
    // A dispatcher of per-method functions: its routes become one export per method.
    if let Ok(d) = super::method_map::dispatcher(c, ctx.src) {
        return Ok(TwinHelper {
            dispatcher: Some(d),
            ..candidate_twin(c, offset, String::new(), Needs::default())
        });
    }
    Err(why)
}

/// The twin of the exported function `c` (declared at `offset`) with `text`: not a reader, a
/// wrapper, a middleware or a dispatcher, and taking no response state.
fn candidate_twin(
    c: &delegates::Candidate,
    offset: usize,
    text: String,
    needs: Needs,
) -> TwinHelper {
    TwinHelper {
        name: c.name.clone(),
        param_count: c.params.len(),
        required: c.required,
        res_pos: c.res_pos,
        req_pos: c.req_pos,
        sets_headers_only: false,
        reader: false,
        state_params: Needs::default(),
        text,
        needs,
        references: Vec::new(),
        offset,
        wrapper: None,
        middleware: None,
        dispatcher: None,
    }
}

/// The import declarations of `module` as written in `src`, with the names each binds.
pub fn import_texts(module: &Module, src: &str) -> Vec<(Vec<String>, String)> {
    module
        .body
        .iter()
        .filter_map(|i| match i {
            ModuleItem::ModuleDecl(ModuleDecl::Import(d)) => Some((
                d.specifiers
                    .iter()
                    .map(|s| match s {
                        ImportSpecifier::Named(n) => n.local.sym.to_string(),
                        ImportSpecifier::Default(d) => d.local.sym.to_string(),
                        ImportSpecifier::Namespace(n) => n.local.sym.to_string(),
                    })
                    .collect(),
                src[range(d.span)].to_string(),
            )),
            _ => None,
        })
        .collect()
}

/// An exported function of a helper module that takes the request and no response.
struct Reader<'a> {
    name: String,
    params: Vec<&'a Pat>,
    required: usize,
    req_pos: usize,
    /// Range of the `req` parameter (with its type annotation).
    req_range: std::ops::Range<usize>,
    body: Result<&'a [Stmt], &'a Expr>,
    is_async: bool,
    /// The declaration (`function f(...) {...}` or `const f = (...) => ...;`), `export` not
    /// included.
    range: std::ops::Range<usize>,
}

/// Whether a parameter is the request: typed `NextApiRequest` (alone or in a union), or named
/// `req`; and whether it is the response.
fn param_role(p: &Pat) -> (bool, bool) {
    let Pat::Ident(b) = p else {
        return (false, false);
    };
    let name = b.id.sym.as_ref();
    let mut types = Vec::new();
    if let Some(ann) = &b.type_ann {
        let mut push = |t: &TsType| {
            if let TsType::TsTypeRef(r) = t {
                let n = match &r.type_name {
                    TsEntityName::Ident(i) => i.sym.to_string(),
                    TsEntityName::TsQualifiedName(q) => q.right.sym.to_string(),
                };
                types.push(n);
            }
        };
        match &*ann.type_ann {
            TsType::TsUnionOrIntersectionType(TsUnionOrIntersectionType::TsUnionType(u)) => {
                for t in &u.types {
                    push(t);
                }
            }
            t => push(t),
        }
    }
    let typed = |t: &str| types.iter().any(|x| x == t);
    (
        typed("NextApiRequest") || (types.is_empty() && name == "req"),
        typed("NextApiResponse") || (types.is_empty() && (name == "res" || name == "response")),
    )
}

/// The exported functions of `module` that take a request and no response.
fn readers(module: &Module) -> Vec<Reader<'_>> {
    let mut out = Vec::new();
    for item in &module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) = item else {
            continue;
        };
        let found = match &e.decl {
            Decl::Fn(f) if !f.function.is_generator => f.function.body.as_ref().map(|b| {
                (
                    f.ident.sym.to_string(),
                    f.function.params.iter().map(|p| &p.pat).collect::<Vec<_>>(),
                    f.function
                        .params
                        .iter()
                        .map(|p| range(p.span))
                        .collect::<Vec<_>>(),
                    Ok(b.stmts.as_slice()),
                    f.function.is_async,
                    range(f.function.span),
                )
            }),
            Decl::Var(v) if v.kind == VarDeclKind::Const && v.decls.len() == 1 => {
                let d = &v.decls[0];
                match (&d.name, d.init.as_deref()) {
                    (Pat::Ident(b), Some(Expr::Arrow(a))) if !a.is_generator => Some((
                        b.id.sym.to_string(),
                        a.params.iter().collect(),
                        a.params
                            .iter()
                            .map(|p| range(swc_common::Spanned::span(p)))
                            .collect(),
                        match &*a.body {
                            ArrowFunctionBody::FunctionBody(b) => Ok(b.stmts.as_slice()),
                            ArrowFunctionBody::Expr(e) => Err(&**e),
                        },
                        a.is_async,
                        range(v.span),
                    )),
                    _ => None,
                }
            }
            _ => None,
        };
        let Some((name, params, ranges, body, is_async, r)) = found else {
            continue;
        };
        let roles: Vec<(bool, bool)> = params.iter().map(|p| param_role(p)).collect();
        if roles.iter().any(|(_, res)| *res) || roles.iter().filter(|(req, _)| *req).count() != 1 {
            continue;
        }
        let Some(req_pos) = roles.iter().position(|(req, _)| *req) else {
            continue;
        };
        let required = params
            .iter()
            .take_while(|p| matches!(p, Pat::Ident(_)))
            .count();
        if required <= req_pos {
            continue;
        }
        out.push(Reader {
            name,
            req_range: ranges[req_pos].clone(),
            params,
            required,
            req_pos,
            body,
            is_async,
            range: r,
        });
    }
    out
}

/// The twin of a request reader (its declaration, `export` not included) and the compat
/// helpers it uses; `Err` with why it gets none.
fn reader_twin(
    r: &Reader,
    base: &UsageBase,
    src: &str,
    lang: Lang,
) -> Result<(String, Needs), String> {
    let Pat::Ident(b) = r.params[r.req_pos] else {
        return Err("its request parameter is destructured".into());
    };
    let input = usage::UsageInput {
        src,
        req: Some(b.id.sym.to_string()),
        res: None,
        names: base.names,
        body_mode: base.body_mode.clone(),
        raw_body_fns: base.raw_body_fns.clone(),
        get_server_session: base.get_server_session.clone(),
        get_iron_session: None,
        param_names: Vec::new(),
        delegates: &[],
        state_params: Needs::default(),
        middleware_body: false,
        decorated: Vec::new(),
    };
    let u = usage::analyse(&input, r.body, crate::edit::EditSet::new());
    if let Some(d) = u
        .diagnostics
        .iter()
        .find(|d| d.severity() == crate::diagnostics::Severity::Error)
    {
        return Err(d.message.clone());
    }
    let mut edits = u.edits;
    let ts = lang.is_typescript();
    let param = format!(
        "{}{}",
        base.names.request,
        if ts { ": Request" } else { "" }
    );
    if !edits.add(crate::edit::Edit {
        range: r.req_range.clone(),
        text: param,
        needs: Needs::default(),
    }) {
        return Err("its App Router version cannot be written".into());
    }
    let mut needs = Needs::default();
    let text = edits.render(src, r.range.clone(), &mut needs);
    let text = crate::edit::finalize_inits(&text, needs);
    if needs.any(
        ROUTE_BOUND
            | Needs::RESPONDS
            | Needs::HEADERS_VAR
            | Needs::HELPER_ADAPT
            | Needs::HELPER_NEXT_AUTH,
    ) {
        return Err("it reads the request's query or body, which depend on the route".into());
    }
    if needs.contains(Needs::AWAIT) && !r.is_async {
        return Err(
            "its App Router version would have to be async, and its callers do not await it".into(),
        );
    }
    if crate::edit::first_marker(&text).is_some() {
        return Err("its App Router version cannot be written".into());
    }
    Ok((text, needs))
}

/// The delegates a route gets from its imports of helper modules: one per imported twin.
pub fn foreign_delegates(module: &Module, foreign: &[ForeignImport]) -> Vec<Delegate> {
    let mut out = Vec::new();
    for (k, n, exported) in foreign_named(module, foreign) {
        let Some(h) = foreign[k]
            .helpers
            .iter()
            .find(|h| h.name == exported && h.wrapper.is_none() && h.dispatcher.is_none())
        else {
            continue;
        };
        out.push(Delegate {
            name: n.local.sym.to_string(),
            param_count: h.param_count,
            required: h.required,
            res_pos: h.res_pos,
            req_pos: h.req_pos,
            needs_context: false,
            range: range(n.span),
            text: String::new(),
            needs: Needs::default(),
            sets_headers_only: h.sets_headers_only,
            state_params: h.state_params,
            foreign: Some(Foreign {
                import: k,
                exported,
            }),
            reader: h.reader,
            drops_res: false,
            drops_req: false,
            merges_headers: false,
            extra_arg: None,
            middleware: h.middleware.clone(),
        });
    }
    out
}

/// The route's named value imports from helper modules that have twins or declined helpers:
/// (index in `foreign`, the specifier, the name the module exports it under), in source order.
fn foreign_named<'m>(
    module: &'m Module,
    foreign: &[ForeignImport],
) -> Vec<(usize, &'m ImportNamedSpecifier, String)> {
    let mut out = Vec::new();
    if foreign.is_empty() {
        return out;
    }
    for item in &module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
            continue;
        };
        if i.type_only {
            continue;
        }
        let spec = i.src.value.to_atom_lossy();
        let Some(k) = foreign.iter().position(|f| f.specifier.as_str() == &**spec) else {
            continue;
        };
        for s in &i.specifiers {
            let ImportSpecifier::Named(n) = s else {
                continue;
            };
            if n.is_type_only {
                continue;
            }
            let exported = match &n.imported {
                Some(ModuleExportName::Ident(x)) => x.sym.to_string(),
                Some(ModuleExportName::Str(x)) => x.value.to_atom_lossy().to_string(),
                None => n.local.sym.to_string(),
            };
            out.push((k, n, exported));
        }
    }
    out
}

/// The helper a route imports under the name `local` from a helper module with twins.
pub fn imported_helper<'f>(
    module: &Module,
    foreign: &'f [ForeignImport],
    local: &str,
) -> Option<&'f TwinHelper> {
    let (k, _, exported) = foreign_named(module, foreign)
        .into_iter()
        .find(|(_, n, _)| n.local.sym == local)?;
    foreign[k].helpers.iter().find(|h| h.name == exported)
}

/// The twin of the wrapper a route imports under the name `local`: the import's index in
/// `foreign`, the name the module exports it under, and the twin. `Err(Some(why))` when the
/// wrapper gets no twin, `Err(None)` when the route does not import it from a helper module.
pub fn wrapper_twin<'f>(
    module: &Module,
    foreign: &'f [ForeignImport],
    local: &str,
) -> Result<(usize, String, &'f TwinHelper), Option<String>> {
    for (k, n, exported) in foreign_named(module, foreign) {
        if n.local.sym != local {
            continue;
        }
        if let Some(h) = foreign[k]
            .helpers
            .iter()
            .find(|h| h.name == exported && h.wrapper.is_some())
        {
            return Ok((k, exported, h));
        }
        return Err(foreign[k]
            .declined
            .iter()
            .find(|d| d.name == exported)
            .map(|d| d.reason.clone()));
    }
    Err(None)
}

/// An edit of a route's import of a helper module, and the twin it now imports.
pub struct TwinImportEdit {
    pub edit: crate::edit::Edit,
    pub twin: Option<usize>,
}

/// The edits that point the route's imports of helpers it now calls as twins (`used`: the
/// delegates it uses) at the twin modules: the specifier, when the import brings only such
/// helpers, else a second import beside it for them. `edits` hold the rebase of the route's
/// specifiers (their text is what the twin's specifier is made from).
pub fn import_edits(
    module: &Module,
    src: &str,
    foreign: &[ForeignImport],
    used: &[Delegate],
    edits: &crate::edit::EditSet,
    nl: &str,
) -> Vec<TwinImportEdit> {
    let mut out = Vec::new();
    if foreign.is_empty() {
        return out;
    }
    for item in &module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
            continue;
        };
        let spec = i.src.value.to_atom_lossy();
        let Some(k) = foreign.iter().position(|f| f.specifier.as_str() == &**spec) else {
            continue;
        };
        let is_twin = |s: &ImportSpecifier| match s {
            ImportSpecifier::Named(n) => used.iter().any(|d| {
                d.name == n.local.sym.as_ref() && d.foreign.as_ref().is_some_and(|f| f.import == k)
            }),
            _ => false,
        };
        let (twinned, kept): (Vec<&ImportSpecifier>, Vec<&ImportSpecifier>) =
            i.specifiers.iter().partition(|s| is_twin(s));
        if twinned.is_empty() || i.type_only {
            continue;
        }
        let lit = range(i.src.span);
        if lit.len() < 2 {
            continue;
        }
        let inner = (lit.start + 1)..(lit.end - 1);
        let mut needs = Needs::default();
        let written = edits.render(src, inner.clone(), &mut needs);
        let twin_spec = foreign[k].spec.apply(&written);
        let twin = Some(foreign[k].twin);
        if kept.is_empty() {
            out.push(TwinImportEdit {
                edit: crate::edit::Edit {
                    range: inner,
                    text: twin_spec,
                    needs: Needs::default(),
                },
                twin,
            });
            continue;
        }
        // Some names stay with the original module: one import each.
        let r = range(i.span);
        let q = &src[lit.start..lit.start + 1];
        let semi = if src[r.clone()].trim_end().ends_with(';') {
            ";"
        } else {
            ""
        };
        let text_of = |s: &ImportSpecifier| {
            let sr = range(match s {
                ImportSpecifier::Named(n) => n.span,
                ImportSpecifier::Default(d) => d.span,
                ImportSpecifier::Namespace(n) => n.span,
            });
            src[sr].to_string()
        };
        let mut parts: Vec<String> = kept
            .iter()
            .filter(|s| !matches!(s, ImportSpecifier::Named(_)))
            .map(|s| text_of(s))
            .collect();
        let named: Vec<String> = kept
            .iter()
            .filter(|s| matches!(s, ImportSpecifier::Named(_)))
            .map(|s| text_of(s))
            .collect();
        if !named.is_empty() {
            parts.push(format!("{{ {} }}", named.join(", ")));
        }
        let twins: Vec<String> = twinned.iter().map(|s| text_of(s)).collect();
        let text = format!(
            "import {} from {q}{written}{q}{semi}{nl}import {{ {} }} from {q}{twin_spec}{q}{semi}",
            parts.join(", "),
            twins.join(", ")
        );
        out.push(TwinImportEdit {
            edit: crate::edit::Edit {
                range: r,
                text,
                needs: Needs::default(),
            },
            twin,
        });
    }
    out
}

/// `d` (a blocking diagnostic of the route) with the reason an imported helper it is about has
/// no twin, or cannot be used here (`state_kept`: the response state the handler sets before it
/// calls a helper: a status a twin cannot receive, or headers a call without every parameter
/// cannot pass), where the call it reports hands `res` to such a helper.
pub fn with_declined_reason(
    d: Diagnostic,
    src: &str,
    module: &Module,
    foreign: &[ForeignImport],
    escapes: &[super::usage::Escape],
    state_kept: Needs,
) -> Diagnostic {
    if foreign.is_empty() {
        return d;
    }
    let Some(callee) = escapes
        .iter()
        .find(|e| crate::text::line_col(src, e.at) == (d.line, d.column))
        .map(|e| e.callee.as_str())
    else {
        return d;
    };
    for (k, n, exported) in foreign_named(module, foreign) {
        if n.local.sym != callee {
            continue;
        }
        let f = &foreign[k];
        if let Some(why) = f.declined.iter().find(|x| x.name == exported) {
            return Diagnostic {
                message: format!(
                    "{}; `{exported}` gets no App Router version ({})",
                    d.message, why.reason
                ),
                ..d
            };
        }
        if !state_kept.is_empty() && f.helpers.iter().any(|h| h.name == exported) {
            let why = if state_kept.contains(Needs::STATUS_VAR) {
                "this handler sets a status before it answers, which the helper cannot receive"
            } else {
                "the headers this handler sets before it answers cannot reach it through a call that leaves out a parameter with a default"
            };
            return Diagnostic {
                message: format!(
                    "{}; `{exported}` has an App Router version, but {why}",
                    d.message
                ),
                ..d
            };
        }
    }
    d
}

/// The comment lines directly above the exported declaration of `name` (its doc comment), as
/// written, each line ending with `\n`; empty when there are none.
fn leading_comments(module: &Module, src: &str, name: &str) -> String {
    for item in &module.body {
        if let ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) = item {
            let declares = match &e.decl {
                Decl::Fn(f) => f.ident.sym == name,
                Decl::Var(v) => v
                    .decls
                    .iter()
                    .any(|d| pat_names(&d.name).iter().any(|n| n == name)),
                _ => false,
            };
            if declares {
                return leading_comment_lines(src, range(swc_common::Spanned::span(item)).start);
            }
        }
    }
    String::new()
}

/// The comment lines directly above the line where `start` is (up to a line of code or a
/// blank line), as written, each ending with `\n`.
pub(super) fn leading_comment_lines(src: &str, start: usize) -> String {
    let before = src.get(..start).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let lines: Vec<&str> = before[..line_start].lines().collect();
    let kept = lines
        .iter()
        .rev()
        .take_while(|l| {
            let t = l.trim_start();
            t.starts_with("//") || t.starts_with("/*") || t.starts_with('*')
        })
        .count();
    let mut out = String::new();
    for l in &lines[lines.len() - kept..] {
        out.push_str(l.trim_end_matches('\r'));
        out.push('\n');
    }
    out
}

/// The top-level names of a module: imported, exported, and those that are neither.
#[derive(Default)]
struct TopLevel {
    imported: HashSet<String>,
    exported: HashSet<String>,
    locals: HashSet<String>,
}

fn top_level(module: &Module) -> TopLevel {
    let mut t = TopLevel::default();
    let decl_names = |d: &Decl| -> Vec<String> {
        match d {
            Decl::Fn(f) => vec![f.ident.sym.to_string()],
            Decl::Class(c) => vec![c.ident.sym.to_string()],
            Decl::Var(v) => v.decls.iter().flat_map(|d| pat_names(&d.name)).collect(),
            Decl::TsInterface(i) => vec![i.id.sym.to_string()],
            Decl::TsTypeAlias(a) => vec![a.id.sym.to_string()],
            Decl::TsEnum(e) => vec![e.id.sym.to_string()],
            _ => Vec::new(),
        }
    };
    for item in &module.body {
        match item {
            ModuleItem::ModuleDecl(ModuleDecl::Import(i)) => {
                for s in &i.specifiers {
                    let local = match s {
                        ImportSpecifier::Named(n) => &n.local,
                        ImportSpecifier::Default(d) => &d.local,
                        ImportSpecifier::Namespace(n) => &n.local,
                    };
                    t.imported.insert(local.sym.to_string());
                }
            }
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => {
                t.exported.extend(decl_names(&e.decl));
            }
            ModuleItem::Stmt(Stmt::Decl(d)) => t.locals.extend(decl_names(d)),
            _ => {}
        }
    }
    // `export { x }` of a local declaration exports it.
    for item in &module.body {
        if let ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(n)) = item {
            if n.src.is_some() {
                continue;
            }
            for s in &n.specifiers {
                if let ExportSpecifier::Named(ExportNamedSpecifier {
                    orig: ModuleExportName::Ident(i),
                    ..
                }) = s
                {
                    let name = i.sym.to_string();
                    if t.locals.remove(&name) {
                        t.exported.insert(name);
                    }
                }
            }
        }
    }
    t
}

fn pat_names(p: &Pat) -> Vec<String> {
    struct V(Vec<String>);
    impl Visit for V {
        fn visit_binding_ident(&mut self, b: &BindingIdent) {
            self.0.push(b.id.sym.to_string());
        }
    }
    let mut v = V(Vec::new());
    p.visit_with(&mut v);
    v.0
}

/// `text` (a twin taking the caller's `headers` as its last parameter) with that parameter
/// optional: `headers: Headers = new Headers()`, so that a caller with no headers to pass on
/// calls it as before.
fn optional_headers(text: &str, state: Needs, headers: &str, lang: Lang) -> String {
    if !state.contains(Needs::HEADERS_VAR) {
        return text.to_string();
    }
    let ann = if lang.is_typescript() {
        ": Headers"
    } else {
        ""
    };
    let param = format!("{headers}{ann})");
    match text.find(&param) {
        Some(at) => format!(
            "{}{headers}{ann} = new Headers(){}",
            &text[..at],
            &text[at + param.len() - 1..]
        ),
        None => text.to_string(),
    }
}

/// What a twin's declaration `text` uses of its original module (see [`references`]); `Err`
/// with why it cannot live in another module: it does not parse, or it uses a name of the
/// module that is neither imported nor exported.
fn outside_references(text: &str, lang: Lang, top: &TopLevel) -> Result<Vec<String>, String> {
    let refs = references(text, lang, top)
        .ok_or_else(|| "its App Router version does not parse".to_string())?;
    match refs.iter().find(|r| top.locals.contains(r.as_str())) {
        Some(local) => Err(format!(
            "it uses `{local}`, which its module neither imports nor exports"
        )),
        None => Ok(refs),
    }
}

/// The top-level names of the original module that the twin's declaration `text` refers to
/// (besides its own name), sorted; `None` when it does not parse.
fn references(text: &str, lang: Lang, top: &TopLevel) -> Option<Vec<String>> {
    let m = parse_module(text, lang).ok()?;
    struct V<'t> {
        top: &'t TopLevel,
        out: std::collections::BTreeSet<String>,
    }
    impl Visit for V<'_> {
        fn visit_ident(&mut self, i: &Ident) {
            let s = i.sym.as_ref();
            if self.top.imported.contains(s)
                || self.top.exported.contains(s)
                || self.top.locals.contains(s)
            {
                self.out.insert(s.to_string());
            }
        }
    }
    let mut v = V {
        top,
        out: Default::default(),
    };
    m.visit_with(&mut v);
    let own: Vec<String> = m
        .body
        .iter()
        .filter_map(|i| match i {
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => match &e.decl {
                Decl::Fn(f) => Some(f.ident.sym.to_string()),
                Decl::Var(v) => v.decls.first().and_then(|d| pat_names(&d.name).pop()),
                Decl::TsTypeAlias(a) => Some(a.id.sym.to_string()),
                _ => None,
            },
            // The twin of a wrapper's handler type comes with it.
            ModuleItem::Stmt(Stmt::Decl(Decl::TsTypeAlias(a))) => Some(a.id.sym.to_string()),
            _ => None,
        })
        .collect();
    Some(v.out.into_iter().filter(|n| !own.contains(n)).collect())
}

/// The candidates of a helper module that a twin may come from (for tests).
#[cfg(test)]
fn exported_candidates<'a>(module: &'a Module) -> Vec<delegates::Candidate<'a>> {
    delegates::candidates(module, &(0..0), true)
        .into_iter()
        .filter(|c| c.exported)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wrapper's twin, or why it has none.
    fn wrapper(src: &str, lang: Lang, name: &str) -> Result<TwinHelper, String> {
        let t = analyse(src, lang, &[]).unwrap();
        if let Some(h) = t.helpers.iter().find(|h| h.name == name) {
            return Ok(h.clone());
        }
        Err(t
            .declined
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.reason.clone())
            .unwrap_or_default())
    }

    #[test]
    fn decorating_wrapper_passes_its_fields_to_the_handler() {
        let src = "import type { NextApiRequest, NextApiResponse } from 'next';\n\ntype AuthedRequest = NextApiRequest & { user: string; role?: 'admin' };\n\nexport function withAuth(handler: (req: AuthedRequest, res: NextApiResponse) => unknown) {\n  return (req: NextApiRequest, res: NextApiResponse) => {\n    const user = req.headers['x-user'];\n    if (typeof user !== 'string') return res.status(401).end();\n    (req as AuthedRequest).user = user;\n    (req as AuthedRequest).role = user === 'root' ? 'admin' : undefined;\n    return handler(req as AuthedRequest, res);\n  };\n}\n";
        let h = wrapper(src, Lang::Ts, "withAuth").unwrap();
        let shape = h.wrapper.unwrap();
        assert_eq!(shape.decorates, ["user", "role"]);
        assert_eq!(shape.extras, 0);
        assert!(h.text.contains(
            "handler: (request: Request, context: HandlerContext, auth: { user: string; role?: 'admin' }) => Response | Promise<Response>"
        ), "{}", h.text);
        assert!(h.text.contains(
            "    return handler(request, context, { user, role: user === 'root' ? 'admin' : undefined });\n"
        ), "{}", h.text);
        assert!(!h.text.contains(".user ="), "{}", h.text);
    }

    #[test]
    fn decorating_wrapper_is_declined_with_why() {
        let reads = "export function withToken(handler) {\n  return (req, res) => {\n    req.token = req.headers.authorization;\n    return handler(req, res);\n  };\n}\n";
        assert_eq!(
            wrapper(reads, Lang::Js, "withToken").unwrap_err(),
            "the value it puts on `req.token` reads `req` or `res`; set it in a variable first"
        );
        let extras = "export function withTeam(handler) {\n  return (req, res) => {\n    req.team = 't';\n    return handler(req, res, 1);\n  };\n}\n";
        assert_eq!(
            wrapper(extras, Lang::Js, "withTeam").unwrap_err(),
            "it puts fields on `req` and also passes `handler` more than `(req, res)`"
        );
        let untyped = "import type { NextApiHandler } from 'next';\nexport function withTeam(handler: NextApiHandler) {\n  return (req, res) => {\n    const team = 't';\n    (req as any).team = team;\n    return handler(req, res);\n  };\n}\n";
        assert_eq!(
            wrapper(untyped, Lang::Ts, "withTeam").unwrap_err(),
            "its handler parameter is typed `NextApiHandler`, whose `req` has no `team`"
        );
        // Not right before the call: the assignment stays, and blocks as before.
        let early = "export function withTeam(handler) {\n  return (req, res) => {\n    req.team = 't';\n    console.log('x');\n    return handler(req, res);\n  };\n}\n";
        assert!(wrapper(early, Lang::Js, "withTeam")
            .unwrap_err()
            .contains("assigns `req.team`"));
    }

    const API: &str = "import type { NextApiResponse } from 'next';\n\n// Response helpers shared by the routes.\nexport const ok = (res: NextApiResponse, data: unknown) => res.status(200).json(data);\n\nexport function methodNotAllowed(res: NextApiResponse, allowed: string[]) {\n  res.setHeader('Allow', allowed.join(', '));\n  return res.status(405).json({ error: 'Method not allowed' });\n}\n\nconst secret = 'x';\nexport const leak = (res: NextApiResponse) => res.json({ secret });\n\nexport const echo = (req: any, res: NextApiResponse) => res.json(req.query);\n";

    #[test]
    fn twins_response_helpers_and_declines_the_rest() {
        let t = analyse(API, Lang::Ts, &[]).unwrap();
        let names: Vec<&str> = t.helpers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["ok", "methodNotAllowed"]);
        assert_eq!(
            t.helpers[0].text,
            "// Response helpers shared by the routes.\nexport const ok = (request: Request, data: unknown, headers: Headers = new Headers()) => pages.json(request, data, { status: 200, headers });"
        );
        assert!(t.helpers[1].text.starts_with(
            "export function methodNotAllowed(request: Request, allowed: string[], headers: Headers = new Headers()) {"
        ));
        assert!(t.helpers.iter().all(|h| h.references.is_empty()));
        let declined: Vec<(&str, &str)> = t
            .declined
            .iter()
            .map(|d| (d.name.as_str(), d.reason.as_str()))
            .collect();
        assert_eq!(
            declined,
            [
                (
                    "leak",
                    "it uses `secret`, which its module neither imports nor exports"
                ),
                (
                    "echo",
                    "it reads the request's query or body, which depend on the route"
                ),
            ]
        );
        let m = parse_module(API, Lang::Ts).unwrap();
        assert_eq!(exported_candidates(&m).len(), 4);
    }

    #[test]
    fn twin_specifiers_keep_the_written_form() {
        let plain = TwinSpec {
            insert: ".app".into(),
            ext: None,
        };
        assert_eq!(plain.apply("@/lib/api"), "@/lib/api.app");
        let js = TwinSpec {
            insert: ".app".into(),
            ext: Some(".js".into()),
        };
        assert_eq!(js.apply("../../lib/api.js"), "../../lib/api.app.js");
        let index = TwinSpec {
            insert: "/index.app".into(),
            ext: None,
        };
        assert_eq!(index.apply("../lib"), "../lib/index.app");
    }

    const GUARDS: &str = "import type { NextApiRequest, NextApiResponse } from 'next';\n\nexport async function useAuth(req: NextApiRequest, res: NextApiResponse) {\n  const user = req.headers['x-user'];\n  if (!user) {\n    res.status(401).json({ error: 'no' });\n    return false;\n  }\n  req.user = user;\n  return true;\n}\n\nexport function late(req: NextApiRequest, res: NextApiResponse) {\n  if (req.headers.a) {\n    req.flag = true;\n    return res.status(400).json({});\n  }\n  return true;\n}\n\nexport function quota(req: NextApiRequest, res: NextApiResponse) {\n  res.setHeader('X-Left', '1');\n  if (req.headers.b) {\n    res.status(429).json({});\n    return false;\n  }\n}\n\nexport async function dispatch(req: NextApiRequest, res: NextApiResponse, map: Record<string, any>) {\n  const handler = map[req.method as string];\n  if (!handler) return res.status(405).json({ allowed: Object.keys(map).join(' ') });\n  return handler(req, res);\n}\n";

    #[test]
    fn middleware_twins_return_their_answer_or_their_fields() {
        let t = analyse(GUARDS, Lang::Ts, &[]).unwrap();
        let auth = t.helpers.iter().find(|h| h.name == "useAuth").unwrap();
        let m = auth.middleware.as_ref().unwrap();
        assert_eq!(m.fields, ["user"]);
        assert!(m.awaits && m.answers && !m.connect);
        assert_eq!(
            auth.text,
            "// Returns its answer (a Response), or what it put on `req`: { user }.\nexport async function useAuth(request: Request) {\n  const user = pages.headers(request)['x-user'];\n  if (!user) {\n    return pages.json(request, { error: 'no' }, { status: 401 });\n  }\n  return { user };\n}"
        );
        let why = |n: &str| {
            t.declined
                .iter()
                .find(|d| d.name == n)
                .map(|d| d.reason.clone())
                .unwrap_or_default()
        };
        // A field set in a check, and headers set for the handler's answer, are declined.
        assert!(
            why("late").contains("assigns `req.flag`"),
            "{}",
            why("late")
        );
        assert_eq!(
            why("quota"),
            "it sets a status or response headers that the handler's answer would carry"
        );
        let d = t.helpers.iter().find(|h| h.name == "dispatch").unwrap();
        let d = d.dispatcher.as_ref().unwrap();
        assert_eq!(d.map_pos, 2);
        assert_eq!(
            d.fallback,
            [
                super::super::method_map::Piece::Text(
                    "return res.status(405).json({ allowed: ".into()
                ),
                super::super::method_map::Piece::KeysJoined(" ".into()),
                super::super::method_map::Piece::Text(" });".into()),
            ]
        );
    }

    #[test]
    fn middleware_result_names_read_well_and_stay_free() {
        use super::super::middleware::result_name;
        let free = |n: &str| n != "auth";
        assert_eq!(result_name("useSession", &["user".into()], free), "session");
        assert_eq!(result_name("useAuth", &["user".into()], free), "authResult");
        assert_eq!(result_name("useTeam", &["team".into()], free), "teamResult");
        assert_eq!(result_name("requireJson", &[], free), "answer");
        assert_eq!(result_name("useNew", &["x".into()], free), "useNewResult");
    }
}
