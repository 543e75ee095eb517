//! A route that only hands its requests to another route's handler (`import h from
//! './other'` then `export default h`, `(req, res) => h(req, res)`, or `export { default } from
//! './other'`) follows that route to `app/`: it becomes a route that re-exports the migrated
//! methods (`export { GET, POST } from '../other/route'`).
//!
//! Only a route that does nothing else qualifies: no code of its own, no `config` (Pages applies
//! the config of the route a request reaches, so a config of its own could change how the
//! shared handler reads the body).

use swc_ecma_ast::*;

/// Whether `module` only delegates to `local` (the local name of the default import of the
/// other route), or, with `local` = None, only re-exports that route's default
/// (`export { default } from`).
pub fn only_delegates(module: &Module, local: Option<&str>) -> bool {
    let mut delegates = false;
    for item in &module.body {
        match item {
            ModuleItem::ModuleDecl(ModuleDecl::Import(_)) => {}
            ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(n)) => {
                let only_default = n.specifiers.len() == 1
                    && match &n.specifiers[0] {
                        ExportSpecifier::Named(ns) => {
                            let exported = ns.exported.as_ref().unwrap_or(&ns.orig);
                            let orig_default = name(&ns.orig) == "default";
                            name(exported) == "default"
                                && match local {
                                    None => n.src.is_some() && orig_default,
                                    Some(l) => n.src.is_none() && name(&ns.orig) == l,
                                }
                        }
                        _ => false,
                    };
                if n.type_only {
                    continue;
                }
                if !only_default {
                    return false;
                }
                delegates = true;
            }
            ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(e)) => {
                let Some(l) = local else { return false };
                if !expr_delegates(&e.expr, l) {
                    return false;
                }
                delegates = true;
            }
            ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultDecl(d)) => {
                let Some(l) = local else { return false };
                let DefaultDecl::Fn(f) = &d.decl else {
                    return false;
                };
                if !function_delegates(&f.function.params, f.function.body.as_ref(), l) {
                    return false;
                }
                delegates = true;
            }
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(ed)) => {
                if !matches!(ed.decl, Decl::TsInterface(_) | Decl::TsTypeAlias(_)) {
                    return false;
                }
            }
            ModuleItem::Stmt(Stmt::Decl(Decl::TsInterface(_) | Decl::TsTypeAlias(_))) => {}
            _ => return false,
        }
    }
    delegates
}

fn name(n: &ModuleExportName) -> String {
    match n {
        ModuleExportName::Ident(i) => i.sym.to_string(),
        ModuleExportName::Str(s) => s.value.to_string_lossy().into_owned(),
    }
}

fn unparen(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => unparen(&p.expr),
        Expr::TsAs(a) => unparen(&a.expr),
        Expr::TsSatisfies(s) => unparen(&s.expr),
        other => other,
    }
}

/// `h`, `(req, res) => h(req, res)`, `async function (req, res) { return h(req, res) }`.
fn expr_delegates(e: &Expr, local: &str) -> bool {
    match unparen(e) {
        Expr::Ident(i) => &*i.sym == local,
        Expr::Arrow(a) => {
            let params: Vec<Option<&str>> = a.params.iter().map(pat_name).collect();
            match &*a.body {
                ArrowFunctionBody::Expr(body) => call_passes(body, local, &params),
                ArrowFunctionBody::FunctionBody(b) => block_delegates(b, local, &params),
            }
        }
        Expr::Fn(f) => function_delegates(&f.function.params, f.function.body.as_ref(), local),
        _ => false,
    }
}

fn function_delegates(params: &[Param], body: Option<&FunctionBody>, local: &str) -> bool {
    let params: Vec<Option<&str>> = params.iter().map(|p| pat_name(&p.pat)).collect();
    body.is_some_and(|b| block_delegates(b, local, &params))
}

/// A body of one statement: `return h(req, res)`, `await h(req, res)`, `h(req, res)`.
fn block_delegates(b: &FunctionBody, local: &str, params: &[Option<&str>]) -> bool {
    match b.stmts.as_slice() {
        [Stmt::Return(r)] => r
            .arg
            .as_ref()
            .is_some_and(|a| call_passes(a, local, params)),
        [Stmt::Expr(e)] => call_passes(&e.expr, local, params),
        _ => false,
    }
}

/// `h(req, res)` (or `await h(req, res)`) passing the function's own two parameters in order.
fn call_passes(e: &Expr, local: &str, params: &[Option<&str>]) -> bool {
    let e = match unparen(e) {
        Expr::Await(a) => unparen(&a.arg),
        other => other,
    };
    let Expr::Call(c) = e else { return false };
    let Callee::Expr(callee) = &c.callee else {
        return false;
    };
    let is_local = matches!(unparen(callee), Expr::Ident(i) if &*i.sym == local);
    let [Some(req), Some(res)] = params else {
        return false;
    };
    let args: Vec<Option<&str>> = c
        .args
        .iter()
        .map(|a| match (&a.spread, unparen(&a.expr)) {
            (None, Expr::Ident(i)) => Some(&*i.sym),
            _ => None,
        })
        .collect();
    is_local && args == [Some(*req), Some(*res)]
}

fn pat_name(p: &Pat) -> Option<&str> {
    match p {
        Pat::Ident(b) => Some(&b.id.sym),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route_path::Lang;

    fn delegates(src: &str, local: Option<&str>) -> bool {
        let m = crate::parse::parse_module(src, Lang::Ts).expect("parses");
        only_delegates(&m, local)
    }

    #[test]
    fn recognises_routes_that_only_delegate() {
        let h = Some("h");
        assert!(delegates(
            "import h from '../oauth/callback'\nexport default h\n",
            h
        ));
        assert!(delegates("import h from '../x'\nexport default async function handler(req, res) { return h(req, res) }\n", h));
        assert!(delegates("import h from '../x'\nimport type { NextApiRequest } from 'next'\nexport default (req: NextApiRequest, res) => h(req, res)\n", h));
        assert!(delegates(
            "import h from '../x'\nexport default async (req, res) => { await h(req, res) }\n",
            h
        ));
        assert!(delegates("export { default } from '../x'\n", None));
        assert!(delegates(
            "import h from '../x'\nexport { h as default }\n",
            h
        ));
    }

    #[test]
    fn anything_more_does_not_qualify() {
        let h = Some("h");
        assert!(!delegates("import h from '../x'\nexport default function handler(req, res) { if (!req.headers.a) return res.status(401).end(); return h(req, res) }\n", h));
        assert!(!delegates(
            "import h from '../x'\nexport default (req, res) => h(res, req)\n",
            h
        ));
        assert!(!delegates("import h from '../x'\nexport const config = { api: { bodyParser: false } }\nexport default h\n", h));
        assert!(!delegates(
            "import h from '../x'\nconsole.log('loaded')\nexport default h\n",
            h
        ));
        assert!(!delegates("export { default } from '../x'\n", h));
    }
}
