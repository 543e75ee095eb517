//! The command line: `pages2app migrate [--dry-run | --check] [--json] [DIR]`.
//!
//! Exit codes (a public contract): 0 done and nothing left; 1 `--check` found work, or some file
//! could not be migrated (manual or error); 2 the run could not start.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::diagnostics::Severity;
use crate::pipeline::{self, Options, RunResult, Status};
use crate::{apply, patch, report};

#[derive(Parser, Debug)]
#[command(
    name = "pages2app",
    version,
    about = "Migrate Next.js Pages Router API routes (pages/api) to App Router Route Handlers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Migrate every pages/api route under DIR (default: the current folder).
    Migrate(MigrateArgs),
}

#[derive(Args, Debug)]
struct MigrateArgs {
    /// The project (or monorepo) folder.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Print the migration as a git patch on stdout; change nothing.
    #[arg(long, conflicts_with = "check")]
    dry_run: bool,
    /// Change nothing; exit 1 when any route would be migrated or needs manual work.
    #[arg(long)]
    check: bool,
    /// Print the JSON report on stdout instead of the patch.
    #[arg(long)]
    json: bool,
    /// Route group for migrated routes ("" for none).
    #[arg(long, default_value = "(api)")]
    group: String,
    /// Worker threads (default: all cores).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
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
        Command::Migrate(args) => migrate(args),
    }
}

fn valid_group(g: &str) -> bool {
    g.is_empty() || (g.starts_with('(') && g.ends_with(')') && g.len() > 2 && !g.contains('/'))
}

fn migrate(args: MigrateArgs) -> i32 {
    if !args.dir.is_dir() {
        eprintln!("error: {} is not a folder", args.dir.display());
        return EXIT_USAGE;
    }
    if !valid_group(&args.group) {
        eprintln!("error: --group must be a route group such as \"(api)\", or \"\" for none");
        return EXIT_USAGE;
    }
    let opts = Options {
        root: args.dir.clone(),
        group: args.group.clone(),
        jobs: args.jobs,
    };
    let run = pipeline::run(&opts);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();

    print_diagnostics(&run);
    let unfinished = run.count(Status::Manual) + run.count(Status::Error);

    if args.check {
        if args.json {
            let _ = out.write_all(report::to_json(&run).as_bytes());
        }
        let pending = !run.changes.is_empty() || unfinished > 0;
        eprintln!(
            "{}",
            summary_line(
                &run,
                if pending {
                    "would change"
                } else {
                    "nothing to migrate"
                }
            )
        );
        return if pending { EXIT_WORK } else { EXIT_OK };
    }
    if args.dry_run {
        if args.json {
            let _ = out.write_all(report::to_json(&run).as_bytes());
        } else {
            let _ = out.write_all(patch::render(&run.changes).as_bytes());
        }
        eprintln!("{}", summary_line(&run, "dry run"));
        return if unfinished > 0 { EXIT_WORK } else { EXIT_OK };
    }
    let mut run = run;
    if let Err(e) = apply::apply(&args.dir, &run.changes) {
        eprintln!("error: {}: {}; nothing was changed", e.path, e.message);
        for f in &mut run.files {
            if matches!(f.status, Status::Migrated | Status::MigratedWithNotes) {
                f.status = Status::Error;
                f.diagnostics.push(crate::diagnostics::Diagnostic::new(
                    crate::diagnostics::Code::WriteError,
                    format!("not written: {}: {}", e.path, e.message),
                ));
            }
        }
        if args.json {
            let _ = out.write_all(report::to_json(&run).as_bytes());
        }
        return EXIT_WORK;
    }
    if args.json {
        let _ = out.write_all(report::to_json(&run).as_bytes());
    }
    eprintln!("{}", summary_line(&run, "applied"));
    if unfinished > 0 {
        EXIT_WORK
    } else {
        EXIT_OK
    }
}

fn print_diagnostics(run: &RunResult) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for f in &run.files {
        for d in &f.diagnostics {
            if d.severity() == Severity::Info {
                continue;
            }
            let pos = if d.line > 0 {
                format!(":{}:{}", d.line, d.column)
            } else {
                String::new()
            };
            let _ = writeln!(
                err,
                "{}{pos}: {}[{}]: {}",
                f.source,
                d.severity().as_str(),
                d.code.id(),
                d.message
            );
        }
    }
}

fn summary_line(run: &RunResult, what: &str) -> String {
    format!(
        "pages2app: {what}: {} migrated, {} migrated with notes, {} manual, {} error",
        run.count(Status::Migrated),
        run.count(Status::MigratedWithNotes),
        run.count(Status::Manual),
        run.count(Status::Error)
    )
}
