//! # handwritten
//!
//! A neural network for handwritten digits, written by hand: 784 pixels → h hidden
//! units → 10 probabilities, trained by stochastic gradient descent on MNIST.
//!
//! ## The math on one page
//! For a batch of B images a0 (B×784, pixels in [0, 1]) with one-hot labels y (B×10):
//!
//! ```text
//! z1 = a0·w1 + b1      a1 = f(z1)          (B,h)    f = sigmoid or ReLU
//! z2 = a1·w2 + b2      a2 = softmax(z2)    (B,10)
//! L  = −(1/B) Σ_b Σ_k y_bk ln a2_bk
//! δ2 = ∂L/∂z2 = (a2 − y)/B                 ∂L/∂w2 = a1ᵀ·δ2   ∂L/∂b2 = Σ_b δ2
//! δ1 = ∂L/∂z1 = (δ2·w2ᵀ) ⊙ f'(z1)          ∂L/∂w1 = a0ᵀ·δ1   ∂L/∂b1 = Σ_b δ1
//! θ ← θ − η·∂L/∂θ
//! ```
//!
//! Rows are samples, so w1 is (784, h) and w2 is (h, 10): the transposes of the
//! column-vector w1 (h×784) and w2 (10×h) of the tutorial this project starts from.
//! With B = 1 the step is exactly the tutorial's per-sample update.
//!
//! ## The tour
//! - [`math`]: sigmoid, ReLU and their derivatives, softmax, cross-entropy.
//! - [`kernels`]: the inner loops and the choice of SIMD width.
//! - [`aligned`]: the buffer the parameters live in, on a cache-line boundary.
//! - [`network`]: [`Network`] holds w1, b1, w2, b2; forward, backward, update.
//! - [`batch`]: the network's input, images as their nonzero pixels, with their labels.
//! - [`train`]: [`Trainer`] runs epochs of mini-batches; [`evaluate`] measures.
//! - [`feed`]: each batch's images, shuffled and distorted, by the trainer or apart from it ([`feed::Feeder`]).
//! - [`follow`]: one digit through every equation, each quantity kept ([`follow::Derivation`]).
//! - [`teach`]: one teaching step on a reader's digit; the digits a network reads wrong.
//! - [`tutorial`]: the accuracy the tutorial's own code reports (its softmax over samples).
//! - [`mnist`]: IDX and CSV readers into a [`Dataset`].
//! - [`augment`]: random distortions of training images.
//! - [`preprocess`]: a drawing → the 28×28 image MNIST would have made of it.
//! - [`model_file`]: the versioned, checksummed model format.
//! - [`error`]: the [`Error`] type: every failure names the file and the place.
//!
//! The library never prints; the `handwritten` binary and the web page report.

// The documentation is the derivation's, read with its private items (`cargo doc --document-private-items`, as
// `make lint` builds it, warnings denied): a public item's doc may name the private function that does its work.
#![allow(rustdoc::private_intra_doc_links)]

// First, for its macro `message!`, which the other modules use.
#[macro_use]
pub mod error;

pub mod aligned;
pub mod augment;
pub mod batch;
pub mod feed;
pub mod follow;
pub mod kernels;
pub mod math;
pub mod mnist;
pub mod model_file;
pub mod network;
pub mod preprocess;
pub mod teach;
pub mod train;
pub mod tutorial;

#[cfg(test)]
mod test_helpers;

/// The browser build's memory allocator, talc, in place of std's dlmalloc: smaller in the wasm, and it merges
/// freed blocks (the page frees a 47 MB copy of MNIST's images once it has read them). The native builds keep
/// the system's. (The wasm32 build has one thread: no `atomics` target feature.)
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use augment::Augment;
pub use error::{Error, Result};
pub use math::Activation;
pub use mnist::Dataset;
pub use network::{Init, Network};
pub use train::{evaluate, EpochMetrics, Evaluation, Progress, Schedule, TrainConfig, Trainer};
