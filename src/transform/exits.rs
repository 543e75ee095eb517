//! How a method's specialized body ends when it does not respond: with a `throw` on every path
//! (Pages answered 500) or by running off its end (Pages left the request open).

use swc_ecma_ast::{ModuleItem, Stmt};

use crate::parse::parse_module;
use crate::route_path::Lang;

/// True when every path through `body` (the text between a function's braces) ends in `throw`.
/// A body that does not parse (JSX in a `.js` file, say) counts as not throwing.
pub fn always_throws(body: &str, lang: Lang) -> bool {
    let wrapped = format!("async function f() {{{body}\n}}");
    let Ok(module) = parse_module(&wrapped, lang) else {
        return false;
    };
    let Some(ModuleItem::Stmt(Stmt::Decl(swc_ecma_ast::Decl::Fn(f)))) = module.body.first() else {
        return false;
    };
    f.function
        .body
        .as_ref()
        .is_some_and(|b| stmts_throw(&b.stmts))
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
    fn a_body_that_can_end_otherwise_does_not() {
        assert!(!always_throws("", Lang::Ts));
        assert!(!always_throws("\n  if (a) throw 1\n", Lang::Ts));
        assert!(!always_throws("\n  return new Response(null)\n", Lang::Ts));
        assert!(!always_throws("\n  throw (\n", Lang::Ts));
    }
}
