//! Fixture cases: `fixtures/cases/<case>/input/` is a project before migration,
//! `expected/` the tree after `pages2app migrate` (the generated compat module left out: its
//! helpers are listed in `report.txt`), and `report.txt` every file's status, methods and
//! diagnostics. The test fails on any difference.
//!
//! `UPDATE_FIXTURES=1 cargo test --test fixtures` rewrites expected/ and report.txt; read every
//! changed line before committing them.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use pages2app::pipeline::{self, Change, Options, RunResult};

fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in snapshot(from) {
        let p = to.join(&rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

fn is_compat(rel: &str) -> bool {
    rel.contains("/_pages2app/compat.")
}

fn report_text(run: &RunResult) -> String {
    let mut s = String::new();
    for f in &run.files {
        let _ = write!(s, "{}", f.source);
        if let Some(t) = &f.target {
            let _ = write!(s, " -> {t}");
        }
        if !f.methods.is_empty() {
            let _ = write!(s, " [{}]", f.methods.join(" "));
        }
        let _ = writeln!(s, " {}", f.status.as_str());
        for d in &f.diagnostics {
            let _ = writeln!(
                s,
                "  {} {} {}:{} {}",
                d.code.id(),
                d.severity().as_str(),
                d.line,
                d.column,
                d.message
            );
        }
    }
    for e in &run.edited {
        let _ = writeln!(s, "imports follow in {}: {}", e.path, e.follows.join(", "));
    }
    for c in &run.changes {
        if let Change::Add { path, new } | Change::Modify { path, new, .. } = c {
            if !is_compat(path) {
                continue;
            }
            let helpers = pages2app::runtime::helpers_in(new);
            let _ = writeln!(
                s,
                "compat {path}: {}",
                helpers.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
    }
    s
}

fn run_case(case: &Path) -> Result<(), String> {
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    let input = case.join("input");
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("w");
    copy_tree(&input, &work);
    let opts = Options {
        jobs: 2,
        ..Options::new(work.clone())
    };
    let run = pipeline::run(&opts);
    let report = report_text(&run);
    pages2app::apply::apply(&work, &run.changes)
        .map_err(|e| format!("apply failed: {}: {}", e.path, e.message))?;
    let after: BTreeMap<String, Vec<u8>> = snapshot(&work)
        .into_iter()
        .filter(|(k, _)| !is_compat(k))
        .collect();

    let expected_dir = case.join("expected");
    let report_file = case.join("report.txt");
    if update {
        let _ = std::fs::remove_dir_all(&expected_dir);
        for (rel, bytes) in &after {
            let p = expected_dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        std::fs::write(&report_file, &report).unwrap();
        return Ok(());
    }
    let mut problems = Vec::new();
    let expected = if expected_dir.is_dir() {
        snapshot(&expected_dir)
    } else {
        BTreeMap::new()
    };
    for (rel, bytes) in &expected {
        match after.get(rel) {
            None => problems.push(format!("missing {rel}")),
            Some(got) if got != bytes => problems.push(format!(
                "{rel} differs:\n--- expected\n{}\n--- got\n{}",
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(got)
            )),
            _ => {}
        }
    }
    for rel in after.keys() {
        if !expected.contains_key(rel) {
            problems.push(format!("unexpected file {rel}"));
        }
    }
    let want_report = std::fs::read_to_string(&report_file).unwrap_or_default();
    if want_report != report {
        problems.push(format!(
            "report.txt differs:\n--- expected\n{want_report}--- got\n{report}"
        ));
    }

    // The migrated tree is a fixed point: a second run changes nothing.
    let again = pipeline::run(&opts);
    if !again.changes.is_empty() {
        problems.push(format!(
            "a second run would still change {} file(s)",
            again.changes.len()
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn fixture_cases() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("cases");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "fixture cases are missing");
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_case(case) {
            failures.push(format!(
                "== {} ==\n{e}",
                case.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixture cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
