//! The README documents every diagnostic code the tool can emit.

#[test]
fn readme_lists_every_diagnostic_code() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for c in pages2app::diagnostics::CODES {
        assert!(
            readme.contains(&format!("| `{}` | `{}` |", c.id, c.name)),
            "README.md lacks a row for {} ({})",
            c.id,
            c.name
        );
    }
}

#[test]
fn readme_lists_every_allowed_behaviour_difference() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let allow: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/behaviour/allow.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let entries = allow["allow"]
        .as_array()
        .expect("allow.json has an `allow` list");
    assert!(!entries.is_empty());
    for e in entries {
        let code = e["diagnostic"].as_str().unwrap();
        let why = e["why"].as_str().unwrap().replace('|', "\\|");
        assert!(
            readme.contains(&format!("| `{code}` | {why} |")),
            "README.md does not list the allowed difference `{why}` ({code})"
        );
    }
}
