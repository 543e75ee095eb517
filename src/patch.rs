//! Rendering planned changes as one git-style patch that `git apply` accepts: renames with
//! `rename from`/`rename to`, new files with `new file mode`, unified hunks from `similar`.

use std::fmt::Write;

use similar::{ChangeTag, TextDiff};

use crate::pipeline::Change;

/// Quotes a path the way git does when it holds special characters.
pub fn quote_path(prefix: &str, path: &str) -> String {
    let full = format!("{prefix}{path}");
    let needs = full
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control() || !c.is_ascii());
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
        Change::Rename { from, to, old, new } => {
            let _ = writeln!(
                out,
                "diff --git {} {}",
                quote_path("a/", from),
                quote_path("b/", to)
            );
            // One line diff serves both the similarity and the hunks.
            let (a, b) = (lines(old), lines(new));
            let diff = line_diff(&a, &b);
            let _ = writeln!(out, "similarity index {}%", similarity(&diff, old, new));
            let _ = writeln!(out, "rename from {}", quote_path("", from));
            let _ = writeln!(out, "rename to {}", quote_path("", to));
            if old != new {
                let _ = writeln!(out, "--- {}", quote_path("a/", from));
                let _ = writeln!(out, "+++ {}", quote_path("b/", to));
                hunks(&mut out, &diff);
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
                hunks(&mut out, &line_diff(&[], &lines(new)));
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
            hunks(&mut out, &line_diff(&lines(old), &lines(new)));
        }
    }
    out
}

/// Lines as git sees them: ended by `\n` only. (`similar`'s own line splitting also ends a line
/// at a lone `\r`, which git does not: a file with a stray CR got a patch git rejected.)
fn lines(s: &str) -> Vec<&str> {
    s.split_inclusive('\n').collect()
}

fn line_diff<'a>(old: &'a [&'a str], new: &'a [&'a str]) -> TextDiff<'a, 'a, str> {
    TextDiff::configure().diff_slices(old, new)
}

/// The whole patch, changes in the order given.
pub fn render(changes: &[Change]) -> String {
    changes.iter().map(render_change).collect()
}

/// Percentage of lines kept, as git prints it for renames.
fn similarity(diff: &TextDiff<str>, old: &str, new: &str) -> usize {
    if old.is_empty() && new.is_empty() {
        return 100;
    }
    let same: usize = diff
        .iter_all_changes()
        .filter(|c| c.tag() == ChangeTag::Equal)
        .map(|c| c.value().len())
        .sum();
    (same * 100 / old.len().max(new.len()).max(1)).min(100)
}

fn hunks(out: &mut String, diff: &TextDiff<str>) {
    for group in diff.grouped_ops(3) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_start = first.old_range().start;
        let old_len = last.old_range().end - old_start;
        let new_start = first.new_range().start;
        let new_len = last.new_range().end - new_start;
        let _ = writeln!(
            out,
            "@@ -{} +{} @@",
            range_text(old_start, old_len),
            range_text(new_start, new_len)
        );
        for op in &group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                };
                out.push(sign);
                let v = change.value();
                out.push_str(v);
                if !v.ends_with('\n') {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
}

fn range_text(start: usize, len: usize) -> String {
    // unified diff: 1-based start; an empty range names the line before it
    let s = if len == 0 { start } else { start + 1 };
    if len == 1 {
        format!("{s}")
    } else {
        format!("{s},{len}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_with_hunk() {
        let c = Change::Rename {
            from: "pages/api/a.ts".into(),
            to: "app/(api)/api/a/route.ts".into(),
            old: "a\nb\n".into(),
            new: "a\nc\n".into(),
        };
        let p = render_change(&c);
        assert!(p.starts_with("diff --git a/pages/api/a.ts b/app/(api)/api/a/route.ts\n"));
        assert!(p.contains("rename from pages/api/a.ts\nrename to app/(api)/api/a/route.ts\n"));
        assert!(p.ends_with("@@ -1,2 +1,2 @@\n a\n-b\n+c\n"));
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
