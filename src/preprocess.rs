//! A drawing → the 28×28 image MNIST would have made of it.
//!
//! MNIST's authors took each scanned digit, scaled its bounding box (keeping the
//! aspect ratio) to fit a 20×20 box with anti-aliasing, and placed it in a 28×28
//! frame so that the centre of mass of the ink sits at the centre of the frame.
//! [`preprocess`] does the same to a drawing, in one resampling pass:
//!
//! | step | what | equation |
//! |---|---|---|
//! | bounding box | rows and columns holding ink ≥ [`INK_THRESHOLD`] | x0..=x1, y0..=y1 |
//! | scale | the longer side becomes [`BOX`] pixels | s = 20 / max(x1 − x0 + 1, y1 − y0 + 1) |
//! | centre of mass | of the ink inside the box, pixel x covering [x, x+1) | cx = Σ v·(x + ½) / Σ v |
//! | placement | source point u goes to frame point X | X = (u − cx)·s + 14.5 |
//! | resampling | area average (a box filter) | out(j, i) = s² · ∫∫ ink over the source area of pixel (j, i) / 255 |
//!
//! Coordinates are continuous: pixel j of the frame covers [j, j+1) and its centre
//! is j + ½. The centre of mass is put at 14.5, the centre of pixel **index 14**
//! (row 14, column 14), which is where the MNIST test images have it: their
//! centre of mass in pixel indices averages 14.00 in both directions (±0.29,
//! since MNIST shifted by whole pixels). Here the shift is sub-pixel, so the
//! centre of mass of every result is at index 14 up to the rounding of the
//! resampling (a few hundredths of a pixel), unless the digit is so lopsided that
//! the frame crops it.
//!
//! Downscaling (a 560×560 canvas → 20×20) averages every canvas pixel into the
//! frame pixels it overlaps, so thin strokes become grey rather than vanishing
//! or aliasing; upscaling (a drawing smaller than 20 pixels) repeats pixels, with
//! area-weighted blending at their fractional edges.

use crate::error::{Error, Result};
use crate::mnist::SIDE;
use crate::network::INPUTS;

/// Largest canvas side accepted (pixels).
pub const MAX_SIDE: usize = 4096;

/// Ink below this (of 255) is ignored when finding the bounding box, so that a
/// stray faint anti-aliased pixel does not move it; inside the box it still counts in the image,
/// outside it is left out (the image is the box, scaled). A drawing with no ink at or above it is blank.
pub const INK_THRESHOLD: u8 = 32;

/// The side of the box the longer side of the ink's bounding box is scaled to.
pub const BOX: usize = 20;

/// Where the centre of mass goes, in pixel indices (row and column): pixel 14's
/// centre, 14.5 in continuous coordinates.
pub const CENTRE: f32 = 14.0;

/// Ink values (0 = no ink, 255 = full ink), `width × height`, row-major → 784 values in [0, 1]
/// (MNIST convention: 0 background, 1 ink), or Ok(None) when there is no ink at all (blank pad).
///
/// "No ink" means no value at or above [`INK_THRESHOLD`]. The result is the ink's
/// bounding box scaled to fit 20×20 (aspect ratio kept), area-averaged, with its
/// centre of mass at pixel index (14, 14) of the 28×28 frame; see the module
/// documentation for the equations. Sizes: 1 ≤ `width`, `height` ≤ [`MAX_SIDE`]
/// ([`Error::Setting`] otherwise) and `ink.len() == width × height` ([`Error::Mismatch`]
/// otherwise). Time O(width × height): three vectorised passes (bounding box, centre of
/// mass, resampling); no heap allocation but the result (about 50 KB of stack buffers).
///
/// The steps of the module's table, each a function: [`bounding_box`], [`centre_of_mass`],
/// [`placement`] (scale and place: which source interval each frame pixel covers), [`resample`].
///
/// Never inlined, so that it keeps the release profile's level 3 in the page: its one caller, the boundary, is
/// optimised for size (Cargo.toml), and there it took four times as long.
#[inline(never)]
pub fn preprocess(ink: &[u8], width: usize, height: usize) -> Result<Option<Vec<f32>>> {
    let pixels = check_size(width, height, 1)?;
    if ink.len() != pixels {
        return Err(Error::Mismatch {
            what: message!(
                "core.pad.ink",
                "the ink buffer holds {given} values, not {width}×{height} = {pixels}",
                given = ink.len(),
                width = width,
                height = height,
                pixels = pixels
            ),
        });
    }
    let Some(b) = bounding_box(ink, width) else {
        return Ok(None);
    };
    let (cx, cy) = centre_of_mass(ink, width, b);
    let s = BOX as f64 / b.width().max(b.height()) as f64;
    let columns = placement(cx, s, b.width());
    let rows = placement(cy, s, b.height());
    Ok(Some(resample(ink, width, b, &rows, &columns, s)))
}

/// The centre of mass (cx, cy) of the ink inside the box, in source pixels from the box's
/// corner, pixel x covering [x, x+1): cx = Σ v·(x + ½) / Σ v, from the column sums (x) and
/// the row sums (y). The box holds ink (a value ≥ [`INK_THRESHOLD`]), so Σ v > 0.
fn centre_of_mass(ink: &[u8], width: usize, b: BoundingBox) -> (f64, f64) {
    let (bw, bh) = (b.width(), b.height());
    // A column sum is at most 4096·255 < 2³²; it gathers in u16 over blocks of 257 rows
    // (257·255 = 2¹⁶ − 1) first, which vectorises twice as wide.
    let mut column_sums = [0u32; MAX_SIDE];
    let column_sums = &mut column_sums[..bw];
    let mut block_sums = [0u16; MAX_SIDE];
    let block_sums = &mut block_sums[..bw];
    let (mut total, mut sum_y) = (0u64, 0u64);
    let rows = ink[b.y0 * width..(b.y1 + 1) * width].chunks_exact(width).zip(0u64..);
    for (row, dy) in rows {
        let row = &row[b.x0..=b.x1];
        for (c, &v) in block_sums.iter_mut().zip(row) {
            *c += v as u16;
        }
        // In u16 over 256 values (256·255 < 2¹⁶), which vectorises wider.
        let row_sum: u64 = row.chunks(256).map(|c| c.iter().map(|&v| v as u16).sum::<u16>() as u64).sum();
        total += row_sum;
        sum_y += row_sum * dy;
        if dy % 257 == 256 || dy + 1 == bh as u64 {
            for (c, s) in column_sums.iter_mut().zip(block_sums.iter_mut()) {
                *c += *s as u32;
                *s = 0;
            }
        }
    }
    let sum_x: u64 = column_sums.iter().zip(0u64..).map(|(&c, x)| c as u64 * x).sum();
    (sum_x as f64 / total as f64 + 0.5, sum_y as f64 / total as f64 + 0.5)
}

/// Scale s and placement along one axis: frame pixel j covers the source interval
/// [c + (j − 14.5)/s, c + (j + 1 − 14.5)/s), clipped to the box's `len` pixels, so that the
/// source point u goes to X = (u − c)·s + 14.5 and the centre of mass c to 14.5.
fn placement(c: f64, s: f64, len: usize) -> [Span; SIDE] {
    let centre = CENTRE as f64 + 0.5;
    std::array::from_fn(|j| {
        let a = (c + (j as f64 - centre) / s).max(0.0);
        let b = (c + (j as f64 + 1.0 - centre) / s).min(len as f64);
        Span::new(a, b)
    })
}

/// The 28×28 frame by area average: out(i, j) = s² · ∫∫ ink over rows\[i\] × columns\[j\] / 255,
/// clamped to [0, 1]. Each frame row is the weighted sum of the box rows it covers (one
/// vectorised pass over the box in all: whole rows added as integers, at most two partial
/// rows weighted), then the 28 column intervals of that sum.
fn resample(ink: &[u8], width: usize, b: BoundingBox, rows: &[Span; SIDE], columns: &[Span; SIDE], s: f64) -> Vec<f32> {
    let bw = b.width();
    let box_row = |y: usize| -> &[u8] {
        let start = (b.y0 + y) * width + b.x0;
        ink.get(start..start + bw).unwrap_or(&ZEROS[..bw])
    };
    let mut out = vec![0.0f32; INPUTS];
    let mut whole = [0u16; MAX_SIDE];
    let whole = &mut whole[..bw];
    let mut line = [0.0f32; MAX_SIDE];
    let line = &mut line[..bw];
    for (out_row, rows) in out.chunks_exact_mut(SIDE).zip(rows) {
        if rows.is_empty() {
            continue;
        }
        // At most ⌈1/s⌉ ≤ ⌈4096/20⌉ = 205 whole rows: 205·255 < 2¹⁶.
        whole.fill(0);
        for y in rows.whole.0..rows.whole.1 {
            for (a, &v) in whole.iter_mut().zip(box_row(y)) {
                *a += v as u16;
            }
        }
        let ((top, top_weight), (bottom, bottom_weight)) = (rows.left, rows.right);
        let parts = whole.iter().zip(box_row(top)).zip(box_row(bottom));
        for (l, ((&a, &t), &b)) in line.iter_mut().zip(parts) {
            *l = a as f32 + top_weight * t as f32 + bottom_weight * b as f32;
        }
        for (o, column) in out_row.iter_mut().zip(columns) {
            *o = column.integrate(line);
        }
    }
    let norm = (s * s / 255.0) as f32;
    for v in &mut out {
        *v = (*v * norm).clamp(0.0, 1.0);
    }
    out
}

/// The ink of an RGBA canvas image (as from CanvasRenderingContext2D.getImageData): the alpha channel.
///
/// The page draws its strokes, in any colour, on a *transparent* canvas, so the
/// alpha channel is the ink (and anti-aliased edges are partial ink); the colour is
/// ignored, so a light stroke on a dark theme works as well as a dark one. A canvas
/// filled with an opaque background would be ink everywhere: clear it with
/// `clearRect`, do not paint it white. `rgba` is `width × height × 4` bytes, row-major;
/// the result is `width × height` bytes. Sizes are checked as in [`preprocess`].
///
/// Never inlined, so that it keeps the release profile's level 3 in the page (see [`preprocess`]): inlined into the
/// boundary, it made preprocessing a third slower.
#[inline(never)]
pub fn ink_from_rgba(rgba: &[u8], width: usize, height: usize) -> Result<Vec<u8>> {
    let pixels = check_size(width, height, 1)?;
    let bytes = check_size(width, height, 4)?;
    if rgba.len() != bytes {
        return Err(Error::Mismatch {
            what: message!(
                "core.pad.rgba",
                "the RGBA buffer holds {given} bytes, not {width}×{height}×4 = {bytes}",
                given = rgba.len(),
                width = width,
                height = height,
                bytes = bytes
            ),
        });
    }
    let mut ink = vec![0u8; pixels];
    // Four pixels at a time: the alpha bytes (3, 7, 11, 15) of two little-endian u64 words
    // gathered into one u32, which is faster than byte by byte where there is no byte
    // shuffle instruction (baseline x86-64).
    let mut out = ink.chunks_exact_mut(4);
    let mut quads = rgba.chunks_exact(16);
    for (o, q) in (&mut out).zip(&mut quads) {
        let (lo, hi) = q.split_at(8);
        let lo = u64::from_le_bytes(lo.try_into().unwrap_or_default());
        let hi = u64::from_le_bytes(hi.try_into().unwrap_or_default());
        let alphas = ((lo >> 24) & 0xff) | ((lo >> 48) & 0xff00) | ((hi >> 8) & 0xff_0000) | ((hi >> 32) & 0xff00_0000);
        o.copy_from_slice(&(alphas as u32).to_le_bytes());
    }
    for (o, p) in out.into_remainder().iter_mut().zip(quads.remainder().chunks_exact(4)) {
        *o = p[3];
    }
    Ok(ink)
}

/// Checks 1 ≤ width, height ≤ MAX_SIDE and returns width × height × channels.
fn check_size(width: usize, height: usize, channels: usize) -> Result<usize> {
    for (name, side) in [("canvas width", width), ("canvas height", height)] {
        if side == 0 || side > MAX_SIDE {
            let problem = message!(
                "core.pad.side",
                "{side} pixels is outside the allowed range 1 to {max}",
                side = side,
                max = MAX_SIDE
            );
            return Err(Error::setting(name, problem));
        }
    }
    // Cannot overflow after the checks above, but checked all the same.
    width.checked_mul(height).and_then(|p| p.checked_mul(channels)).ok_or_else(|| {
        let problem =
            message!("core.pad.tooLarge", "{width}×{height} pixels is too large", width = width, height = height);
        Error::setting("canvas size", problem)
    })
}

/// The inclusive bounding box of the values ≥ INK_THRESHOLD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BoundingBox {
    x0: usize,
    x1: usize,
    y0: usize,
    y1: usize,
}

impl BoundingBox {
    fn width(&self) -> usize {
        self.x1 - self.x0 + 1
    }
    fn height(&self) -> usize {
        self.y1 - self.y0 + 1
    }
}

/// A row of no ink, for out-of-range rows (which the arithmetic rules out).
static ZEROS: [u8; MAX_SIDE] = [0; MAX_SIDE];

/// The bounding box of the ink, or None when no value reaches INK_THRESHOLD.
/// `ink.len()` is a multiple of `width`, 1 ≤ `width` ≤ MAX_SIDE.
fn bounding_box(ink: &[u8], width: usize) -> Option<BoundingBox> {
    // The maximum of each row and of each column, branch-free so that it vectorises.
    let mut column_max = [0u8; MAX_SIDE];
    let column_max = &mut column_max[..width];
    let (mut y0, mut y1) = (None, 0);
    for (y, row) in ink.chunks_exact(width).enumerate() {
        let mut row_max = 0;
        for (c, &v) in column_max.iter_mut().zip(row) {
            *c = (*c).max(v);
            row_max = row_max.max(v);
        }
        if row_max >= INK_THRESHOLD {
            y0.get_or_insert(y);
            y1 = y;
        }
    }
    let x0 = column_max.iter().position(|&v| v >= INK_THRESHOLD)?;
    let x1 = column_max.iter().rposition(|&v| v >= INK_THRESHOLD)?;
    Some(BoundingBox { x0, x1, y0: y0?, y1 })
}

/// A source interval [a, b) of a row (or of the rows), split into a partial pixel
/// on the left, whole pixels, and a partial pixel on the right.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Span {
    left: (usize, f32),
    whole: (usize, usize),
    right: (usize, f32),
}

impl Span {
    /// The interval [a, b) of the source, with 0 ≤ a and b ≤ the source length
    /// (so that every index with a non-zero weight is inside it). Empty when b ≤ a.
    fn new(a: f64, b: f64) -> Span {
        let empty = Span { left: (0, 0.0), whole: (0, 0), right: (0, 0.0) };
        if b.partial_cmp(&a) != Some(std::cmp::Ordering::Greater) || a < 0.0 {
            return empty;
        }
        let (ia, ib) = (a.floor() as usize, b.floor() as usize);
        if ia == ib {
            return Span { left: (ia, (b - a) as f32), whole: (ia, ia), right: (ia, 0.0) };
        }
        let right = if b > ib as f64 { (ib, (b - ib as f64) as f32) } else { (ia, 0.0) };
        Span { left: (ia, ((ia + 1) as f64 - a) as f32), whole: (ia + 1, ib), right }
    }

    /// ∫ over [a, b) of the piecewise-constant `row` (pixel x covering [x, x+1)).
    fn integrate(&self, row: &[f32]) -> f32 {
        let whole: f32 = row.get(self.whole.0..self.whole.1).unwrap_or(&[]).iter().sum();
        let at = |(x, w): (usize, f32)| if w > 0.0 { w * row.get(x).copied().unwrap_or(0.0) } else { 0.0 };
        whole + at(self.left) + at(self.right)
    }

    /// True when the interval has no length.
    fn is_empty(&self) -> bool {
        self.left.1 == 0.0 && self.whole.0 >= self.whole.1 && self.right.1 == 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_helpers::frame_centre_of_mass;

    /// Bounding box (x0, x1, y0, y1) of the values ≥ `min` of a 28×28 image.
    fn extent(img: &[f32], min: f32) -> (usize, usize, usize, usize) {
        let (mut x0, mut x1, mut y0, mut y1) = (SIDE, 0, SIDE, 0);
        for (i, &v) in img.iter().enumerate() {
            if v >= min {
                let (x, y) = (i % SIDE, i / SIDE);
                (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
            }
        }
        (x0, x1, y0, y1)
    }

    fn canvas(width: usize, height: usize, mut paint: impl FnMut(usize, usize) -> u8) -> Vec<u8> {
        (0..width * height).map(|i| paint(i % width, i / width)).collect()
    }

    #[test]
    fn the_bounding_box_holds_the_ink_at_or_above_the_threshold() {
        let mut ink = canvas(10, 8, |x, y| if (2..5).contains(&x) && (3..7).contains(&y) { 200 } else { 0 });
        assert_eq!(bounding_box(&ink, 10), Some(BoundingBox { x0: 2, x1: 4, y0: 3, y1: 6 }));
        ink[9] = INK_THRESHOLD - 1; // faint: ignored
        assert_eq!(bounding_box(&ink, 10), Some(BoundingBox { x0: 2, x1: 4, y0: 3, y1: 6 }));
        ink[9] = INK_THRESHOLD; // at the threshold: counted
        let b = bounding_box(&ink, 10).unwrap();
        assert_eq!((b, b.width(), b.height()), (BoundingBox { x0: 2, x1: 9, y0: 0, y1: 6 }, 8, 7));
        assert_eq!(bounding_box(&[INK_THRESHOLD - 1; 12], 4), None);
    }

    #[test]
    fn the_centre_of_mass_weighs_each_pixel_at_its_centre() {
        // Inside the box x 1..=3, y 1..=2: 100 at (1, 1) and 300 at (3, 2), i.e. box pixels
        // (0, 0) and (2, 1), centres (0.5, 0.5) and (2.5, 1.5): cx = (50 + 750)/400, cy = (50 + 450)/400.
        let mut ink = vec![0u8; 5 * 4];
        ink[5 + 1] = 100;
        ink[2 * 5 + 3] = 255;
        let b = BoundingBox { x0: 1, x1: 3, y0: 1, y1: 2 };
        let (cx, cy) = centre_of_mass(&ink, 5, b);
        assert_eq!((cx, cy), ((100.0 * 0.5 + 255.0 * 2.5) / 355.0, (100.0 * 0.5 + 255.0 * 1.5) / 355.0));
        // Tall boxes add their columns in blocks of 257 rows: the same sums past a block's end.
        let tall = canvas(3, 600, |x, y| if x == 1 && y % 2 == 0 { 255 } else { 0 });
        let b = bounding_box(&tall, 3).unwrap();
        assert_eq!(centre_of_mass(&tall, 3, b), (0.5, 299.5));
    }

    #[test]
    fn placement_puts_the_centre_of_mass_at_pixel_14_scaled_by_s() {
        // s = 1, centre of mass 14.5 of a 28-pixel box: frame pixel j covers source [j, j + 1).
        let spans = placement(14.5, 1.0, 28);
        for (j, span) in spans.iter().enumerate() {
            assert_eq!(*span, Span::new(j as f64, j as f64 + 1.0), "pixel {j}");
        }
        // s = 2, centre of mass 5 of a 10-pixel box: pixel 14 covers [5 − ¼, 5 + ¼), pixels 4
        // and 24 reach the box's edges, the pixels outside them get nothing.
        let spans = placement(5.0, 2.0, 10);
        assert_eq!(spans[14], Span::new(4.75, 5.25));
        assert_eq!(spans[4], Span::new(0.0, 0.25));
        assert_eq!(spans[24], Span::new(9.75, 10.0));
        assert!(spans[3].is_empty() && spans[25].is_empty());
    }

    #[test]
    fn resampling_averages_the_area_each_frame_pixel_covers() {
        // A 2×2 box of full ink at s = 1, placed pixel for pixel at (13, 13) (source 1.5 at
        // 14.5): two full pixels per row; at s = ½ with the box's centre at 14.5 the four source
        // pixels average into frame pixel (14, 14), ¼ of each.
        let ink = [255u8, 255, 255, 255];
        let b = BoundingBox { x0: 0, x1: 1, y0: 0, y1: 1 };
        let spans = placement(1.5, 1.0, 2);
        let out = resample(&ink, 2, b, &spans, &spans, 1.0);
        let lit: Vec<usize> = (0..INPUTS).filter(|&i| out[i] > 0.0).collect();
        assert_eq!(lit, [13 * SIDE + 13, 13 * SIDE + 14, 14 * SIDE + 13, 14 * SIDE + 14]);
        assert!(lit.iter().all(|&i| out[i] == 1.0));
        let ink = [255u8, 0, 0, 51];
        let spans = placement(1.0, 0.5, 2);
        let out = resample(&ink, 2, b, &spans, &spans, 0.5);
        let expected = 0.25 * (255.0 + 51.0) / 255.0;
        assert!((out[14 * SIDE + 14] - expected).abs() < 1e-6, "{} vs {expected}", out[14 * SIDE + 14]);
        assert_eq!(out.iter().filter(|&&v| v != 0.0).count(), 1);
    }

    #[test]
    fn blank_and_faint_only_are_none() {
        assert_eq!(preprocess(&vec![0; 300 * 200], 300, 200).unwrap(), None);
        let faint = canvas(300, 200, |x, y| if (x + y) % 7 == 0 { INK_THRESHOLD - 1 } else { 0 });
        assert_eq!(preprocess(&faint, 300, 200).unwrap(), None);
        assert_eq!(preprocess(&[0], 1, 1).unwrap(), None);
    }

    #[test]
    fn a_single_pixel_becomes_the_20_by_20_box_at_the_centre() {
        let mut ink = vec![0; 100 * 80];
        ink[37 * 100 + 61] = 255;
        let img = preprocess(&ink, 100, 80).unwrap().unwrap();
        // The centre of mass at index 14 means the box spans [14.5 − 10, 14.5 + 10) = pixels 4.5 .. 24.5.
        for (i, &v) in img.iter().enumerate() {
            let (x, y) = (i % SIDE, i / SIDE);
            let cover = |p: usize| {
                if (5..24).contains(&p) {
                    1.0
                } else if p == 4 || p == 24 {
                    0.5
                } else {
                    0.0
                }
            };
            assert!((v - cover(x) * cover(y)).abs() < 1e-5, "pixel ({x}, {y}) = {v}");
        }
    }

    #[test]
    fn a_round_dot_is_centred_and_fills_the_box() {
        let ink = canvas(560, 560, |x, y| {
            let d2 = (x as f32 - 400.3).powi(2) + (y as f32 - 100.7).powi(2);
            if d2 < 36.0 {
                255
            } else {
                0
            }
        });
        let img = preprocess(&ink, 560, 560).unwrap().unwrap();
        let (cx, cy) = frame_centre_of_mass(&img);
        assert!((cx - CENTRE).abs() < 0.05 && (cy - CENTRE).abs() < 0.05, "centre of mass ({cx}, {cy})");
        let (x0, x1, y0, y1) = extent(&img, 0.01);
        let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
        assert!((20..=21).contains(&w) && (20..=21).contains(&h), "{x0}..={x1}, {y0}..={y1}");
        assert!(img[14 * SIDE + 14] > 0.99);
    }

    /// The length of a uniform shape along rows (`along_rows`) or columns, in frame pixels:
    /// Σ mass of each line / mass of the fullest line, which counts a half-covered line as ½.
    fn length(img: &[f32], along_rows: bool) -> f32 {
        let mut lines = [0.0f32; SIDE];
        for (i, &v) in img.iter().enumerate() {
            lines[if along_rows { i / SIDE } else { i % SIDE }] += v;
        }
        let full = lines.iter().fold(0.0f32, |m, &v| m.max(v));
        lines.iter().map(|v| v / full).sum()
    }

    #[test]
    fn aspect_ratio_is_kept() {
        // A tall thin stroke: 400 tall, 40 wide on a 560×560 canvas → 20 tall, 2 wide.
        let ink = canvas(560, 560, |x, y| if (100..140).contains(&x) && (80..480).contains(&y) { 255 } else { 0 });
        let img = preprocess(&ink, 560, 560).unwrap().unwrap();
        let (height, width) = (length(&img, true), length(&img, false));
        assert!((height - 20.0).abs() < 1e-3 && (width - 2.0).abs() < 1e-3, "{width} wide, {height} tall");
        let (x0, x1, y0, y1) = extent(&img, 1e-3);
        let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
        assert!(h <= 21 && w <= 3, "extent {x0}..={x1}, {y0}..={y1}");
        let mass: f32 = img.iter().sum();
        assert!((mass - 40.0).abs() < 1e-3, "20 × 2 pixels of ink, got {mass}");
        // The same stroke lying down is 20 wide and 2 tall.
        let ink = canvas(560, 560, |x, y| if (100..140).contains(&y) && (80..480).contains(&x) { 255 } else { 0 });
        let img = preprocess(&ink, 560, 560).unwrap().unwrap();
        let (height, width) = (length(&img, true), length(&img, false));
        assert!((height - 2.0).abs() < 1e-3 && (width - 20.0).abs() < 1e-3, "{width} wide, {height} tall");
        // A 3:1 rectangle drawn small (upscaled) keeps its ratio too: 20 × 6⅔.
        let ink = canvas(50, 40, |x, y| if (10..13).contains(&x) && (20..29).contains(&y) { 200 } else { 0 });
        let img = preprocess(&ink, 50, 40).unwrap().unwrap();
        let (height, width) = (length(&img, true), length(&img, false));
        assert!((height - 20.0).abs() < 1e-3 && (width - 20.0 / 3.0).abs() < 1e-3, "{width} wide, {height} tall");
    }

    #[test]
    fn centre_of_mass_lands_at_the_centre() {
        // An "L": a heavy vertical bar and a light foot, drawn anywhere; the box is not
        // centred, the centre of mass is.
        for (ox, oy, size) in [(0, 0, 300), (250, 90, 200), (13, 377, 97), (500, 10, 37)] {
            let ink = canvas(560, 480, |x, y| {
                let (x, y) = (x as isize - ox as isize, y as isize - oy as isize);
                let s = size as isize;
                let bar = (0..s / 5).contains(&x) && (0..s).contains(&y);
                let foot = (0..s * 3 / 4).contains(&x) && (s * 9 / 10..s).contains(&y);
                if bar {
                    255
                } else if foot {
                    120
                } else {
                    0
                }
            });
            let img = preprocess(&ink, 560, 480).unwrap().unwrap();
            let (cx, cy) = frame_centre_of_mass(&img);
            assert!(
                (cx - CENTRE).abs() < 0.1 && (cy - CENTRE).abs() < 0.1,
                "at ({ox}, {oy}) size {size}: ({cx}, {cy})"
            );
            assert!(img.iter().all(|v| (0.0..=1.0).contains(v)));
        }
    }

    #[test]
    fn downscaling_averages_areas() {
        // A fine checkerboard filling a 560×560 canvas is mid-grey everywhere in the box,
        // where sampling one canvas pixel per frame pixel would give only 0 or 1.
        let ink = canvas(560, 560, |x, y| if (x + y) % 2 == 0 { 255 } else { 0 });
        let img = preprocess(&ink, 560, 560).unwrap().unwrap();
        let (x0, x1, y0, y1) = extent(&img, 1e-3);
        assert_eq!((x1 - x0 + 1, y1 - y0 + 1), (21, 21), "20 pixels at a half-pixel offset");
        for y in y0 + 1..y1 {
            for x in x0 + 1..x1 {
                let v = img[y * SIDE + x];
                assert!((v - 0.5).abs() < 0.01, "({x}, {y}) = {v}");
            }
        }
    }

    #[test]
    fn faint_ink_does_not_move_the_box() {
        let mut ink = canvas(280, 280, |x, y| if (100..140).contains(&x) && (60..220).contains(&y) { 255 } else { 0 });
        let clean = preprocess(&ink, 280, 280).unwrap().unwrap();
        ink[5 * 280 + 270] = INK_THRESHOLD - 1; // far outside the stroke
        let stray = preprocess(&ink, 280, 280).unwrap().unwrap();
        assert_eq!(clean, stray);
        ink[5 * 280 + 270] = 255; // real ink there does move it
        assert_ne!(clean, preprocess(&ink, 280, 280).unwrap().unwrap());
    }

    #[test]
    fn bad_sizes_are_errors() {
        let ink = vec![255u8; 12];
        for (w, h) in [(0, 12), (12, 0), (0, 0), (MAX_SIDE + 1, 1), (1, MAX_SIDE + 1), (usize::MAX, 2)] {
            assert!(matches!(preprocess(&ink, w, h), Err(Error::Setting { .. })), "{w}×{h}");
            assert!(matches!(ink_from_rgba(&ink, w, h), Err(Error::Setting { .. })), "{w}×{h}");
        }
        for (w, h) in [(3, 5), (5, 2), (1, 1), (MAX_SIDE, MAX_SIDE)] {
            assert!(matches!(preprocess(&ink, w, h), Err(Error::Mismatch { .. })), "{w}×{h}");
            assert!(matches!(ink_from_rgba(&ink, w, h), Err(Error::Mismatch { .. })), "{w}×{h}");
        }
        let err = preprocess(&ink, 3, 5).unwrap_err().to_string();
        assert_eq!(err, "the ink buffer holds 12 values, not 3×5 = 15");
        let err = preprocess(&ink, 0, 5).unwrap_err().to_string();
        assert_eq!(err, "canvas width: 0 pixels is outside the allowed range 1 to 4096");
        assert!(preprocess(&ink, 4, 3).unwrap().is_some());
        assert_eq!(ink_from_rgba(&ink, 3, 1).unwrap(), vec![255; 3]);
    }

    #[test]
    fn any_input_gives_values_in_range_and_no_panic() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300 {
            let (w, h) = (1 + (next() % 70) as usize, 1 + (next() % 70) as usize);
            let density = next() % 100;
            let ink: Vec<u8> = (0..w * h).map(|_| if next() % 100 < density { next() as u8 } else { 0 }).collect();
            if let Some(img) = preprocess(&ink, w, h).unwrap() {
                assert_eq!(img.len(), INPUTS);
                assert!(img.iter().all(|v| (0.0..=1.0).contains(v)), "{w}×{h}");
                assert!(img.iter().sum::<f32>() > 0.0);
            }
        }
        // Extreme shapes: one row, one column, the largest canvas.
        assert!(preprocess(&[255; 4096], 4096, 1).unwrap().is_some());
        assert!(preprocess(&[255; 4096], 1, 4096).unwrap().is_some());
        let mut big = vec![0; MAX_SIDE * MAX_SIDE];
        big[MAX_SIDE * MAX_SIDE - 1] = 255;
        big[0] = 255;
        let img = preprocess(&big, MAX_SIDE, MAX_SIDE).unwrap().unwrap();
        assert!(img.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn rgba_ink_is_the_alpha_channel() {
        // Black, red and white strokes at different opacities on a transparent canvas.
        let rgba = [0, 0, 0, 255, 255, 0, 0, 128, 255, 255, 255, 7, 0, 0, 0, 0, 17, 34, 51, 0, 1, 2, 3, 200];
        assert_eq!(ink_from_rgba(&rgba, 3, 2).unwrap(), vec![255, 128, 7, 0, 0, 200]);
        assert_eq!(ink_from_rgba(&rgba, 2, 3).unwrap(), vec![255, 128, 7, 0, 0, 200]);
        assert!(matches!(ink_from_rgba(&rgba[..20], 3, 2), Err(Error::Mismatch { .. })));
        // Every length, against the definition (four at a time plus the remainder).
        for n in 1..40 {
            let rgba: Vec<u8> = (0..n * 4).map(|i| (i * 37 + 11) as u8).collect();
            let alpha: Vec<u8> = rgba.iter().skip(3).step_by(4).copied().collect();
            assert_eq!(ink_from_rgba(&rgba, n, 1).unwrap(), alpha, "{n} pixels");
        }
        assert!(matches!(ink_from_rgba(&rgba, 4, 1), Err(Error::Mismatch { .. })));
    }

    #[test]
    fn spans_split_intervals() {
        let row = [10.0, 20.0, 30.0, 40.0];
        assert_eq!(Span::new(0.5, 3.25).integrate(&row), 5.0 + 20.0 + 30.0 + 10.0);
        assert_eq!(Span::new(1.25, 1.75).integrate(&row), 10.0);
        assert_eq!(Span::new(0.0, 4.0).integrate(&row), 100.0);
        assert_eq!(Span::new(2.0, 2.0).integrate(&row), 0.0);
        assert_eq!(Span::new(3.0, 1.0).integrate(&row), 0.0);
        assert_eq!(Span::new(f64::NAN, 1.0).integrate(&row), 0.0);
        assert_eq!(Span::new(0.5, 3.25), Span { left: (0, 0.5), whole: (1, 3), right: (3, 0.25) });
        assert_eq!(Span::new(1.0, 3.0), Span { left: (1, 1.0), whole: (2, 3), right: (1, 0.0) });
        assert!(Span::new(2.0, 2.0).is_empty() && !Span::new(2.0, 2.01).is_empty() && !Span::new(2.0, 4.0).is_empty());
    }
}
