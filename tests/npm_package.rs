//! The npm distribution: `scripts/npm-package` packs the wrapper `pages2app` and this platform's
//! `@pages2app/<platform>` package from the binary cargo built; npm installs both tarballs into a
//! fresh project with no network and an empty cache; `npx pages2app` then prints the same version,
//! the same dry-run patch of the demo app (byte for byte, with the same stderr and exit code) and
//! migrates a copy to the same tree as the binary itself. Without the platform package the command
//! names the package it needs. Needs Node.js >= 20 and npm; never skips.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{run_cmd, Out};

const LIMIT: Duration = Duration::from_secs(300);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn assert_ok(what: &str, out: &Out) {
    assert_eq!(
        out.code,
        Some(0),
        "{what} failed:\nstdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
}

/// `npm ...` in `dir`, with a private empty cache and no network.
fn npm(dir: &Path, cache: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("npm");
    cmd.args(args)
        .current_dir(dir)
        .env("npm_config_cache", cache)
        .env("npm_config_offline", "true")
        .env("npm_config_update_notifier", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_audit", "false");
    cmd
}

/// `npx pages2app ARGS` in `project`.
fn npx(project: &Path, cache: &Path, args: &[&str]) -> Out {
    let mut cmd = Command::new("npx");
    cmd.arg("pages2app")
        .args(args)
        .current_dir(project)
        .env("npm_config_cache", cache)
        .env("npm_config_offline", "true")
        .env("npm_config_update_notifier", "false")
        .env_remove("PAGES2APP_BINARY");
    run_cmd(cmd, LIMIT)
}

/// The binary cargo built, with the same arguments, from the same folder.
fn native(cwd: &Path, args: &[&str]) -> Out {
    let mut cmd = Command::new(common::bin());
    cmd.args(args).current_dir(cwd);
    run_cmd(cmd, LIMIT)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let name = e.file_name();
        if name == "node_modules" || name == ".next" {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        if e.file_type().expect("file type").is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

fn new_project(dir: &Path) {
    common::write(
        dir,
        "package.json",
        "{ \"name\": \"npm-test\", \"private\": true }\n",
    );
}

/// (wrapper tarball, platform tarball) written by scripts/npm-package into `out`.
fn pack(out: &Path) -> (PathBuf, PathBuf) {
    let mut cmd = Command::new(root().join("scripts/npm-package"));
    cmd.arg("--bin")
        .arg(common::bin())
        .arg("--out")
        .arg(out)
        .current_dir(root());
    let packed = run_cmd(cmd, LIMIT);
    assert_ok("scripts/npm-package", &packed);
    let version = env!("CARGO_PKG_VERSION");
    let tarballs: Vec<PathBuf> = packed.stdout.lines().map(PathBuf::from).collect();
    assert_eq!(tarballs.len(), 2, "{}", packed.stdout);
    let name = |p: &PathBuf| p.file_name().unwrap().to_string_lossy().into_owned();
    let wrapper = tarballs
        .iter()
        .find(|p| name(p) == format!("pages2app-{version}.tgz"))
        .unwrap_or_else(|| panic!("no pages2app-{version}.tgz in {tarballs:?}"))
        .clone();
    let platform = tarballs
        .iter()
        .find(|p| **p != wrapper)
        .expect("a platform tarball")
        .clone();
    assert!(
        name(&platform).starts_with("pages2app-")
            && name(&platform).ends_with(&format!("-{version}.tgz")),
        "{platform:?}"
    );
    for t in [&wrapper, &platform] {
        assert!(t.is_file(), "{t:?} was not written");
        assert!(t.starts_with(out), "{t:?} is not in {out:?}");
    }
    (wrapper, platform)
}

#[test]
fn npx_pages2app_from_the_tarballs_runs_the_same_binary() {
    common::node::require_node_and_npm("npm package test");
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("npm-cache");
    let (wrapper, platform) = pack(&tmp.path().join("npm"));

    let project = tmp.path().join("project");
    new_project(&project);
    let install = run_cmd(
        npm(
            &project,
            &cache,
            &[
                "install",
                "--offline",
                "--no-audit",
                "--no-fund",
                wrapper.to_str().unwrap(),
                platform.to_str().unwrap(),
            ],
        ),
        LIMIT,
    );
    assert_ok("npm install --offline of the two tarballs", &install);

    let version = npx(&project, &cache, &["--version"]);
    assert_ok("npx pages2app --version", &version);
    assert_eq!(
        version.stdout,
        format!("pages2app {}\n", env!("CARGO_PKG_VERSION"))
    );

    // The dry run of the demo app: the same patch bytes, stderr and exit code.
    let demo = tmp.path().join("demo-app");
    copy_tree(&root().join("fixtures/demo-app"), &demo);
    let args = ["migrate", "--dry-run", demo.to_str().unwrap()];
    let through_npm = npx(&project, &cache, &args);
    let direct = native(&project, &args);
    assert!(
        direct.stdout.starts_with("diff --git "),
        "{}",
        direct.stderr
    );
    assert_eq!(through_npm.stdout, direct.stdout, "the patch differs");
    assert_eq!(through_npm.stderr, direct.stderr);
    assert_eq!(through_npm.code, direct.code);

    // Applied: the same tree.
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    copy_tree(&demo, &a);
    copy_tree(&demo, &b);
    let applied = npx(
        &project,
        &cache,
        &["migrate", "--allow-dirty", a.to_str().unwrap()],
    );
    assert_ok("npx pages2app migrate", &applied);
    assert_ok(
        "pages2app migrate",
        &native(&project, &["migrate", "--allow-dirty", b.to_str().unwrap()]),
    );
    assert!(a.join("app").is_dir());
    common::assert_same_tree(&common::snapshot(&b), &common::snapshot(&a));

    // Exit codes pass through.
    let unknown = npx(&project, &cache, &["explain", "P2A999"]);
    assert_eq!(unknown.code, Some(2), "{}", unknown.stderr);

    // Without the platform package, the command says which package it needs.
    let bare = tmp.path().join("bare");
    new_project(&bare);
    let install = run_cmd(
        npm(
            &bare,
            &cache,
            &[
                "install",
                "--offline",
                "--no-audit",
                "--no-fund",
                wrapper.to_str().unwrap(),
            ],
        ),
        LIMIT,
    );
    assert_ok("npm install --offline of the wrapper alone", &install);
    let missing = npx(&bare, &cache, &["--version"]);
    assert_eq!(missing.code, Some(1), "{}", missing.stderr);
    let platform_name = platform.file_name().unwrap().to_string_lossy().into_owned();
    let short = platform_name
        .trim_start_matches("pages2app-")
        .trim_end_matches(&format!("-{}.tgz", env!("CARGO_PKG_VERSION")));
    assert!(
        missing.stderr.contains(&format!(
            "the package @pages2app/{short}, which holds the binary"
        )),
        "{}",
        missing.stderr
    );
}

/// The wrapper in the repository lists every platform package at the crate's version (the
/// script stamps the version anyway; this keeps the file a reader sees true).
#[test]
fn wrapper_package_lists_every_platform_at_the_crate_version() {
    let read = |p: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(root().join(p)).expect(p)).expect(p)
    };
    let wrapper = read("npm/pages2app/package.json");
    let platforms = read("npm/pages2app/platforms.json");
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(wrapper["version"], version);
    assert_eq!(wrapper["bin"]["pages2app"], "bin/pages2app.js");
    let optional = wrapper["optionalDependencies"]
        .as_object()
        .expect("optionalDependencies");
    let listed = platforms["platforms"].as_array().expect("platforms");
    assert_eq!(optional.len(), listed.len());
    for p in listed {
        let name = p["package"].as_str().expect("package");
        assert_eq!(
            optional.get(name).and_then(|v| v.as_str()),
            Some(version),
            "{name}"
        );
    }
}
