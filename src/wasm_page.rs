//! The WebAssembly boundary of the page's main thread, and nothing else: reading a network and the digits drawn on the
//! pad, following one through the derivation, and checking the training form's settings ([`Model`], [`preprocess`],
//! [`default_settings`], [`validate_settings`], [`max_model_bytes`]). Training, teaching and the data are the
//! workers' (src/wasm.rs, a module of their own that the page loads only when a worker starts), so that what the page
//! loads to read its first digit carries none of them.
//!
//! The crate `handwritten_page` (web/page/Cargo.toml). Natively it is empty.

#![cfg(target_arch = "wasm32")]

/// The panic hook, `lastPanic`, and the library's errors as JS errors, as in the other modules.
#[path = "wasm_common.rs"]
mod common;
pub use common::{last_panic, start};

/// A network, preprocessing and the training settings: the same as the workers' module exports.
#[path = "wasm_model.rs"]
mod model;
/// The training settings read from JS.
#[path = "wasm_settings.rs"]
mod settings;
pub use model::{default_settings, max_model_bytes, preprocess, validate_settings, Model};
