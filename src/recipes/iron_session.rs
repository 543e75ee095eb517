//! `iron-session`: v8's `getIronSession(req, res, options)` in a Pages route becomes the App
//! Router form its README documents, `getIronSession(await cookies(), options)` with `cookies`
//! from `next/headers`; type arguments and the options' text are kept:
//!
//! ```ts
//! const session = await getIronSession<SessionData>(req, res, sessionOptions)
//! // →
//! const session = await getIronSession<SessionData>(await cookies(), sessionOptions)
//! ```
//!
//! Read from iron-session 8.0.4's `dist/index.js`: the two forms read the same cookie (the
//! request's `cookie` header / the store's `get`) and unseal it the same way; `save()` and
//! `destroy()` seal the same data with the same options and hand the cookie to
//! `res.setHeader('set-cookie', ...)` (serialized by `cookie`) or to the store's `set(name,
//! value, cookieOptions)`. In a Route Handler the store is Next's: the cookies set through it go
//! on the Response the handler returns. What differs is only how Next writes the Set-Cookie
//! header: its attributes in Next's order (`Path` first), `SameSite` as given (`lax`, where
//! `cookie` wrote `Lax`), and an `Expires` beside a non-zero `Max-Age` (a browser goes by
//! `Max-Age`); and a second `save()` replaces the first cookie instead of adding another
//! header. The P2A316 note says so.
//!
//! Taken when package.json asks for iron-session 8 or later (a dist-tag counts: v8 has been
//! `latest` since 2023), and the call passes the handler's own `req` and `res`; the rewrite
//! then goes on with the rest of the route. Declined (P2A317, the call is left to the adapter):
//! v6 and v7, whose `getIronSession` takes only Node objects, and a version package.json does
//! not tell. iron-session v6's `withIronSessionApiRoute` (`iron-session/next`) has no App Router
//! form: v8 removed it; the note says how to get the recipe (upgrade, call `getIronSession`).

use swc_ecma_ast::*;

use super::{DepVersion, LibraryVersions};
use crate::parse::range;
use crate::transform::ast_util::imported_name;

const PACKAGE: &str = "iron-session";

/// The first major version with the cookie-store form.
const COOKIE_STORE_MAJOR: u64 = 8;

/// How the route may call `getIronSession`.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionGetter {
    /// Its local name: calls with the handler's `req` and `res` become the cookie-store form.
    Taken(String),
    /// Where the import is and why its calls are left as they are (P2A317).
    Declined { at: usize, why: String },
}

/// What the route imports from iron-session: `None` when it imports neither `getIronSession`
/// nor v6's `withIronSessionApiRoute`.
pub fn session_getter(module: &Module, libraries: &LibraryVersions) -> Option<SessionGetter> {
    for item in &module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
            continue;
        };
        if i.type_only {
            continue;
        }
        let from = i.src.value.to_atom_lossy();
        for s in &i.specifiers {
            let ImportSpecifier::Named(n) = s else {
                continue;
            };
            if n.is_type_only {
                continue;
            }
            let at = range(i.span).start;
            match (from.as_str(), imported_name(n).as_str()) {
                (PACKAGE, "getIronSession") => {
                    return Some(match version_without_store(libraries) {
                        None => SessionGetter::Taken(n.local.sym.to_string()),
                        Some(why) => SessionGetter::Declined { at, why },
                    })
                }
                ("iron-session/next", "withIronSessionApiRoute") => {
                    return Some(SessionGetter::Declined {
                        at,
                        why: "iron-session's `withIronSessionApiRoute` (v6, v7) has no App Router form: v8 removed it, and its App Router way is `getIronSession(await cookies(), options)`; with iron-session 8 in package.json and the handler calling `getIronSession(req, res, options)`, pages2app migrates the route".into(),
                    });
                }
                _ => {}
            }
        }
    }
    None
}

/// Why the app's iron-session has no cookie-store form, or `None` when it has.
fn version_without_store(libraries: &LibraryVersions) -> Option<String> {
    match libraries.version(PACKAGE) {
        Some(DepVersion::Major(m)) if m >= COOKIE_STORE_MAJOR => None,
        Some(DepVersion::Tag(_)) => None,
        Some(DepVersion::Major(m)) => Some(format!(
            "iron-session {m} (package.json) has no App Router form: `getIronSession(cookieStore, options)` came with v8; upgrade it (v8 keeps the sessions of v6 and v7 valid) and run pages2app again"
        )),
        Some(DepVersion::Unknown) => Some(format!(
            "package.json's iron-session range (`{}`) does not say its major version, and `getIronSession(cookieStore, options)` needs v8 or later",
            libraries.spec(PACKAGE).unwrap_or_default()
        )),
        None => Some(
            "package.json does not list iron-session, so its version is not known, and `getIronSession(cookieStore, options)` needs v8 or later".into(),
        ),
    }
}

/// The cookie-store call standing for `getIronSession(req, res, options)`: `callee` as the route
/// wrote it (type arguments included), `cookies` the name `next/headers`' `cookies` has in the
/// route, `options` the third argument's (rewritten) text.
pub fn cookie_store_call(callee: &str, cookies: &str, options: &str) -> String {
    format!("{callee}(await {cookies}(), {options})")
}

/// The P2A316 note of a route whose `getIronSession(req, res, ...)` calls were rewritten.
pub fn taken_message(callee: &str) -> String {
    format!(
        "iron-session: `{callee}(req, res, options)` became `{callee}(await cookies(), options)` (its App Router form, `cookies` from next/headers): the same session cookie, read and set through Next's cookie store, which writes the Set-Cookie header its own way (Path first, `SameSite=lax` for `Lax`, an Expires beside a non-zero Max-Age) and keeps one cookie per name (a second `save()` replaces the first instead of adding a header)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_module;
    use crate::route_path::Lang;

    fn getter(src: &str, package_json: &str) -> Option<SessionGetter> {
        let module = parse_module(src, Lang::Ts).expect("test source parses");
        session_getter(&module, &LibraryVersions::from_package_json(package_json))
    }

    const V8: &str = r#"{"dependencies":{"iron-session":"^8.0.4"}}"#;

    #[test]
    fn v8_and_later_take_the_local_name() {
        let src = "import { getIronSession as session } from 'iron-session'\n";
        for pkg in [
            V8,
            r#"{"dependencies":{"iron-session":"9.0.1"}}"#,
            r#"{"devDependencies":{"iron-session":"latest"}}"#,
        ] {
            assert_eq!(
                getter(src, pkg),
                Some(SessionGetter::Taken("session".into())),
                "{pkg}"
            );
        }
    }

    #[test]
    fn older_or_unknown_versions_are_declined_with_the_reason() {
        let src = "import { getIronSession } from 'iron-session'\n";
        for (pkg, why) in [
            (
                r#"{"dependencies":{"iron-session":"^6.3.1"}}"#,
                "iron-session 6",
            ),
            (
                r#"{"dependencies":{"iron-session":"7.x"}}"#,
                "iron-session 7",
            ),
            (r#"{"dependencies":{"iron-session":"*"}}"#, "(`*`)"),
            ("{}", "does not list iron-session"),
        ] {
            match getter(src, pkg) {
                Some(SessionGetter::Declined { at, why: got }) => {
                    assert_eq!(at, 0);
                    assert!(got.contains(why), "{pkg}: {got}");
                }
                other => panic!("{pkg}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_v6_wrapper_is_declined_and_other_imports_are_not_iron_session() {
        let v6 = "import x from 'y'\nimport { withIronSessionApiRoute } from 'iron-session/next'\n";
        match getter(v6, V8) {
            Some(SessionGetter::Declined { at, why }) => {
                assert_eq!(at, "import x from 'y'\n".len());
                assert!(why.contains("v8 removed it"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        for src in [
            "import { sealData } from 'iron-session'\n",
            "import type { IronSession } from 'iron-session'\n",
            "import { type getIronSession } from 'iron-session'\n",
            "import { getIronSession } from './iron-session'\n",
        ] {
            assert_eq!(getter(src, V8), None, "{src}");
        }
    }

    #[test]
    fn the_call_keeps_its_callee_and_options() {
        assert_eq!(
            cookie_store_call("getIronSession<SessionData>", "cookies", "sessionOptions"),
            "getIronSession<SessionData>(await cookies(), sessionOptions)"
        );
    }
}
