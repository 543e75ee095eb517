//! An app's `tsconfig.json` / `jsconfig.json`: the `baseUrl` and `paths` its imports resolve
//! through, following `extends` (a relative file, or a package's file under `node_modules`), as
//! TypeScript reads them: `baseUrl` is relative to the config that sets it, `paths` targets to
//! `baseUrl`, or without one to the config that sets `paths`.

use std::path::Path;

use serde_json::Value;

use super::path::{dir_of, join, normalize};

/// The aliases of one app. Paths are relative to the run root, `/`-separated, normalised (they
/// may start with `../` when a config outside the run root is extended).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aliases {
    pub base_url: Option<String>,
    /// `paths` patterns (`@/*`, `~lib`) with their targets, in the config's order.
    pub paths: Vec<(String, Vec<String>)>,
}

/// The config files Next reads, in its order.
const CONFIG_FILES: &[&str] = &["tsconfig.json", "jsconfig.json"];

/// Reads the aliases of the app at `app_root` (relative to `root`); a config that cannot be
/// read gives the warning returned beside the (empty) aliases.
pub fn aliases(root: &Path, app_root: &str) -> (Aliases, Option<(String, String)>) {
    for name in CONFIG_FILES {
        let rel = join(app_root, name);
        if root.join(&rel).is_file() {
            let mut chain = Vec::new();
            let read = read_chain(root, &rel, &mut chain, 0);
            let out = effective(&chain);
            return match read {
                Ok(()) => (out, None),
                Err(why) => (
                    out,
                    Some((
                        rel,
                        format!("cannot read the import aliases: {why}; imports through `paths` and `baseUrl` are not followed"),
                    )),
                ),
            };
        }
    }
    (Aliases::default(), None)
}

/// The aliases of a chain of configs, nearest first: each option comes from the nearest config
/// that sets it.
fn effective(chain: &[(String, Value)]) -> Aliases {
    let opt = |json: &Value, key: &str| {
        json.get("compilerOptions")
            .and_then(|o| o.get(key))
            .cloned()
    };
    let base_url = chain.iter().find_map(|(rel, json)| {
        opt(json, "baseUrl").and_then(|b| b.as_str().map(|b| normalize(&join(dir_of(rel), b))))
    });
    let mut out = Aliases {
        base_url: base_url.clone(),
        paths: Vec::new(),
    };
    if let Some((rel, paths)) = chain
        .iter()
        .find_map(|(rel, json)| opt(json, "paths").map(|p| (rel, p)))
    {
        // Targets are relative to the baseUrl, else to the config that sets `paths`.
        let base = base_url.unwrap_or_else(|| dir_of(rel).to_string());
        for (pattern, targets) in paths.as_object().into_iter().flatten() {
            let list = targets
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(|t| normalize(&join(&base, t)))
                        .collect()
                })
                .unwrap_or_default();
            out.paths.push((pattern.clone(), list));
        }
    }
    out
}

/// Reads `rel` and what it extends into `chain`, nearest first (of several bases, the later
/// one overrides the earlier one, so it comes first).
fn read_chain(
    root: &Path,
    rel: &str,
    chain: &mut Vec<(String, Value)>,
    depth: usize,
) -> Result<(), String> {
    if depth > 16 {
        return Err("`extends` goes more than 16 configs deep (a cycle?)".into());
    }
    let text = std::fs::read_to_string(root.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
    let json: Value =
        serde_json::from_str(&strip_jsonc(&text)).map_err(|e| format!("{rel}: {e}"))?;
    let dir = dir_of(rel).to_string();
    let bases: Vec<String> = match json.get("extends") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    };
    chain.push((rel.to_string(), json));
    for base in bases.iter().rev() {
        let Some(file) = locate_base(root, &dir, base) else {
            return Err(format!(
                "{rel}: cannot find the config it extends, `{base}`"
            ));
        };
        read_chain(root, &file, chain, depth + 1)?;
    }
    Ok(())
}

/// The file an `extends` names: relative to the config's folder, or a package's file in the
/// `node_modules` folders above it (up to the run root).
fn locate_base(root: &Path, dir: &str, base: &str) -> Option<String> {
    let candidates = |p: String| -> Vec<String> {
        if p.ends_with(".json") {
            vec![p]
        } else {
            vec![format!("{p}.json"), join(&p, "tsconfig.json")]
        }
    };
    if base.starts_with("./") || base.starts_with("../") {
        let p = normalize(&join(dir, base));
        return candidates(p).into_iter().find(|c| root.join(c).is_file());
    }
    let mut at = dir.to_string();
    loop {
        let p = normalize(&join(&join(&at, "node_modules"), base));
        if let Some(found) = candidates(p).into_iter().find(|c| root.join(c).is_file()) {
            return Some(found);
        }
        if at.is_empty() || at.starts_with("..") {
            return None;
        }
        at = dir_of(&at).to_string();
    }
}

/// JSON with comments and trailing commas (what tsconfig allows) as plain JSON.
pub fn strip_jsonc(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut last = 0;
    let flush = |out: &mut String, from: usize, to: usize| out.push_str(&text[from..to]);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                flush(&mut out, last, i);
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                last = i;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                flush(&mut out, last, i);
                i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |n| i + 2 + n + 2);
                last = i;
            }
            b',' => {
                // A trailing comma: the next significant character closes the list.
                let mut j = i + 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if matches!(b.get(j), Some(b'}') | Some(b']')) {
                    flush(&mut out, last, i);
                    last = i + 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    flush(&mut out, last.min(b.len()), b.len().max(last.min(b.len())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_trailing_commas() {
        let v: Value = serde_json::from_str(&strip_jsonc(
            "{\n // c\n \"a\": \"x//y\", /* b */ \"l\": [1, 2,],\n}",
        ))
        .unwrap();
        assert_eq!(v["a"], "x//y");
        assert_eq!(v["l"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn extends_relative_and_package_nearer_wins() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("apps/web")).unwrap();
        std::fs::create_dir_all(root.join("node_modules/@acme/tsconfig")).unwrap();
        std::fs::write(
            root.join("tsconfig.base.json"),
            "{ \"compilerOptions\": { \"baseUrl\": \".\", \"paths\": { \"#base/*\": [\"base/*\"] } } }",
        )
        .unwrap();
        std::fs::write(
            root.join("node_modules/@acme/tsconfig/next.json"),
            "{ \"compilerOptions\": { \"paths\": { \"#pkg\": [\"pkg\"] } } }",
        )
        .unwrap();
        std::fs::write(
            root.join("apps/web/tsconfig.json"),
            "{ \"extends\": [\"@acme/tsconfig/next.json\", \"../../tsconfig.base\"],\n // paths here, baseUrl from the base\n \"compilerOptions\": { \"paths\": { \"@/*\": [\"./apps/web/src/*\"], }, }, }",
        )
        .unwrap();
        let (a, warn) = aliases(root, "apps/web");
        assert_eq!(warn, None);
        assert_eq!(a.base_url.as_deref(), Some(""));
        assert_eq!(a.paths, vec![("@/*".into(), vec!["apps/web/src/*".into()])]);

        std::fs::write(
            root.join("apps/web/tsconfig.json"),
            "{ \"extends\": \"@acme/tsconfig/next.json\" }",
        )
        .unwrap();
        let (a, _) = aliases(root, "apps/web");
        // `paths` without a baseUrl are relative to the config that sets them.
        assert_eq!(a.base_url, None);
        assert_eq!(
            a.paths,
            vec![(
                "#pkg".into(),
                vec!["node_modules/@acme/tsconfig/pkg".into()]
            )]
        );

        std::fs::write(
            root.join("apps/web/tsconfig.json"),
            "{ \"extends\": \"./missing\" }",
        )
        .unwrap();
        let (_, warn) = aliases(root, "apps/web");
        assert!(warn.unwrap().1.contains("`./missing`"));
    }
}
