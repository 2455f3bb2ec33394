//! Criterion benchmarks of the network's passes at the tutorial's shapes (784-28-10), each
//! beside its plain reference, through the public API (each runs under the network's own
//! SIMD dispatch, [`handwritten::kernels::simd_level`] says which):
//!
//! - `forward`: the forward pass over 32 MNIST-like images ([`Network::evaluate_batch`]);
//! - `train_batch`: one whole SGD step at batch 32 and at batch 1 ([`Network::train_batch`]),
//!   beside the gradient by plain loops ([`Network::reference_gradient`]).
//!
//! Run with `cargo bench --bench kernels` (add `-- forward` to run one group).
// Native only: for wasm32 (which `wasm-pack test` builds every target for) this compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use handwritten::batch::Batch;
use handwritten::kernels::simd_level;
use handwritten::network::{Network, Workspace, INPUTS};
use handwritten::{Activation, Init};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use std::hint::black_box;

const H: usize = 28;
const B: usize = 32;

/// `rows` images with MNIST's density: a blob of ink covering about 19% of the pixels.
fn images(rng: &mut Pcg64, rows: usize) -> Batch {
    let mut batch = Batch::with_capacity(rows);
    for b in 0..rows {
        let (cy, cx) = (rng.random_range(10..18) as f32, rng.random_range(10..18) as f32);
        let image: Vec<f32> = (0..INPUTS)
            .map(|i| {
                let (y, x) = ((i / 28) as f32, (i % 28) as f32);
                let inside = (y - cy).powi(2) / 64.0 + (x - cx).powi(2) / 25.0 < 1.0;
                if inside && rng.random_bool(0.75) {
                    rng.random_range(0.1..1.0)
                } else {
                    0.0
                }
            })
            .collect();
        batch.push_f32(&image, (b % 10) as u8).expect("a digit");
    }
    batch
}

fn passes(c: &mut Criterion) {
    let mut rng = Pcg64::seed_from_u64(1);
    eprintln!("SIMD {}", simd_level());
    let mut net = Network::new(H, Activation::Sigmoid, Init::Scaled, &mut rng).expect("valid size");
    let batch = images(&mut rng, B);
    let mut ws = Workspace::default();

    let mut group = c.benchmark_group("forward");
    group.bench_function("fast", |bench| bench.iter(|| net.evaluate_batch(black_box(&batch), &mut ws)));
    group.finish();

    // Whole SGD steps, as the trainer runs them.
    let mut group = c.benchmark_group("train_batch");
    for rows in [B, 1] {
        let batch = images(&mut rng, rows);
        group.bench_with_input(BenchmarkId::new("rows", rows), &rows, |bench, _| {
            bench.iter(|| net.train_batch(black_box(&batch), 0.01, &mut ws).expect("finite loss"))
        });
        group.bench_with_input(BenchmarkId::new("reference_gradient", rows), &rows, |bench, _| {
            bench.iter(|| net.reference_gradient(black_box(&batch)))
        });
    }
    group.finish();
}

criterion_group!(benches, passes);
criterion_main!(benches);
