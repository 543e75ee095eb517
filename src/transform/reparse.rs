//! The migrated text is parsed again before it is used, but only where it changed.
//!
//! The migrated text is the source with edits spliced in ([`EditSet::render`]). Top-level items no
//! edit touches are the source's bytes, and the parser reads a top-level item the same way
//! wherever it starts: a module item boundary is a statement start at nesting depth zero. So the
//! text is re-parsed in *fragments*: each run of touched items, with the untouched item on either
//! side of it and the gaps (comments, blank lines, decorators) in between. The outer items are
//! the proof that a fragment joins its surroundings as before: each must parse to exactly its
//! old bytes (an edit that let a neighbour swallow the next line, as automatic semicolon
//! insertion can, would change that neighbour's extent). When that check fails, or the module
//! has no items, the whole text is parsed instead, so the verdict is never weaker than a full
//! parse. A file whose handler is most of it is parsed whole; a typical route (helpers, types
//! and constants above a short handler) re-parses a fifth of its text.
//!
//! The same pass collects what the import cleanup needs: the migrated text's import declarations
//! with their byte ranges, and how often each imported name is referenced outside imports.

use std::borrow::Cow;
use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use crate::edit::EditSet;
use crate::parse::{parse_module, parse_module_range, range, SyntaxError};
use crate::route_path::Lang;

/// The local names `module` imports, each once, in order.
pub fn imported_locals(module: &Module) -> Vec<swc_atoms::Atom> {
    let mut names = Vec::new();
    for item in &module.body {
        if let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item {
            for s in &i.specifiers {
                let local = match s {
                    ImportSpecifier::Named(n) => &n.local,
                    ImportSpecifier::Default(d) => &d.local,
                    ImportSpecifier::Namespace(n) => &n.local,
                };
                if !names.contains(&local.sym) {
                    names.push(local.sym.clone());
                }
            }
        }
    }
    names
}

/// The local names a module imports, and where they are referenced (outside imports).
pub struct ImportedNames {
    names: Vec<swc_atoms::Atom>,
    /// Reference counts per top-level item: `per_item[i * names.len() + k]`.
    per_item: Vec<usize>,
    /// Names the route referenced before a rewrite that ran ahead of this module's (a method
    /// map's call, see `method_map`): the import cleanup drops them once unused.
    referenced_before: Vec<swc_atoms::Atom>,
}

impl ImportedNames {
    /// The imported names of `module`, counted item by item.
    #[cfg(test)]
    pub fn of_module(module: &Module) -> Self {
        let names = imported_locals(module);
        let mut per_item = vec![0; names.len() * module.body.len()];
        if !names.is_empty() {
            for (item, counts) in module.body.iter().zip(per_item.chunks_mut(names.len())) {
                count_into(&names, item, counts);
            }
        }
        ImportedNames {
            names,
            per_item,
            referenced_before: Vec::new(),
        }
    }

    /// `names` with their counts per item, counted elsewhere (the identifier table's walk:
    /// `names::IdentTable::of_module_counting`).
    pub fn from_counts(names: Vec<swc_atoms::Atom>, per_item: Vec<usize>) -> Self {
        ImportedNames {
            names,
            per_item,
            referenced_before: Vec::new(),
        }
    }

    /// Counts `name` as referenced before the rewrite.
    pub fn referenced_before(mut self, name: &str) -> Self {
        self.referenced_before.push(swc_atoms::Atom::from(name));
        self
    }

    /// Whether `name` was referenced before the rewrite by code no longer in the source.
    pub fn was_referenced(&self, name: &swc_atoms::Atom) -> bool {
        self.referenced_before.contains(name)
    }

    pub fn names(&self) -> &[swc_atoms::Atom] {
        &self.names
    }

    /// References of each name in the whole module.
    pub fn totals(&self) -> Vec<usize> {
        let mut t = vec![0; self.names.len()];
        self.add_item_range(&mut t, 0..self.item_count());
        t
    }

    fn item_count(&self) -> usize {
        self.per_item
            .len()
            .checked_div(self.names.len())
            .unwrap_or(0)
    }

    fn add_item_range(&self, totals: &mut [usize], items: Range<usize>) {
        if self.names.is_empty() {
            return;
        }
        for counts in self.per_item[items.start * self.names.len()..items.end * self.names.len()]
            .chunks(self.names.len())
        {
            for (t, c) in totals.iter_mut().zip(counts) {
                *t += c;
            }
        }
    }
}

/// Adds the references of `names` in `node` (import declarations not counted) to `counts`.
fn count_into<N: for<'c> VisitWith<Counter<'c>>>(
    names: &[swc_atoms::Atom],
    node: &N,
    counts: &mut [usize],
) {
    if names.is_empty() {
        return;
    }
    node.visit_with(&mut Counter { names, counts });
}

struct Counter<'a> {
    names: &'a [swc_atoms::Atom],
    counts: &'a mut [usize],
}

impl Visit for Counter<'_> {
    fn visit_import_decl(&mut self, _: &ImportDecl) {}
    fn visit_ident(&mut self, i: &Ident) {
        if let Some(k) = self.names.iter().position(|n| *n == i.sym) {
            self.counts[k] += 1;
        }
    }
}

/// What the re-parse found in the migrated text.
pub struct Reparsed<'a> {
    /// Its import declarations with their byte ranges in it, in order.
    pub imports: Vec<(Cow<'a, ImportDecl>, Range<usize>)>,
    /// References of each of [`ImportedNames::names`] in it, outside imports.
    pub counts: Vec<usize>,
}

/// Parses the changed parts of `out`, which is `src` (parsed as `module`) with `edits` applied
/// over `0..src.len()`. An error is the migrated text's first syntax error.
pub fn reparse<'a>(
    src: &str,
    module: &'a Module,
    edits: &EditSet,
    out: &str,
    lang: Lang,
    imported: &ImportedNames,
) -> Result<Reparsed<'a>, SyntaxError> {
    match fragments(src, module, edits, out, lang, imported) {
        Some(r) => Ok(r),
        None => whole(out, lang, imported),
    }
}

/// An item nothing after it can continue: a declaration closed by its `}` or an item ended by
/// `;`. (`const a = b` is not: a next line starting with `(` would call `b`; nor is an import
/// without `;`: a `;` on the next line would end it.)
fn ends_closed(item: &ModuleItem, text: &str) -> bool {
    let text = text.trim_end();
    if text.ends_with(';') {
        return true;
    }
    let closed_decl = |d: &Decl| {
        matches!(
            d,
            Decl::Fn(_)
                | Decl::Class(_)
                | Decl::TsInterface(_)
                | Decl::TsEnum(_)
                | Decl::TsModule(_)
        )
    };
    let closed = match item {
        ModuleItem::Stmt(Stmt::Decl(d)) => closed_decl(d),
        ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(e)) => closed_decl(&e.decl),
        _ => false,
    };
    closed && text.ends_with('}')
}

/// Whitespace and complete comments only.
fn is_trivia(s: &str) -> bool {
    crate::text::skip_trivia(s) == Some("")
}

/// The whole text, parsed.
fn whole<'a>(out: &str, lang: Lang, imported: &ImportedNames) -> Result<Reparsed<'a>, SyntaxError> {
    let m = parse_module(out, lang)?;
    let mut counts = vec![0; imported.names.len()];
    count_into(&imported.names, &m, &mut counts);
    let mut imports = Vec::new();
    collect_imports(m.body, &mut imports);
    Ok(Reparsed { imports, counts })
}

fn collect_imports<'a>(
    items: Vec<ModuleItem>,
    into: &mut Vec<(Cow<'a, ImportDecl>, Range<usize>)>,
) {
    for item in items {
        if let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item {
            let r = range(i.span);
            into.push((Cow::Owned(i), r));
        }
    }
}

/// One fragment: top-level items `items.start ..= items.end` of the source, and the byte range of
/// the source it covers: from the end of the item before it (its leading comments and decorators
/// included) to the end of its last item (the end of the text after the last item).
struct Fragment {
    items: Range<usize>,
    bytes: Range<usize>,
}

/// The fragment re-parse; None when it cannot decide (then the whole text is parsed). It decides
/// only when every fragment parses: a syntax error is always confirmed on the whole text.
fn fragments<'a>(
    src: &str,
    module: &'a Module,
    edits: &EditSet,
    out: &str,
    lang: Lang,
    imported: &ImportedNames,
) -> Option<Reparsed<'a>> {
    let spans: Vec<Range<usize>> = module.body.iter().map(|i| range(i.span())).collect();
    let n = spans.len();
    if n == 0 || imported.item_count() != n && !imported.names.is_empty() {
        return None;
    }
    // The edits as [`EditSet::render`] applies them: (source range, length of its text).
    let mut edits_applied: Vec<(Range<usize>, usize)> = Vec::new();
    let mut pos = 0;
    for e in edits.within(0..src.len()) {
        if e.range.start >= pos {
            edits_applied.push((e.range.clone(), e.text.len()));
            pos = e.range.end;
        }
    }
    let edits = edits_applied;

    // Items an edit touches: those it overlaps or abuts; an edit in the gap between two items
    // touches both, one before the first item or after the last touches that item.
    let mut touched = vec![false; n];
    for (r, _) in &edits {
        // Items not wholly before the edit, and items starting at or before its end.
        let first = spans.partition_point(|s| s.end < r.start);
        let last = spans.partition_point(|s| s.start <= r.end);
        let hit = if first < last {
            first..last
        } else {
            first.saturating_sub(1)..(first + 1).min(n)
        };
        for t in &mut touched[hit] {
            *t = true;
        }
    }

    // Runs of touched items, widened by the untouched item on each side (the one before only
    // when the run could join it, see `ends_closed`), merged where they meet.
    let mut frags: Vec<Fragment> = Vec::new();
    let mut i = 0;
    while i < n {
        if !touched[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < n && touched[j + 1] {
            j += 1;
        }
        let lo = if i > 0 && !ends_closed(&module.body[i - 1], &src[spans[i - 1].clone()]) {
            i - 1
        } else {
            i
        };
        // The next item is always parsed with the run, and must come out as it was: the parser
        // accepts some constructs left open at the end of its input (an arrow function's `{` in
        // a TypeScript generic arrow), which would swallow the text after a fragment ending there.
        let hi = (j + 1).min(n - 1);
        match frags.last_mut() {
            Some(f) if lo <= f.items.end + 1 => f.items.end = hi,
            _ => frags.push(Fragment {
                items: lo..hi,
                bytes: 0..0,
            }),
        }
        i = j + 1;
    }
    for f in &mut frags {
        f.bytes.start = if f.items.start == 0 {
            0
        } else {
            spans[f.items.start - 1].end
        };
        f.bytes.end = if f.items.end + 1 == n {
            src.len()
        } else {
            spans[f.items.end].end
        };
    }

    // Source offset -> migrated offset, for offsets no edit covers. Text inserted at `p` is
    // after it when `inserted_before` is false (where a fragment or an untouched item starts),
    // before it otherwise (where a fragment ends, so that the fragment takes it in).
    let shift = |p: usize, inserted_before: bool| -> usize {
        let mut at = p;
        for (r, len) in &edits {
            if r.end > p || (r.is_empty() && r.start == p && !inserted_before) {
                break;
            }
            at = at + len - r.len();
        }
        at
    };
    let shift_at = |p: usize| shift(p, false);

    // Untouched items: their imports and counts come from the source.
    let untouched = |items: Range<usize>,
                     counts: &mut Vec<usize>,
                     imports: &mut Vec<(Cow<'a, ImportDecl>, Range<usize>)>| {
        imported.add_item_range(counts, items.clone());
        for (item, span) in module.body[items.clone()].iter().zip(&spans[items]) {
            if let ModuleItem::ModuleDecl(ModuleDecl::Import(d)) = item {
                let start = shift_at(span.start);
                imports.push((Cow::Borrowed(d), start..start + span.len()));
            }
        }
    };
    let mut counts = vec![0; imported.names.len()];
    let mut imports = Vec::new();
    let mut next_item = 0;
    for f in &frags {
        untouched(next_item..f.items.start, &mut counts, &mut imports);
        next_item = f.items.end + 1;

        let bytes = shift_at(f.bytes.start)..shift(f.bytes.end, true);
        // A fragment that does not parse is rare (a bug in the transform): the whole text then
        // gives the verdict and the error's place (a comment opened in one fragment may close in
        // another).
        let Ok(parsed) = parse_module_range(out, bytes.clone(), lang) else {
            return None;
        };
        // The untouched outer items must come out as they were.
        let same = |item: Option<&ModuleItem>, k: usize| {
            item.is_some_and(|it| {
                let r = range(it.span());
                let start = shift_at(spans[k].start);
                r == (start..start + spans[k].len())
            })
        };
        if (!touched[f.items.start] && !same(parsed.body.first(), f.items.start))
            || (!touched[f.items.end] && !same(parsed.body.last(), f.items.end))
        {
            return None;
        }
        // What follows the last item must be blank lines and whole comments: the parser does not
        // always report a comment left open at the end of its input, and here that comment
        // would run on into the text after the fragment.
        let tail = parsed
            .body
            .last()
            .map_or(bytes.start, |it| range(it.span()).end);
        if !is_trivia(&out[tail.max(bytes.start)..bytes.end]) {
            return None;
        }
        count_into(&imported.names, &parsed, &mut counts);
        collect_imports(parsed.body, &mut imports);
    }
    untouched(next_item..n, &mut counts, &mut imports);
    imports.sort_by_key(|(_, r)| r.start);
    Some(Reparsed { imports, counts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{Edit, Needs};

    /// Applies `edits` to `src`; returns the text and the set.
    fn apply(src: &str, edits: &[(Range<usize>, &str)]) -> (String, EditSet) {
        let mut set = EditSet::new();
        for (r, t) in edits {
            assert!(set.add(Edit {
                range: r.clone(),
                text: t.to_string(),
                needs: Needs::default(),
            }));
        }
        let mut n = Needs::default();
        (set.render(src, 0..src.len(), &mut n), set)
    }

    /// The fragment re-parse agrees with parsing the whole text: the same verdict, the same
    /// imports at the same ranges, the same counts. Returns whether fragments decided it.
    fn agrees(src: &str, edits: &[(Range<usize>, &str)]) -> bool {
        let module = parse_module(src, Lang::Ts).expect("test source parses");
        let imported = ImportedNames::of_module(&module);
        let (out, set) = apply(src, edits);
        let full = whole(&out, Lang::Ts, &imported);
        let frag = fragments(src, &module, &set, &out, Lang::Ts, &imported);
        let decided = frag.is_some();
        let got = frag.map_or_else(|| whole(&out, Lang::Ts, &imported), Ok);
        match (&got, &full) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.counts, b.counts, "counts for {out:?}");
                let ia: Vec<_> = a
                    .imports
                    .iter()
                    .map(|(d, r)| (r.clone(), d.specifiers.len()))
                    .collect();
                let ib: Vec<_> = b
                    .imports
                    .iter()
                    .map(|(d, r)| (r.clone(), d.specifiers.len()))
                    .collect();
                assert_eq!(ia, ib, "imports for {out:?}");
                for (_, r) in &a.imports {
                    assert!(out[r.clone()].starts_with("import"), "{out:?} {r:?}");
                }
            }
            (Err(_), Err(_)) => {}
            _ => panic!(
                "fragments say {}, the whole text {} for {out:?} (edits {edits:?})",
                got.is_ok(),
                full.is_ok()
            ),
        }
        decided
    }

    const SRC: &str = "import { a, b } from 'x'\nimport c from './c'\n\nconst k = a(1)\n\n/** doc */\nfunction f() {\n  return b\n}\n\nexport default function handler(req, res) {\n  res.json(c)\n}\n";

    fn span_of(src: &str, needle: &str) -> Range<usize> {
        let at = src.find(needle).expect("needle");
        at..at + needle.len()
    }

    #[test]
    fn a_changed_item_is_parsed_with_its_neighbours_only() {
        let h = span_of(
            SRC,
            "export default function handler(req, res) {\n  res.json(c)\n}",
        );
        assert!(agrees(
            SRC,
            &[(
                h.clone(),
                "export function GET() {\n  return Response.json(c)\n}"
            )]
        ));
        // A syntax error is confirmed on the whole text.
        assert!(!agrees(
            SRC,
            &[(
                h.clone(),
                "export function GET() {\n  return Response.json(\n}"
            )]
        ));
        let imp = span_of(SRC, "'./c'");
        assert!(agrees(
            SRC,
            &[(imp, "'../../c'"), (h, "export const GET = () => 1")]
        ));
    }

    #[test]
    fn a_neighbour_that_swallows_the_change_falls_back_to_the_whole_text() {
        let src = "const k = a\nfunction f() {}\nlet z = 1\n";
        let f = span_of(src, "function f() {}");
        for text in ["(x)", "[1]", "`t`", "+1", "/re/g", "- 1"] {
            // `const k = a\n(x)` is a call: the neighbour's extent changes.
            assert!(!agrees(src, &[(f.clone(), text)]), "{text}");
        }
        assert!(agrees(src, &[(f.clone(), "g()")]));
        // A change that ends where the next item can continue it.
        let src = "function f() {}\n(function g() {})()\n";
        let f = span_of(src, "function f() {}");
        assert!(!agrees(src, &[(f, "const q = w")]));
    }

    #[test]
    fn random_edits_agree_with_a_full_parse() {
        for src in [
            "import { a, b } from 'x'\nimport c, { d as e } from './c'\nimport type { T0 } from 't'\n\n// lead\nconst k = a\nlet m = b\n\n@dec\nclass Z {}\n\nfunction f(x: T0) {\n  return x ?? e\n}\nexport default function handler(req, res) {\n  res.json(c)\n}\nexport const config = { api: { bodyParser: false } }\n",
            "#!/usr/bin/env node\nimport a from 'a';\nconst g = <T,>(t: T) => t;\nlet s = `x${a}`;\nenum E { A }\ntype U = typeof a;\nexport { a as b };\n[1, 2].forEach(g);\n(async () => { await a })();\nexport default async (req, res) => { res.end() }\n",
        ] {
            random_edits(src, 10_000);
        }
    }

    fn random_edits(src: &str, rounds: usize) {
        const SNIPPETS: &[&str] = &[
            "",
            "(x)",
            "[1, 2]",
            "`t${a}`",
            "+1",
            "/re/g",
            "function g() {}",
            "} {",
            "{",
            "import { q } from 'q'",
            "q()",
            "@dec",
            "// c\n",
            "/* c",
            "*/",
            "'",
            "a\n",
            ";",
            "export const GET = async () => Response.json(b)",
            "class K {}",
            "let x = c",
            "\n",
            "if (a) b",
            "else",
            "<T,>(t: T) => t",
            "type T = { a: 1 }",
            "async",
        ];
        let module = parse_module(src, Lang::Ts).expect("parses");
        let spans: Vec<Range<usize>> = module.body.iter().map(|i| range(i.span())).collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |m: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % m as u64) as usize
        };
        let mut decided = 0;
        for _ in 0..rounds {
            let mut edits: Vec<(Range<usize>, &str)> = Vec::new();
            let mut pos = 0;
            for _ in 0..1 + next(3) {
                // Replace an item, insert in a gap, or edit inside an item.
                let k = next(spans.len());
                let r = match next(3) {
                    0 => spans[k].clone(),
                    1 => spans[k].end..spans[k].end,
                    _ => {
                        let s = spans[k].start + next(spans[k].len());
                        s..(s + next(4)).min(spans[k].end)
                    }
                };
                if r.start < pos || (r.is_empty() && r.start == pos && pos > 0) {
                    continue;
                }
                pos = r.end.max(r.start + 1);
                edits.push((r, SNIPPETS[next(SNIPPETS.len())]));
            }
            if !src.is_char_boundary(edits.last().map_or(0, |e| e.0.end)) {
                continue;
            }
            if agrees(src, &edits) {
                decided += 1;
            }
        }
        assert!(
            decided > rounds / 3,
            "fragments decided only {decided} of {rounds} cases"
        );
    }
}
