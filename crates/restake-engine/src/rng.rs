//! Counter-based random streams.
//!
//! A generator is never shared: each (seed, entity, step, purpose) key hashes to the state of
//! a fresh PCG generator. Which thread evaluates an agent, and in which order, cannot change
//! what it draws (the CLI's tests check byte-identical outputs at 1 and 2 threads).

use rand::RngExt;
use rand_pcg::Pcg64Mcg;

/// What a draw is for, so that two decisions of one entity in one step never share a stream.
/// Models define their own constants; the engine attaches no meaning to the number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Purpose(pub u64);

/// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer with full avalanche.
#[inline]
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mixes the key components in sequence; each stage is a bijection, so distinct keys differ
/// in the state with overwhelming probability.
#[inline]
fn mix_key(seed: u64, entity: u64, step: u64, purpose: Purpose) -> u128 {
    let a = splitmix64(seed ^ 0x5EED);
    let b = splitmix64(a ^ entity);
    let c = splitmix64(b ^ step.rotate_left(17));
    let d = splitmix64(c ^ purpose.0.rotate_left(41));
    let e = splitmix64(d ^ 0xA5A5_A5A5);
    ((d as u128) << 64) | e as u128
}

/// The random stream of one entity at one step for one purpose.
#[inline]
pub fn stream(seed: u64, entity: u64, step: u64, purpose: Purpose) -> Pcg64Mcg {
    Pcg64Mcg::new(mix_key(seed, entity, step, purpose))
}

/// One uniform draw in [0, 1) for a key, without building a generator: the 53 high bits of
/// the keyed hash. For the many agents that need one draw per step (e.g. "do I look at my
/// position now?"), this is several times cheaper than [`stream`] and just as order-free.
#[inline]
pub fn uniform(seed: u64, entity: u64, step: u64, purpose: Purpose) -> f64 {
    (mix_key(seed, entity, step, purpose) as u64 >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Calls `f(k)`, in increasing order, for each `k` in `0..len` chosen independently with
/// probability `p`: a Bernoulli(p) sample of the range from one stream, keyed like any other.
/// (The sample of [`bernoulli_blocks`], element by element.)
#[inline]
pub fn bernoulli_sample(
    seed: u64,
    entity: u64,
    step: u64,
    purpose: Purpose,
    len: usize,
    p: f64,
    mut f: impl FnMut(usize),
) {
    bernoulli_blocks(seed, entity, step, purpose, len, p, |block, mask| set_bits(mask).for_each(|b| f(block + b)))
}

/// The set bits of `mask`, lowest first (the elements of a block of [`bernoulli_blocks`]).
#[inline]
pub fn set_bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let b = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            b
        })
    })
}

/// The Bernoulli(p) sample of `0..len` as bit masks: calls `f(block, mask)`, in increasing
/// order of `block` (a multiple of 64), for each block of 64 elements with a chosen element,
/// bit `b` of `mask` set when `block + b` is chosen. A caller that sees a block before it
/// visits its elements can fetch their data from memory ahead of need.
///
/// Rare choices are drawn by geometric skips, one draw per chosen element: the gap before the
/// next one is `floor(ln U / ln(1 - p))` with U uniform on (0, 1], geometric with parameter p
/// (Devroye, *Non-Uniform Random Variate Generation*, 1986, ch. X.2, the skip method). Common
/// ones (p >= 1/16, where a logarithm per choice costs more than a draw per element) compare
/// one 64-bit draw per element with p scaled to 2^64, 64 elements to a bit mask.
#[inline]
pub fn bernoulli_blocks(
    seed: u64,
    entity: u64,
    step: u64,
    purpose: Purpose,
    len: usize,
    p: f64,
    mut f: impl FnMut(usize, u64),
) {
    if len == 0 || p.is_nan() || p <= 0.0 {
        return;
    }
    if p >= 1.0 {
        for block in (0..len).step_by(64) {
            let n = (len - block).min(64);
            f(block, if n == 64 { u64::MAX } else { (1u64 << n) - 1 });
        }
        return;
    }
    let mut rng = stream(seed, entity, step, purpose);
    if p >= 1.0 / 16.0 {
        // P(x < t) = t / 2^64 for x uniform on 64 bits: t = p 2^64 (exact to 2^-53 relative).
        let t = (p * 18_446_744_073_709_551_616.0) as u64;
        for block in (0..len).step_by(64) {
            let n = (len - block).min(64);
            let mut mask = 0u64;
            for b in 0..n {
                mask |= ((rng.random::<u64>() < t) as u64) << b;
            }
            if mask != 0 {
                f(block, mask);
            }
        }
        return;
    }
    // ln(1 - p), accurate for small p.
    let scale = 1.0 / (-p).ln_1p();
    let (mut k, mut block, mut mask) = (0usize, 0usize, 0u64);
    loop {
        let u = 1.0 - rng.random::<f64>();
        let gap = (u.ln() * scale).floor();
        // Compared as a float: a gap can exceed any index.
        if gap >= (len - k) as f64 {
            break;
        }
        k += gap as usize;
        if k - block >= 64 {
            if mask != 0 {
                f(block, mask);
            }
            (block, mask) = (k & !63, 0);
        }
        mask |= 1 << (k - block);
        k += 1;
        if k >= len {
            break;
        }
    }
    if mask != 0 {
        f(block, mask);
    }
}

/// Seed of run `run_id` of an ensemble with `master_seed`: stable however the ensemble is split.
#[inline]
pub fn derive_seed(master_seed: u64, run_id: u64) -> u64 {
    splitmix64(splitmix64(master_seed) ^ run_id.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_reference_vector() {
        // Reference: the SplitMix64 generator of Vigna's splitmix64.c seeded with 0 outputs
        // 0xE220A8397B1DCDAF first; our finaliser applied to 0 is that first output.
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn streams_are_pure_functions_of_their_key() {
        let a: Vec<u64> =
            (0..4).map(|_| 0).scan(stream(7, 3, 11, Purpose(2)), |r, _: u64| Some(r.random::<u64>())).collect();
        let b: Vec<u64> =
            (0..4).map(|_| 0).scan(stream(7, 3, 11, Purpose(2)), |r, _: u64| Some(r.random::<u64>())).collect();
        assert_eq!(a, b);
        let mut other = stream(7, 3, 11, Purpose(3));
        assert_ne!(a[0], other.random::<u64>());
        let mut other = stream(7, 3, 12, Purpose(2));
        assert_ne!(a[0], other.random::<u64>());
        let mut other = stream(7, 4, 11, Purpose(2));
        assert_ne!(a[0], other.random::<u64>());
    }

    #[test]
    fn uniform_draws_have_the_right_mean_across_entities() {
        // Mean of U(0,1) is 1/2 with standard error 1/sqrt(12 n); n = 100_000 gives 0.0009,
        // so 0.005 is more than five standard errors.
        let n = 100_000u64;
        let mean = (0..n).map(|e| stream(1, e, 0, Purpose(0)).random::<f64>()).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
    }

    #[test]
    fn keyed_uniforms_are_uniform() {
        // Mean 1/2 and variance 1/12 of U(0,1); n = 200,000 keys: standard errors 0.00065 and
        // 0.00019, so the tolerances below are about five standard errors.
        let n = 200_000u64;
        let xs: Vec<f64> = (0..n).map(|e| uniform(3, e, 17, Purpose(2))).collect();
        assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.0033, "mean {mean}");
        assert!((var - 1.0 / 12.0).abs() < 0.001, "var {var}");
        // Different steps give unrelated draws: correlation near 0 (se 1/sqrt(n) = 0.0022).
        let ys: Vec<f64> = (0..n).map(|e| uniform(3, e, 18, Purpose(2))).collect();
        let cov = xs.iter().zip(&ys).map(|(x, y)| (x - 0.5) * (y - 0.5)).sum::<f64>() / n as f64;
        assert!((cov * 12.0).abs() < 0.011, "correlation {}", cov * 12.0);
    }

    /// Chosen indices of one range, as a membership vector.
    fn chosen(seed: u64, step: u64, len: usize, p: f64) -> Vec<bool> {
        let mut hit = vec![false; len];
        let mut last = None;
        bernoulli_sample(seed, 5, step, Purpose(2), len, p, |k| {
            assert!(last.is_none_or(|l| k > l), "indices increase");
            last = Some(k);
            hit[k] = true;
        });
        hit
    }

    #[test]
    fn bernoulli_sampling_of_common_choices() {
        // p = 0.154 (4 looks a day at hourly steps): the bit-mask regime.
        check_bernoulli(1.0 - (-4.0f64 / 24.0).exp());
    }

    #[test]
    fn bernoulli_sampling_of_rare_choices() {
        // p = 0.0408 (1 look a day at hourly steps): the skip regime.
        check_bernoulli(1.0 - (-1.0f64 / 24.0).exp());
    }

    /// Each element is chosen with probability p: over S steps its count is Binomial(S, p).
    /// For p = 0.154, S = 4000: mean 616, sd sqrt(S p (1-p)) = 22.8; the mean over 100
    /// elements (a block of 64 and a partial one) has sd 2.28. The tolerances are five sd of the
    /// mean and six of a single count.
    fn check_bernoulli(p: f64) {
        let (steps, len) = (4000u64, 100usize);
        let mut count = vec![0u32; len];
        let mut pairs = 0u32;
        for s in 0..steps {
            let hit = chosen(9, s, len, p);
            for k in 0..len {
                count[k] += hit[k] as u32;
            }
            // Neighbours are independent: both chosen with probability p^2.
            pairs += (0..len - 1).filter(|&k| hit[k] && hit[k + 1]).count() as u32;
        }
        let (expect, sd) = (steps as f64 * p, (steps as f64 * p * (1.0 - p)).sqrt());
        let mean = count.iter().map(|&c| c as f64).sum::<f64>() / len as f64;
        assert!((mean - expect).abs() < 5.0 * sd / (len as f64).sqrt(), "mean count {mean}, expected {expect}");
        assert!(count.iter().all(|&c| (c as f64 - expect).abs() < 6.0 * sd), "{count:?}");
        // Neighbour pairs: S (len - 1) p^2 of them; per step the len - 1 overlapping indicators
        // have variance (len - 1) p^2 (1 - p^2) + 2 (len - 2) (p^3 - p^4).
        let pair_expect = steps as f64 * (len - 1) as f64 * p * p;
        let pair_var = (len - 1) as f64 * p * p * (1.0 - p * p) + 2.0 * (len - 2) as f64 * (p.powi(3) - p.powi(4));
        let tol = 5.0 * (steps as f64 * pair_var).sqrt();
        assert!((pairs as f64 - pair_expect).abs() < tol, "pairs {pairs}, expected {pair_expect}");
    }

    #[test]
    fn bernoulli_sampling_edges() {
        assert!(chosen(1, 0, 100, 0.0).iter().all(|&h| !h));
        assert!(chosen(1, 0, 100, 1.0).iter().all(|&h| h));
        assert!(chosen(1, 0, 0, 0.5).is_empty());
        // A tiny probability over a short range chooses nothing, without overflow.
        assert!(chosen(1, 0, 10, 1e-300).iter().all(|&h| !h));
        // The same key draws the same sample; another step another one.
        assert_eq!(chosen(3, 7, 500, 0.3), chosen(3, 7, 500, 0.3));
        assert_ne!(chosen(3, 7, 500, 0.3), chosen(3, 8, 500, 0.3));
    }

    /// The masks name the elements a plain skip loop (the geometric method written out, one
    /// index at a time) or a draw per element chooses, block by block, blocks increasing.
    #[test]
    fn bernoulli_blocks_are_the_sample_in_masks() {
        let reference = |len: usize, p: f64| -> Vec<usize> {
            let mut rng = stream(4, 5, 6, Purpose(7));
            let mut out = vec![];
            if p >= 1.0 / 16.0 {
                let t = (p * 18_446_744_073_709_551_616.0) as u64;
                out.extend((0..len).filter(|_| rng.random::<u64>() < t));
                return out;
            }
            let (scale, mut k) = (1.0 / (-p).ln_1p(), 0usize);
            while k < len {
                let gap = ((1.0 - rng.random::<f64>()).ln() * scale).floor();
                if gap >= (len - k) as f64 {
                    break;
                }
                k += gap as usize;
                out.push(k);
                k += 1;
            }
            out
        };
        for (len, p) in [(1000, 0.01), (1000, 0.05), (130, 0.2), (64, 0.5), (200, 0.0005), (65, 1.0)] {
            let mut got = vec![];
            let mut last_block = None;
            bernoulli_blocks(4, 5, 6, Purpose(7), len, p, |block, mask| {
                assert!(block % 64 == 0 && mask != 0 && last_block.is_none_or(|b| block > b));
                last_block = Some(block);
                got.extend(set_bits(mask).map(|b| block + b));
            });
            let want = if p >= 1.0 { (0..len).collect() } else { reference(len, p) };
            assert_eq!(got, want, "len {len}, p {p}");
        }
    }

    #[test]
    fn derived_seeds_differ_per_run() {
        let seeds: std::collections::HashSet<u64> = (0..10_000).map(|r| derive_seed(42, r)).collect();
        assert_eq!(seeds.len(), 10_000);
    }
}
