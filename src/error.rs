//! The one error type of the library, and the messages it carries.
//!
//! Every error says *where* (which file, which row or byte offset) and *what*
//! was wrong, so that a binary can print it as one line and a web page can show
//! it as one message. The library never prints.
//!
//! A message is built once, at the place that finds the problem, with `message!`: a key of the page's string
//! tables (www/i18n/*.json), the English the command line prints, and the named parameters both fill in. Natively a
//! [`Message`] is that English text; in the browser it is the key and the parameters (numbers as numbers), which the
//! page words in its language: the wasm carries neither the English nor the formatting of numbers.

use std::fmt;

/// A message, natively `format!(english, name = value, ...)`; in the browser `key` with the parameters by name.
/// `message!(key, english, name = value, ...)`.
#[cfg(not(target_arch = "wasm32"))]
macro_rules! message {
    ($key:literal, $english:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::error::Message(format!($english $(, $name = $value)*))
    };
}

#[cfg(target_arch = "wasm32")]
#[macro_export]
macro_rules! message {
    ($key:literal, $english:literal $(, $name:ident = $value:expr)* $(,)?) => {
        {
            #[allow(unused_mut)]
            let mut message = $crate::error::Message { key: $key, params: Vec::new() };
            $(message.push(stringify!($name), $value);)*
            message
        }
    };
}

/// What went wrong, with the context needed to fix it.
#[cfg_attr(not(target_arch = "wasm32"), derive(Debug))]
pub enum Error {
    /// An operating-system error while reading or writing `path`.
    Io { path: String, source: std::io::Error },
    /// A data or model file whose content is not what its format promises.
    /// `at` says where: "byte 16", "row 3, column 785", ...
    Format { path: String, at: Message, problem: Message },
    /// A setting outside its allowed range (`name`, the value given, the range).
    Setting { name: &'static str, problem: Message },
    /// Two inputs that must agree do not (image count vs label count, model sizes, ...).
    Mismatch { what: Message },
    /// Training diverged: a batch's loss was not finite (`batch` says which; the network
    /// was not updated with it), or a whole epoch's mean loss was worse than guessing.
    /// The learning rate is too large for this network.
    Diverged { epoch: usize, batch: Option<usize>, loss: f32 },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn format(path: &str, at: impl Into<Message>, problem: impl Into<Message>) -> Error {
        Error::Format { path: path.to_string(), at: at.into(), problem: problem.into() }
    }

    pub(crate) fn io(path: &str, source: std::io::Error) -> Error {
        Error::Io { path: path.to_string(), source }
    }

    pub(crate) fn setting(name: &'static str, problem: impl Into<Message>) -> Error {
        Error::Setting { name, problem: problem.into() }
    }

    /// The whole error as one message: "{path}: {at}: {problem}", "{name}: {problem}", ...
    pub fn message(&self) -> Message {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Error::Io { path, source } => Message(format!("{path}: {source}")),
            // The browser has no files (the page hands the core bytes): never met there.
            #[cfg(target_arch = "wasm32")]
            Error::Io { path, .. } => message!("core.noFiles", "{path}: no files in the browser", path = path.as_str()),
            Error::Format { path, at, problem } => message!(
                "core.file",
                "{path}: {at}: {problem}",
                path = path.as_str(),
                at = at.clone(),
                problem = problem.clone()
            ),
            Error::Setting { name, problem } => {
                message!("core.setting", "{name}: {problem}", name = *name, problem = problem.clone())
            }
            Error::Mismatch { what } => what.clone(),
            Error::Diverged { epoch, batch: Some(batch), loss } => message!(
                "core.diverged.batch",
                "training diverged at epoch {epoch}, batch {batch}: the loss became {loss}; try a smaller learning rate",
                epoch = *epoch,
                batch = *batch,
                loss = *loss
            ),
            Error::Diverged { epoch, batch: None, loss } => message!(
                "core.diverged.epoch",
                "training diverged in epoch {epoch}: its mean loss {loss} is worse than guessing (ln 10 = 2.30); \
                 try a smaller learning rate",
                epoch = *epoch,
                loss = Fixed(*loss, 2)
            ),
        }
    }
}

/// Natively the English message; in the browser its key (the page words it from [`Error::message`]).
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.message(), f)
    }
}

/// In the browser an error is its message's key (a derived `Debug` would bring in the float formatter for `loss`).
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

/// A message: natively its English text.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Debug, PartialEq)]
pub struct Message(pub String);

/// A message: in the browser a key of the page's string tables (www/i18n/*.json) and its named parameters.
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub key: &'static str,
    pub params: Vec<(&'static str, Param)>,
}

/// A parameter of a message in the browser, for the page to write.
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    /// A whole number (a count, a byte offset, an index).
    Whole(f64),
    /// A number written as Rust's `{}` writes it (the shortest decimal that reads back as the f32 when `single`,
    /// never in exponent form), `{:.N}` (`fixed`: N digits after the point) or `{:.Ne}` (`exponent`: N digits).
    Real { x: f64, single: bool, fixed: Option<usize>, exponent: Option<usize> },
    /// A 32-bit value written as 8 hexadecimal digits (`{:08x}`).
    Hex(u32),
    /// A text shown as it is (a file name, a setting's name).
    Text(String),
    /// A message within the message.
    Nested(Message),
}

#[cfg(target_arch = "wasm32")]
impl Message {
    /// Adds a parameter (what `message!` does for each). Not inlined: the conversion and the push written out at
    /// each of the core's messages were 0.4 KB more of the gzipped module.
    #[inline(never)]
    pub fn push(&mut self, name: &'static str, value: impl Into<Param>) {
        self.params.push((name, value.into()));
    }
}

impl Message {
    /// A place in a file: "byte {byte}".
    pub(crate) fn byte(byte: usize) -> Message {
        message!("core.at.byte", "byte {byte}", byte = byte)
    }

    /// A setting's problem: "{value} is outside the allowed range 1 to {max}".
    pub(crate) fn range(value: usize, max: usize) -> Message {
        message!(
            "core.range",
            "{value} is outside the allowed range {min} to {max}",
            value = value,
            min = 1u32,
            max = max
        )
    }
}

/// A message the page has no words for (a place or a problem only the command line meets, or a rare one): its
/// English text, in the browser under the key `core.untranslated` (the page shows it as it is).
impl From<String> for Message {
    #[cfg(not(target_arch = "wasm32"))]
    fn from(english: String) -> Message {
        Message(english)
    }

    #[cfg(target_arch = "wasm32")]
    fn from(english: String) -> Message {
        Message { key: "core.untranslated", params: vec![("text", Param::Text(english))] }
    }
}

impl From<&str> for Message {
    fn from(english: &str) -> Message {
        Message::from(english.to_string())
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(target_arch = "wasm32")]
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key)
    }
}

/// `x` with `digits` digits after the point, as `{:.N}` writes it.
#[derive(Clone, Copy)]
pub(crate) struct Fixed<T>(pub T, pub usize);

/// `x` in exponent form with `digits` digits after the point, as `{:.Ne}` writes it.
#[derive(Clone, Copy)]
pub(crate) struct Exponent<T>(pub T, pub usize);

/// A 32-bit value as 8 hexadecimal digits, as `{:08x}` writes it.
#[derive(Clone, Copy)]
pub(crate) struct Hex(pub u32);

#[cfg(not(target_arch = "wasm32"))]
impl<T: fmt::Display> fmt::Display for Fixed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.*}", self.1, self.0)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl<T: fmt::LowerExp> fmt::Display for Exponent<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.*e}", self.1, self.0)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

#[cfg(target_arch = "wasm32")]
mod params {
    use super::{Exponent, Fixed, Hex, Message, Param};

    macro_rules! whole {
        ($($t:ty),*) => {$(
            impl From<$t> for Param {
                fn from(n: $t) -> Param {
                    Param::Whole(n as f64)
                }
            }
        )*};
    }
    whole!(u8, u32, u64, usize);

    impl From<f32> for Param {
        fn from(x: f32) -> Param {
            Param::Real { x: f64::from(x), single: true, fixed: None, exponent: None }
        }
    }

    impl From<f64> for Param {
        fn from(x: f64) -> Param {
            Param::Real { x, single: false, fixed: None, exponent: None }
        }
    }

    impl<T: Into<Param>> From<Fixed<T>> for Param {
        fn from(Fixed(x, digits): Fixed<T>) -> Param {
            match x.into() {
                Param::Real { x, single, .. } => Param::Real { x, single, fixed: Some(digits), exponent: None },
                other => other,
            }
        }
    }

    impl<T: Into<Param>> From<Exponent<T>> for Param {
        fn from(Exponent(x, digits): Exponent<T>) -> Param {
            match x.into() {
                Param::Real { x, single, .. } => Param::Real { x, single, fixed: None, exponent: Some(digits) },
                other => other,
            }
        }
    }

    impl From<Hex> for Param {
        fn from(Hex(n): Hex) -> Param {
            Param::Hex(n)
        }
    }

    impl From<&str> for Param {
        fn from(text: &str) -> Param {
            Param::Text(text.into())
        }
    }

    impl From<Message> for Param {
        fn from(message: Message) -> Param {
            Param::Nested(message)
        }
    }
}
