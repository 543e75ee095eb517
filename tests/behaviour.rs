//! Behavioural tests: a real Next.js 16.4.6 server judges the migration.
//!
//! Each test runs `node tests/behaviour/run.mjs --bin <pages2app> --app fixtures/<app>`, which builds
//! and serves the original Pages app and the migrated copy, replays `fixtures/<app>/requests.json`
//! against both and fails on any difference that `tests/behaviour/allow.json` does not allow (see
//! tests/behaviour/README.md). Needs Node.js >= 20 and npm (the first run on a machine does `npm ci`
//! of the toolchain pinned in tests/toolchain/, shared with the runtime suite, into
//! <target folder>/test-toolchain/). The tests never skip: a missing Node.js is a failure.

mod common;

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// Two `next build`s at once would fight over the 2 cores; the apps run one after the other.
static SERIAL: Mutex<()> = Mutex::new(());

fn run_app(app: &str) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    common::node::require_node_and_npm("behavioural tests");

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let app_dir = root.join("fixtures").join(app);
    let started = Instant::now();
    let out = common::node::node_script("tests/behaviour/run.mjs")
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_pages2app"))
        .arg("--app")
        .arg(&app_dir)
        .output()
        .unwrap_or_else(|e| panic!("could not start node tests/behaviour/run.mjs: {e}"));
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    println!(
        "{app}: runner finished in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        out.status.success(),
        "behavioural test of fixtures/{app} failed ({}); the runner output above names each difference. Re-run by hand with: node tests/behaviour/run.mjs --bin {} --app fixtures/{app} --keep",
        out.status,
        env!("CARGO_BIN_EXE_pages2app"),
    );
}

#[test]
fn behaviour_demo_app() {
    run_app("demo-app");
}

#[test]
fn behaviour_behaviour_app() {
    run_app("behaviour-app");
}

#[test]
fn behaviour_adapter_app() {
    run_app("adapter-app");
}

/// The silent behaviour changes of issue 12, one route each (next-auth sessions, getHeader, ...).
#[test]
fn behaviour_silent_changes_app() {
    run_app("silent-changes-app");
}

/// Issue 13: routes importing each other's handlers and authOptions, lib/ importing route types.
#[test]
fn behaviour_graph_app() {
    run_app("graph-app");
}

/// Issue 15: an app built like a production one: a lib/ of response helpers, error handler,
/// request readers and middleware shared by most routes, an app wrapper, a method-map dispatcher,
/// next-auth with authOptions imported elsewhere, cors and a tRPC router.
#[test]
fn behaviour_production_app() {
    run_app("production-app");
}
