//! Teach the network one digit, and find the digits it gets wrong.
//!
//! A teaching step without replay is the tutorial's one-sample update for the reader's
//! image a0 with label y: θ ← θ − η·∂L_y/∂θ. At the tutorial's η = 0.1 it reads the digit
//! right in one or two steps, and one step can cost the shipped network up to 19 points of
//! test accuracy (on `tests/teach.rs`'s digits): one confidently wrong sample pulls hard on
//! every weight from its inked pixels.
//!
//! With replay ("don't forget the rest") the step is the one training takes: a batch of the
//! reader's image and R = 31 MNIST training images, B = 32, and the mean loss over it,
//!
//! θ ← θ − √B·η·(1/B)·Σ_b ∂L_b/∂θ,
//!
//! at the rate scaled by √B, the usual rule for carrying a rate from one batch size to
//! another (the step's noise stays that of one sample at η). The replay images hold what the
//! network knows in place while it learns the digit: on `tests/teach.rs`'s misread test digits
//! of the shipped network it takes at most 4 presses at η = 0.1, within 1 point of test
//! accuracy (1/√B of the pure step's pull on the reader's digit, repeated, rather than one
//! large pull).

use crate::batch::{check_image, check_label, Batch};
use crate::error::Result;
use crate::math::argmax;
use crate::mnist::Dataset;
use crate::network::{pixel_value, Network, INPUTS};
use crate::train::check_learning_rate;
use rand::Rng;
use serde::Serialize;

/// The replay images of one teaching step: the reader's digit and these make a batch of 32.
pub const REPLAY: usize = 31;

/// `count` images of `data`, drawn uniformly (with replacement) by `rng`, with their labels:
/// the replay images of a teaching step.
pub fn replay_images<'a>(data: &'a Dataset, count: usize, rng: &mut impl Rng) -> Vec<(&'a [u8], u8)> {
    if data.is_empty() {
        return Vec::new();
    }
    (0..count).map(|_| rng.random_range(0..data.len())).map(|i| (data.image(i), data.label(i))).collect()
}

/// One teaching step on `network`: the reader's image `a0` (784 values in [0, 1]) with
/// label `y`, plus `replay`, MNIST images (784 bytes) with their labels, at rate η: the
/// mean loss of the B images at √B·η (see the module's notes). Returns the loss L = −ln a2\[y\] of the reader's
/// image before the step, computed as logsumexp(z2) − z2_y, so that it is finite even where a2\[y\] rounds to 0. On
/// error (bad input, or a step that would make the loss infinite) the network is unchanged.
pub fn teach(network: &mut Network, a0: &[f32], y: u8, replay: &[(&[u8], u8)], learning_rate: f32) -> Result<f32> {
    check_image(a0)?;
    check_label(y)?;
    check_learning_rate(learning_rate)?;
    let mut batch = Batch::with_capacity(1 + replay.len());
    batch.push_f32(a0, y)?;
    for &(image, label) in replay {
        if image.len() != INPUTS {
            return Err(crate::Error::Mismatch {
                what: message!(
                    "core.replaySize",
                    "a replay image has {pixels} pixels, not {given}",
                    pixels = INPUTS,
                    given = image.len()
                ),
            });
        }
        batch.push_u8(image, label)?;
    }
    // The loss as the forward pass computes it, logsumexp(z2) − z2_y (math::cross_entropy): finite where a2[y]
    // rounds to 0, where −ln a2[y] was infinite.
    let mut own = Batch::with_capacity(1);
    own.push_f32(a0, y)?;
    let loss = network.evaluate_batch(&own, &mut Default::default()).loss_sum as f32;
    // The mean over B images at √B·η (B = 1: exactly θ − η·∂L_y/∂θ).
    let rate = learning_rate * (batch.len() as f32).sqrt();
    network.train_batch(&batch, rate, &mut Default::default()).map_err(|_| crate::follow::diverged(learning_rate))?;
    Ok(loss)
}

/// A digit the network reads wrong.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Mistake {
    /// Its index in the dataset.
    pub index: usize,
    /// The true digit.
    pub label: u8,
    /// The digit the network read: argmax a2.
    pub guess: u8,
    /// a2\[guess\], how sure the network was of its wrong answer.
    pub confidence: f32,
}

/// Every image of `data` that `network` reads wrong, the surest mistakes first
/// (ties in dataset order).
///
/// Never inlined, so that it keeps the release profile's level 3 in the page: its one caller, the boundary, is
/// optimised for size (Cargo.toml), and there it took a fifth longer.
#[inline(never)]
pub fn mistakes(network: &Network, data: &Dataset) -> Vec<Mistake> {
    let mut a0 = vec![0.0; INPUTS];
    let mut found = Vec::new();
    for index in 0..data.len() {
        a0.iter_mut().zip(data.image(index)).for_each(|(a, &p)| *a = pixel_value(p));
        let a2 = network.predict(&a0);
        let guess = argmax(&a2);
        let label = data.label(index);
        if guess != label as usize {
            found.push(Mistake { index, label, guess: guess as u8, confidence: a2[guess] });
        }
    }
    sort_surest_first(&mut found);
    found
}

/// Orders `found` by confidence, the highest first (as `f32::total_cmp` orders), keeping the
/// order of equals: a stable radix sort, a byte of the key at a time, in a few lines where the
/// standard library's sort is over a kilobyte of the page's gzipped wasm.
fn sort_surest_first(found: &mut Vec<Mistake>) {
    // The bits of an f32 turned into a key that orders as total_cmp does (negative numbers
    // reversed, positive ones above them), then reversed so that ascending keys are the surest first.
    let key = |m: &Mistake| {
        let bits = m.confidence.to_bits();
        !(if bits >> 31 == 1 { !bits } else { bits | 1 << 31 })
    };
    let mut sorted = found.clone();
    for shift in [0, 8, 16, 24] {
        let digit = |m: &Mistake| (key(m) >> shift & 0xff) as usize;
        // starts[d]: where the mistakes whose digit is d begin, after those of the smaller digits.
        let mut starts = [0; 257];
        found.iter().for_each(|m| starts[digit(m) + 1] += 1);
        for d in 0..256 {
            starts[d + 1] += starts[d];
        }
        for m in found.iter() {
            sorted[starts[digit(m)]] = *m;
            starts[digit(m)] += 1;
        }
        std::mem::swap(found, &mut sorted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::Activation;
    use crate::network::Init;
    use rand::{Rng, SeedableRng};
    use rand_pcg::Pcg64;

    fn random_image(rng: &mut Pcg64) -> Vec<u8> {
        (0..INPUTS).map(|_| if rng.random_bool(0.2) { rng.random() } else { 0 }).collect()
    }

    #[test]
    fn without_replay_it_is_the_tutorials_one_sample_step() {
        let mut rng = Pcg64::seed_from_u64(1);
        let net = Network::new(28, Activation::Sigmoid, Init::Uniform, &mut rng).unwrap();
        let a0: Vec<f32> = random_image(&mut rng).into_iter().map(pixel_value).collect();
        let mut batch = Batch::with_capacity(1);
        batch.push_f32(&a0, 4).unwrap();
        let (loss, grad) = net.gradient(&batch);
        let mut taught = net.clone();
        let reported = teach(&mut taught, &a0, 4, &[], 0.1).unwrap();
        assert!((reported - loss).abs() < 1e-4, "{reported} vs {loss}");
        for (p, ((&t, &n), &g)) in taught.params().iter().zip(net.params()).zip(&grad).enumerate() {
            let expected = n - 0.1 * g;
            assert!((t - expected).abs() <= 1e-6 * (1.0 + expected.abs()), "parameter {p}: {t} vs {expected}");
        }
    }

    #[test]
    fn a_confidently_wrong_network_reports_a_finite_loss() {
        // b2 makes z2_0 − z2_4 = 200, so a2[4] = e^−200 rounds to 0 in f32: the loss is logsumexp(z2) − z2_4, about
        // 200, not −ln 0 = ∞.
        let mut rng = Pcg64::seed_from_u64(6);
        let mut net = Network::new(5, Activation::Sigmoid, Init::Scaled, &mut rng).unwrap();
        let b2 = net.params().len() - 10;
        net.params_mut()[b2] = 200.0;
        let a0: Vec<f32> = random_image(&mut rng).into_iter().map(pixel_value).collect();
        assert_eq!(net.predict(&a0)[4], 0.0, "a2[4] should round to 0 for this test");
        let mut batch = Batch::with_capacity(1);
        batch.push_f32(&a0, 4).unwrap();
        let (loss, _) = net.gradient(&batch);
        let reported = teach(&mut net, &a0, 4, &[], 1e-3).unwrap();
        assert!(reported.is_finite() && (reported - loss).abs() < 1e-3, "{reported} vs {loss}");
    }

    #[test]
    fn with_replay_it_is_the_batch_mean_at_root_b_times_the_rate() {
        let mut rng = Pcg64::seed_from_u64(2);
        let net = Network::new(9, Activation::Sigmoid, Init::Scaled, &mut rng).unwrap();
        let a0: Vec<f32> = random_image(&mut rng).into_iter().map(pixel_value).collect();
        let images: Vec<Vec<u8>> = (0..3).map(|_| random_image(&mut rng)).collect();
        let replay: Vec<(&[u8], u8)> = images.iter().zip([1, 7, 9]).map(|(i, l)| (&i[..], l)).collect();
        // θ − √B·η·(1/B)·Σ_b ∂L_b/∂θ = θ − (η/√B)·Σ_b ∂L_b/∂θ, from each image's own gradient, B = 4.
        let mut expected = net.params().to_vec();
        let mut one = |batch: &Batch| {
            let (_, grad) = net.gradient(batch);
            expected.iter_mut().zip(&grad).for_each(|(p, g)| *p -= 0.2 / 2.0 * g);
        };
        let mut batch = Batch::with_capacity(1);
        batch.push_f32(&a0, 2).unwrap();
        one(&batch);
        for &(image, label) in &replay {
            let mut batch = Batch::with_capacity(1);
            batch.push_u8(image, label).unwrap();
            one(&batch);
        }
        let mut taught = net.clone();
        teach(&mut taught, &a0, 2, &replay, 0.2).unwrap();
        for (p, (&t, &e)) in taught.params().iter().zip(&expected).enumerate() {
            assert!((t - e).abs() <= 1e-5 * (1.0 + e.abs()), "parameter {p}: {t} vs {e}");
        }
    }

    #[test]
    fn bad_input_leaves_the_network_unchanged() {
        let mut rng = Pcg64::seed_from_u64(3);
        let net = Network::new(4, Activation::Relu, Init::Scaled, &mut rng).unwrap();
        let mut taught = net.clone();
        let short = [0u8; 100];
        let err = teach(&mut taught, &[0.5; INPUTS], 3, &[(&short, 1)], 0.1).unwrap_err();
        assert!(err.to_string().contains("replay image has 784 pixels, not 100"), "{err}");
        assert!(teach(&mut taught, &[0.5; INPUTS], 12, &[], 0.1).is_err());
        assert!(teach(&mut taught, &[0.5; 3], 1, &[], 0.1).is_err());
        assert!(teach(&mut taught, &[0.5; INPUTS], 1, &[], -1.0).is_err());
        assert_eq!(taught, net);
    }

    #[test]
    fn mistakes_are_the_wrong_reads_surest_first() {
        let mut rng = Pcg64::seed_from_u64(4);
        let net = Network::new(6, Activation::Sigmoid, Init::Uniform, &mut rng).unwrap();
        let images: Vec<u8> = (0..40).flat_map(|_| random_image(&mut rng)).collect();
        let labels: Vec<u8> = (0..40).map(|i| (i % 10) as u8).collect();
        let data = Dataset::new(images, labels).unwrap();
        let found = mistakes(&net, &data);
        let mut wrong = 0;
        for i in 0..data.len() {
            let a0: Vec<f32> = data.image(i).iter().map(|&p| pixel_value(p)).collect();
            let a2 = net.predict(&a0);
            let guess = argmax(&a2);
            if guess != data.label(i) as usize {
                wrong += 1;
                let m = found.iter().find(|m| m.index == i).expect("every wrong read is listed");
                assert_eq!((m.label, m.guess as usize, m.confidence), (data.label(i), guess, a2[guess]));
            }
        }
        assert_eq!(found.len(), wrong);
        assert!(wrong > 0 && wrong < 40, "the test needs both right and wrong reads ({wrong} wrong)");
        assert!(found.windows(2).all(|w| w[0].confidence >= w[1].confidence));
    }

    #[test]
    fn the_sort_is_total_cmp_highest_first_and_keeps_the_order_of_equals() {
        let mut rng = Pcg64::seed_from_u64(5);
        let special =
            [0.0, -0.0, 1.0, 0.5, f32::NAN, -f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.5, f32::MIN_POSITIVE];
        let mut found: Vec<Mistake> = (0..500)
            .map(|index| {
                let confidence =
                    if rng.random_bool(0.3) { special[rng.random_range(0..special.len())] } else { rng.random() };
                Mistake { index, label: 0, guess: 1, confidence }
            })
            .collect();
        let mut expected = found.clone();
        expected.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then(a.index.cmp(&b.index)));
        sort_surest_first(&mut found);
        let bits = |v: &[Mistake]| v.iter().map(|m| (m.index, m.confidence.to_bits())).collect::<Vec<_>>();
        assert_eq!(bits(&found), bits(&expected));
    }
}
