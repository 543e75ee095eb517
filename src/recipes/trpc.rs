//! tRPC (v10/v11): the `[trpc]` route.
//!
//! Pages: `export default createNextApiHandler({ router, createContext, ... })` imported from
//! `@trpc/server/adapters/next` (or `const handler = createNextApiHandler(...)` and
//! `export default handler`). App Router, as the tRPC docs write it (fetch adapter):
//!
//! ```ts
//! import { fetchRequestHandler } from '@trpc/server/adapters/fetch'
//!
//! const handler = (req: Request) => fetchRequestHandler({
//!   endpoint: '/api/trpc',
//!   req,
//!   router: appRouter,
//!   createContext: () => ({}),
//! })
//!
//! export { handler as GET, handler as POST }
//! ```
//!
//! `endpoint` is the route's URL without its last segment, `[trpc]` or `[...trpc]` (the Pages
//! adapter read the procedure path from that query parameter; the fetch adapter cuts the
//! endpoint off the request's path). Taken only when every option means the same to the fetch
//! adapter: `router`, `batching`, `allowBatching`, `allowMethodOverride`, `maxBatchSize`,
//! `responseMeta` (its argument holds no request), and `createContext`/`onError` when they are
//! functions written in the route that never read `req`/`res` from their argument (the fetch
//! adapter passes a web Request and `resHeaders`, not Pages' `req`/`res`). The others decline with
//! P2A317 naming the reason (positioned at the option or `config` export it names), and the
//! route goes on to the adapter as before: a `createContext` reading `opts.req`/`opts.res` or
//! defined in another module, `middleware` and `maxBodySize` (Node adapter only), an options
//! object that is not a literal, a `config` export, dynamic segments before `[trpc]` (the
//! endpoint would not be one path).
//!
//! What changes (reported, P2A207; measured on next 16.4.6 with @trpc/server 11.25.2 by the
//! behaviour suite, production-app): see [`METHODS_MESSAGE`]. The same in both: queries, batches
//! (GET and POST), mutations, tRPC's own errors (400, 404, 405 for a GET of a mutation, 415 for a
//! text/plain body), an empty JSON body, HEAD (204: tRPC answers it, Next runs GET for it), a
//! percent-encoded procedure path, no ETag. Not measured: bodies over 1mb (Pages' body parser
//! answered 413; the fetch adapter has no limit, semantics.md). The route carries P2A302, as
//! every migrated route does.
//!
//! What tRPC answered to the other methods depends on the content type as well as the method
//! (tRPC's `getContentTypeHandler` and `resolveResponse`): HEAD gets 204; any other method but
//! GET with no JSON, multipart or octet-stream content type gets 415; with JSON, a procedure
//! type its method does not serve (a mutation takes POST, a query GET) gets 405. P2A207 names the
//! requests the suite sent: PUT and PATCH of a mutation as JSON, DELETE and OPTIONS without a
//! content type.

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::{word_used, Recipe};
use crate::diagnostics::{Code, Diagnostic};
use crate::edit::{Edit, EditSet, Needs};
use crate::parse::{parse_module, range};
use crate::route_path::ParamKind;
use crate::text::newline_of;
use crate::transform::{imports, Migrated, Mode, RouteInput, NON_STANDARD_METHODS_MESSAGE};

const PAGES_ADAPTER: &str = "@trpc/server/adapters/next";
const FETCH_ADAPTER: &str = "@trpc/server/adapters/fetch";

/// The behaviour the fetch handler changes, as the behaviour suite measured it.
pub const METHODS_MESSAGE: &str = "tRPC's fetch handler, exported as GET and POST as tRPC documents, answers some requests differently from createNextApiHandler in Pages, which ran tRPC for every method: PUT and PATCH of a mutation sent as JSON get Next's bare 405 (tRPC's was a 405 with `Allow: POST` and a JSON error); DELETE and OPTIONS sent without a content type, which tRPC answered 415 with a JSON error, get Next's 405 and Next's 204 with `Allow: GET, HEAD, OPTIONS, POST`; a POST with invalid JSON gets tRPC's 400 Bad Request JSON error instead of Next's `400 Invalid JSON` text, since Pages' body parser no longer runs before tRPC (nor its 1mb limit, 413)";

/// The local name `createNextApiHandler` is imported as, with its import declaration.
fn adapter_import(module: &Module) -> Option<(String, &ImportDecl)> {
    module.body.iter().find_map(|item| {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
            return None;
        };
        if i.type_only || *i.src.value.to_atom_lossy() != *PAGES_ADAPTER {
            return None;
        }
        i.specifiers.iter().find_map(|s| match s {
            ImportSpecifier::Named(n) if !n.is_type_only => {
                (crate::transform::ast_util::imported_name(n) == "createNextApiHandler")
                    .then(|| (n.local.sym.to_string(), i))
            }
            _ => None,
        })
    })
}

/// `createNextApiHandler(x)`: the call of `local`, one argument, not spread.
fn adapter_call<'e>(e: &'e Expr, local: &str) -> Option<&'e CallExpr> {
    let Expr::Call(c) = e else { return None };
    let Callee::Expr(callee) = &c.callee else {
        return None;
    };
    (matches!(&**callee, Expr::Ident(i) if i.sym == local)
        && c.args.len() == 1
        && c.args[0].spread.is_none())
    .then_some(c)
}

/// `const NAME = createNextApiHandler(x)` at the top level.
fn bound_call<'m>(module: &'m Module, name: &str, local: &str) -> Option<&'m CallExpr> {
    module.body.iter().find_map(|item| {
        let ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) = item else {
            return None;
        };
        v.decls.iter().find_map(|d| match &d.name {
            Pat::Ident(b) if b.id.sym == name => adapter_call(d.init.as_deref()?, local),
            _ => None,
        })
    })
}

/// How a function uses its first parameter: the members read from it (`opts.info`), and whether
/// it is used otherwise (passed on, spread, destructured further).
#[derive(Default)]
struct ParamUse<'n> {
    name: &'n str,
    members: Vec<String>,
    whole: bool,
}

impl Visit for ParamUse<'_> {
    fn visit_member_expr(&mut self, m: &MemberExpr) {
        if let (Expr::Ident(obj), MemberProp::Ident(p)) = (&*m.obj, &m.prop) {
            if obj.sym == self.name {
                self.members.push(p.sym.to_string());
                return;
            }
        }
        m.visit_children_with(self);
    }
    fn visit_ident(&mut self, i: &Ident) {
        if i.sym == self.name || i.sym == "arguments" {
            self.whole = true;
        }
    }
}

/// The fields of the argument a function reads, or why the recipe cannot tell.
fn fields_read(params: &[&Pat], body: &dyn Fn(&mut ParamUse)) -> Result<Vec<String>, String> {
    let Some(first) = params.first() else {
        // `arguments` could still reach it.
        let mut probe = ParamUse {
            name: "\u{1}",
            ..ParamUse::default()
        };
        body(&mut probe);
        return if probe.whole {
            Err("reads `arguments`".to_string())
        } else {
            Ok(Vec::new())
        };
    };
    if params.len() > 1 {
        return Err("takes more than one parameter".to_string());
    }
    match first {
        Pat::Ident(b) if b.type_ann.is_none() => {
            let mut u = ParamUse {
                name: &b.id.sym,
                ..ParamUse::default()
            };
            body(&mut u);
            if u.whole {
                Err(format!("uses its argument `{}` as a whole", b.id.sym))
            } else {
                Ok(u.members)
            }
        }
        Pat::Object(o) if o.type_ann.is_none() => {
            let mut keys = Vec::new();
            for p in &o.props {
                match p {
                    ObjectPatProp::KeyValue(kv) => match &kv.key {
                        PropName::Ident(k) => keys.push(k.sym.to_string()),
                        PropName::Str(s) => keys.push(s.value.to_atom_lossy().to_string()),
                        _ => return Err("destructures a computed key".to_string()),
                    },
                    ObjectPatProp::Assign(a) => keys.push(a.key.sym.to_string()),
                    ObjectPatProp::Rest(_) => {
                        return Err("destructures the rest of its argument".to_string())
                    }
                }
            }
            Ok(keys)
        }
        Pat::Ident(_) | Pat::Object(_) => Err(
            "types its argument for the Pages adapter (the fetch adapter passes other options)"
                .to_string(),
        ),
        _ => Err("takes its argument in a form the recipe does not read".to_string()),
    }
}

/// For `createContext`/`onError`: `Ok` when the function never reads a field outside `allowed`
/// from its argument, else why not.
fn check_function(e: &Expr, module: &Module, allowed: &[&str]) -> Result<(), String> {
    let read = match e {
        Expr::Arrow(a) => {
            let params: Vec<&Pat> = a.params.iter().collect();
            fields_read(&params, &|u| a.body.visit_with(u))?
        }
        Expr::Fn(f) => {
            let params: Vec<&Pat> = f.function.params.iter().map(|p| &p.pat).collect();
            fields_read(&params, &|u| f.function.body.visit_with(u))?
        }
        Expr::Paren(p) => return check_function(&p.expr, module, allowed),
        Expr::Ident(i) => {
            // A function of the route's own module.
            for decl in crate::transform::ast_util::module_decls(module) {
                match decl {
                    Decl::Fn(f) if f.ident.sym == i.sym => {
                        let params: Vec<&Pat> = f.function.params.iter().map(|p| &p.pat).collect();
                        let read = fields_read(&params, &|u| f.function.body.visit_with(u))?;
                        return allowed_only(&read, allowed);
                    }
                    Decl::Var(v) => {
                        for d in &v.decls {
                            if matches!(&d.name, Pat::Ident(b) if b.id.sym == i.sym) {
                                return match d.init.as_deref() {
                                    Some(init @ (Expr::Arrow(_) | Expr::Fn(_))) => {
                                        check_function(init, module, allowed)
                                    }
                                    _ => Err(format!(
                                        "`{}` is not a function the recipe can read",
                                        i.sym
                                    )),
                                };
                            }
                        }
                    }
                    _ => {}
                }
            }
            let from = module.body.iter().find_map(|item| match item {
                ModuleItem::ModuleDecl(ModuleDecl::Import(d))
                    if d.specifiers.iter().any(|s| match s {
                        ImportSpecifier::Named(n) => n.local.sym == i.sym,
                        ImportSpecifier::Default(n) => n.local.sym == i.sym,
                        ImportSpecifier::Namespace(n) => n.local.sym == i.sym,
                    }) =>
                {
                    Some(d.src.value.to_atom_lossy().to_string())
                }
                _ => None,
            });
            return Err(match from {
                Some(from) => format!(
                    "is imported from {from:?}, so the recipe cannot see whether it reads Pages' req/res (createNextApiHandler passes them)"
                ),
                None => format!("`{}` is not a function the recipe can find in the route", i.sym),
            });
        }
        _ => return Err("is not a function written in the route".to_string()),
    };
    allowed_only(&read, allowed)
}

fn allowed_only(read: &[String], allowed: &[&str]) -> Result<(), String> {
    match read.iter().find(|f| !allowed.contains(&f.as_str())) {
        None => Ok(()),
        Some(f) if f == "req" || f == "res" => Err(format!(
            "reads `{f}` from its argument: Pages' NextApiRequest/NextApiResponse there, a web Request and `resHeaders` in the fetch adapter"
        )),
        Some(f) => Err(format!("reads `{f}` from its argument")),
    }
}

/// The options object, checked: `Ok(options)` or why the recipe declines, with the span of the
/// option (or argument) the reason names, when it names one.
fn check_options<'o>(
    call: &'o CallExpr,
    module: &Module,
) -> Result<&'o ObjectLit, (String, Option<swc_common::Span>)> {
    let Expr::Object(obj) = &*call.args[0].expr else {
        return Err((
            "its options are not an object literal in the route, so the recipe cannot check them"
                .to_string(),
            Some(call.args[0].expr.span()),
        ));
    };
    let mut router = false;
    for p in &obj.props {
        check_option(p, module, &mut router).map_err(|why| (why, Some(p.span())))?;
    }
    if !router {
        return Err(("its options have no `router`".to_string(), None));
    }
    Ok(obj)
}

/// One option of the options object: `Ok` when the fetch adapter takes it the same way.
fn check_option(p: &PropOrSpread, module: &Module, router: &mut bool) -> Result<(), String> {
    let PropOrSpread::Prop(p) = p else {
        return Err("its options spread another object".to_string());
    };
    let (key, value): (String, Option<&Expr>) = match &**p {
        Prop::Shorthand(i) => (i.sym.to_string(), None),
        Prop::KeyValue(kv) => match &kv.key {
            PropName::Ident(k) => (k.sym.to_string(), Some(&*kv.value)),
            PropName::Str(s) => (s.value.to_atom_lossy().to_string(), Some(&*kv.value)),
            _ => return Err("its options have a computed key".to_string()),
        },
        Prop::Method(m) => {
            let key = match &m.key {
                PropName::Ident(k) => k.sym.to_string(),
                _ => return Err("its options have a computed key".to_string()),
            };
            let params: Vec<&Pat> = m.function.params.iter().map(|p| &p.pat).collect();
            let read = fields_read(&params, &|u| m.function.body.visit_with(u))
                .map_err(|why| format!("`{key}` {why}"))?;
            match key.as_str() {
                "createContext" => allowed_only(&read, &["info"]),
                "onError" => allowed_only(&read, &["error", "type", "path", "input", "ctx"]),
                "responseMeta" => Ok(()),
                _ => Err(String::new()),
            }
            .map_err(|why| {
                if why.is_empty() {
                    format!("its option `{key}` is not one the fetch adapter takes the same way")
                } else {
                    format!("`{key}` {why}")
                }
            })?;
            return Ok(());
        }
        _ => return Err("its options hold a getter or setter".to_string()),
    };
    match key.as_str() {
        "router" => *router = true,
        "batching" | "allowBatching" | "allowMethodOverride" | "maxBatchSize" | "responseMeta" => {}
        "createContext" | "onError" => {
            let allowed: &[&str] = if key == "createContext" {
                &["info"]
            } else {
                &["error", "type", "path", "input", "ctx"]
            };
            let value = match value {
                Some(v) => v.clone(),
                None => Expr::Ident(Ident::new_no_ctxt(key.as_str().into(), p.span())),
            };
            check_function(&value, module, allowed).map_err(|why| format!("`{key}` {why}"))?;
        }
        "middleware" | "maxBodySize" => {
            return Err(format!(
            "its option `{key}` exists only in tRPC's Node adapters (the fetch adapter has none)"
        ))
        }
        _ => {
            return Err(format!(
                "its option `{key}` is not one the fetch adapter takes the same way"
            ))
        }
    }
    Ok(())
}

fn first_free<'a>(src: &str, names: &[&'a str]) -> Option<&'a str> {
    names.iter().copied().find(|n| !word_used(src, n))
}

pub fn migrate(input: &RouteInput, module: &Module) -> Recipe {
    let src = input.src;
    let Some((local, import)) = adapter_import(module) else {
        return Recipe::NotMine;
    };
    let mut default: Option<(&ExportDefaultExpr, &CallExpr, Option<String>)> = None;
    let mut config: Option<usize> = None;
    for item in &module.body {
        let ModuleItem::ModuleDecl(decl) = item else {
            continue;
        };
        match decl {
            ModuleDecl::ExportDefaultExpr(e) => {
                if let Some(c) = adapter_call(&e.expr, &local) {
                    default = Some((e, c, None));
                } else if let Expr::Ident(i) = &*e.expr {
                    if let Some(c) = bound_call(module, &i.sym, &local) {
                        default = Some((e, c, Some(i.sym.to_string())));
                    }
                }
            }
            ModuleDecl::ExportDecl(ExportDecl {
                decl: Decl::Var(v),
                span,
            }) if v
                .decls
                .iter()
                .any(|d| matches!(&d.name, Pat::Ident(b) if b.id.sym == "config")) =>
            {
                config = Some(range(*span).start)
            }
            _ => {}
        }
    }
    let Some((export, call, bound)) = default else {
        return Recipe::NotMine;
    };
    let at = range(export.span).start;
    // At the default export, or at the option the reason names.
    let decline_at = |why: String, offset: usize| {
        Recipe::Declined(vec![Diagnostic::at(
            Code::RecipeDeclined,
            format!("tRPC route not turned into fetchRequestHandler (the App Router form tRPC documents): {why}; it goes on as before"),
            src,
            offset,
        )])
    };
    let decline = |why: String| decline_at(why, at);
    if let Some(config_at) = config {
        return decline_at(
            "the route has a `config` export, which Pages applied before tRPC ran".to_string(),
            config_at,
        );
    }
    let Some((prefix, last)) = input.url.rsplit_once('/') else {
        return Recipe::NotMine;
    };
    let endpoint_param = match input.params.last() {
        Some(p)
            if p.name == "trpc" && matches!(p.kind, ParamKind::Single | ParamKind::CatchAll) =>
        {
            last == "[trpc]" || last == "[...trpc]"
        }
        _ => false,
    };
    if !endpoint_param {
        return decline(format!(
            "the route is not named `[trpc]` or `[...trpc]` ({}), where createNextApiHandler reads the procedure path",
            input.url
        ));
    }
    if input.params.len() > 1 {
        return decline(format!(
            "the URL {} has dynamic segments before `[trpc]`, so fetchRequestHandler's `endpoint` would not be one path",
            input.url
        ));
    }
    if prefix.contains(['\'', '"', '\\', '`']) {
        return decline(format!("the URL {} holds a quote", input.url));
    }
    let obj = match check_options(call, module) {
        Ok(o) => o,
        Err((why, span)) => {
            return decline_at(
                format!("createNextApiHandler: {why}"),
                span.map_or(at, |s| range(s).start),
            )
        }
    };
    if import.specifiers.len() != 1 {
        return decline(format!(
            "the import of {PAGES_ADAPTER} brings more than createNextApiHandler"
        ));
    }
    if word_used(src, "fetchRequestHandler") {
        return decline("the module already uses the name fetchRequestHandler".to_string());
    }
    let Some(req) = first_free(src, &["req", "request", "trpcRequest"]) else {
        return decline("no free name for the request parameter".to_string());
    };
    let name = match &bound {
        Some(n) => n.clone(),
        None => match first_free(src, &["handler", "trpcHandler", "trpcRouteHandler"]) {
            Some(n) => n.to_string(),
            None => return decline("no free name for the handler".to_string()),
        },
    };

    let nl = newline_of(src);
    let facts = imports::import_facts(module, src);
    let semi = if facts.semicolons.unwrap_or(false) {
        ";"
    } else {
        ""
    };
    let source_span = range(import.src.span);
    let quote = src[source_span.clone()].chars().next().unwrap_or('\'');
    let mut edits = EditSet::new();
    for e in imports::rebase_edits(
        module,
        src,
        crate::transform::dir_of(input.source),
        crate::transform::dir_of(input.target),
    ) {
        edits.add(e);
    }
    let mut add = |range: std::ops::Range<usize>, text: String| {
        edits.add(Edit {
            range,
            text,
            needs: Needs::default(),
        })
    };
    let spec = range(import.specifiers[0].span());
    let mut ok = add(spec, "fetchRequestHandler".to_string());
    ok &= add(source_span, format!("{quote}{FETCH_ADAPTER}{quote}"));

    // The call: `createNextApiHandler({` becomes `(req: Request) => fetchRequestHandler({`, the
    // endpoint and the request go first, the options' lines stay as they were.
    let req_type = if input.lang.is_typescript() {
        ": Request"
    } else {
        ""
    };
    let callee = range(call.callee.span());
    ok &= add(callee, format!("({req}{req_type}) => fetchRequestHandler"));
    let req_prop = if req == "req" {
        "req".to_string()
    } else {
        format!("req: {req}")
    };
    let endpoint = format!("endpoint: {quote}{prefix}{quote}");
    let first = range(obj.props[0].span()).start;
    let line_start = src[..first].rfind('\n').map_or(0, |i| i + 1);
    let before = &src[line_start..first];
    let open = range(obj.span).start;
    let inserted = if line_start > open && before.trim().is_empty() {
        format!("{endpoint},{nl}{before}{req_prop},{nl}{before}")
    } else {
        format!("{endpoint}, {req_prop}, ")
    };
    ok &= add(first..first, inserted);

    // `const handler = createNextApiHandler(...)` is rewritten in place and the default export
    // becomes the named exports; `export default createNextApiHandler(...)` becomes that
    // declaration and the exports (the call's own edits are inside it, so the text around the
    // call is replaced, not the whole item).
    let item = range(export.span);
    let end = if src[item.end..].starts_with(';') && !semi.is_empty() {
        item.end + 1
    } else {
        item.end
    };
    let exports = format!("export {{ {name} as GET, {name} as POST }}{semi}");
    if bound.is_some() {
        ok &= add(item.start..end, exports);
    } else {
        let call_range = range(call.span);
        ok &= add(item.start..call_range.start, format!("const {name} = "));
        ok &= add(call_range.end..end, format!("{semi}{nl}{nl}{exports}"));
    }
    if !ok {
        return Recipe::NotMine;
    }
    let mut needs = Needs::default();
    let (text, copied) = edits.render_mapped(src, &mut needs);
    if parse_module(&text, input.lang).is_err() {
        return Recipe::NotMine;
    }
    Recipe::Taken(Migrated {
        text,
        copied,
        methods: vec!["GET", "POST"],
        helpers: Needs::default(),
        diagnostics: vec![
            Diagnostic::at(
                Code::LibraryRecipe,
                format!("tRPC route: createNextApiHandler became fetchRequestHandler with endpoint {prefix}, exported as GET and POST, the App Router form tRPC documents"),
                src,
                at,
            ),
            Diagnostic::at(Code::TrpcMethods, METHODS_MESSAGE, src, at),
            Diagnostic::at(Code::NonStandardMethods, NON_STANDARD_METHODS_MESSAGE, src, at),
        ],
        has_jsx: false,
        mode: Mode::Rewrite,
        twins: Vec::new(),
    })
}
