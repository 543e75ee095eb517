//! `/`-separated paths relative to the run root, as the graph stage handles them.

/// `a` joined with `b`; `b` is returned as it is when `a` is empty.
pub fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else if b.is_empty() {
        a.to_string()
    } else {
        format!("{a}/{b}")
    }
}

/// The folder of a path ("" for a file at the root).
pub fn dir_of(p: &str) -> &str {
    p.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `.` and `..` resolved, empty segments dropped; leading `..` that climb above the run root
/// are kept (`../shared/x`).
pub fn normalize(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize("pages/api/../../lib/./x"), "lib/x");
        assert_eq!(normalize("a/../../b"), "../b");
        assert_eq!(normalize("./"), "");
        assert_eq!(join("", "x"), "x");
        assert_eq!(dir_of("x.ts"), "");
    }
}
