//! The feeder's WebAssembly boundary, and nothing else: the batches of a training run with augmentation, made in a
//! worker of their own (www/feeder.js) while the page's training worker trains the batches before them
//! ([`handwritten::feed`]). The page's module (src/wasm.rs) has no augmentation: this module is loaded only for such
//! a run.
//!
//! The crate `handwritten_feeder` (web/feeder/Cargo.toml). Natively it is empty.

#![cfg(target_arch = "wasm32")]

use handwritten::{feed, mnist, Activation, Augment, Init, TrainConfig};
use wasm_bindgen::prelude::*;

/// The panic hook, `lastPanic`, and the library's errors as JS errors, as in the page's module.
#[path = "wasm_common.rs"]
mod common;
use common::{js_error, message_error};
pub use common::{last_panic, start};

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

    /// Feeds a new run: the one of these settings as the page's `Training.settings()` gives them (`hidden`,
    /// `activation`, `init`, `batch_size`, `augment` by name, `seed`), which decide its random draws.
    pub fn start(
        &mut self,
        hidden: usize,
        activation: &str,
        init: &str,
        batch_size: usize,
        augment: &str,
        seed: f64,
    ) -> Result<(), JsValue> {
        let config = TrainConfig {
            hidden,
            activation: named([Activation::Sigmoid, Activation::Relu], Activation::name, activation)?,
            init: named([Init::Uniform, Init::Scaled], Init::name, init)?,
            batch_size,
            augment: named([Augment::Off, Augment::Affine, Augment::Elastic], Augment::name, augment)?,
            seed: seed as u64,
            ..TrainConfig::default()
        };
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

/// The choice among `all` whose name is `text`.
fn named<T: Copy, const N: usize>(all: [T; N], name: fn(T) -> &'static str, text: &str) -> Result<T, JsValue> {
    all.into_iter().find(|&x| name(x) == text).ok_or_else(|| {
        message_error(&handwritten::message!(
            "core.feed.setting",
            "the feeder cannot read the setting {text}",
            text = text
        ))
    })
}
