//! Path mapping: where a `pages/api` file goes in `app/`, and which URL and params it serves.
//!
//! `pages/api/a.ts` and `pages/api/a/index.ts` both serve `/api/a`, so both map to
//! `app/<group>/api/a/route.ts` (a route group such as `(api)` does not change URLs, so the `api`
//! segment stays). Dynamic segments keep their folder names. A segment starting with `_` is a
//! private folder in the App Router, so it is written `%5F...` to stay public.

use crate::diagnostics::{Code, Diagnostic};

/// The kind of a dynamic route segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// `[id]`: a string.
    Single,
    /// `[...slug]`: a non-empty string array.
    CatchAll,
    /// `[[...slug]]`: an array, absent at the base path.
    OptionalCatchAll,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteParam {
    pub name: String,
    pub kind: ParamKind,
}

/// Where one source file goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteMapping {
    /// Target path relative to the run's root, `/`-separated.
    pub target: String,
    /// The URL path the route serves, e.g. `/api/users/[id]`.
    pub url: String,
    pub params: Vec<RouteParam>,
    pub notes: Vec<Diagnostic>,
}

/// The source language of a route file, which decides the target extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Ts,
    Tsx,
    Js,
}

impl Lang {
    pub fn from_path(path: &str) -> Option<Lang> {
        if path.ends_with(".d.ts") {
            return None;
        }
        let ext = path.rsplit_once('.')?.1;
        match ext {
            "ts" | "mts" | "cts" => Some(Lang::Ts),
            "tsx" => Some(Lang::Tsx),
            "js" | "jsx" | "mjs" | "cjs" => Some(Lang::Js),
            _ => None,
        }
    }
    pub fn is_typescript(self) -> bool {
        matches!(self, Lang::Ts | Lang::Tsx)
    }
}

/// The route file extensions Next serves from `pages/` by default.
pub const ROUTE_EXTENSIONS: &[&str] = &["ts", "tsx", "js", "jsx", "mjs"];

/// Maps a file under `pages/api`, given as its path below that folder (`users/[id].ts`), to its
/// target under `app_dir` (`app` or `src/app`, relative to the run root).
pub fn map_route(
    rel_in_api: &str,
    app_dir: &str,
    group: &str,
    lang: Lang,
) -> Result<RouteMapping, Diagnostic> {
    let stem = match rel_in_api.rsplit_once('.') {
        Some((stem, _)) => stem,
        None => rel_in_api,
    };
    let mut segments: Vec<&str> = stem.split('/').filter(|s| !s.is_empty()).collect();
    if segments.last() == Some(&"index") {
        segments.pop();
    }
    let mut folders = Vec::with_capacity(segments.len());
    let mut params = Vec::new();
    let mut notes = Vec::new();
    for seg in &segments {
        if seg.starts_with('(') || seg.starts_with('@') {
            return Err(Diagnostic::new(
                Code::UnmappablePath,
                format!("segment `{seg}` would be a route group or a parallel-route slot in app/, which changes the URL; rename it before migrating"),
            ));
        }
        if let Some(p) = parse_param(seg) {
            params.push(p);
            folders.push(seg.to_string());
        } else if let Some(rest) = seg.strip_prefix('_') {
            notes.push(Diagnostic::new(
                Code::PrivateSegmentEscaped,
                format!("`{seg}` is written as `%5F{rest}` so the App Router keeps it public at the same URL"),
            ));
            folders.push(format!("%5F{rest}"));
        } else {
            folders.push(seg.to_string());
        }
    }
    let ext = match lang {
        Lang::Ts | Lang::Tsx => "ts",
        Lang::Js => "js",
    };
    let mut target = String::from(app_dir.trim_end_matches('/'));
    if !group.is_empty() {
        target.push('/');
        target.push_str(group);
    }
    target.push_str("/api");
    for f in &folders {
        target.push('/');
        target.push_str(f);
    }
    target.push_str("/route.");
    target.push_str(ext);
    let mut url = String::from("/api");
    for s in &segments {
        url.push('/');
        url.push_str(s);
    }
    Ok(RouteMapping {
        target,
        url,
        params,
        notes,
    })
}

fn parse_param(seg: &str) -> Option<RouteParam> {
    if let Some(inner) = seg.strip_prefix("[[...").and_then(|s| s.strip_suffix("]]")) {
        return Some(RouteParam {
            name: inner.to_string(),
            kind: ParamKind::OptionalCatchAll,
        });
    }
    if let Some(inner) = seg.strip_prefix("[...").and_then(|s| s.strip_suffix(']')) {
        return Some(RouteParam {
            name: inner.to_string(),
            kind: ParamKind::CatchAll,
        });
    }
    let inner = seg.strip_prefix('[')?.strip_suffix(']')?;
    Some(RouteParam {
        name: inner.to_string(),
        kind: ParamKind::Single,
    })
}

/// The URL a `route.*` file under an `app` folder serves (route groups and the file name
/// removed, `%5F` unescaped), used to find routes that already exist. `None` for private folders.
pub fn app_route_url(rel_in_app: &str) -> Option<String> {
    let mut url = String::new();
    let parts: Vec<&str> = rel_in_app.split('/').collect();
    let (_, dirs) = parts.split_last()?;
    for seg in dirs {
        if seg.starts_with('(') && seg.ends_with(')') || seg.starts_with('@') {
            continue;
        }
        if seg.starts_with('_') {
            return None;
        }
        url.push('/');
        match seg.strip_prefix("%5F").or_else(|| seg.strip_prefix("%5f")) {
            Some(rest) => {
                url.push('_');
                url.push_str(rest);
            }
            None => url.push_str(seg),
        }
    }
    if url.is_empty() {
        url.push('/');
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(p: &str) -> RouteMapping {
        map_route(p, "app", "(api)", Lang::from_path(p).unwrap()).unwrap()
    }

    #[test]
    fn file_and_index_map_to_the_same_url() {
        assert_eq!(map("a.ts").target, "app/(api)/api/a/route.ts");
        assert_eq!(map("a/index.ts").target, "app/(api)/api/a/route.ts");
        assert_eq!(map("index.js").target, "app/(api)/api/route.js");
        assert_eq!(map("a/index.ts").url, "/api/a");
    }

    #[test]
    fn dynamic_segments_keep_their_names() {
        let m = map("users/[id]/posts/[...slug].tsx");
        assert_eq!(
            m.target,
            "app/(api)/api/users/[id]/posts/[...slug]/route.ts"
        );
        assert_eq!(m.url, "/api/users/[id]/posts/[...slug]");
        assert_eq!(
            m.params,
            vec![
                RouteParam {
                    name: "id".into(),
                    kind: ParamKind::Single
                },
                RouteParam {
                    name: "slug".into(),
                    kind: ParamKind::CatchAll
                }
            ]
        );
        assert_eq!(
            map("docs/[[...slug]].mjs").params[0].kind,
            ParamKind::OptionalCatchAll
        );
        assert_eq!(
            map("docs/[[...slug]].mjs").target,
            "app/(api)/api/docs/[[...slug]]/route.js"
        );
    }

    #[test]
    fn private_segments_are_escaped() {
        let m = map("_internal/_x.ts");
        assert_eq!(m.target, "app/(api)/api/%5Finternal/%5Fx/route.ts");
        assert_eq!(m.url, "/api/_internal/_x");
        assert_eq!(m.notes.len(), 2);
        assert_eq!(
            app_route_url("(api)/api/%5Finternal/%5Fx/route.ts").as_deref(),
            Some("/api/_internal/_x")
        );
    }

    #[test]
    fn groups_and_slots_cannot_be_mapped() {
        assert!(map_route("(admin)/a.ts", "app", "(api)", Lang::Ts).is_err());
        assert!(map_route("@x/a.ts", "app", "(api)", Lang::Ts).is_err());
    }

    #[test]
    fn empty_group_and_src_app() {
        let m = map_route("a.ts", "src/app", "", Lang::Ts).unwrap();
        assert_eq!(m.target, "src/app/api/a/route.ts");
    }

    #[test]
    fn declaration_files_are_not_routes() {
        assert_eq!(Lang::from_path("types.d.ts"), None);
        assert_eq!(Lang::from_path("a.json"), None);
    }
}
