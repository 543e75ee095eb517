//! A deterministic, seeded generator of benchmark corpora: a Next.js app whose `pages/api` holds
//! N realistic API routes of 1-10 KB each.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --seed 1 --count 1000 --out target/bench/corpus-1000
//! ```
//!
//! The same seed and count always write the same bytes. About 90% of the routes use shapes the
//! transform rewrites (default-exported function / arrow / const handlers; `req.method` if-chains,
//! `!==` guards, `switch (method)` with fall-through; `req.query`, `req.body`, `req.cookies`,
//! `req.headers[...]`; `res.status(n).json(x)`, `res.send`, `res.end()`, `res.setHeader`,
//! `res.redirect`; `export const config`; `[id]`, `[...slug]` and `[[...slug]]` paths). About 10%
//! are shapes the tool reports for manual work: a wrapped handler (`export default
//! withAuth(handler)`), `res` passed to a helper imported from `lib/http`, `res.write` streaming.
//! The rest of each file is ordinary padding (types, validation, serializers, db calls through
//! `lib/db`) up to a size drawn between 1 and 10 KB. Paths never collide (`a.ts` next to
//! `a/index.ts`, `[id]` next to `[slug]`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Parser;

#[derive(Parser, Debug)]
#[command(about = "Write a seeded corpus of Next.js Pages API routes")]
struct Args {
    /// Random seed: the same seed and count give the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of route files.
    #[arg(long)]
    count: usize,
    /// Output folder (created; must be empty or absent).
    #[arg(long)]
    out: PathBuf,
    /// A whole app: besides the routes, 4 modules per route under `lib/`, `components/` and
    /// `types/` that import each other and some routes (see [`whole_app`]).
    #[arg(long)]
    whole_app: bool,
}

const MIN_SIZE: usize = 1024;
const MAX_SIZE: usize = 10 * 1024;

/// SplitMix64: tiny, fast, and stable across platforms and releases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

struct Noun {
    name: &'static str,
    table: &'static str,
}

const NOUNS: &[Noun] = &[
    Noun {
        name: "Order",
        table: "orders",
    },
    Noun {
        name: "User",
        table: "users",
    },
    Noun {
        name: "Invoice",
        table: "invoices",
    },
    Noun {
        name: "Project",
        table: "projects",
    },
    Noun {
        name: "Comment",
        table: "comments",
    },
    Noun {
        name: "Product",
        table: "products",
    },
    Noun {
        name: "Team",
        table: "teams",
    },
    Noun {
        name: "Ticket",
        table: "tickets",
    },
    Noun {
        name: "Payment",
        table: "payments",
    },
    Noun {
        name: "Report",
        table: "reports",
    },
    Noun {
        name: "Webhook",
        table: "webhooks",
    },
    Noun {
        name: "Subscription",
        table: "subscriptions",
    },
    Noun {
        name: "Shipment",
        table: "shipments",
    },
    Noun {
        name: "Article",
        table: "articles",
    },
    Noun {
        name: "Coupon",
        table: "coupons",
    },
];

const AREAS: &[&str] = &[
    "admin",
    "billing",
    "catalog",
    "crm",
    "inventory",
    "support",
    "content",
    "analytics",
    "accounts",
    "integrations",
    "v1",
    "internal",
];
const ACTIONS: &[&str] = &[
    "export",
    "stats",
    "archive",
    "publish",
    "restore",
    "duplicate",
    "preview",
    "summary",
    "history",
    "sync",
];
const PARAMS: &[&str] = &["id", "id", "id", "slug", "key", "ref"];

#[derive(Clone, Copy)]
enum FieldType {
    Str,
    Num,
    Bool,
    Enum(&'static [&'static str]),
    Date,
    Tags,
}

const FIELDS: &[(&str, FieldType)] = &[
    ("name", FieldType::Str),
    ("title", FieldType::Str),
    ("email", FieldType::Str),
    ("description", FieldType::Str),
    ("status", FieldType::Enum(&["draft", "active", "archived"])),
    (
        "priority",
        FieldType::Enum(&["low", "normal", "high", "urgent"]),
    ),
    ("currency", FieldType::Enum(&["EUR", "USD", "GBP", "JPY"])),
    ("amount", FieldType::Num),
    ("quantity", FieldType::Num),
    ("position", FieldType::Num),
    ("active", FieldType::Bool),
    ("featured", FieldType::Bool),
    ("dueDate", FieldType::Date),
    ("publishedAt", FieldType::Date),
    ("tags", FieldType::Tags),
    ("ownerId", FieldType::Str),
    ("externalRef", FieldType::Str),
];

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

// ---------------------------------------------------------------------------------------------
// Paths

#[derive(Clone, Copy, PartialEq)]
enum Dyn {
    None,
    Param,
    CatchAll,
    Optional,
}

struct RoutePlan {
    /// Path relative to the app root.
    path: String,
    ts: bool,
    dynamic: Dyn,
    /// The dynamic segment's name (`id`, `slug`, ...), when there is one.
    param: String,
    noun: usize,
    /// Collection (index) routes list and create; item routes read, update and delete.
    item: bool,
}

fn plan_paths(rng: &mut Rng, count: usize) -> Vec<RoutePlan> {
    let mut out: Vec<RoutePlan> = Vec::with_capacity(count);
    let mut k = 0usize;
    while out.len() < count {
        k += 1;
        let area = AREAS[k % AREAS.len()];
        // Shard so no folder gets huge: pages/api/<area>/<shard>/<noun>-<k>...
        let shard = format!("s{}", k / (AREAS.len() * 40));
        let noun = rng.below(NOUNS.len());
        let base = format!("pages/api/{area}/{shard}/{}-{k}", NOUNS[noun].table);
        let ts = rng.chance(0.85);
        let ext = if ts { "ts" } else { "js" };
        let param = PARAMS[rng.below(PARAMS.len())].to_string();
        let mut add = |path: String, dynamic: Dyn, param: &str, item: bool| {
            out.push(RoutePlan {
                path,
                ts,
                dynamic,
                param: param.to_string(),
                noun,
                item,
            });
        };
        match rng.below(100) {
            0..=24 => add(format!("{base}.{ext}"), Dyn::None, "", false),
            25..=54 => {
                add(format!("{base}/index.{ext}"), Dyn::None, "", false);
                add(format!("{base}/[{param}].{ext}"), Dyn::Param, &param, true);
                if rng.chance(0.4) {
                    let action = ACTIONS[rng.below(ACTIONS.len())];
                    add(
                        format!("{base}/[{param}]/{action}.{ext}"),
                        Dyn::Param,
                        &param,
                        true,
                    );
                }
            }
            55..=69 => add(format!("{base}/[{param}].{ext}"), Dyn::Param, &param, true),
            70..=79 => {
                if rng.chance(0.5) {
                    add(format!("{base}/index.{ext}"), Dyn::None, "", false);
                }
                add(
                    format!("{base}/[...slug].{ext}"),
                    Dyn::CatchAll,
                    "slug",
                    true,
                );
            }
            80..=87 => add(
                format!("{base}/[[...slug]].{ext}"),
                Dyn::Optional,
                "slug",
                true,
            ),
            _ => {
                let first = rng.below(ACTIONS.len());
                let n = rng.range(1, 3);
                for j in 0..n {
                    add(
                        format!("{base}/{}.{ext}", ACTIONS[(first + j) % ACTIONS.len()]),
                        Dyn::None,
                        "",
                        false,
                    );
                }
            }
        }
    }
    out.truncate(count);
    out
}

/// `../` steps from the folder of `path` up to the app root.
fn to_root(path: &str) -> String {
    let depth = path.matches('/').count();
    "../".repeat(depth).trim_end_matches('/').to_string()
}

// ---------------------------------------------------------------------------------------------
// Code

/// Templates are written in TypeScript; type-only text sits between `«` and `»` and is dropped
/// for JavaScript files.
fn lang_text(s: &str, ts: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '«' => depth += 1,
            '»' => depth -= 1,
            _ if depth > 0 && !ts => {}
            _ => out.push(c),
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Manual {
    No,
    Wrapped,
    ResEscapes,
    Streaming,
}

#[derive(Clone, Copy, PartialEq)]
enum HandlerForm {
    ExportFn,
    ExportArrow,
    ConstArrow,
    FnThenExport,
}

#[derive(Clone, Copy, PartialEq)]
enum Dispatch {
    IfChain,
    ElseIf,
    Guard,
    Switch,
    Single,
}

struct File<'a> {
    plan: &'a RoutePlan,
    noun: &'a Noun,
    fields: Vec<(&'static str, FieldType)>,
    semi: &'static str,
    quote: char,
    /// Helper name suffix, so padded helpers never clash.
    n: usize,
    /// Which core helpers the handler calls (only those are written).
    uses: std::cell::Cell<u8>,
}

const USES_VALIDATE: u8 = 1;
const USES_SERIALIZE: u8 = 2;
const USES_CSV: u8 = 4;

impl File<'_> {
    fn uses(&self, what: u8) {
        self.uses.set(self.uses.get() | what);
    }
    fn q(&self, s: &str) -> String {
        format!("{0}{s}{0}", self.quote)
    }
    fn id_expr(&self) -> String {
        match self.plan.dynamic {
            Dyn::Param => format!("String(req.query.{})", self.plan.param),
            Dyn::CatchAll => format!("(req.query.slug« as string[]»).join({})", self.q("/")),
            Dyn::Optional => format!(
                "((req.query.slug« as string[] | undefined») ?? []).join({})",
                self.q("/")
            ),
            Dyn::None => format!("String(req.query.id ?? {})", self.q("")),
        }
    }
}

fn indent(s: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    s.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The statements answering one method (each ends in a response in tail position).
fn method_block(f: &File, rng: &mut Rng, method: &str, in_switch: bool) -> String {
    let s = f.semi;
    let t = f.noun.table;
    let nm = f.noun.name;
    let mut b = String::new();
    f.uses(USES_SERIALIZE);
    let ret = if in_switch { "" } else { "return " };
    let fin = |b: &mut String, line: String| {
        if in_switch {
            let _ = writeln!(b, "{line}{s}\nbreak{s}");
        } else {
            let _ = writeln!(b, "{line}{s}");
        }
    };
    if rng.chance(0.35) {
        match rng.below(3) {
            0 => {
                let _ = writeln!(b, "const session = req.cookies.session{s}");
                let _ = writeln!(
                    b,
                    "if (!session) {{\n  {ret}res.status(401).json({{ error: {} }}){s}",
                    f.q("Unauthorized")
                );
                let _ = writeln!(
                    b,
                    "{}}}",
                    if in_switch {
                        format!("  break{s}\n")
                    } else {
                        String::new()
                    }
                );
            }
            1 => {
                let _ = writeln!(b, "const apiKey = req.headers[{}]{s}", f.q("x-api-key"));
                let _ = writeln!(
                    b,
                    "if (typeof apiKey !== {} || apiKey.length < 20) {{",
                    f.q("string")
                );
                let _ = writeln!(
                    b,
                    "  {ret}res.status(403).json({{ error: {} }}){s}",
                    f.q("Forbidden")
                );
                let _ = writeln!(
                    b,
                    "{}}}",
                    if in_switch {
                        format!("  break{s}\n")
                    } else {
                        String::new()
                    }
                );
            }
            _ => {
                let _ = writeln!(
                    b,
                    "const requestId = req.headers[{}] ?? {}{s}",
                    f.q("x-request-id"),
                    f.q("none")
                );
                let _ = writeln!(
                    b,
                    "logger.info({}, {{ requestId, method: req.method }}){s}",
                    f.q(&format!("{t} request"))
                );
            }
        }
    }
    match (method, f.plan.item) {
        ("GET", false) => {
            let _ = writeln!(
                b,
                "const page = Math.max(1, Number(req.query.page ?? 1)){s}"
            );
            let _ = writeln!(
                b,
                "const limit = Math.min(100, Number(req.query.limit ?? 20)){s}"
            );
            let _ = writeln!(
                b,
                "const search = typeof req.query.q === {} ? req.query.q.trim() : {}{s}",
                f.q("string"),
                f.q("")
            );
            let _ = writeln!(b, "const rows = await db.{t}.findMany({{");
            let _ = writeln!(
                b,
                "  where: search ? {{ name: {{ contains: search }} }} : {{}},"
            );
            let _ = writeln!(b, "  orderBy: {{ createdAt: {} }},", f.q("desc"));
            let _ = writeln!(b, "  skip: (page - 1) * limit,\n  take: limit,\n}}){s}");
            if rng.chance(0.5) {
                let _ = writeln!(
                    b,
                    "res.setHeader({}, {}){s}",
                    f.q("Cache-Control"),
                    f.q("private, max-age=30")
                );
            }
            match rng.below(3) {
                0 => fin(&mut b, format!("{ret}res.status(200).json({{ data: rows.map(serialize{nm}{n}), page, limit }})", n = f.n)),
                1 => fin(&mut b, format!("{ret}res.json(rows.map(serialize{nm}{n}))", n = f.n)),
                _ => {
                    let _ = writeln!(b, "const total = await db.{t}.count(){s}");
                    fin(&mut b, format!("{ret}res.status(200).json({{ data: rows.map(serialize{nm}{n}), total, hasMore: page * limit < total }})", n = f.n));
                }
            }
        }
        ("GET", true) => {
            let _ = writeln!(b, "const key = {}{s}", f.id_expr());
            let _ = writeln!(
                b,
                "const row = await db.{t}.findUnique({{ where: {{ id: key }} }}){s}"
            );
            if in_switch {
                let _ = writeln!(
                    b,
                    "if (!row) {{\n  res.status(404).json({{ error: {} }}){s}\n  break{s}\n}}",
                    f.q(&format!("{nm} not found"))
                );
            } else {
                let _ = writeln!(
                    b,
                    "if (!row) {{\n  return res.status(404).json({{ error: {} }}){s}\n}}",
                    f.q(&format!("{nm} not found"))
                );
            }
            match rng.below(4) {
                0 => {
                    let _ = writeln!(
                        b,
                        "res.setHeader({}, {}){s}",
                        f.q("ETag"),
                        format_args!("`\"${{row.updatedAt}}\"`")
                    );
                    fin(
                        &mut b,
                        format!("{ret}res.status(200).json(serialize{nm}{}(row))", f.n),
                    );
                }
                1 if f.plan.dynamic == Dyn::Param => {
                    f.uses(USES_CSV);
                    let _ = writeln!(b, "if (req.query.format === {}) {{", f.q("csv"));
                    let _ = writeln!(
                        b,
                        "  res.setHeader({}, {}){s}",
                        f.q("Content-Type"),
                        f.q("text/csv; charset=utf-8")
                    );
                    if in_switch {
                        let _ = writeln!(
                            b,
                            "  res.status(200).send(toCsv{}([row])){s}\n  break{s}\n}}",
                            f.n
                        );
                    } else {
                        let _ = writeln!(
                            b,
                            "  return res.status(200).send(toCsv{}([row])){s}\n}}",
                            f.n
                        );
                    }
                    fin(&mut b, format!("{ret}res.json(serialize{nm}{}(row))", f.n));
                }
                2 => {
                    let _ = writeln!(b, "if (row.movedTo) {{");
                    if in_switch {
                        let _ = writeln!(
                            b,
                            "  res.redirect(308, `/api/{t}/${{row.movedTo}}`){s}\n  break{s}\n}}"
                        );
                    } else {
                        let _ = writeln!(
                            b,
                            "  return res.redirect(308, `/api/{t}/${{row.movedTo}}`){s}\n}}"
                        );
                    }
                    fin(
                        &mut b,
                        format!("{ret}res.status(200).json(serialize{nm}{}(row))", f.n),
                    );
                }
                _ => fin(
                    &mut b,
                    format!("{ret}res.json({{ data: serialize{nm}{}(row) }})", f.n),
                ),
            }
        }
        ("POST", _) => {
            f.uses(USES_VALIDATE);
            let _ = writeln!(b, "const parsed = validate{nm}{}(req.body){s}", f.n);
            if in_switch {
                let _ = writeln!(b, "if (!parsed.ok) {{\n  res.status(400).json({{ errors: parsed.errors }}){s}\n  break{s}\n}}");
            } else {
                let _ = writeln!(b, "if (!parsed.ok) {{\n  return res.status(400).json({{ errors: parsed.errors }}){s}\n}}");
            }
            let _ = writeln!(b, "const created = await db.{t}.create({{ data: {{ ...parsed.value, createdAt: new Date() }} }}){s}");
            if rng.chance(0.6) {
                let _ = writeln!(
                    b,
                    "res.setHeader({}, `/api/{t}/${{created.id}}`){s}",
                    f.q("Location")
                );
            }
            if rng.chance(0.2) {
                fin(
                    &mut b,
                    format!("{ret}res.redirect(303, `/{t}/${{created.id}}`)"),
                );
            } else {
                fin(
                    &mut b,
                    format!("{ret}res.status(201).json(serialize{nm}{}(created))", f.n),
                );
            }
        }
        ("PUT" | "PATCH", _) => {
            let _ = writeln!(b, "const key = {}{s}", f.id_expr());
            let _ = writeln!(b, "const changes = req.body ?? {{}}{s}");
            let _ = writeln!(
                b,
                "if (typeof changes !== {} || Array.isArray(changes)) {{",
                f.q("object")
            );
            if in_switch {
                let _ = writeln!(
                    b,
                    "  res.status(422).json({{ error: {} }}){s}\n  break{s}\n}}",
                    f.q("Expected an object")
                );
            } else {
                let _ = writeln!(
                    b,
                    "  return res.status(422).json({{ error: {} }}){s}\n}}",
                    f.q("Expected an object")
                );
            }
            let _ = writeln!(b, "const updated = await db.{t}.update({{ where: {{ id: key }}, data: {{ ...changes, updatedAt: new Date() }} }}){s}");
            fin(
                &mut b,
                format!("{ret}res.status(200).json(serialize{nm}{}(updated))", f.n),
            );
        }
        ("DELETE", _) => {
            let _ = writeln!(b, "const key = {}{s}", f.id_expr());
            let _ = writeln!(b, "await db.{t}.delete({{ where: {{ id: key }} }}){s}");
            if rng.chance(0.5) {
                fin(&mut b, format!("{ret}res.status(204).end()"));
            } else {
                fin(
                    &mut b,
                    format!("{ret}res.status(200).json({{ deleted: key }})"),
                );
            }
        }
        _ => unreachable!(),
    }
    b
}

fn pick_methods(rng: &mut Rng, item: bool) -> Vec<&'static str> {
    let pool: &[&str] = if item {
        &["GET", "PUT", "PATCH", "DELETE"]
    } else {
        &["GET", "POST"]
    };
    let mut out: Vec<&'static str> = METHODS
        .iter()
        .copied()
        .filter(|m| pool.contains(m) && rng.chance(0.7))
        .collect();
    if out.is_empty() {
        out.push("GET");
    }
    out
}

fn not_allowed(
    f: &File,
    rng: &mut Rng,
    methods: &[&str],
    in_switch: bool,
    method_var: &str,
) -> String {
    let s = f.semi;
    let list = methods
        .iter()
        .map(|m| f.q(m))
        .collect::<Vec<_>>()
        .join(", ");
    let mut b = String::new();
    let allow = if methods.len() == 1 || rng.chance(0.5) {
        format!("[{list}]")
    } else {
        f.q(&methods.join(", "))
    };
    let _ = writeln!(b, "res.setHeader({}, {allow}){s}", f.q("Allow"));
    match rng.below(3) {
        0 => {
            let _ = writeln!(
                b,
                "res.status(405).end(`Method ${{{method_var}}} Not Allowed`){s}"
            );
        }
        1 => {
            let _ = writeln!(
                b,
                "res.status(405).json({{ error: {} }}){s}",
                f.q("Method not allowed")
            );
        }
        _ => {
            let _ = writeln!(b, "res.status(405).end(){s}");
        }
    }
    let _ = in_switch;
    b
}

fn handler_body(f: &File, rng: &mut Rng, dispatch: Dispatch, manual: Manual) -> String {
    let s = f.semi;
    let methods = pick_methods(rng, f.plan.item);
    let mut b = String::new();
    match manual {
        Manual::Streaming => {
            f.uses(USES_SERIALIZE);
            let _ = writeln!(
                b,
                "const rows = await db.{}.findMany({{ take: 500 }}){s}",
                f.noun.table
            );
            let _ = writeln!(
                b,
                "res.setHeader({}, {}){s}",
                f.q("Content-Type"),
                f.q("text/event-stream")
            );
            let _ = writeln!(
                b,
                "res.setHeader({}, {}){s}",
                f.q("Cache-Control"),
                f.q("no-cache, no-transform")
            );
            let _ = writeln!(b, "for (const row of rows) {{\n  res.write(`data: ${{JSON.stringify(serialize{}{}(row))}}\\n\\n`){s}\n}}", f.noun.name, f.n);
            let _ = writeln!(b, "res.end(){s}");
            return b;
        }
        Manual::ResEscapes => {
            // `res` goes to a helper in another module (lib/http), which may respond through it.
            f.uses(USES_SERIALIZE);
            let _ = writeln!(
                b,
                "if (req.method !== {}) {{\n  return sendError(res, 405, {}){s}\n}}",
                f.q("GET"),
                f.q("Method not allowed")
            );
            let _ = writeln!(
                b,
                "const rows = await db.{}.findMany({{ take: 50 }}){s}",
                f.noun.table
            );
            let _ = writeln!(
                b,
                "return res.status(200).json(rows.map(serialize{}{})){s}",
                f.noun.name, f.n
            );
            return b;
        }
        _ => {}
    }
    match dispatch {
        Dispatch::IfChain => {
            for m in &methods {
                let _ = writeln!(
                    b,
                    "if (req.method === {}) {{\n{}\n}}\n",
                    f.q(m),
                    indent(method_block(f, rng, m, false).trim_end(), 2)
                );
            }
            b.push_str(&not_allowed(f, rng, &methods, false, "req.method"));
        }
        Dispatch::ElseIf => {
            for (i, m) in methods.iter().enumerate() {
                let kw = if i == 0 { "if" } else { " else if" };
                let _ = write!(
                    b,
                    "{kw} (req.method === {}) {{\n{}\n}}",
                    f.q(m),
                    indent(method_block(f, rng, m, false).trim_end(), 2)
                );
            }
            let _ = writeln!(
                b,
                " else {{\n{}\n}}",
                indent(
                    not_allowed(f, rng, &methods, false, "req.method").trim_end(),
                    2
                )
            );
        }
        Dispatch::Guard => {
            let m = methods[0];
            let list = f.q(m);
            let _ = writeln!(b, "if (req.method !== {list}) {{");
            let _ = writeln!(b, "  res.setHeader({}, {list}){s}", f.q("Allow"));
            let _ = writeln!(
                b,
                "  return res.status(405).json({{ error: `Use {m}` }}){s}\n}}"
            );
            b.push_str(&method_block(f, rng, m, false));
        }
        Dispatch::Switch => {
            let (head, var) = if rng.chance(0.6) {
                (format!("const {{ method }} = req{s}\n"), "method")
            } else {
                (String::new(), "req.method")
            };
            b.push_str(&head);
            let _ = writeln!(b, "switch ({var}) {{");
            let mut i = 0;
            while i < methods.len() {
                let m = methods[i];
                // PUT and PATCH share one case: fall-through.
                if m == "PUT" && methods.get(i + 1) == Some(&"PATCH") {
                    let _ = writeln!(b, "  case {}:", f.q("PUT"));
                    i += 1;
                }
                let m = methods[i];
                let body = method_block(f, rng, m, true);
                let _ = writeln!(
                    b,
                    "  case {}: {{\n{}\n  }}",
                    f.q(m),
                    indent(body.trim_end(), 4)
                );
                i += 1;
            }
            let _ = writeln!(
                b,
                "  default:\n{}\n}}",
                indent(not_allowed(f, rng, &methods, true, var).trim_end(), 4)
            );
        }
        Dispatch::Single => {
            // Any method: a status or ping endpoint.
            let _ = writeln!(b, "const started = Date.now(){s}");
            let _ = writeln!(b, "const [count, latest] = await Promise.all([\n  db.{t}.count(),\n  db.{t}.findFirst({{ orderBy: {{ createdAt: {} }} }}),\n]){s}", f.q("desc"), t = f.noun.table);
            let _ = writeln!(
                b,
                "res.setHeader({}, {}){s}",
                f.q("Cache-Control"),
                f.q("no-store")
            );
            if f.plan.item || rng.chance(0.3) {
                let _ = writeln!(
                    b,
                    "res.setHeader({}, String(Date.now() - started)){s}",
                    f.q("X-Response-Time")
                );
                let _ = writeln!(
                    b,
                    "res.send(`{} ${{count}} ${{latest?.id ?? {}}}`){s}",
                    f.noun.table,
                    f.q("-")
                );
            } else {
                f.uses(USES_SERIALIZE);
                let _ = writeln!(b, "res.status(200).json({{ ok: true, count, latest: latest ? serialize{}{}(latest) : null, tookMs: Date.now() - started }}){s}", f.noun.name, f.n);
            }
        }
    }
    b
}

// Padding: ordinary module-level code of the kind API routes carry.

fn field_ts_type(t: FieldType) -> String {
    match t {
        FieldType::Str | FieldType::Date => "string".into(),
        FieldType::Num => "number".into(),
        FieldType::Bool => "boolean".into(),
        FieldType::Tags => "string[]".into(),
        FieldType::Enum(vs) => vs
            .iter()
            .map(|v| format!("'{v}'"))
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

fn types_block(f: &File) -> String {
    let s = f.semi;
    let nm = f.noun.name;
    let mut b = format!("«type {nm}Input{n} = {{\n", n = f.n);
    for (name, t) in &f.fields {
        let _ = writeln!(b, "  {name}: {}{s}", field_ts_type(*t));
    }
    let _ = writeln!(b, "}}{s}\n\ninterface {nm}Row{n} extends {nm}Input{n} {{\n  id: string{s}\n  createdAt: Date{s}\n  updatedAt: Date{s}\n  movedTo?: string | null{s}\n}}\n»", n = f.n);
    b
}

fn validate_block(f: &File) -> String {
    let s = f.semi;
    let nm = f.noun.name;
    let q = |x: &str| f.q(x);
    let mut b = String::new();
    let _ = writeln!(b, "/**\n * Checks a {} payload from the client. Unknown keys are dropped; every error is reported,\n * not just the first, so forms can highlight all fields at once.\n */", nm.to_lowercase());
    let _ = writeln!(b, "function validate{nm}{n}(input«: unknown»)«: {{ ok: true; value: {nm}Input{n} }} | {{ ok: false; errors: string[] }}» {{", n = f.n);
    let _ = writeln!(b, "  const errors«: string[]» = []{s}");
    let _ = writeln!(b, "  if (!input || typeof input !== {}) {{\n    return {{ ok: false, errors: [{}] }}{s}\n  }}", q("object"), q("body must be an object"));
    let _ = writeln!(b, "  const raw = input« as Record<string, unknown>»{s}");
    for (name, t) in &f.fields {
        match t {
            FieldType::Str => {
                let _ = writeln!(b, "  if (typeof raw.{name} !== {} || raw.{name}.trim() === {}) errors.push({}){s}", q("string"), q(""), q(&format!("{name} is required")));
            }
            FieldType::Num => {
                let _ = writeln!(b, "  if (typeof raw.{name} !== {} || !Number.isFinite(raw.{name}) || raw.{name} < 0) errors.push({}){s}", q("number"), q(&format!("{name} must be a non-negative number")));
            }
            FieldType::Bool => {
                let _ = writeln!(b, "  if (raw.{name} !== undefined && typeof raw.{name} !== {}) errors.push({}){s}", q("boolean"), q(&format!("{name} must be true or false")));
            }
            FieldType::Enum(vs) => {
                let list = vs.iter().map(|v| q(v)).collect::<Vec<_>>().join(", ");
                let _ = writeln!(
                    b,
                    "  if (![{list}].includes(raw.{name}« as string»)) errors.push({}){s}",
                    q(&format!("{name} must be one of {}", vs.join(", ")))
                );
            }
            FieldType::Date => {
                let _ = writeln!(b, "  if (raw.{name} !== undefined && Number.isNaN(Date.parse(String(raw.{name})))) errors.push({}){s}", q(&format!("{name} must be an ISO date")));
            }
            FieldType::Tags => {
                let _ = writeln!(b, "  if (raw.{name} !== undefined && (!Array.isArray(raw.{name}) || raw.{name}.some((t) => typeof t !== {}))) errors.push({}){s}", q("string"), q(&format!("{name} must be a list of strings")));
            }
        }
    }
    let _ = writeln!(
        b,
        "  if (errors.length > 0) return {{ ok: false, errors }}{s}"
    );
    let picks = f
        .fields
        .iter()
        .map(|(n, _)| format!("{n}: raw.{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        b,
        "  return {{ ok: true, value: {{ {picks} }}« as {nm}Input{n}» }}{s}\n}}\n",
        n = f.n
    );
    b
}

fn serialize_block(f: &File) -> String {
    let s = f.semi;
    let nm = f.noun.name;
    let mut b = String::new();
    let _ = writeln!(
        b,
        "function serialize{nm}{n}(row«: {nm}Row{n}») {{\n  return {{\n    id: row.id,",
        n = f.n
    );
    for (name, t) in &f.fields {
        match t {
            FieldType::Date => {
                let _ = writeln!(
                    b,
                    "    {name}: row.{name} ? new Date(row.{name}).toISOString() : null,"
                );
            }
            FieldType::Tags => {
                let _ = writeln!(b, "    {name}: [...(row.{name} ?? [])].sort(),");
            }
            _ => {
                let _ = writeln!(b, "    {name}: row.{name},");
            }
        }
    }
    let _ = writeln!(b, "    createdAt: row.createdAt.toISOString(),\n    updatedAt: row.updatedAt.toISOString(),\n  }}{s}\n}}\n");
    b
}

fn csv_block(f: &File) -> String {
    let s = f.semi;
    let nm = f.noun.name;
    let cols = f
        .fields
        .iter()
        .map(|(n, _)| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "const CSV_COLUMNS{n} = ['id', {cols}]« as const»{s}\n\n\
         function toCsv{n}(rows«: {nm}Row{n}[]»)«: string» {{\n\
         \x20 const escape = (value«: unknown») => {{\n\
         \x20   const text = value === null || value === undefined ? '' : String(value){s}\n\
         \x20   return /[\",\\n]/.test(text) ? `\"${{text.replace(/\"/g, '\"\"')}}\"` : text{s}\n\
         \x20 }}{s}\n\
         \x20 const lines = rows.map((row) => CSV_COLUMNS{n}.map((c) => escape((row« as any»)[c])).join(',')){s}\n\
         \x20 return [CSV_COLUMNS{n}.join(','), ...lines].join('\\n'){s}\n\
         }}\n",
        n = f.n
    )
}

fn padding_block(f: &File, rng: &mut Rng, k: usize) -> String {
    let s = f.semi;
    let t = f.noun.table;
    let nm = f.noun.name;
    let q = |x: &str| f.q(x);
    let (a, b2) = (
        f.fields[rng.below(f.fields.len())].0,
        f.fields[rng.below(f.fields.len())].0,
    );
    match rng.below(7) {
        0 => format!(
            "const SORTABLE{k} = [{}, {}, {}]« as const»{s}\n\n\
             function parseSort{k}(value«: unknown»)«: {{ field: string; direction: 'asc' | 'desc' }}» {{\n\
             \x20 const text = typeof value === {} ? value : {}{s}\n\
             \x20 const direction = text.startsWith({}) ? {} : {}{s}\n\
             \x20 const field = text.replace(/^-/, {}){s}\n\
             \x20 if (!(SORTABLE{k}« as readonly string[]»).includes(field)) {{\n\
             \x20   return {{ field: {}, direction: {} }}{s}\n\
             \x20 }}\n\
             \x20 return {{ field, direction }}{s}\n\
             }}\n",
            q("createdAt"), q(a), q(b2), q("string"), q("-createdAt"), q("-"), q("desc"), q("asc"), q(""), q("createdAt"), q("desc")
        ),
        1 => format!(
            "async function load{nm}Summary{k}(ownerId«: string») {{\n\
             \x20 const [total, open, latest] = await Promise.all([\n\
             \x20   db.{t}.count({{ where: {{ ownerId }} }}),\n\
             \x20   db.{t}.count({{ where: {{ ownerId, status: {} }} }}),\n\
             \x20   db.{t}.findMany({{ where: {{ ownerId }}, orderBy: {{ updatedAt: {} }}, take: 5 }}),\n\
             \x20 ]){s}\n\
             \x20 const ratio = total === 0 ? 0 : Math.round((open / total) * 1000) / 10{s}\n\
             \x20 return {{\n\
             \x20   total,\n\
             \x20   open,\n\
             \x20   ratio,\n\
             \x20   latest: latest.map((row) => ({{ id: row.id, {a}: row.{a}, updatedAt: row.updatedAt }})),\n\
             \x20 }}{s}\n\
             }}\n",
            q("active"), q("desc")
        ),
        2 => format!(
            "const buckets{k} = new Map«<string, {{ count: number; resetAt: number }}>»(){s}\n\n\
             /** A fixed-window limiter per client key; good enough for a single instance. */\n\
             function allowRequest{k}(key«: string», limit = 60, windowMs = 60_000)«: boolean» {{\n\
             \x20 const now = Date.now(){s}\n\
             \x20 const bucket = buckets{k}.get(key){s}\n\
             \x20 if (!bucket || bucket.resetAt <= now) {{\n\
             \x20   buckets{k}.set(key, {{ count: 1, resetAt: now + windowMs }}){s}\n\
             \x20   return true{s}\n\
             \x20 }}\n\
             \x20 bucket.count += 1{s}\n\
             \x20 return bucket.count <= limit{s}\n\
             }}\n"
        ),
        3 => format!(
            "function diff{nm}{k}(before«: Record<string, unknown>», after«: Record<string, unknown>») {{\n\
             \x20 const changed«: Array<{{ field: string; from: unknown; to: unknown }}>» = []{s}\n\
             \x20 for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {{\n\
             \x20   if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {{\n\
             \x20     changed.push({{ field: key, from: before[key], to: after[key] }}){s}\n\
             \x20   }}\n\
             \x20 }}\n\
             \x20 return changed{s}\n\
             }}\n\n\
             async function audit{nm}{k}(actor«: string», id«: string», changes«: ReturnType<typeof diff{nm}{k}>») {{\n\
             \x20 if (changes.length === 0) return{s}\n\
             \x20 await db.auditLog.create({{\n\
             \x20   data: {{ actor, entity: {}, entityId: id, changes: JSON.stringify(changes), at: new Date() }},\n\
             \x20 }}){s}\n\
             \x20 logger.info({}, {{ actor, id, fields: changes.map((c) => c.field) }}){s}\n\
             }}\n",
            q(t), q(&format!("{t} changed"))
        ),
        4 => format!(
            "/**\n\
             \x20* Money is stored in minor units; clients send decimals. Rounds half away from zero, the\n\
             \x20* way the invoicing service does, so totals shown here match the PDF.\n\
             \x20*/\n\
             function toMinorUnits{k}(amount«: number», currency«: string»)«: number» {{\n\
             \x20 const digits = currency === {} ? 0 : 2{s}\n\
             \x20 const factor = 10 ** digits{s}\n\
             \x20 return Math.sign(amount) * Math.round(Math.abs(amount) * factor){s}\n\
             }}\n\n\
             function formatMoney{k}(minor«: number», currency«: string», locale = {})«: string» {{\n\
             \x20 const digits = currency === {} ? 0 : 2{s}\n\
             \x20 return new Intl.NumberFormat(locale, {{ style: {}, currency }}).format(minor / 10 ** digits){s}\n\
             }}\n",
            q("JPY"), q("en-US"), q("JPY"), q("currency")
        ),
        5 => format!(
            "async function withRetry{k}«<T>»(work«: () => Promise<T>», attempts = 3)«: Promise<T>» {{\n\
             \x20 let lastError«: unknown»{s}\n\
             \x20 for (let attempt = 1; attempt <= attempts; attempt++) {{\n\
             \x20   try {{\n\
             \x20     return await work(){s}\n\
             \x20   }} catch (error) {{\n\
             \x20     lastError = error{s}\n\
             \x20     logger.warn({}, {{ attempt, error: String(error) }}){s}\n\
             \x20     await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt)){s}\n\
             \x20   }}\n\
             \x20 }}\n\
             \x20 throw lastError{s}\n\
             }}\n",
            q(&format!("retrying {t} query"))
        ),
        _ => {
            let mut b = format!("const {}_DEFAULTS{k} = {{\n", t.to_uppercase());
            for (name, ty) in &f.fields {
                let v = match ty {
                    FieldType::Str => q(""),
                    FieldType::Num => "0".into(),
                    FieldType::Bool => "false".into(),
                    FieldType::Enum(vs) => q(vs[0]),
                    FieldType::Date => "null".into(),
                    FieldType::Tags => "[]".into(),
                };
                let _ = writeln!(b, "  {name}: {v},");
            }
            let _ = writeln!(b, "}}{s}\n\nfunction withDefaults{k}(partial«: Partial<{nm}Input{n}>») {{\n  return {{ ...{}_DEFAULTS{k}, ...partial }}{s}\n}}", t.to_uppercase(), n = f.n);
            b
        }
    }
}

fn write_route(plan: &RoutePlan, rng: &mut Rng, manual: Manual) -> String {
    let semi = if rng.chance(0.75) { ";" } else { "" };
    let quote = if rng.chance(0.8) { '\'' } else { '"' };
    // Size drawn in [1, 10] KB, denser at the small end; padding fills the gap.
    let u = rng.unit();
    let target = MIN_SIZE + ((MAX_SIZE - MIN_SIZE - 512) as f64 * u * u) as usize;
    let nfields = if target < 2048 {
        rng.range(2, 3)
    } else {
        rng.range(3, 7)
    };
    let mut fields: Vec<(&'static str, FieldType)> = Vec::new();
    while fields.len() < nfields {
        let f = FIELDS[rng.below(FIELDS.len())];
        if !fields.iter().any(|(n, _)| *n == f.0) {
            fields.push(f);
        }
    }
    let f = File {
        plan,
        noun: &NOUNS[plan.noun],
        fields,
        semi,
        quote,
        n: rng.range(1, 9),
        uses: std::cell::Cell::new(0),
    };
    let s = semi;
    let q = |x: &str| f.q(x);
    let root = to_root(&plan.path);

    let form = match rng.below(10) {
        0..=3 => HandlerForm::ExportFn,
        4..=5 => HandlerForm::ExportArrow,
        6..=7 => HandlerForm::ConstArrow,
        _ => HandlerForm::FnThenExport,
    };
    let form = if manual == Manual::Wrapped {
        HandlerForm::FnThenExport
    } else {
        form
    };
    let dispatch = match rng.below(10) {
        0..=2 => Dispatch::IfChain,
        3 => Dispatch::ElseIf,
        4..=5 => Dispatch::Guard,
        6..=8 => Dispatch::Switch,
        _ => Dispatch::Single,
    };

    // Sections, joined by one blank line: imports, config, types, core helpers, padding, handler.
    let mut sections: Vec<String> = Vec::new();
    let mut imports = String::new();
    let _ = writeln!(
        imports,
        "«import type {{ NextApiRequest, NextApiResponse }} from {}{s}»",
        q("next")
    );
    let _ = writeln!(
        imports,
        "import {{ db }} from {}{s}",
        q(&format!("{root}/lib/db"))
    );
    let _ = writeln!(
        imports,
        "import {{ logger }} from {}{s}",
        q(&format!("{root}/lib/log"))
    );
    if manual == Manual::Wrapped {
        let _ = writeln!(
            imports,
            "import {{ withAuth }} from {}{s}",
            q(&format!("{root}/lib/auth"))
        );
    }
    if manual == Manual::ResEscapes {
        let _ = writeln!(
            imports,
            "import {{ sendError }} from {}{s}",
            q(&format!("{root}/lib/http"))
        );
    }
    sections.push(imports);
    if rng.chance(0.3) {
        let limits: [&str; 4] = ["1mb", "512kb", "4mb", "100kb"];
        let limit = q(limits[rng.below(limits.len())]);
        // Now and then a key the tool drops with a warning (migrated with notes).
        let extra = if rng.chance(0.15) {
            format!("\n    responseLimit: {},", q("8mb"))
        } else {
            String::new()
        };
        if rng.chance(0.5) {
            let max = rng.pick(&[10, 30, 60]);
            sections.push(format!("export const config = {{\n  api: {{\n    bodyParser: {{\n      sizeLimit: {limit},\n    }},{extra}\n  }},\n  maxDuration: {max},\n}}{s}\n"));
        } else {
            sections.push(format!("export const config = {{ api: {{ bodyParser: {{ sizeLimit: {limit} }} }}, maxDuration: 10 }}{s}\n"));
        }
    }
    if plan.ts {
        sections.push(types_block(&f));
    }

    let body = handler_body(&f, rng, dispatch, manual);
    let body = indent(body.trim_end(), 2);
    let sig = "req«: NextApiRequest», res«: NextApiResponse»";
    let handler = match form {
        HandlerForm::ExportFn => {
            format!("export default async function handler({sig}) {{\n{body}\n}}\n")
        }
        HandlerForm::ExportArrow => format!("export default async ({sig}) => {{\n{body}\n}}{s}\n"),
        HandlerForm::ConstArrow => format!(
            "const handler = async ({sig}) => {{\n{body}\n}}{s}\n\nexport default handler{s}\n"
        ),
        HandlerForm::FnThenExport => {
            let export = if manual == Manual::Wrapped {
                "withAuth(handler)"
            } else {
                "handler"
            };
            format!("async function handler({sig}) {{\n{body}\n}}\n\nexport default {export}{s}\n")
        }
    };
    let uses = f.uses.get();
    for (flag, block) in [
        (USES_VALIDATE, validate_block as fn(&File) -> String),
        (USES_SERIALIZE, serialize_block),
        (USES_CSV, csv_block),
    ] {
        if uses & flag != 0 {
            sections.push(block(&f));
        }
    }
    let mut sections: Vec<String> = sections
        .iter()
        .map(|x| format!("{}\n", lang_text(x, plan.ts).trim_end()))
        .collect();
    let handler = format!("{}\n", lang_text(&handler, plan.ts).trim_end());
    let size = |secs: &[String]| secs.iter().map(|x| x.len() + 1).sum::<usize>() + handler.len();

    // Padding blocks up to the drawn size.
    let mut k = 10;
    let mut misses = 0;
    while size(&sections) < target && misses < 12 {
        k += 1;
        let block = format!(
            "{}\n",
            lang_text(&padding_block(&f, rng, k), plan.ts).trim_end()
        );
        let grown = size(&sections) + block.len() + 1;
        if grown <= target + 200 || (size(&sections) < MIN_SIZE && grown <= MAX_SIZE) {
            sections.push(block);
        } else {
            misses += 1;
        }
    }
    sections.push(handler);
    sections.join("\n")
}

const LIB_DB: &str = r#"// A tiny stand-in for the app's database client (the benchmark never runs it).
type Table = Record<string, (...args: any[]) => Promise<any>>;
const table = (): Table => new Proxy({}, { get: () => async () => null }) as Table;
export const db: Record<string, Table> = new Proxy({}, { get: () => table() });
"#;

const LIB_LOG: &str = r#"export const logger = {
  info: (msg: string, data?: unknown) => console.log(msg, data ?? ''),
  warn: (msg: string, data?: unknown) => console.warn(msg, data ?? ''),
};
"#;

const LIB_AUTH: &str = r#"import type { NextApiHandler } from 'next';

export function withAuth(handler: NextApiHandler): NextApiHandler {
  return (req, res) => {
    if (!req.cookies.session) return res.status(401).json({ error: 'Unauthorized' });
    return handler(req, res);
  };
}
"#;

const LIB_HTTP: &str = r#"import type { NextApiResponse } from 'next';

export function sendError(res: NextApiResponse, status: number, message: string) {
  res.setHeader('Cache-Control', 'no-store');
  return res.status(status).json({ error: message, status });
}
"#;

const PACKAGE_JSON: &str = "{\n  \"name\": \"pages2app-bench-corpus\",\n  \"version\": \"0.0.0\",\n  \"private\": true,\n  \"scripts\": { \"build\": \"next build\" },\n  \"dependencies\": { \"next\": \"16.4.6\", \"react\": \"19.3.1\", \"react-dom\": \"19.3.1\" },\n  \"devDependencies\": { \"typescript\": \"5.9.3\", \"@types/node\": \"20.19.43\" }\n}\n";

const TSCONFIG: &str = "{\n  \"compilerOptions\": {\n    \"target\": \"ES2017\",\n    \"lib\": [\"dom\", \"dom.iterable\", \"esnext\"],\n    \"allowJs\": true,\n    \"skipLibCheck\": true,\n    \"strict\": false,\n    \"noEmit\": true,\n    \"esModuleInterop\": true,\n    \"module\": \"esnext\",\n    \"moduleResolution\": \"bundler\",\n    \"resolveJsonModule\": true,\n    \"isolatedModules\": true,\n    \"jsx\": \"preserve\"\n  },\n  \"include\": [\"**/*.ts\", \"**/*.tsx\"],\n  \"exclude\": [\"node_modules\"]\n}\n";

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

fn main() {
    let args = Args::parse();
    if args.out.exists()
        && std::fs::read_dir(&args.out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        eprintln!("error: {} exists and is not empty", args.out.display());
        std::process::exit(2);
    }
    let mut rng = Rng(args.seed ^ 0x5EED_0000_0000_0000 ^ (args.count as u64).rotate_left(32));
    let plans = plan_paths(&mut rng, args.count);
    let out = &args.out;
    write(&out.join("package.json"), PACKAGE_JSON);
    if args.whole_app {
        write(&out.join("tsconfig.json"), &TSCONFIG.replace("\"jsx\": \"preserve\"", "\"jsx\": \"preserve\",\n    \"baseUrl\": \".\",\n    \"paths\": { \"@/*\": [\"./*\"] }"));
    } else {
        write(&out.join("tsconfig.json"), TSCONFIG);
    }
    write(&out.join("lib/db.ts"), LIB_DB);
    write(&out.join("lib/log.ts"), LIB_LOG);
    write(&out.join("lib/auth.ts"), LIB_AUTH);
    write(&out.join("lib/http.ts"), LIB_HTTP);

    let (mut bytes, mut smallest, mut largest, mut manual) = (0usize, usize::MAX, 0usize, 0usize);
    let mut routes: Vec<String> = Vec::with_capacity(plans.len());
    for plan in &plans {
        let kind = match rng.below(100) {
            0..=3 => Manual::Wrapped,
            4..=6 => Manual::ResEscapes,
            7..=9 => Manual::Streaming,
            _ => Manual::No,
        };
        if kind != Manual::No {
            manual += 1;
        }
        let text = write_route(plan, &mut rng, kind);
        assert!(
            (MIN_SIZE..=MAX_SIZE).contains(&text.len()),
            "{} is {} bytes",
            plan.path,
            text.len()
        );
        bytes += text.len();
        smallest = smallest.min(text.len());
        largest = largest.max(text.len());
        routes.push(text);
    }
    let modules = if args.whole_app {
        whole_app::add(args.seed, &plans, &mut routes)
    } else {
        Vec::new()
    };
    for (plan, text) in plans.iter().zip(&routes) {
        write(&out.join(&plan.path), text);
    }
    let module_bytes: usize = modules.iter().map(|(_, t)| t.len()).sum();
    for (path, text) in &modules {
        write(&out.join(path), text);
    }
    if args.whole_app {
        println!(
            "wrote {} other modules ({:.1} MB) importing each other and some routes",
            modules.len(),
            module_bytes as f64 / 1e6
        );
    }
    println!(
        "wrote {} routes ({:.1} MB, {}-{} bytes each, {} meant for manual work) to {}",
        plans.len(),
        bytes as f64 / 1e6,
        smallest,
        largest,
        manual,
        out.display()
    );
}

/// The rest of a whole app (`--whole-app`): for N routes, 4N modules (N each of
/// `lib/services/`, `lib/utils/`, `components/` and `types/`), each importing two to four
/// others, by the `@/` alias of `tsconfig.json` `paths` or by a relative path, with and without
/// `index` files. Some import a route: a type it exports (`import type`, `export type ... from`),
/// its `authOptions`, now and then its default handler; a few use `import()` or `require()`
/// with a literal. The routes they import get the exports (`export type RouteItemK`, about 10%
/// of the TypeScript routes; `export const authOptions`, about 0.5%). Drawn from its own random
/// stream, so the routes' bytes are otherwise those of the plain corpus of the same seed.
mod whole_app {
    use super::{Rng, RoutePlan};
    use std::fmt::Write as _;

    /// The module's path and how an importer names it (without extension).
    struct Module {
        path: String,
        spec: String,
    }

    fn strip_ext(path: &str) -> &str {
        path.rsplit_once('.').map_or(path, |(a, _)| a)
    }

    /// `to` (an extension-less path from the root) as seen from the file `from`.
    fn relative(from: &str, to: &str) -> String {
        let from_dir: Vec<&str> = from.split('/').collect();
        let from_dir = &from_dir[..from_dir.len() - 1];
        let to: Vec<&str> = to.split('/').collect();
        let common = from_dir.iter().zip(&to).take_while(|(a, b)| a == b).count();
        let ups = from_dir.len() - common;
        let rest = to[common..].join("/");
        if ups == 0 {
            format!("./{rest}")
        } else {
            format!("{}{rest}", "../".repeat(ups))
        }
    }

    pub fn add(seed: u64, plans: &[RoutePlan], routes: &mut [String]) -> Vec<(String, String)> {
        let n = plans.len();
        let mut rng = Rng(seed ^ 0xA11A_7700_0000_0000 ^ (n as u64).rotate_left(17));
        // Routes that export something other modules import.
        let mut typed: Vec<(usize, String)> = Vec::new();
        let mut auth: Vec<usize> = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            if !plan.ts {
                continue;
            }
            if rng.chance(0.005) {
                routes[i].push_str("\nexport const authOptions = {\n  providers: [],\n  session: { strategy: 'jwt' as const, maxAge: 3600 },\n};\n");
                auth.push(i);
            } else if rng.chance(0.1) {
                let name = format!("RouteItem{i}");
                let _ = write!(routes[i], "\nexport type {name} = {{\n  id: string;\n  label: string;\n  updatedAt: string;\n}};\n");
                typed.push((i, name));
            }
        }
        let kinds = [
            ("lib/services", "svc", "ts"),
            ("lib/utils", "util", "ts"),
            ("components", "Widget", "tsx"),
            ("types", "model", "ts"),
        ];
        let mut modules: Vec<Module> = Vec::with_capacity(4 * n);
        for k in 0..4 * n {
            let (dir, stem, ext) = kinds[k % 4];
            let shard = k / 400;
            // Every 7th module is a folder with an index file.
            let path = if k % 7 == 0 {
                format!("{dir}/g{shard}/{stem}-{k}/index.{ext}")
            } else {
                format!("{dir}/g{shard}/{stem}-{k}.{ext}")
            };
            let spec = strip_ext(&path).trim_end_matches("/index").to_string();
            modules.push(Module { path, spec });
        }
        let mut out = Vec::with_capacity(modules.len());
        for (k, m) in modules.iter().enumerate() {
            let alias = rng.chance(0.6);
            let name_of = |spec: &str| {
                if alias {
                    format!("@/{spec}")
                } else {
                    relative(&m.path, spec)
                }
            };
            let mut text = String::new();
            let mut uses = Vec::new();
            for _ in 0..rng.range(2, 4) {
                let j = rng.below(modules.len());
                if j == k || uses.contains(&j) {
                    continue;
                }
                uses.push(j);
                let _ = writeln!(
                    text,
                    "import {{ value{j}, type Shape{j} }} from '{}';",
                    name_of(&modules[j].spec)
                );
            }
            if !typed.is_empty() && rng.chance(0.25) {
                let (r, name) = &typed[rng.below(typed.len())];
                let spec = name_of(strip_ext(&plans[*r].path));
                if rng.chance(0.2) {
                    let _ = writeln!(text, "export type {{ {name} }} from '{spec}';");
                } else {
                    let _ = writeln!(text, "import type {{ {name} }} from '{spec}';\nexport type Listed{k} = {name}[];");
                }
            }
            if !auth.is_empty() && rng.chance(0.02) {
                let r = auth[rng.below(auth.len())];
                let _ = writeln!(text, "import {{ authOptions }} from '{}';\nexport const sessionMaxAge{k} = authOptions.session.maxAge;", name_of(strip_ext(&plans[r].path)));
            }
            if rng.chance(0.005) {
                let r = rng.below(n);
                let _ = writeln!(
                    text,
                    "import handler{k} from '{}';\nexport const forward{k} = handler{k};",
                    relative(&m.path, strip_ext(&plans[r].path))
                );
            }
            if rng.chance(0.02) {
                let j = rng.below(modules.len());
                let _ = writeln!(
                    text,
                    "export const lazy{k} = () => import('{}');",
                    name_of(&modules[j].spec)
                );
            }
            if rng.chance(0.01) {
                let j = rng.below(modules.len());
                let _ = writeln!(text, "// eslint-disable-next-line @typescript-eslint/no-require-imports\nconst legacy{k} = require('{}');", relative(&m.path, &modules[j].spec));
            }
            let _ = writeln!(text, "\nexport type Shape{k} = {{\n  id: string;\n  weight: number;\n  tags: string[];\n}};\n");
            let deps: Vec<String> = uses.iter().map(|j| format!("value{j}.weight")).collect();
            let sum = if deps.is_empty() {
                "0".to_string()
            } else {
                deps.join(" + ")
            };
            let _ = writeln!(text, "export const value{k}: Shape{k} = {{\n  id: 'm{k}',\n  weight: {w},\n  tags: ['generated', 'bench'],\n}};\n\nexport function score{k}(extra: number): number {{\n  return {sum} + extra * {w};\n}}", w = rng.range(1, 99));
            if m.path.ends_with(".tsx") {
                let _ = writeln!(text, "\nexport function Widget{k}({{ title }}: {{ title: string }}) {{\n  return (\n    <section className=\"widget\">\n      <h2>{{title}}</h2>\n      <p>{{score{k}(1)}}</p>\n    </section>\n  );\n}}");
            }
            out.push((m.path.clone(), text));
        }
        out
    }
}
