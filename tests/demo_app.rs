//! The demo app end to end through the binary: the dry-run patch applies with `git apply` and
//! gives the same tree as `migrate`; a second run finds nothing to do; migrated routes keep no
//! `req.`/`res.` reference and no `NextApiRequest`; the output is the same with 1 and 2 jobs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_pages2app")
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("demo-app")
}

fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel == ".git" || rel.starts_with("node_modules") || rel.starts_with(".next") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn copy_demo(to: &Path) {
    for (rel, bytes) in snapshot(&demo()) {
        let p = to.join(&rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn dry_run_patch_applies_and_matches_migrate() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    copy_demo(&a);
    copy_demo(&b);
    git(&a, &["init", "-q"]);

    let before = snapshot(&a);
    let dry = Command::new(bin())
        .args(["migrate", "--dry-run"])
        .arg(&a)
        .output()
        .unwrap();
    assert_eq!(
        dry.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(snapshot(&a), before, "--dry-run changed nothing on disk");
    let patch = tmp.path().join("p.diff");
    std::fs::write(&patch, &dry.stdout).unwrap();
    git(&a, &["apply", patch.to_str().unwrap()]);

    let run = Command::new(bin()).arg("migrate").arg(&b).output().unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        snapshot(&a),
        snapshot(&b),
        "git apply of the dry run gives the same tree as migrate"
    );

    // A second run finds nothing to do.
    let check = Command::new(bin())
        .args(["migrate", "--check"])
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let again = Command::new(bin())
        .args(["migrate", "--dry-run"])
        .arg(&b)
        .output()
        .unwrap();
    assert!(again.stdout.is_empty(), "second dry run prints no patch");

    // The migrated routes no longer use the Pages API.
    let tree = snapshot(&b);
    let routes: Vec<_> = tree
        .iter()
        .filter(|(k, _)| k.ends_with("/route.ts"))
        .collect();
    assert!(
        routes.len() >= 8,
        "the demo app has 8-12 routes, got {}",
        routes.len()
    );
    for (path, bytes) in routes {
        let text = String::from_utf8_lossy(bytes);
        for banned in ["req.", "res.", "NextApiRequest", "NextApiResponse"] {
            assert!(!text.contains(banned), "{path} still contains `{banned}`");
        }
    }
    assert!(
        !tree.keys().any(|k| k.starts_with("pages/api/")),
        "every demo route migrated"
    );
}

#[test]
fn check_reports_pending_work_before_migration() {
    let check = Command::new(bin())
        .args(["migrate", "--check"])
        .arg(demo())
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
}

#[test]
fn output_does_not_depend_on_jobs() {
    let run = |jobs: &str, json: bool| {
        let mut c = Command::new(bin());
        c.args(["migrate", "--dry-run", "--jobs", jobs]);
        if json {
            c.arg("--json");
        }
        c.arg(demo()).output().unwrap().stdout
    };
    assert_eq!(run("1", false), run("2", false));
    assert_eq!(run("1", true), run("2", true));
}
