//! A lexical scan of the module specifiers in a JavaScript/TypeScript file: `import` and
//! `export ... from` statements (with what they import), `import type`, `import x = require()`,
//! `import()` and `require()` with a literal or a computed path. No parse: comments, strings,
//! template literals and regular expressions are skipped so that text looking like an import
//! inside them does not count.
//!
//! What it cannot tell apart lexically it reads on the safe side: a `'` or `"` that opens no
//! string (an apostrophe in JSX text) ends at the end of its line, so the scan resynchronises
//! at the next line instead of skipping the rest of the file.

/// How a module is imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportKind {
    /// `import ... from 's'` / `import 's'` / `import x = require('s')`.
    Static,
    /// `export ... from 's'` (named or `*`).
    Reexport,
    /// `import('s')` with a literal.
    Dynamic,
    /// `require('s')` with a literal.
    Require,
    /// `import(...)` / `require(...)` whose path is computed; the specifier is the static prefix
    /// (`` `../pages/api/${x}` `` → `../pages/api/`), possibly empty.
    Computed,
}

/// One name an import binds or a re-export exports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The name in the imported module: `default`, `*` for a namespace, or the export name.
    pub imported: String,
    /// The local name (the exported name for a re-export).
    pub local: String,
    /// `import type` / `{ type X }`.
    pub type_only: bool,
}

/// One specifier found in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub kind: ImportKind,
    /// The specifier text (unescaped only for plain strings; escapes are kept as written).
    pub specifier: String,
    /// Byte range of the specifier's text between its quotes.
    pub spec_start: usize,
    pub spec_end: usize,
    /// Byte offset where the statement or call starts (`import`, `export`, `require`).
    pub start: usize,
    /// Byte offset just past the statement's specifier (and its closing quote).
    pub end: usize,
    /// What the statement binds; empty for a side-effect import or a call.
    pub bindings: Vec<Binding>,
    /// `import type ... from` / `export type ... from` (every binding is a type).
    pub type_only: bool,
    /// `export * from` (without `as`): every export of the module.
    pub star: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok<'a> {
    Ident(&'a str),
    /// A string literal: its raw text between the quotes and the range of that text.
    Str(&'a str, usize, usize),
    /// A template literal without substitutions (raw text and its range).
    Template(&'a str, usize, usize),
    /// The head of a template literal with substitutions (raw text before the first `${`).
    TemplateHead(&'a str),
    Punct(u8),
    /// A regular expression, a number, or anything else that is one value.
    Other,
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    /// Brace depths at which a template literal's `${` was opened.
    templates: Vec<usize>,
    braces: usize,
    /// Whether a `/` here starts a regular expression (after an operator, `(`, a keyword...).
    regex_ok: bool,
}

/// Bytes that can start an identifier (ASCII letters, `_`, `$`, any non-ASCII byte) and bytes
/// that can continue one (those and digits), one table lookup each: the scan looks at every
/// byte of every module of the app.
const IDENT_START: [bool; 256] = ident_table(false);
const IDENT_CHAR: [bool; 256] = ident_table(true);

const fn ident_table(digits: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphabetic()
            || b == b'_'
            || b == b'$'
            || b >= 0x80
            || (digits && b.is_ascii_digit());
        c += 1;
    }
    t
}

fn is_ident_start(c: u8) -> bool {
    IDENT_START[c as usize]
}

fn is_ident_char(c: u8) -> bool {
    IDENT_CHAR[c as usize]
}

/// Keywords after which a `/` starts a regular expression (a `match`, which compiles to a
/// length-then-bytes test, where a list would compare every identifier with each).
fn regex_after(word: &str) -> bool {
    matches!(
        word,
        "return"
            | "typeof"
            | "instanceof"
            | "in"
            | "of"
            | "new"
            | "delete"
            | "void"
            | "throw"
            | "case"
            | "do"
            | "else"
            | "yield"
            | "await"
    )
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer {
            src,
            b: src.as_bytes(),
            i: 0,
            templates: Vec::new(),
            braces: 0,
            regex_ok: true,
        }
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if c.is_ascii_whitespace() {
                self.i += 1;
            } else if c == b'/' && self.b.get(self.i + 1) == Some(&b'/') {
                self.i =
                    memchr::memchr(b'\n', &self.b[self.i..]).map_or(self.b.len(), |n| self.i + n);
            } else if c == b'/' && self.b.get(self.i + 1) == Some(&b'*') {
                self.i = memchr::memmem::find(&self.b[self.i + 2..], b"*/")
                    .map_or(self.b.len(), |n| self.i + 2 + n + 2);
            } else {
                break;
            }
        }
    }

    /// A quoted string from `self.i` (the quote); ends at the closing quote or the line's end.
    fn string(&mut self, q: u8) -> Tok<'a> {
        let start = self.i + 1;
        let mut j = start;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' => j += 2,
                b'\n' => break,
                c if c == q => {
                    self.i = j + 1;
                    return Tok::Str(&self.src[start..j], start, j);
                }
                _ => j += 1,
            }
        }
        // Not a string after all (an apostrophe in JSX text): resume at the next line.
        self.i = j.min(self.b.len());
        Tok::Other
    }

    /// Template text from `self.i` (just past the backtick or the `}` closing a substitution).
    /// Returns the text and whether it ended at `${` (true) or at the closing backtick.
    fn template_text(&mut self) -> (usize, usize, bool) {
        let start = self.i;
        let mut j = start;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' => j += 2,
                b'`' => {
                    self.i = j + 1;
                    return (start, j, false);
                }
                b'$' if self.b.get(j + 1) == Some(&b'{') => {
                    self.i = j + 2;
                    return (start, j, true);
                }
                _ => j += 1,
            }
        }
        self.i = self.b.len();
        (start, self.b.len().max(start), false)
    }

    fn regex(&mut self) {
        let mut j = self.i + 1;
        let mut class = false;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' => j += 1,
                b'\n' => break,
                b'[' => class = true,
                b']' => class = false,
                b'/' if !class => {
                    j += 1;
                    while j < self.b.len() && is_ident_char(self.b[j]) {
                        j += 1;
                    }
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        self.i = j.min(self.b.len());
    }

    fn next(&mut self) -> Option<(Tok<'a>, usize)> {
        self.skip_trivia();
        let start = self.i;
        let c = *self.b.get(self.i)?;
        let tok = if is_ident_start(c) {
            let mut j = self.i + 1;
            while j < self.b.len() && is_ident_char(self.b[j]) {
                j += 1;
            }
            // Stay on a char boundary for non-ASCII identifiers.
            while !self.src.is_char_boundary(j) {
                j += 1;
            }
            self.i = j;
            let word = &self.src[start..j];
            self.regex_ok = regex_after(word);
            return Some((Tok::Ident(word), start));
        } else if c.is_ascii_digit() {
            let mut j = self.i + 1;
            while j < self.b.len() && (is_ident_char(self.b[j]) || self.b[j] == b'.') {
                j += 1;
            }
            self.i = j;
            self.regex_ok = false;
            return Some((Tok::Other, start));
        } else if c == b'\'' || c == b'"' {
            self.string(c)
        } else if c == b'`' {
            self.i += 1;
            let (s, e, open) = self.template_text();
            if open {
                self.templates.push(self.braces);
                self.regex_ok = true;
                return Some((Tok::TemplateHead(&self.src[s..e]), start));
            }
            Tok::Template(&self.src[s..e], s, e)
        } else if c == b'}' && self.templates.last() == Some(&self.braces) {
            // The end of a substitution: the template goes on.
            self.i += 1;
            let (_, _, open) = self.template_text();
            if !open {
                self.templates.pop();
            }
            self.regex_ok = open;
            return Some((Tok::Other, start));
        } else if c == b'/' && self.regex_ok {
            self.regex();
            Tok::Other
        } else {
            self.i += 1;
            match c {
                b'{' => self.braces += 1,
                b'}' => self.braces = self.braces.saturating_sub(1),
                _ => {}
            }
            self.regex_ok = !matches!(c, b')' | b']' | b'}');
            return Some((Tok::Punct(c), start));
        };
        self.regex_ok = false;
        Some((tok, start))
    }
}

/// Every specifier in `src`, in source order.
pub fn scan(src: &str) -> Vec<Import> {
    let mut out = Vec::new();
    // Cheap exit: a file that never says `import`, `export` or `require` imports nothing.
    let b = src.as_bytes();
    if memchr::memmem::find(b, b"import").is_none()
        && memchr::memmem::find(b, b"require").is_none()
        && memchr::memmem::find(b, b"export").is_none()
    {
        return out;
    }
    let mut toks: Vec<(Tok, usize)> = Vec::new();
    let mut lx = Lexer::new(src);
    while let Some(t) = lx.next() {
        toks.push(t);
    }
    let end_of = |k: usize| -> usize { toks.get(k + 1).map_or(src.len(), |t| t.1) };
    let mut k = 0;
    while k < toks.len() {
        let (tok, start) = &toks[k];
        let after_dot = k > 0 && toks[k - 1].0 == Tok::Punct(b'.');
        let Tok::Ident(word) = tok else {
            k += 1;
            continue;
        };
        if after_dot {
            k += 1;
            continue;
        }
        match *word {
            "import" | "require" => {
                if toks.get(k + 1).map(|t| &t.0) == Some(&Tok::Punct(b'(')) {
                    let kind_lit = if *word == "import" {
                        ImportKind::Dynamic
                    } else {
                        ImportKind::Require
                    };
                    if let Some(imp) = call(&toks, k, *start, kind_lit, src) {
                        out.push(imp);
                    }
                    k += 2;
                    continue;
                }
                if *word == "import" {
                    if let Some((imp, next)) = import_statement(&toks, k, *start) {
                        out.push(imp);
                        k = next;
                        continue;
                    }
                }
            }
            "export" => {
                if let Some((imp, next)) = export_from(&toks, k, *start) {
                    out.push(imp);
                    k = next;
                    continue;
                }
            }
            _ => {}
        }
        let _ = end_of;
        k += 1;
    }
    out
}

/// `import(` / `require(` at `k`: a literal argument, or a computed one (its static prefix).
fn call(
    toks: &[(Tok, usize)],
    k: usize,
    start: usize,
    lit: ImportKind,
    src: &str,
) -> Option<Import> {
    let arg = toks.get(k + 2)?;
    let closes = |t: Option<&(Tok, usize)>| {
        matches!(
            t.map(|t| &t.0),
            Some(Tok::Punct(b')')) | Some(Tok::Punct(b','))
        )
    };
    let mk = |kind, spec: &str, s: usize, e: usize| Import {
        kind,
        specifier: spec.to_string(),
        spec_start: s,
        spec_end: e,
        start,
        end: e + 1,
        bindings: Vec::new(),
        type_only: false,
        star: false,
    };
    match &arg.0 {
        Tok::Str(s, a, b) | Tok::Template(s, a, b) if closes(toks.get(k + 3)) => {
            Some(mk(lit, s, *a, *b))
        }
        Tok::Str(s, a, b) | Tok::Template(s, a, b) => Some(mk(ImportKind::Computed, s, *a, *b)),
        Tok::TemplateHead(s) => {
            let a = arg.1 + 1;
            Some(mk(ImportKind::Computed, s, a, a + s.len()))
        }
        Tok::Punct(b')') => None,
        _ => {
            let _ = src;
            Some(mk(ImportKind::Computed, "", arg.1, arg.1))
        }
    }
}

fn ident<'a>(toks: &[(Tok<'a>, usize)], k: usize) -> Option<&'a str> {
    match toks.get(k).map(|t| &t.0) {
        Some(Tok::Ident(w)) => Some(w),
        _ => None,
    }
}

fn punct(toks: &[(Tok, usize)], k: usize, c: u8) -> bool {
    toks.get(k).map(|t| &t.0) == Some(&Tok::Punct(c))
}

/// A `{ a, b as c, type d }` list from `k` (at `{`): the bindings and the index past `}`.
fn braces(toks: &[(Tok, usize)], mut k: usize, type_only: bool) -> Option<(Vec<Binding>, usize)> {
    let mut out = Vec::new();
    k += 1;
    loop {
        if punct(toks, k, b'}') {
            return Some((out, k + 1));
        }
        let mut ty = type_only;
        let mut name = match &toks.get(k)?.0 {
            Tok::Ident(w) => w.to_string(),
            Tok::Str(s, ..) => s.to_string(),
            _ => return None,
        };
        k += 1;
        // `type X` (but `type` alone or `type as X` is a name).
        if name == "type" {
            if let Some(w) = ident(toks, k) {
                if w != "as" || ident(toks, k + 1) == Some("as") {
                    ty = true;
                    name = w.to_string();
                    k += 1;
                }
            }
        }
        let mut local = name.clone();
        if ident(toks, k) == Some("as") {
            local = match &toks.get(k + 1)?.0 {
                Tok::Ident(w) => w.to_string(),
                Tok::Str(s, ..) => s.to_string(),
                _ => return None,
            };
            k += 2;
        }
        out.push(Binding {
            imported: name,
            local,
            type_only: ty,
        });
        if punct(toks, k, b',') {
            k += 1;
        } else if !punct(toks, k, b'}') {
            return None;
        }
    }
}

/// The specifier after `from` at `k`.
fn from_spec<'a>(toks: &[(Tok<'a>, usize)], k: usize) -> Option<(&'a str, usize, usize)> {
    if ident(toks, k) != Some("from") {
        return None;
    }
    match toks.get(k + 1)?.0 {
        Tok::Str(s, a, b) => Some((s, a, b)),
        _ => None,
    }
}

fn import_statement(toks: &[(Tok, usize)], k0: usize, start: usize) -> Option<(Import, usize)> {
    let mut k = k0 + 1;
    let mk = |spec: &str, a: usize, b: usize, bindings, type_only| Import {
        kind: ImportKind::Static,
        specifier: spec.to_string(),
        spec_start: a,
        spec_end: b,
        start,
        end: b + 1,
        bindings,
        type_only,
        star: false,
    };
    // `import 'x'`
    if let Some(Tok::Str(s, a, b)) = toks.get(k).map(|t| &t.0) {
        return Some((mk(s, *a, *b, Vec::new(), false), k + 1));
    }
    // `import.meta`
    if punct(toks, k, b'.') {
        return None;
    }
    let mut type_only = false;
    if ident(toks, k) == Some("type")
        && (ident(toks, k + 1).is_some_and(|w| w != "from")
            || punct(toks, k + 1, b'{')
            || punct(toks, k + 1, b'*')
            || (ident(toks, k + 1) == Some("from") && ident(toks, k + 2) == Some("from")))
    {
        type_only = true;
        k += 1;
    }
    let mut bindings = Vec::new();
    if let Some(w) = ident(toks, k) {
        if w == "from" && matches!(toks.get(k + 1).map(|t| &t.0), Some(Tok::Str(..))) {
            // `import from from 'x'` is handled below; `import from 'x'` is not valid.
        }
        bindings.push(Binding {
            imported: "default".into(),
            local: w.to_string(),
            type_only,
        });
        k += 1;
        // `import x = require('y')`
        if punct(toks, k, b'=') {
            if ident(toks, k + 1) == Some("require") && punct(toks, k + 2, b'(') {
                if let Some(Tok::Str(s, a, b)) = toks.get(k + 3).map(|t| &t.0) {
                    let mut imp = mk(s, *a, *b, Vec::new(), type_only);
                    imp.bindings.push(Binding {
                        imported: "*".into(),
                        local: w.to_string(),
                        type_only,
                    });
                    return Some((imp, k + 4));
                }
            }
            return None;
        }
        if punct(toks, k, b',') {
            k += 1;
        }
    }
    if punct(toks, k, b'*') {
        if ident(toks, k + 1) != Some("as") {
            return None;
        }
        let local = ident(toks, k + 2)?;
        bindings.push(Binding {
            imported: "*".into(),
            local: local.to_string(),
            type_only,
        });
        k += 3;
    } else if punct(toks, k, b'{') {
        let (list, next) = braces(toks, k, type_only)?;
        bindings.extend(list);
        k = next;
    }
    let (s, a, b) = from_spec(toks, k)?;
    Some((mk(s, a, b, bindings, type_only), k + 2))
}

fn export_from(toks: &[(Tok, usize)], k0: usize, start: usize) -> Option<(Import, usize)> {
    let mut k = k0 + 1;
    let mut type_only = false;
    if ident(toks, k) == Some("type") {
        type_only = true;
        k += 1;
    }
    let mut bindings = Vec::new();
    let mut star = false;
    if punct(toks, k, b'*') {
        if ident(toks, k + 1) == Some("as") {
            let name = match &toks.get(k + 2)?.0 {
                Tok::Ident(w) => w.to_string(),
                Tok::Str(s, ..) => s.to_string(),
                _ => return None,
            };
            bindings.push(Binding {
                imported: "*".into(),
                local: name,
                type_only,
            });
            k += 3;
        } else {
            star = true;
            k += 1;
        }
    } else if punct(toks, k, b'{') {
        let (list, next) = braces(toks, k, type_only)?;
        bindings = list;
        k = next;
    } else {
        return None;
    }
    let (s, a, b) = from_spec(toks, k)?;
    Some((
        Import {
            kind: ImportKind::Reexport,
            specifier: s.to_string(),
            spec_start: a,
            spec_end: b,
            start,
            end: b + 1,
            bindings,
            type_only,
            star,
        },
        k + 2,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(src: &str) -> Vec<(ImportKind, String)> {
        scan(src)
            .into_iter()
            .map(|i| (i.kind, i.specifier))
            .collect()
    }

    #[test]
    fn statements_and_what_they_bind() {
        let src = "import a, { b, c as d, type E } from './x'\nimport * as ns from \"../y\"\nimport type { T } from '@/t'\nimport './side.css'\nexport { default } from './z'\nexport * from './all'\nexport type { U as V } from './u'\nexport * as every from './e'\nimport q = require('./q')\n";
        let got = scan(src);
        type View = (String, Vec<(String, String, bool)>, bool);
        let view: Vec<View> = got
            .iter()
            .map(|i| {
                (
                    i.specifier.clone(),
                    i.bindings
                        .iter()
                        .map(|b| (b.imported.clone(), b.local.clone(), b.type_only))
                        .collect(),
                    i.star,
                )
            })
            .collect();
        let b = |i: &str, l: &str, t: bool| (i.to_string(), l.to_string(), t);
        assert_eq!(
            view,
            vec![
                (
                    "./x".into(),
                    vec![
                        b("default", "a", false),
                        b("b", "b", false),
                        b("c", "d", false),
                        b("E", "E", true)
                    ],
                    false
                ),
                ("../y".into(), vec![b("*", "ns", false)], false),
                ("@/t".into(), vec![b("T", "T", true)], false),
                ("./side.css".into(), vec![], false),
                ("./z".into(), vec![b("default", "default", false)], false),
                ("./all".into(), vec![], true),
                ("./u".into(), vec![b("U", "V", true)], false),
                ("./e".into(), vec![b("*", "every", false)], false),
                ("./q".into(), vec![b("*", "q", false)], false),
            ]
        );
        assert!(got[2].type_only && got[6].type_only && !got[0].type_only);
        assert_eq!(got[4].kind, ImportKind::Reexport);
        // The specifier range is the text between the quotes.
        assert_eq!(&src[got[1].spec_start..got[1].spec_end], "../y");
        assert_eq!(got[1].start, src.find("import * as").unwrap());
    }

    #[test]
    fn comments_strings_and_regexes_do_not_count() {
        let src = r#"
// import a from './commented'
/* import b from './block' */
const s = "import c from './in-string'"
const t = 'require("./in-single")'
const r = /import d from '.\/regex'/g
const x = a / b; import e from './real'
const obj = { import: 1 }; obj.require('./method')
"#;
        assert_eq!(specs(src), vec![(ImportKind::Static, "./real".into())]);
    }

    #[test]
    fn template_literals_and_calls() {
        let src = "const t = `import x from './tpl' ${ require('./inside') } ok`\nconst a = await import('./lit')\nconst b = require(`./plain-tpl`)\nconst c = import(`../pages/api/${name}`)\nconst d = require('../pages/api/' + name)\nconst e = require(path)\nif (import.meta.url) {}\n";
        assert_eq!(
            specs(src),
            vec![
                (ImportKind::Require, "./inside".into()),
                (ImportKind::Dynamic, "./lit".into()),
                (ImportKind::Require, "./plain-tpl".into()),
                (ImportKind::Computed, "../pages/api/".into()),
                (ImportKind::Computed, "../pages/api/".into()),
                (ImportKind::Computed, "".into()),
            ]
        );
    }

    #[test]
    fn type_named_type_and_jsx_apostrophes() {
        let src = "import type from './a'\nimport { type } from './b'\nimport type, { x } from './c'\nconst el = <p>Don't stop</p>\nimport { y } from './d'\n";
        let got = scan(src);
        assert_eq!(got.len(), 4);
        assert!(!got[0].type_only && got[0].bindings[0].local == "type");
        assert!(!got[1].bindings[0].type_only && got[1].bindings[0].imported == "type");
        assert_eq!(got[2].bindings.len(), 2);
        assert_eq!(got[3].specifier, "./d");
    }
}
