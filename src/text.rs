//! Small text utilities: line/column lookup, indentation, line endings.

/// 1-based line and column (in characters) of byte `offset` in `src`.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(src, offset.min(src.len()));
    let before = &src[..offset];
    let line = count_newlines(before.as_bytes()) + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = src[line_start..offset].chars().count() + 1;
    (line, col)
}

/// The byte offset of 1-based `line` and `column` (in characters) in `src`, the inverse of
/// [`line_col`]; the end of `src` past its last line, the end of the line past its last column.
pub fn offset_of(src: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match src[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return src.len(),
        }
    }
    let end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    src[start..end]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(end, |(i, _)| start + i)
}

/// The number of `\n` bytes in `bytes`, counted 32 at a time (a loop the compiler vectorizes;
/// every diagnostic counts the lines before it).
fn count_newlines(bytes: &[u8]) -> usize {
    let chunks = bytes.chunks_exact(32);
    let tail = chunks.remainder().iter().filter(|b| **b == b'\n').count();
    chunks
        .map(|c| c.iter().map(|b| usize::from(*b == b'\n')).sum::<usize>())
        .sum::<usize>()
        + tail
}

/// `s` past its leading whitespace and complete comments; None when a block comment is left
/// open.
pub fn skip_trivia(mut s: &str) -> Option<&str> {
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix("//") {
            s = rest.find('\n').map_or("", |i| &rest[i..]);
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = &rest[rest.find("*/")? + 2..];
        } else {
            return Some(s);
        }
    }
}

/// The ranges of the `//` and `/* */` comments in `text`, a stretch of code without regular
/// expressions or template substitutions (string literals and plain templates are skipped).
pub fn comment_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q && (q == b'`' || b[i] != b'\n') {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                out.push(i..text[..end].trim_end().len().max(i + 2));
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..]
                    .find("*/")
                    .map_or(text.len(), |n| i + 2 + n + 2);
                out.push(i..end);
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

pub fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Byte offset of the start of the line holding `offset`.
pub fn line_start(src: &str, offset: usize) -> usize {
    src[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The whitespace that starts the line holding `offset`.
pub fn indent_of_line(src: &str, offset: usize) -> &str {
    let start = line_start(src, offset);
    let rest = &src[start..];
    let n = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..n]
}

/// True when only spaces or tabs stand between the line start and `offset`.
pub fn starts_line(src: &str, offset: usize) -> bool {
    src[line_start(src, offset)..offset]
        .chars()
        .all(|c| c == ' ' || c == '\t')
}

/// "\r\n" when the text uses Windows line endings, else "\n".
pub fn newline_of(src: &str) -> &'static str {
    // memchr's SIMD search (`str::contains` walked every byte of every file, twice per route).
    if memchr::memmem::find(src.as_bytes(), b"\r\n").is_some() {
        "\r\n"
    } else {
        "\n"
    }
}

/// Removes `width` bytes of leading whitespace from every line after the first, except lines
/// that begin inside one of `protected` (multi-line template literals, whose text is data).
/// `base` is the source offset of `text`'s first byte, for matching `protected`.
pub fn dedent_following_lines(
    text: &str,
    width: usize,
    base: usize,
    protected: &[std::ops::Range<usize>],
) -> String {
    if width == 0 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut first = true;
    let mut offset = base;
    for line in text.split_inclusive('\n') {
        if first {
            out.push_str(line);
            first = false;
        } else {
            let is_protected = protected.iter().any(|r| r.start < offset && offset < r.end);
            let ws = line.len() - line.trim_start_matches([' ', '\t']).len();
            if is_protected || line.trim().is_empty() {
                out.push_str(if is_protected {
                    line
                } else {
                    line.trim_start_matches([' ', '\t'])
                });
            } else {
                out.push_str(&line[ws.min(width)..]);
            }
        }
        offset += line.len();
    }
    out
}

/// Adds `indent` before every non-empty line after the first.
pub fn indent_following_lines(text: &str, indent: &str) -> String {
    let mut out = String::with_capacity(text.len() + indent.len() * 4);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i > 0 && !line.trim().is_empty() {
            out.push_str(indent);
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_found_outside_strings() {
        let text = "case 'a//b': // one\n  /* two */ case `c/*d`: \"e//\" // three\n";
        let found: Vec<&str> = comment_ranges(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, vec!["// one", "/* two */", "// three"]);
    }

    #[test]
    fn line_col_counts_characters() {
        let s = "ab\néx y";
        assert_eq!(line_col(s, 0), (1, 1));
        assert_eq!(line_col(s, 3), (2, 1));
        assert_eq!(line_col(s, 6), (2, 3)); // after 'é' (2 bytes) and 'x'
    }

    #[test]
    fn newlines_are_counted_across_chunks_and_the_tail() {
        let mut text = String::new();
        for i in 0..200 {
            let n = text.bytes().filter(|b| *b == b'\n').count();
            assert_eq!(count_newlines(text.as_bytes()), n, "length {}", text.len());
            assert_eq!(line_col(&text, text.len()).0, n + 1);
            text.push_str(if i % 3 == 0 { "\n" } else { "ab" });
        }
    }

    #[test]
    fn dedent_leaves_template_lines_alone() {
        let text = "a\n    b\n    `x\n    y`";
        // the template literal starts at offset 12 of the text; its second line is protected
        let protected = std::ops::Range { start: 12, end: 21 };
        let out = dedent_following_lines(text, 2, 0, std::slice::from_ref(&protected));
        assert_eq!(out, "a\n  b\n  `x\n    y`");
    }
}
