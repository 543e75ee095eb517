//! `--summary-markdown FILE`: the outcome of a run as Markdown, for `$GITHUB_STEP_SUMMARY` or a
//! pull-request comment: a heading, the counts as a table, and the routes a migration leaves in
//! pages/api (status `manual` or `error`) with their findings.

use crate::diagnostics::Severity;
use crate::pipeline::{RunResult, Status};

/// The summary; `what` says what the run did ("dry run", "applied", "check", "list").
pub fn render(run: &RunResult, what: &str) -> String {
    let mut out = format!("## pages2app: {what}\n\n");
    out.push_str("| migrated | migrated with notes | manual | error |\n|---:|---:|---:|---:|\n");
    out.push_str(&format!(
        "| {} | {} | {} | {} |\n\n",
        run.count(Status::Migrated),
        run.count(Status::MigratedWithNotes),
        run.count(Status::Manual),
        run.count(Status::Error)
    ));
    let left: Vec<_> = run
        .files
        .iter()
        .filter(|f| matches!(f.status, Status::Manual | Status::Error))
        .collect();
    if left.is_empty() {
        out.push_str("No route is left in pages/api for manual work.\n");
    } else {
        out.push_str(&format!(
            "### Routes left in pages/api for manual work ({})\n\n",
            left.len()
        ));
        out.push_str("| route | URL | status | findings |\n|---|---|---|---|\n");
        for f in left {
            let mut diags: Vec<_> = f
                .diagnostics
                .iter()
                .filter(|d| d.severity() == Severity::Error)
                .collect();
            diags.sort_by_key(|d| (d.line, d.column));
            let findings: Vec<String> = diags
                .iter()
                .map(|d| {
                    let at = if d.line > 0 {
                        format!(" {}:{}", d.line, d.column)
                    } else {
                        String::new()
                    };
                    format!("`{}`{at} {}", d.code.id(), cell(&d.message))
                })
                .collect();
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                code_span(&f.source),
                f.url.as_deref().map_or_else(|| "-".to_string(), code_span),
                f.status.as_str(),
                findings.join("<br>")
            ));
        }
    }
    if !run.warnings.is_empty() {
        out.push_str("\n### Project warnings\n\n");
        for (path, message) in &run.warnings {
            out.push_str(&format!("- {}: {}\n", code_span(path), cell(message)));
        }
    }
    out.push_str(
        "\n`pages2app explain CODE` tells what a code means and how to fix it by hand.\n\n",
    );
    out
}

/// Text in a table cell: no line breaks, `|` escaped, no HTML.
fn cell(s: &str) -> String {
    s.replace('\r', "")
        .replace('\n', " ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
}

/// A path or URL as inline code (a backtick inside widens the fence).
fn code_span(s: &str) -> String {
    let s = s.replace('|', "\\|");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Code, Diagnostic};
    use crate::pipeline::FileReport;

    #[test]
    fn counts_and_the_routes_left() {
        let mut late = Diagnostic::new(Code::ResponseNotInTail, "code | runs <after>");
        late.line = 3;
        late.column = 5;
        let f = |source: &str, status, diagnostics| FileReport {
            source: source.into(),
            target: None,
            url: Some("/api/x".into()),
            methods: vec![],
            status,
            diagnostics,
            mode: None,
        };
        let run = RunResult {
            files: vec![
                f("pages/api/ok.ts", Status::Migrated, vec![]),
                f("pages/api/x.ts", Status::Manual, vec![late]),
            ],
            changes: vec![],
            edited: vec![],
            warnings: vec![],
        };
        assert_eq!(
            render(&run, "dry run"),
            "## pages2app: dry run\n\n\
             | migrated | migrated with notes | manual | error |\n|---:|---:|---:|---:|\n\
             | 1 | 0 | 1 | 0 |\n\n\
             ### Routes left in pages/api for manual work (1)\n\n\
             | route | URL | status | findings |\n|---|---|---|---|\n\
             | `pages/api/x.ts` | `/api/x` | manual | `P2A108` 3:5 code \\| runs &lt;after> |\n\
             \n`pages2app explain CODE` tells what a code means and how to fix it by hand.\n\n"
        );
    }
}
