//! Rendering planned changes as one git-style patch that `git apply` accepts: renames with
//! `rename from`/`rename to`, new files with `new file mode`, unified hunks from `similar`.
//!
//! A migrated route is its source with edits spliced in, and the transform says which stretches
//! it copied verbatim ([`Copied`]). Lines inside those stretches are paired up front, a stretch
//! at a time by binary search (each pair checked equal), and `similar`'s line diff runs only on
//! the lines between them: the edited regions, not the whole file, each line hashed once. Without
//! hints the whole file is diffed, as before.
//!
//! The line diff is the histogram algorithm (git's `--histogram`): an edited region is an old
//! handler set against the exported functions that replace it, where most lines differ, and
//! Myers' cost grows with the number of differences (measured on the benchmark corpus: the
//! histogram diff takes a third of Myers' instructions, with 0.8% more `+`/`-` lines). The lines
//! the two share (a statement kept in a method) still appear as context.

use std::fmt::Write;

use similar::{Algorithm, DiffOp, DiffTag};

use crate::change::Change;
use crate::edit::Copied;

/// Quotes a path the way git does when it holds special characters.
pub fn quote_path(prefix: &str, path: &str) -> String {
    let full = [prefix, path].concat();
    // Bytes suffice: every non-ASCII character is quoted, and the ASCII controls are the bytes
    // below 0x20 and 0x7f.
    let needs = full
        .bytes()
        .any(|b| b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b));
    if !needs {
        return full;
    }
    let mut out = String::from("\"");
    for b in full.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push('"');
    out
}

/// The patch text for one change.
pub fn render_change(change: &Change) -> String {
    let mut out = String::new();
    match change {
        Change::Rename {
            from,
            to,
            old,
            new,
            copied,
        } => {
            let _ = writeln!(
                out,
                "diff --git {} {}",
                quote_path("a/", from),
                quote_path("b/", to)
            );
            // One line diff serves both the similarity and the hunks.
            let (a, b) = (lines(old), lines(new));
            let ops = line_diff(&a, &b, copied);
            let _ = writeln!(out, "similarity index {}%", similarity(&ops, &a, old, new));
            let _ = writeln!(out, "rename from {}", quote_path("", from));
            let _ = writeln!(out, "rename to {}", quote_path("", to));
            if old != new {
                let _ = writeln!(out, "--- {}", quote_path("a/", from));
                let _ = writeln!(out, "+++ {}", quote_path("b/", to));
                hunks(&mut out, ops, &a, &b);
            }
        }
        Change::Add { path, new } => {
            let _ = writeln!(
                out,
                "diff --git {} {}",
                quote_path("a/", path),
                quote_path("b/", path)
            );
            out.push_str("new file mode 100644\n");
            if !new.is_empty() {
                out.push_str("--- /dev/null\n");
                let _ = writeln!(out, "+++ {}", quote_path("b/", path));
                let b = lines(new);
                hunks(&mut out, line_diff(&[], &b, &[]), &[], &b);
            }
        }
        Change::Modify { path, old, new } => {
            let _ = writeln!(
                out,
                "diff --git {} {}",
                quote_path("a/", path),
                quote_path("b/", path)
            );
            let _ = writeln!(out, "--- {}", quote_path("a/", path));
            let _ = writeln!(out, "+++ {}", quote_path("b/", path));
            let (a, b) = (lines(old), lines(new));
            hunks(&mut out, line_diff(&a, &b, &[]), &a, &b);
        }
    }
    out
}

/// Lines as git sees them: ended by `\n` only. (`similar`'s own line splitting also ends a line
/// at a lone `\r`, which git does not: a file with a stray CR got a patch git rejected.)
/// (`split_inclusive('\n')` does the same at several times the cost per line.)
fn lines(s: &str) -> Vec<&str> {
    let mut out = Vec::with_capacity(s.len() / 32 + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', s.as_bytes()) {
        out.push(&s[start..=end]);
        start = end + 1;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// The line diff of `old` and `new` as diff operations, with `copied` as hints (see the module
/// documentation).
fn line_diff(old: &[&str], new: &[&str], copied: &[Copied]) -> Vec<DiffOp> {
    let runs = equal_runs(old, new, copied);
    let mut ops: Vec<DiffOp> = Vec::new();
    let (mut i, mut j) = (0, 0);
    let push = |op: DiffOp, ops: &mut Vec<DiffOp>| {
        // Equal runs next to each other are one run (hunks split on long equal runs).
        if let (
            DiffOp::Equal { len, .. },
            Some(DiffOp::Equal {
                old_index,
                new_index,
                len: prev,
            }),
        ) = (op, ops.last_mut())
        {
            if op.old_range().start == *old_index + *prev
                && op.new_range().start == *new_index + *prev
            {
                *prev += len;
                return;
            }
        }
        ops.push(op);
    };
    for &(ai, aj, len) in runs
        .iter()
        .chain(std::iter::once(&(old.len(), new.len(), 0)))
    {
        if ai > i || aj > j {
            let gap = similar::capture_diff_slices(
                Algorithm::Histogram,
                &keyed(&old[i..ai]),
                &keyed(&new[j..aj]),
            );
            for op in gap {
                push(shift(op, i, j), &mut ops);
            }
        }
        if len > 0 {
            push(
                DiffOp::Equal {
                    old_index: ai,
                    new_index: aj,
                    len,
                },
                &mut ops,
            );
        }
        (i, j) = (ai + len, aj + len);
    }
    ops
}

/// A line with its hash computed once: the diff hashes each line of a gap once instead of at
/// every comparison, and compares hashes before bytes.
#[derive(Clone, Copy)]
struct Keyed<'a> {
    hash: u64,
    text: &'a str,
}

impl PartialEq for Keyed<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.text == other.text
    }
}

impl Eq for Keyed<'_> {}

impl std::hash::Hash for Keyed<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

fn keyed<'a>(lines: &[&'a str]) -> Vec<Keyed<'a>> {
    use std::hash::{BuildHasher, BuildHasherDefault};
    let build = BuildHasherDefault::<rustc_hash::FxHasher>::default();
    lines
        .iter()
        .map(|&text| Keyed {
            hash: build.hash_one(text),
            text,
        })
        .collect()
}

/// Runs of equal lines `(old index, new index, length)`, increasing on both sides, that lie
/// wholly in a copied stretch: the lines of [`equal_pairs`], found per stretch by binary search
/// instead of line by line (a copied stretch is the same lines on both sides; each run is still
/// checked equal, and a run that is not falls back to pairing its lines one by one).
fn equal_runs(old: &[&str], new: &[&str], copied: &[Copied]) -> Vec<(usize, usize, usize)> {
    if copied.is_empty() || old.is_empty() || new.is_empty() {
        return Vec::new();
    }
    // The lines are consecutive slices of one text: a line's offset is its distance from the
    // first, and both lists are sorted by offset.
    let (old_base, new_base) = (old[0].as_ptr() as usize, new[0].as_ptr() as usize);
    let old_at = |l: &str| l.as_ptr() as usize - old_base;
    let new_at = |l: &str| l.as_ptr() as usize - new_base;
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    // The next indices a run may start at on each side (increasing on both sides).
    let (mut min_i, mut min_j) = (0usize, 0usize);
    for c in copied {
        let end = c.src + c.len;
        // Old lines wholly inside the stretch: first..last.
        let first = old.partition_point(|l| old_at(l) < c.src);
        let last = first + old[first..].partition_point(|l| old_at(l) + l.len() <= end);
        // The first of them that starts a line in the new text too (only the first can fail to:
        // the stretch may begin at a line start that follows other text in the new file).
        let start = (first..last).find_map(|i| {
            let at = c.out + (old_at(old[i]) - c.src);
            let j = new.partition_point(|l| new_at(l) < at);
            (j < new.len() && new_at(new[j]) == at).then_some((i, j))
        });
        let Some((i, j)) = start else {
            continue;
        };
        let mut len = last - i;
        // Increasing on both sides.
        let skip = (min_i.saturating_sub(i))
            .max(min_j.saturating_sub(j))
            .min(len);
        let (i, j) = (i + skip, j + skip);
        len -= skip;
        if len == 0 {
            continue;
        }
        // The run must be the same lines on both sides.
        let same = j + len <= new.len() && old[i..i + len] == new[j..j + len];
        if same {
            out.push((i, j, len));
            (min_i, min_j) = (i + len, j + len);
        } else {
            for (pi, pj) in equal_pairs(old, new, std::slice::from_ref(c)) {
                if pi >= min_i && pj >= min_j {
                    out.push((pi, pj, 1));
                    (min_i, min_j) = (pi + 1, pj + 1);
                }
            }
        }
    }
    out
}

/// Pairs of equal lines (old index, new index), increasing on both sides, that lie wholly in a
/// copied stretch, found line by line (the reference [`equal_runs`] is checked against, and its
/// fallback).
fn equal_pairs(old: &[&str], new: &[&str], copied: &[Copied]) -> Vec<(usize, usize)> {
    if copied.is_empty() || old.is_empty() || new.is_empty() {
        return Vec::new();
    }
    // The lines are consecutive slices of one text: a line's offset is its distance from the
    // first. The stretches increase on both sides, so one cursor per side walks each text once.
    let offset = |ls: &[&str], k: usize| ls[k].as_ptr() as usize - ls[0].as_ptr() as usize;
    let mut out: Vec<(usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    for c in copied {
        while i < old.len() && offset(old, i) < c.src {
            i += 1;
        }
        while i < old.len() && offset(old, i) + old[i].len() <= c.src + c.len {
            let at = c.out + (offset(old, i) - c.src);
            while j < new.len() && offset(new, j) < at {
                j += 1;
            }
            if j < new.len() && offset(new, j) == at {
                let increasing = out.last().is_none_or(|&(pi, pj)| i > pi && j > pj);
                if increasing && old[i] == new[j] {
                    out.push((i, j));
                }
            }
            i += 1;
        }
    }
    out
}

fn shift(op: DiffOp, di: usize, dj: usize) -> DiffOp {
    match op {
        DiffOp::Equal {
            old_index,
            new_index,
            len,
        } => DiffOp::Equal {
            old_index: old_index + di,
            new_index: new_index + dj,
            len,
        },
        DiffOp::Delete {
            old_index,
            old_len,
            new_index,
        } => DiffOp::Delete {
            old_index: old_index + di,
            old_len,
            new_index: new_index + dj,
        },
        DiffOp::Insert {
            old_index,
            new_index,
            new_len,
        } => DiffOp::Insert {
            old_index: old_index + di,
            new_index: new_index + dj,
            new_len,
        },
        DiffOp::Replace {
            old_index,
            old_len,
            new_index,
            new_len,
        } => DiffOp::Replace {
            old_index: old_index + di,
            old_len,
            new_index: new_index + dj,
            new_len,
        },
    }
}

/// The whole patch, changes in the order given.
pub fn render(changes: &[Change]) -> String {
    changes.iter().map(render_change).collect()
}

/// Percentage of lines kept, as git prints it for renames.
fn similarity(ops: &[DiffOp], old_lines: &[&str], old: &str, new: &str) -> usize {
    if old.is_empty() && new.is_empty() {
        return 100;
    }
    let same: usize = ops
        .iter()
        .filter(|op| op.tag() == DiffTag::Equal)
        .flat_map(|op| &old_lines[op.old_range()])
        .map(|l| l.len())
        .sum();
    (same * 100 / old.len().max(new.len()).max(1)).min(100)
}

fn hunks(out: &mut String, ops: Vec<DiffOp>, old: &[&str], new: &[&str]) {
    for group in similar::group_diff_ops(ops, 3) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_start = first.old_range().start;
        let old_len = last.old_range().end - old_start;
        let new_start = first.new_range().start;
        let new_len = last.new_range().end - new_start;
        out.push_str("@@ -");
        push_range(out, old_start, old_len);
        out.push_str(" +");
        push_range(out, new_start, new_len);
        out.push_str(" @@\n");
        for op in &group {
            let (tag, o, n) = op.as_tag_tuple();
            let (removed, added): (&[&str], &[&str]) = match tag {
                DiffTag::Equal => {
                    emit(out, ' ', &old[o]);
                    continue;
                }
                DiffTag::Delete => (&old[o], &[]),
                DiffTag::Insert => (&[], &new[n]),
                DiffTag::Replace => (&old[o], &new[n]),
            };
            emit(out, '-', removed);
            emit(out, '+', added);
        }
    }
}

fn emit(out: &mut String, sign: char, lines: &[&str]) {
    for v in lines {
        out.push(sign);
        out.push_str(v);
        if !v.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// A hunk header's range: unified diff, 1-based start; an empty range names the line before it.
fn push_range(out: &mut String, start: usize, len: usize) {
    let s = if len == 0 { start } else { start + 1 };
    let _ = if len == 1 {
        write!(out, "{s}")
    } else {
        write!(out, "{s},{len}")
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_as_split_inclusive_does() {
        for text in [
            "",
            "a",
            "a\n",
            "\n\n",
            "a\r\nb",
            "a\rb\n",
            "x\ny\nz",
            "é\n€",
            "0123456\n",
            "01234567\n89",
            "\n0123456789abcdef\n\n",
            "\u{8a}\u{10a}\n\u{7f}\u{ff}",
        ] {
            let want: Vec<&str> = text.split_inclusive('\n').collect();
            assert_eq!(lines(text), want, "{text:?}");
        }
    }

    proptest::proptest! {
        /// On any text (newlines anywhere, ASCII, CR and multi-byte characters around them).
        #[test]
        fn lines_split_any_text_as_split_inclusive_does(text in "(\n|\t|\r|[\x00-\x7f]|\u{80}|\u{10a}|é){0,80}") {
            let want: Vec<&str> = text.split_inclusive('\n').collect();
            proptest::prop_assert_eq!(lines(&text), want);
        }
    }

    #[test]
    fn rename_with_hunk() {
        let c = Change::Rename {
            from: "pages/api/a.ts".into(),
            to: "app/(api)/api/a/route.ts".into(),
            old: "a\nb\n".into(),
            new: "a\nc\n".into(),
            copied: vec![Copied {
                src: 0,
                out: 0,
                len: 2,
            }],
        };
        let p = render_change(&c);
        assert!(p.starts_with("diff --git a/pages/api/a.ts b/app/(api)/api/a/route.ts\n"));
        assert!(p.contains("rename from pages/api/a.ts\nrename to app/(api)/api/a/route.ts\n"));
        assert!(p.ends_with("@@ -1,2 +1,2 @@\n a\n-b\n+c\n"));
    }

    proptest::proptest! {
        /// The runs found by binary search are the line-by-line pairs, grouped: on texts of short
        /// lines with edits anywhere (mid-line, across lines, at the ends, without a final newline).
        #[test]
        fn equal_runs_are_the_equal_pairs_grouped(
            lines_in in proptest::collection::vec("[ab]{0,3}", 0..40),
            final_newline in proptest::bool::ANY,
            edits in proptest::collection::vec((0usize..200, 0usize..6, "[ab\\n]{0,4}"), 0..6),
        ) {
            use crate::edit::{Edit, EditSet, Needs};
            let mut old = lines_in.join("\n");
            if final_newline {
                old.push('\n');
            }
            let mut set = EditSet::new();
            for (at, len, text) in edits {
                let start = at.min(old.len());
                let end = (start + len).min(old.len());
                set.add(Edit { range: start..end, text, needs: Needs::default() });
            }
            let (new, copied) = set.render_mapped(&old, &mut Needs::default());
            let (a, b) = (lines(&old), lines(&new));
            let grouped: Vec<(usize, usize)> = equal_runs(&a, &b, &copied)
                .into_iter()
                .flat_map(|(i, j, len)| (0..len).map(move |k| (i + k, j + k)))
                .collect();
            proptest::prop_assert_eq!(grouped, equal_pairs(&a, &b, &copied));
        }
    }

    #[test]
    fn a_last_line_without_newline_that_the_new_text_continues_is_not_equal() {
        // "a\nb" copied whole into "a\nbX": the line "b" is in the stretch, but the new line is
        // "bX". The run check catches it and the lines are paired one by one.
        let (old, new) = ("a\nb", "a\nbX");
        let copied = [Copied {
            src: 0,
            out: 0,
            len: 3,
        }];
        let (a, b) = (lines(old), lines(new));
        assert_eq!(equal_runs(&a, &b, &copied), [(0, 0, 1)]);
        assert_eq!(equal_pairs(&a, &b, &copied), [(0, 0)]);
    }

    /// The operations rebuild the new text from the old one, equal lines are equal, and the
    /// hinted diff changes no more lines than the whole-file one (here, where hints are exact).
    #[test]
    fn hinted_diff_is_a_correct_diff() {
        use crate::edit::{Edit, EditSet, Needs};
        let old: String = (0..200).map(|i| format!("line {}\n", i % 17)).collect();
        let mut set = EditSet::new();
        for (at, text) in [(70, "x\n"), (700, "a\nb\nline 3\n"), (1200, "")] {
            let start = old[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = start + old[start..].find('\n').unwrap_or(0) + 1;
            assert!(set.add(Edit {
                range: start..end,
                text: text.into(),
                needs: Needs::default(),
            }));
        }
        let (new, copied) = set.render_mapped(&old, &mut Needs::default());
        let (a, b) = (lines(&old), lines(&new));
        let changed = |ops: &[DiffOp]| -> usize {
            let mut rebuilt: Vec<&str> = Vec::new();
            let mut changed = 0;
            for op in ops {
                let (tag, o, n) = op.as_tag_tuple();
                if tag == DiffTag::Equal {
                    assert_eq!(a[o.clone()], b[n.clone()]);
                } else {
                    changed += o.len() + n.len();
                }
                rebuilt.extend(&b[n]);
            }
            assert_eq!(rebuilt.concat(), new);
            changed
        };
        assert!(!copied.is_empty());
        let hinted = changed(&line_diff(&a, &b, &copied));
        let whole = changed(&line_diff(&a, &b, &[]));
        assert_eq!(hinted, whole);
        assert_eq!(hinted, 2 + 4 + 1);
    }

    #[test]
    fn missing_final_newline_is_marked() {
        let c = Change::Modify {
            path: "x".into(),
            old: "a".into(),
            new: "b".into(),
        };
        assert!(render_change(&c)
            .ends_with("-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n"));
    }

    #[test]
    fn new_file_hunk_starts_at_zero() {
        let c = Change::Add {
            path: "n.ts".into(),
            new: "x\ny\n".into(),
        };
        assert!(render_change(&c).contains("--- /dev/null\n+++ b/n.ts\n@@ -0,0 +1,2 @@\n+x\n+y\n"));
    }

    #[test]
    fn unusual_paths_are_quoted_like_git() {
        assert_eq!(
            quote_path("a/", "pages/api/é.ts"),
            "\"a/pages/api/\\303\\251.ts\""
        );
        assert_eq!(quote_path("a/", "pages/api/a b.ts"), "a/pages/api/a b.ts");
    }
}
