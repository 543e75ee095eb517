//! Diagnostics: what the tool reports about a file, with a stable code and a position.
//!
//! Codes are a public contract (scripts grep them, the JSON report carries them): never renumber
//! one; add new ones. `P2A0xx` input and output errors, `P2A1xx` shapes left for manual work
//! (the file is not touched), `P2A2xx` behaviour that changes and is reported, `P2A3xx` notes.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Every diagnostic the tool can emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    ParseError,
    ReadError,
    TargetExists,
    TargetConflict,
    InternalError,
    WriteError,
    UnmappablePath,
    TooDeeplyNested,
    NoDefaultExport,
    WrappedHandler,
    ReexportedHandler,
    NonRouteExport,
    ResponseEscapes,
    RequestEscapes,
    ResponseInCallback,
    ResponseNotInTail,
    StreamingResponse,
    UnsupportedResponseMember,
    UnsupportedRequestMember,
    UnsupportedHandlerShape,
    UnsupportedConfig,
    EdgeRuntimeHandler,
    ReservedCharacter,
    ImportedRoute,
    ResponseLimitDropped,
    ExternalResolverDropped,
    UnansweredMethods,
    BodyOfGetIgnored,
    PathWithoutResponse,
    ComputedRouteImport,
    WrapperBeforeBody,
    AdapterRoute,
    RevalidateIsLazy,
    PreviewDataUnsupported,
    BodyNotParsed,
    NonStandardMethods,
    PrivateSegmentEscaped,
    JsxRouteKeepsExtension,
    ErrorBodyEmpty,
    DanglingImport,
    ImportersFollow,
    ExportsMoved,
    DelegationReexported,
    NextAuthMethods,
    NextAuthV5Handlers,
    LibraryRecipe,
    TrpcMethods,
    RecipeDeclined,
    HelperDefaultArgument,
    DraftMode,
}

pub struct CodeInfo {
    pub code: Code,
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

pub const CODES: &[CodeInfo] = &[
    CodeInfo { code: Code::ParseError, id: "P2A001", name: "parse-error", severity: Severity::Error, summary: "The file is not valid JavaScript/TypeScript; it was left as it is." },
    CodeInfo { code: Code::ReadError, id: "P2A002", name: "read-error", severity: Severity::Error, summary: "The file could not be read (permissions, not UTF-8, or not a regular file)." },
    CodeInfo { code: Code::TargetExists, id: "P2A003", name: "target-exists", severity: Severity::Error, summary: "A route already serves this URL in app/; nothing is overwritten." },
    CodeInfo { code: Code::TargetConflict, id: "P2A004", name: "target-conflict", severity: Severity::Error, summary: "Two pages/api files map to the same route.ts; neither is migrated." },
    CodeInfo { code: Code::InternalError, id: "P2A005", name: "internal-error", severity: Severity::Error, summary: "The tool produced code that does not parse, or failed on this file; nothing was written. Please report it." },
    CodeInfo { code: Code::WriteError, id: "P2A006", name: "write-error", severity: Severity::Error, summary: "Writing the migrated file failed; the run was rolled back for this file." },
    CodeInfo { code: Code::UnmappablePath, id: "P2A007", name: "unmappable-path", severity: Severity::Error, summary: "A path segment means something else in app/ (a route group `(x)`, a slot `@x`) and cannot keep its URL there." },
    CodeInfo { code: Code::TooDeeplyNested, id: "P2A008", name: "too-deeply-nested", severity: Severity::Error, summary: "The code nests so deeply (thousands of levels) that parsing it could overflow the stack; the file was left as it is." },
    CodeInfo { code: Code::NoDefaultExport, id: "P2A101", name: "no-default-export", severity: Severity::Error, summary: "No default-exported handler: this file is not an API route Next can serve, or its shape is unknown." },
    CodeInfo { code: Code::WrappedHandler, id: "P2A102", name: "wrapped-handler", severity: Severity::Error, summary: "The default export is a call (a wrapper such as withAuth(handler)); wrappers must be ported to (Request) => Response by hand." },
    CodeInfo { code: Code::ReexportedHandler, id: "P2A103", name: "reexported-handler", severity: Severity::Error, summary: "The handler is re-exported from another module; migrate that module and re-export named methods." },
    CodeInfo { code: Code::NonRouteExport, id: "P2A104", name: "non-route-export", severity: Severity::Error, summary: "The file exports values besides the handler and config; route.ts may export only HTTP methods and segment config." },
    CodeInfo { code: Code::ResponseEscapes, id: "P2A105", name: "response-escapes", severity: Severity::Error, summary: "`res` is passed to or stored by other code, which may respond through it; that code must return a Response instead." },
    CodeInfo { code: Code::RequestEscapes, id: "P2A106", name: "request-escapes", severity: Severity::Error, summary: "`req` is passed to or stored by other code that expects a Node request; port that code to a web Request." },
    CodeInfo { code: Code::ResponseInCallback, id: "P2A107", name: "response-in-callback", severity: Severity::Error, summary: "The handler responds from inside a callback; wrap the callback in a Promise and return its Response." },
    CodeInfo { code: Code::ResponseNotInTail, id: "P2A108", name: "response-not-in-tail", severity: Severity::Error, summary: "Code runs after this response is sent; a Route Handler returns its Response, so that code would no longer run." },
    CodeInfo { code: Code::StreamingResponse, id: "P2A109", name: "streaming-response", severity: Severity::Error, summary: "res.write/writeHead/pipe streaming; rewrite it as a Response over a ReadableStream." },
    CodeInfo { code: Code::UnsupportedResponseMember, id: "P2A110", name: "unsupported-response-member", severity: Severity::Error, summary: "A `res` member with no automatic equivalent (revalidate, preview data, events, ...)." },
    CodeInfo { code: Code::UnsupportedRequestMember, id: "P2A111", name: "unsupported-request-member", severity: Severity::Error, summary: "A `req` member with no automatic equivalent (socket, events, stream reads, assignments, ...)." },
    CodeInfo { code: Code::UnsupportedHandlerShape, id: "P2A112", name: "unsupported-handler-shape", severity: Severity::Error, summary: "The handler's parameters or structure are not a shape the tool rewrites (destructured parameters, generators, ...)." },
    CodeInfo { code: Code::UnsupportedConfig, id: "P2A113", name: "unsupported-config", severity: Severity::Error, summary: "`export const config` is not a literal object the tool can read." },
    CodeInfo { code: Code::EdgeRuntimeHandler, id: "P2A114", name: "edge-runtime-handler", severity: Severity::Error, summary: "An edge-runtime API route (Request in, Response out); its params move from the query string to ctx.params." },
    CodeInfo { code: Code::ReservedCharacter, id: "P2A115", name: "reserved-character", severity: Severity::Error, summary: "The file holds a raw control character U+0001-U+0004, which pages2app uses as an internal marker; write it as an escape (\\u0001) and run again." },
    CodeInfo { code: Code::ImportedRoute, id: "P2A118", name: "imported-route", severity: Severity::Error, summary: "Another module of the app imports this route module in a way that cannot follow the move (a namespace import, require()/import(), a default import by code that is not a delegating route); moving it would break that import, so it stays in pages/api." },
    CodeInfo { code: Code::ResponseLimitDropped, id: "P2A201", name: "response-limit-dropped", severity: Severity::Warning, summary: "config.api.responseLimit has no Route Handler equivalent; the 4 MB response warning is gone." },
    CodeInfo { code: Code::ExternalResolverDropped, id: "P2A202", name: "external-resolver-dropped", severity: Severity::Warning, summary: "config.api.externalResolver has no Route Handler equivalent; it only silenced a dev warning." },
    CodeInfo { code: Code::UnansweredMethods, id: "P2A203", name: "unanswered-methods", severity: Severity::Warning, summary: "Some methods never got a response from the old handler (the request hung, or answered 500 where the code it ran threw); they now get Next's automatic 405 (OPTIONS: 204)." },
    CodeInfo {
        code: Code::BodyOfGetIgnored,
        id: "P2A204",
        name: "body-of-get-ignored",
        severity: Severity::Warning,
        summary: "The handler reads the body of GET/HEAD requests; Route Handlers receive those requests without a body, so it now reads as empty.",
    },
    CodeInfo {
        code: Code::PathWithoutResponse,
        id: "P2A205",
        name: "path-without-response",
        severity: Severity::Warning,
        summary: "A path through the handler ends without a response: Pages left such a request open (it hung); the migrated function returns nothing there, which Next answers with 500.",
    },
    CodeInfo { code: Code::NextAuthMethods, id: "P2A206", name: "next-auth-methods", severity: Severity::Warning, summary: "The next-auth v4 route exports GET and POST, as next-auth documents: its JSON answers lose `; charset=utf-8` and the ETag, and HEAD, PUT, PATCH, DELETE and OPTIONS, which next-auth answered 400 in Pages, now get Next's answers (405; OPTIONS 204; HEAD runs GET)." },
    CodeInfo { code: Code::TrpcMethods, id: "P2A207", name: "trpc-methods", severity: Severity::Warning, summary: "The tRPC route is fetchRequestHandler exported as GET and POST, as tRPC documents: PUT and PATCH of a mutation sent as JSON, which tRPC answered itself in Pages (405 with Allow: POST and a JSON error), and DELETE and OPTIONS sent without a content type, which it answered 415 with a JSON error, now get Next's answers (405 with an empty body; OPTIONS 204), and a POST with invalid JSON gets tRPC's 400 JSON error instead of Next's `400 Invalid JSON` (Pages' body parser no longer runs first)." },
    CodeInfo { code: Code::NextAuthV5Handlers, id: "P2A208", name: "next-auth-v5-handlers", severity: Severity::Warning, summary: "The next-auth v5 route exports `NextAuth(config).handlers` as GET and POST. In Pages, v5's `NextAuth(config)` returns { handlers, auth, signIn, signOut }, not a request handler, so the original route answered no auth request (Next answered 500); the migrated route serves them." },
    CodeInfo { code: Code::WrapperBeforeBody, id: "P2A211", name: "wrapper-before-body", severity: Severity::Warning, summary: "Pages parsed the request body before the handler's wrapper ran; the migrated wrapper runs first, so a request with invalid JSON (or a body over the size limit) that the wrapper turns away gets the wrapper's answer instead of 400 (413)." },
    CodeInfo { code: Code::ComputedRouteImport, id: "P2A210", name: "computed-route-import", severity: Severity::Warning, summary: "An import()/require() with a computed path may load this route from pages/api; after the move it is no longer there." },
    CodeInfo { code: Code::AdapterRoute, id: "P2A213", name: "adapter-route", severity: Severity::Warning, summary: "The route runs its original handler through the Pages req/res adapter (pages.adapt), because the idiomatic rewrite could not take its shape; behaviour is kept, the code is not yet idiomatic." },
    CodeInfo { code: Code::RevalidateIsLazy, id: "P2A214", name: "revalidate-is-lazy", severity: Severity::Warning, summary: "res.revalidate(path) runs as revalidatePath(path): the page is regenerated on its next visit, not before the call resolves, and failures are no longer reported." },
    CodeInfo { code: Code::PreviewDataUnsupported, id: "P2A215", name: "preview-data-unsupported", severity: Severity::Warning, summary: "res.setPreviewData() has no App Router equivalent: the route stays in pages/api, where it keeps working (through the adapter it would throw at run time; draft mode works)." },
    CodeInfo { code: Code::BodyNotParsed, id: "P2A301", name: "body-not-parsed", severity: Severity::Info, summary: "Pages parsed every request body (400 on invalid JSON, 413 over 1mb); the migrated functions that never read the body ignore it." },
    CodeInfo { code: Code::NonStandardMethods, id: "P2A302", name: "non-standard-methods", severity: Severity::Info, summary: "Pages ran the handler for any method; Route Handlers answer 400 to methods outside GET HEAD POST PUT PATCH DELETE OPTIONS (TRACE: 500)." },
    CodeInfo { code: Code::PrivateSegmentEscaped, id: "P2A303", name: "private-segment-escaped", severity: Severity::Info, summary: "A path segment starting with `_` is private in the App Router; its folder is written as %5F... to keep the URL." },
    CodeInfo { code: Code::JsxRouteKeepsExtension, id: "P2A304", name: "jsx-route", severity: Severity::Info, summary: "The route contains JSX, so it is written as route.tsx/route.jsx." },
    CodeInfo {
        code: Code::ErrorBodyEmpty,
        id: "P2A305",
        name: "error-body-empty",
        severity: Severity::Info,
        summary: "An exception can escape the migrated code: Pages answered it 500 with the body `Internal Server Error` (text/plain); a Route Handler answers 500 with an empty body.",
    },
    CodeInfo { code: Code::DanglingImport, id: "P2A009", name: "dangling-import", severity: Severity::Error, summary: "After the planned moves an import in a file the run would write no longer resolves; nothing was written for this route. This is a pages2app bug: please report it." },
    CodeInfo { code: Code::ImportersFollow, id: "P2A312", name: "importers-follow", severity: Severity::Info, summary: "Other modules import this route module; their imports are rewritten to the migrated route's new modules (a module beside route.ts, or a route re-exporting its methods)." },
    CodeInfo { code: Code::DelegationReexported, id: "P2A314", name: "delegation-reexported", severity: Severity::Info, summary: "The route only handed its requests to another route's handler; it now re-exports that route's migrated methods (`export { GET, POST } from '../other/route'`)." },
    CodeInfo { code: Code::LibraryRecipe, id: "P2A316", name: "library-recipe", severity: Severity::Info, summary: "The handler is a well-known library's Pages API handler; it became the App Router form that library documents (see README, Library recipes)." },
    CodeInfo { code: Code::RecipeDeclined, id: "P2A317", name: "library-recipe-declined", severity: Severity::Info, summary: "The handler is a well-known library's Pages API handler, but in a form or version its recipe does not take (the message says why: a createContext reading Pages' req/res, a tRPC option only its Node adapters have, ...); the route goes on as it would without the recipe." },
    CodeInfo { code: Code::HelperDefaultArgument, id: "P2A318", name: "helper-default-argument", severity: Severity::Info, summary: "A library response helper spelled out as the answer it sends (next-basics' `ok(res, data)`, `badRequest(res, msg)`) was given an argument that may be undefined at run time: the helper then answered its default (`{}`, `400 Bad Request`), the migrated answer is an empty body." },
    CodeInfo { code: Code::DraftMode, id: "P2A319", name: "draft-mode", severity: Severity::Info, summary: "`res.setDraftMode({ enable })` became `(await draftMode()).enable()` / `.disable()` from next/headers: the same `__prerender_bypass` cookie, written by Next's cookie store (attributes in its order, `SameSite=none` for `None`; cleared with an empty value where Pages sent the expired cookie with the preview id)." },
    CodeInfo { code: Code::ExportsMoved, id: "P2A313", name: "exports-moved", severity: Severity::Info, summary: "Exports route.ts may not carry (values such as authOptions, helpers, types other modules import) moved to a module beside the route; the route imports them from there." },
];

impl Code {
    pub fn info(self) -> &'static CodeInfo {
        CODES
            .iter()
            .find(|c| c.code == self)
            .expect("every Code has a CodeInfo entry")
    }
    pub fn id(self) -> &'static str {
        self.info().id
    }
    pub fn severity(self) -> Severity {
        self.info().severity
    }
    /// True for codes that stop a file from being migrated.
    pub fn blocks_migration(self) -> bool {
        self.severity() == Severity::Error
    }
    pub fn by_id(id: &str) -> Option<&'static CodeInfo> {
        let id = id.trim();
        CODES
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(id) || c.name == id)
    }
}

/// One finding about one file. `line`/`column` are 1-based; 0 when the finding has no position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            line: 0,
            column: 0,
        }
    }
    pub fn at(code: Code, message: impl Into<String>, src: &str, offset: usize) -> Self {
        let (line, column) = crate::text::line_col(src, offset);
        Diagnostic {
            code,
            message: message.into(),
            line,
            column,
        }
    }
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique() {
        let mut ids: Vec<_> = CODES.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), CODES.len());
        let mut names: Vec<_> = CODES.iter().map(|c| c.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CODES.len());
    }

    #[test]
    fn severity_follows_the_numbering() {
        for c in CODES {
            let expected = match &c.id[3..4] {
                "0" | "1" => Severity::Error,
                "2" => Severity::Warning,
                _ => Severity::Info,
            };
            assert_eq!(c.severity, expected, "{}", c.id);
        }
    }
}
