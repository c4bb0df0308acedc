//! The measured region: a counting global allocator and [`measured`], the one function inside
//! which callgrind counts instructions and the allocator counts allocations. The runner wraps
//! every strategy call in it (for the heap high-water mark); the cost worker
//! ([`crate::child::cost`]) runs one cell in it under valgrind.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

/// A global allocator that counts allocations while counting is switched on.
pub struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

/// Adds `delta` bytes to the live count and raises the peak.
#[inline]
fn grow(delta: i64) {
    let live = LIVE.fetch_add(delta, Ordering::Relaxed) + delta;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            ALLOC_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
            grow(layout.size() as i64);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            ALLOC_BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
            grow(new_size as i64 - layout.size() as i64);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocation counts of one measured call (meaningful only when [`CountingAlloc`] is the
/// global allocator, as it is in the `corpusbench` binary).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allocations {
    /// Number of allocations and reallocations.
    pub count: u64,
    /// Bytes requested by them.
    pub bytes: u64,
    /// Most bytes live at once among those allocated inside the call (a high-water mark of the
    /// call's own heap use; memory that existed before the call is not counted).
    pub peak_bytes: u64,
}

/// Runs `f` with allocation counting on. Callgrind collects instructions only inside this
/// function (`--toggle-collect`), so its name is part of the contract with [`measure`].
#[inline(never)]
pub fn measured<T>(f: impl FnOnce() -> T) -> (T, Allocations) {
    ALLOCS.store(0, Ordering::SeqCst);
    ALLOC_BYTES.store(0, Ordering::SeqCst);
    LIVE.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    let out = std::hint::black_box(f());
    COUNTING.store(false, Ordering::SeqCst);
    let allocations = Allocations {
        count: ALLOCS.load(Ordering::SeqCst),
        bytes: ALLOC_BYTES.load(Ordering::SeqCst),
        peak_bytes: PEAK.load(Ordering::SeqCst).max(0) as u64,
    };
    (out, allocations)
}
