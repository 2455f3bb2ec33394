//! The browser build's memory allocator, in place of std's dlmalloc (over 8 KB of code, 3 KB of the gzipped wasm):
//! blocks of a few sizes, each size with a list of its freed blocks, carved from WebAssembly's linear memory.
//!
//! A request of `size` bytes gets a block of the smallest class that holds it: multiples of 16 bytes up to 128, then
//! four sizes per power of two (160, 192, 224, 256, 320, …), so that a block is at most a quarter larger than asked
//! (a 47 MB MNIST training set takes a 48 MB block). A freed block goes to the front of its class's list, and the
//! next request of that class takes it back, in constant time; a class with no freed block takes a new block from
//! the top of the heap, which grows the memory when it must. Blocks are never split or merged, and memory is never
//! given back (WebAssembly memory cannot shrink): the page makes few large buffers, mostly of the same sizes again.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;

/// Every block starts at a multiple of this, and every block size is one.
const ALIGN: usize = 16;
/// WebAssembly's page, the unit the memory grows by.
const PAGE: usize = 65536;
/// Classes 0..8 are 16, 32, …, 128 bytes; then four per power of two up to 2³² bytes.
const CLASSES: usize = 8 + 4 * 25;

/// The class of a request of `size` bytes (1 or more), and the size of its blocks.
fn class_of(size: usize) -> (usize, usize) {
    if size <= 128 {
        let class = size.div_ceil(ALIGN) - 1;
        return (class, (class + 1) * ALIGN);
    }
    // 2^p < size ≤ 2^(p+1), p ≥ 7; blocks of 2^p + k·2^(p−2) for k = 1..4.
    let p = (usize::BITS - 1 - (size - 1).leading_zeros()) as usize;
    let step = 1 << (p - 2);
    let k = (size - (1 << p)).div_ceil(step);
    (8 + (p - 7) * 4 + k - 1, (1 << p) + k * step)
}

struct Heap {
    /// The first block of each class's list of freed blocks (null: none); a freed block holds the next.
    free: [*mut u8; CLASSES],
    /// The unused memory at the top of the heap: [top, end).
    top: usize,
    end: usize,
}

struct Allocator(UnsafeCell<Heap>);

// SAFETY: the wasm32 build is single-threaded (no `atomics` target feature): one thread ever touches the heap.
unsafe impl Sync for Allocator {}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator(UnsafeCell::new(Heap { free: [ptr::null_mut(); CLASSES], top: 0, end: 0 }));

impl Heap {
    /// A new block of `bytes` (a multiple of ALIGN) aligned to `align`, from the top of the heap; null when the
    /// memory cannot grow.
    fn carve(&mut self, bytes: usize, align: usize) -> *mut u8 {
        let mut start = self.top.next_multiple_of(align);
        if start.checked_add(bytes).is_none_or(|stop| stop > self.end) {
            // Grow by whole pages, at least 1 MB, enough for the block; the new pages follow the old end.
            let pages = (bytes + align).div_ceil(PAGE).max(16);
            let old = wasm32::memory_grow(0, pages);
            if old == usize::MAX {
                return ptr::null_mut();
            }
            if old * PAGE != self.end {
                self.top = old * PAGE;
            }
            self.end = (old + pages) * PAGE;
            start = self.top.next_multiple_of(align);
        }
        self.top = start + bytes;
        start as *mut u8
    }
}

// Each function is called, not inlined where memory is allocated or freed: the wasm is the smaller.
unsafe impl GlobalAlloc for Allocator {
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: one thread, and no call of these functions runs inside another.
        let heap = unsafe { &mut *self.0.get() };
        let (class, bytes) = class_of(layout.size().max(1));
        let head = heap.free[class];
        if !head.is_null() && layout.align() <= ALIGN {
            // SAFETY: a freed block of this class starts with the address of the next one.
            heap.free[class] = unsafe { *(head as *mut *mut u8) };
            return head;
        }
        heap.carve(bytes, layout.align().max(ALIGN))
    }

    #[inline(never)]
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: as in `alloc`.
        let heap = unsafe { &mut *self.0.get() };
        let (class, _) = class_of(layout.size().max(1));
        // SAFETY: the block is ours, at least 16 bytes and aligned: it can hold the address of the next freed one.
        unsafe { *(block as *mut *mut u8) = heap.free[class] };
        heap.free[class] = block;
    }

    #[inline(never)]
    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if class_of(layout.size().max(1)).0 == class_of(new_size.max(1)).0 {
            return block;
        }
        // SAFETY: the caller's promises about `layout` and `new_size` are those alloc and dealloc need.
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = self.alloc(new_layout);
            if !new.is_null() {
                ptr::copy_nonoverlapping(block, new, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
            new
        }
    }
}
