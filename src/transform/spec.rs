//! Method specialization: the handler body as it runs for one HTTP method.
//!
//! `req.method` is a constant within one request, so for each method the tool evaluates every
//! test on it (`===`, `!==`, `switch`, `includes`, `&&`/`||`), keeps the branch that runs, and
//! drops what can no longer run. Methods whose specialized bodies are the same text share one
//! exported function. A test the evaluator cannot decide stays in the code, reading
//! `request.method` at run time, so the result is always the same program, only less tidy.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use swc_common::Spanned;
use swc_ecma_ast::*;

use super::ast_util::*;
use super::removal::{comments_above, removal, removal_with_comments};
use super::usage::MethodCase;
use crate::edit::{finalize_inits, Edit, EditSet, Needs};
use crate::parse::range;
use crate::text::{dedent_following_lines, indent_of_line, starts_line};

/// The methods a Route Handler can export, in the order the tool emits them.
pub const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// A method no handler spells: a test that gives it the same answer as a method does not
/// name that method.
const NO_METHOD: &str = "\0";

/// What an expression evaluates to for one method.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Bool(bool),
    Str(String),
    /// Not decidable; the expression stays as written.
    Unknown,
    /// Partly decided: the expression becomes this text (a test simplified to its undecided part).
    Residual(String, Needs),
}

pub struct Specializer<'a> {
    pub src: &'a str,
    pub edits: &'a EditSet,
    pub req: Option<&'a str>,
    pub aliases: &'a [(String, MethodCase)],
    pub returning: &'a HashSet<usize>,
    /// Statements the rewrite deleted (a `break;` after a response that became a `return`).
    pub removed: &'a HashSet<usize>,
    /// `const ALLOWED = ['GET', 'POST']` style arrays in the module or the handler.
    pub const_arrays: HashMap<String, Vec<String>>,
    /// Multi-line template literals: their lines are never re-indented.
    pub protected: Vec<Range<usize>>,
}

/// A specialized statement: the edits that turn it into its form for one method.
struct Spec {
    edits: Vec<Edit>,
    /// Control never continues past it.
    terminates: bool,
    /// Specialization changed it.
    changed: bool,
}

impl Spec {
    fn same(terminates: bool) -> Spec {
        Spec {
            edits: Vec::new(),
            terminates,
            changed: false,
        }
    }
}

impl<'a> Specializer<'a> {
    /// The text of `inner` (a function body's contents) for `method`, or None when a shape
    /// (e.g. a `break` nested inside a method `case`) cannot be specialized safely.
    pub fn body_for(
        &self,
        stmts: &[Stmt],
        inner: Range<usize>,
        method: &str,
    ) -> Option<(String, Needs)> {
        let spec = self.spec_list(stmts, method)?;
        let mut needs = Needs::default();
        let text = self
            .edits
            .render_with(self.src, inner, &spec.edits, &mut needs);
        Some((finalize_inits(&text, needs), needs))
    }

    fn eval(&self, e: &Expr, m: &str) -> Val {
        let e = unwrap_expr(e);
        match e {
            Expr::Member(me) => {
                if self.req.is_some()
                    && ident_name(&me.obj) == self.req
                    && member_prop_name(me).as_deref() == Some("method")
                {
                    return Val::Str(m.to_string());
                }
                Val::Unknown
            }
            Expr::Ident(i) => match self.aliases.iter().find(|(a, _)| *a == *i.sym) {
                Some((_, MethodCase::AsIs)) => Val::Str(m.to_string()),
                Some((_, MethodCase::Lower)) => Val::Str(m.to_lowercase()),
                Some((_, MethodCase::Upper)) => Val::Str(m.to_uppercase()),
                None => Val::Unknown,
            },
            Expr::Lit(Lit::Str(_)) | Expr::Tpl(_) => {
                static_string(e).map_or(Val::Unknown, Val::Str)
            }
            Expr::Call(c) => self.eval_call(c, m),
            Expr::Unary(u) if u.op == UnaryOp::Bang => match self.eval(&u.arg, m) {
                Val::Bool(b) => Val::Bool(!b),
                _ => Val::Unknown,
            },
            Expr::Bin(b) => self.eval_bin(b, m),
            _ => Val::Unknown,
        }
    }

    fn eval_call(&self, c: &CallExpr, m: &str) -> Val {
        let Some((obj, name)) = method_call(c) else {
            return Val::Unknown;
        };
        match &*name {
            "toUpperCase" | "toLowerCase" if c.args.is_empty() => match self.eval(obj, m) {
                Val::Str(s) if name == "toUpperCase" => Val::Str(s.to_uppercase()),
                Val::Str(s) => Val::Str(s.to_lowercase()),
                _ => Val::Unknown,
            },
            "includes" if c.args.len() == 1 && c.args[0].spread.is_none() => {
                let Val::Str(needle) = self.eval(&c.args[0].expr, m) else {
                    return Val::Unknown;
                };
                match self.string_array(obj) {
                    Some(items) => Val::Bool(items.contains(&needle)),
                    None => Val::Unknown,
                }
            }
            _ => Val::Unknown,
        }
    }

    fn string_array(&self, e: &Expr) -> Option<Vec<String>> {
        match unwrap_expr(e) {
            Expr::Array(a) => string_array_literal(a),
            Expr::Ident(i) => self.const_arrays.get(i.sym.as_str()).cloned(),
            _ => None,
        }
    }

    fn residual(&self, e: &Expr, v: Val) -> Val {
        match v {
            Val::Unknown => {
                let mut needs = Needs::default();
                let t = self.edits.render(self.src, range(e.span()), &mut needs);
                Val::Residual(t, needs)
            }
            other => other,
        }
    }

    fn eval_bin(&self, b: &BinExpr, m: &str) -> Val {
        match b.op {
            BinaryOp::EqEqEq | BinaryOp::EqEq | BinaryOp::NotEqEq | BinaryOp::NotEq => {
                match (self.eval(&b.left, m), self.eval(&b.right, m)) {
                    (Val::Str(l), Val::Str(r)) => {
                        let eq = l == r;
                        Val::Bool(if matches!(b.op, BinaryOp::EqEqEq | BinaryOp::EqEq) {
                            eq
                        } else {
                            !eq
                        })
                    }
                    _ => Val::Unknown,
                }
            }
            BinaryOp::LogicalAnd | BinaryOp::LogicalOr => {
                let and = b.op == BinaryOp::LogicalAnd;
                let l = self.eval(&b.left, m);
                match l {
                    // false && x -> false; true || x -> true
                    Val::Bool(lb) if lb != and => Val::Bool(lb),
                    // true && x -> x; false || x -> x
                    Val::Bool(_) => match self.eval(&b.right, m) {
                        Val::Bool(rb) => Val::Bool(rb),
                        Val::Residual(t, n) => Val::Residual(t, n),
                        _ => self.residual(&b.right, Val::Unknown),
                    },
                    Val::Unknown | Val::Residual(..) | Val::Str(_) => {
                        match self.eval(&b.right, m) {
                            // x && true -> x (in a test, only truthiness matters); x || false -> x
                            Val::Bool(rb) if rb == and => self.residual(
                                &b.left,
                                if matches!(l, Val::Residual(..)) {
                                    l
                                } else {
                                    Val::Unknown
                                },
                            ),
                            _ => Val::Unknown,
                        }
                    }
                }
            }
            _ => Val::Unknown,
        }
    }

    fn spec_list(&self, stmts: &[Stmt], m: &str) -> Option<Spec> {
        let mut out = Spec::same(false);
        for (i, s) in stmts.iter().enumerate() {
            let spec = self.spec_stmt(s, m)?;
            out.changed |= spec.changed;
            out.terminates |= spec.terminates;
            out.edits.extend(spec.edits);
            if spec.terminates && spec.changed && i + 1 < stmts.len() {
                // Specialization made this statement end the function: what follows it in this
                // list can no longer run. Delete it all, with the blank lines between.
                let from = range(s.span()).end;
                let to = stmts.last().map_or(from, |l| range(l.span()).end);
                out.edits.push(Edit {
                    range: from..to,
                    text: String::new(),
                    needs: Needs::default(),
                });
                break;
            }
        }
        Some(out)
    }

    fn spec_stmt(&self, s: &Stmt, m: &str) -> Option<Spec> {
        let r = range(s.span());
        Some(match s {
            Stmt::If(ifs) => match self.eval(&ifs.test, m) {
                Val::Bool(taken) => {
                    // The comment lines right above a method test describe the methods it
                    // names (`// POST /api/x` above `if (req.method !== 'POST')`): they stay
                    // in those methods' functions, whichever branch runs there, and go from
                    // the others (the 405 function does not get them).
                    let own = self.eval(&ifs.test, NO_METHOD) != Val::Bool(taken);
                    let branch = if taken {
                        Some(&*ifs.cons)
                    } else {
                        ifs.alt.as_deref()
                    };
                    match branch {
                        Some(b) => self.replace_with(r, b, m, !own)?,
                        None => Spec {
                            edits: vec![if own {
                                removal(self.src, r)
                            } else {
                                removal_with_comments(self.src, r)
                            }],
                            terminates: false,
                            changed: true,
                        },
                    }
                }
                v => {
                    let mut out = Spec::same(false);
                    if let Val::Residual(t, needs) = v {
                        out.edits.push(Edit {
                            range: range(ifs.test.span()),
                            text: t,
                            needs,
                        });
                        out.changed = true;
                    }
                    let cons = self.spec_single(&ifs.cons, m)?;
                    let alt = match &ifs.alt {
                        Some(a) => Some(self.spec_else(&ifs.cons, a, m)?),
                        None => None,
                    };
                    out.terminates = cons.terminates && alt.as_ref().is_some_and(|a| a.terminates);
                    out.changed |= cons.changed || alt.as_ref().is_some_and(|a| a.changed);
                    out.edits.extend(cons.edits);
                    if let Some(a) = alt {
                        out.edits.extend(a.edits);
                    }
                    out
                }
            },
            Stmt::Block(b) => self.spec_list(&b.stmts, m)?,
            Stmt::Try(t) => {
                let block = self.spec_list(&t.block.stmts, m)?;
                let handler = match &t.handler {
                    Some(h) => Some(self.spec_list(&h.body.stmts, m)?),
                    None => None,
                };
                let fin = match &t.finalizer {
                    Some(f) => Some(self.spec_list(&f.stmts, m)?),
                    None => None,
                };
                let terminates = (block.terminates
                    && handler.as_ref().is_none_or(|h| h.terminates))
                    || fin.as_ref().is_some_and(|f| f.terminates);
                let mut out = Spec {
                    edits: block.edits,
                    terminates,
                    changed: block.changed,
                };
                for part in [handler, fin].into_iter().flatten() {
                    out.changed |= part.changed;
                    out.edits.extend(part.edits);
                }
                out
            }
            Stmt::Switch(sw) => self.spec_switch(sw, r, m)?,
            Stmt::Return(_) | Stmt::Throw(_) => Spec::same(true),
            Stmt::Expr(_) => Spec::same(self.returning.contains(&r.start)),
            // A loop or labeled body may not run (or may run again): it never ends the function.
            Stmt::Labeled(_)
            | Stmt::While(_)
            | Stmt::DoWhile(_)
            | Stmt::For(_)
            | Stmt::ForIn(_)
            | Stmt::ForOf(_) => {
                let body = loop_body(s).unwrap_or(s);
                Spec {
                    terminates: false,
                    ..self.spec_single(body, m)?
                }
            }
            _ => Spec::same(false),
        })
    }

    /// A statement in a single-statement position (an `if` branch, a loop body): a decided
    /// method test there is replaced by the chosen branch as one statement, braces kept, since
    /// splicing several statements in would change what the enclosing `if` or loop runs.
    fn spec_single(&self, s: &Stmt, m: &str) -> Option<Spec> {
        let r = range(s.span());
        let chosen = match s {
            Stmt::If(ifs) => match self.eval(&ifs.test, m) {
                Val::Bool(true) => Some(Some(&*ifs.cons)),
                Val::Bool(false) => Some(ifs.alt.as_deref()),
                _ => None,
            },
            Stmt::Switch(_) => {
                // A decided switch splices statements: keep them in one block.
                let spec = self.spec_stmt(s, m)?;
                if spec.changed && spec.edits.len() == 1 && spec.edits[0].range == r {
                    let e = &spec.edits[0];
                    let indent = indent_of_line(self.src, r.start);
                    let text = if e.text.is_empty() {
                        "{}".to_string()
                    } else {
                        format!(
                            "{{\n{indent}  {}\n{indent}}}",
                            crate::text::indent_following_lines(&e.text, "  ")
                        )
                    };
                    return Some(Spec {
                        edits: vec![Edit {
                            range: r,
                            text,
                            needs: e.needs,
                        }],
                        ..spec
                    });
                }
                return Some(spec);
            }
            _ => None,
        };
        let Some(chosen) = chosen else {
            return self.spec_stmt(s, m);
        };
        let Some(branch) = chosen else {
            // The test is false and there is no else: nothing runs here.
            return Some(Spec {
                edits: vec![Edit {
                    range: r,
                    text: "{}".into(),
                    needs: Needs::default(),
                }],
                terminates: false,
                changed: true,
            });
        };
        let spec = self.spec_single(branch, m)?;
        let mut needs = Needs::default();
        let br = range(branch.span());
        let text = self
            .edits
            .render_with(self.src, br, &spec.edits, &mut needs);
        Some(Spec {
            edits: vec![Edit {
                range: r,
                text,
                needs,
            }],
            terminates: spec.terminates,
            changed: true,
        })
    }

    /// The `else` branch of an `if`: when its method test leaves nothing to run, the `else`
    /// goes too (`if (a) {..} else if (M) {..}` becomes `if (a) {..}`).
    fn spec_else(&self, cons: &Stmt, alt: &Stmt, m: &str) -> Option<Spec> {
        if let Stmt::If(ifs) = alt {
            if ifs.alt.is_none() && self.eval(&ifs.test, m) == Val::Bool(false) {
                let from = range(cons.span()).end;
                let to = range(alt.span()).end;
                return Some(Spec {
                    edits: vec![Edit {
                        range: from..to,
                        text: String::new(),
                        needs: Needs::default(),
                    }],
                    terminates: false,
                    changed: true,
                });
            }
        }
        self.spec_single(alt, m)
    }

    /// The statement at `r` replaced by `text` (its whole lines removed when `text` is empty),
    /// the comment lines right above it too when `with_comments`.
    fn replacement(
        &self,
        r: Range<usize>,
        text: String,
        needs: Needs,
        terminates: bool,
        with_comments: bool,
    ) -> Spec {
        let edit = if text.is_empty() {
            Edit {
                needs,
                ..if with_comments {
                    removal_with_comments(self.src, r)
                } else {
                    removal(self.src, r)
                }
            }
        } else {
            let start = if with_comments {
                comments_above(self.src, r.start)
            } else {
                r.start
            };
            Edit {
                range: start..r.end,
                text,
                needs,
            }
        };
        Spec {
            edits: vec![edit],
            terminates,
            changed: true,
        }
    }

    /// Replaces the statement at `r` by the specialized form of `branch` (and the comment lines
    /// above it when `with_comments`).
    fn replace_with(
        &self,
        r: Range<usize>,
        branch: &Stmt,
        m: &str,
        with_comments: bool,
    ) -> Option<Spec> {
        let target = indent_of_line(self.src, r.start);
        let (text, needs, terminates) = self.splice(branch, m, target, true)?;
        Some(self.replacement(r, text, needs, terminates, with_comments))
    }

    /// The text of `s` for method `m` at the column of `target` (an indentation): a block's
    /// braces dropped and its lines re-indented, unless that would re-indent more than
    /// [`MAX_REINDENTED`] lines and `keep_block`: then the block stays a block, its lines as
    /// they were and its closing brace at `target`, so that the lines the migration does not
    /// change stay byte-identical (a 200-line branch does not become a 200-line diff).
    fn splice(
        &self,
        s: &Stmt,
        m: &str,
        target: &str,
        keep_block: bool,
    ) -> Option<(String, Needs, bool)> {
        let mut needs = Needs::default();
        let (spec, inner) = match s {
            Stmt::Block(b) => {
                let r = range(b.span);
                (
                    self.spec_list(&b.stmts, m)?,
                    (r.start + 1)..(r.end.saturating_sub(1)).max(r.start + 1),
                )
            }
            other => (self.spec_stmt(other, m)?, range(other.span())),
        };
        let text = self
            .edits
            .render_with(self.src, inner.clone(), &spec.edits, &mut needs);
        let lead = text.len() - text.trim_start().len();
        let trimmed = text.trim();
        let first_stmt_offset = inner.start + lead;
        let width = self.reindent_width(first_stmt_offset, target);
        if keep_block
            && matches!(s, Stmt::Block(_))
            && width > 0
            && reindented(trimmed) > MAX_REINDENTED
        {
            let out = ["{", text.trim_end(), "\n", target, "}"].concat();
            return Some((out, needs, spec.terminates));
        }
        let out = dedent_following_lines(trimmed, width, first_stmt_offset, &self.protected);
        Some((out, needs, spec.terminates))
    }

    /// How many columns the lines of a statement starting at `at` move left when it is put at
    /// the column of `target` (0 when code stands before it on its line).
    fn reindent_width(&self, at: usize, target: &str) -> usize {
        if starts_line(self.src, at) {
            indent_of_line(self.src, at)
                .len()
                .saturating_sub(target.len())
        } else {
            0
        }
    }

    fn spec_switch(&self, sw: &SwitchStmt, r: Range<usize>, m: &str) -> Option<Spec> {
        let decided = match self.eval(&sw.discriminant, m) {
            Val::Str(d) => Some(d),
            _ => None,
        };
        let all_static = sw
            .cases
            .iter()
            .all(|c| c.test.as_ref().is_none_or(|t| static_string(t).is_some()));
        let Some(d) = decided.filter(|_| all_static) else {
            let mut out = Spec::same(false);
            for case in &sw.cases {
                let spec = self.spec_list(&case.cons, m)?;
                out.changed |= spec.changed;
                out.edits.extend(spec.edits);
            }
            return Some(out);
        };
        let start = sw
            .cases
            .iter()
            .position(|c| {
                c.test
                    .as_ref()
                    .is_some_and(|t| static_string(t).as_deref() == Some(d.as_str()))
            })
            .or_else(|| sw.cases.iter().position(|c| c.test.is_none()));
        // Each chosen statement with the offset its comments are looked for from: the end of
        // the code before it (the previous case, or the switch's head for the first case), so
        // the comments above a `case` label and between the statements come along.
        let mut chosen: Vec<(usize, &Stmt)> = Vec::new();
        if let Some(start) = start {
            let mut from = match start {
                0 => range(sw.discriminant.span()).end,
                k => range(sw.cases[k - 1].span).end,
            };
            'cases: for case in &sw.cases[start..] {
                for st in &case.cons {
                    if is_plain_break(st) && !self.removed.contains(&range(st.span()).start) {
                        break 'cases;
                    }
                    chosen.push((from, st));
                    from = range(st.span()).end;
                }
            }
        }
        if chosen
            .iter()
            .any(|(_, s)| contains_switch_break(s, self.removed))
        {
            return None;
        }
        let target = indent_of_line(self.src, r.start);
        // Statements unwrapped out of the switch move left; when that would re-indent more
        // than a few lines, they stay where they are, in a block at the switch's column. A case
        // that is one block statement keeps (or drops) its own braces.
        let splice_all =
            |inner: &str, keep_block: bool| -> Option<(Vec<String>, Needs, bool, usize)> {
                let mut needs = Needs::default();
                let mut parts = Vec::new();
                let mut terminates = false;
                let mut used = 0;
                for (from, st) in &chosen {
                    let st_start = range(st.span()).start;
                    parts.extend(own_line_comments(self.src, *from..st_start).map(str::to_string));
                    let (text, n, t) = self.splice(st, m, inner, keep_block)?;
                    needs |= n;
                    terminates |= t;
                    used += 1;
                    if !text.is_empty() {
                        parts.push(text);
                    }
                    if t {
                        break;
                    }
                }
                Some((parts, needs, terminates, used))
            };
        let (mut parts, mut needs, mut terminates, used) = splice_all(target, false)?;
        let lone_block = used == 1 && matches!(chosen.first(), Some((_, Stmt::Block(_))));
        if lone_block {
            (parts, needs, terminates, _) = splice_all(target, true)?;
        }
        // The lines of the statements that run (up to the one that ends the function).
        let lines = chosen
            .first()
            .zip(chosen.get(used.max(1) - 1))
            .map_or(0, |((_, a), (_, b))| {
                reindented(&self.src[range(a.span()).start..range(b.span()).end])
            });
        let first_at = chosen
            .first()
            .map_or(r.start, |(_, s)| range(s.span()).start);
        let as_block =
            !lone_block && self.reindent_width(first_at, target) > 0 && lines > MAX_REINDENTED;
        let inner = if as_block {
            let inner = indent_of_line(self.src, first_at);
            (parts, needs, terminates, _) = splice_all(inner, false)?;
            inner
        } else {
            target
        };
        let sep = format!("\n{inner}");
        let text = parts.join(&sep);
        let text = if as_block && !text.is_empty() {
            ["{", &sep, &text, "\n", target, "}"].concat()
        } else {
            text
        };
        Some(self.replacement(r, text, needs, terminates, false))
    }
}

/// The comments in `src[gap]` (a stretch of `case` labels, blanks and comments) that start after
/// its first line break: a comment on the line where the gap starts ends the code before it.
fn own_line_comments(src: &str, gap: Range<usize>) -> impl Iterator<Item = &str> {
    let text = &src[gap];
    let first_break = text.find('\n').unwrap_or(text.len());
    crate::text::comment_ranges(text)
        .into_iter()
        .filter(move |c| c.start > first_break)
        .map(move |c| &text[c])
}

/// Unwrapping a branch re-indents at most this many lines; a longer branch keeps its block.
/// Short branches read better unwrapped, and their diff is small either way.
const MAX_REINDENTED: usize = 3;

/// The lines after the first of `text` that hold code or comments (the lines re-indenting
/// would change).
fn reindented(text: &str) -> usize {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count()
}

/// The body of a loop or labeled statement.
fn loop_body(s: &Stmt) -> Option<&Stmt> {
    Some(match s {
        Stmt::Labeled(l) => &l.body,
        Stmt::While(w) => &w.body,
        Stmt::DoWhile(w) => &w.body,
        Stmt::For(f) => &f.body,
        Stmt::ForIn(f) => &f.body,
        Stmt::ForOf(f) => &f.body,
        _ => return None,
    })
}

/// True when `s` holds a `break` that would leave an enclosing `switch` (not one inside a nested
/// loop or switch, nor a labeled one).
fn contains_switch_break(s: &Stmt, removed: &HashSet<usize>) -> bool {
    let any = |stmts: &[Stmt]| stmts.iter().any(|s| contains_switch_break(s, removed));
    match s {
        Stmt::Break(b) => b.label.is_none() && !removed.contains(&range(b.span).start),
        Stmt::Block(b) => any(&b.stmts),
        Stmt::If(i) => {
            contains_switch_break(&i.cons, removed)
                || i.alt
                    .as_deref()
                    .is_some_and(|a| contains_switch_break(a, removed))
        }
        Stmt::Try(t) => {
            any(&t.block.stmts)
                || t.handler.as_ref().is_some_and(|h| any(&h.body.stmts))
                || t.finalizer.as_ref().is_some_and(|f| any(&f.stmts))
        }
        Stmt::Labeled(l) => contains_switch_break(&l.body, removed),
        _ => false,
    }
}

/// For each of [`METHODS`], the index of the method whose specialized body it shares (its own
/// index when it has its own).
///
/// [`Specializer::body_for`] sees the method only as a string (`req.method`, an alias, their
/// upper or lower case) compared with strings of the handler: its literals (tests, `case`s,
/// array items) and the `const` allow-lists. A method that none of those strings spells,
/// ignoring ASCII case, compares unequal with each of them, so all such methods get the same
/// body: it is specialized once. A literal whose value spells a method, in a body without
/// backslashes, stands in `body_text` as that word between two equal quotes. A body with a
/// backslash (an escape could spell a method) or a non-ASCII character (`'\u{fb06}'`, the `st`
/// ligature, upper-cases to `'ST'`) shares nothing.
pub fn shared_bodies(body_text: &str, const_arrays: &HashMap<String, Vec<String>>) -> [usize; 7] {
    let mut shared = [0, 1, 2, 3, 4, 5, 6];
    let arrays = || const_arrays.values().flatten();
    if !body_text.is_ascii() || body_text.contains('\\') || arrays().any(|v| !v.is_ascii()) {
        return shared;
    }
    let mut spelled = [false; 7];
    let mut mark = |word: &str| {
        if let Some(k) = METHODS.iter().position(|m| m.eq_ignore_ascii_case(word)) {
            spelled[k] = true;
        }
    };
    // Each quote, and the word after it when the same quote closes it.
    let bytes = body_text.as_bytes();
    for at in memchr::memchr3_iter(b'\'', b'"', b'`', bytes) {
        let rest = &bytes[at + 1..];
        let len = rest
            .iter()
            .take(8)
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        if (3..=7).contains(&len) && rest.get(len) == Some(&bytes[at]) {
            mark(&body_text[at + 1..at + 1 + len]);
        }
    }
    arrays().for_each(|v| mark(v));
    let mut first_unspelled = None;
    for k in 0..METHODS.len() {
        if !spelled[k] {
            match first_unspelled {
                None => first_unspelled = Some(k),
                Some(f) => shared[k] = f,
            }
        }
    }
    shared
}

/// Module-level and handler-level `const NAME = ['A', 'B']` arrays of strings.
pub fn const_string_arrays(module: &Module, body: &[Stmt]) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    let stmts = module
        .body
        .iter()
        .filter_map(|i| match i {
            ModuleItem::Stmt(s) => Some(s),
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(_)) => None,
            _ => None,
        })
        .chain(body.iter());
    for s in stmts {
        let Stmt::Decl(Decl::Var(v)) = s else {
            continue;
        };
        if v.kind != VarDeclKind::Const {
            continue;
        }
        for d in &v.decls {
            let (Pat::Ident(b), Some(init)) = (&d.name, &d.init) else {
                continue;
            };
            if let Expr::Array(a) = unwrap_expr(init) {
                if let Some(items) = string_array_literal(a) {
                    out.insert(b.id.sym.to_string(), items);
                }
            }
        }
    }
    out
}

/// Ranges of template literals that span lines, inside `within` (the handler's body: the only
/// text the specializer re-indents).
pub fn multiline_templates(module: &Module, src: &str, within: Range<usize>) -> Vec<Range<usize>> {
    use swc_ecma_visit::{Visit, VisitWith};
    struct V<'s>(Vec<Range<usize>>, &'s str);
    impl Visit for V<'_> {
        fn visit_tpl(&mut self, t: &Tpl) {
            let r = range(t.span);
            if self.1.get(r.clone()).is_some_and(|s| s.contains('\n')) {
                self.0.push(r);
            }
            t.visit_children_with(self);
        }
    }
    let mut v = V(Vec::new(), src);
    // Only the items that hold part of `within`, and only when it has a backtick.
    if src.get(within.clone()).is_none_or(|t| t.contains('`')) {
        for item in &module.body {
            let r = range(swc_common::Spanned::span(item));
            if r.start < within.end && within.start < r.end {
                item.visit_with(&mut v);
            }
        }
    }
    v.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_module;
    use crate::route_path::Lang;

    /// Each method's body, specialized one by one, and [`shared_bodies`] for the handler in `src`
    /// (a module whose default export is `function handler(req, res) { ... }`).
    fn bodies(src: &str) -> (Vec<Option<(String, Needs)>>, [usize; 7]) {
        bodies_with(src, false)
    }

    /// [`bodies`], the multi-line templates of the handler protected from re-indenting when
    /// `protect` is set.
    fn bodies_with(src: &str, protect: bool) -> (Vec<Option<(String, Needs)>>, [usize; 7]) {
        let module = parse_module(src, Lang::Ts).expect("test source parses");
        let body = module
            .body
            .iter()
            .find_map(|i| match i {
                ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultDecl(d)) => match &d.decl {
                    DefaultDecl::Fn(f) => f.function.body.as_ref(),
                    _ => None,
                },
                _ => None,
            })
            .expect("a default-exported handler");
        let edits = EditSet::new();
        let (returning, removed) = (HashSet::new(), HashSet::new());
        let aliases = [("method".to_string(), MethodCase::Lower)];
        let r = range(body.span);
        let inner = r.start + 1..r.end - 1;
        let protected = if protect {
            multiline_templates(&module, src, inner.clone())
        } else {
            Vec::new()
        };
        let specializer = Specializer {
            src,
            edits: &edits,
            req: Some("req"),
            aliases: &aliases,
            returning: &returning,
            removed: &removed,
            const_arrays: const_string_arrays(&module, &body.stmts),
            protected,
        };
        let each = METHODS
            .iter()
            .map(|m| specializer.body_for(&body.stmts, inner.clone(), m))
            .collect();
        let shared = shared_bodies(&src[inner], &specializer.const_arrays);
        (each, shared)
    }

    /// Bodies where a method is spelled by an escape, or by a character whose upper case is ASCII.
    const ESCAPED: &str = "  if (req.method === '\\x47ET') return res.json(1)\n  res.end()";
    const LIGATURE: &str =
        "  if (req.method === 'PO\u{fb06}'.toUpperCase()) return res.json(1)\n  res.end()";

    fn handler(body: &str) -> String {
        format!("const ALLOWED = ['DELETE', 'patch']\nexport default function handler(req, res) {{\n{body}\n}}\n")
    }

    #[test]
    fn methods_the_handler_never_spells_share_one_body() {
        // (body, the expected sharing: GET HEAD POST PUT PATCH DELETE OPTIONS); the module's
        // ALLOWED array spells PATCH and DELETE in every case.
        let cases = [
            (
                "  if (req.method === 'GET') { res.json(1) }\n  else if (req.method === \"POST\") { res.json(2) }\n  else { res.setHeader('x-head', 'target'); res.status(405).end() }",
                [0, 1, 2, 1, 4, 5, 1],
            ),
            (
                "  switch (method) {\n    case 'put': return res.json(1)\n    case `options`: return res.end()\n  }\n  res.json(0)",
                [0, 0, 0, 3, 4, 5, 6],
            ),
            (
                "  if (!['GET', 'HEAD'].includes(req.method.toUpperCase())) return res.status(405).end()\n  res.json(1)",
                [0, 1, 2, 2, 4, 5, 2],
            ),
            (
                "  if (ALLOWED.includes(req.method)) return res.json(1)\n  res.status(405).end()",
                [0, 0, 0, 0, 4, 5, 0],
            ),
            // An escape or a non-ASCII character could spell a method: nothing is shared.
            (ESCAPED, [0, 1, 2, 3, 4, 5, 6]),
            (LIGATURE, [0, 1, 2, 3, 4, 5, 6]),
        ];
        for (body, want) in cases {
            let src = handler(body);
            let (each, shared) = bodies(&src);
            assert_eq!(shared, want, "{body}");
            for (k, s) in shared.iter().enumerate() {
                assert_eq!(
                    each[k], each[*s],
                    "{} and {} in {body}",
                    METHODS[k], METHODS[*s]
                );
            }
        }
    }

    #[test]
    fn an_escaped_or_case_mapped_method_is_told_apart() {
        // Why the two bail-outs above are needed: these bodies do differ by method.
        for body in [ESCAPED, LIGATURE] {
            let (each, _) = bodies(&handler(body));
            let distinct: HashSet<_> = each.iter().map(|b| b.as_ref().map(|x| &x.0)).collect();
            assert_eq!(distinct.len(), 2, "{body}");
        }
    }

    #[test]
    fn a_spliced_branch_keeps_the_lines_of_its_multi_line_templates() {
        // The GET branch moves out of its `if` (two spaces less indentation); the template's
        // second line is data and keeps its spaces. A template outside the handler is not
        // looked at.
        let src = "const other = `x\n    y`\nexport default function handler(req, res) {\n  if (req.method === 'GET') {\n    const t = `a\n      b`\n    return res.send(t)\n  }\n  res.end()\n}\n";
        let (kept, _) = bodies_with(src, true);
        let get = kept[0].as_ref().map(|b| b.0.clone()).unwrap_or_default();
        assert!(
            get.contains("  const t = `a\n      b`\n  return res.send(t)"),
            "{get:?}"
        );
        let (dedented, _) = bodies_with(src, false);
        let get = dedented[0]
            .as_ref()
            .map(|b| b.0.clone())
            .unwrap_or_default();
        assert!(get.contains("`a\n    b`"), "{get:?}");
        let module = parse_module(src, Lang::Ts).expect("parses");
        let body = src.find("{\n  if").unwrap_or(0) + 1..src.len() - 2;
        assert_eq!(multiline_templates(&module, src, body).len(), 1);
    }
}
