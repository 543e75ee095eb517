//! Helpers shared by the integration tests (bad_input, apply, fuzz_routes, ...): run the built binary
//! with a time limit, write trees, snapshot trees byte for byte, read the JSON report; `node`: the
//! Node.js toolchain of the real-Next suites.
#![allow(dead_code)]

pub mod node;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_pages2app")
}

/// A route every run can migrate: proves the other files still go through.
pub const OK_ROUTE: &str =
    "export default function handler(req, res) {\n  res.status(200).json({ ok: true })\n}\n";

pub struct Out {
    /// None when the process was killed by a signal (a stack overflow aborts).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not the JSON report ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `cmd`, killing it after `limit`; panics on a timeout (a hang is a failure).
pub fn run_cmd(mut cmd: Command, limit: Duration) -> Out {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    let mut so = child.stdout.take().expect("stdout");
    let mut se = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = so.read_to_end(&mut b);
        b
    });
    let t_err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = se.read_to_end(&mut b);
        b
    });
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {limit:?} (a hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap_or_default()).to_string();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap_or_default()).to_string();
    Out {
        code: status.code(),
        stdout,
        stderr,
        elapsed: start.elapsed(),
    }
}

/// `pages2app ARGS` in `dir` (DIR is passed as `.`), with extra environment.
pub fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(bin());
    cmd.args(args).arg(".").current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_cmd(cmd, Duration::from_secs(300))
}

pub fn dry_run_json(dir: &Path) -> Out {
    run_in(dir, &["migrate", "--dry-run", "--json"], &[])
}

pub fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, bytes).expect("write");
}

/// A Next.js app root: package.json with `next`, so discovery places pages/api in it.
pub fn next_app(root: &Path) {
    write(
        root,
        "package.json",
        "{\n  \"dependencies\": { \"next\": \"15.0.0\" }\n}\n",
    );
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    File(Vec<u8>),
    Dir,
    Symlink(PathBuf),
    Other,
}

/// Every path under `root` (symlinks not followed) with its content.
pub fn snapshot(root: &Path) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(root.join(&rel)) else {
            continue;
        };
        for e in rd.flatten() {
            let child = rel.join(e.file_name());
            let key = child.to_string_lossy().replace('\\', "/");
            let meta = std::fs::symlink_metadata(root.join(&child)).expect("stat");
            let entry = if meta.file_type().is_symlink() {
                Entry::Symlink(std::fs::read_link(root.join(&child)).expect("readlink"))
            } else if meta.is_dir() {
                stack.push(child.clone());
                Entry::Dir
            } else if meta.is_file() {
                Entry::File(
                    std::fs::read(root.join(&child)).unwrap_or_else(|_| b"<unreadable>".to_vec()),
                )
            } else {
                Entry::Other
            };
            out.insert(key, entry);
        }
    }
    out
}

/// Asserts two snapshots are equal, naming the first differences.
pub fn assert_same_tree(before: &BTreeMap<String, Entry>, after: &BTreeMap<String, Entry>) {
    if before == after {
        return;
    }
    let mut diffs = Vec::new();
    for (k, v) in before {
        match after.get(k) {
            None => diffs.push(format!("gone: {k}")),
            Some(w) if w != v => diffs.push(format!("changed: {k}")),
            _ => {}
        }
    }
    for k in after.keys() {
        if !before.contains_key(k) {
            diffs.push(format!("new: {k}"));
        }
    }
    panic!("the tree changed:\n  {}", diffs.join("\n  "));
}

/// The report entry for `source`.
pub fn file<'a>(report: &'a Value, source: &str) -> &'a Value {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["source"] == source)
        .unwrap_or_else(|| panic!("no report entry for {source}:\n{report:#}"))
}

pub fn status(report: &Value, source: &str) -> String {
    file(report, source)["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// (code, line, column) of the error and warning diagnostics of `source`.
pub fn diags(report: &Value, source: &str) -> Vec<(String, u64, u64, String)> {
    file(report, source)["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .args([
            "-c",
            "user.email=t@example.com",
            "-c",
            "user.name=t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git")
}

pub fn git_ok(dir: &Path, args: &[&str]) -> String {
    let o = git(dir, args);
    assert!(
        o.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// A committed git repository at `dir`.
pub fn git_commit_all(dir: &Path) {
    if !dir.join(".git").exists() {
        git_ok(dir, &["init", "-q"]);
    }
    git_ok(dir, &["add", "-A"]);
    git_ok(dir, &["commit", "-q", "--allow-empty", "-m", "snapshot"]);
}

/// True when this process bypasses file permissions (root): chmod cannot make a file unreadable
/// or a folder read-only for it.
pub fn permissions_bypassed(scratch: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let d = scratch.join(".perm-probe");
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let bypass = std::fs::write(d.join("x"), "x").is_ok();
    let _ = std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755));
    let _ = std::fs::remove_dir_all(&d);
    bypass
}
