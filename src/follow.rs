//! Follow one digit through every equation: the forward pass, the loss, the backward
//! pass and one SGD step, for one image a0 and one label y, with every intermediate
//! quantity kept so that a reader can see the derivation happen.
//!
//! The numbers come from the code that training runs: z1, a1 and a2 from
//! [`Network::forward_one`] (the forward pass), L and every ∂L/∂θ from
//! [`Network::gradient`] (the backward pass, B = 1), and a2 after the step from
//! [`Network::train_batch`] (the update). Only z2, which the forward pass does not keep, is computed again, by
//! [`Network::logits`]: z2 = a1·w2 + b2, the same sums in the same order, so that each number shown is the one the
//! next equation used.
//! With B = 1 the batch equations of [`crate::network`] are the tutorial's per-sample ones:
//!
//! | quantity | equation | shape |
//! |---|---|---|
//! | z1, a1 | z1 = a0·w1 + b1, a1 = f(z1) | (h) |
//! | z2, a2 | z2 = a1·w2 + b2, a2 = softmax(z2) | (10) |
//! | loss | L = −ln a2\[y\] | scalar |
//! | δ2, ∂L/∂b2 | δ2 = a2 − y = ∂L/∂b2 | (10) |
//! | ∂L/∂w2 | a1ᵀ·δ2 | (h, 10) |
//! | δ1, ∂L/∂b1 | δ1 = (δ2·w2ᵀ) ⊙ f′(z1) = ∂L/∂b1 | (h) |
//! | ∂L/∂w1 | a0ᵀ·δ1 | (784, h) |
//! | a2 after | a2 of θ − η·∂L/∂θ | (10) |

use crate::batch::{check_image, check_label, Batch};
use crate::error::{Error, Result};
use crate::math::argmax;
use crate::network::{Network, INPUTS, OUTPUTS};
use crate::train::check_learning_rate;
use serde::Serialize;

/// Every quantity of the derivation for one image and one label, in the order of the
/// equations. Matrices are flat and row-major.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Derivation {
    /// The input image: 784 pixels in [0, 1], row by row of the 28×28 picture.
    pub a0: Vec<f32>,
    /// z1 = a0·w1 + b1, the hidden pre-activations (h).
    pub z1: Vec<f32>,
    /// a1 = f(z1), the hidden activations (h).
    pub a1: Vec<f32>,
    /// z2 = a1·w2 + b2, the logits (10).
    pub z2: Vec<f32>,
    /// a2 = softmax(z2), the ten probabilities.
    pub a2: Vec<f32>,
    /// The label y, the digit the step teaches (the one-hot vector has its 1 here).
    pub y: u8,
    /// L = −ln a2\[y\].
    pub loss: f32,
    /// δ2 = ∂L/∂z2 = a2 − y (10).
    pub delta2: Vec<f32>,
    /// ∂L/∂w2 = a1ᵀ·δ2, shape (h, 10): element j·10 + k.
    pub dw2: Vec<f32>,
    /// ∂L/∂b2 = δ2 (10).
    pub db2: Vec<f32>,
    /// δ1 = ∂L/∂z1 = (δ2·w2ᵀ) ⊙ f′(z1) (h).
    pub delta1: Vec<f32>,
    /// ∂L/∂w1 = a0ᵀ·δ1, shape (784, h): element i·h + j, what pixel i's weight to unit j
    /// would change by per unit of η (with the opposite sign).
    pub dw1: Vec<f32>,
    /// ∂L/∂b1 = δ1 (h).
    pub db1: Vec<f32>,
    /// η, the learning rate of the step.
    pub learning_rate: f32,
    /// a2 of the network after one step θ ← θ − η·∂L/∂θ on this image and label.
    pub a2_after: Vec<f32>,
}

/// Follows image `a0` (784 pixels in [0, 1]) with label `y` (the network's own guess when
/// `None`) through the forward pass, the loss, the backward pass and one step of rate η.
/// `network` is not changed.
pub fn follow(network: &Network, a0: &[f32], y: Option<u8>, learning_rate: f32) -> Result<Derivation> {
    check_image(a0)?;
    check_learning_rate(learning_rate)?;
    let h = network.hidden();
    // Forward: z1 = a0·w1 + b1 and a1 = f(z1), (784)·(784, h) + (h) → (h), and a2 = softmax(z2), by the network's
    // own forward pass.
    let (z1, a1, a2) = network.forward_one(a0);
    let y = match y {
        Some(y) => {
            check_label(y)?;
            y
        }
        None => argmax(&a2) as u8,
    };
    // z2 = a1·w2 + b2: (h)·(h, 10) + (10) → (10).
    let z2 = network.logits(&a1).to_vec();
    // Backward, by the network's own backward pass on a batch of one:
    // ∂L/∂θ laid out as w1 (784, h) | b1 (h) | w2 (h, 10) | b2 (10).
    let mut batch = Batch::with_capacity(1);
    batch.push_f32(a0, y)?;
    let (loss, grad) = network.gradient(&batch);
    let (dw1, rest) = grad.split_at(INPUTS * h);
    let (db1, rest) = rest.split_at(h);
    let (dw2, db2) = rest.split_at(h * OUTPUTS);
    // Update, by the network's own training step: θ ← θ − η·∂L/∂θ, then a2 again.
    let mut after = network.clone();
    after.train_batch(&batch, learning_rate, &mut Default::default()).map_err(|_| diverged(learning_rate))?;
    let a2_after = after.predict(a0).to_vec();
    Ok(Derivation {
        a0: a0.to_vec(),
        z1,
        a1,
        z2,
        a2: a2.to_vec(),
        y,
        loss,
        // With B = 1, ∂L/∂b2 = Σ_b δ2 is δ2 itself and ∂L/∂b1 = Σ_b δ1 is δ1.
        delta2: db2.to_vec(),
        dw2: dw2.to_vec(),
        db2: db2.to_vec(),
        delta1: db1.to_vec(),
        dw1: dw1.to_vec(),
        db1: db1.to_vec(),
        learning_rate,
        a2_after,
    })
}

/// The error of a step whose loss is not finite (the parameters are then left as they were).
pub(crate) fn diverged(learning_rate: f32) -> Error {
    Error::setting(
        "learning rate",
        message!("core.lossInfinite", "{value} makes the loss infinite: take a smaller one", value = learning_rate),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::{sigmoid, softmax, Activation};
    use crate::network::Init;
    use rand::{Rng, SeedableRng};
    use rand_pcg::Pcg64;

    fn image(rng: &mut Pcg64) -> Vec<f32> {
        (0..INPUTS).map(|_| if rng.random_bool(0.25) { rng.random_range(0.0..=1.0) } else { 0.0 }).collect()
    }

    fn close(a: f32, b: f32, tolerance: f32, what: &str) {
        assert!((a - b).abs() <= tolerance * (1.0 + b.abs()), "{what}: {a} vs {b}");
    }

    fn network(hidden: usize, activation: Activation, seed: u64) -> Network {
        Network::new(hidden, activation, Init::Scaled, &mut Pcg64::seed_from_u64(seed)).unwrap()
    }

    /// Every identity of the derivation, checked on the returned numbers.
    fn check_identities(net: &Network, d: &Derivation) {
        let h = net.hidden();
        assert_eq!((d.z1.len(), d.a1.len(), d.delta1.len(), d.db1.len()), (h, h, h, h));
        assert_eq!((d.dw1.len(), d.dw2.len()), (INPUTS * h, h * OUTPUTS));
        // a1 = f(z1).
        for j in 0..h {
            let f = match net.activation() {
                Activation::Sigmoid => sigmoid(d.z1[j]),
                Activation::Relu => d.z1[j].max(0.0),
            };
            close(d.a1[j], f, 1e-5, &format!("a1[{j}] = f(z1[{j}])"));
        }
        // a2 = softmax(z2).
        let mut a2 = [0.0; OUTPUTS];
        softmax(&d.z2, &mut a2);
        for (k, &expected) in a2.iter().enumerate() {
            close(d.a2[k], expected, 1e-5, &format!("a2[{k}] = softmax(z2)[{k}]"));
        }
        // L = −ln a2[y].
        close(d.loss, -d.a2[d.y as usize].ln(), 1e-4, "L = −ln a2[y]");
        // δ2 = a2 − y, and ∂L/∂b2 = δ2.
        for k in 0..OUTPUTS {
            let y = (k == d.y as usize) as u8 as f32;
            close(d.delta2[k], d.a2[k] - y, 1e-6, &format!("δ2[{k}] = a2[{k}] − y[{k}]"));
            assert_eq!(d.db2[k], d.delta2[k]);
        }
        // ∂L/∂w2 = a1ᵀ·δ2.
        for j in 0..h {
            for k in 0..OUTPUTS {
                close(d.dw2[j * OUTPUTS + k], d.a1[j] * d.delta2[k], 1e-5, &format!("∂L/∂w2[{j},{k}]"));
            }
        }
        // δ1 = (δ2·w2ᵀ) ⊙ f′(z1), and ∂L/∂b1 = δ1.
        for j in 0..h {
            let back: f32 = (0..OUTPUTS).map(|k| d.delta2[k] * net.w2()[j * OUTPUTS + k]).sum();
            let derivative = match net.activation() {
                Activation::Sigmoid => sigmoid(d.z1[j]) * (1.0 - sigmoid(d.z1[j])),
                Activation::Relu => (d.z1[j] > 0.0) as u8 as f32,
            };
            close(d.delta1[j], back * derivative, 1e-4, &format!("δ1[{j}]"));
            assert_eq!(d.db1[j], d.delta1[j]);
        }
        // ∂L/∂w1 = a0ᵀ·δ1.
        for i in 0..INPUTS {
            for j in 0..h {
                close(d.dw1[i * h + j], d.a0[i] * d.delta1[j], 1e-5, &format!("∂L/∂w1[{i},{j}]"));
            }
        }
        // a2_after: the network after θ ← θ − η·∂L/∂θ reads a0 as a2_after.
        let mut stepped = net.clone();
        let grad: Vec<f32> = [&d.dw1[..], &d.db1, &d.dw2, &d.db2].concat();
        stepped.params_mut().iter_mut().zip(&grad).for_each(|(p, g)| *p -= d.learning_rate * g);
        let expected = stepped.predict(&d.a0);
        for (k, &expected) in expected.iter().enumerate() {
            close(d.a2_after[k], expected, 1e-5, &format!("a2_after[{k}]"));
        }
    }

    #[test]
    fn every_identity_of_the_derivation_holds() {
        let mut rng = Pcg64::seed_from_u64(1);
        for (activation, hidden) in [(Activation::Sigmoid, 28), (Activation::Sigmoid, 5), (Activation::Relu, 17)] {
            let net = network(hidden, activation, hidden as u64);
            for y in [Some(3), None] {
                let a0 = image(&mut rng);
                let d = follow(&net, &a0, y, 0.1).unwrap();
                check_identities(&net, &d);
                assert_eq!(d.a0, a0);
                assert_eq!(&d.a2[..], &net.predict(&a0)[..]);
            }
        }
    }

    #[test]
    fn each_number_shown_is_the_one_the_next_equation_used() {
        // Exactly, not within a tolerance: a1 = f(z1) with the z1 shown, a2 = softmax(z2) with the z2 shown. (z1 summed
        // again by a plain loop differed from the forward pass's in the last bits: a ReLU unit's a1 was not its z1.)
        let mut rng = Pcg64::seed_from_u64(7);
        for (activation, hidden) in [(Activation::Relu, 300), (Activation::Sigmoid, 28), (Activation::Relu, 33)] {
            let net = network(hidden, activation, 11);
            for _ in 0..3 {
                let d = follow(&net, &image(&mut rng), None, 0.1).unwrap();
                let mut a1 = vec![0.0; hidden];
                activation.apply(&d.z1, &mut a1);
                assert_eq!(d.a1, a1, "{activation:?}, h = {hidden}: a1 ≠ f(z1)");
                assert_eq!(&d.z2[..], &net.logits(&d.a1)[..]);
                let mut a2 = [0.0; OUTPUTS];
                softmax(&d.z2, &mut a2);
                assert_eq!(d.a2, a2);
            }
        }
    }

    #[test]
    fn the_label_defaults_to_the_guess_and_the_step_moves_towards_it() {
        let mut rng = Pcg64::seed_from_u64(2);
        let net = network(28, Activation::Sigmoid, 3);
        let a0 = image(&mut rng);
        let guess = argmax(&net.predict(&a0)) as u8;
        assert_eq!(follow(&net, &a0, None, 0.1).unwrap().y, guess);
        let y = (guess + 1) % 10;
        let d = follow(&net, &a0, Some(y), 0.5).unwrap();
        assert!(d.a2_after[y as usize] > d.a2[y as usize], "a step towards {y} raised a2[{y}]");
    }

    #[test]
    fn the_identity_check_catches_a_wrong_quantity() {
        let mut rng = Pcg64::seed_from_u64(4);
        let net = network(7, Activation::Sigmoid, 5);
        let a0 = image(&mut rng);
        let good = follow(&net, &a0, Some(2), 0.1).unwrap();
        let wrong: [fn(&mut Derivation); 4] = [
            |d| d.delta1[3] *= 1.01,
            |d| d.z2[4] += 0.01,
            |d| d.dw1.iter_mut().rev().find(|g| **g != 0.0).into_iter().for_each(|g| *g *= 1.01),
            |d| d.a2_after[2] += 1e-3,
        ];
        for (n, spoil) in wrong.iter().enumerate() {
            let mut d = good.clone();
            spoil(&mut d);
            let caught = std::panic::catch_unwind(|| check_identities(&net, &d));
            assert!(caught.is_err(), "spoiled quantity {n} was not caught");
        }
    }

    #[test]
    fn bad_input_is_named() {
        let net = network(3, Activation::Sigmoid, 6);
        let err = follow(&net, &[0.0; 10], None, 0.1).unwrap_err();
        assert!(err.to_string().contains("784 pixels, not 10"), "{err}");
        let err = follow(&net, &[0.0; INPUTS], Some(10), 0.1).unwrap_err();
        assert!(err.to_string().contains("10 is not a digit"), "{err}");
        let err = follow(&net, &[0.0; INPUTS], Some(1), 0.0).unwrap_err();
        assert!(err.to_string().contains("learning rate"), "{err}");
        let mut nan = vec![0.0; INPUTS];
        nan[5] = f32::NAN;
        let err = follow(&net, &nan, Some(1), 0.1).unwrap_err();
        assert!(err.to_string().contains("pixel 5"), "{err}");
    }
}
