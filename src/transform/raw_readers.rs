//! Raw body readers written in the route's own file, as the Stripe webhook example writes them
//! for `bodyParser: false`:
//!
//! ```ts
//! async function buffer(readable: Readable) {
//!   const chunks = []
//!   for await (const chunk of readable) {
//!     chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
//!   }
//!   return Buffer.concat(chunks)
//! }
//! ```
//!
//! Given the request, such a function returns its body's bytes, which is what `pages.rawBody`
//! returns: a call `buffer(req)` becomes `pages.rawBody(request)`, like micro's `buffer(req)`, and
//! the declaration goes when that call was its only use. Only this exact shape is taken (one
//! parameter; an array; a `for await` over the parameter pushing the chunk, `Buffer.from(chunk)`
//! or the `typeof chunk === 'string'` choice between them; `return Buffer.concat(array)`).

use std::ops::Range;

use swc_ecma_ast::*;

use super::ast_util::{ident_name, method_call, unwrap_expr};
use crate::parse::range;

/// A raw body reader of the module: its name and the declaration's range.
pub struct RawReader {
    pub name: String,
    pub range: Range<usize>,
}

/// The module's top-level functions that read a stream into one Buffer.
pub fn in_file(module: &Module) -> Vec<RawReader> {
    let mut out = Vec::new();
    for item in &module.body {
        let ModuleItem::Stmt(Stmt::Decl(decl)) = item else {
            continue;
        };
        let found = match decl {
            Decl::Fn(f) => function_reads_stream(&f.function).then(|| f.ident.sym.to_string()),
            Decl::Var(v) if v.kind == VarDeclKind::Const => match v.decls.as_slice() {
                [d] => match (&d.name, d.init.as_deref().map(unwrap_expr)) {
                    (Pat::Ident(b), Some(Expr::Fn(f))) if function_reads_stream(&f.function) => {
                        Some(b.id.sym.to_string())
                    }
                    (Pat::Ident(b), Some(Expr::Arrow(a))) if arrow_reads_stream(a) => {
                        Some(b.id.sym.to_string())
                    }
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        if let Some(name) = found {
            out.push(RawReader {
                name,
                range: range(swc_common::Spanned::span(item)),
            });
        }
    }
    out
}

fn function_reads_stream(f: &Function) -> bool {
    let [p] = f.params.as_slice() else {
        return false;
    };
    f.is_async && !f.is_generator && reads_stream(&p.pat, f.body.as_ref().map(|b| &b.stmts[..]))
}

fn arrow_reads_stream(a: &ArrowExpr) -> bool {
    let [p] = a.params.as_slice() else {
        return false;
    };
    match &*a.body {
        ArrowFunctionBody::FunctionBody(b) => a.is_async && reads_stream(p, Some(&b.stmts[..])),
        ArrowFunctionBody::Expr(_) => false,
    }
}

/// `const chunks = []; for await (const chunk of param) chunks.push(...); return Buffer.concat(chunks)`.
fn reads_stream(param: &Pat, body: Option<&[Stmt]>) -> bool {
    let Pat::Ident(p) = param else { return false };
    let Some([init, each, ret]) = body else {
        return false;
    };
    // const chunks = [] (typed or not)
    let Stmt::Decl(Decl::Var(v)) = init else {
        return false;
    };
    let [d] = v.decls.as_slice() else {
        return false;
    };
    let Pat::Ident(chunks) = &d.name else {
        return false;
    };
    if !matches!(d.init.as_deref().map(unwrap_expr), Some(Expr::Array(a)) if a.elems.is_empty()) {
        return false;
    }
    // for await (const chunk of param) { chunks.push(E) }
    let Stmt::ForOf(f) = each else { return false };
    if !f.is_await || ident_name(&f.right) != Some(&*p.id.sym) {
        return false;
    }
    let ForHead::VarDecl(head) = &f.left else {
        return false;
    };
    let [hd] = head.decls.as_slice() else {
        return false;
    };
    let Pat::Ident(chunk) = &hd.name else {
        return false;
    };
    let push = match &*f.body {
        Stmt::Block(b) => match b.stmts.as_slice() {
            [Stmt::Expr(e)] => &*e.expr,
            _ => return false,
        },
        Stmt::Expr(e) => &*e.expr,
        _ => return false,
    };
    let Expr::Call(c) = unwrap_expr(push) else {
        return false;
    };
    let pushes = method_call(c)
        .is_some_and(|(obj, name)| name == "push" && ident_name(obj) == Some(&*chunks.id.sym));
    let [arg] = c.args.as_slice() else {
        return false;
    };
    if !pushes || arg.spread.is_some() || !is_chunk(&arg.expr, &chunk.id.sym) {
        return false;
    }
    // return Buffer.concat(chunks)
    let Stmt::Return(ReturnStmt { arg: Some(r), .. }) = ret else {
        return false;
    };
    let Expr::Call(concat) = unwrap_expr(r) else {
        return false;
    };
    method_call(concat)
        .is_some_and(|(obj, name)| name == "concat" && ident_name(obj) == Some("Buffer"))
        && matches!(concat.args.as_slice(), [a] if a.spread.is_none() && ident_name(&a.expr) == Some(&*chunks.id.sym))
}

/// `chunk`, `Buffer.from(chunk)`, or `typeof chunk === 'string' ? Buffer.from(chunk) : chunk`.
fn is_chunk(e: &Expr, chunk: &str) -> bool {
    let buffer_from = |e: &Expr| match unwrap_expr(e) {
        Expr::Call(c) => {
            method_call(c)
                .is_some_and(|(obj, name)| name == "from" && ident_name(obj) == Some("Buffer"))
                && matches!(c.args.as_slice(), [a] if a.spread.is_none() && ident_name(&a.expr) == Some(chunk))
        }
        _ => false,
    };
    match unwrap_expr(e) {
        Expr::Ident(i) => &*i.sym == chunk,
        Expr::Cond(c) => {
            let string_test = match unwrap_expr(&c.test) {
                Expr::Bin(b) if matches!(b.op, BinaryOp::EqEqEq | BinaryOp::EqEq) => {
                    matches!(unwrap_expr(&b.left), Expr::Unary(u) if u.op == UnaryOp::TypeOf && ident_name(&u.arg) == Some(chunk))
                        && matches!(unwrap_expr(&b.right), Expr::Lit(Lit::Str(s)) if s.value.as_atom().is_some_and(|a| a == "string"))
                }
                _ => false,
            };
            string_test && buffer_from(&c.cons) && ident_name(&c.alt) == Some(chunk)
        }
        other => buffer_from(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_module;
    use crate::route_path::Lang;

    fn names(src: &str) -> Vec<String> {
        let m = parse_module(src, Lang::Ts).expect("test source parses");
        in_file(&m).into_iter().map(|r| r.name).collect()
    }

    #[test]
    fn the_stripe_examples_reader_and_its_variants_are_found() {
        for src in [
            "async function buffer(readable: Readable) {\n  const chunks = [];\n  for await (const chunk of readable) {\n    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);\n  }\n  return Buffer.concat(chunks);\n}\n",
            "const buffer = async (req) => {\n  const chunks: Buffer[] = []\n  for await (const chunk of req) chunks.push(chunk)\n  return Buffer.concat(chunks)\n}\n",
            "const buffer = async function (req) {\n  const chunks = []\n  for await (const c of req) { chunks.push(Buffer.from(c)) }\n  return Buffer.concat(chunks)\n}\n",
        ] {
            assert_eq!(names(src), vec!["buffer".to_string()], "{src}");
        }
    }

    #[test]
    fn other_shapes_are_not() {
        for src in [
            // not async, another loop, more statements, another result
            "function buffer(r) {\n  const chunks = []\n  for (const c of r) chunks.push(c)\n  return Buffer.concat(chunks)\n}\n",
            "async function buffer(r) {\n  const chunks = []\n  for await (const c of r) chunks.push(c)\n  return Buffer.concat(chunks).toString()\n}\n",
            "async function buffer(r) {\n  const chunks = []\n  for await (const c of r) { log(c); chunks.push(c) }\n  return Buffer.concat(chunks)\n}\n",
            "async function buffer(r) {\n  const chunks = []\n  for await (const c of other) chunks.push(c)\n  return Buffer.concat(chunks)\n}\n",
            "async function buffer(r, limit) {\n  const chunks = []\n  for await (const c of r) chunks.push(c)\n  return Buffer.concat(chunks)\n}\n",
            "async function buffer(r) {\n  const chunks = []\n  for await (const c of r) chunks.push(c.slice(1))\n  return Buffer.concat(chunks)\n}\n",
        ] {
            assert!(names(src).is_empty(), "{src}");
        }
    }
}
