//! The arithmetic ceiling of one core, against which the kernels' speed is read: f32
//! multiply-adds per second as the kernels do them (a multiply, then an add, not fused), with
//! twelve independent chains of the widest vectors the CPU has (AVX-512, else AVX2), all in
//! registers. And the same with fused multiply-adds, as BLAS (the NumPy peer's) uses them.
//!
//! Run with `cargo bench --bench peak` (`EPOCHS`, default 3: measurements, the median reported). Prints `RESULT peak simd=… muladd_g=… fma_g=…` (billions
//! of multiply-adds per second, CPU time of this thread).
// Native only: for wasm32 (which `wasm-pack test` builds every target for) this compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::{cpu_seconds, epochs, median, selected};
use std::hint::black_box;

/// Chains of dependent operations in flight: enough to cover the latency of an add or a
/// fused multiply-add (2–4 cycles) on two or more vector units.
const CHAINS: usize = 12;
/// Steps of each chain per measurement.
const STEPS: usize = 20_000_000;

/// acc ← acc·x + y, CHAINS × STEPS times on vectors of `lanes` f32, multiply then add (or fused);
/// returns multiply-adds per second and the sum (so that nothing is optimised away).
#[cfg(target_arch = "x86_64")]
fn measure(lanes: usize, fused: bool) -> (f64, f32) {
    use std::arch::x86_64::*;
    let start = cpu_seconds().unwrap_or(f64::NAN);
    let sum = if lanes == 16 {
        #[target_feature(enable = "avx512f")]
        unsafe fn run(fused: bool) -> f32 {
            let (x, y) = (_mm512_set1_ps(black_box(0.999)), _mm512_set1_ps(black_box(0.001)));
            let mut acc = [_mm512_setzero_ps(); CHAINS];
            for _ in 0..STEPS {
                for a in acc.iter_mut() {
                    *a = if fused { _mm512_fmadd_ps(*a, x, y) } else { _mm512_add_ps(_mm512_mul_ps(*a, x), y) };
                }
            }
            acc.iter().map(|&a| _mm512_reduce_add_ps(a)).sum()
        }
        // SAFETY: called only where the CPU has AVX-512 F (checked by the caller).
        unsafe { run(fused) }
    } else {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn run(fused: bool) -> f32 {
            let (x, y) = (_mm256_set1_ps(black_box(0.999)), _mm256_set1_ps(black_box(0.001)));
            let mut acc = [_mm256_setzero_ps(); CHAINS];
            for _ in 0..STEPS {
                for a in acc.iter_mut() {
                    *a = if fused { _mm256_fmadd_ps(*a, x, y) } else { _mm256_add_ps(_mm256_mul_ps(*a, x), y) };
                }
            }
            let mut lanes = [0.0f32; 8];
            acc.iter()
                .map(|&a| {
                    _mm256_storeu_ps(lanes.as_mut_ptr(), a);
                    lanes.iter().sum::<f32>()
                })
                .sum()
        }
        // SAFETY: called only where the CPU has AVX2 and FMA (checked by the caller).
        unsafe { run(fused) }
    };
    let seconds = cpu_seconds().unwrap_or(f64::NAN) - start;
    ((CHAINS * STEPS * lanes) as f64 / seconds, sum)
}

fn main() {
    if !selected("peak") {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        let lanes = if std::arch::is_x86_feature_detected!("avx512f") {
            16
        } else if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            8
        } else {
            println!("peak: neither AVX-512 nor AVX2 with FMA here; nothing measured");
            return;
        };
        let simd = if lanes == 16 { "avx512" } else { "avx2" };
        let mut result = format!("RESULT peak simd={simd}");
        for (fused, name) in [(false, "muladd"), (true, "fma")] {
            let runs: Vec<f64> = (0..epochs(3)).map(|_| black_box(measure(lanes, fused)).0).collect();
            let g = median(runs) / 1e9;
            println!(
                "one core, {simd}, {}: {g:.1} billion f32 multiply-adds per second",
                if fused { "fused multiply-add" } else { "multiply then add" }
            );
            result += &format!(" {name}_g={g:.1}");
        }
        println!("{result}");
    }
    #[cfg(not(target_arch = "x86_64"))]
    println!("peak: measured on x86-64 only");
}
