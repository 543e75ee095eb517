//! `--output-format sarif`: the findings as one SARIF 2.1.0 log, the format code-scanning tools
//! read (GitHub code scanning, GitLab, Azure DevOps, IDE SARIF viewers).
//!
//! One run; `tool.driver` names pages2app with its version and one rule per diagnostic code the
//! run used (id `P2A108`, name `response-not-in-tail`, its summary, its severity as the default
//! level, `pages2app explain` as help). Each finding is a result with `ruleId`, `level`
//! (error/warning/note), the message and the file as a URI reference relative to where the
//! command ran (DIR as typed + the path in DIR, percent-encoded: `[id].ts` is `%5Bid%5D.ts`; an
//! absolute DIR gives a `file://` URI). A finding with a position has a region with `startLine`
//! and `startColumn` (1-based, in Unicode code points: `columnKind`); one without (0:0, the whole
//! file) has no region. Project warnings, which belong to no code, use the rule `project-warning`.
//! The output is byte-identical across runs (tests/sarif/ validates it against the schema).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::diagnostics::{Code, Severity};
use crate::output::shown_path;
use crate::pipeline::RunResult;

/// Where the tool is documented (`tool.driver.informationUri`).
pub const INFORMATION_URI: &str = "https://www.npmjs.com/package/pages2app";
const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const PROJECT_RULE: &str = "project-warning";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The SARIF log as pretty-printed JSON with a final newline.
pub fn to_sarif(run: &RunResult, dir: &str) -> String {
    // The rules the run used, in code order; a result names its rule by id and index.
    let mut used: BTreeMap<Code, usize> = BTreeMap::new();
    for d in run.files.iter().flat_map(|f| f.diagnostics.iter()) {
        used.insert(d.code, 0);
    }
    let mut rules = Vec::new();
    for (i, (code, index)) in used.iter_mut().enumerate() {
        *index = i;
        let info = code.info();
        rules.push(json!({
            "id": info.id,
            "name": info.name,
            "shortDescription": { "text": info.summary },
            "help": { "text": format!("Run `pages2app explain {}` for what it means and how to fix it by hand.", info.id) },
            "defaultConfiguration": { "level": level(info.severity) },
        }));
    }
    let project_rule = (!run.warnings.is_empty()).then(|| {
        rules.push(json!({
            "id": PROJECT_RULE,
            "name": PROJECT_RULE,
            "shortDescription": { "text": "A finding about the project rather than one route: a pages/api tree that cannot be placed in an app, an unreadable pageExtensions." },
            "defaultConfiguration": { "level": "warning" },
        }));
        rules.len() - 1
    });

    let mut results = Vec::new();
    for (path, message) in &run.warnings {
        results.push(json!({
            "ruleId": PROJECT_RULE,
            "ruleIndex": project_rule,
            "level": "warning",
            "message": { "text": message },
            "locations": [location(&shown_path(dir, path), 0, 0)],
        }));
    }
    for f in &run.files {
        let uri_path = shown_path(dir, &f.source);
        let mut diags: Vec<_> = f.diagnostics.iter().collect();
        diags.sort_by_key(|d| (d.line, d.column));
        for d in diags {
            results.push(json!({
                "ruleId": d.code.id(),
                "ruleIndex": used.get(&d.code).copied().unwrap_or(0),
                "level": level(d.severity()),
                "message": { "text": d.message },
                "locations": [location(&uri_path, d.line, d.column)],
            }));
        }
    }
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "pages2app",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn location(path: &str, line: usize, column: usize) -> Value {
    let mut physical = json!({ "artifactLocation": { "uri": uri_reference(path) } });
    if line > 0 {
        let mut region = json!({ "startLine": line });
        if column > 0 {
            region["startColumn"] = json!(column);
        }
        physical["region"] = region;
    }
    json!({ "physicalLocation": physical })
}

/// A path as a URI reference: relative paths stay relative, absolute ones become `file://` URIs;
/// every byte outside RFC 3986's unreserved set and `/` is percent-encoded.
pub fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_references() {
        assert_eq!(
            uri_reference("pages/api/[id]/a b.ts"),
            "pages/api/%5Bid%5D/a%20b.ts"
        );
        assert_eq!(uri_reference("/srv/app/x.ts"), "file:///srv/app/x.ts");
        assert_eq!(uri_reference("é"), "%C3%A9");
    }
}
