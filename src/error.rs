//! The one error type of the library.
//!
//! Every error says *where* (which file, which row or byte offset) and *what*
//! was wrong, so that a binary can print it as one line and a web page can show
//! it as one message. The library never prints.

use std::fmt;

/// What went wrong, with the context needed to fix it.
#[derive(Debug)]
pub enum Error {
    /// An operating-system error while reading or writing `path`.
    Io { path: String, source: std::io::Error },
    /// A data or model file whose content is not what its format promises.
    /// `at` says where: "byte 16", "row 3, column 785", ...
    Format { path: String, at: String, problem: String },
    /// A setting outside its allowed range (`name`, the value given, the range).
    Setting { name: &'static str, problem: String },
    /// Two inputs that must agree do not (image count vs label count, model sizes, ...).
    Mismatch { what: String },
    /// Training diverged: a batch's loss was not finite (`batch` says which; the network
    /// was not updated with it), or a whole epoch's mean loss was worse than guessing.
    /// The learning rate is too large for this network.
    Diverged { epoch: usize, batch: Option<usize>, loss: f32 },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn format(path: &str, at: impl Into<String>, problem: impl Into<String>) -> Error {
        Error::Format { path: path.to_string(), at: at.into(), problem: problem.into() }
    }

    pub(crate) fn io(path: &str, source: std::io::Error) -> Error {
        Error::Io { path: path.to_string(), source }
    }

    pub(crate) fn setting(name: &'static str, problem: impl Into<String>) -> Error {
        Error::Setting { name, problem: problem.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{path}: {source}"),
            Error::Format { path, at, problem } => write!(f, "{path}: {at}: {problem}"),
            Error::Setting { name, problem } => write!(f, "{name}: {problem}"),
            Error::Mismatch { what } => f.write_str(what),
            Error::Diverged { epoch, batch: Some(batch), loss } => write!(
                f,
                "training diverged at epoch {epoch}, batch {batch}: the loss became {loss}; \
                 try a smaller learning rate"
            ),
            Error::Diverged { epoch, batch: None, loss } => write!(
                f,
                "training diverged in epoch {epoch}: its mean loss {loss:.2} is worse than guessing \
                 (ln 10 = 2.30); try a smaller learning rate"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
