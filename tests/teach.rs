//! Teaching the shipped network digits it reads wrong, on real MNIST: each is read right
//! within ten presses at the page's defaults (η = 0.1, replay on), and the network keeps
//! its test accuracy to within a point.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use handwritten::math::argmax;
use handwritten::network::pixel_value;
use handwritten::teach::{mistakes, replay_images, teach, REPLAY};
use handwritten::{evaluate, model_file};
use rand::SeedableRng;
use rand_pcg::Pcg64;

/// The page's default rate.
const RATE: f32 = 0.1;
/// The most presses a misread digit may need.
const PRESSES: usize = 10;

#[test]
fn misread_digits_are_taught_within_ten_presses_keeping_the_accuracy() {
    let (train, test) = common::mnist();
    let pretrained = model_file::read(&common::repo_path("www/models/default.bin")).unwrap();
    let before = evaluate(&pretrained, test).accuracy;
    let wrong = mistakes(&pretrained, test);
    let mut rng = Pcg64::seed_from_u64(12);
    // Every third mistake, from the surest to the least sure, with and without replay.
    let mut pure_worst = 1.0f64;
    for replay in [true, false] {
        let mut report = Vec::new();
        for m in wrong.iter().step_by(3) {
            let a0: Vec<f32> = test.image(m.index).iter().map(|&p| pixel_value(p)).collect();
            let mut net = pretrained.clone();
            let mut presses = 0;
            while argmax(&net.predict(&a0)) != m.label as usize {
                assert!(
                    presses < PRESSES,
                    "test digit {} ({} read as {}): not read right after {PRESSES} presses (replay {replay})",
                    m.index,
                    m.label,
                    m.guess
                );
                let images = if replay { replay_images(train, REPLAY, &mut rng) } else { Vec::new() };
                teach(&mut net, &a0, m.label, &images, RATE).unwrap();
                presses += 1;
            }
            let after = evaluate(&net, test).accuracy;
            report.push((m.index, presses, after));
            if replay {
                assert!(
                    (after - before).abs() <= 0.01,
                    "test digit {}: accuracy {before} → {after} with replay",
                    m.index
                );
            }
        }
        let worst = report.iter().map(|r| r.2).fold(1.0, f64::min);
        if !replay {
            pure_worst = worst;
        }
        let most = report.iter().map(|r| r.1).max().unwrap();
        eprintln!(
            "replay {replay}: {} digits, at most {most} presses, accuracy {before:.4} → worst {worst:.4}: {report:?}",
            report.len()
        );
    }
    // The test shows what replay is for: without it some digit costs more than the point.
    assert!(before - pure_worst > 0.01, "the pure one-sample step kept the accuracy too ({before} → {pure_worst})");
}
