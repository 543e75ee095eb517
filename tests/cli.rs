//! The command line as a user and a CI job see it: exit codes, the JSON report, `list`,
//! `explain` for every code, `--only`, `pageExtensions`, colors and the progress bar.
//!
//! Colors and progress are checked both with forced modes (`--color always`,
//! `PAGES2APP_PROGRESS=always`) and on a real pseudo-terminal through `script(1)` when it is
//! installed.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use pages2app::diagnostics::CODES;
use predicates::prelude::*;
use predicates::str::contains;

const BIN: &str = env!("CARGO_BIN_EXE_pages2app");

fn cmd() -> Command {
    let mut c = Command::new(BIN);
    // Runs must not depend on the environment of whoever runs the tests.
    c.env_remove("NO_COLOR")
        .env_remove("PAGES2APP_PROGRESS")
        .env_remove("CI")
        .env_remove("COLUMNS");
    c
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const OK_ROUTE: &str = "import type { NextApiRequest, NextApiResponse } from 'next';\n\nexport default function handler(req: NextApiRequest, res: NextApiResponse) {\n  res.status(200).json({ ok: true });\n}\n";
/// Exporting a value besides the handler that cannot move beside route.ts (top-level code
/// changes it when the module loads), which keeps it manual (P2A104, which the adapter cannot
/// take either); the wrapper alone would go to the adapter.
const MANUAL_ROUTE: &str = "import { withAuth } from '../../lib/auth';\n\nfunction handler(req, res) {\n  res.json({ user: 1 });\n}\n\nexport default withAuth(handler);\nexport const role = { name: 'user' };\nrole.name = 'admin';\n";

/// Wrapped only: migrated through the Pages req/res adapter unless `--adapter never`.
const WRAPPED_ROUTE: &str = "import { withAuth } from '../../lib/auth';\n\nfunction handler(req, res) {\n  res.json({ user: 1 });\n}\n\nexport default withAuth(handler);\n";

/// A small Next app: `package.json` with next, two routes that migrate, optionally one that
/// needs manual work.
fn app(manual: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "package.json",
        r#"{ "dependencies": { "next": "16.4.6" } }"#,
    );
    write(r, "pages/api/hello.ts", OK_ROUTE);
    write(r, "pages/api/users/[id].ts", OK_ROUTE);
    if manual {
        write(r, "pages/api/me.ts", MANUAL_ROUTE);
    }
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn demo_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-app"),
        dir.path(),
    );
    dir
}

fn stdout_of(c: &mut Command) -> String {
    String::from_utf8(c.output().unwrap().stdout).unwrap()
}

fn stderr_of(c: &mut Command) -> String {
    String::from_utf8(c.output().unwrap().stderr).unwrap()
}

fn has_ansi() -> impl Predicate<str> {
    contains("\x1b[")
}

/// From the summary line `pages2app: WHAT: A migrated, B migrated with notes, C manual, D error`:
/// (A + B, C, D), so tests do not depend on which routes carry notes.
fn counts(stderr: &str, what: &str) -> (usize, usize, usize) {
    let prefix = format!("pages2app: {what}: ");
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .expect("a summary line");
    let n: Vec<usize> = line
        .split(", ")
        .map(|p| p.split(' ').next().unwrap().parse().unwrap())
        .collect();
    (n[0] + n[1], n[2], n[3])
}

// ---------------------------------------------------------------------------------------------
// Exit codes

#[test]
fn exit_codes() {
    let clean = app(false);
    let d = clean.path();
    // Work to do: --check exits 1 and changes nothing.
    cmd()
        .args(["migrate", "--check"])
        .arg(d)
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("pages2app: would change: 2 migrated"));
    assert!(d.join("pages/api/hello.ts").exists());
    // A dry run that migrates everything: 0.
    cmd().args(["migrate", "--dry-run"]).arg(d).assert().code(0);
    // Apply: 0; then nothing is left: --check 0.
    cmd()
        .arg("migrate")
        .arg(d)
        .assert()
        .code(0)
        .stderr(contains("pages2app: applied: 2 migrated"));
    assert!(d.join("app/(api)/api/hello/route.ts").exists());
    cmd()
        .args(["migrate", "--check"])
        .arg(d)
        .assert()
        .code(0)
        .stderr(contains("nothing to migrate"));

    // A file left for manual work: 1 in every mode.
    let manual = app(true);
    let m = manual.path();
    cmd().args(["migrate", "--dry-run"]).arg(m).assert().code(1);
    cmd().arg("migrate").arg(m).assert().code(1);
    cmd().args(["migrate", "--check"]).arg(m).assert().code(1);
    assert!(m.join("pages/api/me.ts").exists());

    // Could not start: 2.
    cmd()
        .args(["migrate", "/no/such/folder"])
        .assert()
        .code(2)
        .stderr(contains("is not a folder"));
    cmd()
        .args(["migrate", "--group", "api"])
        .arg(d)
        .assert()
        .code(2)
        .stderr(contains("--group"));
    cmd()
        .args(["migrate", "--dry-run", "--check"])
        .arg(d)
        .assert()
        .code(2);
    cmd().args(["migrate", "--no-such-flag"]).assert().code(2);
    cmd()
        .args(["migrate", "--only", "../elsewhere"])
        .arg(d)
        .assert()
        .code(2)
        .stderr(contains("--only"));
    cmd()
        .args(["--color", "sometimes", "migrate"])
        .arg(d)
        .assert()
        .code(2);
    cmd().args(["list", "/no/such/folder"]).assert().code(2);
    cmd()
        .args(["explain", "P2A999"])
        .assert()
        .code(2)
        .stderr(contains("pages2app explain"));
    cmd().assert().code(2);
    cmd()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(contains("migrate"))
        .stdout(contains("explain"))
        .stdout(contains("Exit codes"));
}

// ---------------------------------------------------------------------------------------------
// --json

#[test]
fn json_report_shape() {
    let manual = app(true);
    let out = stdout_of(
        cmd()
            .args(["migrate", "--dry-run", "--json"])
            .arg(manual.path()),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    let files = v["files"].as_array().unwrap();
    let sources: Vec<&str> = files
        .iter()
        .map(|f| f["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "pages/api/hello.ts",
            "pages/api/me.ts",
            "pages/api/users/[id].ts"
        ]
    );
    for f in files {
        for key in [
            "source",
            "target",
            "url",
            "methods",
            "status",
            "diagnostics",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
    assert_eq!(files[0]["target"], "app/(api)/api/hello/route.ts");
    assert_eq!(files[0]["url"], "/api/hello");
    assert_eq!(files[2]["url"], "/api/users/[id]");
    assert!(files[0]["methods"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m == "GET"));
    assert_eq!(files[1]["status"], "manual");
    let d = &files[1]["diagnostics"][0];
    assert_eq!(d["code"], "P2A104");
    assert_eq!(d["severity"], "error");
    assert!(d["line"].as_u64().unwrap() > 0 && d["column"].as_u64().unwrap() > 0);
    assert!(d["message"].as_str().unwrap().contains("`role`"));
    let s = &v["summary"];
    assert_eq!(
        (
            s["migrated"].as_u64(),
            s["migrated-with-notes"].as_u64(),
            s["manual"].as_u64(),
            s["error"].as_u64()
        ),
        (Some(2), Some(0), Some(1), Some(0))
    );

    // --check --json prints the same report; so does list --json.
    let check = stdout_of(
        cmd()
            .args(["migrate", "--check", "--json"])
            .arg(manual.path()),
    );
    assert_eq!(check, out);
    let list = stdout_of(cmd().args(["list", "--json"]).arg(manual.path()));
    assert_eq!(list, out);
    // JSON output is never colored.
    cmd()
        .args(["--color", "always", "migrate", "--dry-run", "--json"])
        .arg(manual.path())
        .assert()
        .stdout(has_ansi().not());
}

// ---------------------------------------------------------------------------------------------
// Summary on stderr

#[test]
fn summary_has_one_compiler_style_line_per_finding() {
    let manual = app(true);
    let dir = manual.path().to_str().unwrap().to_string();
    let err = stderr_of(cmd().args(["migrate", "--dry-run", &dir]));
    let lines: Vec<&str> = err.lines().collect();
    // path:line:col: severity[CODE]: message, the path as the user can open it.
    let finding = format!("{dir}/pages/api/me.ts:8:1: error[P2A104]: ");
    assert!(lines.iter().any(|l| l.starts_with(&finding)), "{err}");
    assert!(
        lines.contains(&"pages2app: dry run: 2 migrated, 0 migrated with notes, 1 manual, 0 error"),
        "{err}"
    );
    assert!(
        lines.last().unwrap().contains("pages2app explain P2A104"),
        "{err}"
    );
    // Notes (info) are not listed; nothing is colored when stderr is not a terminal.
    assert!(!err.contains("P2A30"), "{err}");
    assert!(!err.contains('\x1b'));

    // Quiet when all is well: only the counts.
    let clean = app(false);
    let err = stderr_of(cmd().args(["migrate", "--dry-run"]).arg(clean.path()));
    assert_eq!(
        err,
        "pages2app: dry run: 2 migrated, 0 migrated with notes, 0 manual, 0 error\n"
    );

    // --color always colors stderr too.
    cmd()
        .args(["--color", "always", "migrate", "--dry-run", &dir])
        .assert()
        .stderr(has_ansi());
}

// ---------------------------------------------------------------------------------------------
// Colors

#[test]
fn color_modes_for_the_patch() {
    let a = app(false);
    let plain = stdout_of(cmd().args(["migrate", "--dry-run"]).arg(a.path()));
    assert!(plain.starts_with("diff --git "));
    assert!(!plain.contains('\x1b'), "auto on a pipe must not color");

    let always = stdout_of(
        cmd()
            .args(["migrate", "--dry-run", "--color", "always"])
            .arg(a.path()),
    );
    assert!(always.contains("\x1b[32m+"), "additions green");
    assert!(always.contains("\x1b[31m-"), "removals red");
    assert!(always.contains("\x1b[1mdiff --git "), "headers bold");
    // Same text once the escapes are removed.
    let stripped = strip_ansi(&always);
    assert_eq!(stripped, plain);

    let never = stdout_of(
        cmd()
            .args(["migrate", "--dry-run", "--color=never"])
            .arg(a.path()),
    );
    assert_eq!(never, plain);
    // The flag works before the subcommand too, and NO_COLOR does not beat --color always.
    let global = stdout_of(
        cmd()
            .args(["--color", "always", "migrate", "--dry-run"])
            .arg(a.path())
            .env("NO_COLOR", "1"),
    );
    assert_eq!(global, always);
}

#[test]
fn uncolored_patch_applies_with_git() {
    if StdCommand::new("git").arg("--version").output().is_err() {
        eprintln!("git not installed; skipped");
        return;
    }
    let a = app(false);
    let d = a.path();
    let git = |args: &[&str]| {
        StdCommand::new("git")
            .args(args)
            .current_dir(d)
            .output()
            .unwrap()
    };
    git(&["init", "-q"]);
    let patch = stdout_of(
        cmd()
            .args(["migrate", "--dry-run", "--color", "never"])
            .arg(d),
    );
    std::fs::write(d.join("p.diff"), &patch).unwrap();
    let out = git(&["apply", "p.diff"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(d.join("app/(api)/api/users/[id]/route.ts").exists());
    assert!(!d.join("pages/api/hello.ts").exists());
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs `pages2app ARGS` on a pseudo-terminal (stdin, stdout and stderr all on it) with `env`;
/// `None` when `script(1)` is not available.
fn on_pty(args: &str, env: &[(&str, &str)]) -> Option<String> {
    let probe = StdCommand::new("script")
        .args(["-qec", "true", "/dev/null"])
        .output()
        .ok()?;
    if !probe.status.success() {
        return None;
    }
    // PAGES2APP_TEST_STTY: `stty` settings of the terminal first (its size).
    let stty = env
        .iter()
        .find(|(k, _)| *k == "PAGES2APP_TEST_STTY")
        .map_or(String::new(), |(_, v)| format!("stty {v} && "));
    let mut c = StdCommand::new("script");
    c.args(["-qec", &format!("{stty}{BIN} {args}"), "/dev/null"]);
    c.env_remove("NO_COLOR")
        .env_remove("PAGES2APP_PROGRESS")
        .env_remove("CI")
        .env("TERM", "xterm-256color");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn auto_colors_on_a_terminal_unless_no_color() {
    let a = app(true);
    let dir = a.path().to_str().unwrap();
    let Some(tty) = on_pty(&format!("migrate --dry-run {dir}"), &[]) else {
        eprintln!("script(1) not available; skipped");
        return;
    };
    assert!(tty.contains("\x1b[32m+"), "{tty}");
    assert!(tty.contains("\x1b[1;31merror[P2A104]"), "{tty}");
    let no_color = on_pty(&format!("migrate --dry-run {dir}"), &[("NO_COLOR", "1")]).unwrap();
    assert!(no_color.contains("diff --git"));
    assert!(!no_color.contains("\x1b["), "{no_color}");
    let never = on_pty(&format!("migrate --dry-run --color never {dir}"), &[]).unwrap();
    assert!(!never.contains("\x1b["), "{never}");
}

// ---------------------------------------------------------------------------------------------
// Progress

/// An app with `n` routes.
fn big_app(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "package.json",
        r#"{ "dependencies": { "next": "16.4.6" } }"#,
    );
    for i in 0..n {
        write(dir.path(), &format!("pages/api/r{i:04}.ts"), OK_ROUTE);
    }
    dir
}

#[test]
fn progress_bar_is_drawn_when_forced_and_never_on_a_pipe() {
    let a = app(false);
    cmd()
        .args(["migrate", "--check"])
        .arg(a.path())
        .env("PAGES2APP_PROGRESS", "always")
        .assert()
        .stderr(contains("pages2app: ["))
        .stderr(contains("/2 routes"));
    // --never wins over a terminal; a pipe gets none, however many files.
    let big = big_app(320);
    let err = stderr_of(cmd().args(["migrate", "--check"]).arg(big.path()));
    assert!(!err.contains("routes ("), "{err}");
    assert_eq!(
        err,
        "pages2app: would change: 320 migrated, 0 migrated with notes, 0 manual, 0 error\n"
    );
    let err = stderr_of(
        cmd()
            .args(["migrate", "--check"])
            .arg(big.path())
            .env("PAGES2APP_PROGRESS", "never"),
    );
    assert!(!err.contains("routes ("));
}

#[test]
fn progress_bar_on_a_terminal_for_big_runs_only_and_not_in_ci() {
    let big = big_app(320);
    let dir = big.path().to_str().unwrap();
    let Some(tty) = on_pty(&format!("migrate --check {dir}"), &[]) else {
        eprintln!("script(1) not available; skipped");
        return;
    };
    assert!(tty.contains("pages2app: ["), "{tty}");
    assert!(tty.contains("/320 routes"), "{tty}");
    let ci = on_pty(&format!("migrate --check {dir}"), &[("CI", "true")]).unwrap();
    assert!(!ci.contains("routes ("), "{ci}");
    assert!(ci.contains("would change: 320 migrated"));
    let small = app(false);
    let small_tty = on_pty(&format!("migrate --check {}", small.path().display()), &[]).unwrap();
    assert!(!small_tty.contains("routes ("), "{small_tty}");
}

// ---------------------------------------------------------------------------------------------
// list

#[test]
fn list_is_the_route_inventory() {
    let demo = demo_app();
    let out = stdout_of(cmd().arg("list").arg(demo.path()));
    let lines: Vec<&str> = out.lines().collect();
    // A header row, then one row per route; piped, nothing is elided.
    assert_eq!(lines.len(), 12, "{out}");
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["SOURCE", "URL", "TARGET", "METHODS", "MODE", "STATUS"]
    );
    assert!(!out.contains('…'), "{out}");
    // Columns line up: each column starts where its header does.
    for header in ["URL", "TARGET", "STATUS"] {
        let at = lines[0].find(header).unwrap();
        for l in &lines[1..] {
            assert!(
                l[..at].ends_with("  ") && !l[at..].starts_with(' '),
                "{header} at {at} in {l:?}"
            );
        }
    }
    let posts: Vec<&str> = lines
        .iter()
        .find(|l| l.starts_with("pages/api/posts/[id].ts "))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        posts[..3],
        [
            "pages/api/posts/[id].ts",
            "/api/posts/[id]",
            "app/(api)/api/posts/[id]/route.ts"
        ]
    );
    assert!(posts[3].split(',').any(|m| m == "DELETE"), "{posts:?}");
    assert_eq!(posts[4], "rewrite");
    assert_eq!(posts[5], "migrated");
    // list changes nothing, and says how much is left.
    assert!(demo.path().join("pages/api/posts/[id].ts").exists());
    assert!(!demo.path().join("app").exists());
    cmd()
        .arg("list")
        .arg(demo.path())
        .assert()
        .code(0)
        .stderr(contains("pages2app: 11 routes left:"));

    // Fitted to the terminal's width (COLUMNS): long cells elided in the middle, never cut; the
    // targets first.
    let narrow = stdout_of(cmd().arg("list").arg(demo.path()).env("COLUMNS", "130"));
    let narrow_lines: Vec<&str> = narrow.lines().collect();
    assert_eq!(narrow_lines.len(), 12, "{narrow}");
    for l in &narrow_lines {
        assert!(l.chars().count() <= 130, "wider than 130: {l:?}");
    }
    let posts_row = narrow_lines
        .iter()
        .find(|l| l.starts_with("pages/api/posts/[id].ts "))
        .unwrap_or_else(|| panic!("{narrow}"));
    assert!(posts_row.contains('…'), "{posts_row}");
    assert!(
        posts_row.contains("route.ts"),
        "the end of the target stays: {posts_row}"
    );
    assert!(posts_row.ends_with("migrated"), "{posts_row}");

    // On a terminal, its width (TIOCGWINSZ) without COLUMNS.
    if let Some(tty) = on_pty(
        &format!("list --color never {}", demo.path().display()),
        &[("PAGES2APP_TEST_STTY", "cols 120 rows 50")],
    ) {
        let rows: Vec<&str> = tty.lines().filter(|l| l.contains("pages/")).collect();
        assert_eq!(rows.len(), 11, "{tty}");
        for l in rows {
            assert!(
                l.trim_end().chars().count() <= 120,
                "wider than the 120-column terminal: {l:?}"
            );
            assert!(l.contains('…'), "{l:?}");
        }
    }

    let manual = app(true);
    let out = stdout_of(cmd().arg("list").arg(manual.path()));
    let me = out
        .lines()
        .find(|l| l.starts_with("pages/api/me.ts "))
        .unwrap();
    assert!(me.ends_with("manual"), "{me}");
    cmd()
        .args(["list", "--color", "always"])
        .arg(manual.path())
        .assert()
        .stdout(has_ansi());
    cmd()
        .arg("list")
        .arg(manual.path())
        .assert()
        .stdout(has_ansi().not());
}

// ---------------------------------------------------------------------------------------------
// explain

#[test]
fn explain_every_code_by_id_and_by_name() {
    for c in CODES {
        for q in [c.id, c.name] {
            let out = stdout_of(cmd().args(["explain", q]));
            assert!(
                out.starts_with(&format!("{} {} (", c.id, c.name)),
                "{q}: {out}"
            );
            for part in ["What it means", "How to fix it", "\nBefore: ", "\nAfter: "] {
                assert!(out.contains(part), "{q}: no {part:?}");
            }
        }
    }
    cmd()
        .args(["explain", "p2a108"])
        .assert()
        .code(0)
        .stdout(contains("response-not-in-tail"))
        .stdout(contains("after("));
    cmd()
        .args(["explain", "P2A108", "--color", "always"])
        .assert()
        .stdout(has_ansi());
    cmd()
        .args(["explain", "P2A108"])
        .assert()
        .stdout(has_ansi().not());
    // Without a code: one line per code.
    let index = stdout_of(cmd().arg("explain"));
    assert_eq!(index.lines().count(), CODES.len());
    for c in CODES {
        assert!(index.contains(c.id) && index.contains(c.name));
    }
    cmd()
        .args(["explain", "not-a-code"])
        .assert()
        .code(2)
        .stdout("");
}

// ---------------------------------------------------------------------------------------------
// --only

#[test]
fn only_migrates_part_of_an_app_and_list_shows_what_is_left() {
    let demo = demo_app();
    let d = demo.path();
    // A dry run of one file: the patch has that route only (and the compat module it needs).
    let patch = stdout_of(
        cmd()
            .args(["migrate", "--dry-run", "--only", "pages/api/health.ts"])
            .arg(d),
    );
    let renames: Vec<&str> = patch
        .lines()
        .filter(|l| l.starts_with("rename from "))
        .collect();
    assert_eq!(renames, ["rename from pages/api/health.ts"]);

    // Apply a folder and a file.
    let err = stderr_of(
        cmd()
            .args([
                "migrate",
                "--only",
                "pages/api/auth",
                "--only",
                "./pages/api/echo.ts",
            ])
            .arg(d),
    );
    assert_eq!(counts(&err, "applied"), (4, 0, 0), "{err}");
    assert!(d.join("app/(api)/api/auth/login/route.ts").exists());
    assert!(!d.join("pages/api/auth/login.ts").exists());
    assert!(d.join("pages/api/health.ts").exists());
    let left = stdout_of(cmd().arg("list").arg(d));
    assert_eq!(left.lines().count(), 1 + 7, "a header and 7 routes: {left}");
    assert!(!left.contains("pages/api/auth/"));
    // An absolute path inside DIR works; one that matches nothing warns and changes nothing.
    let abs = d.join("pages/api/health.ts");
    cmd()
        .args(["migrate", "--check", "--only"])
        .arg(&abs)
        .arg(d)
        .assert()
        .code(1)
        .stderr(contains("would change: 1 migrated"));
    cmd()
        .args(["migrate", "--check", "--only", "pages/api/auth"])
        .arg(d)
        .assert()
        .code(0)
        .stderr(contains("--only"))
        .stderr(contains("does not exist"));
    cmd()
        .args(["list", "--only", "lib"])
        .arg(d)
        .assert()
        .code(0)
        .stdout("")
        .stderr(contains("selects no route"));
    // The rest, then nothing is left.
    let err = stderr_of(cmd().arg("migrate").arg(d));
    assert_eq!(counts(&err, "applied"), (7, 0, 0), "{err}");
    cmd()
        .arg("list")
        .arg(d)
        .assert()
        .stdout("")
        .stderr(contains("0 routes left"));
}

// ---------------------------------------------------------------------------------------------
// Project conventions

#[test]
fn page_extensions_from_next_config() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "package.json",
        r#"{ "dependencies": { "next": "16.4.6" } }"#,
    );
    write(d, "next.config.mjs", "/** @type {import('next').NextConfig} */\nexport default {\n  reactStrictMode: true,\n  pageExtensions: ['page.tsx', 'api.ts'],\n};\n");
    write(d, "pages/api/users/index.api.ts", OK_ROUTE);
    write(d, "pages/api/users/[id].api.ts", OK_ROUTE);
    write(d, "pages/api/users/helpers.ts", "export const x = 1;\n");
    write(
        d,
        "pages/api/users/helpers.test.ts",
        "test('x', () => {});\n",
    );
    let out = stdout_of(cmd().args(["list", "--json"]).arg(d));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows: Vec<(&str, &str, &str)> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["source"].as_str().unwrap(),
                f["url"].as_str().unwrap(),
                f["target"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "pages/api/users/[id].api.ts",
                "/api/users/[id]",
                "app/(api)/api/users/[id]/route.api.ts"
            ),
            (
                "pages/api/users/index.api.ts",
                "/api/users",
                "app/(api)/api/users/route.api.ts"
            ),
        ]
    );
    cmd().arg("migrate").arg(d).assert().code(0);
    assert!(d.join("app/(api)/api/users/route.api.ts").exists());
    assert!(
        d.join("pages/api/users/helpers.ts").exists(),
        "not a route: left alone"
    );

    // A pageExtensions that is not a literal: a warning, and the default extensions.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "next.config.js",
        "const exts = ['ts'];\nmodule.exports = { pageExtensions: exts };\n",
    );
    write(d, "pages/api/a.ts", OK_ROUTE);
    cmd()
        .args(["migrate", "--check"])
        .arg(d)
        .assert()
        .code(1)
        .stderr(contains(
            "next.config.js: warning: cannot read `pageExtensions`",
        ))
        .stderr(contains("1 migrated"));
}

#[test]
fn app_roots_and_trees_that_cannot_be_placed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A monorepo: an app found by next.config.js with src/pages, one found by package.json.
    write(d, "apps/web/next.config.js", "module.exports = {};\n");
    write(d, "apps/web/src/pages/api/a.ts", OK_ROUTE);
    write(
        d,
        "apps/admin/package.json",
        r#"{ "devDependencies": { "next": "^15" } }"#,
    );
    write(d, "apps/admin/pages/api/b.ts", OK_ROUTE);
    // No marker: migrated where it would go, with a warning.
    write(d, "scratch/pages/api/c.ts", OK_ROUTE);
    // src/pages next to pages/: Next ignores it.
    write(d, "apps/admin/src/pages/api/d.ts", OK_ROUTE);
    let out = stdout_of(cmd().args(["list"]).arg(d));
    let targets: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(2).unwrap())
        .collect();
    assert_eq!(
        targets,
        [
            "apps/admin/app/(api)/api/b/route.ts",
            "apps/web/src/app/(api)/api/a/route.ts",
            "scratch/app/(api)/api/c/route.ts"
        ]
    );
    let err = stderr_of(cmd().args(["migrate", "--dry-run"]).arg(d));
    assert!(
        err.contains("scratch/pages/api: warning: cannot place this tree in a Next.js app"),
        "{err}"
    );
    assert!(
        err.contains("apps/admin/src/pages/api: warning: Next serves `apps/admin/pages`"),
        "{err}"
    );
    assert!(err.contains("dry run: 3 migrated"), "{err}");
    // The JSON report carries them too (a `warnings` array, only when there are some).
    let v: serde_json::Value =
        serde_json::from_str(&stdout_of(cmd().args(["list", "--json"]).arg(d))).unwrap();
    let paths: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["apps/admin/src/pages/api", "scratch/pages/api"]);
    let clean = app(false);
    let v: serde_json::Value =
        serde_json::from_str(&stdout_of(cmd().args(["list", "--json"]).arg(clean.path()))).unwrap();
    assert!(v.get("warnings").is_none());
}

#[test]
fn no_routes_found_is_said() {
    let dir = tempfile::tempdir().unwrap();
    cmd()
        .args(["migrate", "--check"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(contains("no route files in a pages/api"));
}

// ---------------------------------------------------------------------------------------------
// The Pages req/res adapter

#[test]
fn wrapped_routes_run_through_the_adapter_unless_told_never() {
    let dir = app(false);
    write(dir.path(), "pages/api/me.ts", WRAPPED_ROUTE);
    let out = stdout_of(
        cmd()
            .args(["migrate", "--dry-run", "--json"])
            .arg(dir.path()),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let me = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["source"] == "pages/api/me.ts")
        .unwrap();
    assert_eq!(me["status"], "migrated-with-notes", "{me}");
    assert_eq!(me["mode"], "adapter");
    assert_eq!(me["diagnostics"][0]["code"], "P2A213");
    assert_eq!(me["diagnostics"][0]["line"], 7);
    assert!(me["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("P2A102"));
    assert_eq!(me["methods"].as_array().unwrap().len(), 7);
    let hello = &v["files"][0];
    assert_eq!(hello["mode"], "rewrite");

    let patch = stdout_of(cmd().args(["migrate", "--dry-run"]).arg(dir.path()));
    assert!(
        patch.contains("+const routeHandler = withAuth(handler);"),
        "{patch}"
    );
    assert!(
        patch.contains("+const route = pages.adapt(routeHandler);"),
        "{patch}"
    );
    assert!(patch.contains("+export function adapt("), "{patch}");

    let never = stdout_of(
        cmd()
            .args(["migrate", "--dry-run", "--json", "--adapter", "never"])
            .arg(dir.path()),
    );
    let v: serde_json::Value = serde_json::from_str(&never).unwrap();
    assert_eq!(v["files"][1]["status"], "manual");
    assert!(v["files"][1].get("mode").is_none());
    assert_eq!(v["files"][1]["diagnostics"][0]["code"], "P2A102");

    let list = stdout_of(cmd().arg("list").arg(dir.path()));
    let me = list
        .lines()
        .find(|l| l.starts_with("pages/api/me.ts "))
        .unwrap();
    assert!(me.contains(" adapter "), "{me}");
}

/// A gradual migration: the App Router versions (twins) of a helper module that a first run
/// wrote are used as they are by a later run, and a twin someone edited is never overwritten.
#[test]
fn twins_are_reused_by_a_later_run_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_tree(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases/app-helpers/input"),
        root,
    );
    let run = |only: &str| {
        cmd()
            .args(["migrate", "--only", only])
            .arg(root)
            .assert()
            .success();
    };
    let read = |rel: &str| std::fs::read_to_string(root.join(rel)).unwrap();
    run("pages/api/items/index.ts");
    let twin = read("lib/respond.app.ts");
    assert!(
        twin.contains("export const ok = (request: Request"),
        "{twin}"
    );
    assert!(root.join("pages/api/items/[id].ts").is_file());

    run("pages/api/items/[id].ts");
    assert_eq!(read("lib/respond.app.ts"), twin);
    let route = read("app/(api)/api/items/[id]/route.ts");
    assert!(
        route.contains("from '../../../../../lib/respond.app.js'"),
        "{route}"
    );
    assert!(route.contains("return ok(request, { id });"), "{route}");

    let edited = format!("{twin}\n// tuned by hand\n");
    write(root, "lib/respond.app.ts", &edited);
    let said = stderr_of(
        cmd()
            .args(["migrate", "--dry-run", "--only", "pages/api/me.ts"])
            .arg(root),
    );
    assert!(
        said.contains("lib/respond.app.ts")
            && said.contains("differs from what pages2app would write now"),
        "{said}"
    );
    run("pages/api/me.ts");
    assert_eq!(read("lib/respond.app.ts"), edited);
    let me = read("app/(api)/api/me/route.ts");
    assert!(me.contains("pages.adapt("), "{me}");
    assert!(me.contains("from '../../../../lib/respond'"), "{me}");
}
