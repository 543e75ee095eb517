//! Node.js for the real-Next suites (behaviour, runtime): the version check and the one shared
//! toolchain folder (tests/toolchain/toolchain.mjs installs the pinned packages below it).

use std::path::PathBuf;
use std::process::Command;

/// Panics with an install hint unless `node` (>= 20) and `npm` run: these suites never skip.
pub fn require_node_and_npm(suite: &str) {
    let hint = format!("install Node.js >= 20 and npm (e.g. `apt-get install nodejs npm` or https://nodejs.org) to run the {suite}");
    for (tool, min_major) in [("node", Some(20)), ("npm", None)] {
        let out = Command::new(tool)
            .arg("--version")
            .output()
            .unwrap_or_else(|e| panic!("`{tool} --version` could not run ({e}): {hint}"));
        assert!(
            out.status.success(),
            "`{tool} --version` failed ({}): {hint}",
            out.status
        );
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if let Some(min) = min_major {
            let major: u32 = version
                .trim_start_matches('v')
                .split('.')
                .next()
                .and_then(|m| m.parse().ok())
                .unwrap_or(0);
            assert!(major >= min, "{tool} {version} is too old: {hint}");
        }
    }
}

/// `$PAGES2APP_TOOLCHAIN_ROOT` when set, else `<target folder>/test-toolchain`: the target folder
/// is the one cargo built this test into (CARGO_TARGET_DIR or `target/`, however it was set), so
/// clones sharing a target folder share the install.
pub fn toolchain_root() -> PathBuf {
    if let Some(root) = std::env::var_os("PAGES2APP_TOOLCHAIN_ROOT").filter(|r| !r.is_empty()) {
        return PathBuf::from(root);
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_pages2app"));
    // <target>/<profile>/pages2app
    let target = bin
        .parent()
        .and_then(|profile| profile.parent())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("test-toolchain")
}

/// `node SCRIPT` from the repository root, told where the shared toolchain lives.
pub fn node_script(script: &str) -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(script)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PAGES2APP_TOOLCHAIN_ROOT", toolchain_root())
        .env("NEXT_TELEMETRY_DISABLED", "1");
    cmd
}
