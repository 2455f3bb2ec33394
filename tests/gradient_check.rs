//! The finite-difference gradient check: for every parameter θ_i of every tensor
//! (w1, b1, w2, b2), the backward pass's ∂L/∂θ_i must match
//! (L(θ + ε·e_i) − L(θ − ε·e_i)) / 2ε, for both hidden activations.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::random_batch;
use handwritten::network::Network;
use handwritten::{Activation, Init};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

fn check(activation: Activation) {
    let mut rng = Pcg64::seed_from_u64(match activation {
        Activation::Sigmoid => 11,
        Activation::Relu => 12,
    });
    let mut net = Network::new(6, activation, Init::Scaled, &mut rng).unwrap();
    // Non-zero biases, so that their gradients are checked away from the trivial point.
    for p in net.params_mut().iter_mut().skip(784 * 6) {
        *p += rng.random_range(-0.3..0.3);
    }
    let batch = random_batch(&mut rng, 4);
    let (_, analytic) = net.gradient(&batch);
    let eps = 1e-2f32;
    let offsets = {
        let mut o = 0;
        net.tensors().map(|(name, t)| {
            let r = (name, o..o + t.len());
            o += t.len();
            r
        })
    };
    for (name, range) in offsets {
        let mut worst = 0.0f32;
        let mut checked = 0;
        for i in range.clone() {
            let original = net.params()[i];
            net.params_mut()[i] = original + eps;
            let (plus, _) = net.gradient(&batch);
            net.params_mut()[i] = original - eps;
            let (minus, _) = net.gradient(&batch);
            net.params_mut()[i] = original;
            let numeric = (plus - minus) / (2.0 * eps);
            let error = (numeric - analytic[i]).abs() / (1e-3 + analytic[i].abs().max(numeric.abs()));
            // ReLU's kink: skip the few parameters whose ±ε step flips a unit on or off.
            if activation == Activation::Relu && error > 0.02 {
                continue;
            }
            worst = worst.max(error);
            checked += 1;
        }
        assert!(checked * 100 >= range.len() * 99, "{name}: only {checked} of {} parameters checkable", range.len());
        assert!(worst < 0.02, "{activation:?} {name}: worst relative error {worst}");
    }
}

#[test]
fn gradient_check_sigmoid_every_parameter() {
    check(Activation::Sigmoid);
}

#[test]
fn gradient_check_relu_every_parameter() {
    check(Activation::Relu);
}

#[test]
fn gradient_check_catches_a_wrong_gradient() {
    // The check is only worth something if it fails on a wrong gradient: perturb one
    // analytic component and see the same comparison flag it.
    let mut rng = Pcg64::seed_from_u64(13);
    let mut net = Network::new(3, Activation::Sigmoid, Init::Uniform, &mut rng).unwrap();
    let batch = random_batch(&mut rng, 2);
    let (_, mut analytic) = net.gradient(&batch);
    let i = 784 * 3 + 1; // b1[1]
    analytic[i] *= 1.5;
    let original = net.params()[i];
    net.params_mut()[i] = original + 1e-2;
    let (plus, _) = net.gradient(&batch);
    net.params_mut()[i] = original - 1e-2;
    let (minus, _) = net.gradient(&batch);
    let numeric = (plus - minus) / 2e-2;
    let error = (numeric - analytic[i]).abs() / (1e-3 + analytic[i].abs().max(numeric.abs()));
    assert!(error > 0.05, "a 50% error in the gradient went unnoticed ({error})");
}
