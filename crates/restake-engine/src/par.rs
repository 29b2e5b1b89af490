//! Parallel helpers whose results do not depend on the thread count.

use rayon::prelude::*;

/// Work unit for parallel loops over agents: large enough to amortise scheduling, small enough
/// to balance two to many cores. Also the block size of [`ordered_sum`], which fixes the
/// association order of floating-point sums.
pub const CHUNK: usize = 4096;

/// Asks the CPU to bring `s[i]` into cache (a hint: nothing happens out of bounds or on other
/// architectures). Loops that visit a sparse sample of a population call it a block ahead, so
/// the misses of many agents overlap instead of stalling one after another.
#[inline(always)]
pub fn prefetch<T>(s: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = s.get(i) {
        // SAFETY: a prefetch reads nothing architecturally visible and cannot fault; the
        // pointer is in bounds anyway.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((x as *const T).cast()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (s, i);
}

/// Fills `out[i] = f(i)` in parallel, in place (no allocation).
pub fn par_fill<T: Send>(out: &mut [T], f: impl Fn(usize) -> T + Sync) {
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
        let base = c * CHUNK;
        for (k, slot) in chunk.iter_mut().enumerate() {
            *slot = f(base + k);
        }
    });
}

/// Sorts `v` by `cmp`, in parallel once it is long enough to pay (16,384 items). For a total
/// order with unique keys only: then every sort, at any thread count, gives the one sequence.
pub fn sort_unique_by<T: Send>(v: &mut [T], cmp: impl Fn(&T, &T) -> std::cmp::Ordering + Sync) {
    if v.len() >= 1 << 14 { v.par_sort_unstable_by(cmp) } else { v.sort_unstable_by(cmp) }
}

/// Σ f(i) for i in 0..n, bit-identical at any thread count: blocks of [`CHUNK`] are summed
/// sequentially, then the block sums are added in block order.
/// (`par_iter().sum::<f64>()` is not: its association order follows the scheduler.)
pub fn ordered_sum(n: usize, f: impl Fn(usize) -> f64 + Sync) -> f64 {
    if n <= CHUNK {
        return (0..n).map(&f).sum();
    }
    let blocks = n.div_ceil(CHUNK);
    let partial: Vec<f64> =
        (0..blocks).into_par_iter().map(|b| (b * CHUNK..((b + 1) * CHUNK).min(n)).map(&f).sum::<f64>()).collect();
    partial.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
    }

    #[test]
    fn ordered_sum_is_identical_across_thread_counts() {
        // Values spanning 16 orders of magnitude make the sum sensitive to association order.
        let f = |i: usize| ((i as f64 * 0.618_033_988_75).fract() - 0.5) * 10f64.powi((i % 17) as i32 - 8);
        let n = 100_003;
        let one = in_pool(1, || ordered_sum(n, f));
        let two = in_pool(2, || ordered_sum(n, f));
        let five = in_pool(5, || ordered_sum(n, f));
        assert_eq!(one.to_bits(), two.to_bits());
        assert_eq!(one.to_bits(), five.to_bits());
        // Same association order as a sequential blocked sum.
        let blocked: f64 =
            (0..n.div_ceil(CHUNK)).map(|b| (b * CHUNK..((b + 1) * CHUNK).min(n)).map(f).sum::<f64>()).sum();
        assert_eq!(one.to_bits(), blocked.to_bits());
    }

    #[test]
    fn par_fill_writes_every_index() {
        let mut v = vec![0usize; 3 * CHUNK + 17];
        par_fill(&mut v, |i| i * 2);
        assert!(v.iter().enumerate().all(|(i, &x)| x == 2 * i));
    }
}
