//! Apply is all or nothing, git safety, and idempotence.
//!
//! - A write failing at any point (forced by the `PAGES2APP_FAIL_WRITE_AFTER`,
//!   `PAGES2APP_FAIL_PLACE_AFTER`, `PAGES2APP_FAIL_SYNC_AFTER` and `PAGES2APP_FAIL_REMOVE_AFTER`
//!   test hooks) leaves a tree byte-identical to the start.
//! - `migrate` refuses (exit 2) when files it would touch have uncommitted changes in git,
//!   unless `--allow-dirty`.
//! - Migrating a migrated tree is a no-op; the tool leaves its own output alone.

mod common;

use std::path::Path;

use common::*;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let ft = e.file_type().expect("file_type");
        if ft.is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else if ft.is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
    }
}

fn demo_app(to: &Path) {
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-app"),
        to,
    );
}

/// The demo app with part of it already migrated, so that the full run both adds routes and
/// extends the existing compat module (a Modify change).
fn half_migrated_demo(to: &Path) {
    demo_app(to);
    let out = run_in(to, &["migrate", "--only", "pages/api/search.ts"], &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

fn count_changes(dir: &Path) -> usize {
    let patch = run_in(dir, &["migrate", "--dry-run"], &[]).stdout;
    patch.matches("diff --git ").count()
}

#[test]
fn a_failed_write_at_any_point_rolls_back_to_an_identical_tree() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = tmp.path().join("base");
    half_migrated_demo(&base);
    let patch = run_in(&base, &["migrate", "--dry-run"], &[]).stdout;
    assert!(
        patch.contains("compat.ts\n--- a/"),
        "the full run modifies the compat module:\n{patch}"
    );
    let n = count_changes(&base);
    assert!(n >= 8, "{n} changes");
    for fail_after in 0..n {
        let dir = tmp.path().join(format!("w{fail_after}"));
        copy_dir(&base, &dir);
        let before = snapshot(&dir);
        let out = run_in(
            &dir,
            &["migrate"],
            &[("PAGES2APP_FAIL_WRITE_AFTER", &fail_after.to_string())],
        );
        assert_eq!(out.code, Some(1), "fail after {fail_after}: {}", out.stderr);
        assert!(out.stderr.contains("injected failure"), "{}", out.stderr);
        assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
        assert_same_tree(&before, &snapshot(&dir));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
    // Failing while the sources are being removed: rolled back as well.
    for fail_after in [0, 1, 5] {
        let dir = tmp.path().join(format!("r{fail_after}"));
        copy_dir(&base, &dir);
        let before = snapshot(&dir);
        let out = run_in(
            &dir,
            &["migrate"],
            &[("PAGES2APP_FAIL_REMOVE_AFTER", &fail_after.to_string())],
        );
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        assert_same_tree(&before, &snapshot(&dir));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
    // Failing while the staged files are given their names, or at either sync before the
    // sources are touched: rolled back as well.
    let late: Vec<(&str, usize)> = (0..n)
        .map(|k| ("PAGES2APP_FAIL_PLACE_AFTER", k))
        .chain([0, 1].map(|k| ("PAGES2APP_FAIL_SYNC_AFTER", k)))
        .collect();
    for (hook, fail_after) in late {
        let dir = tmp.path().join(format!("{hook}-{fail_after}"));
        copy_dir(&base, &dir);
        let before = snapshot(&dir);
        let out = run_in(&dir, &["migrate"], &[(hook, &fail_after.to_string())]);
        assert_eq!(out.code, Some(1), "{hook}={fail_after}: {}", out.stderr);
        assert!(out.stderr.contains("injected failure"), "{}", out.stderr);
        assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
        assert_same_tree(&before, &snapshot(&dir));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
    // Without a failure the same run goes through and leaves no temp files behind.
    let out = run_in(&base, &["migrate"], &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let leftovers: Vec<String> = snapshot(&base)
        .into_keys()
        .filter(|k| k.contains(".pages2app-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn migrating_a_migrated_tree_is_a_no_op() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("app");
    demo_app(&dir);
    let out = run_in(&dir, &["migrate"], &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let migrated = snapshot(&dir);
    let again = run_in(&dir, &["migrate"], &[]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert_same_tree(&migrated, &snapshot(&dir));
    let dry = run_in(&dir, &["migrate", "--dry-run"], &[]);
    assert_eq!(dry.code, Some(0));
    assert_eq!(dry.stdout, "", "empty patch");
    assert_eq!(run_in(&dir, &["migrate", "--check"], &[]).code, Some(0));
}

/// The tool's own output, put back under pages/api, is left exactly as it is: route files export
/// methods, not a default handler.
#[test]
fn the_tool_leaves_its_own_output_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let done = tmp.path().join("done");
    demo_app(&done);
    assert_eq!(run_in(&done, &["migrate"], &[]).code, Some(0));
    let routes: Vec<(String, Vec<u8>)> = snapshot(&done)
        .into_iter()
        .filter(|(k, _)| k.starts_with("app/") && k.contains("/route."))
        .filter_map(|(k, v)| match v {
            Entry::File(b) => Some((k, b)),
            _ => None,
        })
        .collect();
    assert!(routes.len() >= 8);
    let again = tmp.path().join("again");
    next_app(&again);
    for (i, (path, bytes)) in routes.iter().enumerate() {
        let ext = path.rsplit('.').next().unwrap_or("ts");
        write(&again, &format!("pages/api/r{i}.{ext}"), bytes);
    }
    let before = snapshot(&again);
    let out = run_in(&again, &["migrate", "--json"], &[]);
    assert_eq!(
        out.code,
        Some(1),
        "nothing migrates, every file is reported: {}",
        out.stderr
    );
    let r = out.json();
    for f in r["files"].as_array().expect("files") {
        assert_ne!(f["status"], "migrated", "{f:#}");
        assert_ne!(f["status"], "migrated-with-notes", "{f:#}");
    }
    assert_same_tree(&before, &snapshot(&again));
}

#[test]
fn dry_runs_are_byte_identical() {
    let tmp = tempfile::tempdir().expect("tempdir");
    demo_app(tmp.path());
    let a = run_in(tmp.path(), &["migrate", "--dry-run"], &[]);
    let b = run_in(tmp.path(), &["migrate", "--dry-run", "--jobs", "1"], &[]);
    assert!(!a.stdout.is_empty());
    assert_eq!(a.stdout, b.stdout);
}

// ---- git safety ----

fn committed_demo(dir: &Path) {
    demo_app(dir);
    git_commit_all(dir);
}

fn assert_refused(dir: &Path, args: &[&str], names: &[&str]) {
    let before = snapshot(dir);
    let out = run_in(dir, args, &[]);
    assert_eq!(
        out.code,
        Some(2),
        "refusing to start is exit 2: {}",
        out.stderr
    );
    assert!(out.stderr.contains("uncommitted changes"), "{}", out.stderr);
    assert!(out.stderr.contains("--allow-dirty"), "{}", out.stderr);
    for n in names {
        assert!(out.stderr.contains(n), "names {n}: {}", out.stderr);
    }
    assert_same_tree(&before, &snapshot(dir));
}

#[test]
fn refuses_when_touched_files_are_modified_staged_or_untracked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("repo");
    committed_demo(&dir);

    // Modified source.
    let health = dir.join("pages/api/health.ts");
    let orig = std::fs::read_to_string(&health).expect("read");
    std::fs::write(&health, format!("{orig}// wip\n")).expect("write");
    assert_refused(&dir, &["migrate"], &[" M pages/api/health.ts"]);
    // Staged.
    git_ok(&dir, &["add", "pages/api/health.ts"]);
    assert_refused(&dir, &["migrate"], &["M  pages/api/health.ts"]);
    git_ok(&dir, &["reset", "-q", "--hard"]);
    // Untracked route: migrating would delete its only copy.
    write(&dir, "pages/api/new.ts", OK_ROUTE);
    assert_refused(&dir, &["migrate"], &["?? pages/api/new.ts"]);
    // --dry-run and --check never write, so they never refuse.
    assert_eq!(run_in(&dir, &["migrate", "--dry-run"], &[]).code, Some(0));
    // --allow-dirty goes ahead.
    let out = run_in(&dir, &["migrate", "--allow-dirty"], &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(dir.join("app/(api)/api/new/route.ts").is_file());
}

#[test]
fn unrelated_changes_and_no_git_do_not_block() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("repo");
    committed_demo(&dir);
    write(&dir, "README.md", "notes\n");
    write(&dir, "lib/wip.ts", "export const x = 1\n");
    let out = run_in(&dir, &["migrate"], &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);

    // git not installed: nothing to protect, the run goes on.
    let dir = tmp.path().join("nogit");
    committed_demo(&dir);
    write(&dir, "pages/api/new.ts", OK_ROUTE);
    let empty_path = tmp.path().join("empty-bin");
    std::fs::create_dir_all(&empty_path).expect("mkdir");
    let out = run_in(
        &dir,
        &["migrate"],
        &[("PATH", empty_path.to_str().expect("utf-8"))],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

/// DIR below the repository root (a monorepo app): paths are matched relative to DIR.
#[test]
fn refuses_in_a_subfolder_of_the_repository() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("mono");
    demo_app(&repo.join("apps/web"));
    write(&repo, "package.json", "{}\n");
    git_commit_all(&repo);
    let web = repo.join("apps/web");
    write(
        &web,
        "pages/api/health.ts",
        "export default function h(req, res) {\n  res.json({ wip: true })\n}\n",
    );
    assert_refused(&web, &["migrate"], &[" M pages/api/health.ts"]);
    // Other apps' changes do not count.
    git_ok(&repo, &["checkout", "-q", "--", "."]);
    write(&repo, "apps/other/pages/api/x.ts", OK_ROUTE);
    let out = run_in(&web, &["migrate"], &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

/// Ctrl-C (SIGINT) or SIGTERM in the middle of apply: held until the apply is done, then the
/// process ends by that signal; the tree is fully migrated, never half-written.
#[test]
fn a_signal_mid_apply_waits_for_a_consistent_tree() {
    use std::os::unix::process::ExitStatusExt;
    for (sig, name) in [(2, "INT"), (15, "TERM")] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("app");
        demo_app(&dir);
        let expected = {
            let twin = tmp.path().join("twin");
            demo_app(&twin);
            assert_eq!(run_in(&twin, &["migrate"], &[]).code, Some(0));
            snapshot(&twin)
        };
        let child = std::process::Command::new(bin())
            .args(["migrate", "."])
            .current_dir(&dir)
            .env("PAGES2APP_TEST_WRITE_DELAY_MS", "100")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        // Wait until the first target is written, then signal.
        let start = std::time::Instant::now();
        while !dir.join("app").exists() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(60),
                "apply never started"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let kill = std::process::Command::new("kill")
            .args([&format!("-{name}"), &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(kill.success());
        let out = child.wait_with_output().expect("wait");
        assert_eq!(
            out.status.signal(),
            Some(sig),
            "ended by SIG{name} after the apply: {:?}",
            out.status
        );
        assert_same_tree(&expected, &snapshot(&dir));
    }
}
