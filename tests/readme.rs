//! The README: its first command for users is the npx line, it names every test binary the test
//! command runs, documents every diagnostic code the tool can emit and every allowed behaviour
//! difference.

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The first command of the first fenced block (`sh`).
#[test]
fn readme_first_command_is_npx() {
    let readme = readme();
    let block = readme
        .split("```sh\n")
        .nth(1)
        .expect("a ```sh block in README.md");
    let first = block.lines().next().unwrap_or_default();
    assert_eq!(first, "npx pages2app@latest migrate --dry-run .");
    // and before it, no other way to get the command.
    let before = &readme[..readme.find("```sh\n").unwrap()];
    assert!(!before.contains("cargo "), "{before}");
}

#[test]
fn readme_names_every_test_binary() {
    let readme = readme();
    let tests = concat!(env!("CARGO_MANIFEST_DIR"), "/tests");
    let mut names: Vec<String> = std::fs::read_dir(tests)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rs"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    let try_it = &readme[readme.find("## Try it").unwrap()..readme.find("## Migrating").unwrap()];
    let tests_section = &readme[readme.find("## Tests").unwrap()..];
    for n in names {
        let name = format!("`tests/{n}`");
        assert!(
            try_it.contains(&name),
            "README's Try it does not list {name}"
        );
        assert!(
            tests_section.contains(&name),
            "README's Tests section does not describe {name}"
        );
    }
}

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
