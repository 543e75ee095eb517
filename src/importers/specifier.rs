//! Writing a specifier for a moved module in the importer's own style: a relative specifier
//! stays relative, an alias (`@/pages/api/a`) stays an alias where one reaches the new file, a
//! `baseUrl` path stays one, and an extension written (`./a.js` for `a.ts`) is written again.

use crate::module_graph::path::{dir_of, normalize};
use crate::module_graph::{resolve, Aliases, Target, SOURCE_EXTENSIONS};
use crate::transform::relative;

/// A specifier that names `new_file` (relative to the run root, with its extension) from
/// `importer`, written the way `old` was. `is_file` answers for the files as they will be after
/// the run. Falls back to a relative specifier when the old style cannot reach the new file.
pub fn respecify(
    old: &str,
    importer: &str,
    new_file: &str,
    aliases: &Aliases,
    is_file: &dyn Fn(&str) -> bool,
) -> String {
    let stem = new_file.rsplit_once('.').map_or(new_file, |(s, _)| s);
    // An extension written stays written (`.js` for a `.ts` file, as TypeScript's ESM style).
    let written_ext = old
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, e)| e)
        .filter(|e| SOURCE_EXTENSIONS.contains(e));
    let with_ext = |s: String| match written_ext {
        Some(e) => format!("{s}.{e}"),
        None => s,
    };
    let reaches = |spec: &str| {
        resolve(spec, importer, aliases, is_file) == Target::File(new_file.to_string())
    };
    let relative_spec = || {
        let from: Vec<&str> = split(dir_of(importer));
        let to: Vec<&str> = split(stem);
        with_ext(relative(&from, &to, false))
    };
    if old.starts_with("./") || old.starts_with("../") {
        return relative_spec();
    }
    let base_url_spec = || {
        let base = aliases.base_url.as_ref()?;
        let prefix = if base.is_empty() {
            String::new()
        } else {
            format!("{base}/")
        };
        let spec = with_ext(stem.strip_prefix(prefix.as_str())?.to_string());
        reaches(&spec).then_some(spec)
    };
    // An alias: the pattern the old specifier used first, then the others; a `baseUrl` path
    // (no pattern matches it) first as a `baseUrl` path.
    let used = aliases
        .paths
        .iter()
        .filter(|(p, _)| {
            p.split_once('*')
                .is_some_and(|(pre, _)| old.starts_with(pre))
        })
        .max_by_key(|(p, _)| p.len());
    if used.is_none() {
        if let Some(spec) = base_url_spec() {
            return spec;
        }
    }
    let ordered = used.into_iter().chain(aliases.paths.iter());
    for (pattern, targets) in ordered {
        let Some((pre, post)) = pattern.split_once('*') else {
            continue;
        };
        for t in targets {
            let Some((tpre, tpost)) = t.split_once('*') else {
                continue;
            };
            let tpre = normalize(tpre);
            let tpre = if tpre.is_empty() || t.starts_with("./*") || t == "*" {
                String::new()
            } else if tpre.ends_with('/') {
                tpre
            } else {
                format!("{tpre}/")
            };
            let Some(middle) = stem.strip_prefix(tpre.as_str()) else {
                continue;
            };
            let Some(middle) = middle.strip_suffix(tpost) else {
                continue;
            };
            let spec = with_ext(format!("{pre}{middle}{post}"));
            if reaches(&spec) {
                return spec;
            }
        }
    }
    if let Some(spec) = base_url_spec() {
        return spec;
    }
    relative_spec()
}

fn split(p: &str) -> Vec<&str> {
    p.split('/').filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[&'static str]) -> impl Fn(&str) -> bool {
        let list = list.to_vec();
        move |p: &str| list.contains(&p)
    }

    #[test]
    fn keeps_the_importers_style() {
        let post = files(&["app/(api)/api/a/types.ts", "lib/use.ts"]);
        let aliases = Aliases {
            base_url: Some(String::new()),
            paths: vec![("@/*".into(), vec!["*".into()])],
        };
        let new = "app/(api)/api/a/types.ts";
        let r = |old: &str| respecify(old, "lib/use.ts", new, &aliases, &post);
        assert_eq!(r("../pages/api/a"), "../app/(api)/api/a/types");
        assert_eq!(r("../pages/api/a.js"), "../app/(api)/api/a/types.js");
        assert_eq!(r("@/pages/api/a"), "@/app/(api)/api/a/types");
        assert_eq!(r("pages/api/a"), "app/(api)/api/a/types");
    }

    #[test]
    fn an_alias_that_cannot_reach_the_new_file_becomes_relative() {
        let post = files(&["src/app/(api)/api/a/types.ts"]);
        let aliases = Aliases {
            base_url: None,
            paths: vec![("@api/*".into(), vec!["src/pages/api/*".into()])],
        };
        let got = respecify(
            "@api/a",
            "src/lib/use.ts",
            "src/app/(api)/api/a/types.ts",
            &aliases,
            &post,
        );
        assert_eq!(got, "../app/(api)/api/a/types");
    }
}
