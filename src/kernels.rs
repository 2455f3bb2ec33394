//! The inner loops, and the choice of SIMD width.
//!
//! Every product of the network is one of two shapes, over rows of a row-major matrix m (rows, n):
//!
//! | kernel | equation | used for |
//! |---|---|---|
//! | [`vec_mat`] | out = init + Σ_t v_t·m[i_t, :] | z1 = a0·w1 + b1 (sparse a0) |
//! | [`add_outer`] | m[i_t, :] += v_t·x for every t | w1 −= η·a0ᵀ·δ1, or ∂L/∂w1 += a0ᵀ·δ1 (sparse a0) |
//!
//! where (i_t, v_t) lists the nonzero entries of a row vector (the pixels of an MNIST image:
//! about 19% of them), so zero pixels cost nothing. (The small dense products of the output
//! layer, 28×10, are plain loops in the network.) [`vec_mat`] keeps its sums in local arrays
//! of [`BLOCK`] columns, and rows up to that wide and the row operation [`axpy`] go in pieces
//! of fixed width ([`by_pieces!`]); the compiler turns both into SIMD registers at whatever width the function
//! is compiled for: `simd_versions!` compiles each hot function once per instruction set
//! (AVX-512, AVX2, baseline SSE2 on x86-64; simd128 in wasm, which the build enables) and
//! picks the widest the CPU has at run time.
//!
//! Multiplies and adds are kept separate (no fused multiply-add), and every lane does the
//! same operations in the same order at every width, so the results are bit-identical on
//! every x86-64 CPU. The plain loops of [`reference`] state the same equations without
//! blocks; the tests check that the two agree.

/// Columns per block: 32 floats are 2 AVX-512, 4 AVX2 or 8 SSE/simd128 registers.
pub const BLOCK: usize = 32;

/// Runs `$body` over [0, n) in pieces of fixed width: as many of 16 as fit, then one
/// each of 8, 4, 2 and 1 as needed, with `$o` the piece's start and `$l` its width, a
/// constant. A row of h = 28 is then 16 + 8 + 4 lanes, each one vector operation, with
/// no store wider than the row (a wider store into the next row would make the next
/// row's load wait for it).
macro_rules! by_pieces {
    ($n:expr, |$o:ident, $l:ident| $body:block) => {{
        let n: usize = $n;
        let mut $o = 0;
        while n - $o >= 16 {
            {
                const $l: usize = 16;
                $body
            }
            $o += 16;
        }
        if n - $o >= 8 {
            const $l: usize = 8;
            $body
            $o += 8;
        }
        if n - $o >= 4 {
            const $l: usize = 4;
            $body
            $o += 4;
        }
        if n - $o >= 2 {
            const $l: usize = 2;
            $body
            $o += 2;
        }
        if n - $o >= 1 {
            const $l: usize = 1;
            $body
        }
    }};
}

/// y ← y + α·x, with `y.len() == x.len()`.
#[inline(always)]
pub fn axpy(y: &mut [f32], alpha: f32, x: &[f32]) {
    assert_eq!(y.len(), x.len());
    by_pieces!(y.len(), |o, L| {
        // Both loaded into registers first, so that the compiler needs no proof that x and y
        // do not overlap to do all L lanes at once.
        let y: &mut [f32; L] = (&mut y[o..o + L]).try_into().expect("L values");
        let x: [f32; L] = x[o..o + L].try_into().expect("L values");
        let mut r = *y;
        for k in 0..L {
            r[k] += alpha * x[k];
        }
        *y = r;
    });
}

/// e^x, to within 2 units in the last place of `f32::exp` for every finite x; +∞ above
/// 88.72 and 0 below −87.33 (where e^x leaves the normal floats), NaN for NaN.
///
/// `f32::exp` is a call into the maths library, one value at a time; this is plain
/// arithmetic that the compiler vectorises along a row (the sigmoid of the hidden layer):
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

/// a = σ(z) = 1 / (1 + e^(−z)) along a row, with [`exp`]: `a.len() == z.len()`.
/// Saturates to exactly 0 and 1, like the scalar [`crate::math::sigmoid`], which it
/// matches to within 3e-7 relative.
#[inline(always)]
pub fn sigmoid_row(z: &[f32], a: &mut [f32]) {
    for (a, &z) in a.iter_mut().zip(z) {
        *a = 1.0 / (1.0 + exp(-z));
    }
}

/// out = init + Σ_t value[t]·m[index[t], :]: a row vector with nonzero entries
/// (index[t], value[t]) times the matrix m, shape (rows, n) row-major, plus init.
///
/// `out.len() == init.len() == n`, `index.len() == value.len()`, every index[t] < rows,
/// and the indices increasing (as the pixels of an image are listed).
/// The sum runs over t in two interleaved partial sums (even and odd t, added at the
/// end), so that the loop is not one long chain of dependent additions.
///
/// Rows of up to [`BLOCK`] columns are read in [`by_pieces!`] of their exact width, so no load
/// runs past the row: with n known where the function is compiled (the network's h = 28)
/// each row is three vector operations (16 + 8 + 4 lanes) and both partial sums stay in
/// registers. Wider rows go in blocks of [`BLOCK`] columns, each block's sums in registers.
#[inline(always)]
pub fn vec_mat(out: &mut [f32], init: &[f32], index: &[u16], value: &[f32], m: &[f32]) {
    if out.len() <= BLOCK {
        vec_mat_rows(out, init, index, value, m)
    } else {
        vec_mat_blocks::<BLOCK>(out, init, index, value, m)
    }
}

/// [`vec_mat`] for n ≤ [`BLOCK`]: each row read in pieces of its exact width.
#[inline(always)]
fn vec_mat_rows(out: &mut [f32], init: &[f32], index: &[u16], value: &[f32], m: &[f32]) {
    let n = out.len();
    assert!(n <= BLOCK && init.len() == n && index.len() == value.len());
    let mut even = [0.0f32; BLOCK];
    let mut odd = [0.0f32; BLOCK];
    let mut pairs_i = index.chunks_exact(2);
    let mut pairs_v = value.chunks_exact(2);
    for (i, v) in (&mut pairs_i).zip(&mut pairs_v) {
        add_row_pieces(&mut even, v[0], &m[i[0] as usize * n..][..n]);
        add_row_pieces(&mut odd, v[1], &m[i[1] as usize * n..][..n]);
    }
    if let (&[i], &[v]) = (pairs_i.remainder(), pairs_v.remainder()) {
        add_row_pieces(&mut even, v, &m[i as usize * n..][..n]);
    }
    by_pieces!(n, |o, L| {
        let out: &mut [f32; L] = (&mut out[o..o + L]).try_into().expect("L values");
        let init: [f32; L] = init[o..o + L].try_into().expect("L values");
        for k in 0..L {
            out[k] = init[k] + (even[o + k] + odd[o + k]);
        }
    });
}

/// acc[..row.len()] ← acc + v·row, in [`by_pieces!`]. (A function: as a closure inside
/// [`vec_mat_rows`] it was not inlined into the SIMD versions.)
#[inline(always)]
fn add_row_pieces(acc: &mut [f32; BLOCK], v: f32, row: &[f32]) {
    by_pieces!(row.len(), |o, L| {
        let r: [f32; L] = row[o..o + L].try_into().expect("L values");
        for k in 0..L {
            acc[o + k] += v * r[k];
        }
    });
}

#[inline(always)]
fn vec_mat_blocks<const W: usize>(out: &mut [f32], init: &[f32], index: &[u16], value: &[f32], m: &[f32]) {
    let n = out.len();
    assert!(init.len() == n && index.len() == value.len());
    for s in (0..n).step_by(W) {
        let width = W.min(n - s);
        // Two partial sums of one block of columns, row t going to `even` or `odd` as t is;
        // lanes at and past `width` collect products with the next row's values and are
        // never stored. Rows whose block lies inside m (all but the last few, as the indices
        // increase) two at a time; then the rest, with zeros past the end of m.
        let mut even = [0.0f32; W];
        let mut odd = [0.0f32; W];
        let mut inside = index.len();
        while inside > 0 && index[inside - 1] as usize * n + s + W > m.len() {
            inside -= 1;
        }
        let paired = inside & !1;
        for (i, v) in index[..paired].chunks_exact(2).zip(value[..paired].chunks_exact(2)) {
            let (a, b) = (i[0] as usize * n + s, i[1] as usize * n + s);
            add_row(&mut even, v[0], m[a..a + W].try_into().expect("W values"));
            add_row(&mut odd, v[1], m[b..b + W].try_into().expect("W values"));
        }
        if inside > paired {
            let a = index[paired] as usize * n + s;
            add_row(&mut even, value[paired], m[a..a + W].try_into().expect("W values"));
        }
        for (k, (&i, &v)) in index[inside..].iter().zip(&value[inside..]).enumerate() {
            let (t, start) = (inside + k, i as usize * n + s);
            let row = std::array::from_fn(|k| m.get(start + k).copied().unwrap_or(0.0));
            // (Two calls rather than one on a chosen array: an array chosen at run time
            // would have to live in memory, and the sums with it.)
            if t % 2 == 0 {
                add_row(&mut even, v, row);
            } else {
                add_row(&mut odd, v, row);
            }
        }
        // Summed at full width with constant indices, so that both sums stay in registers.
        let sum: [f32; W] = std::array::from_fn(|k| even[k] + odd[k]);
        for ((o, &i), &x) in out[s..s + width].iter_mut().zip(&init[s..s + width]).zip(&sum[..width]) {
            *o = i + x;
        }
    }
}

/// acc ← acc + v·row.
#[inline(always)]
fn add_row<const W: usize>(acc: &mut [f32; W], v: f32, row: [f32; W]) {
    for k in 0..W {
        acc[k] += v * row[k];
    }
}

/// m[index[t], :] += value[t]·x for every t: the outer product of a row vector with
/// nonzero entries (index[t], value[t]) and x, added into m, shape (rows, x.len()) row-major.
#[inline(always)]
pub fn add_outer(m: &mut [f32], index: &[u16], value: &[f32], x: &[f32]) {
    let n = x.len();
    assert_eq!(index.len(), value.len());
    // A short x copied once into a local array, which the compiler keeps in registers: read from
    // memory inside the loop, x would be reloaded for every row (the compiler cannot prove that
    // the stores into m leave it alone), each load waiting on the stores before it.
    let mut local = [0.0f32; BLOCK];
    let x = if n <= BLOCK {
        local[..n].copy_from_slice(x);
        &local[..n]
    } else {
        x
    };
    for (&i, &v) in index.iter().zip(value) {
        let i = i as usize;
        axpy(&mut m[i * n..(i + 1) * n], v, x);
    }
}

/// The same products as [`vec_mat`] and [`add_outer`], as plain loops over the equations:
/// the reference the blocked kernels are tested against.
pub mod reference {
    /// out_j = init_j + Σ_t value_t·m[index_t, j].
    pub fn vec_mat(out: &mut [f32], init: &[f32], index: &[u16], value: &[f32], m: &[f32]) {
        let n = out.len();
        for j in 0..n {
            let mut sum = init[j];
            for (&i, &v) in index.iter().zip(value) {
                sum += v * m[i as usize * n + j];
            }
            out[j] = sum;
        }
    }

    /// m[index_t, j] += value_t·x_j.
    pub fn add_outer(m: &mut [f32], index: &[u16], value: &[f32], x: &[f32]) {
        let n = x.len();
        for (&i, &v) in index.iter().zip(value) {
            for j in 0..n {
                m[i as usize * n + j] += v * x[j];
            }
        }
    }
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
///
/// With `= $body_fn, hidden ($hidden) constant at $h;` it runs `$body_fn::<$h>` when the
/// expression `$hidden` equals `$h` and `$body_fn::<0>` otherwise (each compiled for every
/// instruction set): the body then knows the hidden width when it is compiled, so the
/// compiler lays out each row of w1 as fixed vector pieces (28 = 16 + 8 + 4 lanes) with no
/// loop or test per pixel. The same operations in the same order either way: the same bits.
macro_rules! simd_versions {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty
        = $body_fn:ident, hidden ($hidden:expr) constant at $h:literal;) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) -> $ret {
            simd_versions! { fn constant($($arg: $ty),*) -> $ret = $body_fn::<$h>; }
            simd_versions! { fn any($($arg: $ty),*) -> $ret = $body_fn::<0>; }
            if $hidden == $h {
                constant($($arg),*)
            } else {
                any($($arg),*)
            }
        }
    };
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

    simd_versions! {
        fn vec_mat_simd(out: &mut [f32], init: &[f32], index: &[u16], value: &[f32], m: &[f32]) -> () = vec_mat;
    }
    simd_versions! {
        fn add_outer_simd(m: &mut [f32], index: &[u16], value: &[f32], x: &[f32]) -> () = add_outer;
    }

    /// Deterministic values in [−1, 1) with no pattern the kernels could depend on.
    fn values(len: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2654435761).wrapping_add(12345);
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 8) as f32 / (1u32 << 23) as f32 - 1.0
            })
            .collect()
    }

    /// Row sets to try: empty, one row, the last row (a block runs past the end of m),
    /// an odd count, and every row.
    fn row_sets(rows: usize) -> Vec<Vec<u16>> {
        let every: Vec<u16> = (0..rows as u16).collect();
        let odd: Vec<u16> = (0..rows as u16).filter(|i| i % 3 != 1).collect();
        vec![vec![], vec![0], vec![rows as u16 - 1], odd, every]
    }

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() <= 1e-5 * (1.0 + a.abs().max(b.abs()))
    }

    #[test]
    fn vec_mat_agrees_with_the_reference() {
        let rows = 37;
        for n in [1, 2, 10, 15, 16, 17, 28, 31, 32, 33, 64, 100] {
            let m = values(rows * n, n as u32);
            let init = values(n, 99);
            for index in row_sets(rows) {
                let value = values(index.len(), 7);
                let mut expected = vec![f32::NAN; n];
                reference::vec_mat(&mut expected, &init, &index, &value, &m);
                for fast in [vec_mat as fn(&mut [f32], &[f32], &[u16], &[f32], &[f32]), vec_mat_simd] {
                    let mut out = vec![f32::NAN; n];
                    fast(&mut out, &init, &index, &value, &m);
                    for (j, (&o, &e)) in out.iter().zip(&expected).enumerate() {
                        assert!(close(o, e), "n {n}, rows {index:?}, column {j}: {o} vs {e}");
                    }
                }
            }
        }
    }

    #[test]
    fn vec_mat_of_one_entry_is_exact() {
        // out = init + v·m[i, :] has one rounding per column, whatever the blocking.
        let (rows, n) = (5, 28);
        let m = values(rows * n, 3);
        let init = values(n, 4);
        let mut out = vec![0.0; n];
        vec_mat_simd(&mut out, &init, &[4], &[0.5], &m);
        for j in 0..n {
            assert_eq!(out[j], init[j] + 0.5 * m[4 * n + j]);
        }
    }

    #[test]
    fn add_outer_agrees_with_the_reference_and_leaves_other_rows_alone() {
        let rows = 37;
        for n in [1, 2, 10, 15, 16, 17, 28, 31, 32, 33, 64, 100] {
            let m0 = values(rows * n, n as u32 + 1000);
            let x = values(n, 5);
            for index in row_sets(rows) {
                let value = values(index.len(), 11);
                let mut expected = m0.clone();
                reference::add_outer(&mut expected, &index, &value, &x);
                for fast in [add_outer as fn(&mut [f32], &[u16], &[f32], &[f32]), add_outer_simd] {
                    let mut m = m0.clone();
                    fast(&mut m, &index, &value, &x);
                    // One multiply and one add per element, in the same order: bit-identical.
                    assert_eq!(m, expected, "n {n}, rows {index:?}");
                }
            }
        }
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
    fn sigmoid_row_matches_the_scalar_sigmoid_and_saturates() {
        let z: Vec<f32> = (-400..=400).map(|i| i as f32 * 0.1).chain([-200.0, 200.0, 0.0]).collect();
        let mut a = vec![0.0; z.len()];
        sigmoid_row(&z, &mut a);
        for (&a, &z) in a.iter().zip(&z) {
            let want = crate::math::sigmoid(z);
            assert!((a - want).abs() <= 3e-7 * want, "σ({z}) = {a}, not {want}");
        }
        assert_eq!(a[a.len() - 3..], [0.0, 1.0, 0.5]);
    }

    #[test]
    fn axpy_adds_alpha_x_at_every_length() {
        // Every piece width (16, 8, 4, 2, 1) and their combinations.
        for n in 0..40 {
            let x = values(n, 21);
            let y0 = values(n, 22);
            let mut y = y0.clone();
            axpy(&mut y, -0.75, &x);
            for i in 0..n {
                assert_eq!(y[i], y0[i] + -0.75 * x[i], "n {n}, element {i}");
            }
        }
    }
}
