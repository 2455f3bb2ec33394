//! The inner loops, and the choice of SIMD width.
//!
//! Every hot loop of the network is an `axpy` (y ← y + α·x) over a row of h
//! hidden units or 10 outputs: elementwise, so the compiler vectorises it at
//! whatever width the target allows, and the result is bit-identical at every
//! width (no reassociation). [`simd_versions!`] compiles a function body once
//! per instruction set (AVX-512, AVX2, baseline on x86-64; simd128 in wasm when
//! the build enables it) and picks the widest the CPU has at run time.

/// y ← y + α·x, with `y.len() == x.len()`.
#[inline(always)]
pub fn axpy(y: &mut [f32], alpha: f32, x: &[f32]) {
    debug_assert_eq!(y.len(), x.len());
    for (y, &x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

/// y ← y − α·x, with `y.len() == x.len()`: the SGD step θ ← θ − η·∂L/∂θ.
#[inline(always)]
pub fn axmy(y: &mut [f32], alpha: f32, x: &[f32]) {
    debug_assert_eq!(y.len(), x.len());
    for (y, &x) in y.iter_mut().zip(x) {
        *y -= alpha * x;
    }
}

/// Σ_i x_i·y_i, summed left to right.
#[inline(always)]
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    debug_assert_eq!(x.len(), y.len());
    x.iter().zip(y).fold(0.0, |s, (&x, &y)| s + x * y)
}

/// The instruction set the dispatching functions use on this CPU.
pub fn simd_level() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return "avx512";
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return "avx2";
        }
        "sse2"
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        "simd128"
    }
    #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
    {
        "scalar"
    }
}

/// Defines `fn $name(args) -> ret` that runs `$body_fn(args)` compiled for the
/// widest x86-64 SIMD the CPU supports. `$body_fn` and everything it calls in its
/// hot loops must be `#[inline(always)]`, so that it is compiled inside each wrapper.
macro_rules! simd_versions {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty = $body_fn:path;) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx2,fma")]
                unsafe fn avx512($($arg: $ty),*) -> $ret {
                    $body_fn($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2($($arg: $ty),*) -> $ret {
                    $body_fn($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU supports the features `avx512` is compiled for.
                    return unsafe { avx512($($arg),*) };
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the CPU supports the features `avx2` is compiled for.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $body_fn($($arg),*)
        }
    };
}
pub(crate) use simd_versions;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axpy_and_axmy_are_inverse_steps() {
        let x: Vec<f32> = (0..29).map(|i| i as f32 * 0.25 - 3.0).collect();
        let mut y: Vec<f32> = (0..29).map(|i| (i * i) as f32).collect();
        let y0 = y.clone();
        axpy(&mut y, 2.0, &x);
        for i in 0..29 {
            assert_eq!(y[i], y0[i] + 2.0 * x[i]);
        }
        axmy(&mut y, 2.0, &x);
        assert_eq!(y, y0);
    }

    #[test]
    fn dot_of_small_vectors() {
        assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, -5.0, 6.0]), 12.0);
        assert_eq!(dot(&[], &[]), 0.0);
    }
}
