//! What each fuzz target feeds to the library and what it checks of the answer.
//!
//! Shared by the fuzz targets (fuzz/fuzz_targets/*.rs) and by the regression
//! test (tests/regressions.rs), which replays the kept inputs of tests/corpus/
//! through exactly these functions. Each function takes the raw fuzz input,
//! decodes it as its comment says, calls the library, and panics if an answer
//! breaks a property; it returns `Err(message)` when the library rightly refused
//! the input, `Ok(())` when it accepted it. A library panic is a finding too.
//!
//! The properties, beyond "no panic, no huge allocation":
//! - a refusal is one line that starts with the name given to the reader;
//! - an accepted input is read back exactly (IDX bodies, CSV round trip, model
//!   file bytes), and what comes out is in range (labels 0-9, probabilities that
//!   are finite and sum to 1, preprocessed pixels in [0, 1]).

#![allow(dead_code)] // each fuzz target uses one of these functions

use handwritten::batch::Batch;
use handwritten::feed::Queue;
use handwritten::mnist::{parse_csv, parse_idx_images, parse_idx_labels};
use handwritten::{model_file, preprocess, Dataset};
use std::io::Write;

/// The name the readers are given; every refusal must name it.
pub const NAME: &str = "fuzz-input";

const INPUTS: usize = 28 * 28;

/// A refusal must be one line naming the input.
fn refused(message: String) -> Result<(), String> {
    assert!(message.starts_with(&format!("{NAME}: ")), "the error does not name the input: {message:?}");
    assert!(!message.contains('\n'), "the error is not one line: {message:?}");
    assert!(message.len() > NAME.len() + 4, "the error says nothing: {message:?}");
    Err(message)
}

/// IDX inputs: byte 0 is a mode; if it is odd the rest is gzip-compressed (at
/// level `mode / 2 % 10`) before being read, so that the reader's gzip path is
/// explored with valid streams; if even, the rest is read as it is (which may
/// itself be gzip, valid or not).
pub fn idx_file(data: &[u8]) -> Vec<u8> {
    let Some((&mode, rest)) = data.split_first() else {
        return Vec::new();
    };
    if mode & 1 == 0 {
        return rest.to_vec();
    }
    let level = flate2::Compression::new(u32::from(mode / 2 % 10));
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    encoder.write_all(rest).expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

/// The bytes after gzip decompression, if the data is gzip (for the checks only).
fn plain(bytes: &[u8]) -> Vec<u8> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        let decoded = std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out);
        assert!(decoded.is_ok(), "the reader accepted gzip data that does not decode");
        out
    } else {
        bytes.to_vec()
    }
}

/// `parse_idx_images` on [`idx_file`]`(data)`; accepted → the body, exactly, in whole images.
pub fn idx_images(data: &[u8]) -> Result<(), String> {
    let file = idx_file(data);
    match parse_idx_images(&file, NAME) {
        Ok(images) => {
            let plain = plain(&file);
            assert_eq!(images.len() % INPUTS, 0, "not whole 28×28 images");
            let count = u32::from_be_bytes([plain[4], plain[5], plain[6], plain[7]]) as usize;
            assert_eq!(images.len(), count * INPUTS, "the header's count is not what was read");
            assert_eq!(&images[..], &plain[16..], "the pixels are not the file's body");
            Ok(())
        }
        Err(e) => refused(e.to_string()),
    }
}

/// `parse_idx_labels` on [`idx_file`]`(data)`; accepted → the body, exactly, all digits.
pub fn idx_labels(data: &[u8]) -> Result<(), String> {
    let file = idx_file(data);
    match parse_idx_labels(&file, NAME) {
        Ok(labels) => {
            let plain = plain(&file);
            assert!(labels.iter().all(|&l| l < 10), "a label is not a digit");
            assert_eq!(&labels[..], &plain[8..], "the labels are not the file's body");
            Ok(())
        }
        Err(e) => refused(e.to_string()),
    }
}

/// `parse_csv` on the input as it is; accepted → written back as CSV and read again, the same dataset.
pub fn csv(data: &[u8]) -> Result<(), String> {
    match parse_csv(data, NAME) {
        Ok(dataset) => {
            check_dataset(&dataset);
            let again = parse_csv(to_csv(&dataset).as_bytes(), NAME).expect("a written CSV reads back");
            assert_eq!(again, dataset, "the CSV round trip changed the data");
            Ok(())
        }
        Err(e) => refused(e.to_string()),
    }
}

fn check_dataset(dataset: &Dataset) {
    assert_eq!(dataset.images().len(), dataset.len() * INPUTS);
    assert!(dataset.labels().iter().all(|&l| l < 10), "a label is not a digit");
}

fn to_csv(dataset: &Dataset) -> String {
    let mut text = String::new();
    for i in 0..dataset.len() {
        text.push_str(&dataset.label(i).to_string());
        for p in dataset.image(i) {
            text.push(',');
            text.push_str(&p.to_string());
        }
        text.push('\n');
    }
    text
}

/// Model files: byte 0 is a mode; if it is odd, the last 4 bytes of the rest are
/// overwritten with the CRC-32 of the bytes before them, so that the fuzzer gets
/// past the checksum to the fields and parameters behind it.
pub fn model_bytes(data: &[u8]) -> Vec<u8> {
    let Some((&mode, rest)) = data.split_first() else {
        return Vec::new();
    };
    let mut bytes = rest.to_vec();
    if mode & 1 == 1 && bytes.len() >= 4 {
        let body = bytes.len() - 4;
        let crc = crc32fast::hash(&bytes[..body]);
        bytes[body..].copy_from_slice(&crc.to_le_bytes());
    }
    bytes
}

/// `model_file::from_bytes` on [`model_bytes`]`(data)`; accepted → written back
/// byte for byte, and it predicts finite probabilities summing to 1 for a blank,
/// a full and a half-grey image.
pub fn model_file(data: &[u8]) -> Result<(), String> {
    let bytes = model_bytes(data);
    match model_file::from_bytes(&bytes, NAME) {
        Ok(network) => {
            assert!(model_file::to_bytes(&network) == bytes, "the model file does not write back the same bytes");
            for fill in [0.0, 1.0, 0.5] {
                let p = network.predict(&[fill; INPUTS]);
                let sum: f32 = p.iter().sum();
                assert!(
                    p.iter().all(|p| p.is_finite() && (0.0..=1.0).contains(p)) && (sum - 1.0).abs() < 1e-3,
                    "an accepted model predicts {p:?} for an image of {fill}"
                );
            }
            Ok(())
        }
        Err(e) => refused(e.to_string()),
    }
}

/// The preprocessing input decoded from fuzz bytes: a canvas and how to feed it.
#[derive(Debug)]
pub struct Canvas {
    /// The payload is RGBA (through `ink_from_rgba`) rather than ink.
    pub rgba: bool,
    /// The sizes were made valid and the payload fitted to them: nothing may be refused.
    pub fitted: bool,
    pub width: usize,
    pub height: usize,
    pub payload: Vec<u8>,
}

/// Byte 0: mode (bit 0 fit, bit 1 RGBA); bytes 1-2 and 3-4: width and height,
/// u16 little-endian; the rest: the payload. Unfitted, the sizes and payload go
/// to the library as they are (most are refused). Fitted, the sizes are brought
/// into 1..=4096 with at most 65,536 pixels and the payload is repeated (or
/// zero-filled if empty) to the exact length, so the image is processed.
pub fn canvas(data: &[u8]) -> Canvas {
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let mode = byte(0);
    let (rgba, fitted) = (mode & 2 != 0, mode & 1 != 0);
    let mut width = u16::from_le_bytes([byte(1), byte(2)]) as usize;
    let mut height = u16::from_le_bytes([byte(3), byte(4)]) as usize;
    let mut payload = data.get(5..).unwrap_or(&[]).to_vec();
    if fitted {
        width = 1 + width % preprocess::MAX_SIDE;
        height = (1 + height % preprocess::MAX_SIDE).min((1 << 16) / width).max(1);
        let len = width * height * if rgba { 4 } else { 1 };
        payload = if payload.is_empty() { vec![0; len] } else { payload.iter().copied().cycle().take(len).collect() };
    }
    Canvas { rgba, fitted, width, height, payload }
}

/// `preprocess` (after `ink_from_rgba` for RGBA) on [`canvas`]`(data)`. Fitted
/// canvases must be accepted; blank (no ink ≥ the threshold) ⇔ `None`; the 784
/// values are in [0, 1]; and adding a blank column on the left and a blank row
/// on top (moving the drawing) changes no value by more than 1e-4.
pub fn preprocess(data: &[u8]) -> Result<(), String> {
    let c = canvas(data);
    let ink = if c.rgba { preprocess::ink_from_rgba(&c.payload, c.width, c.height) } else { Ok(c.payload.clone()) };
    let result = ink.and_then(|ink| preprocess::preprocess(&ink, c.width, c.height).map(|out| (ink, out)));
    let (ink, out) = match result {
        Ok(ok) => ok,
        Err(e) => {
            let message = e.to_string();
            assert!(!c.fitted, "a valid canvas {}×{} was refused: {message}", c.width, c.height);
            assert!(!message.is_empty() && !message.contains('\n'), "the error is not one line: {message:?}");
            return Err(message);
        }
    };
    let blank = ink.iter().all(|&v| v < preprocess::INK_THRESHOLD);
    let Some(out) = out else {
        assert!(blank, "a canvas with ink was called blank");
        return Ok(());
    };
    assert!(!blank, "a blank canvas gave an image");
    assert_eq!(out.len(), INPUTS);
    assert!(out.iter().all(|v| (0.0..=1.0).contains(v)), "a value outside [0, 1]");
    if c.width < preprocess::MAX_SIDE && c.height < preprocess::MAX_SIDE {
        let (w, h) = (c.width + 1, c.height + 1);
        let mut moved = vec![0u8; w * h];
        for (y, row) in ink.chunks_exact(c.width).enumerate() {
            moved[(y + 1) * w + 1..(y + 2) * w].copy_from_slice(row);
        }
        let again = preprocess::preprocess(&moved, w, h).expect("a valid canvas").expect("the same ink");
        let worst = out.iter().zip(&again).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(worst <= 1e-4, "moving the drawing by one pixel changed a value by {worst}");
    }
    Ok(())
}

/// The bytes as a chunk of distorted images, as the feeder worker hands one to the training worker (src/feed.rs):
/// a refusal is one line that says the chunk is damaged, and leaves the queue empty; an accepted chunk gives each of
/// its batches at the size its header says, each row with its label (0-9), and then nothing more.
pub fn feed_chunk(data: &[u8]) -> Result<(), String> {
    let mut queue = Queue::new();
    if let Err(e) = queue.push(data) {
        let message = e.to_string();
        assert!(
            message.starts_with("a chunk of distorted images is damaged: ") && !message.contains('\n'),
            "not one line saying what is damaged: {message:?}"
        );
        assert_eq!(queue.batches(), 0, "a refused chunk was queued");
        return Err(message);
    }
    let word = |i: usize| u32::from_ne_bytes(data[4 * i..4 * i + 4].try_into().expect("4 bytes")) as usize;
    let (k, n) = (word(0), word(1));
    let sizes: Vec<usize> =
        data[12..12 + 2 * k].chunks_exact(2).map(|s| u16::from_ne_bytes([s[0], s[1]]) as usize).collect();
    assert_eq!(queue.batches(), k);
    assert_eq!(sizes.iter().sum::<usize>(), n);
    let mut batch = Batch::with_capacity(1);
    for &size in &sizes {
        assert!(queue.take(size, &mut batch).expect("an accepted chunk's batch, at its size"), "a batch is missing");
        assert_eq!(batch.len(), size);
        assert!(batch.labels().iter().all(|&l| l < 10));
    }
    assert!(!queue.take(1, &mut batch).expect("an empty queue"), "more batches than the header says");
    Ok(())
}
