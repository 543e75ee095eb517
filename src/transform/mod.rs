//! The transform of one route file: analyse the handler, plan edits, produce the route.ts text.
//!
//! Stages, each in its own module: [`handler`] finds the default-exported handler and config,
//! [`config`] reads the config, [`usage`] rewrites every `req`/`res` use, [`spec`] specializes the
//! body per HTTP method, then [`emit`] builds the exported functions and this module splices
//! everything into the original text, removes imports the rewrite left unused ([`imports`]), and
//! re-parses the result.

pub mod adapter;
pub(crate) mod ast_util;
mod codegen;
mod config;
pub mod delegates;
mod emit;
mod exits;
mod handler;
pub(crate) mod imports;
pub(crate) mod method_map;
mod middleware;
mod names;
mod raw_readers;
mod removal;
mod reparse;
pub mod spec;
pub mod twins;
mod usage;
mod wrappers;

use std::collections::HashSet;

use swc_ecma_ast::*;

use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::edit::{compose, Copied, Edit, EditSet, Needs};
use crate::parse::{parse_module, range};
use crate::recipes::spelled::Spelled;
use crate::route_path::{Lang, RouteParam};
use crate::text::newline_of;

pub use imports::{rebase_edits, rebase_specifier, relative};
pub use removal::{removal, removal_with_comments};

/// P2A302's message, on every migrated route (the rewrite, the adapter and the library recipes):
/// Next answers methods outside its list itself.
pub const NON_STANDARD_METHODS_MESSAGE: &str = "methods other than GET HEAD POST PUT PATCH DELETE OPTIONS now get 400 (TRACE: 500) instead of reaching the handler";

/// One route file to migrate.
pub struct RouteInput<'a> {
    pub src: &'a str,
    pub lang: Lang,
    /// Source path relative to the run root, `/`-separated.
    pub source: &'a str,
    /// Target path relative to the run root.
    pub target: &'a str,
    pub params: &'a [RouteParam],
    /// The module specifier of the compat module, relative to the target's folder.
    pub compat_spec: &'a str,
    /// Routes the rewrite cannot do for their handler's shape go through the Pages req/res
    /// adapter ([`adapter`]) instead of staying manual (`--adapter never` turns it off).
    pub adapter: bool,
    /// The URL pattern the route serves (`/api/trpc/[trpc]`).
    pub url: &'a str,
    /// The app's dependencies as its package.json lists them (read once per app), for the
    /// library recipes whose form depends on the version.
    pub libraries: &'a crate::recipes::LibraryVersions,
    /// The route's imports of the app's helper modules that have twins ([`twins`]).
    pub foreign: &'a [twins::ForeignImport],
}

/// How a route was migrated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The idiomatic rewrite: one function per method on the web Request.
    Rewrite,
    /// The original handler behind the compat module's `adapt`.
    Adapter,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Rewrite => "rewrite",
            Mode::Adapter => "adapter",
        }
    }
}

/// A migrated route.
#[derive(Debug)]
pub struct Migrated {
    pub text: String,
    /// Stretches of `text` copied verbatim from the source (hints for the patch's line diff).
    pub copied: Vec<Copied>,
    /// Exported HTTP methods, in [`spec::METHODS`] order.
    pub methods: Vec<&'static str>,
    /// The compat helpers the route imports.
    pub helpers: Needs,
    pub diagnostics: Vec<Diagnostic>,
    /// The route contains JSX (a `.tsx` source then needs `route.tsx`).
    pub has_jsx: bool,
    pub mode: Mode,
    /// The helper modules whose twins the route now imports (indices of
    /// [`twins::ForeignImport::twin`]), sorted.
    pub twins: Vec<usize>,
}

#[derive(Debug)]
pub enum RouteOutcome {
    Migrated(Migrated),
    /// Left untouched: the diagnostics say why.
    Manual(Vec<Diagnostic>),
    /// The file could not be processed (syntax error, internal error).
    Failed(Vec<Diagnostic>),
}

pub(crate) fn dir_of(p: &str) -> &str {
    p.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Migrates one route file.
pub fn migrate_route(input: &RouteInput) -> RouteOutcome {
    let src = input.src;
    let module = match parse_module(src, input.lang) {
        Ok(m) => m,
        Err(e) => {
            return RouteOutcome::Failed(vec![Diagnostic::at(
                Code::ParseError,
                format!("syntax error: {}", e.message),
                src,
                e.offset,
            )])
        }
    };
    // Libraries spelled out before the rewrite: micro-cors' wrapper (the headers it set at the
    // top of the handler), next-basics' response helpers (the answers they send). The route
    // spelled out is migrated as that when it then gets the idiomatic rewrite; else as it is,
    // with the reason.
    type Spell = fn(&Module, &str) -> Option<Result<Spelled, (usize, String)>>;
    let spelled_recipes: [(Spell, &str, &str); 2] = [
        (
            crate::recipes::micro_cors::desugar,
            "the wrapper",
            "micro-cors' wrapper is not spelled out",
        ),
        (
            crate::recipes::next_basics::desugar,
            "the calls",
            "next-basics' response helpers are not spelled out",
        ),
    ];
    let mut recipe_notes = Vec::new();
    for (desugar, what, declined) in spelled_recipes {
        let Some(d) = desugar(&module, src) else {
            continue;
        };
        let (at, why) = match d {
            Ok(d) => match spelled_out(input, &d, what) {
                Ok(m) => return RouteOutcome::Migrated(m),
                Err(why) => (d.note_at, why),
            },
            Err(e) => e,
        };
        recipe_notes.push(Diagnostic::at(
            Code::RecipeDeclined,
            format!("{declined}: {why}"),
            src,
            at,
        ));
    }
    // iron-session of a version without the cookie-store form: its calls are left as they are.
    if let Some(crate::recipes::iron_session::SessionGetter::Declined { at, why }) =
        crate::recipes::iron_session::session_getter(&module, input.libraries)
    {
        recipe_notes.push(Diagnostic::at(Code::RecipeDeclined, why, src, at));
    }
    with_notes(migrate_module(input, &module), recipe_notes)
}

/// The route with a library's calls or wrapper (`what`) spelled out (`d`), when it then gets the
/// idiomatic rewrite; `Err` with where and why it does not.
fn spelled_out(input: &RouteInput, d: &Spelled, what: &str) -> Result<Migrated, String> {
    let module = parse_module(&d.text, input.lang).map_err(|e| {
        format!(
            "with {what} spelled out, the route does not parse ({})",
            e.message
        )
    })?;
    let spelled = RouteInput {
        src: &d.text,
        ..*input
    };
    let src = input.src;
    match migrate_module(&spelled, &module) {
        RouteOutcome::Migrated(mut m) if m.mode == Mode::Rewrite => {
            m.copied = compose(&d.copied, &m.copied, m.text.len());
            let mut diagnostics = vec![Diagnostic::at(
                Code::LibraryRecipe,
                d.note.clone(),
                src,
                d.note_at,
            )];
            diagnostics.extend(d.defaulted.iter().map(|(at, message)| {
                Diagnostic::at(Code::HelperDefaultArgument, message.clone(), src, *at)
            }));
            diagnostics.extend(m.diagnostics.into_iter().map(|x| d.place(src, x)));
            m.diagnostics = diagnostics;
            Ok(m)
        }
        RouteOutcome::Migrated(m) => Err(m
            .diagnostics
            .into_iter()
            .find(|x| x.code == Code::AdapterRoute)
            .map_or_else(
                || format!("with {what} spelled out, the route still needs the adapter"),
                |x| {
                    let x = d.place(src, x);
                    // The adapter's note says where the rewrite stopped in the spelled-out
                    // text; the place in the route's source is given instead.
                    let why = x
                        .message
                        .split_once("the rewrite stopped at ")
                        .and_then(|(_, rest)| rest.split_once(" with "))
                        .map_or(x.message.as_str(), |(_, why)| why);
                    format!(
                        "with {what} spelled out, the rewrite stops at {}:{} with {why}",
                        x.line, x.column
                    )
                },
            )),
        RouteOutcome::Manual(diags) | RouteOutcome::Failed(diags) => Err(diags
            .into_iter()
            .next()
            .map(|x| d.place(src, x))
            .map_or_else(
                || format!("with {what} spelled out, the route is not migrated"),
                |x| {
                    format!(
                        "with {what} spelled out, the route stops at {}:{} with {}: {}",
                        x.line,
                        x.column,
                        x.code.id(),
                        x.message
                    )
                },
            )),
    }
}

/// Migrates one parsed route: a library's router as the switch it stands for, a method map as
/// a switch, else the route as it is.
fn migrate_module(input: &RouteInput, module: &Module) -> RouteOutcome {
    let src = input.src;
    // A next-connect router: the route as a switch on the method, or the reason it is not one.
    let mut recipe_notes = Vec::new();
    if let Some(d) = crate::recipes::next_connect::desugar(input, module) {
        let why = match d {
            Ok(d) => {
                match plan_switch(input, &d.text, &d.copied, &d.factory, |x| d.place(src, x)) {
                    Ok(mut m) => {
                        m.diagnostics.insert(
                            0,
                            Diagnostic::at(Code::LibraryRecipe, d.note.clone(), src, d.export_at),
                        );
                        return RouteOutcome::Migrated(m);
                    }
                    Err(why) => why,
                }
            }
            Err(why) => why,
        };
        recipe_notes.push(Diagnostic::at(
            Code::RecipeDeclined,
            format!("a next-connect router the recipe does not take: {why}"),
            src,
            crate::recipes::next_connect::export_offset(module),
        ));
    }
    // A method map handed to a dispatcher of the app: the route as a switch on the method.
    let mut foreign_declined: Option<Vec<twins::ForeignImport>> = None;
    if let Some(d) = method_map::desugar(input, module) {
        let why = match d {
            Ok(d) => match plan_switch(input, &d.text, &d.copied, &d.dispatcher, |x| d.place(x)) {
                Ok(m) => return RouteOutcome::Migrated(m),
                Err(why) => why,
            },
            Err(why) => why,
        };
        foreign_declined = Some(method_map::declined(input, why));
    }
    let with_reason;
    let input = match &foreign_declined {
        Some(f) => {
            with_reason = RouteInput {
                foreign: f,
                ..*input
            };
            &with_reason
        }
        None => input,
    };
    with_notes(rewrite_or_fall_back(input, module), recipe_notes)
}

/// The rewrite of the route as the switch on the method `text` (copying `copied` of the route's
/// source), which no longer calls `dropped`; `place` puts a diagnostic of `text` in the route's
/// source. `Err` with where and why the rewrite stops.
fn plan_switch(
    input: &RouteInput,
    text: &str,
    copied: &[Copied],
    dropped: &str,
    place: impl Fn(Diagnostic) -> Diagnostic,
) -> Result<Migrated, String> {
    let switched = parse_module(text, input.lang).map_err(|e| {
        format!(
            "as one export per method, the route does not parse ({})",
            e.message
        )
    })?;
    let as_switch = RouteInput {
        src: text,
        ..*input
    };
    match plan(&as_switch, &switched, Some(dropped)) {
        Ok(mut m) => {
            m.copied = compose(copied, &m.copied, m.text.len());
            m.diagnostics = m.diagnostics.into_iter().map(&place).collect();
            Ok(m)
        }
        Err(diags) => Err(diags
            .into_iter()
            .next()
            .map(place)
            .map_or_else(String::new, |x| {
                format!(
                    "as one export per method, the route stops at {}:{} with {}: {}",
                    x.line,
                    x.column,
                    x.code.id(),
                    x.message
                )
            })),
    }
}

/// The idiomatic rewrite, else a library recipe, else the adapter or manual.
fn rewrite_or_fall_back(input: &RouteInput, module: &Module) -> RouteOutcome {
    match plan(input, module, None) {
        Ok(m) => RouteOutcome::Migrated(m),
        Err(diags) if diags.iter().any(|d| d.code == Code::InternalError) => {
            RouteOutcome::Failed(diags)
        }
        // A well-known library's handler (NextAuth(options)): the App Router form its authors
        // document, idiomatic, with or without the adapter.
        Err(diags)
            if diags
                .first()
                .is_some_and(|d| d.code == Code::WrappedHandler) =>
        {
            match crate::recipes::migrate(input, module) {
                crate::recipes::Recipe::Taken(m) => RouteOutcome::Migrated(m),
                crate::recipes::Recipe::Declined(notes) => {
                    with_notes(adapt_or_manual(input, module, diags), notes)
                }
                crate::recipes::Recipe::NotMine => adapt_or_manual(input, module, diags),
            }
        }
        Err(diags) => adapt_or_manual(input, module, diags),
    }
}

/// `outcome` with the notes of a recipe that declined the route after its own diagnostics.
fn with_notes(outcome: RouteOutcome, notes: Vec<Diagnostic>) -> RouteOutcome {
    match outcome {
        RouteOutcome::Migrated(mut m) => {
            m.diagnostics.extend(notes);
            RouteOutcome::Migrated(m)
        }
        RouteOutcome::Manual(mut d) => {
            d.extend(notes);
            RouteOutcome::Manual(d)
        }
        RouteOutcome::Failed(mut d) => {
            d.extend(notes);
            RouteOutcome::Failed(d)
        }
    }
}

/// The adapter's migration when every reason the rewrite gave is one it makes moot, else manual.
fn adapt_or_manual(input: &RouteInput, module: &Module, diags: Vec<Diagnostic>) -> RouteOutcome {
    if !(input.adapter && !diags.is_empty() && diags.iter().all(|d| adapter::can_adapt(d.code))) {
        return RouteOutcome::Manual(diags);
    }
    // Preview data: through the adapter the route would throw where Pages set the cookies; in
    // pages/api it keeps working.
    if let Some(at) = adapter::preview_data_call(module) {
        let mut diags = diags;
        diags.push(Diagnostic::at(
            Code::PreviewDataUnsupported,
            "`res.setPreviewData()` (preview mode with data) has no App Router equivalent, so the route stays in pages/api, where it keeps working (through the adapter it would throw at run time); to migrate it, switch it to draft mode (`res.setDraftMode({ enable: true })`, which has no data) and keep the data in a cookie of your own",
            input.src,
            at,
        ));
        return RouteOutcome::Manual(diags);
    }
    match adapter::migrate(input, module, &diags[0]) {
        Ok(m) => RouteOutcome::Migrated(m),
        Err(more) if more.iter().any(|d| d.code == Code::InternalError) => {
            RouteOutcome::Failed(more)
        }
        // The adapter cannot take it either (e.g. an unreadable config): the rewrite's
        // reasons stand, with the adapter's own first.
        Err(more) => RouteOutcome::Manual(more.into_iter().chain(diags).collect()),
    }
}

/// The handler's body calls `name(req)` (with the handler's own `req`).
fn calls_with(body: &handler::HandlerBody, name: &str, req: &str) -> bool {
    struct Finder<'a> {
        name: &'a str,
        req: &'a str,
        found: bool,
    }
    impl swc_ecma_visit::Visit for Finder<'_> {
        fn visit_call_expr(&mut self, c: &CallExpr) {
            let callee = match &c.callee {
                Callee::Expr(e) => ast_util::ident_name(e),
                _ => None,
            };
            if callee == Some(self.name)
                && matches!(c.args.as_slice(), [a] if a.spread.is_none() && ast_util::ident_name(&a.expr) == Some(self.req))
            {
                self.found = true;
            }
            swc_ecma_visit::VisitWith::visit_children_with(c, self);
        }
    }
    let mut f = Finder {
        name,
        req,
        found: false,
    };
    match body {
        handler::HandlerBody::Block(b) => swc_ecma_visit::VisitWith::visit_with(*b, &mut f),
        handler::HandlerBody::Expr(e) => swc_ecma_visit::VisitWith::visit_with(*e, &mut f),
    }
    f.found
}

fn param_name(p: &Pat) -> Result<String, ()> {
    match p {
        Pat::Ident(b) => Ok(b.id.sym.to_string()),
        _ => Err(()),
    }
}

/// The idiomatic rewrite of the route; `dropped`: a name its source called before a rewrite
/// ahead of this one (see [`method_map`]), whose import goes once unused.
fn plan(
    input: &RouteInput,
    module: &Module,
    dropped: Option<&str>,
) -> Result<Migrated, Vec<Diagnostic>> {
    let src = input.src;
    let shape = handler::locate(module, src)?;
    if let Some(at) = crate::edit::first_marker(src) {
        return Err(vec![Diagnostic::at(
            Code::ReservedCharacter,
            format!(
                "the file holds a raw U+{:04X} character, which pages2app uses as an internal marker; write it as an escape (\\u{:04x})",
                src.as_bytes()[at],
                src.as_bytes()[at]
            ),
            src,
            at,
        )]);
    }
    let h = &shape.handler;
    let cfg = match &shape.config {
        Some(c) => config::read_config(c.value, src).map_err(|d| vec![d])?,
        None => config::RouteConfig::default(),
    };
    let shape_err = |msg: &str| {
        vec![Diagnostic::at(
            Code::UnsupportedHandlerShape,
            msg,
            src,
            h.offset,
        )]
    };
    // Sentry's Pages API wrappers only instrument the handler: dropped (see [`crate::recipes::sentry`]).
    let (sentry, app_wrappers): (Vec<&handler::WrapCall>, Vec<&handler::WrapCall>) = h
        .wrappers
        .iter()
        .partition(|w| crate::recipes::sentry::pages_api_wrapper(module, &w.callee).is_some());
    // The app's wrappers around the handler, through their twins.
    let wrapped = if app_wrappers.is_empty() {
        None
    } else {
        Some(wrapped_route(input, module, h, &app_wrappers)?)
    };
    let extras = wrapped.as_ref().map_or(0, |w| w.extras);
    if h.params.len() < 2 {
        return Err(shape_err("the handler takes fewer than two parameters, so it never uses `res` to respond; port it by hand"));
    }
    if h.params.len() > 2 + extras {
        return Err(shape_err(if wrapped.is_some() {
            "the handler takes more parameters than its wrapper passes it"
        } else {
            "the handler takes more than two parameters"
        }));
    }
    let wrapping = wrapped.as_ref().map(|w| emit::Wrapping {
        extras: h.params[2..]
            .iter()
            .map(|p| src[range(swc_common::Spanned::span(*p))].to_string())
            .collect(),
        ..w.wrapping.clone()
    });
    let req = param_name(h.params[0]).map_err(|_| {
        shape_err("the handler destructures its `req` parameter; name it and destructure inside")
    })?;
    let res = param_name(h.params[1])
        .map_err(|_| shape_err("the handler destructures its `res` parameter"))?;

    // One walk: the identifier table, and where imported names are referenced (for the import
    // cleanup after the rewrite).
    let tracked = reparse::imported_locals(module);
    let mut per_item = vec![0; tracked.len() * module.body.len()];
    let table = names::IdentTable::of_module_counting(
        module,
        &[
            req.as_str(),
            res.as_str(),
            "GET",
            "HEAD",
            "POST",
            "PUT",
            "PATCH",
            "DELETE",
            "OPTIONS",
        ],
        &tracked,
        &mut per_item,
    );
    let imported = reparse::ImportedNames::from_counts(tracked, per_item);
    let imported = match dropped {
        Some(name) => imported.referenced_before(name),
        None => imported,
    };
    let names = names::Names::choose(&table, Some(&req), h.name.as_deref());
    let mut facts = imports::import_facts(module, src);
    // Raw body readers of the route's own file (the Stripe example's `buffer(readable)`), whose
    // one use is the handler's `buffer(req)`: that call reads the raw body, the function goes.
    let mut raw_reader_removals = Vec::new();
    for r in raw_readers::in_file(module) {
        if table.count(&r.name) == 2 && calls_with(&h.body, &r.name, &req) {
            facts.raw_body_fns.push(r.name.clone());
            raw_reader_removals.push(r.range);
        }
    }
    // What each middleware's twin returns and the wrapper's fields get names free in the route.
    let mut results: Vec<String> = Vec::new();
    let generated = [
        &names.request,
        &names.context,
        &names.query,
        &names.body,
        &names.headers,
        &names.status,
        &names.pages,
        &names.handler,
    ];
    // The fields the wrapper put on `req` come in a parameter of the wrapped function,
    // destructured where their names are free in the route (`{ user }`), else named like a
    // middleware's result (`session` of `withSession`): `req.user` → `session.user`.
    let mut wrapping = wrapping;
    let mut decorated = Vec::new();
    if let (Some((wrapper, fields)), Some(w)) = (
        wrapped.as_ref().and_then(|w| w.decorates.as_ref()),
        wrapping.as_mut(),
    ) {
        let free = |n: &str| table.is_free(n, None) && !generated.iter().any(|g| *g == n);
        if fields.iter().all(|f| free(f)) {
            // `withUser(async (request, _context, { user }) => ...)`, `req.user` → `user`.
            w.fields = fields.clone();
            results.extend(fields.iter().cloned());
            decorated.push((fields.clone(), String::new()));
        } else {
            let name = middleware::result_name(wrapper, fields, free);
            w.extras.push(name.clone());
            results.push(name.clone());
            decorated.push((fields.clone(), name));
        }
    }

    // Relative imports follow the file; these edits go in first so that every later edit that
    // covers one renders it.
    let rebased = imports::rebase_edits(module, src, dir_of(input.source), dir_of(input.target));
    let mut base_edits = EditSet::new();
    for e in &rebased {
        base_edits.add(e.clone());
    }
    let ctx = emit::EmitContext {
        src,
        lang: input.lang,
        names: &names,
        params: input.params,
        is_async: h.is_async,
        body_mode: &cfg.body_mode,
        semicolons: statement_semicolons(src, &h.body)
            .or(facts.semicolons)
            .unwrap_or(false),
        wrapping: wrapping.as_ref(),
        // Only a dropped wrapper's call leaves the handler indented at the top level.
        dedent: match (&h.body, sentry.is_empty() || wrapping.is_some()) {
            (handler::HandlerBody::Block(b), false) => {
                crate::text::indent_of_line(src, range(b.span).start).len()
            }
            _ => 0,
        },
    };

    let param_names: Vec<String> = input.params.iter().map(|p| p.name.clone()).collect();
    let base = UsageBase {
        src,
        names: &names,
        body_mode: cfg.body_mode.clone(),
        raw_body_fns: facts.raw_body_fns.clone(),
        get_server_session: facts.get_server_session.clone(),
        get_iron_session: match crate::recipes::iron_session::session_getter(
            module,
            input.libraries,
        ) {
            Some(crate::recipes::iron_session::SessionGetter::Taken(name)) => Some(name),
            _ => None,
        },
        param_names,
    };

    // Functions that respond for the handler (`handleGet(req, res)`, `sendError(res, ...)`),
    // found in rounds so that one may call another; the app's helpers of other modules
    // (their twins) are known from the start.
    let mut foreign = twins::foreign_delegates(module, input.foreign);
    // What each middleware's twin returns gets a name free in the route (`auth` of `useAuth`).
    for d in foreign.iter_mut() {
        if let Some(m) = d.middleware.as_mut() {
            m.result = middleware::result_name(&d.name, &m.fields, |n| {
                table.is_free(n, None)
                    && !generated.iter().any(|g| *g == n)
                    && !results.iter().any(|r| r == n)
            });
            results.push(m.result.clone());
        }
    }
    let find_delegates = |state_params: Needs| {
        // A twin takes the response headers set before it answers as an optional last
        // parameter (see [`twins`]), no other state: with a status to pass on, the app's
        // helpers of other modules are not delegates (their calls stay, and block, as before).
        let preset: Vec<delegates::Delegate> = if state_params.any(Needs::STATUS_VAR) {
            Vec::new()
        } else {
            foreign
                .iter()
                .map(|d| delegates::Delegate {
                    state_params: Needs(d.state_params.0 & state_params.0),
                    ..d.clone()
                })
                .collect()
        };
        find_delegates(
            delegates::candidates(module, &h.replace, false),
            &rebased,
            &base,
            &ctx,
            state_params,
            &preset,
        )
    };
    let body_stmts: Result<&[Stmt], &Expr> = match &h.body {
        handler::HandlerBody::Block(b) => Ok(&b.stmts),
        handler::HandlerBody::Expr(e) => Err(e),
    };
    let (mut delegates, mut delegate_calls, mut keeps_state, mut blocked) =
        find_delegates(Needs::default());
    // Response state (headers, a status) set before a delegate responds must reach it, as it
    // did through Node's `res`: then every response delegate takes it as parameters.
    if delegates.iter().any(|d| d.answers_for_its_caller()) {
        let probe = base.input(Some(req.clone()), res.clone(), &delegates);
        let (status, headers) = usage::response_state_reaching_delegates(&probe, body_stmts);
        if status {
            keeps_state |= Needs::STATUS_VAR;
        }
        if headers {
            keeps_state |= Needs::HEADERS_VAR;
        }
        if !keeps_state.is_empty() {
            (delegates, delegate_calls, _, blocked) = find_delegates(keeps_state);
        }
    }

    let mut handler_input = base.input(Some(req.clone()), res.clone(), &delegates);
    handler_input.decorated = decorated;
    let usage = usage::analyse(&handler_input, body_stmts, base_edits);
    // The delegates the handler uses, directly or through another; each is migrated only when
    // every use of it is such a call.
    let mut used: Vec<bool> = delegates
        .iter()
        .map(|d| usage.delegate_calls.contains_key(&d.name))
        .collect();
    loop {
        let mut changed = false;
        for i in 0..delegates.len() {
            if !used[i] {
                continue;
            }
            for (j, d) in delegates.iter().enumerate() {
                if !used[j] && delegate_calls[i].contains_key(&d.name) {
                    used[j] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut all_calls = usage.delegate_calls.clone();
    for (i, calls) in delegate_calls.iter().enumerate() {
        if used[i] {
            for (name, n) in calls {
                *all_calls.entry(name.clone()).or_default() += n;
            }
        }
    }
    let delegates: Vec<delegates::Delegate> = delegates
        .into_iter()
        .zip(used)
        .filter_map(|(d, u)| u.then_some(d))
        .collect();
    for d in &delegates {
        let calls = all_calls.get(&d.name).copied().unwrap_or(0);
        if table.count(&d.name) != calls + 1 {
            let what = match &d.foreign {
                Some(f) => format!(
                    "`{}` (imported from `{}`) responds through `res` and is also used outside the handler's calls; its App Router version cannot take its place here",
                    d.name, input.foreign[f.import].specifier
                ),
                None => format!("`{}` responds through `res` and is also used outside the handler's calls; it cannot be rewritten for the handler alone", d.name),
            };
            return Err(vec![Diagnostic::at(
                Code::ResponseEscapes,
                what,
                src,
                d.range.start,
            )]);
        }
    }
    let mut blocking: Vec<Diagnostic> = Vec::new();
    for d in usage
        .diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error)
    {
        let d = blocking_cause(src, d, &usage.escapes_into, &blocked, 0);
        let d = twins::with_declined_reason(
            d,
            src,
            module,
            input.foreign,
            &usage.escapes_into,
            keeps_state,
        );
        if !blocking.contains(&d) {
            blocking.push(d);
        }
    }
    if !blocking.is_empty() {
        return Err(blocking);
    }

    // Per-method bodies.
    let bodies: Vec<(&'static str, String, Needs)> = match &h.body {
        handler::HandlerBody::Block(b) => {
            let r = range(b.span);
            let inner = (r.start + 1)..(r.end - 1).max(r.start + 1);
            let specializer = spec::Specializer {
                src,
                edits: &usage.edits,
                req: Some(&req),
                aliases: &usage.method_aliases,
                returning: &usage.returning_stmts,
                removed: &usage.removed_stmts,
                const_arrays: spec::const_string_arrays(module, &b.stmts),
                protected: spec::multiline_templates(module, src, inner.clone()),
            };
            // Methods the handler never tells apart are specialized once.
            let shared = spec::shared_bodies(&src[inner.clone()], &specializer.const_arrays);
            let mut all: Option<Vec<(&'static str, String, Needs)>> = Some(Vec::new());
            for (k, m) in spec::METHODS.iter().enumerate() {
                let Some(done) = all.as_mut() else { break };
                // A shared body is an earlier method's, already in `done`.
                let body = if shared[k] < k {
                    done.get(shared[k]).map(|(_, t, n)| (t.clone(), *n))
                } else {
                    specializer.body_for(&b.stmts, inner.clone(), m)
                };
                match body {
                    Some((t, n)) => done.push((*m, t, n)),
                    None => all = None,
                }
            }
            match all {
                Some(all) => all,
                None => {
                    // Not specializable: one function answering every method, tests kept.
                    let mut needs = Needs::default();
                    let text = usage.edits.render(src, inner, &mut needs);
                    let text = crate::edit::finalize_inits(&text, needs);
                    spec::METHODS
                        .iter()
                        .map(|m| (*m, text.clone(), needs))
                        .collect()
                }
            }
        }
        handler::HandlerBody::Expr(e) => {
            let mut needs = Needs::default();
            let text = usage
                .edits
                .render(src, range(swc_common::Spanned::span(*e)), &mut needs);
            let text = crate::edit::finalize_inits(&text, needs);
            let nl = newline_of(src);
            let semi = if facts.semicolons.unwrap_or(false) {
                ";"
            } else {
                ""
            };
            let body = format!("{nl}  return {text}{semi}{nl}");
            spec::METHODS
                .iter()
                .map(|m| (*m, body.clone(), needs))
                .collect()
        }
    };

    let plain_405 = {
        let nl = newline_of(src);
        let indent = bodies
            .iter()
            .find_map(|(_, t, _)| {
                t.lines()
                    .find(|l| !l.trim().is_empty())
                    .map(|l| l[..l.len() - l.trim_start().len()].to_string())
            })
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| "  ".to_string());
        let semi = if facts.semicolons.unwrap_or(false) {
            ";"
        } else {
            ""
        };
        format!("{nl}{indent}return new Response(null, {{ status: 405 }}){semi}{nl}")
    };
    let plan =
        emit::plan_exports(&bodies, ctx.lang, &plain_405, wrapped.is_some()).ok_or_else(|| {
            shape_err("no code path of the handler sends a response through `res`; port it by hand")
        })?;
    // A method's name the module binds itself (`function GET(req, res)` it calls) cannot also
    // be the exported function's: that one gets another name and is exported under the method.
    let mut bound: Vec<(&'static str, String)> = Vec::new();
    for m in spec::METHODS {
        if table.count(m) > 0 {
            let title = format!("{}{}", &m[..1], m[1..].to_ascii_lowercase());
            let local = [
                format!("handle{title}"),
                format!("{}Handler", m.to_ascii_lowercase()),
            ]
            .into_iter()
            .chain((2..).map(|k| format!("handle{title}{k}")))
            .find(|c| table.is_free(c, None))
            .unwrap_or_default();
            bound.push((m, local));
        }
    }
    let functions = emit::render_functions(&ctx, &plan, &bound);

    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    diagnostics.extend(cfg.notes.iter().cloned());
    diagnostics.extend(usage.diagnostics.iter().cloned());
    if !plan.unanswered.is_empty() {
        // What Pages did for them: hung, unless their code threw on the way (then 500).
        let (may_throw, hung): (Vec<&str>, Vec<&str>) = plan.unanswered.iter().partition(|m| {
            bodies.iter().any(|(b, text, _)| {
                b == *m
                    && exits::body_exits(text, ctx.lang, &ctx.names.pages, &ctx.names.headers)
                        .can_throw
            })
        });
        let mut what = Vec::new();
        if !hung.is_empty() {
            let unless = match &wrapped {
                Some(w) => format!(", unless `{}` answered first", w.names.join("` or `")),
                None => String::new(),
            };
            what.push(format!(
                "{} never got a response from this handler in Pages (the request hung{unless})",
                hung.join(", ")
            ));
        }
        if !may_throw.is_empty() {
            what.push(format!(
                "{} got a response only when the code it ran threw (Pages answered 500 `Internal Server Error`, otherwise the request hung)",
                may_throw.join(", ")
            ));
        }
        diagnostics.push(Diagnostic::at(
            Code::UnansweredMethods,
            format!(
                "{}; Next now answers them itself (405, OPTIONS 204)",
                what.join("; ")
            ),
            src,
            h.offset,
        ));
    }
    // A path of an exported function that runs off its end: Pages left that request open, Next
    // answers the missing Response with 500. Reported where the path ends in the original.
    // One parse of each exported function's body answers both questions below.
    let group_exits: Vec<exits::BodyExits> = plan
        .groups
        .iter()
        .map(|g| exits::body_exits(&g.text, ctx.lang, &ctx.names.pages, &ctx.names.headers))
        .collect();
    let methods_where = |pick: fn(&exits::BodyExits) -> bool| -> Vec<&str> {
        plan.groups
            .iter()
            .zip(&group_exits)
            .filter(|(_, e)| pick(e))
            .flat_map(|(g, _)| g.methods.iter().copied())
            .collect()
    };
    let mut falls_off = methods_where(|e| e.falls_off);
    falls_off.sort_by_key(|m| spec::METHODS.iter().position(|x| x == m));
    if !falls_off.is_empty() {
        let at = body_stmts
            .ok()
            .and_then(|stmts| exits::path_end_without_response(stmts, &res))
            .unwrap_or(h.offset);
        diagnostics.push(Diagnostic::at(
            Code::PathWithoutResponse,
            format!(
                "a path of {} ends here without a response: Pages left such a request open (it hung); the migrated function returns nothing there, so Next answers 500 with an empty body",
                falls_off.join(", ")
            ),
            src,
            at,
        ));
    }
    // The wrapper's own code (its checks) may throw for every method it wraps.
    let mut can_throw = if wrapped.is_some() {
        methods_where(|_| true)
    } else {
        methods_where(|e| e.can_throw)
    };
    can_throw.sort_by_key(|m| spec::METHODS.iter().position(|x| x == m));
    if !can_throw.is_empty() {
        diagnostics.push(Diagnostic::at(
            Code::ErrorBodyEmpty,
            format!(
                "an exception escaping {} answered 500 with the body `Internal Server Error` (text/plain) in Pages; a Route Handler answers it 500 with an empty body",
                can_throw.join(", ")
            ),
            src,
            h.offset,
        ));
    }
    let reads_body = |n: Needs| n.any(Needs::BODY_VAR | Needs::BODY_VIA_CALL);
    let get_with_body: Vec<&str> = plan
        .groups
        .iter()
        .filter(|g| reads_body(g.needs))
        .flat_map(|g| g.methods.iter().copied())
        .filter(|m| *m == "GET" || *m == "HEAD")
        .collect();
    if !get_with_body.is_empty() {
        diagnostics.push(Diagnostic::at(
            Code::BodyOfGetIgnored,
            format!(
                "{} requests reach Route Handlers without their body: where Pages parsed a body sent with them, `body` is now empty",
                get_with_body.join(" and ")
            ),
            src,
            h.offset,
        ));
    }
    if let Some(w) = &wrapped {
        if plan.groups.iter().any(|g| reads_body(g.needs)) {
            let names = w.names.join("` and `");
            let (run, it) = if w.names.len() > 1 {
                ("run", "they turn")
            } else {
                ("runs", "it turns")
            };
            diagnostics.push(Diagnostic::at(
                Code::WrapperBeforeBody,
                format!("Pages parsed the request body before `{names}` ran; now `{names}` {run} first, so a request with invalid JSON (or a body over the size limit) that {it} away gets its answer instead of 400 (413)"),
                src,
                h.offset,
            ));
        }
    }
    if cfg.body_mode != usage::BodyMode::Raw && plan.groups.iter().any(|g| !reads_body(g.needs)) {
        diagnostics.push(Diagnostic::at(
            Code::BodyNotParsed,
            "Pages parsed every request body (400 on invalid JSON, 413 over the size limit) even where the handler ignored it; functions that never read the body now ignore it",
            src,
            h.offset,
        ));
    }
    for w in &sentry {
        diagnostics.push(Diagnostic::at(
            Code::LibraryRecipe,
            crate::recipes::sentry::dropped_message(&w.callee),
            src,
            w.callee_offset,
        ));
    }
    diagnostics.push(Diagnostic::at(
        Code::NonStandardMethods,
        NON_STANDARD_METHODS_MESSAGE,
        src,
        h.offset,
    ));

    // Module-level edits.
    let nl = newline_of(src);
    let mut edits = usage.edits;
    let mut helpers = Needs::default();
    for g in &plan.groups {
        helpers |= g.needs;
    }
    for d in &delegates {
        if d.foreign.is_some() {
            continue;
        }
        helpers |= d.needs;
        add_or_bug(
            &mut edits,
            Edit {
                range: d.range.clone(),
                text: to_newlines(&d.text, nl),
                needs: d.needs,
            },
        )?;
    }
    // A wrapper of the route's own file becomes its twin where it was declared, when the
    // handler's call is its only use.
    for name in wrapped.iter().flat_map(|w| w.local.iter()) {
        let fail = |why: String| {
            vec![Diagnostic::at(
                Code::WrappedHandler,
                format!("the handler is wrapped by `{name}(...)`; port the wrapper to take and return web Request/Response (or call it inside each method), then migrate; `{name}` gets no App Router version ({why})"),
                src,
                h.offset,
            )]
        };
        if table.count(name) != 2 {
            return Err(fail("it is used elsewhere in this file too".into()));
        }
        let context_type = twins::context_type_name(|n| table.is_free(n, None));
        let Some((r, Ok(twin))) = local_wrapper(input, module, name, &names, context_type) else {
            return Err(fail("its App Router version cannot be written".into()));
        };
        let semi = if ctx.semicolons { ";" } else { "" };
        let declared = if input.lang.is_typescript() {
            format!("// What Next passes a Route Handler after the Request: the route's params.{nl}type {context_type} = {{ params: Promise<Record<string, string | string[] | undefined>> }}{semi}{nl}{nl}")
        } else {
            String::new()
        };
        helpers |= twin.needs;
        if !declared.is_empty() {
            // Above the wrapper's own comment, which describes the wrapper.
            let at = removal::comments_above(src, r.start);
            add_or_bug(
                &mut edits,
                Edit {
                    range: at..at,
                    text: declared,
                    needs: Needs::default(),
                },
            )?;
        }
        add_or_bug(
            &mut edits,
            Edit {
                range: r,
                text: to_newlines(&twin.text, nl),
                needs: twin.needs,
            },
        )?;
    }
    let fn_text = to_newlines(&functions, nl);
    add_or_bug(
        &mut edits,
        Edit {
            range: h.replace.clone(),
            text: fn_text,
            needs: helpers,
        },
    )?;
    for r in &h.removals {
        add_or_bug(&mut edits, removal::removal(src, r.clone()))?;
    }
    // A raw reader goes with the comment lines that describe it.
    for r in &raw_reader_removals {
        add_or_bug(&mut edits, removal::removal_with_comments(src, r.clone()))?;
    }
    // The helpers of other modules now come from their twins.
    let mut used_twins: Vec<usize> = Vec::new();
    let mut twinned = delegates.clone();
    if let Some(w) = &wrapped {
        twinned.extend(w.imports.iter().cloned());
    }
    for e in twins::import_edits(module, src, input.foreign, &twinned, &edits, nl) {
        if let Some(t) = e.twin {
            used_twins.push(t);
        }
        add_or_bug(&mut edits, e.edit)?;
    }
    used_twins.sort_unstable();
    used_twins.dedup();
    if let Some(c) = &shape.config {
        let semi = if ctx.semicolons { ";" } else { "" };
        let edit = config::segment_exports_edit(src, c.item_range.clone(), &cfg, semi, nl);
        add_or_bug(&mut edits, edit)?;
    }
    // The imports the rewrite needs: next/headers' functions, the compat helpers.
    let mut from_next_headers = Vec::new();
    if helpers.contains(Needs::NEXT_COOKIES) {
        from_next_headers.push(("cookies", names.cookies.as_str()));
    }
    if helpers.contains(Needs::NEXT_DRAFT_MODE) {
        from_next_headers.push(("draftMode", names.draft_mode.as_str()));
    }
    let mut new_imports = Vec::new();
    if !from_next_headers.is_empty() {
        new_imports.push(imports::next_headers_import_stmt(&from_next_headers));
    }
    if !helpers.helper_names().is_empty() {
        new_imports.push(imports::compat_import_stmt(&names.pages, input.compat_spec));
    }
    if !new_imports.is_empty() {
        let (at, text) = imports::insert_imports(&facts, src, &new_imports, nl);
        add_or_bug(
            &mut edits,
            Edit {
                range: at,
                text,
                needs: Needs::default(),
            },
        )?;
    }
    let mut n = Needs::default();
    let (text, copied) = edits.render_mapped(src, &mut n);

    // Phase two, on the migrated text: drop the imports the rewrite left unused. The text is
    // parsed again where the edits changed it ([`reparse`]): a syntax error there is a bug.
    // The output keeps the source's syntax (a .tsx with JSX becomes route.tsx).
    let out_lang = input.lang;
    let reparsed =
        reparse::reparse(src, module, &edits, &text, out_lang, &imported).map_err(|e| {
            internal(
                src,
                h.offset,
                &format!("the migrated code does not parse ({})", e.message),
            )
        })?;
    let mut cleanup = EditSet::new();
    for e in imports::remove_unused_imports(&reparsed, &text, &imported) {
        add_or_bug(&mut cleanup, e)?;
    }
    let (text, copied_again) = if cleanup.is_empty() {
        let all = Copied {
            src: 0,
            out: 0,
            len: text.len(),
        };
        (text, vec![all])
    } else {
        cleanup.render_mapped(&text, &mut n)
    };
    let text = keep_trailing_newlines(src, text);
    let copied = compose(&copied, &copied_again, text.len());
    // The text above was parsed. Deleting whole import declarations (and trailing newlines) from
    // a module that parses leaves a module that parses, so only a reprinted import (some of its
    // specifiers kept) needs the check again: that saves a third parse of most files.
    let reprinted = cleanup.into_vec().iter().any(|e| !e.text.is_empty());
    if reprinted {
        parse_module(&text, out_lang).map_err(|e| {
            internal(
                src,
                h.offset,
                &format!("the migrated code does not parse ({})", e.message),
            )
        })?;
    }

    // iron-session's calls rewritten only in the route's own session readers: the note goes
    // on the route too (the readers' analysis keeps its notes to itself).
    if let Some(getter) = base.get_iron_session.as_deref() {
        let noted = diagnostics
            .iter()
            .any(|d| d.code == Code::LibraryRecipe && d.message.starts_with("iron-session"));
        if helpers.contains(Needs::NEXT_COOKIES) && !noted {
            // At the first call (`getIronSession(` or `getIronSession<SessionData>(`).
            let at = src
                .match_indices(getter)
                .map(|(at, _)| at)
                .find(|&at| src[at + getter.len()..].starts_with(['(', '<']))
                .unwrap_or(h.offset);
            diagnostics.push(Diagnostic::at(
                Code::LibraryRecipe,
                crate::recipes::iron_session::taken_message(getter),
                src,
                at,
            ));
        }
    }
    let methods = plan
        .groups
        .iter()
        .flat_map(|g| g.methods.iter().copied())
        .collect::<HashSet<_>>();
    let methods = spec::METHODS
        .iter()
        .copied()
        .filter(|m| methods.contains(m))
        .collect();
    Ok(Migrated {
        text,
        copied,
        methods,
        helpers,
        diagnostics,
        // Only a .tsx source changes its target for JSX (.ts cannot hold it; .js/.jsx keep theirs).
        has_jsx: input.lang == Lang::Tsx && contains_jsx(module),
        mode: Mode::Rewrite,
        twins: used_twins,
    })
}

/// A handler wrapped by wrappers of the app that have twins.
struct WrappedRoute {
    wrapping: emit::Wrapping,
    /// The arguments the innermost wrapper passes the handler after `req` and `res`.
    extras: usize,
    /// The innermost wrapper's name and the fields it puts on `req`, which its twin passes the
    /// handler as one more argument.
    decorates: Option<(String, Vec<String>)>,
    /// The wrappers' names, outermost first (for messages).
    names: Vec<String>,
    /// The wrappers as the route imports them (for [`twins::import_edits`]).
    imports: Vec<delegates::Delegate>,
    /// The wrappers declared in the route's own file, whose declarations become their twins.
    local: Vec<String>,
}

/// The twins of the wrappers around the handler; the usual WrappedHandler diagnostic (with why
/// the wrapper gets no twin, where it is declined) when one has none or is called otherwise.
fn wrapped_route(
    input: &RouteInput,
    module: &Module,
    h: &handler::Handler,
    wrappers: &[&handler::WrapCall],
) -> Result<WrappedRoute, Vec<Diagnostic>> {
    let src = input.src;
    let mut open = String::new();
    let mut closes = Vec::new();
    let mut names = Vec::new();
    let mut imports = Vec::new();
    let mut extras = 0;
    let mut typed = true;
    let mut decorates = None;
    let mut local = Vec::new();
    for (i, w) in wrappers.iter().enumerate() {
        let fail = |why: Option<String>| {
            let mut message = format!("the handler is wrapped by `{}(...)`; port the wrapper to take and return web Request/Response (or call it inside each method), then migrate", w.callee);
            if let Some(why) = why {
                message.push_str(&format!(
                    "; `{}` gets no App Router version ({why})",
                    w.callee
                ));
            }
            vec![Diagnostic::at(
                Code::WrappedHandler,
                message,
                src,
                w.callee_offset,
            )]
        };
        // Imported from a module of the app with twins, or declared in the route's own file.
        let (foreign, shape, required, param_count) = match twins::wrapper_twin(
            module,
            input.foreign,
            &w.callee,
        ) {
            Ok((k, exported, twin)) => {
                let Some(shape) = twin.wrapper.clone() else {
                    return Err(fail(None));
                };
                (
                    Some(delegates::Foreign {
                        import: k,
                        exported,
                    }),
                    shape,
                    twin.required,
                    twin.param_count,
                )
            }
            Err(None) => {
                let names = provisional_names(module);
                let aliased = "its handler is typed by a type alias of this file, which the route's own code may use too";
                match local_wrapper(input, module, &w.callee, &names, "HandlerContext") {
                    Some((_, Ok(t))) if t.alias.is_empty() => {
                        (None, t.shape, t.required, t.param_count)
                    }
                    Some((_, Ok(_))) => return Err(fail(Some(aliased.into()))),
                    Some((r, Err(why))) => {
                        let (line, col) = crate::text::line_col(src, r.start);
                        return Err(fail(Some(format!("{line}:{col}: {why}"))));
                    }
                    None => return Err(fail(None)),
                }
            }
            Err(why) => return Err(fail(why)),
        };
        let shape = &shape;
        let innermost = i + 1 == wrappers.len();
        if w.handler_arg != shape.handler_pos
            || w.args.len() < required
            || w.args.len() > param_count
            || (!innermost && (shape.extras > 0 || !shape.decorates.is_empty()))
        {
            return Err(fail(Some(format!(
                "this call does not pass the handler as its {} argument",
                ordinal(shape.handler_pos + 1)
            ))));
        }
        let text = |r: &std::ops::Range<usize>| &src[r.clone()];
        let before: Vec<&str> = w.args[..w.handler_arg].iter().map(text).collect();
        let after: Vec<&str> = w.args[w.handler_arg + 1..].iter().map(text).collect();
        open.push_str(&w.callee);
        open.push('(');
        for b in &before {
            open.push_str(b);
            open.push_str(", ");
        }
        let mut close = String::new();
        for a in &after {
            close.push_str(", ");
            close.push_str(a);
        }
        close.push(')');
        closes.push(close);
        if innermost {
            extras = shape.extras;
            typed = shape.typed;
            decorates = Some((w.callee.clone(), shape.decorates.clone()))
                .filter(|(_, fields)| !fields.is_empty());
        }
        names.push(w.callee.clone());
        let Some(foreign) = foreign else {
            local.push(w.callee.clone());
            continue;
        };
        imports.push(delegates::Delegate {
            name: w.callee.clone(),
            param_count,
            required,
            res_pos: 0,
            req_pos: None,
            needs_context: false,
            range: w.callee_offset..w.callee_offset,
            text: String::new(),
            needs: Needs::default(),
            state_params: Needs::default(),
            sets_headers_only: false,
            foreign: Some(foreign),
            reader: false,
            drops_res: false,
            drops_req: false,
            merges_headers: false,
            extra_arg: None,
            middleware: None,
        });
    }
    closes.reverse();
    Ok(WrappedRoute {
        wrapping: emit::Wrapping {
            open,
            close: closes.concat(),
            extras: Vec::new(),
            annotate: !typed,
            concise: matches!(h.body, handler::HandlerBody::Expr(_)),
            fields: Vec::new(),
        },
        extras,
        decorates,
        names,
        imports,
        local,
    })
}

/// Names for analysing a wrapper of the route's own file before the route's names are chosen
/// (its shape does not depend on them; its text is written again with the route's).
fn provisional_names(module: &Module) -> names::Names {
    let tracked = reparse::imported_locals(module);
    let mut per_item = vec![0; tracked.len() * module.body.len()];
    let table = names::IdentTable::of_module_counting(module, &[], &tracked, &mut per_item);
    names::Names::choose(&table, None, None)
}

/// [`wrappers::analyse_local`] of the wrapper `name` of the route's own file, written with
/// `names`; `context_type`: the name of the route-context type its twin uses.
fn local_wrapper(
    input: &RouteInput,
    module: &Module,
    name: &str,
    names: &names::Names,
    context_type: &str,
) -> Option<(
    std::ops::Range<usize>,
    Result<wrappers::WrapperTwin, String>,
)> {
    let src = input.src;
    let facts = imports::import_facts(module, src);
    let body_mode = usage::BodyMode::Parsed { size_limit: None };
    let ctx = emit::EmitContext {
        src,
        lang: input.lang,
        names,
        params: &[],
        is_async: false,
        body_mode: &body_mode,
        semicolons: facts.semicolons.unwrap_or(false),
        wrapping: None,
        dedent: 0,
    };
    let base = UsageBase {
        src,
        names,
        body_mode: body_mode.clone(),
        raw_body_fns: facts.raw_body_fns.clone(),
        get_server_session: facts.get_server_session.clone(),
        get_iron_session: None,
        param_names: Vec::new(),
    };
    wrappers::analyse_local(module, (&base, &ctx), context_type, name)
}

fn ordinal(n: usize) -> String {
    match n {
        1 => "first".into(),
        2 => "second".into(),
        3 => "third".into(),
        n => format!("{n}th"),
    }
}

/// True when the module holds JSX.
fn contains_jsx(module: &Module) -> bool {
    use swc_ecma_visit::{Visit, VisitWith};
    struct V(bool);
    impl Visit for V {
        fn visit_jsx_element(&mut self, _: &JSXElement) {
            self.0 = true;
        }
        fn visit_jsx_fragment(&mut self, _: &JSXFragment) {
            self.0 = true;
        }
    }
    let mut v = V(false);
    module.visit_with(&mut v);
    v.0
}

/// What [`find_delegates`] found: the delegates (the preset ones first), the delegate calls each
/// makes, the response state they keep, and why each candidate that is not one is blocked.
type FoundDelegates = (
    Vec<delegates::Delegate>,
    Vec<std::collections::HashMap<String, usize>>,
    Needs,
    std::collections::HashMap<String, usage::Usage>,
);

/// The candidates that respond for their caller, found in rounds so that one may call another;
/// `preset` are known delegates (of other modules) they may call.
fn find_delegates(
    candidates: Vec<delegates::Candidate>,
    rebased: &[Edit],
    base: &UsageBase,
    ctx: &emit::EmitContext,
    state_params: Needs,
    preset: &[delegates::Delegate],
) -> FoundDelegates {
    let mut delegates: Vec<delegates::Delegate> = preset.to_vec();
    let mut delegate_calls: Vec<std::collections::HashMap<String, usize>> =
        vec![Default::default(); preset.len()];
    let mut keeps_state = Needs::default();
    let mut pending = candidates;
    // Why each candidate that cannot be rewritten is blocked (its latest round's reasons).
    let mut blocked: std::collections::HashMap<String, usage::Usage> = Default::default();
    loop {
        let before = delegates.len();
        let mut rest = Vec::new();
        for c in pending {
            let mut edits = EditSet::new();
            for e in rebased
                .iter()
                .filter(|e| c.range.start <= e.range.start && e.range.end <= c.range.end)
            {
                edits.add(e.clone());
            }
            let mut input = base.input(
                c.req_pos
                    .map(|p| param_name(c.params[p]).unwrap_or_default()),
                param_name(c.params[c.res_pos]).unwrap_or_default(),
                &delegates,
            );
            let u = usage::analyse(&input, c.body, edits.clone_edits());
            if u.diagnostics
                .iter()
                .any(|d| d.severity() == Severity::Error)
            {
                blocked.insert(c.name.clone(), u);
                rest.push(c);
                continue;
            }
            blocked.remove(&c.name);
            let (_, needs, _) = emit::render_delegate(ctx, &c, &u, false, Needs::default());
            let responds = needs.contains(Needs::RESPONDS);
            let headers_only = !responds
                && needs.contains(Needs::HEADERS_VAR)
                && !needs.any(
                    Needs::STATUS_VAR | Needs::BODY_VAR | Needs::BODY_VIA_CALL | Needs::QUERY_VAR,
                );
            // A reader of iron-session's session (`getIronSession(req, res, ...)`, now through
            // the cookie store): `res` is no longer needed at all.
            let cookie_reader = !responds
                && !headers_only
                && c.req_pos.is_some()
                && needs.contains(Needs::NEXT_COOKIES)
                && !needs.any(
                    Needs::HEADERS_VAR
                        | Needs::STATUS_VAR
                        | Needs::BODY_VAR
                        | Needs::BODY_VIA_CALL
                        | Needs::QUERY_VAR,
                );
            if !responds && !headers_only && !cookie_reader {
                continue;
            }
            let (u, own_state) = if responds && !state_params.is_empty() {
                input.state_params = state_params;
                (usage::analyse(&input, c.body, edits), state_params)
            } else {
                (u, Needs::default())
            };
            if responds {
                if u.uses_headers_var {
                    keeps_state |= Needs::HEADERS_VAR;
                }
                if u.uses_status_var {
                    keeps_state |= Needs::STATUS_VAR;
                }
            }
            let (mut text, needs, needs_context) =
                emit::render_delegate(ctx, &c, &u, headers_only, own_state);
            // A session reader that reads nothing else of the request loses that parameter too
            // (`async function currentUser()`).
            let request_param = format!(
                "{}{}",
                base.names.request,
                if ctx.lang.is_typescript() {
                    ": Request"
                } else {
                    ""
                }
            );
            let drops_req = cookie_reader
                && text.matches(base.names.request.as_str()).count() == 1
                && text.contains(&format!("({request_param}"));
            if drops_req {
                text = text
                    .replacen(&format!("({request_param}, "), "(", 1)
                    .replacen(&format!("({request_param})"), "()", 1);
            }
            delegate_calls.push(u.delegate_calls);
            delegates.push(delegates::Delegate {
                name: c.name.clone(),
                param_count: c.params.len(),
                required: c.required,
                res_pos: c.res_pos,
                req_pos: c.req_pos,
                needs_context,
                range: c.range.clone(),
                text,
                needs,
                state_params: own_state,
                sets_headers_only: headers_only,
                foreign: None,
                reader: cookie_reader,
                drops_res: cookie_reader,
                drops_req,
                merges_headers: false,
                extra_arg: None,
                middleware: None,
            });
        }
        pending = rest;
        if delegates.len() == before || pending.is_empty() {
            break;
        }
    }
    (delegates, delegate_calls, keeps_state, blocked)
}

/// What the rewrite of every function of one route shares.
struct UsageBase<'a> {
    src: &'a str,
    names: &'a names::Names,
    body_mode: usage::BodyMode,
    raw_body_fns: Vec<String>,
    get_server_session: Option<String>,
    get_iron_session: Option<String>,
    param_names: Vec<String>,
}

impl UsageBase<'_> {
    /// The rewrite's inputs for a function whose `req`/`res` parameters have these names.
    fn input<'b>(
        &'b self,
        req: Option<String>,
        res: String,
        delegates: &'b [delegates::Delegate],
    ) -> usage::UsageInput<'b> {
        usage::UsageInput {
            src: self.src,
            req,
            res: Some(res),
            names: self.names,
            body_mode: self.body_mode.clone(),
            raw_body_fns: self.raw_body_fns.clone(),
            get_server_session: self.get_server_session.clone(),
            get_iron_session: self.get_iron_session.clone(),
            param_names: self.param_names.clone(),
            delegates,
            state_params: Needs::default(),
            middleware_body: false,
            decorated: Vec::new(),
        }
    }
}

/// The cause of a blocking diagnostic `d`: where `d` is about `req`/`res` handed to a function of
/// this file that cannot be rewritten (`handleGET(req, res)`), the code that blocks that function
/// (its own call of an imported `getCurrentUser(req, res)`, followed through such functions),
/// with the call site named in the message; `d` itself otherwise.
fn blocking_cause(
    src: &str,
    d: &Diagnostic,
    escapes: &[usage::Escape],
    blocked: &std::collections::HashMap<String, usage::Usage>,
    depth: usize,
) -> Diagnostic {
    let at = |o: usize| crate::text::line_col(src, o);
    let Some((e, inner)) = escapes
        .iter()
        .filter(|e| at(e.at) == (d.line, d.column))
        .find_map(|e| blocked.get(&e.callee).map(|u| (e, u)))
    else {
        return d.clone();
    };
    let Some(cause) = inner
        .diagnostics
        .iter()
        .find(|c| c.severity() == Severity::Error)
    else {
        return d.clone();
    };
    let cause = if depth < 8 {
        blocking_cause(src, cause, &inner.escapes_into, blocked, depth + 1)
    } else {
        cause.clone()
    };
    let (line, column) = at(e.call);
    Diagnostic {
        message: format!(
            "{} (in `{}`, which the call at {line}:{column} hands `req`/`res`)",
            cause.message, e.callee
        ),
        ..cause
    }
}

fn internal(src: &str, at: usize, msg: &str) -> Vec<Diagnostic> {
    vec![Diagnostic::at(
        Code::InternalError,
        format!("{msg}; nothing was written (please report this file)"),
        src,
        at,
    )]
}

fn add_or_bug(set: &mut EditSet, e: Edit) -> Result<(), Vec<Diagnostic>> {
    let at = e.range.start;
    if set.add(e) {
        Ok(())
    } else {
        Err(vec![Diagnostic::new(
            Code::InternalError,
            format!("overlapping edits at byte {at} (a bug in pages2app); nothing was written"),
        )])
    }
}

/// Removing the last item of a file can leave blank lines at its end; keep the original's ending.
fn keep_trailing_newlines(src: &str, mut text: String) -> String {
    let ending = |s: &str| s.len() - s.trim_end_matches(['\n', '\r']).len();
    let want = ending(src);
    while ending(&text) > want {
        let cut = if text.ends_with("\r\n") { 2 } else { 1 };
        text.truncate(text.len() - cut);
    }
    text
}

/// Generated text uses `\n`; a CRLF file gets CRLF.
pub(crate) fn to_newlines(s: &str, nl: &str) -> String {
    if nl == "\n" {
        s.to_string()
    } else {
        s.replace("\r\n", "\n").replace('\n', nl)
    }
}

/// Whether the handler's statements end with semicolons (decides generated statements' style).
fn statement_semicolons(src: &str, body: &handler::HandlerBody) -> Option<bool> {
    if let handler::HandlerBody::Block(b) = body {
        let mut with = 0;
        let mut without = 0;
        for s in &b.stmts {
            let r = range(swc_common::Spanned::span(s));
            if matches!(
                s,
                Stmt::Expr(_) | Stmt::Decl(Decl::Var(_)) | Stmt::Return(_)
            ) {
                if src[r].trim_end().ends_with(';') {
                    with += 1;
                } else {
                    without += 1;
                }
            }
        }
        if with != without {
            return Some(with > without);
        }
    }
    None
}
