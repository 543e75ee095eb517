//! Small helpers over the swc AST used by the transform's passes.

use std::borrow::Cow;

use swc_ecma_ast::*;

/// The name an export or import specifier writes (`x`, or `'x'` as a string).
pub fn export_name(n: &ModuleExportName) -> String {
    match n {
        ModuleExportName::Ident(i) => i.sym.to_string(),
        ModuleExportName::Str(s) => s.value.to_atom_lossy().to_string(),
    }
}

/// The name a named import takes from its module: `a` of `{ a as b }`, `b` of `{ b }`.
pub fn imported_name(n: &ImportNamedSpecifier) -> String {
    match &n.imported {
        Some(name) => export_name(name),
        None => n.local.sym.to_string(),
    }
}

/// Strips parentheses and TypeScript-only wrappers (`as`, `satisfies`, `!`, `<T>x`).
pub fn unwrap_expr(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Paren(p) => &p.expr,
            Expr::TsAs(a) => &a.expr,
            Expr::TsSatisfies(s) => &s.expr,
            Expr::TsNonNull(n) => &n.expr,
            Expr::TsTypeAssertion(t) => &t.expr,
            Expr::TsConstAssertion(c) => &c.expr,
            _ => return e,
        };
    }
}

/// The text of a string literal or a template literal without expressions.
pub fn static_string(e: &Expr) -> Option<String> {
    match unwrap_expr(e) {
        Expr::Lit(Lit::Str(s)) => s.value.as_atom().map(|a| a.to_string()),
        Expr::Tpl(t) if t.exprs.is_empty() && t.quasis.len() == 1 => t.quasis[0]
            .cooked
            .as_ref()
            .and_then(|c| c.as_atom().map(|a| a.to_string())),
        _ => None,
    }
}

/// The name an object literal's key writes (`a` of `{ a: 1 }` or `{ 'a': 1 }`); `None` for a
/// computed or numeric key.
pub fn key_name(k: &PropName) -> Option<String> {
    match k {
        PropName::Ident(i) => Some(i.sym.to_string()),
        PropName::Str(s) => Some(s.value.to_atom_lossy().to_string()),
        _ => None,
    }
}

/// `name` when `e` is the identifier `name` (after unwrapping).
pub fn ident_name(e: &Expr) -> Option<&str> {
    match unwrap_expr(e) {
        Expr::Ident(i) => Some(i.sym.as_ref()),
        _ => None,
    }
}

/// The property name of a member expression when it is static (`a.b`, `a['b']`).
/// Borrowed for `a.b` (the common case: every visitor asks for member names).
pub fn member_prop_name(m: &MemberExpr) -> Option<Cow<'_, str>> {
    match &m.prop {
        MemberProp::Ident(i) => Some(Cow::Borrowed(&i.sym)),
        MemberProp::Computed(c) => static_string(&c.expr).map(Cow::Owned),
        MemberProp::PrivateName(_) => None,
    }
}

/// The callee expression of a call, when it is an expression.
pub fn callee_expr(c: &CallExpr) -> Option<&Expr> {
    match &c.callee {
        Callee::Expr(e) => Some(e),
        _ => None,
    }
}

/// For a call `obj.method(args)`, returns (obj, "method").
pub fn method_call(c: &CallExpr) -> Option<(&Expr, Cow<'_, str>)> {
    match unwrap_expr(callee_expr(c)?) {
        Expr::Member(m) => Some((&m.obj, member_prop_name(m)?)),
        _ => None,
    }
}

/// Names bound by a pattern.
pub fn pat_names(p: &Pat, out: &mut Vec<String>) {
    match p {
        Pat::Ident(b) => out.push(b.id.sym.to_string()),
        Pat::Array(a) => a.elems.iter().flatten().for_each(|e| pat_names(e, out)),
        Pat::Rest(r) => pat_names(&r.arg, out),
        Pat::Object(o) => {
            for prop in &o.props {
                match prop {
                    ObjectPatProp::KeyValue(kv) => pat_names(&kv.value, out),
                    ObjectPatProp::Assign(a) => out.push(a.key.sym.to_string()),
                    ObjectPatProp::Rest(r) => pat_names(&r.arg, out),
                }
            }
        }
        Pat::Assign(a) => pat_names(&a.left, out),
        Pat::Invalid(_) | Pat::Expr(_) => {}
    }
}

/// Names a statement list declares with `let`/`const`/`class`/`function` at its own level.
pub fn block_scoped_names(stmts: &[Stmt], out: &mut Vec<String>) {
    for s in stmts {
        if let Stmt::Decl(d) = s {
            match d {
                Decl::Var(v) if v.kind != VarDeclKind::Var => {
                    v.decls.iter().for_each(|d| pat_names(&d.name, out))
                }
                Decl::Fn(f) => out.push(f.ident.sym.to_string()),
                Decl::Class(c) => out.push(c.ident.sym.to_string()),
                _ => {}
            }
        }
    }
}

/// Names declared with `var` anywhere in a function body, not crossing nested functions.
pub fn var_names(stmts: &[Stmt], out: &mut Vec<String>) {
    use swc_ecma_visit::{Visit, VisitWith};
    struct V<'a>(&'a mut Vec<String>);
    impl Visit for V<'_> {
        fn visit_var_decl(&mut self, v: &VarDecl) {
            if v.kind == VarDeclKind::Var {
                v.decls.iter().for_each(|d| pat_names(&d.name, self.0));
            }
            v.visit_children_with(self);
        }
        fn visit_function(&mut self, _: &Function) {}
        fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
        fn visit_class(&mut self, _: &Class) {}
    }
    let mut v = V(out);
    for s in stmts {
        s.visit_with(&mut v);
    }
}

/// True for a `return;` without an argument.
pub fn is_bare_return(s: &Stmt) -> bool {
    matches!(s, Stmt::Return(ReturnStmt { arg: None, .. }))
}

/// True for an unlabeled `break;`.
pub fn is_plain_break(s: &Stmt) -> bool {
    matches!(s, Stmt::Break(BreakStmt { label: None, .. }))
}

/// The strings of an array literal of string literals (`['GET', 'HEAD']`); None otherwise.
pub fn string_array_literal(a: &ArrayLit) -> Option<Vec<String>> {
    a.elems
        .iter()
        .map(|el| {
            el.as_ref()
                .filter(|x| x.spread.is_none())
                .and_then(|x| static_string(&x.expr))
        })
        .collect()
}

/// The module's top-level declarations, exported or not.
pub fn module_decls(module: &Module) -> impl Iterator<Item = &Decl> {
    module.body.iter().filter_map(|item| match item {
        ModuleItem::Stmt(Stmt::Decl(d)) => Some(d),
        ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => Some(&e.decl),
        _ => None,
    })
}
