//! Reading a source file as text, with the errors every stage reports the same way.

use std::path::Path;

use crate::diagnostics::{Code, Diagnostic};

/// The largest route file read; larger ones are reported, not read.
pub const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// Reads a source file as UTF-8 text; the error names what is wrong. Only regular files are
/// read (a symlink to a FIFO or a device would block or never end).
pub fn read_source(path: &Path) -> Result<String, String> {
    read_source_diag(path).map_err(|d| d.message)
}

/// [`read_source`], the error as a P2A002 diagnostic (with the line and column of the first
/// byte that is not UTF-8).
pub fn read_source_diag(path: &Path) -> Result<String, Diagnostic> {
    let fail = |msg: String| Diagnostic::new(Code::ReadError, msg);
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read the file: {e}")))?;
    if !meta.is_file() {
        return Err(fail(
            "not a regular file (a symlink to a folder, a FIFO or a device?)".into(),
        ));
    }
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(fail(format!(
            "the file is {} MiB, more than the {} MiB pages2app reads",
            meta.len() >> 20,
            MAX_SOURCE_BYTES >> 20
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read the file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let valid = String::from_utf8_lossy(&bytes[..at.min(bytes.len())]);
        let line = valid.matches('\n').count() + 1;
        let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Diagnostic {
            code: Code::ReadError,
            message: format!(
                "the file is not valid UTF-8 (byte {at}); save it as UTF-8 and run again"
            ),
            line,
            column,
        }
    })
}
