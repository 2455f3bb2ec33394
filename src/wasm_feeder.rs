//! The feeder's WebAssembly boundary, and nothing else: the batches of a training run with augmentation, made in a
//! worker of their own (www/feeder.js) while the page's training worker trains the batches before them
//! ([`handwritten::feed`]). The training workers' module (src/wasm.rs) has no augmentation: this module is loaded
//! only for such a run.
//!
//! The crate `handwritten_feeder` (web/feeder/Cargo.toml). Natively it is empty.

#![cfg(target_arch = "wasm32")]

use handwritten::{feed, mnist};
use wasm_bindgen::prelude::*;

/// The panic hook, `lastPanic`, and the library's errors as JS errors, as in the other modules.
#[path = "wasm_common.rs"]
mod common;
use common::{js_error, message_error};
pub use common::{last_panic, start};

/// The training settings read from JS, as the page's modules read them.
#[path = "wasm_settings.rs"]
mod settings;

/// The training set (kept across runs), and the run being fed.
#[wasm_bindgen]
pub struct Feeder {
    images: Vec<u8>,
    labels: Vec<u8>,
    run: Option<feed::Feeder>,
}

#[wasm_bindgen]
impl Feeder {
    /// A feeder over the training set of `images` (n × 784 bytes) and `labels` (n bytes), feeding no run yet.
    #[wasm_bindgen(constructor)]
    pub fn new(images: Vec<u8>, labels: Vec<u8>) -> Result<Feeder, JsValue> {
        mnist::check(&images, &labels).map_err(js_error)?;
        Ok(Feeder { images, labels, run: None })
    }

    /// Feeds a new run: the one of `settings`, every field filled in as the page's `Training.settings()` gives them
    /// (the seed too), read as the training worker read them; they decide its random draws.
    pub fn start(&mut self, settings: JsValue) -> Result<(), JsValue> {
        let config = settings::settings_from_js(settings)?;
        self.run = Some(feed::Feeder::new(&config, self.labels.len()).map_err(js_error)?);
        Ok(())
    }

    /// The run's next `batches` batches, packed (see [`feed`]).
    pub fn next(&mut self, batches: usize) -> Result<Vec<u8>, JsValue> {
        let Some(run) = self.run.as_mut() else {
            return Err(message_error(&handwritten::message!("core.feed.noRun", "the feeder feeds no run")));
        };
        run.next(&self.images, &self.labels, batches).map_err(js_error)
    }
}
