//! Error types: input errors that name file, line and field, and the crate's fatal error.
//!
//! Input errors are collected, not thrown: a malformed document is reported and skipped while the
//! rest of the dataset still runs. `Error` is for what stops a command (a bad strategy spec, an
//! unreadable output directory).

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// One problem in one input file, located as precisely as the format allows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputError {
    /// The file the problem is in.
    pub path: PathBuf,
    /// 1-based line number, for line-oriented formats.
    pub line: Option<usize>,
    /// The field (JSON key, TOML key) at fault, when one is.
    pub field: Option<String>,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl InputError {
    /// A problem with a whole file.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        InputError { path: path.to_path_buf(), line: None, field: None, message: message.into() }
    }

    /// A problem on one line of a file.
    pub fn line(path: &Path, line: usize, message: impl Into<String>) -> Self {
        InputError { path: path.to_path_buf(), line: Some(line), field: None, message: message.into() }
    }

    /// A problem with one field on one line of a file.
    pub fn field(path: &Path, line: usize, field: &str, message: impl Into<String>) -> Self {
        InputError {
            path: path.to_path_buf(),
            line: Some(line),
            field: Some(field.to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// An error that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An input file could not be used at all.
    #[error("{0}")]
    Input(#[from] InputError),
    /// A strategy spec could not be parsed or names something unknown.
    #[error("{0}")]
    Spec(String),
    /// Anything else a user asked for that cannot be done.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_path_buf(), source }
    }
}

/// Result with the crate's error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// Runs `f`, turning a panic into an error message.
pub fn isolate<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => Err(format!("panicked: {}", panic_message(payload))),
    }
}
