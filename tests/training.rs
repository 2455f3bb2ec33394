//! Training on real MNIST: learning on a small slice, determinism, the
//! tutorial's run reproduced, and the shipped model's accuracy.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::figures::{fnv, training_hash, AUGMENTED, TRAININGS};

use handwritten::{evaluate, model_file, Activation, Augment, Error, Init, Schedule, TrainConfig, Trainer};

fn train_all(config: TrainConfig, data: &handwritten::Dataset) -> Trainer {
    let mut trainer = Trainer::new(config, data.len()).unwrap();
    while !trainer.is_finished() {
        trainer.run_epoch(data).unwrap();
    }
    trainer
}

#[test]
fn learns_on_a_small_slice_with_both_activations() {
    let (train, test) = common::mnist();
    let slice = train.take(3000);
    for activation in [Activation::Sigmoid, Activation::Relu] {
        let config = TrainConfig { activation, epochs: 4, learning_rate: 0.3, ..TrainConfig::default() };
        let untrained = Trainer::new(config.clone(), slice.len()).unwrap();
        let before = evaluate(untrained.network(), test);
        let trainer = train_all(config, &slice);
        let after = evaluate(trainer.network(), test);
        assert!(after.loss < before.loss / 2.0, "{activation:?}: loss {} → {}", before.loss, after.loss);
        assert!(
            after.accuracy > 0.85,
            "{activation:?}: test accuracy {} after 4 epochs on 3000 images",
            after.accuracy
        );
    }
}

#[test]
fn progress_reports_stretches_and_epochs() {
    let (train, _) = common::mnist();
    let slice = train.take(1000);
    let config = TrainConfig { epochs: 2, batch_size: 32, ..TrainConfig::default() };
    let mut trainer = Trainer::new(config, slice.len()).unwrap();
    assert_eq!(trainer.batches_per_epoch(), 32); // ⌈1000 / 32⌉: the last batch holds 8
    let p = trainer.step(&slice, 10).unwrap();
    assert_eq!((p.epoch, p.batch, p.samples, p.epoch_done), (1, 10, 320, false));
    // Sums, not means: a loss per image between a trained network's and a guess's, some correct.
    assert!((0.05 * 320.0..2.5 * 320.0).contains(&p.loss_sum), "{p:?}");
    assert!((1..=320).contains(&p.correct), "{p:?}");
    let p = trainer.step(&slice, 100).unwrap();
    assert_eq!((p.epoch, p.batch, p.samples, p.epoch_done), (1, 32, 680, true));
    assert_eq!(trainer.epochs_done(), 1);
    let p = trainer.run_epoch(&slice).unwrap();
    assert_eq!((p.epoch, p.samples), (2, 1000));
    assert!(p.correct > 500, "{p:?}"); // of 1000, where guessing gets 100
    assert!(trainer.is_finished());
    assert!(trainer.step(&slice, 1).is_err());
}

#[test]
fn learning_rate_schedules() {
    let (train, _) = common::mnist();
    let n = train.take(320).len(); // 10 batches of 32 per epoch
    let lr = |schedule, t| {
        let config = TrainConfig {
            schedule,
            epochs: 4,
            learning_rate: 0.8,
            step_every: 2,
            step_factor: 0.25,
            ..TrainConfig::default()
        };
        Trainer::new(config, n).unwrap().learning_rate_at(t)
    };
    assert_eq!(lr(Schedule::Constant, 37), 0.8);
    assert_eq!(lr(Schedule::Cosine, 0), 0.8);
    assert!((lr(Schedule::Cosine, 20) - 0.4).abs() < 1e-6);
    assert!(lr(Schedule::Cosine, 39) < 0.01);
    assert_eq!(lr(Schedule::Step, 19), 0.8);
    assert_eq!(lr(Schedule::Step, 20), 0.2);
}

#[test]
fn same_seed_same_network_bit_for_bit() {
    let (train, _) = common::mnist();
    let slice = train.take(2000);
    for augment in [Augment::Off, Augment::Affine, Augment::Elastic] {
        let config = TrainConfig { epochs: 2, seed: 42, augment, ..TrainConfig::default() };
        let a = train_bytes(config.clone(), &slice);
        let b = train_bytes(config.clone(), &slice);
        assert_eq!(a, b, "augment {augment:?}: two runs with seed 42 differ");
        let c = train_bytes(TrainConfig { seed: 43, ..config }, &slice);
        assert_ne!(a, c);
    }
}

fn train_bytes(config: TrainConfig, data: &handwritten::Dataset) -> Vec<u8> {
    model_file::to_bytes(train_all(config, data).network())
}

#[test]
fn a_diverging_run_stops_with_a_clear_error() {
    let (train, _) = common::mnist();
    let slice = train.take(2000);
    let config = TrainConfig {
        activation: Activation::Relu,
        init: Init::Uniform,
        learning_rate: 100.0,
        schedule: Schedule::Constant,
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::new(config, slice.len()).unwrap();
    let err = loop {
        match trainer.step(&slice, 1) {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert!(matches!(err, Error::Diverged { .. }), "{err}");
    assert!(err.to_string().contains("smaller learning rate"), "{err}");
    assert!(trainer.network().params().iter().all(|p| p.is_finite()), "the network was updated with a non-finite step");
}

#[test]
fn settings_out_of_range_name_the_range() {
    let bad = |c: TrainConfig| Trainer::new(c, 10).unwrap_err().to_string();
    assert_eq!(
        bad(TrainConfig { hidden: 0, ..TrainConfig::default() }),
        "hidden units: 0 is outside the allowed range 1 to 4096"
    );
    assert!(bad(TrainConfig { batch_size: 0, ..TrainConfig::default() }).contains("1 to 4096"));
    assert!(bad(TrainConfig { epochs: 0, ..TrainConfig::default() }).contains("1 to 1000"));
    assert!(bad(TrainConfig { learning_rate: f32::NAN, ..TrainConfig::default() }).contains("above 0, at most 100"));
    assert!(bad(TrainConfig { learning_rate: -1.0, ..TrainConfig::default() }).contains("above 0"));
}

/// The tutorial's run: 28 sigmoid units, uniform init, per-sample SGD at 0.1, 10 epochs.
/// It reported 90.8% (on 9,999 images, after dropping the first); here all 10,000 count.
#[test]
fn the_tutorials_run_reaches_its_accuracy() {
    let (train_set, test) = common::mnist();
    assert_eq!((train_set.len(), test.len()), (60_000, 10_000));
    let trainer = train_all(TrainConfig::tutorial(), train_set);
    let accuracy = evaluate(trainer.network(), test).accuracy;
    assert!(accuracy >= 0.905, "the tutorial's configuration reached only {accuracy}");
}

/// Model file `path` of the repository has `hidden` units of `activation` and scores at least `least`.
fn check_shipped_model(path: &str, hidden: usize, activation: Activation, least: f64) {
    let (_, test) = common::mnist();
    let network = model_file::read(&common::repo_path(path)).unwrap();
    assert_eq!((network.hidden(), network.activation()), (hidden, activation));
    let accuracy = evaluate(&network, test).accuracy;
    assert!(accuracy >= least, "{path} scores {accuracy}");
}

/// The model the page loads at start.
#[test]
fn the_shipped_default_model_loads_and_scores() {
    check_shipped_model("www/models/default.bin", 28, Activation::Sigmoid, 0.965);
}

/// The page's second pretrained network (`make wide`), which it fetches when it is chosen.
#[test]
fn the_shipped_wide_model_loads_and_scores() {
    check_shipped_model("www/models/wide.bin", 800, Activation::Relu, 0.993);
}

#[test]
fn augmented_images_are_the_same_on_every_processor() {
    // tests/web.rs checks the same figures in the browser (wasm SIMD); here AVX2 where the
    // processor has it, else the plain loops (the unit tests check the two agree).
    use rand::SeedableRng;
    let (_, test) = common::mnist();
    for (kind, expected) in AUGMENTED {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
        let mut augmenter = handwritten::augment::Augmenter::new(kind, &mut rng);
        let mut out = vec![0u8; 784];
        let hash = fnv((0..2000).flat_map(|i| {
            augmenter.apply(test.image(i), &mut out, &mut rng);
            out.clone()
        }));
        assert_eq!(hash, expected, "{kind:?}: {hash:#x}");
    }
}

/// One epoch on the first 640 MNIST test images at the widths of `figures::TRAININGS`: FNV-1a of each model file.
/// tests/web.rs checks the same figures in the browser's wasm, so that a network trained on the page is the one the
/// command line would train, to the bit.
#[test]
fn trainings_are_the_same_on_every_processor() {
    let (_, test) = common::mnist();
    let images: Vec<u8> = (0..640).flat_map(|i| test.image(i).to_vec()).collect();
    let labels: Vec<u8> = (0..640).map(|i| test.label(i)).collect();
    let data = handwritten::Dataset::new(images, labels).unwrap();
    for (hidden, activation, augment, expected) in TRAININGS {
        let hash = training_hash(&data, hidden, activation, augment);
        assert_eq!(hash, expected, "h = {hidden}: {hash:#x}");
    }
}
