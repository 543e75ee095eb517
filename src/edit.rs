//! Text edits at byte ranges of a source file.
//!
//! The transform never reprints a whole file: it records non-overlapping replacements at AST spans
//! and splices them into the original text, so every byte it does not touch stays as the user
//! wrote it. Larger edits are built *around* smaller ones: an edit added over a range that already
//! holds edits absorbs them (its text is rendered from them first), so the set never overlaps.

use std::collections::BTreeMap;
use std::ops::Range;

/// What generated code needs from its surroundings: hoisted variables in the exported function
/// and helpers from the compat module. A bit set, merged as edits are rendered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Needs(pub u32);

impl Needs {
    pub const QUERY_VAR: Needs = Needs(1);
    pub const BODY_VAR: Needs = Needs(1 << 1);
    /// A `headers` variable: the code sets response headers before responding.
    pub const HEADERS_VAR: Needs = Needs(1 << 2);
    /// A `status` variable: the code sets the status before responding (`res.status(n);`).
    pub const STATUS_VAR: Needs = Needs(1 << 3);
    pub const PARAMS: Needs = Needs(1 << 4);
    pub const HELPER_QUERY: Needs = Needs(1 << 5);
    pub const HELPER_BODY: Needs = Needs(1 << 6);
    pub const HELPER_RAW_BODY: Needs = Needs(1 << 7);
    pub const HELPER_COOKIES: Needs = Needs(1 << 8);
    pub const HELPER_HEADERS: Needs = Needs(1 << 9);
    pub const HELPER_URL: Needs = Needs(1 << 10);
    pub const HELPER_SET_HEADER: Needs = Needs(1 << 11);
    pub const HELPER_JSON: Needs = Needs(1 << 12);
    pub const HELPER_SEND: Needs = Needs(1 << 13);
    pub const HELPER_END: Needs = Needs(1 << 14);
    pub const HELPER_REDIRECT: Needs = Needs(1 << 15);
    /// `await` appears in generated code: the function must be `async`.
    pub const AWAIT: Needs = Needs(1 << 16);
    /// The function needs the route context (`context.params`) as its second parameter.
    pub const CONTEXT: Needs = Needs(1 << 18);
    /// A function this code calls reads the request body (so this code needs it parsed).
    pub const BODY_VIA_CALL: Needs = Needs(1 << 19);
    pub const HELPER_GET_HEADER: Needs = Needs(1 << 22);
    /// next-auth's three-argument `getServerSession(req, res, options)` keeps its req and res.
    pub const HELPER_NEXT_AUTH: Needs = Needs(1 << 23);
    /// `cookies()` of next/headers (iron-session's cookie store): the route imports it.
    pub const NEXT_COOKIES: Needs = Needs(1 << 26);
    /// `draftMode()` of next/headers (`res.setDraftMode`): the route imports it.
    pub const NEXT_DRAFT_MODE: Needs = Needs(1 << 27);
    /// The rendered code contains a response (a `return` of a `Response`).
    pub const RESPONDS: Needs = Needs(1 << 17);
    /// The Pages req/res adapter (`pages.adapt`).
    pub const HELPER_ADAPT: Needs = Needs(1 << 20);
    /// A wrapper's headers added to its handler's Response (`pages.withHeaders`).
    pub const HELPER_WITH_HEADERS: Needs = Needs(1 << 24);
    /// A Connect-style middleware run on the Request (`pages.connect`, `runMiddleware`).
    pub const HELPER_CONNECT: Needs = Needs(1 << 25);

    pub fn contains(self, other: Needs) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn any(self, other: Needs) -> bool {
        self.0 & other.0 != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Names of the compat helpers these needs call for, in a fixed order.
    pub fn helper_names(self) -> Vec<&'static str> {
        const TABLE: [(Needs, &str); 17] = [
            (Needs::HELPER_QUERY, "query"),
            (Needs::HELPER_BODY, "body"),
            (Needs::HELPER_RAW_BODY, "rawBody"),
            (Needs::HELPER_COOKIES, "cookies"),
            (Needs::HELPER_HEADERS, "headers"),
            (Needs::HELPER_URL, "url"),
            (Needs::HELPER_SET_HEADER, "setHeader"),
            (Needs::HELPER_GET_HEADER, "getHeader"),
            (Needs::HELPER_NEXT_AUTH, "nextAuthRequest"),
            (Needs::HELPER_NEXT_AUTH, "nextAuthResponse"),
            (Needs::HELPER_JSON, "json"),
            (Needs::HELPER_SEND, "send"),
            (Needs::HELPER_END, "end"),
            (Needs::HELPER_REDIRECT, "redirect"),
            (Needs::HELPER_ADAPT, "adapt"),
            (Needs::HELPER_WITH_HEADERS, "withHeaders"),
            (Needs::HELPER_CONNECT, "connect"),
        ];
        TABLE
            .iter()
            .filter(|(n, _)| self.contains(*n))
            .map(|(_, s)| *s)
            .collect()
    }
}

impl std::ops::BitOr for Needs {
    type Output = Needs;
    fn bitor(self, rhs: Needs) -> Needs {
        Needs(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Needs {
    fn bitor_assign(&mut self, rhs: Needs) {
        self.0 |= rhs.0;
    }
}

/// Response options whose fields depend on the function they end up in: a response only passes
/// `status`/`headers` variables that its function sets. Written as `INIT_OPEN` fields separated
/// by `INIT_SEP` then `INIT_CLOSE`; each field starts with a tag: `S` always kept, `s` kept with
/// [`Needs::STATUS_VAR`], `h` kept with [`Needs::HEADERS_VAR`]. A redirect's tail is
/// `REDIRECT_OPEN` status-text `INIT_SEP` (`h` or nothing) `INIT_CLOSE`.
pub const INIT_OPEN: char = '\u{1}';
pub const INIT_SEP: char = '\u{2}';
pub const INIT_CLOSE: char = '\u{3}';
pub const REDIRECT_OPEN: char = '\u{4}';

/// The offset of the first byte in `src` that [`finalize_inits`] would read as a marker
/// (U+0001-U+0004): a route holding one is not migrated (P2A115), as its text would be changed.
pub fn first_marker(src: &str) -> Option<usize> {
    let b = src.as_bytes();
    let low = memchr::memchr3(INIT_OPEN as u8, INIT_SEP as u8, INIT_CLOSE as u8, b);
    let redirect = memchr::memchr(REDIRECT_OPEN as u8, &b[..low.unwrap_or(b.len())]);
    redirect.or(low)
}

/// Resolves response-option placeholders for a function with `needs`.
pub fn finalize_inits(text: &str, needs: Needs) -> String {
    // The markers are ASCII: a byte search finds them (a `[char]` pattern decodes every char).
    let next_open = |s: &str| memchr::memchr2(INIT_OPEN as u8, REDIRECT_OPEN as u8, s.as_bytes());
    if next_open(text).is_none() {
        return text.to_string();
    }
    fn keep(field: &str, needs: Needs) -> Option<&str> {
        let tag = field.chars().next()?;
        let ok = match tag {
            'S' => true,
            's' => needs.contains(Needs::STATUS_VAR),
            'h' => needs.contains(Needs::HEADERS_VAR),
            _ => false,
        };
        ok.then(|| &field[tag.len_utf8()..])
    }
    // Built with push_str (this runs for every response of every exported function).
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = next_open(rest) {
        out.push_str(&rest[..i]);
        let open = rest[i..].chars().next().unwrap_or(INIT_OPEN);
        let after = &rest[i + open.len_utf8()..];
        let Some(j) = after.find(INIT_CLOSE) else {
            out.push_str(after);
            return out;
        };
        let inner = &after[..j];
        if open == INIT_OPEN {
            let mut first = true;
            for field in inner.split(INIT_SEP).filter_map(|f| keep(f, needs)) {
                out.push_str(if first { ", { " } else { ", " });
                out.push_str(field);
                first = false;
            }
            if !first {
                out.push_str(" }");
            }
        } else {
            let (status, h) = inner.split_once(INIT_SEP).unwrap_or((inner, ""));
            match keep(h, needs) {
                Some(headers) => {
                    let s = if status.is_empty() { "307" } else { status };
                    for part in [", ", s, ", { ", headers, " }"] {
                        out.push_str(part);
                    }
                }
                None if !status.is_empty() => {
                    out.push_str(", ");
                    out.push_str(status);
                }
                None => {}
            }
        }
        rest = &after[j + INIT_CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// A stretch of an edited text copied verbatim from its source:
/// `source[src..src + len] == edited[out..out + len]`. Lists of them are in increasing order on
/// both sides; the line diff of the patch uses them as hints ([`crate::patch`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Copied {
    pub src: usize,
    pub out: usize,
    pub len: usize,
}

/// The offset in the source of offset `at` of the edited text, when `at` is in a stretch
/// `copied` verbatim from it.
pub fn source_offset(copied: &[Copied], at: usize) -> Option<usize> {
    copied
        .iter()
        .find(|c| c.out <= at && at < c.out + c.len)
        .map(|c| c.src + (at - c.out))
}

/// The stretches of `c` copied verbatim from `a`, where `second` maps `b` into `c` and `first`
/// maps `a` into `b`. Only the bytes `c` has (`c_len`) count.
pub fn compose(first: &[Copied], second: &[Copied], c_len: usize) -> Vec<Copied> {
    let mut out = Vec::new();
    let mut k = 0;
    for s in second {
        let (lo, hi) = (s.src, s.src + s.len);
        while k < first.len() && first[k].out + first[k].len <= lo {
            k += 1;
        }
        let mut f = k;
        while f < first.len() && first[f].out < hi {
            let a = first[f].out.max(lo);
            let b = (first[f].out + first[f].len).min(hi);
            let at = s.out + (a - lo);
            let len = b.saturating_sub(a).min(c_len.saturating_sub(at));
            if len > 0 {
                out.push(Copied {
                    src: first[f].src + (a - first[f].out),
                    out: at,
                    len,
                });
            }
            f += 1;
        }
    }
    out
}

/// One replacement of `range` (byte offsets into the source) by `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
    pub needs: Needs,
}

/// A set of non-overlapping edits over one source text.
///
/// Keyed by (start, kind) so that an insertion (an empty range) at an offset sorts before a
/// replacement starting at the same offset: "insert here, then replace what follows".
#[derive(Debug, Default)]
pub struct EditSet {
    edits: BTreeMap<(usize, u8), Edit>,
}

impl EditSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// Adds `edit`, absorbing any edits strictly inside its range (insertions at its very start
    /// or end stay outside it). Returns false (and adds nothing) when it would partly overlap an
    /// existing edit: the caller built edits in the wrong order.
    pub fn add(&mut self, edit: Edit) -> bool {
        let r = edit.range.clone();
        if r.is_empty() {
            // An insertion may not fall strictly inside a replacement.
            if let Some((_, prev)) = self.edits.range(..(r.start, 1)).next_back() {
                if prev.range.start < r.start && prev.range.end > r.start {
                    return false;
                }
            }
            if let Some(existing) = self.edits.get_mut(&(r.start, 0)) {
                existing.text.push_str(&edit.text);
                existing.needs |= edit.needs;
                return true;
            }
            self.edits.insert((r.start, 0), edit);
            return true;
        }
        // A replacement starting before r that reaches into it overlaps.
        if let Some((_, prev)) = self.edits.range(..(r.start, 0)).next_back() {
            if !prev.range.is_empty() && prev.range.end > r.start {
                return false;
            }
        }
        let inside: Vec<(usize, u8)> = self
            .edits
            .range((r.start, 1)..(r.end, 0))
            .map(|(k, _)| *k)
            .collect();
        for k in &inside {
            if self.edits[k].range.end > r.end {
                return false;
            }
        }
        let mut needs = edit.needs;
        for k in inside {
            if let Some(e) = self.edits.remove(&k) {
                needs |= e.needs;
            }
        }
        self.edits.insert((r.start, 1), Edit { needs, ..edit });
        true
    }

    /// Edits inside `range` (insertions at its start included, at its end excluded), in order.
    pub fn within(&self, range: Range<usize>) -> impl Iterator<Item = &Edit> {
        self.edits
            .range((range.start, 0)..(range.end, 0))
            .map(|(_, e)| e)
            .filter(move |e| e.range.end <= range.end)
    }

    /// Renders `src[range]` with the edits inside it applied; adds what they need to `needs`.
    pub fn render(&self, src: &str, range: Range<usize>, needs: &mut Needs) -> String {
        let mut out = String::with_capacity(range.len() + 16);
        let mut pos = range.start;
        for e in self.within(range.clone()) {
            if e.range.start < pos {
                continue;
            }
            out.push_str(&src[pos..e.range.start]);
            out.push_str(&e.text);
            *needs |= e.needs;
            pos = e.range.end;
        }
        out.push_str(&src[pos..range.end]);
        out
    }

    /// Renders all of `src` with the edits applied, like [`EditSet::render`] over `0..src.len()`,
    /// and says which stretches of the result are copied verbatim from `src`.
    pub fn render_mapped(&self, src: &str, needs: &mut Needs) -> (String, Vec<Copied>) {
        // At most the source and every edit's text: one allocation for the migrated file.
        let inserted: usize = self.edits.values().map(|e| e.text.len()).sum();
        let mut out = String::with_capacity(src.len() + inserted);
        let mut copied = Vec::new();
        let mut pos = 0;
        let mut copy = |out: &mut String, from: usize, to: usize| {
            if to > from {
                copied.push(Copied {
                    src: from,
                    out: out.len(),
                    len: to - from,
                });
                out.push_str(&src[from..to]);
            }
        };
        for e in self.within(0..src.len()) {
            if e.range.start < pos {
                continue;
            }
            copy(&mut out, pos, e.range.start);
            out.push_str(&e.text);
            *needs |= e.needs;
            pos = e.range.end;
        }
        copy(&mut out, pos, src.len());
        (out, copied)
    }

    /// Renders `src[range]` where `overlay` edits (sorted, non-overlapping, inside `range`) take
    /// precedence over this set's edits they cover.
    pub fn render_with(
        &self,
        src: &str,
        range: Range<usize>,
        overlay: &[Edit],
        needs: &mut Needs,
    ) -> String {
        let mut out = String::with_capacity(range.len() + 16);
        let mut pos = range.start;
        for o in overlay {
            if o.range.start < pos {
                continue;
            }
            out.push_str(&self.render(src, pos..o.range.start, needs));
            out.push_str(&o.text);
            *needs |= o.needs;
            pos = o.range.end;
        }
        out.push_str(&self.render(src, pos..range.end, needs));
        out
    }

    /// A copy of the set.
    pub fn clone_edits(&self) -> EditSet {
        EditSet {
            edits: self.edits.clone(),
        }
    }

    pub fn into_vec(self) -> Vec<Edit> {
        self.edits.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(a: usize, b: usize, t: &str) -> Edit {
        Edit {
            range: a..b,
            text: t.into(),
            needs: Needs::default(),
        }
    }

    #[test]
    fn copied_stretches_are_verbatim_through_two_renders() {
        let src = "let a = req.query.id; res.json(a)\nconst z = 1\n";
        let mut one = EditSet::new();
        assert!(one.add(e(8, 17, "query")));
        assert!(one.add(e(22, 33, "return json(a)")));
        let mut n = Needs::default();
        let (mid, first) = one.render_mapped(src, &mut n);
        assert_eq!(mid, one.render(src, 0..src.len(), &mut n));
        let mut two = EditSet::new();
        assert!(two.add(e(0, 4, "const ")));
        assert!(two.add(e(mid.len() - 2, mid.len() - 1, "2")));
        let (end, second) = two.render_mapped(&mid, &mut n);
        let all = compose(&first, &second, end.len() - 1);
        assert!(!all.is_empty());
        for c in &all {
            assert_eq!(
                src[c.src..c.src + c.len],
                end[c.out..c.out + c.len],
                "{c:?}"
            );
            assert!(c.out + c.len < end.len());
        }
        let copied: usize = all.iter().map(|c| c.len).sum();
        // Everything but the edited bytes and the cut last byte.
        assert_eq!(copied, src.len() - 9 - 11 - 4 - 1 - 1);
    }

    #[test]
    fn renders_edits_in_order_and_keeps_the_rest() {
        let src = "let a = req.query.id; res.json(a)";
        let mut set = EditSet::new();
        assert!(set.add(e(8, 17, "query")));
        assert!(set.add(e(22, 33, "return json(a)")));
        let mut n = Needs::default();
        assert_eq!(
            set.render(src, 0..src.len(), &mut n),
            "let a = query.id; return json(a)"
        );
    }

    #[test]
    fn outer_edit_absorbs_inner_ones() {
        let src = "res.json(req.body)";
        let mut set = EditSet::new();
        assert!(set.add(Edit {
            range: 9..17,
            text: "body".into(),
            needs: Needs::BODY_VAR
        }));
        let mut n = Needs::default();
        let inner = set.render(src, 9..17, &mut n);
        assert!(set.add(e(0, 18, &format!("json({inner})"))));
        let mut n2 = Needs::default();
        assert_eq!(set.render(src, 0..18, &mut n2), "json(body)");
        assert!(
            n2.contains(Needs::BODY_VAR),
            "needs of absorbed edits are kept"
        );
    }

    #[test]
    fn response_options_follow_the_function() {
        let t = format!("json(x{INIT_OPEN}Sstatus: 201{INIT_SEP}hheaders{INIT_CLOSE})");
        assert_eq!(
            finalize_inits(&t, Needs::default()),
            "json(x, { status: 201 })"
        );
        assert_eq!(
            finalize_inits(&t, Needs::HEADERS_VAR),
            "json(x, { status: 201, headers })"
        );
        let t = format!("new Response(null{INIT_OPEN}sstatus{INIT_SEP}hheaders{INIT_CLOSE})");
        assert_eq!(finalize_inits(&t, Needs::default()), "new Response(null)");
        let r = format!("redirect(u{REDIRECT_OPEN}{INIT_SEP}hheaders{INIT_CLOSE})");
        assert_eq!(finalize_inits(&r, Needs::default()), "redirect(u)");
        assert_eq!(
            finalize_inits(&r, Needs::HEADERS_VAR),
            "redirect(u, 307, { headers })"
        );
    }

    #[test]
    fn partial_overlap_is_refused() {
        let mut set = EditSet::new();
        assert!(set.add(e(2, 6, "x")));
        assert!(!set.add(e(4, 9, "y")));
        assert!(!set.add(e(0, 3, "y")));
    }

    #[test]
    fn insertion_before_a_replacement_at_the_same_offset() {
        let src = "export default x";
        let mut set = EditSet::new();
        assert!(set.add(e(0, 16, "export const GET = x")));
        assert!(set.add(e(0, 0, "import y\n")));
        let mut n = Needs::default();
        assert_eq!(
            set.render(src, 0..16, &mut n),
            "import y\nexport const GET = x"
        );
        assert!(
            !set.add(e(3, 3, "no")),
            "insertions inside a replacement are refused"
        );
    }

    #[test]
    fn overlay_wins_over_covered_edits() {
        let src = "aaa bbb ccc";
        let mut set = EditSet::new();
        set.add(e(4, 7, "B"));
        set.add(e(0, 3, "A"));
        let mut n = Needs::default();
        let out = set.render_with(src, 0..11, &[e(4, 11, "Z")], &mut n);
        assert_eq!(out, "A Z");
    }
}
