//! Deleting a statement or item with its lines, without letting its neighbours run together.

use std::ops::Range;

use crate::edit::{Edit, Needs};
use crate::text::{line_start, starts_line};

/// The edit that deletes the statement or item at `r` with its lines ([`removal_range`]). Where
/// it stood between a statement that does not end with `;` and a line that could continue that
/// statement (`a` then `(b)()`: without the statement between them, automatic semicolon insertion
/// reads `a(b)()`), the next line starts with `;` instead, as semicolon-free style writes it.
pub fn removal(src: &str, r: Range<usize>) -> Edit {
    let r = removal_range(src, r);
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

/// The range to delete for a statement: its whole lines when it stands alone on them, with the
/// comment lines right above it (they describe it), and one of the blank lines around it when
/// it stood between two, so no double blank line is left behind.
pub fn removal_range(src: &str, r: Range<usize>) -> Range<usize> {
    if !starts_line(src, r.start) {
        return r;
    }
    let rest = &src[r.end..];
    let line_rest_len = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let line_rest = &rest[..line_rest_len];
    if !line_rest.trim().trim_start_matches(';').trim().is_empty() {
        return r;
    }
    let mut start = line_start(src, r.start);
    let end = r.end + line_rest_len;
    // Comment lines directly above.
    while start > 0 {
        let prev_start = line_start(src, start - 1);
        let prev = src[prev_start..start].trim();
        if prev.starts_with("//") {
            start = prev_start;
        } else {
            break;
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
}
