//! The one error type of the library.
//!
//! Every error says *where* (which file, which row or byte offset) and *what*
//! was wrong, so that a binary can print it as one line and a web page can show
//! it as one message. The library never prints.

use std::fmt;

/// What went wrong, with the context needed to fix it.
#[cfg_attr(not(target_arch = "wasm32"), derive(Debug))]
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
            #[cfg(not(target_arch = "wasm32"))]
            Error::Io { path, source } => write!(f, "{path}: {source}"),
            // The browser has no files (the page hands the core bytes): without the operating system's messages,
            // which the wasm would otherwise carry, all of them.
            #[cfg(target_arch = "wasm32")]
            Error::Io { path, .. } => write!(f, "{path}: no files in the browser"),
            Error::Format { path, at, problem } => write!(f, "{path}: {at}: {problem}"),
            Error::Setting { name, problem } => write!(f, "{name}: {problem}"),
            Error::Mismatch { what } => f.write_str(what),
            Error::Diverged { epoch, batch: Some(batch), loss } => write!(
                f,
                "training diverged at epoch {epoch}, batch {batch}: the loss became {}; \
                 try a smaller learning rate",
                Number(*loss)
            ),
            Error::Diverged { epoch, batch: None, loss } => write!(
                f,
                "training diverged in epoch {epoch}: its mean loss {:.2} is worse than guessing \
                 (ln 10 = 2.30); try a smaller learning rate",
                Number(*loss)
            ),
        }
    }
}

/// In the browser an error is its message (a derived `Debug` would bring in the float formatter for `loss`).
#[cfg(target_arch = "wasm32")]
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
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

/// A number in a message (`{}`, `{:.2}`, `{:.1e}`): natively as Rust writes an `f32` or `f64`; in the browser by the
/// browser's own number formatting ([`crate::wasm`]), so that the wasm carries no float formatter (with serde's, which
/// the page does not use either, it was a fifth of the gzipped module). Both write the shortest decimal that reads
/// back as the number (or the digits asked for), never in exponent form for `{}`, and NaN, inf and -inf alike.
#[derive(Clone, Copy)]
pub(crate) struct Number<T>(pub T);

/// f32 and f64, for [`Number`].
pub(crate) trait Float: Copy + fmt::Display + fmt::LowerExp {
    /// True for f32: its shortest decimal is the shortest that reads back as the same f32.
    #[cfg(target_arch = "wasm32")]
    const SINGLE: bool;
    #[cfg(target_arch = "wasm32")]
    fn to_f64(self) -> f64;
}

impl Float for f32 {
    #[cfg(target_arch = "wasm32")]
    const SINGLE: bool = true;
    #[cfg(target_arch = "wasm32")]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Float for f64 {
    #[cfg(target_arch = "wasm32")]
    const SINGLE: bool = false;
    #[cfg(target_arch = "wasm32")]
    fn to_f64(self) -> f64 {
        self
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl<T: Float> fmt::Display for Number<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl<T: Float> fmt::LowerExp for Number<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerExp::fmt(&self.0, f)
    }
}

#[cfg(target_arch = "wasm32")]
impl<T: Float> Number<T> {
    /// Writes NaN, inf, -inf and the sign as Rust does, and the digits of |x| as `digits` gives them.
    fn write(&self, f: &mut fmt::Formatter<'_>, digits: impl FnOnce(f64) -> String) -> fmt::Result {
        let x = self.0.to_f64();
        if x.is_nan() {
            return f.write_str("NaN");
        }
        if x.is_sign_negative() {
            f.write_str("-")?;
        }
        if x.is_infinite() {
            f.write_str("inf")
        } else {
            f.write_str(&digits(x.abs()))
        }
    }
}

#[cfg(target_arch = "wasm32")]
impl<T: Float> fmt::Display for Number<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match f.precision() {
            Some(digits) => self.write(f, |x| crate::wasm::fixed(x, digits)),
            None => self.write(f, |x| crate::wasm::shortest(x, T::SINGLE)),
        }
    }
}

#[cfg(target_arch = "wasm32")]
impl<T: Float> fmt::LowerExp for Number<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let precision = f.precision();
        self.write(f, |x| crate::wasm::exponential(x, precision, T::SINGLE))
    }
}
