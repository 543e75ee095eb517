//! Imports: relative specifiers follow the file to its new folder; imports the rewrite left
//! unused are removed; the compat module import is added.

use std::ops::Range;

use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use swc_atoms::Atom;

use super::reparse::{ImportedNames, Reparsed};
use crate::edit::Edit;
use crate::parse::range;

/// Resolves `spec` against `from_dir` and re-expresses it relative to `to_dir` (all `/`-separated,
/// relative to the run root). Returns None when `spec` is not relative.
pub fn rebase_specifier(spec: &str, from_dir: &str, to_dir: &str) -> Option<String> {
    if !(spec == "." || spec == ".." || spec.starts_with("./") || spec.starts_with("../")) {
        return None;
    }
    let trailing_slash = spec.ends_with('/');
    let mut abs: Vec<&str> = split(from_dir);
    for seg in spec.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if abs.last().is_some_and(|s| *s != "..") {
                    abs.pop();
                } else {
                    abs.push("..");
                }
            }
            s => abs.push(s),
        }
    }
    Some(relative(&split(to_dir), &abs, trailing_slash))
}

/// The segments of a `/`-separated path, `.` and empty ones left out (borrowed: this runs for
/// every relative specifier of every file).
fn split(p: &str) -> Vec<&str> {
    p.split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect()
}

/// A `./`- or `../`-prefixed path from directory `from` to `to`.
pub fn relative<S: AsRef<str>>(from: &[S], to: &[S], trailing_slash: bool) -> String {
    let common = from
        .iter()
        .zip(to)
        .take_while(|(a, b)| a.as_ref() == b.as_ref())
        .count();
    let ups = from.len() - common;
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(std::iter::repeat_n("..", ups));
    parts.extend(to[common..].iter().map(AsRef::as_ref));
    let mut s = if ups == 0 {
        format!("./{}", parts.join("/"))
    } else {
        parts.join("/")
    };
    if s == "./" {
        s = ".".into();
    }
    if trailing_slash && !s.ends_with('/') {
        s.push('/');
    }
    s
}

/// Edits that rebase every relative module specifier in the file (imports, re-exports,
/// `require(..)`, `import(..)`, `import('..')` types).
pub fn rebase_edits(module: &Module, src: &str, from_dir: &str, to_dir: &str) -> Vec<Edit> {
    struct V<'a> {
        src: &'a str,
        from: &'a str,
        to: &'a str,
        out: Vec<Edit>,
    }
    impl V<'_> {
        fn str_lit(&mut self, s: &Str) {
            let r = range(s.span);
            if r.len() < 2 {
                return;
            }
            let inner = (r.start + 1)..(r.end - 1);
            let Some(raw) = self.src.get(inner.clone()) else {
                return;
            };
            if raw.contains('\\') {
                return;
            }
            if let Some(new) = rebase_specifier(raw, self.from, self.to) {
                if new != raw {
                    self.out.push(Edit {
                        range: inner,
                        text: new,
                        needs: Default::default(),
                    });
                }
            }
        }
    }
    impl Visit for V<'_> {
        fn visit_import_decl(&mut self, i: &ImportDecl) {
            self.str_lit(&i.src);
        }
        fn visit_named_export(&mut self, n: &NamedExport) {
            if let Some(s) = &n.src {
                self.str_lit(s);
            }
        }
        fn visit_export_all(&mut self, e: &ExportAll) {
            self.str_lit(&e.src);
        }
        fn visit_ts_import_type(&mut self, t: &TsImportType) {
            self.str_lit(&t.arg);
            t.visit_children_with(self);
        }
        fn visit_call_expr(&mut self, c: &CallExpr) {
            let is_loader = match &c.callee {
                Callee::Import(_) => true,
                Callee::Expr(e) => matches!(&**e, Expr::Ident(i) if i.sym == "require"),
                _ => false,
            };
            if is_loader {
                if let Some(ExprOrSpread { spread: None, expr }) = c.args.first() {
                    if let Expr::Lit(Lit::Str(s)) = &**expr {
                        self.str_lit(s);
                    }
                }
            }
            c.visit_children_with(self);
        }
    }
    let mut v = V {
        src,
        from: from_dir,
        to: to_dir,
        out: Vec::new(),
    };
    // Only re-exports and items whose text (decorators before it included) says `import` or
    // `require` can hold a module specifier: the others are not walked.
    // (memchr's SIMD search: `str::contains` cost 2% of a dry run here.)
    let (import, require) = (
        memchr::memmem::Finder::new("import"),
        memchr::memmem::Finder::new("require"),
    );
    let mut prev_end = 0;
    for item in &module.body {
        let r = range(swc_common::Spanned::span(item));
        let holds = matches!(
            item,
            ModuleItem::ModuleDecl(ModuleDecl::ExportNamed(_) | ModuleDecl::ExportAll(_))
        ) || src.get(prev_end.min(r.start)..r.end).is_none_or(|t| {
            import.find(t.as_bytes()).is_some() || require.find(t.as_bytes()).is_some()
        });
        if holds {
            item.visit_with(&mut v);
        }
        prev_end = r.end;
    }
    v.out.sort_by_key(|e| e.range.start);
    v.out
}

/// What the transform needs to know about the file's imports.
#[derive(Default)]
pub struct ImportFacts {
    /// Local names of raw-body readers: `buffer` from `micro`, the default of `raw-body`.
    pub raw_body_fns: Vec<String>,
    /// Local name of `getServerSession` from next-auth.
    pub get_server_session: Option<String>,
    /// End offset of the last top-level import declaration.
    pub last_import_end: Option<usize>,
    /// The quote character the imports use.
    pub quote: Option<char>,
    /// Whether import declarations end with `;`.
    pub semicolons: Option<bool>,
}

pub fn import_facts(module: &Module, src: &str) -> ImportFacts {
    let mut f = ImportFacts::default();
    for item in &module.body {
        let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item else {
            continue;
        };
        let r = range(i.span);
        f.last_import_end = Some(r.end);
        if f.quote.is_none() {
            f.quote = src[range(i.src.span)].chars().next();
            f.semicolons = Some(src[r.clone()].trim_end().ends_with(';'));
        }
        let from = i.src.value.to_atom_lossy();
        for s in &i.specifiers {
            match (from.as_str(), s) {
                ("micro", ImportSpecifier::Named(n))
                    if super::ast_util::imported_name(n) == "buffer" =>
                {
                    f.raw_body_fns.push(n.local.sym.to_string());
                }
                ("raw-body", ImportSpecifier::Default(d)) => {
                    f.raw_body_fns.push(d.local.sym.to_string())
                }
                ("next-auth" | "next-auth/next", ImportSpecifier::Named(n)) => {
                    let imported = match &n.imported {
                        Some(ModuleExportName::Ident(id)) => id.sym.to_string(),
                        _ => n.local.sym.to_string(),
                    };
                    if imported == "getServerSession" || imported == "unstable_getServerSession" {
                        f.get_server_session = Some(n.local.sym.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    f
}

/// Edits (on `out_src`, the migrated text) removing import specifiers that the source
/// referenced and the migrated module no longer does. An import left with no specifier is
/// removed whole; one that keeps some is reprinted with swc_ecma_codegen.
pub fn remove_unused_imports(out: &Reparsed, out_src: &str, imported: &ImportedNames) -> Vec<Edit> {
    let before = imported.totals();
    let referenced = |counts: &[usize], name: &Atom| {
        imported
            .names()
            .iter()
            .position(|n| n == name)
            .is_some_and(|k| counts[k] > 0)
    };
    let mut edits = Vec::new();
    for (i, r) in &out.imports {
        let local = |s: &ImportSpecifier| match s {
            ImportSpecifier::Named(n) => n.local.sym.clone(),
            ImportSpecifier::Default(d) => d.local.sym.clone(),
            ImportSpecifier::Namespace(n) => n.local.sym.clone(),
        };
        let dropped: Vec<bool> = i
            .specifiers
            .iter()
            .map(|s| {
                let name = local(s);
                (referenced(&before, &name) || imported.was_referenced(&name))
                    && !referenced(&out.counts, &name)
            })
            .collect();
        if !dropped.iter().any(|d| *d) {
            continue;
        }
        let r = r.clone();
        if dropped.iter().all(|d| *d) {
            edits.push(super::removal::removal(out_src, r));
            continue;
        }
        let mut kept = i.clone().into_owned();
        kept.specifiers = i
            .specifiers
            .iter()
            .zip(&dropped)
            .filter(|(_, d)| !**d)
            .map(|(s, _)| s.clone())
            .collect();
        let mut text = super::codegen::print_import(&kept);
        if !out_src[r.clone()].trim_end().ends_with(';') {
            text = text.trim_end_matches(';').to_string();
        }
        edits.push(Edit {
            range: r,
            text,
            needs: Default::default(),
        });
    }
    edits
}

/// `import * as <name> from '<spec>'`: the compat import.
pub fn compat_import_stmt(name: &str, spec: &str) -> (String, String) {
    (format!("* as {name}"), spec.to_string())
}

/// `import { cookies, draftMode as nextDraftMode } from 'next/headers'` of next/headers' `names`
/// (imported name, local name).
pub fn next_headers_import_stmt(names: &[(&str, &str)]) -> (String, String) {
    let list = names
        .iter()
        .map(|(imported, local)| {
            if imported == local {
                imported.to_string()
            } else {
                format!("{imported} as {local}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    (format!("{{ {list} }}"), "next/headers".to_string())
}

/// Where to insert the imports `stmts` (what, from) in the file's quotes and semicolons: after
/// its last import (else at its top, after a shebang), in one edit; and the text.
pub fn insert_imports(
    facts: &ImportFacts,
    src: &str,
    stmts: &[(String, String)],
    nl: &str,
) -> (Range<usize>, String) {
    let q = facts.quote.unwrap_or('\'');
    let semi = if facts.semicolons.unwrap_or(false) {
        ";"
    } else {
        ""
    };
    let lines: Vec<String> = stmts
        .iter()
        .map(|(what, from)| format!("import {what} from {q}{from}{q}{semi}"))
        .collect();
    match facts.last_import_end {
        Some(end) => {
            // after the last import's line
            let mut line_end = src[end..].find('\n').map_or(src.len(), |i| end + i);
            if line_end > end && src.as_bytes()[line_end - 1] == b'\r' {
                line_end -= 1;
            }
            let text = lines.iter().map(|l| format!("{nl}{l}")).collect::<String>();
            (line_end..line_end, text)
        }
        None => {
            let at = leading_preamble_end(src);
            let text = lines.iter().map(|l| format!("{l}{nl}")).collect::<String>();
            (at..at, format!("{text}{}", if at == 0 { nl } else { "" }))
        }
    }
}

/// Offset after a shebang line, so an import never goes before it.
fn leading_preamble_end(src: &str) -> usize {
    // A byte-order mark stays the first character.
    let bom = if src.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let rest = &src[bom..];
    if rest.starts_with("#!") {
        bom + rest.find('\n').map_or(rest.len(), |i| i + 1)
    } else {
        bom
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specifiers_follow_the_file() {
        // pages/api/users/[id].ts -> app/(api)/api/users/[id]/route.ts
        let from = "pages/api/users";
        let to = "app/(api)/api/users/[id]";
        assert_eq!(
            rebase_specifier("../../../lib/db", from, to).as_deref(),
            Some("../../../../../lib/db")
        );
        assert_eq!(
            rebase_specifier("./helpers", from, to).as_deref(),
            Some("../../../../../pages/api/users/helpers")
        );
        assert_eq!(rebase_specifier("lodash", from, to), None);
        assert_eq!(rebase_specifier("@/lib/db", from, to), None);
    }

    #[test]
    fn relative_paths_between_siblings() {
        let s = split;
        assert_eq!(relative(&s("a/b"), &s("a/b/c"), false), "./c");
        assert_eq!(relative(&s("a/b"), &s("a/x"), false), "../x");
        assert_eq!(relative(&s("a"), &s("a"), false), ".");
    }

    #[test]
    fn paths_above_the_root_keep_their_ups() {
        assert_eq!(
            rebase_specifier("../../shared/x", "pages/api", "app/(api)/api").as_deref(),
            Some("../../../shared/x")
        );
        assert_eq!(
            rebase_specifier("../../../../shared/x", "pages/api", "app/(api)/api").as_deref(),
            Some("../../../../../shared/x")
        );
    }
}
