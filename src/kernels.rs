//! The inner loops, and the choice of SIMD width.
//!
//! Every product of the network is one of two shapes, over rows of a row-major matrix m (rows, n),
//! for one image or for a batch:
//!
//! | kernel | equation | used for |
//! |---|---|---|
//! | [`vec_mat`] | out = init + Σ_t v_t·m[i_t, :] | z1 = a0·w1 + b1 (sparse a0) |
//! | [`add_outer`] | m[i_t, :] += v_t·x for every t | w1 −= η·a0ᵀ·δ1, or ∂L/∂w1 += a0ᵀ·δ1 (sparse a0) |
//! | [`batch_vec_mat`] | out[b, :] = init + a0_b·m for every row b | z1 = a0·w1 + b1, (B, 784)·(784, h) |
//! | [`batch_add_outer`] | m += a0ᵀ·x | w1 −= η·a0ᵀ·δ1, (784, B)·(B, h) |
//!
//! where (i_t, v_t) lists the nonzero entries of a row vector (the pixels of an MNIST image:
//! about 19% of them), so zero pixels cost nothing. m's rows are `stride` floats apart, so
//! that a kernel can work on a range of m's columns. The batch kernels give the same results to
//! the bit as the row kernels row after row, but arrange the work so that a wide w1 (784 × 1,024
//! floats, 3.2 MB) is not streamed from memory once per image: z1 a piece of columns at a time
//! on the batch's rows of w1 copied together, and w1's step pixel by pixel, each row of w1 the
//! batch touches loaded and stored once per batch ([`Packed`]). (The small dense products of the output
//! layer, 28×10, are plain loops in the network.) [`vec_mat`] keeps its sums in local arrays
//! of [`BLOCK`] columns, and rows up to that wide and the row operation [`axpy`] go in pieces
//! of fixed width (`by_pieces!`); the compiler turns both into SIMD registers at whatever width the function
//! is compiled for: `simd_versions!` compiles each hot function once per instruction set
//! (AVX-512, AVX2, baseline SSE2 on x86-64; simd128 in wasm, which the build enables) and
//! picks the widest the CPU has at run time.
//!
//! Multiplies and adds are kept separate (no fused multiply-add), and every lane does the
//! same operations in the same order at every width, so the results are bit-identical on
//! every x86-64 CPU. The plain loops of [`reference`](mod@reference) state the same equations without
//! blocks; the tests check that the two agree.

use crate::aligned::AlignedVec;
use crate::batch::Batch;
use crate::network::INPUTS;

/// Columns per block: 32 floats are 2 AVX-512, 4 AVX2 or 8 SSE/simd128 registers.
pub const BLOCK: usize = 32;

/// Columns per block of [`vec_mat`] on rows wider than [`BLOCK`]: BLOCK natively; in wasm 16, whose two
/// partial sums are 8 of the 16 SSE registers the browser maps its 128-bit vectors onto, where 32 took all 16.
/// Measured, alternating builds: in Node 20's V8 (`node scripts/wasm-epoch-cpu.mjs`, CPU time) an epoch at
/// h = 256 0.561 → 0.515 s, at h = 128 0.300 → 0.277 s; in Chromium 156 and Firefox 153 (scripts/bench-browser.mjs,
/// h = 256, wall clock) no difference beyond the noise; and the wasm 0.4 KB of gzip smaller. Each column's sum is
/// the same either way. (Since then training in wasm reads wider layers a panel of 16 columns at a time
/// (`piece_vec_mat`, [`PANEL`]); the evaluation and the predictions, on the network's own w1, and the page's own
/// module, without the feature `batch-kernels`, read them row after row through [`vec_mat_blocks`].)
pub const WIDE_BLOCK: usize = if cfg!(target_arch = "wasm32") { 16 } else { BLOCK };

/// Runs `$body` over [0, n) in pieces of fixed width: as many of 16 as fit, then one
/// each of 8, 4, 2 and 1 as needed (in wasm, 4s and 1s only), with `$o` the piece's start and `$l` its
/// width, a constant. A row of h = 28 is then 16 + 8 + 4 lanes, each one vector operation, with
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
        // (In wasm, whose vectors hold 4 lanes, no pieces of 8 or 2: 8 is two pieces of 4, 2 two of 1, the same
        // vector operations for a width known where the code is compiled, and less code where it is not.)
        if !cfg!(target_arch = "wasm32") && n - $o >= 8 {
            const $l: usize = 8;
            $body
            $o += 8;
        }
        while n - $o >= 4 {
            const $l: usize = 4;
            $body
            $o += 4;
        }
        if !cfg!(target_arch = "wasm32") && n - $o >= 2 {
            const $l: usize = 2;
            $body
            $o += 2;
        }
        while n - $o >= 1 {
            const $l: usize = 1;
            $body
            $o += 1;
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

/// out = init + Σ_t value\[t\]·m[index\[t\], :]: a row vector with nonzero entries
/// (index\[t\], value\[t\]) times the matrix m, shape (rows, n), row i at m[i·stride..]\[..n\], plus init.
///
/// `out.len() == init.len() == n ≤ stride`, `index.len() == value.len()`, every index\[t\] < rows,
/// and the indices increasing (as the pixels of an image are listed).
/// The sum runs over t in two interleaved partial sums (even and odd t, added at the
/// end), so that the loop is not one long chain of dependent additions.
///
/// Rows of up to [`BLOCK`] columns are read in `by_pieces!` of their exact width, so no load
/// runs past the row: with n known where the function is compiled (the network's h = 28)
/// each row is three vector operations (16 + 8 + 4 lanes) and both partial sums stay in
/// registers. Wider rows go in blocks of [`WIDE_BLOCK`] columns, each block's sums in registers.
#[inline(always)]
pub fn vec_mat(out: &mut [f32], init: &[f32], index: &[u16], value: &[f32], m: &[f32], stride: usize) {
    assert!(out.len() <= stride);
    if out.len() <= BLOCK {
        vec_mat_rows(out, init, index, value, m, stride, out.len())
    } else {
        vec_mat_wide(out, init, index, value, m, stride)
    }
}

/// [`vec_mat`] for n ≤ [`BLOCK`], reading `width` columns of each row (n ≤ width ≤ [`BLOCK`], width ≤ stride; [`vec_mat`]
/// reads n) in pieces of that width: the columns past n are lanes of their own, summed and never stored, so that
/// their values change nothing. (Rows padded to 32 columns at n = 28 are then two vectors of 16 lanes, where 16 + 8 + 4
/// are three.)
#[inline(always)]
fn vec_mat_rows(out: &mut [f32], init: &[f32], index: &[u16], value: &[f32], m: &[f32], stride: usize, width: usize) {
    let n = out.len();
    assert!(n <= BLOCK && init.len() == n && index.len() == value.len());
    // (In wasm every caller's width is n: no padded rows there.)
    let width = if cfg!(target_arch = "wasm32") { n } else { width };
    #[cfg(not(target_arch = "wasm32"))]
    assert!(n <= width && width <= stride);
    let mut even = [0.0f32; BLOCK];
    let mut odd = [0.0f32; BLOCK];
    let mut pairs_i = index.chunks_exact(2);
    let mut pairs_v = value.chunks_exact(2);
    for (i, v) in (&mut pairs_i).zip(&mut pairs_v) {
        add_row_pieces(&mut even, v[0], &m[i[0] as usize * stride..][..width]);
        add_row_pieces(&mut odd, v[1], &m[i[1] as usize * stride..][..width]);
    }
    if let (&[i], &[v]) = (pairs_i.remainder(), pairs_v.remainder()) {
        add_row_pieces(&mut even, v, &m[i as usize * stride..][..width]);
    }
    if width > n {
        // The columns past n are never stored, and the compiler would drop their lanes, back to pieces of the
        // row's own width: the sums of every lane used here keep the whole vectors.
        std::hint::black_box((even, odd));
    }
    by_pieces!(n, |o, L| {
        let out: &mut [f32; L] = (&mut out[o..o + L]).try_into().expect("L values");
        let init: [f32; L] = init[o..o + L].try_into().expect("L values");
        for k in 0..L {
            out[k] = init[k] + (even[o + k] + odd[o + k]);
        }
    });
}

/// acc[..row.len()] ← acc + v·row, in `by_pieces!`. (A function: as a closure inside
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
fn vec_mat_blocks<const W: usize>(
    out: &mut [f32],
    init: &[f32],
    index: &[u16],
    value: &[f32],
    m: &[f32],
    stride: usize,
) {
    let n = out.len();
    assert!(init.len() == n && index.len() == value.len());
    debug_assert!(index.windows(2).all(|w| w[0] < w[1]), "indices not increasing");
    for s in (0..n).step_by(W) {
        let width = W.min(n - s);
        // Two partial sums of one block of columns, row t going to `even` or `odd` as t is;
        // lanes at and past `width` collect products with the next row's values and are
        // never stored. Rows whose block lies inside m (all but the last few, as the indices
        // increase) two at a time; then the rest, with zeros past the end of m.
        let mut even = [0.0f32; W];
        let mut odd = [0.0f32; W];
        let mut inside = index.len();
        while inside > 0 && index[inside - 1] as usize * stride + s + W > m.len() {
            inside -= 1;
        }
        let paired = inside & !1;
        // Those rows are read without a bounds check each (the checks and their branches made the loop
        // twice as long, and its rows are in cache now: Packed), from an offset held to m.len() − W at
        // most, which the rows before `inside` are anyway (their indices increase).
        let last = m.len().saturating_sub(W);
        for (i, v) in index[..paired].chunks_exact(2).zip(value[..paired].chunks_exact(2)) {
            let (a, b) = ((i[0] as usize * stride + s).min(last), (i[1] as usize * stride + s).min(last));
            // SAFETY: a, b ≤ m.len() − W (and m.len() ≥ W, or inside would be 0 and this loop empty).
            let (ra, rb) = unsafe { (*m.as_ptr().add(a).cast::<[f32; W]>(), *m.as_ptr().add(b).cast::<[f32; W]>()) };
            add_row(&mut even, v[0], ra);
            add_row(&mut odd, v[1], rb);
        }
        if inside > paired {
            let a = index[paired] as usize * stride + s;
            add_row(&mut even, value[paired], m[a..a + W].try_into().expect("W values"));
        }
        for (k, (&i, &v)) in index[inside..].iter().zip(&value[inside..]).enumerate() {
            let (t, start) = (inside + k, i as usize * stride + s);
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
pub(crate) fn add_row<const W: usize>(acc: &mut [f32; W], v: f32, row: [f32; W]) {
    for k in 0..W {
        acc[k] += v * row[k];
    }
}

/// m[index\[t\], :] += value\[t\]·x for every t: the outer product of a row vector with
/// nonzero entries (index\[t\], value\[t\]) and x, added into m, shape (rows, n = x.len()), row i at
/// m[i·stride..]\[..n\].
#[inline(always)]
pub fn add_outer(m: &mut [f32], index: &[u16], value: &[f32], x: &[f32], stride: usize) {
    add_outer_written(m, index, value, x, stride, x.len())
}

/// [`add_outer`] writing `width` columns of each row (n ≤ width ≤ stride; width > n only for width ≤ [`BLOCK`]):
/// x's columns past n are zeros, so each of those columns of m gets v·0 = 0 added, and stays 0 if it was. (Rows
/// padded to 32 columns at n = 28 are then two vectors of 16 lanes each, where 16 + 8 + 4 are three.)
#[inline(always)]
fn add_outer_written(m: &mut [f32], index: &[u16], value: &[f32], x: &[f32], stride: usize, width: usize) {
    let n = x.len();
    assert!(index.len() == value.len() && n <= stride);
    // (In wasm every caller's width is n: no padded rows there.)
    let width = if cfg!(target_arch = "wasm32") { n } else { width };
    #[cfg(not(target_arch = "wasm32"))]
    assert!(n <= width && width <= stride && (width == n || width <= BLOCK));
    // A short x copied once into a local array, which the compiler keeps in registers: read from
    // memory inside the loop, x would be reloaded for every row (the compiler cannot prove that
    // the stores into m leave it alone), each load waiting on the stores before it.
    let mut local = [0.0f32; BLOCK];
    let x = if width <= BLOCK {
        local[..n].copy_from_slice(x);
        &local[..width]
    } else {
        x
    };
    for (&i, &v) in index.iter().zip(value) {
        let i = i as usize;
        axpy(&mut m[i * stride..i * stride + width], v, x);
    }
}

/// Natively, whether [`batch_vec_mat`] and [`batch_add_outer`] arrange the work of a row-major m wider than [`BLOCK`]
/// for the batch ([`Packed`]), or go row after row through [`vec_mat`] and [`add_outer`] (the same bits, less code):
/// the feature `batch-kernels`. (A constant rather than `cfg`, so that the code it leaves out still compiles, and the
/// compiler drops it.) In wasm a row-major m always goes row after row, and the feature decides only whether training
/// holds w1 in panels ([`crate::network::PanelW1`]): the workers' module has it, the page's own module, following one
/// digit at a time, does not.
#[cfg(not(target_arch = "wasm32"))]
const BATCH_KERNELS: bool = cfg!(feature = "batch-kernels");

/// Whether m may be held in panels ([`PANEL`]) for [`batch_vec_mat`] and [`batch_add_outer`]: natively always, in wasm
/// with the feature `batch-kernels` only (the page's own module then has no code for them).
const PANELS: bool = !cfg!(target_arch = "wasm32") || cfg!(feature = "batch-kernels");

/// Columns per chunk of w1's step ([`batch_add_outer`]): 256 columns of x for 32 images (32 KB)
/// stay in the first-level cache while they are added to w1.
pub const CHUNK: usize = 256;

/// Natively, columns per piece of z1's copied rows ([`Packed`], [`batch_vec_mat`]) for layers wider than [`BLOCK`]
/// (narrower ones go image after image on w1 itself): [`BLOCK`]. In wasm, the columns of one block of z1's sums
/// (`piece_vec_mat`) and of one panel of w1 ([`PANEL`]): 16, four registers of each of two sums. (Until 3 December
/// wasm copied the batch's rows of w1 piece by piece too, as natively; see [`PANEL`].)
pub const PIECE: usize = if cfg!(target_arch = "wasm32") { 16 } else { BLOCK };

/// Columns per tile of [`batch_add_outer`]: the sums of one row's tile stay in registers while
/// the batch's images are added to it. 64 floats are 4 AVX-512 or 8 AVX2 registers; in wasm,
/// whose 128-bit vectors the browser maps onto 16 SSE registers, 32 (8 of them).
pub const TILE: usize = if cfg!(target_arch = "wasm32") { 32 } else { 64 };

/// Rows of a batch per mask of [`Packed::list_pixels`]: one bit each of a `u32`.
const GROUP: usize = 32;

/// [`TILE`] where the processor has AVX-512: 256 floats are 16 of its 32 registers, four times the sums in
/// flight for each image's terms, and each pixel's short loop over its images (and the mispredicted branch at its
/// end) does four times the work (with AVX2 a tile of 128 would take all 16 registers, and spill).
/// Measured (alternating CPU-time runs of benches/epoch): 128 was about 3% faster than 64 at h = 256, and 256
/// (with x's rows [`CHUNK`] apart, [`add_columns`]) 3% faster than 128 at h = 256, within the noise at h = 1,024;
/// with AVX2 tiles of 128 were 5% slower than of 64.
pub const WIDE_TILE: usize = 256;

/// A batch's nonzero pixels arranged for the batch kernels: its distinct pixels, each row's
/// pixels renumbered among them, the same entries listed by pixel, and (one piece of
/// [`PIECE`] columns at a time) the rows of m (784, n) the batch touches copied next to one
/// another.
///
/// Why the copy: a batch of 32 digits has ink at about 450 distinct pixels, and z1 reads their
/// rows once per image that has the pixel, about ten times each. Read from w1 itself, 32
/// columns of rows 1 KB apart (n = 256) or 4 KB apart (n = 1,024) land in the same few sets of
/// the first-level cache, which then holds a few dozen of them, and every image reads its rows
/// again from the second-level cache or from memory. Copied, the piece's rows are 128 bytes
/// apart, 57 KB in all, and the images read them from the first-level cache or close to it.
/// (Natively. Measured, alternating CPU-time runs of benches/epoch, with the unchecked reads of
/// [`vec_mat`]: an epoch 8–9% faster at h = 256 and 5% at h = 128 than image after image on w1,
/// 13% faster at h = 1,024 than with pieces of 256 columns.)
///
/// In wasm only the listing by pixel ([`Packed::list_pixels`]) and x's chunk, for w1's step on w1 in panels.
#[derive(Clone, Debug, Default)]
pub struct Packed {
    /// The batch's distinct nonzero pixels, increasing: packed row u is row `pixels[u]` of m.
    pixels: Vec<u16>,
    /// Each row's nonzero pixels as packed row numbers (increasing, as the pixels are), and
    /// where each row starts, as in the batch.
    #[cfg(not(target_arch = "wasm32"))]
    index: Vec<u16>,
    #[cfg(not(target_arch = "wasm32"))]
    start: Vec<usize>,
    /// The batch's own indices that `pixels` and `index` were made from: z1 and w1's step of the same batch
    /// renumber it once (a comparison of 10 KB where the renumbering was 3% of an epoch at h = 256).
    #[cfg(not(target_arch = "wasm32"))]
    source: Vec<u16>,
    /// One piece of the rows, (pixels.len(), width) row-major, on cache lines as w1's are.
    #[cfg(not(target_arch = "wasm32"))]
    rows: AlignedVec,
    /// The same entries listed by pixel ([`Packed::list_pixels`]), the batch's rows in groups of [`GROUP`]: bit k of
    /// `masks[g * INPUTS + p]` is set when row g·[`GROUP`] + k has pixel p, and its value is then
    /// `values[(g * INPUTS + p) * GROUP + k]` (written and read only where the bit is set).
    masks: Vec<u32>,
    values: Vec<f32>,
    /// The number of rows of the batch last listed by pixel, and of their groups: every bit set names a row below it.
    rows_listed: usize,
    groups: usize,
    /// One chunk of x's columns, (B, width) row-major, on cache lines.
    x: AlignedVec,
}

impl Packed {
    /// Lists `batch`'s distinct pixels and renumbers its rows' indices among them, unless the indices are those of
    /// the batch it last renumbered: the pixels marked in one pass over the entries, then numbered without a branch
    /// each ([`Packed::number_pixels`]). (Natively only, for z1 on a row-major w1: in wasm a row-major w1 goes row
    /// after row.)
    #[cfg(not(target_arch = "wasm32"))]
    fn renumber(&mut self, batch: &Batch) {
        let (start, index) = batch.indices();
        if self.start == start && self.source == index {
            return;
        }
        self.source.clear();
        self.source.extend_from_slice(index);
        self.start.clear();
        self.start.extend_from_slice(start);
        let mut ink = [0u32; INPUTS];
        for &i in index {
            ink[i as usize] = 1;
        }
        let slot = self.number_pixels(&ink);
        self.index.clear();
        self.index.extend(index.iter().map(|&i| slot[i as usize]));
    }

    /// Lists the pixels p whose `ink[p]` is not 0 in `pixels`, increasing, and returns each pixel's number among
    /// them, without a branch per pixel (whether a pixel has ink is as good as random to the branch predictor).
    #[inline(always)]
    fn number_pixels(&mut self, ink: &[u32; INPUTS]) -> [u16; INPUTS] {
        // Every pixel's values written, then the rank advanced by whether it has ink.
        let mut slot = [0u16; INPUTS];
        let mut pixels = [0u16; INPUTS];
        let mut rank = 0;
        for (p, &ink) in ink.iter().enumerate() {
            slot[p] = rank as u16;
            pixels[rank] = p as u16;
            rank += (ink != 0) as usize;
        }
        self.pixels.clear();
        self.pixels.extend_from_slice(&pixels[..rank]);
        slot
    }

    /// Lists `batch`'s distinct pixels (`pixels`) and its entries by pixel (`masks`, `values`), for w1's step, which
    /// goes pixel by pixel ([`add_pixel_terms`]): each entry sets its row's bit in its pixel's mask for the row's
    /// group of [`GROUP`] and writes its value beside, two stores where a list of (row, value) per pixel took about
    /// four and a half (each pixel's rows counted, its start summed, and per entry its row, its value and the
    /// pixel's cursor). The rows' packed numbers (`index`) are then not this batch's: the next
    /// [`Packed::renumber`] makes them anew. Measured on a Zen 4 (`perf` samples of benches/epoch against the
    /// lists', two runs each): natively the listing's samples beside z1's 0.11–0.12 against 0.25–0.27 at h = 256,
    /// its share 6.7–7.0% against 13.4–14.0% at h = 128, w1's step no slower; in Node, at h = 256, the step's
    /// function (the listing inlined) beside z1's 0.98–1.07 against 1.05–1.07 (three runs each).
    fn list_pixels(&mut self, batch: &Batch) {
        #[cfg(not(target_arch = "wasm32"))]
        {
            self.source.clear();
            self.start.clear();
        }
        let (rows, groups) = (batch.len(), batch.len().div_ceil(GROUP));
        (self.rows_listed, self.groups) = (rows, groups);
        self.masks.clear();
        self.masks.resize(INPUTS * groups, 0);
        if self.values.len() < INPUTS * groups * GROUP {
            self.values.resize(INPUTS * groups * GROUP, 0.0);
        }
        let mut ink = [0u32; INPUTS];
        for (g, (masks, values)) in
            self.masks.chunks_exact_mut(INPUTS).zip(self.values.chunks_exact_mut(INPUTS * GROUP)).enumerate()
        {
            let masks: &mut [u32; INPUTS] = masks.try_into().expect("a mask per pixel");
            let values: &mut [f32; INPUTS * GROUP] = values.try_into().expect("GROUP values per pixel");
            for (k, b) in (g * GROUP..rows.min((g + 1) * GROUP)).enumerate() {
                let (index, value) = batch.row(b);
                for (&i, &v) in index.iter().zip(value) {
                    // (Every index is below INPUTS: held there without a branch, as the arrays' bounds say.)
                    let i = (i as usize).min(INPUTS - 1);
                    masks[i] |= 1 << k;
                    values[i * GROUP + k] = v;
                }
            }
            for (ink, &mask) in ink.iter_mut().zip(masks.iter()) {
                *ink |= mask;
            }
        }
        self.number_pixels(&ink);
    }

    /// Row b's nonzero pixels as packed row numbers.
    #[cfg(not(target_arch = "wasm32"))]
    #[inline(always)]
    fn row(&self, b: usize) -> &[u16] {
        &self.index[self.start[b]..self.start[b + 1]]
    }

    /// Copies columns c..c + width of the batch's rows of m (rows `n` apart) into `rows`.
    #[cfg(not(target_arch = "wasm32"))]
    #[inline(always)]
    fn gather(&mut self, m: &[f32], n: usize, c: usize, width: usize) {
        self.rows.set_len(self.pixels.len() * width);
        if width == PIECE {
            // A whole piece (32 columns): a copy of a constant size, which the compiler inlines as two vector loads
            // and stores, where by `memmove` it was a call a row; and the piece of the row 16 rows on fetched
            // meanwhile, which at h = 1,024 (w1 past the second-level cache) is far. Measured (CPU time, five
            // alternating runs, medians): h = 256 0.155 -> 0.150 s (the copy), h = 1,024 0.60 -> 0.56 s (the fetch).
            const AHEAD: usize = 16;
            for (u, (&p, packed)) in self.pixels.iter().zip(self.rows.chunks_exact_mut(PIECE)).enumerate() {
                if let Some(&next) = self.pixels.get(u + AHEAD) {
                    let piece = &m[next as usize * n + c..][..PIECE];
                    prefetch::<FIRST_LEVEL, _>(&piece[0]);
                    prefetch::<FIRST_LEVEL, _>(&piece[PIECE - 1]);
                }
                let packed: &mut [f32; PIECE] = packed.try_into().expect("PIECE values");
                *packed = m[p as usize * n + c..][..PIECE].try_into().expect("PIECE values");
            }
            return;
        }
        for (&p, packed) in self.pixels.iter().zip(self.rows.chunks_exact_mut(width)) {
            packed.copy_from_slice(&m[p as usize * n + c..][..width]);
        }
    }
}

/// The width of m's panels for [`batch_vec_mat`] and [`batch_add_outer`] at width n, checked: n (m row-major), or
/// natively [`PANEL`]: m held as panels of [`PANEL`] columns ([`crate::network::PanelW1`]), which for n ≤ [`BLOCK`]
/// is one panel, rows padded to [`PANEL`]; in wasm, wider than [`BLOCK`] only and with the feature `batch-kernels`
/// only ([`PANELS`]): without it n itself, so that the page's module has no code for panels.
#[inline(always)]
fn panel_width(n: usize, panel: usize) -> usize {
    if !PANELS {
        debug_assert_eq!(panel, n);
        return n;
    }
    assert!(panel == n || panel == PANEL);
    panel
}

/// The length of m (784, n) held in panels of `panel` columns ([`panel_width`]): its columns rounded up to whole
/// panels (784·n where `panel` is n, m row-major).
#[inline(always)]
fn panelled_len(n: usize, panel: usize) -> usize {
    INPUTS * n.next_multiple_of(panel)
}

/// Columns per panel of a w1 held in panels ([`crate::network::PanelW1`]): natively [`BLOCK`], a block of
/// [`vec_mat`]'s sums, two AVX-512 registers, 128 bytes; in wasm [`PIECE`], 16, 64 bytes, one block of
/// `piece_vec_mat`'s sums. In wasm z1 then reads the panel's rows of the batch's pixels where they are, 64 bytes
/// apart as [`Packed`]'s copies were, and w1's step writes each pixel's tile of 32 columns into two panels. Measured
/// against the copies (3 December, Chromium 156, h = 256, both modules in one page alternating epochs, eight pairs
/// twice, in either order): the medians of the pairs' ratios 0.96 and 0.83 (the copy was 14% of z1's samples, most of
/// it waiting for w1's rows); the same bits.
pub const PANEL: usize = if cfg!(target_arch = "wasm32") { PIECE } else { BLOCK };

/// out[b, :] = init + a0_b·m for every row b of `batch` (its nonzero pixels a0_b): z1 = a0·w1 + b1,
/// (B, 784)·(784, n) + (n) → (B, n), with m (784, n) and out (B, n). m is held in panels of `panel` columns, each
/// (784, panel) row-major, one after another, the last one's columns past n zeros: `panel` = n is m row-major;
/// natively [`PANEL`] ([`crate::network::PanelW1`]; for n ≤ [`BLOCK`] one panel, rows padded, each read whole and
/// its columns past n summed in lanes never stored). (n and panel are arguments so that they are constants where
/// the caller's are: the rows are then fixed vector pieces.)
///
/// [`vec_mat`] of each row; wider than [`BLOCK`], a panel at a time ([`panel_vec_mat_body`]), or, row-major, a piece
/// at a time on the rows of m the batch touches copied together ([`Packed`]). Each output is the same sum as
/// [`vec_mat`] of the row on the whole of m, to the bit.
#[inline(always)]
pub fn batch_vec_mat(
    out: &mut [f32],
    init: &[f32],
    batch: &Batch,
    m: &[f32],
    n: usize,
    panel: usize,
    packed: &mut Packed,
) {
    let panel = panel_width(n, panel);
    assert!(n > 0 && init.len() == n && out.len() == batch.len() * n && m.len() == panelled_len(n, panel));
    if n <= BLOCK {
        for (b, out) in out.chunks_exact_mut(n).enumerate() {
            let (index, value) = batch.row(b);
            vec_mat_rows(out, init, index, value, m, panel, panel);
        }
        return;
    }
    if PANELS && panel < n {
        return panel_vec_mat(out, init, batch, m, n);
    }
    #[cfg(not(target_arch = "wasm32"))]
    if BATCH_KERNELS {
        return packed_vec_mat(out, init, batch, m, n, packed);
    }
    // Row after row: in the page's module (no batch kernels), and in wasm on the network's own w1, which the
    // predictions and the evaluation read (its batch kernels are those of w1 in panels, above, which training uses).
    for (b, out) in out.chunks_exact_mut(n).enumerate() {
        let (index, value) = batch.row(b);
        vec_mat(out, init, index, value, m, n);
    }
    #[cfg(target_arch = "wasm32")]
    let _ = packed;
}

/// [`batch_vec_mat`] on m in panels of [`PANEL`] columns, wider than [`BLOCK`]: a panel at a time, each image's
/// sums of the panel one block of [`vec_mat_blocks`] on the panel's rows, [`PANEL`] floats apart, as [`Packed`]'s
/// copied rows are but without the copy. (Natively, [`crate::network::PanelW1`]. Measured before it was written,
/// z1 on a panelled copy of w1 against [`Packed`]'s copies, alternating runs of benches/epoch, CPU time: an epoch
/// at h = 256 0.1325 → 0.1288 s, at h = 1,024 0.503 → 0.440 s.)
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn panel_vec_mat_body(out: &mut [f32], init: &[f32], batch: &Batch, m: &[f32], n: usize) {
    for (panel, c) in m.chunks_exact(INPUTS * PANEL).zip((0..n).step_by(PANEL)) {
        let width = PANEL.min(n - c);
        for (b, out) in out.chunks_exact_mut(n).enumerate() {
            let (index, value) = batch.row(b);
            vec_mat_blocks::<PANEL>(&mut out[c..c + width], &init[c..c + width], index, value, panel, PANEL);
        }
    }
}

/// [`batch_vec_mat`] on m in panels of [`PANEL`] (16) columns in wasm: each image's sums of a panel one
/// [`piece_vec_mat`] on the panel's rows, 64 bytes apart, as [`Packed`]'s copied rows are but without the copy.
#[cfg(target_arch = "wasm32")]
#[inline(always)]
fn panel_vec_mat_body(out: &mut [f32], init: &[f32], batch: &Batch, m: &[f32], n: usize) {
    assert!(batch.indices().1.iter().all(|&i| (i as usize) < INPUTS));
    for (panel, c) in m.chunks_exact(INPUTS * PANEL).zip((0..n).step_by(PANEL)) {
        let width = PANEL.min(n - c);
        let mut init_piece = [0.0f32; PIECE];
        init_piece[..width].copy_from_slice(&init[c..c + width]);
        for (b, out) in out.chunks_exact_mut(n).enumerate() {
            let (index, value) = batch.row(b);
            // SAFETY: every index is below INPUTS (asserted above), the panel's count of rows of PIECE.
            if width == PIECE {
                unsafe { piece_vec_mat(&mut out[c..c + PIECE], &init_piece, index, value, panel) };
            } else {
                let mut sums = [0.0f32; PIECE];
                unsafe { piece_vec_mat(&mut sums, &init_piece, index, value, panel) };
                out[c..c + width].copy_from_slice(&sums[..width]);
            }
        }
    }
}

/// [`batch_vec_mat`] wider than [`BLOCK`]. (Not inlined into the passes that call it, but with a
/// SIMD dispatch of its own, below, as the rows wider than [`BLOCK`] of [`vec_mat`]: one copy of
/// the code rather than one in each pass, which in the browser's wasm weighs; a dispatch per
/// image or per batch costs nothing beside the work of a wide row.)
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn packed_vec_mat_body(out: &mut [f32], init: &[f32], batch: &Batch, m: &[f32], n: usize, packed: &mut Packed) {
    packed.renumber(batch);
    for c in (0..n).step_by(PIECE) {
        let width = PIECE.min(n - c);
        packed.gather(m, n, c, width);
        for (b, out) in out.chunks_exact_mut(n).enumerate() {
            let value = batch.row(b).1;
            vec_mat_wide(&mut out[c..c + width], &init[c..c + width], packed.row(b), value, &packed.rows, width);
        }
    }
}

/// out = init + Σ_t value\[t\]·rows[index\[t\], :] for one piece of [`PIECE`] columns in wasm, with `rows` (784, PIECE)
/// one panel of w1 ([`crate::network::PanelW1`]) and index\[t\] pixels: [`vec_mat`]'s sums for the piece (rows t
/// even into `even` and odd into `odd` in the order of t, out = init + (even + odd)), the same bits.
///
/// # Safety
/// Every index\[t\] < rows.len() / PIECE: the rows are read without a check each.
#[cfg(target_arch = "wasm32")]
#[inline(always)]
unsafe fn piece_vec_mat(out: &mut [f32], init: &[f32], index: &[u16], value: &[f32], rows: &[f32]) {
    assert!(out.len() == PIECE && init.len() == PIECE && index.len() == value.len());
    let row = |i: u16| unsafe { *rows.as_ptr().add(i as usize * PIECE).cast::<[f32; PIECE]>() };
    let mut even = [0.0f32; PIECE];
    let mut odd = [0.0f32; PIECE];
    let (pairs, rest) = index.split_at(index.len() & !1);
    for (i, v) in pairs.chunks_exact(2).zip(value.chunks_exact(2)) {
        add_row(&mut even, v[0], row(i[0]));
        add_row(&mut odd, v[1], row(i[1]));
    }
    if let (&[i], Some(&v)) = (rest, value.last()) {
        add_row(&mut even, v, row(i));
    }
    for k in 0..PIECE {
        out[k] = init[k] + (even[k] + odd[k]);
    }
}

/// m[i, :] += Σ_b a0_b,i·x[b, :] for the nonzero pixels i of each row b of `batch`: m += a0ᵀ·x,
/// (784, B)·(B, n) → (784, n), with m (784, n) and x (B, n) (w1 −= η·a0ᵀ·δ1 with x = −η·δ1).
///
/// m is held in panels of `panel` columns, as for [`batch_vec_mat`]: `panel` = n is m row-major; natively
/// [`PANEL`] ([`crate::network::PanelW1`]), whose columns past n are written whole and stay 0.
///
/// Up to [`BLOCK`] columns, [`add_outer`] of each row. Wider, pixel by pixel: each row of m
/// the batch touches is loaded once, a block of columns at a time, every image's term added to
/// it in registers, and stored once (rather than loaded and stored for every image that has
/// the pixel); the columns a chunk of [`CHUNK`] at a time, so that x's columns stay in the
/// first-level cache. Each element gets the rows' terms in the order of the rows: the same
/// result as [`add_outer`] row after row, to the bit.
#[inline(always)]
pub fn batch_add_outer(m: &mut [f32], batch: &Batch, x: &[f32], n: usize, panel: usize, packed: &mut Packed) {
    let panel = panel_width(n, panel);
    assert!(n > 0 && x.len() == batch.len() * n && m.len() == panelled_len(n, panel));
    if n <= BLOCK {
        for (b, x) in x.chunks_exact(n).enumerate() {
            let (index, value) = batch.row(b);
            add_outer_written(m, index, value, x, panel, panel);
        }
        return;
    }
    if PANELS && panel < n {
        return add_panel_columns_by_pixel(m, batch, x, n, packed);
    }
    #[cfg(not(target_arch = "wasm32"))]
    if BATCH_KERNELS {
        return add_columns_by_pixel(m, batch, x, n, packed);
    }
    // Row after row, as z1 ([`batch_vec_mat`]).
    for (b, x) in x.chunks_exact(n).enumerate() {
        let (index, value) = batch.row(b);
        add_outer(m, index, value, x, n);
    }
}

/// [`batch_add_outer`] on m in panels of [`PANEL`] columns, wider than [`BLOCK`]: as [`add_columns_tiled`], a chunk
/// of [`CHUNK`] columns at a time, x's columns of the chunk copied (rows [`CHUNK`] apart, the columns past n zeros),
/// then tiles of T columns, each of T / [`PANEL`] panels ([`add_panel_columns`]), then one each of half
/// [`WIDE_TILE`], [`TILE`] and [`PANEL`] as they fit: the panels cover the last columns, padded, so no column goes
/// image after image.
#[inline(always)]
fn add_panels_tiled<const T: usize>(m: &mut [f32], batch: &Batch, x: &[f32], n: usize, packed: &mut Packed) {
    packed.list_pixels(batch);
    let padded = n.next_multiple_of(PANEL);
    let mut x_chunk = std::mem::take(&mut packed.x);
    x_chunk.set_len(batch.len() * CHUNK);
    for c in (0..padded).step_by(CHUNK) {
        // (c < n: c is a multiple of PANEL below n rounded up to one.)
        let (width, real) = (CHUNK.min(padded - c), CHUNK.min(n - c));
        for (x, chunk) in x.chunks_exact(n).zip(x_chunk.chunks_exact_mut(CHUNK)) {
            chunk[..real].copy_from_slice(&x[c..c + real]);
            chunk[real..width].fill(0.0);
        }
        let mut s = 0;
        while width - s >= T {
            add_panel_columns::<T>(m, c + s, s, &x_chunk, packed);
            s += T;
        }
        const HALF: usize = WIDE_TILE / 2;
        if T > HALF && width - s >= HALF {
            add_panel_columns::<HALF>(m, c + s, s, &x_chunk, packed);
            s += HALF;
        }
        if T > TILE && width - s >= TILE {
            add_panel_columns::<TILE>(m, c + s, s, &x_chunk, packed);
            s += TILE;
        }
        while s < width {
            add_panel_columns::<PANEL>(m, c + s, s, &x_chunk, packed);
            s += PANEL;
        }
    }
    packed.x = x_chunk;
}

/// m[p, c..c + W] += Σ_b a0_b,p·x[b, s..s + W] for every pixel p of the batch, b increasing, with m in panels of
/// [`PANEL`] columns (c a multiple of [`PANEL`]: W / [`PANEL`] panels from c's on) and x (B, [`CHUNK`]) one chunk of
/// columns: [`add_columns`] with each row's tile in W / [`PANEL`] pieces, one per panel.
#[inline(always)]
fn add_panel_columns<const W: usize>(m: &mut [f32], c: usize, s: usize, x: &[f32], packed: &Packed) {
    const SIZE: usize = INPUTS * PANEL;
    assert!(W.is_multiple_of(PANEL) && c.is_multiple_of(PANEL));
    let panels = &mut m[c / PANEL * SIZE..][..W / PANEL * SIZE];
    for &p in &packed.pixels {
        let row = p as usize * PANEL;
        let mut sum = [0.0f32; W];
        for (q, sum) in sum.chunks_exact_mut(PANEL).enumerate() {
            sum.copy_from_slice(&panels[q * SIZE + row..][..PANEL]);
        }
        add_pixel_terms(&mut sum, packed, p as usize, x, s, CHUNK);
        for (q, sum) in sum.chunks_exact(PANEL).enumerate() {
            panels[q * SIZE + row..][..PANEL].copy_from_slice(sum);
        }
    }
}

/// [`batch_add_outer`] wider than [`BLOCK`] (with a SIMD dispatch of its own, `add_columns_by_pixel`, as
/// [`packed_vec_mat_body`]), in tiles of T columns: [`WIDE_TILE`] where the processor has AVX-512, else
/// [`TILE`]; then, where T is wider and that many are left, one of half [`WIDE_TILE`] and one of [`TILE`] (at h = 128
/// the tile of 256 took none, one of 64 the first half and the second went image after image: the epoch 20% longer);
/// then the last columns image after image.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn add_columns_tiled<const T: usize>(m: &mut [f32], batch: &Batch, x: &[f32], n: usize, packed: &mut Packed) {
    packed.list_pixels(batch);
    let mut x_chunk = std::mem::take(&mut packed.x);
    for c in (0..n).step_by(CHUNK) {
        let width = CHUNK.min(n - c);
        x_chunk.set_len(x.len() / n * width);
        for (x, chunk) in x.chunks_exact(n).zip(x_chunk.chunks_exact_mut(width)) {
            chunk.copy_from_slice(&x[c..c + width]);
        }
        let mut s = 0;
        while width - s >= T {
            // A whole chunk's x rows CHUNK apart, a constant (a shift where the stride was a multiply): at h = 256 an
            // epoch 3% faster, at h = 1,024 within the noise (alternating CPU-time runs of benches/epoch).
            if width == CHUNK {
                add_columns::<T>(&mut m[c..], n, s, &x_chunk, CHUNK, packed);
            } else {
                add_columns::<T>(&mut m[c..], n, s, &x_chunk, width, packed);
            }
            s += T;
        }
        const HALF: usize = WIDE_TILE / 2;
        if T > HALF && HALF > TILE && width - s >= HALF {
            add_columns::<HALF>(&mut m[c..], n, s, &x_chunk, width, packed);
            s += HALF;
        }
        if T > TILE && width - s >= TILE {
            add_columns::<TILE>(&mut m[c..], n, s, &x_chunk, width, packed);
            s += TILE;
        }
        // The last columns, fewer than a tile, image after image: the same terms in the same order.
        if s < width {
            for (b, x) in x_chunk.chunks_exact(width).enumerate() {
                let (index, value) = batch.row(b);
                add_outer(&mut m[c + s..], index, value, &x[s..width], n);
            }
        }
    }
    packed.x = x_chunk;
}

/// m[p, s..s + W] += Σ_b a0_b,p·x[b, s..s + W] for every pixel p of the batch, b increasing, with m (784, n)
/// row-major and x (B, stride) one chunk of columns ([`add_pixel_terms`]).
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn add_columns<const W: usize>(m: &mut [f32], n: usize, s: usize, x: &[f32], stride: usize, packed: &Packed) {
    for &p in &packed.pixels {
        let row: &mut [f32; W] = (&mut m[p as usize * n + s..][..W]).try_into().expect("W values");
        let mut sum = *row;
        add_pixel_terms(&mut sum, packed, p as usize, x, s, stride);
        *row = sum;
    }
}

/// sum += Σ_b a0_b,p·x[b, s..s + W] over the batch's images b that have pixel p, b increasing: one row tile's terms
/// in w1's step ([`add_columns`], [`add_panel_columns`]), with x (B, stride) one chunk of columns, each image's x
/// read without a check: every row whose bit [`Packed::list_pixels`] set is below B (`rows_listed`), checked against
/// x's length once per call.
///
/// Until 3 December each image's offset was held to x.len() − W (a `min`, where the offset's bound was not known to
/// the compiler): in Chromium 156 five more instructions per term, one a load from the stack, of 39. Without them,
/// at h = 256, alternating builds, three runs each of five epochs (`perf` samples of V8's code, Zen 4): this
/// function's loop 2,368–2,587 samples against 2,741–3,157, the module's 6,464–7,214 against 7,128–7,999, the
/// epochs after the first 0.54–0.73 s against 0.59–0.86 s; natively (AVX-512, 16 lanes a load) w1's step 3–7%
/// fewer samples against z1's.
#[inline(always)]
fn add_pixel_terms<const W: usize>(sum: &mut [f32; W], packed: &Packed, p: usize, x: &[f32], s: usize, stride: usize) {
    let groups = packed.groups;
    assert!(s + W <= stride && packed.rows_listed * stride <= x.len() && groups * GROUP < packed.rows_listed + GROUP);
    let tile = x[s..].as_ptr();
    for g in 0..groups {
        let mut rows = packed.masks[g * INPUTS + p];
        let values = &packed.values[(g * INPUTS + p) * GROUP..][..GROUP];
        while rows != 0 {
            let k = rows.trailing_zeros() as usize % GROUP;
            rows &= rows - 1;
            let (b, v) = (g * GROUP + k, values[k]);
            // SAFETY: row b's bit is set, so b < rows_listed (`Packed::list_pixels` sets only its batch's rows'), and
            // b·stride + s + W ≤ rows_listed·stride ≤ x.len().
            let x: [f32; W] = unsafe { *tile.add(b * stride).cast::<[f32; W]>() };
            for k in 0..W {
                sum[k] += v * x[k];
            }
        }
    }
}

/// The cache levels [`prefetch`] fetches into, as x86-64 numbers them: the first level (and the outer ones),
/// or the outer ones only (the batches' records natively; in wasm they are loaded instead, batch.rs's `prefetch`).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) const FIRST_LEVEL: i32 = 3;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) const OUTER_CACHES: i32 = 1;
#[cfg(target_arch = "x86_64")]
const _: () = assert!(FIRST_LEVEL == std::arch::x86_64::_MM_HINT_T0 && OUTER_CACHES == std::arch::x86_64::_MM_HINT_T2);

/// A hint that `*x` will be read soon: fetch its cache line into the caches `LEVEL` names now, without waiting
/// for it (a load would wait). Nothing where the processor has no such instruction (WebAssembly has none).
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
pub(crate) fn prefetch<const LEVEL: i32, T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and changes nothing but the caches; SSE is always there on x86-64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<LEVEL>((x as *const T).cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
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
///
/// With `= $body_fn, with avx512 $wide_fn;` the AVX-512 version runs `$wide_fn` instead (the same
/// function with wider tiles, for the AVX-512 register file).
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
        simd_versions! { $(#[$meta])* $vis fn $name($($arg: $ty),*) -> $ret = $body_fn, with avx512 $body_fn; }
    };
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty
        = $body_fn:path, with avx512 $wide_fn:path;) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn avx512($($arg: $ty),*) -> $ret {
                    $wide_fn($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                #[allow(clippy::too_many_arguments)]
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

// The wide paths of the kernels, each compiled once per instruction set and called from the passes
// rather than inlined into each (see `packed_vec_mat_body`).
simd_versions! {
    fn vec_mat_wide(out: &mut [f32], init: &[f32], index: &[u16], value: &[f32], m: &[f32], stride: usize) -> () = vec_mat_blocks::<WIDE_BLOCK>;
}
#[cfg(not(target_arch = "wasm32"))]
simd_versions! {
    fn packed_vec_mat(out: &mut [f32], init: &[f32], batch: &Batch, m: &[f32], n: usize, packed: &mut Packed) -> () = packed_vec_mat_body;
}
#[cfg(not(target_arch = "wasm32"))]
simd_versions! {
    fn add_columns_by_pixel(m: &mut [f32], batch: &Batch, x: &[f32], n: usize, packed: &mut Packed) -> ()
        = add_columns_tiled::<TILE>, with avx512 add_columns_tiled::<WIDE_TILE>;
}
simd_versions! {
    fn panel_vec_mat(out: &mut [f32], init: &[f32], batch: &Batch, m: &[f32], n: usize) -> () = panel_vec_mat_body;
}
simd_versions! {
    fn add_panel_columns_by_pixel(m: &mut [f32], batch: &Batch, x: &[f32], n: usize, packed: &mut Packed) -> ()
        = add_panels_tiled::<TILE>, with avx512 add_panels_tiled::<WIDE_TILE>;
}

#[cfg(test)]
mod tests {
    use super::*;

    simd_versions! {
        fn vec_mat_simd(out: &mut [f32], init: &[f32], index: &[u16], value: &[f32], m: &[f32], stride: usize) -> () = vec_mat;
    }
    simd_versions! {
        fn add_outer_simd(m: &mut [f32], index: &[u16], value: &[f32], x: &[f32], stride: usize) -> () = add_outer;
    }
    simd_versions! {
        fn batch_vec_mat_simd(out: &mut [f32], init: &[f32], batch: &Batch, m: &[f32], n: usize, stride: usize, packed: &mut Packed) -> () = batch_vec_mat;
    }
    simd_versions! {
        fn batch_add_outer_simd(m: &mut [f32], batch: &Batch, x: &[f32], n: usize, stride: usize, packed: &mut Packed) -> () = batch_add_outer;
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
                for fast in [vec_mat as fn(&mut [f32], &[f32], &[u16], &[f32], &[f32], usize), vec_mat_simd] {
                    let mut out = vec![f32::NAN; n];
                    fast(&mut out, &init, &index, &value, &m, n);
                    for (j, (&o, &e)) in out.iter().zip(&expected).enumerate() {
                        assert!(close(o, e), "n {n}, rows {index:?}, column {j}: {o} vs {e}");
                    }
                    // The same columns as a part of a wider matrix (rows `stride` apart), at its start and end.
                    let stride = n + 5;
                    for c in [0, 5] {
                        let mut wide = values(rows * stride, 77);
                        for i in 0..rows {
                            wide[i * stride + c..i * stride + c + n].copy_from_slice(&m[i * n..(i + 1) * n]);
                        }
                        let mut part = vec![f32::NAN; n];
                        fast(&mut part, &init, &index, &value, &wide[c..], stride);
                        assert_eq!(part, out, "n {n}, rows {index:?}, columns from {c} of {stride}");
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
        vec_mat_simd(&mut out, &init, &[4], &[0.5], &m, n);
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
                for fast in [add_outer as fn(&mut [f32], &[u16], &[f32], &[f32], usize), add_outer_simd] {
                    let mut m = m0.clone();
                    fast(&mut m, &index, &value, &x, n);
                    // One multiply and one add per element, in the same order: bit-identical.
                    assert_eq!(m, expected, "n {n}, rows {index:?}");
                    // The same rows as columns 3..3 + n of a wider matrix: those change as above, the others not at all.
                    let stride = n + 4;
                    let mut wide0 = values(rows * stride, 78);
                    for i in 0..rows {
                        wide0[i * stride + 3..i * stride + 3 + n].copy_from_slice(&m0[i * n..(i + 1) * n]);
                    }
                    let mut wide = wide0.clone();
                    fast(&mut wide[3..], &index, &value, &x, stride);
                    for i in 0..rows {
                        let (row, row0) = (&wide[i * stride..(i + 1) * stride], &wide0[i * stride..(i + 1) * stride]);
                        assert_eq!(row[3..3 + n], m[i * n..(i + 1) * n], "n {n}, rows {index:?}, row {i}");
                        assert_eq!((&row[..3], &row[3 + n..]), (&row0[..3], &row0[3 + n..]), "n {n}, row {i}");
                    }
                }
            }
        }
    }

    /// A batch of `rows` images, each with ink at about a fifth of its pixels, in runs.
    fn batch(rows: usize, seed: u32) -> Batch {
        let mut batch = Batch::with_capacity(rows);
        for b in 0..rows {
            let noise = values(crate::network::INPUTS, seed + b as u32);
            let image: Vec<f32> = noise.iter().map(|&v| if v > 0.6 { (v - 0.6) * 2.5 } else { 0.0 }).collect();
            batch.push_f32(&image, (b % 10) as u8).unwrap();
        }
        batch
    }

    #[test]
    fn every_entry_listed_by_pixel_is_a_row_of_the_batch() {
        // Batches of 70 (three groups of rows, the last of 6), 32 (one whole group), then 7 with the same Packed: each
        // bit set names a row of its own batch, none left over from a larger one (w1's step reads x's rows without a
        // check of their own), with its value, and each row's entries are all listed, once each.
        let mut packed = Packed::default();
        for rows in [70, 32, 7] {
            let batch = batch(rows, 40 + rows as u32);
            packed.list_pixels(&batch);
            let groups = rows.div_ceil(GROUP);
            assert_eq!((packed.rows_listed, packed.groups), (rows, groups));
            assert_eq!(packed.masks.len(), crate::network::INPUTS * groups);
            let mut listed = vec![Vec::new(); rows];
            for p in 0..crate::network::INPUTS {
                let masks: Vec<u32> = (0..groups).map(|g| packed.masks[g * crate::network::INPUTS + p]).collect();
                assert_eq!(packed.pixels.contains(&(p as u16)), masks.iter().any(|&mask| mask != 0), "pixel {p}");
                for (g, &mask) in masks.iter().enumerate() {
                    for k in (0..GROUP).filter(|k| mask >> k & 1 == 1) {
                        let b = g * GROUP + k;
                        assert!(b < rows, "pixel {p} lists row {b} of {rows}");
                        listed[b]
                            .push((p as u16, packed.values[(g * crate::network::INPUTS + p) * GROUP + k].to_bits()));
                    }
                }
            }
            assert!(packed.pixels.windows(2).all(|w| w[0] < w[1]));
            for (b, listed) in listed.iter().enumerate() {
                let (index, value) = batch.row(b);
                let entries: Vec<(u16, u32)> = index.iter().zip(value).map(|(&i, v)| (i, v.to_bits())).collect();
                assert!(!entries.is_empty());
                assert_eq!(listed, &entries, "row {b} of {rows}");
            }
        }
    }

    #[test]
    fn batch_kernels_are_the_row_kernels_row_after_row_to_the_bit() {
        // Widths below, at and across the chunk, and not multiples of any SIMD width (200: a tile of each width, then
        // 8); batches of one group of rows and of two and three (70 rows, the last group of 6).
        for (rows, n) in
            [(1, 33), (3, 100), (3, 200), (5, CHUNK), (4, CHUNK + 1), (2, 2 * CHUNK + 37), (70, 200), (33, CHUNK)]
        {
            let batch = batch(rows, n as u32);
            let m0 = values(crate::network::INPUTS * n, 3);
            let init = values(n, 4);
            let x = values(rows * n, 5);
            // z1 = a0·w1 + b1, row by row on whole rows.
            let mut expected = vec![0.0; rows * n];
            for (b, out) in expected.chunks_exact_mut(n).enumerate() {
                let (index, value) = batch.row(b);
                vec_mat_simd(out, &init, index, value, &m0, n);
            }
            let mut out = vec![f32::NAN; rows * n];
            let mut packed = Packed::default();
            batch_vec_mat_simd(&mut out, &init, &batch, &m0, n, n, &mut packed);
            assert_eq!(out, expected, "z1 of {rows} rows, n {n}");
            // w1 += a0ᵀ·x, row by row on whole rows.
            let mut expected = m0.clone();
            for (b, x) in x.chunks_exact(n).enumerate() {
                let (index, value) = batch.row(b);
                add_outer_simd(&mut expected, index, value, x, n);
            }
            let mut m = m0.clone();
            batch_add_outer_simd(&mut m, &batch, &x, n, n, &mut packed);
            assert_eq!(m, expected, "a0ᵀ·x of {rows} rows, n {n}");
            // Each tile width, whichever this processor's dispatch picks (n > BLOCK in every case here).
            #[cfg(not(target_arch = "wasm32"))]
            for tiled in [add_columns_tiled::<TILE>, add_columns_tiled::<WIDE_TILE>] {
                let mut m = m0.clone();
                tiled(&mut m, &batch, &x, n, &mut packed);
                assert_eq!(m, expected, "a0ᵀ·x of {rows} rows, n {n}, by tiles");
            }
        }
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn panels_give_the_row_major_results_to_the_bit() {
        use crate::network::INPUTS;
        // One panel, rows padded (as PanelW1 holds h = 28), read and written whole; and panels of 32 columns, the last
        // whole or padded, in chunks of 256 columns, the last one narrower or of one column (257), with tiles of 256,
        // 128, 64 and 32 (every tile width of AVX-512 and AVX2 at 224 = 128 + 64 + 32 and 480).
        for (rows, n) in
            [(5, 28), (3, 20), (2, 31), (4, 33), (32, 64), (7, 100), (32, 224), (9, 257), (33, 300), (5, 480)]
        {
            let batch = batch(rows, (n + PANEL) as u32);
            let m0 = values(INPUTS * n, 6);
            let init = values(n, 7);
            let x = values(rows * n, 8);
            // The same matrix in panels of PANEL columns, zeros past n.
            let padded = n.next_multiple_of(PANEL);
            let mut panels0 = vec![0.0; INPUTS * padded];
            for (panel, c) in panels0.chunks_exact_mut(INPUTS * PANEL).zip((0..n).step_by(PANEL)) {
                let width = PANEL.min(n - c);
                for (row, piece) in m0.chunks_exact(n).zip(panel.chunks_exact_mut(PANEL)) {
                    piece[..width].copy_from_slice(&row[c..c + width]);
                }
            }
            let unpanel = |panels: &[f32]| -> Vec<f32> {
                (0..INPUTS * n)
                    .map(|e| panels[(e % n) / PANEL * INPUTS * PANEL + e / n * PANEL + e % n % PANEL])
                    .collect()
            };
            assert_eq!(unpanel(&panels0), m0);
            let mut packed = Packed::default();
            let mut expected = vec![0.0; rows * n];
            batch_vec_mat_simd(&mut expected, &init, &batch, &m0, n, n, &mut packed);
            let mut out = vec![f32::NAN; rows * n];
            batch_vec_mat_simd(&mut out, &init, &batch, &panels0, n, PANEL, &mut packed);
            assert_eq!(out, expected, "z1 of {rows} rows, n {n}, in panels");
            // Whatever the pads hold, z1 is the same: their lanes are never stored.
            let mut noisy = panels0.clone();
            let last = noisy.len() - INPUTS * PANEL;
            noisy[last..].chunks_exact_mut(PANEL).for_each(|r| r[n - (padded - PANEL)..].fill(f32::NAN));
            batch_vec_mat_simd(&mut out, &init, &batch, &noisy, n, PANEL, &mut packed);
            assert_eq!(out, expected, "z1 of {rows} rows, n {n}, in panels, pads not zero");
            let mut expected = m0.clone();
            batch_add_outer_simd(&mut expected, &batch, &x, n, n, &mut packed);
            let mut panels = panels0.clone();
            batch_add_outer_simd(&mut panels, &batch, &x, n, PANEL, &mut packed);
            assert_eq!(unpanel(&panels), expected, "a0ᵀ·x of {rows} rows, n {n}, in panels");
            // Both tile widths (AVX2's and AVX-512's), whatever this processor dispatches to.
            if n > BLOCK {
                for tiled in [add_panels_tiled::<TILE>, add_panels_tiled::<WIDE_TILE>] {
                    let mut panels = panels0.clone();
                    tiled(&mut panels, &batch, &x, n, &mut packed);
                    assert_eq!(unpanel(&panels), expected, "a0ᵀ·x of {rows} rows, n {n}, in panels, by tiles");
                }
            }
            let pads = panels[last..].chunks_exact(PANEL).flat_map(|r| &r[n - (padded - PANEL)..]);
            assert!(pads.into_iter().all(|&p| p.to_bits() == 0), "n {n}: the pads stay +0");
        }
        // One Packed for a row-major z1 of a batch (its rows packed), a step on panels of another (its pixels listed
        // without packing), then the first batch's z1 again: the same, its rows packed anew (the listing forgot them).
        let n = 64;
        let (first, other) = (batch(9, 1), batch(9, 2));
        let m = values(INPUTS * n, 3);
        let init = values(n, 4);
        let mut packed = Packed::default();
        let mut before = vec![0.0; 9 * n];
        batch_vec_mat_simd(&mut before, &init, &first, &m, n, n, &mut packed);
        let mut panels = vec![0.0; INPUTS * n];
        batch_add_outer_simd(&mut panels, &other, &values(9 * n, 5), n, PANEL, &mut packed);
        let mut after = vec![0.0; 9 * n];
        batch_vec_mat_simd(&mut after, &init, &first, &m, n, n, &mut packed);
        assert_eq!(after, before);
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
