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
//! v5 (`next-auth@5`, `NextAuth()` returning `{ handlers, auth }`) has no such Pages API
//! handler: when the app's package.json asks for v5 (`5.x`, `^5...`, `beta`) the recipe declines
//! (P2A317, naming the version and v5's form) and the route goes on as before; a v4 range or a
//! version that cannot be told (`latest`, `*`, no package.json) is taken as v4.
//!
//! What changes (reported, P2A206; measured on next 16.4.6 with next-auth 4.24.13 by the
//! behaviour suite): next-auth's App Router handler answers JSON as `application/json` without
//! `; charset=utf-8` and without an ETag, where it answered through Pages' `res.json` (charset,
//! ETag, 304 on a matching If-None-Match); Pages ran next-auth for every method, which answered
//! HEAD, PUT, PATCH, DELETE and OPTIONS with 400 `This action with HTTP X is not supported by
//! NextAuth.js`; with only GET and POST exported, Next answers PUT/PATCH/DELETE 405, OPTIONS 204
//! and runs GET for HEAD. The route carries P2A302, as every migrated route does.

use swc_ecma_ast::*;

use super::{word_used, DepVersion, Recipe};
use crate::diagnostics::{Code, Diagnostic};
use crate::edit::{Edit, EditSet, Needs};
use crate::parse::{parse_module, range};
use crate::text::newline_of;
use crate::transform::{imports, Migrated, Mode, RouteInput, NON_STANDARD_METHODS_MESSAGE};

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
    ["handler", "authHandler", "nextAuthHandler"]
        .into_iter()
        .find(|n| !word_used(src, n))
        .unwrap_or("nextAuthRouteHandler")
        .to_string()
}

/// The major version of next-auth the app asks for, when it is v5 (or later): `5.x`, `^5...`,
/// `5.0.0-beta.25`, the `beta` dist-tag (next-auth publishes v5 as `beta`). A v4 range, or one
/// whose version cannot be told (`latest`, `*`, `workspace:*`, no package.json, next-auth not
/// listed), is taken as v4: `export default NextAuth(x)` as a Pages API handler is v4's shape.
fn v5_or_later<'a>(input: &RouteInput<'a>) -> Option<(u64, &'a str)> {
    let spec = input.libraries.spec("next-auth")?;
    match input.libraries.version("next-auth")? {
        DepVersion::Major(m) if m >= 5 => Some((m, spec)),
        DepVersion::Tag(t) if t == "beta" => Some((5, spec)),
        _ => None,
    }
}

pub fn migrate(input: &RouteInput, module: &Module) -> Recipe {
    let src = input.src;
    let Some(local) = next_auth_local(module) else {
        return Recipe::NotMine;
    };
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
                _ => return Recipe::NotMine,
            },
            ModuleDecl::ExportDefaultDecl(_) => return Recipe::NotMine,
            ModuleDecl::ExportNamed(n) if n.src.is_some() => return Recipe::NotMine,
            ModuleDecl::ExportDecl(ExportDecl {
                decl: Decl::Var(v), ..
            }) if v
                .decls
                .iter()
                .any(|d| matches!(&d.name, Pat::Ident(b) if b.id.sym == "config")) =>
            {
                return Recipe::NotMine
            }
            _ => {}
        }
    }
    let Some((export, bound)) = default else {
        return Recipe::NotMine;
    };
    let at = range(export.span).start;
    if let Some((major, spec)) = v5_or_later(input) {
        return Recipe::Declined(vec![Diagnostic::at(
            Code::RecipeDeclined,
            format!(
                "next-auth route not migrated by the v4 recipe: package.json asks for next-auth {spec:?} (v{major}), where `NextAuth(config)` returns {{ handlers, auth, signIn, signOut }} rather than a handler; the v{major} form is `export const {{ handlers, auth, signIn, signOut }} = NextAuth(config)` in auth.ts and `export const {{ GET, POST }} = handlers` in app/api/auth/[...nextauth]/route.ts (next-auth's v5 upgrade guide); it goes on as before"
            ),
            src,
            at,
        )]);
    }

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
            Diagnostic::at(Code::NonStandardMethods, NON_STANDARD_METHODS_MESSAGE, src, at),
        ],
        has_jsx: false,
        mode: Mode::Rewrite,
        twins: Vec::new(),
    })
}
