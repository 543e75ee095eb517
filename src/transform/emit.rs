//! Building the exported functions: which methods get an export, which share one, and the
//! text of each function (signature, hoisted request state, specialized body).

use super::exits::always_throws;
use super::names::Names;
use super::spec::METHODS;
use super::usage::BodyMode;
use crate::edit::Needs;
use crate::route_path::{Lang, ParamKind, RouteParam};

pub struct EmitContext<'a> {
    pub src: &'a str,
    pub lang: Lang,
    pub names: &'a Names,
    pub params: &'a [RouteParam],
    pub is_async: bool,
    pub body_mode: &'a BodyMode,
    pub semicolons: bool,
    /// The wrappers of the app around the handler: each exported function is wrapped.
    pub wrapping: Option<&'a Wrapping>,
    /// Columns the handler's body lines move left when its functions are written at the top
    /// level: the handler sat indented inside a call that the migration drops
    /// (`export default Sentry.wrapApiHandlerWithSentry(\n  async (req, res) => {`).
    pub dedent: usize,
}

/// How the exported functions of a wrapped handler are written:
/// `export const GET = withProject(async (request, context, project) => { ... })`.
#[derive(Debug, Clone)]
pub struct Wrapping {
    /// The calls before the function, outermost first: `withA(withB(`.
    pub open: String,
    /// After it, innermost first: `), { role: 'admin' })`.
    pub close: String,
    /// The handler's parameters after `req` and `res`, as written (`project`).
    pub extras: Vec<String>,
    /// The wrapper's twin does not type its handler: `request` is annotated here.
    pub annotate: bool,
    /// The handler was an arrow with an expression body: a function that only returns stays
    /// one (`withProject((request, _context, project) => ok(request, project))`).
    pub concise: bool,
    /// The fields the wrapper's twin passes in its last argument (what it put on `req`), which
    /// each function destructures as far as it reads them: `(request, _context, { user })`.
    pub fields: Vec<String>,
}

/// Methods that share one specialized body.
#[derive(Debug, Clone)]
pub struct Group {
    pub methods: Vec<&'static str>,
    pub text: String,
    pub needs: Needs,
}

#[derive(Debug)]
pub struct ExportPlan {
    pub groups: Vec<Group>,
    /// Methods the old handler never answered (the request hung), now left to Next.
    pub unanswered: Vec<&'static str>,
}

/// Next answers a method that is not exported with 405, an empty body and no headers. A body
/// that does exactly that (and nothing else) needs no export.
///
/// Compared word by word (whitespace between words is free), with semicolons at the end.
fn is_plain_405(text: &str) -> bool {
    const WORDS: [&str; 6] = ["return", "new", "Response(null,", "{", "status:", "405"];
    let mut words = text.split_whitespace();
    if !WORDS.iter().all(|w| words.next() == Some(*w)) {
        return false;
    }
    let semis = |w: &str| !w.is_empty() && w.bytes().all(|b| b == b';');
    match (words.next(), words.next(), words.next()) {
        (Some("})"), None, None) => true,
        (Some("})"), Some(s), None) => semis(s),
        (Some(w), None, None) => w.strip_prefix("})").is_some_and(semis),
        _ => false,
    }
}

/// Decides the exports from each method's specialized body. None when no method responds.
///
/// A method whose body throws on every path answered 500 in Pages, so it is exported like one
/// that responds. HEAD is a method like the others: Pages ran the handler with `HEAD`, so where
/// its body differs from GET's it gets its own export; where it never answered (the request
/// hung), it gets `plain_405` (the text of a body answering a bare 405, in the file's style), the
/// answer Next gives the other unanswered methods, instead of running GET.
///
/// With `wrapped`, a plain 405 is exported too: Pages ran the handler's wrapper (and its checks,
/// a 401 say) before the handler's 405.
pub fn plan_exports(
    bodies: &[(&'static str, String, Needs)],
    lang: Lang,
    plain_405: &str,
    wrapped: bool,
) -> Option<ExportPlan> {
    let get = |m: &str| bodies.iter().find(|(x, _, _)| *x == m);
    let responds = |m: &str| get(m).is_some_and(|(_, _, n)| n.contains(Needs::RESPONDS));
    if !METHODS.iter().any(|m| responds(m)) {
        return None;
    }
    let throws: Vec<&str> = METHODS
        .iter()
        .copied()
        .filter(|m| !responds(m) && get(m).is_some_and(|(_, t, _)| always_throws(t, lang)))
        .collect();
    let answers = |m: &str| responds(m) || throws.contains(&m);
    let is_405 = |m: &str| !wrapped && get(m).is_some_and(|(_, t, _)| is_plain_405(t));
    let mut exported: Vec<&'static str> = Vec::new();
    let mut unanswered = Vec::new();
    let mut head_405 = false;
    for m in METHODS {
        let export = match m {
            // Without an OPTIONS export Next answers 204 with an Allow header: keep whatever the
            // handler did instead.
            "OPTIONS" => answers(m),
            // Without a HEAD export Next runs GET and drops the body, as Pages did for a HEAD
            // that took GET's path, so HEAD needs its own export only where its body differs.
            "HEAD" if exported.contains(&"GET") => {
                if answers(m) {
                    get("HEAD").map(|b| (&b.1, b.2)) != get("GET").map(|b| (&b.1, b.2))
                } else {
                    head_405 = true;
                    unanswered.push(m);
                    true
                }
            }
            _ => answers(m) && !is_405(m),
        };
        if export {
            exported.push(m);
        } else if !answers(m) {
            unanswered.push(m);
        }
    }
    let plain_405_body = (plain_405.to_string(), Needs::RESPONDS);
    let mut groups: Vec<Group> = Vec::new();
    for m in exported {
        let (text, needs) = match get(m) {
            _ if m == "HEAD" && head_405 => (&plain_405_body.0, &plain_405_body.1),
            Some((_, text, needs)) => (text, needs),
            None => continue,
        };
        match groups
            .iter_mut()
            .find(|g| g.text == *text && g.needs == *needs)
        {
            Some(g) => g.methods.push(m),
            None => groups.push(Group {
                methods: vec![m],
                text: text.clone(),
                needs: *needs,
            }),
        }
    }
    Some(ExportPlan { groups, unanswered })
}

/// The parameters of a wrapped function: `request`, then the route context where it reads it
/// or where the wrapper's extra arguments follow (`_context` when unused), then those.
/// Extra arguments a function does not use are left off at the end (`withProject(async
/// (request) => ...)` where it does not read its `project`), and so is a `request` it does not
/// read when nothing follows.
fn wrapped_params(ctx: &EmitContext, w: &Wrapping, needs_context: bool, text: &str) -> String {
    let n = ctx.names;
    let ts = ctx.lang.is_typescript();
    let used = |extra: &str| {
        let name = extra.split(':').next().unwrap_or(extra).trim();
        let plain = !name.is_empty()
            && name
                .chars()
                .all(|c| c == '_' || c == '$' || c.is_alphanumeric());
        !plain
            || text.match_indices(name).any(|(i, _)| {
                let ident = |c: char| c == '_' || c == '$' || c.is_alphanumeric();
                !text[..i].ends_with(ident) && !text[i + name.len()..].starts_with(ident)
            })
    };
    let read: Vec<&str> = w
        .fields
        .iter()
        .map(String::as_str)
        .filter(|f| used(f))
        .collect();
    let destructured = (!read.is_empty()).then(|| format!("{{ {} }}", read.join(", ")));
    let keep = if destructured.is_some() {
        w.extras.len()
    } else {
        w.extras.iter().rposition(|e| used(e)).map_or(0, |i| i + 1)
    };
    let extras = &w.extras[..keep];
    let mut params = vec![if w.annotate && ts {
        format!("{}: Request", n.request)
    } else {
        n.request.clone()
    }];
    if needs_context || !extras.is_empty() || destructured.is_some() {
        let name = if needs_context {
            n.context.clone()
        } else {
            format!("_{}", n.context)
        };
        params.push(if w.annotate && ts {
            format!("{name}: {}", context_type(ctx.params))
        } else {
            name
        });
    }
    params.extend(extras.iter().cloned());
    params.extend(destructured);
    if params.len() == 1 && !used(&n.request) {
        // `withProject(async () => new Response(null, { status: 405 }))`
        params.clear();
    }
    params.join(", ")
}

/// True when the last response of a body is a 405: the function is a "method not allowed" fallback.
fn ends_with_405(text: &str) -> bool {
    text.rfind("return ")
        .is_some_and(|i| text[i..].contains("status: 405"))
}

/// The TypeScript type of the second argument, `{ params: Promise<{ id: string }> }`.
fn context_type(params: &[RouteParam]) -> String {
    let fields: Vec<String> = params
        .iter()
        .map(|p| match p.kind {
            ParamKind::Single => format!("{}: string", ts_key(&p.name)),
            ParamKind::CatchAll => format!("{}: string[]", ts_key(&p.name)),
            ParamKind::OptionalCatchAll => format!("{}?: string[]", ts_key(&p.name)),
        })
        .collect();
    format!("{{ params: Promise<{{ {} }}> }}", fields.join("; "))
}

fn ts_key(name: &str) -> String {
    let ident = !name.is_empty()
        && name.chars().enumerate().all(|(i, c)| {
            c == '_' || c == '$' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())
        });
    if ident {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// The indentation of the first statement line in a body text.
fn body_indent(text: &str) -> String {
    for line in text.lines().skip(1) {
        if !line.trim().is_empty() {
            let n = line.len() - line.trim_start().len();
            return line[..n].to_string();
        }
    }
    "  ".to_string()
}

/// The length of the `//` comment lines a body text starts with (after its first line break),
/// up to the line break that ends the last of them; 0 when it starts with code.
fn leading_comment_lines(text: &str) -> usize {
    let mut end = 0;
    let mut at = match text.find('\n') {
        Some(i) if text[..i].trim().is_empty() => i,
        _ => return 0,
    };
    while let Some(line) = text[at + 1..].split_inclusive('\n').next() {
        if !line.trim_start().starts_with("//") || !line.ends_with('\n') {
            break;
        }
        end = at + 1 + line.len() - 1;
        at = end;
    }
    end
}

/// `pages.headers(request)` read more than once in `text` is bound once, after the other
/// declarations of the request's state: `const requestHeaders = pages.headers(request)` (it
/// builds the Node-style header object from the request on every call).
fn bind_request_headers(ctx: &EmitContext, text: &str, hoisted: &mut Vec<String>) -> String {
    let n = ctx.names;
    let call = [n.pages.as_str(), ".headers(", n.request.as_str(), ")"].concat();
    if text.matches(&call).nth(1).is_none() {
        return text.to_string();
    }
    let semi = if ctx.semicolons { ";" } else { "" };
    let at = hoisted
        .iter()
        .position(|h| h.starts_with(&["let ", &n.status, " "].concat()))
        .or_else(|| {
            hoisted
                .iter()
                .position(|h| h.starts_with(&["const ", &n.headers, " "].concat()))
        })
        .unwrap_or(hoisted.len());
    hoisted.insert(
        at,
        ["const ", &n.request_headers, " = ", &call, semi].concat(),
    );
    text.replace(&call, &n.request_headers)
}

/// `let status = 200` hoisted, then `status = 201` as the function's first statement that
/// touches it (at the body's own indentation, nothing before it naming `status`): that
/// statement declares it instead (`let status = 201`, `const` when nothing sets it again), so
/// the function does not set it twice.
fn declare_status_at_first_set(
    ctx: &EmitContext,
    text: String,
    hoisted: &mut Vec<String>,
    indent: &str,
) -> String {
    let n = ctx.names;
    let init = ["let ", &n.status, " = 200"].concat();
    let Some(k) = hoisted.iter().position(|h| h.starts_with(&init)) else {
        return text;
    };
    let assign = [indent, &n.status, " = "].concat();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with(&assign) {
            break;
        }
        at += line.len();
    }
    if at >= text.len() {
        return text;
    }
    let before = &text[..at];
    let named_before = before.match_indices(n.status.as_str()).any(|(i, _)| {
        let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
        !before[..i].ends_with(ident) && !before[i + n.status.len()..].starts_with(ident)
    });
    // Inside a multi-line template the line would be data: an odd number of backticks before.
    if named_before || before.matches('`').count() % 2 == 1 {
        return text;
    }
    hoisted.remove(k);
    // Set nowhere else: a constant.
    let after = &text[at + assign.len()..];
    let set_again = after.match_indices(n.status.as_str()).any(|(i, _)| {
        let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
        let rest = after[i + n.status.len()..].trim_start();
        !after[..i].ends_with(ident)
            && !after[i + n.status.len()..].starts_with(ident)
            && (rest.starts_with('=') && !rest.starts_with("==")
                || rest.starts_with("+=")
                || rest.starts_with("++"))
    });
    let keyword = if set_again { "let " } else { "const " };
    [before, indent, keyword, &text[at + indent.len()..]].concat()
}

fn hoists(ctx: &EmitContext, needs: Needs) -> Vec<String> {
    let n = ctx.names;
    let semi = if ctx.semicolons { ";" } else { "" };
    let mut out = Vec::new();
    // Built with concat (these run for every exported function).
    if needs.contains(Needs::QUERY_VAR) {
        if ctx.params.is_empty() {
            out.push(
                [
                    "const ", &n.query, " = ", &n.pages, ".query(", &n.request, ")", semi,
                ]
                .concat(),
            );
        } else {
            out.push(
                [
                    "const ", &n.query, " = ", &n.pages, ".query(", &n.request, ", await ",
                    &n.context, ".params)", semi,
                ]
                .concat(),
            );
        }
    }
    if needs.contains(Needs::BODY_VAR) {
        let opts = match ctx.body_mode {
            BodyMode::Parsed {
                size_limit: Some(l),
            } => format!(", {{ sizeLimit: {l} }}"),
            _ => String::new(),
        };
        out.push(format!(
            "const {} = await {}.body({}{opts}){semi}",
            n.body, n.pages, n.request
        ));
        out.push(format!(
            "if ({b} instanceof Response) return {b}{semi} // 400 Invalid JSON / 413, as the Pages body parser answered",
            b = n.body
        ));
    }
    if needs.contains(Needs::STATUS_VAR) {
        out.push(["let ", &n.status, " = 200", semi].concat());
    }
    if needs.contains(Needs::HEADERS_VAR) {
        out.push(["const ", &n.headers, " = new Headers()", semi].concat());
    }
    out
}

/// The new text of a delegate: `res` gives way to `request` (and the route context where it
/// reads the query of a dynamic route), responses are returned, request state is hoisted.
pub fn render_delegate(
    ctx: &EmitContext,
    c: &super::delegates::Candidate,
    usage: &super::usage::Usage,
    headers_only: bool,
    state_params: Needs,
) -> (String, Needs, bool) {
    let n = ctx.names;
    let ts = ctx.lang.is_typescript();
    let mut needs = Needs::default();
    let body_text = match (c.body, &c.block_range) {
        (Ok(_), Some(r)) => usage.edits.render(
            ctx.src,
            (r.start + 1)..(r.end - 1).max(r.start + 1),
            &mut needs,
        ),
        (Err(e), _) => usage.edits.render(
            ctx.src,
            crate::parse::range(swc_common::Spanned::span(e)),
            &mut needs,
        ),
        _ => String::new(),
    };
    // State received from the caller is passed on by every response of the delegate.
    let body_text = crate::edit::finalize_inits(&body_text, needs | state_params);
    let needs_context = (needs.contains(Needs::QUERY_VAR) && !ctx.params.is_empty())
        || needs.contains(Needs::CONTEXT);
    let is_async = c.is_async
        || needs.contains(Needs::AWAIT)
        || needs.contains(Needs::BODY_VAR)
        || needs_context;
    let mut params = Vec::new();
    for (i, r) in c.param_ranges.iter().enumerate() {
        if headers_only && i == c.res_pos {
            params.push(format!(
                "{}{}",
                n.headers,
                if ts { ": Headers" } else { "" }
            ));
            continue;
        }
        if headers_only && Some(i) == c.req_pos {
            params.push(format!(
                "{}{}",
                n.request,
                if ts { ": Request" } else { "" }
            ));
            continue;
        }
        if i == c.res_pos && c.req_pos.is_some() {
            continue;
        }
        if Some(i) == c.req_pos || (i == c.res_pos && c.req_pos.is_none()) {
            params.push(format!(
                "{}{}",
                n.request,
                if ts { ": Request" } else { "" }
            ));
            if needs_context {
                params.push(format!(
                    "{}{}",
                    n.context,
                    if ts {
                        format!(": {}", context_type(ctx.params))
                    } else {
                        String::new()
                    }
                ));
            }
            continue;
        }
        params.push(ctx.src[r.clone()].to_string());
    }
    // A headers-only helper gets the caller's `headers` bag as a parameter; a response delegate
    // may get the caller's `headers` and `status` as its last parameters.
    let from_params = if headers_only {
        Needs::HEADERS_VAR
    } else {
        state_params
    };
    let hoisted = hoists(ctx, Needs(needs.0 & !from_params.0));
    if !headers_only {
        if state_params.contains(Needs::HEADERS_VAR) {
            params.push(format!(
                "{}{}",
                n.headers,
                if ts { ": Headers" } else { "" }
            ));
        }
        if state_params.contains(Needs::STATUS_VAR) {
            params.push(format!("{}{}", n.status, if ts { ": number" } else { "" }));
        }
    }
    let body = match c.body {
        Ok(_) => {
            let indent = body_indent(&body_text);
            let mut b = String::from("{");
            for h in &hoisted {
                b.push('\n');
                b.push_str(&indent);
                b.push_str(h);
            }
            b.push_str(&body_text);
            b.push('}');
            b
        }
        Err(_) if hoisted.is_empty() => body_text,
        Err(_) => {
            let mut b = String::from("{");
            for h in &hoisted {
                b.push_str("\n  ");
                b.push_str(h);
            }
            b.push_str(&format!("\n  return {body_text}\n}}"));
            b
        }
    };
    let asyncness = if is_async { "async " } else { "" };
    let text = if c.is_arrow {
        let semi = if ctx.src[c.range.clone()].trim_end().ends_with(';') {
            ";"
        } else {
            ""
        };
        format!(
            "const {} = {asyncness}({}) => {body}{semi}",
            c.name,
            params.join(", ")
        )
    } else {
        format!(
            "{asyncness}function {}({}) {body}",
            c.name,
            params.join(", ")
        )
    };
    (text, needs, needs_context)
}

/// Renders every exported function, separated by blank lines.
/// `bound`: methods whose names the module binds itself (a `function GET` it calls), with the
/// local name their function gets instead (`export { handleGet as GET }`).
pub fn render_functions(
    ctx: &EmitContext,
    plan: &ExportPlan,
    bound: &[(&'static str, String)],
) -> String {
    let n = ctx.names;
    let ts = ctx.lang.is_typescript();
    let semi = if ctx.semicolons { ";" } else { "" };
    let single = plan.groups.len() == 1 && plan.groups[0].methods.len() > 1;
    let mut used_local_names: Vec<String> = Vec::new();
    let mut out = String::with_capacity(plan.groups.iter().map(|g| g.text.len() + 256).sum());
    for g in &plan.groups {
        let needs_query_params = (g.needs.contains(Needs::QUERY_VAR) && !ctx.params.is_empty())
            || g.needs.contains(Needs::CONTEXT);
        let is_async = ctx.is_async
            || g.needs.contains(Needs::AWAIT)
            || needs_query_params
            || g.needs.any(Needs::BODY_VAR | Needs::BODY_VIA_CALL);
        let mut sig = n.request.clone();
        if ts {
            sig.push_str(": Request");
        }
        if needs_query_params {
            sig.push_str(", ");
            sig.push_str(&n.context);
            if ts {
                sig.push_str(": ");
                sig.push_str(&context_type(ctx.params));
            }
        }
        let (export, name) = if g.methods.len() == 1 {
            match bound.iter().find(|(m, _)| *m == g.methods[0]) {
                Some((_, local)) => ("", local.clone()),
                None => ("export ", g.methods[0].to_string()),
            }
        } else {
            let preferred = if single {
                n.handler.clone()
            } else if ends_with_405(&g.text) && !used_local_names.contains(&n.method_not_allowed) {
                n.method_not_allowed.clone()
            } else {
                n.handler.clone()
            };
            let mut name = preferred.clone();
            let mut k = 2;
            while used_local_names.contains(&name) {
                name = format!("{preferred}{k}");
                k += 1;
            }
            used_local_names.push(name.clone());
            ("", name)
        };
        // Written straight into `out`: a function's text is most of the migrated file, and
        // building it with `format!` and joining the parts copied it twice more.
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(export);
        // Pages parsed the body before the handler ran, so a 400 (invalid JSON) or 413 came
        // before any of its code; where only a function it calls reads the body, the exported
        // function still parses it first (`pages.body` parses once per request, so the callee
        // reads the same result).
        let early_hoists = if g.needs.contains(Needs::BODY_VIA_CALL) {
            g.needs | Needs::BODY_VAR
        } else {
            g.needs
        };
        // What the function reads, its hoisted declarations (`const query =
        // pages.query(request)`) included: the parameters it needs.
        let hoisted = hoists(ctx, early_hoists);
        let reads = if hoisted.is_empty() || ctx.wrapping.is_none() {
            std::borrow::Cow::Borrowed(g.text.as_str())
        } else {
            std::borrow::Cow::Owned(format!("{}\n{}", hoisted.join("\n"), g.text))
        };
        let concise = ctx
            .wrapping
            .filter(|w| w.concise && hoisted.is_empty())
            .and_then(|w| Some((w, concise_return(&g.text)?)));
        if let Some((w, expr)) = concise {
            wrapped_head(
                &mut out,
                &name,
                w,
                is_async,
                &wrapped_params(ctx, w, needs_query_params, &reads),
            );
            out.push(' ');
            out.push_str(expr);
            out.push_str(&w.close);
            out.push_str(semi);
            export_list(&mut out, &g.methods, &name, semi);
            continue;
        }
        match ctx.wrapping {
            // `export const GET = withAuth(async (request) => {`
            Some(w) => {
                wrapped_head(
                    &mut out,
                    &name,
                    w,
                    is_async,
                    &wrapped_params(ctx, w, needs_query_params, &reads),
                );
                out.push_str(" {");
            }
            None => {
                if is_async {
                    out.push_str("async ");
                }
                out.push_str("function ");
                out.push_str(&name);
                out.push('(');
                out.push_str(&sig);
                out.push_str(") {");
            }
        }
        let dedented;
        let g_text = if ctx.dedent > 0 {
            dedented = dedent_body(&g.text, ctx.dedent);
            dedented.as_str()
        } else {
            g.text.as_str()
        };
        let indent = body_indent(g_text);
        let mut hoisted = hoisted;
        let body = bind_request_headers(ctx, g_text, &mut hoisted);
        let body = declare_status_at_first_set(ctx, body, &mut hoisted, &indent);
        // The comment lines the body starts with describe the function: the generated
        // declarations come after them.
        let (comments, text) = if hoisted.is_empty() {
            ("", body.as_str())
        } else {
            body.split_at(leading_comment_lines(&body))
        };
        out.push_str(comments.trim_end_matches(['\r', '\n']));
        for h in &hoisted {
            out.push('\n');
            out.push_str(&indent);
            out.push_str(h);
        }
        if !comments.is_empty() && !hoisted.is_empty() {
            out.push_str(&text[..text.len() - text.trim_start_matches(['\r', '\n']).len()]);
            out.push_str(text.trim_start_matches(['\r', '\n']));
        } else if !text.starts_with('\n') && !text.starts_with("\r\n") && !hoisted.is_empty() {
            out.push('\n');
            out.push_str(&indent);
            out.push_str(text.trim_start());
        } else if hoisted.is_empty() {
            // A branch the method does not take, dropped from the top of the body, leaves the
            // blank line that followed it: the body starts at its first line of code.
            out.push_str(without_leading_blank_lines(text));
        } else {
            out.push_str(text);
        }
        out.push('}');
        if let Some(w) = ctx.wrapping {
            out.push_str(&w.close);
            out.push_str(semi);
        }
        export_list(&mut out, &g.methods, &name, semi);
    }
    out
}

/// `text` (a body after its `{`) from its last line break before the first line that is not
/// blank: `{\n\n  return x` becomes `{\n  return x`.
fn without_leading_blank_lines(text: &str) -> &str {
    let mut start = 0;
    let mut first_break = None;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'\n' => {
                first_break.get_or_insert(i);
                start = i;
            }
            b' ' | b'\t' | b'\r' => {}
            _ => break,
        }
    }
    match first_break {
        // Keep the line break itself (and a CR before it).
        Some(f) if start > f => {
            let cr = usize::from(start > 0 && text.as_bytes()[start - 1] == b'\r');
            &text[start - cr..]
        }
        _ => text,
    }
}

/// `text` with its lines after the first moved `width` columns left; as it is when a line is
/// indented less or may hold a template literal that goes on to the next line (whose lines
/// are data: a line with an odd number of backticks).
fn dedent_body(text: &str, width: usize) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let pad = " ".repeat(width);
    let movable = lines.iter().all(|l| l.matches('`').count() % 2 == 0)
        && lines[1..]
            .iter()
            .all(|l| l.trim().is_empty() || l.starts_with(&pad));
    if !movable {
        return text.to_string();
    }
    let mut out = String::from(lines[0]);
    for l in &lines[1..] {
        out.push('\n');
        out.push_str(l.get(width..).unwrap_or_else(|| l.trim_start_matches(' ')));
    }
    out
}

/// `const GET = withAuth(async (request) =>`: a wrapped function up to its body.
fn wrapped_head(out: &mut String, name: &str, w: &Wrapping, is_async: bool, params: &str) {
    out.push_str("const ");
    out.push_str(name);
    out.push_str(" = ");
    out.push_str(&w.open);
    if is_async {
        out.push_str("async ");
    }
    out.push('(');
    out.push_str(params);
    out.push_str(") =>");
}

/// `export { handler as PUT, handler as DELETE }` for a function serving several methods.
fn export_list(out: &mut String, methods: &[&str], name: &str, semi: &str) {
    if methods.len() > 1 || methods.first().is_some_and(|m| *m != name) {
        out.push_str("\n\nexport { ");
        for (i, m) in methods.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(name);
            out.push_str(" as ");
            out.push_str(m);
        }
        out.push_str(" }");
        out.push_str(semi);
    }
}

/// The expression of a body that is one line `return <expr>` (its semicolon dropped).
fn concise_return(text: &str) -> Option<&str> {
    let t = text.trim();
    let expr = t.strip_prefix("return ")?.trim_end_matches(';').trim_end();
    (!t.contains('\n') && !expr.is_empty() && !t.contains("//") && !expr.starts_with('{'))
        .then_some(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_starts_at_its_first_line_of_code() {
        assert_eq!(
            without_leading_blank_lines("\n\n  return x\n"),
            "\n  return x\n"
        );
        assert_eq!(
            without_leading_blank_lines("\r\n  \r\n  return x"),
            "\r\n  return x"
        );
        assert_eq!(
            without_leading_blank_lines("\n  return x\n\n  y\n"),
            "\n  return x\n\n  y\n"
        );
        assert_eq!(without_leading_blank_lines(" return x "), " return x ");
    }

    fn b(m: &'static str, t: &str, responds: bool) -> (&'static str, String, Needs) {
        (
            m,
            t.to_string(),
            if responds {
                Needs::RESPONDS
            } else {
                Needs::default()
            },
        )
    }

    #[test]
    fn a_plain_405_is_recognised_whatever_the_spacing_and_semicolons() {
        // The rule: words joined by one space, trailing semicolons and spaces dropped.
        let by_joining = |text: &str| {
            let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
            t.trim_end_matches(';').trim() == "return new Response(null, { status: 405 })"
        };
        for text in [
            "return new Response(null, { status: 405 })",
            "\n  return new Response(null, { status: 405 });\n",
            "return  new\tResponse(null,\n{ status: 405 }) ;;",
            "return new Response(null, { status: 405 });;",
            "return new Response(null, { status: 405 }) ; ;",
            "return new Response(null, { status: 405 });; ;",
            "return new Response(null, { status: 405 }) x",
            "return new Response(null, { status: 405, headers })",
            "return new Response(null, { status: 405 })\nfoo()",
            "return new Response(null, { status: 4050 })",
            "return new Response(null, { status: 405 }",
            "return new Response(null, { status: 405 })x;",
            "",
            ";",
        ] {
            assert_eq!(is_plain_405(text), by_joining(text), "{text:?}");
        }
    }

    /// GET answers with `get`; every other method has the body `other` (answering or not).
    fn get_and_others(other: &str, answered: bool) -> Vec<(&'static str, String, Needs)> {
        METHODS
            .iter()
            .map(|m| {
                if *m == "GET" {
                    b(m, "get", true)
                } else {
                    b(m, other, answered)
                }
            })
            .collect()
    }

    #[test]
    fn plain_405_fallbacks_are_left_to_next_but_options_is_kept() {
        let bodies = get_and_others(PLAIN_405, true);
        let plan = plan_exports(&bodies, Lang::Ts, PLAIN_405, false).unwrap();
        let methods: Vec<_> = plan.groups.iter().map(|g| g.methods.clone()).collect();
        // HEAD differs from GET (it got the 405), so it is exported; OPTIONS keeps its 405.
        assert_eq!(methods, vec![vec!["GET"], vec!["HEAD", "OPTIONS"]]);
    }

    #[test]
    fn method_agnostic_handlers_answer_everything_and_head_follows_get() {
        let bodies: Vec<_> = METHODS.iter().map(|m| b(m, "same", true)).collect();
        let plan = plan_exports(&bodies, Lang::Ts, PLAIN_405, false).unwrap();
        assert_eq!(plan.groups.len(), 1);
        assert_eq!(
            plan.groups[0].methods,
            vec!["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        );
        assert!(plan.unanswered.is_empty());
    }

    const PLAIN_405: &str = "\n  return new Response(null, { status: 405 })\n";

    #[test]
    fn a_head_that_throws_or_hangs_where_get_answers_gets_its_own_export() {
        // `if (req.method !== 'GET') throw ...`: HEAD threw (500) in Pages; it must not run GET.
        let throw = "\n  throw new Error('no')\n";
        let bodies = get_and_others(throw, false);
        let plan = plan_exports(&bodies, Lang::Ts, PLAIN_405, false).unwrap();
        let methods: Vec<_> = plan.groups.iter().map(|g| g.methods.clone()).collect();
        assert_eq!(
            methods,
            vec![
                vec!["GET"],
                vec!["HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
            ]
        );
        assert!(plan.unanswered.is_empty(), "throwing methods answered 500");
        // `if (req.method === 'GET') res.json(x)`: HEAD hung; it gets the 405 the others get.
        let bodies = get_and_others("", false);
        let plan = plan_exports(&bodies, Lang::Ts, PLAIN_405, false).unwrap();
        assert_eq!(plan.groups.len(), 2);
        assert_eq!(plan.groups[1].methods, vec!["HEAD"]);
        assert_eq!(plan.groups[1].text, PLAIN_405);
        assert_eq!(
            plan.unanswered,
            vec!["HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        );
    }

    #[test]
    fn unanswered_methods_are_reported() {
        let bodies: Vec<_> = METHODS
            .iter()
            .map(|m| b(m, if *m == "POST" { "post" } else { "" }, *m == "POST"))
            .collect();
        let plan = plan_exports(&bodies, Lang::Ts, PLAIN_405, false).unwrap();
        assert_eq!(plan.groups.len(), 1);
        assert_eq!(
            plan.unanswered,
            vec!["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]
        );
    }

    #[test]
    fn quoted_param_keys() {
        assert_eq!(ts_key("id"), "id");
        assert_eq!(ts_key("post-id"), "'post-id'");
    }
}
