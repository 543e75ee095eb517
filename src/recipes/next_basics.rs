//! `next-basics`' response helpers (`import { ok, badRequest, methodNotAllowed } from
//! 'next-basics'`, umami's library): one-line functions around `res`,
//!
//! ```ts
//! export function ok(res, data = {}) { return res.status(200).json(data) }       // and json
//! export function badRequest(res, msg = '400 Bad Request') { return res.status(400).end(msg) }
//! // unauthorized 401, forbidden 403, notFound 404, methodNotAllowed 405,
//! // tooManyRequest 429, serverError 500: the same, each with its own default message
//! ```
//!
//! (its `src/server/response.ts`, the same in every release that has them). A call is the same
//! program as the `res` chain it stands for, which is what the route becomes before the rewrite
//! ([`desugar`]): `return ok(res, user)` → `return res.status(200).json(user)` →
//! `return pages.json(request, user, { status: 200 })`. The import goes with the calls.
//!
//! `send(res, data, type = 'text/plain')` and `redirect(res, url)` set a header and then answer;
//! they are spelled out as the chain Node allows (`setHeader` returns the response):
//! `res.setHeader('Content-Type', type).status(200).send(data)`,
//! `res.setHeader('Location', url).status(303).end()`.
//!
//! Taken: every use of an imported helper is a call of it with an identifier (the response) and
//! at most the arguments it takes. The arguments' text is kept; an argument left off gets the
//! helper's default. One difference is said (P2A318): a helper's default applied to an argument
//! that is `undefined` at run time (`ok(res, maybeUndefined)` sent `{}`), and the migrated call
//! sends what `res.json(undefined)` sends, an empty body; so every call whose argument is not a
//! literal gets the note (for `send`, its type). Declined (P2A317, the route goes on as before):
//! a helper used other than by calling it (passed on, renamed), a call with a spread or more
//! arguments, a `redirect` without a URL, a call inside another's arguments.

use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use super::spelled::Spelled;
use crate::parse::range;
use crate::transform::ast_util::imported_name;

const PACKAGE: &str = "next-basics";

/// What a helper answers: `res.status(200).json(data)`, `res.status(code).end(msg)`, or a header
/// and then an answer (`send`: its Content-Type, `redirect`: its Location).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Json,
    End(u16, &'static str),
    /// `res.setHeader('Content-Type', type).status(200).send(data)`, `type` defaulting to
    /// `text/plain`.
    Send,
    /// `res.setHeader('Location', url).status(303).end()`.
    Redirect,
}

const HELPERS: [(&str, Answer); 11] = [
    ("ok", Answer::Json),
    ("json", Answer::Json),
    ("badRequest", Answer::End(400, "400 Bad Request")),
    ("unauthorized", Answer::End(401, "401 Unauthorized")),
    ("forbidden", Answer::End(403, "403 Forbidden")),
    ("notFound", Answer::End(404, "404 Not Found")),
    (
        "methodNotAllowed",
        Answer::End(405, "405 Method Not Allowed"),
    ),
    ("tooManyRequest", Answer::End(429, "429 Too Many Request")),
    ("serverError", Answer::End(500, "500 Internal Server Error")),
    ("send", Answer::Send),
    ("redirect", Answer::Redirect),
];

/// The route with its calls of next-basics' response helpers spelled out; `Err` with where and
/// why the recipe declines; None when the route imports none of them.
pub fn desugar(module: &Module, src: &str) -> Option<Result<Spelled, (usize, String)>> {
    let mut imports: Vec<&ImportDecl> = Vec::new();
    let mut helpers: Vec<(String, &'static str, Answer)> = Vec::new();
    for item in &module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
            continue;
        };
        if i.type_only || i.src.value.to_atom_lossy().as_str() != PACKAGE {
            continue;
        }
        let mut any = false;
        for s in &i.specifiers {
            let ImportSpecifier::Named(n) = s else {
                continue;
            };
            if n.is_type_only {
                continue;
            }
            let name = imported_name(n);
            if let Some((h, a)) = HELPERS.iter().find(|(h, _)| *h == name) {
                helpers.push((n.local.sym.to_string(), h, *a));
                any = true;
            }
        }
        if any {
            imports.push(i);
        }
    }
    if helpers.is_empty() {
        return None;
    }
    let at = imports.first().map_or(0, |i| range(i.span).start);
    Some(spell_out(module, src, &imports, &helpers).map_err(|(o, why)| (o.unwrap_or(at), why)))
}

fn spell_out(
    module: &Module,
    src: &str,
    imports: &[&ImportDecl],
    helpers: &[(String, &'static str, Answer)],
) -> Result<Spelled, (Option<usize>, String)> {
    let mut uses = Uses {
        helpers,
        calls: Vec::new(),
        other: None,
    };
    for item in &module.body {
        if !matches!(item, ModuleItem::ModuleDecl(ModuleDecl::Import(_))) {
            item.visit_with(&mut uses);
        }
    }
    if let Some((at, why)) = uses.other {
        return Err((Some(at), why));
    }
    let quote = imports
        .first()
        .and_then(|i| src[range(i.src.span)].chars().next())
        .filter(|q| *q == '"' || *q == '\'')
        .unwrap_or('\'');
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut defaulted = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for c in &uses.calls {
        let name = c.name;
        if c.spread {
            return Err((
                Some(c.span.start),
                format!("a call of `{name}` spreads its arguments"),
            ));
        }
        let Some(res) = &c.res else {
            return Err((
                Some(c.span.start),
                format!("a call of `{name}` is not given the response as its first argument"),
            ));
        };
        let takes = if c.answer == Answer::Send { 3 } else { 2 };
        if c.args > takes {
            return Err((
                Some(c.span.start),
                format!("a call of `{name}` has more arguments than it takes"),
            ));
        }
        let arg = c.arg.as_ref().map(|(r, _)| &src[r.clone()]);
        let third = c.third.as_ref().map(|(r, _)| &src[r.clone()]);
        let text = match (c.answer, arg) {
            (Answer::Send, data) => format!(
                "{res}.setHeader({quote}Content-Type{quote}, {}).status(200).send({})",
                third.map_or_else(|| format!("{quote}text/plain{quote}"), str::to_string),
                data.unwrap_or_default()
            ),
            (Answer::Redirect, Some(url)) => {
                format!("{res}.setHeader({quote}Location{quote}, {url}).status(303).end()")
            }
            (Answer::Redirect, None) => {
                return Err((
                    Some(c.span.start),
                    format!("a call of `{name}` is given no URL"),
                ));
            }
            (Answer::Json, Some(a)) => format!("{res}.status(200).json({a})"),
            (Answer::Json, None) => format!("{res}.status(200).json({{}})"),
            (Answer::End(code, _), Some(a)) => format!("{res}.status({code}).end({a})"),
            (Answer::End(code, msg), None) => {
                format!("{res}.status({code}).end({quote}{msg}{quote})")
            }
        };
        if let (Answer::Send, Some((r, false))) = (c.answer, &c.third) {
            defaulted.push((
                c.span.start,
                format!(
                    "`{name}(res, ..., {})`: next-basics sent `text/plain` (its default) when the type was undefined at run time; the migrated call sets the Content-Type to that value",
                    &src[r.clone()]
                ),
            ));
        }
        // The data and message have a default; `send`'s data and `redirect`'s URL have none.
        let default = match c.answer {
            Answer::Json => Some((
                "`{}`".to_string(),
                "an empty body (what `res.json(undefined)` sends)",
            )),
            Answer::End(_, msg) => Some((format!("`{msg}`"), "an empty body")),
            Answer::Send | Answer::Redirect => None,
        };
        if let (Some((default, now)), Some((r, false))) = (default, &c.arg) {
            defaulted.push((
                c.span.start,
                format!(
                    "`{name}(res, {})`: next-basics answered {default} (its default) when the argument was undefined at run time; the migrated call answers {now} then",
                    &src[r.clone()]
                ),
            ));
        }
        if !names.contains(&name) {
            names.push(name);
        }
        edits.push((c.span.clone(), text));
    }
    for i in imports {
        edits.push(import_edit(src, i, helpers));
    }
    let list = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let note = format!(
        "next-basics' response helpers ({list}) became the answers they send (`ok(res, x)` is `res.status(200).json(x)`, `badRequest(res)` is `res.status(400).end('400 Bad Request')`), written the App Router way"
    );
    let note_at = imports.first().map_or(0, |i| range(i.span).start);
    let mut spelled = Spelled::from_edits(src, edits, note, note_at).map_err(|at| {
        (
            Some(at),
            "a call of a next-basics helper is inside another's arguments".to_string(),
        )
    })?;
    spelled.defaulted = defaulted;
    Ok(spelled)
}

/// The import without the helpers (the whole line when nothing else is left).
fn import_edit(
    src: &str,
    i: &ImportDecl,
    helpers: &[(String, &'static str, Answer)],
) -> (Range<usize>, String) {
    let r = range(i.span);
    let kept: Vec<&str> = i
        .specifiers
        .iter()
        .filter(|s| {
            !matches!(s, ImportSpecifier::Named(n) if helpers.iter().any(|(l, _, _)| *l == n.local.sym.as_ref()))
        })
        .map(|s| &src[range(s.span())])
        .collect();
    if kept.is_empty() {
        // The line and its newline.
        let start = crate::text::line_start(src, r.start);
        let end = src[r.end..].find('\n').map_or(src.len(), |k| r.end + k + 1);
        if src[start..r.start].trim().is_empty() && src[r.end..end].trim().is_empty() {
            return (start..end, String::new());
        }
        return (r, String::new());
    }
    let semi = if src[r.clone()].trim_end().ends_with(';') {
        ";"
    } else {
        ""
    };
    (
        r,
        format!(
            "import {{ {} }} from {}{semi}",
            kept.join(", "),
            &src[range(i.src.span)]
        ),
    )
}

/// An argument that cannot be `undefined`.
fn is_literal(e: &Expr) -> bool {
    match e {
        Expr::Lit(Lit::Null(_)) => true,
        Expr::Lit(_) | Expr::Tpl(_) | Expr::Object(_) | Expr::Array(_) => true,
        Expr::Paren(p) => is_literal(&p.expr),
        Expr::TsAs(a) => is_literal(&a.expr),
        Expr::TsSatisfies(s) => is_literal(&s.expr),
        _ => false,
    }
}

/// A call of a helper, as read.
struct Call {
    span: Range<usize>,
    name: &'static str,
    answer: Answer,
    /// The first argument, when it is an identifier.
    res: Option<String>,
    spread: bool,
    args: usize,
    /// The second argument's text range and whether it cannot be `undefined`.
    arg: Option<(Range<usize>, bool)>,
    /// The third (`send`'s type), the same way.
    third: Option<(Range<usize>, bool)>,
}

/// The calls of the helpers, and the first use that is not one.
struct Uses<'h> {
    helpers: &'h [(String, &'static str, Answer)],
    calls: Vec<Call>,
    other: Option<(usize, String)>,
}

impl Uses<'_> {
    fn helper(&self, name: &str) -> Option<(&'static str, Answer)> {
        self.helpers
            .iter()
            .find(|(l, _, _)| l == name)
            .map(|(_, h, a)| (*h, *a))
    }
}

impl Visit for Uses<'_> {
    fn visit_call_expr(&mut self, c: &CallExpr) {
        if let Callee::Expr(e) = &c.callee {
            if let Expr::Ident(i) = &**e {
                if let Some((name, answer)) = self.helper(i.sym.as_ref()) {
                    self.calls.push(Call {
                        span: range(c.span),
                        name,
                        answer,
                        res: match c.args.first().map(|a| &*a.expr) {
                            Some(Expr::Ident(r)) => Some(r.sym.to_string()),
                            _ => None,
                        },
                        spread: c.args.iter().any(|a| a.spread.is_some()),
                        args: c.args.len(),
                        arg: c
                            .args
                            .get(1)
                            .map(|a| (range(a.expr.span()), is_literal(&a.expr))),
                        third: c
                            .args
                            .get(2)
                            .map(|a| (range(a.expr.span()), is_literal(&a.expr))),
                    });
                    c.args.visit_with(self);
                    c.type_args.visit_with(self);
                    return;
                }
            }
        }
        c.visit_children_with(self);
    }

    fn visit_ident(&mut self, i: &Ident) {
        if self.other.is_none() {
            if let Some((name, _)) = self.helper(i.sym.as_ref()) {
                self.other = Some((
                    range(i.span).start,
                    format!("next-basics' `{name}` is used other than by calling it"),
                ));
            }
        }
    }
}
