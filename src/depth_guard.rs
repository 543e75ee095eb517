//! A guard against inputs nested so deeply that parsing them would overflow the stack.
//!
//! swc's parser, its visitors and the transform recurse once per nesting level, and a stack
//! overflow aborts the whole process (it is not a panic `catch_unwind` could stop). Workers run on
//! threads with a large stack (see [`WORKER_STACK`]); before a file is parsed, [`estimate`] scans
//! its text once, without parsing, and estimates the stack the deepest spot needs, in units of
//! roughly one KiB of an unoptimised build's stack. A file over the limit is reported (P2A008)
//! and left as it is. The estimate errs high: brackets, `=>`, generics/JSX `<`, function and
//! class bodies, statements nested in statements and long operator chains all count, and only a
//! statement end (`;`, `,`, a line break outside an expression) resets a chain.

/// Stack size of the worker threads that parse and transform files.
pub const WORKER_STACK: usize = 1 << 30;

/// The largest estimate a thread with `stack` bytes of stack may parse: about 60% of the stack,
/// counting one unit per KiB.
pub fn limit_for_stack(stack: usize) -> usize {
    stack / 1024 * 6 / 10
}

/// Where the code nests deepest: the estimate, and the byte offset where it peaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Depth {
    pub score: usize,
    pub offset: usize,
}

const W_BRACKET: usize = 20;
const W_HEAVY: usize = 25;
const W_STMT: usize = 6;
const W_PREFIX: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    Bracket,
    Template,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// Start of input, an operator or an opening bracket: a `/` here starts a regex.
    Operator,
    /// A value (identifier, literal, closing bracket): a `/` here divides.
    Value,
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
    /// (weight of the enclosing chain when the frame opened, kind)
    frames: Vec<(usize, Frame)>,
    /// Sum of the enclosing frames' chains and bracket weights.
    base: usize,
    /// Weight of the chain at the current level since the last statement end.
    cur: usize,
    prev: Prev,
    newline: bool,
    best: Depth,
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

fn word_weight(w: &[u8]) -> (usize, Prev) {
    match w {
        b"function" | b"class" => (W_HEAVY, Prev::Operator),
        b"if" | b"else" | b"for" | b"while" | b"do" | b"switch" | b"try" | b"catch"
        | b"finally" | b"with" => (W_STMT, Prev::Operator),
        b"return" | b"typeof" | b"void" | b"delete" | b"new" | b"await" | b"yield" | b"throw"
        | b"case" | b"in" | b"of" | b"instanceof" => (W_PREFIX, Prev::Operator),
        _ => (1, Prev::Value),
    }
}

impl Scan<'_> {
    fn add(&mut self, w: usize) {
        self.cur += w;
        let score = self.base + self.cur;
        if score > self.best.score {
            self.best = Depth {
                score,
                offset: self.i.min(self.b.len()),
            };
        }
    }

    fn open(&mut self, kind: Frame) {
        self.frames.push((self.cur, kind));
        self.base += self.cur + W_BRACKET;
        self.cur = 0;
        self.add(0);
        self.prev = Prev::Operator;
    }

    /// Closes the innermost frame; returns its kind.
    fn close(&mut self) -> Option<Frame> {
        let (saved, kind) = self.frames.pop()?;
        self.base = self.base.saturating_sub(saved + W_BRACKET);
        self.cur = saved;
        self.prev = Prev::Value;
        Some(kind)
    }

    /// Skips a quoted string; stops at the closing quote or the end of the line.
    fn string(&mut self, q: u8) {
        self.i += 1;
        while let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            match c {
                b'\\' => self.i += 1,
                b'\n' => return,
                _ if c == q => return,
                _ => {}
            }
        }
    }

    /// Skips template text up to the closing backtick or a `${`, which opens a frame.
    fn template_text(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            match c {
                b'\\' => self.i += 1,
                b'`' => {
                    self.prev = Prev::Value;
                    return;
                }
                b'$' if self.b.get(self.i) == Some(&b'{') => {
                    self.i += 1;
                    self.open(Frame::Template);
                    return;
                }
                _ => {}
            }
        }
    }

    /// Skips a regex literal; stops at its end or the end of the line.
    fn regex(&mut self) {
        self.i += 1;
        let mut class = false;
        while let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            match c {
                b'\\' => self.i += 1,
                b'\n' => return,
                b'[' => class = true,
                b']' => class = false,
                b'/' if !class => break,
                _ => {}
            }
        }
        while self.b.get(self.i).is_some_and(|c| is_word_byte(*c)) {
            self.i += 1;
        }
        self.prev = Prev::Value;
    }

    /// Before a token: a line break between a value and a token that cannot continue an
    /// expression ends the statement (automatic semicolon insertion, roughly).
    fn line_break_before(&mut self, c: u8) {
        if self.newline {
            self.newline = false;
            let continues = matches!(
                c,
                b'.' | b'?'
                    | b'('
                    | b'['
                    | b'+'
                    | b'-'
                    | b'*'
                    | b'/'
                    | b'%'
                    | b'&'
                    | b'|'
                    | b'^'
                    | b'='
                    | b'<'
                    | b'>'
                    | b':'
                    | b','
            );
            if self.prev == Prev::Value && !continues {
                self.cur = 0;
            }
        }
    }

    fn run(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'\n' => {
                    self.newline = true;
                    self.i += 1;
                    continue;
                }
                b' ' | b'\t' | b'\r' => {
                    self.i += 1;
                    continue;
                }
                b'/' if self.b.get(self.i + 1) == Some(&b'/') => {
                    while self.b.get(self.i).is_some_and(|c| *c != b'\n') {
                        self.i += 1;
                    }
                    continue;
                }
                b'/' if self.b.get(self.i + 1) == Some(&b'*') => {
                    self.i += 2;
                    while self.i < self.b.len()
                        && !(self.b[self.i] == b'*' && self.b.get(self.i + 1) == Some(&b'/'))
                    {
                        if self.b[self.i] == b'\n' {
                            self.newline = true;
                        }
                        self.i += 1;
                    }
                    self.i += 2;
                    continue;
                }
                _ => {}
            }
            self.line_break_before(c);
            match c {
                b'\'' | b'"' => {
                    self.string(c);
                    self.add(1);
                    self.prev = Prev::Value;
                }
                b'`' => {
                    self.i += 1;
                    self.add(1);
                    self.template_text();
                }
                b'(' | b'[' | b'{' => {
                    self.i += 1;
                    self.open(Frame::Bracket);
                }
                b')' | b']' | b'}' => {
                    self.i += 1;
                    if self.close() == Some(Frame::Template) {
                        self.template_text();
                    }
                }
                b';' | b',' => {
                    self.i += 1;
                    self.cur = 0;
                    self.prev = Prev::Operator;
                }
                b'/' if self.prev == Prev::Operator => {
                    self.regex();
                    self.add(1);
                }
                b'=' if self.b.get(self.i + 1) == Some(&b'>') => {
                    self.i += 2;
                    self.add(W_HEAVY);
                    self.prev = Prev::Operator;
                }
                b'<' => {
                    self.i += 1;
                    self.add(W_HEAVY);
                    self.prev = Prev::Operator;
                }
                b'?' if !matches!(self.b.get(self.i + 1), Some(b'.' | b'?')) => {
                    self.i += 1;
                    self.add(W_STMT);
                    self.prev = Prev::Operator;
                }
                _ if is_word_byte(c) => {
                    let start = self.i;
                    while self.b.get(self.i).is_some_and(|c| is_word_byte(*c)) {
                        self.i += 1;
                    }
                    let (w, prev) = word_weight(&self.b[start..self.i]);
                    self.add(w);
                    self.prev = prev;
                }
                _ => {
                    self.i += 1;
                    self.add(W_PREFIX);
                    self.prev = Prev::Operator;
                }
            }
        }
    }
}

/// No token adds more than this to the estimate per byte of its text (`<` adds [`W_HEAVY`] for one
/// byte; a bracket [`W_BRACKET`]; longer tokens less per byte), so a file shorter than
/// `limit / MAX_WEIGHT_PER_BYTE` bytes cannot exceed `limit`.
const MAX_WEIGHT_PER_BYTE: usize = W_HEAVY;

/// Where `src` nests deeper than `limit` allows, if it does. Files too short to reach the limit
/// (nearly every route file) are not scanned.
pub fn exceeds(src: &str, limit: usize) -> Option<Depth> {
    if src.len().saturating_mul(MAX_WEIGHT_PER_BYTE) <= limit {
        return None;
    }
    Some(estimate(src)).filter(|d| d.score > limit)
}

/// Estimates how deep `src` nests (see the module documentation).
pub fn estimate(src: &str) -> Depth {
    let mut s = Scan {
        b: src.as_bytes(),
        i: 0,
        frames: Vec::new(),
        base: 0,
        cur: 0,
        prev: Prev::Operator,
        newline: false,
        best: Depth::default(),
    };
    s.run();
    s.best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_code_scores_low() {
        let src = "export default async function handler(req, res) {\n  if (req.method === 'POST') {\n    const { a } = req.body\n    return res.status(201).json({ a })\n  }\n  res.status(405).end()\n}\n";
        assert!(estimate(src).score < 400, "{:?}", estimate(src));
    }

    #[test]
    fn long_flat_files_do_not_accumulate() {
        let line = "x.y = a.b + c\n";
        let src = line.repeat(100_000);
        assert!(estimate(&src).score < 100);
        let obj = format!(
            "const A = {{\n{}}}\n",
            "  \"k\": [1, 2, 3],\n".repeat(100_000)
        );
        assert!(estimate(&obj).score < 200);
    }

    #[test]
    fn nesting_adds_up() {
        let n = 1000;
        let parens = format!("{}1{}", "(".repeat(n), ")".repeat(n));
        assert!(estimate(&parens).score >= n * W_BRACKET);
        let unary = format!("{}x", "!".repeat(n));
        assert!(estimate(&unary).score >= n * W_PREFIX);
        let arrows = format!("{}1", "x => ".repeat(n));
        assert!(estimate(&arrows).score >= n * W_HEAVY);
    }

    #[test]
    fn strings_comments_and_regexes_do_not_count() {
        let src = format!(
            "const s = '{}'\n// {}\n/* {} */\nconst r = /[(]{{3}}/g\n",
            "(".repeat(5000),
            "(".repeat(5000),
            "(".repeat(5000)
        );
        assert!(estimate(&src).score < 100, "{:?}", estimate(&src));
    }

    #[test]
    fn no_byte_weighs_more_than_the_bound() {
        let n = 2000;
        for unit in [
            "<",
            "(",
            "{",
            "[",
            "=>",
            "`${",
            "?",
            "!",
            "function ",
            "x => ",
            "a<b>(",
            "/[(]/ ",
        ] {
            let src = unit.repeat(n);
            let d = estimate(&src);
            assert!(
                d.score <= MAX_WEIGHT_PER_BYTE * src.len(),
                "{unit:?}: {} > {}",
                d.score,
                MAX_WEIGHT_PER_BYTE * src.len()
            );
            let limit = MAX_WEIGHT_PER_BYTE * src.len();
            assert_eq!(exceeds(&src, limit), None, "{unit:?}");
            assert_eq!(
                exceeds(&src, d.score.saturating_sub(1)),
                (d.score > 0).then_some(d),
                "{unit:?}"
            );
        }
    }

    #[test]
    fn template_substitutions_nest() {
        let n = 500;
        let src = format!("{}1{}", "`${".repeat(n), "}`".repeat(n));
        assert!(estimate(&src).score >= n * W_BRACKET);
        assert!(estimate("const a = `(((${b})))` + `${`${c}`}`").score < 200);
    }
}
