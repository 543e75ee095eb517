//! Parsing with swc. Offsets: the source is parsed from `BytePos(1)` (0 is swc's dummy position),
//! so a span's byte range in the text is `lo - 1 .. hi - 1`. No `SourceMap` is built: a route is
//! parsed from its text alone, which keeps parsing cheap and per-file.

use std::ops::Range;

use swc_common::{BytePos, Span, Spanned};
use swc_ecma_ast::{EsVersion, Module};
use swc_ecma_parser::{EsSyntax, Parser, StringInput, Syntax, TsSyntax};

use crate::route_path::Lang;

/// A syntax error: message and byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub offset: usize,
}

pub fn syntax_for(lang: Lang) -> Syntax {
    match lang {
        Lang::Ts => Syntax::Typescript(TsSyntax {
            tsx: false,
            decorators: true,
            ..Default::default()
        }),
        Lang::Tsx => Syntax::Typescript(TsSyntax {
            tsx: true,
            decorators: true,
            ..Default::default()
        }),
        Lang::Js => Syntax::Es(EsSyntax {
            jsx: true,
            decorators: true,
            ..Default::default()
        }),
    }
}

/// Parses `src` as an ES module. Recoverable errors count as errors: a file the parser had to
/// guess about is not rewritten. A panic inside the parser (swc has internal assertions that
/// malformed input can trip, e.g. `(a, b () => 1)` in a debug build) is a syntax error too.
pub fn parse_module(src: &str, lang: Lang) -> Result<Module, SyntaxError> {
    if src.len() >= (u32::MAX - 1) as usize {
        return Err(SyntaxError {
            message: "the file is too large to parse".into(),
            offset: 0,
        });
    }
    std::panic::catch_unwind(|| parse_unguarded(src, lang)).unwrap_or_else(|_| {
        Err(SyntaxError {
            message: "the parser failed on this file (it is most likely malformed)".into(),
            offset: 0,
        })
    })
}

/// Parses `src[r]` as an ES module whose spans (and error offsets) are offsets into all of `src`:
/// `r` must start at a statement boundary (see `transform::reparse`).
pub fn parse_module_range(src: &str, r: Range<usize>, lang: Lang) -> Result<Module, SyntaxError> {
    if src.len() >= (u32::MAX - 1) as usize || src.get(r.clone()).is_none() {
        return Err(SyntaxError {
            message: "the file is too large to parse".into(),
            offset: 0,
        });
    }
    std::panic::catch_unwind(|| parse_unguarded_range(src, r, lang)).unwrap_or_else(|_| {
        Err(SyntaxError {
            message: "the parser failed on this file (it is most likely malformed)".into(),
            offset: 0,
        })
    })
}

fn parse_unguarded(src: &str, lang: Lang) -> Result<Module, SyntaxError> {
    parse_unguarded_range(src, 0..src.len(), lang)
}

fn parse_unguarded_range(src: &str, r: Range<usize>, lang: Lang) -> Result<Module, SyntaxError> {
    let input = StringInput::new(
        &src[r.clone()],
        BytePos(1 + r.start as u32),
        BytePos(1 + r.end as u32),
    );
    let mut parser = Parser::new(syntax_for(lang), input, None);
    let _ = EsVersion::latest();
    let module = parser
        .parse_module()
        .map_err(|e| to_error(src, e.span(), e.kind().msg().to_string()))?;
    if let Some(e) = parser.take_errors().into_iter().next() {
        return Err(to_error(src, e.span(), e.kind().msg().to_string()));
    }
    Ok(module)
}

fn to_error(src: &str, span: Span, message: String) -> SyntaxError {
    let offset = (span.lo.0.saturating_sub(1) as usize).min(src.len());
    SyntaxError { message, offset }
}

/// The byte range of `span` in the parsed text.
#[inline]
pub fn range(span: Span) -> Range<usize> {
    (span.lo.0.saturating_sub(1) as usize)..(span.hi.0.saturating_sub(1) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_map_to_byte_ranges() {
        let src = "export default function h(req, res) { res.json({ é: 1 }) }";
        let m = parse_module(src, Lang::Ts).unwrap();
        let r = range(m.body[0].span());
        assert_eq!(&src[r], src);
    }

    #[test]
    fn syntax_errors_carry_an_offset() {
        let e = parse_module("const a = ;", Lang::Js).unwrap_err();
        assert_eq!(e.offset, 10);
    }
}
