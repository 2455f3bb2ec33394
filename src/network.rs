//! The network: its parameters (w1, b1, w2, b2) and the equations of one SGD step,
//! each written once, in the function the table names.
//!
//! A batch's B rows are samples (row vectors), so the tutorial's z1 = w1·a0 + b1 reads here
//! z1 = a0·w1 + b1 with w1 (784, h), the transpose of the tutorial's: row i of w1 holds the
//! weights from pixel i, so a zero pixel (80% of MNIST) skips a whole contiguous row.
//!
//! | step | equation | shapes | in |
//! |---|---|---|---|
//! | hidden | z1 = a0·w1 + b1, a1 = f(z1) | (B,784)·(784,h) + (h) → (B,h) | [`forward`] |
//! | output | z2 = a1·w2 + b2, a2 = softmax(z2) | (B,h)·(h,10) + (10) → (B,10) | [`forward`] |
//! | loss | L = −(1/B) Σ_b Σ_k y_bk ln a2_bk | scalar | [`forward`] |
//! | output error | δ2 = ∂L/∂z2 = (a2 − y)/B | (B,10) | [`backward`] |
//! | | ∂L/∂w2 = a1ᵀ·δ2, ∂L/∂b2 = Σ_b δ2 | (h,10), (10) | [`backward`] |
//! | hidden error | δ1 = ∂L/∂z1 = (δ2·w2ᵀ) ⊙ f'(z1) | (B,h) | [`backward`] |
//! | | ∂L/∂w1 = a0ᵀ·δ1, ∂L/∂b1 = Σ_b δ1 | (784,h), (h) | [`backward`] |
//! | update | θ ← θ − η·∂L/∂θ for θ in w1, b1, w2, b2 | | [`backward`] (w1), [`update`] |
//!
//! With B = 1 this is exactly the tutorial's per-sample step. From the trainer to the kernels:
//! [`Network::train_batch`] → [`sgd_step`] → [`forward`], [`backward`], [`update`] (each in
//! the version compiled for this CPU's SIMD, chosen by `sgd_step_simd`, `forward_simd` and
//! `backward_simd`) → [`batch_vec_mat`], [`batch_add_outer`] (which run
//! [`crate::kernels::vec_mat`] and [`crate::kernels::add_outer`] row by row, or, for a wide
//! layer, the whole batch at once). Natively (at h = 28 and wider than 32) the trainer holds w1 apart, its columns in
//! panels on whole cache lines (`PanelW1`), and calls `Network::train_batch_panels`: the same passes, the same bits.
//!
//! The training step adds each sample's share of the w1 update, −η·a0_bᵀ·δ1_b, straight
//! into w1, sample after sample, rather than first summing ∂L/∂w1 in a buffer of its own: the
//! same sum, in a different order of rounding, with half the memory traffic (no gradient rows
//! to clear or read back).
//! [`Network::gradient`] computes ∂L/∂w1 itself with the same code, a buffer in place of w1.

use crate::aligned::AlignedVec;
use crate::batch::{Batch, BatchStats};
use crate::error::{Error, Message, Result};
use crate::kernels::{add_row, axpy, batch_add_outer, batch_vec_mat, reference, simd_versions, Packed, PANEL};
use crate::math::{argmax, cross_entropy, softmax, Activation};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// (Defined with the batches; src/wasm.rs reads it from here.)
pub use crate::batch::pixel_value;

/// Pixels in an input image (28×28).
pub const INPUTS: usize = 784;
/// Output classes (the digits 0–9).
pub const OUTPUTS: usize = 10;
/// The largest hidden layer accepted from outside (the command line, the page, a model file).
pub const MAX_HIDDEN: usize = 4096;

/// How the parameters start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(all(feature = "cli", not(target_arch = "wasm32")), derive(clap::ValueEnum))]
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
}

/// The network 784 → h → 10: all parameters in one contiguous buffer, in the order w1 (784×h,
/// row-major), b1 (h), w2 (h×10, row-major), b2 (10), so that the model file is one slice; the
/// buffer starts on a cache line ([`AlignedVec`]), and so do w1's rows when h is a multiple of 16.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    hidden: usize,
    activation: Activation,
    params: AlignedVec,
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
        Err(Error::setting("hidden units", Message::range(hidden, MAX_HIDDEN)))
    }
}

/// A batch whose loss Σ_b L_b was not finite: [`Network::train_batch`] left the parameters as they were.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NonFiniteLoss {
    pub loss_sum: f64,
}

impl Network {
    /// A new network with parameters drawn by `init` from `rng`.
    pub fn new(hidden: usize, activation: Activation, init: Init, rng: &mut impl Rng) -> Result<Network> {
        check_hidden(hidden)?;
        let mut params = AlignedVec::zeroed(parameter_count(hidden));
        let mut net = Network { hidden, activation, params: AlignedVec::default() };
        match init {
            Init::Uniform => params.iter_mut().for_each(|p| *p = rng.random_range(-1.0..=1.0)),
            Init::Scaled => {
                let r1 = scaled_range(activation, INPUTS, hidden);
                let r2 = scaled_range(activation, hidden, OUTPUTS);
                let [_, b1, w2, b2, _] = net.starts();
                params[..b1].iter_mut().for_each(|p| *p = rng.random_range(-r1..=r1));
                params[w2..b2].iter_mut().for_each(|p| *p = rng.random_range(-r2..=r2));
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
                what: message!(
                    "core.model.parameters",
                    "a network with {hidden} hidden units has {expected} parameters, not {actual}",
                    hidden = hidden,
                    expected = parameter_count(hidden),
                    actual = params.len()
                ),
            });
        }
        Ok(Network { hidden, activation, params: AlignedVec::from_slice(&params) })
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

    /// Where w1, b1, w2 and b2 start in `params`, and where b2 ends.
    fn starts(&self) -> [usize; 5] {
        let h = self.hidden;
        [0, INPUTS * h, (INPUTS + 1) * h, (INPUTS + 1 + OUTPUTS) * h, parameter_count(h)]
    }

    /// w1, shape (784, h): w1[i·h + j] is the weight from pixel i to hidden unit j.
    pub fn w1(&self) -> &[f32] {
        &self.params[..self.starts()[1]]
    }
    /// b1, shape (h).
    pub fn b1(&self) -> &[f32] {
        &self.params[self.starts()[1]..self.starts()[2]]
    }
    /// w2, shape (h, 10): w2[j·10 + k] is the weight from hidden unit j to output k.
    pub fn w2(&self) -> &[f32] {
        &self.params[self.starts()[2]..self.starts()[3]]
    }
    /// b2, shape (10).
    pub fn b2(&self) -> &[f32] {
        &self.params[self.starts()[3]..]
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
        let (_, a1, a2) = self.forward_one(a0);
        (a1, a2)
    }

    /// The forward pass for one image a0 (784), every layer kept: z1 = a0·w1 + b1 and a1 = f(z1), (h) each, and
    /// a2 = softmax(a1·w2 + b2), (10); the very numbers training computes, to the bit.
    pub fn forward_one(&self, a0: &[f32]) -> (Vec<f32>, Vec<f32>, [f32; OUTPUTS]) {
        assert_eq!(a0.len(), INPUTS, "an image has {INPUTS} pixels");
        let mut batch = Batch::with_capacity(1);
        batch.push_f32(a0, 0).expect("0 is a digit");
        let mut ws = Workspace::default();
        forward_simd(self, self.w1(), self.hidden, &batch, &mut ws);
        let a2 = ws.a2.as_slice().try_into().expect("one row of 10");
        (ws.z1, ws.a1, a2)
    }

    /// z2 = a1·w2 + b2 for one row of hidden activations: (h)·(h, 10) + (10) → (10).
    pub fn logits(&self, a1: &[f32]) -> [f32; OUTPUTS] {
        let mut z2: [f32; OUTPUTS] = self.b2().try_into().expect("10 biases");
        for (&a, row) in a1.iter().zip(self.w2().chunks_exact(OUTPUTS)) {
            z2.iter_mut().zip(row).for_each(|(z, &w)| *z += a * w);
        }
        z2
    }

    /// The forward pass over a batch: fills `ws` with z1, a1, z2, a2, and returns the sum
    /// of the rows' losses and the number of correct predictions.
    pub fn evaluate_batch(&self, batch: &Batch, ws: &mut Workspace) -> BatchStats {
        forward_simd(self, self.w1(), self.hidden, batch, ws)
    }

    /// The mean loss L over `batch` and its gradient ∂L/∂θ, laid out like [`Network::params`]:
    /// [`forward`] and [`backward`], the code of the training step, into a zeroed buffer.
    pub fn gradient(&self, batch: &Batch) -> (f32, Vec<f32>) {
        let mut ws = Workspace::default();
        let stats = forward_simd(self, self.w1(), self.hidden, batch, &mut ws);
        let mut grad = vec![0.0; self.params.len()];
        let (dw1, rest) = grad.split_at_mut(self.starts()[1]);
        backward_simd(self.hidden, self.activation, self.w2(), batch, &mut ws, dw1, self.hidden, 1.0);
        rest.copy_from_slice(&ws.grad);
        (stats.loss_sum as f32 / batch.len() as f32, grad)
    }

    /// The same loss and gradient as [`Network::gradient`] by plain loops over the equations, on
    /// dense images: the reference the fast path is tested against (to float rounding).
    pub fn reference_gradient(&self, batch: &Batch) -> (f32, Vec<f32>) {
        let h = self.hidden;
        let mut grad = vec![0.0; self.params.len()];
        let [_, b1_start, w2_start, b2_start, _] = self.starts();
        let every_pixel: Vec<u16> = (0..INPUTS as u16).collect();
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
            let z2: Vec<f32> = (0..OUTPUTS)
                .map(|k| self.b2()[k] + (0..h).map(|j| a1[j] * self.w2()[j * OUTPUTS + k]).sum::<f32>())
                .collect();
            let mut a2 = [0.0; OUTPUTS];
            let lse = softmax(&z2, &mut a2);
            let label = batch.label(b);
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
            for j in 0..h {
                grad[b1_start + j] += d1[j];
                for k in 0..OUTPUTS {
                    grad[w2_start + j * OUTPUTS + k] += a1[j] * d2[k];
                }
            }
            for k in 0..OUTPUTS {
                grad[b2_start + k] += d2[k];
            }
        }
        (loss / rows as f32, grad)
    }

    /// One SGD step on `batch` with learning rate η ([`sgd_step`]). Returns the batch's loss and
    /// accuracy measured *before* the step; if the loss is not finite, the parameters are left
    /// untouched (the trainer turns that into [`Error::Diverged`] with the epoch and batch).
    pub fn train_batch(
        &mut self,
        batch: &Batch,
        learning_rate: f32,
        ws: &mut Workspace,
    ) -> Result<BatchStats, NonFiniteLoss> {
        sgd_step_simd(self, batch, learning_rate, ws)
    }

    /// [`Network::train_batch`] with w1 held in `w1` ([`PanelW1`], its columns in panels on whole cache lines)
    /// rather than in the network: the same step to the bit, on w1's copy (the network's own w1 is neither read nor
    /// written).
    pub fn train_batch_panels(
        &mut self,
        w1: &mut PanelW1,
        batch: &Batch,
        learning_rate: f32,
        ws: &mut Workspace,
    ) -> Result<BatchStats, NonFiniteLoss> {
        assert_eq!(self.hidden, w1.hidden, "a w1 of this width");
        sgd_step_panels_simd(self, w1, batch, learning_rate, ws)
    }
}

/// w1 (784, h) as the trainer trains it: its columns in panels of [`PANEL`] (natively 32), each panel (784, PANEL)
/// row-major on 64-byte boundaries, one after another, the last one's columns past h zeros. Made from the network
/// once, [`crate::Trainer::step`] writes it back into the network at the end of every call.
///
/// - At the tutorial's h = 28, one panel: the rows padded to 32 floats. The network's own rows are 28 floats (112
///   bytes) apart, so that one row in two straddles three cache lines and each is read (z1) and written (w1's step)
///   in three vector pieces (16 + 8 + 4); padded, each row is two whole lines and two vectors of 16, the pads' lanes
///   summed into columns never stored (z1) or adding 0 to zeros (the step): the same bits. Measured before it was
///   written, an epoch at h = 32 (rows 128 bytes apart) took 0.024 s against 0.029 s at h = 28 (`cargo bench
///   --bench epoch`, CPU time).
/// - Wider than [`crate::kernels::BLOCK`], natively panels of 32 columns: a batch's z1 reads a panel's rows of the
///   pixels it has, 128 bytes apart, where on the network's rows (1 KB apart at h = 256) they would share a few sets
///   of the first-level cache; so, with w1 row-major, z1 copied the batch's rows of each piece of 32 columns next to
///   one another first ([`Packed`]), 450 KB a batch at h = 256. Held in panels, w1 needs no copy; w1's step writes
///   each pixel's tile of 256 columns as eight pieces of 128 bytes, one in each of eight panels.
///
/// In wasm (with the feature `batch-kernels`: the workers' module) wider than 32 only, in panels of 16 columns
/// ([`PANEL`]): its vectors of four lanes read 28 columns in 7 and 32 in 8 (there h = 32 was 8% slower than h = 28),
/// so no padded rows; and its passes are the same functions as on the network's own w1, with the panels' width an
/// argument, so that the module carries each pass once.
#[derive(Clone, Debug)]
pub struct PanelW1 {
    hidden: usize,
    /// ⌈h / PANEL⌉ panels of (784, PANEL), row-major.
    values: AlignedVec,
}

impl PanelW1 {
    /// `net`'s w1 in panels, or None where its width is trained on the network's own w1 (2 to 32 but 28).
    pub fn of(net: &Network) -> Option<PanelW1> {
        let h = net.hidden;
        // (In wasm no padded rows, and panels only where the batch kernels are: the workers' module.)
        let padded = h == PADDED_WIDTH && !cfg!(target_arch = "wasm32");
        if (!padded && h <= crate::kernels::BLOCK) || !cfg!(feature = "batch-kernels") {
            return None;
        }
        let mut values = AlignedVec::zeroed(INPUTS * h.next_multiple_of(PANEL));
        for (panel, c) in values.chunks_exact_mut(INPUTS * PANEL).zip((0..h).step_by(PANEL)) {
            let width = PANEL.min(h - c);
            for (row, piece) in net.w1().chunks_exact(h).zip(panel.chunks_exact_mut(PANEL)) {
                piece[..width].copy_from_slice(&row[c..c + width]);
            }
        }
        Some(PanelW1 { hidden: h, values })
    }

    /// Copies w1 back into `net` (the network it was made from, or one of the same width).
    pub fn store(&self, net: &mut Network) {
        let h = self.hidden;
        assert_eq!(net.hidden, h, "a w1 of this width");
        let w1 = &mut net.params[..INPUTS * h];
        for (panel, c) in self.values.chunks_exact(INPUTS * PANEL).zip((0..h).step_by(PANEL)) {
            let width = PANEL.min(h - c);
            for (row, piece) in w1.chunks_exact_mut(h).zip(panel.chunks_exact(PANEL)) {
                row[c..c + width].copy_from_slice(&piece[..width]);
            }
        }
    }
}

/// The one width up to [`crate::kernels::BLOCK`] that [`PanelW1`] holds, as one panel of rows padded to 32: the
/// tutorial's, whose rows of 28 floats straddle cache lines.
const PADDED_WIDTH: usize = 28;

fn scaled_range(activation: Activation, fan_in: usize, fan_out: usize) -> f32 {
    match activation {
        Activation::Sigmoid => (6.0 / (fan_in + fan_out) as f32).sqrt(),
        Activation::Relu => (6.0 / fan_in as f32).sqrt(),
    }
}

/// The scratch memory of a forward and backward pass, reused from batch to batch.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// (B, h) pre-activations and activations of the hidden layer.
    z1: Vec<f32>,
    a1: Vec<f32>,
    /// (B, 10) probabilities; they become δ2 in the backward pass.
    a2: Vec<f32>,
    /// (B, h) δ1, then the step it adds to w1's rows: scale·δ1; (10, h) w2ᵀ.
    d1: Vec<f32>,
    w2t: Vec<f32>,
    /// ∂L/∂b1 (h), ∂L/∂w2 (h, 10), ∂L/∂b2 (10): laid out like the parameters after w1.
    grad: Vec<f32>,
    /// The rows of w1 a batch touches, packed a chunk of columns at a time (wide layers).
    packed: Packed,
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
}

// The one dispatch of each pass: the widest SIMD instruction set of this CPU and, for the
// tutorial's h = 28, the hidden width a constant (see the README's Speed section). Each pass is
// compiled once per version and called, not inlined, by the training step, the gradient and the
// predictions alike: one call per batch, and the page's wasm carries each pass once.
simd_versions! {
    /// The forward pass over a batch ([`forward`]), on `w1` in panels of `panel` columns ([`batch_vec_mat`]).
    fn forward_simd(net: &Network, w1: &[f32], panel: usize, batch: &Batch, ws: &mut Workspace) -> BatchStats
        = forward, hidden (net.hidden) constant at 28;
}

simd_versions! {
    /// The backward pass after [`forward`] ([`backward`]), into `w1_sink` in panels of `panel` columns.
    #[allow(clippy::too_many_arguments)]
    fn backward_simd(h: usize, activation: Activation, w2: &[f32], batch: &Batch, ws: &mut Workspace, w1_sink: &mut [f32], panel: usize, scale: f32) -> ()
        = backward, hidden (h) constant at 28;
}

simd_versions! {
    /// One SGD step ([`Network::train_batch`]).
    fn sgd_step_simd(net: &mut Network, batch: &Batch, learning_rate: f32, ws: &mut Workspace) -> Result<BatchStats, NonFiniteLoss>
        = sgd_step;
}

// The same passes and step natively on a [`PanelW1`] (for h = 28 with the width a constant), each its own version
// (the page's wasm has none).
#[cfg(not(target_arch = "wasm32"))]
simd_versions! {
    /// [`forward`] on w1 in panels ([`forward_in_panels`]).
    fn forward_panels_simd(net: &Network, w1: &[f32], batch: &Batch, ws: &mut Workspace) -> BatchStats
        = forward_panels, hidden (net.hidden) constant at 28;
}

#[cfg(not(target_arch = "wasm32"))]
simd_versions! {
    /// [`backward`] into w1 in panels ([`backward_in_panels`]).
    fn backward_panels_simd(h: usize, activation: Activation, w2: &[f32], batch: &Batch, ws: &mut Workspace, w1_sink: &mut [f32], scale: f32) -> ()
        = backward_panels, hidden (h) constant at 28;
}

simd_versions! {
    /// One SGD step on w1 in panels ([`Network::train_batch_panels`]).
    fn sgd_step_panels_simd(net: &mut Network, w1: &mut PanelW1, batch: &Batch, learning_rate: f32, ws: &mut Workspace) -> Result<BatchStats, NonFiniteLoss>
        = sgd_step_panels;
}

/// [`forward`], then, if the loss is finite, [`backward`] with w1 as its sink and
/// scale −η (w1 ← w1 − η·∂L/∂w1), then [`update`] of b1, w2, b2.
#[inline(always)]
fn sgd_step(
    net: &mut Network,
    batch: &Batch,
    learning_rate: f32,
    ws: &mut Workspace,
) -> Result<BatchStats, NonFiniteLoss> {
    let h = net.hidden;
    let stats = forward_simd(net, net.w1(), h, batch, ws);
    if !stats.loss_sum.is_finite() {
        return Err(NonFiniteLoss { loss_sum: stats.loss_sum });
    }
    let activation = net.activation;
    let (w1, rest) = net.params.split_at_mut(INPUTS * h);
    backward_simd(h, activation, &rest[h..h + h * OUTPUTS], batch, ws, w1, h, -learning_rate);
    update(rest, learning_rate, &ws.grad);
    Ok(stats)
}

/// [`sgd_step`] with w1 in `w1`, in panels: the same operations in the same order.
#[inline(always)]
fn sgd_step_panels(
    net: &mut Network,
    w1: &mut PanelW1,
    batch: &Batch,
    learning_rate: f32,
    ws: &mut Workspace,
) -> Result<BatchStats, NonFiniteLoss> {
    // (In wasm through the passes on the network's own w1, with the panels' width as an argument: one copy of each
    // pass in the module, where one of their own was 4.6 KB more of its gzip.)
    #[cfg(not(target_arch = "wasm32"))]
    let stats = forward_panels_simd(net, &w1.values, batch, ws);
    #[cfg(target_arch = "wasm32")]
    let stats = forward_simd(net, &w1.values, PANEL, batch, ws);
    if !stats.loss_sum.is_finite() {
        return Err(NonFiniteLoss { loss_sum: stats.loss_sum });
    }
    let h = net.hidden;
    let rest = &mut net.params[INPUTS * h..];
    #[cfg(not(target_arch = "wasm32"))]
    backward_panels_simd(h, net.activation, &rest[h..h + h * OUTPUTS], batch, ws, &mut w1.values, -learning_rate);
    #[cfg(target_arch = "wasm32")]
    backward_simd(h, net.activation, &rest[h..h + h * OUTPUTS], batch, ws, &mut w1.values, PANEL, -learning_rate);
    update(rest, learning_rate, &ws.grad);
    Ok(stats)
}

/// [`forward`] on w1 in panels of [`PANEL`] ([`PanelW1`]).
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn forward_panels<const H: usize>(net: &Network, w1: &[f32], batch: &Batch, ws: &mut Workspace) -> BatchStats {
    forward_in_panels::<H, PANEL>(net, w1, PANEL, batch, ws)
}

/// [`backward`] into w1 in panels of [`PANEL`] ([`PanelW1`]).
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn backward_panels<const H: usize>(
    h: usize,
    activation: Activation,
    w2: &[f32],
    batch: &Batch,
    ws: &mut Workspace,
    w1_sink: &mut [f32],
    scale: f32,
) {
    backward_in_panels::<H, PANEL>(h, activation, w2, batch, ws, w1_sink, PANEL, scale)
}

/// The forward pass over a batch, row by row, keeping z1, a1 and a2 in `ws`:
/// z1 = a0·w1 + b1, a1 = f(z1), z2 = a1·w2 + b2, a2 = softmax(z2), L_b = logsumexp(z2_b) − z2_b,y.
/// H is the hidden width when it is known where this is compiled, 0 when it is read from `net`.
#[inline(always)]
fn forward<const H: usize>(net: &Network, w1: &[f32], panel: usize, batch: &Batch, ws: &mut Workspace) -> BatchStats {
    forward_in_panels::<H, H>(net, w1, panel, batch, ws)
}

/// [`forward`] on `w1` (784, h) held in panels of P columns ([`batch_vec_mat`]): P = H, w1 row-major, or natively
/// [`PanelW1`]'s; P = 0, `panel` (h: row-major; in wasm [`PanelW1`]'s too). H = 0: h read from `net`.
#[inline(always)]
fn forward_in_panels<const H: usize, const P: usize>(
    net: &Network,
    w1: &[f32],
    panel: usize,
    batch: &Batch,
    ws: &mut Workspace,
) -> BatchStats {
    let (h, rows) = (if H == 0 { net.hidden } else { H }, batch.len());
    debug_assert!(P == 0 || panel == P, "w1's panels are {P} wide, not {panel}");
    let panel = if P == 0 { panel } else { P };
    let (b1, w2, b2) = (net.b1(), net.w2(), net.b2());
    ws.z1.resize(rows * h, 0.0);
    ws.a1.resize(rows * h, 0.0);
    ws.a2.resize(rows * OUTPUTS, 0.0);
    let mut stats = BatchStats { count: rows, ..BatchStats::default() };
    // z1 = a0·w1 + b1: (B, 784)·(784, h) + (h) → (B, h), over the nonzero pixels of a0 only.
    batch_vec_mat(&mut ws.z1, b1, batch, w1, h, panel, &mut ws.packed);
    #[cfg_attr(target_arch = "wasm32", allow(unused_mut))]
    let mut first = 0;
    // Natively, for a width known only at run time, the rows in whole groups of ROWS_AT_ONCE ([`forward_groups`]);
    // the rows left (and a batch of one) one by one.
    #[cfg(not(target_arch = "wasm32"))]
    if H == 0 {
        first = forward_groups(net, batch, ws, &mut stats);
    }
    for b in first..rows {
        let z1 = &mut ws.z1[b * h..(b + 1) * h];
        // a1_b = f(z1_b): (h).
        let a1 = &mut ws.a1[b * h..(b + 1) * h];
        net.activation.apply(z1, a1);
        // z2_b = a1_b·w2 + b2: (h)·(h, 10) + (10) → (10).
        let mut z2: [f32; OUTPUTS] = b2.try_into().expect("10 biases");
        for (&a, w2_row) in a1.iter().zip(w2.chunks_exact(OUTPUTS)) {
            for k in 0..OUTPUTS {
                z2[k] += a * w2_row[k];
            }
        }
        score_row(&z2, &mut ws.a2[b * OUTPUTS..(b + 1) * OUTPUTS], batch.label(b), &mut stats);
    }
    stats
}

/// a2_b = softmax(z2_b) into `a2` (10), and the row's loss L_b = logsumexp(z2_b) − z2_b,y and whether it was
/// classified right (argmax a2_b = y) added to `stats`: the end of [`forward`] for one row.
#[inline(always)]
fn score_row(z2: &[f32; OUTPUTS], a2: &mut [f32], label: usize, stats: &mut BatchStats) {
    let lse = softmax(z2, a2);
    stats.loss_sum += cross_entropy(lse, z2, label) as f64;
    stats.correct += (argmax(a2) == label) as usize;
}

#[cfg(not(target_arch = "wasm32"))]
simd_versions! {
    /// [`forward`] after z1 for the rows of `batch` in whole groups of ROWS_AT_ONCE ([`forward_groups_body`]),
    /// with a SIMD dispatch of its own, so that the passes at h = 28 stay as they are; returns how many rows it did.
    fn forward_groups(net: &Network, batch: &Batch, ws: &mut Workspace, stats: &mut BatchStats) -> usize
        = forward_groups_body;
}

/// a1 = f(z1) for the rows of `batch` in whole groups of ROWS_AT_ONCE, then z2 = a1·w2 + b2 a group at a time
/// ([`output_layer`]), then each row's a2 = softmax(z2) and loss L_b = logsumexp(z2_b) − z2_b,y, added to `stats`:
/// the same operations in the same order per row as [`forward`]'s row by row. Returns how many rows it did.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn forward_groups_body(net: &Network, batch: &Batch, ws: &mut Workspace, stats: &mut BatchStats) -> usize {
    let (h, rows) = (net.hidden, batch.len());
    let (w2, b2) = (net.w2(), net.b2());
    let grouped = rows - rows % ROWS_AT_ONCE;
    for (z1, a1) in ws.z1[..grouped * h].chunks_exact_mut(h).zip(ws.a1[..grouped * h].chunks_exact_mut(h)) {
        net.activation.apply(z1, a1);
    }
    for group in (0..grouped).step_by(ROWS_AT_ONCE) {
        let z2 = output_layer::<ROWS_AT_ONCE>(std::array::from_fn(|g| &ws.a1[(group + g) * h..][..h]), w2, b2);
        for (b, z2) in (group..).zip(&z2) {
            score_row(z2, &mut ws.a2[b * OUTPUTS..(b + 1) * OUTPUTS], batch.label(b), stats);
        }
    }
    grouped
}

/// Rows whose z2 [`forward`] computes at once natively.
#[cfg(not(target_arch = "wasm32"))]
const ROWS_AT_ONCE: usize = 4;

/// z2_b = a1_b·w2 + b2 for G rows b at once: (G, h)·(h, 10) + (10) → (G, 10), with a1 G rows of h and w2 (h, 10).
/// Each z2_b,k is the sum of one row alone, in the same order of j; one row's ten sums wait on the latency of
/// their additions h times in a row, G rows' sums are G times as many independent additions, and each row of w2
/// is loaded once for them.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn output_layer<const G: usize>(a1: [&[f32]; G], w2: &[f32], b2: &[f32]) -> [[f32; OUTPUTS]; G] {
    let b2: [f32; OUTPUTS] = b2.try_into().expect("10 biases");
    let h = w2.len() / OUTPUTS;
    assert!(a1.iter().all(|a1| a1.len() == h));
    // Each row's ten sums in sixteen lanes (one AVX-512 register), the last six adding zeros and never read.
    let mut z2: [[f32; 16]; G] = [std::array::from_fn(|k| if k < OUTPUTS { b2[k] } else { 0.0 }); G];
    for (j, w2_row) in w2.chunks_exact(OUTPUTS).enumerate() {
        let mut w = [0.0f32; 16];
        w[..OUTPUTS].copy_from_slice(w2_row);
        for g in 0..G {
            let a = a1[g][j];
            for k in 0..16 {
                z2[g][k] += a * w[k];
            }
        }
    }
    // (All sixteen lanes kept: without them the compiler packs the G rows' ten lanes into registers together,
    // with shuffles for every j, and the sums were slower than one row at a time.)
    let z2 = std::hint::black_box(z2);
    std::array::from_fn(|g| std::array::from_fn(|k| z2[g][k]))
}

/// The backward pass after [`forward`], with h hidden units and w2 (h, 10):
/// `w1_sink` += scale·∂L/∂w1 (784, h), held in panels of `panel` columns ([`batch_add_outer`]), and `ws.grad` =
/// ∂L/∂b1, ∂L/∂w2, ∂L/∂b2.
///
/// With `w1_sink` a zeroed buffer and scale 1 this is ∂L/∂w1 (scale·δ1 is exactly δ1); with
/// `w1_sink` = w1 and scale = −η it is w1's SGD step, added one sample at a time.
/// H is h when it is known where this is compiled, 0 when it is read from `h`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn backward<const H: usize>(
    h: usize,
    activation: Activation,
    w2: &[f32],
    batch: &Batch,
    ws: &mut Workspace,
    w1_sink: &mut [f32],
    panel: usize,
    scale: f32,
) {
    backward_in_panels::<H, H>(h, activation, w2, batch, ws, w1_sink, panel, scale)
}

/// [`backward`] into a sink held in panels of P columns ([`batch_add_outer`]): P = H, row-major, or natively
/// [`PanelW1`]'s; P = 0, `panel` (h: row-major; in wasm [`PanelW1`]'s too).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn backward_in_panels<const H: usize, const P: usize>(
    h: usize,
    activation: Activation,
    w2: &[f32],
    batch: &Batch,
    ws: &mut Workspace,
    w1_sink: &mut [f32],
    panel: usize,
    scale: f32,
) {
    let h = if H == 0 { h } else { H };
    debug_assert!(P == 0 || panel == P, "the sink's panels are {P} wide, not {panel}");
    let panel = if P == 0 { panel } else { P };
    let rows = batch.len();
    ws.d1.resize(rows * h, 0.0);
    // w2ᵀ (10, h), so that δ2·w2ᵀ is ten vector rows of h added up, not h sums of ten.
    ws.w2t.resize(OUTPUTS * h, 0.0);
    for (j, w2_row) in w2.chunks_exact(OUTPUTS).enumerate() {
        for (k, &w) in w2_row.iter().enumerate() {
            ws.w2t[k * h + j] = w;
        }
    }
    ws.grad.clear();
    ws.grad.resize(h + h * OUTPUTS + OUTPUTS, 0.0);
    let (db1, rest) = ws.grad.split_at_mut(h);
    let (dw2, db2) = rest.split_at_mut(h * OUTPUTS);
    let inv_b = 1.0 / rows as f32;
    for b in 0..rows {
        // δ2_b = (a2_b − y_b)/B: (10), in place of a2_b.
        let d2 = &mut ws.a2[b * OUTPUTS..(b + 1) * OUTPUTS];
        d2[batch.label(b)] -= 1.0;
        d2.iter_mut().for_each(|d| *d *= inv_b);
        // ∂L/∂b2 += δ2_b.
        axpy(db2, 1.0, d2);
        // δ1_b = (δ2_b·w2ᵀ) ⊙ f'(z1_b): (10)·(10, h) → (h).
        let d1 = &mut ws.d1[b * h..(b + 1) * h];
        #[cfg(not(target_arch = "wasm32"))]
        if H == 0 {
            hidden_error(d1, d2, &ws.w2t, &ws.a1[b * h..(b + 1) * h], activation, db1, scale);
            continue;
        }
        hidden_error_row(d1, d2, &ws.w2t, h, 0, &ws.a1[b * h..(b + 1) * h], activation, db1, scale);
    }
    // sink += a0ᵀ·(scale·δ1): (784, B)·(B, h) → (784, h), the rows of each image's nonzero pixels only.
    batch_add_outer(w1_sink, batch, &ws.d1, h, panel, &mut ws.packed);
    // ∂L/∂w2 = a1ᵀ·δ2: (h, B)·(B, 10) → (h, 10).
    #[cfg(not(target_arch = "wasm32"))]
    if H == 0 {
        return w2_gradient_wide(&ws.a1, h, &ws.a2, dw2);
    }
    w2_gradient::<COLUMNS>(&ws.a1, h, &ws.a2, dw2);
}

/// δ1_b = (δ2_b·w2ᵀ) ⊙ f'(z1_b): (10)·(10, h) → (h), with w2ᵀ (10, h) and f' from a1_b (h); then ∂L/∂b1 += δ1_b and
/// `d1` = scale·δ1_b, natively for widths read at run time: sixteen columns at a time, each in registers through
/// all of it, where [`backward`]'s row by row reads and writes the whole row of δ1 thirteen times (a zeroing, ten
/// products, f', ∂L/∂b1, the scaling). The same operations in the same order per column: the same bits.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn hidden_error(
    d1: &mut [f32],
    d2: &[f32],
    w2t: &[f32],
    a1: &[f32],
    activation: Activation,
    db1: &mut [f32],
    scale: f32,
) {
    const L: usize = 16;
    let h = d1.len();
    assert!(d2.len() == OUTPUTS && w2t.len() == OUTPUTS * h && a1.len() == h && db1.len() == h);
    let whole = h - h % L;
    for j in (0..whole).step_by(L) {
        let mut sum = [0.0f32; L];
        for (k, &d) in d2.iter().enumerate() {
            let w2t: &[f32; L] = w2t[k * h + j..][..L].try_into().expect("L values");
            for l in 0..L {
                sum[l] += d * w2t[l];
            }
        }
        activation.times_derivative(&a1[j..j + L], &mut sum);
        let db1: &mut [f32; L] = (&mut db1[j..j + L]).try_into().expect("L values");
        for l in 0..L {
            db1[l] += 1.0 * sum[l];
        }
        let d1: &mut [f32; L] = (&mut d1[j..j + L]).try_into().expect("L values");
        for l in 0..L {
            d1[l] = sum[l] * scale;
        }
    }
    // The last columns as the rows do them.
    hidden_error_row(&mut d1[whole..], d2, w2t, h, whole, &a1[whole..], activation, &mut db1[whole..], scale);
}

/// [`hidden_error`] of columns `first..h` in vector operations on the whole row: δ1 = (δ2·w2ᵀ) ⊙ f'(z1), with w2ᵀ
/// (10, h), d1, a1 and db1 those columns; ∂L/∂b1 += δ1; then `d1` = scale·δ1, the row the sink gets. (h is an
/// argument so that it is a constant where the caller's is.)
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn hidden_error_row(
    d1: &mut [f32],
    d2: &[f32],
    w2t: &[f32],
    h: usize,
    first: usize,
    a1: &[f32],
    activation: Activation,
    db1: &mut [f32],
    scale: f32,
) {
    d1.fill(0.0);
    for (&d, w2t_row) in d2.iter().zip(w2t.chunks_exact(h)) {
        axpy(d1, d, &w2t_row[first..]);
    }
    activation.times_derivative(a1, d1);
    axpy(db1, 1.0, d1);
    d1.iter_mut().for_each(|d| *d *= scale);
}

/// ∂L/∂w2 = a1ᵀ·δ2: (h, B)·(B, 10) → (h, 10) into `dw2`, from a1 (B, h) and δ2 (B, 10): C rows of it
/// at a time ([`w2_gradient_rows`]), the last ones from a1's columns copied out with zeros after them.
#[inline(always)]
fn w2_gradient<const C: usize>(a1: &[f32], h: usize, d2: &[f32], dw2: &mut [f32]) {
    for j in (0..h).step_by(C) {
        let width = C.min(h - j);
        let sums = if width == C {
            w2_gradient_rows::<C>(a1, h, d2, |a1_b| a1_b[j..j + C].try_into().expect("C columns"))
        } else {
            w2_gradient_rows::<C>(a1, h, d2, |a1_b| {
                let mut a = [0.0; C];
                a[..width].copy_from_slice(&a1_b[j..]);
                a
            })
        };
        scatter_w2_gradient(dw2, j, width, &sums);
    }
}

/// Writes `sums` from [`w2_gradient_rows`] into rows j to j + width of ∂L/∂w2 (h, 10).
#[inline(always)]
fn scatter_w2_gradient<const C: usize>(dw2: &mut [f32], j: usize, width: usize, sums: &[[f32; C]; OUTPUTS]) {
    for (l, dw2_row) in dw2[j * OUTPUTS..(j + width) * OUTPUTS].chunks_exact_mut(OUTPUTS).enumerate() {
        for (k, dw2) in dw2_row.iter_mut().enumerate() {
            *dw2 = sums[k][l];
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
simd_versions! {
    /// [`w2_gradient`] for widths read at run time, with a dispatch of its own: with AVX-512 sixteen rows at a time
    /// (ten sums of one register each), where [`COLUMNS`] (eight) took twice the instructions. The same sums.
    /// Measured, builds alternating (CPU time, benches/epoch): h = 256 0.1143–0.1155 → 0.1128–0.1135 s, h = 1,024
    /// 0.420–0.422 → 0.412–0.417 s.
    fn w2_gradient_wide(a1: &[f32], h: usize, d2: &[f32], dw2: &mut [f32]) -> ()
        = w2_gradient::<COLUMNS>, with avx512 w2_gradient::<16>;
}

/// Rows of ∂L/∂w2 computed together by [`w2_gradient_rows`]: ten sums of COLUMNS lanes each, in registers
/// (ten AVX2 registers; with AVX-512 sixteen for widths read at run time, [`w2_gradient_wide`]). In wasm one: a row's ten sums, column by column, as before; four (a wasm SIMD
/// register each) made no V8 epoch faster at h = 28, 256 or 1,024 and weighed 0.6 KB of gzip.
const COLUMNS: usize = if cfg!(target_arch = "wasm32") { 1 } else { 8 };

/// Σ_b a1_bj·δ2_bk for C columns j of a1 (the ones `columns` takes from a row a1_b) and
/// every k: `sums[k][l]` is row j_l, column k of ∂L/∂w2 = a1ᵀ·δ2 ((h, B)·(B, 10) → (h, 10)),
/// each added from 0 in the order of b, as by one sum at a time. `a1` is (B, h), `δ2` (B, 10).
///
/// Column by column (as in wasm), each sum reads a1_bj from B rows h apart: natively at h = 1,024, rows 4 KB
/// apart, which share a handful of the first-level cache's sets, that took 9% of an epoch; eight at a time,
/// an epoch is 7% shorter there (and unchanged at h = 28 and 256).
#[inline(always)]
fn w2_gradient_rows<const C: usize>(
    a1: &[f32],
    h: usize,
    d2: &[f32],
    columns: impl Fn(&[f32]) -> [f32; C],
) -> [[f32; C]; OUTPUTS] {
    let mut sums = [[0.0; C]; OUTPUTS];
    for (a1_b, d2_b) in a1.chunks_exact(h).zip(d2.chunks_exact(OUTPUTS)) {
        let a = columns(a1_b);
        // One call per k, not a loop over k: so the ten sums stay in registers.
        let [s0, s1, s2, s3, s4, s5, s6, s7, s8, s9] = &mut sums;
        let d: [f32; OUTPUTS] = d2_b.try_into().expect("10 values");
        add_row(s0, d[0], a);
        add_row(s1, d[1], a);
        add_row(s2, d[2], a);
        add_row(s3, d[3], a);
        add_row(s4, d[4], a);
        add_row(s5, d[5], a);
        add_row(s6, d[6], a);
        add_row(s7, d[7], a);
        add_row(s8, d[8], a);
        add_row(s9, d[9], a);
    }
    sums
}

/// θ ← θ − η·∂L/∂θ for θ = b1, w2, b2 (`params` and `grad` laid out alike; w1's step is
/// taken in [`backward`]).
#[inline(always)]
fn update(params: &mut [f32], learning_rate: f32, grad: &[f32]) {
    axpy(params, -learning_rate, grad);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_helpers::random_batch;
    use rand::SeedableRng;
    use rand_pcg::Pcg64;

    #[test]
    fn parameter_layout() {
        let net = Network::new(3, Activation::Sigmoid, Init::Uniform, &mut Pcg64::seed_from_u64(1)).unwrap();
        assert_eq!(net.params().len(), 784 * 3 + 3 + 30 + 10);
        assert_eq!(net.tensors().map(|(_, t)| t.len()), [784 * 3, 3, 30, 10]);
        assert!(net.params().iter().all(|p| (-1.0..=1.0).contains(p)));
        // Scaled: zero biases, weights within He's range for ReLU.
        let net = Network::new(50, Activation::Relu, Init::Scaled, &mut Pcg64::seed_from_u64(2)).unwrap();
        assert!(net.b1().iter().chain(net.b2()).all(|&b| b == 0.0));
        let r = (6.0f32 / 784.0).sqrt();
        assert!(net.w1().iter().all(|w| w.abs() <= r));
        assert!(net.w1().iter().any(|w| w.abs() > r / 2.0));
    }

    #[test]
    fn hidden_size_is_checked() {
        let mut rng = Pcg64::seed_from_u64(3);
        let err = Network::new(0, Activation::Sigmoid, Init::Uniform, &mut rng).unwrap_err();
        assert_eq!(err.to_string(), "hidden units: 0 is outside the allowed range 1 to 4096");
        let err = Network::new(MAX_HIDDEN + 1, Activation::Sigmoid, Init::Uniform, &mut rng).unwrap_err();
        assert_eq!(err.to_string(), "hidden units: 4097 is outside the allowed range 1 to 4096");
        let err = Network::from_params(2, Activation::Relu, vec![0.0; 5]).unwrap_err();
        assert_eq!(err.to_string(), "a network with 2 hidden units has 1600 parameters, not 5");
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
            // Widths past the batch kernels' tile (64) and chunk (256), and not multiples of any SIMD width.
            for (hidden, rows) in [(1, 1), (7, 5), (28, 32), (28, 1), (33, 3), (70, 4), (300, 3), (577, 2)] {
                let net = Network::new(hidden, activation, Init::Uniform, &mut rng).unwrap();
                let mut batch = random_batch(&mut rng, rows);
                // The last pixel set, so that blocks run to the very end of w1.
                let mut image = vec![0.5; INPUTS];
                image[0] = 0.0;
                batch.push_f32(&image, 9).unwrap();
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
    fn divergence_leaves_the_network_untouched() {
        let mut net = Network::new(4, Activation::Relu, Init::Uniform, &mut Pcg64::seed_from_u64(5)).unwrap();
        net.params_mut()[0] = f32::INFINITY;
        let before = net.clone();
        let mut batch = Batch::with_capacity(1);
        batch.push_f32(&[1.0; INPUTS], 3).unwrap();
        let err = net.train_batch(&batch, 0.1, &mut Workspace::default()).unwrap_err();
        assert!(!err.loss_sum.is_finite());
        assert_eq!(net, before);
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn training_on_w1_in_panels_is_the_same_to_the_bit() {
        let mut rng = Pcg64::seed_from_u64(9);
        // One panel, the rows padded (28, with the width a constant); panels of 32, the last one whole (64, 256) or
        // padded (33, 100), and chunks of 256 columns, the last one narrower (300) or of one panel's column (257).
        for (hidden, activation) in [
            (28, Activation::Sigmoid),
            (28, Activation::Relu),
            (33, Activation::Sigmoid),
            (64, Activation::Relu),
            (100, Activation::Sigmoid),
            (256, Activation::Relu),
            (257, Activation::Sigmoid),
            (300, Activation::Relu),
        ] {
            let start = Network::new(hidden, activation, Init::Scaled, &mut rng).unwrap();
            let (mut plain, mut held) = (start.clone(), start.clone());
            let mut w1 = PanelW1::of(&held).expect("28 and wider than 32 are held in panels");
            let (mut ws, mut panel_ws) = (Workspace::default(), Workspace::default());
            // Batches of 32 and of the tutorial's 1, and an odd size.
            for rows in [32, 1, 7, 32, 32] {
                let batch = random_batch(&mut rng, rows);
                let a = plain.train_batch(&batch, 0.5, &mut ws).unwrap();
                let b = held.train_batch_panels(&mut w1, &batch, 0.5, &mut panel_ws).unwrap();
                assert_eq!(a, b, "h {hidden} {activation:?}, a batch of {rows}");
            }
            // w1 is only in the copy until it is stored: the network's own is as it started.
            assert_eq!(held.w1(), start.w1());
            w1.store(&mut held);
            let bits = |net: &Network| net.params().iter().map(|p| p.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&held), bits(&plain), "h {hidden} {activation:?}");
            // The last panel's columns past h are still +0.
            let last = w1.values.chunks_exact(INPUTS * PANEL).last().unwrap();
            let used = hidden - (hidden - 1) / PANEL * PANEL;
            assert!(last.chunks_exact(PANEL).all(|r| r[used..].iter().all(|p| p.to_bits() == 0)), "h {hidden}");
        }
        // Other widths keep their own rows.
        for hidden in [30, 32] {
            let net = Network::new(hidden, Activation::Sigmoid, Init::Scaled, &mut rng).unwrap();
            assert!(PanelW1::of(&net).is_none());
        }
    }

    #[test]
    fn predict_gives_probabilities_and_the_batch_forward_pass_numbers() {
        let mut rng = Pcg64::seed_from_u64(6);
        // 28 with the width a constant, 20 and 40 read at run time (40 in blocks of 32 columns,
        // the last one past the end of w1 at pixel 783, which is set).
        for hidden in [28, 20, 40] {
            let net = Network::new(hidden, Activation::Sigmoid, Init::Uniform, &mut rng).unwrap();
            let image: Vec<f32> = (0..INPUTS).map(|i| ((i * 7) % 13) as f32 / 13.0).collect();
            assert_ne!(image[INPUTS - 1], 0.0);
            let p = net.predict(&image);
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            assert!(p.iter().all(|&p| (0.0..=1.0).contains(&p)));
            let (a1, p2) = net.predict_with_hidden(&image);
            assert_eq!(a1.len(), hidden);
            assert_eq!(p, p2);
            // The same numbers as the batch forward pass over a batch of two.
            let mut batch = Batch::with_capacity(2);
            batch.push_f32(&vec![0.25; INPUTS], 1).unwrap();
            batch.push_f32(&image, 0).unwrap();
            let mut ws = Workspace::default();
            net.evaluate_batch(&batch, &mut ws);
            assert_eq!(ws.probabilities()[OUTPUTS..], p);
            assert_eq!(ws.hidden_activations()[hidden..], a1);
        }
    }
}
