//! next-auth v4: the `[...nextauth]` route.
//!
//! Pages: `export default NextAuth(authOptions)` (or `const handler = NextAuth(...)` and
//! `export default handler`). App Router, as the next-auth v4 docs write it:
//!
//! ```ts
//! const handler = NextAuth(authOptions)
//! export { handler as GET, handler as POST }
//! ```
//!
//! In v4 `NextAuth(options)` returns one function that serves both routers (it tells them apart
//! by its second argument). Only the one-argument form is taken: `NextAuth(req, res, options)`
//! inside a handler of the app's own is advanced initialisation and goes through the adapter.
//! v5 (`next-auth@5`, `NextAuth()` returning `{ handlers, auth }`) cannot be a Pages API handler
//! this way, so a default export `NextAuth(x)` that Pages served is v4's.
//!
//! What changes (reported, P2A206; measured on next 16.4.6 with next-auth 4.24.13 by the
//! behaviour suite): next-auth's App Router handler answers JSON as `application/json` without
//! `; charset=utf-8` and without an ETag, where it answered through Pages' `res.json` (charset,
//! ETag, 304 on a matching If-None-Match); Pages ran next-auth for every method, which answered
//! HEAD, PUT, PATCH, DELETE and OPTIONS with 400 `This action with HTTP X is not supported by
//! NextAuth.js`; with only GET and POST exported, Next answers PUT/PATCH/DELETE 405, OPTIONS 204
//! and runs GET for HEAD.

use swc_ecma_ast::*;

use crate::diagnostics::{Code, Diagnostic};
use crate::edit::{Edit, EditSet, Needs};
use crate::parse::{parse_module, range};
use crate::text::newline_of;
use crate::transform::{imports, Migrated, Mode, RouteInput};

/// The local name `NextAuth` is imported as (the default import of `next-auth` or
/// `next-auth/next`).
fn next_auth_local(module: &Module) -> Option<String> {
    module.body.iter().find_map(|item| {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
            return None;
        };
        let atom = i.src.value.to_atom_lossy();
        let from: &str = &atom;
        if i.type_only || !matches!(from, "next-auth" | "next-auth/next") {
            return None;
        }
        i.specifiers.iter().find_map(|s| match s {
            ImportSpecifier::Default(d) => Some(d.local.sym.to_string()),
            _ => None,
        })
    })
}

/// `NextAuth(x)`: a call of `local` with one argument that is not spread.
fn is_one_arg_call(e: &Expr, local: &str) -> bool {
    let Expr::Call(c) = e else { return false };
    let Callee::Expr(callee) = &c.callee else {
        return false;
    };
    matches!(&**callee, Expr::Ident(i) if i.sym == local)
        && c.args.len() == 1
        && c.args[0].spread.is_none()
}

/// The handler's binding: `const NAME = NextAuth(x)` at the top level.
fn bound_call<'m>(module: &'m Module, name: &str, local: &str) -> Option<&'m VarDeclarator> {
    module.body.iter().find_map(|item| {
        let ModuleItem::Stmt(Stmt::Decl(Decl::Var(v))) = item else {
            return None;
        };
        v.decls.iter().find(|d| {
            matches!(&d.name, Pat::Ident(b) if b.id.sym == name)
                && d.init.as_deref().is_some_and(|e| is_one_arg_call(e, local))
        })
    })
}

/// A name for the handler that the module does not use yet.
fn free_name(src: &str) -> String {
    let used = |n: &str| {
        src.match_indices(n).any(|(at, _)| {
            let before = src[..at].chars().next_back();
            let after = src[at + n.len()..].chars().next();
            let word =
                |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
            !word(before) && !word(after)
        })
    };
    ["handler", "authHandler", "nextAuthHandler"]
        .into_iter()
        .find(|n| !used(n))
        .unwrap_or("nextAuthRouteHandler")
        .to_string()
}

pub fn migrate(input: &RouteInput, module: &Module) -> Option<Migrated> {
    let src = input.src;
    let local = next_auth_local(module)?;
    // A `config` export (bodyParser: false, say) changes what next-auth sees: leave it to the
    // adapter, which keeps the config's meaning.
    let mut default: Option<(&ExportDefaultExpr, Option<String>)> = None;
    for item in &module.body {
        let ModuleItem::ModuleDecl(decl) = item else {
            continue;
        };
        match decl {
            ModuleDecl::ExportDefaultExpr(e) => match &*e.expr {
                call if is_one_arg_call(call, &local) => default = Some((e, None)),
                Expr::Ident(i) if bound_call(module, &i.sym, &local).is_some() => {
                    default = Some((e, Some(i.sym.to_string())))
                }
                _ => return None,
            },
            ModuleDecl::ExportDefaultDecl(_) => return None,
            ModuleDecl::ExportNamed(n) if n.src.is_some() => return None,
            ModuleDecl::ExportDecl(ExportDecl {
                decl: Decl::Var(v), ..
            }) if v
                .decls
                .iter()
                .any(|d| matches!(&d.name, Pat::Ident(b) if b.id.sym == "config")) =>
            {
                return None
            }
            _ => {}
        }
    }
    let (export, bound) = default?;

    let nl = newline_of(src);
    let facts = imports::import_facts(module, src);
    let semi = if facts.semicolons.unwrap_or(false) {
        ";"
    } else {
        ""
    };
    let item = range(export.span);
    let mut edits = EditSet::new();
    for e in imports::rebase_edits(
        module,
        src,
        crate::transform::dir_of(input.source),
        crate::transform::dir_of(input.target),
    ) {
        edits.add(e);
    }
    let text = match &bound {
        // `const handler = NextAuth(x)` stays; the default export becomes the named exports.
        Some(name) => format!("export {{ {name} as GET, {name} as POST }}{semi}"),
        None => {
            let name = free_name(src);
            let call = &src[range(swc_common::Spanned::span(&*export.expr))];
            format!("const {name} = {call}{semi}{nl}{nl}export {{ {name} as GET, {name} as POST }}{semi}")
        }
    };
    // `export default NextAuth(x)` may end without `;` where the file has them: the new text
    // brings its own.
    let end = if src[item.end..].starts_with(';') && !semi.is_empty() {
        item.end + 1
    } else {
        item.end
    };
    if !edits.add(Edit {
        range: item.start..end,
        text,
        needs: Needs::default(),
    }) {
        return None;
    }
    let mut needs = Needs::default();
    let (text, copied) = edits.render_mapped(src, &mut needs);
    parse_module(&text, input.lang).ok()?;

    let at = item.start;
    Some(Migrated {
        text,
        copied,
        methods: vec!["GET", "POST"],
        helpers: Needs::default(),
        diagnostics: vec![
            Diagnostic::at(
                Code::LibraryRecipe,
                "next-auth v4 route: `NextAuth(options)` exported as GET and POST, the App Router form next-auth documents",
                src,
                at,
            ),
            Diagnostic::at(
                Code::NextAuthMethods,
                "next-auth's App Router handler answers JSON as `application/json` without `; charset=utf-8` and without an ETag (Pages' res.json added both, and a 304 for a matching If-None-Match); it answered HEAD, PUT, PATCH, DELETE and OPTIONS with 400 (`This action with HTTP ... is not supported by NextAuth.js`) in Pages, and with GET and POST exported Next answers PUT, PATCH and DELETE 405, OPTIONS 204, and runs GET for HEAD",
                src,
                at,
            ),
        ],
        has_jsx: false,
        mode: Mode::Rewrite,
        twins: Vec::new(),
    })
}
