//! next-auth: the `[...nextauth]` route.
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
//!
//! v5 (`next-auth@5`): `NextAuth(config)` returns `{ handlers, auth, signIn, signOut }`, not a
//! handler, so under Pages such a route answered no auth request (calling the default export
//! threw: Next answered 500). When the app's package.json asks for v5 (`5.x`, `^5...`,
//! `5.0.0-beta.25`, the `beta` tag) the same shapes become v5's App Router form inside the
//! route, with the same argument text and the same imports (rebased):
//!
//! ```ts
//! export const { GET, POST } = NextAuth(config).handlers   // export default NextAuth(config)
//! export const { GET, POST } = handler.handlers            // const handler = NextAuth(config)
//! ```
//!
//! reported with P2A316 (the v5 form; next-auth's v5 guide keeps `export const { handlers, auth,
//! signIn, signOut } = NextAuth(config)` in an auth.ts, which is left to do by hand) and P2A208
//! (the route serves auth requests it answered 500 in Pages). A module that already uses the name
//! `GET` or `POST` is declined (P2A317). A v4 range or a version that cannot be told (`latest`,
//! `*`, no package.json) is taken as v4.
//!
//! What changes in v4 (reported, P2A206; measured on next 16.4.6 with next-auth 4.24.13 by the
//! behaviour suite): next-auth's App Router handler answers JSON as `application/json` without
//! `; charset=utf-8` and without an ETag, where it answered through Pages' `res.json` (charset,
//! ETag, 304 on a matching If-None-Match); Pages ran next-auth for every method, which answered
//! HEAD, PUT, PATCH, DELETE and OPTIONS with 400 `This action with HTTP X is not supported by
//! NextAuth.js`; with only GET and POST exported, Next answers PUT/PATCH/DELETE 405, OPTIONS 204
//! and runs GET for HEAD. Both versions carry P2A302, as every migrated route does.

use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

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

/// `GET` or `POST` used as a name anywhere in the module (a binding, a reference): v5's
/// `export const { GET, POST } = ...` would clash with or shadow it.
fn uses_method_name(module: &Module) -> Option<&'static str> {
    struct Find(Option<&'static str>);
    impl Visit for Find {
        fn visit_ident(&mut self, i: &Ident) {
            if self.0.is_none() {
                self.0 = ["GET", "POST"].into_iter().find(|n| i.sym == *n);
            }
        }
    }
    let mut find = Find(None);
    module.visit_with(&mut find);
    find.0
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
    let v5 = v5_or_later(input);
    if let (Some((major, spec)), Some(name)) = (v5, uses_method_name(module)) {
        return Recipe::Declined(vec![Diagnostic::at(
            Code::RecipeDeclined,
            format!(
                "next-auth route not migrated: package.json asks for next-auth {spec:?} (v{major}), whose App Router form `export const {{ GET, POST }} = NextAuth(config).handlers` in {} would declare `{name}`, a name the module already uses; it goes on as before",
                input.target
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
    let call = &src[range(swc_common::Spanned::span(&*export.expr))];
    let text = match (&bound, v5) {
        // `const handler = NextAuth(x)` stays; the default export becomes the named exports.
        (Some(name), None) => format!("export {{ {name} as GET, {name} as POST }}{semi}"),
        (None, None) => {
            let name = free_name(src);
            format!("const {name} = {call}{semi}{nl}{nl}export {{ {name} as GET, {name} as POST }}{semi}")
        }
        // v5: `NextAuth(config)` returns `{ handlers, auth, signIn, signOut }`.
        (Some(name), Some(_)) => format!("export const {{ GET, POST }} = {name}.handlers{semi}"),
        (None, Some(_)) => format!("export const {{ GET, POST }} = {call}.handlers{semi}"),
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
        diagnostics: match v5 {
            None => vec![
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
            Some((major, spec)) => vec![
                Diagnostic::at(
                    Code::LibraryRecipe,
                    format!("next-auth v{major} route (package.json asks for next-auth {spec:?}): `NextAuth(config).handlers` exported as GET and POST, the next-auth v5 form; next-auth's v5 guide keeps `export const {{ handlers, auth, signIn, signOut }} = NextAuth(config)` in an auth.ts and `export const {{ GET, POST }} = handlers` in the route, which you may do by hand"),
                    src,
                    at,
                ),
                Diagnostic::at(
                    Code::NextAuthV5Handlers,
                    format!("in Pages, next-auth v{major}'s `NextAuth(config)` is not a request handler (it returns {{ handlers, auth, signIn, signOut }}), so the original route answered no auth request: Next answered them 500; the migrated route serves them, GET and POST through next-auth's handlers (other methods get Next's answers: PUT, PATCH and DELETE 405, OPTIONS 204, HEAD runs GET)"),
                    src,
                    at,
                ),
                Diagnostic::at(Code::NonStandardMethods, NON_STANDARD_METHODS_MESSAGE, src, at),
            ],
        },
        has_jsx: false,
        mode: Mode::Rewrite,
        twins: Vec::new(),
    })
}
