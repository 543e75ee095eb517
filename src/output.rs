//! Human output: colors (`--color`, `NO_COLOR`), the colored patch, the stderr summary with one
//! compiler-style line per finding, the route inventory of `list`, and the progress bar.
//!
//! Colors never go to a stream that is not a terminal unless asked for (`--color always`), so a
//! piped patch stays `git apply`-able. The progress bar only draws on a terminal, outside CI, for
//! runs of [`PROGRESS_MIN_FILES`] files or more; `PAGES2APP_PROGRESS=always|never` overrides that.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

use crate::diagnostics::Severity;
use crate::pipeline::{RunResult, Status};
use crate::table;

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    // Color when the stream is a terminal and NO_COLOR is not set. (No doc comment: clap would
    // print a long list of possible values.)
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to color a stream that is (or is not) a terminal.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        }
    }
    pub fn stdout(self) -> bool {
        self.enabled(std::io::stdout().is_terminal())
    }
    pub fn stderr(self) -> bool {
        self.enabled(std::io::stderr().is_terminal())
    }
}

/// ANSI styles, or none.
#[derive(Clone, Copy, Debug)]
pub struct Paint {
    pub on: bool,
}

pub const BOLD: &str = "1";
pub const RED: &str = "31";
pub const GREEN: &str = "32";
pub const YELLOW: &str = "33";
pub const CYAN: &str = "36";
pub const BOLD_RED: &str = "1;31";
pub const BOLD_YELLOW: &str = "1;33";
pub const DIM: &str = "2";

impl Paint {
    pub fn paint(self, style: &str, s: &str) -> String {
        if self.on && !s.is_empty() {
            format!("\x1b[{style}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// The patch with git's diff colors: headers bold, hunk headers cyan, removals red, additions
/// green. Line content is unchanged, so the text without the escapes is the patch.
pub fn color_patch(patch: &str) -> String {
    let p = Paint { on: true };
    let mut out = String::with_capacity(patch.len() + patch.len() / 4);
    let mut in_header = false;
    for line in patch.split_inclusive('\n') {
        let (text, nl) = match line.strip_suffix('\n') {
            Some(t) => (t, "\n"),
            None => (line, ""),
        };
        let style = if text.starts_with("diff --git ") {
            in_header = true;
            BOLD
        } else if text.starts_with("@@") {
            in_header = false;
            CYAN
        } else if in_header {
            BOLD
        } else if text.starts_with('+') {
            GREEN
        } else if text.starts_with('-') {
            RED
        } else if text.starts_with('\\') {
            DIM
        } else {
            ""
        };
        if style.is_empty() {
            out.push_str(text);
        } else {
            out.push_str(&p.paint(style, text));
        }
        out.push_str(nl);
    }
    out
}

/// How a path relative to the run root is shown to the user: prefixed with DIR as they typed it,
/// so `path:line:col` opens from where they ran the command.
pub fn shown_path(dir: &str, rel: &str) -> String {
    let dir = dir.trim_end_matches('/');
    let dir = dir.strip_prefix("./").unwrap_or(dir);
    if dir.is_empty() || dir == "." {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

/// The findings that need attention, one compiler-style line each:
/// `path:line:col: severity[CODE]: message` (no `:line:col` when the finding has no position).
/// Project warnings come first as `path: warning: message`. Notes (info) are left out; they are
/// in the `--json` report.
pub fn findings(run: &RunResult, dir: &str, p: Paint) -> Vec<String> {
    let mut out = Vec::new();
    for (path, msg) in &run.warnings {
        out.push(format!(
            "{}: {}: {msg}",
            p.paint(BOLD, &shown_path(dir, path)),
            p.paint(BOLD_YELLOW, "warning")
        ));
    }
    for f in &run.files {
        let mut diags: Vec<_> = f
            .diagnostics
            .iter()
            .filter(|d| d.severity() != Severity::Info)
            .collect();
        diags.sort_by_key(|d| (d.line, d.column));
        for d in diags {
            let pos = if d.line > 0 {
                format!(":{}:{}", d.line, d.column)
            } else {
                String::new()
            };
            let sev = d.severity();
            let style = if sev == Severity::Error {
                BOLD_RED
            } else {
                BOLD_YELLOW
            };
            out.push(format!(
                "{}: {}: {}",
                p.paint(BOLD, &format!("{}{pos}", shown_path(dir, &f.source))),
                p.paint(style, &format!("{}[{}]", sev.as_str(), d.code.id())),
                d.message
            ));
        }
    }
    out
}

/// `pages2app: WHAT: N migrated, N migrated with notes, N manual, N error` (a stable line).
pub fn summary_line(run: &RunResult, what: &str) -> String {
    format!(
        "pages2app: {what}: {} migrated, {} migrated with notes, {} manual, {} error",
        run.count(Status::Migrated),
        run.count(Status::MigratedWithNotes),
        run.count(Status::Manual),
        run.count(Status::Error)
    )
}

/// `pages2app: imports follow the moved routes in N files: a, b, ...` (the files whose imports
/// were rewritten; see [`crate::importers`]), when there are any.
pub fn importers_line(run: &RunResult) -> Option<String> {
    const SHOWN: usize = 5;
    if run.edited.is_empty() {
        return None;
    }
    let mut names: Vec<&str> = run
        .edited
        .iter()
        .take(SHOWN)
        .map(|e| e.path.as_str())
        .collect();
    let more = run.edited.len().saturating_sub(SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let n = run.edited.len();
    let files = if n == 1 { "file" } else { "files" };
    names.dedup();
    Some(format!(
        "pages2app: imports follow the moved routes in {n} {files}: {}{more}",
        names.join(", ")
    ))
}

/// The codes shown in [`findings`], for the `explain` hint.
pub fn shown_codes(run: &RunResult) -> Vec<&'static str> {
    let codes: BTreeSet<&'static str> = run
        .files
        .iter()
        .flat_map(|f| f.diagnostics.iter())
        .filter(|d| d.severity() != Severity::Info)
        .map(|d| d.code.id())
        .collect();
    codes.into_iter().collect()
}

/// Writes the findings, the summary line and, when there were findings, a hint to `explain`.
pub fn write_summary(err: &mut dyn Write, run: &RunResult, dir: &str, what: &str, p: Paint) {
    for line in findings(run, dir, p) {
        let _ = writeln!(err, "{line}");
    }
    let _ = writeln!(err, "{}", summary_line(run, what));
    if let Some(line) = importers_line(run) {
        let _ = writeln!(err, "{line}");
    }
    let codes = shown_codes(run);
    if let Some(first) = codes.first() {
        let _ = writeln!(err, "{}: `pages2app explain {first}` tells what a code means and how to fix it by hand (codes above: {})", p.paint(CYAN, "hint"), codes.join(", "));
    }
}

fn status_style(s: Status) -> &'static str {
    match s {
        Status::Migrated => GREEN,
        Status::MigratedWithNotes => YELLOW,
        Status::Manual => BOLD_YELLOW,
        Status::Error => BOLD_RED,
    }
}

/// The route inventory as a table: a header row, then one row per route, columns `SOURCE URL
/// TARGET METHODS MODE STATUS`, `-` for what a route does not have. With a `width` (the
/// terminal's), long targets, methods, URLs and sources are elided in the middle to fit it.
/// Nothing (not even the header) when there are no routes.
pub fn inventory(run: &RunResult, p: Paint, width: Option<usize>) -> String {
    if run.files.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = run
        .files
        .iter()
        .map(|f| {
            vec![
                f.source.clone(),
                f.url.clone().unwrap_or_else(|| "-".into()),
                f.target.clone().unwrap_or_else(|| "-".into()),
                if f.methods.is_empty() {
                    "-".into()
                } else {
                    f.methods.join(",")
                },
                f.mode.map_or("-", |m| m.as_str()).to_string(),
                f.status.as_str().to_string(),
            ]
        })
        .collect();
    // Narrowed first: the target (it follows from the source), then the methods, the URL, and
    // the source last.
    let column = |header, shrink| table::Column { header, shrink };
    let columns = [
        column("SOURCE", Some(3)),
        column("URL", Some(2)),
        column("TARGET", Some(0)),
        column("METHODS", Some(1)),
        column("MODE", None),
        column("STATUS", None),
    ];
    let paint = |row: Option<usize>, col: usize, text: &str| match row {
        None => p.paint(BOLD, text),
        Some(r) if col == 5 => p.paint(status_style(run.files[r].status), text),
        Some(_) => text.to_string(),
    };
    table::render(&columns, &rows, width, &paint)
}

/// Runs with at least this many files get a progress bar (on a terminal, outside CI).
pub const PROGRESS_MIN_FILES: usize = 300;

/// When to draw the progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressMode {
    Off,
    /// On a terminal, outside CI, for runs of [`PROGRESS_MIN_FILES`] or more.
    Auto,
    /// Always, to stderr whatever it is (`PAGES2APP_PROGRESS=always`, for tests and debugging).
    Forced,
}

impl ProgressMode {
    /// From `PAGES2APP_PROGRESS` (`always` / `never` / `auto`), `CI` and whether stderr is a terminal.
    pub fn from_env() -> Self {
        match std::env::var("PAGES2APP_PROGRESS").as_deref() {
            Ok("always") => return ProgressMode::Forced,
            Ok("never") => return ProgressMode::Off,
            _ => {}
        }
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
        if ci || !std::io::stderr().is_terminal() {
            ProgressMode::Off
        } else {
            ProgressMode::Auto
        }
    }
}

/// A progress bar on stderr, created on the pipeline's first callback once the total is known.
pub struct Progress {
    mode: ProgressMode,
    bar: OnceLock<Option<ProgressBar>>,
}

impl Progress {
    pub fn new(mode: ProgressMode) -> Self {
        Progress {
            mode,
            bar: OnceLock::new(),
        }
    }

    /// The pipeline's callback.
    pub fn update(&self, done: usize, total: usize) {
        let bar = self.bar.get_or_init(|| self.make(total));
        if let Some(bar) = bar {
            if done > 0 {
                bar.inc(1);
            }
        }
    }

    fn make(&self, total: usize) -> Option<ProgressBar> {
        let target = match self.mode {
            ProgressMode::Off => return None,
            ProgressMode::Auto if total < PROGRESS_MIN_FILES => return None,
            ProgressMode::Auto => ProgressDrawTarget::stderr(),
            ProgressMode::Forced => ProgressDrawTarget::term_like(Box::new(AnsiStderr)),
        };
        let bar = ProgressBar::with_draw_target(Some(total as u64), target);
        if let Ok(style) =
            ProgressStyle::with_template("pages2app: [{bar:40}] {pos}/{len} routes ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.tick();
        Some(bar)
    }

    /// Whether a bar is on screen.
    pub fn is_shown(&self) -> bool {
        matches!(self.bar.get(), Some(Some(_)))
    }

    /// Runs `f` (which writes to the terminal) with the bar, if any, hidden meanwhile.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match self.bar.get() {
            Some(Some(bar)) => bar.suspend(f),
            _ => f(),
        }
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(&self) {
        if let Some(Some(bar)) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

/// stderr as a terminal, whatever it really is (for [`ProgressMode::Forced`]).
#[derive(Debug)]
struct AnsiStderr;

impl AnsiStderr {
    fn out(&self, s: &str) -> std::io::Result<()> {
        std::io::stderr().write_all(s.as_bytes())
    }
}

impl TermLike for AnsiStderr {
    fn width(&self) -> u16 {
        80
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            self.out(&format!("\x1b[{n}A"))?;
        }
        Ok(())
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            self.out(&format!("\x1b[{n}B"))?;
        }
        Ok(())
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            self.out(&format!("\x1b[{n}C"))?;
        }
        Ok(())
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            self.out(&format!("\x1b[{n}D"))?;
        }
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.out(&format!("{s}\n"))
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.out(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.out("\r\x1b[2K")
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colored_patch_strips_back_to_the_patch() {
        let patch = "diff --git a/x b/y\nrename from x\n--- a/x\n+++ b/y\n@@ -1 +1 @@\n-old\n--- not a header\n+new\n ctx\n\\ No newline at end of file\n";
        let colored = color_patch(patch);
        assert!(colored.contains("\x1b[1m--- a/x\x1b[0m"));
        assert!(colored.contains("\x1b[31m--- not a header\x1b[0m"));
        assert!(colored.contains("\x1b[32m+new\x1b[0m"));
        assert!(colored.contains("\x1b[36m@@ -1 +1 @@\x1b[0m"));
        let plain = colored
            .replace("\x1b[0m", "")
            .replace("\x1b[1m", "")
            .replace("\x1b[31m", "")
            .replace("\x1b[32m", "")
            .replace("\x1b[36m", "")
            .replace("\x1b[2m", "");
        assert_eq!(plain, patch);
    }

    #[test]
    fn color_choice() {
        assert!(ColorChoice::Always.enabled(false));
        assert!(!ColorChoice::Never.enabled(true));
        assert!(!ColorChoice::Auto.enabled(false));
    }

    #[test]
    fn shown_paths() {
        assert_eq!(shown_path(".", "pages/api/a.ts"), "pages/api/a.ts");
        assert_eq!(shown_path("./app/", "pages/api/a.ts"), "app/pages/api/a.ts");
        assert_eq!(
            shown_path("/abs/app", "pages/api/a.ts"),
            "/abs/app/pages/api/a.ts"
        );
    }
}
