//! The final import check, before anything is printed or written: every import in a file the
//! run writes still resolves once the run's moves are done. A failure is a pages2app bug (the
//! plan is built so that it cannot happen) and is reported as P2A009 for the route involved,
//! never written.

use std::collections::HashSet;

use crate::module_graph::{resolve, scan, Aliases, ImportKind, Target};

/// An import that will not resolve.
#[derive(Debug, PartialEq, Eq)]
pub struct Dangling {
    /// Byte offset of the statement or call in the checked text.
    pub offset: usize,
    pub specifier: String,
    /// The path it would look for (relative to the run root, without extension).
    pub looked_for: String,
}

/// The imports of `text`, to be written at `at`, that name one of the app's own files and will
/// not resolve after the run. An import that did not resolve before either (the same path,
/// looked for from `orig`: the file's text and path before the run) is the app's own problem
/// and is left alone.
pub fn dangling(
    text: &str,
    at: &str,
    orig: Option<(&str, &str)>,
    aliases: &Aliases,
    before: &dyn Fn(&str) -> bool,
    after: &dyn Fn(&str) -> bool,
) -> Vec<Dangling> {
    let mut broken: Vec<Dangling> = scan::scan(text)
        .into_iter()
        .filter(|i| i.kind != ImportKind::Computed)
        .filter_map(|i| match resolve(&i.specifier, at, aliases, after) {
            Target::Missing(base) => Some(Dangling {
                offset: i.start,
                specifier: i.specifier,
                looked_for: base,
            }),
            _ => None,
        })
        .collect();
    if broken.is_empty() {
        return broken;
    }
    if let Some((orig_text, orig_at)) = orig {
        let missing_before: HashSet<String> = scan::scan(orig_text)
            .into_iter()
            .filter(|i| i.kind != ImportKind::Computed)
            .filter_map(|i| match resolve(&i.specifier, orig_at, aliases, before) {
                Target::Missing(base) => Some(base),
                _ => None,
            })
            .collect();
        broken.retain(|d| !missing_before.contains(&d.looked_for));
    }
    broken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_of_a_moved_file_dangles_and_an_already_broken_one_is_left_alone() {
        let before = |p: &str| ["pages/api/a.ts", "lib/db.ts"].contains(&p);
        let added: HashSet<String> = ["app/api/a/route.ts".to_string()].into();
        let removed: HashSet<String> = ["pages/api/a.ts".to_string()].into();
        let after = |p: &str| added.contains(p) || (!removed.contains(p) && before(p));
        let none = Aliases::default();
        let text = "import { db } from '../../../lib/db'\nimport x from '../../../pages/api/a'\nimport y from '../../../lib/gone'\n";
        let orig = "import { db } from '../../lib/db'\nimport x from './a'\nimport y from '../../lib/gone'\n";
        let got = dangling(
            text,
            "app/api/b/route.ts",
            Some((orig, "pages/api/b.ts")),
            &none,
            &before,
            &after,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].specifier, "../../../pages/api/a");
        assert_eq!(got[0].looked_for, "pages/api/a");
    }
}
