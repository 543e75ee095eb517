//! `@sentry/nextjs`: `export default withSentry(handler)` (v6, v7) and
//! `export default wrapApiHandlerWithSentry(handler, '/api/x')` (v7 on), also through a
//! namespace import (`Sentry.withSentry(handler)`).
//!
//! Both only instrument the handler: they report what it throws, and time it, and give the
//! request and the response through untouched, so the handler answers as it did without them.
//! In the App Router, Sentry's build-time instrumentation (`withSentryConfig` in next.config)
//! wraps every Route Handler with `wrapRouteHandlerWithSentry` itself, as it wrapped Pages API
//! routes; the wrapper is the Pages Router form of what the SDK does for a Route Handler.
//! So the recipe drops the wrapper and the handler migrates as if it were not wrapped (with the
//! app's own wrappers inside or outside it); the import goes when nothing else uses it.
//! `P2A316` says so, and where to put `wrapRouteHandlerWithSentry` back by hand when the
//! app turned the build-time instrumentation off (`autoInstrumentServerFunctions: false`).

use swc_ecma_ast::*;

use crate::transform::ast_util::imported_name;

/// Sentry's Pages API wrappers, by the name `@sentry/nextjs` exports them under.
const WRAPPERS: [&str; 2] = ["withSentry", "wrapApiHandlerWithSentry"];

const PACKAGE: &str = "@sentry/nextjs";

/// `callee` (`withSentry`, `Sentry.wrapApiHandlerWithSentry`, as written in the route) is one
/// of Sentry's Pages API wrappers imported from `@sentry/nextjs`: its exported name.
pub fn pages_api_wrapper(module: &Module, callee: &str) -> Option<&'static str> {
    let (namespace, name) = match callee.split_once('.') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, callee),
    };
    for item in &module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
            continue;
        };
        if i.type_only || i.src.value.to_atom_lossy().as_str() != PACKAGE {
            continue;
        }
        for s in &i.specifiers {
            match (s, namespace) {
                (ImportSpecifier::Namespace(n), Some(ns)) if n.local.sym == *ns => {
                    return WRAPPERS.into_iter().find(|w| *w == name);
                }
                (ImportSpecifier::Named(n), None) if n.local.sym == *name && !n.is_type_only => {
                    let imported = imported_name(n);
                    return WRAPPERS.into_iter().find(|w| *w == imported);
                }
                _ => {}
            }
        }
    }
    None
}

/// The `P2A316` note of a dropped Sentry wrapper (`callee` as the route wrote it).
pub fn dropped_message(callee: &str) -> String {
    format!(
        "`{callee}(...)` (@sentry/nextjs) is dropped: it only instruments the handler, and in the App Router Sentry's build-time instrumentation (`withSentryConfig` in next.config) wraps every Route Handler with `wrapRouteHandlerWithSentry` itself; if the app sets `autoInstrumentServerFunctions: false`, wrap each export by hand: `export const GET = wrapRouteHandlerWithSentry(handler, {{ method: 'GET', parameterizedRoute }})`"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_module;
    use crate::route_path::Lang;

    fn wrapper_of(src: &str, callee: &str) -> Option<&'static str> {
        let module = parse_module(src, Lang::Ts).expect("test source parses");
        pages_api_wrapper(&module, callee)
    }

    #[test]
    fn sentry_wrappers_are_known_by_their_import() {
        let named =
            "import { withSentry, wrapApiHandlerWithSentry as wrap } from '@sentry/nextjs'\n";
        assert_eq!(wrapper_of(named, "withSentry"), Some("withSentry"));
        assert_eq!(wrapper_of(named, "wrap"), Some("wrapApiHandlerWithSentry"));
        let ns = "import * as Sentry from '@sentry/nextjs'\n";
        assert_eq!(
            wrapper_of(ns, "Sentry.wrapApiHandlerWithSentry"),
            Some("wrapApiHandlerWithSentry")
        );
        // Other names of the package, other packages, a namespace of another name: not Sentry's.
        assert_eq!(wrapper_of(ns, "Sentry.captureException"), None);
        assert_eq!(wrapper_of(ns, "Other.withSentry"), None);
        assert_eq!(
            wrapper_of("import { withSentry } from '../lib/sentry'\n", "withSentry"),
            None
        );
        assert_eq!(wrapper_of(named, "Sentry.withSentry"), None);
    }
}
