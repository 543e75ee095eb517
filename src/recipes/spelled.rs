//! A route spelled out before the rewrite: a library's calls or wrapper replaced by the plain
//! `req`/`res` code they stand for (next-basics' `ok(res, x)` → `res.status(200).json(x)`,
//! micro-cors' `cors(handler)` → the headers it set at the top of the handler), which the
//! rewrite then migrates like any route. Diagnostics of the spelled-out text are placed back
//! in the route's source.

use std::ops::Range;

use crate::diagnostics::Diagnostic;
use crate::edit::Copied;
use crate::text::line_col;

/// The route spelled out.
#[derive(Debug)]
pub struct Spelled {
    pub text: String,
    /// Stretches of `text` copied from the route's source.
    pub copied: Vec<Copied>,
    /// Each replaced stretch of `text` and where it was in the source.
    replaced: Vec<(Range<usize>, usize)>,
    /// What the recipe did (the P2A316 note) and where it goes.
    pub note: String,
    pub note_at: usize,
    /// Notes of single calls (source offset and message), given with their own code.
    pub defaulted: Vec<(usize, String)>,
}

impl Spelled {
    /// `src` with `edits` (sorted by start, not overlapping) applied; `Err` with the start of the
    /// first edit that overlaps the one before it.
    pub fn from_edits(
        src: &str,
        mut edits: Vec<(Range<usize>, String)>,
        note: String,
        note_at: usize,
    ) -> Result<Spelled, usize> {
        edits.sort_by_key(|(r, _)| r.start);
        if let Some(w) = edits.windows(2).find(|w| w[0].0.end > w[1].0.start) {
            return Err(w[1].0.start);
        }
        let mut text = String::with_capacity(src.len());
        let mut copied = Vec::new();
        let mut replaced = Vec::new();
        let mut at = 0;
        for (r, new) in edits {
            if r.start > at {
                copied.push(Copied {
                    src: at,
                    out: text.len(),
                    len: r.start - at,
                });
                text.push_str(&src[at..r.start]);
            }
            replaced.push((text.len()..text.len() + new.len(), r.start));
            text.push_str(&new);
            at = r.end;
        }
        if at < src.len() {
            copied.push(Copied {
                src: at,
                out: text.len(),
                len: src.len() - at,
            });
            text.push_str(&src[at..]);
        }
        Ok(Spelled {
            text,
            copied,
            replaced,
            note,
            note_at,
            defaulted: Vec::new(),
        })
    }

    /// A diagnostic of `text` placed in the route's source `src`: where `text` copies the
    /// source, at the same code; in a spelled-out stretch, where that stretch was.
    pub fn place(&self, src: &str, mut d: Diagnostic) -> Diagnostic {
        let at = crate::text::offset_of(&self.text, d.line, d.column);
        let mapped = crate::edit::source_offset(&self.copied, at)
            .or_else(|| {
                self.replaced
                    .iter()
                    .find(|(r, _)| r.start <= at && at <= r.end)
                    .map(|(_, s)| *s)
            })
            .unwrap_or(self.note_at);
        (d.line, d.column) = line_col(src, mapped);
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_order_and_overlaps_are_refused() {
        let src = "a(res, 1); b(res)";
        let s = Spelled::from_edits(
            src,
            vec![(11..17, "B".into()), (0..9, "A".into())],
            String::new(),
            0,
        )
        .expect("no overlap");
        assert_eq!(s.text, "A; B");
        assert_eq!(s.copied.len(), 1);
        assert_eq!(
            Spelled::from_edits(
                src,
                vec![(0..9, "A".into()), (5..7, "x".into())],
                String::new(),
                0
            )
            .err(),
            Some(5)
        );
    }
}
