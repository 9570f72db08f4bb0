//! A global allocator that backs large buffers with transparent huge pages.
//!
//! The stage's big buffers (file contents, sequences, labels: tens of MB each) are written once and
//! the process ends, so first-touch page faults are a large share of its run time. On the 2-core
//! VMs tfbind is benchmarked on, faulting in 100 MB of fresh 4 KiB pages takes 90–290 ms, against
//! 10–25 ms for 2 MiB pages. So allocations from 2 MiB on get their own 2 MiB-aligned mapping,
//! advised `MADV_HUGEPAGE` before it is touched (THP runs in `madvise` mode there, as on most
//! distributions); smaller ones go to the system allocator. Going through `malloc` and advising
//! afterwards is not enough: `malloc` serves large blocks from its heap after a large free, and
//! `realloc` copies into fresh memory before it could be advised.

use std::alloc::{GlobalAlloc, Layout, System};

pub struct HugePages;

/// Size (and alignment) of a transparent huge page on x86-64 and aarch64 with 4 KiB base pages.
const HUGE: usize = 2 << 20;

// SAFETY: small (or over-aligned) requests are forwarded to `System`. Large ones are whole
// private anonymous mappings, exclusively owned by the allocation, HUGE-aligned (so any
// `layout.align() <= HUGE` holds), zero-filled by the kernel, and unmapped with the same length
// they were mapped with (`mapped_len` of the size that `dealloc`/`realloc` are given back).
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_large(layout) {
            map(layout.size())
        } else {
            System.alloc(layout)
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_large(layout) {
            map(layout.size())
        } else {
            System.alloc_zeroed(layout)
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if is_large(layout) {
            libc::munmap(p.cast(), mapped_len(layout.size()));
        } else {
            System.dealloc(p, layout)
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        match (is_large(layout), is_large(new_layout)) {
            (false, false) => System.realloc(p, layout, new_size),
            // mremap keeps only page alignment when it moves the mapping.
            (true, true) if layout.align() <= PAGE => {
                // The kernel moves the pages (and the advice) without copying them.
                let q = libc::mremap(
                    p.cast(),
                    mapped_len(layout.size()),
                    mapped_len(new_size),
                    libc::MREMAP_MAYMOVE,
                );
                if q == libc::MAP_FAILED {
                    std::ptr::null_mut()
                } else {
                    q.cast()
                }
            }
            _ => {
                let q = self.alloc(new_layout);
                if !q.is_null() {
                    std::ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
                    self.dealloc(p, layout);
                }
                q
            }
        }
    }
}

fn is_large(layout: Layout) -> bool {
    layout.size() >= HUGE && layout.align() <= HUGE
}

/// The base page size on the targets with 2 MiB transparent huge pages.
const PAGE: usize = 4096;

/// Length of the mapping that holds `size` bytes: whole base pages.
fn mapped_len(size: usize) -> usize {
    size.next_multiple_of(PAGE)
}

/// A fresh HUGE-aligned mapping of `size` bytes advised for huge pages, or null.
unsafe fn map(size: usize) -> *mut u8 {
    let len = mapped_len(size);
    // Over-map by one huge page, then unmap the unaligned head and the tail.
    let raw = libc::mmap(
        std::ptr::null_mut(),
        len + HUGE,
        libc::PROT_READ | libc::PROT_WRITE,
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
        -1,
        0,
    );
    if raw == libc::MAP_FAILED {
        return std::ptr::null_mut();
    }
    let start = (raw as usize).next_multiple_of(HUGE);
    let head = start - raw as usize;
    if head > 0 {
        libc::munmap(raw, head);
    }
    let tail = HUGE - head;
    if tail > 0 {
        libc::munmap((start + len) as *mut libc::c_void, tail);
    }
    // A failure (THP disabled, an old kernel) only means small pages.
    libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
    start as *mut u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_are_aligned_zeroed_and_keep_their_bytes_through_realloc() {
        let a = HugePages;
        unsafe {
            let layout = Layout::from_size_align(3 * HUGE + 123, 8).unwrap();
            let p = a.alloc_zeroed(layout);
            assert!(!p.is_null());
            assert_eq!(p as usize % HUGE, 0);
            let bytes = std::slice::from_raw_parts_mut(p, layout.size());
            assert!(bytes.iter().all(|&b| b == 0));
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = (i % 251) as u8;
            }
            // Grow (mremap), shrink below the threshold (copy to malloc), grow back (copy).
            let p = a.realloc(p, layout, 5 * HUGE);
            let layout = Layout::from_size_align(5 * HUGE, 8).unwrap();
            let check = |p: *mut u8, n: usize| {
                let bytes = std::slice::from_raw_parts(p, n);
                assert!(bytes.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
            };
            check(p, 3 * HUGE + 123);
            let p = a.realloc(p, layout, 1000);
            let layout = Layout::from_size_align(1000, 8).unwrap();
            check(p, 1000);
            let p = a.realloc(p, layout, 2 * HUGE);
            check(p, 1000);
            a.dealloc(p, Layout::from_size_align(2 * HUGE, 8).unwrap());
        }
    }
}
