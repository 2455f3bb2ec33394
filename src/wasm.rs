//! The WebAssembly boundary, and nothing else: conversions between JS values
//! and the library's types. JS holds opaque handles ([`Model`], [`Data`],
//! [`Training`]); the datasets and networks stay in Rust; small results (ten
//! probabilities, h activations, a progress record) are copied out.
//!
//! Every exported function returns `Result<_, JsError>` carrying the library's
//! own message, so the page can show it; a panic hook turns any panic into a
//! console message instead of an opaque `unreachable`.

use crate::batch::check_image;
use crate::mnist::parse_idx;
use crate::network::{parameter_count, pixel_value, MAX_HIDDEN, OUTPUTS};
use crate::{follow, model_file, preprocess as pre, teach, train, Dataset, Network, TrainConfig, Trainer};
use rand::SeedableRng;
use rand_pcg::Pcg64;
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The message of the last panic, for [`last_panic`].
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the panic hook when the module is instantiated: a panic's message goes to the
/// console and is kept for [`last_panic`].
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let payload = info.payload();
        let message =
            payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned());
        LAST_PANIC.with(|last| {
            if let Ok(mut last) = last.try_borrow_mut() {
                *last = Some(message.unwrap_or_else(|| info.to_string()));
            }
        });
    }));
}

/// The message of the last panic, if there was one. A panic leaves the instance unusable
/// (JS sees only `RuntimeError: unreachable`); this says why, so the page can report it.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|last| last.try_borrow().ok().and_then(|last| last.clone()))
}

fn js_error(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// Seeds larger than this would not survive a round trip through a JS number.
const MAX_SAFE_SEED: u64 = (1 << 53) - 1;

/// A trained network: 784 → h → 10.
#[wasm_bindgen]
pub struct Model {
    network: Network,
}

#[wasm_bindgen]
impl Model {
    /// Reads a model file; `name` (e.g. the file's name) is used in the error message.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8], name: Option<String>) -> Result<Model, JsError> {
        let name = name.unwrap_or_else(|| "model file".into());
        Ok(Model { network: model_file::from_bytes(bytes, &name).map_err(js_error)? })
    }

    /// The model file's bytes.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        model_file::to_bytes(&self.network)
    }

    /// h, the number of hidden units.
    #[wasm_bindgen(getter)]
    pub fn hidden(&self) -> usize {
        self.network.hidden()
    }

    /// The hidden activation: "sigmoid" or "relu".
    #[wasm_bindgen(getter)]
    pub fn activation(&self) -> String {
        self.network.activation().name().into()
    }

    /// The number of parameters: w1, b1, w2 and b2, 784·h + h + h·10 + 10.
    #[wasm_bindgen(getter)]
    pub fn parameters(&self) -> usize {
        parameter_count(self.network.hidden())
    }

    /// a2, the ten probabilities for 784 pixels in [0, 1].
    pub fn predict(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        check_image(pixels).map_err(js_error)?;
        Ok(self.network.predict(pixels).to_vec())
    }

    /// One forward pass for 784 pixels in [0, 1]: `{probabilities, hidden}`, a2 (ten
    /// numbers) and a1 (h numbers), what the page shows of a drawing in one frame.
    pub fn read(&self, pixels: &[f32]) -> Result<JsValue, JsError> {
        check_image(pixels).map_err(js_error)?;
        let (hidden, probabilities) = self.network.predict_with_hidden(pixels);
        serde_wasm_bindgen::to_value(&Reading { probabilities, hidden }).map_err(js_error)
    }

    /// w1, 784 × h, row-major: element i·h + j is the weight from pixel i to hidden unit j.
    pub fn weights1(&self) -> Vec<f32> {
        self.network.w1().to_vec()
    }

    /// w2, h × 10, row-major: element j·10 + k is the weight from hidden unit j to digit k.
    pub fn weights2(&self) -> Vec<f32> {
        self.network.w2().to_vec()
    }

    /// Every quantity of the derivation for 784 pixels in [0, 1] and a label (the network's
    /// guess when absent), with a step of rate η: a [`follow::Derivation`] object `{a0, z1, a1,
    /// z2, a2, y, loss, delta2, dw2, db2, delta1, dw1, db1, learning_rate, a2_after}`.
    pub fn follow(&self, pixels: &[f32], label: Option<u8>, learning_rate: f32) -> Result<JsValue, JsError> {
        let derivation = follow::follow(&self.network, pixels, label, learning_rate).map_err(js_error)?;
        serde_wasm_bindgen::to_value(&derivation).map_err(js_error)
    }
}

/// What [`Model::read`] returns.
#[derive(Serialize)]
struct Reading {
    probabilities: [f32; OUTPUTS],
    hidden: Vec<f32>,
}

/// An image is 784 numbers in [0, 1]; NaN, ±∞ and anything outside the range are refused
/// (the network would answer NaN probabilities).
/// The 28×28 image MNIST would have made of a drawing on a transparent canvas
/// (RGBA bytes, alpha = ink), or `undefined` when the canvas is blank.
#[wasm_bindgen]
pub fn preprocess(rgba: &[u8], width: usize, height: usize) -> Result<Option<Vec<f32>>, JsError> {
    let ink = pre::ink_from_rgba(rgba, width, height).map_err(js_error)?;
    pre::preprocess(&ink, width, height).map_err(js_error)
}

/// The training and test sets, held in Rust.
#[wasm_bindgen]
pub struct Data {
    train: Rc<Dataset>,
    test: Rc<Dataset>,
}

#[wasm_bindgen]
impl Data {
    /// Reads the four MNIST IDX files, raw (the page decompresses the `.gz` files itself).
    #[wasm_bindgen(js_name = fromIdx)]
    pub fn from_idx(
        train_images: &[u8],
        train_labels: &[u8],
        test_images: &[u8],
        test_labels: &[u8],
    ) -> Result<Data, JsError> {
        let train = parse_idx(train_images, "train-images-idx3-ubyte", train_labels, "train-labels-idx1-ubyte")
            .map_err(js_error)?;
        let test = parse_idx(test_images, "t10k-images-idx3-ubyte", test_labels, "t10k-labels-idx1-ubyte")
            .map_err(js_error)?;
        Ok(Data { train: Rc::new(train), test: Rc::new(test) })
    }

    /// Images in the training set.
    #[wasm_bindgen(getter, js_name = trainSize)]
    pub fn train_size(&self) -> usize {
        self.train.len()
    }

    /// Images in the test set.
    #[wasm_bindgen(getter, js_name = testSize)]
    pub fn test_size(&self) -> usize {
        self.test.len()
    }

    /// Test image `i`: 784 pixels in [0, 1] (for showing examples and mistakes).
    #[wasm_bindgen(js_name = testImage)]
    pub fn test_image(&self, i: usize) -> Result<Vec<f32>, JsError> {
        self.check_test_index(i)?;
        Ok(self.test.image(i).iter().map(|&p| pixel_value(p)).collect())
    }

    /// The label of test image `i`.
    #[wasm_bindgen(js_name = testLabel)]
    pub fn test_label(&self, i: usize) -> Result<u8, JsError> {
        self.check_test_index(i)?;
        Ok(self.test.label(i))
    }
}

#[wasm_bindgen]
impl Data {
    /// One teaching step on `model` ([`teach::teach`]): the image (784 pixels in [0, 1]) with
    /// `label` at rate η, with [`teach::REPLAY`] random training images drawn from `seed` when
    /// `replay`, alone (the tutorial's one-sample step) when not. Returns the image's loss before.
    pub fn teach(
        &self,
        model: &mut Model,
        pixels: &[f32],
        label: u8,
        learning_rate: f32,
        replay: bool,
        seed: u32,
    ) -> Result<f32, JsError> {
        let mut rng = Pcg64::seed_from_u64(seed as u64);
        let images = if replay { teach::replay_images(&self.train, teach::REPLAY, &mut rng) } else { Vec::new() };
        teach::teach(&mut model.network, pixels, label, &images, learning_rate).map_err(js_error)
    }

    /// The test images `model` reads wrong, the surest first: `[{index, label, guess, confidence}]`.
    pub fn mistakes(&self, model: &Model) -> Result<JsValue, JsError> {
        serde_wasm_bindgen::to_value(&teach::mistakes(&model.network, &self.test)).map_err(js_error)
    }

    /// `model` on the test set: `{loss, accuracy, confusion, tutorial_accuracy}`.
    pub fn evaluate(&self, model: &Model) -> Result<JsValue, JsError> {
        serde_wasm_bindgen::to_value(&train::evaluate(&model.network, &self.test)).map_err(js_error)
    }

    /// Test image `i` as 784 bytes (0 = background, 255 = ink), for thumbnails.
    #[wasm_bindgen(js_name = testImageBytes)]
    pub fn test_image_bytes(&self, i: usize) -> Result<Vec<u8>, JsError> {
        self.check_test_index(i)?;
        Ok(self.test.image(i).to_vec())
    }
}

impl Data {
    fn check_test_index(&self, i: usize) -> Result<(), JsError> {
        if i >= self.test.len() {
            return Err(JsError::new(&format!("test image {i} does not exist (there are {})", self.test.len())));
        }
        Ok(())
    }
}

/// The length of the largest model file there can be (h = 4096 hidden units): a file
/// longer than this is not a model, and the page refuses it before reading it.
#[wasm_bindgen(js_name = maxModelBytes)]
pub fn max_model_bytes() -> usize {
    model_file::file_len(MAX_HIDDEN)
}

/// The default training settings, [`TrainConfig::default`], every field filled in:
/// what the page's form starts with.
#[wasm_bindgen(js_name = defaultSettings)]
pub fn default_settings() -> Result<JsValue, JsError> {
    serde_wasm_bindgen::to_value(&TrainConfig::default()).map_err(js_error)
}

/// Checks a (partial) settings object as [`Training::new`] would, without data:
/// throws the library's message (naming the setting and its allowed range) or
/// returns the settings with every field filled in.
#[wasm_bindgen(js_name = validateSettings)]
pub fn validate_settings(settings: JsValue) -> Result<JsValue, JsError> {
    let config = settings_from_js(settings)?;
    config.validate().map_err(js_error)?;
    serde_wasm_bindgen::to_value(&config).map_err(js_error)
}

/// A [`TrainConfig`] from a partial JS object; a missing `seed` comes from the browser.
fn settings_from_js(settings: JsValue) -> Result<TrainConfig, JsError> {
    if settings.is_undefined() || settings.is_null() {
        return settings_from_js(js_sys::Object::new().into());
    }
    let seed = js_sys::Reflect::get(&settings, &JsValue::from_str("seed")).unwrap_or(JsValue::UNDEFINED);
    let mut config: TrainConfig =
        serde_wasm_bindgen::from_value(settings).map_err(|e| JsError::new(&format!("training settings: {e}")))?;
    if seed.is_undefined() || seed.is_null() {
        config.seed = getrandom::u64().map_err(|e| JsError::new(&format!("no random seed: {e}")))? & MAX_SAFE_SEED;
    }
    Ok(config)
}

/// A training run: a [`Trainer`] over a [`Data`]'s training set, driven a slice of batches at a time.
#[wasm_bindgen]
pub struct Training {
    trainer: Trainer,
    train: Rc<Dataset>,
    test: Rc<Dataset>,
}

#[wasm_bindgen]
impl Training {
    /// A new run. `settings` is a partial [`TrainConfig`] object (`hidden`, `activation`,
    /// `epochs`, `batch_size`, `learning_rate`, `schedule`, `init`, `augment`, `seed`, ...);
    /// what it leaves out takes the default, except `seed`, which comes from the browser's
    /// random source when absent. The settings are validated by the library.
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue, data: &Data) -> Result<Training, JsError> {
        let config = settings_from_js(settings)?;
        let trainer = Trainer::new(config, data.train.len()).map_err(js_error)?;
        Ok(Training { trainer, train: Rc::clone(&data.train), test: Rc::clone(&data.test) })
    }

    /// The settings in force, every field filled in (including the seed used).
    pub fn settings(&self) -> Result<JsValue, JsError> {
        serde_wasm_bindgen::to_value(self.trainer.config()).map_err(js_error)
    }

    /// Trains at most `max_batches` batches (stopping at the end of an epoch) and
    /// returns the [`train::Progress`] record: `{epoch, batch, batches_per_epoch, loss_sum,
    /// correct, samples, learning_rate, epoch_done}`.
    pub fn step(&mut self, max_batches: usize) -> Result<JsValue, JsError> {
        let progress = self.trainer.step(&self.train, max_batches).map_err(js_error)?;
        serde_wasm_bindgen::to_value(&progress).map_err(js_error)
    }

    /// The network so far on the test set: `{loss, accuracy, confusion, tutorial_accuracy}` with
    /// `confusion[true][predicted]`.
    pub fn evaluate(&self) -> Result<JsValue, JsError> {
        let evaluation = train::evaluate(self.trainer.network(), &self.test);
        serde_wasm_bindgen::to_value(&evaluation).map_err(js_error)
    }

    /// A copy of the network as trained so far.
    pub fn model(&self) -> Model {
        Model { network: self.trainer.network().clone() }
    }

    /// Epochs completed.
    #[wasm_bindgen(getter, js_name = epochsDone)]
    pub fn epochs_done(&self) -> usize {
        self.trainer.epochs_done()
    }

    /// True when every epoch is done.
    #[wasm_bindgen(getter, js_name = isFinished)]
    pub fn is_finished(&self) -> bool {
        self.trainer.is_finished()
    }

    /// Batches in one epoch.
    #[wasm_bindgen(getter, js_name = batchesPerEpoch)]
    pub fn batches_per_epoch(&self) -> usize {
        self.trainer.batches_per_epoch()
    }
}
