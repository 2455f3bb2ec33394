//! Criterion benchmarks of the native kernels, at the tutorial's shapes (784-28-10, batch 32),
//! each beside its plain reference implementation:
//!
//! - `z1`: z1_b = a0_b·w1 + b1 over the nonzero pixels of 32 MNIST-like images: `fast` with
//!   [`vec_mat_exact`] (rows in pieces of their exact width, as the network runs h = 28),
//!   `blocks` with [`vec_mat`] (whole 32-lane blocks, as it runs widths known only at run time);
//! - `dw1`: w1 += a0_bᵀ·(−η·δ1_b) for the same images ([`add_outer`]);
//! - `small`: z2 = a1·w2 + b2 and δ2·w2ᵀ for 32 rows, and ∂L/∂w2 = a1ᵀ·δ2 summed over them;
//! - `train_batch`: one whole SGD step at batch 32 and at batch 1.
//!
//! Run with `cargo bench --bench kernels` (add `-- z1` to run one group). The kernels are
//! `#[inline(always)]` bodies; here each runs inside a function compiled for the widest SIMD
//! the CPU has, as in the network ([`handwritten::kernels::simd_level`] says which).
// Native only: for wasm32 (which `wasm-pack test` builds every target for) this compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use handwritten::kernels::{add_outer, reference, simd_level, vec_mat, vec_mat_exact};
use handwritten::network::{Batch, Network, Workspace, INPUTS, OUTPUTS};
use handwritten::simd_versions;
use handwritten::{Activation, Init};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use std::hint::black_box;

const H: usize = 28;
const B: usize = 32;

/// 32 images with MNIST's density: a blob of ink covering about 19% of the pixels.
fn images(rng: &mut Pcg64) -> Vec<(Vec<u16>, Vec<f32>)> {
    (0..B)
        .map(|_| {
            let (cy, cx) = (rng.random_range(10..18) as f32, rng.random_range(10..18) as f32);
            let mut index = Vec::new();
            let mut value = Vec::new();
            for i in 0..INPUTS {
                let (y, x) = ((i / 28) as f32, (i % 28) as f32);
                if (y - cy).powi(2) / 64.0 + (x - cx).powi(2) / 25.0 < 1.0 && rng.random_bool(0.75) {
                    index.push(i as u16);
                    value.push(rng.random_range(0.1..1.0));
                }
            }
            (index, value)
        })
        .collect()
}

fn values(rng: &mut Pcg64, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// z1_b = a0_b·w1 + b1 for every image.
#[inline(always)]
fn z1_body(z1: &mut [f32], b1: &[f32], images: &[(Vec<u16>, Vec<f32>)], w1: &[f32]) {
    for (b, (index, value)) in images.iter().enumerate() {
        vec_mat_exact(&mut z1[b * H..(b + 1) * H], b1, index, value, w1);
    }
}

/// The same with whole blocks.
#[inline(always)]
fn z1_blocks_body(z1: &mut [f32], b1: &[f32], images: &[(Vec<u16>, Vec<f32>)], w1: &[f32]) {
    for (b, (index, value)) in images.iter().enumerate() {
        vec_mat(&mut z1[b * H..(b + 1) * H], b1, index, value, w1);
    }
}

/// ∂L/∂w1 += a0_bᵀ·δ1_b for every image.
#[inline(always)]
fn dw1_body(dw1: &mut [f32], images: &[(Vec<u16>, Vec<f32>)], d1: &[f32]) {
    for (b, (index, value)) in images.iter().enumerate() {
        add_outer(dw1, index, value, &d1[b * H..(b + 1) * H]);
    }
}

/// z2 = a1·w2 + b2 and δ = δ2·w2ᵀ for every row; ∂L/∂w2 = a1ᵀ·δ2 as the network sums it,
/// (∂L/∂w2)ᵀ = δ2ᵀ·a1 row by row over the batch (`d2t` is δ2ᵀ, (10, B); `dw2` receives (10, h)).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn small_body(
    z2: &mut [f32],
    d1: &mut [f32],
    dw2: &mut [f32],
    a1: &[f32],
    d2: &[f32],
    w2: &[f32],
    w2t: &[f32],
    b2: &[f32],
) {
    let units: Vec<u16> = (0..B as u16).collect();
    let zeros = [0.0; H];
    for b in 0..B {
        let (a1, d2) = (&a1[b * H..(b + 1) * H], &d2[b * OUTPUTS..(b + 1) * OUTPUTS]);
        vec_mat_exact(&mut z2[b * OUTPUTS..(b + 1) * OUTPUTS], b2, &units[..H], a1, w2);
        vec_mat_exact(&mut d1[b * H..(b + 1) * H], &zeros, &units[..OUTPUTS], d2, w2t);
    }
    let d2t: Vec<f32> = (0..OUTPUTS * B).map(|i| d2[(i % B) * OUTPUTS + i / B]).collect();
    for k in 0..OUTPUTS {
        vec_mat_exact(&mut dw2[k * H..(k + 1) * H], &zeros, &units, &d2t[k * B..(k + 1) * B], a1);
    }
}

// The three bodies, each compiled for the widest SIMD of this CPU by the network's own dispatch.
simd_versions! {
    fn z1_fast(z1: &mut [f32], b1: &[f32], images: &[(Vec<u16>, Vec<f32>)], w1: &[f32]) -> () = z1_body;
}
simd_versions! {
    fn z1_blocks(z1: &mut [f32], b1: &[f32], images: &[(Vec<u16>, Vec<f32>)], w1: &[f32]) -> () = z1_blocks_body;
}
simd_versions! {
    fn dw1_fast(dw1: &mut [f32], images: &[(Vec<u16>, Vec<f32>)], d1: &[f32]) -> () = dw1_body;
}
simd_versions! {
    #[allow(clippy::too_many_arguments)]
    fn small_fast(
        z2: &mut [f32],
        d1: &mut [f32],
        dw2: &mut [f32],
        a1: &[f32],
        d2: &[f32],
        w2: &[f32],
        w2t: &[f32],
        b2: &[f32],
    ) -> () = small_body;
}

fn kernels(c: &mut Criterion) {
    let mut rng = Pcg64::seed_from_u64(1);
    let images = images(&mut rng);
    let nonzero: usize = images.iter().map(|(i, _)| i.len()).sum();
    eprintln!("SIMD {}; {B} images with {:.0} nonzero pixels each on average", simd_level(), nonzero as f64 / B as f64);
    let w1 = values(&mut rng, INPUTS * H);
    let b1 = values(&mut rng, H);
    let d1 = values(&mut rng, B * H);

    let mut group = c.benchmark_group("z1");
    let mut z1 = vec![0.0; B * H];
    group.bench_function("fast", |bench| bench.iter(|| z1_fast(black_box(&mut z1), &b1, &images, &w1)));
    group.bench_function("blocks", |bench| bench.iter(|| z1_blocks(black_box(&mut z1), &b1, &images, &w1)));
    group.bench_function("reference", |bench| {
        bench.iter(|| {
            for (b, (index, value)) in images.iter().enumerate() {
                reference::vec_mat(&mut z1[b * H..(b + 1) * H], &b1, index, value, &w1);
            }
            black_box(&z1);
        })
    });
    group.finish();

    let mut group = c.benchmark_group("dw1");
    let mut dw1 = vec![0.0; INPUTS * H];
    group.bench_function("fast", |bench| bench.iter(|| dw1_fast(black_box(&mut dw1), &images, &d1)));
    group.bench_function("reference", |bench| {
        bench.iter(|| {
            for (b, (index, value)) in images.iter().enumerate() {
                reference::add_outer(&mut dw1, index, value, &d1[b * H..(b + 1) * H]);
            }
            black_box(&dw1);
        })
    });
    group.finish();

    let (w2, b2, a1, d2) = (
        values(&mut rng, H * OUTPUTS),
        values(&mut rng, OUTPUTS),
        values(&mut rng, B * H),
        values(&mut rng, B * OUTPUTS),
    );
    let mut w2t = vec![0.0; H * OUTPUTS];
    for j in 0..H {
        for k in 0..OUTPUTS {
            w2t[k * H + j] = w2[j * OUTPUTS + k];
        }
    }
    let (mut z2, mut dd1, mut dw2) = (vec![0.0; B * OUTPUTS], vec![0.0; B * H], vec![0.0; H * OUTPUTS]);
    let mut group = c.benchmark_group("small");
    group.bench_function("fast", |bench| {
        bench.iter(|| small_fast(black_box(&mut z2), &mut dd1, &mut dw2, &a1, &d2, &w2, &w2t, &b2))
    });
    group.bench_function("reference", |bench| {
        let units: Vec<u16> = (0..H as u16).collect();
        let zeros = [0.0; H];
        bench.iter(|| {
            for b in 0..B {
                let (a1, d2) = (&a1[b * H..(b + 1) * H], &d2[b * OUTPUTS..(b + 1) * OUTPUTS]);
                reference::vec_mat(&mut z2[b * OUTPUTS..(b + 1) * OUTPUTS], &b2, &units, a1, &w2);
                reference::vec_mat(&mut dd1[b * H..(b + 1) * H], &zeros, &units[..OUTPUTS], d2, &w2t);
                reference::add_outer(&mut dw2, &units, a1, d2);
            }
            black_box(&z2);
        })
    });
    group.finish();

    // Whole SGD steps, as the trainer runs them.
    let mut group = c.benchmark_group("train_batch");
    for rows in [B, 1] {
        let mut net = Network::new(H, Activation::Sigmoid, Init::Scaled, &mut rng).expect("valid size");
        let mut batch = Batch::with_capacity(rows);
        for (b, (index, value)) in images.iter().take(rows).enumerate() {
            let mut image = vec![0.0; INPUTS];
            for (&i, &v) in index.iter().zip(value) {
                image[i as usize] = v;
            }
            batch.push_f32(&image, (b % 10) as u8);
        }
        let mut ws = Workspace::default();
        group.bench_with_input(BenchmarkId::new("rows", rows), &rows, |bench, _| {
            bench.iter(|| net.train_batch(black_box(&batch), 0.01, &mut ws).expect("finite loss"))
        });
        group.bench_with_input(BenchmarkId::new("reference_gradient", rows), &rows, |bench, _| {
            bench.iter(|| net.reference_gradient(black_box(&batch)))
        });
    }
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
