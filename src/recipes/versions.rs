//! The versions of the libraries an app depends on, read once per app from its `package.json`
//! (`dependencies` and `devDependencies`; in a monorepo those of the folders above it too), for the recipes whose App Router form depends on the
//! library's major version (next-auth v4 vs v5, next-connect 0.x vs 1.x, ...).
//!
//! Only the version the app asks for is known (the range written in package.json, not what a
//! lockfile resolved); a range the parser cannot read gives [`DepVersion::Unknown`] and each
//! recipe says what it does then. Reading never fails: a missing or invalid package.json is an
//! app without known dependencies.

use std::collections::BTreeMap;
use std::path::Path;

/// What package.json asks for one dependency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DepVersion {
    /// A range within one major version: `4.24.13`, `^5.0.0-beta.25`, `~4.1`, `5.x`.
    Major(u64),
    /// A dist-tag: `beta`, `latest`, `next`, ...
    Tag(String),
    /// Anything else (`workspace:*`, `*`, a URL, `4 || 5`, a git reference).
    Unknown,
}

/// The dependencies of one app, as written in its package.json.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LibraryVersions {
    deps: BTreeMap<String, String>,
}

impl LibraryVersions {
    /// The dependencies of the app at `app_root` (its `package.json`); none when the file is
    /// missing, unreadable or not a JSON object.
    pub fn read(app_root: &Path) -> Self {
        match std::fs::read_to_string(app_root.join("package.json")) {
            Ok(text) => Self::from_package_json(&text),
            Err(_) => Self::default(),
        }
    }

    /// The dependencies of the app at `app_root` (relative to the run root `root`, `/`-separated):
    /// its package.json, over those of the folders above it up to the run root (a monorepo's
    /// root package.json often lists what its apps use; the nearest one wins for a name).
    pub fn read_app(root: &Path, app_root: &str) -> Self {
        let mut dir = root.to_path_buf();
        let mut merged = Self::read(&dir);
        for part in app_root.split('/').filter(|p| !p.is_empty()) {
            dir.push(part);
            merged.deps.extend(Self::read(&dir).deps);
        }
        merged
    }

    pub fn from_package_json(text: &str) -> Self {
        let mut deps = BTreeMap::new();
        let Ok(serde_json::Value::Object(pkg)) = serde_json::from_str::<serde_json::Value>(text)
        else {
            return Self::default();
        };
        // devDependencies first: a name in both is taken from dependencies, what the app runs.
        for field in ["devDependencies", "dependencies"] {
            if let Some(serde_json::Value::Object(list)) = pkg.get(field) {
                for (name, spec) in list {
                    if let serde_json::Value::String(spec) = spec {
                        deps.insert(name.clone(), spec.clone());
                    }
                }
            }
        }
        LibraryVersions { deps }
    }

    /// The range package.json writes for `name`, as written.
    pub fn spec(&self, name: &str) -> Option<&str> {
        self.deps.get(name).map(String::as_str)
    }

    /// What the app asks for `name`; `None` when it does not depend on it.
    pub fn version(&self, name: &str) -> Option<DepVersion> {
        self.spec(name).map(parse_spec)
    }
}

/// The major version of a package.json range, when it has one.
pub fn parse_spec(spec: &str) -> DepVersion {
    let mut s = spec.trim();
    // `npm:next-auth@5.0.0-beta.25`: an alias, the range after the last `@`.
    if let Some(rest) = s.strip_prefix("npm:") {
        match rest.rsplit_once('@') {
            Some((name, range)) if !name.is_empty() => s = range.trim(),
            _ => return DepVersion::Unknown,
        }
    }
    if !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !(s.starts_with('v') && s[1..].starts_with(|c: char| c.is_ascii_digit()))
    {
        return DepVersion::Tag(s.to_string());
    }
    // `^5`, `~4.1`, `=4.0.0`, `v5`, `5.x`: one major. `>=4` (5 matches it too), `4 || 5`, a
    // hyphen range `4 - 5`: no single major.
    let s = s.trim_start_matches(['^', '~', '=', 'v']);
    if s.contains([' ', '|', '<', '>']) {
        return DepVersion::Unknown;
    }
    let digits = &s[..s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len())];
    match (digits.parse::<u64>(), s[digits.len()..].chars().next()) {
        (Ok(major), None | Some('.' | '-' | '+')) => DepVersion::Major(major),
        _ => DepVersion::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_give_their_major() {
        for (spec, want) in [
            ("4.24.13", DepVersion::Major(4)),
            ("^4.24.13", DepVersion::Major(4)),
            ("~4.1", DepVersion::Major(4)),
            ("5.x", DepVersion::Major(5)),
            ("^5.0.0-beta.25", DepVersion::Major(5)),
            ("5.0.0-beta.25", DepVersion::Major(5)),
            (">=4.2.0", DepVersion::Unknown),
            ("4 - 5", DepVersion::Unknown),
            ("v5", DepVersion::Major(5)),
            ("npm:next-auth@5.0.0-beta.4", DepVersion::Major(5)),
            ("beta", DepVersion::Tag("beta".into())),
            ("latest", DepVersion::Tag("latest".into())),
            ("workspace:*", DepVersion::Unknown),
            ("*", DepVersion::Unknown),
            ("4 || 5", DepVersion::Unknown),
            ("github:nextauthjs/next-auth", DepVersion::Unknown),
            ("", DepVersion::Unknown),
            ("npm:@x", DepVersion::Unknown),
        ] {
            assert_eq!(parse_spec(spec), want, "{spec}");
        }
    }

    #[test]
    fn package_json_dependencies_win_over_dev_dependencies() {
        let v = LibraryVersions::from_package_json(
            r#"{"dependencies": {"next-auth": "beta"}, "devDependencies": {"next-auth": "4.0.0", "x": 3}}"#,
        );
        assert_eq!(v.version("next-auth"), Some(DepVersion::Tag("beta".into())));
        assert_eq!(v.version("x"), None);
        assert_eq!(v.version("next-connect"), None);
    }

    #[test]
    fn the_nearest_package_json_wins() {
        let dir = std::env::temp_dir().join(format!("p2a-versions-{}", std::process::id()));
        let app = dir.join("apps/web");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(
            dir.join("package.json"),
            r#"{"devDependencies": {"next-auth": "^4", "@trpc/server": "11.0.0"}}"#,
        )
        .unwrap();
        std::fs::write(
            app.join("package.json"),
            r#"{"dependencies": {"next-auth": "beta"}}"#,
        )
        .unwrap();
        let v = LibraryVersions::read_app(&dir, "apps/web");
        assert_eq!(v.version("next-auth"), Some(DepVersion::Tag("beta".into())));
        assert_eq!(v.version("@trpc/server"), Some(DepVersion::Major(11)));
        assert_eq!(
            LibraryVersions::read_app(&dir, "").version("next-auth"),
            Some(DepVersion::Major(4))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_package_json_is_no_dependencies() {
        for text in ["", "[]", "{", r#"{"dependencies": []}"#, "\u{0}"] {
            assert_eq!(
                LibraryVersions::from_package_json(text),
                LibraryVersions::default()
            );
        }
    }
}
