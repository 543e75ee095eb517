//! The compat helpers (src/runtime/compat.{ts,js}) against a real Next.js 16.4.6 server:
//! `node tests/runtime/verify.mjs` sends the same raw requests to Pages API routes and to Route
//! Handler twins that use the helpers, and fails on any difference (see src/runtime/README.md).
//! Needs Node.js >= 20 and npm (the toolchain pinned in tests/toolchain/ is shared with the
//! behavioural suite); never skips.

mod common;

#[test]
fn compat_helpers_match_pages_on_a_real_next_server() {
    common::node::require_node_and_npm("runtime helper tests");
    let out = common::node::node_script("tests/runtime/verify.mjs")
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
