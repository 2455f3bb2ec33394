//! A buffer of `f32` that starts on a 64-byte boundary, a cache line: the parameters, so that
//! w1's rows (1 KB apart at h = 256) start on cache lines too.
//!
//! Why: the kernels read and write w1 a block of 16 or 32 columns at a time, 64 or 128 bytes.
//! From `Vec<f32>`'s allocation (16-byte aligned, as a rule) every such 64-byte piece straddles
//! two cache lines, and the processor does two accesses for it; on a line it does one. The
//! same arithmetic in the same order: only where the numbers sit changes, and the results
//! are the same to the bit. (Measured: z1 = a0·w1 + b1 at h = 256 over MNIST's images, 12.0 →
//! 9.0 ns per nonzero pixel, AVX-512 on AMD Zen 5.)

use std::fmt;
use std::ops::{Deref, DerefMut};

/// Sixteen floats on a 64-byte boundary: one cache line.
#[derive(Clone, Copy, Default)]
#[repr(C, align(64))]
struct Line([f32; 16]);

/// `len` floats stored in whole `Line`s (the last one's tail, past `len`, is 0 and unused),
/// seen as a slice.
#[derive(Clone, Default)]
pub struct AlignedVec {
    lines: Vec<Line>,
    len: usize,
}

impl AlignedVec {
    /// `len` zeros.
    #[inline(never)]
    pub fn zeroed(len: usize) -> AlignedVec {
        let count = len.div_ceil(16);
        let mut lines = Vec::with_capacity(count);
        // SAFETY: the capacity is `count` lines, and a Line of zero bytes is sixteen 0.0. (Rather than
        // `vec![Line::default(); count]`, a loop of 64-byte stores that weighed 0.7 KB in the wasm: one memset.)
        unsafe {
            std::ptr::write_bytes(lines.as_mut_ptr(), 0, count);
            lines.set_len(count);
        }
        AlignedVec { lines, len }
    }

    /// A copy of `values`.
    #[inline(never)]
    pub fn from_slice(values: &[f32]) -> AlignedVec {
        let mut out = AlignedVec::zeroed(values.len());
        out.copy_from_slice(values);
        out
    }

    /// Makes the length `len`, for a scratch buffer that is then written whole: its values are those it
    /// had, or zeros where it had to grow (all of them, then). (Once a batch at most; not inlined into each
    /// SIMD version of the kernels that call it, where it weighed in the wasm.)
    #[inline(never)]
    pub fn set_len(&mut self, len: usize) {
        if self.lines.len() < len.div_ceil(16) {
            *self = AlignedVec::zeroed(len);
        }
        self.len = len;
    }
}

impl Deref for AlignedVec {
    type Target = [f32];

    fn deref(&self) -> &[f32] {
        // SAFETY: a Line is 16 f32 and nothing else (repr(C), 64 bytes, no padding), so the lines are
        // 16·lines.len() ≥ len initialised f32 in a row, aligned for f32 (64 ≥ 4), borrowed with self.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr().cast::<f32>(), self.len) }
    }
}

impl DerefMut for AlignedVec {
    fn deref_mut(&mut self) -> &mut [f32] {
        // SAFETY: as in `deref`, borrowed mutably with self.
        unsafe { std::slice::from_raw_parts_mut(self.lines.as_mut_ptr().cast::<f32>(), self.len) }
    }
}

impl PartialEq for AlignedVec {
    fn eq(&self, other: &AlignedVec) -> bool {
        **self == **other
    }
}

impl fmt::Debug for AlignedVec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_on_a_cache_line_and_keeps_its_values_through_length_changes() {
        let values: Vec<f32> = (0..37).map(|i| i as f32 - 3.5).collect();
        let mut v = AlignedVec::from_slice(&values);
        assert_eq!(v.as_ptr() as usize % 64, 0);
        assert_eq!(&v[..], &values[..]);
        // Shorter, then as long as its room (3 lines): the values kept.
        v.set_len(5);
        assert_eq!(&v[..], &values[..5]);
        v.set_len(48);
        assert_eq!(&v[..37], &values[..]);
        // Longer than its room: all zeros, on a cache line.
        v.set_len(49);
        assert_eq!(v.as_ptr() as usize % 64, 0);
        assert!(v.iter().all(|&x| x == 0.0));
        assert_eq!(AlignedVec::zeroed(0).len(), 0);
        assert_eq!(v, AlignedVec::from_slice(&v));
        assert_eq!(format!("{:?}", AlignedVec::from_slice(&[1.0, 2.5])), "[1.0, 2.5]");
    }
}
