//! The parse ceiling: discovers the route files of a project the way `pages2app migrate` does,
//! reads each once and parses it with swc exactly as the tool does
//! ([`pages2app::parse::parse_module`]), in parallel on a rayon pool, and nothing else.
//!
//! ```text
//! cargo run --release --example parse_only -- --jobs 2 target/bench/corpus-1000
//! ```
//!
//! With `--all-modules` it parses every JavaScript/TypeScript module of the project instead
//! (outside `node_modules`, `.next` and hidden folders): the files a whole-app run that parses
//! everything would read, the ceiling for the whole-app bench case.
//!
//! Prints one line: `files=N bytes=B seconds=S discover_seconds=D parse_errors=E`, where `seconds`
//! covers discovery, reading and parsing (the same stages `migrate` runs before transforming).

// The same allocator as the pages2app binary, so the ceiling is measured on equal terms.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use rayon::prelude::*;

use pages2app::discover::discover;
use pages2app::parse::parse_module;
use pages2app::pipeline::read_source;
use pages2app::route_path::Lang;

#[derive(Parser, Debug)]
#[command(about = "Parse every pages/api route of a project with swc, and nothing else")]
struct Args {
    /// The project folder.
    dir: PathBuf,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Parse every module of the project, not only the routes.
    #[arg(long)]
    all_modules: bool,
}

/// Every module under `dir` (relative paths), sorted.
fn all_modules(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![std::path::PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                if !name.starts_with('.') && name != "node_modules" {
                    stack.push(rel.join(&name));
                }
            } else if ft.is_file() && Lang::from_path(&name).is_some() {
                out.push(rel.join(&name));
            }
        }
    }
    out.sort();
    out
}

fn main() {
    let args = Args::parse();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs)
        .build()
        .expect("a thread pool");
    let start = Instant::now();
    let files: Vec<std::path::PathBuf> = if args.all_modules {
        all_modules(&args.dir)
    } else {
        discover(&args.dir)
            .files
            .into_iter()
            .map(|f| std::path::PathBuf::from(f.source))
            .collect()
    };
    let discovered = start.elapsed().as_secs_f64();
    let (bytes, errors) = pool.install(|| {
        files
            .par_iter()
            .map(|f| {
                let Ok(src) = read_source(&args.dir.join(f)) else {
                    return (0, 1);
                };
                let lang = Lang::from_path(&f.to_string_lossy()).unwrap_or(Lang::Js);
                let failed = parse_module(&src, lang).is_err();
                (src.len(), usize::from(failed))
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    let seconds = start.elapsed().as_secs_f64();
    println!("files={} bytes={bytes} seconds={seconds:.4} discover_seconds={discovered:.4} parse_errors={errors}", files.len());
}
