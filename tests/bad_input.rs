//! Bad input: each case gives a diagnostic naming the file (and line/column where there is one),
//! the other files of the run still migrate, and the exit code is 1. Nothing hangs or crashes.
//!
//! Tests drive the built binary on temp folders. Some run as root in CI, where chmod does not
//! stop reads or writes: those detect it and, where `setpriv` exists, run the binary as `nobody`.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::*;
use pages2app::pipeline::{self, Change, Options};

fn tree_with_ok(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    next_app(dir.path());
    write(dir.path(), "pages/api/ok.ts", OK_ROUTE);
    for (rel, bytes) in files {
        write(dir.path(), rel, bytes);
    }
    dir
}

/// Runs a dry run with the JSON report; asserts exit 1, that ok.ts migrated, and that stderr
/// names `source` with `code` (and `line:col` when given).
fn expect_reported(
    dir: &Path,
    source: &str,
    code: &str,
    pos: Option<(u64, u64)>,
) -> serde_json::Value {
    let out = dry_run_json(dir);
    assert_eq!(out.code, Some(1), "exit code; stderr:\n{}", out.stderr);
    let report = out.json();
    assert_eq!(status(&report, "pages/api/ok.ts"), "migrated", "{report:#}");
    let d = diags(&report, source);
    let hit = d
        .iter()
        .find(|(c, ..)| c == code)
        .unwrap_or_else(|| panic!("{source}: no {code} in {d:?}"));
    let shown = match pos {
        Some((line, col)) => {
            assert_eq!((hit.1, hit.2), (line, col), "{source}: position of {code}");
            format!("{source}:{line}:{col}: error[{code}]")
        }
        None => format!("{source}: error[{code}]"),
    };
    assert!(
        out.stderr.contains(&shown),
        "stderr lacks `{shown}`:\n{}",
        out.stderr
    );
    // The dry-run patch (without --json) carries the good route.
    let patch = run_in(dir, &["migrate", "--dry-run"], &[]);
    assert!(
        patch.stdout.contains("rename from pages/api/ok.ts"),
        "{}",
        patch.stdout
    );
    report
}

#[test]
fn syntax_error() {
    let dir = tree_with_ok(&[(
        "pages/api/bad.ts",
        b"export default function h(req, res) {\n  res.json({ a: 1 \n}\n",
    )]);
    let r = expect_reported(dir.path(), "pages/api/bad.ts", "P2A001", Some((4, 1)));
    assert_eq!(status(&r, "pages/api/bad.ts"), "error");
}

#[test]
fn invalid_utf8() {
    let dir = tree_with_ok(&[(
        "pages/api/latin1.ts",
        b"export default function h(req, res) {\n  res.json({ name: \"Jos\xe9\" })\n}\n",
    )]);
    let r = expect_reported(dir.path(), "pages/api/latin1.ts", "P2A002", Some((2, 24)));
    assert!(diags(&r, "pages/api/latin1.ts")[0].3.contains("UTF-8"));
}

/// U+0001-U+0004 mark response options inside the transform: a raw one in the source (here in a
/// string and a comment) would be read as a marker and the text around it changed ("a\x01b\x03c"
/// came out as "ac"), so the route is reported and left as it is.
#[test]
fn raw_marker_characters() {
    let dir = tree_with_ok(&[
        (
            "pages/api/sep.ts",
            b"export default function h(req, res) {\n  const sep = \"a\x01b\x03c\"\n  res.status(201).json({ sep })\n}\n",
        ),
        (
            "pages/api/note.js",
            b"// keep \x04 here\nexport default function h(req, res) {\n  res.json({ ok: true })\n}\n",
        ),
    ]);
    let r = expect_reported(dir.path(), "pages/api/sep.ts", "P2A115", Some((2, 17)));
    assert_eq!(status(&r, "pages/api/sep.ts"), "manual");
    expect_reported(dir.path(), "pages/api/note.js", "P2A115", Some((1, 9)));
    let patch = run_in(dir.path(), &["migrate", "--dry-run"], &[]);
    assert!(!patch.stdout.contains("sep.ts"), "{}", patch.stdout);
}

#[test]
fn empty_file() {
    let dir = tree_with_ok(&[("pages/api/empty.ts", b"")]);
    let r = expect_reported(dir.path(), "pages/api/empty.ts", "P2A101", None);
    assert_eq!(status(&r, "pages/api/empty.ts"), "manual");
}

#[test]
fn no_default_export() {
    let dir = tree_with_ok(&[
        (
            "pages/api/helper.ts",
            b"const answer = 42\nfunction helper() {\n  return answer\n}\n",
        ),
        (
            "pages/api/cjs.js",
            b"module.exports = (req, res) => {\n  res.json({})\n}\n",
        ),
    ]);
    let r = expect_reported(dir.path(), "pages/api/helper.ts", "P2A101", None);
    assert_eq!(status(&r, "pages/api/helper.ts"), "manual");
    // A CommonJS handler has no default export either: reported, left as it is.
    assert_eq!(
        status(&r, "pages/api/cjs.js"),
        "manual",
        "{:?}",
        diags(&r, "pages/api/cjs.js")
    );
}

/// A 5 MB route: a big literal table before an ordinary handler. It migrates, in bounded time.
#[test]
fn five_megabyte_route() {
    let mut src = String::from("const TABLE = {\n");
    let mut i = 0;
    while src.len() < 5_000_000 {
        src.push_str(&format!("  \"key{i}\": {{ \"id\": {i}, \"name\": \"item number {i}\", \"tags\": [\"a\", \"b\"] }},\n"));
        i += 1;
    }
    src.push_str(
        "}\n\nexport default function handler(req, res) {\n  res.status(200).json(TABLE)\n}\n",
    );
    // A second big file that is broken at its very end: reported with its line.
    let broken = format!("{src}export default (\n");
    let lines = broken.lines().count() as u64;
    let dir = tree_with_ok(&[
        ("pages/api/big.ts", src.as_bytes()),
        ("pages/api/big-broken.ts", broken.as_bytes()),
    ]);
    let out = dry_run_json(dir.path());
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.elapsed < Duration::from_secs(240),
        "took {:?}",
        out.elapsed
    );
    let r = out.json();
    assert_eq!(
        status(&r, "pages/api/big.ts"),
        "migrated",
        "{:?}",
        diags(&r, "pages/api/big.ts")
    );
    assert_eq!(status(&r, "pages/api/ok.ts"), "migrated");
    let d = diags(&r, "pages/api/big-broken.ts");
    assert_eq!(d[0].0, "P2A001", "{d:?}");
    assert!(d[0].1 >= lines, "line {} of {lines}", d[0].1);
}

/// Files beyond the read limit are reported without being read (a sparse 65 MiB file).
#[test]
fn oversized_file_is_not_read() {
    let dir = tree_with_ok(&[]);
    let f = std::fs::File::create(dir.path().join("pages/api/huge.ts")).expect("create");
    f.set_len(65 << 20).expect("set_len");
    let r = expect_reported(dir.path(), "pages/api/huge.ts", "P2A002", None);
    assert!(diags(&r, "pages/api/huge.ts")[0].3.contains("MiB"));
}

fn handler_with(expr: &str) -> String {
    format!("export default function handler(req, res) {{\n  const v = {expr};\n  res.status(200).json({{ v }})\n}}\n")
}

/// 10,000 levels of nesting in many shapes: each file migrates or is refused with P2A008; the
/// process never overflows its stack (which would kill it with a signal).
#[test]
fn ten_thousand_levels_of_nesting() {
    let n = 10_000;
    let shapes: Vec<(&str, String)> = vec![
        ("parens", format!("{}1{}", "(".repeat(n), ")".repeat(n))),
        ("arrays", format!("{}{}", "[".repeat(n), "]".repeat(n))),
        ("objects", format!("{}1{}", "{a:".repeat(n), "}".repeat(n))),
        ("unary", format!("{}x", "!".repeat(n))),
        ("binary", vec!["1"; n].join("+")),
        ("members", format!("x{}", ".a".repeat(n))),
        ("calls", format!("f{}", "()".repeat(n))),
        ("arrows", format!("{}1", "() => ".repeat(n))),
        (
            "ternaries",
            format!("{}1{}", "a ? ".repeat(n), " : 1".repeat(n)),
        ),
        (
            "templates",
            format!("{}1{}", "`${".repeat(n), "}`".repeat(n)),
        ),
        (
            "functions",
            format!("{}1{}", "function f() { return ".repeat(n), "}".repeat(n)),
        ),
        (
            "generics",
            format!("null as unknown as {}B{}", "A<".repeat(n), ">".repeat(n)),
        ),
    ];
    let dir = tree_with_ok(&[]);
    for (name, expr) in &shapes {
        write(
            dir.path(),
            &format!("pages/api/{name}.ts"),
            handler_with(expr),
        );
    }
    write(dir.path(), "pages/api/blocks.ts", format!("export default function handler(req, res) {{\n  {}{}\n  res.status(200).json({{}})\n}}\n", "{".repeat(n), "}".repeat(n)));
    write(
        dir.path(),
        "pages/api/jsx.tsx",
        handler_with(&format!("{}x{}", "<a>".repeat(n), "</a>".repeat(n))),
    );
    // Far beyond what any stack takes: refused, with the place.
    write(
        dir.path(),
        "pages/api/absurd.ts",
        handler_with(&format!("{}1{}", "(".repeat(500_000), ")".repeat(500_000))),
    );

    let out = dry_run_json(dir.path());
    assert!(
        out.code.is_some(),
        "killed by a signal (stack overflow?):\n{}",
        out.stderr
    );
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let r = out.json();
    assert_eq!(status(&r, "pages/api/ok.ts"), "migrated");
    let mut names: Vec<String> = shapes
        .iter()
        .map(|(n, _)| format!("pages/api/{n}.ts"))
        .collect();
    names.push("pages/api/blocks.ts".into());
    names.push("pages/api/jsx.tsx".into());
    for source in &names {
        let st = status(&r, source);
        let d = diags(&r, source);
        assert!(
            st == "migrated" || (st == "error" && d.iter().any(|x| x.0 == "P2A008")),
            "{source}: {st} {d:?}"
        );
    }
    // The plain expression shapes all fit the stack.
    for plain in [
        "parens",
        "arrays",
        "unary",
        "binary",
        "members",
        "calls",
        "templates",
    ] {
        assert_eq!(
            status(&r, &format!("pages/api/{plain}.ts")),
            "migrated",
            "{plain}"
        );
    }
    let d = diags(&r, "pages/api/absurd.ts");
    assert_eq!(d[0].0, "P2A008", "{d:?}");
    assert_eq!(d[0].1, 2, "line of the deep spot");
    assert!(
        out.stderr.contains("pages/api/absurd.ts:2:"),
        "{}",
        out.stderr
    );
}

/// Spaces, unicode, brackets and parentheses in paths: migrated to the right place (a `(group)`
/// folder would change the URL in app/: P2A007), and the dry-run patch gives the same tree.
#[test]
fn unusual_paths() {
    let files = [
        "pages/api/with space.ts",
        "pages/api/ünïcødé/çafé.ts",
        "pages/api/日本/ルート.js",
        "pages/api/[id]/[...slug].ts",
        "pages/api/opt/[[...all]].ts",
        "pages/api/quote'and\"dq.ts",
        "pages/api/tab\there.ts",
    ];
    let make = || {
        let d = tree_with_ok(&[("pages/api/(group)/g.ts", OK_ROUTE.as_bytes())]);
        for f in files {
            write(d.path(), f, OK_ROUTE);
        }
        d
    };
    let a = make();
    let r = expect_reported(a.path(), "pages/api/(group)/g.ts", "P2A007", None);
    for f in files {
        assert_eq!(status(&r, f), "migrated", "{f}: {:?}", diags(&r, f));
    }
    assert_eq!(
        file(&r, "pages/api/with space.ts")["target"],
        "app/(api)/api/with space/route.ts"
    );
    assert_eq!(
        file(&r, "pages/api/[id]/[...slug].ts")["target"],
        "app/(api)/api/[id]/[...slug]/route.ts"
    );

    // Apply on one copy, `git apply` the dry-run patch on another: same trees.
    let out = run_in(a.path(), &["migrate"], &[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(a
        .path()
        .join("app/(api)/api/ünïcødé/çafé/route.ts")
        .is_file());
    assert!(a
        .path()
        .join("app/(api)/api/日本/ルート/route.js")
        .is_file());
    assert!(a.path().join("app/(api)/api/tab\there/route.ts").is_file());
    assert!(!a.path().join("pages/api/with space.ts").exists());
    assert!(
        a.path().join("pages/api/(group)/g.ts").is_file(),
        "the unmappable file stays"
    );

    let b = make();
    git_commit_all(b.path());
    let patch = run_in(b.path(), &["migrate", "--dry-run"], &[]);
    let mut cmd = Command::new("git");
    cmd.args(["apply", "-"]).current_dir(b.path());
    let o = pipe_to(cmd, patch.stdout.as_bytes());
    assert!(
        o.status.success(),
        "git apply: {}\n{}",
        String::from_utf8_lossy(&o.stderr),
        patch.stdout
    );
    let mut sa = snapshot(a.path());
    let mut sb = snapshot(b.path());
    sb.retain(|k, _| k != ".git" && !k.starts_with(".git/"));
    // git apply leaves emptied folders in place only when something else is there; compare files.
    sa.retain(|_, v| !matches!(v, Entry::Dir));
    sb.retain(|_, v| !matches!(v, Entry::Dir));
    assert_same_tree(&sa, &sb);
}

fn pipe_to(mut cmd: Command, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("pipe");
    child.wait_with_output().expect("wait")
}

/// Symlinks: symlinked folders are not walked (so loops cannot trap the walk) and their routes are
/// not migrated; a symlinked route file migrates (the link is replaced by the route, the file it
/// pointed to stays); links that cannot be read as a file (dangling, a loop, a FIFO, a device)
/// are P2A002 without blocking.
#[test]
fn symlinks_and_loops() {
    use std::os::unix::fs::symlink;
    let dir = tree_with_ok(&[
        ("elsewhere/e.ts", OK_ROUTE.as_bytes()),
        ("lib/real.ts", OK_ROUTE.as_bytes()),
    ]);
    let p = dir.path();
    symlink("../../elsewhere", p.join("pages/api/linked")).expect("symlink");
    symlink(".", p.join("pages/api/loop")).expect("symlink");
    symlink("../api", p.join("pages/api/loop2")).expect("symlink");
    symlink("self.ts", p.join("pages/api/self.ts")).expect("symlink");
    symlink("/nonexistent/x.ts", p.join("pages/api/dangling.ts")).expect("symlink");
    symlink("../../lib/real.ts", p.join("pages/api/alias.ts")).expect("symlink");
    symlink("/dev/zero", p.join("pages/api/zero.ts")).expect("symlink");
    let fifo = p.join("fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if made {
        symlink(&fifo, p.join("pages/api/fifo.ts")).expect("symlink");
    }

    let out = dry_run_json(p);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.elapsed < Duration::from_secs(60));
    let r = out.json();
    assert_eq!(status(&r, "pages/api/ok.ts"), "migrated");
    assert_eq!(status(&r, "pages/api/alias.ts"), "migrated");
    for bad in [
        "pages/api/self.ts",
        "pages/api/dangling.ts",
        "pages/api/zero.ts",
    ] {
        assert_eq!(diags(&r, bad)[0].0, "P2A002", "{bad}");
        assert!(
            out.stderr.contains(&format!("{bad}: error[P2A002]")),
            "{}",
            out.stderr
        );
    }
    if made {
        assert!(diags(&r, "pages/api/fifo.ts")[0]
            .3
            .contains("not a regular file"));
    }
    let files = r["files"].as_array().expect("files");
    // Symlinked folders are not walked: nothing inside them is listed; each link itself is
    // reported (P2A002) so that its routes are not left behind silently.
    let is_link_report = |f: &serde_json::Value| {
        f["diagnostics"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("symlinked folder is not followed"))
    };
    assert!(
        !files.iter().any(|f| !is_link_report(f)
            && f["source"]
                .as_str()
                .is_some_and(|s| s.contains("/linked") || s.contains("/loop"))),
        "symlinked folders are not walked: {r:#}"
    );
    assert!(
        files
            .iter()
            .any(|f| is_link_report(f) && f["source"] == "pages/api/linked"),
        "the symlinked folder is reported: {r:#}"
    );

    // Applied: the link is replaced by the migrated route; what it pointed to is untouched.
    let out = run_in(p, &["migrate"], &[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(p.join("app/(api)/api/alias/route.ts").is_file());
    assert!(std::fs::symlink_metadata(p.join("pages/api/alias.ts")).is_err());
    assert_eq!(
        std::fs::read_to_string(p.join("lib/real.ts")).expect("real"),
        OK_ROUTE
    );
    assert_eq!(
        std::fs::read_to_string(p.join("elsewhere/e.ts")).expect("e"),
        OK_ROUTE
    );
    assert!(std::fs::symlink_metadata(p.join("pages/api/linked")).is_ok());
}

fn setpriv() -> bool {
    Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs the binary as `nobody` (for root, where permissions do not apply).
fn run_as_nobody(dir: &Path, args: &[&str]) -> Out {
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(bin())
        .args(args)
        .arg(".")
        .current_dir(dir)
        .env("HOME", "/tmp");
    run_cmd(cmd, Duration::from_secs(300))
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Makes every folder and file under `root` usable by anyone (for runs as `nobody`).
fn open_up(root: &Path) {
    chmod(root, 0o777);
    for (rel, e) in snapshot(root) {
        match e {
            Entry::Dir => chmod(&root.join(rel), 0o777),
            Entry::File(_) => chmod(&root.join(rel), 0o666),
            _ => {}
        }
    }
}

/// chmod 000 on a route and on a folder of routes: P2A002 naming each. As root, chmod does not
/// stop reads: the file migrates like any other, and the check runs again as `nobody`.
#[test]
fn unreadable_file_and_folder() {
    let dir = tree_with_ok(&[
        ("pages/api/secret.ts", OK_ROUTE.as_bytes()),
        ("pages/api/private/x.ts", OK_ROUTE.as_bytes()),
    ]);
    let p = dir.path();
    let bypassed = permissions_bypassed(p);
    if bypassed {
        chmod(&p.join("pages/api/secret.ts"), 0o000);
        chmod(&p.join("pages/api/private"), 0o000);
        let out = dry_run_json(p);
        assert_eq!(
            out.code,
            Some(0),
            "as root every file is readable:\n{}",
            out.stderr
        );
        assert_eq!(status(&out.json(), "pages/api/secret.ts"), "migrated");
        if !setpriv() {
            eprintln!("running as root without setpriv: the unreadable case cannot be made here");
            chmod(&p.join("pages/api/private"), 0o755);
            return;
        }
        open_up(p);
    }
    chmod(&p.join("pages/api/secret.ts"), 0o000);
    chmod(&p.join("pages/api/private"), 0o000);
    let out = if bypassed {
        run_as_nobody(p, &["migrate", "--dry-run", "--json"])
    } else {
        dry_run_json(p)
    };
    chmod(&p.join("pages/api/private"), 0o755);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let r = out.json();
    assert_eq!(status(&r, "pages/api/ok.ts"), "migrated");
    let d = diags(&r, "pages/api/secret.ts");
    assert_eq!(d[0].0, "P2A002", "{d:?}");
    assert!(d[0].3.contains("ermission denied"), "{d:?}");
    assert!(
        out.stderr.contains("pages/api/secret.ts: error[P2A002]"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("pages/api/private: error[P2A002]"),
        "{}",
        out.stderr
    );
}

/// The target folder cannot be written: apply fails, everything this run wrote is removed, and
/// the tree is byte-identical to before (exit 1, P2A006 for the routes in the JSON report).
#[test]
fn read_only_target_folder() {
    let dir = tree_with_ok(&[
        ("pages/api/a.ts", OK_ROUTE.as_bytes()),
        ("pages/api/z.ts", OK_ROUTE.as_bytes()),
    ]);
    let p = dir.path();
    // Routes before `z` are written first, then the read-only folder stops the run.
    std::fs::create_dir_all(p.join("app/(api)/api/z")).expect("mkdir");
    let bypassed = permissions_bypassed(p);
    if bypassed && !setpriv() {
        eprintln!("running as root without setpriv: a read-only folder cannot be made here");
        return;
    }
    if bypassed {
        open_up(p);
    }
    chmod(&p.join("app/(api)/api/z"), 0o555);
    let before = snapshot(p);
    let args = ["migrate", "--json"];
    let out = if bypassed {
        run_as_nobody(p, &args)
    } else {
        run_in(p, &args, &[])
    };
    chmod(&p.join("app/(api)/api/z"), 0o755);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("app/(api)/api/z/route.ts"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
    let r = out.json();
    assert_eq!(diags(&r, "pages/api/a.ts")[0].0, "P2A006");
    let mut after = snapshot(p);
    // The folder's mode was restored for cleanup; contents are what matter.
    after.retain(|k, _| !k.starts_with(".perm-probe"));
    assert_same_tree(&before, &after);
}

/// A target that appears between planning and writing: apply refuses, overwrites nothing, and
/// leaves everything else as it was. Likewise a source edited in between.
#[test]
fn target_appears_between_planning_and_writing() {
    let dir = tree_with_ok(&[
        ("pages/api/a.ts", OK_ROUTE.as_bytes()),
        ("pages/api/b.ts", OK_ROUTE.as_bytes()),
    ]);
    let p = dir.path();
    let run = pipeline::run(&Options::new(p));
    let targets: Vec<String> = run
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Rename { to, .. } => Some(to.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(targets.len(), 3, "{:?}", run.files);
    let late = "app/(api)/api/b/route.ts";
    assert!(targets.iter().any(|t| t == late));
    write(p, late, "// written by someone else meanwhile\n");
    let before = snapshot(p);
    let e = pages2app::apply::apply(p, &run.changes).expect_err("apply must refuse");
    assert_eq!(e.path, late);
    assert!(
        e.message.contains("nothing is overwritten"),
        "{}",
        e.message
    );
    assert_same_tree(&before, &snapshot(p));

    // A source edited after planning: refused too.
    std::fs::remove_file(p.join(late)).expect("rm");
    std::fs::remove_dir_all(p.join("app")).expect("rm");
    let before = snapshot(p);
    let run = pipeline::run(&Options::new(p));
    write(p, "pages/api/a.ts", format!("{OK_ROUTE}// edited\n"));
    let e = pages2app::apply::apply(p, &run.changes).expect_err("apply must refuse");
    assert_eq!(e.path, "pages/api/a.ts");
    let mut expected = before;
    expected.insert(
        "pages/api/a.ts".into(),
        Entry::File(format!("{OK_ROUTE}// edited\n").into_bytes()),
    );
    assert_same_tree(&expected, &snapshot(p));
}

/// A panic while transforming one file (forced by a test hook) is caught: that file is a P2A005
/// error, the others migrate.
#[test]
fn panic_in_one_worker_is_contained() {
    let dir = tree_with_ok(&[("pages/api/boom.ts", OK_ROUTE.as_bytes())]);
    let out = run_in(
        dir.path(),
        &["migrate", "--dry-run", "--json"],
        &[("PAGES2APP_TEST_PANIC_ON", "pages/api/boom.ts")],
    );
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let r = out.json();
    assert_eq!(status(&r, "pages/api/ok.ts"), "migrated");
    assert_eq!(status(&r, "pages/api/boom.ts"), "error");
    assert_eq!(diags(&r, "pages/api/boom.ts")[0].0, "P2A005");
    assert!(
        out.stderr.contains("pages/api/boom.ts: error[P2A005]"),
        "{}",
        out.stderr
    );
}

/// A next.config.js nested 10,000 levels deep (read on the main thread for `pageExtensions`):
/// reported as a warning, the defaults are used, the routes migrate.
#[test]
fn deeply_nested_next_config() {
    let dir = tree_with_ok(&[]);
    let n = 10_000;
    write(
        dir.path(),
        "next.config.js",
        format!(
            "module.exports = {{ pageExtensions: ['ts'], x: {}1{} }}\n",
            "(".repeat(n),
            ")".repeat(n)
        ),
    );
    let out = dry_run_json(dir.path());
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(status(&out.json(), "pages/api/ok.ts"), "migrated");
    assert!(
        out.stderr.contains("next.config.js: warning"),
        "{}",
        out.stderr
    );
}

/// A file where a target folder must go (`app` is a file): found while planning (P2A003), so the
/// dry-run patch never holds a change `git apply` would reject.
#[test]
fn a_file_in_the_way_of_a_target_folder() {
    let dir = tree_with_ok(&[
        ("pages/api/users/list.ts", OK_ROUTE.as_bytes()),
        ("app/(api)/api/users", b"not a folder"),
    ]);
    let r = expect_reported(dir.path(), "pages/api/users/list.ts", "P2A003", None);
    assert!(diags(&r, "pages/api/users/list.ts")[0]
        .3
        .contains("app/(api)/api/users is not a folder"));
}

// ---- Transform findings (from fuzzing and these tests), fixed; kept as regression tests ----

fn migrated_text(dir: &Path, target: &str) -> Option<String> {
    pipeline::run(&Options::new(dir))
        .changes
        .into_iter()
        .find_map(|c| match c {
            Change::Rename { to, new, .. } if to == target => Some(new),
            _ => None,
        })
}

/// `res.status(n).setHeader(..).json(..)` is one response (Node's setHeader returns the
/// response); it was once left for manual work with a P2A108 that said code runs after it.
#[test]
fn chained_set_header_is_one_response() {
    let dir = tree_with_ok(&[
        ("pages/api/a.ts", b"export default function handler(req, res) {\n  res.status(200).setHeader('X-A', '1').json({ ok: true })\n}\n"),
        ("pages/api/b.ts", b"export default function handler(req, res) {\n  if (req.method !== 'GET') {\n    return res.status(405).setHeader('Allow', ['GET']).end()\n  }\n  res.json({ ok: true })\n}\n"),
    ]);
    let r = dry_run_json(dir.path()).json();
    assert_eq!(
        status(&r, "pages/api/a.ts"),
        "migrated",
        "{:?}",
        diags(&r, "pages/api/a.ts")
    );
    assert_eq!(
        status(&r, "pages/api/b.ts"),
        "migrated",
        "{:?}",
        diags(&r, "pages/api/b.ts")
    );
}

/// A UTF-8 byte-order mark stays the first character; the compat import was once inserted before
/// it, leaving U+FEFF in the middle of the file (harmless to parsers, noisy in diffs and editors).
#[test]
fn byte_order_mark_stays_first() {
    let dir = tree_with_ok(&[("pages/api/bom.ts", "\u{feff}export default function handler(req, res) {\n  res.status(200).json({ ok: true })\n}\n".as_bytes())]);
    let text = migrated_text(dir.path(), "app/(api)/api/bom/route.ts").expect("migrated");
    assert!(text.starts_with('\u{feff}'), "{text}");
    assert_eq!(text.matches('\u{feff}').count(), 1);
}

/// Input that trips an internal assertion of swc's parser in debug builds (found by the mutation
/// fuzzer): a syntax error for that file, never an internal error.
#[test]
fn parser_assertion_is_a_syntax_error() {
    let dir = tree_with_ok(&[("pages/api/odd.js", b"export default (a, b () => 1)\n")]);
    let r = expect_reported(dir.path(), "pages/api/odd.js", "P2A001", Some((1, 20)));
    assert_eq!(status(&r, "pages/api/odd.js"), "error");
}

/// Lone carriage returns (classic Mac line endings, a stray `\r`): git ends lines at `\n` only,
/// so the dry-run patch must too, or `git apply` rejects it (found by the mutation fuzzer).
#[test]
fn lone_carriage_returns_keep_the_patch_applicable() {
    let files: [(&str, &[u8]); 2] = [
        ("pages/api/mac.ts", b"export default function handler(req, res) {\r  res.status(200).json({ ok: true })\r}\r"),
        ("pages/api/stray.ts", b"/* a note\r with a stray CR */\r\nexport default function handler(req, res) {\r\n  res.status(200).json({ ok: true }) /* x\r */\r\n}\r\n"),
    ];
    let a = tree_with_ok(&files);
    let b = tree_with_ok(&files);
    git_commit_all(b.path());
    let patch = run_in(b.path(), &["migrate", "--dry-run"], &[]);
    assert_eq!(patch.code, Some(0), "{}", patch.stderr);
    let mut cmd = Command::new("git");
    cmd.args(["apply", "-"]).current_dir(b.path());
    let o = pipe_to(cmd, patch.stdout.as_bytes());
    assert!(
        o.status.success(),
        "git apply: {}\n{:?}",
        String::from_utf8_lossy(&o.stderr),
        patch.stdout
    );
    assert_eq!(run_in(a.path(), &["migrate"], &[]).code, Some(0));
    let mut sb = snapshot(b.path());
    sb.retain(|k, v| k != ".git" && !k.starts_with(".git/") && !matches!(v, Entry::Dir));
    let mut sa = snapshot(a.path());
    sa.retain(|_, v| !matches!(v, Entry::Dir));
    assert_same_tree(&sa, &sb);
}

/// An if/else-if chain whose first test is not about the method and a later one is: the
/// specialized code once did not parse (P2A005 "Expression expected", or "Declaration is not
/// allowed" when the branch declares a function). Found by the mutation fuzzer.
#[test]
fn method_test_after_another_test_in_an_else_if_chain() {
    let dir = tree_with_ok(&[
        ("pages/api/f.js", b"export default function handler(req, res) {\n  if (req.query.x) {\n    return res.send()\n  } else if (req.method === 'DELETE') {\n    res.status(204).json(null)\n  }\n}\n"),
        ("pages/api/g.js", b"export default function handler(req, res) {\n  if (req.method === 'GET' == 'GET') {\n    return res.send()\n  } else if (req.method === 'DELETE') {\n    function inner(x) { return x }\n    res.status(204).json(null)\n  }\n}\n"),
    ]);
    let r = dry_run_json(dir.path()).json();
    for f in ["pages/api/f.js", "pages/api/g.js"] {
        assert!(
            !diags(&r, f).iter().any(|d| d.0 == "P2A005"),
            "{f}: {:?}",
            diags(&r, f)
        );
    }
}

/// The sources cannot be removed (their folder is read-only): every target was written, then
/// moving the first source aside fails, and everything is rolled back to a byte-identical tree.
#[test]
fn read_only_source_folder() {
    let dir = tree_with_ok(&[("pages/api/a.ts", OK_ROUTE.as_bytes())]);
    let p = dir.path();
    let bypassed = permissions_bypassed(p);
    if bypassed && !setpriv() {
        eprintln!("running as root without setpriv: a read-only folder cannot be made here");
        return;
    }
    if bypassed {
        open_up(p);
    }
    chmod(&p.join("pages/api"), 0o555);
    let before = snapshot(p);
    let args = ["migrate"];
    let out = if bypassed {
        run_as_nobody(p, &args)
    } else {
        run_in(p, &args, &[])
    };
    chmod(&p.join("pages/api"), 0o777);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("cannot remove the migrated original"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);
    let mut after = snapshot(p);
    after.retain(|k, _| !k.starts_with(".perm-probe"));
    assert_same_tree(&before, &after);
}
