//! Project conventions read from a Next.js app: where its root is (`next.config.*`, or a
//! `package.json` with a `next` dependency) and its `pageExtensions`, when `next.config.*` holds
//! them as a literal array. The config is parsed with swc, never run.

use std::path::Path;

use swc_ecma_ast::{Expr, Lit, Prop, PropName};
use swc_ecma_visit::{Visit, VisitWith};

use crate::parse::parse_module;
use crate::route_path::Lang;

/// The config file names Next looks for, in its order.
pub const CONFIG_FILES: &[&str] = &[
    "next.config.js",
    "next.config.mjs",
    "next.config.ts",
    "next.config.cjs",
    "next.config.mts",
];

/// The first `next.config.*` file in `dir`, if any (its file name).
pub fn config_file(dir: &Path) -> Option<&'static str> {
    CONFIG_FILES.iter().copied().find(|f| dir.join(f).is_file())
}

/// True when `dir` is a Next.js app root: it holds a `next.config.*`, or a `package.json` that
/// depends on `next`.
pub fn is_app_root(dir: &Path) -> bool {
    config_file(dir).is_some() || package_depends_on_next(dir)
}

fn package_depends_on_next(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("package.json")) else {
        return false;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    ["dependencies", "devDependencies", "peerDependencies"]
        .iter()
        .any(|k| json.get(k).and_then(|d| d.get("next")).is_some())
}

/// What the config says about `pageExtensions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageExtensions {
    /// Not set (or no config): Next's defaults apply.
    Default,
    /// A literal array, entries without a leading dot (`["page.ts", "api.ts"]`).
    Custom(Vec<String>),
    /// Set, but not in a form the tool can read without running the config; the message says why.
    Unreadable(String),
}

/// Reads `pageExtensions` from the `next.config.*` in `dir`. Returns the config's file name with
/// the finding; `None` when there is no config file.
pub fn page_extensions(dir: &Path) -> Option<(&'static str, PageExtensions)> {
    let file = config_file(dir)?;
    let found = match crate::source::read_source(&dir.join(file)) {
        Ok(src) => page_extensions_in(&src, file),
        Err(e) => PageExtensions::Unreadable(e),
    };
    Some((file, found))
}

/// Reads `pageExtensions` from the text of a config file named `file`.
pub fn page_extensions_in(src: &str, file: &str) -> PageExtensions {
    let lang = if file.ends_with(".ts") || file.ends_with(".mts") {
        Lang::Ts
    } else {
        Lang::Js
    };
    // Parsed on whatever thread discovery runs on: refuse what could overflow a main-thread stack.
    if crate::depth_guard::estimate(src).score > crate::depth_guard::limit_for_stack(8 << 20) {
        return PageExtensions::Unreadable("it nests too deeply to be parsed safely".into());
    }
    let module = match parse_module(src, lang) {
        Ok(m) => m,
        Err(e) => {
            let (line, col) = crate::text::line_col(src, e.offset);
            return PageExtensions::Unreadable(format!(
                "it does not parse ({line}:{col}: {})",
                e.message
            ));
        }
    };
    let mut finder = Finder::default();
    module.visit_with(&mut finder);
    let mut values = finder.found.into_iter();
    let Some(first) = values.next() else {
        return PageExtensions::Default;
    };
    let first = match first {
        Some(v) => v,
        None => {
            return PageExtensions::Unreadable(
                "`pageExtensions` is not a literal array of strings".into(),
            )
        }
    };
    for other in values {
        if other.as_ref() != Some(&first) {
            return PageExtensions::Unreadable(
                "`pageExtensions` is set more than once, to different values".into(),
            );
        }
    }
    if first.is_empty() {
        return PageExtensions::Unreadable("`pageExtensions` is empty".into());
    }
    PageExtensions::Custom(first)
}

/// Every `pageExtensions` property in the file: `Some(list)` for a literal array of strings,
/// `None` for anything else.
#[derive(Default)]
struct Finder {
    found: Vec<Option<Vec<String>>>,
}

impl Visit for Finder {
    fn visit_prop(&mut self, p: &Prop) {
        match p {
            Prop::KeyValue(kv) if is_key(&kv.key) => self.found.push(literal_list(&kv.value)),
            Prop::Shorthand(i) if i.sym == *"pageExtensions" => self.found.push(None),
            _ => {}
        }
        p.visit_children_with(self);
    }
}

fn is_key(k: &PropName) -> bool {
    match k {
        PropName::Ident(i) => i.sym == *"pageExtensions",
        PropName::Str(s) => &*s.value.to_atom_lossy() == "pageExtensions",
        _ => false,
    }
}

fn unwrap(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Paren(p) => &p.expr,
            Expr::TsAs(a) => &a.expr,
            Expr::TsConstAssertion(a) => &a.expr,
            Expr::TsSatisfies(s) => &s.expr,
            Expr::TsTypeAssertion(a) => &a.expr,
            _ => return e,
        }
    }
}

fn literal_list(e: &Expr) -> Option<Vec<String>> {
    let Expr::Array(a) = unwrap(e) else {
        return None;
    };
    let mut out = Vec::new();
    for el in &a.elems {
        let el = el.as_ref()?;
        if el.spread.is_some() {
            return None;
        }
        let s = match unwrap(&el.expr) {
            Expr::Lit(Lit::Str(s)) => s.value.to_atom_lossy().to_string(),
            Expr::Tpl(t) if t.exprs.is_empty() && t.quasis.len() == 1 => {
                t.quasis[0].raw.to_string()
            }
            _ => return None,
        };
        let s = s.trim().trim_start_matches('.').to_string();
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(src: &str) -> PageExtensions {
        page_extensions_in(src, "next.config.js")
    }

    #[test]
    fn literal_arrays_in_the_usual_shapes() {
        let want = PageExtensions::Custom(vec!["page.ts".into(), "api.ts".into()]);
        assert_eq!(
            read(
                "module.exports = { reactStrictMode: true, pageExtensions: ['page.ts', 'api.ts'] }"
            ),
            want
        );
        assert_eq!(read("const nextConfig = { pageExtensions: [\"page.ts\", `api.ts`] };\nmodule.exports = withMDX(nextConfig);"), want);
        assert_eq!(
            read("export default { 'pageExtensions': ['.page.ts', 'api.ts', 'api.ts'] }"),
            want
        );
        let ts = "import type { NextConfig } from 'next';\nconst c: NextConfig = { pageExtensions: ['page.ts', 'api.ts'] as string[] } satisfies NextConfig;\nexport default c;";
        assert_eq!(page_extensions_in(ts, "next.config.ts"), want);
    }

    #[test]
    fn absent_or_unreadable() {
        assert_eq!(
            read("module.exports = { reactStrictMode: true }"),
            PageExtensions::Default
        );
        assert!(matches!(
            read("module.exports = { pageExtensions: exts }"),
            PageExtensions::Unreadable(_)
        ));
        assert!(matches!(
            read("module.exports = { pageExtensions: [...base, 'mdx'] }"),
            PageExtensions::Unreadable(_)
        ));
        assert!(matches!(
            read("const pageExtensions = ['ts']; module.exports = { pageExtensions }"),
            PageExtensions::Unreadable(_)
        ));
        assert!(matches!(
            read("module.exports = {"),
            PageExtensions::Unreadable(_)
        ));
        assert!(matches!(
            read("a = { pageExtensions: ['ts'] }; b = { pageExtensions: ['js'] }"),
            PageExtensions::Unreadable(_)
        ));
    }
}
