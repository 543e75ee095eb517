//! `--output-format github`: one GitHub Actions workflow command per finding, which the runner
//! turns into an annotation on the file and line:
//!
//! `::error file=pages/api/a.ts,line=3,col=16,title=P2A108::Code runs after this response ...`
//!
//! errors are `::error`, warnings `::warning`, info notes `::notice`; a finding without a
//! position has no `line`/`col`; project warnings (no route, no code) have no `title`. Values are
//! escaped as the runner unescapes them: `%`, CR and LF everywhere, and also `:` and `,` in the
//! properties.

use crate::diagnostics::Severity;
use crate::output::shown_path;
use crate::pipeline::RunResult;

/// The annotations of a run, one line each. `dir` is DIR as the user typed it (the paths are
/// shown from where the command ran, as in the text output).
pub fn annotations(run: &RunResult, dir: &str) -> String {
    let mut out = String::new();
    for (path, message) in &run.warnings {
        push_command(
            &mut out,
            "warning",
            &[("file", &shown_path(dir, path))],
            message,
        );
    }
    for f in &run.files {
        let file = shown_path(dir, &f.source);
        let mut diags: Vec<_> = f.diagnostics.iter().collect();
        diags.sort_by_key(|d| (d.line, d.column));
        for d in diags {
            let command = match d.severity() {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let line = d.line.to_string();
            let col = d.column.to_string();
            let mut props = vec![("file", file.as_str())];
            if d.line > 0 {
                props.push(("line", &line));
                if d.column > 0 {
                    props.push(("col", &col));
                }
            }
            props.push(("title", d.code.id()));
            push_command(&mut out, command, &props, &d.message);
        }
    }
    out
}

fn push_command(out: &mut String, command: &str, props: &[(&str, &str)], message: &str) {
    out.push_str("::");
    out.push_str(command);
    for (i, (key, value)) in props.iter().enumerate() {
        out.push(if i == 0 { ' ' } else { ',' });
        out.push_str(key);
        out.push('=');
        out.push_str(&escape_property(value));
    }
    out.push_str("::");
    out.push_str(&escape_data(message));
    out.push('\n');
}

/// A message: `%`, CR and LF as `%25`, `%0D`, `%0A`.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as [`escape_data`], and `:` / `,` as `%3A` / `%2C`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Code, Diagnostic};
    use crate::pipeline::{FileReport, Status};

    fn file(source: &str, diagnostics: Vec<Diagnostic>) -> FileReport {
        FileReport {
            source: source.into(),
            target: None,
            url: None,
            methods: vec![],
            status: Status::Manual,
            diagnostics,
            mode: None,
        }
    }

    #[test]
    fn one_command_per_finding_with_its_severity_and_position() {
        let mut late = Diagnostic::new(Code::ResponseNotInTail, "code runs after: 100% sure\nyes");
        late.line = 3;
        late.column = 16;
        let whole = Diagnostic::new(Code::WrappedHandler, "wrapped");
        let mut note = Diagnostic::new(Code::NonStandardMethods, "note");
        note.line = 1;
        note.column = 1;
        let run = RunResult {
            files: vec![file("pages/api/a,b:c.ts", vec![late, whole, note])],
            changes: vec![],
            edited: vec![],
            warnings: vec![("pages/api".into(), "cannot be placed".into())],
        };
        assert_eq!(
            annotations(&run, "./app"),
            "::warning file=app/pages/api::cannot be placed\n\
             ::error file=app/pages/api/a%2Cb%3Ac.ts,title=P2A102::wrapped\n\
             ::notice file=app/pages/api/a%2Cb%3Ac.ts,line=1,col=1,title=P2A302::note\n\
             ::error file=app/pages/api/a%2Cb%3Ac.ts,line=3,col=16,title=P2A108::code runs after: 100%25 sure%0Ayes\n"
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(escape_data("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e");
        assert_eq!(escape_property("a%b\r\nc:d,e"), "a%25b%0D%0Ac%3Ad%2Ce");
    }
}
