//! The measured region: a counting global allocator and [`measured`], the one function inside
//! which callgrind counts instructions and the allocator counts allocations. The runner wraps
//! every strategy call in it (for the heap high-water mark); the cost worker
//! ([`crate::child::cost`]) runs one cell in it under valgrind.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// A global allocator that counts allocations while counting is switched on.
pub struct CountingAlloc;

/// While counting: the most bytes the measured region may hold live at once (`i64::MAX` for no
/// limit); 0 while not counting. One word for both, so the hot path pays one load for them.
static LIMIT: AtomicI64 = AtomicI64::new(0);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);
/// The limit [`measured`] applies; 0 for none.
static BUDGET: AtomicI64 = AtomicI64::new(0);

/// What a process whose measured region ran out of budget writes to its standard error before
/// the failed allocation ends it (the parent reports it as the cell's failure).
pub const OVER_BUDGET: &str = "corpusbench: the strategy's heap would exceed its --memory-limit";

/// Limits the heap the measured region may hold live at once ([`measured`]); `None` lifts the
/// limit. An allocation past it fails, which ends the process: only a worker process, whose
/// death costs one cell, sets one.
pub fn set_budget(bytes: Option<u64>) {
    let b = bytes.map_or(0, |b| i64::try_from(b).unwrap_or(i64::MAX).max(1));
    BUDGET.store(b, Ordering::SeqCst);
}

/// Counts `size` more live bytes against `limit`: false (and nothing counted) when they would
/// pass it, after saying so on the unbuffered standard error (no allocation there).
#[inline]
fn grow(size: i64, limit: i64) -> bool {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    if live > limit {
        LIVE.fetch_sub(size, Ordering::Relaxed);
        over_budget();
        return false;
    }
    PEAK.fetch_max(live, Ordering::Relaxed);
    true
}

#[cold]
fn over_budget() {
    use std::io::Write;
    let _ = std::io::stderr().write_all(OVER_BUDGET.as_bytes());
    let _ = std::io::stderr().write_all(b"\n");
}

/// Counts a new allocation of `size` bytes while counting is on: false when it would pass the
/// budget (the allocation is then refused).
#[inline(always)]
fn admit(size: usize) -> bool {
    let limit = LIMIT.load(Ordering::Relaxed);
    if limit != 0 {
        if !grow(size as i64, limit) {
            return false;
        }
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(size as u64, Ordering::Relaxed);
    }
    true
}

// SAFETY: every call is forwarded unchanged to the system allocator (or refused with a null
// pointer past the budget, as an out-of-memory allocator would); only counters are added.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !admit(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !admit(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: same contract as the caller's. The system's zeroed allocation takes fresh pages
        // that are zero already instead of writing every byte.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if LIMIT.load(Ordering::Relaxed) != 0 {
            LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let limit = LIMIT.load(Ordering::Relaxed);
        if limit != 0 {
            if !grow(new_size as i64 - layout.size() as i64, limit) {
                return std::ptr::null_mut();
            }
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            ALLOC_BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
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
    let budget = BUDGET.load(Ordering::SeqCst);
    LIMIT.store(if budget > 0 { budget } else { i64::MAX }, Ordering::SeqCst);
    let out = std::hint::black_box(f());
    LIMIT.store(0, Ordering::SeqCst);
    let allocations = Allocations {
        count: ALLOCS.load(Ordering::SeqCst),
        bytes: ALLOC_BYTES.load(Ordering::SeqCst),
        peak_bytes: PEAK.load(Ordering::SeqCst).max(0) as u64,
    };
    (out, allocations)
}
