//! The network's input: batches of images stored sparsely (only their nonzero pixels),
//! filled from 8-bit or float images or from a dataset's [`SparseImages`].
//!
//! About 81% of an MNIST image's pixels are zero, and a zero pixel adds nothing to
//! z1 = a0·w1 + b1 nor to ∂L/∂w1 = a0ᵀ·δ1, so a row of a [`Batch`] lists only its nonzero
//! pixels (index, value) and the network skips the rest. A batch also holds one label
//! per row, refused when it is not a digit, so that the network can index with it; the
//! network reports on a batch with [`BatchStats`].

use crate::error::{Error, Result};
use crate::kernels::simd_versions;
use crate::network::{INPUTS, OUTPUTS};

/// An 8-bit pixel (0 = background, 255 = ink) as the network's input value in [0, 1]: p / 255.
#[inline(always)]
pub const fn pixel_value(p: u8) -> f32 {
    p as f32 / 255.0
}

/// `unit()[p] = pixel_value(p)`, looked up where pixels come one at a time ([`Batch::push_u8`]). Computed on first
/// use rather than stored in the program: 1 KB of floats, which gzip cannot shrink, was 1 KB of the page's wasm.
fn unit() -> &'static [f32; 256] {
    static UNIT: std::sync::OnceLock<[f32; 256]> = std::sync::OnceLock::new();
    UNIT.get_or_init(|| std::array::from_fn(|p| pixel_value(p as u8)))
}

/// A batch of images stored sparsely (only nonzero pixels), with their labels.
/// Built once per batch from 8-bit or float images; pixel values are in [0, 1].
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Row b's nonzero pixels are `index[start[b]..start[b + 1]]`, `value[..]` likewise.
    start: Vec<usize>,
    index: Vec<u16>,
    value: Vec<f32>,
    /// One per row, each a digit 0–9 (checked by [`Batch::end_row`]).
    labels: Vec<u8>,
}

impl Batch {
    /// An empty batch with room for `rows` images.
    pub fn with_capacity(rows: usize) -> Batch {
        let mut start = Vec::with_capacity(rows + 1);
        start.push(0);
        Batch {
            start,
            index: Vec::with_capacity(rows * 200),
            value: Vec::with_capacity(rows * 200),
            labels: Vec::with_capacity(rows),
        }
    }

    /// Empties the batch, keeping its memory.
    pub fn clear(&mut self) {
        self.start.clear();
        self.start.push(0);
        self.index.clear();
        self.value.clear();
        self.labels.clear();
    }

    /// Adds an image of 784 bytes (0 = background, 255 = ink) with its label (a digit 0–9,
    /// or an error and the batch unchanged).
    ///
    /// Reads the image eight pixels at a time: [`nonzero_bytes`] marks the nonzero bytes
    /// of a word, and only those are visited, so the 80% of zero pixels cost little.
    pub fn push_u8(&mut self, pixels: &[u8], label: u8) -> Result<()> {
        debug_assert_eq!(pixels.len(), INPUTS);
        check_label(label)?;
        self.ensure_started();
        self.index.reserve(INPUTS);
        self.value.reserve(INPUTS);
        // First all the words' masks, with no branch between the loads, so that the
        // image's cache lines are fetched from memory at once rather than one by one.
        let unit = unit();
        let mut masks = [0u64; INPUTS / 8];
        for (mask, word) in masks.iter_mut().zip(pixels.chunks_exact(8)) {
            *mask = nonzero_bytes(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        }
        for (w, (word, &mask)) in pixels.chunks_exact(8).zip(&masks).enumerate() {
            let mut nonzero = mask;
            while nonzero != 0 {
                let byte = nonzero.trailing_zeros() as usize / 8;
                let i = w * 8 + byte;
                self.index.push(i as u16);
                self.value.push(unit[word[byte] as usize]);
                nonzero &= nonzero - 1;
            }
        }
        self.end_row(label);
        Ok(())
    }

    /// Adds an image given by its nonzero pixels, `index` (increasing, each below 784) and
    /// their 8-bit values `pixels` (each nonzero), with its label: the row [`Batch::push_u8`]
    /// makes of the whole image (augmentation writes its images so, without the 784 bytes).
    pub(crate) fn push_sparse(&mut self, index: &[u16], pixels: &[u8], label: u8) -> Result<()> {
        debug_assert!(index.len() == pixels.len() && index.iter().all(|&i| (i as usize) < INPUTS));
        check_label(label)?;
        self.ensure_started();
        self.index.extend_from_slice(index);
        self.value.extend(pixels.iter().map(|&p| pixel_value(p)));
        self.end_row(label);
        Ok(())
    }

    /// Empties the batch and fills it with images `indices` of `images`, with `labels[i]`
    /// the label of image i: the same rows as [`Batch::push_u8`] of the dense images.
    ///
    /// The images are scattered in memory (an epoch visits them in random order), so it
    /// first asks for all their cache lines ([`SparseImages::prefetch`]): the processor
    /// fetches them at once instead of one at a time. (The trainer also asks for the next
    /// batch's while this one trains.) A label that is not a digit is an error, and the
    /// batch then holds the rows before it.
    pub fn fill_sparse(&mut self, images: &SparseImages, indices: &[u32], labels: &[u8]) -> Result<()> {
        fill_sparse(self, images, indices, labels)
    }

    /// Adds an image of 784 values in [0, 1] with its label (a digit 0–9, or an error and
    /// the batch unchanged).
    pub fn push_f32(&mut self, pixels: &[f32], label: u8) -> Result<()> {
        debug_assert_eq!(pixels.len(), INPUTS);
        check_label(label)?;
        self.ensure_started();
        for (i, &p) in pixels.iter().enumerate() {
            if p != 0.0 {
                self.index.push(i as u16);
                self.value.push(p);
            }
        }
        self.end_row(label);
        Ok(())
    }

    fn ensure_started(&mut self) {
        if self.start.is_empty() {
            self.start.push(0);
        }
    }

    /// Closes the row being added, with its label (already checked by [`check_label`]).
    fn end_row(&mut self, label: u8) {
        self.start.push(self.index.len());
        self.labels.push(label);
    }

    /// B, the number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the batch holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The labels, one per image, each a digit 0–9.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// Every row's nonzero pixels at once: (start, index), row b's indices at `index[start[b]..start[b + 1]]`.
    pub(crate) fn indices(&self) -> (&[usize], &[u16]) {
        (&self.start, &self.index)
    }

    /// Row b's nonzero pixels: (indices, values), the indices increasing.
    #[inline(always)]
    pub(crate) fn row(&self, b: usize) -> (&[u16], &[f32]) {
        let r = self.start[b]..self.start[b + 1];
        (&self.index[r.clone()], &self.value[r])
    }

    /// Row b's label as an index into the ten outputs (below 10: checked when the row was added).
    #[inline(always)]
    pub(crate) fn label(&self, b: usize) -> usize {
        self.labels[b] as usize
    }
}

/// A label that is not a digit 0–9 is refused where a row is added (and wherever a label comes
/// from outside).
pub(crate) fn check_label(label: u8) -> Result<()> {
    if (label as usize) < OUTPUTS {
        Ok(())
    } else {
        Err(Error::Mismatch { what: message!("core.idx.label", "label {label} is not a digit 0-9", label = label) })
    }
}

/// An image from outside: 784 numbers in [0, 1] (NaN, ±∞ and anything outside refused).
pub fn check_image(a0: &[f32]) -> Result<()> {
    if a0.len() != INPUTS {
        return Err(Error::Mismatch {
            what: message!(
                "core.imageSize",
                "an image has {pixels} pixels, not {given}",
                pixels = INPUTS,
                given = a0.len()
            ),
        });
    }
    if let Some(i) = a0.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(Error::Mismatch {
            what: message!(
                "core.pixelRange",
                "pixel {pixel} of the image is {value}: pixels are numbers from 0 to 1",
                pixel = i,
                value = a0[i]
            ),
        });
    }
    Ok(())
}

/// Loss and accuracy of one batch.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BatchStats {
    /// Σ_b L_b over the batch (not the mean), in f64 so that epochs add up exactly enough.
    pub loss_sum: f64,
    /// How many rows the network classified correctly.
    pub correct: usize,
    /// B.
    pub count: usize,
}

impl BatchStats {
    /// Adds another batch's figures to these.
    pub fn add(&mut self, other: BatchStats) {
        self.loss_sum += other.loss_sum;
        self.correct += other.correct;
        self.count += other.count;
    }
}

/// Images (n × 784 bytes) stored once as their nonzero pixels, so that a batch is filled
/// by copying rather than by scanning 784 bytes per image.
///
/// Image i is one record, `bytes[start[i]..start[i + 1]]`: the indices of its k nonzero
/// pixels (k little-endian u16, increasing) then their k 8-bit values. An epoch visits the
/// images in random order, so each image's pixels lie together: a few neighbouring cache
/// lines in one memory page, rather than three arrays' worth of scattered ones.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SparseImages {
    start: Vec<usize>,
    bytes: Vec<u8>,
}

impl SparseImages {
    /// The nonzero pixels of `images`, n × 784 bytes (a trailing partial image is ignored).
    pub fn from_u8(images: &[u8]) -> SparseImages {
        let mut sparse = SparseImages { start: vec![0], bytes: Vec::with_capacity(images.len() / 2) };
        let mut batch = Batch::with_capacity(1);
        for image in images.chunks_exact(INPUTS) {
            batch.clear();
            batch.push_u8(image, 0).expect("0 is a digit");
            sparse.bytes.extend(batch.index.iter().flat_map(|i| i.to_le_bytes()));
            sparse.bytes.extend(batch.index.iter().map(|&i| image[i as usize]));
            sparse.start.push(sparse.bytes.len());
        }
        sparse
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    /// True when there is no image.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Image i's record: (indices as 2k bytes, values as k bytes).
    #[inline(always)]
    fn record(&self, i: usize) -> (&[u8], &[u8]) {
        let record = &self.bytes[self.start[i]..self.start[i + 1]];
        record.split_at(record.len() / 3 * 2)
    }

    /// Asks the processor to fetch where image i's record starts and ends, without waiting.
    #[inline(always)]
    pub fn prefetch_bounds(&self, i: usize) {
        prefetch(&self.start[i]);
        prefetch(&self.start[i + 1]);
    }

    /// Asks the processor to fetch image i's pixels into its caches, without waiting for them.
    #[inline(always)]
    pub fn prefetch(&self, i: usize) {
        let (start, end) = (self.start[i], self.start[i + 1]);
        for k in (start..end).step_by(64) {
            prefetch(&self.bytes[k]);
        }
        if end > start {
            prefetch(&self.bytes[end - 1]);
        }
    }
}

simd_versions! {
    /// [`Batch::fill_sparse`], the pixels' conversion to floats in the widest SIMD registers.
    fn fill_sparse(batch: &mut Batch, images: &SparseImages, indices: &[u32], labels: &[u8]) -> Result<()> = fill_sparse_body;
}

#[inline(always)]
fn fill_sparse_body(batch: &mut Batch, images: &SparseImages, indices: &[u32], labels: &[u8]) -> Result<()> {
    batch.clear();
    for &i in indices {
        images.prefetch(i as usize);
    }
    for &i in indices {
        let label = labels[i as usize];
        check_label(label)?;
        let (index, value) = images.record(i as usize);
        // Each row written in place after growing the vectors once (`extend` with a map checks
        // the capacity per element, and then runs one element at a time).
        let start = batch.index.len();
        batch.index.resize(start + value.len(), 0);
        for (to, from) in batch.index[start..].iter_mut().zip(index.chunks_exact(2)) {
            *to = u16::from_le_bytes([from[0], from[1]]);
        }
        // Computed in SIMD registers.
        batch.value.resize(start + value.len(), 0.0);
        for (to, &p) in batch.value[start..].iter_mut().zip(value) {
            *to = pixel_value(p);
        }
        batch.end_row(label);
    }
    Ok(())
}

/// [`crate::kernels::prefetch`] into the outer caches (T2) rather than the first level: the batch after this one is
/// fetched while this one trains, and would only push w1 out of the first-level cache.
///
/// In wasm, which has no prefetch, a load of x whose value is kept (`black_box`) stands in for one: the loads of a
/// batch's records, one after another with nothing that waits for them, go out to memory together, where each
/// image's copy into the batch waited for its own record. (Measured in Chromium 156 at h = 256, `perf` samples of
/// alternating runs of 3 epochs: [`Batch::fill_sparse`] and the trainer's step, which now holds the next batch's
/// loads, went from 6–13% of the samples of the two passes' to 3–5%.)
#[inline(always)]
fn prefetch<T: Copy>(x: &T) {
    #[cfg(target_arch = "wasm32")]
    std::hint::black_box(*x);
    #[cfg(not(target_arch = "wasm32"))]
    crate::kernels::prefetch::<{ crate::kernels::OUTER_CACHES }, T>(x);
}

/// The high bit of each nonzero byte of x, the other bits clear: (b & 0x7f) + 0x7f
/// carries into bit 7 exactly when the low seven bits of b are not all zero, and never
/// into the next byte.
#[inline(always)]
fn nonzero_bytes(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    (((x & LOW7) + LOW7) | x) & !LOW7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_u8_keeps_exactly_the_nonzero_pixels() {
        let mut image = vec![0u8; INPUTS];
        for (i, p) in [(0, 1u8), (7, 255), (8, 128), (63, 127), (64, 3), (700, 200), (783, 9)] {
            image[i] = p;
        }
        let mut batch = Batch::with_capacity(2);
        batch.push_u8(&image, 4).unwrap();
        batch.push_u8(&vec![0; INPUTS], 5).unwrap();
        let (index, value) = batch.row(0);
        assert_eq!(index, [0, 7, 8, 63, 64, 700, 783]);
        assert_eq!(value, [1.0 / 255.0, 1.0, 128.0 / 255.0, 127.0 / 255.0, 3.0 / 255.0, 200.0 / 255.0, 9.0 / 255.0]);
        assert_eq!(batch.row(1).0.len(), 0);
        // The same through the batch filler, which picks images by index from their records.
        let sparse = SparseImages::from_u8(&[image.clone(), vec![0; INPUTS], image.clone()].concat());
        assert_eq!(sparse.len(), 3);
        let mut filled = Batch::with_capacity(2);
        filled.fill_sparse(&sparse, &[2, 1], &[0, 5, 4]).unwrap();
        assert_eq!((&filled.start, &filled.index, &filled.value), (&batch.start, &batch.index, &batch.value));
        assert_eq!(filled.labels, [4, 5]);
        // Every byte value, in every position of a word.
        for p in 0..=255u8 {
            for shift in 0..8 {
                assert_eq!(nonzero_bytes((p as u64) << (8 * shift)) != 0, p != 0);
            }
        }
    }

    #[test]
    fn a_label_that_is_not_a_digit_is_refused_where_the_row_is_added() {
        let image = vec![7u8; INPUTS];
        let mut batch = Batch::with_capacity(2);
        batch.push_u8(&image, 9).unwrap();
        let err = batch.push_u8(&image, 10).unwrap_err();
        assert_eq!(err.to_string(), "label 10 is not a digit 0-9");
        assert!(batch.push_f32(&[0.5; INPUTS], 255).is_err());
        assert_eq!((batch.len(), batch.labels()), (1, &[9][..]), "a refused row is not added");
        let sparse = SparseImages::from_u8(&[image.clone(), image].concat());
        let err = batch.fill_sparse(&sparse, &[0, 1], &[3, 12]).unwrap_err();
        assert_eq!(err.to_string(), "label 12 is not a digit 0-9");
        assert_eq!(batch.labels(), [3]);
    }
}
