//! The tutorial's run on real MNIST, and what the tutorial's own evaluation code would print for the network it
//! makes: its softmax over the samples handicaps some digits, so it reports less than the network's accuracy, close
//! to the 90.8% the tutorial reports. (That the figure is what the tutorial's code computes is checked against a
//! transcription of its code in src/tutorial.rs.)
#![cfg(not(target_arch = "wasm32"))]

mod common;

use handwritten::{evaluate, TrainConfig, Trainer};

#[test]
fn the_tutorials_code_reports_less_than_the_networks_accuracy() {
    let (train, test) = common::mnist();
    let mut trainer = Trainer::new(TrainConfig::tutorial(), train.len()).unwrap();
    while !trainer.is_finished() {
        trainer.run_epoch(train).unwrap();
    }
    let e = evaluate(trainer.network(), test);
    eprintln!(
        "the tutorial's run: test accuracy {:.4}; the tutorial's code would print {:.4}",
        e.accuracy, e.tutorial_accuracy
    );
    assert!(e.accuracy > 0.9, "{}", e.accuracy);
    assert!(e.tutorial_accuracy < e.accuracy - 0.01, "{} vs {}", e.tutorial_accuracy, e.accuracy);
    // The tutorial printed 90.8% for its run; its code on our run of its configuration prints within a point of that.
    assert!((e.tutorial_accuracy - 0.908).abs() < 0.01, "{}", e.tutorial_accuracy);
}
