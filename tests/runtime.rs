//! The compat helpers (src/runtime/compat.{ts,js}) against a real Next.js 16.4.6 server:
//! `node tests/runtime/verify.mjs` sends the same raw requests to Pages API routes and to Route
//! Handler twins that use the helpers, and fails on any difference (see src/runtime/README.md).
//! Needs Node.js >= 20 and npm; never skips.

use std::process::Command;

#[test]
fn compat_helpers_match_pages_on_a_real_next_server() {
    let root = env!("CARGO_MANIFEST_DIR");
    let hint = "install Node.js >= 20 and npm to run the runtime helper tests";
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "`node --version` failed: {hint}"
    );
    let out = Command::new("node")
        .arg("tests/runtime/verify.mjs")
        .current_dir(root)
        .env("NEXT_TELEMETRY_DISABLED", "1")
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "tests/runtime/verify.mjs failed ({})",
        out.status
    );
}
