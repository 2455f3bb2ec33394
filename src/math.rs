//! The scalar functions of the derivation: the two hidden activations and their
//! derivatives, softmax and cross-entropy; and sine and cosine, in plain arithmetic.
//!
//! Each is written for one row (one sample); the network applies them row by row.

use serde::{Deserialize, Serialize};

/// The hidden layer's nonlinearity f, so that a1 = f(z1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(all(feature = "cli", not(target_arch = "wasm32")), derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// σ(z) = 1 / (1 + e^(−z)), the tutorial's choice.
    Sigmoid,
    /// max(0, z).
    Relu,
}

impl Activation {
    /// The name used on the command line, in JSON and in the page.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Relu => "relu",
        }
    }

    /// a = f(z), elementwise over a row: `a.len() == z.len()`.
    ///
    /// (This and [`Activation::times_derivative`] are called, not inlined, in wasm: one copy each where inlined
    /// there were one per pass, per hidden width and per activation, 0.8 KB of the page's gzip, for no measurable
    /// time in V8.)
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    pub fn apply(self, z: &[f32], a: &mut [f32]) {
        match self {
            // `sigmoid` and its e^x are plain arithmetic, inlined: the compiler vectorises them along the row.
            Activation::Sigmoid => a.iter_mut().zip(z).for_each(|(a, &z)| *a = sigmoid(z)),
            // max(z, 0) as a select: `f32::max` is a call to libm's fmaxf in wasm (whose own max
            // treats NaN and −0 otherwise), which kept the row from being vectorised there.
            Activation::Relu => a.iter_mut().zip(z).for_each(|(a, &z)| *a = if z > 0.0 { z } else { 0.0 }),
        }
    }

    /// d ← d ⊙ f'(z1), elementwise over a row, with f' written in terms of what the
    /// forward pass kept: σ'(z) = σ(z)(1 − σ(z)) = a(1 − a); relu'(z) = \[z > 0\] = \[a > 0\].
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    pub fn times_derivative(self, a: &[f32], d: &mut [f32]) {
        match self {
            Activation::Sigmoid => d.iter_mut().zip(a).for_each(|(d, &a)| *d *= a * (1.0 - a)),
            Activation::Relu => d.iter_mut().zip(a).for_each(|(d, &a)| {
                if a <= 0.0 {
                    *d = 0.0
                }
            }),
        }
    }
}

/// e^x, to within 2 units in the last place of `f32::exp` for every finite x; +∞ above
/// 88.72 and 0 below −87.33 (where e^x leaves the normal floats), NaN for NaN.
///
/// `f32::exp` is a call into the platform's maths library, one value at a time: glibc's natively, Rust's port
/// of musl's in wasm, which differ in the last bit for some x, so that the softmax of a network trained in the
/// browser and on the command line would part (tests/web.rs and tests/training.rs check they do not). This is
/// plain arithmetic, the same bits everywhere, and the compiler vectorises it along a row (the sigmoid of the
/// hidden layer):
/// e^x = 2^n·e^r with n = round(x·log₂e) and r = x − n·ln 2 in [−ln2/2, ln2/2], e^r by
/// the polynomial of Cephes' expf, and 2^n put into the exponent bits.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 = LN2_HI + LN2_LO, LN2_HI with few significant bits so that n·LN2_HI is exact.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding 1.5·2²³ rounds to an integer (to nearest, ties to even) and leaves it in the low bits.
    const ROUND: f32 = 12_582_912.0;
    let xc = x.clamp(-87.33, 88.72);
    let t = xc * LOG2E + ROUND;
    let n = t - ROUND;
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    let p = 1.987_569_1e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 0.166_666_65;
    let p = p * r + 0.5;
    let er = p * (r * r) + r + 1.0;
    // 2^n as 2^(n − m)·2^m with m = ⌊n/2⌋, each a normal float (n is in [−126, 128], and 2^128
    // or 2^−126·e^r would not be): n + 127 in the exponent field of each.
    let n = (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let m = n >> 1;
    let pow2 = |k: i32| f32::from_bits(((k + 127) << 23) as u32);
    let y = er * pow2(n - m) * pow2(m);
    if x > 88.72 {
        f32::INFINITY
    } else if x < -87.33 {
        0.0
    } else if x.is_nan() {
        x
    } else {
        y
    }
}

/// ln x, to within one unit in the last place for every positive x; −∞ for ±0, +∞ for +∞, NaN below 0 and for NaN.
///
/// As [`exp`]: `f32::ln` is the platform's `logf`, glibc's natively (which picks another version on a CPU with
/// fused multiply-adds) and Rust's port of musl's in wasm, so the losses reported (logsumexp, [`softmax`]) and the
/// tutorial's accuracy (its ln S_k) could differ in the last bit between machines. This is plain arithmetic, the
/// same bits everywhere: x = 2^k·(1 + f) with 1 + f in [√2/2, √2), ln(1 + f) = 2s + s·R(s²) with s = f/(2 + f) and
/// R the polynomial of FreeBSD's (and musl's former) logf, and k·ln 2 added in two parts.
pub fn ln(x: f32) -> f32 {
    // ln 2 = LN2_HI + LN2_LO, LN2_HI with few significant bits so that k·LN2_HI is exact; then R's coefficients,
    // ≈ 2/3, 2/5, 2/7, 2/9 fitted. (As bits: the constants exactly as those libraries write them in hexadecimal.)
    const LN2_HI: f32 = f32::from_bits(0x3f31_7180); // 0.693138…
    const LN2_LO: f32 = f32::from_bits(0x3717_f7d1); // 9.058e−6
    const LG1: f32 = f32::from_bits(0x3f2a_aaaa); // 0.66666663
    const LG2: f32 = f32::from_bits(0x3ecc_ce13); // 0.40000972
    const LG3: f32 = f32::from_bits(0x3e91_e9ee); // 0.28498787
    const LG4: f32 = f32::from_bits(0x3e78_9e26); // 0.24279079
    let mut bits = x.to_bits();
    let mut k: i32 = 0;
    if bits < 0x0080_0000 || bits >> 31 != 0 {
        if bits << 1 == 0 {
            return f32::NEG_INFINITY; // ±0
        }
        if bits >> 31 != 0 {
            return f32::NAN; // below 0 (or a NaN with its sign bit set)
        }
        // A subnormal x: scaled into the normal floats by 2^25.
        k -= 25;
        bits = (x * 33_554_432.0).to_bits();
    } else if bits >= 0x7f80_0000 {
        return x; // +∞, NaN
    } else if bits == 0x3f80_0000 {
        return 0.0;
    }
    // 1 + f into [√2/2, √2): the exponent k taken out, where the mantissa is at or above √2/2's.
    bits = bits.wrapping_add(0x3f80_0000 - 0x3f35_04f3);
    k += (bits >> 23) as i32 - 0x7f;
    let m = f32::from_bits((bits & 0x007f_ffff) + 0x3f35_04f3);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * LG4);
    let t2 = z * (LG1 + w * LG3);
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    let dk = k as f32;
    s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI
}

/// σ(z) = 1 / (1 + e^(−z)). Saturates to exactly 0 or 1 for |z| large, never NaN for finite z.
#[inline(always)]
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + exp(-z))
}

/// a2 = softmax(z2) over one row: a2_k = e^(z2_k − m) / Σ_j e^(z2_j − m), with m = max_j z2_j,
/// so no exponential overflows and the result sums to 1 (shift-invariant by construction).
/// Returns ln Σ_j e^(z2_j − m) + m = logsumexp(z2), which the loss needs.
///
/// Not inlined in wasm: ten values a call, next to a row of w1 per pixel, and inlined into each pass its e^x
/// weighed 0.7 KB of gzip there. Natively inlined, so that it is compiled for each pass's SIMD version, with the
/// ten e^x in one vector (called, it was baseline x86-64 code, ten scalar e^x: 7% of an epoch at h = 28).
#[cfg_attr(target_arch = "wasm32", inline(never))]
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
pub fn softmax(z2: &[f32], a2: &mut [f32]) -> f32 {
    // The largest as a select rather than `f32::max` (a libm call in wasm); a NaN is passed over, as by max.
    let m = z2.iter().fold(f32::NEG_INFINITY, |m, &z| if z > m { z } else { m });
    // Every e^(z2_k − m) first, a vector of them at a time, then their sum in the order of k
    // (one pass that did both waited on each addition before the next e^x).
    a2.iter_mut().zip(z2).for_each(|(a, &z)| *a = exp(z - m));
    let sum = a2.iter().fold(0.0, |sum, &a| sum + a);
    let inv = 1.0 / sum;
    a2.iter_mut().for_each(|a| *a *= inv);
    ln(sum) + m
}

/// L = −Σ_k y_k ln a2_k for a one-hot y with y_label = 1, computed as
/// logsumexp(z2) − z2_label = −ln softmax(z2)_label. Exact, and never ln(0):
/// a confidently wrong network gets a large finite loss, not infinity.
#[inline(always)]
pub fn cross_entropy(logsumexp: f32, z2: &[f32], label: usize) -> f32 {
    logsumexp - z2[label]
}

/// The index of the largest value (the first one on ties): the predicted digit.
/// Written as selects rather than branches: which value wins is data the processor cannot predict.
#[inline(always)]
pub fn argmax(row: &[f32]) -> usize {
    let Some(&first) = row.first() else { return 0 };
    let (mut best, mut best_value) = (0, first);
    for (i, &v) in row.iter().enumerate().skip(1) {
        let better = v > best_value;
        best = if better { i } else { best };
        best_value = if better { v } else { best_value };
    }
    best
}

/// (sin x, cos x), to within 2 units in the last place for |x| < 10⁵: x = k·π/2 + r with
/// |r| ≤ π/4, then fdlibm's polynomials of sin and cos on r (Sun Microsystems, freely
/// distributable), and the quadrant of k.
///
/// For the angles of augmentation and the cosine schedule of the learning rate. Plain arithmetic
/// rather than `f64::sin_cos`, which is the platform's maths library natively and Rust's port of
/// musl's in wasm: the same bits on every platform, so that the browser and the command line
/// distort an image and schedule a run alike; and in the page's wasm, none of the reduction of
/// huge arguments (7 KB) that angles of a few degrees never need.
pub fn sin_cos(x: f64) -> (f64, f64) {
    // π/2 = PIO2_HI + PIO2_LO, PIO2_HI with 33 significant bits, so that k·PIO2_HI is exact for |k| < 2²⁰.
    const PIO2_HI: f64 = 1.570_796_326_734_125_6;
    const PIO2_LO: f64 = 6.077_100_506_506_192e-11;
    // Adding 1.5·2⁵² rounds to an integer (to nearest) and leaves it in the low bits.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let t = x * std::f64::consts::FRAC_2_PI + ROUND;
    let k = t - ROUND;
    let r = (x - k * PIO2_HI) - k * PIO2_LO;
    let z = r * r;
    let sin = r + r
        * z
        * (-1.666_666_666_666_663_2e-1
            + z * (8.333_333_333_322_49e-3
                + z * (-1.984_126_982_985_795e-4
                    + z * (2.755_731_370_707_006_8e-6
                        + z * (-2.505_076_025_340_686_3e-8 + z * 1.589_690_995_211_55e-10)))));
    let cos = 1.0 - 0.5 * z
        + z * z
            * (4.166_666_666_666_66e-2
                + z * (-1.388_888_888_887_411e-3
                    + z * (2.480_158_728_947_673e-5
                        + z * (-2.755_731_435_139_066_3e-7
                            + z * (2.087_572_321_298_175e-9 + z * -1.135_964_755_778_819_5e-11)))));
    match t.to_bits() & 3 {
        0 => (sin, cos),
        1 => (cos, -sin),
        2 => (-sin, -cos),
        _ => (-cos, sin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_is_within_one_ulp_of_f64s_and_exact_where_it_must_be() {
        let ulp = |y: f64| (y.abs() as f32).to_bits();
        let mut worst = 0u32;
        // Every 97th float from the smallest subnormal to the largest finite one, and all those just around 1.
        let near_one = (0x3f70_0000u32..0x3f90_0000).step_by(7);
        for bits in (1u32..0x7f80_0000).step_by(97).chain(near_one) {
            let x = f32::from_bits(bits);
            let (got, want) = (ln(x), (x as f64).ln());
            let want32 = want as f32;
            let off = ulp(got as f64).abs_diff(ulp(want32 as f64));
            assert!(got.is_sign_negative() == want32.is_sign_negative() || want32 == 0.0, "ln({x:e}) = {got}");
            worst = worst.max(off);
        }
        assert!(worst <= 1, "{worst} units in the last place");
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f32::NEG_INFINITY);
        assert_eq!(ln(-0.0), f32::NEG_INFINITY);
        assert_eq!(ln(f32::INFINITY), f32::INFINITY);
        assert!(ln(-1.0).is_nan() && ln(f32::NAN).is_nan() && ln(f32::NEG_INFINITY).is_nan());
        assert_eq!(ln(std::f32::consts::E), 1.0);
    }

    #[test]
    fn exp_is_within_two_ulp_of_the_library() {
        let mut worst = 0.0f64;
        let mut x = -87.3f32;
        while x < 88.7 {
            for x in [x, x + 1e-3, x * 0.999_9] {
                let (got, want) = (exp(x) as f64, (x as f64).exp());
                worst = worst.max(((got - want) / want).abs());
            }
            x += 0.013;
        }
        // 2 units in the last place of f32 are 2.4e-7 relative.
        assert!(worst < 2.4e-7, "worst relative error {worst:e}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-200.0), 0.0);
        assert_eq!(exp(200.0), f32::INFINITY);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert!(exp(f32::NAN).is_nan());
    }

    #[test]
    fn softmax_sums_to_one_and_is_shift_invariant() {
        let z = [1.0f32, -2.0, 3.5, 0.0, 7.25, -30.0, 2.0, 2.0, 0.5, -1.0];
        let mut a = [0.0; 10];
        let lse = softmax(&z, &mut a);
        assert!((a.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let shifted: Vec<f32> = z.iter().map(|z| z + 1000.0).collect();
        let mut b = [0.0; 10];
        let lse_shifted = softmax(&shifted, &mut b);
        for (a, b) in a.iter().zip(&b) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        assert!((lse_shifted - lse - 1000.0).abs() < 1e-3);
    }

    #[test]
    fn sigmoid_along_a_row_is_the_scalar_sigmoid_and_saturates() {
        let z: Vec<f32> = (-400..=400).map(|i| i as f32 * 0.1).chain([-200.0, 200.0, 0.0]).collect();
        let mut a = vec![0.0; z.len()];
        Activation::Sigmoid.apply(&z, &mut a);
        for (&a, &z) in a.iter().zip(&z) {
            assert_eq!(a, sigmoid(z), "σ({z})");
        }
        assert_eq!(a[a.len() - 3..], [0.0, 1.0, 0.5]);
    }

    #[test]
    fn softmax_survives_huge_logits() {
        let z = [1e30f32, -1e30, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let mut a = [0.0; 10];
        softmax(&z, &mut a);
        assert_eq!(a[0], 1.0);
        assert!(a.iter().all(|a| a.is_finite()));
    }

    #[test]
    fn cross_entropy_is_minus_log_probability_and_finite_when_wrong() {
        let z = [0.0f32, 2.0, -1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let mut a = [0.0; 10];
        let lse = softmax(&z, &mut a);
        for (label, p) in a.iter().enumerate() {
            let l = cross_entropy(lse, &z, label);
            assert!((l + p.ln()).abs() < 1e-5);
        }
        // e^(−200) underflows f32, so −ln a2 would be infinite; the loss is not.
        let z = [200.0f32, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let lse = softmax(&z, &mut a);
        assert_eq!(a[1], 0.0);
        assert!((cross_entropy(lse, &z, 1) - 200.0).abs() < 1e-3);
    }

    #[test]
    fn activations_and_their_derivatives() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(-200.0), 0.0);
        assert_eq!(sigmoid(200.0), 1.0);
        // times_derivative against the numerical derivative of f, both activations, from a = f(z).
        let z = [-3.0f32, -0.5, 0.1, 0.7, 4.0];
        for activation in [Activation::Sigmoid, Activation::Relu] {
            let f = |z: f32| {
                let mut a = [0.0];
                activation.apply(&[z], &mut a);
                a[0]
            };
            let a: Vec<f32> = z.iter().map(|&z| f(z)).collect();
            let mut d = [1.0; 5];
            activation.times_derivative(&a, &mut d);
            for (&z, &d) in z.iter().zip(&d) {
                let h = 1e-2;
                let numeric = (f(z + h) - f(z - h)) / (2.0 * h);
                assert!((numeric - d).abs() < 1e-4, "{activation:?} at {z}: {d} vs {numeric}");
            }
        }
    }

    #[test]
    fn argmax_takes_the_first_of_ties() {
        assert_eq!(argmax(&[0.1, 0.5, 0.5, 0.2]), 1);
        assert_eq!(argmax(&[3.0]), 0);
    }

    #[test]
    fn sin_cos_is_the_libraries_to_two_units_in_the_last_place() {
        let ulp = |v: f64| f64::EPSILON * v.abs().max(f64::MIN_POSITIVE);
        let mut x = -40.0f64;
        while x < 40.0 {
            for x in [x, x * 1.000_001, -x / 7.0] {
                let (sin, cos) = sin_cos(x);
                let (want_sin, want_cos) = x.sin_cos();
                // Two ulps of the value, or of 1 where the value is near 0 (both are then within 1e-16 of it).
                assert!(
                    (sin - want_sin).abs() <= 2.0 * ulp(want_sin).max(ulp(1.0) / 2.0),
                    "sin {x}: {sin} vs {want_sin}"
                );
                assert!(
                    (cos - want_cos).abs() <= 2.0 * ulp(want_cos).max(ulp(1.0) / 2.0),
                    "cos {x}: {cos} vs {want_cos}"
                );
            }
            x += 0.001_37;
        }
        assert_eq!(sin_cos(0.0), (0.0, 1.0));
        // Every quadrant, and angles of a few degrees as the augmentation draws them.
        for (x, sin, cos) in [
            (std::f64::consts::FRAC_PI_2, 1.0, 0.0),
            (std::f64::consts::PI, 0.0, -1.0),
            (-std::f64::consts::FRAC_PI_2, -1.0, 0.0),
            (3.0 * std::f64::consts::FRAC_PI_2, -1.0, 0.0),
        ] {
            let (s, c) = sin_cos(x);
            assert!((s - sin).abs() < 1e-15 && (c - cos).abs() < 1e-15, "{x}: ({s}, {c})");
        }
    }
}
