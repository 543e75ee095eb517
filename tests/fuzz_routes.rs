//! Property test ("fuzzing") of the whole pipeline on generated pages/api handlers.
//!
//! Each case is a batch of route files built from the shapes real handlers have, supported and
//! not: method dispatch (if/else, `!==` guards, switch with fall-through, includes-guards),
//! `req.query/body/cookies/headers/url/method`, `res.status().json/send/end/redirect/setHeader`,
//! callbacks, wrappers, streaming, escaping `res`, config objects, extra exports, random nesting,
//! comments, blank lines, CRLF. Checked on every batch:
//!
//! 1. no file hits an internal error (P2A005: a panic, or generated code that does not parse);
//! 2. every migrated file parses again;
//! 3. the run is deterministic (`--jobs 1` gives the same changes as the default);
//! 4. the old `req`/`res` parameters are not left behind in migrated code;
//! 5. the `--dry-run` patch applies with `git apply --check` in a git repository of the batch.
//!
//! `PAGES2APP_FUZZ_COLLECT=DIR` writes every file with an internal error to DIR and goes on.
//!
//! CI runs a fixed seed with a bounded number of cases (about a minute in a debug build). By
//! hand: `PAGES2APP_FUZZ_CASES=5000 PAGES2APP_FUZZ_SEED=random cargo test --release --test
//! fuzz_routes -- --nocapture`.

mod common;

use std::path::Path;
use std::time::Instant;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

use pages2app::pipeline::{self, Change, Options};
use pages2app::route_path::Lang;

/// Deterministic choices: `pick(n)` takes the next choice modulo `n` (0 once they run out, so
/// shrinking a recipe makes simpler code).
struct Gen<'a> {
    c: &'a [u32],
    i: usize,
    depth: usize,
    ts: bool,
    is_async: bool,
    /// The next response is followed by more code: it must `return` (else P2A108, rightly).
    must_return: bool,
    /// The names the handler's parameters have.
    req: String,
    res: String,
}

impl Gen<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let v = self.c.get(self.i).copied().unwrap_or(0) as usize;
        self.i += 1;
        v % n.max(1)
    }
    /// True `percent` times in 100; false once the choices run out.
    fn chance(&mut self, percent: usize) -> bool {
        self.pick(100) + percent >= 100
    }
    fn one<'s>(&mut self, xs: &[&'s str]) -> &'s str {
        xs[self.pick(xs.len())]
    }

    fn value(&mut self) -> String {
        let r = self.req.clone();
        if self.depth > 3 {
            return self.one(&["1", "'x'", "null", "true"]).to_string();
        }
        self.depth += 1;
        let v = match self.pick(14) {
            0 => "{ ok: true }".to_string(),
            1 => format!("{{ id: {r}.query.id, n: 1 }}"),
            2 => "[1, 2, 3]".to_string(),
            3 => "null".to_string(),
            4 => "'plain text'".to_string(),
            5 => format!("{r}.body"),
            6 => format!("{{ nested: {} }}", self.value()),
            7 => format!("`hello ${{{r}.query.name ?? 'world'}}`"),
            8 => "data".to_string(),
            9 => format!("{{ method: {r}.method, url: {r}.url }}"),
            10 => format!("[{}, {}]", self.value(), self.value()),
            11 => format!("{r}.cookies.token"),
            12 => format!("{r}.headers['x-api-key'] || {r}.headers.authorization"),
            _ => format!(
                "Object.keys({r}.query).length > 0 ? {} : {}",
                self.value(),
                self.value()
            ),
        };
        self.depth -= 1;
        v
    }

    fn status(&mut self) -> String {
        self.one(&[
            "200", "201", "204", "400", "401", "404", "405", "500", "code",
        ])
        .to_string()
    }

    /// A response through `res` (sometimes one with no automatic equivalent).
    fn response(&mut self) -> String {
        let s = self.res.clone();
        let ret = if self.must_return || self.chance(40) {
            "return "
        } else {
            ""
        };
        // Shapes the tool leaves for manual work (chained setHeader, revalidate, writeHead) rarely.
        if self.chance(10) {
            let v = self.value();
            let t = match self.pick(8) {
                0 => format!("{s}\n    .status(201)\n    .json({v})"),
                1 => format!("{s}.status(200) /* ok */ .json({v})"),
                2 => format!("({s}.status(200)).json({v})"),
                3 => format!("void {s}.json({v})"),
                4 => format!("await {s}.status(200).json({v})"),
                5 => format!("{s}.status(200).json({{ 'quoted key': 1, [`k${{1}}`]: {v} }})"),
                6 => format!("{s}.status(200).json({v},)"),
                _ => format!("{s}.json({{ n: {v} }} as const)"),
            };
            let t = if !self.ts {
                t.replace(" as const", "")
            } else {
                t
            };
            let t = if !self.is_async {
                t.replace("await ", "")
            } else {
                t
            };
            return format!("{ret}{t}");
        }
        let k = if self.chance(6) {
            [12, 13][self.pick(2)]
        } else {
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16][self.pick(15)]
        };
        let call = match k {
            0 | 1 => format!("{s}.status({}).json({})", self.status(), self.value()),
            2 => format!("{s}.json({})", self.value()),
            3 => format!("{s}.send({})", self.value()),
            4 => format!("{s}.send(Buffer.from('bytes'))"),
            5 => format!("{s}.status({}).end()", self.status()),
            6 => format!("{s}.end()"),
            7 => format!("{s}.redirect('/elsewhere')"),
            8 => format!("{s}.redirect(301, 'https://example.com/x')"),
            9 => format!("{s}.status({}).send('text')", self.status()),
            10 => format!(
                "{s}.status(200).setHeader('X-Chained', '1').json({})",
                self.value()
            ),
            11 => format!("{s}.status(405).setHeader('Allow', ['GET', 'POST']).end()"),
            12 => format!("{s}.revalidate('/')"),
            13 => format!("{s}.writeHead(200, {{ 'Content-Type': 'text/plain' }}).end('x')"),
            14 => format!("{s}.status(500).json({{ error: e?.message ?? 'failed' }})"),
            16 => format!("{s}.setHeader('Allow', ['GET', 'POST'])\n{ret}{s}.status(405).end()"),
            _ => format!("{s}.send()"),
        };
        format!("{ret}{call}")
    }

    fn comment(&mut self) -> &'static str {
        match self.pick(8) {
            0 => "// a comment\n",
            1 => "/* block */ ",
            2 => "\n",
            3 => "/** doc\n * more\n */\n",
            _ => "",
        }
    }

    /// A statement that does not respond.
    fn plain(&mut self) -> String {
        let (r, s) = (self.req.clone(), self.res.clone());
        // Unsupported shapes (15..=19) rarely, so that most files go all the way through.
        if self.chance(12) {
            return self.tricky_plain();
        }
        let k = if self.chance(6) {
            15 + self.pick(5)
        } else {
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 20, 21][self.pick(17)]
        };
        match k {
            0 => format!("const id = {r}.query.id"),
            1 => format!("const {{ id, page = '1' }} = {r}.query"),
            2 => format!("const body = {r}.body"),
            3 => format!("const {{ name }} = {r}.body ?? {{}}"),
            4 => format!("const token = {r}.cookies.token"),
            5 => format!("const key = {r}.headers['x-api-key']"),
            6 => format!("{s}.setHeader('Cache-Control', 's-maxage=60')"),
            7 if self.is_async => "const data = await load()".to_string(),
            7 => "const data = { a: 1 }".to_string(),
            8 => "const code = 201".to_string(),
            9 => format!("console.log({r}.method, {r}.url)"),
            10 => "let count = 0".to_string(),
            11 => format!("const slug = {r}.query.slug as string[]"),
            12 => format!("const ua = {r}.headers['user-agent'] ?? ''"),
            13 => format!("const q = String({r}.query.q || '')"),
            14 => format!("const all = {{ ...{r}.query }}"),
            15 => format!("setTimeout(() => {{ {} }}, 10)", self.response()),
            16 => format!("load().then((d) => {{ {} }})", self.response()),
            17 => format!("helper({s})"),
            18 => format!("{s}.write('chunk')"),
            19 => format!("{r}.on('data', () => {{}})"),
            20 => format!("for (const k of Object.keys({r}.query)) {{ count++ }}"),
            _ => format!("const m = {r}.method?.toUpperCase()"),
        }
    }

    /// Valid but unusual code around `req`/`res`: shadowing, nested functions, comments and
    /// strings that look like code, TypeScript assertions, ASI hazards.
    fn tricky_plain(&mut self) -> String {
        let (r, s) = (self.req.clone(), self.res.clone());
        let ts = self.ts;
        match self.pick(18) {
            0 => format!("const f = /* shadow */ ({r}) => {r}.query"),
            1 => format!("function inner(/* shadow */ {s}) {{ return {s}.length }}"),
            2 => format!("const text = /* shadow */ '{s}.json(1) and {r}.query.id'"),
            3 => format!("// {s}.status(500).json({{}}) in a comment\nconst z = /* shadow */ 1"),
            4 if ts => format!("const id2 = {r}.query!.id as string"),
            4 => format!("const id2 = {r}.query.id"),
            5 => format!("const {{ [`id`]: idc }} = {r}.query"),
            6 => format!("const h = {r}.headers"),
            7 => format!("const q = {r}['query']"),
            8 => format!(";[1, 2].forEach((n) => n)\nconst parts = ({r}.url ?? '').split('/')"),
            9 => format!("const cookies = {r}.cookies, headers = {r}.headers"),
            10 => format!("let v = {r}.query.v\nv = v ?? 'x'"),
            11 => format!("const ip = {r}.headers['x-forwarded-for']?.toString().split(',')[0]"),
            12 => format!("const json = JSON.stringify({r}.body)"),
            13 => format!("const method = {r}.method"),
            14 => format!("const {{ query: {{ id: qid }} }} = {r}"),
            15 => "label: for (const x of [1]) { if (x) break label }".to_string(),
            16 => format!("const arr = [{r}.query.a, {r}.query.b]"),
            _ => format!("const res2 = {{ {s}Ok: true }}"),
        }
    }

    /// A block of statements that ends in a response on every path.
    fn block(&mut self, indent: &str) -> String {
        let mut out = String::new();
        let n = self.pick(3);
        for _ in 0..n {
            let c = self.comment();
            out.push_str(&format!("{indent}{c}{}\n", strip_ts(self.plain(), self.ts)));
        }
        if self.depth < 3 && self.chance(30) {
            self.depth += 1;
            let inner = format!("{indent}  ");
            let r = self.req.clone();
            match self.pick(4) {
                0 => {
                    let cond = self
                        .one(&["!id", "body == null", "count > 1", "!token"])
                        .to_string();
                    let outer = self.must_return;
                    self.must_return = !self.chance(10);
                    let a = self.block(&inner);
                    self.must_return = outer;
                    out.push_str(&format!("{indent}if ({cond}) {{\n{a}{indent}}}\n"));
                }
                1 => {
                    let a = self.block(&inner);
                    let b = self.block(&inner);
                    let e = if self.ts { "e: any" } else { "e" };
                    out.push_str(&format!(
                        "{indent}try {{\n{a}{indent}}} catch ({e}) {{\n{b}{indent}}}\n"
                    ));
                    self.depth -= 1;
                    return out;
                }
                2 => {
                    let a = self.block(&inner);
                    let b = self.block(&inner);
                    out.push_str(&format!(
                        "{indent}if ({r}.query.flag) {{\n{a}{indent}}} else {{\n{b}{indent}}}\n"
                    ));
                    self.depth -= 1;
                    return out;
                }
                _ => {
                    let a = self.block(&inner);
                    out.push_str(&format!("{indent}{{\n{a}{indent}}}\n"));
                    self.depth -= 1;
                    return out;
                }
            }
            self.depth -= 1;
        }
        out.push_str(&format!("{indent}{}\n", self.response()));
        if self.chance(5) {
            out.push_str(&format!("{indent}console.log('after the response')\n"));
        }
        out
    }

    /// The handler body: a prelude and a method dispatch.
    fn body(&mut self) -> String {
        let r = self.req.clone();
        let mut out = String::new();
        for _ in 0..self.pick(3) {
            out.push_str(&format!("  {}\n", strip_ts(self.plain(), self.ts)));
        }
        let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
        match self.pick(7) {
            0 | 1 => out.push_str(&self.block("  ")),
            2 => {
                // if / else if / else
                let n = 1 + self.pick(3);
                for i in 0..n {
                    let m = methods[self.pick(methods.len())];
                    let kw = if i == 0 { "if" } else { " else if" };
                    let prefix = if i == 0 { "  " } else { "" };
                    // A test that is not about the method before one that is.
                    let cond = if self.chance(15) {
                        format!("{r}.query.flag")
                    } else {
                        format!("{r}.method === '{m}'")
                    };
                    let b = self.block("    ");
                    out.push_str(&format!("{prefix}{kw} ({cond}) {{\n{b}  }}"));
                }
                if self.chance(60) {
                    let s = self.res.clone();
                    out.push_str(&format!(" else {{\n    {s}.setHeader('Allow', ['GET', 'POST'])\n    {s}.status(405).end(`Method ${{{r}.method}} Not Allowed`)\n  }}\n"));
                } else {
                    out.push('\n');
                }
            }
            3 => {
                // `!==` guard
                let m = methods[self.pick(methods.len())];
                let s = self.res.clone();
                out.push_str(&format!("  if ({r}.method !== '{m}') {{\n    return {s}.status(405).json({{ error: 'Method not allowed' }})\n  }}\n"));
                out.push_str(&self.block("  "));
            }
            4 | 5 => {
                // switch on a destructured method, with fall-through and default
                out.push_str(&format!(
                    "  const {{ method }} = {r}\n  switch (method) {{\n"
                ));
                let n = 1 + self.pick(3);
                for _ in 0..n {
                    let m = methods[self.pick(methods.len())];
                    out.push_str(&format!("    case '{m}':\n"));
                    if self.chance(25) {
                        continue; // falls through
                    }
                    let outer = self.must_return;
                    self.must_return = self.chance(50);
                    let b = self.block("      ");
                    out.push_str(&b);
                    if !self.must_return && !self.chance(10) {
                        out.push_str("      break\n");
                    }
                    self.must_return = outer;
                }
                if self.chance(70) {
                    let b = self.block("      ");
                    out.push_str(&format!("    default:\n{b}"));
                }
                out.push_str("  }\n");
            }
            _ => {
                // includes-guard
                let s = self.res.clone();
                out.push_str(&format!("  if (!['GET', 'POST'].includes({r}.method{})) {{\n    return {s}.status(405).end()\n  }}\n", if self.ts { " as string" } else { "" }));
                out.push_str(&self.block("  "));
            }
        }
        out
    }

    /// Random edits of `text`, driven by the remaining choices.
    fn mutate(&mut self, text: &str) -> String {
        const BITS: &[&str] = &[
            ")",
            "(",
            "{",
            "}",
            "[",
            "]",
            "=>",
            ";",
            "`",
            "'",
            "\"",
            "/*",
            "*/",
            "//",
            "\n",
            "res.",
            "req.",
            "return ",
            "await ",
            "<",
            ">",
            "?",
            ":",
            ",",
            "...",
            "${",
            "\\",
            "export default ",
            "\u{feff}",
            "é",
            "\r\n",
            "0x",
            "/",
            "#",
            "@",
            "async ",
            "function ",
            "case 'GET':",
        ];
        let mut t = text.to_string();
        for _ in 0..1 + self.pick(3) {
            let at = floor_char(&t, self.pick(t.len() + 1));
            match self.pick(8) {
                0 => {
                    let end = floor_char(&t, (at + 1 + self.pick(40)).min(t.len()));
                    t.replace_range(at..end, "");
                }
                1 => {
                    let end = floor_char(&t, (at + 1 + self.pick(80)).min(t.len()));
                    let span = t[at..end].to_string();
                    t.insert_str(end, &span);
                }
                2 | 3 => {
                    let bit = BITS[self.pick(BITS.len())];
                    t.insert_str(at, bit);
                }
                4 | 5 => {
                    // Comments and line breaks where whitespace already is: still valid code
                    // (except where a line break changes the meaning: ASI, `return\n`).
                    let spaces: Vec<usize> = t.match_indices([' ', '\n']).map(|(i, _)| i).collect();
                    if let Some(&i) = spaces.get(self.pick(spaces.len().max(1))) {
                        let bit = self.one(&[" /* c */ ", "\n", " // c\n", "\n\n  ", "\t"]);
                        t.insert_str(i, bit);
                    }
                }
                6 => {
                    // Repeat a whole line.
                    let lines: Vec<&str> = t.split_inclusive('\n').collect();
                    let k = self.pick(lines.len().max(1));
                    if let Some(line) = lines.get(k) {
                        let line = line.to_string();
                        let pos: usize = lines[..k].iter().map(|l| l.len()).sum();
                        t.insert_str(pos, &line);
                    }
                }
                _ => {
                    // Drop a whole line.
                    let lines: Vec<&str> = t.split_inclusive('\n').collect();
                    let k = self.pick(lines.len().max(1));
                    if k < lines.len() {
                        let pos: usize = lines[..k].iter().map(|l| l.len()).sum();
                        let len = lines[k].len();
                        t.replace_range(pos..pos + len, "");
                    }
                }
            }
        }
        t
    }

    /// One route file: (path below pages/api, text).
    fn file(&mut self, index: usize) -> (String, String) {
        let ext = self.one(&["ts", "ts", "js", "tsx", "jsx", "mjs"]);
        self.ts = ext.starts_with("ts");
        let (rq, rs) = match self.pick(4) {
            0 => ("request", "response"),
            1 => ("r", "s"),
            _ => ("req", "res"),
        };
        self.req = rq.into();
        self.res = rs.into();
        let mut src = String::new();
        if self.ts && self.chance(70) {
            src.push_str("import type { NextApiRequest, NextApiResponse } from 'next'\n");
        }
        if self.chance(40) {
            src.push_str("import { load, helper } from '../../lib/data'\n");
        } else {
            src.push_str(
                "const load = async () => ({ a: 1 })\nconst helper = (x) => x\n"
                    .replace("(x)", if self.ts { "(x: unknown)" } else { "(x)" })
                    .as_str(),
            );
        }
        src.push_str(self.comment());
        let params = if self.ts && self.chance(70) {
            format!("{rq}: NextApiRequest, {rs}: NextApiResponse")
        } else if self.chance(5) {
            format!("{{ query }}, {rs}")
        } else if self.chance(5) {
            rq.to_string()
        } else {
            format!("{rq}, {rs}")
        };
        self.is_async = self.chance(80);
        let asy = if self.is_async { "async " } else { "" };
        let body = self.body();
        match self.pick(12) {
            0..=3 => src.push_str(&format!("export default {asy}function handler({params}) {{\n{body}}}\n")),
            4 => src.push_str(&format!("export default {asy}function ({params}) {{\n{body}}}\n")),
            5 | 6 => src.push_str(&format!("export default {asy}({params}) => {{\n{body}}}\n")),
            7 => src.push_str(&format!("const handler = {asy}({params}) => {{\n{body}}}\n\nexport default handler\n")),
            8 => src.push_str(&format!("{asy}function handler({params}) {{\n{body}}}\nexport default handler\n")),
            9 => src.push_str(&format!("export default withAuth({asy}({params}) => {{\n{body}}})\nfunction withAuth(h) {{ return h }}\n")),
            10 => src.push_str(&format!("export default ({params}) => {rs}.status(200).json({{ ok: true }})\n")),
            _ => src.push_str(&format!("module.exports = {asy}function ({params}) {{\n{body}}}\n")),
        }
        match self.pick(10) {
            6 => src.push_str("\nexport const config = { api: { bodyParser: false } }\n"),
            1 => src.push_str("\nexport const config = {\n  api: { bodyParser: { sizeLimit: '2mb' } },\n  maxDuration: 10,\n}\n"),
            2 => src.push_str("\nexport const config = { api: { responseLimit: false, externalResolver: true } }\n"),
            3 => src.push_str("\nexport const config = { runtime: 'nodejs' }\n"),
            4 => src.push_str("\nexport const config = makeConfig()\n"),
            5 => src.push_str("\nexport const helperValue = 1\n"),
            _ => {}
        }
        if !self.ts {
            src = strip_ts(src, false);
        }
        if self.chance(8) {
            src = src.replace('\n', "\r\n");
        }
        if self.chance(8) {
            src = src.replace("  ", "\t");
        }
        let dir = self.one(&[
            "",
            "users/",
            "[id]/",
            "items/[...slug]/",
            "opt/[[...all]]/",
            "a b/",
            "é/",
        ]);
        (format!("{dir}r{index}.{ext}"), src)
    }
}

/// True when `text` has `name.` or `name?.` with `name` a whole identifier (not after a `.`).
fn member_access(text: &str, name: &str) -> bool {
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b'.';
    text.match_indices(name).any(|(i, _)| {
        let before = i.checked_sub(1).map(|j| b[j]);
        let after = &text[i + name.len()..];
        !before.is_some_and(ident) && (after.starts_with('.') || after.starts_with("?."))
    })
}

static COLLECTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// `PAGES2APP_FUZZ_COLLECT=DIR`: write every source with an internal error to DIR instead of
/// failing on the first (to hunt for distinct bugs in a long run).
fn collect_dir() -> Option<String> {
    std::env::var("PAGES2APP_FUZZ_COLLECT")
        .ok()
        .filter(|d| !d.is_empty())
}

/// The largest char boundary of `s` at or before `i`.
fn floor_char(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Drops TypeScript-only syntax from generated JavaScript.
fn strip_ts(s: String, ts: bool) -> String {
    if ts {
        s
    } else {
        s.replace(" as string[]", "").replace(" as string", "")
    }
}

fn recipe() -> impl Strategy<Value = Vec<u32>> {
    vec(any::<u32>(), 0..160)
}

/// First non-info diagnostic code of each file, and statuses: printed at the end to show what the
/// generator reaches.
static HISTOGRAM: std::sync::Mutex<std::collections::BTreeMap<String, usize>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

fn check_batch(recipes: &[Vec<u32>], work: &Path, mutate: bool) -> Result<usize, TestCaseError> {
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work).map_err(|e| TestCaseError::fail(e.to_string()))?;
    common::next_app(work);
    common::write(work, "tsconfig.json", "{}\n");
    let mut sources = Vec::new();
    for (i, c) in recipes.iter().enumerate() {
        let mut g = Gen {
            c,
            i: 0,
            depth: 0,
            ts: true,
            is_async: true,
            must_return: false,
            req: "req".into(),
            res: "res".into(),
        };
        let (rel, mut text) = g.file(i);
        if mutate {
            text = g.mutate(&text);
        }
        common::write(work, &format!("pages/api/{rel}"), &text);
        sources.push((
            format!("pages/api/{rel}"),
            text,
            [g.req.clone(), g.res.clone()],
        ));
    }
    let show = |source: &str| {
        sources
            .iter()
            .find(|(p, ..)| p == source)
            .map(|(_, t, _)| t.clone())
            .unwrap_or_default()
    };
    let params_of = |source: &str| {
        sources
            .iter()
            .find(|(p, ..)| p == source)
            .map(|(.., n)| n.clone())
            .unwrap_or_default()
    };

    let run = pipeline::run(&Options::new(work));
    if let Ok(mut h) = HISTOGRAM.lock() {
        for f in &run.files {
            *h.entry(format!("status {}", f.status.as_str()))
                .or_insert(0) += 1;
            let first = f
                .diagnostics
                .iter()
                .find(|d| d.severity() != pages2app::diagnostics::Severity::Info);
            if let Some(d) = first {
                *h.entry(d.code.id().to_string()).or_insert(0) += 1;
                if std::env::var("PAGES2APP_FUZZ_SHOW").is_ok_and(|c| c == d.code.id())
                    && h[d.code.id()] <= 5
                {
                    eprintln!(
                        "--- {} {}:{}: {}\n{}",
                        f.source,
                        d.line,
                        d.column,
                        d.message,
                        show(&f.source)
                    );
                }
            }
        }
    }
    for f in &run.files {
        for d in &f.diagnostics {
            if let Some(dir) = collect_dir() {
                // Bug-hunting mode: keep every file with an internal error and go on.
                if d.code.id() == "P2A005" {
                    let n = COLLECTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let ext = f.source.rsplit('.').next().unwrap_or("ts");
                    let _ = std::fs::create_dir_all(&dir);
                    let text = format!("// {}\n{}", d.message.replace('\n', " "), show(&f.source));
                    let _ = std::fs::write(
                        std::path::Path::new(&dir).join(format!("p2a005-{n}.{ext}")),
                        text,
                    );
                }
                continue;
            }
            prop_assert!(
                d.code.id() != "P2A005",
                "internal error on {}: {}\n--- source ---\n{}",
                f.source,
                d.message,
                show(&f.source)
            );
        }
    }
    let mut migrated = 0;
    for c in &run.changes {
        if let Change::Rename { from, to, new, .. } = c {
            migrated += 1;
            let lang = Lang::from_path(to).unwrap_or(Lang::Ts);
            let parsed = pages2app::parse::parse_module(new, lang);
            prop_assert!(
                parsed.is_ok(),
                "{to} does not parse: {:?}\n--- source ---\n{}\n--- output ---\n{new}",
                parsed.err(),
                show(from)
            );
            // The old parameters are gone (the new functions take `request`): a member access on
            // one of them left behind would throw at run time. (Sources that shadow them on
            // purpose, or hold them in strings and comments, are marked `/* shadow */`.)
            // A route run through the Pages req/res adapter keeps its code, parameters included.
            let adapted = run
                .files
                .iter()
                .any(|f| f.source == *from && f.mode.map(|m| m.as_str()) == Some("adapter"));
            if !mutate && !adapted && !show(from).contains("/* shadow */") {
                for name in params_of(from).iter().filter(|n| n.as_str() != "request") {
                    prop_assert!(
                        !member_access(new, name),
                        "{to} still uses `{name}.`\n--- source ---\n{}\n--- output ---\n{new}",
                        show(from)
                    );
                }
            }
        }
    }
    let mut one_job = Options::new(work);
    one_job.jobs = 1;
    let again = pipeline::run(&one_job);
    prop_assert!(again.changes == run.changes, "--jobs 1 gives other changes");

    let patch = pages2app::patch::render(&run.changes);
    if !patch.is_empty() {
        let git = |args: &[&str]| common::git(work, args);
        if !work.join(".git").exists() {
            git(&["init", "-q"]);
        }
        let patch_file = work.with_extension("diff");
        std::fs::write(&patch_file, &patch).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let o = git(&["apply", "--check", patch_file.to_str().unwrap_or_default()]);
        prop_assert!(
            o.status.success(),
            "git apply --check: {}\n{patch}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    Ok(migrated)
}

#[test]
fn generated_routes_never_crash_and_patches_apply() {
    fuzz("generated", 1000, false);
}

/// The same handlers with random edits (spans deleted or repeated, brackets, quotes, comment
/// markers, `res.` inserted): mostly broken or odd code, which must be reported, never crash.
#[test]
fn mutated_routes_never_crash_and_patches_apply() {
    fuzz("mutated", 300, true);
}

fn fuzz(name: &str, default_cases: u32, mutate: bool) {
    let cases: u32 = std::env::var("PAGES2APP_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    let seed = std::env::var("PAGES2APP_FUZZ_SEED").unwrap_or_default();
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 400,
        ..Config::default()
    };
    let n: u64 = if seed == "random" {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        eprintln!("fuzz_routes: PAGES2APP_FUZZ_SEED={t}");
        t
    } else {
        seed.parse().unwrap_or(0x70a9_e5a9)
    };
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&n.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &s);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = tmp.path().join(format!("batch-{name}"));
    let start = Instant::now();
    let files = std::cell::Cell::new(0usize);
    let migrated = std::cell::Cell::new(0usize);
    let result = runner.run(&vec(recipe(), 1..16), |recipes| {
        files.set(files.get() + recipes.len());
        let m = check_batch(&recipes, &work, mutate)?;
        migrated.set(migrated.get() + m);
        Ok(())
    });
    eprintln!(
        "fuzz_routes ({name}): {cases} batches, {} files generated, {} migrated, in {:.1?}",
        files.get(),
        migrated.get(),
        start.elapsed()
    );
    if let Ok(h) = HISTOGRAM.lock() {
        eprintln!("fuzz_routes (both tests so far): {h:?}");
    }
    if let Err(e) = result {
        panic!("{e}");
    }
}
