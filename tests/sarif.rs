//! `--output-format sarif` writes SARIF 2.1.0 that validates against the official schema
//! (tests/sarif/sarif-schema-2.1.0.json, see tests/sarif/README.md), on every fixture project and
//! on a project with findings at a position, without one (0:0) and about the project; and it
//! carries the same findings as the JSON report. Also `--output-format github` and
//! `--summary-markdown` on the same projects.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn schema_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/sarif/sarif-schema-2.1.0.json"
    ))
    .expect("the vendored schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(common::bin())
        .args(args)
        .arg(dir)
        .output()
        .expect("pages2app runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every fixture project, and one made here with every kind of location.
fn projects(scratch: &Path) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs = vec![root.join("demo-app"), root.join("adapter-app")];
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root.join("cases"))
        .expect("fixtures/cases")
        .flatten()
        .map(|e| e.path().join("input"))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    dirs.extend(cases);

    // No package.json: the tree cannot be placed in an app (a project warning).
    let odd = scratch.join("odd [project]");
    common::write(&odd, "pages/api/ok.ts", common::OK_ROUTE);
    // Manual: an exported `let` the handler assigns cannot move beside route.ts (P2A104).
    common::write(&odd, "pages/api/[id]/extra, too.ts", "export let helper = 1\n\nexport default function handler(req, res) {\n  helper += 1\n  res.json({ ok: helper })\n}\n");
    common::write(
        &odd,
        "pages/api/broken.ts",
        "export default function (req, res) {\n  res.json({\n",
    );
    common::write(&odd, "pages/api/empty.ts", "");
    common::write(
        &odd,
        "pages/api/latin1.ts",
        b"// caf\xe9\nexport default function h(req, res) { res.end() }\n",
    );
    dirs.push(odd);
    dirs
}

/// (ruleId, uri, startLine or 0) of every result.
fn sarif_findings(log: &Value) -> BTreeSet<(String, String, u64)> {
    log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().expect("ruleId").to_string(),
                loc["artifactLocation"]["uri"]
                    .as_str()
                    .expect("uri")
                    .to_string(),
                loc["region"]["startLine"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn percent_encode(path: &str) -> String {
    path.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The same (code, uri, line) from the JSON report: every diagnostic, info included.
fn json_findings(report: &Value, dir: &str) -> BTreeSet<(String, String, u64)> {
    let mut out = BTreeSet::new();
    for f in report["files"].as_array().expect("files") {
        let uri = percent_encode(&format!("{dir}/{}", f["source"].as_str().unwrap()));
        for d in f["diagnostics"].as_array().expect("diagnostics") {
            out.insert((
                d["code"].as_str().unwrap().to_string(),
                uri.clone(),
                d["line"].as_u64().unwrap(),
            ));
        }
    }
    for w in report["warnings"].as_array().into_iter().flatten() {
        let uri = percent_encode(&format!("{dir}/{}", w["path"].as_str().unwrap()));
        out.insert(("project-warning".to_string(), uri, 0));
    }
    out
}

#[test]
fn sarif_validates_against_the_schema_and_carries_every_finding() {
    let validator = schema_validator();
    // The validator does reject what code scanning would: a line 0, a URI that is not one.
    let log_at = |uri: &str, line: u64| {
        serde_json::json!({ "version": "2.1.0", "runs": [{
            "tool": { "driver": { "name": "pages2app" } },
            "results": [{ "message": { "text": "m" }, "locations": [{ "physicalLocation": {
                "artifactLocation": { "uri": uri }, "region": { "startLine": line } } }] }] }] })
    };
    assert!(validator.is_valid(&log_at("pages/api/%5Bid%5D.ts", 1)));
    assert!(!validator.is_valid(&log_at("pages/api/a.ts", 0)));
    assert!(!validator.is_valid(&log_at("pages/api/[id] x.ts", 1)));
    let scratch = tempfile::tempdir().expect("tempdir");
    let mut codes_seen = BTreeSet::new();
    let mut whole_file_findings = 0;
    for dir in projects(scratch.path()) {
        // A relative DIR, as in CI (`pages2app migrate --check --output-format sarif .`).
        let cwd = dir.parent().expect("parent");
        let name = dir.file_name().unwrap().to_str().unwrap();
        let out = Command::new(common::bin())
            .args(["migrate", "--dry-run", "--output-format", "sarif", name])
            .current_dir(cwd)
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let log: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: stdout is not JSON ({e}):\n{text}", dir.display()));
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: the SARIF log does not validate:\n{}",
            dir.display(),
            errors.join("\n")
        );

        let run = &log["runs"][0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "pages2app");
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        let rules: Vec<&str> = driver["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| r["id"].as_str().expect("rule id"))
            .collect();
        assert_eq!(
            rules.iter().collect::<BTreeSet<_>>().len(),
            rules.len(),
            "one rule per code: {rules:?}"
        );
        for r in run["results"].as_array().unwrap() {
            let id = r["ruleId"].as_str().unwrap();
            let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(rules.get(index), Some(&id), "ruleIndex of {r}");
            let level = r["level"].as_str().unwrap();
            assert!(["error", "warning", "note"].contains(&level), "{level}");
            let loc = &r["locations"][0]["physicalLocation"];
            let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
            assert!(uri.starts_with(&percent_encode(name)), "{uri}");
            match loc.get("region") {
                Some(region) => {
                    assert!(region["startLine"].as_u64().unwrap() >= 1, "{region}");
                    assert!(region["startColumn"].as_u64().unwrap() >= 1, "{region}");
                }
                None => whole_file_findings += 1,
            }
            codes_seen.insert(id.to_string());
        }
        // The same findings as the JSON report of the same run.
        let report = Command::new(common::bin())
            .args(["migrate", "--dry-run", "--json", name])
            .current_dir(cwd)
            .output()
            .expect("runs");
        let report: Value = serde_json::from_slice(&report.stdout).expect("JSON report");
        assert_eq!(
            sarif_findings(&log),
            json_findings(&report, name),
            "{}",
            dir.display()
        );
        // Byte-identical across runs.
        let again = Command::new(common::bin())
            .args(["migrate", "--dry-run", "--output-format", "sarif", name])
            .current_dir(cwd)
            .output()
            .expect("runs");
        assert_eq!(again.stdout, out.stdout);
    }
    // The projects cover errors, warnings, notes, whole-file findings and a project warning.
    for code in [
        "P2A001",
        "P2A002",
        "P2A101",
        "P2A104",
        "P2A203",
        "P2A302",
        "project-warning",
    ] {
        assert!(codes_seen.contains(code), "no {code} in {codes_seen:?}");
    }
    assert!(whole_file_findings > 0);
}

#[test]
fn github_annotations_one_per_finding() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let dir = projects(scratch.path()).pop().expect("the odd project");
    let (code, out, err) = run(&dir, &["migrate", "--check", "--output-format", "github"]);
    assert_eq!(code, Some(1), "{err}");
    let shown = dir.to_str().unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines.iter().all(|l| l.starts_with("::error file=")
            || l.starts_with("::warning file=")
            || l.starts_with("::notice file=")),
        "{out}"
    );
    let file = |rel: &str| {
        format!("{shown}/{rel}")
            .replace('%', "%25")
            .replace(':', "%3A")
            .replace(',', "%2C")
    };
    // A position, escaped properties, the code as the title.
    let extra = format!(
        "::error file={},line=1,col=1,title=P2A104::exports `helper`",
        file("pages/api/[id]/extra, too.ts")
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&extra)),
        "{extra}\n{out}"
    );
    // A finding without a position (the whole file) has no line or col.
    let empty = format!("::error file={},title=P2A101::", file("pages/api/empty.ts"));
    assert!(
        lines.iter().any(|l| l.starts_with(&empty)),
        "{empty}\n{out}"
    );
    // The project warning has no code.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("::warning file={}::", file("pages/api")))),
        "{out}"
    );
    // stderr is the same as in the text format.
    let (_, _, text_err) = run(&dir, &["migrate", "--check"]);
    assert_eq!(err, text_err);
    // --json is --output-format json; two different formats are a usage error.
    let (_, json, _) = run(&dir, &["migrate", "--check", "--json"]);
    let (_, json2, _) = run(&dir, &["migrate", "--check", "--output-format", "json"]);
    assert_eq!(json, json2);
    let (code, _, err) = run(
        &dir,
        &["migrate", "--check", "--json", "--output-format", "sarif"],
    );
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn summary_markdown_is_appended_with_counts_and_the_routes_left() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let dir = projects(scratch.path()).pop().expect("the odd project");
    let summary = scratch.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let (code, out, err) = run(
        &dir,
        &[
            "migrate",
            "--dry-run",
            "--summary-markdown",
            summary.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        out.starts_with("diff --git "),
        "the patch is still on stdout"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n## pages2app: dry run\n"),
        "{md}"
    );
    assert!(md.contains("| 1 | 0 | 2 | 2 |"), "{md}");
    assert!(
        md.contains("### Routes left in pages/api for manual work (4)"),
        "{md}"
    );
    assert!(
        md.contains("| `pages/api/[id]/extra, too.ts` | `/api/[id]/extra, too` | manual | `P2A104` 1:1 exports `helper`;"),
        "{md}"
    );
    assert!(!md.contains("`pages/api/ok.ts`"), "{md}");
    assert!(md.contains("### Project warnings"), "{md}");
    // A summary file that cannot be written stops the run before it starts.
    let (code, _, err) = run(
        &dir,
        &[
            "migrate",
            "--summary-markdown",
            "/no/such/folder/summary.md",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--summary-markdown"), "{err}");
    assert!(dir.join("pages/api/ok.ts").exists());
}
