//! The training settings from JS: a partial object read field by field into a [`TrainConfig`], as the page's form,
//! the training worker and the feeder worker (src/wasm_feeder.rs, which must draw the same random numbers as the run)
//! all read them. Each boundary includes this file as a module of its own.

use crate::common::message_error;
use handwritten::error::Message;
use handwritten::message;
use handwritten::{Activation, Augment, Init, Schedule, TrainConfig};
use wasm_bindgen::prelude::*;

/// Seeds larger than this would not survive a round trip through a JS number.
const MAX_SAFE_SEED: u64 = (1 << 53) - 1;

/// A [`TrainConfig`] from a partial JS object, read field by field (what it leaves out keeps its default, other
/// properties are ignored); a missing `seed` comes from the browser. Read by hand rather than by serde, whose
/// deserializer, with the float formatting of its messages, was a fifth of the gzipped module.
pub(crate) fn settings_from_js(settings: JsValue) -> Result<TrainConfig, JsValue> {
    let mut config = TrainConfig::default();
    if settings.is_undefined() || settings.is_null() {
        config.seed = browser_seed()?;
        return Ok(config);
    }
    if !settings.is_object() {
        let value = js_text(&settings);
        return Err(settings_error(message!(
            "core.settings.object",
            "an object of settings, not {value}",
            value = &*value
        )));
    }
    let field = |name: &str| js_sys::Reflect::get(&settings, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    let max = usize::MAX as u64;
    let count = |name: &str, default: usize| whole(&field(name), name, max).map(|n| n.map_or(default, |n| n as usize));
    config.hidden = count("hidden", config.hidden)?;
    config.epochs = count("epochs", config.epochs)?;
    config.batch_size = count("batch_size", config.batch_size)?;
    config.step_every = count("step_every", config.step_every)?;
    config.learning_rate = real(&field("learning_rate"), "learning_rate")?.unwrap_or(config.learning_rate);
    config.step_factor = real(&field("step_factor"), "step_factor")?.unwrap_or(config.step_factor);
    // The names the page and the command line use: Activation::name, Schedule::name, Init::name, Augment::name.
    let activations = [Activation::Sigmoid, Activation::Relu];
    if let Some(i) = choice(&field("activation"), "activation", &activations.map(Activation::name))? {
        config.activation = activations[i];
    }
    let schedules = [Schedule::Constant, Schedule::Cosine, Schedule::Step];
    if let Some(i) = choice(&field("schedule"), "schedule", &schedules.map(Schedule::name))? {
        config.schedule = schedules[i];
    }
    let inits = [Init::Uniform, Init::Scaled];
    if let Some(i) = choice(&field("init"), "init", &inits.map(Init::name))? {
        config.init = inits[i];
    }
    // augment: a name, or true (affine) or false (off).
    let augments = [Augment::Off, Augment::Affine, Augment::Elastic];
    let augment = field("augment");
    if let Some(on) = augment.as_bool() {
        config.augment = if on { Augment::Affine } else { Augment::Off };
    } else if let Some(i) = choice(&augment, "augment", &augments.map(Augment::name))? {
        config.augment = augments[i];
    }
    config.seed = match whole(&field("seed"), "seed", MAX_SAFE_SEED)? {
        Some(seed) => seed,
        None => browser_seed()?,
    };
    Ok(config)
}

/// A seed from the browser's random source, small enough for a JS number. Without one, a message of the page's (its
/// one cause in a browser, for getrandom: the Web Crypto API is missing); getrandom's own English text, written by
/// core::fmt, was 0.5 KB of the gzipped module.
fn browser_seed() -> Result<u64, JsValue> {
    let seed = getrandom::u64().map_err(|_| {
        message_error(&message!("core.noSeed", "no random seed: the browser has no crypto.getRandomValues"))
    })?;
    Ok(seed & MAX_SAFE_SEED)
}

/// "training settings: {problem}".
fn settings_error(problem: Message) -> JsValue {
    message_error(&message!("core.settings", "training settings: {problem}", problem = problem))
}

/// A JS value as JSON writes it (`"fast"`, `2.5`, `[1]`), for a message.
fn js_text(value: &JsValue) -> String {
    js_sys::JSON::stringify(value).ok().and_then(|text| text.as_string()).unwrap_or_else(|| "this value".into())
}

/// A setting that is a whole number from 0 to `max`: `None` when absent (undefined or null).
fn whole(value: &JsValue, name: &str, max: u64) -> Result<Option<u64>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(x) if x >= 0.0 && x <= max as f64 && x.fract() == 0.0 => Ok(Some(x as u64)),
        _ => Err(settings_error(message!(
            "core.settings.whole",
            "{name} must be a whole number from 0 to {max}, not {value}",
            name = name,
            max = max,
            value = &*js_text(value)
        ))),
    }
}

/// A setting that is a number: `None` when absent (undefined or null).
fn real(value: &JsValue, name: &str) -> Result<Option<f32>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(x) => Ok(Some(x as f32)),
        None => Err(settings_error(message!(
            "core.settings.number",
            "{name} must be a number, not {value}",
            name = name,
            value = &*js_text(value)
        ))),
    }
}

/// A setting that is one of `names`: its index, `None` when absent (undefined or null).
fn choice(value: &JsValue, name: &str, names: &[&str]) -> Result<Option<usize>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let given = value.as_string().unwrap_or_default();
    match names.iter().position(|&option| option == given) {
        Some(i) => Ok(Some(i)),
        None => {
            let mut options = String::new();
            for (i, option) in names.iter().enumerate() {
                if i > 0 {
                    options.push_str(", ");
                }
                options.push('"');
                options.push_str(option);
                options.push('"');
            }
            Err(settings_error(message!(
                "core.settings.choice",
                "{name} must be one of {options}, not {value}",
                name = name,
                options = &*options,
                value = &*js_text(value)
            )))
        }
    }
}
