//! Module specifier resolution as TypeScript and Next do it for an app's own files: relative
//! paths, `paths` and `baseUrl` aliases, extension-less specifiers, `index` files, and `.js`
//! written for a `.ts` file. Packages (bare specifiers no alias matches) are not the app's
//! files and resolve to nothing.

use super::path::{dir_of, join, normalize};
use super::tsconfig::Aliases;

/// Extensions tried for an extension-less specifier, in TypeScript's order.
pub const SOURCE_EXTENSIONS: &[&str] =
    &["ts", "tsx", "d.ts", "js", "jsx", "mjs", "cjs", "mts", "cts"];

/// What a specifier refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A file of the app (relative to the run root).
    File(String),
    /// One of the app's own paths (relative, or an alias) that names no file: the base path
    /// tried (`lib/missing`).
    Missing(String),
    /// A package, or an alias that falls back to one.
    External,
}

/// Resolves `spec`, written in `from` (a file relative to the run root), with `is_file`
/// answering whether a path (relative to the run root) is a file.
pub fn resolve(
    spec: &str,
    from: &str,
    aliases: &Aliases,
    is_file: &dyn Fn(&str) -> bool,
) -> Target {
    if spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == ".." {
        let base = normalize(&join(dir_of(from), spec));
        return match try_file(&base, is_file) {
            Some(f) => Target::File(f),
            None => Target::Missing(base),
        };
    }
    if spec.starts_with('/') || spec.contains(':') {
        return Target::External;
    }
    // `paths`: the longest prefix before `*` wins (TypeScript's rule), exact patterns first.
    let mut best: Option<(usize, &str, &Vec<String>)> = None;
    for (pattern, targets) in &aliases.paths {
        let matched = match pattern.split_once('*') {
            None => (pattern == spec).then_some(("", usize::MAX)),
            Some((pre, post)) => (spec.len() >= pre.len() + post.len()
                && spec.starts_with(pre)
                && spec.ends_with(post))
            .then(|| (&spec[pre.len()..spec.len() - post.len()], pre.len())),
        };
        if let Some((star, len)) = matched {
            if best.is_none_or(|(l, ..)| len > l) {
                best = Some((len, star, targets));
            }
        }
    }
    if let Some((_, star, targets)) = best {
        let mut first = None;
        for t in targets {
            let base = normalize(&t.replacen('*', star, 1));
            if let Some(f) = try_file(&base, is_file) {
                return Target::File(f);
            }
            first.get_or_insert(base);
        }
        return first.map_or(Target::External, Target::Missing);
    }
    if let Some(base_url) = &aliases.base_url {
        if let Some(f) = try_file(&normalize(&join(base_url, spec)), is_file) {
            return Target::File(f);
        }
    }
    Target::External
}

/// The file a base path names: itself with a source extension, `.js` for `.ts`, the base plus
/// an extension, its `index` file, or itself with any other extension (`.json`, `.css`).
fn try_file(base: &str, is_file: &dyn Fn(&str) -> bool) -> Option<String> {
    let name = base.rsplit('/').next().unwrap_or(base);
    let ext = name.rsplit_once('.').map(|(_, e)| e);
    if ext.is_some_and(|e| SOURCE_EXTENSIONS.contains(&e)) && is_file(base) {
        return Some(base.to_string());
    }
    // `./x.js` written for `x.ts` (TypeScript's ESM style), `.jsx` for `.tsx`, `.mjs` for `.mts`.
    let swaps: &[(&str, &[&str])] = &[
        ("js", &["ts", "tsx"]),
        ("jsx", &["tsx"]),
        ("mjs", &["mts"]),
        ("cjs", &["cts"]),
    ];
    if let Some((from, tos)) = swaps.iter().find(|(f, _)| Some(*f) == ext) {
        let stem = &base[..base.len() - from.len()];
        for to in *tos {
            let p = format!("{stem}{to}");
            if is_file(&p) {
                return Some(p);
            }
        }
    }
    for e in SOURCE_EXTENSIONS {
        let p = format!("{base}.{e}");
        if is_file(&p) {
            return Some(p);
        }
    }
    for e in SOURCE_EXTENSIONS {
        let p = join(base, &format!("index.{e}"));
        if is_file(&p) {
            return Some(p);
        }
    }
    (ext.is_some() && is_file(base)).then(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[&str]) -> impl Fn(&str) -> bool {
        let set: std::collections::HashSet<String> = list.iter().map(|s| s.to_string()).collect();
        move |p: &str| set.contains(p)
    }

    #[test]
    fn relative_extensionless_index_and_js_for_ts() {
        let f = files(&[
            "pages/api/a.ts",
            "pages/api/users/index.ts",
            "lib/x.tsx",
            "lib/data.json",
            "lib/both.ts",
            "lib/both/index.ts",
        ]);
        let none = Aliases::default();
        let r = |s: &str, from: &str| resolve(s, from, &none, &f);
        assert_eq!(
            r("../pages/api/a", "lib/use.ts"),
            Target::File("pages/api/a.ts".into())
        );
        assert_eq!(
            r("./a.js", "pages/api/b.ts"),
            Target::File("pages/api/a.ts".into())
        );
        assert_eq!(
            r("./users", "pages/api/b.ts"),
            Target::File("pages/api/users/index.ts".into())
        );
        assert_eq!(
            r("../../lib/x.js", "pages/api/b.ts"),
            Target::File("lib/x.tsx".into())
        );
        assert_eq!(
            r("./data.json", "lib/y.ts"),
            Target::File("lib/data.json".into())
        );
        assert_eq!(r("./both", "lib/y.ts"), Target::File("lib/both.ts".into()));
        assert_eq!(r("./gone", "lib/y.ts"), Target::Missing("lib/gone".into()));
        assert_eq!(r("next/server", "lib/y.ts"), Target::External);
    }

    #[test]
    fn paths_and_base_url() {
        let f = files(&[
            "apps/web/src/lib/auth.ts",
            "apps/web/src/pages/api/a.ts",
            "apps/web/types.ts",
        ]);
        let aliases = Aliases {
            base_url: Some("apps/web".into()),
            paths: vec![
                ("@/*".into(), vec!["apps/web/src/*".into()]),
                (
                    "@/lib/*".into(),
                    vec!["apps/web/nowhere/*".into(), "apps/web/src/lib/*".into()],
                ),
                ("~types".into(), vec!["apps/web/types".into()]),
            ],
        };
        let r = |s: &str| resolve(s, "apps/web/src/x.ts", &aliases, &f);
        assert_eq!(
            r("@/pages/api/a"),
            Target::File("apps/web/src/pages/api/a.ts".into())
        );
        // The longest prefix wins; its targets are tried in order.
        assert_eq!(
            r("@/lib/auth"),
            Target::File("apps/web/src/lib/auth.ts".into())
        );
        assert_eq!(r("~types"), Target::File("apps/web/types.ts".into()));
        assert_eq!(r("types"), Target::File("apps/web/types.ts".into()));
        assert_eq!(
            r("@/nothing"),
            Target::Missing("apps/web/src/nothing".into())
        );
        assert_eq!(r("react"), Target::External);
    }
}
