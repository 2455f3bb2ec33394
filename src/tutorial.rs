//! What the tutorial's own code reports for a network, reproduced.
//!
//! The tutorial evaluates a whole dataset at once, with its softmax applied to the
//! (N, 10) matrix of logits:
//!
//! ```python
//! def softmax(x):
//!     expz = np.exp(x - x.max())
//!     return expz / np.sum(expz, axis = 0)
//! ```
//!
//! `axis = 0` sums over the N samples, not over the 10 classes, so its "probability" of
//! digit k for sample n is e^(z2_nk − M) / S_k with S_k = Σ_n' e^(z2_n'k − M): each class
//! divided by its own total over the dataset. Its prediction argmax_k of that is
//! argmax_k (z2_nk − ln S_k), not argmax_k z2_nk: a digit whose logits run high over the
//! whole set is handicapped. That is the accuracy it prints (90.8% in its run), and what
//! [`tutorial_accuracy`] computes; the network's own accuracy ([`crate::evaluate`]) takes
//! argmax_k a2_nk = argmax_k z2_nk.

use crate::mnist::Dataset;
use crate::network::{Network, OUTPUTS};

/// The fraction of `data` the tutorial's `compute_accuracy` would count as right for
/// `network` (see the module's notes). 0 for an empty dataset. [`crate::evaluate`] reports
/// it too, from the same forward pass as the rest of its figures.
pub fn tutorial_accuracy(network: &Network, data: &Dataset) -> f64 {
    crate::evaluate(network, data).tutorial_accuracy
}

/// The tutorial's accuracy from the logits z2 (N, 10, row-major) of the N images of `data`.
pub(crate) fn tutorial_accuracy_of_logits(z2: &[f32], data: &Dataset) -> f64 {
    let n = data.len();
    if n == 0 {
        return 0.0;
    }
    // ln S_k = ln Σ_n e^(z2_nk − M), shifted by the column's own maximum (the argmax below does not
    // depend on M, which cancels across k): each term by the network's own e^x (crate::math::exp),
    // summed in f64, the sum's logarithm in f32 by its own ln (crate::math::ln). The same bits natively and
    // in the page (the platforms' exp and ln differ in the last bit, and their f64 versions weighed 0.5 KB
    // of the page's gzipped wasm); an error of 1e-7 in ln S_k moves no argmax but near-exact ties.
    let mut ln_s = [0.0f64; OUTPUTS];
    for (k, ln_s) in ln_s.iter_mut().enumerate() {
        let column = || z2[k..].iter().step_by(OUTPUTS).copied();
        let max = column().fold(f32::NEG_INFINITY, |m, z| if z > m { z } else { m });
        let sum: f64 = column().map(|z| crate::math::exp(z - max) as f64).sum();
        *ln_s = max as f64 + crate::math::ln(sum as f32) as f64;
    }
    let correct = z2
        .chunks_exact(OUTPUTS)
        .enumerate()
        .filter(|&(i, row)| {
            let score = |k: usize| row[k] as f64 - ln_s[k];
            let guess = (1..OUTPUTS).fold(0, |best, k| if score(k) > score(best) { k } else { best });
            guess == data.label(i) as usize
        })
        .count();
    correct as f64 / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::Activation;
    use crate::network::Init;
    use crate::network::{pixel_value, INPUTS};
    use rand::{Rng, SeedableRng};
    use rand_pcg::Pcg64;

    /// The tutorial's code, transcribed: softmax over axis 0 of the (N, 10) logits, in f64.
    fn transcribed(network: &Network, data: &Dataset) -> f64 {
        let z2: Vec<Vec<f64>> = (0..data.len())
            .map(|i| {
                let a0: Vec<f32> = data.image(i).iter().map(|&p| pixel_value(p)).collect();
                let (a1, _) = network.predict_with_hidden(&a0);
                (0..OUTPUTS)
                    .map(|k| {
                        network.b2()[k] as f64
                            + (0..a1.len()).map(|j| a1[j] as f64 * network.w2()[j * OUTPUTS + k] as f64).sum::<f64>()
                    })
                    .collect()
            })
            .collect();
        let m = z2.iter().flatten().copied().fold(f64::NEG_INFINITY, f64::max);
        let expz: Vec<Vec<f64>> = z2.iter().map(|row| row.iter().map(|z| (z - m).exp()).collect()).collect();
        let sums: Vec<f64> = (0..OUTPUTS).map(|k| expz.iter().map(|row| row[k]).sum()).collect();
        let correct = expz
            .iter()
            .enumerate()
            .filter(|(i, row)| {
                let out: Vec<f64> = row.iter().zip(&sums).map(|(e, s)| e / s).collect();
                let guess = (1..OUTPUTS).fold(0, |b, k| if out[k] > out[b] { k } else { b });
                guess == data.label(*i) as usize
            })
            .count();
        correct as f64 / data.len() as f64
    }

    fn random_data(rng: &mut Pcg64, n: usize) -> Dataset {
        let images: Vec<u8> = (0..n * INPUTS).map(|_| if rng.random_bool(0.2) { rng.random() } else { 0 }).collect();
        let labels: Vec<u8> = (0..n).map(|_| rng.random_range(0..10)).collect();
        Dataset::new(images, labels).unwrap()
    }

    #[test]
    fn agrees_with_the_tutorials_code_and_differs_from_the_true_accuracy() {
        let mut rng = Pcg64::seed_from_u64(1);
        let data = random_data(&mut rng, 300);
        let mut differs = false;
        for seed in 0..4 {
            let net = Network::new(28, Activation::Sigmoid, Init::Uniform, &mut Pcg64::seed_from_u64(seed)).unwrap();
            let ours = tutorial_accuracy(&net, &data);
            assert_eq!(ours, transcribed(&net, &data), "seed {seed}");
            differs |= ours != crate::evaluate(&net, &data).accuracy;
        }
        assert!(differs, "the sample-normalised softmax changed no prediction: the test shows nothing");
        assert_eq!(
            tutorial_accuracy(&Network::new(3, Activation::Relu, Init::Scaled, &mut rng).unwrap(), &data.take(0)),
            0.0
        );
    }
}
