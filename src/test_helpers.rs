//! Helpers shared by the unit tests (`crate::test_helpers`) and the integration tests
//! (tests/common/mod.rs includes this file), written once. Paths go through `super`, which
//! is the crate root in the one case and a module importing the same names in the other.
//! Each test binary uses some of them.
#![allow(dead_code)]

use super::batch::Batch;
use super::network::INPUTS;
use rand::Rng;
use rand_pcg::Pcg64;

/// The side of an image (28).
const SIDE: usize = 28;

/// `rows` random images like MNIST's, mostly zero (a pixel is ink with probability ¼, its
/// value in [0.05, 1)), so that the sparse paths are exercised, with random labels.
pub fn random_batch(rng: &mut Pcg64, rows: usize) -> Batch {
    let mut batch = Batch::with_capacity(rows);
    for _ in 0..rows {
        let image: Vec<f32> =
            (0..INPUTS).map(|_| if rng.random_bool(0.25) { rng.random_range(0.05..1.0) } else { 0.0 }).collect();
        batch.push_f32(&image, rng.random_range(0..10)).expect("a digit");
    }
    batch
}

/// Centre of mass (column, row) of a 28×28 image, in pixel indices.
pub fn frame_centre_of_mass(img: &[f32]) -> (f32, f32) {
    let (mut t, mut x, mut y) = (0.0, 0.0, 0.0);
    for (i, &v) in img.iter().enumerate() {
        t += v;
        x += v * (i % SIDE) as f32;
        y += v * (i / SIDE) as f32;
    }
    (x / t, y / t)
}

/// Bilinear interpolation of the image `at` (value at whole pixel coordinates, any value
/// outside it) at the point (x, y) in the same coordinates.
pub fn bilinear(at: impl Fn(isize, isize) -> f32, x: f32, y: f32) -> f32 {
    let (ix, iy) = (x.floor() as isize, y.floor() as isize);
    let (fx, fy) = (x - x.floor(), y - y.floor());
    let top = at(ix, iy) * (1.0 - fx) + at(ix + 1, iy) * fx;
    let bottom = at(ix, iy + 1) * (1.0 - fx) + at(ix + 1, iy + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}
