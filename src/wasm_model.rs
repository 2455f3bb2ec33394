//! What both of the page's WebAssembly modules export: a network ([`Model`]: reading, predicting, following a digit
//! through the derivation), preprocessing a drawing, and the training settings (their defaults, their checks, read by
//! src/wasm_settings.rs). The main thread's module (src/wasm_page.rs) is these alone; the workers' (src/wasm.rs) adds
//! the data, training and teaching. Each boundary includes this file as a module of its own, so that each module
//! exports them.

use crate::common::{js_error, number, object};
use crate::settings::settings_from_js;
use handwritten::batch::check_image;
use handwritten::network::{parameter_count, MAX_HIDDEN};
use handwritten::{follow, model_file, preprocess as pre, Network, TrainConfig};
use wasm_bindgen::prelude::*;

/// A trained network: 784 → h → 10.
#[wasm_bindgen]
pub struct Model {
    pub(crate) network: Network,
}

#[wasm_bindgen]
impl Model {
    /// Reads a model file; `name` (e.g. the file's name) is used in the error message.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8], name: Option<String>) -> Result<Model, JsValue> {
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
    pub fn predict(&self, pixels: &[f32]) -> Result<Vec<f32>, JsValue> {
        check_image(pixels).map_err(js_error)?;
        Ok(self.network.predict(pixels).to_vec())
    }

    /// One forward pass for 784 pixels in [0, 1]: `{probabilities, hidden}`, a2 (ten
    /// numbers) and a1 (h numbers), what the page shows of a drawing in one frame.
    pub fn read(&self, pixels: &[f32]) -> Result<JsValue, JsValue> {
        check_image(pixels).map_err(js_error)?;
        let (hidden, probabilities) = self.network.predict_with_hidden(pixels);
        Ok(object(&[("probabilities", numbers(&probabilities)), ("hidden", numbers(&hidden))]))
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
    /// z2, a2, y, loss, delta2, dw2, db2, delta1, dw1, db1, learning_rate, a2_after}`, its vectors
    /// and matrices Float32Arrays, y, loss and η numbers.
    pub fn follow(&self, pixels: &[f32], label: Option<u8>, learning_rate: f32) -> Result<JsValue, JsValue> {
        let derivation = follow::follow(&self.network, pixels, label, learning_rate).map_err(js_error)?;
        Ok(derivation_to_js(&derivation))
    }
}

/// The 28×28 image MNIST would have made of a drawing on a transparent canvas
/// (RGBA bytes, alpha = ink), or `undefined` when the canvas is blank.
#[wasm_bindgen]
pub fn preprocess(rgba: &[u8], width: usize, height: usize) -> Result<Option<Vec<f32>>, JsValue> {
    let ink = pre::ink_from_rgba(rgba, width, height).map_err(js_error)?;
    pre::preprocess(&ink, width, height).map_err(js_error)
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
pub fn default_settings() -> Result<JsValue, JsValue> {
    Ok(settings_to_js(&TrainConfig::default()))
}

/// Checks a (partial) settings object as the workers' `Training::new` (src/wasm.rs) does, without data:
/// throws the library's message (naming the setting and its allowed range) or
/// returns the settings with every field filled in.
#[wasm_bindgen(js_name = validateSettings)]
pub fn validate_settings(settings: JsValue) -> Result<JsValue, JsValue> {
    let config = settings_from_js(settings)?;
    config.validate().map_err(js_error)?;
    Ok(settings_to_js(&config))
}

// Results for JS, built by hand as serde_wasm_bindgen built them (the fields of the Rust struct, in its order, by
// its names; numbers; arrays of numbers as plain Arrays): its serializer was 5 KB of the gzipped module.

/// A JS Array of numbers (not a Float32Array: the page maps them to new numbers).
pub(crate) fn numbers(values: &[f32]) -> JsValue {
    js_sys::Array::from(&floats(values)).into()
}

/// A Float32Array of the numbers (a copy): for numbers the page only reads, where an Array would be built number
/// by number (the derivation's ∂L/∂w1 is 784 × h of them, asked for at every frame of a stroke).
fn floats(values: &[f32]) -> js_sys::Float32Array {
    js_sys::Float32Array::from(values)
}

/// A [`TrainConfig`] for JS: its fields, the choices by name.
pub(crate) fn settings_to_js(config: &TrainConfig) -> JsValue {
    object(&[
        ("hidden", number(config.hidden as f64)),
        ("activation", config.activation.name().into()),
        ("epochs", number(config.epochs as f64)),
        ("batch_size", number(config.batch_size as f64)),
        ("learning_rate", number(config.learning_rate)),
        ("schedule", config.schedule.name().into()),
        ("step_every", number(config.step_every as f64)),
        ("step_factor", number(config.step_factor)),
        ("init", config.init.name().into()),
        ("seed", number(config.seed as f64)),
        ("augment", config.augment.name().into()),
    ])
}

/// A [`follow::Derivation`] for JS: its vectors and matrices as Float32Arrays.
fn derivation_to_js(d: &follow::Derivation) -> JsValue {
    object(&[
        ("a0", floats(&d.a0).into()),
        ("z1", floats(&d.z1).into()),
        ("a1", floats(&d.a1).into()),
        ("z2", floats(&d.z2).into()),
        ("a2", floats(&d.a2).into()),
        ("y", number(d.y)),
        ("loss", number(d.loss)),
        ("delta2", floats(&d.delta2).into()),
        ("dw2", floats(&d.dw2).into()),
        ("db2", floats(&d.db2).into()),
        ("delta1", floats(&d.delta1).into()),
        ("dw1", floats(&d.dw1).into()),
        ("db1", floats(&d.db1).into()),
        ("learning_rate", number(d.learning_rate)),
        ("a2_after", floats(&d.a2_after).into()),
    ])
}
