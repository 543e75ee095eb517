//! A planned change to one file: what the pipeline produces and the patch, the git guard and
//! apply consume.

/// A planned change to one file (paths relative to the run root).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A route moved and rewritten: the source is deleted, the target created.
    Rename {
        from: String,
        to: String,
        old: String,
        new: String,
        /// Stretches of `new` copied verbatim from `old`: hints that spare the line diff the
        /// lines no edit touched (may be empty).
        copied: Vec<crate::edit::Copied>,
    },
    /// A file the tool creates (the compat module).
    Add { path: String, new: String },
    /// A file the tool created before and now extends (the compat module).
    Modify {
        path: String,
        old: String,
        new: String,
    },
}

impl Change {
    pub fn sort_key(&self) -> &str {
        match self {
            Change::Rename { from, .. } => from,
            Change::Add { path, .. } | Change::Modify { path, .. } => path,
        }
    }
}
