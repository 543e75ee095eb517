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
