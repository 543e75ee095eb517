//! Deleting a statement or item with its lines, without letting its neighbours run together.

use std::ops::Range;

use crate::edit::{Edit, Needs};
use crate::text::{line_start, starts_line};

/// The edit that deletes the statement or item at `r` with its lines ([`removal_range`]); the
/// comments around it stay (a comment the user wrote is never deleted with generated code's
/// decisions: [`removal_with_comments`] is for code that can no longer run). Where
/// it stood between a statement that does not end with `;` and a line that could continue that
/// statement (`a` then `(b)()`: without the statement between them, automatic semicolon insertion
/// reads `a(b)()`), the next line starts with `;` instead, as semicolon-free style writes it.
pub fn removal(src: &str, r: Range<usize>) -> Edit {
    removal_in(src, removal_range(src, r, false))
}

/// [`removal`], with the comment lines right above the statement (they describe it): for a
/// statement that can no longer run in the function being written, such as a branch for
/// another method.
pub fn removal_with_comments(src: &str, r: Range<usize>) -> Edit {
    removal_in(src, removal_range(src, r, true))
}

fn removal_in(src: &str, r: Range<usize>) -> Edit {
    let mut edit = Edit {
        range: r.clone(),
        text: String::new(),
        needs: Needs::default(),
    };
    if joins_neighbours(src, r.clone()) {
        let rest = &src[r.end..];
        let indent = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        edit.range = r.start..r.end + indent;
        edit.text = format!("{};", &rest[..indent]);
    }
    edit
}

/// Whether deleting `src[r]` lets the code before it run on into the code after it: the code
/// before ends without `;` (or `{`), and the code after (past blanks and comments) starts with a
/// token that continues an expression: `(`, `[`, a template, `+`, `-`, `/` or `<`. A last line
/// with a comment on it is never taken as ended (its `;` may be inside the comment); the `;` added
/// then is at worst an empty statement.
fn joins_neighbours(src: &str, r: Range<usize>) -> bool {
    let before = src[..r.start].trim_end();
    if before.is_empty() {
        return false;
    }
    let last_line = &before[crate::text::line_start(before, before.len())..];
    let commented = last_line.contains("//") || last_line.contains("*/");
    if !commented && (before.ends_with(';') || before.ends_with('{')) {
        return false;
    }
    let after = crate::text::skip_trivia(&src[r.end..]).unwrap_or("");
    matches!(
        after.as_bytes().first(),
        Some(b'(' | b'[' | b'`' | b'+' | b'-' | b'/' | b'<')
    )
}

/// The range to delete for a statement: its whole lines when it stands alone on them (with the
/// comment lines right above it when `with_comments`), and one of the blank lines around it
/// when it stood between two, so no double blank line is left behind. A `//` comment after the
/// statement on its line stays, on that line at the statement's indentation.
pub fn removal_range(src: &str, r: Range<usize>, with_comments: bool) -> Range<usize> {
    if !starts_line(src, r.start) {
        return r;
    }
    let rest = &src[r.end..];
    let line_rest_len = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let line_rest = &rest[..line_rest_len];
    let after_semis = line_rest.trim_start().trim_start_matches(';').trim_start();
    if !with_comments && after_semis.starts_with("//") {
        // `stmt; // note`: the note keeps its line.
        return r.start..r.end + (line_rest.len() - after_semis.len());
    }
    let line_is_done =
        after_semis.trim().is_empty() || (with_comments && after_semis.starts_with("//"));
    if !line_is_done {
        return r;
    }
    let mut start = line_start(src, r.start);
    let mut end = r.end + line_rest_len;
    if with_comments {
        start = line_start(src, comments_above(src, r.start));
    } else if comments_above(src, r.start) < r.start {
        // The comment above stays: a blank line below would part it from the code that now
        // follows it, so that blank line goes.
        let next_line_len = src[end..].find('\n').map_or(0, |i| i + 1);
        if next_line_len > 0 && src[end..end + next_line_len].trim().is_empty() {
            end += next_line_len;
        }
        return start..end;
    }
    // At the start of the file, a blank line below would become the first line: it goes too.
    if start == 0 {
        let next_line_len = src[end..].find('\n').map_or(0, |i| i + 1);
        if next_line_len > 0 && src[end..end + next_line_len].trim().is_empty() {
            return start..end + next_line_len;
        }
    }
    // A blank line above and a blank line (or the end of the block) below: drop the one above.
    if start > 0 {
        let prev_start = line_start(src, start - 1);
        let prev_blank = src[prev_start..start].trim().is_empty();
        let next_line = src[end..].lines().next().unwrap_or("").trim();
        if prev_blank && (next_line.is_empty() || next_line.starts_with('}')) {
            start = prev_start;
        }
    }
    start..end
}

/// Where the `//` comment lines directly above the line of `at` begin (the first one's `//`);
/// `at` when there are none, or when code stands before `at` on its line.
pub fn comments_above(src: &str, at: usize) -> usize {
    if !starts_line(src, at) {
        return at;
    }
    let mut first = at;
    let mut start = line_start(src, at);
    while start > 0 {
        let prev_start = line_start(src, start - 1);
        let prev = &src[prev_start..start];
        let text = prev.trim_start();
        if !text.starts_with("//") {
            break;
        }
        first = prev_start + (prev.len() - text.len());
        start = prev_start;
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removal_between_two_statements_keeps_them_apart() {
        // (source, the statement removed, the text after the removal)
        for (src, gone, want) in [
            ("a\nif (x) {}\n(b)()\n", "if (x) {}", "a\n;(b)()\n"),
            (
                "a\n  if (x) {}\n  [b].map(f)\n",
                "if (x) {}",
                "a\n  ;[b].map(f)\n",
            ),
            (
                "a\nif (x) {}\n// note\n`t`\n",
                "if (x) {}",
                "a\n;// note\n`t`\n",
            ),
            (
                "a\nif (x) {}\n/re/.test(s)\n",
                "if (x) {}",
                "a\n;/re/.test(s)\n",
            ),
            // Nothing to join: the code before ends the statement, or what follows starts one.
            (
                "a // done;\nif (x) {}\n(b)()\n",
                "if (x) {}",
                "a // done;\n;(b)()\n",
            ),
            ("a;\nif (x) {}\n(b)()\n", "if (x) {}", "a;\n(b)()\n"),
            ("{\nif (x) {}\n(b)()\n", "if (x) {}", "{\n(b)()\n"),
            ("a\nif (x) {}\nb()\n", "if (x) {}", "a\nb()\n"),
            ("if (x) {}\n(b)()\n", "if (x) {}", "(b)()\n"),
        ] {
            let at = src.find(gone).unwrap_or(0);
            let e = removal(src, at..at + gone.len());
            let out = format!("{}{}{}", &src[..e.range.start], e.text, &src[e.range.end..]);
            assert_eq!(out, want, "{src:?}");
        }
    }

    #[test]
    fn a_removed_statement_leaves_its_comments_unless_asked() {
        // (source, the statement removed, with its comments?, the text after the removal)
        for (src, gone, with, want) in [
            // The comment above stays, and keeps to the code that follows it.
            (
                "a()\n// note\nif (x) {}\n\nb()\n",
                "if (x) {}",
                false,
                "a()\n// note\nb()\n",
            ),
            (
                "a()\n// note\nif (x) {}\n\nb()\n",
                "if (x) {}",
                true,
                "a()\n\nb()\n",
            ),
            // A note after the statement on its line keeps that line.
            (
                "  import x from 'x' // why\nb()\n",
                "import x from 'x'",
                false,
                "  // why\nb()\n",
            ),
            ("  if (x) {} // why\nb()\n", "if (x) {}", true, "b()\n"),
            // The file's first line removed: no blank first line is left.
            (
                "import x from 'x'\n\nb()\n",
                "import x from 'x'",
                false,
                "b()\n",
            ),
        ] {
            let at = src.find(gone).unwrap_or(0);
            let e = if with {
                removal_with_comments(src, at..at + gone.len())
            } else {
                removal(src, at..at + gone.len())
            };
            let out = format!("{}{}{}", &src[..e.range.start], e.text, &src[e.range.end..]);
            assert_eq!(out, want, "{src:?} with comments: {with}");
        }
    }
}
