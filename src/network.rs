//! The network: its parameters (w1, b1, w2, b2) and the forward pass, backward
//! pass and SGD update, one equation per step.
//!
//! # Conventions
//! A batch is a matrix whose B rows are samples (row vectors), so the tutorial's
//! column-vector equations z1 = w1·a0 + b1 read here as z1 = a0·w1 + b1 with w1
//! of shape (784, h): the transpose of the tutorial's h×784. Row i of w1 holds
//! the weights from pixel i to every hidden unit, so an input pixel that is zero
//! (80% of MNIST) skips a whole contiguous row, in the forward pass and in the
//! gradient. The equations, in this convention:
//!
//! | step | equation | shapes |
//! |---|---|---|
//! | hidden | z1 = a0·w1 + b1, a1 = f(z1) | (B,784)·(784,h) + (h) → (B,h) |
//! | output | z2 = a1·w2 + b2, a2 = softmax(z2) | (B,h)·(h,10) + (10) → (B,10) |
//! | loss | L = −(1/B) Σ_b Σ_k y_bk ln a2_bk | scalar |
//! | output error | δ2 = ∂L/∂z2 = (a2 − y)/B | (B,10) |
//! | | ∂L/∂w2 = a1ᵀ·δ2, ∂L/∂b2 = Σ_b δ2 | (h,10), (10) |
//! | hidden error | δ1 = ∂L/∂z1 = (δ2·w2ᵀ) ⊙ f'(z1) | (B,h) |
//! | | ∂L/∂w1 = a0ᵀ·δ1, ∂L/∂b1 = Σ_b δ1 | (784,h), (h) |
//! | update | θ ← θ − η·∂L/∂θ for θ in w1, b1, w2, b2 | |
//!
//! With B = 1 this is exactly the tutorial's per-sample step.
//!
//! The training step adds each sample's share of the w1 update, −η·a0_bᵀ·δ1_b, straight
//! into w1 rather than first summing ∂L/∂w1 in a buffer of its own: the same sum, in a
//! different order of rounding, with half the memory traffic (w1 is read in the forward
//! pass, then written once per nonzero pixel; no gradient rows to clear or read back).
//! [`Network::gradient`] computes ∂L/∂w1 itself with the same code, a buffer in place of w1.

use crate::error::{Error, Result};
use crate::kernels::{add_outer, axmy, axpy, reference, simd_versions, vec_mat, vec_mat_exact, BLOCK};
use crate::math::{argmax, cross_entropy, softmax, Activation};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Pixels in an input image (28×28).
pub const INPUTS: usize = 784;
/// Output classes (the digits 0–9).
pub const OUTPUTS: usize = 10;
/// The largest hidden layer accepted from outside (the command line, the page, a model file).
pub const MAX_HIDDEN: usize = 4096;

/// How the parameters start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// Every weight and bias uniform in [−1, 1], as the tutorial does.
    Uniform,
    /// Weights uniform in [−r, r] scaled to the layer (Xavier/Glorot r = √(6/(fan_in + fan_out))
    /// for sigmoid, He r = √(6/fan_in) for ReLU); biases zero.
    Scaled,
}

impl Init {
    /// The name used on the command line and in the page.
    pub fn name(self) -> &'static str {
        match self {
            Init::Uniform => "uniform",
            Init::Scaled => "scaled",
        }
    }

    /// Parses `uniform` or `scaled` (`xavier` and `he` are accepted for `scaled`).
    pub fn from_name(name: &str) -> Option<Init> {
        match name {
            "uniform" => Some(Init::Uniform),
            "scaled" | "xavier" | "he" => Some(Init::Scaled),
            _ => None,
        }
    }
}

/// The network 784 → h → 10: all parameters in one contiguous buffer, in the
/// order w1 (784×h, row-major), b1 (h), w2 (h×10, row-major), b2 (10), so that
/// the update is one loop and the model file is one slice.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    hidden: usize,
    activation: Activation,
    params: Vec<f32>,
}

/// The number of parameters of a network with `hidden` units: 784h + h + 10h + 10.
pub fn parameter_count(hidden: usize) -> usize {
    INPUTS * hidden + hidden + hidden * OUTPUTS + OUTPUTS
}

/// Checks a hidden-layer size from outside.
pub fn check_hidden(hidden: usize) -> Result<()> {
    if (1..=MAX_HIDDEN).contains(&hidden) {
        Ok(())
    } else {
        Err(Error::setting("hidden units", format!("{hidden} is outside the allowed range 1 to {MAX_HIDDEN}")))
    }
}

impl Network {
    /// A new network with parameters drawn by `init` from `rng`.
    pub fn new(hidden: usize, activation: Activation, init: Init, rng: &mut impl Rng) -> Result<Network> {
        check_hidden(hidden)?;
        let mut params = vec![0.0; parameter_count(hidden)];
        let mut net = Network { hidden, activation, params: Vec::new() };
        match init {
            Init::Uniform => params.iter_mut().for_each(|p| *p = rng.random_range(-1.0..=1.0)),
            Init::Scaled => {
                let r1 = scaled_range(activation, INPUTS, hidden);
                let r2 = scaled_range(activation, hidden, OUTPUTS);
                let (w1, w2) = (net.w1_range(), net.w2_range());
                params[w1].iter_mut().for_each(|p| *p = rng.random_range(-r1..=r1));
                params[w2].iter_mut().for_each(|p| *p = rng.random_range(-r2..=r2));
            }
        }
        net.params = params;
        Ok(net)
    }

    /// A network from its parameters, laid out as [`Network::params`] describes.
    pub fn from_params(hidden: usize, activation: Activation, params: Vec<f32>) -> Result<Network> {
        check_hidden(hidden)?;
        if params.len() != parameter_count(hidden) {
            return Err(Error::Mismatch {
                what: format!(
                    "a network with {hidden} hidden units has {} parameters, not {}",
                    parameter_count(hidden),
                    params.len()
                ),
            });
        }
        Ok(Network { hidden, activation, params })
    }

    /// h, the number of hidden units.
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// f, the hidden activation.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// All parameters: w1 (784×h) | b1 (h) | w2 (h×10) | b2 (10).
    pub fn params(&self) -> &[f32] {
        &self.params
    }

    /// All parameters, mutable (for the gradient check and for loading).
    pub fn params_mut(&mut self) -> &mut [f32] {
        &mut self.params
    }

    fn w1_range(&self) -> std::ops::Range<usize> {
        0..INPUTS * self.hidden
    }
    fn b1_range(&self) -> std::ops::Range<usize> {
        let s = INPUTS * self.hidden;
        s..s + self.hidden
    }
    fn w2_range(&self) -> std::ops::Range<usize> {
        let s = (INPUTS + 1) * self.hidden;
        s..s + self.hidden * OUTPUTS
    }
    fn b2_range(&self) -> std::ops::Range<usize> {
        let s = (INPUTS + 1 + OUTPUTS) * self.hidden;
        s..s + OUTPUTS
    }

    /// w1, shape (784, h): w1[i·h + j] is the weight from pixel i to hidden unit j.
    pub fn w1(&self) -> &[f32] {
        &self.params[self.w1_range()]
    }
    /// b1, shape (h).
    pub fn b1(&self) -> &[f32] {
        &self.params[self.b1_range()]
    }
    /// w2, shape (h, 10): w2[j·10 + k] is the weight from hidden unit j to output k.
    pub fn w2(&self) -> &[f32] {
        &self.params[self.w2_range()]
    }
    /// b2, shape (10).
    pub fn b2(&self) -> &[f32] {
        &self.params[self.b2_range()]
    }

    /// The four tensors as (name, values) in storage order, for checks and reports.
    pub fn tensors(&self) -> [(&'static str, &[f32]); 4] {
        [("w1", self.w1()), ("b1", self.b1()), ("w2", self.w2()), ("b2", self.b2())]
    }

    /// a2 = softmax(f(a0·w1 + b1)·w2 + b2) for one image of 784 pixels in [0, 1]:
    /// the ten probabilities.
    pub fn predict(&self, a0: &[f32]) -> [f32; OUTPUTS] {
        self.predict_with_hidden(a0).1
    }

    /// The forward pass for one image, keeping a1 (h), the hidden activations, as well as a2 (10).
    pub fn predict_with_hidden(&self, a0: &[f32]) -> (Vec<f32>, [f32; OUTPUTS]) {
        let mut a1 = vec![0.0; self.hidden];
        let a2 = predict_one(self, a0, &mut a1);
        (a1, a2)
    }

    /// The forward pass over a batch: fills `ws` with z1, a1, z2, a2 and each row's
    /// loss, and returns the sum of the losses and the number of correct predictions.
    pub fn evaluate_batch(&self, batch: &Batch, ws: &mut Workspace) -> BatchStats {
        forward(self, batch, ws)
    }

    /// The mean loss L over `batch` and its gradient ∂L/∂θ, laid out like [`Network::params`].
    /// The reference the fast training step is checked against.
    pub fn gradient(&self, batch: &Batch) -> (f32, Vec<f32>) {
        let mut ws = Workspace::default();
        let stats = forward(self, batch, &mut ws);
        let mut grad = vec![0.0; self.params.len()];
        let (dw1, rest) = grad.split_at_mut(self.b1_range().start);
        gradient_into(self, batch, &mut ws, dw1);
        rest.copy_from_slice(&ws.grad_rest);
        (stats.loss_sum as f32 / batch.len() as f32, grad)
    }

    /// The same loss and gradient as [`Network::gradient`], computed by plain loops over
    /// the equations of the module's table, on dense images, with the plain kernels of
    /// [`reference`](crate::kernels::reference): slow and obviously right, the reference
    /// the fast path is tested against. The two agree to float rounding (they add in
    /// different orders); see the tests.
    pub fn reference_gradient(&self, batch: &Batch) -> (f32, Vec<f32>) {
        let h = self.hidden;
        let mut grad = vec![0.0; self.params.len()];
        let (b1_start, w2_range, b2_range) = (self.b1_range().start, self.w2_range(), self.b2_range());
        let every_pixel: Vec<u16> = (0..INPUTS as u16).collect();
        let every_unit: Vec<u16> = (0..h as u16).collect();
        let rows = batch.len();
        let mut loss = 0.0;
        for b in 0..rows {
            let mut a0 = vec![0.0; INPUTS];
            let (index, value) = batch.row(b);
            for (&i, &v) in index.iter().zip(value) {
                a0[i as usize] = v;
            }
            // Forward: z1 = a0·w1 + b1, a1 = f(z1), z2 = a1·w2 + b2, a2 = softmax(z2).
            let mut z1 = vec![0.0; h];
            reference::vec_mat(&mut z1, self.b1(), &every_pixel, &a0, self.w1());
            let mut a1 = vec![0.0; h];
            self.activation.apply(&z1, &mut a1);
            let mut z2 = [0.0; OUTPUTS];
            reference::vec_mat(&mut z2, self.b2(), &every_unit, &a1, self.w2());
            let mut a2 = [0.0; OUTPUTS];
            let lse = softmax(&z2, &mut a2);
            let label = batch.labels[b] as usize;
            loss += cross_entropy(lse, &z2, label);
            // Backward: δ2 = (a2 − y)/B; δ1_j = Σ_k w2_jk·δ2_k·f'(z1_j).
            let mut d2 = a2;
            d2[label] -= 1.0;
            d2.iter_mut().for_each(|d| *d /= rows as f32);
            let mut d1: Vec<f32> =
                (0..h).map(|j| (0..OUTPUTS).map(|k| self.w2()[j * OUTPUTS + k] * d2[k]).sum()).collect();
            self.activation.times_derivative(&a1, &mut d1);
            // ∂L/∂w1 += a0ᵀ·δ1, ∂L/∂b1 += δ1, ∂L/∂w2 += a1ᵀ·δ2, ∂L/∂b2 += δ2.
            reference::add_outer(&mut grad[..b1_start], &every_pixel, &a0, &d1);
            reference::add_outer(&mut grad[b1_start..w2_range.start], &[0], &[1.0], &d1);
            reference::add_outer(&mut grad[w2_range.clone()], &every_unit, &a1, &d2);
            reference::add_outer(&mut grad[b2_range.clone()], &[0], &[1.0], &d2);
        }
        (loss / rows as f32, grad)
    }

    /// One SGD step on `batch` with learning rate η: forward, backward, then
    /// θ ← θ − η·∂L/∂θ. Returns the batch's loss and accuracy measured *before* the step.
    /// (w1's step is added sample by sample as the backward pass goes: see the module's notes.)
    ///
    /// If the loss is not finite the parameters are left untouched and the error
    /// says so (the learning rate is too large).
    pub fn train_batch(&mut self, batch: &Batch, learning_rate: f32, ws: &mut Workspace) -> Result<BatchStats> {
        train_step(self, batch, learning_rate, ws)
    }
}

fn scaled_range(activation: Activation, fan_in: usize, fan_out: usize) -> f32 {
    match activation {
        Activation::Sigmoid => (6.0 / (fan_in + fan_out) as f32).sqrt(),
        Activation::Relu => (6.0 / fan_in as f32).sqrt(),
    }
}

/// An 8-bit pixel (0 = background, 255 = ink) as the network's input value in [0, 1]: p / 255.
#[inline(always)]
pub const fn pixel_value(p: u8) -> f32 {
    p as f32 / 255.0
}

/// `UNIT[p] = pixel_value(p)`, looked up where pixels come one at a time.
static UNIT: [f32; 256] = {
    let mut table = [0.0; 256];
    let mut p = 0;
    while p < 256 {
        table[p] = pixel_value(p as u8);
        p += 1;
    }
    table
};

/// A batch of images stored sparsely (only nonzero pixels), with their labels.
/// Built once per batch from 8-bit or float images; pixel values are in [0, 1].
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Row b's nonzero pixels are `index[start[b]..start[b + 1]]`, `value[..]` likewise.
    start: Vec<usize>,
    index: Vec<u16>,
    value: Vec<f32>,
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

    /// Adds an image of 784 bytes (0 = background, 255 = ink) with its label.
    ///
    /// Reads the image eight pixels at a time: `nonzero_bytes` marks the nonzero bytes
    /// of a word, and only those are visited, so the 80% of zero pixels cost little.
    pub fn push_u8(&mut self, pixels: &[u8], label: u8) {
        debug_assert_eq!(pixels.len(), INPUTS);
        self.ensure_started();
        self.index.reserve(INPUTS);
        self.value.reserve(INPUTS);
        // First all the words' masks, with no branch between the loads, so that the
        // image's cache lines are fetched from memory at once rather than one by one.
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
                self.value.push(UNIT[word[byte] as usize]);
                nonzero &= nonzero - 1;
            }
        }
        self.end_row(label);
    }

    /// Empties the batch and fills it with images `indices` of `images`, with `labels[i]`
    /// the label of image i: the same rows as [`Batch::push_u8`] of the dense images.
    ///
    /// The images are scattered in memory (an epoch visits them in random order), so it
    /// first asks for all their cache lines ([`SparseImages::prefetch`]): the processor
    /// fetches them at once instead of one at a time. (The trainer also asks for the next
    /// batch's while this one trains.)
    pub fn fill_sparse(&mut self, images: &SparseImages, indices: &[u32], labels: &[u8]) {
        fill_sparse(self, images, indices, labels)
    }

    /// Adds image `i` of `images` with its label: the same row as [`Batch::push_u8`] of the
    /// dense image.
    #[inline(always)]
    pub fn push_sparse(&mut self, images: &SparseImages, i: usize, label: u8) {
        self.ensure_started();
        let (index, value) = images.record(i);
        self.index.extend(index.chunks_exact(2).map(|i| u16::from_le_bytes([i[0], i[1]])));
        // Computed rather than looked up in `UNIT`, so that it runs in SIMD registers.
        self.value.extend(value.iter().map(|&p| pixel_value(p)));
        self.end_row(label);
    }

    /// Adds an image of 784 values in [0, 1] with its label.
    pub fn push_f32(&mut self, pixels: &[f32], label: u8) {
        debug_assert_eq!(pixels.len(), INPUTS);
        self.ensure_started();
        for (i, &p) in pixels.iter().enumerate() {
            if p != 0.0 {
                self.index.push(i as u16);
                self.value.push(p);
            }
        }
        self.end_row(label);
    }

    fn ensure_started(&mut self) {
        if self.start.is_empty() {
            self.start.push(0);
        }
    }

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

    /// The labels, one per image.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// Row b's nonzero pixels: (indices, values).
    #[inline(always)]
    fn row(&self, b: usize) -> (&[u16], &[f32]) {
        let r = self.start[b]..self.start[b + 1];
        (&self.index[r.clone()], &self.value[r])
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
            batch.push_u8(image, 0);
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

/// A hint that `*x` will be read soon: fetch its cache line now, without waiting for it
/// (a load would wait). Nothing where the processor has no such instruction. The line goes
/// to the outer caches (T2) rather than the first level: the batch after this one is
/// fetched while this one trains, and would only push w1 out of the first-level cache.
#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and changes nothing but the caches; SSE is always there on x86-64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T2 }>((x as *const T).cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// The high bit of each nonzero byte of x, the other bits clear: (b & 0x7f) + 0x7f
/// carries into bit 7 exactly when the low seven bits of b are not all zero, and never
/// into the next byte.
#[inline(always)]
fn nonzero_bytes(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    (((x & LOW7) + LOW7) | x) & !LOW7
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

/// The scratch memory of a forward and backward pass, reused from batch to batch.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// (B, h) pre-activations and activations of the hidden layer.
    z1: Vec<f32>,
    a1: Vec<f32>,
    /// (B, 10) logits and probabilities; `a2` becomes δ2 in the backward pass.
    z2: Vec<f32>,
    a2: Vec<f32>,
    /// (B) logsumexp(z2) per row.
    lse: Vec<f32>,
    /// (B, h) δ1.
    d1: Vec<f32>,
    /// ∂L/∂θ for θ = b1, w2, b2, laid out like the parameters after w1.
    grad_rest: Vec<f32>,
    /// (h) the step one sample adds to w1's rows: scale·δ1_b.
    step: Vec<f32>,
    /// (10, B) δ2ᵀ and (10, h) (∂L/∂w2)ᵀ.
    d2t: Vec<f32>,
    dw2t: Vec<f32>,
    /// 0, 1, …, min(B, 2¹⁶) − 1: rows of a batch as the indices of a dense vector for the kernels.
    samples: Vec<u16>,
    /// w2ᵀ, shape (10, h), copied from w2 for each backward pass.
    w2t: Vec<f32>,
    /// 0, 1, 2, …, max(h, 10) − 1: the indices of a dense row vector for the kernels.
    units: Vec<u16>,
    /// h zeros.
    zeros: Vec<f32>,
}

impl Workspace {
    /// The probabilities a2 of the last forward pass, B rows of 10.
    pub fn probabilities(&self) -> &[f32] {
        &self.a2
    }

    /// The hidden activations a1 of the last forward pass, B rows of h.
    pub fn hidden_activations(&self) -> &[f32] {
        &self.a1
    }

    /// Sizes the forward pass's arrays for `rows` rows of `hidden` units.
    fn resize(&mut self, rows: usize, hidden: usize) {
        self.z1.resize(rows * hidden, 0.0);
        self.a1.resize(rows * hidden, 0.0);
        self.z2.resize(rows * OUTPUTS, 0.0);
        self.a2.resize(rows * OUTPUTS, 0.0);
        self.lse.resize(rows, 0.0);
        let units = hidden.max(OUTPUTS);
        if self.units.len() != units {
            self.units = (0..units as u16).collect();
        }
    }

    /// Sizes the backward pass's arrays for `rows` rows of `hidden` units.
    fn resize_backward(&mut self, rows: usize, hidden: usize) {
        self.d1.resize(rows * hidden, 0.0);
        self.w2t.resize(OUTPUTS * hidden, 0.0);
        self.zeros.resize(hidden, 0.0);
        self.step.resize(hidden, 0.0);
        self.d2t.resize(OUTPUTS * rows, 0.0);
        self.dw2t.resize(OUTPUTS * hidden, 0.0);
        let samples = rows.min(SAMPLES_PER_RUN);
        if self.samples.len() != samples {
            self.samples = (0..samples).map(|b| b as u16).collect();
        }
        self.grad_rest.resize(hidden + hidden * OUTPUTS + OUTPUTS, 0.0);
    }
}

/// The most rows one u16 index list can name.
const SAMPLES_PER_RUN: usize = 1 << 16;

/// Calls `$f::<H>($args)` with H = the hidden width `$hidden` for the widths listed, and
/// H = 0 (meaning: read the width at run time) for the others. With the width a constant,
/// the compiler lays out each row of w1 as fixed vector pieces (28 = 16 + 8 + 4 lanes) with
/// no loop, branch or bounds test per pixel (an epoch at h = 28 went from 0.081 s to 0.066 s
/// with this alone). The same code runs either way, with the same results to the bit.
macro_rules! for_hidden_width {
    ($hidden:expr, $f:ident($($arg:expr),* $(,)?)) => {
        match $hidden {
            // (In the browser only the tutorial's 28, the page's default: each width is another
            // copy of the training step in the download.)
            #[cfg(not(target_arch = "wasm32"))]
            16 => $f::<16>($($arg),*),
            28 => $f::<28>($($arg),*),
            #[cfg(not(target_arch = "wasm32"))]
            32 => $f::<32>($($arg),*),
            _ => $f::<0>($($arg),*),
        }
    };
}

/// The hidden width for code compiled with width `H` ([`for_hidden_width!`]): H, or the
/// network's own when H = 0.
#[inline(always)]
fn width<const H: usize>(hidden: usize) -> usize {
    if H == 0 {
        hidden
    } else {
        debug_assert_eq!(H, hidden);
        H
    }
}

/// out = init + Σ_t value[t]·m[index[t], :] ([`vec_mat`]), with n = out.len() = H a constant
/// (exact pieces, [`vec_mat_exact`]) or known only at run time (H = 0: whole blocks).
#[inline(always)]
fn product<const H: usize>(out: &mut [f32], init: &[f32], index: &[u16], value: &[f32], m: &[f32]) {
    if H != 0 && H <= BLOCK {
        vec_mat_exact(out, init, index, value, m)
    } else {
        vec_mat(out, init, index, value, m)
    }
}

simd_versions! {
    /// [`Batch::fill_sparse`].
    fn fill_sparse(batch: &mut Batch, images: &SparseImages, indices: &[u32], labels: &[u8]) -> () = fill_sparse_inline;
}

#[inline(always)]
fn fill_sparse_inline(batch: &mut Batch, images: &SparseImages, indices: &[u32], labels: &[u8]) {
    batch.clear();
    for &i in indices {
        images.prefetch(i as usize);
    }
    for &i in indices {
        batch.push_sparse(images, i as usize, labels[i as usize]);
    }
}

simd_versions! {
    /// The forward pass over a batch (see the module's table):
    /// z1 = a0·w1 + b1, a1 = f(z1), z2 = a1·w2 + b2, a2 = softmax(z2), L_b = logsumexp(z2_b) − z2_b,y.
    fn forward(net: &Network, batch: &Batch, ws: &mut Workspace) -> BatchStats = forward_inline;
}

simd_versions! {
    /// The backward pass after [`forward`]: ∂L/∂w1 of the mean loss added into `dw1`
    /// (zero on entry), ∂L/∂b1, ∂L/∂w2, ∂L/∂b2 into `ws.grad_rest`.
    fn gradient_into(net: &Network, batch: &Batch, ws: &mut Workspace, dw1: &mut [f32]) -> () = gradient_into_inline;
}

simd_versions! {
    /// forward, backward and update in one compiled unit (the training hot path).
    fn train_step(net: &mut Network, batch: &Batch, learning_rate: f32, ws: &mut Workspace) -> Result<BatchStats> = train_step_inline;
}

simd_versions! {
    /// The forward pass for one image (the same steps and sums as [`forward`], without a
    /// [`Batch`] or a [`Workspace`] to allocate): fills a1 (h) and returns a2 (10).
    fn predict_one(net: &Network, a0: &[f32], a1: &mut [f32]) -> [f32; OUTPUTS] = predict_one_inline;
}

#[inline(always)]
fn predict_one_inline(net: &Network, a0: &[f32], a1: &mut [f32]) -> [f32; OUTPUTS] {
    assert_eq!(a0.len(), INPUTS);
    let h = net.hidden;
    // The nonzero pixels of a0, written without a branch per pixel: each is stored at n,
    // and n moves on only past the nonzero ones.
    let (mut index, mut value, mut n) = ([0u16; INPUTS + 1], [0.0f32; INPUTS + 1], 0);
    for (i, &p) in a0.iter().enumerate() {
        (index[n], value[n]) = (i as u16, p);
        n += (p != 0.0) as usize;
    }
    // z1 = a0·w1 + b1, a1 = f(z1), z2 = a1·w2 + b2, a2 = softmax(z2).
    let mut z1 = vec![0.0; h];
    vec_mat(&mut z1, net.b1(), &index[..n], &value[..n], net.w1());
    net.activation.apply(&z1, a1);
    let units: Vec<u16> = (0..h as u16).collect();
    let (mut z2, mut a2) = ([0.0; OUTPUTS], [0.0; OUTPUTS]);
    vec_mat(&mut z2, net.b2(), &units, a1, net.w2());
    softmax(&z2, &mut a2);
    a2
}

#[inline(always)]
fn forward_inline(net: &Network, batch: &Batch, ws: &mut Workspace) -> BatchStats {
    for_hidden_width!(net.hidden, forward_h(net, batch, ws))
}

#[inline(always)]
fn gradient_into_inline(net: &Network, batch: &Batch, ws: &mut Workspace, dw1: &mut [f32]) {
    for_hidden_width!(net.hidden, backward_h(net.hidden, net.activation, net.w2(), batch, ws, dw1, 1.0))
}

#[inline(always)]
fn train_step_inline(net: &mut Network, batch: &Batch, learning_rate: f32, ws: &mut Workspace) -> Result<BatchStats> {
    for_hidden_width!(net.hidden, train_step_h(net, batch, learning_rate, ws))
}

/// One SGD step, with h the hidden width (`net.hidden`, a constant where it can be).
#[inline(always)]
fn train_step_h<const H: usize>(
    net: &mut Network,
    batch: &Batch,
    learning_rate: f32,
    ws: &mut Workspace,
) -> Result<BatchStats> {
    let h = width::<H>(net.hidden);
    let stats = forward_h::<H>(net, batch, ws);
    if !stats.loss_sum.is_finite() {
        return Err(Error::Diverged { epoch: 0, batch: Some(0), loss: stats.loss_sum as f32 });
    }
    let activation = net.activation;
    let (w1, rest) = net.params.split_at_mut(INPUTS * h);
    // w1 ← w1 − η·∂L/∂w1, added row by row in the backward pass ...
    backward_h::<H>(h, activation, &rest[h..h + h * OUTPUTS], batch, ws, w1, -learning_rate);
    // ... then b1, w2, b2 ← θ − η·∂L/∂θ.
    axmy(rest, learning_rate, &ws.grad_rest);
    Ok(stats)
}

/// The forward pass over a batch, with h the hidden width (`net.hidden`).
#[inline(always)]
fn forward_h<const H: usize>(net: &Network, batch: &Batch, ws: &mut Workspace) -> BatchStats {
    let (h, rows) = (width::<H>(net.hidden), batch.len());
    ws.resize(rows, h);
    let (w1, b1, w2, b2) = (net.w1(), net.b1(), net.w2(), net.b2());
    let mut stats = BatchStats { count: rows, ..BatchStats::default() };
    for b in 0..rows {
        // z1_b = a0_b·w1 + b1: (784)·(784, h) + (h) → (h), over the nonzero pixels of a0_b only.
        let z1 = &mut ws.z1[b * h..(b + 1) * h];
        let (index, value) = batch.row(b);
        product::<H>(z1, b1, index, value, w1);
        // a1_b = f(z1_b): (h).
        let a1 = &mut ws.a1[b * h..(b + 1) * h];
        net.activation.apply(z1, a1);
        // z2_b = a1_b·w2 + b2: (h)·(h, 10) + (10) → (10).
        let z2 = &mut ws.z2[b * OUTPUTS..(b + 1) * OUTPUTS];
        vec_mat_exact(z2, b2, &ws.units[..h], a1, w2);
        // a2_b = softmax(z2_b); L_b = logsumexp(z2_b) − z2_b,y.
        let a2 = &mut ws.a2[b * OUTPUTS..(b + 1) * OUTPUTS];
        let lse = softmax(z2, a2);
        ws.lse[b] = lse;
        let label = batch.labels[b] as usize;
        stats.loss_sum += cross_entropy(lse, z2, label.min(OUTPUTS - 1)) as f64;
        stats.correct += (argmax(a2) == label) as usize;
    }
    stats
}

/// The backward pass after [`forward_h`], with h the hidden width and w2 (h, 10):
/// `w1_sink` += scale·∂L/∂w1 (784, h), and `ws.grad_rest` = ∂L/∂b1, ∂L/∂w2, ∂L/∂b2.
///
/// With `w1_sink` a zeroed buffer and scale 1 this is ∂L/∂w1 (scale·δ1 is exactly δ1); with
/// `w1_sink` = w1 and scale = −η it is w1's SGD step, added one sample at a time.
#[inline(always)]
fn backward_h<const H: usize>(
    hidden: usize,
    activation: Activation,
    w2: &[f32],
    batch: &Batch,
    ws: &mut Workspace,
    w1_sink: &mut [f32],
    scale: f32,
) {
    let (h, rows) = (width::<H>(hidden), batch.len());
    ws.resize_backward(rows, h);
    // w2ᵀ (10, h), so that δ2·w2ᵀ is a row vector times a matrix like the forward products.
    for (j, row) in w2.chunks_exact(OUTPUTS).enumerate() {
        for (k, &w) in row.iter().enumerate() {
            ws.w2t[k * h + j] = w;
        }
    }
    ws.grad_rest.fill(0.0);
    let (db1, rest) = ws.grad_rest.split_at_mut(h);
    let (dw2, db2) = rest.split_at_mut(h * OUTPUTS);

    let inv_b = 1.0 / rows as f32;
    for b in 0..rows {
        // δ2_b = (a2_b − y_b)/B: (10). Computed in place of a2.
        let d2 = &mut ws.a2[b * OUTPUTS..(b + 1) * OUTPUTS];
        d2[batch.labels[b] as usize % OUTPUTS] -= 1.0;
        d2.iter_mut().for_each(|d| *d *= inv_b);
        let d2 = &ws.a2[b * OUTPUTS..(b + 1) * OUTPUTS];
        let a1 = &ws.a1[b * h..(b + 1) * h];
        // ∂L/∂b2 += δ2_b (∂L/∂w2 after the loop).
        axpy(db2, 1.0, d2);
        // δ1_b = (δ2_b·w2ᵀ) ⊙ f'(z1_b): (10)·(10, h) → (h).
        let d1 = &mut ws.d1[b * h..(b + 1) * h];
        product::<H>(d1, &ws.zeros[..h], &ws.units[..OUTPUTS], d2, &ws.w2t[..OUTPUTS * h]);
        activation.times_derivative(a1, d1);
        // ∂L/∂b1 += δ1_b; sink += a0_bᵀ·(scale·δ1_b): (784, 1)·(1, h) → (784, h), nonzero rows of a0_b only.
        axpy(db1, 1.0, d1);
        for (s, &d) in ws.step.iter_mut().zip(d1.iter()) {
            *s = scale * d;
        }
        let (index, value) = batch.row(b);
        add_outer(w1_sink, index, value, &ws.step[..h]);
    }
    // ∂L/∂w2 = a1ᵀ·δ2: (h, B)·(B, 10) → (h, 10), as its transpose δ2ᵀ·a1: ten rows of h,
    // each a sum over the batch held in registers (rather than B read-modify-writes of w2's shape).
    for (k, column) in ws.d2t.chunks_exact_mut(rows).enumerate() {
        for (b, d) in column.iter_mut().enumerate() {
            *d = ws.a2[b * OUTPUTS + k];
        }
    }
    // (In runs of at most 2¹⁶ rows, the most a u16 index list can name: one run for any real batch.)
    for (k, row) in ws.dw2t.chunks_exact_mut(h).enumerate() {
        for start in (0..rows).step_by(SAMPLES_PER_RUN) {
            let end = (start + SAMPLES_PER_RUN).min(rows);
            let (d2t, a1) = (&ws.d2t[k * rows + start..k * rows + end], &ws.a1[start * h..end * h]);
            product::<H>(&mut ws.step[..h], &ws.zeros[..h], &ws.samples[..end - start], d2t, a1);
            if start == 0 {
                row.copy_from_slice(&ws.step[..h]);
            } else {
                axpy(row, 1.0, &ws.step[..h]);
            }
        }
    }
    for (j, row) in dw2.chunks_exact_mut(OUTPUTS).enumerate() {
        for (k, d) in row.iter_mut().enumerate() {
            *d = ws.dw2t[k * h + j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64;

    fn random_batch(rng: &mut Pcg64, rows: usize) -> Batch {
        let mut batch = Batch::with_capacity(rows);
        for _ in 0..rows {
            let image: Vec<f32> =
                (0..INPUTS).map(|_| if rng.random_bool(0.3) { rng.random_range(0.0..1.0) } else { 0.0 }).collect();
            batch.push_f32(&image, rng.random_range(0..10));
        }
        batch
    }

    #[test]
    fn parameter_layout() {
        let net = Network::new(3, Activation::Sigmoid, Init::Uniform, &mut Pcg64::seed_from_u64(1)).unwrap();
        assert_eq!(net.params().len(), 784 * 3 + 3 + 30 + 10);
        assert_eq!(net.w1().len(), 784 * 3);
        assert_eq!(net.b1().len(), 3);
        assert_eq!(net.w2().len(), 30);
        assert_eq!(net.b2().len(), 10);
        assert!(net.params().iter().all(|p| (-1.0..=1.0).contains(p)));
    }

    #[test]
    fn scaled_init_has_zero_biases_and_small_weights() {
        let net = Network::new(50, Activation::Relu, Init::Scaled, &mut Pcg64::seed_from_u64(2)).unwrap();
        assert!(net.b1().iter().chain(net.b2()).all(|&b| b == 0.0));
        let r = (6.0f32 / 784.0).sqrt();
        assert!(net.w1().iter().all(|w| w.abs() <= r));
        assert!(net.w1().iter().any(|w| w.abs() > r / 2.0));
    }

    #[test]
    fn hidden_size_is_checked() {
        let mut rng = Pcg64::seed_from_u64(3);
        assert!(Network::new(0, Activation::Sigmoid, Init::Uniform, &mut rng).is_err());
        let err = Network::new(MAX_HIDDEN + 1, Activation::Sigmoid, Init::Uniform, &mut rng).unwrap_err();
        assert!(err.to_string().contains("1 to 4096"), "{err}");
        assert!(Network::from_params(2, Activation::Relu, vec![0.0; 5]).is_err());
    }

    /// θ − η·∂L/∂θ after `train_batch`: b1, w2 and b2 exactly; w1, whose step is added one
    /// sample at a time, to within the rounding of adding B terms in another order.
    fn assert_step_applied(after: &Network, before: &Network, grad: &[f32], learning_rate: f32, rows: usize) {
        let w1_len = before.w1().len();
        let scale = grad[..w1_len].iter().fold(0.0f32, |m, g| m.max(g.abs())) * learning_rate;
        for (p, ((&after, &before), &g)) in after.params().iter().zip(before.params()).zip(grad).enumerate() {
            let expected = before - learning_rate * g;
            if p < w1_len {
                let tolerance = 4.0 * rows as f32 * f32::EPSILON * (expected.abs() + scale);
                assert!((after - expected).abs() <= tolerance, "w1[{p}]: {after} vs {expected}");
            } else {
                assert_eq!(after, expected, "parameter {p}");
            }
        }
    }

    #[test]
    fn train_step_applies_the_gradient() {
        let mut rng = Pcg64::seed_from_u64(4);
        for activation in [Activation::Sigmoid, Activation::Relu] {
            // 28 and 16 run with the width a constant, 7 and 40 with it read at run time.
            for hidden in [7, 16, 28, 40] {
                let net = Network::new(hidden, activation, Init::Uniform, &mut rng).unwrap();
                let batch = random_batch(&mut rng, 5);
                let (loss, grad) = net.gradient(&batch);
                let mut trained = net.clone();
                let mut ws = Workspace::default();
                // Twice with the same workspace, to check it is reset between batches.
                let stats = trained.train_batch(&batch, 0.5, &mut ws).unwrap();
                assert!((stats.loss_sum as f32 / 5.0 - loss).abs() < 1e-5);
                assert_step_applied(&trained, &net, &grad, 0.5, 5);
                let batch2 = random_batch(&mut rng, 3);
                let (_, grad2) = trained.gradient(&batch2);
                let before = trained.clone();
                trained.train_batch(&batch2, 0.1, &mut ws).unwrap();
                assert_step_applied(&trained, &before, &grad2, 0.1, 3);
            }
        }
    }

    #[test]
    fn a_wrong_w1_step_is_caught() {
        // The tolerance is far below any real error: 1% of the step on one weight fails.
        let mut rng = Pcg64::seed_from_u64(8);
        let net = Network::new(28, Activation::Sigmoid, Init::Uniform, &mut rng).unwrap();
        let batch = random_batch(&mut rng, 4);
        let (_, grad) = net.gradient(&batch);
        let mut trained = net.clone();
        trained.train_batch(&batch, 0.5, &mut Workspace::default()).unwrap();
        assert_step_applied(&trained, &net, &grad, 0.5, 4);
        let w1_len = net.w1().len();
        let p = (0..w1_len).max_by(|&a, &b| grad[a].abs().total_cmp(&grad[b].abs())).unwrap();
        trained.params_mut()[p] += 0.01 * 0.5 * grad[p].abs();
        let caught = std::panic::catch_unwind(|| assert_step_applied(&trained, &net, &grad, 0.5, 4));
        assert!(caught.is_err(), "a 1% error in w1[{p}]'s step was not noticed");
    }

    #[test]
    fn fast_gradient_agrees_with_the_reference() {
        let mut rng = Pcg64::seed_from_u64(7);
        for activation in [Activation::Sigmoid, Activation::Relu] {
            for (hidden, rows) in [(1, 1), (7, 5), (28, 32), (28, 1), (33, 3), (70, 4)] {
                let net = Network::new(hidden, activation, Init::Uniform, &mut rng).unwrap();
                let mut batch = random_batch(&mut rng, rows);
                // The last pixel set, so that blocks run to the very end of w1.
                let mut image = vec![0.5; INPUTS];
                image[0] = 0.0;
                batch.push_f32(&image, 9);
                let (loss, grad) = net.gradient(&batch);
                let (ref_loss, ref_grad) = net.reference_gradient(&batch);
                assert!((loss - ref_loss).abs() <= 1e-5 * (1.0 + ref_loss.abs()), "{loss} vs {ref_loss}");
                let scale = ref_grad.iter().fold(0.0f32, |m, g| m.max(g.abs()));
                for (p, (&g, &r)) in grad.iter().zip(&ref_grad).enumerate() {
                    assert!((g - r).abs() <= 1e-5 * scale, "{activation:?} h {hidden} parameter {p}: {g} vs {r}");
                }
            }
        }
    }

    #[test]
    fn a_batch_of_more_than_65536_rows_gets_its_whole_gradient() {
        // ∂L/∂w2 runs over the batch's rows as u16 indices, in runs of 2¹⁶.
        let mut rng = Pcg64::seed_from_u64(9);
        let net = Network::new(3, Activation::Sigmoid, Init::Uniform, &mut rng).unwrap();
        let mut batch = Batch::with_capacity(70_000);
        let mut image = vec![0.0; INPUTS];
        for b in 0..70_000 {
            let i = rng.random_range(0..INPUTS);
            image[i] = rng.random_range(0.1..1.0);
            // Rows past 2¹⁶ differ from the first ones: a wrapped index would be seen.
            batch.push_f32(&image, if b < 1 << 16 { 0 } else { 9 });
            image[i] = 0.0;
        }
        let (_, grad) = net.gradient(&batch);
        let (_, expected) = net.reference_gradient(&batch);
        let w2 = net.w2_range();
        let scale = expected[w2.clone()].iter().fold(0.0f32, |m, g| m.max(g.abs()));
        for p in w2 {
            assert!((grad[p] - expected[p]).abs() <= 1e-4 * scale, "∂L/∂w2 {p}: {} vs {}", grad[p], expected[p]);
        }
    }

    #[test]
    fn push_u8_keeps_exactly_the_nonzero_pixels() {
        let mut image = vec![0u8; INPUTS];
        for (i, p) in [(0, 1u8), (7, 255), (8, 128), (63, 127), (64, 3), (700, 200), (783, 9)] {
            image[i] = p;
        }
        let mut batch = Batch::with_capacity(2);
        batch.push_u8(&image, 4);
        batch.push_u8(&vec![0; INPUTS], 5);
        let (index, value) = batch.row(0);
        assert_eq!(index, [0, 7, 8, 63, 64, 700, 783]);
        assert_eq!(value, [1.0 / 255.0, 1.0, 128.0 / 255.0, 127.0 / 255.0, 3.0 / 255.0, 200.0 / 255.0, 9.0 / 255.0]);
        assert_eq!(batch.row(1).0.len(), 0);
        let sparse = SparseImages::from_u8(&[image.clone(), vec![0; INPUTS], image.clone()].concat());
        assert_eq!(sparse.len(), 3);
        let mut from_sparse = Batch::with_capacity(2);
        from_sparse.push_sparse(&sparse, 2, 4);
        from_sparse.push_sparse(&sparse, 1, 5);
        assert_eq!(
            (&from_sparse.start, &from_sparse.index, &from_sparse.value),
            (&batch.start, &batch.index, &batch.value)
        );
        assert_eq!(from_sparse.labels, batch.labels);
        // The same through the batch filler, which picks images by index.
        let mut filled = Batch::with_capacity(2);
        filled.fill_sparse(&sparse, &[2, 1], &[0, 5, 4]);
        assert_eq!(
            (&filled.start, &filled.index, &filled.value),
            (&from_sparse.start, &from_sparse.index, &from_sparse.value)
        );
        assert_eq!(filled.labels, [4, 5]);
        // Every byte value, in every position of a word.
        for p in 0..=255u8 {
            for shift in 0..8 {
                assert_eq!(nonzero_bytes((p as u64) << (8 * shift)) != 0, p != 0);
            }
        }
    }

    #[test]
    fn divergence_leaves_the_network_untouched() {
        let mut net = Network::new(4, Activation::Relu, Init::Uniform, &mut Pcg64::seed_from_u64(5)).unwrap();
        net.params_mut()[0] = f32::INFINITY;
        let before = net.clone();
        let mut batch = Batch::with_capacity(1);
        let mut image = vec![0.0; INPUTS];
        image[0] = 1.0;
        batch.push_f32(&image, 3);
        let err = net.train_batch(&batch, 0.1, &mut Workspace::default()).unwrap_err();
        assert!(matches!(err, Error::Diverged { .. }));
        assert_eq!(net.params()[1..], before.params()[1..]);
    }

    #[test]
    fn predict_gives_probabilities() {
        let mut rng = Pcg64::seed_from_u64(6);
        // 16 and 28 are compiled with the width a constant, 20 not; pixel 783 is set (a kernel
        // block past the end of w1 for h = 28).
        for hidden in [16, 28, 20] {
            predict_agrees_with_the_batch_forward_pass(hidden, &mut rng);
        }
    }

    fn predict_agrees_with_the_batch_forward_pass(hidden: usize, rng: &mut Pcg64) {
        let net = Network::new(hidden, Activation::Sigmoid, Init::Uniform, rng).unwrap();
        let image: Vec<f32> = (0..INPUTS).map(|i| ((i * 7) % 13) as f32 / 13.0).collect();
        assert_ne!(image[INPUTS - 1], 0.0);
        let p = net.predict(&image);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!(p.iter().all(|&p| (0.0..=1.0).contains(&p)));
        let (a1, p2) = net.predict_with_hidden(&image);
        assert_eq!(a1.len(), hidden);
        assert_eq!(p, p2);
        // The same numbers as the batch forward pass.
        let mut batch = Batch::with_capacity(1);
        batch.push_f32(&image, 0);
        let mut ws = Workspace::default();
        net.evaluate_batch(&batch, &mut ws);
        assert_eq!(ws.probabilities(), p);
        assert_eq!(ws.hidden_activations(), a1);
    }
}
