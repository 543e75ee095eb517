//! `export const config`: what each Pages option becomes in a Route Handler.
//!
//! `maxDuration` and `runtime` become segment exports; `api.bodyParser` decides how the body is
//! read (`false`: raw reads; `sizeLimit`: kept by the body helper, with its 413);
//! `responseLimit` and `externalResolver` have no equivalent and are dropped with a warning.

use swc_common::Spanned;
use swc_ecma_ast::*;

use super::ast_util::{static_string, unwrap_expr};
use super::usage::BodyMode;
use crate::diagnostics::{Code, Diagnostic};
use crate::edit::{Edit, Needs};
use crate::parse::range;

pub struct RouteConfig {
    pub body_mode: BodyMode,
    /// Segment config exports, as (name, value), in source order.
    pub segment_exports: Vec<(String, Expr)>,
    pub notes: Vec<Diagnostic>,
}

impl Default for RouteConfig {
    fn default() -> Self {
        RouteConfig {
            body_mode: BodyMode::Parsed { size_limit: None },
            segment_exports: Vec::new(),
            notes: Vec::new(),
        }
    }
}

fn key_name(k: &PropName) -> Option<String> {
    match k {
        PropName::Ident(i) => Some(i.sym.to_string()),
        PropName::Str(s) => Some(s.value.to_atom_lossy().to_string()),
        _ => None,
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
    }
    Ok(cfg)
}

/// The edit that turns the `export const config = ...` item at `item` into the route's segment
/// exports (`export const maxDuration = 5`, one per line), or removes it when nothing is left;
/// shared by the rewrite and the adapter migration.
pub fn segment_exports_edit(
    src: &str,
    item: std::ops::Range<usize>,
    cfg: &RouteConfig,
    semi: &str,
    nl: &str,
) -> Edit {
    let exports: Vec<String> = cfg
        .segment_exports
        .iter()
        .map(|(name, value)| {
            let t = super::codegen::print_const_export(name, value.clone());
            format!("{}{semi}", t.trim_end_matches(';'))
        })
        .collect();
    if exports.is_empty() {
        super::removal::removal(src, item)
    } else {
        Edit {
            range: item,
            text: exports.join(nl),
            needs: Needs::default(),
        }
    }
}
