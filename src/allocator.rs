//! The browser build's memory allocator, in place of std's dlmalloc (8 KB of code, 3 KB of the gzipped wasm): the
//! free-list allocator of Kernighan and Ritchie's *The C Programming Language* (§8.7), over WebAssembly's memory.
//!
//! Memory is cut into blocks of 16-byte units, each starting with a one-unit header: the block's size in units and,
//! while it is free, the next free block. The free blocks form one ring in address order. A request takes the first
//! free block large enough (its lower end when it is larger), searching from where the last search stopped; when none
//! is, the memory grows by whole pages (at least 1 MB, enough for the request) and the new pages join the ring. A
//! freed block is put back in its place in the ring and merged with a free neighbour on either side, so that freed
//! memory serves requests of any size later (the page frees a 47 MB copy of MNIST's images once it has read them).
//! Memory is never given back: WebAssembly memory cannot shrink.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;

/// The unit of every block, and the alignment of every address handed out.
const UNIT: usize = 16;
/// WebAssembly's page, the unit the memory grows by.
const PAGE: usize = 65536;

/// A block's first unit.
#[repr(C, align(16))]
struct Header {
    /// The next free block in address order (the ring wraps around through `base`), while this one is free.
    next: *mut Header,
    /// The block's size in units, its header included.
    units: usize,
}

struct Heap {
    /// The ring's fixed member, of size 0, where it starts (the address of the static: below every block).
    base: Header,
    /// Where the last search stopped (null before the first request).
    start: *mut Header,
}

struct Allocator(UnsafeCell<Heap>);

// SAFETY: the wasm32 build is single-threaded (no `atomics` target feature): one thread ever touches the heap.
unsafe impl Sync for Allocator {}

#[global_allocator]
static ALLOCATOR: Allocator =
    Allocator(UnsafeCell::new(Heap { base: Header { next: ptr::null_mut(), units: 0 }, start: ptr::null_mut() }));

impl Heap {
    /// A free block of `units` units or more, after growing the memory if need be; null when it cannot grow.
    ///
    /// SAFETY: the caller has the heap to itself; the ring is well formed.
    unsafe fn find(&mut self, units: usize) -> *mut Header {
        if self.start.is_null() {
            let base = &raw mut self.base;
            self.base.next = base;
            self.start = base;
        }
        let mut previous = self.start;
        // SAFETY: every pointer followed is a member of the ring.
        unsafe {
            let mut block = (*previous).next;
            loop {
                if (*block).units >= units {
                    if (*block).units == units {
                        (*previous).next = (*block).next;
                    } else {
                        // The lower end of the block, so that the rest, just above, can let it grow in place.
                        let rest = block.add(units);
                        (*rest).units = (*block).units - units;
                        (*rest).next = (*block).next;
                        (*previous).next = rest;
                        (*block).units = units;
                    }
                    self.start = previous;
                    return block;
                }
                if block == self.start && !self.grow(units) {
                    return ptr::null_mut();
                }
                // After a growth, `block.next` leads to the new pages, merged into the ring by `free`.
                previous = block;
                block = (*block).next;
            }
        }
    }

    /// Adds at least `units` units of new memory to the ring; false when the memory cannot grow.
    ///
    /// SAFETY: as for `find`.
    unsafe fn grow(&mut self, units: usize) -> bool {
        let pages = (units * UNIT).div_ceil(PAGE).max(16);
        let old = wasm32::memory_grow(0, pages);
        if old == usize::MAX {
            return false;
        }
        let block = (old * PAGE) as *mut Header;
        // SAFETY: the new pages are the heap's alone; `free` puts the block in the ring.
        unsafe {
            (*block).units = pages * PAGE / UNIT;
            self.free(block);
        }
        true
    }

    /// Puts `block` back in the ring, merged with a free neighbour above or below it.
    ///
    /// SAFETY: as for `find`; `block` is a block of the heap that is not in the ring.
    unsafe fn free(&mut self, block: *mut Header) {
        // SAFETY: as in `find`.
        unsafe {
            // The free block just below `block` in address order (the ring's highest member when `block` is above
            // them all or below them all).
            let mut below = self.start;
            while !(below < block && block < (*below).next) {
                if below >= (*below).next && (below < block || block < (*below).next) {
                    break;
                }
                below = (*below).next;
            }
            let above = (*below).next;
            if block.add((*block).units) == above {
                (*block).units += (*above).units;
                (*block).next = (*above).next;
            } else {
                (*block).next = above;
            }
            if below.add((*below).units) == block {
                (*below).units += (*block).units;
                (*below).next = (*block).next;
            } else {
                (*below).next = block;
            }
            self.start = below;
        }
    }
}

impl Heap {
    /// Grows `block` (out of the ring) in place to `units` units, taking the free block right above it (after growing
    /// the memory, if the block and that free one end where the memory does); false when it cannot.
    ///
    /// SAFETY: as for `find`; `block` is a block of the heap that is not in the ring.
    unsafe fn extend(&mut self, block: *mut Header, units: usize) -> bool {
        // SAFETY: as in `find`.
        unsafe {
            let next = block.add((*block).units);
            // The free block that starts at `next`, if there is one, and the free block before it in the ring.
            let mut before = self.start;
            let mut above = ptr::null_mut();
            loop {
                if (*before).next == next {
                    above = next;
                    break;
                }
                before = (*before).next;
                if before == self.start {
                    break;
                }
            }
            let mut room = (*block).units;
            let mut end = next;
            if !above.is_null() {
                room += (*above).units;
                end = above.add((*above).units);
            }
            if room < units {
                // New pages just above the memory's end join the free block above (or become it): then again.
                return end as usize == wasm32::memory_size(0) * PAGE
                    && self.grow(units - room)
                    && self.extend(block, units);
            }
            let after = (*above).next;
            if room == units {
                (*before).next = after;
            } else {
                let rest = block.add(units);
                (*rest).units = room - units;
                (*rest).next = after;
                (*before).next = rest;
            }
            if self.start == above {
                self.start = before;
            }
            (*block).units = units;
            true
        }
    }
}

// Each function is called, not inlined where memory is allocated or freed: the wasm is the smaller.
unsafe impl GlobalAlloc for Allocator {
    /// A block aligned to 16 bytes; null for a larger alignment (no type of the crate asks for one) or when the
    /// memory cannot grow.
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() > UNIT {
            return ptr::null_mut();
        }
        // SAFETY: one thread, and no call of these functions runs inside another.
        let heap = unsafe { &mut *self.0.get() };
        let units = layout.size().div_ceil(UNIT) + 1;
        // SAFETY: as above; the block found is out of the ring, its memory after the header the caller's.
        unsafe {
            let block = heap.find(units);
            if block.is_null() {
                return ptr::null_mut();
            }
            block.add(1) as *mut u8
        }
    }

    #[inline(never)]
    unsafe fn dealloc(&self, memory: *mut u8, _layout: Layout) {
        // SAFETY: as in `alloc`; `memory` follows the header of a block `alloc` handed out.
        unsafe { (*self.0.get()).free((memory as *mut Header).sub(1)) }
    }

    /// The block itself when it can shrink or grow where it is (a vector growing at the top of the heap copies
    /// nothing), else a new one with a copy.
    #[inline(never)]
    unsafe fn realloc(&self, memory: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as in `alloc` and `dealloc`; the caller's promises about `layout` and `new_size` are theirs.
        unsafe {
            let heap = &mut *self.0.get();
            let block = (memory as *mut Header).sub(1);
            let units = new_size.div_ceil(UNIT) + 1;
            if units < (*block).units {
                let tail = block.add(units);
                (*tail).units = (*block).units - units;
                (*block).units = units;
                heap.free(tail);
                return memory;
            }
            if units == (*block).units || heap.extend(block, units) {
                return memory;
            }
            let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
            if !new.is_null() {
                ptr::copy_nonoverlapping(memory, new, layout.size().min(new_size));
                heap.free(block);
            }
            new
        }
    }
}
