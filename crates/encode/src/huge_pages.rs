//! A global allocator that asks Linux for transparent huge pages for large buffers.
//!
//! The stage's big buffers (sequences, labels, file contents: tens of MB each) are touched once
//! and the process ends, so first-touch page faults are a large share of its run time: on the
//! 2-core VMs tfbind is benchmarked on, faulting in 100 MB of 4 KiB pages takes ~290 ms, against
//! ~10 ms with 2 MiB pages (`madvise(MADV_HUGEPAGE)`; THP is in `madvise` mode there and on most
//! distributions). Small allocations are left as they are.

use std::alloc::{GlobalAlloc, Layout, System};

pub struct HugePages;

/// Allocations from this size on are advised; below it a huge page would be mostly unused.
const THRESHOLD: usize = 2 << 20;

// SAFETY: every call is forwarded to `System`, which upholds the `GlobalAlloc` contract; the
// only addition is `madvise` on memory the allocation owns, which changes how the kernel backs it,
// never its contents or ownership.
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if layout.size() >= THRESHOLD {
            advise(p, layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() < THRESHOLD {
            return System.alloc_zeroed(layout);
        }
        // `calloc` may zero the memory itself, faulting it in as small pages before the advice
        // could apply; so advise first, then zero.
        let p = System.alloc(layout);
        if !p.is_null() {
            advise(p, layout.size());
            std::ptr::write_bytes(p, 0, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        System.dealloc(p, layout)
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = System.realloc(p, layout, new_size);
        if new_size >= THRESHOLD {
            advise(q, new_size);
        }
        q
    }
}

/// Advises the whole pages inside `p..p + size`; a failure (an old kernel, THP disabled) only
/// means small pages.
fn advise(p: *mut u8, size: usize) {
    #[cfg(target_os = "linux")]
    if !p.is_null() {
        const PAGE: usize = 4096;
        let start = (p as usize).next_multiple_of(PAGE);
        let end = (p as usize + size) & !(PAGE - 1);
        if end > start {
            // SAFETY: the range lies inside an allocation this process owns; MADV_HUGEPAGE does
            // not change memory contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (p, size);
}
