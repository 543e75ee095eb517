//! `micro-cors`: `const cors = Cors({ allowMethods: ['POST', 'HEAD'] })` + `export default
//! cors(handler)` (or `export default Cors(options)(handler)`), the wrapper of the Stripe
//! webhook and Apollo examples.
//!
//! Read from micro-cors 0.1.1 (`lib/index.js`, its only stable release): the wrapper sets
//! `Access-Control-Allow-Origin` (`origin`, default `*`), `Access-Control-Allow-Credentials:
//! true` (unless `allowCredentials: false`), `Access-Control-Expose-Headers` (when
//! `exposeHeaders` lists any), and on OPTIONS `Access-Control-Allow-Methods`,
//! `Access-Control-Allow-Headers` (its lists joined with `,`, defaults below) and
//! `Access-Control-Max-Age` (default 86400); then it calls the handler with `req` and `res`,
//! OPTIONS included (it never answers a preflight itself). So the wrapper is the same program as
//! those `res.setHeader` calls at the top of the handler, which is what the route becomes before
//! the rewrite ([`desugar`]); the rewrite then carries the headers on every answer and gives
//! OPTIONS its own. The options are read when they are literals (strings, numbers, booleans,
//! arrays of strings); anything else, or the wrapper or the handler used elsewhere, declines the
//! recipe (P2A317) and the route goes on as before (to the adapter, which runs micro-cors).

use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::spelled::Spelled;
use crate::parse::range;
use crate::transform::ast_util::{key_name, static_string, unwrap_expr};

const PACKAGE: &str = "micro-cors";

const DEFAULT_ALLOW_METHODS: [&str; 6] = ["POST", "GET", "PUT", "PATCH", "DELETE", "OPTIONS"];
const DEFAULT_ALLOW_HEADERS: [&str; 6] = [
    "X-Requested-With",
    "Access-Control-Allow-Origin",
    "X-HTTP-Method-Override",
    "Content-Type",
    "Authorization",
    "Accept",
];
const DEFAULT_MAX_AGE: &str = "86400";

/// The headers one `Cors(options)` sets: on every request, and on OPTIONS only.
#[derive(Debug, PartialEq, Eq)]
struct CorsHeaders {
    always: Vec<(&'static str, String)>,
    preflight: Vec<(&'static str, String)>,
}

/// The route with micro-cors' wrapper spelled out; `Err` with where and why the recipe declines;
/// `None` when the route does not import micro-cors.
pub fn desugar(module: &Module, src: &str) -> Option<Result<Spelled, (usize, String)>> {
    let (import, factory) = module.body.iter().find_map(|item| {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
            return None;
        };
        if i.type_only || i.src.value.to_atom_lossy().as_str() != PACKAGE {
            return None;
        }
        i.specifiers.iter().find_map(|s| match s {
            ImportSpecifier::Default(d) => Some((i, d.local.sym.to_string())),
            _ => None,
        })
    })?;
    let import_at = range(import.span).start;
    Some(
        spell_out(module, src, import, &factory)
            .map_err(|(at, why)| (at.unwrap_or(import_at), why)),
    )
}

fn spell_out(
    module: &Module,
    src: &str,
    import: &ImportDecl,
    factory: &str,
) -> Result<Spelled, (Option<usize>, String)> {
    if import.specifiers.len() != 1 {
        return Err((
            None,
            "the micro-cors import names more than its default export".into(),
        ));
    }
    let Some((export_at, call)) = module.body.iter().find_map(|item| match item {
        ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(e)) => match unwrap_expr(&e.expr) {
            Expr::Call(c) => Some((range(e.span).start, c)),
            _ => None,
        },
        _ => None,
    }) else {
        return Err((
            None,
            "the default export is not a call of micro-cors' wrapper".into(),
        ));
    };
    let uses = |name: &str| {
        let mut n = IdentCount { name, count: 0 };
        module.visit_with(&mut n);
        n.count
    };
    // `cors(handler)` with `const cors = Cors(options)`, or `Cors(options)(handler)`.
    let Callee::Expr(callee) = &call.callee else {
        return Err((
            Some(export_at),
            "the default export is not a call of micro-cors' wrapper".into(),
        ));
    };
    let (factory_call, declaration) = match unwrap_expr(callee) {
        Expr::Call(inner) => (inner, None),
        Expr::Ident(id) => match wrapper_declaration(module, &id.sym) {
            Some((call, decl)) if uses(&id.sym) == 2 => (call, Some(decl)),
            Some(_) => {
                return Err((
                    Some(range(id.span).start),
                    format!("`{}` is used elsewhere in the route too", id.sym),
                ))
            }
            None => {
                return Err((
                    Some(export_at),
                    "the default export is not a call of micro-cors' wrapper".into(),
                ))
            }
        },
        _ => {
            return Err((
                Some(export_at),
                "the default export is not a call of micro-cors' wrapper".into(),
            ))
        }
    };
    let is_factory = matches!(&factory_call.callee, Callee::Expr(e) if matches!(unwrap_expr(e), Expr::Ident(i) if &*i.sym == factory));
    if !is_factory {
        return Err((
            Some(export_at),
            "the default export is not a call of micro-cors' wrapper".into(),
        ));
    }
    if uses(factory) != 2 {
        return Err((None, format!("`{factory}` is used more than once")));
    }
    let headers = read_options(factory_call)?;
    let [arg] = call.args.as_slice() else {
        return Err((
            Some(export_at),
            "the wrapper is given more or fewer than one handler".into(),
        ));
    };
    if arg.spread.is_some() {
        return Err((Some(export_at), "the wrapper's argument is spread".into()));
    }
    let handler = match unwrap_expr(&arg.expr) {
        Expr::Ident(h) => {
            if uses(&h.sym) != 2 {
                return Err((
                    Some(range(h.span).start),
                    format!("the handler `{}` is used elsewhere in the route too", h.sym),
                ));
            }
            handler_declaration(module, &h.sym).ok_or_else(|| {
                (
                    Some(range(h.span).start),
                    format!(
                        "the handler `{}` is not a function of the route with a block body",
                        h.sym
                    ),
                )
            })?
        }
        e => inline_handler(e).ok_or_else(|| {
            (
                Some(range(e.span()).start),
                "the handler is not a function with a block body".to_string(),
            )
        })?,
    };
    let (Some(req), Some(res)) = (
        handler.params.first().and_then(|p| param_name(p)),
        handler.params.get(1).and_then(|p| param_name(p)),
    ) else {
        return Err((
            Some(handler.at),
            "the handler does not name its `req` and `res` parameters".into(),
        ));
    };

    let quote = src[range(import.src.span)]
        .chars()
        .next()
        .filter(|q| *q == '"' || *q == '\'')
        .unwrap_or('\'');
    let body = range(handler.body.span);
    // The file's style: a statement ending with `;` (the import, else the handler's first).
    let semi = src[range(import.span)].trim_end().ends_with(';')
        || handler
            .body
            .stmts
            .first()
            .is_some_and(|s| src[range(s.span())].trim_end().ends_with(';'));
    let semi = if semi { ";" } else { "" };
    let call_range = range(call.span);
    let arg_range = range(arg.expr.span());
    // A handler written on its own lines inside the call moves left with it to the top level
    // (not where a template literal spans lines: its text would change).
    let shift = if src[call_range.start..arg_range.start].contains('\n') && !spans_lines(&arg.expr)
    {
        crate::text::indent_of_line(src, arg_range.start)
    } else {
        ""
    };
    let unshifted = |i: &str| i.strip_prefix(shift).unwrap_or(i).to_string();
    let line_indent = unshifted(crate::text::indent_of_line(src, body.start));
    let indent = match handler.body.stmts.first() {
        Some(s) => unshifted(crate::text::indent_of_line(src, range(s.span()).start)),
        None => format!("{line_indent}  "),
    };
    let line_indent = line_indent.as_str();
    let unit = indent
        .strip_prefix(line_indent)
        .filter(|u| !u.is_empty())
        .unwrap_or("  ")
        .to_string();
    let nl = if src.contains("\r\n") { "\r\n" } else { "\n" };
    let set = |(name, value): &(&str, String), indent: &str| {
        format!(
            "{nl}{indent}{res}.setHeader({q}{name}{q}, {q}{v}{q}){semi}",
            q = quote,
            v = escape(value, quote)
        )
    };
    let mut text = String::new();
    text.push_str(&format!("{nl}{indent}// The CORS headers micro-cors set"));
    for h in &headers.always {
        text.push_str(&set(h, &indent));
    }
    text.push_str(&format!(
        "{nl}{indent}if ({req}.method === {quote}OPTIONS{quote}) {{"
    ));
    for h in &headers.preflight {
        text.push_str(&set(h, &format!("{indent}{unit}")));
    }
    text.push_str(&format!("{nl}{indent}}}"));
    if handler.body.stmts.is_empty() {
        text.push_str(&format!("{nl}{line_indent}"));
    }

    let mut edits: Vec<(Range<usize>, String)> = vec![
        (call_range.start..arg_range.start, String::new()),
        (body.start + 1..body.start + 1, text),
        (arg_range.end..call_range.end, String::new()),
        (line_of(src, range(import.span)), String::new()),
    ];
    if let Some(d) = declaration {
        edits.push((line_of(src, d), String::new()));
    }
    if !shift.is_empty() {
        let mut at = arg_range.start;
        while let Some(k) = src[at..arg_range.end].find('\n') {
            let line = at + k + 1;
            if src[line..].starts_with(shift) {
                edits.push((line..line + shift.len(), String::new()));
            }
            at = line;
        }
    }
    let listed = headers
        .always
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let note = format!(
        "micro-cors' wrapper became the headers it set, at the top of the handler ({listed}, and on OPTIONS the allowed methods, headers and max age); the route answers with them as before, OPTIONS included"
    );
    Spelled::from_edits(src, edits, note, range(import.span).start).map_err(|at| {
        (
            Some(at),
            "the handler is written inside the wrapper's options".into(),
        )
    })
}

/// `const name = Cors(...)` at the top level: the factory call and the statement's range.
fn wrapper_declaration<'m>(module: &'m Module, name: &str) -> Option<(&'m CallExpr, Range<usize>)> {
    module.body.iter().find_map(|item| {
        let ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) = item else {
            return None;
        };
        let [d] = v.decls.as_slice() else { return None };
        let Pat::Ident(b) = &d.name else { return None };
        if &*b.id.sym != name || v.kind != VarDeclKind::Const {
            return None;
        }
        match d.init.as_deref().map(unwrap_expr) {
            Some(Expr::Call(c)) => Some((c, range(v.span))),
            _ => None,
        }
    })
}

struct HandlerFn<'m> {
    params: Vec<&'m Pat>,
    body: &'m FunctionBody,
    at: usize,
}

/// The function `name` of the module (a declaration, or a `const` of an arrow or function
/// expression) when its body is a block.
fn handler_declaration<'m>(module: &'m Module, name: &str) -> Option<HandlerFn<'m>> {
    module.body.iter().find_map(|item| match item {
        ModuleItem::Stmt(Stmt::Decl(Decl::Fn(f))) if &*f.ident.sym == name => Some(HandlerFn {
            params: f.function.params.iter().map(|p| &p.pat).collect(),
            body: f.function.body.as_ref()?,
            at: range(f.ident.span).start,
        }),
        ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) => {
            let [d] = v.decls.as_slice() else { return None };
            let Pat::Ident(b) = &d.name else { return None };
            if &*b.id.sym != name {
                return None;
            }
            inline_handler(unwrap_expr(d.init.as_deref()?))
        }
        _ => None,
    })
}

fn inline_handler(e: &Expr) -> Option<HandlerFn<'_>> {
    match e {
        Expr::Arrow(a) => match &*a.body {
            ArrowFunctionBody::FunctionBody(b) => Some(HandlerFn {
                params: a.params.iter().collect(),
                body: b,
                at: range(a.span).start,
            }),
            ArrowFunctionBody::Expr(_) => None,
        },
        Expr::Fn(f) => Some(HandlerFn {
            params: f.function.params.iter().map(|p| &p.pat).collect(),
            body: f.function.body.as_ref()?,
            at: range(f.function.span).start,
        }),
        _ => None,
    }
}

fn param_name(p: &Pat) -> Option<String> {
    match p {
        Pat::Ident(b) => Some(b.id.sym.to_string()),
        _ => None,
    }
}

/// The headers `Cors(options)` sets, when its options are literals.
fn read_options(call: &CallExpr) -> Result<CorsHeaders, (Option<usize>, String)> {
    let mut origin = "*".to_string();
    let mut max_age = DEFAULT_MAX_AGE.to_string();
    let mut methods: Vec<String> = DEFAULT_ALLOW_METHODS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut allow_headers: Vec<String> = DEFAULT_ALLOW_HEADERS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut credentials = true;
    let mut expose: Vec<String> = Vec::new();
    match call.args.as_slice() {
        [] => {}
        [a] if a.spread.is_none() => {
            let Expr::Object(o) = unwrap_expr(&a.expr) else {
                return Err((
                    Some(range(a.expr.span()).start),
                    "micro-cors' options are not an object literal".into(),
                ));
            };
            for p in &o.props {
                let at = Some(range(p.span()).start);
                let PropOrSpread::Prop(p) = p else {
                    return Err((at, "micro-cors' options spread another object".into()));
                };
                let Prop::KeyValue(kv) = &**p else {
                    return Err((at, "a micro-cors option is not written `key: value`".into()));
                };
                let Some(key) = key_name(&kv.key) else {
                    return Err((at, "a micro-cors option has a computed name".into()));
                };
                let not_literal = || (at, format!("micro-cors' `{key}` is not a literal"));
                let value = unwrap_expr(&kv.value);
                match key.as_str() {
                    "origin" => origin = static_string(value).ok_or_else(not_literal)?,
                    "maxAge" => {
                        max_age = match value {
                            Expr::Lit(Lit::Num(n)) => js_number(n.value),
                            _ => static_string(value).ok_or_else(not_literal)?,
                        }
                    }
                    "allowMethods" => methods = strings(value).ok_or_else(not_literal)?,
                    "allowHeaders" => allow_headers = strings(value).ok_or_else(not_literal)?,
                    "exposeHeaders" => expose = strings(value).ok_or_else(not_literal)?,
                    "allowCredentials" => match value {
                        Expr::Lit(Lit::Bool(b)) => credentials = b.value,
                        _ => return Err(not_literal()),
                    },
                    _ => return Err((at, format!("micro-cors has no option `{key}`"))),
                }
            }
        }
        _ => {
            return Err((
                Some(range(call.span).start),
                "micro-cors is given more than its options".into(),
            ))
        }
    }
    let mut always = vec![("Access-Control-Allow-Origin", origin)];
    if credentials {
        always.push(("Access-Control-Allow-Credentials", "true".into()));
    }
    if !expose.is_empty() {
        always.push(("Access-Control-Expose-Headers", expose.join(",")));
    }
    Ok(CorsHeaders {
        always,
        preflight: vec![
            ("Access-Control-Allow-Methods", methods.join(",")),
            ("Access-Control-Allow-Headers", allow_headers.join(",")),
            ("Access-Control-Max-Age", max_age),
        ],
    })
}

/// `e` holds a template literal whose text spans lines.
fn spans_lines(e: &Expr) -> bool {
    struct Finder(bool);
    impl Visit for Finder {
        fn visit_tpl(&mut self, t: &Tpl) {
            self.0 |= t.quasis.iter().any(|q| q.raw.contains('\n'));
            t.visit_children_with(self);
        }
    }
    let mut f = Finder(false);
    e.visit_with(&mut f);
    f.0
}

/// An array literal of strings.
fn strings(e: &Expr) -> Option<Vec<String>> {
    let Expr::Array(a) = e else { return None };
    a.elems
        .iter()
        .map(|el| match el {
            Some(ExprOrSpread { spread: None, expr }) => static_string(expr),
            _ => None,
        })
        .collect()
}

/// `String(n)` of a JavaScript number literal (integers without a fraction).
fn js_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// `value` inside a string literal quoted with `quote`.
fn escape(value: &str, quote: char) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `r` widened to its whole line(s) and the newline after, when nothing else is on them.
fn line_of(src: &str, r: Range<usize>) -> Range<usize> {
    let start = crate::text::line_start(src, r.start);
    let end = src[r.end..].find('\n').map_or(src.len(), |k| r.end + k + 1);
    if src[start..r.start].trim().is_empty() && src[r.end..end].trim().is_empty() {
        // A blank line after it goes too when one is before it (no double gap left).
        let before_blank = start == 0
            || start >= 2 && src[..start - 1].ends_with('\n')
            || src[..start].ends_with("\n\r\n");
        let next_end = src[end..].find('\n').map(|k| end + k + 1);
        match next_end {
            Some(n) if before_blank && src[end..n].trim().is_empty() => start..n,
            _ => start..end,
        }
    } else {
        r
    }
}

/// How often an identifier named `name` occurs (bindings and references; not property names).
struct IdentCount<'a> {
    name: &'a str,
    count: usize,
}

impl Visit for IdentCount<'_> {
    fn visit_ident(&mut self, i: &Ident) {
        if &*i.sym == self.name {
            self.count += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_module;
    use crate::route_path::Lang;

    fn spelled(src: &str) -> Option<Result<Spelled, (usize, String)>> {
        let module = parse_module(src, Lang::Ts).expect("test source parses");
        desugar(&module, src)
    }

    #[test]
    fn the_wrapper_becomes_its_headers_at_the_top_of_the_handler() {
        let src = "import Cors from 'micro-cors'\n\nconst cors = Cors({ allowMethods: ['POST', 'HEAD'], maxAge: 600 })\n\nconst webhook = async (req, res) => {\n  res.json({ ok: true })\n}\n\nexport default cors(webhook)\n";
        let s = spelled(src).expect("micro-cors").expect("taken");
        assert_eq!(
            s.text,
            "const webhook = async (req, res) => {\n  // The CORS headers micro-cors set\n  res.setHeader('Access-Control-Allow-Origin', '*')\n  res.setHeader('Access-Control-Allow-Credentials', 'true')\n  if (req.method === 'OPTIONS') {\n    res.setHeader('Access-Control-Allow-Methods', 'POST,HEAD')\n    res.setHeader('Access-Control-Allow-Headers', 'X-Requested-With,Access-Control-Allow-Origin,X-HTTP-Method-Override,Content-Type,Authorization,Accept')\n    res.setHeader('Access-Control-Max-Age', '600')\n  }\n  res.json({ ok: true })\n}\n\nexport default webhook\n"
        );
    }

    #[test]
    fn an_inline_factory_and_handler_keep_the_files_style() {
        let src = "import cors from \"micro-cors\";\n\nexport default cors({ origin: \"https://a.example\", allowCredentials: false, exposeHeaders: [\"X-Id\"] })(async function (request, response) {\n    response.end(\"ok\");\n});\n";
        let s = spelled(src).expect("micro-cors").expect("taken");
        assert_eq!(
            s.text,
            "export default async function (request, response) {\n    // The CORS headers micro-cors set\n    response.setHeader(\"Access-Control-Allow-Origin\", \"https://a.example\");\n    response.setHeader(\"Access-Control-Expose-Headers\", \"X-Id\");\n    if (request.method === \"OPTIONS\") {\n        response.setHeader(\"Access-Control-Allow-Methods\", \"POST,GET,PUT,PATCH,DELETE,OPTIONS\");\n        response.setHeader(\"Access-Control-Allow-Headers\", \"X-Requested-With,Access-Control-Allow-Origin,X-HTTP-Method-Override,Content-Type,Authorization,Accept\");\n        response.setHeader(\"Access-Control-Max-Age\", \"86400\");\n    }\n    response.end(\"ok\");\n};\n"
        );
    }

    #[test]
    fn a_handler_on_its_own_lines_moves_left() {
        let src = "import Cors from 'micro-cors'\n\nexport default Cors()(\n  async function status(req, res) {\n    res.end(`a\n  b`)\n  },\n)\nexport const x = Cors\n";
        // (Cors used twice: declined; the same without the second use is taken and dedented.)
        assert!(matches!(spelled(src), Some(Err(_))));
        let src = "import Cors from 'micro-cors'\n\nexport default Cors()(\n  async function status(req, res) {\n    res.end('ok')\n  },\n)\n";
        let s = spelled(src).expect("micro-cors").expect("taken");
        assert!(
            s.text.starts_with("export default async function status(req, res) {\n  // The CORS headers micro-cors set\n  res.setHeader('Access-Control-Allow-Origin', '*')\n"),
            "{}",
            s.text
        );
        assert!(s.text.ends_with("  }\n  res.end('ok')\n}\n"), "{}", s.text);
        // A template literal spanning lines keeps the handler where it is.
        let src = "import Cors from 'micro-cors'\n\nexport default Cors()(\n  async function status(req, res) {\n    res.end(`a\n  b`)\n  },\n)\n";
        let s = spelled(src).expect("micro-cors").expect("taken");
        assert!(
            s.text.contains("    res.end(`a\n  b`)\n  }\n"),
            "{}",
            s.text
        );
    }

    #[test]
    fn declined_with_the_reason() {
        let base = "import Cors from 'micro-cors'\n";
        for (rest, why) in [
            ("const cors = Cors({ origin: process.env.ORIGIN })\nexport default cors(async (req, res) => { res.end() })\n", "`origin` is not a literal"),
            ("const cors = Cors({ allowOrigin: '*' })\nexport default cors(async (req, res) => { res.end() })\n", "no option `allowOrigin`"),
            ("const cors = Cors()\nexport const wrapped = cors\nexport default cors(async (req, res) => { res.end() })\n", "used elsewhere"),
            ("const cors = Cors()\nconst h = (req, res) => res.end()\nexport default cors(h)\n", "block body"),
            ("const cors = Cors()\nasync function h(req, res) { res.end() }\nexport { h }\nexport default cors(h)\n", "used elsewhere"),
            ("const cors = Cors()\nexport default cors(async ({ method }, res) => { res.end(method) })\n", "`req` and `res`"),
            ("const cors = Cors()\nexport default async (req, res) => { res.end() }\n", "not a call of micro-cors"),
        ] {
            let src = format!("{base}{rest}");
            match spelled(&src) {
                Some(Err((_, got))) => assert!(got.contains(why), "{rest}: {got}"),
                other => panic!("{rest}: {other:?}"),
            }
        }
        assert!(spelled("import cors from 'cors'\nexport default cors\n").is_none());
    }
}
