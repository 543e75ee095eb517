//! The `--json` report (schema version 1, a public contract: extend, never rename).

use serde::Serialize;

use crate::pipeline::{RunResult, Status};

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    source: &'a str,
    target: Option<&'a str>,
    url: Option<&'a str>,
    methods: &'a [&'static str],
    status: &'static str,
    /// `rewrite` or `adapter`, for migrated files only.
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct Summary {
    migrated: usize,
    #[serde(rename = "migrated-with-notes")]
    migrated_with_notes: usize,
    manual: usize,
    error: usize,
}

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    files: Vec<JsonFile<'a>>,
    summary: Summary,
    /// Findings about the project rather than one route (a `pages/api` tree that cannot be
    /// placed in an app, an unreadable `pageExtensions`); present only when there are some.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<JsonWarning<'a>>,
    /// Files whose imports were rewritten to follow moved routes (present only when there are
    /// some): the importer and the route sources it follows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    importers: Vec<JsonImporter<'a>>,
}

#[derive(Serialize)]
struct JsonImporter<'a> {
    path: &'a str,
    follows: &'a [String],
}

#[derive(Serialize)]
struct JsonWarning<'a> {
    path: &'a str,
    message: &'a str,
}

/// The report as pretty-printed JSON with a final newline.
pub fn to_json(run: &RunResult) -> String {
    let files = run
        .files
        .iter()
        .map(|f| JsonFile {
            source: &f.source,
            target: f.target.as_deref(),
            url: f.url.as_deref(),
            methods: &f.methods,
            status: f.status.as_str(),
            mode: f.mode.map(|m| m.as_str()),
            diagnostics: f
                .diagnostics
                .iter()
                .map(|d| JsonDiagnostic {
                    code: d.code.id(),
                    severity: d.severity().as_str(),
                    message: &d.message,
                    line: d.line,
                    column: d.column,
                })
                .collect(),
        })
        .collect();
    let report = Report {
        version: 1,
        files,
        summary: Summary {
            migrated: run.count(Status::Migrated),
            migrated_with_notes: run.count(Status::MigratedWithNotes),
            manual: run.count(Status::Manual),
            error: run.count(Status::Error),
        },
        warnings: run
            .warnings
            .iter()
            .map(|(path, message)| JsonWarning { path, message })
            .collect(),
        importers: run
            .edited
            .iter()
            .map(|e| JsonImporter {
                path: &e.path,
                follows: &e.follows,
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
