//! `export const config`: what each Pages option becomes in a Route Handler.
//!
//! `maxDuration` and `runtime` become segment exports; `api.bodyParser` decides how the body is
//! read (`false`: raw reads; `sizeLimit`: kept by the body helper, with its 413);
//! `responseLimit` and `externalResolver` have no equivalent and are dropped with a warning.

use swc_common::Spanned;
use swc_ecma_ast::*;

use super::ast_util::{key_name, static_string, unwrap_expr};
use super::usage::BodyMode;
use crate::diagnostics::{Code, Diagnostic};
use crate::edit::{Edit, Needs};
use crate::parse::range;

pub struct RouteConfig {
    pub body_mode: BodyMode,
    /// Segment config exports, as (name, value), in source order.
    pub segment_exports: Vec<(String, Expr)>,
    /// The source range of the config property each segment export comes from.
    pub export_props: Vec<std::ops::Range<usize>>,
    pub notes: Vec<Diagnostic>,
}

impl Default for RouteConfig {
    fn default() -> Self {
        RouteConfig {
            body_mode: BodyMode::Parsed { size_limit: None },
            segment_exports: Vec::new(),
            export_props: Vec::new(),
            notes: Vec::new(),
        }
    }
}

fn props(e: &Expr) -> Option<Vec<(String, &Expr, usize)>> {
    let Expr::Object(o) = unwrap_expr(e) else {
        return None;
    };
    o.props
        .iter()
        .map(|p| match p {
            PropOrSpread::Prop(p) => match &**p {
                Prop::KeyValue(kv) => {
                    key_name(&kv.key).map(|k| (k, &*kv.value, range(kv.span()).start))
                }
                _ => None,
            },
            PropOrSpread::Spread(_) => None,
        })
        .collect()
}

/// Reads the config object. Errors make the file manual.
pub fn read_config(value: &Expr, src: &str) -> Result<RouteConfig, Diagnostic> {
    let at = |msg: String, off: usize| Diagnostic::at(Code::UnsupportedConfig, msg, src, off);
    let start = range(value.span()).start;
    let top = props(value).ok_or_else(|| at("`config` is not a literal object".into(), start))?;
    let mut cfg = RouteConfig::default();
    for (key, v, off) in top {
        let value = v.clone();
        let exports_before = cfg.segment_exports.len();
        match key.as_str() {
            "api" => {
                let api = props(v).ok_or_else(|| at("`config.api` is not a literal object".into(), off))?;
                for (k, av, aoff) in api {
                    match k.as_str() {
                        "bodyParser" => match unwrap_expr(av) {
                            Expr::Lit(Lit::Bool(b)) if !b.value => cfg.body_mode = BodyMode::Raw,
                            Expr::Lit(Lit::Bool(_)) => {}
                            Expr::Object(_) => {
                                for (bk, bv, boff) in props(av).ok_or_else(|| at("`bodyParser` is not a literal object".into(), aoff))? {
                                    match bk.as_str() {
                                        "sizeLimit" => {
                                            let ok = static_string(bv).is_some() || matches!(unwrap_expr(bv), Expr::Lit(Lit::Num(_)));
                                            if !ok {
                                                return Err(at("`sizeLimit` is not a literal".into(), boff));
                                            }
                                            cfg.body_mode = BodyMode::Parsed { size_limit: Some(src[range(bv.span())].to_string()) };
                                        }
                                        other => return Err(at(format!("unknown `bodyParser.{other}`"), boff)),
                                    }
                                }
                            }
                            _ => return Err(at("`bodyParser` is not a literal".into(), aoff)),
                        },
                        "responseLimit" => cfg.notes.push(Diagnostic::at(
                            Code::ResponseLimitDropped,
                            "`responseLimit` is dropped: Route Handlers have no response size warning",
                            src,
                            aoff,
                        )),
                        "externalResolver" => cfg.notes.push(Diagnostic::at(
                            Code::ExternalResolverDropped,
                            "`externalResolver` is dropped: it only silenced a dev-mode warning about unresolved requests",
                            src,
                            aoff,
                        )),
                        other => return Err(at(format!("unknown `config.api.{other}`"), aoff)),
                    }
                }
            }
            "maxDuration" => {
                if !matches!(unwrap_expr(v), Expr::Lit(Lit::Num(_))) {
                    return Err(at("`maxDuration` is not a number literal".into(), off));
                }
                cfg.segment_exports.push(("maxDuration".into(), value));
            }
            "runtime" => match static_string(v).as_deref() {
                Some("nodejs") => cfg.segment_exports.push(("runtime".into(), value)),
                Some("edge" | "experimental-edge") => {
                    return Err(Diagnostic::at(
                        Code::EdgeRuntimeHandler,
                        "an edge-runtime API route: its handler takes a Request and its params come from the query string; port it by hand (export const runtime = 'edge', read params from ctx.params)",
                        src,
                        off,
                    ))
                }
                _ => return Err(at("`runtime` is not a known literal".into(), off)),
            },
            "regions" => cfg.segment_exports.push(("preferredRegion".into(), value)),
            other => return Err(at(format!("unknown `config.{other}`"), off)),
        }
        if cfg.segment_exports.len() > exports_before {
            cfg.export_props.push(off..range(v.span()).end);
        }
    }
    Ok(cfg)
}

/// The edit that turns the `export const config = ...` item at `item` into the route's segment
/// exports (`export const maxDuration = 5`, one per line), or removes it when nothing is left;
/// shared by the rewrite and the adapter migration. The comments inside the config stay: those
/// above or after a property that becomes an export go with that export, the others (of the
/// options that are dropped) stand above the exports, a blank line apart, or in the config's
/// place.
pub fn segment_exports_edit(
    src: &str,
    item: std::ops::Range<usize>,
    cfg: &RouteConfig,
    semi: &str,
    nl: &str,
) -> Edit {
    let comments: Vec<std::ops::Range<usize>> = crate::text::comment_ranges(&src[item.clone()])
        .into_iter()
        .map(|c| item.start + c.start..item.start + c.end)
        .collect();
    let leads = |c: &std::ops::Range<usize>, p: &std::ops::Range<usize>| {
        c.end <= p.start && crate::text::skip_trivia(&src[c.end..p.start]) == Some("")
    };
    let trails = |c: &std::ops::Range<usize>, p: &std::ops::Range<usize>| {
        c.start >= p.end && {
            let between = &src[p.end..c.start];
            !between.contains('\n') && between.trim().trim_start_matches(',').trim().is_empty()
        }
    };
    let owner = |c: &std::ops::Range<usize>| {
        cfg.export_props
            .iter()
            .position(|p| leads(c, p) || trails(c, p))
    };
    let mut lines: Vec<String> = comments
        .iter()
        .filter(|c| owner(c).is_none())
        .map(|c| src[c.clone()].to_string())
        .collect();
    if !lines.is_empty() && !cfg.segment_exports.is_empty() {
        // Set apart: they are about the dropped options, not the first export.
        lines.push(String::new());
    }
    for (k, (name, value)) in cfg.segment_exports.iter().enumerate() {
        let mine = |c: &&std::ops::Range<usize>| owner(c) == Some(k);
        let prop = cfg.export_props.get(k);
        for c in comments.iter().filter(mine) {
            if prop.is_some_and(|p| leads(c, p)) {
                lines.push(src[c.clone()].to_string());
            }
        }
        let t = super::codegen::print_const_export(name, value.clone());
        let mut line = format!("{}{semi}", t.trim_end_matches(';'));
        for c in comments.iter().filter(mine) {
            if prop.is_some_and(|p| trails(c, p)) {
                line.push(' ');
                line.push_str(&src[c.clone()]);
            }
        }
        lines.push(line);
    }
    if lines.is_empty() {
        super::removal::removal(src, item)
    } else {
        Edit {
            range: item,
            text: lines.join(nl),
            needs: Needs::default(),
        }
    }
}
