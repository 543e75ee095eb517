//! How a function body can end: with a `throw` on every path (Pages answered 500), by running
//! off its end without a response (Pages left the request open, a Route Handler answers 500), or
//! with an exception escaping it (Pages answered 500 `Internal Server Error`, a Route Handler 500
//! with an empty body).

use swc_ecma_ast::{
    ArrowExpr, AwaitExpr, CallExpr, Callee, Expr, Function, ModuleItem, NewExpr, Stmt, ThrowStmt,
    TryStmt,
};
use swc_ecma_visit::{Visit, VisitWith};

use crate::parse::parse_module;
use crate::route_path::Lang;

/// The statements of `body` (the text between a function's braces), parsed on their own.
fn parse_body(body: &str, lang: Lang) -> Option<Vec<Stmt>> {
    let wrapped = format!("async function f() {{{body}\n}}");
    let module = parse_module(&wrapped, lang).ok()?;
    let Some(ModuleItem::Stmt(Stmt::Decl(swc_ecma_ast::Decl::Fn(f)))) = module.body.first() else {
        return None;
    };
    f.function.body.clone().map(|b| b.stmts)
}

/// True when every path through `body` ends in `throw`. A body that does not parse (JSX in a
/// `.js` file, say) counts as not throwing.
pub fn always_throws(body: &str, lang: Lang) -> bool {
    parse_body(body, lang).is_some_and(|b| stmts_throw(&b))
}

/// What the diagnostics need to know about one migrated body, from one parse of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyExits {
    /// Some path runs off its end: there the Route Handler returns nothing, which Next answers
    /// with 500.
    pub falls_off: bool,
    /// An exception can escape: a `throw`, a call, a `new` or an `await` outside a `try` with a
    /// `catch`. The calls the migration writes itself, on `helpers` (the compat module's name),
    /// `Response` and the `headers` variable, are taken not to throw.
    pub can_throw: bool,
}

/// [`BodyExits`] of `body`. A body that does not parse counts as ending and as throwing (the
/// safe side for both reports).
pub fn body_exits(body: &str, lang: Lang, helpers: &str, headers: &str) -> BodyExits {
    let Some(b) = parse_body(body, lang) else {
        return BodyExits {
            falls_off: false,
            can_throw: true,
        };
    };
    let mut v = Escapes {
        helpers,
        headers,
        found: false,
    };
    b.visit_with(&mut v);
    BodyExits {
        falls_off: !stmts_exit(&b),
        can_throw: v.found,
    }
}

struct Escapes<'n> {
    helpers: &'n str,
    headers: &'n str,
    found: bool,
}

impl Escapes<'_> {
    fn generated(&self, callee: &Expr) -> bool {
        let object = match callee {
            Expr::Member(m) => &*m.obj,
            Expr::Ident(i) => return i.sym == "Response" || i.sym == "Headers",
            _ => return false,
        };
        matches!(object, Expr::Ident(i) if i.sym == self.helpers || i.sym == self.headers || i.sym == "Response")
    }
}

impl Visit for Escapes<'_> {
    fn visit_throw_stmt(&mut self, _: &ThrowStmt) {
        self.found = true;
    }
    fn visit_await_expr(&mut self, a: &AwaitExpr) {
        // `await helpers.body(request)` resolves to a Response on bad input, never rejects.
        let generated = matches!(&*a.arg, Expr::Call(c) if matches!(&c.callee, Callee::Expr(e) if self.generated(e)));
        if !generated {
            self.found = true;
        }
        a.visit_children_with(self);
    }
    fn visit_call_expr(&mut self, c: &CallExpr) {
        match &c.callee {
            Callee::Expr(e) if self.generated(e) => {}
            _ => self.found = true,
        }
        c.visit_children_with(self);
    }
    fn visit_new_expr(&mut self, n: &NewExpr) {
        if !self.generated(&n.callee) {
            self.found = true;
        }
        n.visit_children_with(self);
    }
    fn visit_try_stmt(&mut self, t: &TryStmt) {
        // What the block throws is caught; the catch clause and finally can still throw.
        if t.handler.is_none() {
            t.block.visit_with(self);
        }
        t.handler.visit_with(self);
        t.finalizer.visit_with(self);
    }
    // Code in nested functions runs only when called, and that call is what is counted.
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
}

/// Where a path through the original handler's `stmts` ends without a response: the offset of
/// the last statement on that path (an `if` without `else`, say), None when every path answers
/// (a `return`, a `throw`, or a call given `res`: `res.json(..)`, `handlePOST(req, res)`).
pub fn path_end_without_response(stmts: &[Stmt], res: &str) -> Option<usize> {
    if stmts.iter().any(|s| answers(s, res)) {
        return None;
    }
    let last = stmts.iter().rev().find(|s| !matches!(s, Stmt::Empty(_)))?;
    let start = crate::parse::range(swc_common::Spanned::span(last)).start;
    match last {
        Stmt::If(i) if answers(&i.cons, res) => i
            .alt
            .as_deref()
            .and_then(|a| path_end_without_response(std::slice::from_ref(a), res))
            .or(Some(start)),
        Stmt::If(i) => {
            path_end_without_response(std::slice::from_ref(&*i.cons), res).or(Some(start))
        }
        Stmt::Block(b) => path_end_without_response(&b.stmts, res).or(Some(start)),
        _ => Some(start),
    }
}

/// True when every path through `s` answers: `return`, `throw`, or a call given `res` (as its
/// object, `res.status(400).json(..)`, or as an argument).
fn answers(s: &Stmt, res: &str) -> bool {
    let all = |stmts: &[Stmt]| stmts.iter().any(|s| answers(s, res));
    match s {
        Stmt::Return(_) | Stmt::Throw(_) => true,
        Stmt::Expr(e) => calls_with_res(&e.expr, res),
        Stmt::Block(b) => all(&b.stmts),
        Stmt::If(i) => answers(&i.cons, res) && i.alt.as_deref().is_some_and(|a| answers(a, res)),
        Stmt::Try(t) => {
            all(&t.block.stmts) && t.handler.as_ref().is_none_or(|h| all(&h.body.stmts))
        }
        Stmt::Switch(sw) => {
            sw.cases.iter().any(|c| c.test.is_none())
                && sw.cases.iter().all(|c| c.cons.is_empty() || all(&c.cons))
        }
        Stmt::Labeled(l) => answers(&l.body, res),
        _ => false,
    }
}

fn calls_with_res(e: &Expr, res: &str) -> bool {
    let is_res = |e: &Expr| matches!(e, Expr::Ident(i) if i.sym == res);
    match e {
        Expr::Await(a) => calls_with_res(&a.arg, res),
        Expr::Paren(p) => calls_with_res(&p.expr, res),
        Expr::Call(c) => {
            c.args.iter().any(|a| is_res(&a.expr))
                || matches!(&c.callee, Callee::Expr(callee) if matches!(&**callee, Expr::Member(m) if is_res(&m.obj) || calls_with_res(&m.obj, res)))
        }
        _ => false,
    }
}

/// True when every path through `stmts` leaves by `return` or `throw`.
fn stmts_exit(stmts: &[Stmt]) -> bool {
    stmts.iter().any(stmt_exits)
}

/// True when every path through `s` leaves by `return` or `throw`.
pub(super) fn stmt_exits(s: &Stmt) -> bool {
    match s {
        Stmt::Return(_) | Stmt::Throw(_) => true,
        Stmt::Block(b) => stmts_exit(&b.stmts),
        Stmt::If(i) => stmt_exits(&i.cons) && i.alt.as_deref().is_some_and(stmt_exits),
        Stmt::Try(t) => {
            t.finalizer.as_ref().is_some_and(|f| stmts_exit(&f.stmts))
                || stmts_exit(&t.block.stmts)
                    && t.handler.as_ref().is_none_or(|h| stmts_exit(&h.body.stmts))
        }
        Stmt::Switch(sw) => {
            // Exits when there is a default and every case ends by exiting (no break out).
            sw.cases.iter().any(|c| c.test.is_none())
                && sw.cases.last().is_some_and(|c| stmts_exit(&c.cons))
                && sw
                    .cases
                    .iter()
                    .all(|c| !c.cons.iter().any(|s| matches!(s, Stmt::Break(_))))
        }
        Stmt::Labeled(l) => stmt_exits(&l.body),
        _ => false,
    }
}

fn stmts_throw(stmts: &[Stmt]) -> bool {
    stmts
        .iter()
        .rev()
        .find(|s| !matches!(s, Stmt::Empty(_)))
        .is_some_and(stmt_throws)
}

fn stmt_throws(s: &Stmt) -> bool {
    match s {
        Stmt::Throw(_) => true,
        Stmt::Block(b) => stmts_throw(&b.stmts),
        Stmt::If(i) => stmt_throws(&i.cons) && i.alt.as_deref().is_some_and(stmt_throws),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn can_fall_off(body: &str, lang: Lang) -> bool {
        body_exits(body, lang, "pages", "headers").falls_off
    }

    fn can_throw(body: &str, lang: Lang, helpers: &str, headers: &str) -> bool {
        body_exits(body, lang, helpers, headers).can_throw
    }

    #[test]
    fn a_body_ending_in_throw_on_every_path_throws() {
        assert!(always_throws("\n  throw new Error('no')\n", Lang::Ts));
        assert!(always_throws("\n  log(1);\n  { throw 1 }\n", Lang::Ts));
        assert!(always_throws(
            "\n  if (a) throw 1\n  else { throw 2 }\n",
            Lang::Js
        ));
    }

    #[test]
    fn a_body_with_a_path_that_ends_without_return_falls_off() {
        assert!(can_fall_off("\n  if (q.ok) return json(1)\n", Lang::Ts));
        assert!(can_fall_off("", Lang::Ts));
        assert!(!can_fall_off(
            "\n  if (q.ok) return json(1)\n  return json(2)\n",
            Lang::Ts
        ));
        assert!(!can_fall_off(
            "\n  if (a) { return 1 } else throw 2\n",
            Lang::Ts
        ));
        assert!(!can_fall_off(
            "\n  switch (a) { case 1: return 1; default: return 2 }\n",
            Lang::Ts
        ));
        assert!(can_fall_off(
            "\n  switch (a) { case 1: return 1 }\n",
            Lang::Ts
        ));
        assert!(!can_fall_off(
            "\n  try { return f() } catch { return g() }\n",
            Lang::Ts
        ));
    }

    #[test]
    fn exceptions_escape_from_calls_throws_and_awaits_outside_try() {
        let t = |b| can_throw(b, Lang::Ts, "pages", "headers");
        assert!(t(
            "\n  const d = JSON.parse(x)\n  return pages.json(request, d)\n"
        ));
        assert!(t(
            "\n  if (!ok) throw new Error('no')\n  return pages.json(request, 1)\n"
        ));
        assert!(t(
            "\n  const u = await db.user()\n  return pages.json(request, u)\n"
        ));
        assert!(!t(
            "\n  headers.set('a', 'b')\n  return pages.json(request, { a: 1 }, { headers })\n"
        ));
        assert!(!t("\n  const body = await pages.body(request)\n  return new Response(null, { status: 204 })\n"));
        assert!(!t("\n  try { return pages.json(request, JSON.parse(x)) } catch { return new Response(null) }\n"));
        assert!(!t("\n  const f = () => g()\n  return Response.json(1)\n"));
    }

    #[test]
    fn the_end_of_a_path_without_response_is_found_in_the_original() {
        let src =
            "function h(req, res) {\n  if (req.query.ok) res.status(200).json({ ok: true })\n}";
        let m = parse_module(src, Lang::Ts).unwrap();
        let Some(ModuleItem::Stmt(Stmt::Decl(swc_ecma_ast::Decl::Fn(f)))) = m.body.first() else {
            panic!()
        };
        let stmts = &f.function.body.as_ref().unwrap().stmts;
        assert_eq!(
            path_end_without_response(stmts, "res"),
            Some(src.find("if").unwrap())
        );
        let src = "function h(req, res) {\n  if (a) return res.json(1)\n  res.end()\n}";
        let m = parse_module(src, Lang::Ts).unwrap();
        let Some(ModuleItem::Stmt(Stmt::Decl(swc_ecma_ast::Decl::Fn(f)))) = m.body.first() else {
            panic!()
        };
        assert_eq!(
            path_end_without_response(&f.function.body.as_ref().unwrap().stmts, "res"),
            None
        );
    }

    #[test]
    fn a_body_that_can_end_otherwise_does_not() {
        assert!(!always_throws("", Lang::Ts));
        assert!(!always_throws("\n  if (a) throw 1\n", Lang::Ts));
        assert!(!always_throws("\n  return new Response(null)\n", Lang::Ts));
        assert!(!always_throws("\n  throw (\n", Lang::Ts));
    }
}
