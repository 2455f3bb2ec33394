//! The tutorial's per-sample SGD step, transcribed literally (column vectors,
//! w1 of shape h×784, w2 of shape 10×h, dense, f64), against the network's
//! sparse, row-major, f32 training step with batch size 1: the same math.
#![cfg(not(target_arch = "wasm32"))]
// The loops are the tutorial's, index for index, so that they can be checked against it.
#![allow(clippy::needless_range_loop)]

mod common;

use handwritten::batch::Batch;
use handwritten::network::{Network, Workspace, INPUTS, OUTPUTS};
use handwritten::{Activation, Init};
use rand::SeedableRng;

/// The tutorial's parameters: w1 (h, 784), b1 (h), w2 (10, h), b2 (10), f64.
struct Tutorial {
    h: usize,
    w1: Vec<f64>,
    b1: Vec<f64>,
    w2: Vec<f64>,
    b2: Vec<f64>,
}

impl Tutorial {
    /// Our w1 is (784, h) and w2 is (h, 10): transpose them into the tutorial's layout.
    fn from_network(net: &Network) -> Tutorial {
        let h = net.hidden();
        let mut w1 = vec![0.0; h * INPUTS];
        for i in 0..INPUTS {
            for j in 0..h {
                w1[j * INPUTS + i] = net.w1()[i * h + j] as f64;
            }
        }
        let mut w2 = vec![0.0; OUTPUTS * h];
        for j in 0..h {
            for k in 0..OUTPUTS {
                w2[k * h + j] = net.w2()[j * OUTPUTS + k] as f64;
            }
        }
        let to64 = |v: &[f32]| v.iter().map(|&x| x as f64).collect();
        Tutorial { h, w1, b1: to64(net.b1()), w2, b2: to64(net.b2()) }
    }

    /// One step of the tutorial's loop for image x (784) with label y.
    fn step(&mut self, x: &[f64], y: usize, alpha: f64) {
        let h = self.h;
        let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
        // z1 = w1 @ x + b1; a1 = sigmoid(z1)
        let z1: Vec<f64> =
            (0..h).map(|j| (0..INPUTS).map(|i| self.w1[j * INPUTS + i] * x[i]).sum::<f64>() + self.b1[j]).collect();
        let a1: Vec<f64> = z1.iter().map(|&z| sigmoid(z)).collect();
        // z2 = w2 @ a1 + b2; a2 = softmax(z2)
        let z2: Vec<f64> =
            (0..OUTPUTS).map(|k| (0..h).map(|j| self.w2[k * h + j] * a1[j]).sum::<f64>() + self.b2[k]).collect();
        let m = z2.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = z2.iter().map(|z| (z - m).exp()).collect();
        let s: f64 = e.iter().sum();
        let a2: Vec<f64> = e.iter().map(|v| v / s).collect();
        // dcdb2 = a2 - y; dcdw2 = dcdb2 @ a1.T
        let dcdb2: Vec<f64> = (0..OUTPUTS).map(|k| a2[k] - if k == y { 1.0 } else { 0.0 }).collect();
        // dcdb1 = (w2.T @ (a2 - y)) * sigmoid'(z1); dcdw1 = dcdb1 @ x.T
        let dcdb1: Vec<f64> = (0..h)
            .map(|j| {
                (0..OUTPUTS).map(|k| self.w2[k * h + j] * dcdb2[k]).sum::<f64>()
                    * sigmoid(z1[j])
                    * (1.0 - sigmoid(z1[j]))
            })
            .collect();
        for k in 0..OUTPUTS {
            for j in 0..h {
                self.w2[k * h + j] -= alpha * dcdb2[k] * a1[j];
            }
            self.b2[k] -= alpha * dcdb2[k];
        }
        for j in 0..h {
            for i in 0..INPUTS {
                self.w1[j * INPUTS + i] -= alpha * dcdb1[j] * x[i];
            }
            self.b1[j] -= alpha * dcdb1[j];
        }
    }
}

#[test]
fn batch_of_one_is_the_tutorials_step() {
    let (train, _) = common::mnist();
    let mut rng = rand_pcg::Pcg64::seed_from_u64(21);
    let mut net = Network::new(28, Activation::Sigmoid, Init::Uniform, &mut rng).unwrap();
    let mut tutorial = Tutorial::from_network(&net);
    let mut ws = Workspace::default();
    let mut batch = Batch::with_capacity(1);
    for n in 0..200 {
        let image = train.image(n);
        batch.clear();
        batch.push_u8(image, train.label(n)).unwrap();
        net.train_batch(&batch, 0.1, &mut ws).unwrap();
        let x: Vec<f64> = image.iter().map(|&p| (p as f32 / 255.0) as f64).collect();
        tutorial.step(&x, train.label(n) as usize, 0.1);
    }
    let ours = Tutorial::from_network(&net);
    let worst = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    for (name, a, b) in [
        ("w1", &ours.w1, &tutorial.w1),
        ("b1", &ours.b1, &tutorial.b1),
        ("w2", &ours.w2, &tutorial.w2),
        ("b2", &ours.b2, &tutorial.b2),
    ] {
        let d = worst(a, b);
        assert!(d < 1e-4, "{name} differs from the tutorial's step by {d} after 200 samples");
    }
    // And the steps did move the parameters, so the comparison means something.
    let start = Tutorial::from_network(
        &Network::new(28, Activation::Sigmoid, Init::Uniform, &mut rand_pcg::Pcg64::seed_from_u64(21)).unwrap(),
    );
    assert!(worst(&start.w2, &tutorial.w2) > 0.1);
}
