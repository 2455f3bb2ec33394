//! The WebAssembly boundary of the page's workers (training, teaching), and nothing else:
//! conversions between JS values and the library's types. (The page's main thread loads a
//! module of its own, src/wasm_page.rs, with the network, preprocessing and the settings that
//! this one shares, src/wasm_model.rs. The feeder's module, which distorts the images of a run
//! with augmentation in a worker of its own, has its own too: src/wasm_feeder.rs. This one has
//! no augmentation: such a run takes its batches from the feeder, [`Training::feed`].) JS holds opaque handles ([`Model`], [`Data`],
//! [`Training`]); the datasets and networks stay in Rust; small results (ten
//! probabilities, h activations, a progress record) are copied out, as plain JS
//! objects built here by hand (smaller in the download than a serde serializer).
//!
//! Every exported function that can fail throws a JS `Error` carrying the library's
//! message as a key of the page's string tables and its parameters (`js_error`), so
//! the page can show it in its language; the page writes the numbers (the wasm carries
//! neither the English nor a float formatter). A panic hook turns any panic into a
//! console message instead of an opaque `unreachable`.
//!
//! The crate `handwritten_wasm` (web/boundary/Cargo.toml), optimised for size: the page calls it once a click or a
//! frame, and the work is the core's (see the release profile in Cargo.toml). Natively it is empty.

#![cfg(target_arch = "wasm32")]

use handwritten::feed::Queue;
use handwritten::message;
use handwritten::mnist::parse_idx;
use handwritten::{teach, train, Dataset, Trainer};
use rand::SeedableRng;
use rand_pcg::Pcg64;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The panic hook, `lastPanic`, and the library's errors as JS errors: what the three modules share.
#[path = "wasm_common.rs"]
mod common;
use common::{js_error, message_error, number, object};
pub use common::{last_panic, start};

/// A network, preprocessing and the training settings: what the main thread's module exports too.
#[path = "wasm_model.rs"]
mod model;
/// The training settings read from JS.
#[path = "wasm_settings.rs"]
mod settings;
use model::settings_to_js;
pub use model::{default_settings, max_model_bytes, preprocess, validate_settings, Model};
use settings::settings_from_js;

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
    ) -> Result<Data, JsValue> {
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

    /// A copy of the training images (n × 784 bytes), for the feeder's module (src/wasm_feeder.rs) in another worker.
    #[wasm_bindgen(js_name = trainImages)]
    pub fn train_images(&self) -> Vec<u8> {
        self.train.images().to_vec()
    }

    /// A copy of the training labels (n bytes), for the feeder's module in another worker.
    #[wasm_bindgen(js_name = trainLabels)]
    pub fn train_labels(&self) -> Vec<u8> {
        self.train.labels().to_vec()
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
    ) -> Result<f32, JsValue> {
        let mut rng = Pcg64::seed_from_u64(seed as u64);
        let images = if replay { teach::replay_images(&self.train, teach::REPLAY, &mut rng) } else { Vec::new() };
        teach::teach(&mut model.network, pixels, label, &images, learning_rate).map_err(js_error)
    }

    /// The test images `model` reads wrong, the surest first: `[{index, label, guess, confidence}]`.
    pub fn mistakes(&self, model: &Model) -> Result<JsValue, JsValue> {
        let mistakes = teach::mistakes(&model.network, &self.test);
        let mistakes = mistakes.iter().map(|m| {
            object(&[
                ("index", number(m.index as f64)),
                ("label", number(m.label)),
                ("guess", number(m.guess)),
                ("confidence", number(m.confidence)),
            ])
        });
        Ok(mistakes.collect::<js_sys::Array>().into())
    }

    /// `model` on the test set: `{loss, accuracy, confusion, tutorial_accuracy}`.
    pub fn evaluate(&self, model: &Model) -> Result<JsValue, JsValue> {
        Ok(evaluation_to_js(&train::evaluate(&model.network, &self.test)))
    }

    /// Test image `i` as 784 bytes (0 = background, 255 = ink), for thumbnails.
    #[wasm_bindgen(js_name = testImageBytes)]
    pub fn test_image_bytes(&self, i: usize) -> Result<Vec<u8>, JsValue> {
        self.check_test_index(i)?;
        Ok(self.test.image(i).to_vec())
    }
}

impl Data {
    fn check_test_index(&self, i: usize) -> Result<(), JsValue> {
        if i >= self.test.len() {
            let count = self.test.len();
            let message = message!(
                "core.testImage",
                "test image {index} does not exist (there are {count})",
                index = i,
                count = count
            );
            return Err(message_error(&message));
        }
        Ok(())
    }
}

// Results for JS, built by hand as serde_wasm_bindgen built them (see src/wasm_model.rs).

/// A [`train::Progress`] for JS.
fn progress_to_js(progress: &train::Progress) -> JsValue {
    object(&[
        ("epoch", number(progress.epoch as f64)),
        ("batch", number(progress.batch as f64)),
        ("batches_per_epoch", number(progress.batches_per_epoch as f64)),
        ("loss_sum", number(progress.loss_sum)),
        ("correct", number(progress.correct as f64)),
        ("samples", number(progress.samples as f64)),
        ("learning_rate", number(progress.learning_rate)),
        ("epoch_done", progress.epoch_done.into()),
    ])
}

/// A [`train::Evaluation`] for JS: `confusion` an Array of ten Arrays.
fn evaluation_to_js(evaluation: &train::Evaluation) -> JsValue {
    let confusion: js_sys::Array =
        evaluation.confusion.iter().map(|row| row.iter().map(|&n| number(n)).collect::<js_sys::Array>()).collect();
    object(&[
        ("loss", number(evaluation.loss)),
        ("accuracy", number(evaluation.accuracy)),
        ("confusion", confusion.into()),
        ("tutorial_accuracy", number(evaluation.tutorial_accuracy)),
    ])
}

/// A training run: a [`Trainer`] over a [`Data`]'s training set, driven a slice of batches at a time.
#[wasm_bindgen]
pub struct Training {
    trainer: Trainer,
    train: Rc<Dataset>,
    test: Rc<Dataset>,
    /// Batches made by the feeder (src/wasm_feeder.rs), not yet trained.
    queue: Queue,
}

#[wasm_bindgen]
impl Training {
    /// A new run. `settings` is a partial [`TrainConfig`](handwritten::TrainConfig) object (`hidden`, `activation`,
    /// `epochs`, `batch_size`, `learning_rate`, `schedule`, `init`, `augment`, `seed`, ...);
    /// what it leaves out takes the default, except `seed`, which comes from the browser's
    /// random source when absent. The settings are validated by the library.
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue, data: &Data) -> Result<Training, JsValue> {
        let config = settings_from_js(settings)?;
        let trainer = Trainer::new(config, data.train.len()).map_err(js_error)?;
        Ok(Training { trainer, train: Rc::clone(&data.train), test: Rc::clone(&data.test), queue: Queue::new() })
    }

    /// The settings in force, every field filled in (including the seed used).
    pub fn settings(&self) -> Result<JsValue, JsValue> {
        Ok(settings_to_js(self.trainer.config()))
    }

    /// Trains at most `max_batches` batches (stopping at the end of an epoch) and
    /// returns the [`train::Progress`] record: `{epoch, batch, batches_per_epoch, loss_sum,
    /// correct, samples, learning_rate, epoch_done}`.
    pub fn step(&mut self, max_batches: usize) -> Result<JsValue, JsValue> {
        let progress = self.trainer.step(&self.train, max_batches).map_err(js_error)?;
        Ok(progress_to_js(&progress))
    }

    /// Queues a chunk of batches made by the feeder (src/wasm_feeder.rs) of this run's settings (an error, nothing queued, for bytes
    /// that are not one).
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        self.queue.push(chunk).map_err(js_error)
    }

    /// Batches queued by [`Training::feed`], not yet trained.
    #[wasm_bindgen(getter)]
    pub fn queued(&self) -> usize {
        self.queue.batches()
    }

    /// As [`Training::step`], on the batches queued ([`Trainer::step_queued`]): none when the queue is empty. A run
    /// takes all its batches one way or the other.
    #[wasm_bindgen(js_name = stepQueued)]
    pub fn step_queued(&mut self, max_batches: usize) -> Result<JsValue, JsValue> {
        let progress = self.trainer.step_queued(&mut self.queue, max_batches).map_err(js_error)?;
        Ok(progress_to_js(&progress))
    }

    /// The network so far on the test set: `{loss, accuracy, confusion, tutorial_accuracy}` with
    /// `confusion[true][predicted]`.
    pub fn evaluate(&self) -> Result<JsValue, JsValue> {
        let evaluation = train::evaluate(self.trainer.network(), &self.test);
        Ok(evaluation_to_js(&evaluation))
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
