//! What the three WebAssembly modules' boundaries share (src/wasm_page.rs, the page's main thread's; src/wasm.rs, the
//! training workers'; src/wasm_feeder.rs, the feeder's): the panic hook and `lastPanic`, and the library's errors as
//! JS errors. Each boundary includes this file as a module of its own, so that each module exports them.

use handwritten::error::{Message, Param};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The message of the last panic, for [`last_panic`].
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the panic hook when the module is instantiated: a panic's message goes to the
/// console and is kept for [`last_panic`].
///
/// The console's text is std's, "panicked at {file}:{line}:{column}:\n{message}", written here without core::fmt's
/// Display of the panic (0.4 KB of the gzipped module); the message itself is formatted by std, as before.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let mut text = String::from("panicked at ");
        if let Some(at) = info.location() {
            text.push_str(at.file());
            for n in [at.line(), at.column()] {
                text.push(':');
                push_decimal(&mut text, n);
            }
        }
        let message = info.payload_as_str().map(str::to_string);
        if let Some(message) = &message {
            text.push_str(":\n");
            text.push_str(message);
        }
        web_sys::console::error_1(&JsValue::from_str(&text));
        LAST_PANIC.with(|last| {
            if let Ok(mut last) = last.try_borrow_mut() {
                *last = Some(message.unwrap_or(text));
            }
        });
    }));
}

/// Appends `n` in decimal digits.
fn push_decimal(text: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    let mut rest = n;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    digits[start..].iter().for_each(|&d| text.push(char::from(d)));
}

/// The message of the last panic, if there was one. A panic leaves the instance unusable
/// (JS sees only `RuntimeError: unreachable`); this says why, so the page can report it.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|last| last.try_borrow().ok().and_then(|last| last.clone()))
}

/// A library error for JS: an `Error` whose `message` is its message's key and whose `core` property is the message,
/// `{key, params}` (parameters: numbers, texts, nested messages, `{real, single, fixed, exponent}` for a number to
/// write as Rust writes it, `{hex}` for 8 hexadecimal digits), for the page to word in its language
/// (www/core-errors.js). The wasm carries neither the English of the messages nor a formatter of their numbers.
pub(crate) fn js_error(e: handwritten::Error) -> JsValue {
    message_error(&e.message())
}

/// A message as a JS `Error`: its key as the `message`, the message itself as `core` (see [`js_error`]).
pub(crate) fn message_error(message: &Message) -> JsValue {
    let error = js_sys::Error::new(message.key);
    set(&error, "core", &message_to_js(message));
    error.into()
}

/// A [`Message`] for JS: `{key, params}`.
fn message_to_js(message: &Message) -> JsValue {
    let params = js_sys::Object::new();
    for (name, param) in &message.params {
        set(&params, name, &param_to_js(param));
    }
    object(&[("key", message.key.into()), ("params", params.into())])
}

/// A [`Param`] for JS.
fn param_to_js(param: &Param) -> JsValue {
    match param {
        Param::Whole(n) => number(*n),
        Param::Real { x, single, fixed, exponent } => object(&[
            ("real", number(*x)),
            ("single", (*single).into()),
            ("fixed", fixed.map_or(JsValue::UNDEFINED, |n| number(n as f64))),
            ("exponent", exponent.map_or(JsValue::UNDEFINED, |n| number(n as f64))),
        ]),
        Param::Hex(n) => object(&[("hex", number(*n))]),
        Param::Text(text) => text.into(),
        Param::Nested(message) => message_to_js(message),
    }
}

/// A plain JS object of `fields`, in their order.
pub(crate) fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (name, value) in fields {
        set(&object, name, value);
    }
    object.into()
}

/// Sets a property of a new object (which does not fail).
fn set(object: &js_sys::Object, name: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(name), value);
}

/// A JS number.
pub(crate) fn number(x: impl Into<f64>) -> JsValue {
    JsValue::from_f64(x.into())
}
