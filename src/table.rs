//! A plain-text table for the terminal: a header row, columns as wide as their widest cell, two
//! spaces between them, and, when the rows are wider than the terminal, the columns that may
//! shrink narrowed one after the other in their `shrink` order (each only as far as needed, never
//! below [`MIN_SHRUNK`]) with the cells that no longer fit elided in the middle
//! (`app/(api)/api/…/route.ts`): nothing is cut silently, the start and the end of a path stay. A
//! table that still does not fit is printed wider than the terminal.

use std::io::IsTerminal;

/// A shrunk column keeps at least this many characters (or its header, if longer).
pub const MIN_SHRUNK: usize = 16;
const GAP: &str = "  ";

pub struct Column<'a> {
    pub header: &'a str,
    /// May be narrowed to fit the width (its long cells are elided in the middle): columns with
    /// a lower number are narrowed first. `None`: never narrowed.
    pub shrink: Option<u8>,
}

/// The table as lines, each cell passed through `paint(row, column, text)` after it was fitted
/// (row `None` is the header), so escapes never count towards a width. `width` is the terminal's
/// (None: no limit).
pub fn render(
    columns: &[Column],
    rows: &[Vec<String>],
    width: Option<usize>,
    paint: &dyn Fn(Option<usize>, usize, &str) -> String,
) -> String {
    let n = columns.len();
    let mut widths: Vec<usize> = columns.iter().map(|c| chars(c.header)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(chars(cell));
        }
    }
    if let Some(limit) = width {
        fit(&mut widths, columns, limit);
    }
    let mut out = String::new();
    let header: Vec<String> = columns.iter().map(|c| c.header.to_string()).collect();
    for (r, row) in
        std::iter::once((None, &header)).chain(rows.iter().enumerate().map(|(i, r)| (Some(i), r)))
    {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate().take(n) {
            let fitted = elide_middle(cell, widths[c]);
            let pad = widths[c] - chars(&fitted);
            line.push_str(&paint(r, c, &fitted));
            if c + 1 < n {
                line.push_str(&" ".repeat(pad));
                line.push_str(GAP);
            }
        }
        out.push_str(line.trim_end_matches(' '));
        out.push('\n');
    }
    out
}

/// Narrows the shrinkable columns in their order, each as far as needed (down to its floor),
/// until the row fits `limit` or none can shrink.
fn fit(widths: &mut [usize], columns: &[Column], limit: usize) {
    let total = widths.iter().sum::<usize>() + GAP.len() * widths.len().saturating_sub(1);
    let mut over = total.saturating_sub(limit);
    let mut order: Vec<(u8, usize)> = columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.shrink.map(|o| (o, i)))
        .collect();
    order.sort();
    for (_, i) in order {
        if over == 0 {
            break;
        }
        let floor = MIN_SHRUNK.max(chars(columns[i].header));
        let step = widths[i].saturating_sub(floor).min(over);
        widths[i] -= step;
        over -= step;
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `s` in at most `width` characters: as it is when it fits, otherwise its start and its end
/// around a `…` (the end gets the extra character: a file name matters more than a folder).
pub fn elide_middle(s: &str, width: usize) -> String {
    let n = chars(s);
    if n <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let keep = width - 1;
    let head = keep / 2;
    let tail = keep - head;
    let mut out: String = s.chars().take(head).collect();
    out.push('…');
    out.extend(s.chars().skip(n - tail));
    out
}

/// The width to fit stdout's tables to: `COLUMNS` when set to a number, else the terminal's
/// width when stdout is a terminal, else no limit (a pipe or a file gets the whole table).
pub fn stdout_width() -> Option<usize> {
    if let Some(cols) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
    {
        return Some(cols);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_columns()
}

#[cfg(unix)]
fn terminal_columns() -> Option<usize> {
    // SAFETY: TIOCGWINSZ fills the winsize we pass; on failure it is left zeroed.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some(ws.ws_col as usize)
}

#[cfg(not(unix))]
fn terminal_columns() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(_: Option<usize>, _: usize, s: &str) -> String {
        s.to_string()
    }

    fn cols() -> Vec<Column<'static>> {
        vec![
            Column {
                header: "SOURCE",
                shrink: Some(1),
            },
            Column {
                header: "URL",
                shrink: Some(0),
            },
            Column {
                header: "STATUS",
                shrink: None,
            },
        ]
    }

    fn rows() -> Vec<Vec<String>> {
        vec![
            vec![
                "pages/api/very/long/folder/names/here/route-file.ts".into(),
                "/api/very/long/folder/names/here/route-file".into(),
                "migrated".into(),
            ],
            vec!["pages/api/a.ts".into(), "/api/a".into(), "manual".into()],
        ]
    }

    #[test]
    fn header_and_columns_sized_to_content_without_a_limit() {
        let t = render(&cols(), &rows(), None, &plain);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("SOURCE "));
        assert!(lines[0].ends_with("  STATUS"));
        assert!(lines[1].contains("pages/api/very/long/folder/names/here/route-file.ts  /api/very"));
        // Columns line up: STATUS starts at the same place in every row.
        let at = lines[0].find("STATUS").unwrap();
        assert_eq!(&lines[1][at..], "migrated");
        assert_eq!(&lines[2][at..], "manual");
    }

    #[test]
    fn fits_the_width_by_eliding_long_cells_in_the_middle() {
        let t = render(&cols(), &rows(), Some(60), &plain);
        for l in t.lines() {
            assert!(l.chars().count() <= 60, "{l:?} is wider than 60");
        }
        let row = t.lines().nth(1).unwrap();
        assert!(row.contains('…'), "{row}");
        // Start and end of the path are kept.
        assert!(row.starts_with("pages/api/"), "{row}");
        assert!(row.contains("route-file.ts"), "{row}");
        // Short cells are never elided.
        assert!(t.lines().nth(2).unwrap().starts_with("pages/api/a.ts "));
    }

    #[test]
    fn narrows_in_order_only_as_far_as_needed() {
        // Natural: 51 + 2 + 43 + 2 + 8 = 106; 96 takes 10 from URL (first in order) only.
        let t = render(&cols(), &rows(), Some(96), &plain);
        let row = t.lines().nth(1).unwrap();
        assert!(
            row.starts_with("pages/api/very/long/folder/names/here/route-file.ts  /api/very"),
            "{row}"
        );
        assert_eq!(row.chars().count(), 96, "{row}");
        assert!(row.contains('…'), "{row}");
    }

    #[test]
    fn does_not_shrink_below_the_floor() {
        let t = render(&cols(), &rows(), Some(10), &plain);
        let row = t.lines().nth(1).unwrap();
        let source = row.split("  ").next().unwrap();
        assert_eq!(source.chars().count(), MIN_SHRUNK);
        assert!(row.ends_with("migrated"));
    }

    #[test]
    fn elides_in_the_middle() {
        assert_eq!(elide_middle("abcdefghij", 10), "abcdefghij");
        assert_eq!(elide_middle("abcdefghij", 5), "ab…ij");
        assert_eq!(elide_middle("abcdefghij", 6), "ab…hij");
        assert_eq!(elide_middle("abcdefghij", 1), "…");
    }
}
