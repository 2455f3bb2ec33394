//! Data augmentation: a random small distortion of a 28×28 training image, so
//! that the network also reads digits drawn on a screen (thicker or thinner
//! strokes, off-centre, tilted, larger or smaller), not only scanned MNIST.
//!
//! Two kinds ([`Augment`]): *affine* (rotation, scaling, shift, then one time in six each a
//! thicker or a thinner stroke) and *elastic*, the same plus the elastic distortion of
//! Simard, Steinkraus and Platt (2003): a random displacement field, smoothed by a
//! Gaussian of standard deviation σ and scaled by α, added to the affine warp.
//!
//! Pixels fainter than [`FAINT`] are then set to 0 (the rim of faint pixels that bilinear
//! sampling leaves around a digit's edge).
//!
//! It is built to cost little beside training (about 0.5 µs an image natively, affine; docs/speed.md, What
//! augmentation costs):
//! - the warp is in 16.16 fixed point: the source point of pixel (x, y) is o + x·u + y·v, so
//!   moving along a row is two integer additions, `floor` is an arithmetic shift and the
//!   bilinear weights are the fraction's top 8 bits (no `floor`/`round` library calls);
//! - the source is held as vertical pairs of a zero-bordered 32×32 canvas (each 16-bit pair a
//!   pixel and the one below it), so that one 4-byte read holds a sample's four taps and needs no
//!   bounds test (coordinates are clamped to the border, where every tap is 0); only the ink's
//!   rows are rewritten per image (with AVX-512 the plain canvas, every row as the ink's box is found);
//! - eight pixels at a time: with AVX2 their taps in one gather, in wasm SIMD one 4-byte load
//!   per lane; the row loop runs inside the SIMD function, its constants set once per image;
//! - only the pixels of each row whose source point falls near the digit's ink (its bounding
//!   box, widened by one pixel and the row's largest displacement) are sampled, the rest are 0;
//!   elastic groups of eight whose source points all miss the ink box are skipped; with AVX-512
//!   and in wasm SIMD an elastic warp instead lists, a row (wasm: eight pixels) at a time over the
//!   whole image, the source points that can have ink (AVX-512: inside the ink of their own two rows of taps; wasm:
//!   inside the ink box), then samples the list sixteen (four) at a time (no spans, no branch on the pixels; about
//!   220 points with AVX-512, at most about 350 in wasm, where the spans held about 570 pixels in 49 groups);
//! - for training the result is not an image but the list of its pixels (index, value), picked
//!   eight at a time by one shuffle from a table, no branch on the pixels, as they are computed,
//!   which the batch takes as it is ([`Augmenter::push`]);
//! - thickening and thinning read the warped canvas and write the result: no copy per image; for training, with
//!   AVX-512's compress (VBMI2), each row's result listed as it is computed, not written and listed again;
//! - the elastic fields come from a bank of [`BANK_FIELDS`] fields smoothed once when training
//!   starts, each scaled by α/√2 and stored as bytes (pixels/16, 51 KB in all): each image's field is ±Δa ± Δb of
//!   two of them. Smoothed white noise is (very nearly) a Gaussian random field, and so is the sum of two
//!   independent ones scaled by α/√2: it has exactly the covariance of one field of Simard's scaled by α, with a
//!   mean of 0 at every pixel (the signs), for the cost of two 16-bit multiplications (by ±16) and an addition per
//!   pixel instead of a 25-tap Gaussian convolution of two fresh noise images (about 80,000 operations). The elastic
//!   warp's points are 16-bit integers (pixels/256: the warp's row and column parts rounded down, and Δ), so that
//!   wasm SIMD computes and tests eight a vector and AVX-512 a row of 28 in one.

use crate::batch::Batch;
use crate::error::Result;
use crate::mnist::SIDE;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The largest rotation, in radians (±8°).
pub const MAX_ROTATION: f32 = 8.0 * std::f32::consts::PI / 180.0;
/// The scale range: 0.92 to 1.08.
pub const MAX_SCALE_CHANGE: f32 = 0.08;
/// The largest shift, in pixels.
pub const MAX_SHIFT: f32 = 1.0;
/// σ, the standard deviation in pixels of the Gaussian that smooths the elastic field (Simard et al.: 4).
pub const ELASTIC_SIGMA: f32 = 4.0;
/// α, the scale of the elastic field (Simard et al.: 34). A field of uniform [−1, 1] noise smoothed
/// by a Gaussian of σ = 4 has a standard deviation of 0.041 per axis, so displacements are about
/// ±1.4 pixels (one standard deviation) per axis.
pub const ELASTIC_ALPHA: f32 = 34.0;
/// Smoothed fields in the elastic bank.
pub const BANK_FIELDS: usize = 32;
/// Distorted pixels fainter than this (of 255) are set to 0. Bilinear sampling spreads a digit's
/// edge into a rim of faint pixels: about 33 a distorted image below 16 against 4 in an MNIST
/// original, 28 more nonzero inputs for the network to read and train (13% of its first layer's
/// work), for values below 6% of full ink.
pub const FAINT: u8 = 16;

/// Which augmentation training uses. In settings it is `"off"`, `"affine"` or `"elastic"`;
/// `false` and `true` are read as `"off"` and `"affine"` (what the setting was before elastic).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(all(feature = "cli", not(target_arch = "wasm32")), derive(clap::ValueEnum))]
pub enum Augment {
    /// The images as they are.
    #[default]
    Off,
    /// Rotation, scaling, shift, thicker or thinner strokes.
    Affine,
    /// The affine distortion plus an elastic one (Simard et al. 2003).
    Elastic,
}

impl Augment {
    /// Parses `off`, `affine` or `elastic`.
    pub fn from_name(name: &str) -> Option<Augment> {
        match name {
            "off" => Some(Augment::Off),
            "affine" => Some(Augment::Affine),
            "elastic" => Some(Augment::Elastic),
            _ => None,
        }
    }

    /// `off`, `affine` or `elastic`.
    pub fn name(self) -> &'static str {
        match self {
            Augment::Off => "off",
            Augment::Affine => "affine",
            Augment::Elastic => "elastic",
        }
    }
}

impl<'de> Deserialize<'de> for Augment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Augment, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Augment;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"off\", \"affine\", \"elastic\" or a boolean")
            }
            fn visit_bool<E: serde::de::Error>(self, on: bool) -> Result<Augment, E> {
                Ok(if on { Augment::Affine } else { Augment::Off })
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Augment, E> {
                Augment::from_name(name).ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(name), &self))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// 1.0 in 16.16 fixed point.
const ONE: i32 = 1 << 16;
/// Row stride of the zero-bordered canvas: pixel (x, y) of the image is at (y + 1)·STRIDE + x + 1.
const STRIDE: usize = 32;
/// Bytes in the canvas of a warped image: 32 rows of 32 (rows and columns −1 and 28 to 30 are 0).
const CANVAS: usize = STRIDE * STRIDE;
/// Pairs in [`Source`]: 32 rows of 32, and one more for the 4-byte read at the last.
const PAIRS: usize = STRIDE * STRIDE + 2;
/// Bytes of [`Source`]'s plain canvas: rows −1 to 33 of 32 (the AVX-512 samplers read four rows
/// from any row whose top tap they need, −1 to 28, and the elastic one also the four rows three below).
const BYTES: usize = 35 * STRIDE;

/// A 28×28 image inside a border of zeros: rows and columns −1 and 28 to 30 are always 0.
#[derive(Clone)]
struct Canvas([u8; CANVAS]);

impl Canvas {
    fn new() -> Canvas {
        Canvas([0; CANVAS])
    }
}

/// The image to warp, in the zero-bordered canvas (pixel (x, y) at (y + 1)·32 + x + 1), in one
/// of two layouts ([`Layout`]). As vertical pairs: pair p holds canvas byte p in its low byte
/// and the byte below it (p + 32) in its high byte; one 4-byte read at pair p then holds the
/// four taps of a bilinear sample whose top-left tap is p: (p, p + 32, p + 1, p + 33) in bytes 0
/// to 3. As plain bytes: any four rows of the canvas are 128 bytes in a row, two AVX-512
/// registers, from which one byte permutation picks the four taps of 16 samples.
#[derive(Clone)]
struct Source {
    pairs: [u16; PAIRS],
    bytes: [u8; BYTES],
    /// The rows of `pairs` that may not be 0, first and last (none when first > last); `bytes` has
    /// every image row rewritten, as the ink's box is found.
    written: (usize, usize),
    /// The lists of an elastic warp in WebAssembly.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    points: Box<simd128::Points>,
}

/// How [`Source`] holds the image: as vertical pairs, or as plain bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Layout {
    Pairs,
    Bytes,
}

impl Source {
    fn new() -> Source {
        Source {
            pairs: [0; PAIRS],
            bytes: [0; BYTES],
            written: (1, 0),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            points: simd128::Points::new(),
        }
    }

    /// Takes in `image` in `layout` and returns the bounding box of its ink, `(x0, x1, y0, y1)`
    /// inclusive, or None for a blank image.
    fn load(&mut self, image: &[u8], layout: Layout) -> Option<(i32, i32, i32, i32)> {
        let image = &image[..SIDE * SIDE];
        // Each image row as two overlapping 16-byte halves, columns 0 to 15 and 12 to 27.
        let half = |r: usize, o: usize| -> [u8; 16] { image[r * SIDE + o..][..16].try_into().expect("16 bytes") };
        let word = u128::from_le_bytes;
        let (mut left, mut right) = (0u128, 0u128);
        let (mut y0, mut y1) = (SIDE as i32, -1);
        for r in 0..SIDE {
            let (l, h) = (half(r, 0), half(r, 12));
            if layout == Layout::Bytes {
                // Canvas row r + 1 is image row r: every row written (a blank one as zeros) as the box is found.
                let canvas = &mut self.bytes[(r + 1) * STRIDE + 1..][..SIDE];
                canvas[..16].copy_from_slice(&l);
                canvas[12..].copy_from_slice(&h);
            }
            let (l, h) = (word(l), word(h));
            (left, right) = (left | l, right | h);
            if l | h != 0 {
                y0 = y0.min(r as i32);
                y1 = r as i32;
            }
        }
        let x0 = match (left, right) {
            (0, 0) => return None,
            (0, _) => 12 + right.trailing_zeros() / 8,
            _ => left.trailing_zeros() / 8,
        };
        let x1 = if right != 0 { 27 - right.leading_zeros() / 8 } else { 15 - left.leading_zeros() / 8 };
        if layout == Layout::Bytes {
            return Some((x0 as i32, x1 as i32, y0, y1));
        }
        // Pair row r has image row r − 1 above and r below: rows y0 to y1 + 1 hold the ink; the
        // others are 0, once the previous image's are cleared. Columns 1 to 28 are the image's
        // (written as two overlapping halves), 0 and 29 to 31 border, 0 for good.
        let (first, last) = (y0 as usize, y1 as usize + 1);
        let (was_first, was_last) = self.written;
        for r in (was_first..=was_last).filter(|r| !(first..=last).contains(r)) {
            self.pairs[r * STRIDE..][..STRIDE].fill(0);
        }
        self.written = (first, last);
        const BLANK: [u8; SIDE] = [0; SIDE];
        let row = |r: usize| if r < SIDE { &image[r * SIDE..][..SIDE] } else { &BLANK };
        for r in first..=last {
            let (above, below) = (if r > 0 { row(r - 1) } else { &BLANK }, row(r));
            let pairs = &mut self.pairs[r * STRIDE..][..STRIDE];
            for o in [0, 12] {
                interleave(&above[o..][..16], &below[o..][..16], &mut pairs[1 + o..][..16]);
            }
        }
        Some((x0 as i32, x1 as i32, y0, y1))
    }
}

/// out\[c\] = above\[c\] | below\[c\] << 8 for c in 0..16: two rows of 16 pixels as vertical pairs.
#[inline(always)]
fn interleave(above: &[u8], below: &[u8], out: &mut [u16]) {
    let (above, below, out) = (&above[..16], &below[..16], &mut out[..16]);
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86-64; the slices hold 16 bytes, 16 bytes and 16 pairs.
        unsafe {
            let (a, b) = (_mm_loadu_si128(above.as_ptr().cast()), _mm_loadu_si128(below.as_ptr().cast()));
            _mm_storeu_si128(out.as_mut_ptr().cast(), _mm_unpacklo_epi8(a, b));
            _mm_storeu_si128(out[8..].as_mut_ptr().cast(), _mm_unpackhi_epi8(a, b));
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use std::arch::wasm32::*;
        // SAFETY: the slices hold 16 bytes, 16 bytes and 16 pairs.
        unsafe {
            let (a, b) = (v128_load(above.as_ptr().cast()), v128_load(below.as_ptr().cast()));
            v128_store(
                out.as_mut_ptr().cast(),
                i8x16_shuffle::<0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23>(a, b),
            );
            v128_store(
                out[8..].as_mut_ptr().cast(),
                i8x16_shuffle::<8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31>(a, b),
            );
        }
    }
    #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
    for c in 0..16 {
        out[c] = above[c] as u16 | (below[c] as u16) << 8;
    }
}

/// The bilinear value at the 16.16 fixed-point point (sx, sy), with the weights rounded down to
/// 1/256 and the value rounded to nearest. Points outside [−1, 28]² are moved onto that square's
/// edge, where all four taps are border zeros (or weighted 0). With taps a, b (row above) and d, e
/// (row below): left = a·(256 − fy) + d·fy, right = b·(256 − fy) + e·fy, value =
/// (left·(256 − fx) + right·fx)/2¹⁶; left and right are computed together, in the two 16-bit
/// halves of one word (each < 2¹⁶). (Exact integers: the same as interpolating along x first.)
#[inline(always)]
fn sample(source: &Source, sx: i32, sy: i32) -> u8 {
    const HI: i32 = SIDE as i32 * ONE;
    let (sx, sy) = (sx.clamp(-ONE, HI), sy.clamp(-ONE, HI));
    let (fx, fy) = (((sx >> 8) & 0xff) as u32, ((sy >> 8) & 0xff) as u32);
    // An arithmetic shift is floor, negatives included; the mask tells the compiler the index is in bounds.
    let p = ((((sy >> 16) + 1) as usize) * STRIDE + ((sx >> 16) + 1) as usize) & (STRIDE * STRIDE - 1);
    // (a, d) in bytes 0 and 1, (b, e) in bytes 2 and 3.
    let q = source.pairs[p] as u32 | (source.pairs[p + 1] as u32) << 16;
    let (top, bottom) = (q & 0x00ff_00ff, (q >> 8) & 0x00ff_00ff);
    let columns = top * (256 - fy) + bottom * fy;
    let (left, right) = (columns & 0xffff, columns >> 16);
    ((left * (256 - fx) + right * fx + (1 << 15)) >> 16) as u8
}

/// Rounds to the nearest 1/65536 (without `round`, a library call on baseline x86-64).
fn fixed(v: f64) -> i32 {
    const OFFSET: f64 = (1u64 << 40) as f64;
    ((v * ONE as f64 + 0.5 + OFFSET) as i64 - OFFSET as i64) as i32
}

/// An affine map from output pixels to source points, in 16.16 fixed point:
/// s(x, y) = o + x·u + y·v.
#[derive(Clone, Copy, Debug)]
struct Warp {
    o: (i32, i32),
    u: (i32, i32),
    v: (i32, i32),
}

impl Warp {
    /// s(p) = c + R(−angle)·(p − c − shift)/scale: the image rotated by `angle` and scaled by
    /// `scale` about the centre c = (13.5, 13.5), then moved by `shift`. With
    /// (cos, sin)/scale = (k, m): u = (k, −m), v = (m, k), o = c − u·(c + shift.0) − v·(c + shift.1).
    fn new(angle: f32, scale: f32, shift: (f32, f32)) -> Warp {
        let c = (SIDE as f64 - 1.0) / 2.0;
        let (sin, cos) = crate::math::sin_cos(angle as f64);
        let (k, m) = (cos / scale as f64, sin / scale as f64);
        let (px, py) = (c + shift.0 as f64, c + shift.1 as f64);
        Warp {
            o: (fixed(c - k * px - m * py), fixed(c + m * px - k * py)),
            u: (fixed(k), fixed(-m)),
            v: (fixed(m), fixed(k)),
        }
    }

    /// The source point of output pixel (x, y), o + x·u + y·v, in 16.16 fixed point.
    #[inline(always)]
    fn at(&self, x: usize, y: usize) -> (i32, i32) {
        let (x, y) = (x as i32, y as i32);
        (self.o.0 + x * self.u.0 + y * self.v.0, self.o.1 + x * self.u.1 + y * self.v.1)
    }

    /// Row y's part of the source point, o + y·v, rounded down to 1/256 pixel (in pixels/256): an elastic warp's
    /// points are this + [`Warp::column`] + Δ ([`Displacement`]).
    #[inline(always)]
    fn row(&self, y: usize) -> (i32, i32) {
        let y = y as i32;
        ((self.o.0 + y * self.v.0) >> 8, (self.o.1 + y * self.v.1) >> 8)
    }

    /// Column x's part of the source point, x·u, rounded down to 1/256 pixel (in pixels/256).
    #[inline(always)]
    fn column(&self, x: usize) -> (i32, i32) {
        let x = x as i32;
        ((x * self.u.0) >> 8, (x * self.u.1) >> 8)
    }

    /// For each row y, the columns [start, end) whose source point may fall within `reach[0][y]`
    /// along x and `reach[1][y]` along y of the ink box (x0, x1, y0, y1): outside them every tap
    /// is 0. Each range has a margin of 10⁻³ pixel each side against rounding: it may hold a
    /// pixel too many, never one too few.
    #[inline(always)]
    fn spans(&self, ink: (i32, i32, i32, i32), reach: &[[f32; SIDE]; 2]) -> [(usize, usize); SIDE] {
        let to_f = |v: i32| v as f32 * (1.0 / ONE as f32);
        let (x0, x1, y0, y1) = ink;
        // Along row y the source point is a + x·b per axis, inside (lo, hi) for x between
        // (lo − a)/b and (hi − a)/b. A step b of less than 10⁻⁶ counts as 10⁻⁶: the range then
        // covers [0, 28) or nothing as a does, but for a within 3·10⁻⁵ of lo or hi (inside the margin).
        // For each axis: 1/b, and the bounds ordered so that the first gives the lower end.
        let axis = |b: i32, lo: i32, hi: i32| {
            let b = to_f(b);
            let r = 1.0 / if b.abs() < 1e-6 { 1e-6f32.copysign(b) } else { b };
            let (lo, hi) = (lo as f32 - 1.0, hi as f32 + 1.0);
            if r > 0.0 {
                (r, lo, hi, 1.0)
            } else {
                (r, hi, lo, -1.0)
            }
        };
        let (rx, lx, hx, ex) = axis(self.u.0, x0, x1);
        let (ry, ly, hy, ey) = axis(self.u.1, y0, y1);
        let (mut start, mut end) = ([0i32; SIDE], [0i32; SIDE]);
        // (Comparisons rather than `min` and `max`, whose NaN rules keep the loop from SIMD.)
        let (min, max) = (|a: f32, b: f32| if a < b { a } else { b }, |a: f32, b: f32| if a > b { a } else { b });
        for y in 0..SIDE {
            let (ax, ay) = (to_f(self.o.0 + y as i32 * self.v.0), to_f(self.o.1 + y as i32 * self.v.1));
            let (rx_, ry_) = (ex * reach[0][y], ey * reach[1][y]);
            let lo = max(max((lx - rx_ - ax) * rx, (ly - ry_ - ay) * ry), 0.0);
            let hi = max(min(min((hx + rx_ - ax) * rx, (hy + ry_ - ay) * ry), SIDE as f32), -2.0);
            // The pixels x with lo < x < hi: from ⌊lo⌋ + 1 to ⌈hi⌉ − 1, with a margin of 10⁻³ pixel
            // each side for the rounding of the arithmetic above (less than 10⁻⁴ here). The
            // truncations are floors: their arguments are positive.
            let (lo, hi) = (min(lo, SIDE as f32) + 0.999, hi + 2.001);
            // In wasm saturating casts, which the compiler makes SIMD (the others trap, one at a time).
            #[cfg(target_arch = "wasm32")]
            let (lo, hi) = (lo as i32, hi as i32);
            // SAFETY: lo and hi are finite (the bounds are clamped below and above), within [−2, 28].
            #[cfg(not(target_arch = "wasm32"))]
            let (lo, hi): (i32, i32) = unsafe { (lo.to_int_unchecked(), hi.to_int_unchecked()) };
            start[y] = lo;
            end[y] = max_i(min_i(hi - 1, SIDE as i32), lo);
        }
        std::array::from_fn(|y| (start[y] as usize, end[y] as usize))
    }

    /// [`Warp::spans`] compiled for AVX2: eight rows at a time where the baseline has four; the
    /// same operations (no fused multiply-add), the same bits.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn spans_avx2(&self, ink: (i32, i32, i32, i32), reach: &[[f32; SIDE]; 2]) -> [(usize, usize); SIDE] {
        self.spans(ink, reach)
    }
}

/// The larger and the smaller of two integers, as plain comparisons.
fn max_i(a: i32, b: i32) -> i32 {
    if a > b {
        a
    } else {
        b
    }
}

fn min_i(a: i32, b: i32) -> i32 {
    if a < b {
        a
    } else {
        b
    }
}

/// Field values per axis in the bank: 784 (28 rows of 28), and room for the 16-wide reads past the last row's end.
const FIELD_LEN: usize = SIDE * SIDE + 16;

/// [`BANK_FIELDS`] displacement fields of Simard et al., each scaled by α/√2: per pixel and axis, uniform noise in
/// [−1, 1] convolved with a Gaussian of σ = [`ELASTIC_SIGMA`] (the noise drawn on a grid wider by 3σ each side, so
/// that the field is alike everywhere, borders included), times α/√2, in pixels/16 rounded to signed bytes. One
/// standard deviation is α/√2·0.0407 ≈ 0.98 pixel, 15.6 sixteenths; a byte holds ±127 (7.9 pixels, eight standard
/// deviations), and a value past it would be held at ±127 (`elastic_fields_have_simards_spread` checks that no field
/// of its bank comes near).
///
/// Bytes rather than 16-bit integers in pixels/256 with each field's negation, as until this round: 51 KB rather
/// than 205 KB. With the larger bank an elastic epoch at h = 28 took 0.054 s in some processes and 0.059 s in others
/// (median 0.0578 s of ten alternating runs of `HIDDEN=28 EPOCHS=11 cargo bench --bench augment`, CPU time); with
/// this one 0.054–0.056 s in nine runs of ten (median 0.0549 s). Sixteenths of a pixel are finer than anything
/// bilinear sampling of a 28 × 28 digit shows.
#[derive(Clone)]
struct FieldBank {
    /// Field f's Δx at `fields[2f·FIELD_LEN..]`, its Δy at `fields[(2f + 1)·FIELD_LEN..]`, row by row, in pixels/16.
    fields: Vec<i8>,
    /// The largest |Δ| in each row of each field and axis, in pixels/16: row y at `largest[(2f + axis)·28 + y]`.
    largest: Vec<i16>,
}

/// One sixteenth of a pixel, the unit of the bank's fields, in the warp's unit (pixels/256).
const FIELD_UNIT: i16 = 16;

impl FieldBank {
    fn new(rng: &mut impl Rng) -> FieldBank {
        let radius = (3.0 * ELASTIC_SIGMA).ceil() as usize;
        let kernel: Vec<f32> = (0..=2 * radius)
            .map(|i| {
                let d = i as f32 - radius as f32;
                crate::math::exp(-d * d / (2.0 * ELASTIC_SIGMA * ELASTIC_SIGMA))
            })
            .collect();
        let total: f32 = kernel.iter().sum();
        let kernel: Vec<f32> = kernel.iter().map(|k| k / total).collect();
        let scale = ELASTIC_ALPHA * std::f32::consts::FRAC_1_SQRT_2 * (256 / FIELD_UNIT) as f32;
        let wide = SIDE + 2 * radius;
        let mut noise = vec![0f32; wide * wide];
        let mut across = vec![0f32; wide * SIDE];
        let mut fields = vec![0i8; BANK_FIELDS * 2 * FIELD_LEN];
        let mut largest = vec![0i16; BANK_FIELDS * 2 * SIDE];
        for (axis, largest) in fields.chunks_exact_mut(FIELD_LEN).zip(largest.chunks_exact_mut(SIDE)) {
            noise.iter_mut().for_each(|n| *n = rng.random_range(-1.0..=1.0));
            // Separable: along the rows (wide × 28), then down the columns (28 × 28).
            for (row, out) in noise.chunks_exact(wide).zip(across.chunks_exact_mut(SIDE)) {
                for (x, o) in out.iter_mut().enumerate() {
                    *o = kernel.iter().zip(&row[x..]).map(|(k, n)| k * n).sum();
                }
            }
            for (y, (row, largest)) in axis.chunks_exact_mut(SIDE).zip(largest.iter_mut()).enumerate() {
                for (x, d) in row.iter_mut().enumerate() {
                    let smooth: f32 = kernel.iter().enumerate().map(|(r, k)| k * across[(y + r) * SIDE + x]).sum();
                    // Rounded to nearest (`round` is a library call on baseline x86-64), held within a byte.
                    let v = smooth * scale;
                    *d = (v + 0.5f32.copysign(v)).clamp(-127.0, 127.0) as i8;
                    *largest = (*largest).max(d.unsigned_abs() as i16);
                }
            }
        }
        FieldBank { fields, largest }
    }

    /// A random field Δ = ±Δa ± Δb of two fields of the bank, a ≠ b, each sign + or − with even odds: the sum of two
    /// independent smoothed noise fields scaled by α/√2 has the covariance of one scaled by α, as Simard et al. draw
    /// it, and with the signs its mean is 0 at every pixel, whatever the bank drew (without them, the bank's own
    /// mean field would bend every image alike). 32 fields give 1,984 such fields (32·31/2 pairs, four signs each), to
    /// which every image adds its own affine warp. One draw picks a, b and both signs.
    fn draw(&self, rng: &mut impl Rng) -> Displacement<'_> {
        let n = BANK_FIELDS as u32;
        let r = rng.random_range(0..n * (n - 1) * 4);
        let (a, step, signs) = (r % n, r / n % (n - 1) + 1, r / (n * (n - 1)));
        let b = (a + step) % n;
        let sign = |bit: u32| if signs >> bit & 1 == 0 { FIELD_UNIT } else { -FIELD_UNIT };
        let both = |f: u32| &self.fields[2 * f as usize * FIELD_LEN..][..2 * FIELD_LEN];
        let largest = |f: u32| &self.largest[2 * f as usize * SIDE..][..2 * SIDE];
        Displacement { fields: (both(a), both(b)), units: (sign(0), sign(1)), largest: (largest(a), largest(b)) }
    }
}

/// Values of two fields of the bank, (a, b).
type Pair<'a, T> = (&'a [T], &'a [T]);

/// One image's elastic displacement, Δ = ua·Δa + ub·Δb of two fields of the bank (pixels/16) times their signed
/// units ±16, in pixels/256, and where it moves the source points: output pixel (x, y) samples the source at
/// (row(y) + column(x) + Δ(x, y))/256 ([`Warp::row`], [`Warp::column`]), the affine part's two terms each rounded
/// down to 1/256 pixel (SIMD adds them as 16-bit integers; the point is then within 2/256 pixel of
/// o + x·u + y·v + Δ, and the sampling reads no finer than 1/256).
#[derive(Clone, Copy)]
struct Displacement<'a> {
    /// Fields a and b, each its Δx (row by row) and then, from [`FIELD_LEN`] on, its Δy.
    fields: Pair<'a, i8>,
    /// ua and ub: [`FIELD_UNIT`] or its negation, each field's sign.
    units: (i16, i16),
    /// The largest |Δa| and |Δb| in each row, along x (rows 0 to 27) and then along y (28 to 55), in pixels/16.
    largest: Pair<'a, i16>,
}

impl Displacement<'_> {
    /// The largest |Δ| of row y, in pixels, along x and along y, and 2/256 more for the affine part's rounding (a
    /// bound on how far the source point is from o + x·u + y·v for [`Warp::spans`]).
    #[inline(always)]
    fn reach(&self, y: usize) -> (f32, f32) {
        let (a, b) = self.largest;
        let unit = FIELD_UNIT as f32;
        let reach = |axis: usize| ((a[axis * SIDE + y] + b[axis * SIDE + y]) as f32 * unit + 2.0) * (1.0 / 256.0);
        (reach(0), reach(1))
    }

    /// Δ(x, y), in pixels/256, along x and y.
    #[inline(always)]
    fn at(&self, x: usize, y: usize) -> (i32, i32) {
        let ((a, b), (ua, ub)) = (self.fields, self.units);
        let at = |axis: usize| {
            let k = axis * FIELD_LEN + y * SIDE + x;
            a[k] as i32 * ua as i32 + b[k] as i32 * ub as i32
        };
        (at(0), at(1))
    }

    /// The source point of output pixel (x, y), in 16.16 fixed point (its low 8 bits 0).
    #[inline(always)]
    fn point(&self, warp: &Warp, x: usize, y: usize) -> (i32, i32) {
        let ((rx, ry), (cx, cy), (dx, dy)) = (warp.row(y), warp.column(x), self.at(x, y));
        ((rx + cx + dx) << 8, (ry + cy + dy) << 8)
    }
}

/// Asks the processor to fetch `image` into its caches, without waiting for it: the trainer
/// names the next batch's images while it distorts this one's. WebAssembly has no such
/// instruction: there one byte of each 64-byte line is read, all the lines of a batch at once,
/// so that their fetches from memory overlap (an image read for the first time in the warp
/// waits for its lines a few at a time, the box of its ink being found row by row). Nothing
/// elsewhere.
#[inline(always)]
pub fn prefetch(image: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for line in image.chunks(64) {
        // SAFETY: a prefetch never faults and changes nothing but the caches; SSE is always there on x86-64.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr().cast()) };
    }
    #[cfg(target_arch = "wasm32")]
    std::hint::black_box(image.iter().step_by(64).fold(0u8, |touched, &p| touched | p));
    #[cfg(not(any(target_arch = "x86_64", target_arch = "wasm32")))]
    let _ = image;
}

/// Distorts training images: holds the kind of augmentation, the elastic fields, and the
/// scratch memory of one image.
#[derive(Clone)]
pub struct Augmenter {
    kind: Augment,
    bank: Option<FieldBank>,
    scratch: Box<Scratch>,
}

impl fmt::Debug for Augmenter {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("Augmenter").field("kind", &self.kind).finish_non_exhaustive()
    }
}

impl Augmenter {
    /// An augmenter of the given kind; for [`Augment::Elastic`] its bank of fields is drawn from
    /// a generator seeded by one draw of `rng` (the other kinds do not touch `rng`).
    pub fn new(kind: Augment, rng: &mut impl Rng) -> Augmenter {
        let bank = (kind == Augment::Elastic).then(|| FieldBank::new(&mut Pcg64::seed_from_u64(rng.random())));
        Augmenter { kind, bank, scratch: Scratch::new() }
    }

    /// The kind of augmentation.
    pub fn kind(&self) -> Augment {
        self.kind
    }

    /// Writes into `dst` (784 bytes) a randomly distorted copy of `src` (784 bytes): a rotation
    /// (±[`MAX_ROTATION`]), scaling (1 ± [`MAX_SCALE_CHANGE`]) and shift (±[`MAX_SHIFT`] per axis)
    /// about the image centre, plus for [`Augment::Elastic`] a displacement field, sampled
    /// bilinearly; then, one time in six each, a thicker or a thinner stroke; pixels fainter than
    /// [`FAINT`] set to 0. With [`Augment::Off`], a copy.
    pub fn apply(&mut self, src: &[u8], dst: &mut [u8], rng: &mut impl Rng) {
        if self.kind == Augment::Off {
            dst.copy_from_slice(src);
            return;
        }
        let Drawn { warp, field, stroke } = draw(self.bank.as_ref(), rng);
        let Scratch { source, warped, .. } = &mut *self.scratch;
        match stroke {
            Stroke::Same => warp_image(source, src, warp, field, Out::Rows(dst, 0, SIDE)),
            _ => {
                warp_image(source, src, warp, field, Out::Rows(&mut warped.0, STRIDE + 1, STRIDE));
                change_stroke(stroke, warped, dst);
            }
        }
        dst.iter_mut().for_each(|p| *p = if *p < FAINT { 0 } else { *p });
    }

    /// Adds to `batch` a randomly distorted copy of `src` with its label: the same random draws
    /// and the same row as [`Augmenter::apply`] then [`Batch::push_u8`], but the distortion
    /// writes the list of its pixels at least [`FAINT`], which the batch takes as it is (an error and the
    /// batch unchanged for a label that is not a digit).
    pub fn push(&mut self, src: &[u8], label: u8, batch: &mut Batch, rng: &mut impl Rng) -> Result<()> {
        if self.kind == Augment::Off {
            return batch.push_u8(src, label);
        }
        let (index, value) = self.distort(src, rng);
        batch.push_sparse(index, value, label)
    }

    /// A randomly distorted copy of `src` (784 bytes) as the list of its pixels at least [`FAINT`]: their places
    /// (increasing) and values. The same random draws and the same pixels as [`Augmenter::apply`]; not for
    /// [`Augment::Off`].
    pub(crate) fn distort(&mut self, src: &[u8], rng: &mut impl Rng) -> (&[u16], &[u8]) {
        debug_assert_ne!(self.kind, Augment::Off);
        distort_drawn(&mut self.scratch, src, draw(self.bank.as_ref(), rng))
    }

    /// The random draws of one image's distortion, as [`Augmenter::distort`] takes them from `rng`, to be warped
    /// later, on any thread ([`Distorter::distort`]); not for [`Augment::Off`]. (Natively: the page's feeder distorts
    /// as it draws.)
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn draw(&self, rng: &mut impl Rng) -> Drawn<'_> {
        debug_assert_ne!(self.kind, Augment::Off);
        draw(self.bank.as_ref(), rng)
    }
}

/// One image's random distortion, drawn ([`Augmenter::draw`]) and not yet warped: its warp, its elastic field (one
/// of the augmenter's bank, which it borrows) and its stroke.
#[derive(Clone, Copy)]
pub(crate) struct Drawn<'b> {
    warp: Warp,
    field: Option<Displacement<'b>>,
    stroke: Stroke,
}

/// The scratch memory to warp drawn distortions with ([`Augmenter::draw`]): one for each thread that warps them.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) struct Distorter {
    scratch: Box<Scratch>,
}

#[cfg(not(target_arch = "wasm32"))]
impl Distorter {
    pub(crate) fn new() -> Distorter {
        Distorter { scratch: Scratch::new() }
    }

    /// `src` (784 bytes) distorted as `drawn` says, as the list of its pixels at least [`FAINT`]: the pixels
    /// [`Augmenter::distort`] gives for the same draws.
    pub(crate) fn distort(&mut self, src: &[u8], drawn: Drawn) -> (&[u16], &[u8]) {
        distort_drawn(&mut self.scratch, src, drawn)
    }
}

/// [`Augmenter::distort`] after its draws, in `scratch`.
fn distort_drawn<'s>(scratch: &'s mut Scratch, src: &[u8], drawn: Drawn) -> (&'s [u16], &'s [u8]) {
    let Drawn { warp, field, stroke } = drawn;
    let Scratch { source, warped, dense, sparse } = scratch;
    sparse.len = 0;
    match stroke {
        Stroke::Same => warp_image(source, src, warp, field, Out::Sparse(sparse)),
        _ => {
            warp_image(source, src, warp, field, Out::Rows(&mut warped.0, STRIDE + 1, STRIDE));
            listed_stroke(stroke, warped, dense, sparse);
        }
    }
    (&sparse.index[..sparse.len], &sparse.value[..sparse.len])
}

/// What happens to the stroke after the warp.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stroke {
    Same,
    Thicker,
    Thinner,
}

/// One image's random distortion: the warp, the elastic field (with a bank), the stroke.
fn draw<'b>(bank: Option<&'b FieldBank>, rng: &mut impl Rng) -> Drawn<'b> {
    let angle = rng.random_range(-MAX_ROTATION..=MAX_ROTATION);
    let scale = 1.0 + rng.random_range(-MAX_SCALE_CHANGE..=MAX_SCALE_CHANGE);
    let shift = (rng.random_range(-MAX_SHIFT..=MAX_SHIFT), rng.random_range(-MAX_SHIFT..=MAX_SHIFT));
    let stroke = match rng.random_range(0..6u8) {
        1 => Stroke::Thicker,
        2 => Stroke::Thinner,
        _ => Stroke::Same,
    };
    let warp = Warp::new(angle, scale, shift);
    Drawn { warp, field: bank.map(|bank| bank.draw(rng)), stroke }
}

/// The pixels at least [`FAINT`] of [`change_stroke`]'s result listed into `sparse` (empty): with AVX-512's compress
/// (VBMI2) in one pass, each row's new values listed as they are computed ([`avx512::listed_stroke`]); otherwise the
/// result written into `dense`, then listed from there.
fn listed_stroke(stroke: Stroke, warped: &Canvas, dense: &mut [u8], sparse: &mut Sparse) {
    #[cfg(target_arch = "x86_64")]
    if avx512::compress_available() {
        // SAFETY: the CPU has the features `listed_stroke` is compiled for.
        return unsafe { avx512::listed_stroke(stroke == Stroke::Thicker, warped, sparse) };
    }
    change_stroke(stroke, warped, dense);
    compact(true, dense, dense.len(), 0, sparse);
}

fn change_stroke(stroke: Stroke, warped: &Canvas, dst: &mut [u8]) {
    match stroke {
        Stroke::Thicker => thicken(warped, dst),
        Stroke::Thinner => thin(warped, dst),
        Stroke::Same => unreachable!("the warp writes the image itself"),
    }
}

/// dst(p) = src(c + R(−angle)·(p − c − shift)/scale), bilinear, zero outside: the image
/// rotated by `angle`, scaled by `scale` about the centre c, then moved by `shift`.
pub fn affine(src: &[u8], dst: &mut [u8], angle: f32, scale: f32, shift: (f32, f32)) {
    warp_image(&mut Source::new(), src, Warp::new(angle, scale, shift), None, Out::Rows(dst, 0, SIDE));
}

/// The scratch memory of one image's distortion.
#[derive(Clone)]
struct Scratch {
    source: Source,
    warped: Canvas,
    dense: [u8; SIDE * SIDE],
    sparse: Sparse,
}

impl Scratch {
    fn new() -> Box<Scratch> {
        Box::new(Scratch {
            source: Source::new(),
            warped: Canvas::new(),
            dense: [0; SIDE * SIDE],
            sparse: Sparse::new(),
        })
    }
}

/// Room in [`Sparse`] for the 16-wide writes past the last pixel.
const SPARSE: usize = SIDE * SIDE + 16;

/// An image as its pixels at least [`FAINT`], `index[..len]` (increasing) and `value[..len]`.
#[derive(Clone)]
struct Sparse {
    index: [u16; SPARSE],
    value: [u8; SPARSE],
    len: usize,
}

impl Sparse {
    fn new() -> Sparse {
        Sparse { index: [0; SPARSE], value: [0; SPARSE], len: 0 }
    }
}

/// `positions()[m]`: the positions of the set bits of m, lowest first (then zeros): the bytes
/// to keep of eight, those marked by m. Computed on first use rather than stored in the program (its 2 KB were
/// 0.3 KB of the page's gzipped wasm); the SIMD loops take the table once, before they start.
#[cfg_attr(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))), allow(dead_code))]
fn positions() -> &'static [[u8; 8]; 256] {
    static POSITIONS: std::sync::OnceLock<[[u8; 8]; 256]> = std::sync::OnceLock::new();
    POSITIONS.get_or_init(|| {
        std::array::from_fn(|m| {
            let mut row = [0; 8];
            let ones = (0..8u8).filter(|&bit| m & (1 << bit) != 0);
            row.iter_mut().zip(ones).for_each(|(k, bit)| *k = bit);
            row
        })
    })
}

/// Appends to `sparse` the ones of `bytes[..n]` at least [`FAINT`], byte k as pixel `base + k`: with SIMD
/// where the processor has it (`simd`), eight bytes at a time (reading `bytes` up to n rounded up
/// to a multiple of 8), or one at a time. No branch depends on the pixels.
#[inline(always)]
fn compact(simd: bool, bytes: &[u8], n: usize, base: usize, sparse: &mut Sparse) {
    #[cfg(target_arch = "x86_64")]
    if simd && std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has AVX2 and POPCNT.
        return unsafe { avx2::compact(bytes, n, base, sparse) };
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if simd {
        return simd128::compact(bytes, n, base, sparse);
    }
    let _ = simd;
    let mut len = sparse.len;
    for (k, &p) in bytes[..n].iter().enumerate() {
        sparse.index[len] = (base + k) as u16;
        sparse.value[len] = p;
        len += (p >= FAINT) as usize;
    }
    sparse.len = len;
}

/// A row being sampled: the image's 28 pixels, and room for 16-wide writes (and reads) past its end.
const LINE: usize = SIDE + 16;

/// Where a warp writes: 28 rows of bytes, row y at `out[first + y·stride..]`, or the list of
/// the pixels at least [`FAINT`]. (The bytes between the rows are the canvas's border, 0, and may be written 0:
/// [`clear`].)
enum Out<'a> {
    Rows(&'a mut [u8], usize, usize),
    Sparse(&'a mut Sparse),
}

/// Sets rows (out, first, stride) to 0, and the border between them: one fill, where a loop over the rows
/// was unrolled into 28 checked ones (0.5 KB of gzip in the page's wasm).
fn clear(out: &mut [u8], first: usize, stride: usize) {
    out[first..first + (SIDE - 1) * stride + SIDE].fill(0);
}

impl<'a> Out<'a> {
    /// What the SIMD samplers write through: the count of listed pixels (`none` for rows), the
    /// list's indices and values (empty for rows), and the rows (out, first, stride) or `None`
    /// for a list.
    #[allow(clippy::type_complexity)]
    fn parts<'b>(
        &'b mut self,
        none: &'b mut usize,
    ) -> (&'b mut usize, &'b mut [u16], &'b mut [u8], Option<(&'b mut [u8], usize, usize)>) {
        match self {
            Out::Sparse(sparse) => (&mut sparse.len, &mut sparse.index[..], &mut sparse.value[..], None),
            Out::Rows(out, first, stride) => (none, &mut [][..], &mut [][..], Some((&mut **out, *first, *stride))),
        }
    }
}

/// Which sampler [`warp_image_using`] runs: plain loops, eight pixels at a time (AVX2, wasm
/// SIMD) or sixteen (AVX-512 with its byte permutations), each where the processor has it, or
/// else the next narrower. All give the same bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Width {
    One,
    #[cfg_attr(not(test), allow(dead_code))]
    Eight,
    Sixteen,
}

/// Warps `src` into `out`: each pixel p samples the source at warp(p) (+ Δ(p) when `field`
/// gives one). `source` is scratch memory.
fn warp_image(source: &mut Source, src: &[u8], warp: Warp, field: Option<Displacement>, out: Out) {
    warp_image_using(Width::Sixteen, source, src, warp, field, out);
}

/// [`warp_image`] with the sampler of `width` where the processor has it, or the next narrower.
#[inline(always)]
fn warp_image_using(
    width: Width,
    source: &mut Source,
    src: &[u8],
    warp: Warp,
    field: Option<Displacement>,
    mut out: Out,
) {
    #[cfg(target_arch = "x86_64")]
    let sixteen = width == Width::Sixteen && avx512::available();
    #[cfg(not(target_arch = "x86_64"))]
    let sixteen = false;
    let simd = width != Width::One;
    let layout = if sixteen { Layout::Bytes } else { Layout::Pairs };
    let Some(ink) = source.load(src, layout) else {
        if let Out::Rows(out, first, stride) = out {
            clear(out, first, stride);
        }
        return;
    };
    // The open box of source points with a nonzero tap: (x0 − 1, x1 + 1) × (y0 − 1, y1 + 1).
    let (x0, x1, y0, y1) = ink;
    let ink_box = [(x0 - 1) * ONE, (x1 + 1) * ONE, (y0 - 1) * ONE, (y1 + 1) * ONE];
    #[cfg(target_arch = "x86_64")]
    if let (true, Some(field)) = (sixteen, field) {
        // SAFETY: the CPU has the features `avx512::available` asks for.
        return unsafe { avx512::warp_packed(source, &mut out, &warp, field, ink_box) };
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if let (true, Some(field)) = (simd, field) {
        return simd128::warp_packed(&source.pairs, &mut source.points, &mut out, &warp, field, ink_box);
    }
    let mut reach = [[0.0; SIDE]; 2];
    if let Some(field) = field {
        let [xs, ys] = &mut reach;
        for (y, (x_reach, y_reach)) in xs.iter_mut().zip(ys).enumerate() {
            (*x_reach, *y_reach) = field.reach(y);
        }
    }
    #[cfg(target_arch = "x86_64")]
    let spans = if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        unsafe { warp.spans_avx2(ink, &reach) }
    } else {
        warp.spans(ink, &reach)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let spans = warp.spans(ink, &reach);
    let ink = ink_box;
    let source = &*source;
    #[cfg(target_arch = "x86_64")]
    if sixteen {
        // SAFETY: the CPU has the features `avx512::available` asks for.
        return unsafe { avx512::warp_rows(source, &mut out, &warp, &spans) };
    }
    #[cfg(target_arch = "x86_64")]
    if simd && std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has AVX2 and POPCNT.
        return unsafe { avx2::warp_rows(source, &mut out, &warp, &spans, field, ink) };
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if simd {
        // (An elastic warp has gone to `simd128::warp_packed` above.)
        return simd128::warp_rows(source, &mut out, &warp, &spans);
    }
    let _ = (simd, sixteen, ink);
    warp_rows(source, &mut out, &warp, &spans, field);
}

/// [`warp_image`]'s plain loops: each row's span [start, end) sampled a pixel at a time, zeros
/// around it; for a sparse `out` its pixels at least [`FAINT`] listed (outside the span every pixel is 0).
fn warp_rows(source: &Source, out: &mut Out, warp: &Warp, spans: &[(usize, usize); SIDE], field: Option<Displacement>) {
    for (y, &(start, end)) in spans.iter().enumerate() {
        let mut line = [0u8; SIDE];
        let (sx, sy) = warp.at(start, y);
        for (k, out) in line[start..end].iter_mut().enumerate() {
            let (px, py) = match field {
                Some(field) => field.point(warp, start + k, y),
                None => (sx + k as i32 * warp.u.0, sy + k as i32 * warp.u.1),
            };
            *out = sample(source, px, py);
        }
        match out {
            Out::Rows(out, first, stride) => out[*first + y * *stride..][..SIDE].copy_from_slice(&line),
            Out::Sparse(sparse) => compact(false, &line[start..], end - start, y * SIDE + start, sparse),
        }
    }
}

/// [`sample`] eight pixels at a time: AVX2 gathers the four taps of eight pixels in one load.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{positions, Displacement, Out, Source, Sparse, Warp, FAINT, FIELD_LEN, LINE, ONE, SIDE, STRIDE};
    use std::arch::x86_64::*;

    /// [`super::warp_rows`] in SIMD, its constants set once per image: each row's
    /// span sampled eight pixels at a time, and for a sparse `out` those at least [`FAINT`] listed at once.
    #[target_feature(enable = "avx2,popcnt")]
    pub(super) unsafe fn warp_rows(
        source: &Source,
        out: &mut Out,
        warp: &Warp,
        spans: &[(usize, usize); SIDE],
        field: Option<Displacement>,
        ink: [i32; 4],
    ) {
        match field {
            None => rows::<false>(source, out, warp, spans, None, ink),
            Some(_) => rows::<true>(source, out, warp, spans, field, ink),
        }
    }

    // Row y of the canvas starts at y·32: a shift by 5.
    const _: () = assert!(STRIDE == 32);

    /// Each row's span: line\[k\] set to the bilinear value at s + k·u (+ Δ(k)) for k in the span,
    /// eight at a time; with `ELASTIC` eight pixels whose source points all lie outside the open
    /// box `ink` (x from ink\[0\] to ink\[1\], y from ink\[2\] to ink\[3\]) are 0 without sampling. With
    /// a sparse `out` those at least [`FAINT`] are listed at once (picked by one shuffle).
    #[target_feature(enable = "avx2,popcnt")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn rows<const ELASTIC: bool>(
        source: &Source,
        out: &mut Out,
        warp: &Warp,
        spans: &[(usize, usize); SIDE],
        field: Option<Displacement>,
        ink: [i32; 4],
    ) {
        let mut no_pixels = 0;
        let (listed, index, value, mut rows) = out.parts(&mut no_pixels);
        let sparse = rows.is_none();
        let positions = positions();
        // In a register, not through `listed`.
        let mut len = *listed;
        let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let (along_x, along_y) = (
            _mm256_mullo_epi32(lanes, _mm256_set1_epi32(warp.u.0)),
            _mm256_mullo_epi32(lanes, _mm256_set1_epi32(warp.u.1)),
        );
        let (step_x, step_y) = (_mm256_set1_epi32(8 * warp.u.0), _mm256_set1_epi32(8 * warp.u.1));
        let (lo, hi) = (_mm256_set1_epi32(-ONE), _mm256_set1_epi32(SIDE as i32 * ONE));
        let (left, right) = (_mm256_set1_epi32(ink[0]), _mm256_set1_epi32(ink[1]));
        let (top, bottom) = (_mm256_set1_epi32(ink[2]), _mm256_set1_epi32(ink[3]));
        let (byte, pairs, full) = (_mm256_set1_epi32(0xff), _mm256_set1_epi32(0x00ff_00ff), _mm256_set1_epi32(256));
        let (half, low16) = (_mm256_set1_epi32(1 << 15), _mm256_set1_epi32(0xffff));
        let faint = _mm_set1_epi8(FAINT as i8);
        // The eight values' bytes (0, 4, 8, 12 of each 128-bit half) to the first eight bytes.
        let to_bytes = _mm256_setr_epi8(
            0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, //
            0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        );
        let halves = _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1);
        // An elastic point's column parts (`Warp::column`) for x up to 40 (a span's last eight may reach x = 35).
        let columns: [[i32; 40]; 2] =
            std::array::from_fn(|axis| std::array::from_fn(|x| <[i32; 2]>::from(warp.column(x))[axis]));
        // Pair p of the canvas is pair p + 33 of the image's top-left tap (row −1, column −1).
        let base: *const i32 = source.pairs.as_ptr().cast();
        let mut line = [0u8; LINE];
        for (y, &(start, end)) in spans.iter().enumerate() {
            let n = end - start;
            if !sparse {
                line = [0; LINE];
            }
            let (x0, y0) = warp.at(start, y);
            let mut sx = _mm256_add_epi32(_mm256_set1_epi32(x0), along_x);
            let mut sy = _mm256_add_epi32(_mm256_set1_epi32(y0), along_y);
            let (row_x, row_y) = warp.row(y);
            let (row_x, row_y) = (_mm256_set1_epi32(row_x), _mm256_set1_epi32(row_y));
            for k in (0..n).step_by(8) {
                let (mut px, mut py) = (sx, sy);
                sx = _mm256_add_epi32(sx, step_x);
                sy = _mm256_add_epi32(sy, step_y);
                if let (true, Some(f)) = (ELASTIC, field) {
                    // The point as `Displacement::point` computes it: row and column parts, + Δ, × 2⁸.
                    let x = start + k;
                    let ((fa, fb), (ua, ub)) = (f.fields, f.units);
                    let at = |axis: usize| {
                        let i = axis * FIELD_LEN + y * SIDE + x;
                        let delta = |v: &[i8], unit: i16| {
                            let bytes = _mm_loadl_epi64(v[i..i + 8].as_ptr().cast());
                            _mm256_mullo_epi32(_mm256_cvtepi8_epi32(bytes), _mm256_set1_epi32(unit as i32))
                        };
                        let column = _mm256_loadu_si256(columns[axis][x..x + 8].as_ptr().cast());
                        _mm256_add_epi32(column, _mm256_add_epi32(delta(fa, ua), delta(fb, ub)))
                    };
                    px = _mm256_slli_epi32::<8>(_mm256_add_epi32(row_x, at(0)));
                    py = _mm256_slli_epi32::<8>(_mm256_add_epi32(row_y, at(1)));
                    let inside = _mm256_and_si256(
                        _mm256_and_si256(_mm256_cmpgt_epi32(px, left), _mm256_cmpgt_epi32(right, px)),
                        _mm256_and_si256(_mm256_cmpgt_epi32(py, top), _mm256_cmpgt_epi32(bottom, py)),
                    );
                    if _mm256_testz_si256(inside, inside) != 0 {
                        if !sparse {
                            line[start + k..start + k + 8].fill(0);
                        }
                        continue;
                    }
                }
                px = _mm256_max_epi32(_mm256_min_epi32(px, hi), lo);
                py = _mm256_max_epi32(_mm256_min_epi32(py, hi), lo);
                let fx = _mm256_and_si256(_mm256_srai_epi32::<8>(px), byte);
                let fy = _mm256_and_si256(_mm256_srai_epi32::<8>(py), byte);
                let p =
                    _mm256_add_epi32(_mm256_slli_epi32::<5>(_mm256_srai_epi32::<16>(py)), _mm256_srai_epi32::<16>(px));
                // SAFETY: the clamped point has −1 ≤ ⌊sx⌋, ⌊sy⌋ ≤ 28, so p + 33 is in 0..=957 and
                // the source holds pairs p + 33 and p + 34.
                let q = _mm256_i32gather_epi32::<2>(base.byte_add(2 * (STRIDE + 1)), p);
                let upper = _mm256_and_si256(q, pairs);
                let lower = _mm256_and_si256(_mm256_srli_epi32::<8>(q), pairs);
                let columns = _mm256_add_epi32(
                    _mm256_mullo_epi32(upper, _mm256_sub_epi32(full, fy)),
                    _mm256_mullo_epi32(lower, fy),
                );
                let (l, r) = (_mm256_and_si256(columns, low16), _mm256_srli_epi32::<16>(columns));
                let v = _mm256_add_epi32(
                    _mm256_add_epi32(_mm256_mullo_epi32(l, _mm256_sub_epi32(full, fx)), _mm256_mullo_epi32(r, fx)),
                    half,
                );
                let v = _mm256_srli_epi32::<16>(v);
                // Eight values of 0..=255 in 32-bit lanes → the first eight bytes.
                let values =
                    _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, to_bytes), halves));
                if sparse {
                    let kept = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(values, faint), values)) as u32;
                    let m = kept & (0xff >> (8 - (n - k).min(8)));
                    let positions = _mm_loadl_epi64(positions[m as usize].as_ptr().cast());
                    let at = _mm_add_epi16(_mm_cvtepu8_epi16(positions), _mm_set1_epi16((y * SIDE + start + k) as i16));
                    _mm_storeu_si128(index[len..len + 8].as_mut_ptr().cast(), at);
                    _mm_storel_epi64(value[len..len + 8].as_mut_ptr().cast(), _mm_shuffle_epi8(values, positions));
                    len += m.count_ones() as usize;
                } else {
                    _mm_storel_epi64(line[start + k..start + k + 8].as_mut_ptr().cast(), values);
                }
            }
            if let Some((out, first, stride)) = rows.as_mut() {
                out[*first + y * *stride..][..SIDE].copy_from_slice(&line[..SIDE]);
            }
        }
        *listed = len;
    }

    /// [`super::compact`], eight bytes at a time: those kept picked by one shuffle.
    #[target_feature(enable = "avx2,popcnt")]
    #[inline]
    pub(super) unsafe fn compact(bytes: &[u8], n: usize, base: usize, sparse: &mut Sparse) {
        let positions = positions();
        let mut len = sparse.len;
        for k in (0..n).step_by(8) {
            let group = _mm_loadl_epi64(bytes[k..k + 8].as_ptr().cast());
            let faint = _mm_set1_epi8(FAINT as i8);
            let kept = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(group, faint), group)) as u32;
            let m = kept & 0xff & (0xff >> (8 - (n - k).min(8)));
            let positions = _mm_loadl_epi64(positions[m as usize].as_ptr().cast());
            let index = _mm_add_epi16(_mm_cvtepu8_epi16(positions), _mm_set1_epi16((base + k) as i16));
            _mm_storeu_si128(sparse.index[len..len + 8].as_mut_ptr().cast(), index);
            _mm_storel_epi64(sparse.value[len..len + 8].as_mut_ptr().cast(), _mm_shuffle_epi8(group, positions));
            len += m.count_ones() as usize;
        }
        sparse.len = len;
    }
}

/// [`sample`] sixteen pixels at a time in AVX-512: the four taps of each pixel picked by one byte
/// permutation (VBMI) from four rows of the plain canvas held in two registers, no gather.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{Canvas, Displacement, Out, Source, Sparse, Warp, BYTES, FAINT, FIELD_LEN, ONE, SIDE, SPARSE, STRIDE};
    use std::arch::x86_64::*;

    /// Whether the processor has what [`warp_rows`] is compiled for.
    pub(super) fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512vbmi")
            && std::arch::is_x86_feature_detected!("popcnt")
    }

    /// [`super::warp_rows`] in AVX-512 for an affine warp, as the AVX2 one but sixteen pixels at
    /// a time, from the canvas in [`super::Layout::Bytes`] (an elastic one: [`warp_packed`]).
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
    pub(super) unsafe fn warp_rows(source: &Source, out: &mut Out, warp: &Warp, spans: &[(usize, usize); SIDE]) {
        rows(source, out, warp, spans)
    }

    /// Whether the processor has what [`listed_stroke`] is compiled for: [`available`]'s and VBMI2's compress.
    pub(super) fn compress_available() -> bool {
        available() && std::arch::is_x86_feature_detected!("avx512vbmi2")
    }

    /// [`super::thicken`] (`thicker`) or [`super::thin`] of the warped canvas, its pixels at least [`FAINT`] listed
    /// into `sparse` (empty) as they are computed, a row at a time: the row's 28 values and the four lanes past it
    /// (the border, never listed) from five loads of the canvas, those kept moved to the front by one compress of
    /// the bytes and one of their indices (16-bit lanes). The list [`super::compact`] makes of the dense result.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,avx512vbmi2,popcnt")]
    pub(super) unsafe fn listed_stroke(thicker: bool, warped: &Canvas, sparse: &mut Sparse) {
        // Each row writes 32 values and 32 indices from the list's end: up to 27·28 + 32 places.
        const _: () = assert!((SIDE - 1) * SIDE + 32 <= SPARSE && (SIDE + 1) * STRIDE + 1 + 32 <= STRIDE * STRIDE);
        assert_eq!(sparse.len, 0);
        const LANES: [u16; 32] = {
            let mut lanes = [0; 32];
            let mut k = 0;
            while k < 32 {
                lanes[k] = k as u16;
                k += 1;
            }
            lanes
        };
        let lanes = _mm512_loadu_si512(LANES.as_ptr().cast());
        let (faint, low7) = (_mm256_set1_epi8(FAINT as i8), _mm256_set1_epi8(0x7f));
        let canvas = warped.0.as_ptr();
        let mut len = 0;
        for y in 0..SIDE {
            let i = (y + 1) * STRIDE + 1;
            // SAFETY: i − STRIDE ≥ 1 and i + STRIDE + 32 ≤ the canvas's length (asserted above).
            let load = |o: usize| unsafe { _mm256_loadu_si256(canvas.add(o).cast()) };
            let (own, left, right, up, down) = (load(i), load(i - 1), load(i + 1), load(i - STRIDE), load(i + STRIDE));
            let picked = if thicker {
                _mm256_max_epu8(_mm256_max_epu8(left, right), _mm256_max_epu8(up, down))
            } else {
                _mm256_min_epu8(_mm256_min_epu8(left, right), _mm256_min_epu8(up, down))
            };
            // ⌊(own + picked)/2⌋ without overflow: (a & b) + (a ^ b)/2, the halving of each byte by a 16-bit shift
            // and a mask of the bit it brings down from the byte above.
            let half = _mm256_and_si256(_mm256_srli_epi16::<1>(_mm256_xor_si256(own, picked)), low7);
            let line = _mm256_add_epi8(_mm256_and_si256(own, picked), half);
            let kept = _mm256_cmpge_epu8_mask(line, faint) & ((1 << SIDE) - 1);
            let index = _mm512_add_epi16(lanes, _mm512_set1_epi16((y * SIDE) as i16));
            // SAFETY: len ≤ 27·28 before the last row, and 32 places from it are within the list (asserted above).
            unsafe {
                _mm256_storeu_si256(sparse.value.as_mut_ptr().add(len).cast(), _mm256_maskz_compress_epi8(kept, line));
                _mm512_storeu_si512(
                    sparse.index.as_mut_ptr().add(len).cast(),
                    _mm512_maskz_compress_epi16(kept, index),
                );
            }
            len += kept.count_ones() as usize;
        }
        sparse.len = len;
    }

    /// Groups of sixteen pixels of the image, two a row: columns 0 to 15, and 16 to 27 (and four lanes past the row).
    const GROUPS: usize = 2 * SIDE;

    /// Values of the packed lists: every pixel of the image, and room for the 16-wide writes past the last.
    const PACKED: usize = SIDE * SIDE + 16;

    /// An elastic warp in two passes, without spans or branches on the pixels. First every pixel of the image, a
    /// row at a time (32 lanes of 16 bits, 28 of them the row's): its source point ([`Displacement`]: the warp's row
    /// and column parts and Δ, in pixels/256), kept in a list with its pixel k = 28y + x when it lies inside the open
    /// box `ink`'s rows and within the ink of its own two rows of taps (the others are 0), the row's lanes listed as
    /// two groups of sixteen.
    /// Then the list, sixteen at a time: each point's bilinear value, its taps picked from windows
    /// of the canvas in [`super::Layout::Bytes`] as in [`rows`] (no point needs clamping: the box
    /// is inside (−1, 28)²), written to the rows of `out` or, those at least [`FAINT`], listed.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
    pub(super) unsafe fn warp_packed(source: &Source, out: &mut Out, warp: &Warp, field: Displacement, ink: [i32; 4]) {
        let mut xys = std::mem::MaybeUninit::<[i32; PACKED]>::uninit();
        let mut ks = std::mem::MaybeUninit::<[i32; PACKED]>::uninit();
        let (xys, ks): (*mut i32, *mut i32) = (xys.as_mut_ptr().cast(), ks.as_mut_ptr().cast());
        let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        // The column parts of columns 0 to 31 (`Warp::column`), per axis, as 16-bit lanes (lanes past column 27 are
        // never listed). Every value below is a point in pixels/256 within ±128 pixels (see `super::simd128`).
        let column = |axis: usize| {
            let parts: [i16; 32] = std::array::from_fn(|x| <[i32; 2]>::from(warp.column(x))[axis] as i16);
            // SAFETY: 32 16-bit integers.
            unsafe { _mm512_loadu_si512(parts.as_ptr().cast()) }
        };
        let (column_x, column_y) = (column(0), column(1));
        let row_lanes: __mmask32 = (1 << SIDE) - 1;
        // The box's rows in pixels/256: y0 − 1 < y < y1 + 1 is (y0 − 1)·256 < y·256 < (y1 + 1)·256.
        let bound = |v: i32| _mm512_set1_epi16((v >> 8) as i16);
        let (top, bottom) = (bound(ink[2]), bound(ink[3]));
        // Along x, each point against the ink of its own two rows of taps rather than the box's: a point whose top
        // taps are in image row t (y/256 from t to t + 1) has a nonzero value only if x0_t − 1 < x/256 < x1_t + 1,
        // x0_t to x1_t the columns with ink in rows t and t + 1 (none: no such x). About 350 points an image are
        // inside the box, 220 of them so; the others' value is 0, so that leaving them out changes no byte.
        // (lefts, rights)[t + 1], in pixels/256, from the canvas's rows t + 1 and t + 2, for t from −1 to 28.
        let (lefts, rights) = {
            let canvas = source.bytes.as_ptr();
            let mut ink_in = [0u32; STRIDE + 1];
            for (r, pair) in ink_in.chunks_exact_mut(2).enumerate().take(STRIDE / 2) {
                // SAFETY: canvas rows 2r and 2r + 1, r < 16: bytes below 32·32 ≤ BYTES.
                let rows = unsafe { _mm512_loadu_si512(canvas.add(2 * r * STRIDE).cast()) };
                let ink = _mm512_test_epi8_mask(rows, rows);
                (pair[0], pair[1]) = (ink as u32, (ink >> 32) as u32);
            }
            let (mut lefts, mut rights) = ([i16::MAX; 32], [i16::MIN; 32]);
            for t in 0..SIDE + 2 {
                // Canvas column c is image column c − 1.
                let both = ink_in[t] | ink_in[t + 1];
                if both != 0 {
                    lefts[t] = (both.trailing_zeros() as i16 - 2) * 256;
                    rights[t] = (31 - both.leading_zeros() as i16) * 256;
                }
            }
            // SAFETY: 32 16-bit integers each.
            unsafe { (_mm512_loadu_si512(lefts.as_ptr().cast()), _mm512_loadu_si512(rights.as_ptr().cast())) }
        };
        // Lanes 0 to 15 (and 16 to 31) of x and y interleaved: each 32-bit lane x | y << 16, the form of the list.
        let pairs = |first: i16| {
            let index: [i16; 32] = std::array::from_fn(|l| first + l as i16 / 2 + if l % 2 == 1 { 32 } else { 0 });
            // SAFETY: 32 16-bit integers.
            unsafe { _mm512_loadu_si512(index.as_ptr().cast()) }
        };
        let (low_pairs, high_pairs) = (pairs(0), pairs(16));
        let ((fa, fb), (ua, ub)) = (field.fields, field.units);
        assert!(fa.len() >= 2 * FIELD_LEN && fb.len() >= 2 * FIELD_LEN);
        let (fa, fb) = (fa.as_ptr(), fb.as_ptr());
        let (ua, ub) = (_mm512_set1_epi16(ua), _mm512_set1_epi16(ub));
        let mut m = 0;
        // Each group's points in the list: from starts[g], those of mask inside[g].
        let (mut starts, mut insides) = ([0u16; GROUPS], [0u16; GROUPS]);
        for y in 0..SIDE {
            let (row_x, row_y) = warp.row(y);
            // Δ = ua·Δa + ub·Δb of the row's 28 pixels and the next row's first four (unused).
            let delta = |axis: usize| {
                let i = axis * FIELD_LEN + y * SIDE;
                // SAFETY: i + 32 ≤ FIELD_LEN + 27·28 + 32 ≤ 2·FIELD_LEN, the length of both fields (asserted).
                let load = |v: *const i8| unsafe { _mm512_cvtepi8_epi16(_mm256_loadu_si256(v.add(i).cast())) };
                _mm512_add_epi16(_mm512_mullo_epi16(load(fa), ua), _mm512_mullo_epi16(load(fb), ub))
            };
            let px = _mm512_add_epi16(_mm512_add_epi16(_mm512_set1_epi16(row_x as i16), column_x), delta(0));
            let py = _mm512_add_epi16(_mm512_add_epi16(_mm512_set1_epi16(row_y as i16), column_y), delta(1));
            // Each point's row of top taps t, plus 1 (the tables' index; its low five bits, any for a point outside
            // the box's rows, which the test of y leaves out).
            let t = _mm512_add_epi16(_mm512_srai_epi16::<8>(py), _mm512_set1_epi16(1));
            let (left, right) = (_mm512_permutexvar_epi16(t, lefts), _mm512_permutexvar_epi16(t, rights));
            let inside = _mm512_mask_cmpgt_epi16_mask(
                _mm512_mask_cmpgt_epi16_mask(
                    _mm512_mask_cmpgt_epi16_mask(_mm512_mask_cmpgt_epi16_mask(row_lanes, px, left), right, px),
                    py,
                    top,
                ),
                bottom,
                py,
            );
            for (half, pairs) in [low_pairs, high_pairs].into_iter().enumerate() {
                let g = 2 * y + half;
                let inside = (inside >> (16 * half)) as __mmask16;
                // The points as x in the low 16 bits and y in the high 16 (pixels/256): inside the box each is from
                // −2⁸ to 28·2⁸, and these bits are all that sampling reads.
                let xy = _mm512_permutex2var_epi16(px, pairs, py);
                let k = _mm512_add_epi32(lanes, _mm512_set1_epi32((y * SIDE + 16 * half) as i32));
                // SAFETY: m ≤ the pixels before this group, so the 16 values written from m fit in PACKED.
                unsafe {
                    _mm512_storeu_si512(xys.add(m).cast(), _mm512_maskz_compress_epi32(inside, xy));
                    _mm512_storeu_si512(ks.add(m).cast(), _mm512_maskz_compress_epi32(inside, k));
                }
                (starts[g], insides[g]) = (m as u16, inside);
                m += inside.count_ones() as usize;
            }
        }

        let mut no_pixels = 0;
        let (listed, index, value, mut rows) = out.parts(&mut no_pixels);
        // The room for the writes past the list's end, checked once.
        assert!(rows.is_some() || (*listed == 0 && index.len() >= SPARSE && value.len() >= SPARSE));
        // For rows: the values of the list, in order, spread back to their pixels at the end.
        let mut values = std::mem::MaybeUninit::<[i32; PACKED]>::uninit();
        let values: *mut i32 = values.as_mut_ptr().cast();
        let mut len = *listed;
        let (byte, pairs, full) = (_mm512_set1_epi32(0xff), _mm512_set1_epi32(0x00ff_00ff), _mm512_set1_epi32(256));
        let (half, low16) = (_mm512_set1_epi32(1 << 15), _mm512_set1_epi32(0xffff));
        let faint = _mm512_set1_epi32(FAINT as i32);
        let spread = _mm512_setr4_epi32(0, 0x0404_0404, 0x0808_0808, 0x0c0c_0c0c);
        let taps = _mm512_set1_epi32(0x2101_2000);
        let (three, six) = (_mm512_set1_epi32(3 * STRIDE as i32), _mm512_set1_epi32(6 * STRIDE as i32));
        let three_rows = _mm512_set1_epi8(3 * STRIDE as i8);
        let canvas = source.bytes.as_ptr();
        for j in (0..m).step_by(16) {
            let valid: __mmask16 = if m - j >= 16 { 0xffff } else { (1 << (m - j)) - 1 };
            // SAFETY: the lists hold m values; only those are read.
            let (xy, k) = unsafe {
                (_mm512_maskz_loadu_epi32(valid, xys.add(j).cast()), _mm512_maskz_loadu_epi32(valid, ks.add(j).cast()))
            };
            // sx/2⁸ and sy/2⁸, sign-extended from 16 bits.
            let (px, py) = (_mm512_srai_epi32::<16>(_mm512_slli_epi32::<16>(xy)), _mm512_srai_epi32::<16>(xy));
            let fx = _mm512_and_si512(px, byte);
            let fy = _mm512_and_si512(py, byte);
            // p = 32r + c of the top-left tap, r and c in 0..=28.
            let p = _mm512_add_epi32(_mm512_slli_epi32::<5>(_mm512_srai_epi32::<8>(py)), _mm512_srai_epi32::<8>(px));
            let p = _mm512_add_epi32(p, _mm512_set1_epi32(STRIDE as i32 + 1));
            let w = (_mm512_mask_reduce_min_epi32(valid, p) >> 5) as usize;
            let at = _mm512_sub_epi32(p, _mm512_set1_epi32((w * STRIDE) as i32));
            let bytes = _mm512_add_epi8(_mm512_shuffle_epi8(at, spread), taps);
            // SAFETY: w ≤ 28 (the smallest r of the points), and the canvas holds rows up to 35.
            let window = |w: usize| unsafe {
                (
                    _mm512_loadu_si512(canvas.add(w * STRIDE).cast()),
                    _mm512_loadu_si512(canvas.add(w * STRIDE + 64).cast()),
                )
            };
            let ((upper, lower), (upper2, lower2)) = (window(w), window(w + 3));
            let second = _mm512_mask_cmpge_epu32_mask(valid, at, three);
            let mut q = _mm512_permutex2var_epi8(upper, bytes, lower);
            let below = _mm512_sub_epi8(bytes, three_rows);
            q = _mm512_mask_mov_epi32(q, second, _mm512_permutex2var_epi8(upper2, below, lower2));
            let mut todo = _mm512_mask_cmpge_epu32_mask(valid, at, six);
            let (mut w, mut at) = (w + 6, _mm512_sub_epi32(at, six));
            while todo != 0 {
                let (upper, lower) = window(w);
                let here = _mm512_mask_cmplt_epu32_mask(todo, at, three);
                let bytes = _mm512_add_epi8(_mm512_shuffle_epi8(at, spread), taps);
                q = _mm512_mask_mov_epi32(q, here, _mm512_permutex2var_epi8(upper, bytes, lower));
                todo &= !here;
                w += 3;
                at = _mm512_sub_epi32(at, three);
            }
            let upper = _mm512_and_si512(q, pairs);
            let lower = _mm512_and_si512(_mm512_srli_epi32::<8>(q), pairs);
            let columns =
                _mm512_add_epi32(_mm512_mullo_epi32(upper, _mm512_sub_epi32(full, fy)), _mm512_mullo_epi32(lower, fy));
            let (l, r) = (_mm512_and_si512(columns, low16), _mm512_srli_epi32::<16>(columns));
            let v = _mm512_add_epi32(
                _mm512_add_epi32(_mm512_mullo_epi32(l, _mm512_sub_epi32(full, fx)), _mm512_mullo_epi32(r, fx)),
                half,
            );
            let v = _mm512_srli_epi32::<16>(v);
            if rows.is_some() {
                // SAFETY: j + 16 ≤ PACKED.
                unsafe { _mm512_storeu_si512(values.add(j).cast(), v) };
            } else {
                let kept = _mm512_mask_cmpge_epu32_mask(valid, v, faint);
                // Each pixel as index·2¹⁶ + value, those kept moved to the front.
                let listed = _mm512_maskz_compress_epi32(kept, _mm512_or_si512(_mm512_slli_epi32::<16>(k), v));
                // SAFETY: the list holds distinct pixels of the image, so len ≤ 784 and the 16
                // written from len fit in the room of SPARSE (checked above).
                unsafe {
                    let (at, v) = (_mm512_srli_epi32::<16>(listed), _mm512_cvtepi32_epi8(listed));
                    _mm256_storeu_si256(index.as_mut_ptr().add(len).cast(), _mm512_cvtepi32_epi16(at));
                    _mm_storeu_si128(value.as_mut_ptr().add(len).cast(), v);
                }
                len += kept.count_ones() as usize;
            }
        }
        if let Some((out, first, stride)) = rows.as_mut() {
            // Each group's values from the list to their lanes, 0 elsewhere, then the image's rows.
            // (The second group of row 27 writes four bytes past the image.)
            let mut image = [0u8; SIDE * SIDE + 4];
            for (g, (&start, &inside)) in starts.iter().zip(&insides).enumerate() {
                // SAFETY: the group's values, as many as `inside` has bits, from starts[g] on (written).
                let v = unsafe {
                    let written = ((1u32 << inside.count_ones()) - 1) as __mmask16;
                    _mm512_maskz_expand_epi32(
                        inside,
                        _mm512_maskz_loadu_epi32(written, values.add(start as usize).cast()),
                    )
                };
                // Lanes past column 27 are 0 (never inside), and the next group's write comes after.
                let at = g / 2 * SIDE + 16 * (g % 2);
                _mm_storeu_si128(image[at..at + 16].as_mut_ptr().cast(), _mm512_cvtepi32_epi8(v));
            }
            for (y, row) in image[..SIDE * SIDE].chunks_exact(SIDE).enumerate() {
                out[*first + y * *stride..][..SIDE].copy_from_slice(row);
            }
        }
        *listed = len;
    }

    // Row y of the canvas starts at y·32: a shift by 5; four rows are 128 bytes.
    const _: () = assert!(STRIDE == 32);
    // The last window of four rows starts at row 28 + 1 (the bottom tap of a point clamped to 28),
    // and in `warp_packed` (no clamping: the top tap's row at most 27 + 1) the second window at row 28 + 3.
    const _: () = assert!(BYTES >= (SIDE + 3 + 4) * STRIDE);

    /// Each row's span: line\[k\] set to the bilinear value at s + k·u for k in the span, sixteen
    /// at a time. The taps: with c = ⌊sx⌋ + 1 and r = ⌊sy⌋ + 1 (the
    /// canvas column and row of the top-left tap, 0 to 29 once clamped), byte p = 32r + c of
    /// the canvas and p + 32, p + 1, p + 33, read from the window of canvas rows w to w + 3 as
    /// byte p − 32w of two registers, for each pixel whose r is w, w + 1 or w + 2; w from the
    /// smallest r of the sixteen up by three until every pixel has its taps (for an affine warp
    /// within the training's ranges one window nearly always does). With a sparse `out` those at
    /// least [`FAINT`] are listed at once (compressed).
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vbmi,popcnt")]
    unsafe fn rows(source: &Source, out: &mut Out, warp: &Warp, spans: &[(usize, usize); SIDE]) {
        let mut no_pixels = 0;
        let (listed, index, value, mut rows) = out.parts(&mut no_pixels);
        // The room for the writes past the list's end, checked once.
        assert!(rows.is_some() || (*listed == 0 && index.len() >= SPARSE && value.len() >= SPARSE));
        let mut len = *listed;
        let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        let (along_x, along_y) = (
            _mm512_mullo_epi32(lanes, _mm512_set1_epi32(warp.u.0)),
            _mm512_mullo_epi32(lanes, _mm512_set1_epi32(warp.u.1)),
        );
        let (step_x, step_y) = (_mm512_set1_epi32(16 * warp.u.0), _mm512_set1_epi32(16 * warp.u.1));
        let (lo, hi) = (_mm512_set1_epi32(-ONE), _mm512_set1_epi32(SIDE as i32 * ONE));
        let (byte, pairs, full) = (_mm512_set1_epi32(0xff), _mm512_set1_epi32(0x00ff_00ff), _mm512_set1_epi32(256));
        let (half, low16) = (_mm512_set1_epi32(1 << 15), _mm512_set1_epi32(0xffff));
        let faint = _mm512_set1_epi32(FAINT as i32);
        let shifted = _mm512_slli_epi32::<16>(lanes);
        // Byte 0 of each 32-bit lane to all four; then + (0, 32, 1, 33): the four taps' bytes.
        // (Byte shuffles stay within each 128-bit quarter: lane j's byte 0 is byte 4·(j mod 4) there.)
        let spread = _mm512_setr4_epi32(0, 0x0404_0404, 0x0808_0808, 0x0c0c_0c0c);
        let taps = _mm512_set1_epi32(0x2101_2000);
        let window = _mm512_set1_epi32(3 * STRIDE as i32);
        let canvas = source.bytes.as_ptr();
        for (y, &(start, end)) in spans.iter().enumerate() {
            let n = end - start;
            // Rows: the row's 28 bytes set to 0, then the span's values written over them.
            let row = rows.as_mut().map(|(out, first, stride)| {
                let row = &mut out[*first + y * *stride..][..SIDE];
                row.fill(0);
                row.as_mut_ptr()
            });
            let (x0, y0) = warp.at(start, y);
            let mut sx = _mm512_add_epi32(_mm512_set1_epi32(x0), along_x);
            let mut sy = _mm512_add_epi32(_mm512_set1_epi32(y0), along_y);
            for k in (0..n).step_by(16) {
                let (mut px, mut py) = (sx, sy);
                sx = _mm512_add_epi32(sx, step_x);
                sy = _mm512_add_epi32(sy, step_y);
                // The pixels of the span among these sixteen.
                let valid: __mmask16 = if n - k >= 16 { 0xffff } else { (1 << (n - k)) - 1 };
                px = _mm512_max_epi32(_mm512_min_epi32(px, hi), lo);
                py = _mm512_max_epi32(_mm512_min_epi32(py, hi), lo);
                let fx = _mm512_and_si512(_mm512_srai_epi32::<8>(px), byte);
                let fy = _mm512_and_si512(_mm512_srai_epi32::<8>(py), byte);
                // p = 32r + c of the top-left tap, r and c in 0..=29.
                let p =
                    _mm512_add_epi32(_mm512_slli_epi32::<5>(_mm512_srai_epi32::<16>(py)), _mm512_srai_epi32::<16>(px));
                let p = _mm512_add_epi32(p, _mm512_set1_epi32(STRIDE as i32 + 1));
                let mut q = _mm512_setzero_si512();
                {
                    // The first window: the smallest r among the pixels of the span.
                    let mut w = (_mm512_mask_reduce_min_epi32(valid, p) >> 5) as usize;
                    let mut at = _mm512_sub_epi32(p, _mm512_set1_epi32((w * STRIDE) as i32));
                    let mut todo = valid;
                    loop {
                        // SAFETY: w ≤ 29 (the smallest r of pixels still to do), and the canvas holds rows up to 32.
                        let (upper, lower) = unsafe {
                            (
                                _mm512_loadu_si512(canvas.add(w * STRIDE).cast()),
                                _mm512_loadu_si512(canvas.add(w * STRIDE + 64).cast()),
                            )
                        };
                        // Pixels whose r is w, w + 1 or w + 2 (p − 32w from 0 to 95; below 0 wraps high).
                        let here = _mm512_mask_cmplt_epu32_mask(todo, at, window);
                        let bytes = _mm512_add_epi8(_mm512_shuffle_epi8(at, spread), taps);
                        q = _mm512_mask_mov_epi32(q, here, _mm512_permutex2var_epi8(upper, bytes, lower));
                        todo &= !here;
                        if todo == 0 {
                            break;
                        }
                        w += 3;
                        at = _mm512_sub_epi32(at, window);
                    }
                }
                let upper = _mm512_and_si512(q, pairs);
                let lower = _mm512_and_si512(_mm512_srli_epi32::<8>(q), pairs);
                let columns = _mm512_add_epi32(
                    _mm512_mullo_epi32(upper, _mm512_sub_epi32(full, fy)),
                    _mm512_mullo_epi32(lower, fy),
                );
                let (l, r) = (_mm512_and_si512(columns, low16), _mm512_srli_epi32::<16>(columns));
                let v = _mm512_add_epi32(
                    _mm512_add_epi32(_mm512_mullo_epi32(l, _mm512_sub_epi32(full, fx)), _mm512_mullo_epi32(r, fx)),
                    half,
                );
                let v = _mm512_srli_epi32::<16>(v);
                if let Some(row) = row {
                    // SAFETY: the pixels of the span, start + k to at most end ≤ 28, of a row of 28.
                    unsafe { _mm_mask_storeu_epi8(row.add(start + k).cast(), valid, _mm512_cvtepi32_epi8(v)) };
                } else {
                    let kept = _mm512_mask_cmpge_epu32_mask(valid, v, faint);
                    // Each pixel as index·2¹⁶ + value, those kept moved to the front.
                    let at = _mm512_add_epi32(shifted, _mm512_set1_epi32(((y * SIDE + start + k) as i32) << 16));
                    let listed = _mm512_maskz_compress_epi32(kept, _mm512_or_si512(at, v));
                    // SAFETY: the list holds distinct pixels of the image, so len ≤ 784 and the 16
                    // written from len fit in the room of SPARSE (checked above).
                    unsafe {
                        let (at, v) = (_mm512_srli_epi32::<16>(listed), _mm512_cvtepi32_epi8(listed));
                        _mm256_storeu_si256(index.as_mut_ptr().add(len).cast(), _mm512_cvtepi32_epi16(at));
                        _mm_storeu_si128(value.as_mut_ptr().add(len).cast(), v);
                    }
                    len += kept.count_ones() as usize;
                }
            }
        }
        *listed = len;
    }
}

/// [`sample`] eight pixels at a time in WebAssembly's 128-bit SIMD, as two vectors of four: the
/// four taps of each pixel read into its lane in one 4-byte load.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use super::{
        positions, Displacement, Out, Source, Sparse, Warp, FAINT, FIELD_LEN, LINE, ONE, PAIRS, SIDE, SPARSE, STRIDE,
    };
    use std::arch::wasm32::*;

    /// Values in the lists of [`Points`]: every pixel of the image, and room for 8-wide writes past the last.
    const PACKED: usize = SIDE * SIDE + 8;

    /// The lists of [`warp_packed`]: the source points (x, y) inside the ink box, in pixels/256 (offset by the box's
    /// corner and 2¹⁵, see there), their pixels k, and, for an image written to rows, its pixels listed. Zeroed once;
    /// the second pass reads up to three entries past an image's points, padded in x and y with a point of the box
    /// (its k there is read but unused).
    #[derive(Clone)]
    pub(super) struct Points {
        /// The points' x from [0], their y from [PACKED], their k from [2·PACKED]: one address for the three.
        xyk: [i16; 3 * PACKED],
        /// The warp's column parts (`Warp::column`) of columns 0 to 31, x then y.
        columns: [i16; 64],
        /// An image's nonzero pixels, for rows.
        index: [u16; SPARSE],
        value: [u8; SPARSE],
    }

    impl Points {
        pub(super) fn new() -> Box<Points> {
            Box::new(Points { xyk: [0; 3 * PACKED], columns: [0; 64], index: [0; SPARSE], value: [0; SPARSE] })
        }
    }

    /// `COMPACT[m]`: the swizzle that moves the 32-bit lanes of m (bits 0 to 3) to the front, in
    /// order, zeros after them.
    static COMPACT: [[u8; 16]; 16] = swizzles();

    /// For every m, the byte swizzle that moves the lanes of m to the front, in order; bytes 0x80 (zero) elsewhere.
    const fn swizzles() -> [[u8; 16]; 16] {
        let mut table = [[0x80; 16]; 16];
        let mut m = 0;
        while m < 16 {
            let (mut lane, mut first) = (0, 0);
            while lane < 4 {
                if m & (1 << lane) != 0 {
                    let (to, from) = (first, lane);
                    let mut b = 0;
                    while b < 4 {
                        table[m][4 * to + b] = (4 * from + b) as u8;
                        b += 1;
                    }
                    first += 1;
                }
                lane += 1;
            }
            m += 1;
        }
        table
    }

    /// `picks()[m]`: the byte swizzle that moves the 16-bit lanes of m (bits 0 to 7) to the front, in order (lane p
    /// as bytes 2p and 2p + 1), lane 0 after them: [`positions`]`()[m]` for 16-bit lanes. Computed on first use, as
    /// that table: 4 KB that would weigh in the page's wasm.
    fn picks() -> &'static [[u8; 16]; 256] {
        static PICKS: std::sync::OnceLock<[[u8; 16]; 256]> = std::sync::OnceLock::new();
        let positions = positions();
        PICKS.get_or_init(|| std::array::from_fn(|m| std::array::from_fn(|b| 2 * positions[m][b / 2] + (b % 2) as u8)))
    }

    /// An elastic warp in two passes, as the AVX-512 one: first every pixel of the image, eight at a time (each
    /// row in four groups, the last of four pixels), its source point ([`Displacement`]: the warp's row and column
    /// parts and Δ, in pixels/256, as 16-bit integers) listed with its pixel k when it lies inside the open box
    /// `ink` (the others are 0); then the list, four at a time: each point's bilinear value (no point needs
    /// clamping: the box is inside (−1, 28)²), written to the rows of `out` or, those at least [`FAINT`], listed.
    pub(super) fn warp_packed(
        pairs: &[u16; PAIRS],
        points: &mut Points,
        out: &mut Out,
        warp: &Warp,
        field: Displacement,
        ink: [i32; 4],
    ) {
        // `Warp::column` of columns 0 to 31 (x·u >> 8 per axis), eight at a time.
        let columns = points.columns.as_mut_ptr();
        for (axis, u) in [warp.u.0, warp.u.1].into_iter().enumerate() {
            let part = |x: v128| i32x4_shr(i32x4_mul(x, i32x4_splat(u)), 8);
            for first in (0..32).step_by(8) {
                let x = i32x4_add(i32x4(0, 1, 2, 3), i32x4_splat(first));
                // SAFETY: 32·axis + first + 8 ≤ 64, the length of `columns`.
                unsafe {
                    let parts = i16x8_narrow_i32x4(part(x), part(i32x4_add(x, i32x4_splat(4))));
                    v128_store(columns.add(32 * axis + first as usize).cast(), parts)
                }
            }
        }
        let columns = points.columns.as_ptr();
        // The box test in one signed comparison per axis, in pixels/256: lo < s < hi is 0 ≤ s − lo − 1 < hi − lo − 1
        // unsigned, which is s − lo − 1 − 2¹⁵ < hi − lo − 1 − 2¹⁵ signed in 16 bits (s − lo is within ±128 pixels:
        // the source points of the training's warps are within about 40 pixels of the image, the box inside it).
        // The first pass computes and lists the points in that form (wrapping); the second adds `back`.
        let (lo_x, hi_x, lo_y, hi_y) = (ink[0] >> 8, ink[1] >> 8, ink[2] >> 8, ink[3] >> 8);
        let shift = |lo: i32| (lo + 1 + 0x8000) as i16;
        let back = (shift(lo_x), shift(lo_y));
        let width = |lo: i32, hi: i32| i16x8_splat((hi - lo - 1 - 0x8000) as i16);
        let (width_x, width_y) = (width(lo_x, hi_x), width(lo_y, hi_y));
        let picks = picks();
        // SAFETY: a slice of 16 bytes.
        let table = |t: &[u8; 16]| unsafe { v128_load(t.as_ptr().cast()) };
        // Byte 0 of each 32-bit lane (a value below 256) to bytes 0 to 3; the high 16 bits of each
        // lane (an index below 784) to the first four 16-bit lanes.
        let low_bytes = |v: v128| i8x16_shuffle::<0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12>(v, v);
        let high_halves = |v: v128| i8x16_shuffle::<2, 3, 6, 7, 10, 11, 14, 15, 2, 3, 6, 7, 10, 11, 14, 15>(v, v);
        // Each field's Δx at [i], its Δy at [FIELD_LEN + i]: one address per field for both.
        let ((fa, fb), (ua, ub)) = (field.fields, field.units);
        assert!(fa.len() >= 2 * FIELD_LEN && fb.len() >= 2 * FIELD_LEN);
        let (fa, fb) = (fa.as_ptr(), fb.as_ptr());
        let (ua, ub) = (i16x8_splat(ua), i16x8_splat(ub));
        // ua·Δa + ub·Δb of the eight pixels from i, each byte widened to 16 bits as it is loaded.
        // SAFETY: each group's first pixel i has i + 8 ≤ 784 + 4, so FIELD_LEN + i + 8 ≤ 2·FIELD_LEN.
        let delta = |i: usize| unsafe {
            i16x8_add(
                i16x8_mul(i16x8_load_extend_i8x8(fa.add(i)), ua),
                i16x8_mul(i16x8_load_extend_i8x8(fb.add(i)), ub),
            )
        };
        let xyk = points.xyk.as_mut_ptr();
        let mut m = 0;
        for y in 0..SIDE {
            let (row_x, row_y) = warp.row(y);
            let (row_x, row_y) =
                (i16x8_splat((row_x as i16).wrapping_sub(back.0)), i16x8_splat((row_y as i16).wrapping_sub(back.1)));
            for g in 0..4 {
                let i = y * SIDE + 8 * g;
                // SAFETY: 8g + 8 ≤ 32 columns, x then y from 32.
                let (cx, cy) =
                    unsafe { (v128_load(columns.add(8 * g).cast()), v128_load(columns.add(32 + 8 * g).cast())) };
                let (dx, dy) = (delta(i), delta(FIELD_LEN + i));
                let px = i16x8_add(i16x8_add(row_x, cx), dx);
                let py = i16x8_add(i16x8_add(row_y, cy), dy);
                let inside = v128_and(i16x8_gt(width_x, px), i16x8_gt(width_y, py));
                // (The last group's lanes 4 to 7 are past the row.) Not `i16x8_bitmask`: V8 packs its lanes with
                // a scratch register's old bytes (`packsswb scratch, v`, then the top eight bits), and that register
                // is the one its swizzles below use, so that each group waited on the one before it: the first pass
                // took twice as long (0.032 → 0.016 s an epoch in Node 20's V8, measured with the second pass cut).
                let mask =
                    i8x16_bitmask(i8x16_narrow_i16x8(inside, inside)) as usize & if g == 3 { 0x0f } else { 0xff };
                // The lanes of the mask's points to the front, and their pixels: lane p's bytes are 2p and
                // 2p + 1, so that the 16-bit lane of the swizzle shifted right by 9 is p.
                let pick = table(&picks[mask]);
                let k = i16x8_add(u16x8_shr(pick, 9), i16x8_splat(i as i16));
                // SAFETY: m ≤ i (each group lists at most its pixels), so m + 8 ≤ PACKED.
                unsafe {
                    let at = xyk.add(m);
                    v128_store(at.cast(), i8x16_swizzle(px, pick));
                    v128_store(at.add(PACKED).cast(), i8x16_swizzle(py, pick));
                    v128_store(at.add(2 * PACKED).cast(), k);
                }
                m += mask.count_ones() as usize;
            }
        }

        let mut no_pixels = 0;
        let (listed, index, value, rows) = out.parts(&mut no_pixels);
        // For rows, the points' pixels are listed as for training, but every nonzero one (thicker and thinner strokes
        // read the faint ones too), and then written to the zeroed rows: one way of writing out rather than two.
        let (index, value, least) = match rows {
            Some(_) => (&mut points.index[..], &mut points.value[..], 1),
            None => (index, value, FAINT as i32),
        };
        // The room for the writes past the list's end, checked once.
        assert!(*listed == 0 && index.len() >= SPARSE && value.len() >= SPARSE);
        let mut len = 0;
        let faint = i32x4_splat((least << 16) - 1);
        // The last group of four reads up to three entries past the list: make them the point
        // (lo + 1, lo + 1)/256 of the box, which the form above lists as −2¹⁵: inside the box, and its value
        // is 0 (its weights are all on its top-left tap, a pixel left of and above the ink's
        // bounding box), so that it is never listed.
        // SAFETY: m ≤ 784, so m + 8 ≤ PACKED.
        unsafe {
            v128_store(xyk.add(m).cast(), i16x8_splat(i16::MIN));
            v128_store(xyk.add(PACKED + m).cast(), i16x8_splat(i16::MIN));
        }
        let (back_x, back_y) = (i16x8_splat(back.0), i16x8_splat(back.1));
        for j in (0..m).step_by(4) {
            // Four points, back from the box test's form, in 16.16 (pixels/256 × 2⁸), and their pixels.
            // SAFETY: j < m ≤ 784, so j + 4 ≤ PACKED.
            let (px, py, k) = unsafe {
                let load = |at: usize| v128_load64_zero(xyk.add(at).cast());
                (
                    i32x4_shl(i32x4_extend_low_i16x8(i16x8_add(load(j), back_x)), 8),
                    i32x4_shl(i32x4_extend_low_i16x8(i16x8_add(load(PACKED + j), back_y)), 8),
                    u32x4_extend_low_u16x8(load(2 * PACKED + j)),
                )
            };
            // SAFETY: each point of the list, and of the padding after it, is inside the ink box,
            // so −1 ≤ ⌊sx⌋, ⌊sy⌋ ≤ 27.
            let rounded = unsafe { bilinear(pairs, px, py) };
            let v = u32x4_shr(rounded, 16);
            // The points among these four at least `least` (the padding past the list is 0): v ≥ least
            // is rounded ≥ least·2¹⁶, the sign of (least·2¹⁶ − 1) − rounded (one subtraction; a
            // comparison of v the compiler makes unsigned, four instructions in V8).
            let kept = i32x4_bitmask(i32x4_sub(faint, rounded)) as usize;
            let picked = i8x16_swizzle(v128_or(i32x4_shl(k, 16), v), table(&COMPACT[kept]));
            // SAFETY: the list holds distinct pixels of the image, so len ≤ 784 and the 4
            // written from len fit in the room of SPARSE (checked above).
            unsafe {
                v128_store64_lane::<0>(high_halves(picked), index.as_mut_ptr().add(len).cast());
                v128_store32_lane::<0>(low_bytes(picked), value.as_mut_ptr().add(len).cast());
            }
            len += kept.count_ones() as usize;
        }
        match rows {
            Some((out, first, stride)) => {
                super::clear(out, first, stride);
                for (&k, &v) in index[..len].iter().zip(&value[..len]) {
                    let k = k as usize;
                    out[first + k / SIDE * stride + k % SIDE] = v;
                }
            }
            None => *listed = len,
        }
    }

    /// [`super::compact`], eight bytes at a time: those kept picked by one swizzle.
    #[inline]
    pub(super) fn compact(bytes: &[u8], n: usize, base: usize, sparse: &mut Sparse) {
        let table = positions();
        let mut len = sparse.len;
        for k in (0..n).step_by(8) {
            let word = u64::from_le_bytes(bytes[k..k + 8].try_into().expect("8 bytes"));
            let (index, value) = (sparse.index.as_mut_ptr(), sparse.value.as_mut_ptr());
            // SAFETY: at most one entry per pixel of the image, so len ≤ 784 and len + 8 ≤ SPARSE.
            len = unsafe { list(table, u64x2(word, 0), n - k, base + k, index, value, len) };
        }
        sparse.len = len;
    }

    /// Lists the first min(n, 8) bytes of `group` that are at least [`FAINT`], byte k as pixel
    /// `base + k`, at `index[len..]` and `value[len..]` (writing 8 of each); returns the new length.
    /// `table` is [`positions`]`()`.
    #[inline(always)]
    ///
    /// # Safety
    /// `index` and `value` point to at least len + 8 entries.
    unsafe fn list(
        table: &[[u8; 8]; 256],
        group: v128,
        n: usize,
        base: usize,
        index: *mut u16,
        value: *mut u8,
        len: usize,
    ) -> usize {
        // p ≥ FAINT is the top bit of p + (128 − FAINT), saturated: one addition (a comparison the
        // compiler makes p > FAINT − 1, three instructions in V8).
        let kept = i8x16_bitmask(u8x16_add_sat(group, u8x16_splat(128 - FAINT))) as u32;
        let m = kept & 0xff & (0xff >> (8 - n.min(8)));
        let positions = u64x2(u64::from_le_bytes(table[m as usize]), 0);
        let at = i16x8_add(u16x8_extend_low_u8x16(positions), u16x8_splat(base as u16));
        // SAFETY: 8 entries from len of each (the caller's promise).
        unsafe {
            v128_store(index.add(len).cast(), at);
            v128_store64_lane::<0>(i8x16_swizzle(group, positions), value.add(len).cast());
        }
        len + m.count_ones() as usize
    }

    /// The bilinear values of four source points (px, py), 16.16 fixed point, in 32-bit lanes, as [`super::sample`]
    /// computes them, times 2¹⁶ and plus 2¹⁵ (the value is this shifted right by 16; the FAINT test of
    /// [`warp_packed`] reads it unshifted): with taps a, b (row above) and d, e (row below),
    /// left = a·(256 − fy) + d·fy, right = b·(256 − fy) + e·fy in the two 16-bit halves of one lane, then
    /// left·(256 − fx) + right·fx + 2¹⁵. Each lane's four taps come in one 4-byte load of `pairs`.
    ///
    /// # Safety
    /// Each point has −1 ≤ ⌊x⌋, ⌊y⌋ ≤ 28 (x and y over 2¹⁶), so that its top-left tap p + 33 is in 0..=957 and
    /// `pairs` (the source's vertical pairs) holds pairs p + 33 and p + 34.
    #[inline(always)]
    unsafe fn bilinear(pairs: &[u16; PAIRS], px: v128, py: v128) -> v128 {
        let (byte, pairs_mask, full) = (i32x4_splat(0xff), i32x4_splat(0x00ff_00ff), i32x4_splat(256));
        // Pair p of the canvas is pair p + 33 of the image's top-left tap (row −1, column −1).
        let base = pairs[STRIDE + 1..].as_ptr();
        let fx = v128_and(i32x4_shr(px, 8), byte);
        let fy = v128_and(i32x4_shr(py, 8), byte);
        let p = i32x4_add(i32x4_shl(i32x4_shr(py, 16), 5), i32x4_shr(px, 16));
        // SAFETY: the caller's promise: pairs p + 33 and p + 34 are inside `pairs`.
        let q = u32x4_splat(0);
        let q = unsafe { v128_load32_lane::<0>(q, base.offset(i32x4_extract_lane::<0>(p) as isize).cast()) };
        let q = unsafe { v128_load32_lane::<1>(q, base.offset(i32x4_extract_lane::<1>(p) as isize).cast()) };
        let q = unsafe { v128_load32_lane::<2>(q, base.offset(i32x4_extract_lane::<2>(p) as isize).cast()) };
        let q = unsafe { v128_load32_lane::<3>(q, base.offset(i32x4_extract_lane::<3>(p) as isize).cast()) };
        let upper = v128_and(q, pairs_mask);
        let lower = v128_and(u32x4_shr(q, 8), pairs_mask);
        let columns = i32x4_add(i32x4_mul(upper, i32x4_sub(full, fy)), i32x4_mul(lower, fy));
        let (l, r) = (v128_and(columns, i32x4_splat(0xffff)), u32x4_shr(columns, 16));
        i32x4_add(i32x4_add(i32x4_mul(l, i32x4_sub(full, fx)), i32x4_mul(r, fx)), i32x4_splat(1 << 15))
    }

    /// [`super::warp_rows`] in SIMD for an affine warp (an elastic one: [`warp_packed`]), as the
    /// AVX2 one: each row's span sampled eight pixels at a time, and for a sparse `out` those at
    /// least [`FAINT`] listed at once.
    pub(super) fn warp_rows(source: &Source, out: &mut Out, warp: &Warp, spans: &[(usize, usize); SIDE]) {
        let mut no_pixels = 0;
        let (listed, index, value, mut rows) = out.parts(&mut no_pixels);
        let sparse = rows.is_none();
        // The room for the writes past the list's end, checked once.
        assert!(!sparse || (*listed == 0 && index.len() >= SPARSE && value.len() >= SPARSE));
        let table = positions();
        let mut len = *listed;
        let lanes = i32x4(0, 1, 2, 3);
        let (along_x, along_y) = (i32x4_mul(lanes, i32x4_splat(warp.u.0)), i32x4_mul(lanes, i32x4_splat(warp.u.1)));
        let (four_x, four_y) = (i32x4_splat(4 * warp.u.0), i32x4_splat(4 * warp.u.1));
        let (step_x, step_y) = (i32x4_splat(8 * warp.u.0), i32x4_splat(8 * warp.u.1));
        let (lo, hi) = (i32x4_splat(-ONE), i32x4_splat(SIDE as i32 * ONE));
        // The bilinear values at the four points (px, py), clamped, in 32-bit lanes.
        let bilinear = |px: v128, py: v128| {
            let (px, py) = (i32x4_max(i32x4_min(px, hi), lo), i32x4_max(i32x4_min(py, hi), lo));
            // SAFETY: the clamped point has −1 ≤ ⌊sx⌋, ⌊sy⌋ ≤ 28.
            u32x4_shr(unsafe { bilinear(&source.pairs, px, py) }, 16)
        };
        let mut line = [0u8; LINE];
        for (y, &(start, end)) in spans.iter().enumerate() {
            let n = end - start;
            if !sparse {
                line = [0; LINE];
            }
            let (x0, y0) = warp.at(start, y);
            let mut sx = i32x4_add(i32x4_splat(x0), along_x);
            let mut sy = i32x4_add(i32x4_splat(y0), along_y);
            for k in (0..n).step_by(8) {
                let (px0, py0) = (sx, sy);
                let (px1, py1) = (i32x4_add(sx, four_x), i32x4_add(sy, four_y));
                sx = i32x4_add(sx, step_x);
                sy = i32x4_add(sy, step_y);
                // Eight values of 0..=255 in 32-bit lanes → the first eight bytes.
                let words = u16x8_narrow_i32x4(bilinear(px0, py0), bilinear(px1, py1));
                let values = u8x16_narrow_i16x8(words, words);
                if sparse {
                    // SAFETY: at most one entry per pixel of the image, so len ≤ 784, and the list
                    // has the room of SPARSE (checked above).
                    len = unsafe {
                        list(table, values, n - k, y * SIDE + start + k, index.as_mut_ptr(), value.as_mut_ptr(), len)
                    };
                } else {
                    line[start + k..start + k + 8].copy_from_slice(&u64x2_extract_lane::<0>(values).to_le_bytes());
                }
            }
            if let Some((out, first, stride)) = rows.as_mut() {
                out[*first + y * *stride..][..SIDE].copy_from_slice(&line[..SIDE]);
            }
        }
        *listed = len;
    }
}

/// A thicker stroke: each pixel becomes the mean (rounded down) of itself and its brightest 4-neighbour.
#[inline(never)]
fn thicken(warped: &Canvas, dst: &mut [u8]) {
    neighbourhood(warped, dst, |a, b, c, d| a.max(b).max(c.max(d)));
}

/// A thinner stroke: each pixel becomes the mean (rounded down) of itself and its darkest 4-neighbour.
#[inline(never)]
fn thin(warped: &Canvas, dst: &mut [u8]) {
    neighbourhood(warped, dst, |a, b, c, d| a.min(b).min(c.min(d)));
}

/// dst(p) = ⌊(img(p) + pick(its 4 neighbours))/2⌋, zero outside the image.
#[inline(always)]
fn neighbourhood(img: &Canvas, dst: &mut [u8], pick: impl Fn(u8, u8, u8, u8) -> u8) {
    let c = &img.0;
    let dst: &mut [u8; SIDE * SIDE] = (&mut dst[..SIDE * SIDE]).try_into().expect("784 bytes");
    // Each row as 32 pixels (two SIMD vectors, no scalar tail), the last 4 of them (read from
    // the border and the next row, within the canvas) dropped.
    const WIDE: usize = 32;
    const _: () = assert!((SIDE + 1) * STRIDE + 1 + WIDE <= CANVAS);
    for y in 0..SIDE {
        let i = (y + 1) * STRIDE + 1;
        let (own, left, right) = (&c[i..i + WIDE], &c[i - 1..i - 1 + WIDE], &c[i + 1..i + 1 + WIDE]);
        let (up, down) = (&c[i - STRIDE..i - STRIDE + WIDE], &c[i + STRIDE..i + STRIDE + WIDE]);
        let mut line = [0u8; WIDE];
        for x in 0..WIDE {
            let n = pick(left[x], right[x], up[x], down[x]);
            line[x] = ((own[x] as u16 + n as u16) >> 1) as u8;
        }
        dst[y * SIDE..][..SIDE].copy_from_slice(&line[..SIDE]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Vec<u8> {
        let mut img = vec![0u8; SIDE * SIDE];
        for y in 10..18 {
            for x in 10..18 {
                img[y * SIDE + x] = 255;
            }
        }
        img
    }

    /// A digit-like image: a ring of graded ink, off-centre.
    fn ring() -> Vec<u8> {
        (0..SIDE * SIDE)
            .map(|i| {
                let (x, y) = ((i % SIDE) as f32 - 12.0, (i / SIDE) as f32 - 15.0);
                let r = (x * x + y * y).sqrt();
                (255.0 * (1.0 - (r - 7.0).abs() / 2.5)).clamp(0.0, 255.0) as u8
            })
            .collect()
    }

    #[test]
    fn identity_transform_is_exact() {
        let src: Vec<u8> = (0..784).map(|i| (i * 31 % 256) as u8).collect();
        let mut dst = vec![0; 784];
        affine(&src, &mut dst, 0.0, 1.0, (0.0, 0.0));
        assert_eq!(src, dst);
    }

    #[test]
    fn whole_pixel_shift_moves_the_image() {
        let src = square();
        let mut dst = vec![0; 784];
        affine(&src, &mut dst, 0.0, 1.0, (2.0, -1.0));
        assert_eq!(dst[9 * SIDE + 12], 255);
        assert_eq!(dst[17 * SIDE + 19], 0);
        assert_eq!(dst[16 * SIDE + 19], 255);
        let mut left = vec![0; 784];
        affine(&src, &mut left, 0.0, 1.0, (-12.0, 0.0));
        assert!(left
            .iter()
            .enumerate()
            .all(|(i, &p)| p == if i % SIDE < 6 && (10..18).contains(&(i / SIDE)) { 255 } else { 0 }));
    }

    #[test]
    fn a_half_pixel_shift_averages_neighbours() {
        let mut src = vec![0u8; 784];
        src[14 * SIDE + 14] = 200;
        src[14 * SIDE + 15] = 100;
        let mut dst = vec![0; 784];
        affine(&src, &mut dst, 0.0, 1.0, (0.5, 0.0));
        assert_eq!(&dst[14 * SIDE + 14..][..3], &[100, 150, 50]);
    }

    #[test]
    fn rotation_by_a_right_angle_turns_the_image() {
        let src = ring();
        let mut dst = vec![0; 784];
        affine(&src, &mut dst, std::f32::consts::FRAC_PI_2, 1.0, (0.0, 0.0));
        // Rotating by +90° about (13.5, 13.5): dst(x, y) = src(y, 27 − x).
        for y in 0..SIDE {
            for x in 0..SIDE {
                assert_eq!(dst[y * SIDE + x], src[(SIDE - 1 - x) * SIDE + y], "at ({x}, {y})");
            }
        }
    }

    /// The bilinear value at the 16.16 point (sx, sy) as [`sample`] documents it, from the
    /// image itself: the point clamped to [−1, 28]², taps outside the image 0, weights w and
    /// 256 − w of the fraction's top 8 bits, the sum of the four products rounded.
    fn bilinear(src: &[u8], sx: i32, sy: i32) -> u8 {
        let (sx, sy) = (sx.clamp(-ONE, SIDE as i32 * ONE), sy.clamp(-ONE, SIDE as i32 * ONE));
        let (ix, iy, fx, fy) = (sx >> 16, sy >> 16, (sx >> 8) & 0xff, (sy >> 8) & 0xff);
        let tap = |x: i32, y: i32| {
            let inside = (0..SIDE as i32).contains(&x) && (0..SIDE as i32).contains(&y);
            if inside {
                src[y as usize * SIDE + x as usize] as i64
            } else {
                0
            }
        };
        let sum = tap(ix, iy) * ((256 - fx) * (256 - fy)) as i64
            + tap(ix + 1, iy) * (fx * (256 - fy)) as i64
            + tap(ix, iy + 1) * ((256 - fx) * fy) as i64
            + tap(ix + 1, iy + 1) * (fx * fy) as i64;
        ((sum + (1 << 15)) >> 16) as u8
    }

    /// Every pixel sampled, no span, no SIMD: what the warp must equal.
    fn reference(src: &[u8], warp: Warp, field: Option<Displacement>) -> Vec<u8> {
        let mut out = vec![0u8; 784];
        for y in 0..SIDE {
            for x in 0..SIDE {
                let (x_, y_) = (x as i32, y as i32);
                let (sx, sy) = match field {
                    // (o + y·v)/256 and x·u/256 rounded down, Δ added, back to 16.16.
                    Some(f) => {
                        let (dx, dy) = f.at(x, y);
                        let part = |v: i32| v.div_euclid(256);
                        (
                            (part(warp.o.0 + y_ * warp.v.0) + part(x_ * warp.u.0) + dx) * 256,
                            (part(warp.o.1 + y_ * warp.v.1) + part(x_ * warp.u.1) + dy) * 256,
                        )
                    }
                    None => (warp.o.0 + x_ * warp.u.0 + y_ * warp.v.0, warp.o.1 + x_ * warp.u.1 + y_ * warp.v.1),
                };
                out[y * SIDE + x] = bilinear(src, sx, sy);
            }
        }
        out
    }

    #[test]
    fn sampling_only_near_the_ink_at_every_simd_width_changes_nothing() {
        let mut rng = Pcg64::seed_from_u64(3);
        let bank = FieldBank::new(&mut rng);
        let mut noise = vec![0u8; 784];
        let images = [square(), ring(), {
            let mut corner = vec![0u8; 784];
            corner[0] = 255;
            corner[783] = 90;
            corner
        }];
        let (mut source, mut sparse) = (Source::new(), Sparse::new());
        let mut out = vec![0; 784];
        for round in 0..600 {
            // Beyond the training ranges too: large turns, shrinking, growing, shifts off the edge;
            // and every fourth image random bytes in a random box.
            let src = if round % 4 == 3 {
                let (x0, y0) = (rng.random_range(0..SIDE), rng.random_range(0..SIDE));
                let (x1, y1) = (rng.random_range(x0..SIDE), rng.random_range(y0..SIDE));
                for (i, p) in noise.iter_mut().enumerate() {
                    let inside = (x0..=x1).contains(&(i % SIDE)) && (y0..=y1).contains(&(i / SIDE));
                    *p = if inside { rng.random() } else { 0 };
                }
                &noise
            } else {
                &images[round % images.len()]
            };
            let angle = rng.random_range(-3.2..3.2f32);
            let scale = rng.random_range(0.5..1.6f32);
            let shift = (rng.random_range(-9.0..9.0f32), rng.random_range(-9.0..9.0f32));
            let warp = Warp::new(angle, scale, shift);
            let field = bank.draw(&mut rng);
            for width in [Width::Sixteen, Width::Eight, Width::One] {
                for field in [None, Some(field)] {
                    let expected = reference(src, warp, field);
                    warp_image_using(width, &mut source, src, warp, field, Out::Rows(&mut out, 0, SIDE));
                    assert_eq!(out, expected, "round {round}, {width:?}, elastic {}", field.is_some());
                    // The list of pixels: exactly those of the image at least FAINT.
                    sparse.len = 0;
                    warp_image_using(width, &mut source, src, warp, field, Out::Sparse(&mut sparse));
                    assert_eq!(listed(&sparse), kept(&expected), "round {round}, {width:?}");
                }
            }
        }
    }

    /// The pixels of `image` at least [`FAINT`], as (index, value).
    fn kept(image: &[u8]) -> Vec<(u16, u8)> {
        (0..).zip(image.iter().copied()).filter(|&(_, p)| p >= FAINT).collect()
    }

    fn listed(sparse: &Sparse) -> Vec<(u16, u8)> {
        sparse.index[..sparse.len].iter().copied().zip(sparse.value[..sparse.len].iter().copied()).collect()
    }

    #[test]
    fn compacting_lists_the_bytes_at_least_faint_with_or_without_simd() {
        let mut rng = Pcg64::seed_from_u64(11);
        for round in 0..200 {
            let density = rng.random_range(0.0..1.0f32);
            let bytes: Vec<u8> =
                (0..SIDE * SIDE + 8).map(|_| if rng.random::<f32>() < density { rng.random() } else { 0 }).collect();
            let n = rng.random_range(0..=SIDE * SIDE);
            for simd in [true, false] {
                let mut sparse = Sparse::new();
                compact(simd, &bytes, n, 0, &mut sparse);
                assert_eq!(listed(&sparse), kept(&bytes[..n]), "round {round}, SIMD {simd}");
            }
        }
    }

    #[test]
    fn pushing_a_distorted_image_gives_the_row_of_the_dense_one() {
        let mut noise = Pcg64::seed_from_u64(4);
        let speckled: Vec<u8> = (0..784).map(|_| if noise.random_bool(0.2) { noise.random() } else { 0 }).collect();
        let images = [square(), ring(), vec![0; 784], speckled];
        for kind in [Augment::Off, Augment::Affine, Augment::Elastic] {
            let (mut rng, mut rng2) = (Pcg64::seed_from_u64(2), Pcg64::seed_from_u64(2));
            let (mut dense, mut sparse) = (Augmenter::new(kind, &mut rng), Augmenter::new(kind, &mut rng2));
            let (mut a, mut b) = (Batch::with_capacity(1), Batch::with_capacity(1));
            let mut dst = vec![0; 784];
            for i in 0..400 {
                let (image, label) = (&images[i % images.len()], (i % 10) as u8);
                dense.apply(image, &mut dst, &mut rng);
                a.clear();
                a.push_u8(&dst, label).unwrap();
                b.clear();
                sparse.push(image, label, &mut b, &mut rng2).unwrap();
                assert_eq!(a.row(0), b.row(0), "{kind:?}, image {i}");
                assert_eq!(a.labels(), b.labels());
            }
            assert_eq!(rng, rng2, "the same draws");
            assert!(sparse.push(&images[0], 10, &mut b, &mut rng2).is_err(), "not a digit");
        }
    }

    #[test]
    fn augmentation_keeps_ink_roughly_and_changes_the_image() {
        let src = square();
        let mut rng = Pcg64::seed_from_u64(7);
        for kind in [Augment::Affine, Augment::Elastic] {
            let mut augmenter = Augmenter::new(kind, &mut rng);
            let mut dst = vec![0; 784];
            let ink = |img: &[u8]| img.iter().map(|&p| p as f32).sum::<f32>();
            let mut changed = 0;
            for _ in 0..50 {
                augmenter.apply(&src, &mut dst, &mut rng);
                let ratio = ink(&dst) / ink(&src);
                // (Over 20,000 elastic draws of this square the ratio ranged over 0.27–2.8, 1% of them below 0.43: a
                // thinner stroke of a square squeezed by the field.)
                assert!((0.25..3.0).contains(&ratio), "{kind:?}: ink ratio {ratio}");
                changed += (dst != src) as usize;
            }
            assert!(changed >= 45, "{kind:?}");
        }
    }

    #[test]
    fn off_copies() {
        let src = ring();
        let mut dst = vec![0; 784];
        let mut rng = Pcg64::seed_from_u64(1);
        let before = rng.clone();
        Augmenter::new(Augment::Off, &mut rng).apply(&src, &mut dst, &mut rng);
        assert_eq!(src, dst);
        assert_eq!(rng, before, "nothing drawn");
    }

    #[test]
    fn elastic_fields_have_simards_spread() {
        // Uniform [−1, 1] noise (variance 1/3) smoothed by a unit-sum Gaussian of σ has
        // variance (1/3)·Σk² ≈ (1/3)/(4πσ²): a standard deviation of α·0.0407 ≈ 1.38 pixels.
        let bank = FieldBank::new(&mut Pcg64::seed_from_u64(5));
        // Far from the byte's ±127, where a value would be held.
        let peak = bank.largest.iter().max().copied().unwrap_or(0);
        assert!((40..100).contains(&peak), "largest |Δ| of a field {peak}/16 pixel");
        let mut rng = Pcg64::seed_from_u64(6);
        let (mut sum, mut sum2, mut n) = (0f64, 0f64, 0f64);
        // Each pixel's mean Δ over the draws, along x and y: 0 but for the sampling (about 1.4/√draws pixel).
        let mut at_pixel = vec![0f64; 2 * SIDE * SIDE];
        let draws = 2000;
        for _ in 0..draws {
            let field = bank.draw(&mut rng);
            for (k, mean) in at_pixel.chunks_exact_mut(2).enumerate() {
                let (dx, dy) = field.at(k % SIDE, k / SIDE);
                (mean[0], mean[1]) =
                    (mean[0] + dx as f64 / 256.0 / draws as f64, mean[1] + dy as f64 / 256.0 / draws as f64);
            }
            for (d, reach) in (0..SIDE * SIDE).flat_map(|k| {
                let (x, y) = (k % SIDE, k / SIDE);
                <[i32; 2]>::from(field.at(x, y)).into_iter().zip(<[f32; 2]>::from(field.reach(y)))
            }) {
                let d = d as f64 / 256.0;
                assert!(d.abs() <= reach as f64);
                sum += d;
                sum2 += d * d;
                n += 1.0;
            }
        }
        let expected = ELASTIC_ALPHA as f64 * (1.0 / 3.0 / (4.0 * std::f64::consts::PI * 16.0)).sqrt();
        let (mean, std) = (sum / n, (sum2 / n - (sum / n).powi(2)).sqrt());
        assert!(mean.abs() < 0.15, "mean displacement {mean}");
        // Without the signs, the bank's mean field (about 0.25 pixel a standard deviation) would show here.
        let largest = at_pixel.iter().fold(0f64, |m, d| m.max(d.abs()));
        assert!(largest < 0.2, "a pixel's mean displacement {largest}");
        assert!((std / expected - 1.0).abs() < 0.15, "standard deviation {std}, expected {expected}");
    }

    #[test]
    fn settings_read_names_and_booleans() {
        use serde::de::{value::Error, IntoDeserializer};
        let name = |s: &str| Augment::deserialize(s.into_deserializer()).map_err(|e: Error| e.to_string());
        let boolean = |b: bool| Augment::deserialize(b.into_deserializer()).map_err(|e: Error| e.to_string());
        assert_eq!(name("elastic"), Ok(Augment::Elastic));
        assert_eq!(name("affine"), Ok(Augment::Affine));
        assert_eq!(name("off"), Ok(Augment::Off));
        assert_eq!(boolean(true), Ok(Augment::Affine));
        assert_eq!(boolean(false), Ok(Augment::Off));
        let error = name("wobbly").unwrap_err();
        assert!(error.contains("wobbly") && error.contains("\"elastic\""), "{error}");
        for kind in [Augment::Off, Augment::Affine, Augment::Elastic] {
            assert_eq!(Augment::from_name(kind.name()), Some(kind));
        }
    }

    #[test]
    fn thicken_and_thin_move_ink_the_right_way() {
        let mut canvas = Canvas::new();
        for (y, row) in square().chunks_exact(SIDE).enumerate() {
            canvas.0[(y + 1) * STRIDE + 1..][..SIDE].copy_from_slice(row);
        }
        let (mut thick, mut thin_) = (vec![0; 784], vec![0; 784]);
        thicken(&canvas, &mut thick);
        thin(&canvas, &mut thin_);
        let ink = |img: &[u8]| img.iter().map(|&p| p as u32).sum::<u32>();
        assert!(ink(&thick) > ink(&square()));
        assert!(ink(&thin_) < ink(&square()));
        // The square's edge: half-bright outside (thicker), half-bright inside (thinner).
        assert_eq!((thick[10 * SIDE + 9], thick[10 * SIDE + 10]), (127, 255));
        assert_eq!((thin_[10 * SIDE + 10], thin_[11 * SIDE + 11], thin_[10 * SIDE + 9]), (127, 255, 0));
    }
}
