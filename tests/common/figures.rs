//! Figures a test computes natively (tests/training.rs) and in the browser's wasm (tests/web.rs) alike, with what
//! computes them: one file that both include, so that the two sides cannot drift apart.

use handwritten::{model_file, Activation, Augment, Dataset, TrainConfig, Trainer};

/// FNV-1a of the bytes.
pub fn fnv(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

/// FNV-1a of the first 2000 MNIST test images distorted by `Augmenter::apply`, seed 1, by kind.
pub const AUGMENTED: [(Augment, u64); 2] =
    [(Augment::Affine, 0xe31e_395c_7efc_8303), (Augment::Elastic, 0x64f7_2b2d_298a_1587)];

/// [`training_hash`] on the first 640 MNIST test images: the page's network (h = 28, the row kernels, affine
/// augmentation, and elastic: the distortions as the trainer lists them, `Augmenter::push`), h = 100 and h = 300 (z1
/// on the batch's rows of w1 copied together, natively in pieces of 32 columns, in wasm of 16, each ending with a
/// narrower piece; ReLU at 300).
pub const TRAININGS: [(usize, Activation, Augment, u64); 4] = [
    (28, Activation::Sigmoid, Augment::Affine, 0x5424_eeaf_576f_3619),
    (28, Activation::Sigmoid, Augment::Elastic, 0x20d0_1bbe_c7ba_1ae8),
    (100, Activation::Sigmoid, Augment::Affine, 0xf95d_17a1_3257_13f2),
    (300, Activation::Relu, Augment::Off, 0x3c9a_4b8b_6932_df64),
];

/// FNV-1a of the model file after one epoch on `data` with the default settings but these.
pub fn training_hash(data: &Dataset, hidden: usize, activation: Activation, augment: Augment) -> u64 {
    let config = TrainConfig { hidden, activation, epochs: 1, augment, ..TrainConfig::default() };
    let mut trainer = Trainer::new(config, data.len()).unwrap();
    trainer.run_epoch(data).unwrap();
    fnv(model_file::to_bytes(trainer.network()))
}
