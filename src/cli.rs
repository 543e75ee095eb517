//! The command line:
//!
//! - `pages2app migrate [DIR] [--dry-run | --check] [--json | --output-format FORMAT]
//!   [--summary-markdown FILE] [--only PATH]... [--group NAME] [--jobs N]`
//! - `pages2app list [DIR] [--json | --output-format FORMAT] [--only PATH]...`: the route inventory
//!   (changes nothing)
//! - `pages2app explain [CODE]`: what a diagnostic code means and how to fix it by hand
//!
//! `--color auto|always|never` applies to every command.
//!
//! Exit codes (a public contract): 0 done and nothing left; 1 `--check` found work, or some file
//! could not be migrated (manual or error); 2 the run could not start.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::output::{self, ColorChoice, Paint, Progress, ProgressMode};
use crate::pipeline::{self, Options, RunHooks, RunResult, Status};
use crate::{apply, explain, github, markdown_summary, report, sarif};

#[derive(Parser, Debug)]
#[command(
    name = "pages2app",
    version,
    about = "Migrate Next.js Pages Router API routes (pages/api) to App Router Route Handlers",
    after_help = "Exit codes: 0 done, nothing left; 1 --check found work, or a file was not migrated; 2 could not start.\nRun `pages2app explain CODE` for what a diagnostic code means."
)]
struct Cli {
    /// When to use colors: auto (a terminal, without NO_COLOR), always or never.
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Migrate every pages/api route under DIR (default: the current folder).
    Migrate(MigrateArgs),
    /// List the routes left in pages/api: source, URL, target, methods, status. Changes nothing.
    List(ListArgs),
    /// Explain a diagnostic code (`P2A108` or `response-not-in-tail`); without one, list them all.
    Explain(ExplainArgs),
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The project (or monorepo) folder.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Only these routes: a file or folder relative to DIR (repeatable), e.g. pages/api/users.
    #[arg(long, value_name = "PATH")]
    only: Vec<PathBuf>,
    /// Route group for migrated routes ("" for none).
    #[arg(long, default_value = "(api)")]
    group: String,
    /// Worker threads (default: all cores).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Routes the rewrite cannot do for their handler's shape: run them through the Pages
    /// req/res adapter (auto), or leave them manual (never).
    #[arg(long, value_enum, default_value_t = AdapterChoice::Auto, value_name = "WHEN")]
    adapter: AdapterChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum AdapterChoice {
    Auto,
    Never,
}

/// What goes to stdout instead of the patch (`migrate`) or the table (`list`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum OutputFormat {
    Text,
    Json,
    Github,
    Sarif,
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// stdout: text (the patch, the table), json (the report, as --json), github (workflow
    /// annotations), sarif (SARIF 2.1.0 for code scanning).
    #[arg(long, value_enum, value_name = "FORMAT")]
    output_format: Option<OutputFormat>,
    /// Append a Markdown summary (counts, the routes left for manual work) to FILE, e.g.
    /// "$GITHUB_STEP_SUMMARY".
    #[arg(long, value_name = "FILE")]
    summary_markdown: Option<PathBuf>,
}

impl ReportArgs {
    /// The format `--json` and `--output-format` ask for together.
    fn format(&self, json: bool) -> Result<OutputFormat, String> {
        match (json, self.output_format) {
            (false, f) => Ok(f.unwrap_or(OutputFormat::Text)),
            (true, None | Some(OutputFormat::Json)) => Ok(OutputFormat::Json),
            (true, Some(_)) => Err("--json is --output-format json; give one format".into()),
        }
    }

    /// Opens the summary file for appending before the run, so that a bad path stops the run
    /// before it changes anything.
    fn open_summary(&self) -> Result<Option<std::fs::File>, String> {
        let Some(path) = &self.summary_markdown else {
            return Ok(None);
        };
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map(Some)
            .map_err(|e| format!("--summary-markdown {}: {e}", path.display()))
    }
}

/// `--output-format` and `--summary-markdown`, checked before the run.
struct Reporting {
    format: OutputFormat,
    summary: Option<std::fs::File>,
}

impl Reporting {
    fn new(args: &ReportArgs, json: bool) -> Result<Self, i32> {
        let checked = args
            .format(json)
            .and_then(|format| Ok((format, args.open_summary()?)));
        match checked {
            Ok((format, summary)) => Ok(Reporting { format, summary }),
            Err(msg) => {
                eprintln!("error: {msg}");
                Err(EXIT_USAGE)
            }
        }
    }

    /// The machine-readable output on stdout (nothing for text) and the Markdown summary.
    fn write(&mut self, out: &mut dyn Write, run: &RunResult, dir_shown: &str, what: &str) {
        let text = match self.format {
            OutputFormat::Text => String::new(),
            OutputFormat::Json => report::to_json(run),
            OutputFormat::Github => github::annotations(run, dir_shown),
            OutputFormat::Sarif => sarif::to_sarif(run, dir_shown),
        };
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
        if let Some(file) = &mut self.summary {
            if let Err(e) = file.write_all(markdown_summary::render(run, what).as_bytes()) {
                eprintln!("pages2app: warning: --summary-markdown: {e}");
            }
        }
    }
}

#[derive(Args, Debug)]
struct MigrateArgs {
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    report: ReportArgs,
    /// Print the migration as a git patch on stdout; change nothing.
    #[arg(long, conflicts_with = "check")]
    dry_run: bool,
    /// Change nothing; exit 1 when any route would be migrated or needs manual work.
    #[arg(long)]
    check: bool,
    /// Print the JSON report on stdout instead of the patch.
    #[arg(long)]
    json: bool,
    /// Migrate even when files it would touch have uncommitted changes in git.
    #[arg(long)]
    allow_dirty: bool,
}

#[derive(Args, Debug)]
struct ListArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Print the JSON report (the same as `migrate --json`) instead of the table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    /// A code (`P2A108`, `108`) or its name (`response-not-in-tail`).
    code: Option<String>,
}

pub const EXIT_OK: i32 = 0;
pub const EXIT_WORK: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Migrate(args) => migrate(args, cli.color),
        Command::List(args) => list(args, cli.color),
        Command::Explain(args) => explain_cmd(args, cli.color),
    }
}

fn valid_group(g: &str) -> bool {
    g.is_empty() || (g.starts_with('(') && g.ends_with(')') && g.len() > 2 && !g.contains('/'))
}

/// An `--only` path as a `/`-separated path relative to DIR ("" for DIR itself).
fn only_path(dir: &Path, raw: &Path) -> Result<String, String> {
    let shown = raw.display();
    let rel: PathBuf = if raw.is_absolute() {
        let base = std::fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        // The path may not exist any more (migrated already): canonicalize its nearest parent.
        let mut existing = raw.to_path_buf();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (
                existing.file_name().map(|n| n.to_os_string()),
                existing.parent(),
            ) {
                (Some(name), Some(parent)) => {
                    rest.push(name);
                    existing = parent.to_path_buf();
                }
                _ => break,
            }
        }
        let mut full = std::fs::canonicalize(&existing).unwrap_or(existing);
        full.extend(rest.into_iter().rev());
        full.strip_prefix(&base)
            .map_err(|_| format!("--only {shown} is not inside {}", dir.display()))?
            .to_path_buf()
    } else {
        raw.to_path_buf()
    };
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => parts.push(
                s.to_str()
                    .ok_or_else(|| format!("--only {shown} is not valid UTF-8"))?
                    .to_string(),
            ),
            Component::CurDir => {}
            _ => {
                return Err(format!(
                    "--only {shown} must be a path inside DIR, relative to it (no `..`)"
                ))
            }
        }
    }
    Ok(parts.join("/"))
}

/// Everything `migrate` and `list` share: checks the arguments and runs the pipeline.
struct Prepared {
    run: RunResult,
    dir_shown: String,
}

/// Where a dry run's patch goes, one file's part at a time (with the progress bar to hide).
type PatchSink<'a> = dyn FnMut(String, &Progress) + 'a;

/// With `patch_sink`, a dry run: each file's part of the patch goes to it as soon as its batch is
/// transformed (the texts are not kept, so memory stays flat), and `run.changes` is empty.
fn prepare(args: &RunArgs, patch_sink: Option<&mut PatchSink>) -> Result<Prepared, i32> {
    if !args.dir.is_dir() {
        eprintln!("error: {} is not a folder", args.dir.display());
        return Err(EXIT_USAGE);
    }
    if !valid_group(&args.group) {
        eprintln!("error: --group must be a route group such as \"(api)\", or \"\" for none");
        return Err(EXIT_USAGE);
    }
    let mut only = Vec::new();
    for raw in &args.only {
        match only_path(&args.dir, raw) {
            Ok(p) => only.push(p),
            Err(msg) => {
                eprintln!("error: {msg}");
                return Err(EXIT_USAGE);
            }
        }
    }
    let opts = Options {
        root: args.dir.clone(),
        group: args.group.clone(),
        jobs: args.jobs,
        adapter: args.adapter == AdapterChoice::Auto,
    };
    let progress = Progress::new(ProgressMode::from_env());
    let update = |done: usize, total: usize| progress.update(done, total);
    let hooks = RunHooks {
        only: &only,
        progress: Some(&update),
    };
    let run = match patch_sink {
        Some(sink) => pipeline::run_patch(&opts, hooks, &mut |part| sink(part, &progress)),
        None => pipeline::run_with(&opts, hooks),
    };
    progress.finish();
    let dir_shown = args.dir.to_string_lossy().into_owned();
    for o in &only {
        let hooks = RunHooks {
            only: std::slice::from_ref(o),
            progress: None,
        };
        if !run.files.iter().any(|f| hooks.selects(&f.source)) {
            let why = if args.dir.join(o).exists() {
                "selects no route in a pages/api folder"
            } else {
                "does not exist"
            };
            eprintln!(
                "pages2app: warning: --only {}: {why}",
                output::shown_path(&dir_shown, o)
            );
        }
    }
    if run.files.is_empty() && only.is_empty() && run.warnings.is_empty() {
        eprintln!(
            "pages2app: no route files in a pages/api or src/pages/api folder under {}",
            args.dir.display()
        );
    }
    Ok(Prepared { run, dir_shown })
}

fn migrate(args: MigrateArgs, color: ColorChoice) -> i32 {
    let mut reporting = match Reporting::new(&args.report, args.json) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // A dry run writes each file's part of the patch as soon as it is ready (color_patch
    // restarts at every `diff --git`), above the progress bar when there is one.
    // Buffered: one write per 64 KiB, not one per file.
    let color_out = color.stdout();
    let mut patch_out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut write_part = |part: String, progress: &Progress| {
        let text = if color_out {
            output::color_patch(&part)
        } else {
            part
        };
        if progress.is_shown() {
            progress.suspend(|| {
                let _ = patch_out.write_all(text.as_bytes());
                let _ = patch_out.flush();
            });
        } else {
            let _ = patch_out.write_all(text.as_bytes());
        }
    };
    let sink: Option<&mut PatchSink> = if args.dry_run && reporting.format == OutputFormat::Text {
        Some(&mut write_part)
    } else {
        None
    };
    let prepared = prepare(&args.run, sink);
    let _ = patch_out.flush();
    drop(patch_out);
    let Prepared { mut run, dir_shown } = match prepared {
        Ok(p) => p,
        Err(code) => return code,
    };
    let paint = Paint { on: color.stderr() };
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let unfinished = run.count(Status::Manual) + run.count(Status::Error);

    if args.check {
        let pending = !run.changes.is_empty() || unfinished > 0;
        let what = if pending {
            "would change"
        } else {
            "nothing to migrate"
        };
        reporting.write(&mut out, &run, &dir_shown, what);
        output::write_summary(&mut err, &run, &dir_shown, what, paint);
        return if pending { EXIT_WORK } else { EXIT_OK };
    }
    if args.dry_run {
        reporting.write(&mut out, &run, &dir_shown, "dry run");
        output::write_summary(&mut err, &run, &dir_shown, "dry run", paint);
        return if unfinished > 0 { EXIT_WORK } else { EXIT_OK };
    }
    if !args.allow_dirty {
        if let Err(why) = crate::git_guard::refuse_dirty(&args.run.dir, &run.changes) {
            let _ = writeln!(err, "{}: {why}", paint.paint(output::BOLD_RED, "error"));
            return EXIT_USAGE;
        }
    }
    if let Err(e) = apply::apply(&args.run.dir, &run.changes) {
        for f in &mut run.files {
            if matches!(f.status, Status::Migrated | Status::MigratedWithNotes) {
                f.status = Status::Error;
                f.diagnostics.push(crate::diagnostics::Diagnostic::new(
                    crate::diagnostics::Code::WriteError,
                    format!("not written: {}: {}", e.path, e.message),
                ));
            }
        }
        reporting.write(&mut out, &run, &dir_shown, "not applied");
        let _ = writeln!(
            err,
            "{}: {}: {}; nothing was changed",
            paint.paint(output::BOLD_RED, "error"),
            output::shown_path(&dir_shown, &e.path),
            e.message
        );
        output::write_summary(&mut err, &run, &dir_shown, "not applied", paint);
        return EXIT_WORK;
    }
    reporting.write(&mut out, &run, &dir_shown, "applied");
    output::write_summary(&mut err, &run, &dir_shown, "applied", paint);
    if unfinished > 0 {
        EXIT_WORK
    } else {
        EXIT_OK
    }
}

fn list(args: ListArgs, color: ColorChoice) -> i32 {
    let mut reporting = match Reporting::new(&args.report, args.json) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let Prepared { run, dir_shown } = match prepare(&args.run, None) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut out = std::io::stdout().lock();
    if reporting.format == OutputFormat::Text {
        let table = output::inventory(
            &run,
            Paint { on: color.stdout() },
            crate::table::stdout_width(),
        );
        let _ = out.write_all(table.as_bytes());
    }
    reporting.write(&mut out, &run, &dir_shown, "list");
    let paint = Paint { on: color.stderr() };
    let mut err = std::io::stderr().lock();
    for (path, msg) in &run.warnings {
        let _ = writeln!(
            err,
            "{}: {}: {msg}",
            paint.paint(output::BOLD, &output::shown_path(&dir_shown, path)),
            paint.paint(output::BOLD_YELLOW, "warning")
        );
    }
    let _ = writeln!(
        err,
        "pages2app: {} left: {} can be migrated, {} with notes, {} manual, {} error",
        match run.files.len() {
            1 => "1 route".to_string(),
            n => format!("{n} routes"),
        },
        run.count(Status::Migrated),
        run.count(Status::MigratedWithNotes),
        run.count(Status::Manual),
        run.count(Status::Error)
    );
    EXIT_OK
}

fn explain_cmd(args: ExplainArgs, color: ColorChoice) -> i32 {
    let mut out = std::io::stdout().lock();
    let Some(query) = args.code else {
        let _ = out.write_all(explain::index().as_bytes());
        return EXIT_OK;
    };
    match explain::lookup(&query) {
        Some(info) => {
            let _ = out.write_all(explain::render(info, color.stdout()).as_bytes());
            EXIT_OK
        }
        None => {
            eprintln!("error: no diagnostic code `{query}`; `pages2app explain` lists them all");
            EXIT_USAGE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_are_relative_to_dir() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("pages/api/users")).unwrap();
        assert_eq!(
            only_path(d, Path::new("pages/api/users")).unwrap(),
            "pages/api/users"
        );
        assert_eq!(
            only_path(d, Path::new("./pages/api/users/")).unwrap(),
            "pages/api/users"
        );
        assert_eq!(only_path(d, Path::new(".")).unwrap(), "");
        assert_eq!(
            only_path(d, &d.join("pages/api/users")).unwrap(),
            "pages/api/users"
        );
        assert_eq!(
            only_path(d, &d.join("pages/api/gone.ts")).unwrap(),
            "pages/api/gone.ts"
        );
        assert!(only_path(d, Path::new("../x")).is_err());
        assert!(only_path(d, Path::new("/elsewhere/pages/api")).is_err());
    }
}
