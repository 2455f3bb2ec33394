//! The tutorial's run on real MNIST, and what the tutorial's own evaluation code would print for the network it
//! makes: its softmax over the samples handicaps some digits, so it reports less than the network's accuracy.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use handwritten::tutorial::tutorial_accuracy;
use handwritten::{evaluate, TrainConfig, Trainer};

#[test]
fn the_tutorials_code_reports_less_than_the_networks_accuracy() {
    let (train, test) = common::mnist();
    let mut trainer = Trainer::new(TrainConfig::tutorial(), train.len()).unwrap();
    while !trainer.is_finished() {
        trainer.run_epoch(train).unwrap();
    }
    let e = evaluate(trainer.network(), test);
    assert_eq!(e.tutorial_accuracy, tutorial_accuracy(trainer.network(), test));
    eprintln!(
        "the tutorial's run: test accuracy {:.4}; the tutorial's code would print {:.4}",
        e.accuracy, e.tutorial_accuracy
    );
    assert!(e.accuracy > 0.9, "{}", e.accuracy);
    assert!(e.tutorial_accuracy < e.accuracy - 0.01, "{} vs {}", e.tutorial_accuracy, e.accuracy);
}
