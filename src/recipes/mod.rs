//! Library recipes: a route whose handler is a well-known library's Pages API handler becomes
//! the App Router form that library documents, instead of going through the adapter. One file
//! per library; each recipe looks at the parsed route and either migrates it, declines it with a
//! note saying why (P2A317: the library's handler, in a form or version the recipe does not
//! take), or finds it is not its library's; a declined route goes on to the adapter, or stays
//! manual, as before.
//!
//! - [`next_auth`]: `export default NextAuth(authOptions)` (next-auth v4) becomes
//!   `const handler = NextAuth(authOptions)` + `export { handler as GET, handler as POST }`;
//!   with next-auth v5 in package.json, `export const { GET, POST } = NextAuth(config).handlers`.
//! - [`trpc`]: `export default createNextApiHandler({ router, ... })` becomes
//!   `const handler = (req: Request) => fetchRequestHandler({ endpoint, req, router, ... })` +
//!   `export { handler as GET, handler as POST }`.
//! - [`sentry`]: `export default withSentry(handler)` / `wrapApiHandlerWithSentry(handler, route)`
//!   loses the wrapper (Sentry's build-time instrumentation wraps Route Handlers itself); the
//!   handler migrates as without it. Applied by the rewrite, not here: it is no whole-route form.
//! - [`next_basics`]: calls of next-basics' response helpers (`ok(res, data)`,
//!   `badRequest(res)`, ...) become the `res` answers they stand for before the rewrite, taken
//!   when the route then gets the idiomatic rewrite. Applied by the transform, not here.
//! - [`next_connect`]: a router of one function per method (`createRouter()` of 1.x, `nc()` of
//!   0.x) becomes the handler switching on the method it stands for, `onError` a `try`/`catch`,
//!   `onNoMatch` (or the version's default 404) the default branch; the rewrite then gives each
//!   method its export. Applied by the transform before the rewrite, not here.
//! - [`micro_cors`]: `export default cors(handler)` with `const cors = Cors(options)` becomes the
//!   headers micro-cors set, at the top of the handler, before the rewrite; taken when the route
//!   then gets the idiomatic rewrite. Applied by the transform, not here.
//! - [`iron_session`]: v8's `getIronSession(req, res, options)` becomes
//!   `getIronSession(await cookies(), options)`. Applied by the rewrite, at the call.
//!
//! The app's dependency versions ([`LibraryVersions`], read once per app from its package.json)
//! reach every recipe through [`RouteInput::libraries`].

pub mod iron_session;
pub mod micro_cors;
mod next_auth;
pub mod next_basics;
pub mod next_connect;
pub mod sentry;
pub mod spelled;
mod trpc;
pub mod versions;

use swc_ecma_ast::Module;

pub use versions::{DepVersion, LibraryVersions};

use crate::diagnostics::Diagnostic;
use crate::transform::{Migrated, RouteInput};

/// What a recipe made of a route.
#[derive(Debug)]
pub enum Recipe {
    /// The App Router form the library documents.
    Taken(Migrated),
    /// The library's handler, but not one the recipe can take: the notes say why (P2A317); the
    /// route goes on as it would without recipes, with these notes added.
    Declined(Vec<Diagnostic>),
    /// Not this library's handler.
    NotMine,
}

/// The first recipe that takes the route, or the notes of those that declined it.
pub fn migrate(input: &RouteInput, module: &Module) -> Recipe {
    let mut notes = Vec::new();
    for recipe in [next_auth::migrate, trpc::migrate] {
        match recipe(input, module) {
            Recipe::Taken(m) => return Recipe::Taken(m),
            Recipe::Declined(d) => notes.extend(d),
            Recipe::NotMine => {}
        }
    }
    if notes.is_empty() {
        Recipe::NotMine
    } else {
        Recipe::Declined(notes)
    }
}

/// `name` appears in `src` as a whole word (an identifier, a property, in a string or comment:
/// a name a generated binding must not take).
pub(crate) fn word_used(src: &str, name: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
    src.match_indices(name).any(|(at, _)| {
        !word(src[..at].chars().next_back()) && !word(src[at + name.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::parse::parse_module;
    use crate::route_path::{Lang, ParamKind, RouteParam};

    fn run(src: &str, url: &str, package_json: &str) -> Recipe {
        with_input(src, url, package_json, migrate)
    }

    /// `f` given the route `src` at `url` of an app with `package_json`.
    fn with_input<T>(
        src: &str,
        url: &str,
        package_json: &str,
        f: impl FnOnce(&RouteInput, &Module) -> T,
    ) -> T {
        let module = parse_module(src, Lang::Ts).expect("test source parses");
        let libraries = LibraryVersions::from_package_json(package_json);
        let params: Vec<RouteParam> = url
            .split('/')
            .filter_map(|s| s.strip_prefix('[')?.strip_suffix(']').map(str::to_string))
            .map(|n| match n.strip_prefix("...") {
                Some(n) => RouteParam {
                    name: n.to_string(),
                    kind: ParamKind::CatchAll,
                },
                None => RouteParam {
                    name: n,
                    kind: ParamKind::Single,
                },
            })
            .collect();
        let target = format!("app/(api){url}/route.ts");
        let source = format!("pages{url}.ts");
        let input = RouteInput {
            src,
            lang: Lang::Ts,
            source: &source,
            target: &target,
            params: &params,
            compat_spec: "../_pages2app/compat",
            adapter: true,
            url,
            libraries: &libraries,
            foreign: &[],
        };
        f(&input, &module)
    }

    fn declined_because(r: Recipe) -> String {
        match r {
            Recipe::Declined(d) => {
                assert!(d.iter().all(|d| d.code == Code::RecipeDeclined));
                d.iter().map(|d| d.message.clone()).collect()
            }
            other => panic!("expected a decline, got {other:?}"),
        }
    }

    const TRPC: &str = "import { createNextApiHandler } from '@trpc/server/adapters/next'\nimport { appRouter } from '../../server/trpc'\n\n";

    #[test]
    fn trpc_without_context_reading_the_request_is_taken() {
        for options in [
            "{ router: appRouter }",
            "{ router: appRouter, createContext: () => ({}) }",
            "{ router: appRouter, createContext: ({ info }) => ({ info }) }",
            "{ router: appRouter, createContext(opts) { return { calls: opts.info.calls } } }",
            "{ router: appRouter, onError: ({ error }) => console.error(error), maxBatchSize: 10 }",
            "{ router: appRouter, createContext }",
        ] {
            let src = format!("{TRPC}export default createNextApiHandler({options})\nfunction createContext() {{ return {{}} }}\n");
            match run(&src, "/api/trpc/[trpc]", "{}") {
                Recipe::Taken(m) => {
                    assert!(
                        m.text
                            .contains("fetchRequestHandler({ endpoint: '/api/trpc', req, router"),
                        "{}",
                        m.text
                    );
                    assert!(m
                        .text
                        .contains("export { handler as GET, handler as POST }"));
                    assert!(!m.text.contains("createNextApiHandler"));
                }
                other => panic!("{options}: {other:?}"),
            }
        }
    }

    #[test]
    fn trpc_reading_pages_objects_is_declined_with_the_reason() {
        for (options, why) in [
            (
                "{ router: appRouter, createContext: ({ req, res }) => ({ req, res }) }",
                "reads `req`",
            ),
            (
                "{ router: appRouter, createContext: (opts) => opts }",
                "as a whole",
            ),
            (
                "{ router: appRouter, createContext: (opts: any) => ({}) }",
                "types its argument",
            ),
            (
                "{ router: appRouter, createContext: ({ ...all }) => all }",
                "rest",
            ),
            (
                "{ router: appRouter, onError: ({ req }) => console.log(req.url) }",
                "reads `req`",
            ),
            (
                "{ router: appRouter, middleware: (req, res, next) => next() }",
                "Node adapters",
            ),
            ("{ router: appRouter, endpoint: '/x' }", "`endpoint`"),
            ("{ ...base, router: appRouter }", "spread"),
            ("options", "not an object literal"),
            ("{ createContext: () => ({}) }", "no `router`"),
        ] {
            let src = format!("{TRPC}export default createNextApiHandler({options})\n");
            let msg = declined_because(run(&src, "/api/trpc/[trpc]", "{}"));
            assert!(msg.contains(why), "{options}: {msg}");
        }
        let src = format!("{TRPC}export default createNextApiHandler({{ router: appRouter }})\n");
        assert!(declined_because(run(&src, "/api/[org]/trpc/[trpc]", "{}"))
            .contains("dynamic segments"));
        assert!(declined_because(run(&src, "/api/rpc/[path]", "{}")).contains("not named `[trpc]`"));
        let src = format!("{TRPC}export const config = {{ maxDuration: 5 }}\nexport default createNextApiHandler({{ router: appRouter }})\n");
        assert!(declined_because(run(&src, "/api/trpc/[trpc]", "{}")).contains("config"));
    }

    #[test]
    fn trpc_decline_points_at_what_it_names() {
        let at = |src: &str| match run(src, "/api/trpc/[trpc]", "{}") {
            Recipe::Declined(d) => (d[0].line, d[0].column),
            other => panic!("expected a decline, got {other:?}"),
        };
        // TRPC is three lines: the export is on line 4.
        let src = format!(
            "{TRPC}export default createNextApiHandler({{\n  router: appRouter,\n  maxBodySize: 10,\n}})\n"
        );
        assert_eq!(at(&src), (6, 3));
        let src = format!("{TRPC}export default createNextApiHandler(options)\n");
        assert_eq!(at(&src), (4, 37));
        let src = format!("{TRPC}export default createNextApiHandler({{ batching: {{}} }})\n");
        assert_eq!(at(&src), (4, 1));
        let src = format!("{TRPC}export default createNextApiHandler({{ router: appRouter }})\nexport const config = {{ maxDuration: 5 }}\n");
        assert_eq!(at(&src), (5, 1));
    }

    #[test]
    fn trpc_bound_handler_keeps_its_name_and_catch_all_works() {
        let src = format!("{TRPC}const handler = createNextApiHandler({{\n  router: appRouter,\n}})\n\nexport default handler\n");
        let Recipe::Taken(m) = run(&src, "/api/v1/trpc/[...trpc]", "{}") else {
            panic!("not taken");
        };
        assert!(m.text.contains("const handler = (req: Request) => fetchRequestHandler({\n  endpoint: '/api/v1/trpc',\n  req,\n  router: appRouter,\n})\n\nexport { handler as GET, handler as POST }\n"), "{}", m.text);
        assert!(m
            .text
            .contains("import { fetchRequestHandler } from '@trpc/server/adapters/fetch'"));
    }

    #[test]
    fn not_a_library_handler_is_not_mine() {
        let src = "import { withAuth } from '../lib/auth'\nexport default withAuth((req, res) => res.json({}))\n";
        assert!(matches!(run(src, "/api/x", "{}"), Recipe::NotMine));
    }

    const NEXT_AUTH: &str =
        "import NextAuth from 'next-auth'\n\nexport default NextAuth({ providers: [] })\n";

    #[test]
    fn next_auth_version_decides_the_recipe() {
        for v4 in [
            "{}",
            r#"{"dependencies": {"next-auth": "^4.24.13"}}"#,
            r#"{"devDependencies": {"next-auth": "4.x"}}"#,
            r#"{"dependencies": {"next-auth": "latest"}}"#,
            r#"{"dependencies": {"next-auth": "workspace:*"}}"#,
            "not json",
        ] {
            assert!(
                matches!(
                    run(NEXT_AUTH, "/api/auth/[...nextauth]", v4),
                    Recipe::Taken(_)
                ),
                "{v4}"
            );
        }
        for v5 in [
            r#"{"dependencies": {"next-auth": "5.0.0-beta.25"}}"#,
            r#"{"dependencies": {"next-auth": "beta"}}"#,
            r#"{"dependencies": {"next-auth": "^5"}}"#,
            r#"{"dependencies": {"next-auth": "5.x"}}"#,
        ] {
            let Recipe::Taken(m) = run(NEXT_AUTH, "/api/auth/[...nextauth]", v5) else {
                panic!("{v5}: not taken");
            };
            assert!(
                m.text.ends_with(
                    "\n\nexport const { GET, POST } = NextAuth({ providers: [] }).handlers\n"
                ),
                "{v5}: {}",
                m.text
            );
            assert_eq!(m.methods, ["GET", "POST"]);
            let codes: Vec<Code> = m.diagnostics.iter().map(|d| d.code).collect();
            assert_eq!(
                codes,
                [
                    Code::LibraryRecipe,
                    Code::NextAuthV5Handlers,
                    Code::NonStandardMethods
                ],
                "{v5}"
            );
            assert!(m.diagnostics[0].message.contains("v5"), "{v5}");
        }
    }

    const V5: &str = r#"{"dependencies": {"next-auth": "5.0.0-beta.25"}}"#;

    #[test]
    fn next_auth_v5_bound_handler_keeps_its_name_and_semicolons() {
        let src = "import NextAuth from 'next-auth';\n\nconst handler = NextAuth({ providers: [] });\n\nexport default handler;\n";
        let Recipe::Taken(m) = run(src, "/api/auth/[...nextauth]", V5) else {
            panic!("not taken");
        };
        assert_eq!(
            m.text,
            "import NextAuth from 'next-auth';\n\nconst handler = NextAuth({ providers: [] });\n\nexport const { GET, POST } = handler.handlers;\n"
        );
    }

    #[test]
    fn next_auth_v5_declines_where_get_or_post_is_taken() {
        let src = "import NextAuth from 'next-auth'\nimport { GET } from '../../lib/get'\n\nexport default NextAuth({ providers: [] })\n";
        let msg = declined_because(run(src, "/api/auth/[...nextauth]", V5));
        assert!(
            msg.contains("`GET`") && msg.contains("app/(api)/api/auth/[...nextauth]/route.ts"),
            "{msg}"
        );
        // In a comment or a string it is no name.
        let src = "import NextAuth from 'next-auth'\n\n// GET and POST\nexport default NextAuth({ providers: [], x: 'POST' })\n";
        assert!(matches!(
            run(src, "/api/auth/[...nextauth]", V5),
            Recipe::Taken(_)
        ));
    }

    #[test]
    fn recipes_end_with_the_non_standard_methods_note() {
        let trpc = format!("{TRPC}export default createNextApiHandler({{ router: appRouter }})\n");
        for (src, pkg) in [(NEXT_AUTH, "{}"), (NEXT_AUTH, V5), (trpc.as_str(), "{}")] {
            let url = if src.contains("trpc") {
                "/api/trpc/[trpc]"
            } else {
                "/api/auth/[...nextauth]"
            };
            let Recipe::Taken(m) = run(src, url, pkg) else {
                panic!("{src}: not taken");
            };
            let last = m.diagnostics.last().expect("diagnostics");
            assert_eq!(last.code, Code::NonStandardMethods);
            assert_eq!(last.message, crate::transform::NON_STANDARD_METHODS_MESSAGE);
            assert!(m
                .diagnostics
                .iter()
                .all(|d| (d.line, d.column) == (last.line, last.column)));
        }
    }

    const NC1: &str = "import { createRouter } from 'next-connect'\nimport type { NextApiRequest, NextApiResponse } from 'next'\n\nconst router = createRouter<NextApiRequest, NextApiResponse>()\n\n";
    const NC_PKG1: &str = r#"{ "dependencies": { "next-connect": "^1.0.0" } }"#;

    fn desugar(src: &str, pkg: &str) -> Option<Result<next_connect::Desugared, String>> {
        with_input(src, "/api/users", pkg, next_connect::desugar)
    }

    #[test]
    fn next_connect_router_becomes_a_method_switch() {
        let src = format!("{NC1}router.get(async (req, res) => {{\n  res.json({{ ok: true }})\n}})\n\nrouter.post(async (req, res) => {{\n  res.status(201).json(req.body)\n}})\n\nexport default router.handler()\n");
        let d = desugar(&src, NC_PKG1)
            .expect("a next-connect route")
            .expect("taken");
        // HEAD falls into GET; the library's default 404 is the default branch; the 1.x
        // default onError is Pages' own 500, so no try. The bodies sit at the function's
        // indent, where the rewrite puts each method's export.
        assert!(
            d.text.contains("case 'HEAD':\n  case 'GET':\n  res.json"),
            "{}",
            d.text
        );
        assert!(d.text.contains("case 'POST':"), "{}", d.text);
        assert!(
            d.text
                .contains("res.status(404).end(`Route ${req.method} ${req.url} not found`)"),
            "{}",
            d.text
        );
        assert!(!d.text.contains("try {"), "{}", d.text);
        assert!(!d.text.contains("createRouter<"), "{}", d.text);
        assert_eq!(d.factory, "createRouter");
    }

    #[test]
    fn next_connect_on_error_and_on_no_match_are_spelled_out() {
        let src = format!("{NC1}router.get((req, res) => {{\n  res.json(read())\n}})\n\nexport default router.handler({{\n  onError(err, req, res) {{\n    res.status(500).json({{ error: String(err) }})\n  }},\n  onNoMatch(req, res) {{\n    res.status(405).end()\n  }},\n}})\n");
        let d = desugar(&src, NC_PKG1)
            .expect("next-connect")
            .expect("taken");
        assert!(d.text.contains("try {"), "{}", d.text);
        assert!(d.text.contains("} catch (err) {"), "{}", d.text);
        assert!(d.text.contains("res.status(405).end()"), "{}", d.text);
        assert!(!d.text.contains("not found"), "{}", d.text);
    }

    #[test]
    fn next_connect_zero_has_its_own_defaults() {
        let src = "import nc from 'next-connect'\n\nexport default nc().get((req, res) => {\n  res.send('now')\n})\n";
        let pkg = r#"{ "dependencies": { "next-connect": "0.13.0" } }"#;
        let d = desugar(src, pkg).expect("next-connect").expect("taken");
        assert!(
            d.text.contains("res.status(404).end('not found')"),
            "{}",
            d.text
        );
        assert!(
            d.text
                .contains("res.status(err.status || 500).end(err.message)"),
            "{}",
            d.text
        );
    }

    #[test]
    fn next_connect_shapes_it_does_not_take_say_why() {
        let export = "export default router.handler()\n";
        for (body, why) in [
            (
                "router.use(auth)\nrouter.get((req, res) => {\n  res.end()\n})\n",
                "`.use(...)`",
            ),
            (
                "router.all((req, res) => {\n  res.end()\n})\n",
                "`.all(...)`",
            ),
            (
                "router.get('/a', (req, res) => {\n  res.end()\n})\n",
                "path pattern",
            ),
            (
                "router.get(check, (req, res) => {\n  res.end()\n})\n",
                "",
            ),
            (
                "router.get((req, res, next) => {\n  next()\n})\n",
                "`next`",
            ),
            (
                "router.get((req, res) => {\n  res.end()\n})\nrouter.get((req, res) => {\n  res.end()\n})\n",
                "twice",
            ),
        ] {
            let src = format!("{NC1}{body}\n{export}");
            match desugar(&src, NC_PKG1) {
                Some(Err(reason)) => assert!(reason.contains(why), "{body}: {reason}"),
                other => panic!("{body}: expected a decline, got {other:?}"),
            }
        }
    }

    #[test]
    fn next_connect_version_must_match_the_import() {
        let src = format!("{NC1}router.get((req, res) => {{\n  res.end()\n}})\n\nexport default router.handler()\n");
        for pkg in [
            r#"{ "dependencies": { "next-connect": "^0.13.0" } }"#,
            r#"{ "dependencies": { "next-connect": "^2.0.0" } }"#,
        ] {
            assert!(matches!(desugar(&src, pkg), Some(Err(_))), "{pkg}");
        }
        // No package.json version: the import says which.
        assert!(matches!(desugar(&src, "{}"), Some(Ok(_))));
        // Not next-connect at all.
        assert!(desugar("export default function h(req, res) { res.end() }\n", "{}").is_none());
    }

    fn spelled(src: &str) -> Option<Result<spelled::Spelled, (usize, String)>> {
        let module = parse_module(src, Lang::Ts).expect("test source parses");
        next_basics::desugar(&module, src)
    }

    #[test]
    fn next_basics_calls_become_the_answers_they_send() {
        let src = "import { badRequest, ok, methodNotAllowed } from 'next-basics';\nimport { db } from '../lib/db';\n\nexport default async (req, res) => {\n  if (!req.query.id) return badRequest(res);\n  if (req.method === 'GET') return ok(res, { id: 1 });\n  return methodNotAllowed(res, 'no');\n};\n";
        let d = spelled(src).expect("next-basics").expect("taken");
        assert_eq!(
            d.text,
            "import { db } from '../lib/db';\n\nexport default async (req, res) => {\n  if (!req.query.id) return res.status(400).end('400 Bad Request');\n  if (req.method === 'GET') return res.status(200).json({ id: 1 });\n  return res.status(405).end('no');\n};\n"
        );
        // Literal arguments cannot be undefined: no P2A318.
        assert!(d.defaulted.is_empty());
    }

    #[test]
    fn next_basics_keeps_other_imports_and_notes_arguments_that_may_be_undefined() {
        let src = "import { ok as sendOk, getRandomChars } from \"next-basics\"\n\nexport default function h(req, res) {\n  return sendOk(res, load())\n}\n";
        let d = spelled(src).expect("next-basics").expect("taken");
        assert!(
            d.text
                .starts_with("import { getRandomChars } from \"next-basics\"\n"),
            "{}",
            d.text
        );
        assert!(
            d.text.contains("return res.status(200).json(load())"),
            "{}",
            d.text
        );
        assert_eq!(d.defaulted.len(), 1);
        assert!(
            d.defaulted[0].1.contains("`ok(res, load())`"),
            "{:?}",
            d.defaulted
        );
    }

    #[test]
    fn next_basics_send_and_redirect_set_their_header_then_answer() {
        let src = "import { send, redirect } from 'next-basics';\n\nexport default async (req, res) => {\n  if (!req.query.id) return redirect(res, '/login');\n  if (req.query.js) return send(res, 'x()', 'application/javascript');\n  return send(res, req.query.id);\n};\n";
        let d = spelled(src).expect("next-basics").expect("taken");
        assert!(
            d.text
                .contains("return res.setHeader('Location', '/login').status(303).end();"),
            "{}",
            d.text
        );
        assert!(
            d.text.contains(
                "return res.setHeader('Content-Type', 'application/javascript').status(200).send('x()');"
            ),
            "{}",
            d.text
        );
        assert!(
            d.text
                .contains("return res.setHeader('Content-Type', 'text/plain').status(200).send(req.query.id);"),
            "{}",
            d.text
        );
        // Neither has a default for its data or URL; a type that may be undefined is noted.
        assert!(d.defaulted.is_empty(), "{:?}", d.defaulted);
        let typed = "import { send } from 'next-basics';\nexport default (req, res) => send(res, 'x', req.query.type);\n";
        let d = spelled(typed).expect("next-basics").expect("taken");
        assert_eq!(d.defaulted.len(), 1);
        assert!(
            d.defaulted[0].1.contains("`text/plain`"),
            "{:?}",
            d.defaulted
        );
    }

    #[test]
    fn next_basics_uses_it_does_not_take_say_why_and_where() {
        let import = "import { ok, redirect } from 'next-basics';\n";
        for (body, why) in [
            ("export default (req, res) => redirect(res);\n", "no URL"),
            (
                "export default (req, res) => [ok].map((f) => f(res));\n",
                "other than by calling it",
            ),
            ("export default (req, res) => ok(...args);\n", "spreads"),
            (
                "export default (req, res) => ok(res, 1, 2);\n",
                "more arguments",
            ),
            (
                "export default (req, res) => ok(res.x, 1);\n",
                "first argument",
            ),
        ] {
            let src = format!("{import}{body}");
            match spelled(&src) {
                Some(Err((at, reason))) => {
                    assert!(reason.contains(why), "{body}: {reason}");
                    assert!(
                        at >= import.len(),
                        "{body}: the note points into the code, not at {at}"
                    );
                }
                other => panic!("{body}: expected a decline, got {other:?}"),
            }
        }
        // No helper imported: not the recipe's.
        assert!(spelled("import { getRandomChars } from 'next-basics';\nexport default (req, res) => res.end(getRandomChars(3));\n").is_none());
    }
}
